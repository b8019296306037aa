/* test-store.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "petrel-engine.h"
#include "store/petrel-store.h"
#include "store/petrel-store-private.h"

#define DAY (24 * 3600)
#define BASE_DATE base_date ()

typedef struct {
  char        *dir;
  PetrelStore *store;
  gint64       inbox;
  gint64       sent;
  gint64       archive;
} Fixture;

/* Helpers */

/* 2024-03-10 12:00 local time: search operators take local days, and noon keeps whole-day
 * offsets on the intended day whatever the time zone and DST. */
static gint64
base_date (void)
{
  static gint64 date = 0;

  if (date == 0)
    {
      g_autoptr(GDateTime) dt = g_date_time_new_local (2024, 3, 10, 12, 0, 0);

      date = g_date_time_to_unix (dt);
    }

  return date;
}

static char *
make_account_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), "petrel", "accounts", "test", NULL);
}

static gint64
add_folder (PetrelStore           *store,
            const char            *path,
            PetrelStoreFolderRole  role)
{
  g_autoptr(PetrelStoreFolder) folder = petrel_store_folder_new (path);
  g_autoptr(GError) error = NULL;
  gint64 id = 0;

  folder->delimiter = g_strdup ("/");
  folder->role = role;
  petrel_store_upsert_folder (store, folder, &id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);

  return id;
}

static PetrelStoreMessage *
make_message (gint64      folder_id,
              guint32     uid,
              gint64      date,
              const char *subject,
              const char *message_id,
              const char *in_reply_to,
              const char *references)
{
  PetrelStoreMessage *message = petrel_store_message_new ();

  message->folder_id = folder_id;
  message->uid = uid;
  message->date = date;
  message->internal_date = date + 60;
  message->size = 1000 + uid;
  message->subject = g_strdup (subject);
  message->from_name = g_strdup ("Alice Example");
  message->from_addr = g_strdup ("alice@example.com");
  message->to_text = g_strdup ("Bob Builder <bob@example.org>");
  message->message_id = g_strdup (message_id);
  message->in_reply_to = g_strdup (in_reply_to);
  message->references_text = g_strdup (references);

  return message;
}

/* Whether insert() works out the threading keys ahead, as a sync does on its fetching thread:
 * the thread/ tests run both ways (see main()). */
static gboolean insert_prepares_threading;

/* Stores @message (taking it) and returns its conversation. */
static gint64
insert (PetrelStore        *store,
        PetrelStoreMessage *message)
{
  g_autoptr(PetrelStoreMessage) owned = message;
  g_autoptr(GError) error = NULL;

  if (insert_prepares_threading)
    petrel_store_message_prepare_threading (owned);
  petrel_store_upsert_message (store, owned, &error);
  g_assert_no_error (error);
  g_assert_cmpint (owned->id, >, 0);
  g_assert_cmpint (owned->conversation_id, >, 0);

  return owned->conversation_id;
}

static gint64
conversation_of (PetrelStore *store,
                 gint64       folder_id,
                 guint32      uid)
{
  g_autoptr(PetrelStoreMessage) message = NULL;
  g_autoptr(GError) error = NULL;

  message = petrel_store_get_message (store, folder_id, uid, &error);
  g_assert_no_error (error);

  return message->conversation_id;
}

/* Stores messages UID 1 to @count in @folder, all with @subject, a second apart. */
static void
add_messages (PetrelStore *store,
              gint64       folder,
              guint        count,
              const char  *subject)
{
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func (
    (GDestroyNotify) petrel_store_message_free);
  g_autoptr(GError) error = NULL;

  for (guint i = 1; i <= count; i++)
    g_ptr_array_add (batch, make_message (folder, i, BASE_DATE + i, subject, NULL, NULL, NULL));
  petrel_store_upsert_messages (store, batch, &error);
  g_assert_no_error (error);
}

static void
set_body (PetrelStore *store,
          gint64       folder_id,
          guint32      uid,
          const char  *raw,
          const char  *text)
{
  g_autoptr(GBytes) bytes = g_bytes_new (raw, strlen (raw));
  g_autoptr(GError) error = NULL;

  petrel_store_set_body (store, folder_id, uid, bytes, text, text, FALSE, NULL, &error);
  g_assert_no_error (error);
}

/* Runs @sql on a separate connection and returns the first column of the first row. */
static char *
db_query (const char *dir,
          const char *sql)
{
  g_autofree char *path = g_build_filename (dir, "store.db", NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  char *result = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 10000);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_text (stmt, 0) != NULL)
    result = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  return result;
}

static gint64
db_query_int (const char *dir,
              const char *sql)
{
  g_autofree char *text = db_query (dir, sql);

  g_assert_nonnull (text);

  return g_ascii_strtoll (text, NULL, 10);
}

static void
db_exec (const char *dir,
         const char *sql)
{
  g_autofree char *path = g_build_filename (dir, "store.db", NULL);
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
}

/* Files under @dir whose name starts with a dot: leftover temporary files. */
static guint
count_temp_files (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint count = 0;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (name[0] == '.')
        count++;
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        count += count_temp_files (path);
    }

  return count;
}

static char *
message_file (const char *dir,
              gint64      folder_id,
              guint32     uid)
{
  g_autofree char *folder = g_strdup_printf ("%" G_GINT64_FORMAT, folder_id);
  g_autofree char *name = g_strdup_printf ("%u.eml", uid);

  return g_build_filename (dir, "messages", folder, name, NULL);
}

static guint
search_count (PetrelStore *store,
              const char  *query,
              const char  *folder)
{
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;

  results = petrel_store_search (store, query, folder, 0, &error);
  g_assert_no_error (error);
  g_assert_nonnull (results);

  return results->len;
}

static gboolean
search_has_uid (PetrelStore *store,
                const char  *query,
                guint32      uid)
{
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;

  results = petrel_store_search (store, query, NULL, 0, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < results->len; i++)
    {
      PetrelStoreMessage *message = g_ptr_array_index (results, i);

      if (message->uid == uid)
        return TRUE;
    }

  return FALSE;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  insert_prepares_threading = data != NULL;
  f->dir = make_account_dir ();
  f->store = petrel_store_open (f->dir, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->store);

  f->inbox = add_folder (f->store, "INBOX", PETREL_STORE_FOLDER_ROLE_INBOX);
  f->sent = add_folder (f->store, "Sent", PETREL_STORE_FOLDER_ROLE_SENT);
  f->archive = add_folder (f->store, "Archive", PETREL_STORE_FOLDER_ROLE_ARCHIVE);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->store);
  g_clear_pointer (&f->dir, g_free);
}

/* Opening */

static void
test_open_create_reopen (void)
{
  g_autofree char *dir = make_account_dir ();
  g_autofree char *messages_dir = g_build_filename (dir, "messages", NULL);
  g_autofree char *db_path = g_build_filename (dir, "store.db", NULL);
  g_autofree char *journal = NULL;
  g_autoptr(PetrelStore) store = NULL;
  g_autoptr(PetrelStoreFolder) folder = NULL;
  g_autoptr(GError) error = NULL;
  gint64 id;

  store = petrel_store_open (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (petrel_store_get_directory (store), ==, dir);
  g_assert_true (g_file_test (db_path, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (messages_dir, G_FILE_TEST_IS_DIR));

  id = add_folder (store, "INBOX", PETREL_STORE_FOLDER_ROLE_INBOX);
  insert (store, make_message (id, 1, BASE_DATE, "Hello", "a@x", NULL, NULL));
  g_clear_object (&store);

  g_assert_cmpint (db_query_int (dir, "PRAGMA user_version"), ==, PETREL_STORE_SCHEMA_VERSION);
  journal = db_query (dir, "PRAGMA journal_mode");
  g_assert_cmpstr (journal, ==, "wal");

  /* Reopening migrates nothing and keeps the data. */
  store = petrel_store_open (dir, &error);
  g_assert_no_error (error);
  folder = petrel_store_get_folder_by_path (store, "INBOX", &error);
  g_assert_no_error (error);
  g_assert_cmpint (folder->id, ==, id);
  g_assert_cmpuint (folder->total, ==, 1);
  g_assert_cmpint (db_query_int (dir, "PRAGMA user_version"), ==, PETREL_STORE_SCHEMA_VERSION);
}

static void
test_open_too_new (void)
{
  g_autofree char *dir = make_account_dir ();
  g_autoptr(PetrelStore) store = NULL;
  g_autoptr(GError) error = NULL;

  store = petrel_store_open (dir, &error);
  g_assert_no_error (error);
  g_clear_object (&store);

  db_exec (dir, "PRAGMA user_version = 99");

  store = petrel_store_open (dir, &error);
  g_assert_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_TOO_NEW);
  g_assert_null (store);
  g_assert_nonnull (strstr (error->message, "99"));

  /* Refusing must not have touched it. */
  g_assert_cmpint (db_query_int (dir, "PRAGMA user_version"), ==, 99);
}

static void
test_open_not_a_database (void)
{
  g_autofree char *dir = make_account_dir ();
  g_autofree char *db_path = g_build_filename (dir, "store.db", NULL);
  g_autoptr(GString) garbage = g_string_new (NULL);
  g_autoptr(PetrelStore) store = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  for (guint i = 0; i < 2000; i++)
    g_string_append (garbage, "this is not an SQLite database. ");
  g_assert_true (g_file_set_contents (db_path, garbage->str, garbage->len, NULL));

  store = petrel_store_open (dir, &error);
  g_assert_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_CORRUPT);
  g_assert_null (store);
}

/* The page size a database file's header records (bytes 16 and 17, big-endian; 1 is 64 KiB). */
static gsize
db_page_size (const char *path)
{
  g_autofree char *contents = NULL;
  gsize len = 0;
  guint size;

  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  g_assert_cmpuint (len, >=, 100);
  size = ((guint8) contents[16] << 8) | (guint8) contents[17];
  return size == 1 ? 65536 : size;
}

static void
test_open_corrupt_pages (void)
{
  g_autofree char *dir = make_account_dir ();
  g_autofree char *db_path = g_build_filename (dir, "store.db", NULL);
  g_autoptr(PetrelStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize len, page_size;
  gint64 inbox;

  store = petrel_store_open (dir, &error);
  g_assert_no_error (error);
  inbox = add_folder (store, "INBOX", PETREL_STORE_FOLDER_ROLE_INBOX);
  add_messages (store, inbox, 2000, "Some subject text");
  g_clear_object (&store);   /* the last connection checkpoints the WAL into store.db */

  /* Scribble over everything but the header page. */
  page_size = db_page_size (db_path);
  g_assert_true (g_file_get_contents (db_path, &contents, &len, NULL));
  g_assert_cmpuint (len, >, 8 * page_size);
  for (gsize i = page_size; i < len; i++)
    contents[i] = (char) (i * 131 + 7);
  g_assert_true (g_file_set_contents (db_path, contents, len, NULL));

  store = petrel_store_open (dir, &error);
  g_assert_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_CORRUPT);
  g_assert_null (store);
}

static void
test_open_truncated (void)
{
  g_autofree char *dir = make_account_dir ();
  g_autofree char *db_path = g_build_filename (dir, "store.db", NULL);
  g_autoptr(PetrelStore) store = NULL;
  g_autoptr(GPtrArray) batch = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize len;
  gint64 inbox;

  store = petrel_store_open (dir, &error);
  g_assert_no_error (error);
  inbox = add_folder (store, "INBOX", PETREL_STORE_FOLDER_ROLE_INBOX);
  add_messages (store, inbox, 3000, "Truncation victim");
  g_clear_object (&store);

  /* A copy cut short, as after a failed backup restore or a full disk. */
  g_assert_true (g_file_get_contents (db_path, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (db_path, contents, len / 2, NULL));

  store = petrel_store_open (dir, &error);
  g_assert_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_CORRUPT);
  g_assert_null (store);
}

/* More of what test_messages_batch_counts() checks, now that a batch counts its new rows as
 * it inserts them (#4): several rounds over rows already there, and the same UID twice in one
 * batch in the folder that is not the batch's first, whose second entry's flags change the
 * row inserted by the first. */
static goffset
file_size (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? st.st_size : -1;
}

/* New stores get 16 KiB pages, fewer for a search to read (#4); a store made with SQLite's
 * 4 KiB pages keeps them (only VACUUM changes a page size) and goes on working. */
static void
test_open_page_size (void)
{
  g_autofree char *dir = make_account_dir ();
  g_autofree char *db_path = g_build_filename (dir, "store.db", NULL);
  g_autoptr(PetrelStore) store = NULL;
  g_autoptr(GPtrArray) batch = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *check = NULL;
  sqlite3 *db = NULL;
  gint64 inbox;

  store = petrel_store_open (dir, &error);
  g_assert_no_error (error);
  inbox = add_folder (store, "INBOX", PETREL_STORE_FOLDER_ROLE_INBOX);
  g_clear_object (&store);
  g_assert_cmpint (db_query_int (dir, "PRAGMA page_size"), ==, 16384);
  g_assert_cmpuint (db_page_size (db_path), ==, 16384);

  /* Turn it into a store as older Petrels made it. */
  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA journal_mode = DELETE; PRAGMA page_size = 4096;"
                                 " VACUUM; PRAGMA journal_mode = WAL", NULL, NULL, NULL),
                   ==, SQLITE_OK);
  sqlite3_close (db);
  g_assert_cmpuint (db_page_size (db_path), ==, 4096);

  store = petrel_store_open (dir, &error);
  g_assert_no_error (error);
  batch = g_ptr_array_new_with_free_func ((GDestroyNotify) petrel_store_message_free);
  for (guint i = 1; i <= 3000; i++)
    g_ptr_array_add (batch, make_message (inbox, i, BASE_DATE + i,
                                          i == 1234 ? "Pagination harvest" : "Old pages",
                                          NULL, NULL, NULL));
  petrel_store_upsert_messages (store, batch, &error);
  g_assert_no_error (error);
  results = petrel_store_search (store, "harvest", NULL, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 1);
  g_clear_object (&store);

  g_assert_cmpuint (db_page_size (db_path), ==, 4096);
  g_assert_cmpint (db_query_int (dir, "SELECT count(*) FROM messages"), ==, 3000);
  check = db_query (dir, "PRAGMA integrity_check");
  g_assert_cmpstr (check, ==, "ok");
}

static gint64
fts_segments (const char *dir)
{
  return db_query_int (dir, "SELECT count (DISTINCT segid) FROM messages_fts_idx");
}

/* Stores bodies for UIDs @first to @last of @folder, 250 to a batch. */
static void
index_bodies (PetrelStore *store,
              gint64       folder,
              guint32      first,
              guint32      last)
{
  g_autoptr(GError) error = NULL;

  for (guint32 uid = first; uid <= last; uid++)
    {
      g_autofree char *text = g_strdup_printf ("Body %u about %s and the %s", uid,
                                               uid % 3 ? "gardens" : "harbour",
                                               uid == 4321 ? "lighthouse" : "weather");
      g_autofree char *raw = g_strdup_printf ("Subject: Note %u\r\n\r\n%s\r\n", uid, text);

      if ((uid - first) % 250 == 0)
        {
          if (uid != first)
            g_assert_true (petrel_store_commit (store, &error));
          g_assert_true (petrel_store_begin (store, &error));
        }
      set_body (store, folder, uid, raw, text);
    }
  g_assert_true (petrel_store_commit (store, &error));
  g_assert_no_error (error);
}

/* After a sync that indexed much of the store, the full-text index is rewritten as one
 * segment (#4); smaller syncs leave it to FTS5's own merging. */
static void
test_tidy_index (void)
{
  g_autofree char *dir = make_account_dir ();
  g_autoptr(PetrelStore) store = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  gint64 inbox, segments;

  store = petrel_store_open (dir, &error);
  g_assert_no_error (error);
  inbox = add_folder (store, "INBOX", PETREL_STORE_FOLDER_ROLE_INBOX);
  add_messages (store, inbox, 24000, "Tidy subject");

  /* 9,000 bodies: too few to tidy. */
  index_bodies (store, inbox, 1, 9000);
  segments = fts_segments (dir);
  g_assert_cmpint (segments, >, 1);
  g_assert_true (petrel_store_tidy_index (store, &error));
  g_assert_no_error (error);
  g_assert_cmpint (fts_segments (dir), ==, segments);

  /* 11,000 now, still less than half of the 24,000 messages. */
  index_bodies (store, inbox, 9001, 11000);
  segments = fts_segments (dir);
  g_assert_true (petrel_store_tidy_index (store, &error));
  g_assert_cmpint (fts_segments (dir), ==, segments);

  /* 12,000: half. One segment, and every search finds what it found before. */
  index_bodies (store, inbox, 11001, 12000);
  g_assert_cmpint (fts_segments (dir), >, 1);
  g_assert_true (petrel_store_tidy_index (store, &error));
  g_assert_no_error (error);
  g_assert_cmpint (fts_segments (dir), ==, 1);
  results = petrel_store_search (store, "lighthouse", NULL, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 1);
  g_assert_cmpuint (((PetrelStoreMessage *) g_ptr_array_index (results, 0))->uid, ==, 4321);
  g_clear_pointer (&results, g_ptr_array_unref);
  results = petrel_store_search (store, "harbour weather", NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 4000);
  g_clear_pointer (&results, g_ptr_array_unref);

  /* The count starts again: the next bodies alone do not tidy. */
  index_bodies (store, inbox, 12001, 13000);
  segments = fts_segments (dir);
  g_assert_cmpint (segments, >, 1);
  g_assert_true (petrel_store_tidy_index (store, &error));
  g_assert_cmpint (fts_segments (dir), ==, segments);
}

