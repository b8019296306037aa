/* petrel-mime-text.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "petrel-mime-decode.h"
#include "petrel-mime-error.h"
#include "petrel-mime-flowed.h"
#include "petrel-mime-html.h"
#include "petrel-mime-private.h"
#include "petrel-mime-text.h"

/* Parts walked per message; beyond this a message is damage or an attack. */
#define MAX_PARTS 2000
#define SNIPPET_CHARS 200

G_DEFINE_BOXED_TYPE (PetrelMimeAttachment, petrel_mime_attachment,
                     petrel_mime_attachment_copy, petrel_mime_attachment_free)
G_DEFINE_BOXED_TYPE (PetrelMimeBody, petrel_mime_body,
                     petrel_mime_body_copy, petrel_mime_body_free)

typedef struct
{
  GString   *text;
  char      *html;
  gboolean   used_plain;
  gboolean   used_html;
  GPtrArray *attachments;
  guint      parts_seen;
} Walk;

static void walk_object (Walk        *walk,
                         GMimeObject *object,
                         const char  *path,
                         int          depth,
                         gboolean     text_mode,
                         gboolean     in_related,
                         gboolean     top);

PetrelMimeAttachment *
petrel_mime_attachment_copy (const PetrelMimeAttachment *self)
{
  PetrelMimeAttachment *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (PetrelMimeAttachment, 1);
  copy->part_path = g_strdup (self->part_path);
  copy->filename = g_strdup (self->filename);
  copy->content_type = g_strdup (self->content_type);
  copy->content_id = g_strdup (self->content_id);
  copy->disposition = g_strdup (self->disposition);
  copy->size = self->size;
  copy->is_inline = self->is_inline;

  return copy;
}

void
petrel_mime_attachment_free (PetrelMimeAttachment *self)
{
  if (self == NULL)
    return;

  g_free (self->part_path);
  g_free (self->filename);
  g_free (self->content_type);
  g_free (self->content_id);
  g_free (self->disposition);
  g_free (self);
}

static gpointer
copy_attachment (gconstpointer attachment,
                 gpointer      user_data)
{
  return petrel_mime_attachment_copy (attachment);
}

PetrelMimeBody *
petrel_mime_body_copy (const PetrelMimeBody *self)
{
  PetrelMimeBody *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (PetrelMimeBody, 1);
  copy->text = g_strdup (self->text);
  copy->snippet = g_strdup (self->snippet);
  copy->html = g_strdup (self->html);
  copy->text_from_html = self->text_from_html;
  copy->has_attachments = self->has_attachments;
  copy->attachments = g_ptr_array_copy (self->attachments, copy_attachment, NULL);

  return copy;
}

void
petrel_mime_body_free (PetrelMimeBody *self)
{
  if (self == NULL)
    return;

  g_free (self->text);
  g_free (self->snippet);
  g_free (self->html);
  g_clear_pointer (&self->attachments, g_ptr_array_unref);
  g_free (self);
}

static char *
child_path (const char *path,
            int         index)
{
  if (path == NULL || path[0] == '\0')
    return g_strdup_printf ("%d", index + 1);

  return g_strdup_printf ("%s.%d", path, index + 1);
}

static char *
dup_mime_type (GMimeObject *object)
{
  GMimeContentType *type = g_mime_object_get_content_type (object);
  g_autofree char *mime_type = NULL;
  g_autofree char *lower = NULL;

  if (type == NULL)
    return g_strdup ("application/octet-stream");

  mime_type = g_mime_content_type_get_mime_type (type);
  if (mime_type == NULL)
    return g_strdup ("application/octet-stream");

  lower = g_ascii_strdown (mime_type, -1);
  return _petrel_mime_clean_line (g_strdelimit (lower, " ", '_'), 255);
}

static gboolean
mime_type_is (GMimeObject *object,
              const char  *type,
              const char  *subtype)
{
  GMimeContentType *content_type = g_mime_object_get_content_type (object);

  return content_type != NULL && g_mime_content_type_is_type (content_type, type, subtype);
}

static char *
dup_disposition (GMimeObject *object)
{
  const char *disposition = g_mime_object_get_disposition (object);
  g_autofree char *clean = NULL;

  if (disposition == NULL)
    return NULL;

  clean = _petrel_mime_clean_line (disposition, 64);
  if (clean[0] == '\0')
    return NULL;

  return g_ascii_strdown (clean, -1);
}

static gboolean
is_attachment_disposition (const char *disposition)
{
  return disposition != NULL && strcmp (disposition, "attachment") == 0;
}

