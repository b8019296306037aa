/* test-account.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Account configuration, credentials and TLS trust.
 *
 * The libsecret tests talk to a real Secret Service. build-aux/keyring-session provides a
 * throwaway unlocked gnome-keyring and sets PETREL_TEST_KEYRING=1, which makes a missing
 * keyring a failure. Without it, the tests check that the error is NO_KEYRING. The TLS tests
 * make a CA and server certificates with openssl and run TLS servers on 127.0.0.1. */

#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "petrel-engine.h"
#include "account/petrel-account.h"

/* Generous: only reached if a Secret Service hangs (say, on an unlock prompt nobody answers). */
#define KEYRING_GUARD_SECONDS 60

/* Helpers */

static char *
dup_data_dir (void)
{
  /* G_TEST_OPTION_ISOLATE_DIRS gives each test its own empty XDG directories. */
  return g_build_filename (g_get_user_data_dir (), "petrel", NULL);
}

static void
store_result_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);

  return *slot;
}

static char *
credentials_lookup (PetrelCredentials        *credentials,
                    const char               *id,
                    PetrelCredentialService   service,
                    GCancellable             *cancellable,
                    GError                  **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  petrel_credentials_lookup_async (credentials, id, service, cancellable, store_result_cb,
                                   &result);

  return petrel_credentials_lookup_finish (credentials, wait_for (&result), error);
}

static gboolean
credentials_store (PetrelCredentials        *credentials,
                   const char               *id,
                   PetrelCredentialService   service,
                   const char               *label,
                   const char               *secret,
                   GCancellable             *cancellable,
                   GError                  **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  petrel_credentials_store_async (credentials, id, service, label, secret, cancellable,
                                  store_result_cb, &result);

  return petrel_credentials_store_finish (credentials, wait_for (&result), error);
}

static gboolean
credentials_clear (PetrelCredentials        *credentials,
                   const char               *id,
                   PetrelCredentialService   service,
                   GCancellable             *cancellable,
                   GError                  **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  petrel_credentials_clear_async (credentials, id, service, cancellable, store_result_cb,
                                  &result);

  return petrel_credentials_clear_finish (credentials, wait_for (&result), error);
}

static gboolean
remove_with_secrets (const char         *data_dir,
                     const char         *id,
                     PetrelCredentials  *credentials,
                     GError            **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  petrel_account_config_remove_with_secrets_async (data_dir, id, credentials, NULL,
                                                   store_result_cb, &result);

  return petrel_account_config_remove_with_secrets_finish (wait_for (&result), error);
}

static PetrelAccountConfig *
make_valid_config (const char *id)
{
  PetrelAccountConfig *config = petrel_account_config_new (id);

  petrel_account_config_set_email_address (config, "alice@example.test");
  petrel_account_config_set_imap_host (config, "imap.example.test");
  petrel_account_config_set_smtp_host (config, "smtp.example.test");

  return config;
}

static char *
write_account_file (const char *data_dir,
                    const char *dir_name,
                    const char *contents)
{
  g_autofree char *dir = g_build_filename (data_dir, "accounts", dir_name, NULL);
  g_autofree char *path = g_build_filename (dir, "account.ini", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);

  return g_steal_pointer (&dir);
}

/* Calls @func for every regular file below @path. */
static void
walk_files (const char *path,
            void      (*func) (const char *file, gpointer user_data),
            gpointer    user_data)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  dir = g_dir_open (path, 0, NULL);
  if (dir == NULL)
    return;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        continue;
      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        walk_files (child, func, user_data);
      else if (g_file_test (child, G_FILE_TEST_IS_REGULAR))
        func (child, user_data);
    }
}

/* A PetrelCredentials whose keyring is never there, to test what callers do about it. */

#define TEST_TYPE_ABSENT_CREDENTIALS (test_absent_credentials_get_type ())
G_DECLARE_FINAL_TYPE (TestAbsentCredentials, test_absent_credentials, TEST, ABSENT_CREDENTIALS,
                      GObject)

struct _TestAbsentCredentials
{
  GObject parent_instance;
};

static void test_absent_credentials_iface_init (PetrelCredentialsInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestAbsentCredentials, test_absent_credentials, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PETREL_TYPE_CREDENTIALS,
                                                      test_absent_credentials_iface_init))

static void
return_no_keyring (gpointer            self,
                   GAsyncReadyCallback callback,
                   gpointer            user_data)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, callback, user_data);

  g_task_return_new_error (task, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_NO_KEYRING,
                           "No keyring in this test");
}

static void
test_absent_lookup_async (PetrelCredentials *self, const char *id, PetrelCredentialService service,
                          GCancellable *cancellable, GAsyncReadyCallback callback,
                          gpointer user_data)
{
  return_no_keyring (self, callback, user_data);
}

