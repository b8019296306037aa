/* fuzz-mime-message.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * libFuzzer target for the MIME walkers of src/engine/mime/: the input is a whole message that
 * goes through the body walker (text, snippet, HTML, attachments), the header summary, reply
 * quoting, forwarding and the display formatter. Invariants, from the headers' contracts:
 *  - body text is valid UTF-8 with LF line ends, ending with a newline unless empty; the
 *    snippet is one line;
 *  - an attachment's file name holds no directory (it becomes a file name on disk when saved);
 *    its part path is a dotted number an IMAP FETCH can carry;
 *  - every summary string is valid UTF-8; Message-ID, In-Reply-To and References (which go
 *    into the headers of a reply) hold no CR, LF or angle bracket: no header injection;
 *  - quoted replies, forwards and the display text are valid UTF-8.
 */

#include "config.h"

#include "fuzz-common.h"
#include "petrel-engine.h"
#include "mime/petrel-mime-quote.h"
#include "mime/petrel-mime-summary.h"
#include "mime/petrel-mime-text.h"

static void
check_id (const char *id)
{
  if (id == NULL)
    return;
  fuzz_require (g_utf8_validate (id, -1, NULL), "message id is UTF-8");
  fuzz_require (strpbrk (id, "\r\n<>") == NULL, "message id without CR, LF or brackets");
}

static void
check_addresses (GPtrArray *list)
{
  fuzz_require (list != NULL, "address list not NULL");
  for (guint i = 0; i < list->len; i++)
    {
      const PetrelMimeAddress *a = g_ptr_array_index (list, i);

      fuzz_require (a->address != NULL && g_utf8_validate (a->address, -1, NULL),
                    "address is UTF-8");
      fuzz_require (a->name == NULL || g_utf8_validate (a->name, -1, NULL), "name is UTF-8");
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  g_autoptr(PetrelMimeBody) body = NULL;
  g_autoptr(PetrelMimeSummary) summary = NULL;
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_auto(GStrv) references = NULL;
  g_autofree char *quoted = NULL;
  g_autofree char *forward = NULL;
  g_autofree char *display = NULL;
  g_autofree char *attribution = NULL;
  g_autofree char *re = NULL;
  g_autofree char *fwd = NULL;

  petrel_engine_init ();
  body = petrel_mime_body_new_from_bytes (bytes);
  if (body != NULL)
    {
      gsize len = strlen (body->text);

      fuzz_require (g_utf8_validate (body->text, -1, NULL), "body text is UTF-8");
      fuzz_require (strchr (body->text, '\r') == NULL, "body text has LF line ends");
      fuzz_require (len == 0 || body->text[len - 1] == '\n', "body text ends with a newline");
      fuzz_require (body->snippet != NULL && g_utf8_validate (body->snippet, -1, NULL),
                    "snippet is UTF-8");
      fuzz_require (strpbrk (body->snippet, "\r\n") == NULL, "snippet is one line");
      fuzz_require (body->html == NULL || g_utf8_validate (body->html, -1, NULL),
                    "HTML is UTF-8");
      for (guint i = 0; i < body->attachments->len; i++)
        {
          const PetrelMimeAttachment *a = g_ptr_array_index (body->attachments, i);

          fuzz_require (a->part_path != NULL && a->part_path[0] != '\0' &&
                        strspn (a->part_path, "0123456789.") == strlen (a->part_path),
                        "part path is a dotted number");
          fuzz_require (a->content_type != NULL && g_utf8_validate (a->content_type, -1, NULL),
                        "content type is UTF-8");
          if (a->filename != NULL)
            {
              fuzz_require (g_utf8_validate (a->filename, -1, NULL), "file name is UTF-8");
              fuzz_require (strchr (a->filename, '/') == NULL, "file name without a directory");
              fuzz_require (strcmp (a->filename, "..") != 0 && strcmp (a->filename, ".") != 0,
                            "file name is not . or ..");
              fuzz_require (strchr (a->filename, '\0') == a->filename + strlen (a->filename),
                            "file name is a C string");
            }
          if (i < 4)
            {
              g_autoptr(GError) error = NULL;
              g_autoptr(GBytes) content = petrel_mime_get_part_content (bytes, a->part_path,
                                                                        &error);

              fuzz_require (content != NULL || error != NULL, "part content or an error");
            }
        }
      {
        g_autoptr(PetrelMimeBody) copy = petrel_mime_body_copy (body);

        fuzz_require (g_strcmp0 (copy->text, body->text) == 0, "copy keeps the text");
      }
    }

  summary = petrel_mime_summary_new_from_bytes (bytes, 42);
  if (summary != NULL)
    {
      fuzz_require (g_utf8_validate (summary->subject, -1, NULL), "subject is UTF-8");
      fuzz_require (g_utf8_validate (summary->from_name, -1, NULL), "from name is UTF-8");
      fuzz_require (g_utf8_validate (summary->from_address, -1, NULL), "from is UTF-8");
      fuzz_require (g_utf8_validate (summary->to_display, -1, NULL), "to display is UTF-8");
      fuzz_require (g_utf8_validate (summary->cc_display, -1, NULL), "cc display is UTF-8");
      check_addresses (summary->from);
      check_addresses (summary->to);
      check_addresses (summary->cc);
      check_addresses (summary->reply_to);
      check_id (summary->message_id);
      check_id (summary->in_reply_to);
      fuzz_require (summary->references != NULL, "references not NULL");
      for (guint i = 0; summary->references[i] != NULL; i++)
        check_id (summary->references[i]);
      fuzz_require (summary->list_id == NULL || g_utf8_validate (summary->list_id, -1, NULL),
                    "list id is UTF-8");

      references = petrel_mime_reply_references (summary);
      for (guint i = 0; references != NULL && references[i] != NULL; i++)
        check_id (references[i]);
      attribution = petrel_mime_quote_attribution (summary, utc);
      fuzz_require (attribution != NULL && g_utf8_validate (attribution, -1, NULL),
                    "attribution is UTF-8");
      re = petrel_mime_reply_subject (summary->subject);
      fwd = petrel_mime_forward_subject (summary->subject);
      fuzz_require (g_utf8_validate (re, -1, NULL) && g_utf8_validate (fwd, -1, NULL),
                    "reply and forward subjects are UTF-8");
    }

  quoted = petrel_mime_quote_reply (bytes, utc);
  fuzz_require (quoted == NULL || g_utf8_validate (quoted, -1, NULL), "quoted reply is UTF-8");
  forward = petrel_mime_forward_text (bytes);
  fuzz_require (forward == NULL || g_utf8_validate (forward, -1, NULL), "forward is UTF-8");
  display = petrel_mime_format_for_display (bytes, utc);
  fuzz_require (display == NULL || g_utf8_validate (display, -1, NULL), "display is UTF-8");

  return 0;
}
