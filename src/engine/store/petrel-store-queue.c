/* petrel-store-queue.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <inttypes.h>
#include <glib/gi18n-lib.h>
#include "petrel-store-private.h"

/*
 * The outbox and the replay queue are user data kept in store.db so that a change and its
 * queue entry can be written in one transaction (wrap both in petrel_store_begin/commit).
 * Only storage lives here; the sync layer owns what the states mean.
 */

static gint64
now_unix (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static gboolean
run_write (PetrelStore   *self,
           const char    *sql,
           gint64         id,
           GError       **error)
{
  g_auto(PetrelStoreWrite) write = { 0 };
  g_autoptr(PetrelStoreStmt) stmt = NULL;

  if (!_petrel_store_write_begin (self, &write, error))
    return FALSE;

  stmt = _petrel_store_prepare (write.conn, sql, error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, id);
  if (!_petrel_store_step_done (write.conn, stmt, error))
    return FALSE;

  if (sqlite3_changes (write.conn->db) == 0)
    {
      g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND,
                   _("No queue entry %" PRId64), id);
      return FALSE;
    }

  return _petrel_store_write_commit (&write, error);
}

/**
 * petrel_store_outbox_add:
 * @raw: the message to submit
 * @recipients: envelope recipients, encoded as the outbox logic likes
 * @subject: (nullable): for display
 * @out_id: (out) (optional): the new entry's id
 *
 * Queues a message in state "queued".
 */
gboolean
petrel_store_outbox_add (PetrelStore  *self,
                         GBytes       *raw,
                         const char   *recipients,
                         const char   *subject,
                         gint64       *out_id,
                         GError      **error)
{
  g_auto(PetrelStoreWrite) write = { 0 };
  g_autoptr(PetrelStoreStmt) stmt = NULL;
  gconstpointer data;
  gsize len;

  g_return_val_if_fail (PETREL_IS_STORE (self), FALSE);
  g_return_val_if_fail (raw != NULL, FALSE);
  g_return_val_if_fail (recipients != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!_petrel_store_write_begin (self, &write, error))
    return FALSE;

  stmt = _petrel_store_prepare (write.conn,
                                "INSERT INTO outbox (created, raw, recipients, subject)"
                                " VALUES (?1, ?2, ?3, ?4)",
                                error);
  if (stmt == NULL)
    return FALSE;

  data = g_bytes_get_data (raw, &len);
  sqlite3_bind_int64 (stmt, 1, now_unix ());
  /* A zero-length blob would bind as NULL with a NULL pointer. */
  sqlite3_bind_blob64 (stmt, 2, data != NULL ? data : "", len, SQLITE_STATIC);
  _petrel_store_bind_text (stmt, 3, recipients);
  _petrel_store_bind_text (stmt, 4, subject);
  if (!_petrel_store_step_done (write.conn, stmt, error))
    return FALSE;

  if (out_id != NULL)
    *out_id = sqlite3_last_insert_rowid (write.conn->db);

  return _petrel_store_write_commit (&write, error);
}

static PetrelStoreOutboxItem *
outbox_item_from_row (sqlite3_stmt *stmt)
{
  PetrelStoreOutboxItem *item = g_new0 (PetrelStoreOutboxItem, 1);

  item->id = sqlite3_column_int64 (stmt, 0);
  item->created = sqlite3_column_int64 (stmt, 1);
  item->state = _petrel_store_column_dup (stmt, 2);
  item->raw = g_bytes_new (sqlite3_column_blob (stmt, 3), sqlite3_column_bytes (stmt, 3));
  item->recipients = _petrel_store_column_dup (stmt, 4);
  item->subject = _petrel_store_column_dup (stmt, 5);
  item->attempts = (guint) MAX (sqlite3_column_int (stmt, 6), 0);
  item->last_error = _petrel_store_column_dup (stmt, 7);
  item->sent_at = sqlite3_column_int64 (stmt, 8);
  item->saved_to_sent = sqlite3_column_int (stmt, 9) != 0;

  return item;
}

#define OUTBOX_COLUMNS \
  "id, created, state, raw, recipients, subject, attempts, last_error, sent_at, saved_to_sent"

/**
 * petrel_store_outbox_list:
 *
 * Returns: (transfer full) (element-type PetrelStoreOutboxItem): every outbox entry, oldest
 *   first
 */
