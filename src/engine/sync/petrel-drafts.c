/* petrel-drafts.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Drafts, kept in the outbox table with states "draft" (a version not on the server yet),
 * "draft-saved" (on the server) and "draft-deleted" (to be removed from the server). The JSON
 * column holds {"draft": true, "message_id": "…"}.
 */

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "imap/petrel-imap-client.h"
#include "mime/petrel-mime-summary.h"

#include "petrel-drafts.h"
#include "petrel-outbox.h"
#include "petrel-outbox-private.h"
#include "petrel-sync.h"
#include "petrel-sync-private.h"

static gboolean
is_draft_state (const char *state)
{
  return g_strcmp0 (state, "draft") == 0 || g_strcmp0 (state, "draft-saved") == 0;
}

char *
petrel_drafts_item_dup_message_id (const PetrelStoreOutboxItem *item)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;

  if (item->recipients == NULL ||
      !json_parser_load_from_data (parser, item->recipients, -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return NULL;
  object = json_node_get_object (json_parser_get_root (parser));
  if (!json_object_has_member (object, "message_id"))
    return NULL;
  return g_strdup (json_object_get_string_member (object, "message_id"));
}

gint64
petrel_drafts_save (PetrelAccount       *account,
                    gint64               replace,
                    GBytes              *message,
                    const char          *subject,
                    const char          *envelope_from,
                    const char * const  *recipients,
                    GError             **error)
{
  g_autoptr(PetrelMimeSummary) summary = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *column = NULL;
  PetrelStore *store;
  gint64 id = 0;

  g_return_val_if_fail (PETREL_IS_ACCOUNT (account), 0);
  g_return_val_if_fail (message != NULL, 0);

  store = petrel_account_get_store (account, error);
  if (store == NULL)
    return 0;

  summary = petrel_mime_summary_new_from_bytes (message, 0);
  if (summary == NULL || summary->message_id == NULL)
    {
      g_set_error_literal (error, PETREL_SYNC_ERROR, PETREL_SYNC_ERROR_FAILED,
                           _("A draft needs a Message-ID"));
      return 0;
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "draft");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_set_member_name (builder, "message_id");
  json_builder_add_string_value (builder, summary->message_id);
  /* The envelope, Bcc included (Bcc is never in the bytes), for when the draft is sent. */
  json_builder_set_member_name (builder, "from");
  json_builder_add_string_value (builder, envelope_from != NULL ? envelope_from : "");
  json_builder_set_member_name (builder, "to");
  json_builder_begin_array (builder);
  for (guint i = 0; recipients != NULL && recipients[i] != NULL; i++)
    json_builder_add_string_value (builder, recipients[i]);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  column = json_to_string (root, FALSE);

  if (!petrel_store_begin (store, error))
    return 0;

  if (replace != 0)
    {
      g_autoptr(PetrelStoreOutboxItem) old = petrel_store_outbox_get (store, replace, error);

      if (old == NULL || !is_draft_state (old->state))
        {
          if (old != NULL)
            g_set_error (error, PETREL_SYNC_ERROR, PETREL_SYNC_ERROR_FAILED,
                         _("%" PRId64 " is not a draft"), replace);
          petrel_store_rollback (store);
          return 0;
        }
      /* The old version's server copy goes with the new version's upload (same Message-ID). */
      if (!petrel_store_outbox_delete (store, replace, error))
        {
          petrel_store_rollback (store);
          return 0;
        }
    }

  if (!petrel_store_outbox_add (store, message, column, subject, &id, error))
    {
      petrel_store_rollback (store);
      return 0;
    }

  {
    g_autoptr(PetrelStoreOutboxItem) item = petrel_store_outbox_get (store, id, error);

    if (item == NULL)
      {
        petrel_store_rollback (store);
        return 0;
      }
    g_free (item->state);
    item->state = g_strdup ("draft");
    if (!petrel_store_outbox_update (store, item, error))
      {
        petrel_store_rollback (store);
        return 0;
      }
  }

  return petrel_store_commit (store, error) ? id : 0;
}

GPtrArray *
petrel_drafts_list (PetrelAccount  *account,
                    GError        **error)
{
  PetrelStore *store = petrel_account_get_store (account, error);
  g_autoptr(GPtrArray) items = NULL;
  GPtrArray *drafts;

  if (store == NULL || (items = petrel_store_outbox_list (store, error)) == NULL)
    return NULL;

  drafts = g_ptr_array_new_with_free_func ((GDestroyNotify) petrel_store_outbox_item_free);
  for (guint i = 0; i < items->len; i++)
    {
      PetrelStoreOutboxItem *item = g_ptr_array_index (items, i);

      if (is_draft_state (item->state))
        g_ptr_array_add (drafts, petrel_store_outbox_item_copy (item));
    }
  return drafts;
}

gboolean
petrel_drafts_delete (PetrelAccount  *account,
                      gint64          id,
                      GError        **error)
{
  g_autoptr(PetrelStoreOutboxItem) item = NULL;
  PetrelStore *store = petrel_account_get_store (account, error);

  if (store == NULL || (item = petrel_store_outbox_get (store, id, error)) == NULL)
    return FALSE;
  if (!is_draft_state (item->state))
    {
      g_set_error (error, PETREL_SYNC_ERROR, PETREL_SYNC_ERROR_FAILED,
                   _("%" PRId64 " is not a draft"), id);
      return FALSE;
    }

  /* Even a version never uploaded may have older versions on the server: the next upload
   * removes every copy with this Message-ID, then the row. */
  g_free (item->state);
  item->state = g_strdup ("draft-deleted");
  return petrel_store_outbox_update (store, item, error);
}

/* ---- on the server ---------------------------------------------------------------------- */

/* The UIDs in the selected folder of messages with this Message-ID (no angle brackets). */
PetrelImapSeqSet *
_petrel_imap_find_message_id (PetrelImapClient  *client,
                              GMainContext      *context,
                              const char        *message_id,
                              GCancellable      *cancellable,
                              GError           **error)
{
  g_autofree char *id = g_strdup_printf ("=<%s>", message_id);
  const char *criteria[] = { "HEADER", "=Message-ID", id, NULL };
  PetrelWait wait = { context, NULL };
  PetrelImapSeqSet *found;

  petrel_imap_client_uid_search_async (client, criteria, cancellable, _petrel_wait_cb, &wait);
  found = petrel_imap_client_uid_search_finish (client, _petrel_wait_for (&wait), NULL, error);
  _petrel_wait_clear (&wait);
  return found;
}

static gboolean
remove_copies (PetrelImapClient        *client,
               GMainContext            *context,
               const PetrelImapSeqSet  *uids,
               GCancellable            *cancellable,
               GError                 **error)
{
  static const char *deleted[] = { "\\Deleted", NULL };
  PetrelWait wait = { context, NULL };
  gboolean ok;

  if (petrel_imap_seqset_is_empty (uids))
    return TRUE;

  petrel_imap_client_uid_store_async (client, uids, PETREL_IMAP_STORE_ADD, deleted, 0, NULL,
                                      NULL, NULL, cancellable, _petrel_wait_cb, &wait);
  ok = petrel_imap_client_uid_store_finish (client, _petrel_wait_for (&wait), NULL, error);
  _petrel_wait_clear (&wait);
  if (!ok)
    return FALSE;

  petrel_imap_client_expunge_async (client, uids, cancellable, _petrel_wait_cb, &wait);
  ok = petrel_imap_client_expunge_finish (client, _petrel_wait_for (&wait), error);
  _petrel_wait_clear (&wait);
  return ok;
}

gboolean
_petrel_drafts_upload (PetrelStore       *store,
                       PetrelImapClient  *client,
                       GMainContext      *context,
                       GCancellable      *cancellable,
                       GError           **error)
{
  static const char *draft_flags[] = { "\\Draft", "\\Seen", NULL };
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(PetrelStoreFolder) drafts = NULL;
  g_autoptr(GPtrArray) folders = NULL;
  g_autofree char *wire = NULL;
  gboolean selected = FALSE;

  items = petrel_store_outbox_list (store, error);
  folders = items != NULL ? petrel_store_list_folders (store, error) : NULL;
  if (folders == NULL)
    return FALSE;

  for (guint i = 0; i < folders->len && drafts == NULL; i++)
    if (((PetrelStoreFolder *) g_ptr_array_index (folders, i))->role ==
        PETREL_STORE_FOLDER_ROLE_DRAFTS)
      drafts = petrel_store_folder_copy (g_ptr_array_index (folders, i));
  if (drafts == NULL)
    return TRUE;   /* no Drafts folder on this server: drafts stay local */
  wire = _petrel_folder_wire_name (client, drafts);

  for (guint i = 0; i < items->len; i++)
    {
      PetrelStoreOutboxItem *item = g_ptr_array_index (items, i);
      g_autofree char *message_id = NULL;
      g_autoptr(PetrelImapSeqSet) old = NULL;
      PetrelWait wait = { context, NULL };

      if (g_strcmp0 (item->state, "draft") != 0 && g_strcmp0 (item->state, "draft-deleted") != 0)
        continue;
      message_id = petrel_drafts_item_dup_message_id (item);
      if (message_id == NULL)
        continue;

      if (!selected)
        {
          g_autoptr(PetrelImapMailboxState) state = NULL;

          petrel_imap_client_select_async (client, wire, FALSE, FALSE, NULL, NULL, NULL,
                                           NULL, cancellable, _petrel_wait_cb, &wait);
          state = petrel_imap_client_select_finish (client, _petrel_wait_for (&wait), error);
          _petrel_wait_clear (&wait);
          if (state == NULL)
            return FALSE;
          selected = TRUE;
        }

      /* Every copy there now is an older version (or this one, from an upload cut short). */
      old = _petrel_imap_find_message_id (client, context, message_id, cancellable, error);
      if (old == NULL)
        return FALSE;

      if (g_strcmp0 (item->state, "draft") == 0)
        {
          PetrelImapAppendMessage append = { item->raw, draft_flags, NULL };
          gboolean ok;

          petrel_imap_client_append_async (client, wire, &append, cancellable,
                                           _petrel_wait_cb, &wait);
          ok = petrel_imap_client_append_finish (client, _petrel_wait_for (&wait), NULL, NULL,
                                                 error);
          _petrel_wait_clear (&wait);
          if (!ok || !remove_copies (client, context, old, cancellable, error))
            return FALSE;

          g_free (item->state);
          item->state = g_strdup ("draft-saved");
          if (!petrel_store_outbox_update (store, item, error))
            return FALSE;
        }
      else
        {
          if (!remove_copies (client, context, old, cancellable, error) ||
              !petrel_store_outbox_delete (store, item->id, error))
            return FALSE;
        }
    }

  return TRUE;
}

gint64
petrel_drafts_send (PetrelAccount  *account,
                    gint64          id,
                    GError        **error)
{
  g_autoptr(PetrelStoreOutboxItem) item = NULL;
  g_autofree char *from = NULL;
  g_auto(GStrv) to = NULL;
  PetrelStore *store = petrel_account_get_store (account, error);
  gint64 queued;

  if (store == NULL || (item = petrel_store_outbox_get (store, id, error)) == NULL)
    return 0;
  if (!is_draft_state (item->state))
    {
      g_set_error (error, PETREL_SYNC_ERROR, PETREL_SYNC_ERROR_FAILED,
                   _("%" PRId64 " is not a draft"), id);
      return 0;
    }

  from = petrel_outbox_item_dup_from (item);
  to = petrel_outbox_item_dup_recipients (item);

  if (!petrel_store_begin (store, error))
    return 0;
  queued = petrel_outbox_queue (account, item->raw, from, (const char * const *) to,
                                item->subject, 0, error);
  if (queued == 0 || !petrel_drafts_delete (account, id, error))
    {
      petrel_store_rollback (store);
      return 0;
    }
  return petrel_store_commit (store, error) ? queued : 0;
}