/* Commits that leave 4 MiB in the log wake the store's checkpointer, which copies them into
 * store.db beside the writer (SQLite alone would wait for 4,000 pages, and do it in a commit)
 * and records the files as clean again; the close checkpoints the rest. */
static void
test_checkpoint_beside_writer (void)
{
  g_autofree char *dir = make_account_dir ();
  g_autofree char *db_path = g_build_filename (dir, "store.db", NULL);
  g_autofree char *wal_path = g_build_filename (dir, "store.db-wal", NULL);
  g_autoptr(PetrelStore) store = NULL;
  g_autoptr(GError) error = NULL;
  goffset db_size;
  gint64 inbox;
  guint32 uid = 0;
  gint64 deadline;

  store = petrel_store_open (dir, &error);
  g_assert_no_error (error);
  inbox = add_folder (store, "INBOX", PETREL_STORE_FOLDER_ROLE_INBOX);
  db_size = file_size (db_path);
  g_assert_cmpint (db_size, >, 0);

  /* Past 4 MiB of log (32 bytes of header, 24 before each 16 KiB page), short of 16 MiB. */
  g_assert_cmpint (db_query_int (dir, "PRAGMA page_size"), ==, 16384);
  while (file_size (wal_path) < 32 + 300 * (16384 + 24))
    {
      g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func (
        (GDestroyNotify) petrel_store_message_free);

      for (guint i = 0; i < 200; i++)
        {
          g_autofree char *subject = g_strdup_printf ("Report %u on the %s", uid,
                                                      uid % 2 ? "roadmap" : "budget");
          g_autofree char *id = g_strdup_printf ("<m%u@example.com>", uid);
          PetrelStoreMessage *message;

          uid++;
          message = make_message (inbox, uid, BASE_DATE + uid, subject, id, NULL, NULL);
          g_free (message->to_text);
          message->to_text = g_strdup_printf ("Team %u <team%u@example.org>, Board <b@x.org>",
                                              uid, uid % 97);
          g_ptr_array_add (batch, message);
        }
      petrel_store_upsert_messages (store, batch, &error);
      g_assert_no_error (error);
      g_assert_cmpint (file_size (wal_path), <, 32 + 1000 * (16384 + 24));
    }

  /* The store stays open: only the checkpointer can have grown store.db. */
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (file_size (db_path) == db_size && g_get_monotonic_time () < deadline)
    g_usleep (10000);
  g_assert_cmpint (file_size (db_path), >, db_size);

  /* The checkpointer records the files it changed, so a process killed now would not make
   * the next open check every table. */
  while (!_petrel_store_clean_marker_matches (store) && g_get_monotonic_time () < deadline)
    g_usleep (10000);
  g_assert_true (_petrel_store_clean_marker_matches (store));

  g_clear_object (&store);
  store = petrel_store_open (dir, &error);
  g_assert_no_error (error);
  {
    g_autoptr(PetrelStoreFolder) folder = petrel_store_get_folder (store, inbox, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (folder->total, ==, uid);
  }
}

static void
test_batch_counts_mixed (void)
{
  g_autofree char *dir = make_account_dir ();
  g_autoptr(PetrelStore) store = NULL;
  g_autoptr(GPtrArray) batch = NULL;
  g_autoptr(GError) error = NULL;
  gint64 folders[2];
  PetrelStoreMessage *message;

  store = petrel_store_open (dir, &error);
  g_assert_no_error (error);
  folders[0] = add_folder (store, "INBOX", PETREL_STORE_FOLDER_ROLE_INBOX);
  folders[1] = add_folder (store, "Archive", PETREL_STORE_FOLDER_ROLE_ARCHIVE);

  for (guint round = 0; round < 3; round++)
    {
      batch = g_ptr_array_new_with_free_func ((GDestroyNotify) petrel_store_message_free);
      for (guint i = 1; i <= 40; i++)
        {
          /* Rounds overlap: round 1 and 2 update half of the previous round's UIDs. */
          guint32 uid = round * 20 + i;

          message = make_message (folders[i % 3 == 0], uid, BASE_DATE + uid, "Counted", NULL,
                                  NULL, NULL);
          message->flags = (uid + round) % 2 == 0 ? PETREL_STORE_FLAG_SEEN : 0;
          g_ptr_array_add (batch, message);
        }
      /* The same UIDs again in the same batch with the other flags, in both folders. */
      for (guint i = 3; i <= 9; i += 3)
        {
          message = make_message (folders[1], round * 20 + i, BASE_DATE + i, "Counted", NULL,
                                  NULL, NULL);
          message->flags = (round * 20 + i + round) % 2 == 0 ? 0 : PETREL_STORE_FLAG_SEEN;
          g_ptr_array_add (batch, message);
        }
      message = make_message (folders[0], round * 20 + 1, BASE_DATE + 1, "Counted", NULL, NULL,
                              NULL);
      message->flags = PETREL_STORE_FLAG_SEEN;
      g_ptr_array_add (batch, message);

      petrel_store_upsert_messages (store, batch, &error);
      g_assert_no_error (error);
      g_clear_pointer (&batch, g_ptr_array_unref);

      for (guint f = 0; f < G_N_ELEMENTS (folders); f++)
        {
          g_autoptr(PetrelStoreFolder) folder = NULL;
          g_autofree char *total_sql = NULL;
          g_autofree char *unread_sql = NULL;

          folder = petrel_store_get_folder (store, folders[f], &error);
          g_assert_no_error (error);
          total_sql = g_strdup_printf ("SELECT count(*) FROM messages WHERE folder_id = %"
                                       G_GINT64_FORMAT, folders[f]);
          unread_sql = g_strdup_printf ("SELECT count(*) FROM messages WHERE folder_id = %"
                                        G_GINT64_FORMAT " AND (flags & 1) = 0", folders[f]);
          g_assert_cmpint (folder->total, ==, db_query_int (dir, total_sql));
          g_assert_cmpint (folder->unread, ==, db_query_int (dir, unread_sql));
          g_assert_cmpint (folder->total, >, 0);
          g_assert_cmpint (folder->unread, >, 0);
          g_assert_cmpint (folder->unread, <, folder->total);
        }
    }
}

/* Migration 9 spaces out Han, kana and Hangul in the full-text index: a cache from version 8,
 * indexed without, finds a word inside a run afterwards, in a subject and in a body, and the
 * text trigger keeps doing it. */
static void
test_open_migrate_unspaced (void)
{
  g_autofree char *dir = make_account_dir ();
  g_autoptr(PetrelStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_bytes_new_static ("Subject: x\r\n\r\nbody\r\n", 21);
  PetrelStoreMessage *m;
  gint64 inbox;

  store = petrel_store_open (dir, &error);
  g_assert_no_error (error);
  inbox = add_folder (store, "INBOX", PETREL_STORE_FOLDER_ROLE_INBOX);
  insert (store, make_message (inbox, 1, BASE_DATE, "企鹅合作会议纪要", NULL, NULL, NULL));
  insert (store, make_message (inbox, 2, BASE_DATE + 60, "Weekly notes", NULL, NULL, NULL));
  petrel_store_set_body (store, inbox, 2, bytes, "明日の打ち合わせ", NULL, FALSE, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&store);

  /* Back to what version 8 indexed and the trigger it had. */
  db_exec (dir,
           "UPDATE messages_fts SET subject = '企鹅合作会议纪要' WHERE rowid ="
           "  (SELECT id FROM messages WHERE uid = 1);"
           "UPDATE messages_fts SET body = '明日の打ち合わせ' WHERE rowid ="
           "  (SELECT id FROM messages WHERE uid = 2);"
           "DROP TRIGGER messages_after_update_text;"
           "CREATE TRIGGER messages_after_update_text"
           "  AFTER UPDATE OF subject, from_name, from_addr, to_text, cc_text ON messages"
           "  BEGIN"
           "  UPDATE messages_fts SET subject = new.subject, from_name = new.from_name,"
           "    from_addr = new.from_addr, to_text = new.to_text, cc_text = new.cc_text"
           "    WHERE rowid = new.id;"
           "END;"
           "PRAGMA user_version = 8;");
  g_assert_cmpint (db_query_int (dir, "SELECT count(*) FROM messages_fts"
                                      " WHERE messages_fts MATCH '\"会 议\"'"), ==, 0);

  store = petrel_store_open (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (db_query_int (dir, "PRAGMA user_version"), ==, PETREL_STORE_SCHEMA_VERSION);
  g_assert_true (search_has_uid (store, "会议", 1));
  g_assert_true (search_has_uid (store, "打ち合わせ", 2));
  g_assert_false (search_has_uid (store, "会议", 2));
  g_assert_cmpint (search_count (store, "weekly", NULL), ==, 1);

  /* A new subject for a stored message goes through the new trigger. */
  m = make_message (inbox, 2, BASE_DATE + 60, "季度预算审查", NULL, NULL, NULL);
  insert (store, m);
  g_assert_true (search_has_uid (store, "预算", 2));
  g_assert_cmpint (search_count (store, "weekly", NULL), ==, 0);
}

/* An upgrade that needs more room than the disk has leaves the cache as it was and opens it
 * read-only (what version 8 indexed is found as before); with room, the next open upgrades. */
static void
test_open_migrate_full (void)
{
  g_autofree char *dir = make_account_dir ();
  g_autoptr(PetrelStore) store = NULL;
  g_autoptr(GPtrArray) batch = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *check = NULL;
  gint64 inbox;

  store = petrel_store_open (dir, &error);
  g_assert_no_error (error);
  inbox = add_folder (store, "INBOX", PETREL_STORE_FOLDER_ROLE_INBOX);
  batch = g_ptr_array_new_with_free_func ((GDestroyNotify) petrel_store_message_free);
  for (guint uid = 1; uid <= 2000; uid++)
    g_ptr_array_add (batch, make_message (inbox, uid, BASE_DATE + uid,
                                          uid == 1 ? "Plain budget notes"
                                                   : "企鹅合作会议纪要第三季度预算审查报告",
                                          NULL, NULL, NULL));
  petrel_store_upsert_messages (store, batch, &error);
  g_assert_no_error (error);
  g_clear_object (&store);

  db_exec (dir,
           "UPDATE messages_fts SET subject = '企鹅合作会议纪要第三季度预算审查报告'"
           "  WHERE subject != 'Plain budget notes';"
           "PRAGMA user_version = 8;"
           "VACUUM;");

  _petrel_store_test_max_page_count = db_query_int (dir, "PRAGMA page_count");
  store = petrel_store_open (dir, &error);
  _petrel_store_test_max_page_count = 0;
  g_assert_no_error (error);
  g_assert_false (petrel_store_check_writable (store, &error));
  g_assert_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_FULL);
  g_clear_error (&error);
  g_assert_cmpint (db_query_int (dir, "PRAGMA user_version"), ==, 8);
  g_assert_true (search_has_uid (store, "budget", 1));
  g_assert_cmpint (search_count (store, "会议", NULL), ==, 0);
  g_clear_object (&store);

  store = petrel_store_open (dir, &error);
  g_assert_no_error (error);
  g_assert_true (petrel_store_check_writable (store, NULL));
  g_assert_cmpint (db_query_int (dir, "PRAGMA user_version"), ==, PETREL_STORE_SCHEMA_VERSION);
  g_assert_cmpint (search_count (store, "会议", NULL), ==, 1999);
  check = db_query (dir, "PRAGMA integrity_check");
  g_assert_cmpstr (check, ==, "ok");
}

/* Migration 8 keys the threading indexes by hashes: a cache from version 7 keeps its
 * conversations, by Message-ID and by subject. */
static void
test_open_migrate_thread_keys (void)
{
  g_autofree char *dir = make_account_dir ();
  g_autoptr(PetrelStore) store = NULL;
  g_autoptr(GError) error = NULL;
  gint64 inbox, budget, lunch;

  store = petrel_store_open (dir, &error);
  g_assert_no_error (error);
  inbox = add_folder (store, "INBOX", PETREL_STORE_FOLDER_ROLE_INBOX);
  budget = insert (store, make_message (inbox, 1, BASE_DATE, "Budget", "<a@x>", NULL, NULL));
  g_assert_cmpint (insert (store, make_message (inbox, 2, BASE_DATE + 60, "Re: Budget", "<b@x>",
                                                "<a@x>", "<a@x>")), ==, budget);
  lunch = insert (store, make_message (inbox, 3, BASE_DATE, "Re: Lunch", NULL, NULL, NULL));
  g_assert_cmpint (lunch, !=, budget);
  g_clear_object (&store);

  /* Back to the layout of version 7. */
  db_exec (dir,
           "CREATE TABLE thread_ids ("
           "  message_id TEXT PRIMARY KEY,"
           "  conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE"
           ") WITHOUT ROWID;"
           "CREATE INDEX thread_ids_conversation ON thread_ids (conversation_id);"
           "INSERT INTO thread_ids SELECT 'a@x', conversation_id FROM messages WHERE uid = 1;"
           "INSERT INTO thread_ids SELECT 'b@x', conversation_id FROM messages WHERE uid = 2;"
           "DROP TABLE thread_keys;"
           "DROP INDEX conversations_subject_hash;"
           "DROP INDEX conversations_reply_subject_hash;"
           "ALTER TABLE conversations DROP COLUMN subject_hash;"
           "CREATE INDEX conversations_subject_key ON conversations (subject_key)"
           "  WHERE subject_key != '';"
           "CREATE INDEX conversations_reply_subject_key ON conversations (subject_key)"
           "  WHERE subject_key != '' AND reply_subject = 1;"
           "PRAGMA user_version = 7;");

  store = petrel_store_open (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (db_query_int (dir, "PRAGMA user_version"), ==, PETREL_STORE_SCHEMA_VERSION);
  g_assert_cmpint (db_query_int (dir, "SELECT count(*) FROM thread_keys"), ==, 2);
  g_assert_cmpint (db_query_int (dir, "SELECT count(*) FROM sqlite_schema"
                                      " WHERE name = 'thread_ids'"), ==, 0);

  /* A reply to the second message only, and a non-reply "Lunch" near the "Re: Lunch". */
  g_assert_cmpint (insert (store, make_message (inbox, 4, BASE_DATE + 120, "Re: Budget",
                                                "<c@x>", "<b@x>", NULL)), ==, budget);
  g_assert_cmpint (insert (store, make_message (inbox, 5, BASE_DATE - 60, "Lunch", NULL, NULL,
                                                NULL)), ==, lunch);
  g_assert_cmpint (insert (store, make_message (inbox, 6, BASE_DATE, "Dinner", NULL, NULL,
                                                NULL)), !=, lunch);
}

static void
test_open_damaged_index (void)
{
  g_autofree char *dir = make_account_dir ();
  g_autoptr(PetrelStore) store = NULL;
  g_autoptr(GPtrArray) batch = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GPtrArray) page = NULL;
  g_autoptr(GError) error = NULL;
  gint64 inbox;

  store = petrel_store_open (dir, &error);
  g_assert_no_error (error);
  inbox = add_folder (store, "INBOX", PETREL_STORE_FOLDER_ROLE_INBOX);
  add_messages (store, inbox, 500, "Indexed words here");
  g_clear_object (&store);

  /* Garbage in the full-text index segments, and in its structure record (id 10): a batch is
   * indexed as one segment now (#4), and random bytes in a few pages can happen to read as
   * an index, so the structure is made certainly unreadable. */
  db_exec (dir, "UPDATE messages_fts_data SET block = randomblob (length (block)) WHERE id > 10");
  db_exec (dir, "UPDATE messages_fts_data SET block = X'00000000FFFFFFFFFFFFFFFFFFFF'"
                " WHERE id = 10");

  store = petrel_store_open (dir, &error);
  g_assert_no_error (error);

  /* Listing does not need the index; searching reports the damage instead of crashing. */
  page = petrel_store_list_messages (store, inbox, 0, 50, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->len, ==, 50);

  results = petrel_store_search (store, "indexed", NULL, 10, &error);
  g_assert_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_CORRUPT);
  g_assert_null (results);
}

/* The integrity check is skipped only when store.db is exactly as a commit or a close left
 * it (#4); damage written in place, size unchanged, is still found. */
static void
test_open_clean_marker (void)
{
  g_autofree char *dir = make_account_dir ();
  g_autofree char *db_path = g_build_filename (dir, "store.db", NULL);
  g_autofree char *marker = g_build_filename (dir, "store.db-clean", NULL);
  g_autoptr(PetrelStore) store = NULL;
  g_autoptr(GPtrArray) batch = NULL;
  g_autoptr(GError) error = NULL;
  struct timespec times[2];
  struct stat before;
  char garbage[4096];
  off_t page_size;
  gint64 inbox;
  int fd;

  store = petrel_store_open (dir, &error);
  g_assert_no_error (error);
  inbox = add_folder (store, "INBOX", PETREL_STORE_FOLDER_ROLE_INBOX);
  add_messages (store, inbox, 2000, "Marker subject");
  g_clear_object (&store);
  g_assert_true (g_file_test (marker, G_FILE_TEST_EXISTS));

  /* Damage that leaves the file's identity (inode, size, modification time) as recorded is
   * not looked for: this is what lets a clean open skip the check. Pages 2 to 12 are
   * overwritten (page 1 holds the schema, which every open reads). */
  page_size = db_page_size (db_path);
  memset (garbage, 0x5a, sizeof garbage);
  g_assert_cmpint (stat (db_path, &before), ==, 0);
  fd = open (db_path, O_WRONLY);
  g_assert_cmpint (fd, >=, 0);
  for (off_t offset = page_size; offset < 12 * page_size; offset += sizeof garbage)
    g_assert_cmpint (pwrite (fd, garbage, sizeof garbage, offset), ==, sizeof garbage);
  close (fd);
  times[0] = before.st_atim;
  times[1] = before.st_mtim;
  g_assert_cmpint (utimensat (AT_FDCWD, db_path, times, 0), ==, 0);

  store = petrel_store_open (dir, &error);
  g_assert_no_error (error);
  g_assert_true (petrel_store_check_writable (store, &error));
  g_clear_object (&store);
  g_clear_error (&error);

  /* The same damage written as anything really writes it, changing the modification time:
   * the check runs and finds it. */
  fd = open (db_path, O_WRONLY);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pwrite (fd, garbage, sizeof garbage, page_size), ==, sizeof garbage);
  close (fd);

  store = petrel_store_open (dir, &error);
  g_assert_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_CORRUPT);
  g_assert_null (store);
}

