/* fuzz-imap-mailbox.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * libFuzzer target for mailbox names: modified UTF-7 (src/engine/imap/petrel-imap-utf7.c) and
 * the way a server's mailbox name becomes a folder of the cache (src/engine/store/). The input
 * is a name as a server could send it. Invariants:
 *  - decoding then encoding then decoding gives the same UTF-8 name; encoding any UTF-8 name and
 *    decoding it gives it back; what comes out is UTF-8 / 7-bit;
 *  - a folder with that name (raw, and decoded) holding one message with a cached body writes
 *    files only inside the account's directory: the database next to it and message files under
 *    messages/, never a path the name chose (`../`, `/`, NUL, `~`, ...). The account directory
 *    lives in an otherwise empty private directory, which must stay otherwise empty.
 */

#include "config.h"

#include <glib/gstdio.h>

#include "fuzz-common.h"
#include "petrel-engine.h"
#include "imap/petrel-imap.h"
#include "store/petrel-store.h"

static char *parent_dir;   /* the private directory around the account directory */
static char *account_dir;
static PetrelStore *store;

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
cleanup (void)
{
  g_clear_object (&store);
  if (parent_dir != NULL)
    remove_tree (parent_dir);
}

static void
setup (void)
{
  g_autoptr(GError) error = NULL;

  if (store != NULL)
    return;
  parent_dir = g_dir_make_tmp ("petrel-fuzz-mailbox-XXXXXX", &error);
  fuzz_require (parent_dir != NULL, "a private temporary directory");
  account_dir = g_build_filename (parent_dir, "account", NULL);
  store = petrel_store_open (account_dir, &error);
  fuzz_require (store != NULL, "the store opens");
  atexit (cleanup);
}

/* Every file under @dir is a real file or directory (no symlink), and @dir's own files are the
 * database ones or messages/. */
static guint
check_tree (const char *dir,
            int         depth)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint files = 0;

  fuzz_require (d != NULL, "directory readable");
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *child = g_build_filename (dir, name, NULL);

      fuzz_require (!g_file_test (child, G_FILE_TEST_IS_SYMLINK), "no symlink in the cache");
      if (depth == 0)
        fuzz_require (g_str_equal (name, "messages") || g_str_has_prefix (name, "store.db"),
                      "the account directory holds only the store and messages/");
      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        {
          fuzz_require (depth < 4, "no deep directories");
          files += check_tree (child, depth + 1);
        }
      else
        files++;
    }
  return files;
}

static void
try_folder (const char *name)
{
  g_autoptr(PetrelStoreFolder) folder = NULL;
  g_autoptr(PetrelStoreMessage) message = NULL;
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(GBytes) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) parent = NULL;
  gint64 folder_id = 0;
  const char *entry;

  if (name == NULL || name[0] == '\0' || !g_utf8_validate (name, -1, NULL))
    return;

  folder = petrel_store_folder_new (name);
  if (!petrel_store_upsert_folder (store, folder, &folder_id, &error))
    return;

  message = petrel_store_message_new ();
  message->folder_id = folder_id;
  message->uid = 1;
  message->size = 20;
  message->internal_date = 1;
  raw = g_bytes_new_static ("Subject: x\r\n\r\nbody\r\n", 20);
  if (petrel_store_upsert_message (store, message, &error) &&
      petrel_store_set_body (store, folder_id, 1, raw, "body\n", "body", FALSE, NULL, &error))
    {
      fuzz_require (petrel_store_read_message (store, folder_id, 1, &back, &error),
                    "the cached body reads back");
      fuzz_require (g_bytes_equal (raw, back), "the cached body is the one stored");
      fuzz_require (check_tree (account_dir, 0) >= 2, "the body file is under the account");
    }
  g_clear_error (&error);

  /* Nothing beside the account directory. */
  parent = g_dir_open (parent_dir, 0, NULL);
  while (parent != NULL && (entry = g_dir_read_name (parent)) != NULL)
    fuzz_require (g_str_equal (entry, "account"), "nothing written beside the account");

  fuzz_require (petrel_store_delete_folder (store, folder_id, &error), "the folder deletes");
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *name = fuzz_strndup (data, size);
  g_autofree char *decoded = NULL;
  g_autofree char *encoded = NULL;

  petrel_engine_init ();
  setup ();

  decoded = petrel_imap_utf7_decode (name, NULL);
  if (decoded != NULL)
    {
      g_autofree char *again = NULL;
      g_autofree char *back = NULL;

      fuzz_require (g_utf8_validate (decoded, -1, NULL), "decoded name is UTF-8");
      again = petrel_imap_utf7_encode (decoded, NULL);
      fuzz_require (again != NULL, "a decoded name encodes");
      back = petrel_imap_utf7_decode (again, NULL);
      fuzz_require (back != NULL && g_str_equal (back, decoded), "mUTF-7 round trip");
    }

  encoded = petrel_imap_utf7_encode (name, NULL);
  if (encoded != NULL)
    {
      g_autofree char *back = petrel_imap_utf7_decode (encoded, NULL);

      for (const char *p = encoded; *p != '\0'; p++)
        fuzz_require ((guchar) *p >= 0x20 && (guchar) *p < 0x7f, "encoded name is printable ASCII");
      fuzz_require (back != NULL && g_str_equal (back, name), "UTF-8 → mUTF-7 → UTF-8");
    }

  try_folder (name);
  if (decoded != NULL && g_strcmp0 (decoded, name) != 0)
    try_folder (decoded);

  return 0;
}
