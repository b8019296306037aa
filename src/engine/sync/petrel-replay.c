/* petrel-replay.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Sending queued local changes to the server, in order. Each change names the UIDVALIDITY
 * its UIDs belong to and is refused (kept, reported) when the folder was reset since, so no
 * STORE, MOVE or EXPUNGE ever names a UID of another generation. A move or copy whose
 * answer is lost (a cut connection) is safe to send again: the source UIDs are gone by then,
 * the server moves nothing, and the provisional rows are dropped so the next sync fetches
 * the messages where they now are, once.
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "imap/petrel-imap.h"
#include "imap/petrel-imap-client.h"

#include "petrel-changes.h"
#include "petrel-sync.h"
#include "petrel-sync-private.h"
#include "petrel-xmove-private.h"

typedef struct
{
  PetrelImapClient *client;
  GMainContext     *context;
  PetrelStore      *store;
  GCancellable     *cancellable;
  char             *selected;      /* owned: the folder selected read-write, if any */
  guint32           uidvalidity;   /* of @selected */
  gboolean          deferred;      /* the change just run waits for another account */
} Replay;

/* Errors that mean the connection is unusable, as opposed to the server refusing one change. */
static gboolean
is_connection_error (const GError *error)
{
  if (error->domain != PETREL_IMAP_ERROR)
    return error->domain != PETREL_STORE_ERROR && error->domain != PETREL_SYNC_ERROR &&
           error->domain != JSON_PARSER_ERROR;

  switch (error->code)
    {
    case PETREL_IMAP_ERROR_NO:
    case PETREL_IMAP_ERROR_BAD:
    case PETREL_IMAP_ERROR_NONEXISTENT:
    case PETREL_IMAP_ERROR_ALREADY_EXISTS:
    case PETREL_IMAP_ERROR_OVER_QUOTA:
    case PETREL_IMAP_ERROR_PERMISSION:
    case PETREL_IMAP_ERROR_UIDVALIDITY:
    case PETREL_IMAP_ERROR_INVALID:
    case PETREL_IMAP_ERROR_UNSUPPORTED:
      return FALSE;
    default:
      return TRUE;
    }
}

static gboolean
select_folder (Replay      *replay,
               const char  *path,
               guint32      expected_uidvalidity,
               GError     **error)
{
  g_autoptr(PetrelImapMailboxState) state = NULL;
  PetrelWait wait = { replay->context, NULL };

  if (g_strcmp0 (replay->selected, path) != 0)
    {
      g_autofree char *wire = _petrel_store_wire_name (replay->client, replay->store, path);

      petrel_imap_client_select_async (replay->client, wire, FALSE, FALSE, NULL, NULL, NULL,
                                       NULL, replay->cancellable, _petrel_wait_cb, &wait);
      state = petrel_imap_client_select_finish (replay->client, _petrel_wait_for (&wait), error);
      _petrel_wait_clear (&wait);
      g_clear_pointer (&replay->selected, g_free);
      if (state == NULL)
        return FALSE;
      replay->selected = g_strdup (path);
      replay->uidvalidity = state->uidvalidity;
    }

  if (expected_uidvalidity == 0 || expected_uidvalidity != replay->uidvalidity)
    {
      g_set_error (error, PETREL_SYNC_ERROR, PETREL_SYNC_ERROR_FAILED,
                   _("The folder “%s” was reset on the server (its UIDVALIDITY changed), so "
                     "this change no longer applies to the same messages"), path);
      return FALSE;
    }
  return TRUE;
}

/* The server's UIDs of @uids, leaving out provisional ones never resolved. */
static PetrelImapSeqSet *
server_set (GArray *uids)
{
  PetrelImapSeqSet *set = petrel_imap_seqset_new ();

  for (guint i = 0; i < uids->len; i++)
    if (!_petrel_uid_is_provisional (g_array_index (uids, guint32, i)))
      petrel_imap_seqset_add (set, g_array_index (uids, guint32, i));
  return set;
}

