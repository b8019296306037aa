/* petrel-rich-text.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The composer's text view for rich text (issue 9): formatting kept as GtkTextTags on the
 * buffer, turned into a small, escaped HTML document (b, i, u, s, a href, ul/ol/li,
 * blockquote, br, img src="cid:…"; nothing else, no styles, no scripts, nothing remote) and
 * into a readable plain text alternative. The HTML it writes can be read back (a draft opened
 * again keeps its formatting); other HTML is read as far as these elements go.
 *
 * Bullets and numbers of list lines are drawn, not part of the text. List items nest (Tab and
 * Shift+Tab, or petrel_rich_text_view_change_list_level()): a level tag on the line, written as
 * a list inside the item before it, and indented in the plain text.
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "petrel-rich-text.h"
#include "petrel-spell-checker.h"

/* Marks the HTML this file writes, so that a draft is known to be Petrel's rich text. */
#define GENERATOR_META "<meta name=\"generator\" content=\"Petrel\">"
/* Tag margins replace the view's own (18 pixels). */
#define LIST_INDENT 52
#define QUOTE_INDENT 36
/* List items nest this deep (levels 0 to MAX_LIST_LEVEL - 1), each level LIST_INDENT further. */
#define MAX_LIST_LEVEL 6

struct _PetrelRichTextView
{
  GtkTextView  parent_instance;

  gboolean     rich;
  GtkTextTag  *tags[PETREL_RICH_N_STYLES];  /* borrowed from the tag table */
  GtkTextTag  *level_tags[MAX_LIST_LEVEL];  /* borrowed; [0] is NULL: level 0 has no tag */
  gboolean     active[PETREL_RICH_N_STYLES]; /* the formatting of what is typed next */
  guint        level;                       /* the list level of the cursor's line */
  gboolean     updating;
};

G_DEFINE_FINAL_TYPE (PetrelRichTextView, petrel_rich_text_view, GTK_TYPE_TEXT_VIEW)

enum
{
  STYLE_CHANGED,
  N_SIGNALS,
};

static guint signals[N_SIGNALS];

static const char * const tag_names[PETREL_RICH_N_STYLES] = {
  "petrel-bold", "petrel-italic", "petrel-underline", "petrel-strike",
  "petrel-bullets", "petrel-numbers", "petrel-quote",
};

static gboolean
is_block_style (PetrelRichStyle style)
{
  return style >= PETREL_RICH_BULLETS;
}

static gboolean
is_list_style (PetrelRichStyle style)
{
  return style == PETREL_RICH_BULLETS || style == PETREL_RICH_NUMBERS;
}

static GtkTextBuffer *
get_buffer (PetrelRichTextView *self)
{
  return gtk_text_view_get_buffer (GTK_TEXT_VIEW (self));
}

/* Links: one anonymous tag per link, its URL as data. */

static const char *
tag_get_href (GtkTextTag *tag)
{
  return g_object_get_data (G_OBJECT (tag), "petrel-href");
}

static GtkTextTag *
link_tag_at (const GtkTextIter *iter)
{
  g_autoptr(GSList) tags = gtk_text_iter_get_tags (iter);

  for (GSList *l = tags; l != NULL; l = l->next)
    if (tag_get_href (l->data) != NULL)
      return l->data;
  return NULL;
}

static GtkTextTag *
new_link_tag (PetrelRichTextView *self,
              const char         *href)
{
  GtkTextTag *tag = gtk_text_tag_new (NULL);

  g_object_set (tag, "underline", PANGO_UNDERLINE_SINGLE, "foreground", "#1c71d8", NULL);
  g_object_set_data_full (G_OBJECT (tag), "petrel-href", g_strdup (href), g_free);
  gtk_text_tag_table_add (gtk_text_buffer_get_tag_table (get_buffer (self)), tag);
  g_object_unref (tag);
  return tag;
}

static void
remove_link_tags (PetrelRichTextView *self,
                  const GtkTextIter  *start,
                  const GtkTextIter  *end)
{
  GtkTextIter iter = *start;

  while (gtk_text_iter_compare (&iter, end) < 0)
    {
      GtkTextTag *tag = link_tag_at (&iter);

      if (tag != NULL)
        gtk_text_buffer_remove_tag (get_buffer (self), tag, start, end);
      if (!gtk_text_iter_forward_char (&iter))
        break;
    }
}

static gboolean
is_own_tag (PetrelRichTextView *self,
            GtkTextTag         *tag)
{
  if (tag_get_href (tag) != NULL)
    return TRUE;
  for (guint i = 0; i < PETREL_RICH_N_STYLES; i++)
    if (self->tags[i] == tag)
      return TRUE;
  for (guint i = 1; i < MAX_LIST_LEVEL; i++)
    if (self->level_tags[i] == tag)
      return TRUE;
  return FALSE;
}

/* Images: a paintable in the buffer; its encoded bytes ride along as data. */

static GBytes *
texture_get_bytes (GdkPaintable *paintable,
                   const char  **content_type)
{
  GBytes *bytes = g_object_get_data (G_OBJECT (paintable), "petrel-image-bytes");

  if (content_type != NULL)
    *content_type = g_object_get_data (G_OBJECT (paintable), "petrel-image-type");
  return bytes;
}

static GdkTexture *
texture_new_for_bytes (GBytes  *data,
                       GError **error)
{
  g_autoptr(GdkTexture) texture = gdk_texture_new_from_bytes (data, error);
  g_autofree char *type = NULL;

  if (texture == NULL)
    return NULL;
  type = g_content_type_guess (NULL, g_bytes_get_data (data, NULL), g_bytes_get_size (data),
                               NULL);
  g_object_set_data_full (G_OBJECT (texture), "petrel-image-bytes", g_bytes_ref (data),
                          (GDestroyNotify) g_bytes_unref);
  g_object_set_data_full (G_OBJECT (texture), "petrel-image-type",
                          g_content_type_get_mime_type (type), g_free);
  return g_steal_pointer (&texture);
}

/* Styles at a place */

static gboolean
line_has_style (PetrelRichTextView *self,
                const GtkTextIter  *iter,
                PetrelRichStyle     style)
{
  GtkTextIter start = *iter;

  gtk_text_iter_set_line_offset (&start, 0);
  if (gtk_text_iter_has_tag (&start, self->tags[style]))
    return TRUE;
  /* An empty last line right after an item: it continues the list (Enter was pressed). */
  if (gtk_text_iter_is_end (&start) && gtk_text_iter_backward_char (&start))
    return gtk_text_iter_get_char (&start) == '\n' &&
           gtk_text_iter_has_tag (&start, self->tags[style]);
  return FALSE;
}

/* The nesting level of the list line at @line_start (0 for the outermost and other lines). */
static guint
line_level (PetrelRichTextView *self,
            const GtkTextIter  *line_start)
{
  for (guint i = 1; i < MAX_LIST_LEVEL; i++)
    if (gtk_text_iter_has_tag (line_start, self->level_tags[i]))
      return i;
  return 0;
}

/* The same for the line of @iter, an empty last line continuing the list before it. */
static guint
level_at (PetrelRichTextView *self,
          const GtkTextIter  *iter)
{
  GtkTextIter start = *iter;

  gtk_text_iter_set_line_offset (&start, 0);
  /* The new line's end is the previous line's, which carries its level. */
  if (gtk_text_iter_is_end (&start))
    gtk_text_iter_backward_char (&start);
  return line_level (self, &start);
}

static void
set_level (PetrelRichTextView *self,
           const GtkTextIter  *start,
           const GtkTextIter  *end,
           guint               level)
{
  GtkTextBuffer *buffer = get_buffer (self);

  for (guint i = 1; i < MAX_LIST_LEVEL; i++)
    if (i != level)
      gtk_text_buffer_remove_tag (buffer, self->level_tags[i], start, end);
  if (level > 0)
    gtk_text_buffer_apply_tag (buffer, self->level_tags[level], start, end);
}

