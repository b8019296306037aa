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
 *
 * Issue 8 added: conversations (a folder lists one row per conversation when the
 * `conversations` setting is on, and changes of a row apply to its conversation), undo toasts
 * that take back exactly their own change (win.undo-change; Ctrl+Z is win.undo-last), the next
 * message selected after a move, drag and drop of messages and folders onto the sidebar, a
 * folder menu, new-mail notifications, and the folder shown remembered across runs. Drops, menu
 * entries and tests end in the same window actions (see "Organising" below), which the
 * application also exports on D-Bus.
 *
 * Then: panes whose widths the user drags and the window remembers (see "Panes"), the reading
 * pane's less used actions in a More Actions menu, and All Inboxes remembered like a folder,
 * with a menu to mark every inbox read at once (one toast, one Undo for all accounts).
 */

#include "config.h"

#include <glib/gi18n.h>

#include "model/petrel-account-list.h"
#include "model/petrel-demo.h"
#include "model/petrel-merged-list.h"
#include "model/petrel-message-list.h"
#include "store/petrel-store-conversations.h"
#include "sync/petrel-changes.h"

#include "petrel-account-state.h"
#include "petrel-message-row.h"
#include "petrel-reader.h"
#include "petrel-sidebar-row.h"
#include "petrel-ui-util.h"
#include "petrel-window-compose.h"

#include "petrel-window.h"

#define SEARCH_LIMIT 500
/* The selected-folder setting's path for All Inboxes (with an empty account id). */
#define ALL_INBOXES_PATH "all-inboxes"
#define MARK_READ_DELAY_MS 1000
/* How often every account is synced, unless PETREL_SYNC_INTERVAL (seconds) says otherwise. */
#define SYNC_INTERVAL_S 300
/* The panes' widths: at least these (a narrower window shows one pane at a time), and as
 * wide as the user dragged them, within reason; the reading pane takes the rest. */
#define SIDEBAR_MIN_WIDTH 200
#define SIDEBAR_MAX_WIDTH 480
#define LIST_MIN_WIDTH 300
#define LIST_MAX_WIDTH 800
#define READER_MIN_WIDTH 360

struct _PetrelWindow
{
  AdwApplicationWindow  parent_instance;

  /* template children, borrowed */
  AdwToastOverlay      *toast_overlay;
  GtkStack             *main_stack;
  AdwStatusPage        *empty_page;
  AdwLeaflet           *outer_leaflet;
  AdwLeaflet           *inner_leaflet;
  GtkWidget            *mail_pane;
  GtkWidget            *sidebar_pane;
  GtkWidget            *sidebar_handle;
  GtkWidget            *list_pane;
  GtkWidget            *list_handle;
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
  GtkMenuButton        *more_button;

  GtkPopover           *move_popover;       /* owned (parented to more_button) */
  GtkListBox           *move_list;          /* borrowed: in move_popover */
  GMenu                *more_menu;          /* owned: the More Actions menu */
  GMenu                *flag_section;       /* owned: its Mark as Unread and Star items */
  GMenu                *narrow_section;     /* owned: its Reply to All and Forward items */
  gboolean              flag_seen;          /* flag_section says Mark as Unread (not Read) */
  gboolean              flag_unstarred;     /* flag_section says Star (not Unstar) */
  int                   sidebar_width;      /* the widths the user gave the panes */
  int                   list_width;
  int                   drag_start_x;       /* a pane divider drag: where it began, in */
  int                   drag_start_width;   /* window coordinates, and the width then */

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
  PetrelMergedList     *merged_list;        /* owned, nullable: All Inboxes, shown instead of
                                             * a folder */
  GListStore           *roots;              /* owned; the sidebar's top level: all_store,
                                             * then the accounts (flattened) */
  GListStore           *all_store;          /* owned; all_inboxes while shown */
  PetrelAllInboxes     *all_inboxes;        /* owned */
  guint                 all_unread_id;
  guint                 sync_timer_id;      /* periodic sync of every account */
  gboolean              held;               /* hidden, running in the background */
  gboolean              compact;            /* the density setting is "compact" */
  PetrelAccount        *change_account;     /* borrowed, nullable: change_new() takes only
                                             * this account's selected messages */
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

  gboolean              conversations;      /* folder lists show one row per conversation */
  gboolean              restored_folder;    /* the saved selected-folder was tried */
  GHashTable           *inbox_uids;         /* owned; account id → newest inbox UID seen */
  GPtrArray            *mail_checks;        /* owned; PetrelAccount waiting for a check */
  gboolean              mail_check_running;
  GVariant             *last_undo;          /* owned, nullable: win.undo-change target of the
                                             * newest toast, for Ctrl+Z */
  guint                 select_after;       /* select this row once moved rows left the list;
                                             * G_MAXUINT for none */
};

G_DEFINE_FINAL_TYPE (PetrelWindow, petrel_window, ADW_TYPE_APPLICATION_WINDOW)

static void show_folder (PetrelWindow *self,
                         PetrelFolder *folder);
static void show_all_inboxes (PetrelWindow *self);
static void queue_all_unread (PetrelWindow *self);
static void update_message_actions (PetrelWindow *self);

/* Helpers */

/* In All Inboxes, the list of the account whose messages are selected (or shown), so that
 * whatever acts on "the list" acts on that account's inbox. */
static PetrelMessageList *
merged_source (PetrelWindow *self)
{
  GtkSelectionModel *model = GTK_SELECTION_MODEL (self->message_selection);
  g_autoptr(GtkBitset) selected = gtk_selection_model_get_selection (model);
  PetrelMessage *shown = petrel_reader_get_message (self->reader);
  PetrelMessageList *source = NULL;

  if (!gtk_bitset_is_empty (selected))
    {
      g_autoptr(PetrelMessage) item =
        g_list_model_get_item (G_LIST_MODEL (model), gtk_bitset_get_minimum (selected));

      if (item != NULL && petrel_message_is_loaded (item))
        source = petrel_merged_list_find_source (self->merged_list,
                                                 petrel_message_get_account (item));
    }
  if (source == NULL && shown != NULL)
    source = petrel_merged_list_find_source (self->merged_list,
                                             petrel_message_get_account (shown));
  if (source == NULL && petrel_merged_list_get_n_sources (self->merged_list) > 0)
    source = petrel_merged_list_get_source (self->merged_list, 0);

  return source;
}

static PetrelMessageList *
current_list (PetrelWindow *self)
{
  if (self->search_list != NULL)
    return self->search_list;
  if (self->merged_list != NULL)
    return merged_source (self);
  return self->folder_list;
}

/* The list the message view shows. */
static GListModel *
shown_model (PetrelWindow *self)
{
  if (self->search_list != NULL)
    return G_LIST_MODEL (self->search_list);
  if (self->merged_list != NULL)
    return G_LIST_MODEL (self->merged_list);
  return G_LIST_MODEL (self->folder_list);
}

/* The row of @message in the list shown, or G_MAXUINT. */
static guint
find_position (PetrelWindow  *self,
               PetrelMessage *message)
{
  PetrelMessageList *list;

  if (self->search_list == NULL && self->merged_list != NULL)
    return petrel_merged_list_find (self->merged_list, petrel_message_get_account (message),
                                    petrel_message_get_folder_path (message),
                                    petrel_message_get_uid (message));

  list = current_list (self);
  if (list == NULL || petrel_message_list_get_account (list) != petrel_message_get_account (message))
    return G_MAXUINT;

  return petrel_message_list_find (list, petrel_message_get_folder_path (message),
                                   petrel_message_get_uid (message));
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

static PetrelAccountState *
find_state_by_id (PetrelWindow *self,
                  const char   *id)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->states));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PetrelAccountState) state = g_list_model_get_item (G_LIST_MODEL (self->states), i);

      if (g_strcmp0 (petrel_account_get_id (petrel_account_state_get_account (state)), id) == 0)
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
  GListModel *model = shown_model (self);
  gboolean merged = self->search_list == NULL && self->merged_list != NULL;
  const GError *error;

  if (model != NULL &&
      (g_list_model_get_n_items (model) > 0 ||
       (merged ? petrel_merged_list_get_loading (self->merged_list)
               : petrel_message_list_get_loading (list))))
    {
      gtk_stack_set_visible_child_name (self->list_stack, "list");
      return;
    }

  if (merged)
    error = petrel_merged_list_get_error (self->merged_list);
  else
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
                                 model != NULL ? _("No Messages") : _("No Folder Selected"));
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

  if (self->merged_list != NULL)
    {
      unread = petrel_all_inboxes_get_unread (self->all_inboxes);
      adw_window_title_set_title (self->list_title, _("All Inboxes"));
      if (unread > 0)
        subtitle = g_strdup_printf (ngettext ("%'u unread", "%'u unread", unread), unread);
      adw_window_title_set_subtitle (self->list_title, subtitle != NULL ? subtitle : "");
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
  guint position;

  if (message == NULL)
    return;

  position = find_position (self, message);
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
  guint n = g_list_model_get_n_items (model);
  g_autoptr(GtkBitset) selected =
    gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->message_selection));

  update_list_page (self);
  update_list_title (self);
  if (removed > 0 && self->select_after != G_MAXUINT && n > 0 && gtk_bitset_is_empty (selected))
    {
      guint next = MIN (self->select_after, n - 1);

      self->select_after = G_MAXUINT;
      gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->message_selection), next,
                                       TRUE);
      gtk_widget_activate_action (GTK_WIDGET (self->message_view), "list.scroll-to-item", "u",
                                  next);
    }
  else if (removed > 0)
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

static gboolean
list_tick_cb (GtkWidget     *widget,
              GdkFrameClock *clock,
              gpointer       user_data)
{
  PetrelWindow *self = PETREL_WINDOW (user_data);

  g_signal_connect_object (clock, "after-paint", G_CALLBACK (on_list_painted_cb), self, 0);
  return G_SOURCE_REMOVE;
}

static void
on_list_notify_cb (GObject      *object,
                   GParamSpec   *pspec,
                   PetrelWindow *self)
{
  PetrelMessageList *list = PETREL_IS_MESSAGE_LIST (object) ? PETREL_MESSAGE_LIST (object) : NULL;

  update_list_page (self);
  update_list_title (self);

  /* The list may be read before the window is first shown: wait for its first frame. */
  if (list != NULL && list == self->folder_list && !petrel_message_list_get_loading (list) &&
      self->folder_shown_at != 0)
    gtk_widget_add_tick_callback (GTK_WIDGET (self->message_view), list_tick_cb, self, NULL);
}

static void
set_message_model (PetrelWindow *self,
                   GListModel   *list)
{
  GListModel *old = gtk_multi_selection_get_model (self->message_selection);

  if (old != NULL)
    g_signal_handlers_disconnect_by_data (old, self);

  gtk_multi_selection_set_model (self->message_selection, list);

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
  set_message_model (self, G_LIST_MODEL (self->folder_list));
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

static GdkContentProvider *on_folder_drag_prepare_cb (GtkDragSource *source,
                                                      double         x,
                                                      double         y,
                                                      PetrelWindow  *self);
static void on_drag_begin_cb (GtkDragSource *source,
                              GdkDrag       *drag,
                              PetrelWindow  *self);
static GdkDragAction on_sidebar_drop_motion_cb (GtkDropTarget *target,
                                                double         x,
                                                double         y,
                                                PetrelWindow  *self);
static gboolean on_sidebar_drop_cb (GtkDropTarget *target,
                                    const GValue  *value,
                                    double         x,
                                    double         y,
                                    PetrelWindow  *self);
static void on_sidebar_row_pressed_cb (GtkGestureClick *gesture,
                                       int              n_press,
                                       double           x,
                                       double           y,
                                       PetrelWindow    *self);

static void
sidebar_setup_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *item,
                  PetrelWindow             *self)
{
  GtkWidget *expander = gtk_tree_expander_new ();
  GtkWidget *row = petrel_sidebar_row_new ();
  GtkDragSource *source = gtk_drag_source_new ();
  GtkDropTarget *target = gtk_drop_target_new (G_TYPE_STRING,
                                               GDK_ACTION_MOVE | GDK_ACTION_COPY);
  GtkGesture *menu_click = gtk_gesture_click_new ();

  gtk_widget_set_hexpand (row, TRUE);
  gtk_tree_expander_set_child (GTK_TREE_EXPANDER (expander), row);
  gtk_list_item_set_child (item, expander);

  /* Folders are dragged onto other folders (or an account: the top level); messages onto
   * folders. */
  gtk_drag_source_set_actions (source, GDK_ACTION_MOVE);
  g_signal_connect (source, "prepare", G_CALLBACK (on_folder_drag_prepare_cb), self);
  g_signal_connect (source, "drag-begin", G_CALLBACK (on_drag_begin_cb), self);
  gtk_widget_add_controller (expander, GTK_EVENT_CONTROLLER (source));
  g_signal_connect (target, "enter", G_CALLBACK (on_sidebar_drop_motion_cb), self);
  g_signal_connect (target, "motion", G_CALLBACK (on_sidebar_drop_motion_cb), self);
  g_signal_connect (target, "drop", G_CALLBACK (on_sidebar_drop_cb), self);
  gtk_widget_add_controller (expander, GTK_EVENT_CONTROLLER (target));

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (menu_click), GDK_BUTTON_SECONDARY);
  g_signal_connect (menu_click, "pressed", G_CALLBACK (on_sidebar_row_pressed_cb), self);
  gtk_widget_add_controller (expander, GTK_EVENT_CONTROLLER (menu_click));
}

