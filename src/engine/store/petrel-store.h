/* petrel-store.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "store/petrel-store-types.h"

G_BEGIN_DECLS

/**
 * PETREL_STORE_ERROR:
 *
 * Errors from the on-disk cache.
 */
#define PETREL_STORE_ERROR (petrel_store_error_quark ())

/**
 * PetrelStoreError:
 * @PETREL_STORE_ERROR_FAILED: anything else (the message says what)
 * @PETREL_STORE_ERROR_CORRUPT: store.db is damaged or not a database; the cache must be rebuilt
 * @PETREL_STORE_ERROR_TOO_NEW: store.db was written by a newer Petrel (schema version unknown)
 * @PETREL_STORE_ERROR_IO: reading or writing a file failed
 * @PETREL_STORE_ERROR_FULL: the disk is full
 * @PETREL_STORE_ERROR_BUSY: another process held the database locked for too long
 * @PETREL_STORE_ERROR_NOT_FOUND: no such folder, message or queue row
 * @PETREL_STORE_ERROR_NEEDS_REFETCH: the message body is not cached (missing, truncated or never
 *   downloaded); fetch it from the server and call petrel_store_set_body() again
 * @PETREL_STORE_ERROR_INVALID_QUERY: a search operator has a value it does not understand
 * @PETREL_STORE_ERROR_INVALID_ARGUMENT: a value the schema refuses (e.g. a replay payload that
 *   is not JSON, a folder path already in use)
 */
typedef enum {
  PETREL_STORE_ERROR_FAILED,
  PETREL_STORE_ERROR_CORRUPT,
  PETREL_STORE_ERROR_TOO_NEW,
  PETREL_STORE_ERROR_IO,
  PETREL_STORE_ERROR_FULL,
  PETREL_STORE_ERROR_BUSY,
  PETREL_STORE_ERROR_NOT_FOUND,
  PETREL_STORE_ERROR_NEEDS_REFETCH,
  PETREL_STORE_ERROR_INVALID_QUERY,
  PETREL_STORE_ERROR_INVALID_ARGUMENT,
} PetrelStoreError;

/* The schema version this build writes (PRAGMA user_version). */
#define PETREL_STORE_SCHEMA_VERSION 9

#define PETREL_TYPE_STORE (petrel_store_get_type ())

G_DECLARE_FINAL_TYPE (PetrelStore, petrel_store, PETREL, STORE, GObject)

/*
 * Threading
 * ---------
 * Every function below is synchronous, blocking and safe to call from any thread; the model
 * layer runs them in GTask threads, never on the main loop.
 *
 * - Writes go through one SQLite connection guarded by a recursive mutex. Each write function
 *   is one transaction (a savepoint when nested). petrel_store_begin() takes the mutex and
 *   opens a transaction that petrel_store_commit() or petrel_store_rollback() — called on the
 *   same thread — ends; until then writes from other threads wait.
 * - Reads use a small pool of separate read-only connections, one lent to a thread per call.
 *   In WAL mode they run concurrently with the writer and see the last committed state. A
 *   thread inside petrel_store_begin() reads through the write connection, so it sees its own
 *   uncommitted batch.
 * - Other processes (petrel-cli next to the app) are handled by SQLite's file locks and a busy
 *   timeout; a lock held too long gives %PETREL_STORE_ERROR_BUSY.
 * - Message files are written to a temporary name, fsync'd and renamed before the row says the
 *   body is present; files of expunged rows are removed after the transaction commits.
 *
 * Returned arrays are new #GPtrArray/#GArray with free functions set; an empty result is an
 * empty array, %NULL means an error.
 */

GQuark       petrel_store_error_quark        (void);

PetrelStore *petrel_store_open               (const char   *account_dir,
                                              GError      **error);
const char  *petrel_store_get_directory      (PetrelStore  *self);
gboolean     petrel_store_check_writable    (PetrelStore  *self,
                                             GError      **error);
gboolean     petrel_store_tidy_index        (PetrelStore  *self,
                                             GError      **error);

gboolean     petrel_store_begin              (PetrelStore  *self,
                                              GError      **error);
gboolean     petrel_store_commit             (PetrelStore  *self,
                                              GError      **error);
void         petrel_store_rollback           (PetrelStore  *self);

/* Folders */
gboolean           petrel_store_upsert_folder         (PetrelStore              *self,
                                                       const PetrelStoreFolder  *folder,
                                                       gint64                   *out_id,
                                                       GError                  **error);
GPtrArray         *petrel_store_list_folders          (PetrelStore              *self,
                                                       GError                  **error);
PetrelStoreFolder *petrel_store_get_folder            (PetrelStore              *self,
                                                       gint64                    folder_id,
                                                       GError                  **error);
PetrelStoreFolder *petrel_store_get_folder_by_path    (PetrelStore              *self,
                                                       const char               *path,
                                                       GError                  **error);
gboolean           petrel_store_rename_folder         (PetrelStore              *self,
                                                       gint64                    folder_id,
                                                       const char               *new_path,
                                                       GError                  **error);
gboolean           petrel_store_delete_folder         (PetrelStore              *self,
                                                       gint64                    folder_id,
                                                       GError                  **error);
