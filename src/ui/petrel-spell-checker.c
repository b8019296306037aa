/* petrel-spell-checker.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Spell checking for the composer (issue 9), with Enchant 2 (Debian 12 has no GTK 4 spell
 * library). A checker is attached to a GtkTextView and owned by it. It underlines misspelt
 * words with a tag, checking only the lines an edit touched, a few at a time in an idle, so
 * that typing in a long body never waits for it. It leaves alone what a dictionary cannot
 * judge and what would only annoy: web and e-mail addresses, host and file names, words with
 * digits, acronyms in capitals, camelCase names, quoted lines ("> …" or a rich text quote),
 * the signature (after a "-- " line), and the word being typed at the cursor until the cursor
 * leaves it.
 *
 * Its context menu section (the view's extra menu) offers up to five suggestions, "Add to
 * Dictionary" (Enchant's personal word list under $XDG_CONFIG_HOME/enchant), "Ignore All" (for
 * this session), whether to check at all, and the language. The language and the switch are
 * kept in the settings keys spell-check-language and spell-check when the schema is there.
 */

#include "config.h"

#include <string.h>

#include <enchant.h>
#include <glib/gi18n.h>

#include "petrel-spell-checker.h"

#ifndef ISO_CODES_XML_DIR
#define ISO_CODES_XML_DIR "/usr/share/xml/iso-codes"
#endif

#define VIEW_DATA_KEY "petrel-spell-checker"
#define MAX_MENU_SUGGESTIONS 5
/* How long one idle run may check lines before it lets the main loop go on. */
#define CHECK_BUDGET_USEC 4000
/* And at most this many lines, so that a long body always takes several runs. */
#define CHECK_MAX_LINES 200

struct _PetrelSpellChecker
{
  GObject             parent_instance;

  GtkTextView        *view;          /* borrowed: the view owns the checker */
  GtkTextBuffer      *buffer;        /* owned */
  GtkTextTag         *tag;           /* borrowed from the buffer's tag table */
  GtkTextMark        *dirty_start;   /* owned by the buffer, nullable: lines still to check */
  GtkTextMark        *dirty_end;
  guint               idle_id;

  EnchantDict        *dict;          /* borrowed from get_dict(), nullable */
  char               *language;      /* owned, nullable when no dictionary */
  gboolean            enabled;
  gboolean            typing;        /* the last change was a letter typed at the cursor */
  int                 skipped_line;  /* the line whose word at the cursor was not judged */
  GtkTextMark        *signature;     /* owned by the buffer, nullable: the "-- " line */

  GSettings          *settings;      /* owned, nullable without the installed schema */

  GMenu              *menu;          /* owned: the view's extra menu */
  GMenu              *suggestions;   /* owned: its first section */
  GMenu              *languages;     /* owned: the Language submenu */
  GSimpleActionGroup *actions;       /* owned */
  char               *menu_word;     /* owned, nullable: the misspelt word the menu is about */
  GtkTextMark        *menu_start;    /* owned by the buffer, nullable */
  GtkTextMark        *menu_end;
};

