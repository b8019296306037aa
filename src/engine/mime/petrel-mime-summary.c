/* petrel-mime-summary.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "petrel-mime-decode.h"
#include "petrel-mime-private.h"
#include "petrel-mime-summary.h"

G_DEFINE_BOXED_TYPE (PetrelMimeSummary, petrel_mime_summary,
                     petrel_mime_summary_copy, petrel_mime_summary_free)

static gpointer
copy_address (gconstpointer address,
              gpointer      user_data)
{
  return petrel_mime_address_copy (address);
}

static GPtrArray *
copy_address_list (GPtrArray *list)
{
  return g_ptr_array_copy (list, copy_address, NULL);
}

/* ---- a header block scanner for the summary ---------------------------------------------
 *
 * A headers-only sync summarises every message it fetches; building a whole GMimeMessage
 * (a GObject per header, a parser, a stream) for that took about half of the sync's CPU
 * time (#4). The summary needs the raw values of ten fields, so this scanner walks the header
 * block once and keeps the first occurrence of each, exactly as GMime 3.2's parser does
 * (gmime-parser.c, parser_step_headers() and header_parse()):
 *   - a line that starts with a space or tab continues the field before it; the raw value is
 *     everything after the first ':' up to the end of the field, each line keeping its own
 *     bytes (a '\r' included) and ending in '\n', the last line of the data without one;
 *   - an empty line ("\n" or "\r\n") ends the block;
 *   - a field name is the bytes before ':', which blanks (space, tab) may precede; any other
 *     space or control character in it (or no ':' at all, or ':' first) makes the line
 *     invalid: the very first line then makes the
 *     whole block unreadable (GMime returns no message) unless it starts with "From ", a
 *     later one is skipped together with its continuation lines;
 *   - nul bytes read as spaces (as _petrel_mime_parse() makes them).
 * The decoding of each value is shared with the GMime path (_petrel_mime_summary_new_from_
 * object()), so both give the same summary; tests/engine/test-mime-summary.c compares them. */

enum
{
  FIELD_SUBJECT,
  FIELD_FROM,
  FIELD_TO,
  FIELD_CC,
  FIELD_REPLY_TO,
  FIELD_DATE,
  FIELD_MESSAGE_ID,
  FIELD_IN_REPLY_TO,
  FIELD_REFERENCES,
  FIELD_LIST_ID,
  N_FIELDS
};

/* Keep PETREL_MIME_SUMMARY_FIELDS (what a sync fetches) in step with this table. */
static const struct
{
  const char *name;
  gsize       length;
} summary_fields[N_FIELDS] = {
  { "Subject", 7 },
  { "From", 4 },
  { "To", 2 },
  { "Cc", 2 },
  { "Reply-To", 8 },
  { "Date", 4 },
  { "Message-ID", 10 },
  { "In-Reply-To", 11 },
  { "References", 10 },
  { "List-Id", 7 },
};

/* GMime's IS_SPACE | IS_CTRL for a field name: control characters, space and DEL. */
#define IS_NAME_STOP(c) ((guchar) (c) <= 0x20 || (guchar) (c) == 0x7F)

static int
summary_field_index (const char *name,
                     gsize       length)
{
  for (int i = 0; i < N_FIELDS; i++)
    if (summary_fields[i].length == length &&
        g_ascii_strncasecmp (summary_fields[i].name, name, length) == 0)
      return i;

  return -1;
}

/* The end of the line at @p (just after its '\n'), or @end. */
static inline const char *
line_end (const char *p,
          const char *end)
{
  const char *nl = memchr (p, '\n', end - p);

  return nl != NULL ? nl + 1 : end;
}

static inline gboolean
line_is_blank (const char *p,
               const char *end)
{
  return (p < end && *p == '\n') || (p + 1 < end && p[0] == '\r' && p[1] == '\n');
}

/* Fills @raw with the raw values (NUL-terminated, in @buffer) of the fields the summary
 * reads; FALSE when GMime would not parse the block at all. */