/* A file name safe to show and to save under: decoded, one line, no directories. */
static char *
clean_filename (const char *raw)
{
  g_autofree char *line = NULL;
  const char *base;

  if (raw == NULL)
    return NULL;

  line = _petrel_mime_clean_line (raw, 1024);
  base = line;
  for (const char *p = line; *p != '\0'; p++)
    if (*p == '/' || *p == '\\')
      base = p + 1;

  while (*base == ' ')
    base++;
  if (base[0] == '\0' || strcmp (base, ".") == 0 || strcmp (base, "..") == 0)
    return NULL;

  return g_strdup (base);
}

static GByteArray *
decode_content (GMimePart *part)
{
  GMimeDataWrapper *wrapper = g_mime_part_get_content (part);
  g_autoptr(GMimeStream) stream = NULL;
  GByteArray *array = g_byte_array_new ();

  if (wrapper == NULL)
    return array;

  stream = g_mime_stream_mem_new_with_byte_array (array);
  g_mime_stream_mem_set_owner (GMIME_STREAM_MEM (stream), FALSE);
  /* Undoes the transfer encoding; damaged base64 or quoted-printable gives what it can. */
  g_mime_data_wrapper_write_to_stream (wrapper, stream);

  return array;
}

static guint64
estimate_size (GMimePart *part)
{
  GMimeDataWrapper *wrapper = g_mime_part_get_content (part);
  GMimeStream *stream;
  gint64 length;

  if (wrapper == NULL || (stream = g_mime_data_wrapper_get_stream (wrapper)) == NULL)
    return 0;

  length = g_mime_stream_length (stream);
  if (length <= 0)
    return 0;

  switch (g_mime_data_wrapper_get_encoding (wrapper))
    {
    case GMIME_CONTENT_ENCODING_BASE64:
    case GMIME_CONTENT_ENCODING_UUENCODE:
      /* 57 bytes per 76 characters and a line break. */
      return (guint64) length * 57 / 78;
    default:
      return (guint64) length;
    }
}

/* An HTML part without a MIME charset may declare one in a <meta> element. */
static char *
sniff_html_charset (const guint8 *data,
                    gsize         length)
{
  g_autofree char *head = NULL;
  const char *p;

  if (data == NULL || length == 0)
    return NULL;

  head = g_ascii_strdown ((const char *) data, MIN (length, 2048));
  p = head;

  while ((p = strstr (p, "charset")) != NULL)
    {
      const char *start;
      const char *end;

      p += strlen ("charset");
      while (*p == ' ')
        p++;
      if (*p != '=')
        continue;
      p++;
      while (*p == ' ' || *p == '"' || *p == '\'')
        p++;
      start = p;
      end = start;
      while (g_ascii_isalnum (*end) || *end == '-' || *end == '_' || *end == ':' || *end == '.')
        end++;
      if (end > start)
        return g_strndup (start, end - start);
    }

  return NULL;
}

static gboolean
param_is (GMimeObject *object,
          const char  *name,
          const char  *value)
{
  const char *param = g_mime_object_get_content_type_parameter (object, name);

  return param != NULL && g_ascii_strcasecmp (param, value) == 0;
}

/* The content of a text part in UTF-8 with LF line ends. */
static char *
decode_text_part (GMimePart *part,
                  gboolean   is_html)
{
  g_autoptr(GByteArray) content = decode_content (part);
  g_autofree char *sniffed = NULL;
  g_autofree char *utf8 = NULL;
  const char *charset;

  charset = g_mime_object_get_content_type_parameter (GMIME_OBJECT (part), "charset");
  if (charset == NULL && is_html)
    charset = sniffed = sniff_html_charset (content->data, content->len);

  utf8 = petrel_mime_convert_to_utf8 ((const char *) content->data, content->len, charset);
  return _petrel_mime_normalize_newlines (utf8, strlen (utf8));
}

/* Decodes a text part to tidy readable text; for HTML also hands back the markup. */
static char *
text_part_to_text (GMimePart  *part,
                   gboolean    is_html,
                   char      **html_out)
{
  GMimeObject *object = GMIME_OBJECT (part);
  g_autofree char *normalized = decode_text_part (part, is_html);

  if (is_html)
    {
      char *text = petrel_mime_html_to_text (normalized, -1);

      if (html_out != NULL)
        *html_out = g_steal_pointer (&normalized);
      return text;
    }

  if (param_is (object, "format", "flowed"))
    {
      g_autofree char *unflowed = petrel_mime_flowed_decode (normalized,
                                                             param_is (object, "delsp", "yes"));

      return _petrel_mime_tidy_text (unflowed);
    }

  return _petrel_mime_tidy_text (normalized);
}

