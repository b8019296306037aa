/* petrel-reader.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The reading pane: the selected message's headers, its body (HTML in a locked-down web view
 * when it has an HTML part, else the text with quotes and links), a bar offering remote
 * content the HTML view did not load, and its attachments with a Save button each. The
 * message is read from the cache (or the server) and parsed on a worker thread.
 *
 * With conversations on (issue 8), the other messages of the shown message's conversation
 * (from every folder, so your replies in Sent are there) are listed around it in date order,
 * each collapsed to a one-line header (sender, snippet, date) that expands to its text on a
 * click. The shown message is the newest of the conversation in its folder.
 *
 * A reply or forward is written inline (issue 9), in a PetrelComposerWidget below the message,
 * the message above it; the pane between them can be dragged. Detach moves the composer, with
 * everything in it, to a window of its own. Showing another message puts the reply away: what
 * was typed is saved in Drafts (as it is every few seconds anyway) and a toast says so. Geary
 * asks "keep or discard?" here; keeping is the answer that loses nothing, so Petrel gives it
 * without a dialog in the way of every click, and Discard stays one click away in Drafts.
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "model/petrel-conversation.h"
#include "model/petrel-demo.h"

#include "petrel-composer.h"
#include "petrel-html-view.h"
#include "petrel-text-body.h"
#include "petrel-ui-util.h"

#include "petrel-reader.h"

/* Show the spinner only when loading takes long enough to be noticed. */
#define LOADING_DELAY_MS 200
/* Below this a reply is written in a window of its own. */
#define INLINE_MIN_WIDTH 400
#define INLINE_MIN_HEIGHT 420

struct _PetrelReader
{
  GtkWidget             parent_instance;

  /* template children, borrowed */
  GtkStack             *stack;
  AdwStatusPage        *empty_page;
  GtkSpinner           *spinner;
  AdwStatusPage        *error_page;
  GtkLabel             *subject;
  AdwAvatar            *avatar;
  GtkLabel             *from_name;
  GtkLabel             *from_address;
  GtkLabel             *date;
  GtkLabel             *to;
  GtkLabel             *cc;
  GtkFlowBox           *attachments;
  GtkRevealer          *remote_revealer;
  GtkLabel             *remote_label;
  GtkStack             *body_stack;
  GtkScrolledWindow    *text_scroll;
  PetrelTextBody       *text_body;
  PetrelHtmlView       *html_view;
  GtkWidget            *thread_before_scroll;
  GtkBox               *thread_before;
  GtkWidget            *thread_after_scroll;
  GtkBox               *thread_after;
  GtkPaned             *compose_paned;
  GtkWidget            *composer_slot;

  PetrelMessage        *message;      /* owned, nullable */
  PetrelMessageContent *content;      /* owned, nullable */
  GCancellable         *cancellable;  /* owned, nullable: the current load */
  GHashTable           *remote_allowed; /* owned; "account\nfolder\nuid" of messages */
  guint                 loading_id;

  GSettings            *settings;       /* owned, nullable without the installed schema */
  gboolean              show_conversations;
  PetrelConversation   *conversation;   /* owned, nullable: the shown message's */
  GCancellable         *thread_cancellable; /* owned, nullable: conversation and its bodies */

  PetrelComposerWidget *composer;       /* owned, nullable: the inline reply */
  gboolean              all_attachments; /* "Show All N Attachments" was pressed */
};

G_DEFINE_FINAL_TYPE (PetrelReader, petrel_reader, GTK_TYPE_WIDGET)

static void load_message (PetrelReader *self);

static char *
message_key (PetrelMessage *message)
{
  return g_strdup_printf ("%s\n%s\n%u",
                          petrel_account_get_id (petrel_message_get_account (message)),
                          petrel_message_get_folder_path (message),
                          petrel_message_get_uid (message));
}

static AdwToastOverlay *
find_toast_overlay (PetrelReader *self)
{
  return ADW_TOAST_OVERLAY (gtk_widget_get_ancestor (GTK_WIDGET (self),
                                                     ADW_TYPE_TOAST_OVERLAY));
}

static void
show_toast (PetrelReader *self,
            const char   *text)
{
  AdwToastOverlay *overlay = find_toast_overlay (self);

  if (overlay != NULL)
    adw_toast_overlay_add_toast (overlay, adw_toast_new (text));
}

/* Inline composer */

/* Takes the composer out of the pane. Returns: (transfer full): the composer */
static PetrelComposerWidget *
take_composer (PetrelReader *self)
{
  PetrelComposerWidget *composer = g_steal_pointer (&self->composer);

  g_signal_handlers_disconnect_by_data (composer, self);
  if (gtk_widget_get_parent (GTK_WIDGET (composer)) == self->composer_slot)
    gtk_box_remove (GTK_BOX (self->composer_slot), GTK_WIDGET (composer));
  gtk_widget_set_visible (self->composer_slot, FALSE);
  return composer;
}

/* Sent, discarded or closed with Escape: the focus leaves with the composer, and the
 * single-key shortcuts (R to answer again) work again. */
static void
on_composer_done_cb (PetrelComposerWidget *composer,
                     PetrelReader         *self)
{
  g_autoptr(PetrelComposerWidget) taken = take_composer (self);
}

