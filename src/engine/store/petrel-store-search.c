/* petrel-store-search.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include "petrel-store-private.h"

#define FILTERS \
  " AND (m.flags & ?3) = ?3 AND (m.flags & ?4) = 0 AND m.has_attachments >= ?5" \
  " AND m.date < ?6 AND m.date >= ?7"

/* A word found in nearly every message made ranking every hit the slowest search by far
 * (#4: 112 ms over 100,000 messages, where finding the hits takes a few). Beyond RANK_ALL_MAX
 * hits only the newest RANK_WINDOW (by date, after the filters) are ranked when the caller
 * wants at most RANK_WINDOW results (the list and the CLI ask for a page): the results are
 * still the best matches, newest first among equals, of recent mail, which is what a search
 * for a common word is after; narrowing the query reaches older mail. Finding the window
 * walks the date order until RANK_WINDOW hits are seen, which only pays off when hits are
 * dense: below RANK_ALL_MAX hits ranking them all is as quick. */
#define RANK_WINDOW  2000
#define RANK_ALL_MAX 8000

/* More than RANK_ALL_MAX hits? Reads at most RANK_ALL_MAX + 1 of them. */
static const char count_hits_sql[] =
  "SELECT count(*) FROM (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?1 LIMIT ?2)";

/* The date of the RANK_WINDOW-th newest hit (OFFSET ?8), walking the date order newest first
 * and stopping there. ?1 … ?7 as in rank_fts_sql. */
static const char window_all_sql[] =
  "SELECT m.date FROM messages m INDEXED BY messages_date"
  " WHERE m.id IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?1) AND ?2 = 0"
  FILTERS
  " ORDER BY m.date DESC, m.uid DESC LIMIT 1 OFFSET ?8";

static const char window_folder_sql[] =
  "SELECT m.date FROM messages m INDEXED BY messages_folder_date"
  " WHERE m.folder_id = ?2"
  " AND m.id IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?1)" FILTERS
  " ORDER BY m.date DESC, m.uid DESC LIMIT 1 OFFSET ?8";

/* Subject matches weigh most, then sender, recipients, attachment names, body (the weights
 * follow the messages_fts columns: subject, from_name, from_addr, to_text, cc_text, body,
 * attachments). The hits (of the window, ?9) are ranked in a query that touches only the FTS
 * index and the narrow messages_search index; whole rows are read afterwards, only for the
 * results returned (row_sql). */
static const char rank_fts_sql[] =
  "SELECT m.id, bm25 (messages_fts, 10.0, 5.0, 5.0, 3.0, 3.0, 1.0, 2.0) AS score"
  " FROM messages_fts JOIN messages m INDEXED BY messages_search ON m.id = messages_fts.rowid"
  " WHERE messages_fts MATCH ?1 AND (?2 = 0 OR m.folder_id = ?2)" FILTERS
  " AND m.date >= ?9"
  " ORDER BY score, m.date DESC, m.uid DESC LIMIT ?8";

static const char row_sql[] =
  "SELECT " PETREL_STORE_MESSAGE_COLUMNS ", f.path"
  " FROM messages m JOIN folders f ON f.id = m.folder_id WHERE m.id = ?1";

static const char search_folder_sql[] =
  "SELECT " PETREL_STORE_MESSAGE_COLUMNS ", f.path"
  " FROM messages m JOIN folders f ON f.id = m.folder_id"
  " WHERE ?1 IS NULL AND m.folder_id = ?2" FILTERS
  " ORDER BY m.date DESC, m.uid DESC LIMIT ?8";

static const char search_all_sql[] =
  "SELECT " PETREL_STORE_MESSAGE_COLUMNS ", f.path"
  " FROM messages m JOIN folders f ON f.id = m.folder_id"
  " WHERE ?1 IS NULL AND ?2 = 0" FILTERS
  " ORDER BY m.date DESC, m.uid DESC LIMIT ?8";

/* Binds ?1 (the full-text query; NULL, unbound, when there is none), ?2 (the folder, 0 for
 * all) and the filters ?3 to ?7 of FILTERS. */
