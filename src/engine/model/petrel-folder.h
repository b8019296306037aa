/* petrel-folder.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "model/petrel-account.h"
#include "store/petrel-store-types.h"

G_BEGIN_DECLS

#define PETREL_TYPE_FOLDER (petrel_folder_get_type ())

G_DECLARE_FINAL_TYPE (PetrelFolder, petrel_folder, PETREL, FOLDER, GObject)

PetrelFolder          *petrel_folder_new                (PetrelAccount           *account,
                                                         const PetrelStoreFolder *row);
void                   petrel_folder_update             (PetrelFolder            *self,
                                                         const PetrelStoreFolder *row);

PetrelAccount         *petrel_folder_get_account        (PetrelFolder            *self);
gint64                 petrel_folder_get_id             (PetrelFolder            *self);
const char            *petrel_folder_get_path           (PetrelFolder            *self);
const char            *petrel_folder_get_delimiter      (PetrelFolder            *self);
const char            *petrel_folder_get_display_name   (PetrelFolder            *self);
PetrelStoreFolderRole  petrel_folder_get_role           (PetrelFolder            *self);
const char            *petrel_folder_get_icon_name      (PetrelFolder            *self);
guint                  petrel_folder_get_total          (PetrelFolder            *self);
guint                  petrel_folder_get_unread         (PetrelFolder            *self);
GListModel            *petrel_folder_get_children       (PetrelFolder            *self);

const char            *petrel_folder_role_get_icon_name (PetrelStoreFolderRole    role);

G_END_DECLS