GPtrArray *
petrel_store_outbox_list (PetrelStore  *self,
                          GError      **error)
{
  g_return_val_if_fail (PETREL_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return _petrel_store_read_rows (self, "SELECT " OUTBOX_COLUMNS " FROM outbox ORDER BY id",
                                  NULL, 0,
                                  (PetrelStoreRowFunc) outbox_item_from_row,
                                  (GDestroyNotify) petrel_store_outbox_item_free,
                                  _("Cannot read the outbox"), error);
}

/**
 * petrel_store_outbox_get:
 *
 * Returns: (transfer full): the entry, or %NULL with %PETREL_STORE_ERROR_NOT_FOUND
 */
PetrelStoreOutboxItem *
petrel_store_outbox_get (PetrelStore  *self,
                         gint64        id,
                         GError      **error)
{
  PetrelStoreOutboxItem *item;

  g_return_val_if_fail (PETREL_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!_petrel_store_read_row (self, "SELECT " OUTBOX_COLUMNS " FROM outbox WHERE id = ?1",
                               &id, 1,
                               (PetrelStoreRowFunc) outbox_item_from_row,
                               (gpointer *) &item, _("Cannot read the outbox"), error))
    return NULL;

  if (item == NULL)
    g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND,
                 _("No outbox entry %" PRId64), id);

  return item;
}

/**
 * petrel_store_outbox_update:
 * @item: the entry (by @id); its state, attempts, last_error, sent_at and saved_to_sent are
 *   stored (the message itself never changes)
 */
gboolean
petrel_store_outbox_update (PetrelStore                  *self,
                            const PetrelStoreOutboxItem  *item,
                            GError                      **error)
{
  g_auto(PetrelStoreWrite) write = { 0 };
  g_autoptr(PetrelStoreStmt) stmt = NULL;

  g_return_val_if_fail (PETREL_IS_STORE (self), FALSE);
  g_return_val_if_fail (item != NULL && item->state != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!_petrel_store_write_begin (self, &write, error))
    return FALSE;

  stmt = _petrel_store_prepare (write.conn,
                                "UPDATE outbox SET state = ?2, attempts = ?3, last_error = ?4,"
                                " sent_at = ?5, saved_to_sent = ?6,"
                                " recipients = COALESCE (?7, recipients) WHERE id = ?1",
                                error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, item->id);
  _petrel_store_bind_text (stmt, 2, item->state);
  sqlite3_bind_int64 (stmt, 3, item->attempts);
  _petrel_store_bind_text (stmt, 4, item->last_error);
  sqlite3_bind_int64 (stmt, 5, item->sent_at);
  sqlite3_bind_int (stmt, 6, item->saved_to_sent);
  _petrel_store_bind_text (stmt, 7, item->recipients);
  if (!_petrel_store_step_done (write.conn, stmt, error))
    return FALSE;

  if (sqlite3_changes (write.conn->db) == 0)
    {
      g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND,
                   _("No outbox entry %" PRId64), item->id);
      return FALSE;
    }

  return _petrel_store_write_commit (&write, error);
}

