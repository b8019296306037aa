/* petrel-composer-widget.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The composer (issue 9), as a widget that two hosts show: a window of its own
 * (PetrelComposer: a new message, a mailto: link, a draft opened again) and the reading pane,
 * below the message answered (PetrelReader: replies and forwards, "inline"). What is typed is
 * saved as a draft (in the store at once, then on the server's Drafts folder, replacing the
 * previous version) a few seconds after each change and when the composer closes. Send puts
 * the message in the outbox with the undo-send delay; the host hides the composer meanwhile
 * (#PetrelComposerWidget:sending) and an "Undo" toast in the main window brings it back. A
 * refused message shows the composer again with the server's reason, the text intact.
 *
 * The composer tells its host when it is finished (::done: sent, discarded, or saved after
 * petrel_composer_widget_request_close()) and when the user asks for it in a window of its own
 * (::detach). Inline, the buttons of the header bar move to a bar of the composer's own, the
 * subject of a reply is folded away behind a toggle, and Escape closes an untouched reply.
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "mime/petrel-mime-address.h"
#include "mime/petrel-mime-builder.h"
#include "mime/petrel-mime-summary.h"
#include "mime/petrel-mime-text.h"
#include "model/petrel-address-book.h"
#include "sync/petrel-changes.h"
#include "sync/petrel-drafts.h"
#include "sync/petrel-outbox.h"

#include "petrel-composer-widget.h"
#include "petrel-rich-text.h"

#define AUTOSAVE_SECONDS 3
#define COMPLETION_LIMIT 8
/* Many providers refuse messages above this: the warning uses it until the outbox has met the
 * account's server and remembered its own SIZE limit (petrel_outbox_get_size_limit()). */
#define COMMON_SIZE_LIMIT (25 * 1000 * 1000)

typedef struct
{
  PetrelAccount *account;   /* owned */
  char          *name;      /* owned, nullable */
  char          *address;   /* owned */
} Identity;

typedef struct
{
  char   *filename;       /* owned */
  char   *content_type;   /* owned, nullable: guessed when built */
  GBytes *data;           /* owned */
} Attachment;

struct _PetrelComposerWidget
{
  GtkWidget           parent_instance;

  /* template children, borrowed */
  GtkWidget          *content_box;
  AdwHeaderBar       *header_bar;
  AdwWindowTitle     *window_title;
  GtkCenterBox       *inline_bar;
  GtkLabel           *inline_title;
  GtkWidget          *start_box;
  GtkWidget          *end_box;
  GtkWidget          *detach_button;
  GtkToggleButton    *subject_toggle;
  GtkWidget          *subject_label;
  GtkLabel           *draft_label;
  GtkInfoBar         *notice_bar;
  GtkLabel           *notice_label;
  GtkDropDown        *from_dropdown;
  GtkLabel           *from_single_label;
  GtkLabel           *from_label;
  GtkEntry           *to_entry;
  GtkEntry           *cc_entry;
  GtkEntry           *bcc_entry;
  GtkEntry           *subject_entry;
  GtkToggleButton    *cc_toggle;
  GtkToggleButton    *bcc_toggle;
  GtkTextView        *body_view;         /* a PetrelRichTextView */
  GtkToggleButton    *rich_toggle;
  GtkRevealer        *format_revealer;
  GtkBox             *format_bar;
  GtkToggleButton    *format_buttons[PETREL_RICH_N_STYLES];
  gboolean            syncing_format;    /* setting the buttons from the text */
  GtkRevealer        *attachments_revealer;
  GtkLabel           *attachments_title;
  GtkLabel           *size_warning;
  GtkListBox         *attachments_list;
  GtkWidget          *send_button;

  PetrelWindow       *window;            /* weak pointer */
  char               *title;             /* owned */
  gboolean            is_inline;
  gboolean            fold_subject;      /* a reply: the subject need not be seen */
  PetrelMessage      *original;          /* owned, nullable: the message answered */
  GPtrArray          *identities;        /* owned, of Identity */
  PetrelAddressBook  *address_book;      /* owned */
  GCancellable       *cancellable;       /* owned; cancelled in dispose */
  GPtrArray          *attachments;       /* owned, of Attachment */

  /* threading of a reply, and what it answers */
  char               *in_reply_to;       /* owned, nullable */
  GStrv               references;        /* owned, nullable */
  PetrelAccount      *original_account;  /* owned, nullable */
  char               *original_folder;   /* owned, nullable */
  guint32             original_uid;
  gboolean            is_reply;

  /* drafts */
  char               *message_id;        /* owned: every version of the draft keeps it */
  PetrelAccount      *draft_account;     /* owned, nullable: where draft_id lives */
  gint64              draft_id;          /* 0 until saved */
  gboolean            dirty;
  gboolean            saving;
  gboolean            save_again;
  gboolean            close_after_save;
  guint               autosave_id;
  gboolean            loading;           /* filling the fields: not a user change */

  /* sending */
  gboolean            sending;           /* hidden, waiting for undo or the server */
  struct _SendJob    *send_job;          /* owned, nullable: the message being sent */
  gint64              outbox_id;
  guint               send_timeout_id;
  AdwToast           *send_toast;        /* borrowed, nullable */

  /* completion */
  GtkPopover         *completion_popover;  /* owned by completion_entry, nullable */
  GtkListBox         *completion_list;     /* borrowed */
  GtkEntry           *completion_entry;    /* borrowed: the entry the popover is on */
  guint               completion_serial;
};

G_DEFINE_FINAL_TYPE (PetrelComposerWidget, petrel_composer_widget, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_TITLE,
  PROP_SENDING,
  PROP_INLINE,
  N_PROPS
};

enum
{
  DONE,
  DETACH,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void schedule_autosave (PetrelComposerWidget *self);
static void set_rich_mode (PetrelComposerWidget *self,
                           gboolean        rich);
static void save_draft (PetrelComposerWidget *self);
static void image_file_loaded_cb (GObject      *object,
                                  GAsyncResult *result,
                                  gpointer      user_data);

/* Helpers */

static void
identity_free (Identity *identity)
{
  g_clear_object (&identity->account);
  g_free (identity->name);
  g_free (identity->address);
  g_free (identity);
}

static void
attachment_free (Attachment *attachment)
{
  g_free (attachment->filename);
  g_free (attachment->content_type);
  g_bytes_unref (attachment->data);
  g_free (attachment);
}

static Identity *
current_identity (PetrelComposerWidget *self)
{
  guint selected = gtk_drop_down_get_selected (self->from_dropdown);

  if (selected == GTK_INVALID_LIST_POSITION || selected >= self->identities->len)
    return self->identities->len > 0 ? g_ptr_array_index (self->identities, 0) : NULL;
  return g_ptr_array_index (self->identities, selected);
}

static PetrelRichTextView *
rich_view (PetrelComposerWidget *self)
{
  return PETREL_RICH_TEXT_VIEW (self->body_view);
}

static gboolean
is_rich (PetrelComposerWidget *self)
{
  return petrel_rich_text_view_get_rich (rich_view (self));
}

/* The text as typed, or in rich mode its plain text rendering. */
static char *
get_body_text (PetrelComposerWidget *self)
{
  return petrel_rich_text_view_get_plain (rich_view (self));
}

static void
set_body_text (PetrelComposerWidget *self,
               const char     *text)
{
  petrel_rich_text_view_set_text (rich_view (self), text);
}

/* The HTML alternative's inline images go into the builder being made. */
static char *
add_image_cb (GBytes     *data,
              const char *content_type,
              gpointer    user_data)
{
  char *cid = NULL;

  petrel_mime_builder_add_inline_image (PETREL_MIME_BUILDER (user_data), data, content_type,
                                        NULL, &cid);
  return cid;
}

static const char *
entry_text (GtkEntry *entry)
{
  return gtk_editable_get_text (GTK_EDITABLE (entry));
}

static void
set_entry_text (GtkEntry   *entry,
                const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (entry), text != NULL ? text : "");
}

static gboolean
is_empty (PetrelComposerWidget *self)
{
  g_autofree char *body = get_body_text (self);

  g_strstrip (body);
  return entry_text (self->to_entry)[0] == '\0' && entry_text (self->cc_entry)[0] == '\0' &&
         entry_text (self->bcc_entry)[0] == '\0' && entry_text (self->subject_entry)[0] == '\0' &&
         body[0] == '\0' && self->attachments->len == 0;
}

static void
show_notice (PetrelComposerWidget *self,
             GtkMessageType  type,
             const char     *text)
{
  gtk_info_bar_set_message_type (self->notice_bar, type);
  gtk_label_set_text (self->notice_label, text);
  gtk_info_bar_set_revealed (self->notice_bar, TRUE);
}

static void
update_title (PetrelComposerWidget *self)
{
  const char *subject = entry_text (self->subject_entry);

  if (subject[0] == '\0')
    subject = _("New Message");
  adw_window_title_set_title (self->window_title, subject);
  gtk_label_set_text (self->inline_title, subject);
  if (g_strcmp0 (self->title, subject) != 0)
    {
      g_free (self->title);
      self->title = g_strdup (subject);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
    }
}

/* The composer is finished with: the host lets it go. */
static void
finish (PetrelComposerWidget *self)
{
  g_autoptr(PetrelComposerWidget) hold = g_object_ref (self);

  g_signal_emit (self, signals[DONE], 0);
}

static void
set_sending (PetrelComposerWidget *self,
             gboolean              sending)
{
  if (self->sending == sending)
    return;
  self->sending = sending;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SENDING]);
}

/* The window the composer is in, for dialogs. */
static GtkWindow *
parent_window (PetrelComposerWidget *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (GTK_IS_WINDOW (root))
    return GTK_WINDOW (root);
  return self->window != NULL ? GTK_WINDOW (self->window) : NULL;
}

static void
set_draft_state (PetrelComposerWidget *self,
                 const char     *text)
{
  gtk_label_set_text (self->draft_label, text != NULL ? text : "");
}

/* The addresses of @text that are valid, for a draft: what cannot be parsed is dropped
 * rather than stopping the save. */
static void
add_lenient (PetrelMimeBuilder       *builder,
             PetrelMimeRecipientType  type,
             const char              *text)
{
  g_autoptr(GPtrArray) parsed = NULL;

  if (petrel_mime_builder_add_recipients (builder, type, text, NULL))
    return;
  parsed = petrel_mime_address_list_parse (text);
  for (guint i = 0; i < parsed->len; i++)
    {
      PetrelMimeAddress *address = g_ptr_array_index (parsed, i);

      petrel_mime_builder_add_recipient (builder, type, address->name, address->address, NULL);
    }
}

/* Builds the message. @strict: for sending, every address must be valid (the error names
 * the field); for a draft, invalid ones are left out. */
static PetrelMimeBuilder *
make_builder (PetrelComposerWidget  *self,
              gboolean         strict,
              GError         **error)
{
  g_autoptr(PetrelMimeBuilder) builder = petrel_mime_builder_new ();
  g_autofree char *body = get_body_text (self);
  Identity *identity = current_identity (self);
  const struct
  {
    GtkEntry                *entry;
    PetrelMimeRecipientType  type;
    const char              *label;
  } fields[] = {
    { self->to_entry, PETREL_MIME_RECIPIENT_TO, C_("address field", "To") },
    { self->cc_entry, PETREL_MIME_RECIPIENT_CC, C_("address field", "Cc") },
    { self->bcc_entry, PETREL_MIME_RECIPIENT_BCC, C_("address field", "Bcc") },
  };

  if (identity == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           _("There is no account to send from"));
      return NULL;
    }
  if (!petrel_mime_builder_set_from (builder, identity->name, identity->address, error))
    return NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      g_autoptr(GError) local_error = NULL;
      const char *text = entry_text (fields[i].entry);

      if (!strict)
        {
          add_lenient (builder, fields[i].type, text);
          continue;
        }
      if (!petrel_mime_builder_add_recipients (builder, fields[i].type, text, &local_error))
        {
          gtk_widget_add_css_class (GTK_WIDGET (fields[i].entry), "error");
          /* Translators: "To: “bob@” is not a valid e-mail address" */
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("%s: %s"), fields[i].label,
                       local_error->message);
          return NULL;
        }
    }

  petrel_mime_builder_set_subject (builder, entry_text (self->subject_entry));
  petrel_mime_builder_set_text (builder, body);
  if (is_rich (self))
    {
      g_autofree char *html = petrel_rich_text_view_get_html (rich_view (self), add_image_cb,
                                                              builder);

      petrel_mime_builder_set_html (builder, html);
    }
  petrel_mime_builder_set_message_id (builder, self->message_id, NULL);
  if (self->in_reply_to != NULL)
    {
      petrel_mime_builder_set_in_reply_to (builder, self->in_reply_to, NULL);
      petrel_mime_builder_set_references (builder, (const char * const *) self->references,
                                          NULL);
    }
  for (guint i = 0; i < self->attachments->len; i++)
    {
      Attachment *attachment = g_ptr_array_index (self->attachments, i);

      petrel_mime_builder_add_attachment_bytes (builder, attachment->filename,
                                                attachment->content_type, attachment->data);
    }

  return g_steal_pointer (&builder);
}

