/* test-account-probe.c: petrel_account_probe_async() against the private Dovecot and SMTP
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "petrel-engine.h"
#include "petrel-test-servers.h"
#include "account/petrel-tls-failure.h"
#include "imap/petrel-imap-error.h"
#include "smtp/petrel-smtp-error.h"
#include "sync/petrel-account-probe.h"

static PetrelTestServers *servers;
static gboolean servers_tried;

static PetrelTestServers *
get_servers (void)
{
  g_autoptr(GError) error = NULL;

  if (!servers_tried)
    {
      servers_tried = TRUE;
      servers = petrel_test_servers_start (&error);
      if (g_error_matches (error, PETREL_TEST_SERVERS_ERROR,
                           PETREL_TEST_SERVERS_ERROR_UNAVAILABLE))
        {
          g_test_message ("Test servers unavailable: %s", error->message);
          g_clear_error (&error);
        }
      g_assert_no_error (error);
    }

  if (servers == NULL)
    g_test_skip ("the test servers (Dovecot, aiosmtpd) are not installed");

  return servers;
}

/* alice's account on the test servers: IMAP STARTTLS and SMTPS, so both TLS kinds run. */
static PetrelAccountConfig *
make_config (gboolean trust_ca)
{
  PetrelAccountConfig *config = petrel_account_config_new ("probe");

  petrel_account_config_set_email_address (config, petrel_test_servers_get_email (servers, 0));
  petrel_account_config_set_imap_host (config, petrel_test_servers_get_host (servers));
  petrel_account_config_set_imap_port (config, petrel_test_servers_get_imap_port (servers));
  petrel_account_config_set_imap_security (config, PETREL_CONNECTION_SECURITY_STARTTLS);
  petrel_account_config_set_smtp_host (config, petrel_test_servers_get_host (servers));
  petrel_account_config_set_smtp_port (config, petrel_test_servers_get_smtps_port (servers));
  petrel_account_config_set_smtp_security (config, PETREL_CONNECTION_SECURITY_TLS);
  petrel_account_config_set_imap_user (config, petrel_test_servers_get_user (servers, 0));
  petrel_account_config_set_smtp_user (config, petrel_test_servers_get_user (servers, 0));
  if (trust_ca)
    petrel_account_config_set_ca_file (config, petrel_test_servers_get_ca_file (servers));

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

static PetrelAccountProbeResult *
probe (PetrelAccountConfig  *config,
       const char           *secret,
       GCancellable         *cancellable,
       GError              **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  petrel_account_probe_async (config, secret, cancellable, store_result_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);

  return petrel_account_probe_finish (result, error);
}

static void
test_probe_good_password (void)
{
  g_autoptr(PetrelAccountConfig) config = NULL;
  g_autoptr(PetrelAccountProbeResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;

  if (get_servers () == NULL)
    return;

  config = make_config (TRUE);
  result = probe (config, petrel_test_servers_get_password (servers, 0), NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);
  g_assert_no_error (petrel_account_probe_result_get_error (result, PETREL_ACCOUNT_SERVER_IMAP));
  g_assert_no_error (petrel_account_probe_result_get_error (result, PETREL_ACCOUNT_SERVER_SMTP));
  g_assert_null (petrel_account_probe_result_get_tls_failure (result,
                                                              PETREL_ACCOUNT_SERVER_IMAP));
  g_assert_true (petrel_account_probe_result_get_ok (result));

  /* Nothing was written: no account directory appeared. */
  dir = petrel_account_dup_dir (g_get_user_data_dir (), "probe");
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
}

static void
test_probe_wrong_password (void)
{
  g_autoptr(PetrelAccountConfig) config = NULL;
  g_autoptr(PetrelAccountProbeResult) result = NULL;
  g_autoptr(GError) error = NULL;
  const GError *imap_error, *smtp_error;

  if (get_servers () == NULL)
    return;

  config = make_config (TRUE);
  result = probe (config, "not-the-password", NULL, &error);
  g_assert_no_error (error);
  g_assert_false (petrel_account_probe_result_get_ok (result));

  /* Both servers were tried and both said why. */
  imap_error = petrel_account_probe_result_get_error (result, PETREL_ACCOUNT_SERVER_IMAP);
  smtp_error = petrel_account_probe_result_get_error (result, PETREL_ACCOUNT_SERVER_SMTP);
  g_assert_error (imap_error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_AUTH);
  g_assert_error (smtp_error, PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_AUTH);
  g_assert_cmpuint (strlen (imap_error->message), >, 0);
  g_assert_cmpuint (strlen (smtp_error->message), >, 0);
  /* The password is in no message. */
  g_assert_null (strstr (imap_error->message, "not-the-password"));
  g_assert_null (strstr (smtp_error->message, "not-the-password"));
  g_assert_null (petrel_account_probe_result_get_tls_failure (result,
                                                              PETREL_ACCOUNT_SERVER_SMTP));
}

static void
test_probe_untrusted_certificate (void)
{
  g_autoptr(PetrelAccountConfig) config = NULL;
  g_autoptr(PetrelAccountProbeResult) result = NULL;
  g_autoptr(PetrelAccountProbeResult) pinned = NULL;
  g_autoptr(GError) error = NULL;
  const char *password;

  if (get_servers () == NULL)
    return;

  /* Without the test CA, both servers' certificates are refused, each with its fingerprint. */
  config = make_config (FALSE);
  password = petrel_test_servers_get_password (servers, 0);
  result = probe (config, password, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (petrel_account_probe_result_get_ok (result));

  for (PetrelAccountServer server = PETREL_ACCOUNT_SERVER_IMAP;
       server <= PETREL_ACCOUNT_SERVER_SMTP; server++)
    {
      const GError *server_error = petrel_account_probe_result_get_error (result, server);
      PetrelTlsFailure *failure = petrel_account_probe_result_get_tls_failure (result, server);
      g_autofree char *reasons = NULL;

      g_assert_error (server_error, PETREL_TLS_ERROR, PETREL_TLS_ERROR_UNTRUSTED_CERTIFICATE);
      g_assert_nonnull (failure);
      g_assert_true (petrel_tls_error_get_failure (server_error) != NULL);
      g_assert_cmpstr (petrel_tls_failure_get_fingerprint (failure), ==,
                       petrel_tls_failure_get_fingerprint (
                         petrel_tls_error_get_failure (server_error)));
      /* SHA-256: 32 bytes as colon-separated hex pairs. */
      g_assert_cmpuint (strlen (petrel_tls_failure_get_fingerprint (failure)), ==, 32 * 3 - 1);
      g_assert_cmpuint (petrel_tls_failure_get_port (failure), ==,
                        petrel_account_config_get_port (config, server));
      g_assert_true (petrel_tls_failure_get_errors (failure) & G_TLS_CERTIFICATE_UNKNOWN_CA);
      reasons = petrel_tls_failure_dup_reasons (failure);
      g_assert_cmpuint (strlen (reasons), >, 0);
    }

  /* The user's decision: pin both; the same certificates are then accepted. */
  for (PetrelAccountServer server = PETREL_ACCOUNT_SERVER_IMAP;
       server <= PETREL_ACCOUNT_SERVER_SMTP; server++)
    {
      PetrelTlsFailure *failure = petrel_account_probe_result_get_tls_failure (result, server);

      g_assert_true (petrel_account_config_pin_certificate (
                       config, petrel_tls_failure_get_host (failure),
                       petrel_tls_failure_get_port (failure),
                       petrel_tls_failure_get_fingerprint (failure), &error));
      g_assert_no_error (error);
    }

  pinned = probe (config, password, NULL, &error);
  g_assert_no_error (error);
  g_assert_no_error (petrel_account_probe_result_get_error (pinned, PETREL_ACCOUNT_SERVER_IMAP));
  g_assert_no_error (petrel_account_probe_result_get_error (pinned, PETREL_ACCOUNT_SERVER_SMTP));
  g_assert_true (petrel_account_probe_result_get_ok (pinned));
}

static void
test_probe_refused (void)
{
  g_autoptr(PetrelAccountConfig) config = NULL;
  g_autoptr(PetrelAccountProbeResult) result = NULL;
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  guint16 port;

  if (get_servers () == NULL)
    return;

  /* A port that was free a moment ago: nobody listens there. */
  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  g_socket_listener_close (listener);

  /* SMTP is down, IMAP is fine: the result says so per server. */
  config = make_config (TRUE);
  petrel_account_config_set_smtp_port (config, port);
  result = probe (config, petrel_test_servers_get_password (servers, 0), NULL, &error);
  g_assert_no_error (error);
  g_assert_false (petrel_account_probe_result_get_ok (result));
  g_assert_no_error (petrel_account_probe_result_get_error (result, PETREL_ACCOUNT_SERVER_IMAP));
  g_assert_error (petrel_account_probe_result_get_error (result, PETREL_ACCOUNT_SERVER_SMTP),
                  PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_CONNECTION);
}

static void
test_probe_bad_ca_file (void)
{
  g_autoptr(PetrelAccountConfig) config = NULL;
  g_autoptr(PetrelAccountProbeResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), "no-such-ca.pem", NULL);

  if (get_servers () == NULL)
    return;

  config = make_config (FALSE);
  petrel_account_config_set_ca_file (config, path);
  result = probe (config, "whatever", NULL, &error);
  g_assert_no_error (error);
  g_assert_error (petrel_account_probe_result_get_error (result, PETREL_ACCOUNT_SERVER_IMAP),
                  PETREL_TLS_ERROR, PETREL_TLS_ERROR_CA_FILE);
  g_assert_error (petrel_account_probe_result_get_error (result, PETREL_ACCOUNT_SERVER_SMTP),
                  PETREL_TLS_ERROR, PETREL_TLS_ERROR_CA_FILE);
}

static void
test_probe_cancelled (void)
{
  g_autoptr(PetrelAccountConfig) config = NULL;
  g_autoptr(PetrelAccountProbeResult) result = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) async_result = NULL;
  g_autoptr(GError) error = NULL;

  if (get_servers () == NULL)
    return;

  config = make_config (TRUE);

  /* Cancelled before it starts. */
  g_cancellable_cancel (cancellable);
  result = probe (config, petrel_test_servers_get_password (servers, 0), cancellable, &error);
  g_assert_null (result);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* Cancelled while connecting. */
  g_cancellable_reset (cancellable);
  petrel_account_probe_async (config, petrel_test_servers_get_password (servers, 0),
                              cancellable, store_result_cb, &async_result);
  g_cancellable_cancel (cancellable);
  while (async_result == NULL)
    g_main_context_iteration (NULL, TRUE);
  result = petrel_account_probe_finish (async_result, &error);
  g_assert_null (result);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  petrel_engine_init ();

  g_test_add_func ("/petrel/account/probe/good-password", test_probe_good_password);
  g_test_add_func ("/petrel/account/probe/wrong-password", test_probe_wrong_password);
  g_test_add_func ("/petrel/account/probe/untrusted-certificate",
                   test_probe_untrusted_certificate);
  g_test_add_func ("/petrel/account/probe/refused", test_probe_refused);
  g_test_add_func ("/petrel/account/probe/bad-ca-file", test_probe_bad_ca_file);
  g_test_add_func ("/petrel/account/probe/cancelled", test_probe_cancelled);

  status = g_test_run ();
  g_clear_pointer (&servers, petrel_test_servers_stop);

  return status;
}
