/* petrel-smtp-protocol.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The parts of SMTP that need no socket: reply parsing, EHLO capabilities, address checks,
 * message canonicalisation and dot-stuffing, SASL payloads. Everything here treats its input
 * as hostile and fails with a GError. */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "smtp/petrel-smtp-private.h"

/* The longest server text we quote back to a person. */
#define MAX_QUOTED_CHARS 300

void
_petrel_smtp_secure_free (char *secret)
{
  if (secret == NULL)
    return;

  explicit_bzero (secret, strlen (secret));
  g_free (secret);
}

/* Characters that must not reach a log or a dialog as they are: controls (a terminal escape,
 * a fake line break) and the bidirectional overrides that can make text read backwards. */
static gboolean
is_unsafe_char (gunichar c)
{
  return c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) ||
         c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
         (c >= 0x2066 && c <= 0x2069);
}

/**
 * _petrel_smtp_sanitize:
 * @text: bytes from the network
 * @len: length of @text, or -1 if NUL-terminated
 * @max_chars: most characters to keep (an ellipsis marks the cut), or 0 for no limit
 *
 * Returns: valid UTF-8 without control characters, safe to log or show
 */
char *
_petrel_smtp_sanitize (const char *text,
                       gssize      len,
                       gsize       max_chars)
{
  GString *out;
  const char *p;
  const char *end;
  gsize n = 0;

  if (text == NULL)
    return g_strdup ("");

  if (len < 0)
    len = strlen (text);

  out = g_string_sized_new (MIN ((gsize) len, 1024) + 1);
  p = text;
  end = text + len;

  while (p < end)
    {
      gunichar c;

      if (max_chars > 0 && n >= max_chars)
        {
          g_string_append (out, "…");
          break;
        }

      c = g_utf8_get_char_validated (p, end - p);
      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          g_string_append_unichar (out, 0xfffd);
          p++;
        }
      else
        {
          if (c == '\t')
            g_string_append_c (out, ' ');
          else if (is_unsafe_char (c))
            g_string_append_c (out, '?');
          else
            g_string_append_unichar (out, c);
          p = g_utf8_next_char (p);
        }
      n++;
    }

  return g_string_free (out, FALSE);
}

PetrelSmtpReply *
_petrel_smtp_reply_new (void)
{
  PetrelSmtpReply *reply = g_new0 (PetrelSmtpReply, 1);

  reply->lines = g_ptr_array_new_with_free_func (g_free);
  return reply;
}

void
_petrel_smtp_reply_free (PetrelSmtpReply *reply)
{
  if (reply == NULL)
    return;

  g_clear_pointer (&reply->lines, g_ptr_array_unref);
  g_clear_pointer (&reply->enhanced, g_free);
  g_free (reply);
}

/* Length of an RFC 3463 code of class @klass at the start of @text ("5.1.1 ..."), or 0. */
static gsize
enhanced_code_length (const char *text,
                      guint       klass)
{
  const char *p = text;

  if (klass != 2 && klass != 4 && klass != 5)
    return 0;
  if (p[0] != (char) ('0' + klass) || p[1] != '.')
    return 0;
  p += 2;

  for (guint part = 0; part < 2; part++)
    {
      guint digits = 0;

      while (g_ascii_isdigit (*p) && digits < 4)
        {
          p++;
          digits++;
        }
      if (digits == 0 || digits > 3)
        return 0;
      if (part == 0)
        {
          if (*p != '.')
            return 0;
          p++;
        }
    }

  if (*p != '\0' && *p != ' ')
    return 0;

  return p - text;
}

/**
 * _petrel_smtp_reply_add_line:
 * @reply: a reply that is not complete yet
 * @line: one line without its CRLF
 * @len: length of @line
 *
 * Adds a line ("250-SIZE 1000", "250 OK") to @reply and sets @reply->complete after the last
 * one. A malformed line is a %PETREL_SMTP_ERROR_PROTOCOL error quoting the (sanitised) line.
 */
