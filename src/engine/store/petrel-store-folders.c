/* petrel-store-folders.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <inttypes.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "petrel-store-private.h"

#define FOLDER_COLUMNS \
  "id, path, delimiter, role, attributes, uidvalidity, uidnext, highestmodseq, total, unread, " \
  "subscribed, last_sync, raw_path"

static PetrelStoreFolder *
folder_from_row (sqlite3_stmt *stmt)
{
  PetrelStoreFolder *folder = g_new0 (PetrelStoreFolder, 1);

  folder->id = sqlite3_column_int64 (stmt, 0);
  folder->path = _petrel_store_column_dup (stmt, 1);
  folder->delimiter = _petrel_store_column_dup (stmt, 2);
  folder->role =
    petrel_store_folder_role_from_string ((const char *) sqlite3_column_text (stmt, 3));
  folder->attributes = _petrel_store_column_dup (stmt, 4);
  folder->uidvalidity = (guint32) sqlite3_column_int64 (stmt, 5);
  folder->uidnext = (guint32) sqlite3_column_int64 (stmt, 6);
  folder->highestmodseq = (guint64) sqlite3_column_int64 (stmt, 7);
  folder->total = (guint) MAX (sqlite3_column_int64 (stmt, 8), 0);
  folder->unread = (guint) MAX (sqlite3_column_int64 (stmt, 9), 0);
  folder->subscribed = sqlite3_column_int (stmt, 10) != 0;
  folder->last_sync = sqlite3_column_int64 (stmt, 11);
  /* A blob: the server's bytes, which need not be UTF-8. */
  if (sqlite3_column_type (stmt, 12) != SQLITE_NULL)
    folder->raw_path = g_strndup (sqlite3_column_blob (stmt, 12),
                                  (gsize) sqlite3_column_bytes (stmt, 12));

  if (folder->path == NULL)
    folder->path = g_strdup ("");

  return folder;
}

static void
set_folder_not_found (GError **error,
                      gint64   folder_id)
{
  g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND,
               _("No folder %" PRId64 " in the mail cache"), folder_id);
}

/* ?1 path, ?2 delimiter, ?3 role, ?4 attributes, ?5 subscribed, ?6 the server's name (a blob:
 * it need not be UTF-8; NULL when not known). */
static void
bind_folder (sqlite3_stmt            *stmt,
             const PetrelStoreFolder *folder)
{
  _petrel_store_bind_text (stmt, 1, folder->path);
  _petrel_store_bind_text (stmt, 2, folder->delimiter);
  sqlite3_bind_text (stmt, 3, petrel_store_folder_role_to_string (folder->role), -1,
                     SQLITE_STATIC);
  _petrel_store_bind_text (stmt, 4, folder->attributes);
  sqlite3_bind_int (stmt, 5, folder->subscribed);
  if (folder->raw_path != NULL)
    sqlite3_bind_blob (stmt, 6, folder->raw_path, (int) strlen (folder->raw_path),
                       SQLITE_TRANSIENT);
}

/**
 * petrel_store_upsert_folder:
 * @folder: path, delimiter, role, attributes, subscription and raw path (other fields are
 *   ignored)
 * @out_id: (out) (optional): the folder's row id
 *
 * Adds a folder, or updates the folder with the same path. A %NULL raw path keeps the one
 * stored.
 */
