/* petrel-imap-utf7.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "imap/petrel-imap-error.h"
#include "imap/petrel-imap-utf7.h"

static const char base64_chars[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

static int
base64_value (guchar c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == ',')
    return 63;
  return -1;
}

static void
append_utf16_unit (GString *out,
                   guint32 *bits,
                   guint   *n_bits,
                   guint16  unit)
{
  *bits = (*bits << 16) | unit;
  *n_bits += 16;
  while (*n_bits >= 6)
    {
      *n_bits -= 6;
      g_string_append_c (out, base64_chars[(*bits >> *n_bits) & 0x3f]);
    }
  *bits &= (1u << *n_bits) - 1;
}

static void
close_shift (GString *out,
             guint32 *bits,
             guint   *n_bits)
{
  if (*n_bits > 0)
    g_string_append_c (out, base64_chars[(*bits << (6 - *n_bits)) & 0x3f]);
  g_string_append_c (out, '-');
  *bits = 0;
  *n_bits = 0;
}

/**
 * petrel_imap_utf7_encode:
 * @utf8: a mailbox name in UTF-8
 * @error: return location for an error
 *
 * Encodes @utf8 in modified UTF-7: printable ASCII stands for itself (`&` as `&-`), anything else
 * goes as `&`, modified base64 of UTF-16BE, `-`.
 *
 * Returns: (transfer full): the encoded name, or NULL if @utf8 is not valid UTF-8 or holds a
 *   control character
 */
char *
petrel_imap_utf7_encode (const char *utf8,
                         GError    **error)
{
  g_autoptr(GString) out = NULL;
  gboolean shifted = FALSE;
  guint32 bits = 0;
  guint n_bits = 0;

  g_return_val_if_fail (utf8 != NULL, NULL);

  if (!g_utf8_validate (utf8, -1, NULL))
    {
      g_set_error_literal (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_INVALID,
                           _("Mailbox name is not valid UTF-8"));
      return NULL;
    }

  out = g_string_sized_new (strlen (utf8) + 8);
  for (const char *p = utf8; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar ch = g_utf8_get_char (p);

      if (ch < 0x20 || ch == 0x7f)
        {
          g_set_error_literal (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_INVALID,
                               _("Mailbox name contains a control character"));
          return NULL;
        }

      if (ch < 0x7f)
        {
          if (shifted)
            {
              close_shift (out, &bits, &n_bits);
              shifted = FALSE;
            }
          if (ch == '&')
            g_string_append (out, "&-");
          else
            g_string_append_c (out, (char) ch);
          continue;
        }

      if (!shifted)
        {
          g_string_append_c (out, '&');
          shifted = TRUE;
        }
      if (ch >= 0x10000)
        {
          ch -= 0x10000;
          append_utf16_unit (out, &bits, &n_bits, 0xd800 | (ch >> 10));
          append_utf16_unit (out, &bits, &n_bits, 0xdc00 | (ch & 0x3ff));
        }
      else
        {
          append_utf16_unit (out, &bits, &n_bits, (guint16) ch);
        }
    }
  if (shifted)
    close_shift (out, &bits, &n_bits);

  return g_string_free (g_steal_pointer (&out), FALSE);
}

static gboolean
set_decode_error (GError    **error,
                  const char *why)
{
  g_set_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_PARSE,
               _("Mailbox name is not valid modified UTF-7: %s"), why);
  return FALSE;
}

/* Copies the character at *p to @out when it stands for itself, reading “&-” as “&”, and
 * returns TRUE; at the “&” that starts a base64 run it returns FALSE with *p past the “&”. */
static gboolean
copy_direct (const char **p,
             GString     *out)
{
  if (**p != '&')
    {
      g_string_append_c (out, **p);
      (*p)++;
      return TRUE;
    }
  (*p)++;
  if (**p == '-')
    {
      g_string_append_c (out, '&');
      (*p)++;
      return TRUE;
    }
  return FALSE;
}

