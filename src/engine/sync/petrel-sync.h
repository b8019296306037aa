/* petrel-sync.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "model/petrel-account.h"
#include "sync/petrel-sync-progress.h"

G_BEGIN_DECLS

#define PETREL_SYNC_ERROR (petrel_sync_error_quark ())

/**
 * PetrelSyncError:
 * @PETREL_SYNC_ERROR_FAILED: anything else (the message says what)
 * @PETREL_SYNC_ERROR_NO_SUCH_FOLDER: the folder asked for is not on the server
 * @PETREL_SYNC_ERROR_OFFLINE: the account is offline-only (the demo mailbox) or --offline
 * @PETREL_SYNC_ERROR_REFUSED: the sync finished but the server refused queued changes
 */
typedef enum
{
  PETREL_SYNC_ERROR_FAILED,
  PETREL_SYNC_ERROR_NO_SUCH_FOLDER,
  PETREL_SYNC_ERROR_OFFLINE,
  PETREL_SYNC_ERROR_REFUSED,
} PetrelSyncError;

typedef enum /*< flags >*/
{
  PETREL_SYNC_NONE         = 0,
  PETREL_SYNC_HEADERS_ONLY = 1 << 0,
} PetrelSyncFlags;

/* Called on the syncing thread; the model layer forwards it to the main context. */
typedef void (*PetrelSyncProgressFunc) (PetrelSyncPhase  phase,
                                        const char      *folder,
                                        guint64          done,
                                        guint64          total,
                                        gpointer         user_data);

GQuark   petrel_sync_error_quark (void);

/* Blocking: runs the whole sync of @account (or of @folder only) on the calling thread, with
 * its own main context for the IMAP connection. Call it from a worker thread. */
gboolean petrel_sync_account     (PetrelAccount          *account,
                                  const char             *folder,
                                  PetrelSyncFlags         flags,
                                  PetrelSyncProgressFunc  progress_func,
                                  gpointer                progress_data,
                                  GCancellable           *cancellable,
                                  GError                **error);

/* Blocking: fetches one message body from the server into the cache. */
gboolean petrel_sync_fetch_body  (PetrelAccount          *account,
                                  const char             *folder,
                                  guint32                 uid,
                                  GCancellable           *cancellable,
                                  GError                **error);

/* Blocking: asks the server (UID SEARCH) about messages whose bodies are not cached yet, so a
 * search over a headers-only cache still finds words in bodies. Returns the matching
 * messages' stored rows (PetrelStoreMessage, with folder_path set), at most @limit. */
GPtrArray *petrel_sync_remote_search (PetrelAccount  *account,
                                      const char     *query,
                                      const char     *folder,
                                      guint           limit,
                                      GCancellable   *cancellable,
                                      GError        **error);

/**
 * PetrelWatchFunc:
 * @event: "new", "expunged" or "flags"
 * @message: (nullable): the message as now stored ("new", "flags"), or %NULL ("expunged")
 *
 * Called on the watching thread for each change seen in the watched folder.
 */
typedef void (*PetrelWatchFunc) (const char          *event,
                                 const char          *folder,
                                 guint32              uid,
                                 PetrelStoreMessage  *message,
                                 gpointer             user_data);

/* Blocking, until @cancellable is cancelled: keeps @folder (INBOX if NULL) up to date with
 * IDLE, syncing it whenever the server reports a change, and reports each change. Reconnects
 * with exponential backoff and jitter when the connection drops. */
gboolean petrel_sync_watch       (PetrelAccount          *account,
                                  const char             *folder,
                                  PetrelWatchFunc         func,
                                  gpointer                user_data,
                                  GCancellable           *cancellable,
                                  GError                **error);

G_END_DECLS
