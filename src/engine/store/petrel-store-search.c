/* petrel-store-search.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "petrel-store-private.h"

#define FILTERS \
  " AND (m.flags & ?3) = ?3 AND (m.flags & ?4) = 0 AND m.has_attachments >= ?5" \
  " AND m.date < ?6 AND m.date >= ?7"

/* Subject matches weigh most, then sender, recipients, attachment names, body (the weights
 * follow the messages_fts columns: subject, from_name, from_addr, to_text, cc_text, body,
 * attachments). Every hit is ranked, so the inner query touches only the FTS index and the
 * narrow messages_search index; whole rows are read for the page that is returned. */
static const char search_fts_sql[] =
  "WITH top AS ("
  "  SELECT m.id AS id, bm25 (messages_fts, 10.0, 5.0, 5.0, 3.0, 3.0, 1.0, 2.0) AS score,"
  "    m.date AS date, m.uid AS uid"
  "  FROM messages_fts JOIN messages m INDEXED BY messages_search ON m.id = messages_fts.rowid"
  "  WHERE messages_fts MATCH ?1 AND (?2 = 0 OR m.folder_id = ?2)" FILTERS
  "  ORDER BY score, m.date DESC, m.uid DESC LIMIT ?8)"
  " SELECT " PETREL_STORE_MESSAGE_COLUMNS ", f.path"
  " FROM top JOIN messages m ON m.id = top.id JOIN folders f ON f.id = m.folder_id"
  " ORDER BY top.score, top.date DESC, top.uid DESC";

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

/**
 * petrel_store_search:
 * @query: what the user typed: free text, "phrases" and operators (`from: to: subject:
 *   has:attachment is:unread is:read is:flagged is:starred before:YYYY-MM-DD after:YYYY-MM-DD`)
 * @folder_path: (nullable): search only this folder
 * @limit: at most this many results, 0 for all
 *
 * Full-text search over subject, sender, recipients, body text and attachment names. Results
 * are ranked by relevance (bm25), newest first among equals; without free text, newest first.
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
                       "No folder “%s” in the mail cache", folder_path);
          return NULL;
        }
      if (rc != SQLITE_ROW)
        {
          _petrel_store_set_error (error, read.conn->db, rc, "Cannot search");
          return NULL;
        }

      folder_id = sqlite3_column_int64 (stmt, 0);
      g_clear_pointer (&stmt, sqlite3_reset);
    }

  if (parsed->nothing)
    return g_steal_pointer (&results);

  if (parsed->match->len > 0)
    sql = search_fts_sql;
  else if (folder_id != 0)
    sql = search_folder_sql;
  else
    sql = search_all_sql;

  stmt = _petrel_store_prepare (read.conn, sql, error);
  if (stmt == NULL)
    return NULL;

  if (parsed->match->len > 0)
    sqlite3_bind_text (stmt, 1, parsed->match->str, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, folder_id);
  sqlite3_bind_int (stmt, 3, parsed->flags_set);
  sqlite3_bind_int (stmt, 4, parsed->flags_clear);
  sqlite3_bind_int (stmt, 5, parsed->has_attachments);
  sqlite3_bind_int64 (stmt, 6, parsed->before);
  sqlite3_bind_int64 (stmt, 7, parsed->after);
  sqlite3_bind_int64 (stmt, 8, limit > 0 ? (gint64) limit : -1);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (results, _petrel_store_message_with_path_from_row (stmt));

  if (rc != SQLITE_DONE)
    {
      g_debug ("Search for “%s” (FTS5 “%s”) failed: %s", query, parsed->match->str,
               sqlite3_errmsg (read.conn->db));
      _petrel_store_set_error (error, read.conn->db, rc, "Cannot search");
      return NULL;
    }

  return g_steal_pointer (&results);
}