/* Signature */

static char *
signature_block (Identity *identity)
{
  const char *signature;

  if (identity == NULL)
    return g_strdup ("");
  signature = petrel_account_config_get_signature (petrel_account_get_config (identity->account));
  if (signature == NULL || signature[0] == '\0')
    return g_strdup ("");
  return g_strdup_printf ("-- \n%s\n", signature);
}

/* Attachments */

/* Warns when the message would be bigger than the server accepts: the limit it announced
 * (remembered by the outbox), else the common 25 MB. */
static void
update_size_warning (PetrelComposerWidget *self)
{
  Identity *identity = current_identity (self);
  guint64 limit = identity != NULL ? petrel_outbox_get_size_limit (identity->account) : 0;
  guint64 total = 0;

  for (guint i = 0; i < self->attachments->len; i++)
    total += g_bytes_get_size (((Attachment *) g_ptr_array_index (self->attachments, i))->data);
  if (is_rich (self))
    total += petrel_rich_text_view_get_images_size (rich_view (self));
  /* Base64 makes a message about a third bigger than its files. */
  total = total * 4 / 3;

  if (limit != 0 && total > limit)
    {
      g_autofree char *limit_text = g_format_size (limit);
      g_autofree char *size_text = g_format_size (total);
      g_autofree char *warning = g_strdup_printf (_("The server accepts messages up to %s; this "
                                                    "one is about %s"), limit_text, size_text);

      gtk_label_set_text (self->size_warning, warning);
      gtk_widget_set_visible (GTK_WIDGET (self->size_warning), TRUE);
    }
  else if (limit == 0 && total > COMMON_SIZE_LIMIT)
    {
      g_autofree char *limit_text = g_format_size (COMMON_SIZE_LIMIT);
      g_autofree char *warning = g_strdup_printf (_("Many mail servers refuse messages over %s"),
                                                  limit_text);

      gtk_label_set_text (self->size_warning, warning);
      gtk_widget_set_visible (GTK_WIDGET (self->size_warning), TRUE);
    }
  else
    gtk_widget_set_visible (GTK_WIDGET (self->size_warning), FALSE);

  /* The warning shows for inline images too, without a file attached. */
  gtk_revealer_set_reveal_child (self->attachments_revealer,
                                 self->attachments->len > 0 ||
                                 gtk_widget_get_visible (GTK_WIDGET (self->size_warning)));
}

static void
update_attachments (PetrelComposerWidget *self)
{
  GtkWidget *child;
  guint64 total = 0;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->attachments_list))) != NULL)
    gtk_list_box_remove (self->attachments_list, child);

  for (guint i = 0; i < self->attachments->len; i++)
    {
      Attachment *attachment = g_ptr_array_index (self->attachments, i);
      gsize size = g_bytes_get_size (attachment->data);
      g_autofree char *size_text = g_format_size (size);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *remove = gtk_button_new_from_icon_name ("edit-delete-symbolic");
      g_autofree char *remove_label = g_strdup_printf (_("Remove “%s”"), attachment->filename);

      total += size;
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), attachment->filename);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), size_text);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                                 gtk_image_new_from_icon_name ("mail-attachment-symbolic"));
      gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (remove, "flat");
      gtk_widget_set_tooltip_text (remove, remove_label);
      gtk_accessible_update_property (GTK_ACCESSIBLE (remove), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      remove_label, -1);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (remove), "composer.remove-attachment");
      gtk_actionable_set_action_target_value (GTK_ACTIONABLE (remove), g_variant_new_uint32 (i));
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
      gtk_list_box_append (self->attachments_list, row);
    }

  if (self->attachments->len > 0)
    {
      g_autofree char *total_text = g_format_size (total);
      g_autofree char *title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                             "%u attachment, %s",
                                                             "%u attachments, %s",
                                                             self->attachments->len),
                                                self->attachments->len, total_text);

      gtk_label_set_text (self->attachments_title, title);
    }
  else
    gtk_label_set_text (self->attachments_title, "");
  update_size_warning (self);
}

static void
add_attachment (PetrelComposerWidget *self,
                const char     *filename,
                const char     *content_type,
                GBytes         *data)
{
  Attachment *attachment = g_new0 (Attachment, 1);

  attachment->filename = g_strdup (filename);
  attachment->content_type = g_strdup (content_type);
  attachment->data = g_bytes_ref (data);
  g_ptr_array_add (self->attachments, attachment);
  update_attachments (self);
  if (!self->loading)
    schedule_autosave (self);
}

static void
file_loaded_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(PetrelComposerWidget) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *basename = g_file_get_basename (G_FILE (object));
  g_autoptr(GBytes) data = NULL;
  gsize length = 0;

  if (!g_file_load_contents_finish (G_FILE (object), result, &contents, &length, NULL, &error))
    {
      g_autofree char *text = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      text = g_strdup_printf (_("“%s” could not be attached: %s"), basename, error->message);
      show_notice (self, GTK_MESSAGE_ERROR, text);
      return;
    }

  data = g_bytes_new_take (g_steal_pointer (&contents), length);
  add_attachment (self, basename, NULL, data);
}

static void
attach_file (PetrelComposerWidget *self,
             GFile          *file)
{
  g_file_load_contents_async (file, self->cancellable, file_loaded_cb, g_object_ref (self));
}

static void
on_file_chooser_response_cb (GtkNativeDialog *dialog,
                             int              response,
                             gpointer         user_data)
{
  PetrelComposerWidget *self = PETREL_COMPOSER_WIDGET (user_data);

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (dialog));

      for (guint i = 0; i < g_list_model_get_n_items (files); i++)
        {
          g_autoptr(GFile) file = g_list_model_get_item (files, i);

          attach_file (self, file);
        }
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

static void
attach_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  PetrelComposerWidget *self = PETREL_COMPOSER_WIDGET (widget);
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_("Attach Files"), parent_window (self),
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Attach"), NULL);
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (chooser), TRUE);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (on_file_chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
remove_attachment_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  PetrelComposerWidget *self = PETREL_COMPOSER_WIDGET (widget);
  guint index = g_variant_get_uint32 (parameter);

  if (index >= self->attachments->len)
    return;
  g_ptr_array_remove_index (self->attachments, index);
  update_attachments (self);
  schedule_autosave (self);
}

/* Dropped files are attached; with @inline_images, an image dropped on a rich body goes into
 * the text instead. Returns: FALSE when @value holds no files */
static gboolean
drop_files (PetrelComposerWidget *self,
            const GValue   *value,
            gboolean        inline_images)
{
  GSList *files;

  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;

  files = gdk_file_list_get_files (g_value_get_boxed (value));
  for (GSList *l = files; l != NULL; l = l->next)
    {
      GFile *file = G_FILE (l->data);
      g_autofree char *name = NULL;
      g_autofree char *type = NULL;

      if (inline_images && is_rich (self))
        {
          name = g_file_get_basename (file);
          type = g_content_type_guess (name, NULL, 0, NULL);
        }
      if (type != NULL && g_content_type_is_a (type, "image/*"))
        g_file_load_contents_async (file, self->cancellable, image_file_loaded_cb,
                                    g_object_ref (self));
      else
        attach_file (self, file);
    }
  g_slist_free (files);
  return TRUE;
}

static gboolean
on_drop_cb (GtkDropTarget *target,
            const GValue  *value,
            double         x,
            double         y,
            gpointer       user_data)
{
  return drop_files (PETREL_COMPOSER_WIDGET (user_data), value, FALSE);
}

/* Attachment check */

/**
 * petrel_composer_widget_mentions_attachment:
 * @text: the body as typed
 *
 * Returns: whether the user's own text (not quoted lines, not the signature) speaks of an
 *   attachment, in English, German or French
 */
gboolean
petrel_composer_widget_mentions_attachment (const char *text)
{
  static const char * const keywords[] = {
    "attach", "enclosed",
    "anhang", "angehängt", "anbei", "beigefügt", "beiliegend",
    "pièce jointe", "pièces jointes", "piece jointe", "pièce-jointe", "ci-joint", "ci-jointe",
    "en pj", "je joins", "joint le", "jointe",
    NULL,
  };
  g_auto(GStrv) lines = NULL;

  g_return_val_if_fail (text != NULL, FALSE);

  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *folded = NULL;

      if (strcmp (lines[i], "-- ") == 0)
        break;
      if (lines[i][0] == '>')
        continue;
      /* The attribution line of a quote ("On …, Ann wrote:") follows the user's text. */
      if (lines[i + 1] != NULL && lines[i + 1][0] == '>')
        continue;
      folded = g_utf8_casefold (lines[i], -1);
      for (guint k = 0; keywords[k] != NULL; k++)
        {
          g_autofree char *keyword = g_utf8_casefold (keywords[k], -1);

          if (strstr (folded, keyword) != NULL)
            return TRUE;
        }
    }
  return FALSE;
}

/* The application's settings when the installed schema has @key, else NULL: the tests and
 * petrel-cli may run without the schema. */
static GSettings *
settings_with_key (const char *key)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APPLICATION_ID, TRUE);
  if (schema == NULL || !g_settings_schema_has_key (schema, key))
    return NULL;
  return g_settings_new (APPLICATION_ID);
}

/* Undo-send delay */

/**
 * petrel_composer_widget_get_undo_send_delay:
 *
 * Returns: the undo-send delay in seconds: `PETREL_UNDO_SEND_DELAY` when set (as for
 *   petrel-cli), else the `undo-send-delay` setting, else 5
 */
guint
petrel_composer_widget_get_undo_send_delay (void)
{
  const char *env = g_getenv ("PETREL_UNDO_SEND_DELAY");
  g_autoptr(GSettings) settings = NULL;
  guint64 delay = 0;

  if (env != NULL && g_ascii_string_to_unsigned (env, 10, 0, 3600, &delay, NULL))
    return (guint) delay;

  settings = settings_with_key ("undo-send-delay");
  if (settings == NULL)
    return 5;
  return MIN (g_settings_get_uint (settings, "undo-send-delay"), 3600);
}

/* The `reply-below-quote` setting: FALSE without the schema. */
static gboolean
reply_below_quote (void)
{
  g_autoptr(GSettings) settings = settings_with_key ("reply-below-quote");

  return settings != NULL && g_settings_get_boolean (settings, "reply-below-quote");
}

/* Drafts */

typedef struct
{
  PetrelAccount *account;        /* owned */
  PetrelAccount *old_account;    /* owned, nullable: a draft kept in another account */
  gint64         replace;
  GBytes        *bytes;          /* owned */
  char          *subject;        /* owned */
  char          *from;           /* owned */
  GStrv          recipients;     /* owned */
  gboolean       upload;
} DraftSave;

static void
draft_save_free (DraftSave *save)
{
  g_clear_object (&save->account);
  g_clear_object (&save->old_account);
  g_clear_pointer (&save->bytes, g_bytes_unref);
  g_free (save->subject);
  g_free (save->from);
  g_strfreev (save->recipients);
  g_free (save);
}

static void
draft_save_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  DraftSave *save = task_data;
  g_autoptr(GError) error = NULL;
  gint64 replace = save->replace;
  gint64 id;

  /* The identity changed to another account: the old draft goes, the new one is saved there. */
  if (save->old_account != NULL && replace != 0)
    {
      petrel_drafts_delete (save->old_account, replace, NULL);
      petrel_drafts_upload (save->old_account, NULL, NULL);
      replace = 0;
    }

  id = petrel_drafts_save (save->account, replace, save->bytes, save->subject, save->from,
                           (const char * const *) save->recipients, &error);
  if (id == 0)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* A server that cannot be reached is no failure: the next sync uploads it. */
  if (save->upload && !petrel_drafts_upload (save->account, NULL, &error))
    g_debug ("Draft kept locally: %s", error->message);

  g_task_return_int (task, id);
}

static void
draft_saved_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  PetrelComposerWidget *self = PETREL_COMPOSER_WIDGET (object);
  DraftSave *save = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  gint64 id;

  self->saving = FALSE;
  id = g_task_propagate_int (G_TASK (result), &error);
  if (id == 0)
    {
      g_autofree char *text = g_strdup_printf (_("The draft could not be saved: %s"),
                                               error->message);

      show_notice (self, GTK_MESSAGE_ERROR, text);
      set_draft_state (self, NULL);
    }
  else
    {
      self->draft_id = id;
      g_set_object (&self->draft_account, save->account);
      set_draft_state (self, _("Draft saved"));
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "composer.discard", TRUE);
    }

  if (self->save_again)
    {
      self->save_again = FALSE;
      save_draft (self);
      return;
    }
  if (self->close_after_save)
    finish (self);
}

