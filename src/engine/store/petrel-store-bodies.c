/* petrel-store-bodies.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <inttypes.h>
#include <glib/gi18n-lib.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "petrel-store-private.h"

/* Message files live at messages/<folder id>/<uid>.eml, written as .<uid>.eml.XXXXXX first. */

/* Body text beyond this is not indexed: nobody searches the 40th megabyte of a log file. */
#define MAX_INDEXED_TEXT  (1024 * 1024)
#define MAX_SNIPPET       1024

static void
set_errno_error (GError     **error,
                 int          saved_errno,
                 const char  *what,
                 const char  *path)
{
  if (saved_errno == ENOSPC
#ifdef EDQUOT
      || saved_errno == EDQUOT
#endif
      )
    /* Translators: the first %s is an action such as “Cannot write”, the second a file path. */
    g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_FULL,
                 _("%s %s: disk full"), what, path);
  else
    g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_IO,
                 "%s %s: %s", what, path, g_strerror (saved_errno));
}

/* Cuts @text to at most @max bytes on a character boundary. */
static char *
dup_bounded_utf8 (const char *text,
                  gsize       max)
{
  g_autofree char *valid = NULL;
  gsize len;

  if (text == NULL)
    return NULL;

  valid = g_utf8_make_valid (text, -1);
  len = strlen (valid);
  if (len > max)
    {
      const char *end = g_utf8_find_prev_char (valid, valid + max + 1);

      valid[end != NULL ? end - valid : 0] = '\0';
    }

  return g_steal_pointer (&valid);
}

static gboolean
ensure_folder_dir (PetrelStore  *self,
                   gint64        folder_id,
                   char        **out_dir,
                   GError      **error)
{
  g_autofree char *dir = _petrel_store_folder_dir (self, folder_id);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      set_errno_error (error, errno, _("Cannot create"), dir);
      return FALSE;
    }

  *out_dir = g_steal_pointer (&dir);

  return TRUE;
}

/* Writes @bytes to a new temporary file in @dir and, unless @sync is FALSE (the batch's
 * commit syncs them all at once), fsyncs it. */
static char *
write_temp_file (const char  *dir,
                 guint32      uid,
                 GBytes      *bytes,
                 gboolean     sync,
                 GError     **error)
{
  g_autofree char *tmp_path = NULL;
  const guint8 *data;
  gsize len;
  int fd;

  tmp_path = g_strdup_printf ("%s" G_DIR_SEPARATOR_S ".%u.eml.XXXXXX", dir, uid);
  fd = g_mkstemp_full (tmp_path, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      set_errno_error (error, errno, _("Cannot create a file in"), dir);
      return NULL;
    }

  data = g_bytes_get_data (bytes, &len);
  while (len > 0)
    {
      gssize written = write (fd, data, MIN (len, (gsize) G_MAXSSIZE));

      if (written < 0)
        {
          int saved_errno = errno;

          if (saved_errno == EINTR)
            continue;

          set_errno_error (error, saved_errno, _("Cannot write"), tmp_path);
          goto failed;
        }

      data += written;
      len -= written;
    }

  if (sync && fsync (fd) != 0)
    {
      set_errno_error (error, errno, _("Cannot write"), tmp_path);
      goto failed;
    }

  if (close (fd) != 0)
    {
      fd = -1;
      set_errno_error (error, errno, _("Cannot write"), tmp_path);
      goto failed;
    }

  return g_steal_pointer (&tmp_path);

failed:
  if (fd >= 0)
    close (fd);
  g_unlink (tmp_path);

  return NULL;
}

static gboolean
fsync_path (const char  *path,
            GError     **error)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0 || fsync (fd) != 0)
    {
      set_errno_error (error, errno, _("Cannot write"), path);
      if (fd >= 0)
        close (fd);
      return FALSE;
    }
  close (fd);

  return TRUE;
}