static gboolean
replay_flags (Replay      *replay,
              JsonObject  *object,
              GError     **error)
{
  g_autoptr(GArray) uids = _petrel_json_get_uids (object, "uids");
  g_autoptr(PetrelImapSeqSet) set = server_set (uids);
  g_auto(GStrv) add = _petrel_json_get_strv (object, "add");
  g_auto(GStrv) remove = _petrel_json_get_strv (object, "remove");

  if (petrel_imap_seqset_is_empty (set))
    return TRUE;
  if (!select_folder (replay, _petrel_json_get_string (object, "folder"),
                      (guint32) json_object_get_int_member (object, "uidvalidity"), error))
    return FALSE;

  for (int pass = 0; pass < 2; pass++)
    {
      char **flags = pass == 0 ? add : remove;
      PetrelWait wait = { replay->context, NULL };
      gboolean ok;

      if (flags[0] == NULL)
        continue;
      petrel_imap_client_uid_store_async (replay->client, set,
                                          pass == 0 ? PETREL_IMAP_STORE_ADD
                                                    : PETREL_IMAP_STORE_REMOVE,
                                          (const char * const *) flags, 0, NULL, NULL, NULL,
                                          replay->cancellable, _petrel_wait_cb, &wait);
      ok = petrel_imap_client_uid_store_finish (replay->client, _petrel_wait_for (&wait), NULL,
                                                error);
      _petrel_wait_clear (&wait);
      if (!ok)
        return FALSE;
    }
  return TRUE;
}

/* Later queued changes that name a provisional UID of @folder get the real one. */
static gboolean
rewrite_later_ops (Replay      *replay,
                   gint64       after_id,
                   const char  *folder,
                   GHashTable  *mapping,
                   GError     **error)
{
  g_autoptr(GPtrArray) ops = petrel_store_replay_list (replay->store, error);

  if (ops == NULL)
    return FALSE;

  for (guint i = 0; i < ops->len; i++)
    {
      PetrelStoreReplayOp *op = g_ptr_array_index (ops, i);
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(JsonGenerator) generator = NULL;
      g_autoptr(GArray) uids = NULL;
      JsonObject *object;
      gboolean changed = FALSE;

      if (op->id <= after_id || g_strcmp0 (op->state, "done") == 0 ||
          !json_parser_load_from_data (parser, op->payload, -1, NULL) ||
          !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        continue;
      object = json_node_get_object (json_parser_get_root (parser));
      if (g_strcmp0 (_petrel_json_get_string (object, "folder"), folder) != 0)
        continue;

      uids = _petrel_json_get_uids (object, "uids");
      for (guint j = 0; j < uids->len; j++)
        {
          gpointer real;

          if (g_hash_table_lookup_extended (mapping,
                                            GUINT_TO_POINTER (g_array_index (uids, guint32, j)),
                                            NULL, &real))
            {
              g_array_index (uids, guint32, j) = GPOINTER_TO_UINT (real);
              changed = TRUE;
            }
        }
      if (!changed)
        continue;

      _petrel_json_set_uids (object, "uids", uids);
      generator = json_generator_new ();
      json_generator_set_root (generator, json_parser_get_root (parser));
      g_free (op->payload);
      op->payload = json_generator_to_data (generator, NULL);
      if (!petrel_store_replay_update (replay->store, op, error))
        return FALSE;
    }
  return TRUE;
}

/* The provisional row @prov of @dest becomes the server's message @real: renamed to it, or
 * dropped when a sync has fetched @real already (then the provisional row is a duplicate).
 * Either way later changes naming @prov are to name @real (@mapping). */
static gboolean
resolve_provisional (Replay             *replay,
                     PetrelStoreFolder  *dest,
                     guint32             prov,
                     guint32             real,
                     GHashTable         *mapping,
                     GError            **error)
{
  g_autoptr(PetrelStoreMessage) existing = petrel_store_get_message (replay->store, dest->id,
                                                                     real, NULL);

  g_hash_table_insert (mapping, GUINT_TO_POINTER (prov), GUINT_TO_POINTER (real));
  if (existing != NULL)
    return petrel_store_expunge_uids (replay->store, dest->id, &prov, 1, NULL, error);
  return petrel_store_rename_message_file (replay->store, dest->id, prov, dest->id, real,
                                           error);
}

/* Ends the transaction that resolved provisional rows of @dest_path: if @ok so far, the later
 * queued changes get the real UIDs of @mapping and it is committed; otherwise, or if that
 * fails, it is rolled back. */
static gboolean
finish_resolving (Replay      *replay,
                  gint64       op_id,
                  const char  *dest_path,
                  GHashTable  *mapping,
                  gboolean     ok,
                  GError     **error)
{
  if (ok)
    ok = rewrite_later_ops (replay, op_id, dest_path, mapping, error);
  if (!ok)
    {
      petrel_store_rollback (replay->store);
      return FALSE;
    }
  return petrel_store_commit (replay->store, error);
}

static gboolean
replay_transfer (Replay               *replay,
                 PetrelStoreReplayOp  *op,
                 JsonObject           *object,
                 gboolean              copy,
                 GError              **error)
{
  g_autoptr(GArray) uids = _petrel_json_get_uids (object, "uids");
  g_autoptr(GArray) provisional = _petrel_json_get_uids (object, "provisional");
  g_autoptr(PetrelImapSeqSet) set = server_set (uids);
  g_autoptr(PetrelImapCopyResult) result = NULL;
  g_autoptr(PetrelStoreFolder) dest = NULL;
  g_autoptr(GHashTable) mapping = g_hash_table_new (NULL, NULL);
  g_autoptr(GArray) dest_uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GArray) src_list = NULL;
  g_autoptr(GArray) dst_list = NULL;
  g_autoptr(GArray) unresolved = g_array_new (FALSE, FALSE, sizeof (guint32));
  const char *to = _petrel_json_get_string (object, "to");
  PetrelWait wait = { replay->context, NULL };
  gboolean ok;

  dest = petrel_store_get_folder_by_path (replay->store, to, error);
  if (dest == NULL)
    return FALSE;

  if (!petrel_imap_seqset_is_empty (set))
    {
      g_autofree char *wire = _petrel_folder_wire_name (replay->client, dest);

      if (!select_folder (replay, _petrel_json_get_string (object, "folder"),
                          (guint32) json_object_get_int_member (object, "uidvalidity"), error))
        return FALSE;

      if (copy)
        petrel_imap_client_uid_copy_async (replay->client, set, wire, replay->cancellable,
                                           _petrel_wait_cb, &wait);
      else
        petrel_imap_client_uid_move_async (replay->client, set, wire, replay->cancellable,
                                           _petrel_wait_cb, &wait);
      ok = copy
        ? petrel_imap_client_uid_copy_finish (replay->client, _petrel_wait_for (&wait), &result,
                                              error)
        : petrel_imap_client_uid_move_finish (replay->client, _petrel_wait_for (&wait), &result,
                                              error);
      _petrel_wait_clear (&wait);
      if (!ok)
        return FALSE;
    }

  /* COPYUID pairs source and destination UIDs in order. */
  if (result != NULL && result->source != NULL && result->destination != NULL &&
      (dest->uidvalidity == 0 || result->uidvalidity == dest->uidvalidity))
    {
      src_list = petrel_imap_seqset_to_array (result->source, uids->len, NULL);
      dst_list = petrel_imap_seqset_to_array (result->destination, uids->len, NULL);
    }

  if (!petrel_store_begin (replay->store, error))
    return FALSE;

  ok = TRUE;
  for (guint i = 0; ok && i < uids->len && i < provisional->len; i++)
    {
      guint32 uid = g_array_index (uids, guint32, i);
      guint32 prov = g_array_index (provisional, guint32, i);
      guint32 real = 0;

      for (guint j = 0; src_list != NULL && dst_list != NULL &&
                        j < src_list->len && j < dst_list->len; j++)
        if (g_array_index (src_list, guint32, j) == uid)
          real = g_array_index (dst_list, guint32, j);

      if (real != 0)
        {
          ok = resolve_provisional (replay, dest, prov, real, mapping, error);
          g_array_append_val (dest_uids, real);
        }
      else
        g_array_append_val (unresolved, prov);
    }

  /* No COPYUID (or a retry after the move already happened): the next sync fetches the
   * messages from the destination, so the provisional rows must not stay beside them. */
  if (ok && unresolved->len > 0)
    ok = petrel_store_expunge_uids (replay->store, dest->id, (const guint32 *) unresolved->data,
                                    unresolved->len, NULL, error);

  if (ok)
    {
      g_autoptr(JsonGenerator) generator = json_generator_new ();
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);

      _petrel_json_set_uids (object, "dest_uids", dest_uids);
      json_node_set_object (root, object);
      json_generator_set_root (generator, root);
      g_free (op->payload);
      op->payload = json_generator_to_data (generator, NULL);
    }

  return finish_resolving (replay, op->id, dest->path, mapping, ok, error);
}

