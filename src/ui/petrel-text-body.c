/* petrel-text-body.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The plain-text body of a message: read-only, selectable, with quoted lines set in a quieter
 * colour and indented by depth, long quoted blocks folded behind a "Show quoted text" line,
 * the signature dimmed, and web and mail addresses clickable (the text is the target; the
 * tooltip repeats it in full).
 */

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "petrel-text-body.h"

/* Quoted blocks at least this long are folded. */
#define FOLD_MIN_LINES 4
#define MAX_QUOTE_DEPTH 4

struct _PetrelTextBody
{
  GtkTextView  parent_instance;

  char        *text;      /* owned: what is shown, to lay it out again on a style change */
  guint        n_folded;
};

G_DEFINE_FINAL_TYPE (PetrelTextBody, petrel_text_body, GTK_TYPE_TEXT_VIEW)

static GRegex *
link_regex (void)
{
  static gsize initialized;
  static GRegex *regex;

  if (g_once_init_enter (&initialized))
    {
      regex = g_regex_new ("(?:https?://|mailto:|www\\.)[^\\s<>\"'`]+[^\\s<>\"'`.,;:!?)\\]}]",
                           G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL);
      g_once_init_leave (&initialized, 1);
    }

  return regex;
}

static guint
quote_depth (const char *line)
{
  guint depth = 0;

  for (const char *p = line; *p != '\0'; p++)
    {
      if (*p == '>')
        depth++;
      else if (*p != ' ' && *p != '\t')
        break;
    }

  return depth;
}

static gboolean
is_blank (const char *line)
{
  for (const char *p = line; *p != '\0'; p++)
    {
      if (!g_ascii_isspace (*p))
        return FALSE;
    }

  return TRUE;
}

static void
insert_with_links (GtkTextBuffer *buffer,
                   const char    *line,
                   GtkTextTag    *style_tag,
                   GtkTextTag    *fold_tag)
{
  GtkTextTagTable *table = gtk_text_buffer_get_tag_table (buffer);
  GtkTextTag *link_tag = gtk_text_tag_table_lookup (table, "link");
  g_autoptr(GMatchInfo) match = NULL;
  GtkTextIter end;
  gsize done = 0;

  if (link_regex () != NULL)
    g_regex_match (link_regex (), line, 0, &match);

  while (match != NULL && g_match_info_matches (match))
    {
      g_autofree char *url = g_match_info_fetch (match, 0);
      g_autofree char *target = NULL;
      GtkTextTag *uri_tag;
      int start, stop;

      g_match_info_fetch_pos (match, 0, &start, &stop);

      gtk_text_buffer_get_end_iter (buffer, &end);
      gtk_text_buffer_insert_with_tags (buffer, &end, line + done, start - done,
                                        style_tag, fold_tag, NULL);

      target = g_ascii_strncasecmp (url, "www.", 4) == 0 ? g_strconcat ("https://", url, NULL)
                                                          : g_strdup (url);
      uri_tag = gtk_text_buffer_create_tag (buffer, NULL, NULL);
      g_object_set_data_full (G_OBJECT (uri_tag), "uri", g_steal_pointer (&target), g_free);

      gtk_text_buffer_get_end_iter (buffer, &end);
      gtk_text_buffer_insert_with_tags (buffer, &end, url, -1, style_tag, link_tag, uri_tag,
                                        fold_tag, NULL);
      done = stop;
      g_match_info_next (match, NULL);
    }

  gtk_text_buffer_get_end_iter (buffer, &end);
  gtk_text_buffer_insert_with_tags (buffer, &end, line + done, -1, style_tag, fold_tag, NULL);
  gtk_text_buffer_get_end_iter (buffer, &end);
  gtk_text_buffer_insert_with_tags (buffer, &end, "\n", 1, style_tag, fold_tag, NULL);
}

