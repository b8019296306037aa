/* petrel-account-setup.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Creating and removing whole accounts: the secret first, then the files, undone on failure.
 * Moved here from `petrel-cli account add|remove` so the account assistant and the
 * preferences do exactly the same (issue 9).
 */

#include "config.h"

#include <glib/gi18n.h>

#include "account/petrel-oauth2.h"

#include "petrel-account-setup.h"

typedef struct
{
  char                *data_dir;     /* owned */
  PetrelAccountConfig *config;       /* owned */
  PetrelAccount       *account;      /* owned */
  char                *password;     /* owned, wiped; NULL once stored or for OAuth2 */
  guint                next_service; /* create: the next password to store; remove: to clear */
  GError              *error;        /* owned: why a create is being rolled back */
} SetupData;

static void
setup_data_free (SetupData *data)
{
  g_clear_pointer (&data->data_dir, g_free);
  g_clear_object (&data->config);
  g_clear_object (&data->account);
  g_clear_pointer (&data->password, petrel_credentials_secret_free);
  g_clear_error (&data->error);
  g_free (data);
}

/* Create */

static void create_store_next_secret (GTask *task);

static void
create_rollback_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SetupData *data = g_task_get_task_data (task);

  /* Clearing a secret that is not there is fine; other failures leave nothing to undo. */
  petrel_credentials_clear_finish (PETREL_CREDENTIALS (object), result, NULL);

  if (data->next_service > 0)
    {
      data->next_service--;
      petrel_credentials_clear_async (PETREL_CREDENTIALS (object),
                                      petrel_account_get_secret_key (data->account),
                                      data->next_service, NULL, create_rollback_cb,
                                      g_steal_pointer (&task));
      return;
    }

  g_task_return_error (task, g_steal_pointer (&data->error));
}

/* Takes back the secrets stored so far (data->next_service of them), then fails with @error. */
static void
create_fail (GTask  *task,
             GError *error)
{
  SetupData *data = g_task_get_task_data (task);
  PetrelCredentials *credentials = petrel_account_get_credentials (data->account);

  data->error = error;
  if (data->next_service == 0)
    {
      g_task_return_error (task, g_steal_pointer (&data->error));
      g_object_unref (task);
      return;
    }

  data->next_service--;
  petrel_credentials_clear_async (credentials, petrel_account_get_secret_key (data->account),
                                  data->next_service, NULL, create_rollback_cb, task);
}

static void
create_files_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  SetupData *data = task_data;
  g_autoptr(GError) error = NULL;

  if (!petrel_account_config_save (data->config, data->data_dir, &error) ||
      petrel_account_get_store (data->account, &error) == NULL)
    {
      petrel_account_config_remove (data->data_dir, petrel_account_config_get_id (data->config),
                                    NULL);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_task_return_boolean (task, TRUE);
}

static void
create_files_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SetupData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      create_fail (g_steal_pointer (&task), error);
      return;
    }

  g_task_return_pointer (task, g_object_ref (data->account), g_object_unref);
}

static void
create_store_secret_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SetupData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!petrel_credentials_store_finish (PETREL_CREDENTIALS (object), result, &error))
    {
      create_fail (g_steal_pointer (&task), error);
      return;
    }

  data->next_service++;
  create_store_next_secret (g_steal_pointer (&task));
}

static void
create_store_next_secret (GTask *task)
{
  SetupData *data = g_task_get_task_data (task);
  g_autoptr(GTask) files_task = NULL;

  /* The password goes to IMAP and SMTP (services 0 and 1); OAuth2 stored its token already. */
  if (data->password != NULL && data->next_service <= PETREL_CREDENTIAL_SERVICE_SMTP)
    {
      petrel_credentials_store_async (petrel_account_get_credentials (data->account),
                                      petrel_account_get_secret_key (data->account),
                                      data->next_service,
                                      petrel_account_config_get_email_address (data->config),
                                      data->password, g_task_get_cancellable (task),
                                      create_store_secret_cb, task);
      return;
    }
  g_clear_pointer (&data->password, petrel_credentials_secret_free);

  /* Disk and SQLite: off the main loop. */
  files_task = g_task_new (NULL, g_task_get_cancellable (task), create_files_cb, task);
  g_task_set_task_data (files_task, data, NULL);
  /* Once the files are written, a late cancellation must not report a failure. */
  g_task_set_check_cancellable (files_task, FALSE);
  g_task_run_in_thread (files_task, create_files_thread);
}

