/* fuzz-imap-bodystructure.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * libFuzzer target: BODYSTRUCTURE round trip. The input is the value of a BODYSTRUCTURE item in
 * `* 1 FETCH (UID 1 BODYSTRUCTURE <input>)`. When the parser accepts it, the decoded tree is
 * written back as BODYSTRUCTURE text (every string as a literal, every extension field given),
 * parsed again, and both trees must be equal field by field, section numbers and parent links
 * included: the decoder neither invents nor loses anything it reports, whatever the nesting.
 */

#include "config.h"

#include "fuzz-common.h"
#include "imap/petrel-imap.h"

#define MAX_DEPTH 64

static void
put_string (GString    *out,
            const char *s)
{
  if (s == NULL)
    g_string_append (out, "NIL");
  else
    g_string_append_printf (out, "{%" G_GSIZE_FORMAT "}\r\n%s", strlen (s), s);
}

static void
put_params (GString               *out,
            const PetrelImapParam *params,
            guint                  n)
{
  if (n == 0)
    {
      g_string_append (out, "NIL");
      return;
    }
  g_string_append_c (out, '(');
  for (guint i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append_c (out, ' ');
      put_string (out, params[i].name);
      g_string_append_c (out, ' ');
      put_string (out, params[i].value);
    }
  g_string_append_c (out, ')');
}

static void
put_addresses (GString                 *out,
               const PetrelImapAddress *a,
               guint                    n)
{
  if (n == 0)
    {
      g_string_append (out, "NIL");
      return;
    }
  g_string_append_c (out, '(');
  for (guint i = 0; i < n; i++)
    {
      g_string_append_c (out, '(');
      put_string (out, a[i].name);
      g_string_append_c (out, ' ');
      put_string (out, a[i].adl);
      g_string_append_c (out, ' ');
      put_string (out, a[i].mailbox);
      g_string_append_c (out, ' ');
      put_string (out, a[i].host);
      g_string_append_c (out, ')');
    }
  g_string_append_c (out, ')');
}

static void
put_envelope (GString                  *out,
              const PetrelImapEnvelope *e)
{
  static const PetrelImapEnvelope empty = { 0, };

  /* The decoder keeps a message/rfc822 part whose envelope is malformed, without it; the
   * nearest thing BODYSTRUCTURE can say is an envelope of NILs. */
  if (e == NULL)
    e = &empty;
  g_string_append_c (out, '(');
  put_string (out, e->date);
  g_string_append_c (out, ' ');
  put_string (out, e->subject);
  g_string_append_c (out, ' ');
  put_addresses (out, e->from, e->n_from);
  g_string_append_c (out, ' ');
  put_addresses (out, e->sender, e->n_sender);
  g_string_append_c (out, ' ');
  put_addresses (out, e->reply_to, e->n_reply_to);
  g_string_append_c (out, ' ');
  put_addresses (out, e->to, e->n_to);
  g_string_append_c (out, ' ');
  put_addresses (out, e->cc, e->n_cc);
  g_string_append_c (out, ' ');
  put_addresses (out, e->bcc, e->n_bcc);
  g_string_append_c (out, ' ');
  put_string (out, e->in_reply_to);
  g_string_append_c (out, ' ');
  put_string (out, e->message_id);
  g_string_append_c (out, ')');
}

static void
put_extension (GString                  *out,
               const PetrelImapBodyPart *p)
{
  g_string_append_c (out, ' ');
  /* The decoder keeps the parameters of a disposition whose type is not a string: (NIL (…)). */
  if (p->disposition == NULL && p->n_disposition_params == 0)
    g_string_append (out, "NIL");
  else
    {
      g_string_append_c (out, '(');
      put_string (out, p->disposition);
      g_string_append_c (out, ' ');
      put_params (out, p->disposition_params, p->n_disposition_params);
      g_string_append_c (out, ')');
    }
  g_string_append_c (out, ' ');
  if (p->n_languages == 0)
    g_string_append (out, "NIL");
  else
    {
      g_string_append_c (out, '(');
      for (guint i = 0; i < p->n_languages; i++)
        {
          if (i > 0)
            g_string_append_c (out, ' ');
          put_string (out, p->languages[i]);
        }
      g_string_append_c (out, ')');
    }
  g_string_append_c (out, ' ');
  put_string (out, p->location);
}