static void
save_draft (PetrelComposerWidget *self)
{
  g_autoptr(PetrelMimeBuilder) builder = NULL;
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  Identity *identity = current_identity (self);
  DraftSave *save;

  if (self->saving)
    {
      self->save_again = TRUE;
      return;
    }
  if (identity == NULL || self->sending)
    return;
  /* Nothing typed yet: no draft to keep. */
  if (self->draft_id == 0 && is_empty (self))
    {
      self->dirty = FALSE;
      if (self->close_after_save)
        finish (self);
      return;
    }

  builder = make_builder (self, FALSE, &error);
  if (builder == NULL)
    {
      g_debug ("Cannot build the draft: %s", error->message);
      if (self->close_after_save)
        finish (self);
      return;
    }

  save = g_new0 (DraftSave, 1);
  save->bytes = petrel_mime_builder_build_bytes (builder, &error);
  if (save->bytes == NULL)
    {
      draft_save_free (save);
      g_debug ("Cannot build the draft: %s", error->message);
      if (self->close_after_save)
        finish (self);
      return;
    }
  if (self->message_id == NULL)
    self->message_id = g_strdup (petrel_mime_builder_get_message_id (builder));
  save->account = g_object_ref (identity->account);
  if (self->draft_account != NULL && self->draft_account != identity->account)
    save->old_account = g_object_ref (self->draft_account);
  save->replace = self->draft_id;
  save->subject = g_strdup (entry_text (self->subject_entry));
  save->from = g_strdup (petrel_mime_builder_get_envelope_sender (builder));
  save->recipients = petrel_mime_builder_dup_envelope_recipients (builder);
  save->upload = TRUE;

  self->dirty = FALSE;
  self->saving = TRUE;
  set_draft_state (self, _("Saving draft…"));

  /* Not cancellable: a draft being saved when the composer closes must still be saved. */
  task = g_task_new (self, NULL, draft_saved_cb, NULL);
  g_task_set_source_tag (task, save_draft);
  g_task_set_task_data (task, save, (GDestroyNotify) draft_save_free);
  g_task_run_in_thread (task, draft_save_thread);
}

static gboolean
autosave_cb (gpointer user_data)
{
  PetrelComposerWidget *self = PETREL_COMPOSER_WIDGET (user_data);

  self->autosave_id = 0;
  if (self->dirty && !self->sending)
    save_draft (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_autosave (PetrelComposerWidget *self)
{
  if (self->loading || self->sending)
    return;
  self->dirty = TRUE;
  set_draft_state (self, NULL);
  if (self->autosave_id == 0)
    self->autosave_id = g_timeout_add_seconds (AUTOSAVE_SECONDS, autosave_cb, self);
}

static void
on_changed_cb (PetrelComposerWidget *self)
{
  schedule_autosave (self);
}

static void
on_subject_changed_cb (PetrelComposerWidget *self)
{
  update_title (self);
  schedule_autosave (self);
}

typedef struct
{
  PetrelAccount *account;   /* owned */
  gint64         id;
} DraftDelete;

static void
draft_delete_free (DraftDelete *data)
{
  g_clear_object (&data->account);
  g_free (data);
}

static void
draft_delete_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  DraftDelete *data = task_data;
  g_autoptr(GError) error = NULL;

  if (!petrel_drafts_delete (data->account, data->id, &error))
    g_debug ("Cannot delete draft %" G_GINT64_FORMAT ": %s", data->id, error->message);
  else if (!petrel_drafts_upload (data->account, NULL, &error))
    g_debug ("Draft deleted here, on the server at the next sync: %s", error->message);
  g_task_return_boolean (task, TRUE);
}

/* Deletes the saved draft (here at once, on the server as soon as it can be reached). */
static void
delete_draft (PetrelComposerWidget *self)
{
  g_autoptr(GTask) task = NULL;
  DraftDelete *data;

  if (self->draft_id == 0 || self->draft_account == NULL)
    return;

  data = g_new0 (DraftDelete, 1);
  data->account = g_object_ref (self->draft_account);
  data->id = self->draft_id;
  self->draft_id = 0;

  task = g_task_new (NULL, NULL, NULL, NULL);
  g_task_set_source_tag (task, delete_draft);
  g_task_set_task_data (task, data, (GDestroyNotify) draft_delete_free);
  g_task_run_in_thread (task, draft_delete_thread);
}

static void
discard_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  PetrelComposerWidget *self = PETREL_COMPOSER_WIDGET (widget);

  g_clear_handle_id (&self->autosave_id, g_source_remove);
  self->dirty = FALSE;
  self->save_again = FALSE;
  delete_draft (self);
  finish (self);
}

/* Sending */

typedef struct _SendJob
{
  PetrelAccount *account;           /* owned */
  GBytes        *bytes;             /* owned */
  char          *from;              /* owned */
  GStrv          recipients;        /* owned */
  char          *subject;           /* owned */
  guint          delay;
  PetrelAccount *draft_account;     /* owned, nullable */
  gint64         draft_id;
  PetrelAccount *original_account;  /* owned, nullable: mark \Answered */
  char          *original_folder;   /* owned */
  guint32        original_uid;
  /* results */
  gint64         outbox_id;
  char          *state;             /* owned, after a flush */
  char          *last_error;        /* owned, nullable */
  char          *flush_error;       /* owned, nullable */
} SendJob;

static void
send_job_free (SendJob *job)
{
  g_clear_object (&job->account);
  g_clear_pointer (&job->bytes, g_bytes_unref);
  g_free (job->from);
  g_strfreev (job->recipients);
  g_free (job->subject);
  g_clear_object (&job->draft_account);
  g_clear_object (&job->original_account);
  g_free (job->original_folder);
  g_free (job->state);
  g_free (job->last_error);
  g_free (job->flush_error);
  g_free (job);
}

static void
queue_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  SendJob *job = task_data;
  g_autoptr(GError) error = NULL;
  gint64 not_before = job->delay > 0 ? g_get_real_time () / G_USEC_PER_SEC + job->delay : 0;

  job->outbox_id = petrel_outbox_queue (job->account, job->bytes, job->from,
                                        (const char * const *) job->recipients, job->subject,
                                        not_before, &error);
  if (job->outbox_id == 0)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* The message is safe in the outbox: the draft is no longer needed. */
  if (job->draft_account != NULL && job->draft_id != 0 &&
      !petrel_drafts_delete (job->draft_account, job->draft_id, &error))
    {
      g_debug ("Cannot delete the draft of a sent message: %s", error->message);
      g_clear_error (&error);
    }

  g_task_return_boolean (task, TRUE);
}

static void
flush_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  SendJob *job = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) items = NULL;

  if (!petrel_outbox_flush (job->account, NULL, NULL, &error))
    job->flush_error = g_strdup (error->message);
  g_clear_error (&error);

  items = petrel_outbox_list (job->account, NULL);
  job->state = g_strdup ("done");
  for (guint i = 0; items != NULL && i < items->len; i++)
    {
      PetrelStoreOutboxItem *item = g_ptr_array_index (items, i);

      if (item->id != job->outbox_id)
        continue;
      g_free (job->state);
      job->state = g_strdup (item->state);
      job->last_error = g_strdup (item->last_error);
    }

  /* A refused message goes back to the composer: it must not wait in the outbox too, or
   * sending it again would send it twice. */
  if (g_strcmp0 (job->state, "failed") == 0)
    petrel_outbox_cancel (job->account, job->outbox_id, NULL);

  if (g_strcmp0 (job->state, "failed") != 0)
    {
      static const char *answered[] = { "\\Answered", NULL };

      if (job->original_account != NULL &&
          petrel_changes_set_flags (job->original_account, job->original_folder,
                                    &job->original_uid, 1, answered, NULL, NULL))
        petrel_changes_replay (job->original_account, NULL, NULL, NULL);
      /* Removes the sent message's draft from the server's Drafts folder. */
      if (job->draft_account != NULL)
        petrel_drafts_upload (job->draft_account, NULL, NULL);
    }

  g_task_return_boolean (task, TRUE);
}

static void
window_toast (PetrelComposerWidget *self,
              AdwToast       *toast)
{
  AdwToastOverlay *overlay;

  if (self->window != NULL)
    {
      petrel_window_add_toast (self->window, toast);
      return;
    }
  overlay = ADW_TOAST_OVERLAY (gtk_widget_get_ancestor (GTK_WIDGET (self),
                                                        ADW_TYPE_TOAST_OVERLAY));
  if (overlay != NULL)
    adw_toast_overlay_add_toast (overlay, toast);
  else
    g_object_unref (toast);
}

static void
restore_after_send (PetrelComposerWidget *self)
{
  gtk_widget_set_sensitive (self->send_button, TRUE);
  set_sending (self, FALSE);
  /* The draft went when the message was queued: save it again. */
  schedule_autosave (self);
}

static void
flushed_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  PetrelComposerWidget *self = PETREL_COMPOSER_WIDGET (object);
  SendJob *job = self->send_job;

  self->send_toast = NULL;
  if (self->address_book != NULL)
    petrel_address_book_invalidate (self->address_book);

  if (g_strcmp0 (job->state, "failed") == 0)
    {
      g_autofree char *text = g_strdup_printf (_("The message was not sent: %s"),
                                               job->last_error != NULL ? job->last_error
                                               : job->flush_error != NULL ? job->flush_error
                                               : "");

      self->outbox_id = 0;
      g_clear_pointer (&self->send_job, send_job_free);
      restore_after_send (self);
      show_notice (self, GTK_MESSAGE_ERROR, text);
      return;
    }

  if (g_strcmp0 (job->state, "uncertain") == 0)
    {
      g_autofree char *text = g_strdup_printf (_("The message may not have been sent: %s"),
                                               job->last_error != NULL ? job->last_error : "");

      window_toast (self, adw_toast_new (text));
    }
  else if (g_strcmp0 (job->state, "queued") == 0)
    window_toast (self, adw_toast_new (_("The message will be sent when the server can be "
                                         "reached")));
  else
    window_toast (self, adw_toast_new (_("Message sent")));

  g_clear_pointer (&self->send_job, send_job_free);
  finish (self);
}

static void
start_flush (PetrelComposerWidget *self)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, flushed_cb, NULL);

  g_task_set_source_tag (task, start_flush);
  g_task_set_task_data (task, self->send_job, NULL);
  g_task_run_in_thread (task, flush_thread);
}

static gboolean
send_timeout_cb (gpointer user_data)
{
  PetrelComposerWidget *self = PETREL_COMPOSER_WIDGET (user_data);

  self->send_timeout_id = 0;
  if (self->send_toast != NULL)
    adw_toast_dismiss (self->send_toast);
  self->send_toast = NULL;
  start_flush (self);
  return G_SOURCE_REMOVE;
}

static void
undo_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  SendJob *job = task_data;
  g_autoptr(GError) error = NULL;

  if (!petrel_outbox_cancel (job->account, job->outbox_id, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
undone_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  PetrelComposerWidget *self = PETREL_COMPOSER_WIDGET (object);
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      /* Already on its way: let it finish as if Undo had not been pressed. */
      g_autofree char *text = g_strdup_printf (_("Too late to undo: %s"), error->message);

      window_toast (self, adw_toast_new (text));
      start_flush (self);
      return;
    }
  self->outbox_id = 0;
  g_clear_pointer (&self->send_job, send_job_free);
  restore_after_send (self);
}

static void
on_undo_clicked_cb (AdwToast *toast,
                    gpointer  user_data)
{
  PetrelComposerWidget *self = PETREL_COMPOSER_WIDGET (user_data);
  g_autoptr(GTask) task = NULL;

  if (self->send_timeout_id == 0 || self->send_job == NULL)
    return;
  g_clear_handle_id (&self->send_timeout_id, g_source_remove);
  self->send_toast = NULL;

  task = g_task_new (self, NULL, undone_cb, NULL);
  g_task_set_source_tag (task, on_undo_clicked_cb);
  g_task_set_task_data (task, self->send_job, NULL);
  g_task_run_in_thread (task, undo_thread);
}

static void
queued_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  PetrelComposerWidget *self = PETREL_COMPOSER_WIDGET (object);
  SendJob *job = self->send_job;
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_autofree char *text = g_strdup_printf (_("The message could not be saved for "
                                                 "sending: %s"), error->message);

      g_clear_pointer (&self->send_job, send_job_free);
      restore_after_send (self);
      show_notice (self, GTK_MESSAGE_ERROR, text);
      return;
    }

  self->outbox_id = job->outbox_id;
  self->draft_id = 0;

  if (job->delay == 0)
    {
      start_flush (self);
      return;
    }

  self->send_toast = adw_toast_new (_("Sending message…"));
  adw_toast_set_button_label (self->send_toast, _("_Undo"));
  adw_toast_set_timeout (self->send_toast, job->delay);
  adw_toast_set_priority (self->send_toast, ADW_TOAST_PRIORITY_HIGH);
  g_signal_connect_object (self->send_toast, "button-clicked", G_CALLBACK (on_undo_clicked_cb),
                           self, 0);
  window_toast (self, self->send_toast);
  self->send_timeout_id = g_timeout_add_seconds (job->delay, send_timeout_cb, self);
}

