/* petrel-folder-list.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The folder tree of one account: a #GListModel of its top-level #PetrelFolder objects, each
 * with its subfolders as petrel_folder_get_children(). Folders with a role come first
 * (Inbox, Drafts, Sent, Archive, Trash, Junk), then the others by name.
 *
 * A refresh reads the store on a worker thread and then changes the tree in place: folders
 * keep their identity across refreshes (counts are updated with notifications), and a list
 * that did not change emits nothing.
 */

#include "config.h"

#include "petrel-model-private.h"
#include "petrel-folder-list.h"

struct _PetrelFolderList
{
  GObject        parent_instance;

  PetrelAccount *account;   /* owned */
  GListStore    *top;       /* owned; top-level PetrelFolder */
  GHashTable    *by_path;   /* owned; path → PetrelFolder (owned) */
  guint          serial;    /* of the latest refresh; older results are dropped */
};

static void petrel_folder_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PetrelFolderList, petrel_folder_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      petrel_folder_list_model_init))

static int
role_rank (PetrelStoreFolderRole role)
{
  switch (role)
    {
    case PETREL_STORE_FOLDER_ROLE_INBOX:
      return 0;
    case PETREL_STORE_FOLDER_ROLE_DRAFTS:
      return 1;
    case PETREL_STORE_FOLDER_ROLE_SENT:
      return 2;
    case PETREL_STORE_FOLDER_ROLE_ARCHIVE:
      return 3;
    case PETREL_STORE_FOLDER_ROLE_TRASH:
      return 4;
    case PETREL_STORE_FOLDER_ROLE_JUNK:
      return 5;
    case PETREL_STORE_FOLDER_ROLE_NONE:
    default:
      return 6;
    }
}

static int
compare_folders (gconstpointer a,
                 gconstpointer b)
{
  PetrelFolder *fa = *(PetrelFolder **) a;
  PetrelFolder *fb = *(PetrelFolder **) b;
  int ra = role_rank (petrel_folder_get_role (fa));
  int rb = role_rank (petrel_folder_get_role (fb));
  g_autofree char *ka = NULL;
  g_autofree char *kb = NULL;
  int cmp;

  if (ra != rb)
    return ra - rb;

  ka = g_utf8_collate_key (petrel_folder_get_display_name (fa), -1);
  kb = g_utf8_collate_key (petrel_folder_get_display_name (fb), -1);
  cmp = g_strcmp0 (ka, kb);
  if (cmp != 0)
    return cmp;

  return g_strcmp0 (petrel_folder_get_path (fa), petrel_folder_get_path (fb));
}

/* The nearest existing ancestor of @folder in @by_path, or %NULL for a top-level folder. */
static PetrelFolder *
find_parent (GHashTable   *by_path,
             PetrelFolder *folder)
{
  const char *delimiter = petrel_folder_get_delimiter (folder);
  g_autofree char *path = NULL;

  if (delimiter == NULL || *delimiter == '\0')
    return NULL;

  path = g_strdup (petrel_folder_get_path (folder));
  for (;;)
    {
      char *cut = g_strrstr (path, delimiter);
      PetrelFolder *parent;

      if (cut == NULL || cut == path)
        return NULL;

      *cut = '\0';
      parent = g_hash_table_lookup (by_path, path);
      if (parent != NULL)
        return parent;
    }
}

/* Makes @store hold exactly @wanted, with one items-changed when it differs. */
static void
store_set_items (GListStore *store,
                 GPtrArray  *wanted)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (store));
  gboolean same = n == wanted->len;

  for (guint i = 0; same && i < n; i++)
    {
      g_autoptr(PetrelFolder) item = g_list_model_get_item (G_LIST_MODEL (store), i);

      same = item == g_ptr_array_index (wanted, i);
    }

  if (!same)
    g_list_store_splice (store, 0, n, wanted->pdata, wanted->len);
}