static char *
test_absent_lookup_finish (PetrelCredentials *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
test_absent_store_async (PetrelCredentials *self, const char *id, PetrelCredentialService service,
                         const char *label, const char *secret, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data)
{
  return_no_keyring (self, callback, user_data);
}

static void
test_absent_clear_async (PetrelCredentials *self, const char *id, PetrelCredentialService service,
                         GCancellable *cancellable, GAsyncReadyCallback callback,
                         gpointer user_data)
{
  return_no_keyring (self, callback, user_data);
}

static gboolean
test_absent_boolean_finish (PetrelCredentials *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
test_absent_credentials_iface_init (PetrelCredentialsInterface *iface)
{
  iface->lookup_async = test_absent_lookup_async;
  iface->lookup_finish = test_absent_lookup_finish;
  iface->store_async = test_absent_store_async;
  iface->store_finish = test_absent_boolean_finish;
  iface->clear_async = test_absent_clear_async;
  iface->clear_finish = test_absent_boolean_finish;
}

static void
test_absent_credentials_class_init (TestAbsentCredentialsClass *klass)
{
}

static void
test_absent_credentials_init (TestAbsentCredentials *self)
{
}

/* Configuration */

#define FINGERPRINT_A \
  "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF"
#define FINGERPRINT_B \
  "FF:EE:DD:CC:BB:AA:99:88:77:66:55:44:33:22:11:00:FF:EE:DD:CC:BB:AA:99:88:77:66:55:44:33:22:11:00"

static void
test_config_round_trip (void)
{
  g_autofree char *data_dir = dup_data_dir ();
  g_autoptr(PetrelAccountConfig) config = petrel_account_config_new ("alice-work.2");
  g_autoptr(PetrelAccountConfig) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_auto(GStrv) endpoints = NULL;
  const char *aliases[] = { "alice@example.org", "a.lice+work@example.test", NULL };
  const char *signature = "-- \n  Alice Liddell  \n\tWonderland; \\ “Ltd” ";
  GStatBuf buf;

  petrel_account_config_set_display_name (config, "Alice Liddell (Work) – ünïcødé");
  petrel_account_config_set_email_address (config, "alice@example.test");
  petrel_account_config_set_aliases (config, aliases);
  petrel_account_config_set_signature (config, signature);
  petrel_account_config_set_imap_host (config, "imap.example.test");
  petrel_account_config_set_imap_port (config, 1143);
  petrel_account_config_set_imap_security (config, PETREL_CONNECTION_SECURITY_STARTTLS);
  petrel_account_config_set_imap_user (config, "alice.imap");
  petrel_account_config_set_smtp_host (config, "::1");
  petrel_account_config_set_smtp_port (config, 1025);
  petrel_account_config_set_smtp_security (config, PETREL_CONNECTION_SECURITY_NONE);
  petrel_account_config_set_smtp_user (config, "alice smtp");
  petrel_account_config_set_auth_mechanism (config, PETREL_AUTH_MECHANISM_PASSWORD);
  petrel_account_config_set_ca_file (config, "/etc/petrel test/ca.pem");
  petrel_account_config_set_sync_bodies (config, PETREL_SYNC_BODIES_RECENT);
  petrel_account_config_set_sync_recent_days (config, 7);
  petrel_account_config_pin_certificate (config, "IMAP.example.test", 1143,
                                         "00112233445566778899aabbccddeeff"
                                         "00112233445566778899aabbccddeeff", &error);
  g_assert_no_error (error);
  petrel_account_config_pin_certificate (config, "::1", 1025, FINGERPRINT_B, &error);
  g_assert_no_error (error);

  petrel_account_config_save (config, data_dir, &error);
  g_assert_no_error (error);

  /* Owner-only: the file tells where the mail is and who logs in. */
  dir = petrel_account_dup_dir (data_dir, "alice-work.2");
  path = g_build_filename (dir, "account.ini", NULL);
  g_assert_cmpint (g_stat (path, &buf), ==, 0);
  g_assert_cmpint (buf.st_mode & 0777, ==, 0600);
  g_assert_cmpint (g_stat (dir, &buf), ==, 0);
  g_assert_cmpint (buf.st_mode & 0777, ==, 0700);

  loaded = petrel_account_config_load (data_dir, "alice-work.2", &error);
  g_assert_no_error (error);
  g_assert_nonnull (loaded);

  g_assert_cmpstr (petrel_account_config_get_id (loaded), ==, "alice-work.2");
  g_assert_cmpstr (petrel_account_config_get_display_name (loaded), ==,
                   "Alice Liddell (Work) – ünïcødé");
  g_assert_cmpstr (petrel_account_config_get_email_address (loaded), ==, "alice@example.test");
  g_assert_true (g_strv_equal (petrel_account_config_get_aliases (loaded), aliases));
  g_assert_cmpstr (petrel_account_config_get_signature (loaded), ==, signature);
  g_assert_cmpstr (petrel_account_config_get_imap_host (loaded), ==, "imap.example.test");
  g_assert_cmpuint (petrel_account_config_get_imap_port (loaded), ==, 1143);
  g_assert_cmpint (petrel_account_config_get_imap_security (loaded), ==,
                   PETREL_CONNECTION_SECURITY_STARTTLS);
  g_assert_cmpstr (petrel_account_config_get_imap_user (loaded), ==, "alice.imap");
  g_assert_cmpstr (petrel_account_config_get_smtp_host (loaded), ==, "::1");
  g_assert_cmpuint (petrel_account_config_get_smtp_port (loaded), ==, 1025);
  g_assert_cmpint (petrel_account_config_get_smtp_security (loaded), ==,
                   PETREL_CONNECTION_SECURITY_NONE);
  g_assert_cmpstr (petrel_account_config_get_smtp_user (loaded), ==, "alice smtp");
  g_assert_cmpint (petrel_account_config_get_auth_mechanism (loaded), ==,
                   PETREL_AUTH_MECHANISM_PASSWORD);
  g_assert_cmpstr (petrel_account_config_get_ca_file (loaded), ==, "/etc/petrel test/ca.pem");
  g_assert_cmpint (petrel_account_config_get_sync_bodies (loaded), ==, PETREL_SYNC_BODIES_RECENT);
  g_assert_cmpuint (petrel_account_config_get_sync_recent_days (loaded), ==, 7);

  /* Pins are normalised and keyed case-insensitively by host. */
  g_assert_cmpstr (petrel_account_config_get_pinned_certificate (loaded, "imap.example.test", 1143),
                   ==, FINGERPRINT_A);
  g_assert_cmpstr (petrel_account_config_get_pinned_certificate (loaded, "::1", 1025), ==,
                   FINGERPRINT_B);
  g_assert_null (petrel_account_config_get_pinned_certificate (loaded, "imap.example.test", 993));
  endpoints = petrel_account_config_dup_pinned_endpoints (loaded);
  g_assert_cmpuint (g_strv_length (endpoints), ==, 2);
  g_assert_cmpstr (endpoints[0], ==, "::1:1025");
  g_assert_cmpstr (endpoints[1], ==, "imap.example.test:1143");

  /* The per-server accessors agree with the named ones; the login falls back to the address. */
  g_assert_cmpstr (petrel_account_config_get_host (loaded, PETREL_ACCOUNT_SERVER_SMTP), ==, "::1");
  g_assert_cmpuint (petrel_account_config_get_port (loaded, PETREL_ACCOUNT_SERVER_IMAP), ==, 1143);
  g_assert_cmpstr (petrel_account_config_get_login (loaded, PETREL_ACCOUNT_SERVER_IMAP), ==,
                   "alice.imap");
  petrel_account_config_set_imap_user (loaded, "");
  g_assert_null (petrel_account_config_get_imap_user (loaded));
  g_assert_cmpstr (petrel_account_config_get_login (loaded, PETREL_ACCOUNT_SERVER_IMAP), ==,
                   "alice@example.test");
}

static void
test_config_defaults (void)
{
  g_autofree char *data_dir = dup_data_dir ();
  g_autofree char *dir = NULL;
  g_autoptr(PetrelAccountConfig) config = NULL;
  g_autoptr(GError) error = NULL;

  dir = write_account_file (data_dir, "min",
                            "[Account]\n"
                            "EmailAddress=bob@example.test\n"
                            "[IMAP]\n"
                            "Host=imap.example.test\n"
                            "Security=starttls\n"
                            "[SMTP]\n"
                            "Host=smtp.example.test\n"
                            "Security=starttls\n");

  config = petrel_account_config_load (data_dir, "min", &error);
  g_assert_no_error (error);

  g_assert_null (petrel_account_config_get_display_name (config));
  g_assert_null (petrel_account_config_get_signature (config));
  g_assert_null (petrel_account_config_get_ca_file (config));
  g_assert_cmpuint (g_strv_length ((GStrv) petrel_account_config_get_aliases (config)), ==, 0);
  g_assert_cmpuint (petrel_account_config_get_imap_port (config), ==, 143);
  g_assert_cmpuint (petrel_account_config_get_smtp_port (config), ==, 587);
  g_assert_cmpint (petrel_account_config_get_auth_mechanism (config), ==,
                   PETREL_AUTH_MECHANISM_PASSWORD);
  g_assert_cmpint (petrel_account_config_get_sync_bodies (config), ==, PETREL_SYNC_BODIES_ALL);
  g_assert_cmpstr (petrel_account_config_get_login (config, PETREL_ACCOUNT_SERVER_SMTP), ==,
                   "bob@example.test");

  /* A fresh config: implicit TLS on the registered ports, all bodies. */
  g_clear_object (&config);
  config = petrel_account_config_new ("fresh");
  g_assert_cmpuint (petrel_account_config_get_imap_port (config), ==, 993);
  g_assert_cmpuint (petrel_account_config_get_smtp_port (config), ==, 465);
  g_assert_cmpint (petrel_account_config_get_imap_security (config), ==,
                   PETREL_CONNECTION_SECURITY_TLS);
  g_assert_cmpint (petrel_account_config_get_sync_bodies (config), ==, PETREL_SYNC_BODIES_ALL);
  g_assert_cmpuint (petrel_connection_security_default_port (PETREL_ACCOUNT_SERVER_SMTP,
                                                             PETREL_CONNECTION_SECURITY_NONE),
                    ==, 25);
}

static void
test_config_keeps_unknown_keys (void)
{
  g_autofree char *data_dir = dup_data_dir ();
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(PetrelAccountConfig) config = NULL;
  g_autoptr(GError) error = NULL;

  dir = write_account_file (data_dir, "future",
                            "# Hand-written note\n"
                            "[Account]\n"
                            "Version=1\n"
                            "EmailAddress=bob@example.test\n"
                            "FutureKey=kept\n"
                            "[IMAP]\n"
                            "Host=imap.example.test\n"
                            "[SMTP]\n"
                            "Host=smtp.example.test\n"
                            "[Future Group]\n"
                            "Answer=42\n");

  config = petrel_account_config_load (data_dir, "future", &error);
  g_assert_no_error (error);
  petrel_account_config_set_display_name (config, "Bob");
  petrel_account_config_save (config, data_dir, &error);
  g_assert_no_error (error);

  path = g_build_filename (dir, "account.ini", NULL);
  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (contents, "# Hand-written note"));
  g_assert_nonnull (strstr (contents, "FutureKey=kept"));
  g_assert_nonnull (strstr (contents, "[Future Group]\nAnswer=42"));
  g_assert_nonnull (strstr (contents, "DisplayName=Bob"));
}

typedef struct
{
  const char *what;
  void      (*apply) (PetrelAccountConfig *config);
  int         code;
  const char *message_part;
} ValidationCase;

static void
no_email (PetrelAccountConfig *c)
{
  petrel_account_config_set_email_address (c, NULL);
}

static void
bad_email (PetrelAccountConfig *c)
{
  petrel_account_config_set_email_address (c, "alice");
}

static void
bad_email_space (PetrelAccountConfig *c)
{
  petrel_account_config_set_email_address (c, "al ice@example.test");
}

static void
bad_email_domain (PetrelAccountConfig *c)
{
  petrel_account_config_set_email_address (c, "alice@exa_mple..test");
}

static void
bad_alias (PetrelAccountConfig *c)
{
  const char *aliases[] = { "ok@example.test", "not-an-address", NULL };

  petrel_account_config_set_aliases (c, aliases);
}

static void
no_imap_host (PetrelAccountConfig *c)
{
  petrel_account_config_set_imap_host (c, "");
}

static void
bad_imap_host (PetrelAccountConfig *c)
{
  petrel_account_config_set_imap_host (c, "imap example.test");
}

static void
bad_smtp_host (PetrelAccountConfig *c)
{
  petrel_account_config_set_smtp_host (c, "[::1]");
}

static void
no_smtp_host (PetrelAccountConfig *c)
{
  petrel_account_config_set_smtp_host (c, NULL);
}

static void
zero_port (PetrelAccountConfig *c)
{
  petrel_account_config_set_imap_port (c, 0);
}

static void
zero_smtp_port (PetrelAccountConfig *c)
{
  petrel_account_config_set_smtp_port (c, 0);
}

static void
bad_security (PetrelAccountConfig *c)
{
  petrel_account_config_set_smtp_security (c, (PetrelConnectionSecurity) 7);
}

static void
relative_ca (PetrelAccountConfig *c)
{
  petrel_account_config_set_ca_file (c, "ca.pem");
}

static void
zero_days (PetrelAccountConfig *c)
{
  petrel_account_config_set_sync_recent_days (c, 0);
}

static void
two_line_name (PetrelAccountConfig *c)
{
  petrel_account_config_set_display_name (c, "Alice\nBcc: eve@example.test");
}

static void
control_user (PetrelAccountConfig *c)
{
  petrel_account_config_set_imap_user (c, "alice\r\nA1 LOGOUT");
}

static void
test_config_validation (void)
{
  static const ValidationCase cases[] = {
    { "no email", no_email, PETREL_ACCOUNT_ERROR_INVALID_ADDRESS,
      "No email address" },
    { "bad email", bad_email, PETREL_ACCOUNT_ERROR_INVALID_ADDRESS,
      "“alice” is not a valid email" },
    { "email with space", bad_email_space, PETREL_ACCOUNT_ERROR_INVALID_ADDRESS,
      "not a valid email" },
    { "bad email domain", bad_email_domain, PETREL_ACCOUNT_ERROR_INVALID_ADDRESS,
      "not a valid email" },
    { "bad alias", bad_alias, PETREL_ACCOUNT_ERROR_INVALID_ADDRESS,
      "Alias “not-an-address”" },
    { "no IMAP host", no_imap_host, PETREL_ACCOUNT_ERROR_INVALID_HOST,
      "No IMAP server host" },
    { "bad IMAP host", bad_imap_host, PETREL_ACCOUNT_ERROR_INVALID_HOST,
      "IMAP server “imap example.test”" },
    { "bad SMTP host", bad_smtp_host, PETREL_ACCOUNT_ERROR_INVALID_HOST,
      "SMTP server “[::1]”" },
    { "no SMTP host", no_smtp_host, PETREL_ACCOUNT_ERROR_INVALID_HOST,
      "No SMTP server host" },
    { "IMAP port 0", zero_port, PETREL_ACCOUNT_ERROR_INVALID_PORT,
      "IMAP port 0" },
    { "SMTP port 0", zero_smtp_port, PETREL_ACCOUNT_ERROR_INVALID_PORT,
      "SMTP port 0" },
    { "bad security", bad_security, PETREL_ACCOUNT_ERROR_INVALID_SECURITY,
      "Unknown SMTP security" },
    { "relative CA", relative_ca, PETREL_ACCOUNT_ERROR_INVALID_VALUE,
      "must be an absolute path" },
    { "zero days", zero_days, PETREL_ACCOUNT_ERROR_INVALID_VALUE,
      "recent days 0" },
    { "two-line name", two_line_name, PETREL_ACCOUNT_ERROR_INVALID_VALUE,
      "display name" },
    { "control user", control_user, PETREL_ACCOUNT_ERROR_INVALID_VALUE,
      "IMAP user name" },
  };
  static const char * const bad_ids[] = {
    "", ".", "..", "a/b", "../etc", "with space", "ünï", "a\\b",
    "12345678901234567890123456789012345678901234567890123456789012345",
  };
  g_autofree char *data_dir = dup_data_dir ();
  g_autoptr(PetrelAccountConfig) good = make_valid_config ("good");
  g_autoptr(GError) error = NULL;

  g_assert_true (petrel_account_config_validate (good, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(PetrelAccountConfig) config = make_valid_config ("bad");
      g_autofree char *dir = NULL;

      g_test_message ("validation case: %s", cases[i].what);
      cases[i].apply (config);

      g_assert_false (petrel_account_config_validate (config, &error));
      g_assert_error (error, PETREL_ACCOUNT_ERROR, cases[i].code);
      g_assert_nonnull (strstr (error->message, cases[i].message_part));
      g_clear_error (&error);

      /* An invalid config is never written. */
      g_assert_false (petrel_account_config_save (config, data_dir, &error));
      g_assert_error (error, PETREL_ACCOUNT_ERROR, cases[i].code);
      g_clear_error (&error);
      dir = petrel_account_dup_dir (data_dir, "bad");
      g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
    }

  for (guint i = 0; i < G_N_ELEMENTS (bad_ids); i++)
    {
      g_autoptr(PetrelAccountConfig) config = make_valid_config (bad_ids[i]);

      g_test_message ("bad id: “%s”", bad_ids[i]);
      g_assert_false (petrel_account_validate_id (bad_ids[i], &error));
      g_assert_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_ID);
      g_assert_nonnull (strstr (error->message, "not a valid account id"));
      g_clear_error (&error);

      g_assert_false (petrel_account_config_save (config, data_dir, &error));
      g_assert_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_ID);
      g_clear_error (&error);

      g_assert_null (petrel_account_config_load (data_dir, bad_ids[i], &error));
      g_assert_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_ID);
      g_clear_error (&error);
    }

  /* Nothing escaped the accounts directory. */
  g_assert_false (g_file_test (data_dir, G_FILE_TEST_EXISTS));

  g_assert_true (petrel_account_validate_id ("A-z_0.9", NULL));
  g_assert_true (petrel_account_validate_id ("1234567890123456789012345678901234567890"
                                             "123456789012345678901234", NULL));
  g_assert_true (petrel_account_validate_address ("a+tag@mail.example.test", NULL));
  g_assert_true (petrel_account_validate_address ("ålice@bücher.example", NULL));
  g_assert_true (petrel_account_validate_host ("127.0.0.1", NULL));
  g_assert_true (petrel_account_validate_host ("mail.example.test.", NULL));
  g_assert_false (petrel_account_validate_host ("-bad.example.test", &error));
  g_assert_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_HOST);
  g_clear_error (&error);

  {
    PetrelConnectionSecurity security = PETREL_CONNECTION_SECURITY_NONE;

    g_assert_true (petrel_connection_security_from_string ("starttls", &security, NULL));
    g_assert_cmpint (security, ==, PETREL_CONNECTION_SECURITY_STARTTLS);
    g_assert_false (petrel_connection_security_from_string ("ssl", &security, &error));
    g_assert_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_SECURITY);
    g_assert_nonnull (strstr (error->message, "use tls, starttls or none"));
    g_clear_error (&error);
  }
}