gboolean
_petrel_smtp_reply_add_line (PetrelSmtpReply  *reply,
                             const char       *line,
                             gsize             len,
                             GError          **error)
{
  guint code;
  char separator;
  const char *text;
  gsize text_len;

  g_return_val_if_fail (reply != NULL, FALSE);
  g_return_val_if_fail (!reply->complete, FALSE);

  if (len + 2 > PETREL_SMTP_MAX_REPLY_LINE)
    {
      g_set_error (error, PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_PROTOCOL,
                   _("The server sent a reply line longer than %d bytes"),
                   PETREL_SMTP_MAX_REPLY_LINE);
      return FALSE;
    }

  if (reply->lines->len >= PETREL_SMTP_MAX_REPLY_LINES)
    {
      g_set_error (error, PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_PROTOCOL,
                   _("The server sent a reply of more than %d lines"),
                   PETREL_SMTP_MAX_REPLY_LINES);
      return FALSE;
    }

  if (len < 3 || line[0] < '2' || line[0] > '5' ||
      !g_ascii_isdigit (line[1]) || !g_ascii_isdigit (line[2]) ||
      (len > 3 && line[3] != ' ' && line[3] != '-') ||
      memchr (line, '\0', len) != NULL)
    {
      g_autofree char *quoted = _petrel_smtp_sanitize (line, len, 80);

      g_set_error (error, PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_PROTOCOL,
                   _("The server sent a malformed reply: “%s”"), quoted);
      return FALSE;
    }

  code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
  separator = len > 3 ? line[3] : ' ';

  if (reply->lines->len > 0 && code != reply->code)
    {
      g_set_error (error, PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_PROTOCOL,
                   _("The server sent a reply whose lines have different codes (%u and %u)"),
                   reply->code, code);
      return FALSE;
    }

  text = len > 4 ? line + 4 : "";
  text_len = len > 4 ? len - 4 : 0;

  reply->code = code;
  g_ptr_array_add (reply->lines, g_strndup (text, text_len));

  if (reply->lines->len == 1)
    {
      const char *first = g_ptr_array_index (reply->lines, 0);
      gsize elen = enhanced_code_length (first, code / 100);

      if (elen > 0)
        reply->enhanced = g_strndup (first, elen);
    }

  if (separator == ' ')
    reply->complete = TRUE;

  return TRUE;
}

/**
 * _petrel_smtp_reply_dup_text:
 *
 * Returns: the reply's text, lines joined by spaces, enhanced codes removed, sanitised and
 *   shortened so it can be shown to a person
 */
char *
_petrel_smtp_reply_dup_text (const PetrelSmtpReply *reply)
{
  g_autoptr(GString) joined = g_string_new (NULL);

  for (guint i = 0; i < reply->lines->len; i++)
    {
      const char *text = g_ptr_array_index (reply->lines, i);
      gsize elen = enhanced_code_length (text, reply->code / 100);

      text += elen;
      while (*text == ' ')
        text++;
      if (*text == '\0')
        continue;
      if (joined->len > 0)
        g_string_append_c (joined, ' ');
      g_string_append (joined, text);
    }

  return _petrel_smtp_sanitize (joined->str, joined->len, MAX_QUOTED_CHARS);
}

/**
 * _petrel_smtp_reply_to_error:
 * @reply: a failure reply
 * @context: (nullable): what was being done, shown before the explanation
 *
 * Returns: an error with %PETREL_SMTP_ERROR_TEMPORARY for 4xx, %PETREL_SMTP_ERROR_SIZE for
 *   X.2.3/X.3.4, %PETREL_SMTP_ERROR_PERMANENT for other 5xx, %PETREL_SMTP_ERROR_PROTOCOL for
 *   a success code where none was expected; the message explains the status and quotes the
 *   server
 */
GError *
_petrel_smtp_reply_to_error (const PetrelSmtpReply *reply,
                             const char            *context)
{
  g_autofree char *text = _petrel_smtp_reply_dup_text (reply);
  g_autofree char *quoted = NULL;
  g_autofree char *message = NULL;
  const char *description;
  int code;

  switch (reply->code / 100)
    {
    case 4:
      code = PETREL_SMTP_ERROR_TEMPORARY;
      description = petrel_smtp_describe_status (reply->code, reply->enhanced);
      break;

    case 5:
      if (g_strcmp0 (reply->enhanced, "5.3.4") == 0 || g_strcmp0 (reply->enhanced, "5.2.3") == 0)
        code = PETREL_SMTP_ERROR_SIZE;
      else
        code = PETREL_SMTP_ERROR_PERMANENT;
      description = petrel_smtp_describe_status (reply->code, reply->enhanced);
      break;

    default:
      code = PETREL_SMTP_ERROR_PROTOCOL;
      description = _("The server sent an unexpected reply");
      break;
    }

  if (reply->enhanced != NULL)
    quoted = g_strdup_printf ("%u %s %s", reply->code, reply->enhanced, text);
  else
    quoted = g_strdup_printf ("%u %s", reply->code, text);
  g_strchomp (quoted);

  if (context != NULL)
    /* Translators: context, explanation, server reply; e.g. "Sending to bob@example.com: The
     * recipient's address does not exist (the server said: 550 5.1.1 No such user)" */
    message = g_strdup_printf (_("%s: %s (the server said: %s)"), context, description, quoted);
  else
    message = g_strdup_printf (_("%s (the server said: %s)"), description, quoted);

  return g_error_new_literal (PETREL_SMTP_ERROR, code, message);
}