/* Moves the composer to a window of its own (shown when @present). */
static void
detach_composer (PetrelReader *self,
                 gboolean      present)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autoptr(PetrelComposerWidget) composer = take_composer (self);
  PetrelComposer *window;

  if (!PETREL_IS_WINDOW (root))
    {
      petrel_composer_widget_request_close (composer);
      return;
    }
  window = petrel_composer_new_for_widget (PETREL_WINDOW (root), composer);
  if (present)
    {
      gtk_window_present (GTK_WINDOW (window));
      petrel_composer_widget_focus_text (composer);
    }
}

static void
on_composer_detach_cb (PetrelComposerWidget *composer,
                       PetrelReader         *self)
{
  detach_composer (self, TRUE);
}

/* Hidden while the message is on its way; Undo or a refusal shows it again. */
static void
on_composer_sending_cb (PetrelComposerWidget *composer,
                        GParamSpec           *pspec,
                        PetrelReader         *self)
{
  gboolean sending = petrel_composer_widget_get_sending (composer);

  gtk_widget_set_visible (self->composer_slot, !sending);
  if (!sending)
    petrel_composer_widget_focus_text (composer);
}

/* Another message is shown: the reply is saved in Drafts and goes. One being sent lives on in
 * a hidden window, where Undo brings it back. */
static void
put_away_composer (PetrelReader *self)
{
  PetrelComposerWidget *composer;
  gboolean modified;

  if (self->composer == NULL)
    return;

  if (petrel_composer_widget_get_sending (self->composer))
    {
      detach_composer (self, FALSE);
      return;
    }

  modified = petrel_composer_widget_get_modified (self->composer);
  composer = take_composer (self);
  if (petrel_composer_widget_request_close (composer))
    g_object_unref (composer);
  else
    /* Kept until the draft is saved. */
    g_signal_connect (composer, "done", G_CALLBACK (g_object_unref), NULL);
  if (modified)
    show_toast (self, _("Unsent message saved in Drafts"));
}

static void
cancel_load (PetrelReader *self)
{
  g_clear_handle_id (&self->loading_id, g_source_remove);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
}

/* Attachments */

typedef struct
{
  GBytes *message;
  char   *part_path;
  GFile  *file;
} SaveData;

static void
save_data_free (SaveData *data)
{
  g_bytes_unref (data->message);
  g_free (data->part_path);
  g_object_unref (data->file);
  g_free (data);
}

static void
save_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  SaveData *data = task_data;
  g_autoptr(GBytes) content = NULL;
  g_autoptr(GError) error = NULL;

  content = petrel_mime_get_part_content (data->message, data->part_path, &error);
  if (content == NULL ||
      !g_file_replace_contents (data->file, g_bytes_get_data (content, NULL),
                                g_bytes_get_size (content), NULL, FALSE,
                                G_FILE_CREATE_REPLACE_DESTINATION, NULL, cancellable, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
save_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  PetrelReader *self = PETREL_READER (object);
  SaveData *data = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_file_get_basename (data->file);
  g_autofree char *text = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    /* Translators: a file name, then why it could not be saved */
    text = g_strdup_printf (_("Could not save “%s”: %s"), name, error->message);
  else
    /* Translators: a file name */
    text = g_strdup_printf (_("Saved “%s”"), name);

  show_toast (self, text);
}

static void
on_save_response_cb (GtkNativeDialog *dialog,
                     int              response,
                     PetrelReader    *self)
{
  const char *part_path = g_object_get_data (G_OBJECT (dialog), "part-path");
  g_autoptr(GFile) file = NULL;
  g_autoptr(GTask) task = NULL;
  SaveData *data;

  if (response != GTK_RESPONSE_ACCEPT || self->content == NULL)
    goto out;

  file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  if (file == NULL)
    goto out;

  data = g_new0 (SaveData, 1);
  data->message = g_bytes_ref (self->content->raw);
  data->part_path = g_strdup (part_path);
  data->file = g_steal_pointer (&file);

  task = g_task_new (self, NULL, save_done_cb, NULL);
  g_task_set_source_tag (task, on_save_response_cb);
  g_task_set_task_data (task, data, (GDestroyNotify) save_data_free);
  g_task_run_in_thread (task, save_thread);

out:
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

static void
on_save_clicked_cb (GtkButton    *button,
                    PetrelReader *self)
{
  PetrelMimeAttachment *attachment = g_object_get_data (G_OBJECT (button), "attachment");
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *dialog;

  dialog = gtk_file_chooser_native_new (_("Save Attachment"),
                                        GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog),
                                     attachment->filename != NULL ? attachment->filename
                                                                  : _("attachment"));
  g_object_set_data_full (G_OBJECT (dialog), "part-path", g_strdup (attachment->part_path),
                          g_free);
  g_signal_connect (dialog, "response", G_CALLBACK (on_save_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static GtkWidget *
make_attachment (PetrelReader         *self,
                 PetrelMimeAttachment *attachment)
{
  const char *name = attachment->filename != NULL ? attachment->filename : _("Unnamed part");
  g_autoptr(GIcon) icon = g_content_type_get_symbolic_icon (attachment->content_type);
  g_autofree char *size = g_format_size (attachment->size);
  g_autofree char *tooltip = NULL;
  GtkWidget *box, *labels, *label, *button, *image;

  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 10);
  gtk_widget_add_css_class (box, "attachment");
  gtk_widget_add_css_class (box, "card");

  image = g_object_new (GTK_TYPE_IMAGE,
                        "gicon", icon,
                        "icon-size", GTK_ICON_SIZE_LARGE,
                        "accessible-role", GTK_ACCESSIBLE_ROLE_PRESENTATION,
                        NULL);
  gtk_box_append (GTK_BOX (box), image);

  labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_set_valign (labels, GTK_ALIGN_CENTER);
  label = gtk_label_new (name);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 28);
  gtk_box_append (GTK_BOX (labels), label);
  label = gtk_label_new (size);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "caption");
  gtk_widget_add_css_class (label, "dim-label");
  gtk_box_append (GTK_BOX (labels), label);
  gtk_box_append (GTK_BOX (box), labels);

  button = gtk_button_new_from_icon_name ("document-save-symbolic");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_add_css_class (button, "circular");
  /* Translators: a tooltip; %s is a file name */
  tooltip = g_strdup_printf (_("Save “%s”…"), name);
  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  tooltip, -1);
  g_object_set_data_full (G_OBJECT (button), "attachment",
                          petrel_mime_attachment_copy (attachment),
                          (GDestroyNotify) petrel_mime_attachment_free);
  g_signal_connect (button, "clicked", G_CALLBACK (on_save_clicked_cb), self);
  gtk_box_append (GTK_BOX (box), button);

  return box;
}

