/* petrel-credentials.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * PetrelCredentialService:
 * @PETREL_CREDENTIAL_SERVICE_IMAP: the IMAP password
 * @PETREL_CREDENTIAL_SERVICE_SMTP: the SMTP submission password
 * @PETREL_CREDENTIAL_SERVICE_OAUTH2_REFRESH: an OAuth2 refresh token
 *
 * What a secret is for. Nicks (also the keyring attribute values): `imap`, `smtp`,
 * `oauth2-refresh`.
 */
typedef enum
{
  PETREL_CREDENTIAL_SERVICE_IMAP,
  PETREL_CREDENTIAL_SERVICE_SMTP,
  PETREL_CREDENTIAL_SERVICE_OAUTH2_REFRESH,
} PetrelCredentialService;

#define PETREL_N_CREDENTIAL_SERVICES (PETREL_CREDENTIAL_SERVICE_OAUTH2_REFRESH + 1)

#define PETREL_TYPE_CREDENTIAL_SERVICE (petrel_credential_service_get_type ())
GType       petrel_credential_service_get_type  (void);
const char *petrel_credential_service_to_string (PetrelCredentialService service);

#define PETREL_TYPE_CREDENTIALS (petrel_credentials_get_type ())

G_DECLARE_INTERFACE (PetrelCredentials, petrel_credentials, PETREL, CREDENTIALS, GObject)

/**
 * PetrelCredentialsInterface:
 * @lookup_async: find the secret of (account id, service)
 * @lookup_finish: the secret (wipe it with petrel_credentials_secret_free()), or %NULL without
 *   an error when none is stored
 * @store_async: store or replace the secret of (account id, service); @account_label names
 *   the account to a person (the email address) in keyring managers
 * @store_finish: %TRUE when stored
 * @clear_async: forget the secret of (account id, service); no secret is not an error
 * @clear_finish: %TRUE unless the store failed
 *
 * Where passwords and tokens live. The engine never keeps a secret anywhere else: the only
 * implementations are #PetrelSecretCredentials (the Secret Service) and, for tests and the
 * `--offline` demo, #PetrelMemoryCredentials. Implementations must never log a secret.
 */
struct _PetrelCredentialsInterface
{
  GTypeInterface parent_iface;

  void      (*lookup_async)  (PetrelCredentials        *self,
                              const char               *account_id,
                              PetrelCredentialService   service,
                              GCancellable             *cancellable,
                              GAsyncReadyCallback       callback,
                              gpointer                  user_data);
  char     *(*lookup_finish) (PetrelCredentials        *self,
                              GAsyncResult             *result,
                              GError                  **error);
  void      (*store_async)   (PetrelCredentials        *self,
                              const char               *account_id,
                              PetrelCredentialService   service,
                              const char               *account_label,
                              const char               *secret,
                              GCancellable             *cancellable,
                              GAsyncReadyCallback       callback,
                              gpointer                  user_data);
  gboolean  (*store_finish)  (PetrelCredentials        *self,
                              GAsyncResult             *result,
                              GError                  **error);
  void      (*clear_async)   (PetrelCredentials        *self,
                              const char               *account_id,
                              PetrelCredentialService   service,
                              GCancellable             *cancellable,
                              GAsyncReadyCallback       callback,
                              gpointer                  user_data);
  gboolean  (*clear_finish)  (PetrelCredentials        *self,
                              GAsyncResult             *result,
                              GError                  **error);
};

void      petrel_credentials_lookup_async  (PetrelCredentials        *self,
                                            const char               *account_id,
                                            PetrelCredentialService   service,
                                            GCancellable             *cancellable,
                                            GAsyncReadyCallback       callback,
                                            gpointer                  user_data);
char     *petrel_credentials_lookup_finish (PetrelCredentials        *self,
                                            GAsyncResult             *result,
                                            GError                  **error);
void      petrel_credentials_store_async   (PetrelCredentials        *self,
                                            const char               *account_id,
                                            PetrelCredentialService   service,
                                            const char               *account_label,
                                            const char               *secret,
                                            GCancellable             *cancellable,
                                            GAsyncReadyCallback       callback,
                                            gpointer                  user_data);
gboolean  petrel_credentials_store_finish  (PetrelCredentials        *self,
                                            GAsyncResult             *result,
                                            GError                  **error);
void      petrel_credentials_clear_async   (PetrelCredentials        *self,
                                            const char               *account_id,
                                            PetrelCredentialService   service,
                                            GCancellable             *cancellable,
                                            GAsyncReadyCallback       callback,
                                            gpointer                  user_data);
gboolean  petrel_credentials_clear_finish  (PetrelCredentials        *self,
                                            GAsyncResult             *result,
                                            GError                  **error);

void      petrel_credentials_secret_free   (char                     *secret);

G_END_DECLS