static void
sidebar_bind_cb (GtkSignalListItemFactory *factory,
                 GtkListItem              *item,
                 PetrelWindow             *self)
{
  GtkTreeExpander *expander = GTK_TREE_EXPANDER (gtk_list_item_get_child (item));
  GtkTreeListRow *row = gtk_list_item_get_item (item);
  GObject *object = gtk_tree_list_row_get_item (row);
  gboolean is_folder = PETREL_IS_FOLDER (object) || PETREL_IS_ALL_INBOXES (object);

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

  if (PETREL_IS_FOLDER (item) || PETREL_IS_ALL_INBOXES (item))
    {
      if (PETREL_IS_ALL_INBOXES (item))
        show_all_inboxes (self);
      else
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

  if (self->folder != NULL || self->merged_list != NULL ||
      g_list_model_get_n_items (G_LIST_MODEL (self->states)) == 0)
    return;

  /* The folder shown when the window was last closed, once its account's folders are read. */
  if (self->settings != NULL && !self->restored_folder)
    {
      g_autofree char *account_id = NULL;
      g_autofree char *path = NULL;
      PetrelAccountState *saved;

      g_settings_get (self->settings, "selected-folder", "(ss)", &account_id, &path);
      if (*account_id == '\0' && g_str_equal (path, ALL_INBOXES_PATH))
        {
          guint position = find_tree_position (self, self->all_inboxes);

          self->restored_folder = TRUE;
          if (position != GTK_INVALID_LIST_POSITION)
            {
              gtk_single_selection_set_selected (self->sidebar_selection, position);
              return;
            }
        }
      saved = *account_id != '\0' ? find_state_by_id (self, account_id) : NULL;
      if (saved != NULL)
        {
          PetrelFolderList *saved_folders = petrel_account_state_get_folders (saved);
          PetrelFolder *found = petrel_folder_list_find (saved_folders, path);

          if (found == NULL && g_list_model_get_n_items (G_LIST_MODEL (saved_folders)) == 0)
            return;
          self->restored_folder = TRUE;
          if (found != NULL)
            {
              select_folder (self, found);
              return;
            }
        }
      else
        self->restored_folder = TRUE;
    }

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

  /* An account's inbox became known after All Inboxes was shown. */
  if (self->merged_list != NULL &&
      petrel_merged_list_find_source (self->merged_list,
                                      petrel_folder_list_get_account (
                                        PETREL_FOLDER_LIST (folders))) == NULL &&
      petrel_folder_list_find_role (PETREL_FOLDER_LIST (folders),
                                    PETREL_STORE_FOLDER_ROLE_INBOX) != NULL)
    {
      g_clear_object (&self->merged_list);
      show_all_inboxes (self);
    }
  queue_all_unread (self);
  select_initial_folder (self);
}

static void
on_folder_notify_cb (PetrelWindow *self)
{
  update_list_title (self);
}

static PetrelMessageList *
new_folder_list (PetrelWindow *self,
                 PetrelFolder *folder)
{
  if (self->conversations)
    return petrel_message_list_new_conversations (petrel_folder_get_account (folder),
                                                  petrel_folder_get_path (folder));

  return petrel_message_list_new (petrel_folder_get_account (folder),
                                  petrel_folder_get_path (folder));
}

/* The conversations setting changed: list the folder shown the other way. */
static void
on_conversations_changed_cb (GSettings    *settings,
                             const char   *key,
                             PetrelWindow *self)
{
  gboolean conversations = g_settings_get_boolean (settings, key);

  if (conversations == self->conversations)
    return;

  self->conversations = conversations;
  petrel_reader_set_show_conversations (self->reader, conversations);
  if (self->merged_list != NULL)
    {
      g_clear_object (&self->merged_list);
      show_all_inboxes (self);
      return;
    }
  if (self->folder == NULL)
    return;

  g_clear_object (&self->folder_list);
  self->folder_list = new_folder_list (self, self->folder);
  if (self->search_list == NULL)
    {
      set_message_model (self, G_LIST_MODEL (self->folder_list));
      petrel_reader_show_message (self->reader, NULL);
    }
}

/* Shows @model in the message list: a new folder (or All Inboxes) ends any search and
 * closes the message read before. */
static void
show_list (PetrelWindow *self,
           GListModel   *model)
{
  g_clear_object (&self->search_list);
  if (*gtk_editable_get_text (GTK_EDITABLE (self->search_entry)) != '\0')
    gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  gtk_toggle_button_set_active (self->search_button, FALSE);

  set_message_model (self, model);
  petrel_reader_show_message (self->reader, NULL);
}

/* The folder shown (or All Inboxes) is shown again at the next start; not the demo's, and
 * not before the one saved was tried. */
static void
remember_shown_folder (PetrelWindow *self)
{
  if (self->settings == NULL || !self->restored_folder)
    return;

  if (self->merged_list != NULL)
    g_settings_set (self->settings, "selected-folder", "(ss)", "", ALL_INBOXES_PATH);
  else if (self->folder != NULL && !petrel_demo_is_demo (petrel_folder_get_account (self->folder)))
    g_settings_set (self->settings, "selected-folder", "(ss)",
                    petrel_account_get_id (petrel_folder_get_account (self->folder)),
                    petrel_folder_get_path (self->folder));
}

static void
show_folder (PetrelWindow *self,
             PetrelFolder *folder)
{
  if (self->folder == folder && self->merged_list == NULL)
    return;

  g_clear_object (&self->merged_list);
  if (self->folder != NULL)
    g_signal_handlers_disconnect_by_func (self->folder, on_folder_notify_cb, self);
  g_set_object (&self->folder, folder);
  g_signal_connect_object (folder, "notify::unread", G_CALLBACK (on_folder_notify_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (folder, "notify::total", G_CALLBACK (on_folder_notify_cb), self,
                           G_CONNECT_SWAPPED);

  g_clear_object (&self->folder_list);
  self->folder_shown_at = g_get_monotonic_time ();
  self->folder_list = new_folder_list (self, folder);

  show_list (self, G_LIST_MODEL (self->folder_list));
  remember_shown_folder (self);
}

/* All Inboxes: the inboxes of the real accounts, merged newest first. */
static void
show_all_inboxes (PetrelWindow *self)
{
  g_autoptr(PetrelMergedList) merged = petrel_merged_list_new ();
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->states));

  if (self->merged_list != NULL)
    return;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PetrelAccountState) state = g_list_model_get_item (G_LIST_MODEL (self->states), i);
      PetrelAccount *account = petrel_account_state_get_account (state);
      PetrelFolder *inbox;
      g_autoptr(PetrelMessageList) list = NULL;

      if (petrel_account_state_get_demo (state))
        continue;
      inbox = petrel_folder_list_find_role (petrel_account_state_get_folders (state),
                                            PETREL_STORE_FOLDER_ROLE_INBOX);
      if (inbox == NULL)
        continue;
      list = self->conversations
        ? petrel_message_list_new_conversations (account, petrel_folder_get_path (inbox))
        : petrel_message_list_new (account, petrel_folder_get_path (inbox));
      petrel_merged_list_add_source (merged, list);
    }

  if (self->folder != NULL)
    g_signal_handlers_disconnect_by_func (self->folder, on_folder_notify_cb, self);
  g_clear_object (&self->folder);
  g_clear_object (&self->folder_list);
  self->merged_list = g_steal_pointer (&merged);
  self->folder_shown_at = g_get_monotonic_time ();

  show_list (self, G_LIST_MODEL (self->merged_list));
  remember_shown_folder (self);
}

/* The sum of the real accounts' inbox unread counts, for the All Inboxes row. */
static gboolean
update_all_unread_cb (gpointer user_data)
{
  PetrelWindow *self = user_data;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->states));
  guint unread = 0;

  self->all_unread_id = 0;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PetrelAccountState) state = g_list_model_get_item (G_LIST_MODEL (self->states), i);
      PetrelFolder *inbox;

      if (petrel_account_state_get_demo (state))
        continue;
      inbox = petrel_folder_list_find_role (petrel_account_state_get_folders (state),
                                            PETREL_STORE_FOLDER_ROLE_INBOX);
      if (inbox != NULL)
        unread += petrel_folder_get_unread (inbox);
    }

  petrel_all_inboxes_set_unread (self->all_inboxes, unread);
  if (self->merged_list != NULL)
    update_list_title (self);

  return G_SOURCE_REMOVE;
}

static void
queue_all_unread (PetrelWindow *self)
{
  if (self->all_unread_id == 0)
    self->all_unread_id = g_idle_add_full (G_PRIORITY_LOW, update_all_unread_cb, self, NULL);
}

/* All Inboxes is offered with two or more real accounts (with one it is its Inbox). */
static void
update_all_inboxes_row (PetrelWindow *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->states));
  guint real = 0;
  gboolean shown = g_list_model_get_n_items (G_LIST_MODEL (self->all_store)) > 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PetrelAccountState) state = g_list_model_get_item (G_LIST_MODEL (self->states), i);

      real += !petrel_account_state_get_demo (state);
    }

  if (real >= 2 && !shown)
    g_list_store_append (self->all_store, self->all_inboxes);
  else if (real < 2 && shown)
    g_list_store_remove_all (self->all_store);

  /* Accounts came or went: merge the inboxes there are now. */
  if (self->merged_list != NULL)
    {
      g_clear_object (&self->merged_list);
      if (real >= 2)
        show_all_inboxes (self);
      else
        {
          set_message_model (self, NULL);
          petrel_reader_show_message (self->reader, NULL);
        }
    }
  queue_all_unread (self);
}

/* Accounts */

static void queue_mail_check (PetrelWindow  *self,
                              PetrelAccount *account);

static void
on_state_store_changed_cb (PetrelAccountState *state,
                           PetrelWindow       *self)
{
  PetrelMessageList *list = self->folder_list;

  if (list != NULL && petrel_message_list_get_account (list) ==
      petrel_account_state_get_account (state))
    petrel_message_list_refresh (list);
  if (self->merged_list != NULL)
    {
      PetrelMessageList *source =
        petrel_merged_list_find_source (self->merged_list,
                                        petrel_account_state_get_account (state));

      if (source != NULL)
        petrel_message_list_refresh (source);
    }
  queue_all_unread (self);
  queue_mail_check (self, petrel_account_state_get_account (state));
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
  else if (self->merged_list != NULL)
    folder_gone = FALSE;
  if (folder_gone)
    {
      g_clear_object (&self->folder);
      g_clear_object (&self->folder_list);
      g_clear_object (&self->search_list);
      set_message_model (self, NULL);
      petrel_reader_show_message (self->reader, NULL);
    }

  gtk_revealer_set_reveal_child (self->demo_banner, n_accounts == 0);
  update_all_inboxes_row (self);
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
          description = g_strdup_printf (_("Add an account to read your mail here.\n\nThe demo "
                                           "mailbox could not be opened: %s"), error->message);
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
  CHANGE_COPY,
  CHANGE_DELETE,
  CHANGE_FOLDER_CREATE,
  CHANGE_FOLDER_RENAME,
  CHANGE_FOLDER_DELETE,
  CHANGE_FOLDER_READ,
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
  char          *destination;  /* CHANGE_MOVE, CHANGE_COPY */
  PetrelAccount *to_account;   /* owned, nullable: CHANGE_MOVE, CHANGE_COPY to another account,
                                * whose queue then holds the change (and its Undo) */
  gboolean       expunge;      /* CHANGE_DELETE */
  char          *toast;        /* nullable: shown with Undo once done */
  char          *path;         /* CHANGE_FOLDER_*: the folder */
  char          *new_path;     /* CHANGE_FOLDER_RENAME */
  char          *list_folder;  /* nullable: the folder listed when the change was made */
  GArray        *threads;      /* nullable, gint64: whole conversations the change is for */
  gboolean       all_folders;  /* @threads: their messages in every folder, not just
                                * @list_folder */
  guint          select_after; /* the row to select once the messages left, or G_MAXUINT */
  PetrelMessage *select_next;  /* owned, nullable: the message to select then */
  gint64         first_op;     /* the account's changes (first_op, last_op] are this one, */
  gint64         last_op;      /* which its toast's Undo takes back */
  struct _ChangeGroup *group;  /* owned ref, nullable: one change of several with one toast */
} Change;

/* Changes of several accounts made as one (All Inboxes' Mark All as Read): one toast once the
 * last is done, whose Undo takes back all of them. */
typedef struct _ChangeGroup
{
  guint            pending;    /* changes not done yet */
  char            *toast;
  GVariantBuilder  undo;       /* a(sxx): each account's queue ids */
  guint            n_undo;
} ChangeGroup;

static void
change_group_clear (gpointer data)
{
  ChangeGroup *group = data;

  g_free (group->toast);
  g_variant_builder_clear (&group->undo);
}

static ChangeGroup *
change_group_new (const char *toast)
{
  ChangeGroup *group = g_rc_box_new0 (ChangeGroup);

  group->toast = g_strdup (toast);
  g_variant_builder_init (&group->undo, G_VARIANT_TYPE ("a(sxx)"));
  return group;
}

static void
change_group_release (ChangeGroup *group)
{
  g_rc_box_release_full (group, change_group_clear);
}

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
  g_clear_object (&change->to_account);
  g_clear_pointer (&change->groups, g_ptr_array_unref);
  g_free (change->flag);
  g_free (change->destination);
  g_free (change->toast);
  g_free (change->path);
  g_free (change->new_path);
  g_free (change->list_folder);
  g_clear_pointer (&change->threads, g_array_unref);
  g_clear_object (&change->select_next);
  g_clear_pointer (&change->group, change_group_release);
  g_free (change);
}

/* The account whose queue holds the change: the target of a move to another account. */
static PetrelAccount *
change_undo_account (Change *change)
{
  return change->to_account != NULL ? change->to_account : change->account;
}

static void
change_add_uid (Change     *change,
                const char *folder,
                guint32     uid)
{
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

  for (guint i = 0; i < group->uids->len; i++)
    {
      if (g_array_index (group->uids, guint32, i) == uid)
        return;
    }
  g_array_append_val (group->uids, uid);
}

static void
change_add_message (Change        *change,
                    PetrelMessage *message)
{
  change_add_uid (change, petrel_message_get_folder_path (message),
                  petrel_message_get_uid (message));
}

/* On the worker: a collapsed conversation row stands for the conversation's messages in the
 * listed folder (moves, deletions), or in every folder (marking read). */
static gboolean
expand_threads (Change  *change,
                GError **error)
{
  PetrelStore *store = petrel_account_get_store (change->account, error);

  if (store == NULL)
    return FALSE;

  for (guint i = 0; i < change->threads->len; i++)
    {
      g_autoptr(GPtrArray) rows = NULL;

      rows = petrel_store_list_conversation (store, g_array_index (change->threads, gint64, i),
                                             error);
      if (rows == NULL)
        return FALSE;

      for (guint j = 0; j < rows->len; j++)
        {
          const PetrelStoreMessage *row = g_ptr_array_index (rows, j);

          if (row->folder_path == NULL)
            continue;
          if (change->all_folders || g_strcmp0 (row->folder_path, change->list_folder) == 0)
            change_add_uid (change, row->folder_path, row->uid);
        }
    }

  return TRUE;
}

static gboolean
mark_folder_read (Change  *change,
                  GError **error)
{
  PetrelStore *store = petrel_account_get_store (change->account, error);
  g_autoptr(PetrelStoreFolder) folder = NULL;
  g_autoptr(GArray) infos = NULL;
  g_autoptr(GArray) unread = g_array_new (FALSE, FALSE, sizeof (guint32));
  const char *seen[] = { "\\Seen", NULL };

  if (store == NULL ||
      (folder = petrel_store_get_folder_by_path (store, change->path, error)) == NULL ||
      (infos = petrel_store_list_uids (store, folder->id, error)) == NULL)
    return FALSE;

  for (guint i = 0; i < infos->len; i++)
    {
      const PetrelStoreUidInfo *info = &g_array_index (infos, PetrelStoreUidInfo, i);

      if ((info->flags & PETREL_STORE_FLAG_SEEN) == 0)
        g_array_append_val (unread, info->uid);
    }

  if (unread->len == 0)
    return TRUE;

  return petrel_changes_set_flags (change->account, change->path,
                                   (const guint32 *) (gpointer) unread->data, unread->len,
                                   seen, NULL, error);
}

static void
change_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  Change *change = task_data;
  GError *error = NULL;
  gboolean done = FALSE;
  gboolean ok = TRUE;

  /* The changes this one adds to the queue are those after the newest one now. */
  if (!petrel_changes_last_id (change_undo_account (change), &change->first_op, &error) ||
      (change->threads != NULL && !expand_threads (change, &error)))
    {
      g_task_return_error (task, error);
      return;
    }

  switch (change->kind)
    {
    case CHANGE_FOLDER_CREATE:
      ok = petrel_changes_create_folder (change->account, change->path, &error);
      done = TRUE;
      break;
    case CHANGE_FOLDER_RENAME:
      ok = petrel_changes_rename_folder (change->account, change->path, change->new_path,
                                         &error);
      done = TRUE;
      break;
    case CHANGE_FOLDER_DELETE:
      ok = petrel_changes_delete_folder (change->account, change->path, &error);
      done = TRUE;
      break;
    case CHANGE_FOLDER_READ:
      ok = mark_folder_read (change, &error);
      done = TRUE;
      break;
    case CHANGE_FLAGS:
    case CHANGE_MOVE:
    case CHANGE_COPY:
    case CHANGE_DELETE:
    default:
      break;
    }

  for (guint i = 0; ok && !done && i < change->groups->len; i++)
    {
      FolderUids *group = g_ptr_array_index (change->groups, i);
      const guint32 *uids = (const guint32 *) (gpointer) group->uids->data;
      const char *flags[] = { change->flag, NULL };

      switch (change->kind)
        {
        case CHANGE_FLAGS:
          ok = petrel_changes_set_flags (change->account, group->folder, uids, group->uids->len,
                                         change->add ? flags : NULL,
                                         change->add ? NULL : flags, &error);
          break;
        case CHANGE_MOVE:
        case CHANGE_COPY:
          if (change->to_account != NULL)
            ok = petrel_changes_move_to_account (change->account, group->folder, uids,
                                                 group->uids->len, change->to_account,
                                                 change->destination,
                                                 change->kind == CHANGE_COPY
                                                   ? PETREL_CHANGES_TRANSFER_COPY
                                                   : PETREL_CHANGES_TRANSFER_NONE,
                                                 NULL, cancellable, &error);
          else if (change->kind == CHANGE_MOVE)
            ok = petrel_changes_move (change->account, group->folder, uids, group->uids->len,
                                      change->destination, &error);
          else
            ok = petrel_changes_copy (change->account, group->folder, uids, group->uids->len,
                                      change->destination, &error);
          break;
        case CHANGE_DELETE:
          ok = petrel_changes_delete (change->account, group->folder, uids, group->uids->len,
                                      change->expunge, &error);
          break;
        case CHANGE_FOLDER_CREATE:
        case CHANGE_FOLDER_RENAME:
        case CHANGE_FOLDER_DELETE:
        case CHANGE_FOLDER_READ:
        default:
          g_assert_not_reached ();
        }
    }

  if (!ok)
    {
      g_task_return_error (task, error);
      return;
    }

  /* Without the ids the toast simply offers no Undo. */
  if (!petrel_changes_last_id (change_undo_account (change), &change->last_op, NULL))
    change->last_op = change->first_op;

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

/* A toast whose Undo takes back exactly @change (not whatever the account changed last, such
 * as the next message being marked read meanwhile). */
