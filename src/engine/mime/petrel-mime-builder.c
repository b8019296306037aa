/* petrel-mime-builder.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "petrel-mime-address.h"
#include "petrel-mime-builder.h"
#include "petrel-mime-decode.h"
#include "petrel-mime-error.h"
#include "petrel-mime-flowed.h"
#include "petrel-mime-html.h"
#include "petrel-mime-private.h"

/* Builds outgoing messages. Everything a person typed is untrusted here: header values are
 * made single-line (so "hi\r\nBcc: x" cannot add a header), addresses are validated, and Bcc
 * recipients are kept for the SMTP envelope only. */

#define FLOWED_WIDTH 72

typedef struct
{
  char                    *name;      /* owned, nullable, one line */
  char                    *address;   /* owned, as given (UTF-8 domain kept for display) */
  char                    *ascii;     /* owned, domain in punycode: for headers and SMTP */
  PetrelMimeRecipientType  type;
} Recipient;

typedef struct
{
  char   *filename;       /* owned, one line, no directories */
  char   *content_type;   /* owned, "type/subtype" */
  GBytes *data;           /* owned */
  char   *content_id;     /* owned, nullable: an inline image the HTML shows by cid */
} Attachment;

struct _PetrelMimeBuilder
{
  GObject     parent_instance;

  Recipient  *from;         /* owned, nullable */
  GPtrArray  *recipients;   /* owned, of Recipient */
  char       *subject;      /* owned, one line */
  char       *text;         /* owned, nullable, LF line ends */
  char       *html;         /* owned, nullable */
  GPtrArray  *attachments;  /* owned, of Attachment */
  GPtrArray  *inline_images; /* owned, of Attachment with a content_id */
  char       *in_reply_to;  /* owned, nullable, without <> */
  GStrv       references;   /* owned, nullable, without <> */
  GDateTime  *date;         /* owned, nullable: now at build time */
  char       *message_id;   /* owned, nullable until set or built */
};

G_DEFINE_FINAL_TYPE (PetrelMimeBuilder, petrel_mime_builder, G_TYPE_OBJECT)

static void
recipient_free (Recipient *recipient)
{
  if (recipient == NULL)
    return;

  g_free (recipient->name);
  g_free (recipient->address);
  g_free (recipient->ascii);
  g_free (recipient);
}

static void
attachment_free (Attachment *attachment)
{
  g_free (attachment->filename);
  g_free (attachment->content_type);
  g_bytes_unref (attachment->data);
  g_free (attachment->content_id);
  g_free (attachment);
}

/* One line of valid UTF-8: CR, LF, NUL and every other control character become spaces. */
static char *
sanitize_header_value (const char *value)
{
  return _petrel_mime_clean_line (value, PETREL_MIME_MAX_FIELD_BYTES);
}

static Recipient *
recipient_new (const char               *name,
               const char               *address,
               PetrelMimeRecipientType   type,
               GError                  **error)
{
  g_autofree char *ascii = NULL;
  g_autofree char *clean_name = NULL;
  Recipient *recipient;

  if (!petrel_mime_address_validate (address, &ascii, error))
    return NULL;

  if (name != NULL)
    {
      clean_name = sanitize_header_value (name);
      if (clean_name[0] == '\0')
        g_clear_pointer (&clean_name, g_free);
    }

  recipient = g_new0 (Recipient, 1);
  recipient->name = g_steal_pointer (&clean_name);
  recipient->address = g_strdup (address);
  recipient->ascii = g_steal_pointer (&ascii);
  recipient->type = type;

  return recipient;
}

/* Checks a message id the caller gives (with or without <>) and returns it without. */
static char *
check_message_id (const char  *message_id,
                  GError     **error)
{
  g_autofree char *id = NULL;
  const char *p;

  if (message_id == NULL)
    goto invalid;

  p = message_id;
  while (*p == ' ')
    p++;
  if (*p == '<')
    {
      gsize len = strlen (p);

      if (len < 3 || p[len - 1] != '>')
        goto invalid;
      id = g_strndup (p + 1, len - 2);
    }
  else
    id = g_strdup (p);

  if (id[0] == '\0' || strlen (id) > 900 || !g_utf8_validate (id, -1, NULL))
    goto invalid;
  for (const char *c = id; *c != '\0'; c++)
    if ((guchar) *c <= 0x20 || *c == 0x7F || *c == '<' || *c == '>' || *c == '"' || *c == '\\')
      goto invalid;

  return g_steal_pointer (&id);

invalid:
  {
    g_autofree char *shown = _petrel_mime_clean_line (message_id, 200);

    g_set_error (error, PETREL_MIME_ERROR, PETREL_MIME_ERROR_INVALID_ARGUMENT,
                 _("“%s” is not a valid message id"), shown);
    return NULL;
  }
}