static gboolean
is_mechanism_name (const char *name)
{
  gsize len = strlen (name);

  if (len == 0 || len > 20)
    return FALSE;

  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;

  return TRUE;
}

static void
add_mechanism (GPtrArray  *mechanisms,
               const char *name)
{
  g_autofree char *upper = NULL;

  if (!is_mechanism_name (name))
    return;

  upper = g_ascii_strup (name, -1);
  for (guint i = 0; i < mechanisms->len; i++)
    if (strcmp (g_ptr_array_index (mechanisms, i), upper) == 0)
      return;

  g_ptr_array_add (mechanisms, g_steal_pointer (&upper));
}

/**
 * _petrel_smtp_parse_ehlo:
 * @reply: a complete 250 reply to EHLO
 *
 * Reads the extension keywords (RFC 5321 4.1.1.1): the first line is the server's name, each
 * further line one keyword with its parameters. Unknown keywords are ignored.
 */
void
_petrel_smtp_parse_ehlo (const PetrelSmtpReply  *reply,
                         PetrelSmtpCapabilities *capabilities,
                         guint64                *max_size,
                         GStrv                  *auth_mechanisms)
{
  g_autoptr(GPtrArray) mechanisms = g_ptr_array_new_with_free_func (g_free);
  PetrelSmtpCapabilities caps = PETREL_SMTP_CAPABILITY_NONE;
  guint64 size = 0;

  for (guint i = 1; i < reply->lines->len; i++)
    {
      g_auto(GStrv) words = g_strsplit (g_ptr_array_index (reply->lines, i), " ", -1);
      const char *keyword;
      guint first_param = 1;

      if (words[0] == NULL || words[0][0] == '\0')
        continue;
      keyword = words[0];

      if (g_ascii_strcasecmp (keyword, "SIZE") == 0)
        {
          guint64 value = 0;

          caps |= PETREL_SMTP_CAPABILITY_SIZE;
          if (words[1] != NULL &&
              g_ascii_string_to_unsigned (words[1], 10, 0, G_MAXUINT64, &value, NULL))
            size = value;
        }
      else if (g_ascii_strcasecmp (keyword, "8BITMIME") == 0)
        caps |= PETREL_SMTP_CAPABILITY_8BITMIME;
      else if (g_ascii_strcasecmp (keyword, "SMTPUTF8") == 0)
        caps |= PETREL_SMTP_CAPABILITY_SMTPUTF8;
      else if (g_ascii_strcasecmp (keyword, "PIPELINING") == 0)
        caps |= PETREL_SMTP_CAPABILITY_PIPELINING;
      else if (g_ascii_strcasecmp (keyword, "CHUNKING") == 0)
        caps |= PETREL_SMTP_CAPABILITY_CHUNKING;
      else if (g_ascii_strcasecmp (keyword, "DSN") == 0)
        caps |= PETREL_SMTP_CAPABILITY_DSN;
      else if (g_ascii_strcasecmp (keyword, "ENHANCEDSTATUSCODES") == 0)
        caps |= PETREL_SMTP_CAPABILITY_ENHANCEDSTATUSCODES;
      else if (g_ascii_strcasecmp (keyword, "STARTTLS") == 0)
        caps |= PETREL_SMTP_CAPABILITY_STARTTLS;
      else if (g_ascii_strcasecmp (keyword, "AUTH") == 0 ||
               g_ascii_strncasecmp (keyword, "AUTH=", 5) == 0)
        {
          /* "AUTH=LOGIN PLAIN" is the pre-standard form some servers still send. */
          caps |= PETREL_SMTP_CAPABILITY_AUTH;
          if (keyword[4] == '=')
            add_mechanism (mechanisms, keyword + 5);
          for (guint j = first_param; words[j] != NULL; j++)
            add_mechanism (mechanisms, words[j]);
        }
    }

  g_ptr_array_add (mechanisms, NULL);

  *capabilities = caps;
  *max_size = size;
  *auth_mechanisms = (GStrv) g_ptr_array_free (g_steal_pointer (&mechanisms), FALSE);
}

/**
 * _petrel_smtp_check_address:
 * @address: an envelope address, without angle brackets
 * @allow_empty: whether "" (the null reverse-path) is allowed
 * @non_ascii: (out): set to %TRUE if the address needs SMTPUTF8
 *
 * Refuses anything that could change the meaning of the command it goes into: CR, LF, NUL
 * and other controls, spaces, angle brackets. Addresses are checked before any byte of a
 * transaction is written, so a bad one never leaves a half-sent command behind.
 */