G_DEFINE_FINAL_TYPE (PetrelSpellChecker, petrel_spell_checker, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_ENABLED,
  PROP_LANGUAGE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct
{
  int   start;       /* in characters from the line start */
  int   end;
  gsize byte_start;  /* in the line's text */
  gsize byte_length;
} Word;

/* Enchant */

static EnchantBroker *
get_broker (void)
{
  static EnchantBroker *broker;

  /* One broker for the process, never freed: dictionaries are shared between views. */
  if (g_once_init_enter (&broker))
    g_once_init_leave (&broker, enchant_broker_init ());
  return broker;
}

static void
collect_dict_cb (const char * const lang_tag,
                 const char * const provider_name,
                 const char * const provider_desc,
                 const char * const provider_file,
                 void              *user_data)
{
  GPtrArray *tags = user_data;

  for (guint i = 0; i < tags->len; i++)
    if (strcmp (g_ptr_array_index (tags, i), lang_tag) == 0)
      return;
  g_ptr_array_add (tags, g_strdup (lang_tag));
}

/* Dictionaries stay loaded for the process: a composer opens without reading one again, and
 * words ignored with "Ignore All" stay ignored until Petrel quits. */
static EnchantDict *
get_dict (const char *language)
{
  static GHashTable *dicts;  /* language → EnchantDict */
  EnchantDict *dict;

  if (dicts == NULL)
    dicts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  dict = g_hash_table_lookup (dicts, language);
  if (dict == NULL)
    {
      dict = enchant_broker_request_dict (get_broker (), language);
      if (dict == NULL)
        g_debug ("Loading the spelling dictionary for “%s”: %s", language,
                 enchant_broker_get_error (get_broker ()));
      else
        g_hash_table_insert (dicts, g_strdup (language), dict);
    }
  return dict;
}

static gboolean
dict_exists (const char *language)
{
  return language != NULL && language[0] != '\0' &&
         enchant_broker_dict_exists (get_broker (), language) > 0;
}

/* Language names, from iso-codes when it is installed */

typedef struct
{
  GHashTable *table;
  const char *entry;
  const char *code_attribute;
  const char *other_code_attribute;
} IsoParse;

static void
iso_start_element_cb (GMarkupParseContext  *context,
                      const char           *element_name,
                      const char          **attribute_names,
                      const char          **attribute_values,
                      gpointer              user_data,
                      GError              **error)
{
  IsoParse *parse = user_data;
  const char *name = NULL;
  const char *codes[2] = { NULL, NULL };

  if (strcmp (element_name, parse->entry) != 0)
    return;
  for (guint i = 0; attribute_names[i] != NULL; i++)
    {
      if (strcmp (attribute_names[i], "name") == 0)
        name = attribute_values[i];
      else if (strcmp (attribute_names[i], parse->code_attribute) == 0)
        codes[0] = attribute_values[i];
      else if (parse->other_code_attribute != NULL &&
               strcmp (attribute_names[i], parse->other_code_attribute) == 0)
        codes[1] = attribute_values[i];
    }
  if (name == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    if (codes[i] != NULL && !g_hash_table_contains (parse->table, codes[i]))
      g_hash_table_insert (parse->table, g_strdup (codes[i]), g_strdup (name));
}

static GHashTable *
load_iso_table (const char *file,
                const char *entry,
                const char *code_attribute,
                const char *other_code_attribute)
{
  static const GMarkupParser parser = { iso_start_element_cb, NULL, NULL, NULL, NULL };
  g_autofree char *path = g_build_filename (ISO_CODES_XML_DIR, file, NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize length = 0;
  IsoParse parse = { NULL, entry, code_attribute, other_code_attribute };
  GMarkupParseContext *context;

  parse.table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (!g_file_get_contents (path, &contents, &length, NULL))
    return parse.table;
  context = g_markup_parse_context_new (&parser, 0, &parse, NULL);
  if (!g_markup_parse_context_parse (context, contents, length, &error) ||
      !g_markup_parse_context_end_parse (context, &error))
    g_debug ("Reading %s: %s", path, error->message);
  g_markup_parse_context_free (context);
  return parse.table;
}

/* Lines and words */

static gboolean
is_word_char (gunichar c)
{
  return g_unichar_isalnum (c) || g_unichar_ismark (c);
}

static gboolean
is_apostrophe (gunichar c)
{
  return c == '\'' || c == 0x2019;
}

static gboolean
is_chunk_separator (gunichar c)
{
  /* 0xFFFC stands for an image or a widget in the buffer. */
  return g_unichar_isspace (c) || c == 0xFFFC;
}

/* A run of text between spaces that is an address or a name of something, not words. */
static gboolean
chunk_is_skipped (const char *chunk,
                  gsize       length)
{
  g_autofree char *text = g_strndup (chunk, length);

  if (strstr (text, "://") != NULL || strchr (text, '@') != NULL ||
      strchr (text, '/') != NULL || strchr (text, '\\') != NULL || strchr (text, '_') != NULL ||
      g_ascii_strncasecmp (text, "www.", 4) == 0 || g_ascii_strncasecmp (text, "mailto:", 7) == 0)
    return TRUE;
  /* A dot followed by a letter or digit: a host or file name (example.org, notes.txt). */
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    if (*p == '.' && p > text && p[1] != '\0' && is_word_char (g_utf8_get_char (p + 1)))
      return TRUE;
  return FALSE;
}

/* Whether a dictionary should judge @word: not numbers, acronyms, names in camelCase or
 * single letters. */
static gboolean
word_is_checked (const char *word,
                 gsize       length)
{
  guint n_chars = 0, n_upper = 0, n_lower = 0;
  gboolean lower_seen = FALSE;

  for (const char *p = word; p < word + length; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isdigit (c))
        return FALSE;
      if (g_unichar_isupper (c))
        {
          if (lower_seen)
            return FALSE;
          n_upper++;
        }
      else if (g_unichar_islower (c))
        {
          n_lower++;
          lower_seen = TRUE;
        }
      n_chars++;
    }
  if (n_chars < 2)
    return FALSE;
  if (n_upper >= 2 && n_lower == 0)
    return FALSE;
  return TRUE;
}

/* The words of one line's text that are to be checked. */
static GArray *
scan_line (const char *text)
{
  GArray *words = g_array_new (FALSE, FALSE, sizeof (Word));
  const char *p = text;
  int offset = 0;

  while (*p != '\0')
    {
      const char *chunk = p;
      int chunk_offset = offset;
      const char *q;
      int o;

      if (is_chunk_separator (g_utf8_get_char (p)))
        {
          p = g_utf8_next_char (p);
          offset++;
          continue;
        }
      while (*p != '\0' && !is_chunk_separator (g_utf8_get_char (p)))
        {
          p = g_utf8_next_char (p);
          offset++;
        }
      if (chunk_is_skipped (chunk, p - chunk))
        continue;

      q = chunk;
      o = chunk_offset;
      while (q < p)
        {
          const char *word = q;
          int word_offset = o;

          if (!is_word_char (g_utf8_get_char (q)))
            {
              q = g_utf8_next_char (q);
              o++;
              continue;
            }
          while (q < p)
            {
              gunichar c = g_utf8_get_char (q);
              const char *next = g_utf8_next_char (q);

              /* An apostrophe between letters is part of the word (don't, l'été). */
              if (is_word_char (c) ||
                  (is_apostrophe (c) && next < p && is_word_char (g_utf8_get_char (next))))
                {
                  q = next;
                  o++;
                  continue;
                }
              break;
            }
          if (word_is_checked (word, q - word))
            {
              Word w = { word_offset, o, word - text, q - word };

              g_array_append_val (words, w);
            }
        }
    }
  return words;
}

static char *
line_text (PetrelSpellChecker *self,
           int                 line,
           GtkTextIter        *start,
           GtkTextIter        *end)
{
  gtk_text_buffer_get_iter_at_line (self->buffer, start, line);
  *end = *start;
  if (!gtk_text_iter_ends_line (end))
    gtk_text_iter_forward_to_line_end (end);
  return gtk_text_iter_get_slice (start, end);
}

static gboolean
line_is_quoted (PetrelSpellChecker *self,
                const GtkTextIter  *line_start,
                const char         *text)
{
  GtkTextTagTable *table = gtk_text_buffer_get_tag_table (self->buffer);
  GtkTextTag *quote = gtk_text_tag_table_lookup (table, "petrel-quote");
  const char *p = text;

  /* A rich text quote carries the tag; a plain one starts with ">". */
  if (quote != NULL && gtk_text_iter_has_tag (line_start, quote))
    return TRUE;
  while (*p == ' ' || *p == '\t')
    p++;
  return *p == '>';
}

/* Dictionaries know the typewriter apostrophe, not the typographic one. */
static char *
normalize_word (const char *word,
                gssize      length)
{
  GString *normal = g_string_new_len (word, length < 0 ? (gssize) strlen (word) : length);

  g_string_replace (normal, "\xe2\x80\x99", "'", 0);
  return g_string_free (normal, FALSE);
}

static gboolean
dict_check (PetrelSpellChecker *self,
            const char         *word,
            gssize              length)
{
  g_autofree char *normal = normalize_word (word, length);

  return enchant_dict_check (self->dict, normal, -1) == 0;
}

static gboolean
is_signature_separator (PetrelSpellChecker *self,
                        int                 line)
{
  GtkTextIter start, end;
  g_autofree char *text = NULL;

  gtk_text_buffer_get_iter_at_line (self->buffer, &start, line);
  if (gtk_text_iter_get_chars_in_line (&start) > 4)
    return FALSE;
  text = line_text (self, line, &start, &end);
  return strcmp (text, "-- ") == 0 || strcmp (text, "--") == 0;
}

static int
signature_line (PetrelSpellChecker *self)
{
  GtkTextIter iter;

  if (self->signature == NULL)
    return -1;
  gtk_text_buffer_get_iter_at_mark (self->buffer, &iter, self->signature);
  return gtk_text_iter_get_line (&iter);
}

/* Follows the signature separator after a change to lines @first to @last.
 * Returns: whether it moved (the lines after it are to be checked again) */
static gboolean
update_signature (PetrelSpellChecker *self,
                  int                 first,
                  int                 last)
{
  int old = signature_line (self);
  int now = old;

  /* The separator itself was changed: look for one again everywhere. */
  if (old >= 0 && !is_signature_separator (self, old))
    {
      now = -1;
      first = 0;
      last = gtk_text_buffer_get_line_count (self->buffer) - 1;
    }
  for (int line = first; line <= last && (now < 0 || line < now); line++)
    if (is_signature_separator (self, line))
      now = line;
  if (now == old)
    return FALSE;

  if (self->signature != NULL)
    gtk_text_buffer_delete_mark (self->buffer, self->signature);
  self->signature = NULL;
  if (now >= 0)
    {
      GtkTextIter iter;

      gtk_text_buffer_get_iter_at_line (self->buffer, &iter, now);
      self->signature = gtk_text_buffer_create_mark (self->buffer, NULL, &iter, TRUE);
    }
  return TRUE;
}

static void
check_line (PetrelSpellChecker *self,
            int                 line)
{
  GtkTextIter start, end, cursor;
  g_autofree char *text = line_text (self, line, &start, &end);
  g_autoptr(GArray) words = NULL;
  gboolean at_cursor;

  gtk_text_buffer_remove_tag (self->buffer, self->tag, &start, &end);
  if (self->dict == NULL || !self->enabled || line_is_quoted (self, &start, text))
    return;
  /* Names and titles in a signature are no misspellings. */
  if (self->signature != NULL && line > signature_line (self))
    return;

  gtk_text_buffer_get_iter_at_mark (self->buffer, &cursor,
                                    gtk_text_buffer_get_insert (self->buffer));
  /* The word being typed is judged once it is finished: red under every half-typed word
   * only distracts. */
  at_cursor = self->typing && gtk_widget_has_focus (GTK_WIDGET (self->view)) &&
              gtk_text_iter_get_line (&cursor) == line;

  words = scan_line (text);
  for (guint i = 0; i < words->len; i++)
    {
      Word *w = &g_array_index (words, Word, i);
      GtkTextIter word_start, word_end;

      if (at_cursor && gtk_text_iter_get_line_offset (&cursor) == w->end)
        {
          self->skipped_line = line;
          continue;
        }
      if (dict_check (self, text + w->byte_start, w->byte_length))
        continue;
      gtk_text_buffer_get_iter_at_line_offset (self->buffer, &word_start, line, w->start);
      gtk_text_buffer_get_iter_at_line_offset (self->buffer, &word_end, line, w->end);
      gtk_text_buffer_apply_tag (self->buffer, self->tag, &word_start, &word_end);
    }
}

/* Finds the checked word at @iter (its start up to its end inclusive). */
static char *
word_at (PetrelSpellChecker *self,
         const GtkTextIter  *iter,
         GtkTextIter        *word_start,
         GtkTextIter        *word_end)
{
  GtkTextIter start, end;
  int line = gtk_text_iter_get_line (iter);
  int offset = gtk_text_iter_get_line_offset (iter);
  g_autofree char *text = line_text (self, line, &start, &end);
  g_autoptr(GArray) words = NULL;

  if (line_is_quoted (self, &start, text) ||
      (self->signature != NULL && line > signature_line (self)))
    return NULL;
  words = scan_line (text);
  for (guint i = 0; i < words->len; i++)
    {
      Word *w = &g_array_index (words, Word, i);

      if (offset < w->start || offset > w->end)
        continue;
      gtk_text_buffer_get_iter_at_line_offset (self->buffer, word_start, line, w->start);
      gtk_text_buffer_get_iter_at_line_offset (self->buffer, word_end, line, w->end);
      return g_strndup (text + w->byte_start, w->byte_length);
    }
  return NULL;
}

/* Incremental checking */

static void
clear_dirty (PetrelSpellChecker *self)
{
  g_clear_handle_id (&self->idle_id, g_source_remove);
  if (self->dirty_start != NULL)
    {
      gtk_text_buffer_delete_mark (self->buffer, self->dirty_start);
      gtk_text_buffer_delete_mark (self->buffer, self->dirty_end);
      self->dirty_start = NULL;
      self->dirty_end = NULL;
    }
}

static gboolean
check_idle_cb (gpointer user_data)
{
  PetrelSpellChecker *self = user_data;
  gint64 deadline = g_get_monotonic_time () + CHECK_BUDGET_USEC;
  GtkTextIter start, end;
  int line, last;
  guint n = 0;

  gtk_text_buffer_get_iter_at_mark (self->buffer, &start, self->dirty_start);
  gtk_text_buffer_get_iter_at_mark (self->buffer, &end, self->dirty_end);
  line = gtk_text_iter_get_line (&start);
  last = gtk_text_iter_get_line (&end);

  while (line <= last)
    {
      check_line (self, line++);
      if (++n >= CHECK_MAX_LINES || (n % 8 == 0 && g_get_monotonic_time () > deadline))
        break;
    }
  if (line > last)
    {
      self->idle_id = 0;
      clear_dirty (self);
      return G_SOURCE_REMOVE;
    }
  gtk_text_buffer_get_iter_at_line (self->buffer, &start, line);
  gtk_text_buffer_move_mark (self->buffer, self->dirty_start, &start);
  return G_SOURCE_CONTINUE;
}

/* Queues the lines from @from's to @to's for checking. */
static void
mark_dirty (PetrelSpellChecker *self,
            const GtkTextIter  *from,
            const GtkTextIter  *to)
{
  GtkTextIter start = *from, end = *to;

  if (self->dict == NULL || !self->enabled)
    return;

  gtk_text_iter_order (&start, &end);
  gtk_text_iter_set_line_offset (&start, 0);
  if (!gtk_text_iter_ends_line (&end))
    gtk_text_iter_forward_to_line_end (&end);
  if (self->dirty_start == NULL)
    {
      self->dirty_start = gtk_text_buffer_create_mark (self->buffer, NULL, &start, TRUE);
      self->dirty_end = gtk_text_buffer_create_mark (self->buffer, NULL, &end, FALSE);
    }
  else
    {
      GtkTextIter old_start, old_end;

      gtk_text_buffer_get_iter_at_mark (self->buffer, &old_start, self->dirty_start);
      gtk_text_buffer_get_iter_at_mark (self->buffer, &old_end, self->dirty_end);
      if (gtk_text_iter_compare (&old_start, &start) < 0)
        start = old_start;
      if (gtk_text_iter_compare (&old_end, &end) > 0)
        end = old_end;
      gtk_text_buffer_move_mark (self->buffer, self->dirty_start, &start);
      gtk_text_buffer_move_mark (self->buffer, self->dirty_end, &end);
    }
  if (self->idle_id == 0)
    self->idle_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, check_idle_cb, self, NULL);
}

static void
recheck_all (PetrelSpellChecker *self)
{
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (self->buffer, &start, &end);
  clear_dirty (self);
  update_signature (self, 0, gtk_text_iter_get_line (&end));
  if (self->dict == NULL || !self->enabled)
    gtk_text_buffer_remove_tag (self->buffer, self->tag, &start, &end);
  else
    mark_dirty (self, &start, &end);
}

/* Takes the tag off every occurrence of @word (added to a dictionary or ignored). */
static void
untag_word (PetrelSpellChecker *self,
            const char         *word)
{
  GtkTextIter iter;

  gtk_text_buffer_get_start_iter (self->buffer, &iter);
  if (!gtk_text_iter_starts_tag (&iter, self->tag))
    gtk_text_iter_forward_to_tag_toggle (&iter, self->tag);
  while (!gtk_text_iter_is_end (&iter))
    {
      GtkTextIter end = iter;
      g_autofree char *text = NULL;

      gtk_text_iter_forward_to_tag_toggle (&end, self->tag);
      text = gtk_text_iter_get_slice (&iter, &end);
      if (strcmp (text, word) == 0)
        gtk_text_buffer_remove_tag (self->buffer, self->tag, &iter, &end);
      iter = end;
      /* To the next run's start. */
      if (!gtk_text_iter_forward_to_tag_toggle (&iter, self->tag))
        break;
    }
}

/* Callbacks */

static void
on_insert_text_after_cb (GtkTextBuffer      *buffer,
                         GtkTextIter        *location,
                         const char         *text,
                         int                 length,
                         PetrelSpellChecker *self)
{
  GtkTextIter start = *location;
  glong n_chars = g_utf8_strlen (text, length);

  self->typing = n_chars == 1 && is_word_char (g_utf8_get_char (text));
  gtk_text_iter_backward_chars (&start, n_chars);
  mark_dirty (self, &start, location);
  if (self->dict != NULL && self->enabled &&
      update_signature (self, gtk_text_iter_get_line (&start),
                        gtk_text_iter_get_line (location)))
    recheck_all (self);
}

static void
on_delete_range_after_cb (GtkTextBuffer      *buffer,
                          GtkTextIter        *start,
                          GtkTextIter        *end,
                          PetrelSpellChecker *self)
{
  self->typing = FALSE;
  mark_dirty (self, start, end);
  if (self->dict != NULL && self->enabled &&
      update_signature (self, gtk_text_iter_get_line (start), gtk_text_iter_get_line (end)))
    recheck_all (self);
}

static void
on_mark_set_cb (GtkTextBuffer      *buffer,
                const GtkTextIter  *location,
                GtkTextMark        *mark,
                PetrelSpellChecker *self)
{
  GtkTextIter line;

  if (mark != gtk_text_buffer_get_insert (buffer))
    return;
  self->typing = FALSE;
  /* The cursor left the word it kept from being judged. */
  if (self->skipped_line >= 0 && self->skipped_line < gtk_text_buffer_get_line_count (buffer))
    {
      gtk_text_buffer_get_iter_at_line (buffer, &line, self->skipped_line);
      self->skipped_line = -1;
      mark_dirty (self, &line, &line);
    }
}

static void
on_click_pressed_cb (GtkGestureClick    *gesture,
                     int                 n_press,
                     double              x,
                     double              y,
                     PetrelSpellChecker *self)
{
  GdkEvent *event = gtk_event_controller_get_current_event (GTK_EVENT_CONTROLLER (gesture));
  GtkTextIter iter;
  int buffer_x, buffer_y;

  /* Only looks: the view opens its menu itself, with our section updated for the word. */
  if (event == NULL || !gdk_event_triggers_context_menu (event))
    return;
  gtk_text_view_window_to_buffer_coords (self->view, GTK_TEXT_WINDOW_WIDGET, (int) x, (int) y,
                                         &buffer_x, &buffer_y);
  gtk_text_view_get_iter_at_location (self->view, &iter, buffer_x, buffer_y);
  petrel_spell_checker_update_menu_at (self, &iter);
}

static gboolean
on_key_pressed_cb (GtkEventControllerKey *controller,
                   guint                  keyval,
                   guint                  keycode,
                   GdkModifierType        state,
                   PetrelSpellChecker    *self)
{
  if (keyval == GDK_KEY_Menu || (keyval == GDK_KEY_F10 && (state & GDK_SHIFT_MASK) != 0))
    {
      GtkTextIter cursor;

      gtk_text_buffer_get_iter_at_mark (self->buffer, &cursor,
                                        gtk_text_buffer_get_insert (self->buffer));
      petrel_spell_checker_update_menu_at (self, &cursor);
    }
  return FALSE;
}

static void
on_settings_language_changed_cb (GSettings          *settings,
                                 const char         *key,
                                 PetrelSpellChecker *self)
{
  g_autofree char *language = g_settings_get_string (settings, key);

  if (language[0] != '\0' && g_strcmp0 (language, self->language) != 0)
    petrel_spell_checker_set_language (self, language);
}

/* Actions */

static void
replace_activated_cb (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  PetrelSpellChecker *self = user_data;
  const char *replacement = g_variant_get_string (parameter, NULL);
  GtkTextIter start, end;

  if (self->menu_word == NULL)
    return;
  gtk_text_buffer_get_iter_at_mark (self->buffer, &start, self->menu_start);
  gtk_text_buffer_get_iter_at_mark (self->buffer, &end, self->menu_end);
  /* The word may have changed since the menu opened. */
  {
    g_autofree char *now = gtk_text_iter_get_slice (&start, &end);

    if (strcmp (now, self->menu_word) != 0)
      return;
  }
  if (self->dict != NULL)
    {
      g_autofree char *normal = normalize_word (self->menu_word, -1);

      enchant_dict_store_replacement (self->dict, normal, -1, replacement, -1);
    }

  /* With the cursor at the word, a rich text view gives the replacement its formatting. */
  gtk_text_buffer_place_cursor (self->buffer, &end);
  gtk_text_buffer_begin_user_action (self->buffer);
  gtk_text_buffer_delete (self->buffer, &start, &end);
  gtk_text_buffer_insert (self->buffer, &start, replacement, -1);
  gtk_text_buffer_end_user_action (self->buffer);
  gtk_text_buffer_place_cursor (self->buffer, &start);
  petrel_spell_checker_update_menu_at (self, &start);
}

static void
add_activated_cb (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  PetrelSpellChecker *self = user_data;
  g_autofree char *word = g_strdup (self->menu_word);

  if (word != NULL)
    petrel_spell_checker_add_word (self, word);
}

static void
ignore_activated_cb (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  PetrelSpellChecker *self = user_data;
  g_autofree char *word = g_strdup (self->menu_word);

  if (word != NULL)
    petrel_spell_checker_ignore_word (self, word);
}

static void
language_change_state_cb (GSimpleAction *action,
                          GVariant      *value,
                          gpointer       user_data)
{
  petrel_spell_checker_set_language (user_data, g_variant_get_string (value, NULL));
}

static void
enabled_change_state_cb (GSimpleAction *action,
                         GVariant      *value,
                         gpointer       user_data)
{
  petrel_spell_checker_set_enabled (user_data, g_variant_get_boolean (value));
}

static void
update_actions (PetrelSpellChecker *self)
{
  GAction *action;

  action = g_action_map_lookup_action (G_ACTION_MAP (self->actions), "add");
  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), self->menu_word != NULL);
  action = g_action_map_lookup_action (G_ACTION_MAP (self->actions), "ignore");
  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), self->menu_word != NULL);
  action = g_action_map_lookup_action (G_ACTION_MAP (self->actions), "language");
  g_simple_action_set_state (G_SIMPLE_ACTION (action),
                             g_variant_new_string (self->language != NULL ? self->language : ""));
  action = g_action_map_lookup_action (G_ACTION_MAP (self->actions), "enabled");
  g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_boolean (self->enabled));
}

