/* petrel-changes-xmove.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Moving and copying messages to another account (issue #8): the local half. The target's
 * store gets the messages (rows and bytes, under provisional UIDs) and its queue the change
 * in one transaction; only then do the originals leave the source's store, with the source's
 * half of the change queued. A crash between the two is mended by the target's replay, which
 * queues the source's half itself when it is missing (petrel-xmove-private.h has the rest).
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "mime/petrel-mime-text.h"

#include "petrel-changes.h"
#include "petrel-sync.h"
#include "petrel-sync-private.h"
#include "petrel-xmove-private.h"

gboolean
_petrel_xmove_is_kind (const char *kind)
{
  return g_strcmp0 (kind, PETREL_XMOVE_KIND_MOVE) == 0 ||
         g_strcmp0 (kind, PETREL_XMOVE_KIND_COPY) == 0 ||
         g_strcmp0 (kind, PETREL_XMOVE_KIND_OUT) == 0;
}

void
_petrel_json_set_payload (PetrelStoreReplayOp *op,
                          JsonObject          *object)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (root, object);
  json_generator_set_root (generator, root);
  g_free (op->payload);
  op->payload = json_generator_to_data (generator, NULL);
}

static JsonObject *
parse_object (const char  *payload,
              GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (payload != NULL && json_parser_load_from_data (parser, payload, -1, NULL) &&
      (root = json_parser_get_root (parser)) != NULL && JSON_NODE_HOLDS_OBJECT (root))
    return json_object_ref (json_node_get_object (root));

  g_set_error_literal (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_CORRUPT,
                       _("A queued change is damaged"));
  return NULL;
}

/* The store of the account @account_id beside the one of @store (same data directory). */
PetrelStore *
_petrel_xmove_open_store (PetrelStore  *store,
                          const char   *account_id,
                          GError      **error)
{
  g_autofree char *parent = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *db = NULL;

  if (account_id == NULL || *account_id == '\0' || *account_id == '.' ||
      strchr (account_id, G_DIR_SEPARATOR) != NULL)
    {
      g_set_error_literal (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_CORRUPT,
                           _("A queued change is damaged"));
      return NULL;
    }

  parent = g_path_get_dirname (petrel_store_get_directory (store));
  dir = g_build_filename (parent, account_id, NULL);
  db = g_build_filename (dir, "store.db", NULL);
  if (!g_file_test (db, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, PETREL_SYNC_ERROR, PETREL_SYNC_ERROR_FAILED,
                   _("The account “%s” is not set up here any more"), account_id);
      return NULL;
    }
  return petrel_store_open (dir, error);
}

/**
 * _petrel_xmove_find_op:
 * @kind: (nullable): only changes of this kind
 * @id: the change with this id, or 0
 * @xid: the change whose payload names this "xid", or 0
 *
 * Returns: (nullable): a copy of the change; %NULL with no error when there is none
 */
PetrelStoreReplayOp *
_petrel_xmove_find_op (PetrelStore  *store,
                       const char   *kind,
                       gint64        id,
                       gint64        xid,
                       GError      **error)
{
  g_autoptr(GPtrArray) ops = petrel_store_replay_list (store, error);

  for (guint i = 0; ops != NULL && i < ops->len; i++)
    {
      PetrelStoreReplayOp *op = g_ptr_array_index (ops, i);

      if (kind != NULL && g_strcmp0 (op->kind, kind) != 0)
        continue;
      if (id != 0 && op->id == id)
        return petrel_store_replay_op_copy (op);
      if (xid != 0)
        {
          g_autoptr(JsonObject) object = parse_object (op->payload, NULL);

          if (object != NULL && json_object_get_int_member_with_default (object, "xid", 0) == xid)
            return petrel_store_replay_op_copy (op);
        }
    }
  return NULL;
}

