/* petrel-composer-widget.h
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

#define PETREL_TYPE_COMPOSER_WIDGET (petrel_composer_widget_get_type ())

G_DECLARE_FINAL_TYPE (PetrelComposerWidget, petrel_composer_widget, PETREL, COMPOSER_WIDGET,
                      GtkWidget)

PetrelComposerWidget *petrel_composer_widget_new           (PetrelWindow         *window,
                                                            PetrelAccount        *account);
void                  petrel_composer_widget_set_mailto    (PetrelComposerWidget *self,
                                                            const PetrelMailto   *mailto);
void                  petrel_composer_widget_start_reply   (PetrelComposerWidget *self,
                                                            PetrelMessage        *original,
                                                            PetrelMimeReplyMode   mode);
void                  petrel_composer_widget_open_draft    (PetrelComposerWidget *self,
                                                            PetrelMessage        *draft);
const char           *petrel_composer_widget_get_title     (PetrelComposerWidget *self);
gboolean              petrel_composer_widget_get_sending   (PetrelComposerWidget *self);
gboolean              petrel_composer_widget_get_inline    (PetrelComposerWidget *self);
void                  petrel_composer_widget_set_inline    (PetrelComposerWidget *self,
                                                            gboolean              is_inline);
gboolean              petrel_composer_widget_get_modified  (PetrelComposerWidget *self);
PetrelMessage        *petrel_composer_widget_get_original  (PetrelComposerWidget *self);
gboolean              petrel_composer_widget_request_close (PetrelComposerWidget *self);
void                  petrel_composer_widget_focus_text    (PetrelComposerWidget *self);
gboolean              petrel_composer_widget_mentions_attachment (const char     *text);
guint                 petrel_composer_widget_get_undo_send_delay (void);

G_END_DECLS
