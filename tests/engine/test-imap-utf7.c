/* test-imap-utf7.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * petrel_imap_utf7_decode_lossy(): mailbox names a server sends that are not valid modified
 * UTF-7 (the strict decoder and the encoder are covered by test-imap-parser).
 */

#include "config.h"

#include <string.h>

#include "imap/petrel-imap.h"
#include "imap/petrel-imap-command.h"
#include "imap/petrel-imap-utf7.h"

#define FFFD "\xef\xbf\xbd"

static void
check_lossy (const char *mutf7,
             const char *expected,
             gboolean    expected_lossy)
{
  g_autofree char *strict = petrel_imap_utf7_decode (mutf7, NULL);
  gboolean lossy = !expected_lossy;
  g_autofree char *decoded = petrel_imap_utf7_decode_lossy (mutf7, &lossy);

  g_assert_nonnull (decoded);
  g_assert_true (g_utf8_validate (decoded, -1, NULL));
  g_assert_cmpstr (decoded, ==, expected);
  g_assert_cmpint (lossy, ==, expected_lossy);
  /* Lossy exactly when the strict decoder fails; otherwise both agree. */
  if (expected_lossy)
    g_assert_null (strict);
  else
    g_assert_cmpstr (strict, ==, decoded);
}

static void
test_valid (void)
{
  check_lossy ("", "", FALSE);
  check_lossy ("INBOX", "INBOX", FALSE);
  check_lossy ("Entw&APw-rfe", "Entw\xc3\xbcrfe", FALSE);
  check_lossy ("A&-B&AOk-&-", "A&B\xc3\xa9&", FALSE);
  check_lossy ("&2D3eAA- smile", "\xf0\x9f\x98\x80 smile", FALSE);
  check_lossy ("~peter/mail/&U,BTFw-/&ZeVnLIqe-",
               "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", FALSE);
}

static void
test_broken_shift (void)
{
  check_lossy ("Bad&Jjo", "Bad" FFFD, TRUE);               /* unterminated */
  check_lossy ("&", FFFD, TRUE);
  check_lossy ("a&", "a" FFFD, TRUE);
  check_lossy ("&Jjo!x", FFFD "!x", TRUE);                 /* stops at the first non-base64 */
  check_lossy ("&APx-rest", FFFD "rest", TRUE);            /* non-zero padding, up to its '-' */
  check_lossy ("&3gA-/Sub", FFFD "/Sub", TRUE);            /* lone low surrogate */
  check_lossy ("&2D0-x", FFFD "x", TRUE);                  /* lone high surrogate */
  check_lossy ("&AAA-", FFFD, TRUE);                       /* an encoded NUL */
  check_lossy ("&A-", FFFD, TRUE);                         /* too few bits */
  /* A broken sequence does not spoil the valid ones around it. */
  check_lossy ("&APw-&Jjo&AOk-", "\xc3\xbc" FFFD "\xc3\xa9", TRUE);
  /* The delimiter after a broken sequence survives (hierarchy stays intact). */
  check_lossy ("Top/&Jj-/Leaf", "Top/" FFFD "/Leaf", TRUE);
}

static void
test_eight_bit (void)
{
  /* Raw UTF-8 from a server without UTF8=ACCEPT: kept as text, but not valid modified UTF-7. */
  check_lossy ("Gr\xc3\xb6\xc3\x9f" "e", "Gr\xc3\xb6\xc3\x9f" "e", TRUE);
  check_lossy ("\xe6\x97\xa5\xe6\x9c\xac", "\xe6\x97\xa5\xe6\x9c\xac", TRUE);
  /* Bytes that are not UTF-8 (Latin-1, a cut sequence, an overlong form): one U+FFFD each. */
  check_lossy ("L\xe9gal", "L" FFFD "gal", TRUE);
  check_lossy ("end\xe6\x97", "end" FFFD FFFD, TRUE);
  check_lossy ("\xc0\xaf", FFFD FFFD, TRUE);
  /* Controls become U+FFFD too. */
  check_lossy ("a\tb\x7f", "a" FFFD "b" FFFD, TRUE);
}

