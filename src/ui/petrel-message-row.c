/* petrel-message-row.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One row of the message list: sender, date, subject, a two-line snippet; unread mail is bold
 * with an accent dot; stars, attachments, replies and the size of the conversation are small
 * marks. A row bound to a placeholder (a page not read yet) fills itself in when the message
 * is loaded, through property notifications.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "petrel-ui-util.h"

#include "petrel-message-row.h"

struct _PetrelMessageRow
{
  GtkWidget      parent_instance;

  /* template children, borrowed */
  GtkWidget     *box;
  GtkWidget     *unread_dot;
  GtkLabel      *sender;
  GtkLabel      *thread_count;
  GtkLabel      *date;
  GtkLabel      *subject;
  GtkWidget     *answered_icon;
  GtkWidget     *attachment_icon;
  GtkWidget     *star_icon;
  GtkLabel      *snippet;
  GtkLabel      *folder;

  PetrelMessage *message;       /* owned, nullable */
  char          *folder_label;  /* owned, nullable: shown under the snippet (search results) */
  gboolean       conversation;  /* the row stands for the message's whole conversation */
};

G_DEFINE_FINAL_TYPE (PetrelMessageRow, petrel_message_row, GTK_TYPE_WIDGET)

static void
update (PetrelMessageRow *self)
{
  PetrelMessage *message = self->message;
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *date = NULL;
  g_autofree char *description = NULL;
  g_autofree char *label = NULL;
  GString *marks;
  gboolean unread;
  const char *subject;
  guint count;

  if (message == NULL || !petrel_message_is_loaded (message))
    {
      gtk_label_set_label (self->sender, "");
      gtk_label_set_label (self->subject, "");
      gtk_label_set_label (self->snippet, "");
      gtk_label_set_label (self->date, "");
      gtk_widget_set_opacity (self->unread_dot, 0.0);
      gtk_widget_set_visible (GTK_WIDGET (self->thread_count), FALSE);
      gtk_widget_set_visible (self->answered_icon, FALSE);
      gtk_widget_set_visible (self->attachment_icon, FALSE);
      gtk_widget_set_visible (self->star_icon, FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->folder), FALSE);
      gtk_widget_remove_css_class (GTK_WIDGET (self), "unread");
      return;
    }

  now = g_date_time_new_now_local ();
  date = petrel_format_list_date (petrel_message_get_date (message), now);
  count = petrel_message_get_conversation_count (message);
  unread = !petrel_message_get_seen (message);
  subject = petrel_message_get_subject (message);
  if (*subject == '\0')
    subject = _("(No subject)");

  /* A collapsed conversation: its senders, unread while any of its messages is. */
  if (self->conversation && count > 1)
    {
      const char *participants = petrel_message_get_participants (message);

      unread = unread || petrel_message_get_conversation_unread (message) > 0;
      gtk_label_set_label (self->sender, *participants != '\0'
                                         ? participants : petrel_message_get_from (message));
    }
  else
    gtk_label_set_label (self->sender, petrel_message_get_from (message));
  gtk_label_set_label (self->subject, subject);
  gtk_label_set_label (self->snippet, petrel_message_get_snippet (message));
  gtk_label_set_label (self->date, date);

  if (unread)
    gtk_widget_add_css_class (GTK_WIDGET (self), "unread");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "unread");
  gtk_widget_set_opacity (self->unread_dot, unread ? 1.0 : 0.0);

  gtk_widget_set_visible (self->answered_icon, petrel_message_get_answered (message));
  gtk_widget_set_visible (self->attachment_icon, petrel_message_get_has_attachments (message));
  gtk_widget_set_visible (self->star_icon, petrel_message_get_flagged (message));

  gtk_widget_set_visible (GTK_WIDGET (self->thread_count), count > 1);
  if (count > 1)
    {
      g_autofree char *text = g_strdup_printf ("%u", count);
      g_autofree char *tooltip = g_strdup_printf (ngettext ("%u message in this conversation",
                                                            "%u messages in this conversation",
                                                            count), count);

      gtk_label_set_label (self->thread_count, text);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->thread_count), tooltip);
    }

  /* With the folder (or account) under it, the snippet takes one line, not two: the rows keep
   * one height without a blank line between the snippet and the folder. */
  gtk_widget_set_visible (GTK_WIDGET (self->folder), self->folder_label != NULL);
  gtk_label_set_lines (self->snippet, self->folder_label != NULL ? 1 : 2);
  if (self->folder_label != NULL)
    {
      gtk_label_set_label (self->folder, self->folder_label);
      gtk_widget_add_css_class (GTK_WIDGET (self), "with-folder");
    }
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "with-folder");

  /* What a screen reader says after the labels. */
  marks = g_string_new (NULL);
  if (self->conversation && count > 1)
    g_string_append_printf (marks, ngettext ("%u message", "%u messages", count), count);
  if (unread)
    g_string_append_printf (marks, "%s%s", marks->len > 0 ? ", " : "", _("Unread"));
  if (petrel_message_get_flagged (message))
    g_string_append_printf (marks, "%s%s", marks->len > 0 ? ", " : "", _("Starred"));
  if (petrel_message_get_has_attachments (message))
    g_string_append_printf (marks, "%s%s", marks->len > 0 ? ", " : "", _("Has attachments"));
  if (petrel_message_get_answered (message))
    g_string_append_printf (marks, "%s%s", marks->len > 0 ? ", " : "", _("Replied"));
  description = g_string_free (marks, FALSE);
  /* The row's name, which a screen reader says first (#11): without one GTK 4.8 names it
   * "PetrelMessageRow". */
  label = g_strdup_printf ("%s, %s, %s", gtk_label_get_label (self->sender), subject, date);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description, -1);
}

