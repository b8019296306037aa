/* test-store-rawname.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The server's own name of a folder in the store (folders.raw_path, schema version 7): kept
 * byte for byte (it need not be UTF-8), kept by an upsert that does not know it, forgotten by
 * a rename, and added to a cache made before version 7.
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "petrel-engine.h"
#include "store/petrel-store.h"
#include "store/petrel-store-private.h"

static char *
make_account_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), "petrel", "accounts", "raw", NULL);
}

static gint64
upsert (PetrelStore *store,
        const char  *path,
        const char  *raw_path)
{
  g_autoptr(PetrelStoreFolder) folder = petrel_store_folder_new (path);
  g_autoptr(GError) error = NULL;
  gint64 id = 0;

  folder->delimiter = g_strdup ("/");
  folder->raw_path = g_strdup (raw_path);
  g_assert_true (petrel_store_upsert_folder (store, folder, &id, &error));
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

static char *
raw_of (PetrelStore *store,
        const char  *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PetrelStoreFolder) folder = petrel_store_get_folder_by_path (store, path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (folder);
  return g_steal_pointer (&folder->raw_path);
}

static void
test_raw_path_kept (void)
{
  g_autofree char *dir = make_account_dir ();
  g_autoptr(PetrelStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(PetrelStoreFolder) copy = NULL;
  g_autofree char *raw = NULL;
  gint64 legal, bad, plain;

  store = petrel_store_open (dir, &error);
  g_assert_no_error (error);

  /* Bytes that are not UTF-8 come back as they went in, not "made valid". */
  legal = upsert (store, "L\xef\xbf\xbdgal", "L\xe9gal");
  bad = upsert (store, "Bad\xef\xbf\xbd", "Bad&Jjo");
  plain = upsert (store, "Projects", NULL);
  raw = raw_of (store, "L\xef\xbf\xbdgal");
  g_assert_cmpstr (raw, ==, "L\xe9gal");
  g_clear_pointer (&raw, g_free);
  raw = raw_of (store, "Projects");
  g_assert_null (raw);

  all = petrel_store_list_folders (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 3);
  for (guint i = 0; i < all->len; i++)
    {
      PetrelStoreFolder *folder = g_ptr_array_index (all, i);

      if (folder->id == legal)
        g_assert_cmpstr (folder->raw_path, ==, "L\xe9gal");
      else if (folder->id == bad)
        g_assert_cmpstr (folder->raw_path, ==, "Bad&Jjo");
      else
        g_assert_null (folder->raw_path);
      if (folder->id == bad)
        copy = petrel_store_folder_copy (folder);
    }
  g_assert_nonnull (copy);
  g_assert_cmpstr (copy->raw_path, ==, "Bad&Jjo");

  /* An upsert without a raw path (a folder Petrel made) keeps the one known; a new one
   * replaces it. */
  g_assert_cmpint (upsert (store, "Bad\xef\xbf\xbd", NULL), ==, bad);
  raw = raw_of (store, "Bad\xef\xbf\xbd");
  g_assert_cmpstr (raw, ==, "Bad&Jjo");
  g_clear_pointer (&raw, g_free);
  g_assert_cmpint (upsert (store, "Bad\xef\xbf\xbd", "Bad&Jjx"), ==, bad);
  raw = raw_of (store, "Bad\xef\xbf\xbd");
  g_assert_cmpstr (raw, ==, "Bad&Jjx");
  g_clear_pointer (&raw, g_free);

  /* A rename gives the folder a name of Petrel's: the server's old one no longer applies. */
  g_assert_true (petrel_store_rename_folder (store, legal, "Legal", &error));
  g_assert_no_error (error);
  raw = raw_of (store, "Legal");
  g_assert_null (raw);
  g_assert_cmpint (upsert (store, "Projects", "Projects"), ==, plain);
}

static void
test_migration_adds_column (void)
{
  g_autofree char *dir = make_account_dir ();
  g_autofree char *db_path = g_build_filename (dir, "store.db", NULL);
  g_autoptr(PetrelStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *raw = NULL;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  /* A cache as version 6 left it: no raw_path column (migration 7 adds it), and the text-keyed
   * threading tables that migration 8 replaces. */
  store = petrel_store_open (dir, &error);
  g_assert_no_error (error);
  upsert (store, "Old", NULL);
  g_clear_object (&store);
  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "ALTER TABLE folders DROP COLUMN raw_path;"
                                     "CREATE TABLE thread_ids ("
                                     "  message_id TEXT PRIMARY KEY,"
                                     "  conversation_id INTEGER NOT NULL"
                                     "    REFERENCES conversations (id) ON DELETE CASCADE"
                                     ") WITHOUT ROWID;"
                                     "CREATE INDEX thread_ids_conversation"
                                     "  ON thread_ids (conversation_id);"
                                     "DROP TABLE thread_keys;"
                                     "DROP INDEX conversations_subject_hash;"
                                     "DROP INDEX conversations_reply_subject_hash;"
                                     "ALTER TABLE conversations DROP COLUMN subject_hash;"
                                     "CREATE INDEX conversations_subject_key"
                                     "  ON conversations (subject_key) WHERE subject_key != '';"
                                     "CREATE INDEX conversations_reply_subject_key"
                                     "  ON conversations (subject_key)"
                                     "  WHERE subject_key != '' AND reply_subject = 1;"
                                     "PRAGMA user_version = 6;", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  store = petrel_store_open (dir, &error);
  g_assert_no_error (error);
  raw = raw_of (store, "Old");
  g_assert_null (raw);
  upsert (store, "Old", "Old");
  raw = raw_of (store, "Old");
  g_assert_cmpstr (raw, ==, "Old");
  g_clear_object (&store);

  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, PETREL_STORE_SCHEMA_VERSION);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/petrel/store/raw-path/kept", test_raw_path_kept);
  g_test_add_func ("/petrel/store/raw-path/migration", test_migration_adds_column);

  return g_test_run ();
}
