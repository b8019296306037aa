/* petrel-composer.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "petrel-composer-widget.h"
#include "petrel-window.h"

G_BEGIN_DECLS

#define PETREL_TYPE_COMPOSER (petrel_composer_get_type ())

G_DECLARE_FINAL_TYPE (PetrelComposer, petrel_composer, PETREL, COMPOSER, AdwWindow)

PetrelComposer       *petrel_composer_new            (PetrelWindow         *window,
                                                      PetrelAccount        *account);
PetrelComposer       *petrel_composer_new_for_widget (PetrelWindow         *window,
                                                      PetrelComposerWidget *composer);
PetrelComposerWidget *petrel_composer_get_composer   (PetrelComposer       *self);
void                  petrel_composer_set_mailto     (PetrelComposer       *self,
                                                      const PetrelMailto   *mailto);
void                  petrel_composer_start_reply    (PetrelComposer       *self,
                                                      PetrelMessage        *original,
                                                      PetrelMimeReplyMode   mode);
void                  petrel_composer_open_draft     (PetrelComposer       *self,
                                                      PetrelMessage        *draft);

G_END_DECLS
