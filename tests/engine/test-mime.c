/* test-mime.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "petrel-engine.h"
#include "mime/petrel-mime.h"
#include "mime/petrel-mime-private.h"

/* Helpers */

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

static GBytes *
load_sample (const char *name)
{
  g_autofree char *path = source_path ("tests", "engine", "mime-samples", name, NULL);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize length = 0;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);

  return g_bytes_new_take (contents, length);
}

/* GBytes data is not nul-terminated: compare as memory. */
static char *
bytes_to_string (GBytes *bytes)
{
  gsize length = 0;
  const char *data = g_bytes_get_data (bytes, &length);

  return g_strndup (data, length);
}

static PetrelMimeSummary *
sample_summary (const char *name)
{
  g_autoptr(GBytes) bytes = load_sample (name);

  return petrel_mime_summary_new_from_bytes (bytes, -1);
}

static PetrelMimeBody *
sample_body (const char *name)
{
  g_autoptr(GBytes) bytes = load_sample (name);

  return petrel_mime_body_new_from_bytes (bytes);
}

static PetrelMimeAttachment *
find_attachment (PetrelMimeBody *body,
                 const char     *part_path)
{
  for (guint i = 0; i < body->attachments->len; i++)
    {
      PetrelMimeAttachment *attachment = g_ptr_array_index (body->attachments, i);

      if (g_strcmp0 (attachment->part_path, part_path) == 0)
        return attachment;
    }

  g_error ("The body has no attachment with part path %s", part_path);
}

static void
assert_summary_valid (PetrelMimeSummary *summary)
{
  g_assert_nonnull (summary);
  g_assert_true (g_utf8_validate (summary->subject, -1, NULL));
  g_assert_true (g_utf8_validate (summary->from_name, -1, NULL));
  g_assert_true (g_utf8_validate (summary->from_address, -1, NULL));
  g_assert_true (g_utf8_validate (summary->to_display, -1, NULL));
  g_assert_true (g_utf8_validate (summary->cc_display, -1, NULL));
  g_assert_nonnull (summary->references);
  g_assert_nonnull (summary->to);
  g_assert_nonnull (summary->cc);
  for (guint i = 0; summary->references[i] != NULL; i++)
    g_assert_true (g_utf8_validate (summary->references[i], -1, NULL));
  if (summary->message_id != NULL)
    g_assert_true (g_utf8_validate (summary->message_id, -1, NULL));
}

static void
assert_body_valid (PetrelMimeBody *body)
{
  g_assert_nonnull (body);
  g_assert_true (g_utf8_validate (body->text, -1, NULL));
  g_assert_true (g_utf8_validate (body->snippet, -1, NULL));
  g_assert_null (strchr (body->snippet, '\n'));
  g_assert_cmpint (g_utf8_strlen (body->snippet, -1), <=, 201);
  g_assert_null (strchr (body->text, '\r'));
  if (body->html != NULL)
    g_assert_true (g_utf8_validate (body->html, -1, NULL));
  for (guint i = 0; i < body->attachments->len; i++)
    {
      PetrelMimeAttachment *attachment = g_ptr_array_index (body->attachments, i);

      g_assert_nonnull (attachment->part_path);
      g_assert_nonnull (attachment->content_type);
      if (attachment->filename != NULL)
        {
          g_assert_true (g_utf8_validate (attachment->filename, -1, NULL));
          g_assert_null (strchr (attachment->filename, '/'));
        }
    }
}

/* Counts header lines named @name (case-insensitive) in the header block of @bytes. */
static guint
count_header_lines (GBytes     *bytes,
                    const char *name)
{
  gsize length = 0;
  const char *data = g_bytes_get_data (bytes, &length);
  gsize header_length = _petrel_mime_header_block_length (data, length);
  g_autofree char *headers = g_strndup (data, header_length);
  g_auto(GStrv) lines = g_strsplit (headers, "\n", -1);
  gsize name_length = strlen (name);
  guint count = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_ascii_strncasecmp (lines[i], name, name_length) == 0 && lines[i][name_length] == ':')
      count++;

  return count;
}

static gboolean
bytes_contain (GBytes     *bytes,
               const char *needle)
{
  gsize length = 0;
  const char *data = g_bytes_get_data (bytes, &length);

  return g_strstr_len (data, length, needle) != NULL;
}

static gboolean
bytes_contain_nocase (GBytes     *bytes,
                      const char *needle)
{
  gsize length = 0;
  const char *data = g_bytes_get_data (bytes, &length);
  g_autofree char *lower = g_ascii_strdown (data, length);
  g_autofree char *lower_needle = g_ascii_strdown (needle, -1);

  return strstr (lower, lower_needle) != NULL;
}

/* Summary */

static void
test_summary_outlook (void)
{
  g_autoptr(PetrelMimeSummary) summary = sample_summary ("outlook-html-cp1252.eml");
  PetrelMimeAddress *cc;

  assert_summary_valid (summary);
  g_assert_cmpstr (summary->subject, ==, "Angebot für Q4 – Rückmeldung erbeten");
  g_assert_cmpstr (summary->from_name, ==, "Müller, Jürgen");
  g_assert_cmpstr (summary->from_address, ==, "j.mueller@contoso.example");
  g_assert_cmpstr (summary->to_display, ==, "Claire Dubois <claire@dubois-conseil.example>");
  g_assert_cmpstr (summary->cc_display, ==, "Vertrieb <vertrieb@contoso.example>");
  g_assert_cmpuint (summary->cc->len, ==, 1);
  cc = g_ptr_array_index (summary->cc, 0);
  g_assert_cmpstr (cc->name, ==, "Vertrieb");
  g_assert_cmpstr (cc->address, ==, "vertrieb@contoso.example");
  /* Mon, 2 Nov 2026 08:13:55 +0000 */
  g_assert_cmpint (summary->date, ==, G_GINT64_CONSTANT (1793607235));
  g_assert_cmpstr (summary->message_id, ==,
                   "AM0PR07MB4412C1E5F0A3B9D2@AM0PR07MB4412.eurprd07.prod.outlook.example");
  g_assert_null (summary->in_reply_to);
  g_assert_null (summary->references[0]);
  g_assert_null (summary->list_id);
}

