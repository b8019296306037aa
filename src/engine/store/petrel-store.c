/* petrel-store.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* syncfs() */
#define _GNU_SOURCE 1

#include "config.h"

#include <glib/gi18n-lib.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "debug/petrel-crash-hook.h"
#include "petrel-store-private.h"

/* How long to wait for another process (petrel-cli beside the app) to release the database. */
#define BUSY_TIMEOUT_MS   10000
/* Idle read connections kept open; more are opened (and then closed) under heavier load. */
#define MAX_IDLE_READERS  4

G_DEFINE_FINAL_TYPE (PetrelStore, petrel_store, G_TYPE_OBJECT)

G_DEFINE_QUARK (petrel-store-error-quark, petrel_store_error)

static void
finalize_stmt (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

static void
conn_close (PetrelStoreConn *conn)
{
  if (conn == NULL)
    return;

  /* Finalize every cached statement first so sqlite3_close() really closes. */
  g_clear_pointer (&conn->stmts, g_hash_table_unref);
  sqlite3_close_v2 (conn->db);
  g_free (conn);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PetrelStoreConn, conn_close)

void
_petrel_store_set_error (GError     **error,
                         sqlite3     *db,
                         int          rc,
                         const char  *what)
{
  const char *detail = db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc);
  int sys_errno = db != NULL ? sqlite3_system_errno (db) : 0;

  /* SQLite reports a full disk met while growing the -shm or -wal file as an I/O error;
   * the errno behind it tells (#10). */
  if ((rc & 0xff) == SQLITE_IOERR && (sys_errno == ENOSPC
#ifdef EDQUOT
                                      || sys_errno == EDQUOT
#endif
                                      ))
    rc = SQLITE_FULL;

  switch (rc & 0xff)
    {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      /* Translators: %s is an action that failed, such as “Cannot store messages”. */
      g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_CORRUPT,
                   _("%s: the mail cache database is damaged (%s)"), what, detail);
      break;

    case SQLITE_FULL:
      /* Translators: %s is an action that failed, such as “Cannot store messages”. */
      g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_FULL,
                   _("%s: disk full; free some space and try again"), what);
      break;

    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_IO,
                   "%s: %s", what, detail);
      break;

    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      /* Translators: %s is an action that failed, such as “Cannot store messages”. */
      g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_BUSY,
                   _("%s: the mail cache is locked by another process"), what);
      break;

    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
      g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_INVALID_ARGUMENT,
                   "%s: %s", what, detail);
      break;

    default:
      g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_FAILED,
                   "%s: %s", what, detail);
      break;
    }
}

PetrelStoreStmt *
_petrel_store_prepare (PetrelStoreConn  *conn,
                       const char       *sql,
                       GError          **error)
{
  sqlite3_stmt *stmt;
  int rc;

  stmt = g_hash_table_lookup (conn->stmts, sql);
  if (stmt != NULL)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }

  rc = sqlite3_prepare_v3 (conn->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      _petrel_store_set_error (error, conn->db, rc, _("Cannot prepare a query"));
      sqlite3_finalize (stmt);
      return NULL;
    }

  g_hash_table_insert (conn->stmts, (gpointer) sql, stmt);

  return stmt;
}

gboolean
_petrel_store_exec (PetrelStoreConn  *conn,
                    const char       *sql,
                    GError          **error)
{
  int rc = sqlite3_exec (conn->db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    {
      _petrel_store_set_error (error, conn->db, rc, _("Cannot update the mail cache"));
      return FALSE;
    }

  return TRUE;
}

gboolean
_petrel_store_step_done (PetrelStoreConn  *conn,
                         sqlite3_stmt     *stmt,
                         GError          **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      _petrel_store_set_error (error, conn->db, rc, _("Cannot update the mail cache"));
      return FALSE;
    }

  return TRUE;
}

