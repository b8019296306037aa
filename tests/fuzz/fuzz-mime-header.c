/* fuzz-mime-header.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * libFuzzer target for header decoding in src/engine/mime/: RFC 2047 encoded words, RFC 2231
 * parameters (through a Content-Disposition header of a generated message), address lists,
 * Message-ID/References/List-Id normalisation, dates and address validation. Invariants:
 *  - decoded text, addresses and names are valid UTF-8;
 *  - normalised ids hold no CR, LF, space or angle bracket (they go into reply headers);
 *  - an address that validates has no CR, LF or control character, and the domain of its
 *    ASCII form is printable ASCII;
 *  - an attachment file name decoded from RFC 2231 / RFC 2047 holds no directory.
 */

#include "config.h"

#include "fuzz-common.h"
#include "petrel-engine.h"
#include "mime/petrel-mime-address.h"
#include "mime/petrel-mime-decode.h"
#include "mime/petrel-mime-text.h"

static void
check_id (const char *id)
{
  if (id == NULL)
    return;
  fuzz_require (g_utf8_validate (id, -1, NULL), "id is UTF-8");
  fuzz_require (strpbrk (id, "\r\n <>") == NULL, "id without CR, LF, space or brackets");
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *raw = fuzz_strndup (data, size);
  g_autofree char *text = NULL;
  g_autofree char *repaired = NULL;
  g_autofree char *mid = NULL;
  g_autofree char *list_id = NULL;
  g_auto(GStrv) refs = NULL;
  g_autoptr(GPtrArray) addresses = NULL;
  g_autofree char *display = NULL;
  g_autofree char *ascii = NULL;
  g_autoptr(GError) error = NULL;

  petrel_engine_init ();
  text = petrel_mime_decode_header_text (raw);
  repaired = petrel_mime_utf8_repair ((const char *) data, size);
  mid = petrel_mime_normalize_message_id (raw);
  list_id = petrel_mime_normalize_list_id (raw);
  refs = petrel_mime_parse_references (raw);
  addresses = petrel_mime_address_list_parse (raw);
  fuzz_require (text != NULL && g_utf8_validate (text, -1, NULL), "decoded header is UTF-8");
  fuzz_require (repaired != NULL && g_utf8_validate (repaired, -1, NULL), "repair gives UTF-8");
  check_id (mid);
  fuzz_require (list_id == NULL || g_utf8_validate (list_id, -1, NULL), "list id is UTF-8");
  for (guint i = 0; refs != NULL && refs[i] != NULL; i++)
    check_id (refs[i]);
  petrel_mime_parse_date (raw, 0);

  fuzz_require (addresses != NULL, "address list not NULL");
  for (guint i = 0; i < addresses->len; i++)
    {
      const PetrelMimeAddress *a = g_ptr_array_index (addresses, i);
      g_autofree char *one = petrel_mime_address_to_display (a);

      fuzz_require (a->address != NULL && g_utf8_validate (a->address, -1, NULL),
                    "address is UTF-8");
      fuzz_require (a->name == NULL || g_utf8_validate (a->name, -1, NULL), "name is UTF-8");
      fuzz_require (one != NULL && g_utf8_validate (one, -1, NULL), "display is UTF-8");
    }
  display = petrel_mime_address_list_to_display (addresses);
  fuzz_require (display != NULL && g_utf8_validate (display, -1, NULL), "list display is UTF-8");

  if (petrel_mime_address_validate (raw, &ascii, &error))
    {
      const char *domain = ascii != NULL ? strrchr (ascii, '@') : NULL;

      for (const char *p = raw; *p != '\0'; p++)
        fuzz_require ((guchar) *p >= 0x20 && *p != 0x7f, "valid address has no control");

      /* Only the domain is made ASCII (punycode); the local part may stay UTF-8. */
      fuzz_require (ascii == NULL || g_utf8_validate (ascii, -1, NULL), "ASCII form is UTF-8");
      for (const char *p = domain; p != NULL && *p != '\0'; p++)
        fuzz_require ((guchar) *p > 0x20 && (guchar) *p < 0x7f, "the domain is printable ASCII");
    }
  else
    fuzz_require (error != NULL && g_utf8_validate (error->message, -1, NULL),
                  "validation error is UTF-8");

  /* RFC 2231 and RFC 2047 parameters, as an attachment's Content-Disposition and
   * Content-Type: the input's first line is the parameter list. */
  {
    gsize n = strcspn (raw, "\r\n");
    g_autofree char *params = g_strndup (raw, n);
    g_autofree char *message = g_strdup_printf (
      "From: a@example.org\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
      "--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
      "--b\r\nContent-Type: application/octet-stream; %s\r\n"
      "Content-Disposition: attachment; %s\r\n\r\ndata\r\n--b--\r\n", params, params);
    g_autoptr(PetrelMimeBody) body = petrel_mime_body_new_from_data (message, strlen (message));

    for (guint i = 0; body != NULL && i < body->attachments->len; i++)
      {
        const PetrelMimeAttachment *a = g_ptr_array_index (body->attachments, i);

        if (a->filename == NULL)
          continue;
        fuzz_require (g_utf8_validate (a->filename, -1, NULL), "file name is UTF-8");
        fuzz_require (strchr (a->filename, '/') == NULL, "file name without a directory");
        fuzz_require (strcmp (a->filename, "..") != 0, "file name is not ..");
      }
  }

  return 0;
}
