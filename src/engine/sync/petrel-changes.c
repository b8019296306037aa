/* petrel-changes.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Changes a person makes: applied to the store and queued for the server in one
 * transaction. The queue (the store's replay_queue, user data) doubles as the undo journal:
 * a replayed change stays there as "done" with what the server answered (the UIDs a moved
 * message got), so it can still be taken back.
 *
 * Payloads are JSON objects:
 *   flags          {folder, uidvalidity, uids, add, remove, before: {uid: bits}}
 *   move, delete   {folder, uidvalidity, uids, to, provisional[, dest_uids]}
 *   copy           {folder, uidvalidity, uids, to, provisional[, dest_uids]}
 *   expunge        {folder, uidvalidity, uids}
 *   folder-create  {path};  folder-rename {path, new_path};  folder-delete {path}
 *   account-move, account-copy, account-move-out: see petrel-xmove-private.h
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "petrel-changes.h"
#include "petrel-sync.h"
#include "petrel-sync-private.h"
#include "petrel-xmove-private.h"

static PetrelStore *
store_for (PetrelAccount  *account,
           GError        **error)
{
  return petrel_account_get_store (account, error);
}

PetrelStoreFolder *
_petrel_changes_folder_for (PetrelStore  *store,
            const char   *path,
            GError      **error)
{
  g_autoptr(GError) local_error = NULL;
  PetrelStoreFolder *folder = petrel_store_get_folder_by_path (store, path, &local_error);

  if (folder == NULL && g_ascii_strcasecmp (path, "INBOX") == 0)
    {
      g_clear_error (&local_error);
      folder = petrel_store_get_folder_by_path (store, "INBOX", &local_error);
    }
  if (folder == NULL)
    {
      if (g_error_matches (local_error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND))
        g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND,
                     _("There is no folder “%s” in this account"), path);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
    }
  return folder;
}

/* Member @name: an array of the @n_uids UIDs (zeros when @uids is NULL). */
void
_petrel_changes_add_uids (JsonBuilder   *builder,
                          const char    *name,
                          const guint32 *uids,
                          guint          n_uids)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  for (guint i = 0; i < n_uids; i++)
    json_builder_add_int_value (builder, uids != NULL ? uids[i] : 0);
  json_builder_end_array (builder);
}

static void
add_strv (JsonBuilder        *builder,
          const char         *name,
          const char * const *strv)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    json_builder_add_string_value (builder, strv[i]);
  json_builder_end_array (builder);
}

static char *
builder_to_string (JsonBuilder *builder)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);

  return json_to_string (root, FALSE);
}