static void
clear_menu_word (PetrelSpellChecker *self)
{
  g_clear_pointer (&self->menu_word, g_free);
  if (self->menu_start != NULL)
    {
      gtk_text_buffer_delete_mark (self->buffer, self->menu_start);
      gtk_text_buffer_delete_mark (self->buffer, self->menu_end);
      self->menu_start = NULL;
      self->menu_end = NULL;
    }
}

static void
build_menu (PetrelSpellChecker *self)
{
  static const GActionEntry entries[] = {
    { "replace", replace_activated_cb, "s", NULL, NULL, { 0 } },
    { "add", add_activated_cb, NULL, NULL, NULL, { 0 } },
    { "ignore", ignore_activated_cb, NULL, NULL, NULL, { 0 } },
    { "no-suggestions", NULL, NULL, NULL, NULL, { 0 } },
    { "language", NULL, "s", "''", language_change_state_cb, { 0 } },
    { "enabled", NULL, NULL, "true", enabled_change_state_cb, { 0 } },
  };
  g_auto(GStrv) tags = petrel_spell_checker_list_languages ();
  g_autoptr(GMenu) words = g_menu_new ();
  g_autoptr(GMenu) options = g_menu_new ();
  g_autoptr(GMenuItem) item = NULL;

  self->actions = g_simple_action_group_new ();
  g_action_map_add_action_entries (G_ACTION_MAP (self->actions), entries,
                                   G_N_ELEMENTS (entries), self);
  g_simple_action_set_enabled (
    G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self->actions),
                                                 "no-suggestions")), FALSE);
  gtk_widget_insert_action_group (GTK_WIDGET (self->view), "spell",
                                  G_ACTION_GROUP (self->actions));

  self->menu = g_menu_new ();
  self->suggestions = g_menu_new ();
  g_menu_append_section (self->menu, NULL, G_MENU_MODEL (self->suggestions));

  item = g_menu_item_new (_("_Add to Dictionary"), "spell.add");
  g_menu_item_set_attribute (item, "hidden-when", "s", "action-disabled");
  g_menu_append_item (words, item);
  g_clear_object (&item);
  item = g_menu_item_new (_("_Ignore All"), "spell.ignore");
  g_menu_item_set_attribute (item, "hidden-when", "s", "action-disabled");
  g_menu_append_item (words, item);
  g_clear_object (&item);
  g_menu_append_section (self->menu, NULL, G_MENU_MODEL (words));

  g_menu_append (options, _("_Check Spelling"), "spell.enabled");
  self->languages = g_menu_new ();
  for (guint i = 0; tags[i] != NULL; i++)
    {
      g_autofree char *name = petrel_spell_checker_dup_language_name (tags[i]);

      item = g_menu_item_new (name, NULL);
      g_menu_item_set_action_and_target_value (item, "spell.language",
                                               g_variant_new_string (tags[i]));
      g_menu_append_item (self->languages, item);
      g_clear_object (&item);
    }
  g_menu_append_submenu (options, _("_Language"), G_MENU_MODEL (self->languages));
  g_menu_append_section (self->menu, NULL, G_MENU_MODEL (options));

  gtk_text_view_set_extra_menu (self->view, G_MENU_MODEL (self->menu));
  update_actions (self);
}

