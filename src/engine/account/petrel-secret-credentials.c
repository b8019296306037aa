/* petrel-secret-credentials.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include "petrel-account-error.h"
#include "petrel-secret-credentials.h"

/* Secrets in the Secret Service (GNOME Keyring, KWallet, KeePassXC), in the default collection,
 * as items of the schema org.petrelmail.Petrel.Account with the attributes account (the
 * account id) and service (imap, smtp, oauth2-refresh). Only libsecret's asynchronous calls
 * are used: a keyring that prompts to unlock must not freeze the main loop. When there is no
 * Secret Service, or its keyring stays locked, the caller gets PETREL_ACCOUNT_ERROR_NO_KEYRING:
 * there is deliberately no fallback store. Secrets are never logged. */

struct _PetrelSecretCredentials
{
  GObject parent_instance;
};

static void petrel_secret_credentials_iface_init (PetrelCredentialsInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PetrelSecretCredentials, petrel_secret_credentials, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PETREL_TYPE_CREDENTIALS,
                                                      petrel_secret_credentials_iface_init))

static const SecretSchema schema = {
  "org.petrelmail.Petrel.Account",
  SECRET_SCHEMA_NONE,
  {
    { "account", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "service", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  },
};

static const char *
describe_service (PetrelCredentialService service)
{
  switch (service)
    {
    case PETREL_CREDENTIAL_SERVICE_IMAP:
      return "IMAP";
    case PETREL_CREDENTIAL_SERVICE_SMTP:
      return "SMTP";
    case PETREL_CREDENTIAL_SERVICE_OAUTH2_REFRESH:
      return "OAuth2 refresh token";
    default:
      g_return_val_if_reached (NULL);
    }
}

/* Turns libsecret's and D-Bus's errors into ours. Our own cancellation stays G_IO_ERROR_CANCELLED;
 * a cancellation we did not ask for is a dismissed unlock prompt. */
static GError *
translate_error (GError       *error,
                 GCancellable *cancellable)
{
  g_autoptr(GError) owned = error;
  gboolean no_keyring;
  const char *detail = error->message;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      if (cancellable != NULL && g_cancellable_is_cancelled (cancellable))
        return g_steal_pointer (&owned);

      no_keyring = TRUE;
      detail = "the keyring is locked and was not unlocked";
    }
  else if (error->domain == SECRET_ERROR)
    {
      /* IS_LOCKED: locked and could not be unlocked; NO_SUCH_OBJECT: no default collection. */
      no_keyring = (error->code == SECRET_ERROR_IS_LOCKED ||
                    error->code == SECRET_ERROR_NO_SUCH_OBJECT);
    }
  else if (error->domain == G_DBUS_ERROR)
    {
      /* The service is not on the bus, cannot be activated, or does not answer. */
      no_keyring = TRUE;
    }
  else if (error->domain == G_IO_ERROR)
    {
      /* No session bus at all, unless this is a D-Bus error we have no mapping for. */
      no_keyring = error->code != G_IO_ERROR_DBUS_ERROR;
    }
  else
    {
      no_keyring = FALSE;
    }

  if (no_keyring)
    return g_error_new (PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_NO_KEYRING,
                        _("No keyring (Secret Service) is available; Petrel keeps passwords "
                          "only in the system keyring (%s)"), detail);

  return g_error_new (PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_KEYRING_FAILED,
                      _("The keyring failed: %s"), detail);
}

/* What a lookup asked for, for the search after it. */
typedef struct
{
  char       *account_id;
  const char *service;   /* static */
} LookupKey;

static void
lookup_key_free (LookupKey *key)
{
  g_free (key->account_id);
  g_free (key);
}

