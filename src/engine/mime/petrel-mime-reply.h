/* petrel-mime-reply.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "petrel-mime-builder.h"

G_BEGIN_DECLS

#define PETREL_TYPE_MIME_REPLY (petrel_mime_reply_get_type ())

/**
 * PetrelMimeReplyMode:
 * @PETREL_MIME_REPLY_SENDER: reply to the author (Mail-Reply-To, else Reply-To, else From)
 * @PETREL_MIME_REPLY_ALL: reply to the author and every other recipient, without the user
 *   (Mail-Followup-To wins when the original has one)
 * @PETREL_MIME_REPLY_FORWARD: forward inline: the original's header block and text in the
 *   body, its attachments attached again
 * @PETREL_MIME_REPLY_FORWARD_ATTACHMENT: forward the original unchanged as a message/rfc822
 *   attachment
 */
typedef enum
{
  PETREL_MIME_REPLY_SENDER,
  PETREL_MIME_REPLY_ALL,
  PETREL_MIME_REPLY_FORWARD,
  PETREL_MIME_REPLY_FORWARD_ATTACHMENT,
} PetrelMimeReplyMode;

/**
 * PetrelMimeReplyAttachment:
 * @filename: the file name the original gave (decoded, no directory)
 * @content_type: the MIME type ("image/png", "message/rfc822")
 * @data: the decoded content
 */
typedef struct
{
  char   *filename;
  char   *content_type;
  GBytes *data;
} PetrelMimeReplyAttachment;

/**
 * PetrelMimeReply:
 * @mode: what this prepares
 * @to: (element-type PetrelMimeAddress): the To recipients (empty for a forward)
 * @cc: (element-type PetrelMimeAddress): the Cc recipients
 * @subject: "Re: …" or "Fwd: …", prefixes never piled up
 * @in_reply_to: (nullable): the original's Message-ID (replies only), without <>
 * @references: (nullable): the References of a reply, oldest first, without <>
 * @quoted: the text that goes below what the user writes: the attribution line and the
 *   quoted text of a reply, the "Forwarded message" block of an inline forward, empty for a
 *   forward as attachment; LF line ends, ending with a newline unless empty
 * @attachments: (element-type PetrelMimeReplyAttachment): what to attach: the original's
 *   attachments for an inline forward, the original itself for a forward as attachment
 *
 * Everything a reply or a forward takes from the message it answers, so that a composer can
 * show it for editing and a script can apply it to a #PetrelMimeBuilder as it is.
 */
typedef struct
{
  PetrelMimeReplyMode  mode;
  GPtrArray           *to;
  GPtrArray           *cc;
  char                *subject;
  char                *in_reply_to;
  GStrv                references;
  char                *quoted;
  GPtrArray           *attachments;
} PetrelMimeReply;

GType            petrel_mime_reply_get_type      (void) G_GNUC_CONST;
PetrelMimeReply *petrel_mime_reply_new           (GBytes                *original,
                                                  PetrelMimeReplyMode    mode,
                                                  const char * const    *own_addresses,
                                                  GTimeZone             *tz,
                                                  GError               **error);
PetrelMimeReply *petrel_mime_reply_copy          (const PetrelMimeReply *self);
void             petrel_mime_reply_free          (PetrelMimeReply       *self);
char            *petrel_mime_reply_compose_text  (const PetrelMimeReply *self,
                                                  const char            *user_text);
gboolean         petrel_mime_reply_apply         (const PetrelMimeReply *self,
                                                  PetrelMimeBuilder     *builder,
                                                  const char            *user_text,
                                                  GError               **error);
char            *petrel_mime_reply_attribution   (const char            *name,
                                                  const char            *address,
                                                  gint64                 date,
                                                  GTimeZone             *tz);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PetrelMimeReply, petrel_mime_reply_free)

G_END_DECLS