static void
show_change_toast (PetrelWindow *self,
                   Change       *change)
{
  AdwToast *toast = adw_toast_new (change->toast);

  g_debug ("Change “%s”: queue ids %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT,
           change->toast, change->first_op, change->last_op);

  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  if (change->last_op > change->first_op && change->kind != CHANGE_FOLDER_DELETE)
    {
      adw_toast_set_button_label (toast, _("_Undo"));
      g_clear_pointer (&self->last_undo, g_variant_unref);
      self->last_undo = g_variant_ref_sink (g_variant_new ("(sxx)",
                                                           petrel_account_get_id (
                                                             change_undo_account (change)),
                                                           change->first_op, change->last_op));
      adw_toast_set_action_name (toast, "win.undo-change");
      adw_toast_set_action_target_value (toast, self->last_undo);
    }
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* One change of @group is done (or failed): once all are, its toast. */
static void
change_group_done (PetrelWindow *self,
                   ChangeGroup  *group)
{
  AdwToast *toast;

  g_assert (group->pending > 0);
  if (--group->pending > 0)
    return;

  toast = adw_toast_new (group->toast);
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  if (group->n_undo > 0)
    {
      adw_toast_set_button_label (toast, _("_Undo"));
      g_clear_pointer (&self->last_undo, g_variant_unref);
      self->last_undo = g_variant_ref_sink (g_variant_builder_end (&group->undo));
      adw_toast_set_action_name (toast, "win.undo-changes");
      adw_toast_set_action_target_value (toast, self->last_undo);
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

/* The moved messages are gone from the store: select the one after them. The list may not have
 * been read again yet; the message is found where it is now, and reselect_message() follows it
 * when the list changes. */
static void
select_next_message (PetrelWindow *self,
                     Change       *change)
{
  GtkSelectionModel *model = GTK_SELECTION_MODEL (self->message_selection);
  g_autoptr(GtkBitset) selected = gtk_selection_model_get_selection (model);
  PetrelMessageList *list = current_list (self);
  guint position = G_MAXUINT;

  if (!gtk_bitset_is_empty (selected) || list == NULL)
    return;

  if (change->select_next != NULL)
    position = find_position (self, change->select_next);
  if (position != G_MAXUINT)
    {
      gtk_selection_model_select_item (model, position, TRUE);
      gtk_widget_activate_action (GTK_WIDGET (self->message_view), "list.scroll-to-item", "u",
                                  position);
    }
  else
    /* Not read from the store: the row that takes the moved ones' place, once they left. */
    self->select_after = change->select_after;
}

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
      if (change->group != NULL)
        change_group_done (self, change->group);
    }
  else
    {
      if (change->group != NULL)
        {
          if (change->last_op > change->first_op)
            {
              g_variant_builder_add (&change->group->undo, "(sxx)",
                                     petrel_account_get_id (change_undo_account (change)),
                                     change->first_op, change->last_op);
              change->group->n_undo++;
            }
          change_group_done (self, change->group);
        }
      if (change->toast != NULL)
        show_change_toast (self, change);
      /* Like Geary: once moved messages leave the list, the next one is selected. */
      if (change->select_after != G_MAXUINT)
        select_next_message (self, change);
    }

  refresh_account (self, change->account);
  /* Between accounts the target's replay goes first: the source deletes only what it has. */
  if (change->to_account != NULL)
    refresh_account (self, change->to_account);
  if (error == NULL && change->to_account != NULL)
    start_replay (self, change->to_account);
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

  PetrelMessageList *list = current_list (self);
  /* A collapsed conversation row stands for its messages; starring stars the row's message. */
  gboolean threads = list != NULL && petrel_message_list_get_conversations (list) &&
                     !(kind == CHANGE_FLAGS && message == NULL);

  change->kind = kind;
  change->groups = g_ptr_array_new_with_free_func (folder_uids_free);
  change->select_after = G_MAXUINT;
  if (list != NULL)
    change->list_folder = g_strdup (petrel_message_list_get_folder_path (list));
  if (threads)
    change->threads = g_array_new (FALSE, FALSE, sizeof (gint64));
  change->all_folders = kind == CHANGE_FLAGS;
  if (self->change_account != NULL && message == NULL)
    change->account = g_object_ref (self->change_account);

  if (message != NULL)
    {
      change->account = g_object_ref (petrel_message_get_account (message));
      change_add_message (change, message);
      if (threads && petrel_message_get_conversation_id (message) != 0)
        {
          gint64 id = petrel_message_get_conversation_id (message);

          g_array_append_val (change->threads, id);
        }
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
        {
          change_add_message (change, item);
          if (change->threads != NULL && petrel_message_get_conversation_id (item) != 0)
            {
              gint64 id = petrel_message_get_conversation_id (item);

              g_array_append_val (change->threads, id);
            }
        }
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
  /* Moved messages leave the list: show none rather than one that is gone, until the list
   * has lost them and the row after them can be selected. */
  if (change->kind == CHANGE_MOVE || change->kind == CHANGE_DELETE)
    {
      g_autoptr(GtkBitset) selected =
        gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->message_selection));

      GListModel *model = G_LIST_MODEL (self->message_selection);
      guint n = g_list_model_get_n_items (model);

      /* Like Geary: the message below the moved ones (or above them at the end). */
      if (!gtk_bitset_is_empty (selected))
        {
          guint next = gtk_bitset_get_maximum (selected) + 1;

          if (next >= n && gtk_bitset_get_minimum (selected) > 0)
            next = gtk_bitset_get_minimum (selected) - 1;
          if (next < n && !gtk_bitset_contains (selected, next))
            {
              g_autoptr(PetrelMessage) item = g_list_model_get_item (model, next);

              if (item != NULL && petrel_message_is_loaded (item))
                change->select_next = g_object_ref (item);
            }
          change->select_after = gtk_bitset_get_minimum (selected);
        }
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

/* A collapsed conversation row is read when all of its messages are. */
static gboolean
conversation_read (PetrelMessage *message)
{
  return petrel_message_get_seen (message) &&
         petrel_message_get_conversation_unread (message) == 0;
}

typedef gboolean (*MessageTest) (PetrelMessage *message);

static MessageTest
read_test (PetrelWindow *self)
{
  PetrelMessageList *list = current_list (self);

  if (list != NULL && petrel_message_list_get_conversations (list))
    return conversation_read;

  return petrel_message_get_seen;
}

static void
append_menu_item (GMenu      *menu,
                  const char *label,
                  const char *action,
                  const char *accel)
{
  g_autoptr(GMenuItem) item = g_menu_item_new (label, action);

  /* The window's shortcuts are widget bindings, not application accels: say them here. */
  if (accel != NULL)
    g_menu_item_set_attribute (item, "accel", "s", accel);
  g_menu_append_item (menu, item);
}

/* The More Actions menu's first items say what they would do to the selection. */
static void
update_flag_section (PetrelWindow *self,
                     gboolean      seen,
                     gboolean      unstarred)
{
  if (g_menu_model_get_n_items (G_MENU_MODEL (self->flag_section)) > 0 &&
      seen == self->flag_seen && unstarred == self->flag_unstarred)
    return;

  self->flag_seen = seen;
  self->flag_unstarred = unstarred;
  g_menu_remove_all (self->flag_section);
  append_menu_item (self->flag_section, seen ? _("Mark as _Unread") : _("Mark as _Read"),
                    "win.toggle-unread", "u");
  append_menu_item (self->flag_section, unstarred ? _("_Star") : _("Un_star"),
                    "win.toggle-star", "s");
}

/* A narrow reading pane has no room for Reply to All and Forward: the menu offers them. */
static void
on_inner_folded_cb (PetrelWindow *self)
{
  g_menu_remove_all (self->narrow_section);
  if (adw_leaflet_get_folded (self->inner_leaflet))
    {
      append_menu_item (self->narrow_section, _("Reply to _All"), "win.reply-all", "<Shift>r");
      append_menu_item (self->narrow_section, _("_Forward"), "win.forward", "f");
    }
}

static gboolean
invert_boolean (gpointer user_data,
                gboolean value)
{
  return !value;
}

static void
build_more_menu (PetrelWindow *self)
{
  g_autoptr(GMenu) move = g_menu_new ();
  g_autoptr(GMenu) forward = g_menu_new ();

  self->more_menu = g_menu_new ();
  self->flag_section = g_menu_new ();
  self->narrow_section = g_menu_new ();
  g_menu_append_section (self->more_menu, NULL, G_MENU_MODEL (self->narrow_section));
  g_signal_connect_object (self->inner_leaflet, "notify::folded",
                           G_CALLBACK (on_inner_folded_cb), self, G_CONNECT_SWAPPED);
  update_flag_section (self, TRUE, TRUE);
  g_menu_append_section (self->more_menu, NULL, G_MENU_MODEL (self->flag_section));
  append_menu_item (move, _("_Move To…"), "win.move-to-menu", NULL);
  append_menu_item (move, _("Move to _Junk"), "win.junk", "exclam");
  g_menu_append_section (self->more_menu, NULL, G_MENU_MODEL (move));
  append_menu_item (forward, _("Forward as _Attachment"), "win.forward-attachment", NULL);
  g_menu_append_section (self->more_menu, NULL, G_MENU_MODEL (forward));
  gtk_menu_button_set_menu_model (self->more_button, G_MENU_MODEL (self->more_menu));
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
  PetrelFolder *junk = find_role_folder (self, account, PETREL_STORE_FOLDER_ROLE_JUNK);
  const char *folder = selection_folder (self);
  gboolean unstarred = any && selection_any (self, petrel_message_get_flagged, FALSE);
  gboolean seen = any && selection_any (self, read_test (self), TRUE);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.archive",
                                 any && archive != NULL &&
                                 g_strcmp0 (folder, petrel_folder_get_path (archive)) != 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.junk",
                                 any && junk != NULL &&
                                 g_strcmp0 (folder, petrel_folder_get_path (junk)) != 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.delete", any);
  /* Replies need a real account: not to the demo mailbox's samples, not to nothing. */
  {
    PetrelMessage *shown = petrel_reader_get_message (self->reader);
    gboolean can_reply = any && shown != NULL &&
                         !petrel_demo_is_demo (petrel_message_get_account (shown));
    const char *reply_actions[] = { "win.reply", "win.reply-all", "win.forward",
                                    "win.forward-attachment" };

    for (guint i = 0; i < G_N_ELEMENTS (reply_actions); i++)
      gtk_widget_action_set_enabled (GTK_WIDGET (self), reply_actions[i], can_reply);
  }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.toggle-star", any);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.toggle-unread", any);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.move-to-menu", any);

  if (self->flag_section != NULL)
    update_flag_section (self, !any || seen, !any || unstarred);
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

/* Whether opening @message has something to mark read: a collapsed conversation is read when
 * all its messages are. */
static gboolean
message_needs_reading (PetrelWindow  *self,
                       PetrelMessage *message)
{
  PetrelMessageList *list = current_list (self);

  if (!petrel_message_get_seen (message))
    return TRUE;

  return list != NULL && petrel_message_list_get_conversations (list) &&
         petrel_message_get_conversation_unread (message) > 0;
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
      !message_needs_reading (self, message) || petrel_message_get_folder_path (message) == NULL)
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

  if (message == NULL || !message_needs_reading (self, message))
    return;

  self->mark_read_message = g_object_ref (message);
  self->mark_read_id = g_timeout_add (MARK_READ_DELAY_MS, mark_read_timeout_cb, self);
}

/* The accounts of the selected messages (All Inboxes mixes them), at least one entry: NULL
 * when no selected row is read yet. */
static GPtrArray *
selection_accounts (PetrelWindow *self)
{
  GtkSelectionModel *model = GTK_SELECTION_MODEL (self->message_selection);
  g_autoptr(GtkBitset) selected = gtk_selection_model_get_selection (model);
  GPtrArray *accounts = g_ptr_array_new_with_free_func (g_object_unref);
  GtkBitsetIter iter;
  guint position;

  for (gboolean more = gtk_bitset_iter_init_first (&iter, selected, &position); more;
       more = gtk_bitset_iter_next (&iter, &position))
    {
      g_autoptr(PetrelMessage) item = g_list_model_get_item (G_LIST_MODEL (model), position);

      if (item != NULL && petrel_message_get_folder_path (item) != NULL &&
          !g_ptr_array_find (accounts, petrel_message_get_account (item), NULL))
        g_ptr_array_add (accounts, g_object_ref (petrel_message_get_account (item)));
    }

  if (accounts->len == 0)
    g_ptr_array_add (accounts, NULL);

  return accounts;
}

/* One change per account of the selection, all taken before the first is queued (queueing a
 * move clears the selection). */
typedef Change *(*ChangeBuilder) (PetrelWindow *self,
                                  gpointer      data);

static void
queue_per_account (PetrelWindow  *self,
                   ChangeBuilder  build,
                   gpointer       data)
{
  g_autoptr(GPtrArray) accounts = selection_accounts (self);
  g_autoptr(GPtrArray) changes = g_ptr_array_new ();

  for (guint i = 0; i < accounts->len; i++)
    {
      Change *change;

      self->change_account = g_ptr_array_index (accounts, i);
      change = build (self, data);
      self->change_account = NULL;
      if (change != NULL)
        g_ptr_array_add (changes, change);
    }

  for (guint i = 0; i < changes->len; i++)
    queue_change (self, g_ptr_array_index (changes, i));
}

/* A move of the selection to the account's folder of @role (Archive, Junk), or NULL after
 * saying, in @missing, that the account has none. */
static Change *
move_to_role_change (PetrelWindow          *self,
                     PetrelStoreFolderRole  role,
                     const char            *missing)
{
  Change *change = change_new (self, CHANGE_MOVE, NULL);
  PetrelFolder *destination;

  if (change == NULL)
    return NULL;

  destination = find_role_folder (self, change->account, role);
  if (destination == NULL)
    {
      show_toast (self, missing, NULL);
      change_free (change);
      return NULL;
    }

  change->destination = g_strdup (petrel_folder_get_path (destination));
  return change;
}

static Change *
archive_change (PetrelWindow *self,
                gpointer      data)
{
  Change *change = move_to_role_change (self, PETREL_STORE_FOLDER_ROLE_ARCHIVE,
                                        _("This account has no Archive folder"));
  guint n;

  if (change == NULL)
    return NULL;

  n = change_count (change);
  change->toast = n == 1 ? g_strdup (_("Archived"))
                         : g_strdup_printf (ngettext ("%u message archived",
                                                      "%u messages archived", n), n);
  return change;
}

static Change *
junk_change (PetrelWindow *self,
             gpointer      data)
{
  Change *change = move_to_role_change (self, PETREL_STORE_FOLDER_ROLE_JUNK,
                                        _("This account has no Junk folder"));
  guint n;

  if (change == NULL)
    return NULL;

  n = change_count (change);
  change->toast = n == 1 ? g_strdup (_("Moved to Junk"))
                         : g_strdup_printf (ngettext ("%u message moved to Junk",
                                                      "%u messages moved to Junk", n), n);
  return change;
}

static void
junk_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  queue_per_account (PETREL_WINDOW (widget), junk_change, NULL);
}

static void
archive_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  queue_per_account (PETREL_WINDOW (widget), archive_change, NULL);
}

static Change *
delete_change (PetrelWindow *self,
               gpointer      data)
{
  Change *change = change_new (self, CHANGE_DELETE, NULL);
  PetrelFolder *trash;
  const char *folder;
  guint n;

  if (change == NULL)
    return NULL;

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
  return change;
}

static void
delete_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  queue_per_account (PETREL_WINDOW (widget), delete_change, NULL);
}

static Change *
star_change (PetrelWindow *self,
             gpointer      data)
{
  Change *change = change_new (self, CHANGE_FLAGS, NULL);

  if (change == NULL)
    return NULL;

  change->flag = g_strdup ("\\Flagged");
  change->add = GPOINTER_TO_INT (data);
  return change;
}

static void
toggle_star_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  PetrelWindow *self = PETREL_WINDOW (widget);
  gboolean add = selection_any (self, petrel_message_get_flagged, FALSE);

  queue_per_account (self, star_change, GINT_TO_POINTER (add));
}

