/* petrel-text-body.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define PETREL_TYPE_TEXT_BODY (petrel_text_body_get_type ())

G_DECLARE_FINAL_TYPE (PetrelTextBody, petrel_text_body, PETREL, TEXT_BODY, GtkTextView)

GtkWidget *petrel_text_body_new      (void);
void       petrel_text_body_set_text (PetrelTextBody *self,
                                      const char     *text);
guint      petrel_text_body_get_n_folded (PetrelTextBody *self);

G_END_DECLS