static void
really_send (PetrelComposerWidget *self)
{
  g_autoptr(PetrelMimeBuilder) builder = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) task = NULL;
  Identity *identity = current_identity (self);
  SendJob *job;

  builder = make_builder (self, TRUE, &error);
  if (builder == NULL)
    {
      show_notice (self, GTK_MESSAGE_ERROR, error->message);
      return;
    }

  job = g_new0 (SendJob, 1);
  job->recipients = petrel_mime_builder_dup_envelope_recipients (builder);
  if (job->recipients[0] == NULL)
    {
      send_job_free (job);
      show_notice (self, GTK_MESSAGE_ERROR, _("Add at least one recipient"));
      gtk_widget_grab_focus (GTK_WIDGET (self->to_entry));
      return;
    }
  /* A sent message gets an id of its own, not its draft's. */
  petrel_mime_builder_set_message_id (builder, NULL, NULL);
  job->bytes = petrel_mime_builder_build_bytes (builder, &error);
  if (job->bytes == NULL)
    {
      send_job_free (job);
      show_notice (self, GTK_MESSAGE_ERROR, error->message);
      return;
    }
  job->account = g_object_ref (identity->account);
  job->from = g_strdup (petrel_mime_builder_get_envelope_sender (builder));
  job->subject = g_strdup (entry_text (self->subject_entry));
  job->delay = petrel_composer_widget_get_undo_send_delay ();
  if (self->draft_account != NULL && self->draft_id != 0)
    {
      job->draft_account = g_object_ref (self->draft_account);
      job->draft_id = self->draft_id;
    }
  if (self->is_reply && self->original_account != NULL)
    {
      job->original_account = g_object_ref (self->original_account);
      job->original_folder = g_strdup (self->original_folder);
      job->original_uid = self->original_uid;
    }

  g_clear_handle_id (&self->autosave_id, g_source_remove);
  self->dirty = FALSE;
  gtk_widget_set_sensitive (self->send_button, FALSE);
  gtk_info_bar_set_revealed (self->notice_bar, FALSE);
  set_sending (self, TRUE);

  g_clear_pointer (&self->send_job, send_job_free);
  self->send_job = job;
  task = g_task_new (self, NULL, queued_cb, NULL);
  g_task_set_source_tag (task, really_send);
  g_task_set_task_data (task, job, NULL);
  g_task_run_in_thread (task, queue_thread);
}

/* A message dialog over the composer with the responses "cancel" (also its close response)
 * and @response, labelled @label and shown with @appearance. */
static GtkWidget *
choice_dialog_new (PetrelComposerWidget        *self,
                   const char            *heading,
                   const char            *body,
                   const char            *response,
                   const char            *label,
                   AdwResponseAppearance  appearance)
{
  GtkWidget *dialog = adw_message_dialog_new (parent_window (self), heading, body);

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    response, label,
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), response,
                                              appearance);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  return dialog;
}

static void
on_attachment_dialog_response_cb (AdwMessageDialog *dialog,
                                  const char       *response,
                                  gpointer          user_data)
{
  PetrelComposerWidget *self = PETREL_COMPOSER_WIDGET (user_data);

  if (g_strcmp0 (response, "send") == 0)
    really_send (self);
  else if (g_strcmp0 (response, "attach") == 0)
    gtk_widget_activate_action (GTK_WIDGET (self), "composer.attach", NULL);
}

static void
send_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  PetrelComposerWidget *self = PETREL_COMPOSER_WIDGET (widget);
  g_autofree char *body = get_body_text (self);

  if (self->sending)
    return;

  if (self->attachments->len == 0 && petrel_composer_widget_mentions_attachment (body))
    {
      GtkWidget *dialog;

      dialog = choice_dialog_new (self, _("Send Without Attachment?"),
                                  _("The message mentions an attachment, but no file is "
                                    "attached."),
                                  "attach", _("_Attach Files…"), ADW_RESPONSE_SUGGESTED);
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "send", _("_Send Anyway"));
      adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "attach");
      g_signal_connect (dialog, "response", G_CALLBACK (on_attachment_dialog_response_cb), self);
      gtk_window_present (GTK_WINDOW (dialog));
      return;
    }

  really_send (self);
}

/* Completion */

/* The part of @entry's text being typed: after the last comma or semicolon. */
static const char *
current_token (GtkEntry *entry,
               int      *out_start)
{
  const char *text = entry_text (entry);
  const char *last = text;

  for (const char *p = text; *p != '\0'; p++)
    if (*p == ',' || *p == ';')
      last = p + 1;
  while (*last == ' ')
    last++;
  if (out_start != NULL)
    *out_start = (int) g_utf8_pointer_to_offset (text, last);
  return last;
}

/* Whether the focus is in @entry (its inner GtkText has it, never the GtkEntry itself). */
static gboolean
entry_has_focus (GtkEntry *entry)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (entry));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

  return focus != NULL && (focus == GTK_WIDGET (entry) ||
                           gtk_widget_is_ancestor (focus, GTK_WIDGET (entry)));
}

static void
hide_completion (PetrelComposerWidget *self)
{
  if (self->completion_popover != NULL)
    gtk_popover_popdown (self->completion_popover);
}

static void
accept_completion (PetrelComposerWidget *self,
                   GtkListBoxRow  *row)
{
  const char *value = g_object_get_data (G_OBJECT (row), "petrel-address");
  GtkEntry *entry = self->completion_entry;
  g_autofree char *prefix = NULL;
  g_autofree char *text = NULL;
  int start = 0;

  if (value == NULL || entry == NULL)
    return;

  current_token (entry, &start);
  prefix = g_utf8_substring (entry_text (entry), 0, start);
  g_strchomp (prefix);
  if (prefix[0] != '\0')
    text = g_strdup_printf ("%s %s, ", prefix, value);
  else
    text = g_strdup_printf ("%s, ", value);

  self->completion_serial++;
  set_entry_text (entry, text);
  gtk_editable_set_position (GTK_EDITABLE (entry), -1);
  hide_completion (self);
}

static void
on_completion_row_activated_cb (GtkListBox    *box,
                                GtkListBoxRow *row,
                                gpointer       user_data)
{
  accept_completion (PETREL_COMPOSER_WIDGET (user_data), row);
  gtk_widget_grab_focus (GTK_WIDGET (PETREL_COMPOSER_WIDGET (user_data)->completion_entry));
}

static void
ensure_completion_popover (PetrelComposerWidget *self,
                           GtkEntry       *entry)
{
  GtkWidget *scrolled;

  if (self->completion_entry == entry && self->completion_popover != NULL)
    return;

  if (self->completion_popover != NULL)
    gtk_widget_unparent (GTK_WIDGET (self->completion_popover));

  self->completion_popover = GTK_POPOVER (gtk_popover_new ());
  gtk_popover_set_autohide (self->completion_popover, FALSE);
  gtk_popover_set_has_arrow (self->completion_popover, FALSE);
  gtk_popover_set_position (self->completion_popover, GTK_POS_BOTTOM);
  gtk_widget_set_halign (GTK_WIDGET (self->completion_popover), GTK_ALIGN_START);
  gtk_widget_add_css_class (GTK_WIDGET (self->completion_popover), "menu");
  /* The focus stays in the entry; keys move the selection (on_address_key_pressed_cb). */
  gtk_widget_set_can_focus (GTK_WIDGET (self->completion_popover), FALSE);
  gtk_widget_set_parent (GTK_WIDGET (self->completion_popover), GTK_WIDGET (entry));

  self->completion_list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->completion_list, GTK_SELECTION_BROWSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->completion_list),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Address Suggestions"), -1);
  g_signal_connect (self->completion_list, "row-activated",
                    G_CALLBACK (on_completion_row_activated_cb), self);
  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scrolled), TRUE);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scrolled), 320);
  gtk_scrolled_window_set_min_content_width (GTK_SCROLLED_WINDOW (scrolled), 320);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled),
                                 GTK_WIDGET (self->completion_list));
  gtk_popover_set_child (self->completion_popover, scrolled);
  self->completion_entry = entry;
}

typedef struct
{
  PetrelComposerWidget *self;    /* owned */
  GtkEntry       *entry;   /* borrowed; checked against the composer's entries */
  guint           serial;
} CompletionQuery;

static void
completion_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  CompletionQuery *query = user_data;
  PetrelComposerWidget *self = query->self;
  g_autoptr(GPtrArray) matches = NULL;
  GtkWidget *child;

  matches = petrel_address_book_query_finish (PETREL_ADDRESS_BOOK (object), result, NULL);
  g_debug ("%u address suggestions", matches != NULL ? matches->len : 0);
  if (matches == NULL || query->serial != self->completion_serial ||
      !entry_has_focus (query->entry))
    goto out;

  if (matches->len == 0)
    {
      hide_completion (self);
      goto out;
    }

  ensure_completion_popover (self, query->entry);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->completion_list))) != NULL)
    gtk_list_box_remove (self->completion_list, child);

  for (guint i = 0; i < matches->len; i++)
    {
      PetrelStoreAddress *address = g_ptr_array_index (matches, i);
      g_autoptr(PetrelMimeAddress) mailbox = petrel_mime_address_new (address->name,
                                                                      address->address);
      g_autofree char *display = petrel_mime_address_to_display (mailbox);
      GtkWidget *row = gtk_list_box_row_new ();
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
      GtkWidget *title = gtk_label_new (address->name != NULL && address->name[0] != '\0'
                                          ? address->name : address->address);

      gtk_label_set_xalign (GTK_LABEL (title), 0);
      gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
      gtk_box_append (GTK_BOX (box), title);
      if (address->name != NULL && address->name[0] != '\0')
        {
          GtkWidget *subtitle = gtk_label_new (address->address);

          gtk_label_set_xalign (GTK_LABEL (subtitle), 0);
          gtk_label_set_ellipsize (GTK_LABEL (subtitle), PANGO_ELLIPSIZE_END);
          gtk_widget_add_css_class (subtitle, "dim-label");
          gtk_widget_add_css_class (subtitle, "caption");
          gtk_box_append (GTK_BOX (box), subtitle);
        }
      gtk_widget_set_margin_top (box, 4);
      gtk_widget_set_margin_bottom (box, 4);
      gtk_widget_set_margin_start (box, 6);
      gtk_widget_set_margin_end (box, 6);
      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
      gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      display, -1);
      g_object_set_data_full (G_OBJECT (row), "petrel-address", g_steal_pointer (&display),
                              g_free);
      gtk_list_box_append (self->completion_list, row);
    }
  gtk_list_box_select_row (self->completion_list,
                           gtk_list_box_get_row_at_index (self->completion_list, 0));
  gtk_popover_popup (self->completion_popover);

out:
  g_object_unref (query->self);
  g_free (query);
}

static void
on_address_changed_cb (GtkEditable    *editable,
                       PetrelComposerWidget *self)
{
  GtkEntry *entry = GTK_ENTRY (editable);
  const char *token = current_token (entry, NULL);
  CompletionQuery *query;

  gtk_widget_remove_css_class (GTK_WIDGET (entry), "error");
  schedule_autosave (self);

  if (self->loading)
    return;
  self->completion_serial++;
  if (g_utf8_strlen (token, -1) < 1 || !entry_has_focus (entry) ||
      self->address_book == NULL)
    {
      hide_completion (self);
      return;
    }

  query = g_new0 (CompletionQuery, 1);
  query->self = g_object_ref (self);
  query->entry = entry;
  query->serial = self->completion_serial;
  petrel_address_book_query_async (self->address_book, token, COMPLETION_LIMIT,
                                   self->cancellable, completion_cb, query);
}

static gboolean
on_address_key_pressed_cb (GtkEventControllerKey *controller,
                           guint                  keyval,
                           guint                  keycode,
                           GdkModifierType        state,
                           gpointer               user_data)
{
  PetrelComposerWidget *self = PETREL_COMPOSER_WIDGET (user_data);
  GtkWidget *entry = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller));
  GtkListBoxRow *selected;
  int index;

  if (self->completion_popover == NULL || self->completion_entry != GTK_ENTRY (entry) ||
      !gtk_widget_get_visible (GTK_WIDGET (self->completion_popover)))
    return FALSE;

  selected = gtk_list_box_get_selected_row (self->completion_list);
  index = selected != NULL ? gtk_list_box_row_get_index (selected) : -1;

  switch (keyval)
    {
    case GDK_KEY_Down:
    case GDK_KEY_Up:
      {
        GtkListBoxRow *next = gtk_list_box_get_row_at_index (self->completion_list,
                                                             index + (keyval == GDK_KEY_Down
                                                                      ? 1 : -1));

        if (next != NULL)
          gtk_list_box_select_row (self->completion_list, next);
        return TRUE;
      }
    case GDK_KEY_Return:
    case GDK_KEY_KP_Enter:
    case GDK_KEY_ISO_Enter:
    case GDK_KEY_Tab:
      if (selected == NULL || (state & GDK_CONTROL_MASK) != 0)
        return FALSE;
      accept_completion (self, selected);
      return TRUE;
    case GDK_KEY_Escape:
      hide_completion (self);
      return TRUE;
    default:
      return FALSE;
    }
}