static Change *
unread_change (PetrelWindow *self,
               gpointer      data)
{
  gboolean mark_unread = GPOINTER_TO_INT (data);
  Change *change = change_new (self, CHANGE_FLAGS, NULL);

  if (change == NULL)
    return NULL;

  /* Marking a collapsed conversation read marks all of it; unread, only its row's message. */
  if (!mark_unread && current_list (self) != NULL &&
      petrel_message_list_get_conversations (current_list (self)))
    {
      GtkSelectionModel *model = GTK_SELECTION_MODEL (self->message_selection);
      g_autoptr(GtkBitset) selected = gtk_selection_model_get_selection (model);
      GtkBitsetIter iter;
      guint position;

      change->threads = g_array_new (FALSE, FALSE, sizeof (gint64));
      for (gboolean more = gtk_bitset_iter_init_first (&iter, selected, &position); more;
           more = gtk_bitset_iter_next (&iter, &position))
        {
          g_autoptr(PetrelMessage) item = g_list_model_get_item (G_LIST_MODEL (model), position);
          gint64 id = item != NULL ? petrel_message_get_conversation_id (item) : 0;

          if (id != 0 && petrel_message_get_account (item) == change->account)
            g_array_append_val (change->threads, id);
        }
    }

  change->flag = g_strdup ("\\Seen");
  change->add = !mark_unread;
  return change;
}

static void
toggle_unread_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  PetrelWindow *self = PETREL_WINDOW (widget);
  gboolean mark_unread = selection_any (self, read_test (self), TRUE);

  /* Someone who marks the open message unread does not want it read again a second later. */
  g_clear_handle_id (&self->mark_read_id, g_source_remove);
  g_clear_object (&self->mark_read_message);

  queue_per_account (self, unread_change, GINT_TO_POINTER (mark_unread));
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
  /* A move between accounts taken back also puts messages back in the other account. Once
   * replayed, it is taken back by a move back, with a half in each account's queue: the other
   * account's half goes first (the target appends), then this one's again (the source
   * deletes). */
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->states)); i++)
    {
      g_autoptr(PetrelAccountState) state = g_list_model_get_item (G_LIST_MODEL (self->states),
                                                                   i);
      PetrelAccount *other = petrel_account_state_get_account (state);

      if (other == PETREL_ACCOUNT (object))
        continue;
      petrel_account_state_refresh (state);
      if (description != NULL && !petrel_demo_is_demo (other) &&
          petrel_changes_has_pending_between_accounts (other))
        {
          start_replay (self, other);
          start_replay (self, PETREL_ACCOUNT (object));
        }
    }
}

static void
undo_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  PetrelWindow *self = PETREL_WINDOW (widget);
  PetrelAccountState *state = find_state_by_id (self, g_variant_get_string (parameter, NULL));

  if (state != NULL)
    petrel_account_undo_async (petrel_account_state_get_account (state),
                               !petrel_account_state_get_demo (state),
                               self->cancellable, undo_cb, g_object_ref (self));
}

/* The Undo of a toast: exactly that toast's change. */
static void
undo_change_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  PetrelWindow *self = PETREL_WINDOW (widget);
  const char *id = NULL;
  gint64 first_op, last_op;
  PetrelAccountState *state;

  g_variant_get (parameter, "(&sxx)", &id, &first_op, &last_op);
  if (self->last_undo != NULL && g_variant_equal (self->last_undo, parameter))
    g_clear_pointer (&self->last_undo, g_variant_unref);
  state = find_state_by_id (self, id);
  if (state == NULL)
    return;

  petrel_account_undo_range_async (petrel_account_state_get_account (state), first_op, last_op,
                                   !petrel_account_state_get_demo (state), self->cancellable,
                                   undo_cb, g_object_ref (self));
}

/* The Undo of a toast for changes of several accounts: each account's part. */
static void
undo_changes_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  PetrelWindow *self = PETREL_WINDOW (widget);
  GVariantIter iter;
  const char *id = NULL;
  gint64 first_op, last_op;

  if (self->last_undo != NULL && g_variant_equal (self->last_undo, parameter))
    g_clear_pointer (&self->last_undo, g_variant_unref);

  g_variant_iter_init (&iter, parameter);
  while (g_variant_iter_next (&iter, "(&sxx)", &id, &first_op, &last_op))
    {
      PetrelAccountState *state = find_state_by_id (self, id);

      if (state != NULL)
        petrel_account_undo_range_async (petrel_account_state_get_account (state), first_op,
                                         last_op, !petrel_account_state_get_demo (state),
                                         self->cancellable, undo_cb, g_object_ref (self));
    }
}

/* Move to…: the account's folders, the keyboard way of dragging messages to one; with
 * @account_id, those of another account (the rows remember which). */
static void
add_move_rows (PetrelWindow *self,
               GListModel   *folders,
               const char   *current,
               const char   *account_id,
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
      if (account_id != NULL)
        g_object_set_data_full (G_OBJECT (row), "petrel-account-id", g_strdup (account_id),
                                g_free);
      gtk_widget_set_sensitive (row, account_id != NULL ||
                                     g_strcmp0 (current, petrel_folder_get_path (folder)) != 0);
      gtk_list_box_append (self->move_list, row);

      add_move_rows (self, petrel_folder_get_children (folder), current, account_id, depth + 1);
    }
}

static void
fill_move_list (PetrelWindow *self)
{
  PetrelMessageList *list = current_list (self);
  PetrelAccountState *state = NULL;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->move_list))) != NULL)
    gtk_list_box_remove (self->move_list, child);

  if (list != NULL)
    state = find_state (self, petrel_message_list_get_account (list));
  if (state == NULL)
    return;
  add_move_rows (self, G_LIST_MODEL (petrel_account_state_get_folders (state)),
                 selection_folder (self), NULL, 0);

  /* Then the other accounts' folders, each under the account's name. */
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->states)); i++)
    {
      g_autoptr(PetrelAccountState) other = g_list_model_get_item (G_LIST_MODEL (self->states),
                                                                   i);
      GtkWidget *header;
      GtkWidget *label;

      if (other == state || petrel_account_state_get_demo (other) !=
                            petrel_account_state_get_demo (state))
        continue;
      header = gtk_list_box_row_new ();
      label = gtk_label_new (petrel_account_state_get_title (other));
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_add_css_class (label, "heading");
      gtk_widget_set_margin_start (label, 6);
      gtk_widget_set_margin_top (label, 12);
      gtk_widget_set_margin_bottom (label, 3);
      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (header), label);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (header), FALSE);
      gtk_list_box_row_set_selectable (GTK_LIST_BOX_ROW (header), FALSE);
      gtk_list_box_append (self->move_list, header);
      add_move_rows (self, G_LIST_MODEL (petrel_account_state_get_folders (other)), NULL,
                     petrel_account_get_id (petrel_account_state_get_account (other)), 0);
    }
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

static void move_selection_to (PetrelWindow *self,
                               const char   *account_id,
                               const char   *path,
                               gboolean      copy);

static void
on_move_row_activated_cb (GtkListBox    *box,
                          GtkListBoxRow *row,
                          PetrelWindow  *self)
{
  const char *path = g_object_get_data (G_OBJECT (row), "petrel-folder-path");
  const char *account_id = g_object_get_data (G_OBJECT (row), "petrel-account-id");
  Change *change;
  guint n;

  gtk_popover_popdown (self->move_popover);
  /* A folder of another account: as if the messages were dropped on it. */
  if (account_id != NULL && path != NULL)
    {
      move_selection_to (self, account_id, path, FALSE);
      return;
    }
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

/* Move To… in the More Actions menu: the folders in a popover beside it. */
static void
move_to_menu_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  PetrelWindow *self = PETREL_WINDOW (widget);

  /* The rows first: the popover takes its size as it opens. */
  fill_move_list (self);
  gtk_popover_popup (self->move_popover);
}

static void
build_move_popover (PetrelWindow *self)
{
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *list = gtk_list_box_new ();

  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scrolled), TRUE);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scrolled), 400);
  gtk_scrolled_window_set_min_content_width (GTK_SCROLLED_WINDOW (scrolled), 200);
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Folders to Move To"), -1);
  g_signal_connect (list, "row-activated", G_CALLBACK (on_move_row_activated_cb), self);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), list);
  self->move_list = GTK_LIST_BOX (list);

  self->move_popover = GTK_POPOVER (gtk_popover_new ());
  gtk_popover_set_child (self->move_popover, scrolled);
  g_signal_connect_swapped (self->move_popover, "map", G_CALLBACK (on_move_popover_map_cb), self);
  gtk_widget_set_parent (GTK_WIDGET (self->move_popover), GTK_WIDGET (self->more_button));
}

/* New mail notifications (issue 8)
 *
 * After each store change of an account (a sync batch), a worker compares the inbox's newest
 * UID with the one seen before; unread messages above it are new mail. The first check of an
 * account only notes the UID: what was there at start is not news. A notification is sent when
 * the window is not focused and the notifications setting is on; one per account, replaced by
 * the next, so several messages make one grouped notification. Clicking it runs
 * app.show-message, which opens the newest of them. */

#define NOTIFY_MAX_LISTED 3

typedef struct
{
  PetrelAccount *account;     /* owned */
  char          *inbox;       /* owned */
  gboolean       baseline;    /* no UID seen yet: only note the newest */
  guint32        since;
  guint32        max_uid;     /* out */
  GPtrArray     *fresh;       /* out, owned; PetrelStoreMessage, newest first */
} MailCheck;

static void
mail_check_free (MailCheck *check)
{
  g_clear_object (&check->account);
  g_free (check->inbox);
  g_clear_pointer (&check->fresh, g_ptr_array_unref);
  g_free (check);
}

static void
mail_check_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  MailCheck *check = task_data;
  g_autoptr(PetrelStoreFolder) folder = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  GError *error = NULL;
  PetrelStore *store;

  store = petrel_account_get_store (check->account, &error);
  if (store == NULL ||
      (folder = petrel_store_get_folder_by_path (store, check->inbox, &error)) == NULL ||
      !petrel_store_get_max_uid (store, folder->id, &check->max_uid, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  check->fresh = g_ptr_array_new_with_free_func ((GDestroyNotify) petrel_store_message_free);
  if (!check->baseline && check->max_uid > check->since)
    {
      rows = petrel_store_list_messages (store, folder->id, 0, 50, &error);
      if (rows == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
      for (guint i = 0; i < rows->len; i++)
        {
          PetrelStoreMessage *row = g_ptr_array_index (rows, i);

          if (row->uid > check->since && (row->flags & PETREL_STORE_FLAG_SEEN) == 0)
            g_ptr_array_add (check->fresh, petrel_store_message_copy (row));
        }
    }

  g_task_return_boolean (task, TRUE);
}

static const char *
sender_of (const PetrelStoreMessage *row)
{
  if (row->from_name != NULL && *row->from_name != '\0')
    return row->from_name;
  if (row->from_addr != NULL && *row->from_addr != '\0')
    return row->from_addr;
  return _("Unknown sender");
}

static const char *
subject_of (const PetrelStoreMessage *row)
{
  return row->subject != NULL && *row->subject != '\0' ? row->subject : _("(No subject)");
}

static void
notify_new_mail (PetrelWindow *self,
                 MailCheck    *check)
{
  GApplication *app = G_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
  g_autoptr(GNotification) notification = NULL;
  g_autoptr(GString) body = g_string_new (NULL);
  g_autofree char *id = NULL;
  g_autofree char *title = NULL;
  const PetrelStoreMessage *newest;
  guint n = check->fresh->len;

  /* A window hidden to run in the background may still count as active. */
  gboolean active = gtk_window_is_active (GTK_WINDOW (self)) &&
                    gtk_widget_get_visible (GTK_WIDGET (self));

  g_debug ("New mail in %s: %u (window %s)", petrel_account_get_id (check->account), n,
           active ? "active" : "not active");
  if (app == NULL || n == 0 || active ||
      (self->settings != NULL && !g_settings_get_boolean (self->settings, "notifications")))
    return;

  newest = g_ptr_array_index (check->fresh, 0);
  if (n == 1)
    {
      title = g_strdup (sender_of (newest));
      g_string_append (body, subject_of (newest));
    }
  else
    {
      title = g_strdup_printf (ngettext ("%u new message", "%u new messages", n), n);
      for (guint i = 0; i < n && i < NOTIFY_MAX_LISTED; i++)
        {
          const PetrelStoreMessage *row = g_ptr_array_index (check->fresh, i);

          /* Translators: one line of a new-mail notification: sender, then subject */
          g_string_append_printf (body, _("%s: %s"), sender_of (row), subject_of (row));
          g_string_append_c (body, '\n');
        }
      if (n > NOTIFY_MAX_LISTED)
        g_string_append_printf (body, ngettext ("and %u more", "and %u more",
                                                n - NOTIFY_MAX_LISTED), n - NOTIFY_MAX_LISTED);
      else
        g_string_truncate (body, body->len - 1);
    }

  notification = g_notification_new (title);
  g_notification_set_body (notification, body->str);
  g_notification_set_default_action_and_target (notification, "app.show-message", "(ssu)",
                                                petrel_account_get_id (check->account),
                                                check->inbox, newest->uid);
  /* One per account: newer mail replaces the notification rather than piling up. */
  id = g_strdup_printf ("new-mail-%s", petrel_account_get_id (check->account));
  g_application_send_notification (app, id, notification);
}

static void run_mail_check (PetrelWindow *self);

static void
mail_check_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  PetrelWindow *self = PETREL_WINDOW (object);
  MailCheck *check = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_debug ("Cannot look for new mail: %s", error->message);
    }
  else
    {
      g_hash_table_replace (self->inbox_uids,
                            g_strdup (petrel_account_get_id (check->account)),
                            GUINT_TO_POINTER (MAX (check->max_uid, check->since)));
      notify_new_mail (self, check);
    }

  self->mail_check_running = FALSE;
  run_mail_check (self);
}

static void
run_mail_check (PetrelWindow *self)
{
  g_autoptr(PetrelAccount) account = NULL;
  g_autoptr(GTask) task = NULL;
  PetrelFolder *inbox;
  MailCheck *check;
  gpointer since;

  if (self->mail_check_running || self->mail_checks->len == 0)
    return;

  account = g_ptr_array_steal_index (self->mail_checks, 0);
  inbox = find_role_folder (self, account, PETREL_STORE_FOLDER_ROLE_INBOX);
  if (inbox == NULL)
    {
      run_mail_check (self);
      return;
    }

  check = g_new0 (MailCheck, 1);
  check->account = g_object_ref (account);
  check->inbox = g_strdup (petrel_folder_get_path (inbox));
  check->baseline = !g_hash_table_lookup_extended (self->inbox_uids,
                                                   petrel_account_get_id (account), NULL,
                                                   &since);
  check->since = check->baseline ? 0 : GPOINTER_TO_UINT (since);

  self->mail_check_running = TRUE;
  task = g_task_new (self, self->cancellable, mail_check_cb, NULL);
  g_task_set_source_tag (task, run_mail_check);
  g_task_set_task_data (task, check, (GDestroyNotify) mail_check_free);
  g_task_run_in_thread (task, mail_check_thread);
}

static void
queue_mail_check (PetrelWindow  *self,
                  PetrelAccount *account)
{
  if (petrel_demo_is_demo (account))
    return;

  for (guint i = 0; i < self->mail_checks->len; i++)
    {
      if (g_ptr_array_index (self->mail_checks, i) == account)
        return;
    }

  g_ptr_array_add (self->mail_checks, g_object_ref (account));
  run_mail_check (self);
}

/* Opening a message from outside (a notification) */

typedef struct
{
  PetrelAccount *account;   /* owned */
  char          *folder;
  guint32        uid;
} WantedMessage;

static void
wanted_message_free (WantedMessage *wanted)
{
  g_clear_object (&wanted->account);
  g_free (wanted->folder);
  g_free (wanted);
}

static void
show_message_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  WantedMessage *wanted = task_data;
  g_autoptr(PetrelStoreFolder) folder = NULL;
  PetrelStoreMessage *row = NULL;
  GError *error = NULL;
  PetrelStore *store;

  store = petrel_account_get_store (wanted->account, &error);
  if (store != NULL)
    folder = petrel_store_get_folder_by_path (store, wanted->folder, &error);
  if (folder != NULL)
    row = petrel_store_get_message (store, folder->id, wanted->uid, &error);
  if (row == NULL)
    {
      if (error == NULL)
        error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                                     _("The message is no longer there"));
      g_task_return_error (task, error);
      return;
    }

  g_task_return_pointer (task, row, (GDestroyNotify) petrel_store_message_free);
}

