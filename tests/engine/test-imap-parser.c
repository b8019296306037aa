/* test-imap-parser.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The IMAP protocol layer: response parser, value tree, typed decoders, modified UTF-7, sequence
 * sets and command building. Every canned response is parsed whole, split in two at every byte
 * boundary and fed one byte at a time; the results must be identical.
 */

#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "imap/petrel-imap.h"

/* ------------------------------------------------------------------------------------------ */
/* Rendering parsed data completely (literal contents included), to compare runs               */

static void dump_value (GString *out, const PetrelImapValue *value, guint depth);

static void
dump_bytes (GString      *out,
            const guint8 *data,
            gsize         len)
{
  g_string_append_c (out, '"');
  for (gsize i = 0; i < len; i++)
    {
      if (data[i] == '"' || data[i] == '\\')
        g_string_append_printf (out, "\\%c", data[i]);
      else if (data[i] < 0x20 || data[i] >= 0x7f)
        g_string_append_printf (out, "\\x%02x", data[i]);
      else
        g_string_append_c (out, (char) data[i]);
    }
  g_string_append_c (out, '"');
}

static void
dump_value (GString               *out,
            const PetrelImapValue *value,
            guint                  depth)
{
  g_assert_cmpuint (depth, <, 200);

  switch (petrel_imap_value_get_value_type (value))
    {
    case PETREL_IMAP_VALUE_NIL:
      g_string_append (out, "NIL");
      break;
    case PETREL_IMAP_VALUE_ATOM:
      g_string_append_printf (out, "A:%s", petrel_imap_value_get_atom (value));
      break;
    case PETREL_IMAP_VALUE_NUMBER:
      {
        guint64 n = 0;

        g_assert_true (petrel_imap_value_get_number (value, &n));
        g_string_append_printf (out, "N:%" G_GUINT64_FORMAT, n);
      }
      break;
    case PETREL_IMAP_VALUE_STRING:
      {
        g_autoptr(GBytes) bytes = NULL;
        g_autoptr(GError) error = NULL;

        g_string_append (out, petrel_imap_value_is_literal8 (value) ? "L8:"
                              : petrel_imap_value_is_literal (value) ? "L:" : "Q:");
        if (petrel_imap_value_get_file_path (value) != NULL)
          g_string_append (out, "FILE:");
        bytes = petrel_imap_value_load_bytes (value, &error);
        g_assert_no_error (error);
        g_assert_cmpuint (g_bytes_get_size (bytes), ==, petrel_imap_value_get_size (value));
        if (g_bytes_get_size (bytes) <= 256)
          {
            dump_bytes (out, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
          }
        else
          {
            g_autofree char *sum = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);

            g_string_append_printf (out, "<%" G_GSIZE_FORMAT " bytes sha256:%s>",
                                    g_bytes_get_size (bytes), sum);
          }
      }
      break;
    case PETREL_IMAP_VALUE_LIST:
      g_string_append_c (out, '(');
      for (guint i = 0; i < petrel_imap_value_get_length (value); i++)
        {
          if (i > 0)
            g_string_append_c (out, ' ');
          dump_value (out, petrel_imap_value_get_child (value, i), depth + 1);
        }
      g_string_append_c (out, ')');
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
dump_addresses (GString                 *out,
                const char              *label,
                const PetrelImapAddress *addrs,
                guint                    n)
{
  g_string_append_printf (out, " %s[", label);
  for (guint i = 0; i < n; i++)
    g_string_append_printf (out, "%s%d|%s|%s|%s|%s", i > 0 ? "," : "", addrs[i].kind,
                            addrs[i].name ? addrs[i].name : "-", addrs[i].adl ? addrs[i].adl : "-",
                            addrs[i].mailbox ? addrs[i].mailbox : "-",
                            addrs[i].host ? addrs[i].host : "-");
  g_string_append_c (out, ']');
}

static void
dump_envelope (GString                  *out,
               const PetrelImapEnvelope *env)
{
  g_string_append_printf (out, " env{%s|%s", env->date ? env->date : "-",
                          env->subject ? env->subject : "-");
  dump_addresses (out, "from", env->from, env->n_from);
  dump_addresses (out, "sender", env->sender, env->n_sender);
  dump_addresses (out, "reply-to", env->reply_to, env->n_reply_to);
  dump_addresses (out, "to", env->to, env->n_to);
  dump_addresses (out, "cc", env->cc, env->n_cc);
  dump_addresses (out, "bcc", env->bcc, env->n_bcc);
  g_string_append_printf (out, " %s|%s}", env->in_reply_to ? env->in_reply_to : "-",
                          env->message_id ? env->message_id : "-");
}

static void
dump_body (GString                  *out,
           const PetrelImapBodyPart *part)
{
  g_string_append_printf (out, " body{%s %s/%s size=%" G_GUINT64_FORMAT " lines=%" G_GUINT64_FORMAT,
                          part->section, part->type, part->subtype, part->size, part->lines);
  for (guint i = 0; i < part->n_params; i++)
    g_string_append_printf (out, " %s=%s", part->params[i].name, part->params[i].value);
  if (part->encoding)
    g_string_append_printf (out, " enc=%s", part->encoding);
  if (part->id)
    g_string_append_printf (out, " id=%s", part->id);
  if (part->disposition)
    g_string_append_printf (out, " disp=%s", part->disposition);
  for (guint i = 0; i < part->n_disposition_params; i++)
    g_string_append_printf (out, " d:%s=%s", part->disposition_params[i].name,
                            part->disposition_params[i].value);
  for (guint i = 0; i < part->n_languages; i++)
    g_string_append_printf (out, " lang=%s", part->languages[i]);
  if (part->envelope)
    dump_envelope (out, part->envelope);
  if (part->body)
    dump_body (out, part->body);
  for (guint i = 0; i < part->n_children; i++)
    dump_body (out, part->children[i]);
  g_string_append_c (out, '}');
}

static void
dump_response (GString            *out,
               PetrelImapResponse *response)
{
  g_autofree char *str = petrel_imap_response_to_string (response);

  g_string_append_printf (out, "[%d/%d] %s\n  tag=%s name=%s num=%u code=%d/%s/%s text=%s\n",
                          petrel_imap_response_get_kind (response),
                          petrel_imap_response_get_response_type (response), str,
                          petrel_imap_response_get_tag (response) ?: "-",
                          petrel_imap_response_get_name (response) ?: "-",
                          petrel_imap_response_get_number (response),
                          petrel_imap_response_get_code (response),
                          petrel_imap_response_get_code_name (response) ?: "-",
                          petrel_imap_response_get_code_text (response),
                          petrel_imap_response_get_text (response));
  if (petrel_imap_response_get_data (response) != NULL)
    {
      g_string_append (out, "  data=");
      dump_value (out, petrel_imap_response_get_data (response), 0);
      g_string_append_c (out, '\n');
    }
  if (petrel_imap_response_get_code_args (response) != NULL)
    {
      g_string_append (out, "  code-args=");
      dump_value (out, petrel_imap_response_get_code_args (response), 0);
      g_string_append_c (out, '\n');
    }

  if (petrel_imap_response_get_response_type (response) == PETREL_IMAP_RESPONSE_TYPE_FETCH)
    {
      g_autoptr(GError) error = NULL;
      const PetrelImapFetch *fetch = petrel_imap_response_get_fetch (response, &error);

      if (fetch == NULL)
        {
          g_string_append_printf (out, "  fetch-error=%d\n", error->code);
          return;
        }
      g_string_append_printf (out, "  fetch seq=%u items=%x uid=%u size=%" G_GUINT64_FORMAT
                              " date=%" G_GINT64_FORMAT "/%d modseq=%" G_GUINT64_FORMAT
                              " emailid=%s threadid=%s flags=",
                              fetch->seq, fetch->items, fetch->uid, fetch->rfc822_size,
                              fetch->internaldate, fetch->internaldate_offset, fetch->modseq,
                              fetch->emailid ?: "-", fetch->threadid ?: "-");
      for (guint i = 0; i < fetch->n_flags; i++)
        g_string_append_printf (out, "%s%s", i ? "," : "", fetch->flags[i]);
      if (fetch->envelope)
        dump_envelope (out, fetch->envelope);
      if (fetch->body)
        dump_body (out, fetch->body);
      for (guint i = 0; i < fetch->n_sections; i++)
        {
          const PetrelImapFetchSection *s = &fetch->sections[i];

          g_string_append_printf (out, " sec{%d [%s] origin=%d/%" G_GUINT64_FORMAT " size=%"
                                  G_GUINT64_FORMAT "}", s->kind, s->section, s->has_origin,
                                  s->origin, s->size);
        }
      g_string_append_c (out, '\n');
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Feeding in pieces                                                                           */

typedef struct
{
  gsize literal_threshold;   /* 0: default */
  const char *spool_dir;     /* NULL: default */
  gsize max_line_length;     /* 0: default */
} ParserConfig;

static PetrelImapParser *
make_parser (const ParserConfig *config)
{
  PetrelImapParser *parser = petrel_imap_parser_new ();

  if (config != NULL && config->literal_threshold > 0)
    petrel_imap_parser_set_literal_threshold (parser, config->literal_threshold);
  if (config != NULL && config->spool_dir != NULL)
    petrel_imap_parser_set_spool_dir (parser, config->spool_dir);
  if (config != NULL && config->max_line_length > 0)
    petrel_imap_parser_set_max_line_length (parser, config->max_line_length);
  return parser;
}

/* Feeds @data cut at @cuts (ascending offsets, the last one == len); returns a rendering of every
 * response, then "ERROR code" or "MID" as the run ended. Responses are added to @responses. */
static char *
run_parser (const guint8       *data,
            gsize               len,
            const gsize        *cuts,
            guint               n_cuts,
            const ParserConfig *config,
            GPtrArray          *responses,
            GError            **error_out)
{
  g_autoptr(PetrelImapParser) parser = make_parser (config);
  GString *out = g_string_new (NULL);
  gsize prev = 0;

  for (guint i = 0; i < n_cuts; i++)
    {
      g_autoptr(GError) error = NULL;
      PetrelImapResponse *response;
      gboolean ok;

      g_assert_cmpuint (cuts[i], >=, prev);
      g_assert_cmpuint (cuts[i], <=, len);
      ok = petrel_imap_parser_feed (parser, data + prev, cuts[i] - prev, &error);
      prev = cuts[i];

      while ((response = petrel_imap_parser_pop (parser)) != NULL)
        {
          dump_response (out, response);
          if (responses != NULL)
            g_ptr_array_add (responses, response);
          else
            petrel_imap_response_unref (response);
        }
      if (!ok)
        {
          g_assert_nonnull (error);
          g_assert_true (error->domain == PETREL_IMAP_ERROR);
          g_assert_true (petrel_imap_parser_has_failed (parser));
          g_string_append_printf (out, "ERROR %d\n", error->code);
          if (error_out != NULL)
            *error_out = g_steal_pointer (&error);
          return g_string_free (out, FALSE);
        }
      g_assert_no_error (error);
    }

  if (petrel_imap_parser_is_mid_response (parser))
    g_string_append (out, "MID\n");
  return g_string_free (out, FALSE);
}

/* Parses @wire whole, then split in two at every offset (sampled for long inputs), then one byte
 * at a time, asserting identical results. Returns the responses of the whole run. */
static GPtrArray *
parse_checked_full (const char         *wire,
                    gssize              length,
                    const ParserConfig *config,
                    char              **dump_out,
                    GError            **error_out)
{
  const guint8 *data = (const guint8 *) wire;
  gsize len = length < 0 ? strlen (wire) : (gsize) length;
  GPtrArray *responses = g_ptr_array_new_with_free_func ((GDestroyNotify) petrel_imap_response_unref);
  g_autofree char *reference = NULL;
  g_autoptr(GArray) splits = g_array_new (FALSE, FALSE, sizeof (gsize));

  reference = run_parser (data, len, &len, 1, config, responses, error_out);

  /* Every offset of short inputs; for long ones (big literals) a sample, plus every offset near
   * the start, the end and each literal marker's end. */
  for (gsize i = 1; i < len; i++)
    {
      gboolean near_marker = FALSE;

      for (gsize j = (i > 3 ? i - 3 : 0); j + 2 < len && j <= i + 3; j++)
        if (data[j] == '}' && data[j + 1] == '\r' && data[j + 2] == '\n')
          near_marker = TRUE;
      if (len <= 16384 || i % (len / 400) == 0 || i < 100 || i + 100 > len || near_marker)
        g_array_append_val (splits, i);
    }

  for (guint k = 0; k < splits->len; k++)
    {
      gsize i = g_array_index (splits, gsize, k);
      gsize cuts[2] = { i, len };
      g_autofree char *split = run_parser (data, len, cuts, 2, config, NULL, NULL);

      if (g_strcmp0 (split, reference) != 0)
        {
          g_test_message ("split at %" G_GSIZE_FORMAT " differs:\n%s\nvs whole:\n%s", i, split,
                          reference);
          g_assert_cmpstr (split, ==, reference);
        }
    }

  if (len <= 1024 * 1024)
    {
      g_autofree gsize *cuts = g_new (gsize, len);
      g_autofree char *bytewise = NULL;

      for (gsize i = 0; i < len; i++)
        cuts[i] = i + 1;
      bytewise = run_parser (data, len, cuts, (guint) len, config, NULL, NULL);
      g_assert_cmpstr (bytewise, ==, reference);
    }

  if (dump_out != NULL)
    *dump_out = g_steal_pointer (&reference);
  return responses;
}

static GPtrArray *
parse_checked (const char *wire)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *responses = parse_checked_full (wire, -1, NULL, NULL, &error);

  g_assert_no_error (error);
  return responses;
}

/* Parses one response and returns it. */
static PetrelImapResponse *
parse_one (const char *wire)
{
  g_autoptr(GPtrArray) responses = parse_checked (wire);

  g_assert_cmpuint (responses->len, ==, 1);
  return petrel_imap_response_ref (g_ptr_array_index (responses, 0));
}

/* Expects @wire to fail with @code (in every split). */
static void
expect_parse_error (const char *wire,
                    gssize      length,
                    int         code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) responses = parse_checked_full (wire, length, NULL, NULL, &error);

  g_assert_nonnull (responses);
  g_assert_error (error, PETREL_IMAP_ERROR, code);
  g_assert_cmpstr (error->message, !=, "");
}

/* ------------------------------------------------------------------------------------------ */
/* Status responses and codes                                                                  */

static void
test_greeting (void)
{
  g_autoptr(PetrelImapResponse) r = NULL;
  g_auto(GStrv) caps = NULL;

  r = parse_one ("* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ "
                 "AUTH=PLAIN auth=login] Dovecot (Debian) ready.\r\n");
  g_assert_cmpint (petrel_imap_response_get_kind (r), ==, PETREL_IMAP_RESPONSE_UNTAGGED);
  g_assert_cmpint (petrel_imap_response_get_response_type (r), ==, PETREL_IMAP_RESPONSE_TYPE_OK);
  g_assert_true (petrel_imap_response_is_status (r));
  g_assert_null (petrel_imap_response_get_tag (r));
  g_assert_cmpint (petrel_imap_response_get_code (r), ==, PETREL_IMAP_CODE_CAPABILITY);
  g_assert_cmpstr (petrel_imap_response_get_code_name (r), ==, "CAPABILITY");
  g_assert_cmpstr (petrel_imap_response_get_text (r), ==, "Dovecot (Debian) ready.");
  g_assert_null (petrel_imap_response_get_data (r));

  caps = petrel_imap_response_dup_capabilities (r, NULL);
  g_assert_nonnull (caps);
  g_assert_cmpuint (g_strv_length (caps), ==, 9);
  g_assert_cmpstr (caps[0], ==, "IMAP4REV1");
  g_assert_true (g_strv_contains ((const char * const *) caps, "LITERAL+"));
  g_assert_true (g_strv_contains ((const char * const *) caps, "AUTH=LOGIN"));
}

static void
test_tagged (void)
{
  g_autoptr(GPtrArray) rs = NULL;
  PetrelImapResponse *r;
  g_autoptr(GError) error = NULL;

  rs = parse_checked ("A1 OK [READ-WRITE] SELECT completed\r\n"
                      "A2 NO [TRYCREATE] No such mailbox\r\n"
                      "a3 bad Command unknown\r\n"
                      "* PREAUTH IMAP4rev1 server logged in as Smith\r\n"
                      "* BYE Autologout; idle for too long\r\n"
                      "A4 OK\r\n"
                      "A5 OK [ALERT] System shutdown in 10 minutes\r\n");
  g_assert_cmpuint (rs->len, ==, 7);

  r = g_ptr_array_index (rs, 0);
  g_assert_cmpint (petrel_imap_response_get_kind (r), ==, PETREL_IMAP_RESPONSE_TAGGED);
  g_assert_cmpstr (petrel_imap_response_get_tag (r), ==, "A1");
  g_assert_cmpint (petrel_imap_response_get_code (r), ==, PETREL_IMAP_CODE_READ_WRITE);
  g_assert_cmpstr (petrel_imap_response_get_text (r), ==, "SELECT completed");
  g_assert_null (petrel_imap_response_to_error (r));

  r = g_ptr_array_index (rs, 1);
  g_assert_cmpint (petrel_imap_response_get_response_type (r), ==, PETREL_IMAP_RESPONSE_TYPE_NO);
  g_assert_cmpint (petrel_imap_response_get_code (r), ==, PETREL_IMAP_CODE_TRYCREATE);
  error = petrel_imap_response_to_error (r);
  g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_NONEXISTENT);
  g_assert_nonnull (strstr (error->message, "No such mailbox"));
  g_clear_error (&error);

  r = g_ptr_array_index (rs, 2);
  g_assert_cmpint (petrel_imap_response_get_response_type (r), ==, PETREL_IMAP_RESPONSE_TYPE_BAD);
  g_assert_cmpstr (petrel_imap_response_get_name (r), ==, "BAD");
  g_assert_cmpstr (petrel_imap_response_get_tag (r), ==, "a3");
  error = petrel_imap_response_to_error (r);
  g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_BAD);
  g_clear_error (&error);

  r = g_ptr_array_index (rs, 3);
  g_assert_cmpint (petrel_imap_response_get_response_type (r), ==,
                   PETREL_IMAP_RESPONSE_TYPE_PREAUTH);
  g_assert_cmpint (petrel_imap_response_get_code (r), ==, PETREL_IMAP_CODE_NONE);

  r = g_ptr_array_index (rs, 4);
  g_assert_cmpint (petrel_imap_response_get_response_type (r), ==, PETREL_IMAP_RESPONSE_TYPE_BYE);
  g_assert_cmpstr (petrel_imap_response_get_text (r), ==, "Autologout; idle for too long");
  error = petrel_imap_response_to_error (r);
  g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_BYE);
  g_clear_error (&error);

  r = g_ptr_array_index (rs, 5);
  g_assert_cmpstr (petrel_imap_response_get_text (r), ==, "");

  r = g_ptr_array_index (rs, 6);
  g_assert_cmpint (petrel_imap_response_get_code (r), ==, PETREL_IMAP_CODE_ALERT);
  g_assert_cmpstr (petrel_imap_response_get_code_text (r), ==, "");
  g_assert_cmpstr (petrel_imap_response_get_text (r), ==, "System shutdown in 10 minutes");
}

