/* petrel-demo.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The demo mailbox: a local, offline-only account whose cache is filled from the sample
 * messages shipped in data/demo/ (see its README.md) through the same store API as a synced
 * account, so everything above the store (models, search, threading, the UI) works on it
 * unchanged.
 *
 * Its configuration lives in memory only (it is never an account in <data_dir>/accounts);
 * its servers are "localhost.invalid" (RFC 6761: never resolves) so nothing can connect; its
 * store is <data_dir>/demo/accounts/demo/. The import runs once: a fingerprint of the source
 * files is kept next to the store, and only a different set of sample files (a new version of
 * Petrel) makes the demo start over.
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "account/petrel-memory-credentials.h"
#include "mime/petrel-mime-summary.h"
#include "mime/petrel-mime-text.h"

#include "petrel-demo.h"

#define DEMO_HOST         "localhost.invalid"
#define FINGERPRINT_FILE  "source.sha256"
#define FLAGS_FILE        "flags.json"
/* Bounds on what is read from the source directory: it is shipped data, but a broken
 * installation must not make the app read gigabytes. */
#define MAX_MESSAGE_SIZE  (8 * 1024 * 1024)
#define MAX_MESSAGES      10000

static GQuark
demo_quark (void)
{
  return g_quark_from_static_string ("petrel-demo-account");
}

typedef struct
{
  char   *name;   /* file name, owned */
  GBytes *raw;    /* owned */
  gint64  date;
} DemoFile;

static void
demo_file_free (DemoFile *file)
{
  g_free (file->name);
  g_bytes_unref (file->raw);
  g_free (file);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char **) a, *(const char **) b);
}

static int
compare_files (gconstpointer a,
               gconstpointer b)
{
  const DemoFile *fa = *(const DemoFile **) a;
  const DemoFile *fb = *(const DemoFile **) b;

  if (fa->date != fb->date)
    return fa->date < fb->date ? -1 : 1;

  return g_strcmp0 (fa->name, fb->name);
}

static PetrelStoreFolderRole
role_for_name (const char *name)
{
  static const struct { const char *name; PetrelStoreFolderRole role; } roles[] = {
    { "INBOX", PETREL_STORE_FOLDER_ROLE_INBOX },
    { "Sent", PETREL_STORE_FOLDER_ROLE_SENT },
    { "Drafts", PETREL_STORE_FOLDER_ROLE_DRAFTS },
    { "Archive", PETREL_STORE_FOLDER_ROLE_ARCHIVE },
    { "Trash", PETREL_STORE_FOLDER_ROLE_TRASH },
    { "Junk", PETREL_STORE_FOLDER_ROLE_JUNK },
    { "Spam", PETREL_STORE_FOLDER_ROLE_JUNK },
  };

  for (guint i = 0; i < G_N_ELEMENTS (roles); i++)
    {
      if (g_ascii_strcasecmp (name, roles[i].name) == 0)
        return roles[i].role;
    }

  return PETREL_STORE_FOLDER_ROLE_NONE;
}

/* Sorted names in @dir that pass @test (G_FILE_TEST_IS_DIR or _IS_REGULAR); with @suffix, only
 * those ending with it. */
static GPtrArray *
list_dir (const char  *dir,
          GFileTest    test,
          const char  *suffix,
          GError     **error)
{
  g_autoptr(GDir) handle = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  handle = g_dir_open (dir, 0, error);
  if (handle == NULL)
    return NULL;

  while ((name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (name[0] == '.' || (suffix != NULL && !g_str_has_suffix (name, suffix)))
        continue;
      if (g_file_test (path, G_FILE_TEST_IS_SYMLINK) || !g_file_test (path, test))
        continue;
      g_ptr_array_add (names, g_strdup (name));
    }

  g_ptr_array_sort (names, compare_strings);

  return g_steal_pointer (&names);
}

static GBytes *
read_bounded (const char  *path,
              GError     **error)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;

  if (length > MAX_MESSAGE_SIZE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s is too large for a demo message"), path);
      return NULL;
    }

  return g_bytes_new_take (g_steal_pointer (&contents), length);
}

