/* petrel-store-private.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <sqlite3.h>

#include "store/petrel-store.h"

G_BEGIN_DECLS

/* One SQLite connection and its cache of prepared statements. A connection is used by one
 * thread at a time: the writer under PetrelStore.write_lock, a reader while it is lent. */
typedef struct {
  sqlite3    *db;
  GHashTable *stmts;   /* const char *sql (a literal, by address) → sqlite3_stmt *, owned */
  guint       fts_staged;  /* rows in temp.fts_stage (an upper bound after a rollback) */
} PetrelStoreConn;

struct _PetrelStore {
  GObject           parent_instance;

  char             *dir;               /* owned */
  char             *db_path;           /* owned */
  char             *messages_dir;      /* owned */
  char             *clean_path;        /* owned: the clean-shutdown marker, store.db-clean */
  gboolean          opened;            /* open succeeded: a close may leave the marker */
  char             *read_only_uri;     /* owned, nullable: opened read-only, the disk is full */

  GRecMutex         write_lock;
  PetrelStoreConn  *writer;            /* owned, guarded by write_lock */
  guint             tx_depth;          /* guarded by write_lock */
  gpointer          tx_owner;          /* GThread * inside a transaction; atomic */
  GPtrArray        *pending_unlinks;   /* char *, files to remove at the outer commit; guarded */
  gboolean          needs_syncfs;      /* message files written unsynced in this batch; guarded */
  GArray           *unlink_marks;      /* guint, pending_unlinks->len at each depth; guarded */
  guint             bodies_indexed;    /* bodies indexed since the last tidy; guarded */

  GMutex            pool_lock;
  GPtrArray        *idle_readers;      /* PetrelStoreConn *, owned, guarded by pool_lock */

  GThread          *checkpointer;      /* owned, nullable: see on_wal_commit() */
  GMutex            checkpoint_lock;
  GCond             checkpoint_cond;
  gboolean          checkpoint_wanted; /* guarded by checkpoint_lock */
  gboolean          checkpoint_quit;   /* guarded by checkpoint_lock */
  int               checkpoint_pages;  /* CHECKPOINT_BYTES in this file's pages */

  GMutex            prefetch_lock;
  GThreadPool      *prefetch;          /* owned, nullable: see petrel-store-search.c */
};

/* A connection lent for reading (the write connection if this thread is inside a
 * transaction). Use with g_auto(). */
typedef struct {
  PetrelStore     *store;
  PetrelStoreConn *conn;
  gboolean         is_writer;
} PetrelStoreRead;

/* An open transaction or savepoint on the write connection. Use with g_auto(): leaving the
 * scope without _petrel_store_write_commit() rolls back. */
typedef struct {
  PetrelStore     *store;
  PetrelStoreConn *conn;
  gboolean         active;
} PetrelStoreWrite;

/* A cached statement: with g_autoptr() it is reset (not finalized) when leaving the scope, so
 * no read transaction stays open. */
typedef sqlite3_stmt PetrelStoreStmt;

/* Whether store.db and its WAL are as the store last recorded them (the clean marker, see
 * petrel-store.c): an open would skip the integrity check. */
gboolean       _petrel_store_clean_marker_matches (PetrelStore   *self);

gboolean       _petrel_store_read_begin      (PetrelStore       *self,
                                              PetrelStoreRead   *read,
                                              GError           **error);
void           _petrel_store_read_end        (PetrelStoreRead   *read);
gboolean       _petrel_store_write_begin     (PetrelStore       *self,
                                              PetrelStoreWrite  *write,
                                              GError           **error);
gboolean       _petrel_store_write_commit    (PetrelStoreWrite  *write,
                                              GError           **error);
void           _petrel_store_write_abort     (PetrelStoreWrite  *write);
gboolean       _petrel_store_fts_stage       (PetrelStoreConn   *conn,
                                              gint64             id,
                                              const char        *body,
                                              const char        *attachments,
                                              GError           **error);
gboolean       _petrel_store_fts_flush       (PetrelStoreConn   *conn,
                                              GError           **error);
gboolean       _petrel_store_add_new_row     (PetrelStoreConn   *conn,
                                              gint64             id,
                                              GError           **error);
gboolean       _petrel_store_in_batch        (PetrelStore       *self);
void           _petrel_store_queue_unlink    (PetrelStore       *self,
                                              char              *path);
void           _petrel_store_queue_rmdir     (PetrelStore       *self,
                                              gint64             folder_id);

PetrelStoreStmt *_petrel_store_prepare       (PetrelStoreConn   *conn,
                                              const char        *sql,
                                              GError           **error);
gboolean       _petrel_store_exec            (PetrelStoreConn   *conn,
                                              const char        *sql,
                                              GError           **error);
gboolean       _petrel_store_step_done       (PetrelStoreConn   *conn,
                                              sqlite3_stmt      *stmt,
                                              GError           **error);
void           _petrel_store_set_error       (GError           **error,
                                              sqlite3           *db,
                                              int                rc,
                                              const char        *what);

