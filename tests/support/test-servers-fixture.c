/* test-servers-fixture.c: checks the C fixture for the private test servers
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "petrel-test-servers.h"

#include <stdio.h>
#include <string.h>

#define IO_TIMEOUT_SECONDS 30

static PetrelTestServers *servers;

static GIOStream *
connect_plain (guint16 port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  GSocketConnection *connection;

  g_socket_client_set_timeout (client, IO_TIMEOUT_SECONDS);
  connection = g_socket_client_connect_to_host (client, petrel_test_servers_get_host (servers),
                                                port, NULL, &error);
  g_assert_no_error (error);
  return G_IO_STREAM (connection);
}

/* A TLS client connection to the IMAPS port, validating against @database (NULL: the
 * system's default database, which does not know the test CA). */
static GIOStream *
connect_imaps (GTlsDatabase *database,
               GError      **error)
{
  g_autoptr(GIOStream) base = connect_plain (petrel_test_servers_get_imaps_port (servers));
  g_autoptr(GSocketConnectable) identity = NULL;
  g_autoptr(GIOStream) tls = NULL;

  identity = g_network_address_new (petrel_test_servers_get_host (servers),
                                    petrel_test_servers_get_imaps_port (servers));
  tls = g_tls_client_connection_new (base, identity, error);
  if (tls == NULL)
    return NULL;
  if (database != NULL)
    g_tls_connection_set_database (G_TLS_CONNECTION (tls), database);
  if (!g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, error))
    return NULL;
  return g_steal_pointer (&tls);
}

static char *
read_line (GDataInputStream *input)
{
  g_autoptr(GError) error = NULL;
  char *line;

  line = g_data_input_stream_read_line_utf8 (input, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  return line;
}

static void
write_line (GIOStream  *stream,
            const char *line)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data = g_strconcat (line, "\r\n", NULL);

  g_output_stream_write_all (g_io_stream_get_output_stream (stream), data, strlen (data), NULL,
                             NULL, &error);
  g_assert_no_error (error);
}

static void
test_info (void)
{
  guint16 ports[] = {
    petrel_test_servers_get_imap_port (servers),
    petrel_test_servers_get_imaps_port (servers),
    petrel_test_servers_get_smtp_port (servers),
    petrel_test_servers_get_smtps_port (servers),
  };

  g_assert_cmpstr (petrel_test_servers_get_host (servers), ==, "127.0.0.1");
  for (guint i = 0; i < G_N_ELEMENTS (ports); i++)
    {
      g_assert_cmpuint (ports[i], >, 0);
      for (guint j = 0; j < i; j++)
        g_assert_cmpuint (ports[i], !=, ports[j]);
    }

  g_assert_true (g_file_test (petrel_test_servers_get_ca_file (servers), G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (petrel_test_servers_get_dir (servers), G_FILE_TEST_IS_DIR));
  g_assert_true (g_file_test (petrel_test_servers_get_maildir_root (servers),
                              G_FILE_TEST_IS_DIR));

  g_assert_cmpuint (petrel_test_servers_get_n_users (servers), >=, 2);
  for (guint i = 0; i < petrel_test_servers_get_n_users (servers); i++)
    {
      g_autofree char *email = g_strconcat (petrel_test_servers_get_user (servers, i),
                                            "@example.test", NULL);

      g_assert_cmpstr (petrel_test_servers_get_email (servers, i), ==, email);
      g_assert_cmpuint (strlen (petrel_test_servers_get_password (servers, i)), >=, 12);
      g_assert_nonnull (petrel_test_servers_get_name (servers, i));
    }
  g_assert_cmpstr (petrel_test_servers_get_password (servers, 0), !=,
                   petrel_test_servers_get_password (servers, 1));
}

static void
test_imaps_trusted (void)
{
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(GDataInputStream) input = NULL;
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *greeting = NULL;

  database = petrel_test_servers_dup_tls_database (servers, &error);
  g_assert_no_error (error);
  tls = connect_imaps (database, &error);
  g_assert_no_error (error);

  input = g_data_input_stream_new (g_io_stream_get_input_stream (tls));
  greeting = read_line (input);
  g_assert_true (g_str_has_prefix (greeting, "* OK"));

  write_line (tls, "a LOGOUT");
}

static void
test_imaps_untrusted (void)
{
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GError) error = NULL;

  tls = connect_imaps (NULL, &error);
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_assert_null (tls);
}