static void
append_text (Walk       *walk,
             const char *text)
{
  if (text[0] == '\0')
    return;

  if (walk->text->len > 0)
    g_string_append_c (walk->text, '\n');
  g_string_append (walk->text, text);
}

static gboolean
is_signature_type (GMimeObject *object)
{
  return mime_type_is (object, "application", "pgp-signature") ||
         mime_type_is (object, "application", "pkcs7-signature") ||
         mime_type_is (object, "application", "x-pkcs7-signature");
}

static gboolean
is_body_text_part (GMimeObject *object,
                   gboolean     top)
{
  g_autofree char *disposition = NULL;
  g_autofree char *filename = NULL;

  if (!GMIME_IS_PART (object) ||
      !(mime_type_is (object, "text", "plain") || mime_type_is (object, "text", "html")))
    return FALSE;

  /* The whole message being one text part makes it the body, whatever its headers say. */
  if (top)
    return TRUE;

  disposition = dup_disposition (object);
  if (is_attachment_disposition (disposition))
    return FALSE;

  filename = clean_filename (g_mime_part_get_filename (GMIME_PART (object)));
  return filename == NULL;
}

static gboolean
part_is_blank_text (GMimePart *part)
{
  g_autofree char *text = text_part_to_text (part, FALSE, NULL);

  return text[0] == '\0';
}

/* Picks the alternative to read: text/plain unless it is blank, else the last HTML or
 * multipart alternative (the richest, by RFC 2046), else a blank text/plain, else the first. */
static int
choose_alternative (GMimeMultipart *multipart,
                    int             count)
{
  int plain = -1;
  int blank_plain = -1;
  int other = -1;

  for (int i = 0; i < count; i++)
    {
      GMimeObject *child = g_mime_multipart_get_part (multipart, i);

      if (is_body_text_part (child, FALSE) && mime_type_is (child, "text", "plain"))
        {
          if (part_is_blank_text (GMIME_PART (child)))
            blank_plain = i;
          else if (plain < 0)
            plain = i;
        }
      else if (is_body_text_part (child, FALSE) || GMIME_IS_MULTIPART (child))
        other = i;
    }

  if (plain >= 0)
    return plain;
  if (other >= 0)
    return other;
  if (blank_plain >= 0)
    return blank_plain;

  return count > 0 ? 0 : -1;
}

static int
find_related_root (GMimeMultipart *multipart,
                   int             count)
{
  const char *start = g_mime_object_get_content_type_parameter (GMIME_OBJECT (multipart),
                                                                "start");
  g_autofree char *start_id = petrel_mime_normalize_message_id (start);

  if (start_id == NULL)
    return 0;

  for (int i = 0; i < count; i++)
    {
      GMimeObject *child = g_mime_multipart_get_part (multipart, i);
      g_autofree char *id = petrel_mime_normalize_message_id (
          _petrel_mime_header_raw (child, "Content-Id"));

      if (id != NULL && strcmp (id, start_id) == 0)
        return i;
    }

  return 0;
}

static PetrelMimeAttachment *
attachment_new (GMimeObject *object,
                const char  *path)
{
  PetrelMimeAttachment *attachment = g_new0 (PetrelMimeAttachment, 1);

  attachment->part_path = g_strdup (path);
  attachment->content_type = dup_mime_type (object);
  attachment->disposition = dup_disposition (object);
  attachment->content_id = petrel_mime_normalize_message_id (
      _petrel_mime_header_raw (object, "Content-Id"));

  return attachment;
}

static void
add_attachment (Walk                 *walk,
                PetrelMimeAttachment *attachment)
{
  if (walk->attachments->len >= MAX_PARTS)
    {
      petrel_mime_attachment_free (attachment);
      return;
    }

  g_ptr_array_add (walk->attachments, attachment);
}

void
_petrel_mime_append_forward_header (GString     *out,
                                    GMimeObject *message)
{
  g_autoptr(PetrelMimeSummary) summary = _petrel_mime_summary_new_from_object (message, 0);
  g_autofree char *from = petrel_mime_address_list_to_display (summary->from);
  g_autofree char *date = petrel_mime_decode_header_text (_petrel_mime_header_raw (message,
                                                                                    "Date"));

  g_string_append (out, "---------- Forwarded message ----------\n");
  g_string_append_printf (out, "From: %s\n", from);
  if (date != NULL && date[0] != '\0')
    g_string_append_printf (out, "Date: %s\n", date);
  g_string_append_printf (out, "Subject: %s\n", summary->subject);
  if (summary->to_display[0] != '\0')
    g_string_append_printf (out, "To: %s\n", summary->to_display);
  if (summary->cc_display[0] != '\0')
    g_string_append_printf (out, "Cc: %s\n", summary->cc_display);
}

