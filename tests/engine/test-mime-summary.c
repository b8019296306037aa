/* test-mime-summary.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* petrel_mime_summary_new_from_data() reads a header block with its own scanner rather than a
 * whole GMimeMessage (#4). These tests compare it with the GMime path it replaced over every
 * sample and demo message, every truncation of their header blocks, hand-written hostile
 * blocks and seeded random ones: the summaries must be identical. Each input is a copy of
 * exactly its length, so an over-read shows under valgrind or ASan. */

#include "config.h"

#include <string.h>

#include "petrel-engine.h"
#include "mime/petrel-mime.h"
#include "mime/petrel-mime-private.h"

static char *
source_path (const char *first,
             ...)
{
  const char *root = g_getenv ("PETREL_SOURCE_ROOT");
  g_autofree char *fallback = NULL;
  g_autofree char *relative = NULL;
  va_list args;

  if (root == NULL)
    root = fallback = g_path_get_dirname (PETREL_SOURCE_DATADIR);

  va_start (args, first);
  relative = g_build_filename_valist (first, &args);
  va_end (args);

  return g_build_filename (root, relative, NULL);
}

static void
describe_addresses (GString    *out,
                    const char *what,
                    GPtrArray  *list)
{
  g_assert_nonnull (list);
  g_string_append_printf (out, "%s:", what);
  for (guint i = 0; i < list->len; i++)
    {
      PetrelMimeAddress *a = g_ptr_array_index (list, i);

      g_string_append_printf (out, " [%s|%s]", a->name ? a->name : "(null)",
                              a->address ? a->address : "(null)");
    }
  g_string_append_c (out, '\n');
}

/* Every field of @summary as text, for comparisons that show what differs. */
static char *
describe (const PetrelMimeSummary *summary)
{
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "subject: %s\nfrom: %s | %s\n", summary->subject,
                          summary->from_name, summary->from_address);
  describe_addresses (out, "from", summary->from);
  describe_addresses (out, "to", summary->to);
  describe_addresses (out, "cc", summary->cc);
  describe_addresses (out, "reply-to", summary->reply_to);
  g_string_append_printf (out, "to: %s\ncc: %s\ndate: %" G_GINT64_FORMAT "\n",
                          summary->to_display, summary->cc_display, summary->date);
  g_string_append_printf (out, "id: %s\nin-reply-to: %s\nlist: %s\nrefs:",
                          summary->message_id ? summary->message_id : "(null)",
                          summary->in_reply_to ? summary->in_reply_to : "(null)",
                          summary->list_id ? summary->list_id : "(null)");
  g_assert_nonnull (summary->references);
  for (guint i = 0; summary->references[i] != NULL; i++)
    g_string_append_printf (out, " %s", summary->references[i]);

  return g_string_free (out, FALSE);
}

static char *
describe_gmime (const char *data,
                gsize       length)
{
  g_autofree char *copy = g_memdup2 (data, length);
  g_autoptr(PetrelMimeSummary) summary = _petrel_mime_summary_new_from_data_gmime (copy, length,
                                                                                     1234);

  return describe (summary);
}

/* Compares both paths over exactly @length bytes of @data; returns the summary.
 *
 * One difference is meant: GMime 3.2 gives up on the whole block when the data ends inside a
 * last line that holds no complete field (no line end after it, no ':' or a space right
 * after the name), so "From: a@example.org\nSubj" reads as nothing at all. The scanner keeps
 * the complete fields before that line, which is what GMime reads from the block cut after
 * its last line end. A header block from IMAP (BODY[HEADER]) always ends in a blank line. */
static PetrelMimeSummary *
assert_same_summary (const char *data,
                     gsize       length)
{
  static char *empty_gmime = NULL;
  g_autofree char *copy = g_memdup2 (data, length);
  PetrelMimeSummary *fast = petrel_mime_summary_new_from_data (copy, length, 1234);
  g_autofree char *fast_text = describe (fast);
  g_autofree char *gmime_text = describe_gmime (data, length);

  if (empty_gmime == NULL)
    empty_gmime = describe_gmime ("", 0);

  if (g_strcmp0 (fast_text, gmime_text) != 0 && g_strcmp0 (gmime_text, empty_gmime) == 0 &&
      length > 0 && data[length - 1] != '\n')
    {
      const char *last_nl = NULL;

      for (gsize i = length; i > 0 && last_nl == NULL; i--)
        if (data[i - 1] == '\n')
          last_nl = data + i - 1;

      g_free (gmime_text);
      gmime_text = describe_gmime (data, last_nl != NULL ? (gsize) (last_nl + 1 - data) : 0);
    }

  if (g_strcmp0 (fast_text, gmime_text) != 0)
    {
      g_autoptr(GString) text = g_string_new (NULL);
      g_autofree char *escaped = NULL;

      for (gsize i = 0; i < length; i++)
        if (data[i] == '\0')
          g_string_append (text, "<NUL>");
        else
          g_string_append_c (text, data[i]);
      escaped = g_strescape (text->str, NULL);

      g_test_message ("input (%" G_GSIZE_FORMAT " bytes): %s", length, escaped);
    }
  g_assert_cmpstr (fast_text, ==, gmime_text);

  return fast;
}