/* Only UIDs of messages the store has; an unknown one is an error a person can act on. */
gboolean
_petrel_changes_check_uids (PetrelStore              *store,
            const PetrelStoreFolder  *folder,
            const guint32            *uids,
            guint                     n_uids,
            GError                  **error)
{
  if (n_uids == 0)
    {
      g_set_error_literal (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_INVALID_ARGUMENT,
                           _("No messages were given"));
      return FALSE;
    }

  for (guint i = 0; i < n_uids; i++)
    {
      g_autoptr(PetrelStoreMessage) message = petrel_store_get_message (store, folder->id,
                                                                         uids[i], NULL);
      if (message == NULL)
        {
          g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND,
                       _("There is no message with UID %u in “%s”"), uids[i], folder->path);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
queue (PetrelStore  *store,
       const char   *kind,
       JsonBuilder  *builder,
       GError      **error)
{
  g_autofree char *payload = builder_to_string (builder);

  return petrel_store_replay_add (store, kind, payload, NULL, error);
}

/* Runs @apply and queues in one transaction: both or neither. */
#define TRANSACTION(store, error, body)                         \
  G_STMT_START {                                                \
    if (!petrel_store_begin ((store), (error)))                 \
      return FALSE;                                             \
    if (!(body))                                                \
      {                                                         \
        petrel_store_rollback (store);                          \
        return FALSE;                                           \
      }                                                         \
    return petrel_store_commit ((store), (error));              \
  } G_STMT_END

gboolean
petrel_changes_set_flags (PetrelAccount       *account,
                          const char          *folder_path,
                          const guint32       *uids,
                          guint                n_uids,
                          const char * const  *add,
                          const char * const  *remove,
                          GError             **error)
{
  g_autoptr(PetrelStoreFolder) folder = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *add_keywords = NULL;
  g_autofree char *remove_keywords = NULL;
  PetrelStoreFlags add_bits, remove_bits;
  PetrelStore *store;

  g_return_val_if_fail (PETREL_IS_ACCOUNT (account), FALSE);

  store = store_for (account, error);
  if (store == NULL || (folder = _petrel_changes_folder_for (store, folder_path, error)) == NULL ||
      !_petrel_changes_check_uids (store, folder, uids, n_uids, error))
    return FALSE;

  add_bits = petrel_store_flags_parse (add, &add_keywords);
  remove_bits = petrel_store_flags_parse (remove, &remove_keywords);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "folder");
  json_builder_add_string_value (builder, folder->path);
  json_builder_set_member_name (builder, "uidvalidity");
  json_builder_add_int_value (builder, folder->uidvalidity);
  _petrel_changes_add_uids (builder, "uids", uids, n_uids);
  add_strv (builder, "add", add);
  add_strv (builder, "remove", remove);
  json_builder_set_member_name (builder, "before");
  json_builder_begin_object (builder);
  for (guint i = 0; i < n_uids; i++)
    {
      g_autoptr(PetrelStoreMessage) message = petrel_store_get_message (store, folder->id,
                                                                         uids[i], NULL);
      g_autofree char *key = g_strdup_printf ("%u", uids[i]);

      json_builder_set_member_name (builder, key);
      json_builder_add_int_value (builder, message != NULL ? message->flags : 0);
    }
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  TRANSACTION (store, error,
               petrel_store_modify_flags (store, folder->id, uids, n_uids, add_bits,
                                          remove_bits, error) &&
               queue (store, "flags", builder, error));
}

guint32
_petrel_changes_next_provisional_uid (PetrelStore  *store,
                      gint64        folder_id,
                      GError      **error)
{
  g_autoptr(GArray) known = petrel_store_list_uids (store, folder_id, error);
  guint32 max;

  if (known == NULL)
    return 0;
  if (known->len == 0)
    return PETREL_PROVISIONAL_UID_BASE;
  max = g_array_index (known, PetrelStoreUidInfo, known->len - 1).uid;
  return _petrel_uid_is_provisional (max) ? max + 1 : PETREL_PROVISIONAL_UID_BASE;
}

static gboolean
transfer (PetrelAccount       *account,
          const char          *kind,
          const char          *folder_path,
          const guint32       *uids,
          guint                n_uids,
          const char          *destination,
          gboolean             keep_source,
          GError             **error)
{
  g_autoptr(PetrelStoreFolder) folder = NULL;
  g_autoptr(PetrelStoreFolder) dest = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GArray) provisional = g_array_new (FALSE, FALSE, sizeof (guint32));
  PetrelStore *store;
  guint32 next;
  gboolean ok = TRUE;

  g_return_val_if_fail (PETREL_IS_ACCOUNT (account), FALSE);

  store = store_for (account, error);
  if (store == NULL || (folder = _petrel_changes_folder_for (store, folder_path, error)) == NULL ||
      (dest = _petrel_changes_folder_for (store, destination, error)) == NULL ||
      !_petrel_changes_check_uids (store, folder, uids, n_uids, error))
    return FALSE;

  if (folder->id == dest->id)
    {
      g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_INVALID_ARGUMENT,
                   _("The messages are in “%s” already"), dest->path);
      return FALSE;
    }

  if (!petrel_store_begin (store, error))
    return FALSE;

  next = _petrel_changes_next_provisional_uid (store, dest->id, error);
  ok = next != 0;
  for (guint i = 0; ok && i < n_uids; i++, next++)
    {
      g_array_append_val (provisional, next);
      ok = keep_source
        ? petrel_store_copy_message (store, folder->id, uids[i], dest->id, next, error)
        : petrel_store_rename_message_file (store, folder->id, uids[i], dest->id, next, error);
    }

  if (ok)
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "folder");
      json_builder_add_string_value (builder, folder->path);
      json_builder_set_member_name (builder, "uidvalidity");
      json_builder_add_int_value (builder, folder->uidvalidity);
      _petrel_changes_add_uids (builder, "uids", uids, n_uids);
      json_builder_set_member_name (builder, "to");
      json_builder_add_string_value (builder, dest->path);
      _petrel_changes_add_uids (builder, "provisional", (const guint32 *) provisional->data,
                     provisional->len);
      json_builder_end_object (builder);
      ok = queue (store, kind, builder, error);
    }

  if (!ok)
    {
      petrel_store_rollback (store);
      return FALSE;
    }
  return petrel_store_commit (store, error);
}

