/* petrel-window.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The main window: accounts and folders on the left, the folder's messages in the middle, the
 * selected message on the right (two AdwLeaflets, so narrow windows show one pane at a time).
 *
 * The window shows the accounts of the data directory and follows it as accounts come and
 * go. With no account it opens the demo mailbox (offline sample messages) with a banner that
 * says how to add a real account.
 *
 * The message list is the engine's lazy PetrelMessageList behind a GtkMultiSelection, never a
 * GTK sort or filter model, so a 100,000-message folder costs a page of rows. Actions that
 * change mail (archive, delete, move, star, read/unread) go through the engine's change queue on a
 * worker thread: the lists show them at once, the queue is sent in the background (never for the
 * offline demo), and a toast offers to undo moves and deletions.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "model/petrel-account-list.h"
#include "model/petrel-demo.h"
#include "model/petrel-message-list.h"
#include "sync/petrel-changes.h"

#include "petrel-account-state.h"
#include "petrel-message-row.h"
#include "petrel-reader.h"
#include "petrel-sidebar-row.h"
#include "petrel-ui-util.h"

#include "petrel-window.h"

#define SEARCH_LIMIT 500
#define MARK_READ_DELAY_MS 1000

struct _PetrelWindow
{
  AdwApplicationWindow  parent_instance;

  /* template children, borrowed */
  AdwToastOverlay      *toast_overlay;
  GtkStack             *main_stack;
  AdwStatusPage        *empty_page;
  AdwLeaflet           *outer_leaflet;
  AdwLeaflet           *inner_leaflet;
  GtkWidget            *sidebar_pane;
  GtkWidget            *list_clamp;
  GtkWidget            *reader_pane;
  GtkListView          *sidebar_view;
  GtkListView          *message_view;
  AdwWindowTitle       *list_title;
  GtkToggleButton      *search_button;
  GtkSearchBar         *search_bar;
  GtkSearchEntry       *search_entry;
  GtkRevealer          *demo_banner;
  GtkStack             *list_stack;
  AdwStatusPage        *list_empty_page;
  PetrelReader         *reader;
  GtkButton            *star_button;
  GtkButton            *unread_button;
  GtkMenuButton        *move_button;
  GtkPopover           *move_popover;
  GtkListBox           *move_list;

  GCancellable         *cancellable;        /* owned; cancelled when the window closes */
  GSettings            *settings;           /* owned, nullable without the schema */
  PetrelAccountList    *accounts;           /* owned */
  GListStore           *states;             /* owned; PetrelAccountState */
  GtkTreeListModel     *tree;               /* owned */
  GtkSingleSelection   *sidebar_selection;  /* owned */
  GtkMultiSelection    *message_selection;  /* owned */
  PetrelFolder         *folder;             /* owned, nullable: the folder shown */
  PetrelMessageList    *folder_list;        /* owned, nullable: its messages */
  PetrelMessageList    *search_list;        /* owned, nullable: search results shown instead */
  gboolean              demo_requested;
  gint64                folder_shown_at;    /* monotonic time the folder was chosen */
  gboolean              list_at_top;        /* the message list is scrolled to the top */

  GQueue                changes;            /* Change, waiting for the one running */
  gboolean              change_running;
  gboolean              replaying;
  PetrelAccount        *replay_again;       /* owned, nullable: replay once more when done */
  PetrelMessage        *watched_message;    /* owned, nullable: the message shown */
  PetrelMessage        *mark_read_message;  /* owned, nullable */
  guint                 mark_read_id;
};

G_DEFINE_FINAL_TYPE (PetrelWindow, petrel_window, ADW_TYPE_APPLICATION_WINDOW)

static void show_folder (PetrelWindow *self,
                         PetrelFolder *folder);
static void update_message_actions (PetrelWindow *self);

/* Helpers */

static PetrelMessageList *
current_list (PetrelWindow *self)
{
  return self->search_list != NULL ? self->search_list : self->folder_list;
}

static PetrelAccountState *
find_state (PetrelWindow  *self,
            PetrelAccount *account)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->states));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PetrelAccountState) state = g_list_model_get_item (G_LIST_MODEL (self->states), i);

      if (petrel_account_state_get_account (state) == account)
        return state;
    }

  return NULL;
}

static gboolean
has_real_accounts (PetrelWindow *self)
{
  return g_list_model_get_n_items (G_LIST_MODEL (self->accounts)) > 0;
}

static void
update_actions (PetrelWindow *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->states));
  gboolean can_sync = FALSE;
  gboolean syncing = TRUE;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PetrelAccountState) state = g_list_model_get_item (G_LIST_MODEL (self->states), i);

      if (petrel_account_state_get_demo (state))
        continue;
      can_sync = TRUE;
      syncing &= petrel_account_state_get_syncing (state);
    }

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.sync", can_sync && !syncing);
}

static void
update_list_page (PetrelWindow *self)
{
  PetrelMessageList *list = current_list (self);
  const GError *error;

  if (list != NULL &&
      (g_list_model_get_n_items (G_LIST_MODEL (list)) > 0 ||
       petrel_message_list_get_loading (list)))
    {
      gtk_stack_set_visible_child_name (self->list_stack, "list");
      return;
    }

  error = list != NULL ? petrel_message_list_get_error (list) : NULL;
  if (self->search_list != NULL)
    {
      adw_status_page_set_icon_name (self->list_empty_page, "system-search-symbolic");
      adw_status_page_set_title (self->list_empty_page, _("No Results"));
      adw_status_page_set_description (self->list_empty_page,
                                       error != NULL ? error->message
                                                     : _("Try other words, or operators like "
                                                         "from: subject: has:attachment "
                                                         "is:unread before:2026-01-31."));
    }
  else if (error != NULL)
    {
      adw_status_page_set_icon_name (self->list_empty_page, "dialog-warning-symbolic");
      adw_status_page_set_title (self->list_empty_page, _("Cannot Show This Folder"));
      adw_status_page_set_description (self->list_empty_page, error->message);
    }
  else
    {
      adw_status_page_set_icon_name (self->list_empty_page, "mail-read-symbolic");
      adw_status_page_set_title (self->list_empty_page,
                                 list != NULL ? _("No Messages") : _("No Folder Selected"));
      adw_status_page_set_description (self->list_empty_page, NULL);
    }

  gtk_stack_set_visible_child_name (self->list_stack, "empty");
}

static void
update_list_title (PetrelWindow *self)
{
  g_autofree char *subtitle = NULL;
  guint total, unread;

  if (self->search_list != NULL)
    {
      guint n = g_list_model_get_n_items (G_LIST_MODEL (self->search_list));

      adw_window_title_set_title (self->list_title, _("Search"));
      if (petrel_message_list_get_loading (self->search_list))
        subtitle = g_strdup ("");
      else
        subtitle = g_strdup_printf (ngettext ("%u result", "%u results", n), n);
      adw_window_title_set_subtitle (self->list_title, subtitle);
      return;
    }

  if (self->folder == NULL)
    {
      adw_window_title_set_title (self->list_title, "");
      adw_window_title_set_subtitle (self->list_title, "");
      return;
    }

  total = petrel_folder_get_total (self->folder);
  unread = petrel_folder_get_unread (self->folder);
  adw_window_title_set_title (self->list_title, petrel_folder_get_label (self->folder));
  if (total == 0)
    subtitle = g_strdup ("");
  else if (unread > 0)
    /* Translators: "17 messages, 6 unread"; the two plural forms follow the first number */
    subtitle = g_strdup_printf (ngettext ("%'u message, %'u unread", "%'u messages, %'u unread",
                                          total), total, unread);
  else
    subtitle = g_strdup_printf (ngettext ("%'u message", "%'u messages", total), total);
  adw_window_title_set_subtitle (self->list_title, subtitle);
}