typedef struct
{
  const char *what;
  const char *contents;
  GQuark      domain;
  int         code;
  const char *message_part;
} BadFileCase;

#define GOOD_SERVERS "[IMAP]\nHost=imap.example.test\n[SMTP]\nHost=smtp.example.test\n"

static void
test_config_bad_files (void)
{
  const BadFileCase cases[] = {
    { "not a key file", "this is not = a key file\n", PETREL_ACCOUNT_ERROR,
      PETREL_ACCOUNT_ERROR_CORRUPT, "account.ini" },
    { "no account group", GOOD_SERVERS, PETREL_ACCOUNT_ERROR,
      PETREL_ACCOUNT_ERROR_CORRUPT, "no [Account] group" },
    { "newer version", "[Account]\nVersion=9\nEmailAddress=a@example.test\n" GOOD_SERVERS,
      PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_CORRUPT, "newer Petrel" },
    { "port not a number", "[Account]\nEmailAddress=a@example.test\n"
      "[IMAP]\nHost=imap.example.test\nPort=imaps\n[SMTP]\nHost=smtp.example.test\n",
      PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_PORT, "IMAP port “imaps” is not valid" },
    { "port too big", "[Account]\nEmailAddress=a@example.test\n"
      "[IMAP]\nHost=imap.example.test\n[SMTP]\nHost=smtp.example.test\nPort=70000\n",
      PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_PORT, "SMTP port “70000”" },
    { "port zero", "[Account]\nEmailAddress=a@example.test\n"
      "[IMAP]\nHost=imap.example.test\nPort=0\n[SMTP]\nHost=smtp.example.test\n",
      PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_PORT, "IMAP port “0”" },
    { "negative port", "[Account]\nEmailAddress=a@example.test\n"
      "[IMAP]\nHost=imap.example.test\nPort=-993\n[SMTP]\nHost=smtp.example.test\n",
      PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_PORT, "IMAP port" },
    { "unknown security", "[Account]\nEmailAddress=a@example.test\n"
      "[IMAP]\nHost=imap.example.test\nSecurity=ssl\n[SMTP]\nHost=smtp.example.test\n",
      PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_SECURITY,
      "Unknown IMAP security “ssl”: use tls, starttls or none" },
    { "missing host", "[Account]\nEmailAddress=a@example.test\n[IMAP]\nHost=imap.example.test\n",
      PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_HOST, "No SMTP server host" },
    { "bad address", "[Account]\nEmailAddress=a.example.test\n" GOOD_SERVERS,
      PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_ADDRESS, "“a.example.test”" },
    { "unknown auth", "[Account]\nEmailAddress=a@example.test\nAuthMechanism=xoauth2\n"
      GOOD_SERVERS, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_VALUE,
      "authentication mechanism “xoauth2”" },
    { "unknown sync", "[Account]\nEmailAddress=a@example.test\n" GOOD_SERVERS
      "[Sync]\nBodies=some\n", PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_VALUE,
      "body sync policy “some”" },
    { "bad days", "[Account]\nEmailAddress=a@example.test\n" GOOD_SERVERS
      "[Sync]\nBodies=recent\nRecentDays=soon\n", PETREL_ACCOUNT_ERROR,
      PETREL_ACCOUNT_ERROR_INVALID_VALUE, "RecentDays “soon”" },
    { "bad pin key", "[Account]\nEmailAddress=a@example.test\n" GOOD_SERVERS
      "[Pinned Certificates]\nimap.example.test=" FINGERPRINT_A "\n", PETREL_ACCOUNT_ERROR,
      PETREL_ACCOUNT_ERROR_INVALID_VALUE, "not HOST:PORT" },
    { "bad pin value", "[Account]\nEmailAddress=a@example.test\n" GOOD_SERVERS
      "[Pinned Certificates]\nimap.example.test:993=AB:CD\n", PETREL_ACCOUNT_ERROR,
      PETREL_ACCOUNT_ERROR_INVALID_VALUE, "not a SHA-256 certificate fingerprint" },
    { "not UTF-8", "[Account]\nEmailAddress=a@example.test\nDisplayName=\xff\xfe\n" GOOD_SERVERS,
      PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_CORRUPT, "account.ini" },
  };
  g_autofree char *data_dir = dup_data_dir ();

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *dir = NULL;
      g_autofree char *id = g_strdup_printf ("case%u", i);
      g_autoptr(PetrelAccountConfig) config = NULL;
      g_autoptr(GError) error = NULL;

      g_test_message ("bad file: %s", cases[i].what);
      dir = write_account_file (data_dir, id, cases[i].contents);

      config = petrel_account_config_load (data_dir, id, &error);
      g_assert_null (config);
      g_assert_error (error, cases[i].domain, cases[i].code);
      g_test_message ("  → %s", error->message);
      g_assert_nonnull (strstr (error->message, cases[i].message_part));
      /* Every message names the file, so a person knows what to fix. */
      g_assert_nonnull (strstr (error->message, dir));
    }

  {
    g_autoptr(GError) error = NULL;

    g_assert_null (petrel_account_config_load (data_dir, "nobody", &error));
    g_assert_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_NOT_FOUND);
    g_assert_nonnull (strstr (error->message, "There is no account “nobody”"));
  }
}

static int
find_error (GPtrArray  *errors,
            const char *part)
{
  for (guint i = 0; i < errors->len; i++)
    {
      const GError *error = g_ptr_array_index (errors, i);

      if (strstr (error->message, part) != NULL)
        return (int) i;
    }

  return -1;
}

