/* test-smtp-size.c: remembering the SMTP server's SIZE limit per account (issue 9), against
 * the private test servers and with damaged files
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include "petrel-engine.h"
#include "petrel-test-servers.h"
#include "smtp/petrel-smtp-client.h"
#include "smtp/petrel-smtp-size.h"

#define WATCHDOG_S 90

typedef struct
{
  GAsyncResult *result;
} Waiter;

static void
waiter_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  ((Waiter *) user_data)->result = g_object_ref (result);
}

static gboolean
watchdog_cb (gpointer user_data)
{
  g_error ("An SMTP operation did not finish within %d seconds", WATCHDOG_S);
  return G_SOURCE_REMOVE;
}

static GAsyncResult *
waiter_wait (Waiter *waiter)
{
  guint watchdog = g_timeout_add_seconds (WATCHDOG_S, watchdog_cb, NULL);

  while (waiter->result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (watchdog);
  return waiter->result;
}

/* Connects to the test submission server (STARTTLS) as its first user, remembers what it
 * announced in @dir, and disconnects. */
static void
connect_and_remember (PetrelTestServers *servers,
                      const char        *dir)
{
  g_autoptr(PetrelSmtpClient) client = NULL;
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) closed = NULL;
  g_autoptr(GError) error = NULL;
  Waiter waiter = { NULL };
  Waiter close_waiter = { NULL };

  client = petrel_smtp_client_new (petrel_test_servers_get_host (servers),
                                   petrel_test_servers_get_smtp_port (servers),
                                   PETREL_SMTP_SECURITY_STARTTLS);
  petrel_smtp_client_set_timeout (client, 30000);
  database = g_tls_file_database_new (petrel_test_servers_get_ca_file (servers), &error);
  g_assert_no_error (error);
  petrel_smtp_client_set_tls_database (client, database);
  petrel_smtp_client_set_password (client, petrel_test_servers_get_user (servers, 0),
                                   petrel_test_servers_get_password (servers, 0));

  petrel_smtp_client_connect_async (client, NULL, waiter_cb, &waiter);
  result = waiter_wait (&waiter);
  g_assert_true (petrel_smtp_client_connect_finish (client, result, &error));
  g_assert_no_error (error);

  g_assert_true (petrel_smtp_size_limit_remember (dir, client, &error));
  g_assert_no_error (error);

  petrel_smtp_client_close_async (client, NULL, waiter_cb, &close_waiter);
  closed = waiter_wait (&close_waiter);
  petrel_smtp_client_close_finish (client, closed, NULL);
}

static void
test_remember_from_server (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PetrelTestServers) servers = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;

  servers = petrel_test_servers_start (&error);
  if (g_error_matches (error, PETREL_TEST_SERVERS_ERROR, PETREL_TEST_SERVERS_ERROR_UNAVAILABLE))
    {
      g_test_skip ("the test servers (Dovecot, aiosmtpd) are not installed");
      return;
    }
  g_assert_no_error (error);

  dir = g_dir_make_tmp ("petrel-smtp-size-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, PETREL_SMTP_SIZE_LIMIT_FILE, NULL);

  /* Never connected: not known. */
  g_assert_cmpuint (petrel_smtp_size_limit_load (dir), ==, 0);

  /* The harness announces 25 MiB by default. */
  connect_and_remember (servers, dir);
  g_assert_cmpuint (petrel_smtp_size_limit_load (dir), ==, 25 * 1024 * 1024);

  /* A changed limit replaces the remembered one. */
  g_assert_true (petrel_test_servers_smtp_set_size_limit (servers, 4096, &error));
  g_assert_no_error (error);
  connect_and_remember (servers, dir);
  g_assert_cmpuint (petrel_smtp_size_limit_load (dir), ==, 4096);

  /* Damaged or foreign contents read as "not known", without a warning. */
  g_assert_true (g_file_set_contents (path, "big\n", -1, &error));
  g_assert_cmpuint (petrel_smtp_size_limit_load (dir), ==, 0);
  g_assert_true (g_file_set_contents (path, "-5", -1, &error));
  g_assert_cmpuint (petrel_smtp_size_limit_load (dir), ==, 0);
  g_assert_true (g_file_set_contents (path, "0", -1, &error));
  g_assert_cmpuint (petrel_smtp_size_limit_load (dir), ==, 0);

  /* The next connection writes it again. */
  connect_and_remember (servers, dir);
  g_assert_cmpuint (petrel_smtp_size_limit_load (dir), ==, 4096);

  g_assert_true (petrel_test_servers_smtp_reset (servers, &error));
  g_assert_no_error (error);
  g_remove (path);
  g_rmdir (dir);
}

static void
test_missing_dir (void)
{
  g_autofree char *dir = g_build_filename (g_get_tmp_dir (), "petrel-no-such-dir-for-size",
                                           "deeper", NULL);

  g_assert_cmpuint (petrel_smtp_size_limit_load (dir), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  petrel_engine_init ();

  g_test_add_func ("/petrel/smtp/size-limit/missing", test_missing_dir);
  g_test_add_func ("/petrel/smtp/size-limit/server", test_remember_from_server);

  return g_test_run ();
}