/* Text from the network should already be UTF-8; never let invalid bytes into the index. */
void
_petrel_store_bind_text (sqlite3_stmt *stmt,
                         int           idx,
                         const char   *text)
{
  if (text == NULL)
    sqlite3_bind_null (stmt, idx);
  else if (g_utf8_validate (text, -1, NULL))
    sqlite3_bind_text (stmt, idx, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_text (stmt, idx, g_utf8_make_valid (text, -1), -1, g_free);
}

char *
_petrel_store_column_dup (sqlite3_stmt *stmt,
                          int           col)
{
  const unsigned char *text = sqlite3_column_text (stmt, col);

  return text != NULL ? g_strdup ((const char *) text) : NULL;
}

PetrelStoreMessage *
_petrel_store_message_from_row (sqlite3_stmt *stmt)
{
  PetrelStoreMessage *message = petrel_store_message_new ();

  message->id = sqlite3_column_int64 (stmt, 0);
  message->folder_id = sqlite3_column_int64 (stmt, 1);
  message->uid = (guint32) sqlite3_column_int64 (stmt, 2);
  message->modseq = (guint64) sqlite3_column_int64 (stmt, 3);
  message->flags = (PetrelStoreFlags) sqlite3_column_int (stmt, 4) & PETREL_STORE_FLAGS_ALL;
  message->keywords = _petrel_store_column_dup (stmt, 5);
  message->internal_date = sqlite3_column_int64 (stmt, 6);
  message->size = sqlite3_column_int64 (stmt, 7);
  message->date = sqlite3_column_int64 (stmt, 8);
  message->subject = _petrel_store_column_dup (stmt, 9);
  message->from_name = _petrel_store_column_dup (stmt, 10);
  message->from_addr = _petrel_store_column_dup (stmt, 11);
  message->to_text = _petrel_store_column_dup (stmt, 12);
  message->cc_text = _petrel_store_column_dup (stmt, 13);
  message->message_id = _petrel_store_column_dup (stmt, 14);
  message->in_reply_to = _petrel_store_column_dup (stmt, 15);
  message->references_text = _petrel_store_column_dup (stmt, 16);
  message->has_attachments = sqlite3_column_int (stmt, 17) != 0;
  message->snippet = _petrel_store_column_dup (stmt, 18);
  message->body_present = sqlite3_column_int (stmt, 19) != 0;
  message->conversation_id = sqlite3_column_int64 (stmt, 20);

  return message;
}

PetrelStoreMessage *
_petrel_store_message_with_path_from_row (sqlite3_stmt *stmt)
{
  PetrelStoreMessage *message = _petrel_store_message_from_row (stmt);

  message->folder_path = _petrel_store_column_dup (stmt, PETREL_STORE_MESSAGE_N_COLUMNS);

  return message;
}

/* Runs @sql on a read connection with ?1…?n bound to @params and calls @func on each row
 * until it returns %FALSE. @what begins the error message. */
gboolean
_petrel_store_read_each (PetrelStore          *self,
                         const char           *sql,
                         const gint64         *params,
                         guint                 n_params,
                         PetrelStoreEachFunc   func,
                         gpointer              user_data,
                         const char           *what,
                         GError              **error)
{
  g_auto(PetrelStoreRead) read = { 0 };
  g_autoptr(PetrelStoreStmt) stmt = NULL;
  int rc;

  if (!_petrel_store_read_begin (self, &read, error))
    return FALSE;

  stmt = _petrel_store_prepare (read.conn, sql, error);
  if (stmt == NULL)
    return FALSE;

  for (guint i = 0; i < n_params; i++)
    sqlite3_bind_int64 (stmt, (int) i + 1, params[i]);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    if (!func (stmt, user_data))
      return TRUE;

  if (rc != SQLITE_DONE)
    {
      _petrel_store_set_error (error, read.conn->db, rc, what);
      return FALSE;
    }

  return TRUE;
}

typedef struct {
  PetrelStoreRowFunc  row_func;
  GPtrArray          *rows;
  gpointer            row;
  gint64             *values;
  guint               n_values;
} ReadRows;

static gboolean
add_row (sqlite3_stmt *stmt,
         gpointer      user_data)
{
  ReadRows *data = user_data;

  g_ptr_array_add (data->rows, data->row_func (stmt));
  return TRUE;
}

/* _petrel_store_read_each() collecting what @row_func makes of each row, in order, in an
 * array that frees them with @free_func. */
GPtrArray *
_petrel_store_read_rows (PetrelStore         *self,
                         const char          *sql,
                         const gint64        *params,
                         guint                n_params,
                         PetrelStoreRowFunc   row_func,
                         GDestroyNotify       free_func,
                         const char          *what,
                         GError             **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (free_func);
  ReadRows data = { .row_func = row_func, .rows = rows };

  if (!_petrel_store_read_each (self, sql, params, n_params, add_row, &data, what, error))
    return NULL;

  return g_steal_pointer (&rows);
}

static gboolean
take_first_row (sqlite3_stmt *stmt,
                gpointer      user_data)
{
  ReadRows *data = user_data;

  data->row = data->row_func (stmt);
  return FALSE;
}

/* Like _petrel_store_read_rows() for the first row only: sets *@out_row to what @row_func
 * makes of it, or to %NULL when there is no row (not an error: the caller says what is
 * missing). Returns %FALSE with @error set when the read fails. */
gboolean
_petrel_store_read_row (PetrelStore         *self,
                        const char          *sql,
                        const gint64        *params,
                        guint                n_params,
                        PetrelStoreRowFunc   row_func,
                        gpointer            *out_row,
                        const char          *what,
                        GError             **error)
{
  ReadRows data = { .row_func = row_func };

  *out_row = NULL;
  if (!_petrel_store_read_each (self, sql, params, n_params, take_first_row, &data, what, error))
    return FALSE;

  *out_row = data.row;
  return TRUE;
}

static gboolean
take_int64s (sqlite3_stmt *stmt,
             gpointer      user_data)
{
  ReadRows *data = user_data;

  for (guint i = 0; i < data->n_values; i++)
    data->values[i] = sqlite3_column_int64 (stmt, (int) i);
  data->n_values = 0;
  return FALSE;
}

/* Reads the integer columns of a query that always yields one row (an aggregate) into
 * @out_values[0…n_values-1]; ?1…?n are bound to @params. */
gboolean
_petrel_store_read_int64s (PetrelStore   *self,
                           const char    *sql,
                           const gint64  *params,
                           guint          n_params,
                           gint64        *out_values,
                           guint          n_values,
                           const char    *what,
                           GError       **error)
{
  ReadRows data = { .values = out_values, .n_values = n_values };

  if (!_petrel_store_read_each (self, sql, params, n_params, take_int64s, &data, what, error))
    return FALSE;

  if (data.n_values > 0)
    {
      /* No row: an aggregate always has one, so the query is wrong. */
      _petrel_store_set_error (error, NULL, SQLITE_DONE, what);
      return FALSE;
    }

  return TRUE;
}

char *
_petrel_store_message_relpath (gint64  folder_id,
                               guint32 uid)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT G_DIR_SEPARATOR_S "%u.eml", folder_id, uid);
}

char *
_petrel_store_folder_dir (PetrelStore *self,
                          gint64       folder_id)
{
  g_autofree char *name = g_strdup_printf ("%" G_GINT64_FORMAT, folder_id);

  return g_build_filename (self->messages_dir, name, NULL);
}