void           _petrel_store_bind_text       (sqlite3_stmt      *stmt,
                                              int                idx,
                                              const char        *text);
char          *_petrel_store_column_dup      (sqlite3_stmt      *stmt,
                                              int                col);

char          *_petrel_store_message_relpath (gint64             folder_id,
                                              guint32            uid);
char          *_petrel_store_folder_dir      (PetrelStore       *self,
                                              gint64             folder_id);

/* Columns of a message row, in the order _petrel_store_message_from_row() reads them; "m" is
 * the messages table alias. */
#define PETREL_STORE_MESSAGE_COLUMNS \
  "m.id, m.folder_id, m.uid, m.modseq, m.flags, m.keywords, m.internal_date, m.size, m.date, " \
  "m.subject, m.from_name, m.from_addr, m.to_text, m.cc_text, m.message_id, m.in_reply_to, " \
  "m.references_text, m.has_attachments, m.snippet, m.body_present, m.conversation_id"
#define PETREL_STORE_MESSAGE_N_COLUMNS 21

PetrelStoreMessage *_petrel_store_message_from_row (sqlite3_stmt *stmt);
/* The columns above followed by the folder's path (f.path), as in a join with folders f. */
PetrelStoreMessage *_petrel_store_message_with_path_from_row (sqlite3_stmt *stmt);
void                _petrel_store_stop_prefetch (PetrelStore *self);

/* Makes one result (owned by the caller) of the statement's current row. */
typedef gpointer (*PetrelStoreRowFunc) (sqlite3_stmt *stmt);
/* Takes the statement's current row; returns %FALSE to read no further. */
typedef gboolean (*PetrelStoreEachFunc) (sqlite3_stmt *stmt,
                                         gpointer      user_data);

gboolean   _petrel_store_read_each (PetrelStore         *self,
                                    const char          *sql,
                                    const gint64        *params,
                                    guint                n_params,
                                    PetrelStoreEachFunc  func,
                                    gpointer             user_data,
                                    const char          *what,
                                    GError             **error);
GPtrArray *_petrel_store_read_rows (PetrelStore         *self,
                                    const char          *sql,
                                    const gint64        *params,
                                    guint                n_params,
                                    PetrelStoreRowFunc   row_func,
                                    GDestroyNotify       free_func,
                                    const char          *what,
                                    GError             **error);
gboolean   _petrel_store_read_row  (PetrelStore         *self,
                                    const char          *sql,
                                    const gint64        *params,
                                    guint                n_params,
                                    PetrelStoreRowFunc   row_func,
                                    gpointer            *out_row,
                                    const char          *what,
                                    GError             **error);
gboolean   _petrel_store_read_int64s (PetrelStore       *self,
                                      const char        *sql,
                                      const gint64      *params,
                                      guint              n_params,
                                      gint64            *out_values,
                                      guint              n_values,
                                      const char        *what,
                                      GError           **error);

/* Threading (petrel-store-thread.c) */
char      *_petrel_store_subject_key          (const char        *subject,
                                               gboolean          *out_is_reply);
void       _petrel_store_thread_keys_free     (PetrelStoreThreadKeys *keys);
gint64     _petrel_store_thread_key           (const char        *text);
GPtrArray *_petrel_store_collect_thread_ids   (const char        *message_id,
                                               const char        *in_reply_to,
                                               const char        *references_text);
gboolean   _petrel_store_thread_message       (PetrelStoreConn   *conn,
                                               const PetrelStoreMessage *message,
                                               gint64            *out_conversation_id,
                                               GError           **error);

/* Search (petrel-store-query.c) */
typedef struct {
  GString          *match;           /* FTS5 MATCH expression; empty: no full-text condition */
  gboolean          nothing;         /* the query can match nothing (e.g. only punctuation) */
  PetrelStoreFlags  flags_set;       /* flags that must be set */
  PetrelStoreFlags  flags_clear;     /* flags that must be clear */
  gboolean          has_attachments;
  gint64            before;          /* date < before (G_MAXINT64: none) */
  gint64            after;           /* date >= after (G_MININT64: none) */
} PetrelStoreQuery;

PetrelStoreQuery *_petrel_store_query_parse (const char        *text,
                                             GError           **error);
void              _petrel_store_query_free  (PetrelStoreQuery  *query);
char             *_petrel_store_fts_text    (const char        *text);

/* Tests only: when > 0, the database may grow to this many pages during a migration (as on a
 * nearly full disk). */
extern gint64 _petrel_store_test_max_page_count;

/* Schema (petrel-store-schema.c): _petrel_store_migrations[N] upgrades version N-1 to N. */
extern const char * const _petrel_store_migrations[PETREL_STORE_SCHEMA_VERSION + 1];

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PetrelStoreRead, _petrel_store_read_end)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PetrelStoreWrite, _petrel_store_write_abort)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PetrelStoreStmt, sqlite3_reset)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PetrelStoreQuery, _petrel_store_query_free)

G_END_DECLS
