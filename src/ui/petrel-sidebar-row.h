/* petrel-sidebar-row.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define PETREL_TYPE_SIDEBAR_ROW (petrel_sidebar_row_get_type ())

G_DECLARE_FINAL_TYPE (PetrelSidebarRow, petrel_sidebar_row, PETREL, SIDEBAR_ROW, GtkWidget)

GtkWidget *petrel_sidebar_row_new      (void);
void       petrel_sidebar_row_set_item (PetrelSidebarRow *self,
                                        GObject          *item);

G_END_DECLS
