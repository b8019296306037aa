/* petrel-outbox-view.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Mail not sent yet and changes not yet on the server, per account (issue 9): the outbox
 * items (queued, sending, sent but not saved, failed, uncertain) with the reason, and the
 * replay queue as `petrel-cli pending` shows it. A message can be retried or cancelled; the
 * queued changes can be sent again now, and the newest one taken back. Everything is read
 * and changed on worker threads (SQLite, and the network for a retry).
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "petrel-engine.h"
#include "sync/petrel-changes.h"
#include "sync/petrel-outbox.h"

#include "petrel-outbox-view.h"

#define REFRESH_SECONDS 5

struct _PetrelOutboxView
{
  AdwWindow           parent_instance;

  AdwToastOverlay    *toast_overlay;
  GtkStack           *stack;
  GtkSpinner         *spinner;
  AdwPreferencesPage *list_page;

  char               *data_dir;     /* owned */
  GCancellable       *cancellable;  /* owned, cancelled on close */
  GPtrArray          *groups;       /* owned: the groups on list_page */
  guint               refresh_id;   /* periodic reload while open */
  guint               busy;         /* loads and actions running */
  gboolean            loaded;       /* something was shown already */
  char               *shown;        /* owned: a digest of what is shown, to rebuild only on
                                     * change (a periodic rebuild would steal the focus) */
};

G_DEFINE_FINAL_TYPE (PetrelOutboxView, petrel_outbox_view, ADW_TYPE_WINDOW)

typedef struct
{
  PetrelAccount *account;  /* owned */
  GPtrArray     *outbox;   /* owned, of PetrelStoreOutboxItem, "done" left out */
  GPtrArray     *changes;  /* owned, of PetrelStoreReplayOp */
  char          *error;    /* owned, nullable: why the account could not be read */
} AccountEntry;

typedef enum
{
  ACTION_OUTBOX_RETRY,
  ACTION_OUTBOX_CANCEL,
  ACTION_CHANGES_REPLAY,
} ActionKind;

typedef struct
{
  PetrelAccount *account;  /* owned */
  ActionKind     kind;
  gint64         id;
} Action;

static void reload (PetrelOutboxView *self);

static void
account_entry_free (AccountEntry *entry)
{
  g_clear_object (&entry->account);
  g_clear_pointer (&entry->outbox, g_ptr_array_unref);
  g_clear_pointer (&entry->changes, g_ptr_array_unref);
  g_clear_pointer (&entry->error, g_free);
  g_free (entry);
}

static void
action_free (Action *action)
{
  g_clear_object (&action->account);
  g_free (action);
}

static void
toast (PetrelOutboxView *self,
       const char       *message)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
}

static const char *
account_title (PetrelAccount *account)
{
  PetrelAccountConfig *config = petrel_account_get_config (account);
  const char *name = petrel_account_config_get_display_name (config);

  return name != NULL ? name : petrel_account_config_get_email_address (config);
}

/* Loading */

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  const char *data_dir = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) accounts = petrel_account_open_all (data_dir, &error);
  g_autoptr(GPtrArray) entries = NULL;

  if (accounts == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  entries = g_ptr_array_new_with_free_func ((GDestroyNotify) account_entry_free);
  for (guint i = 0; i < accounts->len; i++)
    {
      AccountEntry *entry = g_new0 (AccountEntry, 1);
      g_autoptr(GError) local_error = NULL;

      entry->account = g_object_ref (g_ptr_array_index (accounts, i));
      entry->outbox = petrel_outbox_list (entry->account, &local_error);
      if (entry->outbox != NULL)
        {
          for (guint j = entry->outbox->len; j > 0; j--)
            {
              PetrelStoreOutboxItem *item = g_ptr_array_index (entry->outbox, j - 1);

              if (g_strcmp0 (item->state, "done") == 0)
                g_ptr_array_remove_index (entry->outbox, j - 1);
            }
          entry->changes = petrel_changes_list_pending (entry->account, &local_error);
        }
      if (local_error != NULL)
        entry->error = g_strdup (local_error->message);
      g_ptr_array_add (entries, entry);
    }

  g_task_return_pointer (task, g_steal_pointer (&entries), (GDestroyNotify) g_ptr_array_unref);
}