/* Body text is indexed at the commit of its batch, in one go (#4): visible to searches of the
 * same transaction, gone with a rollback. New summaries of a batch are indexed together too. */
static void
test_bodies_batched_index (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GPtrArray) batch = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *check = NULL;

  batch = g_ptr_array_new_with_free_func ((GDestroyNotify) petrel_store_message_free);
  for (guint uid = 1; uid <= 300; uid++)
    g_ptr_array_add (batch, make_message (f->inbox, uid, BASE_DATE + uid,
                                          uid == 7 ? "Rhubarb harvest" : "Ordinary subject",
                                          NULL, NULL, NULL));
  petrel_store_upsert_messages (f->store, batch, &error);
  g_assert_no_error (error);
  results = petrel_store_search (f->store, "rhubarb", NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 1);
  g_clear_pointer (&results, g_ptr_array_unref);
  results = petrel_store_search (f->store, "ordinary", NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 299);
  g_clear_pointer (&results, g_ptr_array_unref);

  /* Rolled back: the staged text goes too. */
  petrel_store_begin (f->store, &error);
  g_assert_no_error (error);
  set_body (f->store, f->inbox, 1, "Subject: x\r\n\r\nquinoa\r\n", "quinoa");
  petrel_store_rollback (f->store);
  results = petrel_store_search (f->store, "quinoa", NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 0);
  g_clear_pointer (&results, g_ptr_array_unref);

  /* A batch: searchable inside its transaction, and after the commit. */
  petrel_store_begin (f->store, &error);
  g_assert_no_error (error);
  for (guint uid = 1; uid <= 50; uid++)
    set_body (f->store, f->inbox, uid, "Subject: x\r\n\r\nbody\r\n",
              uid == 20 ? "a word like tamarind" : "nothing special");
  results = petrel_store_search (f->store, "tamarind", NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 1);
  g_clear_pointer (&results, g_ptr_array_unref);
  set_body (f->store, f->inbox, 21, "Subject: x\r\n\r\nbody\r\n", "tamarind again");
  petrel_store_commit (f->store, &error);
  g_assert_no_error (error);
  results = petrel_store_search (f->store, "tamarind", NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 2);
  g_clear_pointer (&results, g_ptr_array_unref);
  /* The headers stay indexed beside the body text. */
  results = petrel_store_search (f->store, "ordinary special", NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 47);

  check = db_query (f->dir, "SELECT value FROM store_flags WHERE name = 'defer_fts'");
  g_assert_cmpstr (check, ==, "0");
  db_exec (f->dir, "INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')");
}

static void
test_open_unwritable_dir (void)
{
  g_autofree char *parent = g_build_filename (g_get_user_data_dir (), "file", NULL);
  g_autofree char *dir = g_build_filename (parent, "account", NULL);
  g_autoptr(PetrelStore) store = NULL;
  g_autoptr(GError) error = NULL;

  /* The account directory's parent is a file. */
  g_assert_cmpint (g_mkdir_with_parents (g_get_user_data_dir (), 0700), ==, 0);
  g_assert_true (g_file_set_contents (parent, "x", 1, NULL));

  store = petrel_store_open (dir, &error);
  g_assert_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_IO);
  g_assert_null (store);
}

/* Folders */