gboolean
petrel_changes_move (PetrelAccount  *account,
                     const char     *folder,
                     const guint32  *uids,
                     guint           n_uids,
                     const char     *destination,
                     GError        **error)
{
  return transfer (account, "move", folder, uids, n_uids, destination, FALSE, error);
}

gboolean
petrel_changes_copy (PetrelAccount  *account,
                     const char     *folder,
                     const guint32  *uids,
                     guint           n_uids,
                     const char     *destination,
                     GError        **error)
{
  return transfer (account, "copy", folder, uids, n_uids, destination, TRUE, error);
}

static PetrelStoreFolder *
find_role (PetrelStore            *store,
           PetrelStoreFolderRole   role,
           GError                **error)
{
  g_autoptr(GPtrArray) folders = petrel_store_list_folders (store, error);

  for (guint i = 0; folders != NULL && i < folders->len; i++)
    {
      PetrelStoreFolder *folder = g_ptr_array_index (folders, i);

      if (folder->role == role)
        return petrel_store_folder_copy (folder);
    }
  return NULL;
}

gboolean
petrel_changes_delete (PetrelAccount  *account,
                       const char     *folder_path,
                       const guint32  *uids,
                       guint           n_uids,
                       gboolean        expunge,
                       GError        **error)
{
  g_autoptr(PetrelStoreFolder) folder = NULL;
  g_autoptr(PetrelStoreFolder) trash = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GError) local_error = NULL;
  PetrelStore *store;

  g_return_val_if_fail (PETREL_IS_ACCOUNT (account), FALSE);

  store = store_for (account, error);
  if (store == NULL || (folder = _petrel_changes_folder_for (store, folder_path, error)) == NULL ||
      !_petrel_changes_check_uids (store, folder, uids, n_uids, error))
    return FALSE;

  /* Deleting moves to Trash; in Trash (or when asked, or with no Trash) it is for good. */
  trash = find_role (store, PETREL_STORE_FOLDER_ROLE_TRASH, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (!expunge && trash != NULL && trash->id != folder->id)
    return transfer (account, "delete", folder_path, uids, n_uids, trash->path, FALSE, error);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "folder");
  json_builder_add_string_value (builder, folder->path);
  json_builder_set_member_name (builder, "uidvalidity");
  json_builder_add_int_value (builder, folder->uidvalidity);
  _petrel_changes_add_uids (builder, "uids", uids, n_uids);
  json_builder_end_object (builder);

  TRANSACTION (store, error,
               petrel_store_expunge_uids (store, folder->id, uids, n_uids, NULL, error) &&
               queue (store, "expunge", builder, error));
}

static gboolean
check_folder_path (const char  *path,
                   GError     **error)
{
  if (path == NULL || *path == '\0' || !g_utf8_validate (path, -1, NULL) ||
      strpbrk (path, "\r\n") != NULL || g_ascii_strcasecmp (path, "INBOX") == 0)
    {
      g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_INVALID_ARGUMENT,
                   _("“%s” cannot be used as a folder name"), path != NULL ? path : "");
      return FALSE;
    }
  return TRUE;
}

/* @raw_path: the server's name of @path (PetrelStoreFolder.raw_path), nullable: kept in the
 * payload (base64, as it need not be UTF-8) since the store forgets it at once. */
