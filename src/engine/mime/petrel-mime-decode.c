/* petrel-mime-decode.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <string.h>

#include "petrel-mime-decode.h"
#include "petrel-mime-private.h"

/* Windows-1252 for 0x80..0x9F; 0 marks the five undefined bytes. Latin-1 labels are read as
 * Windows-1252 too (as browsers do): Outlook labels its curly quotes "iso-8859-1". */
static const gunichar cp1252_high[32] = {
  0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
  0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
  0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
  0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
};

static const char * const day_names[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
static const char * const month_names[] = {
  "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

gunichar
_petrel_mime_cp1252_to_unicode (guchar byte)
{
  if (byte >= 0x80 && byte < 0xA0)
    return cp1252_high[byte - 0x80] ? cp1252_high[byte - 0x80] : 0xFFFD;
  return byte;
}

void
_petrel_mime_append_cp1252 (GString    *out,
                            const char *data,
                            gsize       length)
{
  for (gsize i = 0; i < length; i++)
    {
      guchar c = (guchar) data[i];

      if (c == 0)
        continue;
      if (c < 0x80)
        g_string_append_c (out, (char) c);
      else
        g_string_append_unichar (out, _petrel_mime_cp1252_to_unicode (c));
    }
}

GMimeParserOptions *
_petrel_mime_parser_options (void)
{
  static GMimeParserOptions *options = NULL;

  if (g_once_init_enter (&options))
    {
      /* 8-bit header bytes are tried as UTF-8 first, then as Windows-1252 (what "Latin-1"
       * senders really write), then Latin-1, which accepts every byte. */
      static const char *charsets[] = { "UTF-8", "windows-1252", "iso-8859-1", NULL };
      GMimeParserOptions *o = g_mime_parser_options_new ();

      g_mime_parser_options_set_fallback_charsets (o, charsets);
      g_mime_parser_options_set_rfc2047_compliance_mode (o, GMIME_RFC_COMPLIANCE_LOOSE);
      g_mime_parser_options_set_address_compliance_mode (o, GMIME_RFC_COMPLIANCE_LOOSE);
      g_mime_parser_options_set_parameter_compliance_mode (o, GMIME_RFC_COMPLIANCE_LOOSE);
      g_mime_parser_options_set_allow_addresses_without_domain (o, TRUE);
      g_once_init_leave (&options, o);
    }

  return options;
}

void
_petrel_mime_truncate_utf8 (GString *str,
                            gsize    max_bytes)
{
  gsize len;

  if (str->len <= max_bytes)
    return;

  len = max_bytes;
  /* Step back to the start of a character so the result stays valid UTF-8. */
  while (len > 0 && ((guchar) str->str[len] & 0xC0) == 0x80)
    len--;
  g_string_truncate (str, len);
}

/**
 * petrel_mime_utf8_repair:
 * @data: bytes that should be UTF-8
 * @length: length of @data, or -1 when nul-terminated
 *
 * Returns @data as valid UTF-8: each byte that is not part of a valid sequence becomes
 * U+FFFD, and nul bytes are dropped.
 *
 * Returns: (transfer full): valid UTF-8, never %NULL
 */
char *
petrel_mime_utf8_repair (const char *data,
                         gssize      length)
{
  GString *out;
  const char *p;
  const char *end;

  if (data == NULL)
    return g_strdup ("");
  if (length < 0)
    length = strlen (data);

  out = g_string_sized_new (length + 1);
  p = data;
  end = data + length;

  while (p < end)
    {
      const char *valid_end = NULL;

      g_utf8_validate_len (p, end - p, &valid_end);
      g_string_append_len (out, p, valid_end - p);
      p = valid_end;
      if (p < end)
        {
          /* A nul byte stops validation as well; drop it rather than mark it. */
          if (*p != '\0')
            g_string_append (out, "\xEF\xBF\xBD");
          p++;
        }
    }

  return g_string_free (out, FALSE);
}

/* Like g_utf8_validate_len(), but a nul byte (which the repair drops) is no reason to give up
 * on UTF-8 and read the text as Windows-1252. */
static gboolean
is_valid_utf8 (const char *data,
               gsize       length)
{
  const char *p = data;
  const char *end = data + length;

  while (p < end)
    {
      const char *valid_end = NULL;

      if (g_utf8_validate_len (p, end - p, &valid_end))
        return TRUE;
      if (*valid_end != '\0')
        return FALSE;
      p = valid_end + 1;
    }

  return TRUE;
}

static gboolean
charset_is (const char *charset,
            const char *name)
{
  return g_ascii_strcasecmp (charset, name) == 0;
}

static gboolean
charset_is_utf8 (const char *charset)
{
  return charset_is (charset, "utf-8") || charset_is (charset, "utf8") ||
         charset_is (charset, "unicode-1-1-utf-8") || charset_is (charset, "x-unicode20utf8");
}

static gboolean
charset_is_ascii_or_latin1 (const char *charset)
{
  return charset_is (charset, "us-ascii") || charset_is (charset, "ascii") ||
         charset_is (charset, "iso-8859-1") || charset_is (charset, "iso8859-1") ||
         charset_is (charset, "iso_8859-1") || charset_is (charset, "latin1") ||
         charset_is (charset, "l1") || charset_is (charset, "windows-1252") ||
         charset_is (charset, "cp1252") || charset_is (charset, "x-cp1252") ||
         charset_is (charset, "ansi_x3.4-1968");
}

static char *
convert_with_iconv (GIConv      cd,
                    const char *data,
                    gsize       length)
{
  GString *out = g_string_sized_new (length + length / 2 + 16);
  char buffer[4096];
  char *in = (char *) data;
  gsize in_left = length;

  while (in_left > 0)
    {
      char *outp = buffer;
      gsize out_left = sizeof buffer;
      gsize rc = g_iconv (cd, &in, &in_left, &outp, &out_left);
      int saved_errno = errno;

      g_string_append_len (out, buffer, outp - buffer);

      if (rc == (gsize) -1 && saved_errno != E2BIG && in_left > 0)
        {
          /* EILSEQ, or EINVAL for a sequence cut short: mark one bad byte and go on. */
          g_string_append (out, "\xEF\xBF\xBD");
          in++;
          in_left--;
        }
    }

  /* Reset the shift state; for output in UTF-8 this writes nothing but is the protocol. */
  {
    char *outp = buffer;
    gsize out_left = sizeof buffer;

    g_iconv (cd, NULL, NULL, &outp, &out_left);
    g_string_append_len (out, buffer, outp - buffer);
  }

  return g_string_free (out, FALSE);
}

/**
 * petrel_mime_convert_to_utf8:
 * @data: text in @charset
 * @length: length of @data, or -1 when nul-terminated
 * @charset: (nullable): the declared charset, or %NULL when none was declared
 *
 * Converts text to UTF-8 with the charset handling of GMime (charset aliases such as
 * "ks_c_5601-1987" or "latin1" are understood). Bytes that are invalid in the charset become
 * U+FFFD. When the charset is missing or unknown, valid UTF-8 is kept as it is and anything
 * else is read as Windows-1252.
 *
 * Returns: (transfer full): valid UTF-8 without nul bytes, never %NULL
 */
char *
petrel_mime_convert_to_utf8 (const char *data,
                             gssize      length,
                             const char *charset)
{
  const char *iconv_name;
  GIConv cd;
  g_autofree char *converted = NULL;

  if (data == NULL)
    return g_strdup ("");
  if (length < 0)
    length = strlen (data);

  if (charset != NULL)
    {
      while (g_ascii_isspace (*charset) || *charset == '"')
        charset++;
      if (*charset == '\0')
        charset = NULL;
    }

  if (charset != NULL && charset_is_utf8 (charset))
    return petrel_mime_utf8_repair (data, length);

  if (charset == NULL || charset_is_ascii_or_latin1 (charset))
    {
      GString *out;

      /* Undeclared, ASCII- or Latin-1-labelled 8-bit text that is valid UTF-8 is UTF-8 in
       * fact: a mislabelled UTF-8 body is common, Latin-1 that happens to be valid UTF-8 is not. */
      if (is_valid_utf8 (data, length))
        return petrel_mime_utf8_repair (data, length);
      out = g_string_sized_new (length + length / 4 + 1);
      _petrel_mime_append_cp1252 (out, data, length);
      return g_string_free (out, FALSE);
    }

  iconv_name = g_mime_charset_iconv_name (charset);
  cd = g_iconv_open ("UTF-8", iconv_name != NULL ? iconv_name : charset);
  if (cd == (GIConv) -1)
    {
      GString *out;

      g_debug ("Unknown charset “%s”; reading text as UTF-8 or Windows-1252", charset);
      if (is_valid_utf8 (data, length))
        return petrel_mime_utf8_repair (data, length);
      out = g_string_sized_new (length + length / 4 + 1);
      _petrel_mime_append_cp1252 (out, data, length);
      return g_string_free (out, FALSE);
    }

  converted = convert_with_iconv (cd, data, length);
  g_iconv_close (cd);

  /* iconv output is UTF-8 already; this drops nul bytes and guards against iconv bugs. */
  return petrel_mime_utf8_repair (converted, -1);
}

/* Repairs UTF-8, turns control characters into spaces, collapses runs of white space and
 * trims: the shape a one-line header field must have before it is shown or stored. */
char *
_petrel_mime_clean_line (const char *text,
                         gsize       max_bytes)
{
  gsize len = 0;
  gboolean plain;

  if (text == NULL)
    return g_strdup ("");

  /* Printable ASCII with single spaces inside (most names, addresses and subjects) is clean
   * already: copied as it is (#4: the general loop was a tenth of reading a header block).
   * _petrel_mime_clean_line_general() gives the same for it; the tests compare them. */
  plain = text[0] != ' ';
  for (const char *p = text; plain && *p != '\0'; p++, len++)
    plain = ((guchar) *p > 0x20 && (guchar) *p < 0x7F) ||
            (*p == ' ' && p[1] != ' ' && p[1] != '\0');
  if (plain && len <= max_bytes)
    return g_strndup (text, len);

  return _petrel_mime_clean_line_general (text, max_bytes);
}

/* _petrel_mime_clean_line() for any text. */
char *
_petrel_mime_clean_line_general (const char *text,
                                 gsize       max_bytes)
{
  g_autofree char *valid = NULL;
  GString *out;
  gboolean pending_space = FALSE;

  if (text == NULL)
    return g_strdup ("");

  valid = petrel_mime_utf8_repair (text, -1);
  out = g_string_sized_new (strlen (valid) + 1);

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0) || c == 0x2028 || c == 0x2029 ||
          g_unichar_isspace (c))
        {
          pending_space = out->len > 0;
          continue;
        }

      if (pending_space)
        g_string_append_c (out, ' ');
      pending_space = FALSE;
      g_string_append_unichar (out, c);

      if (out->len > max_bytes)
        break;
    }

  _petrel_mime_truncate_utf8 (out, max_bytes);
  return g_string_free (out, FALSE);
}