static void
walk_message_part (Walk             *walk,
                   GMimeMessagePart *message_part,
                   const char       *path,
                   int               depth,
                   gboolean          text_mode)
{
  GMimeObject *object = GMIME_OBJECT (message_part);
  GMimeMessage *message = g_mime_message_part_get_message (message_part);
  PetrelMimeAttachment *attachment = attachment_new (object, path);
  gboolean attached = is_attachment_disposition (attachment->disposition);
  g_autoptr(GMimeStream) counter = NULL;
  GMimeObject *body;

  attachment->filename = clean_filename (g_mime_object_get_content_disposition_parameter (
      object, "filename"));
  if (attachment->filename == NULL)
    attachment->filename = clean_filename (g_mime_object_get_content_type_parameter (object,
                                                                                     "name"));
  if (attachment->filename == NULL && message != NULL)
    {
      g_autofree char *subject = petrel_mime_decode_header_text (
          _petrel_mime_header_raw (GMIME_OBJECT (message), "Subject"));
      g_autofree char *name = g_strdup_printf ("%s.eml",
                                               subject != NULL && subject[0] != '\0' ?
                                               subject : "message");

      attachment->filename = clean_filename (name);
    }

  if (message != NULL)
    {
      counter = g_mime_stream_null_new ();
      g_mime_object_write_to_stream (GMIME_OBJECT (message), NULL, counter);
      attachment->size = (guint64) g_mime_stream_length (counter);
    }

  /* A message forwarded inline is read as part of this one; an attached one is a file. */
  attachment->is_inline = !attached;
  add_attachment (walk, attachment);

  if (message == NULL || attached || depth >= PETREL_MIME_MAX_DEPTH)
    return;

  body = g_mime_message_get_mime_part (message);
  if (body == NULL)
    return;

  if (text_mode)
    {
      g_autoptr(GString) header = g_string_new (NULL);

      _petrel_mime_append_forward_header (header, GMIME_OBJECT (message));
      append_text (walk, header->str);
    }

  if (GMIME_IS_MULTIPART (body))
    walk_object (walk, body, path, depth + 1, text_mode, FALSE, FALSE);
  else
    {
      g_autofree char *body_path = g_strdup_printf ("%s.1", path);

      walk_object (walk, body, body_path, depth + 1, text_mode, FALSE, FALSE);
    }
}

/* A multipart without a (matching) boundary parameter leaves its whole content in the
 * prologue. When a line there looks like a boundary ("--something"), parse the content again
 * with that boundary; otherwise the prologue is all there is. */
static GMimeObject *
reparse_with_guessed_boundary (GMimeMultipart *multipart,
                               const char     *prologue)
{
  GMimeContentType *type = g_mime_object_get_content_type (GMIME_OBJECT (multipart));
  g_autofree char *boundary = NULL;
  g_autofree char *data = NULL;
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeParser) parser = NULL;
  const char *line = prologue;

  while (line != NULL && *line != '\0')
    {
      if (line[0] == '-' && line[1] == '-' && line[2] != '\0' && line[2] != '\n' &&
          line[2] != '\r')
        {
          gsize len = strcspn (line + 2, "\r\n");

          boundary = g_strndup (line + 2, MIN (len, 200));
          g_strchomp (boundary);
          break;
        }
      line = strchr (line, '\n');
      if (line != NULL)
        line++;
    }

  if (boundary == NULL || boundary[0] == '\0' || strpbrk (boundary, "\"\\") != NULL)
    return NULL;

  data = g_strdup_printf ("Content-Type: multipart/%s; boundary=\"%s\"\n\n%s",
                          g_mime_content_type_get_media_subtype (type) != NULL ?
                          g_mime_content_type_get_media_subtype (type) : "mixed",
                          boundary, prologue);
  stream = g_mime_stream_mem_new_with_buffer (data, strlen (data));
  parser = g_mime_parser_new_with_stream (stream);

  return g_mime_parser_construct_part (parser, _petrel_mime_parser_options ());
}