static gboolean
queue_path_op (PetrelStore  *store,
               const char   *kind,
               const char   *path,
               const char   *raw_path,
               const char   *new_path,
               GError      **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "path");
  json_builder_add_string_value (builder, path);
  if (raw_path != NULL)
    {
      g_autofree char *encoded = g_base64_encode ((const guchar *) raw_path, strlen (raw_path));

      json_builder_set_member_name (builder, "raw_path_base64");
      json_builder_add_string_value (builder, encoded);
    }
  if (new_path != NULL)
    {
      json_builder_set_member_name (builder, "new_path");
      json_builder_add_string_value (builder, new_path);
    }
  json_builder_end_object (builder);
  return queue (store, kind, builder, error);
}

gboolean
petrel_changes_create_folder (PetrelAccount  *account,
                              const char     *path,
                              GError        **error)
{
  g_autoptr(PetrelStoreFolder) folder = NULL;
  g_autoptr(PetrelStoreFolder) existing = NULL;
  PetrelStore *store;

  g_return_val_if_fail (PETREL_IS_ACCOUNT (account), FALSE);

  if (!check_folder_path (path, error) || (store = store_for (account, error)) == NULL)
    return FALSE;

  existing = petrel_store_get_folder_by_path (store, path, NULL);
  if (existing != NULL)
    {
      g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_INVALID_ARGUMENT,
                   _("A folder “%s” exists already"), path);
      return FALSE;
    }

  folder = petrel_store_folder_new (path);
  folder->subscribed = TRUE;
  TRANSACTION (store, error,
               petrel_store_upsert_folder (store, folder, NULL, error) &&
               queue_path_op (store, "folder-create", path, NULL, NULL, error));
}

/* Renames @path and every folder below it, as IMAP RENAME does on the server. */
static gboolean
rename_subtree (PetrelStore  *store,
                const char   *path,
                const char   *new_path,
                GError      **error)
{
  g_autoptr(GPtrArray) folders = petrel_store_list_folders (store, error);
  g_autoptr(PetrelStoreFolder) folder = NULL;

  if (folders == NULL || (folder = _petrel_changes_folder_for (store, path, error)) == NULL)
    return FALSE;

  for (guint i = 0; i < folders->len; i++)
    {
      PetrelStoreFolder *child = g_ptr_array_index (folders, i);
      gsize len = strlen (path);

      if (child->id == folder->id)
        continue;
      if (folder->delimiter != NULL && strncmp (child->path, path, len) == 0 &&
          strncmp (child->path + len, folder->delimiter, strlen (folder->delimiter)) == 0)
        {
          g_autofree char *renamed = g_strconcat (new_path, child->path + len, NULL);

          if (!petrel_store_rename_folder (store, child->id, renamed, error))
            return FALSE;
        }
    }

  return petrel_store_rename_folder (store, folder->id, new_path, error);
}

gboolean
petrel_changes_rename_folder (PetrelAccount  *account,
                              const char     *path,
                              const char     *new_path,
                              GError        **error)
{
  g_autoptr(PetrelStoreFolder) folder = NULL;
  g_autoptr(PetrelStoreFolder) existing = NULL;
  PetrelStore *store;

  g_return_val_if_fail (PETREL_IS_ACCOUNT (account), FALSE);

  if (!check_folder_path (path, error) || !check_folder_path (new_path, error) ||
      (store = store_for (account, error)) == NULL ||
      (folder = _petrel_changes_folder_for (store, path, error)) == NULL)
    return FALSE;

  existing = petrel_store_get_folder_by_path (store, new_path, NULL);
  if (existing != NULL)
    {
      g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_INVALID_ARGUMENT,
                   _("A folder “%s” exists already"), new_path);
      return FALSE;
    }

  TRANSACTION (store, error,
               rename_subtree (store, folder->path, new_path, error) &&
               queue_path_op (store, "folder-rename", folder->path, folder->raw_path, new_path,
                             error));
}

gboolean
petrel_changes_delete_folder (PetrelAccount  *account,
                              const char     *path,
                              GError        **error)
{
  g_autoptr(PetrelStoreFolder) folder = NULL;
  PetrelStore *store;

  g_return_val_if_fail (PETREL_IS_ACCOUNT (account), FALSE);

  if (!check_folder_path (path, error) || (store = store_for (account, error)) == NULL ||
      (folder = _petrel_changes_folder_for (store, path, error)) == NULL)
    return FALSE;

  TRANSACTION (store, error,
               petrel_store_delete_folder (store, folder->id, error) &&
               queue_path_op (store, "folder-delete", folder->path, folder->raw_path, NULL, error));
}