/* CRLF and lone CR become LF; nul bytes, other C0 controls (tab and newline excepted), DEL and
 * a leading byte order mark are dropped. Expects valid UTF-8 (possibly with nul bytes). */
char *
_petrel_mime_normalize_newlines (const char *text,
                                 gsize       length)
{
  GString *out = g_string_sized_new (length + 1);
  gsize i = 0;

  if (length >= 3 && memcmp (text, "\xEF\xBB\xBF", 3) == 0)
    i = 3;

  for (; i < length; i++)
    {
      guchar c = (guchar) text[i];

      if (c == '\r')
        {
          g_string_append_c (out, '\n');
          if (i + 1 < length && text[i + 1] == '\n')
            i++;
        }
      else if (c == '\n' || c == '\t' || (c >= 0x20 && c != 0x7F))
        g_string_append_c (out, (char) c);
    }

  return g_string_free (out, FALSE);
}

/* Removes trailing white space from each line and blank lines at both ends, and ends a
 * non-empty text with exactly one newline. */
char *
_petrel_mime_tidy_text (const char *text)
{
  g_auto(GStrv) lines = NULL;
  GString *out;
  gint first = 0;
  gint last;

  if (text == NULL || *text == '\0')
    return g_strdup ("");

  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      gsize len = strlen (lines[i]);

      while (len > 0 && (lines[i][len - 1] == ' ' || lines[i][len - 1] == '\t'))
        len--;
      lines[i][len] = '\0';
    }

  last = (gint) g_strv_length (lines) - 1;
  while (lines[first] != NULL && lines[first][0] == '\0')
    first++;
  while (last >= first && lines[last][0] == '\0')
    last--;

  out = g_string_new (NULL);
  for (gint i = first; i <= last; i++)
    {
      g_string_append (out, lines[i]);
      g_string_append_c (out, '\n');
    }

  return g_string_free (out, FALSE);
}

