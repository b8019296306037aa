/* fuzz-mailto.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * libFuzzer target for mailto: links (src/engine/mime/petrel-mailto.c), which any web page can
 * hand to Petrel. Invariants from petrel-mailto.h: every string is valid UTF-8; the header
 * fields (to, cc, bcc, subject, in_reply_to) hold no control character at all, CR and LF
 * included, so a link can never add a header; the body has LF line ends; an ignored header name
 * is lower case; a parsed link copies faithfully.
 */

#include "config.h"

#include "fuzz-common.h"
#include "petrel-engine.h"
#include "mime/petrel-mailto.h"

static void
check_field (const char *s,
             gboolean    nullable)
{
  if (s == NULL)
    {
      fuzz_require (nullable, "field not NULL");
      return;
    }
  fuzz_require (fuzz_is_clean_utf8 (s, ""), "header field is UTF-8 without controls");
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *raw = fuzz_strndup (data, size);
  g_autofree char *uri = g_str_has_prefix (raw, "mailto:") ? g_strdup (raw)
                                                            : g_strconcat ("mailto:", raw, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PetrelMailto) mailto = NULL;
  g_autoptr(PetrelMailto) copy = NULL;

  petrel_engine_init ();
  mailto = petrel_mailto_parse (uri, &error);
  if (mailto == NULL)
    {
      fuzz_require (error != NULL && g_utf8_validate (error->message, -1, NULL),
                    "parse error is UTF-8");
      return 0;
    }

  check_field (mailto->to, FALSE);
  check_field (mailto->cc, FALSE);
  check_field (mailto->bcc, FALSE);
  check_field (mailto->subject, FALSE);
  check_field (mailto->in_reply_to, TRUE);
  fuzz_require (mailto->in_reply_to == NULL || strpbrk (mailto->in_reply_to, "<>") == NULL,
                "in-reply-to without angle brackets");
  fuzz_require (mailto->body != NULL && g_utf8_validate (mailto->body, -1, NULL),
                "body is UTF-8");
  fuzz_require (strchr (mailto->body, '\r') == NULL, "body has LF line ends");
  for (guint i = 0; mailto->ignored_names != NULL && mailto->ignored_names[i] != NULL; i++)
    {
      g_autofree char *lower = g_utf8_strdown (mailto->ignored_names[i], -1);

      fuzz_require (g_str_equal (lower, mailto->ignored_names[i]), "ignored name is lower case");
    }

  copy = petrel_mailto_copy (mailto);
  fuzz_require (g_str_equal (copy->to, mailto->to) && g_str_equal (copy->body, mailto->body) &&
                copy->ignored == mailto->ignored, "copy is faithful");

  return 0;
}