/**
 * petrel_store_set_body:
 * @raw: the message exactly as fetched (`BODY.PEEK[]`)
 * @body_text: (nullable): its readable text, to index
 * @snippet: (nullable): a short preview
 * @has_attachments: whether it has attachments
 * @attachment_names: (array zero-terminated=1) (nullable): their file names, to index
 *
 * Caches a message's body: the file is written to a temporary name, fsync'd and renamed, and
 * only then does the row say the body is present. Fails with %PETREL_STORE_ERROR_NOT_FOUND if
 * the summary is not stored, %PETREL_STORE_ERROR_FULL when the disk is full.
 */
gboolean
petrel_store_set_body (PetrelStore         *self,
                       gint64               folder_id,
                       guint32              uid,
                       GBytes              *raw,
                       const char          *body_text,
                       const char          *snippet,
                       gboolean             has_attachments,
                       const char * const  *attachment_names,
                       GError             **error)
{
  g_auto(PetrelStoreWrite) write = { 0 };
  g_autoptr(PetrelStoreStmt) stmt = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *tmp_path = NULL;
  g_autofree char *final_path = NULL;
  g_autofree char *relpath = NULL;
  g_autofree char *text = NULL;
  g_autofree char *preview = NULL;
  g_autofree char *names = NULL;
  gboolean in_batch;
  gint64 id;
  int rc;

  g_return_val_if_fail (PETREL_IS_STORE (self), FALSE);
  g_return_val_if_fail (raw != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* The slow part (write + fsync) happens before taking the write lock. */
  if (!ensure_folder_dir (self, folder_id, &dir, error))
    return FALSE;

  /* Inside a batch (petrel_store_begin()), one syncfs() before its commit replaces a
   * thousand fsync()s, each of which waited for the disk (#4). */
  in_batch = _petrel_store_in_batch (self);
  tmp_path = write_temp_file (dir, uid, raw, !in_batch, error);
  if (tmp_path == NULL)
    return FALSE;

  relpath = _petrel_store_message_relpath (folder_id, uid);
  final_path = g_build_filename (self->messages_dir, relpath, NULL);
  text = dup_bounded_utf8 (body_text, MAX_INDEXED_TEXT);
  preview = dup_bounded_utf8 (snippet, MAX_SNIPPET);
  if (attachment_names != NULL && attachment_names[0] != NULL)
    names = g_strjoinv ("\n", (char **) attachment_names);

  if (!_petrel_store_write_begin (self, &write, error))
    goto failed;
  if (!in_batch)
    ;
  else if (self->tx_depth > 1)
    self->needs_syncfs = TRUE;
  else if (fsync_path (tmp_path, error) == FALSE)
    goto failed;   /* the batch ended meanwhile: sync this one alone */

  stmt = _petrel_store_prepare (write.conn,
                                "SELECT id FROM messages WHERE folder_id = ?1 AND uid = ?2",
                                error);
  if (stmt == NULL)
    goto failed;

  sqlite3_bind_int64 (stmt, 1, folder_id);
  sqlite3_bind_int64 (stmt, 2, uid);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND,
                   _("No message with UID %u in folder %" PRId64 " of the mail cache"),
                   uid, folder_id);
      goto failed;
    }
  if (rc != SQLITE_ROW)
    {
      _petrel_store_set_error (error, write.conn->db, rc, _("Cannot store a message body"));
      goto failed;
    }

  id = sqlite3_column_int64 (stmt, 0);
  g_clear_pointer (&stmt, sqlite3_reset);

  if (g_rename (tmp_path, final_path) != 0)
    {
      set_errno_error (error, errno, _("Cannot write"), final_path);
      goto failed;
    }
  g_clear_pointer (&tmp_path, g_free);

  stmt = _petrel_store_prepare (write.conn,
                                "UPDATE messages SET body_present = 1, body_path = ?2,"
                                " body_size = ?3, snippet = ?4, has_attachments = ?5,"
                                " attachment_names = ?6 WHERE id = ?1",
                                error);
  if (stmt == NULL)
    goto failed_renamed;

  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_text (stmt, 2, relpath, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, (gint64) g_bytes_get_size (raw));
  sqlite3_bind_text (stmt, 4, preview, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 5, has_attachments);
  _petrel_store_bind_text (stmt, 6, names);
  if (!_petrel_store_step_done (write.conn, stmt, error))
    goto failed_renamed;
  g_clear_pointer (&stmt, sqlite3_reset);

  /* Indexed at the outermost commit, with the rest of the batch. */
  if (!_petrel_store_fts_stage (write.conn, id, text, names, error))
    goto failed_renamed;

  if (!_petrel_store_write_commit (&write, error))
    goto failed_renamed;

  return TRUE;