/* A message with more attachments than ATTACHMENTS_MAX shows the first ATTACHMENTS_FIRST and a
 * button for all: forty photos, or a mail loop's thousand parts, would push the text out of
 * sight (and cost a widget each). */
#define ATTACHMENTS_MAX   12
#define ATTACHMENTS_FIRST 8

static void show_attachments (PetrelReader *self,
                              GPtrArray    *attachments);

static void
on_show_all_attachments_cb (GtkButton    *button,
                            PetrelReader *self)
{
  self->all_attachments = TRUE;
  if (self->content != NULL)
    show_attachments (self, self->content->body->attachments);
}

static void
show_attachments (PetrelReader *self,
                  GPtrArray    *attachments)
{
  GtkWidget *child;
  guint total = 0;
  guint shown = 0;
  guint limit;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->attachments))) != NULL)
    gtk_flow_box_remove (self->attachments, child);

  for (guint i = 0; attachments != NULL && i < attachments->len; i++)
    total += !((PetrelMimeAttachment *) g_ptr_array_index (attachments, i))->is_inline;
  limit = total > ATTACHMENTS_MAX && !self->all_attachments ? ATTACHMENTS_FIRST : total;

  for (guint i = 0; attachments != NULL && i < attachments->len && shown < limit; i++)
    {
      PetrelMimeAttachment *attachment = g_ptr_array_index (attachments, i);

      if (attachment->is_inline)
        continue;
      gtk_flow_box_append (self->attachments, make_attachment (self, attachment));
      shown++;
    }

  if (shown < total)
    {
      g_autofree char *label = NULL;
      GtkWidget *button;

      /* Translators: a button below the first few attachments of a message */
      label = g_strdup_printf (ngettext ("Show All %u Attachment", "Show All %u Attachments",
                                         total),
                               total);
      button = gtk_button_new_with_label (label);
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (button, "flat");
      g_signal_connect (button, "clicked", G_CALLBACK (on_show_all_attachments_cb), self);
      gtk_flow_box_append (self->attachments, button);
    }

  gtk_widget_set_visible (GTK_WIDGET (self->attachments), shown > 0);
}

/* Conversation */

static void
clear_box (GtkBox *box)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (box))) != NULL)
    gtk_box_remove (box, child);
}

static void
clear_conversation (PetrelReader *self)
{
  if (self->thread_cancellable != NULL)
    g_cancellable_cancel (self->thread_cancellable);
  g_clear_object (&self->thread_cancellable);
  g_clear_object (&self->conversation);
  clear_box (self->thread_before);
  clear_box (self->thread_after);
  gtk_widget_set_visible (self->thread_before_scroll, FALSE);
  gtk_widget_set_visible (self->thread_after_scroll, FALSE);
}

typedef struct
{
  GtkRevealer    *revealer;   /* owned */
  PetrelTextBody *body;       /* owned */
} ThreadBodyLoad;

static void
thread_body_load_free (ThreadBodyLoad *load)
{
  g_clear_object (&load->revealer);
  g_clear_object (&load->body);
  g_free (load);
}

static void
thread_body_loaded_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  ThreadBodyLoad *load = user_data;
  g_autoptr(PetrelMessageContent) content = NULL;
  g_autoptr(GError) error = NULL;

  content = petrel_message_load_content_finish (PETREL_MESSAGE (object), result, &error);
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      if (content != NULL)
        petrel_text_body_set_text (load->body, content->body->text);
      else
        petrel_text_body_set_text (load->body, error != NULL ? error->message
                                                             : _("Unknown error"));
    }

  thread_body_load_free (load);
}