static void
connect_view (PetrelSpellChecker *self)
{
  GtkGesture *click = gtk_gesture_click_new ();
  GtkEventController *key = gtk_event_controller_key_new ();

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), 0);
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (click), GTK_PHASE_CAPTURE);
  g_signal_connect_object (click, "pressed", G_CALLBACK (on_click_pressed_cb), self, 0);
  gtk_widget_add_controller (GTK_WIDGET (self->view), GTK_EVENT_CONTROLLER (click));

  gtk_event_controller_set_propagation_phase (key, GTK_PHASE_CAPTURE);
  g_signal_connect_object (key, "key-pressed", G_CALLBACK (on_key_pressed_cb), self, 0);
  gtk_widget_add_controller (GTK_WIDGET (self->view), key);

  g_signal_connect_object (self->buffer, "insert-text", G_CALLBACK (on_insert_text_after_cb),
                           self, G_CONNECT_AFTER);
  g_signal_connect_object (self->buffer, "delete-range", G_CALLBACK (on_delete_range_after_cb),
                           self, G_CONNECT_AFTER);
  g_signal_connect_object (self->buffer, "mark-set", G_CALLBACK (on_mark_set_cb), self, 0);
}

/* The language to start with: the remembered one, else the user's, else American English. */
static char *
pick_language (PetrelSpellChecker *self)
{
  const char * const *names = g_get_language_names ();
  g_auto(GStrv) tags = NULL;

  if (self->settings != NULL)
    {
      g_autofree char *saved = g_settings_get_string (self->settings, "spell-check-language");

      if (dict_exists (saved))
        return g_steal_pointer (&saved);
    }
  for (guint i = 0; names[i] != NULL; i++)
    if (strchr (names[i], '.') == NULL && strchr (names[i], '@') == NULL &&
        strcmp (names[i], "C") != 0 && strcmp (names[i], "POSIX") != 0 &&
        dict_exists (names[i]))
      return g_strdup (names[i]);
  if (dict_exists ("en_US"))
    return g_strdup ("en_US");
  tags = petrel_spell_checker_list_languages ();
  return g_strdup (tags[0]);
}

