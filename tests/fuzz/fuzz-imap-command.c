/* fuzz-imap-command.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * libFuzzer target for IMAP command building (src/engine/imap/petrel-imap-command.c). The input
 * is a program: pieces separated by 0xFF bytes, each piece's first byte picks an add_* call and
 * the rest is its argument (which may hold CR, LF, quotes, braces, 8-bit bytes...). The command
 * is serialised in every literal mode and the wire bytes are checked:
 *  - no CR or LF anywhere except the CRLF ending the command and the CRLF after each literal
 *    header (`{N}`, `{N+}`, `~{N}`), whose N bytes follow exactly: no caller string can end a
 *    command early or start another (no CR/LF injection, ever);
 *  - every chunk but the last ends with a synchronising literal header;
 *  - LOGIN's arguments never reach the log string.
 */

#include "config.h"

#include "fuzz-common.h"
#include "imap/petrel-imap.h"

static const char * const names[] = {
  "SELECT", "UID FETCH", "LOGIN", "APPEND", "UID SEARCH", "ID", "STATUS", "UID STORE",
};

/* Checks the concatenated wire bytes; returns the number of literals seen. */
static guint
check_wire (const guint8 *w,
            gsize         len)
{
  gsize i = 0;
  guint literals = 0;

  fuzz_require (len >= 2 && w[len - 2] == '\r' && w[len - 1] == '\n', "command ends with CRLF");
  while (i < len)
    {
      if (w[i] == '\n')
        fuzz_require (FALSE, "bare LF outside a literal");
      if (w[i] != '\r')
        {
          fuzz_require (w[i] != '\0', "no NUL outside a literal");
          i++;
          continue;
        }
      fuzz_require (i + 1 < len && w[i + 1] == '\n', "CR only in CRLF");
      if (i + 2 == len)
        return literals;

      /* Any other CRLF must end a literal header: `{digits}` or `{digits+}` (or `-`). */
      {
        gsize j = i;
        guint64 n = 0, mult = 1;

        fuzz_require (j > 0 && w[j - 1] == '}', "a CRLF inside a command ends a literal header");
        j--;
        if (j > 0 && (w[j - 1] == '+' || w[j - 1] == '-'))
          j--;
        fuzz_require (j > 0 && g_ascii_isdigit (w[j - 1]), "literal size");
        while (j > 0 && g_ascii_isdigit (w[j - 1]))
          {
            n += (w[j - 1] - '0') * mult;
            mult *= 10;
            fuzz_require (mult < G_GUINT64_CONSTANT (100000000000), "literal size is sane");
            j--;
          }
        fuzz_require (j > 0 && w[j - 1] == '{', "literal header opens with {");
        fuzz_require (i + 2 + n <= len - 2, "literal fits before the final CRLF");
        i += 2 + n;
        literals++;
      }
    }
  fuzz_require (FALSE, "the command is terminated");
  return literals;
}

static void
serialize_and_check (PetrelImapCommand     *command,
                     PetrelImapLiteralMode  mode,
                     const char            *login_secret)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) chunks = petrel_imap_command_serialize (command, mode, &error);
  g_autoptr(GByteArray) wire = g_byte_array_new ();

  if (chunks == NULL)
    {
      fuzz_require (error != NULL && g_utf8_validate (error->message, -1, NULL),
                    "serialize error is UTF-8");
      return;
    }
  fuzz_require (chunks->len > 0, "at least one chunk");
  for (guint i = 0; i < chunks->len; i++)
    {
      gsize n;
      const guint8 *d = g_bytes_get_data (g_ptr_array_index (chunks, i), &n);

      if (i + 1 < chunks->len)
        fuzz_require (n >= 3 && d[n - 3] == '}' && d[n - 2] == '\r' && d[n - 1] == '\n',
                      "a chunk that waits for + ends with a synchronising literal header");
      g_byte_array_append (wire, d, n);
    }
  check_wire (wire->data, wire->len);

  if (login_secret != NULL)
    {
      g_autofree char *log = petrel_imap_command_to_log_string (command);

      fuzz_require (log != NULL && strstr (log, login_secret) == NULL,
                    "LOGIN's password is not in the log string");
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(PetrelImapCommand) command = NULL;
  g_autofree char *secret = NULL;
  const char *name;
  gsize start = 1;
  guint n_args = 0;

  if (size < 1)
    return 0;
  name = names[data[0] % G_N_ELEMENTS (names)];
  command = petrel_imap_command_new ((data[0] & 0x80) ? "A0001" : "t1", name);
  if (data[0] & 0x40)
    petrel_imap_command_set_utf8 (command, TRUE);

  for (gsize i = 1; i <= size && n_args < 64; i++)
    {
      g_autofree char *arg = NULL;
      g_autoptr(GError) error = NULL;
      gsize piece, piece_len;
      guint8 op;

      if (i < size && data[i] != 0xff)
        continue;
      if (i == start)
        {
          start = i + 1;
          continue;
        }
      op = data[start];
      piece = start + 1;
      piece_len = i - start - 1;
      arg = g_strndup ((const char *) data + piece, piece_len);
      start = i + 1;
      n_args++;

      if (g_str_equal (name, "LOGIN"))
        {
          /* LOGIN user password: both astrings; remember a password that is worth finding. */
          petrel_imap_command_add_astring (command, arg, &error);
          if (n_args == 2 && strlen (arg) >= 8 && strstr ("<redacted>", arg) == NULL)
            secret = g_strdup (arg);
          continue;
        }

      switch (op % 14)
        {
        case 0: petrel_imap_command_add_atom (command, arg, &error); break;
        case 1: petrel_imap_command_add_astring (command, arg, &error); break;
        case 2: petrel_imap_command_add_string (command, arg, &error); break;
        case 3: petrel_imap_command_add_nstring (command, op & 0x80 ? NULL : arg, &error); break;
        case 4: petrel_imap_command_add_quoted (command, arg, &error); break;
        case 5: petrel_imap_command_add_mailbox (command, arg, &error); break;
        case 6: petrel_imap_command_add_raw_mailbox (command, arg, &error); break;
        case 7: petrel_imap_command_add_token (command, arg, &error); break;
        case 8:
          {
            g_auto(GStrv) flags = g_strsplit (arg, " ", 8);

            petrel_imap_command_add_flags (command, (const char * const *) flags, &error);
          }
          break;
        case 9:
          {
            g_autoptr(GBytes) bytes = g_bytes_new (data + piece, piece_len);

            petrel_imap_command_add_literal (command, bytes, op & 0x80);
          }
          break;
        case 10: petrel_imap_command_add_number (command, g_ascii_strtoull (arg, NULL, 10)); break;
        case 11: petrel_imap_command_begin_list (command); break;
        case 12: petrel_imap_command_end_list (command); break;
        default:
          {
            g_autoptr(PetrelImapSeqSet) set = petrel_imap_seqset_parse (arg, 100, 64, NULL);

            if (set != NULL)
              petrel_imap_command_add_seqset (command, set, &error);
          }
          break;
        }
      if (error != NULL)
        fuzz_require (g_utf8_validate (error->message, -1, NULL), "add error is UTF-8");
    }

  serialize_and_check (command, PETREL_IMAP_LITERAL_SYNC, secret);
  serialize_and_check (command, PETREL_IMAP_LITERAL_PLUS, secret);
  serialize_and_check (command, PETREL_IMAP_LITERAL_MINUS, secret);

  return 0;
}