static gboolean
conn_pragma (PetrelStoreConn  *conn,
             const char       *sql,
             GError          **error)
{
  int rc = sqlite3_exec (conn->db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    {
      _petrel_store_set_error (error, conn->db, rc, _("Cannot open the mail cache"));
      return FALSE;
    }

  return TRUE;
}

static gsize sqlite_configured = 0;

/* @uri: a read-only URI (read_only_uri()), or NULL to open @path read-write */
static PetrelStoreConn *
conn_open (const char  *path,
           const char  *uri,
           gboolean     create,
           GError     **error)
{
  g_autoptr(PetrelStoreConn) conn = g_new0 (PetrelStoreConn, 1);
  int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_PRIVATECACHE;
  int rc;

  if (uri != NULL)
    flags |= SQLITE_OPEN_READONLY | SQLITE_OPEN_URI;
  else
    flags |= SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);

  conn->stmts = g_hash_table_new_full (NULL, NULL, NULL, finalize_stmt);

  /* Nothing reads SQLite's memory statistics, and keeping them takes a global mutex at every
   * allocation: a twentieth of the store thread's time in a sync (#4). This only works before
   * SQLite initialises itself, so it is asked once, before the first open. */
  if (g_once_init_enter (&sqlite_configured))
    {
      sqlite3_config (SQLITE_CONFIG_MEMSTATUS, 0);
      g_once_init_leave (&sqlite_configured, 1);
    }

  rc = sqlite3_open_v2 (uri != NULL ? uri : path, &conn->db, flags, NULL);
  if (rc != SQLITE_OK)
    {
      g_autofree char *what = g_strdup_printf (_("Cannot open %s"), path);

      _petrel_store_set_error (error, conn->db, rc, what);
      return NULL;
    }

  sqlite3_extended_result_codes (conn->db, 1);
  sqlite3_busy_timeout (conn->db, BUSY_TIMEOUT_MS);

  if (uri == NULL)
    {
      int persist = 1;

      /* Keep store.db-wal and -shm when the last connection closes (#10): on a disk with no
       * byte left, a store whose -shm must be created anew cannot even be read. */
      sqlite3_file_control (conn->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
    }

  return g_steal_pointer (&conn);
}

static gboolean
conn_query_text (PetrelStoreConn  *conn,
                 const char       *sql,
                 char            **out_text,
                 GError          **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (conn->db, sql, -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);

  if (rc == SQLITE_ROW)
    {
      *out_text = _petrel_store_column_dup (stmt, 0);
      sqlite3_finalize (stmt);
      return TRUE;
    }

  if (rc == SQLITE_DONE)
    {
      *out_text = NULL;
      sqlite3_finalize (stmt);
      return TRUE;
    }

  _petrel_store_set_error (error, conn->db, rc, _("Cannot open the mail cache"));
  sqlite3_finalize (stmt);

  return FALSE;
}

static gboolean
conn_get_user_version (PetrelStoreConn  *conn,
                       int              *out_version,
                       GError          **error)
{
  g_autofree char *text = NULL;

  if (!conn_query_text (conn, "PRAGMA user_version", &text, error))
    return FALSE;

  *out_version = text != NULL ? atoi (text) : 0;

  return TRUE;
}

/* PRAGMA quick_check, table by table, leaving out the full-text index: it holds most of the
 * bytes once bodies are cached (so checking it would make every open, and every petrel-cli
 * run, cost a scan of all indexed text), and FTS5 reports its own damage as SQLITE_CORRUPT
 * when read, which becomes a PETREL_STORE_ERROR_CORRUPT like any other. */
static gboolean
store_check_integrity (PetrelStore  *self,
                       GError      **error)
{
  g_autoptr(GPtrArray) tables = g_ptr_array_new_with_free_func (g_free);
  sqlite3 *db = self->writer->db;
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (db,
                           "SELECT name FROM sqlite_schema WHERE type = 'table'"
                           " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
                           " AND name NOT LIKE 'messages\\_fts%' ESCAPE '\\'",
                           -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        g_ptr_array_add (tables, _petrel_store_column_dup (stmt, 0));
    }
  sqlite3_finalize (stmt);

  if (rc != SQLITE_DONE)
    {
      _petrel_store_set_error (error, db, rc, _("Cannot open the mail cache"));
      return FALSE;
    }

  for (guint i = 0; i < tables->len; i++)
    {
      g_autofree char *result = NULL;
      char *sql = sqlite3_mprintf ("PRAGMA quick_check (\"%w\")",
                                   (const char *) g_ptr_array_index (tables, i));
      gboolean ok = conn_query_text (self->writer, sql, &result, error);

      sqlite3_free (sql);
      if (!ok)
        return FALSE;

      if (g_strcmp0 (result, "ok") != 0)
        {
          g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_CORRUPT,
                       _("The mail cache database %s is damaged (%s)"),
                       self->db_path, result != NULL ? result : "no result from the check");
          return FALSE;
        }
    }

  return TRUE;
}

/* The clean-state marker (#4). Checking every table at each open costs ~90 ms on a
 * 100,000-message cache, paid by every petrel-cli run. So after each commit, after a checked
 * open and at close, the store records the identity of store.db and store.db-wal (inode, size,
 * modification time) in store.db-clean; an open skips the check only when both files are still
 * exactly those. A process killed while writing, an edited, restored or truncated copy, a
 * failed write: all change a file and mean a check. SQLite's journaling keeps a process killed
 * between commits from damaging the database; the check is there for damage from outside,
 * which changes the files. An open needs to write nothing, so a full disk does not stop it. */
static char *
describe_db_files (PetrelStore *self)
{
  g_autofree char *wal_path = g_strconcat (self->db_path, "-wal", NULL);
  struct stat db, wal;

  if (stat (self->db_path, &db) != 0)
    return NULL;
  if (stat (wal_path, &wal) != 0)
    memset (&wal, 0, sizeof wal);

  return g_strdup_printf ("petrel-clean 2 %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
                          " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT ".%09ld"
                          " %" G_GUINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT
                          ".%09ld\n",
                          (guint64) db.st_dev, (guint64) db.st_ino, (gint64) db.st_size,
                          (gint64) db.st_mtim.tv_sec, (long) db.st_mtim.tv_nsec,
                          (guint64) wal.st_ino, (gint64) wal.st_size,
                          (gint64) wal.st_mtim.tv_sec, (long) wal.st_mtim.tv_nsec);
}

/* TRUE when the files are exactly as this store or another left them after a commit. */
gboolean
_petrel_store_clean_marker_matches (PetrelStore *self)
{
  g_autofree char *recorded = NULL;
  g_autofree char *now = NULL;

  if (!g_file_get_contents (self->clean_path, &recorded, NULL, NULL))
    return FALSE;

  now = describe_db_files (self);

  return now != NULL && strcmp (now, recorded) == 0;
}