static void
on_thread_header_clicked_cb (GtkButton    *button,
                             PetrelReader *self)
{
  GtkWidget *row = gtk_widget_get_parent (GTK_WIDGET (button));
  GtkRevealer *revealer = g_object_get_data (G_OBJECT (row), "petrel-revealer");
  PetrelMessage *message = g_object_get_data (G_OBJECT (row), "petrel-message");
  gboolean expand = !gtk_revealer_get_reveal_child (revealer);

  gtk_revealer_set_reveal_child (revealer, expand);
  gtk_accessible_update_state (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_STATE_EXPANDED, expand,
                               -1);
  if (expand)
    gtk_widget_add_css_class (row, "expanded");
  else
    gtk_widget_remove_css_class (row, "expanded");

  /* The body is read the first time the message is expanded. */
  if (expand && g_object_get_data (G_OBJECT (row), "petrel-body-requested") == NULL &&
      self->thread_cancellable != NULL)
    {
      ThreadBodyLoad *load = g_new0 (ThreadBodyLoad, 1);

      g_object_set_data (G_OBJECT (row), "petrel-body-requested", GINT_TO_POINTER (TRUE));
      load->revealer = g_object_ref (revealer);
      load->body = g_object_ref (PETREL_TEXT_BODY (gtk_revealer_get_child (revealer)));
      petrel_message_load_content_async (message,
                                         !petrel_demo_is_demo (
                                           petrel_message_get_account (message)),
                                         self->thread_cancellable, thread_body_loaded_cb, load);
    }
}

static GtkWidget *
make_thread_row (PetrelReader  *self,
                 PetrelMessage *message)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *button = gtk_button_new ();
  GtkWidget *line = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 10);
  GtkWidget *avatar;
  GtkWidget *name;
  GtkWidget *snippet;
  GtkWidget *date;
  GtkWidget *revealer = gtk_revealer_new ();
  GtkWidget *body = petrel_text_body_new ();
  const char *from = petrel_message_get_from (message);
  g_autofree char *initials = NULL;
  g_autofree char *when = petrel_format_header_date (petrel_message_get_date (message));
  g_autofree char *full_date = petrel_format_full_date (petrel_message_get_date (message));
  g_autofree char *label = NULL;

  if (from == NULL || *from == '\0')
    from = _("Unknown sender");
  initials = petrel_sender_initials_name (petrel_message_get_from_name (message),
                                          petrel_message_get_from_address (message));

  gtk_widget_add_css_class (row, "conversation-message");
  if (!petrel_message_get_seen (message))
    gtk_widget_add_css_class (row, "unread");

  avatar = adw_avatar_new (24, initials, TRUE);
  gtk_box_append (GTK_BOX (line), avatar);

  name = gtk_label_new (from);
  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (name), 24);
  gtk_widget_add_css_class (name, "heading");
  gtk_box_append (GTK_BOX (line), name);

  snippet = gtk_label_new (petrel_message_get_snippet (message));
  gtk_label_set_xalign (GTK_LABEL (snippet), 0);
  gtk_label_set_ellipsize (GTK_LABEL (snippet), PANGO_ELLIPSIZE_END);
  gtk_label_set_single_line_mode (GTK_LABEL (snippet), TRUE);
  gtk_widget_set_hexpand (snippet, TRUE);
  gtk_widget_add_css_class (snippet, "dim-label");
  gtk_box_append (GTK_BOX (line), snippet);

  date = gtk_label_new (when);
  gtk_widget_set_tooltip_text (date, full_date);
  gtk_widget_add_css_class (date, "dim-label");
  gtk_widget_add_css_class (date, "caption");
  gtk_box_append (GTK_BOX (line), date);

  gtk_button_set_child (GTK_BUTTON (button), line);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_add_css_class (button, "conversation-message-header");
  /* Translators: a collapsed message of a conversation, read by screen readers: sender, date */
  label = g_strdup_printf (_("Message from %s, %s"), from, when);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
  gtk_accessible_update_state (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_STATE_EXPANDED, FALSE, -1);
  g_signal_connect_object (button, "clicked", G_CALLBACK (on_thread_header_clicked_cb), self, 0);
  gtk_box_append (GTK_BOX (row), button);

  gtk_widget_add_css_class (body, "conversation-message-body");
  gtk_revealer_set_child (GTK_REVEALER (revealer), body);
  gtk_revealer_set_transition_type (GTK_REVEALER (revealer),
                                    GTK_REVEALER_TRANSITION_TYPE_SLIDE_DOWN);
  gtk_box_append (GTK_BOX (row), revealer);

  g_object_set_data_full (G_OBJECT (row), "petrel-message", g_object_ref (message),
                          g_object_unref);
  g_object_set_data (G_OBJECT (row), "petrel-revealer", revealer);

  return row;
}