static void
walk_multipart (Walk           *walk,
                GMimeMultipart *multipart,
                const char     *path,
                int             depth,
                gboolean        text_mode,
                gboolean        in_related)
{
  GMimeObject *object = GMIME_OBJECT (multipart);
  int count = MIN (g_mime_multipart_get_count (multipart), MAX_PARTS);
  int chosen = -1;
  int related_root = -1;
  gboolean is_signed = mime_type_is (object, "multipart", "signed");

  if (mime_type_is (object, "multipart", "encrypted"))
    return;   /* Nothing readable without the key. */

  if (count == 0)
    {
      const char *prologue = g_mime_multipart_get_prologue (multipart);
      g_autoptr(GMimeObject) reparsed = NULL;

      if (prologue == NULL || prologue[0] == '\0')
        return;

      reparsed = reparse_with_guessed_boundary (multipart, prologue);
      if (reparsed != NULL && GMIME_IS_MULTIPART (reparsed) &&
          g_mime_multipart_get_count (GMIME_MULTIPART (reparsed)) > 0)
        walk_object (walk, reparsed, path, depth + 1, text_mode, in_related, FALSE);
      else if (text_mode)
        {
          g_autofree char *utf8 = petrel_mime_convert_to_utf8 (prologue, -1, NULL);
          g_autofree char *normalized = _petrel_mime_normalize_newlines (utf8, strlen (utf8));
          g_autofree char *text = _petrel_mime_tidy_text (normalized);

          append_text (walk, text);
          walk->used_plain = TRUE;
        }
      return;
    }

  if (mime_type_is (object, "multipart", "alternative"))
    chosen = choose_alternative (multipart, count);
  else if (mime_type_is (object, "multipart", "related"))
    related_root = find_related_root (multipart, count);

  for (int i = 0; i < count; i++)
    {
      GMimeObject *child = g_mime_multipart_get_part (multipart, i);
      g_autofree char *path_i = child_path (path, i);
      gboolean child_text = text_mode;
      gboolean child_related = in_related;

      if (child == NULL)
        continue;

      if (chosen >= 0)
        child_text = text_mode && i == chosen;
      else if (related_root >= 0)
        {
          child_text = text_mode && i == related_root;
          child_related = i != related_root;
        }
      else if (is_signed && i > 0 && is_signature_type (child))
        continue;

      walk_object (walk, child, path_i, depth + 1, child_text, child_related, FALSE);
    }
}

static void
walk_leaf (Walk        *walk,
           GMimePart   *part,
           const char  *path,
           gboolean     text_mode,
           gboolean     in_related,
           gboolean     top)
{
  GMimeObject *object = GMIME_OBJECT (part);
  PetrelMimeAttachment *attachment;

  if (is_signature_type (object))
    return;

  if (is_body_text_part (object, top))
    {
      gboolean is_html = mime_type_is (object, "text", "html");

      if (text_mode)
        {
          g_autofree char *html = NULL;
          g_autofree char *text = text_part_to_text (part, is_html, &html);

          append_text (walk, text);
          if (is_html)
            {
              walk->used_html = TRUE;
              if (walk->html == NULL)
                walk->html = g_steal_pointer (&html);
            }
          else
            walk->used_plain = TRUE;
        }
      else if (is_html && walk->html == NULL)
        walk->html = decode_text_part (part, TRUE);
      return;
    }

  attachment = attachment_new (object, path);
  attachment->filename = clean_filename (g_mime_part_get_filename (part));
  attachment->size = estimate_size (part);
  attachment->is_inline = in_related && attachment->content_id != NULL &&
                          !is_attachment_disposition (attachment->disposition);
  add_attachment (walk, attachment);
}

static void
walk_object (Walk        *walk,
             GMimeObject *object,
             const char  *path,
             int          depth,
             gboolean     text_mode,
             gboolean     in_related,
             gboolean     top)
{
  if (object == NULL || depth > PETREL_MIME_MAX_DEPTH || walk->parts_seen >= MAX_PARTS)
    return;
  walk->parts_seen++;

  if (GMIME_IS_MULTIPART (object))
    walk_multipart (walk, GMIME_MULTIPART (object), path, depth, text_mode, in_related);
  else if (GMIME_IS_MESSAGE_PART (object))
    walk_message_part (walk, GMIME_MESSAGE_PART (object), path, depth, text_mode);
  else if (GMIME_IS_PART (object))
    walk_leaf (walk, GMIME_PART (object), path, text_mode, in_related, top);
}

