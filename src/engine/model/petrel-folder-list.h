/* petrel-folder-list.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "model/petrel-account.h"
#include "model/petrel-folder.h"

G_BEGIN_DECLS

#define PETREL_TYPE_FOLDER_LIST (petrel_folder_list_get_type ())

G_DECLARE_FINAL_TYPE (PetrelFolderList, petrel_folder_list, PETREL, FOLDER_LIST, GObject)

PetrelFolderList *petrel_folder_list_new            (PetrelAccount          *account);
PetrelAccount    *petrel_folder_list_get_account    (PetrelFolderList       *self);
void              petrel_folder_list_refresh_async  (PetrelFolderList       *self,
                                                     GCancellable           *cancellable,
                                                     GAsyncReadyCallback     callback,
                                                     gpointer                user_data);
gboolean          petrel_folder_list_refresh_finish (PetrelFolderList       *self,
                                                     GAsyncResult           *result,
                                                     GError                **error);
gboolean          petrel_folder_list_refresh_sync   (PetrelFolderList       *self,
                                                     GError                **error);
PetrelFolder     *petrel_folder_list_find           (PetrelFolderList       *self,
                                                     const char             *path);
PetrelFolder     *petrel_folder_list_find_role      (PetrelFolderList       *self,
                                                     PetrelStoreFolderRole   role);
guint             petrel_folder_list_get_unread     (PetrelFolderList       *self,
                                                     PetrelStoreFolderRole   role);

G_END_DECLS
