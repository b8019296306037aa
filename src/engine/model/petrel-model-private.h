/* petrel-model-private.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Internals shared by the model's files.
 */

#pragma once

#include "model/petrel-folder.h"
#include "model/petrel-message.h"

G_BEGIN_DECLS

/* The store of a folder's subfolders, which PetrelFolderList fills. */
GListStore *_petrel_folder_get_children_store (PetrelFolder *self);

/* Sets the number of messages in the message's conversation (across folders). */
void        _petrel_message_set_conversation_count (PetrelMessage *self,
                                                    guint          count);
/* Sets the conversation's size, unread count and senders, for a collapsed conversation row. */
void        _petrel_message_set_conversation       (PetrelMessage *self,
                                                    guint          count,
                                                    guint          unread,
                                                    const char    *participants);

G_END_DECLS