PetrelMimeBody *
_petrel_mime_body_new_from_message (GMimeMessage *message,
                       const char   *data,
                       gsize         length)
{
  PetrelMimeBody *body = g_new0 (PetrelMimeBody, 1);
  Walk walk = { 0, };
  g_autofree char *text = NULL;

  walk.text = g_string_new (NULL);
  walk.attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) petrel_mime_attachment_free);

  if (message != NULL)
    {
      GMimeObject *top = g_mime_message_get_mime_part (message);

      if (top != NULL && GMIME_IS_MULTIPART (top))
        walk_object (&walk, top, "", 0, TRUE, FALSE, FALSE);
      else if (top != NULL)
        walk_object (&walk, top, "1", 0, TRUE, FALSE, TRUE);
    }
  else if (length > 0)
    {
      /* Not even a header GMime could read: show the bytes as text, made safe. */
      g_autofree char *utf8 = petrel_mime_convert_to_utf8 (data, length, NULL);
      g_autofree char *normalized = _petrel_mime_normalize_newlines (utf8, strlen (utf8));

      g_string_append (walk.text, normalized);
    }

  text = g_string_free (walk.text, FALSE);
  body->text = _petrel_mime_tidy_text (text);
  body->snippet = petrel_mime_make_snippet (body->text, SNIPPET_CHARS);
  body->html = walk.html;
  body->text_from_html = walk.used_html && !walk.used_plain;
  body->attachments = walk.attachments;

  for (guint i = 0; i < body->attachments->len; i++)
    {
      PetrelMimeAttachment *attachment = g_ptr_array_index (body->attachments, i);

      if (!attachment->is_inline)
        body->has_attachments = TRUE;
    }

  return body;
}

/**
 * petrel_mime_body_new_from_data:
 * @data: (array length=length): the whole message
 * @length: length of @data
 *
 * Walks the MIME structure of a message for its readable text, snippet and attachments.
 * Broken MIME (missing or wrong boundaries, truncated base64, unknown charsets, nul bytes,
 * binary garbage, deep nesting) gives what can be read, never an error: the nesting walked is
 * bounded (64 levels, 2000 parts), unknown charsets fall back to UTF-8 repair or
 * Windows-1252, and bytes that are not a message at all are shown as repaired text.
 *
 * Returns: (transfer full): the body
 */
PetrelMimeBody *
petrel_mime_body_new_from_data (const char *data,
                                gsize       length)
{
  g_autoptr(GMimeMessage) message = NULL;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  if (length > 0)
    message = _petrel_mime_parse (data, length);

  return _petrel_mime_body_new_from_message (message, data, length);
}

/**
 * petrel_mime_body_new_from_bytes:
 * @message: the whole message
 *
 * See petrel_mime_body_new_from_data().
 *
 * Returns: (transfer full): the body
 */
PetrelMimeBody *
petrel_mime_body_new_from_bytes (GBytes *message)
{
  gsize length = 0;
  const char *data;

  g_return_val_if_fail (message != NULL, NULL);

  data = g_bytes_get_data (message, &length);
  return petrel_mime_body_new_from_data (data, length);
}

static gboolean
parse_part_path (const char  *part_path,
                 GArray      *numbers)
{
  g_auto(GStrv) parts = NULL;

  if (part_path == NULL || part_path[0] == '\0' || strlen (part_path) > 512)
    return FALSE;

  parts = g_strsplit (part_path, ".", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      guint64 number = 0;

      if (i >= PETREL_MIME_MAX_DEPTH * 2 ||
          !g_ascii_string_to_unsigned (parts[i], 10, 1, 100000, &number, NULL))
        return FALSE;
      g_array_append_val (numbers, number);
    }

  return TRUE;
}

static GMimeObject *
find_part (GMimeMessage *message,
           GArray       *numbers)
{
  GMimeObject *current = g_mime_message_get_mime_part (message);
  gboolean entered_message = TRUE;

  for (guint i = 0; i < numbers->len && current != NULL; i++)
    {
      guint64 n = g_array_index (numbers, guint64, i);

      if (GMIME_IS_MESSAGE_PART (current))
        {
          GMimeMessage *inner = g_mime_message_part_get_message (GMIME_MESSAGE_PART (current));

          current = inner != NULL ? g_mime_message_get_mime_part (inner) : NULL;
          entered_message = TRUE;
          if (current == NULL)
            return NULL;
        }

      if (GMIME_IS_MULTIPART (current))
        {
          GMimeMultipart *multipart = GMIME_MULTIPART (current);

          if (n > (guint64) g_mime_multipart_get_count (multipart))
            return NULL;
          current = g_mime_multipart_get_part (multipart, (int) n - 1);
          entered_message = FALSE;
        }
      else if (n == 1 && entered_message)
        entered_message = FALSE;   /* "1" of a single-part message is its body. */
      else
        return NULL;
    }

  return current;
}

/**
 * petrel_mime_get_part_content:
 * @message: the whole message
 * @part_path: a part path as in #PetrelMimeAttachment.part_path ("2", "2.1")
 * @error: return location for a %PETREL_MIME_ERROR error
 *
 * Returns the decoded bytes of one part (transfer encoding undone, charset untouched); for
 * an attached message, the message itself.
 *
 * Returns: (transfer full): the content, or %NULL with @error set
 */