static void
bind_filters (sqlite3_stmt           *stmt,
              const PetrelStoreQuery *parsed,
              gint64                  folder_id)
{
  if (parsed->match->len > 0)
    sqlite3_bind_text (stmt, 1, parsed->match->str, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, folder_id);
  sqlite3_bind_int (stmt, 3, parsed->flags_set);
  sqlite3_bind_int (stmt, 4, parsed->flags_clear);
  sqlite3_bind_int (stmt, 5, parsed->has_attachments);
  sqlite3_bind_int64 (stmt, 6, parsed->before);
  sqlite3_bind_int64 (stmt, 7, parsed->after);
}

/* Sets @error for the SQLite result code @rc of a full-text query; returns FALSE. */
static gboolean
search_failed (PetrelStoreConn         *conn,
               const PetrelStoreQuery  *parsed,
               int                      rc,
               GError                 **error)
{
  g_debug ("Search (FTS5 “%s”) failed: %s", parsed->match->str, sqlite3_errmsg (conn->db));
  _petrel_store_set_error (error, conn->db, rc, _("Cannot search"));
  return FALSE;
}

/* @out_start: the oldest date worth ranking, G_MININT64 when every hit is. */
static gboolean
rank_window_start (PetrelStoreConn         *conn,
                   const PetrelStoreQuery  *parsed,
                   gint64                   folder_id,
                   gint64                  *out_start,
                   GError                 **error)
{
  g_autoptr(PetrelStoreStmt) stmt = NULL;
  int rc;

  *out_start = G_MININT64;

  stmt = _petrel_store_prepare (conn, count_hits_sql, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, parsed->match->str, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 2, RANK_ALL_MAX + 1);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    goto failed;
  if (sqlite3_column_int (stmt, 0) <= RANK_ALL_MAX)
    return TRUE;
  g_clear_pointer (&stmt, sqlite3_reset);

  stmt = _petrel_store_prepare (conn, folder_id != 0 ? window_folder_sql : window_all_sql,
                                error);
  if (stmt == NULL)
    return FALSE;
  bind_filters (stmt, parsed, folder_id);
  sqlite3_bind_int (stmt, 8, RANK_WINDOW - 1);
  rc = sqlite3_step (stmt);
  /* No row: the filters leave at most RANK_WINDOW hits, rank them all. */
  if (rc == SQLITE_ROW)
    *out_start = sqlite3_column_int64 (stmt, 0);
  else if (rc != SQLITE_DONE)
    goto failed;

  return TRUE;

failed:
  return search_failed (conn, parsed, rc, error);
}

/* Ranked results are scattered over the whole table, one page each; when those pages are not
 * in memory (a first search, or a page cache the system has reclaimed), reading them one
 * after another waits for the disk a hundred times for a page of results: half of such a
 * search over 100,000 messages. So the rows past the first PREFETCH_CHUNK are read ahead by
 * up to PREFETCH_THREADS threads, each on a connection of its own, while this thread reads
 * the first ones: the disk gets the reads together (100 random reads: 7 ms one by one, 2.5 ms
 * together here). They only bring the pages into memory; what is returned is read by the
 * searching connection as before. */
#define PREFETCH_CHUNK   20
#define PREFETCH_THREADS 3
/* Past this many rows (a search asked for all of its results) the rest are read as they
 * come: the reads ahead are extra work when the pages are in memory. */
#define PREFETCH_MAX     2000

typedef struct {
  PetrelStore *store;   /* borrowed: _petrel_store_stop_prefetch() waits for running tasks */
  GArray      *ids;     /* gint64 */
} Prefetch;

static void
prefetch_free (gpointer data)
{
  Prefetch *prefetch = data;

  g_array_unref (prefetch->ids);
  g_free (prefetch);
}