static void
leave_clean_marker (PetrelStore *self)
{
  g_autofree char *description = describe_db_files (self);
  gsize len;
  int fd;

  if (description == NULL)
    return;

  /* No fsync: a marker lost in a power cut only costs one check; a partial one matches
   * nothing. */
  fd = open (self->clean_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return;
  len = strlen (description);
  if (write (fd, description, len) != (gssize) len)
    {
      close (fd);
      g_unlink (self->clean_path);
      return;
    }
  if (close (fd) != 0)
    g_unlink (self->clean_path);
}

/* Checkpoints (#4). SQLite's own checkpoints ran inside a commit once the WAL held 4,096
 * pages: the thread writing (a sync's store thread) copied the pages into store.db and waited
 * for two fsyncs, a sixth of a headers-only sync, and the close at the end copied whatever the
 * log still held, waiting again. Instead a thread of the store's own, with a connection of its
 * own, makes a passive checkpoint (which never waits for, nor holds up, readers or the writer)
 * whenever a commit leaves CHECKPOINT_BYTES in the log: the copying and the waiting happen
 * beside the writer, and the log holds little at the close. Should it fall behind (readers
 * keep old pages in use), the writer checkpoints itself past 16 times that, as SQLite would.
 * The sizes are in bytes because pages are 4 KiB in older stores and 16 KiB in new ones. */
#define CHECKPOINT_BYTES (4 * 1024 * 1024)

static int
on_wal_commit (void        *data,
               sqlite3     *db,
               const char  *name,
               int          n_pages)
{
  PetrelStore *self = data;
  int pages = self->checkpoint_pages;

  /* Before the thread starts (migrations) and after it stops, commits checkpoint as SQLite
   * did, every 16 MiB. */
  if (n_pages >= pages * 16 || (self->checkpointer == NULL && n_pages >= pages * 4))
    sqlite3_wal_checkpoint_v2 (db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
  else if (self->checkpointer != NULL && n_pages >= pages)
    {
      g_mutex_lock (&self->checkpoint_lock);
      self->checkpoint_wanted = TRUE;
      g_cond_signal (&self->checkpoint_cond);
      g_mutex_unlock (&self->checkpoint_lock);
    }

  return SQLITE_OK;
}

static gpointer
checkpointer_thread (gpointer data)
{
  PetrelStore *self = data;
  g_autoptr(PetrelStoreConn) conn = NULL;

  g_mutex_lock (&self->checkpoint_lock);
  for (;;)
    {
      g_autoptr(GError) error = NULL;

      while (!self->checkpoint_wanted && !self->checkpoint_quit)
        g_cond_wait (&self->checkpoint_cond, &self->checkpoint_lock);
      if (self->checkpoint_quit)
        break;
      self->checkpoint_wanted = FALSE;
      g_mutex_unlock (&self->checkpoint_lock);

      if (conn == NULL)
        {
          conn = conn_open (self->db_path, NULL, FALSE, &error);
          if (conn != NULL && !conn_pragma (conn, "PRAGMA synchronous = NORMAL", &error))
            g_clear_pointer (&conn, conn_close);
        }
      if (conn == NULL)
        g_debug ("%s: no connection to checkpoint with: %s", self->db_path, error->message);
      else if (sqlite3_wal_checkpoint_v2 (conn->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL,
                                          NULL) != SQLITE_OK)
        g_debug ("%s: checkpoint failed: %s", self->db_path, sqlite3_errmsg (conn->db));
      /* The checkpoint changed store.db after the last commit recorded it: record it again
       * (unless a transaction is under way, whose commit will), so a process killed while
       * idle does not make the next open check every table. */
      else if (g_rec_mutex_trylock (&self->write_lock))
        {
          if (self->tx_depth == 0)
            leave_clean_marker (self);
          g_rec_mutex_unlock (&self->write_lock);
        }

      g_mutex_lock (&self->checkpoint_lock);
    }
  g_mutex_unlock (&self->checkpoint_lock);

  return NULL;
}

static void
stop_checkpointer (PetrelStore *self)
{
  if (self->checkpointer == NULL)
    return;

  g_mutex_lock (&self->checkpoint_lock);
  self->checkpoint_quit = TRUE;
  g_cond_signal (&self->checkpoint_cond);
  g_mutex_unlock (&self->checkpoint_lock);
  g_clear_pointer (&self->checkpointer, g_thread_join);
}

gint64 _petrel_store_test_max_page_count = 0;

/* petrel_thread_key (text): _petrel_store_thread_key() in SQL, NULL for NULL. */
static void
sql_thread_key (sqlite3_context  *context,
                int               argc,
                sqlite3_value   **argv)
{
  const char *text = (const char *) sqlite3_value_text (argv[0]);

  if (text == NULL)
    sqlite3_result_null (context);
  else
    sqlite3_result_int64 (context, _petrel_store_thread_key (text));
}

/* petrel_fts (text): _petrel_store_fts_text() in SQL, @text itself when that changes nothing.
 * Every statement that copies text into messages_fts goes through it. */
static void
sql_fts_text (sqlite3_context  *context,
              int               argc,
              sqlite3_value   **argv)
{
  const char *text = (const char *) sqlite3_value_text (argv[0]);
  char *spaced = _petrel_store_fts_text (text);

  if (spaced == NULL)
    sqlite3_result_value (context, argv[0]);
  else
    sqlite3_result_text (context, spaced, -1, g_free);
}

static gboolean
store_migrate (PetrelStore  *self,
               GError      **error)
{
  PetrelStoreConn *conn = self->writer;
  int version;

  if (!conn_get_user_version (conn, &version, error))
    return FALSE;

  if (version > PETREL_STORE_SCHEMA_VERSION || version < 0)
    {
      g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_TOO_NEW,
                   _("The mail cache %s has schema version %d, but this version of Petrel only "
                     "knows versions up to %d; use a newer Petrel or remove the account's cache"),
                   self->db_path, version, PETREL_STORE_SCHEMA_VERSION);
      return FALSE;
    }

  /* Read-only on a full disk: an older schema reads the same; the upgrade waits. */
  if (self->read_only_uri != NULL)
    return TRUE;

  /* For migration 8. */
  if (version < PETREL_STORE_SCHEMA_VERSION &&
      sqlite3_create_function_v2 (conn->db, "petrel_thread_key", 1,
                                  SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                                  sql_thread_key, NULL, NULL, NULL) != SQLITE_OK)
    {
      _petrel_store_set_error (error, conn->db, sqlite3_errcode (conn->db),
                               _("Cannot upgrade the mail cache"));
      return FALSE;
    }

  for (int target = version + 1; target <= PETREL_STORE_SCHEMA_VERSION; target++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autofree char *set_version = NULL;
      int current;

      if (!_petrel_store_exec (conn, "BEGIN IMMEDIATE", &local_error))
        goto failed;

      /* Another process may have migrated while we waited for the lock. */
      if (!conn_get_user_version (conn, &current, &local_error))
        goto rollback;

      if (current >= target)
        {
          if (!_petrel_store_exec (conn, "COMMIT", &local_error))
            goto rollback;
          continue;
        }

      g_debug ("Migrating %s to schema version %d", self->db_path, target);

      if (G_UNLIKELY (_petrel_store_test_max_page_count > 0))
        {
          g_autofree char *limit = g_strdup_printf ("PRAGMA max_page_count = %" G_GINT64_FORMAT,
                                                    _petrel_store_test_max_page_count);

          sqlite3_exec (conn->db, limit, NULL, NULL, NULL);
        }

      set_version = g_strdup_printf ("PRAGMA user_version = %d", target);
      if (!_petrel_store_exec (conn, _petrel_store_migrations[target], &local_error) ||
          !_petrel_store_exec (conn, set_version, &local_error) ||
          !_petrel_store_exec (conn, "COMMIT", &local_error))
        goto rollback;

      continue;

    rollback:
      if (!sqlite3_get_autocommit (conn->db))
        sqlite3_exec (conn->db, "ROLLBACK", NULL, NULL, NULL);
    failed:
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                  _("Cannot upgrade the mail cache to schema version %d: "),
                                  target);
      return FALSE;
    }

  return TRUE;
}

static PetrelStoreConn *
store_open_reader (PetrelStore  *self,
                   GError      **error)
{
  g_autoptr(PetrelStoreConn) conn = conn_open (self->db_path, self->read_only_uri, FALSE,
                                               error);

  if (conn == NULL)
    return NULL;

  if (!conn_pragma (conn, "PRAGMA query_only = ON", error) ||
      !conn_pragma (conn, "PRAGMA cache_size = -8000", error) ||
      !conn_pragma (conn, "PRAGMA temp_store = MEMORY", error))
    return NULL;

  return g_steal_pointer (&conn);
}