static void
show_message_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  PetrelWindow *self = PETREL_WINDOW (object);
  WantedMessage *wanted = g_task_get_task_data (G_TASK (result));
  g_autoptr(PetrelStoreMessage) row = NULL;
  g_autoptr(PetrelMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  guint position;

  row = g_task_propagate_pointer (G_TASK (result), &error);
  if (row == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_toast (self, error->message, NULL);
      return;
    }

  message = petrel_message_new (wanted->account, wanted->folder, row);
  position = self->folder_list != NULL || self->merged_list != NULL
    ? find_position (self, message)
    : G_MAXUINT;
  if (position != G_MAXUINT)
    {
      gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->message_selection), position,
                                       TRUE);
      gtk_widget_activate_action (GTK_WIDGET (self->message_view), "list.scroll-to-item", "u",
                                  position);
    }
  else
    {
      petrel_reader_show_message (self->reader, message);
      watch_message (self, message);
      schedule_mark_read (self, message);
    }

  if (adw_leaflet_get_folded (self->outer_leaflet))
    adw_leaflet_set_visible_child (self->outer_leaflet, GTK_WIDGET (self->inner_leaflet));
  if (adw_leaflet_get_folded (self->inner_leaflet))
    adw_leaflet_set_visible_child (self->inner_leaflet, self->reader_pane);
}

/* Organising: drag and drop, the folder menu and their actions (issue 8)
 *
 * Every drop and every menu entry ends in one window action (win.move-to-folder,
 * win.move-folder, win.create-folder, win.rename-folder, win.delete-folder,
 * win.mark-folder-read), so the keyboard, the menus, drag and drop and the tests (over the
 * application's D-Bus action export) all take the same path. */

#define DRAG_MESSAGES "petrel-messages"
#define DRAG_FOLDER_PREFIX "petrel-folder\n"

static PetrelFolder *
find_folder (PetrelWindow *self,
             const char   *account_id,
             const char   *path)
{
  PetrelAccountState *state = find_state_by_id (self, account_id);

  if (state == NULL || path == NULL)
    return NULL;

  return petrel_folder_list_find (petrel_account_state_get_folders (state), path);
}

/* The folder an action's "(ss)" parameter (account id, path) names, or NULL. */
static PetrelFolder *
parameter_folder (PetrelWindow  *self,
                  GVariant      *parameter,
                  const char   **path)
{
  const char *account_id;

  g_variant_get (parameter, "(&s&s)", &account_id, path);
  return find_folder (self, account_id, *path);
}

static Change *
folder_change_new (PetrelWindow  *self,
                   ChangeKind     kind,
                   PetrelAccount *account,
                   const char    *path)
{
  Change *change = g_new0 (Change, 1);

  change->kind = kind;
  change->account = g_object_ref (account);
  change->groups = g_ptr_array_new_with_free_func (folder_uids_free);
  change->select_after = G_MAXUINT;
  change->path = g_strdup (path);

  return change;
}

static const char *
folder_basename (const char *path,
                 const char *delimiter)
{
  const char *last;

  if (delimiter == NULL || *delimiter == '\0')
    return path;

  last = g_strrstr (path, delimiter);
  return last != NULL ? last + strlen (delimiter) : path;
}

/* Moves (or, with @copy, copies) the selected messages to @path of the account @account_id. */
static void
move_selection_to (PetrelWindow *self,
                   const char   *account_id,
                   const char   *path,
                   gboolean      copy)
{
  Change *change = change_new (self, copy ? CHANGE_COPY : CHANGE_MOVE, NULL);
  PetrelFolder *folder;
  guint n;

  if (change == NULL)
    return;

  folder = find_folder (self, account_id, path);
  if (folder == NULL)
    {
      change_free (change);
      return;
    }
  if (petrel_folder_get_account (folder) != change->account)
    change->to_account = g_object_ref (petrel_folder_get_account (folder));
  if (!copy && change->to_account == NULL && g_strcmp0 (change->list_folder, path) == 0 &&
      self->search_list == NULL)
    {
      change_free (change);
      return;
    }

  n = change_count (change);
  change->destination = g_strdup (path);
  if (copy)
    /* Translators: %u messages copied to the folder named by %s */
    change->toast = g_strdup_printf (ngettext ("%u message copied to %s",
                                               "%u messages copied to %s", n),
                                     n, petrel_folder_get_label (folder));
  else
    /* Translators: %u messages moved to the folder named by %s */
    change->toast = g_strdup_printf (ngettext ("%u message moved to %s",
                                               "%u messages moved to %s", n),
                                     n, petrel_folder_get_label (folder));
  queue_change (self, change);
}

/* Makes the folder @path a subfolder of @new_parent ("" for the top level). */
static void
move_folder (PetrelWindow *self,
             const char   *account_id,
             const char   *path,
             const char   *new_parent)
{
  PetrelFolder *folder = find_folder (self, account_id, path);
  PetrelFolder *parent = NULL;
  const char *delimiter;
  g_autofree char *new_path = NULL;
  g_autofree char *prefix = NULL;
  Change *change;

  if (folder == NULL || petrel_folder_get_role (folder) == PETREL_STORE_FOLDER_ROLE_INBOX)
    return;

  delimiter = petrel_folder_get_delimiter (folder);
  if (new_parent != NULL && *new_parent != '\0')
    {
      parent = find_folder (self, account_id, new_parent);
      if (parent == NULL)
        return;
    }

  if (parent == NULL)
    new_path = g_strdup (folder_basename (path, delimiter));
  else if (delimiter == NULL || *delimiter == '\0')
    {
      show_toast (self, _("This server does not have subfolders"), NULL);
      return;
    }
  else
    new_path = g_strconcat (new_parent, delimiter, folder_basename (path, delimiter), NULL);

  /* Into itself or one of its own subfolders, or where it already is. */
  prefix = g_strconcat (path, delimiter != NULL ? delimiter : "", NULL);
  if (g_strcmp0 (new_path, path) == 0 || g_strcmp0 (new_parent, path) == 0 ||
      (new_parent != NULL && g_str_has_prefix (new_parent, prefix)))
    return;

  if (find_folder (self, account_id, new_path) != NULL)
    {
      show_toast (self, _("There is already a folder with that name there"), NULL);
      return;
    }

  change = folder_change_new (self, CHANGE_FOLDER_RENAME, petrel_folder_get_account (folder),
                              path);
  change->new_path = g_steal_pointer (&new_path);
  change->toast = parent != NULL
    /* Translators: a folder %s was moved into the folder %s */
    ? g_strdup_printf (_("“%s” moved to “%s”"), petrel_folder_get_label (folder),
                       petrel_folder_get_label (parent))
    : g_strdup_printf (_("“%s” moved to the top level"), petrel_folder_get_label (folder));
  queue_change (self, change);
}

static void
move_to_folder_activated (GSimpleAction *action,
                          GVariant      *parameter,
                          gpointer       user_data)
{
  const char *account_id, *path;
  gboolean copy;

  g_variant_get (parameter, "(&s&sb)", &account_id, &path, &copy);
  move_selection_to (PETREL_WINDOW (user_data), account_id, path, copy);
}

static void
move_folder_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  const char *account_id, *path, *parent;

  g_variant_get (parameter, "(&s&s&s)", &account_id, &path, &parent);
  move_folder (PETREL_WINDOW (user_data), account_id, path, parent);
}

static void
create_folder_activated (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  PetrelWindow *self = PETREL_WINDOW (user_data);
  const char *account_id, *path;
  PetrelAccountState *state;
  Change *change;

  g_variant_get (parameter, "(&s&s)", &account_id, &path);
  state = find_state_by_id (self, account_id);
  if (state == NULL || *path == '\0' || find_folder (self, account_id, path) != NULL)
    return;

  change = folder_change_new (self, CHANGE_FOLDER_CREATE,
                              petrel_account_state_get_account (state), path);
  /* Translators: %s is the new folder's name */
  change->toast = g_strdup_printf (_("Folder “%s” created"), path);
  queue_change (self, change);
}

static void
rename_folder_activated (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  PetrelWindow *self = PETREL_WINDOW (user_data);
  const char *account_id, *path, *new_path;
  PetrelFolder *folder;
  Change *change;

  g_variant_get (parameter, "(&s&s&s)", &account_id, &path, &new_path);
  folder = find_folder (self, account_id, path);
  if (folder == NULL || *new_path == '\0' || g_strcmp0 (path, new_path) == 0 ||
      petrel_folder_get_role (folder) == PETREL_STORE_FOLDER_ROLE_INBOX)
    return;
  if (find_folder (self, account_id, new_path) != NULL)
    {
      show_toast (self, _("There is already a folder with that name there"), NULL);
      return;
    }

  change = folder_change_new (self, CHANGE_FOLDER_RENAME, petrel_folder_get_account (folder),
                              path);
  change->new_path = g_strdup (new_path);
  /* Translators: a folder was renamed; %s is its new name */
  change->toast = g_strdup_printf (_("Folder renamed to “%s”"),
                                   folder_basename (new_path,
                                                    petrel_folder_get_delimiter (folder)));
  queue_change (self, change);
}

static void
delete_folder_activated (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  PetrelWindow *self = PETREL_WINDOW (user_data);
  const char *path;
  PetrelFolder *folder = parameter_folder (self, parameter, &path);
  Change *change;

  if (folder == NULL || petrel_folder_get_role (folder) == PETREL_STORE_FOLDER_ROLE_INBOX)
    return;

  change = folder_change_new (self, CHANGE_FOLDER_DELETE, petrel_folder_get_account (folder),
                              path);
  /* Translators: %s is the deleted folder's name */
  change->toast = g_strdup_printf (_("Folder “%s” deleted"), petrel_folder_get_label (folder));
  queue_change (self, change);
}

static void
mark_folder_read_activated (GSimpleAction *action,
                            GVariant      *parameter,
                            gpointer       user_data)
{
  PetrelWindow *self = PETREL_WINDOW (user_data);
  const char *path;
  PetrelFolder *folder = parameter_folder (self, parameter, &path);
  Change *change;

  if (folder == NULL || petrel_folder_get_unread (folder) == 0)
    return;

  change = folder_change_new (self, CHANGE_FOLDER_READ, petrel_folder_get_account (folder),
                              path);
  /* Translators: %s is a folder's name */
  change->toast = g_strdup_printf (_("All messages in “%s” marked read"),
                                   petrel_folder_get_label (folder));
  queue_change (self, change);
}

/* All Inboxes' Mark All as Read: every real account's inbox, with one toast and one Undo. */
static void
mark_all_inboxes_read_activated (GSimpleAction *action,
                                 GVariant      *parameter,
                                 gpointer       user_data)
{
  PetrelWindow *self = PETREL_WINDOW (user_data);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->states));
  ChangeGroup *group = change_group_new (_("All inboxes marked read"));
  g_autoptr(GPtrArray) changes = g_ptr_array_new ();

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PetrelAccountState) state = g_list_model_get_item (G_LIST_MODEL (self->states), i);
      PetrelFolder *inbox;
      Change *change;

      if (petrel_account_state_get_demo (state))
        continue;
      inbox = petrel_folder_list_find_role (petrel_account_state_get_folders (state),
                                            PETREL_STORE_FOLDER_ROLE_INBOX);
      if (inbox == NULL || petrel_folder_get_unread (inbox) == 0)
        continue;

      change = folder_change_new (self, CHANGE_FOLDER_READ, petrel_folder_get_account (inbox),
                                  petrel_folder_get_path (inbox));
      change->group = g_rc_box_acquire (group);
      group->pending++;
      g_ptr_array_add (changes, change);
    }

  for (guint i = 0; i < changes->len; i++)
    queue_change (self, g_ptr_array_index (changes, i));
  change_group_release (group);
}

/* Folder dialogs */

typedef struct
{
  PetrelWindow *window;      /* owned */
  char         *account_id;
  char         *path;        /* the folder (or the parent of a new one; "" for the top) */
  GtkEditable  *entry;       /* borrowed: the name */
  GtkDropDown  *dropdown;    /* borrowed: where to move it */
  GPtrArray    *targets;     /* owned, char *: the dropdown's folder paths */
} FolderDialog;

static void
folder_dialog_free (FolderDialog *data)
{
  g_clear_object (&data->window);
  g_free (data->account_id);
  g_free (data->path);
  g_clear_pointer (&data->targets, g_ptr_array_unref);
  g_free (data);
}

static void
folder_dialog_closure_free (gpointer  data,
                            GClosure *closure)
{
  folder_dialog_free (data);
}

static void
activate_window_action (PetrelWindow *self,
                        const char   *name,
                        GVariant     *parameter)
{
  g_action_group_activate_action (G_ACTION_GROUP (self), name, parameter);
}

static void
on_folder_dialog_response_cb (AdwMessageDialog *dialog,
                              const char       *response,
                              FolderDialog     *data)
{
  PetrelWindow *self = data->window;
  PetrelFolder *folder = find_folder (self, data->account_id, data->path);
  const char *delimiter = folder != NULL ? petrel_folder_get_delimiter (folder) : NULL;
  g_autofree char *name = NULL;

  if (data->entry != NULL)
    name = g_strstrip (g_strdup (gtk_editable_get_text (data->entry)));

  if (g_str_equal (response, "create") && name != NULL && *name != '\0')
    {
      g_autofree char *path = NULL;

      path = *data->path == '\0' || delimiter == NULL || *delimiter == '\0'
        ? g_strdup (name) : g_strconcat (data->path, delimiter, name, NULL);
      activate_window_action (self, "create-folder",
                              g_variant_new ("(ss)", data->account_id, path));
    }
  else if (g_str_equal (response, "rename") && name != NULL && *name != '\0' && folder != NULL)
    {
      const char *base = folder_basename (data->path, delimiter);
      g_autofree char *parent = g_strndup (data->path, base - data->path);
      g_autofree char *path = g_strconcat (parent, name, NULL);

      activate_window_action (self, "rename-folder",
                              g_variant_new ("(sss)", data->account_id, data->path, path));
    }
  else if (g_str_equal (response, "delete"))
    {
      activate_window_action (self, "delete-folder",
                              g_variant_new ("(ss)", data->account_id, data->path));
    }
  else if (g_str_equal (response, "move") && data->dropdown != NULL)
    {
      guint chosen = gtk_drop_down_get_selected (data->dropdown);

      if (chosen < data->targets->len)
        activate_window_action (self, "move-folder",
                                g_variant_new ("(sss)", data->account_id, data->path,
                                               (const char *) g_ptr_array_index (data->targets,
                                                                                 chosen)));
    }
}

static FolderDialog *
folder_dialog_new (PetrelWindow *self,
                   GVariant     *parameter)
{
  FolderDialog *data = g_new0 (FolderDialog, 1);

  data->window = g_object_ref (self);
  g_variant_get (parameter, "(ss)", &data->account_id, &data->path);

  return data;
}

static GtkWidget *
folder_dialog_show (PetrelWindow *self,
                    FolderDialog *data,
                    const char   *heading,
                    const char   *body,
                    const char   *response,
                    const char   *response_label,
                    AdwResponseAppearance appearance,
                    GtkWidget    *extra)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    response, response_label,
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), response,
                                              appearance);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), response);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  if (extra != NULL)
    adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), extra);
  g_signal_connect_data (dialog, "response", G_CALLBACK (on_folder_dialog_response_cb), data,
                         folder_dialog_closure_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));

  return dialog;
}

