/* petrel-merged-list.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "model/petrel-message-list.h"

G_BEGIN_DECLS

#define PETREL_TYPE_MERGED_LIST (petrel_merged_list_get_type ())

G_DECLARE_FINAL_TYPE (PetrelMergedList, petrel_merged_list, PETREL, MERGED_LIST, GObject)

PetrelMergedList  *petrel_merged_list_new         (void);
void               petrel_merged_list_add_source  (PetrelMergedList  *self,
                                                   PetrelMessageList *source);
guint              petrel_merged_list_get_n_sources (PetrelMergedList *self);
PetrelMessageList *petrel_merged_list_get_source  (PetrelMergedList  *self,
                                                   guint              index);
PetrelMessageList *petrel_merged_list_find_source (PetrelMergedList  *self,
                                                   PetrelAccount     *account);
gboolean           petrel_merged_list_get_loading (PetrelMergedList  *self);
const GError      *petrel_merged_list_get_error   (PetrelMergedList  *self);
guint              petrel_merged_list_get_n_merged (PetrelMergedList *self);
guint              petrel_merged_list_find        (PetrelMergedList  *self,
                                                   PetrelAccount     *account,
                                                   const char        *folder_path,
                                                   guint32            uid);
void               petrel_merged_list_refresh     (PetrelMergedList  *self);

G_END_DECLS