gboolean
_petrel_store_read_begin (PetrelStore      *self,
                          PetrelStoreRead  *read,
                          GError          **error)
{
  PetrelStoreConn *conn = NULL;

  read->store = self;
  read->conn = NULL;
  read->is_writer = FALSE;

  /* Inside our own transaction: read what we wrote. */
  if (g_atomic_pointer_get (&self->tx_owner) == (gpointer) g_thread_self ())
    {
      g_rec_mutex_lock (&self->write_lock);
      read->conn = self->writer;
      read->is_writer = TRUE;
      /* Reads inside our own transaction see the staged body text too. */
      if (!_petrel_store_fts_flush (self->writer, error))
        {
          g_rec_mutex_unlock (&self->write_lock);
          read->conn = NULL;
          return FALSE;
        }
      return TRUE;
    }

  g_mutex_lock (&self->pool_lock);
  if (self->idle_readers->len > 0)
    conn = g_ptr_array_steal_index_fast (self->idle_readers, self->idle_readers->len - 1);
  g_mutex_unlock (&self->pool_lock);

  if (conn == NULL)
    conn = store_open_reader (self, error);

  read->conn = conn;

  return conn != NULL;
}

void
_petrel_store_read_end (PetrelStoreRead *read)
{
  PetrelStore *self = read->store;

  if (read->conn == NULL)
    return;

  if (read->is_writer)
    {
      g_rec_mutex_unlock (&self->write_lock);
    }
  else
    {
      PetrelStoreConn *extra = NULL;

      g_mutex_lock (&self->pool_lock);
      if (self->idle_readers->len < MAX_IDLE_READERS)
        g_ptr_array_add (self->idle_readers, read->conn);
      else
        extra = read->conn;
      g_mutex_unlock (&self->pool_lock);

      conn_close (extra);
    }

  read->conn = NULL;
}

/* Body text enters the full-text index through a staging table (#4). FTS5 (SQLite 3.40)
 * writes its pending terms to disk as a new segment at every statement savepoint, so one
 * UPDATE of messages_fts per message made a segment per message, and merging them cost more
 * than parsing the mail. Staged rows go in with one statement pair per transaction: at the
 * outermost commit, or before anything on this connection reads the index. The temporary
 * table is part of the transaction, so a rollback takes staged rows with it. */
static const char fts_stage_create[] =
  "CREATE TEMP TABLE IF NOT EXISTS fts_stage ("
  "  id INTEGER PRIMARY KEY,"
  "  body TEXT,"
  "  attachments TEXT"
  ")";

gboolean
_petrel_store_fts_stage (PetrelStoreConn  *conn,
                         gint64            id,
                         const char       *body,
                         const char       *attachments,
                         GError          **error)
{
  g_autoptr(PetrelStoreStmt) stmt = NULL;

  stmt = _petrel_store_prepare (conn,
                                "INSERT OR REPLACE INTO temp.fts_stage (id, body, attachments)"
                                " VALUES (?1, ?2, ?3)",
                                error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_text (stmt, 2, body, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, attachments, -1, SQLITE_STATIC);
  if (!_petrel_store_step_done (conn, stmt, error))
    return FALSE;

  conn->fts_staged++;

  return TRUE;
}

gboolean
_petrel_store_fts_flush (PetrelStoreConn  *conn,
                         GError          **error)
{
  static const char * const sql[] = {
    "DELETE FROM messages_fts WHERE rowid IN (SELECT id FROM temp.fts_stage)",
    /* A message deleted since it was staged has no row to join: it stays out. */
    "INSERT INTO messages_fts (rowid, subject, from_name, from_addr, to_text, cc_text, body,"
    "                          attachments)"
    "  SELECT m.id, petrel_fts (m.subject), petrel_fts (m.from_name), petrel_fts (m.from_addr),"
    "         petrel_fts (m.to_text), petrel_fts (m.cc_text), petrel_fts (s.body),"
    "         petrel_fts (s.attachments)"
    "  FROM temp.fts_stage s JOIN messages m ON m.id = s.id",
    "DELETE FROM temp.fts_stage",
  };

  if (conn->fts_staged == 0)
    return TRUE;

  for (guint i = 0; i < G_N_ELEMENTS (sql); i++)
    {
      g_autoptr(PetrelStoreStmt) stmt = _petrel_store_prepare (conn, sql[i], error);

      if (stmt == NULL || !_petrel_store_step_done (conn, stmt, error))
        return FALSE;
    }

  conn->fts_staged = 0;

  return TRUE;
}

/* What a tidy of the full-text index waits for (#4): this many bodies indexed, and at least
 * half as many as the store holds. */
#define TIDY_MIN_BODIES 10000

/* The rewrite writes a new index beside the old one, and the log holds it too: wanting
 * twice the size of store.db free keeps it from taking a nearly full disk's last bytes. */
static gboolean
room_to_tidy (PetrelStore *self)
{
  struct statvfs fs;
  GStatBuf st;

  if (g_stat (self->db_path, &st) != 0 || statvfs (self->dir, &fs) != 0)
    return FALSE;
  if ((guint64) fs.f_bavail * fs.f_frsize >= 2 * (guint64) st.st_size)
    return TRUE;

  g_debug ("%s: too little free space to tidy the full-text index", self->db_path);
  return FALSE;
}

/**
 * petrel_store_tidy_index:
 * @self: a #PetrelStore
 * @error: return location for a #GError
 *
 * Rewrites the full-text index as one piece after a sync that indexed a large part of the
 * store (a first sync, a big import): at least 10,000 bodies since the store was opened or
 * last tidied, and at least half as many as it holds. FTS5 keeps what each batch indexed as a
 * segment of its own and merges them only now and then, so after a first sync of 100,000
 * messages a search looks every word up in a dozen segments; in one it reads fewer pages, a
 * tenth less time warm and more when they are not in memory. The rewrite costs about as much
 * as the index is big (1.4 s for 100,000 messages), which is why it waits for so much new
 * text, and it needs room: twice the size of the database free on its disk. Otherwise it
 * does nothing. Call it from a thread that may wait, outside a batch.
 *
 * Returns: %FALSE with @error set if the rewrite failed (the index is then as before)
 */
gboolean
petrel_store_tidy_index (PetrelStore  *self,
                         GError      **error)
{
  g_auto(PetrelStoreWrite) write = { 0 };
  g_autoptr(PetrelStoreStmt) count = NULL;
  gint64 total = 0;
  guint indexed;
  int rc;

  g_return_val_if_fail (PETREL_IS_STORE (self), FALSE);

  if (self->read_only_uri != NULL)
    return TRUE;
  g_rec_mutex_lock (&self->write_lock);
  indexed = self->bodies_indexed;
  g_rec_mutex_unlock (&self->write_lock);
  if (indexed < TIDY_MIN_BODIES)
    return TRUE;

  if (!_petrel_store_write_begin (self, &write, error))
    return FALSE;

  count = _petrel_store_prepare (write.conn, "SELECT coalesce (sum (total), 0) FROM folders",
                                 error);
  if (count == NULL)
    return FALSE;
  rc = sqlite3_step (count);
  if (rc != SQLITE_ROW)
    {
      _petrel_store_set_error (error, write.conn->db, rc, _("Cannot update the mail cache"));
      return FALSE;
    }
  total = sqlite3_column_int64 (count, 0);
  g_clear_pointer (&count, sqlite3_reset);

  if ((gint64) self->bodies_indexed * 2 < total || !room_to_tidy (self))
    return _petrel_store_write_commit (&write, error);

  g_debug ("%s: %u bodies indexed of %" G_GINT64_FORMAT ": rewriting the full-text index",
           self->db_path, self->bodies_indexed, total);
  /* The count starts again with this transaction, under the write lock. */
  indexed = self->bodies_indexed;
  self->bodies_indexed = 0;
  if (!_petrel_store_exec (write.conn,
                           "INSERT INTO messages_fts (messages_fts) VALUES ('optimize')", error) ||
      !_petrel_store_write_commit (&write, error))
    {
      _petrel_store_write_abort (&write);
      g_rec_mutex_lock (&self->write_lock);
      self->bodies_indexed += indexed;
      g_rec_mutex_unlock (&self->write_lock);
      return FALSE;
    }

  return TRUE;
}

/* TRUE when this thread is inside a batch (petrel_store_begin()). */
gboolean
_petrel_store_in_batch (PetrelStore *self)
{
  return g_atomic_pointer_get (&self->tx_owner) == (gpointer) g_thread_self ();
}

/* Makes the message files written in this batch durable before the rows saying they are
 * there commit: one syncfs() for all of them (as dpkg does for the files it unpacks). */
static gboolean
store_sync_files (PetrelStore  *self,
                  GError      **error)
{
  int fd;

  if (!self->needs_syncfs)
    return TRUE;

  fd = open (self->messages_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || syncfs (fd) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, PETREL_STORE_ERROR,
                   saved_errno == ENOSPC ? PETREL_STORE_ERROR_FULL : PETREL_STORE_ERROR_IO,
                   _("Cannot write the message files in %s: %s"), self->messages_dir,
                   g_strerror (saved_errno));
      if (fd >= 0)
        close (fd);
      return FALSE;
    }
  close (fd);
  self->needs_syncfs = FALSE;

  return TRUE;
}

