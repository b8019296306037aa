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
                   /* The empty last line: a line break ends "End", another makes the line. */
                   "End<br>\n<br>\n");
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
                             "<blockquote>\na &lt; b<br>\n&gt; older</blockquote>\n<br>\n");
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

/* Line @line of @view gets @style, nested @level deep. */
static void
format_line (PetrelRichTextView *view,
             int                 line,
             PetrelRichStyle     style,
             int                 level)
{
  GtkTextIter iter;

  gtk_text_buffer_get_iter_at_line (buffer_of (view), &iter, line);
  gtk_text_buffer_place_cursor (buffer_of (view), &iter);
  petrel_rich_text_view_toggle_style (view, style);
  if (level > 0)
    g_assert_true (petrel_rich_text_view_change_list_level (view, level));
  g_assert_cmpuint (petrel_rich_text_view_get_list_level (view), ==, level);
}

static char *
text_of (PetrelRichTextView *view)
{
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer_of (view), &start, &end);
  return gtk_text_buffer_get_text (buffer_of (view), &start, &end, TRUE);
}

/* HTML → view → HTML gives the same text, formatting and HTML again. */
static void
assert_round_trip (PetrelRichTextView *view,
                   const char         *html)
{
  g_autoptr(PetrelRichTextView) again = new_view ();
  g_autofree char *html2 = NULL;
  g_autofree char *text = text_of (view);
  g_autofree char *text2 = NULL;
  g_autofree char *plain = petrel_rich_text_view_get_plain (view);
  g_autofree char *plain2 = NULL;

  petrel_rich_text_view_set_html (again, html, NULL, NULL);
  text2 = text_of (again);
  g_assert_cmpstr (text2, ==, text);
  plain2 = petrel_rich_text_view_get_plain (again);
  g_assert_cmpstr (plain2, ==, plain);
  html2 = petrel_rich_text_view_get_html (again, NULL, NULL);
  g_assert_cmpstr (html2, ==, html);
}

static void
test_nested_lists (void)
{
  g_autoptr(PetrelRichTextView) view = new_view ();
  g_autofree char *html = NULL;
  g_autofree char *body = NULL;
  g_autofree char *plain = NULL;
  static const struct { int line; PetrelRichStyle style; int level; } lines[] = {
    { 1, PETREL_RICH_BULLETS, 0 }, { 2, PETREL_RICH_BULLETS, 1 },
    { 3, PETREL_RICH_NUMBERS, 2 }, { 4, PETREL_RICH_NUMBERS, 2 },
    { 5, PETREL_RICH_BULLETS, 1 }, { 6, PETREL_RICH_BULLETS, 0 },
    { 7, PETREL_RICH_NUMBERS, 0 }, { 8, PETREL_RICH_BULLETS, 1 },
    { 9, PETREL_RICH_BULLETS, 1 }, { 10, PETREL_RICH_NUMBERS, 0 },
  };

  petrel_rich_text_view_set_text (view, "Intro\nfruit\napple\ngreen\nred\npear\nveg\n"
                                        "One\nOne-a\nOne-b\nTwo\nEnd");
  for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
    format_line (view, lines[i].line, lines[i].style, lines[i].level);

  html = petrel_rich_text_view_get_html (view, NULL, NULL);
  body = body_of (html);
  g_assert_cmpstr (body, ==,
                   "\nIntro"
                   "<ul>\n<li>fruit\n"
                     "<ul>\n<li>apple\n"
                       "<ol>\n<li>green</li>\n<li>red</li>\n</ol>\n"
                     "</li>\n<li>pear</li>\n</ul>\n"
                   "</li>\n<li>veg</li>\n</ul>\n"
                   "<ol>\n<li>One\n"
                     "<ul>\n<li>One-a</li>\n<li>One-b</li>\n</ul>\n"
                   "</li>\n<li>Two</li>\n</ol>\n"
                   "End");
  /* The text alternative indents nested items under their parent's text, and numbers each
   * level on its own. */
  plain = petrel_rich_text_view_get_plain (view);
  g_assert_cmpstr (plain, ==,
                   "Intro\n"
                   "* fruit\n"
                   "  * apple\n"
                   "    1. green\n"
                   "    2. red\n"
                   "  * pear\n"
                   "* veg\n"
                   "1. One\n"
                   "   * One-a\n"
                   "   * One-b\n"
                   "2. Two\n"
                   "End");
  assert_round_trip (view, html);

  /* Only list lines nest, and not further out than the outermost level. */
  cursor_at (view, 0);
  g_assert_false (petrel_rich_text_view_change_list_level (view, 1));
  g_assert_cmpuint (petrel_rich_text_view_get_list_level (view), ==, 0);
  cursor_at (view, strlen ("Intro\nfruit\nap"));
  g_assert_cmpuint (petrel_rich_text_view_get_list_level (view), ==, 1);
  g_assert_true (petrel_rich_text_view_change_list_level (view, -1));
  g_assert_cmpuint (petrel_rich_text_view_get_list_level (view), ==, 0);
  g_assert_false (petrel_rich_text_view_change_list_level (view, -1));
}