static gboolean
scan_summary_fields (const char  *data,
                     gsize        length,
                     GString     *buffer,
                     const char  *raw[N_FIELDS])
{
  gssize offsets[N_FIELDS];
  const char *p = data;
  const char *end;
  gboolean any_header = FALSE;

  for (int i = 0; i < N_FIELDS; i++)
    {
      offsets[i] = -1;
      raw[i] = NULL;
    }

  /* The block ends at the first blank line, counted (as the GMime path does) before an
   * mbox "From " line is skipped. */
  end = data + _petrel_mime_header_block_length (data, length);
  if (end - p >= 5 && memcmp (p, "From ", 5) == 0)
    {
      const char *eol = memchr (p, '\n', end - p);

      if (eol == NULL)
        return FALSE;
      p = eol + 1;
    }
  if (p == end)
    return FALSE;

  while (p < end && !line_is_blank (p, end))
    {
      const char *start = p;
      const char *name_end;
      const char *colon;
      const char *field_end;
      gboolean valid = TRUE;
      int index = -1;

      /* The field name, then maybe blanks before the ':'; a nul byte counts as a space. */
      name_end = p;
      while (name_end < end && *name_end != ':' && !IS_NAME_STOP (*name_end))
        name_end++;
      colon = name_end;
      while (colon < end && (*colon == ' ' || *colon == '\t' || *colon == '\0'))
        colon++;
      if (colon == end || *colon != ':' || name_end == start)
        valid = FALSE;

      /* The whole field: this line and its continuation lines. */
      field_end = line_end (p, end);
      while (field_end < end && (*field_end == ' ' || *field_end == '\t'))
        field_end = line_end (field_end, end);
      p = field_end;

      if (!valid)
        {
          if (!any_header)
            {
              /* GMime gives up on a first line that is no header, but for an mbox "From ". */
              if (end - start < 5 || memcmp (start, "From ", 5) != 0)
                return FALSE;
              continue;
            }
          continue;
        }

      any_header = TRUE;

      index = summary_field_index (start, name_end - start);
      if (index < 0 || offsets[index] >= 0)
        continue;

      /* The raw value, as GMime keeps it: each line's bytes, each but the data's last line
       * ending in "\n" (a "\r\n" keeps its "\r"), nul bytes as spaces. */
      offsets[index] = buffer->len;
      for (const char *q = colon + 1; q < field_end; q++)
        g_string_append_c (buffer, *q == '\0' ? ' ' : *q);
      g_string_append_c (buffer, '\0');
    }

  for (int i = 0; i < N_FIELDS; i++)
    if (offsets[i] >= 0)
      raw[i] = buffer->str + offsets[i];

  return TRUE;
}

/* ---- address lists without InternetAddress objects ------------------------------------
 *
 * petrel_mime_address_list_parse() builds a GMime InternetAddressList (GObjects, events,
 * finalizers) for every field; in a headers-only sync that was a fifth of the fetching
 * thread's CPU time (#4). Two readers here cover the common fields and give up on anything
 * else, which petrel_mime_address_list_parse() then reads as before:
 *   - parse_plain_address_list() reads plain ASCII fields straight from the raw value:
 *     `Ann Lee <ann@example.org>, "Lee, Bob" <bob@x.org>` or bare addresses;
 *   - parse_decoded_address_list() reads the value as GMime gets it (unfolded, encoded words
 *     merged by _petrel_mime_prepare_header()), finds each display name exactly where GMime
 *     3.2's address_parse() does, and decodes it with the calls GMime's decode_name() makes,
 *     so that RFC 2047 names (`=?utf-8?q?Priya_M=C3=BCller?= <priya@example.org>`), raw
 *     8-bit names and quoted strings come out as they did.
 * Neither reads comments, groups, escapes, routes, items GMime would skip or merge, or an
 * address that is no plain dot-atom@domain. tests/engine/test-mime-summary.c checks that
 * both agree with GMime and that the common forms do not fall back. */

#define IS_ATEXT(c) \
  ((c) != '\0' && (g_ascii_isalnum (c) || strchr ("!#$%&'*+/=?^_`{|}~-", (c)) != NULL))
#define IS_FOLD_SPACE(c) ((c) == ' ' || (c) == '\t' || (c) == '\r' || (c) == '\n')

static gint address_counts[3];   /* PetrelMimeAddressCounts, in that order; atomic */

void
_petrel_mime_summary_get_address_counts (PetrelMimeAddressCounts *counts)
{
  counts->plain = (guint) g_atomic_int_get (&address_counts[0]);
  counts->decoded = (guint) g_atomic_int_get (&address_counts[1]);
  counts->gmime = (guint) g_atomic_int_get (&address_counts[2]);
}