static void
test_summary_rfc2047 (void)
{
  static const struct
  {
    const char *sample;
    const char *subject;
    const char *from_name;
  } cases[] = {
    { "rfc2047-utf8-b.eml", "🐧 Petrel sync ✅ fertig", "Tester" },
    { "rfc2047-utf8-q.eml", "Réunion déplacée à jeudi", "Tester" },
    { "rfc2047-latin1.eml", "Grüße aus Köln", "André Lefèvre" },
    { "rfc2047-iso2022jp.eml", "こんにちは、テストです", "田中 太郎" },
    { "rfc2047-gb2312.eml", "企鹅合作会议纪要", "李明" },
    /* A UTF-8 character split across two encoded words, and white space between words. */
    { "rfc2047-split.eml", "Schöne Grüße — ok", "Tester" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(PetrelMimeSummary) summary = sample_summary (cases[i].sample);

      assert_summary_valid (summary);
      g_assert_cmpstr (summary->subject, ==, cases[i].subject);
      g_assert_cmpstr (summary->from_name, ==, cases[i].from_name);
      g_assert_cmpint (summary->date, ==, G_GINT64_CONSTANT (1793786400));
    }
}

static void
test_summary_raw_8bit (void)
{
  g_autoptr(PetrelMimeSummary) summary = sample_summary ("raw-8bit-headers.eml");
  g_autoptr(PetrelMimeBody) body = sample_body ("raw-8bit-headers.eml");

  assert_summary_valid (summary);
  /* The subject is raw UTF-8, the From name raw Latin-1. */
  g_assert_cmpstr (summary->subject, ==, "Größenänderung für Ärzte");
  g_assert_cmpstr (summary->from_name, ==, "François Dupont");
  g_assert_cmpstr (summary->from_address, ==, "francois@example.fr");
  g_assert_cmpstr (summary->to_display, ==, "Zoë <zoe@example.org>");
  /* No MIME headers at all: the 8-bit body is read as Windows-1252. */
  g_assert_cmpstr (body->text, ==, "Corps sans en-tête MIME.\n");
}

static void
test_summary_dates (void)
{
  g_autoptr(PetrelMimeSummary) missing = NULL;
  g_autoptr(PetrelMimeSummary) bad = NULL;
  g_autoptr(PetrelMimeSummary) missing_zero = NULL;
  g_autoptr(GBytes) no_date = load_sample ("no-date.eml");
  g_autoptr(GBytes) bad_date = load_sample ("bad-date.eml");

  missing = petrel_mime_summary_new_from_bytes (no_date, 1234567);
  g_assert_cmpint (missing->date, ==, 1234567);
  /* A Message-ID without angle brackets is still an id. */
  g_assert_cmpstr (missing->message_id, ==, "no-brackets@example.org");

  missing_zero = petrel_mime_summary_new_from_bytes (no_date, 0);
  g_assert_cmpint (missing_zero->date, ==, 0);

  bad = petrel_mime_summary_new_from_bytes (bad_date, 7654321);
  g_assert_cmpint (bad->date, ==, 7654321);
  g_assert_cmpstr (bad->message_id, ==, "bad.date@example.org");

  g_assert_cmpint (petrel_mime_parse_date ("Tue, 10 Nov 2026 14:02:00 +0100", 0), ==,
                   G_GINT64_CONSTANT (1794315720));
  g_assert_cmpint (petrel_mime_parse_date ("10 Nov 2026 13:02 GMT", 0), ==,
                   G_GINT64_CONSTANT (1794315720));
  g_assert_cmpint (petrel_mime_parse_date ("Tue, 10 Nov 26 08:02:00 EST", 0), ==,
                   G_GINT64_CONSTANT (1794315720));
  g_assert_cmpint (petrel_mime_parse_date ("Thu, 01 Jan 1970 00:00:00 +0000", 5), ==, 5);
  g_assert_cmpint (petrel_mime_parse_date ("", 9), ==, 9);
  g_assert_cmpint (petrel_mime_parse_date (NULL, 9), ==, 9);
}

static void
test_summary_duplicate_headers (void)
{
  g_autoptr(PetrelMimeSummary) summary = sample_summary ("duplicate-headers.eml");

  /* The first occurrence of a repeated header wins. */
  g_assert_cmpstr (summary->subject, ==, "First subject");
  g_assert_cmpstr (summary->from_address, ==, "first@example.org");
  g_assert_cmpstr (summary->message_id, ==, "first.id@example.org");
  g_assert_cmpint (summary->date, ==, G_GINT64_CONSTANT (1793613600));
}

static void
test_summary_mailing_list (void)
{
  g_autoptr(PetrelMimeSummary) summary = sample_summary ("mailing-list-reply.eml");
  const char * const references[] = {
    "root.thread.1@example.org", "second.in.thread@example.org", "third@example.org", NULL,
  };

  assert_summary_valid (summary);
  g_assert_cmpstr (summary->subject, ==, "Re: [petrel-devel] RFC: drop CONDSTORE fallback?");
  g_assert_cmpstr (summary->from_name, ==, "Lee, Ann");
  g_assert_cmpstr (summary->to_display, ==, "petrel-devel@lists.example.org");
  /* Groups are flattened; the empty "undisclosed-recipients:;" adds nobody. */
  g_assert_cmpstr (summary->cc_display, ==,
                   "Bob <bob@example.org>, tom@example.org, Zoë <zoe@example.org>");
  g_assert_cmpuint (summary->cc->len, ==, 3);
  g_assert_cmpstr (summary->in_reply_to, ==, "root.thread.1@example.org");
  g_assert_cmpstrv (summary->references, references);
  g_assert_cmpstr (summary->list_id, ==, "petrel-devel.lists.example.org");
  /* Wed, 4 Nov 2026 16:30:00 -0800 */
  g_assert_cmpint (summary->date, ==, G_GINT64_CONSTANT (1793838600));
}

static void
test_summary_header_block_only (void)
{
  g_autoptr(GBytes) whole = load_sample ("gmail-alternative-cid-pdf.eml");
  gsize length = 0;
  const char *data = g_bytes_get_data (whole, &length);
  gsize header_length = _petrel_mime_header_block_length (data, length);
  g_autoptr(PetrelMimeSummary) from_whole = petrel_mime_summary_new_from_bytes (whole, 0);
  g_autoptr(PetrelMimeSummary) from_headers = NULL;
  g_autoptr(PetrelMimeSummary) from_unterminated = NULL;

  g_assert_cmpuint (header_length, <, length);
  from_headers = petrel_mime_summary_new_from_data (data, header_length, 0);
  /* Without the blank line that ends the block, as an IMAP header fetch may give it. */
  from_unterminated = petrel_mime_summary_new_from_data (data, header_length - 1, 0);

  g_assert_cmpstr (from_whole->subject, ==, "Benchmark numbers + new logo");
  g_assert_cmpstr (from_headers->subject, ==, from_whole->subject);
  g_assert_cmpstr (from_unterminated->subject, ==, from_whole->subject);
  g_assert_cmpstr (from_headers->to_display, ==,
                   "Nora Lindqvist <nora.lindqvist@example.org>, Tom O'Brien <tom@example.org>");
  g_assert_cmpstr (from_unterminated->to_display, ==, from_headers->to_display);
  g_assert_cmpint (from_headers->date, ==, from_whole->date);
  g_assert_cmpint (from_headers->date, ==, G_GINT64_CONSTANT (1793707930));
  g_assert_cmpstr (from_headers->message_id, ==, from_whole->message_id);
}

static void
test_summary_huge_header (void)
{
  GString *message = g_string_new ("From: Flood <flood@example.org>\nSubject: ");
  g_autoptr(PetrelMimeSummary) summary = NULL;
  g_autoptr(PetrelMimeBody) body = NULL;
  g_autoptr(GBytes) bytes = NULL;

  /* Four megabytes of subject in one unfolded line, then a huge folded To header. */
  for (guint i = 0; i < 4 * 1024 * 1024 / 8; i++)
    g_string_append (message, "Ärger! ");
  g_string_append (message, "\nTo: ");
  for (guint i = 0; i < 20000; i++)
    g_string_append_printf (message, "user%u@example.org,\n ", i);
  g_string_append (message, "last@example.org\nMessage-ID: <huge@example.org>\n\nStill here.\n");
  bytes = g_bytes_new_take (message->str, message->len);
  g_string_free (message, FALSE);

  summary = petrel_mime_summary_new_from_bytes (bytes, 0);
  assert_summary_valid (summary);
  g_assert_true (g_str_has_prefix (summary->subject, "Ärger! Ärger!"));
  g_assert_cmpuint (strlen (summary->subject), <=, PETREL_MIME_MAX_FIELD_BYTES);
  g_assert_cmpuint (summary->to->len, ==, PETREL_MIME_MAX_ADDRESSES);
  g_assert_cmpstr (summary->message_id, ==, "huge@example.org");
  g_assert_cmpstr (summary->from_address, ==, "flood@example.org");

  body = petrel_mime_body_new_from_bytes (bytes);
  assert_body_valid (body);
  g_assert_cmpstr (body->text, ==, "Still here.\n");
}

static void
test_summary_nul_and_empty (void)
{
  g_autoptr(PetrelMimeSummary) nul = sample_summary ("nul-bytes.eml");
  g_autoptr(PetrelMimeSummary) empty = sample_summary ("empty.eml");
  g_autoptr(PetrelMimeSummary) copy = NULL;

  assert_summary_valid (nul);
  g_assert_cmpstr (nul->subject, ==, "Nul bytes inside");
  g_assert_cmpstr (nul->from_name, ==, "Nul Sender");

  assert_summary_valid (empty);
  g_assert_cmpstr (empty->subject, ==, "");
  g_assert_cmpstr (empty->from_name, ==, "");
  g_assert_cmpstr (empty->from_address, ==, "");
  g_assert_cmpuint (empty->to->len, ==, 0);
  g_assert_cmpint (empty->date, ==, -1);
  g_assert_null (empty->message_id);
  g_assert_null (empty->references[0]);

  copy = petrel_mime_summary_copy (nul);
  g_assert_cmpstr (copy->subject, ==, nul->subject);
  g_assert_cmpuint (copy->to->len, ==, nul->to->len);
  g_assert_true (copy->to != nul->to);
}

/* Decoding helpers */

static void
test_decode_ids (void)
{
  static const struct
  {
    const char *raw;
    const char *id;
  } ids[] = {
    { "<abc@example.org>", "abc@example.org" },
    { "  <abc@example.org> (added by relay)", "abc@example.org" },
    { "<abc\n @example.org>", "abc@example.org" },
    { "abc@example.org", "abc@example.org" },
    { "(comment) abc@example.org trailing", "abc@example.org" },
    { "<>", NULL },
    { "", NULL },
    { "   ", NULL },
    { "<unterminated@example.org", "unterminated@example.org" },
  };
  const char * const expected_refs[] = { "a@x", "b@x", "c@x", NULL };
  const char * const bare_refs[] = { "a@x", "c@x", NULL };
  g_auto(GStrv) refs = NULL;
  g_auto(GStrv) bare = NULL;
  g_auto(GStrv) none = NULL;
  g_auto(GStrv) many = NULL;
  GString *long_refs = g_string_new (NULL);
  g_autofree char *list_id = NULL;
  g_autofree char *bare_list_id = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autofree char *id = petrel_mime_normalize_message_id (ids[i].raw);

      g_assert_cmpstr (id, ==, ids[i].id);
    }
  g_assert_null (petrel_mime_normalize_message_id (NULL));

  refs = petrel_mime_parse_references ("<a@x> <b@x>\n\t<a@x> junk <c@x>");
  g_assert_cmpstrv (refs, expected_refs);
  bare = petrel_mime_parse_references ("a@x, not-an-id c@x");
  g_assert_cmpstrv (bare, bare_refs);
  none = petrel_mime_parse_references (NULL);
  g_assert_null (none[0]);

  for (guint i = 0; i < 1000; i++)
    g_string_append_printf (long_refs, "<id%u@example.org> ", i);
  many = petrel_mime_parse_references (long_refs->str);
  g_string_free (long_refs, TRUE);
  g_assert_cmpuint (g_strv_length (many), ==, PETREL_MIME_MAX_REFERENCES);
  g_assert_cmpstr (many[0], ==, "id0@example.org");
  g_assert_cmpstr (many[PETREL_MIME_MAX_REFERENCES - 1], ==, "id999@example.org");
  g_assert_cmpstr (many[PETREL_MIME_MAX_REFERENCES - 2], ==, "id998@example.org");

  list_id = petrel_mime_normalize_list_id ("Petrel devel <Devel.Lists.Example.ORG>");
  g_assert_cmpstr (list_id, ==, "devel.lists.example.org");
  bare_list_id = petrel_mime_normalize_list_id ("  devel.lists.example.org ");
  g_assert_cmpstr (bare_list_id, ==, "devel.lists.example.org");
}

static void
test_decode_charsets (void)
{
  static const struct
  {
    const char *data;
    gssize      length;
    const char *charset;
    const char *expected;
  } cases[] = {
    { "caf\xc3\xa9", -1, "utf-8", "café" },
    { "caf\xe9", -1, "iso-8859-1", "café" },
    /* Latin-1 labels are read as Windows-1252: Outlook's curly quotes and the euro sign. */
    { "\x93hi\x94 \x80", -1, "ISO-8859-1", "“hi” €" },
    { "\x93hi\x94", -1, NULL, "“hi”" },
    /* Valid UTF-8 mislabelled as Latin-1 stays UTF-8. */
    { "caf\xc3\xa9", -1, "iso-8859-1", "café" },
    { "caf\xe9", -1, "x-no-such-charset", "café" },
    { "\xa4\xa4\xa4\xe5", -1, "big5", "中文" },
    { "\x1b$B$3$s$K$A$O\x1b(B", -1, "iso-2022-jp", "こんにちは" },
    { "\xd6\xd0\xce\xc4", -1, "gb2312", "中文" },
    { "\xc7\xd1\xb1\xdb", -1, "ks_c_5601-1987", "한글" },
    { "\xf0\xcf\xde\xd4\xc1", -1, "koi8-r", "Почта" },
    /* Invalid sequences become U+FFFD, nul bytes vanish. */
    { "a\xff" "b", -1, "utf-8", "a\xef\xbf\xbd" "b" },
    { "a\0b", 3, "utf-8", "ab" },
    { "\xd6\xd0\xce", -1, "gb2312", "中\xef\xbf\xbd" },
    { "", 0, "utf-8", "" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *result = petrel_mime_convert_to_utf8 (cases[i].data, cases[i].length,
                                                             cases[i].charset);

      g_assert_true (g_utf8_validate (result, -1, NULL));
      g_assert_cmpstr (result, ==, cases[i].expected);
    }
}

static void
test_decode_header_text (void)
{
  static const struct
  {
    const char *raw;
    const char *expected;
  } cases[] = {
    { "=?utf-8?b?w6Q=?= caf\xe9", "ä café" },
    { " folded\r\n\tsubject  line ", "folded subject line" },
    { "=?utf-8?q?caf=C3=A9?= =?utf-8?q?_ok?=", "café ok" },
    { "=?utf-8?b?8J+Ygg?=", "😂" },
    { "plain text", "plain text" },
    { "=?unknown-x?q?abc?=", "abc" },
    { "tab\there", "tab here" },
    { "", "" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *decoded = petrel_mime_decode_header_text (cases[i].raw);

      g_assert_cmpstr (decoded, ==, cases[i].expected);
    }
  g_assert_null (petrel_mime_decode_header_text (NULL));
}

static void
test_decode_envelope (void)
{
  g_autoptr(PetrelMimeAddress) plain = petrel_mime_address_new_from_envelope (
      "Ann Lee", "ann", "example.org");
  g_autoptr(PetrelMimeAddress) encoded = petrel_mime_address_new_from_envelope (
      "=?ISO-8859-1?Q?J=FCrgen_M=FCller?=", "j.mueller", "contoso.example");
  g_autoptr(PetrelMimeAddress) no_name = petrel_mime_address_new_from_envelope (
      NULL, "bob", "example.org");
  g_autoptr(PetrelMimeAddress) idn = petrel_mime_address_new_from_envelope (
      "=?utf-8?q?Ren=C3=A9?=", "rene", "xn--mnchen-3ya.example");
  g_autoptr(PetrelMimeAddress) missing_host = petrel_mime_address_new_from_envelope (
      NULL, "MAILER-DAEMON", ".MISSING-HOST-NAME.");
  g_autoptr(PetrelMimeAddress) raw_8bit = petrel_mime_address_new_from_envelope (
      "Fran\xe7ois", "f", "example.fr");
  g_autofree char *display = NULL;

  g_assert_cmpstr (plain->name, ==, "Ann Lee");
  g_assert_cmpstr (plain->address, ==, "ann@example.org");
  g_assert_cmpstr (encoded->name, ==, "Jürgen Müller");
  g_assert_null (no_name->name);
  g_assert_cmpstr (no_name->address, ==, "bob@example.org");
  g_assert_cmpstr (idn->name, ==, "René");
  g_assert_cmpstr (idn->address, ==, "rene@münchen.example");
  g_assert_cmpstr (missing_host->address, ==, "MAILER-DAEMON");
  g_assert_cmpstr (raw_8bit->name, ==, "François");

  /* Group start (host NIL) and group end (mailbox and host NIL) markers. */
  g_assert_null (petrel_mime_address_new_from_envelope (NULL, "team", NULL));
  g_assert_null (petrel_mime_address_new_from_envelope (NULL, NULL, NULL));

  display = petrel_mime_address_to_display (encoded);
  g_assert_cmpstr (display, ==, "Jürgen Müller <j.mueller@contoso.example>");
}

static void
test_address_validate (void)
{
  static const char * const valid[] = {
    "ann@example.org", "first.last+tag@sub.example.co.uk", "user@localhost",
    "\"quoted name\"@example.org", "user@[127.0.0.1]", "user@[IPv6:::1]", "o'brien@example.ie",
    "δοκιμή@παράδειγμα.δοκιμή",
  };
  static const char * const invalid[] = {
    "", "plain", "@example.org", "ann@", "ann@@example.org", "ann@exa mple.org",
    "ann@example.org\r\nBcc: evil@x", "ann\n@example.org", ".ann@example.org",
    "ann..lee@example.org", "ann@-example.org", "ann@example..org", "ann@[300.1.1.1]",
    "a b@example.org", "ann@example.org>", "<ann@example.org>", "ann@exam\x01ple.org",
    "ann,bob@example.org",
  };
  g_autofree char *ascii = NULL;
  g_autofree char *literal = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (valid); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (petrel_mime_address_validate (valid[i], NULL, &error));
      g_assert_no_error (error);
    }

  for (gsize i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (petrel_mime_address_validate (invalid[i], NULL, &error));
      g_assert_error (error, PETREL_MIME_ERROR, PETREL_MIME_ERROR_INVALID_ADDRESS);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      g_assert_null (strchr (error->message, '\n'));
    }

  g_assert_true (petrel_mime_address_validate ("jürgen@münchen.example", &ascii, NULL));
  g_assert_cmpstr (ascii, ==, "jürgen@xn--mnchen-3ya.example");
  g_assert_true (petrel_mime_address_validate ("Ann@Example.ORG", &literal, NULL));
  g_assert_cmpstr (literal, ==, "Ann@example.org");
}

/* Body walker */

static void
test_body_gmail (void)
{
  g_autoptr(GBytes) bytes = load_sample ("gmail-alternative-cid-pdf.eml");
  g_autoptr(PetrelMimeBody) body = petrel_mime_body_new_from_bytes (bytes);
  g_autoptr(PetrelMimeBody) copy = NULL;
  g_autoptr(GBytes) pdf = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GError) error = NULL;
  PetrelMimeAttachment *logo;
  PetrelMimeAttachment *report;
  gsize size = 0;
  const guint8 *data;

  assert_body_valid (body);
  g_assert_cmpstr (body->text, ==,
                   "Hi Nora,\n"
                   "\n"
                   "The benchmark report is attached. Median full sync is down to 41 s — nice "
                   "work.\n"
                   "\n"
                   "[image: petrel-logo.png]\n"
                   "\n"
                   "Ravi\n");
  g_assert_false (body->text_from_html);
  g_assert_nonnull (body->html);
  g_assert_nonnull (strstr (body->html, "cid:ii_lq3x9k2a0"));
  g_assert_true (body->has_attachments);
  g_assert_cmpuint (body->attachments->len, ==, 2);

  logo = find_attachment (body, "1.2");
  g_assert_nonnull (logo);
  g_assert_cmpstr (logo->filename, ==, "petrel-logo.png");
  g_assert_cmpstr (logo->content_type, ==, "image/png");
  g_assert_cmpstr (logo->content_id, ==, "ii_lq3x9k2a0");
  g_assert_cmpstr (logo->disposition, ==, "inline");
  g_assert_true (logo->is_inline);

  report = find_attachment (body, "2");
  g_assert_nonnull (report);
  g_assert_cmpstr (report->filename, ==, "sync-benchmark-w45.pdf");
  g_assert_cmpstr (report->content_type, ==, "application/pdf");
  g_assert_cmpstr (report->disposition, ==, "attachment");
  g_assert_false (report->is_inline);

  pdf = petrel_mime_get_part_content (bytes, "2", &error);
  g_assert_no_error (error);
  data = g_bytes_get_data (pdf, &size);
  g_assert_cmpuint (size, >, 100);
  g_assert_cmpmem (data, 5, "%PDF-", 5);
  g_assert_nonnull (g_strstr_len ((const char *) data, size, "%%EOF"));
  /* The estimate is within a few percent of the real size. */
  g_assert_cmpuint (report->size, >=, size * 95 / 100);
  g_assert_cmpuint (report->size, <=, size * 105 / 100);

  png = petrel_mime_get_part_content (bytes, "1.2", &error);
  g_assert_no_error (error);
  data = g_bytes_get_data (png, &size);
  g_assert_cmpmem (data, 8, "\x89PNG\r\n\x1a\n", 8);

  copy = petrel_mime_body_copy (body);
  g_assert_cmpstr (copy->text, ==, body->text);
  g_assert_cmpuint (copy->attachments->len, ==, 2);
}