GBytes *
petrel_mime_get_part_content (GBytes      *message,
                              const char  *part_path,
                              GError     **error)
{
  g_autoptr(GMimeMessage) parsed = NULL;
  g_autoptr(GArray) numbers = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autofree char *shown_path = NULL;
  GMimeObject *part;
  gsize length = 0;
  const char *data;

  g_return_val_if_fail (message != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  shown_path = _petrel_mime_clean_line (part_path, 64);
  if (!parse_part_path (part_path, numbers))
    {
      g_set_error (error, PETREL_MIME_ERROR, PETREL_MIME_ERROR_NOT_FOUND,
                   _("“%s” is not a MIME part number such as “2.1”"), shown_path);
      return NULL;
    }

  data = g_bytes_get_data (message, &length);
  if (length > 0)
    parsed = _petrel_mime_parse (data, length);
  if (parsed == NULL)
    {
      g_set_error_literal (error, PETREL_MIME_ERROR, PETREL_MIME_ERROR_PARSE,
                           _("The message could not be read as MIME"));
      return NULL;
    }

  part = find_part (parsed, numbers);
  if (part == NULL || GMIME_IS_MULTIPART (part))
    {
      g_set_error (error, PETREL_MIME_ERROR, PETREL_MIME_ERROR_NOT_FOUND,
                   _("The message has no part %s"), shown_path);
      return NULL;
    }

  if (GMIME_IS_MESSAGE_PART (part))
    {
      GMimeMessage *inner = g_mime_message_part_get_message (GMIME_MESSAGE_PART (part));
      GByteArray *array = g_byte_array_new ();
      g_autoptr(GMimeStream) stream = g_mime_stream_mem_new_with_byte_array (array);

      g_mime_stream_mem_set_owner (GMIME_STREAM_MEM (stream), FALSE);
      if (inner != NULL)
        g_mime_object_write_to_stream (GMIME_OBJECT (inner), NULL, stream);
      return g_byte_array_free_to_bytes (array);
    }

  return g_byte_array_free_to_bytes (decode_content (GMIME_PART (part)));
}

static gboolean
is_blank_line (const char *line)
{
  for (const char *p = line; *p != '\0'; p++)
    if (!g_ascii_isspace (*p))
      return FALSE;

  return TRUE;
}

static gboolean
is_forward_marker (const char *line)
{
  return g_str_has_prefix (line, "---------- Forwarded message") ||
         g_str_has_prefix (line, "-------- Forwarded Message --------") ||
         g_str_has_prefix (line, "Begin forwarded message:");
}

static gboolean
is_separator_line (const char *line)
{
  gsize underscores = strspn (line, "_");

  return g_str_has_prefix (line, "-----Original Message-----") ||
         g_str_has_prefix (line, "-------- Original Message --------") ||
         (underscores >= 20 && line[underscores] == '\0');
}

/**
 * petrel_mime_make_snippet:
 * @text: readable text, such as #PetrelMimeBody.text
 * @max_chars: the length limit in characters (an ellipsis is added when text was cut)
 *
 * Makes a one-line preview: quoted lines, the attribution line before them, the signature
 * and Outlook's "Original Message" history are skipped, and white space is collapsed. A cut
 * is made at a word boundary when one is near.
 *
 * Returns: (transfer full): the snippet, never %NULL
 */
char *
petrel_mime_make_snippet (const char *text,
                          guint       max_chars)
{
  g_auto(GStrv) lines = NULL;
  g_autofree gboolean *skip = NULL;
  GString *out = g_string_new (NULL);
  guint n_lines;
  guint chars = 0;
  gboolean pending_space = FALSE;
  gboolean cut = FALSE;

  if (text == NULL || max_chars == 0)
    return g_string_free (out, FALSE);

  lines = g_strsplit (text, "\n", -1);
  n_lines = g_strv_length (lines);
  skip = g_new0 (gboolean, n_lines + 1);

  /* Mark attribution lines: the non-empty line(s) right before a block of quotes. */
  for (guint i = 1; i < n_lines; i++)
    {
      gint prev = (gint) i - 1;

      if (lines[i][0] != '>' || lines[i - 1][0] == '>')
        continue;
      while (prev >= 0 && is_blank_line (lines[prev]) && (gint) i - prev < 3)
        prev--;
      if (prev >= 0 && g_str_has_suffix (g_strchomp (lines[prev]), ":"))
        {
          skip[prev] = TRUE;
          if (prev > 0 && g_str_has_prefix (lines[prev - 1], "On ") &&
              !g_str_has_prefix (lines[prev], "On "))
            skip[prev - 1] = TRUE;
        }
    }

  for (guint i = 0; i < n_lines && !cut; i++)
    {
      const char *line = lines[i];

      if (strcmp (line, "--") == 0 || strcmp (line, "-- ") == 0 || is_separator_line (line))
        break;
      if (line[0] == '>' || skip[i])
        continue;
      if (is_forward_marker (line))
        {
          /* Skip the forwarded message's header lines, up to the blank line after them. */
          while (i + 1 < n_lines && !is_blank_line (lines[i + 1]))
            i++;
          continue;
        }

      for (const char *p = line; *p != '\0'; p = g_utf8_next_char (p))
        {
          gunichar c = g_utf8_get_char (p);

          if (g_unichar_isspace (c) || c < 0x20)
            {
              pending_space = out->len > 0;
              continue;
            }
          if (pending_space)
            {
              g_string_append_c (out, ' ');
              chars++;
              pending_space = FALSE;
            }
          if (chars >= max_chars)
            {
              cut = TRUE;
              break;
            }
          g_string_append_unichar (out, c);
          chars++;
        }
      pending_space = out->len > 0;
    }

  if (cut)
    {
      /* Prefer to end at the last space in the final quarter. */
      const char *last_space = strrchr (out->str, ' ');

      if (last_space != NULL &&
          g_utf8_strlen (out->str, last_space - out->str) >= (glong) (max_chars * 3 / 4))
        g_string_truncate (out, last_space - out->str);
      while (out->len > 0 && out->str[out->len - 1] == ' ')
        g_string_truncate (out, out->len - 1);
      g_string_append (out, "…");
    }
  else
    {
      while (out->len > 0 && out->str[out->len - 1] == ' ')
        g_string_truncate (out, out->len - 1);
    }

  return g_string_free (out, FALSE);
}

static void
append_size (GString *out,
             guint64  size)
{
  if (size < 1000)
    g_string_append_printf (out, "%" G_GUINT64_FORMAT " bytes", size);
  else if (size < 1000 * 1000)
    g_string_append_printf (out, "%" G_GUINT64_FORMAT " kB", (size + 500) / 1000);
  else
    g_string_append_printf (out, "%" G_GUINT64_FORMAT ".%" G_GUINT64_FORMAT " MB",
                            size / 1000000, (size % 1000000) / 100000);
}

/**
 * petrel_mime_format_for_display:
 * @message: the whole message
 * @tz: (nullable): the time zone to show the date in; %NULL for local time
 *
 * Renders a message as `petrel-cli show` prints it: From, To, Cc (when present), Date
 * (when known), Subject and Attachments (when there are any that are not inline) headers, a
 * blank line, and the readable text.
 *
 * Returns: (transfer full): the rendering, valid UTF-8
 */
char *
petrel_mime_format_for_display (GBytes    *message,
                                GTimeZone *tz)
{
  g_autoptr(GMimeMessage) parsed = NULL;
  g_autoptr(PetrelMimeSummary) summary = NULL;
  g_autoptr(PetrelMimeBody) body = NULL;
  g_autofree char *from = NULL;
  GString *out;
  gsize length = 0;
  const char *data;
  gboolean first = TRUE;

  g_return_val_if_fail (message != NULL, NULL);

  data = g_bytes_get_data (message, &length);
  if (length > 0)
    parsed = _petrel_mime_parse (data, length);

  summary = _petrel_mime_summary_new_from_object (parsed != NULL ? GMIME_OBJECT (parsed) : NULL,
                                                  0);
  body = _petrel_mime_body_new_from_message (parsed, data, length);
  from = petrel_mime_address_list_to_display (summary->from);

  out = g_string_new (NULL);
  g_string_append_printf (out, "From: %s\n", from);
  if (summary->to_display[0] != '\0')
    g_string_append_printf (out, "To: %s\n", summary->to_display);
  if (summary->cc_display[0] != '\0')
    g_string_append_printf (out, "Cc: %s\n", summary->cc_display);
  if (summary->date > 0)
    {
      g_autofree char *date = _petrel_mime_format_date (summary->date, tz);

      g_string_append_printf (out, "Date: %s\n", date);
    }
  g_string_append_printf (out, "Subject: %s\n", summary->subject);

  for (guint i = 0; i < body->attachments->len; i++)
    {
      PetrelMimeAttachment *attachment = g_ptr_array_index (body->attachments, i);

      if (attachment->is_inline)
        continue;
      g_string_append (out, first ? "Attachments: " : ", ");
      g_string_append_printf (out, "%s (%s, ",
                              attachment->filename != NULL ? attachment->filename : "unnamed",
                              attachment->content_type);
      append_size (out, attachment->size);
      g_string_append_c (out, ')');
      first = FALSE;
    }
  if (!first)
    g_string_append_c (out, '\n');

  g_string_append_c (out, '\n');
  g_string_append (out, body->text);

  return g_string_free (out, FALSE);
}