/* Checks the addresses when the user leaves the field, so a typo shows at once. */
static void
on_address_focus_leave_cb (GtkEventControllerFocus *controller,
                           gpointer                 user_data)
{
  PetrelComposerWidget *self = PETREL_COMPOSER_WIDGET (user_data);
  GtkWidget *entry = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller));
  g_autoptr(PetrelMimeBuilder) check = petrel_mime_builder_new ();
  g_autoptr(GError) error = NULL;

  hide_completion (self);
  if (!petrel_mime_builder_add_recipients (check, PETREL_MIME_RECIPIENT_TO,
                                           entry_text (GTK_ENTRY (entry)), &error))
    {
      gtk_widget_add_css_class (entry, "error");
      gtk_widget_set_tooltip_text (entry, error->message);
    }
  else
    {
      gtk_widget_remove_css_class (entry, "error");
      gtk_widget_set_tooltip_text (entry, NULL);
    }
}

static void
setup_address_entry (PetrelComposerWidget *self,
                     GtkEntry       *entry)
{
  GtkEventController *key = gtk_event_controller_key_new ();
  GtkEventController *focus = gtk_event_controller_focus_new ();

  gtk_event_controller_set_propagation_phase (key, GTK_PHASE_CAPTURE);
  g_signal_connect (key, "key-pressed", G_CALLBACK (on_address_key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (entry), key);
  g_signal_connect (focus, "leave", G_CALLBACK (on_address_focus_leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (entry), focus);
  g_signal_connect (entry, "changed", G_CALLBACK (on_address_changed_cb), self);
}

/* Filling in */

static char *
addresses_to_text (GPtrArray *addresses)
{
  return petrel_mime_address_list_to_display (addresses);
}

static GStrv
own_addresses (PetrelComposerWidget *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < self->identities->len; i++)
    g_strv_builder_add (builder, ((Identity *) g_ptr_array_index (self->identities, i))->address);
  return g_strv_builder_end (builder);
}

static void
select_account (PetrelComposerWidget *self,
                PetrelAccount  *account,
                const char     *address)
{
  for (guint i = 0; i < self->identities->len; i++)
    {
      Identity *identity = g_ptr_array_index (self->identities, i);

      if (identity->account == account &&
          (address == NULL || g_ascii_strcasecmp (identity->address, address) == 0))
        {
          gtk_drop_down_set_selected (self->from_dropdown, i);
          return;
        }
    }
}

static void
on_notice_close_clicked_cb (PetrelComposerWidget *self)
{
  gtk_info_bar_set_revealed (self->notice_bar, FALSE);
}

/**
 * petrel_composer_widget_set_mailto:
 * @self: a composer
 * @mailto: a parsed mailto: link
 *
 * Fills the fields from @mailto; an attachment or another header the link asked for is not
 * used, and a notice says so.
 */
void
petrel_composer_widget_set_mailto (PetrelComposerWidget     *self,
                            const PetrelMailto *mailto)
{
  g_autofree char *signature = NULL;
  g_autofree char *body = NULL;

  g_return_if_fail (PETREL_IS_COMPOSER_WIDGET (self));
  g_return_if_fail (mailto != NULL);

  self->loading = TRUE;
  set_entry_text (self->to_entry, mailto->to);
  set_entry_text (self->cc_entry, mailto->cc);
  set_entry_text (self->bcc_entry, mailto->bcc);
  gtk_toggle_button_set_active (self->cc_toggle, mailto->cc[0] != '\0');
  gtk_toggle_button_set_active (self->bcc_toggle, mailto->bcc[0] != '\0');
  set_entry_text (self->subject_entry, mailto->subject);
  signature = signature_block (current_identity (self));
  body = signature[0] != '\0' ? g_strconcat (mailto->body, "\n\n", signature, NULL)
                              : g_strdup (mailto->body);
  set_body_text (self, body);
  g_free (self->in_reply_to);
  self->in_reply_to = g_strdup (mailto->in_reply_to);
  self->loading = FALSE;

  if (mailto->ignored & PETREL_MAILTO_IGNORED_ATTACHMENT)
    show_notice (self, GTK_MESSAGE_WARNING,
                 _("The link asked to attach a file. Petrel never attaches files from links: "
                   "attach them yourself if you want to send them."));
  else if (mailto->ignored & PETREL_MAILTO_IGNORED_HEADER)
    {
      g_autofree char *names = g_strjoinv (", ", mailto->ignored_names);
      g_autofree char *text = g_strdup_printf (_("Fields the link set were left out: %s"),
                                               names);

      show_notice (self, GTK_MESSAGE_INFO, text);
    }

  update_title (self);
  gtk_widget_grab_focus (mailto->to[0] == '\0' ? GTK_WIDGET (self->to_entry)
                                               : GTK_WIDGET (self->body_view));
}

typedef struct
{
  PetrelMimeReplyMode  mode;
  GStrv                own;          /* owned */
  GBytes              *raw;          /* owned, after loading */
  PetrelMimeReply     *reply;        /* owned, result */
  gboolean             as_draft;
  PetrelAccount       *account;      /* owned */
  char                *folder;       /* owned */
  gint64               local_id;     /* a draft's id in the local store, 0 if none */
  GStrv                local_bcc;    /* owned, nullable */
} LoadJob;

static void
load_job_free (LoadJob *job)
{
  g_strfreev (job->own);
  g_clear_pointer (&job->raw, g_bytes_unref);
  g_clear_pointer (&job->reply, petrel_mime_reply_free);
  g_clear_object (&job->account);
  g_free (job->folder);
  g_strfreev (job->local_bcc);
  g_free (job);
}

static void
prepare_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  LoadJob *job = task_data;
  g_autoptr(GError) error = NULL;

  if (job->as_draft)
    {
      g_autoptr(PetrelMimeSummary) summary = petrel_mime_summary_new_from_bytes (job->raw, 0);
      g_autoptr(GPtrArray) drafts = petrel_drafts_list (job->account, NULL);

      /* The local copy of the draft, found by its Message-ID, is replaced by the next save;
       * its envelope also keeps the Bcc recipients that the message itself never holds. */
      for (guint i = 0; drafts != NULL && summary->message_id != NULL && i < drafts->len; i++)
        {
          PetrelStoreOutboxItem *item = g_ptr_array_index (drafts, i);
          g_autofree char *id = petrel_drafts_item_dup_message_id (item);
          g_auto(GStrv) recipients = NULL;
          g_autoptr(GStrvBuilder) bcc = NULL;

          if (g_strcmp0 (id, summary->message_id) != 0)
            continue;
          job->local_id = item->id;
          recipients = petrel_outbox_item_dup_recipients (item);
          bcc = g_strv_builder_new ();
          for (guint j = 0; recipients[j] != NULL; j++)
            {
              gboolean shown = FALSE;

              for (guint k = 0; k < summary->to->len && !shown; k++)
                shown = g_ascii_strcasecmp (((PetrelMimeAddress *)
                                               g_ptr_array_index (summary->to, k))->address,
                                            recipients[j]) == 0;
              for (guint k = 0; k < summary->cc->len && !shown; k++)
                shown = g_ascii_strcasecmp (((PetrelMimeAddress *)
                                               g_ptr_array_index (summary->cc, k))->address,
                                            recipients[j]) == 0;
              if (!shown)
                g_strv_builder_add (bcc, recipients[j]);
            }
          job->local_bcc = g_strv_builder_end (bcc);
        }
      g_task_return_boolean (task, TRUE);
      return;
    }

  job->reply = petrel_mime_reply_new (job->raw, job->mode, (const char * const *) job->own,
                                      NULL, &error);
  if (job->reply == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

/* A draft's inline images, by Content-ID. */
typedef struct
{
  GBytes         *raw;
  PetrelMimeBody *body;
} DraftImages;

static GBytes *
lookup_draft_image_cb (const char *content_id,
                       gpointer    user_data)
{
  DraftImages *images = user_data;

  for (guint i = 0; i < images->body->attachments->len; i++)
    {
      PetrelMimeAttachment *attachment = g_ptr_array_index (images->body->attachments, i);

      if (g_strcmp0 (attachment->content_id, content_id) == 0)
        return petrel_mime_get_part_content (images->raw, attachment->part_path, NULL);
    }
  return NULL;
}

/* Whether @html shows the attachment as an inline image (it is not listed as a file then). */
static gboolean
html_shows_part (const char           *html,
                 PetrelMimeAttachment *attachment)
{
  g_autofree char *reference = NULL;

  if (html == NULL || attachment->content_id == NULL)
    return FALSE;
  reference = g_strdup_printf ("cid:%s\"", attachment->content_id);
  return strstr (html, reference) != NULL;
}

static void
fill_draft (PetrelComposerWidget *self,
            LoadJob        *job)
{
  g_autoptr(PetrelMimeSummary) summary = petrel_mime_summary_new_from_bytes (job->raw, 0);
  g_autoptr(PetrelMimeBody) body = petrel_mime_body_new_from_bytes (job->raw);
  g_autofree char *to = addresses_to_text (summary->to);
  g_autofree char *cc = addresses_to_text (summary->cc);
  g_autofree char *bcc = job->local_bcc != NULL ? g_strjoinv (", ", job->local_bcc)
                                                : g_strdup ("");
  g_autofree char *from = summary->from_address[0] != '\0' ? g_strdup (summary->from_address)
                                                           : NULL;

  self->loading = TRUE;
  select_account (self, job->account, from);
  set_entry_text (self->to_entry, to);
  set_entry_text (self->cc_entry, cc);
  set_entry_text (self->bcc_entry, bcc);
  gtk_toggle_button_set_active (self->cc_toggle, cc[0] != '\0');
  gtk_toggle_button_set_active (self->bcc_toggle, bcc[0] != '\0');
  set_entry_text (self->subject_entry, summary->subject);
  /* A draft written in rich text opens in rich text, its formatting and images restored. */
  if (petrel_rich_text_is_petrel_html (body->html))
    {
      DraftImages images = { job->raw, body };

      set_rich_mode (self, TRUE);
      petrel_rich_text_view_set_html (rich_view (self), body->html, lookup_draft_image_cb,
                                      &images);
    }
  else
    {
      set_rich_mode (self, FALSE);
      set_body_text (self, body->text);
    }
  for (guint i = 0; i < body->attachments->len; i++)
    {
      PetrelMimeAttachment *attachment = g_ptr_array_index (body->attachments, i);
      g_autoptr(GBytes) content = NULL;

      if (is_rich (self) && html_shows_part (body->html, attachment))
        continue;
      content = petrel_mime_get_part_content (job->raw, attachment->part_path, NULL);
      if (content != NULL)
        add_attachment (self, attachment->filename != NULL ? attachment->filename
                                                           : _("attachment"),
                        attachment->content_type, content);
    }
  g_free (self->message_id);
  self->message_id = g_strdup (summary->message_id);
  g_free (self->in_reply_to);
  self->in_reply_to = g_strdup (summary->in_reply_to);
  g_strfreev (self->references);
  self->references = summary->references[0] != NULL ? g_strdupv (summary->references) : NULL;
  /* Saving replaces the server's copy (same Message-ID) and the local one when known. */
  g_set_object (&self->draft_account, job->account);
  self->draft_id = job->local_id;
  self->loading = FALSE;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "composer.discard", self->draft_id != 0);
  update_title (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->body_view));
}

static void
fill_reply (PetrelComposerWidget *self,
            LoadJob        *job)
{
  PetrelMimeReply *reply = job->reply;
  g_autofree char *to = addresses_to_text (reply->to);
  g_autofree char *cc = addresses_to_text (reply->cc);
  g_autofree char *signature = NULL;
  g_autofree char *body = NULL;

  self->loading = TRUE;
  select_account (self, job->account, NULL);
  set_entry_text (self->to_entry, to);
  set_entry_text (self->cc_entry, cc);
  gtk_toggle_button_set_active (self->cc_toggle, cc[0] != '\0');
  set_entry_text (self->subject_entry, reply->subject);
  signature = signature_block (current_identity (self));
  if (reply_below_quote () && reply->quoted[0] != '\0')
    {
      /* Bottom-posting: the quote first, then room to write, then the signature. */
      GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->body_view);
      GtkTextIter cursor;

      body = g_strconcat (reply->quoted, "\n\n", signature[0] != '\0' ? "\n" : "", signature,
                          NULL);
      set_body_text (self, body);
      gtk_text_buffer_get_iter_at_offset (buffer, &cursor,
                                          g_utf8_strlen (reply->quoted, -1) + 1);
      gtk_text_buffer_place_cursor (buffer, &cursor);
    }
  else
    {
      /* The user writes above the quote; the signature sits between. */
      body = g_strconcat ("\n\n", signature, signature[0] != '\0' ? "\n" : "", reply->quoted,
                          NULL);
      set_body_text (self, body);
    }
  /* In rich text the quote is a <blockquote>, not "> " lines; the cursor stays where it was
   * put. */
  if (is_rich (self) &&
      (reply->mode == PETREL_MIME_REPLY_SENDER || reply->mode == PETREL_MIME_REPLY_ALL))
    {
      GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->body_view);
      GtkTextIter cursor;
      GtkTextMark *mark;

      gtk_text_buffer_get_iter_at_mark (buffer, &cursor, gtk_text_buffer_get_insert (buffer));
      mark = gtk_text_buffer_create_mark (buffer, NULL, &cursor, TRUE);
      petrel_rich_text_view_quote_marked_lines (rich_view (self));
      gtk_text_buffer_get_iter_at_mark (buffer, &cursor, mark);
      gtk_text_buffer_place_cursor (buffer, &cursor);
      gtk_text_buffer_delete_mark (buffer, mark);
    }
  for (guint i = 0; i < reply->attachments->len; i++)
    {
      PetrelMimeReplyAttachment *attachment = g_ptr_array_index (reply->attachments, i);

      add_attachment (self, attachment->filename, attachment->content_type, attachment->data);
    }
  g_free (self->in_reply_to);
  self->in_reply_to = g_strdup (reply->in_reply_to);
  g_strfreev (self->references);
  self->references = g_strdupv (reply->references);
  g_set_object (&self->original_account, job->account);
  self->is_reply = reply->in_reply_to != NULL;
  self->loading = FALSE;

  update_title (self);
  gtk_widget_grab_focus (reply->mode == PETREL_MIME_REPLY_FORWARD ||
                         reply->mode == PETREL_MIME_REPLY_FORWARD_ATTACHMENT
                           ? GTK_WIDGET (self->to_entry) : GTK_WIDGET (self->body_view));
}