static void
petrel_mime_builder_finalize (GObject *object)
{
  PetrelMimeBuilder *self = (PetrelMimeBuilder *) object;

  g_clear_pointer (&self->from, recipient_free);
  g_clear_pointer (&self->recipients, g_ptr_array_unref);
  g_clear_pointer (&self->subject, g_free);
  g_clear_pointer (&self->text, g_free);
  g_clear_pointer (&self->html, g_free);
  g_clear_pointer (&self->attachments, g_ptr_array_unref);
  g_clear_pointer (&self->inline_images, g_ptr_array_unref);
  g_clear_pointer (&self->in_reply_to, g_free);
  g_clear_pointer (&self->references, g_strfreev);
  g_clear_pointer (&self->date, g_date_time_unref);
  g_clear_pointer (&self->message_id, g_free);

  G_OBJECT_CLASS (petrel_mime_builder_parent_class)->finalize (object);
}

static void
petrel_mime_builder_class_init (PetrelMimeBuilderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = petrel_mime_builder_finalize;
}

static void
petrel_mime_builder_init (PetrelMimeBuilder *self)
{
  self->recipients = g_ptr_array_new_with_free_func ((GDestroyNotify) recipient_free);
  self->attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) attachment_free);
  self->inline_images = g_ptr_array_new_with_free_func ((GDestroyNotify) attachment_free);
  self->subject = g_strdup ("");
}

PetrelMimeBuilder *
petrel_mime_builder_new (void)
{
  return g_object_new (PETREL_TYPE_MIME_BUILDER, NULL);
}

/**
 * petrel_mime_builder_set_from:
 * @self: a builder
 * @name: (nullable): the sender's display name
 * @address: the sender's address
 * @error: return location for a %PETREL_MIME_ERROR_INVALID_ADDRESS error
 *
 * Returns: %TRUE if @address is valid and was set
 */
