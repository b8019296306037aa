/* petrel-store-messages.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <inttypes.h>
#include <glib/gi18n-lib.h>
#include "petrel-store-private.h"

static void
set_message_not_found (GError  **error,
                       gint64    folder_id,
                       guint32   uid)
{
  g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND,
               _("No message with UID %u in folder %" PRId64 " of the mail cache"),
               uid, folder_id);
}

static gint64
clamp_modseq (guint64 modseq)
{
  return (gint64) MIN (modseq, (guint64) G_MAXINT64);
}

/* Binds the summary fields shared by INSERT and UPDATE to ?3 … ?18. */
static void
bind_summary (sqlite3_stmt              *stmt,
              const PetrelStoreMessage  *message)
{
  sqlite3_bind_int64 (stmt, 3, clamp_modseq (message->modseq));
  sqlite3_bind_int (stmt, 4, message->flags & PETREL_STORE_FLAGS_ALL);
  _petrel_store_bind_text (stmt, 5, message->keywords);
  sqlite3_bind_int64 (stmt, 6, message->internal_date);
  sqlite3_bind_int64 (stmt, 7, message->size);
  sqlite3_bind_int64 (stmt, 8, message->date);
  _petrel_store_bind_text (stmt, 9, message->subject);
  _petrel_store_bind_text (stmt, 10, message->from_name);
  _petrel_store_bind_text (stmt, 11, message->from_addr);
  _petrel_store_bind_text (stmt, 12, message->to_text);
  _petrel_store_bind_text (stmt, 13, message->cc_text);
  _petrel_store_bind_text (stmt, 14, message->message_id);
  _petrel_store_bind_text (stmt, 15, message->in_reply_to);
  _petrel_store_bind_text (stmt, 16, message->references_text);
  sqlite3_bind_int (stmt, 17, message->has_attachments);
  _petrel_store_bind_text (stmt, 18, message->snippet);
}

/**
 * _petrel_store_add_new_row:
 * @id: a row just inserted into messages
 *
 * Enters the row in the full-text index (without body text) and in its folder's counts: what
 * an insert trigger did before schema version 6. Every insert into messages calls this, or
 * flush_new_rows() for a batch.
 */