static void
prepared_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  PetrelComposerWidget *self = PETREL_COMPOSER_WIDGET (object);
  LoadJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  gtk_widget_set_sensitive (GTK_WIDGET (self), TRUE);
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      show_notice (self, GTK_MESSAGE_ERROR, error->message);
      return;
    }
  if (job->as_draft)
    fill_draft (self, job);
  else
    fill_reply (self, job);
}

static void
original_loaded_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PetrelComposerWidget *self = g_task_get_source_object (task);
  LoadJob *job = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  job->raw = petrel_account_load_message_finish (PETREL_ACCOUNT (object), result, &error);
  if (job->raw == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("The original message could not be loaded: "
                                                 "%s"), error->message);

      gtk_widget_set_sensitive (GTK_WIDGET (self), TRUE);
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_notice (self, GTK_MESSAGE_ERROR, text);
      return;
    }
  g_task_run_in_thread (task, prepare_thread);
}

static void
load_original (PetrelComposerWidget      *self,
               PetrelMessage       *message,
               PetrelMimeReplyMode  mode,
               gboolean             as_draft)
{
  PetrelAccount *account = petrel_message_get_account (message);
  LoadJob *job = g_new0 (LoadJob, 1);
  GTask *task;

  job->mode = mode;
  job->own = own_addresses (self);
  job->as_draft = as_draft;
  job->account = g_object_ref (account);
  job->folder = g_strdup (petrel_message_get_folder_path (message));

  if (!as_draft)
    {
      g_free (self->original_folder);
      self->original_folder = g_strdup (job->folder);
      self->original_uid = petrel_message_get_uid (message);
    }

  task = g_task_new (self, self->cancellable, prepared_cb, NULL);
  g_task_set_source_tag (task, load_original);
  g_task_set_task_data (task, job, (GDestroyNotify) load_job_free);
  gtk_widget_set_sensitive (GTK_WIDGET (self), FALSE);
  petrel_account_load_message_async (account, job->folder, petrel_message_get_uid (message),
                                     TRUE, self->cancellable, original_loaded_cb, task);
}

/* Rich text */

/* The `compose-rich-text` setting: FALSE without the schema. */
static gboolean
compose_rich_text (void)
{
  g_autoptr(GSettings) settings = settings_with_key ("compose-rich-text");

  return settings != NULL && g_settings_get_boolean (settings, "compose-rich-text");
}

static void
sync_format_buttons (PetrelComposerWidget *self)
{
  self->syncing_format = TRUE;
  for (guint i = 0; i < PETREL_RICH_N_STYLES; i++)
    gtk_toggle_button_set_active (self->format_buttons[i],
                                  petrel_rich_text_view_get_style_active (rich_view (self), i));
  self->syncing_format = FALSE;
}

/* Sets the mode without asking, e.g. when a draft is opened. */
static void
set_rich_mode (PetrelComposerWidget *self,
               gboolean        rich)
{
  gboolean loading = self->loading;

  self->loading = TRUE;
  petrel_rich_text_view_set_rich (rich_view (self), rich);
  gtk_toggle_button_set_active (self->rich_toggle, rich);
  gtk_revealer_set_reveal_child (self->format_revealer, rich);
  self->loading = loading;
  sync_format_buttons (self);
  update_size_warning (self);
}

static void
on_plain_dialog_response_cb (AdwMessageDialog *dialog,
                             const char       *response,
                             gpointer          user_data)
{
  PetrelComposerWidget *self = PETREL_COMPOSER_WIDGET (user_data);

  if (g_strcmp0 (response, "plain") == 0)
    {
      set_rich_mode (self, FALSE);
      schedule_autosave (self);
    }
  else
    set_rich_mode (self, TRUE);
}

static void
on_rich_toggled_cb (GtkToggleButton *button,
                    PetrelComposerWidget  *self)
{
  gboolean rich = gtk_toggle_button_get_active (button);
  GtkWidget *dialog;

  if (self->loading || rich == is_rich (self))
    return;

  if (rich || !petrel_rich_text_view_has_formatting (rich_view (self)))
    {
      set_rich_mode (self, rich);
      /* A quote typed or prepared as "> " lines becomes a quote. */
      if (rich)
        petrel_rich_text_view_quote_marked_lines (rich_view (self));
      schedule_autosave (self);
      return;
    }

  dialog = choice_dialog_new (self, _("Switch to Plain Text?"),
                              _("The formatting, links and images of this message will be "
                                "lost. Lists, quotes and link addresses stay as text."),
                              "plain", _("_Switch to Plain Text"), ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (on_plain_dialog_response_cb), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_format_toggled_cb (GtkToggleButton *button,
                      PetrelComposerWidget  *self)
{
  PetrelRichStyle style = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button),
                                                               "petrel-style"));

  if (self->syncing_format)
    return;
  petrel_rich_text_view_toggle_style (rich_view (self), style);
  sync_format_buttons (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->body_view));
}

static void
format_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  PetrelComposerWidget *self = PETREL_COMPOSER_WIDGET (widget);
  guint style = g_variant_get_uint32 (parameter);

  /* Only for the text: Ctrl+B in the To field formats nothing. */
  if (style >= PETREL_RICH_N_STYLES || !is_rich (self) ||
      !gtk_widget_has_focus (GTK_WIDGET (self->body_view)))
    return;
  petrel_rich_text_view_toggle_style (rich_view (self), style);
  sync_format_buttons (self);
}

static void
clear_format_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  PetrelComposerWidget *self = PETREL_COMPOSER_WIDGET (widget);

  if (!is_rich (self))
    return;
  petrel_rich_text_view_clear_formatting (rich_view (self));
  sync_format_buttons (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->body_view));
}

static void
on_link_dialog_response_cb (AdwMessageDialog *dialog,
                            const char       *response,
                            gpointer          user_data)
{
  PetrelComposerWidget *self = PETREL_COMPOSER_WIDGET (user_data);
  GtkEditable *entry = g_object_get_data (G_OBJECT (dialog), "petrel-entry");
  g_autoptr(GError) error = NULL;

  if (g_strcmp0 (response, "insert") != 0)
    return;
  if (!petrel_rich_text_view_insert_link (rich_view (self), gtk_editable_get_text (entry),
                                          &error))
    show_notice (self, GTK_MESSAGE_ERROR, error->message);
  gtk_widget_grab_focus (GTK_WIDGET (self->body_view));
}

static void
on_link_entry_activate_cb (GtkEntry         *entry,
                           AdwMessageDialog *dialog)
{
  adw_message_dialog_response (dialog, "insert");
  gtk_window_close (GTK_WINDOW (dialog));
}

static void
insert_link_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  PetrelComposerWidget *self = PETREL_COMPOSER_WIDGET (widget);
  GtkWidget *dialog;
  GtkWidget *entry;

  if (!is_rich (self))
    return;

  dialog = choice_dialog_new (self, _("Insert Link"),
                              _("The selected text links to this address; without a "
                                "selection the address itself is inserted."),
                              "insert", _("_Insert Link"), ADW_RESPONSE_SUGGESTED);
  entry = gtk_entry_new ();
  gtk_entry_set_input_purpose (GTK_ENTRY (entry), GTK_INPUT_PURPOSE_URL);
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), "https://");
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Link Address"), -1);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "insert");
  g_object_set_data (G_OBJECT (dialog), "petrel-entry", entry);
  g_signal_connect (entry, "activate", G_CALLBACK (on_link_entry_activate_cb), dialog);
  g_signal_connect (dialog, "response", G_CALLBACK (on_link_dialog_response_cb), self);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
}

static void
build_format_bar (PetrelComposerWidget *self)
{
  static const struct
  {
    PetrelRichStyle  style;
    const char      *icon;
    const char      *label;
    const char      *accel;
  } styles[] = {
    { PETREL_RICH_BOLD, "format-text-bold-symbolic", N_("Bold"), "Ctrl+B" },
    { PETREL_RICH_ITALIC, "format-text-italic-symbolic", N_("Italic"), "Ctrl+I" },
    { PETREL_RICH_UNDERLINE, "format-text-underline-symbolic", N_("Underline"), "Ctrl+U" },
    { PETREL_RICH_STRIKE, "format-text-strikethrough-symbolic", N_("Strikethrough"), NULL },
    { PETREL_RICH_BULLETS, "view-list-bullet-symbolic", N_("Bulleted List"), NULL },
    { PETREL_RICH_NUMBERS, "view-list-ordered-symbolic", N_("Numbered List"), NULL },
    { PETREL_RICH_QUOTE, "format-indent-more-symbolic", N_("Quote"), NULL },
  };
  static const struct
  {
    const char *icon;
    const char *label;
    const char *action;
  } buttons[] = {
    { "insert-link-symbolic", N_("Insert Link…"), "composer.insert-link" },
    { "edit-clear-all-symbolic", N_("Clear Formatting"), "composer.clear-format" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (styles); i++)
    {
      GtkWidget *button = gtk_toggle_button_new ();
      const char *label = g_dgettext (GETTEXT_PACKAGE, styles[i].label);
      g_autofree char *tooltip = styles[i].accel != NULL
                                 ? g_strdup_printf ("%s (%s)", label, styles[i].accel)
                                 : g_strdup (label);

      gtk_button_set_icon_name (GTK_BUTTON (button), styles[i].icon);
      gtk_widget_set_tooltip_text (button, tooltip);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      label, -1);
      gtk_widget_add_css_class (button, "flat");
      g_object_set_data (G_OBJECT (button), "petrel-style", GUINT_TO_POINTER (styles[i].style));
      g_signal_connect (button, "toggled", G_CALLBACK (on_format_toggled_cb), self);
      self->format_buttons[styles[i].style] = GTK_TOGGLE_BUTTON (button);
      if (styles[i].style == PETREL_RICH_BULLETS)
        gtk_box_append (self->format_bar, gtk_separator_new (GTK_ORIENTATION_VERTICAL));
      gtk_box_append (self->format_bar, button);
    }
  gtk_box_append (self->format_bar, gtk_separator_new (GTK_ORIENTATION_VERTICAL));
  for (gsize i = 0; i < G_N_ELEMENTS (buttons); i++)
    {
      GtkWidget *button = gtk_button_new_from_icon_name (buttons[i].icon);
      const char *label = g_dgettext (GETTEXT_PACKAGE, buttons[i].label);

      gtk_widget_set_tooltip_text (button, label);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      label, -1);
      gtk_widget_add_css_class (button, "flat");
      gtk_actionable_set_action_name (GTK_ACTIONABLE (button), buttons[i].action);
      gtk_box_append (self->format_bar, button);
    }
}

/* Images pasted or dropped into rich text become inline images. */

static void
insert_image_bytes (PetrelComposerWidget *self,
                    GBytes         *data)
{
  g_autoptr(GError) error = NULL;

  petrel_rich_text_view_insert_image (rich_view (self), data, &error);
  if (error != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("The image could not be inserted: %s"),
                                               error->message);

      show_notice (self, GTK_MESSAGE_ERROR, text);
      return;
    }
  update_size_warning (self);
}

static void
texture_read_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(PetrelComposerWidget) self = user_data;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GBytes) png = NULL;

  texture = gdk_clipboard_read_texture_finish (GDK_CLIPBOARD (object), result, NULL);
  if (texture == NULL)
    return;
  png = gdk_texture_save_to_png_bytes (texture);
  insert_image_bytes (self, png);
}