/* Folder name → GPtrArray of DemoFile, sorted by date; plus the fingerprint of everything. */
static GHashTable *
read_source (const char  *source_dir,
             GPtrArray  **out_folders,
             char       **out_fingerprint,
             GError     **error)
{
  g_autoptr(GHashTable) folders = NULL;
  g_autoptr(GPtrArray) names = NULL;
  g_autoptr(GPtrArray) imported = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *flags_path = NULL;
  guint n_messages = 0;

  names = list_dir (source_dir, G_FILE_TEST_IS_DIR, NULL, error);
  if (names == NULL)
    {
      g_prefix_error (error, _("Cannot read the demo messages: "));
      return NULL;
    }

  folders = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                   (GDestroyNotify) g_ptr_array_unref);
  for (guint i = 0; i < names->len; i++)
    {
      const char *folder = g_ptr_array_index (names, i);
      g_autofree char *dir = g_build_filename (source_dir, folder, NULL);
      g_autoptr(GPtrArray) files = NULL;
      g_autoptr(GPtrArray) messages = NULL;

      files = list_dir (dir, G_FILE_TEST_IS_REGULAR, ".eml", error);
      if (files == NULL)
        return NULL;

      messages = g_ptr_array_new_with_free_func ((GDestroyNotify) demo_file_free);
      for (guint j = 0; j < files->len; j++)
        {
          const char *name = g_ptr_array_index (files, j);
          g_autofree char *path = g_build_filename (dir, name, NULL);
          g_autoptr(PetrelMimeSummary) summary = NULL;
          DemoFile *file;
          GBytes *raw;

          if (++n_messages > MAX_MESSAGES)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("%s holds more than %d demo messages"), source_dir, MAX_MESSAGES);
              return NULL;
            }

          raw = read_bounded (path, error);
          if (raw == NULL)
            return NULL;

          summary = petrel_mime_summary_new_from_bytes (raw, 0);
          file = g_new0 (DemoFile, 1);
          file->name = g_strdup (name);
          file->raw = raw;
          file->date = summary->date;
          g_ptr_array_add (messages, file);

          g_checksum_update (checksum, (const guchar *) folder, -1);
          g_checksum_update (checksum, (const guchar *) "/", 1);
          g_checksum_update (checksum, (const guchar *) name, strlen (name) + 1);
          g_checksum_update (checksum, g_bytes_get_data (raw, NULL), g_bytes_get_size (raw));
        }

      if (messages->len == 0)
        continue;

      g_ptr_array_sort (messages, compare_files);
      g_ptr_array_add (imported, g_strdup (folder));
      g_hash_table_insert (folders, g_strdup (folder), g_steal_pointer (&messages));
    }

  if (g_hash_table_size (folders) == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("There are no demo messages in %s"), source_dir);
      return NULL;
    }

  flags_path = g_build_filename (source_dir, FLAGS_FILE, NULL);
  if (g_file_test (flags_path, G_FILE_TEST_IS_REGULAR))
    {
      g_autoptr(GBytes) flags = read_bounded (flags_path, error);

      if (flags == NULL)
        return NULL;
      g_checksum_update (checksum, g_bytes_get_data (flags, NULL), g_bytes_get_size (flags));
    }

  *out_folders = g_steal_pointer (&imported);
  *out_fingerprint = g_strdup (g_checksum_get_string (checksum));

  return g_steal_pointer (&folders);
}

