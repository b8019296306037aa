/* petrel-account-list.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The configured accounts of a data directory as a #GListModel of #PetrelAccount, sorted by
 * id. Reloading keeps the objects of accounts that are still there (front ends hang state on
 * them) and emits one items-changed when the set changed. petrel_account_list_watch() reloads
 * when the accounts directory changes, so an account added with petrel-cli while the app runs
 * shows up.
 */

#include "config.h"

#include <errno.h>

#include "petrel-account-list.h"

/* Coalesces the burst of events an account creation makes (mkdir, temp file, rename). */
#define WATCH_DELAY_MS 300

struct _PetrelAccountList
{
  GObject       parent_instance;

  char         *data_dir;    /* owned */
  GPtrArray    *accounts;    /* owned; PetrelAccount, by id */
  GPtrArray    *broken;      /* owned; GError */
  GFileMonitor *monitor;     /* owned, nullable */
  guint         reload_id;
};

static void petrel_account_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PetrelAccountList, petrel_account_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      petrel_account_list_model_init))

static GType
petrel_account_list_get_item_type (GListModel *model)
{
  return PETREL_TYPE_ACCOUNT;
}

static guint
petrel_account_list_get_n_items (GListModel *model)
{
  return PETREL_ACCOUNT_LIST (model)->accounts->len;
}

static gpointer
petrel_account_list_get_item (GListModel *model,
                              guint       position)
{
  PetrelAccountList *self = PETREL_ACCOUNT_LIST (model);

  if (position >= self->accounts->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (self->accounts, position));
}

static void
petrel_account_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = petrel_account_list_get_item_type;
  iface->get_n_items = petrel_account_list_get_n_items;
  iface->get_item = petrel_account_list_get_item;
}

static gboolean
reload_cb (gpointer user_data)
{
  PetrelAccountList *self = user_data;
  g_autoptr(GError) error = NULL;

  self->reload_id = 0;
  if (!petrel_account_list_reload (self, &error))
    g_debug ("Cannot reload the accounts: %s", error->message);

  return G_SOURCE_REMOVE;
}

static void
on_monitor_changed_cb (GFileMonitor      *monitor,
                       GFile             *file,
                       GFile             *other_file,
                       GFileMonitorEvent  event,
                       PetrelAccountList *self)
{
  g_clear_handle_id (&self->reload_id, g_source_remove);
  self->reload_id = g_timeout_add (WATCH_DELAY_MS, reload_cb, self);
}

static void
petrel_account_list_dispose (GObject *object)
{
  PetrelAccountList *self = PETREL_ACCOUNT_LIST (object);

  g_clear_handle_id (&self->reload_id, g_source_remove);
  if (self->monitor != NULL)
    {
      g_signal_handlers_disconnect_by_func (self->monitor, on_monitor_changed_cb, self);
      g_file_monitor_cancel (self->monitor);
      g_clear_object (&self->monitor);
    }
  g_clear_pointer (&self->accounts, g_ptr_array_unref);
  g_clear_pointer (&self->broken, g_ptr_array_unref);

  G_OBJECT_CLASS (petrel_account_list_parent_class)->dispose (object);
}

static void
petrel_account_list_finalize (GObject *object)
{
  PetrelAccountList *self = PETREL_ACCOUNT_LIST (object);

  g_clear_pointer (&self->data_dir, g_free);

  G_OBJECT_CLASS (petrel_account_list_parent_class)->finalize (object);
}

static void
petrel_account_list_class_init (PetrelAccountListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = petrel_account_list_dispose;
  object_class->finalize = petrel_account_list_finalize;
}

static void
petrel_account_list_init (PetrelAccountList *self)
{
  self->accounts = g_ptr_array_new_with_free_func (g_object_unref);
  self->broken = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
}

/**
 * petrel_account_list_new:
 * @data_dir: the data directory (`$XDG_DATA_HOME/petrel` or `PETREL_DATA_DIR`)
 *
 * Returns: (transfer full): an empty list; call petrel_account_list_reload()
 */
PetrelAccountList *
petrel_account_list_new (const char *data_dir)
{
  PetrelAccountList *self;

  g_return_val_if_fail (data_dir != NULL, NULL);

  self = g_object_new (PETREL_TYPE_ACCOUNT_LIST, NULL);
  self->data_dir = g_strdup (data_dir);

  return self;
}

