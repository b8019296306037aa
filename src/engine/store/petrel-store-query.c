/* petrel-store-query.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <stdio.h>
#include <string.h>

#include "petrel-store-private.h"

/*
 * Search syntax
 * -------------
 *   word  "a phrase"  word*          free text, in any indexed column
 *   from:X  to:X  subject:X          X is a word, word* or "a phrase" (to: also searches Cc)
 *   has:attachment
 *   is:unread  is:read  is:flagged  is:starred  is:answered
 *   before:YYYY-MM-DD  after:YYYY-MM-DD   local days; before: excludes that day, after:
 *                                         includes it (as in Gmail)
 * Everything is ANDed. The user's text never reaches FTS5 as syntax: each term becomes an FTS5
 * string ("…" with " doubled), so `OR`, `NEAR(`, `*`, `-`, `:` and stray quotes are just text.
 * Terms without a letter or digit are dropped (the tokenizer would drop them anyway); if the
 * query had text and none of it is searchable, it matches nothing.
 *
 * Chinese and Japanese put no spaces between words, and Korean glues particles to them, so
 * the unicode61 tokenizer would make a whole run one token: "会议" would not find
 * "企鹅合作会议纪要". The text indexed and the terms searched both go through
 * _petrel_store_fts_text(), which makes each of those characters a word of its own; a term is
 * an FTS5 string, which matches its words next to each other, in order: a substring.
 */

#define MAX_TERMS 32

static const struct {
  const char *name;
  const char *column;
} text_operators[] = {
  { "from", "{from_name from_addr}" },
  { "to", "{to_text cc_text}" },
  { "cc", "cc_text" },
  { "subject", "subject" },
};

static const char * const other_operators[] = { "has", "is", "before", "after" };

void
_petrel_store_query_free (PetrelStoreQuery *query)
{
  if (query == NULL)
    return;

  g_string_free (query->match, TRUE);
  g_free (query);
}

static gboolean
has_searchable_char (const char *text)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      if (g_unichar_isalnum (g_utf8_get_char (p)))
        return TRUE;
    }

  return FALSE;
}