static void
test_continuation (void)
{
  g_autoptr(GPtrArray) rs = parse_checked ("+ Ready for literal data\r\n"
                                           "+\r\n"
                                           "+ \r\n"
                                           "+ PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2U+\r\n"
                                           "+ idling {5}\r\n");
  PetrelImapResponse *r;

  g_assert_cmpuint (rs->len, ==, 5);
  r = g_ptr_array_index (rs, 0);
  g_assert_cmpint (petrel_imap_response_get_kind (r), ==, PETREL_IMAP_RESPONSE_CONTINUATION);
  g_assert_cmpint (petrel_imap_response_get_response_type (r), ==,
                   PETREL_IMAP_RESPONSE_TYPE_CONTINUATION);
  g_assert_cmpstr (petrel_imap_response_get_text (r), ==, "Ready for literal data");
  g_assert_null (petrel_imap_response_get_name (r));
  g_assert_cmpstr (petrel_imap_response_get_continuation_data (g_ptr_array_index (rs, 1)), ==, "");
  g_assert_cmpstr (petrel_imap_response_get_continuation_data (g_ptr_array_index (rs, 2)), ==, "");
  g_assert_cmpstr (petrel_imap_response_get_continuation_data (g_ptr_array_index (rs, 3)), ==,
                   "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2U+");
  /* Free text ending in what looks like a literal marker is text. */
  g_assert_cmpstr (petrel_imap_response_get_text (g_ptr_array_index (rs, 4)), ==, "idling {5}");
}

static void
test_codes (void)
{
  g_autoptr(GPtrArray) rs = NULL;
  PetrelImapResponse *r;
  g_auto(GStrv) strv = NULL;
  g_autoptr(PetrelImapSeqSet) src = NULL;
  g_autoptr(PetrelImapSeqSet) dst = NULL;
  g_autoptr(PetrelImapSeqSet) set = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  guint32 validity = 0;
  guint64 n = 0;

  rs = parse_checked ("* OK [PERMANENTFLAGS (\\Deleted \\Seen $Forwarded \\*)] Limited\r\n"
                      "* OK [UIDNEXT 4392] Predicted next UID\r\n"
                      "* OK [UIDVALIDITY 3857529045] UIDs valid\r\n"
                      "* OK [UNSEEN 12] Message 12 is first unseen\r\n"
                      "* OK [HIGHESTMODSEQ 715194045007] Highest\r\n"
                      "* OK [NOMODSEQ] Sorry, this mailbox format doesn't support modsequences\r\n"
                      "A3 OK [MODIFIED 7,9] Conditional STORE failed\r\n"
                      "A4 OK [APPENDUID 38505 3955] APPEND completed\r\n"
                      "A5 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n"
                      "* OK [CLOSED] Previous mailbox closed\r\n"
                      "A6 NO [NONEXISTENT] Unknown mailbox\r\n"
                      "A7 NO [ALREADYEXISTS] Mailbox already exists\r\n"
                      "A8 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"
                      "A9 NO [BADCHARSET (UTF-8 \"ISO-8859-1\")] Unsupported charset\r\n"
                      "* NO [PARSE] Invalid header\r\n"
                      "* OK [READ-ONLY] Read-only mailbox\r\n"
                      "* OK [X-SOMETHING some free text] Vendor code\r\n"
                      "* OK [XYZ unbalanced ( paren \"x] Odd code\r\n"
                      "* OK [unterminated code text\r\n"
                      "A10 NO [OVERQUOTA] Quota exceeded\r\n");
  g_assert_cmpuint (rs->len, ==, 20);

  r = g_ptr_array_index (rs, 0);
  g_assert_cmpint (petrel_imap_response_get_code (r), ==, PETREL_IMAP_CODE_PERMANENTFLAGS);
  strv = petrel_imap_response_dup_code_strv (r);
  g_assert_cmpuint (g_strv_length (strv), ==, 4);
  g_assert_cmpstr (strv[0], ==, "\\Deleted");
  g_assert_cmpstr (strv[3], ==, "\\*");
  g_clear_pointer (&strv, g_strfreev);

  g_assert_true (petrel_imap_response_get_code_number (g_ptr_array_index (rs, 1), &n));
  g_assert_cmpuint (n, ==, 4392);
  g_assert_true (petrel_imap_response_get_code_number (g_ptr_array_index (rs, 2), &n));
  g_assert_cmpuint (n, ==, 3857529045u);
  g_assert_true (petrel_imap_response_get_code_number (g_ptr_array_index (rs, 3), &n));
  g_assert_cmpuint (n, ==, 12);
  g_assert_true (petrel_imap_response_get_code_number (g_ptr_array_index (rs, 4), &n));
  g_assert_cmpuint (n, ==, G_GUINT64_CONSTANT (715194045007));
  g_assert_cmpint (petrel_imap_response_get_code (g_ptr_array_index (rs, 5)), ==,
                   PETREL_IMAP_CODE_NOMODSEQ);
  g_assert_false (petrel_imap_response_get_code_number (g_ptr_array_index (rs, 5), &n));

  set = petrel_imap_response_get_modified (g_ptr_array_index (rs, 6), &error);
  g_assert_no_error (error);
  text = petrel_imap_seqset_to_string (set);
  g_assert_cmpstr (text, ==, "7,9");
  g_clear_pointer (&text, g_free);
  g_clear_pointer (&set, petrel_imap_seqset_free);

  g_assert_true (petrel_imap_response_get_appenduid (g_ptr_array_index (rs, 7), &validity, &set,
                                                     &error));
  g_assert_no_error (error);
  g_assert_cmpuint (validity, ==, 38505);
  g_assert_true (petrel_imap_seqset_contains (set, 3955));
  g_assert_cmpuint (petrel_imap_seqset_count (set), ==, 1);

  g_assert_true (petrel_imap_response_get_copyuid (g_ptr_array_index (rs, 8), &validity, &src,
                                                   &dst, &error));
  g_assert_no_error (error);
  text = petrel_imap_seqset_to_string (src);
  g_assert_cmpstr (text, ==, "304,319:320");
  g_clear_pointer (&text, g_free);
  text = petrel_imap_seqset_to_string (dst);
  g_assert_cmpstr (text, ==, "3956:3958");
  g_clear_pointer (&text, g_free);

  /* A typed accessor on the wrong code fails cleanly. */
  g_assert_false (petrel_imap_response_get_copyuid (g_ptr_array_index (rs, 7), NULL, NULL, NULL,
                                                    &error));
  g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_PARSE);
  g_clear_error (&error);

  g_assert_cmpint (petrel_imap_response_get_code (g_ptr_array_index (rs, 9)), ==,
                   PETREL_IMAP_CODE_CLOSED);

  error = petrel_imap_response_to_error (g_ptr_array_index (rs, 10));
  g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_NONEXISTENT);
  g_clear_error (&error);
  error = petrel_imap_response_to_error (g_ptr_array_index (rs, 11));
  g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_ALREADY_EXISTS);
  g_clear_error (&error);
  error = petrel_imap_response_to_error (g_ptr_array_index (rs, 12));
  g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_AUTH);
  g_assert_nonnull (strstr (error->message, "Authentication failed."));
  g_clear_error (&error);

  r = g_ptr_array_index (rs, 13);
  g_assert_cmpint (petrel_imap_response_get_code (r), ==, PETREL_IMAP_CODE_BADCHARSET);
  strv = petrel_imap_response_dup_code_strv (r);
  g_assert_cmpuint (g_strv_length (strv), ==, 2);
  g_assert_cmpstr (strv[1], ==, "ISO-8859-1");
  g_clear_pointer (&strv, g_strfreev);

  g_assert_cmpint (petrel_imap_response_get_code (g_ptr_array_index (rs, 14)), ==,
                   PETREL_IMAP_CODE_PARSE);
  g_assert_cmpint (petrel_imap_response_get_code (g_ptr_array_index (rs, 15)), ==,
                   PETREL_IMAP_CODE_READ_ONLY);

  r = g_ptr_array_index (rs, 16);
  g_assert_cmpint (petrel_imap_response_get_code (r), ==, PETREL_IMAP_CODE_UNKNOWN);
  g_assert_cmpstr (petrel_imap_response_get_code_name (r), ==, "X-SOMETHING");
  g_assert_cmpstr (petrel_imap_response_get_code_text (r), ==, "some free text");
  g_assert_cmpstr (petrel_imap_response_get_text (r), ==, "Vendor code");

  /* Arguments that do not tokenise are kept as text up to the first ']'. */
  r = g_ptr_array_index (rs, 17);
  g_assert_cmpint (petrel_imap_response_get_code (r), ==, PETREL_IMAP_CODE_UNKNOWN);
  g_assert_null (petrel_imap_response_get_code_args (r));
  g_assert_cmpstr (petrel_imap_response_get_code_text (r), ==, "unbalanced ( paren \"x");
  g_assert_cmpstr (petrel_imap_response_get_text (r), ==, "Odd code");

  r = g_ptr_array_index (rs, 18);
  g_assert_cmpint (petrel_imap_response_get_code (r), ==, PETREL_IMAP_CODE_NONE);
  g_assert_cmpstr (petrel_imap_response_get_text (r), ==, "[unterminated code text");

  error = petrel_imap_response_to_error (g_ptr_array_index (rs, 19));
  g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_OVER_QUOTA);
}

static void
test_text_sanitised (void)
{
  g_autoptr(PetrelImapResponse) r = NULL;
  g_autoptr(GString) wire = g_string_new ("A1 NO ");
  g_autoptr(GError) error = NULL;
  g_autofree char *s = NULL;
  const char *text;

  /* Control characters (escape sequences, bell, tab, bare CR) and invalid UTF-8 are dropped or
   * replaced; the text is bounded. */
  g_string_append (wire, "bad \x1b[31mred\x07\tand\rcr \xff\xfe done ");
  for (guint i = 0; i < 5000; i++)
    g_string_append_c (wire, 'x');
  g_string_append (wire, "\r\n");
  r = parse_one (wire->str);
  text = petrel_imap_response_get_text (r);
  g_assert_true (g_utf8_validate (text, -1, NULL));
  g_assert_cmpuint (strlen (text), <=, PETREL_IMAP_MAX_TEXT_LENGTH);
  g_assert_true (g_str_has_prefix (text, "bad [31mred and"));
  for (const char *p = text; *p; p++)
    g_assert_cmpint ((guchar) *p, >=, 0x20);
  error = petrel_imap_response_to_error (r);
  g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_NO);
  for (const char *p = error->message; *p; p++)
    g_assert_cmpint ((guchar) *p, >=, 0x20);

  s = petrel_imap_sanitize_text ("a\x01" "b\xc2\x85" "c\xe2\x80\xae" "d", -1, 100);
  g_assert_cmpstr (s, ==, "abcd");
  g_clear_pointer (&s, g_free);
  s = petrel_imap_sanitize_text ("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe6\x97\xa5", -1, 8);
  g_assert_cmpstr (s, ==, "\xe6\x97\xa5\xe2\x80\xa6");
}

/* ------------------------------------------------------------------------------------------ */
/* Untagged data                                                                               */

static void
test_untagged_simple (void)
{
  g_autoptr(GPtrArray) rs = NULL;
  g_auto(GStrv) strv = NULL;
  g_autoptr(PetrelImapSeqSet) uids = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  gboolean earlier = TRUE;

  rs = parse_checked ("* CAPABILITY IMAP4rev1 IMAP4rev2 STARTTLS AUTH=GSSAPI LOGINDISABLED\r\n"
                      "* 172 EXISTS\r\n"
                      "* 0 EXISTS\r\n"
                      "* 1 RECENT\r\n"
                      "* 44 EXPUNGE\r\n"
                      "* VANISHED 405,407,410:425\r\n"
                      "* VANISHED (EARLIER) 41,43:116,118,120:211,214:540\r\n"
                      "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Junk)\r\n"
                      "* ENABLED CONDSTORE qresync\r\n"
                      "* 3 XSOMETHING (1 2)\r\n"
                      "* X-UNKNOWN \"a\" b\r\n");
  g_assert_cmpuint (rs->len, ==, 11);

  strv = petrel_imap_response_dup_capabilities (g_ptr_array_index (rs, 0), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (strv), ==, 5);
  g_assert_cmpstr (strv[1], ==, "IMAP4REV2");
  g_clear_pointer (&strv, g_strfreev);

  g_assert_cmpint (petrel_imap_response_get_response_type (g_ptr_array_index (rs, 1)), ==,
                   PETREL_IMAP_RESPONSE_TYPE_EXISTS);
  g_assert_cmpuint (petrel_imap_response_get_number (g_ptr_array_index (rs, 1)), ==, 172);
  g_assert_cmpint (petrel_imap_response_get_response_type (g_ptr_array_index (rs, 2)), ==,
                   PETREL_IMAP_RESPONSE_TYPE_EXISTS);
  g_assert_cmpuint (petrel_imap_response_get_number (g_ptr_array_index (rs, 2)), ==, 0);
  g_assert_cmpint (petrel_imap_response_get_response_type (g_ptr_array_index (rs, 3)), ==,
                   PETREL_IMAP_RESPONSE_TYPE_RECENT);
  g_assert_cmpint (petrel_imap_response_get_response_type (g_ptr_array_index (rs, 4)), ==,
                   PETREL_IMAP_RESPONSE_TYPE_EXPUNGE);
  g_assert_cmpuint (petrel_imap_response_get_number (g_ptr_array_index (rs, 4)), ==, 44);

  g_assert_true (petrel_imap_response_get_vanished (g_ptr_array_index (rs, 5), &earlier, &uids,
                                                    &error));
  g_assert_no_error (error);
  g_assert_false (earlier);
  g_assert_cmpuint (petrel_imap_seqset_count (uids), ==, 18);
  g_clear_pointer (&uids, petrel_imap_seqset_free);
  g_assert_true (petrel_imap_response_get_vanished (g_ptr_array_index (rs, 6), &earlier, &uids,
                                                    &error));
  g_assert_true (earlier);
  text = petrel_imap_seqset_to_string (uids);
  g_assert_cmpstr (text, ==, "41,43:116,118,120:211,214:540");

  strv = petrel_imap_response_dup_flags (g_ptr_array_index (rs, 7), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (strv), ==, 6);
  g_assert_cmpstr (strv[5], ==, "$Junk");
  g_clear_pointer (&strv, g_strfreev);

  strv = petrel_imap_response_dup_enabled (g_ptr_array_index (rs, 8), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (strv[1], ==, "QRESYNC");
  g_clear_pointer (&strv, g_strfreev);

  g_assert_cmpint (petrel_imap_response_get_response_type (g_ptr_array_index (rs, 9)), ==,
                   PETREL_IMAP_RESPONSE_TYPE_UNKNOWN);
  g_assert_cmpuint (petrel_imap_response_get_number (g_ptr_array_index (rs, 9)), ==, 3);
  g_assert_cmpstr (petrel_imap_response_get_name (g_ptr_array_index (rs, 10)), ==, "X-UNKNOWN");
  g_assert_cmpuint (petrel_imap_value_get_length (
                      petrel_imap_response_get_data (g_ptr_array_index (rs, 10))), ==, 2);

  /* Decoders refuse the wrong response. */
  strv = petrel_imap_response_dup_flags (g_ptr_array_index (rs, 0), &error);
  g_assert_null (strv);
  g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_PARSE);
}