/* Typing a new line in a nested item (Enter) gives another item at that level. */
static void
test_nested_typing (void)
{
  g_autoptr(PetrelRichTextView) view = new_view ();
  g_autofree char *plain = NULL;
  g_autofree char *deep = NULL;
  GtkTextIter end;

  petrel_rich_text_view_set_text (view, "top\ninner");
  format_line (view, 0, PETREL_RICH_BULLETS, 0);
  format_line (view, 1, PETREL_RICH_BULLETS, 1);
  gtk_text_buffer_get_end_iter (buffer_of (view), &end);
  gtk_text_buffer_place_cursor (buffer_of (view), &end);
  gtk_text_buffer_insert_at_cursor (buffer_of (view), "\nnext", -1);
  g_assert_cmpuint (petrel_rich_text_view_get_list_level (view), ==, 1);
  plain = petrel_rich_text_view_get_plain (view);
  g_assert_cmpstr (plain, ==, "* top\n  * inner\n  * next");

  /* Five levels deep at most. */
  petrel_rich_text_view_change_list_level (view, 10);
  g_assert_cmpuint (petrel_rich_text_view_get_list_level (view), ==, 5);
  deep = petrel_rich_text_view_get_plain (view);
  g_assert_cmpstr (deep, ==, "* top\n  * inner\n          * next");
}

/* Nested lists as other mailers write them: lists inside items, no new lines. */
static void
test_nested_foreign (void)
{
  g_autoptr(PetrelRichTextView) view = new_view ();
  g_autoptr(PetrelRichTextView) jump = new_view ();
  g_autoptr(PetrelRichTextView) switched = new_view ();
  g_autofree char *switched_html = NULL;
  g_autofree char *switched_body = NULL;
  g_autofree char *text = NULL;
  g_autofree char *plain = NULL;
  g_autofree char *html = NULL;
  g_autofree char *body = NULL;
  g_autofree char *jump_plain = NULL;

  petrel_rich_text_view_set_html (view,
                                  "<html><body><p>Plan:</p><ul><li>a<ul><li>b</li>"
                                  "<li>c<ol><li>d</li></ol></li></ul></li><li>e</li></ul>"
                                  "<p>Done</p></body></html>", NULL, NULL);
  text = text_of (view);
  g_assert_cmpstr (text, ==, "Plan:\na\nb\nc\nd\ne\nDone");
  plain = petrel_rich_text_view_get_plain (view);
  g_assert_cmpstr (plain, ==, "Plan:\n* a\n  * b\n  * c\n    1. d\n* e\nDone");
  /* Opening a draft is no edit to undo. */
  g_assert_false (gtk_text_buffer_get_can_undo (buffer_of (view)));

  /* An item nested two levels deeper at once sits in an empty item, and comes back. */
  petrel_rich_text_view_set_text (jump, "x\ny\nz");
  format_line (jump, 0, PETREL_RICH_BULLETS, 0);
  format_line (jump, 1, PETREL_RICH_BULLETS, 2);
  format_line (jump, 2, PETREL_RICH_BULLETS, 0);
  html = petrel_rich_text_view_get_html (jump, NULL, NULL);
  body = body_of (html);
  g_assert_cmpstr (body, ==,
                   "\n<ul>\n<li>x\n<ul>\n<li>\n<ul>\n<li>y</li>\n</ul>\n</li>\n</ul>\n"
                   "</li>\n<li>z</li>\n</ul>\n");
  jump_plain = petrel_rich_text_view_get_plain (jump);
  g_assert_cmpstr (jump_plain, ==, "* x\n    * y\n* z");
  assert_round_trip (jump, html);

  /* A nested list of the other kind right after one: two lists in the same item. */
  petrel_rich_text_view_set_text (switched, "a\nb\nc");
  format_line (switched, 0, PETREL_RICH_BULLETS, 0);
  format_line (switched, 1, PETREL_RICH_BULLETS, 1);
  format_line (switched, 2, PETREL_RICH_NUMBERS, 1);
  switched_html = petrel_rich_text_view_get_html (switched, NULL, NULL);
  switched_body = body_of (switched_html);
  g_assert_cmpstr (switched_body, ==,
                   "\n<ul>\n<li>a\n<ul>\n<li>b</li>\n</ul>\n<ol>\n<li>c</li>\n</ol>\n"
                   "</li>\n</ul>\n");
  assert_round_trip (switched, switched_html);
}

