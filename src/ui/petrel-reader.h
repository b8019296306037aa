/* petrel-reader.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "petrel-engine.h"
#include "model/petrel-conversation.h"
#include "model/petrel-message.h"

#include "petrel-composer-widget.h"

G_BEGIN_DECLS

#define PETREL_TYPE_READER (petrel_reader_get_type ())

G_DECLARE_FINAL_TYPE (PetrelReader, petrel_reader, PETREL, READER, GtkWidget)

GtkWidget     *petrel_reader_new              (void);
void           petrel_reader_show_message     (PetrelReader  *self,
                                               PetrelMessage *message);
void           petrel_reader_show_selection   (PetrelReader  *self,
                                               guint          n_selected);
PetrelMessage *petrel_reader_get_message      (PetrelReader  *self);
void           petrel_reader_show_remote      (PetrelReader  *self);
void           petrel_reader_set_show_conversations (PetrelReader *self,
                                                     gboolean      show);
PetrelConversation *petrel_reader_get_conversation  (PetrelReader *self);
gboolean       petrel_reader_can_compose_inline (PetrelReader         *self);
void           petrel_reader_set_composer     (PetrelReader         *self,
                                               PetrelComposerWidget *composer);
PetrelComposerWidget *petrel_reader_get_composer (PetrelReader       *self);

G_END_DECLS
