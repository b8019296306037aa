/* fuzz-html.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * libFuzzer target for HTML preprocessing (src/engine/mime/petrel-mime-html.c: the HTML → text
 * conversion behind `show`, snippets, quoting and search). The input goes through it as is
 * (valid UTF-8 out, never a crash); then it is turned into attribute noise and text noise and
 * woven into every remote-load vector of html-vectors.h: no resource URL may survive into the
 * text. The text of an HTML mail is what is quoted in replies and indexed; a URL carried over
 * from an image, a style sheet or a refresh would be one more way to make the person fetch it.
 */

#include "config.h"

#include "fuzz-common.h"
#include "petrel-engine.h"
#include "html-vectors.h"
#include "mime/petrel-mime-html.h"

/* Keeps only bytes that cannot open or close a tag, start an attribute value or an entity. */
static char *
make_noise (const uint8_t *data,
            size_t         size,
            gboolean       in_tag)
{
  GString *out = g_string_new (NULL);

  for (size_t i = 0; i < size && out->len < 256; i++)
    {
      guint8 c = data[i];

      /* No 'K' either: the noise can then never spell the mark itself. */
      if (c == '\0' || c == '<' || c == '>' || c == '&' || c == '"' || c == '\'' || c == '`' ||
          c == '=' || c == '\\' || c == 'K')
        continue;
      if (!in_tag && c == '/')
        continue;
      g_string_append_c (out, c);
    }
  return g_string_free (out, FALSE);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = NULL;
  g_autofree char *attr_noise = make_noise (data, size, TRUE);
  g_autofree char *text_noise = make_noise (data, size, FALSE);
  g_autoptr(GString) doc = g_string_new ("<html><head>");
  g_autofree char *out = NULL;

  petrel_engine_init ();
  text = petrel_mime_html_to_text ((const char *) data, size);
  fuzz_require (text != NULL && g_utf8_validate (text, -1, NULL), "HTML text is UTF-8");

  for (guint i = 0; i < G_N_ELEMENTS (html_vectors); i++)
    {
      const char *hole = strstr (html_vectors[i], "%s");

      if (hole != NULL)
        {
          g_string_append_len (doc, html_vectors[i], hole - html_vectors[i]);
          g_string_append (doc, attr_noise);
          g_string_append (doc, hole + 2);
        }
      else
        g_string_append (doc, html_vectors[i]);
      g_string_append_printf (doc, "\n%s\n", text_noise);
      if (i == 10)
        g_string_append (doc, "</head><body>");
    }
  g_string_append (doc, "</body></html>");

  out = petrel_mime_html_to_text (doc->str, doc->len);
  fuzz_require (out != NULL && g_utf8_validate (out, -1, NULL), "vector text is UTF-8");
  if (strstr (out, HTML_LEAK_MARK) != NULL)
    {
      fprintf (stderr, "HTML text with a resource URL:\n%s\n", out);
      fuzz_require (FALSE, "no resource URL survives into the text");
    }

  return 0;
}