static void
update_active_from_cursor (PetrelRichTextView *self)
{
  GtkTextBuffer *buffer = get_buffer (self);
  GtkTextIter cursor, before;
  gboolean changed = FALSE;

  gtk_text_buffer_get_iter_at_mark (buffer, &cursor, gtk_text_buffer_get_insert (buffer));
  before = cursor;
  /* What is typed continues the formatting of the character before it. */
  if (!gtk_text_iter_starts_line (&before))
    gtk_text_iter_backward_char (&before);

  for (guint i = 0; i < PETREL_RICH_N_STYLES; i++)
    {
      gboolean on = is_block_style (i) ? line_has_style (self, &cursor, i)
                                       : gtk_text_iter_has_tag (&before, self->tags[i]);

      if (on != self->active[i])
        {
          self->active[i] = on;
          changed = TRUE;
        }
    }
  self->level = level_at (self, &cursor);
  if (changed)
    g_signal_emit (self, signals[STYLE_CHANGED], 0);
}

static void
on_mark_set_cb (GtkTextBuffer      *buffer,
                const GtkTextIter  *location,
                GtkTextMark        *mark,
                PetrelRichTextView *self)
{
  if (self->updating || mark != gtk_text_buffer_get_insert (buffer))
    return;
  update_active_from_cursor (self);
}

/* Typed text takes the formatting that is on, and a new line of a list stays in it. */
static void
on_insert_text_after_cb (GtkTextBuffer      *buffer,
                         GtkTextIter        *location,
                         const char         *text,
                         int                 length,
                         PetrelRichTextView *self)
{
  GtkTextIter start = *location;
  gboolean active[PETREL_RICH_N_STYLES];
  guint level = self->level;

  if (!self->rich || self->updating)
    return;

  memcpy (active, self->active, sizeof active);
  gtk_text_iter_backward_chars (&start, g_utf8_strlen (text, length));
  self->updating = TRUE;
  for (guint i = 0; i < PETREL_RICH_N_STYLES; i++)
    {
      /* A line's formatting only grows: text typed in a list line is part of the item. */
      if (is_block_style (i))
        {
          if (active[i])
            gtk_text_buffer_apply_tag (buffer, self->tags[i], &start, location);
          continue;
        }
      if (active[i])
        gtk_text_buffer_apply_tag (buffer, self->tags[i], &start, location);
      else
        gtk_text_buffer_remove_tag (buffer, self->tags[i], &start, location);
    }
  /* A nested item's new line (Enter) stays at its level. */
  if ((active[PETREL_RICH_BULLETS] || active[PETREL_RICH_NUMBERS]) && level > 0)
    set_level (self, &start, location, level);
  self->updating = FALSE;
  memcpy (self->active, active, sizeof active);
  self->level = level;
}

/* Enter on an empty list item ends the list rather than adding another item. */
static gboolean
on_key_pressed_cb (GtkEventControllerKey *controller,
                   guint                  keyval,
                   guint                  keycode,
                   GdkModifierType        state,
                   PetrelRichTextView    *self)
{
  GtkTextBuffer *buffer = get_buffer (self);
  GtkTextIter cursor;
  gboolean in_list;

  if (!self->rich)
    return FALSE;
  in_list = self->active[PETREL_RICH_BULLETS] || self->active[PETREL_RICH_NUMBERS];

  /* Tab and Shift+Tab in a list nest an item deeper or bring it out. */
  if (in_list && (keyval == GDK_KEY_Tab || keyval == GDK_KEY_KP_Tab ||
                  keyval == GDK_KEY_ISO_Left_Tab) &&
      (state & (GDK_CONTROL_MASK | GDK_ALT_MASK)) == 0)
    {
      gboolean out = keyval == GDK_KEY_ISO_Left_Tab || (state & GDK_SHIFT_MASK) != 0;

      petrel_rich_text_view_change_list_level (self, out ? -1 : 1);
      return TRUE;
    }

  if ((keyval != GDK_KEY_Return && keyval != GDK_KEY_KP_Enter) ||
      (state & (GDK_CONTROL_MASK | GDK_SHIFT_MASK | GDK_ALT_MASK)) != 0)
    return FALSE;

  gtk_text_buffer_get_iter_at_mark (buffer, &cursor, gtk_text_buffer_get_insert (buffer));
  if (!gtk_text_iter_starts_line (&cursor) || !gtk_text_iter_ends_line (&cursor))
    return FALSE;
  /* Enter on an empty nested item brings it out a level; on an outermost one, ends the list. */
  if (in_list && self->level > 0)
    {
      petrel_rich_text_view_change_list_level (self, -1);
      return TRUE;
    }
  for (guint i = PETREL_RICH_BULLETS; i <= PETREL_RICH_NUMBERS; i++)
    if (self->active[i])
      {
        petrel_rich_text_view_toggle_style (self, i);
        return TRUE;
      }
  return FALSE;
}

/* Bullets and numbers */

static guint
item_number (PetrelRichTextView *self,
             GtkTextIter        *line_start)
{
  GtkTextIter iter = *line_start;
  guint level = line_level (self, line_start);
  guint number = 1;

  /* Items of deeper levels in between do not count, nor end the numbering. */
  while (gtk_text_iter_backward_line (&iter))
    {
      guint other;

      if (!gtk_text_iter_has_tag (&iter, self->tags[PETREL_RICH_NUMBERS]) &&
          !gtk_text_iter_has_tag (&iter, self->tags[PETREL_RICH_BULLETS]))
        break;
      other = line_level (self, &iter);
      if (other > level)
        continue;
      if (other < level || !gtk_text_iter_has_tag (&iter, self->tags[PETREL_RICH_NUMBERS]))
        break;
      number++;
    }
  return number;
}

static void
petrel_rich_text_view_snapshot_layer (GtkTextView      *text_view,
                                      GtkTextViewLayer  layer,
                                      GtkSnapshot      *snapshot)
{
  PetrelRichTextView *self = PETREL_RICH_TEXT_VIEW (text_view);
  GdkRectangle visible;
  GtkTextIter iter;
  GdkRGBA color;
  int y = 0;

  if (layer != GTK_TEXT_VIEW_LAYER_ABOVE_TEXT || !self->rich)
    return;

  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self)), &color);
  gtk_text_view_get_visible_rect (text_view, &visible);
  gtk_text_view_get_line_at_y (text_view, &iter, visible.y, NULL);

  while (TRUE)
    {
      gboolean bullet = gtk_text_iter_has_tag (&iter, self->tags[PETREL_RICH_BULLETS]);
      gboolean number = gtk_text_iter_has_tag (&iter, self->tags[PETREL_RICH_NUMBERS]);
      int height = 0;

      gtk_text_view_get_line_yrange (text_view, &iter, &y, &height);
      if (y > visible.y + visible.height)
        break;
      if ((bullet || number) && !gtk_text_iter_ends_line (&iter))
        {
          g_autofree char *marker = bullet ? g_strdup ("•")
                                           : g_strdup_printf ("%u.", item_number (self, &iter));
          g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self),
                                                                           marker);
          GdkRectangle location;
          int width = 0;

          gtk_text_view_get_iter_location (text_view, &iter, &location);
          pango_layout_get_pixel_size (layout, &width, NULL);
          gtk_snapshot_save (snapshot);
          gtk_snapshot_translate (snapshot,
                                  &GRAPHENE_POINT_INIT (location.x - width - 6, location.y));
          gtk_snapshot_append_layout (snapshot, layout, &color);
          gtk_snapshot_restore (snapshot);
        }
      if (!gtk_text_iter_forward_line (&iter))
        break;
    }
}

/* Formatting commands */

static void
selection_or_cursor (PetrelRichTextView *self,
                     GtkTextIter        *start,
                     GtkTextIter        *end)
{
  gtk_text_buffer_get_selection_bounds (get_buffer (self), start, end);
}

/* The lines of the selection (or of the cursor), including the last line's end. */
static void
selected_lines (PetrelRichTextView *self,
                GtkTextIter        *start,
                GtkTextIter        *end)
{
  selection_or_cursor (self, start, end);
  gtk_text_iter_set_line_offset (start, 0);
  if (!gtk_text_iter_ends_line (end))
    gtk_text_iter_forward_to_line_end (end);
  gtk_text_iter_forward_char (end);
}

/**
 * petrel_rich_text_view_toggle_style:
 * @self: a rich text view
 * @style: the formatting
 *
 * Turns @style on or off: for the selection, for the lines of the selection or the cursor
 * (lists and quotes), or for what is typed next.
 */