static gboolean
replay_expunge (Replay      *replay,
                JsonObject  *object,
                GError     **error)
{
  static const char *deleted[] = { "\\Deleted", NULL };
  g_autoptr(GArray) uids = _petrel_json_get_uids (object, "uids");
  g_autoptr(PetrelImapSeqSet) set = server_set (uids);
  PetrelWait wait = { replay->context, NULL };
  gboolean ok;

  if (petrel_imap_seqset_is_empty (set))
    return TRUE;
  if (!select_folder (replay, _petrel_json_get_string (object, "folder"),
                      (guint32) json_object_get_int_member (object, "uidvalidity"), error))
    return FALSE;
  if (!petrel_imap_client_has_capability (replay->client, "UIDPLUS"))
    {
      /* A plain EXPUNGE would also remove messages someone else marked \Deleted. */
      g_set_error_literal (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_UNSUPPORTED,
                           _("The server cannot delete single messages for good (no UIDPLUS)"));
      return FALSE;
    }

  petrel_imap_client_uid_store_async (replay->client, set, PETREL_IMAP_STORE_ADD, deleted, 0,
                                      NULL, NULL, NULL, replay->cancellable,
                                      _petrel_wait_cb, &wait);
  ok = petrel_imap_client_uid_store_finish (replay->client, _petrel_wait_for (&wait), NULL,
                                            error);
  _petrel_wait_clear (&wait);
  if (!ok)
    return FALSE;

  petrel_imap_client_expunge_async (replay->client, set, replay->cancellable,
                                    _petrel_wait_cb, &wait);
  ok = petrel_imap_client_expunge_finish (replay->client, _petrel_wait_for (&wait), error);
  _petrel_wait_clear (&wait);
  return ok;
}

