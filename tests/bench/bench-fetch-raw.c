/* bench-fetch-raw.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The baseline of build-aux/bench: the least a client can do to receive a FETCH response.
 * Connects over implicit TLS (GIO + GnuTLS, the TLS stack Petrel uses), logs in with
 * AUTHENTICATE PLAIN, optionally turns on COMPRESS=DEFLATE, EXAMINEs a mailbox, sends one
 * `UID FETCH <set> <items>` and reads the answer into a buffer until the tagged completion,
 * skipping literals by their announced size and counting the untagged FETCH lines, then
 * discards it all. No parsing beyond that, no allocation per message.
 *
 *   bench-fetch-raw --port PORT --ca-file PEM --user USER [--host 127.0.0.1] [--mailbox INBOX]
 *                   [--items "(UID FLAGS)"] [--uids 1:*] [--compress]  < password
 *
 * Prints one JSON object: {"fetched", "bytes", "wire_bytes", "fetch_seconds", "fetch_cpu_seconds",
 * "total_seconds", "maxrss_kb"}. fetch_seconds runs from just before the FETCH is written to the
 * tagged OK; fetch_cpu_seconds is the CPU time (user + system) this process spent meanwhile.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <gio/gio.h>
#include <zlib.h>

#define BUF_SIZE (256 * 1024)

typedef struct
{
  GIOStream *tls;
  GInputStream *in;
  GOutputStream *out;

  /* Plaintext (after TLS and, when on, inflate) waiting to be scanned: buf[pos..len). */
  char *buf;
  gsize pos;
  gsize len;

  gboolean compressed;
  z_stream inflater;
  z_stream deflater;
  char *wire;                   /* compressed bytes read from TLS, not inflated yet */
  gsize wire_len;

  guint64 bytes;                /* plaintext bytes received */
  guint64 wire_bytes;           /* bytes received from the TLS layer */
  guint tag_counter;
} Conn;

static gboolean
fail (GError **error,
      const char *format,
      ...) G_GNUC_PRINTF (2, 3);

static gboolean
fail (GError    **error,
      const char *format,
      ...)
{
  va_list args;

  va_start (args, format);
  if (error != NULL)
    *error = g_error_new_valist (G_IO_ERROR, G_IO_ERROR_FAILED, format, args);
  va_end (args);
  return FALSE;
}

/* Appends more plaintext to conn->buf; FALSE at EOF or on error. */
static gboolean
fill (Conn    *conn,
      GError **error)
{
  gssize n;

  if (conn->pos > 0)
    {
      memmove (conn->buf, conn->buf + conn->pos, conn->len - conn->pos);
      conn->len -= conn->pos;
      conn->pos = 0;
    }
  if (conn->len == BUF_SIZE)
    return fail (error, "a line longer than %d bytes", BUF_SIZE);

  if (!conn->compressed)
    {
      n = g_input_stream_read (conn->in, conn->buf + conn->len, BUF_SIZE - conn->len, NULL, error);
      if (n < 0)
        return FALSE;
      if (n == 0)
        return fail (error, "the server closed the connection");
      conn->len += n;
      conn->bytes += n;
      conn->wire_bytes += n;
      return TRUE;
    }

  for (;;)
    {
      int rc;
      gsize produced;

      if (conn->wire_len == 0)
        {
          n = g_input_stream_read (conn->in, conn->wire, BUF_SIZE, NULL, error);
          if (n < 0)
            return FALSE;
          if (n == 0)
            return fail (error, "the server closed the connection");
          conn->wire_len = n;
          conn->wire_bytes += n;
          conn->inflater.next_in = (Bytef *) conn->wire;
          conn->inflater.avail_in = n;
        }
      conn->inflater.next_out = (Bytef *) conn->buf + conn->len;
      conn->inflater.avail_out = BUF_SIZE - conn->len;
      rc = inflate (&conn->inflater, Z_SYNC_FLUSH);
      if (rc != Z_OK && rc != Z_BUF_ERROR && rc != Z_STREAM_END)
        return fail (error, "inflate failed (%d)", rc);
      conn->wire_len = conn->inflater.avail_in;
      produced = (BUF_SIZE - conn->len) - conn->inflater.avail_out;
      conn->len += produced;
      conn->bytes += produced;
      if (produced > 0)
        return TRUE;
      if (conn->wire_len > 0 && conn->len == BUF_SIZE)
        return fail (error, "inflate made no progress");
    }
}

