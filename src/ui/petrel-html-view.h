/* petrel-html-view.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define PETREL_TYPE_HTML_VIEW (petrel_html_view_get_type ())

G_DECLARE_FINAL_TYPE (PetrelHtmlView, petrel_html_view, PETREL, HTML_VIEW, GtkWidget)

GtkWidget *petrel_html_view_new          (void);
void       petrel_html_view_load         (PetrelHtmlView *self,
                                          const char     *html,
                                          GBytes         *message,
                                          GPtrArray      *attachments,
                                          gboolean        allow_remote);
void       petrel_html_view_clear        (PetrelHtmlView *self);
guint      petrel_html_count_remote      (const char     *html);
GStrv      petrel_html_find_tracking_pixels (const char  *html,
                                             guint       *out_count);

G_END_DECLS