static void
petrel_secret_credentials_locked_cb (GObject      *object,
                                     GAsyncResult *result,
                                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  GList *items;
  gboolean locked = FALSE;

  items = secret_password_search_finish (result, &error);
  for (GList *l = items; l != NULL; l = l->next)
    locked |= SECRET_IS_ITEM (l->data) && secret_item_get_locked (SECRET_ITEM (l->data));
  g_list_free_full (items, g_object_unref);

  /* A failed search changes nothing: there is no password to give either way. */
  if (error != NULL)
    g_debug ("Looking for a locked secret failed: %s", error->message);

  if (locked)
    {
      g_debug ("Secret for %s: stored, but its keyring is locked",
               (const char *) g_task_get_task_data (task));
      g_task_return_new_error (task, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_NO_KEYRING,
                               _("The keyring that holds this account’s password is locked "
                                 "and could not be unlocked; unlock it (for example by logging "
                                 "in again, or in Passwords and Keys) and try again"));
      return;
    }

  g_task_return_pointer (task, NULL, NULL);
}

static void
petrel_secret_credentials_lookup_cb (GObject      *object,
                                     GAsyncResult *result,
                                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  char *secret;

  secret = secret_password_lookup_finish (result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, translate_error (g_steal_pointer (&error),
                                                  g_task_get_cancellable (task)));
      return;
    }

  g_debug ("Secret lookup for %s: %s", (const char *) g_task_get_task_data (task),
           secret != NULL ? "found" : "none unlocked");

  /* Nothing unlocked: is it stored in a keyring that stays locked (no unlock prompt could be
   * shown, or it was dismissed)? That is not the same as no password at all. */
  if (secret == NULL)
    {
      LookupKey *key = g_object_get_data (G_OBJECT (task), "petrel-lookup-key");

      secret_password_search (&schema, SECRET_SEARCH_ALL, g_task_get_cancellable (task),
                              petrel_secret_credentials_locked_cb, g_object_ref (task),
                              "account", key->account_id,
                              "service", key->service,
                              NULL);
      return;
    }

  g_task_return_pointer (task, g_strdup (secret), (GDestroyNotify) petrel_credentials_secret_free);
  secret_password_free (secret);
}

static void
petrel_secret_credentials_store_cb (GObject      *object,
                                    GAsyncResult *result,
                                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!secret_password_store_finish (result, &error))
    {
      g_task_return_error (task, translate_error (g_steal_pointer (&error),
                                                  g_task_get_cancellable (task)));
      return;
    }

  g_debug ("Stored the secret for %s", (const char *) g_task_get_task_data (task));
  g_task_return_boolean (task, TRUE);
}

static void
petrel_secret_credentials_clear_cb (GObject      *object,
                                    GAsyncResult *result,
                                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  gboolean removed;

  removed = secret_password_clear_finish (result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, translate_error (g_steal_pointer (&error),
                                                  g_task_get_cancellable (task)));
      return;
    }

  g_debug ("Cleared the secret for %s: %s", (const char *) g_task_get_task_data (task),
           removed ? "removed" : "none stored");
  g_task_return_boolean (task, TRUE);
}

static GTask *
create_task (PetrelSecretCredentials *self,
             const char              *account_id,
             PetrelCredentialService  service,
             GCancellable            *cancellable,
             GAsyncReadyCallback      callback,
             gpointer                 user_data,
             gpointer                 source_tag)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  /* For debug messages: which secret, never its value. */
  g_task_set_task_data (task,
                        g_strdup_printf ("account “%s”, service %s", account_id,
                                         petrel_credential_service_to_string (service)),
                        g_free);

  return task;
}

static void
petrel_secret_credentials_lookup_async (PetrelCredentials       *credentials,
                                        const char              *account_id,
                                        PetrelCredentialService  service,
                                        GCancellable            *cancellable,
                                        GAsyncReadyCallback      callback,
                                        gpointer                 user_data)
{
  PetrelSecretCredentials *self = PETREL_SECRET_CREDENTIALS (credentials);
  GTask *task;

  task = create_task (self, account_id, service, cancellable, callback, user_data,
                      petrel_secret_credentials_lookup_async);
  {
    LookupKey *key = g_new0 (LookupKey, 1);

    key->account_id = g_strdup (account_id);
    key->service = petrel_credential_service_to_string (service);
    g_object_set_data_full (G_OBJECT (task), "petrel-lookup-key", key,
                            (GDestroyNotify) lookup_key_free);
  }

  secret_password_lookup (&schema, cancellable, petrel_secret_credentials_lookup_cb, task,
                          "account", account_id,
                          "service", petrel_credential_service_to_string (service),
                          NULL);
}