static void
test_body_outlook_html (void)
{
  g_autoptr(PetrelMimeBody) body = sample_body ("outlook-html-cp1252.eml");

  assert_body_valid (body);
  g_assert_true (body->text_from_html);
  g_assert_false (body->has_attachments);
  g_assert_cmpstr (body->text, ==,
                   "Hallo Frau Dubois,\n"
                   "\n"
                   "anbei wie besprochen unser Angebot für das „Q4-Rollout“ – Gesamtpreis "
                   "12.400 € netto.\n"
                   "Die wichtigsten Punkte:\n"
                   "\n"
                   "- Lizenzen für 40 Arbeitsplätze\n"
                   "- Schulung vor Ort & Support\n"
                   "\n"
                   "Details finden Sie auf unserer Angebotsseite "
                   "<https://contoso.example/angebote/q4>.\n"
                   "\n"
                   "Position Betrag\n"
                   "Lizenzen 9.600 €\n"
                   "Mit freundlichen Grüßen\n"
                   "Jürgen Müller\n");
  g_assert_cmpstr (body->snippet, ==,
                   "Hallo Frau Dubois, anbei wie besprochen unser Angebot für das "
                   "„Q4-Rollout“ – Gesamtpreis 12.400 € netto. Die wichtigsten Punkte: - "
                   "Lizenzen für 40 Arbeitsplätze - Schulung vor Ort & Support Details…");
}

static void
test_body_apple_flowed (void)
{
  g_autoptr(PetrelMimeBody) body = sample_body ("apple-flowed-qp.eml");

  assert_body_valid (body);
  g_assert_cmpstr (body->text, ==,
                   "Hi Ravi,\n"
                   "\n"
                   "That is a great result. I ran it on my old ThinkPad as well and got 47 s, "
                   "which is still far better than last month. Let’s keep the header fetch "
                   "under 4 s in the next round.\n"
                   "\n"
                   "> On 3 Nov 2026, at 13:12, Ravi Menon <ravi.menon@gmail.example> wrote:\n"
                   ">\n"
                   "> The benchmark report is attached. Median full sync is down to 41 s — "
                   "nice work.\n"
                   ">> Earlier: can we beat 60 s?\n"
                   "\n"
                   "From here on, a space-stuffed line.\n"
                   "\n"
                   "Danke schön,\n"
                   "Nora\n"
                   "\n"
                   "--\n"
                   "Nora Lindqvist · Petrel maintainer\n");
  /* Quotes, their attribution and the signature stay out of the snippet. */
  g_assert_cmpstr (body->snippet, ==,
                   "Hi Ravi, That is a great result. I ran it on my old ThinkPad as well and "
                   "got 47 s, which is still far better than last month. Let’s keep the header "
                   "fetch under 4 s in the next round. From here on, a…");
}

static void
test_body_rfc2231 (void)
{
  g_autoptr(GBytes) bytes = load_sample ("rfc2231-filenames.eml");
  g_autoptr(PetrelMimeBody) body = petrel_mime_body_new_from_bytes (bytes);
  g_autoptr(GBytes) cafe = NULL;
  g_autoptr(GError) error = NULL;

  assert_body_valid (body);
  g_assert_cmpstr (body->text, ==, "Voici les fichiers.\n");
  g_assert_true (body->has_attachments);
  g_assert_cmpuint (body->attachments->len, ==, 4);
  /* RFC 2231 continuations with a UTF-8 charset. */
  g_assert_cmpstr (find_attachment (body, "2")->filename, ==,
                   "Résumé de la réunion — novembre.pdf");
  /* An RFC 2047 encoded name parameter, as Outlook writes it. */
  g_assert_cmpstr (find_attachment (body, "3")->filename, ==, "日本語のファイル.txt");
  g_assert_cmpstr (find_attachment (body, "3")->content_type, ==, "text/plain");
  /* RFC 2231 in Latin-1, on the content type's name only. */
  g_assert_cmpstr (find_attachment (body, "4")->filename, ==, "été.bin");
  g_assert_null (find_attachment (body, "4")->disposition);
  /* Directories never reach a file name. */
  g_assert_cmpstr (find_attachment (body, "5")->filename, ==, "passwd");

  /* Content is returned with the transfer encoding undone, charset untouched. */
  cafe = petrel_mime_get_part_content (bytes, "3", &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (cafe, NULL), g_bytes_get_size (cafe), "Caf\xe9", 4);
}

static void
test_body_forwarded (void)
{
  g_autoptr(GBytes) inline_bytes = load_sample ("forwarded-inline.eml");
  g_autoptr(GBytes) attached_bytes = load_sample ("forwarded-attached.eml");
  g_autoptr(PetrelMimeBody) inline_body = petrel_mime_body_new_from_bytes (inline_bytes);
  g_autoptr(PetrelMimeBody) attached_body = petrel_mime_body_new_from_bytes (attached_bytes);
  g_autoptr(GBytes) inner = NULL;
  g_autoptr(GBytes) inner_text = NULL;
  g_autoptr(PetrelMimeSummary) inner_summary = NULL;
  g_autoptr(GError) error = NULL;
  PetrelMimeAttachment *attachment;

  assert_body_valid (inline_body);
  g_assert_cmpstr (inline_body->text, ==,
                   "Tom, see Hiroshi's notes below.\n"
                   "\n"
                   "---------- Forwarded message ----------\n"
                   "From: Hiroshi Tanaka <tanaka@example.jp>\n"
                   "Date: Fri, 30 Oct 2026 09:00:00 +0900\n"
                   "Subject: リリースノート\n"
                   "To: Nora Lindqvist <nora.lindqvist@example.org>\n"
                   "\n"
                   "Release notes draft:\n"
                   "- IDLE reconnects faster\n"
                   "- Outbox survives restarts\n");
  g_assert_cmpstr (inline_body->snippet, ==,
                   "Tom, see Hiroshi's notes below. Release notes draft: - IDLE reconnects "
                   "faster - Outbox survives restarts");
  g_assert_false (inline_body->has_attachments);
  attachment = find_attachment (inline_body, "2");
  g_assert_nonnull (attachment);
  g_assert_cmpstr (attachment->content_type, ==, "message/rfc822");
  g_assert_cmpstr (attachment->filename, ==, "リリースノート.eml");
  g_assert_true (attachment->is_inline);

  assert_body_valid (attached_body);
  g_assert_cmpstr (attached_body->text, ==, "Attached as a file this time.\n");
  g_assert_true (attached_body->has_attachments);
  g_assert_cmpuint (attached_body->attachments->len, ==, 1);
  attachment = find_attachment (attached_body, "2");
  g_assert_false (attachment->is_inline);
  g_assert_cmpuint (attachment->size, >, 400);

  /* The attached message comes back whole, and its parts have IMAP-style numbers. */
  inner = petrel_mime_get_part_content (attached_bytes, "2", &error);
  g_assert_no_error (error);
  inner_summary = petrel_mime_summary_new_from_bytes (inner, 0);
  g_assert_cmpstr (inner_summary->subject, ==, "リリースノート");
  g_assert_cmpstr (inner_summary->message_id, ==, "relnotes.42@example.jp");
  inner_text = petrel_mime_get_part_content (attached_bytes, "2.1", &error);
  g_assert_no_error (error);
  {
    g_autofree char *text = bytes_to_string (inner_text);

    g_assert_cmpstr (text, ==, "Release notes draft:\n- IDLE reconnects faster\n"
                               "- Outbox survives restarts\n");
  }
}