gboolean
_petrel_smtp_check_address (const char  *address,
                            gboolean     allow_empty,
                            gboolean    *non_ascii,
                            GError     **error)
{
  gsize len;
  const char *at;
  gboolean high = FALSE;

  len = strlen (address);

  if (len == 0)
    {
      if (allow_empty)
        return TRUE;
      g_set_error_literal (error, PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_INVALID_ADDRESS,
                           _("An address is empty"));
      return FALSE;
    }

  for (const char *p = address; *p != '\0'; p++)
    {
      guchar c = *p;

      if (c <= ' ' || c == 0x7f || c == '<' || c == '>')
        {
          g_autofree char *quoted = _petrel_smtp_sanitize (address, len, 80);

          g_set_error (error, PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_INVALID_ADDRESS,
                       _("The address “%s” contains a space, a control character or an "
                         "angle bracket"),
                       quoted);
          return FALSE;
        }
      if (c >= 0x80)
        high = TRUE;
    }

  if (high && !g_utf8_validate (address, len, NULL))
    {
      g_autofree char *quoted = _petrel_smtp_sanitize (address, len, 80);

      g_set_error (error, PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_INVALID_ADDRESS,
                   _("The address “%s” is not valid UTF-8"), quoted);
      return FALSE;
    }

  if (len > PETREL_SMTP_MAX_ADDRESS)
    {
      g_autofree char *quoted = _petrel_smtp_sanitize (address, len, 80);

      g_set_error (error, PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_INVALID_ADDRESS,
                   _("The address “%s” is longer than %d bytes"),
                   quoted, PETREL_SMTP_MAX_ADDRESS);
      return FALSE;
    }

  at = strrchr (address, '@');
  if (at == NULL || at == address || at[1] == '\0')
    {
      g_autofree char *quoted = _petrel_smtp_sanitize (address, len, 80);

      g_set_error (error, PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_INVALID_ADDRESS,
                   _("“%s” is not an email address"), quoted);
      return FALSE;
    }

  if (non_ascii != NULL)
    *non_ascii = high;

  return TRUE;
}

/**
 * _petrel_smtp_canonicalize:
 * @message: an RFC 5322 message as the caller has it
 * @has_8bit: (out): set to %TRUE if a byte has the high bit set
 *
 * Turns every line ending (CRLF, bare LF, bare CR) into CRLF and makes sure the message ends
 * with one, as SMTP requires (RFC 5321 2.3.8). A line longer than 998 octets is an error
 * rather than something we fold or cut: rewriting the message here would break signatures and
 * could change its meaning; the message builder has to encode such content (quoted-printable,
 * base64) instead. NUL bytes are refused for the same reason.
 *
 * Returns: (transfer full): the canonical message, whose size is the one SIZE= announces
 */