/* ---- between accounts (see petrel-xmove-private.h) ------------------------------------- */

static gboolean
save_progress (Replay               *replay,
               PetrelStoreReplayOp  *op,
               JsonObject           *object,
               GArray               *states,
               GArray               *dest_uids,
               GError              **error)
{
  _petrel_json_set_uids (object, "states", states);
  _petrel_json_set_uids (object, "dest_uids", dest_uids);
  _petrel_json_set_payload (op, object);
  return petrel_store_replay_update (replay->store, op, error);
}

/* The flags @flags the folder keeps: system flags always, keywords if PERMANENTFLAGS allows. */
static GStrv
keepable_flags (JsonArray                    *flags,
                const PetrelImapMailboxState *state)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  gboolean any_keyword = state->permanent_flags[0] == NULL ||
                         g_strv_contains ((const char * const *) state->permanent_flags, "\\*");

  for (guint i = 0; flags != NULL && i < json_array_get_length (flags); i++)
    {
      const char *flag = json_array_get_string_element (flags, i);

      if (flag == NULL || g_ascii_strcasecmp (flag, "\\Recent") == 0)
        continue;
      if (flag[0] == '\\' || any_keyword ||
          g_strv_contains ((const char * const *) state->permanent_flags, flag))
        g_strv_builder_add (builder, flag);
    }
  return g_strv_builder_end (builder);
}

/* The UID of a message that a cut-short APPEND may have left in the selected folder: one with
 * its Message-ID (or, without one, its size) at or above @from, the UIDNEXT before the APPEND
 * (0: anywhere). 0 when there is none. */
static gboolean
find_appended (Replay      *replay,
               const char  *message_id,
               gsize        size,
               guint32      from,
               guint32     *out_uid,
               GError     **error)
{
  g_autoptr(PetrelImapSeqSet) found = NULL;
  g_autoptr(GArray) uids = NULL;
  g_autoptr(GPtrArray) criteria = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *bare = g_strstrip (g_strdup (message_id != NULL ? message_id : ""));
  gsize len = strlen (bare);
  PetrelWait wait = { replay->context, NULL };

  *out_uid = 0;
  if (len >= 2 && bare[0] == '<' && bare[len - 1] == '>')
    {
      bare[len - 1] = '\0';
      memmove (bare, bare + 1, len - 1);
    }

  if (from > 0)
    {
      g_ptr_array_add (criteria, g_strdup ("UID"));
      g_ptr_array_add (criteria, g_strdup_printf ("%u:*", from));
    }
  if (*bare != '\0')
    {
      g_ptr_array_add (criteria, g_strdup ("HEADER"));
      g_ptr_array_add (criteria, g_strdup ("=Message-ID"));
      g_ptr_array_add (criteria, g_strdup_printf ("=<%s>", bare));
    }
  else
    {
      g_ptr_array_add (criteria, g_strdup ("LARGER"));
      g_ptr_array_add (criteria, g_strdup_printf ("%" G_GSIZE_FORMAT, size > 0 ? size - 1 : 0));
      g_ptr_array_add (criteria, g_strdup ("SMALLER"));
      g_ptr_array_add (criteria, g_strdup_printf ("%" G_GSIZE_FORMAT, size + 1));
    }
  g_ptr_array_add (criteria, NULL);

  petrel_imap_client_uid_search_async (replay->client, (const char * const *) criteria->pdata,
                                       replay->cancellable, _petrel_wait_cb, &wait);
  found = petrel_imap_client_uid_search_finish (replay->client, _petrel_wait_for (&wait), NULL,
                                                error);
  _petrel_wait_clear (&wait);
  if (found == NULL)
    return FALSE;

  /* "N:*" also names the last message when N is above every UID. */
  uids = petrel_imap_seqset_to_array (found, G_MAXUINT, NULL);
  for (guint i = 0; uids != NULL && i < uids->len; i++)
    if (g_array_index (uids, guint32, i) >= from)
      *out_uid = MAX (*out_uid, g_array_index (uids, guint32, i));
  return TRUE;
}

