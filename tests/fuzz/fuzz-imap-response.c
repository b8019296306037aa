/* fuzz-imap-response.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * libFuzzer target for the IMAP response parser and every typed decoder.
 *
 * The input is fed whole, then again in chunks whose sizes are taken from the input's own bytes;
 * both runs must give the same responses and end the same way (a differential check: a chunking
 * bug aborts). Every response is then pushed through each decoder; they must fail cleanly, never
 * crash, leak or warn. The input is also tried as a modified UTF-7 name and a sequence set.
 */

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imap/petrel-imap.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
walk_body (const PetrelImapBodyPart *part,
           guint                     depth)
{
  /* Touch every field so that a bad pointer shows under ASan. */
  volatile gsize sink = 0;

  if (part == NULL || depth > 200)
    return;
  sink += strlen (part->type) + strlen (part->subtype) + strlen (part->section);
  for (guint i = 0; i < part->n_params; i++)
    sink += strlen (part->params[i].name) + strlen (part->params[i].value);
  for (guint i = 0; i < part->n_disposition_params; i++)
    sink += strlen (part->disposition_params[i].name) + strlen (part->disposition_params[i].value);
  for (guint i = 0; i < part->n_languages; i++)
    sink += strlen (part->languages[i]);
  if (part->disposition != NULL)
    sink += strlen (part->disposition);
  petrel_imap_body_part_get_param (part, "charset");
  petrel_imap_body_part_is (part, "text", "plain");
  for (guint i = 0; i < part->n_children; i++)
    {
      if (part->children[i]->parent != part)
        abort ();
      walk_body (part->children[i], depth + 1);
    }
  walk_body (part->body, depth + 1);
  (void) sink;
}

static void
walk_addresses (const PetrelImapAddress *addrs,
                guint                    n)
{
  volatile gsize sink = 0;

  for (guint i = 0; i < n; i++)
    {
      if (addrs[i].name != NULL)
        sink += strlen (addrs[i].name);
      if (addrs[i].mailbox != NULL)
        sink += strlen (addrs[i].mailbox);
      if (addrs[i].host != NULL)
        sink += strlen (addrs[i].host);
    }
  (void) sink;
}

static void
decode_everything (PetrelImapResponse *response)
{
  PetrelImapSeqSet *set = NULL, *set2 = NULL;
  GError *error = NULL;
  gboolean earlier;
  guint32 u32;
  guint64 u64;
  char *s;
  char **strv;

  s = petrel_imap_response_to_string (response);
  g_free (s);
  s = petrel_imap_value_to_string (petrel_imap_response_get_data (response));
  g_free (s);
  error = petrel_imap_response_to_error (response);
  g_clear_error (&error);

  petrel_imap_response_get_code_number (response, &u64);
  strv = petrel_imap_response_dup_code_strv (response);
  g_strfreev (strv);
  if (petrel_imap_response_get_appenduid (response, &u32, &set, &error))
    petrel_imap_seqset_free (set);
  g_clear_error (&error);
  set = NULL;
  if (petrel_imap_response_get_copyuid (response, &u32, &set, &set2, &error))
    {
      if (petrel_imap_seqset_count (set) != petrel_imap_seqset_count (set2))
        abort ();
      petrel_imap_seqset_free (set);
      petrel_imap_seqset_free (set2);
    }
  g_clear_error (&error);
  set = petrel_imap_response_get_modified (response, &error);
  g_clear_pointer (&set, petrel_imap_seqset_free);
  g_clear_error (&error);

  strv = petrel_imap_response_dup_capabilities (response, &error);
  g_strfreev (strv);
  g_clear_error (&error);
  strv = petrel_imap_response_dup_flags (response, &error);
  g_strfreev (strv);
  g_clear_error (&error);
  strv = petrel_imap_response_dup_enabled (response, &error);
  g_strfreev (strv);
  g_clear_error (&error);
  if (petrel_imap_response_get_vanished (response, &earlier, &set, &error))
    petrel_imap_seqset_free (set);
  g_clear_error (&error);

  for (int utf8 = 0; utf8 <= 1; utf8++)
    {
      PetrelImapMailboxInfo *info = petrel_imap_response_dup_list (response, utf8, NULL);
      PetrelImapStatusInfo *st = petrel_imap_response_dup_status (response, utf8, NULL);
      PetrelImapNamespaces *ns = petrel_imap_response_dup_namespace (response, utf8, NULL);
      PetrelImapQuotaRoot *qr = petrel_imap_response_dup_quotaroot (response, utf8, &error);

      /* A failed decode must say why. */
      if ((qr == NULL) != (error != NULL))
        abort ();
      g_clear_error (&error);
      if (info != NULL && !g_utf8_validate (info->name, -1, NULL))
        abort ();
      if (st != NULL && !g_utf8_validate (st->name, -1, NULL))
        abort ();
      petrel_imap_mailbox_info_free (info);
      petrel_imap_status_info_free (st);
      petrel_imap_namespaces_free (ns);
      petrel_imap_quota_root_free (qr);
    }

  {
    PetrelImapSearchResult *sr = petrel_imap_response_dup_search (response, NULL);
    PetrelImapEsearchResult *es = petrel_imap_response_dup_esearch (response, NULL);
    GHashTable *id = petrel_imap_response_dup_id (response, NULL);
    PetrelImapQuota *quota = petrel_imap_response_dup_quota (response, &error);

    if ((quota == NULL) != (error != NULL))
      abort ();
    g_clear_error (&error);
    petrel_imap_search_result_free (sr);
    petrel_imap_esearch_result_free (es);
    g_clear_pointer (&id, g_hash_table_unref);
    petrel_imap_quota_free (quota);
  }

  {
    const PetrelImapFetch *fetch = petrel_imap_response_get_fetch (response, &error);

    g_clear_error (&error);
    if (fetch != NULL)
      {
        GDateTime *dt = petrel_imap_fetch_dup_internaldate (fetch);

        g_clear_pointer (&dt, g_date_time_unref);
        petrel_imap_fetch_has_flag (fetch, "\\Seen");
        for (guint i = 0; i < fetch->n_flags; i++)
          if (fetch->flags[i] == NULL)
            abort ();
        if (fetch->envelope != NULL)
          {
            walk_addresses (fetch->envelope->from, fetch->envelope->n_from);
            walk_addresses (fetch->envelope->to, fetch->envelope->n_to);
            walk_addresses (fetch->envelope->cc, fetch->envelope->n_cc);
          }
        walk_body (fetch->body, 0);
        for (guint i = 0; i < fetch->n_sections; i++)
          {
            GBytes *bytes = NULL;

            if (fetch->sections[i].value == NULL)
              continue;
            bytes = petrel_imap_value_load_bytes (fetch->sections[i].value, &error);
            g_clear_error (&error);
            if (bytes != NULL && g_bytes_get_size (bytes) != fetch->sections[i].size)
              abort ();
            g_clear_pointer (&bytes, g_bytes_unref);
          }
      }
  }
}

