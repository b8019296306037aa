/* petrel-account-state.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the window shows about one account besides its mail: its folder tree, whether it is
 * syncing (with the engine's PetrelSyncProgress turned into words and a fraction), and why
 * the last sync failed. While a sync runs, the folder counts are read again a few times a
 * second at most and ::store-changed tells the window to refresh the message list it shows.
 */

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "model/petrel-demo.h"

#include "petrel-account-state.h"

/* How often a running sync makes the lists read the store again. */
#define REFRESH_INTERVAL_MS 500

struct _PetrelAccountState
{
  GObject             parent_instance;

  PetrelAccount      *account;     /* owned */
  PetrelFolderList   *folders;     /* owned */
  PetrelSyncProgress *progress;    /* owned, nullable: the running sync's */
  GCancellable       *sync_cancellable; /* owned, nullable: the running sync's */
  GCancellable       *parent_cancellable; /* owned, nullable: cancels the running sync */
  gulong              parent_handler;
  char               *status;      /* owned */
  char               *error;       /* owned, nullable */
  double              fraction;
  gboolean            syncing;
  guint               refresh_id;
};

G_DEFINE_FINAL_TYPE (PetrelAccountState, petrel_account_state, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ACCOUNT,
  PROP_TITLE,
  PROP_DEMO,
  PROP_SYNCING,
  PROP_STATUS,
  PROP_ERROR,
  PROP_FRACTION,
  N_PROPS
};

enum {
  STORE_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
set_status (PetrelAccountState *self,
            const char         *status,
            double              fraction)
{
  if (g_strcmp0 (self->status, status) != 0)
    {
      g_free (self->status);
      self->status = g_strdup (status);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
    }

  if (self->fraction != fraction)
    {
      self->fraction = fraction;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRACTION]);
    }
}

static void
set_error (PetrelAccountState *self,
           const char         *error)
{
  if (g_strcmp0 (self->error, error) == 0)
    return;

  g_free (self->error);
  self->error = g_strdup (error);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
}

static void
set_syncing (PetrelAccountState *self,
             gboolean            syncing)
{
  if (self->syncing == syncing)
    return;

  self->syncing = syncing;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNCING]);
}

static void
clear_sync_cancellable (PetrelAccountState *self)
{
  if (self->parent_cancellable != NULL)
    g_cancellable_disconnect (self->parent_cancellable, self->parent_handler);
  self->parent_handler = 0;
  g_clear_object (&self->parent_cancellable);
  g_clear_object (&self->sync_cancellable);
}

static void
on_parent_cancelled_cb (GCancellable *parent,
                        GCancellable *sync_cancellable)
{
  g_cancellable_cancel (sync_cancellable);
}

static void
refresh_folders_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!petrel_folder_list_refresh_finish (PETREL_FOLDER_LIST (object), result, &error))
    g_debug ("Cannot read the folders: %s", error->message);
}

static gboolean
refresh_timeout_cb (gpointer user_data)
{
  PetrelAccountState *self = user_data;

  self->refresh_id = 0;
  petrel_account_state_refresh (self);

  return G_SOURCE_REMOVE;
}

static void
schedule_refresh (PetrelAccountState *self)
{
  if (self->refresh_id == 0)
    self->refresh_id = g_timeout_add (REFRESH_INTERVAL_MS, refresh_timeout_cb, self);
}

static void
update_status_from_progress (PetrelAccountState *self)
{
  PetrelSyncProgress *progress = self->progress;
  const char *folder = petrel_sync_progress_get_folder (progress);
  guint64 done = petrel_sync_progress_get_done (progress);
  guint64 total = petrel_sync_progress_get_total (progress);
  double fraction = total > 0 ? MIN (1.0, (double) done / (double) total) : -1.0;
  g_autofree char *status = NULL;

  if (folder != NULL && g_ascii_strcasecmp (folder, "INBOX") == 0)
    folder = _("Inbox");

  switch (petrel_sync_progress_get_phase (progress))
    {
    case PETREL_SYNC_PHASE_CONNECTING:
      status = g_strdup (_("Connecting…"));
      break;
    case PETREL_SYNC_PHASE_REPLAYING:
      status = g_strdup (_("Sending your changes…"));
      break;
    case PETREL_SYNC_PHASE_FOLDERS:
      status = g_strdup (_("Updating folders…"));
      break;
    case PETREL_SYNC_PHASE_CHANGES:
      /* Translators: %s is a folder name */
      status = folder != NULL ? g_strdup_printf (_("Checking %s…"), folder)
                              : g_strdup (_("Checking for changes…"));
      break;
    case PETREL_SYNC_PHASE_HEADERS:
      if (total > 0 && folder != NULL)
        /* Translators: %s is a folder name, then "12 of 340" new messages */
        status = g_strdup_printf (_("%s: %" PRIu64 " of %" PRIu64
                                    " new messages"), folder, done, total);
      else
        status = g_strdup (_("Looking for new mail…"));
      break;
    case PETREL_SYNC_PHASE_BODIES:
      if (total > 0)
        status = g_strdup_printf (_("Saving messages for offline use: %" PRIu64
                                    " of %" PRIu64), done, total);
      else
        status = g_strdup (_("Saving messages for offline use…"));
      break;
    case PETREL_SYNC_PHASE_DONE:
    case PETREL_SYNC_PHASE_IDLE:
    default:
      status = g_strdup ("");
      fraction = 0.0;
      break;
    }

  set_status (self, status, fraction);
}

