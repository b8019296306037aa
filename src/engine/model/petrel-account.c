/* petrel-account.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One mail account as the front ends see it: its configuration, its cache (opened on first
 * use) and where its secrets live.
 */

#include "config.h"

#include "account/petrel-account-error.h"
#include "account/petrel-secret-credentials.h"
#include "sync/petrel-changes.h"
#include "sync/petrel-sync.h"

#include "petrel-account.h"

struct _PetrelAccount
{
  GObject              parent_instance;

  char                *data_dir;      /* owned */
  char                *secret_key;    /* owned: whose secrets in the keyring are ours */
  PetrelAccountConfig *config;        /* owned */
  PetrelStore         *store;         /* owned, opened lazily */
  PetrelCredentials   *credentials;   /* owned, libsecret unless replaced */
  GMutex               lock;          /* guards @store's lazy open */
};

G_DEFINE_FINAL_TYPE (PetrelAccount, petrel_account, G_TYPE_OBJECT)

/* How many accounts exist: see petrel_account_wait_for_all(). */
static GMutex live_lock;
static GCond live_cond;
static guint n_live;

static void
petrel_account_dispose (GObject *object)
{
  PetrelAccount *self = PETREL_ACCOUNT (object);

  g_clear_object (&self->store);
  g_clear_object (&self->credentials);
  g_clear_object (&self->config);

  G_OBJECT_CLASS (petrel_account_parent_class)->dispose (object);
}

static void
petrel_account_finalize (GObject *object)
{
  PetrelAccount *self = PETREL_ACCOUNT (object);

  g_clear_pointer (&self->data_dir, g_free);
  g_clear_pointer (&self->secret_key, g_free);
  g_mutex_clear (&self->lock);

  /* After dispose: the store, if this held its last reference, is closed by now. */
  g_mutex_lock (&live_lock);
  n_live--;
  g_cond_broadcast (&live_cond);
  g_mutex_unlock (&live_lock);

  G_OBJECT_CLASS (petrel_account_parent_class)->finalize (object);
}

static void
petrel_account_class_init (PetrelAccountClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = petrel_account_dispose;
  object_class->finalize = petrel_account_finalize;
}

static void
petrel_account_init (PetrelAccount *self)
{
  g_mutex_init (&self->lock);

  g_mutex_lock (&live_lock);
  n_live++;
  g_mutex_unlock (&live_lock);
}

/**
 * petrel_account_wait_for_all:
 * @timeout: how long to wait at most, in microseconds
 *
 * Waits until no account exists any more, dispatching what the global default main context
 * has pending meanwhile (call it from the thread that runs that context). For a process about to exit, once it has let go of its accounts: the
 * callback of an async call runs while the task's thread may still hold the task, and through
 * it the account, and the account's store would then be closed on that thread, cut short by
 * the exit (no last checkpoint, now and then a store the next open checks in full).
 *
 * Returns: %TRUE when every account is gone, %FALSE when @timeout passed first
 */
gboolean
petrel_account_wait_for_all (gint64 timeout)
{
  gint64 deadline = g_get_monotonic_time () + timeout;
  gboolean all_gone;

  g_mutex_lock (&live_lock);
  while (n_live > 0 && g_get_monotonic_time () < deadline)
    {
      g_mutex_unlock (&live_lock);
      /* A source of this context may hold one too. */
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_mutex_lock (&live_lock);
      if (n_live > 0)
        g_cond_wait_until (&live_cond, &live_lock,
                           MIN (deadline, g_get_monotonic_time () + G_TIME_SPAN_MILLISECOND));
    }
  all_gone = n_live == 0;
  if (!all_gone)
    g_debug ("%u accounts still exist", n_live);
  g_mutex_unlock (&live_lock);

  return all_gone;
}

PetrelAccount *
petrel_account_new_for_config (const char          *data_dir,
                               PetrelAccountConfig *config)
{
  PetrelAccount *self;

  g_return_val_if_fail (data_dir != NULL, NULL);
  g_return_val_if_fail (PETREL_IS_ACCOUNT_CONFIG (config), NULL);

  self = g_object_new (PETREL_TYPE_ACCOUNT, NULL);
  self->data_dir = g_strdup (data_dir);
  self->config = g_object_ref (config);
  self->secret_key = petrel_account_dup_secret_key_for (data_dir,
                                                       petrel_account_config_get_id (config));
  self->credentials = petrel_secret_credentials_new ();

  return self;
}