/* The target's half: APPEND each message once, then let the source delete the originals. */
static gboolean
replay_account_in (Replay               *replay,
                   PetrelStoreReplayOp  *op,
                   JsonObject           *object,
                   gboolean              copy,
                   GError              **error)
{
  g_autoptr(GArray) provisional = _petrel_json_get_uids (object, "provisional");
  g_autoptr(GArray) states = _petrel_json_get_uids (object, "states");
  g_autoptr(GArray) dest_uids = _petrel_json_get_uids (object, "dest_uids");
  g_autoptr(GArray) search_from = _petrel_json_get_uids (object, "search_from");
  g_autoptr(PetrelStoreFolder) dest = NULL;
  g_autofree char *wire = NULL;
  g_autoptr(PetrelStore) source = NULL;
  g_autoptr(PetrelImapMailboxState) state = NULL;
  g_autoptr(GHashTable) mapping = g_hash_table_new (NULL, NULL);
  g_autofree char *target_id = g_path_get_basename (petrel_store_get_directory (replay->store));
  const char *to = _petrel_json_get_string (object, "to");
  JsonArray *flags = json_object_get_array_member (object, "flags");
  JsonArray *dates = json_object_get_array_member (object, "dates");
  JsonArray *message_ids = json_object_get_array_member (object, "message_ids");
  guint32 dest_uidvalidity;
  guint32 uidnext;
  PetrelWait wait = { replay->context, NULL };
  guint n = provisional->len;
  gboolean ok;

  if (to == NULL || n == 0 || states->len != n || dest_uids->len != n || flags == NULL ||
      dates == NULL || message_ids == NULL || json_array_get_length (flags) != n ||
      json_array_get_length (dates) != n || json_array_get_length (message_ids) != n)
    {
      g_set_error_literal (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_CORRUPT,
                           _("A queued change is damaged"));
      return FALSE;
    }
  while (search_from->len < n)
    {
      guint32 unknown = 0;

      g_array_append_val (search_from, unknown);
    }
  dest = petrel_store_get_folder_by_path (replay->store, to, error);
  if (dest == NULL)
    return FALSE;
  wire = _petrel_folder_wire_name (replay->client, dest);

  /* A crash may have come between the two halves: the source's is queued here if missing. */
  if (!copy)
    {
      source = _petrel_xmove_open_store (replay->store,
                                         _petrel_json_get_string (object, "from_account"), error);
      if (source == NULL ||
          !_petrel_xmove_ensure_out (source, object, target_id, op->id, FALSE, error))
        return FALSE;
    }

  g_clear_pointer (&replay->selected, g_free);
  petrel_imap_client_select_async (replay->client, wire, FALSE, FALSE, NULL, NULL, NULL, NULL,
                                   replay->cancellable, _petrel_wait_cb, &wait);
  state = petrel_imap_client_select_finish (replay->client, _petrel_wait_for (&wait), error);
  _petrel_wait_clear (&wait);
  if (state == NULL)
    return FALSE;
  replay->selected = g_strdup (to);
  replay->uidvalidity = state->uidvalidity;
  uidnext = state->uidnext;
  dest_uidvalidity = (guint32) json_object_get_int_member_with_default (object,
                                                                        "dest_uidvalidity",
                                                                        state->uidvalidity);

  for (guint i = 0; i < n; i++)
    {
      guint32 prov = g_array_index (provisional, guint32, i);
      g_autoptr(GBytes) raw = NULL;
      g_autoptr(GDateTime) date = NULL;
      g_auto(GStrv) keep = NULL;
      g_autoptr(GError) local_error = NULL;
      PetrelImapAppendMessage append = { NULL, NULL, NULL };
      guint32 uidvalidity = 0;
      guint32 uid = 0;

      if (g_array_index (states, guint32, i) == PETREL_XMOVE_STATE_APPENDED)
        continue;

      if (!petrel_store_read_message (replay->store, dest->id, prov, &raw, &local_error))
        {
          g_set_error (error, PETREL_SYNC_ERROR, PETREL_SYNC_ERROR_FAILED,
                       _("The copy of a message to be added to “%s” is missing from the cache "
                         "(%s); the original stays where it was"), to, local_error->message);
          return FALSE;
        }

      /* Sent before, answer lost: if it is there, it is not sent again. */
      if (g_array_index (states, guint32, i) == PETREL_XMOVE_STATE_APPENDING)
        {
          if (!find_appended (replay, json_array_get_string_element (message_ids, i),
                              g_bytes_get_size (raw),
                              dest_uidvalidity == state->uidvalidity
                                ? g_array_index (search_from, guint32, i) : 0,
                              &uid, error))
            return FALSE;
          if (uid != 0)
            {
              g_array_index (states, guint32, i) = PETREL_XMOVE_STATE_APPENDED;
              g_array_index (dest_uids, guint32, i) = uid;
              json_object_set_int_member (object, "dest_uidvalidity", state->uidvalidity);
              if (!save_progress (replay, op, object, states, dest_uids, error))
                return FALSE;
              uidnext = MAX (uidnext, uid + 1);
              continue;
            }
        }

      /* Recorded before the APPEND: where to look should its answer be lost. */
      g_array_index (states, guint32, i) = PETREL_XMOVE_STATE_APPENDING;
      g_array_index (search_from, guint32, i) = uidnext;
      _petrel_json_set_uids (object, "search_from", search_from);
      json_object_set_int_member (object, "dest_uidvalidity", state->uidvalidity);
      if (!save_progress (replay, op, object, states, dest_uids, error))
        return FALSE;

      keep = keepable_flags (json_array_get_array_element (flags, i), state);
      if (json_array_get_int_element (dates, i) > 0)
        date = g_date_time_new_from_unix_utc (json_array_get_int_element (dates, i));
      append.message = raw;
      append.flags = (const char * const *) keep;
      append.internal_date = date;
      petrel_imap_client_append_async (replay->client, wire, &append, replay->cancellable,
                                       _petrel_wait_cb, &wait);
      ok = petrel_imap_client_append_finish (replay->client, _petrel_wait_for (&wait),
                                             &uidvalidity, &uid, &local_error);
      _petrel_wait_clear (&wait);
      if (!ok)
        {
          /* Refused (not cut short): nothing was added, so the change can still be undone. */
          if (!is_connection_error (local_error))
            {
              g_array_index (states, guint32, i) = PETREL_XMOVE_STATE_WAITING;
              save_progress (replay, op, object, states, dest_uids, NULL);
            }
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }

      g_array_index (states, guint32, i) = PETREL_XMOVE_STATE_APPENDED;
      g_array_index (dest_uids, guint32, i) = uidvalidity == state->uidvalidity ? uid : 0;
      if (!save_progress (replay, op, object, states, dest_uids, error))
        return FALSE;
      if (uid != 0)
        uidnext = MAX (uidnext, uid + 1);
    }

  /* All of them are there: now, and only now, the originals may go. */
  if (!copy && !_petrel_xmove_ensure_out (source, object, target_id, op->id, TRUE, error))
    return FALSE;

  /* The provisional rows become the server's (or go, for the next sync to fetch). */
  if (!petrel_store_begin (replay->store, error))
    return FALSE;
  ok = TRUE;
  for (guint i = 0; ok && i < n; i++)
    {
      guint32 prov = g_array_index (provisional, guint32, i);
      guint32 real = g_array_index (dest_uids, guint32, i);
      g_autoptr(PetrelStoreMessage) row = petrel_store_get_message (replay->store, dest->id,
                                                                     prov, NULL);

      if (row == NULL)
        continue;
      if (real != 0 && (dest->uidvalidity == 0 || dest->uidvalidity == dest_uidvalidity))
        ok = resolve_provisional (replay, dest, prov, real, mapping, error);
      else
        ok = petrel_store_expunge_uids (replay->store, dest->id, &prov, 1, NULL, error);
    }
  return finish_resolving (replay, op->id, dest->path, mapping, ok, error);
}

