/* bench-imap.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Streams `UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE)` of a seeded
 * mailbox from the test Dovecot, once through PetrelImapClient (plain and with COMPRESS) and once
 * over a raw TLS socket that reads and discards, and prints the time and the peak RSS.
 *
 *   bench-imap [N]      (default 10000 messages; PETREL_BENCH_MESSAGES also works)
 *
 * Not a test: it asserts nothing about speed. Run with `meson test --benchmark` or directly. */

#include "config.h"

#include <string.h>
#include <sys/resource.h>

#include "imap/petrel-imap.h"
#include "imap/petrel-imap-client.h"
#include "petrel-test-servers.h"

#define FETCH_ITEMS "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE)"
#define MAILBOX "Bench"

static PetrelTestServers *servers;
static GTlsDatabase *database;

static guint64
peak_rss_kib (void)
{
  struct rusage usage;

  if (getrusage (RUSAGE_SELF, &usage) != 0)
    return 0;
  return usage.ru_maxrss;
}

static void
store_result_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *result;
}

static void
count_cb (PetrelImapClient      *client,
          PetrelImapResponse    *response,
          const PetrelImapFetch *fetch,
          gpointer               user_data)
{
  (*(guint *) user_data)++;
}

static gboolean
bench_petrel (gboolean   compress,
              guint      expected,
              GError   **error)
{
  g_autoptr(PetrelImapClient) client = NULL;
  g_autoptr(PetrelImapMailboxState) state = NULL;
  g_autoptr(PetrelImapSeqSet) all = petrel_imap_seqset_new_range (1, G_MAXUINT32);
  g_autoptr(GAsyncResult) result = NULL;
  gint64 start;
  guint count = 0;
  double seconds;

  client = petrel_imap_client_new (petrel_test_servers_get_host (servers),
                                   petrel_test_servers_get_imaps_port (servers),
                                   PETREL_IMAP_SECURITY_TLS);
  petrel_imap_client_set_tls_database (client, database);
  petrel_imap_client_set_user (client, petrel_test_servers_get_user (servers, 1));
  petrel_imap_client_set_password (client, petrel_test_servers_get_password (servers, 1));
  petrel_imap_client_set_auto_compress (client, compress);

  start = g_get_monotonic_time ();
  petrel_imap_client_connect_async (client, NULL, store_result_cb, &result);
  if (!petrel_imap_client_connect_finish (client, wait_result (&result), error))
    return FALSE;
  g_clear_object (&result);
  petrel_imap_client_select_async (client, MAILBOX, TRUE, FALSE, NULL, NULL, NULL, NULL, NULL,
                                   store_result_cb, &result);
  state = petrel_imap_client_select_finish (client, wait_result (&result), error);
  if (state == NULL)
    return FALSE;
  g_clear_object (&result);
  petrel_imap_client_uid_fetch_async (client, all, FETCH_ITEMS, 0, 0, count_cb, &count, NULL,
                                      NULL, store_result_cb, &result);
  if (!petrel_imap_client_uid_fetch_finish (client, wait_result (&result), NULL, error))
    return FALSE;
  seconds = (g_get_monotonic_time () - start) / 1e6;
  g_clear_object (&result);
  petrel_imap_client_logout_async (client, NULL, store_result_cb, &result);
  petrel_imap_client_logout_finish (client, wait_result (&result), NULL);

  g_print ("petrel%s: %u messages in %.2f s (%.0f messages/s), peak RSS %.1f MiB\n",
           compress ? " (COMPRESS)" : "", count, seconds, count / seconds,
           peak_rss_kib () / 1024.0);
  if (count != expected)
    g_printerr ("bench-imap: expected %u messages, got %u\n", expected, count);
  return TRUE;
}

static gboolean
contains_tag_line (const guint8 *data,
                   gsize         len)
{
  for (gsize i = 0; i + 4 <= len; i++)
    if (memcmp (data + i, "\nr3 ", 4) == 0)
      return TRUE;
  return FALSE;
}

static char *
quote (const char *text)
{
  GString *quoted = g_string_new ("\"");

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (quoted, '\\');
      g_string_append_c (quoted, *p);
    }
  g_string_append_c (quoted, '"');
  return g_string_free (quoted, FALSE);
}