/* ---- reading payloads ------------------------------------------------------------------- */

static JsonObject *
parse_payload (const PetrelStoreReplayOp  *op,
               GError                    **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (!json_parser_load_from_data (parser, op->payload, -1, error))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_CORRUPT,
                   _("A queued change is damaged"));
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

char *
petrel_changes_describe (const PetrelStoreReplayOp *op)
{
  g_autoptr(JsonObject) object = parse_payload (op, NULL);
  g_autoptr(GArray) uids = NULL;

  if (object == NULL)
    return g_strdup (op->kind);

  if (_petrel_xmove_is_kind (op->kind))
    return _petrel_xmove_describe (op, object);

  uids = _petrel_json_get_uids (object, "uids");

  if (g_str_equal (op->kind, "flags"))
    {
      g_auto(GStrv) add = _petrel_json_get_strv (object, "add");
      g_auto(GStrv) remove = _petrel_json_get_strv (object, "remove");
      g_autofree char *add_text = g_strjoinv (" ", add);
      g_autofree char *remove_text = g_strjoinv (" ", remove);

      return g_strdup_printf (_("Flags of %u message(s) in “%s”: +%s -%s"), uids->len,
                              _petrel_json_get_string (object, "folder"), add_text, remove_text);
    }
  if (g_str_equal (op->kind, "move"))
    return g_strdup_printf (_("Move %u message(s) from “%s” to “%s”"), uids->len,
                            _petrel_json_get_string (object, "folder"), _petrel_json_get_string (object, "to"));
  if (g_str_equal (op->kind, "copy"))
    return g_strdup_printf (_("Copy %u message(s) from “%s” to “%s”"), uids->len,
                            _petrel_json_get_string (object, "folder"), _petrel_json_get_string (object, "to"));
  if (g_str_equal (op->kind, "delete"))
    return g_strdup_printf (_("Delete %u message(s) from “%s” (to “%s”)"), uids->len,
                            _petrel_json_get_string (object, "folder"), _petrel_json_get_string (object, "to"));
  if (g_str_equal (op->kind, "expunge"))
    return g_strdup_printf (_("Delete %u message(s) from “%s” for good"), uids->len,
                            _petrel_json_get_string (object, "folder"));
  if (g_str_equal (op->kind, "folder-create"))
    return g_strdup_printf (_("Create folder “%s”"), _petrel_json_get_string (object, "path"));
  if (g_str_equal (op->kind, "folder-rename"))
    return g_strdup_printf (_("Rename folder “%s” to “%s”"), _petrel_json_get_string (object, "path"),
                            _petrel_json_get_string (object, "new_path"));
  if (g_str_equal (op->kind, "folder-delete"))
    return g_strdup_printf (_("Delete folder “%s”"), _petrel_json_get_string (object, "path"));

  return g_strdup (op->kind);
}

GPtrArray *
petrel_changes_list_pending (PetrelAccount  *account,
                             GError        **error)
{
  PetrelStore *store = store_for (account, error);
  g_autoptr(GPtrArray) ops = NULL;
  GPtrArray *pending;

  if (store == NULL || (ops = petrel_store_replay_list (store, error)) == NULL)
    return NULL;

  pending = g_ptr_array_new_with_free_func ((GDestroyNotify) petrel_store_replay_op_free);
  for (guint i = 0; i < ops->len; i++)
    {
      PetrelStoreReplayOp *op = g_ptr_array_index (ops, i);

      if (g_strcmp0 (op->state, "done") != 0 && g_strcmp0 (op->state, "undone") != 0)
        g_ptr_array_add (pending, petrel_store_replay_op_copy (op));
    }
  return pending;
}

/**
 * petrel_changes_has_pending_between_accounts:
 *
 * Returns: whether @account has a half of a move or copy between accounts waiting in its
 *   queue (after an undo of one, say): its replay then belongs before the other account's.
 */