void
petrel_rich_text_view_toggle_style (PetrelRichTextView *self,
                                    PetrelRichStyle     style)
{
  GtkTextBuffer *buffer = get_buffer (self);
  GtkTextIter start, end;
  gboolean on = !self->active[style];

  g_return_if_fail (PETREL_IS_RICH_TEXT_VIEW (self));
  g_return_if_fail (style < PETREL_RICH_N_STYLES);

  if (!self->rich)
    return;

  self->updating = TRUE;
  if (is_block_style (style))
    {
      selected_lines (self, &start, &end);
      for (guint i = PETREL_RICH_BULLETS; i < PETREL_RICH_N_STYLES; i++)
        {
          gtk_text_buffer_remove_tag (buffer, self->tags[i], &start, &end);
          self->active[i] = FALSE;
        }
      /* Bullets to numbers keep the nesting; out of a list there is none. */
      if (!on || !is_list_style (style))
        {
          set_level (self, &start, &end, 0);
          self->level = 0;
        }
      if (on)
        gtk_text_buffer_apply_tag (buffer, self->tags[style], &start, &end);
    }
  else
    {
      if (gtk_text_buffer_get_selection_bounds (buffer, &start, &end))
        {
          if (on)
            gtk_text_buffer_apply_tag (buffer, self->tags[style], &start, &end);
          else
            gtk_text_buffer_remove_tag (buffer, self->tags[style], &start, &end);
        }
    }
  self->active[style] = on;
  self->updating = FALSE;

  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[STYLE_CHANGED], 0);
  /* A change of formatting is a change of the message (for saving drafts). */
  g_signal_emit_by_name (buffer, "changed");
}

/**
 * petrel_rich_text_view_get_style_active:
 *
 * Returns: whether @style is on at the cursor (what is typed next gets it)
 */
gboolean
petrel_rich_text_view_get_style_active (PetrelRichTextView *self,
                                        PetrelRichStyle     style)
{
  g_return_val_if_fail (PETREL_IS_RICH_TEXT_VIEW (self), FALSE);
  g_return_val_if_fail (style < PETREL_RICH_N_STYLES, FALSE);

  return self->rich && self->active[style];
}

/**
 * petrel_rich_text_view_get_list_level:
 *
 * Returns: how deep the list item at the cursor is nested (0 for the outermost level, and
 *   for lines that are no list item)
 */
guint
petrel_rich_text_view_get_list_level (PetrelRichTextView *self)
{
  g_return_val_if_fail (PETREL_IS_RICH_TEXT_VIEW (self), 0);

  if (!self->rich ||
      (!self->active[PETREL_RICH_BULLETS] && !self->active[PETREL_RICH_NUMBERS]))
    return 0;
  return self->level;
}

/**
 * petrel_rich_text_view_change_list_level:
 * @self: a rich text view
 * @delta: how many levels deeper (positive) or out (negative)
 *
 * Nests the list items of the selection (or the cursor's) deeper or brings them out, within
 * the levels a list has (0 to 5). Lines that are no list item are left alone.
 *
 * Returns: whether a line changed
 */
gboolean
petrel_rich_text_view_change_list_level (PetrelRichTextView *self,
                                         int                 delta)
{
  GtkTextBuffer *buffer = get_buffer (self);
  GtkTextIter start, end;
  gboolean changed = FALSE;
  int first, last;

  g_return_val_if_fail (PETREL_IS_RICH_TEXT_VIEW (self), FALSE);

  if (!self->rich)
    return FALSE;

  selection_or_cursor (self, &start, &end);
  first = gtk_text_iter_get_line (&start);
  last = gtk_text_iter_get_line (&end);
  self->updating = TRUE;
  for (int i = first; i <= last; i++)
    {
      GtkTextIter line_start, line_end;
      guint level;
      int wanted;

      gtk_text_buffer_get_iter_at_line (buffer, &line_start, i);
      if (!line_has_style (self, &line_start, PETREL_RICH_BULLETS) &&
          !line_has_style (self, &line_start, PETREL_RICH_NUMBERS))
        continue;
      level = level_at (self, &line_start);
      wanted = CLAMP ((int) level + delta, 0, MAX_LIST_LEVEL - 1);
      if ((guint) wanted == level)
        continue;
      line_end = line_start;
      if (!gtk_text_iter_ends_line (&line_end))
        gtk_text_iter_forward_to_line_end (&line_end);
      gtk_text_iter_forward_char (&line_end);
      /* An empty last line has no text to carry a tag: it takes the level typed into it. */
      if (gtk_text_iter_equal (&line_start, &line_end))
        {
          if (gtk_text_iter_is_end (&line_start))
            {
              self->level = wanted;
              changed = TRUE;
            }
          continue;
        }
      set_level (self, &line_start, &line_end, wanted);
      changed = TRUE;
    }
  self->updating = FALSE;
  if (!changed)
    return FALSE;
  {
    GtkTextIter cursor;
    guint typed = self->level;

    gtk_text_buffer_get_iter_at_mark (buffer, &cursor, gtk_text_buffer_get_insert (buffer));
    update_active_from_cursor (self);
    /* Keep what was set for an empty last line. */
    if (gtk_text_iter_is_end (&cursor) && gtk_text_iter_starts_line (&cursor))
      self->level = typed;
  }
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[STYLE_CHANGED], 0);
  g_signal_emit_by_name (buffer, "changed");
  return TRUE;
}

/**
 * petrel_rich_text_normalize_url:
 * @url: what the user typed as a link
 * @error: return location for an error
 *
 * Returns: (transfer full) (nullable): @url as an absolute http, https or mailto URL ("https://"
 *   added to a bare host name, "mailto:" to an address), or %NULL with @error set for any
 *   other scheme (javascript:, data:, file:…) or something that is no URL
 */
char *
petrel_rich_text_normalize_url (const char  *url,
                                GError     **error)
{
  g_autofree char *text = NULL;
  g_autofree char *scheme = NULL;
  g_autofree char *candidate = NULL;

  g_return_val_if_fail (url != NULL, NULL);

  text = g_strstrip (g_strdup (url));
  if (text[0] == '\0' || strpbrk (text, " \t\r\n<>\"") != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a web or e-mail address"), text);
      return NULL;
    }

  scheme = g_uri_parse_scheme (text);
  if (scheme == NULL)
    candidate = strchr (text, '@') != NULL && strchr (text, '/') == NULL
                ? g_strconcat ("mailto:", text, NULL) : g_strconcat ("https://", text, NULL);
  else
    candidate = g_strdup (text);

  g_free (scheme);
  scheme = g_uri_parse_scheme (candidate);
  if (scheme == NULL ||
      (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0 &&
       g_ascii_strcasecmp (scheme, "mailto") != 0) ||
      !g_uri_is_valid (candidate, G_URI_FLAGS_PARSE_RELAXED, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a web or e-mail address"), text);
      return NULL;
    }
  return g_steal_pointer (&candidate);
}

/**
 * petrel_rich_text_view_insert_link:
 * @self: a rich text view
 * @url: the address to link to (see petrel_rich_text_normalize_url())
 * @error: return location for an error
 *
 * Makes the selection a link to @url; without a selection, inserts @url as a link.
 *
 * Returns: %FALSE with @error set when @url is not an address a message may link to
 */
gboolean
petrel_rich_text_view_insert_link (PetrelRichTextView  *self,
                                   const char          *url,
                                   GError             **error)
{
  GtkTextBuffer *buffer = get_buffer (self);
  g_autofree char *href = NULL;
  GtkTextIter start, end;
  GtkTextTag *tag;

  g_return_val_if_fail (PETREL_IS_RICH_TEXT_VIEW (self), FALSE);

  href = petrel_rich_text_normalize_url (url, error);
  if (href == NULL)
    return FALSE;

  tag = new_link_tag (self, href);
  gtk_text_buffer_begin_user_action (buffer);
  if (gtk_text_buffer_get_selection_bounds (buffer, &start, &end))
    {
      remove_link_tags (self, &start, &end);
      gtk_text_buffer_apply_tag (buffer, tag, &start, &end);
      g_signal_emit_by_name (buffer, "changed");
    }
  else
    {
      const char *shown = g_str_has_prefix (href, "mailto:") ? href + strlen ("mailto:") : href;
      int offset = gtk_text_iter_get_offset (&start);

      gtk_text_buffer_insert (buffer, &start, shown, -1);
      gtk_text_buffer_get_iter_at_offset (buffer, &end, offset);
      gtk_text_buffer_apply_tag (buffer, tag, &end, &start);
    }
  gtk_text_buffer_end_user_action (buffer);
  return TRUE;
}

/**
 * petrel_rich_text_view_clear_formatting:
 * @self: a rich text view
 *
 * Removes every formatting (links included) from the selection, or from the cursor's line
 * and what is typed next when nothing is selected.
 */
void
petrel_rich_text_view_clear_formatting (PetrelRichTextView *self)
{
  GtkTextBuffer *buffer = get_buffer (self);
  GtkTextIter start, end;

  g_return_if_fail (PETREL_IS_RICH_TEXT_VIEW (self));

  if (!gtk_text_buffer_get_selection_bounds (buffer, &start, &end))
    selected_lines (self, &start, &end);
  self->updating = TRUE;
  for (guint i = 0; i < PETREL_RICH_N_STYLES; i++)
    {
      gtk_text_buffer_remove_tag (buffer, self->tags[i], &start, &end);
      self->active[i] = FALSE;
    }
  set_level (self, &start, &end, 0);
  self->level = 0;
  remove_link_tags (self, &start, &end);
  self->updating = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[STYLE_CHANGED], 0);
  g_signal_emit_by_name (buffer, "changed");
}