GBytes *
_petrel_smtp_canonicalize (GBytes    *message,
                           gboolean  *has_8bit,
                           GError   **error)
{
  g_autoptr(GByteArray) out = NULL;
  const guint8 *data;
  gsize len;
  gsize start = 0;
  gsize line_len = 0;
  guint line_no = 1;  /* only for messages: a 4-billion-line message wraps harmlessly */
  gboolean eight = FALSE;

  data = g_bytes_get_data (message, &len);
  if (len == 0)
    {
      g_set_error_literal (error, PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_INVALID_MESSAGE,
                           _("The message is empty"));
      return NULL;
    }

  out = g_byte_array_sized_new (len + len / 32 + 2);

  for (gsize i = 0; i < len; i++)
    {
      guint8 c = data[i];

      if (c == '\r' || c == '\n')
        {
          g_byte_array_append (out, data + start, i - start);
          g_byte_array_append (out, (const guint8 *) "\r\n", 2);
          if (c == '\r' && i + 1 < len && data[i + 1] == '\n')
            i++;
          start = i + 1;
          line_len = 0;
          line_no++;
          continue;
        }

      if (c == '\0')
        {
          g_set_error (error, PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_INVALID_MESSAGE,
                       _("Line %u of the message contains a NUL byte, which mail cannot carry; "
                         "the message must be encoded before it is sent"),
                       line_no);
          return NULL;
        }

      if (c & 0x80)
        eight = TRUE;

      if (++line_len > PETREL_SMTP_MAX_MESSAGE_LINE)
        {
          g_set_error (error, PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_INVALID_MESSAGE,
                       _("Line %u of the message is longer than %d bytes; "
                         "the message must be encoded (quoted-printable or base64) before it "
                         "is sent"),
                       line_no, PETREL_SMTP_MAX_MESSAGE_LINE);
          return NULL;
        }
    }

  g_byte_array_append (out, data + start, len - start);
  if (line_len > 0)
    g_byte_array_append (out, (const guint8 *) "\r\n", 2);

  if (has_8bit != NULL)
    *has_8bit = eight;

  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/**
 * _petrel_smtp_dot_stuff:
 * @canonical: a message from _petrel_smtp_canonicalize()
 *
 * Doubles the dot that starts a line (RFC 5321 4.5.2) and adds the ".\r\n" that ends DATA.
 *
 * Returns: (transfer full): the bytes to write after a 354 reply
 */
GBytes *
_petrel_smtp_dot_stuff (GBytes *canonical)
{
  g_autoptr(GByteArray) out = NULL;
  const guint8 *data;
  gsize len;
  gsize start = 0;

  data = g_bytes_get_data (canonical, &len);
  out = g_byte_array_sized_new (len + len / 64 + 3);

  for (gsize i = 0; i < len; i++)
    {
      if (data[i] == '.' && (i == 0 || data[i - 1] == '\n'))
        {
          g_byte_array_append (out, data + start, i - start);
          g_byte_array_append (out, (const guint8 *) ".", 1);
          start = i;
        }
    }
  g_byte_array_append (out, data + start, len - start);
  g_byte_array_append (out, (const guint8 *) ".\r\n", 3);

  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/**
 * _petrel_smtp_choose_mechanism:
 * @offered: (nullable): upper-case mechanism names from EHLO
 *
 * Picks the best mechanism for the credentials we hold: OAUTHBEARER, then XOAUTH2 for a
 * token; PLAIN (one round trip), then LOGIN for a password. Both password mechanisms send the
 * password itself, which is why the client only uses them inside TLS or on loopback.
 *
 * Returns: (nullable): a static mechanism name
 */
const char *
_petrel_smtp_choose_mechanism (const char * const *offered,
                               gboolean            have_password,
                               gboolean            have_token)
{
  static const char * const token_order[] = { "OAUTHBEARER", "XOAUTH2" };
  static const char * const password_order[] = { "PLAIN", "LOGIN" };

  if (offered == NULL)
    return NULL;

  if (have_token)
    {
      for (guint i = 0; i < G_N_ELEMENTS (token_order); i++)
        if (g_strv_contains (offered, token_order[i]))
          return token_order[i];
    }

  if (have_password)
    {
      for (guint i = 0; i < G_N_ELEMENTS (password_order); i++)
        if (g_strv_contains (offered, password_order[i]))
          return password_order[i];
    }

  return NULL;
}

static char *
base64_secret (const char *data,
               gsize       len)
{
  return g_base64_encode ((const guchar *) data, len);
}

/* RFC 4616: authzid (empty) NUL authcid NUL passwd. */
char *
_petrel_smtp_auth_plain (const char *user,
                         const char *password)
{
  gsize ulen = strlen (user);
  gsize plen = strlen (password);
  gsize len = ulen + plen + 2;
  char *buf = g_malloc (len);
  char *encoded;

  buf[0] = '\0';
  memcpy (buf + 1, user, ulen);
  buf[ulen + 1] = '\0';
  memcpy (buf + ulen + 2, password, plen);

  encoded = base64_secret (buf, len);
  explicit_bzero (buf, len);
  g_free (buf);

  return encoded;
}

/* https://developers.google.com/gmail/imap/xoauth2-protocol */
char *
_petrel_smtp_auth_xoauth2 (const char *user,
                           const char *token)
{
  g_autoptr(PetrelSmtpSecret) raw = g_strdup_printf ("user=%s\001auth=Bearer %s\001\001",
                                                     user, token);

  return base64_secret (raw, strlen (raw));
}

/* RFC 7628 3.1, with the authzid escaped as RFC 5801 saslname. */
char *
_petrel_smtp_auth_oauthbearer (const char *user,
                               const char *token,
                               const char *host,
                               guint16     port)
{
  g_autoptr(GString) saslname = g_string_new (NULL);
  g_autoptr(PetrelSmtpSecret) raw = NULL;

  for (const char *p = user; *p != '\0'; p++)
    {
      if (*p == ',')
        g_string_append (saslname, "=2C");
      else if (*p == '=')
        g_string_append (saslname, "=3D");
      else
        g_string_append_c (saslname, *p);
    }

  raw = g_strdup_printf ("n,a=%s,\001host=%s\001port=%u\001auth=Bearer %s\001\001",
                         saslname->str, host, port, token);

  return base64_secret (raw, strlen (raw));
}