static void
on_progress_notify_cb (PetrelSyncProgress *progress,
                       GParamSpec         *pspec,
                       PetrelAccountState *self)
{
  update_status_from_progress (self);

  /* Each committed batch shows up in the lists while the sync goes on. */
  if (petrel_sync_progress_get_phase (progress) == PETREL_SYNC_PHASE_HEADERS ||
      petrel_sync_progress_get_phase (progress) == PETREL_SYNC_PHASE_CHANGES)
    schedule_refresh (self);
}

static void
sync_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(PetrelAccountState) self = user_data;
  g_autoptr(GError) error = NULL;

  if (self->progress != NULL)
    g_signal_handlers_disconnect_by_func (self->progress, on_progress_notify_cb, self);
  g_clear_object (&self->progress);
  clear_sync_cancellable (self);

  if (!petrel_account_sync_finish (PETREL_ACCOUNT (object), result, &error))
    {
      /* A failure must say why; never crash if the engine forgot to. */
      if (error == NULL)
        error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, _("Unknown error"));

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          set_status (self, "", 0.0);
        }
      else
        {
          g_debug ("Sync of %s failed: %s", petrel_account_get_id (self->account),
                   error->message);
          set_error (self, error->message);
          set_status (self, _("Not up to date"), 0.0);
        }
    }
  else
    {
      set_error (self, NULL);
      set_status (self, "", 0.0);
    }

  set_syncing (self, FALSE);
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  petrel_account_state_refresh (self);
}

static void
petrel_account_state_dispose (GObject *object)
{
  PetrelAccountState *self = PETREL_ACCOUNT_STATE (object);

  g_clear_handle_id (&self->refresh_id, g_source_remove);
  if (self->sync_cancellable != NULL)
    g_cancellable_cancel (self->sync_cancellable);
  if (self->progress != NULL)
    g_signal_handlers_disconnect_by_func (self->progress, on_progress_notify_cb, self);
  g_clear_object (&self->progress);
  clear_sync_cancellable (self);
  g_clear_object (&self->folders);
  g_clear_object (&self->account);

  G_OBJECT_CLASS (petrel_account_state_parent_class)->dispose (object);
}

static void
petrel_account_state_finalize (GObject *object)
{
  PetrelAccountState *self = PETREL_ACCOUNT_STATE (object);

  g_clear_pointer (&self->status, g_free);
  g_clear_pointer (&self->error, g_free);

  G_OBJECT_CLASS (petrel_account_state_parent_class)->finalize (object);
}

