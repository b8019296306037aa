/* bench-store.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * build-aux/bench sync: the store-side figures, measured in-process on a synced account.
 *
 *   bench-store open-list ACCOUNT_DIR FOLDER [--limit 50]
 *       petrel_store_open() + petrel_store_get_folder_by_path() + petrel_store_list_messages
 *       (…, 0, limit): what opening a folder and showing its first screen costs.
 *   bench-store search ACCOUNT_DIR [--limit 100] [--rounds 3]  < queries, one per line
 *       opens the store once, then runs every query --rounds times through
 *       petrel_store_search() and reports each run's time and hit count.
 *   bench-store stats ACCOUNT_DIR FOLDER
 *       messages cached in FOLDER and how many still lack their body (to check a full sync).
 *   bench-store upsert ACCOUNT_DIR FOLDER NEW_ACCOUNT_DIR [--chunk 2000] [--rounds 3]
 *       the store thread's side of a headers-only sync, without the network: reads FOLDER's
 *       summaries from a synced account, then stores them newest first, in chunks, into a
 *       fresh store at NEW_ACCOUNT_DIR (emptied first), --rounds times; reports each round.
 *
 * Every mode prints one JSON object on stdout; times are in milliseconds.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "store/petrel-store.h"

static double
ms_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1000.0;
}

static void
print_json (JsonBuilder *builder)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = json_to_string (root, FALSE);

  g_print ("%s\n", text);
}

static int
run_open_list (const char *dir,
               const char *folder_path,
               guint       limit)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PetrelStore) store = NULL;
  g_autoptr(PetrelStoreFolder) folder = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  gint64 t0;
  gint64 t1;
  gint64 t2;
  gint64 t3;

  t0 = g_get_monotonic_time ();
  store = petrel_store_open (dir, &error);
  if (store == NULL)
    goto fail;
  t1 = g_get_monotonic_time ();
  folder = petrel_store_get_folder_by_path (store, folder_path, &error);
  if (folder == NULL)
    goto fail;
  t2 = g_get_monotonic_time ();
  rows = petrel_store_list_messages (store, folder->id, 0, limit, &error);
  if (rows == NULL)
    goto fail;
  t3 = g_get_monotonic_time ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "open_ms");
  json_builder_add_double_value (builder, (t1 - t0) / 1000.0);
  json_builder_set_member_name (builder, "folder_ms");
  json_builder_add_double_value (builder, (t2 - t1) / 1000.0);
  json_builder_set_member_name (builder, "list_ms");
  json_builder_add_double_value (builder, (t3 - t2) / 1000.0);
  json_builder_set_member_name (builder, "total_ms");
  json_builder_add_double_value (builder, (t3 - t0) / 1000.0);
  json_builder_set_member_name (builder, "rows");
  json_builder_add_int_value (builder, rows->len);
  json_builder_set_member_name (builder, "folder_total");
  json_builder_add_int_value (builder, folder->total);
  json_builder_end_object (builder);
  print_json (builder);
  return 0;

fail:
  g_printerr ("bench-store: %s\n", error->message);
  return 1;
}

static int
run_search (const char *dir,
            guint       limit,
            guint       rounds)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PetrelStore) store = NULL;
  g_autoptr(GPtrArray) queries = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree double *times = NULL;
  g_autofree guint *hits = NULL;
  char line[4096];
  gint64 t0;
  double open_ms;

  while (fgets (line, sizeof line, stdin) != NULL)
    {
      g_strchomp (line);
      if (line[0] != '\0')
        g_ptr_array_add (queries, g_strdup (line));
    }
  if (queries->len == 0)
    {
      g_printerr ("bench-store: no queries on stdin\n");
      return 2;
    }

  t0 = g_get_monotonic_time ();
  store = petrel_store_open (dir, &error);
  if (store == NULL)
    goto fail;
  open_ms = ms_since (t0);

  times = g_new0 (double, queries->len * rounds);
  hits = g_new0 (guint, queries->len);
  for (guint r = 0; r < rounds; r++)
    for (guint i = 0; i < queries->len; i++)
      {
        g_autoptr(GPtrArray) results = NULL;

        t0 = g_get_monotonic_time ();
        results = petrel_store_search (store, g_ptr_array_index (queries, i), NULL, limit,
                                       &error);
        if (results == NULL)
          {
            g_prefix_error (&error, "“%s”: ", (const char *) g_ptr_array_index (queries, i));
            goto fail;
          }
        times[i * rounds + r] = ms_since (t0);
        hits[i] = results->len;
      }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "open_ms");
  json_builder_add_double_value (builder, open_ms);
  json_builder_set_member_name (builder, "queries");
  json_builder_begin_array (builder);
  for (guint i = 0; i < queries->len; i++)
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "query");
      json_builder_add_string_value (builder, g_ptr_array_index (queries, i));
      json_builder_set_member_name (builder, "hits");
      json_builder_add_int_value (builder, hits[i]);
      json_builder_set_member_name (builder, "ms");
      json_builder_begin_array (builder);
      for (guint r = 0; r < rounds; r++)
        json_builder_add_double_value (builder, times[i * rounds + r]);
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  print_json (builder);
  return 0;

fail:
  g_printerr ("bench-store: %s\n", error->message);
  return 1;
}

static int
run_stats (const char *dir,
           const char *folder_path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PetrelStore) store = NULL;
  g_autoptr(PetrelStoreFolder) folder = NULL;
  g_autoptr(GArray) missing = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  guint total = 0;
  guint unread = 0;

  store = petrel_store_open (dir, &error);
  if (store == NULL)
    goto fail;
  folder = petrel_store_get_folder_by_path (store, folder_path, &error);
  if (folder == NULL)
    goto fail;
  if (!petrel_store_count_messages (store, folder->id, &total, &unread, &error))
    goto fail;
  missing = petrel_store_list_uids_without_body (store, folder->id, 0, &error);
  if (missing == NULL)
    goto fail;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "total");
  json_builder_add_int_value (builder, total);
  json_builder_set_member_name (builder, "unread");
  json_builder_add_int_value (builder, unread);
  json_builder_set_member_name (builder, "without_body");
  json_builder_add_int_value (builder, missing->len);
  json_builder_set_member_name (builder, "uidvalidity");
  json_builder_add_int_value (builder, folder->uidvalidity);
  json_builder_set_member_name (builder, "highestmodseq");
  json_builder_add_int_value (builder, (gint64) folder->highestmodseq);
  json_builder_end_object (builder);
  print_json (builder);
  return 0;

fail:
  g_printerr ("bench-store: %s\n", error->message);
  return 1;
}

static GPtrArray *
copy_summaries (GPtrArray *rows,
                gint64     folder_id)
{
  GPtrArray *copies = g_ptr_array_new_with_free_func ((GDestroyNotify) petrel_store_message_free);

  for (guint i = 0; i < rows->len; i++)
    {
      PetrelStoreMessage *copy = petrel_store_message_copy (g_ptr_array_index (rows, i));

      /* What a FETCH gives; the rest is the store's to fill in. */
      copy->id = 0;
      copy->folder_id = folder_id;
      copy->conversation_id = 0;
      copy->body_present = FALSE;
      g_clear_pointer (&copy->folder_path, g_free);
      g_ptr_array_add (copies, copy);
    }

  return copies;
}

