/* petrel-window-compose.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The main window's ways into the composer: win.compose, win.reply, win.reply-all,
 * win.forward, win.forward-attachment and win.edit-draft (with the single-key shortcuts c, r,
 * Shift+R, f and e, which only fire when no text field has the focus: a focused entry takes
 * the key first), and mailto: links.
 *
 * A reply or forward is written inline, below the message in the reading pane, when the pane
 * is on screen and large enough and holds no other reply with text; otherwise, and for a new
 * message, a link or a draft, the composer opens in a window of its own.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "mime/petrel-mailto.h"

#include "petrel-composer.h"
#include "petrel-window-compose.h"

static PetrelAccount *
first_account (PetrelWindow *window)
{
  GListModel *accounts = petrel_window_get_accounts (window);
  g_autoptr(PetrelAccount) account = NULL;

  if (g_list_model_get_n_items (accounts) == 0)
    return NULL;
  account = g_list_model_get_item (accounts, 0);
  return account;   /* the list keeps its reference */
}

/* Whether @account is one of the window's real accounts (not the demo mailbox). */
static gboolean
is_real_account (PetrelWindow  *window,
                 PetrelAccount *account)
{
  GListModel *accounts = petrel_window_get_accounts (window);

  for (guint i = 0; i < g_list_model_get_n_items (accounts); i++)
    {
      g_autoptr(PetrelAccount) item = g_list_model_get_item (accounts, i);

      if (item == account)
        return TRUE;
    }
  return FALSE;
}

static PetrelComposer *
new_composer (PetrelWindow  *window,
              PetrelAccount *account)
{
  if (first_account (window) == NULL)
    {
      petrel_window_add_toast (window, adw_toast_new (_("Add an account to write messages")));
      return NULL;
    }
  if (account == NULL || !is_real_account (window, account))
    account = first_account (window);

  return petrel_composer_new (window, account);
}

static void
compose_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  PetrelWindow *window = PETREL_WINDOW (widget);
  PetrelMessage *selected = petrel_window_get_selected_message (window);
  PetrelComposer *composer;

  composer = new_composer (window, selected != NULL ? petrel_message_get_account (selected)
                                                    : NULL);
  if (composer != NULL)
    gtk_window_present (GTK_WINDOW (composer));
}

static void
reply_with_mode (PetrelWindow        *window,
                 PetrelMimeReplyMode  mode)
{
  PetrelMessage *selected = petrel_window_get_selected_message (window);
  PetrelComposer *composer;
  PetrelReader *reader;

  if (selected == NULL || !is_real_account (window, petrel_message_get_account (selected)))
    {
      gtk_widget_error_bell (GTK_WIDGET (window));
      return;
    }

  reader = petrel_window_get_reader (window);
  if (petrel_reader_can_compose_inline (reader))
    {
      PetrelComposerWidget *inline_composer;

      inline_composer = petrel_composer_widget_new (window, petrel_message_get_account (selected));
      petrel_reader_set_composer (reader, inline_composer);
      petrel_composer_widget_start_reply (inline_composer, selected, mode);
      return;
    }

  composer = new_composer (window, petrel_message_get_account (selected));
  if (composer == NULL)
    return;
  petrel_composer_start_reply (composer, selected, mode);
  gtk_window_present (GTK_WINDOW (composer));
}

static void
reply_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  PetrelMimeReplyMode mode;

  if (g_strcmp0 (action_name, "win.reply-all") == 0)
    mode = PETREL_MIME_REPLY_ALL;
  else if (g_strcmp0 (action_name, "win.forward") == 0)
    mode = PETREL_MIME_REPLY_FORWARD;
  else if (g_strcmp0 (action_name, "win.forward-attachment") == 0)
    mode = PETREL_MIME_REPLY_FORWARD_ATTACHMENT;
  else
    mode = PETREL_MIME_REPLY_SENDER;

  reply_with_mode (PETREL_WINDOW (widget), mode);
}

