/* petrel-xmove-private.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "model/petrel-account.h"
#include "store/petrel-store.h"

G_BEGIN_DECLS

/*
 * Moving and copying messages between two accounts (issue #8). Two queued changes, one per
 * account, joined by the id of the first:
 *
 *   the target account's queue    "account-move" / "account-copy"
 *     {to, provisional, flags: [[…]…], dates, message_ids, states, dest_uids,
 *      from_account, from_folder, from_uidvalidity, from_uids}
 *   the source account's queue    "account-move-out" (moves only)
 *     {folder, uidvalidity, uids, to_account, to_folder, xid, appended}
 *
 * The bytes are in the target's store (provisional rows) before either is queued. The target
 * replays first: each message is APPENDed (states[i]: 0 not yet, 1 being appended, 2 done; a
 * retry of 1 looks for the Message-ID before appending again), then "appended" is set in the
 * source's change, and only then may the source's replay delete the originals.
 */

#define PETREL_XMOVE_KIND_MOVE "account-move"
#define PETREL_XMOVE_KIND_COPY "account-copy"
#define PETREL_XMOVE_KIND_OUT  "account-move-out"

enum
{
  PETREL_XMOVE_STATE_WAITING = 0,
  PETREL_XMOVE_STATE_APPENDING = 1,
  PETREL_XMOVE_STATE_APPENDED = 2,
};

/* petrel-changes.c */
PetrelStoreFolder   *_petrel_changes_folder_for  (PetrelStore          *store,
                                                  const char           *path,
                                                  GError              **error);
gboolean             _petrel_changes_check_uids  (PetrelStore              *store,
                                                  const PetrelStoreFolder  *folder,
                                                  const guint32            *uids,
                                                  guint                     n_uids,
                                                  GError                  **error);
guint32              _petrel_changes_next_provisional_uid (PetrelStore  *store,
                                                           gint64        folder_id,
                                                           GError      **error);
void                 _petrel_changes_add_uids    (JsonBuilder          *builder,
                                                  const char           *name,
                                                  const guint32        *uids,
                                                  guint                 n_uids);

gboolean             _petrel_xmove_is_kind       (const char           *kind);

PetrelStore         *_petrel_xmove_open_store    (PetrelStore          *store,
                                                  const char           *account_id,
                                                  GError              **error);
PetrelStoreReplayOp *_petrel_xmove_find_op       (PetrelStore          *store,
                                                  const char           *kind,
                                                  gint64                id,
                                                  gint64                xid,
                                                  GError              **error);
/* The source's half of a move (idempotent): its rows go, its change is queued once. */
gboolean             _petrel_xmove_ensure_out    (PetrelStore          *source,
                                                  JsonObject           *in_object,
                                                  const char           *target_id,
                                                  gint64                xid,
                                                  gboolean              appended,
                                                  GError              **error);
char                *_petrel_xmove_describe      (const PetrelStoreReplayOp *op,
                                                  JsonObject           *object);
/* Undo of either half; @account owns @op. */
gboolean             _petrel_xmove_undo          (PetrelAccount        *account,
                                                  PetrelStore          *store,
                                                  PetrelStoreReplayOp  *op,
                                                  JsonObject           *object,
                                                  GError              **error);
void                 _petrel_json_set_payload    (PetrelStoreReplayOp  *op,
                                                  JsonObject           *object);

G_END_DECLS