static void
petrel_account_state_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  PetrelAccountState *self = PETREL_ACCOUNT_STATE (object);

  switch (prop_id)
    {
    case PROP_ACCOUNT:
      g_value_set_object (value, self->account);
      break;
    case PROP_TITLE:
      g_value_set_string (value, petrel_account_state_get_title (self));
      break;
    case PROP_DEMO:
      g_value_set_boolean (value, petrel_account_state_get_demo (self));
      break;
    case PROP_SYNCING:
      g_value_set_boolean (value, self->syncing);
      break;
    case PROP_STATUS:
      g_value_set_string (value, self->status);
      break;
    case PROP_ERROR:
      g_value_set_string (value, self->error);
      break;
    case PROP_FRACTION:
      g_value_set_double (value, self->fraction);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
petrel_account_state_class_init (PetrelAccountStateClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = petrel_account_state_dispose;
  object_class->finalize = petrel_account_state_finalize;
  object_class->get_property = petrel_account_state_get_property;

  properties[PROP_ACCOUNT] =
    g_param_spec_object ("account", NULL, NULL, PETREL_TYPE_ACCOUNT, flags);
  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL, flags);
  properties[PROP_DEMO] = g_param_spec_boolean ("demo", NULL, NULL, FALSE, flags);
  properties[PROP_SYNCING] = g_param_spec_boolean ("syncing", NULL, NULL, FALSE, flags);
  /* One line for the sidebar: what the running sync does, or "" */
  properties[PROP_STATUS] = g_param_spec_string ("status", NULL, NULL, "", flags);
  /* Why the last sync failed, or NULL */
  properties[PROP_ERROR] = g_param_spec_string ("error", NULL, NULL, NULL, flags);
  /* How far the current phase is, 0..1, or -1 when it cannot tell */
  properties[PROP_FRACTION] = g_param_spec_double ("fraction", NULL, NULL, -1.0, 1.0, 0.0, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * PetrelAccountState::store-changed:
   *
   * The account's cache changed (a sync batch landed or a sync ended): lists showing its
   * mail should refresh.
   */
  signals[STORE_CHANGED] =
    g_signal_new ("store-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
petrel_account_state_init (PetrelAccountState *self)
{
  self->status = g_strdup ("");
}

PetrelAccountState *
petrel_account_state_new (PetrelAccount *account)
{
  PetrelAccountState *self;

  g_return_val_if_fail (PETREL_IS_ACCOUNT (account), NULL);

  self = g_object_new (PETREL_TYPE_ACCOUNT_STATE, NULL);
  self->account = g_object_ref (account);
  self->folders = petrel_folder_list_new (account);

  return self;
}

PetrelAccount *
petrel_account_state_get_account (PetrelAccountState *self)
{
  g_return_val_if_fail (PETREL_IS_ACCOUNT_STATE (self), NULL);

  return self->account;
}

PetrelFolderList *
petrel_account_state_get_folders (PetrelAccountState *self)
{
  g_return_val_if_fail (PETREL_IS_ACCOUNT_STATE (self), NULL);

  return self->folders;
}

/* The account's name as the sidebar shows it. */
const char *
petrel_account_state_get_title (PetrelAccountState *self)
{
  PetrelAccountConfig *config;
  const char *name;

  g_return_val_if_fail (PETREL_IS_ACCOUNT_STATE (self), NULL);

  if (petrel_demo_is_demo (self->account))
    return _("Demo Mailbox");

  config = petrel_account_get_config (self->account);
  name = petrel_account_config_get_display_name (config);
  if (name == NULL || *name == '\0')
    name = petrel_account_config_get_email_address (config);
  if (name == NULL || *name == '\0')
    name = petrel_account_get_id (self->account);

  return name;
}

gboolean
petrel_account_state_get_demo (PetrelAccountState *self)
{
  g_return_val_if_fail (PETREL_IS_ACCOUNT_STATE (self), FALSE);

  return petrel_demo_is_demo (self->account);
}

gboolean
petrel_account_state_get_syncing (PetrelAccountState *self)
{
  g_return_val_if_fail (PETREL_IS_ACCOUNT_STATE (self), FALSE);

  return self->syncing;
}

const char *
petrel_account_state_get_status (PetrelAccountState *self)
{
  g_return_val_if_fail (PETREL_IS_ACCOUNT_STATE (self), NULL);

  return self->status;
}

const char *
petrel_account_state_get_error (PetrelAccountState *self)
{
  g_return_val_if_fail (PETREL_IS_ACCOUNT_STATE (self), NULL);

  return self->error;
}

double
petrel_account_state_get_fraction (PetrelAccountState *self)
{
  g_return_val_if_fail (PETREL_IS_ACCOUNT_STATE (self), 0.0);

  return self->fraction;
}

/**
 * petrel_account_state_refresh:
 *
 * Reads the folder tree and counts again and tells the lists to refresh.
 */
void
petrel_account_state_refresh (PetrelAccountState *self)
{
  g_return_if_fail (PETREL_IS_ACCOUNT_STATE (self));

  petrel_folder_list_refresh_async (self->folders, NULL, refresh_folders_cb, NULL);
  g_signal_emit (self, signals[STORE_CHANGED], 0);
}

/**
 * petrel_account_state_sync:
 * @cancellable: (nullable): cancels the sync (the window's, so closing it stops the sync)
 *
 * Starts a sync of the whole account unless one runs or the account is the demo.
 *
 * Returns: whether a sync was started
 */
gboolean
petrel_account_state_sync (PetrelAccountState *self,
                           GCancellable       *cancellable)
{
  g_return_val_if_fail (PETREL_IS_ACCOUNT_STATE (self), FALSE);

  if (self->syncing || petrel_account_state_get_demo (self))
    return FALSE;

  self->progress = petrel_sync_progress_new ();
  g_signal_connect (self->progress, "notify", G_CALLBACK (on_progress_notify_cb), self);
  self->sync_cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    {
      self->parent_cancellable = g_object_ref (cancellable);
      self->parent_handler = g_cancellable_connect (cancellable,
                                                    G_CALLBACK (on_parent_cancelled_cb),
                                                    g_object_ref (self->sync_cancellable),
                                                    g_object_unref);
    }

  set_error (self, NULL);
  set_status (self, _("Connecting…"), -1.0);
  set_syncing (self, TRUE);

  petrel_account_sync_async (self->account, NULL, FALSE, self->progress,
                             self->sync_cancellable, sync_cb, g_object_ref (self));

  return TRUE;
}
