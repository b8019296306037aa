/* petrel-message-row.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "petrel-engine.h"
#include "model/petrel-message.h"

G_BEGIN_DECLS

#define PETREL_TYPE_MESSAGE_ROW (petrel_message_row_get_type ())

G_DECLARE_FINAL_TYPE (PetrelMessageRow, petrel_message_row, PETREL, MESSAGE_ROW, GtkWidget)

GtkWidget     *petrel_message_row_new         (void);
void           petrel_message_row_set_message (PetrelMessageRow *self,
                                               PetrelMessage    *message,
                                               const char       *folder_label);
PetrelMessage *petrel_message_row_get_message (PetrelMessageRow *self);

void           petrel_message_row_set_conversation (PetrelMessageRow *self,
                                                   gboolean          conversation);
void           petrel_message_row_set_compact (PetrelMessageRow *self,
                                               gboolean          compact);

G_END_DECLS
