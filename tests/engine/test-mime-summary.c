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

/* The paths of every sample and demo message. */
static GPtrArray *
sample_messages (void)
{
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *samples = source_path ("tests", "engine", "mime-samples", NULL);
  g_autofree char *demo = source_path ("data", "demo", NULL);

  collect_messages (samples, paths);
  collect_messages (demo, paths);
  g_assert_cmpuint (paths->len, >=, 50);

  return paths;
}

static char *
read_sample (const char *path,
             gsize      *length)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, length, &error);
  g_assert_no_error (error);
  g_test_message ("%s", path);

  return contents;
}

/* Every sample and demo message, whole, as its header block, and cut at every byte of its
 * header block. */
static void
test_same_as_gmime_on_messages (void)
{
  g_autoptr(GPtrArray) paths = sample_messages ();
  guint with_subject = 0;
  guint with_from = 0;
  guint with_id = 0;

  for (guint i = 0; i < paths->len; i++)
    {
      gsize length = 0;
      g_autofree char *contents = read_sample (paths->pdata[i], &length);
      gsize header_length;

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

/* Display names the address tests put before addresses: plain ones, RFC 2047 encoded words
 * (good, damaged, in several charsets, inside words, adjacent and folded), raw UTF-8 and other
 * 8-bit text, quoted strings holding any of those, and address syntax GMime reads specially. */
static const char *const test_names[] = {
  /* plain */
  "", "Ann", "Ann Lee", "Ann  Lee", "\"Ann Lee\"", "\"Lee, Ann\"", "\"\"", "\" Ann\"",
  "\"Ann \"", "J. Smith", "\"J. Smith\"", "O'Brien", "\"a@b.c\"", "Ann <", "\"Ann\\\"x\"",
  "Ann (work)", "Ann\tLee", "\"x<y>z\"", "A=B", "What?", "_-+", "\"Ann  Lee\"", "group:",
  "\"Ann, \"", "Ann.", "Ann. Lee", "\"Ann\"Lee", "Lee, Ann", "Ann Lee,", "ann@example.org",
  /* encoded words, good */
  "=?UTF-8?Q?Zo=C3=AB?=", "=?utf-8?q?Priya_M=C3=BCller?=", "=?utf-8?b?Wm/DqyBZxLFsbWF6?=",
  "=?utf-8?b?zozOu86zzrEgzqDOsc+AzrHOtM6/z4DOv8+NzrvOv8+F?=", "=?UTF-8?B?w4ltaWxpZSDDh2VsaWs=?=",
  "=?iso-8859-1?q?J=FCrgen_M=FCller?=", "=?ISO-8859-1?B?SvxyZ2Vu?=", "=?latin1?Q?Ren=E9e?=",
  "=?windows-1252?Q?=93Smart=94_Quotes?=", "=?Windows-1252?b?k1NtYXJ0lA==?=",
  "=?iso-8859-2?q?Wit=F3ld?=", "=?koi8-r?b?7MXXwQ==?=", "=?utf-8*de?q?mit_Sprache?=",
  "=?us-ascii?q?Plain_Ann?=", "=?utf-8?q?=22Quoted=22?=", "=?utf-8?q?ann=40example.org?=",
  "=?utf-8?b?IA==?=", "=?utf-8?q?a=01b=7Fc?=", "=?utf-8?q?zero=E2=80=8Bwidth?=",
  "=?utf-8?q?J._M=C3=BCller?=", "=?utf-8?q?M=C3=BCller=2C_Priya?=",
  /* encoded words, damaged */
  "=?utf-8?b?!!!?=", "=?utf-8?b?w6?=", "=?utf-8?b?w6k?=", "=?utf-8?b?Wm/Dq=?=",
  "=?bogus-charset?q?x?=", "=?utf-8?x?bad_encoding?=", "=?utf-8?q?unterminated",
  "=?utf-8?q?=FF=FE?=", "=?utf-8?q?Zo=C3?=", "=?\?q?no_charset?=", "=?utf-8?\?empty?=",
  "=?utf-8?q?\?=", "=?utf-8?q?a b?=", "=?utf-8?q?=ZZ?=", "=?", "?=", "=?utf-8?q?a,b?=",
  "=?utf-8?q?a(b)?=", "=?utf-8?q?a<b>?=", "=?utf-8?q?a@b?=", "=?utf-8?q?a;b?=",
  /* encoded words with other words */
  "Dr =?utf-8?q?M=C3=BCller?=", "=?utf-8?q?M=C3=BCller?= Jr", "J. =?utf-8?q?M=C3=BCller?=",
  "foo=?utf-8?q?x?=bar", "Ann=?utf-8?q?_Lee?=", "=?utf-8?q?Ann?=Lee",
  "=?utf-8?q?Zo=C3=AB?= =?utf-8?q?_Lee?=", "=?utf-8?b?w6k=?=  =?utf-8?b?w6g=?=",
  "=?utf-8?q?Zo=C3?= =?utf-8?q?=AB?=", "=?utf-8?b?Wm/D?= =?utf-8?b?qw==?=",
  "=?iso-8859-1?q?J=FC?= =?utf-8?q?rgen?=", "=?utf-8?q?Zo=C3=AB?=\n =?utf-8?q?_Lee?=",
  "=?utf-8?q?Zo=C3=AB?=\r\n\t=?UTF-8?Q?_Lee?=", "=?utf-8?q?a?= plain =?utf-8?q?b?=",
  "=?utf-8?q?a?=, =?utf-8?q?b?=", "=?utf-8?q?Zo=C3=AB?= Lee, Ann",
  /* raw 8-bit */
  "Zo\xc3\xab", "Zo\xc3\xab Lee", "\xe7\x94\xb0\xe4\xb8\xad \xe5\xa4\xaa\xe9\x83\x8e",
  "J\xfcrgen", "\x93Smart\x94", "Zo\xc3", "\xff\xfe", "Zo\xc3\xab J\xfcrgen", "\xc2\x85x",
  "\xe2\x80\xa8sep", "Zo\xc3\xab =?utf-8?q?M=C3=BCller?=",
  /* quoted strings */
  "\"=?utf-8?q?Zo=C3=AB?=\"", "\"Zo\xc3\xab Lee\"", "\"Lee, =?utf-8?q?Zo=C3=AB?=\"",
  "\"J\xfcrgen, M\"", "\"=?utf-8?q?a?= b\"", "\"=?utf-8?q?a?=\" \"=?utf-8?q?b?=\"",
  "\"Zo\xc3\xab\" =?utf-8?q?Lee?=", "\"unterminated =?utf-8?q?x?=", "\"a\\\"=?utf-8?q?b?=\"",
  "\"  spaced   out  \"", "\"tab\there\"", "\"=?utf-8?q?x?=\"=?utf-8?q?y?=",
};

/* Address fields: plain ones are read without GMime, the rest by it; both must agree. */
static void
test_same_as_gmime_on_addresses (void)
{
  static const char *const addresses[] = {
    "ann@example.org", "ann.lee@mail.example.org", "a@b", "a@b.", "a@.b", ".a@b.c", "a.@b.c",
    "a..b@c.d", "a@b..c", "a@-b.c", "a@b-.c", "a+tag@x-y.example", "@b.c", "a@", "a",
    "a b@c.d", "a@[127.0.0.1]", "\"q\"@b.c", "A!#$%&'*+/=?^_`{|}~-@b.c", "a@b.c.d.e.f",
    "ann@EXAMPLE.org", "a@1.2", "a@xn--bcher-kva.example", "a@XN--bcher-kva.example",
    "a@b.xn--p1ai", "=?utf-8?q?x?=@example.org", "zo\xc3\xab@example.org",
    "a@b\xc3\xab.example", "a@b.c>", "<a@b.c", "a@b.c, d@e.f", "@route:a@b.c",
  };
  static const char *const joins[] = {
    ", ", ",", " , ", ",, ", "\n\t, ", "; ", " ", ",", ",\n ", ",\r\n\t", " ,\n  ",
    ",\n\t,, ", ", ,",
  };
  PetrelMimeAddressCounts before;
  PetrelMimeAddressCounts after;
  GRand *rand = g_rand_new_with_seed (4);

  _petrel_mime_summary_get_address_counts (&before);

  for (guint n = 0; n < 12000; n++)
    {
      g_autoptr(GString) block = g_string_new ("Subject: x\n");
      static const char *const fields[] = { "From", "To", "Cc", "Reply-To" };
      /* Every other block has only good addresses and commas, so that the names decide. */
      gboolean tame = n % 2 == 0;

      for (guint f = 0; f < G_N_ELEMENTS (fields); f++)
        {
          guint count = g_rand_int_range (rand, 0, 4);

          if (count == 0)
            continue;
          g_string_append_printf (block, "%s: ", fields[f]);
          for (guint i = 0; i < count; i++)
            {
              const char *name =
                test_names[g_rand_int_range (rand, 0, G_N_ELEMENTS (test_names))];
              const char *address =
                addresses[g_rand_int_range (rand, 0, tame ? 2 : G_N_ELEMENTS (addresses))];

              if (i > 0)
                g_string_append (block,
                                 joins[g_rand_int_range (rand, 0, tame ? 3 : G_N_ELEMENTS (joins))]);
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

  /* Each way was compared often enough to mean something. */
  _petrel_mime_summary_get_address_counts (&after);
  g_test_message ("address fields: %u plain, %u decoded, %u by GMime",
                  after.plain - before.plain, after.decoded - before.decoded,
                  after.gmime - before.gmime);
  g_assert_cmpuint (after.plain - before.plain, >=, 200);
  g_assert_cmpuint (after.decoded - before.decoded, >=, 4000);
  g_assert_cmpuint (after.gmime - before.gmime, >=, 4000);
}

/* The forms real mail uses most are read without InternetAddress objects (#4), with the names
 * GMime gives them; a reader that silently always gave up would fail here. */
static void
test_decodes_names_without_gmime (void)
{
  static const struct
  {
    const char *field;
    const char *name;
    const char *address;
  } cases[] = {
    { "=?utf-8?q?Priya_M=C3=BCller?= <priya.27@example.org>", "Priya Müller",
      "priya.27@example.org" },
    { "=?utf-8?b?Wm/DqyBZxLFsbWF6?= <zoe.21@example.net>", "Zoë Yılmaz", "zoe.21@example.net" },
    { "=?UTF-8?B?zozOu86zzrEgzqDOsc+AzrHOtM6/z4DOv8+NzrvOv8+F?= <user.39@mail.example.com>",
      "Όλγα Παπαδοπούλου", "user.39@mail.example.com" },
    { "=?iso-8859-1?q?J=FCrgen_M=FCller?= <j@example.org>", "Jürgen Müller", "j@example.org" },
    { "=?ISO-8859-1?B?SvxyZ2Vu?=<j@example.org>", "Jürgen", "j@example.org" },
    { "=?windows-1252?Q?=93Smart=94_Quotes?= <s@example.org>", "“Smart” Quotes",
      "s@example.org" },
    { "Dr =?utf-8?q?M=C3=BCller?= <m@example.org>", "Dr Müller", "m@example.org" },
    { "=?utf-8?q?Zo=C3=AB?= =?utf-8?q?_Lee?= <z@example.org>", "Zoë Lee", "z@example.org" },
    { "=?utf-8?q?Zo=C3?=\n =?utf-8?q?=AB_Lee?= <z@example.org>", "Zoë Lee", "z@example.org" },
    { "Zo\xc3\xab Lee <z@x.org>", "Zoë Lee", "z@x.org" },
    { "J\xfcrgen M\xfcller <j@example.org>", "Jürgen Müller", "j@example.org" },
    { "\"Lee, =?utf-8?q?Zo=C3=AB?=\" <z@example.org>", "Lee, Zoë", "z@example.org" },
    { "\"Zo\xc3\xab  Lee\" <z@example.org>", "Zoë Lee", "z@example.org" },
    { "J. =?utf-8?q?M=C3=BCller?= <j@example.org>", "J. Müller", "j@example.org" },
    { "=?utf-8?b?w4ltaWxpZSDDh2VsaWs=?= <emilie.33@example.org>,,\n\tbare@example.org",
      "Émilie Çelik", "emilie.33@example.org" },
  };
  PetrelMimeAddressCounts before;
  PetrelMimeAddressCounts after;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *block = g_strdup_printf ("From: %s\nTo: Alice Liddell <alice@example.test>,"
                                                "\n %s\n\n", cases[i].field, cases[i].field);
      g_autofree char *escaped = g_strescape (cases[i].field, NULL);
      g_autoptr(PetrelMimeSummary) summary = NULL;

      g_test_message ("%s", escaped);
      _petrel_mime_summary_get_address_counts (&before);
      summary = assert_same_summary (block, strlen (block));
      _petrel_mime_summary_get_address_counts (&after);

      g_assert_cmpuint (after.decoded - before.decoded, ==, 2);
      g_assert_cmpuint (after.gmime - before.gmime, ==, 0);
      g_assert_cmpstr (summary->from_name, ==, cases[i].name);
      g_assert_cmpstr (summary->from_address, ==, cases[i].address);
      g_assert_cmpuint (summary->to->len, ==, summary->from->len + 1);
      g_assert_cmpstr (((PetrelMimeAddress *) summary->to->pdata[1])->name, ==, cases[i].name);
    }

  /* The counters tell the ways apart: plain ASCII, and what only GMime reads. */
  {
    static const char block[] =
      "From: Ann Lee <ann@example.org>\n"
      "To: friends: =?utf-8?q?Zo=C3=AB?= <z@example.org>;\n"
      "Cc: =?utf-8?q?Zo=C3=AB?= (work) <z@example.org>\n"
      "Reply-To: \"Zo\\\"e\" <z@example.org>\n\n";
    g_autoptr(PetrelMimeSummary) summary = NULL;

    _petrel_mime_summary_get_address_counts (&before);
    summary = assert_same_summary (block, sizeof block - 1);
    _petrel_mime_summary_get_address_counts (&after);

    g_assert_cmpuint (after.plain - before.plain, ==, 1);
    g_assert_cmpuint (after.decoded - before.decoded, ==, 0);
    g_assert_cmpuint (after.gmime - before.gmime, ==, 3);
    g_assert_cmpstr (((PetrelMimeAddress *) summary->to->pdata[0])->name, ==, "Zoë");
  }
}

/* Long address fields: up to the 1000 addresses kept, the decoding reader reads them; past
 * that GMime does (and both keep the first 1000); a huge name is bounded the same way. */
static void
test_same_as_gmime_on_long_address_fields (void)
{
  static const guint counts[] = { 1000, 1001, 1500 };
  PetrelMimeAddressCounts before;
  PetrelMimeAddressCounts after;

  for (guint c = 0; c < G_N_ELEMENTS (counts); c++)
    {
      g_autoptr(GString) block = g_string_new ("To: ");
      g_autoptr(PetrelMimeSummary) summary = NULL;

      for (guint i = 0; i < counts[c]; i++)
        g_string_append_printf (block, "%s=?utf-8?q?Zo=C3=AB_%u?= <z%u@example.org>",
                                i > 0 ? ",\n " : "", i, i);
      g_string_append (block, "\n\n");

      _petrel_mime_summary_get_address_counts (&before);
      summary = assert_same_summary (block->str, block->len);
      _petrel_mime_summary_get_address_counts (&after);

      g_assert_cmpuint (summary->to->len, ==, 1000);
      g_assert_cmpstr (((PetrelMimeAddress *) summary->to->pdata[999])->name, ==, "Zoë 999");
      g_assert_cmpuint (after.decoded - before.decoded, ==, counts[c] <= 1000 ? 1 : 0);
    }

  {
    g_autoptr(GString) block = g_string_new ("From: ");
    g_autoptr(PetrelMimeSummary) summary = NULL;

    for (guint i = 0; i < 3000; i++)
      g_string_append (block, i % 2 ? "=?utf-8?q?Zo=C3=AB?=\n " : "=?utf-8?b?WsO2?= ");
    g_string_append (block, "<z@example.org>\n\n");

    summary = assert_same_summary (block->str, block->len);
    g_assert_cmpuint (strlen (summary->from_name), >, 1000);
    g_assert_cmpuint (strlen (summary->from_name), <=, 16 * 1024);
  }
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

/* _petrel_mime_clean_line() copies plain ASCII as it is; it must give what the general loop
 * gives, for every text, at every limit. */
static void
test_clean_line_fast_path (void)
{
  static const char alphabet[] = "ab Z.<>@\t\r\n\x01\x7f\xc3\xa9\xe2\x80\xa8\xff ";
  static const char *const fixed[] = {
    "", " ", "  ", "a", " a", "a ", "a  b", "a b", "Ann Lee <ann@example.org>", "a\tb",
    "Re: [list] Hello", "Zo\xc3\xab", "x\x7fy", "~!@#$%^&*()_+",
  };
  GRand *rand = g_rand_new_with_seed (11);

  for (guint i = 0; i < G_N_ELEMENTS (fixed); i++)
    for (gsize max = 0; max < 30; max++)
      {
        g_autofree char *fast = _petrel_mime_clean_line (fixed[i], max);
        g_autofree char *general = _petrel_mime_clean_line_general (fixed[i], max);

        g_assert_cmpstr (fast, ==, general);
      }

  for (guint n = 0; n < 20000; n++)
    {
      char text[24];
      guint len = g_rand_int_range (rand, 0, sizeof text);
      gsize max = g_rand_int_range (rand, 0, 28);
      g_autofree char *fast = NULL;
      g_autofree char *general = NULL;

      for (guint k = 0; k < len; k++)
        {
          /* Mostly printable ASCII, so that the fast path is taken often. */
          if (g_rand_int_range (rand, 0, 4) > 0)
            text[k] = (char) g_rand_int_range (rand, 0x20, 0x7F);
          else
            text[k] = alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];
        }
      text[len] = '\0';

      fast = _petrel_mime_clean_line (text, max);
      general = _petrel_mime_clean_line_general (text, max);
      g_assert_cmpstr (fast, ==, general);
    }

  g_rand_free (rand);
}

/* What a server returns for BODY[HEADER.FIELDS (PETREL_MIME_SUMMARY_FIELDS)]: the fields of
 * @header (a header block of @length bytes) with one of those names, each with its
 * continuation lines, in their order, then a blank line. */
static GString *
header_fields_block (const char *header,
                     gsize       length)
{
  g_auto(GStrv) names = g_strsplit (PETREL_MIME_SUMMARY_FIELDS, " ", -1);
  GString *out = g_string_new (NULL);
  const char *end = header + length;
  const char *p = header;
  gboolean keep = FALSE;

  while (p < end)
    {
      const char *eol = memchr (p, '\n', end - p);
      const char *next = eol != NULL ? eol + 1 : end;
      gsize line_length = next - p;

      if (line_length == 1 || (line_length == 2 && p[0] == '\r'))
        break;
      if (p[0] != ' ' && p[0] != '\t')
        {
          const char *colon = memchr (p, ':', line_length);
          gsize name_length = colon != NULL ? (gsize) (colon - p) : 0;

          while (name_length > 0 && (p[name_length - 1] == ' ' || p[name_length - 1] == '\t'))
            name_length--;
          keep = FALSE;
          for (guint i = 0; names[i] != NULL && !keep; i++)
            keep = strlen (names[i]) == name_length &&
                   g_ascii_strncasecmp (names[i], p, name_length) == 0;
        }
      if (keep)
        g_string_append_len (out, p, line_length);
      p = next;
    }
  g_string_append (out, "\r\n");

  return out;
}

static gboolean
same_summary_from_fields (const char *data,
                          gsize       length)
{
  gsize header_length = _petrel_mime_header_block_length (data, length);
  g_autoptr(GString) fields = header_fields_block (data, header_length);
  g_autoptr(PetrelMimeSummary) whole = petrel_mime_summary_new_from_data (data, length, 1234);
  g_autoptr(PetrelMimeSummary) part = petrel_mime_summary_new_from_data (fields->str,
                                                                        fields->len, 1234);
  g_autofree char *whole_text = describe (whole);
  g_autofree char *part_text = describe (part);

  g_assert_cmpstr (part_text, ==, whole_text);
  return fields->len < header_length;
}

/* A sync fetches only PETREL_MIME_SUMMARY_FIELDS (#4): for every sample and demo message, and
 * for a header with every field a summary reads among others, those fields alone must give
 * the summary the whole header gives. A field missing from the list fails here. */
static void
test_summary_fields_suffice (void)
{
  static const char every_field[] =
    "Received: from mx.example.org by imap.example.org; Mon, 2 Mar 2026 10:00:00 +0000\r\n"
    "DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=2026;\r\n"
    "\tb=c2lnbmF0dXJl\r\n"
    "Subject: =?UTF-8?Q?R=C3=A9sum=C3=A9?= of the\r\n"
    " long meeting\r\n"
    "From: =?UTF-8?B?w4FuZ2VsYQ==?= <angela@example.org>\r\n"
    "To: Ben <ben@example.org>, team: carl@example.org, dee@example.org;\r\n"
    "Cc: eve@example.org\r\n"
    "Reply-To: list@example.org\r\n"
    "X-Mailer: Petrel\r\n"
    "Date: Mon, 2 Mar 2026 11:00:00 +0100\r\n"
    "Message-ID: <reply.2@example.org>\r\n"
    "In-Reply-To: <root.1@example.org>\r\n"
    "References: <root.1@example.org>\r\n"
    " <mid.3@example.org>\r\n"
    "List-Id: Team talk <team.lists.example.org>\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "Body.\r\n";
  g_autoptr(PetrelMimeSummary) whole = petrel_mime_summary_new_from_data (every_field,
                                                                         strlen (every_field),
                                                                         1234);
  g_autoptr(GPtrArray) paths = sample_messages ();
  guint shorter = 0;

  /* Every field of the summary is set, so each one's absence would show. */
  g_assert_cmpstr (whole->subject, ==, "Résumé of the long meeting");
  g_assert_cmpstr (whole->from_name, ==, "Ángela");
  g_assert_cmpuint (whole->to->len, ==, 3);
  g_assert_cmpuint (whole->cc->len, ==, 1);
  g_assert_cmpuint (whole->reply_to->len, ==, 1);
  g_assert_cmpint (whole->date, ==, 1772445600);
  g_assert_cmpstr (whole->message_id, ==, "reply.2@example.org");
  g_assert_cmpstr (whole->in_reply_to, ==, "root.1@example.org");
  g_assert_cmpstr (whole->references[1], ==, "mid.3@example.org");
  g_assert_cmpstr (whole->list_id, ==, "team.lists.example.org");
  g_assert_true (same_summary_from_fields (every_field, strlen (every_field)));

  for (guint i = 0; i < paths->len; i++)
    {
      gsize length = 0;
      g_autofree char *contents = read_sample (paths->pdata[i], &length);

      shorter += same_summary_from_fields (contents, length);
    }
  /* Nearly every message has other fields (MIME-Version, Content-Type…) to leave out. */
  g_assert_cmpuint (shorter, >=, paths->len - 5);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  petrel_engine_init ();

  g_test_add_func ("/petrel/mime/summary-scan/reads-fields", test_reads_fields);
  g_test_add_func ("/petrel/mime/clean-line/fast-path", test_clean_line_fast_path);
  g_test_add_func ("/petrel/mime/summary-scan/messages", test_same_as_gmime_on_messages);
  g_test_add_func ("/petrel/mime/summary-scan/hostile", test_same_as_gmime_on_hostile);
  g_test_add_func ("/petrel/mime/summary-scan/nul-bytes", test_same_as_gmime_with_nul_bytes);
  g_test_add_func ("/petrel/mime/summary-scan/huge-fields", test_same_as_gmime_on_huge_fields);
  g_test_add_func ("/petrel/mime/summary-scan/random", test_same_as_gmime_on_random);
  g_test_add_func ("/petrel/mime/summary-scan/addresses", test_same_as_gmime_on_addresses);
  g_test_add_func ("/petrel/mime/summary-scan/addresses-decoded", test_decodes_names_without_gmime);
  g_test_add_func ("/petrel/mime/summary-scan/long-address-fields",
                   test_same_as_gmime_on_long_address_fields);
  g_test_add_func ("/petrel/mime/summary-scan/fields-suffice", test_summary_fields_suffice);

  return g_test_run ();
}