PetrelAccount *
petrel_account_open (const char  *data_dir,
                     const char  *id,
                     GError     **error)
{
  g_autoptr(PetrelAccountConfig) config = NULL;

  g_return_val_if_fail (data_dir != NULL, NULL);
  g_return_val_if_fail (id != NULL, NULL);

  config = petrel_account_config_load (data_dir, id, error);
  if (config == NULL)
    return NULL;

  return petrel_account_new_for_config (data_dir, config);
}

/**
 * petrel_account_open_all:
 *
 * Returns: (transfer full): every configured account, sorted by id. An account whose
 * configuration cannot be read is left out (petrel_account_config_list() says why).
 */
GPtrArray *
petrel_account_open_all (const char  *data_dir,
                         GError     **error)
{
  g_autoptr(GPtrArray) configs = NULL;
  g_autoptr(GPtrArray) accounts = g_ptr_array_new_with_free_func (g_object_unref);

  configs = petrel_account_config_list (data_dir, NULL, error);
  if (configs == NULL)
    return NULL;

  for (guint i = 0; i < configs->len; i++)
    g_ptr_array_add (accounts, petrel_account_new_for_config (data_dir,
                                                              g_ptr_array_index (configs, i)));

  return g_steal_pointer (&accounts);
}

const char *
petrel_account_get_id (PetrelAccount *self)
{
  g_return_val_if_fail (PETREL_IS_ACCOUNT (self), NULL);

  return petrel_account_config_get_id (self->config);
}

const char *
petrel_account_get_data_dir (PetrelAccount *self)
{
  g_return_val_if_fail (PETREL_IS_ACCOUNT (self), NULL);

  return self->data_dir;
}

/**
 * petrel_account_get_secret_key:
 *
 * Returns: the account key under which this account's secrets are kept (its id and its data
 *   dir), to pass to #PetrelCredentials
 */
const char *
petrel_account_get_secret_key (PetrelAccount *self)
{
  g_return_val_if_fail (PETREL_IS_ACCOUNT (self), NULL);

  return self->secret_key;
}

/**
 * petrel_account_dup_secret_key_for:
 *
 * Returns: the secret key the account @id of @data_dir has (or will have once created). Two
 *   data dirs may both hold an account "work" (PETREL_DATA_DIR, tests): the keyring tells them
 *   apart by the canonical data dir too.
 */
char *
petrel_account_dup_secret_key_for (const char *data_dir,
                                   const char *id)
{
  g_autofree char *canonical = NULL;

  g_return_val_if_fail (data_dir != NULL, NULL);
  g_return_val_if_fail (id != NULL, NULL);

  canonical = g_canonicalize_filename (data_dir, NULL);
  return g_strdup_printf ("%s@%s", id, canonical);
}

PetrelAccountConfig *
petrel_account_get_config (PetrelAccount *self)
{
  g_return_val_if_fail (PETREL_IS_ACCOUNT (self), NULL);

  return self->config;
}

/**
 * petrel_account_get_store:
 *
 * Opens the account's cache on first use (safe from any thread).
 *
 * Returns: (transfer none) (nullable): the store, or %NULL with @error set
 */
PetrelStore *
petrel_account_get_store (PetrelAccount  *self,
                          GError        **error)
{
  PetrelStore *store;

  g_return_val_if_fail (PETREL_IS_ACCOUNT (self), NULL);

  g_mutex_lock (&self->lock);
  if (self->store == NULL)
    {
      g_autofree char *dir = petrel_account_dup_dir (self->data_dir,
                                                    petrel_account_get_id (self));

      self->store = petrel_store_open (dir, error);
    }
  store = self->store;
  g_mutex_unlock (&self->lock);

  return store;
}

PetrelCredentials *
petrel_account_get_credentials (PetrelAccount *self)
{
  g_return_val_if_fail (PETREL_IS_ACCOUNT (self), NULL);

  return self->credentials;
}

void
petrel_account_set_credentials (PetrelAccount     *self,
                                PetrelCredentials *credentials)
{
  g_return_if_fail (PETREL_IS_ACCOUNT (self));
  g_return_if_fail (PETREL_IS_CREDENTIALS (credentials));

  g_set_object (&self->credentials, credentials);
}

