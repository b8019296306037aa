/* bench-imap-client.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * build-aux/bench imap: streams one `UID FETCH <set> <items>` through the engine's
 * PetrelImapClient (connect over implicit TLS, log in, EXAMINE, fetch, LOGOUT) with a callback
 * that only counts the decoded FETCH items, the way the sync layer consumes them.
 *
 *   bench-imap-client --port PORT --ca-file PEM --user USER [--host 127.0.0.1]
 *                     [--mailbox INBOX] [--items "(UID FLAGS …)"] [--no-compress]  < password
 *
 * Prints one JSON object: {"fetched", "with_envelope", "with_bodystructure", "compressed",
 * "fetch_seconds", "fetch_cpu_seconds", "total_seconds", "maxrss_kb"}. fetch_seconds runs from
 * queueing the FETCH to its completion callback, as bench-fetch-raw measures it;
 * fetch_cpu_seconds is the CPU time (user + system, all threads) spent meanwhile.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <gio/gio.h>

#include "imap/petrel-imap-client.h"

typedef struct
{
  GMainLoop *loop;
  PetrelImapClient *client;
  char *mailbox;
  char *items;
  GError *error;

  guint64 fetched;
  guint64 with_envelope;
  guint64 with_bodystructure;
  gint64 t_fetch;
  gint64 t_fetched;
  double cpu_fetch;
  gboolean compressed;
} Bench;

/* CPU time (user + system, all threads) this process has used so far, in seconds. */
static double
cpu_seconds (void)
{
  struct rusage usage;

  if (getrusage (RUSAGE_SELF, &usage) != 0)
    return 0;
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
         usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

static void
stop_with_error (Bench  *bench,
                 GError *error)
{
  if (bench->error == NULL)
    bench->error = error;
  else
    g_error_free (error);
  g_main_loop_quit (bench->loop);
}

static void
on_logout_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Bench *bench = user_data;
  GError *error = NULL;

  if (!petrel_imap_client_logout_finish (PETREL_IMAP_CLIENT (object), result, &error))
    {
      stop_with_error (bench, error);
      return;
    }
  g_main_loop_quit (bench->loop);
}

static void
on_fetch_item_cb (PetrelImapClient      *client,
                  PetrelImapResponse    *response,
                  const PetrelImapFetch *fetch,
                  gpointer               user_data)
{
  Bench *bench = user_data;

  bench->fetched++;
  if (fetch->items & PETREL_IMAP_FETCH_ENVELOPE)
    bench->with_envelope++;
  if (fetch->items & PETREL_IMAP_FETCH_BODYSTRUCTURE)
    bench->with_bodystructure++;
}

static void
on_fetch_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  Bench *bench = user_data;
  GError *error = NULL;

  bench->t_fetched = g_get_monotonic_time ();
  bench->cpu_fetch = cpu_seconds () - bench->cpu_fetch;
  bench->compressed = petrel_imap_client_is_compressed (bench->client);
  if (!petrel_imap_client_uid_fetch_finish (PETREL_IMAP_CLIENT (object), result, NULL, &error))
    {
      stop_with_error (bench, error);
      return;
    }
  petrel_imap_client_logout_async (bench->client, NULL, on_logout_cb, bench);
}

static void
on_examine_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Bench *bench = user_data;
  GError *error = NULL;
  g_autoptr(PetrelImapMailboxState) state = NULL;
  g_autoptr(PetrelImapSeqSet) uids = NULL;

  state = petrel_imap_client_select_finish (PETREL_IMAP_CLIENT (object), result, &error);
  if (state == NULL)
    {
      stop_with_error (bench, error);
      return;
    }

  /* 1:* — the largest UID stands for "*", as in the raw baseline's "1:*". */
  uids = petrel_imap_seqset_new_range (1, G_MAXUINT32);
  bench->cpu_fetch = cpu_seconds ();
  bench->t_fetch = g_get_monotonic_time ();
  petrel_imap_client_uid_fetch_async (bench->client, uids, bench->items, 0,
                                      PETREL_IMAP_FETCH_OPTION_NONE,
                                      on_fetch_item_cb, bench, NULL,
                                      NULL, on_fetch_cb, bench);
}

static void
on_connect_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Bench *bench = user_data;
  GError *error = NULL;

  if (!petrel_imap_client_connect_finish (PETREL_IMAP_CLIENT (object), result, &error))
    {
      stop_with_error (bench, error);
      return;
    }
  petrel_imap_client_select_async (bench->client, bench->mailbox, TRUE, FALSE, NULL,
                                   NULL, NULL, NULL, NULL, on_examine_cb, bench);
}