/**
 * petrel_rich_text_view_has_formatting:
 *
 * Returns: whether any text is formatted, linked, or an image (what plain text loses)
 */
gboolean
petrel_rich_text_view_has_formatting (PetrelRichTextView *self)
{
  GtkTextIter iter;

  g_return_val_if_fail (PETREL_IS_RICH_TEXT_VIEW (self), FALSE);

  gtk_text_buffer_get_start_iter (get_buffer (self), &iter);
  do
    {
      g_autoptr(GSList) tags = gtk_text_iter_get_tags (&iter);

      if (gtk_text_iter_get_paintable (&iter) != NULL)
        return TRUE;
      /* Only this view's tags: others (the spell checker's underline) are no formatting. */
      for (GSList *l = tags; l != NULL; l = l->next)
        if (is_own_tag (self, l->data))
          return TRUE;
    }
  while (gtk_text_iter_forward_char (&iter));
  return FALSE;
}

/**
 * petrel_rich_text_view_insert_image:
 * @self: a rich text view
 * @data: an image file's contents (PNG, JPEG, GIF…)
 * @error: return location for an error
 *
 * Inserts the image at the cursor; it is sent as an inline (cid:) image.
 */
void
petrel_rich_text_view_insert_image (PetrelRichTextView  *self,
                                    GBytes              *data,
                                    GError             **error)
{
  GtkTextBuffer *buffer = get_buffer (self);
  g_autoptr(GdkTexture) texture = NULL;
  GtkTextIter cursor;

  g_return_if_fail (PETREL_IS_RICH_TEXT_VIEW (self));
  g_return_if_fail (data != NULL);

  texture = texture_new_for_bytes (data, error);
  if (texture == NULL)
    return;
  gtk_text_buffer_get_iter_at_mark (buffer, &cursor, gtk_text_buffer_get_insert (buffer));
  gtk_text_buffer_insert_paintable (buffer, &cursor, GDK_PAINTABLE (texture));
}

/**
 * petrel_rich_text_view_get_images_size:
 *
 * Returns: the size in bytes of the images in the text
 */
guint64
petrel_rich_text_view_get_images_size (PetrelRichTextView *self)
{
  GtkTextIter iter;
  guint64 total = 0;

  g_return_val_if_fail (PETREL_IS_RICH_TEXT_VIEW (self), 0);

  gtk_text_buffer_get_start_iter (get_buffer (self), &iter);
  do
    {
      GdkPaintable *paintable = gtk_text_iter_get_paintable (&iter);
      GBytes *bytes = paintable != NULL ? texture_get_bytes (paintable, NULL) : NULL;

      if (bytes != NULL)
        total += g_bytes_get_size (bytes);
    }
  while (gtk_text_iter_forward_char (&iter));
  return total;
}

/**
 * petrel_rich_text_view_quote_marked_lines:
 * @self: a rich text view
 *
 * Turns the lines starting with ">" (a quote as petrel_mime_reply_new() writes it) into
 * quoted lines without the marker; a deeper level keeps its further markers.
 */
void
petrel_rich_text_view_quote_marked_lines (PetrelRichTextView *self)
{
  GtkTextBuffer *buffer = get_buffer (self);
  int lines;

  g_return_if_fail (PETREL_IS_RICH_TEXT_VIEW (self));

  lines = gtk_text_buffer_get_line_count (buffer);
  self->updating = TRUE;
  for (int i = 0; i < lines; i++)
    {
      GtkTextIter start, end;

      gtk_text_buffer_get_iter_at_line (buffer, &start, i);
      if (gtk_text_iter_get_char (&start) != '>')
        continue;
      end = start;
      gtk_text_iter_forward_char (&end);
      if (gtk_text_iter_get_char (&end) == ' ')
        gtk_text_iter_forward_char (&end);
      gtk_text_buffer_delete (buffer, &start, &end);
      end = start;
      if (!gtk_text_iter_ends_line (&end))
        gtk_text_iter_forward_to_line_end (&end);
      gtk_text_iter_forward_char (&end);
      gtk_text_buffer_apply_tag (buffer, self->tags[PETREL_RICH_QUOTE], &start, &end);
    }
  self->updating = FALSE;
  update_active_from_cursor (self);
}

/* To HTML and plain text */

static PetrelRichStyle
line_block (PetrelRichTextView *self,
            const GtkTextIter  *line_start)
{
  for (guint i = PETREL_RICH_BULLETS; i < PETREL_RICH_N_STYLES; i++)
    if (gtk_text_iter_has_tag (line_start, self->tags[i]))
      return i;
  return PETREL_RICH_N_STYLES;
}

static void
append_escaped (GString    *out,
                const char *text,
                gboolean    at_line_start)
{
  gboolean after_space = at_line_start;

  for (const char *p = text; *p != '\0'; p++)
    {
      switch (*p)
        {
        case '&': g_string_append (out, "&amp;"); break;
        case '<': g_string_append (out, "&lt;"); break;
        case '>': g_string_append (out, "&gt;"); break;
        case '"': g_string_append (out, "&quot;"); break;
        case '\'': g_string_append (out, "&#39;"); break;
        case ' ':
          /* Runs of spaces are kept: every other one unbreakable. */
          g_string_append (out, after_space ? "&nbsp;" : " ");
          after_space = !after_space;
          continue;
        case '\t': g_string_append (out, "&nbsp;&nbsp;&nbsp;&nbsp;"); break;
        default: g_string_append_c (out, *p); break;
        }
      after_space = FALSE;
    }
}

/* The inline formatting of a character, as open HTML elements, outermost first. */
typedef struct
{
  GtkTextTag *link;
  gboolean    on[PETREL_RICH_STRIKE + 1];
} Inline;

static const char * const inline_elements[] = { "b", "i", "u", "s" };

static void
inline_at (PetrelRichTextView *self,
           const GtkTextIter  *iter,
           Inline             *state)
{
  state->link = link_tag_at (iter);
  for (guint i = 0; i <= PETREL_RICH_STRIKE; i++)
    state->on[i] = gtk_text_iter_has_tag (iter, self->tags[i]);
}

/* How many of the elements (link first, then b, i, u, s) @a and @b share from the outside. */
static guint
common_depth (const Inline *a,
              const Inline *b,
              guint        *out_depth_a)
{
  guint depth = 0;
  guint total = 0;
  gboolean same = TRUE;

  if (a->link != NULL)
    {
      total++;
      if (a->link == b->link)
        depth++;
      else
        same = FALSE;
    }
  else if (b->link != NULL)
    same = FALSE;
  for (guint i = 0; i <= PETREL_RICH_STRIKE; i++)
    {
      if (a->on[i])
        {
          total++;
          if (same && b->on[i])
            depth++;
          else
            same = FALSE;
        }
      else if (b->on[i])
        same = FALSE;
    }
  *out_depth_a = total;
  return depth;
}

static gboolean
inline_equal (const Inline *a,
              const Inline *b)
{
  if (a->link != b->link)
    return FALSE;
  for (guint i = 0; i <= PETREL_RICH_STRIKE; i++)
    if (a->on[i] != b->on[i])
      return FALSE;
  return TRUE;
}