/* Empty lines before and after lists and quotes, at the start and end of a draft: none lost,
 * none added when it is opened again, and shown by a browser as they were written. */
static void
test_empty_lines (void)
{
  static const struct
  {
    const char      *text;
    int              line;        /* formatted, and the next one if @two */
    gboolean         two;
    PetrelRichStyle  style;
    const char      *body;
  } cases[] = {
    { "\nitem", 1, FALSE, PETREL_RICH_BULLETS, "\n<br>\n<ul>\n<li>item</li>\n</ul>\n" },
    { "\n\nitem", 2, FALSE, PETREL_RICH_BULLETS,
      "\n<br>\n<br>\n<ul>\n<li>item</li>\n</ul>\n" },
    { "item\n", 0, FALSE, PETREL_RICH_BULLETS, "\n<ul>\n<li>item</li>\n</ul>\n<br>\n" },
    { "item\n\n", 0, FALSE, PETREL_RICH_NUMBERS,
      "\n<ol>\n<li>item</li>\n</ol>\n<br>\n<br>\n" },
    { "item\n\nEnd", 0, FALSE, PETREL_RICH_BULLETS,
      "\n<ul>\n<li>item</li>\n</ul>\n<br>\nEnd" },
    { "Intro\n\nitem\n\nEnd\n", 2, FALSE, PETREL_RICH_BULLETS,
      "\nIntro<br>\n<br>\n<ul>\n<li>item</li>\n</ul>\n<br>\nEnd<br>\n<br>\n" },
    { "Intro\nitem\nEnd", 1, FALSE, PETREL_RICH_BULLETS,
      "\nIntro<ul>\n<li>item</li>\n</ul>\nEnd" },
    { "one\n\ntwo", 0, TRUE, PETREL_RICH_BULLETS,
      "\n<ul>\n<li>one</li>\n<li></li>\n</ul>\ntwo" },
    { "\nsaid", 1, FALSE, PETREL_RICH_QUOTE, "\n<br>\n<blockquote>\nsaid</blockquote>\n" },
    { "said\n\nEnd", 0, TRUE, PETREL_RICH_QUOTE,
      "\n<blockquote>\nsaid<br>\n<br>\n</blockquote>\nEnd" },
    { "said\n", 0, FALSE, PETREL_RICH_QUOTE, "\n<blockquote>\nsaid</blockquote>\n<br>\n" },
    { "", 0, FALSE, PETREL_RICH_N_STYLES, "\n" },
    { "\n", 0, FALSE, PETREL_RICH_N_STYLES, "\n<br>\n<br>\n" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(PetrelRichTextView) view = new_view ();
      g_autofree char *html = NULL;
      g_autofree char *body = NULL;

      g_test_message ("case %u: “%s”", i, cases[i].text);
      petrel_rich_text_view_set_text (view, cases[i].text);
      if (cases[i].style != PETREL_RICH_N_STYLES)
        {
          GtkTextIter start, end;

          gtk_text_buffer_get_iter_at_line (buffer_of (view), &start, cases[i].line);
          gtk_text_buffer_get_iter_at_line (buffer_of (view), &end,
                                            cases[i].line + (cases[i].two ? 1 : 0));
          gtk_text_buffer_select_range (buffer_of (view), &start, &end);
          petrel_rich_text_view_toggle_style (view, cases[i].style);
        }
      html = petrel_rich_text_view_get_html (view, NULL, NULL);
      body = body_of (html);
      g_assert_cmpstr (body, ==, cases[i].body);
      assert_round_trip (view, html);
    }
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
  g_test_add_func ("/petrel/rich-text/nested-lists", test_nested_lists);
  g_test_add_func ("/petrel/rich-text/nested-typing", test_nested_typing);
  g_test_add_func ("/petrel/rich-text/nested-foreign", test_nested_foreign);
  g_test_add_func ("/petrel/rich-text/empty-lines", test_empty_lines);

  return g_test_run ();
}
