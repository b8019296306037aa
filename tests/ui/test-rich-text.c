/* test-rich-text.c: the composer's rich text (issue 9): HTML and plain text from the
 * formatting, escaping, links, inline images by cid:, and HTML read back into the view
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <gtk/gtk.h>

#include "petrel-rich-text.h"

/* A 1×1 PNG. */
static const guint8 png_pixel[] = {
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
  0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f,
  0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8,
  0xcf, 0xc0, 0xf0, 0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00,
  0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
};

static PetrelRichTextView *
new_view (void)
{
  PetrelRichTextView *view = PETREL_RICH_TEXT_VIEW (petrel_rich_text_view_new ());

  g_object_ref_sink (view);
  petrel_rich_text_view_set_rich (view, TRUE);
  return view;
}

static GtkTextBuffer *
buffer_of (PetrelRichTextView *view)
{
  return gtk_text_view_get_buffer (GTK_TEXT_VIEW (view));
}

static void
select_range (PetrelRichTextView *view,
              int                 start,
              int                 end)
{
  GtkTextIter a, b;

  gtk_text_buffer_get_iter_at_offset (buffer_of (view), &a, start);
  gtk_text_buffer_get_iter_at_offset (buffer_of (view), &b, end);
  gtk_text_buffer_select_range (buffer_of (view), &a, &b);
}

static void
cursor_at (PetrelRichTextView *view,
           int                 offset)
{
  select_range (view, offset, offset);
}

/* The body of a document, between <body> and </body>. */
static char *
body_of (const char *html)
{
  const char *start = strstr (html, "<body>");
  const char *end = strstr (html, "</body>");

  g_assert_nonnull (start);
  g_assert_nonnull (end);
  start += strlen ("<body>");
  return g_strndup (start, end - start);
}

static void
test_escape (void)
{
  g_autoptr(PetrelRichTextView) view = new_view ();
  g_autofree char *html = NULL;
  g_autofree char *body = NULL;
  g_autofree char *plain = NULL;

  petrel_rich_text_view_set_text (view, "<script>alert('x')</script> & \"q\"  two spaces");
  html = petrel_rich_text_view_get_html (view, NULL, NULL);
  body = body_of (html);
  g_assert_cmpstr (body, ==, "\n&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; "
                             "&quot;q&quot; &nbsp;two spaces");
  g_assert_null (strstr (html, "<script"));
  g_assert_true (petrel_rich_text_is_petrel_html (html));
  g_assert_false (petrel_rich_text_is_petrel_html ("<html><body>x</body></html>"));

  plain = petrel_rich_text_view_get_plain (view);
  g_assert_cmpstr (plain, ==, "<script>alert('x')</script> & \"q\"  two spaces");
}

static void
test_inline (void)
{
  g_autoptr(PetrelRichTextView) view = new_view ();
  g_autofree char *html = NULL;
  g_autofree char *body = NULL;
  g_autofree char *plain = NULL;

  /* "one two three": "one two" bold, "two three" italic: the elements nest properly. */
  petrel_rich_text_view_set_text (view, "one two three");
  select_range (view, 0, 7);
  petrel_rich_text_view_toggle_style (view, PETREL_RICH_BOLD);
  select_range (view, 4, 13);
  petrel_rich_text_view_toggle_style (view, PETREL_RICH_ITALIC);
  html = petrel_rich_text_view_get_html (view, NULL, NULL);
  body = body_of (html);
  g_assert_cmpstr (body, ==, "\n<b>one <i>two</i></b><i> three</i>");
  plain = petrel_rich_text_view_get_plain (view);
  g_assert_cmpstr (plain, ==, "*one /two/*/ three/");

  /* Typing after the toggle: the new text takes the formatting that is on. */
  cursor_at (view, 13);
  petrel_rich_text_view_toggle_style (view, PETREL_RICH_ITALIC);
  g_assert_false (petrel_rich_text_view_get_style_active (view, PETREL_RICH_ITALIC));
  petrel_rich_text_view_toggle_style (view, PETREL_RICH_UNDERLINE);
  g_assert_true (petrel_rich_text_view_get_style_active (view, PETREL_RICH_UNDERLINE));
  {
    GtkTextIter end;

    gtk_text_buffer_get_end_iter (buffer_of (view), &end);
    gtk_text_buffer_insert (buffer_of (view), &end, " four", -1);
  }
  g_clear_pointer (&html, g_free);
  g_clear_pointer (&body, g_free);
  html = petrel_rich_text_view_get_html (view, NULL, NULL);
  body = body_of (html);
  g_assert_cmpstr (body, ==, "\n<b>one <i>two</i></b><i> three</i><u> four</u>");
  g_assert_true (petrel_rich_text_view_has_formatting (view));

  /* Clear formatting on everything. */
  select_range (view, 0, 18);
  petrel_rich_text_view_clear_formatting (view);
  g_assert_false (petrel_rich_text_view_has_formatting (view));
}

