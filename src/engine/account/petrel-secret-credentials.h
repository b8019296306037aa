/* petrel-secret-credentials.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsecret/secret.h>

#include "account/petrel-credentials.h"

G_BEGIN_DECLS

#define PETREL_TYPE_SECRET_CREDENTIALS (petrel_secret_credentials_get_type ())

G_DECLARE_FINAL_TYPE (PetrelSecretCredentials, petrel_secret_credentials,
                      PETREL, SECRET_CREDENTIALS, GObject)

PetrelCredentials  *petrel_secret_credentials_new        (void);
const SecretSchema *petrel_secret_credentials_get_schema (void);

G_END_DECLS