static void
test_config_list (void)
{
  g_autofree char *data_dir = dup_data_dir ();
  g_autofree char *stray = NULL;
  g_autofree char *broken_dir = NULL;
  g_autofree char *bad_name_dir = NULL;
  g_autofree char *empty_dir = NULL;
  g_autoptr(GPtrArray) configs = NULL;
  g_autoptr(GPtrArray) broken = NULL;
  g_autoptr(GError) error = NULL;
  const char *ids[] = { "carol", "alice", "bob" };
  int index;

  /* No accounts directory yet: no accounts, no error. */
  configs = petrel_account_config_list (data_dir, &broken, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (configs->len, ==, 0);
  g_assert_cmpuint (broken->len, ==, 0);
  g_clear_pointer (&configs, g_ptr_array_unref);
  g_clear_pointer (&broken, g_ptr_array_unref);

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autoptr(PetrelAccountConfig) config = make_valid_config (ids[i]);

      petrel_account_config_save (config, data_dir, &error);
      g_assert_no_error (error);
    }

  broken_dir = write_account_file (data_dir, "broken", "[Account]\nEmailAddress=x@example.test\n"
                                   "[IMAP]\nHost=imap.example.test\nPort=99999\n");
  bad_name_dir = write_account_file (data_dir, "bad name", "[Account]\n");
  empty_dir = g_build_filename (data_dir, "accounts", "empty", NULL);
  g_assert_cmpint (g_mkdir_with_parents (empty_dir, 0700), ==, 0);
  stray = g_build_filename (data_dir, "accounts", "README", NULL);
  g_file_set_contents (stray, "not an account", -1, &error);
  g_assert_no_error (error);

  configs = petrel_account_config_list (data_dir, &broken, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (configs->len, ==, 3);
  g_assert_cmpstr (petrel_account_config_get_id (g_ptr_array_index (configs, 0)), ==, "alice");
  g_assert_cmpstr (petrel_account_config_get_id (g_ptr_array_index (configs, 1)), ==, "bob");
  g_assert_cmpstr (petrel_account_config_get_id (g_ptr_array_index (configs, 2)), ==, "carol");

  g_assert_cmpuint (broken->len, ==, 3);
  index = find_error (broken, broken_dir);
  g_assert_cmpint (index, >=, 0);
  g_assert_error ((GError *) g_ptr_array_index (broken, index),
                  PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_PORT);
  index = find_error (broken, bad_name_dir);
  g_assert_cmpint (index, >=, 0);
  g_assert_error ((GError *) g_ptr_array_index (broken, index),
                  PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_ID);
  index = find_error (broken, empty_dir);
  g_assert_cmpint (index, >=, 0);
  g_assert_error ((GError *) g_ptr_array_index (broken, index),
                  PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_CORRUPT);

  /* Reporting problems is optional. */
  g_clear_pointer (&configs, g_ptr_array_unref);
  configs = petrel_account_config_list (data_dir, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (configs->len, ==, 3);
}

static void
test_config_remove (void)
{
  g_autofree char *data_dir = dup_data_dir ();
  g_autoptr(PetrelAccountConfig) config = make_valid_config ("gone");
  g_autoptr(PetrelAccountConfig) neighbour = make_valid_config ("gone2");
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *nested = NULL;
  g_autofree char *message = NULL;
  g_autofree char *outside = NULL;
  g_autofree char *link = NULL;
  g_autofree char *neighbour_dir = NULL;

  petrel_account_config_save (config, data_dir, &error);
  g_assert_no_error (error);
  petrel_account_config_save (neighbour, data_dir, &error);
  g_assert_no_error (error);

  /* A cache-like tree inside, and a symbolic link to a file outside that must survive. */
  dir = petrel_account_dup_dir (data_dir, "gone");
  nested = g_build_filename (dir, "messages", "INBOX", NULL);
  g_assert_cmpint (g_mkdir_with_parents (nested, 0700), ==, 0);
  message = g_build_filename (nested, "1.eml", NULL);
  g_file_set_contents (message, "Subject: hi\r\n\r\nbody\r\n", -1, &error);
  g_assert_no_error (error);
  outside = g_build_filename (g_get_user_data_dir (), "keep-me.txt", NULL);
  g_file_set_contents (outside, "precious", -1, &error);
  g_assert_no_error (error);
  link = g_build_filename (dir, "link", NULL);
  g_assert_cmpint (symlink (outside, link), ==, 0);

  g_assert_true (petrel_account_config_remove (data_dir, "gone", &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (outside, G_FILE_TEST_IS_REGULAR));

  neighbour_dir = petrel_account_dup_dir (data_dir, "gone2");
  g_assert_true (g_file_test (neighbour_dir, G_FILE_TEST_IS_DIR));

  g_assert_false (petrel_account_config_remove (data_dir, "gone", &error));
  g_assert_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* An id that would leave the accounts directory is refused before touching anything. */
  g_assert_false (petrel_account_config_remove (data_dir, "..", &error));
  g_assert_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_ID);
  g_clear_error (&error);
  g_assert_false (petrel_account_config_remove (data_dir, "../accounts", &error));
  g_assert_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_ID);
  g_clear_error (&error);
  g_assert_true (g_file_test (neighbour_dir, G_FILE_TEST_IS_DIR));
}

static void
test_config_remove_with_secrets (void)
{
  g_autofree char *data_dir = dup_data_dir ();
  g_autoptr(PetrelAccountConfig) config = make_valid_config ("leaving");
  g_autoptr(PetrelCredentials) credentials = petrel_memory_credentials_new ();
  g_autoptr(PetrelCredentials) absent = g_object_new (TEST_TYPE_ABSENT_CREDENTIALS, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *secret = NULL;
  PetrelMemoryCredentials *memory;

  petrel_account_config_save (config, data_dir, &error);
  g_assert_no_error (error);
  dir = petrel_account_dup_dir (data_dir, "leaving");

  for (PetrelCredentialService service = 0; service < PETREL_N_CREDENTIAL_SERVICES; service++)
    {
      credentials_store (credentials, "leaving", service, "alice@example.test", "s3cret", NULL,
                         &error);
      g_assert_no_error (error);
    }
  credentials_store (credentials, "staying", PETREL_CREDENTIAL_SERVICE_IMAP, "bob", "other",
                     NULL, &error);
  g_assert_no_error (error);
  memory = PETREL_MEMORY_CREDENTIALS (credentials);
  g_assert_cmpuint (petrel_memory_credentials_get_n_secrets (memory), ==, 4);

  /* Without a keyring the account stays, so no password is orphaned silently. */
  g_assert_false (remove_with_secrets (data_dir, "leaving", absent, &error));
  g_assert_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_NO_KEYRING);
  g_assert_nonnull (strstr (error->message, "was not removed"));
  g_clear_error (&error);
  g_assert_true (g_file_test (dir, G_FILE_TEST_IS_DIR));

  g_assert_true (remove_with_secrets (data_dir, "leaving", credentials, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (petrel_memory_credentials_get_n_secrets (memory), ==, 1);
  secret = credentials_lookup (credentials, "staying", PETREL_CREDENTIAL_SERVICE_IMAP, NULL,
                               &error);
  g_assert_no_error (error);
  g_assert_cmpstr (secret, ==, "other");

  g_assert_false (remove_with_secrets (data_dir, "leaving", credentials, &error));
  g_assert_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_false (remove_with_secrets (data_dir, "../x", credentials, &error));
  g_assert_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_ID);
}

static void
test_config_password_policy (void)
{
  static const struct {
    const char *host;
    gboolean    loopback;
  } hosts[] = {
    { "localhost", TRUE },
    { "LocalHost.", TRUE },
    { "127.0.0.1", TRUE },
    { "127.45.6.7", TRUE },
    { "::1", TRUE },
    { "mail.example.test", FALSE },
    { "localhost.example.test", FALSE },
    { "128.0.0.1", FALSE },
    { "10.0.0.1", FALSE },
    { "::2", FALSE },
    { "::ffff:10.0.0.1", FALSE },
  };
  g_autoptr(PetrelAccountConfig) config = make_valid_config ("policy");
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (hosts); i++)
    {
      g_test_message ("host %s", hosts[i].host);
      g_assert_cmpint (petrel_host_is_loopback (hosts[i].host), ==, hosts[i].loopback);

      petrel_account_config_set_imap_host (config, hosts[i].host);
      petrel_account_config_set_smtp_host (config, hosts[i].host);

      /* Encrypted: always allowed. */
      petrel_account_config_set_imap_security (config, PETREL_CONNECTION_SECURITY_TLS);
      petrel_account_config_set_smtp_security (config, PETREL_CONNECTION_SECURITY_STARTTLS);
      g_assert_true (petrel_account_config_may_send_password (config, PETREL_ACCOUNT_SERVER_IMAP,
                                                              &error));
      g_assert_no_error (error);
      g_assert_true (petrel_account_config_may_send_password (config, PETREL_ACCOUNT_SERVER_SMTP,
                                                              &error));
      g_assert_no_error (error);

      /* Plain: only to loopback. */
      petrel_account_config_set_imap_security (config, PETREL_CONNECTION_SECURITY_NONE);
      if (hosts[i].loopback)
        {
          g_assert_true (petrel_account_config_may_send_password (config,
                                                                  PETREL_ACCOUNT_SERVER_IMAP,
                                                                  &error));
          g_assert_no_error (error);
        }
      else
        {
          g_assert_false (petrel_account_config_may_send_password (config,
                                                                   PETREL_ACCOUNT_SERVER_IMAP,
                                                                   &error));
          g_assert_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INSECURE);
          g_assert_nonnull (strstr (error->message, hosts[i].host));
          g_assert_nonnull (strstr (error->message, "IMAP password"));
          g_clear_error (&error);
        }
    }

  g_assert_false (petrel_host_is_loopback (NULL));
}

static void
test_config_pins (void)
{
  g_autoptr(PetrelAccountConfig) config = make_valid_config ("pins");
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) endpoints = NULL;
  g_autofree char *normalized = NULL;

  normalized = petrel_tls_fingerprint_normalize ("ff:ee:dd:cc:bb:aa:99:88:77:66:55:44:33:22:11:00:"
                                                 "ff:ee:dd:cc:bb:aa:99:88:77:66:55:44:33:22:11:00");
  g_assert_cmpstr (normalized, ==, FINGERPRINT_B);
  g_assert_null (petrel_tls_fingerprint_normalize (NULL));
  g_assert_null (petrel_tls_fingerprint_normalize ("ABCD"));
  /* Not hex, or the wrong separator. */
  g_assert_null (petrel_tls_fingerprint_normalize ("GG:EE:DD:CC:BB:AA:99:88:77:66:55:44:33:22:"
                                                   "11:00:FF:EE:DD:CC:BB:AA:99:88:77:66:55:44:"
                                                   "33:22:11:00"));
  g_assert_null (petrel_tls_fingerprint_normalize ("FF-EE-DD-CC-BB-AA-99-88-77-66-55-44-33-22-"
                                                   "11-00-FF-EE-DD-CC-BB-AA-99-88-77-66-55-44-"
                                                   "33-22-11-00"));

  g_assert_false (petrel_account_config_pin_certificate (config, "imap.example.test", 993,
                                                         "not a fingerprint", &error));
  g_assert_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_VALUE);
  g_clear_error (&error);
  g_assert_false (petrel_account_config_pin_certificate (config, "bad host", 993, FINGERPRINT_A,
                                                         &error));
  g_assert_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_HOST);
  g_clear_error (&error);
  g_assert_false (petrel_account_config_pin_certificate (config, "imap.example.test", 0,
                                                         FINGERPRINT_A, &error));
  g_assert_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_PORT);
  g_clear_error (&error);

  g_assert_true (petrel_account_config_pin_certificate (config, "imap.example.test", 993,
                                                        FINGERPRINT_A, &error));
  g_assert_true (petrel_account_config_pin_certificate (config, "imap.example.test", 993,
                                                        FINGERPRINT_B, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (petrel_account_config_get_pinned_certificate (config, "IMAP.EXAMPLE.TEST", 993),
                   ==, FINGERPRINT_B);

  endpoints = petrel_account_config_dup_pinned_endpoints (config);
  g_assert_cmpuint (g_strv_length (endpoints), ==, 1);

  g_assert_true (petrel_account_config_unpin_certificate (config, "imap.example.test", 993));
  g_assert_false (petrel_account_config_unpin_certificate (config, "imap.example.test", 993));
  g_assert_null (petrel_account_config_get_pinned_certificate (config, "imap.example.test", 993));
}

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  guint *count = user_data;

  (*count)++;
}

static void
test_config_properties (void)
{
  g_autoptr(PetrelAccountConfig) config = petrel_account_config_new ("props");
  g_autofree char *id = NULL;
  g_autofree char *host = NULL;
  g_auto(GStrv) aliases = NULL;
  const char *new_aliases[] = { "b@example.test", NULL };
  guint notifications = 0;
  guint port = 0;
  PetrelConnectionSecurity security;

  g_signal_connect (config, "notify", G_CALLBACK (count_notify_cb), &notifications);

  g_object_set (config, "imap-host", "imap.example.test", "imap-port", 143,
                "imap-security", PETREL_CONNECTION_SECURITY_STARTTLS, NULL);
  g_assert_cmpuint (notifications, ==, 3);

  g_object_get (config, "id", &id, "imap-host", &host, "imap-port", &port,
                "imap-security", &security, NULL);
  g_assert_cmpstr (id, ==, "props");
  g_assert_cmpstr (host, ==, "imap.example.test");
  g_assert_cmpuint (port, ==, 143);
  g_assert_cmpint (security, ==, PETREL_CONNECTION_SECURITY_STARTTLS);

  /* Notified only on change. */
  petrel_account_config_set_imap_host (config, "imap.example.test");
  petrel_account_config_set_imap_port (config, 143);
  g_assert_cmpuint (notifications, ==, 3);

  petrel_account_config_set_aliases (config, new_aliases);
  petrel_account_config_set_aliases (config, new_aliases);
  g_assert_cmpuint (notifications, ==, 4);
  g_object_get (config, "aliases", &aliases, NULL);
  g_assert_true (g_strv_equal ((const char * const *) aliases, new_aliases));

  petrel_account_config_set_aliases (config, NULL);
  g_assert_cmpuint (notifications, ==, 5);
  g_assert_null (petrel_account_config_get_aliases (config)[0]);
}