gboolean
_petrel_store_add_new_row (PetrelStoreConn  *conn,
                           gint64            id,
                           GError          **error)
{
  g_autoptr(PetrelStoreStmt) stmt = NULL;

  stmt = _petrel_store_prepare (conn,
                                "INSERT INTO messages_fts (rowid, subject, from_name, from_addr,"
                                " to_text, cc_text, body, attachments)"
                                " SELECT id, petrel_fts (subject), petrel_fts (from_name),"
                                "  petrel_fts (from_addr), petrel_fts (to_text),"
                                "  petrel_fts (cc_text), NULL, petrel_fts (attachment_names)"
                                " FROM messages WHERE id = ?1",
                                error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  if (!_petrel_store_step_done (conn, stmt, error))
    return FALSE;
  g_clear_pointer (&stmt, sqlite3_reset);

  stmt = _petrel_store_prepare (conn,
                                "UPDATE folders SET total = total + 1,"
                                " unread = unread + (SELECT (m.flags & 1) = 0 FROM messages m"
                                "   WHERE m.id = ?1)"
                                " WHERE id = (SELECT folder_id FROM messages WHERE id = ?1)",
                                error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);

  return _petrel_store_step_done (conn, stmt, error);
}

/* @known_new: the caller knows no row has @message's folder and UID (a batch checked them
 * all at once), which saves looking it up.
 * @in_batch: a new row is indexed and counted later, with the batch's others
 * (flush_new_rows()).
 * @out_inserted: (out) (optional): set to whether a new row was inserted */
static gboolean
store_upsert_message (PetrelStoreConn     *conn,
                      PetrelStoreMessage  *message,
                      gboolean             known_new,
                      gboolean             in_batch,
                      gboolean            *out_inserted,
                      GError             **error)
{
  g_autoptr(PetrelStoreStmt) lookup = NULL;
  g_autoptr(PetrelStoreStmt) stmt = NULL;
  gint64 conversation_id = 0;
  int rc;

  if (out_inserted != NULL)
    *out_inserted = FALSE;

  if (message->date == 0)
    message->date = message->internal_date;

  if (known_new)
    goto insert;

  lookup = _petrel_store_prepare (conn,
                                  "SELECT id, conversation_id, body_present FROM messages"
                                  " WHERE folder_id = ?1 AND uid = ?2",
                                  error);
  if (lookup == NULL)
    return FALSE;

  sqlite3_bind_int64 (lookup, 1, message->folder_id);
  sqlite3_bind_int64 (lookup, 2, message->uid);
  rc = sqlite3_step (lookup);

  if (rc == SQLITE_ROW)
    {
      message->id = sqlite3_column_int64 (lookup, 0);
      message->conversation_id = sqlite3_column_int64 (lookup, 1);
      message->body_present = sqlite3_column_int (lookup, 2) != 0;
      g_clear_pointer (&lookup, sqlite3_reset);

      /* A parsed body knows better than BODYSTRUCTURE; keep its results. */
      stmt = _petrel_store_prepare (conn,
                                    "UPDATE messages SET modseq = ?3, flags = ?4, keywords = ?5,"
                                    " internal_date = ?6, size = ?7, date = ?8, subject = ?9,"
                                    " from_name = ?10, from_addr = ?11, to_text = ?12,"
                                    " cc_text = ?13, message_id = ?14, in_reply_to = ?15,"
                                    " references_text = ?16,"
                                    " has_attachments = CASE WHEN body_present"
                                    "   THEN has_attachments ELSE ?17 END,"
                                    " snippet = CASE WHEN body_present OR ?18 IS NULL"
                                    "   THEN snippet ELSE ?18 END"
                                    " WHERE folder_id = ?1 AND uid = ?2",
                                    error);
      if (stmt == NULL)
        return FALSE;

      sqlite3_bind_int64 (stmt, 1, message->folder_id);
      sqlite3_bind_int64 (stmt, 2, message->uid);
      bind_summary (stmt, message);

      return _petrel_store_step_done (conn, stmt, error);
    }

  if (rc != SQLITE_DONE)
    {
      _petrel_store_set_error (error, conn->db, rc, _("Cannot store a message"));
      return FALSE;
    }

  g_clear_pointer (&lookup, sqlite3_reset);

insert:
  if (!_petrel_store_thread_message (conn, message, &conversation_id, error))
    return FALSE;

  stmt = _petrel_store_prepare (conn,
                                "INSERT INTO messages (folder_id, uid, modseq, flags, keywords,"
                                " internal_date, size, date, subject, from_name, from_addr,"
                                " to_text, cc_text, message_id, in_reply_to, references_text,"
                                " has_attachments, snippet, conversation_id)"
                                " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
                                "  ?14, ?15, ?16, ?17, ?18, ?19)",
                                error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, message->folder_id);
  sqlite3_bind_int64 (stmt, 2, message->uid);
  bind_summary (stmt, message);
  sqlite3_bind_int64 (stmt, 19, conversation_id);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
    {
      g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND,
                   _("No folder %" PRId64 " in the mail cache"), message->folder_id);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    {
      _petrel_store_set_error (error, conn->db, rc, _("Cannot store a message"));
      return FALSE;
    }

  message->id = sqlite3_last_insert_rowid (conn->db);
  message->conversation_id = conversation_id;
  message->body_present = FALSE;
  if (out_inserted != NULL)
    *out_inserted = TRUE;

  return in_batch || _petrel_store_add_new_row (conn, message->id, error);
}

/* The UIDs of the batch's first folder that are already stored, looked up with one range
 * query rather than one query per message: a first sync stores only new ones. */
static GHashTable *
batch_existing_uids (PetrelStoreConn  *conn,
                     GPtrArray        *messages,
                     GError          **error)
{
  g_autoptr(GHashTable) uids = g_hash_table_new (NULL, NULL);
  g_autoptr(PetrelStoreStmt) stmt = NULL;
  PetrelStoreMessage *first = g_ptr_array_index (messages, 0);
  guint32 low = G_MAXUINT32;
  guint32 high = 0;
  int rc;

  for (guint i = 0; i < messages->len; i++)
    {
      PetrelStoreMessage *message = g_ptr_array_index (messages, i);

      if (message->folder_id != first->folder_id)
        continue;
      low = MIN (low, message->uid);
      high = MAX (high, message->uid);
    }

  stmt = _petrel_store_prepare (conn,
                                "SELECT uid FROM messages WHERE folder_id = ?1"
                                " AND uid BETWEEN ?2 AND ?3",
                                error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, first->folder_id);
  sqlite3_bind_int64 (stmt, 2, low);
  sqlite3_bind_int64 (stmt, 3, high);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_hash_table_add (uids, GUINT_TO_POINTER ((guint32) sqlite3_column_int64 (stmt, 0)));
  if (rc != SQLITE_DONE)
    {
      _petrel_store_set_error (error, conn->db, rc, _("Cannot store messages"));
      return NULL;
    }

  return g_steal_pointer (&uids);
}

/**
 * petrel_store_upsert_message:
 * @message: (inout): a summary; @folder_id and @uid identify it
 *
 * Adds a message summary, or updates the one with the same folder and UID (its cached body,
 * snippet and conversation are kept). On return @message's id, conversation_id, date and
 * body_present hold what is stored.
 */
gboolean
petrel_store_upsert_message (PetrelStore         *self,
                             PetrelStoreMessage  *message,
                             GError             **error)
{
  g_auto(PetrelStoreWrite) write = { 0 };

  g_return_val_if_fail (PETREL_IS_STORE (self), FALSE);
  g_return_val_if_fail (message != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!_petrel_store_write_begin (self, &write, error))
    return FALSE;

  if (!store_upsert_message (write.conn, message, FALSE, FALSE, NULL, error))
    return FALSE;

  return _petrel_store_write_commit (&write, error);
}

/* Per folder, the rows a batch inserted that are not yet in the folder's counts. */
typedef struct
{
  gint64 total;
  gint64 unread;
} NewCounts;

static void
count_new_row (GHashTable               *counts,
               const PetrelStoreMessage *message)
{
  NewCounts *c = g_hash_table_lookup (counts, &message->folder_id);

  if (c == NULL)
    {
      gint64 *key = g_new (gint64, 1);

      *key = message->folder_id;
      c = g_new0 (NewCounts, 1);
      g_hash_table_insert (counts, key, c);
    }
  c->total++;
  if ((message->flags & PETREL_STORE_FLAG_SEEN) == 0)
    c->unread++;
}

/* Indexes and counts the rows inserted since @max_id, then moves @max_id past them: a batch's
 * new rows go into the full-text index with one statement (FTS5 writes a segment per
 * statement, see migration 4), and into the folder counts with one statement per folder from
 * @counts, which the batch kept as it inserted (#4: counting them in SQL walked the folder's
 * every row at each batch, quadratic over a big sync). @counts is emptied. */
static gboolean
flush_new_rows (PetrelStoreConn  *conn,
                gint64           *max_id,
                GHashTable       *counts,
                GError          **error)
{
  g_autoptr(PetrelStoreStmt) stmt = NULL;
  GHashTableIter iter;
  gpointer key;
  gpointer value;
  int rc;

  g_hash_table_iter_init (&iter, counts);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const NewCounts *c = value;

      stmt = _petrel_store_prepare (conn,
                                    "UPDATE folders SET total = total + ?2,"
                                    " unread = unread + ?3 WHERE id = ?1",
                                    error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, *(const gint64 *) key);
      sqlite3_bind_int64 (stmt, 2, c->total);
      sqlite3_bind_int64 (stmt, 3, c->unread);
      if (!_petrel_store_step_done (conn, stmt, error))
        return FALSE;
      g_clear_pointer (&stmt, sqlite3_reset);
    }
  g_hash_table_remove_all (counts);

  stmt = _petrel_store_prepare (conn,
                                "INSERT INTO messages_fts (rowid, subject, from_name, from_addr,"
                                " to_text, cc_text, body, attachments)"
                                " SELECT id, petrel_fts (subject), petrel_fts (from_name),"
                                "  petrel_fts (from_addr), petrel_fts (to_text),"
                                "  petrel_fts (cc_text), NULL, petrel_fts (attachment_names)"
                                " FROM messages WHERE id > ?1",
                                error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, *max_id);
  if (!_petrel_store_step_done (conn, stmt, error))
    return FALSE;
  g_clear_pointer (&stmt, sqlite3_reset);

  stmt = _petrel_store_prepare (conn, "SELECT coalesce (max (id), 0) FROM messages", error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      _petrel_store_set_error (error, conn->db, rc, _("Cannot store messages"));
      return FALSE;
    }
  *max_id = sqlite3_column_int64 (stmt, 0);

  return TRUE;
}