static void
prefetch_rows (gpointer data,
               gpointer user_data)
{
  Prefetch *prefetch = data;
  g_auto(PetrelStoreRead) read = { 0 };
  g_autoptr(PetrelStoreStmt) stmt = NULL;

  /* Only a hint: anything going wrong here costs time, not results. */
  if (_petrel_store_read_begin (prefetch->store, &read, NULL))
    stmt = _petrel_store_prepare (read.conn, "SELECT id FROM messages WHERE id = ?1", NULL);
  for (guint i = 0; stmt != NULL && i < prefetch->ids->len; i++)
    {
      sqlite3_bind_int64 (stmt, 1, g_array_index (prefetch->ids, gint64, i));
      (void) sqlite3_step (stmt);
      sqlite3_reset (stmt);
    }

  prefetch_free (prefetch);
}

/* Reads ahead the rows of @ids past the first PREFETCH_CHUNK (up to PREFETCH_MAX), in up to
 * PREFETCH_THREADS parts. */
static void
start_prefetch (PetrelStore  *self,
                GArray       *ids)
{
  guint len = MIN (ids->len, PREFETCH_MAX);
  guint rest, parts, per;

  if (len <= PREFETCH_CHUNK)
    return;

  g_mutex_lock (&self->prefetch_lock);
  if (self->prefetch == NULL)
    self->prefetch = g_thread_pool_new_full (prefetch_rows, NULL, prefetch_free,
                                             PREFETCH_THREADS, FALSE, NULL);
  g_mutex_unlock (&self->prefetch_lock);
  if (self->prefetch == NULL)
    return;

  rest = len - PREFETCH_CHUNK;
  parts = MIN (PREFETCH_THREADS, (rest + PREFETCH_CHUNK - 1) / PREFETCH_CHUNK);
  per = (rest + parts - 1) / parts;
  for (guint start = PREFETCH_CHUNK; start < len; start += per)
    {
      Prefetch *prefetch = g_new0 (Prefetch, 1);
      guint n = MIN (per, len - start);

      prefetch->store = self;
      prefetch->ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), n);
      g_array_append_vals (prefetch->ids, &g_array_index (ids, gint64, start), n);
      g_thread_pool_push (self->prefetch, prefetch, NULL);
    }
}

/* At close: drops what is queued, waits for what is running. */
void
_petrel_store_stop_prefetch (PetrelStore *self)
{
  GThreadPool *pool;

  g_mutex_lock (&self->prefetch_lock);
  pool = g_steal_pointer (&self->prefetch);
  g_mutex_unlock (&self->prefetch_lock);
  if (pool != NULL)
    g_thread_pool_free (pool, TRUE, TRUE);
}

/* The ranked results of @parsed (rank_fts_sql), read row by row in rank order. */
static gboolean
search_fts (PetrelStore             *self,
            PetrelStoreConn         *conn,
            const PetrelStoreQuery  *parsed,
            gint64                   folder_id,
            guint                    limit,
            gint64                   window_start,
            GPtrArray               *results,
            GError                 **error)
{
  g_autoptr(PetrelStoreStmt) stmt = NULL;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  int rc;

  stmt = _petrel_store_prepare (conn, rank_fts_sql, error);
  if (stmt == NULL)
    return FALSE;
  bind_filters (stmt, parsed, folder_id);
  sqlite3_bind_int64 (stmt, 8, limit > 0 ? (gint64) limit : -1);
  sqlite3_bind_int64 (stmt, 9, window_start);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);

      g_array_append_val (ids, id);
    }
  if (rc != SQLITE_DONE)
    goto failed;
  g_clear_pointer (&stmt, sqlite3_reset);

  start_prefetch (self, ids);

  stmt = _petrel_store_prepare (conn, row_sql, error);
  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; i < ids->len; i++)
    {
      sqlite3_bind_int64 (stmt, 1, g_array_index (ids, gint64, i));
      rc = sqlite3_step (stmt);
      /* A message deleted since it was ranked is left out. */
      if (rc == SQLITE_ROW)
        g_ptr_array_add (results, _petrel_store_message_with_path_from_row (stmt));
      else if (rc != SQLITE_DONE)
        goto failed;
      sqlite3_reset (stmt);
    }

  return TRUE;

failed:
  return search_failed (conn, parsed, rc, error);
}