static void
test_list (void)
{
  g_autoptr(GPtrArray) rs = NULL;
  g_autoptr(PetrelImapMailboxInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  rs = parse_checked ("* LIST (\\HasNoChildren) \"/\" INBOX\r\n"
                      "* LIST (\\HasNoChildren \\Sent) \"/\" \"Sent Items\"\r\n"
                      "* LIST (\\Noselect \\HasChildren) \".\" \"[Gmail]\"\r\n"
                      "* LIST (\\All \\HasNoChildren) \".\" \"[Gmail].All Mail\"\r\n"
                      "* LIST (\\Drafts) \"/\" Drafts\r\n"
                      "* LIST (\\Trash \\Junk \\Archive \\Flagged \\Important) \"/\" x\r\n"
                      "* LIST () \"/\" \"&ZeVnLIqe-/Entw&APw-rfe\"\r\n"
                      "* LIST (\\Subscribed \\NonExistent) \"/\" \"Foo\" (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n"
                      "* LSUB () NIL flat\r\n"
                      "* LIST () \"/\" {11}\r\nweird\"name!\r\n"
                      "* LIST () \"/\" \"inbox\"\r\n"
                      "* LIST () \"/\" \"New\" (\"OLDNAME\" (\"Old&AOQ-\"))\r\n"
                      "* LIST () \"/\" \"\xe6\x97\xa5\xe6\x9c\xac\"\r\n"
                      "* LIST () \"\\\\\" a\\b\r\n");
  g_assert_cmpuint (rs->len, ==, 14);

  info = petrel_imap_response_dup_list (g_ptr_array_index (rs, 0), FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (info->name, ==, "INBOX");
  g_assert_cmpint (info->delimiter, ==, '/');
  g_assert_cmpint (info->attributes, ==, PETREL_IMAP_MAILBOX_HAS_NO_CHILDREN);
  g_assert_cmpstr (info->raw_attributes[0], ==, "\\HasNoChildren");
  g_assert_nonnull (info->childinfo);
  g_assert_null (info->childinfo[0]);
  g_clear_pointer (&info, petrel_imap_mailbox_info_free);

  info = petrel_imap_response_dup_list (g_ptr_array_index (rs, 1), FALSE, &error);
  g_assert_cmpstr (info->name, ==, "Sent Items");
  g_assert_true (info->attributes & PETREL_IMAP_MAILBOX_SENT);
  g_clear_pointer (&info, petrel_imap_mailbox_info_free);

  info = petrel_imap_response_dup_list (g_ptr_array_index (rs, 2), FALSE, &error);
  g_assert_cmpint (info->attributes, ==,
                   PETREL_IMAP_MAILBOX_NOSELECT | PETREL_IMAP_MAILBOX_HAS_CHILDREN);
  g_assert_cmpstr (info->name, ==, "[Gmail]");
  g_assert_cmpint (info->delimiter, ==, '.');
  g_clear_pointer (&info, petrel_imap_mailbox_info_free);

  info = petrel_imap_response_dup_list (g_ptr_array_index (rs, 3), FALSE, &error);
  g_assert_true (info->attributes & PETREL_IMAP_MAILBOX_ALL);
  g_clear_pointer (&info, petrel_imap_mailbox_info_free);

  info = petrel_imap_response_dup_list (g_ptr_array_index (rs, 4), FALSE, &error);
  g_assert_cmpint (info->attributes, ==, PETREL_IMAP_MAILBOX_DRAFTS);
  g_clear_pointer (&info, petrel_imap_mailbox_info_free);

  info = petrel_imap_response_dup_list (g_ptr_array_index (rs, 5), FALSE, &error);
  g_assert_cmpint (info->attributes, ==,
                   PETREL_IMAP_MAILBOX_TRASH | PETREL_IMAP_MAILBOX_JUNK |
                   PETREL_IMAP_MAILBOX_ARCHIVE | PETREL_IMAP_MAILBOX_FLAGGED |
                   PETREL_IMAP_MAILBOX_IMPORTANT);
  g_clear_pointer (&info, petrel_imap_mailbox_info_free);

  /* Modified UTF-7 is decoded; the raw name is kept for commands. */
  info = petrel_imap_response_dup_list (g_ptr_array_index (rs, 6), FALSE, &error);
  g_assert_cmpstr (info->name, ==, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e/Entw\xc3\xbcrfe");
  g_assert_cmpstr (info->raw_name, ==, "&ZeVnLIqe-/Entw&APw-rfe");
  g_clear_pointer (&info, petrel_imap_mailbox_info_free);
  /* ... unless UTF8=ACCEPT is on, when '&' is just a character. */
  info = petrel_imap_response_dup_list (g_ptr_array_index (rs, 6), TRUE, &error);
  g_assert_cmpstr (info->name, ==, "&ZeVnLIqe-/Entw&APw-rfe");
  g_clear_pointer (&info, petrel_imap_mailbox_info_free);

  info = petrel_imap_response_dup_list (g_ptr_array_index (rs, 7), FALSE, &error);
  g_assert_cmpint (info->attributes, ==,
                   PETREL_IMAP_MAILBOX_SUBSCRIBED | PETREL_IMAP_MAILBOX_NONEXISTENT |
                   PETREL_IMAP_MAILBOX_NOSELECT);
  g_assert_cmpuint (g_strv_length (info->childinfo), ==, 1);
  g_assert_cmpstr (info->childinfo[0], ==, "SUBSCRIBED");
  g_clear_pointer (&info, petrel_imap_mailbox_info_free);

  info = petrel_imap_response_dup_list (g_ptr_array_index (rs, 8), FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (info->delimiter, ==, '\0');
  g_assert_cmpstr (info->name, ==, "flat");
  g_clear_pointer (&info, petrel_imap_mailbox_info_free);

  info = petrel_imap_response_dup_list (g_ptr_array_index (rs, 9), FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (info->raw_name, ==, "weird\"name!");
  g_clear_pointer (&info, petrel_imap_mailbox_info_free);

  info = petrel_imap_response_dup_list (g_ptr_array_index (rs, 10), FALSE, &error);
  g_assert_cmpstr (info->name, ==, "INBOX");
  g_clear_pointer (&info, petrel_imap_mailbox_info_free);

  info = petrel_imap_response_dup_list (g_ptr_array_index (rs, 11), FALSE, &error);
  g_assert_cmpstr (info->old_name, ==, "Old\xc3\xa4");
  g_clear_pointer (&info, petrel_imap_mailbox_info_free);

  /* Raw UTF-8 from a server that should have used mUTF-7: kept as UTF-8. */
  info = petrel_imap_response_dup_list (g_ptr_array_index (rs, 12), FALSE, &error);
  g_assert_cmpstr (info->name, ==, "\xe6\x97\xa5\xe6\x9c\xac");
  g_clear_pointer (&info, petrel_imap_mailbox_info_free);

  info = petrel_imap_response_dup_list (g_ptr_array_index (rs, 13), FALSE, &error);
  g_assert_cmpint (info->delimiter, ==, '\\');
  g_assert_cmpstr (info->name, ==, "a\\b");
}

static void
test_status_search (void)
{
  g_autoptr(GPtrArray) rs = NULL;
  g_autoptr(PetrelImapStatusInfo) st = NULL;
  g_autoptr(PetrelImapSearchResult) sr = NULL;
  g_autoptr(PetrelImapEsearchResult) es = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *all = NULL;

  rs = parse_checked ("* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)\r\n"
                      "* STATUS \"&ZeVnLIqe-\" (MESSAGES 3 UNSEEN 1 UIDNEXT 4 UIDVALIDITY 1700000000 "
                      "HIGHESTMODSEQ 18446744073709551615 SIZE 123456789012 RECENT 0 DELETED 2)\r\n"
                      "* SEARCH 2 3 6\r\n"
                      "* SEARCH\r\n"
                      "* SEARCH 2 5 6 7 11 12 18 19 20 23 (MODSEQ 917162500)\r\n"
                      "* ESEARCH (TAG \"A282\") MIN 2 COUNT 3\r\n"
                      "* ESEARCH (TAG \"A283\") UID MIN 1 MAX 4294967295 ALL 1:3,5,7:9 COUNT 9 MODSEQ 5\r\n"
                      "* ESEARCH UID COUNT 0\r\n"
                      "* STATUS x (MESSAGES 4294967296)\r\n"
                      "* SEARCH 1 0\r\n");
  g_assert_cmpuint (rs->len, ==, 10);

  st = petrel_imap_response_dup_status (g_ptr_array_index (rs, 0), FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (st->name, ==, "blurdybloop");
  g_assert_cmpint (st->items, ==, PETREL_IMAP_STATUS_MESSAGES | PETREL_IMAP_STATUS_UIDNEXT);
  g_assert_cmpuint (st->messages, ==, 231);
  g_assert_cmpuint (st->uidnext, ==, 44292);
  g_clear_pointer (&st, petrel_imap_status_info_free);

  st = petrel_imap_response_dup_status (g_ptr_array_index (rs, 1), FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (st->name, ==, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e");
  g_assert_cmpuint (st->unseen, ==, 1);
  g_assert_cmpuint (st->uidvalidity, ==, 1700000000);
  g_assert_cmpuint (st->highestmodseq, ==, G_MAXUINT64);
  g_assert_cmpuint (st->size, ==, G_GUINT64_CONSTANT (123456789012));
  g_assert_cmpuint (st->deleted, ==, 2);
  g_assert_true (st->items & PETREL_IMAP_STATUS_RECENT);
  g_clear_pointer (&st, petrel_imap_status_info_free);

  sr = petrel_imap_response_dup_search (g_ptr_array_index (rs, 2), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sr->numbers->len, ==, 3);
  g_assert_cmpuint (g_array_index (sr->numbers, guint32, 2), ==, 6);
  g_assert_cmpuint (sr->modseq, ==, 0);
  g_clear_pointer (&sr, petrel_imap_search_result_free);

  sr = petrel_imap_response_dup_search (g_ptr_array_index (rs, 3), &error);
  g_assert_cmpuint (sr->numbers->len, ==, 0);
  g_clear_pointer (&sr, petrel_imap_search_result_free);

  sr = petrel_imap_response_dup_search (g_ptr_array_index (rs, 4), &error);
  g_assert_cmpuint (sr->numbers->len, ==, 10);
  g_assert_cmpuint (sr->modseq, ==, 917162500);
  g_clear_pointer (&sr, petrel_imap_search_result_free);

  es = petrel_imap_response_dup_esearch (g_ptr_array_index (rs, 5), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (es->tag, ==, "A282");
  g_assert_false (es->uid);
  g_assert_cmpint (es->items, ==, PETREL_IMAP_ESEARCH_MIN | PETREL_IMAP_ESEARCH_COUNT);
  g_assert_cmpuint (es->min, ==, 2);
  g_assert_cmpuint (es->count, ==, 3);
  g_clear_pointer (&es, petrel_imap_esearch_result_free);

  es = petrel_imap_response_dup_esearch (g_ptr_array_index (rs, 6), &error);
  g_assert_no_error (error);
  g_assert_true (es->uid);
  g_assert_cmpuint (es->max, ==, G_MAXUINT32);
  all = petrel_imap_seqset_to_string (es->all);
  g_assert_cmpstr (all, ==, "1:3,5,7:9");
  g_assert_cmpuint (es->modseq, ==, 5);
  g_clear_pointer (&es, petrel_imap_esearch_result_free);

  es = petrel_imap_response_dup_esearch (g_ptr_array_index (rs, 7), &error);
  g_assert_no_error (error);
  g_assert_null (es->tag);
  g_assert_cmpint (es->items, ==, PETREL_IMAP_ESEARCH_COUNT);
  g_assert_cmpuint (es->count, ==, 0);

  /* Numbers out of range are errors, not truncations. */
  st = petrel_imap_response_dup_status (g_ptr_array_index (rs, 8), FALSE, &error);
  g_assert_null (st);
  g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_PARSE);
  g_clear_error (&error);
  sr = petrel_imap_response_dup_search (g_ptr_array_index (rs, 9), &error);
  g_assert_null (sr);
  g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_PARSE);
}

static void
test_namespace_id_quota (void)
{
  g_autoptr(GPtrArray) rs = NULL;
  g_autoptr(PetrelImapNamespaces) ns = NULL;
  g_autoptr(GHashTable) id = NULL;
  g_autoptr(PetrelImapQuota) quota = NULL;
  g_autoptr(PetrelImapQuotaRoot) root = NULL;
  g_autoptr(GError) error = NULL;

  rs = parse_checked ("* NAMESPACE ((\"\" \"/\")) ((\"~\" \"/\")) ((\"#shared/\" \"/\")"
                      "(\"#public/\" \"/\")(\"#ftp/\" \"/\" \"X-PARAM\" (\"FLAG1\" \"FLAG2\")))\r\n"
                      "* NAMESPACE ((\"INBOX.\" \".\")) NIL NIL\r\n"
                      "* ID (\"name\" \"Dovecot\" \"version\" NIL \"support-url\" \"http://x\")\r\n"
                      "* ID NIL\r\n"
                      "* QUOTA \"\" (STORAGE 10 512 MESSAGE 1 1000)\r\n"
                      "* QUOTAROOT INBOX \"\"\r\n"
                      "* QUOTAROOT comp.mail.mime\r\n");
  g_assert_cmpuint (rs->len, ==, 7);

  ns = petrel_imap_response_dup_namespace (g_ptr_array_index (rs, 0), FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ns->n_personal, ==, 1);
  g_assert_cmpstr (ns->personal[0].prefix, ==, "");
  g_assert_cmpint (ns->personal[0].delimiter, ==, '/');
  g_assert_cmpuint (ns->n_other, ==, 1);
  g_assert_cmpstr (ns->other[0].prefix, ==, "~");
  g_assert_cmpuint (ns->n_shared, ==, 3);
  g_assert_cmpstr (ns->shared[2].prefix, ==, "#ftp/");
  g_clear_pointer (&ns, petrel_imap_namespaces_free);

  ns = petrel_imap_response_dup_namespace (g_ptr_array_index (rs, 1), FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ns->personal[0].prefix, ==, "INBOX.");
  g_assert_cmpuint (ns->n_other, ==, 0);
  g_assert_cmpuint (ns->n_shared, ==, 0);

  id = petrel_imap_response_dup_id (g_ptr_array_index (rs, 2), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (id), ==, 3);
  g_assert_cmpstr (g_hash_table_lookup (id, "name"), ==, "Dovecot");
  g_assert_true (g_hash_table_contains (id, "version"));
  g_assert_null (g_hash_table_lookup (id, "version"));
  g_clear_pointer (&id, g_hash_table_unref);
  id = petrel_imap_response_dup_id (g_ptr_array_index (rs, 3), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (id), ==, 0);

  quota = petrel_imap_response_dup_quota (g_ptr_array_index (rs, 4), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (quota->root, ==, "");
  g_assert_cmpuint (quota->n_resources, ==, 2);
  g_assert_cmpstr (quota->resources[0].name, ==, "STORAGE");
  g_assert_cmpuint (quota->resources[0].usage, ==, 10);
  g_assert_cmpuint (quota->resources[0].limit, ==, 512);
  g_assert_cmpuint (quota->resources[1].limit, ==, 1000);

  root = petrel_imap_response_dup_quotaroot (g_ptr_array_index (rs, 5), FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (root->mailbox, ==, "INBOX");
  g_assert_cmpuint (g_strv_length (root->roots), ==, 1);
  g_assert_cmpstr (root->roots[0], ==, "");
  g_clear_pointer (&root, petrel_imap_quota_root_free);
  root = petrel_imap_response_dup_quotaroot (g_ptr_array_index (rs, 6), FALSE, &error);
  g_assert_cmpuint (g_strv_length (root->roots), ==, 0);
}

/* ------------------------------------------------------------------------------------------ */
/* FETCH                                                                                       */

static const PetrelImapFetch *
get_fetch (PetrelImapResponse *r)
{
  g_autoptr(GError) error = NULL;
  const PetrelImapFetch *fetch = petrel_imap_response_get_fetch (r, &error);

  g_assert_no_error (error);
  g_assert_nonnull (fetch);
  /* Decoded once. */
  g_assert_true (petrel_imap_response_get_fetch (r, NULL) == fetch);
  return fetch;
}

static void
test_fetch_basic (void)
{
  g_autoptr(PetrelImapResponse) r = NULL;
  g_autoptr(GDateTime) dt = NULL;
  const PetrelImapFetch *f;
  const PetrelImapEnvelope *env;

  r = parse_one ("* 12 FETCH (FLAGS (\\Seen $Forwarded) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" "
                 "RFC822.SIZE 4286 ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" "
                 "\"IMAP4rev1 WG mtg summary and minutes\" "
                 "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
                 "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
                 "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
                 "((NIL NIL \"imap\" \"cac.washington.edu\")) "
                 "((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) "
                 "NIL NIL \"<B27397-0100000@cac.washington.edu>\") "
                 "UID 4827313 MODSEQ (624140003) EMAILID (M6d99ac3275bb4e) THREADID (T64b478a75b7ea9) "
                 "X-GM-LABELS (\\Inbox \"Work stuff\") X-GM-THRID 1278455344230334865)\r\n");
  g_assert_cmpint (petrel_imap_response_get_response_type (r), ==, PETREL_IMAP_RESPONSE_TYPE_FETCH);
  f = get_fetch (r);
  g_assert_cmpuint (f->seq, ==, 12);
  g_assert_cmpuint (f->uid, ==, 4827313);
  g_assert_cmpint (f->items, ==,
                   PETREL_IMAP_FETCH_UID | PETREL_IMAP_FETCH_FLAGS | PETREL_IMAP_FETCH_INTERNALDATE |
                   PETREL_IMAP_FETCH_RFC822_SIZE | PETREL_IMAP_FETCH_ENVELOPE |
                   PETREL_IMAP_FETCH_MODSEQ | PETREL_IMAP_FETCH_EMAILID | PETREL_IMAP_FETCH_THREADID);
  g_assert_cmpuint (f->n_flags, ==, 2);
  g_assert_cmpstr (f->flags[0], ==, "\\Seen");
  g_assert_null (f->flags[2]);
  g_assert_true (petrel_imap_fetch_has_flag (f, "\\SEEN"));
  g_assert_false (petrel_imap_fetch_has_flag (f, "\\Deleted"));
  g_assert_cmpint (f->internaldate, ==, 837596665);
  g_assert_cmpint (f->internaldate_offset, ==, -7 * 3600);
  dt = petrel_imap_fetch_dup_internaldate (f);
  g_assert_cmpint (g_date_time_get_hour (dt), ==, 2);
  g_assert_cmpint (g_date_time_get_utc_offset (dt), ==, -7 * G_TIME_SPAN_HOUR);
  g_assert_cmpuint (f->rfc822_size, ==, 4286);
  g_assert_cmpuint (f->modseq, ==, 624140003);
  g_assert_cmpstr (f->emailid, ==, "M6d99ac3275bb4e");
  g_assert_cmpstr (f->threadid, ==, "T64b478a75b7ea9");
  g_assert_null (f->body);
  g_assert_cmpuint (f->n_sections, ==, 0);

  env = f->envelope;
  g_assert_cmpstr (env->date, ==, "Wed, 17 Jul 1996 02:23:25 -0700 (PDT)");
  g_assert_cmpstr (env->subject, ==, "IMAP4rev1 WG mtg summary and minutes");
  g_assert_cmpuint (env->n_from, ==, 1);
  g_assert_cmpstr (env->from[0].name, ==, "Terry Gray");
  g_assert_null (env->from[0].adl);
  g_assert_cmpstr (env->from[0].mailbox, ==, "gray");
  g_assert_cmpstr (env->from[0].host, ==, "cac.washington.edu");
  g_assert_cmpint (env->from[0].kind, ==, PETREL_IMAP_ADDRESS_MAILBOX);
  g_assert_cmpuint (env->n_to, ==, 1);
  g_assert_null (env->to[0].name);
  g_assert_cmpuint (env->n_cc, ==, 2);
  g_assert_cmpstr (env->cc[1].mailbox, ==, "KLENSIN");
  g_assert_cmpuint (env->n_bcc, ==, 0);
  g_assert_null (env->bcc);
  g_assert_null (env->in_reply_to);
  g_assert_cmpstr (env->message_id, ==, "<B27397-0100000@cac.washington.edu>");
}

static void
test_fetch_envelope_edge (void)
{
  g_autoptr(GPtrArray) rs = NULL;
  const PetrelImapFetch *f;
  const PetrelImapEnvelope *env;

  rs = parse_checked ("* 1 FETCH (UID 1 ENVELOPE (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL))\r\n"
                      "* 2 FETCH (UID 2 ENVELOPE (\"Mon, 1 Jan 2024 00:00:00 +0000\" {19}\r\n"
                      "Subject \"quoted\"\r\n! (\"Me\" NIL \"me\" \"x.org\") NIL NIL "
                      "((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL)) "
                      "((NIL NIL \"team\" NIL)(\"A\" \"@relay:\" \"a\" \"x.org\")(NIL NIL \"b\" \"y.org\")(NIL NIL NIL NIL)) "
                      "() \"<parent@x>\" \"<id@x>\"))\r\n"
                      "* 3 FETCH (UID 3 ENVELOPE (\"short\"))\r\n"
                      "* 4 FETCH (ENVELOPE (NIL \"=?UTF-8?B?w6TDtsO8?=\" ((\"\xc3\xa4\" NIL \"u\" \"h\")) "
                      "NIL NIL NIL NIL NIL NIL NIL) UID 4)\r\n");
  g_assert_cmpuint (rs->len, ==, 4);

  f = get_fetch (g_ptr_array_index (rs, 0));
  env = f->envelope;
  g_assert_nonnull (env);
  g_assert_null (env->date);
  g_assert_null (env->subject);
  g_assert_cmpuint (env->n_from + env->n_sender + env->n_reply_to + env->n_to + env->n_cc +
                    env->n_bcc, ==, 0);
  g_assert_null (env->message_id);

  /* A from "list" that is a single address rather than a list of them is malformed: the envelope
   * is skipped, not the message. */
  f = get_fetch (g_ptr_array_index (rs, 1));
  g_assert_null (f->envelope);
  g_assert_cmpint (f->items, ==, PETREL_IMAP_FETCH_UID);
  g_assert_cmpuint (f->uid, ==, 2);

  f = get_fetch (g_ptr_array_index (rs, 2));
  g_assert_null (f->envelope);
  g_assert_false (f->items & PETREL_IMAP_FETCH_ENVELOPE);
  g_assert_cmpuint (f->uid, ==, 3);

  f = get_fetch (g_ptr_array_index (rs, 3));
  g_assert_cmpstr (f->envelope->subject, ==, "=?UTF-8?B?w6TDtsO8?=");
  g_assert_cmpstr (f->envelope->from[0].name, ==, "\xc3\xa4");
  g_assert_cmpuint (f->uid, ==, 4);
}

static void
test_fetch_groups (void)
{
  g_autoptr(PetrelImapResponse) r = NULL;
  const PetrelImapEnvelope *env;

  r = parse_one ("* 2 FETCH (UID 2 ENVELOPE (\"Mon, 1 Jan 2024 00:00:00 +0000\" {19}\r\n"
                 "Subject \"quoted\"\r\n! ((\"Me\" NIL \"me\" \"x.org\")) NIL NIL "
                 "((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL)) "
                 "((NIL NIL \"team\" NIL)(\"A\" \"@relay:\" \"a\" \"x.org\")(NIL NIL \"b\" \"y.org\")"
                 "(NIL NIL NIL NIL)) () \"<parent@x>\" \"<id@x>\"))\r\n");
  env = get_fetch (r)->envelope;
  g_assert_nonnull (env);
  g_assert_cmpstr (env->subject, ==, "Subject \"quoted\"\r\n!");
  g_assert_cmpuint (env->n_from, ==, 1);
  g_assert_cmpuint (env->n_sender, ==, 0);
  g_assert_cmpuint (env->n_to, ==, 2);
  g_assert_cmpint (env->to[0].kind, ==, PETREL_IMAP_ADDRESS_GROUP_START);
  g_assert_cmpstr (env->to[0].mailbox, ==, "undisclosed-recipients");
  g_assert_cmpint (env->to[1].kind, ==, PETREL_IMAP_ADDRESS_GROUP_END);
  g_assert_cmpuint (env->n_cc, ==, 4);
  g_assert_cmpint (env->cc[0].kind, ==, PETREL_IMAP_ADDRESS_GROUP_START);
  g_assert_cmpstr (env->cc[1].adl, ==, "@relay:");
  g_assert_cmpint (env->cc[2].kind, ==, PETREL_IMAP_ADDRESS_MAILBOX);
  g_assert_cmpint (env->cc[3].kind, ==, PETREL_IMAP_ADDRESS_GROUP_END);
  g_assert_cmpuint (env->n_bcc, ==, 0);
  g_assert_cmpstr (env->in_reply_to, ==, "<parent@x>");
}

/* Gmail-like: mixed(alternative(plain, html), pdf attachment), upper-case tokens. */
static const char bs_gmail[] =
  "* 1 FETCH (UID 101 RFC822.SIZE 110000 BODYSTRUCTURE (((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"UTF-8\") "
  "NIL NIL \"QUOTED-PRINTABLE\" 1234 30 NIL NIL NIL)(\"TEXT\" \"HTML\" (\"CHARSET\" \"UTF-8\") NIL NIL "
  "\"QUOTED-PRINTABLE\" 5678 80 NIL NIL NIL) \"ALTERNATIVE\" (\"BOUNDARY\" \"000000000000abcd\") NIL NIL)"
  "(\"APPLICATION\" \"PDF\" (\"NAME\" \"report.pdf\") \"<f_abc123>\" NIL \"BASE64\" 102400 NIL "
  "(\"ATTACHMENT\" (\"FILENAME\" \"report.pdf\")) NIL) \"MIXED\" (\"BOUNDARY\" \"000000000000efgh\") "
  "NIL NIL))\r\n";

/* Outlook-like: related(alternative(plain, html), inline image), languages and locations. */
static const char bs_outlook[] =
  "* 2 FETCH (BODYSTRUCTURE (((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL "
  "\"quoted-printable\" 2048 52 NIL NIL (\"en-US\") NIL)(\"text\" \"html\" (\"charset\" \"us-ascii\") "
  "NIL NIL \"quoted-printable\" 9000 150 NIL NIL \"en-US\" NIL) \"alternative\" (\"boundary\" "
  "\"_000_alt_\") NIL \"en-US\")(\"image\" \"png\" (\"name\" \"image001.png\") \"<image001.png@01D9>\" "
  "\"image001.png\" \"base64\" 6000 NIL (\"inline\" (\"filename\" \"image001.png\" \"size\" \"4400\")) "
  "NIL \"image001.png\") \"related\" (\"boundary\" \"_004_rel_\" \"type\" \"multipart/alternative\") "
  "NIL \"en-US\") UID 7)\r\n";

/* Dovecot-like: mixed(plain, message/rfc822(mixed(plain, png)), empty-param quirk). */
static const char bs_dovecot[] =
  "* 3 FETCH (UID 7 BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 22 1 "
  "NIL NIL NIL NIL)(\"message\" \"rfc822\" (\"name\" \"fwd.eml\") NIL NIL \"7bit\" 1500 "
  "(\"Mon, 1 Jan 2024 10:00:00 +0000\" \"Inner\" ((\"Bob\" NIL \"bob\" \"example.org\")) "
  "((\"Bob\" NIL \"bob\" \"example.org\")) ((\"Bob\" NIL \"bob\" \"example.org\")) "
  "((NIL NIL \"alice\" \"example.com\")) NIL NIL NIL \"<inner@example.org>\") "
  "((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 10 1 NIL NIL NIL NIL)"
  "(\"image\" \"png\" () NIL NIL \"base64\" 500 NIL (\"attachment\" (\"filename\" \"a.png\")) NIL NIL) "
  "\"mixed\" (\"boundary\" \"inner\") NIL NIL NIL) 40 NIL (\"attachment\" (\"filename\" \"fwd.eml\")) "
  "NIL NIL) \"mixed\" (\"boundary\" \"outer\") NIL NIL NIL))\r\n";

static void
test_bodystructure_gmail (void)
{
  g_autoptr(PetrelImapResponse) r = parse_one (bs_gmail);
  const PetrelImapFetch *f = get_fetch (r);
  const PetrelImapBodyPart *b = f->body, *alt, *pdf;

  g_assert_true (f->items & PETREL_IMAP_FETCH_BODYSTRUCTURE);
  g_assert_nonnull (b);
  g_assert_true (petrel_imap_body_part_is (b, "multipart", "mixed"));
  g_assert_cmpstr (b->section, ==, "");
  g_assert_cmpstr (petrel_imap_body_part_get_param (b, "boundary"), ==, "000000000000efgh");
  g_assert_cmpuint (b->n_children, ==, 2);
  g_assert_null (b->parent);

  alt = b->children[0];
  g_assert_cmpstr (alt->type, ==, "multipart");
  g_assert_cmpstr (alt->subtype, ==, "alternative");
  g_assert_cmpstr (alt->section, ==, "1");
  g_assert_true (alt->parent == b);
  g_assert_cmpuint (alt->n_children, ==, 2);
  g_assert_cmpstr (alt->children[0]->section, ==, "1.1");
  g_assert_cmpstr (alt->children[0]->type, ==, "text");
  g_assert_cmpstr (alt->children[0]->subtype, ==, "plain");
  g_assert_cmpstr (alt->children[0]->params[0].name, ==, "charset");
  g_assert_cmpstr (alt->children[0]->params[0].value, ==, "UTF-8");
  g_assert_cmpstr (alt->children[0]->encoding, ==, "quoted-printable");
  g_assert_cmpuint (alt->children[0]->size, ==, 1234);
  g_assert_cmpuint (alt->children[0]->lines, ==, 30);
  g_assert_cmpstr (alt->children[1]->section, ==, "1.2");
  g_assert_cmpuint (alt->children[1]->lines, ==, 80);

  pdf = b->children[1];
  g_assert_cmpstr (pdf->section, ==, "2");
  g_assert_true (petrel_imap_body_part_is (pdf, "APPLICATION", "pdf"));
  g_assert_cmpstr (pdf->id, ==, "<f_abc123>");
  g_assert_cmpuint (pdf->size, ==, 102400);
  g_assert_cmpuint (pdf->lines, ==, 0);
  g_assert_null (pdf->md5);
  g_assert_cmpstr (pdf->disposition, ==, "attachment");
  g_assert_cmpuint (pdf->n_disposition_params, ==, 1);
  g_assert_cmpstr (pdf->disposition_params[0].name, ==, "filename");
  g_assert_cmpstr (pdf->disposition_params[0].value, ==, "report.pdf");
}

static void
test_bodystructure_outlook (void)
{
  g_autoptr(PetrelImapResponse) r = parse_one (bs_outlook);
  const PetrelImapFetch *f = get_fetch (r);
  const PetrelImapBodyPart *b = f->body, *alt, *img;

  g_assert_cmpuint (f->uid, ==, 7);
  g_assert_true (petrel_imap_body_part_is (b, "multipart", "related"));
  g_assert_cmpstr (petrel_imap_body_part_get_param (b, "TYPE"), ==, "multipart/alternative");
  g_assert_cmpuint (b->n_languages, ==, 1);
  g_assert_cmpstr (b->languages[0], ==, "en-US");
  alt = b->children[0];
  g_assert_cmpuint (alt->children[0]->n_languages, ==, 1);
  g_assert_cmpstr (alt->children[0]->languages[0], ==, "en-US");
  g_assert_cmpstr (alt->children[1]->languages[0], ==, "en-US");
  g_assert_null (alt->children[1]->languages[1]);
  img = b->children[1];
  g_assert_cmpstr (img->section, ==, "2");
  g_assert_cmpstr (img->description, ==, "image001.png");
  g_assert_cmpstr (img->disposition, ==, "inline");
  g_assert_cmpuint (img->n_disposition_params, ==, 2);
  g_assert_cmpstr (img->disposition_params[1].value, ==, "4400");
  g_assert_cmpstr (img->location, ==, "image001.png");
}

static void
test_bodystructure_dovecot (void)
{
  g_autoptr(PetrelImapResponse) r = parse_one (bs_dovecot);
  const PetrelImapFetch *f = get_fetch (r);
  const PetrelImapBodyPart *b = f->body, *msg, *inner;

  g_assert_cmpuint (b->n_children, ==, 2);
  msg = b->children[1];
  g_assert_true (petrel_imap_body_part_is (msg, "message", "rfc822"));
  g_assert_cmpstr (msg->section, ==, "2");
  g_assert_cmpuint (msg->size, ==, 1500);
  g_assert_cmpuint (msg->lines, ==, 40);
  g_assert_cmpstr (msg->disposition, ==, "attachment");
  g_assert_nonnull (msg->envelope);
  g_assert_cmpstr (msg->envelope->subject, ==, "Inner");
  g_assert_cmpstr (msg->envelope->to[0].mailbox, ==, "alice");
  g_assert_cmpstr (msg->envelope->message_id, ==, "<inner@example.org>");

  inner = msg->body;
  g_assert_nonnull (inner);
  g_assert_true (inner->parent == msg);
  g_assert_true (petrel_imap_body_part_is (inner, "multipart", "mixed"));
  g_assert_cmpstr (inner->section, ==, "2");
  g_assert_cmpuint (inner->n_children, ==, 2);
  g_assert_cmpstr (inner->children[0]->section, ==, "2.1");
  g_assert_cmpstr (inner->children[1]->section, ==, "2.2");
  g_assert_cmpuint (inner->children[1]->n_params, ==, 0);
  g_assert_cmpstr (inner->children[1]->disposition_params[0].value, ==, "a.png");
}

static void
test_bodystructure_simple (void)
{
  g_autoptr(GPtrArray) rs = NULL;
  const PetrelImapFetch *f;

  rs = parse_checked (
    /* A single-part message is part "1". */
    "* 1 FETCH (BODYSTRUCTURE (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92))\r\n"
    /* Non-extensible BODY, and a message/rfc822 whose body is single-part: "1" then "1.1". */
    "* 2 FETCH (BODY (\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 100 (NIL \"s\" NIL NIL NIL NIL "
    "NIL NIL NIL NIL) (\"text\" \"plain\" NIL NIL NIL \"7bit\" 5 1) 7))\r\n"
    /* message/rfc822 without envelope (broken attachment): treated as a plain part. */
    "* 3 FETCH (BODYSTRUCTURE (\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 100 NIL NIL NIL NIL))\r\n"
    /* Malformed: too short. Skipped, the rest of the message kept. */
    "* 4 FETCH (UID 9 BODYSTRUCTURE (\"text\" \"plain\"))\r\n"
    /* A bare-string disposition (seen from old servers) and an MD5. */
    "* 5 FETCH (BODYSTRUCTURE (\"application\" \"octet-stream\" NIL NIL NIL \"base64\" 10 "
    "\"Q2hlY2sgSW50ZWdyaXR5IQ==\" \"attachment\" NIL NIL))\r\n");
  g_assert_cmpuint (rs->len, ==, 5);

  f = get_fetch (g_ptr_array_index (rs, 0));
  g_assert_cmpstr (f->body->section, ==, "1");
  g_assert_cmpuint (f->body->lines, ==, 92);
  g_assert_cmpstr (petrel_imap_body_part_get_param (f->body, "charset"), ==, "US-ASCII");
  g_assert_cmpstr (f->body->encoding, ==, "7bit");
  g_assert_null (f->body->disposition);

  f = get_fetch (g_ptr_array_index (rs, 1));
  g_assert_cmpstr (f->body->section, ==, "1");
  g_assert_cmpstr (f->body->envelope->subject, ==, "s");
  g_assert_cmpstr (f->body->body->section, ==, "1.1");
  g_assert_cmpuint (f->body->body->lines, ==, 1);
  g_assert_cmpuint (f->body->lines, ==, 7);

  f = get_fetch (g_ptr_array_index (rs, 2));
  g_assert_nonnull (f->body);
  g_assert_null (f->body->body);
  g_assert_null (f->body->envelope);

  f = get_fetch (g_ptr_array_index (rs, 3));
  g_assert_null (f->body);
  g_assert_cmpuint (f->uid, ==, 9);

  f = get_fetch (g_ptr_array_index (rs, 4));
  g_assert_cmpstr (f->body->md5, ==, "Q2hlY2sgSW50ZWdyaXR5IQ==");
  g_assert_cmpstr (f->body->disposition, ==, "attachment");
}

static void
test_fetch_sections (void)
{
  g_autoptr(PetrelImapResponse) r = NULL;
  g_autoptr(GBytes) bytes = NULL;
  const PetrelImapFetch *f;
  const PetrelImapFetchSection *s;
  gsize len;

  static const char wire[] =
    "* 7 FETCH (UID 70 BODY[] {24}\r\nSubject: hi\r\n\r\nHello\r\n\x00!"
    " BODY[HEADER.FIELDS (SUBJECT FROM)] {13}\r\nSubject: hi\r\n"
    " BODY[1.2.MIME]<0> \"Content-Type: text/plain\" BINARY[2] ~{4}\r\n\x00\x01\x02\x03"
    " BINARY.SIZE[2] 4 RFC822.HEADER NIL RFC822.TEXT \"\" BODY[TEXT]<1024> NIL"
    " SAVEDATE \"01-Feb-2024 10:00:00 +0100\")\r\n";
  g_autoptr(GPtrArray) rs = NULL;
  g_autoptr(GError) error = NULL;

  rs = parse_checked_full (wire, sizeof wire - 1, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rs->len, ==, 1);
  r = petrel_imap_response_ref (g_ptr_array_index (rs, 0));
  f = get_fetch (r);
  g_assert_cmpuint (f->uid, ==, 70);
  g_assert_cmpuint (f->n_sections, ==, 8);
  g_assert_true (f->items & PETREL_IMAP_FETCH_SECTIONS);
  g_assert_true (f->items & PETREL_IMAP_FETCH_SAVEDATE);

  s = petrel_imap_fetch_find_section (f, PETREL_IMAP_SECTION_BODY, "");
  g_assert_nonnull (s);
  g_assert_false (s->has_origin);
  g_assert_cmpuint (s->size, ==, 24);
  g_assert_true (petrel_imap_value_is_literal (s->value));
  bytes = petrel_imap_value_dup_bytes (s->value);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                   "Subject: hi\r\n\r\nHello\r\n\x00!", 24);
  /* Zero-copy: the literal's own bytes. */
  g_assert_true (g_bytes_get_data (bytes, NULL) == (gconstpointer) petrel_imap_value_get_string (s->value, &len));
  g_assert_cmpuint (len, ==, 24);
  g_clear_pointer (&bytes, g_bytes_unref);

  s = petrel_imap_fetch_find_section (f, PETREL_IMAP_SECTION_BODY, "header.fields (subject from)");
  g_assert_nonnull (s);
  g_assert_cmpstr (s->section, ==, "HEADER.FIELDS (SUBJECT FROM)");
  g_assert_cmpuint (s->size, ==, 13);

  s = petrel_imap_fetch_find_section (f, PETREL_IMAP_SECTION_BODY, "1.2.MIME");
  g_assert_true (s->has_origin);
  g_assert_cmpuint (s->origin, ==, 0);
  g_assert_true (petrel_imap_value_is_quoted (s->value));
  g_assert_cmpstr (petrel_imap_value_get_string (s->value, NULL), ==, "Content-Type: text/plain");

  s = petrel_imap_fetch_find_section (f, PETREL_IMAP_SECTION_BINARY, "2");
  g_assert_true (petrel_imap_value_is_literal8 (s->value));
  bytes = petrel_imap_value_dup_bytes (s->value);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), "\x00\x01\x02\x03", 4);

  s = petrel_imap_fetch_find_section (f, PETREL_IMAP_SECTION_BINARY_SIZE, "2");
  g_assert_cmpuint (s->size, ==, 4);
  g_assert_null (s->value);

  s = petrel_imap_fetch_find_section (f, PETREL_IMAP_SECTION_RFC822_HEADER, "");
  g_assert_true (petrel_imap_value_is_nil (s->value));
  s = petrel_imap_fetch_find_section (f, PETREL_IMAP_SECTION_RFC822_TEXT, "");
  g_assert_cmpuint (s->size, ==, 0);
  s = petrel_imap_fetch_find_section (f, PETREL_IMAP_SECTION_BODY, "TEXT");
  g_assert_cmpuint (s->origin, ==, 1024);
  g_assert_null (petrel_imap_fetch_find_section (f, PETREL_IMAP_SECTION_RFC822, ""));
}

static void
test_fetch_malformed (void)
{
  g_autoptr(GPtrArray) rs = NULL;
  g_autoptr(GError) error = NULL;
  const PetrelImapFetch *f;

  rs = parse_checked ("* 1 FETCH UID 5\r\n"
                      "* 2 FETCH (UID)\r\n"
                      "* 3 FETCH (UID 0 FLAGS \\Seen INTERNALDATE \"31-Feb-2024 00:00:00 +0000\" "
                      "RFC822.SIZE \"x\" MODSEQ 5 BODY[]<x> \"x\" BODY[]<1 NIL BINARY.SIZE[1] NIL)\r\n"
                      "* 4 FETCH (UID 4294967296 INTERNALDATE \"1-Jan-2024 00:00:00 +0000\")\r\n"
                      "* 5 FETCH ()\r\n");
  g_assert_cmpuint (rs->len, ==, 5);

  g_assert_null (petrel_imap_response_get_fetch (g_ptr_array_index (rs, 0), &error));
  g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_PARSE);
  g_clear_error (&error);
  g_assert_null (petrel_imap_response_get_fetch (g_ptr_array_index (rs, 1), &error));
  g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_PARSE);
  g_clear_error (&error);

  /* Each malformed item is skipped, the response is not lost. */
  f = get_fetch (g_ptr_array_index (rs, 2));
  g_assert_cmpint (f->items, ==, 0);
  g_assert_cmpuint (f->n_sections, ==, 0);

  f = get_fetch (g_ptr_array_index (rs, 3));
  g_assert_cmpint (f->items, ==, PETREL_IMAP_FETCH_INTERNALDATE);
  g_assert_cmpint (f->internaldate, ==, 1704067200);

  f = get_fetch (g_ptr_array_index (rs, 4));
  g_assert_cmpint (f->items, ==, 0);

  /* Not a FETCH at all. */
  {
    g_autoptr(PetrelImapResponse) ok = parse_one ("* OK fine\r\n");

    g_assert_null (petrel_imap_response_get_fetch (ok, &error));
    g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_PARSE);
  }
}

static void
test_date_time (void)
{
  gint64 t = 0;
  int off = 0;

  g_assert_true (petrel_imap_parse_date_time (" 7-Jul-1996 02:44:25 +0000", &t, &off));
  g_assert_cmpint (t, ==, 836707465);
  g_assert_true (petrel_imap_parse_date_time ("29-Feb-2024 23:59:59 +1345", &t, &off));
  g_assert_cmpint (off, ==, 13 * 3600 + 45 * 60);
  g_assert_cmpint (t, ==, 1709251199 - off);
  g_assert_true (petrel_imap_parse_date_time ("01-jan-1970 00:00:00 +0000", &t, NULL));
  g_assert_cmpint (t, ==, 0);
  g_assert_false (petrel_imap_parse_date_time ("29-Feb-2023 00:00:00 +0000", &t, &off));
  g_assert_false (petrel_imap_parse_date_time ("1-Foo-2024 00:00:00 +0000", &t, &off));
  g_assert_false (petrel_imap_parse_date_time ("1-Jan-2024 24:00:00 +0000", &t, &off));
  g_assert_false (petrel_imap_parse_date_time ("1-Jan-2024 00:00:00 0000", &t, &off));
  g_assert_false (petrel_imap_parse_date_time ("1-Jan-2024 00:00:00 +0000x", &t, &off));
  g_assert_false (petrel_imap_parse_date_time ("", &t, &off));
}

/* ------------------------------------------------------------------------------------------ */
/* Literals                                                                                    */

typedef struct
{
  char *spool_dir;
} SpoolFixture;

static void
spool_fixture_setup (SpoolFixture  *fixture,
                     gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;

  fixture->spool_dir = g_dir_make_tmp ("petrel-imap-test-XXXXXX", &error);
  g_assert_no_error (error);
}

static guint
count_files (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  g_assert_nonnull (d);
  while (g_dir_read_name (d) != NULL)
    n++;
  return n;
}

static void
spool_fixture_teardown (SpoolFixture  *fixture,
                        gconstpointer  user_data)
{
  g_autoptr(GDir) d = g_dir_open (fixture->spool_dir, 0, NULL);
  const char *name;

  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (fixture->spool_dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (fixture->spool_dir);
  g_free (fixture->spool_dir);
}

static void
test_literal_big_file (SpoolFixture  *fixture,
                       gconstpointer  user_data)
{
  const gsize big = 300 * 1000 + 7;
  g_autoptr(GString) wire = g_string_new (NULL);
  g_autoptr(GPtrArray) rs = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *content = NULL;
  g_autofree char *stolen = NULL;
  ParserConfig config = { 64 * 1024, fixture->spool_dir, 0 };
  PetrelImapResponse *r;
  const PetrelImapFetch *f;
  const PetrelImapFetchSection *s;
  const char *path;

  content = g_malloc (big);
  for (gsize i = 0; i < big; i++)
    content[i] = (char) ((i * 7 + i / 251) & 0xff);  /* every byte value, CR and LF included */

  g_string_append_printf (wire, "* 1 FETCH (UID 5 BODY[] {%" G_GSIZE_FORMAT "}\r\n", big);
  g_string_append_len (wire, content, (gssize) big);
  g_string_append (wire, " FLAGS (\\Seen))\r\n");
  g_string_append_printf (wire, "* 2 FETCH (UID 6 BODY[] {%" G_GSIZE_FORMAT "}\r\n", big);
  g_string_append_len (wire, content, (gssize) big);
  g_string_append (wire, ")\r\nA1 OK done\r\n");

  rs = parse_checked_full (wire->str, (gssize) wire->len, &config, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rs->len, ==, 3);

  r = g_ptr_array_index (rs, 0);
  f = get_fetch (r);
  g_assert_true (petrel_imap_fetch_has_flag (f, "\\Seen"));
  s = petrel_imap_fetch_find_section (f, PETREL_IMAP_SECTION_BODY, "");
  path = petrel_imap_value_get_file_path (s->value);
  g_assert_nonnull (path);
  g_assert_true (g_str_has_prefix (path, fixture->spool_dir));
  g_assert_null (petrel_imap_value_get_string (s->value, NULL));
  g_assert_null (petrel_imap_value_dup_bytes (s->value));
  g_assert_cmpuint (petrel_imap_value_get_size (s->value), ==, big);
  g_assert_cmpuint (s->size, ==, big);
  bytes = petrel_imap_value_load_bytes (s->value, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), content, big);
  g_assert_cmpuint (petrel_imap_response_get_n_files (r), ==, 1);

  /* Steal one file: it outlives its response; the other is deleted with its response. */
  stolen = petrel_imap_value_steal_file (s->value);
  g_assert_cmpstr (stolen, ==, path);
  g_assert_null (petrel_imap_value_steal_file (s->value));
  g_assert_cmpuint (petrel_imap_response_get_n_files (r), ==, 0);
  g_ptr_array_set_size (rs, 0);
  g_assert_true (g_file_test (stolen, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_files (fixture->spool_dir), ==, 1);
  g_unlink (stolen);
  g_assert_cmpuint (count_files (fixture->spool_dir), ==, 0);
}

static void
test_literal_cut_short (SpoolFixture  *fixture,
                        gconstpointer  user_data)
{
  static const char wire[] = "* 1 FETCH (BODY[] {100}\r\nonly part of it";
  g_autoptr(PetrelImapParser) parser = petrel_imap_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dump = NULL;
  g_autoptr(GPtrArray) rs = NULL;

  /* Ending mid-literal: no response, no crash, and the parser knows it is mid-response. */
  rs = parse_checked_full (wire, -1, NULL, &dump, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rs->len, ==, 0);
  g_assert_cmpstr (dump, ==, "MID\n");

  /* Same with the literal going to a file: the partial file is removed with the parser. */
  petrel_imap_parser_set_spool_dir (parser, fixture->spool_dir);
  petrel_imap_parser_set_literal_threshold (parser, 10);
  g_assert_true (petrel_imap_parser_feed (parser, (const guint8 *) wire, strlen (wire), &error));
  g_assert_no_error (error);
  g_assert_null (petrel_imap_parser_pop (parser));
  g_assert_true (petrel_imap_parser_is_mid_response (parser));
  g_assert_cmpuint (petrel_imap_parser_get_pending_size (parser), ==, 23 + 15);
  g_assert_cmpuint (count_files (fixture->spool_dir), ==, 1);
  g_clear_object (&parser);
  g_assert_cmpuint (count_files (fixture->spool_dir), ==, 0);
}

static void
test_literal_misc (void)
{
  g_autoptr(GPtrArray) rs = NULL;
  PetrelImapValue *data;

  rs = parse_checked ("* 1 FETCH (BODY[] {0}\r\n)\r\n"
                      "* LIST () \"/\" {0}\r\n\r\n"
                      "* 2 FETCH (BODY[1] {3+}\r\nabc BODY[2] {2}\r\n{}"
                      " BODY[3] {1}\r\n\""
                      ")\r\n"
                      "* STATUS {5}\r\nA B C (MESSAGES 1)\r\n"
                      "* 3 FETCH (X {5}\r\n{4}\r\n BODY[] ~{0}\r\n)\r\n");
  g_assert_cmpuint (rs->len, ==, 5);

  data = petrel_imap_response_get_data (g_ptr_array_index (rs, 0));
  g_assert_cmpuint (petrel_imap_value_get_size (petrel_imap_value_get_child (
                      petrel_imap_value_get_child (data, 0), 1)), ==, 0);

  {
    g_autoptr(PetrelImapStatusInfo) st =
      petrel_imap_response_dup_status (g_ptr_array_index (rs, 3), FALSE, NULL);

    g_assert_cmpstr (st->raw_name, ==, "A B C");
    g_assert_cmpuint (st->messages, ==, 1);
  }
  {
    const PetrelImapFetch *f = get_fetch (g_ptr_array_index (rs, 2));

    g_assert_cmpuint (f->n_sections, ==, 3);
    g_assert_cmpstr (petrel_imap_value_get_string (f->sections[1].value, NULL), ==, "{}");
    g_assert_cmpstr (petrel_imap_value_get_string (f->sections[2].value, NULL), ==, "\"");
  }
  {
    /* A literal's content that looks like a literal marker is data. */
    PetrelImapValue *items = petrel_imap_value_get_child (
      petrel_imap_response_get_data (g_ptr_array_index (rs, 4)), 0);

    g_assert_cmpstr (petrel_imap_value_get_string (petrel_imap_value_get_child (items, 1), NULL),
                     ==, "{4}\r\n");
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Streaming                                                                                   */

typedef struct
{
  guint count;
  guint32 last_uid;
  guint stop_at;
} StreamState;

static gboolean
on_response_cb (PetrelImapParser   *parser,
                PetrelImapResponse *response,
                gpointer            user_data,
                GError            **error)
{
  StreamState *state = user_data;

  if (petrel_imap_response_get_response_type (response) == PETREL_IMAP_RESPONSE_TYPE_FETCH)
    {
      const PetrelImapFetch *f = petrel_imap_response_get_fetch (response, error);

      if (f == NULL)
        return FALSE;
      g_assert_cmpuint (f->uid, ==, state->last_uid + 1);
      state->last_uid = f->uid;
    }
  state->count++;
  if (state->count == state->stop_at)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "stop here");
      return FALSE;
    }
  return TRUE;
}

static void
test_streaming (void)
{
  g_autoptr(PetrelImapParser) parser = petrel_imap_parser_new ();
  g_autoptr(GString) wire = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  StreamState state = { 0, 0, 0 };
  gsize pos = 0;

  for (guint i = 1; i <= 20000; i++)
    g_string_append_printf (wire, "* %u FETCH (UID %u FLAGS (\\Seen) RFC822.SIZE %u ENVELOPE "
                            "(NIL \"s%u\" NIL NIL NIL NIL NIL NIL NIL NIL))\r\n", i, i, i * 3, i);
  g_string_append (wire, "A1 OK done\r\n");

  petrel_imap_parser_set_response_func (parser, on_response_cb, &state, NULL);
  /* Odd-sized chunks, as from a socket. */
  while (pos < wire->len)
    {
      gsize n = MIN (4093, wire->len - pos);

      g_assert_true (petrel_imap_parser_feed (parser, (const guint8 *) wire->str + pos, n, &error));
      g_assert_no_error (error);
      /* Nothing accumulates. */
      g_assert_null (petrel_imap_parser_pop (parser));
      pos += n;
    }
  g_assert_cmpuint (state.count, ==, 20001);
  g_assert_cmpuint (state.last_uid, ==, 20000);
  g_assert_false (petrel_imap_parser_is_mid_response (parser));

  /* A response func can stop the stream; the parser then stays failed with its error. */
  g_clear_object (&parser);
  parser = petrel_imap_parser_new ();
  state.count = state.last_uid = 0;
  state.stop_at = 3;
  petrel_imap_parser_set_response_func (parser, on_response_cb, &state, NULL);
  g_assert_false (petrel_imap_parser_feed (parser, (const guint8 *) wire->str, wire->len, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (state.count, ==, 3);
  g_assert_true (petrel_imap_parser_has_failed (parser));
  g_clear_error (&error);
  g_assert_false (petrel_imap_parser_feed (parser, (const guint8 *) "* OK\r\n", 6, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* Reset gives a clean parser. */
  petrel_imap_parser_reset (parser);
  state.stop_at = 0;
  g_assert_false (petrel_imap_parser_has_failed (parser));
  g_assert_true (petrel_imap_parser_feed (parser, (const guint8 *) "* OK\r\n", 6, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (state.count, ==, 4);
}

static gboolean
reset_on_ok_cb (PetrelImapParser   *parser,
                PetrelImapResponse *response,
                gpointer            user_data,
                GError            **error)
{
  guint *count = user_data;

  (*count)++;
  /* As the client does after "A1 OK Begin TLS": anything the server sent in the clear after it
   * must not be taken as a response. */
  if (petrel_imap_response_get_kind (response) == PETREL_IMAP_RESPONSE_TAGGED)
    petrel_imap_parser_reset (parser);
  return TRUE;
}

static void
test_reset_in_callback (void)
{
  static const char wire[] = "A1 OK Begin TLS negotiation now\r\n* OK [ALERT] injected\r\n* 1";
  g_autoptr(PetrelImapParser) parser = petrel_imap_parser_new ();
  g_autoptr(GError) error = NULL;
  guint count = 0;

  petrel_imap_parser_set_response_func (parser, reset_on_ok_cb, &count, NULL);
  g_assert_true (petrel_imap_parser_feed (parser, (const guint8 *) wire, strlen (wire), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count, ==, 1);
  g_assert_false (petrel_imap_parser_is_mid_response (parser));
}

/* ------------------------------------------------------------------------------------------ */
/* Hostile input                                                                               */

static void
test_hostile_literal_sizes (void)
{
  expect_parse_error ("* 1 FETCH (BODY[] {4294967296}\r\n", -1, PETREL_IMAP_ERROR_LIMIT);
  expect_parse_error ("* 1 FETCH (BODY[] {99999999999999999999}\r\n", -1, PETREL_IMAP_ERROR_LIMIT);
  expect_parse_error ("* 1 FETCH (BODY[] {18446744073709551616}\r\n", -1, PETREL_IMAP_ERROR_LIMIT);
  expect_parse_error ("* 1 FETCH (BODY[] ~{99999999999999999999999999999999999999}\r\n", -1,
                      PETREL_IMAP_ERROR_LIMIT);

  /* {4294967295} is within the default limit: the parser waits for the bytes (spooled to disk,
   * nothing allocated up front). A lower limit refuses it. */
  {
    g_autoptr(PetrelImapParser) parser = petrel_imap_parser_new ();
    g_autoptr(GError) error = NULL;
    static const char wire[] = "* 1 FETCH (BODY[] {4294967295}\r\nabc";

    g_assert_true (petrel_imap_parser_feed (parser, (const guint8 *) wire, strlen (wire), &error));
    g_assert_no_error (error);
    g_assert_true (petrel_imap_parser_is_mid_response (parser));
    g_clear_object (&parser);

    parser = petrel_imap_parser_new ();
    petrel_imap_parser_set_max_literal_size (parser, 1000);
    g_assert_false (petrel_imap_parser_feed (parser, (const guint8 *) wire, strlen (wire), &error));
    g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_LIMIT);
  }
}

static void
test_hostile_long_line (void)
{
  const gsize len = 10 * 1024 * 1024;
  g_autofree char *wire = g_malloc (len + 3);
  g_autoptr(PetrelImapParser) parser = NULL;
  g_autoptr(GError) error = NULL;
  gsize pos = 0;

  memcpy (wire, "* OK ", 5);
  memset (wire + 5, 'a', len - 5);
  memcpy (wire + len, "\r\n", 3);

  /* Whole. */
  parser = petrel_imap_parser_new ();
  g_assert_false (petrel_imap_parser_feed (parser, (const guint8 *) wire, len + 2, &error));
  g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_LIMIT);
  g_assert_true (petrel_imap_parser_has_failed (parser));
  g_clear_error (&error);
  g_clear_object (&parser);

  /* In chunks, without a line end in sight: fails as soon as the limit is passed. */
  parser = petrel_imap_parser_new ();
  while (pos < len)
    {
      if (!petrel_imap_parser_feed (parser, (const guint8 *) wire + pos, 65536, &error))
        break;
      pos += 65536;
    }
  g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_LIMIT);
  g_assert_cmpuint (pos, <=, PETREL_IMAP_PARSER_DEFAULT_MAX_LINE_LENGTH);
  g_assert_cmpuint (pos, >=, PETREL_IMAP_PARSER_DEFAULT_MAX_LINE_LENGTH - 65536);
  g_clear_error (&error);
  g_clear_object (&parser);

  /* A long line split by small literals is still bounded as a whole. */
  {
    ParserConfig config = { 0, NULL, 4096 };
    g_autoptr(GString) w = g_string_new ("* 1 FETCH (");
    g_autoptr(GPtrArray) rs = NULL;

    for (guint i = 0; i < 300; i++)
      g_string_append (w, "X-ITEM-PADDING {1}\r\nx ");
    g_string_append (w, ")\r\n");
    rs = parse_checked_full (w->str, (gssize) w->len, &config, NULL, &error);
    g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_LIMIT);
  }
}

/* The innermost value of @v's first children, and how many lists lead to it. */
static const PetrelImapValue *
first_leaf (const PetrelImapValue *v,
            guint                 *out_depth)
{
  *out_depth = 0;
  while (petrel_imap_value_is_list (v))
    {
      v = petrel_imap_value_get_child (v, 0);
      (*out_depth)++;
    }
  return v;
}

static void
test_hostile_nesting (void)
{
  const gsize n = 100000;
  g_autoptr(GString) wire = g_string_new ("* 1 FETCH ");
  g_autoptr(GPtrArray) rs = NULL;
  const PetrelImapValue *v;
  guint depth;

  /* Lists nested deeper than the limit become NIL and the response still parses: one
   * message's absurd BODYSTRUCTURE must not fail a whole FETCH. A hundred thousand levels
   * cost no more than the line they came in. */
  for (gsize i = 0; i < n; i++)
    g_string_append_c (wire, '(');
  for (gsize i = 0; i < n; i++)
    g_string_append_c (wire, ')');
  g_string_append (wire, "\r\n* 2 EXISTS\r\n");
  rs = parse_checked (wire->str);
  g_assert_cmpuint (rs->len, ==, 2);
  v = first_leaf (petrel_imap_response_get_data (g_ptr_array_index (rs, 0)), &depth);
  /* The response's data list, then the limit's worth of lists, then NIL. */
  g_assert_cmpuint (depth, ==, 1 + PETREL_IMAP_PARSER_DEFAULT_MAX_DEPTH);
  g_assert_true (petrel_imap_value_is_nil (v));
  g_clear_pointer (&rs, g_ptr_array_unref);

  /* 64 deep is kept whole; of 65, the innermost list becomes NIL. */
  {
    g_autoptr(GString) ok = g_string_new ("* X ");

    for (guint i = 0; i < 64; i++)
      g_string_append_c (ok, '(');
    g_string_append (ok, "deep");
    for (guint i = 0; i < 64; i++)
      g_string_append_c (ok, ')');
    g_string_append (ok, "\r\n");
    rs = parse_checked (ok->str);
    v = first_leaf (petrel_imap_response_get_data (g_ptr_array_index (rs, 0)), &depth);
    g_assert_cmpuint (depth, ==, 1 + 64);
    g_assert_cmpstr (petrel_imap_value_get_atom (v), ==, "deep");
    g_clear_pointer (&rs, g_ptr_array_unref);

    g_string_insert_c (ok, 4, '(');
    g_string_insert_c (ok, ok->len - 2, ')');
    rs = parse_checked (ok->str);
    v = first_leaf (petrel_imap_response_get_data (g_ptr_array_index (rs, 0)), &depth);
    g_assert_cmpuint (depth, ==, 1 + 64);
    g_assert_true (petrel_imap_value_is_nil (v));
    g_clear_pointer (&rs, g_ptr_array_unref);
  }

  /* What a dropped list holds is still read as IMAP: parentheses in quoted strings and
   * literals do not end it, and the items after it survive. */
  {
    g_autoptr(GString) w = g_string_new ("* 7 FETCH (BODYSTRUCTURE ");
    const PetrelImapValue *items;
    guint64 uid = 0;

    for (guint i = 0; i < 70; i++)
      g_string_append (w, "(\"TEXT\" \")(\" ");
    g_string_append (w, "{3}\r\n)((");
    for (guint i = 0; i < 70; i++)
      g_string_append (w, ") ");
    g_string_append (w, "UID 42)\r\n");
    rs = parse_checked (w->str);
    g_assert_cmpuint (rs->len, ==, 1);
    items = petrel_imap_value_get_child (petrel_imap_response_get_data (g_ptr_array_index (rs, 0)),
                                         0);
    g_assert_cmpuint (petrel_imap_value_get_length (items), ==, 4);
    g_assert_cmpstr (petrel_imap_value_get_atom (petrel_imap_value_get_child (items, 2)), ==,
                     "UID");
    g_assert_true (petrel_imap_value_get_number (petrel_imap_value_get_child (items, 3), &uid));
    g_assert_cmpuint (uid, ==, 42);
    g_assert_true (petrel_imap_value_is_nil (petrel_imap_value_get_child (items, 1)) ||
                   petrel_imap_value_is_list (petrel_imap_value_get_child (items, 1)));
    g_clear_pointer (&rs, g_ptr_array_unref);
  }

  /* Unbalanced stays an error, dropped or not. */
  {
    g_autoptr(GString) w = g_string_new ("* 1 FETCH ");

    for (guint i = 0; i < 80; i++)
      g_string_append_c (w, '(');
    for (guint i = 0; i < 79; i++)
      g_string_append_c (w, ')');
    g_string_append (w, "\r\n");
    expect_parse_error (w->str, -1, PETREL_IMAP_ERROR_PARSE);
  }
}

static void
test_hostile_tokens (void)
{
  /* A NUL byte in a line. */
  expect_parse_error ("* OK hello\0world\r\n", 18, PETREL_IMAP_ERROR_PARSE);
  expect_parse_error ("* 1 FETCH (UID 1\0)\r\n", 20, PETREL_IMAP_ERROR_PARSE);
  /* A quoted string with a bare CR (and one with a bare LF, which ends the line). */
  expect_parse_error ("* LIST () \"/\" \"a\rb\"\r\n", -1, PETREL_IMAP_ERROR_PARSE);
  expect_parse_error ("* LIST () \"/\" \"a\nb\"\r\n", -1, PETREL_IMAP_ERROR_PARSE);
  /* A bare CR between tokens. */
  expect_parse_error ("* 1 FETCH (UID\r1)\r\n", -1, PETREL_IMAP_ERROR_PARSE);
  /* 8-bit bytes in an atom that are not UTF-8. */
  expect_parse_error ("* FLAGS (\\Seen caf\xe9)\r\n", -1, PETREL_IMAP_ERROR_PARSE);
  /* Unbalanced lists, stray tokens. */
  expect_parse_error ("* 1 FETCH (UID 1))\r\n", -1, PETREL_IMAP_ERROR_PARSE);
  expect_parse_error ("* 1 FETCH ((UID 1)\r\n", -1, PETREL_IMAP_ERROR_PARSE);
  expect_parse_error ("* LIST () \"/\" \"unterminated\r\n", -1, PETREL_IMAP_ERROR_PARSE);
  expect_parse_error ("* 1 FETCH (BODY[] {5} UID 1)\r\n", -1, PETREL_IMAP_ERROR_PARSE);
  expect_parse_error ("* 1 FETCH (BODY[1 \"x\")\r\n", -1, PETREL_IMAP_ERROR_PARSE);
  expect_parse_error ("* 1 FETCH (X ~{3} Y)\r\n", -1, PETREL_IMAP_ERROR_PARSE);
  expect_parse_error ("* 1 FETCH (\x01)\r\n", -1, PETREL_IMAP_ERROR_PARSE);
  /* Bad structure. */
  expect_parse_error ("*\r\n", -1, PETREL_IMAP_ERROR_PARSE);
  expect_parse_error ("* \r\n", -1, PETREL_IMAP_ERROR_PARSE);
  expect_parse_error ("A1\r\n", -1, PETREL_IMAP_ERROR_PARSE);
  expect_parse_error ("A1 FETCH (UID 1)\r\n", -1, PETREL_IMAP_ERROR_PARSE);
  expect_parse_error ("A(1 OK x\r\n", -1, PETREL_IMAP_ERROR_PARSE);
  expect_parse_error ("* 99999999999 EXISTS\r\n", -1, PETREL_IMAP_ERROR_PARSE);
  expect_parse_error ("* 5 OK hmm\r\n", -1, PETREL_IMAP_ERROR_PARSE);
  expect_parse_error ("* 5\r\n", -1, PETREL_IMAP_ERROR_PARSE);
  expect_parse_error ("\xff\xfe\r\n", -1, PETREL_IMAP_ERROR_PARSE);

  /* Responses before the bad one are still delivered. */
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *dump = NULL;
    g_autoptr(GPtrArray) rs = parse_checked_full ("* 1 EXISTS\r\n* 1 FETCH (UID 1))\r\n* 2 EXISTS\r\n",
                                                  -1, NULL, &dump, &error);

    g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_PARSE);
    g_assert_cmpuint (rs->len, ==, 1);
    g_assert_true (g_str_has_suffix (dump, "ERROR 1\n"));
  }
}

static void
test_lenient_tokens (void)
{
  g_autoptr(GPtrArray) rs = NULL;
  PetrelImapValue *data;
  guint64 n = 0;

  /* Valid UTF-8 atoms, bare LF line ends, blank lines, big numbers, numbers too big for 64 bits
   * (atoms), ']' inside atoms outside codes, '~' inside atoms, escapes in quoted strings. */
  rs = parse_checked ("* FLAGS (\\Seen caf\xc3\xa9)\n"
                      "\r\n"
                      "* X 18446744073709551615 18446744073709551616 99999999999999999999999 007\r\n"
                      "* LIST () \"/\" foo]bar\r\n"
                      "* X a~b \"q\\\"uo\\\\te\" nil Nil\r\n");
  g_assert_cmpuint (rs->len, ==, 4);

  data = petrel_imap_response_get_data (g_ptr_array_index (rs, 1));
  g_assert_true (petrel_imap_value_get_number (petrel_imap_value_get_child (data, 0), &n));
  g_assert_cmpuint (n, ==, G_MAXUINT64);
  g_assert_cmpstr (petrel_imap_value_get_atom (petrel_imap_value_get_child (data, 1)), ==,
                   "18446744073709551616");
  g_assert_false (petrel_imap_value_get_number (petrel_imap_value_get_child (data, 2), &n));
  g_assert_true (petrel_imap_value_get_number (petrel_imap_value_get_child (data, 3), &n));
  g_assert_cmpuint (n, ==, 7);
  g_assert_cmpstr (petrel_imap_value_get_string (petrel_imap_value_get_child (data, 3), NULL), ==,
                   "007");

  {
    g_autoptr(PetrelImapMailboxInfo) info =
      petrel_imap_response_dup_list (g_ptr_array_index (rs, 2), FALSE, NULL);

    g_assert_cmpstr (info->name, ==, "foo]bar");
  }

  data = petrel_imap_response_get_data (g_ptr_array_index (rs, 3));
  g_assert_cmpstr (petrel_imap_value_get_atom (petrel_imap_value_get_child (data, 0)), ==, "a~b");
  g_assert_cmpstr (petrel_imap_value_get_string (petrel_imap_value_get_child (data, 1), NULL), ==,
                   "q\"uo\\te");
  g_assert_true (petrel_imap_value_is_nil (petrel_imap_value_get_child (data, 2)));
  g_assert_true (petrel_imap_value_is_nil (petrel_imap_value_get_child (data, 3)));
  g_assert_null (petrel_imap_value_get_string (petrel_imap_value_get_child (data, 3), NULL));
}

static void
test_value_to_string (void)
{
  g_autoptr(PetrelImapResponse) r = parse_one ("* 1 FETCH (UID 1 BODY[] {5}\r\nsecre FLAGS (\\Seen) "
                                               "X \"a\\\"b\" Y NIL)\r\n");
  g_autofree char *s = petrel_imap_value_to_string (petrel_imap_response_get_data (r));
  g_autofree char *t = petrel_imap_response_to_string (r);

  g_assert_cmpstr (s, ==, "((UID 1 BODY[] {5} FLAGS (\\Seen) X \"a\\\"b\" Y NIL))");
  g_assert_cmpstr (t, ==, "* 1 FETCH (UID 1 BODY[] {5} FLAGS (\\Seen) X \"a\\\"b\" Y NIL)");
  g_assert_null (strstr (s, "secre"));
}

/* ------------------------------------------------------------------------------------------ */
/* Modified UTF-7                                                                              */

static void
check_utf7_round_trip (const char *utf8,
                       const char *mutf7)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *enc = petrel_imap_utf7_encode (utf8, &error);
  g_autofree char *dec = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (enc, ==, mutf7);
  dec = petrel_imap_utf7_decode (mutf7, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (dec, ==, utf8);
}

static void
check_utf7_bad (const char *mutf7)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dec = petrel_imap_utf7_decode (mutf7, &error);

  g_assert_null (dec);
  g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_PARSE);
}

static void
test_utf7 (void)
{
  g_autoptr(GError) error = NULL;
  char *s;

  check_utf7_round_trip ("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", "&ZeVnLIqe-");
  check_utf7_round_trip ("&", "&-");
  check_utf7_round_trip ("INBOX", "INBOX");
  check_utf7_round_trip ("", "");
  check_utf7_round_trip ("Entw\xc3\xbcrfe", "Entw&APw-rfe");
  check_utf7_round_trip ("~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
                         "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
  check_utf7_round_trip ("A&B\xc3\xa9&", "A&-B&AOk-&-");
  check_utf7_round_trip ("\xf0\x9f\x98\x80 smile", "&2D3eAA- smile");
  check_utf7_round_trip ("\xd0\x9e\xd1\x82\xd0\xbf\xd1\x80\xd0\xb0\xd0\xb2\xd0\xbb\xd0\xb5\xd0\xbd"
                         "\xd0\xbd\xd1\x8b\xd0\xb5", "&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-");

  check_utf7_bad ("&Jjo!");
  check_utf7_bad ("&");
  check_utf7_bad ("&ZeVnLIqe");        /* unterminated */
  check_utf7_bad ("&AAA-");            /* NUL */
  check_utf7_bad ("&2D0-");            /* lone high surrogate (and bad padding) */
  check_utf7_bad ("&3gA-");            /* lone low surrogate */
  check_utf7_bad ("&2D3eAA");          /* unterminated pair */
  check_utf7_bad ("&APx-");            /* non-zero padding bits */
  check_utf7_bad ("caf\xc3\xa9");      /* raw 8-bit */
  check_utf7_bad ("a\tb");             /* control */
  check_utf7_bad ("&A-");              /* too few bits */

  s = petrel_imap_utf7_encode ("bad\xff", &error);
  g_assert_null (s);
  g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_INVALID);
  g_clear_error (&error);
  s = petrel_imap_utf7_encode ("a\nb", &error);
  g_assert_null (s);
  g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_INVALID);
}

static void
test_utf7_exhaustive (void)
{
  /* Every BMP character (bar surrogates and controls) and some astral ones survive a round trip;
   * random bytes never crash the decoder. */
  GString *all = g_string_new (NULL);
  g_autofree char *enc = NULL;
  g_autofree char *dec = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);

  for (gunichar c = 0x20; c < 0x30000; c++)
    {
      if ((c >= 0xd800 && c <= 0xdfff) || c == 0x7f)
        continue;
      g_string_append_unichar (all, c);
    }
  enc = petrel_imap_utf7_encode (all->str, NULL);
  g_assert_nonnull (enc);
  for (const char *p = enc; p != NULL && *p; p++)
    g_assert_true (*p >= 0x20 && *p < 0x7f);
  dec = petrel_imap_utf7_decode (enc, NULL);
  g_assert_cmpstr (dec, ==, all->str);
  g_string_free (all, TRUE);

  for (guint i = 0; i < 20000; i++)
    {
      char buf[16];
      guint len = g_rand_int_range (rand, 0, sizeof buf);
      g_autofree char *out = NULL;
      g_autoptr(GError) error = NULL;

      static const char alphabet[] = "&-AZaz09+,/!\x80 ";

      for (guint j = 0; j < len; j++)
        buf[j] = alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];
      buf[len] = '\0';
      out = petrel_imap_utf7_decode (buf, &error);
      g_assert_true ((out == NULL) != (error == NULL));
      if (out != NULL)
        g_assert_true (g_utf8_validate (out, -1, NULL));
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Sequence sets                                                                               */

static char *
seqset_string (const PetrelImapSeqSet *set)
{
  return petrel_imap_seqset_to_string (set);
}

static void
test_seqset_build (void)
{
  static const guint32 uids[] = { 12, 3, 1, 9, 2, 7, 5, 4, 10, 11, 3, 12, 0, 1 };
  g_autoptr(PetrelImapSeqSet) set = petrel_imap_seqset_new_from_array (uids, G_N_ELEMENTS (uids));
  g_autoptr(PetrelImapSeqSet) copy = NULL;
  g_autoptr(GArray) array = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *s = seqset_string (set);
  PetrelImapSeqSetIter iter;
  guint32 v, lo = 0, hi = 0;
  guint32 expect[] = { 1, 2, 3, 4, 5, 7, 9, 10, 11, 12 };
  guint i = 0;

  g_assert_cmpstr (s, ==, "1:5,7,9:12");
  g_assert_cmpuint (petrel_imap_seqset_count (set), ==, 10);
  g_assert_cmpuint (petrel_imap_seqset_get_n_ranges (set), ==, 3);
  g_assert_true (petrel_imap_seqset_contains (set, 7));
  g_assert_false (petrel_imap_seqset_contains (set, 8));
  g_assert_false (petrel_imap_seqset_contains (set, 13));
  g_assert_true (petrel_imap_seqset_get_bounds (set, &lo, &hi));
  g_assert_cmpuint (lo, ==, 1);
  g_assert_cmpuint (hi, ==, 12);

  petrel_imap_seqset_iter_init (&iter, set);
  while (petrel_imap_seqset_iter_next (&iter, &v))
    g_assert_cmpuint (v, ==, expect[i++]);
  g_assert_cmpuint (i, ==, G_N_ELEMENTS (expect));

  array = petrel_imap_seqset_to_array (set, 100, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (array->data, array->len * sizeof (guint32), expect, sizeof expect);
  g_assert_null (petrel_imap_seqset_to_array (set, 9, &error));
  g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_LIMIT);

  /* Adding merges. */
  copy = petrel_imap_seqset_copy (set);
  petrel_imap_seqset_add (copy, 8);
  g_clear_pointer (&s, g_free);
  s = seqset_string (copy);
  g_assert_cmpstr (s, ==, "1:5,7:12");
  petrel_imap_seqset_add (copy, 6);
  g_clear_pointer (&s, g_free);
  s = seqset_string (copy);
  g_assert_cmpstr (s, ==, "1:12");
  petrel_imap_seqset_add_range (copy, 100, 20);
  petrel_imap_seqset_add_range (copy, 14, 15);
  petrel_imap_seqset_add (copy, G_MAXUINT32);
  g_clear_pointer (&s, g_free);
  s = seqset_string (copy);
  g_assert_cmpstr (s, ==, "1:12,14:15,20:100,4294967295");
  petrel_imap_seqset_add_range (copy, 13, 4294967294u);
  g_clear_pointer (&s, g_free);
  s = seqset_string (copy);
  g_assert_cmpstr (s, ==, "1:4294967295");
  g_assert_cmpuint (petrel_imap_seqset_count (copy), ==, G_MAXUINT32);

  /* Empty. */
  {
    g_autoptr(PetrelImapSeqSet) empty = petrel_imap_seqset_new_from_array (NULL, 0);
    g_autofree char *e = seqset_string (empty);

    g_assert_true (petrel_imap_seqset_is_empty (empty));
    g_assert_cmpstr (e, ==, "");
    g_assert_false (petrel_imap_seqset_get_bounds (empty, NULL, NULL));
    petrel_imap_seqset_iter_init (&iter, empty);
    g_assert_false (petrel_imap_seqset_iter_next (&iter, &v));
  }
}

static void
test_seqset_random (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);

  /* Build from random UIDs, check against a naive model, round-trip through the parser. */
  for (guint round = 0; round < 200; round++)
    {
      guint n = g_rand_int_range (rand, 0, 300);
      g_autofree guint32 *uids = g_new (guint32, n + 1);
      g_autoptr(PetrelImapSeqSet) set = NULL;
      g_autoptr(PetrelImapSeqSet) parsed = NULL;
      g_autoptr(PetrelImapSeqSet) added = petrel_imap_seqset_new ();
      g_autoptr(GError) error = NULL;
      g_autofree char *s = NULL;
      g_autofree char *s2 = NULL;
      g_autofree char *s3 = NULL;
      gboolean seen[601] = { FALSE, };
      guint distinct = 0;

      for (guint i = 0; i < n; i++)
        {
          uids[i] = g_rand_int_range (rand, 1, 601);
          petrel_imap_seqset_add (added, uids[i]);
          if (!seen[uids[i]])
            distinct++;
          seen[uids[i]] = TRUE;
        }
      set = petrel_imap_seqset_new_from_array (uids, n);
      g_assert_cmpuint (petrel_imap_seqset_count (set), ==, distinct);
      for (guint v = 1; v <= 600; v++)
        g_assert_cmpint (petrel_imap_seqset_contains (set, v), ==, seen[v]);
      /* Compressed: no two ranges touch. */
      for (guint i = 1; i < petrel_imap_seqset_get_n_ranges (set); i++)
        g_assert_cmpuint (petrel_imap_seqset_get_range (set, i)->first, >,
                          petrel_imap_seqset_get_range (set, i - 1)->last + 1);

      s = seqset_string (set);
      s3 = seqset_string (added);
      g_assert_cmpstr (s, ==, s3);
      if (n == 0)
        continue;
      parsed = petrel_imap_seqset_parse (s, 0, 0, &error);
      g_assert_no_error (error);
      s2 = seqset_string (parsed);
      g_assert_cmpstr (s, ==, s2);

      /* Split pieces cover the same values, in order, each within the length. */
      {
        g_autoptr(GPtrArray) pieces = petrel_imap_seqset_split (set, 30);
        guint64 total = 0;

        for (guint i = 0; i < pieces->len; i++)
          {
            g_autofree char *p = seqset_string (g_ptr_array_index (pieces, i));

            g_assert_cmpuint (strlen (p), <=, 30);
            g_assert_cmpuint (strlen (p), >, 0);
            total += petrel_imap_seqset_count (g_ptr_array_index (pieces, i));
          }
        g_assert_cmpuint (total, ==, distinct);
      }
    }
}

static void
test_seqset_parse (void)
{
  static const char *bad[] = {
    "", "0", "1:0", ",", "1,", ",1", "1::2", "1:", ":1", "a", "1 2", "-1", "+1", "4294967296",
    "99999999999999999999", "1:*", "*",
  };
  g_autoptr(PetrelImapSeqSet) set = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *s = NULL;
  guint32 lo, hi;

  set = petrel_imap_seqset_parse ("9:3,1,*:20", 25, 0, &error);
  g_assert_no_error (error);
  s = seqset_string (set);
  /* Server order kept (COPYUID pairs by position), reversed ranges turned round. */
  g_assert_cmpstr (s, ==, "3:9,1,20:25");
  g_assert_cmpuint (petrel_imap_seqset_count (set), ==, 14);
  g_assert_true (petrel_imap_seqset_contains (set, 1));
  g_assert_true (petrel_imap_seqset_contains (set, 22));
  g_assert_false (petrel_imap_seqset_contains (set, 10));
  g_assert_true (petrel_imap_seqset_get_bounds (set, &lo, &hi));
  g_assert_cmpuint (lo, ==, 1);
  g_assert_cmpuint (hi, ==, 25);
  g_clear_pointer (&set, petrel_imap_seqset_free);

  set = petrel_imap_seqset_parse ("1:4294967295", 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (petrel_imap_seqset_count (set), ==, G_MAXUINT32);
  g_clear_pointer (&set, petrel_imap_seqset_free);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      set = petrel_imap_seqset_parse (bad[i], 0, 0, &error);
      if (set != NULL)
        g_error ("“%s” should not parse", bad[i]);
      g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_PARSE);
      g_clear_error (&error);
    }

  set = petrel_imap_seqset_parse ("1,2,3,4", 0, 3, &error);
  g_assert_null (set);
  g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_LIMIT);
}

