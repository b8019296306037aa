/* petrel-mime-text.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define PETREL_TYPE_MIME_ATTACHMENT (petrel_mime_attachment_get_type ())
#define PETREL_TYPE_MIME_BODY (petrel_mime_body_get_type ())

/**
 * PetrelMimeAttachment:
 * @part_path: the IMAP section number of the part ("2", "2.1"), for
 *   petrel_mime_get_part_content() or an IMAP `BODY[2.1]` fetch
 * @filename: (nullable): the file name, decoded (RFC 2231 and RFC 2047) to UTF-8, without
 *   any directory; for an attached message without a name, its subject + ".eml"
 * @content_type: the MIME type in lower case ("application/pdf")
 * @content_id: (nullable): the Content-ID without angle brackets
 * @disposition: (nullable): "attachment", "inline" (lower case) or %NULL when not given
 * @size: an estimate of the decoded size in bytes (from the encoded size)
 * @is_inline: %TRUE for parts shown inside the message rather than offered as files: images
 *   that an HTML body refers to by Content-ID, and forwarded messages shown inline. They do
 *   not count for #PetrelMimeBody.has_attachments.
 */
typedef struct
{
  char     *part_path;
  char     *filename;
  char     *content_type;
  char     *content_id;
  char     *disposition;
  guint64   size;
  gboolean  is_inline;
} PetrelMimeAttachment;

/**
 * PetrelMimeBody:
 * @text: the readable text, valid UTF-8 with LF line ends, ending with a newline unless
 *   empty; text/plain is preferred, HTML-only messages are turned into text
 * @snippet: about the first 200 characters of @text on one line, skipping quoted lines,
 *   attribution lines and the signature
 * @html: (nullable): the first HTML body part, converted to UTF-8 but otherwise as sent
 *   (not sanitised: never render it without sanitising)
 * @text_from_html: whether @text was made from HTML because there was no text/plain
 * @has_attachments: whether there is an attachment that is not @is_inline
 * @attachments: (element-type PetrelMimeAttachment): every non-body part, in MIME order
 *
 * What a reader needs from a message body.
 */
typedef struct
{
  char      *text;
  char      *snippet;
  char      *html;
  gboolean   text_from_html;
  gboolean   has_attachments;
  GPtrArray *attachments;
} PetrelMimeBody;

GType                 petrel_mime_attachment_get_type (void) G_GNUC_CONST;
PetrelMimeAttachment *petrel_mime_attachment_copy     (const PetrelMimeAttachment *self);
void                  petrel_mime_attachment_free     (PetrelMimeAttachment       *self);

GType                 petrel_mime_body_get_type       (void) G_GNUC_CONST;
PetrelMimeBody       *petrel_mime_body_new_from_data  (const char                 *data,
                                                       gsize                       length);
PetrelMimeBody       *petrel_mime_body_new_from_bytes (GBytes                     *message);
PetrelMimeBody       *petrel_mime_body_copy           (const PetrelMimeBody       *self);
void                  petrel_mime_body_free           (PetrelMimeBody             *self);

GBytes               *petrel_mime_get_part_content    (GBytes                     *message,
                                                       const char                 *part_path,
                                                       GError                    **error);
char                 *petrel_mime_make_snippet        (const char                 *text,
                                                       guint                       max_chars);
char                 *petrel_mime_format_for_display  (GBytes                     *message,
                                                       GTimeZone                  *tz);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PetrelMimeAttachment, petrel_mime_attachment_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PetrelMimeBody, petrel_mime_body_free)

G_END_DECLS
