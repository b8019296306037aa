/* petrel-conversation.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "model/petrel-account.h"
#include "model/petrel-message.h"

G_BEGIN_DECLS

#define PETREL_TYPE_CONVERSATION (petrel_conversation_get_type ())

G_DECLARE_FINAL_TYPE (PetrelConversation, petrel_conversation, PETREL, CONVERSATION, GObject)

/* A thread as the store groups it: every message linked by Message-ID, In-Reply-To and
 * References (or, failing those, by subject), in every folder of the account, so your replies
 * in Sent are part of it. A GListModel of PetrelMessage, oldest first. */
PetrelConversation *petrel_conversation_new             (PetrelAccount        *account,
                                                         gint64                conversation_id);
PetrelAccount      *petrel_conversation_get_account     (PetrelConversation   *self);
gint64              petrel_conversation_get_id          (PetrelConversation   *self);
const char         *petrel_conversation_get_subject     (PetrelConversation   *self);
guint               petrel_conversation_get_n_unread    (PetrelConversation   *self);
gint64              petrel_conversation_get_latest_date (PetrelConversation   *self);

/* Reads the messages from the store on a worker thread; the model changes once, when they
 * are there. */
void                petrel_conversation_load_async      (PetrelConversation   *self,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
gboolean            petrel_conversation_load_finish     (PetrelConversation   *self,
                                                         GAsyncResult         *result,
                                                         GError              **error);

G_END_DECLS
