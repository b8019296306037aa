/* test-mime-reply.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "petrel-engine.h"
#include "mime/petrel-mime.h"

static const char * const own[] = { "me@example.org", "Me.Alias@Example.NET", NULL };

static GBytes *
crlf_bytes (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '\n')
        g_string_append_c (out, '\r');
      g_string_append_c (out, *p);
    }
  return g_string_free_to_bytes (out);
}

static PetrelMimeReply *
make_reply (const char          *text,
            PetrelMimeReplyMode  mode)
{
  g_autoptr(GBytes) bytes = crlf_bytes (text);
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GError) error = NULL;
  PetrelMimeReply *reply = petrel_mime_reply_new (bytes, mode, own, utc, &error);

  g_assert_no_error (error);
  g_assert_nonnull (reply);
  return reply;
}

static char *
addresses (GPtrArray *list)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < list->len; i++)
    {
      PetrelMimeAddress *address = g_ptr_array_index (list, i);

      g_string_append_printf (out, "%s%s", i > 0 ? "," : "", address->address);
    }
  return g_string_free (out, FALSE);
}

/* Builds @reply from me with @text and returns the bytes as a string. */
static char *
build (const PetrelMimeReply *reply,
       const char            *text)
{
  g_autoptr(PetrelMimeBuilder) builder = petrel_mime_builder_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  g_assert_true (petrel_mime_builder_set_from (builder, "Me", "me@example.org", &error));
  g_assert_true (petrel_mime_reply_apply (reply, builder, text, &error));
  g_assert_no_error (error);
  bytes = petrel_mime_builder_build_bytes (builder, &error);
  g_assert_no_error (error);
  return g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static const char original[] =
  "From: Ann Lee <ann@example.com>\n"
  "Reply-To: Ann at home <ann@home.example>\n"
  "To: me@example.org, Bob <bob@example.com>\n"
  "Cc: ME.ALIAS@example.net, carol@example.com, bob@EXAMPLE.com\n"
  "Subject: Re: RE[2]: Aw: Lunch\n"
  "Date: Tue, 10 Nov 2026 14:02:00 +0000\n"
  "Message-ID: <m3@example.com>\n"
  "In-Reply-To: <m2@example.com>\n"
  "References: <m1@example.com> <m2@example.com>\n"
  "MIME-Version: 1.0\n"
  "Content-Type: text/plain; charset=utf-8; format=flowed\n"
  "\n"
  "Shall we meet at the usual place, or would you rather try the new one \n"
  "by the river?\n"
  "> earlier words\n"
  "\n"
  "-- \n"
  "Ann\n";

static void
test_reply_sender (void)
{
  g_autoptr(PetrelMimeReply) reply = make_reply (original, PETREL_MIME_REPLY_SENDER);
  g_autofree char *to = addresses (reply->to);
  g_autofree char *message = NULL;

  /* Reply-To wins over From. */
  g_assert_cmpstr (to, ==, "ann@home.example");
  g_assert_cmpuint (reply->cc->len, ==, 0);
  g_assert_cmpstr (reply->subject, ==, "Re: Lunch");
  g_assert_cmpstr (reply->in_reply_to, ==, "m3@example.com");
  g_assert_cmpuint (g_strv_length (reply->references), ==, 3);
  g_assert_cmpstr (reply->references[2], ==, "m3@example.com");

  /* The flowed paragraph is joined before quoting, the signature is dropped. */
  g_assert_cmpstr (reply->quoted, ==,
                   "On Tue, 10 Nov 2026 at 14:02, Ann Lee wrote:\n"
                   "> Shall we meet at the usual place, or would you rather try the new one "
                   "by the river?\n"
                   ">> earlier words\n");

  message = build (reply, "Yes!\n");
  g_assert_nonnull (strstr (message, "\r\nIn-Reply-To: <m3@example.com>\r\n"));
  g_assert_nonnull (strstr (message,
                            "\r\nReferences: <m1@example.com> <m2@example.com> "
                            "<m3@example.com>\r\n"));
  g_assert_nonnull (strstr (message, "\r\nSubject: Re: Lunch\r\n"));
  g_assert_nonnull (strstr (message, "format=flowed"));
  g_assert_nonnull (strstr (message, "Yes!\r\n\r\nOn Tue, 10 Nov 2026 at 14:02, Ann Lee wrote:"));
  /* Long quoted lines are flowed with the quote marks kept on every piece. */
  g_assert_nonnull (strstr (message, "\r\n> Shall we meet"));
  g_assert_null (strstr (message, "\r\nCc:"));
}

static void
test_reply_all (void)
{
  g_autoptr(PetrelMimeReply) reply = make_reply (original, PETREL_MIME_REPLY_ALL);
  g_autofree char *to = addresses (reply->to);
  g_autofree char *cc = addresses (reply->cc);

  /* Without me and my alias (any case), each address once. */
  g_assert_cmpstr (to, ==, "ann@home.example");
  g_assert_cmpstr (cc, ==, "bob@example.com,carol@example.com");
}

static void
test_reply_followup_to (void)
{
  g_autofree char *text = g_strconcat ("Mail-Followup-To: list@lists.example, me@example.org\n",
                                       original, NULL);
  g_autoptr(PetrelMimeReply) all = make_reply (text, PETREL_MIME_REPLY_ALL);
  g_autoptr(PetrelMimeReply) sender = make_reply (text, PETREL_MIME_REPLY_SENDER);
  g_autofree char *all_to = addresses (all->to);
  g_autofree char *sender_to = addresses (sender->to);

  g_assert_cmpstr (all_to, ==, "list@lists.example");
  g_assert_cmpuint (all->cc->len, ==, 0);
  g_assert_cmpstr (sender_to, ==, "ann@home.example");
}

static void
test_reply_own_message (void)
{
  static const char mine[] =
    "From: Me <me@example.org>\n"
    "To: Dan <dan@example.com>\n"
    "Cc: eve@example.com, me.alias@example.net\n"
    "Subject: Plans\n"
    "Message-ID: <mine@example.org>\n"
    "\n"
    "Hello\n";
  g_autoptr(PetrelMimeReply) reply = make_reply (mine, PETREL_MIME_REPLY_ALL);
  g_autoptr(PetrelMimeReply) sender = make_reply (mine, PETREL_MIME_REPLY_SENDER);
  g_autofree char *to = addresses (reply->to);
  g_autofree char *cc = addresses (reply->cc);
  g_autofree char *sender_to = addresses (sender->to);

  /* A follow-up to one's own message goes to its recipients, not back to oneself. */
  g_assert_cmpstr (to, ==, "dan@example.com");
  g_assert_cmpstr (cc, ==, "eve@example.com");
  g_assert_cmpstr (sender_to, ==, "dan@example.com");
}

static void
test_reply_hostile (void)
{
  static const char hostile[] =
    "From: =?utf-8?q?Mallory=0D=0ABcc:_victim@example.com?= <mallory@example.com>\n"
    "To: me@example.org, \"broken\" <no-at-sign>, <>\n"
    "Subject: =?utf-8?q?Hi=0D=0ABcc:_victim@example.com?=\n"
    "Message-ID: <not a valid id>\n"
    "References: <ok@example.com> <bad id> <also\"bad@example.com>\n"
    "\n"
    "text\n";
  g_autoptr(PetrelMimeReply) reply = make_reply (hostile, PETREL_MIME_REPLY_ALL);
  g_autofree char *message = NULL;
  g_autofree char *cc = addresses (reply->cc);

  g_assert_null (strchr (reply->subject, '\r'));
  g_assert_null (strchr (reply->subject, '\n'));
  /* The reader's lenient id parsing drops the spaces; what is left is one safe token. */
  g_assert_cmpstr (reply->in_reply_to, ==, "notavalidid");
  g_assert_cmpuint (g_strv_length (reply->references), ==, 3);
  g_assert_cmpstr (reply->references[1], ==, "badid");
  g_assert_cmpstr (cc, ==, "");

  message = build (reply, NULL);
  g_assert_null (strstr (message, "\nBcc:"));
  g_assert_nonnull (strstr (message, "\r\nSubject: Re: Hi Bcc: victim@example.com\r\n"));
}

static void
test_reply_not_a_message (void)
{
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(PetrelMimeReply) reply = NULL;
  static const char garbage[] = "\x01\x02\xff\xfe no header at all";
  g_autoptr(GBytes) junk = g_bytes_new_static (garbage, sizeof garbage - 1);

  reply = petrel_mime_reply_new (empty, PETREL_MIME_REPLY_SENDER, own, NULL, &error);
  g_assert_error (error, PETREL_MIME_ERROR, PETREL_MIME_ERROR_PARSE);
  g_assert_null (reply);
  g_clear_error (&error);

  /* Junk is read leniently as a body without headers: no recipients, still a reply. */
  reply = petrel_mime_reply_new (junk, PETREL_MIME_REPLY_SENDER, own, NULL, &error);
  if (reply != NULL)
    {
      g_assert_no_error (error);
      g_assert_cmpuint (reply->to->len, ==, 0);
      g_assert_cmpstr (reply->subject, ==, "Re: ");
    }
  else
    g_assert_error (error, PETREL_MIME_ERROR, PETREL_MIME_ERROR_PARSE);
}

static const char with_attachment[] =
  "From: Ann Lee <ann@example.com>\n"
  "To: me@example.org\n"
  "Subject: Fwd: Photos\n"
  "Date: Tue, 10 Nov 2026 14:02:00 +0000\n"
  "Message-ID: <photos@example.com>\n"
  "MIME-Version: 1.0\n"
  "Content-Type: multipart/mixed; boundary=\"b1\"\n"
  "\n"
  "--b1\n"
  "Content-Type: text/plain; charset=utf-8\n"
  "\n"
  "Here they are.\n"
  "--b1\n"
  "Content-Type: application/octet-stream\n"
  "Content-Disposition: attachment; filename*=utf-8''d%C3%A9j%C3%A0.bin\n"
  "Content-Transfer-Encoding: base64\n"
  "\n"
  "AAEC/wAB\n"
  "--b1--\n";

static void
test_forward_inline (void)
{
  g_autoptr(PetrelMimeReply) reply = make_reply (with_attachment, PETREL_MIME_REPLY_FORWARD);
  g_autofree char *message = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(PetrelMimeBody) body = NULL;
  PetrelMimeReplyAttachment *attachment;
  static const guchar expected[] = { 0, 1, 2, 0xff, 0, 1 };

  g_assert_cmpstr (reply->subject, ==, "Fwd: Photos");
  g_assert_cmpuint (reply->to->len, ==, 0);
  g_assert_null (reply->in_reply_to);
  g_assert_true (g_str_has_prefix (reply->quoted, "---------- Forwarded message ----------\n"
                                                  "From: Ann Lee <ann@example.com>\n"));
  g_assert_nonnull (strstr (reply->quoted, "\nHere they are.\n"));
  g_assert_cmpuint (reply->attachments->len, ==, 1);
  attachment = g_ptr_array_index (reply->attachments, 0);
  g_assert_cmpstr (attachment->filename, ==, "déjà.bin");
  g_assert_cmpmem (g_bytes_get_data (attachment->data, NULL), g_bytes_get_size (attachment->data),
                   expected, sizeof expected);

  /* The attachment survives the round trip through the builder byte for byte. */
  message = build (reply, "See below.");
  bytes = g_bytes_new (message, strlen (message));
  body = petrel_mime_body_new_from_bytes (bytes);
  g_assert_cmpuint (body->attachments->len, ==, 1);
  {
    PetrelMimeAttachment *part = g_ptr_array_index (body->attachments, 0);
    g_autoptr(GBytes) content = petrel_mime_get_part_content (bytes, part->part_path, NULL);

    g_assert_cmpstr (part->filename, ==, "déjà.bin");
    g_assert_cmpmem (g_bytes_get_data (content, NULL), g_bytes_get_size (content),
                     expected, sizeof expected);
  }
  g_assert_true (g_str_has_prefix (body->text, "See below.\n\n---------- Forwarded message"));
}

static void
test_forward_attachment (void)
{
  g_autoptr(PetrelMimeReply) reply = make_reply (with_attachment,
                                                 PETREL_MIME_REPLY_FORWARD_ATTACHMENT);
  g_autofree char *message = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(PetrelMimeBody) body = NULL;
  PetrelMimeAttachment *part;
  g_autoptr(GBytes) inner = NULL;
  g_autoptr(PetrelMimeSummary) summary = NULL;

  g_assert_cmpstr (reply->subject, ==, "Fwd: Photos");
  g_assert_cmpstr (reply->quoted, ==, "");
  g_assert_cmpuint (reply->attachments->len, ==, 1);
  g_assert_cmpstr (((PetrelMimeReplyAttachment *) g_ptr_array_index (reply->attachments, 0))
                     ->filename, ==, "Fwd_ Photos.eml");

  message = build (reply, "FYI");
  /* message/rfc822 is never base64 (RFC 2046 5.2.1). */
  g_assert_nonnull (strstr (message, "Content-Type: message/rfc822"));
  g_assert_null (strstr (message, "Content-Transfer-Encoding: base64\r\n\r\nRnJvbT"));
  bytes = g_bytes_new (message, strlen (message));
  body = petrel_mime_body_new_from_bytes (bytes);
  g_assert_cmpuint (body->attachments->len, >=, 1);
  part = g_ptr_array_index (body->attachments, 0);
  g_assert_cmpstr (part->content_type, ==, "message/rfc822");
  inner = petrel_mime_get_part_content (bytes, part->part_path, NULL);
  g_assert_nonnull (inner);
  summary = petrel_mime_summary_new_from_bytes (inner, 0);
  g_assert_cmpstr (summary->message_id, ==, "photos@example.com");
  g_assert_cmpstr (summary->subject, ==, "Fwd: Photos");
}

static void
test_inline_image (void)
{
  g_autoptr(PetrelMimeBuilder) builder = petrel_mime_builder_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) png = g_bytes_new_static ("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *cid = NULL;
  g_autofree char *html = NULL;
  g_autofree char *text = NULL;
  g_autofree char *content_id = NULL;
  const char *related, *alternative, *image;

  petrel_mime_builder_set_from (builder, NULL, "me@example.org", &error);
  g_assert_no_error (error);
  petrel_mime_builder_add_inline_image (builder, png, "image/png", "logo.png", &cid);
  g_assert_nonnull (cid);
  g_assert_null (strchr (cid, '<'));
  html = g_strdup_printf ("<p>Logo: <img src=\"cid:%s\"></p>", cid);
  petrel_mime_builder_set_html (builder, html);
  petrel_mime_builder_set_text (builder, "Logo attached");
  bytes = petrel_mime_builder_build_bytes (builder, &error);
  g_assert_no_error (error);
  text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

  alternative = strstr (text, "multipart/alternative");
  related = strstr (text, "multipart/related");
  content_id = g_strdup_printf ("Content-Id: <%s>", cid);
  image = strstr (text, content_id);
  if (image == NULL)
    {
      g_free (content_id);
      content_id = g_strdup_printf ("Content-ID: <%s>", cid);
      image = strstr (text, content_id);
    }
  g_assert_nonnull (alternative);
  g_assert_nonnull (related);
  g_assert_nonnull (image);
  /* multipart/alternative { text/plain, multipart/related { text/html, image } } */
  g_assert_true (alternative < related);
  g_assert_true (related < image);
  g_assert_nonnull (strstr (text, "Content-Disposition: inline"));
  g_assert_null (strstr (text, "multipart/mixed"));
}

static void
test_attribution (void)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autofree char *no_date = petrel_mime_reply_attribution ("Ann", "a@x.org", 0, utc);
  g_autofree char *no_name = petrel_mime_reply_attribution (NULL, "a@x.org", 0, utc);
  g_autofree char *nasty = petrel_mime_reply_attribution ("Ann\r\nBcc: x", NULL, 0, utc);

  g_assert_cmpstr (no_date, ==, "Ann wrote:");
  g_assert_cmpstr (no_name, ==, "a@x.org wrote:");
  g_assert_null (strchr (nasty, '\n'));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  petrel_engine_init ();

  g_test_add_func ("/petrel/mime/reply/sender", test_reply_sender);
  g_test_add_func ("/petrel/mime/reply/all", test_reply_all);
  g_test_add_func ("/petrel/mime/reply/followup-to", test_reply_followup_to);
  g_test_add_func ("/petrel/mime/reply/own-message", test_reply_own_message);
  g_test_add_func ("/petrel/mime/reply/hostile", test_reply_hostile);
  g_test_add_func ("/petrel/mime/reply/not-a-message", test_reply_not_a_message);
  g_test_add_func ("/petrel/mime/reply/attribution", test_attribution);
  g_test_add_func ("/petrel/mime/forward/inline", test_forward_inline);
  g_test_add_func ("/petrel/mime/forward/attachment", test_forward_attachment);
  g_test_add_func ("/petrel/mime/builder/inline-image", test_inline_image);

  return g_test_run ();
}