static int
run_upsert (const char *dir,
            const char *folder_path,
            const char *new_dir,
            guint       chunk,
            guint       rounds)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PetrelStore) source = NULL;
  g_autoptr(PetrelStoreFolder) folder = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  source = petrel_store_open (dir, &error);
  if (source == NULL)
    goto fail;
  folder = petrel_store_get_folder_by_path (source, folder_path, &error);
  if (folder == NULL)
    goto fail;
  /* Newest first, as a sync fetches them. */
  rows = petrel_store_list_messages (source, folder->id, 0, G_MAXUINT, &error);
  if (rows == NULL)
    goto fail;
  g_clear_object (&source);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "messages");
  json_builder_add_int_value (builder, rows->len);
  json_builder_set_member_name (builder, "rounds");
  json_builder_begin_array (builder);
  for (guint r = 0; r < rounds; r++)
    {
      g_autoptr(PetrelStore) store = NULL;
      g_autoptr(PetrelStoreFolder) target = NULL;
      g_autofree char *command = NULL;
      gint64 folder_id = 0;
      gint64 t0;
      gint64 t1;
      gint64 t2;

      command = g_strdup_printf ("rm -rf '%s'", new_dir);
      if (system (command) != 0)
        {
          g_printerr ("bench-store: cannot empty %s\n", new_dir);
          return 1;
        }
      store = petrel_store_open (new_dir, &error);
      if (store == NULL)
        goto fail;
      target = g_new0 (PetrelStoreFolder, 1);
      target->path = g_strdup (folder->path);
      target->role = folder->role;
      target->subscribed = TRUE;
      if (!petrel_store_upsert_folder (store, target, &folder_id, &error))
        goto fail;

      t0 = g_get_monotonic_time ();
      for (guint start = 0; start < rows->len; start += chunk)
        {
          g_autoptr(GPtrArray) part = NULL;
          g_autoptr(GPtrArray) slice = g_ptr_array_new ();

          for (guint i = start; i < MIN (start + chunk, rows->len); i++)
            g_ptr_array_add (slice, g_ptr_array_index (rows, i));
          part = copy_summaries (slice, folder_id);
          for (guint i = 0; i < part->len; i++)
            petrel_store_message_prepare_threading (g_ptr_array_index (part, i));
          if (!petrel_store_upsert_messages (store, part, &error))
            goto fail;
        }
      t1 = g_get_monotonic_time ();
      g_clear_object (&store);
      t2 = g_get_monotonic_time ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "store_ms");
      json_builder_add_double_value (builder, (t1 - t0) / 1000.0);
      json_builder_set_member_name (builder, "close_ms");
      json_builder_add_double_value (builder, (t2 - t1) / 1000.0);
      json_builder_set_member_name (builder, "us_per_message");
      json_builder_add_double_value (builder, rows->len > 0 ? (t1 - t0) / (double) rows->len : 0);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  print_json (builder);
  return 0;