static void
edit_draft_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  PetrelWindow *window = PETREL_WINDOW (widget);
  PetrelMessage *selected = petrel_window_get_selected_message (window);
  g_autoptr(PetrelStoreFolder) folder = NULL;
  PetrelComposer *composer;
  PetrelStore *store;

  if (selected == NULL || !is_real_account (window, petrel_message_get_account (selected)))
    {
      gtk_widget_error_bell (widget);
      return;
    }

  /* One indexed row: cheap enough for the main loop. */
  store = petrel_account_get_store (petrel_message_get_account (selected), NULL);
  if (store != NULL)
    folder = petrel_store_get_folder_by_path (store, petrel_message_get_folder_path (selected),
                                              NULL);
  if (folder == NULL || folder->role != PETREL_STORE_FOLDER_ROLE_DRAFTS)
    {
      petrel_window_add_toast (window, adw_toast_new (_("Only drafts can be edited")));
      return;
    }

  composer = new_composer (window, petrel_message_get_account (selected));
  if (composer == NULL)
    return;
  petrel_composer_open_draft (composer, selected);
  gtk_window_present (GTK_WINDOW (composer));
}

/**
 * petrel_window_compose_mailto:
 * @window: the main window
 * @uri: a mailto: link
 * @error: return location for a %PETREL_MIME_ERROR when @uri is not a valid link
 *
 * Opens a composer filled from @uri. Nothing is sent until the user presses Send; what the
 * link asked for and Petrel does not do (attaching files) is shown in the composer.
 *
 * Returns: %TRUE if a composer was opened
 */
gboolean
petrel_window_compose_mailto (PetrelWindow  *window,
                              const char    *uri,
                              GError       **error)
{
  g_autoptr(PetrelMailto) mailto = NULL;
  PetrelComposer *composer;

  g_return_val_if_fail (PETREL_IS_WINDOW (window), FALSE);
  g_return_val_if_fail (uri != NULL, FALSE);

  mailto = petrel_mailto_parse (uri, error);
  if (mailto == NULL)
    return FALSE;

  composer = new_composer (window, NULL);
  if (composer == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           _("Add an account to write messages"));
      return FALSE;
    }
  petrel_composer_set_mailto (composer, mailto);
  gtk_window_present (GTK_WINDOW (composer));
  return TRUE;
}

/**
 * petrel_window_compose_install_actions:
 * @klass: PetrelWindow's class
 *
 * Installs the composer actions and their shortcuts on the main window.
 */
void
petrel_window_compose_install_actions (GtkWidgetClass *klass)
{
  gtk_widget_class_install_action (klass, "win.compose", NULL, compose_action);
  gtk_widget_class_install_action (klass, "win.reply", NULL, reply_action);
  gtk_widget_class_install_action (klass, "win.reply-all", NULL, reply_action);
  gtk_widget_class_install_action (klass, "win.forward", NULL, reply_action);
  gtk_widget_class_install_action (klass, "win.forward-attachment", NULL, reply_action);
  gtk_widget_class_install_action (klass, "win.edit-draft", NULL, edit_draft_action);

  gtk_widget_class_add_binding_action (klass, GDK_KEY_c, 0, "win.compose", NULL);
  gtk_widget_class_add_binding_action (klass, GDK_KEY_n, GDK_CONTROL_MASK, "win.compose", NULL);
  gtk_widget_class_add_binding_action (klass, GDK_KEY_r, 0, "win.reply", NULL);
  gtk_widget_class_add_binding_action (klass, GDK_KEY_R, GDK_SHIFT_MASK, "win.reply-all", NULL);
  gtk_widget_class_add_binding_action (klass, GDK_KEY_f, 0, "win.forward", NULL);
  gtk_widget_class_add_binding_action (klass, GDK_KEY_e, 0, "win.edit-draft", NULL);
}
