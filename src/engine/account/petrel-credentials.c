/* petrel-credentials.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "petrel-credentials.h"

G_DEFINE_INTERFACE (PetrelCredentials, petrel_credentials, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (PetrelCredentialService, petrel_credential_service,
  G_DEFINE_ENUM_VALUE (PETREL_CREDENTIAL_SERVICE_IMAP, "imap"),
  G_DEFINE_ENUM_VALUE (PETREL_CREDENTIAL_SERVICE_SMTP, "smtp"),
  G_DEFINE_ENUM_VALUE (PETREL_CREDENTIAL_SERVICE_OAUTH2_REFRESH, "oauth2-refresh"))

static void
petrel_credentials_default_init (PetrelCredentialsInterface *iface)
{
}

/**
 * petrel_credential_service_to_string:
 * @service: a #PetrelCredentialService
 *
 * Returns: the nick of @service (`imap`, `smtp`, `oauth2-refresh`), used as the keyring
 *   attribute value
 */
const char *
petrel_credential_service_to_string (PetrelCredentialService service)
{
  switch (service)
    {
    case PETREL_CREDENTIAL_SERVICE_IMAP:
      return "imap";
    case PETREL_CREDENTIAL_SERVICE_SMTP:
      return "smtp";
    case PETREL_CREDENTIAL_SERVICE_OAUTH2_REFRESH:
      return "oauth2-refresh";
    default:
      g_return_val_if_reached (NULL);
    }
}

void
petrel_credentials_lookup_async (PetrelCredentials       *self,
                                 const char              *account_id,
                                 PetrelCredentialService  service,
                                 GCancellable            *cancellable,
                                 GAsyncReadyCallback      callback,
                                 gpointer                 user_data)
{
  g_return_if_fail (PETREL_IS_CREDENTIALS (self));
  g_return_if_fail (account_id != NULL);
  g_return_if_fail (service < PETREL_N_CREDENTIAL_SERVICES);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  PETREL_CREDENTIALS_GET_IFACE (self)->lookup_async (self, account_id, service, cancellable,
                                                     callback, user_data);
}

/**
 * petrel_credentials_lookup_finish:
 * @self: a #PetrelCredentials
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the secret, to be released with
 *   petrel_credentials_secret_free(); %NULL with @error unset when nothing is stored
 */
char *
petrel_credentials_lookup_finish (PetrelCredentials  *self,
                                  GAsyncResult       *result,
                                  GError            **error)
{
  g_return_val_if_fail (PETREL_IS_CREDENTIALS (self), NULL);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), NULL);

  return PETREL_CREDENTIALS_GET_IFACE (self)->lookup_finish (self, result, error);
}

void
petrel_credentials_store_async (PetrelCredentials       *self,
                                const char              *account_id,
                                PetrelCredentialService  service,
                                const char              *account_label,
                                const char              *secret,
                                GCancellable            *cancellable,
                                GAsyncReadyCallback      callback,
                                gpointer                 user_data)
{
  g_return_if_fail (PETREL_IS_CREDENTIALS (self));
  g_return_if_fail (account_id != NULL);
  g_return_if_fail (service < PETREL_N_CREDENTIAL_SERVICES);
  g_return_if_fail (secret != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  if (account_label == NULL)
    account_label = account_id;

  PETREL_CREDENTIALS_GET_IFACE (self)->store_async (self, account_id, service, account_label,
                                                    secret, cancellable, callback, user_data);
}

gboolean
petrel_credentials_store_finish (PetrelCredentials  *self,
                                 GAsyncResult       *result,
                                 GError            **error)
{
  g_return_val_if_fail (PETREL_IS_CREDENTIALS (self), FALSE);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), FALSE);

  return PETREL_CREDENTIALS_GET_IFACE (self)->store_finish (self, result, error);
}

void
petrel_credentials_clear_async (PetrelCredentials       *self,
                                const char              *account_id,
                                PetrelCredentialService  service,
                                GCancellable            *cancellable,
                                GAsyncReadyCallback      callback,
                                gpointer                 user_data)
{
  g_return_if_fail (PETREL_IS_CREDENTIALS (self));
  g_return_if_fail (account_id != NULL);
  g_return_if_fail (service < PETREL_N_CREDENTIAL_SERVICES);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  PETREL_CREDENTIALS_GET_IFACE (self)->clear_async (self, account_id, service, cancellable,
                                                    callback, user_data);
}

gboolean
petrel_credentials_clear_finish (PetrelCredentials  *self,
                                 GAsyncResult       *result,
                                 GError            **error)
{
  g_return_val_if_fail (PETREL_IS_CREDENTIALS (self), FALSE);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), FALSE);

  return PETREL_CREDENTIALS_GET_IFACE (self)->clear_finish (self, result, error);
}

/**
 * petrel_credentials_secret_free:
 * @secret: (nullable): a secret from petrel_credentials_lookup_finish()
 *
 * Overwrites @secret with zeroes and frees it, so a password does not linger on the heap.
 */
void
petrel_credentials_secret_free (char *secret)
{
  volatile char *p = secret;

  if (secret == NULL)
    return;

  while (*p != '\0')
    *p++ = '\0';

  g_free (secret);
}