static gboolean
send_line (Conn        *conn,
           const char  *line,
           GError     **error)
{
  g_autofree char *data = g_strconcat (line, "\r\n", NULL);
  gsize len = strlen (data);

  if (conn->compressed)
    {
      guchar out[4096];

      conn->deflater.next_in = (Bytef *) data;
      conn->deflater.avail_in = len;
      do
        {
          conn->deflater.next_out = out;
          conn->deflater.avail_out = sizeof out;
          if (deflate (&conn->deflater, Z_SYNC_FLUSH) == Z_STREAM_ERROR)
            return fail (error, "deflate failed");
          if (!g_output_stream_write_all (conn->out, out, sizeof out - conn->deflater.avail_out,
                                          NULL, NULL, error))
            return FALSE;
        }
      while (conn->deflater.avail_out == 0);
      return TRUE;
    }

  return g_output_stream_write_all (conn->out, data, len, NULL, NULL, error);
}

/* The literal size announced at the end of a line ("{123}", "{123+}", "~{123}"), or -1. */
static gint64
literal_size (const char *line,
              gsize       len)
{
  gsize end;
  gsize i;
  gint64 n = 0;

  if (len < 3 || line[len - 1] != '}')
    return -1;
  end = len - 1;
  if (line[end - 1] == '+')
    end--;
  i = end;
  while (i > 0 && g_ascii_isdigit (line[i - 1]))
    i--;
  if (i == end || i == 0 || line[i - 1] != '{' || end - i > 15)
    return -1;
  for (gsize j = i; j < end; j++)
    n = n * 10 + (line[j] - '0');
  return n;
}

/*
 * Reads responses until the one tagged @tag. With @out_fetched, counts untagged FETCH
 * responses. With @out_status, returns the text after the tag (“OK …”).
 */
static gboolean
read_until_tagged (Conn        *conn,
                   const char  *tag,
                   guint64     *out_fetched,
                   char       **out_status,
                   GError     **error)
{
  gsize tag_len = strlen (tag);
  gboolean at_start = TRUE;
  guint64 fetched = 0;

  for (;;)
    {
      char *line = conn->buf + conn->pos;
      char *nl = memchr (line, '\n', conn->len - conn->pos);
      gsize line_len;
      gint64 literal;

      if (nl == NULL)
        {
          if (!fill (conn, error))
            return FALSE;
          continue;
        }
      line_len = nl - line;
      if (line_len > 0 && line[line_len - 1] == '\r')
        line_len--;

      if (at_start)
        {
          if (line_len > 2 && line[0] == '*' && line[1] == ' ')
            {
              /* "* 123 FETCH (" */
              const char *p = line + 2;
              const char *end = line + line_len;

              while (p < end && g_ascii_isdigit (*p))
                p++;
              if (p + 6 < end && memcmp (p, " FETCH", 6) == 0)
                fetched++;
            }
          else if (line_len > tag_len && memcmp (line, tag, tag_len) == 0 && line[tag_len] == ' ')
            {
              g_autofree char *status = g_strndup (line + tag_len + 1, line_len - tag_len - 1);

              conn->pos = nl + 1 - conn->buf;
              if (!g_str_has_prefix (status, "OK"))
                return fail (error, "%s %s", tag, status);
              if (out_fetched != NULL)
                *out_fetched = fetched;
              if (out_status != NULL)
                *out_status = g_steal_pointer (&status);
              return TRUE;
            }
        }

      literal = literal_size (line, line_len);
      conn->pos = nl + 1 - conn->buf;
      at_start = literal < 0;
      while (literal > 0)
        {
          gsize avail = conn->len - conn->pos;

          if (avail == 0)
            {
              conn->pos = conn->len = 0;
              if (!fill (conn, error))
                return FALSE;
              continue;
            }
          avail = MIN (avail, (guint64) literal);
          conn->pos += avail;
          literal -= avail;
        }
    }
}