typedef struct
{
  const char *start;
  const char *end;
  const char *charset;
  gsize       charset_len;
  char        encoding;
  const char *payload;
  gsize       payload_len;
} EncodedWord;

/* Parses "=?charset?B?payload?=" at @p. */
static gboolean
parse_encoded_word (const char  *p,
                    EncodedWord *word)
{
  const char *q;

  if (p[0] != '=' || p[1] != '?')
    return FALSE;

  word->start = p;
  word->charset = q = p + 2;
  while (*q != '\0' && *q != '?' && (guchar) *q > 0x20 && q - word->charset < 64)
    q++;
  if (*q != '?' || q == word->charset)
    return FALSE;
  word->charset_len = q - word->charset;

  q++;
  if (*q != 'B' && *q != 'b' && *q != 'Q' && *q != 'q')
    return FALSE;
  word->encoding = g_ascii_toupper (*q);
  q++;
  if (*q != '?')
    return FALSE;

  word->payload = ++q;
  while (*q != '\0' && *q != '?' && (guchar) *q > 0x20)
    q++;
  if (q[0] != '?' || q[1] != '=')
    return FALSE;
  word->payload_len = q - word->payload;
  word->end = q + 2;

  return TRUE;
}

static gboolean
same_charset (const EncodedWord *a,
              const EncodedWord *b)
{
  return a->charset_len == b->charset_len &&
         g_ascii_strncasecmp (a->charset, b->charset, a->charset_len) == 0;
}