static void
test_blocks (void)
{
  g_autoptr(PetrelRichTextView) view = new_view ();
  g_autoptr(PetrelRichTextView) again = new_view ();
  g_autofree char *html = NULL;
  g_autofree char *body = NULL;
  g_autofree char *plain = NULL;
  g_autofree char *html2 = NULL;

  petrel_rich_text_view_set_text (view, "Intro\nfirst\nsecond\nOne\nTwo\nsaid\nEnd\n");
  select_range (view, 6, 18);
  petrel_rich_text_view_toggle_style (view, PETREL_RICH_BULLETS);
  select_range (view, 19, 26);
  petrel_rich_text_view_toggle_style (view, PETREL_RICH_NUMBERS);
  cursor_at (view, 27);
  petrel_rich_text_view_toggle_style (view, PETREL_RICH_QUOTE);

  html = petrel_rich_text_view_get_html (view, NULL, NULL);
  body = body_of (html);
  g_assert_cmpstr (body, ==,
                   "\nIntro"
                   "<ul>\n<li>first</li>\n<li>second</li>\n</ul>\n"
                   "<ol>\n<li>One</li>\n<li>Two</li>\n</ol>\n"
                   "<blockquote>\nsaid</blockquote>\n"
                   "End<br>\n");
  plain = petrel_rich_text_view_get_plain (view);
  g_assert_cmpstr (plain, ==, "Intro\n* first\n* second\n1. One\n2. Two\n> said\nEnd\n");

  /* Read back, it is the same. */
  petrel_rich_text_view_set_html (again, html, NULL, NULL);
  html2 = petrel_rich_text_view_get_html (again, NULL, NULL);
  g_assert_cmpstr (html2, ==, html);
}

