/* petrel-memory-credentials.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "account/petrel-credentials.h"

G_BEGIN_DECLS

#define PETREL_TYPE_MEMORY_CREDENTIALS (petrel_memory_credentials_get_type ())

G_DECLARE_FINAL_TYPE (PetrelMemoryCredentials, petrel_memory_credentials,
                      PETREL, MEMORY_CREDENTIALS, GObject)

PetrelCredentials *petrel_memory_credentials_new           (void);
guint              petrel_memory_credentials_get_n_secrets (PetrelMemoryCredentials *self);
const char        *petrel_memory_credentials_get_label     (PetrelMemoryCredentials *self,
                                                            const char              *account_id,
                                                            PetrelCredentialService  service);

G_END_DECLS