failed_renamed:
  /* The row does not say "present", so the file must not outlive the failure either. */
  g_unlink (final_path);
failed:
  if (tmp_path != NULL)
    g_unlink (tmp_path);

  return FALSE;
}

/* Marks a body whose file turned out bad as missing, unless it was replaced meanwhile. */
static void
store_forget_body (PetrelStore *self,
                   gint64       folder_id,
                   guint32      uid,
                   gint64       bad_size)
{
  g_auto(PetrelStoreWrite) write = { 0 };
  g_autoptr(PetrelStoreStmt) stmt = NULL;
  g_autoptr(GError) error = NULL;

  if (!_petrel_store_write_begin (self, &write, &error))
    goto failed;

  stmt = _petrel_store_prepare (write.conn,
                                "UPDATE messages SET body_present = 0"
                                " WHERE folder_id = ?1 AND uid = ?2 AND body_size = ?3",
                                &error);
  if (stmt == NULL)
    goto failed;

  sqlite3_bind_int64 (stmt, 1, folder_id);
  sqlite3_bind_int64 (stmt, 2, uid);
  sqlite3_bind_int64 (stmt, 3, bad_size);
  if (!_petrel_store_step_done (write.conn, stmt, &error))
    goto failed;
  g_clear_pointer (&stmt, sqlite3_reset);

  if (_petrel_store_write_commit (&write, &error))
    return;

failed:
  g_debug ("Cannot mark message %u of folder %" G_GINT64_FORMAT " for refetching: %s",
           uid, folder_id, error->message);
}

/**
 * petrel_store_read_message:
 * @out_bytes: (out) (transfer full): the raw message as fetched
 *
 * Reads a cached message. When the body was never downloaded, or its file is missing or not
 * the size that was written, fails with %PETREL_STORE_ERROR_NEEDS_REFETCH (and a damaged file
 * is marked missing so a prefetch fetches it again).
 */
gboolean
petrel_store_read_message (PetrelStore   *self,
                           gint64         folder_id,
                           guint32        uid,
                           GBytes       **out_bytes,
                           GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *relpath = NULL;
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  gboolean present = FALSE;
  gint64 expected = 0;
  gsize len = 0;

  g_return_val_if_fail (PETREL_IS_STORE (self), FALSE);
  g_return_val_if_fail (out_bytes != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  {
    g_auto(PetrelStoreRead) read = { 0 };
    g_autoptr(PetrelStoreStmt) stmt = NULL;
    int rc;

    if (!_petrel_store_read_begin (self, &read, error))
      return FALSE;

    stmt = _petrel_store_prepare (read.conn,
                                  "SELECT body_present, body_path, body_size FROM messages"
                                  " WHERE folder_id = ?1 AND uid = ?2",
                                  error);
    if (stmt == NULL)
      return FALSE;

    sqlite3_bind_int64 (stmt, 1, folder_id);
    sqlite3_bind_int64 (stmt, 2, uid);
    rc = sqlite3_step (stmt);
    if (rc == SQLITE_DONE)
      {
        g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND,
                     _("No message with UID %u in folder %" PRId64 " of the mail cache"),
                     uid, folder_id);
        return FALSE;
      }
    if (rc != SQLITE_ROW)
      {
        _petrel_store_set_error (error, read.conn->db, rc, _("Cannot read a message"));
        return FALSE;
      }

    present = sqlite3_column_int (stmt, 0) != 0;
    relpath = _petrel_store_column_dup (stmt, 1);
    expected = sqlite3_column_int64 (stmt, 2);
  }

  if (!present || relpath == NULL)
    {
      g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NEEDS_REFETCH,
                   _("Message %u has not been downloaded yet"), uid);
      return FALSE;
    }

  path = g_build_filename (self->messages_dir, relpath, NULL);
  if (!g_file_get_contents (path, &contents, &len, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          store_forget_body (self, folder_id, uid, expected);
          g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NEEDS_REFETCH,
                       _("The cached copy of message %u is missing"), uid);
        }
      else
        {
          g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_IO,
                       "%s", local_error->message);
        }
      return FALSE;
    }

  if ((gint64) len != expected)
    {
      store_forget_body (self, folder_id, uid, expected);
      g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NEEDS_REFETCH,
                   _("The cached copy of message %u is damaged (%zu bytes "
                     "instead of %" PRId64 ")"), uid, len, expected);
      return FALSE;
    }

  *out_bytes = g_bytes_new_take (g_steal_pointer (&contents), len);

  return TRUE;
}