static void
test_links (void)
{
  g_autoptr(PetrelRichTextView) view = new_view ();
  g_autoptr(PetrelRichTextView) again = new_view ();
  g_autoptr(GError) error = NULL;
  g_autofree char *html = NULL;
  g_autofree char *plain = NULL;
  g_autofree char *html2 = NULL;
  g_autofree char *url = NULL;

  petrel_rich_text_view_set_text (view, "the plan here");
  select_range (view, 4, 8);
  /* A quote character is no part of an address. */
  g_assert_false (petrel_rich_text_view_insert_link (view, "example.org/a?b=1&c=\"2\"", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_true (petrel_rich_text_view_insert_link (view, "example.org/a?b=1&c=2", &error));
  g_assert_no_error (error);
  g_assert_false (petrel_rich_text_view_insert_link (view, "javascript:alert(1)", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  html = petrel_rich_text_view_get_html (view, NULL, NULL);
  g_assert_nonnull (strstr (html, "the <a href=\"https://example.org/a?b=1&amp;c=2\">plan</a> "
                                  "here"));
  plain = petrel_rich_text_view_get_plain (view);
  g_assert_cmpstr (plain, ==, "the plan <https://example.org/a?b=1&c=2> here");

  /* Without a selection, the address itself. */
  cursor_at (view, 13);
  g_assert_true (petrel_rich_text_view_insert_link (view, "bob@example.test", &error));
  g_clear_pointer (&plain, g_free);
  plain = petrel_rich_text_view_get_plain (view);
  g_assert_cmpstr (plain, ==, "the plan <https://example.org/a?b=1&c=2> herebob@example.test");

  petrel_rich_text_view_set_html (again, html, NULL, NULL);
  html2 = petrel_rich_text_view_get_html (again, NULL, NULL);
  g_assert_cmpstr (html2, ==, html);

  /* Foreign HTML: unknown elements and scripts go, bad links lose their link. */
  petrel_rich_text_view_set_html (again,
                                  "<html><head><title>t</title><style>b{}</style></head><body>"
                                  "<p>A <strong>b</strong> <a href=\"javascript:x()\">c</a>"
                                  "<script>evil()</script><em>d</em></p><div>e&#233;&lt;</div>"
                                  "</body></html>", NULL, NULL);
  g_clear_pointer (&plain, g_free);
  plain = petrel_rich_text_view_get_plain (again);
  g_assert_cmpstr (plain, ==, "A *b* c/d/\neé<");

  url = petrel_rich_text_normalize_url ("  mailto:ann@example.test ", &error);
  g_assert_cmpstr (url, ==, "mailto:ann@example.test");
  g_assert_null (petrel_rich_text_normalize_url ("data:text/html,x", NULL));
  g_assert_null (petrel_rich_text_normalize_url ("file:///etc/passwd", NULL));
  g_assert_null (petrel_rich_text_normalize_url ("", NULL));
}

static char *
image_cb (GBytes     *data,
          const char *content_type,
          gpointer    user_data)
{
  guint *count = user_data;

  g_assert_cmpuint (g_bytes_get_size (data), ==, sizeof png_pixel);
  g_assert_cmpstr (content_type, ==, "image/png");
  (*count)++;
  return g_strdup_printf ("img%u@petrel", *count);
}

static GBytes *
lookup_cb (const char *content_id,
           gpointer    user_data)
{
  if (g_strcmp0 (content_id, "img1@petrel") != 0)
    return NULL;
  return g_bytes_new_static (png_pixel, sizeof png_pixel);
}

static void
test_images (void)
{
  g_autoptr(PetrelRichTextView) view = new_view ();
  g_autoptr(PetrelRichTextView) again = new_view ();
  g_autoptr(GBytes) png = g_bytes_new_static (png_pixel, sizeof png_pixel);
  g_autoptr(GBytes) junk = g_bytes_new_static ("not an image", 12);
  g_autoptr(GError) error = NULL;
  g_autofree char *html = NULL;
  g_autofree char *body = NULL;
  g_autofree char *plain = NULL;
  g_autofree char *html2 = NULL;
  guint count = 0;

  petrel_rich_text_view_set_text (view, "see  below");
  cursor_at (view, 4);
  petrel_rich_text_view_insert_image (view, png, &error);
  g_assert_no_error (error);
  petrel_rich_text_view_insert_image (view, junk, &error);
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_cmpuint (petrel_rich_text_view_get_images_size (view), ==, sizeof png_pixel);
  g_assert_true (petrel_rich_text_view_has_formatting (view));

  html = petrel_rich_text_view_get_html (view, image_cb, &count);
  g_assert_cmpuint (count, ==, 1);
  body = body_of (html);
  g_assert_cmpstr (body, ==, "\nsee <img src=\"cid:img1@petrel\" alt=\"\"> below");
  plain = petrel_rich_text_view_get_plain (view);
  g_assert_cmpstr (plain, ==, "see [image] below");

  petrel_rich_text_view_set_html (again, html, lookup_cb, NULL);
  g_assert_cmpuint (petrel_rich_text_view_get_images_size (again), ==, sizeof png_pixel);
  count = 0;
  html2 = petrel_rich_text_view_get_html (again, image_cb, &count);
  g_assert_cmpstr (html2, ==, html);
}

static void
test_quote_marked (void)
{
  g_autoptr(PetrelRichTextView) view = new_view ();
  g_autofree char *html = NULL;
  g_autofree char *body = NULL;

  petrel_rich_text_view_set_text (view, "Yes.\n\nOn Monday, Ann wrote:\n> a < b\n> > older\n");
  petrel_rich_text_view_quote_marked_lines (view);
  html = petrel_rich_text_view_get_html (view, NULL, NULL);
  body = body_of (html);
  g_assert_cmpstr (body, ==, "\nYes.<br>\n<br>\nOn Monday, Ann wrote:"
                             "<blockquote>\na &lt; b<br>\n&gt; older</blockquote>\n");
}

static void
test_to_plain_mode (void)
{
  g_autoptr(PetrelRichTextView) view = new_view ();
  GtkTextIter start, end;
  g_autofree char *text = NULL;

  petrel_rich_text_view_set_text (view, "item");
  petrel_rich_text_view_toggle_style (view, PETREL_RICH_BULLETS);
  petrel_rich_text_view_set_rich (view, FALSE);
  g_assert_false (petrel_rich_text_view_get_rich (view));
  g_assert_false (petrel_rich_text_view_has_formatting (view));
  gtk_text_buffer_get_bounds (buffer_of (view), &start, &end);
  text = gtk_text_buffer_get_text (buffer_of (view), &start, &end, FALSE);
  g_assert_cmpstr (text, ==, "* item");
  /* In plain mode formatting commands do nothing. */
  petrel_rich_text_view_toggle_style (view, PETREL_RICH_BOLD);
  g_assert_false (petrel_rich_text_view_has_formatting (view));
}

static void
skip_no_display (void)
{
  g_test_skip ("no display (build-aux/test runs the UI tests under xvfb-run)");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  if (!gtk_init_check ())
    {
      g_test_add_func ("/petrel/rich-text/no-display", skip_no_display);
      return g_test_run ();
    }

  g_test_add_func ("/petrel/rich-text/escape", test_escape);
  g_test_add_func ("/petrel/rich-text/inline", test_inline);
  g_test_add_func ("/petrel/rich-text/blocks", test_blocks);
  g_test_add_func ("/petrel/rich-text/links", test_links);
  g_test_add_func ("/petrel/rich-text/images", test_images);
  g_test_add_func ("/petrel/rich-text/quote-marked", test_quote_marked);
  g_test_add_func ("/petrel/rich-text/to-plain", test_to_plain_mode);

  return g_test_run ();
}