static void
collect_messages (const char *dir,
                  GPtrArray  *paths)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  g_assert_nonnull (handle);
  while ((name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        collect_messages (path, paths);
      else if (g_str_has_suffix (name, ".eml"))
        g_ptr_array_add (paths, g_steal_pointer (&path));
    }
}

/* Every sample and demo message, whole, as its header block, and cut at every byte of its
 * header block. */
static void
test_same_as_gmime_on_messages (void)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *samples = source_path ("tests", "engine", "mime-samples", NULL);
  g_autofree char *demo = source_path ("data", "demo", NULL);
  guint with_subject = 0;
  guint with_from = 0;
  guint with_id = 0;

  collect_messages (samples, paths);
  collect_messages (demo, paths);
  g_assert_cmpuint (paths->len, >=, 50);

  for (guint i = 0; i < paths->len; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *contents = NULL;
      gsize length = 0;
      gsize header_length;

      g_file_get_contents (paths->pdata[i], &contents, &length, &error);
      g_assert_no_error (error);
      g_test_message ("%s", (const char *) paths->pdata[i]);

      {
        g_autoptr(PetrelMimeSummary) whole = assert_same_summary (contents, length);

        with_subject += whole->subject[0] != '\0';
        with_from += whole->from_address[0] != '\0';
        with_id += whole->message_id != NULL;
      }

      header_length = _petrel_mime_header_block_length (contents, length);
      for (gsize cut = 0; cut <= MIN (header_length + 2, length); cut++)
        petrel_mime_summary_free (assert_same_summary (contents, cut));
    }

  /* The comparison means something only if the messages have these fields. */
  g_assert_cmpuint (with_subject, >=, paths->len - 5);
  g_assert_cmpuint (with_from, >=, paths->len - 5);
  g_assert_cmpuint (with_id, >=, paths->len - 10);
}

static const char *const hostile[] = {
  "",
  "\n",
  "\r\n",
  "\n\nSubject: after the blank line\n",
  "From x\n",
  "From x",
  "From x\n\nSubject: a\n",
  "From alice@example.org Mon Jan  1 00:00:00 2024\nSubject: mbox\nFrom: a@example.org\n\n",
  "From alice Mon\nFrom bob Tue\nSubject: two from lines\n\n",
  ":no name\nSubject: s\n\n",
  "Subject a\nFrom: b@example.org\n\n",
  "X-A: 1\nbad line\nSubject: s\n\nbody",
  "X-A: 1\nbad line\n\tcontinued: still bad\nSubject: s\n\n",
  "Subject: s\nbad line\nFrom: x@example.org\n\n",
  "To: t@example.org\nnot a header\nFrom: x@example.org\n\n",
  "Subject: folded\r\n\tonce\r\n  twice\r\n\r\nbody",
  "Subject: a\rFrom: b@example.org\r\r",
  "Subject: no newline at the end",
  "Subject: ends in cr\r",
  "subject: lower\nSUBJECT: upper\nFrom: first@example.org\nFROM: second@example.org\n\n",
  "Subject:\nFrom:\nTo:\nCc:\nDate:\nMessage-ID:\nReferences:\nList-Id:\n\n",
  "  leading continuation\nSubject: x\n\n",
  "Subject : space before the colon\nFrom: a@example.org\n\n",
  "Sub\x01ject: control\nFrom: a@example.org\n\n",
  "X-\x7f: del\nSubject: after del\n\n",
  "Subject: =?UTF-8?B?w6nDqMOg?= and =?ISO-8859-1?Q?caf=E9?=\n\n",
  "Subject: =?UTF-8?B?w6n?=\n =?UTF-8?B?w6g=?=\n\n",
  "Subject: =?bogus?Q?x?= =?UTF-8?Q?unterminated\n\n",
  "Subject: \xe9t\xe9 en 8 bits\nFrom: J\xfcrgen <j@example.org>\n\n",
  "From: \"unterminated <a@example.org>\nTo: <<>>, ,,, @, a@, @b\n\n",
  "From: group: a@example.org, b@example.org;\nCc: undisclosed-recipients:;\n\n",
  "From: Mailer Daemon\n\n",
  "Date: garbage\nMessage-ID: no brackets here\n\n",
  "Date: Tue, 10 Nov 2026 14:02:00 +0100 (CET)\nMessage-ID: <a@b> (comment)\n\n",
  "In-Reply-To: <x@y> <z@w>\nReferences: <1@a> <2@a>\n\t<1@a> bare@token (c)\n\n",
  "References: one@a two@b, three@c\nList-Id: Petrel devel <DEVEL.Lists.Example.ORG>\n\n",
  "List-Id: no-brackets.example.org\n\n",
  "Message-ID: <\n\n",
  "Message-ID: >\n\n",
  "Subject: tail\n \n",
  "Subject: a\n\t\n\t\n\nbody",
  "X: 1\n\r\nSubject: after crlf blank\n",
  "::::\n\n",
  "From:\n\tcontinued@example.org\n\n",
};

