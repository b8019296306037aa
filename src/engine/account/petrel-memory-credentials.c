/* petrel-memory-credentials.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "petrel-memory-credentials.h"

/* Secrets in process memory, forgotten when the object goes away. Only for unit tests of the
 * layers above and for the `--offline` demo: real accounts use PetrelSecretCredentials. Never
 * writes anything anywhere and never logs a secret. */

typedef struct
{
  char *secret;  /* owned, wiped on free */
  char *label;   /* owned */
} Entry;

struct _PetrelMemoryCredentials
{
  GObject     parent_instance;

  GMutex      lock;     /* guards entries: sync asks from its worker thread */
  GHashTable *entries;  /* owned: "id\nservice" -> Entry */
};

static void petrel_memory_credentials_iface_init (PetrelCredentialsInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PetrelMemoryCredentials, petrel_memory_credentials, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PETREL_TYPE_CREDENTIALS,
                                                      petrel_memory_credentials_iface_init))

static void
entry_free (Entry *entry)
{
  petrel_credentials_secret_free (entry->secret);
  g_free (entry->label);
  g_free (entry);
}

static char *
make_key (const char              *account_id,
          PetrelCredentialService  service)
{
  /* Account ids never contain a newline, so the key is unambiguous. */
  return g_strdup_printf ("%s\n%s", account_id, petrel_credential_service_to_string (service));
}

static void
petrel_memory_credentials_lookup_async (PetrelCredentials       *credentials,
                                        const char              *account_id,
                                        PetrelCredentialService  service,
                                        GCancellable            *cancellable,
                                        GAsyncReadyCallback      callback,
                                        gpointer                 user_data)
{
  PetrelMemoryCredentials *self = PETREL_MEMORY_CREDENTIALS (credentials);
  g_autoptr(GTask) task = NULL;
  g_autofree char *key = make_key (account_id, service);
  const Entry *entry;
  char *secret;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, petrel_memory_credentials_lookup_async);

  if (g_task_return_error_if_cancelled (task))
    return;

  g_mutex_lock (&self->lock);
  entry = g_hash_table_lookup (self->entries, key);
  secret = entry != NULL ? g_strdup (entry->secret) : NULL;
  g_mutex_unlock (&self->lock);
  g_task_return_pointer (task, secret, (GDestroyNotify) petrel_credentials_secret_free);
}

static char *
petrel_memory_credentials_lookup_finish (PetrelCredentials  *credentials,
                                         GAsyncResult       *result,
                                         GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, credentials), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
petrel_memory_credentials_store_async (PetrelCredentials       *credentials,
                                       const char              *account_id,
                                       PetrelCredentialService  service,
                                       const char              *account_label,
                                       const char              *secret,
                                       GCancellable            *cancellable,
                                       GAsyncReadyCallback      callback,
                                       gpointer                 user_data)
{
  PetrelMemoryCredentials *self = PETREL_MEMORY_CREDENTIALS (credentials);
  g_autoptr(GTask) task = NULL;
  Entry *entry;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, petrel_memory_credentials_store_async);

  if (g_task_return_error_if_cancelled (task))
    return;

  entry = g_new0 (Entry, 1);
  entry->secret = g_strdup (secret);
  entry->label = g_strdup (account_label);
  g_mutex_lock (&self->lock);
  g_hash_table_replace (self->entries, make_key (account_id, service), entry);
  g_mutex_unlock (&self->lock);

  g_task_return_boolean (task, TRUE);
}

static gboolean
petrel_memory_credentials_store_finish (PetrelCredentials  *credentials,
                                        GAsyncResult       *result,
                                        GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, credentials), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
petrel_memory_credentials_clear_async (PetrelCredentials       *credentials,
                                       const char              *account_id,
                                       PetrelCredentialService  service,
                                       GCancellable            *cancellable,
                                       GAsyncReadyCallback      callback,
                                       gpointer                 user_data)
{
  PetrelMemoryCredentials *self = PETREL_MEMORY_CREDENTIALS (credentials);
  g_autoptr(GTask) task = NULL;
  g_autofree char *key = make_key (account_id, service);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, petrel_memory_credentials_clear_async);

  if (g_task_return_error_if_cancelled (task))
    return;

  g_mutex_lock (&self->lock);
  g_hash_table_remove (self->entries, key);
  g_mutex_unlock (&self->lock);
  g_task_return_boolean (task, TRUE);
}

static gboolean
petrel_memory_credentials_clear_finish (PetrelCredentials  *credentials,
                                        GAsyncResult       *result,
                                        GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, credentials), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
petrel_memory_credentials_iface_init (PetrelCredentialsInterface *iface)
{
  iface->lookup_async = petrel_memory_credentials_lookup_async;
  iface->lookup_finish = petrel_memory_credentials_lookup_finish;
  iface->store_async = petrel_memory_credentials_store_async;
  iface->store_finish = petrel_memory_credentials_store_finish;
  iface->clear_async = petrel_memory_credentials_clear_async;
  iface->clear_finish = petrel_memory_credentials_clear_finish;
}

static void
petrel_memory_credentials_finalize (GObject *object)
{
  PetrelMemoryCredentials *self = (PetrelMemoryCredentials *)object;

  g_clear_pointer (&self->entries, g_hash_table_unref);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (petrel_memory_credentials_parent_class)->finalize (object);
}

static void
petrel_memory_credentials_class_init (PetrelMemoryCredentialsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = petrel_memory_credentials_finalize;
}

static void
petrel_memory_credentials_init (PetrelMemoryCredentials *self)
{
  g_mutex_init (&self->lock);
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) entry_free);
}

/**
 * petrel_memory_credentials_new:
 *
 * Returns: (transfer full): an empty in-memory store, for tests and the `--offline` demo only
 */
PetrelCredentials *
petrel_memory_credentials_new (void)
{
  return g_object_new (PETREL_TYPE_MEMORY_CREDENTIALS, NULL);
}

/**
 * petrel_memory_credentials_get_n_secrets:
 * @self: a #PetrelMemoryCredentials
 *
 * Returns: how many secrets are stored, for tests
 */
guint
petrel_memory_credentials_get_n_secrets (PetrelMemoryCredentials *self)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (PETREL_IS_MEMORY_CREDENTIALS (self), 0);

  locker = g_mutex_locker_new (&self->lock);
  return g_hash_table_size (self->entries);
}

/**
 * petrel_memory_credentials_get_label:
 * @self: a #PetrelMemoryCredentials
 * @account_id: an account id
 * @service: a service
 *
 * Returns: (nullable): the account label the secret was stored with, for tests
 */
const char *
petrel_memory_credentials_get_label (PetrelMemoryCredentials *self,
                                     const char              *account_id,
                                     PetrelCredentialService  service)
{
  g_autofree char *key = NULL;
  const Entry *entry;

  g_return_val_if_fail (PETREL_IS_MEMORY_CREDENTIALS (self), NULL);
  g_return_val_if_fail (account_id != NULL, NULL);

  key = make_key (account_id, service);
  g_mutex_lock (&self->lock);
  entry = g_hash_table_lookup (self->entries, key);
  g_mutex_unlock (&self->lock);

  /* Tests only: the label lives as long as the secret. */
  return entry != NULL ? entry->label : NULL;
}