/* ------------------------------------------------------------------------------------------ */
/* Commands                                                                                    */

/* Joins chunks, checking the framing: every chunk but the last ends with a synchronising literal
 * header, and outside literal data the only CRLF is the one ending the command. Returns the wire
 * form with "<WAIT>" where the client must wait for a continuation. */
static char *
serialize_checked (PetrelImapCommand     *cmd,
                   PetrelImapLiteralMode  mode)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) chunks = petrel_imap_command_serialize (cmd, mode, &error);
  g_autoptr(GByteArray) all = g_byte_array_new ();
  GString *out = g_string_new (NULL);
  gsize pos = 0, line_ends = 0;

  g_assert_no_error (error);
  g_assert_nonnull (chunks);
  g_assert_cmpuint (chunks->len, >=, 1);

  for (guint i = 0; i < chunks->len; i++)
    {
      gsize size;
      const char *data = g_bytes_get_data (g_ptr_array_index (chunks, i), &size);

      if (i + 1 < chunks->len)
        {
          g_assert_cmpuint (size, >=, 5);
          g_assert_true (data[size - 3] == '}' && data[size - 2] == '\r' && data[size - 1] == '\n');
          g_assert_true (data[size - 4] != '+');
        }
      g_byte_array_append (all, (const guint8 *) data, (guint) size);
      g_string_append_len (out, data, (gssize) size);
      if (i + 1 < chunks->len)
        g_string_append (out, "<WAIT>");
    }

  /* Walk the command as a server would. */
  while (pos < all->len)
    {
      const char *d = (const char *) all->data;
      const char *lf = memchr (d + pos, '\n', all->len - pos);
      gsize line_end;

      g_assert_nonnull (lf);
      line_end = (gsize) (lf - d);
      g_assert_cmpuint (line_end, >, pos);
      g_assert_cmpint (d[line_end - 1], ==, '\r');
      for (gsize i = pos; i < line_end - 1; i++)
        g_assert_true (d[i] != '\r' && d[i] != '\0');
      line_ends++;
      pos = line_end + 1;
      if (d[line_end - 2] == '}')
        {
          /* A literal header `{N}` / `{N+}` (a lone '}' is just a character): skip its bytes. */
          gsize q = line_end - 2;

          if (q > 0 && d[q - 1] == '+')
            q--;
          while (q > 0 && g_ascii_isdigit (d[q - 1]))
            q--;
          if (q > 0 && d[q - 1] == '{' && g_ascii_isdigit (d[q]))
            {
              pos += g_ascii_strtoull (d + q, NULL, 10);
              g_assert_cmpuint (pos, <=, all->len);
              line_ends--;
            }
        }
    }
  g_assert_cmpuint (line_ends, ==, 1);
  return g_string_free (out, FALSE);
}