static void
append_word_bytes (GByteArray        *bytes,
                   const EncodedWord *word)
{
  if (word->encoding == 'B')
    {
      g_autofree char *padded = g_strndup (word->payload, word->payload_len);
      gsize len = word->payload_len;
      guchar *out;
      gint state = 0;
      guint save = 0;
      gsize n;

      /* Lenient about missing padding, which some mailers leave out. */
      if (len % 4 != 0)
        {
          char *tmp = g_strnfill (len + (4 - len % 4), '=');

          memcpy (tmp, padded, len);
          g_free (padded);
          padded = tmp;
          len = strlen (padded);
        }

      out = g_malloc (len * 3 / 4 + 3);
      n = g_base64_decode_step (padded, len, out, &state, &save);
      g_byte_array_append (bytes, out, n);
      g_free (out);
    }
  else
    {
      for (gsize i = 0; i < word->payload_len; i++)
        {
          char c = word->payload[i];

          if (c == '_')
            c = ' ';
          else if (c == '=' && i + 2 < word->payload_len &&
                   g_ascii_isxdigit (word->payload[i + 1]) &&
                   g_ascii_isxdigit (word->payload[i + 2]))
            {
              c = (char) (g_ascii_xdigit_value (word->payload[i + 1]) * 16 +
                          g_ascii_xdigit_value (word->payload[i + 2]));
              i += 2;
            }
          g_byte_array_append (bytes, (const guint8 *) &c, 1);
        }
    }
}