static void
put_part (GString                  *out,
          const PetrelImapBodyPart *p)
{
  /* A message/rfc822 part whose inner body was malformed keeps no body: an empty list, which
   * the decoder drops the same way. */
  if (p == NULL)
    {
      g_string_append (out, "()");
      return;
    }
  g_string_append_c (out, '(');
  if (p->n_children > 0)
    {
      for (guint i = 0; i < p->n_children; i++)
        put_part (out, p->children[i]);
      g_string_append_c (out, ' ');
      put_string (out, p->subtype);
      g_string_append_c (out, ' ');
      put_params (out, p->params, p->n_params);
      put_extension (out, p);
      g_string_append_c (out, ')');
      return;
    }

  put_string (out, p->type);
  g_string_append_c (out, ' ');
  put_string (out, p->subtype);
  g_string_append_c (out, ' ');
  put_params (out, p->params, p->n_params);
  g_string_append_c (out, ' ');
  put_string (out, p->id);
  g_string_append_c (out, ' ');
  put_string (out, p->description);
  g_string_append_c (out, ' ');
  put_string (out, p->encoding);
  g_string_append_printf (out, " %" G_GUINT64_FORMAT, p->size);
  if (g_strcmp0 (p->type, "text") != 0 &&
      (p->body != NULL || p->envelope != NULL || p->lines != 0))
    {
      g_string_append_c (out, ' ');
      put_envelope (out, p->envelope);
      g_string_append_c (out, ' ');
      put_part (out, p->body);
      g_string_append_printf (out, " %" G_GUINT64_FORMAT, p->lines);
    }
  else if (g_strcmp0 (p->type, "text") == 0)
    g_string_append_printf (out, " %" G_GUINT64_FORMAT, p->lines);
  g_string_append_c (out, ' ');
  put_string (out, p->md5);
  put_extension (out, p);
  g_string_append_c (out, ')');
}

static gboolean
same_addresses (const PetrelImapAddress *a, guint na,
                const PetrelImapAddress *b, guint nb)
{
  if (na != nb)
    return FALSE;
  for (guint i = 0; i < na; i++)
    if (a[i].kind != b[i].kind || g_strcmp0 (a[i].name, b[i].name) != 0 ||
        g_strcmp0 (a[i].adl, b[i].adl) != 0 || g_strcmp0 (a[i].mailbox, b[i].mailbox) != 0 ||
        g_strcmp0 (a[i].host, b[i].host) != 0)
      return FALSE;
  return TRUE;
}

static gboolean
same_envelope (const PetrelImapEnvelope *a,
               const PetrelImapEnvelope *b)
{
  static const PetrelImapEnvelope empty = { 0, };

  /* A dropped (malformed) envelope comes back as one of NILs: see put_envelope(). */
  if (a == NULL)
    a = &empty;
  if (b == NULL)
    b = &empty;
  return g_strcmp0 (a->date, b->date) == 0 && g_strcmp0 (a->subject, b->subject) == 0 &&
         same_addresses (a->from, a->n_from, b->from, b->n_from) &&
         same_addresses (a->sender, a->n_sender, b->sender, b->n_sender) &&
         same_addresses (a->reply_to, a->n_reply_to, b->reply_to, b->n_reply_to) &&
         same_addresses (a->to, a->n_to, b->to, b->n_to) &&
         same_addresses (a->cc, a->n_cc, b->cc, b->n_cc) &&
         same_addresses (a->bcc, a->n_bcc, b->bcc, b->n_bcc) &&
         g_strcmp0 (a->in_reply_to, b->in_reply_to) == 0 &&
         g_strcmp0 (a->message_id, b->message_id) == 0;
}

static gboolean
same_params (const PetrelImapParam *a, guint na,
             const PetrelImapParam *b, guint nb)
{
  if (na != nb)
    return FALSE;
  for (guint i = 0; i < na; i++)
    if (g_strcmp0 (a[i].name, b[i].name) != 0 || g_strcmp0 (a[i].value, b[i].value) != 0)
      return FALSE;
  return TRUE;
}