/* The floor: the same bytes over TLS, read into a buffer and thrown away. */
static gboolean
bench_raw (GError **error)
{
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GSocketConnectable) identity = NULL;
  g_autofree char *user = quote (petrel_test_servers_get_user (servers, 1));
  g_autofree char *password = quote (petrel_test_servers_get_password (servers, 1));
  g_autofree char *commands = NULL;
  g_autofree guint8 *buffer = g_malloc (64 * 1024);
  guint8 tail[3] = { 0, 0, 0 };
  guint64 total = 0;
  gint64 start;
  double seconds;

  start = g_get_monotonic_time ();
  connection = g_socket_client_connect_to_host (socket_client,
                                                petrel_test_servers_get_host (servers),
                                                petrel_test_servers_get_imaps_port (servers),
                                                NULL, error);
  if (connection == NULL)
    return FALSE;
  identity = g_network_address_new (petrel_test_servers_get_host (servers),
                                    petrel_test_servers_get_imaps_port (servers));
  tls = g_tls_client_connection_new (G_IO_STREAM (connection), identity, error);
  if (tls == NULL)
    return FALSE;
  g_tls_connection_set_database (G_TLS_CONNECTION (tls), database);
  if (!g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, error))
    return FALSE;

  commands = g_strdup_printf ("r1 LOGIN %s %s\r\nr2 EXAMINE " MAILBOX "\r\n"
                              "r3 UID FETCH 1:* " FETCH_ITEMS "\r\n", user, password);
  if (!g_output_stream_write_all (g_io_stream_get_output_stream (tls), commands,
                                  strlen (commands), NULL, NULL, error))
    return FALSE;
  explicit_bzero (commands, strlen (commands));

  for (;;)
    {
      gssize n = g_input_stream_read (g_io_stream_get_input_stream (tls), buffer, 64 * 1024,
                                      NULL, error);
      guint8 seam[6];

      if (n < 0)
        return FALSE;
      if (n == 0)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "connection closed");
          return FALSE;
        }
      total += n;
      /* The tagged answer "\nr3 " may straddle two reads. */
      memcpy (seam, tail, 3);
      memcpy (seam + 3, buffer, MIN (n, 3));
      if (contains_tag_line (seam, 3 + MIN (n, 3)) || contains_tag_line (buffer, n))
        break;
      if (n >= 3)
        memcpy (tail, buffer + n - 3, 3);
    }
  seconds = (g_get_monotonic_time () - start) / 1e6;
  g_print ("raw TLS read-and-discard: %.1f MiB in %.2f s\n", total / 1048576.0, seconds);
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  const char *env = g_getenv ("PETREL_BENCH_MESSAGES");
  guint n = 10000;
  gint64 start;

  if (argc > 1)
    n = g_ascii_strtoull (argv[1], NULL, 10);
  else if (env != NULL)
    n = g_ascii_strtoull (env, NULL, 10);
  if (n == 0)
    {
      g_printerr ("usage: bench-imap [N]\n");
      return 2;
    }

  servers = petrel_test_servers_start (&error);
  if (servers == NULL)
    {
      g_printerr ("bench-imap: %s\n", error->message);
      return 77;
    }
  database = petrel_test_servers_dup_tls_database (servers, &error);
  if (database == NULL)
    goto fail;

  start = g_get_monotonic_time ();
  if (!petrel_test_servers_seed (servers, petrel_test_servers_get_user (servers, 1), MAILBOX, n,
                                 1, &error))
    goto fail;
  g_print ("seeded %u messages in %.1f s\n", n, (g_get_monotonic_time () - start) / 1e6);

  /* The first pass also lets Dovecot build its index and cache. */
  if (!bench_raw (&error) || !bench_raw (&error) ||
      !bench_petrel (FALSE, n, &error) || !bench_petrel (TRUE, n, &error))
    goto fail;

  g_clear_object (&database);
  petrel_test_servers_stop (servers);
  return 0;

fail:
  g_printerr ("bench-imap: %s\n", error->message);
  g_clear_object (&database);
  petrel_test_servers_stop (servers);
  return 1;
}