/* Peak resident memory of this process in KiB. Not getrusage(): Linux carries the parent's
 * high-water mark across fork + exec into ru_maxrss, so a child of a big Python reports its
 * parent's peak. VmHWM is this address space's own. */
static long
peak_rss_kb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmHWM:");
  if (line == NULL)
    return -1;
  return strtol (line + strlen ("VmHWM:"), NULL, 10);
}

static char *
read_password (void)
{
  char line[4096];
  gsize len;

  if (fgets (line, sizeof line, stdin) == NULL)
    return NULL;
  len = strlen (line);
  while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
    line[--len] = '\0';
  return g_strdup (line);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *host = g_strdup ("127.0.0.1");
  int port = 0;
  g_autofree char *ca_file = NULL;
  g_autofree char *user = NULL;
  g_autofree char *mailbox = g_strdup ("INBOX");
  g_autofree char *items = g_strdup ("(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE)");
  gboolean no_compress = FALSE;
  GOptionEntry entries[] = {
    { "host", 0, 0, G_OPTION_ARG_STRING, &host, "Server address (loopback only)", "ADDR" },
    { "port", 0, 0, G_OPTION_ARG_INT, &port, "Implicit-TLS IMAP port", "PORT" },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file, "CA certificate to trust", "PEM" },
    { "user", 0, 0, G_OPTION_ARG_STRING, &user, "Login name (password on stdin)", "USER" },
    { "mailbox", 0, 0, G_OPTION_ARG_STRING, &mailbox, "Mailbox to EXAMINE", "NAME" },
    { "items", 0, 0, G_OPTION_ARG_STRING, &items, "FETCH items", "ITEMS" },
    { "no-compress", 0, 0, G_OPTION_ARG_NONE, &no_compress,
      "Do not turn on COMPRESS=DEFLATE (the client's default is to)", NULL },
    { NULL },
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(PetrelImapClient) client = NULL;
  g_autofree char *password = NULL;
  Bench bench = { 0 };
  gint64 t_start;

  t_start = g_get_monotonic_time ();

  context = g_option_context_new ("< password");
  g_option_context_set_summary (context, "Streams one UID FETCH through PetrelImapClient "
                                         "(build-aux/bench imap).");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-imap-client: %s\n", error->message);
      return 2;
    }
  if (port <= 0 || port > 65535 || ca_file == NULL || user == NULL)
    {
      g_printerr ("bench-imap-client: --port, --ca-file and --user are required\n");
      return 2;
    }
  if (!g_str_equal (host, "127.0.0.1") && !g_str_equal (host, "::1"))
    {
      g_printerr ("bench-imap-client: only loopback addresses are allowed\n");
      return 2;
    }
  password = read_password ();
  if (password == NULL)
    {
      g_printerr ("bench-imap-client: no password on stdin\n");
      return 2;
    }

  database = g_tls_file_database_new (ca_file, &error);
  if (database == NULL)
    {
      g_printerr ("bench-imap-client: %s\n", error->message);
      return 1;
    }

  loop = g_main_loop_new (NULL, FALSE);
  client = petrel_imap_client_new (host, (guint16) port, PETREL_IMAP_SECURITY_TLS);
  petrel_imap_client_set_tls_database (client, database);
  petrel_imap_client_set_user (client, user);
  petrel_imap_client_set_password (client, password);
  memset (password, 0, strlen (password));
  petrel_imap_client_set_auto_compress (client, !no_compress);
  petrel_imap_client_set_timeout (client, 300000);

  bench.loop = loop;
  bench.client = client;
  bench.mailbox = mailbox;
  bench.items = items;

  petrel_imap_client_connect_async (client, NULL, on_connect_cb, &bench);
  g_main_loop_run (loop);

  if (bench.error != NULL)
    {
      g_printerr ("bench-imap-client: %s\n", bench.error->message);
      g_error_free (bench.error);
      return 1;
    }

  g_print ("{\"fetched\": %" G_GUINT64_FORMAT ", \"with_envelope\": %" G_GUINT64_FORMAT
           ", \"with_bodystructure\": %" G_GUINT64_FORMAT ", \"compressed\": %s"
           ", \"fetch_seconds\": %.6f, \"fetch_cpu_seconds\": %.6f, \"total_seconds\": %.6f"
           ", \"maxrss_kb\": %ld}\n",
           bench.fetched, bench.with_envelope, bench.with_bodystructure,
           bench.compressed ? "true" : "false",
           (bench.t_fetched - bench.t_fetch) / 1e6, bench.cpu_fetch,
           (g_get_monotonic_time () - t_start) / 1e6, peak_rss_kb ());
  return 0;
}
