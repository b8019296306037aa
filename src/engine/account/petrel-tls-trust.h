/* petrel-tls-trust.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "account/petrel-account-config.h"
#include "account/petrel-tls-check.h"
#include "account/petrel-tls-database.h"
#include "account/petrel-tls-failure.h"

G_BEGIN_DECLS

#define PETREL_TYPE_TLS_TRUST (petrel_tls_trust_get_type ())

G_DECLARE_FINAL_TYPE (PetrelTlsTrust, petrel_tls_trust, PETREL, TLS_TRUST, GObject)

PetrelTlsTrust *petrel_tls_trust_new              (PetrelAccountConfig   *config,
                                                   GError               **error);
GTlsDatabase   *petrel_tls_trust_get_database     (PetrelTlsTrust        *self);
const char     *petrel_tls_trust_get_pin          (PetrelTlsTrust        *self,
                                                   const char            *host,
                                                   guint16                port);
PetrelTlsCheck *petrel_tls_trust_attach           (PetrelTlsTrust        *self,
                                                   GTlsClientConnection  *connection,
                                                   const char            *host,
                                                   guint16                port);
void            petrel_tls_trust_handshake_async  (PetrelTlsTrust        *self,
                                                   GIOStream             *base_stream,
                                                   const char            *host,
                                                   guint16                port,
                                                   int                    io_priority,
                                                   GCancellable          *cancellable,
                                                   GAsyncReadyCallback    callback,
                                                   gpointer               user_data);
GIOStream      *petrel_tls_trust_handshake_finish (PetrelTlsTrust        *self,
                                                   GAsyncResult          *result,
                                                   GError               **error);

G_END_DECLS
