/* petrel-imap-error.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "imap/petrel-imap-error.h"

G_DEFINE_QUARK (petrel-imap-error-quark, petrel_imap_error)

/**
 * petrel_imap_sanitize_text:
 * @text: bytes from the server
 * @length: length of @text, or -1 if NUL-terminated
 * @max_length: the longest result wanted in bytes (at least 4)
 *
 * Makes server text safe to show or log: control characters are dropped (a tab becomes a space),
 * invalid UTF-8 becomes U+FFFD, and the result is cut on a character boundary to at most
 * @max_length bytes, ending in "…" when cut.
 *
 * Returns: (transfer full): valid UTF-8 without control characters
 */
char *
petrel_imap_sanitize_text (const char *text,
                           gssize      length,
                           gsize       max_length)
{
  g_autofree char *filtered = NULL;
  g_autofree char *valid = NULL;
  gsize n = 0;
  gsize len;

  if (text == NULL)
    return g_strdup ("");
  len = length < 0 ? strlen (text) : (gsize) length;
  max_length = MAX (max_length, 4);

  /* Anything past 4 bytes per character of the limit can never be shown. */
  len = MIN (len, max_length * 4 + 4);
  filtered = g_malloc (len + 1);
  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) text[i];

      if (c == '\t')
        filtered[n++] = ' ';
      else if (c >= 0x20 && c != 0x7f)
        filtered[n++] = (char) c;
    }
  filtered[n] = '\0';

  valid = g_utf8_make_valid (filtered, n);

  /* The C1 controls (U+0080..U+009F) are controls too, and bidi overrides can disguise text. */
  {
    GString *out = g_string_sized_new (strlen (valid));

    for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
      {
        gunichar ch = g_utf8_get_char (p);

        if ((ch >= 0x80 && ch <= 0x9f) || (ch >= 0x202a && ch <= 0x202e) ||
            (ch >= 0x2066 && ch <= 0x2069))
          continue;
        g_string_append_len (out, p, g_utf8_next_char (p) - p);
      }
    g_free (valid);
    valid = g_string_free (out, FALSE);
  }

  len = strlen (valid);
  if (len > max_length)
    {
      const char *ellipsis = "\xe2\x80\xa6";
      char *cut = valid + max_length - strlen (ellipsis);

      /* Back up to the start of the character that would be split. */
      while (cut > valid && ((guchar) *cut & 0xc0) == 0x80)
        cut--;
      strcpy (cut, ellipsis);
    }

  return g_steal_pointer (&valid);
}