static GtkWidget *
name_entry (FolderDialog *data,
            const char   *text)
{
  GtkWidget *entry = gtk_entry_new ();

  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_editable_set_text (GTK_EDITABLE (entry), text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Folder Name"), -1);
  data->entry = GTK_EDITABLE (entry);

  return entry;
}

static void
new_folder_dialog_activated (GSimpleAction *action,
                             GVariant      *parameter,
                             gpointer       user_data)
{
  PetrelWindow *self = PETREL_WINDOW (user_data);
  FolderDialog *data = folder_dialog_new (self, parameter);
  PetrelFolder *parent = find_folder (self, data->account_id, data->path);
  g_autofree char *body = NULL;

  if (parent != NULL)
    /* Translators: %s is the folder the new one goes in */
    body = g_strdup_printf (_("The new folder goes in “%s”."), petrel_folder_get_label (parent));
  folder_dialog_show (self, data, _("New Folder"), body, "create", _("C_reate"),
                      ADW_RESPONSE_SUGGESTED, name_entry (data, ""));
  gtk_widget_grab_focus (GTK_WIDGET (data->entry));
}

static void
rename_folder_dialog_activated (GSimpleAction *action,
                                GVariant      *parameter,
                                gpointer       user_data)
{
  PetrelWindow *self = PETREL_WINDOW (user_data);
  const char *path;
  PetrelFolder *folder = parameter_folder (self, parameter, &path);
  FolderDialog *data;

  if (folder == NULL)
    return;

  data = folder_dialog_new (self, parameter);
  folder_dialog_show (self, data, _("Rename Folder"), NULL, "rename", _("_Rename"),
                      ADW_RESPONSE_SUGGESTED,
                      name_entry (data, folder_basename (data->path,
                                                         petrel_folder_get_delimiter (folder))));
  gtk_widget_grab_focus (GTK_WIDGET (data->entry));
}

static void
delete_folder_dialog_activated (GSimpleAction *action,
                                GVariant      *parameter,
                                gpointer       user_data)
{
  PetrelWindow *self = PETREL_WINDOW (user_data);
  const char *path;
  PetrelFolder *folder = parameter_folder (self, parameter, &path);
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  guint total;

  if (folder == NULL)
    return;

  total = petrel_folder_get_total (folder);
  /* Translators: %s is a folder's name */
  heading = g_strdup_printf (_("Delete “%s”?"), petrel_folder_get_label (folder));
  body = g_strdup_printf (ngettext ("The folder, its subfolders and its %u message are deleted "
                                    "on the server. This cannot be undone.",
                                    "The folder, its subfolders and its %u messages are deleted "
                                    "on the server. This cannot be undone.", total), total);
  folder_dialog_show (self, folder_dialog_new (self, parameter), heading, body, "delete",
                      _("_Delete"),
                      ADW_RESPONSE_DESTRUCTIVE, NULL);
}

static void
add_move_targets (GListModel   *folders,
                  const char   *moved,
                  const char   *delimiter,
                  GPtrArray    *paths,
                  GtkStringList *labels,
                  guint         depth)
{
  guint n = g_list_model_get_n_items (folders);
  g_autofree char *prefix = g_strconcat (moved, delimiter != NULL ? delimiter : "", NULL);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PetrelFolder) folder = g_list_model_get_item (folders, i);
      const char *path = petrel_folder_get_path (folder);
      g_autofree char *label = NULL;

      /* Not into itself or its own subfolders. */
      if (g_strcmp0 (path, moved) == 0 || g_str_has_prefix (path, prefix))
        continue;

      label = g_strdup_printf ("%*s%s", (int) depth * 3, "", petrel_folder_get_label (folder));
      g_ptr_array_add (paths, g_strdup (path));
      gtk_string_list_append (labels, label);
      add_move_targets (petrel_folder_get_children (folder), moved, delimiter, paths, labels,
                        depth + 1);
    }
}

/* "Move Folder To…": the keyboard way of dragging a folder onto another. */
static void
move_folder_dialog_activated (GSimpleAction *action,
                              GVariant      *parameter,
                              gpointer       user_data)
{
  PetrelWindow *self = PETREL_WINDOW (user_data);
  FolderDialog *data = folder_dialog_new (self, parameter);
  PetrelAccountState *state = find_state_by_id (self, data->account_id);
  PetrelFolder *folder = find_folder (self, data->account_id, data->path);
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);
  g_autofree char *heading = NULL;
  GtkWidget *dropdown;

  if (state == NULL || folder == NULL)
    {
      folder_dialog_free (data);
      return;
    }

  data->targets = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (data->targets, g_strdup (""));
  gtk_string_list_append (labels, _("Top Level"));
  add_move_targets (G_LIST_MODEL (petrel_account_state_get_folders (state)), data->path,
                    petrel_folder_get_delimiter (folder), data->targets, labels, 0);

  dropdown = gtk_drop_down_new (G_LIST_MODEL (g_steal_pointer (&labels)), NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (dropdown), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("New Place"), -1);
  data->dropdown = GTK_DROP_DOWN (dropdown);

  /* Translators: %s is a folder's name */
  heading = g_strdup_printf (_("Move “%s” To…"), petrel_folder_get_label (folder));
  folder_dialog_show (self, data, heading, NULL, "move", _("_Move"), ADW_RESPONSE_SUGGESTED,
                      dropdown);
}

/* The folder menu (right click, Menu key, Shift+F10). */

static void
unparent_menu (gpointer data)
{
  g_autoptr(GtkWidget) popover = data;

  if (gtk_widget_get_parent (popover) != NULL)
    gtk_widget_unparent (popover);
}

static void
on_folder_menu_closed_cb (GtkPopover *popover)
{
  /* Unparented once the menu's action has run. */
  g_idle_add_once (unparent_menu, g_object_ref (popover));
}

static void
append_folder_item (GMenu        *menu,
                    const char   *label,
                    const char   *action,
                    PetrelFolder *folder)
{
  g_autoptr(GMenuItem) item = g_menu_item_new (label, NULL);

  g_menu_item_set_action_and_target_value (item, action,
                                           g_variant_new ("(ss)",
                                                          petrel_account_get_id (
                                                            petrel_folder_get_account (folder)),
                                                          petrel_folder_get_path (folder)));
  g_menu_append_item (menu, item);
}

static void
popup_sidebar_menu (PetrelWindow *self,
                    GMenu        *menu,
                    GtkWidget    *anchor,
                    double        x,
                    double        y)
{
  GtkWidget *popover;

  /* On the list, not the row: rows are recycled while the menu is open. */
  popover = gtk_popover_menu_new_from_model (G_MENU_MODEL (menu));
  gtk_widget_set_parent (popover, GTK_WIDGET (self->sidebar_view));
  gtk_popover_set_has_arrow (GTK_POPOVER (popover), FALSE);
  gtk_widget_set_halign (popover, GTK_ALIGN_START);
  if (x >= 0 && y >= 0 && anchor != GTK_WIDGET (self->sidebar_view) &&
      gtk_widget_translate_coordinates (anchor, GTK_WIDGET (self->sidebar_view), x, y, &x, &y))
    gtk_popover_set_pointing_to (GTK_POPOVER (popover),
                                 &(GdkRectangle) { (int) x, (int) y, 1, 1 });
  g_signal_connect (popover, "closed", G_CALLBACK (on_folder_menu_closed_cb), NULL);
  gtk_popover_popup (GTK_POPOVER (popover));
}

static void
open_folder_menu (PetrelWindow *self,
                  PetrelFolder *folder,
                  GtkWidget    *anchor,
                  double        x,
                  double        y)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenu) first = g_menu_new ();
  g_autoptr(GMenu) second = g_menu_new ();
  gboolean inbox = petrel_folder_get_role (folder) == PETREL_STORE_FOLDER_ROLE_INBOX;

  append_folder_item (first, _("_New Folder…"), "win.new-folder-dialog", folder);
  if (!inbox)
    {
      append_folder_item (first, _("_Rename…"), "win.rename-folder-dialog", folder);
      append_folder_item (first, _("_Move Folder To…"), "win.move-folder-dialog", folder);
    }
  append_folder_item (first, _("Mark All as _Read"), "win.mark-folder-read", folder);
  g_menu_append_section (menu, NULL, G_MENU_MODEL (first));
  if (!inbox)
    {
      append_folder_item (second, _("_Delete…"), "win.delete-folder-dialog", folder);
      g_menu_append_section (menu, NULL, G_MENU_MODEL (second));
    }

  popup_sidebar_menu (self, menu, anchor, x, y);
}

/* The All Inboxes menu: every inbox at once. */
static void
open_all_inboxes_menu (PetrelWindow *self,
                       GtkWidget    *anchor,
                       double        x,
                       double        y)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenu) section = g_menu_new ();

  append_menu_item (section, _("Mark All as _Read"), "win.mark-all-inboxes-read", NULL);
  append_menu_item (section, _("_Refresh"), "win.sync", "F5");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (section));
  popup_sidebar_menu (self, menu, anchor, x, y);
}

static PetrelFolder *
expander_folder (GtkTreeExpander *expander)
{
  GtkTreeListRow *row = gtk_tree_expander_get_list_row (expander);
  g_autoptr(GObject) item = row != NULL ? gtk_tree_list_row_get_item (row) : NULL;

  return PETREL_IS_FOLDER (item) ? PETREL_FOLDER (item) : NULL;
}

static gpointer
expander_item (GtkTreeExpander *expander)
{
  GtkTreeListRow *row = gtk_tree_expander_get_list_row (expander);

  return row != NULL ? gtk_tree_list_row_get_item (row) : NULL;
}

static void
on_sidebar_row_pressed_cb (GtkGestureClick *gesture,
                           int              n_press,
                           double           x,
                           double           y,
                           PetrelWindow    *self)
{
  GtkWidget *expander = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));
  g_autoptr(GObject) item = expander_item (GTK_TREE_EXPANDER (expander));

  if (PETREL_IS_FOLDER (item))
    open_folder_menu (self, PETREL_FOLDER (item), expander, x, y);
  else if (PETREL_IS_ALL_INBOXES (item))
    open_all_inboxes_menu (self, expander, x, y);
  else
    return;

  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

static gboolean
folder_menu_key_cb (GtkWidget *widget,
                    GVariant  *args,
                    gpointer   user_data)
{
  PetrelWindow *self = PETREL_WINDOW (user_data);
  GtkTreeListRow *row = gtk_single_selection_get_selected_item (self->sidebar_selection);
  g_autoptr(GObject) item = row != NULL ? gtk_tree_list_row_get_item (row) : NULL;

  if (PETREL_IS_ALL_INBOXES (item))
    {
      open_all_inboxes_menu (self, GTK_WIDGET (self->sidebar_view), -1, -1);
      return TRUE;
    }
  if (!PETREL_IS_FOLDER (item))
    return FALSE;

  open_folder_menu (self, PETREL_FOLDER (item), GTK_WIDGET (self->sidebar_view), -1, -1);
  return TRUE;
}

/* Dragging messages and folders */

static GdkContentProvider *
on_message_drag_prepare_cb (GtkDragSource *source,
                            double         x,
                            double         y,
                            PetrelWindow  *self)
{
  GtkWidget *row = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (source));
  PetrelMessage *message = petrel_message_row_get_message (PETREL_MESSAGE_ROW (row));
  PetrelMessageList *list = current_list (self);
  guint position;

  if (message == NULL || list == NULL || !petrel_message_is_loaded (message))
    return NULL;

  /* Dragging a row that is not selected drags that row alone. */
  position = find_position (self, message);
  if (position == G_MAXUINT)
    return NULL;
  if (!gtk_selection_model_is_selected (GTK_SELECTION_MODEL (self->message_selection), position))
    gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->message_selection), position,
                                     TRUE);

  return gdk_content_provider_new_typed (G_TYPE_STRING, DRAG_MESSAGES);
}

static void
on_drag_begin_cb (GtkDragSource *source,
                  GdkDrag       *drag,
                  PetrelWindow  *self)
{
  GtkWidget *widget = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (source));
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);

  gtk_drag_source_set_icon (source, paintable, 16, 16);
}

static GdkContentProvider *
on_folder_drag_prepare_cb (GtkDragSource *source,
                           double         x,
                           double         y,
                           PetrelWindow  *self)
{
  GtkWidget *expander = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (source));
  PetrelFolder *folder = expander_folder (GTK_TREE_EXPANDER (expander));
  g_autofree char *text = NULL;

  if (folder == NULL || petrel_folder_get_role (folder) == PETREL_STORE_FOLDER_ROLE_INBOX)
    return NULL;

  text = g_strconcat (DRAG_FOLDER_PREFIX,
                      petrel_account_get_id (petrel_folder_get_account (folder)), "\n",
                      petrel_folder_get_path (folder), NULL);
  return gdk_content_provider_new_typed (G_TYPE_STRING, text);
}

static GdkDragAction
on_sidebar_drop_motion_cb (GtkDropTarget *target,
                           double         x,
                           double         y,
                           PetrelWindow  *self)
{
  GdkModifierType state =
    gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (target));

  return (state & GDK_CONTROL_MASK) ? GDK_ACTION_COPY : GDK_ACTION_MOVE;
}

static gboolean
on_sidebar_drop_cb (GtkDropTarget *target,
                    const GValue  *value,
                    double         x,
                    double         y,
                    PetrelWindow  *self)
{
  GtkWidget *expander = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (target));
  g_autoptr(GObject) item = expander_item (GTK_TREE_EXPANDER (expander));
  const char *text = G_VALUE_HOLDS_STRING (value) ? g_value_get_string (value) : NULL;
  GdkModifierType state =
    gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (target));
  PetrelAccount *account;
  const char *path;

  if (text == NULL || item == NULL)
    return FALSE;

  if (PETREL_IS_FOLDER (item))
    {
      account = petrel_folder_get_account (PETREL_FOLDER (item));
      path = petrel_folder_get_path (PETREL_FOLDER (item));
    }
  else if (PETREL_IS_ACCOUNT_STATE (item))
    {
      account = petrel_account_state_get_account (PETREL_ACCOUNT_STATE (item));
      path = "";
    }
  else
    return FALSE;

  if (g_str_equal (text, DRAG_MESSAGES) && *path != '\0')
    {
      activate_window_action (self, "move-to-folder",
                              g_variant_new ("(ssb)", petrel_account_get_id (account), path,
                                             (state & GDK_CONTROL_MASK) != 0));
      return TRUE;
    }

  if (g_str_has_prefix (text, DRAG_FOLDER_PREFIX))
    {
      g_auto(GStrv) parts = g_strsplit (text + strlen (DRAG_FOLDER_PREFIX), "\n", 2);

      if (g_strv_length (parts) != 2 || !g_str_equal (parts[0], petrel_account_get_id (account)))
        {
          show_toast (self, _("Folders cannot be moved between accounts"), NULL);
          return FALSE;
        }
      activate_window_action (self, "move-folder",
                              g_variant_new ("(sss)", parts[0], parts[1], path));
      return TRUE;
    }

  return FALSE;
}

/* Ctrl+Z: the change of the newest undo toast, even once the toast is gone. */
static void
undo_last_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  PetrelWindow *self = PETREL_WINDOW (user_data);
  g_autoptr(GVariant) target = g_steal_pointer (&self->last_undo);

  if (target != NULL)
    gtk_widget_activate_action_variant (GTK_WIDGET (self),
                                        g_variant_is_of_type (target, G_VARIANT_TYPE ("(sxx)"))
                                        ? "win.undo-change" : "win.undo-changes",
                                        target);
}

static void sync_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter);

/* win.sync for callers outside the window (the application's D-Bus action export). */
static void
sync_all_activated (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  sync_action (GTK_WIDGET (user_data), "win.sync", NULL);
}

static const GActionEntry organise_actions[] = {
  { "undo-last", undo_last_activated, NULL, NULL, NULL, { 0 } },
  { "sync-all", sync_all_activated, NULL, NULL, NULL, { 0 } },
  { "move-to-folder", move_to_folder_activated, "(ssb)", NULL, NULL, { 0 } },
  { "move-folder", move_folder_activated, "(sss)", NULL, NULL, { 0 } },
  { "create-folder", create_folder_activated, "(ss)", NULL, NULL, { 0 } },
  { "rename-folder", rename_folder_activated, "(sss)", NULL, NULL, { 0 } },
  { "delete-folder", delete_folder_activated, "(ss)", NULL, NULL, { 0 } },
  { "mark-folder-read", mark_folder_read_activated, "(ss)", NULL, NULL, { 0 } },
  { "mark-all-inboxes-read", mark_all_inboxes_read_activated, NULL, NULL, NULL, { 0 } },
  { "new-folder-dialog", new_folder_dialog_activated, "(ss)", NULL, NULL, { 0 } },
  { "rename-folder-dialog", rename_folder_dialog_activated, "(ss)", NULL, NULL, { 0 } },
  { "delete-folder-dialog", delete_folder_dialog_activated, "(ss)", NULL, NULL, { 0 } },
  { "move-folder-dialog", move_folder_dialog_activated, "(ss)", NULL, NULL, { 0 } },
};

/* Messages */

static void
message_setup_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *item,
                  PetrelWindow             *self)
{
  GtkWidget *row = petrel_message_row_new ();
  GtkDragSource *source = gtk_drag_source_new ();

  gtk_drag_source_set_actions (source, GDK_ACTION_MOVE | GDK_ACTION_COPY);
  g_signal_connect (source, "prepare", G_CALLBACK (on_message_drag_prepare_cb), self);
  g_signal_connect (source, "drag-begin", G_CALLBACK (on_drag_begin_cb), self);
  gtk_widget_add_controller (row, GTK_EVENT_CONTROLLER (source));
  petrel_message_row_set_compact (PETREL_MESSAGE_ROW (row), self->compact);
  gtk_list_item_set_child (item, row);
}

/* The rows there are take the density at once; rows made later take it in setup. */
static void
set_rows_compact (GtkWidget *widget,
                  gboolean   compact)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (PETREL_IS_MESSAGE_ROW (child))
        petrel_message_row_set_compact (PETREL_MESSAGE_ROW (child), compact);
      else
        set_rows_compact (child, compact);
    }
}