gboolean
petrel_changes_has_pending_between_accounts (PetrelAccount *account)
{
  g_autoptr(GPtrArray) pending = petrel_changes_list_pending (account, NULL);

  for (guint i = 0; pending != NULL && i < pending->len; i++)
    {
      if (_petrel_xmove_is_kind (((PetrelStoreReplayOp *) g_ptr_array_index (pending, i))->kind))
        return TRUE;
    }
  return FALSE;
}

/* ---- undo ------------------------------------------------------------------------------- */

static gboolean
is_undoable_kind (const char *kind)
{
  return g_str_equal (kind, "flags") || g_str_equal (kind, "move") ||
         g_str_equal (kind, "delete") || g_str_equal (kind, "copy") ||
         g_str_equal (kind, "folder-rename") || g_str_equal (kind, "folder-create") ||
         _petrel_xmove_is_kind (kind);
}

/* Not yet on the server: put the store back and forget the change. */
static gboolean
undo_queued (PetrelStore          *store,
             PetrelStoreReplayOp  *op,
             JsonObject           *object,
             GError              **error)
{
  g_autoptr(GArray) uids = _petrel_json_get_uids (object, "uids");
  g_autoptr(GArray) provisional = _petrel_json_get_uids (object, "provisional");
  g_autoptr(PetrelStoreFolder) folder = NULL;
  g_autoptr(PetrelStoreFolder) dest = NULL;
  const char *folder_path = _petrel_json_get_string (object, "folder");
  gboolean ok = TRUE;

  if (folder_path != NULL && (folder = _petrel_changes_folder_for (store, folder_path, error)) == NULL)
    return FALSE;

  if (g_str_equal (op->kind, "flags"))
    {
      JsonObject *before = json_object_get_object_member (object, "before");

      for (guint i = 0; ok && i < uids->len; i++)
        {
          guint32 uid = g_array_index (uids, guint32, i);
          g_autofree char *key = g_strdup_printf ("%u", uid);
          g_autoptr(PetrelStoreMessage) message = petrel_store_get_message (store, folder->id,
                                                                             uid, NULL);
          if (message == NULL || before == NULL || !json_object_has_member (before, key))
            continue;
          ok = petrel_store_update_flags (store, folder->id, uid,
                                          (PetrelStoreFlags) json_object_get_int_member (before,
                                                                                         key),
                                          message->keywords, message->modseq, error);
        }
    }
  else if (g_str_equal (op->kind, "move") || g_str_equal (op->kind, "delete") ||
           g_str_equal (op->kind, "copy"))
    {
      gboolean copy = g_str_equal (op->kind, "copy");

      if ((dest = _petrel_changes_folder_for (store, _petrel_json_get_string (object, "to"), error)) == NULL)
        return FALSE;
      for (guint i = 0; ok && i < uids->len && i < provisional->len; i++)
        {
          guint32 prov = g_array_index (provisional, guint32, i);

          ok = copy
            ? petrel_store_expunge_uids (store, dest->id, &prov, 1, NULL, error)
            : petrel_store_rename_message_file (store, dest->id, prov, folder->id,
                                                g_array_index (uids, guint32, i), error);
        }
    }
  else if (g_str_equal (op->kind, "folder-rename"))
    ok = rename_subtree (store, _petrel_json_get_string (object, "new_path"), _petrel_json_get_string (object, "path"),
                         error);
  else if (g_str_equal (op->kind, "folder-create"))
    {
      g_autoptr(PetrelStoreFolder) created = _petrel_changes_folder_for (store, _petrel_json_get_string (object, "path"),
                                                         error);
      ok = created != NULL && petrel_store_delete_folder (store, created->id, error);
    }

  return ok && petrel_store_replay_delete (store, op->id, error);
}