static void
test_command_basic (void)
{
  g_autoptr(PetrelImapCommand) cmd = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *wire = NULL;
  g_autofree char *log = NULL;
  g_autoptr(PetrelImapSeqSet) set = NULL;
  static const guint32 uids[] = { 5, 1, 2, 3, 9 };
  const char *flags[] = { "\\Seen", "$Forwarded", "\\Flagged", NULL };

  cmd = petrel_imap_command_new ("A1", "noop");
  g_assert_cmpstr (petrel_imap_command_get_name (cmd), ==, "NOOP");
  g_assert_cmpstr (petrel_imap_command_get_tag (cmd), ==, "A1");
  wire = serialize_checked (cmd, PETREL_IMAP_LITERAL_SYNC);
  g_assert_cmpstr (wire, ==, "A1 NOOP\r\n");
  g_clear_pointer (&wire, g_free);
  g_clear_object (&cmd);

  set = petrel_imap_seqset_new_from_array (uids, G_N_ELEMENTS (uids));
  cmd = petrel_imap_command_new ("A2", "UID STORE");
  g_assert_true (petrel_imap_command_add_seqset (cmd, set, &error));
  g_assert_true (petrel_imap_command_add_atom (cmd, "+FLAGS.SILENT", &error));
  g_assert_true (petrel_imap_command_add_flags (cmd, flags, &error));
  g_assert_no_error (error);
  wire = serialize_checked (cmd, PETREL_IMAP_LITERAL_SYNC);
  g_assert_cmpstr (wire, ==, "A2 UID STORE 1:3,5,9 +FLAGS.SILENT (\\Seen $Forwarded \\Flagged)\r\n");
  g_clear_pointer (&wire, g_free);
  g_clear_object (&cmd);

  cmd = petrel_imap_command_new ("A3", "UID FETCH");
  g_assert_true (petrel_imap_command_add_atom (cmd, "1:*", &error) == FALSE);
  g_clear_error (&error);
  g_clear_object (&cmd);

  cmd = petrel_imap_command_new ("A3", "UID FETCH");
  petrel_imap_command_add_number (cmd, 4294967295u);
  petrel_imap_command_begin_list (cmd);
  g_assert_true (petrel_imap_command_add_atom (cmd, "UID", &error));
  g_assert_true (petrel_imap_command_add_atom (cmd, "FLAGS", &error));
  g_assert_true (petrel_imap_command_add_token (cmd, "BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)]<0.2048>",
                                                &error));
  petrel_imap_command_begin_list (cmd);
  petrel_imap_command_end_list (cmd);
  petrel_imap_command_end_list (cmd);
  petrel_imap_command_begin_list (cmd);
  g_assert_true (petrel_imap_command_add_atom (cmd, "CHANGEDSINCE", &error));
  petrel_imap_command_add_number (cmd, G_MAXUINT64);
  petrel_imap_command_end_list (cmd);
  g_assert_no_error (error);
  wire = serialize_checked (cmd, PETREL_IMAP_LITERAL_SYNC);
  g_assert_cmpstr (wire, ==, "A3 UID FETCH 4294967295 (UID FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT "
                             "FROM)]<0.2048> ()) (CHANGEDSINCE 18446744073709551615)\r\n");
  log = petrel_imap_command_to_log_string (cmd);
  g_assert_cmpstr (log, ==, "A3 UID FETCH 4294967295 (UID FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT "
                            "FROM)]<0.2048> ()) (CHANGEDSINCE 18446744073709551615)");
}