fail:
  g_printerr ("bench-store: %s\n", error->message);
  return 1;
}

int
main (int   argc,
      char *argv[])
{
  int limit = -1;
  int rounds = 3;
  int chunk = 2000;
  GOptionEntry entries[] = {
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, "Rows to read (open-list: 50, search: 100)", "N" },
    { "rounds", 0, 0, G_OPTION_ARG_INT, &rounds,
      "Runs of each query (search), or of the whole (upsert)", "N" },
    { "chunk", 0, 0, G_OPTION_ARG_INT, &chunk, "Summaries per transaction (upsert)", "N" },
    { NULL },
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  const char *mode;

  context = g_option_context_new ("open-list DIR FOLDER | search DIR | stats DIR FOLDER | "
                                   "upsert DIR FOLDER NEW_DIR");
  g_option_context_set_summary (context, "Store timings for build-aux/bench.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-store: %s\n", error->message);
      return 2;
    }
  if (argc < 3 || rounds < 1 || chunk < 1)
    {
      g_printerr ("bench-store: see --help\n");
      return 2;
    }

  mode = argv[1];
  if (g_str_equal (mode, "open-list") && argc == 4)
    return run_open_list (argv[2], argv[3], limit < 0 ? 50 : (guint) limit);
  if (g_str_equal (mode, "search") && argc == 3)
    return run_search (argv[2], limit < 0 ? 100 : (guint) limit, (guint) rounds);
  if (g_str_equal (mode, "stats") && argc == 4)
    return run_stats (argv[2], argv[3]);
  if (g_str_equal (mode, "upsert") && argc == 5)
    return run_upsert (argv[2], argv[3], argv[4], (guint) chunk, (guint) rounds);

  g_printerr ("bench-store: see --help\n");
  return 2;
}