static void
compare_parts (const PetrelImapBodyPart *a,
               const PetrelImapBodyPart *b,
               guint                     depth)
{
  if (a == NULL || b == NULL)
    {
      fuzz_require (a == b, "both trees have the part");
      return;
    }
  fuzz_require (depth < 4096, "bounded depth");
  fuzz_require (g_strcmp0 (a->type, b->type) == 0 && g_strcmp0 (a->subtype, b->subtype) == 0,
                "round trip keeps the media type");
  fuzz_require (g_strcmp0 (a->section, b->section) == 0, "round trip keeps the section");
  fuzz_require (same_params (a->params, a->n_params, b->params, b->n_params),
                "round trip keeps the parameters");
  fuzz_require (g_strcmp0 (a->id, b->id) == 0 && g_strcmp0 (a->description, b->description) == 0
                && g_strcmp0 (a->encoding, b->encoding) == 0, "round trip keeps id/desc/enc");
  fuzz_require (a->size == b->size && a->lines == b->lines, "round trip keeps size and lines");
  fuzz_require (g_strcmp0 (a->md5, b->md5) == 0 && g_strcmp0 (a->disposition, b->disposition) == 0
                && g_strcmp0 (a->location, b->location) == 0, "round trip keeps extension data");
  fuzz_require (same_params (a->disposition_params, a->n_disposition_params,
                             b->disposition_params, b->n_disposition_params),
                "round trip keeps the disposition parameters");
  fuzz_require (a->n_languages == b->n_languages, "round trip keeps the languages");
  for (guint i = 0; i < a->n_languages; i++)
    fuzz_require (g_strcmp0 (a->languages[i], b->languages[i]) == 0, "same language");
  fuzz_require (same_envelope (a->envelope, b->envelope), "round trip keeps the envelope");
  fuzz_require (a->n_children == b->n_children, "round trip keeps the children");
  for (guint i = 0; i < a->n_children; i++)
    {
      fuzz_require (a->children[i]->parent == a && b->children[i]->parent == b, "parent links");
      compare_parts (a->children[i], b->children[i], depth + 1);
    }
  compare_parts (a->body, b->body, depth + 1);
}

/* Parses one FETCH response line; returns the response (NULL if the parser refused it). */
static PetrelImapResponse *
parse_fetch (const char *bytes,
             gsize       len)
{
  g_autoptr(PetrelImapParser) parser = petrel_imap_parser_new ();
  g_autoptr(GError) error = NULL;

  petrel_imap_parser_set_max_depth (parser, MAX_DEPTH);
  if (!petrel_imap_parser_feed (parser, (const guint8 *) bytes, len, &error))
    return NULL;
  return petrel_imap_parser_pop (parser);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GString) line = g_string_new ("* 1 FETCH (UID 1 BODYSTRUCTURE ");
  g_autoptr(GString) again = g_string_new ("* 1 FETCH (UID 1 BODYSTRUCTURE ");
  PetrelImapResponse *first, *second;
  const PetrelImapFetch *f1, *f2;

  g_string_append_len (line, (const char *) data, size);
  g_string_append (line, ")\r\n");
  first = parse_fetch (line->str, line->len);
  if (first == NULL)
    return 0;
  f1 = petrel_imap_response_get_fetch (first, NULL);
  if (f1 == NULL || !(f1->items & PETREL_IMAP_FETCH_BODYSTRUCTURE) || f1->body == NULL)
    {
      petrel_imap_response_unref (first);
      return 0;
    }

  put_part (again, f1->body);
  g_string_append (again, ")\r\n");
  second = parse_fetch (again->str, again->len);
  fuzz_require (second != NULL, "the written-back BODYSTRUCTURE parses");
  f2 = petrel_imap_response_get_fetch (second, NULL);
  fuzz_require (f2 != NULL && (f2->items & PETREL_IMAP_FETCH_BODYSTRUCTURE) && f2->body != NULL,
                "the written-back BODYSTRUCTURE decodes");
  compare_parts (f1->body, f2->body, 0);

  petrel_imap_response_unref (second);
  petrel_imap_response_unref (first);
  return 0;
}