static char *
describe_outbox_state (const PetrelStoreOutboxItem *item)
{
  if (g_strcmp0 (item->state, "queued") == 0)
    {
      gint64 wait = petrel_outbox_item_get_not_before (item) - g_get_real_time () / G_USEC_PER_SEC;

      if (wait > 0)
        return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                             "Sending in %u second (can still be undone)",
                                             "Sending in %u seconds (can still be undone)",
                                             (gulong) wait),
                                (guint) wait);
      if (item->attempts > 0 && item->last_error != NULL)
        return g_strdup_printf (_("Waiting to be sent; the last try failed: %s"),
                                item->last_error);
      return g_strdup (_("Waiting to be sent"));
    }
  if (g_strcmp0 (item->state, "sending") == 0)
    return g_strdup (_("Sending…"));
  if (g_strcmp0 (item->state, "sent") == 0)
    return g_strdup (_("Sent; a copy is still to be saved in Sent"));
  if (g_strcmp0 (item->state, "failed") == 0)
    return g_strdup_printf (_("Not sent: %s"),
                            item->last_error != NULL ? item->last_error : _("the server refused it"));
  if (g_strcmp0 (item->state, "uncertain") == 0)
    return g_strdup (_("Maybe sent: the connection broke after the whole message went out. "
                       "Retry only if the recipients did not get it."));

  return g_strdup (item->state);
}

static const char *
outbox_icon (const PetrelStoreOutboxItem *item)
{
  if (g_strcmp0 (item->state, "failed") == 0)
    return "dialog-error-symbolic";
  if (g_strcmp0 (item->state, "uncertain") == 0)
    return "dialog-warning-symbolic";
  if (g_strcmp0 (item->state, "sending") == 0 || g_strcmp0 (item->state, "sent") == 0)
    return "mail-send-symbolic";
  return "document-send-symbolic";
}

static void on_action_clicked_cb (GtkButton        *button,
                                  PetrelOutboxView *self);
static void on_undo_clicked_cb   (GtkButton        *button,
                                  PetrelOutboxView *self);

static GtkWidget *
add_button (PetrelOutboxView *self,
            AdwActionRow     *row,
            const char       *label,
            const char       *accessible_label,
            PetrelAccount    *account,
            ActionKind        kind,
            gint64            id,
            gboolean          destructive)
{
  GtkWidget *button = gtk_button_new_with_label (label);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  if (destructive)
    gtk_widget_add_css_class (button, "destructive-action");
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible_label, -1);
  g_object_set_data_full (G_OBJECT (button), "petrel-account", g_object_ref (account),
                          g_object_unref);
  g_object_set_data (G_OBJECT (button), "petrel-kind", GUINT_TO_POINTER (kind));
  g_object_set_data_full (G_OBJECT (button), "petrel-id", g_memdup2 (&id, sizeof id), g_free);
  g_signal_connect (button, "clicked", G_CALLBACK (on_action_clicked_cb), self);
  if (row != NULL)
    adw_action_row_add_suffix (row, button);

  return button;
}

static void
add_group (PetrelOutboxView    *self,
           AdwPreferencesGroup *group)
{
  adw_preferences_page_add (self->list_page, group);
  g_ptr_array_add (self->groups, group);
}

static void
show_outbox (PetrelOutboxView *self,
             AccountEntry     *entry)
{
  g_autofree char *title = NULL;
  GtkWidget *group;

  title = g_strdup_printf (_("Unsent Mail of %s"), account_title (entry->account));
  group = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), title);

  for (guint i = 0; i < entry->outbox->len; i++)
    {
      PetrelStoreOutboxItem *item = g_ptr_array_index (entry->outbox, i);
      g_auto(GStrv) recipients = petrel_outbox_item_dup_recipients (item);
      g_autofree char *to = recipients != NULL ? g_strjoinv (", ", recipients) : NULL;
      g_autofree char *state = describe_outbox_state (item);
      g_autofree char *subtitle = NULL;
      g_autofree char *retry_label = NULL;
      g_autofree char *cancel_label = NULL;
      const char *subject = item->subject != NULL && *item->subject != '\0'
                            ? item->subject : _("(No subject)");
      GtkWidget *row = adw_action_row_new ();

      /* Translators: the recipients of an unsent message, then its state */
      subtitle = g_strdup_printf (_("To %s\n%s"), to != NULL ? to : "", state);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), subject);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 4);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                                 gtk_image_new_from_icon_name (outbox_icon (item)));

      retry_label = g_strdup_printf (_("Retry “%s”"), subject);
      cancel_label = g_strdup_printf (_("Cancel “%s”"), subject);
      if (g_strcmp0 (item->state, "failed") == 0 || g_strcmp0 (item->state, "uncertain") == 0 ||
          g_strcmp0 (item->state, "queued") == 0)
        {
          add_button (self, ADW_ACTION_ROW (row),
                      g_strcmp0 (item->state, "queued") == 0 ? _("Send Now") : _("Retry"),
                      retry_label, entry->account, ACTION_OUTBOX_RETRY, item->id, FALSE);
          add_button (self, ADW_ACTION_ROW (row), _("Cancel"), cancel_label, entry->account,
                      ACTION_OUTBOX_CANCEL, item->id, TRUE);
        }
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
    }

  add_group (self, ADW_PREFERENCES_GROUP (group));
}