/* Already on the server: make the opposite change, as a change of its own. */
static gboolean
undo_replayed (PetrelAccount        *account,
               PetrelStore          *store,
               PetrelStoreReplayOp  *op,
               JsonObject           *object,
               GError              **error)
{
  g_autoptr(GArray) uids = _petrel_json_get_uids (object, "uids");
  g_autoptr(GArray) dest_uids = _petrel_json_get_uids (object, "dest_uids");
  const char *folder = _petrel_json_get_string (object, "folder");
  gboolean ok;

  if (g_str_equal (op->kind, "flags"))
    {
      JsonObject *before = json_object_get_object_member (object, "before");
      g_auto(GStrv) add = _petrel_json_get_strv (object, "add");
      g_auto(GStrv) remove = _petrel_json_get_strv (object, "remove");
      PetrelStoreFlags add_bits = petrel_store_flags_parse ((const char * const *) add, NULL);
      PetrelStoreFlags remove_bits = petrel_store_flags_parse ((const char * const *) remove,
                                                               NULL);

      ok = TRUE;
      /* Per message: clear what the change set and was not set before, set what it cleared
       * and was set before. */
      for (guint i = 0; ok && i < uids->len; i++)
        {
          guint32 uid = g_array_index (uids, guint32, i);
          g_autofree char *key = g_strdup_printf ("%u", uid);
          PetrelStoreFlags was = before != NULL && json_object_has_member (before, key)
            ? (PetrelStoreFlags) json_object_get_int_member (before, key) : 0;
          g_auto(GStrv) set_again = petrel_store_flags_to_strv (remove_bits & was, NULL);
          g_auto(GStrv) clear_again = petrel_store_flags_to_strv (add_bits & ~was, NULL);

          if (set_again[0] == NULL && clear_again[0] == NULL)
            continue;
          ok = petrel_changes_set_flags (account, folder, &uid, 1,
                                         (const char * const *) set_again,
                                         (const char * const *) clear_again, error);
        }
    }
  else if (g_str_equal (op->kind, "move") || g_str_equal (op->kind, "delete") ||
           g_str_equal (op->kind, "copy"))
    {
      if (dest_uids->len == 0)
        {
          g_set_error_literal (error, PETREL_SYNC_ERROR, PETREL_SYNC_ERROR_FAILED,
                               _("This change cannot be undone: the server did not say where "
                                 "the messages went"));
          return FALSE;
        }
      ok = g_str_equal (op->kind, "copy")
        ? petrel_changes_delete (account, _petrel_json_get_string (object, "to"),
                                 (const guint32 *) dest_uids->data, dest_uids->len, TRUE, error)
        : petrel_changes_move (account, _petrel_json_get_string (object, "to"),
                               (const guint32 *) dest_uids->data, dest_uids->len, folder, error);
    }
  else if (g_str_equal (op->kind, "folder-rename"))
    ok = petrel_changes_rename_folder (account, _petrel_json_get_string (object, "new_path"),
                                       _petrel_json_get_string (object, "path"), error);
  else if (g_str_equal (op->kind, "folder-create"))
    ok = petrel_changes_delete_folder (account, _petrel_json_get_string (object, "path"), error);
  else
    ok = FALSE;

  return ok && _petrel_changes_set_undone (store, op, error);
}

/* Records in @store that @op was taken back. */
gboolean
_petrel_changes_set_undone (PetrelStore          *store,
                            PetrelStoreReplayOp  *op,
                            GError              **error)
{
  g_free (op->state);
  op->state = g_strdup ("undone");
  return petrel_store_replay_update (store, op, error);
}

/* Takes back @op, queued or replayed. */
static gboolean
undo_one (PetrelAccount        *account,
          PetrelStore          *store,
          PetrelStoreReplayOp  *op,
          char                **out_description,
          GError              **error)
{
  g_autoptr(JsonObject) object = NULL;
  g_autofree char *description = NULL;
  gboolean ok;

  object = parse_payload (op, error);
  if (object == NULL)
    return FALSE;
  description = petrel_changes_describe (op);

  /* Between accounts: two queues, each step its own transaction. */
  if (_petrel_xmove_is_kind (op->kind))
    ok = _petrel_xmove_undo (account, store, op, object, error);
  else if (g_strcmp0 (op->state, "done") == 0)
    ok = undo_replayed (account, store, op, object, error);
  else
    {
      ok = petrel_store_begin (store, error);
      if (ok && !undo_queued (store, op, object, error))
        {
          petrel_store_rollback (store);
          ok = FALSE;
        }
      else if (ok)
        ok = petrel_store_commit (store, error);
    }

  if (ok && out_description != NULL)
    *out_description = g_steal_pointer (&description);
  return ok;
}