/* Selects the row showing @message again after the list was read afresh. */
static void
reselect_message (PetrelWindow *self)
{
  PetrelMessage *message = petrel_reader_get_message (self->reader);
  PetrelMessageList *list = current_list (self);
  guint position;

  if (message == NULL || list == NULL ||
      petrel_message_list_get_account (list) != petrel_message_get_account (message))
    return;

  position = petrel_message_list_find (list, petrel_message_get_folder_path (message),
                                       petrel_message_get_uid (message));
  if (position != G_MAXUINT &&
      !gtk_selection_model_is_selected (GTK_SELECTION_MODEL (self->message_selection), position))
    gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->message_selection), position,
                                     TRUE);
}

static void
on_list_items_changed_cb (GListModel   *model,
                          guint         position,
                          guint         removed,
                          guint         added,
                          PetrelWindow *self)
{
  update_list_page (self);
  update_list_title (self);
  if (removed > 0)
    reselect_message (self);
  update_message_actions (self);

  /* New mail arrived above: GtkListView keeps the rows on screen where they are, which hides
   * it. Someone looking at the top of the list wants to see it. */
  if (position == 0 && added > removed && self->list_at_top &&
      g_list_model_get_n_items (model) > added - removed)
    gtk_widget_activate_action (GTK_WIDGET (self->message_view), "list.scroll-to-item", "u", 0);
}

/* On a narrow window a click on a folder or a message goes on to the next pane, also when the
 * row was already selected (the selection then does not change). */
static void
on_sidebar_clicked_cb (GtkGestureClick *gesture,
                       int              n_press,
                       double           x,
                       double           y,
                       PetrelWindow    *self)
{
  if (self->folder != NULL && adw_leaflet_get_folded (self->outer_leaflet))
    adw_leaflet_set_visible_child (self->outer_leaflet, GTK_WIDGET (self->inner_leaflet));
}

static void
on_messages_clicked_cb (GtkGestureClick *gesture,
                        int              n_press,
                        double           x,
                        double           y,
                        PetrelWindow    *self)
{
  if (petrel_reader_get_message (self->reader) != NULL &&
      adw_leaflet_get_folded (self->inner_leaflet))
    adw_leaflet_set_visible_child (self->inner_leaflet, self->reader_pane);
}

static void
on_list_scrolled_cb (GtkAdjustment *adjustment,
                     PetrelWindow  *self)
{
  self->list_at_top = gtk_adjustment_get_value (adjustment) <= 0.5;
}

/* G_MESSAGES_DEBUG=petrel-ui shows how long a folder takes to appear (issue 8 asks for the
 * time from launch to the first painted list of a big folder). */
static void
on_list_painted_cb (GdkFrameClock *clock,
                    PetrelWindow  *self)
{
  g_signal_handlers_disconnect_by_func (clock, on_list_painted_cb, self);
  if (self->folder_list != NULL)
    g_debug ("Folder list painted: %u messages, %.1f ms after the folder was chosen, "
             "%.1f ms after start",
             g_list_model_get_n_items (G_LIST_MODEL (self->folder_list)),
             (g_get_monotonic_time () - self->folder_shown_at) / 1000.0,
             (g_get_monotonic_time () - petrel_application_get_start_time (
               PETREL_APPLICATION (gtk_window_get_application (GTK_WINDOW (self))))) / 1000.0);
}

static void
on_list_notify_cb (PetrelMessageList *list,
                   GParamSpec        *pspec,
                   PetrelWindow      *self)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self->message_view));

  update_list_page (self);
  update_list_title (self);

  if (list == self->folder_list && !petrel_message_list_get_loading (list) && clock != NULL &&
      self->folder_shown_at != 0)
    {
      g_signal_connect_object (clock, "after-paint", G_CALLBACK (on_list_painted_cb), self, 0);
    }
}

static void
set_message_model (PetrelWindow      *self,
                   PetrelMessageList *list)
{
  GListModel *old = gtk_multi_selection_get_model (self->message_selection);

  if (old != NULL)
    g_signal_handlers_disconnect_by_data (old, self);

  gtk_multi_selection_set_model (self->message_selection, G_LIST_MODEL (list));

  if (list != NULL)
    {
      g_signal_connect_object (list, "items-changed", G_CALLBACK (on_list_items_changed_cb),
                               self, 0);
      g_signal_connect_object (list, "notify::loading", G_CALLBACK (on_list_notify_cb), self, 0);
      g_signal_connect_object (list, "notify::error", G_CALLBACK (on_list_notify_cb), self, 0);
    }

  gtk_adjustment_set_value (gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->message_view)),
                            0);
  update_list_page (self);
  update_list_title (self);
}

static void
stop_search (PetrelWindow *self)
{
  if (self->search_list == NULL)
    return;

  g_clear_object (&self->search_list);
  set_message_model (self, self->folder_list);
}

/* Sidebar */

static GListModel *
create_child_model_cb (gpointer item,
                       gpointer user_data)
{
  if (PETREL_IS_ACCOUNT_STATE (item))
    return g_object_ref (G_LIST_MODEL (petrel_account_state_get_folders (item)));

  if (PETREL_IS_FOLDER (item) &&
      g_list_model_get_n_items (petrel_folder_get_children (item)) > 0)
    return g_object_ref (petrel_folder_get_children (item));

  return NULL;
}

static void
sidebar_setup_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *item,
                  PetrelWindow             *self)
{
  GtkWidget *expander = gtk_tree_expander_new ();
  GtkWidget *row = petrel_sidebar_row_new ();

  gtk_widget_set_hexpand (row, TRUE);
  gtk_tree_expander_set_child (GTK_TREE_EXPANDER (expander), row);
  gtk_list_item_set_child (item, expander);
}

static void
sidebar_bind_cb (GtkSignalListItemFactory *factory,
                 GtkListItem              *item,
                 PetrelWindow             *self)
{
  GtkTreeExpander *expander = GTK_TREE_EXPANDER (gtk_list_item_get_child (item));
  GtkTreeListRow *row = gtk_list_item_get_item (item);
  GObject *object = gtk_tree_list_row_get_item (row);
  gboolean is_folder = PETREL_IS_FOLDER (object);

  gtk_tree_expander_set_list_row (expander, row);
  petrel_sidebar_row_set_item (PETREL_SIDEBAR_ROW (gtk_tree_expander_get_child (expander)),
                               object);
  gtk_list_item_set_selectable (item, is_folder);
  gtk_list_item_set_activatable (item, is_folder);
  g_object_unref (object);
}

static void
sidebar_unbind_cb (GtkSignalListItemFactory *factory,
                   GtkListItem              *item,
                   PetrelWindow             *self)
{
  GtkTreeExpander *expander = GTK_TREE_EXPANDER (gtk_list_item_get_child (item));

  petrel_sidebar_row_set_item (PETREL_SIDEBAR_ROW (gtk_tree_expander_get_child (expander)),
                               NULL);
  gtk_tree_expander_set_list_row (expander, NULL);
}

static guint
find_tree_position (PetrelWindow *self,
                    gpointer      wanted)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->tree));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GtkTreeListRow) row = gtk_tree_list_model_get_row (self->tree, i);
      g_autoptr(GObject) item = row != NULL ? gtk_tree_list_row_get_item (row) : NULL;

      if (item == wanted)
        return i;
    }

  return GTK_INVALID_LIST_POSITION;
}