gboolean
petrel_store_upsert_folder (PetrelStore              *self,
                            const PetrelStoreFolder  *folder,
                            gint64                   *out_id,
                            GError                  **error)
{
  g_auto(PetrelStoreWrite) write = { 0 };
  g_autoptr(PetrelStoreStmt) stmt = NULL;
  gint64 id;
  int rc;

  g_return_val_if_fail (PETREL_IS_STORE (self), FALSE);
  g_return_val_if_fail (folder != NULL && folder->path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!_petrel_store_write_begin (self, &write, error))
    return FALSE;

  /* A folder listed as it was is not written again: even an upsert that changes nothing
   * rewrites sqlite_sequence (AUTOINCREMENT), and those pages were all a no-change sync left
   * in the WAL for the close to checkpoint and sync to disk (#4). */
  stmt = _petrel_store_prepare (write.conn,
                                "SELECT id FROM folders WHERE path = ?1 AND delimiter IS ?2"
                                " AND role IS ?3 AND attributes IS ?4 AND subscribed = ?5"
                                " AND (?6 IS NULL OR raw_path IS ?6)",
                                error);
  if (stmt == NULL)
    return FALSE;
  bind_folder (stmt, folder);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      id = sqlite3_column_int64 (stmt, 0);
      g_clear_pointer (&stmt, sqlite3_reset);
      if (!_petrel_store_write_commit (&write, error))
        return FALSE;
      if (out_id != NULL)
        *out_id = id;
      return TRUE;
    }
  if (rc != SQLITE_DONE)
    {
      _petrel_store_set_error (error, write.conn->db, rc, _("Cannot read a folder"));
      return FALSE;
    }
  g_clear_pointer (&stmt, sqlite3_reset);

  stmt = _petrel_store_prepare (write.conn,
                                "INSERT INTO folders"
                                " (path, delimiter, role, attributes, subscribed, raw_path)"
                                " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                                " ON CONFLICT (path) DO UPDATE SET"
                                "   delimiter = excluded.delimiter, role = excluded.role,"
                                "   attributes = excluded.attributes,"
                                "   subscribed = excluded.subscribed,"
                                "   raw_path = coalesce (excluded.raw_path, raw_path)"
                                " RETURNING id",
                                error);
  if (stmt == NULL)
    return FALSE;

  bind_folder (stmt, folder);

  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      _petrel_store_set_error (error, write.conn->db, rc, _("Cannot store a folder"));
      return FALSE;
    }

  id = sqlite3_column_int64 (stmt, 0);

  /* Finish the RETURNING statement before committing. */
  sqlite3_step (stmt);
  g_clear_pointer (&stmt, sqlite3_reset);

  if (!_petrel_store_write_commit (&write, error))
    return FALSE;

  if (out_id != NULL)
    *out_id = id;

  return TRUE;
}

/**
 * petrel_store_list_folders:
 *
 * Returns: (transfer full) (element-type PetrelStoreFolder): all folders, INBOX first, then by
 *   path
 */
GPtrArray *
petrel_store_list_folders (PetrelStore  *self,
                           GError      **error)
{
  g_return_val_if_fail (PETREL_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return _petrel_store_read_rows (self,
                                  "SELECT " FOLDER_COLUMNS " FROM folders"
                                  " ORDER BY role IS NOT 'inbox', path",
                                  NULL, 0,
                                  (PetrelStoreRowFunc) folder_from_row,
                                  (GDestroyNotify) petrel_store_folder_free,
                                  _("Cannot list folders"), error);
}

static PetrelStoreFolder *
store_get_folder (PetrelStore  *self,
                  const char   *sql,
                  gint64        id,
                  const char   *path,
                  GError      **error)
{
  g_auto(PetrelStoreRead) read = { 0 };
  g_autoptr(PetrelStoreStmt) stmt = NULL;
  int rc;

  if (!_petrel_store_read_begin (self, &read, error))
    return NULL;

  stmt = _petrel_store_prepare (read.conn, sql, error);
  if (stmt == NULL)
    return NULL;

  if (path != NULL)
    sqlite3_bind_text (stmt, 1, path, -1, SQLITE_STATIC);
  else
    sqlite3_bind_int64 (stmt, 1, id);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return folder_from_row (stmt);

  if (rc != SQLITE_DONE)
    _petrel_store_set_error (error, read.conn->db, rc, _("Cannot read a folder"));
  else if (path != NULL)
    g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND,
                 _("No folder “%s” in the mail cache"), path);
  else
    set_folder_not_found (error, id);

  return NULL;
}

/**
 * petrel_store_get_folder:
 *
 * Returns: (transfer full): the folder, or %NULL with %PETREL_STORE_ERROR_NOT_FOUND
 */