static void
test_same_as_gmime_on_hostile (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (hostile); i++)
    {
      gsize length = strlen (hostile[i]);

      g_test_message ("hostile block %u", i);
      for (gsize cut = 0; cut <= length; cut++)
        petrel_mime_summary_free (assert_same_summary (hostile[i], cut));
    }
}

/* Nul bytes in names and values, which strlen()-based code would stop at. */
static void
test_same_as_gmime_with_nul_bytes (void)
{
  static const char block[] =
    "X-First: 1\nSubj\0ect: hidden\nSubject: vis\0ible\nFrom: a\0b@example.org\n\0\nX: y\n\n";
  g_autoptr(PetrelMimeSummary) summary = NULL;

  for (gsize cut = 0; cut <= sizeof block - 1; cut++)
    petrel_mime_summary_free (assert_same_summary (block, cut));

  summary = assert_same_summary (block, sizeof block - 1);
  g_assert_cmpstr (summary->subject, ==, "vis ible");
}

/* A field far longer than any real one: bounded output, same result. */
static void
test_same_as_gmime_on_huge_fields (void)
{
  g_autoptr(GString) block = g_string_new ("Subject: ");
  g_autoptr(PetrelMimeSummary) summary = NULL;

  for (guint i = 0; i < 20000; i++)
    g_string_append (block, i % 70 == 69 ? "word\n\t" : "word ");
  g_string_append (block, "\nReferences:");
  for (guint i = 0; i < 2000; i++)
    g_string_append_printf (block, " <%u@example.org>\n", i);
  g_string_append (block, "\n");

  summary = assert_same_summary (block->str, block->len);
  g_assert_cmpuint (strlen (summary->subject), <=, 16 * 1024);
  g_assert_cmpuint (g_strv_length (summary->references), ==, 256);
}

/* Seeded random soups of header-like pieces. */
static void
test_same_as_gmime_on_random (void)
{
  static const char *const pieces[] = {
    "Subject", "From", "To", "Cc", "Reply-To", "Date", "Message-ID", "In-Reply-To",
    "References", "List-Id", "X-Other", "From ", ":", ": ", " ", "\t", "\n", "\r\n", "\r",
    "\n\n", "<", ">", "@", "a@example.org", "\"Ann Lee\"", "=?UTF-8?B?w6k=?=", "=?", "?=",
    "\xe9", "\xff", "(", ")", ",", ";", "Mon, 2 Jan 2023 10:00:00 +0000", "\0",
  };
  GRand *rand = g_rand_new_with_seed (20261122);

  for (guint n = 0; n < 3000; n++)
    {
      g_autoptr(GString) block = g_string_new (NULL);
      guint count = g_rand_int_range (rand, 0, 40);

      for (guint i = 0; i < count; i++)
        {
          const char *piece = pieces[g_rand_int_range (rand, 0, G_N_ELEMENTS (pieces))];

          if (piece[0] == '\0')
            g_string_append_c (block, '\0');
          else
            g_string_append (block, piece);
        }
      petrel_mime_summary_free (assert_same_summary (block->str, block->len));
    }

  g_rand_free (rand);
}

