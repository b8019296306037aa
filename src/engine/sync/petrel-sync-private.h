/* petrel-sync-private.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "imap/petrel-imap-client.h"
#include "store/petrel-store.h"

G_BEGIN_DECLS

/* UIDs from here up are provisional: given locally to a message moved or copied into a folder
 * before the server has said which UID it got there (COPYUID). Sync never treats them as the
 * server's, and replaying the move renames them to the real ones. */
#define PETREL_PROVISIONAL_UID_BASE 0x80000000u

static inline gboolean
_petrel_uid_is_provisional (guint32 uid)
{
  return uid >= PETREL_PROVISIONAL_UID_BASE;
}

/* Waiting for an async call on the syncing thread's own main context. */
typedef struct
{
  GMainContext *context;
  GAsyncResult *result;
} PetrelWait;

void          _petrel_wait_cb    (GObject      *source,
                                  GAsyncResult *result,
                                  gpointer      user_data);
GAsyncResult *_petrel_wait_for   (PetrelWait   *wait);
void          _petrel_wait_clear (PetrelWait   *wait);

/* What commands call a folder on @client, which has raw mailbox names on: the server's own
 * name (PetrelStoreFolder.raw_path) when known, else the path encoded for the connection.
 * _petrel_store_wire_name() looks @path up in @store first (NULL for a NULL @path). */
char         *_petrel_path_wire_name   (PetrelImapClient        *client,
                                        const char              *path);
char         *_petrel_folder_wire_name (PetrelImapClient        *client,
                                        const PetrelStoreFolder *folder);
char         *_petrel_store_wire_name  (PetrelImapClient        *client,
                                        PetrelStore             *store,
                                        const char              *path);

/* Replays the account's queued changes over @client, in order. A change the server refuses is
 * kept (with the server's words) and the changes after it on the same folder wait; the others
 * go on. Returns FALSE only when the connection itself failed. */
gboolean      _petrel_replay_run (PetrelImapClient  *client,
                                  GMainContext      *context,
                                  PetrelStore       *store,
                                  GCancellable      *cancellable,
                                  guint             *out_failed,
                                  GError           **error);

PetrelImapSeqSet *_petrel_imap_find_message_id (PetrelImapClient  *client,
                                                GMainContext      *context,
                                                const char        *message_id,
                                                GCancellable      *cancellable,
                                                GError           **error);

/* petrel-changes.c */
gboolean    _petrel_changes_set_undone (PetrelStore          *store,
                                        PetrelStoreReplayOp  *op,
                                        GError              **error);

/* Payloads of queued changes (petrel-sync-json.c). */
GArray     *_petrel_json_get_uids   (JsonObject  *object,
                                     const char  *name);
void        _petrel_json_set_uids   (JsonObject  *object,
                                     const char  *name,
                                     GArray      *uids);
GStrv       _petrel_json_get_strv   (JsonObject  *object,
                                     const char  *name);
const char *_petrel_json_get_string (JsonObject  *object,
                                     const char  *name);

G_END_DECLS