static void
test_distinct_names_may_collide (void)
{
  g_autofree char *a = petrel_imap_utf7_decode_lossy ("Bad&Jjo", NULL);
  g_autofree char *b = petrel_imap_utf7_decode_lossy ("Bad&Jjx", NULL);
  g_autofree char *c = petrel_imap_utf7_decode_lossy ("Gr&APYA3w-e", NULL);
  g_autofree char *d = petrel_imap_utf7_decode_lossy ("Gr\xc3\xb6\xc3\x9f" "e", NULL);
  g_autofree char *e = petrel_imap_utf7_decode_lossy ("x", NULL);

  /* Why the store keeps the server's name: different names, one display string. */
  g_assert_cmpstr (a, ==, b);
  g_assert_cmpstr (c, ==, d);

  /* @lossy is optional. */
  g_assert_cmpstr (e, ==, "x");
}

/* The command as sent, chunks joined ("<WAIT>" where a continuation is awaited). */
static char *
wire_of (PetrelImapCommand *cmd)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) chunks = petrel_imap_command_serialize (cmd, PETREL_IMAP_LITERAL_SYNC,
                                                               &error);
  GString *out = g_string_new (NULL);

  g_assert_no_error (error);
  for (guint i = 0; i < chunks->len; i++)
    {
      gsize size;
      const char *data = g_bytes_get_data (g_ptr_array_index (chunks, i), &size);

      if (i > 0)
        g_string_append (out, "<WAIT>");
      g_string_append_len (out, data, (gssize) size);
    }
  return g_string_free (out, FALSE);
}

static char *
select_wire (const char *name,
             gboolean    raw,
             gboolean    utf8)
{
  g_autoptr(PetrelImapCommand) cmd = petrel_imap_command_new ("A1", "SELECT");
  g_autoptr(GError) error = NULL;

  petrel_imap_command_set_raw_mailboxes (cmd, raw);
  petrel_imap_command_set_utf8 (cmd, utf8);
  if (!petrel_imap_command_add_mailbox (cmd, name, &error))
    return g_strdup_printf ("error: %s", error->message);
  return wire_of (cmd);
}

static void
test_raw_mailbox_names (void)
{
  struct {
    const char *name;
    gboolean raw;
    gboolean utf8;
    const char *wire;
  } cases[] = {
    /* A UTF-8 name is encoded… */
    { "Entw\xc3\xbcrfe", FALSE, FALSE, "A1 SELECT Entw&APw-rfe\r\n" },
    { "Bad&Jjo", FALSE, FALSE, "A1 SELECT Bad&-Jjo\r\n" },
    /* …a server's name goes as it is: an atom, a quoted string, or a literal for 8-bit bytes
     * (which are not UTF-8 to the server, or not valid UTF-8 at all). */
    { "Bad&Jjo", TRUE, FALSE, "A1 SELECT Bad&Jjo\r\n" },
    { "Entw&APw-rfe", TRUE, FALSE, "A1 SELECT Entw&APw-rfe\r\n" },
    { "Two words", TRUE, FALSE, "A1 SELECT \"Two words\"\r\n" },
    { "L\xe9gal", TRUE, FALSE, "A1 SELECT {5}\r\n<WAIT>L\xe9gal\r\n" },
    { "Gr\xc3\xb6\xc3\x9f" "e", TRUE, FALSE, "A1 SELECT {7}\r\n<WAIT>Gr\xc3\xb6\xc3\x9f" "e\r\n" },
    { "Gr\xc3\xb6\xc3\x9f" "e", TRUE, TRUE, "A1 SELECT \"Gr\xc3\xb6\xc3\x9f" "e\"\r\n" },
    { "L\xe9gal", TRUE, TRUE, "A1 SELECT {5}\r\n<WAIT>L\xe9gal\r\n" },
    { "inbox", TRUE, FALSE, "A1 SELECT inbox\r\n" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *wire = select_wire (cases[i].name, cases[i].raw, cases[i].utf8);

      g_assert_cmpstr (wire, ==, cases[i].wire);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/petrel/imap/utf7/lossy/valid", test_valid);
  g_test_add_func ("/petrel/imap/utf7/lossy/broken-shift", test_broken_shift);
  g_test_add_func ("/petrel/imap/utf7/lossy/eight-bit", test_eight_bit);
  g_test_add_func ("/petrel/imap/utf7/lossy/collide", test_distinct_names_may_collide);
  g_test_add_func ("/petrel/imap/utf7/raw-mailbox-names", test_raw_mailbox_names);

  return g_test_run ();
}