static void
test_body_broken (void)
{
  g_autoptr(PetrelMimeBody) missing = sample_body ("missing-boundary.eml");
  g_autoptr(PetrelMimeBody) unterminated = sample_body ("unterminated-multipart.eml");
  g_autoptr(PetrelMimeBody) truncated = sample_body ("truncated-base64.eml");
  g_autoptr(PetrelMimeBody) charsets = sample_body ("unknown-charset.eml");
  g_autoptr(PetrelMimeBody) nul = sample_body ("nul-bytes.eml");
  g_autoptr(PetrelMimeBody) empty = sample_body ("empty.eml");
  g_autoptr(PetrelMimeBody) empty_data = petrel_mime_body_new_from_data (NULL, 0);
  g_autoptr(GBytes) truncated_bytes = load_sample ("truncated-base64.eml");
  g_autoptr(GBytes) cut_png = NULL;
  g_autoptr(GError) error = NULL;

  assert_body_valid (missing);
  g_assert_cmpstr (missing->text, ==, "The text survives without a boundary parameter.\n");

  assert_body_valid (unterminated);
  g_assert_cmpstr (unterminated->text, ==,
                   "First part, and the closing boundary never comes.\n");

  assert_body_valid (truncated);
  g_assert_cmpstr (truncated->text, ==, "Die Übertragung wurde mitten im Satz abgebro\n");
  g_assert_true (truncated->has_attachments);
  g_assert_cmpstr (find_attachment (truncated, "2")->filename, ==, "cut.png");
  cut_png = petrel_mime_get_part_content (truncated_bytes, "2", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (cut_png), >, 8);
  g_assert_cmpmem (g_bytes_get_data (cut_png, NULL), 8, "\x89PNG\r\n\x1a\n", 8);

  assert_body_valid (charsets);
  g_assert_cmpstr (charsets->text, ==,
                   "Café crème € 5\n"
                   "\n"
                   "Broken \xef\xbf\xbd\xef\xbf\xbd UTF-8 \xef\xbf\xbd\xef\xbf\xbd here\n");

  assert_body_valid (nul);
  g_assert_cmpstr (nul->text, ==, "Beforeafter été.\n");

  /* An empty HTML body without a charset (once a critical warning, found by fuzzing). */
  {
    const char *html_only = "Subject: x\nContent-Type: text/html\n\n";
    g_autoptr(PetrelMimeBody) empty_html = petrel_mime_body_new_from_data (html_only,
                                                                           strlen (html_only));

    assert_body_valid (empty_html);
    g_assert_cmpstr (empty_html->text, ==, "");
    g_assert_cmpstr (empty_html->html, ==, "");
  }

  assert_body_valid (empty);
  g_assert_cmpstr (empty->text, ==, "");
  g_assert_cmpstr (empty->snippet, ==, "");
  g_assert_false (empty->has_attachments);
  g_assert_cmpuint (empty->attachments->len, ==, 0);
  g_assert_cmpstr (empty_data->text, ==, "");
}

static void
test_body_signed (void)
{
  g_autoptr(PetrelMimeBody) body = sample_body ("signed.eml");

  assert_body_valid (body);
  g_assert_cmpstr (body->text, ==, "This note is signed.\n");
  /* The signature is protocol, not an attachment. */
  g_assert_false (body->has_attachments);
  g_assert_cmpuint (body->attachments->len, ==, 0);
}

static GBytes *
make_nested_message (guint levels)
{
  GString *message = g_string_new ("From: Deep <deep@example.org>\nSubject: Deep\n"
                                   "MIME-Version: 1.0\n");

  for (guint i = 0; i < levels; i++)
    g_string_append_printf (message,
                            "Content-Type: multipart/mixed; boundary=\"level%u\"\n\n--level%u\n",
                            i, i);
  g_string_append (message, "Content-Type: text/plain\n\nAt the bottom.\n");
  for (guint i = levels; i > 0; i--)
    g_string_append_printf (message, "--level%u--\n", i - 1);

  return g_string_free_to_bytes (message);
}

static void
test_body_deep_nesting (void)
{
  g_autoptr(GBytes) fifty = load_sample ("deep-nesting-50.eml");
  g_autoptr(GBytes) fifty_made = make_nested_message (50);
  g_autoptr(GBytes) thousands = make_nested_message (5000);
  g_autoptr(PetrelMimeBody) body = petrel_mime_body_new_from_bytes (fifty);
  g_autoptr(PetrelMimeBody) deep_body = petrel_mime_body_new_from_bytes (thousands);
  g_autoptr(PetrelMimeSummary) deep_summary = petrel_mime_summary_new_from_bytes (thousands, 0);
  g_autoptr(GString) path = g_string_new ("1");
  g_autoptr(GBytes) bottom = NULL;
  g_autoptr(GError) error = NULL;

  /* The sample is what make_nested_message() writes for 50 levels. */
  g_assert_true (g_bytes_equal (fifty, fifty_made));
  assert_body_valid (body);
  g_assert_cmpstr (body->text, ==, "At the bottom.\n");

  /* Fifty levels are walked; the part 50 levels down is "1.1.….1". */
  for (guint i = 1; i < 50; i++)
    g_string_append (path, ".1");
  bottom = petrel_mime_get_part_content (fifty, path->str, &error);
  g_assert_no_error (error);
  {
    g_autofree char *bottom_text = bytes_to_string (bottom);

    /* The newline before a boundary belongs to the boundary. */
    g_assert_cmpstr (bottom_text, ==, "At the bottom.");
  }

  /* Thousands of levels: the walk stops at its bound instead of recursing on. */
  assert_body_valid (deep_body);
  g_assert_cmpstr (deep_body->text, ==, "");
  g_assert_cmpstr (deep_summary->subject, ==, "Deep");
}

static void
test_body_garbage (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261102);
  g_autoptr(GBytes) gmail = load_sample ("gmail-alternative-cid-pdf.eml");
  gsize gmail_length = 0;
  const char *gmail_data = g_bytes_get_data (gmail, &gmail_length);

  /* Random bytes, then random bytes after a plausible header, never crash or give bad UTF-8. */
  for (guint round = 0; round < 40; round++)
    {
      gsize length = g_rand_int_range (rand, 1, 4096);
      g_autofree guint8 *data = g_malloc (length + 64);
      gsize offset = 0;
      g_autoptr(PetrelMimeBody) body = NULL;
      g_autoptr(PetrelMimeSummary) summary = NULL;
      g_autofree char *display = NULL;
      g_autoptr(GBytes) bytes = NULL;

      if (round % 2 == 1)
        {
          const char *header = "Subject: x\nContent-Type: multipart/mixed; boundary=b\n\n--b\n";

          offset = strlen (header);
          memcpy (data, header, offset);
        }
      for (gsize i = 0; i < length; i++)
        data[offset + i] = (guint8) g_rand_int_range (rand, 0, 256);

      bytes = g_bytes_new (data, offset + length);
      body = petrel_mime_body_new_from_bytes (bytes);
      summary = petrel_mime_summary_new_from_bytes (bytes, 0);
      display = petrel_mime_format_for_display (bytes, NULL);
      assert_body_valid (body);
      assert_summary_valid (summary);
      g_assert_true (g_utf8_validate (display, -1, NULL));
    }

  /* A real message cut short at every point. */
  for (gsize cut = 0; cut < gmail_length; cut += 29)
    {
      g_autoptr(PetrelMimeBody) body = petrel_mime_body_new_from_data (gmail_data, cut);
      g_autoptr(PetrelMimeSummary) summary = petrel_mime_summary_new_from_data (gmail_data, cut,
                                                                                0);

      assert_body_valid (body);
      assert_summary_valid (summary);
    }
}

static void
test_body_part_errors (void)
{
  g_autoptr(GBytes) bytes = load_sample ("gmail-alternative-cid-pdf.eml");
  g_autoptr(GBytes) empty = load_sample ("empty.eml");
  static const char * const bad_paths[] = { "", "0", "3", "1.3", "2.1", "a", "1..2", "-1",
                                            "1.2.3.4.5", "99999999999" };

  for (gsize i = 0; i < G_N_ELEMENTS (bad_paths); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) content = petrel_mime_get_part_content (bytes, bad_paths[i], &error);

      g_assert_null (content);
      g_assert_error (error, PETREL_MIME_ERROR, PETREL_MIME_ERROR_NOT_FOUND);
    }

  {
    g_autoptr(GError) error = NULL;
    /* "1" is a multipart container here, not content. */
    g_autoptr(GBytes) content = petrel_mime_get_part_content (bytes, "1", &error);

    g_assert_null (content);
    g_assert_error (error, PETREL_MIME_ERROR, PETREL_MIME_ERROR_NOT_FOUND);
  }

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) content = petrel_mime_get_part_content (empty, "1", &error);

    g_assert_null (content);
    g_assert_error (error, PETREL_MIME_ERROR, PETREL_MIME_ERROR_PARSE);
  }

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) single = load_sample ("no-date.eml");
    /* "1" of a single-part message is its body. */
    g_autoptr(GBytes) content = petrel_mime_get_part_content (single, "1", &error);

    g_autofree char *text = NULL;

    g_assert_no_error (error);
    text = bytes_to_string (content);
    g_assert_cmpstr (text, ==, "Undated.\n");
  }
}

static void
test_snippet (void)
{
  g_autofree char *quoted = petrel_mime_make_snippet (
      "Sounds good.\n\nOn Tue, 3 Nov 2026 at 10:00, Ann Lee\n<ann@example.org> wrote:\n"
      "> quoted\n> more\n\nSee you.\n-- \nsig", 200);
  g_autofree char *outlook = petrel_mime_make_snippet (
      "Yes.\n\n-----Original Message-----\nFrom: x\nOld text", 200);
  g_autofree char *underscores = petrel_mime_make_snippet (
      "Ok.\n________________________________\nFrom: x", 200);
  g_autofree char *cut = petrel_mime_make_snippet (
      "one two three four five six seven eight nine ten", 20);
  g_autofree char *cut_word = petrel_mime_make_snippet ("abcdefghijklmnopqrstuvwxyz", 10);
  g_autofree char *spaces = petrel_mime_make_snippet ("  lots \t of\n\n\n   space  ", 200);
  g_autofree char *only_quotes = petrel_mime_make_snippet ("> a\n> b\n", 200);

  g_assert_cmpstr (quoted, ==, "Sounds good. See you.");
  g_assert_cmpstr (outlook, ==, "Yes.");
  g_assert_cmpstr (underscores, ==, "Ok.");
  g_assert_cmpstr (cut, ==, "one two three four…");
  g_assert_cmpstr (cut_word, ==, "abcdefghij…");
  g_assert_cmpstr (spaces, ==, "lots of space");
  g_assert_cmpstr (only_quotes, ==, "");
}

static void
test_format_for_display (void)
{
  g_autoptr(GBytes) bytes = load_sample ("gmail-alternative-cid-pdf.eml");
  g_autoptr(GBytes) cc_bytes = load_sample ("mailing-list-reply.eml");
  g_autoptr(GBytes) empty = load_sample ("empty.eml");
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GTimeZone) tokyo = g_time_zone_new_identifier ("+09:00");
  g_autofree char *text = petrel_mime_format_for_display (bytes, utc);
  g_autofree char *cc_text = petrel_mime_format_for_display (cc_bytes, tokyo);
  g_autofree char *empty_text = petrel_mime_format_for_display (empty, utc);

  g_assert_cmpstr (text, ==,
                   "From: Ravi Menon <ravi.menon@gmail.example>\n"
                   "To: Nora Lindqvist <nora.lindqvist@example.org>, "
                   "Tom O'Brien <tom@example.org>\n"
                   "Date: Tue, 3 Nov 2026 12:12:10 +0000\n"
                   "Subject: Benchmark numbers + new logo\n"
                   "Attachments: sync-benchmark-w45.pdf (application/pdf, 668 bytes)\n"
                   "\n"
                   "Hi Nora,\n"
                   "\n"
                   "The benchmark report is attached. Median full sync is down to 41 s — nice "
                   "work.\n"
                   "\n"
                   "[image: petrel-logo.png]\n"
                   "\n"
                   "Ravi\n");
  g_assert_true (g_str_has_prefix (cc_text,
                                   "From: \"Lee, Ann\" <ann@example.org>\n"
                                   "To: petrel-devel@lists.example.org\n"
                                   "Cc: Bob <bob@example.org>, tom@example.org, "
                                   "Zoë <zoe@example.org>\n"
                                   "Date: Thu, 5 Nov 2026 09:30:00 +0900\n"
                                   "Subject: Re: [petrel-devel] RFC: drop CONDSTORE fallback?\n"
                                   "\n"
                                   "Tom O'Brien wrote:\n"));
  g_assert_cmpstr (empty_text, ==, "From: \nSubject: \n\n");
}