/**
 * petrel_store_search:
 * @query: what the user typed: free text, "phrases" and operators (`from: to: subject:
 *   has:attachment is:unread is:read is:flagged is:starred before:YYYY-MM-DD after:YYYY-MM-DD`)
 * @folder_path: (nullable): search only this folder
 * @limit: at most this many results, 0 for all
 *
 * Full-text search over subject, sender, recipients, body text and attachment names. Results
 * are ranked by relevance (bm25), newest first among equals; without free text, newest first.
 * When more than 8,000 messages match and @limit is at most 2,000, only the newest 2,000
 * matches are ranked (a word found in nearly every message).
 * Any text is safe: FTS5 syntax in it is searched for literally. Fails only with
 * %PETREL_STORE_ERROR_INVALID_QUERY for an operator value it does not understand (`is:foo`,
 * `before:monday`), or %PETREL_STORE_ERROR_NOT_FOUND for an unknown folder.
 *
 * Returns: (transfer full) (element-type PetrelStoreMessage): matching messages with
 *   folder_path set
 */
GPtrArray *
petrel_store_search (PetrelStore  *self,
                     const char   *query,
                     const char   *folder_path,
                     guint         limit,
                     GError      **error)
{
  g_auto(PetrelStoreRead) read = { 0 };
  g_autoptr(PetrelStoreQuery) parsed = NULL;
  g_autoptr(PetrelStoreStmt) stmt = NULL;
  g_autoptr(GPtrArray) results = NULL;
  gint64 folder_id = 0;
  gint64 window_start = G_MININT64;
  const char *sql;
  int rc;

  g_return_val_if_fail (PETREL_IS_STORE (self), NULL);
  g_return_val_if_fail (query != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  parsed = _petrel_store_query_parse (query, error);
  if (parsed == NULL)
    return NULL;

  results = g_ptr_array_new_with_free_func ((GDestroyNotify) petrel_store_message_free);

  if (!_petrel_store_read_begin (self, &read, error))
    return NULL;

  if (folder_path != NULL)
    {
      stmt = _petrel_store_prepare (read.conn, "SELECT id FROM folders WHERE path = ?1", error);
      if (stmt == NULL)
        return NULL;

      sqlite3_bind_text (stmt, 1, folder_path, -1, SQLITE_STATIC);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_DONE)
        {
          g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND,
                       _("No folder “%s” in the mail cache"), folder_path);
          return NULL;
        }
      if (rc != SQLITE_ROW)
        {
          _petrel_store_set_error (error, read.conn->db, rc, _("Cannot search"));
          return NULL;
        }

      folder_id = sqlite3_column_int64 (stmt, 0);
      g_clear_pointer (&stmt, sqlite3_reset);
    }

  if (parsed->nothing)
    return g_steal_pointer (&results);

  /* All results (no limit, or more than the window) are all ranked. */
  if (parsed->match->len > 0 && limit > 0 && limit <= RANK_WINDOW &&
      !rank_window_start (read.conn, parsed, folder_id, &window_start, error))
    return NULL;

  if (parsed->match->len > 0)
    {
      if (!search_fts (self, read.conn, parsed, folder_id, limit, window_start, results, error))
        return NULL;
      return g_steal_pointer (&results);
    }

  if (folder_id != 0)
    sql = search_folder_sql;
  else
    sql = search_all_sql;

  stmt = _petrel_store_prepare (read.conn, sql, error);
  if (stmt == NULL)
    return NULL;

  bind_filters (stmt, parsed, folder_id);
  sqlite3_bind_int64 (stmt, 8, limit > 0 ? (gint64) limit : -1);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (results, _petrel_store_message_with_path_from_row (stmt));

  if (rc != SQLITE_DONE)
    {
      g_debug ("Search for “%s” (FTS5 “%s”) failed: %s", query, parsed->match->str,
               sqlite3_errmsg (read.conn->db));
      _petrel_store_set_error (error, read.conn->db, rc, _("Cannot search"));
      return NULL;
    }

  return g_steal_pointer (&results);
}