/* flags.json: {"Folder/file.eml": ["\\Seen", …], …}; a missing file means no flags. */
static JsonObject *
read_flags (const char  *source_dir,
            GError     **error)
{
  g_autofree char *path = g_build_filename (source_dir, FLAGS_FILE, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return json_object_new ();

  if (!json_parser_load_from_file (parser, path, error))
    {
      g_prefix_error (error, "%s: ", path);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s: expected an object mapping message files to flag lists"), path);
      return NULL;
    }

  return json_object_ref (json_node_get_object (root));
}

static PetrelStoreFlags
flags_for (JsonObject *flags,
           const char *folder,
           const char *name,
           char      **out_keywords)
{
  g_autofree char *key = g_strdup_printf ("%s/%s", folder, name);
  g_autoptr(GPtrArray) strv = g_ptr_array_new_null_terminated (4, NULL, TRUE);
  JsonNode *node;
  JsonArray *array;

  node = json_object_get_member (flags, key);
  if (node == NULL)
    node = json_object_get_member (flags, name);
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return petrel_store_flags_parse (NULL, out_keywords);

  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_VALUE (element) && json_node_get_value_type (element) == G_TYPE_STRING)
        g_ptr_array_add (strv, (gpointer) json_node_get_string (element));
    }

  return petrel_store_flags_parse ((const char * const *) strv->pdata, out_keywords);
}

static char *
bracket_id (const char *id)
{
  if (id == NULL || *id == '\0')
    return NULL;

  return g_strdup_printf ("<%s>", id);
}

static PetrelStoreMessage *
message_from_file (gint64          folder_id,
                   guint32         uid,
                   const DemoFile *file,
                   JsonObject     *flags,
                   const char     *folder)
{
  g_autoptr(PetrelMimeSummary) summary = petrel_mime_summary_new_from_bytes (file->raw, 0);
  PetrelStoreMessage *message = petrel_store_message_new ();

  message->folder_id = folder_id;
  message->uid = uid;
  message->flags = flags_for (flags, folder, file->name, &message->keywords);
  message->internal_date = summary->date;
  message->size = (gint64) g_bytes_get_size (file->raw);
  message->date = summary->date;
  message->subject = g_strdup (summary->subject);
  message->from_name = g_strdup (summary->from_name);
  message->from_addr = g_strdup (summary->from_address);
  message->to_text = g_strdup (summary->to_display);
  message->cc_text = g_strdup (summary->cc_display);
  message->message_id = bracket_id (summary->message_id);
  message->in_reply_to = bracket_id (summary->in_reply_to);

  if (summary->references != NULL && summary->references[0] != NULL)
    {
      GString *refs = g_string_new (NULL);

      for (guint i = 0; summary->references[i] != NULL; i++)
        g_string_append_printf (refs, "%s<%s>", i > 0 ? " " : "", summary->references[i]);
      message->references_text = g_string_free (refs, FALSE);
    }

  return message;
}

static gboolean
store_body (PetrelStore     *store,
            gint64           folder_id,
            guint32          uid,
            const DemoFile  *file,
            GError         **error)
{
  g_autoptr(PetrelMimeBody) body = petrel_mime_body_new_from_bytes (file->raw);
  g_autoptr(GPtrArray) names = g_ptr_array_new_null_terminated (4, NULL, TRUE);

  for (guint i = 0; body->attachments != NULL && i < body->attachments->len; i++)
    {
      PetrelMimeAttachment *attachment = g_ptr_array_index (body->attachments, i);

      if (attachment->filename != NULL)
        g_ptr_array_add (names, attachment->filename);
    }

  return petrel_store_set_body (store, folder_id, uid, file->raw, body->text, body->snippet,
                                body->has_attachments, (const char * const *) names->pdata,
                                error);
}

