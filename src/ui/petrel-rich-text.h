/* petrel-rich-text.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/**
 * PetrelRichStyle:
 * @PETREL_RICH_BOLD: bold (`<b>`)
 * @PETREL_RICH_ITALIC: italic (`<i>`)
 * @PETREL_RICH_UNDERLINE: underlined (`<u>`)
 * @PETREL_RICH_STRIKE: struck through (`<s>`)
 * @PETREL_RICH_BULLETS: a line of a bulleted list (`<ul><li>`)
 * @PETREL_RICH_NUMBERS: a line of a numbered list (`<ol><li>`)
 * @PETREL_RICH_QUOTE: a quoted line (`<blockquote>`)
 *
 * The formatting a #PetrelRichTextView offers: the first four apply to characters, the
 * others to whole lines.
 */
typedef enum
{
  PETREL_RICH_BOLD,
  PETREL_RICH_ITALIC,
  PETREL_RICH_UNDERLINE,
  PETREL_RICH_STRIKE,
  PETREL_RICH_BULLETS,
  PETREL_RICH_NUMBERS,
  PETREL_RICH_QUOTE,
  PETREL_RICH_N_STYLES,
} PetrelRichStyle;

/* Called for each image of the text when it is turned into HTML: returns the Content-ID
 * (without "cid:") under which the image travels, or NULL to leave it out. */
typedef char *(*PetrelRichImageFunc) (GBytes     *data,
                                      const char *content_type,
                                      gpointer    user_data);

/* Called for each `cid:` image of HTML being loaded: returns the image's bytes, or NULL. */
typedef GBytes *(*PetrelRichImageLookup) (const char *content_id,
                                          gpointer    user_data);

#define PETREL_TYPE_RICH_TEXT_VIEW (petrel_rich_text_view_get_type ())

G_DECLARE_FINAL_TYPE (PetrelRichTextView, petrel_rich_text_view, PETREL, RICH_TEXT_VIEW,
                      GtkTextView)

GtkWidget *petrel_rich_text_view_new                  (void);
gboolean   petrel_rich_text_view_get_rich             (PetrelRichTextView    *self);
void       petrel_rich_text_view_set_rich             (PetrelRichTextView    *self,
                                                       gboolean               rich);
void       petrel_rich_text_view_set_text             (PetrelRichTextView    *self,
                                                       const char            *text);
gboolean   petrel_rich_text_view_get_style_active     (PetrelRichTextView    *self,
                                                       PetrelRichStyle        style);
void       petrel_rich_text_view_toggle_style         (PetrelRichTextView    *self,
                                                       PetrelRichStyle        style);
guint      petrel_rich_text_view_get_list_level       (PetrelRichTextView    *self);
gboolean   petrel_rich_text_view_change_list_level    (PetrelRichTextView    *self,
                                                       int                    delta);
gboolean   petrel_rich_text_view_insert_link          (PetrelRichTextView    *self,
                                                       const char            *url,
                                                       GError               **error);
void       petrel_rich_text_view_clear_formatting     (PetrelRichTextView    *self);
gboolean   petrel_rich_text_view_has_formatting       (PetrelRichTextView    *self);
void       petrel_rich_text_view_insert_image         (PetrelRichTextView    *self,
                                                       GBytes                *data,
                                                       GError               **error);
guint64    petrel_rich_text_view_get_images_size      (PetrelRichTextView    *self);
void       petrel_rich_text_view_quote_marked_lines   (PetrelRichTextView    *self);
char      *petrel_rich_text_view_get_html             (PetrelRichTextView    *self,
                                                       PetrelRichImageFunc    image_func,
                                                       gpointer               user_data);
char      *petrel_rich_text_view_get_plain            (PetrelRichTextView    *self);
void       petrel_rich_text_view_set_html             (PetrelRichTextView    *self,
                                                       const char            *html,
                                                       PetrelRichImageLookup  lookup,
                                                       gpointer               user_data);
gboolean   petrel_rich_text_is_petrel_html            (const char            *html);
char      *petrel_rich_text_normalize_url             (const char            *url,
                                                       GError               **error);

G_END_DECLS