static void
close_inline (GString      *out,
              const Inline *state,
              guint         keep)
{
  const char *names[6];
  guint n = 0;

  if (state->link != NULL)
    names[n++] = "a";
  for (guint i = 0; i <= PETREL_RICH_STRIKE; i++)
    if (state->on[i])
      names[n++] = inline_elements[i];
  while (n > keep)
    g_string_append_printf (out, "</%s>", names[--n]);
}

static void
open_inline (GString      *out,
             const Inline *state,
             guint         skip)
{
  guint n = 0;

  if (state->link != NULL)
    {
      if (n++ >= skip)
        {
          g_string_append (out, "<a href=\"");
          append_escaped (out, tag_get_href (state->link), FALSE);
          g_string_append (out, "\">");
        }
    }
  for (guint i = 0; i <= PETREL_RICH_STRIKE; i++)
    if (state->on[i] && n++ >= skip)
      g_string_append_printf (out, "<%s>", inline_elements[i]);
}

/* The HTML of one line's text (not its end). */
static void
line_to_html (PetrelRichTextView  *self,
              GtkTextIter         *iter,
              GString             *out,
              PetrelRichImageFunc  image_func,
              gpointer             user_data)
{
  Inline open = { NULL, };
  GString *run = g_string_new (NULL);
  gboolean line_start = TRUE;

  while (!gtk_text_iter_ends_line (iter))
    {
      GdkPaintable *paintable = gtk_text_iter_get_paintable (iter);
      Inline now;
      guint depth_open = 0, common;

      inline_at (self, iter, &now);
      common = common_depth (&open, &now, &depth_open);
      (void) depth_open;
      if (!inline_equal (&open, &now))
        {
          append_escaped (out, run->str, line_start);
          if (run->len > 0)
            line_start = FALSE;
          g_string_truncate (run, 0);
          close_inline (out, &open, common);
          open_inline (out, &now, common);
          open = now;
        }

      if (paintable != NULL)
        {
          const char *type = NULL;
          GBytes *bytes = texture_get_bytes (paintable, &type);
          g_autofree char *cid = NULL;

          append_escaped (out, run->str, line_start);
          g_string_truncate (run, 0);
          line_start = FALSE;
          if (bytes != NULL && image_func != NULL)
            cid = image_func (bytes, type, user_data);
          if (cid != NULL)
            {
              g_string_append (out, "<img src=\"cid:");
              append_escaped (out, cid, FALSE);
              g_string_append (out, "\" alt=\"\">");
            }
        }
      else
        g_string_append_unichar (run, gtk_text_iter_get_char (iter));
      gtk_text_iter_forward_char (iter);
    }
  append_escaped (out, run->str, line_start);
  close_inline (out, &open, 0);
  g_string_free (run, TRUE);
}

/* The lists open while writing HTML: a nested list sits in the item it follows. */
typedef struct
{
  PetrelRichStyle style[MAX_LIST_LEVEL];
  gboolean        item_open[MAX_LIST_LEVEL];
  guint           depth;
} HtmlLists;

static const char *
list_element (PetrelRichStyle style)
{
  return style == PETREL_RICH_NUMBERS ? "ol" : "ul";
}

static void
html_close_lists (GString   *out,
                  HtmlLists *lists,
                  guint      depth)
{
  while (lists->depth > depth)
    {
      lists->depth--;
      if (lists->item_open[lists->depth])
        g_string_append (out, "</li>\n");
      lists->item_open[lists->depth] = FALSE;
      g_string_append_printf (out, "</%s>\n", list_element (lists->style[lists->depth]));
    }
}

static void
html_open_item (GString         *out,
                HtmlLists       *lists,
                PetrelRichStyle  style,
                guint            level)
{
  html_close_lists (out, lists, level + 1);
  if (lists->depth == level + 1 && lists->style[level] != style)
    html_close_lists (out, lists, level);

  if (lists->depth == level + 1)
    {
      if (lists->item_open[level])
        g_string_append (out, "</li>\n");
    }
  else
    while (lists->depth < level + 1)
      {
        /* A list one level deeper goes into the item before it; with none (an item nested
         * two levels deeper at once), into an empty one. */
        if (lists->depth > 0 && !lists->item_open[lists->depth - 1])
          {
            g_string_append (out, "<li>\n");
            lists->item_open[lists->depth - 1] = TRUE;
          }
        else if (lists->depth > 0 && out->str[out->len - 1] != '\n')
          g_string_append_c (out, '\n');
        g_string_append_printf (out, "<%s>\n", list_element (style));
        lists->style[lists->depth] = style;
        lists->item_open[lists->depth] = FALSE;
        lists->depth++;
      }
  g_string_append (out, "<li>");
  lists->item_open[level] = TRUE;
}

/**
 * petrel_rich_text_is_petrel_html:
 * @html: an HTML document
 *
 * Returns: whether petrel_rich_text_view_get_html() wrote @html (a draft to open as rich text)
 */
gboolean
petrel_rich_text_is_petrel_html (const char *html)
{
  return html != NULL && strstr (html, GENERATOR_META) != NULL;
}

/**
 * petrel_rich_text_view_get_html:
 * @self: a rich text view
 * @image_func: (nullable) (scope call): gives each image its Content-ID
 * @user_data: for @image_func
 *
 * Returns: (transfer full): the text as a small HTML document: user text escaped, only the
 *   elements b, i, u, s, a href, ul, ol, li, blockquote, br and img src="cid:…"
 */
char *
petrel_rich_text_view_get_html (PetrelRichTextView  *self,
                                PetrelRichImageFunc  image_func,
                                gpointer             user_data)
{
  GtkTextBuffer *buffer;
  GString *out;
  GtkTextIter iter;
  HtmlLists lists = { 0, };
  gboolean quote_open = FALSE;
  gboolean in_run = FALSE;     /* the line before was a line of text (no list, no quote) */
  gboolean last_empty = FALSE; /* the line before was empty */
  int n_lines;

  g_return_val_if_fail (PETREL_IS_RICH_TEXT_VIEW (self), NULL);

  buffer = get_buffer (self);
  out = g_string_new ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">" GENERATOR_META
                      "</head><body>\n");
  n_lines = gtk_text_buffer_get_line_count (buffer);

  /* Lines are ended the way a browser shows them: a line of text by <br> before another one,
   * by the block after it, or by <br> when it is empty (a browser draws no empty line before
   * a block otherwise); a line of a quote likewise within the quote. */
  for (int k = 0; k < n_lines; k++)
    {
      PetrelRichStyle block;

      gtk_text_buffer_get_iter_at_line (buffer, &iter, k);
      block = line_block (self, &iter);

      if (last_empty && ((in_run && block != PETREL_RICH_N_STYLES) ||
                         (quote_open && block != PETREL_RICH_QUOTE)))
        g_string_append (out, "<br>\n");
      if (block != PETREL_RICH_N_STYLES)
        in_run = FALSE;
      if (quote_open && block != PETREL_RICH_QUOTE)
        {
          g_string_append (out, "</blockquote>\n");
          quote_open = FALSE;
        }
      if (!is_list_style (block))
        html_close_lists (out, &lists, 0);

      if (block == PETREL_RICH_N_STYLES)
        {
          if (in_run)
            g_string_append (out, "<br>\n");
          in_run = TRUE;
        }
      else if (block == PETREL_RICH_QUOTE)
        {
          g_string_append (out, quote_open ? "<br>\n" : "<blockquote>\n");
          quote_open = TRUE;
        }
      else
        html_open_item (out, &lists, block, line_level (self, &iter));

      last_empty = gtk_text_iter_ends_line (&iter);
      line_to_html (self, &iter, out, image_func, user_data);
    }
  /* An empty last line (the text ends with a new line) is kept, unless it is all there is. */
  if ((in_run || quote_open) && last_empty && n_lines > 1)
    g_string_append (out, "<br>\n");
  if (quote_open)
    g_string_append (out, "</blockquote>\n");
  html_close_lists (out, &lists, 0);
  g_string_append (out, "</body></html>\n");
  return g_string_free (out, FALSE);
}

/**
 * petrel_rich_text_view_get_plain:
 * @self: a rich text view
 *
 * Returns: (transfer full): the text as plain text: list items as "* " and "1. ", quoted lines
 *   as "> ", a link followed by its address in angle brackets, *bold*, /italic/ and
 *   _underlined_ marked so, an image as "[image]"
 */