static char *
describe_change_state (const PetrelStoreReplayOp *op)
{
  if (g_strcmp0 (op->state, "failed") == 0)
    return g_strdup_printf (_("Refused by the server: %s"),
                            op->last_error != NULL ? op->last_error : _("no reason given"));
  if (op->attempts > 0 && op->last_error != NULL)
    return g_strdup_printf (_("Waiting for the server; the last try failed: %s"),
                            op->last_error);
  return g_strdup (_("Waiting for the server"));
}

static void
show_changes (PetrelOutboxView *self,
              AccountEntry     *entry)
{
  g_autofree char *title = NULL;
  g_autofree char *retry_label = NULL;
  GtkWidget *group;
  GtkWidget *button;

  title = g_strdup_printf (_("Changes of %s Not Yet on the Server"), account_title (entry->account));
  group = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), title);
  retry_label = g_strdup_printf (_("Send the changes of %s now"), account_title (entry->account));
  button = add_button (self, NULL, _("Retry Now"), retry_label, entry->account,
                       ACTION_CHANGES_REPLAY, 0, FALSE);
  gtk_widget_add_css_class (button, "flat");
  adw_preferences_group_set_header_suffix (ADW_PREFERENCES_GROUP (group), button);

  for (guint i = 0; i < entry->changes->len; i++)
    {
      PetrelStoreReplayOp *op = g_ptr_array_index (entry->changes, i);
      g_autofree char *description = petrel_changes_describe (op);
      g_autofree char *state = describe_change_state (op);
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), description);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), state);
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 3);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                                 gtk_image_new_from_icon_name (g_strcmp0 (op->state, "failed") == 0
                                                               ? "dialog-error-symbolic"
                                                               : "content-loading-symbolic"));

      /* Only the newest change can be taken back (petrel_changes_undo()), and only while it
       * is still waiting: a refused one is undone by the next sync anyway. */
      if (i == entry->changes->len - 1 && g_strcmp0 (op->state, "pending") == 0)
        {
          GtkWidget *undo = gtk_button_new_with_label (_("Cancel"));
          g_autofree char *label = g_strdup_printf (_("Cancel “%s”"), description);

          gtk_widget_set_valign (undo, GTK_ALIGN_CENTER);
          gtk_widget_add_css_class (undo, "destructive-action");
          gtk_accessible_update_property (GTK_ACCESSIBLE (undo), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                          label, -1);
          g_object_set_data_full (G_OBJECT (undo), "petrel-account",
                                  g_object_ref (entry->account), g_object_unref);
          g_signal_connect (undo, "clicked", G_CALLBACK (on_undo_clicked_cb), self);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), undo);
        }
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
    }

  add_group (self, ADW_PREFERENCES_GROUP (group));
}

