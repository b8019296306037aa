/* petrel-message-list.h
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

/* Rows read from the store at a time, and how many such pages a list keeps. */
#define PETREL_MESSAGE_LIST_PAGE_SIZE 200
#define PETREL_MESSAGE_LIST_MAX_PAGES 6

#define PETREL_TYPE_MESSAGE_LIST (petrel_message_list_get_type ())

G_DECLARE_FINAL_TYPE (PetrelMessageList, petrel_message_list, PETREL, MESSAGE_LIST, GObject)

PetrelMessageList *petrel_message_list_new            (PetrelAccount     *account,
                                                       const char        *folder_path);
PetrelMessageList *petrel_message_list_new_conversations (PetrelAccount *account,
                                                          const char    *folder_path);
PetrelMessageList *petrel_message_list_new_for_search (PetrelAccount     *account,
                                                       const char        *query,
                                                       const char        *folder_path,
                                                       guint              limit);

PetrelAccount     *petrel_message_list_get_account     (PetrelMessageList *self);
const char        *petrel_message_list_get_folder_path (PetrelMessageList *self);
const char        *petrel_message_list_get_query       (PetrelMessageList *self);
gboolean           petrel_message_list_get_conversations (PetrelMessageList *self);
gboolean           petrel_message_list_get_loading     (PetrelMessageList *self);
const GError      *petrel_message_list_get_error       (PetrelMessageList *self);
guint              petrel_message_list_get_n_cached    (PetrelMessageList *self);
guint              petrel_message_list_find            (PetrelMessageList *self,
                                                        const char        *folder_path,
                                                        guint32            uid);
void               petrel_message_list_refresh         (PetrelMessageList *self);

G_END_DECLS