char *
petrel_rich_text_view_get_plain (PetrelRichTextView *self)
{
  static const char markers[] = { '*', '/', '_' };
  GtkTextBuffer *buffer;
  GString *out;
  GtkTextIter iter;
  guint numbers[MAX_LIST_LEVEL] = { 0, };
  guint widths[MAX_LIST_LEVEL];  /* of each level's marker: deeper items align with its text */

  g_return_val_if_fail (PETREL_IS_RICH_TEXT_VIEW (self), NULL);

  buffer = get_buffer (self);
  out = g_string_new (NULL);
  gtk_text_buffer_get_start_iter (buffer, &iter);
  for (guint i = 0; i < MAX_LIST_LEVEL; i++)
    widths[i] = 2;

  if (!self->rich)
    {
      GtkTextIter end;

      gtk_text_buffer_get_end_iter (buffer, &end);
      g_string_free (out, TRUE);
      return gtk_text_buffer_get_text (buffer, &iter, &end, FALSE);
    }

  while (TRUE)
    {
      PetrelRichStyle block = line_block (self, &iter);
      GtkTextTag *link = NULL;
      gboolean on[G_N_ELEMENTS (markers)] = { FALSE, };
      guint open_stack[G_N_ELEMENTS (markers)];
      guint n_open = 0;

      if (is_list_style (block))
        {
          guint level = line_level (self, &iter);
          gsize marker_start;

          for (guint i = level + 1; i < MAX_LIST_LEVEL; i++)
            numbers[i] = 0;
          numbers[level] = block == PETREL_RICH_NUMBERS ? numbers[level] + 1 : 0;
          for (guint i = 0; i < level; i++)
            g_string_append_printf (out, "%*s", (int) widths[i], "");
          marker_start = out->len;
          if (block == PETREL_RICH_BULLETS)
            g_string_append (out, "* ");
          else
            g_string_append_printf (out, "%u. ", numbers[level]);
          widths[level] = out->len - marker_start;
        }
      else
        {
          memset (numbers, 0, sizeof numbers);
          for (guint i = 0; i < MAX_LIST_LEVEL; i++)
            widths[i] = 2;
        }
      if (block == PETREL_RICH_QUOTE)
        g_string_append (out, gtk_text_iter_ends_line (&iter) ? ">" : "> ");

      while (TRUE)
        {
          gboolean end = gtk_text_iter_ends_line (&iter);
          GtkTextTag *now_link = end ? NULL : link_tag_at (&iter);

          /* Markers nest: one that ends closes those opened inside it first, and these
           * open again if they go on. */
          for (guint k = 0; k < n_open; k++)
            if (end || !gtk_text_iter_has_tag (&iter, self->tags[open_stack[k]]))
              {
                for (guint j = n_open; j > k; j--)
                  g_string_append_c (out, markers[open_stack[j - 1]]);
                for (guint j = k; j < n_open; j++)
                  on[open_stack[j]] = FALSE;
                n_open = k;
                break;
              }
          if (link != NULL && now_link != link)
            {
              GtkTextIter link_start = iter;
              g_autofree char *shown = NULL;
              const char *href = tag_get_href (link);
              const char *bare = g_str_has_prefix (href, "mailto:") ? href + 7 : href;

              gtk_text_iter_backward_to_tag_toggle (&link_start, link);
              shown = gtk_text_iter_get_text (&link_start, &iter);
              if (g_strcmp0 (shown, href) != 0 && g_strcmp0 (shown, bare) != 0)
                g_string_append_printf (out, " <%s>", href);
            }
          link = now_link;
          if (end)
            break;
          for (guint i = 0; i < G_N_ELEMENTS (markers); i++)
            if (!on[i] && gtk_text_iter_has_tag (&iter, self->tags[i]))
              {
                g_string_append_c (out, markers[i]);
                on[i] = TRUE;
                open_stack[n_open++] = i;
              }
          if (gtk_text_iter_get_paintable (&iter) != NULL)
            g_string_append (out, _("[image]"));
          else
            g_string_append_unichar (out, gtk_text_iter_get_char (&iter));
          gtk_text_iter_forward_char (&iter);
        }

      if (gtk_text_iter_is_end (&iter))
        break;
      g_string_append_c (out, '\n');
      if (!gtk_text_iter_forward_line (&iter))
        break;
    }
  return g_string_free (out, FALSE);
}

/* From HTML */

typedef struct
{
  PetrelRichTextView    *self;
  GtkTextBuffer         *buffer;
  PetrelRichImageLookup  lookup;
  gpointer               user_data;
  guint                  inline_depth[PETREL_RICH_STRIKE + 1];
  GPtrArray             *links;        /* of GtkTextTag, borrowed: open <a> elements */
  GArray                *blocks;       /* of PetrelRichStyle: open ul, ol, blockquote */
  PetrelRichStyle        line_block;   /* of the line being written */
  guint                  line_level;   /* its list level */
  /* The line ends before whatever comes next (a block ended, or a <br>): the new line is only
   * made for what follows, as a browser makes no empty line at the end of a block. */
  gboolean               pending_newline;
  gboolean               first_item;
  guint                  skip_depth;   /* inside head, style, script, title */
} Reader;

static PetrelRichStyle
current_block (Reader *reader)
{
  if (reader->blocks->len == 0)
    return PETREL_RICH_N_STYLES;
  return g_array_index (reader->blocks, PetrelRichStyle, reader->blocks->len - 1);
}

/* How deep the innermost open list is nested in other lists. */
static guint
current_level (Reader *reader)
{
  guint lists = 0;

  for (guint i = 0; i < reader->blocks->len; i++)
    if (is_list_style (g_array_index (reader->blocks, PetrelRichStyle, i)))
      lists++;
  return CLAMP (lists, 1, MAX_LIST_LEVEL) - 1;
}

/* Whether the line being written has any text yet. */
static gboolean
line_has_content (Reader *reader)
{
  GtkTextIter end;

  gtk_text_buffer_get_end_iter (reader->buffer, &end);
  return !gtk_text_iter_starts_line (&end);
}

static void
reader_insert (Reader          *reader,
               const char      *text,
               gssize           length,
               PetrelRichStyle  block,
               guint            level)
{
  GtkTextIter end;
  int offset;

  gtk_text_buffer_get_end_iter (reader->buffer, &end);
  offset = gtk_text_iter_get_offset (&end);
  gtk_text_buffer_insert (reader->buffer, &end, text, length);
  {
    GtkTextIter start;

    gtk_text_buffer_get_iter_at_offset (reader->buffer, &start, offset);
    gtk_text_buffer_get_end_iter (reader->buffer, &end);
    if (text[0] != '\n')
      {
        for (guint i = 0; i <= PETREL_RICH_STRIKE; i++)
          if (reader->inline_depth[i] > 0)
            gtk_text_buffer_apply_tag (reader->buffer, reader->self->tags[i], &start, &end);
        if (reader->links->len > 0)
          gtk_text_buffer_apply_tag (reader->buffer,
                                     g_ptr_array_index (reader->links, reader->links->len - 1),
                                     &start, &end);
      }
    if (block != PETREL_RICH_N_STYLES)
      gtk_text_buffer_apply_tag (reader->buffer, reader->self->tags[block], &start, &end);
    if (is_list_style (block) && level > 0)
      gtk_text_buffer_apply_tag (reader->buffer, reader->self->level_tags[level], &start, &end);
  }
}

static void
reader_newline (Reader *reader)
{
  reader_insert (reader, "\n", 1, reader->line_block, reader->line_level);
  reader->line_block = current_block (reader);
  reader->line_level = current_level (reader);
}