/* petrel_mime_address_new() for what the readers below found; takes @name. */
static PetrelMimeAddress *
petrel_mime_address_new_take_plain (char       *name,
                                    const char *address,
                                    gsize       length)
{
  g_autofree char *owned_name = name;
  g_autofree char *owned_address = g_strndup (address, length);

  return petrel_mime_address_new (owned_name, owned_address);
}

/* A dot-atom local part, '@', then dot-separated labels of letters, digits and '-', at least
 * two of them; @end is just after it. */
static gboolean
plain_addr_spec (const char  *p,
                 const char  *end)
{
  const char *at = memchr (p, '@', end - p);
  guint labels = 0;

  if (at == NULL || at == p || at + 1 >= end)
    return FALSE;

  for (const char *q = p; q < at; q++)
    {
      if (*q == '.')
        {
          if (q == p || q + 1 == at || q[1] == '.')
            return FALSE;
        }
      else if (!IS_ATEXT (*q))
        return FALSE;
    }

  for (const char *q = at + 1; q < end; q++)
    {
      const char *label = q;

      /* GMime shows an IDNA label ("xn--bcher-kva") in Unicode: its business. */
      if (end - q >= 4 && g_ascii_strncasecmp (q, "xn--", 4) == 0)
        return FALSE;
      while (q < end && (g_ascii_isalnum (*q) || *q == '-'))
        q++;
      if (q == label || (q < end && *q != '.'))
        return FALSE;
      labels++;
    }

  return labels >= 2 && end[-1] != '.';
}

/* Appends the addresses of @raw to @result and returns TRUE, or returns FALSE (with @result
 * as it was) when the field is not plain. */
static gboolean
parse_plain_address_list (const char *raw,
                          GPtrArray  *result)
{
  const char *p = raw;
  const char *end = raw + strlen (raw);
  guint added = 0;

  /* The raw value ends in its line end and may be folded (a line end before a space or
   * tab), which only counts as white space between items; any other control character, 8-bit
   * byte or special syntax is left to GMime. */
  while (end > p && IS_FOLD_SPACE (end[-1]))
    end--;
  for (const char *q = p; q < end; q++)
    {
      guchar c = (guchar) *q;

      if ((c < 0x20 && !IS_FOLD_SPACE (c)) || c >= 0x7F || c == '(' || c == ')' || c == ';' || c == ':' ||
          c == '\\' || c == '[' || c == ']' || (c == '=' && q + 1 < end && q[1] == '?'))
        return FALSE;
    }

  while (p < end)
    {
      g_autofree char *name = NULL;
      const char *addr_start;
      const char *addr_end;

      while (p < end && IS_FOLD_SPACE (*p))
        p++;

      if (p < end && *p == '"')
        {
          const char *close = memchr (p + 1, '"', end - (p + 1));

          if (close == NULL || close == p + 1)
            goto fail;
          /* Spaces at the ends, doubled or folded inside a quoted name: GMime's business. */
          if (p[1] == ' ' || close[-1] == ' ' || g_strstr_len (p + 1, close - p - 1, "  "))
            goto fail;
          for (const char *q = p + 1; q < close; q++)
            if (*q == '\t' || *q == '\r' || *q == '\n')
              goto fail;
          name = g_strndup (p + 1, close - p - 1);
          p = close + 1;
          while (p < end && IS_FOLD_SPACE (*p))
            p++;
          if (p == end || *p != '<')
            goto fail;
        }
      else if (p < end && *p != '<')
        {
          /* A phrase of atoms single-spaced, then <…>; or a bare address. */
          const char *start = p;

          while (p < end && *p != '<' && *p != ',')
            p++;
          if (p < end && *p == '<')
            {
              const char *phrase_end = p;

              while (phrase_end > start && IS_FOLD_SPACE (phrase_end[-1]))
                phrase_end--;
              if (phrase_end == start)
                goto fail;
              for (const char *q = start; q < phrase_end; q++)
                if (!(IS_ATEXT (*q) || (*q == ' ' && q[1] != ' ')) ||
                    (*q == '=' || *q == '?'))
                  goto fail;
              name = g_strndup (start, phrase_end - start);
            }
          else
            {
              const char *token_end = p;

              while (token_end > start && IS_FOLD_SPACE (token_end[-1]))
                token_end--;
              /* plain_addr_spec() takes no white space at all. */
              if (!plain_addr_spec (start, token_end))
                goto fail;
              g_ptr_array_add (result, petrel_mime_address_new_take_plain (NULL, start,
                                                                          token_end - start));
              added++;
              goto next;
            }
        }
      else if (p == end)
        goto fail;

      /* <addr-spec> */
      addr_start = p + 1;
      addr_end = memchr (addr_start, '>', end - addr_start);
      if (addr_end == NULL || !plain_addr_spec (addr_start, addr_end))
        goto fail;
      g_ptr_array_add (result, petrel_mime_address_new_take_plain (g_steal_pointer (&name),
                                                                  addr_start,
                                                                  addr_end - addr_start));
      added++;
      p = addr_end + 1;
      while (p < end && IS_FOLD_SPACE (*p))
        p++;

    next:
      if (added > PETREL_MIME_MAX_ADDRESSES)
        goto fail;
      if (p == end)
        break;
      if (*p != ',')
        goto fail;
      p++;
      while (p < end && IS_FOLD_SPACE (*p))
        p++;
      if (p == end || *p == ',')
        goto fail;   /* empty items: GMime's business */
    }

  return added > 0;

fail:
  g_ptr_array_remove_range (result, result->len - added, added);
  return FALSE;
}

