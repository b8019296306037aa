/* petrel-demo.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "model/petrel-account.h"

G_BEGIN_DECLS

#define PETREL_DEMO_ACCOUNT_ID "demo"

PetrelAccount *petrel_demo_open         (const char           *data_dir,
                                         const char           *source_dir,
                                         GError              **error);
void           petrel_demo_open_async   (const char           *data_dir,
                                         const char           *source_dir,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
PetrelAccount *petrel_demo_open_finish  (GAsyncResult         *result,
                                         GError              **error);
gboolean       petrel_demo_is_demo      (PetrelAccount        *account);

G_END_DECLS