static void
reader_text (Reader     *reader,
             const char *text,
             gsize       length)
{
  GString *decoded = g_string_new (NULL);

  for (const char *p = text; p < text + length; p++)
    {
      if (*p == '\n' || *p == '\r')
        continue;
      if (*p != '&')
        {
          g_string_append_c (decoded, *p);
          continue;
        }
      {
        const char *semi = memchr (p, ';', MIN ((gsize) (text + length - p), 12));
        g_autofree char *name = semi != NULL ? g_strndup (p + 1, semi - p - 1) : NULL;

        if (name == NULL)
          {
            g_string_append_c (decoded, '&');
            continue;
          }
        if (strcmp (name, "amp") == 0)
          g_string_append_c (decoded, '&');
        else if (strcmp (name, "lt") == 0)
          g_string_append_c (decoded, '<');
        else if (strcmp (name, "gt") == 0)
          g_string_append_c (decoded, '>');
        else if (strcmp (name, "quot") == 0)
          g_string_append_c (decoded, '"');
        else if (strcmp (name, "apos") == 0)
          g_string_append_c (decoded, '\'');
        else if (strcmp (name, "nbsp") == 0)
          g_string_append_c (decoded, ' ');
        else if (name[0] == '#')
          {
            guint64 code = 0;
            gboolean ok = name[1] == 'x' || name[1] == 'X'
                          ? g_ascii_string_to_unsigned (name + 2, 16, 1, 0x10FFFF, &code, NULL)
                          : g_ascii_string_to_unsigned (name + 1, 10, 1, 0x10FFFF, &code, NULL);

            if (ok && g_unichar_validate ((gunichar) code))
              g_string_append_unichar (decoded, (gunichar) code);
          }
        else
          {
            g_string_append_c (decoded, '&');
            continue;
          }
        p = semi;
      }
    }

  if (decoded->len > 0 && g_utf8_validate (decoded->str, decoded->len, NULL))
    {
      if (reader->pending_newline)
        {
          reader->pending_newline = FALSE;
          reader_newline (reader);
        }
      reader_insert (reader, decoded->str, decoded->len, reader->line_block,
                     reader->line_level);
    }
  g_string_free (decoded, TRUE);
}

/* The value of attribute @name in the attributes text of a tag, unescaped. */
static char *
attribute_value (const char *attributes,
                 const char *name)
{
  gsize name_length = strlen (name);

  for (const char *p = attributes; *p != '\0'; p++)
    {
      char quote;
      const char *end;
      g_autofree char *raw = NULL;
      GString *value;

      if (g_ascii_strncasecmp (p, name, name_length) != 0 || p[name_length] != '=' ||
          (p != attributes && !g_ascii_isspace (p[-1])))
        continue;
      p += name_length + 1;
      quote = *p;
      if (quote != '"' && quote != '\'')
        return NULL;
      end = strchr (p + 1, quote);
      if (end == NULL)
        return NULL;
      raw = g_strndup (p + 1, end - p - 1);
      value = g_string_new (NULL);
      for (const char *q = raw; *q != '\0'; q++)
        {
          if (g_str_has_prefix (q, "&amp;"))
            {
              g_string_append_c (value, '&');
              q += 4;
            }
          else if (g_str_has_prefix (q, "&quot;"))
            {
              g_string_append_c (value, '"');
              q += 5;
            }
          else if (g_str_has_prefix (q, "&#39;"))
            {
              g_string_append_c (value, '\'');
              q += 4;
            }
          else if (g_str_has_prefix (q, "&lt;"))
            {
              g_string_append_c (value, '<');
              q += 3;
            }
          else if (g_str_has_prefix (q, "&gt;"))
            {
              g_string_append_c (value, '>');
              q += 3;
            }
          else
            g_string_append_c (value, *q);
        }
      return g_string_free (value, FALSE);
    }
  return NULL;
}

static void
reader_element (Reader     *reader,
                const char *name,
                gboolean    closing,
                const char *attributes)
{
  static const struct { const char *name; PetrelRichStyle style; } inlines[] = {
    { "b", PETREL_RICH_BOLD }, { "strong", PETREL_RICH_BOLD },
    { "i", PETREL_RICH_ITALIC }, { "em", PETREL_RICH_ITALIC },
    { "u", PETREL_RICH_UNDERLINE },
    { "s", PETREL_RICH_STRIKE }, { "strike", PETREL_RICH_STRIKE }, { "del", PETREL_RICH_STRIKE },
  };
  static const char * const skipped[] = { "head", "style", "script", "title" };

  for (guint i = 0; i < G_N_ELEMENTS (skipped); i++)
    if (g_ascii_strcasecmp (name, skipped[i]) == 0)
      {
        if (closing && reader->skip_depth > 0)
          reader->skip_depth--;
        else if (!closing)
          reader->skip_depth++;
        return;
      }
  if (reader->skip_depth > 0)
    return;

  for (guint i = 0; i < G_N_ELEMENTS (inlines); i++)
    if (g_ascii_strcasecmp (name, inlines[i].name) == 0)
      {
        if (closing && reader->inline_depth[inlines[i].style] > 0)
          reader->inline_depth[inlines[i].style]--;
        else if (!closing)
          reader->inline_depth[inlines[i].style]++;
        return;
      }

  if (g_ascii_strcasecmp (name, "a") == 0)
    {
      if (closing)
        {
          if (reader->links->len > 0)
            g_ptr_array_remove_index (reader->links, reader->links->len - 1);
          return;
        }
      {
        g_autofree char *href = attribute_value (attributes, "href");
        g_autofree char *url = href != NULL ? petrel_rich_text_normalize_url (href, NULL) : NULL;

        /* A link to anything but http, https or mailto is dropped, its text kept. */
        if (url != NULL)
          g_ptr_array_add (reader->links, new_link_tag (reader->self, url));
      }
      return;
    }

  if (g_ascii_strcasecmp (name, "br") == 0)
    {
      if (reader->pending_newline)
        reader_newline (reader);
      reader->pending_newline = TRUE;
      return;
    }

  if (g_ascii_strcasecmp (name, "ul") == 0 || g_ascii_strcasecmp (name, "ol") == 0 ||
      g_ascii_strcasecmp (name, "blockquote") == 0)
    {
      PetrelRichStyle style = g_ascii_strcasecmp (name, "ul") == 0 ? PETREL_RICH_BULLETS
                              : g_ascii_strcasecmp (name, "ol") == 0 ? PETREL_RICH_NUMBERS
                              : PETREL_RICH_QUOTE;

      if (closing)
        {
          if (reader->blocks->len > 0)
            g_array_set_size (reader->blocks, reader->blocks->len - 1);
          reader->pending_newline = TRUE;
          return;
        }
      /* A block starts on a line of its own; a nested list after its item's text. */
      if (reader->pending_newline || line_has_content (reader))
        reader_newline (reader);
      reader->pending_newline = FALSE;
      g_array_append_val (reader->blocks, style);
      reader->line_block = style;
      reader->line_level = current_level (reader);
      reader->first_item = TRUE;
      return;
    }

  if (g_ascii_strcasecmp (name, "li") == 0 && !closing)
    {
      if (!reader->first_item || reader->pending_newline)
        reader_newline (reader);
      reader->pending_newline = FALSE;
      reader->first_item = FALSE;
      reader->line_block = current_block (reader);
      reader->line_level = current_level (reader);
      return;
    }

  if ((g_ascii_strcasecmp (name, "p") == 0 || g_ascii_strcasecmp (name, "div") == 0) &&
      closing)
    {
      reader->pending_newline = TRUE;
      return;
    }

  if (g_ascii_strcasecmp (name, "img") == 0 && !closing && reader->lookup != NULL)
    {
      g_autofree char *src = attribute_value (attributes, "src");
      g_autoptr(GBytes) data = NULL;
      g_autoptr(GdkTexture) texture = NULL;
      GtkTextIter end;

      if (src == NULL || g_ascii_strncasecmp (src, "cid:", 4) != 0)
        return;
      data = reader->lookup (src + 4, reader->user_data);
      if (data != NULL)
        texture = texture_new_for_bytes (data, NULL);
      if (texture == NULL)
        return;
      if (reader->pending_newline)
        {
          reader->pending_newline = FALSE;
          reader_newline (reader);
        }
      gtk_text_buffer_get_end_iter (reader->buffer, &end);
      gtk_text_buffer_insert_paintable (reader->buffer, &end, GDK_PAINTABLE (texture));
    }
}

/**
 * petrel_rich_text_view_set_html:
 * @self: a rich text view
 * @html: an HTML document, typically one petrel_rich_text_view_get_html() wrote
 * @lookup: (nullable) (scope call): finds the images of `cid:` URLs
 * @user_data: for @lookup
 *
 * Replaces the text with @html's, keeping the formatting this view knows; the view is
 * put in rich mode. This is no edit that Undo takes back.
 */