static gboolean
is_space (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Han, kana, Hangul and the like: written without spaces between words. */
static inline gboolean
is_unspaced_script (gunichar c)
{
  return (c >= 0x2e80 && c <= 0x2fdf) ||     /* CJK and Kangxi radicals */
         (c >= 0x3040 && c <= 0x31ff && c != 0x30fb) || /* kana, Bopomofo, Hangul jamo… but
                                                         * not the katakana middle dot */
         (c >= 0x3400 && c <= 0x4dbf) ||     /* CJK extension A */
         (c >= 0x4e00 && c <= 0x9fff) ||     /* CJK unified ideographs */
         (c >= 0xa960 && c <= 0xa97f) ||     /* Hangul jamo extended-A */
         (c >= 0xac00 && c <= 0xd7ff) ||     /* Hangul syllables, jamo extended-B */
         (c >= 0xf900 && c <= 0xfaff) ||     /* CJK compatibility ideographs */
         (c >= 0xff66 && c <= 0xffdc) ||     /* half-width katakana and Hangul */
         (c >= 0x20000 && c <= 0x3134f);     /* CJK extensions B to G */
}

/* The next character of @p that _petrel_store_fts_text() changes or spaces out, or the end
 * of the string; *@out_c and *@out_next say what it is and where the one after it starts.
 * Only lead bytes of 0xe1 and above (and ß, 0xc3 0x9f) are decoded: the rest of a long body
 * is a byte scan. */
static const char *
find_fts_char (const char  *p,
               gunichar    *out_c,
               const char **out_next)
{
  for (; *p != '\0'; p++)
    {
      guchar b = (guchar) *p;

      if (b < 0xc3)
        continue;
      if (b == 0xc3 && (guchar) p[1] == 0x9f)
        {
          *out_c = 0xdf;
          *out_next = p + 2;
          return p;
        }
      if (b >= 0xe1)
        {
          gsize len = b >= 0xf0 ? 4 : 3;
          gunichar c = g_utf8_get_char_validated (p, strnlen (p, len));

          if (c < 0x80000000 && (c == 0x1e9e || is_unspaced_script (c)))
            {
              *out_c = c;
              *out_next = p + len;
              return p;
            }
        }
    }

  *out_c = 0;
  *out_next = p;
  return p;
}

/**
 * _petrel_store_fts_text:
 * @text: (nullable): text about to be indexed, or a search term
 *
 * Returns: (transfer full) (nullable): @text with a space on each side of every character of
 *   a script written without spaces (see the top of this file) and ß as ss, or %NULL when
 *   that changes nothing. Applying it twice gives what applying it once does.
 */
char *
_petrel_store_fts_text (const char *text)
{
  GString *out = NULL;
  const char *copied;           /* with @out: the text before this is in it */
  const char *p;

  if (text == NULL)
    return NULL;

  copied = p = text;
  for (;;)
    {
      gunichar c;
      const char *next;
      const char *replacement = NULL;
      gboolean space_before = FALSE;
      gboolean space_after = FALSE;

      p = find_fts_char (p, &c, &next);
      if (*p == '\0')
        break;

      if (c == 0xdf || c == 0x1e9e)
        {
          /* The tokenizer folds case and accents but not ß: "Straße" is found as
           * "strasse" too. */
          replacement = "ss";
        }
      else
        {
          /* Not after a space, nor after the one added behind the previous character. */
          space_before = p > text && !is_space (p[-1]) &&
                         !(out != NULL && copied == p && out->len > 0 &&
                           out->str[out->len - 1] == ' ');
          space_after = *next != '\0' && !is_space (*next);
          if (!space_before && !space_after)
            {
              p = next;
              continue;
            }
        }

      if (out == NULL)
        out = g_string_sized_new (strlen (text) + 16);
      g_string_append_len (out, copied, p - copied);
      if (space_before)
        g_string_append_c (out, ' ');
      if (replacement != NULL)
        g_string_append (out, replacement);
      else
        g_string_append_len (out, p, next - p);
      if (space_after)
        g_string_append_c (out, ' ');
      copied = p = next;
    }

  if (out == NULL)
    return NULL;
  g_string_append (out, copied);
  return g_string_free (out, FALSE);
}

static void
add_term (PetrelStoreQuery *query,
          guint            *n_terms,
          const char       *column,
          const char       *text,
          gsize             len)
{
  g_autofree char *term = g_strndup (text, len);
  g_autofree char *spaced = NULL;
  gboolean prefix = FALSE;
  gsize term_len = strlen (term);

  /* "word*" is a prefix search; the star itself is never passed on. */
  while (term_len > 0 && term[term_len - 1] == '*')
    {
      term[--term_len] = '\0';
      prefix = TRUE;
    }

  if (!has_searchable_char (term) || *n_terms >= MAX_TERMS)
    {
      query->nothing |= !has_searchable_char (term);
      return;
    }

  (*n_terms)++;

  spaced = _petrel_store_fts_text (term);
  if (spaced != NULL)
    {
      g_free (term);
      term = g_steal_pointer (&spaced);
    }

  if (query->match->len > 0)
    g_string_append (query->match, " AND ");

  if (column != NULL)
    g_string_append_printf (query->match, "%s : ", column);

  g_string_append_c (query->match, '"');
  for (const char *p = term; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append (query->match, "\"\"");
      else
        g_string_append_c (query->match, *p);
    }
  g_string_append_c (query->match, '"');

  if (prefix)
    g_string_append (query->match, " *");
}

static gboolean
parse_day (const char  *text,
           gint64      *out_time)
{
  g_autoptr(GDateTime) dt = NULL;
  guint year, month, day;
  char sep1, sep2;
  int consumed = 0;

  if (sscanf (text, "%4u%c%2u%c%2u%n", &year, &sep1, &month, &sep2, &day, &consumed) != 5 ||
      text[consumed] != '\0' || sep1 != sep2 || (sep1 != '-' && sep1 != '/') ||
      !g_date_valid_dmy (day, month, year))
    return FALSE;

  dt = g_date_time_new_local (year, month, day, 0, 0, 0);
  if (dt == NULL)
    return FALSE;

  *out_time = g_date_time_to_unix (dt);

  return TRUE;
}

static gboolean
apply_operator (PetrelStoreQuery  *query,
                const char        *name,
                const char        *value,
                GError           **error)
{
  gint64 time;

  if (g_ascii_strcasecmp (name, "has") == 0)
    {
      if (g_ascii_strcasecmp (value, "attachment") == 0 ||
          g_ascii_strcasecmp (value, "attachments") == 0)
        {
          query->has_attachments = TRUE;
          return TRUE;
        }
    }
  else if (g_ascii_strcasecmp (name, "is") == 0)
    {
      if (g_ascii_strcasecmp (value, "unread") == 0)
        query->flags_clear |= PETREL_STORE_FLAG_SEEN;
      else if (g_ascii_strcasecmp (value, "read") == 0)
        query->flags_set |= PETREL_STORE_FLAG_SEEN;
      else if (g_ascii_strcasecmp (value, "flagged") == 0 ||
               g_ascii_strcasecmp (value, "starred") == 0)
        query->flags_set |= PETREL_STORE_FLAG_FLAGGED;
      else if (g_ascii_strcasecmp (value, "answered") == 0)
        query->flags_set |= PETREL_STORE_FLAG_ANSWERED;
      else
        goto invalid;

      return TRUE;
    }
  else if (g_ascii_strcasecmp (name, "before") == 0)
    {
      if (parse_day (value, &time))
        {
          query->before = MIN (query->before, time);
          return TRUE;
        }
    }
  else if (g_ascii_strcasecmp (name, "after") == 0)
    {
      if (parse_day (value, &time))
        {
          query->after = MAX (query->after, time);
          return TRUE;
        }
    }

invalid:
  g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_INVALID_QUERY,
               _("Cannot search for “%s:%s”: %s"), name, value,
               g_ascii_strcasecmp (name, "before") == 0 ||
               g_ascii_strcasecmp (name, "after") == 0
               ? "dates are written YYYY-MM-DD"
               : g_ascii_strcasecmp (name, "has") == 0
               ? "only has:attachment is known"
               : "known are is:unread, is:read, is:flagged, is:starred and is:answered");

  return FALSE;
}

