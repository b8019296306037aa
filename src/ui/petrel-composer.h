/* petrel-composer.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "mime/petrel-mailto.h"
#include "mime/petrel-mime-reply.h"
#include "model/petrel-message.h"

#include "petrel-window.h"

G_BEGIN_DECLS

#define PETREL_TYPE_COMPOSER (petrel_composer_get_type ())

G_DECLARE_FINAL_TYPE (PetrelComposer, petrel_composer, PETREL, COMPOSER, AdwWindow)

PetrelComposer *petrel_composer_new            (PetrelWindow        *window,
                                                PetrelAccount       *account);
void            petrel_composer_set_mailto     (PetrelComposer      *self,
                                                const PetrelMailto  *mailto);
void            petrel_composer_start_reply    (PetrelComposer      *self,
                                                PetrelMessage       *original,
                                                PetrelMimeReplyMode  mode);
void            petrel_composer_open_draft     (PetrelComposer      *self,
                                                PetrelMessage       *draft);
gboolean        petrel_composer_mentions_attachment (const char     *text);
guint           petrel_composer_get_undo_send_delay (void);

G_END_DECLS