void
petrel_rich_text_view_set_html (PetrelRichTextView    *self,
                                const char            *html,
                                PetrelRichImageLookup  lookup,
                                gpointer               user_data)
{
  Reader reader = { NULL, };
  const char *p;
  const char *body;
  GtkTextIter start;

  g_return_if_fail (PETREL_IS_RICH_TEXT_VIEW (self));
  g_return_if_fail (html != NULL);

  self->rich = TRUE;
  reader.self = self;
  reader.buffer = get_buffer (self);
  reader.lookup = lookup;
  reader.user_data = user_data;
  reader.links = g_ptr_array_new ();
  reader.blocks = g_array_new (FALSE, FALSE, sizeof (PetrelRichStyle));
  reader.line_block = PETREL_RICH_N_STYLES;

  self->updating = TRUE;
  /* Loading a draft is not an edit: Undo must not empty the message. */
  gtk_text_buffer_begin_irreversible_action (reader.buffer);
  gtk_text_buffer_set_text (reader.buffer, "", -1);

  body = strstr (html, "<body");
  p = body != NULL ? strchr (body, '>') : NULL;
  p = p != NULL ? p + 1 : html;

  while (*p != '\0')
    {
      const char *lt = strchr (p, '<');
      const char *gt;
      g_autofree char *tag = NULL;
      const char *name;
      gboolean closing;
      gsize name_length;

      if (lt == NULL)
        lt = p + strlen (p);
      if (lt > p && reader.skip_depth == 0)
        reader_text (&reader, p, lt - p);
      if (*lt == '\0')
        break;
      if (g_str_has_prefix (lt, "<!--"))
        {
          const char *end = strstr (lt, "-->");

          p = end != NULL ? end + 3 : lt + strlen (lt);
          continue;
        }
      gt = strchr (lt, '>');
      if (gt == NULL)
        break;
      tag = g_strndup (lt + 1, gt - lt - 1);
      p = gt + 1;

      name = tag;
      closing = name[0] == '/';
      if (closing)
        name++;
      name_length = strcspn (name, " \t\r\n/");
      if (name_length == 0)
        continue;
      {
        g_autofree char *element = g_strndup (name, name_length);

        if (g_ascii_strcasecmp (element, "body") == 0 && closing)
          break;
        reader_element (&reader, element, closing, name + name_length);
      }
    }

  g_ptr_array_unref (reader.links);
  g_array_unref (reader.blocks);
  gtk_text_buffer_end_irreversible_action (reader.buffer);

  gtk_text_buffer_get_start_iter (reader.buffer, &start);
  gtk_text_buffer_place_cursor (reader.buffer, &start);
  self->updating = FALSE;
  update_active_from_cursor (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/**
 * petrel_rich_text_view_set_text:
 * @self: a rich text view
 * @text: plain text
 *
 * Replaces the text with @text, unformatted, and puts the cursor at the start. This is no
 * edit that Undo takes back.
 */
void
petrel_rich_text_view_set_text (PetrelRichTextView *self,
                                const char         *text)
{
  GtkTextBuffer *buffer = get_buffer (self);
  GtkTextIter start;

  g_return_if_fail (PETREL_IS_RICH_TEXT_VIEW (self));

  self->updating = TRUE;
  memset (self->active, 0, sizeof self->active);
  self->level = 0;
  gtk_text_buffer_begin_irreversible_action (buffer);
  gtk_text_buffer_set_text (buffer, text, -1);
  gtk_text_buffer_end_irreversible_action (buffer);
  gtk_text_buffer_get_start_iter (buffer, &start);
  gtk_text_buffer_place_cursor (buffer, &start);
  self->updating = FALSE;
  update_active_from_cursor (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Mode */

/**
 * petrel_rich_text_view_get_rich:
 *
 * Returns: whether the view is in rich text mode
 */
gboolean
petrel_rich_text_view_get_rich (PetrelRichTextView *self)
{
  g_return_val_if_fail (PETREL_IS_RICH_TEXT_VIEW (self), FALSE);
  return self->rich;
}

/**
 * petrel_rich_text_view_set_rich:
 * @self: a rich text view
 * @rich: rich text or plain text
 *
 * Switches the mode. To plain text, the text becomes petrel_rich_text_view_get_plain()'s
 * (the formatting is lost; lists, quotes and links stay readable).
 */
void
petrel_rich_text_view_set_rich (PetrelRichTextView *self,
                                gboolean            rich)
{
  g_return_if_fail (PETREL_IS_RICH_TEXT_VIEW (self));

  rich = !!rich;
  if (self->rich == rich)
    return;

  if (!rich)
    {
      g_autofree char *plain = petrel_rich_text_view_get_plain (self);
      GtkTextBuffer *buffer = get_buffer (self);
      GtkTextIter start;

      self->rich = FALSE;
      self->updating = TRUE;
      gtk_text_buffer_set_text (buffer, plain, -1);
      gtk_text_buffer_get_start_iter (buffer, &start);
      gtk_text_buffer_place_cursor (buffer, &start);
      self->updating = FALSE;
      memset (self->active, 0, sizeof self->active);
      self->level = 0;
    }
  self->rich = rich;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[STYLE_CHANGED], 0);
}

/* GObject */

static void
petrel_rich_text_view_class_init (PetrelRichTextViewClass *klass)
{
  GtkTextViewClass *text_view_class = GTK_TEXT_VIEW_CLASS (klass);

  text_view_class->snapshot_layer = petrel_rich_text_view_snapshot_layer;

  /**
   * PetrelRichTextView::style-changed:
   *
   * The formatting at the cursor changed (see petrel_rich_text_view_get_style_active()).
   */
  signals[STYLE_CHANGED] = g_signal_new ("style-changed", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                         G_TYPE_NONE, 0);
}

static void
petrel_rich_text_view_init (PetrelRichTextView *self)
{
  GtkTextBuffer *buffer = get_buffer (self);
  GtkEventController *key;

  self->tags[PETREL_RICH_BOLD] = gtk_text_buffer_create_tag (buffer, tag_names[PETREL_RICH_BOLD],
                                                             "weight", PANGO_WEIGHT_BOLD, NULL);
  self->tags[PETREL_RICH_ITALIC] = gtk_text_buffer_create_tag (buffer,
                                                               tag_names[PETREL_RICH_ITALIC],
                                                               "style", PANGO_STYLE_ITALIC, NULL);
  self->tags[PETREL_RICH_UNDERLINE] = gtk_text_buffer_create_tag (buffer,
                                                                  tag_names[PETREL_RICH_UNDERLINE],
                                                                  "underline",
                                                                  PANGO_UNDERLINE_SINGLE, NULL);
  self->tags[PETREL_RICH_STRIKE] = gtk_text_buffer_create_tag (buffer,
                                                               tag_names[PETREL_RICH_STRIKE],
                                                               "strikethrough", TRUE, NULL);
  self->tags[PETREL_RICH_BULLETS] = gtk_text_buffer_create_tag (buffer,
                                                                tag_names[PETREL_RICH_BULLETS],
                                                                "left-margin", LIST_INDENT, NULL);
  self->tags[PETREL_RICH_NUMBERS] = gtk_text_buffer_create_tag (buffer,
                                                                tag_names[PETREL_RICH_NUMBERS],
                                                                "left-margin", LIST_INDENT, NULL);
  self->tags[PETREL_RICH_QUOTE] = gtk_text_buffer_create_tag (buffer,
                                                              tag_names[PETREL_RICH_QUOTE],
                                                              "left-margin", QUOTE_INDENT,
                                                              "foreground", "#613583",
                                                              NULL);

  /* Made after the list tags, so that their margins win. */
  for (guint i = 1; i < MAX_LIST_LEVEL; i++)
    {
      g_autofree char *name = g_strdup_printf ("petrel-list-level-%u", i);

      self->level_tags[i] = gtk_text_buffer_create_tag (buffer, name, "left-margin",
                                                        LIST_INDENT * (i + 1), NULL);
    }

  g_signal_connect (buffer, "mark-set", G_CALLBACK (on_mark_set_cb), self);
  g_signal_connect_after (buffer, "insert-text", G_CALLBACK (on_insert_text_after_cb), self);

  key = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (key, GTK_PHASE_CAPTURE);
  g_signal_connect (key, "key-pressed", G_CALLBACK (on_key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), key);

  /* The composer's body is this view, in plain and rich mode alike. */
  petrel_spell_checker_attach (GTK_TEXT_VIEW (self));
}

/**
 * petrel_rich_text_view_new:
 *
 * Returns: (transfer floating): a new text view, in plain text mode
 */
GtkWidget *
petrel_rich_text_view_new (void)
{
  return g_object_new (PETREL_TYPE_RICH_TEXT_VIEW, NULL);
}