/* GMime's is_atom(): no control character, space or RFC 822 special; 8-bit bytes are atom
 * characters, so an encoded word or a raw UTF-8 name is an atom. */
static inline gboolean
is_gmime_atom (char c)
{
  switch (c)
    {
    case '(': case ')': case '<': case '>': case '@': case ',': case ';': case ':':
    case '\\': case '"': case '.': case '[': case ']':
      return FALSE;
    default:
      return (guchar) c > 0x20 && (guchar) c != 0x7F;
    }
}

static inline const char *
skip_gmime_lwsp (const char *p)
{
  while (IS_FOLD_SPACE (*p))
    p++;
  return p;
}

/* What GMime 3.2's decode_name() makes of the @length bytes of a display name at @phrase:
 * 8-bit text that is no UTF-8 read in the fallback charsets, quotes removed, encoded words
 * decoded, white space trimmed. */
static char *
decode_display_name (const char *phrase,
                     gsize       length)
{
  GMimeParserOptions *options = _petrel_mime_parser_options ();
  g_autofree char *text = NULL;
  char *name;

  if (g_utf8_validate (phrase, length, NULL))
    text = g_strndup (phrase, length);
  else
    text = g_mime_utils_decode_8bit (options, phrase, length);

  g_mime_utils_unquote_string (text);
  name = g_mime_utils_header_decode_phrase (options, text);
  if (name != NULL)
    g_strstrip (name);

  return name;
}

/* Appends the addresses of @prepared (a value from _petrel_mime_prepare_header()) to @result
 * and returns TRUE, or returns FALSE (with @result as it was) for anything but
 * `phrase <addr-spec>` and bare `addr-spec` items. The walk follows GMime 3.2's
 * address_list_parse() and address_parse() in loose mode with addresses without a domain
 * allowed, as _petrel_mime_parser_options() sets them. */
static gboolean
parse_decoded_address_list (const char *prepared,
                            GPtrArray  *result)
{
  const char *p = skip_gmime_lwsp (prepared);
  guint added = 0;

  if (*p == '\0')
    return FALSE;

  while (*p != '\0')
    {
      const char *start = p;
      gsize length = 0;
      guint words = 0;
      g_autofree char *name = NULL;
      const char *addr_end;

      /* The phrase: words (atoms or quoted strings) with white space or dots between them;
       * it ends after its last word or dot. */
      while (TRUE)
        {
          if (*p == '"')
            {
              for (p++; *p != '"'; p++)
                if (*p == '\0' || *p == '\\')
                  goto fail;   /* unterminated or escaped: GMime's business */
              p++;
            }
          else if (is_gmime_atom (*p))
            {
              while (is_gmime_atom (*p))
                p++;
            }
          else
            break;

          length = p - start;
          p = skip_gmime_lwsp (p);
          while (*p == '.')
            {
              p++;
              length = p - start;
              p = skip_gmime_lwsp (p);
            }
          words++;

          /* GMime takes a comma after two or more words into the name. */
          if (*p == ',' && words > 1)
            goto fail;
        }

      if (*p == '<')
        {
          if (length > 0)
            name = decode_display_name (start, length);

          p++;
          addr_end = strchr (p, '>');
          if (addr_end == NULL || !plain_addr_spec (p, addr_end))
            goto fail;
          g_ptr_array_add (result, petrel_mime_address_new_take_plain (g_steal_pointer (&name),
                                                                      p, addr_end - p));
          p = addr_end + 1;
        }
      else if (*p == '@')
        {
          /* A bare address; GMime reads it again from the start of the item. */
          addr_end = start;
          while (*addr_end != '\0' && *addr_end != ',' && !IS_FOLD_SPACE (*addr_end))
            addr_end++;
          if (!plain_addr_spec (start, addr_end))
            goto fail;
          g_ptr_array_add (result, petrel_mime_address_new_take_plain (NULL, start,
                                                                      addr_end - start));
          p = addr_end;
        }
      else
        goto fail;   /* a group, comment, route, an address without a domain… */

      added++;
      if (added > PETREL_MIME_MAX_ADDRESSES)
        goto fail;

      /* Then the end, or commas (empty items between them are skipped, as GMime does). */
      p = skip_gmime_lwsp (p);
      if (*p != '\0' && *p != ',')
        goto fail;
      while (*p == ',')
        p = skip_gmime_lwsp (p + 1);
    }

  return TRUE;

fail:
  g_ptr_array_remove_range (result, result->len - added, added);
  return FALSE;
}