static void
on_message_notify_cb (PetrelMessage    *message,
                      GParamSpec       *pspec,
                      PetrelMessageRow *self)
{
  update (self);
}

static void
petrel_message_row_dispose (GObject *object)
{
  PetrelMessageRow *self = PETREL_MESSAGE_ROW (object);

  petrel_message_row_set_message (self, NULL, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), PETREL_TYPE_MESSAGE_ROW);

  G_OBJECT_CLASS (petrel_message_row_parent_class)->dispose (object);
}

static void
petrel_message_row_finalize (GObject *object)
{
  PetrelMessageRow *self = PETREL_MESSAGE_ROW (object);

  g_clear_pointer (&self->folder_label, g_free);

  G_OBJECT_CLASS (petrel_message_row_parent_class)->finalize (object);
}

static void
petrel_message_row_class_init (PetrelMessageRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = petrel_message_row_dispose;
  object_class->finalize = petrel_message_row_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/petrelmail/Petrel/ui/petrel-message-row.ui");
  gtk_widget_class_bind_template_child (widget_class, PetrelMessageRow, box);
  gtk_widget_class_bind_template_child (widget_class, PetrelMessageRow, unread_dot);
  gtk_widget_class_bind_template_child (widget_class, PetrelMessageRow, sender);
  gtk_widget_class_bind_template_child (widget_class, PetrelMessageRow, thread_count);
  gtk_widget_class_bind_template_child (widget_class, PetrelMessageRow, date);
  gtk_widget_class_bind_template_child (widget_class, PetrelMessageRow, subject);
  gtk_widget_class_bind_template_child (widget_class, PetrelMessageRow, answered_icon);
  gtk_widget_class_bind_template_child (widget_class, PetrelMessageRow, attachment_icon);
  gtk_widget_class_bind_template_child (widget_class, PetrelMessageRow, star_icon);
  gtk_widget_class_bind_template_child (widget_class, PetrelMessageRow, snippet);
  gtk_widget_class_bind_template_child (widget_class, PetrelMessageRow, folder);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "messagerow");
}

static void
petrel_message_row_init (PetrelMessageRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
petrel_message_row_new (void)
{
  return g_object_new (PETREL_TYPE_MESSAGE_ROW, NULL);
}

/**
 * petrel_message_row_set_message:
 * @message: (nullable): the message to show
 * @folder_label: (nullable): the message's folder, to show it (search results span folders)
 */
void
petrel_message_row_set_message (PetrelMessageRow *self,
                                PetrelMessage    *message,
                                const char       *folder_label)
{
  g_return_if_fail (PETREL_IS_MESSAGE_ROW (self));
  g_return_if_fail (message == NULL || PETREL_IS_MESSAGE (message));

  if (self->message != NULL)
    g_signal_handlers_disconnect_by_func (self->message, on_message_notify_cb, self);
  g_set_object (&self->message, message);
  g_free (self->folder_label);
  self->folder_label = g_strdup (folder_label);
  if (message != NULL)
    g_signal_connect_object (message, "notify", G_CALLBACK (on_message_notify_cb), self, 0);

  update (self);
}

PetrelMessage *
petrel_message_row_get_message (PetrelMessageRow *self)
{
  g_return_val_if_fail (PETREL_IS_MESSAGE_ROW (self), NULL);

  return self->message;
}

/**
 * petrel_message_row_set_conversation:
 * @conversation: whether the row stands for the message's whole conversation (its senders,
 *   unread while any message is)
 */
void
petrel_message_row_set_conversation (PetrelMessageRow *self,
                                     gboolean          conversation)
{
  g_return_if_fail (PETREL_IS_MESSAGE_ROW (self));

  if (self->conversation == !!conversation)
    return;

  self->conversation = !!conversation;
  update (self);
}

/**
 * petrel_message_row_set_compact:
 * @compact: whether to show the compact row (the "density" setting): no snippet, less padding
 */
void
petrel_message_row_set_compact (PetrelMessageRow *self,
                                gboolean          compact)
{
  g_return_if_fail (PETREL_IS_MESSAGE_ROW (self));

  gtk_widget_set_visible (GTK_WIDGET (self->snippet), !compact);
  if (compact)
    gtk_widget_add_css_class (GTK_WIDGET (self), "compact");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "compact");
}
