/* petrel-tls-database.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define PETREL_TYPE_TLS_DATABASE (petrel_tls_database_get_type ())

G_DECLARE_FINAL_TYPE (PetrelTlsDatabase, petrel_tls_database, PETREL, TLS_DATABASE, GTlsDatabase)

GTlsDatabase *petrel_tls_database_new        (GTlsDatabase      *system,
                                              GTlsDatabase      *extra);
GTlsDatabase *petrel_tls_database_get_system (PetrelTlsDatabase *self);
GTlsDatabase *petrel_tls_database_get_extra  (PetrelTlsDatabase *self);

G_END_DECLS