static void
select_folder (PetrelWindow *self,
               PetrelFolder *folder)
{
  guint position = find_tree_position (self, folder);

  if (position != GTK_INVALID_LIST_POSITION)
    gtk_single_selection_set_selected (self->sidebar_selection, position);
  else
    show_folder (self, folder);
}

static void
on_sidebar_selected_cb (GtkSingleSelection *selection,
                        GParamSpec         *pspec,
                        PetrelWindow       *self)
{
  GtkTreeListRow *row = gtk_single_selection_get_selected_item (selection);
  g_autoptr(GObject) item = row != NULL ? gtk_tree_list_row_get_item (row) : NULL;

  if (PETREL_IS_FOLDER (item))
    {
      show_folder (self, PETREL_FOLDER (item));
      if (adw_leaflet_get_folded (self->outer_leaflet))
        adw_leaflet_set_visible_child (self->outer_leaflet, GTK_WIDGET (self->inner_leaflet));
    }
}

/* The first account's inbox, once its folders are known. */
static void
select_initial_folder (PetrelWindow *self)
{
  g_autoptr(PetrelAccountState) state = NULL;
  PetrelFolderList *folders;
  PetrelFolder *folder;

  if (self->folder != NULL || g_list_model_get_n_items (G_LIST_MODEL (self->states)) == 0)
    return;

  state = g_list_model_get_item (G_LIST_MODEL (self->states), 0);
  folders = petrel_account_state_get_folders (state);
  folder = petrel_folder_list_find_role (folders, PETREL_STORE_FOLDER_ROLE_INBOX);
  if (folder == NULL && g_list_model_get_n_items (G_LIST_MODEL (folders)) > 0)
    {
      g_autoptr(PetrelFolder) first = g_list_model_get_item (G_LIST_MODEL (folders), 0);

      select_folder (self, first);
      return;
    }

  if (folder != NULL)
    select_folder (self, folder);
}

static void
on_folders_changed_cb (GListModel   *folders,
                       guint         position,
                       guint         removed,
                       guint         added,
                       PetrelWindow *self)
{
  /* The folder shown was deleted or renamed. */
  if (self->folder != NULL &&
      petrel_folder_get_account (self->folder) == petrel_folder_list_get_account (
        PETREL_FOLDER_LIST (folders)) &&
      petrel_folder_list_find (PETREL_FOLDER_LIST (folders),
                               petrel_folder_get_path (self->folder)) != self->folder)
    {
      g_clear_object (&self->folder);
      g_clear_object (&self->folder_list);
      stop_search (self);
      set_message_model (self, NULL);
    }

  select_initial_folder (self);
}

static void
on_folder_notify_cb (PetrelWindow *self)
{
  update_list_title (self);
}

static void
show_folder (PetrelWindow *self,
             PetrelFolder *folder)
{
  if (self->folder == folder)
    return;

  if (self->folder != NULL)
    g_signal_handlers_disconnect_by_func (self->folder, on_folder_notify_cb, self);
  g_set_object (&self->folder, folder);
  g_signal_connect_object (folder, "notify::unread", G_CALLBACK (on_folder_notify_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (folder, "notify::total", G_CALLBACK (on_folder_notify_cb), self,
                           G_CONNECT_SWAPPED);

  g_clear_object (&self->folder_list);
  self->folder_shown_at = g_get_monotonic_time ();
  self->folder_list = petrel_message_list_new (petrel_folder_get_account (folder),
                                               petrel_folder_get_path (folder));

  g_clear_object (&self->search_list);
  if (*gtk_editable_get_text (GTK_EDITABLE (self->search_entry)) != '\0')
    gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  gtk_toggle_button_set_active (self->search_button, FALSE);

  set_message_model (self, self->folder_list);
  petrel_reader_show_message (self->reader, NULL);
}

/* Accounts */

static void
on_state_store_changed_cb (PetrelAccountState *state,
                           PetrelWindow       *self)
{
  PetrelMessageList *list = self->folder_list;

  if (list != NULL && petrel_message_list_get_account (list) ==
      petrel_account_state_get_account (state))
    petrel_message_list_refresh (list);
}

static void
on_state_notify_cb (PetrelAccountState *state,
                    GParamSpec         *pspec,
                    PetrelWindow       *self)
{
  update_actions (self);
}

static PetrelAccountState *
add_state (PetrelWindow  *self,
           PetrelAccount *account,
           guint          position)
{
  g_autoptr(PetrelAccountState) state = petrel_account_state_new (account);

  g_signal_connect_object (state, "store-changed", G_CALLBACK (on_state_store_changed_cb), self, 0);
  g_signal_connect_object (state, "notify::syncing", G_CALLBACK (on_state_notify_cb), self, 0);
  /* After the sidebar's tree model took the change in, so the new rows can be selected. */
  g_signal_connect_object (petrel_account_state_get_folders (state), "items-changed",
                           G_CALLBACK (on_folders_changed_cb), self, G_CONNECT_AFTER);
  g_list_store_insert (self->states, position, state);
  petrel_account_state_refresh (state);

  return state;
}

/* Makes the sidebar show the accounts of the data directory, or the demo without any. */
static void
sync_states_with_accounts (PetrelWindow *self)
{
  guint n_accounts = g_list_model_get_n_items (G_LIST_MODEL (self->accounts));
  g_autoptr(GPtrArray) wanted = g_ptr_array_new_with_free_func (g_object_unref);
  gboolean folder_gone = TRUE;

  for (guint i = 0; i < n_accounts; i++)
    g_ptr_array_add (wanted, g_list_model_get_item (G_LIST_MODEL (self->accounts), i));

  /* Drop states of accounts that went away (and the demo once there is an account). */
  for (guint i = g_list_model_get_n_items (G_LIST_MODEL (self->states)); i > 0; i--)
    {
      g_autoptr(PetrelAccountState) state = g_list_model_get_item (G_LIST_MODEL (self->states),
                                                                   i - 1);
      PetrelAccount *account = petrel_account_state_get_account (state);
      gboolean keep = petrel_account_state_get_demo (state) ? n_accounts == 0
                                                             : g_ptr_array_find (wanted, account,
                                                                                 NULL);

      if (keep)
        continue;
      if (petrel_account_state_get_demo (state))
        self->demo_requested = FALSE;
      g_list_store_remove (self->states, i - 1);
    }

  for (guint i = 0; i < wanted->len; i++)
    {
      PetrelAccount *account = g_ptr_array_index (wanted, i);

      if (find_state (self, account) == NULL)
        {
          PetrelAccountState *state = add_state (self, account, i);

          petrel_account_state_sync (state, self->cancellable);
        }
    }

  if (self->folder != NULL)
    folder_gone = find_state (self, petrel_folder_get_account (self->folder)) == NULL;
  if (folder_gone)
    {
      g_clear_object (&self->folder);
      g_clear_object (&self->folder_list);
      g_clear_object (&self->search_list);
      set_message_model (self, NULL);
      petrel_reader_show_message (self->reader, NULL);
    }

  gtk_revealer_set_reveal_child (self->demo_banner, n_accounts == 0);
  update_actions (self);
  select_initial_folder (self);
}

static void
demo_open_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(PetrelWindow) self = user_data;
  g_autoptr(PetrelAccount) demo = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;

  demo = petrel_demo_open_finish (result, &error);
  if (g_cancellable_is_cancelled (self->cancellable))
    return;

  if (demo == NULL)
    {
      g_debug ("Cannot open the demo mailbox: %s", error->message);
      self->demo_requested = FALSE;
      if (!has_real_accounts (self))
        {
          description = g_strdup_printf (_("Add an account with “petrel-cli account add” to "
                                           "read your mail here.\n\nThe demo mailbox could not "
                                           "be opened: %s"), error->message);
          adw_status_page_set_description (self->empty_page, description);
          gtk_stack_set_visible_child_name (self->main_stack, "empty");
        }
      return;
    }

  if (has_real_accounts (self))
    return;

  add_state (self, demo, 0);
  gtk_stack_set_visible_child_name (self->main_stack, "mail");
  sync_states_with_accounts (self);
}

static void
open_demo (PetrelWindow *self)
{
  PetrelApplication *app = PETREL_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));

  if (self->demo_requested)
    return;

  self->demo_requested = TRUE;
  gtk_stack_set_visible_child_name (self->main_stack, "loading");
  petrel_demo_open_async (petrel_application_get_data_dir (app),
                          petrel_application_get_demo_dir (app),
                          self->cancellable, demo_open_cb, g_object_ref (self));
}