static void
store_finish_outer (PetrelStore *self,
                    gboolean     committed)
{
  if (committed)
    {
      for (guint i = 0; i < self->pending_unlinks->len; i++)
        {
          const char *path = g_ptr_array_index (self->pending_unlinks, i);

          /* A file left behind is harmless (its row is gone), so only trace failures. */
          if (g_str_has_suffix (path, G_DIR_SEPARATOR_S))
            {
              g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
              const char *name;

              while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
                {
                  g_autofree char *child = g_build_filename (path, name, NULL);

                  g_unlink (child);
                }

              if (g_rmdir (path) != 0 && errno != ENOENT)
                g_debug ("Cannot remove %s: %s", path, g_strerror (errno));
            }
          else if (g_unlink (path) != 0 && errno != ENOENT)
            {
              g_debug ("Cannot remove %s: %s", path, g_strerror (errno));
            }
        }
    }

  g_ptr_array_set_size (self->pending_unlinks, 0);
}

gboolean
_petrel_store_write_begin (PetrelStore       *self,
                           PetrelStoreWrite  *write,
                           GError           **error)
{
  guint mark;

  write->store = self;
  write->conn = NULL;
  write->active = FALSE;

  if (!petrel_store_check_writable (self, error))
    return FALSE;

  g_rec_mutex_lock (&self->write_lock);

  if (!_petrel_store_exec (self->writer,
                           self->tx_depth == 0 ? "BEGIN IMMEDIATE" : "SAVEPOINT petrel",
                           error))
    {
      g_rec_mutex_unlock (&self->write_lock);
      return FALSE;
    }

  mark = self->pending_unlinks->len;
  g_array_append_val (self->unlink_marks, mark);

  if (self->tx_depth++ == 0)
    g_atomic_pointer_set (&self->tx_owner, g_thread_self ());

  write->conn = self->writer;
  write->active = TRUE;

  return TRUE;
}

static void
store_write_end (PetrelStore *self)
{
  g_array_set_size (self->unlink_marks, self->unlink_marks->len - 1);

  if (--self->tx_depth == 0)
    g_atomic_pointer_set (&self->tx_owner, NULL);

  g_rec_mutex_unlock (&self->write_lock);
}