/* Credentials */

static void
test_credentials_memory (void)
{
  g_autoptr(PetrelCredentials) credentials = petrel_memory_credentials_new ();
  PetrelMemoryCredentials *memory = PETREL_MEMORY_CREDENTIALS (credentials);
  g_autoptr(GError) error = NULL;
  char *secret;

  secret = credentials_lookup (credentials, "alice", PETREL_CREDENTIAL_SERVICE_IMAP, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (secret);

  credentials_store (credentials, "alice", PETREL_CREDENTIAL_SERVICE_IMAP, "alice@example.test",
                     "imap-pw", NULL, &error);
  g_assert_no_error (error);
  credentials_store (credentials, "alice", PETREL_CREDENTIAL_SERVICE_SMTP, "alice@example.test",
                     "smtp-pw", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (petrel_memory_credentials_get_label (memory, "alice",
                                                        PETREL_CREDENTIAL_SERVICE_IMAP),
                   ==, "alice@example.test");

  secret = credentials_lookup (credentials, "alice", PETREL_CREDENTIAL_SERVICE_IMAP, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (secret, ==, "imap-pw");
  petrel_credentials_secret_free (secret);

  secret = credentials_lookup (credentials, "bob", PETREL_CREDENTIAL_SERVICE_IMAP, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (secret);

  credentials_store (credentials, "alice", PETREL_CREDENTIAL_SERVICE_IMAP, NULL, "new-pw", NULL,
                     &error);
  g_assert_no_error (error);
  secret = credentials_lookup (credentials, "alice", PETREL_CREDENTIAL_SERVICE_IMAP, NULL, &error);
  g_assert_cmpstr (secret, ==, "new-pw");
  petrel_credentials_secret_free (secret);
  g_assert_cmpuint (petrel_memory_credentials_get_n_secrets (memory), ==, 2);

  credentials_clear (credentials, "alice", PETREL_CREDENTIAL_SERVICE_IMAP, NULL, &error);
  g_assert_no_error (error);
  secret = credentials_lookup (credentials, "alice", PETREL_CREDENTIAL_SERVICE_IMAP, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (secret);
  secret = credentials_lookup (credentials, "alice", PETREL_CREDENTIAL_SERVICE_SMTP, NULL, &error);
  g_assert_cmpstr (secret, ==, "smtp-pw");
  petrel_credentials_secret_free (secret);

  /* Clearing what is not there is fine. */
  g_assert_true (credentials_clear (credentials, "nobody", PETREL_CREDENTIAL_SERVICE_OAUTH2_REFRESH,
                                    NULL, &error));
  g_assert_no_error (error);

  g_assert_cmpstr (petrel_credential_service_to_string (PETREL_CREDENTIAL_SERVICE_OAUTH2_REFRESH),
                   ==, "oauth2-refresh");
}

static gboolean
cancel_guard_cb (gpointer user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));

  return G_SOURCE_REMOVE;
}

static gboolean
keyring_expected (void)
{
  return g_strcmp0 (g_getenv ("PETREL_TEST_KEYRING"), "1") == 0;
}

/* Checks the outcome of the first keyring call. Returns whether the keyring works; if it
 * does not, the error must be NO_KEYRING (or the test fails), and the test is skipped with
 * the reason unless a keyring was promised. */
static gboolean
check_keyring_reachable (GError       *error,
                         GCancellable *guard)
{
  if (error == NULL)
    return TRUE;

  if (g_cancellable_is_cancelled (guard) && !keyring_expected ())
    {
      g_test_skip ("The Secret Service did not answer in time; cannot tell whether it works");
      return FALSE;
    }

  g_assert_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_NO_KEYRING);
  g_assert_nonnull (strstr (error->message,
                            "No keyring (Secret Service) is available; Petrel keeps passwords "
                            "only in the system keyring"));

  if (keyring_expected ())
    g_error ("PETREL_TEST_KEYRING=1 but the keyring is unreachable: %s", error->message);

  g_test_skip_printf ("No Secret Service here (checked: the error is NO_KEYRING); run under "
                      "build-aux/keyring-session for the round trip. %s", error->message);

  return FALSE;
}

static void
search_items_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

static void
test_secret_round_trip (void)
{
  g_autoptr(PetrelCredentials) credentials = petrel_secret_credentials_new ();
  g_autoptr(GCancellable) guard = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) search_result = NULL;
  g_autofree char *id = NULL;
  g_autofree char *canary = NULL;
  GList *items;
  char *secret;
  guint guard_id;

  guard_id = g_timeout_add_seconds (KEYRING_GUARD_SECONDS, cancel_guard_cb, guard);

  id = g_strdup_printf ("test-%08x", g_random_int ());
  canary = g_strdup_printf ("canary-%08x-%08x", g_random_int (), g_random_int ());

  credentials_store (credentials, id, PETREL_CREDENTIAL_SERVICE_IMAP, "alice@example.test",
                     canary, guard, &error);
  if (!check_keyring_reachable (error, guard))
    {
      g_source_remove (guard_id);
      return;
    }

  secret = credentials_lookup (credentials, id, PETREL_CREDENTIAL_SERVICE_IMAP, guard, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (secret, ==, canary);
  petrel_credentials_secret_free (secret);

  /* Keyed by account and service. */
  secret = credentials_lookup (credentials, id, PETREL_CREDENTIAL_SERVICE_SMTP, guard, &error);
  g_assert_no_error (error);
  g_assert_null (secret);
  secret = credentials_lookup (credentials, "someone-else", PETREL_CREDENTIAL_SERVICE_IMAP, guard,
                               &error);
  g_assert_no_error (error);
  g_assert_null (secret);

  credentials_store (credentials, id, PETREL_CREDENTIAL_SERVICE_OAUTH2_REFRESH,
                     "alice@example.test", "refresh-token", guard, &error);
  g_assert_no_error (error);

  /* Storing again replaces, it does not add a second item. */
  credentials_store (credentials, id, PETREL_CREDENTIAL_SERVICE_IMAP, "alice@example.test",
                     "replaced", guard, &error);
  g_assert_no_error (error);
  secret = credentials_lookup (credentials, id, PETREL_CREDENTIAL_SERVICE_IMAP, guard, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (secret, ==, "replaced");
  petrel_credentials_secret_free (secret);

  /* What keyring managers show: the label, our schema and attributes, the default collection. */
  secret_password_search (petrel_secret_credentials_get_schema (), SECRET_SEARCH_ALL, guard,
                          search_items_cb, &search_result,
                          "account", id, "service", "imap", NULL);
  items = secret_password_search_finish (wait_for (&search_result), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_length (items), ==, 1);
  {
    SecretRetrievable *item = items->data;
    g_autofree char *label = secret_retrievable_get_label (item);
    g_autoptr(GHashTable) attributes = secret_retrievable_get_attributes (item);

    g_assert_cmpstr (label, ==, "Petrel: alice@example.test (IMAP)");
    g_assert_cmpstr (g_hash_table_lookup (attributes, "account"), ==, id);
    g_assert_cmpstr (g_hash_table_lookup (attributes, "service"), ==, "imap");
    g_assert_cmpstr (g_hash_table_lookup (attributes, "xdg:schema"), ==,
                     "org.petrelmail.Petrel.Account");
    g_assert_true (SECRET_IS_ITEM (item));
    g_assert_true (g_str_has_prefix (g_dbus_proxy_get_object_path (G_DBUS_PROXY (item)),
                                     "/org/freedesktop/secrets/collection/login/"));
  }
  g_list_free_full (items, g_object_unref);

  credentials_clear (credentials, id, PETREL_CREDENTIAL_SERVICE_IMAP, guard, &error);
  g_assert_no_error (error);
  secret = credentials_lookup (credentials, id, PETREL_CREDENTIAL_SERVICE_IMAP, guard, &error);
  g_assert_no_error (error);
  g_assert_null (secret);

  /* The other service's secret is untouched by clearing IMAP. */
  secret = credentials_lookup (credentials, id, PETREL_CREDENTIAL_SERVICE_OAUTH2_REFRESH, guard,
                               &error);
  g_assert_no_error (error);
  g_assert_cmpstr (secret, ==, "refresh-token");
  petrel_credentials_secret_free (secret);

  g_assert_true (credentials_clear (credentials, id, PETREL_CREDENTIAL_SERVICE_OAUTH2_REFRESH,
                                    guard, &error));
  g_assert_no_error (error);
  g_assert_true (credentials_clear (credentials, id, PETREL_CREDENTIAL_SERVICE_OAUTH2_REFRESH,
                                    guard, &error));
  g_assert_no_error (error);

  g_source_remove (guard_id);
}

static void
test_secret_remove_account (void)
{
  g_autofree char *data_dir = dup_data_dir ();
  g_autoptr(PetrelCredentials) credentials = petrel_secret_credentials_new ();
  g_autoptr(PetrelAccountConfig) config = NULL;
  g_autoptr(GCancellable) guard = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  char *secret;
  guint guard_id;

  guard_id = g_timeout_add_seconds (KEYRING_GUARD_SECONDS, cancel_guard_cb, guard);

  id = g_strdup_printf ("remove-%08x", g_random_int ());
  config = make_valid_config (id);
  petrel_account_config_save (config, data_dir, &error);
  g_assert_no_error (error);

  credentials_store (credentials, id, PETREL_CREDENTIAL_SERVICE_IMAP, "alice@example.test",
                     "imap-secret", guard, &error);
  if (!check_keyring_reachable (error, guard))
    {
      g_source_remove (guard_id);
      return;
    }
  credentials_store (credentials, id, PETREL_CREDENTIAL_SERVICE_SMTP, "alice@example.test",
                     "smtp-secret", guard, &error);
  g_assert_no_error (error);

  g_assert_true (remove_with_secrets (data_dir, id, credentials, &error));
  g_assert_no_error (error);

  for (PetrelCredentialService service = 0; service < PETREL_N_CREDENTIAL_SERVICES; service++)
    {
      secret = credentials_lookup (credentials, id, service, guard, &error);
      g_assert_no_error (error);
      g_assert_null (secret);
    }

  g_assert_null (petrel_account_config_load (data_dir, id, &error));
  g_assert_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_NOT_FOUND);

  g_source_remove (guard_id);
}

/* Runs in a child process so that no D-Bus connection of the parent is reused. */
static void
check_no_keyring_in_child (void)
{
  g_autoptr(PetrelCredentials) credentials = petrel_secret_credentials_new ();
  g_autoptr(GError) error = NULL;
  char *secret;

  credentials_store (credentials, "alice", PETREL_CREDENTIAL_SERVICE_IMAP, "alice@example.test",
                     "never-stored", NULL, &error);
  g_assert_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_NO_KEYRING);
  g_assert_nonnull (strstr (error->message,
                            "No keyring (Secret Service) is available; Petrel keeps passwords "
                            "only in the system keyring"));
  g_assert_null (strstr (error->message, "never-stored"));
  g_clear_error (&error);

  secret = credentials_lookup (credentials, "alice", PETREL_CREDENTIAL_SERVICE_IMAP, NULL, &error);
  g_assert_null (secret);
  g_assert_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_NO_KEYRING);
  g_clear_error (&error);

  g_assert_false (credentials_clear (credentials, "alice", PETREL_CREDENTIAL_SERVICE_IMAP, NULL,
                                     &error));
  g_assert_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_NO_KEYRING);
}