static void
on_load_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(PetrelOutboxView) self = user_data;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  gboolean any = FALSE;

  self->busy--;
  entries = g_task_propagate_pointer (G_TASK (result), &error);
  if (entries == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        toast (self, error->message);
      return;
    }

  {
    g_autoptr(GString) digest = g_string_new (NULL);

    for (guint i = 0; i < entries->len; i++)
      {
        AccountEntry *entry = g_ptr_array_index (entries, i);

        g_string_append_printf (digest, "%s|%s|", petrel_account_get_id (entry->account),
                                entry->error != NULL ? entry->error : "");
        for (guint j = 0; entry->outbox != NULL && j < entry->outbox->len; j++)
          {
            PetrelStoreOutboxItem *item = g_ptr_array_index (entry->outbox, j);

            g_string_append_printf (digest, "o%" G_GINT64_FORMAT ":%s:%u:%s|", item->id,
                                    item->state, item->attempts,
                                    item->last_error != NULL ? item->last_error : "");
          }
        for (guint j = 0; entry->changes != NULL && j < entry->changes->len; j++)
          {
            PetrelStoreReplayOp *op = g_ptr_array_index (entry->changes, j);

            g_string_append_printf (digest, "c%" G_GINT64_FORMAT ":%s:%u:%s|", op->id,
                                    op->state, op->attempts,
                                    op->last_error != NULL ? op->last_error : "");
          }
      }
    /* A queued message counts its undo-send seconds down: shown again while one waits. */
    if (self->loaded && g_strcmp0 (digest->str, self->shown) == 0 &&
        strstr (digest->str, ":queued:") == NULL)
      return;
    g_free (self->shown);
    self->shown = g_string_free (g_steal_pointer (&digest), FALSE);
  }

  for (guint i = 0; i < self->groups->len; i++)
    adw_preferences_page_remove (self->list_page, g_ptr_array_index (self->groups, i));
  g_ptr_array_set_size (self->groups, 0);

  for (guint i = 0; i < entries->len; i++)
    {
      AccountEntry *entry = g_ptr_array_index (entries, i);

      if (entry->error != NULL)
        {
          GtkWidget *group = adw_preferences_group_new ();
          g_autofree char *description = g_strdup_printf (_("Cannot read its outbox: %s"),
                                                          entry->error);

          adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group),
                                           account_title (entry->account));
          adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group), description);
          add_group (self, ADW_PREFERENCES_GROUP (group));
          any = TRUE;
          continue;
        }
      if (entry->outbox->len > 0)
        show_outbox (self, entry);
      if (entry->changes != NULL && entry->changes->len > 0)
        show_changes (self, entry);
      any |= entry->outbox->len > 0 || (entry->changes != NULL && entry->changes->len > 0);
    }

  self->loaded = TRUE;
  gtk_spinner_set_spinning (self->spinner, FALSE);
  gtk_stack_set_visible_child_name (self->stack, any ? "list" : "empty");
}

static void
reload (PetrelOutboxView *self)
{
  g_autoptr(GTask) task = NULL;

  self->busy++;
  task = g_task_new (NULL, self->cancellable, on_load_cb, g_object_ref (self));
  g_task_set_source_tag (task, reload);
  g_task_set_task_data (task, g_strdup (self->data_dir), g_free);
  g_task_run_in_thread (task, load_thread);
}

static gboolean
refresh_cb (gpointer user_data)
{
  PetrelOutboxView *self = user_data;

  /* Not while an action runs: its result reloads anyway. */
  if (self->busy == 0)
    reload (self);
  return G_SOURCE_CONTINUE;
}

/* Actions */

static void
action_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  Action *action = task_data;
  g_autoptr(GError) error = NULL;
  guint count = 0;
  gboolean ok = FALSE;

  switch (action->kind)
    {
    case ACTION_OUTBOX_RETRY:
      ok = petrel_outbox_retry (action->account, action->id, &error) &&
           petrel_outbox_flush (action->account, &count, cancellable, &error);
      break;
    case ACTION_OUTBOX_CANCEL:
      ok = petrel_outbox_cancel (action->account, action->id, &error);
      break;
    case ACTION_CHANGES_REPLAY:
      ok = petrel_changes_replay (action->account, &count, cancellable, &error);
      if (ok && count > 0)
        {
          ok = FALSE;
          g_set_error (&error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       g_dngettext (GETTEXT_PACKAGE,
                                    "The server refused %u change",
                                    "The server refused %u changes", count),
                       count);
        }
      break;
    default:
      g_assert_not_reached ();
    }

  if (!ok)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_action_done_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(PetrelOutboxView) self = user_data;
  g_autoptr(GError) error = NULL;
  Action *action = g_task_get_task_data (G_TASK (result));

  self->busy--;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      toast (self, error->message);
    }
  else if (action->kind == ACTION_OUTBOX_CANCEL)
    toast (self, _("The message was cancelled and will not be sent"));
  else if (action->kind == ACTION_OUTBOX_RETRY)
    toast (self, _("Sent"));
  else
    toast (self, _("The changes are on the server"));

  /* Rebuilt even when nothing changed: the clicked button is insensitive until then. */
  g_clear_pointer (&self->shown, g_free);
  reload (self);
}