static void
test_command_strings (void)
{
  g_autoptr(PetrelImapCommand) cmd = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *wire = NULL;

  cmd = petrel_imap_command_new ("A1", "LOGIN");
  g_assert_true (petrel_imap_command_add_astring (cmd, "fred", &error));
  g_assert_true (petrel_imap_command_add_astring (cmd, "pass word\"\\x", &error));
  g_assert_true (petrel_imap_command_add_astring (cmd, "", &error));
  g_assert_true (petrel_imap_command_add_astring (cmd, "nil", &error));
  g_assert_true (petrel_imap_command_add_astring (cmd, "a]b", &error));
  g_assert_true (petrel_imap_command_add_astring (cmd, "a*b%c", &error));
  g_assert_true (petrel_imap_command_add_string (cmd, "atomic", &error));
  g_assert_true (petrel_imap_command_add_nstring (cmd, NULL, &error));
  g_assert_true (petrel_imap_command_add_quoted (cmd, "q", &error));
  g_assert_no_error (error);
  wire = serialize_checked (cmd, PETREL_IMAP_LITERAL_SYNC);
  g_assert_cmpstr (wire, ==, "A1 LOGIN fred \"pass word\\\"\\\\x\" \"\" \"nil\" a]b \"a*b%c\" "
                             "\"atomic\" NIL \"q\"\r\n");
  g_clear_pointer (&wire, g_free);
  g_clear_object (&cmd);

  /* 8-bit: a literal without UTF-8, quoted with it. */
  cmd = petrel_imap_command_new ("A2", "SEARCH");
  g_assert_true (petrel_imap_command_add_atom (cmd, "CHARSET", &error));
  g_assert_true (petrel_imap_command_add_atom (cmd, "UTF-8", &error));
  g_assert_true (petrel_imap_command_add_atom (cmd, "SUBJECT", &error));
  g_assert_true (petrel_imap_command_add_astring (cmd, "caf\xc3\xa9", &error));
  wire = serialize_checked (cmd, PETREL_IMAP_LITERAL_SYNC);
  g_assert_cmpstr (wire, ==, "A2 SEARCH CHARSET UTF-8 SUBJECT {5}\r\n<WAIT>caf\xc3\xa9\r\n");
  g_clear_pointer (&wire, g_free);
  petrel_imap_command_set_utf8 (cmd, TRUE);
  g_clear_object (&cmd);
  cmd = petrel_imap_command_new ("A2", "SEARCH");
  petrel_imap_command_set_utf8 (cmd, TRUE);
  g_assert_true (petrel_imap_command_add_astring (cmd, "caf\xc3\xa9", &error));
  g_assert_true (petrel_imap_command_add_astring (cmd, "bad\xff", &error));
  wire = serialize_checked (cmd, PETREL_IMAP_LITERAL_SYNC);
  g_assert_cmpstr (wire, ==, "A2 SEARCH \"caf\xc3\xa9\" {4}\r\n<WAIT>bad\xff\r\n");
  g_clear_pointer (&wire, g_free);
  g_clear_object (&cmd);

  /* add_quoted refuses what cannot be quoted, and the command is then unusable. */
  cmd = petrel_imap_command_new ("A3", "X");
  g_assert_false (petrel_imap_command_add_quoted (cmd, "a\r\nb", &error));
  g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_nonnull (petrel_imap_command_get_error (cmd));
  g_assert_null (petrel_imap_command_serialize (cmd, PETREL_IMAP_LITERAL_SYNC, &error));
  g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_INVALID);
  g_clear_error (&error);
  g_clear_object (&cmd);

  /* Long strings go as literals. */
  {
    g_autofree char *longstr = g_strnfill (PETREL_IMAP_COMMAND_MAX_QUOTED + 1, 'x');
    g_autofree char *expect = g_strdup_printf ("A4 X {%d}\r\n<WAIT>%s\r\n",
                                               PETREL_IMAP_COMMAND_MAX_QUOTED + 1, longstr);

    cmd = petrel_imap_command_new ("A4", "X");
    g_assert_true (petrel_imap_command_add_string (cmd, longstr, &error));
    wire = serialize_checked (cmd, PETREL_IMAP_LITERAL_SYNC);
    /* "x..." is atom-safe but add_string never sends atoms: a literal because of length. */
    g_assert_cmpstr (wire, ==, expect);
  }
}