static char *
petrel_secret_credentials_lookup_finish (PetrelCredentials  *credentials,
                                         GAsyncResult       *result,
                                         GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, credentials), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
petrel_secret_credentials_store_async (PetrelCredentials       *credentials,
                                       const char              *account_id,
                                       PetrelCredentialService  service,
                                       const char              *account_label,
                                       const char              *secret,
                                       GCancellable            *cancellable,
                                       GAsyncReadyCallback      callback,
                                       gpointer                 user_data)
{
  PetrelSecretCredentials *self = PETREL_SECRET_CREDENTIALS (credentials);
  g_autofree char *label = NULL;
  GTask *task;

  task = create_task (self, account_id, service, cancellable, callback, user_data,
                      petrel_secret_credentials_store_async);
  label = g_strdup_printf ("Petrel: %s (%s)", account_label, describe_service (service));

  secret_password_store (&schema, SECRET_COLLECTION_DEFAULT, label, secret, cancellable,
                         petrel_secret_credentials_store_cb, task,
                         "account", account_id,
                         "service", petrel_credential_service_to_string (service),
                         NULL);
}

static gboolean
petrel_secret_credentials_store_finish (PetrelCredentials  *credentials,
                                        GAsyncResult       *result,
                                        GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, credentials), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
petrel_secret_credentials_clear_async (PetrelCredentials       *credentials,
                                       const char              *account_id,
                                       PetrelCredentialService  service,
                                       GCancellable            *cancellable,
                                       GAsyncReadyCallback      callback,
                                       gpointer                 user_data)
{
  PetrelSecretCredentials *self = PETREL_SECRET_CREDENTIALS (credentials);
  GTask *task;

  task = create_task (self, account_id, service, cancellable, callback, user_data,
                      petrel_secret_credentials_clear_async);

  secret_password_clear (&schema, cancellable, petrel_secret_credentials_clear_cb, task,
                         "account", account_id,
                         "service", petrel_credential_service_to_string (service),
                         NULL);
}

static gboolean
petrel_secret_credentials_clear_finish (PetrelCredentials  *credentials,
                                        GAsyncResult       *result,
                                        GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, credentials), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
petrel_secret_credentials_iface_init (PetrelCredentialsInterface *iface)
{
  iface->lookup_async = petrel_secret_credentials_lookup_async;
  iface->lookup_finish = petrel_secret_credentials_lookup_finish;
  iface->store_async = petrel_secret_credentials_store_async;
  iface->store_finish = petrel_secret_credentials_store_finish;
  iface->clear_async = petrel_secret_credentials_clear_async;
  iface->clear_finish = petrel_secret_credentials_clear_finish;
}

static void
petrel_secret_credentials_class_init (PetrelSecretCredentialsClass *klass)
{
}

static void
petrel_secret_credentials_init (PetrelSecretCredentials *self)
{
}

/**
 * petrel_secret_credentials_new:
 *
 * Returns: (transfer full): credentials kept in the Secret Service of the session bus
 */
PetrelCredentials *
petrel_secret_credentials_new (void)
{
  return g_object_new (PETREL_TYPE_SECRET_CREDENTIALS, NULL);
}

/**
 * petrel_secret_credentials_get_schema:
 *
 * Returns: (transfer none): the schema of Petrel's keyring items, `org.petrelmail.Petrel.Account`
 *   with the string attributes `account` and `service`
 */
const SecretSchema *
petrel_secret_credentials_get_schema (void)
{
  return &schema;
}