/* HTML to text */

static void
test_html_to_text (void)
{
  static const struct
  {
    const char *html;
    const char *text;
  } cases[] = {
    { "", "" },
    { "plain", "plain\n" },
    { "<p>One</p><p>Two</p>", "One\n\nTwo\n" },
    { "<div>a</div><div>b</div>", "a\nb\n" },
    { "line<br>break<br/><br>gap", "line\nbreak\n\ngap\n" },
    { "  lots\n of   \t white\n\nspace  ", "lots of white space\n" },
    { "<h1>Title</h1>text", "Title\n\ntext\n" },
    { "<ul><li>one<li>two</ul>after", "- one\n- two\n\nafter\n" },
    { "<ol start=\"3\"><li>c</li><li>d</li></ol>", "3. c\n4. d\n" },
    { "<ul><li>a<ul><li>b</li></ul></li><li>c</li></ul>", "- a\n  - b\n- c\n" },
    { "<li><p>para in item</p></li>", "- para in item\n" },
    { "<a href=\"https://petrel.example/docs\">the docs</a>",
      "the docs <https://petrel.example/docs>\n" },
    { "<a href=\"https://petrel.example/\">https://petrel.example</a>",
      "https://petrel.example\n" },
    { "<a href=\"mailto:ann@example.org\">ann@example.org</a>", "ann@example.org\n" },
    { "<a href=\"mailto:ann@example.org?subject=hi\">Ann</a>", "Ann <ann@example.org>\n" },
    { "<a href=\"javascript:alert(1)\">click</a>", "click\n" },
    { "<a href=\"#top\">top</a>", "top\n" },
    { "<a href=\"https://x.example/?a=1&amp;b=2\">x</a>", "x <https://x.example/?a=1&b=2>\n" },
    { "<a href=\"https://x.example/\"><img src=\"cid:logo\"></a>", "" },
    { "<a href=\"https://x.example/\"><img alt=\"Logo\"></a>", "Logo <https://x.example/>\n" },
    { "&amp; &lt;tag&gt; &quot;q&quot; &#39;s&#39; &eacute;&#233;&#xE9; &euro;&hellip;",
      "& <tag> \"q\" 's' ééé €…\n" },
    { "&#150;&#x93;x&#x94;", "–“x”\n" },
    { "&#0;&#xD800;&#x110000;", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\n" },
    { "&copy 2026 &notanentity; AT&T &amp", "© 2026 &notanentity; AT&T &\n" },
    { "a&nbsp;&nbsp;&nbsp;b", "a b\n" },
    { "pre&zwnj;&shy;view\xe2\x80\x8b", "preview\n" },
    { "<script>var x = '<p>no</p>';</script><style>p { color: red }</style>shown",
      "shown\n" },
    { "<SCRIPT type=x>hidden</SCRIPT >shown", "shown\n" },
    { "<title>Newsletter</title><body>body</body>", "body\n" },
    { "a<!-- comment <p>x</p> -->b<!--[if mso]>outlook only<![endif]-->c", "abc\n" },
    { "<!DOCTYPE html><?xml version=\"1.0\"?>text", "text\n" },
    { "<div style=\"display: none; max-height:0\">preheader</div>visible", "visible\n" },
    { "<span hidden>secret</span>open", "open\n" },
    { "<div style=\"DISPLAY:NONE\"><p>a</p><p>b</p></div>c", "c\n" },
    { "<pre>  keep\n    indent</pre>after", "  keep\n    indent\n\nafter\n" },
    { "<pre>\nfirst newline dropped</pre>", "first newline dropped\n" },
    { "<blockquote>quoted<br>twice</blockquote>reply", "> quoted\n> twice\n\nreply\n" },
    { "<p>Hi</p><blockquote><p>one</p><p>two</p><blockquote>deeper</blockquote></blockquote>",
      "Hi\n\n> one\n>\n> two\n>\n>> deeper\n" },
    { "<table><tr><td>Name</td><td>Qty</td></tr><tr><td>Apple</td><td>3</td></tr></table>",
      "Name Qty\nApple 3\n" },
    { "<table><tr><td><p>A</p></td><td><div>B</div></td></tr></table>", "A B\n" },
    { "<hr>", "----------\n" },
    { "a<hr>b", "a\n----------\nb\n" },
    { "<img src=\"x.png\" alt=\"[chart]\"> text", "[chart] text\n" },
    { "1 < 2 and 3 > 2", "1 < 2 and 3 > 2\n" },
    { "<p>unclosed <b>bold <i>italic", "unclosed bold italic\n" },
    { "</p></div></b>stray closers", "stray closers\n" },
    { "<p>cut off <a href=\"https://x.example\">link", "cut off link <https://x.example>\n" },
    { "text <unterminated", "text\n" },
    { "a<!-- never closed", "a\n" },
    { "<textarea>1 < 2</textarea>", "1 < 2\n" },
    { "<p class=\"MsoNormal\">one</p><p class=\"MsoNormal\">&nbsp;</p>"
      "<p class=\"MsoNormal\">two</p><p class=\"MsoNormal\">three</p>",
      "one\n\ntwo\nthree\n" },
    { "<svg><text>drawing</text></svg>words", "words\n" },
    { "invalid \xff utf8", "invalid \xef\xbf\xbd utf8\n" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = petrel_mime_html_to_text (cases[i].html, -1);

      if (g_strcmp0 (text, cases[i].text) != 0)
        g_test_message ("HTML case %" G_GSIZE_FORMAT ": %s", i, cases[i].html);
      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

static void
test_html_hostile (void)
{
  GString *html = g_string_new (NULL);
  g_autofree char *text = NULL;
  g_autofree char *nul_text = NULL;
  g_autofree char *with_nul = petrel_mime_html_to_text ("a\0b", 3);

  /* 100 000 unclosed elements of every kind, then text: bounded stack, linear time. */
  for (guint i = 0; i < 100000; i++)
    g_string_append (html, (i % 4) == 0 ? "<div>" : (i % 4) == 1 ? "<blockquote>" :
                           (i % 4) == 2 ? "<ul><li>" : "<a href='https://x.example'>");
  g_string_append (html, "deep text");
  for (guint i = 0; i < 100000; i++)
    g_string_append (html, "</div></blockquote></ul></a>");
  text = petrel_mime_html_to_text (html->str, html->len);
  g_string_free (html, TRUE);
  g_assert_true (g_utf8_validate (text, -1, NULL));
  g_assert_nonnull (strstr (text, "deep text"));

  g_assert_cmpstr (with_nul, ==, "ab\n");
  nul_text = petrel_mime_html_to_text (NULL, 0);
  g_assert_cmpstr (nul_text, ==, "");
}

/* format=flowed */

static void
test_flowed_decode (void)
{
  g_autofree char *plain = petrel_mime_flowed_decode ("one \ntwo \nthree\nfour\n", FALSE);
  g_autofree char *delsp = petrel_mime_flowed_decode ("Ver \nbindung\n", TRUE);
  g_autofree char *quotes = petrel_mime_flowed_decode (
      "> quoted \n> text\n>> deeper \n>> still\nnormal \n> depth change\n", FALSE);
  g_autofree char *stuffed = petrel_mime_flowed_decode (" From me\n  indented\n", FALSE);
  g_autofree char *signature = petrel_mime_flowed_decode ("text\n-- \nsig \nline\n", FALSE);
  g_autofree char *unterminated = petrel_mime_flowed_decode ("last line flowed ", FALSE);

  g_assert_cmpstr (plain, ==, "one two three\nfour\n");
  g_assert_cmpstr (delsp, ==, "Verbindung\n");
  g_assert_cmpstr (quotes, ==, "> quoted text\n>> deeper still\nnormal \n> depth change\n");
  g_assert_cmpstr (stuffed, ==, "From me\n indented\n");
  g_assert_cmpstr (signature, ==, "text\n-- \nsig line\n");
  g_assert_cmpstr (unterminated, ==, "last line flowed \n");
}

static void
test_flowed_encode (void)
{
  const char *paragraph =
    "Petrel keeps every account usable offline: headers first, newest first, then bodies in "
    "the background.";
  g_autofree char *encoded = petrel_mime_flowed_encode (paragraph, 40);
  g_autofree char *decoded = petrel_mime_flowed_decode (encoded, FALSE);
  g_autofree char *quoted = petrel_mime_flowed_encode (
      "> > a quoted line that is long enough to need wrapping at forty\n>\nreply", 40);
  g_autofree char *quoted_decoded = petrel_mime_flowed_decode (quoted, FALSE);
  g_autofree char *stuffing = petrel_mime_flowed_encode (
      "From the start\n leading space\ntrailing spaces   \n-- \nsig", 72);
  g_autofree char *long_word = petrel_mime_flowed_encode (
      "see https://petrel.example/a/very/long/path/that/cannot/be/broken/anywhere/at/all ok",
      30);
  g_autofree char *dashes = petrel_mime_flowed_encode (
      "aaaaaaaaaaaaaaaaaa -- bbbbbbbbbbbbbbbbbbbbb cc", 20);
  g_auto(GStrv) lines = g_strsplit (encoded, "\n", -1);

  /* Every wrapped line but the last ends in the soft-break space, and fits in the width. */
  g_assert_cmpuint (g_strv_length (lines), >, 2);
  for (guint i = 0; lines[i] != NULL && lines[i + 1] != NULL && lines[i + 1][0] != '\0'; i++)
    {
      g_assert_true (g_str_has_suffix (lines[i], " "));
      g_assert_cmpint (g_utf8_strlen (lines[i], -1), <=, 41);
    }
  g_assert_cmpstr (decoded, ==, "Petrel keeps every account usable offline: headers first, "
                                "newest first, then bodies in the background.\n");

  g_assert_cmpstr (quoted, ==,
                   ">> a quoted line that is long enough to \n"
                   ">> need wrapping at forty\n"
                   ">\n"
                   "reply\n");
  g_assert_cmpstr (quoted_decoded, ==,
                   ">> a quoted line that is long enough to need wrapping at forty\n"
                   ">\n"
                   "reply\n");
  g_assert_cmpstr (stuffing, ==, " From the start\n  leading space\ntrailing spaces\n-- \nsig\n");
  /* A wrapped line is never "-- ", which readers take for a signature separator. */
  g_assert_cmpstr (dashes, ==, "aaaaaaaaaaaaaaaaaa \n-- bbbbbbbbbbbbbbbbbbbbb \ncc\n");
  g_assert_cmpstr (long_word, ==,
                   "see \n"
                   "https://petrel.example/a/very/long/path/that/cannot/be/broken/anywhere/"
                   "at/all \n"
                   "ok\n");
}

/* Random paragraphs of words (long URLs, non-ASCII, runs of spaces, "From", quote depths)
 * come back unchanged from flowed encoding and decoding. */
static void
test_flowed_round_trip (void)
{
  static const char * const words[] = {
    "a", "word", "longerword", "From", "ünïcödé", "日本語のテキスト", " ", "  ", "-", "a>b", "--",
    "https://petrel.example/a/long/url/with/many/path/segments/that/never/breaks",
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (3676);

  for (guint round = 0; round < 3000; round++)
    {
      g_autoptr(GString) text = g_string_new (NULL);
      g_autofree char *encoded = NULL;
      g_autofree char *decoded = NULL;
      gint n_lines = g_rand_int_range (rand, 1, 6);

      for (gint l = 0; l < n_lines; l++)
        {
          g_autoptr(GString) line = g_string_new (NULL);
          gint depth = g_rand_int_range (rand, 0, 3);
          gint n_words = g_rand_int_range (rand, 0, 30);

          for (gint d = 0; d < depth; d++)
            g_string_append_c (line, '>');
          if (depth > 0)
            g_string_append_c (line, ' ');
          for (gint w = 0; w < n_words; w++)
            {
              if (w > 0)
                g_string_append_c (line, ' ');
              g_string_append (line, words[g_rand_int_range (rand, 0, G_N_ELEMENTS (words))]);
            }
          /* What quoting produces: no trailing spaces, ">" alone for an empty quoted line,
           * no line that would read as a signature separator. */
          while (line->len > 0 && line->str[line->len - 1] == ' ')
            g_string_truncate (line, line->len - 1);
          if (g_str_equal (line->str, "--"))
            g_string_assign (line, "x");
          g_string_append (text, line->str);
          g_string_append_c (text, '\n');
        }

      encoded = petrel_mime_flowed_encode (text->str, 72);
      decoded = petrel_mime_flowed_decode (encoded, FALSE);
      g_assert_cmpstr (decoded, ==, text->str);
    }
}

/* Quoting */

static void
test_quote (void)
{
  g_autoptr(GBytes) bytes = load_sample ("mailing-list-reply.eml");
  g_autoptr(PetrelMimeSummary) summary = petrel_mime_summary_new_from_bytes (bytes, 0);
  g_autoptr(PetrelMimeSummary) undated = sample_summary ("no-date.eml");
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autofree char *attribution = petrel_mime_quote_attribution (summary, utc);
  g_autofree char *undated_attribution = petrel_mime_quote_attribution (undated, utc);
  g_autofree char *quoted = petrel_mime_quote_text (
      "Hello,\n\n> earlier\nthanks\n\n\n-- \nAnn\nsig line\n");
  g_autofree char *reply = petrel_mime_quote_reply (bytes, utc);
  g_auto(GStrv) references = petrel_mime_reply_references (summary);
  const char * const expected_references[] = {
    "root.thread.1@example.org", "second.in.thread@example.org", "third@example.org",
    "ann.reply.7@example.org", NULL,
  };

  g_assert_cmpstr (attribution, ==, "On Thu, 5 Nov 2026 at 00:30, Lee, Ann wrote:");
  g_assert_cmpstr (undated_attribution, ==, "Ann Lee wrote:");
  g_assert_cmpstr (quoted, ==, "> Hello,\n>\n>> earlier\n> thanks\n");
  g_assert_cmpstr (reply, ==,
                   "On Thu, 5 Nov 2026 at 00:30, Lee, Ann wrote:\n"
                   "> Tom O'Brien wrote:\n"
                   ">> Should we drop the CONDSTORE fallback?\n"
                   ">\n"
                   "> No: two of the servers we test against still lack QRESYNC.\n");
  g_assert_cmpstrv (references, expected_references);
}

static void
test_quote_flowed_reply (void)
{
  g_autoptr(GBytes) bytes = load_sample ("apple-flowed-qp.eml");
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autofree char *reply = petrel_mime_quote_reply (bytes, utc);
  g_autofree char *flowed = NULL;
  g_autofree char *unflowed = NULL;

  /* Unflowed paragraphs are quoted whole, and sent flowed they come back the same. */
  g_assert_true (g_str_has_prefix (reply,
                                   "On Tue, 3 Nov 2026 at 13:05, Nora Lindqvist wrote:\n"
                                   "> Hi Ravi,\n"
                                   ">\n"
                                   "> That is a great result. I ran it on my old ThinkPad as "
                                   "well and got 47 s, which is still far better than last "
                                   "month. Let’s keep the header fetch under 4 s in the next "
                                   "round.\n"
                                   ">\n"
                                   ">> On 3 Nov 2026, at 13:12"));
  g_assert_true (g_str_has_suffix (reply, "> Danke schön,\n> Nora\n"));
  flowed = petrel_mime_flowed_encode (reply, 72);
  unflowed = petrel_mime_flowed_decode (flowed, FALSE);
  g_assert_cmpstr (unflowed, ==, reply);
}

static void
test_quote_forward_and_subjects (void)
{
  g_autoptr(GBytes) bytes = load_sample ("rfc2047-latin1.eml");
  g_autofree char *forward = petrel_mime_forward_text (bytes);
  static const struct
  {
    const char *subject;
    const char *reply;
    const char *forward;
  } subjects[] = {
    { "Hello", "Re: Hello", "Fwd: Hello" },
    { "Re: Hello", "Re: Hello", "Fwd: Re: Hello" },
    { "RE: re: Aw: Hello", "Re: Hello", "Fwd: RE: re: Aw: Hello" },
    { "Re[2]: Hello", "Re: Hello", "Fwd: Re[2]: Hello" },
    { "Fwd: Hello", "Re: Fwd: Hello", "Fwd: Hello" },
    { "FW: WG: Hello", "Re: FW: WG: Hello", "Fwd: Hello" },
    { "", "Re: ", "Fwd: " },
    { "Regarding taxes", "Re: Regarding taxes", "Fwd: Regarding taxes" },
    { "Re: line\r\nBcc: x", "Re: line Bcc: x", "Fwd: Re: line Bcc: x" },
  };

  g_assert_cmpstr (forward, ==,
                   "---------- Forwarded message ----------\n"
                   "From: André Lefèvre <andre@example.fr>\n"
                   "Date: Wed, 4 Nov 2026 10:00:00 +0000\n"
                   "Subject: Grüße aus Köln\n"
                   "To: someone@example.org\n"
                   "\n"
                   "Body.\n");

  for (gsize i = 0; i < G_N_ELEMENTS (subjects); i++)
    {
      g_autofree char *reply = petrel_mime_reply_subject (subjects[i].subject);
      g_autofree char *fwd = petrel_mime_forward_subject (subjects[i].subject);

      g_assert_cmpstr (reply, ==, subjects[i].reply);
      g_assert_cmpstr (fwd, ==, subjects[i].forward);
    }
}

/* Builder */

static PetrelMimeBuilder *
make_builder (void)
{
  g_autoptr(PetrelMimeBuilder) builder = petrel_mime_builder_new ();
  g_autoptr(GDateTime) date = g_date_time_new_utc (2026, 11, 12, 9, 30, 0);
  g_autoptr(GError) error = NULL;

  petrel_mime_builder_set_from (builder, "Nora Lindqvist", "nora.lindqvist@example.org", &error);
  g_assert_no_error (error);
  petrel_mime_builder_set_date (builder, date);

  return g_steal_pointer (&builder);
}

static void
test_builder_round_trip (void)
{
  g_autoptr(PetrelMimeBuilder) builder = make_builder ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(PetrelMimeSummary) summary = NULL;
  g_autoptr(PetrelMimeBody) body = NULL;
  g_autoptr(GMimeMessage) message = NULL;
  GMimeObject *part;
  const char *text =
    "Hej Tom,\n"
    "\n"
    "the release is tagged. Grüße an alle, and thanks for the reviews over the last two weeks, "
    "they made a real difference.\n"
    "\n"
    "> quoted line\n"
    "\n"
    "-- \n"
    "Nora\n";

  petrel_mime_builder_add_recipient (builder, PETREL_MIME_RECIPIENT_TO, "Tom O'Brien",
                                     "tom@example.org", &error);
  g_assert_no_error (error);
  petrel_mime_builder_add_recipients (builder, PETREL_MIME_RECIPIENT_CC,
                                      "\"Lee, Ann\" <ann@example.org>, ravi@example.org", &error);
  g_assert_no_error (error);
  petrel_mime_builder_set_subject (builder, "Release 0.1 — getaggt ✅");
  petrel_mime_builder_set_text (builder, text);

  bytes = petrel_mime_builder_build_bytes (builder, &error);
  g_assert_no_error (error);
  g_assert_nonnull (bytes);

  /* CRLF line ends, only ASCII in the headers. */
  g_assert_true (bytes_contain (bytes, "\r\n\r\n"));
  {
    gsize length = 0;
    const char *data = g_bytes_get_data (bytes, &length);
    gsize header_length = _petrel_mime_header_block_length (data, length);

    for (gsize i = 0; i < header_length; i++)
      g_assert_cmpint ((guchar) data[i], <, 0x80);
    for (gsize i = 0; i < length; i++)
      if (data[i] == '\n')
        g_assert_cmpint (data[i - 1], ==, '\r');
  }

  summary = petrel_mime_summary_new_from_bytes (bytes, 0);
  g_assert_cmpstr (summary->subject, ==, "Release 0.1 — getaggt ✅");
  g_assert_cmpstr (summary->from_name, ==, "Nora Lindqvist");
  g_assert_cmpstr (summary->from_address, ==, "nora.lindqvist@example.org");
  g_assert_cmpstr (summary->to_display, ==, "Tom O'Brien <tom@example.org>");
  g_assert_cmpstr (summary->cc_display, ==, "\"Lee, Ann\" <ann@example.org>, ravi@example.org");
  g_assert_cmpint (summary->date, ==, G_GINT64_CONSTANT (1794475800));
  g_assert_nonnull (summary->message_id);
  g_assert_cmpstr (summary->message_id, ==, petrel_mime_builder_get_message_id (builder));
  g_assert_true (g_str_has_suffix (summary->message_id, "@example.org"));
  g_assert_cmpuint (strlen (summary->message_id), >, strlen ("@example.org") + 16);
  g_assert_null (summary->in_reply_to);

  body = petrel_mime_body_new_from_bytes (bytes);
  /* The signature separator loses its trailing space, as every text line does. */
  g_assert_cmpstr (body->text, ==,
                   "Hej Tom,\n"
                   "\n"
                   "the release is tagged. Grüße an alle, and thanks for the reviews over the "
                   "last two weeks, they made a real difference.\n"
                   "\n"
                   "> quoted line\n"
                   "\n"
                   "--\n"
                   "Nora\n");
  g_assert_false (body->has_attachments);

  /* The text part is UTF-8 format=flowed, quoted-printable for mostly-ASCII text. */
  message = petrel_mime_builder_build (builder, &error);
  g_assert_no_error (error);
  part = g_mime_message_get_mime_part (message);
  g_assert_true (GMIME_IS_TEXT_PART (part));
  g_assert_cmpstr (g_mime_object_get_content_type_parameter (part, "charset"), ==, "utf-8");
  g_assert_cmpstr (g_mime_object_get_content_type_parameter (part, "format"), ==, "flowed");
  g_assert_cmpint (g_mime_part_get_content_encoding (GMIME_PART (part)), ==,
                   GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
  g_assert_cmpuint (count_header_lines (bytes, "MIME-Version"), ==, 1);
}

static void
test_builder_encodings (void)
{
  g_autoptr(PetrelMimeBuilder) ascii = make_builder ();
  g_autoptr(PetrelMimeBuilder) japanese = make_builder ();
  g_autoptr(GMimeMessage) ascii_message = NULL;
  g_autoptr(GMimeMessage) japanese_message = NULL;
  g_autoptr(GBytes) japanese_bytes = NULL;
  g_autoptr(PetrelMimeBody) japanese_body = NULL;
  g_autoptr(GError) error = NULL;

  petrel_mime_builder_set_text (ascii, "Plain ASCII only.\n");
  ascii_message = petrel_mime_builder_build (ascii, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_mime_part_get_content_encoding (
                       GMIME_PART (g_mime_message_get_mime_part (ascii_message))), ==,
                   GMIME_CONTENT_ENCODING_7BIT);

  petrel_mime_builder_set_text (japanese, "来週の打ち合わせは木曜日の午後三時からです。"
                                          "よろしくお願いします。\n");
  japanese_message = petrel_mime_builder_build (japanese, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_mime_part_get_content_encoding (
                       GMIME_PART (g_mime_message_get_mime_part (japanese_message))), ==,
                   GMIME_CONTENT_ENCODING_BASE64);
  japanese_bytes = petrel_mime_builder_build_bytes (japanese, &error);
  japanese_body = petrel_mime_body_new_from_bytes (japanese_bytes);
  g_assert_cmpstr (japanese_body->text, ==,
                   "来週の打ち合わせは木曜日の午後三時からです。"
                   "よろしくお願いします。\n");
}

static void
test_builder_bcc_absent (void)
{
  g_autoptr(PetrelMimeBuilder) builder = make_builder ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_auto(GStrv) recipients = NULL;
  const char * const expected[] = {
    "tom@example.org", "secret.boss@example.org", "hidden@xn--mnchen-3ya.example", NULL,
  };

  petrel_mime_builder_add_recipient (builder, PETREL_MIME_RECIPIENT_TO, NULL, "tom@example.org",
                                     &error);
  g_assert_no_error (error);
  petrel_mime_builder_add_recipients (builder, PETREL_MIME_RECIPIENT_BCC,
                                      "Secret Boss <secret.boss@example.org>, "
                                      "hidden@münchen.example, TOM@example.org", &error);
  g_assert_no_error (error);
  petrel_mime_builder_set_subject (builder, "Quarterly numbers");
  petrel_mime_builder_set_text (builder, "See attached.\n");

  bytes = petrel_mime_builder_build_bytes (builder, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count_header_lines (bytes, "Bcc"), ==, 0);
  g_assert_false (bytes_contain (bytes, "secret.boss"));
  g_assert_false (bytes_contain (bytes, "Secret Boss"));
  g_assert_false (bytes_contain (bytes, "hidden@"));
  g_assert_true (bytes_contain (bytes, "tom@example.org"));

  /* The envelope has everyone once, with ASCII domains. */
  recipients = petrel_mime_builder_dup_envelope_recipients (builder);
  g_assert_cmpstrv (recipients, expected);
  g_assert_cmpstr (petrel_mime_builder_get_envelope_sender (builder), ==,
                   "nora.lindqvist@example.org");
}

static void
test_builder_injection (void)
{
  g_autoptr(PetrelMimeBuilder) builder = make_builder ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(PetrelMimeSummary) summary = NULL;
  static const char * const bad_addresses[] = {
    "tom@example.org\r\nBcc: evil@x", "tom@example.org\nX-Evil: 1", "tom@exa\rmple.org",
    "tom\t@example.org",
  };

  petrel_mime_builder_set_subject (builder, "hi\r\nBcc: evil@x\r\n\r\nbody injection");
  petrel_mime_builder_set_from (builder, "Nora\r\nBcc: evil2@x", "nora.lindqvist@example.org",
                                &error);
  g_assert_no_error (error);
  petrel_mime_builder_add_recipient (builder, PETREL_MIME_RECIPIENT_TO, "Tom\nX-Evil: yes",
                                     "tom@example.org", &error);
  g_assert_no_error (error);
  petrel_mime_builder_add_recipients (builder, PETREL_MIME_RECIPIENT_CC,
                                      "Ann\r\n <ann@example.org>", &error);
  g_assert_no_error (error);

  for (gsize i = 0; i < G_N_ELEMENTS (bad_addresses); i++)
    {
      g_autoptr(GError) address_error = NULL;

      g_assert_false (petrel_mime_builder_add_recipient (builder, PETREL_MIME_RECIPIENT_TO, NULL,
                                                         bad_addresses[i], &address_error));
      g_assert_error (address_error, PETREL_MIME_ERROR, PETREL_MIME_ERROR_INVALID_ADDRESS);
    }

  bytes = petrel_mime_builder_build_bytes (builder, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (count_header_lines (bytes, "Subject"), ==, 1);
  g_assert_cmpuint (count_header_lines (bytes, "Bcc"), ==, 0);
  g_assert_cmpuint (count_header_lines (bytes, "X-Evil"), ==, 0);
  g_assert_cmpuint (count_header_lines (bytes, "From"), ==, 1);
  g_assert_cmpuint (count_header_lines (bytes, "To"), ==, 1);

  summary = petrel_mime_summary_new_from_bytes (bytes, 0);
  g_assert_cmpstr (summary->subject, ==, "hi Bcc: evil@x body injection");
  g_assert_cmpstr (summary->from_name, ==, "Nora Bcc: evil2@x");
  g_assert_cmpstr (summary->to_display, ==, "Tom X-Evil: yes <tom@example.org>");
  g_assert_cmpstr (summary->cc_display, ==, "Ann <ann@example.org>");

  /* Ids given for threading are checked the same way. */
  g_assert_false (petrel_mime_builder_set_in_reply_to (builder, "<a@b>\r\nBcc: x", &error));
  g_assert_error (error, PETREL_MIME_ERROR, PETREL_MIME_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  {
    const char * const refs[] = { "<ok@example.org>", "bad id@example.org", NULL };

    g_assert_false (petrel_mime_builder_set_references (builder, refs, &error));
    g_assert_error (error, PETREL_MIME_ERROR, PETREL_MIME_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
  }
  g_assert_false (petrel_mime_builder_set_message_id (builder, "<>", &error));
  g_assert_error (error, PETREL_MIME_ERROR, PETREL_MIME_ERROR_INVALID_ARGUMENT);
}

static void
test_builder_invalid (void)
{
  g_autoptr(PetrelMimeBuilder) builder = petrel_mime_builder_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GMimeMessage) message = NULL;

  /* Without a sender there is nothing to build. */
  message = petrel_mime_builder_build (builder, &error);
  g_assert_null (message);
  g_assert_error (error, PETREL_MIME_ERROR, PETREL_MIME_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_false (petrel_mime_builder_set_from (builder, "X", "not an address", &error));
  g_assert_error (error, PETREL_MIME_ERROR, PETREL_MIME_ERROR_INVALID_ADDRESS);
  g_clear_error (&error);

  /* One bad address in a list adds none of them. */
  petrel_mime_builder_set_from (builder, NULL, "me@example.org", &error);
  g_assert_no_error (error);
  g_assert_false (petrel_mime_builder_add_recipients (builder, PETREL_MIME_RECIPIENT_TO,
                                                      "ok@example.org, broken@", &error));
  g_assert_error (error, PETREL_MIME_ERROR, PETREL_MIME_ERROR_INVALID_ADDRESS);
  g_clear_error (&error);
  g_assert_false (petrel_mime_builder_add_recipients (builder, PETREL_MIME_RECIPIENT_TO,
                                                      "just words", &error));
  g_assert_error (error, PETREL_MIME_ERROR, PETREL_MIME_ERROR_INVALID_ADDRESS);
  g_clear_error (&error);
  g_assert_true (petrel_mime_builder_add_recipients (builder, PETREL_MIME_RECIPIENT_TO, "  ",
                                                     &error));
  g_assert_no_error (error);
  {
    g_auto(GStrv) recipients = petrel_mime_builder_dup_envelope_recipients (builder);

    g_assert_cmpuint (g_strv_length (recipients), ==, 0);
  }

  /* A draft without recipients or text still builds. */
  message = petrel_mime_builder_build (builder, &error);
  g_assert_no_error (error);
  g_assert_nonnull (message);
}

static void
test_builder_idn (void)
{
  g_autoptr(PetrelMimeBuilder) builder = make_builder ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(PetrelMimeSummary) summary = NULL;

  petrel_mime_builder_set_from (builder, "Jürgen Müller", "jm@bücher.example", &error);
  g_assert_no_error (error);
  petrel_mime_builder_add_recipient (builder, PETREL_MIME_RECIPIENT_TO, "Zoë",
                                     "zoe@παράδειγμα.example", &error);
  g_assert_no_error (error);

  bytes = petrel_mime_builder_build_bytes (builder, &error);
  g_assert_no_error (error);
  g_assert_true (bytes_contain (bytes, "jm@xn--bcher-kva.example"));
  g_assert_true (bytes_contain (bytes, "zoe@xn--hxajbheg2az3al.example"));
  g_assert_true (g_str_has_suffix (petrel_mime_builder_get_message_id (builder),
                                   "@xn--bcher-kva.example"));

  /* Readers show the names and the domains in Unicode again. */
  summary = petrel_mime_summary_new_from_bytes (bytes, 0);
  g_assert_cmpstr (summary->from_name, ==, "Jürgen Müller");
  g_assert_cmpstr (summary->from_address, ==, "jm@bücher.example");
  g_assert_cmpstr (summary->to_display, ==, "Zoë <zoe@παράδειγμα.example>");
}

static void
test_builder_attachments (void)
{
  g_autoptr(PetrelMimeBuilder) builder = make_builder ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(PetrelMimeBody) body = NULL;
  g_autoptr(GBytes) gmail = load_sample ("gmail-alternative-cid-pdf.eml");
  g_autoptr(GBytes) pdf = petrel_mime_get_part_content (gmail, "2", &error);
  g_autoptr(GBytes) png = petrel_mime_get_part_content (gmail, "1.2", &error);
  g_autoptr(GBytes) binary = NULL;
  g_autoptr(GBytes) pdf_back = NULL;
  g_autoptr(GBytes) binary_back = NULL;
  g_autofree char *dir = g_dir_make_tmp ("petrel-mime-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFile) missing = NULL;
  guint8 all_bytes[256];

  g_assert_no_error (error);
  for (guint i = 0; i < 256; i++)
    all_bytes[i] = (guint8) i;
  binary = g_bytes_new (all_bytes, sizeof all_bytes);

  /* A non-ASCII file name, from a file on disk, with its type guessed. */
  path = g_build_filename (dir, "Präsentation – Entwurf.pdf", NULL);
  g_file_set_contents (path, g_bytes_get_data (pdf, NULL), g_bytes_get_size (pdf), &error);
  g_assert_no_error (error);
  file = g_file_new_for_path (path);
  petrel_mime_builder_add_attachment_file (builder, file, NULL, &error);
  g_assert_no_error (error);
  petrel_mime_builder_add_attachment_bytes (builder, "スクリーンショット.png", NULL, png);
  petrel_mime_builder_add_attachment_bytes (builder, "../../all-bytes.bin",
                                            "application/octet-stream", binary);
  petrel_mime_builder_add_attachment_bytes (builder, "notes\r\nX-Evil: 1.txt", NULL,
                                            binary);
  petrel_mime_builder_set_text (builder, "Files attached.\n");

  missing = g_file_new_for_path ("/nonexistent/petrel/file.pdf");
  g_assert_false (petrel_mime_builder_add_attachment_file (builder, missing, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);

  bytes = petrel_mime_builder_build_bytes (builder, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count_header_lines (bytes, "X-Evil"), ==, 0);
  /* RFC 2231 for the non-ASCII names. */
  g_assert_true (bytes_contain_nocase (bytes, "filename*=utf-8''pr%c3%a4sentation"));

  body = petrel_mime_body_new_from_bytes (bytes);
  assert_body_valid (body);
  g_assert_cmpstr (body->text, ==, "Files attached.\n");
  g_assert_true (body->has_attachments);
  g_assert_cmpuint (body->attachments->len, ==, 4);
  g_assert_cmpstr (find_attachment (body, "2")->filename, ==, "Präsentation – Entwurf.pdf");
  g_assert_cmpstr (find_attachment (body, "2")->content_type, ==, "application/pdf");
  g_assert_cmpstr (find_attachment (body, "2")->disposition, ==, "attachment");
  g_assert_cmpstr (find_attachment (body, "3")->filename, ==, "スクリーンショット.png");
  g_assert_cmpstr (find_attachment (body, "3")->content_type, ==, "image/png");
  g_assert_cmpstr (find_attachment (body, "4")->filename, ==, "all-bytes.bin");
  g_assert_cmpstr (find_attachment (body, "5")->filename, ==, "notes X-Evil: 1.txt");

  pdf_back = petrel_mime_get_part_content (bytes, "2", &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (pdf_back, pdf));
  binary_back = petrel_mime_get_part_content (bytes, "4", &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (binary_back, binary));

  g_unlink (path);
  g_rmdir (dir);
}

static void
test_builder_html_and_reply (void)
{
  g_autoptr(GBytes) original = load_sample ("mailing-list-reply.eml");
  g_autoptr(PetrelMimeSummary) replied = petrel_mime_summary_new_from_bytes (original, 0);
  g_auto(GStrv) references = petrel_mime_reply_references (replied);
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autofree char *quote = petrel_mime_quote_reply (original, utc);
  g_autofree char *subject = petrel_mime_reply_subject (replied->subject);
  g_autofree char *text = g_strconcat ("Agreed, let us keep it.\n\n", quote, NULL);
  g_autoptr(PetrelMimeBuilder) builder = make_builder ();
  g_autoptr(PetrelMimeBuilder) html_only = make_builder ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) html_bytes = NULL;
  g_autoptr(PetrelMimeSummary) summary = NULL;
  g_autoptr(PetrelMimeBody) body = NULL;
  g_autoptr(PetrelMimeBody) html_body = NULL;
  g_autoptr(GMimeMessage) message = NULL;
  GMimeObject *part;

  petrel_mime_builder_add_recipient (builder, PETREL_MIME_RECIPIENT_TO, NULL,
                                     "petrel-devel@lists.example.org", &error);
  g_assert_no_error (error);
  petrel_mime_builder_set_subject (builder, subject);
  petrel_mime_builder_set_text (builder, text);
  petrel_mime_builder_set_html (builder, "<p>Agreed, let us keep it.</p>");
  petrel_mime_builder_set_in_reply_to (builder, replied->message_id, &error);
  g_assert_no_error (error);
  petrel_mime_builder_set_references (builder, (const char * const *) references, &error);
  g_assert_no_error (error);

  bytes = petrel_mime_builder_build_bytes (builder, &error);
  g_assert_no_error (error);
  summary = petrel_mime_summary_new_from_bytes (bytes, 0);
  g_assert_cmpstr (summary->subject, ==, "Re: [petrel-devel] RFC: drop CONDSTORE fallback?");
  g_assert_cmpstr (summary->in_reply_to, ==, "ann.reply.7@example.org");
  g_assert_cmpstrv (summary->references, (const char * const *) references);

  /* text/plain first, text/html second; the reader prefers the plain text. */
  body = petrel_mime_body_new_from_bytes (bytes);
  g_assert_cmpstr (body->text, ==, text);
  g_assert_false (body->text_from_html);
  g_assert_cmpstr (body->html, ==, "<p>Agreed, let us keep it.</p>");
  message = petrel_mime_builder_build (builder, &error);
  part = g_mime_message_get_mime_part (message);
  g_assert_true (GMIME_IS_MULTIPART (part));
  g_assert_cmpstr (g_mime_content_type_get_media_subtype (g_mime_object_get_content_type (part)),
                   ==, "alternative");

  /* With HTML alone, the plain alternative is made from it. */
  petrel_mime_builder_set_html (html_only, "<h1>News</h1><ul><li>one</li><li>two</li></ul>");
  html_bytes = petrel_mime_builder_build_bytes (html_only, &error);
  g_assert_no_error (error);
  html_body = petrel_mime_body_new_from_bytes (html_bytes);
  g_assert_cmpstr (html_body->text, ==, "News\n\n- one\n- two\n");
}

/* Demo mailbox */

static void
test_demo_mailbox (void)
{
  g_autofree char *demo = source_path ("data", "demo", NULL);
  g_autofree char *flags_path = g_build_filename (demo, "flags.json", NULL);
  static const char * const folders[] = { "INBOX", "Sent", "Drafts", "Archive", "Trash", "Junk" };
  g_autoptr(GHashTable) message_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                            NULL);
  g_autoptr(GPtrArray) replies = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GList) members = NULL;
  JsonObject *flags;
  guint total = 0;
  guint with_attachments = 0;
  guint from_html = 0;
  guint with_list_id = 0;

  for (gsize f = 0; f < G_N_ELEMENTS (folders); f++)
    {
      g_autofree char *dir_path = g_build_filename (demo, folders[f], NULL);
      g_autoptr(GDir) dir = g_dir_open (dir_path, 0, &error);
      const char *name;
      guint in_folder = 0;

      g_assert_no_error (error);
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = g_build_filename (dir_path, name, NULL);
          g_autoptr(GBytes) bytes = NULL;
          g_autoptr(PetrelMimeSummary) summary = NULL;
          g_autoptr(PetrelMimeBody) body = NULL;
          char *contents = NULL;
          gsize length = 0;

          if (!g_str_has_suffix (name, ".eml"))
            continue;

          g_file_get_contents (path, &contents, &length, &error);
          g_assert_no_error (error);
          bytes = g_bytes_new_take (contents, length);
          summary = petrel_mime_summary_new_from_bytes (bytes, 0);
          body = petrel_mime_body_new_from_bytes (bytes);

          if (summary->subject[0] == '\0' || summary->from_address[0] == '\0' ||
              body->text[0] == '\0')
            g_test_message ("Demo message %s/%s lacks a subject, sender or text", folders[f],
                            name);
          assert_summary_valid (summary);
          assert_body_valid (body);
          g_assert_cmpstr (summary->subject, !=, "");
          g_assert_cmpstr (summary->from_address, !=, "");
          g_assert_nonnull (strchr (summary->from_address, '@'));
          g_assert_cmpstr (body->text, !=, "");
          g_assert_cmpstr (body->snippet, !=, "");
          g_assert_nonnull (summary->message_id);
          /* Demo mail is dated in November 2026. */
          g_assert_cmpint (summary->date, >=, G_GINT64_CONSTANT (1793491200));
          g_assert_cmpint (summary->date, <, G_GINT64_CONSTANT (1796083200));
          /* Nothing in it is sent with a Bcc header. */
          g_assert_cmpuint (count_header_lines (bytes, "Bcc"), ==, 0);

          g_assert_true (g_hash_table_insert (message_ids, g_strdup (summary->message_id),
                                              NULL));
          if (summary->in_reply_to != NULL)
            g_ptr_array_add (replies, g_strdup (summary->in_reply_to));
          g_hash_table_add (files, g_strdup_printf ("%s/%s", folders[f], name));

          with_attachments += body->has_attachments;
          from_html += body->text_from_html;
          with_list_id += summary->list_id != NULL;
          in_folder++;
          total++;
        }
      g_assert_cmpuint (in_folder, >, 0);
    }

  g_assert_cmpuint (total, >=, 24);
  g_assert_cmpuint (with_attachments, >=, 3);
  g_assert_cmpuint (from_html, >=, 1);
  g_assert_cmpuint (with_list_id, >=, 1);

  /* Threads are whole: every reply's parent is in the mailbox. */
  for (guint i = 0; i < replies->len; i++)
    {
      if (!g_hash_table_contains (message_ids, g_ptr_array_index (replies, i)))
        g_test_message ("In-Reply-To %s has no message", (char *) g_ptr_array_index (replies, i));
      g_assert_true (g_hash_table_contains (message_ids, g_ptr_array_index (replies, i)));
    }
  g_assert_cmpuint (replies->len, >=, 6);

  /* flags.json names existing files and only system flags. */
  json_parser_load_from_file (parser, flags_path, &error);
  g_assert_no_error (error);
  flags = json_node_get_object (json_parser_get_root (parser));
  g_assert_nonnull (flags);
  members = json_object_get_members (flags);
  g_assert_nonnull (members);
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonArray *list = json_object_get_array_member (flags, l->data);

      if (!g_hash_table_contains (files, l->data))
        g_test_message ("flags.json names %s, which does not exist", (char *) l->data);
      g_assert_true (g_hash_table_contains (files, l->data));
      g_assert_nonnull (list);
      for (guint i = 0; i < json_array_get_length (list); i++)
        {
          const char *flag = json_array_get_string_element (list, i);

          g_assert_true (g_str_equal (flag, "\\Seen") || g_str_equal (flag, "\\Flagged") ||
                         g_str_equal (flag, "\\Answered") || g_str_equal (flag, "\\Draft") ||
                         g_str_equal (flag, "\\Deleted"));
        }
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  petrel_engine_init ();

  g_test_add_func ("/petrel/mime/summary/outlook", test_summary_outlook);
  g_test_add_func ("/petrel/mime/summary/rfc2047", test_summary_rfc2047);
  g_test_add_func ("/petrel/mime/summary/raw-8bit", test_summary_raw_8bit);
  g_test_add_func ("/petrel/mime/summary/dates", test_summary_dates);
  g_test_add_func ("/petrel/mime/summary/duplicate-headers", test_summary_duplicate_headers);
  g_test_add_func ("/petrel/mime/summary/mailing-list", test_summary_mailing_list);
  g_test_add_func ("/petrel/mime/summary/header-block-only", test_summary_header_block_only);
  g_test_add_func ("/petrel/mime/summary/huge-header", test_summary_huge_header);
  g_test_add_func ("/petrel/mime/summary/nul-and-empty", test_summary_nul_and_empty);
  g_test_add_func ("/petrel/mime/decode/ids", test_decode_ids);
  g_test_add_func ("/petrel/mime/decode/charsets", test_decode_charsets);
  g_test_add_func ("/petrel/mime/decode/header-text", test_decode_header_text);
  g_test_add_func ("/petrel/mime/decode/envelope", test_decode_envelope);
  g_test_add_func ("/petrel/mime/address/validate", test_address_validate);
  g_test_add_func ("/petrel/mime/body/gmail", test_body_gmail);
  g_test_add_func ("/petrel/mime/body/outlook-html", test_body_outlook_html);
  g_test_add_func ("/petrel/mime/body/apple-flowed", test_body_apple_flowed);
  g_test_add_func ("/petrel/mime/body/rfc2231", test_body_rfc2231);
  g_test_add_func ("/petrel/mime/body/forwarded", test_body_forwarded);
  g_test_add_func ("/petrel/mime/body/broken", test_body_broken);
  g_test_add_func ("/petrel/mime/body/signed", test_body_signed);
  g_test_add_func ("/petrel/mime/body/deep-nesting", test_body_deep_nesting);
  g_test_add_func ("/petrel/mime/body/garbage", test_body_garbage);
  g_test_add_func ("/petrel/mime/body/part-errors", test_body_part_errors);
  g_test_add_func ("/petrel/mime/body/snippet", test_snippet);
  g_test_add_func ("/petrel/mime/body/format-for-display", test_format_for_display);
  g_test_add_func ("/petrel/mime/html/to-text", test_html_to_text);
  g_test_add_func ("/petrel/mime/html/hostile", test_html_hostile);
  g_test_add_func ("/petrel/mime/flowed/decode", test_flowed_decode);
  g_test_add_func ("/petrel/mime/flowed/encode", test_flowed_encode);
  g_test_add_func ("/petrel/mime/flowed/round-trip", test_flowed_round_trip);
  g_test_add_func ("/petrel/mime/quote/reply", test_quote);
  g_test_add_func ("/petrel/mime/quote/flowed-reply", test_quote_flowed_reply);
  g_test_add_func ("/petrel/mime/quote/forward-and-subjects", test_quote_forward_and_subjects);
  g_test_add_func ("/petrel/mime/builder/round-trip", test_builder_round_trip);
  g_test_add_func ("/petrel/mime/builder/encodings", test_builder_encodings);
  g_test_add_func ("/petrel/mime/builder/bcc-absent", test_builder_bcc_absent);
  g_test_add_func ("/petrel/mime/builder/injection", test_builder_injection);
  g_test_add_func ("/petrel/mime/builder/invalid", test_builder_invalid);
  g_test_add_func ("/petrel/mime/builder/idn", test_builder_idn);
  g_test_add_func ("/petrel/mime/builder/attachments", test_builder_attachments);
  g_test_add_func ("/petrel/mime/builder/html-and-reply", test_builder_html_and_reply);
  g_test_add_func ("/petrel/mime/demo/mailbox", test_demo_mailbox);

  return g_test_run ();
}