const char *
petrel_account_list_get_data_dir (PetrelAccountList *self)
{
  g_return_val_if_fail (PETREL_IS_ACCOUNT_LIST (self), NULL);

  return self->data_dir;
}

/**
 * petrel_account_list_reload:
 *
 * Reads the account configurations again (small key files; blocking is short). Accounts
 * whose configuration cannot be read are left out and listed by
 * petrel_account_list_get_broken().
 *
 * Returns: %FALSE with @error set when the accounts directory cannot be read
 */
gboolean
petrel_account_list_reload (PetrelAccountList  *self,
                            GError            **error)
{
  g_autoptr(GPtrArray) configs = NULL;
  g_autoptr(GPtrArray) broken = NULL;
  g_autoptr(GPtrArray) accounts = NULL;
  gboolean same;

  g_return_val_if_fail (PETREL_IS_ACCOUNT_LIST (self), FALSE);

  configs = petrel_account_config_list (self->data_dir, &broken, error);
  if (configs == NULL)
    return FALSE;

  g_clear_pointer (&self->broken, g_ptr_array_unref);
  self->broken = g_steal_pointer (&broken);

  accounts = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < configs->len; i++)
    {
      PetrelAccountConfig *config = g_ptr_array_index (configs, i);
      PetrelAccount *existing = petrel_account_list_find (self,
                                                          petrel_account_config_get_id (config));

      if (existing != NULL)
        g_ptr_array_add (accounts, g_object_ref (existing));
      else
        g_ptr_array_add (accounts, petrel_account_new_for_config (self->data_dir, config));
    }

  same = accounts->len == self->accounts->len;
  for (guint i = 0; same && i < accounts->len; i++)
    same = g_ptr_array_index (accounts, i) == g_ptr_array_index (self->accounts, i);

  if (!same)
    {
      guint removed = self->accounts->len;

      g_clear_pointer (&self->accounts, g_ptr_array_unref);
      self->accounts = g_steal_pointer (&accounts);
      g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, self->accounts->len);
    }

  return TRUE;
}

/**
 * petrel_account_list_get_broken:
 *
 * Returns: (transfer none) (element-type GError): why accounts were left out by the last
 *   reload, one error per account naming its file
 */
GPtrArray *
petrel_account_list_get_broken (PetrelAccountList *self)
{
  g_return_val_if_fail (PETREL_IS_ACCOUNT_LIST (self), NULL);

  return self->broken;
}

/**
 * petrel_account_list_find:
 *
 * Returns: (transfer none) (nullable): the account with @id
 */
PetrelAccount *
petrel_account_list_find (PetrelAccountList *self,
                          const char        *id)
{
  g_return_val_if_fail (PETREL_IS_ACCOUNT_LIST (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  for (guint i = 0; i < self->accounts->len; i++)
    {
      PetrelAccount *account = g_ptr_array_index (self->accounts, i);

      if (g_strcmp0 (petrel_account_get_id (account), id) == 0)
        return account;
    }

  return NULL;
}

/**
 * petrel_account_list_watch:
 *
 * Reloads the list (on the caller's main context) whenever the accounts directory changes.
 * The directory is created if missing, so that accounts added later are seen.
 */
void
petrel_account_list_watch (PetrelAccountList *self)
{
  g_autofree char *path = NULL;
  g_autoptr(GFile) dir = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (PETREL_IS_ACCOUNT_LIST (self));

  if (self->monitor != NULL)
    return;

  /* DESIGN.md: accounts live in <data_dir>/accounts/<id>/. */
  path = g_build_filename (self->data_dir, "accounts", NULL);
  if (g_mkdir_with_parents (path, 0700) != 0)
    {
      g_debug ("Cannot create %s: %s", path, g_strerror (errno));
      return;
    }

  dir = g_file_new_for_path (path);
  self->monitor = g_file_monitor_directory (dir, G_FILE_MONITOR_WATCH_MOVES, NULL, &error);
  if (self->monitor == NULL)
    {
      g_debug ("Cannot watch %s: %s", path, error->message);
      return;
    }

  g_signal_connect (self->monitor, "changed", G_CALLBACK (on_monitor_changed_cb), self);
}