static void
test_secret_no_bus (void)
{
  if (g_test_subprocess ())
    {
      g_autofree char *address = g_strdup_printf ("unix:path=%s/no-such-bus",
                                                  g_get_user_runtime_dir ());

      /* No session bus at all, and no X11 autolaunch of one. */
      g_setenv ("DBUS_SESSION_BUS_ADDRESS", address, TRUE);
      g_unsetenv ("DISPLAY");
      check_no_keyring_in_child ();
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static void
test_secret_no_service (void)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) daemon = NULL;
  g_autoptr(GDataInputStream) input = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *config = NULL;
  g_autofree char *address = NULL;
  g_autofree char *config_option = NULL;
  g_autofree char *dbus_daemon = NULL;

  if (g_test_subprocess ())
    {
      g_setenv ("DBUS_SESSION_BUS_ADDRESS", g_getenv ("PETREL_TEST_BUS_ADDRESS"), TRUE);
      check_no_keyring_in_child ();
      return;
    }

  dbus_daemon = g_find_program_in_path ("dbus-daemon");
  if (dbus_daemon == NULL)
    {
      g_test_skip ("dbus-daemon is not installed");
      return;
    }

  /* A session bus on which nothing can be activated: there is no Secret Service on it. */
  config_path = g_build_filename (g_get_user_runtime_dir (), "bus.conf", NULL);
  config = g_strdup_printf ("<!DOCTYPE busconfig PUBLIC "
                            "\"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\" "
                            "\"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
                            "<busconfig>\n"
                            "  <type>session</type>\n"
                            "  <listen>unix:dir=%s</listen>\n"
                            "  <auth>EXTERNAL</auth>\n"
                            "  <policy context=\"default\">\n"
                            "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
                            "    <allow eavesdrop=\"true\"/>\n"
                            "    <allow own=\"*\"/>\n"
                            "  </policy>\n"
                            "</busconfig>\n", g_get_user_runtime_dir ());
  g_file_set_contents (config_path, config, -1, &error);
  g_assert_no_error (error);

  config_option = g_strdup_printf ("--config-file=%s", config_path);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  daemon = g_subprocess_launcher_spawn (launcher, &error, dbus_daemon, config_option,
                                        "--nofork", "--print-address=1", NULL);
  g_assert_no_error (error);

  input = g_data_input_stream_new (g_subprocess_get_stdout_pipe (daemon));
  address = g_data_input_stream_read_line (input, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (address);

  g_setenv ("PETREL_TEST_BUS_ADDRESS", address, TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_unsetenv ("PETREL_TEST_BUS_ADDRESS");

  g_subprocess_force_exit (daemon);
  g_subprocess_wait (daemon, NULL, NULL);

  g_test_trap_assert_passed ();
}

typedef struct
{
  const char *canary;
  guint       n_files;
  gboolean    found_config;
} CanarySearch;

static gboolean
contains_bytes (const char *haystack,
                gsize       haystack_length,
                const char *needle)
{
  gsize needle_length = strlen (needle);

  for (gsize i = 0; i + needle_length <= haystack_length; i++)
    {
      if (memcmp (haystack + i, needle, needle_length) == 0)
        return TRUE;
    }

  return FALSE;
}

static void
search_canary (const char *path,
               gpointer    user_data)
{
  CanarySearch *search = user_data;
  g_autofree char *contents = NULL;
  gsize length;

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  search->n_files++;

  if (contains_bytes (contents, length, search->canary))
    g_error ("The password was written to %s", path);

  if (contains_bytes (contents, length, "EmailAddress=canary@example.test"))
    search->found_config = TRUE;
}

static void
test_no_password_on_disk (void)
{
  g_autofree char *data_dir = dup_data_dir ();
  g_autoptr(PetrelCredentials) memory = petrel_memory_credentials_new ();
  g_autoptr(PetrelCredentials) secret = petrel_secret_credentials_new ();
  g_autoptr(PetrelAccountConfig) config = make_valid_config ("canary");
  g_autoptr(PetrelAccountConfig) loaded = NULL;
  g_autoptr(GPtrArray) configs = NULL;
  g_autoptr(GCancellable) guard = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *canary = NULL;
  CanarySearch search = { 0 };
  gboolean in_keyring;
  guint guard_id;

  guard_id = g_timeout_add_seconds (KEYRING_GUARD_SECONDS, cancel_guard_cb, guard);
  canary = g_strdup_printf ("Canary-Password-%08x%08x", g_random_int (), g_random_int ());

  petrel_account_config_set_email_address (config, "canary@example.test");
  petrel_account_config_save (config, data_dir, &error);
  g_assert_no_error (error);

  credentials_store (memory, "canary", PETREL_CREDENTIAL_SERVICE_IMAP, "canary@example.test",
                     canary, NULL, &error);
  g_assert_no_error (error);

  in_keyring = credentials_store (secret, "canary", PETREL_CREDENTIAL_SERVICE_IMAP,
                                  "canary@example.test", canary, guard, &error);
  if (!in_keyring)
    {
      g_assert_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_NO_KEYRING);
      g_assert_false (keyring_expected ());
      g_clear_error (&error);
    }

  /* Everything that reads and rewrites the configuration. */
  loaded = petrel_account_config_load (data_dir, "canary", &error);
  g_assert_no_error (error);
  petrel_account_config_set_display_name (loaded, "Canary");
  petrel_account_config_save (loaded, data_dir, &error);
  g_assert_no_error (error);
  configs = petrel_account_config_list (data_dir, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (configs->len, ==, 1);

  search.canary = canary;
  walk_files (data_dir, search_canary, &search);
  /* The test's whole isolated home too (config, cache, data). */
  walk_files (g_get_home_dir (), search_canary, &search);
  walk_files (g_get_user_config_dir (), search_canary, &search);
  walk_files (g_get_user_cache_dir (), search_canary, &search);

  /* The search did look at the account's file. */
  g_assert_true (search.found_config);
  g_assert_cmpuint (search.n_files, >=, 1);

  if (in_keyring)
    {
      credentials_clear (secret, "canary", PETREL_CREDENTIAL_SERVICE_IMAP, guard, &error);
      g_assert_no_error (error);
    }

  g_source_remove (guard_id);
}

/* TLS */

typedef struct
{
  char *dir;
  char *ca_pem;
  char *server_pem;
  char *server_key;
  char *server_fingerprint;
  char *other_pem;
  char *other_key;
  char *other_fingerprint;
  char *garbage_pem;
} TestCertificates;

static TestCertificates *certificates;
static gboolean certificates_failed;

static void
run_openssl (const char  *dir,
             const char  *first_arg,
             ...)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  va_list args;

  g_ptr_array_add (argv, (char *) "openssl");
  g_ptr_array_add (argv, (char *) first_arg);
  va_start (args, first_arg);
  for (const char *arg = va_arg (args, const char *);
       arg != NULL;
       arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_cwd (launcher, dir);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &output, NULL, &error);
  g_assert_no_error (error);

  if (!g_subprocess_get_if_exited (process) || g_subprocess_get_exit_status (process) != 0)
    g_error ("openssl %s failed: %s", first_arg, output);
}

static char *
openssl_fingerprint (const char *pem)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  const char *equals;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "openssl", "x509",
                              "-in", pem, "-noout", "-fingerprint", "-sha256", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &output, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_successful (process));

  /* "sha256 Fingerprint=AB:CD:..." */
  equals = strchr (output, '=');
  g_assert_nonnull (equals);

  return petrel_tls_fingerprint_normalize (g_strstrip (output + (equals - output) + 1));
}

/* A CA, a server certificate it signed for IP 127.0.0.1, and an unrelated self-signed one. */
static const TestCertificates *
get_certificates (void)
{
  g_autofree char *openssl = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *ext = NULL;
  TestCertificates *certs;

  if (certificates != NULL || certificates_failed)
    return certificates;

  openssl = g_find_program_in_path ("openssl");
  if (openssl == NULL)
    {
      certificates_failed = TRUE;
      return NULL;
    }

  certs = g_new0 (TestCertificates, 1);
  certs->dir = g_dir_make_tmp ("petrel-test-certs-XXXXXX", &error);
  g_assert_no_error (error);

  ext = g_build_filename (certs->dir, "server.ext", NULL);
  g_file_set_contents (ext,
                       "basicConstraints=CA:FALSE\n"
                       "keyUsage=critical,digitalSignature\n"
                       "extendedKeyUsage=serverAuth\n"
                       "subjectAltName=IP:127.0.0.1\n", -1, &error);
  g_assert_no_error (error);

  run_openssl (certs->dir, "req", "-x509", "-newkey", "ec",
               "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
               "-keyout", "ca.key", "-out", "ca.pem", "-days", "3650",
               "-subj", "/O=Petrel Tests/CN=Petrel Test CA",
               "-addext", "basicConstraints=critical,CA:TRUE",
               "-addext", "keyUsage=critical,keyCertSign,cRLSign", NULL);
  run_openssl (certs->dir, "req", "-new", "-newkey", "ec",
               "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
               "-keyout", "server.key", "-out", "server.csr",
               "-subj", "/O=Petrel Tests/CN=Petrel Test Server", NULL);
  run_openssl (certs->dir, "x509", "-req", "-in", "server.csr", "-CA", "ca.pem",
               "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "825",
               "-sha256", "-extfile", "server.ext", NULL);
  run_openssl (certs->dir, "req", "-x509", "-newkey", "ec",
               "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
               "-keyout", "other.key", "-out", "other.pem", "-days", "825",
               "-subj", "/O=Petrel Tests/CN=Petrel Other Server",
               "-addext", "subjectAltName=IP:127.0.0.1", NULL);

  certs->ca_pem = g_build_filename (certs->dir, "ca.pem", NULL);
  certs->server_pem = g_build_filename (certs->dir, "server.pem", NULL);
  certs->server_key = g_build_filename (certs->dir, "server.key", NULL);
  certs->other_pem = g_build_filename (certs->dir, "other.pem", NULL);
  certs->other_key = g_build_filename (certs->dir, "other.key", NULL);
  certs->server_fingerprint = openssl_fingerprint (certs->server_pem);
  certs->other_fingerprint = openssl_fingerprint (certs->other_pem);
  g_assert_nonnull (certs->server_fingerprint);
  g_assert_nonnull (certs->other_fingerprint);
  g_assert_cmpstr (certs->server_fingerprint, !=, certs->other_fingerprint);

  certs->garbage_pem = g_build_filename (certs->dir, "garbage.pem", NULL);
  g_file_set_contents (certs->garbage_pem, "this is not a certificate\n", -1, &error);
  g_assert_no_error (error);

  certificates = certs;

  return certificates;
}