static void
conversation_loaded_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(PetrelReader) self = user_data;
  PetrelConversation *conversation = PETREL_CONVERSATION (object);
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) seen = NULL;
  guint n;

  if (!petrel_conversation_load_finish (conversation, result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Cannot read the conversation: %s", error->message);
      return;
    }
  if (conversation != self->conversation || self->message == NULL)
    return;

  /* The same mail in two folders (INBOX and Archive, say) is shown once. */
  seen = g_hash_table_new (g_str_hash, g_str_equal);
  if (petrel_message_get_message_id (self->message) != NULL)
    g_hash_table_add (seen, (gpointer) petrel_message_get_message_id (self->message));

  n = g_list_model_get_n_items (G_LIST_MODEL (conversation));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PetrelMessage) message = g_list_model_get_item (G_LIST_MODEL (conversation), i);
      const char *message_id = petrel_message_get_message_id (message);
      gboolean later;

      if (petrel_message_same (message, self->message))
        continue;
      if (message_id != NULL && *message_id != '\0')
        {
          if (g_hash_table_contains (seen, message_id))
            continue;
          g_hash_table_add (seen, (gpointer) message_id);
        }

      later = petrel_message_get_date (message) > petrel_message_get_date (self->message);
      gtk_box_append (later ? self->thread_after : self->thread_before,
                      make_thread_row (self, message));
    }

  gtk_widget_set_visible (self->thread_before_scroll,
                          gtk_widget_get_first_child (GTK_WIDGET (self->thread_before)) != NULL);
  gtk_widget_set_visible (self->thread_after_scroll,
                          gtk_widget_get_first_child (GTK_WIDGET (self->thread_after)) != NULL);
}

static void
load_conversation (PetrelReader *self)
{
  PetrelMessage *message = self->message;

  clear_conversation (self);
  if (!self->show_conversations || message == NULL ||
      petrel_message_get_conversation_id (message) == 0 ||
      petrel_message_get_conversation_count (message) < 2)
    return;

  self->thread_cancellable = g_cancellable_new ();
  self->conversation = petrel_conversation_new (petrel_message_get_account (message),
                                                petrel_message_get_conversation_id (message));
  petrel_conversation_load_async (self->conversation, self->thread_cancellable,
                                  conversation_loaded_cb, g_object_ref (self));
}

/* Remote content */

/* The shown message's sender address, lower case, or %NULL. */
static char *
sender_address (PetrelReader *self)
{
  const char *address;

  if (self->content == NULL)
    return NULL;

  address = self->content->summary->from_address;
  if (address == NULL || strchr (address, '@') == NULL)
    return NULL;

  return g_utf8_strdown (address, -1);
}

/* Remote content loads without asking: for everyone (the setting) or this sender. */
static gboolean
remote_trusted (PetrelReader *self)
{
  g_autofree char *address = sender_address (self);
  g_auto(GStrv) trusted = NULL;

  if (self->settings == NULL)
    return FALSE;
  if (g_settings_get_boolean (self->settings, "load-remote-content"))
    return TRUE;
  if (address == NULL)
    return FALSE;

  trusted = g_settings_get_strv (self->settings, "trusted-senders");
  return g_strv_contains ((const char * const *) trusted, address);
}

static void
trust_sender_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  PetrelReader *self = PETREL_READER (widget);
  g_autofree char *address = sender_address (self);
  g_auto(GStrv) trusted = NULL;
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) updated = NULL;

  if (address == NULL || self->settings == NULL)
    return;

  trusted = g_settings_get_strv (self->settings, "trusted-senders");
  if (!g_strv_contains ((const char * const *) trusted, address))
    {
      builder = g_strv_builder_new ();
      g_strv_builder_addv (builder, (const char **) trusted);
      g_strv_builder_add (builder, address);
      updated = g_strv_builder_end (builder);
      g_settings_set_strv (self->settings, "trusted-senders", (const char * const *) updated);
    }

  petrel_reader_show_remote (self);
}

/* Showing */

static void
set_label_or_hide (GtkLabel   *label,
                   const char *prefix,
                   const char *value)
{
  g_autofree char *text = NULL;

  gtk_widget_set_visible (GTK_WIDGET (label), value != NULL && *value != '\0');
  if (value == NULL || *value == '\0')
    return;

  text = g_strdup_printf ("%s %s", prefix, value);
  gtk_label_set_label (label, text);
}

static void
show_body (PetrelReader *self,
           gboolean      allow_remote)
{
  PetrelMimeBody *body = self->content->body;
  guint remote;

  if (body->html == NULL)
    {
      gtk_revealer_set_reveal_child (self->remote_revealer, FALSE);
      petrel_text_body_set_text (self->text_body, body->text);
      gtk_stack_set_visible_child_name (self->body_stack, "text");
      return;
    }

  remote = allow_remote ? 0 : petrel_html_count_remote (body->html);
  if (remote > 0)
    {
      g_autoptr(GString) text = g_string_new (NULL);
      g_auto(GStrv) hosts = NULL;
      guint trackers = 0;

      g_string_append_printf (text, ngettext ("Remote content was blocked to protect your "
                                              "privacy (%u image or style).",
                                              "Remote content was blocked to protect your "
                                              "privacy (%u images or styles).", remote),
                              remote);
      /* Name the tracking pixels: what loading would tell whom. */
      hosts = petrel_html_find_tracking_pixels (body->html, &trackers);
      if (trackers > 0)
        {
          g_autofree char *names = g_strjoinv (", ", hosts);

          g_string_append_c (text, ' ');
          g_string_append_printf (text, ngettext ("It includes %u tracking pixel, from %s.",
                                                  "It includes %u tracking pixels, from %s.",
                                                  trackers),
                                  trackers, names);
        }
      gtk_label_set_label (self->remote_label, text->str);
    }
  gtk_revealer_set_reveal_child (self->remote_revealer, remote > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "reader.show-remote", remote > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "reader.trust-sender",
                                 remote > 0 && self->settings != NULL &&
                                 sender_address (self) != NULL);

  /* The text is there too, for the accessibility tree and for copying. */
  petrel_text_body_set_text (self->text_body, body->text);
  petrel_html_view_load (self->html_view, body->html, self->content->raw, body->attachments,
                         allow_remote);
  gtk_stack_set_visible_child_name (self->body_stack, "html");
}