static void
on_accounts_changed_cb (GListModel   *accounts,
                        guint         position,
                        guint         removed,
                        guint         added,
                        PetrelWindow *self)
{
  if (has_real_accounts (self))
    gtk_stack_set_visible_child_name (self->main_stack, "mail");

  sync_states_with_accounts (self);

  if (!has_real_accounts (self) && g_list_model_get_n_items (G_LIST_MODEL (self->states)) == 0)
    open_demo (self);
}

/* Changes: archive, delete, move, flags. Each runs on a worker thread (the store blocks on
 * SQLite), one after another so undo takes back the right one; the lists are refreshed at
 * once, then the queue is sent to the server in the background (never for the demo). */

typedef enum
{
  CHANGE_FLAGS,
  CHANGE_MOVE,
  CHANGE_DELETE,
} ChangeKind;

typedef struct
{
  char   *folder;
  GArray *uids;   /* guint32 */
} FolderUids;

typedef struct
{
  PetrelAccount *account;
  ChangeKind     kind;
  GPtrArray     *groups;       /* FolderUids */
  char          *flag;         /* CHANGE_FLAGS */
  gboolean       add;          /* CHANGE_FLAGS: add or remove @flag */
  char          *destination;  /* CHANGE_MOVE */
  gboolean       expunge;      /* CHANGE_DELETE */
  char          *toast;        /* nullable: shown with Undo once done */
} Change;

static void
folder_uids_free (gpointer data)
{
  FolderUids *group = data;

  g_free (group->folder);
  g_array_unref (group->uids);
  g_free (group);
}

static void
change_free (gpointer data)
{
  Change *change = data;

  g_clear_object (&change->account);
  g_clear_pointer (&change->groups, g_ptr_array_unref);
  g_free (change->flag);
  g_free (change->destination);
  g_free (change->toast);
  g_free (change);
}

static void
change_add_message (Change        *change,
                    PetrelMessage *message)
{
  const char *folder = petrel_message_get_folder_path (message);
  guint32 uid = petrel_message_get_uid (message);
  FolderUids *group = NULL;

  for (guint i = 0; i < change->groups->len && group == NULL; i++)
    {
      FolderUids *candidate = g_ptr_array_index (change->groups, i);

      if (g_strcmp0 (candidate->folder, folder) == 0)
        group = candidate;
    }

  if (group == NULL)
    {
      group = g_new0 (FolderUids, 1);
      group->folder = g_strdup (folder);
      group->uids = g_array_new (FALSE, FALSE, sizeof (guint32));
      g_ptr_array_add (change->groups, group);
    }
  g_array_append_val (group->uids, uid);
}

static void
change_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  Change *change = task_data;
  GError *error = NULL;

  for (guint i = 0; i < change->groups->len; i++)
    {
      FolderUids *group = g_ptr_array_index (change->groups, i);
      const guint32 *uids = (const guint32 *) (gpointer) group->uids->data;
      const char *flags[] = { change->flag, NULL };
      gboolean ok = FALSE;

      switch (change->kind)
        {
        case CHANGE_FLAGS:
          ok = petrel_changes_set_flags (change->account, group->folder, uids, group->uids->len,
                                         change->add ? flags : NULL,
                                         change->add ? NULL : flags, &error);
          break;
        case CHANGE_MOVE:
          ok = petrel_changes_move (change->account, group->folder, uids, group->uids->len,
                                    change->destination, &error);
          break;
        case CHANGE_DELETE:
          ok = petrel_changes_delete (change->account, group->folder, uids, group->uids->len,
                                      change->expunge, &error);
          break;
        default:
          g_assert_not_reached ();
        }

      if (!ok)
        {
          g_task_return_error (task, error);
          return;
        }
    }

  g_task_return_boolean (task, TRUE);
}

static void
replay_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  PetrelAccount *account = task_data;
  GError *error = NULL;
  guint failed = 0;

  if (!petrel_changes_replay (account, &failed, cancellable, &error))
    g_task_return_error (task, error);
  else
    g_task_return_int (task, failed);
}

static void
show_toast (PetrelWindow  *self,
            const char    *title,
            PetrelAccount *undo_account)
{
  AdwToast *toast = adw_toast_new (title);

  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  if (undo_account != NULL)
    {
      adw_toast_set_button_label (toast, _("_Undo"));
      adw_toast_set_action_name (toast, "win.undo");
      adw_toast_set_action_target_value (toast,
                                         g_variant_new_string (petrel_account_get_id (
                                           undo_account)));
    }
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
refresh_account (PetrelWindow  *self,
                 PetrelAccount *account)
{
  PetrelAccountState *state = find_state (self, account);

  if (state != NULL)
    petrel_account_state_refresh (state);
  if (self->search_list != NULL && petrel_message_list_get_account (self->search_list) == account)
    petrel_message_list_refresh (self->search_list);
}

static void start_replay (PetrelWindow  *self,
                          PetrelAccount *account);

static void
replay_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  PetrelWindow *self = PETREL_WINDOW (object);
  g_autoptr(PetrelAccount) account = user_data;
  g_autoptr(GError) error = NULL;
  gssize failed;

  failed = g_task_propagate_int (G_TASK (result), &error);
  self->replaying = FALSE;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* Offline is normal: the queue is sent with the next sync. */
  if (error != NULL)
    g_debug ("Cannot send the changes now: %s", error->message);
  else if (failed > 0)
    {
      g_autofree char *text = g_strdup_printf (ngettext ("The server refused %u change",
                                                         "The server refused %u changes",
                                                         (gulong) failed), (guint) failed);

      show_toast (self, text, NULL);
    }

  refresh_account (self, account);
  if (self->replay_again != NULL)
    {
      g_autoptr(PetrelAccount) next = g_steal_pointer (&self->replay_again);

      start_replay (self, next);
    }
}

static void
start_replay (PetrelWindow  *self,
              PetrelAccount *account)
{
  g_autoptr(GTask) task = NULL;

  if (petrel_demo_is_demo (account))
    return;

  if (self->replaying)
    {
      g_set_object (&self->replay_again, account);
      return;
    }

  self->replaying = TRUE;
  task = g_task_new (self, self->cancellable, replay_cb, g_object_ref (account));
  g_task_set_source_tag (task, start_replay);
  g_task_set_task_data (task, g_object_ref (account), g_object_unref);
  g_task_run_in_thread (task, replay_thread);
}

static void run_next_change (PetrelWindow *self);

static void
change_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  PetrelWindow *self = PETREL_WINDOW (object);
  Change *change = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  self->change_running = FALSE;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      show_toast (self, error->message, NULL);
    }
  else if (change->toast != NULL)
    {
      show_toast (self, change->toast, change->account);
    }

  refresh_account (self, change->account);
  if (error == NULL)
    start_replay (self, change->account);
  run_next_change (self);
}