static void
on_paste_clipboard_cb (GtkTextView    *view,
                       PetrelComposerWidget *self)
{
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (view));
  GdkContentFormats *formats = gdk_clipboard_get_formats (clipboard);

  if (!is_rich (self) || !gdk_content_formats_contain_gtype (formats, GDK_TYPE_TEXTURE) ||
      gdk_content_formats_contain_mime_type (formats, "text/plain") ||
      gdk_content_formats_contain_mime_type (formats, "text/plain;charset=utf-8"))
    return;

  g_signal_stop_emission_by_name (view, "paste-clipboard");
  gdk_clipboard_read_texture_async (clipboard, self->cancellable, texture_read_cb,
                                    g_object_ref (self));
}

static void
image_file_loaded_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(PetrelComposerWidget) self = user_data;
  g_autofree char *contents = NULL;
  g_autoptr(GBytes) data = NULL;
  gsize length = 0;

  if (!g_file_load_contents_finish (G_FILE (object), result, &contents, &length, NULL, NULL))
    {
      /* Not readable as an image file: attach it, which says why. */
      if (!g_cancellable_is_cancelled (self->cancellable))
        attach_file (self, G_FILE (object));
      return;
    }
  data = g_bytes_new_take (g_steal_pointer (&contents), length);
  insert_image_bytes (self, data);
}

static gboolean
on_body_drop_cb (GtkDropTarget *target,
                 const GValue  *value,
                 double         x,
                 double         y,
                 gpointer       user_data)
{
  PetrelComposerWidget *self = PETREL_COMPOSER_WIDGET (user_data);

  if (G_VALUE_HOLDS (value, GDK_TYPE_TEXTURE))
    {
      g_autoptr(GBytes) png = NULL;

      if (!is_rich (self))
        return FALSE;
      png = gdk_texture_save_to_png_bytes (g_value_get_object (value));
      insert_image_bytes (self, png);
      return TRUE;
    }
  return drop_files (self, value, TRUE);
}

static void
on_style_changed_cb (PetrelComposerWidget *self)
{
  sync_format_buttons (self);
}

/* Inline */

/* A reply's subject is folded away inline, behind a toggle next to Cc and Bcc. */
static void
update_subject_visibility (PetrelComposerWidget *self)
{
  gboolean fold = self->is_inline && self->fold_subject;
  gboolean shown = !fold || gtk_toggle_button_get_active (self->subject_toggle);

  gtk_widget_set_visible (GTK_WIDGET (self->subject_toggle), fold);
  gtk_widget_set_visible (self->subject_label, shown);
  gtk_widget_set_visible (GTK_WIDGET (self->subject_entry), shown);
}

static void
on_subject_toggled_cb (PetrelComposerWidget *self)
{
  update_subject_visibility (self);
  if (gtk_toggle_button_get_active (self->subject_toggle))
    gtk_widget_grab_focus (GTK_WIDGET (self->subject_entry));
}

/* One identity: the window shows it as text; inline there is no need to say it at all. */
static void
update_from_visibility (PetrelComposerWidget *self)
{
  gboolean single = self->identities->len <= 1;
  gboolean shown = !(self->is_inline && single);

  gtk_widget_set_visible (GTK_WIDGET (self->from_label), shown);
  gtk_widget_set_visible (GTK_WIDGET (self->from_single_label), shown && single);
  gtk_widget_set_visible (GTK_WIDGET (self->from_dropdown), shown && !single);
}

/* In a window the buttons are in the header bar; inline, in the composer's own bar. */
static void
place_buttons (PetrelComposerWidget *self)
{
  gboolean in_header = gtk_widget_get_ancestor (self->start_box, ADW_TYPE_HEADER_BAR) != NULL;

  if (self->is_inline == !in_header)
    return;

  g_object_ref (self->start_box);
  g_object_ref (self->end_box);
  if (in_header)
    {
      adw_header_bar_remove (self->header_bar, self->start_box);
      adw_header_bar_remove (self->header_bar, self->end_box);
      gtk_center_box_set_start_widget (self->inline_bar, self->start_box);
      gtk_center_box_set_end_widget (self->inline_bar, self->end_box);
    }
  else
    {
      gtk_center_box_set_start_widget (self->inline_bar, NULL);
      gtk_center_box_set_end_widget (self->inline_bar, NULL);
      adw_header_bar_pack_start (self->header_bar, self->start_box);
      adw_header_bar_pack_end (self->header_bar, self->end_box);
    }
  g_object_unref (self->start_box);
  g_object_unref (self->end_box);

  gtk_widget_set_visible (GTK_WIDGET (self->header_bar), !self->is_inline);
  gtk_widget_set_visible (GTK_WIDGET (self->inline_bar), self->is_inline);
}

static void
detach_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  PetrelComposerWidget *self = PETREL_COMPOSER_WIDGET (widget);

  if (!self->is_inline || self->sending)
    return;
  g_signal_emit (self, signals[DETACH], 0);
}

/* Escape closes an inline reply the user has not touched; one with text stays (Discard or
 * another conversation puts it away). */
static gboolean
on_key_pressed_cb (GtkEventControllerKey *controller,
                   guint                  keyval,
                   guint                  keycode,
                   GdkModifierType        state,
                   gpointer               user_data)
{
  PetrelComposerWidget *self = PETREL_COMPOSER_WIDGET (user_data);

  if (keyval != GDK_KEY_Escape || !self->is_inline || self->sending ||
      (state & gtk_accelerator_get_default_mod_mask ()) != 0)
    return FALSE;
  if (petrel_composer_widget_get_modified (self))
    return FALSE;
  finish (self);
  return TRUE;
}

/* Actionable widgets moved to another window keep watching the old window's actions and stay
 * insensitive (GTK 4.8): setting their action again looks it up afresh. */
static void
refresh_actionables (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkActionable *actionable = GTK_IS_ACTIONABLE (child) ? GTK_ACTIONABLE (child) : NULL;

      if (actionable != NULL && gtk_actionable_get_action_name (actionable) != NULL)
        {
          g_autofree char *name = g_strdup (gtk_actionable_get_action_name (actionable));

          gtk_actionable_set_action_name (actionable, NULL);
          gtk_actionable_set_action_name (actionable, name);
        }
      refresh_actionables (child);
    }
}

/* GObject */

static void
petrel_composer_widget_root (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (petrel_composer_widget_parent_class)->root (widget);

  refresh_actionables (widget);
}

static void
petrel_composer_widget_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  PetrelComposerWidget *self = PETREL_COMPOSER_WIDGET (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_SENDING:
      g_value_set_boolean (value, self->sending);
      break;
    case PROP_INLINE:
      g_value_set_boolean (value, self->is_inline);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
petrel_composer_widget_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  PetrelComposerWidget *self = PETREL_COMPOSER_WIDGET (object);

  switch (prop_id)
    {
    case PROP_INLINE:
      petrel_composer_widget_set_inline (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
petrel_composer_widget_dispose (GObject *object)
{
  PetrelComposerWidget *self = PETREL_COMPOSER_WIDGET (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->autosave_id, g_source_remove);
  g_clear_handle_id (&self->send_timeout_id, g_source_remove);
  if (self->completion_popover != NULL)
    {
      gtk_widget_unparent (GTK_WIDGET (self->completion_popover));
      self->completion_popover = NULL;
    }
  g_clear_weak_pointer (&self->window);
  g_clear_object (&self->address_book);
  g_clear_object (&self->original_account);
  g_clear_object (&self->draft_account);
  g_clear_object (&self->original);

  gtk_widget_dispose_template (GTK_WIDGET (self), PETREL_TYPE_COMPOSER_WIDGET);

  G_OBJECT_CLASS (petrel_composer_widget_parent_class)->dispose (object);
}

static void
petrel_composer_widget_finalize (GObject *object)
{
  PetrelComposerWidget *self = PETREL_COMPOSER_WIDGET (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->identities, g_ptr_array_unref);
  g_clear_pointer (&self->attachments, g_ptr_array_unref);
  g_free (self->in_reply_to);
  g_strfreev (self->references);
  g_free (self->original_folder);
  g_free (self->message_id);
  g_free (self->title);
  g_clear_pointer (&self->send_job, send_job_free);

  G_OBJECT_CLASS (petrel_composer_widget_parent_class)->finalize (object);
}

static void
petrel_composer_widget_class_init (PetrelComposerWidgetClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = petrel_composer_widget_dispose;
  object_class->finalize = petrel_composer_widget_finalize;
  object_class->get_property = petrel_composer_widget_get_property;
  object_class->set_property = petrel_composer_widget_set_property;
  widget_class->root = petrel_composer_widget_root;

  /**
   * PetrelComposerWidget:title:
   *
   * The subject, or "New Message": for the window's title.
   */
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * PetrelComposerWidget:sending:
   *
   * Whether the message is on its way (waiting for Undo or the server): the host hides the
   * composer meanwhile, and shows it again when this goes back to %FALSE.
   */
  properties[PROP_SENDING] =
    g_param_spec_boolean ("sending", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * PetrelComposerWidget:inline:
   *
   * Whether the composer is in the reading pane rather than in a window of its own.
   */
  properties[PROP_INLINE] =
    g_param_spec_boolean ("inline", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * PetrelComposerWidget::done:
   *
   * The composer is finished with (the message was sent, the draft discarded, or saved after
   * petrel_composer_widget_request_close()): the host removes it.
   */
  signals[DONE] = g_signal_new ("done", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * PetrelComposerWidget::detach:
   *
   * The user asked for the inline composer in a window of its own.
   */
  signals[DETACH] = g_signal_new ("detach", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                  NULL, NULL, NULL, G_TYPE_NONE, 0);

  g_type_ensure (PETREL_TYPE_RICH_TEXT_VIEW);
  gtk_widget_class_set_template_from_resource (
    widget_class, "/org/petrelmail/Petrel/ui/petrel-composer-widget.ui");
  gtk_widget_class_bind_template_child (widget_class, PetrelComposerWidget, content_box);
  gtk_widget_class_bind_template_child (widget_class, PetrelComposerWidget, header_bar);
  gtk_widget_class_bind_template_child (widget_class, PetrelComposerWidget, window_title);
  gtk_widget_class_bind_template_child (widget_class, PetrelComposerWidget, inline_bar);
  gtk_widget_class_bind_template_child (widget_class, PetrelComposerWidget, inline_title);
  gtk_widget_class_bind_template_child (widget_class, PetrelComposerWidget, start_box);
  gtk_widget_class_bind_template_child (widget_class, PetrelComposerWidget, end_box);
  gtk_widget_class_bind_template_child (widget_class, PetrelComposerWidget, detach_button);
  gtk_widget_class_bind_template_child (widget_class, PetrelComposerWidget, subject_toggle);
  gtk_widget_class_bind_template_child (widget_class, PetrelComposerWidget, subject_label);
  gtk_widget_class_bind_template_child (widget_class, PetrelComposerWidget, draft_label);
  gtk_widget_class_bind_template_child (widget_class, PetrelComposerWidget, notice_bar);
  gtk_widget_class_bind_template_child (widget_class, PetrelComposerWidget, notice_label);
  gtk_widget_class_bind_template_child (widget_class, PetrelComposerWidget, from_dropdown);
  gtk_widget_class_bind_template_child (widget_class, PetrelComposerWidget, from_single_label);
  gtk_widget_class_bind_template_child (widget_class, PetrelComposerWidget, from_label);
  gtk_widget_class_bind_template_child (widget_class, PetrelComposerWidget, to_entry);
  gtk_widget_class_bind_template_child (widget_class, PetrelComposerWidget, cc_entry);
  gtk_widget_class_bind_template_child (widget_class, PetrelComposerWidget, bcc_entry);
  gtk_widget_class_bind_template_child (widget_class, PetrelComposerWidget, subject_entry);
  gtk_widget_class_bind_template_child (widget_class, PetrelComposerWidget, cc_toggle);
  gtk_widget_class_bind_template_child (widget_class, PetrelComposerWidget, bcc_toggle);
  gtk_widget_class_bind_template_child (widget_class, PetrelComposerWidget, body_view);
  gtk_widget_class_bind_template_child (widget_class, PetrelComposerWidget, rich_toggle);
  gtk_widget_class_bind_template_child (widget_class, PetrelComposerWidget, format_revealer);
  gtk_widget_class_bind_template_child (widget_class, PetrelComposerWidget, format_bar);
  gtk_widget_class_bind_template_child (widget_class, PetrelComposerWidget, attachments_revealer);
  gtk_widget_class_bind_template_child (widget_class, PetrelComposerWidget, attachments_title);
  gtk_widget_class_bind_template_child (widget_class, PetrelComposerWidget, size_warning);
  gtk_widget_class_bind_template_child (widget_class, PetrelComposerWidget, attachments_list);
  gtk_widget_class_bind_template_child (widget_class, PetrelComposerWidget, send_button);
  gtk_widget_class_bind_template_callback (widget_class, on_notice_close_clicked_cb);

  gtk_widget_class_install_action (widget_class, "composer.send", NULL, send_action);
  gtk_widget_class_install_action (widget_class, "composer.attach", NULL, attach_action);
  gtk_widget_class_install_action (widget_class, "composer.discard", NULL, discard_action);
  gtk_widget_class_install_action (widget_class, "composer.detach", NULL, detach_action);
  gtk_widget_class_install_action (widget_class, "composer.remove-attachment", "u",
                                   remove_attachment_action);
  gtk_widget_class_install_action (widget_class, "composer.format", "u", format_action);
  gtk_widget_class_install_action (widget_class, "composer.insert-link", NULL,
                                   insert_link_action);
  gtk_widget_class_install_action (widget_class, "composer.clear-format", NULL,
                                   clear_format_action);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "composer");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
petrel_composer_widget_init (PetrelComposerWidget *self)
{
  GtkDropTarget *drop;
  GtkEventController *shortcuts;
  GtkEventController *escape;
  GtkTextBuffer *buffer;

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Composer"), -1);

  self->cancellable = g_cancellable_new ();
  self->identities = g_ptr_array_new_with_free_func ((GDestroyNotify) identity_free);
  self->attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) attachment_free);

  /* Ctrl+Enter sends, wherever the focus is (the text view would take a plain Enter). */
  shortcuts = gtk_shortcut_controller_new ();
  gtk_event_controller_set_propagation_phase (shortcuts, GTK_PHASE_CAPTURE);
  gtk_shortcut_controller_set_scope (GTK_SHORTCUT_CONTROLLER (shortcuts), GTK_SHORTCUT_SCOPE_LOCAL);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Return,
                                                                                  GDK_CONTROL_MASK),
                                                          gtk_named_action_new ("composer.send")));
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_KP_Enter,
                                                                                  GDK_CONTROL_MASK),
                                                          gtk_named_action_new ("composer.send")));
  /* Ctrl+B, I and U format rich text. */
  {
    static const struct { guint key; PetrelRichStyle style; } keys[] = {
      { GDK_KEY_b, PETREL_RICH_BOLD }, { GDK_KEY_i, PETREL_RICH_ITALIC },
      { GDK_KEY_u, PETREL_RICH_UNDERLINE },
    };

    for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
      {
        GtkShortcut *shortcut = gtk_shortcut_new (gtk_keyval_trigger_new (keys[i].key,
                                                                          GDK_CONTROL_MASK),
                                                  gtk_named_action_new ("composer.format"));

        gtk_shortcut_set_arguments (shortcut, g_variant_new_uint32 (keys[i].style));
        gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts), shortcut);
      }
  }
  gtk_widget_add_controller (GTK_WIDGET (self), shortcuts);
  escape = gtk_event_controller_key_new ();
  g_signal_connect (escape, "key-pressed", G_CALLBACK (on_key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), escape);

  build_format_bar (self);
  g_signal_connect (self->rich_toggle, "toggled", G_CALLBACK (on_rich_toggled_cb), self);
  g_signal_connect_swapped (self->body_view, "style-changed", G_CALLBACK (on_style_changed_cb),
                            self);
  g_signal_connect (self->body_view, "paste-clipboard", G_CALLBACK (on_paste_clipboard_cb),
                    self);
  {
    GType types[] = { GDK_TYPE_FILE_LIST, GDK_TYPE_TEXTURE };
    GtkDropTarget *body_drop = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);

    gtk_drop_target_set_gtypes (body_drop, types, G_N_ELEMENTS (types));
    g_signal_connect (body_drop, "drop", G_CALLBACK (on_body_drop_cb), self);
    gtk_widget_add_controller (GTK_WIDGET (self->body_view), GTK_EVENT_CONTROLLER (body_drop));
  }

  drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (drop, "drop", G_CALLBACK (on_drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));

  setup_address_entry (self, self->to_entry);
  setup_address_entry (self, self->cc_entry);
  setup_address_entry (self, self->bcc_entry);
  g_signal_connect_swapped (self->subject_entry, "changed", G_CALLBACK (on_subject_changed_cb),
                            self);
  buffer = gtk_text_view_get_buffer (self->body_view);
  g_signal_connect_swapped (buffer, "changed", G_CALLBACK (on_changed_cb), self);
  g_signal_connect_swapped (self->from_dropdown, "notify::selected",
                            G_CALLBACK (on_changed_cb), self);
  g_signal_connect_swapped (self->from_dropdown, "notify::selected",
                            G_CALLBACK (update_size_warning), self);

  g_signal_connect_swapped (self->subject_toggle, "toggled", G_CALLBACK (on_subject_toggled_cb),
                            self);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "composer.discard", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "composer.detach", FALSE);
  update_attachments (self);
}

