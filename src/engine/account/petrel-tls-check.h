/* petrel-tls-check.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "account/petrel-tls-failure.h"

G_BEGIN_DECLS

#define PETREL_TYPE_TLS_CHECK (petrel_tls_check_get_type ())

G_DECLARE_FINAL_TYPE (PetrelTlsCheck, petrel_tls_check, PETREL, TLS_CHECK, GObject)

PetrelTlsCheck   *petrel_tls_check_get_for_connection   (GTlsConnection *connection);
const char       *petrel_tls_check_get_host             (PetrelTlsCheck *self);
guint16           petrel_tls_check_get_port             (PetrelTlsCheck *self);
PetrelTlsFailure *petrel_tls_check_dup_failure          (PetrelTlsCheck *self);
gboolean          petrel_tls_check_get_accepted_by_pin  (PetrelTlsCheck *self);
GError           *petrel_tls_check_translate_error      (PetrelTlsCheck *self,
                                                         GError         *error);

G_END_DECLS