gboolean
_petrel_store_write_commit (PetrelStoreWrite  *write,
                            GError           **error)
{
  PetrelStore *self = write->store;
  sqlite3 *db = self->writer->db;
  int rc;

  g_assert (write->active);
  write->active = FALSE;

  if (self->tx_depth == 1)
    {
      g_autoptr(GError) flush_error = NULL;
      guint staged = self->writer->fts_staged;

      if (!store_sync_files (self, &flush_error) ||
          !_petrel_store_fts_flush (self->writer, &flush_error))
        {
          rc = SQLITE_ERROR;
          g_propagate_error (error, g_steal_pointer (&flush_error));
          if (!sqlite3_get_autocommit (db))
            sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
        }
      else if ((rc = sqlite3_exec (db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK)
        {
          _petrel_store_set_error (error, db, rc, _("Cannot save changes to the mail cache"));
          if (!sqlite3_get_autocommit (db))
            sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
        }
      self->writer->fts_staged = 0;
      self->needs_syncfs = FALSE;
      if (rc == SQLITE_OK)
        self->bodies_indexed += staged;

      petrel_crash_point (PETREL_CRASH_STORE_COMMIT);
      store_finish_outer (self, rc == SQLITE_OK);
      if (rc == SQLITE_OK)
        leave_clean_marker (self);
    }
  else
    {
      rc = sqlite3_exec (db, "RELEASE petrel", NULL, NULL, NULL);
      if (rc != SQLITE_OK)
        {
          _petrel_store_set_error (error, db, rc, _("Cannot save changes to the mail cache"));
          sqlite3_exec (db, "ROLLBACK TO petrel; RELEASE petrel", NULL, NULL, NULL);
          g_ptr_array_set_size (self->pending_unlinks,
                                g_array_index (self->unlink_marks, guint,
                                               self->unlink_marks->len - 1));
        }
    }

  store_write_end (self);

  return rc == SQLITE_OK;
}

void
_petrel_store_write_abort (PetrelStoreWrite *write)
{
  PetrelStore *self = write->store;
  sqlite3 *db;

  if (!write->active)
    return;

  write->active = FALSE;
  db = self->writer->db;

  if (self->tx_depth == 1)
    {
      /* An I/O error or a full disk may already have rolled the transaction back. */
      if (!sqlite3_get_autocommit (db))
        sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
      self->writer->fts_staged = 0;
      self->needs_syncfs = FALSE;
      store_finish_outer (self, FALSE);
    }
  else
    {
      sqlite3_exec (db, "ROLLBACK TO petrel; RELEASE petrel", NULL, NULL, NULL);
      g_ptr_array_set_size (self->pending_unlinks,
                            g_array_index (self->unlink_marks, guint,
                                           self->unlink_marks->len - 1));
    }

  store_write_end (self);
}

/* Called with the write lock held: remove @path (owned) once the transaction commits. */
void
_petrel_store_queue_unlink (PetrelStore *self,
                            char        *path)
{
  g_ptr_array_add (self->pending_unlinks, path);
}

/* Called with the write lock held: remove a folder's message directory after the commit. */
void
_petrel_store_queue_rmdir (PetrelStore *self,
                           gint64       folder_id)
{
  g_autofree char *dir = _petrel_store_folder_dir (self, folder_id);

  g_ptr_array_add (self->pending_unlinks, g_strconcat (dir, G_DIR_SEPARATOR_S, NULL));
}

static void
petrel_store_finalize (GObject *object)
{
  PetrelStore *self = (PetrelStore *) object;
  gboolean clean = self->opened;

  if (self->writer != NULL)
    {
      if (self->tx_depth > 0 && !sqlite3_get_autocommit (self->writer->db))
        {
          sqlite3_exec (self->writer->db, "ROLLBACK", NULL, NULL, NULL);
          clean = FALSE;
        }
      else
        {
          /* analysis_limit keeps a first ANALYZE of 100,000 rows to milliseconds. */
          sqlite3_exec (self->writer->db, "PRAGMA analysis_limit = 400; PRAGMA optimize",
                        NULL, NULL, NULL);
          /* Also here, before the close: a process may end before that is done. */
          if (clean && self->read_only_uri == NULL)
            leave_clean_marker (self);
        }
    }

  _petrel_store_stop_prefetch (self);
  g_clear_pointer (&self->idle_readers, g_ptr_array_unref);
  stop_checkpointer (self);
  g_clear_pointer (&self->writer, conn_close);

  /* As the last connection, SQLite checkpointed the WAL into store.db and emptied it. */
  if (clean && self->clean_path != NULL && self->read_only_uri == NULL)
    leave_clean_marker (self);

  g_clear_pointer (&self->pending_unlinks, g_ptr_array_unref);
  g_clear_pointer (&self->unlink_marks, g_array_unref);
  g_clear_pointer (&self->dir, g_free);
  g_clear_pointer (&self->db_path, g_free);
  g_clear_pointer (&self->messages_dir, g_free);
  g_clear_pointer (&self->clean_path, g_free);
  g_clear_pointer (&self->read_only_uri, g_free);
  g_rec_mutex_clear (&self->write_lock);
  g_mutex_clear (&self->pool_lock);
  g_mutex_clear (&self->checkpoint_lock);
  g_cond_clear (&self->checkpoint_cond);
  g_mutex_clear (&self->prefetch_lock);

  G_OBJECT_CLASS (petrel_store_parent_class)->finalize (object);
}

static void
petrel_store_class_init (PetrelStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = petrel_store_finalize;
}

static void
petrel_store_init (PetrelStore *self)
{
  g_rec_mutex_init (&self->write_lock);
  g_mutex_init (&self->pool_lock);
  g_mutex_init (&self->checkpoint_lock);
  g_cond_init (&self->checkpoint_cond);
  g_mutex_init (&self->prefetch_lock);
  self->idle_readers = g_ptr_array_new_with_free_func ((GDestroyNotify) conn_close);
  self->pending_unlinks = g_ptr_array_new_with_free_func (g_free);
  self->unlink_marks = g_array_new (FALSE, FALSE, sizeof (guint));
  self->checkpoint_pages = CHECKPOINT_BYTES / 4096;
}

/* How to read the cache when it cannot be written: without a WAL to take into account, as an
 * immutable file (no -shm needed, nothing written); otherwise read-only, which works when the
 * -shm is there (it is kept, see conn_open()). */
static char *
read_only_uri (PetrelStore *self)
{
  g_autofree char *wal_path = g_strconcat (self->db_path, "-wal", NULL);
  g_autofree char *escaped = g_uri_escape_string (self->db_path, "/", FALSE);
  struct stat wal;
  gboolean wal_empty = stat (wal_path, &wal) != 0 || wal.st_size == 0;

  return g_strdup_printf ("file:%s?%s", escaped, wal_empty ? "immutable=1" : "mode=ro");
}

static gboolean
store_open_writer (PetrelStore  *self,
                   GError      **error)
{
  g_autofree char *first = NULL;

  self->writer = conn_open (self->db_path, self->read_only_uri, TRUE, error);
  if (self->writer == NULL)
    return FALSE;

  /* The first statement is where a file that is not a database shows up. */
  if (self->read_only_uri != NULL)
    {
      if (!conn_query_text (self->writer, "PRAGMA user_version", &first, error) ||
          !conn_pragma (self->writer, "PRAGMA query_only = ON", error))
        return FALSE;
    }
  else
    {
      g_autofree char *page_size = NULL;

      /* A new database gets 16 KiB pages (an existing one keeps its own; a page size is only
       * ever changed by VACUUM). A sync writes every table and index side by side, so each
       * one's pages end up scattered through the file: a search over 100,000 messages that
       * the page cache has forgotten read ~7,000 of them one by one (#4). Pages four times as
       * big cut those reads, and the first search of a session, by a third. */
      if (!conn_pragma (self->writer, "PRAGMA page_size = 16384", error) ||
          !conn_query_text (self->writer, "PRAGMA journal_mode = WAL", &first, error) ||
          !conn_query_text (self->writer, "PRAGMA page_size", &page_size, error))
        return FALSE;
      self->checkpoint_pages =
        MAX (CHECKPOINT_BYTES / MAX (g_ascii_strtoll (page_size, NULL, 10), 512), 1);

      if (g_strcmp0 (first, "wal") != 0)
        g_debug ("%s: journal mode is %s, not WAL; readers will wait for writers",
                 self->db_path, first);

      if (!conn_pragma (self->writer, "PRAGMA synchronous = NORMAL", error) ||
          !conn_pragma (self->writer, "PRAGMA foreign_keys = ON", error) ||
          !conn_pragma (self->writer, "PRAGMA journal_size_limit = 4194304", error))
        return FALSE;
      /* Checkpoints are made by the checkpointer thread, not by commits. */
      sqlite3_wal_hook (self->writer->db, on_wal_commit, self);
    }

  /* Before the migrations: 9 uses it. */
  if (sqlite3_create_function_v2 (self->writer->db, "petrel_fts", 1,
                                  SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                                  sql_fts_text, NULL, NULL, NULL) != SQLITE_OK)
    {
      _petrel_store_set_error (error, self->writer->db, sqlite3_errcode (self->writer->db),
                               _("Cannot open the mail cache"));
      return FALSE;
    }

  /* Nothing is staged without a write, so a read-only store needs no staging table. */
  return conn_pragma (self->writer, "PRAGMA cache_size = -16000", error) &&
         conn_pragma (self->writer, "PRAGMA temp_store = MEMORY", error) &&
         (self->read_only_uri != NULL || conn_pragma (self->writer, fts_stage_create, error));
}

/* The disk is full (@why): opens the write connection again, read-only, so that the cache can
 * still be read (#10). */
static gboolean
store_reopen_read_only (PetrelStore   *self,
                        const GError  *why,
                        GError       **error)
{
  g_debug ("%s: %s; opening it read-only", self->db_path, why->message);
  g_clear_pointer (&self->writer, conn_close);
  self->read_only_uri = read_only_uri (self);

  return store_open_writer (self, error);
}

/**
 * petrel_store_open:
 * @account_dir: the account's data directory
 * @error: return location for a #GError
 *
 * Opens the account's cache, creating `store.db` (WAL, `synchronous=NORMAL`, foreign keys on)
 * and `messages/` if needed, checks the database (`PRAGMA quick_check` of every table but the
 * full-text index, whose damage surfaces as %PETREL_STORE_ERROR_CORRUPT from searches) unless
 * the last close was clean and left the file unchanged (store.db-clean), and runs the
 * numbered schema migrations. A damaged database gives %PETREL_STORE_ERROR_CORRUPT,
 * one written by a newer Petrel %PETREL_STORE_ERROR_TOO_NEW, an unusable directory
 * %PETREL_STORE_ERROR_IO.
 *
 * Returns: (transfer full): the store, or %NULL on error
 */
PetrelStore *
petrel_store_open (const char  *account_dir,
                   GError     **error)
{
  g_autoptr(PetrelStore) self = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GError) ro_error = NULL;
  gboolean was_clean;

  g_return_val_if_fail (account_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (PETREL_TYPE_STORE, NULL);
  self->dir = g_strdup (account_dir);
  self->db_path = g_build_filename (account_dir, "store.db", NULL);
  self->messages_dir = g_build_filename (account_dir, "messages", NULL);
  self->clean_path = g_build_filename (account_dir, "store.db-clean", NULL);
  was_clean = _petrel_store_clean_marker_matches (self);

  if (g_mkdir_with_parents (self->messages_dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, PETREL_STORE_ERROR,
                   saved_errno == ENOSPC ? PETREL_STORE_ERROR_FULL : PETREL_STORE_ERROR_IO,
                   _("Cannot create %s: %s"), self->messages_dir, g_strerror (saved_errno));
      return NULL;
    }

  if (!store_open_writer (self, &local_error))
    {
      /* On a disk with no byte left the cache can still be read (#10). */
      if (!g_error_matches (local_error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_FULL))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }

      if (!store_reopen_read_only (self, local_error, &ro_error))
        {
          g_debug ("%s: cannot read it either: %s", self->db_path, ro_error->message);
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      g_clear_error (&local_error);
    }

  if (was_clean)
    g_debug ("%s is as it was left: no integrity check", self->db_path);
  else if (!store_check_integrity (self, error))
    return NULL;

  if (!store_migrate (self, &local_error))
    {
      /* An upgrade that needs more room than the disk has (migration 9 rewrites part of the
       * full-text index) leaves the cache as it was: read it as it is, upgrade it another
       * time, rather than not open it at all (#10). */
      if (self->read_only_uri != NULL ||
          !g_error_matches (local_error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_FULL))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }

      if (!store_reopen_read_only (self, local_error, error) || !store_migrate (self, error))
        return NULL;
      g_clear_error (&local_error);
    }

  self->opened = TRUE;
  if (!was_clean && self->read_only_uri == NULL)
    leave_clean_marker (self);
  if (self->read_only_uri == NULL)
    self->checkpointer = g_thread_new ("petrel-store-checkpoint", checkpointer_thread, self);

  return g_steal_pointer (&self);
}

/**
 * petrel_store_get_directory:
 *
 * Returns: the account directory the store was opened in
 */
const char *
petrel_store_get_directory (PetrelStore *self)
{
  g_return_val_if_fail (PETREL_IS_STORE (self), NULL);

  return self->dir;
}

/**
 * petrel_store_check_writable:
 *
 * Whether changes can be saved. On a disk with no byte left petrel_store_open() still opens
 * the cache, read-only; then this fails with %PETREL_STORE_ERROR_FULL, as every write would.
 * Lets a caller refuse early, before it asks a server for anything.
 */
gboolean
petrel_store_check_writable (PetrelStore  *self,
                             GError      **error)
{
  g_return_val_if_fail (PETREL_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->read_only_uri != NULL)
    {
      g_set_error_literal (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_FULL,
                           _("Cannot save changes to the mail cache: disk full; free some space "
                             "and try again"));
      return FALSE;
    }

  return TRUE;
}

/**
 * petrel_store_begin:
 *
 * Starts a batch: every write until petrel_store_commit() is one transaction (use it for a
 * batch of ~500 summaries, or to write a change and its replay-queue entry atomically). Other
 * threads' writes wait until the batch ends; reads from this thread see the batch. Batches
 * nest. Must be ended on the same thread.
 */
gboolean
petrel_store_begin (PetrelStore  *self,
                    GError      **error)
{
  PetrelStoreWrite write;

  g_return_val_if_fail (PETREL_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* The transaction now belongs to the store until commit/rollback. */
  return _petrel_store_write_begin (self, &write, error);
}

/**
 * petrel_store_commit:
 *
 * Ends the batch started by petrel_store_begin(). On failure the batch is rolled back.
 */
gboolean
petrel_store_commit (PetrelStore  *self,
                     GError      **error)
{
  PetrelStoreWrite write;

  g_return_val_if_fail (PETREL_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  g_return_val_if_fail (g_atomic_pointer_get (&self->tx_owner) == (gpointer) g_thread_self (),
                        FALSE);

  write.store = self;
  write.conn = self->writer;
  write.active = TRUE;

  return _petrel_store_write_commit (&write, error);
}

/**
 * petrel_store_rollback:
 *
 * Cancels the batch started by petrel_store_begin().
 */
void
petrel_store_rollback (PetrelStore *self)
{
  PetrelStoreWrite write;

  g_return_if_fail (PETREL_IS_STORE (self));
  g_return_if_fail (g_atomic_pointer_get (&self->tx_owner) == (gpointer) g_thread_self ());

  write.store = self;
  write.conn = self->writer;
  write.active = TRUE;

  _petrel_store_write_abort (&write);
}
