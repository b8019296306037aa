/* test-mailto.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "petrel-engine.h"
#include "mime/petrel-mailto.h"
#include "mime/petrel-mime-error.h"

static PetrelMailto *
parse_ok (const char *uri)
{
  g_autoptr(GError) error = NULL;
  PetrelMailto *mailto = petrel_mailto_parse (uri, &error);

  g_assert_no_error (error);
  g_assert_nonnull (mailto);
  return mailto;
}

static void
assert_one_line (const char *value)
{
  for (const char *p = value; *p != '\0'; p++)
    g_assert_cmpint ((guchar) *p, >=, 0x20);
}

static void
test_basic (void)
{
  g_autoptr(PetrelMailto) m =
    parse_ok ("MAILTO:ann@example.org,bob@example.org?cc=carol@example.org"
              "&bcc=dan@example.org&subject=Caf%C3%A9%20time%2B&body=Line%201%0D%0ALine+2"
              "&to=eve@example.org&In-Reply-To=%3Cabc%40example.org%3E");

  g_assert_cmpstr (m->to, ==, "ann@example.org,bob@example.org, eve@example.org");
  g_assert_cmpstr (m->cc, ==, "carol@example.org");
  g_assert_cmpstr (m->bcc, ==, "dan@example.org");
  g_assert_cmpstr (m->subject, ==, "Café time+");
  /* CRLF in the body becomes LF; "+" stays a plus. */
  g_assert_cmpstr (m->body, ==, "Line 1\nLine+2");
  g_assert_cmpstr (m->in_reply_to, ==, "abc@example.org");
  g_assert_cmpint (m->ignored, ==, PETREL_MAILTO_IGNORED_NONE);
  g_assert_cmpuint (g_strv_length (m->ignored_names), ==, 0);
}

static void
test_empty (void)
{
  g_autoptr(PetrelMailto) m = parse_ok ("mailto:");
  g_autoptr(PetrelMailto) q = parse_ok ("mailto:?&&subject=&=x");

  g_assert_cmpstr (m->to, ==, "");
  g_assert_cmpstr (m->subject, ==, "");
  g_assert_cmpstr (m->body, ==, "");
  g_assert_null (m->in_reply_to);
  g_assert_cmpstr (q->subject, ==, "");
  g_assert_true (q->ignored & PETREL_MAILTO_IGNORED_HEADER);
}

static void
test_attach_ignored (void)
{
  g_autoptr(PetrelMailto) m =
    parse_ok ("mailto:x@example.org?attach=/etc/passwd&Attachment=file:///home/me/.ssh/id_rsa"
              "&from=boss@example.org&X-Mailer=evil&subject=hi");
  g_autofree char *names = g_strjoinv (",", m->ignored_names);

  g_assert_true (m->ignored & PETREL_MAILTO_IGNORED_ATTACHMENT);
  g_assert_true (m->ignored & PETREL_MAILTO_IGNORED_HEADER);
  g_assert_cmpstr (names, ==, "attach,attachment,from,x-mailer");
  g_assert_null (strstr (m->body, "passwd"));
  g_assert_cmpstr (m->subject, ==, "hi");
}

static void
test_header_injection (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PetrelMailto) m =
    petrel_mailto_parse ("mailto:a@example.org%0D%0ABcc:%20victim@example.org"
                         "?subject=Hi%0D%0ABcc:%20victim@example.org%00", &error);

  /* A NUL could cut a value short in C: refused outright. */
  g_assert_null (m);
  g_assert_error (error, PETREL_MIME_ERROR, PETREL_MIME_ERROR_PARSE);
}

static void
test_header_injection_without_nul (void)
{
  g_autoptr(PetrelMailto) m =
    parse_ok ("mailto:a@example.org%0D%0ABcc:%20victim@example.org"
              "?subject=Hi%0D%0ABcc:%20victim@example.org"
              "&cc=c@example.org%0ASubject:x&in-reply-to=%3Cx%0D%0AFoo:%20y%3E");

  assert_one_line (m->to);
  assert_one_line (m->cc);
  assert_one_line (m->subject);
  g_assert_null (m->in_reply_to);
  g_assert_true (m->ignored & PETREL_MAILTO_IGNORED_HEADER);
  g_assert_cmpstr (m->subject, ==, "Hi Bcc: victim@example.org");
}

static void
test_errors (void)
{
  static const char * const bad[] = {
    "http://example.org/",
    "mailto",
    "mailto:a@example.org?subject=%",
    "mailto:a@example.org?subject=%4",
    "mailto:a@example.org?subject=%zz",
    "mailto:%ff%fe@example.org",
    "mailto:a@example.org?body=%C3%28",
    "mailto:a@example.org?subject=%00",
    "mailto:a@example.org?sub%ject=x",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PetrelMailto) m = petrel_mailto_parse (bad[i], &error);

      g_assert_null (m);
      g_assert_error (error, PETREL_MIME_ERROR, PETREL_MIME_ERROR_PARSE);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
    }
}

static void
test_too_long (void)
{
  g_autoptr(GString) uri = g_string_new ("mailto:a@example.org?body=");
  g_autoptr(GError) error = NULL;
  g_autoptr(PetrelMailto) m = NULL;

  while (uri->len < 300 * 1024)
    g_string_append (uri, "%41%41%41%41");
  m = petrel_mailto_parse (uri->str, &error);
  g_assert_null (m);
  g_assert_error (error, PETREL_MIME_ERROR, PETREL_MIME_ERROR_PARSE);
}

static void
test_fragment (void)
{
  g_autoptr(PetrelMailto) m = parse_ok ("mailto:a@example.org?subject=x#frag");
  g_autoptr(PetrelMailto) n = parse_ok ("mailto:a@example.org#frag");

  g_assert_cmpstr (m->subject, ==, "x");
  g_assert_cmpstr (n->to, ==, "a@example.org");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  petrel_engine_init ();

  g_test_add_func ("/petrel/mailto/basic", test_basic);
  g_test_add_func ("/petrel/mailto/empty", test_empty);
  g_test_add_func ("/petrel/mailto/attach-ignored", test_attach_ignored);
  g_test_add_func ("/petrel/mailto/header-injection/nul", test_header_injection);
  g_test_add_func ("/petrel/mailto/header-injection/crlf", test_header_injection_without_nul);
  g_test_add_func ("/petrel/mailto/errors", test_errors);
  g_test_add_func ("/petrel/mailto/too-long", test_too_long);
  g_test_add_func ("/petrel/mailto/fragment", test_fragment);

  return g_test_run ();
}