/* Runs the parser over @data cut into the given chunk sizes (NULL: whole). Returns a summary of
 * what came out, to compare runs. */
static GString *
run (const uint8_t *data,
     size_t         size,
     const uint8_t *sizes,
     size_t         n_sizes,
     gboolean       decode)
{
  PetrelImapParser *parser = petrel_imap_parser_new ();
  GString *summary = g_string_new (NULL);
  PetrelImapResponse *response;
  GError *error = NULL;
  size_t pos = 0, k = 0;
  gboolean ok = TRUE;

  /* Small limits so that spooling, line limits and depth limits are reached quickly. */
  petrel_imap_parser_set_literal_threshold (parser, 200);
  petrel_imap_parser_set_max_memory (parser, 1000);
  petrel_imap_parser_set_max_line_length (parser, 64 * 1024);
  petrel_imap_parser_set_max_literal_size (parser, 1024 * 1024);

  while (ok && pos < size)
    {
      size_t n = size - pos;

      if (sizes != NULL)
        {
          size_t want = (size_t) (sizes[k++ % n_sizes] % 97) + 1;

          n = MIN (n, want);
        }
      ok = petrel_imap_parser_feed (parser, data + pos, n, &error);
      pos += n;
      while ((response = petrel_imap_parser_pop (parser)) != NULL)
        {
          char *s = petrel_imap_response_to_string (response);

          g_string_append_printf (summary, "%d/%d %s\n", petrel_imap_response_get_kind (response),
                                  petrel_imap_response_get_response_type (response), s);
          g_free (s);
          if (decode)
            decode_everything (response);
          petrel_imap_response_unref (response);
        }
    }
  if (!ok)
    {
      if (error == NULL || error->domain != PETREL_IMAP_ERROR || !petrel_imap_parser_has_failed (parser))
        abort ();
      g_string_append_printf (summary, "ERROR %d\n", error->code);
      g_clear_error (&error);
    }
  else if (petrel_imap_parser_is_mid_response (parser))
    {
      g_string_append (summary, "MID\n");
    }
  g_object_unref (parser);
  return summary;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  GString *whole, *chunked;

  whole = run (data, size, NULL, 0, TRUE);
  if (size > 0)
    {
      chunked = run (data, size, data, MIN (size, 64), FALSE);
      if (!g_string_equal (whole, chunked))
        {
          g_printerr ("chunked parse differs:\n%s\n---\n%s\n", whole->str, chunked->str);
          abort ();
        }
      g_string_free (chunked, TRUE);
    }
  g_string_free (whole, TRUE);

  /* The same bytes as a mailbox name and as a sequence set. */
  if (size < 4096)
    {
      char *text = g_strndup ((const char *) data, size);
      char *decoded = petrel_imap_utf7_decode (text, NULL);
      PetrelImapSeqSet *set = petrel_imap_seqset_parse (text, 100, 0, NULL);

      if (decoded != NULL)
        {
          char *again = petrel_imap_utf7_encode (decoded, NULL);
          char *back = again != NULL ? petrel_imap_utf7_decode (again, NULL) : NULL;

          if (back == NULL || strcmp (back, decoded) != 0)
            abort ();
          g_free (again);
          g_free (back);
          g_free (decoded);
        }
      if (set != NULL)
        {
          char *s = petrel_imap_seqset_to_string (set);
          PetrelImapSeqSet *again = petrel_imap_seqset_parse (s, 0, 0, NULL);

          if (again == NULL || petrel_imap_seqset_count (again) != petrel_imap_seqset_count (set))
            abort ();
          petrel_imap_seqset_free (again);
          g_free (s);
          petrel_imap_seqset_free (set);
        }
      g_free (text);
    }

  return 0;
}
