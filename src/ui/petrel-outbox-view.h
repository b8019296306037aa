/* petrel-outbox-view.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define PETREL_TYPE_OUTBOX_VIEW (petrel_outbox_view_get_type ())

G_DECLARE_FINAL_TYPE (PetrelOutboxView, petrel_outbox_view, PETREL, OUTBOX_VIEW, AdwWindow)

/* A window listing, for each account in @data_dir, the mail not sent yet and the changes not
 * yet on the server, with their state and errors, and Retry and Cancel. */
PetrelOutboxView *petrel_outbox_view_new (GtkWindow  *parent,
                                          const char *data_dir);

G_END_DECLS