/**
 * petrel_composer_widget_new:
 * @window: the main window (its accounts, and where toasts about sending go)
 * @account: (nullable): the account to write from; the first otherwise
 *
 * Returns: (transfer full): a new, empty composer with the account's signature (a floating
 *   reference, as for any widget)
 */
PetrelComposerWidget *
petrel_composer_widget_new (PetrelWindow  *window,
                     PetrelAccount *account)
{
  PetrelComposerWidget *self;
  GListModel *accounts;
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);
  g_autofree char *signature = NULL;

  g_return_val_if_fail (PETREL_IS_WINDOW (window), NULL);

  self = g_object_new (PETREL_TYPE_COMPOSER_WIDGET, NULL);
  g_set_weak_pointer (&self->window, window);
  self->address_book = petrel_address_book_new ();

  accounts = petrel_window_get_accounts (window);
  for (guint i = 0; i < g_list_model_get_n_items (accounts); i++)
    {
      g_autoptr(PetrelAccount) item = g_list_model_get_item (accounts, i);
      PetrelAccountConfig *config = petrel_account_get_config (item);
      const char * const *aliases = petrel_account_config_get_aliases (config);
      Identity *identity = g_new0 (Identity, 1);

      petrel_address_book_add_account (self->address_book, item);
      identity->account = g_object_ref (item);
      identity->name = g_strdup (petrel_account_config_get_display_name (config));
      identity->address = g_strdup (petrel_account_config_get_email_address (config));
      g_ptr_array_add (self->identities, identity);

      for (guint j = 0; aliases != NULL && aliases[j] != NULL; j++)
        {
          g_autoptr(GPtrArray) parsed = petrel_mime_address_list_parse (aliases[j]);

          for (guint k = 0; k < parsed->len; k++)
            {
              PetrelMimeAddress *address = g_ptr_array_index (parsed, k);
              Identity *alias = g_new0 (Identity, 1);

              alias->account = g_object_ref (item);
              alias->name = g_strdup (address->name != NULL ? address->name : identity->name);
              alias->address = g_strdup (address->address);
              g_ptr_array_add (self->identities, alias);
            }
        }
    }

  for (guint i = 0; i < self->identities->len; i++)
    {
      Identity *identity = g_ptr_array_index (self->identities, i);
      g_autoptr(PetrelMimeAddress) address = petrel_mime_address_new (identity->name,
                                                                      identity->address);
      g_autofree char *label = petrel_mime_address_to_display (address);

      gtk_string_list_append (labels, label);
    }
  self->loading = TRUE;
  gtk_drop_down_set_model (self->from_dropdown, G_LIST_MODEL (labels));
  self->loading = FALSE;
  /* One identity: nothing to choose, the address is shown as text. */
  if (self->identities->len == 1)
    {
      gtk_label_set_text (self->from_single_label,
                          gtk_string_list_get_string (labels, 0));
      gtk_label_set_mnemonic_widget (self->from_label, GTK_WIDGET (self->from_single_label));
    }
  update_from_visibility (self);

  self->loading = TRUE;
  if (account != NULL)
    select_account (self, account, NULL);
  set_rich_mode (self, compose_rich_text ());
  signature = signature_block (current_identity (self));
  if (signature[0] != '\0')
    {
      g_autofree char *body = g_strconcat ("\n\n", signature, NULL);

      set_body_text (self, body);
    }
  self->loading = FALSE;
  self->dirty = FALSE;
  update_title (self);

  return self;
}

/**
 * petrel_composer_widget_start_reply:
 * @self: a composer
 * @original: the message answered or forwarded
 * @mode: reply, reply all, forward inline or as attachment
 *
 * Loads @original (from the cache, or the server) and fills the composer with the
 * recipients, subject, quote and attachments petrel_mime_reply_new() works out.
 */
void
petrel_composer_widget_start_reply (PetrelComposerWidget      *self,
                             PetrelMessage       *original,
                             PetrelMimeReplyMode  mode)
{
  g_return_if_fail (PETREL_IS_COMPOSER_WIDGET (self));
  g_return_if_fail (PETREL_IS_MESSAGE (original));

  g_set_object (&self->original, original);
  self->fold_subject = mode == PETREL_MIME_REPLY_SENDER || mode == PETREL_MIME_REPLY_ALL;
  update_subject_visibility (self);
  load_original (self, original, mode, FALSE);
}

/**
 * petrel_composer_widget_open_draft:
 * @self: a composer
 * @draft: a message of a Drafts folder
 *
 * Opens the draft for editing; saving replaces it.
 */
void
petrel_composer_widget_open_draft (PetrelComposerWidget *self,
                            PetrelMessage  *draft)
{
  g_return_if_fail (PETREL_IS_COMPOSER_WIDGET (self));
  g_return_if_fail (PETREL_IS_MESSAGE (draft));

  load_original (self, draft, PETREL_MIME_REPLY_SENDER, TRUE);
}

/**
 * petrel_composer_widget_get_title:
 *
 * Returns: the subject, or "New Message" without one
 */
const char *
petrel_composer_widget_get_title (PetrelComposerWidget *self)
{
  g_return_val_if_fail (PETREL_IS_COMPOSER_WIDGET (self), NULL);

  return self->title;
}

/**
 * petrel_composer_widget_get_sending:
 *
 * Returns: whether the message is on its way (see #PetrelComposerWidget:sending)
 */
gboolean
petrel_composer_widget_get_sending (PetrelComposerWidget *self)
{
  g_return_val_if_fail (PETREL_IS_COMPOSER_WIDGET (self), FALSE);

  return self->sending;
}

gboolean
petrel_composer_widget_get_inline (PetrelComposerWidget *self)
{
  g_return_val_if_fail (PETREL_IS_COMPOSER_WIDGET (self), FALSE);

  return self->is_inline;
}

/**
 * petrel_composer_widget_set_inline:
 * @is_inline: %TRUE in the reading pane, %FALSE in a window of its own
 *
 * Arranges the composer for its host: inline, its buttons (with Detach) are in a bar of its
 * own, a reply's subject is folded away and a single identity is not shown.
 */
void
petrel_composer_widget_set_inline (PetrelComposerWidget *self,
                                   gboolean              is_inline)
{
  g_return_if_fail (PETREL_IS_COMPOSER_WIDGET (self));

  is_inline = !!is_inline;
  if (self->is_inline == is_inline)
    return;

  self->is_inline = is_inline;
  place_buttons (self);
  gtk_widget_set_visible (self->detach_button, is_inline);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "composer.detach", is_inline);
  update_subject_visibility (self);
  update_from_visibility (self);
  if (is_inline)
    gtk_widget_add_css_class (GTK_WIDGET (self), "inline");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "inline");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INLINE]);
}

/**
 * petrel_composer_widget_get_modified:
 *
 * Returns: whether the composer holds something of the user's: a change since it was filled,
 *   or a saved draft
 */
gboolean
petrel_composer_widget_get_modified (PetrelComposerWidget *self)
{
  g_return_val_if_fail (PETREL_IS_COMPOSER_WIDGET (self), FALSE);

  return self->dirty || self->saving || self->draft_id != 0;
}

/**
 * petrel_composer_widget_get_original:
 *
 * Returns: (transfer none) (nullable): the message a reply or forward answers
 */
PetrelMessage *
petrel_composer_widget_get_original (PetrelComposerWidget *self)
{
  g_return_val_if_fail (PETREL_IS_COMPOSER_WIDGET (self), NULL);

  return self->original;
}

/**
 * petrel_composer_widget_request_close:
 *
 * Asks the composer to go. What was typed since the last save is saved as a draft first.
 *
 * Returns: %TRUE if the host may remove the composer now; %FALSE if it must wait for
 *   #PetrelComposerWidget::done (after the save, or after sending)
 */
gboolean
petrel_composer_widget_request_close (PetrelComposerWidget *self)
{
  g_return_val_if_fail (PETREL_IS_COMPOSER_WIDGET (self), TRUE);

  if (self->sending)
    return FALSE;

  g_clear_handle_id (&self->autosave_id, g_source_remove);
  if ((self->dirty && !is_empty (self)) || self->saving)
    {
      self->close_after_save = TRUE;
      if (!self->saving)
        save_draft (self);
      return FALSE;
    }
  return TRUE;
}

/* Puts the focus in the text, where the user writes. */
void
petrel_composer_widget_focus_text (PetrelComposerWidget *self)
{
  g_return_if_fail (PETREL_IS_COMPOSER_WIDGET (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->body_view));
}