gboolean
_petrel_xmove_ensure_out (PetrelStore  *source,
                          JsonObject   *in_object,
                          const char   *target_id,
                          gint64        xid,
                          gboolean      appended,
                          GError      **error)
{
  g_autoptr(PetrelStoreReplayOp) existing = NULL;
  g_autoptr(PetrelStoreFolder) folder = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GArray) uids = _petrel_json_get_uids (in_object, "from_uids");
  const char *folder_path = _petrel_json_get_string (in_object, "from_folder");
  gboolean ok = TRUE;

  if (folder_path == NULL)
    {
      g_set_error_literal (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_CORRUPT,
                           _("A queued change is damaged"));
      return FALSE;
    }

  if (!petrel_store_begin (source, error))
    return FALSE;

  existing = _petrel_xmove_find_op (source, PETREL_XMOVE_KIND_OUT, 0, xid, &local_error);
  if (local_error != NULL)
    ok = FALSE;
  else if (existing != NULL)
    {
      g_autoptr(JsonObject) object = parse_object (existing->payload, &local_error);

      ok = object != NULL;
      if (ok && appended && !json_object_get_boolean_member_with_default (object, "appended",
                                                                          FALSE))
        {
          json_object_set_boolean_member (object, "appended", TRUE);
          _petrel_json_set_payload (existing, object);
          ok = petrel_store_replay_update (source, existing, &local_error);
        }
    }
  else
    {
      g_autoptr(JsonObject) object = json_object_new ();
      g_autoptr(PetrelStoreReplayOp) op = g_new0 (PetrelStoreReplayOp, 1);

      /* The originals leave the list now; the server deletes them once they are there. */
      folder = petrel_store_get_folder_by_path (source, folder_path, NULL);
      if (folder != NULL)
        ok = petrel_store_expunge_uids (source, folder->id, (const guint32 *) uids->data,
                                        uids->len, NULL, &local_error);

      json_object_set_string_member (object, "folder", folder_path);
      json_object_set_int_member (object, "uidvalidity",
                                  json_object_get_int_member_with_default (in_object,
                                                                           "from_uidvalidity",
                                                                           0));
      _petrel_json_set_uids (object, "uids", uids);
      json_object_set_string_member (object, "to_account", target_id);
      json_object_set_string_member (object, "to_folder",
                                     _petrel_json_get_string (in_object, "to"));
      json_object_set_int_member (object, "xid", xid);
      json_object_set_boolean_member (object, "appended", appended);
      _petrel_json_set_payload (op, object);
      ok = ok && petrel_store_replay_add (source, PETREL_XMOVE_KIND_OUT, op->payload, NULL,
                                          &local_error);
    }

  if (!ok)
    {
      petrel_store_rollback (source);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return petrel_store_commit (source, error);
}

char *
_petrel_xmove_describe (const PetrelStoreReplayOp *op,
                        JsonObject                *object)
{
  if (g_str_equal (op->kind, PETREL_XMOVE_KIND_OUT))
    {
      g_autoptr(GArray) uids = _petrel_json_get_uids (object, "uids");

      return g_strdup_printf (_("Move %u message(s) from “%s” to “%s” of %s"), uids->len,
                              _petrel_json_get_string (object, "folder"),
                              _petrel_json_get_string (object, "to_folder"),
                              _petrel_json_get_string (object, "to_account"));
    }
  else
    {
      g_autoptr(GArray) uids = _petrel_json_get_uids (object, "from_uids");

      return g_strdup_printf (g_str_equal (op->kind, PETREL_XMOVE_KIND_COPY)
                                ? _("Copy %u message(s) from “%s” of %s to “%s”")
                                : _("Move %u message(s) from “%s” of %s to “%s”"),
                              uids->len, _petrel_json_get_string (object, "from_folder"),
                              _petrel_json_get_string (object, "from_account"),
                              _petrel_json_get_string (object, "to"));
    }
}