typedef struct
{
  char               *folder;         /* owned, nullable */
  gboolean            headers_only;
  PetrelSyncProgress *progress;       /* owned, nullable; touched on @main_context only */
  GMainContext       *main_context;   /* owned */
} SyncData;

typedef struct
{
  PetrelSyncProgress *progress;   /* owned */
  PetrelSyncPhase     phase;
  char               *folder;     /* owned */
  guint64             done;
  guint64             total;
} ProgressUpdate;

static void
sync_data_free (SyncData *data)
{
  g_clear_pointer (&data->folder, g_free);
  g_clear_object (&data->progress);
  g_clear_pointer (&data->main_context, g_main_context_unref);
  g_free (data);
}

static void
progress_update_free (ProgressUpdate *update)
{
  g_clear_object (&update->progress);
  g_clear_pointer (&update->folder, g_free);
  g_free (update);
}

static gboolean
apply_progress_cb (gpointer user_data)
{
  ProgressUpdate *update = user_data;
  PetrelSyncProgress *progress = update->progress;

  if (petrel_sync_progress_get_phase (progress) != update->phase ||
      g_strcmp0 (petrel_sync_progress_get_folder (progress), update->folder) != 0 ||
      petrel_sync_progress_get_total (progress) != update->total ||
      petrel_sync_progress_get_done (progress) > update->done)
    petrel_sync_progress_begin (progress, update->phase, update->folder, update->total);

  petrel_sync_progress_advance (progress, update->done - petrel_sync_progress_get_done (progress));
  return G_SOURCE_REMOVE;
}

static void
on_sync_progress_cb (PetrelSyncPhase  phase,
                     const char      *folder,
                     guint64          done,
                     guint64          total,
                     gpointer         user_data)
{
  SyncData *data = user_data;
  ProgressUpdate *update;

  if (data->progress == NULL)
    return;

  update = g_new0 (ProgressUpdate, 1);
  update->progress = g_object_ref (data->progress);
  update->phase = phase;
  update->folder = g_strdup (folder);
  update->done = done;
  update->total = total;
  g_main_context_invoke_full (data->main_context, G_PRIORITY_DEFAULT, apply_progress_cb,
                              update, (GDestroyNotify) progress_update_free);
}