static void
run_next_change (PetrelWindow *self)
{
  g_autoptr(GTask) task = NULL;
  Change *change;

  if (self->change_running || g_queue_is_empty (&self->changes))
    return;

  change = g_queue_pop_head (&self->changes);
  self->change_running = TRUE;
  task = g_task_new (self, self->cancellable, change_cb, NULL);
  g_task_set_source_tag (task, run_next_change);
  g_task_set_task_data (task, change, change_free);
  g_task_run_in_thread (task, change_thread);
}

/* A change of the selected messages (or of @message alone), nullable when there is none. */
static Change *
change_new (PetrelWindow  *self,
            ChangeKind     kind,
            PetrelMessage *message)
{
  GtkSelectionModel *model = GTK_SELECTION_MODEL (self->message_selection);
  g_autoptr(GtkBitset) selected = gtk_selection_model_get_selection (model);
  Change *change = g_new0 (Change, 1);
  GtkBitsetIter iter;
  guint position;

  change->kind = kind;
  change->groups = g_ptr_array_new_with_free_func (folder_uids_free);

  if (message != NULL)
    {
      change->account = g_object_ref (petrel_message_get_account (message));
      change_add_message (change, message);
      return change;
    }

  for (gboolean more = gtk_bitset_iter_init_first (&iter, selected, &position); more;
       more = gtk_bitset_iter_next (&iter, &position))
    {
      g_autoptr(PetrelMessage) item = g_list_model_get_item (G_LIST_MODEL (model), position);

      /* A row not read from the store yet has no folder. */
      if (item == NULL || petrel_message_get_folder_path (item) == NULL)
        continue;
      if (change->account == NULL)
        change->account = g_object_ref (petrel_message_get_account (item));
      if (petrel_message_get_account (item) == change->account)
        change_add_message (change, item);
    }

  if (change->account == NULL)
    {
      change_free (change);
      return NULL;
    }

  return change;
}

static guint
change_count (Change *change)
{
  guint n = 0;

  for (guint i = 0; i < change->groups->len; i++)
    n += ((FolderUids *) g_ptr_array_index (change->groups, i))->uids->len;

  return n;
}

static void
queue_change (PetrelWindow *self,
              Change       *change)
{
  /* Moved messages leave the list: show none rather than one that is gone. */
  if (change->kind != CHANGE_FLAGS)
    {
      gtk_selection_model_unselect_all (GTK_SELECTION_MODEL (self->message_selection));
      petrel_reader_show_message (self->reader, NULL);
    }

  g_queue_push_tail (&self->changes, change);
  run_next_change (self);
}

static PetrelFolder *
find_role_folder (PetrelWindow          *self,
                  PetrelAccount         *account,
                  PetrelStoreFolderRole  role)
{
  PetrelAccountState *state = account != NULL ? find_state (self, account) : NULL;

  if (state == NULL)
    return NULL;

  return petrel_folder_list_find_role (petrel_account_state_get_folders (state), role);
}

/* The folder every selected message is in, or NULL. */
static const char *
selection_folder (PetrelWindow *self)
{
  PetrelMessageList *list = current_list (self);

  if (list == NULL || self->search_list != NULL)
    return NULL;

  return petrel_message_list_get_folder_path (list);
}

static gboolean
selection_any (PetrelWindow *self,
               gboolean      (*test) (PetrelMessage *message),
               gboolean      want)
{
  GtkSelectionModel *model = GTK_SELECTION_MODEL (self->message_selection);
  g_autoptr(GtkBitset) selected = gtk_selection_model_get_selection (model);
  GtkBitsetIter iter;
  guint position;

  for (gboolean more = gtk_bitset_iter_init_first (&iter, selected, &position); more;
       more = gtk_bitset_iter_next (&iter, &position))
    {
      g_autoptr(PetrelMessage) item = g_list_model_get_item (G_LIST_MODEL (model), position);

      if (item != NULL && test (item) == want)
        return TRUE;
    }

  return FALSE;
}

static void
set_button_state (GtkButton  *button,
                  const char *icon_name,
                  const char *label,
                  const char *tooltip)
{
  gtk_button_set_icon_name (button, icon_name);
  gtk_widget_set_tooltip_text (GTK_WIDGET (button), tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
}

static void
update_message_actions (PetrelWindow *self)
{
  g_autoptr(GtkBitset) selected =
    gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->message_selection));
  gboolean any = !gtk_bitset_is_empty (selected);
  PetrelMessageList *list = current_list (self);
  PetrelAccount *account = list != NULL ? petrel_message_list_get_account (list) : NULL;
  PetrelFolder *archive = find_role_folder (self, account, PETREL_STORE_FOLDER_ROLE_ARCHIVE);
  const char *folder = selection_folder (self);
  gboolean unstarred = any && selection_any (self, petrel_message_get_flagged, FALSE);
  gboolean seen = any && selection_any (self, petrel_message_get_seen, TRUE);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.archive",
                                 any && archive != NULL &&
                                 g_strcmp0 (folder, petrel_folder_get_path (archive)) != 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.delete", any);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.toggle-star", any);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.toggle-unread", any);
  gtk_widget_set_sensitive (GTK_WIDGET (self->move_button), any);

  if (!any || unstarred)
    set_button_state (self->star_button, "non-starred-symbolic", _("Star"), _("Star (S)"));
  else
    set_button_state (self->star_button, "starred-symbolic", _("Unstar"), _("Unstar (S)"));

  if (!any || seen)
    set_button_state (self->unread_button, "mail-unread-symbolic", _("Mark as Unread"),
                      _("Mark as Unread (U)"));
  else
    set_button_state (self->unread_button, "mail-read-symbolic", _("Mark as Read"),
                      _("Mark as Read (U)"));
}

static void
on_shown_message_notify_cb (PetrelWindow *self)
{
  update_message_actions (self);
}

static void
watch_message (PetrelWindow  *self,
               PetrelMessage *message)
{
  if (self->watched_message == message)
    return;

  if (self->watched_message != NULL)
    g_signal_handlers_disconnect_by_func (self->watched_message, on_shown_message_notify_cb,
                                          self);
  g_set_object (&self->watched_message, message);
  if (message != NULL)
    g_signal_connect_object (message, "notify", G_CALLBACK (on_shown_message_notify_cb), self,
                             G_CONNECT_SWAPPED);
}

/* Opening a message marks it read after a second, like other mail clients. */
static gboolean
mark_read_timeout_cb (gpointer user_data)
{
  PetrelWindow *self = user_data;
  g_autoptr(PetrelMessage) message = g_steal_pointer (&self->mark_read_message);
  Change *change;

  self->mark_read_id = 0;
  if (message == NULL || petrel_reader_get_message (self->reader) != message ||
      petrel_message_get_seen (message) || petrel_message_get_folder_path (message) == NULL)
    return G_SOURCE_REMOVE;

  change = change_new (self, CHANGE_FLAGS, message);
  change->flag = g_strdup ("\\Seen");
  change->add = TRUE;
  queue_change (self, change);

  return G_SOURCE_REMOVE;
}

static void
schedule_mark_read (PetrelWindow  *self,
                    PetrelMessage *message)
{
  g_clear_handle_id (&self->mark_read_id, g_source_remove);
  g_clear_object (&self->mark_read_message);

  if (message == NULL || petrel_message_get_seen (message))
    return;

  self->mark_read_message = g_object_ref (message);
  self->mark_read_id = g_timeout_add (MARK_READ_DELAY_MS, mark_read_timeout_cb, self);
}