static void
test_imap_needs_starttls (void)
{
  g_autoptr(GIOStream) stream = connect_plain (petrel_test_servers_get_imap_port (servers));
  g_autoptr(GDataInputStream) input = NULL;
  g_autofree char *greeting = NULL;

  input = g_data_input_stream_new (g_io_stream_get_input_stream (stream));
  greeting = read_line (input);
  g_assert_true (g_str_has_prefix (greeting, "* OK"));
  g_assert_nonnull (strstr (greeting, "STARTTLS"));
  g_assert_nonnull (strstr (greeting, "LOGINDISABLED"));
  write_line (stream, "a LOGOUT");
}

/* Reads an SMTP EHLO reply on the plain submission port; returns its SIZE value. */
static guint64
smtp_advertised_size (void)
{
  g_autoptr(GIOStream) stream = connect_plain (petrel_test_servers_get_smtp_port (servers));
  g_autoptr(GDataInputStream) input = NULL;
  g_autofree char *greeting = NULL;
  guint64 size = 0;

  input = g_data_input_stream_new (g_io_stream_get_input_stream (stream));
  greeting = read_line (input);
  g_assert_true (g_str_has_prefix (greeting, "220 "));

  write_line (stream, "EHLO client.example.test");
  for (;;)
    {
      g_autofree char *line = read_line (input);

      g_assert_true (g_str_has_prefix (line, "250"));
      if (g_str_has_prefix (line + 4, "SIZE "))
        size = g_ascii_strtoull (line + 9, NULL, 10);
      if (line[3] == ' ')
        break;
    }
  write_line (stream, "QUIT");
  return size;
}

static void
test_smtp_control (void)
{
  g_autoptr(GError) error = NULL;
  guint64 default_size = smtp_advertised_size ();

  g_assert_cmpuint (default_size, >, 0);

  petrel_test_servers_smtp_set_size_limit (servers, 12345, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (smtp_advertised_size (), ==, 12345);

  petrel_test_servers_smtp_reject_recipient (servers, "bob@example.test",
                                             "452 4.2.2 Mailbox full", &error);
  g_assert_no_error (error);
  petrel_test_servers_smtp_set_data_reply (servers, "554 5.6.0 Rejected", &error);
  g_assert_no_error (error);

  petrel_test_servers_smtp_reset (servers, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (smtp_advertised_size (), ==, default_size);

  /* Only 4xx/5xx lines may reject a recipient. */
  g_assert_false (petrel_test_servers_smtp_reject_recipient (servers, "bob@example.test",
                                                             "250 fine", &error));
  g_assert_error (error, PETREL_TEST_SERVERS_ERROR, PETREL_TEST_SERVERS_ERROR_REFUSED);
}

static guint
count_files (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) error = NULL;
  guint n = 0;

  dir = g_dir_open (path, 0, &error);
  g_assert_no_error (error);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

static void
test_seed (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *cur = NULL;

  petrel_test_servers_seed (servers, "alice", "Archive", 25, 3, &error);
  g_assert_no_error (error);

  cur = g_build_filename (petrel_test_servers_get_maildir_root (servers), "alice", ".Archive",
                          "cur", NULL);
  g_assert_cmpuint (count_files (cur), ==, 25);

  g_assert_false (petrel_test_servers_seed (servers, "../escape", "INBOX", 1, 0, &error));
  g_assert_error (error, PETREL_TEST_SERVERS_ERROR, PETREL_TEST_SERVERS_ERROR_FAILED);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  servers = petrel_test_servers_start (&error);
  if (servers == NULL)
    {
      /* TAP: stop the whole run with the reason. */
      printf ("Bail out! %s\n", error->message);
      return 1;
    }

  g_test_add_func ("/petrel/test-support/servers/info", test_info);
  g_test_add_func ("/petrel/test-support/servers/imaps-trusted", test_imaps_trusted);
  g_test_add_func ("/petrel/test-support/servers/imaps-untrusted", test_imaps_untrusted);
  g_test_add_func ("/petrel/test-support/servers/imap-needs-starttls", test_imap_needs_starttls);
  g_test_add_func ("/petrel/test-support/servers/smtp-control", test_smtp_control);
  g_test_add_func ("/petrel/test-support/servers/seed", test_seed);

  status = g_test_run ();
  g_clear_pointer (&servers, petrel_test_servers_stop);
  return status;
}
