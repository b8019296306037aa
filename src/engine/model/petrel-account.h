/* petrel-account.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "account/petrel-account-config.h"
#include "account/petrel-credentials.h"
#include "store/petrel-store.h"
#include "sync/petrel-sync-progress.h"

G_BEGIN_DECLS

#define PETREL_TYPE_ACCOUNT (petrel_account_get_type ())

G_DECLARE_FINAL_TYPE (PetrelAccount, petrel_account, PETREL, ACCOUNT, GObject)

PetrelAccount       *petrel_account_open            (const char          *data_dir,
                                                     const char          *id,
                                                     GError             **error);
PetrelAccount       *petrel_account_new_for_config  (const char          *data_dir,
                                                     PetrelAccountConfig *config);
GPtrArray           *petrel_account_open_all        (const char          *data_dir,
                                                     GError             **error);

const char          *petrel_account_get_id          (PetrelAccount       *self);
const char          *petrel_account_get_data_dir    (PetrelAccount       *self);
const char          *petrel_account_get_secret_key  (PetrelAccount       *self);
char                *petrel_account_dup_secret_key_for (const char       *data_dir,
                                                        const char       *id);
PetrelAccountConfig *petrel_account_get_config      (PetrelAccount       *self);
PetrelStore         *petrel_account_get_store       (PetrelAccount       *self,
                                                     GError             **error);
PetrelCredentials   *petrel_account_get_credentials (PetrelAccount       *self);
void                 petrel_account_set_credentials (PetrelAccount       *self,
                                                     PetrelCredentials   *credentials);

/* Sync runs on a worker thread; @progress (optional) is updated on the caller's main context. */
void                 petrel_account_sync_async      (PetrelAccount       *self,
                                                     const char          *folder,
                                                     gboolean             headers_only,
                                                     PetrelSyncProgress  *progress,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
gboolean             petrel_account_sync_finish     (PetrelAccount       *self,
                                                     GAsyncResult        *result,
                                                     GError             **error);

/* The raw message, from the cache, or fetched from the server first when not cached and
 * @allow_network. */
void                 petrel_account_load_message_async  (PetrelAccount       *self,
                                                         const char          *folder,
                                                         guint32              uid,
                                                         gboolean             allow_network,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
GBytes              *petrel_account_load_message_finish (PetrelAccount       *self,
                                                         GAsyncResult        *result,
                                                         GError             **error);

/* Takes back the last change (see petrel_changes_undo()) on a worker thread, then sends the
 * queue if @online; the result is a description of what was undone (free it). */
void                 petrel_account_undo_async          (PetrelAccount       *self,
                                                         gboolean             online,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
void                 petrel_account_undo_range_async    (PetrelAccount       *self,
                                                         gint64               first_id,
                                                         gint64               last_id,
                                                         gboolean             online,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
char                *petrel_account_undo_finish         (PetrelAccount       *self,
                                                         GAsyncResult        *result,
                                                         GError             **error);

gboolean             petrel_account_wait_for_all        (gint64               timeout);

G_END_DECLS