/**
 * petrel_account_create_async:
 * @data_dir: the data directory
 * @config: the new account's settings
 * @password: (nullable): the password for IMAP and SMTP; %NULL when the account uses OAuth2
 *   and petrel_oauth2_sign_in_async() stored its refresh token already
 * @credentials: (nullable): where to keep the password; %NULL for the Secret Service
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Creates an account: keyring first, then account.ini and the cache. Nothing is left behind
 * when a step fails.
 */
void
petrel_account_create_async (const char           *data_dir,
                             PetrelAccountConfig  *config,
                             const char           *password,
                             PetrelCredentials    *credentials,
                             GCancellable         *cancellable,
                             GAsyncReadyCallback   callback,
                             gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PetrelAccountConfig) existing = NULL;
  SetupData *data;

  g_return_if_fail (data_dir != NULL);
  g_return_if_fail (PETREL_IS_ACCOUNT_CONFIG (config));
  g_return_if_fail (credentials == NULL || PETREL_IS_CREDENTIALS (credentials));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, petrel_account_create_async);

  if (!petrel_account_config_validate (config, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  existing = petrel_account_config_load (data_dir, petrel_account_config_get_id (config), NULL);
  if (existing != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_EXISTS,
                               _("An account with the id “%s” exists already"),
                               petrel_account_config_get_id (config));
      return;
    }

  data = g_new0 (SetupData, 1);
  data->data_dir = g_strdup (data_dir);
  data->config = g_object_ref (config);
  data->account = petrel_account_new_for_config (data_dir, config);
  if (credentials != NULL)
    petrel_account_set_credentials (data->account, credentials);
  data->password = g_strdup (password);
  g_task_set_task_data (task, data, (GDestroyNotify) setup_data_free);

  create_store_next_secret (g_steal_pointer (&task));
}

/**
 * petrel_account_create_finish:
 *
 * Returns: (transfer full): the new account, or %NULL with @error set
 */
PetrelAccount *
petrel_account_create_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == petrel_account_create_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Remove */

static void remove_clear_next (GTask *task);

static void
remove_files_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  SetupData *data = task_data;
  g_autoptr(GError) error = NULL;

  if (!petrel_account_config_remove (data->data_dir, petrel_account_config_get_id (data->config),
                                     &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
remove_clear_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SetupData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!petrel_credentials_clear_finish (PETREL_CREDENTIALS (object), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  data->next_service++;
  remove_clear_next (g_steal_pointer (&task));
}

static void
remove_clear_next (GTask *task)
{
  SetupData *data = g_task_get_task_data (task);
  PetrelCredentials *credentials = petrel_account_get_credentials (data->account);
  const char *id = petrel_account_config_get_id (data->config);

  if (data->next_service < PETREL_N_CREDENTIAL_SERVICES)
    {
      petrel_credentials_clear_async (credentials, petrel_account_get_secret_key (data->account),
                                      data->next_service, g_task_get_cancellable (task),
                                      remove_clear_cb, task);
      return;
    }
  /* OAuth2 keeps its refresh token under the account id (see petrel-oauth2.c). */
  if (data->next_service == PETREL_N_CREDENTIAL_SERVICES &&
      petrel_account_config_get_auth_mechanism (data->config) == PETREL_AUTH_MECHANISM_OAUTH2)
    {
      petrel_oauth2_invalidate_access_token (id, NULL);
      petrel_credentials_clear_async (credentials, id, PETREL_CREDENTIAL_SERVICE_OAUTH2_REFRESH,
                                      g_task_get_cancellable (task), remove_clear_cb, task);
      return;
    }

  /* The store must be closed before its files go: the caller drops its other references. */
  g_task_run_in_thread (task, remove_files_thread);
  g_object_unref (task);
}

/**
 * petrel_account_remove_async:
 * @account: the account to remove
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Removes the account's secrets, then its directory (settings, cache, outbox and queued
 * changes). The caller should drop its own references to @account's store first.
 */
void
petrel_account_remove_async (PetrelAccount       *account,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  SetupData *data;

  g_return_if_fail (PETREL_IS_ACCOUNT (account));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, petrel_account_remove_async);

  data = g_new0 (SetupData, 1);
  data->data_dir = g_strdup (petrel_account_get_data_dir (account));
  data->config = g_object_ref (petrel_account_get_config (account));
  data->account = g_object_ref (account);
  g_task_set_task_data (task, data, (GDestroyNotify) setup_data_free);

  remove_clear_next (g_steal_pointer (&task));
}

gboolean
petrel_account_remove_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == petrel_account_remove_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