static void
remove_certificates (void)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (certificates == NULL)
    return;

  dir = g_dir_open (certificates->dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (certificates->dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (certificates->dir);

  g_free (certificates->dir);
  g_free (certificates->ca_pem);
  g_free (certificates->server_pem);
  g_free (certificates->server_key);
  g_free (certificates->server_fingerprint);
  g_free (certificates->other_pem);
  g_free (certificates->other_key);
  g_free (certificates->other_fingerprint);
  g_free (certificates->garbage_pem);
  g_clear_pointer (&certificates, g_free);
}

typedef struct
{
  GSocketService  *service;
  GTlsCertificate *certificate;
  GPtrArray       *connections;
  guint16          port;
} TestServer;

static void
test_server_handshake_cb (GObject      *object,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* The client refusing our certificate is what several tests want. */
  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (object), result, &error))
    g_debug ("Test server handshake ended: %s", error->message);
}

static gboolean
on_test_server_incoming_cb (GSocketService    *service,
                            GSocketConnection *connection,
                            GObject           *source_object,
                            gpointer           user_data)
{
  TestServer *server = user_data;
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GError) error = NULL;

  tls = g_tls_server_connection_new (G_IO_STREAM (connection), server->certificate, &error);
  g_assert_no_error (error);

  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT, NULL,
                                    test_server_handshake_cb, server);
  g_ptr_array_add (server->connections, g_steal_pointer (&tls));

  return TRUE;
}

static TestServer *
test_server_new (const char *cert_file,
                 const char *key_file)
{
  TestServer *server = g_new0 (TestServer, 1);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;

  server->certificate = g_tls_certificate_new_from_files (cert_file, key_file, &error);
  g_assert_no_error (error);
  server->connections = g_ptr_array_new_with_free_func (g_object_unref);
  server->service = g_socket_service_new ();
  g_socket_listener_add_address (G_SOCKET_LISTENER (server->service), address,
                                 G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL, &effective,
                                 &error);
  g_assert_no_error (error);
  server->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));

  g_signal_connect (server->service, "incoming", G_CALLBACK (on_test_server_incoming_cb), server);
  g_socket_service_start (server->service);

  return server;
}

static void
test_server_free (TestServer *server)
{
  g_socket_service_stop (server->service);
  g_socket_listener_close (G_SOCKET_LISTENER (server->service));
  g_clear_object (&server->service);
  g_clear_object (&server->certificate);
  g_clear_pointer (&server->connections, g_ptr_array_unref);
  g_free (server);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestServer, test_server_free)

/* Connects to the test server on 127.0.0.1 and runs the account's TLS handshake, presenting
 * @host as the server's name (the name is only checked, never resolved). */
static GIOStream *
tls_connect (PetrelTlsTrust  *trust,
             TestServer      *server,
             const char      *host,
             GError         **error)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GAsyncResult) connect_result = NULL;
  g_autoptr(GAsyncResult) handshake_result = NULL;
  g_autoptr(GSocketConnection) connection = NULL;

  /* Loopback needs no proxy, and GIO's GNOME proxy resolver aborts without its GSettings
   * schema, which the isolated test directories do not have. */
  g_socket_client_set_enable_proxy (client, FALSE);
  g_socket_client_connect_to_host_async (client, "127.0.0.1", server->port, NULL,
                                         store_result_cb, &connect_result);
  connection = g_socket_client_connect_to_host_finish (client, wait_for (&connect_result), error);
  if (connection == NULL)
    return NULL;

  petrel_tls_trust_handshake_async (trust, G_IO_STREAM (connection), host, server->port,
                                    G_PRIORITY_DEFAULT, NULL, store_result_cb, &handshake_result);

  return petrel_tls_trust_handshake_finish (trust, wait_for (&handshake_result), error);
}

static PetrelAccountConfig *
make_loopback_config (void)
{
  PetrelAccountConfig *config = petrel_account_config_new ("tls");

  petrel_account_config_set_email_address (config, "alice@example.test");
  petrel_account_config_set_imap_host (config, "127.0.0.1");
  petrel_account_config_set_smtp_host (config, "127.0.0.1");

  return config;
}

static const TestCertificates *
require_tls (void)
{
  const TestCertificates *certs;

  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_test_skip ("GIO has no TLS backend (glib-networking)");
      return NULL;
    }

  certs = get_certificates ();
  if (certs == NULL)
    g_test_skip ("openssl is not installed; it makes the test certificates");

  return certs;
}

static void
test_tls_unknown_ca (void)
{
  const TestCertificates *certs = require_tls ();
  g_autoptr(PetrelAccountConfig) config = NULL;
  g_autoptr(PetrelTlsTrust) trust = NULL;
  g_autoptr(TestServer) server = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) copy = NULL;
  g_autofree char *reasons = NULL;
  g_autofree char *pem = NULL;
  PetrelTlsFailure *failure;

  if (certs == NULL)
    return;

  server = test_server_new (certs->server_pem, certs->server_key);
  config = make_loopback_config ();
  trust = petrel_tls_trust_new (config, &error);
  g_assert_no_error (error);

  stream = tls_connect (trust, server, "127.0.0.1", &error);
  g_assert_null (stream);
  g_assert_error (error, PETREL_TLS_ERROR, PETREL_TLS_ERROR_UNTRUSTED_CERTIFICATE);
  g_test_message ("%s", error->message);

  failure = petrel_tls_error_get_failure (error);
  g_assert_nonnull (failure);
  g_assert_cmpstr (petrel_tls_failure_get_fingerprint (failure), ==, certs->server_fingerprint);
  g_assert_cmpstr (petrel_tls_failure_get_host (failure), ==, "127.0.0.1");
  g_assert_cmpuint (petrel_tls_failure_get_port (failure), ==, server->port);
  g_assert_cmpint (petrel_tls_failure_get_errors (failure), ==, G_TLS_CERTIFICATE_UNKNOWN_CA);
  g_assert_nonnull (strstr (petrel_tls_failure_get_subject (failure), "CN=Petrel Test Server"));
  g_assert_nonnull (strstr (petrel_tls_failure_get_issuer (failure), "CN=Petrel Test CA"));
  g_assert_nonnull (petrel_tls_failure_get_not_valid_after (failure));
  reasons = petrel_tls_failure_dup_reasons (failure);
  g_assert_cmpstr (reasons, ==, "unknown certificate authority");
  pem = petrel_tls_failure_dup_pem (failure);
  g_assert_true (g_str_has_prefix (pem, "-----BEGIN CERTIFICATE-----"));

  /* The message alone is enough for a person (and the CLI) to decide. */
  g_assert_nonnull (strstr (error->message, certs->server_fingerprint));
  g_assert_nonnull (strstr (error->message, "unknown certificate authority"));
  g_assert_nonnull (strstr (error->message, "Petrel Test Server"));

  /* The details survive copies (GTask and g_error_copy()). */
  copy = g_error_copy (error);
  g_assert_true (petrel_tls_error_get_failure (copy) == failure);
  g_assert_null (petrel_tls_error_get_failure (NULL));
}

static void
test_tls_ca_file (void)
{
  const TestCertificates *certs = require_tls ();
  g_autoptr(PetrelAccountConfig) config = NULL;
  g_autoptr(PetrelTlsTrust) trust = NULL;
  g_autoptr(TestServer) server = NULL;
  g_autoptr(TestServer) other = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  PetrelTlsCheck *check;
  PetrelTlsFailure *failure;

  if (certs == NULL)
    return;

  server = test_server_new (certs->server_pem, certs->server_key);
  other = test_server_new (certs->other_pem, certs->other_key);
  config = make_loopback_config ();
  petrel_account_config_set_ca_file (config, certs->ca_pem);
  trust = petrel_tls_trust_new (config, &error);
  g_assert_no_error (error);
  g_assert_true (PETREL_IS_TLS_DATABASE (petrel_tls_trust_get_database (trust)));

  stream = tls_connect (trust, server, "127.0.0.1", &error);
  g_assert_no_error (error);
  g_assert_true (G_IS_TLS_CLIENT_CONNECTION (stream));
  check = petrel_tls_check_get_for_connection (G_TLS_CONNECTION (stream));
  g_assert_nonnull (check);
  g_assert_false (petrel_tls_check_get_accepted_by_pin (check));
  g_assert_null (petrel_tls_check_dup_failure (check));
  g_clear_object (&stream);

  /* The account's CA vouches for the server but not for another name: refused for that
   * reason alone, not as an unknown CA. */
  stream = tls_connect (trust, server, "mail.example.test", &error);
  g_assert_null (stream);
  g_assert_error (error, PETREL_TLS_ERROR, PETREL_TLS_ERROR_UNTRUSTED_CERTIFICATE);
  failure = petrel_tls_error_get_failure (error);
  g_assert_cmpint (petrel_tls_failure_get_errors (failure), ==, G_TLS_CERTIFICATE_BAD_IDENTITY);
  g_assert_nonnull (strstr (error->message, "issued for a different host name"));
  g_clear_error (&error);

  /* A certificate the CA did not sign is still refused. */
  stream = tls_connect (trust, other, "127.0.0.1", &error);
  g_assert_null (stream);
  g_assert_error (error, PETREL_TLS_ERROR, PETREL_TLS_ERROR_UNTRUSTED_CERTIFICATE);
  failure = petrel_tls_error_get_failure (error);
  g_assert_cmpstr (petrel_tls_failure_get_fingerprint (failure), ==, certs->other_fingerprint);
  g_assert_true (petrel_tls_failure_get_errors (failure) & G_TLS_CERTIFICATE_UNKNOWN_CA);
  g_clear_error (&error);

  /* The CA file is the account's alone: another account does not trust it. */
  {
    g_autoptr(PetrelAccountConfig) plain_config = make_loopback_config ();
    g_autoptr(PetrelTlsTrust) plain_trust = petrel_tls_trust_new (plain_config, &error);

    g_assert_no_error (error);
    stream = tls_connect (plain_trust, server, "127.0.0.1", &error);
    g_assert_null (stream);
    g_assert_error (error, PETREL_TLS_ERROR, PETREL_TLS_ERROR_UNTRUSTED_CERTIFICATE);
  }
}