static void
archive_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  PetrelWindow *self = PETREL_WINDOW (widget);
  Change *change = change_new (self, CHANGE_MOVE, NULL);
  PetrelFolder *archive;
  guint n;

  if (change == NULL)
    return;

  archive = find_role_folder (self, change->account, PETREL_STORE_FOLDER_ROLE_ARCHIVE);
  if (archive == NULL)
    {
      show_toast (self, _("This account has no Archive folder"), NULL);
      change_free (change);
      return;
    }

  n = change_count (change);
  change->destination = g_strdup (petrel_folder_get_path (archive));
  change->toast = n == 1 ? g_strdup (_("Archived"))
                         : g_strdup_printf (ngettext ("%u message archived",
                                                      "%u messages archived", n), n);
  queue_change (self, change);
}

static void
delete_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  PetrelWindow *self = PETREL_WINDOW (widget);
  Change *change = change_new (self, CHANGE_DELETE, NULL);
  PetrelFolder *trash;
  const char *folder;
  guint n;

  if (change == NULL)
    return;

  n = change_count (change);
  trash = find_role_folder (self, change->account, PETREL_STORE_FOLDER_ROLE_TRASH);
  folder = selection_folder (self);
  change->expunge = trash == NULL || g_strcmp0 (folder, petrel_folder_get_path (trash)) == 0;
  if (change->expunge)
    change->toast = g_strdup_printf (ngettext ("%u message deleted", "%u messages deleted", n), n);
  else if (n == 1)
    change->toast = g_strdup (_("Message moved to Trash"));
  else
    change->toast = g_strdup_printf (ngettext ("%u message moved to Trash",
                                               "%u messages moved to Trash", n), n);
  queue_change (self, change);
}

static void
toggle_star_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  PetrelWindow *self = PETREL_WINDOW (widget);
  gboolean add = selection_any (self, petrel_message_get_flagged, FALSE);
  Change *change = change_new (self, CHANGE_FLAGS, NULL);

  if (change == NULL)
    return;

  change->flag = g_strdup ("\\Flagged");
  change->add = add;
  queue_change (self, change);
}

static void
toggle_unread_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  PetrelWindow *self = PETREL_WINDOW (widget);
  gboolean mark_unread = selection_any (self, petrel_message_get_seen, TRUE);
  Change *change = change_new (self, CHANGE_FLAGS, NULL);

  if (change == NULL)
    return;

  /* Someone who marks the open message unread does not want it read again a second later. */
  g_clear_handle_id (&self->mark_read_id, g_source_remove);
  g_clear_object (&self->mark_read_message);

  change->flag = g_strdup ("\\Seen");
  change->add = !mark_unread;
  queue_change (self, change);
}

static void
undo_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(PetrelWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;

  description = petrel_account_undo_finish (PETREL_ACCOUNT (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (description == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Cannot undo: %s"), error->message);

      show_toast (self, text, NULL);
    }
  else
    {
      g_debug ("Undone: %s", description);
    }

  refresh_account (self, PETREL_ACCOUNT (object));
}

static void
undo_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  PetrelWindow *self = PETREL_WINDOW (widget);
  const char *id = g_variant_get_string (parameter, NULL);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->states));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PetrelAccountState) state = g_list_model_get_item (G_LIST_MODEL (self->states), i);
      PetrelAccount *account = petrel_account_state_get_account (state);

      if (g_strcmp0 (petrel_account_get_id (account), id) == 0)
        {
          petrel_account_undo_async (account, !petrel_account_state_get_demo (state),
                                     self->cancellable, undo_cb, g_object_ref (self));
          return;
        }
    }
}

/* Move to…: the account's folders, the keyboard way of dragging messages to one. */
static void
add_move_rows (PetrelWindow *self,
               GListModel   *folders,
               const char   *current,
               guint         depth)
{
  guint n = g_list_model_get_n_items (folders);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PetrelFolder) folder = g_list_model_get_item (folders, i);
      GtkWidget *row = gtk_list_box_row_new ();
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
      GtkWidget *label = gtk_label_new (petrel_folder_get_label (folder));

      gtk_widget_set_margin_start (box, 6 + 12 * (int) depth);
      gtk_widget_set_margin_end (box, 6);
      gtk_widget_set_margin_top (box, 6);
      gtk_widget_set_margin_bottom (box, 6);
      gtk_box_append (GTK_BOX (box), gtk_image_new_from_icon_name (
                        petrel_folder_get_icon_name (folder)));
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_box_append (GTK_BOX (box), label);
      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
      gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      petrel_folder_get_label (folder), -1);
      g_object_set_data_full (G_OBJECT (row), "petrel-folder-path",
                              g_strdup (petrel_folder_get_path (folder)), g_free);
      gtk_widget_set_sensitive (row, g_strcmp0 (current, petrel_folder_get_path (folder)) != 0);
      gtk_list_box_append (self->move_list, row);

      add_move_rows (self, petrel_folder_get_children (folder), current, depth + 1);
    }
}

static void
on_move_popover_show_cb (PetrelWindow *self)
{
  PetrelMessageList *list = current_list (self);
  PetrelAccountState *state = NULL;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->move_list))) != NULL)
    gtk_list_box_remove (self->move_list, child);

  if (list != NULL)
    state = find_state (self, petrel_message_list_get_account (list));
  if (state != NULL)
    add_move_rows (self, G_LIST_MODEL (petrel_account_state_get_folders (state)),
                   selection_folder (self), 0);
}

/* Keyboard users start on the first folder they can choose. */
static void
on_move_popover_map_cb (PetrelWindow *self)
{
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->move_list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      if (gtk_widget_get_sensitive (row))
        {
          gtk_widget_grab_focus (row);
          break;
        }
    }
}

static void
on_move_row_activated_cb (GtkListBox    *box,
                          GtkListBoxRow *row,
                          PetrelWindow  *self)
{
  const char *path = g_object_get_data (G_OBJECT (row), "petrel-folder-path");
  Change *change;
  guint n;

  gtk_popover_popdown (self->move_popover);
  change = change_new (self, CHANGE_MOVE, NULL);
  if (change == NULL || path == NULL)
    {
      g_clear_pointer (&change, change_free);
      return;
    }

  n = change_count (change);
  change->destination = g_strdup (path);
  change->toast = g_strdup_printf (ngettext ("%u message moved", "%u messages moved", n), n);
  queue_change (self, change);
}

/* Messages */

static void
message_setup_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *item,
                  PetrelWindow             *self)
{
  gtk_list_item_set_child (item, petrel_message_row_new ());
}

/* The folder of a search result as the sidebar names it. */
static const char *
folder_label_for (PetrelWindow  *self,
                  PetrelMessage *message)
{
  PetrelAccountState *state = find_state (self, petrel_message_get_account (message));
  const char *path = petrel_message_get_folder_path (message);
  PetrelFolder *folder;

  if (state == NULL || path == NULL)
    return path;

  folder = petrel_folder_list_find (petrel_account_state_get_folders (state), path);
  return folder != NULL ? petrel_folder_get_label (folder) : path;
}

static void
message_bind_cb (GtkSignalListItemFactory *factory,
                 GtkListItem              *item,
                 PetrelWindow             *self)
{
  PetrelMessage *message = gtk_list_item_get_item (item);
  const char *folder_label = NULL;

  /* Search results span folders; they are read whole, so their folder is known. */
  if (self->search_list != NULL && petrel_message_is_loaded (message))
    folder_label = folder_label_for (self, message);

  petrel_message_row_set_message (PETREL_MESSAGE_ROW (gtk_list_item_get_child (item)), message,
                                  folder_label);
}

static void
message_unbind_cb (GtkSignalListItemFactory *factory,
                   GtkListItem              *item,
                   PetrelWindow             *self)
{
  petrel_message_row_set_message (PETREL_MESSAGE_ROW (gtk_list_item_get_child (item)), NULL,
                                  NULL);
}