static void
on_density_changed_cb (GSettings    *settings,
                       const char   *key,
                       PetrelWindow *self)
{
  g_autofree char *density = g_settings_get_string (settings, key);

  self->compact = g_strcmp0 (density, "compact") == 0;
  set_rows_compact (GTK_WIDGET (self->message_view), self->compact);
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
  /* All Inboxes: which account's inbox the message is in. */
  else if (self->merged_list != NULL && petrel_message_is_loaded (message))
    {
      PetrelAccountState *state = find_state (self, petrel_message_get_account (message));

      folder_label = state != NULL ? petrel_account_state_get_title (state) : NULL;
    }

  petrel_message_row_set_conversation (PETREL_MESSAGE_ROW (gtk_list_item_get_child (item)),
                                       self->search_list == NULL &&
                                       (self->folder_list != NULL || self->merged_list != NULL) &&
                                       self->conversations);
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

static gboolean
is_draft (PetrelWindow  *self,
          PetrelMessage *message)
{
  PetrelFolder *drafts = find_role_folder (self, petrel_message_get_account (message),
                                           PETREL_STORE_FOLDER_ROLE_DRAFTS);

  return drafts != NULL && petrel_message_get_folder_path (message) != NULL &&
         g_strcmp0 (petrel_message_get_folder_path (message),
                    petrel_folder_get_path (drafts)) == 0;
}

/* Enter or a double click on a message: a draft opens in the composer; on a narrow window
 * the reading pane comes forward. */
static void
on_message_activate_cb (GtkListView  *view,
                        guint         position,
                        PetrelWindow *self)
{
  g_autoptr(PetrelMessage) message =
    g_list_model_get_item (G_LIST_MODEL (self->message_selection), position);

  if (message != NULL && petrel_message_is_loaded (message) && is_draft (self, message) &&
      !petrel_demo_is_demo (petrel_message_get_account (message)))
    {
      /* win.edit-draft opens the message the reading pane shows: this one. */
      if (!gtk_selection_model_is_selected (GTK_SELECTION_MODEL (self->message_selection),
                                            position))
        gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->message_selection),
                                         position, TRUE);
      if (petrel_reader_get_message (self->reader) == NULL ||
          !petrel_message_same (petrel_reader_get_message (self->reader), message))
        petrel_reader_show_message (self->reader, message);
      gtk_widget_activate_action (GTK_WIDGET (self), "win.edit-draft", NULL);
      return;
    }

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
  set_message_model (self, G_LIST_MODEL (self->search_list));
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

/* Panes
 *
 * The sidebar and the message list are AdwBins whose natural width is the width the user
 * dragged them to, and whose minimum width is their content's (SIDEBAR_MIN_WIDTH,
 * LIST_MIN_WIDTH): the leaflets give each pane its natural width when there is room, and
 * give what is left to the reading pane. A window too narrow for the widths the user chose
 * narrows the sidebar and the list first (allocate_mail_pane()), so the leaflets fold only
 * below the minimums. The leaflets' separators are the dividers to drag.
 */

#define PANE_WIDTH_KEY "petrel-pane-width"

static void
measure_pane (GtkWidget      *widget,
              GtkOrientation  orientation,
              int             for_size,
              int            *minimum,
              int            *natural,
              int            *minimum_baseline,
              int            *natural_baseline)
{
  GtkWidget *child = gtk_widget_get_first_child (widget);
  int child_min = 0, child_nat = 0;

  if (child != NULL && gtk_widget_should_layout (child))
    gtk_widget_measure (child, orientation, for_size, &child_min, &child_nat, NULL, NULL);

  *minimum = child_min;
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    *natural = MAX (child_min,
                    GPOINTER_TO_INT (g_object_get_data (G_OBJECT (widget), PANE_WIDTH_KEY)));
  else
    *natural = child_nat;
  *minimum_baseline = -1;
  *natural_baseline = -1;
}

static void
allocate_pane (GtkWidget *widget,
               int        width,
               int        height,
               int        baseline)
{
  GtkWidget *child = gtk_widget_get_first_child (widget);

  if (child != NULL && gtk_widget_should_layout (child))
    gtk_widget_allocate (child, width, height, baseline, NULL);
}

/* The width @pane asks for; returns whether that changed. */
static gboolean
set_pane_natural_width (GtkWidget *pane,
                        int        width)
{
  if (GPOINTER_TO_INT (g_object_get_data (G_OBJECT (pane), PANE_WIDTH_KEY)) == width)
    return FALSE;

  g_object_set_data (G_OBJECT (pane), PANE_WIDTH_KEY, GINT_TO_POINTER (width));
  gtk_widget_queue_resize (pane);
  return TRUE;
}

/* The sidebar and the list as wide as the user made them, or, when @width (the three panes')
 * has no room for that and the reading pane's minimum, narrower: each gives up a share of
 * what it has above its minimum. */
static void
fit_pane_widths (PetrelWindow *self,
                 int           width)
{
  int sidebar_width = self->sidebar_width;
  int list_width = self->list_width;
  int excess = sidebar_width + list_width + 2 + READER_MIN_WIDTH - width;

  if (excess > 0)
    {
      int sidebar_slack = sidebar_width - SIDEBAR_MIN_WIDTH;
      int list_slack = list_width - LIST_MIN_WIDTH;
      int cut = MIN (excess, sidebar_slack + list_slack);
      int sidebar_cut = sidebar_slack + list_slack > 0
                        ? cut * sidebar_slack / (sidebar_slack + list_slack) : 0;

      sidebar_width -= sidebar_cut;
      list_width -= cut - sidebar_cut;
    }

  set_pane_natural_width (self->sidebar_pane, sidebar_width);
  set_pane_natural_width (self->list_pane, list_width);
}

static void
allocate_mail_pane (GtkWidget *widget,
                    int        width,
                    int        height,
                    int        baseline)
{
  GtkWidget *child = gtk_widget_get_first_child (widget);
  PetrelWindow *self = PETREL_WINDOW (gtk_widget_get_root (widget));

  if (child == NULL || !gtk_widget_should_layout (child))
    return;

  fit_pane_widths (self, width);
  gtk_widget_allocate (child, width, height, baseline, NULL);
}

static void
measure_mail_pane (GtkWidget      *widget,
                   GtkOrientation  orientation,
                   int             for_size,
                   int            *minimum,
                   int            *natural,
                   int            *minimum_baseline,
                   int            *natural_baseline)
{
  GtkWidget *child = gtk_widget_get_first_child (widget);

  *minimum = *natural = 0;
  if (child != NULL && gtk_widget_should_layout (child))
    gtk_widget_measure (child, orientation, for_size, minimum, natural, NULL, NULL);
  *minimum_baseline = -1;
  *natural_baseline = -1;
}

static void
set_pane_widths (PetrelWindow *self,
                 int           sidebar_width,
                 int           list_width)
{
  sidebar_width = CLAMP (sidebar_width, SIDEBAR_MIN_WIDTH, SIDEBAR_MAX_WIDTH);
  list_width = CLAMP (list_width, LIST_MIN_WIDTH, LIST_MAX_WIDTH);
  if (sidebar_width == self->sidebar_width && list_width == self->list_width)
    return;

  self->sidebar_width = sidebar_width;
  self->list_width = list_width;
  if (gtk_widget_get_width (self->mail_pane) > 0)
    fit_pane_widths (self, gtk_widget_get_width (self->mail_pane));
  else
    {
      set_pane_natural_width (self->sidebar_pane, sidebar_width);
      set_pane_natural_width (self->list_pane, list_width);
    }
  g_action_group_change_action_state (G_ACTION_GROUP (self), "pane-widths",
                                      g_variant_new ("(ii)", sidebar_width, list_width));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->sidebar_handle),
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_MIN, (double) SIDEBAR_MIN_WIDTH,
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_MAX, (double) SIDEBAR_MAX_WIDTH,
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_NOW, (double) sidebar_width,
                                  -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list_handle),
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_MIN, (double) LIST_MIN_WIDTH,
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_MAX, (double) LIST_MAX_WIDTH,
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_NOW, (double) list_width,
                                  -1);
}

static void
save_pane_widths (PetrelWindow *self)
{
  if (self->settings == NULL)
    return;

  g_settings_set_int (self->settings, "sidebar-width", self->sidebar_width);
  g_settings_set_int (self->settings, "message-list-width", self->list_width);
}

/* Where the pointer of @gesture is, in the window: the divider moves with the drag, so its
 * own coordinates would not do. */
static int
drag_window_x (PetrelWindow *self,
               GtkGesture   *gesture)
{
  GtkWidget *widget = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));
  GdkEventSequence *sequence = gtk_gesture_single_get_current_sequence (
    GTK_GESTURE_SINGLE (gesture));
  double x = 0, y = 0;

  if (!gtk_gesture_get_point (gesture, sequence, &x, &y) ||
      !gtk_widget_translate_coordinates (widget, GTK_WIDGET (self), x, y, &x, &y))
    return self->drag_start_x;

  return (int) x;
}

/* Gives the pane before @handle the width @width, but never so much that the leaflets fold:
 * the reading pane keeps its minimum. */
static void
resize_pane (PetrelWindow *self,
             GtkWidget    *handle,
             int           width)
{
  if (handle == self->sidebar_handle)
    {
      int room = gtk_widget_get_width (GTK_WIDGET (self->outer_leaflet)) -
                 gtk_widget_get_width (handle) - gtk_widget_get_width (self->list_pane) -
                 gtk_widget_get_width (self->list_handle) - READER_MIN_WIDTH;

      set_pane_widths (self, MIN (width, MAX (room, SIDEBAR_MIN_WIDTH)), self->list_width);
    }
  else
    {
      int room = gtk_widget_get_width (GTK_WIDGET (self->inner_leaflet)) -
                 gtk_widget_get_width (handle) - READER_MIN_WIDTH;

      set_pane_widths (self, self->sidebar_width, MIN (width, MAX (room, LIST_MIN_WIDTH)));
    }
}

/* The keyboard way of dragging a divider (it takes the focus with F8): Left and Right move it
 * 10 pixels (Ctrl: 50), Home and End as far as it goes. */
static gboolean
on_handle_key_pressed_cb (GtkEventControllerKey *controller,
                          guint                  keyval,
                          guint                  keycode,
                          GdkModifierType        state,
                          PetrelWindow          *self)
{
  GtkWidget *handle = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller));
  gboolean sidebar = handle == self->sidebar_handle;
  int width = sidebar ? self->sidebar_width : self->list_width;
  int step = (state & GDK_CONTROL_MASK) != 0 ? 50 : 10;

  if (gtk_widget_get_direction (handle) == GTK_TEXT_DIR_RTL)
    step = -step;

  switch (keyval)
    {
    case GDK_KEY_Left:
    case GDK_KEY_KP_Left:
      width -= step;
      break;
    case GDK_KEY_Right:
    case GDK_KEY_KP_Right:
      width += step;
      break;
    case GDK_KEY_Home:
    case GDK_KEY_KP_Home:
      width = sidebar ? SIDEBAR_MIN_WIDTH : LIST_MIN_WIDTH;
      break;
    case GDK_KEY_End:
    case GDK_KEY_KP_End:
      width = sidebar ? SIDEBAR_MAX_WIDTH : LIST_MAX_WIDTH;
      break;
    default:
      return GDK_EVENT_PROPAGATE;
    }

  resize_pane (self, handle, width);
  save_pane_widths (self);
  return GDK_EVENT_STOP;
}

/* F8: the focus goes to the divider after the sidebar, then to the one after the list. */
static void
focus_divider_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  PetrelWindow *self = PETREL_WINDOW (widget);
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));
  GtkWidget *handle = focus == self->sidebar_handle ? self->list_handle : self->sidebar_handle;

  if (adw_leaflet_get_folded (self->outer_leaflet) ||
      (handle == self->list_handle && adw_leaflet_get_folded (self->inner_leaflet)) ||
      !gtk_widget_grab_focus (handle))
    gtk_widget_error_bell (widget);
}

static void
on_handle_drag_begin_cb (GtkGestureDrag *gesture,
                         double          x,
                         double          y,
                         PetrelWindow   *self)
{
  GtkWidget *handle = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));
  AdwLeaflet *leaflet = handle == self->sidebar_handle ? self->outer_leaflet
                                                       : self->inner_leaflet;

  if (adw_leaflet_get_folded (leaflet))
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }

  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  self->drag_start_x = drag_window_x (self, GTK_GESTURE (gesture));
  self->drag_start_width = handle == self->sidebar_handle
                           ? gtk_widget_get_width (self->sidebar_pane)
                           : gtk_widget_get_width (self->list_pane);
}

static void
on_handle_drag_update_cb (GtkGestureDrag *gesture,
                          double          offset_x,
                          double          offset_y,
                          PetrelWindow   *self)
{
  GtkWidget *handle = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));
  int delta = drag_window_x (self, GTK_GESTURE (gesture)) - self->drag_start_x;
  int width;

  if (gtk_widget_get_direction (handle) == GTK_TEXT_DIR_RTL)
    delta = -delta;
  width = self->drag_start_width + delta;
  resize_pane (self, handle, width);
}

static void
on_handle_drag_end_cb (GtkGestureDrag *gesture,
                       double          offset_x,
                       double          offset_y,
                       PetrelWindow   *self)
{
  save_pane_widths (self);
}

static void
setup_pane_handle (PetrelWindow *self,
                   GtkWidget    *handle)
{
  GtkGesture *drag = gtk_gesture_drag_new ();
  GtkEventController *key;

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), GDK_BUTTON_PRIMARY);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_handle_drag_begin_cb), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_handle_drag_update_cb), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (on_handle_drag_end_cb), self);
  gtk_widget_add_controller (handle, GTK_EVENT_CONTROLLER (drag));
  gtk_widget_set_cursor_from_name (handle, "col-resize");

  key = gtk_event_controller_key_new ();
  g_signal_connect (key, "key-pressed", G_CALLBACK (on_handle_key_pressed_cb), self);
  gtk_widget_add_controller (handle, key);
  gtk_widget_set_focusable (handle, TRUE);
  gtk_widget_set_focus_on_click (handle, FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (handle),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  handle == self->sidebar_handle ? _("Width of the Folder List")
                                                                 : _("Width of the Message List"),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  _("Left and Right arrows change the width"),
                                  -1);
}

/* win.pane-widths: the state is (sidebar width, message list width); changing it (the
 * application's D-Bus action export lets tests do so) sets and remembers them. */
static void
pane_widths_change_state (GSimpleAction *action,
                          GVariant      *value,
                          gpointer       user_data)
{
  PetrelWindow *self = PETREL_WINDOW (user_data);
  int sidebar_width, list_width;

  g_simple_action_set_state (action, value);
  g_variant_get (value, "(ii)", &sidebar_width, &list_width);
  if (sidebar_width != self->sidebar_width || list_width != self->list_width)
    {
      set_pane_widths (self, sidebar_width, list_width);
      save_pane_widths (self);
    }
}

/* win.visible-panes: which panes are on screen, "folders", "messages" and "message" joined
 * with commas (all three on a wide window, one on a narrow one), for assistive technologies
 * and tests, which cannot tell a folded leaflet's hidden pages from its visible one. */
static void
update_visible_panes (PetrelWindow *self)
{
  gboolean outer_folded = adw_leaflet_get_folded (self->outer_leaflet);
  gboolean inner_folded = adw_leaflet_get_folded (self->inner_leaflet);
  GtkWidget *outer_child = adw_leaflet_get_visible_child (self->outer_leaflet);
  GtkWidget *inner_child = adw_leaflet_get_visible_child (self->inner_leaflet);
  gboolean inner_shown = !outer_folded || outer_child == GTK_WIDGET (self->inner_leaflet);
  g_autoptr(GStrvBuilder) panes = g_strv_builder_new ();
  g_auto(GStrv) names = NULL;
  g_autofree char *state = NULL;

  if (!outer_folded || outer_child == self->sidebar_pane)
    g_strv_builder_add (panes, "folders");
  if (inner_shown && (!inner_folded || inner_child == self->list_pane))
    g_strv_builder_add (panes, "messages");
  if (inner_shown && (!inner_folded || inner_child == self->reader_pane))
    g_strv_builder_add (panes, "message");
  names = g_strv_builder_end (panes);
  state = g_strjoinv (",", names);

  g_simple_action_set_state (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self),
                                                                          "visible-panes")),
                             g_variant_new_string (state));
}