gboolean
petrel_mime_builder_set_from (PetrelMimeBuilder  *self,
                              const char         *name,
                              const char         *address,
                              GError            **error)
{
  Recipient *from;

  g_return_val_if_fail (PETREL_IS_MIME_BUILDER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  from = recipient_new (name, address, PETREL_MIME_RECIPIENT_TO, error);
  if (from == NULL)
    return FALSE;

  g_clear_pointer (&self->from, recipient_free);
  self->from = from;

  return TRUE;
}

/**
 * petrel_mime_builder_add_recipient:
 * @self: a builder
 * @type: To, Cc or Bcc
 * @name: (nullable): the display name (ignored for Bcc, which never reaches the headers)
 * @address: the address; an internationalised domain is accepted and sent as punycode
 * @error: return location for a %PETREL_MIME_ERROR_INVALID_ADDRESS error
 *
 * Returns: %TRUE if @address is valid and was added
 */
gboolean
petrel_mime_builder_add_recipient (PetrelMimeBuilder        *self,
                                   PetrelMimeRecipientType   type,
                                   const char               *name,
                                   const char               *address,
                                   GError                  **error)
{
  Recipient *recipient;

  g_return_val_if_fail (PETREL_IS_MIME_BUILDER (self), FALSE);
  g_return_val_if_fail (type <= PETREL_MIME_RECIPIENT_BCC, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  recipient = recipient_new (name, address, type, error);
  if (recipient == NULL)
    return FALSE;

  g_ptr_array_add (self->recipients, recipient);
  return TRUE;
}

/* Splits "a@x, \"Lee, Ann\" <b@y>; c@z" at the commas and semicolons that separate
 * addresses (not those inside quotes, angle brackets or comments); pieces are trimmed. */
static GStrv
split_address_list (const char *list)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  GString *piece = g_string_new (NULL);
  gboolean in_quotes = FALSE;
  int angle = 0;
  int comment = 0;

  for (const char *p = list;; p++)
    {
      if (*p == '\0' || (!in_quotes && angle == 0 && comment == 0 && (*p == ',' || *p == ';')))
        {
          g_strv_builder_add (builder, g_strstrip (piece->str));
          g_string_truncate (piece, 0);
          if (*p == '\0')
            break;
          continue;
        }

      if (*p == '\\' && p[1] != '\0')
        {
          g_string_append_c (piece, *p++);
        }
      else if (*p == '"' && comment == 0)
        in_quotes = !in_quotes;
      else if (!in_quotes && *p == '(')
        comment++;
      else if (!in_quotes && *p == ')' && comment > 0)
        comment--;
      else if (!in_quotes && comment == 0 && *p == '<')
        angle++;
      else if (!in_quotes && comment == 0 && *p == '>' && angle > 0)
        angle--;
      g_string_append_c (piece, *p);
    }

  g_string_free (piece, TRUE);
  return g_strv_builder_end (builder);
}

/**
 * petrel_mime_builder_add_recipients:
 * @self: a builder
 * @type: To, Cc or Bcc
 * @list: addresses as a person types them: `Ann Lee <ann@example.org>, bob@example.org`
 * @error: return location for a %PETREL_MIME_ERROR_INVALID_ADDRESS error
 *
 * Adds every address of @list, or none of them when one is invalid. A list of only white
 * space adds nothing and succeeds.
 *
 * Returns: %TRUE if all addresses were valid and added
 */
gboolean
petrel_mime_builder_add_recipients (PetrelMimeBuilder        *self,
                                    PetrelMimeRecipientType   type,
                                    const char               *list,
                                    GError                  **error)
{
  g_autoptr(GPtrArray) added = NULL;
  g_autofree char *clean = NULL;
  g_auto(GStrv) pieces = NULL;

  g_return_val_if_fail (PETREL_IS_MIME_BUILDER (self), FALSE);
  g_return_val_if_fail (list != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  clean = sanitize_header_value (list);
  if (clean[0] == '\0')
    return TRUE;

  /* Each comma-separated piece must give an address: GMime's lenient parser would quietly
   * drop a piece such as "broken@", and a typo must not lose a recipient unnoticed. */
  pieces = split_address_list (clean);
  added = g_ptr_array_new_with_free_func ((GDestroyNotify) recipient_free);
  for (guint i = 0; pieces[i] != NULL; i++)
    {
      g_autoptr(GPtrArray) parsed = NULL;

      if (pieces[i][0] == '\0')
        continue;

      parsed = petrel_mime_address_list_parse (pieces[i]);
      if (parsed->len == 0)
        {
          g_set_error (error, PETREL_MIME_ERROR, PETREL_MIME_ERROR_INVALID_ADDRESS,
                       _("“%s” is not a valid e-mail address"), pieces[i]);
          return FALSE;
        }

      for (guint j = 0; j < parsed->len; j++)
        {
          PetrelMimeAddress *address = g_ptr_array_index (parsed, j);
          Recipient *recipient = recipient_new (address->name, address->address, type, error);

          if (recipient == NULL)
            return FALSE;
          g_ptr_array_add (added, recipient);
        }
    }

  if (added->len == 0)
    {
      g_set_error (error, PETREL_MIME_ERROR, PETREL_MIME_ERROR_INVALID_ADDRESS,
                   _("No e-mail address found in “%s”"), clean);
      return FALSE;
    }

  g_ptr_array_extend_and_steal (self->recipients, g_steal_pointer (&added));

  return TRUE;
}

/**
 * petrel_mime_builder_set_subject:
 * @self: a builder
 * @subject: (nullable): the subject; line breaks and control characters become spaces
 */
void
petrel_mime_builder_set_subject (PetrelMimeBuilder *self,
                                 const char        *subject)
{
  g_return_if_fail (PETREL_IS_MIME_BUILDER (self));

  g_free (self->subject);
  self->subject = sanitize_header_value (subject);
}

/**
 * petrel_mime_builder_set_text:
 * @self: a builder
 * @text: (nullable): the plain text body (UTF-8; invalid bytes are repaired); sent as
 *   format=flowed
 */
void
petrel_mime_builder_set_text (PetrelMimeBuilder *self,
                              const char        *text)
{
  g_return_if_fail (PETREL_IS_MIME_BUILDER (self));

  g_clear_pointer (&self->text, g_free);
  if (text != NULL)
    {
      g_autofree char *valid = petrel_mime_utf8_repair (text, -1);

      self->text = _petrel_mime_normalize_newlines (valid, strlen (valid));
    }
}

/**
 * petrel_mime_builder_set_html:
 * @self: a builder
 * @html: (nullable): an HTML alternative to the text; without text, the text alternative is
 *   made from it with petrel_mime_html_to_text()
 */
void
petrel_mime_builder_set_html (PetrelMimeBuilder *self,
                              const char        *html)
{
  g_return_if_fail (PETREL_IS_MIME_BUILDER (self));

  g_clear_pointer (&self->html, g_free);
  if (html != NULL)
    self->html = petrel_mime_utf8_repair (html, -1);
}

/* Fallbacks for when the shared MIME database is missing or unsure. */
static const struct
{
  const char *extension;
  const char *mime_type;
} known_extensions[] = {
  { "csv", "text/csv" }, { "doc", "application/msword" }, { "docx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
  { "eml", "message/rfc822" }, { "gif", "image/gif" }, { "gz", "application/gzip" },
  { "htm", "text/html" }, { "html", "text/html" }, { "ics", "text/calendar" },
  { "jpeg", "image/jpeg" }, { "jpg", "image/jpeg" }, { "json", "application/json" },
  { "md", "text/markdown" }, { "odp", "application/vnd.oasis.opendocument.presentation" },
  { "ods", "application/vnd.oasis.opendocument.spreadsheet" },
  { "odt", "application/vnd.oasis.opendocument.text" }, { "pdf", "application/pdf" },
  { "png", "image/png" }, { "svg", "image/svg+xml" }, { "txt", "text/plain" },
  { "vcf", "text/vcard" }, { "webp", "image/webp" }, { "xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
  { "xml", "application/xml" }, { "zip", "application/zip" },
};

static gboolean
is_valid_mime_type (const char *mime_type)
{
  const char *slash;

  if (mime_type == NULL || (slash = strchr (mime_type, '/')) == NULL || slash == mime_type ||
      slash[1] == '\0' || strlen (mime_type) > 127)
    return FALSE;

  for (const char *p = mime_type; *p != '\0'; p++)
    if (p != slash && !g_ascii_isalnum (*p) && strchr ("!#$&-^_.+", *p) == NULL)
      return FALSE;

  return TRUE;
}

static char *
guess_content_type (const char *filename,
                    GBytes     *data)
{
  gsize length = 0;
  const guchar *bytes = g_bytes_get_data (data, &length);
  g_autofree char *guessed = g_content_type_guess (filename, bytes, MIN (length, 4096), NULL);
  g_autofree char *mime_type = guessed != NULL ? g_content_type_get_mime_type (guessed) : NULL;
  const char *dot = strrchr (filename, '.');

  if (mime_type != NULL && is_valid_mime_type (mime_type) &&
      strcmp (mime_type, "application/octet-stream") != 0)
    return g_ascii_strdown (mime_type, -1);

  if (dot != NULL)
    for (gsize i = 0; i < G_N_ELEMENTS (known_extensions); i++)
      if (g_ascii_strcasecmp (dot + 1, known_extensions[i].extension) == 0)
        return g_strdup (known_extensions[i].mime_type);

  if (length >= 5 && memcmp (bytes, "%PDF-", 5) == 0)
    return g_strdup ("application/pdf");
  if (length >= 8 && memcmp (bytes, "\x89PNG\r\n\x1a\n", 8) == 0)
    return g_strdup ("image/png");

  return g_strdup ("application/octet-stream");
}

static char *
clean_attachment_name (const char *filename)
{
  g_autofree char *line = sanitize_header_value (filename);
  const char *base = line;

  for (const char *p = line; *p != '\0'; p++)
    if (*p == '/' || *p == '\\')
      base = p + 1;

  if (base[0] == '\0' || strcmp (base, ".") == 0 || strcmp (base, "..") == 0)
    return g_strdup ("attachment");

  return g_strdup (base);
}

/**
 * petrel_mime_builder_add_attachment_bytes:
 * @self: a builder
 * @filename: the name the recipient sees (any directory part is dropped)
 * @content_type: (nullable): the MIME type, or %NULL to guess it from @filename and @data
 * @data: the content
 */
void
petrel_mime_builder_add_attachment_bytes (PetrelMimeBuilder *self,
                                          const char        *filename,
                                          const char        *content_type,
                                          GBytes            *data)
{
  Attachment *attachment;

  g_return_if_fail (PETREL_IS_MIME_BUILDER (self));
  g_return_if_fail (data != NULL);

  attachment = g_new0 (Attachment, 1);
  attachment->filename = clean_attachment_name (filename);
  if (content_type != NULL && is_valid_mime_type (content_type))
    attachment->content_type = g_ascii_strdown (content_type, -1);
  else
    attachment->content_type = guess_content_type (attachment->filename, data);
  attachment->data = g_bytes_ref (data);

  g_ptr_array_add (self->attachments, attachment);
}

/**
 * petrel_mime_builder_add_attachment_file:
 * @self: a builder
 * @file: the file to attach; its content type is guessed from its name and content
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GIOError
 *
 * Reads the file at once (call this on a worker thread for big files).
 *
 * Returns: %TRUE if the file was read and attached
 */
gboolean
petrel_mime_builder_add_attachment_file (PetrelMimeBuilder  *self,
                                         GFile              *file,
                                         GCancellable       *cancellable,
                                         GError            **error)
{
  g_autoptr(GBytes) data = NULL;
  g_autofree char *basename = NULL;
  char *contents = NULL;
  gsize length = 0;

  g_return_val_if_fail (PETREL_IS_MIME_BUILDER (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!g_file_load_contents (file, cancellable, &contents, &length, NULL, error))
    return FALSE;

  data = g_bytes_new_take (contents, length);
  basename = g_file_get_basename (file);
  petrel_mime_builder_add_attachment_bytes (self, basename, NULL, data);

  return TRUE;
}

/**
 * petrel_mime_builder_add_inline_image:
 * @self: a builder
 * @data: the image
 * @content_type: (nullable): its MIME type ("image/png"); %NULL to guess it
 * @filename: (nullable): a file name for it
 * @out_cid: (out) (optional) (transfer full): the Content-ID to use in the HTML as
 *   `<img src="cid:…">`, without the "cid:" and without angle brackets
 *
 * Adds an image that the HTML alternative shows: the HTML and its images then go in a
 * multipart/related (RFC 2387). Without an HTML alternative the image is sent as an inline
 * attachment.
 */
void
petrel_mime_builder_add_inline_image (PetrelMimeBuilder  *self,
                                      GBytes             *data,
                                      const char         *content_type,
                                      const char         *filename,
                                      char              **out_cid)
{
  g_autofree char *uuid = g_uuid_string_random ();
  Attachment *image;

  g_return_if_fail (PETREL_IS_MIME_BUILDER (self));
  g_return_if_fail (data != NULL);

  image = g_new0 (Attachment, 1);
  image->filename = clean_attachment_name (filename != NULL ? filename : "image");
  if (content_type != NULL && is_valid_mime_type (content_type))
    image->content_type = g_ascii_strdown (content_type, -1);
  else
    image->content_type = guess_content_type (image->filename, data);
  image->data = g_bytes_ref (data);
  image->content_id = g_strdup_printf ("%s@petrel", uuid);

  if (out_cid != NULL)
    *out_cid = g_strdup (image->content_id);
  g_ptr_array_add (self->inline_images, image);
}

/**
 * petrel_mime_builder_set_in_reply_to:
 * @self: a builder
 * @message_id: (nullable): the Message-ID replied to, with or without angle brackets
 * @error: return location for a %PETREL_MIME_ERROR_INVALID_ARGUMENT error
 *
 * Returns: %TRUE if the id is well-formed (or %NULL, which clears it)
 */
gboolean
petrel_mime_builder_set_in_reply_to (PetrelMimeBuilder  *self,
                                     const char         *message_id,
                                     GError            **error)
{
  g_autofree char *id = NULL;

  g_return_val_if_fail (PETREL_IS_MIME_BUILDER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (message_id != NULL && (id = check_message_id (message_id, error)) == NULL)
    return FALSE;

  g_free (self->in_reply_to);
  self->in_reply_to = g_steal_pointer (&id);

  return TRUE;
}

/**
 * petrel_mime_builder_set_references:
 * @self: a builder
 * @message_ids: (nullable) (array zero-terminated=1): the References ids, oldest first (see
 *   petrel_mime_reply_references())
 * @error: return location for a %PETREL_MIME_ERROR_INVALID_ARGUMENT error
 *
 * Returns: %TRUE if every id is well-formed; nothing is changed otherwise
 */
gboolean
petrel_mime_builder_set_references (PetrelMimeBuilder   *self,
                                    const char * const  *message_ids,
                                    GError             **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (PETREL_IS_MIME_BUILDER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (guint i = 0; message_ids != NULL && message_ids[i] != NULL; i++)
    {
      g_autofree char *id = check_message_id (message_ids[i], error);

      if (id == NULL)
        return FALSE;
      g_strv_builder_add (builder, id);
    }

  g_strfreev (self->references);
  self->references = g_strv_builder_end (builder);
  if (self->references[0] == NULL)
    g_clear_pointer (&self->references, g_strfreev);

  return TRUE;
}

/**
 * petrel_mime_builder_set_date:
 * @self: a builder
 * @date: (nullable): the Date of the message; %NULL means the time of building
 */
void
petrel_mime_builder_set_date (PetrelMimeBuilder *self,
                              GDateTime         *date)
{
  g_return_if_fail (PETREL_IS_MIME_BUILDER (self));

  g_clear_pointer (&self->date, g_date_time_unref);
  if (date != NULL)
    self->date = g_date_time_ref (date);
}

/**
 * petrel_mime_builder_set_message_id:
 * @self: a builder
 * @message_id: (nullable): the Message-ID to use (a draft saved again keeps its id); %NULL
 *   makes a new random one at build time
 * @error: return location for a %PETREL_MIME_ERROR_INVALID_ARGUMENT error
 *
 * Returns: %TRUE if the id is well-formed
 */
gboolean
petrel_mime_builder_set_message_id (PetrelMimeBuilder  *self,
                                    const char         *message_id,
                                    GError            **error)
{
  g_autofree char *id = NULL;

  g_return_val_if_fail (PETREL_IS_MIME_BUILDER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (message_id != NULL && (id = check_message_id (message_id, error)) == NULL)
    return FALSE;

  g_free (self->message_id);
  self->message_id = g_steal_pointer (&id);

  return TRUE;
}

/**
 * petrel_mime_builder_get_message_id:
 * @self: a builder
 *
 * Returns: (nullable): the Message-ID without angle brackets: the one set, or the one
 *   generated by the last build; %NULL before either
 */
const char *
petrel_mime_builder_get_message_id (PetrelMimeBuilder *self)
{
  g_return_val_if_fail (PETREL_IS_MIME_BUILDER (self), NULL);

  return self->message_id;
}

/**
 * petrel_mime_builder_get_envelope_sender:
 * @self: a builder
 *
 * Returns: (nullable): the From address with an ASCII domain, for SMTP MAIL FROM
 */
const char *
petrel_mime_builder_get_envelope_sender (PetrelMimeBuilder *self)
{
  g_return_val_if_fail (PETREL_IS_MIME_BUILDER (self), NULL);

  return self->from != NULL ? self->from->ascii : NULL;
}

/**
 * petrel_mime_builder_dup_envelope_recipients:
 * @self: a builder
 *
 * Returns: (transfer full): every To, Cc and Bcc address (ASCII domains), each once, for SMTP
 *   RCPT TO; Bcc recipients are only here, never in the built message
 */
GStrv
petrel_mime_builder_dup_envelope_recipients (PetrelMimeBuilder *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_return_val_if_fail (PETREL_IS_MIME_BUILDER (self), NULL);

  for (guint i = 0; i < self->recipients->len; i++)
    {
      Recipient *recipient = g_ptr_array_index (self->recipients, i);
      char *key = g_utf8_strdown (recipient->ascii, -1);

      if (!g_hash_table_add (seen, key))
        continue;
      g_strv_builder_add (builder, recipient->ascii);
    }

  return g_strv_builder_end (builder);
}

static char *
generate_message_id (const char *from_ascii)
{
  g_autofree char *uuid = g_uuid_string_random ();
  const char *at = strrchr (from_ascii, '@');
  const char *domain = at != NULL && at[1] != '\0' && at[1] != '[' ? at + 1 : "petrel.invalid";
  GString *id = g_string_new (NULL);

  for (const char *p = uuid; *p != '\0'; p++)
    if (*p != '-')
      g_string_append_c (id, *p);
  g_string_append_printf (id, "@%s", domain);

  return g_string_free (id, FALSE);
}

/* 7bit for ASCII with short lines; else quoted-printable, or base64 when most bytes are
 * 8-bit (CJK text, where quoted-printable would triple the size). */
static GMimeContentEncoding
choose_text_encoding (const char *text,
                      gsize       length)
{
  gsize high = 0;
  gsize line = 0;
  gsize longest = 0;

  for (gsize i = 0; i < length; i++)
    {
      guchar c = (guchar) text[i];

      if (c >= 0x80)
        high++;
      if (c == '\n')
        {
          longest = MAX (longest, line);
          line = 0;
        }
      else
        line++;
    }
  longest = MAX (longest, line);

  if (high == 0 && longest <= 998)
    return GMIME_CONTENT_ENCODING_7BIT;
  if (high * 3 > length)
    return GMIME_CONTENT_ENCODING_BASE64;

  return GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
}

static GMimeObject *
make_text_part (const char *subtype,
                const char *utf8,
                gboolean    flowed)
{
  GMimeTextPart *part = g_mime_text_part_new_with_subtype (subtype);
  gsize length = strlen (utf8);
  g_autoptr(GMimeStream) stream = g_mime_stream_mem_new_with_buffer (utf8, length);
  g_autoptr(GMimeDataWrapper) wrapper =
    g_mime_data_wrapper_new_with_stream (stream, GMIME_CONTENT_ENCODING_DEFAULT);

  g_mime_part_set_content (GMIME_PART (part), wrapper);
  g_mime_text_part_set_charset (part, "utf-8");
  if (flowed)
    g_mime_object_set_content_type_parameter (GMIME_OBJECT (part), "format", "flowed");
  g_mime_part_set_content_encoding (GMIME_PART (part), choose_text_encoding (utf8, length));

  return GMIME_OBJECT (part);
}

/* A forwarded message goes as message/rfc822, which may not be base64-encoded (RFC 2046
 * section 5.2.1): GMime writes the parsed message back in 7bit or 8bit. */
static GMimeObject *
make_message_part (Attachment *attachment)
{
  gsize length = 0;
  const char *data = g_bytes_get_data (attachment->data, &length);
  g_autoptr(GMimeMessage) message = length > 0 ? _petrel_mime_parse (data, length) : NULL;
  GMimeMessagePart *part;

  if (message == NULL)
    return NULL;

  part = g_mime_message_part_new_with_message ("rfc822", message);
  g_mime_object_set_disposition (GMIME_OBJECT (part), GMIME_DISPOSITION_ATTACHMENT);
  g_mime_object_set_content_disposition_parameter (GMIME_OBJECT (part), "filename",
                                                   attachment->filename);

  return GMIME_OBJECT (part);
}

static GMimeObject *
make_attachment_part (Attachment *attachment)
{
  g_auto(GStrv) type = NULL;
  GMimePart *part;
  gsize length = 0;
  const char *data = g_bytes_get_data (attachment->data, &length);
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeDataWrapper) wrapper = NULL;

  if (g_strcmp0 (attachment->content_type, "message/rfc822") == 0)
    {
      GMimeObject *message_part = make_message_part (attachment);

      if (message_part != NULL)
        return message_part;
    }

  type = g_strsplit (attachment->content_type, "/", 2);
  /* Anything but a real message under message/ would be sent base64, which RFC 2046 forbids. */
  if (g_ascii_strcasecmp (type[0], "message") == 0 || g_ascii_strcasecmp (type[0], "multipart") == 0)
    part = g_mime_part_new_with_type ("application", "octet-stream");
  else
    part = g_mime_part_new_with_type (type[0], type[1]);
  stream = g_mime_stream_mem_new_with_buffer (data != NULL ? data : "", length);
  wrapper = g_mime_data_wrapper_new_with_stream (stream, GMIME_CONTENT_ENCODING_DEFAULT);

  g_mime_part_set_content (part, wrapper);
  if (attachment->content_id != NULL)
    {
      g_mime_object_set_content_id (GMIME_OBJECT (part), attachment->content_id);
      g_mime_object_set_disposition (GMIME_OBJECT (part), GMIME_DISPOSITION_INLINE);
    }
  else
    g_mime_object_set_disposition (GMIME_OBJECT (part), GMIME_DISPOSITION_ATTACHMENT);
  /* Sets the disposition filename and the content type name, RFC 2231-encoded if needed. */
  g_mime_part_set_filename (part, attachment->filename);
  if (g_str_has_prefix (attachment->content_type, "text/") &&
      g_utf8_validate (data != NULL ? data : "", length, NULL))
    g_mime_object_set_content_type_parameter (GMIME_OBJECT (part), "charset", "utf-8");
  g_mime_part_set_content_encoding (part, GMIME_CONTENT_ENCODING_BASE64);

  return GMIME_OBJECT (part);
}

static void
add_addresses (GMimeMessage            *message,
               GMimeAddressType         address_type,
               GPtrArray               *recipients,
               PetrelMimeRecipientType  type)
{
  InternetAddressList *list = g_mime_message_get_addresses (message, address_type);

  for (guint i = 0; i < recipients->len; i++)
    {
      Recipient *recipient = g_ptr_array_index (recipients, i);
      g_autoptr(InternetAddress) mailbox = NULL;

      if (recipient->type != type)
        continue;
      mailbox = internet_address_mailbox_new (recipient->name, recipient->ascii);
      internet_address_set_charset (mailbox, "utf-8");
      internet_address_list_add (list, mailbox);
    }
}

static GMimeObject *
make_body (PetrelMimeBuilder *self)
{
  g_autofree char *plain = NULL;
  g_autofree char *flowed = NULL;
  GMimeObject *text_part;
  GMimeObject *body;

  if (self->text != NULL)
    plain = g_strdup (self->text);
  else if (self->html != NULL)
    plain = petrel_mime_html_to_text (self->html, -1);
  else
    plain = g_strdup ("");

  flowed = petrel_mime_flowed_encode (plain, FLOWED_WIDTH);
  text_part = make_text_part ("plain", flowed, TRUE);

  if (self->html == NULL)
    body = text_part;
  else
    {
      GMimeMultipart *alternative = g_mime_multipart_new_with_subtype ("alternative");
      g_autoptr(GMimeObject) html_part = make_text_part ("html", self->html, FALSE);

      if (self->inline_images->len > 0)
        {
          GMimeMultipart *related = g_mime_multipart_new_with_subtype ("related");

          g_mime_object_set_content_type_parameter (GMIME_OBJECT (related), "type",
                                                    "text/html");
          g_mime_multipart_add (related, html_part);
          for (guint i = 0; i < self->inline_images->len; i++)
            {
              g_autoptr(GMimeObject) image =
                make_attachment_part (g_ptr_array_index (self->inline_images, i));

              g_mime_multipart_add (related, image);
            }
          g_object_unref (html_part);
          html_part = GMIME_OBJECT (related);
        }

      g_mime_multipart_add (alternative, text_part);
      g_mime_multipart_add (alternative, html_part);
      g_object_unref (text_part);
      body = GMIME_OBJECT (alternative);
    }

  if (self->attachments->len > 0 || (self->html == NULL && self->inline_images->len > 0))
    {
      GMimeMultipart *mixed = g_mime_multipart_new_with_subtype ("mixed");

      g_mime_multipart_add (mixed, body);
      g_object_unref (body);
      for (guint i = 0; i < self->attachments->len; i++)
        {
          g_autoptr(GMimeObject) part = make_attachment_part (g_ptr_array_index (self->attachments,
                                                                                 i));

          g_mime_multipart_add (mixed, part);
        }
      /* No HTML to show them in: the images travel as inline attachments. */
      for (guint i = 0; self->html == NULL && i < self->inline_images->len; i++)
        {
          g_autoptr(GMimeObject) part =
            make_attachment_part (g_ptr_array_index (self->inline_images, i));

          g_mime_multipart_add (mixed, part);
        }
      body = GMIME_OBJECT (mixed);
    }

  return body;
}

static char *
format_id_list (const char * const *ids)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; ids[i] != NULL; i++)
    g_string_append_printf (out, "%s<%s>", i > 0 ? " " : "", ids[i]);

  return g_string_free (out, FALSE);
}

/**
 * petrel_mime_builder_build:
 * @self: a builder
 * @error: return location for a %PETREL_MIME_ERROR_INVALID_ARGUMENT error
 *
 * Builds the message: From, To, Cc (never Bcc), Subject (RFC 2047-encoded when not ASCII),
 * Date, Message-ID (generated from a random id and the sender's domain unless one was set),
 * In-Reply-To, References and MIME-Version; a UTF-8 format=flowed text part, a
 * multipart/alternative with the HTML when there is one, and a multipart/mixed with base64
 * attachments (RFC 2231 file names) when there are any. Only a sender is required.
 *
 * Returns: (transfer full): the message, or %NULL with @error set
 */
GMimeMessage *
petrel_mime_builder_build (PetrelMimeBuilder  *self,
                           GError            **error)
{
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(InternetAddress) from = NULL;
  g_autoptr(GMimeObject) body = NULL;
  GMimeObject *object;

  g_return_val_if_fail (PETREL_IS_MIME_BUILDER (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (self->from == NULL)
    {
      g_set_error_literal (error, PETREL_MIME_ERROR, PETREL_MIME_ERROR_INVALID_ARGUMENT,
                           _("The message has no sender"));
      return NULL;
    }

  if (self->message_id == NULL)
    self->message_id = generate_message_id (self->from->ascii);

  message = g_mime_message_new (FALSE);
  object = GMIME_OBJECT (message);

  from = internet_address_mailbox_new (self->from->name, self->from->ascii);
  internet_address_set_charset (from, "utf-8");
  internet_address_list_add (g_mime_message_get_from (message), from);
  add_addresses (message, GMIME_ADDRESS_TYPE_TO, self->recipients, PETREL_MIME_RECIPIENT_TO);
  add_addresses (message, GMIME_ADDRESS_TYPE_CC, self->recipients, PETREL_MIME_RECIPIENT_CC);
  /* Bcc recipients are deliberately not added: see dup_envelope_recipients(). */

  g_mime_message_set_subject (message, self->subject, "utf-8");

  if (self->date == NULL)
    now = g_date_time_new_now_local ();
  g_mime_message_set_date (message, self->date != NULL ? self->date : now);
  g_mime_message_set_message_id (message, self->message_id);

  if (self->in_reply_to != NULL)
    {
      g_autofree char *value = g_strdup_printf ("<%s>", self->in_reply_to);

      g_mime_object_set_header (object, "In-Reply-To", value, NULL);
    }
  if (self->references != NULL)
    {
      g_autofree char *value = format_id_list ((const char * const *) self->references);

      g_mime_object_set_header (object, "References", value, NULL);
    }

  g_mime_object_set_header (object, "MIME-Version", "1.0", NULL);

  body = make_body (self);
  g_mime_message_set_mime_part (message, body);

  return g_steal_pointer (&message);
}

/**
 * petrel_mime_builder_build_bytes:
 * @self: a builder
 * @error: return location for a %PETREL_MIME_ERROR_INVALID_ARGUMENT error
 *
 * Builds the message as petrel_mime_builder_build() does and serialises it with CRLF line
 * ends, ready for SMTP DATA (before dot-stuffing) or an IMAP APPEND.
 *
 * Returns: (transfer full): the bytes, or %NULL with @error set
 */
GBytes *
petrel_mime_builder_build_bytes (PetrelMimeBuilder  *self,
                                 GError            **error)
{
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(GMimeStream) stream = NULL;
  GMimeFormatOptions *options;
  GByteArray *array;

  g_return_val_if_fail (PETREL_IS_MIME_BUILDER (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  message = petrel_mime_builder_build (self, error);
  if (message == NULL)
    return NULL;

  options = g_mime_format_options_new ();
  g_mime_format_options_set_newline_format (options, GMIME_NEWLINE_FORMAT_DOS);
  g_mime_format_options_set_param_encoding_method (options, GMIME_PARAM_ENCODING_METHOD_RFC2231);

  array = g_byte_array_new ();
  stream = g_mime_stream_mem_new_with_byte_array (array);
  g_mime_stream_mem_set_owner (GMIME_STREAM_MEM (stream), FALSE);
  g_mime_object_write_to_stream (GMIME_OBJECT (message), options, stream);
  g_mime_format_options_free (options);

  return g_byte_array_free_to_bytes (array);
}