static GSettings *
new_settings_if_installed (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APPLICATION_ID, TRUE);
  if (schema == NULL || !g_settings_schema_has_key (schema, "spell-check") ||
      !g_settings_schema_has_key (schema, "spell-check-language"))
    return NULL;
  return g_settings_new (APPLICATION_ID);
}

static gboolean apply_language (PetrelSpellChecker *self,
                                const char         *language,
                                gboolean            remember);

/* GObject */

static void
petrel_spell_checker_dispose (GObject *object)
{
  PetrelSpellChecker *self = PETREL_SPELL_CHECKER (object);

  g_clear_handle_id (&self->idle_id, g_source_remove);
  g_clear_object (&self->settings);
  g_clear_object (&self->actions);
  g_clear_object (&self->suggestions);
  g_clear_object (&self->languages);
  g_clear_object (&self->menu);
  /* The marks go with the buffer. */
  self->dirty_start = self->dirty_end = self->menu_start = self->menu_end = NULL;
  self->signature = NULL;
  g_clear_object (&self->buffer);

  G_OBJECT_CLASS (petrel_spell_checker_parent_class)->dispose (object);
}

static void
petrel_spell_checker_finalize (GObject *object)
{
  PetrelSpellChecker *self = PETREL_SPELL_CHECKER (object);

  g_free (self->language);
  g_free (self->menu_word);

  G_OBJECT_CLASS (petrel_spell_checker_parent_class)->finalize (object);
}