static void
on_message_selection_changed_cb (GtkSelectionModel *model,
                                 guint              position,
                                 guint              n_items,
                                 PetrelWindow      *self)
{
  g_autoptr(GtkBitset) selected = gtk_selection_model_get_selection (model);
  guint64 n = gtk_bitset_get_size (selected);

  if (n == 1)
    {
      g_autoptr(PetrelMessage) message =
        g_list_model_get_item (G_LIST_MODEL (model), gtk_bitset_get_nth (selected, 0));

      petrel_reader_show_message (self->reader, message);
      watch_message (self, message);
      schedule_mark_read (self, message);
    }
  else
    {
      petrel_reader_show_selection (self->reader, (guint) MIN (n, G_MAXUINT));
      watch_message (self, NULL);
      schedule_mark_read (self, NULL);
    }
  update_message_actions (self);
}

static void
on_message_activate_cb (GtkListView  *view,
                        guint         position,
                        PetrelWindow *self)
{
  if (adw_leaflet_get_folded (self->inner_leaflet))
    adw_leaflet_set_visible_child (self->inner_leaflet, self->reader_pane);
}

static void
move_selection (PetrelWindow *self,
                int           delta)
{
  GtkSelectionModel *model = GTK_SELECTION_MODEL (self->message_selection);
  g_autoptr(GtkBitset) selected = gtk_selection_model_get_selection (model);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (model));
  gint64 position;

  if (n == 0)
    return;

  if (gtk_bitset_is_empty (selected))
    position = delta > 0 ? 0 : (gint64) n - 1;
  else if (delta > 0)
    position = MIN ((gint64) gtk_bitset_get_maximum (selected) + 1, (gint64) n - 1);
  else
    position = MAX ((gint64) gtk_bitset_get_minimum (selected) - 1, 0);

  gtk_selection_model_select_item (model, (guint) position, TRUE);
  gtk_widget_activate_action (GTK_WIDGET (self->message_view), "list.scroll-to-item", "u",
                              (guint) position);
}

/* Search */

static void
on_search_changed_cb (GtkSearchEntry *entry,
                      PetrelWindow   *self)
{
  g_autofree char *query = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (entry))));
  PetrelAccount *account = NULL;

  if (*query == '\0')
    {
      stop_search (self);
      return;
    }

  if (self->folder != NULL)
    account = petrel_folder_get_account (self->folder);
  else if (g_list_model_get_n_items (G_LIST_MODEL (self->states)) > 0)
    {
      g_autoptr(PetrelAccountState) state = g_list_model_get_item (G_LIST_MODEL (self->states), 0);

      account = petrel_account_state_get_account (state);
    }
  if (account == NULL)
    return;

  g_clear_object (&self->search_list);
  self->search_list = petrel_message_list_new_for_search (account, query, NULL, SEARCH_LIMIT);
  set_message_model (self, self->search_list);
}

static void
on_search_mode_cb (GtkSearchBar *bar,
                   GParamSpec   *pspec,
                   PetrelWindow *self)
{
  if (!gtk_search_bar_get_search_mode (bar))
    {
      gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
      stop_search (self);
    }
}

/* Actions */

static void
sync_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  PetrelWindow *self = PETREL_WINDOW (widget);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->states));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PetrelAccountState) state = g_list_model_get_item (G_LIST_MODEL (self->states), i);

      petrel_account_state_sync (state, self->cancellable);
    }
  update_actions (self);
}

static void
sync_account_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  PetrelWindow *self = PETREL_WINDOW (widget);
  const char *id = g_variant_get_string (parameter, NULL);
  PetrelAccount *account = petrel_account_list_find (self->accounts, id);
  PetrelAccountState *state = account != NULL ? find_state (self, account) : NULL;

  if (state != NULL)
    petrel_account_state_sync (state, self->cancellable);
  update_actions (self);
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  PetrelWindow *self = PETREL_WINDOW (widget);

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "mail") != 0)
    return;

  if (adw_leaflet_get_folded (self->inner_leaflet))
    adw_leaflet_set_visible_child (self->inner_leaflet, self->list_clamp);
  if (adw_leaflet_get_folded (self->outer_leaflet))
    adw_leaflet_set_visible_child (self->outer_leaflet, GTK_WIDGET (self->inner_leaflet));
  gtk_toggle_button_set_active (self->search_button, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
next_message_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  move_selection (PETREL_WINDOW (widget), 1);
}

static void
previous_message_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  move_selection (PETREL_WINDOW (widget), -1);
}

static void
show_folders_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  PetrelWindow *self = PETREL_WINDOW (widget);

  adw_leaflet_set_visible_child (self->outer_leaflet, self->sidebar_pane);
}

static void
show_list_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  PetrelWindow *self = PETREL_WINDOW (widget);

  adw_leaflet_set_visible_child (self->inner_leaflet, self->list_clamp);
}

static void
add_account_help_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  GtkWidget *dialog;

  dialog = adw_message_dialog_new (GTK_WINDOW (widget), _("Add an Account"), NULL);
  adw_message_dialog_format_body_markup (
    ADW_MESSAGE_DIALOG (dialog), "%s\n\n<tt>%s</tt>\n\n%s",
    _("Petrel does not have an account assistant yet. In a terminal, run:"),
    "petrel-cli account add --id work --email you@example.org --imap imap.example.org:993 "
    "--imap-security tls --smtp smtp.example.org:465 --smtp-security tls --password-stdin",
    _("with your server names. Type your password and press Ctrl+D. Petrel shows the new "
      "account at once and replaces the demo mailbox."));
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Window */

static gboolean
petrel_window_close_request (GtkWindow *window)
{
  PetrelWindow *self = PETREL_WINDOW (window);

  g_cancellable_cancel (self->cancellable);

  if (self->settings != NULL)
    {
      int width, height;

      gtk_window_get_default_size (window, &width, &height);
      g_settings_set_int (self->settings, "window-width", width);
      g_settings_set_int (self->settings, "window-height", height);
      g_settings_set_boolean (self->settings, "window-maximized",
                              gtk_window_is_maximized (window));
    }

  return GTK_WINDOW_CLASS (petrel_window_parent_class)->close_request (window);
}

/* Called once the window has its application (set after construction). */
static void
load_accounts (PetrelWindow      *self,
               PetrelApplication *app)
{
  g_autoptr(GError) error = NULL;

  self->accounts = petrel_account_list_new (petrel_application_get_data_dir (app));
  if (!petrel_account_list_reload (self->accounts, &error))
    g_debug ("Cannot read the accounts: %s", error->message);
  petrel_account_list_watch (self->accounts);
  g_signal_connect_object (self->accounts, "items-changed",
                           G_CALLBACK (on_accounts_changed_cb), self, 0);

  if (has_real_accounts (self))
    {
      gtk_stack_set_visible_child_name (self->main_stack, "mail");
      sync_states_with_accounts (self);
    }
  else
    {
      open_demo (self);
    }
}

static void
petrel_window_dispose (GObject *object)
{
  PetrelWindow *self = PETREL_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_queue_clear_full (&self->changes, change_free);
  g_clear_handle_id (&self->mark_read_id, g_source_remove);
  g_clear_object (&self->mark_read_message);
  watch_message (self, NULL);
  g_clear_object (&self->replay_again);
  if (self->message_selection != NULL)
    gtk_multi_selection_set_model (self->message_selection, NULL);
  g_clear_object (&self->search_list);
  g_clear_object (&self->folder_list);
  g_clear_object (&self->folder);
  gtk_widget_dispose_template (GTK_WIDGET (self), PETREL_TYPE_WINDOW);
  g_clear_object (&self->sidebar_selection);
  g_clear_object (&self->tree);
  g_clear_object (&self->message_selection);
  g_clear_object (&self->states);
  g_clear_object (&self->accounts);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (petrel_window_parent_class)->dispose (object);
}