/* The addresses of a raw field: plain and decodable ones read directly, the rest by GMime. */
static GPtrArray *
address_list_parse (const char *raw)
{
  g_autoptr(GPtrArray) result = NULL;
  g_autofree char *prepared = NULL;

  if (raw == NULL)
    return petrel_mime_address_list_parse (NULL);

  result = g_ptr_array_new_with_free_func ((GDestroyNotify) petrel_mime_address_free);
  if (parse_plain_address_list (raw, result))
    {
      g_atomic_int_inc (&address_counts[0]);
      return g_steal_pointer (&result);
    }

  prepared = _petrel_mime_prepare_header (raw);
  if (parse_decoded_address_list (prepared, result))
    {
      g_atomic_int_inc (&address_counts[1]);
      return g_steal_pointer (&result);
    }

  g_atomic_int_inc (&address_counts[2]);
  return _petrel_mime_address_list_parse_prepared (prepared);
}

/* The summary of the raw values of the fields; @parse_addresses reads the address lists. */
static PetrelMimeSummary *
summary_new_from_raw (const char *const   raw[N_FIELDS],
                      gint64              fallback_date,
                      GPtrArray        *(*parse_addresses) (const char *raw))
{
  PetrelMimeSummary *self = g_new0 (PetrelMimeSummary, 1);
  const char *raw_from = raw[FIELD_FROM];

  self->subject = petrel_mime_decode_header_text (raw[FIELD_SUBJECT]);
  if (self->subject == NULL)
    self->subject = g_strdup ("");

  self->from = parse_addresses (raw_from);
  if (self->from->len == 0 && raw_from != NULL)
    {
      /* "From: Mailer Daemon" with no address at all is still worth showing as a name. */
      g_autofree char *text = petrel_mime_decode_header_text (raw_from);

      if (text[0] != '\0')
        g_ptr_array_add (self->from, petrel_mime_address_new (text, NULL));
    }
  if (self->from->len > 0)
    {
      PetrelMimeAddress *first = g_ptr_array_index (self->from, 0);

      self->from_name = g_strdup (first->name != NULL ? first->name : "");
      self->from_address = g_strdup (first->address);
    }
  else
    {
      self->from_name = g_strdup ("");
      self->from_address = g_strdup ("");
    }

  self->to = parse_addresses (raw[FIELD_TO]);
  self->cc = parse_addresses (raw[FIELD_CC]);
  self->reply_to = parse_addresses (raw[FIELD_REPLY_TO]);
  self->to_display = petrel_mime_address_list_to_display (self->to);
  self->cc_display = petrel_mime_address_list_to_display (self->cc);

  self->date = petrel_mime_parse_date (raw[FIELD_DATE], fallback_date);
  self->message_id = petrel_mime_normalize_message_id (raw[FIELD_MESSAGE_ID]);
  self->in_reply_to = petrel_mime_normalize_message_id (raw[FIELD_IN_REPLY_TO]);
  self->references = petrel_mime_parse_references (raw[FIELD_REFERENCES]);
  self->list_id = petrel_mime_normalize_list_id (raw[FIELD_LIST_ID]);

  return self;
}