static void
petrel_spell_checker_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  PetrelSpellChecker *self = PETREL_SPELL_CHECKER (object);

  switch (prop_id)
    {
    case PROP_ENABLED:
      g_value_set_boolean (value, self->enabled);
      break;
    case PROP_LANGUAGE:
      g_value_set_string (value, self->language);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
petrel_spell_checker_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  PetrelSpellChecker *self = PETREL_SPELL_CHECKER (object);

  switch (prop_id)
    {
    case PROP_ENABLED:
      petrel_spell_checker_set_enabled (self, g_value_get_boolean (value));
      break;
    case PROP_LANGUAGE:
      petrel_spell_checker_set_language (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
petrel_spell_checker_class_init (PetrelSpellCheckerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = petrel_spell_checker_dispose;
  object_class->finalize = petrel_spell_checker_finalize;
  object_class->get_property = petrel_spell_checker_get_property;
  object_class->set_property = petrel_spell_checker_set_property;

  properties[PROP_ENABLED] =
    g_param_spec_boolean ("enabled", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LANGUAGE] =
    g_param_spec_string ("language", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
petrel_spell_checker_init (PetrelSpellChecker *self)
{
  self->enabled = TRUE;
  self->skipped_line = -1;
}

/* Public API */

/**
 * petrel_spell_checker_attach:
 * @view: a text view
 *
 * Starts checking the spelling in @view (its buffer at this time). Without any Enchant
 * dictionary the checker does nothing (and says so once in the log).
 *
 * Returns: (transfer none): the checker of @view, which owns it; the same one when called
 *   again
 */
PetrelSpellChecker *
petrel_spell_checker_attach (GtkTextView *view)
{
  PetrelSpellChecker *self;
  g_autofree char *language = NULL;

  g_return_val_if_fail (GTK_IS_TEXT_VIEW (view), NULL);

  self = petrel_spell_checker_get_for_view (view);
  if (self != NULL)
    return self;

  self = g_object_new (PETREL_TYPE_SPELL_CHECKER, NULL);
  g_object_set_data_full (G_OBJECT (view), VIEW_DATA_KEY, self, g_object_unref);
  self->view = view;
  self->buffer = g_object_ref (gtk_text_view_get_buffer (view));
  self->tag = gtk_text_buffer_create_tag (self->buffer, "petrel-spell-error",
                                          "underline", PANGO_UNDERLINE_ERROR,
                                          "underline-rgba", &(GdkRGBA) { 0.88, 0.11, 0.14, 1.0 },
                                          NULL);
  self->settings = new_settings_if_installed ();

  language = pick_language (self);
  if (language == NULL)
    {
      static gsize logged;

      if (g_once_init_enter (&logged))
        {
          g_message ("No spelling dictionary found (Enchant 2 with hunspell-en-us or another "
                     "dictionary package): spell checking is off");
          g_once_init_leave (&logged, 1);
        }
      return self;
    }

  apply_language (self, language, FALSE);
  build_menu (self);
  connect_view (self);
  if (self->settings != NULL)
    {
      g_settings_bind (self->settings, "spell-check", self, "enabled", G_SETTINGS_BIND_DEFAULT);
      g_signal_connect_object (self->settings, "changed::spell-check-language",
                               G_CALLBACK (on_settings_language_changed_cb), self, 0);
    }
  recheck_all (self);
  return self;
}

/**
 * petrel_spell_checker_get_for_view:
 *
 * Returns: (transfer none) (nullable): the checker attached to @view
 */
PetrelSpellChecker *
petrel_spell_checker_get_for_view (GtkTextView *view)
{
  g_return_val_if_fail (GTK_IS_TEXT_VIEW (view), NULL);
  return g_object_get_data (G_OBJECT (view), VIEW_DATA_KEY);
}

/**
 * petrel_spell_checker_get_available:
 *
 * Returns: whether there is a dictionary to check with
 */
gboolean
petrel_spell_checker_get_available (PetrelSpellChecker *self)
{
  g_return_val_if_fail (PETREL_IS_SPELL_CHECKER (self), FALSE);
  return self->dict != NULL;
}

gboolean
petrel_spell_checker_get_enabled (PetrelSpellChecker *self)
{
  g_return_val_if_fail (PETREL_IS_SPELL_CHECKER (self), FALSE);
  return self->enabled;
}

/**
 * petrel_spell_checker_set_enabled:
 * @self: a spell checker
 * @enabled: whether to check
 *
 * Turns checking on (the whole text is checked again, in the background) or off (the
 * underlines go).
 */
void
petrel_spell_checker_set_enabled (PetrelSpellChecker *self,
                                  gboolean            enabled)
{
  g_return_if_fail (PETREL_IS_SPELL_CHECKER (self));

  enabled = !!enabled;
  if (self->enabled == enabled)
    return;
  self->enabled = enabled;
  if (self->buffer != NULL)
    recheck_all (self);
  if (self->actions != NULL)
    update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENABLED]);
}

/**
 * petrel_spell_checker_get_language:
 *
 * Returns: (nullable): the dictionary's language tag ("en_US"), %NULL without a dictionary
 */
const char *
petrel_spell_checker_get_language (PetrelSpellChecker *self)
{
  g_return_val_if_fail (PETREL_IS_SPELL_CHECKER (self), NULL);
  return self->language;
}

/**
 * petrel_spell_checker_set_language:
 * @self: a spell checker
 * @language: a language tag Enchant has a dictionary for ("de_DE")
 *
 * Checks with @language's dictionary from now on, and remembers it in the settings.
 *
 * Returns: %FALSE, changing nothing, when there is no dictionary for @language
 */
gboolean
petrel_spell_checker_set_language (PetrelSpellChecker *self,
                                   const char         *language)
{
  g_return_val_if_fail (PETREL_IS_SPELL_CHECKER (self), FALSE);
  return apply_language (self, language, TRUE);
}

static gboolean
apply_language (PetrelSpellChecker *self,
                const char         *language,
                gboolean            remember)
{
  EnchantDict *dict;

  if (g_strcmp0 (language, self->language) == 0)
    return TRUE;
  if (!dict_exists (language))
    {
      g_debug ("No spelling dictionary for “%s”", language != NULL ? language : "");
      return FALSE;
    }
  dict = get_dict (language);
  if (dict == NULL)
    return FALSE;
  self->dict = dict;
  g_free (self->language);
  self->language = g_strdup (language);

  if (remember && self->settings != NULL)
    {
      g_autofree char *saved = g_settings_get_string (self->settings, "spell-check-language");

      if (g_strcmp0 (saved, language) != 0)
        g_settings_set_string (self->settings, "spell-check-language", language);
    }
  if (self->actions != NULL)
    {
      clear_menu_word (self);
      g_menu_remove_all (self->suggestions);
      update_actions (self);
      recheck_all (self);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LANGUAGE]);
  return TRUE;
}

static int
compare_names (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  GHashTable *names = user_data;

  return g_utf8_collate (g_hash_table_lookup (names, *(char **) a),
                         g_hash_table_lookup (names, *(char **) b));
}

/**
 * petrel_spell_checker_list_languages:
 *
 * Returns: (transfer full): the tags of the languages Enchant has dictionaries for, sorted by
 *   their names
 */
char **
petrel_spell_checker_list_languages (void)
{
  g_autoptr(GPtrArray) tags = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);

  enchant_broker_list_dicts (get_broker (), collect_dict_cb, tags);
  for (guint i = 0; i < tags->len; i++)
    g_hash_table_insert (names, g_ptr_array_index (tags, i),
                         petrel_spell_checker_dup_language_name (g_ptr_array_index (tags, i)));
  g_ptr_array_sort_with_data (tags, compare_names, names);
  g_ptr_array_add (tags, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&tags), FALSE);
}

