/* petrel-tls-check-private.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "petrel-tls-check.h"

G_BEGIN_DECLS

PetrelTlsCheck *_petrel_tls_check_new (GTlsConnection *connection,
                                       const char     *host,
                                       guint16         port,
                                       const char     *pinned_fingerprint);

G_END_DECLS