/* Caches @raw for (@folder_id, @uid), whose summary is stored. */
static gboolean
store_bytes (PetrelStore  *store,
             gint64        folder_id,
             guint32       uid,
             GBytes       *raw,
             GError      **error)
{
  g_autoptr(PetrelMimeBody) body = petrel_mime_body_new_from_bytes (raw);
  g_autoptr(GPtrArray) names = g_ptr_array_new_null_terminated (4, NULL, TRUE);

  for (guint i = 0; body != NULL && body->attachments != NULL && i < body->attachments->len; i++)
    {
      PetrelMimeAttachment *attachment = g_ptr_array_index (body->attachments, i);

      if (attachment->filename != NULL)
        g_ptr_array_add (names, attachment->filename);
    }

  return petrel_store_set_body (store, folder_id, uid, raw, body != NULL ? body->text : NULL,
                                body != NULL ? body->snippet : NULL,
                                body != NULL && body->has_attachments,
                                (const char * const *) names->pdata, error);
}

/* @row, stored again as (@folder_id, @uid) of @store with @raw. */
static gboolean
store_row (PetrelStore               *store,
           const PetrelStoreMessage  *row,
           gint64                     folder_id,
           guint32                    uid,
           GBytes                    *raw,
           GError                   **error)
{
  g_autoptr(PetrelStoreMessage) copy = petrel_store_message_copy (row);

  copy->id = 0;
  copy->folder_id = folder_id;
  copy->uid = uid;
  copy->modseq = 0;
  copy->conversation_id = 0;
  copy->body_present = FALSE;
  g_clear_pointer (&copy->folder_path, g_free);

  return petrel_store_upsert_message (store, copy, error) &&
         (raw == NULL || store_bytes (store, folder_id, uid, raw, error));
}

/* The bytes of a message, from the cache or (unless offline) the server. */
static GBytes *
read_original (PetrelAccount              *account,
               PetrelStore                *store,
               const PetrelStoreFolder    *folder,
               const PetrelStoreMessage   *row,
               PetrelChangesTransferFlags  flags,
               GCancellable               *cancellable,
               GError                    **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *what = NULL;
  GBytes *raw = NULL;

  if (petrel_store_read_message (store, folder->id, row->uid, &raw, &local_error))
    return raw;
  if (!g_error_matches (local_error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NEEDS_REFETCH) &&
      !g_error_matches (local_error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  g_clear_error (&local_error);

  what = row->subject != NULL && *row->subject != '\0'
    ? g_strdup (row->subject) : g_strdup_printf ("UID %u", row->uid);
  if ((flags & PETREL_CHANGES_TRANSFER_OFFLINE) != 0 || _petrel_uid_is_provisional (row->uid))
    {
      g_set_error (error, PETREL_SYNC_ERROR, PETREL_SYNC_ERROR_FAILED,
                   _("The message “%s” is not downloaded yet, so it cannot go to another "
                     "account while offline"), what);
      return NULL;
    }

  if (!petrel_sync_fetch_body (account, folder->path, row->uid, cancellable, &local_error) ||
      !petrel_store_read_message (store, folder->id, row->uid, &raw, &local_error))
    {
      g_set_error (error, PETREL_SYNC_ERROR, PETREL_SYNC_ERROR_FAILED,
                   _("The message “%s” is not downloaded yet and cannot be fetched now: %s"),
                   what, local_error->message);
      return NULL;
    }
  return raw;
}

static JsonNode *
build_in_payload (const char              *source_id,
                  const PetrelStoreFolder *folder,
                  const guint32           *uids,
                  const PetrelStoreFolder *dest,
                  GArray                  *provisional,
                  GPtrArray               *rows)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "to");
  json_builder_add_string_value (builder, dest->path);
  _petrel_changes_add_uids (builder, "provisional", (const guint32 *) provisional->data, provisional->len);
  json_builder_set_member_name (builder, "flags");
  json_builder_begin_array (builder);
  for (guint i = 0; i < rows->len; i++)
    {
      const PetrelStoreMessage *row = g_ptr_array_index (rows, i);
      g_auto(GStrv) flags = petrel_store_flags_to_strv (row->flags, row->keywords);

      json_builder_begin_array (builder);
      for (guint j = 0; flags[j] != NULL; j++)
        json_builder_add_string_value (builder, flags[j]);
      json_builder_end_array (builder);
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "dates");
  json_builder_begin_array (builder);
  for (guint i = 0; i < rows->len; i++)
    json_builder_add_int_value (builder,
                                ((const PetrelStoreMessage *) g_ptr_array_index (rows, i))->internal_date);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "message_ids");
  json_builder_begin_array (builder);
  for (guint i = 0; i < rows->len; i++)
    {
      const PetrelStoreMessage *row = g_ptr_array_index (rows, i);

      json_builder_add_string_value (builder, row->message_id != NULL ? row->message_id : "");
    }
  json_builder_end_array (builder);
  _petrel_changes_add_uids (builder, "states", NULL, rows->len);
  _petrel_changes_add_uids (builder, "dest_uids", NULL, rows->len);
  json_builder_set_member_name (builder, "from_account");
  json_builder_add_string_value (builder, source_id);
  json_builder_set_member_name (builder, "from_folder");
  json_builder_add_string_value (builder, folder->path);
  json_builder_set_member_name (builder, "from_uidvalidity");
  json_builder_add_int_value (builder, folder->uidvalidity);
  _petrel_changes_add_uids (builder, "from_uids", uids, rows->len);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

