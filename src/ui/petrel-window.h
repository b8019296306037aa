/* petrel-window.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "model/petrel-message.h"

#include "petrel-application.h"

G_BEGIN_DECLS

#define PETREL_TYPE_WINDOW (petrel_window_get_type ())

G_DECLARE_FINAL_TYPE (PetrelWindow, petrel_window, PETREL, WINDOW, AdwApplicationWindow)

PetrelWindow  *petrel_window_new                  (PetrelApplication *application);
PetrelMessage *petrel_window_get_selected_message (PetrelWindow      *self);
GListModel    *petrel_window_get_accounts         (PetrelWindow      *self);
void           petrel_window_add_toast            (PetrelWindow      *self,
                                                   AdwToast          *toast);

void           petrel_window_show_message         (PetrelWindow      *self,
                                                   const char        *account_id,
                                                   const char        *folder_path,
                                                   guint32            uid);

G_END_DECLS