static void
petrel_window_class_init (PetrelWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = petrel_window_dispose;
  window_class->close_request = petrel_window_close_request;

  g_type_ensure (PETREL_TYPE_READER);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/petrelmail/Petrel/ui/petrel-window.ui");
  gtk_widget_class_bind_template_child (widget_class, PetrelWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, PetrelWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, PetrelWindow, empty_page);
  gtk_widget_class_bind_template_child (widget_class, PetrelWindow, outer_leaflet);
  gtk_widget_class_bind_template_child (widget_class, PetrelWindow, inner_leaflet);
  gtk_widget_class_bind_template_child (widget_class, PetrelWindow, sidebar_pane);
  gtk_widget_class_bind_template_child (widget_class, PetrelWindow, list_clamp);
  gtk_widget_class_bind_template_child (widget_class, PetrelWindow, reader_pane);
  gtk_widget_class_bind_template_child (widget_class, PetrelWindow, sidebar_view);
  gtk_widget_class_bind_template_child (widget_class, PetrelWindow, message_view);
  gtk_widget_class_bind_template_child (widget_class, PetrelWindow, list_title);
  gtk_widget_class_bind_template_child (widget_class, PetrelWindow, search_button);
  gtk_widget_class_bind_template_child (widget_class, PetrelWindow, search_bar);
  gtk_widget_class_bind_template_child (widget_class, PetrelWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, PetrelWindow, demo_banner);
  gtk_widget_class_bind_template_child (widget_class, PetrelWindow, list_stack);
  gtk_widget_class_bind_template_child (widget_class, PetrelWindow, list_empty_page);
  gtk_widget_class_bind_template_child (widget_class, PetrelWindow, reader);
  gtk_widget_class_bind_template_child (widget_class, PetrelWindow, star_button);
  gtk_widget_class_bind_template_child (widget_class, PetrelWindow, unread_button);
  gtk_widget_class_bind_template_child (widget_class, PetrelWindow, move_button);
  gtk_widget_class_bind_template_child (widget_class, PetrelWindow, move_popover);
  gtk_widget_class_bind_template_child (widget_class, PetrelWindow, move_list);
  gtk_widget_class_bind_template_callback (widget_class, on_move_popover_show_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_move_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_move_popover_map_cb);

  gtk_widget_class_install_action (widget_class, "win.sync", NULL, sync_action);
  gtk_widget_class_install_action (widget_class, "win.sync-account", "s", sync_account_action);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action);
  gtk_widget_class_install_action (widget_class, "win.next-message", NULL, next_message_action);
  gtk_widget_class_install_action (widget_class, "win.previous-message", NULL,
                                   previous_message_action);
  gtk_widget_class_install_action (widget_class, "win.show-folders", NULL, show_folders_action);
  gtk_widget_class_install_action (widget_class, "win.show-list", NULL, show_list_action);
  gtk_widget_class_install_action (widget_class, "win.add-account-help", NULL,
                                   add_account_help_action);
  gtk_widget_class_install_action (widget_class, "win.archive", NULL, archive_action);
  gtk_widget_class_install_action (widget_class, "win.delete", NULL, delete_action);
  gtk_widget_class_install_action (widget_class, "win.toggle-star", NULL, toggle_star_action);
  gtk_widget_class_install_action (widget_class, "win.toggle-unread", NULL,
                                   toggle_unread_action);
  gtk_widget_class_install_action (widget_class, "win.undo", "s", undo_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "win.sync", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK,
                                       "win.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_slash, 0, "win.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_j, 0, "win.next-message", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_k, 0, "win.previous-message",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "win.delete", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Delete, 0, "win.delete", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_a, 0, "win.archive", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, 0, "win.toggle-star", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_u, 0, "win.toggle-unread", NULL);
}

static void
petrel_window_init (PetrelWindow *self)
{
  GtkListItemFactory *factory;
  GtkGesture *gesture;
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->states = g_list_store_new (PETREL_TYPE_ACCOUNT_STATE);

  /* Without the installed schema (a bare build-tree run) the window simply forgets its size. */
  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APPLICATION_ID, TRUE);
  if (schema != NULL)
    {
      self->settings = g_settings_new (APPLICATION_ID);
      gtk_window_set_default_size (GTK_WINDOW (self),
                                   g_settings_get_int (self->settings, "window-width"),
                                   g_settings_get_int (self->settings, "window-height"));
      if (g_settings_get_boolean (self->settings, "window-maximized"))
        gtk_window_maximize (GTK_WINDOW (self));
    }

  /* Sidebar: accounts, each with its folder tree. */
  self->tree = gtk_tree_list_model_new (g_object_ref (G_LIST_MODEL (self->states)), FALSE, TRUE,
                                        create_child_model_cb, NULL, NULL);
  self->sidebar_selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->tree)));
  gtk_single_selection_set_autoselect (self->sidebar_selection, FALSE);
  gtk_single_selection_set_can_unselect (self->sidebar_selection, TRUE);
  g_signal_connect (self->sidebar_selection, "notify::selected-item",
                    G_CALLBACK (on_sidebar_selected_cb), self);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (sidebar_setup_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (sidebar_bind_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (sidebar_unbind_cb), self);
  gtk_list_view_set_factory (self->sidebar_view, factory);
  g_object_unref (factory);
  gtk_list_view_set_model (self->sidebar_view, GTK_SELECTION_MODEL (self->sidebar_selection));

  /* Message list. */
  self->message_selection = gtk_multi_selection_new (NULL);
  g_signal_connect (self->message_selection, "selection-changed",
                    G_CALLBACK (on_message_selection_changed_cb), self);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (message_setup_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (message_bind_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (message_unbind_cb), self);
  gtk_list_view_set_factory (self->message_view, factory);
  g_object_unref (factory);
  gtk_list_view_set_model (self->message_view, GTK_SELECTION_MODEL (self->message_selection));
  g_signal_connect (self->message_view, "activate", G_CALLBACK (on_message_activate_cb), self);
  self->list_at_top = TRUE;

  gesture = gtk_gesture_click_new ();
  g_signal_connect (gesture, "released", G_CALLBACK (on_sidebar_clicked_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->sidebar_view), GTK_EVENT_CONTROLLER (gesture));
  gesture = gtk_gesture_click_new ();
  g_signal_connect (gesture, "released", G_CALLBACK (on_messages_clicked_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->message_view), GTK_EVENT_CONTROLLER (gesture));
  g_signal_connect (gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->message_view)),
                    "value-changed", G_CALLBACK (on_list_scrolled_cb), self);

  /* Search. */
  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  g_object_bind_property (self->search_button, "active", self->search_bar, "search-mode-enabled",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_signal_connect (self->search_entry, "search-changed", G_CALLBACK (on_search_changed_cb), self);
  g_signal_connect (self->search_bar, "notify::search-mode-enabled",
                    G_CALLBACK (on_search_mode_cb), self);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.sync", FALSE);
  update_list_page (self);
  update_message_actions (self);
}

PetrelWindow *
petrel_window_new (PetrelApplication *application)
{
  PetrelWindow *self;

  g_return_val_if_fail (PETREL_IS_APPLICATION (application), NULL);

  self = g_object_new (PETREL_TYPE_WINDOW,
                       "application", application,
                       NULL);
  load_accounts (self, application);

  return self;
}