static void
apply_rows (PetrelFolderList *self,
            GPtrArray        *rows)
{
  g_autoptr(GHashTable) by_path = NULL;
  g_autoptr(GHashTable) children = NULL;
  g_autoptr(GPtrArray) top = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  by_path = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  for (guint i = 0; i < rows->len; i++)
    {
      const PetrelStoreFolder *row = g_ptr_array_index (rows, i);
      PetrelFolder *folder = g_hash_table_lookup (self->by_path, row->path);

      /* A folder whose hierarchy delimiter changed is a new folder. */
      if (folder != NULL &&
          g_strcmp0 (petrel_folder_get_delimiter (folder), row->delimiter) == 0)
        {
          g_object_ref (folder);
          petrel_folder_update (folder, row);
        }
      else
        {
          folder = petrel_folder_new (self->account, row);
        }

      g_hash_table_replace (by_path, g_strdup (row->path), folder);
    }

  /* parent → GPtrArray of children */
  children = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_ptr_array_unref);
  g_hash_table_iter_init (&iter, by_path);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      PetrelFolder *folder = value;
      PetrelFolder *parent = find_parent (by_path, folder);

      if (parent == NULL)
        {
          g_ptr_array_add (top, folder);
        }
      else
        {
          GPtrArray *siblings = g_hash_table_lookup (children, parent);

          if (siblings == NULL)
            {
              siblings = g_ptr_array_new ();
              g_hash_table_insert (children, parent, siblings);
            }
          g_ptr_array_add (siblings, folder);
        }
    }

  g_hash_table_iter_init (&iter, by_path);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      PetrelFolder *folder = value;
      GPtrArray *siblings = g_hash_table_lookup (children, folder);
      g_autoptr(GPtrArray) none = NULL;

      if (siblings == NULL)
        siblings = none = g_ptr_array_new ();
      g_ptr_array_sort (siblings, compare_folders);
      store_set_items (_petrel_folder_get_children_store (folder), siblings);
    }

  g_ptr_array_sort (top, compare_folders);

  /* Swap before the top-level change so handlers see the new lookup table. */
  g_clear_pointer (&self->by_path, g_hash_table_unref);
  self->by_path = g_steal_pointer (&by_path);
  store_set_items (self->top, top);
}

static void
on_top_items_changed_cb (GListModel       *model,
                         guint             position,
                         guint             removed,
                         guint             added,
                         PetrelFolderList *self)
{
  g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
}

static GPtrArray *
read_folders (PetrelAccount  *account,
              GError        **error)
{
  PetrelStore *store = petrel_account_get_store (account, error);

  if (store == NULL)
    return NULL;

  return petrel_store_list_folders (store, error);
}

static void
petrel_folder_list_refresh_thread (GTask        *task,
                                   gpointer      source_object,
                                   gpointer      task_data,
                                   GCancellable *cancellable)
{
  PetrelAccount *account = task_data;
  g_autoptr(GError) error = NULL;
  GPtrArray *rows;

  rows = read_folders (account, &error);
  if (rows == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, rows, (GDestroyNotify) g_ptr_array_unref);
}

static void
petrel_folder_list_refresh_cb (GObject      *object,
                               GAsyncResult *result,
                               gpointer      user_data)
{
  PetrelFolderList *self = PETREL_FOLDER_LIST (object);
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  guint serial = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (task), "serial"));

  rows = g_task_propagate_pointer (G_TASK (result), &error);
  if (rows == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (serial == self->serial)
    apply_rows (self, rows);

  g_task_return_boolean (task, TRUE);
}

static GType
petrel_folder_list_get_item_type (GListModel *model)
{
  return PETREL_TYPE_FOLDER;
}

static guint
petrel_folder_list_get_n_items (GListModel *model)
{
  return g_list_model_get_n_items (G_LIST_MODEL (PETREL_FOLDER_LIST (model)->top));
}

static gpointer
petrel_folder_list_get_item (GListModel *model,
                             guint       position)
{
  return g_list_model_get_item (G_LIST_MODEL (PETREL_FOLDER_LIST (model)->top), position);
}

static void
petrel_folder_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = petrel_folder_list_get_item_type;
  iface->get_n_items = petrel_folder_list_get_n_items;
  iface->get_item = petrel_folder_list_get_item;
}

static void
petrel_folder_list_dispose (GObject *object)
{
  PetrelFolderList *self = PETREL_FOLDER_LIST (object);

  if (self->top != NULL)
    g_signal_handlers_disconnect_by_func (self->top, on_top_items_changed_cb, self);
  g_clear_object (&self->top);
  g_clear_pointer (&self->by_path, g_hash_table_unref);
  g_clear_object (&self->account);

  G_OBJECT_CLASS (petrel_folder_list_parent_class)->dispose (object);
}