static void
fill (PetrelTextBody *self)
{
  gboolean dark = adw_style_manager_get_dark (adw_style_manager_get_default ());
  g_autoptr(GtkTextBuffer) buffer = gtk_text_buffer_new (NULL);
  g_auto(GStrv) lines = NULL;
  GtkTextTag *quote_tags[MAX_QUOTE_DEPTH + 1] = { NULL };
  GtkTextTag *toggle_tag;
  GtkTextTag *signature_tag;
  const char *link_color = dark ? "#78aeed" : "#1c71d8";
  const char *quote_color = dark ? "#a0a0a0" : "#6b6b6b";
  GtkTextIter end;
  guint n_lines;
  guint fold_index = 0;

  self->n_folded = 0;

  gtk_text_buffer_create_tag (buffer, "link", "foreground", link_color,
                              "underline", PANGO_UNDERLINE_SINGLE, NULL);
  toggle_tag = gtk_text_buffer_create_tag (buffer, "fold-toggle", "foreground", link_color,
                                           "scale", 0.9, "pixels-above-lines", 4,
                                           "pixels-below-lines", 4, NULL);
  signature_tag = gtk_text_buffer_create_tag (buffer, "signature", "foreground", quote_color,
                                              NULL);
  for (guint depth = 1; depth <= MAX_QUOTE_DEPTH; depth++)
    {
      g_autofree char *name = g_strdup_printf ("quote-%u", depth);

      quote_tags[depth] = gtk_text_buffer_create_tag (buffer, name,
                                                      "foreground", quote_color,
                                                      "left-margin", 24 + 12 * (depth - 1),
                                                      NULL);
    }

  lines = g_strsplit (self->text != NULL ? self->text : "", "\n", -1);
  n_lines = g_strv_length (lines);
  /* The text ends with a newline: no empty last line. */
  if (n_lines > 0 && *lines[n_lines - 1] == '\0')
    n_lines--;

  for (guint i = 0; i < n_lines;)
    {
      if (quote_depth (lines[i]) > 0)
        {
          guint j = i;
          GtkTextTag *fold_tag = NULL;

          while (j < n_lines &&
                 (quote_depth (lines[j]) > 0 ||
                  (is_blank (lines[j]) && j + 1 < n_lines && quote_depth (lines[j + 1]) > 0)))
            j++;

          if (j - i >= FOLD_MIN_LINES)
            {
              g_autofree char *name = g_strdup_printf ("fold-%u", fold_index++);
              g_autofree char *label = NULL;
              GtkTextTag *target_tag;

              fold_tag = gtk_text_buffer_create_tag (buffer, name, "invisible", TRUE, NULL);
              target_tag = gtk_text_buffer_create_tag (buffer, NULL, NULL);
              g_object_set_data (G_OBJECT (target_tag), "fold", fold_tag);

              label = g_strdup_printf (ngettext ("Show quoted text (%u line)",
                                                 "Show quoted text (%u lines)", j - i), j - i);
              gtk_text_buffer_get_end_iter (buffer, &end);
              gtk_text_buffer_insert_with_tags (buffer, &end, "▸ ", -1, toggle_tag, target_tag,
                                                NULL);
              gtk_text_buffer_get_end_iter (buffer, &end);
              gtk_text_buffer_insert_with_tags (buffer, &end, label, -1, toggle_tag, target_tag,
                                                NULL);
              gtk_text_buffer_get_end_iter (buffer, &end);
              gtk_text_buffer_insert_with_tags (buffer, &end, "\n", -1, toggle_tag, NULL);
              self->n_folded++;
            }

          for (; i < j; i++)
            {
              guint depth = MIN (MAX (quote_depth (lines[i]), 1), MAX_QUOTE_DEPTH);

              insert_with_links (buffer, lines[i], quote_tags[depth], fold_tag);
            }
          continue;
        }

      if (strcmp (lines[i], "-- ") == 0)
        {
          for (; i < n_lines; i++)
            insert_with_links (buffer, lines[i], signature_tag, NULL);
          break;
        }

      insert_with_links (buffer, lines[i], NULL, NULL);
      i++;
    }

  gtk_text_view_set_buffer (GTK_TEXT_VIEW (self), buffer);
}

static GtkTextTag *
tag_with_data_at (PetrelTextBody *self,
                  double          x,
                  double          y,
                  const char     *key)
{
  GtkTextView *view = GTK_TEXT_VIEW (self);
  g_autoptr(GSList) tags = NULL;
  GtkTextIter iter;
  int bx, by;

  gtk_text_view_window_to_buffer_coords (view, GTK_TEXT_WINDOW_WIDGET, (int) x, (int) y,
                                         &bx, &by);
  if (!gtk_text_view_get_iter_at_location (view, &iter, bx, by))
    return NULL;

  tags = gtk_text_iter_get_tags (&iter);
  for (GSList *l = tags; l != NULL; l = l->next)
    {
      if (g_object_get_data (l->data, key) != NULL)
        return l->data;
    }

  return NULL;
}

static void
toggle_fold (PetrelTextBody *self,
             GtkTextTag     *target_tag)
{
  GtkTextTag *fold_tag = g_object_get_data (G_OBJECT (target_tag), "fold");
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (self));
  GtkTextIter start, end;
  gboolean invisible;

  g_object_get (fold_tag, "invisible", &invisible, NULL);
  g_object_set (fold_tag, "invisible", !invisible, NULL);

  /* Turn the arrow. */
  gtk_text_buffer_get_start_iter (buffer, &start);
  if (gtk_text_iter_forward_to_tag_toggle (&start, target_tag))
    {
      end = start;
      gtk_text_iter_forward_char (&end);
      gtk_text_buffer_delete (buffer, &start, &end);
      gtk_text_buffer_insert_with_tags_by_name (buffer, &start, invisible ? "▾" : "▸", -1,
                                                "fold-toggle", NULL);
      end = start;
      gtk_text_iter_backward_char (&start);
      gtk_text_buffer_apply_tag (buffer, target_tag, &start, &end);
    }
}