/**
 * petrel_store_upsert_messages:
 * @messages: (element-type PetrelStoreMessage): summaries, updated as by
 *   petrel_store_upsert_message()
 *
 * Stores a batch of summaries in one transaction: all or none. Batches of a few hundred keep
 * a 100,000-message sync fast while the list fills as each commits.
 */
gboolean
petrel_store_upsert_messages (PetrelStore  *self,
                              GPtrArray    *messages,
                              GError      **error)
{
  g_auto(PetrelStoreWrite) write = { 0 };
  g_autoptr(PetrelStoreStmt) stmt = NULL;
  g_autoptr(GHashTable) existing = NULL;
  g_autoptr(GHashTable) inserted = g_hash_table_new (NULL, NULL);
  g_autoptr(GHashTable) counts = g_hash_table_new_full (g_int64_hash, g_int64_equal,
                                                        g_free, g_free);
  gint64 folder_id;
  gint64 max_id;
  int rc;

  g_return_val_if_fail (PETREL_IS_STORE (self), FALSE);
  g_return_val_if_fail (messages != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (messages->len == 0)
    return TRUE;
  folder_id = ((PetrelStoreMessage *) g_ptr_array_index (messages, 0))->folder_id;

  if (!_petrel_store_write_begin (self, &write, error))
    return FALSE;

  /* New rows are indexed and counted together at the end (flush_new_rows()): they are
   * exactly those above the highest id now, as SQLite gives a new row the highest id plus
   * one. */
  stmt = _petrel_store_prepare (write.conn, "SELECT coalesce (max (id), 0) FROM messages", error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      _petrel_store_set_error (error, write.conn->db, rc, _("Cannot store messages"));
      return FALSE;
    }
  max_id = sqlite3_column_int64 (stmt, 0);
  g_clear_pointer (&stmt, sqlite3_reset);

  existing = batch_existing_uids (write.conn, messages, error);
  if (existing == NULL)
    return FALSE;

  for (guint i = 0; i < messages->len; i++)
    {
      PetrelStoreMessage *message = g_ptr_array_index (messages, i);
      gboolean is_new = FALSE;
      gboolean known_new = message->folder_id == folder_id &&
                           !g_hash_table_contains (existing, GUINT_TO_POINTER (message->uid));

      /* The same UID twice in a batch: the second is an update, whose triggers adjust the
       * counts of a row that must be counted (and indexed) first. */
      if (message->folder_id == folder_id &&
          g_hash_table_contains (inserted, GUINT_TO_POINTER (message->uid)) &&
          !flush_new_rows (write.conn, &max_id, counts, error))
        return FALSE;

      if (!store_upsert_message (write.conn, message, known_new, TRUE, &is_new, error))
        return FALSE;
      if (is_new)
        count_new_row (counts, message);
      g_hash_table_add (existing, GUINT_TO_POINTER (message->uid));
      if (known_new)
        g_hash_table_add (inserted, GUINT_TO_POINTER (message->uid));
    }

  if (!flush_new_rows (write.conn, &max_id, counts, error))
    return FALSE;

  return _petrel_store_write_commit (&write, error);
}

/**
 * petrel_store_update_flags:
 * @keywords: (nullable): space-separated keywords
 * @modseq: the new MODSEQ, or 0 to keep the stored one
 *
 * Sets a message's flags to exactly @flags and @keywords (a FETCH FLAGS response). Unread
 * counts follow. Fails with %PETREL_STORE_ERROR_NOT_FOUND for a UID that is not cached.
 */
gboolean
petrel_store_update_flags (PetrelStore       *self,
                           gint64             folder_id,
                           guint32            uid,
                           PetrelStoreFlags   flags,
                           const char        *keywords,
                           guint64            modseq,
                           GError           **error)
{
  g_auto(PetrelStoreWrite) write = { 0 };
  g_autoptr(PetrelStoreStmt) stmt = NULL;

  g_return_val_if_fail (PETREL_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!_petrel_store_write_begin (self, &write, error))
    return FALSE;

  stmt = _petrel_store_prepare (write.conn,
                                "UPDATE messages SET flags = ?3, keywords = ?4,"
                                " modseq = CASE WHEN ?5 != 0 THEN ?5 ELSE modseq END"
                                " WHERE folder_id = ?1 AND uid = ?2",
                                error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, folder_id);
  sqlite3_bind_int64 (stmt, 2, uid);
  sqlite3_bind_int (stmt, 3, flags & PETREL_STORE_FLAGS_ALL);
  _petrel_store_bind_text (stmt, 4, keywords != NULL && keywords[0] != '\0' ? keywords : NULL);
  sqlite3_bind_int64 (stmt, 5, clamp_modseq (modseq));

  if (!_petrel_store_step_done (write.conn, stmt, error))
    return FALSE;

  if (sqlite3_changes (write.conn->db) == 0)
    {
      set_message_not_found (error, folder_id, uid);
      return FALSE;
    }

  return _petrel_store_write_commit (&write, error);
}

/**
 * petrel_store_modify_flags:
 * @uids: (array length=n_uids): the messages
 * @add: flags to set
 * @remove: flags to clear
 *
 * Sets and clears system flags on several messages at once (a local change, e.g. "mark as
 * read"); UIDs that are not cached are skipped.
 */
gboolean
petrel_store_modify_flags (PetrelStore       *self,
                           gint64             folder_id,
                           const guint32     *uids,
                           gsize              n_uids,
                           PetrelStoreFlags   add,
                           PetrelStoreFlags   remove,
                           GError           **error)
{
  g_auto(PetrelStoreWrite) write = { 0 };

  g_return_val_if_fail (PETREL_IS_STORE (self), FALSE);
  g_return_val_if_fail (uids != NULL || n_uids == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!_petrel_store_write_begin (self, &write, error))
    return FALSE;

  for (gsize i = 0; i < n_uids; i++)
    {
      g_autoptr(PetrelStoreStmt) stmt = NULL;

      stmt = _petrel_store_prepare (write.conn,
                                    "UPDATE messages SET flags = (flags | ?3) & ~?4"
                                    " WHERE folder_id = ?1 AND uid = ?2",
                                    error);
      if (stmt == NULL)
        return FALSE;

      sqlite3_bind_int64 (stmt, 1, folder_id);
      sqlite3_bind_int64 (stmt, 2, uids[i]);
      sqlite3_bind_int (stmt, 3, add & PETREL_STORE_FLAGS_ALL);
      sqlite3_bind_int (stmt, 4, remove & PETREL_STORE_FLAGS_ALL);

      if (!_petrel_store_step_done (write.conn, stmt, error))
        return FALSE;
    }

  return _petrel_store_write_commit (&write, error);
}

/**
 * petrel_store_expunge_uids:
 * @uids: (array length=n_uids): UIDs the server expunged
 * @out_removed: (out) (optional): how many were cached and are now removed
 *
 * Removes messages with their files and search rows; conversations left empty go too.
 */
gboolean
petrel_store_expunge_uids (PetrelStore    *self,
                           gint64          folder_id,
                           const guint32  *uids,
                           gsize           n_uids,
                           guint          *out_removed,
                           GError        **error)
{
  g_auto(PetrelStoreWrite) write = { 0 };
  guint removed = 0;

  g_return_val_if_fail (PETREL_IS_STORE (self), FALSE);
  g_return_val_if_fail (uids != NULL || n_uids == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!_petrel_store_write_begin (self, &write, error))
    return FALSE;

  for (gsize i = 0; i < n_uids; i++)
    {
      g_autoptr(PetrelStoreStmt) stmt = NULL;
      g_autofree char *relpath = NULL;
      int rc;

      stmt = _petrel_store_prepare (write.conn,
                                    "DELETE FROM messages WHERE folder_id = ?1 AND uid = ?2"
                                    " RETURNING body_path",
                                    error);
      if (stmt == NULL)
        return FALSE;

      sqlite3_bind_int64 (stmt, 1, folder_id);
      sqlite3_bind_int64 (stmt, 2, uids[i]);

      rc = sqlite3_step (stmt);
      if (rc == SQLITE_DONE)
        continue;
      if (rc != SQLITE_ROW)
        {
          _petrel_store_set_error (error, write.conn->db, rc, _("Cannot remove a message"));
          return FALSE;
        }

      removed++;

      /* The file may exist even if body_present is 0 (a write whose row update failed). */
      relpath = _petrel_store_message_relpath (folder_id, uids[i]);
      _petrel_store_queue_unlink (self, g_build_filename (self->messages_dir, relpath, NULL));

      if (sqlite3_column_type (stmt, 0) == SQLITE_TEXT &&
          g_strcmp0 ((const char *) sqlite3_column_text (stmt, 0), relpath) != 0)
        _petrel_store_queue_unlink (self,
                                    g_build_filename (self->messages_dir,
                                                      sqlite3_column_text (stmt, 0), NULL));
    }

  if (!_petrel_store_write_commit (&write, error))
    return FALSE;

  if (out_removed != NULL)
    *out_removed = removed;

  return TRUE;
}

static void
clear_uid_info (gpointer data)
{
  PetrelStoreUidInfo *info = data;

  g_clear_pointer (&info->keywords, g_free);
}

static gboolean
add_uid_info (sqlite3_stmt *stmt,
              gpointer      user_data)
{
  GArray *uids = user_data;
  PetrelStoreUidInfo info;

  info.uid = (guint32) sqlite3_column_int64 (stmt, 0);
  info.flags = (PetrelStoreFlags) sqlite3_column_int (stmt, 1) & PETREL_STORE_FLAGS_ALL;
  info.modseq = (guint64) sqlite3_column_int64 (stmt, 2);
  info.keywords = _petrel_store_column_dup (stmt, 3);
  g_array_append_val (uids, info);

  return TRUE;
}

/**
 * petrel_store_list_uids:
 *
 * Returns: (transfer full) (element-type PetrelStoreUidInfo): UID, flags, MODSEQ and
 *   keywords of every cached message of the folder, by increasing UID
 */
GArray *
petrel_store_list_uids (PetrelStore  *self,
                        gint64        folder_id,
                        GError      **error)
{
  g_autoptr(GArray) uids = NULL;

  g_return_val_if_fail (PETREL_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  uids = g_array_new (FALSE, FALSE, sizeof (PetrelStoreUidInfo));
  g_array_set_clear_func (uids, clear_uid_info);

  if (!_petrel_store_read_each (self,
                                "SELECT uid, flags, modseq, keywords FROM messages"
                                " WHERE folder_id = ?1 ORDER BY uid",
                                &folder_id, 1, add_uid_info, uids, _("Cannot list messages"),
                                error))
    return NULL;

  return g_steal_pointer (&uids);
}

/**
 * petrel_store_get_max_uid:
 * @out_uid: (out): the highest cached UID of the folder, 0 if it has none
 */
gboolean
petrel_store_get_max_uid (PetrelStore  *self,
                          gint64        folder_id,
                          guint32      *out_uid,
                          GError      **error)
{
  gint64 max_uid;

  g_return_val_if_fail (PETREL_IS_STORE (self), FALSE);
  g_return_val_if_fail (out_uid != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!_petrel_store_read_int64s (self, "SELECT max (uid) FROM messages WHERE folder_id = ?1",
                                  &folder_id, 1, &max_uid, 1, _("Cannot list messages"), error))
    return FALSE;

  *out_uid = (guint32) max_uid;

  return TRUE;
}

static gboolean
add_uid (sqlite3_stmt *stmt,
         gpointer      user_data)
{
  GArray *uids = user_data;
  guint32 uid = (guint32) sqlite3_column_int64 (stmt, 0);

  g_array_append_val (uids, uid);
  return TRUE;
}

/**
 * petrel_store_list_uids_without_body:
 * @limit: at most this many, 0 for all
 *
 * For body prefetching.
 *
 * Returns: (transfer full) (element-type guint32): UIDs of the folder's messages whose body is
 *   not cached, newest first
 */
GArray *
petrel_store_list_uids_without_body (PetrelStore  *self,
                                     gint64        folder_id,
                                     guint         limit,
                                     GError      **error)
{
  const gint64 params[] = { folder_id, limit > 0 ? (gint64) limit : -1 };
  g_autoptr(GArray) uids = NULL;

  g_return_val_if_fail (PETREL_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  if (!_petrel_store_read_each (self,
                                "SELECT uid FROM messages m"
                                " WHERE folder_id = ?1 AND body_present = 0"
                                " ORDER BY date DESC, uid DESC LIMIT ?2",
                                params, G_N_ELEMENTS (params), add_uid, uids,
                                _("Cannot list messages"), error))
    return NULL;

  return g_steal_pointer (&uids);
}

/**
 * petrel_store_get_message:
 *
 * Returns: (transfer full): the summary, or %NULL with %PETREL_STORE_ERROR_NOT_FOUND
 */
PetrelStoreMessage *
petrel_store_get_message (PetrelStore  *self,
                          gint64        folder_id,
                          guint32       uid,
                          GError      **error)
{
  const gint64 params[] = { folder_id, uid };
  PetrelStoreMessage *message;

  g_return_val_if_fail (PETREL_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!_petrel_store_read_row (self,
                               "SELECT " PETREL_STORE_MESSAGE_COLUMNS " FROM messages m"
                               " WHERE m.folder_id = ?1 AND m.uid = ?2",
                               params, G_N_ELEMENTS (params),
                               (PetrelStoreRowFunc) _petrel_store_message_from_row,
                               (gpointer *) &message, _("Cannot read a message"), error))
    return NULL;

  if (message == NULL)
    set_message_not_found (error, folder_id, uid);

  return message;
}

/**
 * petrel_store_list_messages:
 * @offset: rows to skip
 * @limit: at most this many rows, 0 for all
 *
 * Lists a folder newest first: by date (the Date header, or INTERNALDATE without one), ties
 * by decreasing UID. Served from the (folder_id, date, uid) index, so a page costs the same at
 * the top of a 100,000-message folder as in a small one.
 *
 * Returns: (transfer full) (element-type PetrelStoreMessage): the page
 */
GPtrArray *
petrel_store_list_messages (PetrelStore  *self,
                            gint64        folder_id,
                            guint         offset,
                            guint         limit,
                            GError      **error)
{
  const gint64 params[] = { folder_id, limit > 0 ? (gint64) limit : -1, offset };

  g_return_val_if_fail (PETREL_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return _petrel_store_read_rows (self,
                                  "SELECT " PETREL_STORE_MESSAGE_COLUMNS " FROM messages m"
                                  " WHERE m.folder_id = ?1"
                                  " ORDER BY m.date DESC, m.uid DESC LIMIT ?2 OFFSET ?3",
                                  params, G_N_ELEMENTS (params),
                                  (PetrelStoreRowFunc) _petrel_store_message_from_row,
                                  (GDestroyNotify) petrel_store_message_free,
                                  _("Cannot list messages"), error);
}

/**
 * petrel_store_list_conversation:
 *
 * Returns: (transfer full) (element-type PetrelStoreMessage): the messages of a conversation
 *   in every folder, oldest first, with folder_path set
 */
GPtrArray *
petrel_store_list_conversation (PetrelStore  *self,
                                gint64        conversation_id,
                                GError      **error)
{
  g_return_val_if_fail (PETREL_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return _petrel_store_read_rows (self,
                                  "SELECT " PETREL_STORE_MESSAGE_COLUMNS ", f.path"
                                  " FROM messages m JOIN folders f ON f.id = m.folder_id"
                                  " WHERE m.conversation_id = ?1"
                                  " ORDER BY m.date, m.id",
                                  &conversation_id, 1,
                                  (PetrelStoreRowFunc) _petrel_store_message_with_path_from_row,
                                  (GDestroyNotify) petrel_store_message_free,
                                  _("Cannot list a conversation"), error);
}