static void
show_content (PetrelReader *self)
{
  PetrelMessage *message = self->message;
  PetrelMimeSummary *summary = self->content->summary;
  const char *subject = summary->subject;
  const char *name = summary->from_name;
  const char *address = summary->from_address;
  g_autofree char *initials = NULL;
  g_autofree char *date = NULL;
  g_autofree char *full_date = NULL;
  g_autofree char *key = message_key (message);
  gint64 when = summary->date != 0 ? summary->date : petrel_message_get_date (message);

  if (subject == NULL || *subject == '\0')
    subject = _("(No subject)");
  if (name == NULL || *name == '\0')
    {
      name = address;
      address = NULL;
    }
  initials = petrel_sender_initials_name (summary->from_name, summary->from_address);
  date = petrel_format_header_date (when);
  full_date = petrel_format_full_date (when);

  gtk_label_set_label (self->subject, subject);
  gtk_label_set_label (self->from_name, name != NULL && *name != '\0' ? name : _("Unknown sender"));
  gtk_label_set_label (self->from_address, address != NULL ? address : "");
  gtk_widget_set_visible (GTK_WIDGET (self->from_address), address != NULL && *address != '\0');
  gtk_label_set_label (self->date, date);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->date), full_date);
  adw_avatar_set_text (self->avatar, initials);
  /* Translators: before the list of recipients */
  set_label_or_hide (self->to, C_("recipients", "To:"), summary->to_display);
  /* Translators: before the list of copied recipients */
  set_label_or_hide (self->cc, C_("recipients", "Cc:"), summary->cc_display);

  self->all_attachments = FALSE;
  show_attachments (self, self->content->body->attachments);
  show_body (self, g_hash_table_contains (self->remote_allowed, key) || remote_trusted (self));
  load_conversation (self);

  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->text_scroll), 0);
  gtk_stack_set_visible_child_name (self->stack, "message");
}

static void
load_content_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  PetrelReader *self = user_data;
  g_autoptr(PetrelMessageContent) content = NULL;
  g_autoptr(GError) error = NULL;

  content = petrel_message_load_content_finish (PETREL_MESSAGE (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_object_unref (self);
      return;
    }

  g_clear_handle_id (&self->loading_id, g_source_remove);
  gtk_spinner_stop (self->spinner);

  if (PETREL_MESSAGE (object) == self->message)
    {
      if (content == NULL)
        {
          g_autofree char *description = NULL;

          if (error == NULL)
            description = g_strdup (_("Unknown error"));
          else if (g_error_matches (error, PETREL_STORE_ERROR,
                                    PETREL_STORE_ERROR_NEEDS_REFETCH))
            description = g_strdup (_("The message has not been downloaded yet and Petrel is "
                                      "offline. It will be shown after the next sync."));
          else
            description = g_strdup (error->message);
          adw_status_page_set_description (self->error_page, description);
          gtk_stack_set_visible_child_name (self->stack, "error");
        }
      else
        {
          g_clear_pointer (&self->content, petrel_message_content_free);
          self->content = g_steal_pointer (&content);
          show_content (self);
        }
    }

  g_object_unref (self);
}

static gboolean
loading_timeout_cb (gpointer user_data)
{
  PetrelReader *self = user_data;

  self->loading_id = 0;
  gtk_spinner_start (self->spinner);
  gtk_stack_set_visible_child_name (self->stack, "loading");

  return G_SOURCE_REMOVE;
}

static void
load_message (PetrelReader *self)
{
  PetrelMessage *message = self->message;

  cancel_load (self);
  self->cancellable = g_cancellable_new ();
  self->loading_id = g_timeout_add (LOADING_DELAY_MS, loading_timeout_cb, self);

  petrel_message_load_content_async (message,
                                     !petrel_demo_is_demo (petrel_message_get_account (message)),
                                     self->cancellable, load_content_cb, g_object_ref (self));
}

static void
on_message_loaded_cb (PetrelMessage *message,
                      GParamSpec    *pspec,
                      PetrelReader  *self)
{
  if (message == self->message && petrel_message_is_loaded (message))
    {
      g_signal_handlers_disconnect_by_func (message, on_message_loaded_cb, self);
      load_message (self);
    }
}

static void
show_remote_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  petrel_reader_show_remote (PETREL_READER (widget));
}