gboolean
petrel_store_outbox_delete (PetrelStore  *self,
                            gint64        id,
                            GError      **error)
{
  g_return_val_if_fail (PETREL_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return run_write (self, "DELETE FROM outbox WHERE id = ?1", id, error);
}

/**
 * petrel_store_replay_add:
 * @kind: what the change is ("flags", "move", …)
 * @payload_json: a JSON document describing it; anything else fails with
 *   %PETREL_STORE_ERROR_INVALID_ARGUMENT
 * @out_id: (out) (optional): the entry's id (entries replay in id order)
 *
 * Queues a local change in state "pending".
 */
gboolean
petrel_store_replay_add (PetrelStore  *self,
                         const char   *kind,
                         const char   *payload_json,
                         gint64       *out_id,
                         GError      **error)
{
  g_auto(PetrelStoreWrite) write = { 0 };
  g_autoptr(PetrelStoreStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (PETREL_IS_STORE (self), FALSE);
  g_return_val_if_fail (kind != NULL, FALSE);
  g_return_val_if_fail (payload_json != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!_petrel_store_write_begin (self, &write, error))
    return FALSE;

  stmt = _petrel_store_prepare (write.conn,
                                "INSERT INTO replay_queue (created, kind, payload)"
                                " VALUES (?1, ?2, ?3)",
                                error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, now_unix ());
  _petrel_store_bind_text (stmt, 2, kind);
  _petrel_store_bind_text (stmt, 3, payload_json);

  rc = sqlite3_step (stmt);
  if ((rc & 0xff) == SQLITE_CONSTRAINT)
    {
      g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_INVALID_ARGUMENT,
                   _("The payload of a queued “%s” change is not valid JSON"), kind);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    {
      _petrel_store_set_error (error, write.conn->db, rc, _("Cannot queue a change"));
      return FALSE;
    }

  if (out_id != NULL)
    *out_id = sqlite3_last_insert_rowid (write.conn->db);

  return _petrel_store_write_commit (&write, error);
}

static PetrelStoreReplayOp *
replay_op_from_row (sqlite3_stmt *stmt)
{
  PetrelStoreReplayOp *op = g_new0 (PetrelStoreReplayOp, 1);

  op->id = sqlite3_column_int64 (stmt, 0);
  op->created = sqlite3_column_int64 (stmt, 1);
  op->kind = _petrel_store_column_dup (stmt, 2);
  op->payload = _petrel_store_column_dup (stmt, 3);
  op->state = _petrel_store_column_dup (stmt, 4);
  op->attempts = (guint) MAX (sqlite3_column_int (stmt, 5), 0);
  op->last_error = _petrel_store_column_dup (stmt, 6);

  return op;
}

/**
 * petrel_store_replay_list:
 *
 * Returns: (transfer full) (element-type PetrelStoreReplayOp): every queued change, in the
 *   order they were made
 */
GPtrArray *
petrel_store_replay_list (PetrelStore  *self,
                          GError      **error)
{
  g_return_val_if_fail (PETREL_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return _petrel_store_read_rows (self,
                                  "SELECT id, created, kind, payload, state, attempts, last_error"
                                  " FROM replay_queue ORDER BY id",
                                  NULL, 0,
                                  (PetrelStoreRowFunc) replay_op_from_row,
                                  (GDestroyNotify) petrel_store_replay_op_free,
                                  _("Cannot read the replay queue"), error);
}

/**
 * petrel_store_replay_update:
 * @op: the entry (by @id); its payload, state, attempts and last_error are stored
 */
gboolean
petrel_store_replay_update (PetrelStore                *self,
                            const PetrelStoreReplayOp  *op,
                            GError                    **error)
{
  g_auto(PetrelStoreWrite) write = { 0 };
  g_autoptr(PetrelStoreStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (PETREL_IS_STORE (self), FALSE);
  g_return_val_if_fail (op != NULL && op->payload != NULL && op->state != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!_petrel_store_write_begin (self, &write, error))
    return FALSE;

  stmt = _petrel_store_prepare (write.conn,
                                "UPDATE replay_queue SET payload = ?2, state = ?3,"
                                " attempts = ?4, last_error = ?5 WHERE id = ?1",
                                error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, op->id);
  _petrel_store_bind_text (stmt, 2, op->payload);
  _petrel_store_bind_text (stmt, 3, op->state);
  sqlite3_bind_int64 (stmt, 4, op->attempts);
  _petrel_store_bind_text (stmt, 5, op->last_error);

  rc = sqlite3_step (stmt);
  if ((rc & 0xff) == SQLITE_CONSTRAINT)
    {
      g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_INVALID_ARGUMENT,
                   _("The payload of queued change %" PRId64 " is not valid JSON"),
                   op->id);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    {
      _petrel_store_set_error (error, write.conn->db, rc, _("Cannot update a queued change"));
      return FALSE;
    }

  if (sqlite3_changes (write.conn->db) == 0)
    {
      g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND,
                   _("No queued change %" PRId64), op->id);
      return FALSE;
    }

  return _petrel_store_write_commit (&write, error);
}

gboolean
petrel_store_replay_delete (PetrelStore  *self,
                            gint64        id,
                            GError      **error)
{
  g_return_val_if_fail (PETREL_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return run_write (self, "DELETE FROM replay_queue WHERE id = ?1", id, error);
}