PetrelStoreFolder *
petrel_store_get_folder (PetrelStore  *self,
                         gint64        folder_id,
                         GError      **error)
{
  g_return_val_if_fail (PETREL_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return store_get_folder (self, "SELECT " FOLDER_COLUMNS " FROM folders WHERE id = ?1",
                           folder_id, NULL, error);
}

/**
 * petrel_store_get_folder_by_path:
 *
 * Returns: (transfer full): the folder, or %NULL with %PETREL_STORE_ERROR_NOT_FOUND
 */
PetrelStoreFolder *
petrel_store_get_folder_by_path (PetrelStore  *self,
                                 const char   *path,
                                 GError      **error)
{
  g_return_val_if_fail (PETREL_IS_STORE (self), NULL);
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return store_get_folder (self, "SELECT " FOLDER_COLUMNS " FROM folders WHERE path = ?1",
                           0, path, error);
}

/**
 * petrel_store_rename_folder:
 *
 * Changes a folder's path, keeping its messages, and forgets its raw path (the new name is
 * @new_path, encoded for the connection, until the server lists it). Fails with
 * %PETREL_STORE_ERROR_INVALID_ARGUMENT if another folder has that path.
 */
gboolean
petrel_store_rename_folder (PetrelStore  *self,
                            gint64        folder_id,
                            const char   *new_path,
                            GError      **error)
{
  g_auto(PetrelStoreWrite) write = { 0 };
  g_autoptr(PetrelStoreStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (PETREL_IS_STORE (self), FALSE);
  g_return_val_if_fail (new_path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!_petrel_store_write_begin (self, &write, error))
    return FALSE;

  stmt = _petrel_store_prepare (write.conn, "UPDATE folders SET path = ?2, raw_path = NULL"
                                " WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, folder_id);
  _petrel_store_bind_text (stmt, 2, new_path);

  rc = sqlite3_step (stmt);
  if ((rc & 0xff) == SQLITE_CONSTRAINT)
    {
      g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_INVALID_ARGUMENT,
                   _("A folder “%s” already exists"), new_path);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    {
      _petrel_store_set_error (error, write.conn->db, rc, _("Cannot rename a folder"));
      return FALSE;
    }
  if (sqlite3_changes (write.conn->db) == 0)
    {
      set_folder_not_found (error, folder_id);
      return FALSE;
    }

  return _petrel_store_write_commit (&write, error);
}

/**
 * petrel_store_delete_folder:
 *
 * Removes a folder with its messages, their files, search index rows and empty conversations.
 * Outbox and replay-queue rows are kept.
 */
gboolean
petrel_store_delete_folder (PetrelStore  *self,
                            gint64        folder_id,
                            GError      **error)
{
  g_auto(PetrelStoreWrite) write = { 0 };
  g_autoptr(PetrelStoreStmt) stmt = NULL;

  g_return_val_if_fail (PETREL_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!_petrel_store_write_begin (self, &write, error))
    return FALSE;

  stmt = _petrel_store_prepare (write.conn, "DELETE FROM folders WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, folder_id);
  if (!_petrel_store_step_done (write.conn, stmt, error))
    return FALSE;

  if (sqlite3_changes (write.conn->db) == 0)
    {
      set_folder_not_found (error, folder_id);
      return FALSE;
    }

  _petrel_store_queue_rmdir (self, folder_id);

  return _petrel_store_write_commit (&write, error);
}

/* Drops a folder's cached messages and files (not its replay-queue entries). */
static gboolean
store_drop_folder_cache (PetrelStore       *self,
                         PetrelStoreWrite  *write,
                         gint64             folder_id,
                         GError           **error)
{
  g_autoptr(PetrelStoreStmt) stmt = NULL;

  stmt = _petrel_store_prepare (write->conn,
                                "DELETE FROM messages WHERE folder_id = ?1",
                                error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, folder_id);
  if (!_petrel_store_step_done (write->conn, stmt, error))
    return FALSE;

  _petrel_store_queue_rmdir (self, folder_id);

  return TRUE;
}

static gboolean
store_update_sync_state (PetrelStoreWrite  *write,
                         gint64             folder_id,
                         guint32            uidvalidity,
                         guint32            uidnext,
                         guint64            highestmodseq,
                         gint64             last_sync,
                         GError           **error)
{
  g_autoptr(PetrelStoreStmt) stmt = NULL;

  stmt = _petrel_store_prepare (write->conn,
                                "UPDATE folders SET uidvalidity = ?2, uidnext = ?3,"
                                " highestmodseq = ?4, last_sync = ?5 WHERE id = ?1",
                                error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, folder_id);
  sqlite3_bind_int64 (stmt, 2, uidvalidity);
  sqlite3_bind_int64 (stmt, 3, uidnext);
  sqlite3_bind_int64 (stmt, 4, (gint64) MIN (highestmodseq, (guint64) G_MAXINT64));
  sqlite3_bind_int64 (stmt, 5, last_sync);

  return _petrel_store_step_done (write->conn, stmt, error);
}

/**
 * petrel_store_set_folder_sync_state:
 * @out_cache_dropped: (out) (optional): set to %TRUE when @uidvalidity differs from the stored
 *   one, in which case the folder's cached messages and files were dropped (replay-queue
 *   entries are kept)
 *
 * Records the folder's UIDVALIDITY, UIDNEXT and HIGHESTMODSEQ and the time of this sync.
 */
gboolean
petrel_store_set_folder_sync_state (PetrelStore  *self,
                                    gint64        folder_id,
                                    guint32       uidvalidity,
                                    guint32       uidnext,
                                    guint64       highestmodseq,
                                    gboolean     *out_cache_dropped,
                                    GError      **error)
{
  g_auto(PetrelStoreWrite) write = { 0 };
  g_autoptr(PetrelStoreStmt) stmt = NULL;
  gboolean dropped = FALSE;
  guint32 current;
  int rc;

  g_return_val_if_fail (PETREL_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!_petrel_store_write_begin (self, &write, error))
    return FALSE;

  stmt = _petrel_store_prepare (write.conn, "SELECT uidvalidity FROM folders WHERE id = ?1",
                                error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, folder_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      set_folder_not_found (error, folder_id);
      return FALSE;
    }
  if (rc != SQLITE_ROW)
    {
      _petrel_store_set_error (error, write.conn->db, rc, _("Cannot read a folder"));
      return FALSE;
    }

  current = (guint32) sqlite3_column_int64 (stmt, 0);
  g_clear_pointer (&stmt, sqlite3_reset);

  if (current != 0 && current != uidvalidity)
    {
      g_debug ("Folder %" G_GINT64_FORMAT ": UIDVALIDITY changed from %u to %u, "
               "dropping its cache", folder_id, current, uidvalidity);
      if (!store_drop_folder_cache (self, &write, folder_id, error))
        return FALSE;
      dropped = TRUE;
    }

  if (!store_update_sync_state (&write, folder_id, uidvalidity, uidnext, highestmodseq,
                                g_get_real_time () / G_USEC_PER_SEC, error))
    return FALSE;

  if (!_petrel_store_write_commit (&write, error))
    return FALSE;

  if (out_cache_dropped != NULL)
    *out_cache_dropped = dropped;

  return TRUE;
}

/**
 * petrel_store_reset_folder:
 *
 * Drops the folder's cached messages and files and forgets its sync state, so the next sync
 * starts over. Replay-queue entries are kept.
 */
gboolean
petrel_store_reset_folder (PetrelStore  *self,
                           gint64        folder_id,
                           GError      **error)
{
  g_auto(PetrelStoreWrite) write = { 0 };

  g_return_val_if_fail (PETREL_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!_petrel_store_write_begin (self, &write, error))
    return FALSE;

  if (!store_drop_folder_cache (self, &write, folder_id, error) ||
      !store_update_sync_state (&write, folder_id, 0, 0, 0, 0, error))
    return FALSE;

  if (sqlite3_changes (write.conn->db) == 0)
    {
      set_folder_not_found (error, folder_id);
      return FALSE;
    }

  return _petrel_store_write_commit (&write, error);
}

/**
 * petrel_store_count_messages:
 * @out_total: (out) (optional): messages cached for the folder
 * @out_unread: (out) (optional): how many of them lack `\Seen`
 */
gboolean
petrel_store_count_messages (PetrelStore  *self,
                             gint64        folder_id,
                             guint        *out_total,
                             guint        *out_unread,
                             GError      **error)
{
  g_autoptr(PetrelStoreFolder) folder = NULL;

  g_return_val_if_fail (PETREL_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  folder = petrel_store_get_folder (self, folder_id, error);
  if (folder == NULL)
    return FALSE;

  if (out_total != NULL)
    *out_total = folder->total;
  if (out_unread != NULL)
    *out_unread = folder->unread;

  return TRUE;
}