gboolean
petrel_changes_move_to_account (PetrelAccount               *account,
                                const char                  *folder_path,
                                const guint32               *uids,
                                guint                        n_uids,
                                PetrelAccount               *target,
                                const char                  *destination,
                                PetrelChangesTransferFlags   flags,
                                gint64                      *out_change_id,
                                GCancellable                *cancellable,
                                GError                     **error)
{
  g_autoptr(PetrelStoreFolder) folder = NULL;
  g_autoptr(PetrelStoreFolder) dest = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) petrel_store_message_free);
  g_autoptr(GPtrArray) raws = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GArray) provisional = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(JsonNode) payload = NULL;
  g_autofree char *payload_text = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean copy = (flags & PETREL_CHANGES_TRANSFER_COPY) != 0;
  PetrelStore *source;
  PetrelStore *store;
  guint32 next;
  gint64 xid = 0;
  gboolean ok;

  g_return_val_if_fail (PETREL_IS_ACCOUNT (account), FALSE);
  g_return_val_if_fail (PETREL_IS_ACCOUNT (target), FALSE);
  g_return_val_if_fail (folder_path != NULL && destination != NULL, FALSE);

  if (account == target ||
      g_strcmp0 (petrel_account_get_id (account), petrel_account_get_id (target)) == 0)
    {
      ok = copy
        ? petrel_changes_copy (account, folder_path, uids, n_uids, destination, error)
        : petrel_changes_move (account, folder_path, uids, n_uids, destination, error);
      return ok && (out_change_id == NULL ||
                    petrel_changes_last_id (account, out_change_id, error));
    }

  source = petrel_account_get_store (account, error);
  if (source == NULL || (folder = _petrel_changes_folder_for (source, folder_path, error)) == NULL ||
      !_petrel_changes_check_uids (source, folder, uids, n_uids, error) ||
      (store = petrel_account_get_store (target, error)) == NULL ||
      (dest = _petrel_changes_folder_for (store, destination, error)) == NULL)
    return FALSE;

  /* Every message's bytes on this disk before anything changes. */
  for (guint i = 0; i < n_uids; i++)
    {
      PetrelStoreMessage *row = petrel_store_get_message (source, folder->id, uids[i], error);
      GBytes *raw;

      if (row == NULL)
        return FALSE;
      g_ptr_array_add (rows, row);
      raw = read_original (account, source, folder, row, flags, cancellable, error);
      if (raw == NULL)
        return FALSE;
      g_ptr_array_add (raws, raw);
    }

  /* The target's half, bytes included, in one transaction: from here nothing can be lost. */
  if (!petrel_store_begin (store, error))
    return FALSE;
  next = _petrel_changes_next_provisional_uid (store, dest->id, &local_error);
  ok = next != 0;
  for (guint i = 0; ok && i < n_uids; i++, next++)
    {
      g_array_append_val (provisional, next);
      ok = store_row (store, g_ptr_array_index (rows, i), dest->id, next,
                      g_ptr_array_index (raws, i), &local_error);
    }
  if (ok)
    {
      payload = build_in_payload (petrel_account_get_id (account), folder, uids, dest,
                                  provisional, rows);
      payload_text = json_to_string (payload, FALSE);
      ok = petrel_store_replay_add (store, copy ? PETREL_XMOVE_KIND_COPY : PETREL_XMOVE_KIND_MOVE,
                                    payload_text, &xid, &local_error);
    }
  if (!ok)
    {
      petrel_store_rollback (store);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (!petrel_store_commit (store, error))
    return FALSE;

  /* The source's half. Should it fail, the target's half is taken back. */
  if (!copy && !_petrel_xmove_ensure_out (source, json_node_get_object (payload),
                                          petrel_account_get_id (target), xid, FALSE,
                                          &local_error))
    {
      if (petrel_store_begin (store, NULL))
        {
          if (petrel_store_expunge_uids (store, dest->id, (const guint32 *) provisional->data,
                                         provisional->len, NULL, NULL) &&
              petrel_store_replay_delete (store, xid, NULL))
            petrel_store_commit (store, NULL);
          else
            petrel_store_rollback (store);
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (out_change_id != NULL)
    *out_change_id = xid;
  return TRUE;
}

/* ---- undo ------------------------------------------------------------------------------- */

/* Still queued (nothing on either server yet): the originals come back, then the copies go. */
static gboolean
undo_queued (PetrelStore          *store,
             PetrelStoreReplayOp  *op,
             JsonObject           *object,
             PetrelStore          *source,
             GError              **error)
{
  g_autoptr(GArray) provisional = _petrel_json_get_uids (object, "provisional");
  g_autoptr(GArray) from_uids = _petrel_json_get_uids (object, "from_uids");
  g_autoptr(PetrelStoreFolder) dest = NULL;
  g_autoptr(PetrelStore) source_owned = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean ok = TRUE;

  dest = _petrel_changes_folder_for (store, _petrel_json_get_string (object, "to"), error);
  if (dest == NULL)
    return FALSE;

  if (g_str_equal (op->kind, PETREL_XMOVE_KIND_MOVE))
    {
      g_autoptr(PetrelStoreFolder) folder = NULL;
      g_autoptr(PetrelStoreReplayOp) out = NULL;

      if (source == NULL)
        {
          source = source_owned = _petrel_xmove_open_store (store,
                                                            _petrel_json_get_string (object,
                                                                                     "from_account"),
                                                            error);
          if (source == NULL)
            return FALSE;
        }
      folder = _petrel_changes_folder_for (source, _petrel_json_get_string (object, "from_folder"),
                                           error);
      if (folder == NULL || !petrel_store_begin (source, error))
        return FALSE;

      out = _petrel_xmove_find_op (source, PETREL_XMOVE_KIND_OUT, 0, op->id, &local_error);
      if (out != NULL && g_strcmp0 (out->state, "done") == 0)
        {
          g_set_error_literal (&local_error, PETREL_SYNC_ERROR, PETREL_SYNC_ERROR_FAILED,
                               _("This move between accounts has already reached the server "
                                 "and cannot be undone; move the messages back instead"));
        }
      for (guint i = 0; local_error == NULL && i < provisional->len && i < from_uids->len; i++)
        {
          guint32 uid = g_array_index (from_uids, guint32, i);
          g_autoptr(PetrelStoreMessage) row = NULL;
          g_autoptr(PetrelStoreMessage) there = NULL;
          g_autoptr(GBytes) raw = NULL;

          there = petrel_store_get_message (source, folder->id, uid, NULL);
          row = petrel_store_get_message (store, dest->id, g_array_index (provisional, guint32, i),
                                          NULL);
          if (there != NULL || row == NULL)
            continue;
          petrel_store_read_message (store, dest->id, row->uid, &raw, NULL);
          store_row (source, row, folder->id, uid, raw, &local_error);
        }
      if (local_error == NULL && out != NULL)
        petrel_store_replay_delete (source, out->id, &local_error);
      if (local_error != NULL)
        {
          petrel_store_rollback (source);
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (!petrel_store_commit (source, error))
        return FALSE;
    }

  if (!petrel_store_begin (store, error))
    return FALSE;
  ok = petrel_store_expunge_uids (store, dest->id, (const guint32 *) provisional->data,
                                  provisional->len, NULL, error) &&
       petrel_store_replay_delete (store, op->id, error);
  if (!ok)
    {
      petrel_store_rollback (store);
      return FALSE;
    }
  return petrel_store_commit (store, error);
}

/* Marks both halves of a change between accounts undone: @in_op in the target's queue, and
 * the source's half, if it is still there. */
static gboolean
mark_undone (PetrelStore          *target_store,
             PetrelStoreReplayOp  *in_op,
             JsonObject           *in_object,
             PetrelStore          *source_store,
             GError              **error)
{
  g_autoptr(PetrelStore) source_owned = NULL;
  g_autoptr(PetrelStoreReplayOp) out = NULL;

  if (!_petrel_changes_set_undone (target_store, in_op, error))
    return FALSE;

  if (source_store == NULL)
    source_store = source_owned =
      _petrel_xmove_open_store (target_store, _petrel_json_get_string (in_object, "from_account"),
                                NULL);
  if (source_store != NULL)
    out = _petrel_xmove_find_op (source_store, PETREL_XMOVE_KIND_OUT, 0, in_op->id, NULL);
  return out == NULL || g_strcmp0 (out->state, "undone") == 0 ||
         _petrel_changes_set_undone (source_store, out, error);
}

/* A move already on both servers is taken back by moving the messages back: a new move
 * between accounts, from the target's folder to the source's, queued and replayed like any
 * other (the next sync of both accounts finishes it). Both halves of the first move are then
 * marked undone. @acting is either account (for the data directory and the keyring). */
static gboolean
move_back (PetrelAccount        *acting,
           PetrelStore          *target_store,
           PetrelStoreReplayOp  *in_op,
           JsonObject           *in_object,
           const char           *target_id,
           PetrelStore          *source_store,
           GError              **error)
{
  g_autoptr(GArray) dest_uids = _petrel_json_get_uids (in_object, "dest_uids");
  const char *source_id = _petrel_json_get_string (in_object, "from_account");
  const char *data_dir = petrel_account_get_data_dir (acting);
  g_autoptr(PetrelAccount) target = NULL;
  g_autoptr(PetrelAccount) source = NULL;

  target = petrel_account_open (data_dir, target_id, error);
  if (target == NULL)
    return FALSE;
  source = petrel_account_open (data_dir, source_id, error);
  if (source == NULL)
    return FALSE;
  petrel_account_set_credentials (target, petrel_account_get_credentials (acting));
  petrel_account_set_credentials (source, petrel_account_get_credentials (acting));

  if (!petrel_changes_move_to_account (target, _petrel_json_get_string (in_object, "to"),
                                       (const guint32 *) dest_uids->data, dest_uids->len,
                                       source, _petrel_json_get_string (in_object, "from_folder"),
                                       PETREL_CHANGES_TRANSFER_NONE, NULL, NULL, error))
    return FALSE;

  return mark_undone (target_store, in_op, in_object, source_store, error);
}

/* The target's half: queued, or (a copy) already on the server. */
static gboolean
undo_in (PetrelAccount        *account,
         PetrelAccount        *acting,
         const char           *target_id,
         PetrelStore          *store,
         PetrelStoreReplayOp  *op,
         JsonObject           *object,
         PetrelStore          *source,
         GError              **error)
{
  g_autoptr(GArray) states = _petrel_json_get_uids (object, "states");
  g_autoptr(GArray) dest_uids = _petrel_json_get_uids (object, "dest_uids");
  gboolean copy = g_str_equal (op->kind, PETREL_XMOVE_KIND_COPY);
  gboolean started = g_strcmp0 (op->state, "done") == 0;
  gboolean all_known = dest_uids->len > 0;

  for (guint i = 0; i < states->len; i++)
    started |= g_array_index (states, guint32, i) != PETREL_XMOVE_STATE_WAITING;
  for (guint i = 0; i < dest_uids->len; i++)
    all_known &= g_array_index (dest_uids, guint32, i) != 0;

  if (!started)
    return undo_queued (store, op, object, source, error);

  if (copy && g_strcmp0 (op->state, "done") == 0 && all_known)
    {
      g_autoptr(PetrelAccount) opened = NULL;
      PetrelAccount *target = account;

      /* Undone from the source's side: the target account does the deleting. */
      if (target == NULL)
        {
          target = opened = petrel_account_open (petrel_account_get_data_dir (acting),
                                                 target_id, error);
          if (target == NULL)
            return FALSE;
          petrel_account_set_credentials (target, petrel_account_get_credentials (acting));
        }
      if (!petrel_changes_delete (target, _petrel_json_get_string (object, "to"),
                                  (const guint32 *) dest_uids->data, dest_uids->len, TRUE,
                                  error))
        return FALSE;
      return mark_undone (store, op, object, source, error);
    }

  if (!copy && g_strcmp0 (op->state, "done") == 0 && all_known)
    return move_back (acting, store, op, object, target_id, source, error);

  if (copy)
    g_set_error_literal (error, PETREL_SYNC_ERROR, PETREL_SYNC_ERROR_FAILED,
                         _("The copies are already being added to the other account’s "
                           "server; delete them there instead"));
  else
    g_set_error_literal (error, PETREL_SYNC_ERROR, PETREL_SYNC_ERROR_FAILED,
                         _("This move between accounts is under way on the servers; "
                           "undo it once the next sync has finished it"));
  return FALSE;
}

gboolean
_petrel_xmove_undo (PetrelAccount        *account,
                    PetrelStore          *store,
                    PetrelStoreReplayOp  *op,
                    JsonObject           *object,
                    GError              **error)
{
  g_autoptr(PetrelStore) target_store = NULL;
  g_autoptr(PetrelStoreReplayOp) in_op = NULL;
  g_autoptr(JsonObject) in_object = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *target_id;

  if (!g_str_equal (op->kind, PETREL_XMOVE_KIND_OUT))
    return undo_in (account, account, petrel_account_get_id (account), store, op, object, NULL,
                    error);

  /* The source's half: the change is the target's, taken back from there. */
  target_id = _petrel_json_get_string (object, "to_account");
  target_store = _petrel_xmove_open_store (store, target_id, error);
  if (target_store == NULL)
    return FALSE;
  in_op = _petrel_xmove_find_op (target_store, NULL,
                                 json_object_get_int_member_with_default (object, "xid", 0), 0,
                                 &local_error);
  if (in_op == NULL || !_petrel_xmove_is_kind (in_op->kind))
    {
      if (local_error == NULL)
        g_set_error (&local_error, PETREL_SYNC_ERROR, PETREL_SYNC_ERROR_FAILED,
                     _("The other half of this change (in the account “%s”) is gone, so it "
                       "cannot be undone"), target_id);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  in_object = parse_object (in_op->payload, error);
  return in_object != NULL &&
         undo_in (NULL, account, target_id, target_store, in_op, in_object, store, error);
}
