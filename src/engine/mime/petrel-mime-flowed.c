/* petrel-mime-flowed.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "petrel-mime-flowed.h"

/* RFC 3676 format=flowed. Decoding joins soft-broken lines into paragraphs and writes quote
 * depth as ">" marks followed by one space; encoding is the inverse, so a reply quoted with
 * petrel_mime_quote_text() flows again in the reader's client. */

static void
append_quote_prefix (GString *out,
                     guint    depth,
                     gboolean with_space)
{
  for (guint i = 0; i < depth; i++)
    g_string_append_c (out, '>');
  if (depth > 0 && with_space)
    g_string_append_c (out, ' ');
}

static void
flush_paragraph (GString *out,
                 GString *paragraph,
                 guint    depth)
{
  append_quote_prefix (out, depth, paragraph->len > 0);
  g_string_append_len (out, paragraph->str, paragraph->len);
  g_string_append_c (out, '\n');
  g_string_truncate (paragraph, 0);
}

/**
 * petrel_mime_flowed_decode:
 * @text: the text of a `format=flowed` body, with LF line ends
 * @delsp: whether the part had `delsp=yes`
 *
 * Joins soft line breaks (lines ending in a space) into logical lines, removes space
 * stuffing, and writes quoted lines as ">" marks, one space and the text (">> text").
 *
 * Returns: (transfer full): the unflowed text
 */
char *
petrel_mime_flowed_decode (const char *text,
                           gboolean    delsp)
{
  g_auto(GStrv) lines = NULL;
  g_autoptr(GString) paragraph = g_string_new (NULL);
  GString *out;
  gboolean in_paragraph = FALSE;
  guint paragraph_depth = 0;
  guint n_lines;

  g_return_val_if_fail (text != NULL, NULL);

  out = g_string_sized_new (strlen (text) + 1);
  lines = g_strsplit (text, "\n", -1);
  n_lines = g_strv_length (lines);
  /* A final newline leaves one empty string that is not a line. */
  if (n_lines > 0 && lines[n_lines - 1][0] == '\0')
    n_lines--;

  for (guint i = 0; i < n_lines; i++)
    {
      const char *content = lines[i];
      guint depth = 0;
      gsize len;
      gboolean flowed;

      while (*content == '>')
        {
          depth++;
          content++;
        }
      if (*content == ' ')
        content++;

      len = strlen (content);
      flowed = len > 0 && content[len - 1] == ' ' && strcmp (content, "-- ") != 0;

      if (in_paragraph && depth != paragraph_depth)
        {
          /* A flowed line followed by a different quote depth: the paragraph ends anyway. */
          flush_paragraph (out, paragraph, paragraph_depth);
          in_paragraph = FALSE;
        }
      if (!in_paragraph)
        {
          paragraph_depth = depth;
          in_paragraph = TRUE;
        }

      g_string_append_len (paragraph, content, flowed && delsp ? len - 1 : len);

      if (!flowed)
        {
          flush_paragraph (out, paragraph, paragraph_depth);
          in_paragraph = FALSE;
        }
    }

  if (in_paragraph)
    flush_paragraph (out, paragraph, paragraph_depth);

  return g_string_free (out, FALSE);
}

static void
append_physical_line (GString    *out,
                      guint       depth,
                      const char *content,
                      gsize       length,
                      gboolean    soft_break)
{
  /* An empty quoted line is ">" alone: a trailing space would make it flowed. */
  append_quote_prefix (out, depth, length > 0 || soft_break);
  /* Space-stuff what a reader would otherwise take for stuffing or an mbox separator. */
  if (depth == 0 && length > 0 &&
      (content[0] == ' ' || (length >= 5 && strncmp (content, "From ", 5) == 0)))
    g_string_append_c (out, ' ');
  g_string_append_len (out, content, length);
  if (soft_break)
    g_string_append_c (out, ' ');
  g_string_append_c (out, '\n');
}

/**
 * petrel_mime_flowed_encode:
 * @text: plain text with LF line ends; lines starting with ">" are quotes ("> > " and ">> "
 *   both mean depth 2)
 * @width: the preferred line width in characters (72 is usual; at least 20 is used)
 *
 * Encodes text as `format=flowed` (without delsp): long lines are wrapped at spaces with a
 * trailing space marking each soft break, trailing white space the writer left is removed
 * (it would change the meaning), quote marks are repeated on every wrapped line, and lines
 * that begin with a space or "From " are space-stuffed. A signature separator "-- " keeps its
 * space. A word longer than the width is not broken.
 *
 * Returns: (transfer full): the encoded text, each line ending with LF
 */
char *
petrel_mime_flowed_encode (const char *text,
                           guint       width)
{
  g_auto(GStrv) lines = NULL;
  GString *out;
  guint n_lines;

  g_return_val_if_fail (text != NULL, NULL);

  width = MAX (width, 20);
  out = g_string_sized_new (strlen (text) + strlen (text) / 16 + 2);
  lines = g_strsplit (text, "\n", -1);
  n_lines = g_strv_length (lines);
  if (n_lines > 0 && lines[n_lines - 1][0] == '\0')
    n_lines--;

  for (guint i = 0; i < n_lines; i++)
    {
      char *line = lines[i];
      const char *content = line;
      guint depth = 0;
      guint avail;
      gsize len;

      /* Tabs and carriage returns have no place in flowed text. */
      for (char *c = line; *c != '\0'; c++)
        if (*c == '\t' || *c == '\r')
          *c = ' ';

      if (strcmp (line, "-- ") == 0 || strcmp (line, "--") == 0)
        {
          g_string_append (out, "-- \n");
          continue;
        }

      while (*content == '>')
        {
          depth++;
          content++;
          if (content[0] == ' ' && content[1] == '>')
            content++;
        }
      if (depth > 0 && *content == ' ')
        content++;

      len = strlen (content);
      while (len > 0 && content[len - 1] == ' ')
        len--;

      avail = width > depth + 1 + 20 ? width - (depth > 0 ? depth + 1 : 0) : 20;

      while (TRUE)
        {
          const char *p = content;
          const char *end = content + len;
          const char *break_at = NULL;
          guint chars = 0;

          /* Find the last space within the width, or else the first one after it. */
          while (p < end)
            {
              if (*p == ' ' && p > content)
                {
                  if (chars <= avail || break_at == NULL)
                    break_at = p;
                  if (chars > avail)
                    break;
                }
              chars++;
              if (chars > avail && break_at != NULL)
                break;
              p = g_utf8_next_char (p);
            }

          if (chars <= avail || break_at == NULL)
            break;

          /* "--" and the soft-break space would read as a signature separator ("-- "), which
           * is never flowed: break after the next word instead. */
          if (break_at - content == 2 && strncmp (content, "--", 2) == 0)
            {
              const char *next = memchr (break_at + 1, ' ', (content + len) - (break_at + 1));

              if (next == NULL)
                break;
              break_at = next;
            }

          append_physical_line (out, depth, content, break_at - content, TRUE);
          len -= (break_at + 1) - content;
          content = break_at + 1;
        }

      append_physical_line (out, depth, content, len, FALSE);
    }

  return g_string_free (out, FALSE);
}