static void
petrel_reader_dispose (GObject *object)
{
  PetrelReader *self = PETREL_READER (object);

  if (self->composer != NULL)
    {
      PetrelComposerWidget *composer = take_composer (self);

      /* Closing the main window: what was typed is saved, then the composer goes; the
       * application waits for it. */
      if (petrel_composer_widget_get_sending (composer) ||
          petrel_composer_widget_request_close (composer))
        g_object_unref (composer);
      else
        {
          GApplication *application = g_application_get_default ();

          if (application != NULL)
            {
              g_application_hold (application);
              g_signal_connect_swapped (composer, "done", G_CALLBACK (g_application_release),
                                        application);
            }
          g_signal_connect (composer, "done", G_CALLBACK (g_object_unref), NULL);
        }
    }
  cancel_load (self);
  clear_conversation (self);
  if (self->message != NULL)
    g_signal_handlers_disconnect_by_func (self->message, on_message_loaded_cb, self);
  g_clear_object (&self->message);
  g_clear_pointer (&self->content, petrel_message_content_free);
  g_clear_pointer (&self->remote_allowed, g_hash_table_unref);
  g_clear_object (&self->settings);
  gtk_widget_dispose_template (GTK_WIDGET (self), PETREL_TYPE_READER);

  G_OBJECT_CLASS (petrel_reader_parent_class)->dispose (object);
}

static void
petrel_reader_class_init (PetrelReaderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = petrel_reader_dispose;

  g_type_ensure (PETREL_TYPE_TEXT_BODY);
  g_type_ensure (PETREL_TYPE_HTML_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/petrelmail/Petrel/ui/petrel-reader.ui");
  gtk_widget_class_bind_template_child (widget_class, PetrelReader, stack);
  gtk_widget_class_bind_template_child (widget_class, PetrelReader, empty_page);
  gtk_widget_class_bind_template_child (widget_class, PetrelReader, spinner);
  gtk_widget_class_bind_template_child (widget_class, PetrelReader, error_page);
  gtk_widget_class_bind_template_child (widget_class, PetrelReader, subject);
  gtk_widget_class_bind_template_child (widget_class, PetrelReader, avatar);
  gtk_widget_class_bind_template_child (widget_class, PetrelReader, from_name);
  gtk_widget_class_bind_template_child (widget_class, PetrelReader, from_address);
  gtk_widget_class_bind_template_child (widget_class, PetrelReader, date);
  gtk_widget_class_bind_template_child (widget_class, PetrelReader, to);
  gtk_widget_class_bind_template_child (widget_class, PetrelReader, cc);
  gtk_widget_class_bind_template_child (widget_class, PetrelReader, attachments);
  gtk_widget_class_bind_template_child (widget_class, PetrelReader, remote_revealer);
  gtk_widget_class_bind_template_child (widget_class, PetrelReader, remote_label);
  gtk_widget_class_bind_template_child (widget_class, PetrelReader, body_stack);
  gtk_widget_class_bind_template_child (widget_class, PetrelReader, text_scroll);
  gtk_widget_class_bind_template_child (widget_class, PetrelReader, text_body);
  gtk_widget_class_bind_template_child (widget_class, PetrelReader, html_view);
  gtk_widget_class_bind_template_child (widget_class, PetrelReader, thread_before_scroll);
  gtk_widget_class_bind_template_child (widget_class, PetrelReader, thread_before);
  gtk_widget_class_bind_template_child (widget_class, PetrelReader, thread_after_scroll);
  gtk_widget_class_bind_template_child (widget_class, PetrelReader, thread_after);
  gtk_widget_class_bind_template_child (widget_class, PetrelReader, compose_paned);
  gtk_widget_class_bind_template_child (widget_class, PetrelReader, composer_slot);

  gtk_widget_class_install_action (widget_class, "reader.show-remote", NULL, show_remote_action);
  gtk_widget_class_install_action (widget_class, "reader.trust-sender", NULL,
                                   trust_sender_action);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "reader");
  /* A container: GTK 4.8 would name one of the default role "PetrelReader" (#11). */
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
petrel_reader_init (PetrelReader *self)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->remote_allowed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "reader.show-remote", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "reader.trust-sender", FALSE);

  /* Without the installed schema (a bare build-tree run) no sender is trusted. */
  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APPLICATION_ID, TRUE);
  if (schema != NULL && g_settings_schema_has_key (schema, "trusted-senders") &&
      g_settings_schema_has_key (schema, "load-remote-content"))
    self->settings = g_settings_new (APPLICATION_ID);
}

GtkWidget *
petrel_reader_new (void)
{
  return g_object_new (PETREL_TYPE_READER, NULL);
}

/**
 * petrel_reader_show_message:
 * @message: (nullable): the message to show, or %NULL for none
 */
void
petrel_reader_show_message (PetrelReader  *self,
                            PetrelMessage *message)
{
  g_return_if_fail (PETREL_IS_READER (self));
  g_return_if_fail (message == NULL || PETREL_IS_MESSAGE (message));

  if (message != NULL && self->message != NULL && petrel_message_same (message, self->message))
    return;

  put_away_composer (self);
  cancel_load (self);
  clear_conversation (self);
  if (self->message != NULL)
    g_signal_handlers_disconnect_by_func (self->message, on_message_loaded_cb, self);
  g_set_object (&self->message, message);
  g_clear_pointer (&self->content, petrel_message_content_free);

  if (message == NULL)
    {
      petrel_reader_show_selection (self, 0);
      return;
    }

  if (petrel_message_is_loaded (message))
    load_message (self);
  else
    g_signal_connect (message, "notify::loaded", G_CALLBACK (on_message_loaded_cb), self);
}