static void
test_folders_crud (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(PetrelStoreFolder) folder = NULL;
  g_autoptr(PetrelStoreFolder) renamed = NULL;
  g_autoptr(GPtrArray) folders = NULL;
  g_autoptr(GError) error = NULL;
  gint64 again = 0;
  gint64 work;

  folder = petrel_store_folder_new ("INBOX");
  folder->role = PETREL_STORE_FOLDER_ROLE_INBOX;
  folder->delimiter = g_strdup (".");
  folder->attributes = g_strdup ("\\HasChildren");
  folder->subscribed = FALSE;
  petrel_store_upsert_folder (f->store, folder, &again, &error);
  g_assert_no_error (error);
  g_assert_cmpint (again, ==, f->inbox);
  g_clear_pointer (&folder, petrel_store_folder_free);

  work = add_folder (f->store, "Aaa/Work", PETREL_STORE_FOLDER_ROLE_NONE);

  folders = petrel_store_list_folders (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (folders->len, ==, 4);
  folder = petrel_store_folder_copy (g_ptr_array_index (folders, 0));
  g_assert_cmpstr (folder->path, ==, "INBOX");
  g_assert_cmpstr (folder->delimiter, ==, ".");
  g_assert_cmpstr (folder->attributes, ==, "\\HasChildren");
  g_assert_false (folder->subscribed);
  g_assert_cmpint (folder->role, ==, PETREL_STORE_FOLDER_ROLE_INBOX);
  g_assert_cmpstr (((PetrelStoreFolder *) g_ptr_array_index (folders, 1))->path, ==, "Aaa/Work");
  g_assert_cmpint (((PetrelStoreFolder *) g_ptr_array_index (folders, 1))->role, ==,
                   PETREL_STORE_FOLDER_ROLE_NONE);
  g_clear_pointer (&folder, petrel_store_folder_free);

  folder = petrel_store_get_folder (f->store, f->sent, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (folder->path, ==, "Sent");
  g_assert_cmpint (folder->role, ==, PETREL_STORE_FOLDER_ROLE_SENT);
  g_assert_cmpstr (petrel_store_folder_role_to_string (folder->role), ==, "sent");
  g_clear_pointer (&folder, petrel_store_folder_free);

  folder = petrel_store_get_folder_by_path (f->store, "Nope", &error);
  g_assert_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND);
  g_assert_null (folder);
  g_clear_error (&error);

  folder = petrel_store_get_folder (f->store, 12345, &error);
  g_assert_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Rename */
  insert (f->store, make_message (work, 5, BASE_DATE, "Kept across rename", NULL, NULL, NULL));
  petrel_store_rename_folder (f->store, work, "Projects", &error);
  g_assert_no_error (error);
  renamed = petrel_store_get_folder_by_path (f->store, "Projects", &error);
  g_assert_no_error (error);
  g_assert_cmpint (renamed->id, ==, work);
  g_assert_cmpuint (renamed->total, ==, 1);

  petrel_store_rename_folder (f->store, work, "Sent", &error);
  g_assert_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  petrel_store_rename_folder (f->store, 999, "Other", &error);
  g_assert_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  petrel_store_delete_folder (f->store, 999, &error);
  g_assert_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
}

static goffset
wal_size (PetrelStore *store)
{
  g_autofree char *path = g_build_filename (petrel_store_get_directory (store), "store.db-wal",
                                            NULL);
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_size;
}

/* A folder listed again as it is stored writes nothing (a no-change sync then leaves nothing
 * to checkpoint at close); any difference is still written. */
static void
test_folders_unchanged_no_write (Fixture       *f,
                                 gconstpointer  data)
{
  g_autoptr(PetrelStoreFolder) folder = petrel_store_folder_new ("Lists/Petrel");
  g_autoptr(PetrelStoreFolder) stored = NULL;
  g_autoptr(GError) error = NULL;
  gint64 id = 0;
  gint64 again = 0;
  goffset size;

  folder->delimiter = g_strdup ("/");
  folder->attributes = g_strdup ("\\HasNoChildren");
  folder->subscribed = TRUE;
  folder->raw_path = g_strdup ("Lists/Petrel");
  g_assert_true (petrel_store_upsert_folder (f->store, folder, &id, &error));
  g_assert_no_error (error);
  size = wal_size (f->store);

  g_assert_true (petrel_store_upsert_folder (f->store, folder, &again, &error));
  g_assert_no_error (error);
  g_assert_cmpint (again, ==, id);
  g_assert_cmpint (wal_size (f->store), ==, size);

  /* No server name given keeps the stored one: still unchanged. */
  g_clear_pointer (&folder->raw_path, g_free);
  again = 0;
  g_assert_true (petrel_store_upsert_folder (f->store, folder, &again, &error));
  g_assert_no_error (error);
  g_assert_cmpint (again, ==, id);
  g_assert_cmpint (wal_size (f->store), ==, size);

  g_clear_pointer (&folder->attributes, g_free);
  folder->attributes = g_strdup ("\\HasChildren");
  again = 0;
  g_assert_true (petrel_store_upsert_folder (f->store, folder, &again, &error));
  g_assert_no_error (error);
  g_assert_cmpint (again, ==, id);
  g_assert_cmpint (wal_size (f->store), >, size);

  stored = petrel_store_get_folder (f->store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (stored->attributes, ==, "\\HasChildren");
  g_assert_cmpstr (stored->raw_path, ==, "Lists/Petrel");
  g_assert_true (stored->subscribed);
}

static void
test_folders_delete_cascades (Fixture       *f,
                              gconstpointer  data)
{
  g_autofree char *file = message_file (f->dir, f->archive, 7);
  g_autofree char *folder_dir = g_path_get_dirname (file);
  g_autoptr(PetrelStoreMessage) message = NULL;
  g_autoptr(GPtrArray) conversation = NULL;
  g_autoptr(GPtrArray) folders = NULL;
  g_autoptr(GError) error = NULL;
  gint64 lone_conversation;
  gint64 shared_conversation;

  lone_conversation = insert (f->store, make_message (f->archive, 7, BASE_DATE,
                                                     "Walrus migration", "w@x", NULL, NULL));
  set_body (f->store, f->archive, 7, "Subject: Walrus migration\r\n\r\nnarwhal\r\n", "narwhal");
  shared_conversation = insert (f->store, make_message (f->archive, 8, BASE_DATE,
                                                       "Plans", "p1@x", NULL, NULL));
  g_assert_cmpint (insert (f->store, make_message (f->inbox, 1, BASE_DATE + 60, "Re: Plans",
                                                   "p2@x", "<p1@x>", "<p1@x>")),
                   ==, shared_conversation);
  g_assert_true (g_file_test (file, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint (search_count (f->store, "narwhal", NULL), ==, 1);
  g_assert_cmpuint (search_count (f->store, "walrus", NULL), ==, 1);

  petrel_store_delete_folder (f->store, f->archive, &error);
  g_assert_no_error (error);

  message = petrel_store_get_message (f->store, f->archive, 7, &error);
  g_assert_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (g_file_test (file, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (folder_dir, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (search_count (f->store, "narwhal", NULL), ==, 0);
  g_assert_cmpuint (search_count (f->store, "walrus", NULL), ==, 0);
  g_assert_cmpint (db_query_int (f->dir, "SELECT count(*) FROM messages"), ==, 1);
  g_assert_cmpint (db_query_int (f->dir, "SELECT count(*) FROM messages_fts"), ==, 1);

  /* The lone conversation is gone; the shared one lives on in INBOX. */
  conversation = petrel_store_list_conversation (f->store, lone_conversation, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (conversation->len, ==, 0);
  g_clear_pointer (&conversation, g_ptr_array_unref);
  g_assert_cmpint (db_query_int (f->dir, "SELECT count(*) FROM conversations"), ==, 1);
  conversation = petrel_store_list_conversation (f->store, shared_conversation, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (conversation->len, ==, 1);

  folders = petrel_store_list_folders (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (folders->len, ==, 2);
}

/* Messages */

static void
test_messages_batch_list (Fixture       *f,
                          gconstpointer  data)
{
  const guint n = 10000;
  const guint batch_size = 500;
  g_autoptr(GPtrArray) page = NULL;
  g_autoptr(GArray) uids = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *plan = NULL;
  gint64 prev_date = G_MAXINT64;
  guint32 prev_uid = G_MAXUINT32;
  guint32 max_uid = 0;
  guint total = 0, unread = 0;
  guint seen = 0;

  for (guint start = 1; start <= n; start += batch_size)
    {
      g_autoptr(GPtrArray) batch = NULL;

      batch = g_ptr_array_new_with_free_func ((GDestroyNotify) petrel_store_message_free);
      for (guint uid = start; uid < start + batch_size; uid++)
        {
          /* Dates out of UID order, with ties every 7 messages. */
          gint64 date = BASE_DATE + (gint64) ((uid * 7919) % 1429) * 60;
          g_autofree char *subject = g_strdup_printf ("Message %u", uid);
          PetrelStoreMessage *message = make_message (f->inbox, uid, date, subject, NULL,
                                                      NULL, NULL);

          if (uid % 3 == 0)
            message->flags = PETREL_STORE_FLAG_SEEN;
          g_ptr_array_add (batch, message);
        }

      petrel_store_begin (f->store, &error);
      g_assert_no_error (error);
      petrel_store_upsert_messages (f->store, batch, &error);
      g_assert_no_error (error);
      petrel_store_commit (f->store, &error);
      g_assert_no_error (error);
    }

  petrel_store_count_messages (f->store, f->inbox, &total, &unread, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (total, ==, n);
  g_assert_cmpuint (unread, ==, n - n / 3);

  /* Page through everything, newest first, ties by UID descending. */
  for (guint offset = 0; offset < n; offset += 1000)
    {
      page = petrel_store_list_messages (f->store, f->inbox, offset, 1000, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (page->len, ==, 1000);

      for (guint i = 0; i < page->len; i++)
        {
          PetrelStoreMessage *message = g_ptr_array_index (page, i);

          g_assert_cmpint (message->date, <=, prev_date);
          if (message->date == prev_date)
            g_assert_cmpuint (message->uid, <, prev_uid);
          prev_date = message->date;
          prev_uid = message->uid;
          seen++;
        }
      g_clear_pointer (&page, g_ptr_array_unref);
    }
  g_assert_cmpuint (seen, ==, n);

  page = petrel_store_list_messages (f->store, f->inbox, 0, 50, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->len, ==, 50);
  g_assert_cmpint (((PetrelStoreMessage *) g_ptr_array_index (page, 0))->date, ==,
                   BASE_DATE + 1428 * 60);
  g_clear_pointer (&page, g_ptr_array_unref);

  page = petrel_store_list_messages (f->store, f->inbox, n - 10, 50, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->len, ==, 10);
  g_clear_pointer (&page, g_ptr_array_unref);

  uids = petrel_store_list_uids (f->store, f->inbox, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (uids->len, ==, n);
  for (guint i = 0; i < uids->len; i++)
    g_assert_cmpuint (g_array_index (uids, PetrelStoreUidInfo, i).uid, ==, i + 1);

  petrel_store_get_max_uid (f->store, f->inbox, &max_uid, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (max_uid, ==, n);
  petrel_store_get_max_uid (f->store, f->sent, &max_uid, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (max_uid, ==, 0);

  /* The page query walks the (folder, date, uid) index: no sort, no table scan. */
  {
    g_autofree char *path = g_build_filename (f->dir, "store.db", NULL);
    g_autoptr(GString) details = g_string_new (NULL);
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;

    g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_prepare_v2 (db,
                                         "EXPLAIN QUERY PLAN"
                                         " SELECT " PETREL_STORE_MESSAGE_COLUMNS
                                         " FROM messages m WHERE m.folder_id = 1"
                                         " ORDER BY m.date DESC, m.uid DESC LIMIT 50",
                                         -1, &stmt, NULL), ==, SQLITE_OK);
    while (sqlite3_step (stmt) == SQLITE_ROW)
      g_string_append_printf (details, "%s | ", sqlite3_column_text (stmt, 3));
    sqlite3_finalize (stmt);
    sqlite3_close (db);
    plan = g_string_free (g_steal_pointer (&details), FALSE);
  }
  g_test_message ("list plan: %s", plan);
  g_assert_nonnull (strstr (plan, "messages_folder_date"));
  g_assert_null (strstr (plan, "TEMP B-TREE"));
}

/* A batch counts and indexes its new rows at its end (migration 5): folder counts stay
 * right with rows already stored, the same UID twice in one batch (its flags changing in
 * between) and a batch spanning two folders. */
static void
test_messages_batch_counts (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GPtrArray) batch = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *check = NULL;
  PetrelStoreMessage *message;
  guint total = 0, unread = 0;

  /* Rows 1 and 2 first, 1 read. */
  batch = g_ptr_array_new_with_free_func ((GDestroyNotify) petrel_store_message_free);
  message = make_message (f->inbox, 1, BASE_DATE, "kumquat one", "<c1@x>", NULL, NULL);
  message->flags = PETREL_STORE_FLAG_SEEN;
  g_ptr_array_add (batch, message);
  g_ptr_array_add (batch, make_message (f->inbox, 2, BASE_DATE, "kumquat two", "<c2@x>", NULL,
                                        NULL));
  petrel_store_upsert_messages (f->store, batch, &error);
  g_assert_no_error (error);
  g_clear_pointer (&batch, g_ptr_array_unref);

  /* Then: 2 again (now read), 3 new unread, 3 again read, 4 new read, and one in Sent. */
  batch = g_ptr_array_new_with_free_func ((GDestroyNotify) petrel_store_message_free);
  message = make_message (f->inbox, 2, BASE_DATE, "kumquat two", "<c2@x>", NULL, NULL);
  message->flags = PETREL_STORE_FLAG_SEEN;
  g_ptr_array_add (batch, message);
  g_ptr_array_add (batch, make_message (f->inbox, 3, BASE_DATE, "kumquat three", "<c3@x>",
                                        NULL, NULL));
  message = make_message (f->inbox, 3, BASE_DATE, "kumquat three again", "<c3@x>", NULL, NULL);
  message->flags = PETREL_STORE_FLAG_SEEN;
  g_ptr_array_add (batch, message);
  g_ptr_array_add (batch, make_message (f->sent, 7, BASE_DATE, "kumquat sent", "<c7@x>", NULL,
                                        NULL));
  message = make_message (f->inbox, 4, BASE_DATE, "kumquat four", "<c4@x>", NULL, NULL);
  message->flags = PETREL_STORE_FLAG_SEEN;
  g_ptr_array_add (batch, message);
  petrel_store_upsert_messages (f->store, batch, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < batch->len; i++)
    g_assert_cmpint (((PetrelStoreMessage *) g_ptr_array_index (batch, i))->id, >, 0);
  /* Both entries of UID 3 name the same row. */
  g_assert_cmpint (((PetrelStoreMessage *) g_ptr_array_index (batch, 1))->id, ==,
                   ((PetrelStoreMessage *) g_ptr_array_index (batch, 2))->id);

  petrel_store_count_messages (f->store, f->inbox, &total, &unread, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (total, ==, 4);
  g_assert_cmpuint (unread, ==, 0);
  petrel_store_count_messages (f->store, f->sent, &total, &unread, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (total, ==, 1);
  g_assert_cmpuint (unread, ==, 1);

  /* Every row indexed once, UID 3 under its last subject. */
  results = petrel_store_search (f->store, "kumquat", NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 5);
  g_clear_pointer (&results, g_ptr_array_unref);
  results = petrel_store_search (f->store, "subject:again", NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 1);

  check = db_query (f->dir, "SELECT value FROM store_flags WHERE name = 'defer_fts'");
  g_assert_cmpstr (check, ==, "0");
  db_exec (f->dir, "INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')");

  /* A single insert outside a batch is still counted by the trigger. */
  message = make_message (f->inbox, 9, BASE_DATE, "kumquat single", "<c9@x>", NULL, NULL);
  petrel_store_upsert_message (f->store, message, &error);
  g_assert_no_error (error);
  petrel_store_message_free (message);
  petrel_store_count_messages (f->store, f->inbox, &total, &unread, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (total, ==, 5);
  g_assert_cmpuint (unread, ==, 1);

  /* Threading a non-reply by subject seeks the conversations started by a reply, rather than
   * walking every conversation with that subject. */
  {
    g_autofree char *path = g_build_filename (f->dir, "store.db", NULL);
    g_autoptr(GString) plan = g_string_new (NULL);
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;

    g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_prepare_v2 (db,
                                         "EXPLAIN QUERY PLAN"
                                         " SELECT c.id FROM conversations c"
                                         " WHERE c.subject_hash = ?5 AND c.subject_hash != 0"
                                         " AND c.reply_subject = 1 AND c.subject_key = ?1"
                                         " AND EXISTS (SELECT 1 FROM messages m"
                                         "   WHERE m.conversation_id = c.id"
                                         "   AND m.date BETWEEN ?3 - ?4 AND ?3 + ?4)"
                                         " ORDER BY c.id DESC LIMIT 1",
                                         -1, &stmt, NULL), ==, SQLITE_OK);
    while (sqlite3_step (stmt) == SQLITE_ROW)
      g_string_append_printf (plan, "%s | ", sqlite3_column_text (stmt, 3));
    sqlite3_finalize (stmt);
    sqlite3_close (db);
    g_test_message ("subject plan: %s", plan->str);
    g_assert_nonnull (strstr (plan->str, "conversations_reply_subject_hash"));
    g_assert_null (strstr (plan->str, "TEMP B-TREE"));
  }
}

static void
test_messages_upsert_updates (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(PetrelStoreMessage) message = NULL;
  g_autoptr(PetrelStoreMessage) stored = NULL;
  g_autoptr(GError) error = NULL;
  gint64 id;
  gint64 conversation;

  message = make_message (f->inbox, 3, 0, "First subject", "m@x", NULL, NULL);
  message->internal_date = BASE_DATE;
  petrel_store_upsert_message (f->store, message, &error);
  g_assert_no_error (error);
  id = message->id;
  conversation = message->conversation_id;
  /* No Date header: INTERNALDATE is the sort date. */
  g_assert_cmpint (message->date, ==, BASE_DATE);

  set_body (f->store, f->inbox, 3, "raw", "text");

  g_free (message->subject);
  message->subject = g_strdup ("Second subject");
  message->flags = PETREL_STORE_FLAG_SEEN;
  message->date = 0;
  g_clear_pointer (&message->snippet, g_free);
  petrel_store_upsert_message (f->store, message, &error);
  g_assert_no_error (error);
  g_assert_cmpint (message->id, ==, id);
  g_assert_cmpint (message->conversation_id, ==, conversation);
  g_assert_true (message->body_present);

  stored = petrel_store_get_message (f->store, f->inbox, 3, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (stored->subject, ==, "Second subject");
  g_assert_true (stored->body_present);
  g_assert_cmpstr (stored->snippet, ==, "text");
  g_assert_cmpint (stored->flags, ==, PETREL_STORE_FLAG_SEEN);
  g_assert_cmpuint (search_count (f->store, "subject:second", NULL), ==, 1);
  g_assert_cmpuint (search_count (f->store, "subject:first", NULL), ==, 0);
  g_assert_cmpint (db_query_int (f->dir, "SELECT unread FROM folders WHERE path = 'INBOX'"),
                   ==, 0);

  /* A summary for a folder that does not exist. */
  g_clear_pointer (&message, petrel_store_message_free);
  message = make_message (4242, 1, BASE_DATE, "Lost", NULL, NULL, NULL);
  petrel_store_upsert_message (f->store, message, &error);
  g_assert_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND);
  g_assert_cmpint (db_query_int (f->dir, "SELECT count(*) FROM conversations"), ==, 1);
}

static void
assert_counts (Fixture *f,
               gint64   folder_id,
               guint    expected_total,
               guint    expected_unread)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *sql = NULL;
  guint total = 0, unread = 0;

  petrel_store_count_messages (f->store, folder_id, &total, &unread, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (total, ==, expected_total);
  g_assert_cmpuint (unread, ==, expected_unread);

  /* The maintained counters agree with the rows. */
  sql = g_strdup_printf ("SELECT count(*) FROM messages WHERE folder_id = %" G_GINT64_FORMAT
                         " AND (flags & 1) = 0", folder_id);
  g_assert_cmpint (db_query_int (f->dir, sql), ==, expected_unread);
}

static void
test_messages_flags (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GArray) uids = NULL;
  g_autoptr(PetrelStoreMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  const guint32 some[] = { 1, 2, 3, 99 };

  for (guint32 uid = 1; uid <= 10; uid++)
    {
      PetrelStoreMessage *m = make_message (f->inbox, uid, BASE_DATE + uid, "Flags", NULL,
                                            NULL, NULL);

      if (uid > 7)
        m->flags = PETREL_STORE_FLAG_SEEN;
      insert (f->store, m);
    }
  assert_counts (f, f->inbox, 10, 7);

  petrel_store_update_flags (f->store, f->inbox, 1,
                             PETREL_STORE_FLAG_SEEN | PETREL_STORE_FLAG_FLAGGED,
                             "$Junk $Forwarded", 77, &error);
  g_assert_no_error (error);
  assert_counts (f, f->inbox, 10, 6);

  /* Same flags again: no double counting. */
  petrel_store_update_flags (f->store, f->inbox, 1,
                             PETREL_STORE_FLAG_SEEN | PETREL_STORE_FLAG_FLAGGED,
                             "$Junk $Forwarded", 0, &error);
  g_assert_no_error (error);
  assert_counts (f, f->inbox, 10, 6);

  message = petrel_store_get_message (f->store, f->inbox, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (message->flags, ==, PETREL_STORE_FLAG_SEEN | PETREL_STORE_FLAG_FLAGGED);
  g_assert_cmpstr (message->keywords, ==, "$Junk $Forwarded");
  g_assert_cmpuint (message->modseq, ==, 77);

  petrel_store_update_flags (f->store, f->inbox, 1, PETREL_STORE_FLAG_NONE, NULL, 0, &error);
  g_assert_no_error (error);
  assert_counts (f, f->inbox, 10, 7);

  petrel_store_update_flags (f->store, f->inbox, 500, PETREL_STORE_FLAG_SEEN, NULL, 0, &error);
  g_assert_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Mark several read (one unknown UID, one already read is skipped); then unread again. */
  petrel_store_modify_flags (f->store, f->inbox, some, G_N_ELEMENTS (some),
                             PETREL_STORE_FLAG_SEEN, PETREL_STORE_FLAG_NONE, &error);
  g_assert_no_error (error);
  assert_counts (f, f->inbox, 10, 4);
  g_assert_cmpuint (search_count (f->store, "is:unread", "INBOX"), ==, 4);
  g_assert_cmpuint (search_count (f->store, "is:read", "INBOX"), ==, 6);

  petrel_store_modify_flags (f->store, f->inbox, some, 2, PETREL_STORE_FLAG_FLAGGED,
                             PETREL_STORE_FLAG_SEEN, &error);
  g_assert_no_error (error);
  assert_counts (f, f->inbox, 10, 6);
  g_assert_cmpuint (search_count (f->store, "is:flagged", NULL), ==, 2);

  uids = petrel_store_list_uids (f->store, f->inbox, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (uids->len, ==, 10);
  g_assert_cmpint (g_array_index (uids, PetrelStoreUidInfo, 0).flags, ==,
                   PETREL_STORE_FLAG_FLAGGED);
  g_assert_cmpint (g_array_index (uids, PetrelStoreUidInfo, 2).flags, ==,
                   PETREL_STORE_FLAG_SEEN);
  g_assert_cmpuint (g_array_index (uids, PetrelStoreUidInfo, 0).modseq, ==, 77);
  g_assert_null (g_array_index (uids, PetrelStoreUidInfo, 0).keywords);

  /* A re-sent summary changes flags too. */
  message->flags = PETREL_STORE_FLAG_SEEN;
  petrel_store_upsert_message (f->store, message, &error);
  g_assert_no_error (error);
  assert_counts (f, f->inbox, 10, 5);
}

static void
test_messages_expunge (Fixture       *f,
                       gconstpointer  data)
{
  const guint32 gone[] = { 2, 4, 6, 8, 1000 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) page = NULL;
  guint removed = 0;

  for (guint32 uid = 1; uid <= 10; uid++)
    {
      g_autofree char *subject = g_strdup_printf ("Topic%u", uid);

      insert (f->store, make_message (f->inbox, uid, BASE_DATE + uid, subject, NULL, NULL,
                                      NULL));
      set_body (f->store, f->inbox, uid, "Subject: x\r\n\r\nbody\r\n", subject);
    }
  assert_counts (f, f->inbox, 10, 10);

  petrel_store_expunge_uids (f->store, f->inbox, gone, G_N_ELEMENTS (gone), &removed, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (removed, ==, 4);
  assert_counts (f, f->inbox, 6, 6);

  for (guint i = 0; i < G_N_ELEMENTS (gone); i++)
    {
      g_autofree char *file = message_file (f->dir, f->inbox, gone[i]);
      g_autofree char *subject = g_strdup_printf ("Topic%u", gone[i]);
      g_autoptr(PetrelStoreMessage) message = NULL;

      g_assert_false (g_file_test (file, G_FILE_TEST_EXISTS));
      g_assert_cmpuint (search_count (f->store, subject, NULL), ==, 0);
      message = petrel_store_get_message (f->store, f->inbox, gone[i], &error);
      g_assert_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND);
      g_clear_error (&error);
    }

  {
    g_autofree char *file = message_file (f->dir, f->inbox, 3);

    g_assert_true (g_file_test (file, G_FILE_TEST_IS_REGULAR));
    g_assert_cmpuint (search_count (f->store, "Topic3", NULL), ==, 1);
  }

  page = petrel_store_list_messages (f->store, f->inbox, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->len, ==, 6);
  g_assert_cmpint (db_query_int (f->dir, "SELECT count(*) FROM messages_fts"), ==, 6);
  g_assert_cmpint (db_query_int (f->dir, "SELECT count(*) FROM conversations"), ==, 6);

  /* Expunging nothing is fine. */
  petrel_store_expunge_uids (f->store, f->inbox, NULL, 0, &removed, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (removed, ==, 0);
}

/* Bodies */

static void
test_bodies_roundtrip (Fixture       *f,
                       gconstpointer  data)
{
  static const char raw[] =
    "From: a@example.com\r\nSubject: Binary\r\n\r\nline\r\n\0with NUL\xff\r\n";
  const char * const names[] = { "quarterly-report.pdf", "photo.jpeg", NULL };
  g_autoptr(GBytes) bytes = g_bytes_new_static (raw, sizeof raw - 1);
  g_autoptr(GBytes) back = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(PetrelStoreMessage) message = NULL;
  g_autoptr(GArray) missing = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *messages_dir = g_build_filename (f->dir, "messages", NULL);

  insert (f->store, make_message (f->inbox, 42, BASE_DATE, "Binary", "b@x", NULL, NULL));
  insert (f->store, make_message (f->inbox, 43, BASE_DATE - 10, "Other", "o@x", NULL, NULL));

  missing = petrel_store_list_uids_without_body (f->store, f->inbox, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (missing->len, ==, 2);
  g_assert_cmpuint (g_array_index (missing, guint32, 0), ==, 42);
  g_clear_pointer (&missing, g_array_unref);

  petrel_store_set_body (f->store, f->inbox, 42, bytes,
                         "The aardvark eats ants at dawn", "The aardvark eats…", TRUE, names,
                         &error);
  g_assert_no_error (error);

  petrel_store_read_message (f->store, f->inbox, 42, &back, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (bytes, back));

  message = petrel_store_get_message (f->store, f->inbox, 42, &error);
  g_assert_no_error (error);
  g_assert_true (message->body_present);
  g_assert_true (message->has_attachments);
  g_assert_cmpstr (message->snippet, ==, "The aardvark eats…");

  missing = petrel_store_list_uids_without_body (f->store, f->inbox, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (missing->len, ==, 1);
  g_assert_cmpuint (g_array_index (missing, guint32, 0), ==, 43);

  g_assert_true (search_has_uid (f->store, "aardvark", 42));
  g_assert_true (search_has_uid (f->store, "\"eats ants\"", 42));
  g_assert_true (search_has_uid (f->store, "quarterly", 42));
  g_assert_true (search_has_uid (f->store, "has:attachment", 42));
  g_assert_false (search_has_uid (f->store, "has:attachment", 43));

  /* Writing again replaces the file. */
  set_body (f->store, f->inbox, 42, "short", "platypus");
  g_clear_pointer (&back, g_bytes_unref);
  petrel_store_read_message (f->store, f->inbox, 42, &back, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (back), ==, 5);
  g_assert_false (search_has_uid (f->store, "aardvark", 42));
  g_assert_true (search_has_uid (f->store, "platypus", 42));

  /* No summary, no file. */
  petrel_store_set_body (f->store, f->inbox, 77, bytes, NULL, NULL, FALSE, NULL, &error);
  g_assert_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  {
    g_autofree char *file = message_file (f->dir, f->inbox, 77);

    g_assert_false (g_file_test (file, G_FILE_TEST_EXISTS));
  }

  /* Written to a temporary name and renamed: nothing temporary is left. */
  g_assert_cmpuint (count_temp_files (messages_dir), ==, 0);
}

static void
test_bodies_needs_refetch (Fixture       *f,
                           gconstpointer  data)
{
  static const char raw[] = "Subject: Truncate me\r\n\r\nA body long enough to cut.\r\n";
  g_autofree char *file = message_file (f->dir, f->inbox, 5);
  g_autoptr(GBytes) back = NULL;
  g_autoptr(PetrelStoreMessage) message = NULL;
  g_autoptr(GError) error = NULL;

  insert (f->store, make_message (f->inbox, 5, BASE_DATE, "Truncate me", NULL, NULL, NULL));
  insert (f->store, make_message (f->inbox, 6, BASE_DATE, "Never fetched", NULL, NULL, NULL));

  /* Never downloaded. */
  g_assert_false (petrel_store_read_message (f->store, f->inbox, 6, &back, &error));
  g_assert_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NEEDS_REFETCH);
  g_assert_null (back);
  g_clear_error (&error);

  /* Unknown message. */
  g_assert_false (petrel_store_read_message (f->store, f->inbox, 600, &back, &error));
  g_assert_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Truncated behind our back (a crash, a full disk, a user). */
  set_body (f->store, f->inbox, 5, raw, "body");
  g_assert_true (g_file_set_contents (file, raw, 10, NULL));
  g_assert_false (petrel_store_read_message (f->store, f->inbox, 5, &back, &error));
  g_assert_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NEEDS_REFETCH);
  g_assert_null (back);
  g_clear_error (&error);

  /* …and it is now listed for prefetching again. */
  message = petrel_store_get_message (f->store, f->inbox, 5, &error);
  g_assert_no_error (error);
  g_assert_false (message->body_present);

  /* Refetched, then deleted. */
  set_body (f->store, f->inbox, 5, raw, "body");
  petrel_store_read_message (f->store, f->inbox, 5, &back, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (back), ==, strlen (raw));
  g_clear_pointer (&back, g_bytes_unref);

  g_assert_cmpint (g_unlink (file), ==, 0);
  g_assert_false (petrel_store_read_message (f->store, f->inbox, 5, &back, &error));
  g_assert_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NEEDS_REFETCH);
  g_clear_error (&error);

  /* A file grown behind our back is as bad as a truncated one. */
  set_body (f->store, f->inbox, 5, raw, "body");
  g_assert_true (g_file_set_contents (file, "Subject: something else entirely, and longer\r\n"
                                      "\r\nXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX\r\n", -1, NULL));
  g_assert_false (petrel_store_read_message (f->store, f->inbox, 5, &back, &error));
  g_assert_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NEEDS_REFETCH);
}

static void
test_bodies_move_copy (Fixture       *f,
                       gconstpointer  data)
{
  static const char raw[] = "Subject: Move me\r\n\r\nThe okapi is shy.\r\n";
  g_autofree char *src_file = message_file (f->dir, f->inbox, 9);
  g_autofree char *dst_file = message_file (f->dir, f->archive, 301);
  g_autofree char *copy_file = message_file (f->dir, f->sent, 55);
  g_autoptr(PetrelStoreMessage) moved = NULL;
  g_autoptr(PetrelStoreMessage) gone = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GBytes) back = NULL;
  g_autoptr(GError) error = NULL;
  gint64 conversation;

  conversation = insert (f->store, make_message (f->inbox, 9, BASE_DATE, "Move me", "mv@x",
                                                 NULL, NULL));
  petrel_store_update_flags (f->store, f->inbox, 9, PETREL_STORE_FLAG_FLAGGED, "$Important",
                             0, &error);
  g_assert_no_error (error);
  set_body (f->store, f->inbox, 9, raw, "The okapi is shy.");

  /* UID MOVE answered COPYUID 301; Archive has not been synced since. */
  petrel_store_rename_message_file (f->store, f->inbox, 9, f->archive, 301, &error);
  g_assert_no_error (error);

  g_assert_false (g_file_test (src_file, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (dst_file, G_FILE_TEST_IS_REGULAR));
  gone = petrel_store_get_message (f->store, f->inbox, 9, &error);
  g_assert_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  moved = petrel_store_get_message (f->store, f->archive, 301, &error);
  g_assert_no_error (error);
  g_assert_true (moved->body_present);
  g_assert_cmpstr (moved->subject, ==, "Move me");
  g_assert_cmpint (moved->flags, ==, PETREL_STORE_FLAG_FLAGGED);
  g_assert_cmpstr (moved->keywords, ==, "$Important");
  g_assert_cmpint (moved->conversation_id, ==, conversation);
  assert_counts (f, f->inbox, 0, 0);
  assert_counts (f, f->archive, 1, 1);

  petrel_store_read_message (f->store, f->archive, 301, &back, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (back, NULL), g_bytes_get_size (back), raw, strlen (raw));
  g_clear_pointer (&back, g_bytes_unref);

  results = petrel_store_search (f->store, "okapi", NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 1);
  g_assert_cmpstr (((PetrelStoreMessage *) g_ptr_array_index (results, 0))->folder_path, ==,
                   "Archive");

  /* COPY with COPYUID: the source stays, the copy is readable without a download. */
  petrel_store_copy_message (f->store, f->archive, 301, f->sent, 55, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_test (dst_file, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (copy_file, G_FILE_TEST_IS_REGULAR));
  petrel_store_read_message (f->store, f->sent, 55, &back, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (back, NULL), g_bytes_get_size (back), raw, strlen (raw));
  g_assert_cmpuint (search_count (f->store, "okapi", NULL), ==, 2);
  g_assert_cmpint (conversation_of (f->store, f->sent, 55), ==, conversation);

  /* Expunging the original leaves the copy intact (hard link or copy). */
  {
    const guint32 uid = 301;

    petrel_store_expunge_uids (f->store, f->archive, &uid, 1, NULL, &error);
    g_assert_no_error (error);
    g_clear_pointer (&back, g_bytes_unref);
    petrel_store_read_message (f->store, f->sent, 55, &back, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (g_bytes_get_size (back), ==, strlen (raw));
  }

  petrel_store_rename_message_file (f->store, f->inbox, 12345, f->archive, 1, &error);
  g_assert_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND);
}

/* Search */

typedef struct {
  guint32      uid;
  const char  *folder;
  int          day;
  const char  *subject;
  const char  *from_name;
  const char  *from_addr;
  const char  *to;
  const char  *cc;
  const char  *body;
  PetrelStoreFlags flags;
  gboolean     attachment;
} Corpus;

static const Corpus corpus[] = {
  { 1, "INBOX", 0, "Quarterly report", "Ann Lee", "ann.lee@example.com",
    "team@example.com", NULL, "Numbers for the third quarter are attached.",
    PETREL_STORE_FLAG_NONE, TRUE },
  { 2, "INBOX", 1, "Lunch on Friday?", "Bob Stone", "bob@example.org",
    "ann.lee@example.com", "carol@example.net", "Shall we try the new ramen place?",
    PETREL_STORE_FLAG_SEEN, FALSE },
  { 3, "INBOX", 2, "Re: Quarterly report", "Carol King", "carol@example.net",
    "ann.lee@example.com", NULL, "The report looks good, but the quarter numbers differ.",
    PETREL_STORE_FLAG_SEEN | PETREL_STORE_FLAG_FLAGGED, FALSE },
  { 4, "Sent", 3, "Holiday photos", "Me Myself", "me@example.com",
    "Ann Lee <ann.lee@example.com>", NULL, "Photos from the trip to the coast.",
    PETREL_STORE_FLAG_SEEN, TRUE },
  { 5, "INBOX", 10, "Café menu", "Zoë Ärger", "zoe@example.de",
    "me@example.com", NULL, "Crème brûlée is back. Lee said so.",
    PETREL_STORE_FLAG_NONE, FALSE },
  { 6, "INBOX", -30, "Old news", "Lee Ann", "lee.ann@example.com",
    "me@example.com", NULL, "Nothing much happened.", PETREL_STORE_FLAG_FLAGGED, FALSE },
};

static void
load_corpus (Fixture *f)
{
  for (guint i = 0; i < G_N_ELEMENTS (corpus); i++)
    {
      const Corpus *c = &corpus[i];
      gint64 folder = g_str_equal (c->folder, "INBOX") ? f->inbox : f->sent;
      PetrelStoreMessage *m = make_message (folder, c->uid, BASE_DATE + c->day * DAY,
                                            c->subject, NULL, NULL, NULL);
      g_autofree char *raw = g_strdup_printf ("Subject: %s\r\n\r\n%s\r\n", c->subject, c->body);
      g_autoptr(GBytes) bytes = g_bytes_new_take (raw, strlen (raw));
      const char * const names[] = { "numbers.xlsx", NULL };
      g_autoptr(GError) error = NULL;

      raw = NULL;
      g_free (m->from_name);
      g_free (m->from_addr);
      g_free (m->to_text);
      m->from_name = g_strdup (c->from_name);
      m->from_addr = g_strdup (c->from_addr);
      m->to_text = g_strdup (c->to);
      m->cc_text = g_strdup (c->cc);
      m->flags = c->flags;
      insert (f->store, m);

      petrel_store_set_body (f->store, folder, c->uid, bytes, c->body, c->body, c->attachment,
                             c->attachment ? names : NULL, &error);
      g_assert_no_error (error);
    }
}

static int
compare_uids (gconstpointer a,
              gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;

  return x < y ? -1 : x > y;
}

static char *
format_uids (GArray   *uids,
             gboolean  sorted)
{
  GString *str = g_string_new (NULL);

  if (sorted)
    g_array_sort (uids, compare_uids);

  for (guint i = 0; i < uids->len; i++)
    g_string_append_printf (str, "%s%u", i > 0 ? " " : "", g_array_index (uids, guint32, i));

  return g_string_free (str, FALSE);
}

/* Runs @query and checks the UIDs of the results: in order if @ordered, else as a set. */
static void
check_search (PetrelStore *store,
              const char  *query,
              const char  *folder,
              const char  *expected,
              gboolean     ordered)
{
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GArray) got = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GArray) want = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_auto(GStrv) parts = g_strsplit (expected, " ", -1);
  g_autofree char *got_str = NULL;
  g_autofree char *want_str = NULL;
  g_autoptr(GError) error = NULL;

  results = petrel_store_search (store, query, folder, 0, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < results->len; i++)
    {
      PetrelStoreMessage *message = g_ptr_array_index (results, i);

      g_assert_nonnull (message->folder_path);
      g_array_append_val (got, message->uid);
    }

  for (guint i = 0; parts[i] != NULL; i++)
    {
      guint32 uid = (guint32) g_ascii_strtoull (parts[i], NULL, 10);

      if (parts[i][0] != '\0')
        g_array_append_val (want, uid);
    }

  got_str = format_uids (got, !ordered);
  want_str = format_uids (want, !ordered);
  if (!g_str_equal (got_str, want_str))
    g_test_message ("query %s", query);
  g_assert_cmpstr (got_str, ==, want_str);
}

#define assert_search(store, query, folder, expected) \
  check_search (store, query, folder, expected, FALSE)
#define assert_search_ordered(store, query, folder, expected) \
  check_search (store, query, folder, expected, TRUE)

static void
test_search_operators (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;

  load_corpus (f);

  /* Free text, in any column; case and accents do not matter. */
  assert_search (f->store, "ramen", NULL, "2");
  assert_search (f->store, "RAMEN", NULL, "2");
  assert_search (f->store, "creme brulee", NULL, "5");
  assert_search (f->store, "zoe", NULL, "5");
  assert_search (f->store, "numbers.xlsx", NULL, "1 4");
  assert_search (f->store, "unicorn", NULL, "");

  /* from: matches name or address, but not recipients or body. */
  assert_search (f->store, "from:ann", NULL, "6 1");
  assert_search (f->store, "from:\"Ann Lee\"", NULL, "1");
  assert_search (f->store, "from:ann.lee@example.com", NULL, "1");
  assert_search (f->store, "FROM:carol", NULL, "3");
  assert_search (f->store, "from:\"Lee Ann\"", NULL, "6");

  /* to: covers To and Cc. */
  assert_search (f->store, "to:carol", NULL, "2");
  assert_search (f->store, "to:\"ann lee\"", NULL, "4 3 2");
  assert_search (f->store, "to:bob", NULL, "");
  assert_search (f->store, "to:ann.lee@example.com", NULL, "4 3 2");

  /* subject: ranks by relevance; ties newest first. */
  assert_search (f->store, "subject:quarterly", NULL, "3 1");
  assert_search (f->store, "subject:\"quarterly report\"", NULL, "3 1");
  assert_search (f->store, "subject:report from:carol", NULL, "3");

  /* Flags and attachments. */
  assert_search_ordered (f->store, "is:unread", NULL, "5 1 6");
  assert_search_ordered (f->store, "is:read", NULL, "4 3 2");
  assert_search_ordered (f->store, "is:flagged", NULL, "3 6");
  assert_search (f->store, "is:starred", NULL, "3 6");
  assert_search (f->store, "has:attachment", NULL, "4 1");
  assert_search (f->store, "has:attachment is:unread", NULL, "1");

  /* Dates: before: excludes its day, after: includes it. */
  assert_search_ordered (f->store, "before:2024-03-11", NULL, "1 6");
  assert_search_ordered (f->store, "after:2024-03-11", NULL, "5 4 3 2");
  assert_search (f->store, "after:2024-03-11 before:2024-03-13", NULL, "3 2");
  assert_search (f->store, "after:2024/03/20", NULL, "5");

  /* Phrases: the words, adjacent, in that order. */
  assert_search (f->store, "\"quarter numbers\"", NULL, "3");
  assert_search (f->store, "\"numbers quarter\"", NULL, "");
  assert_search (f->store, "quarter numbers", NULL, "3 1");

  /* Prefixes. */
  assert_search (f->store, "photo*", NULL, "4");
  assert_search (f->store, "photo", NULL, "");

  /* Combinations, folder filter, limit. */
  assert_search (f->store, "report is:flagged", NULL, "3");
  assert_search (f->store, "lee is:unread", NULL, "5 1 6");
  assert_search (f->store, "ann", "Sent", "4");
  assert_search_ordered (f->store, "is:read", "INBOX", "3 2");
  assert_search_ordered (f->store, "", NULL, "5 4 3 2 1 6");
  assert_search (f->store, "", "Sent", "4");

  results = petrel_store_search (f->store, "lee", NULL, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 2);
  g_clear_pointer (&results, g_ptr_array_unref);

  results = petrel_store_search (f->store, "lee", "Nowhere", 0, &error);
  g_assert_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND);
  g_assert_null (results);
  g_clear_error (&error);

  /* Operator values that mean nothing are reported, not guessed. */
  results = petrel_store_search (f->store, "is:bogus", NULL, 0, &error);
  g_assert_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_INVALID_QUERY);
  g_clear_error (&error);
  results = petrel_store_search (f->store, "before:2024-13-01", NULL, 0, &error);
  g_assert_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_INVALID_QUERY);
  g_clear_error (&error);
  results = petrel_store_search (f->store, "after:yesterday", NULL, 0, &error);
  g_assert_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_INVALID_QUERY);
  g_clear_error (&error);
  results = petrel_store_search (f->store, "has:pony", NULL, 0, &error);
  g_assert_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_INVALID_QUERY);
  g_clear_error (&error);
}

static void
test_search_ranking (Fixture       *f,
                     gconstpointer  data)
{
  PetrelStoreMessage *m;

  /* A subject hit outranks a body hit even when the body hit is newer. */
  insert (f->store, make_message (f->inbox, 1, BASE_DATE, "Capybara care", NULL, NULL, NULL));
  insert (f->store, make_message (f->inbox, 2, BASE_DATE + DAY, "Weekly notes", NULL, NULL,
                                  NULL));
  set_body (f->store, f->inbox, 2, "x", "We talked about many things, one being the capybara "
            "enclosure, the budget, the roof and the parking lot.");
  /* Identical text: newest first. */
  m = make_message (f->inbox, 3, BASE_DATE + 5 * DAY, "Tapir", NULL, NULL, NULL);
  insert (f->store, m);
  m = make_message (f->inbox, 4, BASE_DATE + 6 * DAY, "Tapir", NULL, NULL, NULL);
  insert (f->store, m);
  m = make_message (f->inbox, 5, BASE_DATE + 4 * DAY, "Tapir", NULL, NULL, NULL);
  insert (f->store, m);

  assert_search_ordered (f->store, "capybara", NULL, "1 2");
  assert_search_ordered (f->store, "tapir", NULL, "4 3 5");
}

/* A word in more than 8,000 messages: a page of results ranks only the newest 2,000 hits
 * (after the filters), asking for all of them ranks every hit (#4). */
static void
test_search_common_word (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func (
    (GDestroyNotify) petrel_store_message_free);
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  PetrelStoreMessage *m;

  /* UID 1, the oldest, matches best; UIDs 2 … 8101 match alike, newer with the UID. */
  g_ptr_array_add (batch, make_message (f->inbox, 1, BASE_DATE, "walrus walrus walrus", NULL,
                                        NULL, NULL));
  for (guint32 uid = 2; uid <= 8101; uid++)
    {
      m = make_message (f->inbox, uid, BASE_DATE + uid * 60, "walrus news", NULL, NULL, NULL);
      /* All but one in eight read, for the filtered window. */
      m->flags = uid % 8 == 0 ? 0 : PETREL_STORE_FLAG_SEEN;
      g_ptr_array_add (batch, m);
    }
  petrel_store_upsert_messages (f->store, batch, &error);
  g_assert_no_error (error);

  /* A page: the best of the newest 2,000 hits, newest first among equals. */
  results = petrel_store_search (f->store, "walrus", NULL, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 10);
  for (guint i = 0; i < results->len; i++)
    g_assert_cmpuint (((PetrelStoreMessage *) g_ptr_array_index (results, i))->uid, ==,
                      8101 - i);
  g_clear_pointer (&results, g_ptr_array_unref);

  /* The same in one folder. */
  results = petrel_store_search (f->store, "walrus", "INBOX", 3, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 3);
  g_assert_cmpuint (((PetrelStoreMessage *) g_ptr_array_index (results, 0))->uid, ==, 8101);
  g_clear_pointer (&results, g_ptr_array_unref);

  /* All of them: every hit is ranked, the best first. */
  results = petrel_store_search (f->store, "walrus", NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 8101);
  g_assert_cmpuint (((PetrelStoreMessage *) g_ptr_array_index (results, 0))->uid, ==, 1);
  g_assert_cmpuint (((PetrelStoreMessage *) g_ptr_array_index (results, 1))->uid, ==, 8101);
  g_clear_pointer (&results, g_ptr_array_unref);

  /* The window counts the hits the filters leave: 1,012 unread ones besides UID 1, so every
   * unread hit is ranked and UID 1 comes first. */
  results = petrel_store_search (f->store, "walrus is:unread", NULL, 5, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 5);
  g_assert_cmpuint (((PetrelStoreMessage *) g_ptr_array_index (results, 0))->uid, ==, 1);
  g_assert_cmpuint (((PetrelStoreMessage *) g_ptr_array_index (results, 1))->uid, ==, 8096);
  g_assert_cmpuint (((PetrelStoreMessage *) g_ptr_array_index (results, 2))->uid, ==, 8088);
  g_clear_pointer (&results, g_ptr_array_unref);

  /* Past the first 20, the rows of a page are read ahead on other threads: the page is the
   * same, in the same order. */
  results = petrel_store_search (f->store, "walrus", NULL, 100, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 100);
  for (guint i = 0; i < results->len; i++)
    g_assert_cmpuint (((PetrelStoreMessage *) g_ptr_array_index (results, i))->uid, ==,
                      8101 - i);
  g_clear_pointer (&results, g_ptr_array_unref);

  /* The store closes (teardown) while the last reads ahead may still be going on. */
  for (guint i = 0; i < 5; i++)
    {
      results = petrel_store_search (f->store, "walrus news", NULL, 2000, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (results->len, ==, 2000);
      g_clear_pointer (&results, g_ptr_array_unref);
    }
}

static void
test_search_hostile (Fixture       *f,
                     gconstpointer  data)
{
  static const char * const hostile[] = {
    "\"", "\"\"", "\"\"\"", "*", "**", "\"*\"", "NEAR(", "NEAR(a b", "NEAR(\"a\" \"b\", 2)",
    "OR", "AND", "NOT", "a OR b", "a AND NOT b", "-", "-report", "--", "(", ")", "(report",
    "report)", "\"unbalanced", "unbalanced\"", "re\"port", "^report", "{subject}: x",
    "subject:", "subject:\"", "from:\"", "from:\"\"", "to:*", ":", "::", "body:report",
    "messages_fts:x", "rank:1", "'", "\\", "\\\"", "%", "_", ";DROP TABLE messages;--",
    "\xff\xfe\xfd", "report\xc3", "\t\n", "   ", "*report*", "is:", "before:", "from:-",
    "\"report\" OR \"lunch\"", "col : x", "subject : report", "+report", "report +",
  };

  load_corpus (f);

  for (guint i = 0; i < G_N_ELEMENTS (hostile); i++)
    {
      g_autoptr(GPtrArray) results = NULL;
      g_autoptr(GError) error = NULL;

      results = petrel_store_search (f->store, hostile[i], NULL, 10, &error);
      g_assert_no_error (error);
      g_assert_nonnull (results);
    }

  /* FTS5 operators are searched for as words: nothing contains "or" … */
  assert_search (f->store, "report OR lunch", NULL, "");
  assert_search (f->store, "NEAR(report", NULL, "");
  assert_search (f->store, "(report)", NULL, "1 3");
  assert_search (f->store, "report*)", NULL, "1 3");
  assert_search (f->store, "report NOT", NULL, "");
  /* … column filters typed by the user are text too. */
  assert_search (f->store, "body:ramen", NULL, "");
  assert_search (f->store, "-ramen", NULL, "2");
  /* Punctuation alone matches nothing rather than everything. */
  assert_search (f->store, "\"*\"", NULL, "");
  assert_search (f->store, "*", NULL, "");
  /* The store still works afterwards. */
  assert_search (f->store, "ramen", NULL, "2");
  g_assert_cmpint (db_query_int (f->dir, "SELECT count(*) FROM messages"), ==,
                   G_N_ELEMENTS (corpus));
}

/* Chinese, Japanese and Korean: a word inside a run written without spaces is found, in the
 * subject, the names and the body, alone, as a phrase, with a prefix or an operator; the same
 * characters in another order are not. */
static void
test_search_unspaced_scripts (Fixture       *f,
                              gconstpointer  data)
{
  static const struct {
    guint32     uid;
    const char *subject;
    const char *from_name;
    const char *body;
  } mails[] = {
    { 101, "企鹅合作会议纪要", "李明", "请查看附件中的会议纪要。" },
    { 102, "会議室の予約について", "田中太郎", "明日の打ち合わせは第三会議室です。" },
    { 103, "회의를 연기합니다", "김민수", "다음 주 월요일로 회의를 옮깁니다." },
    { 104, "Petrel的邮件客户端", "Wang", "新版本Petrel支持离线搜索。" },
    { 105, "Plain weekly notes", "Ann", "Nothing unusual here." },
  };

  for (guint i = 0; i < G_N_ELEMENTS (mails); i++)
    {
      PetrelStoreMessage *m = make_message (f->inbox, mails[i].uid, BASE_DATE + i * DAY,
                                            mails[i].subject, NULL, NULL, NULL);
      g_autofree char *raw = g_strdup_printf ("Subject: x\r\n\r\n%s\r\n", mails[i].body);
      g_autoptr(GBytes) bytes = g_bytes_new (raw, strlen (raw));
      g_autoptr(GError) error = NULL;

      g_free (m->from_name);
      m->from_name = g_strdup (mails[i].from_name);
      insert (f->store, m);
      petrel_store_set_body (f->store, f->inbox, mails[i].uid, bytes, mails[i].body,
                             mails[i].body, FALSE, NULL, &error);
      g_assert_no_error (error);
    }

  /* A word inside a subject, and the whole run. */
  assert_search (f->store, "会议", NULL, "101");
  assert_search (f->store, "企鹅合作会议纪要", NULL, "101");
  assert_search (f->store, "纪要", NULL, "101");
  assert_search (f->store, "会議室", NULL, "102");
  assert_search (f->store, "予約", NULL, "102");
  assert_search (f->store, "회의", NULL, "103");
  assert_search (f->store, "邮件", NULL, "104");
  /* Latin next to Han stays a word of its own. */
  assert_search (f->store, "petrel", NULL, "104");
  assert_search (f->store, "petrel 离线", NULL, "104");
  /* Bodies, names, operators, phrases, prefixes. */
  assert_search (f->store, "打ち合わせ", NULL, "102");
  assert_search (f->store, "离线搜索", NULL, "104");
  assert_search (f->store, "from:李明", NULL, "101");
  assert_search (f->store, "from:太郎", NULL, "102");
  assert_search (f->store, "subject:纪要", NULL, "101");
  assert_search (f->store, "subject:附件", NULL, "");
  assert_search (f->store, "\"会议纪要\"", NULL, "101");
  assert_search (f->store, "会议 附件", NULL, "101");
  assert_search (f->store, "会*", NULL, "101 102");
  /* In another order, or apart, it is another word. */
  assert_search (f->store, "议会", NULL, "");
  assert_search (f->store, "会纪", NULL, "");
  assert_search (f->store, "weekly", NULL, "105");

  /* ß is ss, either way round. */
  {
    PetrelStoreMessage *m = make_message (f->inbox, 106, BASE_DATE, "Grüße aus der Hauptstraße",
                                          NULL, NULL, NULL);

    insert (f->store, m);
    assert_search (f->store, "hauptstrasse", NULL, "106");
    assert_search (f->store, "Grüße", NULL, "106");
    assert_search (f->store, "GRUSSE", NULL, "106");
    assert_search (f->store, "straße*", NULL, "");
    assert_search (f->store, "hauptstraße*", NULL, "106");
  }
}

static void
test_search_fts_text (void)
{
  static const struct {
    const char *input;
    const char *spaced;     /* NULL: unchanged */
  } cases[] = {
    { "plain ascii text", NULL },
    { "Crème brûlée — “quoted”", NULL },
    { "", NULL },
    { "会议", "会 议" },
    { "企鹅 合作", "企 鹅 合 作" },
    { "Petrel的邮件", "Petrel 的 邮 件" },
    { "a会b", "a 会 b" },
    { "会\n议", NULL },
    { "会 议", NULL },
    { "テスト、です", "テ ス ト 、 で す" },
    { "회의를 연기", "회 의 를 연 기" },
    { "\xf0\xa0\x80\x80x", "\xf0\xa0\x80\x80 x" },     /* U+20000, extension B */
    { "bad \xe4\xbc utf-8", NULL },
    { "Straße STRAẞE", "Strasse STRAssE" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *once = _petrel_store_fts_text (cases[i].input);
      g_autofree char *twice = NULL;

      g_assert_cmpstr (once, ==, cases[i].spaced);
      /* Idempotent: indexed text may go through it again (a copied message). */
      if (once != NULL)
        {
          twice = _petrel_store_fts_text (once);
          g_assert_null (twice);
        }
    }
  g_assert_null (_petrel_store_fts_text (NULL));
}

static void
test_search_parse (void)
{
  static const struct {
    const char *input;
    const char *match;
  } cases[] = {
    { "hello", "\"hello\"" },
    { "NEAR(", "\"NEAR(\"" },
    { "a\"b", "\"a\"\"b\"" },
    { "from:\"Ann Lee\"", "{from_name from_addr} : \"Ann Lee\"" },
    { "to:bob subject:x*", "{to_text cc_text} : \"bob\" AND subject : \"x\" *" },
    { "\"a phrase\" word", "\"a phrase\" AND \"word\"" },
    { "OR AND", "\"OR\" AND \"AND\"" },
    { "\"unbalanced phrase", "\"unbalanced phrase\"" },
    { "***", "" },
    { "is:unread", "" },
    { "subject:会议*", "subject : \"会 议\" *" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(PetrelStoreQuery) query = NULL;
      g_autoptr(GError) error = NULL;

      query = _petrel_store_query_parse (cases[i].input, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (query->match->str, ==, cases[i].match);
    }
}

/* Threading */

static void
test_thread_subject_key (void)
{
  static const struct {
    const char *subject;
    const char *key;
    gboolean    reply;
  } cases[] = {
    { "Hello  World ", "hello world", FALSE },
    { "Re: Hello World", "hello world", TRUE },
    { "RE: re: Fwd: Hello World", "hello world", TRUE },
    { "AW: SV: Hello World", "hello world", TRUE },
    { "Re[2]: Hello", "hello", TRUE },
    { "Re(3): Hello", "hello", TRUE },
    { "RE : Hello", "hello", TRUE },
    { "Re\xef\xbc\x9a Hello", "hello", TRUE },
    { "[list] Re: Hello", "hello", TRUE },
    { "Re: [list] Hello", "hello", TRUE },
    { "[list]", "[list]", FALSE },
    { "Reply needed", "reply needed", FALSE },
    { "Regarding: x", "regarding: x", FALSE },
    { "Re:", "", TRUE },
    { "", "", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *key = NULL;
      gboolean reply = -1;

      key = _petrel_store_subject_key (cases[i].subject, &reply);
      g_assert_cmpstr (key, ==, cases[i].key);
      g_assert_cmpint (reply, ==, cases[i].reply);
    }
}

static void
test_thread_reply_in_sent (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GPtrArray) conversation = NULL;
  g_autoptr(GError) error = NULL;
  gint64 c1, c2, c3;

  c1 = insert (f->store, make_message (f->inbox, 1, BASE_DATE, "Dinner", "<d1@example.com>",
                                       NULL, NULL));
  c2 = insert (f->store, make_message (f->sent, 1, BASE_DATE + 3600, "Re: Dinner",
                                       "<d2@example.com>", "<d1@example.com>",
                                       "<d1@example.com>"));
  c3 = insert (f->store, make_message (f->inbox, 2, BASE_DATE + 7200, "Re: Dinner",
                                       "<d3@example.com>", "<d2@example.com>",
                                       "<d1@example.com> <d2@example.com>"));
  g_assert_cmpint (c1, ==, c2);
  g_assert_cmpint (c2, ==, c3);

  conversation = petrel_store_list_conversation (f->store, c1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (conversation->len, ==, 3);
  g_assert_cmpstr (((PetrelStoreMessage *) g_ptr_array_index (conversation, 0))->folder_path,
                   ==, "INBOX");
  g_assert_cmpstr (((PetrelStoreMessage *) g_ptr_array_index (conversation, 1))->folder_path,
                   ==, "Sent");

  /* An unrelated message stays apart. */
  g_assert_cmpint (insert (f->store, make_message (f->inbox, 3, BASE_DATE, "Dinner plans",
                                                   "<x@example.com>", NULL, NULL)), !=, c1);
}

static void
test_thread_out_of_order (Fixture       *f,
                          gconstpointer  data)
{
  gint64 c_child, c_parent, c_x, c_y, c_bridge;

  /* The reply to a reply arrives first, then its parent, then the root. */
  c_child = insert (f->store, make_message (f->inbox, 3, BASE_DATE + 200, "Re: Budget",
                                            "<c@x>", "<b@x>", "<a@x> <b@x>"));
  c_parent = insert (f->store, make_message (f->inbox, 2, BASE_DATE + 100, "Re: Budget",
                                             "<b@x>", "<a@x>", "<a@x>"));
  g_assert_cmpint (c_child, ==, c_parent);
  g_assert_cmpint (insert (f->store, make_message (f->inbox, 1, BASE_DATE, "Budget", "<a@x>",
                                                   NULL, NULL)), ==, c_child);

  /* Two threads that look unrelated, until a message references both. */
  c_x = insert (f->store, make_message (f->inbox, 10, BASE_DATE, "Alpha", "<x@x>", NULL, NULL));
  c_y = insert (f->store, make_message (f->sent, 11, BASE_DATE, "Beta", "<y@x>", NULL, NULL));
  g_assert_cmpint (c_x, !=, c_y);
  g_assert_cmpint (db_query_int (f->dir, "SELECT count(*) FROM conversations"), ==, 3);

  c_bridge = insert (f->store, make_message (f->archive, 12, BASE_DATE + 50, "Alpha and Beta",
                                             "<z@x>", "<y@x>", "<x@x> <y@x>"));
  g_assert_cmpint (c_bridge, ==, MIN (c_x, c_y));
  g_assert_cmpint (conversation_of (f->store, f->inbox, 10), ==, c_bridge);
  g_assert_cmpint (conversation_of (f->store, f->sent, 11), ==, c_bridge);
  g_assert_cmpint (db_query_int (f->dir, "SELECT count(*) FROM conversations"), ==, 2);

  /* Only a grandchild links to a missing parent; the parent comes later. */
  c_x = insert (f->store, make_message (f->inbox, 20, BASE_DATE, "Gamma", NULL, "<missing@x>",
                                        "<missing@x>"));
  g_assert_cmpint (insert (f->store, make_message (f->inbox, 21, BASE_DATE, "Delta",
                                                   "<missing@x>", NULL, NULL)), ==, c_x);
}

static void
test_thread_missing_and_duplicate_ids (Fixture       *f,
                                       gconstpointer  data)
{
  gint64 c1, c2, c3, c4, c5;

  /* No Message-ID at all: no accidental grouping through an empty ID. */
  c1 = insert (f->store, make_message (f->inbox, 1, BASE_DATE, "Status", NULL, NULL, NULL));
  c2 = insert (f->store, make_message (f->inbox, 2, BASE_DATE, "Weather", "", NULL, NULL));
  c3 = insert (f->store, make_message (f->inbox, 3, BASE_DATE, "Traffic", "<>", "", "  "));
  g_assert_cmpint (c1, !=, c2);
  g_assert_cmpint (c2, !=, c3);
  g_assert_cmpint (c1, !=, c3);
  g_assert_cmpint (db_query_int (f->dir, "SELECT count(*) FROM thread_keys"), ==, 0);

  /* No Message-ID of its own, but a parent. */
  c4 = insert (f->store, make_message (f->inbox, 4, BASE_DATE, "Launch", "<l1@x>", NULL, NULL));
  g_assert_cmpint (insert (f->store, make_message (f->inbox, 5, BASE_DATE, "Re: Launch", NULL,
                                                   "<l1@x> (Ann's message of Monday)", NULL)),
                   ==, c4);

  /* The same message in two folders, and a broken mailer reusing an ID. */
  g_assert_cmpint (insert (f->store, make_message (f->archive, 4, BASE_DATE, "Launch",
                                                   "<l1@x>", NULL, NULL)), ==, c4);
  c5 = insert (f->store, make_message (f->sent, 9, BASE_DATE, "Something else", "<l1@x>", NULL,
                                       NULL));
  g_assert_cmpint (c5, ==, c4);

  /* Message-ID without angle brackets (as some MIME code hands it over). */
  g_assert_cmpint (insert (f->store, make_message (f->inbox, 6, BASE_DATE, "Re: Launch",
                                                   "l2@x", "l1@x", NULL)), ==, c4);
}

static void
test_thread_subject_fallback (Fixture       *f,
                              gconstpointer  data)
{
  gint64 plan, other;

  plan = insert (f->store, make_message (f->inbox, 1, BASE_DATE, "Project plan", "<p1@x>",
                                         NULL, NULL));
  /* Replies from mailers that drop In-Reply-To/References. */
  g_assert_cmpint (insert (f->store, make_message (f->inbox, 2, BASE_DATE + DAY,
                                                   "Re: Project plan", "<p2@x>", NULL, NULL)),
                   ==, plan);
  g_assert_cmpint (insert (f->store, make_message (f->sent, 3, BASE_DATE + DAY,
                                                   "AW: project  PLAN", "<p3@x>", NULL, NULL)),
                   ==, plan);
  g_assert_cmpint (insert (f->store, make_message (f->inbox, 4, BASE_DATE + 2 * DAY,
                                                   "SV: Project plan", NULL, NULL, NULL)),
                   ==, plan);
  g_assert_cmpint (insert (f->store, make_message (f->inbox, 5, BASE_DATE + 2 * DAY,
                                                   "Fwd: Project plan", "<p5@x>", NULL, NULL)),
                   ==, plan);

  /* Two unrelated mails that merely share a subject stay apart. */
  other = insert (f->store, make_message (f->inbox, 6, BASE_DATE + 3 * DAY, "Project plan",
                                          "<p6@x>", NULL, NULL));
  g_assert_cmpint (other, !=, plan);

  /* So does a "Re:" a year later. */
  g_assert_cmpint (insert (f->store, make_message (f->inbox, 7, BASE_DATE + 400 * DAY,
                                                   "Re: Project plan", "<p7@x>", NULL, NULL)),
                   !=, plan);

  /* A reply that arrives before its original (and neither has references). */
  other = insert (f->store, make_message (f->inbox, 8, BASE_DATE, "Re: Offsite", "<o2@x>", NULL,
                                          NULL));
  g_assert_cmpint (insert (f->store, make_message (f->inbox, 9, BASE_DATE - DAY, "Offsite",
                                                   "<o1@x>", NULL, NULL)), ==, other);

  /* An empty subject never groups. */
  g_assert_cmpint (insert (f->store, make_message (f->inbox, 10, BASE_DATE, "Re:", NULL, NULL,
                                                   NULL)),
                   !=, insert (f->store, make_message (f->inbox, 11, BASE_DATE, "Re:", NULL,
                                                       NULL, NULL)));
}

/* Sync state */

static void
test_uidvalidity_reset (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(PetrelStoreFolder) folder = NULL;
  g_autoptr(GPtrArray) ops = NULL;
  g_autoptr(GPtrArray) outbox = NULL;
  g_autoptr(GBytes) raw = g_bytes_new_static ("Subject: queued\r\n\r\nhi\r\n", 24);
  g_autoptr(GError) error = NULL;
  g_autofree char *file = message_file (f->dir, f->inbox, 1);
  gboolean dropped = TRUE;
  const guint32 uids[] = { 1 };

  insert (f->store, make_message (f->inbox, 1, BASE_DATE, "Before", NULL, NULL, NULL));
  insert (f->store, make_message (f->inbox, 2, BASE_DATE, "Before", NULL, NULL, NULL));
  insert (f->store, make_message (f->sent, 1, BASE_DATE, "Elsewhere", NULL, NULL, NULL));
  set_body (f->store, f->inbox, 1, "raw", "text");

  petrel_store_set_folder_sync_state (f->store, f->inbox, 1000, 3, 55, &dropped, &error);
  g_assert_no_error (error);
  g_assert_false (dropped);

  /* A local change and its queue entry, atomically. */
  petrel_store_begin (f->store, &error);
  g_assert_no_error (error);
  petrel_store_modify_flags (f->store, f->inbox, uids, 1, PETREL_STORE_FLAG_SEEN, 0, &error);
  g_assert_no_error (error);
  petrel_store_replay_add (f->store, "flags",
                           "{\"folder\":\"INBOX\",\"uids\":[1],\"add\":[\"\\\\Seen\"]}",
                           NULL, &error);
  g_assert_no_error (error);
  petrel_store_commit (f->store, &error);
  g_assert_no_error (error);
  petrel_store_outbox_add (f->store, raw, "[\"bob@example.org\"]", "queued", NULL, &error);
  g_assert_no_error (error);

  folder = petrel_store_get_folder (f->store, f->inbox, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (folder->uidvalidity, ==, 1000);
  g_assert_cmpuint (folder->uidnext, ==, 3);
  g_assert_cmpuint (folder->highestmodseq, ==, 55);
  g_assert_cmpint (folder->last_sync, >, 0);
  g_clear_pointer (&folder, petrel_store_folder_free);

  /* Same UIDVALIDITY: nothing dropped. */
  petrel_store_set_folder_sync_state (f->store, f->inbox, 1000, 4, 60, &dropped, &error);
  g_assert_no_error (error);
  g_assert_false (dropped);
  assert_counts (f, f->inbox, 2, 1);

  /* New UIDVALIDITY: the folder's cache goes, the user's queued work stays. */
  petrel_store_set_folder_sync_state (f->store, f->inbox, 2000, 1, 0, &dropped, &error);
  g_assert_no_error (error);
  g_assert_true (dropped);
  assert_counts (f, f->inbox, 0, 0);
  assert_counts (f, f->sent, 1, 1);
  g_assert_false (g_file_test (file, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (search_count (f->store, "before", NULL), ==, 0);
  g_assert_cmpuint (search_count (f->store, "elsewhere", NULL), ==, 1);

  ops = petrel_store_replay_list (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ops->len, ==, 1);
  g_assert_cmpstr (((PetrelStoreReplayOp *) g_ptr_array_index (ops, 0))->kind, ==, "flags");
  outbox = petrel_store_outbox_list (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (outbox->len, ==, 1);

  folder = petrel_store_get_folder (f->store, f->inbox, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (folder->uidvalidity, ==, 2000);

  /* Explicit reset forgets the sync state too. */
  insert (f->store, make_message (f->inbox, 1, BASE_DATE, "After", NULL, NULL, NULL));
  petrel_store_reset_folder (f->store, f->inbox, &error);
  g_assert_no_error (error);
  g_clear_pointer (&folder, petrel_store_folder_free);
  folder = petrel_store_get_folder (f->store, f->inbox, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (folder->uidvalidity, ==, 0);
  g_assert_cmpuint (folder->total, ==, 0);

  petrel_store_set_folder_sync_state (f->store, 777, 1, 1, 1, NULL, &error);
  g_assert_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND);
}

/* Outbox and replay queue */

static void
test_queue_outbox (Fixture       *f,
                   gconstpointer  data)
{
  static const char raw[] = "From: me@example.com\r\nTo: bob@example.org\r\n\r\nHi\r\n";
  g_autoptr(GBytes) bytes = g_bytes_new_static (raw, sizeof raw - 1);
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr(PetrelStoreOutboxItem) item = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GError) error = NULL;
  gint64 id1 = 0, id2 = 0;

  petrel_store_outbox_add (f->store, bytes, "bob@example.org", "Hi", &id1, &error);
  g_assert_no_error (error);
  petrel_store_outbox_add (f->store, empty, "carol@example.net", NULL, &id2, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id2, >, id1);

  item = petrel_store_outbox_get (f->store, id1, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (item->raw, bytes));
  g_assert_cmpstr (item->state, ==, "queued");
  g_assert_cmpstr (item->recipients, ==, "bob@example.org");
  g_assert_cmpstr (item->subject, ==, "Hi");
  g_assert_cmpint (item->created, >, 0);

  g_free (item->state);
  item->state = g_strdup ("failed");
  item->attempts = 2;
  item->last_error = g_strdup ("550 mailbox unavailable");
  petrel_store_outbox_update (f->store, item, &error);
  g_assert_no_error (error);

  items = petrel_store_outbox_list (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (items->len, ==, 2);
  {
    PetrelStoreOutboxItem *first = g_ptr_array_index (items, 0);
    PetrelStoreOutboxItem *second = g_ptr_array_index (items, 1);

    g_assert_cmpint (first->id, ==, id1);
    g_assert_cmpstr (first->state, ==, "failed");
    g_assert_cmpuint (first->attempts, ==, 2);
    g_assert_cmpstr (first->last_error, ==, "550 mailbox unavailable");
    g_assert_cmpuint (g_bytes_get_size (second->raw), ==, 0);
  }

  petrel_store_outbox_delete (f->store, id1, &error);
  g_assert_no_error (error);
  petrel_store_outbox_delete (f->store, id1, &error);
  g_assert_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  petrel_store_outbox_update (f->store, item, &error);
  g_assert_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_clear_pointer (&item, petrel_store_outbox_item_free);
  item = petrel_store_outbox_get (f->store, id1, &error);
  g_assert_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND);
}

static void
test_queue_replay (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GPtrArray) ops = NULL;
  g_autoptr(PetrelStoreReplayOp) op = NULL;
  g_autoptr(GError) error = NULL;
  gint64 ids[3];

  petrel_store_replay_add (f->store, "move", "{\"from\":\"INBOX\",\"to\":\"Archive\"}", &ids[0],
                           &error);
  g_assert_no_error (error);
  petrel_store_replay_add (f->store, "flags", "{\"uids\":[1,2]}", &ids[1], &error);
  g_assert_no_error (error);
  petrel_store_replay_add (f->store, "delete", "[]", &ids[2], &error);
  g_assert_no_error (error);

  petrel_store_replay_add (f->store, "broken", "{not json", NULL, &error);
  g_assert_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  ops = petrel_store_replay_list (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ops->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (((PetrelStoreReplayOp *) g_ptr_array_index (ops, i))->id, ==, ids[i]);

  op = petrel_store_replay_op_copy (g_ptr_array_index (ops, 1));
  g_assert_cmpstr (op->state, ==, "pending");
  g_free (op->state);
  op->state = g_strdup ("failed");
  op->attempts = 3;
  op->last_error = g_strdup ("NO [TRYCREATE]");
  petrel_store_replay_update (f->store, op, &error);
  g_assert_no_error (error);

  g_free (op->payload);
  op->payload = g_strdup ("nope");
  petrel_store_replay_update (f->store, op, &error);
  g_assert_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  petrel_store_replay_delete (f->store, ids[0], &error);
  g_assert_no_error (error);
  g_clear_pointer (&ops, g_ptr_array_unref);
  ops = petrel_store_replay_list (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ops->len, ==, 2);
  {
    PetrelStoreReplayOp *stored = g_ptr_array_index (ops, 0);

    g_assert_cmpint (stored->id, ==, ids[1]);
    g_assert_cmpstr (stored->state, ==, "failed");
    g_assert_cmpuint (stored->attempts, ==, 3);
    g_assert_cmpstr (stored->last_error, ==, "NO [TRYCREATE]");
    g_assert_cmpstr (stored->payload, ==, "{\"uids\":[1,2]}");
  }

  petrel_store_replay_delete (f->store, ids[0], &error);
  g_assert_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND);
}

/* Transactions, errors, threads */

static void
test_batch_rollback (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GPtrArray) batch = NULL;
  g_autoptr(GError) error = NULL;
  guint total = 99;

  petrel_store_begin (f->store, &error);
  g_assert_no_error (error);
  insert (f->store, make_message (f->inbox, 1, BASE_DATE, "Rolled back", NULL, NULL, NULL));
  /* Inside the batch this thread sees its own rows. */
  petrel_store_count_messages (f->store, f->inbox, &total, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (total, ==, 1);
  petrel_store_rollback (f->store);

  petrel_store_count_messages (f->store, f->inbox, &total, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (total, ==, 0);
  g_assert_cmpint (db_query_int (f->dir, "SELECT count(*) FROM conversations"), ==, 0);

  batch = g_ptr_array_new_with_free_func ((GDestroyNotify) petrel_store_message_free);
  /* A failing message fails its whole batch. */
  g_ptr_array_add (batch, make_message (f->inbox, 1, BASE_DATE, "Good", NULL, NULL, NULL));
  g_ptr_array_add (batch, make_message (9999, 2, BASE_DATE, "Bad folder", NULL, NULL, NULL));
  petrel_store_upsert_messages (f->store, batch, &error);
  g_assert_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  assert_counts (f, f->inbox, 0, 0);

  /* Inside an outer batch, a failed call only undoes itself. */
  petrel_store_begin (f->store, &error);
  g_assert_no_error (error);
  insert (f->store, make_message (f->inbox, 5, BASE_DATE, "Kept", NULL, NULL, NULL));
  petrel_store_upsert_messages (f->store, batch, &error);
  g_assert_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  petrel_store_commit (f->store, &error);
  g_assert_no_error (error);
  assert_counts (f, f->inbox, 1, 1);
}

static void
test_disk_full (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GPtrArray) batch = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *pragma = NULL;
  gint64 pages;

  /* Cap the database at its current size: the next big write hits SQLITE_FULL, exactly as a
   * full disk does. */
  pages = db_query_int (f->dir, "PRAGMA page_count");
  pragma = g_strdup_printf ("PRAGMA max_page_count = %" G_GINT64_FORMAT, pages + 2);
  g_assert_cmpint (sqlite3_exec (f->store->writer->db, pragma, NULL, NULL, NULL), ==, SQLITE_OK);

  batch = g_ptr_array_new_with_free_func ((GDestroyNotify) petrel_store_message_free);
  for (guint uid = 1; uid <= 2000; uid++)
    g_ptr_array_add (batch, make_message (f->inbox, uid, BASE_DATE,
                                          "A subject long enough to fill pages quickly",
                                          NULL, NULL, NULL));
  petrel_store_upsert_messages (f->store, batch, &error);
  g_assert_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_FULL);
  g_assert_nonnull (strstr (error->message, "disk full"));
  g_clear_error (&error);
  assert_counts (f, f->inbox, 0, 0);

  /* Space freed: the same store carries on. */
  g_assert_cmpint (sqlite3_exec (f->store->writer->db, "PRAGMA max_page_count = 1073741823",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  petrel_store_upsert_messages (f->store, batch, &error);
  g_assert_no_error (error);
  assert_counts (f, f->inbox, 2000, 2000);
}

typedef struct {
  PetrelStore *store;
  gint64       folder;
  gint         done;
  guint        reads;
} Shared;

static gpointer
writer_thread (gpointer data)
{
  Shared *shared = data;

  for (guint b = 0; b < 20; b++)
    {
      g_autoptr(GPtrArray) batch = NULL;
      g_autoptr(GError) error = NULL;

      batch = g_ptr_array_new_with_free_func ((GDestroyNotify) petrel_store_message_free);
      for (guint i = 0; i < 100; i++)
        {
          guint32 uid = b * 100 + i + 1;

          g_ptr_array_add (batch, make_message (shared->folder, uid, BASE_DATE + uid,
                                                "Concurrent alpha", NULL, NULL, NULL));
        }

      petrel_store_upsert_messages (shared->store, batch, &error);
      g_assert_no_error (error);
    }

  g_atomic_int_set (&shared->done, 1);

  return NULL;
}

static gpointer
reader_thread (gpointer data)
{
  Shared *shared = data;
  guint last_total = 0;

  while (!g_atomic_int_get (&shared->done))
    {
      g_autoptr(GPtrArray) page = NULL;
      g_autoptr(GPtrArray) results = NULL;
      g_autoptr(GError) error = NULL;
      guint total = 0;

      petrel_store_count_messages (shared->store, shared->folder, &total, NULL, &error);
      g_assert_no_error (error);
      /* Whole batches only, and never backwards. */
      g_assert_cmpuint (total % 100, ==, 0);
      g_assert_cmpuint (total, >=, last_total);
      last_total = total;

      page = petrel_store_list_messages (shared->store, shared->folder, 0, 50, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (page->len, <=, 50);

      results = petrel_store_search (shared->store, "alpha", NULL, 20, &error);
      g_assert_no_error (error);

      g_atomic_int_inc (&shared->reads);
    }

  return NULL;
}

static void
test_threads_concurrent (Fixture       *f,
                         gconstpointer  data)
{
  Shared shared = { f->store, f->inbox, 0, 0 };
  GThread *readers[3];
  GThread *writer;
  g_autoptr(GError) error = NULL;
  guint total = 0;

  for (guint i = 0; i < G_N_ELEMENTS (readers); i++)
    readers[i] = g_thread_new ("reader", reader_thread, &shared);
  writer = g_thread_new ("writer", writer_thread, &shared);

  g_thread_join (writer);
  for (guint i = 0; i < G_N_ELEMENTS (readers); i++)
    g_thread_join (readers[i]);

  petrel_store_count_messages (f->store, f->inbox, &total, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (total, ==, 2000);
  g_assert_cmpuint (search_count (f->store, "alpha", NULL), ==, 2000);
  g_test_message ("%u concurrent reads", g_atomic_int_get (&shared.reads));
}

static gpointer
peek_thread (gpointer data)
{
  Fixture *f = data;
  g_autoptr(PetrelStoreMessage) message = NULL;
  g_autoptr(GError) error = NULL;

  message = petrel_store_get_message (f->store, f->inbox, 1, &error);
  if (message != NULL)
    return GINT_TO_POINTER (1);

  g_assert_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND);

  return GINT_TO_POINTER (0);
}

static void
test_threads_isolation (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  petrel_store_begin (f->store, &error);
  g_assert_no_error (error);
  insert (f->store, make_message (f->inbox, 1, BASE_DATE, "Uncommitted", NULL, NULL, NULL));

  /* Another thread reads without waiting, and sees only committed data. */
  g_assert_cmpint (GPOINTER_TO_INT (g_thread_join (g_thread_new ("peek", peek_thread, f))), ==,
                   0);

  petrel_store_commit (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpint (GPOINTER_TO_INT (g_thread_join (g_thread_new ("peek", peek_thread, f))), ==,
                   1);
}

/* Crash safety: a process killed in the middle of a batch. */

#define CRASH_BATCH 200

static void
child_insert_batch (PetrelStore *store,
                    gint64       folder,
                    guint        first_uid,
                    guint        count)
{
  for (guint uid = first_uid; uid < first_uid + count; uid++)
    {
      g_autoptr(PetrelStoreMessage) message = NULL;
      g_autoptr(GError) error = NULL;

      message = make_message (folder, uid, BASE_DATE + uid, "Crash test subject",
                              NULL, NULL, NULL);
      if (!petrel_store_upsert_message (store, message, &error))
        _exit (3);
    }
}

static void
assert_store_sound (const char *dir,
                    gint64      *out_count)
{
  g_autoptr(PetrelStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *integrity = NULL;
  gint64 count;

  store = petrel_store_open (dir, &error);
  g_assert_no_error (error);

  integrity = db_query (dir, "PRAGMA integrity_check");
  g_assert_cmpstr (integrity, ==, "ok");
  db_exec (dir, "INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')");

  count = db_query_int (dir, "SELECT count(*) FROM messages");
  g_assert_cmpint (db_query_int (dir, "SELECT total FROM folders WHERE path = 'INBOX'"), ==,
                   count);
  g_assert_cmpint (db_query_int (dir, "SELECT count(*) FROM messages_fts"), ==, count);
  g_assert_cmpint (search_count (store, "crash", NULL), ==, count);

  *out_count = count;
}

static void
test_crash_kill_in_batch (void)
{
  g_autofree char *dir = make_account_dir ();
  g_autoptr(PetrelStore) store = NULL;
  g_autoptr(GError) error = NULL;
  gint64 folder;
  gint64 count = -1;
  int status = 0;
  pid_t pid;

  store = petrel_store_open (dir, &error);
  g_assert_no_error (error);
  folder = add_folder (store, "INBOX", PETREL_STORE_FOLDER_ROLE_INBOX);
  g_clear_object (&store);

  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      store = petrel_store_open (dir, NULL);
      if (store == NULL)
        _exit (2);

      /* One whole batch, then half of the next one, then death. */
      if (!petrel_store_begin (store, NULL))
        _exit (2);
      child_insert_batch (store, folder, 1, CRASH_BATCH);
      if (!petrel_store_commit (store, NULL))
        _exit (2);

      if (!petrel_store_begin (store, NULL))
        _exit (2);
      child_insert_batch (store, folder, CRASH_BATCH + 1, CRASH_BATCH / 2);
      raise (SIGKILL);
      _exit (4);
    }

  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFSIGNALED (status));
  g_assert_cmpint (WTERMSIG (status), ==, SIGKILL);

  assert_store_sound (dir, &count);
  g_assert_cmpint (count, ==, CRASH_BATCH);
}

static void
test_crash_kill_anytime (void)
{
  g_autofree char *dir = make_account_dir ();
  g_autoptr(PetrelStore) store = NULL;
  g_autoptr(GError) error = NULL;
  gint64 folder;
  gint64 count = -1;
  int status = 0;
  int fds[2];
  char c;
  pid_t pid;

  store = petrel_store_open (dir, &error);
  g_assert_no_error (error);
  folder = add_folder (store, "INBOX", PETREL_STORE_FOLDER_ROLE_INBOX);
  g_clear_object (&store);

  g_assert_cmpint (pipe (fds), ==, 0);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      close (fds[0]);
      store = petrel_store_open (dir, NULL);
      if (store == NULL)
        _exit (2);

      /* Batch after batch until the parent kills us, wherever we are. */
      for (guint b = 0; b < 1000; b++)
        {
          if (!petrel_store_begin (store, NULL))
            _exit (2);
          child_insert_batch (store, folder, b * CRASH_BATCH + 1, CRASH_BATCH);
          if (!petrel_store_commit (store, NULL))
            _exit (2);
          if (b == 0 && write (fds[1], "x", 1) != 1)
            _exit (2);
        }

      /* The parent was slow: die inside a batch anyway. */
      petrel_store_begin (store, NULL);
      child_insert_batch (store, folder, 1000 * CRASH_BATCH + 1, CRASH_BATCH / 2);
      raise (SIGKILL);
      _exit (4);
    }

  close (fds[1]);
  g_assert_cmpint (read (fds[0], &c, 1), ==, 1);
  close (fds[0]);
  g_usleep (G_USEC_PER_SEC / 10);
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFSIGNALED (status));
  g_assert_cmpint (WTERMSIG (status), ==, SIGKILL);

  assert_store_sound (dir, &count);
  g_assert_cmpint (count, >=, CRASH_BATCH);
  g_assert_cmpint (count % CRASH_BATCH, ==, 0);
  g_test_message ("killed after %" G_GINT64_FORMAT " messages", count);
}

/* Flags */

static void
test_flags_parse (void)
{
  const char * const imap[] = { "\\Seen", "\\flagged", "$Junk", "\\Recent", "$junk", "NonJunk",
                                "bad keyword", "\\Draft", "", NULL };
  g_autofree char *keywords = NULL;
  g_auto(GStrv) back = NULL;
  PetrelStoreFlags flags;

  flags = petrel_store_flags_parse (imap, &keywords);
  g_assert_cmpint (flags, ==,
                   PETREL_STORE_FLAG_SEEN | PETREL_STORE_FLAG_FLAGGED | PETREL_STORE_FLAG_DRAFT);
  g_assert_cmpstr (keywords, ==, "$Junk NonJunk");

  back = petrel_store_flags_to_strv (flags, keywords);
  g_assert_cmpstrv (back, ((const char * const []) { "\\Seen", "\\Flagged", "\\Draft", "$Junk",
                                                     "NonJunk", NULL }));

  g_clear_pointer (&keywords, g_free);
  g_assert_cmpint (petrel_store_flags_parse (NULL, &keywords), ==, 0);
  g_assert_null (keywords);

  g_assert_cmpint (petrel_store_folder_role_from_string ("Trash"), ==,
                   PETREL_STORE_FOLDER_ROLE_TRASH);
  g_assert_cmpint (petrel_store_folder_role_from_string ("nonsense"), ==,
                   PETREL_STORE_FOLDER_ROLE_NONE);
  g_assert_null (petrel_store_folder_role_to_string (PETREL_STORE_FOLDER_ROLE_NONE));
}

/* Performance (only with -m perf): reports timings, asserts nothing about them. */

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static void
test_perf (Fixture       *f,
           gconstpointer  data)
{
  static const char * const words[] = {
    "meeting", "budget", "report", "travel", "invoice", "project", "launch", "review",
    "design", "lunch", "server", "backup", "holiday", "contract", "release", "party",
    "quarter", "hiring", "roadmap", "feedback", "security", "upgrade", "survey", "offsite",
  };
  static const char * const queries[] = {
    "budget", "from:ann", "subject:report", "is:unread", "has:attachment", "\"project launch\"",
    "meeting budget", "after:2024-06-01", "to:bob travel", "invoice is:unread", "zebra",
  };
  const guint n = 100000;
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GError) error = NULL;
  GTimer *timer;
  double insert_time;

  if (!g_test_perf ())
    {
      g_test_skip ("performance test; run with -m perf");
      return;
    }

  timer = g_timer_new ();
  for (guint start = 1; start <= n; start += 500)
    {
      g_autoptr(GPtrArray) batch = NULL;

      batch = g_ptr_array_new_with_free_func ((GDestroyNotify) petrel_store_message_free);
      for (guint uid = start; uid < start + 500; uid++)
        {
          g_autofree char *subject = g_strdup_printf ("%s %s %s #%u", words[uid % 24],
                                                      words[(uid / 24) % 24],
                                                      words[(uid * 7) % 24], uid);
          g_autofree char *id = g_strdup_printf ("<%u@perf.example.com>", uid);
          g_autofree char *parent = g_strdup_printf ("<%u@perf.example.com>", uid - uid % 5);
          PetrelStoreMessage *m = make_message (f->inbox, uid, BASE_DATE + uid * 300, subject,
                                                id, uid % 5 ? parent : NULL, NULL);

          m->flags = uid % 4 ? PETREL_STORE_FLAG_SEEN : 0;
          m->has_attachments = uid % 9 == 0;
          if (uid % 3 == 0)
            {
              g_free (m->from_name);
              m->from_name = g_strdup ("Ann Lee");
            }
          g_ptr_array_add (batch, m);
        }

      petrel_store_upsert_messages (f->store, batch, &error);
      g_assert_no_error (error);
    }
  insert_time = g_timer_elapsed (timer, NULL);
  g_test_minimized_result (insert_time, "insert %u summaries in batches of 500: %.2f s", n,
                           insert_time);

  for (guint i = 0; i < 21; i++)
    {
      g_autoptr(GPtrArray) page = NULL;

      g_timer_start (timer);
      page = petrel_store_list_messages (f->store, f->inbox, 0, 50, &error);
      g_assert_no_error (error);
      g_array_append_val (times, (double) { g_timer_elapsed (timer, NULL) * 1000 });
    }
  g_array_sort (times, compare_doubles);
  g_test_minimized_result (g_array_index (times, double, 10),
                           "list first 50 of %u: median %.2f ms", n,
                           g_array_index (times, double, 10));

  for (guint q = 0; q < G_N_ELEMENTS (queries); q++)
    {
      guint hits = 0;

      g_array_set_size (times, 0);
      for (guint i = 0; i < 11; i++)
        {
          g_autoptr(GPtrArray) results = NULL;

          g_timer_start (timer);
          results = petrel_store_search (f->store, queries[q], NULL, 50, &error);
          g_assert_no_error (error);
          g_array_append_val (times, (double) { g_timer_elapsed (timer, NULL) * 1000 });
          hits = results->len;
        }
      g_array_sort (times, compare_doubles);
      g_test_minimized_result (g_array_index (times, double, 5),
                               "search %-24s %2u hits: median %.2f ms", queries[q], hits,
                               g_array_index (times, double, 5));
    }

  g_timer_destroy (timer);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  petrel_engine_init ();

  g_test_add_func ("/petrel/store/open/create-reopen", test_open_create_reopen);
  g_test_add_func ("/petrel/store/open/too-new", test_open_too_new);
  g_test_add_func ("/petrel/store/open/not-a-database", test_open_not_a_database);
  g_test_add_func ("/petrel/store/open/corrupt-pages", test_open_corrupt_pages);
  g_test_add_func ("/petrel/store/open/truncated", test_open_truncated);
  g_test_add_func ("/petrel/store/open/damaged-index", test_open_damaged_index);
  g_test_add_func ("/petrel/store/open/unwritable-dir", test_open_unwritable_dir);
  g_test_add_func ("/petrel/store/open/clean-marker", test_open_clean_marker);
  g_test_add_func ("/petrel/store/open/migrate-thread-keys", test_open_migrate_thread_keys);
  g_test_add_func ("/petrel/store/open/migrate-unspaced", test_open_migrate_unspaced);
  g_test_add_func ("/petrel/store/open/migrate-full", test_open_migrate_full);
  g_test_add_func ("/petrel/store/messages/batch-counts-mixed", test_batch_counts_mixed);
  g_test_add_func ("/petrel/store/open/checkpoint-beside-writer", test_checkpoint_beside_writer);
  g_test_add_func ("/petrel/store/open/page-size", test_open_page_size);
  g_test_add_func ("/petrel/store/tidy-index", test_tidy_index);

#define ADD(path, func) \
  g_test_add ("/petrel/store/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
#define ADD_PREPARED(path, func) \
  g_test_add ("/petrel/store/" path, Fixture, "prepared", fixture_setup, func, fixture_teardown)

  ADD ("folders/crud", test_folders_crud);
  ADD ("folders/delete-cascades", test_folders_delete_cascades);
  ADD ("folders/unchanged-no-write", test_folders_unchanged_no_write);
  ADD ("messages/batch-list", test_messages_batch_list);
  ADD ("messages/batch-counts", test_messages_batch_counts);
  ADD ("messages/upsert-updates", test_messages_upsert_updates);
  ADD ("messages/flags", test_messages_flags);
  ADD ("messages/expunge", test_messages_expunge);
  ADD ("bodies/roundtrip", test_bodies_roundtrip);
  ADD ("bodies/batched-index", test_bodies_batched_index);
  ADD ("bodies/needs-refetch", test_bodies_needs_refetch);
  ADD ("bodies/move-copy", test_bodies_move_copy);
  ADD ("search/operators", test_search_operators);
  ADD ("search/ranking", test_search_ranking);
  ADD ("search/hostile", test_search_hostile);
  ADD ("search/common-word", test_search_common_word);
  ADD ("search/unspaced-scripts", test_search_unspaced_scripts);
  g_test_add_func ("/petrel/store/search/fts-text", test_search_fts_text);
  g_test_add_func ("/petrel/store/search/parse", test_search_parse);
  g_test_add_func ("/petrel/store/thread/subject-key", test_thread_subject_key);
  ADD ("thread/reply-in-sent", test_thread_reply_in_sent);
  ADD ("thread/out-of-order", test_thread_out_of_order);
  ADD ("thread/missing-and-duplicate-ids", test_thread_missing_and_duplicate_ids);
  ADD ("thread/subject-fallback", test_thread_subject_fallback);
  ADD_PREPARED ("thread/prepared/reply-in-sent", test_thread_reply_in_sent);
  ADD_PREPARED ("thread/prepared/out-of-order", test_thread_out_of_order);
  ADD_PREPARED ("thread/prepared/missing-and-duplicate-ids", test_thread_missing_and_duplicate_ids);
  ADD_PREPARED ("thread/prepared/subject-fallback", test_thread_subject_fallback);
  ADD ("sync/uidvalidity-reset", test_uidvalidity_reset);
  ADD ("queue/outbox", test_queue_outbox);
  ADD ("queue/replay", test_queue_replay);
  ADD ("batch/rollback", test_batch_rollback);
  ADD ("errors/disk-full", test_disk_full);
  ADD ("threads/concurrent", test_threads_concurrent);
  ADD ("threads/isolation", test_threads_isolation);
  g_test_add_func ("/petrel/store/crash/kill-in-batch", test_crash_kill_in_batch);
  g_test_add_func ("/petrel/store/crash/kill-anytime", test_crash_kill_anytime);
  g_test_add_func ("/petrel/store/flags/parse", test_flags_parse);
  ADD ("perf/100k", test_perf);

#undef ADD

  return g_test_run ();
}