/* Joins runs of adjacent encoded words in the same charset into one word, and pads base64
 * words that lack padding. Mailers split multi-byte characters (and ISO-2022-JP shift
 * sequences) across encoded words, which RFC 2047 forbids and GMime decodes word by word
 * into replacement characters. */
static char *
merge_encoded_words (const char *raw)
{
  GString *out;
  const char *p;

  if (strstr (raw, "=?") == NULL)
    return g_strdup (raw);

  out = g_string_sized_new (strlen (raw) + 16);
  p = raw;
  while (*p != '\0')
    {
      EncodedWord first;
      EncodedWord last;
      const char *q;
      guint count = 1;
      g_autoptr(GByteArray) bytes = NULL;

      if (!parse_encoded_word (p, &first))
        {
          g_string_append_c (out, *p++);
          continue;
        }

      last = first;
      q = first.end;
      while (TRUE)
        {
          const char *r = q;
          EncodedWord next;

          while (*r == ' ' || *r == '\t' || *r == '\r' || *r == '\n')
            r++;
          if (!parse_encoded_word (r, &next) || !same_charset (&first, &next))
            break;
          last = next;
          q = next.end;
          count++;
        }

      if (count == 1 && (first.encoding != 'B' || first.payload_len % 4 == 0))
        {
          g_string_append_len (out, first.start, first.end - first.start);
          p = first.end;
          continue;
        }

      bytes = g_byte_array_new ();
      for (const char *w = first.start; w < last.end;)
        {
          EncodedWord word;

          while (*w == ' ' || *w == '\t' || *w == '\r' || *w == '\n')
            w++;
          if (!parse_encoded_word (w, &word))
            break;
          append_word_bytes (bytes, &word);
          w = word.end;
        }

      {
        g_autofree char *encoded = g_base64_encode (bytes->data, bytes->len);

        g_string_append (out, "=?");
        g_string_append_len (out, first.charset, first.charset_len);
        g_string_append_printf (out, "?B?%s?=", encoded);
      }
      p = last.end;
    }

  return g_string_free (out, FALSE);
}

/* Unfolds a raw header value and prepares its encoded words for GMime. */
char *
_petrel_mime_prepare_header (const char *raw)
{
  g_autofree char *unfolded = g_mime_utils_header_unfold (raw);

  return merge_encoded_words (unfolded != NULL ? unfolded : raw);
}

/**
 * petrel_mime_decode_header_text:
 * @raw: (nullable): a raw (possibly folded) unstructured header value, or an IMAP ENVELOPE
 *   string
 *
 * Decodes RFC 2047 encoded words in any charset GMime knows, reads raw 8-bit bytes as UTF-8
 * or Windows-1252, unfolds, turns control characters into spaces, collapses white space and
 * trims. The result is valid UTF-8 and at most 16 KiB.
 *
 * Returns: (transfer full) (nullable): the decoded text, or %NULL when @raw is %NULL
 */
char *
petrel_mime_decode_header_text (const char *raw)
{
  g_autofree char *prepared = NULL;
  g_autofree char *decoded = NULL;

  if (raw == NULL)
    return NULL;

  prepared = _petrel_mime_prepare_header (raw);
  decoded = g_mime_utils_header_decode_text (_petrel_mime_parser_options (), prepared);
  return _petrel_mime_clean_line (decoded != NULL ? decoded : raw, PETREL_MIME_MAX_FIELD_BYTES);
}

