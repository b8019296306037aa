/* petrel-mime-builder.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <gmime/gmime.h>

G_BEGIN_DECLS

#define PETREL_TYPE_MIME_BUILDER (petrel_mime_builder_get_type ())

G_DECLARE_FINAL_TYPE (PetrelMimeBuilder, petrel_mime_builder, PETREL, MIME_BUILDER, GObject)

/**
 * PetrelMimeRecipientType:
 * @PETREL_MIME_RECIPIENT_TO: a To recipient
 * @PETREL_MIME_RECIPIENT_CC: a Cc recipient
 * @PETREL_MIME_RECIPIENT_BCC: a Bcc recipient: in the SMTP envelope only, never in the bytes
 */
typedef enum
{
  PETREL_MIME_RECIPIENT_TO,
  PETREL_MIME_RECIPIENT_CC,
  PETREL_MIME_RECIPIENT_BCC,
} PetrelMimeRecipientType;

PetrelMimeBuilder *petrel_mime_builder_new                (void);

gboolean      petrel_mime_builder_set_from                (PetrelMimeBuilder        *self,
                                                           const char               *name,
                                                           const char               *address,
                                                           GError                  **error);
gboolean      petrel_mime_builder_add_recipient           (PetrelMimeBuilder        *self,
                                                           PetrelMimeRecipientType   type,
                                                           const char               *name,
                                                           const char               *address,
                                                           GError                  **error);
gboolean      petrel_mime_builder_add_recipients          (PetrelMimeBuilder        *self,
                                                           PetrelMimeRecipientType   type,
                                                           const char               *list,
                                                           GError                  **error);
void          petrel_mime_builder_set_subject             (PetrelMimeBuilder        *self,
                                                           const char               *subject);
void          petrel_mime_builder_set_text                (PetrelMimeBuilder        *self,
                                                           const char               *text);
void          petrel_mime_builder_set_html                (PetrelMimeBuilder        *self,
                                                           const char               *html);
gboolean      petrel_mime_builder_add_attachment_file     (PetrelMimeBuilder        *self,
                                                           GFile                    *file,
                                                           GCancellable             *cancellable,
                                                           GError                  **error);
void          petrel_mime_builder_add_attachment_bytes    (PetrelMimeBuilder        *self,
                                                           const char               *filename,
                                                           const char               *content_type,
                                                           GBytes                   *data);
void          petrel_mime_builder_add_inline_image        (PetrelMimeBuilder        *self,
                                                           GBytes                   *data,
                                                           const char               *content_type,
                                                           const char               *filename,
                                                           char                    **out_cid);
gboolean      petrel_mime_builder_set_in_reply_to         (PetrelMimeBuilder        *self,
                                                           const char               *message_id,
                                                           GError                  **error);
gboolean      petrel_mime_builder_set_references          (PetrelMimeBuilder        *self,
                                                           const char * const       *message_ids,
                                                           GError                  **error);
void          petrel_mime_builder_set_date                (PetrelMimeBuilder        *self,
                                                           GDateTime                *date);
gboolean      petrel_mime_builder_set_message_id          (PetrelMimeBuilder        *self,
                                                           const char               *message_id,
                                                           GError                  **error);
const char   *petrel_mime_builder_get_message_id          (PetrelMimeBuilder        *self);
const char   *petrel_mime_builder_get_envelope_sender     (PetrelMimeBuilder        *self);
GStrv         petrel_mime_builder_dup_envelope_recipients (PetrelMimeBuilder        *self);

GMimeMessage *petrel_mime_builder_build                   (PetrelMimeBuilder        *self,
                                                           GError                  **error);
GBytes       *petrel_mime_builder_build_bytes             (PetrelMimeBuilder        *self,
                                                           GError                  **error);

G_END_DECLS
