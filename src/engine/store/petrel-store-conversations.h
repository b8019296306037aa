/* petrel-store-conversations.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "store/petrel-store.h"

G_BEGIN_DECLS

/**
 * PetrelStoreConversationSummary:
 * @count: messages in the conversation, across all folders (the same mail in two folders counts
 *   once)
 * @unread: how many of those are unread
 * @latest_date: the newest message's date (unix seconds)
 * @participants: the senders' names (or addresses), oldest first, each once, joined by ", "
 *   (owned)
 */
typedef struct {
  guint   count;
  guint   unread;
  gint64  latest_date;
  char   *participants;
} PetrelStoreConversationSummary;

void      petrel_store_conversation_summary_free      (PetrelStoreConversationSummary *summary);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PetrelStoreConversationSummary,
                               petrel_store_conversation_summary_free)

gboolean   petrel_store_count_folder_conversations  (PetrelStore                      *self,
                                                     gint64                            folder_id,
                                                     guint                            *out_count,
                                                     GError                          **error);
GPtrArray *petrel_store_list_folder_conversations   (PetrelStore                      *self,
                                                     gint64                            folder_id,
                                                     guint                             offset,
                                                     guint                             limit,
                                                     GError                          **error);
PetrelStoreConversationSummary *
           petrel_store_summarize_conversation      (PetrelStore                      *self,
                                                     gint64                            conversation_id,
                                                     GError                          **error);

G_END_DECLS