/**
 * petrel_changes_last_id:
 * @out_id: (out): the id of the newest change in the queue, 0 for none
 *
 * With petrel_changes_undo_ids(), lets a front end take back exactly the changes it made (an
 * undo toast), not whatever change came last.
 */
gboolean
petrel_changes_last_id (PetrelAccount  *account,
                        gint64         *out_id,
                        GError        **error)
{
  g_autoptr(GPtrArray) ops = NULL;
  PetrelStore *store;

  g_return_val_if_fail (PETREL_IS_ACCOUNT (account), FALSE);
  g_return_val_if_fail (out_id != NULL, FALSE);

  store = store_for (account, error);
  if (store == NULL || (ops = petrel_store_replay_list (store, error)) == NULL)
    return FALSE;

  *out_id = 0;
  for (guint i = 0; i < ops->len; i++)
    *out_id = MAX (*out_id, ((PetrelStoreReplayOp *) g_ptr_array_index (ops, i))->id);
  return TRUE;
}

/**
 * petrel_changes_undo_after:
 * @first_id: changes with an id above this one…
 * @last_id: …up to and including this one are taken back, newest first
 * @out_description: (out) (optional): what was undone, for people
 *
 * Takes back the changes a front end made between two petrel_changes_last_id() calls, queued
 * or replayed, whatever changes came after them. Changes already undone are skipped.
 */
gboolean
petrel_changes_undo_after (PetrelAccount  *account,
                           gint64          first_id,
                           gint64          last_id,
                           char          **out_description,
                           GError        **error)
{
  g_autoptr(GPtrArray) ops = NULL;
  PetrelStore *store;
  guint undone = 0;

  g_return_val_if_fail (PETREL_IS_ACCOUNT (account), FALSE);

  store = store_for (account, error);
  if (store == NULL || (ops = petrel_store_replay_list (store, error)) == NULL)
    return FALSE;

  for (guint i = ops->len; i > 0; i--)
    {
      PetrelStoreReplayOp *op = g_ptr_array_index (ops, i - 1);
      g_autofree char *description = NULL;

      if (op->id <= first_id || op->id > last_id || g_strcmp0 (op->state, "undone") == 0)
        continue;
      if (!is_undoable_kind (op->kind))
        {
          g_autofree char *what = petrel_changes_describe (op);

          g_set_error (error, PETREL_SYNC_ERROR, PETREL_SYNC_ERROR_FAILED,
                       _("This change cannot be undone: %s"), what);
          return FALSE;
        }
      if (!undo_one (account, store, op, &description, error))
        return FALSE;
      if (out_description != NULL && *out_description == NULL)
        *out_description = g_steal_pointer (&description);
      undone++;
    }

  if (undone == 0)
    {
      g_set_error_literal (error, PETREL_SYNC_ERROR, PETREL_SYNC_ERROR_FAILED,
                           _("There is nothing to undo"));
      return FALSE;
    }
  return TRUE;
}

gboolean
petrel_changes_undo (PetrelAccount  *account,
                     char          **out_description,
                     GError        **error)
{
  g_autoptr(GPtrArray) ops = NULL;
  PetrelStore *store;

  g_return_val_if_fail (PETREL_IS_ACCOUNT (account), FALSE);

  store = store_for (account, error);
  if (store == NULL || (ops = petrel_store_replay_list (store, error)) == NULL)
    return FALSE;

  for (guint i = ops->len; i > 0; i--)
    {
      PetrelStoreReplayOp *op = g_ptr_array_index (ops, i - 1);

      if (g_strcmp0 (op->state, "undone") == 0)
        continue;
      if (!is_undoable_kind (op->kind))
        {
          g_autofree char *what = petrel_changes_describe (op);

          g_set_error (error, PETREL_SYNC_ERROR, PETREL_SYNC_ERROR_FAILED,
                       _("The last change cannot be undone: %s"), what);
          return FALSE;
        }

      return undo_one (account, store, op, out_description, error);
    }

  g_set_error_literal (error, PETREL_SYNC_ERROR, PETREL_SYNC_ERROR_FAILED,
                       _("There is nothing to undo"));
  return FALSE;
}