static gboolean
import_folder (PetrelStore  *store,
               const char   *folder,
               GPtrArray    *files,
               JsonObject   *flags,
               GError      **error)
{
  g_autoptr(PetrelStoreFolder) row = petrel_store_folder_new (folder);
  g_autoptr(GPtrArray) messages = NULL;
  gint64 folder_id = 0;

  g_free (row->delimiter);
  row->delimiter = g_strdup ("/");
  row->role = role_for_name (folder);
  row->subscribed = TRUE;

  if (!petrel_store_upsert_folder (store, row, &folder_id, error) ||
      !petrel_store_set_folder_sync_state (store, folder_id, 1, files->len + 1, 0, NULL, error))
    return FALSE;

  messages = g_ptr_array_new_with_free_func ((GDestroyNotify) petrel_store_message_free);
  for (guint i = 0; i < files->len; i++)
    g_ptr_array_add (messages, message_from_file (folder_id, i + 1,
                                                  g_ptr_array_index (files, i), flags, folder));

  if (!petrel_store_upsert_messages (store, messages, error))
    return FALSE;

  for (guint i = 0; i < files->len; i++)
    {
      if (!store_body (store, folder_id, i + 1, g_ptr_array_index (files, i), error))
        return FALSE;
    }

  return TRUE;
}

/* Removes @path and everything under it; symbolic links are removed, never followed. */
static gboolean
remove_tree (const char  *path,
             GError     **error)
{
  GStatBuf st;

  if (g_lstat (path, &st) != 0)
    {
      int saved_errno = errno;

      if (saved_errno == ENOENT)
        return TRUE;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Cannot remove %s: %s"), path, g_strerror (saved_errno));
      return FALSE;
    }

  if (S_ISDIR (st.st_mode))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, error);
      const char *name;

      if (dir == NULL)
        return FALSE;
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          if (!remove_tree (child, error))
            return FALSE;
        }

      if (g_rmdir (path) != 0)
        {
          int saved_errno = errno;

          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                       _("Cannot remove %s: %s"), path, g_strerror (saved_errno));
          return FALSE;
        }
      return TRUE;
    }

  if (g_unlink (path) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Cannot remove %s: %s"), path, g_strerror (saved_errno));
      return FALSE;
    }

  return TRUE;
}

static PetrelAccountConfig *
demo_config_new (void)
{
  PetrelAccountConfig *config = petrel_account_config_new (PETREL_DEMO_ACCOUNT_ID);

  petrel_account_config_set_display_name (config, "Demo");
  petrel_account_config_set_email_address (config, "demo@petrel.invalid");
  petrel_account_config_set_imap_host (config, DEMO_HOST);
  petrel_account_config_set_imap_port (config, 993);
  petrel_account_config_set_imap_security (config, PETREL_CONNECTION_SECURITY_TLS);
  petrel_account_config_set_smtp_host (config, DEMO_HOST);
  petrel_account_config_set_smtp_port (config, 465);
  petrel_account_config_set_smtp_security (config, PETREL_CONNECTION_SECURITY_TLS);
  petrel_account_config_set_sync_bodies (config, PETREL_SYNC_BODIES_NONE);

  return config;
}

/**
 * petrel_demo_open:
 * @data_dir: the data directory; the demo's cache goes to `<data_dir>/demo/`
 * @source_dir: the sample messages: one subdirectory of `.eml` files per folder and an
 *   optional `flags.json` (data/demo/ in the source tree, `$pkgdatadir/demo` installed)
 *
 * Opens the demo account, importing the sample messages into its cache the first time (and
 * again only when the sample files changed). This blocks on disk I/O: see
 * petrel_demo_open_async().
 *
 * Returns: (transfer full): the demo account, or %NULL with @error set
 */