static void
test_tls_bad_ca_file (void)
{
  const TestCertificates *certs = require_tls ();
  g_autoptr(PetrelAccountConfig) config = NULL;
  g_autoptr(PetrelTlsTrust) trust = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *missing = NULL;

  if (certs == NULL)
    return;

  config = make_loopback_config ();
  missing = g_build_filename (certs->dir, "missing.pem", NULL);

  petrel_account_config_set_ca_file (config, missing);
  trust = petrel_tls_trust_new (config, &error);
  g_assert_null (trust);
  g_assert_error (error, PETREL_TLS_ERROR, PETREL_TLS_ERROR_CA_FILE);
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);

  petrel_account_config_set_ca_file (config, certs->garbage_pem);
  trust = petrel_tls_trust_new (config, &error);
  g_assert_null (trust);
  g_assert_error (error, PETREL_TLS_ERROR, PETREL_TLS_ERROR_CA_FILE);
  g_clear_error (&error);

  petrel_account_config_set_ca_file (config, "relative/ca.pem");
  trust = petrel_tls_trust_new (config, &error);
  g_assert_null (trust);
  g_assert_error (error, PETREL_TLS_ERROR, PETREL_TLS_ERROR_CA_FILE);
  g_assert_nonnull (strstr (error->message, "absolute"));
}

static void
test_tls_pinned (void)
{
  const TestCertificates *certs = require_tls ();
  g_autoptr(PetrelAccountConfig) config = NULL;
  g_autoptr(PetrelTlsTrust) trust = NULL;
  g_autoptr(TestServer) server = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  PetrelTlsFailure *failure;
  PetrelTlsCheck *check;

  if (certs == NULL)
    return;

  server = test_server_new (certs->server_pem, certs->server_key);
  config = make_loopback_config ();

  /* What the user does after seeing the refusal: pin the fingerprint from the error. */
  trust = petrel_tls_trust_new (config, &error);
  g_assert_no_error (error);
  stream = tls_connect (trust, server, "127.0.0.1", &error);
  g_assert_error (error, PETREL_TLS_ERROR, PETREL_TLS_ERROR_UNTRUSTED_CERTIFICATE);
  failure = petrel_tls_error_get_failure (error);
  g_assert_true (petrel_account_config_pin_certificate
                   (config,
                    petrel_tls_failure_get_host (failure),
                    petrel_tls_failure_get_port (failure),
                    petrel_tls_failure_get_fingerprint (failure),
                    NULL));
  g_clear_error (&error);

  /* A trust is a snapshot: the pin applies to trusts made from now on. */
  g_clear_object (&trust);
  trust = petrel_tls_trust_new (config, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (petrel_tls_trust_get_pin (trust, "127.0.0.1", server->port), ==,
                   certs->server_fingerprint);

  stream = tls_connect (trust, server, "127.0.0.1", &error);
  g_assert_no_error (error);
  g_assert_nonnull (stream);
  check = petrel_tls_check_get_for_connection (G_TLS_CONNECTION (stream));
  g_assert_true (petrel_tls_check_get_accepted_by_pin (check));
  g_clear_object (&stream);

  /* The pin is for that host and port only. */
  stream = tls_connect (trust, server, "localhost", &error);
  g_assert_null (stream);
  g_assert_error (error, PETREL_TLS_ERROR, PETREL_TLS_ERROR_UNTRUSTED_CERTIFICATE);
  g_clear_error (&error);

  {
    g_autoptr(PetrelAccountConfig) other_port = make_loopback_config ();
    g_autoptr(PetrelTlsTrust) other_trust = NULL;

    petrel_account_config_pin_certificate (other_port, "127.0.0.1", server->port + 1,
                                           certs->server_fingerprint, NULL);
    other_trust = petrel_tls_trust_new (other_port, NULL);
    stream = tls_connect (other_trust, server, "127.0.0.1", &error);
    g_assert_null (stream);
    g_assert_error (error, PETREL_TLS_ERROR, PETREL_TLS_ERROR_UNTRUSTED_CERTIFICATE);
    g_clear_error (&error);
  }
}

static void
test_tls_pin_mismatch (void)
{
  const TestCertificates *certs = require_tls ();
  g_autoptr(PetrelAccountConfig) config = NULL;
  g_autoptr(PetrelTlsTrust) trust = NULL;
  g_autoptr(TestServer) server = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  PetrelTlsFailure *failure;

  if (certs == NULL)
    return;

  /* The server now presents a different certificate than the one pinned for its endpoint. */
  server = test_server_new (certs->other_pem, certs->other_key);
  config = make_loopback_config ();
  petrel_account_config_pin_certificate (config, "127.0.0.1", server->port,
                                         certs->server_fingerprint, &error);
  g_assert_no_error (error);
  trust = petrel_tls_trust_new (config, &error);
  g_assert_no_error (error);

  stream = tls_connect (trust, server, "127.0.0.1", &error);
  g_assert_null (stream);
  g_assert_error (error, PETREL_TLS_ERROR, PETREL_TLS_ERROR_UNTRUSTED_CERTIFICATE);
  failure = petrel_tls_error_get_failure (error);
  g_assert_cmpstr (petrel_tls_failure_get_fingerprint (failure), ==, certs->other_fingerprint);
  g_assert_nonnull (strstr (petrel_tls_failure_get_subject (failure), "Petrel Other Server"));
  g_assert_true (petrel_tls_failure_get_errors (failure) & G_TLS_CERTIFICATE_UNKNOWN_CA);
}

typedef struct
{
  PetrelTlsTrust *trust;
  PetrelTlsCheck *check;
  guint16         port;
} SocketClientHook;

static void
on_socket_client_event_cb (GSocketClient      *client,
                           GSocketClientEvent  event,
                           GSocketConnectable *connectable,
                           GIOStream          *connection,
                           gpointer            user_data)
{
  SocketClientHook *hook = user_data;

  if (event == G_SOCKET_CLIENT_TLS_HANDSHAKING)
    hook->check = petrel_tls_trust_attach (hook->trust, G_TLS_CLIENT_CONNECTION (connection),
                                           "127.0.0.1", hook->port);
}

/* The seam for code that lets GSocketClient do the handshake. */
static void
test_tls_socket_client (void)
{
  const TestCertificates *certs = require_tls ();
  g_autoptr(PetrelAccountConfig) config = NULL;
  g_autoptr(PetrelTlsTrust) trust = NULL;
  g_autoptr(TestServer) server = NULL;
  g_autoptr(GSocketClient) client = NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  SocketClientHook hook = { 0 };

  if (certs == NULL)
    return;

  server = test_server_new (certs->server_pem, certs->server_key);
  config = make_loopback_config ();
  trust = petrel_tls_trust_new (config, &error);
  g_assert_no_error (error);

  hook.trust = trust;
  hook.port = server->port;
  client = g_socket_client_new ();
  g_socket_client_set_tls (client, TRUE);
  g_socket_client_set_enable_proxy (client, FALSE);
  g_signal_connect (client, "event", G_CALLBACK (on_socket_client_event_cb), &hook);

  g_socket_client_connect_to_host_async (client, "127.0.0.1", server->port, NULL,
                                         store_result_cb, &result);
  connection = g_socket_client_connect_to_host_finish (client, wait_for (&result), &error);
  g_assert_null (connection);
  g_assert_nonnull (hook.check);

  error = petrel_tls_check_translate_error (hook.check, g_steal_pointer (&error));
  g_assert_error (error, PETREL_TLS_ERROR, PETREL_TLS_ERROR_UNTRUSTED_CERTIFICATE);
  g_assert_cmpstr (petrel_tls_failure_get_fingerprint (petrel_tls_error_get_failure (error)), ==,
                   certs->server_fingerprint);
  g_clear_error (&error);

  /* Errors that are not about the certificate pass through unchanged. */
  error = petrel_tls_check_translate_error (hook.check,
                                            g_error_new_literal (G_IO_ERROR,
                                                                 G_IO_ERROR_CONNECTION_REFUSED,
                                                                 "refused"));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);

  g_clear_object (&hook.check);
}

static void
test_tls_flags_to_string (void)
{
  g_autofree char *none = petrel_tls_certificate_flags_to_string (0);
  g_autofree char *all = petrel_tls_certificate_flags_to_string (G_TLS_CERTIFICATE_VALIDATE_ALL);
  g_autofree char *two = petrel_tls_certificate_flags_to_string (G_TLS_CERTIFICATE_EXPIRED |
                                                                 G_TLS_CERTIFICATE_UNKNOWN_CA);

  g_assert_cmpstr (none, ==, "no error");
  g_assert_cmpstr (two, ==, "unknown certificate authority, expired");
  g_assert_cmpstr (all, ==, "unknown certificate authority, issued for a different host name, "
                   "not yet valid, expired, revoked, insecure algorithm, invalid certificate");
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  petrel_engine_init ();

  g_test_add_func ("/petrel/account/config/round-trip", test_config_round_trip);
  g_test_add_func ("/petrel/account/config/defaults", test_config_defaults);
  g_test_add_func ("/petrel/account/config/keeps-unknown-keys", test_config_keeps_unknown_keys);
  g_test_add_func ("/petrel/account/config/validation", test_config_validation);
  g_test_add_func ("/petrel/account/config/bad-files", test_config_bad_files);
  g_test_add_func ("/petrel/account/config/list", test_config_list);
  g_test_add_func ("/petrel/account/config/remove", test_config_remove);
  g_test_add_func ("/petrel/account/config/remove-with-secrets", test_config_remove_with_secrets);
  g_test_add_func ("/petrel/account/config/password-policy", test_config_password_policy);
  g_test_add_func ("/petrel/account/config/pins", test_config_pins);
  g_test_add_func ("/petrel/account/config/properties", test_config_properties);
  g_test_add_func ("/petrel/account/credentials/memory", test_credentials_memory);
  g_test_add_func ("/petrel/account/credentials/no-password-on-disk", test_no_password_on_disk);
  g_test_add_func ("/petrel/account/secret/round-trip", test_secret_round_trip);
  g_test_add_func ("/petrel/account/secret/remove-account", test_secret_remove_account);
  g_test_add_func ("/petrel/account/secret/no-bus", test_secret_no_bus);
  g_test_add_func ("/petrel/account/secret/no-service", test_secret_no_service);
  g_test_add_func ("/petrel/account/tls/unknown-ca", test_tls_unknown_ca);
  g_test_add_func ("/petrel/account/tls/ca-file", test_tls_ca_file);
  g_test_add_func ("/petrel/account/tls/bad-ca-file", test_tls_bad_ca_file);
  g_test_add_func ("/petrel/account/tls/pinned", test_tls_pinned);
  g_test_add_func ("/petrel/account/tls/pin-mismatch", test_tls_pin_mismatch);
  g_test_add_func ("/petrel/account/tls/socket-client", test_tls_socket_client);
  g_test_add_func ("/petrel/account/tls/flags-to-string", test_tls_flags_to_string);

  status = g_test_run ();
  remove_certificates ();

  return status;
}
