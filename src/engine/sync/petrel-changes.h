/* petrel-changes.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "model/petrel-account.h"

G_BEGIN_DECLS

/*
 * Local changes: each is applied to the store at once and written to the replay queue in the
 * same transaction, so the front ends show it immediately, it survives a crash, and the next
 * sync (or petrel_changes_replay()) sends it to the server exactly once. All calls block on
 * SQLite: front ends call them from a worker thread (the CLI, being headless, directly).
 */

gboolean petrel_changes_set_flags     (PetrelAccount       *account,
                                       const char          *folder,
                                       const guint32       *uids,
                                       guint                n_uids,
                                       const char * const  *add,
                                       const char * const  *remove,
                                       GError             **error);
gboolean petrel_changes_move          (PetrelAccount       *account,
                                       const char          *folder,
                                       const guint32       *uids,
                                       guint                n_uids,
                                       const char          *destination,
                                       GError             **error);
gboolean petrel_changes_copy          (PetrelAccount       *account,
                                       const char          *folder,
                                       const guint32       *uids,
                                       guint                n_uids,
                                       const char          *destination,
                                       GError             **error);
/**
 * PetrelChangesTransferFlags:
 * @PETREL_CHANGES_TRANSFER_NONE: move
 * @PETREL_CHANGES_TRANSFER_COPY: copy: the originals stay
 * @PETREL_CHANGES_TRANSFER_OFFLINE: never fetch a message not downloaded yet; fail instead
 */
typedef enum {
  PETREL_CHANGES_TRANSFER_NONE    = 0,
  PETREL_CHANGES_TRANSFER_COPY    = 1 << 0,
  PETREL_CHANGES_TRANSFER_OFFLINE = 1 << 1,
} PetrelChangesTransferFlags;

/* Moves (or copies) messages to @destination of another account @target. The messages show
 * in @destination at once (provisional UIDs) and, for a move, leave @folder; both queues get
 * their half. The server of @target gets an APPEND (flags and internal date kept) before the
 * originals are deleted from @account's server, never twice, whatever crashes in between.
 * A message not downloaded yet is fetched first (this call then uses the network) unless
 * %PETREL_CHANGES_TRANSFER_OFFLINE. @out_change_id: (out) (optional): the change's id in
 * @target's queue (what petrel_changes_undo_after() on @target takes back). With @target the
 * same account, this is petrel_changes_move() or petrel_changes_copy(). */
gboolean petrel_changes_move_to_account (PetrelAccount              *account,
                                         const char                 *folder,
                                         const guint32              *uids,
                                         guint                       n_uids,
                                         PetrelAccount              *target,
                                         const char                 *destination,
                                         PetrelChangesTransferFlags  flags,
                                         gint64                     *out_change_id,
                                         GCancellable               *cancellable,
                                         GError                    **error);
gboolean petrel_changes_delete        (PetrelAccount       *account,
                                       const char          *folder,
                                       const guint32       *uids,
                                       guint                n_uids,
                                       gboolean             expunge,
                                       GError             **error);
gboolean petrel_changes_create_folder (PetrelAccount       *account,
                                       const char          *path,
                                       GError             **error);
gboolean petrel_changes_rename_folder (PetrelAccount       *account,
                                       const char          *path,
                                       const char          *new_path,
                                       GError             **error);
gboolean petrel_changes_delete_folder (PetrelAccount       *account,
                                       const char          *path,
                                       GError             **error);

/* Takes back the account's last change (move, delete, flags, folder rename), whether it is
 * still queued or already on the server. @out_description: what was undone, for people. */
gboolean petrel_changes_undo          (PetrelAccount       *account,
                                       char               **out_description,
                                       GError             **error);

/* Exactly the changes made between two petrel_changes_last_id() calls (ids in
 * (@first_id, @last_id]), newest first: what an undo toast takes back. */
gboolean petrel_changes_last_id       (PetrelAccount       *account,
                                       gint64              *out_id,
                                       GError             **error);
gboolean petrel_changes_undo_after    (PetrelAccount       *account,
                                       gint64               first_id,
                                       gint64               last_id,
                                       char               **out_description,
                                       GError             **error);

/* Queued changes, oldest first (PetrelStoreReplayOp; state "pending", "failed" or "done"). */
GPtrArray *petrel_changes_list_pending (PetrelAccount      *account,
                                        GError            **error);
gboolean   petrel_changes_has_pending_between_accounts (PetrelAccount *account);
char      *petrel_changes_describe     (const PetrelStoreReplayOp *op);

/* Blocking: connects and replays the queue now. @out_failed: changes the server refused. */
gboolean petrel_changes_replay        (PetrelAccount       *account,
                                       guint               *out_failed,
                                       GCancellable        *cancellable,
                                       GError             **error);

G_END_DECLS
