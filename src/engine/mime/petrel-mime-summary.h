/* petrel-mime-summary.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "petrel-mime-address.h"

G_BEGIN_DECLS

#define PETREL_TYPE_MIME_SUMMARY (petrel_mime_summary_get_type ())

/**
 * PETREL_MIME_SUMMARY_FIELDS:
 *
 * Every header field a #PetrelMimeSummary reads, as the list of an IMAP `HEADER.FIELDS`
 * section: `BODY.PEEK[HEADER.FIELDS (` PETREL_MIME_SUMMARY_FIELDS `)]` gives the same summary
 * as the whole header block, in a fraction of the bytes (Received, DKIM and ARC fields are
 * most of a header these days).
 */
#define PETREL_MIME_SUMMARY_FIELDS \
  "DATE SUBJECT FROM TO CC REPLY-TO MESSAGE-ID IN-REPLY-TO REFERENCES LIST-ID"

/**
 * PetrelMimeSummary:
 * @subject: decoded subject; empty when missing
 * @from_name: decoded display name of the first From address; empty when none
 * @from_address: the first From address; empty when none
 * @from: (element-type PetrelMimeAddress): all From addresses
 * @to: (element-type PetrelMimeAddress): To addresses (groups flattened)
 * @cc: (element-type PetrelMimeAddress): Cc addresses
 * @reply_to: (element-type PetrelMimeAddress): Reply-To addresses
 * @to_display: `Ann Lee <ann@example.org>, bob@example.org`; empty when none
 * @cc_display: like @to_display, for Cc
 * @date: the Date header as seconds since the Unix epoch, or the caller's fallback when the
 *   header is missing or cannot be read
 * @message_id: (nullable): the Message-ID without angle brackets
 * @in_reply_to: (nullable): the first id of In-Reply-To, without angle brackets
 * @references: the References ids, oldest first, without angle brackets; never %NULL
 * @list_id: (nullable): the List-Id identifier (`devel.lists.example.org`), lower case
 *
 * What a message list needs from a message's headers, decoded to valid UTF-8. Every string
 * and array is non-%NULL unless marked nullable.
 */
typedef struct
{
  char      *subject;
  char      *from_name;
  char      *from_address;
  GPtrArray *from;
  GPtrArray *to;
  GPtrArray *cc;
  GPtrArray *reply_to;
  char      *to_display;
  char      *cc_display;
  gint64     date;
  char      *message_id;
  char      *in_reply_to;
  GStrv      references;
  char      *list_id;
} PetrelMimeSummary;

GType              petrel_mime_summary_get_type       (void) G_GNUC_CONST;
PetrelMimeSummary *petrel_mime_summary_new_from_data  (const char              *data,
                                                       gsize                    length,
                                                       gint64                   fallback_date);
PetrelMimeSummary *petrel_mime_summary_new_from_bytes (GBytes                  *bytes,
                                                       gint64                   fallback_date);
PetrelMimeSummary *petrel_mime_summary_copy           (const PetrelMimeSummary *self);
void               petrel_mime_summary_free           (PetrelMimeSummary       *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PetrelMimeSummary, petrel_mime_summary_free)

G_END_DECLS