static void
on_action_clicked_cb (GtkButton        *button,
                      PetrelOutboxView *self)
{
  g_autoptr(GTask) task = NULL;
  Action *action = g_new0 (Action, 1);

  action->account = g_object_ref (g_object_get_data (G_OBJECT (button), "petrel-account"));
  action->kind = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "petrel-kind"));
  action->id = *(gint64 *) g_object_get_data (G_OBJECT (button), "petrel-id");

  gtk_widget_set_sensitive (GTK_WIDGET (button), FALSE);
  self->busy++;
  task = g_task_new (NULL, self->cancellable, on_action_done_cb, g_object_ref (self));
  g_task_set_source_tag (task, on_action_clicked_cb);
  g_task_set_task_data (task, action, (GDestroyNotify) action_free);
  g_task_run_in_thread (task, action_thread);
}

static void
on_undo_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(PetrelOutboxView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;

  self->busy--;
  description = petrel_account_undo_finish (PETREL_ACCOUNT (object), result, &error);
  if (description == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      toast (self, error->message);
    }
  else
    {
      g_autofree char *message = g_strdup_printf (_("Cancelled: %s"), description);

      toast (self, message);
    }

  g_clear_pointer (&self->shown, g_free);
  reload (self);
}

static void
on_undo_clicked_cb (GtkButton        *button,
                    PetrelOutboxView *self)
{
  PetrelAccount *account = g_object_get_data (G_OBJECT (button), "petrel-account");

  gtk_widget_set_sensitive (GTK_WIDGET (button), FALSE);
  self->busy++;
  petrel_account_undo_async (account, TRUE, self->cancellable, on_undo_done_cb,
                             g_object_ref (self));
}

static void
refresh_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  PetrelOutboxView *self = PETREL_OUTBOX_VIEW (widget);

  g_clear_pointer (&self->shown, g_free);
  reload (self);
}

/* Window */

static gboolean
petrel_outbox_view_close_request (GtkWindow *window)
{
  PetrelOutboxView *self = PETREL_OUTBOX_VIEW (window);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->refresh_id, g_source_remove);

  return GTK_WINDOW_CLASS (petrel_outbox_view_parent_class)->close_request (window);
}

static void
petrel_outbox_view_dispose (GObject *object)
{
  PetrelOutboxView *self = PETREL_OUTBOX_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (petrel_outbox_view_parent_class)->dispose (object);
}

static void
petrel_outbox_view_finalize (GObject *object)
{
  PetrelOutboxView *self = PETREL_OUTBOX_VIEW (object);

  g_clear_pointer (&self->data_dir, g_free);
  g_clear_pointer (&self->shown, g_free);
  g_clear_pointer (&self->groups, g_ptr_array_unref);

  G_OBJECT_CLASS (petrel_outbox_view_parent_class)->finalize (object);
}

static void
petrel_outbox_view_class_init (PetrelOutboxViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = petrel_outbox_view_dispose;
  object_class->finalize = petrel_outbox_view_finalize;
  window_class->close_request = petrel_outbox_view_close_request;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/petrelmail/Petrel/ui/petrel-outbox-view.ui");
  gtk_widget_class_bind_template_child (widget_class, PetrelOutboxView, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, PetrelOutboxView, stack);
  gtk_widget_class_bind_template_child (widget_class, PetrelOutboxView, spinner);
  gtk_widget_class_bind_template_child (widget_class, PetrelOutboxView, list_page);

  gtk_widget_class_install_action (widget_class, "outbox.refresh", NULL, refresh_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "outbox.refresh", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
petrel_outbox_view_init (PetrelOutboxView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->groups = g_ptr_array_new ();
  gtk_spinner_set_spinning (self->spinner, TRUE);
}

PetrelOutboxView *
petrel_outbox_view_new (GtkWindow  *parent,
                        const char *data_dir)
{
  PetrelOutboxView *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (data_dir != NULL, NULL);

  self = g_object_new (PETREL_TYPE_OUTBOX_VIEW,
                       "transient-for", parent,
                       NULL);
  self->data_dir = g_strdup (data_dir);
  if (parent != NULL && gtk_window_get_application (parent) != NULL)
    gtk_window_set_application (GTK_WINDOW (self), gtk_window_get_application (parent));

  reload (self);
  self->refresh_id = g_timeout_add_seconds (REFRESH_SECONDS, refresh_cb, self);

  return self;
}
