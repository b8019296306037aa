/* test-account-setup.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Creating and removing whole accounts (model/petrel-account-setup.h), as petrel-cli, the
 * account assistant and the preferences do it: the password goes to the credentials and
 * nowhere else, a failure leaves nothing behind, and removal takes secrets and files.
 */

#include "config.h"

#include <glib/gstdio.h>

#include "petrel-engine.h"
#include "account/petrel-memory-credentials.h"
#include "model/petrel-account-setup.h"

#define PASSWORD "correct horse battery staple"

typedef struct
{
  char              *data_dir;
  PetrelCredentials *credentials;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->data_dir = g_dir_make_tmp ("petrel-setup-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->credentials = petrel_memory_credentials_new ();
}

static gboolean
remove_tree (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileEnumerator) children = NULL;
  GFileInfo *info;

  children = g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                        G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  while (children != NULL && g_file_enumerator_iterate (children, &info, NULL, NULL, NULL) &&
         info != NULL)
    {
      g_autofree char *child = g_build_filename (path, g_file_info_get_name (info), NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  return g_remove (path) == 0;
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  remove_tree (fixture->data_dir);
  g_free (fixture->data_dir);
  g_object_unref (fixture->credentials);
}

static PetrelAccountConfig *
make_config (const char *id)
{
  PetrelAccountConfig *config = petrel_account_config_new (id);

  petrel_account_config_set_email_address (config, "ada@example.org");
  petrel_account_config_set_display_name (config, "Ada Lovelace");
  petrel_account_config_set_imap_host (config, "imap.example.org");
  petrel_account_config_set_imap_port (config, 993);
  petrel_account_config_set_imap_security (config, PETREL_CONNECTION_SECURITY_TLS);
  petrel_account_config_set_smtp_host (config, "smtp.example.org");
  petrel_account_config_set_smtp_port (config, 465);
  petrel_account_config_set_smtp_security (config, PETREL_CONNECTION_SECURITY_TLS);

  return config;
}

static void
store_result_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static PetrelAccount *
create (Fixture              *fixture,
        PetrelAccountConfig  *config,
        const char           *password,
        GError              **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  petrel_account_create_async (fixture->data_dir, config, password, fixture->credentials, NULL,
                               store_result_cb, &result);
  return petrel_account_create_finish (wait_for (&result), error);
}

static gboolean
file_contains (const char *path,
               const char *needle)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &contents, &length, NULL))
    return FALSE;
  return g_strstr_len (contents, length, needle) != NULL;
}