static void
test_command_injection (void)
{
  static const char *nasty[] = {
    "INBOX\r\nA1 DELETE INBOX",
    "a\rb",
    "a\nb",
    "\r\n",
    "x {5}",
    "x {5}\r\n",
    "\"quoted\"\r\nA2 LOGOUT",
    "tab\there",
    "trailing\r",
  };
  static const PetrelImapLiteralMode modes[] = {
    PETREL_IMAP_LITERAL_SYNC, PETREL_IMAP_LITERAL_PLUS, PETREL_IMAP_LITERAL_MINUS,
  };
  static const char *bad_flags[] = {
    "\\Seen\r\n", "foo bar", "(x", "x)", "\\*", "\\", "", "a\"b", "caf\xc3\xa9", "{5}", "a]b",
    "%", "a\\b",
  };
  static const char *bad_atoms[] = {
    "", "a b", "a\r\nb", "(", "x)", "a{1}", "\"q\"", "caf\xc3\xa9", "a\\b", "*", "]",
  };
  static const char *bad_tokens[] = {
    "BODY[HEADER\r\n]", " x", "x ", "a  b", "x {5}", "x\"y\"", "BODY[", "BODY]",
    "(a", "a b", "BODY[]\x01",
  };
  g_autoptr(GError) error = NULL;

  for (guint m = 0; m < G_N_ELEMENTS (modes); m++)
    for (guint i = 0; i < G_N_ELEMENTS (nasty); i++)
      {
        g_autoptr(PetrelImapCommand) cmd = petrel_imap_command_new ("A1", "SELECT");
        g_autofree char *wire = NULL;

        g_assert_true (petrel_imap_command_add_astring (cmd, nasty[i], &error));
        g_assert_true (petrel_imap_command_add_string (cmd, nasty[i], &error));
        g_assert_true (petrel_imap_command_add_nstring (cmd, nasty[i], &error));
        g_assert_true (petrel_imap_command_add_raw_mailbox (cmd, nasty[i], &error));
        g_assert_no_error (error);
        /* serialize_checked proves one command line with literals around the CR/LFs. */
        wire = serialize_checked (cmd, modes[m]);
        if (strchr (nasty[i], '\r') || strchr (nasty[i], '\n'))
          g_assert_nonnull (strstr (wire, "{"));
      }

  /* The example from the brief, exactly. */
  {
    g_autoptr(PetrelImapCommand) cmd = petrel_imap_command_new ("A1", "SELECT");
    g_autofree char *wire = NULL;

    g_assert_true (petrel_imap_command_add_astring (cmd, "INBOX\r\nA1 DELETE INBOX", &error));
    wire = serialize_checked (cmd, PETREL_IMAP_LITERAL_SYNC);
    g_assert_cmpstr (wire, ==, "A1 SELECT {22}\r\n<WAIT>INBOX\r\nA1 DELETE INBOX\r\n");
    g_clear_pointer (&wire, g_free);
    wire = serialize_checked (cmd, PETREL_IMAP_LITERAL_PLUS);
    g_assert_cmpstr (wire, ==, "A1 SELECT {22+}\r\nINBOX\r\nA1 DELETE INBOX\r\n");
  }

  for (guint i = 0; i < G_N_ELEMENTS (bad_flags); i++)
    {
      g_autoptr(PetrelImapCommand) cmd = petrel_imap_command_new ("A1", "STORE");
      const char *flags[] = { "\\Seen", bad_flags[i], NULL };

      if (petrel_imap_command_add_flags (cmd, flags, &error))
        g_error ("flag “%s” accepted", bad_flags[i]);
      g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_INVALID);
      g_clear_error (&error);
      g_assert_null (petrel_imap_command_serialize (cmd, PETREL_IMAP_LITERAL_PLUS, NULL));
    }

  for (guint i = 0; i < G_N_ELEMENTS (bad_atoms); i++)
    {
      g_autoptr(PetrelImapCommand) cmd = petrel_imap_command_new ("A1", "X");

      if (petrel_imap_command_add_atom (cmd, bad_atoms[i], &error))
        g_error ("atom “%s” accepted", bad_atoms[i]);
      g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_INVALID);
      g_clear_error (&error);
      g_assert_null (petrel_imap_command_serialize (cmd, PETREL_IMAP_LITERAL_PLUS, NULL));
    }

  for (guint i = 0; i < G_N_ELEMENTS (bad_tokens); i++)
    {
      g_autoptr(PetrelImapCommand) cmd = petrel_imap_command_new ("A1", "FETCH");

      if (petrel_imap_command_add_token (cmd, bad_tokens[i], &error))
        g_error ("token “%s” accepted", bad_tokens[i]);
      g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_INVALID);
      g_clear_error (&error);
    }

  /* Bad tags and names make a command that cannot be serialised. */
  {
    static const char *bad_tags[] = { "", "A+1", "A 1", "A\r\n1", "*", "(" };
    static const char *bad_names[] = { "", "UID  FETCH", " NOOP", "NOOP\r\nX", "A(B" };

    for (guint i = 0; i < G_N_ELEMENTS (bad_tags); i++)
      {
        g_autoptr(PetrelImapCommand) cmd = petrel_imap_command_new (bad_tags[i], "NOOP");

        g_assert_nonnull (petrel_imap_command_get_error (cmd));
        g_assert_null (petrel_imap_command_serialize (cmd, PETREL_IMAP_LITERAL_SYNC, &error));
        g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_INVALID);
        g_clear_error (&error);
      }
    for (guint i = 0; i < G_N_ELEMENTS (bad_names); i++)
      {
        g_autoptr(PetrelImapCommand) cmd = petrel_imap_command_new ("A1", bad_names[i]);

        g_assert_null (petrel_imap_command_serialize (cmd, PETREL_IMAP_LITERAL_SYNC, &error));
        g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_INVALID);
        g_clear_error (&error);
      }
  }

  /* Random strings never break framing. */
  {
    g_autoptr(GRand) rand = g_rand_new_with_seed (3);

    for (guint round = 0; round < 2000; round++)
      {
        g_autoptr(PetrelImapCommand) cmd = petrel_imap_command_new ("R1", "X");
        char buf[24];
        guint len = g_rand_int_range (rand, 0, sizeof buf);
        g_autofree char *wire = NULL;

        static const char alphabet[] = "\r\n \"\\{}()[]*%+~aZ0\x80\xc3\xa9\t";

        for (guint j = 0; j < len; j++)
          buf[j] = alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];
        buf[len] = '\0';
        petrel_imap_command_set_utf8 (cmd, g_rand_boolean (rand));
        g_assert_true (petrel_imap_command_add_astring (cmd, buf, NULL));
        g_assert_true (petrel_imap_command_add_string (cmd, buf, NULL));
        petrel_imap_command_add_mailbox (cmd, buf, NULL);
        petrel_imap_command_add_atom (cmd, buf, NULL);
        petrel_imap_command_add_token (cmd, buf, NULL);
        if (petrel_imap_command_get_error (cmd) == NULL)
          wire = serialize_checked (cmd, g_rand_int_range (rand, 0, 3));
      }
  }
}