/* Drops white space, control characters and stray brackets from an id; NULL if empty. */
static char *
clean_id (const char *start,
          gsize       length)
{
  g_autofree char *valid = petrel_mime_utf8_repair (start, length);
  GString *out = g_string_sized_new (length + 1);

  for (const char *p = valid; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (c <= 0x20 || c == 0x7F || c == '<' || c == '>')
        continue;
      g_string_append_c (out, (char) c);
    }

  /* Ids are at most one line long; a longer one is damage, not an id worth keeping whole. */
  _petrel_mime_truncate_utf8 (out, 998);

  if (out->len == 0)
    {
      g_string_free (out, TRUE);
      return NULL;
    }

  return g_string_free (out, FALSE);
}

/* Skips white space and RFC 5322 comments, which may nest. */
static const char *
skip_cfws (const char *p)
{
  while (*p != '\0')
    {
      if (g_ascii_isspace (*p))
        p++;
      else if (*p == '(')
        {
          int depth = 0;

          do
            {
              if (*p == '\\' && p[1] != '\0')
                p++;
              else if (*p == '(')
                depth++;
              else if (*p == ')')
                depth--;
              p++;
            }
          while (*p != '\0' && depth > 0);
        }
      else
        break;
    }

  return p;
}

/* Calls @func for each id in @raw: the contents of each <...>, or, when there are no angle
 * brackets at all, each bare token that contains an '@'. */
static void
foreach_id (const char *raw,
            gboolean    bare_needs_at,
            gboolean  (*func) (char *id, gpointer user_data),
            gpointer    user_data)
{
  const char *p;

  if (strchr (raw, '<') != NULL)
    {
      p = raw;
      while ((p = strchr (p, '<')) != NULL)
        {
          const char *start = p + 1;
          const char *end = strchr (start, '>');
          char *id;

          if (end == NULL)
            end = start + strlen (start);
          id = clean_id (start, end - start);
          if (id != NULL && !func (id, user_data))
            return;
          p = *end != '\0' ? end + 1 : end;
        }
      return;
    }

  p = skip_cfws (raw);
  while (*p != '\0')
    {
      const char *start = p;
      char *id;

      while (*p != '\0' && !g_ascii_isspace (*p) && *p != ',' && *p != '(')
        p++;
      id = clean_id (start, p - start);
      if (id != NULL && (!bare_needs_at || strchr (id, '@') != NULL))
        {
          if (!func (id, user_data))
            return;
        }
      else
        g_free (id);
      while (*p == ',')
        p++;
      p = skip_cfws (p);
    }
}

static gboolean
take_first_id (char     *id,
               gpointer  user_data)
{
  char **out = user_data;

  *out = id;
  return FALSE;
}

/**
 * petrel_mime_normalize_message_id:
 * @raw: (nullable): a Message-ID, In-Reply-To or Content-ID header value
 *
 * Returns the first message id in @raw without its angle brackets, white space or comments:
 * `<abc@example.org> (added by relay)` gives `abc@example.org`. A value without angle
 * brackets gives its first token.
 *
 * Returns: (transfer full) (nullable): the id, or %NULL when @raw holds none
 */
char *
petrel_mime_normalize_message_id (const char *raw)
{
  char *id = NULL;

  if (raw == NULL)
    return NULL;

  foreach_id (raw, FALSE, take_first_id, &id);
  return id;
}

typedef struct
{
  GPtrArray  *ids;
  GHashTable *seen;
} ReferencesState;

static gboolean
add_reference (char     *id,
               gpointer  user_data)
{
  ReferencesState *state = user_data;

  if (g_hash_table_contains (state->seen, id))
    {
      g_free (id);
      return TRUE;
    }

  g_hash_table_add (state->seen, id);
  g_ptr_array_add (state->ids, g_strdup (id));

  /* A huge list is kept in bounds as it is read: the root and the newest ids matter most. */
  if (state->ids->len >= 4 * PETREL_MIME_MAX_REFERENCES)
    g_ptr_array_remove_range (state->ids, 1, 2 * PETREL_MIME_MAX_REFERENCES);

  return TRUE;
}