PetrelAccount *
petrel_demo_open (const char  *data_dir,
                  const char  *source_dir,
                  GError     **error)
{
  g_autoptr(PetrelAccountConfig) config = NULL;
  g_autoptr(PetrelAccount) account = NULL;
  g_autoptr(PetrelCredentials) credentials = NULL;
  g_autoptr(GHashTable) files = NULL;
  g_autoptr(GPtrArray) folders = NULL;
  g_autoptr(JsonObject) flags = NULL;
  g_autofree char *fingerprint = NULL;
  g_autofree char *demo_dir = NULL;
  g_autofree char *fingerprint_path = NULL;
  g_autofree char *stored = NULL;
  PetrelStore *store;

  g_return_val_if_fail (data_dir != NULL, NULL);
  g_return_val_if_fail (source_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  files = read_source (source_dir, &folders, &fingerprint, error);
  if (files == NULL)
    return NULL;

  demo_dir = g_build_filename (data_dir, "demo", NULL);
  fingerprint_path = g_build_filename (demo_dir, FINGERPRINT_FILE, NULL);
  config = demo_config_new ();

  if (g_file_get_contents (fingerprint_path, &stored, NULL, NULL) &&
      g_strcmp0 (g_strstrip (stored), fingerprint) == 0)
    {
      account = petrel_account_new_for_config (demo_dir, config);
      if (petrel_account_get_store (account, error) == NULL)
        return NULL;
    }
  else
    {
      g_autofree char *account_dir = petrel_account_dup_dir (demo_dir, PETREL_DEMO_ACCOUNT_ID);

      g_debug ("Importing the demo mailbox from %s", source_dir);

      /* A half-done or outdated import: start over. */
      if (!remove_tree (account_dir, error) || !remove_tree (fingerprint_path, error))
        return NULL;

      flags = read_flags (source_dir, error);
      if (flags == NULL)
        return NULL;

      account = petrel_account_new_for_config (demo_dir, config);
      store = petrel_account_get_store (account, error);
      if (store == NULL || !petrel_store_begin (store, error))
        return NULL;

      for (guint i = 0; i < folders->len; i++)
        {
          const char *folder = g_ptr_array_index (folders, i);

          if (!import_folder (store, folder, g_hash_table_lookup (files, folder), flags, error))
            {
              petrel_store_rollback (store);
              g_prefix_error (error, _("Cannot import the demo folder “%s”: "), folder);
              return NULL;
            }
        }

      if (!petrel_store_commit (store, error) ||
          !g_file_set_contents_full (fingerprint_path, fingerprint, -1,
                                     G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
        return NULL;
    }

  credentials = petrel_memory_credentials_new ();
  petrel_account_set_credentials (account, credentials);
  g_object_set_qdata (G_OBJECT (account), demo_quark (), GINT_TO_POINTER (TRUE));

  return g_steal_pointer (&account);
}

typedef struct
{
  char *data_dir;
  char *source_dir;
} OpenData;

static void
open_data_free (OpenData *data)
{
  g_free (data->data_dir);
  g_free (data->source_dir);
  g_free (data);
}

static void
petrel_demo_open_thread (GTask        *task,
                         gpointer      source_object,
                         gpointer      task_data,
                         GCancellable *cancellable)
{
  OpenData *data = task_data;
  g_autoptr(GError) error = NULL;
  PetrelAccount *account;

  account = petrel_demo_open (data->data_dir, data->source_dir, &error);
  if (account == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, account, g_object_unref);
}

/**
 * petrel_demo_open_async:
 *
 * petrel_demo_open() on a worker thread.
 */
void
petrel_demo_open_async (const char          *data_dir,
                        const char          *source_dir,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  OpenData *data;

  g_return_if_fail (data_dir != NULL);
  g_return_if_fail (source_dir != NULL);

  data = g_new0 (OpenData, 1);
  data->data_dir = g_strdup (data_dir);
  data->source_dir = g_strdup (source_dir);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, petrel_demo_open_async);
  g_task_set_task_data (task, data, (GDestroyNotify) open_data_free);
  g_task_run_in_thread (task, petrel_demo_open_thread);
}

PetrelAccount *
petrel_demo_open_finish (GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Whether @account is the demo mailbox (offline only: never sync it). */
gboolean
petrel_demo_is_demo (PetrelAccount *account)
{
  g_return_val_if_fail (PETREL_IS_ACCOUNT (account), FALSE);

  return g_object_get_qdata (G_OBJECT (account), demo_quark ()) != NULL;
}