gboolean           petrel_store_set_folder_sync_state (PetrelStore              *self,
                                                       gint64                    folder_id,
                                                       guint32                   uidvalidity,
                                                       guint32                   uidnext,
                                                       guint64                   highestmodseq,
                                                       gboolean                 *out_cache_dropped,
                                                       GError                  **error);
gboolean           petrel_store_reset_folder          (PetrelStore              *self,
                                                       gint64                    folder_id,
                                                       GError                  **error);
gboolean           petrel_store_count_messages        (PetrelStore              *self,
                                                       gint64                    folder_id,
                                                       guint                    *out_total,
                                                       guint                    *out_unread,
                                                       GError                  **error);

/* Message summaries */
gboolean            petrel_store_upsert_message        (PetrelStore         *self,
                                                        PetrelStoreMessage  *message,
                                                        GError             **error);
gboolean            petrel_store_upsert_messages       (PetrelStore         *self,
                                                        GPtrArray           *messages,
                                                        GError             **error);
gboolean            petrel_store_update_flags          (PetrelStore         *self,
                                                        gint64               folder_id,
                                                        guint32              uid,
                                                        PetrelStoreFlags     flags,
                                                        const char          *keywords,
                                                        guint64              modseq,
                                                        GError             **error);
gboolean            petrel_store_modify_flags          (PetrelStore         *self,
                                                        gint64               folder_id,
                                                        const guint32       *uids,
                                                        gsize                n_uids,
                                                        PetrelStoreFlags     add,
                                                        PetrelStoreFlags     remove,
                                                        GError             **error);
gboolean            petrel_store_expunge_uids          (PetrelStore         *self,
                                                        gint64               folder_id,
                                                        const guint32       *uids,
                                                        gsize                n_uids,
                                                        guint               *out_removed,
                                                        GError             **error);
GArray             *petrel_store_list_uids             (PetrelStore         *self,
                                                        gint64               folder_id,
                                                        GError             **error);
gboolean            petrel_store_get_max_uid           (PetrelStore         *self,
                                                        gint64               folder_id,
                                                        guint32             *out_uid,
                                                        GError             **error);
GArray             *petrel_store_list_uids_without_body (PetrelStore        *self,
                                                         gint64              folder_id,
                                                         guint               limit,
                                                         GError            **error);
PetrelStoreMessage *petrel_store_get_message           (PetrelStore         *self,
                                                        gint64               folder_id,
                                                        guint32              uid,
                                                        GError             **error);
GPtrArray          *petrel_store_list_messages         (PetrelStore         *self,
                                                        gint64               folder_id,
                                                        guint                offset,
                                                        guint                limit,
                                                        GError             **error);
GPtrArray          *petrel_store_list_conversation     (PetrelStore         *self,
                                                        gint64               conversation_id,
                                                        GError             **error);

/* Message files */
gboolean petrel_store_set_body             (PetrelStore         *self,
                                            gint64               folder_id,
                                            guint32              uid,
                                            GBytes              *raw,
                                            const char          *body_text,
                                            const char          *snippet,
                                            gboolean             has_attachments,
                                            const char * const  *attachment_names,
                                            GError             **error);
gboolean petrel_store_read_message         (PetrelStore         *self,
                                            gint64               folder_id,
                                            guint32              uid,
                                            GBytes             **out_bytes,
                                            GError             **error);
gboolean petrel_store_rename_message_file  (PetrelStore         *self,
                                            gint64               src_folder_id,
                                            guint32              src_uid,
                                            gint64               dst_folder_id,
                                            guint32              dst_uid,
                                            GError             **error);
gboolean petrel_store_copy_message         (PetrelStore         *self,
                                            gint64               src_folder_id,
                                            guint32              src_uid,
                                            gint64               dst_folder_id,
                                            guint32              dst_uid,
                                            GError             **error);

/* Search */
GPtrArray *petrel_store_search (PetrelStore  *self,
                                const char   *query,
                                const char   *folder_path,
                                guint         limit,
                                GError      **error);

/* Outbox (user data) */
gboolean               petrel_store_outbox_add    (PetrelStore                  *self,
                                                   GBytes                       *raw,
                                                   const char                   *recipients,
                                                   const char                   *subject,
                                                   gint64                       *out_id,
                                                   GError                      **error);
GPtrArray             *petrel_store_outbox_list   (PetrelStore                  *self,
                                                   GError                      **error);
PetrelStoreOutboxItem *petrel_store_outbox_get    (PetrelStore                  *self,
                                                   gint64                        id,
                                                   GError                      **error);
gboolean               petrel_store_outbox_update (PetrelStore                  *self,
                                                   const PetrelStoreOutboxItem  *item,
                                                   GError                      **error);
gboolean               petrel_store_outbox_delete (PetrelStore                  *self,
                                                   gint64                        id,
                                                   GError                      **error);

/* Replay queue (user data) */
gboolean    petrel_store_replay_add    (PetrelStore                *self,
                                        const char                 *kind,
                                        const char                 *payload_json,
                                        gint64                     *out_id,
                                        GError                    **error);
GPtrArray  *petrel_store_replay_list   (PetrelStore                *self,
                                        GError                    **error);
gboolean    petrel_store_replay_update (PetrelStore                *self,
                                        const PetrelStoreReplayOp  *op,
                                        GError                    **error);
gboolean    petrel_store_replay_delete (PetrelStore                *self,
                                        gint64                      id,
                                        GError                    **error);

G_END_DECLS