/* If @word (of @len bytes) starts with a known "name:", returns its length. */
static gsize
match_operator (const char  *word,
                gsize        len,
                const char **out_column,
                gboolean    *out_is_text)
{
  for (guint i = 0; i < G_N_ELEMENTS (text_operators); i++)
    {
      gsize n = strlen (text_operators[i].name);

      if (len > n && word[n] == ':' &&
          g_ascii_strncasecmp (word, text_operators[i].name, n) == 0)
        {
          *out_column = text_operators[i].column;
          *out_is_text = TRUE;
          return n;
        }
    }

  for (guint i = 0; i < G_N_ELEMENTS (other_operators); i++)
    {
      gsize n = strlen (other_operators[i]);

      if (len > n && word[n] == ':' && g_ascii_strncasecmp (word, other_operators[i], n) == 0)
        {
          *out_column = NULL;
          *out_is_text = FALSE;
          return n;
        }
    }

  return 0;
}

/* Reads a "quoted" run starting at @p (on the quote); an unbalanced quote runs to the end. */
static const char *
read_quoted (const char  *p,
             const char **out_start,
             gsize       *out_len)
{
  const char *end;

  p++;
  end = strchr (p, '"');
  *out_start = p;

  if (end == NULL)
    {
      *out_len = strlen (p);
      return p + *out_len;
    }

  *out_len = end - p;

  return end + 1;
}

/**
 * _petrel_store_query_parse:
 * @text: what the user typed
 *
 * Returns: (transfer full): the parsed query, or %NULL with %PETREL_STORE_ERROR_INVALID_QUERY
 *   for an operator value that is not understood (`is:foo`, `before:yesterday`)
 */
PetrelStoreQuery *
_petrel_store_query_parse (const char  *text,
                           GError     **error)
{
  g_autoptr(PetrelStoreQuery) query = g_new0 (PetrelStoreQuery, 1);
  g_autofree char *valid = g_utf8_make_valid (text != NULL ? text : "", -1);
  guint n_terms = 0;
  const char *p = valid;

  query->match = g_string_new (NULL);
  query->before = G_MAXINT64;
  query->after = G_MININT64;

  while (*p != '\0')
    {
      const char *word;
      gsize len;
      const char *column = NULL;
      gboolean is_text = FALSE;
      gsize op_len;

      if (is_space (*p))
        {
          p++;
          continue;
        }

      if (*p == '"')
        {
          p = read_quoted (p, &word, &len);
          add_term (query, &n_terms, NULL, word, len);
          continue;
        }

      word = p;
      while (*p != '\0' && !is_space (*p))
        p++;
      len = p - word;

      op_len = match_operator (word, len, &column, &is_text);
      if (op_len > 0)
        {
          const char *value = word + op_len + 1;
          gsize value_len = len - op_len - 1;

          if (*value == '"')
            p = read_quoted (value, &value, &value_len);

          /* A bare "from:" (still being typed) constrains nothing. */
          if (value_len == 0)
            continue;

          if (is_text)
            {
              add_term (query, &n_terms, column, value, value_len);
            }
          else
            {
              g_autofree char *name = g_strndup (word, op_len);
              g_autofree char *arg = g_strndup (value, value_len);

              if (!apply_operator (query, name, arg, error))
                return NULL;
            }
          continue;
        }

      add_term (query, &n_terms, NULL, word, len);
    }

  /* Something was typed but nothing of it can be searched for. */
  if (query->match->len > 0)
    query->nothing = FALSE;

  return g_steal_pointer (&query);
}