/**
 * petrel_spell_checker_dup_language_name:
 * @language: a language tag ("en_US", "fr", "de_DE_frami")
 *
 * Returns: (transfer full): the language's name for people, in the user's language when
 *   iso-codes has it ("English (United States)"); the tag itself for an unknown language
 */
char *
petrel_spell_checker_dup_language_name (const char *language)
{
  static GHashTable *languages;
  static GHashTable *countries;
  g_auto(GStrv) parts = NULL;
  const char *name;
  const char *country;

  g_return_val_if_fail (language != NULL, NULL);

  if (g_once_init_enter (&languages))
    {
      /* The names are shown in GTK: UTF-8 whatever the locale's character set. */
      bind_textdomain_codeset ("iso_639-2", "UTF-8");
      bind_textdomain_codeset ("iso_3166-1", "UTF-8");
      countries = load_iso_table ("iso_3166-1.xml", "iso_3166_entry", "alpha_2_code", NULL);
      g_once_init_leave (&languages, load_iso_table ("iso_639-2.xml", "iso_639_entry",
                                                     "iso_639_1_code", "iso_639_2T_code"));
    }

  parts = g_strsplit_set (language, "_-", 3);
  name = parts[0] != NULL ? g_hash_table_lookup (languages, parts[0]) : NULL;
  if (name == NULL)
    return g_strdup (language);
  name = g_dgettext ("iso_639-2", name);
  if (parts[1] == NULL)
    return g_strdup (name);
  country = g_hash_table_lookup (countries, parts[1]);
  country = country != NULL ? g_dgettext ("iso_3166-1", country) : parts[1];
  if (parts[2] != NULL)
    /* TRANSLATORS: a dictionary's language, country and variant: "German (Germany, frami)" */
    return g_strdup_printf (C_("spell language", "%s (%s, %s)"), name, country, parts[2]);
  /* TRANSLATORS: a dictionary's language and country: "English (United States)" */
  return g_strdup_printf (C_("spell language", "%s (%s)"), name, country);
}