/**
 * petrel_mime_parse_references:
 * @raw: (nullable): a References (or In-Reply-To) header value
 *
 * Parses a list of message ids, normalised as by petrel_mime_normalize_message_id(), in
 * order and without duplicates. Without any angle brackets, bare tokens that contain an
 * '@' are taken. At most 256 ids are kept: the first one (the thread root) and the last 255.
 *
 * Returns: (transfer full): a %NULL-terminated array, never %NULL
 */
GStrv
petrel_mime_parse_references (const char *raw)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  ReferencesState state = { ids, seen };

  if (raw != NULL)
    foreach_id (raw, TRUE, add_reference, &state);

  if (ids->len > PETREL_MIME_MAX_REFERENCES)
    g_ptr_array_remove_range (ids, 1, ids->len - PETREL_MIME_MAX_REFERENCES);

  g_ptr_array_add (ids, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&ids), FALSE);
}

/**
 * petrel_mime_normalize_list_id:
 * @raw: (nullable): a List-Id header value such as `Petrel devel <devel.lists.example.org>`
 *
 * Returns: (transfer full) (nullable): the list identifier (`devel.lists.example.org`), or
 *   %NULL when @raw holds none
 */
char *
petrel_mime_normalize_list_id (const char *raw)
{
  g_autofree char *id = NULL;

  if (raw == NULL)
    return NULL;

  if (strchr (raw, '<') != NULL)
    id = petrel_mime_normalize_message_id (raw);
  else
    {
      /* Without brackets the id is the last word (any phrase before it is a description). */
      g_autofree char *line = _petrel_mime_clean_line (raw, PETREL_MIME_MAX_FIELD_BYTES);
      const char *space = strrchr (line, ' ');

      id = clean_id (space != NULL ? space + 1 : line, strlen (space != NULL ? space + 1 : line));
    }

  if (id != NULL)
    {
      char *lower = g_utf8_strdown (id, -1);

      g_free (id);
      id = lower;
    }

  return g_steal_pointer (&id);
}

/**
 * petrel_mime_parse_date:
 * @raw: (nullable): a Date header value
 * @fallback: what to return when @raw is missing or cannot be read
 *
 * Parses an RFC 5322 date, accepting the common broken forms GMime accepts (two-digit
 * years, named zones, missing seconds). Dates at or before the Unix epoch count as bad.
 *
 * Returns: seconds since the Unix epoch, or @fallback
 */
gint64
petrel_mime_parse_date (const char *raw,
                        gint64      fallback)
{
  g_autofree char *unfolded = NULL;
  g_autoptr(GDateTime) date = NULL;
  gint64 unix_time;

  if (raw == NULL)
    return fallback;

  unfolded = g_mime_utils_header_unfold (raw);
  if (unfolded == NULL || strlen (unfolded) > 256)
    return fallback;

  date = g_mime_utils_header_decode_date (unfolded);
  if (date == NULL)
    return fallback;

  unix_time = g_date_time_to_unix (date);
  return unix_time > 0 ? unix_time : fallback;
}

const char *
_petrel_mime_header_raw (GMimeObject *object,
                         const char  *name)
{
  GMimeHeaderList *headers = g_mime_object_get_header_list (object);
  GMimeHeader *header;

  if (headers == NULL)
    return NULL;

  /* The first occurrence wins when a header is (wrongly) repeated. */
  header = g_mime_header_list_get_header (headers, name);
  if (header == NULL)
    return NULL;

  return g_mime_header_get_raw_value (header);
}

/**
 * _petrel_mime_parse:
 * @data: the bytes of a message (or just its header block)
 * @length: length of @data
 *
 * Parses with Petrel's lenient parser options. A leading mbox "From " line is skipped.
 *
 * Returns: (transfer full) (nullable): the message, or %NULL when GMime finds no header
 */