/* Read only: the leaflets say which panes show. */
static void
visible_panes_change_state (GSimpleAction *action,
                            GVariant      *value,
                            gpointer       user_data)
{
}

static const GActionEntry pane_actions[] = {
  { "pane-widths", NULL, "(ii)", "(0, 0)", pane_widths_change_state, { 0 } },
  { "visible-panes", NULL, NULL, "''", visible_panes_change_state, { 0 } },
};

static void
setup_panes (PetrelWindow *self)
{
  int sidebar_width = 230, list_width = 370;

  g_action_map_add_action_entries (G_ACTION_MAP (self), pane_actions,
                                   G_N_ELEMENTS (pane_actions), self);

  if (self->settings != NULL)
    {
      sidebar_width = g_settings_get_int (self->settings, "sidebar-width");
      list_width = g_settings_get_int (self->settings, "message-list-width");
    }

  gtk_widget_set_layout_manager (self->mail_pane,
                                 gtk_custom_layout_new (NULL, measure_mail_pane,
                                                        allocate_mail_pane));
  gtk_widget_set_layout_manager (self->sidebar_pane,
                                 gtk_custom_layout_new (NULL, measure_pane, allocate_pane));
  gtk_widget_set_layout_manager (self->list_pane,
                                 gtk_custom_layout_new (NULL, measure_pane, allocate_pane));
  /* No width set: the reading pane asks for its minimum and gets the rest. */
  gtk_widget_set_layout_manager (self->reader_pane,
                                 gtk_custom_layout_new (NULL, measure_pane, allocate_pane));
  g_signal_connect_object (self->outer_leaflet, "notify::folded",
                           G_CALLBACK (update_visible_panes), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->outer_leaflet, "notify::visible-child",
                           G_CALLBACK (update_visible_panes), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->inner_leaflet, "notify::folded",
                           G_CALLBACK (update_visible_panes), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->inner_leaflet, "notify::visible-child",
                           G_CALLBACK (update_visible_panes), self, G_CONNECT_SWAPPED);
  setup_pane_handle (self, self->sidebar_handle);
  setup_pane_handle (self, self->list_handle);
  set_pane_widths (self, sidebar_width, list_width);
  update_visible_panes (self);
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
    adw_leaflet_set_visible_child (self->inner_leaflet, self->list_pane);
  if (adw_leaflet_get_folded (self->outer_leaflet))
    adw_leaflet_set_visible_child (self->outer_leaflet, GTK_WIDGET (self->inner_leaflet));
  gtk_toggle_button_set_active (self->search_button, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

/* F6 and Shift+F6: the focus goes round the sidebar, the message list and the reading pane. */
static void
cycle_pane (PetrelWindow *self,
            int           delta)
{
  GtkWidget *panes[] = { GTK_WIDGET (self->sidebar_view), GTK_WIDGET (self->message_view),
                         GTK_WIDGET (self->reader) };
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));
  int current = -1;

  for (int i = 0; i < (int) G_N_ELEMENTS (panes); i++)
    if (focus != NULL && (focus == panes[i] || gtk_widget_is_ancestor (focus, panes[i])))
      current = i;

  for (int step = 1; step <= (int) G_N_ELEMENTS (panes); step++)
    {
      int next = ((current < 0 ? (delta > 0 ? -1 : 0) : current) + delta * step +
                  3 * G_N_ELEMENTS (panes)) % G_N_ELEMENTS (panes);
      GtkWidget *pane = panes[next];

      /* On a narrow window the pane comes forward first. */
      if (next == 0 && adw_leaflet_get_folded (self->outer_leaflet))
        adw_leaflet_set_visible_child (self->outer_leaflet, self->sidebar_pane);
      else if (next > 0 && adw_leaflet_get_folded (self->outer_leaflet))
        adw_leaflet_set_visible_child (self->outer_leaflet, GTK_WIDGET (self->inner_leaflet));
      if (next == 1 && adw_leaflet_get_folded (self->inner_leaflet))
        adw_leaflet_set_visible_child (self->inner_leaflet, self->list_pane);
      else if (next == 2 && adw_leaflet_get_folded (self->inner_leaflet))
        adw_leaflet_set_visible_child (self->inner_leaflet, self->reader_pane);

      if (gtk_widget_grab_focus (pane) || gtk_widget_child_focus (pane, GTK_DIR_TAB_FORWARD))
        return;
    }

  gtk_widget_error_bell (GTK_WIDGET (self));
}

static void
focus_pane_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  cycle_pane (PETREL_WINDOW (widget), g_str_equal (action_name, "win.focus-next-pane") ? 1 : -1);
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

  adw_leaflet_set_visible_child (self->inner_leaflet, self->list_pane);
}

static void
add_account_help_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  gtk_widget_activate_action (widget, "app.add-account", NULL);
}

/* Window */

static gboolean
petrel_window_close_request (GtkWindow *window)
{
  PetrelWindow *self = PETREL_WINDOW (window);
  GtkApplication *app = gtk_window_get_application (window);

  if (self->settings != NULL)
    {
      int width, height;

      gtk_window_get_default_size (window, &width, &height);
      g_settings_set_int (self->settings, "window-width", width);
      g_settings_set_int (self->settings, "window-height", height);
      g_settings_set_boolean (self->settings, "window-maximized",
                              gtk_window_is_maximized (window));
      remember_shown_folder (self);
    }

  /* Run in background: the window hides, its accounts go on syncing (and notifying); the
   * application shows it again when activated. */
  if (self->settings != NULL && app != NULL &&
      g_settings_get_boolean (self->settings, "run-in-background"))
    {
      gtk_widget_set_visible (GTK_WIDGET (window), FALSE);
      if (!self->held)
        {
          self->held = TRUE;
          g_application_hold (G_APPLICATION (app));
        }
      petrel_application_request_background (PETREL_APPLICATION (app));
      return TRUE;
    }

  g_cancellable_cancel (self->cancellable);

  return GTK_WINDOW_CLASS (petrel_window_parent_class)->close_request (window);
}

/* Shown again after running in the background. */
static void
on_visible_notify_cb (PetrelWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  if (self->held && gtk_widget_get_visible (GTK_WIDGET (self)))
    {
      self->held = FALSE;
      if (app != NULL)
        g_application_release (G_APPLICATION (app));
    }
}

static gboolean
periodic_sync_cb (gpointer user_data)
{
  PetrelWindow *self = PETREL_WINDOW (user_data);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->states));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PetrelAccountState) state = g_list_model_get_item (G_LIST_MODEL (self->states), i);

      petrel_account_state_sync (state, self->cancellable);
    }
  update_actions (self);

  return G_SOURCE_CONTINUE;
}

static guint
sync_interval (void)
{
  const char *env = g_getenv ("PETREL_SYNC_INTERVAL");
  guint64 seconds = 0;

  if (env != NULL && g_ascii_string_to_unsigned (env, 10, 1, G_MAXUINT32, &seconds, NULL))
    return seconds;

  return SYNC_INTERVAL_S;
}

/* Called once the window has its application (set after construction). */
static void
load_accounts (PetrelWindow      *self,
               PetrelApplication *app)
{
  g_autoptr(GError) error = NULL;

  self->sync_timer_id = g_timeout_add_seconds (sync_interval (), periodic_sync_cb, self);
  g_signal_connect (self, "notify::visible", G_CALLBACK (on_visible_notify_cb), NULL);

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
  g_clear_object (&self->merged_list);
  g_clear_object (&self->folder);
  g_clear_handle_id (&self->all_unread_id, g_source_remove);
  g_clear_handle_id (&self->sync_timer_id, g_source_remove);
  if (self->move_popover != NULL)
    {
      gtk_widget_unparent (GTK_WIDGET (self->move_popover));
      self->move_popover = NULL;
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), PETREL_TYPE_WINDOW);
  g_clear_object (&self->more_menu);
  g_clear_object (&self->flag_section);
  g_clear_object (&self->narrow_section);
  g_clear_object (&self->sidebar_selection);
  g_clear_object (&self->tree);
  g_clear_object (&self->message_selection);
  g_clear_object (&self->states);
  g_clear_object (&self->roots);
  g_clear_object (&self->all_store);
  g_clear_object (&self->all_inboxes);
  g_clear_object (&self->accounts);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->inbox_uids, g_hash_table_unref);
  g_clear_pointer (&self->last_undo, g_variant_unref);
  g_clear_pointer (&self->mail_checks, g_ptr_array_unref);

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
  gtk_widget_class_bind_template_child (widget_class, PetrelWindow, mail_pane);
  gtk_widget_class_bind_template_child (widget_class, PetrelWindow, sidebar_pane);
  gtk_widget_class_bind_template_child (widget_class, PetrelWindow, sidebar_handle);
  gtk_widget_class_bind_template_child (widget_class, PetrelWindow, list_pane);
  gtk_widget_class_bind_template_child (widget_class, PetrelWindow, list_handle);
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
  gtk_widget_class_bind_template_child (widget_class, PetrelWindow, more_button);
  gtk_widget_class_bind_template_callback (widget_class, invert_boolean);

  petrel_window_compose_install_actions (widget_class);
  gtk_widget_class_install_action (widget_class, "win.sync", NULL, sync_action);
  gtk_widget_class_install_action (widget_class, "win.sync-account", "s", sync_account_action);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action);
  gtk_widget_class_install_action (widget_class, "win.next-message", NULL, next_message_action);
  gtk_widget_class_install_action (widget_class, "win.focus-next-pane", NULL, focus_pane_action);
  gtk_widget_class_install_action (widget_class, "win.focus-divider", NULL,
                                   focus_divider_action);
  gtk_widget_class_install_action (widget_class, "win.focus-previous-pane", NULL,
                                   focus_pane_action);
  gtk_widget_class_install_action (widget_class, "win.previous-message", NULL,
                                   previous_message_action);
  gtk_widget_class_install_action (widget_class, "win.show-folders", NULL, show_folders_action);
  gtk_widget_class_install_action (widget_class, "win.show-list", NULL, show_list_action);
  gtk_widget_class_install_action (widget_class, "win.add-account-help", NULL,
                                   add_account_help_action);
  gtk_widget_class_install_action (widget_class, "win.archive", NULL, archive_action);
  gtk_widget_class_install_action (widget_class, "win.junk", NULL, junk_action);
  gtk_widget_class_install_action (widget_class, "win.move-to-menu", NULL, move_to_menu_action);
  gtk_widget_class_install_action (widget_class, "win.delete", NULL, delete_action);
  gtk_widget_class_install_action (widget_class, "win.toggle-star", NULL, toggle_star_action);
  gtk_widget_class_install_action (widget_class, "win.toggle-unread", NULL,
                                   toggle_unread_action);
  gtk_widget_class_install_action (widget_class, "win.undo", "s", undo_action);
  gtk_widget_class_install_action (widget_class, "win.undo-change", "(sxx)", undo_change_action);
  gtk_widget_class_install_action (widget_class, "win.undo-changes", "a(sxx)",
                                   undo_changes_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "win.sync", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK,
                                       "win.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_slash, 0, "win.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_j, 0, "win.next-message", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_k, 0, "win.previous-message",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "win.delete", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK, "win.undo-last",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Delete, 0, "win.delete", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_a, 0, "win.archive", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_exclam, 0, "win.junk", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, 0, "win.toggle-star", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_u, 0, "win.toggle-unread", NULL);
}

static void
petrel_window_init (PetrelWindow *self)
{
  GtkListItemFactory *factory;
  GtkGesture *gesture;
  GtkEventController *shortcuts;
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->states = g_list_store_new (PETREL_TYPE_ACCOUNT_STATE);
  self->all_inboxes = petrel_all_inboxes_new ();
  self->all_store = g_list_store_new (PETREL_TYPE_ALL_INBOXES);
  self->roots = g_list_store_new (G_TYPE_LIST_MODEL);
  g_list_store_append (self->roots, self->all_store);
  g_list_store_append (self->roots, self->states);
  self->select_after = G_MAXUINT;
  self->conversations = TRUE;
  self->inbox_uids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->mail_checks = g_ptr_array_new_with_free_func (g_object_unref);

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
      self->conversations = g_settings_get_boolean (self->settings, "conversations");
      g_signal_connect_object (self->settings, "changed::conversations",
                               G_CALLBACK (on_conversations_changed_cb), self, 0);
      g_signal_connect_object (self->settings, "changed::density",
                               G_CALLBACK (on_density_changed_cb), self, 0);
      on_density_changed_cb (self->settings, "density", self);
    }
  petrel_reader_set_show_conversations (self->reader, self->conversations);
  setup_panes (self);
  build_more_menu (self);
  build_move_popover (self);

  /* Sidebar: accounts, each with its folder tree. */
  self->tree = gtk_tree_list_model_new (G_LIST_MODEL (gtk_flatten_list_model_new (
                                          g_object_ref (G_LIST_MODEL (self->roots)))),
                                        FALSE, TRUE,
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

  /* Organising: actions in the window's action group, so menus, drops and tests share them. */
  g_action_map_add_action_entries (G_ACTION_MAP (self), organise_actions,
                                   G_N_ELEMENTS (organise_actions), self);
  /* F6 before any child sees it: a GtkPaned inside a pane (the reader's inline composer) would
   * otherwise keep it for its own focus cycling. */
  shortcuts = gtk_shortcut_controller_new ();
  gtk_event_controller_set_propagation_phase (shortcuts, GTK_PHASE_CAPTURE);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
    gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_F6, 0),
                      gtk_named_action_new ("win.focus-next-pane")));
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
    gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_F6, GDK_SHIFT_MASK),
                      gtk_named_action_new ("win.focus-previous-pane")));
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
    gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_F8, 0),
                      gtk_named_action_new ("win.focus-divider")));
  gtk_widget_add_controller (GTK_WIDGET (self), shortcuts);

  shortcuts = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_shortcut_trigger_parse_string (
                                                            "Menu|<Shift>F10"),
                                                          gtk_callback_action_new (
                                                            folder_menu_key_cb, self, NULL)));
  gtk_widget_add_controller (GTK_WIDGET (self->sidebar_view), shortcuts);

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

/**
 * petrel_window_get_selected_message:
 *
 * Returns: (transfer none) (nullable): the message shown in the reading pane (for reply and
 *   forward)
 */
PetrelMessage *
petrel_window_get_selected_message (PetrelWindow *self)
{
  g_return_val_if_fail (PETREL_IS_WINDOW (self), NULL);

  return petrel_reader_get_message (self->reader);
}

/**
 * petrel_window_get_reader:
 *
 * Returns: (transfer none): the reading pane, where replies are written inline
 */
PetrelReader *
petrel_window_get_reader (PetrelWindow *self)
{
  g_return_val_if_fail (PETREL_IS_WINDOW (self), NULL);

  return self->reader;
}

/**
 * petrel_window_get_accounts:
 *
 * Returns: (transfer none): the real accounts (a #GListModel of #PetrelAccount; never the demo)
 */
GListModel *
petrel_window_get_accounts (PetrelWindow *self)
{
  g_return_val_if_fail (PETREL_IS_WINDOW (self), NULL);

  return G_LIST_MODEL (self->accounts);
}

/* Shows @toast (taking it) in the window's toast overlay. */
void
petrel_window_add_toast (PetrelWindow *self,
                         AdwToast     *toast)
{
  g_return_if_fail (PETREL_IS_WINDOW (self));
  g_return_if_fail (ADW_IS_TOAST (toast));

  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/**
 * petrel_window_show_message:
 * @account_id: the account's id
 * @folder_path: the message's folder
 * @uid: its UID
 *
 * Shows that folder and opens that message (a new-mail notification was clicked).
 */
void
petrel_window_show_message (PetrelWindow *self,
                            const char   *account_id,
                            const char   *folder_path,
                            guint32       uid)
{
  PetrelFolder *folder;
  WantedMessage *wanted;
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (PETREL_IS_WINDOW (self));
  g_return_if_fail (account_id != NULL && folder_path != NULL);

  folder = find_folder (self, account_id, folder_path);
  if (folder == NULL)
    return;

  select_folder (self, folder);

  wanted = g_new0 (WantedMessage, 1);
  wanted->account = g_object_ref (petrel_folder_get_account (folder));
  wanted->folder = g_strdup (folder_path);
  wanted->uid = uid;
  task = g_task_new (self, self->cancellable, show_message_cb, NULL);
  g_task_set_source_tag (task, petrel_window_show_message);
  g_task_set_task_data (task, wanted, (GDestroyNotify) wanted_message_free);
  g_task_run_in_thread (task, show_message_thread);
}