/**
 * petrel_reader_show_selection:
 * @n_selected: how many messages are selected (0 or several)
 *
 * Shows no message, saying why.
 */
void
petrel_reader_show_selection (PetrelReader *self,
                              guint         n_selected)
{
  g_autofree char *title = NULL;

  g_return_if_fail (PETREL_IS_READER (self));

  if (n_selected == 1)
    return;

  put_away_composer (self);
  cancel_load (self);
  clear_conversation (self);
  if (self->message != NULL)
    g_signal_handlers_disconnect_by_func (self->message, on_message_loaded_cb, self);
  g_clear_object (&self->message);
  g_clear_pointer (&self->content, petrel_message_content_free);

  if (n_selected == 0)
    title = g_strdup (_("No Message Selected"));
  else
    title = g_strdup_printf (ngettext ("%u Message Selected", "%u Messages Selected",
                                       n_selected), n_selected);
  adw_status_page_set_title (self->empty_page, title);
  adw_status_page_set_icon_name (self->empty_page,
                                 n_selected == 0 ? "mail-unread-symbolic"
                                                 : "edit-select-all-symbolic");
  gtk_stack_set_visible_child_name (self->stack, "empty");
}

PetrelMessage *
petrel_reader_get_message (PetrelReader *self)
{
  g_return_val_if_fail (PETREL_IS_READER (self), NULL);

  return self->message;
}

/* Loads the remote content of the message shown, for as long as the app runs. */
void
petrel_reader_show_remote (PetrelReader *self)
{
  g_return_if_fail (PETREL_IS_READER (self));

  if (self->message == NULL || self->content == NULL || self->content->body->html == NULL)
    return;

  g_hash_table_add (self->remote_allowed, message_key (self->message));
  show_body (self, TRUE);
}

/**
 * petrel_reader_set_show_conversations:
 * @show: whether to list the other messages of the shown message's conversation
 */
void
petrel_reader_set_show_conversations (PetrelReader *self,
                                      gboolean      show)
{
  g_return_if_fail (PETREL_IS_READER (self));

  show = !!show;
  if (self->show_conversations == show)
    return;

  self->show_conversations = show;
  if (self->content != NULL)
    load_conversation (self);
  else
    clear_conversation (self);
}

/* The conversation listed around the shown message, or %NULL (none, or not read yet). */
PetrelConversation *
petrel_reader_get_conversation (PetrelReader *self)
{
  g_return_val_if_fail (PETREL_IS_READER (self), NULL);

  return self->conversation;
}

/**
 * petrel_reader_can_compose_inline:
 *
 * Returns: whether a reply to the shown message can be written in the pane: a message is
 *   shown, the pane is on screen and large enough, and it holds no reply with text already
 */
gboolean
petrel_reader_can_compose_inline (PetrelReader *self)
{
  g_return_val_if_fail (PETREL_IS_READER (self), FALSE);

  if (self->message == NULL || self->content == NULL ||
      g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "message") != 0 ||
      !gtk_widget_get_mapped (GTK_WIDGET (self)) ||
      gtk_widget_get_width (GTK_WIDGET (self)) < INLINE_MIN_WIDTH ||
      gtk_widget_get_height (GTK_WIDGET (self)) < INLINE_MIN_HEIGHT)
    return FALSE;

  return self->composer == NULL ||
         (!petrel_composer_widget_get_sending (self->composer) &&
          !petrel_composer_widget_get_modified (self->composer));
}

/**
 * petrel_reader_set_composer:
 * @composer: a composer with no parent, answering the shown message
 *
 * Shows @composer below the message (replacing an untouched one), the focus in its text.
 */
void
petrel_reader_set_composer (PetrelReader         *self,
                            PetrelComposerWidget *composer)
{
  int height;

  g_return_if_fail (PETREL_IS_READER (self));
  g_return_if_fail (PETREL_IS_COMPOSER_WIDGET (composer));
  g_return_if_fail (gtk_widget_get_parent (GTK_WIDGET (composer)) == NULL);

  put_away_composer (self);

  self->composer = g_object_ref_sink (composer);
  petrel_composer_widget_set_inline (composer, TRUE);
  gtk_box_append (GTK_BOX (self->composer_slot), GTK_WIDGET (composer));
  gtk_widget_set_vexpand (GTK_WIDGET (composer), TRUE);
  g_signal_connect (composer, "done", G_CALLBACK (on_composer_done_cb), self);
  g_signal_connect (composer, "detach", G_CALLBACK (on_composer_detach_cb), self);
  g_signal_connect (composer, "notify::sending", G_CALLBACK (on_composer_sending_cb), self);
  gtk_widget_set_visible (self->composer_slot, TRUE);

  /* The message keeps the upper part of the pane, the reply gets the rest. */
  height = gtk_widget_get_height (GTK_WIDGET (self));
  gtk_paned_set_position (self->compose_paned, MAX (height * 2 / 5, 120));
  petrel_composer_widget_focus_text (composer);
}

/**
 * petrel_reader_get_composer:
 *
 * Returns: (transfer none) (nullable): the reply being written in the pane
 */
PetrelComposerWidget *
petrel_reader_get_composer (PetrelReader *self)
{
  g_return_val_if_fail (PETREL_IS_READER (self), NULL);

  return self->composer;
}