static void
test_command_literals (void)
{
  g_autoptr(PetrelImapCommand) cmd = NULL;
  g_autoptr(GBytes) small = g_bytes_new_static ("hello\r\n", 7);
  g_autoptr(GBytes) big = NULL;
  g_autoptr(GBytes) bin = g_bytes_new_static ("a\0b", 3);
  g_autoptr(GPtrArray) chunks = NULL;
  g_autofree char *wire = NULL;
  g_autofree char *log = NULL;
  g_autofree char *big_data = g_strnfill (PETREL_IMAP_LITERAL_MINUS_MAX + 1, 'm');

  big = g_bytes_new (big_data, PETREL_IMAP_LITERAL_MINUS_MAX + 1);

  cmd = petrel_imap_command_new ("A5", "APPEND");
  g_assert_true (petrel_imap_command_add_mailbox (cmd, "Sent", NULL));
  g_assert_true (petrel_imap_command_add_flags (cmd, (const char *[]) { "\\Seen", NULL }, NULL));
  g_assert_true (petrel_imap_command_add_quoted (cmd, "17-Jul-1996 02:44:25 -0700", NULL));
  petrel_imap_command_add_literal (cmd, small, FALSE);
  petrel_imap_command_add_literal (cmd, big, FALSE);
  petrel_imap_command_add_literal (cmd, bin, TRUE);

  chunks = petrel_imap_command_serialize (cmd, PETREL_IMAP_LITERAL_SYNC, NULL);
  g_assert_cmpuint (chunks->len, ==, 4);
  g_clear_pointer (&chunks, g_ptr_array_unref);
  chunks = petrel_imap_command_serialize (cmd, PETREL_IMAP_LITERAL_PLUS, NULL);
  g_assert_cmpuint (chunks->len, ==, 1);
  g_clear_pointer (&chunks, g_ptr_array_unref);
  /* LITERAL-: only the literal over 4096 bytes synchronises. */
  chunks = petrel_imap_command_serialize (cmd, PETREL_IMAP_LITERAL_MINUS, NULL);
  g_assert_cmpuint (chunks->len, ==, 2);

  wire = serialize_checked (cmd, PETREL_IMAP_LITERAL_MINUS);
  g_assert_true (g_str_has_prefix (wire, "A5 APPEND Sent (\\Seen) \"17-Jul-1996 02:44:25 -0700\" "
                                         "{7+}\r\nhello\r\n {4097}\r\n<WAIT>mmmm"));
  g_assert_true (g_str_has_suffix (wire, "mmm ~{3+}\r\na"));  /* NUL then b\r\n follow */

  log = petrel_imap_command_to_log_string (cmd);
  g_assert_cmpstr (log, ==, "A5 APPEND Sent (\\Seen) \"17-Jul-1996 02:44:25 -0700\" {7}<7 bytes> "
                            "{4097}<4097 bytes> ~{3}<3 bytes>");
}

static void
test_command_mailbox (void)
{
  g_autoptr(PetrelImapCommand) cmd = petrel_imap_command_new ("A1", "RENAME");
  g_autoptr(PetrelImapCommand) cmd2 = petrel_imap_command_new ("A2", "CREATE");
  g_autoptr(GError) error = NULL;
  g_autofree char *wire = NULL;

  g_assert_true (petrel_imap_command_add_mailbox (cmd, "inbox", &error));
  g_assert_true (petrel_imap_command_add_mailbox (cmd, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e/A&B",
                                                  &error));
  g_assert_true (petrel_imap_command_add_mailbox (cmd, "Sent Items", &error));
  g_assert_no_error (error);
  wire = serialize_checked (cmd, PETREL_IMAP_LITERAL_SYNC);
  g_assert_cmpstr (wire, ==, "A1 RENAME INBOX &ZeVnLIqe-/A&-B \"Sent Items\"\r\n");
  g_clear_pointer (&wire, g_free);

  petrel_imap_command_set_utf8 (cmd2, TRUE);
  g_assert_true (petrel_imap_command_add_mailbox (cmd2, "\xe6\x97\xa5\xe6\x9c\xac", &error));
  wire = serialize_checked (cmd2, PETREL_IMAP_LITERAL_SYNC);
  g_assert_cmpstr (wire, ==, "A2 CREATE \"\xe6\x97\xa5\xe6\x9c\xac\"\r\n");

  g_assert_false (petrel_imap_command_add_mailbox (cmd2, "", &error));
  g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_INVALID);
  g_clear_error (&error);
  g_clear_object (&cmd2);
  cmd2 = petrel_imap_command_new ("A3", "CREATE");
  g_assert_false (petrel_imap_command_add_mailbox (cmd2, "bad\xff", &error));
  g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_INVALID);
}

static void
test_command_redaction (void)
{
  g_autoptr(PetrelImapCommand) login = petrel_imap_command_new ("A1", "LOGIN");
  g_autoptr(PetrelImapCommand) auth = petrel_imap_command_new ("A2", "AUTHENTICATE");
  g_autoptr(PetrelImapCommand) auth2 = petrel_imap_command_new ("A3", "AUTHENTICATE");
  g_autoptr(PetrelImapCommand) unbalanced = petrel_imap_command_new ("A4", "X");
  g_autoptr(GError) error = NULL;
  g_autofree char *log = NULL;
  g_autofree char *wire = NULL;

  petrel_imap_command_add_astring (login, "user@example.org", NULL);
  petrel_imap_command_add_astring (login, "hunter2 secret\r\n", NULL);
  log = petrel_imap_command_to_log_string (login);
  g_assert_cmpstr (log, ==, "A1 LOGIN <redacted>");
  wire = serialize_checked (login, PETREL_IMAP_LITERAL_PLUS);
  g_assert_nonnull (strstr (wire, "hunter2"));
  g_clear_pointer (&log, g_free);

  petrel_imap_command_add_atom (auth, "PLAIN", NULL);
  petrel_imap_command_add_atom (auth, "AHVzZXIAcGFzcw==", NULL);
  log = petrel_imap_command_to_log_string (auth);
  g_assert_cmpstr (log, ==, "A2 AUTHENTICATE PLAIN <redacted>");
  g_clear_pointer (&log, g_free);

  petrel_imap_command_add_atom (auth2, "XOAUTH2", NULL);
  log = petrel_imap_command_to_log_string (auth2);
  g_assert_cmpstr (log, ==, "A3 AUTHENTICATE XOAUTH2");

  petrel_imap_command_begin_list (unbalanced);
  g_assert_null (petrel_imap_command_serialize (unbalanced, PETREL_IMAP_LITERAL_SYNC, &error));
  g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_INVALID);
  g_clear_error (&error);
  petrel_imap_command_end_list (unbalanced);
  petrel_imap_command_end_list (unbalanced);
  g_assert_null (petrel_imap_command_serialize (unbalanced, PETREL_IMAP_LITERAL_SYNC, &error));
  g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_INVALID);
}

/* ------------------------------------------------------------------------------------------ */

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/petrel/imap/parser/greeting", test_greeting);
  g_test_add_func ("/petrel/imap/parser/tagged", test_tagged);
  g_test_add_func ("/petrel/imap/parser/continuation", test_continuation);
  g_test_add_func ("/petrel/imap/parser/codes", test_codes);
  g_test_add_func ("/petrel/imap/parser/text-sanitised", test_text_sanitised);
  g_test_add_func ("/petrel/imap/parser/untagged", test_untagged_simple);
  g_test_add_func ("/petrel/imap/parser/list", test_list);
  g_test_add_func ("/petrel/imap/parser/status-search", test_status_search);
  g_test_add_func ("/petrel/imap/parser/namespace-id-quota", test_namespace_id_quota);
  g_test_add_func ("/petrel/imap/parser/fetch/basic", test_fetch_basic);
  g_test_add_func ("/petrel/imap/parser/fetch/envelope-edge", test_fetch_envelope_edge);
  g_test_add_func ("/petrel/imap/parser/fetch/envelope-groups", test_fetch_groups);
  g_test_add_func ("/petrel/imap/parser/fetch/bodystructure-gmail", test_bodystructure_gmail);
  g_test_add_func ("/petrel/imap/parser/fetch/bodystructure-outlook", test_bodystructure_outlook);
  g_test_add_func ("/petrel/imap/parser/fetch/bodystructure-dovecot", test_bodystructure_dovecot);
  g_test_add_func ("/petrel/imap/parser/fetch/bodystructure-simple", test_bodystructure_simple);
  g_test_add_func ("/petrel/imap/parser/fetch/sections", test_fetch_sections);
  g_test_add_func ("/petrel/imap/parser/fetch/malformed", test_fetch_malformed);
  g_test_add_func ("/petrel/imap/parser/date-time", test_date_time);
  g_test_add ("/petrel/imap/parser/literal/big-file", SpoolFixture, NULL,
              spool_fixture_setup, test_literal_big_file, spool_fixture_teardown);
  g_test_add ("/petrel/imap/parser/literal/cut-short", SpoolFixture, NULL,
              spool_fixture_setup, test_literal_cut_short, spool_fixture_teardown);
  g_test_add_func ("/petrel/imap/parser/literal/misc", test_literal_misc);
  g_test_add_func ("/petrel/imap/parser/streaming", test_streaming);
  g_test_add_func ("/petrel/imap/parser/reset-in-callback", test_reset_in_callback);
  g_test_add_func ("/petrel/imap/parser/hostile/literal-sizes", test_hostile_literal_sizes);
  g_test_add_func ("/petrel/imap/parser/hostile/long-line", test_hostile_long_line);
  g_test_add_func ("/petrel/imap/parser/hostile/nesting", test_hostile_nesting);
  g_test_add_func ("/petrel/imap/parser/hostile/tokens", test_hostile_tokens);
  g_test_add_func ("/petrel/imap/parser/lenient-tokens", test_lenient_tokens);
  g_test_add_func ("/petrel/imap/parser/value-to-string", test_value_to_string);
  g_test_add_func ("/petrel/imap/utf7/round-trip", test_utf7);
  g_test_add_func ("/petrel/imap/utf7/exhaustive", test_utf7_exhaustive);
  g_test_add_func ("/petrel/imap/seqset/build", test_seqset_build);
  g_test_add_func ("/petrel/imap/seqset/random", test_seqset_random);
  g_test_add_func ("/petrel/imap/seqset/parse", test_seqset_parse);
  g_test_add_func ("/petrel/imap/command/basic", test_command_basic);
  g_test_add_func ("/petrel/imap/command/strings", test_command_strings);
  g_test_add_func ("/petrel/imap/command/injection", test_command_injection);
  g_test_add_func ("/petrel/imap/command/literals", test_command_literals);
  g_test_add_func ("/petrel/imap/command/mailbox", test_command_mailbox);
  g_test_add_func ("/petrel/imap/command/redaction", test_command_redaction);

  return g_test_run ();
}