/* Address fields: plain ones are read without GMime, the rest by it; both must agree. */
static void
test_same_as_gmime_on_addresses (void)
{
  static const char *const names[] = {
    "", "Ann", "Ann Lee", "Ann  Lee", "\"Ann Lee\"", "\"Lee, Ann\"", "\"\"", "\" Ann\"",
    "\"Ann \"", "J. Smith", "\"J. Smith\"", "O'Brien", "Zo\xc3\xab", "=?UTF-8?Q?Zo=C3=AB?=",
    "\"a@b.c\"", "Ann <", "\"Ann\\\"x\"", "Ann (work)", "Ann\tLee", "\"x<y>z\"", "A=B",
    "What?", "_-+", "\"Ann  Lee\"", "group:", "\"Ann, \"",
  };
  static const char *const addresses[] = {
    "ann@example.org", "ann.lee@mail.example.org", "a@b", "a@b.", "a@.b", ".a@b.c", "a.@b.c",
    "a..b@c.d", "a@b..c", "a@-b.c", "a@b-.c", "a+tag@x-y.example", "@b.c", "a@", "a",
    "a b@c.d", "a@[127.0.0.1]", "\"q\"@b.c", "A!#$%&'*+/=?^_`{|}~-@b.c", "a@b.c.d.e.f",
    "ann@EXAMPLE.org", "a@1.2",
  };
  static const char *const joins[] = {
    ", ", ",", " , ", ",, ", "\n\t, ", "; ", " ", ",", ",\n ", ",\r\n\t", " ,\n  ",
  };
  GRand *rand = g_rand_new_with_seed (4);

  for (guint n = 0; n < 6000; n++)
    {
      g_autoptr(GString) block = g_string_new ("Subject: x\n");
      static const char *const fields[] = { "From", "To", "Cc", "Reply-To" };

      for (guint f = 0; f < G_N_ELEMENTS (fields); f++)
        {
          guint count = g_rand_int_range (rand, 0, 4);

          if (count == 0)
            continue;
          g_string_append_printf (block, "%s: ", fields[f]);
          for (guint i = 0; i < count; i++)
            {
              const char *name = names[g_rand_int_range (rand, 0, G_N_ELEMENTS (names))];
              const char *address =
                addresses[g_rand_int_range (rand, 0, G_N_ELEMENTS (addresses))];

              if (i > 0)
                g_string_append (block, joins[g_rand_int_range (rand, 0, G_N_ELEMENTS (joins))]);
              if (name[0] == '\0' && g_rand_boolean (rand))
                g_string_append (block, address);
              else
                g_string_append_printf (block, "%s%s<%s>", name,
                                        g_rand_boolean (rand) ? " " : "", address);
            }
          g_string_append (block, g_rand_boolean (rand) ? "\n" : " \r\n");
        }
      g_string_append (block, "\n");
      petrel_mime_summary_free (assert_same_summary (block->str, block->len));
    }

  g_rand_free (rand);
}

/* The scanner reads what the GMime path read, which these tests take as the reference: a
 * few facts about a plain block, so that two empty summaries cannot pass for equal ones. */
static void
test_reads_fields (void)
{
  static const char block[] =
    "Received: from x\n\tby y\n"
    "From: \"Ann Lee\" <ann@example.org>\n"
    "To: bob@example.org, Carol <carol@example.org>\n"
    "Subject: =?UTF-8?Q?Caf=C3=A9?= plans\n"
    "\tfor Friday\n"
    "Date: Tue, 10 Nov 2026 14:02:00 +0100\n"
    "Message-ID: <m1@example.org>\n"
    "In-Reply-To: <m0@example.org>\n"
    "References: <r0@example.org> <m0@example.org>\n"
    "List-Id: Petrel devel <devel.lists.example.org>\n"
    "\n"
    "Subject: not a header, the body\n";
  g_autoptr(PetrelMimeSummary) summary = assert_same_summary (block, sizeof block - 1);

  g_assert_cmpstr (summary->subject, ==, "Café plans for Friday");
  g_assert_cmpstr (summary->from_name, ==, "Ann Lee");
  g_assert_cmpstr (summary->from_address, ==, "ann@example.org");
  g_assert_cmpstr (summary->to_display, ==, "bob@example.org, Carol <carol@example.org>");
  g_assert_cmpint (summary->date, ==, 1794315720);
  g_assert_cmpstr (summary->message_id, ==, "m1@example.org");
  g_assert_cmpstr (summary->in_reply_to, ==, "m0@example.org");
  g_assert_cmpuint (g_strv_length (summary->references), ==, 2);
  g_assert_cmpstr (summary->list_id, ==, "devel.lists.example.org");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  petrel_engine_init ();

  g_test_add_func ("/petrel/mime/summary-scan/reads-fields", test_reads_fields);
  g_test_add_func ("/petrel/mime/summary-scan/messages", test_same_as_gmime_on_messages);
  g_test_add_func ("/petrel/mime/summary-scan/hostile", test_same_as_gmime_on_hostile);
  g_test_add_func ("/petrel/mime/summary-scan/nul-bytes", test_same_as_gmime_with_nul_bytes);
  g_test_add_func ("/petrel/mime/summary-scan/huge-fields", test_same_as_gmime_on_huge_fields);
  g_test_add_func ("/petrel/mime/summary-scan/random", test_same_as_gmime_on_random);
  g_test_add_func ("/petrel/mime/summary-scan/addresses", test_same_as_gmime_on_addresses);

  return g_test_run ();
}
