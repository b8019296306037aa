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

/* The sidebar's "All Inboxes" item; its unread count is the sum the window sets. */
#define PETREL_TYPE_ALL_INBOXES (petrel_all_inboxes_get_type ())

G_DECLARE_FINAL_TYPE (PetrelAllInboxes, petrel_all_inboxes, PETREL, ALL_INBOXES, GObject)

PetrelAllInboxes *petrel_all_inboxes_new        (void);
guint             petrel_all_inboxes_get_unread (PetrelAllInboxes *self);
void              petrel_all_inboxes_set_unread (PetrelAllInboxes *self,
                                                 guint             unread);

G_END_DECLS
