/* petrel-window-compose.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "petrel-reader.h"
#include "petrel-window.h"

G_BEGIN_DECLS

void     petrel_window_compose_install_actions (GtkWidgetClass  *klass);
gboolean petrel_window_compose_mailto          (PetrelWindow    *window,
                                                const char      *uri,
                                                GError         **error);

/* In petrel-window.c */
PetrelReader *petrel_window_get_reader          (PetrelWindow    *self);

G_END_DECLS
