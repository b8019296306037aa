/* petrel-account-list.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "model/petrel-account.h"

G_BEGIN_DECLS

#define PETREL_TYPE_ACCOUNT_LIST (petrel_account_list_get_type ())

G_DECLARE_FINAL_TYPE (PetrelAccountList, petrel_account_list, PETREL, ACCOUNT_LIST, GObject)

PetrelAccountList *petrel_account_list_new          (const char         *data_dir);
const char        *petrel_account_list_get_data_dir (PetrelAccountList  *self);
gboolean           petrel_account_list_reload       (PetrelAccountList  *self,
                                                     GError            **error);
GPtrArray         *petrel_account_list_get_broken   (PetrelAccountList  *self);
PetrelAccount     *petrel_account_list_find         (PetrelAccountList  *self,
                                                     const char         *id);
void               petrel_account_list_watch        (PetrelAccountList  *self);

G_END_DECLS