typedef struct {
  gint64   id;
  gboolean body_present;
  char    *body_path;
  gint64   body_size;
} BodyInfo;

static void
body_info_clear (BodyInfo *info)
{
  g_clear_pointer (&info->body_path, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (BodyInfo, body_info_clear)

static gboolean
lookup_body (PetrelStoreConn  *conn,
             gint64            folder_id,
             guint32           uid,
             BodyInfo         *info,
             gboolean         *out_found,
             GError          **error)
{
  g_autoptr(PetrelStoreStmt) stmt = NULL;
  int rc;

  stmt = _petrel_store_prepare (conn,
                                "SELECT id, body_present, body_path, body_size FROM messages"
                                " WHERE folder_id = ?1 AND uid = ?2",
                                error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, folder_id);
  sqlite3_bind_int64 (stmt, 2, uid);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      *out_found = FALSE;
      return TRUE;
    }
  if (rc != SQLITE_ROW)
    {
      _petrel_store_set_error (error, conn->db, rc, _("Cannot read a message"));
      return FALSE;
    }

  info->id = sqlite3_column_int64 (stmt, 0);
  info->body_present = sqlite3_column_int (stmt, 1) != 0;
  info->body_path = _petrel_store_column_dup (stmt, 2);
  info->body_size = sqlite3_column_int64 (stmt, 3);
  *out_found = TRUE;

  return TRUE;
}

/* Creates the destination row of a copy or move from the source row, same conversation. */
static gboolean
copy_summary (PetrelStoreConn  *conn,
              gint64            src_id,
              gint64            dst_folder_id,
              guint32           dst_uid,
              gint64           *out_dst_id,
              GError          **error)
{
  g_autoptr(PetrelStoreStmt) stmt = NULL;
  int rc;

  stmt = _petrel_store_prepare (conn,
                                "INSERT INTO messages (folder_id, uid, modseq, flags, keywords,"
                                " internal_date, size, date, subject, from_name, from_addr,"
                                " to_text, cc_text, message_id, in_reply_to, references_text,"
                                " has_attachments, attachment_names, snippet, conversation_id)"
                                " SELECT ?2, ?3, 0, flags, keywords,"
                                " internal_date, size, date, subject, from_name, from_addr,"
                                " to_text, cc_text, message_id, in_reply_to, references_text,"
                                " has_attachments, attachment_names, snippet, conversation_id"
                                " FROM messages WHERE id = ?1",
                                error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, src_id);
  sqlite3_bind_int64 (stmt, 2, dst_folder_id);
  sqlite3_bind_int64 (stmt, 3, dst_uid);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
    {
      g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND,
                   _("No folder %" PRId64 " in the mail cache"), dst_folder_id);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    {
      _petrel_store_set_error (error, conn->db, rc, _("Cannot copy a message"));
      return FALSE;
    }

  *out_dst_id = sqlite3_last_insert_rowid (conn->db);

  return _petrel_store_add_new_row (conn, *out_dst_id, error);
}

/* Marks the destination's body present with the source's derived data (snippet, attachments,
 * indexed text). */
static gboolean
copy_body_state (PetrelStoreConn  *conn,
                 gint64            src_id,
                 gint64            dst_id,
                 const char       *dst_relpath,
                 gint64            body_size,
                 GError          **error)
{
  g_autoptr(PetrelStoreStmt) stmt = NULL;
  g_autofree char *body = NULL;
  g_autofree char *attachments = NULL;
  int rc;

  /* The source's text may still be staged in this transaction. */
  if (!_petrel_store_fts_flush (conn, error))
    return FALSE;

  stmt = _petrel_store_prepare (conn,
                                "UPDATE messages SET body_present = 1, body_path = ?3,"
                                " body_size = ?4,"
                                " has_attachments = (SELECT has_attachments FROM messages"
                                "   WHERE id = ?1),"
                                " snippet = (SELECT snippet FROM messages WHERE id = ?1),"
                                " attachment_names = (SELECT attachment_names FROM messages"
                                "   WHERE id = ?1)"
                                " WHERE id = ?2",
                                error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, src_id);
  sqlite3_bind_int64 (stmt, 2, dst_id);
  sqlite3_bind_text (stmt, 3, dst_relpath, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, body_size);
  if (!_petrel_store_step_done (conn, stmt, error))
    return FALSE;
  g_clear_pointer (&stmt, sqlite3_reset);

  stmt = _petrel_store_prepare (conn,
                                "SELECT body, attachments FROM messages_fts WHERE rowid = ?1",
                                error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, src_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      body = _petrel_store_column_dup (stmt, 0);
      attachments = _petrel_store_column_dup (stmt, 1);
    }
  else if (rc != SQLITE_DONE)
    {
      _petrel_store_set_error (error, conn->db, rc, _("Cannot copy a message"));
      return FALSE;
    }
  g_clear_pointer (&stmt, sqlite3_reset);

  stmt = _petrel_store_prepare (conn,
                                "UPDATE messages_fts SET body = ?2, attachments = ?3"
                                " WHERE rowid = ?1",
                                error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, dst_id);
  sqlite3_bind_text (stmt, 2, body, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, attachments, -1, SQLITE_STATIC);

  return _petrel_store_step_done (conn, stmt, error);
}

static gboolean
delete_message_row (PetrelStoreConn  *conn,
                    gint64            id,
                    GError          **error)
{
  g_autoptr(PetrelStoreStmt) stmt = NULL;

  stmt = _petrel_store_prepare (conn, "DELETE FROM messages WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, id);

  return _petrel_store_step_done (conn, stmt, error);
}

/* Links (or, across file systems, copies) a cached file to a new name. */
static gboolean
link_or_copy (const char  *src_path,
              const char  *dst_dir,
              const char  *dst_path,
              guint32      dst_uid,
              GError     **error)
{
  g_autofree char *contents = NULL;
  g_autofree char *tmp_path = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize len;

  g_unlink (dst_path);
  if (link (src_path, dst_path) == 0)
    return TRUE;

  if (!g_file_get_contents (src_path, &contents, &len, &local_error))
    {
      g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_IO, "%s",
                   local_error->message);
      return FALSE;
    }

  bytes = g_bytes_new_take (g_steal_pointer (&contents), len);
  tmp_path = write_temp_file (dst_dir, dst_uid, bytes, TRUE, error);
  if (tmp_path == NULL)
    return FALSE;

  if (g_rename (tmp_path, dst_path) != 0)
    {
      set_errno_error (error, errno, _("Cannot write"), dst_path);
      g_unlink (tmp_path);
      return FALSE;
    }

  return TRUE;
}

static gboolean
store_transfer (PetrelStore  *self,
                gint64        src_folder_id,
                guint32       src_uid,
                gint64        dst_folder_id,
                guint32       dst_uid,
                gboolean      move,
                GError      **error)
{
  g_auto(PetrelStoreWrite) write = { 0 };
  g_auto(BodyInfo) src = { 0 };
  g_auto(BodyInfo) dst = { 0 };
  g_autofree char *src_path = NULL;
  g_autofree char *dst_path = NULL;
  g_autofree char *dst_dir = NULL;
  g_autofree char *dst_relpath = NULL;
  gboolean found = FALSE;
  gboolean renamed = FALSE;
  gboolean linked = FALSE;

  if (src_folder_id == dst_folder_id && src_uid == dst_uid)
    return TRUE;

  if (!_petrel_store_write_begin (self, &write, error))
    return FALSE;

  if (!lookup_body (write.conn, src_folder_id, src_uid, &src, &found, error))
    return FALSE;
  if (!found)
    {
      g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND,
                   _("No message with UID %u in folder %" PRId64 " of the mail cache"),
                   src_uid, src_folder_id);
      return FALSE;
    }

  if (!lookup_body (write.conn, dst_folder_id, dst_uid, &dst, &found, error))
    return FALSE;
  if (!found && !copy_summary (write.conn, src.id, dst_folder_id, dst_uid, &dst.id, error))
    return FALSE;

  if (src.body_present && src.body_path != NULL)
    {
      dst_relpath = _petrel_store_message_relpath (dst_folder_id, dst_uid);
      src_path = g_build_filename (self->messages_dir, src.body_path, NULL);
      dst_path = g_build_filename (self->messages_dir, dst_relpath, NULL);

      if (!ensure_folder_dir (self, dst_folder_id, &dst_dir, error))
        return FALSE;

      if (move)
        {
          if (g_rename (src_path, dst_path) == 0)
            renamed = TRUE;
          else if (errno != ENOENT)
            {
              set_errno_error (error, errno, _("Cannot move"), src_path);
              return FALSE;
            }
        }
      else
        {
          g_autoptr(GError) local_error = NULL;

          /* A missing or unreadable source only means the copy gets fetched later. */
          linked = link_or_copy (src_path, dst_dir, dst_path, dst_uid, &local_error);
          if (!linked && local_error->domain == PETREL_STORE_ERROR &&
              local_error->code == PETREL_STORE_ERROR_FULL)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
        }

      if ((renamed || linked) &&
          !copy_body_state (write.conn, src.id, dst.id, dst_relpath, src.body_size, error))
        goto failed;
    }

  if (move && !delete_message_row (write.conn, src.id, error))
    goto failed;

  if (!_petrel_store_write_commit (&write, error))
    goto failed;

  return TRUE;

failed:
  if (renamed)
    g_rename (dst_path, src_path);
  else if (linked)
    g_unlink (dst_path);

  return FALSE;
}