/* The source's half: delete the originals once the target has them; until then, wait. */
static gboolean
replay_account_out (Replay               *replay,
                    JsonObject           *object,
                    GError              **error)
{
  if (!json_object_get_boolean_member_with_default (object, "appended", FALSE))
    {
      g_autoptr(PetrelStore) target = NULL;
      g_autoptr(PetrelStoreReplayOp) in_op = NULL;
      g_autoptr(GError) local_error = NULL;
      const char *target_id = _petrel_json_get_string (object, "to_account");

      target = _petrel_xmove_open_store (replay->store, target_id, error);
      if (target == NULL)
        return FALSE;
      in_op = _petrel_xmove_find_op (target, NULL,
                                     json_object_get_int_member_with_default (object, "xid", 0),
                                     0, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (in_op == NULL || !_petrel_xmove_is_kind (in_op->kind))
        {
          g_set_error (error, PETREL_SYNC_ERROR, PETREL_SYNC_ERROR_FAILED,
                       _("The messages never reached “%s” of %s, so they were not deleted "
                         "here"), _petrel_json_get_string (object, "to_folder"), target_id);
          return FALSE;
        }
      if (g_strcmp0 (in_op->state, "done") != 0)
        {
          replay->deferred = TRUE;
          return TRUE;
        }
    }
  return replay_expunge (replay, object, error);
}

static gboolean
replay_folder (Replay               *replay,
               PetrelStoreReplayOp  *op,
               JsonObject           *object,
               GError              **error)
{
  const char *path = _petrel_json_get_string (object, "path");
  const char *raw_base64 = _petrel_json_get_string (object, "raw_path_base64");
  g_autofree char *wire = NULL;
  g_autoptr(GError) local_error = NULL;
  PetrelWait wait = { replay->context, NULL };
  gboolean ok;

  if (path == NULL)
    {
      g_set_error_literal (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_CORRUPT,
                           _("A queued change is damaged"));
      return FALSE;
    }
  /* The server's name of the folder as it was when the change was made (the store has
   * renamed or dropped it since); else its path, encoded. */
  if (raw_base64 != NULL)
    {
      gsize len = 0;
      g_autofree guchar *raw = g_base64_decode (raw_base64, &len);

      if (len > 0 && memchr (raw, '\0', len) == NULL)
        wire = g_strndup ((const char *) raw, len);
    }
  if (wire == NULL)
    wire = _petrel_path_wire_name (replay->client, path);

  /* Never keep a folder selected that is about to be renamed or deleted. */
  g_clear_pointer (&replay->selected, g_free);
  if (petrel_imap_client_get_state (replay->client) == PETREL_IMAP_CLIENT_STATE_SELECTED)
    {
      petrel_imap_client_unselect_async (replay->client, replay->cancellable,
                                         _petrel_wait_cb, &wait);
      petrel_imap_client_unselect_finish (replay->client, _petrel_wait_for (&wait), NULL);
      _petrel_wait_clear (&wait);
    }

  if (g_str_equal (op->kind, "folder-create"))
    {
      petrel_imap_client_create_async (replay->client, wire, replay->cancellable,
                                       _petrel_wait_cb, &wait);
      ok = petrel_imap_client_create_finish (replay->client, _petrel_wait_for (&wait),
                                             &local_error);
      /* Sent twice (a lost answer): the folder is there, which is what was asked. */
      if (!ok && g_error_matches (local_error, PETREL_IMAP_ERROR,
                                  PETREL_IMAP_ERROR_ALREADY_EXISTS))
        ok = TRUE;
    }
  else if (g_str_equal (op->kind, "folder-rename"))
    {
      const char *new_path = _petrel_json_get_string (object, "new_path");
      g_autofree char *new_wire = _petrel_path_wire_name (replay->client,
                                                          new_path != NULL ? new_path : "");

      petrel_imap_client_rename_async (replay->client, wire, new_wire,
                                       replay->cancellable, _petrel_wait_cb, &wait);
      ok = petrel_imap_client_rename_finish (replay->client, _petrel_wait_for (&wait),
                                             &local_error);
    }
  else
    {
      petrel_imap_client_delete_async (replay->client, wire, replay->cancellable,
                                       _petrel_wait_cb, &wait);
      ok = petrel_imap_client_delete_finish (replay->client, _petrel_wait_for (&wait),
                                             &local_error);
      if (!ok && g_error_matches (local_error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_NONEXISTENT))
        ok = TRUE;
    }
  _petrel_wait_clear (&wait);

  if (!ok)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return ok;
}

static gboolean
replay_one (Replay               *replay,
            PetrelStoreReplayOp  *op,
            GError              **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;

  if (!json_parser_load_from_data (parser, op->payload, -1, error))
    return FALSE;
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error_literal (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_CORRUPT,
                           _("A queued change is damaged"));
      return FALSE;
    }
  object = json_node_get_object (json_parser_get_root (parser));

  if (g_str_equal (op->kind, "flags"))
    return replay_flags (replay, object, error);
  if (g_str_equal (op->kind, "move") || g_str_equal (op->kind, "delete"))
    return replay_transfer (replay, op, object, FALSE, error);
  if (g_str_equal (op->kind, "copy"))
    return replay_transfer (replay, op, object, TRUE, error);
  if (g_str_equal (op->kind, "expunge"))
    return replay_expunge (replay, object, error);
  if (g_str_has_prefix (op->kind, "folder-"))
    return replay_folder (replay, op, object, error);
  if (g_str_equal (op->kind, PETREL_XMOVE_KIND_MOVE) ||
      g_str_equal (op->kind, PETREL_XMOVE_KIND_COPY))
    return replay_account_in (replay, op, object,
                              g_str_equal (op->kind, PETREL_XMOVE_KIND_COPY), error);
  if (g_str_equal (op->kind, PETREL_XMOVE_KIND_OUT))
    return replay_account_out (replay, object, error);

  g_set_error (error, PETREL_SYNC_ERROR, PETREL_SYNC_ERROR_FAILED,
               _("Unknown kind of change “%s”"), op->kind);
  return FALSE;
}