/* Returns the length of the header block including the blank line that ends it, or @length
 * when there is no blank line (the data is a header block alone). */
gsize
_petrel_mime_header_block_length (const char *data,
                                  gsize       length)
{
  for (gsize i = 0; i + 1 < length; i++)
    {
      if (data[i] != '\n')
        continue;
      if (data[i + 1] == '\n')
        return i + 2;
      if (data[i + 1] == '\r' && i + 2 < length && data[i + 2] == '\n')
        return i + 3;
    }

  return length;
}

GMimeMessage *
_petrel_mime_parse (const char *data,
                    gsize       length)
{
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeParser) parser = NULL;
  g_autofree char *copy = NULL;
  gsize header_length;

  if (length >= 5 && memcmp (data, "From ", 5) == 0)
    {
      const char *eol = memchr (data, '\n', length);

      if (eol == NULL)
        return NULL;
      length -= (eol + 1) - data;
      data = eol + 1;
    }

  if (length == 0)
    return NULL;

  /* A nul byte would cut a header value short in GMime; in headers it is only damage. */
  header_length = _petrel_mime_header_block_length (data, length);
  if (memchr (data, '\0', header_length) != NULL)
    {
      copy = g_memdup2 (data, length);
      for (gsize i = 0; i < header_length; i++)
        if (copy[i] == '\0')
          copy[i] = ' ';
      data = copy;
    }

  stream = g_mime_stream_mem_new_with_buffer (data, length);
  parser = g_mime_parser_new_with_stream (stream);
  g_mime_parser_set_format (parser, GMIME_FORMAT_MESSAGE);

  return g_mime_parser_construct_message (parser, _petrel_mime_parser_options ());
}

static GDateTime *
date_time_in_zone (gint64     unix_time,
                   GTimeZone *tz)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (unix_time);
  g_autoptr(GTimeZone) local = NULL;

  if (utc == NULL)
    return NULL;
  if (tz == NULL)
    tz = local = g_time_zone_new_local ();

  return g_date_time_to_timezone (utc, tz);
}

/* "Tue, 10 Nov 2026 14:02:00 +0100", with English names whatever the locale. */
char *
_petrel_mime_format_date (gint64     unix_time,
                          GTimeZone *tz)
{
  g_autoptr(GDateTime) date = date_time_in_zone (unix_time, tz);
  gint64 offset;
  char sign = '+';

  if (date == NULL)
    return g_strdup ("");

  offset = g_date_time_get_utc_offset (date) / G_TIME_SPAN_MINUTE;
  if (offset < 0)
    {
      sign = '-';
      offset = -offset;
    }

  return g_strdup_printf ("%s, %d %s %d %02d:%02d:%02d %c%02d%02d",
                          day_names[g_date_time_get_day_of_week (date) - 1],
                          g_date_time_get_day_of_month (date),
                          month_names[g_date_time_get_month (date) - 1],
                          g_date_time_get_year (date),
                          g_date_time_get_hour (date),
                          g_date_time_get_minute (date),
                          g_date_time_get_second (date),
                          sign, (int) (offset / 60), (int) (offset % 60));
}

/* "Tue, 10 Nov 2026 at 14:02", for attribution lines. */
char *
_petrel_mime_format_date_short (gint64     unix_time,
                                GTimeZone *tz)
{
  g_autoptr(GDateTime) date = date_time_in_zone (unix_time, tz);

  if (date == NULL)
    return g_strdup ("");

  return g_strdup_printf ("%s, %d %s %d at %02d:%02d",
                          day_names[g_date_time_get_day_of_week (date) - 1],
                          g_date_time_get_day_of_month (date),
                          month_names[g_date_time_get_month (date) - 1],
                          g_date_time_get_year (date),
                          g_date_time_get_hour (date),
                          g_date_time_get_minute (date));
}