static void
on_click_released_cb (GtkGestureClick *gesture,
                      int              n_press,
                      double           x,
                      double           y,
                      PetrelTextBody  *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (self));
  GtkTextTag *tag;

  /* A drag that selected text is not a click. */
  if (gtk_text_buffer_get_has_selection (buffer) ||
      gtk_gesture_single_get_current_button (GTK_GESTURE_SINGLE (gesture)) != GDK_BUTTON_PRIMARY)
    return;

  if ((tag = tag_with_data_at (self, x, y, "fold")) != NULL)
    {
      toggle_fold (self, tag);
    }
  else if ((tag = tag_with_data_at (self, x, y, "uri")) != NULL)
    {
      GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

      gtk_show_uri (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                    g_object_get_data (G_OBJECT (tag), "uri"), GDK_CURRENT_TIME);
    }
}

static void
on_motion_cb (GtkEventControllerMotion *motion,
              double                    x,
              double                    y,
              PetrelTextBody           *self)
{
  gboolean over = tag_with_data_at (self, x, y, "uri") != NULL ||
                  tag_with_data_at (self, x, y, "fold") != NULL;

  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), over ? "pointer" : "text");
}

static gboolean
on_query_tooltip_cb (GtkWidget      *widget,
                     int             x,
                     int             y,
                     gboolean        keyboard,
                     GtkTooltip     *tooltip,
                     PetrelTextBody *self)
{
  GtkTextTag *tag;

  if (keyboard || (tag = tag_with_data_at (self, x, y, "uri")) == NULL)
    return FALSE;

  gtk_tooltip_set_text (tooltip, g_object_get_data (G_OBJECT (tag), "uri"));
  return TRUE;
}

static void
on_dark_changed_cb (AdwStyleManager *manager,
                    GParamSpec      *pspec,
                    PetrelTextBody  *self)
{
  fill (self);
}

static void
petrel_text_body_finalize (GObject *object)
{
  PetrelTextBody *self = PETREL_TEXT_BODY (object);

  g_clear_pointer (&self->text, g_free);

  G_OBJECT_CLASS (petrel_text_body_parent_class)->finalize (object);
}

static void
petrel_text_body_class_init (PetrelTextBodyClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = petrel_text_body_finalize;
}

static void
petrel_text_body_init (PetrelTextBody *self)
{
  GtkTextView *view = GTK_TEXT_VIEW (self);
  GtkGesture *click = gtk_gesture_click_new ();
  GtkEventController *motion = gtk_event_controller_motion_new ();

  gtk_text_view_set_editable (view, FALSE);
  gtk_text_view_set_cursor_visible (view, FALSE);
  gtk_text_view_set_wrap_mode (view, GTK_WRAP_WORD_CHAR);
  gtk_text_view_set_left_margin (view, 24);
  gtk_text_view_set_right_margin (view, 24);
  gtk_text_view_set_top_margin (view, 16);
  gtk_text_view_set_bottom_margin (view, 24);
  gtk_text_view_set_pixels_below_lines (view, 2);
  gtk_widget_add_css_class (GTK_WIDGET (self), "message-text");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Message body"), -1);

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), 0);
  g_signal_connect (click, "released", G_CALLBACK (on_click_released_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));

  g_signal_connect (motion, "motion", G_CALLBACK (on_motion_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);

  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  g_signal_connect (self, "query-tooltip", G_CALLBACK (on_query_tooltip_cb), self);

  g_signal_connect_object (adw_style_manager_get_default (), "notify::dark",
                           G_CALLBACK (on_dark_changed_cb), self, 0);
}

GtkWidget *
petrel_text_body_new (void)
{
  return g_object_new (PETREL_TYPE_TEXT_BODY, NULL);
}

/**
 * petrel_text_body_set_text:
 * @text: the message's readable text (valid UTF-8, LF line ends)
 */
void
petrel_text_body_set_text (PetrelTextBody *self,
                           const char     *text)
{
  g_return_if_fail (PETREL_IS_TEXT_BODY (self));

  g_free (self->text);
  self->text = g_strdup (text != NULL ? text : "");
  fill (self);
}

/* How many quoted blocks are folded away (until the user unfolds them). */
guint
petrel_text_body_get_n_folded (PetrelTextBody *self)
{
  g_return_val_if_fail (PETREL_IS_TEXT_BODY (self), 0);

  return self->n_folded;
}