static gboolean
command (Conn        *conn,
         const char  *text,
         guint64     *out_fetched,
         GError     **error)
{
  g_autofree char *tag = g_strdup_printf ("R%04u", ++conn->tag_counter);
  g_autofree char *line = g_strdup_printf ("%s %s", tag, text);

  return send_line (conn, line, error) &&
         read_until_tagged (conn, tag, out_fetched, NULL, error);
}

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

static char *
quote_mailbox (const char *name)
{
  GString *s = g_string_new ("\"");

  for (const char *p = name; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (s, '\\');
      g_string_append_c (s, *p);
    }
  g_string_append_c (s, '"');
  return g_string_free (s, FALSE);
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
  g_autofree char *uids = g_strdup ("1:*");
  gboolean compress = FALSE;
  GOptionEntry entries[] = {
    { "host", 0, 0, G_OPTION_ARG_STRING, &host, "Server address (loopback only)", "ADDR" },
    { "port", 0, 0, G_OPTION_ARG_INT, &port, "Implicit-TLS IMAP port", "PORT" },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file, "CA certificate to trust", "PEM" },
    { "user", 0, 0, G_OPTION_ARG_STRING, &user, "Login name (password on stdin)", "USER" },
    { "mailbox", 0, 0, G_OPTION_ARG_STRING, &mailbox, "Mailbox to EXAMINE", "NAME" },
    { "items", 0, 0, G_OPTION_ARG_STRING, &items, "FETCH items", "ITEMS" },
    { "uids", 0, 0, G_OPTION_ARG_STRING, &uids, "UID set", "SET" },
    { "compress", 0, 0, G_OPTION_ARG_NONE, &compress, "Turn on COMPRESS=DEFLATE", NULL },
    { NULL },
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketClient) client = NULL;
  g_autoptr(GSocketConnection) tcp = NULL;
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(GSocketConnectable) identity = NULL;
  g_autoptr(GIOStream) tls = NULL;
  g_autofree char *password = NULL;
  g_autofree char *plain = NULL;
  g_autofree char *auth = NULL;
  g_autofree char *quoted = NULL;
  g_autofree char *examine = NULL;
  g_autofree char *fetch = NULL;
  g_autofree char *greeting = NULL;
  gsize plain_len;
  guint64 fetched = 0;
  gint64 t_start;
  gint64 t_fetch;
  gint64 t_fetched;
  double cpu_fetch;
  Conn conn = { 0 };

  t_start = g_get_monotonic_time ();

  context = g_option_context_new ("< password");
  g_option_context_set_summary (context, "Raw TLS baseline for build-aux/bench: one UID FETCH, "
                                         "read and discarded.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-fetch-raw: %s\n", error->message);
      return 2;
    }
  if (port <= 0 || port > 65535 || ca_file == NULL || user == NULL)
    {
      g_printerr ("bench-fetch-raw: --port, --ca-file and --user are required\n");
      return 2;
    }
  if (!g_str_equal (host, "127.0.0.1") && !g_str_equal (host, "::1"))
    {
      g_printerr ("bench-fetch-raw: only loopback addresses are allowed\n");
      return 2;
    }
  password = read_password ();
  if (password == NULL)
    {
      g_printerr ("bench-fetch-raw: no password on stdin\n");
      return 2;
    }

  database = g_tls_file_database_new (ca_file, &error);
  if (database == NULL)
    goto out;

  client = g_socket_client_new ();
  tcp = g_socket_client_connect_to_host (client, host, port, NULL, &error);
  if (tcp == NULL)
    goto out;
  identity = g_network_address_new (host, port);
  tls = g_tls_client_connection_new (G_IO_STREAM (tcp), identity, &error);
  if (tls == NULL)
    goto out;
  g_tls_connection_set_database (G_TLS_CONNECTION (tls), database);
  if (!g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, &error))
    goto out;

  conn.tls = tls;
  conn.in = g_io_stream_get_input_stream (tls);
  conn.out = g_io_stream_get_output_stream (tls);
  conn.buf = g_malloc (BUF_SIZE);
  conn.wire = g_malloc (BUF_SIZE);

  /* Greeting: one untagged line. */
  for (;;)
    {
      char *nl = memchr (conn.buf, '\n', conn.len);

      if (nl != NULL)
        {
          greeting = g_strndup (conn.buf, nl - conn.buf);
          conn.pos = nl + 1 - conn.buf;
          break;
        }
      if (!fill (&conn, &error))
        goto out;
    }
  if (!g_str_has_prefix (greeting, "* OK"))
    {
      fail (&error, "unexpected greeting: %.100s", greeting);
      goto out;
    }

  /* AUTHENTICATE PLAIN with an initial response (Dovecot offers SASL-IR). */
  /* "\0user\0password" */
  plain_len = 2 + strlen (user) + strlen (password);
  plain = g_malloc0 (plain_len + 1);
  memcpy (plain + 1, user, strlen (user));
  memcpy (plain + 2 + strlen (user), password, strlen (password));
  {
    g_autofree char *b64 = g_base64_encode ((const guchar *) plain, plain_len);

    auth = g_strdup_printf ("AUTHENTICATE PLAIN %s", b64);
    memset (b64, 0, strlen (b64));
  }
  memset (plain, 0, plain_len);
  memset (password, 0, strlen (password));
  if (!command (&conn, auth, NULL, &error))
    goto out;
  memset (auth, 0, strlen (auth));

  if (compress)
    {
      if (!command (&conn, "COMPRESS DEFLATE", NULL, &error))
        goto out;
      if (inflateInit2 (&conn.inflater, -15) != Z_OK ||
          deflateInit2 (&conn.deflater, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8,
                        Z_DEFAULT_STRATEGY) != Z_OK)
        {
          fail (&error, "zlib init failed");
          goto out;
        }
      conn.compressed = TRUE;
      /* Anything already buffered after the OK would be compressed data: Dovecot sends none. */
      if (conn.pos != conn.len)
        {
          fail (&error, "unexpected data after COMPRESS");
          goto out;
        }
    }

  quoted = quote_mailbox (mailbox);
  examine = g_strdup_printf ("EXAMINE %s", quoted);
  if (!command (&conn, examine, NULL, &error))
    goto out;

  fetch = g_strdup_printf ("UID FETCH %s %s", uids, items);
  cpu_fetch = cpu_seconds ();
  t_fetch = g_get_monotonic_time ();
  if (!command (&conn, fetch, &fetched, &error))
    goto out;
  t_fetched = g_get_monotonic_time ();
  cpu_fetch = cpu_seconds () - cpu_fetch;

  if (!command (&conn, "LOGOUT", NULL, &error))
    goto out;
  g_io_stream_close (tls, NULL, NULL);

  g_print ("{\"fetched\": %" G_GUINT64_FORMAT ", \"bytes\": %" G_GUINT64_FORMAT
           ", \"wire_bytes\": %" G_GUINT64_FORMAT ", \"fetch_seconds\": %.6f"
           ", \"fetch_cpu_seconds\": %.6f, \"total_seconds\": %.6f, \"maxrss_kb\": %ld}\n",
           fetched, conn.bytes, conn.wire_bytes, (t_fetched - t_fetch) / 1e6, cpu_fetch,
           (g_get_monotonic_time () - t_start) / 1e6, peak_rss_kb ());

out:
  if (conn.compressed)
    {
      inflateEnd (&conn.inflater);
      deflateEnd (&conn.deflater);
    }
  g_free (conn.buf);
  g_free (conn.wire);
  if (error != NULL)
    {
      g_printerr ("bench-fetch-raw: %s\n", error->message);
      return 1;
    }
  return 0;
}