static void
petrel_folder_list_class_init (PetrelFolderListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = petrel_folder_list_dispose;
}

static void
petrel_folder_list_init (PetrelFolderList *self)
{
  self->top = g_list_store_new (PETREL_TYPE_FOLDER);
  self->by_path = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  g_signal_connect (self->top, "items-changed", G_CALLBACK (on_top_items_changed_cb), self);
}

/**
 * petrel_folder_list_new:
 *
 * Returns: (transfer full): an empty list; petrel_folder_list_refresh_async() fills it
 */
PetrelFolderList *
petrel_folder_list_new (PetrelAccount *account)
{
  PetrelFolderList *self;

  g_return_val_if_fail (PETREL_IS_ACCOUNT (account), NULL);

  self = g_object_new (PETREL_TYPE_FOLDER_LIST, NULL);
  self->account = g_object_ref (account);

  return self;
}

PetrelAccount *
petrel_folder_list_get_account (PetrelFolderList *self)
{
  g_return_val_if_fail (PETREL_IS_FOLDER_LIST (self), NULL);

  return self->account;
}

/**
 * petrel_folder_list_refresh_async:
 *
 * Reads the account's folders and counts from its cache on a worker thread and brings the
 * tree up to date on the caller's main context. When refreshes overlap, only the last one
 * is applied.
 */
void
petrel_folder_list_refresh_async (PetrelFolderList    *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) inner = NULL;

  g_return_if_fail (PETREL_IS_FOLDER_LIST (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, petrel_folder_list_refresh_async);
  g_object_set_data (G_OBJECT (task), "serial", GUINT_TO_POINTER (++self->serial));

  inner = g_task_new (self, cancellable, petrel_folder_list_refresh_cb, g_steal_pointer (&task));
  g_task_set_task_data (inner, g_object_ref (self->account), g_object_unref);
  g_task_run_in_thread (inner, petrel_folder_list_refresh_thread);
}

gboolean
petrel_folder_list_refresh_finish (PetrelFolderList  *self,
                                   GAsyncResult      *result,
                                   GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * petrel_folder_list_refresh_sync:
 *
 * Like petrel_folder_list_refresh_async(), blocking: for command-line tools and tests, never
 * on a UI's main loop.
 */
gboolean
petrel_folder_list_refresh_sync (PetrelFolderList  *self,
                                 GError           **error)
{
  g_autoptr(GPtrArray) rows = NULL;

  g_return_val_if_fail (PETREL_IS_FOLDER_LIST (self), FALSE);

  rows = read_folders (self->account, error);
  if (rows == NULL)
    return FALSE;

  self->serial++;
  apply_rows (self, rows);

  return TRUE;
}

/**
 * petrel_folder_list_find:
 *
 * Returns: (transfer none) (nullable): the folder with @path, at any depth
 */
PetrelFolder *
petrel_folder_list_find (PetrelFolderList *self,
                         const char       *path)
{
  g_return_val_if_fail (PETREL_IS_FOLDER_LIST (self), NULL);
  g_return_val_if_fail (path != NULL, NULL);

  return g_hash_table_lookup (self->by_path, path);
}

/**
 * petrel_folder_list_find_role:
 *
 * Returns: (transfer none) (nullable): the folder with @role
 */
PetrelFolder *
petrel_folder_list_find_role (PetrelFolderList      *self,
                              PetrelStoreFolderRole  role)
{
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (PETREL_IS_FOLDER_LIST (self), NULL);

  g_hash_table_iter_init (&iter, self->by_path);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      if (petrel_folder_get_role (value) == role)
        return value;
    }

  return NULL;
}

/**
 * petrel_folder_list_get_unread:
 * @role: count only folders with this role, or %PETREL_STORE_FOLDER_ROLE_NONE for all
 *
 * Returns: unread messages in those folders
 */
guint
petrel_folder_list_get_unread (PetrelFolderList      *self,
                               PetrelStoreFolderRole  role)
{
  GHashTableIter iter;
  gpointer value;
  guint unread = 0;

  g_return_val_if_fail (PETREL_IS_FOLDER_LIST (self), 0);

  g_hash_table_iter_init (&iter, self->by_path);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      if (role == PETREL_STORE_FOLDER_ROLE_NONE || petrel_folder_get_role (value) == role)
        unread += petrel_folder_get_unread (value);
    }

  return unread;
}
