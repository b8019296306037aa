/* petrel-mailto.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define PETREL_TYPE_MAILTO (petrel_mailto_get_type ())

/**
 * PetrelMailtoIgnored:
 * @PETREL_MAILTO_IGNORED_NONE: nothing was left out
 * @PETREL_MAILTO_IGNORED_ATTACHMENT: the link asked to attach a file (`attach`, `attachment`):
 *   never done, a web page must not be able to send a person's files
 * @PETREL_MAILTO_IGNORED_HEADER: the link set another header (From, Reply-To, X-…)
 *
 * What a mailto: link asked for that Petrel did not do, so that the composer can say so.
 */
typedef enum
{
  PETREL_MAILTO_IGNORED_NONE       = 0,
  PETREL_MAILTO_IGNORED_ATTACHMENT = 1 << 0,
  PETREL_MAILTO_IGNORED_HEADER     = 1 << 1,
} PetrelMailtoIgnored;

/**
 * PetrelMailto:
 * @to: the To addresses as one list ("a@x, b@y"), empty when none
 * @cc: the Cc addresses, empty when none
 * @bcc: the Bcc addresses, empty when none
 * @subject: the subject on one line, empty when none
 * @body: the body text with LF line ends, empty when none
 * @in_reply_to: (nullable): the Message-ID replied to, without angle brackets
 * @ignored: what was left out
 * @ignored_names: the names of the headers left out, lower case, each once
 *
 * A mailto: URI (RFC 6068) taken apart. Every string is valid UTF-8; the header fields hold
 * no control character at all (CR and LF included), so they can never start a new header.
 */
typedef struct
{
  char                *to;
  char                *cc;
  char                *bcc;
  char                *subject;
  char                *body;
  char                *in_reply_to;
  PetrelMailtoIgnored  ignored;
  GStrv                ignored_names;
} PetrelMailto;

GType         petrel_mailto_get_type (void) G_GNUC_CONST;
PetrelMailto *petrel_mailto_parse    (const char          *uri,
                                      GError             **error);
PetrelMailto *petrel_mailto_copy     (const PetrelMailto  *self);
void          petrel_mailto_free     (PetrelMailto        *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PetrelMailto, petrel_mailto_free)

G_END_DECLS
