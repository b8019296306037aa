/* petrel-message.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "mime/petrel-mime-summary.h"
#include "mime/petrel-mime-text.h"
#include "model/petrel-account.h"
#include "store/petrel-store-types.h"

G_BEGIN_DECLS

/**
 * PetrelMessageContent:
 * @raw: the message as stored (RFC 5322 bytes)
 * @summary: its headers, decoded
 * @body: its readable text, HTML part and attachments
 *
 * What a reader shows of one message, parsed off the main loop.
 */
typedef struct
{
  GBytes            *raw;
  PetrelMimeSummary *summary;
  PetrelMimeBody    *body;
} PetrelMessageContent;

#define PETREL_TYPE_MESSAGE_CONTENT (petrel_message_content_get_type ())

GType                 petrel_message_content_get_type (void) G_GNUC_CONST;
PetrelMessageContent *petrel_message_content_new_from_bytes (GBytes                     *raw);
PetrelMessageContent *petrel_message_content_copy     (const PetrelMessageContent *self);
void                  petrel_message_content_free     (PetrelMessageContent       *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PetrelMessageContent, petrel_message_content_free)

#define PETREL_TYPE_MESSAGE (petrel_message_get_type ())

G_DECLARE_FINAL_TYPE (PetrelMessage, petrel_message, PETREL, MESSAGE, GObject)

PetrelMessage    *petrel_message_new                   (PetrelAccount            *account,
                                                        const char               *folder_path,
                                                        const PetrelStoreMessage *row);
PetrelMessage    *petrel_message_new_placeholder       (PetrelAccount            *account,
                                                        const char               *folder_path);
void              petrel_message_update                (PetrelMessage            *self,
                                                        const char               *folder_path,
                                                        const PetrelStoreMessage *row);

gboolean          petrel_message_is_loaded             (PetrelMessage            *self);
PetrelAccount    *petrel_message_get_account           (PetrelMessage            *self);
const char       *petrel_message_get_folder_path       (PetrelMessage            *self);
guint32           petrel_message_get_uid               (PetrelMessage            *self);
const char       *petrel_message_get_subject           (PetrelMessage            *self);
const char       *petrel_message_get_from              (PetrelMessage            *self);
const char       *petrel_message_get_from_name         (PetrelMessage            *self);
const char       *petrel_message_get_from_address      (PetrelMessage            *self);
const char       *petrel_message_get_to                (PetrelMessage            *self);
const char       *petrel_message_get_cc                (PetrelMessage            *self);
gint64            petrel_message_get_date              (PetrelMessage            *self);
const char       *petrel_message_get_snippet           (PetrelMessage            *self);
const char       *petrel_message_get_message_id        (PetrelMessage            *self);
PetrelStoreFlags  petrel_message_get_flags             (PetrelMessage            *self);
gboolean          petrel_message_get_seen              (PetrelMessage            *self);
gboolean          petrel_message_get_flagged           (PetrelMessage            *self);
gboolean          petrel_message_get_answered          (PetrelMessage            *self);
gboolean          petrel_message_get_has_attachments   (PetrelMessage            *self);
gboolean          petrel_message_get_body_present      (PetrelMessage            *self);
gint64            petrel_message_get_conversation_id   (PetrelMessage            *self);
guint             petrel_message_get_conversation_count (PetrelMessage           *self);
guint             petrel_message_get_conversation_unread (PetrelMessage          *self);
const char       *petrel_message_get_participants      (PetrelMessage            *self);
gboolean          petrel_message_same                  (PetrelMessage            *self,
                                                        PetrelMessage            *other);

void                  petrel_message_load_content_async  (PetrelMessage        *self,
                                                          gboolean              allow_network,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
PetrelMessageContent *petrel_message_load_content_finish (PetrelMessage        *self,
                                                          GAsyncResult         *result,
                                                          GError              **error);

G_END_DECLS