/**
 * petrel_spell_checker_check_word:
 * @self: a spell checker
 * @word: one word
 *
 * Returns: whether @word is spelt right (or there is no dictionary to tell)
 */
gboolean
petrel_spell_checker_check_word (PetrelSpellChecker *self,
                                 const char         *word)
{
  g_return_val_if_fail (PETREL_IS_SPELL_CHECKER (self), TRUE);
  g_return_val_if_fail (word != NULL, TRUE);

  if (self->dict == NULL || word[0] == '\0')
    return TRUE;
  return dict_check (self, word, -1);
}

/**
 * petrel_spell_checker_dup_suggestions:
 * @self: a spell checker
 * @word: a misspelt word
 * @max: at most this many
 *
 * Returns: (transfer full): the dictionary's suggestions for @word, best first
 */
char **
petrel_spell_checker_dup_suggestions (PetrelSpellChecker *self,
                                      const char         *word,
                                      guint               max)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  char **found;
  size_t n = 0;

  g_return_val_if_fail (PETREL_IS_SPELL_CHECKER (self), NULL);
  g_return_val_if_fail (word != NULL, NULL);

  if (self->dict != NULL && word[0] != '\0')
    {
      g_autofree char *normal = normalize_word (word, -1);

      found = enchant_dict_suggest (self->dict, normal, -1, &n);
      for (size_t i = 0; i < n && i < max; i++)
        g_strv_builder_add (builder, found[i]);
      if (found != NULL)
        enchant_dict_free_string_list (self->dict, found);
    }
  return g_strv_builder_end (builder);
}

/* Accepts @word for good (the personal dictionary) or, with @session, until Petrel quits; takes
 * the underline off it. */
static void
accept_word (PetrelSpellChecker *self,
             const char         *word,
             gboolean            session)
{
  g_autofree char *normal = NULL;

  if (self->dict == NULL)
    return;
  normal = normalize_word (word, -1);
  if (session)
    enchant_dict_add_to_session (self->dict, normal, -1);
  else
    enchant_dict_add (self->dict, normal, -1);
  untag_word (self, word);
  if (g_strcmp0 (word, self->menu_word) == 0)
    {
      clear_menu_word (self);
      g_menu_remove_all (self->suggestions);
      update_actions (self);
    }
}

/**
 * petrel_spell_checker_add_word:
 * @self: a spell checker
 * @word: a word
 *
 * Adds @word to the personal dictionary of the language (kept by Enchant), and takes the
 * underline off it.
 */
void
petrel_spell_checker_add_word (PetrelSpellChecker *self,
                               const char         *word)
{
  g_return_if_fail (PETREL_IS_SPELL_CHECKER (self));
  g_return_if_fail (word != NULL);

  accept_word (self, word, FALSE);
}

/**
 * petrel_spell_checker_ignore_word:
 * @self: a spell checker
 * @word: a word
 *
 * Accepts @word until Petrel quits, and takes the underline off it.
 */
void
petrel_spell_checker_ignore_word (PetrelSpellChecker *self,
                                  const char         *word)
{
  g_return_if_fail (PETREL_IS_SPELL_CHECKER (self));
  g_return_if_fail (word != NULL);

  accept_word (self, word, TRUE);
}

/**
 * petrel_spell_checker_get_tag:
 *
 * Returns: (transfer none): the tag on misspelt words
 */
GtkTextTag *
petrel_spell_checker_get_tag (PetrelSpellChecker *self)
{
  g_return_val_if_fail (PETREL_IS_SPELL_CHECKER (self), NULL);
  return self->tag;
}

/**
 * petrel_spell_checker_get_action_group:
 *
 * Returns: (transfer none) (nullable): the actions of the context menu, installed on the view
 *   as "spell" (replace, add, ignore, language, enabled); %NULL without a dictionary
 */
GActionGroup *
petrel_spell_checker_get_action_group (PetrelSpellChecker *self)
{
  g_return_val_if_fail (PETREL_IS_SPELL_CHECKER (self), NULL);
  return G_ACTION_GROUP (self->actions);
}

/**
 * petrel_spell_checker_get_busy:
 *
 * Returns: whether lines wait to be checked
 */
gboolean
petrel_spell_checker_get_busy (PetrelSpellChecker *self)
{
  g_return_val_if_fail (PETREL_IS_SPELL_CHECKER (self), FALSE);
  return self->idle_id != 0;
}

/**
 * petrel_spell_checker_update_menu_at:
 * @self: a spell checker
 * @iter: a place in the view's buffer
 *
 * Fills the context menu section for the word at @iter: its suggestions, and whether it can
 * be added or ignored. The view calls it when its menu opens at the pointer or the cursor.
 */
void
petrel_spell_checker_update_menu_at (PetrelSpellChecker *self,
                                     const GtkTextIter  *iter)
{
  GtkTextIter start, end;
  g_autofree char *word = NULL;

  g_return_if_fail (PETREL_IS_SPELL_CHECKER (self));
  g_return_if_fail (iter != NULL);

  if (self->actions == NULL)
    return;
  clear_menu_word (self);
  g_menu_remove_all (self->suggestions);

  if (self->dict != NULL && self->enabled)
    word = word_at (self, iter, &start, &end);
  if (word != NULL && !dict_check (self, word, -1))
    {
      g_auto(GStrv) suggestions = petrel_spell_checker_dup_suggestions (self, word,
                                                                        MAX_MENU_SUGGESTIONS);

      self->menu_word = g_steal_pointer (&word);
      self->menu_start = gtk_text_buffer_create_mark (self->buffer, NULL, &start, TRUE);
      self->menu_end = gtk_text_buffer_create_mark (self->buffer, NULL, &end, FALSE);
      for (guint i = 0; suggestions[i] != NULL; i++)
        {
          g_autoptr(GMenuItem) item = g_menu_item_new (suggestions[i], NULL);

          g_menu_item_set_action_and_target_value (item, "spell.replace",
                                                   g_variant_new_string (suggestions[i]));
          g_menu_append_item (self->suggestions, item);
        }
      if (suggestions[0] == NULL)
        g_menu_append (self->suggestions, _("No Suggestions"), "spell.no-suggestions");
    }
  update_actions (self);
}