/* The folders a change touches: changes after a refused one on the same folders wait. */
static void
add_folders (PetrelStoreReplayOp *op,
             GHashTable          *set)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;
  static const char *members[] = { "folder", "to", "path", "new_path" };

  if (!json_parser_load_from_data (parser, op->payload, -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return;
  object = json_node_get_object (json_parser_get_root (parser));
  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    if (_petrel_json_get_string (object, members[i]) != NULL)
      g_hash_table_add (set, g_strdup (_petrel_json_get_string (object, members[i])));
}

static gboolean
touches (PetrelStoreReplayOp *op,
         GHashTable          *blocked)
{
  g_autoptr(GHashTable) mine = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter iter;
  gpointer key;

  add_folders (op, mine);
  g_hash_table_iter_init (&iter, mine);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (g_hash_table_contains (blocked, key))
      return TRUE;
  return FALSE;
}

/* Keep the last few replayed changes for undo, drop older ones. */
#define JOURNAL_KEEP 50

gboolean
_petrel_replay_run (PetrelImapClient  *client,
                    GMainContext      *context,
                    PetrelStore       *store,
                    GCancellable      *cancellable,
                    guint             *out_failed,
                    GError           **error)
{
  Replay replay = { client, context, store, cancellable, NULL, 0, FALSE };
  g_autoptr(GPtrArray) ops = NULL;
  g_autoptr(GHashTable) blocked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint failed = 0;
  guint finished = 0;
  gboolean ok = TRUE;

  ops = petrel_store_replay_list (store, error);
  if (ops == NULL)
    return FALSE;

  for (guint i = 0; ok && i < ops->len; i++)
    {
      PetrelStoreReplayOp *op = g_ptr_array_index (ops, i);
      g_autoptr(PetrelStoreReplayOp) current = NULL;
      g_autoptr(GError) op_error = NULL;
      g_autoptr(GPtrArray) fresh = NULL;

      if (g_strcmp0 (op->state, "done") == 0 || g_strcmp0 (op->state, "undone") == 0)
        continue;
      if (touches (op, blocked))
        continue;

      /* Earlier replays in this run may have rewritten this change's UIDs. */
      fresh = petrel_store_replay_list (store, error);
      if (fresh == NULL)
        return FALSE;
      for (guint j = 0; j < fresh->len && current == NULL; j++)
        if (((PetrelStoreReplayOp *) g_ptr_array_index (fresh, j))->id == op->id)
          current = petrel_store_replay_op_copy (g_ptr_array_index (fresh, j));
      if (current == NULL)
        continue;

      replay.deferred = FALSE;
      if (replay_one (&replay, current, &op_error) && replay.deferred)
        continue;   /* waits for the other account's replay; stays queued as it is */
      if (op_error == NULL)
        {
          g_free (current->state);
          current->state = g_strdup ("done");
          g_clear_pointer (&current->last_error, g_free);
          ok = petrel_store_replay_update (store, current, error);
          continue;
        }

      if (is_connection_error (op_error))
        {
          g_propagate_error (error, g_steal_pointer (&op_error));
          ok = FALSE;
          break;
        }

      /* The server refused it: keep it, say why, and hold back what depends on it. */
      g_debug ("Queued change %" G_GINT64_FORMAT " refused: %s", current->id,
               op_error->message);
      g_free (current->state);
      current->state = g_strdup ("failed");
      current->attempts++;
      g_free (current->last_error);
      current->last_error = g_strdup (op_error->message);
      ok = petrel_store_replay_update (store, current, error);
      add_folders (current, blocked);
      failed++;
    }

  g_free (replay.selected);

  if (ok)
    {
      g_autoptr(GPtrArray) all = petrel_store_replay_list (store, NULL);

      for (guint i = 0; all != NULL && i < all->len; i++)
        {
          PetrelStoreReplayOp *op = g_ptr_array_index (all, i);

          if (g_strcmp0 (op->state, "done") == 0 || g_strcmp0 (op->state, "undone") == 0)
            finished++;
        }
      for (guint i = 0; all != NULL && i < all->len && finished > JOURNAL_KEEP; i++)
        {
          PetrelStoreReplayOp *op = g_ptr_array_index (all, i);

          if ((g_strcmp0 (op->state, "done") == 0 || g_strcmp0 (op->state, "undone") == 0) &&
              petrel_store_replay_delete (store, op->id, NULL))
            finished--;
        }
    }

  if (out_failed != NULL)
    *out_failed = failed;
  return ok;
}