/**
 * petrel_store_rename_message_file:
 *
 * Records a move the server reported with COPYUID: the destination row is created from the
 * source row if the destination folder has not been synced yet (same flags, envelope and
 * conversation), the cached file is renamed instead of being downloaded again, and the source
 * row is removed.
 */
gboolean
petrel_store_rename_message_file (PetrelStore  *self,
                                  gint64        src_folder_id,
                                  guint32       src_uid,
                                  gint64        dst_folder_id,
                                  guint32       dst_uid,
                                  GError      **error)
{
  g_return_val_if_fail (PETREL_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return store_transfer (self, src_folder_id, src_uid, dst_folder_id, dst_uid, TRUE, error);
}

/**
 * petrel_store_copy_message:
 *
 * Records a copy the server reported with COPYUID: like petrel_store_rename_message_file(),
 * but the source stays and the cached file is hard-linked (or copied).
 */
gboolean
petrel_store_copy_message (PetrelStore  *self,
                           gint64        src_folder_id,
                           guint32       src_uid,
                           gint64        dst_folder_id,
                           guint32       dst_uid,
                           GError      **error)
{
  g_return_val_if_fail (PETREL_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return store_transfer (self, src_folder_id, src_uid, dst_folder_id, dst_uid, FALSE, error);
}