/* Decodes the base64 run starting at *p (after '&'), up to and including its '-'. */
static gboolean
decode_shift (const char **p,
              GString     *out,
              GError     **error)
{
  const char *s = *p;
  guint32 bits = 0;
  guint n_bits = 0;
  gunichar high = 0;
  gboolean any = FALSE;

  for (;; s++)
    {
      int v;

      if (*s == '\0')
        return set_decode_error (error, "unterminated “&” sequence");
      if (*s == '-')
        break;
      v = base64_value ((guchar) *s);
      if (v < 0)
        return set_decode_error (error, "invalid character in an “&” sequence");
      any = TRUE;
      bits = (bits << 6) | (guint32) v;
      n_bits += 6;
      if (n_bits >= 16)
        {
          guint16 unit;

          n_bits -= 16;
          unit = (guint16) (bits >> n_bits);
          bits &= (1u << n_bits) - 1;

          if (high != 0)
            {
              if (unit < 0xdc00 || unit > 0xdfff)
                return set_decode_error (error, "unpaired surrogate");
              g_string_append_unichar (out, 0x10000 + ((high - 0xd800) << 10) + (unit - 0xdc00));
              high = 0;
            }
          else if (unit >= 0xd800 && unit <= 0xdbff)
            {
              high = unit;
            }
          else if (unit >= 0xdc00 && unit <= 0xdfff)
            {
              return set_decode_error (error, "unpaired surrogate");
            }
          else if (unit < 0x20 || unit == 0x7f)
            {
              return set_decode_error (error, "encoded control character");
            }
          else
            {
              g_string_append_unichar (out, unit);
            }
        }
    }

  if (!any)
    return set_decode_error (error, "empty “&” sequence");
  /* Leftover bits must be padding: fewer than 6 and all zero. */
  if (n_bits >= 6 || bits != 0)
    return set_decode_error (error, "bad padding in an “&” sequence");
  if (high != 0)
    return set_decode_error (error, "unpaired surrogate");

  *p = s + 1;
  return TRUE;
}

/* Decodes @mutf7. Without @repair anything that is not modified UTF-7 is an error; with it,
 * raw 8-bit bytes that form UTF-8 are kept, anything else invalid (a byte, a control
 * character, a broken “&…-” sequence up to its “-” or the first byte that cannot be in it)
 * becomes one U+FFFD, and *@repaired says whether there was any of this. */
static char *
decode (const char  *mutf7,
        gboolean     repair,
        gboolean    *repaired,
        GError     **error)
{
  g_autoptr(GString) out = g_string_sized_new (strlen (mutf7));
  const char *p = mutf7;

  while (*p != '\0')
    {
      guchar c = (guchar) *p;
      g_autoptr(GString) run = NULL;
      const char *q;

      if (c < 0x20 || c > 0x7e)
        {
          gunichar ch = c >= 0x80 ? g_utf8_get_char_validated (p, -1) : (gunichar) -1;

          if (!repair)
            {
              set_decode_error (error, c < 0x20 ? "control character" : "8-bit character");
              return NULL;
            }
          *repaired = TRUE;
          if (ch == (gunichar) -1 || ch == (gunichar) -2)
            {
              g_string_append_unichar (out, 0xfffd);
              p++;
            }
          else
            {
              g_string_append_unichar (out, ch);
              p = g_utf8_next_char (p);
            }
          continue;
        }
      if (copy_direct (&p, out))
        continue;

      run = g_string_new (NULL);
      q = p;
      if (decode_shift (&q, run, repair ? NULL : error))
        {
          g_string_append_len (out, run->str, (gssize) run->len);
          p = q;
          continue;
        }
      if (!repair)
        return NULL;
      *repaired = TRUE;
      g_string_append_unichar (out, 0xfffd);
      while (*p != '\0' && base64_value ((guchar) *p) >= 0)
        p++;
      if (*p == '-')
        p++;
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}

/**
 * petrel_imap_utf7_decode:
 * @mutf7: a mailbox name in modified UTF-7
 * @error: return location for an error
 *
 * Returns: (transfer full): the name in UTF-8, or NULL if @mutf7 is malformed
 */
char *
petrel_imap_utf7_decode (const char *mutf7,
                         GError    **error)
{
  g_return_val_if_fail (mutf7 != NULL, NULL);

  return decode (mutf7, FALSE, NULL, error);
}

/**
 * petrel_imap_utf7_decode_lossy:
 * @mutf7: a mailbox name as the server sent it
 * @lossy: (out) (optional): whether @mutf7 was not valid modified UTF-7
 *
 * Decodes what can be decoded: a valid “&…-” sequence as modified UTF-7, raw 8-bit bytes that
 * form UTF-8 as UTF-8; an invalid byte, a control character or a broken “&…-” sequence (up to
 * its “-”, or to the first byte that cannot be in it) becomes one U+FFFD.
 *
 * Returns: (transfer full): the name in valid UTF-8, never NULL
 */
char *
petrel_imap_utf7_decode_lossy (const char *mutf7,
                               gboolean   *lossy)
{
  gboolean bad = FALSE;
  char *out;

  g_return_val_if_fail (mutf7 != NULL, NULL);

  out = decode (mutf7, TRUE, &bad, NULL);
  if (lossy != NULL)
    *lossy = bad;
  return out;
}