/* The summary from a parsed message's headers, decoded as GMime parsed them. */
PetrelMimeSummary *
_petrel_mime_summary_new_from_object (GMimeObject *object,
                                      gint64       fallback_date)
{
  const char *raw[N_FIELDS] = { NULL };

  if (object != NULL)
    for (int i = 0; i < N_FIELDS; i++)
      raw[i] = _petrel_mime_header_raw (object, summary_fields[i].name);

  return summary_new_from_raw (raw, fallback_date, petrel_mime_address_list_parse);
}

/* The summary through a whole GMimeMessage: what petrel_mime_summary_new_from_data() did
 * before the scanner above; kept for the tests that compare both. */
PetrelMimeSummary *
_petrel_mime_summary_new_from_data_gmime (const char *data,
                                          gsize       length,
                                          gint64      fallback_date)
{
  g_autoptr(GMimeMessage) message = NULL;

  if (length > 0)
    message = _petrel_mime_parse (data, _petrel_mime_header_block_length (data, length));

  return _petrel_mime_summary_new_from_object (message != NULL ? GMIME_OBJECT (message) : NULL,
                                               fallback_date);
}

/**
 * petrel_mime_summary_new_from_data:
 * @data: (array length=length): a whole message, or only its header block
 * @length: length of @data
 * @fallback_date: the date to use when the Date header is missing or bad (for example the
 *   IMAP INTERNALDATE, or 0)
 *
 * Decodes the headers a message list needs. Only the header block is parsed, so this is
 * cheap for big messages. It never fails: empty or garbage input gives empty fields.
 *
 * Returns: (transfer full): a new summary
 */
PetrelMimeSummary *
petrel_mime_summary_new_from_data (const char *data,
                                   gsize       length,
                                   gint64      fallback_date)
{
  g_autoptr(GString) buffer = NULL;
  const char *raw[N_FIELDS];

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  buffer = g_string_sized_new (MIN (length, 4096) + 1);
  if (!scan_summary_fields (data, length, buffer, raw))
    for (int i = 0; i < N_FIELDS; i++)
      raw[i] = NULL;

  return summary_new_from_raw (raw, fallback_date, address_list_parse);
}

/**
 * petrel_mime_summary_new_from_bytes:
 * @bytes: a whole message, or only its header block
 * @fallback_date: see petrel_mime_summary_new_from_data()
 *
 * Returns: (transfer full): a new summary
 */
PetrelMimeSummary *
petrel_mime_summary_new_from_bytes (GBytes *bytes,
                                    gint64  fallback_date)
{
  gsize length = 0;
  const char *data;

  g_return_val_if_fail (bytes != NULL, NULL);

  data = g_bytes_get_data (bytes, &length);
  return petrel_mime_summary_new_from_data (data, length, fallback_date);
}

PetrelMimeSummary *
petrel_mime_summary_copy (const PetrelMimeSummary *self)
{
  PetrelMimeSummary *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (PetrelMimeSummary, 1);
  copy->subject = g_strdup (self->subject);
  copy->from_name = g_strdup (self->from_name);
  copy->from_address = g_strdup (self->from_address);
  copy->from = copy_address_list (self->from);
  copy->to = copy_address_list (self->to);
  copy->cc = copy_address_list (self->cc);
  copy->reply_to = copy_address_list (self->reply_to);
  copy->to_display = g_strdup (self->to_display);
  copy->cc_display = g_strdup (self->cc_display);
  copy->date = self->date;
  copy->message_id = g_strdup (self->message_id);
  copy->in_reply_to = g_strdup (self->in_reply_to);
  copy->references = g_strdupv (self->references);
  copy->list_id = g_strdup (self->list_id);

  return copy;
}

void
petrel_mime_summary_free (PetrelMimeSummary *self)
{
  if (self == NULL)
    return;

  g_free (self->subject);
  g_free (self->from_name);
  g_free (self->from_address);
  g_clear_pointer (&self->from, g_ptr_array_unref);
  g_clear_pointer (&self->to, g_ptr_array_unref);
  g_clear_pointer (&self->cc, g_ptr_array_unref);
  g_clear_pointer (&self->reply_to, g_ptr_array_unref);
  g_free (self->to_display);
  g_free (self->cc_display);
  g_free (self->message_id);
  g_free (self->in_reply_to);
  g_strfreev (self->references);
  g_free (self->list_id);
  g_free (self);
}