static void
test_create (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(PetrelAccountConfig) config = make_config ("ada");
  g_autoptr(PetrelAccountConfig) again = make_config ("ada");
  g_autoptr(PetrelAccountConfig) loaded = NULL;
  g_autoptr(PetrelAccount) account = NULL;
  g_autoptr(PetrelAccount) second = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = petrel_account_dup_dir (fixture->data_dir, "ada");
  g_autofree char *ini = g_build_filename (dir, "account.ini", NULL);
  g_autofree char *db = g_build_filename (dir, "store.db", NULL);
  PetrelMemoryCredentials *memory = PETREL_MEMORY_CREDENTIALS (fixture->credentials);
  const char *key;

  account = create (fixture, config, PASSWORD, &error);
  g_assert_no_error (error);
  g_assert_nonnull (account);
  key = petrel_account_get_secret_key (account);

  /* The password for IMAP and SMTP, labelled with the address, and in no file. */
  g_assert_cmpuint (petrel_memory_credentials_get_n_secrets (memory), ==, 2);
  g_assert_cmpstr (petrel_memory_credentials_get_label (memory, key,
                                                        PETREL_CREDENTIAL_SERVICE_IMAP),
                   ==, "ada@example.org");
  g_assert_cmpstr (petrel_memory_credentials_get_label (memory, key,
                                                        PETREL_CREDENTIAL_SERVICE_SMTP),
                   ==, "ada@example.org");
  g_assert_true (g_file_test (ini, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (db, G_FILE_TEST_IS_REGULAR));
  g_assert_false (file_contains (ini, PASSWORD));
  g_assert_false (file_contains (db, PASSWORD));

  loaded = petrel_account_config_load (fixture->data_dir, "ada", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (petrel_account_config_get_display_name (loaded), ==, "Ada Lovelace");
  g_assert_cmpuint (petrel_account_config_get_smtp_port (loaded), ==, 465);

  /* The same id again: refused before anything is touched. */
  second = create (fixture, again, "another password", &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_assert_null (second);
  g_assert_cmpuint (petrel_memory_credentials_get_n_secrets (memory), ==, 2);
}

static void
test_invalid (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(PetrelAccountConfig) config = petrel_account_config_new ("bad");
  g_autoptr(PetrelAccount) account = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = petrel_account_dup_dir (fixture->data_dir, "bad");

  /* No address, no servers: the config's own validation error, nothing stored. */
  account = create (fixture, config, PASSWORD, &error);
  g_assert_null (account);
  g_assert_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_ADDRESS);
  g_assert_cmpuint (petrel_memory_credentials_get_n_secrets (
                      PETREL_MEMORY_CREDENTIALS (fixture->credentials)), ==, 0);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
}

static void
test_rollback (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(PetrelAccountConfig) config = make_config ("ada");
  g_autoptr(PetrelAccount) account = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *accounts = g_build_filename (fixture->data_dir, "accounts", NULL);

  /* A file where the accounts directory should be: the secrets are stored, then the files
   * fail, and the secrets are taken back. */
  g_assert_true (g_file_set_contents (accounts, "not a directory", -1, NULL));

  account = create (fixture, config, PASSWORD, &error);
  g_assert_null (account);
  g_assert_nonnull (error);
  g_assert_cmpuint (petrel_memory_credentials_get_n_secrets (
                      PETREL_MEMORY_CREDENTIALS (fixture->credentials)), ==, 0);
  g_assert_true (g_file_test (accounts, G_FILE_TEST_IS_REGULAR));
}

static void
test_no_password (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(PetrelAccountConfig) config = make_config ("ada");
  g_autoptr(PetrelAccount) account = NULL;
  g_autoptr(GError) error = NULL;

  /* An OAuth2 account: its refresh token was stored by the sign-in, nothing else is. */
  account = create (fixture, config, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (account);
  g_assert_cmpuint (petrel_memory_credentials_get_n_secrets (
                      PETREL_MEMORY_CREDENTIALS (fixture->credentials)), ==, 0);
}

static void
test_remove (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(PetrelAccountConfig) config = make_config ("ada");
  g_autoptr(PetrelAccount) account = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = petrel_account_dup_dir (fixture->data_dir, "ada");

  account = create (fixture, config, PASSWORD, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (petrel_memory_credentials_get_n_secrets (
                      PETREL_MEMORY_CREDENTIALS (fixture->credentials)), ==, 2);

  petrel_account_remove_async (account, NULL, store_result_cb, &result);
  g_clear_object (&account);
  g_assert_true (petrel_account_remove_finish (wait_for (&result), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (petrel_memory_credentials_get_n_secrets (
                      PETREL_MEMORY_CREDENTIALS (fixture->credentials)), ==, 0);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  petrel_engine_init ();

  g_test_add ("/petrel/account/setup/create", Fixture, NULL,
              fixture_setup, test_create, fixture_teardown);
  g_test_add ("/petrel/account/setup/invalid", Fixture, NULL,
              fixture_setup, test_invalid, fixture_teardown);
  g_test_add ("/petrel/account/setup/rollback", Fixture, NULL,
              fixture_setup, test_rollback, fixture_teardown);
  g_test_add ("/petrel/account/setup/no-password", Fixture, NULL,
              fixture_setup, test_no_password, fixture_teardown);
  g_test_add ("/petrel/account/setup/remove", Fixture, NULL,
              fixture_setup, test_remove, fixture_teardown);

  return g_test_run ();
}
