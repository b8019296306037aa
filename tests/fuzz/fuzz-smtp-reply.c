/* fuzz-smtp-reply.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * libFuzzer target for src/engine/smtp/petrel-smtp-protocol.c: the input's lines go through the
 * reply parser (then, for each complete reply, text, error and EHLO decoding), each line is
 * tried as an envelope address and the whole input as a message to canonicalise and
 * dot-stuff. Invariants:
 *  - what the parser hands on for display is valid UTF-8 without control characters;
 *  - AUTH mechanism names from EHLO are bare tokens (they go into an AUTH command);
 *  - an address the checker accepts cannot inject anything into `MAIL FROM:<…>` or
 *    `RCPT TO:<…>`: no CR, LF, NUL, space, control or angle bracket;
 *  - a canonical message has only CRLF line ends, lines ≤ 998 bytes, and ends with CRLF; after
 *    dot-stuffing "\r\n.\r\n" occurs only at its very end (no early end of DATA), and
 *    un-stuffing gives the canonical message back.
 */

#include "config.h"

#include "fuzz-common.h"
#include "smtp/petrel-smtp-private.h"

static void
check_reply (PetrelSmtpReply *reply)
{
  g_autofree char *text = _petrel_smtp_reply_dup_text (reply);
  g_autoptr(GError) error = _petrel_smtp_reply_to_error (reply, "Fuzzing");
  g_auto(GStrv) mechanisms = NULL;
  PetrelSmtpCapabilities caps;
  guint64 max_size;

  fuzz_require (fuzz_is_clean_utf8 (text, ""), "reply text is clean UTF-8");
  fuzz_require (error != NULL && g_utf8_validate (error->message, -1, NULL),
                "reply error message is UTF-8");
  fuzz_require (strchr (error->message, '\n') == NULL && strchr (error->message, '\r') == NULL,
                "reply error message is one line");

  _petrel_smtp_parse_ehlo (reply, &caps, &max_size, &mechanisms);
  for (guint i = 0; mechanisms[i] != NULL; i++)
    {
      fuzz_require (mechanisms[i][0] != '\0', "mechanism name not empty");
      for (const char *p = mechanisms[i]; *p != '\0'; p++)
        fuzz_require ((guchar) *p > ' ' && (guchar) *p < 0x7f, "mechanism is a bare token");
    }
  _petrel_smtp_choose_mechanism ((const char * const *) mechanisms, TRUE, FALSE);
  _petrel_smtp_choose_mechanism ((const char * const *) mechanisms, FALSE, TRUE);
}

static void
check_address (const char *line)
{
  gboolean non_ascii = FALSE;
  g_autoptr(GError) error = NULL;

  for (int allow_empty = 0; allow_empty < 2; allow_empty++)
    {
      if (_petrel_smtp_check_address (line, allow_empty, &non_ascii, &error))
        {
          g_autofree char *command = g_strdup_printf ("RCPT TO:<%s>\r\n", line);
          const char *crlf = strstr (command, "\r\n");

          /* The command the client would write has exactly one line end, at its end. */
          fuzz_require (crlf != NULL && crlf[2] == '\0', "no CR/LF injection in RCPT TO");
          fuzz_require (strchr (command, '\n') == crlf + 1, "no bare LF in RCPT TO");
          for (const char *p = line; *p != '\0'; p++)
            fuzz_require ((guchar) *p > ' ' && *p != 0x7f && *p != '<' && *p != '>',
                          "accepted address has no space, control or bracket");
          fuzz_require (g_utf8_validate (line, -1, NULL), "accepted address is UTF-8");
        }
      else
        {
          fuzz_require (error != NULL && g_utf8_validate (error->message, -1, NULL),
                        "address error is UTF-8");
          g_clear_error (&error);
        }
    }
}

static void
check_message (const uint8_t *data,
               size_t         size)
{
  g_autoptr(GBytes) message = g_bytes_new (data, size);
  g_autoptr(GBytes) canonical = NULL;
  g_autoptr(GBytes) stuffed = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GByteArray) unstuffed = NULL;
  const guint8 *c, *s;
  gsize clen, slen, line = 0;
  gboolean has_8bit = FALSE;

  canonical = _petrel_smtp_canonicalize (message, &has_8bit, &error);
  if (canonical == NULL)
    {
      fuzz_require (error != NULL && g_utf8_validate (error->message, -1, NULL),
                    "canonicalize error is UTF-8");
      return;
    }

  c = g_bytes_get_data (canonical, &clen);
  fuzz_require (clen >= 2 && c[clen - 2] == '\r' && c[clen - 1] == '\n',
                "canonical message ends with CRLF");
  for (gsize i = 0; i < clen; i++)
    {
      if (c[i] == '\r')
        fuzz_require (i + 1 < clen && c[i + 1] == '\n', "CR only before LF");
      else if (c[i] == '\n')
        {
          fuzz_require (i > 0 && c[i - 1] == '\r', "LF only after CR");
          line = 0;
        }
      else
        {
          fuzz_require (c[i] != '\0', "no NUL");
          fuzz_require (++line <= PETREL_SMTP_MAX_MESSAGE_LINE, "lines of at most 998 bytes");
        }
    }

  stuffed = _petrel_smtp_dot_stuff (canonical);
  s = g_bytes_get_data (stuffed, &slen);
  fuzz_require (slen >= 3 && memcmp (s + slen - 3, ".\r\n", 3) == 0, "DATA ends with .CRLF");
  /* The end of DATA is a line holding only "."; none may appear before the real one. */
  for (gsize i = 0; i + 3 < slen; i++)
    if ((i == 0 || s[i - 1] == '\n') && s[i] == '.')
      fuzz_require (s[i + 1] == '.', "every line-initial dot is doubled");

  unstuffed = g_byte_array_new ();
  for (gsize i = 0; i + 3 < slen; i++)
    {
      if ((i == 0 || s[i - 1] == '\n') && s[i] == '.')
        continue;
      g_byte_array_append (unstuffed, s + i, 1);
    }
  fuzz_require (unstuffed->len == clen && memcmp (unstuffed->data, c, clen) == 0,
                "un-stuffing gives the canonical message");
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(PetrelSmtpReply) reply = _petrel_smtp_reply_new ();
  gsize start = 0;

  for (gsize i = 0; i <= size; i++)
    {
      g_autofree char *line = NULL;
      g_autoptr(GError) error = NULL;
      gsize len;

      if (i < size && data[i] != '\n')
        continue;
      len = i - start;
      if (len > 0 && data[start + len - 1] == '\r')
        len--;

      if (!_petrel_smtp_reply_add_line (reply, (const char *) data + start, len, &error))
        {
          fuzz_require (error != NULL && fuzz_is_clean_utf8 (error->message, ""),
                        "reply parse error is clean UTF-8");
          g_clear_pointer (&reply, _petrel_smtp_reply_free);
          reply = _petrel_smtp_reply_new ();
        }
      else if (reply->complete)
        {
          check_reply (reply);
          g_clear_pointer (&reply, _petrel_smtp_reply_free);
          reply = _petrel_smtp_reply_new ();
        }

      line = g_strndup ((const char *) data + start, len);
      check_address (line);
      start = i + 1;
    }

  check_message (data, size);

  return 0;
}