static void
petrel_account_sync_thread (GTask        *task,
                            gpointer      source_object,
                            gpointer      task_data,
                            GCancellable *cancellable)
{
  SyncData *data = task_data;
  g_autoptr(GError) error = NULL;

  if (!petrel_sync_account (PETREL_ACCOUNT (source_object), data->folder,
                            data->headers_only ? PETREL_SYNC_HEADERS_ONLY : PETREL_SYNC_NONE,
                            on_sync_progress_cb, data, cancellable, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * petrel_account_sync_async:
 * @folder: (nullable): sync only this folder (the folder list is always brought up to date)
 * @headers_only: leave bodies for later
 *
 * Brings the account's cache up to date with the server.
 */
void
petrel_account_sync_async (PetrelAccount       *self,
                           const char          *folder,
                           gboolean             headers_only,
                           PetrelSyncProgress  *progress,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  SyncData *data;

  g_return_if_fail (PETREL_IS_ACCOUNT (self));
  g_return_if_fail (progress == NULL || PETREL_IS_SYNC_PROGRESS (progress));

  data = g_new0 (SyncData, 1);
  data->folder = g_strdup (folder);
  data->headers_only = headers_only;
  data->progress = progress != NULL ? g_object_ref (progress) : NULL;
  data->main_context = g_main_context_ref_thread_default ();

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, petrel_account_sync_async);
  g_task_set_task_data (task, data, (GDestroyNotify) sync_data_free);
  g_task_run_in_thread (task, petrel_account_sync_thread);
}

gboolean
petrel_account_sync_finish (PetrelAccount  *self,
                            GAsyncResult   *result,
                            GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

typedef struct
{
  char     *folder;
  guint32   uid;
  gboolean  allow_network;
} LoadData;

static void
load_data_free (LoadData *data)
{
  g_free (data->folder);
  g_free (data);
}

static void
petrel_account_load_message_thread (GTask        *task,
                                    gpointer      source_object,
                                    gpointer      task_data,
                                    GCancellable *cancellable)
{
  PetrelAccount *self = source_object;
  LoadData *data = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(PetrelStoreFolder) folder = NULL;
  GBytes *bytes = NULL;
  PetrelStore *store;

  store = petrel_account_get_store (self, &error);
  if (store != NULL)
    folder = petrel_store_get_folder_by_path (store, data->folder, &error);
  if (folder == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (petrel_store_read_message (store, folder->id, data->uid, &bytes, &error))
    {
      g_task_return_pointer (task, bytes, (GDestroyNotify) g_bytes_unref);
      return;
    }

  if (!g_error_matches (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NEEDS_REFETCH) ||
      !data->allow_network)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_clear_error (&error);

  if (!petrel_sync_fetch_body (self, data->folder, data->uid, cancellable, &error) ||
      !petrel_store_read_message (store, folder->id, data->uid, &bytes, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, bytes, (GDestroyNotify) g_bytes_unref);
}

void
petrel_account_load_message_async (PetrelAccount       *self,
                                   const char          *folder,
                                   guint32              uid,
                                   gboolean             allow_network,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  LoadData *data;

  g_return_if_fail (PETREL_IS_ACCOUNT (self));
  g_return_if_fail (folder != NULL);

  data = g_new0 (LoadData, 1);
  data->folder = g_strdup (folder);
  data->uid = uid;
  data->allow_network = allow_network;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, petrel_account_load_message_async);
  g_task_set_task_data (task, data, (GDestroyNotify) load_data_free);
  g_task_run_in_thread (task, petrel_account_load_message_thread);
}

GBytes *
petrel_account_load_message_finish (PetrelAccount  *self,
                                    GAsyncResult   *result,
                                    GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
petrel_account_undo_thread (GTask        *task,
                            gpointer      source_object,
                            gpointer      task_data,
                            GCancellable *cancellable)
{
  PetrelAccount *self = source_object;
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;

  if (!petrel_changes_undo (self, &description, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* The undo is safe in the queue; a server that cannot be reached gets it later. */
  if (GPOINTER_TO_INT (task_data) &&
      !petrel_changes_replay (self, NULL, cancellable, &error))
    g_debug ("Undo queued, not sent yet: %s", error->message);

  g_task_return_pointer (task, g_steal_pointer (&description), g_free);
}

typedef struct
{
  gint64   first_id;
  gint64   last_id;
  gboolean online;
} UndoRange;

static void
petrel_account_undo_range_thread (GTask        *task,
                                  gpointer      source_object,
                                  gpointer      task_data,
                                  GCancellable *cancellable)
{
  PetrelAccount *self = source_object;
  UndoRange *range = task_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;

  if (!petrel_changes_undo_after (self, range->first_id, range->last_id, &description, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (range->online && !petrel_changes_replay (self, NULL, cancellable, &error))
    g_debug ("Undo queued, not sent yet: %s", error->message);

  g_task_return_pointer (task, g_steal_pointer (&description), g_free);
}

/**
 * petrel_account_undo_range_async:
 * @first_id: undo the changes after this one (see petrel_changes_last_id())…
 * @last_id: …up to this one
 *
 * Like petrel_account_undo_async(), for exactly the changes in (@first_id, @last_id], newest
 * first: what one undo toast stands for. Finish with petrel_account_undo_finish().
 */
void
petrel_account_undo_range_async (PetrelAccount       *self,
                                 gint64               first_id,
                                 gint64               last_id,
                                 gboolean             online,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  UndoRange *range;

  g_return_if_fail (PETREL_IS_ACCOUNT (self));

  range = g_new0 (UndoRange, 1);
  range->first_id = first_id;
  range->last_id = last_id;
  range->online = online;
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, petrel_account_undo_async);
  g_task_set_task_data (task, range, g_free);
  g_task_run_in_thread (task, petrel_account_undo_range_thread);
}

void
petrel_account_undo_async (PetrelAccount       *self,
                           gboolean             online,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (PETREL_IS_ACCOUNT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, petrel_account_undo_async);
  g_task_set_task_data (task, GINT_TO_POINTER (online), NULL);
  g_task_run_in_thread (task, petrel_account_undo_thread);
}

char *
petrel_account_undo_finish (PetrelAccount  *self,
                            GAsyncResult   *result,
                            GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
