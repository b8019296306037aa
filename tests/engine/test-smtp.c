/* test-smtp.c: the SMTP submission client against scripted and real servers
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "petrel-engine.h"
#include "petrel-test-servers.h"
#include "smtp/petrel-smtp-client.h"
#include "smtp/petrel-smtp-private.h"

/* A scripted server gives up on a silent client after this long (a safety net only). */
#define SERVER_IO_TIMEOUT_S 20
/* Client step timeout for scripted servers: a missed pipelined group deadlocks into this. */
#define CLIENT_TIMEOUT_MS   5000
/* A test that waits this long for one operation is hung. */
#define WATCHDOG_S          90

/* Log capture: the client's g_debug dialogue, to check that AUTH payloads are redacted.
 * (The test framework replaces the default log handler, so this hooks the domain.) */

static GMutex log_mutex;
static GString *smtp_log;
static GLogFunc previous_log_handler;

static void
capture_log_handler (const char     *log_domain,
                     GLogLevelFlags  log_level,
                     const char     *message,
                     gpointer        user_data)
{
  g_mutex_lock (&log_mutex);
  g_string_append (smtp_log, message);
  g_string_append_c (smtp_log, '\n');
  g_mutex_unlock (&log_mutex);

  /* Then on to the test framework's handler, which puts it in the test log. */
  previous_log_handler (log_domain, log_level, message, user_data);
}

static char *
dup_smtp_log (void)
{
  char *copy;

  g_mutex_lock (&log_mutex);
  copy = g_strdup (smtp_log->str);
  g_mutex_unlock (&log_mutex);
  return copy;
}

static void
clear_smtp_log (void)
{
  g_mutex_lock (&log_mutex);
  g_string_truncate (smtp_log, 0);
  g_mutex_unlock (&log_mutex);
}

/* Running async calls to completion */

typedef struct
{
  GAsyncResult *result;
} Waiter;

static void
waiter_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Waiter *waiter = user_data;

  g_assert_null (waiter->result);
  waiter->result = g_object_ref (result);
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

static gboolean
client_connect (PetrelSmtpClient  *client,
                GError           **error)
{
  Waiter waiter = { NULL };
  g_autoptr(GAsyncResult) result = NULL;

  petrel_smtp_client_connect_async (client, NULL, waiter_cb, &waiter);
  result = waiter_wait (&waiter);
  return petrel_smtp_client_connect_finish (client, result, error);
}

static GPtrArray *
client_send_full (PetrelSmtpClient    *client,
                  const char          *from,
                  const char * const  *recipients,
                  const char          *message,
                  gssize               len,
                  PetrelSmtpSendFlags  flags,
                  GCancellable        *cancellable,
                  GError             **error)
{
  Waiter waiter = { NULL };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) bytes = g_bytes_new (message, len < 0 ? strlen (message) : (gsize) len);

  petrel_smtp_client_send_full_async (client, from, recipients, bytes, flags, cancellable,
                                      waiter_cb, &waiter);
  result = waiter_wait (&waiter);
  return petrel_smtp_client_send_finish (client, result, error);
}

static GPtrArray *
client_send (PetrelSmtpClient    *client,
             const char          *from,
             const char * const  *recipients,
             const char          *message,
             GError             **error)
{
  return client_send_full (client, from, recipients, message, -1, PETREL_SMTP_SEND_NONE, NULL,
                           error);
}

static void
client_close (PetrelSmtpClient *client)
{
  Waiter waiter = { NULL };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  petrel_smtp_client_close_async (client, NULL, waiter_cb, &waiter);
  result = waiter_wait (&waiter);
  g_assert_true (petrel_smtp_client_close_finish (client, result, &error));
  g_assert_no_error (error);
  g_assert_false (petrel_smtp_client_is_connected (client));
}

static void
assert_error_contains (const GError *error,
                       gint          code,
                       const char   *needle)
{
  g_assert_error (error, PETREL_SMTP_ERROR, code);
  if (needle != NULL && strstr (error->message, needle) == NULL)
    g_error ("“%s” not in error message “%s”", needle, error->message);
}

/* Scripted loopback servers
 *
 * A thread that accepts one connection on 127.0.0.1 and plays a fixed script with blocking
 * I/O, recording every byte the client sends. A step that waits for client input (LINES,
 * UNTIL, BDAT) blocks until it arrives: if the client waits for a reply instead (say, it did
 * not pipeline a group), both sides stall and the client's timeout fails the test. After the
 * last step the server keeps reading until the client closes, so anything the client sends
 * after a failure shows up in the transcript. */

typedef enum
{
  STEP_END,
  STEP_SEND,    /* write text */
  STEP_LINES,   /* wait for n more lines from the client */
  STEP_UNTIL,   /* wait until the client has sent text */
  STEP_BDAT,    /* wait for "BDAT n [LAST]" and its n bytes */
  STEP_SLEEP,   /* sleep n ms, so the next write arrives as a separate read */
  STEP_CLOSE,   /* close the connection now */
  STEP_ACCEPT,  /* close the connection and accept the next one */
} StepKind;

typedef struct
{
  StepKind    kind;
  const char *text;
  gsize       n;
} Step;

#define SEND(s)   { STEP_SEND, (s), 0 }
#define LINES(k)  { STEP_LINES, NULL, (k) }
#define UNTIL(s)  { STEP_UNTIL, (s), 0 }
#define BDAT()    { STEP_BDAT, NULL, 0 }
#define SLEEP(ms) { STEP_SLEEP, NULL, (ms) }
#define CLOSE()   { STEP_CLOSE, NULL, 0 }
#define ACCEPT()  { STEP_ACCEPT, NULL, 0 }
#define END()     { STEP_END, NULL, 0 }

typedef struct
{
  GSocket      *listener;
  guint16       port;
  const Step   *steps;
  GThread      *thread;
  GCancellable *cancellable;
  GString      *received;   /* read by the test only after the thread is joined */
  gboolean      accepted;
  gboolean      script_done;
  char         *failure;
} ScriptServer;

static gboolean
script_server_fill (ScriptServer *server,
                    GSocket      *socket)
{
  char buf[4096];
  g_autoptr(GError) error = NULL;
  gssize n;

  n = g_socket_receive (socket, buf, sizeof buf, server->cancellable, &error);
  if (n <= 0)
    return FALSE;

  g_string_append_len (server->received, buf, n);
  return TRUE;
}

static gboolean
script_server_send (GSocket    *socket,
                    const char *text)
{
  gsize len = strlen (text);
  gsize done = 0;

  while (done < len)
    {
      gssize n = g_socket_send (socket, text + done, len - done, NULL, NULL);

      if (n <= 0)
        return FALSE;
      done += n;
    }

  return TRUE;
}

/* Position after the nth newline at or after @mark, or 0 if there are fewer. */
static gsize
find_lines_end (GString *received,
                gsize    mark,
                gsize    n)
{
  for (gsize i = mark; i < received->len; i++)
    {
      if (received->str[i] == '\n' && --n == 0)
        return i + 1;
    }

  return 0;
}

static gpointer
script_server_thread (gpointer data)
{
  ScriptServer *server = data;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GError) error = NULL;
  gsize mark = 0;
  gboolean closed = FALSE;

  socket = g_socket_accept (server->listener, server->cancellable, &error);
  if (socket == NULL)
    {
      server->failure = g_strdup_printf ("no connection: %s", error->message);
      return NULL;
    }
  server->accepted = TRUE;
  g_socket_set_timeout (socket, SERVER_IO_TIMEOUT_S);

  for (guint i = 0; !closed && server->steps[i].kind != STEP_END; i++)
    {
      const Step *step = &server->steps[i];
      gsize end;

      switch (step->kind)
        {
        case STEP_SEND:
          if (!script_server_send (socket, step->text))
            {
              server->failure = g_strdup_printf ("step %u: could not send", i);
              goto out;
            }
          break;

        case STEP_LINES:
          while ((end = find_lines_end (server->received, mark, step->n)) == 0)
            if (!script_server_fill (server, socket))
              {
                server->failure = g_strdup_printf ("step %u: client closed while we waited "
                                                   "for %" G_GSIZE_FORMAT " lines", i, step->n);
                goto out;
              }
          mark = end;
          break;

        case STEP_UNTIL:
          for (;;)
            {
              const char *found = g_strstr_len (server->received->str + mark,
                                                server->received->len - mark, step->text);

              if (found != NULL)
                {
                  mark = (found - server->received->str) + strlen (step->text);
                  break;
                }
              if (!script_server_fill (server, socket))
                {
                  server->failure = g_strdup_printf ("step %u: client closed while we waited "
                                                     "for “%s”", i, step->text);
                  goto out;
                }
            }
          break;

        case STEP_BDAT:
          {
            guint64 size = 0;

            while ((end = find_lines_end (server->received, mark, 1)) == 0)
              if (!script_server_fill (server, socket))
                {
                  server->failure = g_strdup_printf ("step %u: no BDAT", i);
                  goto out;
                }
            if (sscanf (server->received->str + mark, "BDAT %" G_GUINT64_FORMAT, &size) != 1)
              {
                server->failure = g_strdup_printf ("step %u: not a BDAT command", i);
                goto out;
              }
            mark = end;
            while (server->received->len < mark + size)
              if (!script_server_fill (server, socket))
                {
                  server->failure = g_strdup_printf ("step %u: BDAT data cut", i);
                  goto out;
                }
            mark += size;
          }
          break;

        case STEP_SLEEP:
          g_usleep (step->n * 1000);
          break;

        case STEP_CLOSE:
          closed = TRUE;
          break;

        case STEP_ACCEPT:
          g_socket_close (socket, NULL);
          g_clear_object (&socket);
          socket = g_socket_accept (server->listener, server->cancellable, &error);
          if (socket == NULL)
            {
              server->failure = g_strdup_printf ("step %u: no second connection: %s", i,
                                                 error->message);
              return NULL;
            }
          g_socket_set_timeout (socket, SERVER_IO_TIMEOUT_S);
          g_string_append (server->received, "<new connection>\n");
          mark = server->received->len;
          break;

        case STEP_END:
        default:
          g_assert_not_reached ();
        }
    }

  server->script_done = TRUE;

  if (!closed)
    while (script_server_fill (server, socket))
      ;

out:
  g_socket_close (socket, NULL);
  return NULL;
}

static ScriptServer *
script_server_new (const Step *steps)
{
  ScriptServer *server = g_new0 (ScriptServer, 1);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  server->steps = steps;
  server->received = g_string_new (NULL);
  server->cancellable = g_cancellable_new ();

  server->listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                   G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (server->listener, address, TRUE, &error);
  g_assert_no_error (error);
  g_socket_listen (server->listener, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (server->listener, &error);
  g_assert_no_error (error);
  server->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));

  server->thread = g_thread_new ("script-server", script_server_thread, server);
  return server;
}

/* Waits for the script to end (the client must have closed or been freed). With
 * @expect_connection FALSE, stops waiting for a connection that should never come. */
static void
script_server_join (ScriptServer *server,
                    gboolean      expect_connection)
{
  if (!expect_connection)
    g_cancellable_cancel (server->cancellable);

  g_thread_join (g_steal_pointer (&server->thread));

  if (expect_connection)
    {
      g_assert_true (server->accepted);
      if (server->failure != NULL)
        g_error ("Scripted server: %s; received so far:\n%s", server->failure,
                 server->received->str);
    }
  else
    g_assert_false (server->accepted);
}

static void
script_server_free (ScriptServer *server)
{
  g_assert_null (server->thread);
  g_socket_close (server->listener, NULL);
  g_object_unref (server->listener);
  g_object_unref (server->cancellable);
  g_string_free (server->received, TRUE);
  g_free (server->failure);
  g_free (server);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ScriptServer, script_server_free)

static PetrelSmtpClient *
script_client (ScriptServer       *server,
               PetrelSmtpSecurity  security)
{
  PetrelSmtpClient *client = petrel_smtp_client_new ("127.0.0.1", server->port, security);

  petrel_smtp_client_set_timeout (client, CLIENT_TIMEOUT_MS);
  petrel_smtp_client_set_helo_name (client, "client.test");
  return client;
}

#define GREETING "220 script.test ESMTP ready\r\n"
#define BYE      "221 2.0.0 Bye\r\n"

static const char *one_rcpt[] = { "bob@example.test", NULL };

/* Unit tests: no network */

static void
test_reply_parse (void)
{
  g_autoptr(PetrelSmtpReply) reply = _petrel_smtp_reply_new ();
  g_autoptr(PetrelSmtpReply) bad = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *huge = NULL;
  const char *malformed[] = { "25", "2500 x", "199 x", "650 x", "25x y", "250_x" };

  g_assert_true (_petrel_smtp_reply_add_line (reply, "550-5.1.1 first", 15, &error));
  g_assert_no_error (error);
  g_assert_false (reply->complete);
  g_assert_true (_petrel_smtp_reply_add_line (reply, "550 5.1.1 second", 16, &error));
  g_assert_true (reply->complete);
  g_assert_cmpuint (reply->code, ==, 550);
  g_assert_cmpstr (reply->enhanced, ==, "5.1.1");
  text = _petrel_smtp_reply_dup_text (reply);
  g_assert_cmpstr (text, ==, "first second");

  /* "250" alone is a valid last line */
  g_clear_pointer (&reply, _petrel_smtp_reply_free);
  reply = _petrel_smtp_reply_new ();
  g_assert_true (_petrel_smtp_reply_add_line (reply, "250", 3, &error));
  g_assert_true (reply->complete);
  g_assert_null (reply->enhanced);

  /* An enhanced code of another class than the reply is not one */
  g_clear_pointer (&reply, _petrel_smtp_reply_free);
  reply = _petrel_smtp_reply_new ();
  g_assert_true (_petrel_smtp_reply_add_line (reply, "250 5.1.1 odd", 13, &error));
  g_assert_null (reply->enhanced);

  bad = _petrel_smtp_reply_new ();
  g_assert_true (_petrel_smtp_reply_add_line (bad, "250-a", 5, &error));
  g_assert_false (_petrel_smtp_reply_add_line (bad, "251 b", 5, &error));
  g_assert_error (error, PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_PROTOCOL);
  g_clear_error (&error);

  g_clear_pointer (&bad, _petrel_smtp_reply_free);
  bad = _petrel_smtp_reply_new ();
  g_assert_false (_petrel_smtp_reply_add_line (bad, "hello\033[31m", 10, &error));
  assert_error_contains (error, PETREL_SMTP_ERROR_PROTOCOL, "hello?[31m");
  g_assert_null (strchr (error->message, '\033'));
  g_clear_error (&error);

  for (guint i = 0; i < G_N_ELEMENTS (malformed); i++)
    {
      g_clear_pointer (&bad, _petrel_smtp_reply_free);
      bad = _petrel_smtp_reply_new ();
      g_assert_false (_petrel_smtp_reply_add_line (bad, malformed[i], strlen (malformed[i]),
                                                   &error));
      g_assert_error (error, PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_PROTOCOL);
      g_clear_error (&error);
    }

  g_clear_pointer (&bad, _petrel_smtp_reply_free);
  bad = _petrel_smtp_reply_new ();
  g_assert_false (_petrel_smtp_reply_add_line (bad, "250 a\0b", 7, &error));
  g_assert_error (error, PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_PROTOCOL);
  g_clear_error (&error);

  /* 998 octets of text is the most a line may hold */
  huge = g_strnfill (1200, 'x');
  memcpy (huge, "250 ", 4);
  g_clear_pointer (&bad, _petrel_smtp_reply_free);
  bad = _petrel_smtp_reply_new ();
  g_assert_true (_petrel_smtp_reply_add_line (bad, huge, PETREL_SMTP_MAX_REPLY_LINE - 2, &error));
  g_assert_no_error (error);
  g_clear_pointer (&bad, _petrel_smtp_reply_free);
  bad = _petrel_smtp_reply_new ();
  g_assert_false (_petrel_smtp_reply_add_line (bad, huge, PETREL_SMTP_MAX_REPLY_LINE - 1, &error));
  assert_error_contains (error, PETREL_SMTP_ERROR_PROTOCOL, "longer than 1000 bytes");
  g_clear_error (&error);

  g_clear_pointer (&bad, _petrel_smtp_reply_free);
  bad = _petrel_smtp_reply_new ();
  for (guint i = 0; i < PETREL_SMTP_MAX_REPLY_LINES; i++)
    g_assert_true (_petrel_smtp_reply_add_line (bad, "250-x", 5, NULL));
  g_assert_false (_petrel_smtp_reply_add_line (bad, "250-x", 5, &error));
  g_assert_error (error, PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_PROTOCOL);
}

static PetrelSmtpReply *
reply_from_lines (const char * const *lines)
{
  PetrelSmtpReply *reply = _petrel_smtp_reply_new ();

  for (guint i = 0; lines[i] != NULL; i++)
    g_assert_true (_petrel_smtp_reply_add_line (reply, lines[i], strlen (lines[i]), NULL));
  g_assert_true (reply->complete);

  return reply;
}

static void
test_ehlo_parse (void)
{
  const char *lines[] = {
    "250-mail.example.test Hello", "250-SIZE 35882577", "250-8BITMIME", "250-pipelining",
    "250-AUTH PLAIN login XOAUTH2 bad/mech", "250-AUTH=LOGIN CRAM-MD5", "250-ENHANCEDSTATUSCODES",
    "250-CHUNKING", "250-DSN", "250-SMTPUTF8", "250-X-UNKNOWN stuff", "250 STARTTLS", NULL
  };
  const char *minimal[] = { "250-host", "250 SIZE", NULL };
  g_autoptr(PetrelSmtpReply) reply = reply_from_lines (lines);
  g_autoptr(PetrelSmtpReply) reply2 = reply_from_lines (minimal);
  g_auto(GStrv) mechanisms = NULL;
  PetrelSmtpCapabilities caps;
  guint64 size;
  const char *expected[] = { "PLAIN", "LOGIN", "XOAUTH2", "CRAM-MD5", NULL };

  _petrel_smtp_parse_ehlo (reply, &caps, &size, &mechanisms);
  g_assert_cmpuint (caps, ==, PETREL_SMTP_CAPABILITY_SIZE | PETREL_SMTP_CAPABILITY_8BITMIME |
                              PETREL_SMTP_CAPABILITY_PIPELINING | PETREL_SMTP_CAPABILITY_AUTH |
                              PETREL_SMTP_CAPABILITY_ENHANCEDSTATUSCODES |
                              PETREL_SMTP_CAPABILITY_CHUNKING | PETREL_SMTP_CAPABILITY_DSN |
                              PETREL_SMTP_CAPABILITY_SMTPUTF8 | PETREL_SMTP_CAPABILITY_STARTTLS);
  g_assert_cmpuint (size, ==, 35882577);
  g_assert_cmpstrv (mechanisms, expected);

  g_clear_pointer (&mechanisms, g_strfreev);
  _petrel_smtp_parse_ehlo (reply2, &caps, &size, &mechanisms);
  g_assert_cmpuint (caps, ==, PETREL_SMTP_CAPABILITY_SIZE);
  g_assert_cmpuint (size, ==, 0);
  g_assert_nonnull (mechanisms);
  g_assert_null (mechanisms[0]);
}

static void
assert_canonical (const char *input,
                  const char *expected,
                  const char *expected_stuffed,
                  gboolean    expected_8bit)
{
  g_autoptr(GBytes) in = g_bytes_new (input, strlen (input));
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GBytes) stuffed = NULL;
  g_autoptr(GError) error = NULL;
  gboolean has_8bit = !expected_8bit;
  gsize len;
  const char *data;

  out = _petrel_smtp_canonicalize (in, &has_8bit, &error);
  g_assert_no_error (error);
  data = g_bytes_get_data (out, &len);
  g_assert_cmpmem (data, len, expected, strlen (expected));
  g_assert_cmpint (has_8bit, ==, expected_8bit);

  stuffed = _petrel_smtp_dot_stuff (out);
  data = g_bytes_get_data (stuffed, &len);
  g_assert_cmpmem (data, len, expected_stuffed, strlen (expected_stuffed));
}

static void
test_data_canonical (void)
{
  g_autofree char *line998 = g_strnfill (998, 'a');
  g_autofree char *line999 = g_strnfill (999, 'a');
  g_autofree char *ok = g_strconcat ("Subject: x\n\n", line998, "\n", NULL);
  g_autofree char *ok_out = g_strconcat ("Subject: x\r\n\r\n", line998, "\r\n", NULL);
  g_autofree char *ok_stuffed = g_strconcat (ok_out, ".\r\n", NULL);
  g_autofree char *too_long = g_strconcat ("Subject: x\r\n\r\n", line998, "\r\n", line999, "\r\n",
                                           NULL);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GError) error = NULL;

  assert_canonical ("a\r\nb\r\n", "a\r\nb\r\n", "a\r\nb\r\n.\r\n", FALSE);
  assert_canonical ("a\nb", "a\r\nb\r\n", "a\r\nb\r\n.\r\n", FALSE);
  assert_canonical ("a\rb\r", "a\r\nb\r\n", "a\r\nb\r\n.\r\n", FALSE);
  assert_canonical ("a\r\r\nb\n\n", "a\r\n\r\nb\r\n\r\n", "a\r\n\r\nb\r\n\r\n.\r\n", FALSE);
  assert_canonical (".hidden\n..\n.\nx.y\n. \n", ".hidden\r\n..\r\n.\r\nx.y\r\n. \r\n",
                    "..hidden\r\n...\r\n..\r\nx.y\r\n.. \r\n.\r\n", FALSE);
  assert_canonical ("Grüße\n", "Grüße\r\n", "Grüße\r\n.\r\n", TRUE);
  assert_canonical (ok, ok_out, ok_stuffed, FALSE);

  bytes = g_bytes_new (too_long, strlen (too_long));
  out = _petrel_smtp_canonicalize (bytes, NULL, &error);
  g_assert_null (out);
  assert_error_contains (error, PETREL_SMTP_ERROR_INVALID_MESSAGE, "Line 4");
  g_clear_error (&error);
  g_clear_pointer (&bytes, g_bytes_unref);

  bytes = g_bytes_new ("a\nb\0c\n", 6);
  out = _petrel_smtp_canonicalize (bytes, NULL, &error);
  g_assert_null (out);
  assert_error_contains (error, PETREL_SMTP_ERROR_INVALID_MESSAGE, "NUL");
  g_clear_error (&error);
  g_clear_pointer (&bytes, g_bytes_unref);

  bytes = g_bytes_new ("", 0);
  out = _petrel_smtp_canonicalize (bytes, NULL, &error);
  g_assert_null (out);
  g_assert_error (error, PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_INVALID_MESSAGE);
}

static void
test_address_check (void)
{
  const char *good[] = { "a@example.test", "first.last+tag@sub.example.test", "ü@exämple.test",
                         "\"quoted\"@example.test", NULL };
  const char *bad[] = { "", "a b@example.test", "a@example.test\r\nRCPT TO:<evil@example.test",
                        "<a@example.test>", "a@example.test>", "a\t@example.test",
                        "a\n@example.test", "nodomain", "@example.test", "a@", "a\x7f@b.test",
                        "\xff@example.test", NULL };
  g_autofree char *local = g_strnfill (250, 'a');
  g_autofree char *too_long = g_strdup_printf ("%s@example.test", local);
  g_autoptr(GError) error = NULL;
  gboolean non_ascii = TRUE;

  for (guint i = 0; good[i] != NULL; i++)
    {
      g_assert_true (_petrel_smtp_check_address (good[i], FALSE, &non_ascii, &error));
      g_assert_no_error (error);
      g_assert_cmpint (non_ascii, ==, i == 2);
    }

  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_assert_false (_petrel_smtp_check_address (bad[i], FALSE, NULL, &error));
      g_assert_error (error, PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_INVALID_ADDRESS);
      /* The message quotes the address without its control characters */
      g_assert_null (strchr (error->message, '\r'));
      g_assert_null (strchr (error->message, '\n'));
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      g_clear_error (&error);
    }

  g_assert_true (_petrel_smtp_check_address ("", TRUE, NULL, &error));
  g_assert_no_error (error);

  g_assert_false (_petrel_smtp_check_address (too_long, FALSE, NULL, &error));
  g_assert_error (error, PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_INVALID_ADDRESS);
}

static char *
b64 (const char *data,
     gsize       len)
{
  return g_base64_encode ((const guchar *) data, len);
}

static void
test_auth_payloads (void)
{
  const char *offered[] = { "LOGIN", "PLAIN", "XOAUTH2", "OAUTHBEARER", NULL };
  const char *password_only[] = { "LOGIN", "CRAM-MD5", NULL };
  const char *xoauth_only[] = { "XOAUTH2", "PLAIN", NULL };
  g_autofree char *plain = _petrel_smtp_auth_plain ("carol", "pa ss\"\\");
  g_autofree char *plain_expected = b64 ("\0carol\0pa ss\"\\", 14);
  g_autofree char *xoauth2 = _petrel_smtp_auth_xoauth2 ("u@example.test", "tok");
  g_autofree char *xoauth2_expected = NULL;
  g_autofree char *bearer = _petrel_smtp_auth_oauthbearer ("a,b=c@example.test", "tok",
                                                           "smtp.example.test", 587);
  g_autofree char *bearer_expected = NULL;
  const char *raw;

  g_assert_cmpstr (plain, ==, plain_expected);

  raw = "user=u@example.test\001auth=Bearer tok\001\001";
  xoauth2_expected = b64 (raw, strlen (raw));
  g_assert_cmpstr (xoauth2, ==, xoauth2_expected);

  raw = "n,a=a=2Cb=3Dc@example.test,\001host=smtp.example.test\001port=587\001"
        "auth=Bearer tok\001\001";
  bearer_expected = b64 (raw, strlen (raw));
  g_assert_cmpstr (bearer, ==, bearer_expected);

  g_assert_cmpstr (_petrel_smtp_choose_mechanism (offered, TRUE, FALSE), ==, "PLAIN");
  g_assert_cmpstr (_petrel_smtp_choose_mechanism (offered, FALSE, TRUE), ==, "OAUTHBEARER");
  g_assert_cmpstr (_petrel_smtp_choose_mechanism (password_only, TRUE, FALSE), ==, "LOGIN");
  g_assert_null (_petrel_smtp_choose_mechanism (password_only, FALSE, TRUE));
  g_assert_cmpstr (_petrel_smtp_choose_mechanism (xoauth_only, FALSE, TRUE), ==, "XOAUTH2");
  g_assert_null (_petrel_smtp_choose_mechanism (NULL, TRUE, TRUE));
}

static void
test_status_describe (void)
{
  g_assert_cmpstr (petrel_smtp_describe_status (550, "5.1.1"), ==,
                   "The recipient's address does not exist");
  g_assert_cmpstr (petrel_smtp_describe_status (535, "5.7.8"), ==,
                   "The server rejected the user name or password");
  g_assert_cmpstr (petrel_smtp_describe_status (452, "4.2.2"), ==,
                   "The recipient's mailbox is full");
  g_assert_cmpstr (petrel_smtp_describe_status (535, NULL), ==,
                   "The server rejected the user name or password");
  /* Unknown detail: the subject; unknown everything: the class */
  g_assert_cmpstr (petrel_smtp_describe_status (550, "5.1.99"), ==,
                   "There is a problem with an address");
  g_assert_cmpstr (petrel_smtp_describe_status (499, "4.9.9"), ==,
                   "The server could not handle the request right now; try again later");
  g_assert_cmpstr (petrel_smtp_describe_status (599, "bogus"), ==,
                   "The server refused the request");
  g_assert_cmpstr (petrel_smtp_describe_status (0, "5.5"), ==,
                   "The server sent a reply that could not be understood");
}

static void
test_sanitize (void)
{
  g_autofree char *a = _petrel_smtp_sanitize ("ok\033[2J\r\n\xff\xfe\xe2\x80\xae" "end\tx", -1, 0);
  g_autofree char *b = _petrel_smtp_sanitize ("abcdef", -1, 3);

  g_assert_cmpstr (a, ==, "ok?[2J??\xef\xbf\xbd\xef\xbf\xbd?end x");
  g_assert_cmpstr (b, ==, "abc…");
}

/* Scripted servers */

static void
test_script_pipelining (void)
{
  const char *message = "From: a@example.test\nTo: good@example.test\nSubject: dots\n\n"
                        ".hidden\n..\n.\nbare LF\rbare CR\r\nend";
  const char *canonical = "From: a@example.test\r\nTo: good@example.test\r\nSubject: dots\r\n"
                          "\r\n.hidden\r\n..\r\n.\r\nbare LF\r\nbare CR\r\nend\r\n";
  const char *stuffed = "From: a@example.test\r\nTo: good@example.test\r\nSubject: dots\r\n"
                        "\r\n..hidden\r\n...\r\n..\r\nbare LF\r\nbare CR\r\nend\r\n.\r\n";
  const Step steps[] = {
    SEND (GREETING),
    LINES (1),
    SEND ("250-script.test\r\n250-PIPELINING\r\n250-SIZE 100000\r\n250 ENHANCEDSTATUSCODES\r\n"),
    /* Nothing is answered until MAIL, both RCPTs and DATA have arrived. */
    LINES (4),
    SEND ("250 2.1.0 Sender ok\r\n250 2.1.5 Recipient ok\r\n"
          "550 5.1.1 <bad@example.test>: no such user\r\n354 Go ahead\r\n"),
    UNTIL ("\r\n.\r\n"),
    SEND ("250 2.0.0 Queued\r\n"),
    LINES (1),
    SEND (BYE),
    END (),
  };
  const char *rcpts[] = { "good@example.test", "bad@example.test", NULL };
  g_autoptr(ScriptServer) server = script_server_new (steps);
  g_autoptr(PetrelSmtpClient) client = script_client (server, PETREL_SMTP_SECURITY_NONE);
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;
  PetrelSmtpRecipientResult *result;

  results = client_send (client, "a@example.test", rcpts, message, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 2);

  result = g_ptr_array_index (results, 0);
  g_assert_cmpstr (petrel_smtp_recipient_result_get_address (result), ==, "good@example.test");
  g_assert_true (petrel_smtp_recipient_result_get_accepted (result));
  g_assert_cmpuint (petrel_smtp_recipient_result_get_code (result), ==, 250);

  result = g_ptr_array_index (results, 1);
  g_assert_cmpstr (petrel_smtp_recipient_result_get_address (result), ==, "bad@example.test");
  g_assert_false (petrel_smtp_recipient_result_get_accepted (result));
  g_assert_false (petrel_smtp_recipient_result_is_temporary (result));
  g_assert_cmpuint (petrel_smtp_recipient_result_get_code (result), ==, 550);
  g_assert_cmpstr (petrel_smtp_recipient_result_get_enhanced_code (result), ==, "5.1.1");
  g_assert_cmpstr (petrel_smtp_recipient_result_get_text (result), ==,
                   "<bad@example.test>: no such user");

  g_assert_true (petrel_smtp_client_get_capabilities (client) &
                 PETREL_SMTP_CAPABILITY_PIPELINING);
  client_close (client);
  script_server_join (server, TRUE);

  expected = g_strdup_printf ("EHLO client.test\r\n"
                              "MAIL FROM:<a@example.test> SIZE=%" G_GSIZE_FORMAT "\r\n"
                              "RCPT TO:<good@example.test>\r\n"
                              "RCPT TO:<bad@example.test>\r\n"
                              "DATA\r\n"
                              "%s"
                              "QUIT\r\n",
                              strlen (canonical), stuffed);
  g_assert_cmpstr (server->received->str, ==, expected);
}

static void
test_script_sequential (void)
{
  /* No PIPELINING: one command at a time; the second message starts with RSET. */
  const Step steps[] = {
    SEND (GREETING),
    LINES (1),
    SEND ("250-script.test greets client.test\r\n250 SIZE\r\n"),
    LINES (1), SEND ("250 ok\r\n"),
    LINES (1), SEND ("250 ok\r\n"),
    LINES (1), SEND ("354 go\r\n"),
    UNTIL ("\r\n.\r\n"), SEND ("250 queued 1\r\n"),
    LINES (1), SEND ("250 reset\r\n"),
    LINES (1), SEND ("250 ok\r\n"),
    LINES (1), SEND ("250 ok\r\n"),
    LINES (1), SEND ("354 go\r\n"),
    UNTIL ("\r\n.\r\n"), SEND ("250 queued 2\r\n"),
    LINES (1), SEND (BYE),
    END (),
  };
  g_autoptr(ScriptServer) server = script_server_new (steps);
  g_autoptr(PetrelSmtpClient) client = script_client (server, PETREL_SMTP_SECURITY_NONE);
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;

  results = client_send (client, "a@example.test", one_rcpt, "Subject: 1\n\none\n", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 1);
  g_clear_pointer (&results, g_ptr_array_unref);

  results = client_send (client, "", one_rcpt, "Subject: 2\r\n\r\ntwo\r\n", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 1);
  g_assert_true (petrel_smtp_recipient_result_get_accepted (g_ptr_array_index (results, 0)));

  client_close (client);
  script_server_join (server, TRUE);
  g_assert_cmpstr (server->received->str, ==,
                   "EHLO client.test\r\n"
                   "MAIL FROM:<a@example.test> SIZE=19\r\n"
                   "RCPT TO:<bob@example.test>\r\n"
                   "DATA\r\n"
                   "Subject: 1\r\n\r\none\r\n.\r\n"
                   "RSET\r\n"
                   "MAIL FROM:<> SIZE=19\r\n"
                   "RCPT TO:<bob@example.test>\r\n"
                   "DATA\r\n"
                   "Subject: 2\r\n\r\ntwo\r\n.\r\n"
                   "QUIT\r\n");
}

static void
test_script_chunking (void)
{
  const char *message = "Subject: Grüße\n\n.dot stays single with BDAT\nÑúñez\n";
  const char *canonical = "Subject: Grüße\r\n\r\n.dot stays single with BDAT\r\nÑúñez\r\n";
  const Step steps[] = {
    SEND (GREETING),
    LINES (1),
    SEND ("250-script.test\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 8BITMIME\r\n"),
    LINES (2),
    SEND ("250 2.1.0 ok\r\n250 2.1.5 ok\r\n"),
    BDAT (),
    SEND ("250 2.0.0 ok 1\r\n"),
    /* The second, big message: RSET, MAIL, RCPT in one group, then 1 MiB chunks. */
    LINES (3),
    SEND ("250 2.0.0 reset\r\n250 2.1.0 ok\r\n250 2.1.5 ok\r\n"),
    BDAT (), SEND ("250 2.0.0 chunk\r\n"),
    BDAT (), SEND ("250 2.0.0 chunk\r\n"),
    BDAT (), SEND ("250 2.0.0 ok 2\r\n"),
    LINES (1),
    SEND (BYE),
    END (),
  };
  g_autoptr(ScriptServer) server = script_server_new (steps);
  g_autoptr(PetrelSmtpClient) client = script_client (server, PETREL_SMTP_SECURITY_NONE);
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) big = g_string_new ("Subject: big\r\n\r\n");
  g_autoptr(GString) expected = g_string_new (NULL);
  gsize offset;

  while (big->len < 2 * 1024 * 1024 + 1000)
    g_string_append (big, ".123456789012345678901234567890123456789012345678901234567890\r\n");

  results = client_send (client, "a@example.test", one_rcpt, message, &error);
  g_assert_no_error (error);
  g_clear_pointer (&results, g_ptr_array_unref);

  results = client_send (client, "a@example.test", one_rcpt, big->str, &error);
  g_assert_no_error (error);

  client_close (client);
  script_server_join (server, TRUE);

  g_string_append_printf (expected,
                          "EHLO client.test\r\n"
                          "MAIL FROM:<a@example.test> BODY=8BITMIME\r\n"
                          "RCPT TO:<bob@example.test>\r\n"
                          "BDAT %" G_GSIZE_FORMAT " LAST\r\n%s"
                          "RSET\r\n"
                          "MAIL FROM:<a@example.test>\r\n"
                          "RCPT TO:<bob@example.test>\r\n",
                          strlen (canonical), canonical);
  for (offset = 0; offset < big->len; offset += 1024 * 1024)
    {
      gsize n = MIN (1024 * 1024, big->len - offset);

      g_string_append_printf (expected, "BDAT %" G_GSIZE_FORMAT "%s\r\n", n,
                              offset + n == big->len ? " LAST" : "");
      g_string_append_len (expected, big->str + offset, n);
    }
  g_string_append (expected, "QUIT\r\n");

  g_assert_cmpuint (server->received->len, ==, expected->len);
  g_assert_true (memcmp (server->received->str, expected->str, expected->len) == 0);
}

static void
test_script_size_limit (void)
{
  const Step steps[] = {
    SEND (GREETING),
    LINES (1),
    SEND ("250-script.test\r\n250-PIPELINING\r\n250 SIZE 100\r\n"),
    LINES (1),
    SEND (BYE),
    END (),
  };
  g_autoptr(ScriptServer) server = script_server_new (steps);
  g_autoptr(PetrelSmtpClient) client = script_client (server, PETREL_SMTP_SECURITY_NONE);
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_strnfill (982, 'x');
  g_autofree char *message = g_strdup_printf ("Subject: big\r\n\r\n%s\r\n", line);

  g_assert_cmpuint (strlen (message), ==, 1000);
  g_assert_true (client_connect (client, &error));
  g_assert_cmpuint (petrel_smtp_client_get_max_size (client), ==, 100);

  results = client_send (client, "a@example.test", one_rcpt, message, &error);
  g_assert_null (results);
  assert_error_contains (error, PETREL_SMTP_ERROR_SIZE, "(1000 bytes)");
  assert_error_contains (error, PETREL_SMTP_ERROR_SIZE, "(100 bytes)");
  /* Refusing locally keeps the connection */
  g_assert_true (petrel_smtp_client_is_connected (client));

  client_close (client);
  script_server_join (server, TRUE);
  g_assert_cmpstr (server->received->str, ==, "EHLO client.test\r\nQUIT\r\n");
}

static void
test_script_starttls_injection (void)
{
  const Step steps[] = {
    SEND (GREETING),
    LINES (1),
    SEND ("250-script.test\r\n250-AUTH PLAIN\r\n250 STARTTLS\r\n"),
    LINES (1),
    /* One write: the 250 arrives with the 220, before any handshake. */
    SEND ("220 2.0.0 Ready to start TLS\r\n250 injected\r\n"),
    END (),
  };
  g_autoptr(ScriptServer) server = script_server_new (steps);
  g_autoptr(PetrelSmtpClient) client = script_client (server, PETREL_SMTP_SECURITY_STARTTLS);
  g_autoptr(GError) error = NULL;

  petrel_smtp_client_set_password (client, "carol", "secret");
  g_assert_false (client_connect (client, &error));
  assert_error_contains (error, PETREL_SMTP_ERROR_TLS, "before encryption started");
  g_assert_false (petrel_smtp_client_is_connected (client));

  script_server_join (server, TRUE);
  /* No ClientHello, no AUTH, nothing after STARTTLS */
  g_assert_cmpstr (server->received->str, ==, "EHLO client.test\r\nSTARTTLS\r\n");
}

static void
test_script_starttls_missing (void)
{
  const Step missing[] = {
    SEND (GREETING),
    LINES (1),
    SEND ("250-script.test\r\n250 AUTH PLAIN LOGIN\r\n"),
    END (),
  };
  const Step refused[] = {
    SEND (GREETING),
    LINES (1),
    SEND ("250-script.test\r\n250-AUTH PLAIN LOGIN\r\n250 STARTTLS\r\n"),
    LINES (1),
    SEND ("454 4.7.0 TLS not available due to local problem\r\n"),
    END (),
  };
  g_autoptr(GError) error = NULL;

  {
    g_autoptr(ScriptServer) server = script_server_new (missing);
    g_autoptr(PetrelSmtpClient) client = script_client (server, PETREL_SMTP_SECURITY_STARTTLS);

    petrel_smtp_client_set_password (client, "carol", "secret");
    g_assert_false (client_connect (client, &error));
    assert_error_contains (error, PETREL_SMTP_ERROR_TLS, "does not offer STARTTLS");
    g_clear_error (&error);
    g_clear_object (&client);
    script_server_join (server, TRUE);
    g_assert_cmpstr (server->received->str, ==, "EHLO client.test\r\n");
  }

  {
    g_autoptr(ScriptServer) server = script_server_new (refused);
    g_autoptr(PetrelSmtpClient) client = script_client (server, PETREL_SMTP_SECURITY_STARTTLS);

    petrel_smtp_client_set_password (client, "carol", "secret");
    g_assert_false (client_connect (client, &error));
    assert_error_contains (error, PETREL_SMTP_ERROR_TLS, "454 4.7.0");
    g_clear_error (&error);
    g_clear_object (&client);
    script_server_join (server, TRUE);
    g_assert_cmpstr (server->received->str, ==, "EHLO client.test\r\nSTARTTLS\r\n");
  }
}

static void
test_script_status_codes (void)
{
  const Step steps[] = {
    SEND (GREETING),
    LINES (1),
    SEND ("250-script.test\r\n250 ENHANCEDSTATUSCODES\r\n"),
    /* 1: the sender is refused for now */
    LINES (1), SEND ("451 4.3.0 Temporary local problem\r\n"),
    /* 2: the only recipient does not exist */
    LINES (1), SEND ("250 2.0.0 Reset\r\n"),
    LINES (1), SEND ("250 2.1.0 Ok\r\n"),
    LINES (1), SEND ("550 5.1.1 <nobody@example.test>: User unknown\r\n"),
    /* 3: the data is refused for now */
    LINES (1), SEND ("250 2.0.0 Reset\r\n"),
    LINES (1), SEND ("250 2.1.0 Ok\r\n"),
    LINES (1), SEND ("250 2.1.5 Ok\r\n"),
    LINES (1), SEND ("354 End data with <CR><LF>.<CR><LF>\r\n"),
    UNTIL ("\r\n.\r\n"), SEND ("452 4.3.1 Insufficient system storage\r\n"),
    /* 4: the data is refused for good */
    LINES (1), SEND ("250 2.0.0 Reset\r\n"),
    LINES (1), SEND ("250 2.1.0 Ok\r\n"),
    LINES (1), SEND ("250 2.1.5 Ok\r\n"),
    LINES (1), SEND ("354 End data with <CR><LF>.<CR><LF>\r\n"),
    UNTIL ("\r\n.\r\n"), SEND ("554 5.6.0 Content rejected\r\n"),
    /* 5: the only recipient's mailbox is full for now */
    LINES (1), SEND ("250 2.0.0 Reset\r\n"),
    LINES (1), SEND ("250 2.1.0 Ok\r\n"),
    LINES (1), SEND ("452 4.2.2 Mailbox full\r\n"),
    /* 6: the server shuts down */
    LINES (1), SEND ("250 2.0.0 Reset\r\n"),
    LINES (1), SEND ("421 4.3.2 Service shutting down\r\n"),
    END (),
  };
  g_autoptr(ScriptServer) server = script_server_new (steps);
  g_autoptr(PetrelSmtpClient) client = script_client (server, PETREL_SMTP_SECURITY_NONE);
  g_autoptr(GError) error = NULL;
  const char *nobody[] = { "nobody@example.test", NULL };
  const char *message = "Subject: s\n\nbody\n";

  g_assert_null (client_send (client, "a@example.test", one_rcpt, message, &error));
  assert_error_contains (error, PETREL_SMTP_ERROR_TEMPORARY, "451 4.3.0 Temporary local problem");
  assert_error_contains (error, PETREL_SMTP_ERROR_TEMPORARY, "try again later");
  g_clear_error (&error);
  g_assert_true (petrel_smtp_client_is_connected (client));

  g_assert_null (client_send (client, "a@example.test", nobody, message, &error));
  assert_error_contains (error, PETREL_SMTP_ERROR_PERMANENT, "refused every recipient");
  assert_error_contains (error, PETREL_SMTP_ERROR_PERMANENT,
                         "nobody@example.test: The recipient's address does not exist");
  g_clear_error (&error);

  g_assert_null (client_send (client, "a@example.test", one_rcpt, message, &error));
  assert_error_contains (error, PETREL_SMTP_ERROR_TEMPORARY, "452 4.3.1");
  g_clear_error (&error);

  g_assert_null (client_send (client, "a@example.test", one_rcpt, message, &error));
  assert_error_contains (error, PETREL_SMTP_ERROR_PERMANENT, "554 5.6.0 Content rejected");
  g_clear_error (&error);

  g_assert_null (client_send (client, "a@example.test", one_rcpt, message, &error));
  assert_error_contains (error, PETREL_SMTP_ERROR_TEMPORARY, "The recipient's mailbox is full");
  g_clear_error (&error);
  g_assert_true (petrel_smtp_client_is_connected (client));

  g_assert_null (client_send (client, "a@example.test", one_rcpt, message, &error));
  assert_error_contains (error, PETREL_SMTP_ERROR_TEMPORARY, "421 4.3.2");
  g_clear_error (&error);
  /* 421 ends the session */
  g_assert_false (petrel_smtp_client_is_connected (client));

  g_clear_object (&client);
  script_server_join (server, TRUE);
}

static void
test_script_multiline_split (void)
{
  const Step steps[] = {
    SEND ("220-script.test ESMTP\r\n"),
    SLEEP (30),
    SEND ("220 second greeting line\r\n"),
    LINES (1),
    SEND ("250-scr"),
    SLEEP (30),
    SEND ("ipt.test\r\n250-SIZE 5"),
    SLEEP (30),
    SEND ("000\r"),
    SLEEP (30),
    SEND ("\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n"),
    LINES (1),
    SEND (BYE),
    END (),
  };
  g_autoptr(ScriptServer) server = script_server_new (steps);
  g_autoptr(PetrelSmtpClient) client = script_client (server, PETREL_SMTP_SECURITY_NONE);
  g_autoptr(GError) error = NULL;
  const char *mechanisms[] = { "PLAIN", "LOGIN", NULL };

  g_assert_true (client_connect (client, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (petrel_smtp_client_get_capabilities (client), ==,
                    PETREL_SMTP_CAPABILITY_SIZE | PETREL_SMTP_CAPABILITY_AUTH |
                    PETREL_SMTP_CAPABILITY_8BITMIME);
  g_assert_cmpuint (petrel_smtp_client_get_max_size (client), ==, 5000);
  g_assert_cmpstrv (petrel_smtp_client_get_auth_mechanisms (client), mechanisms);

  client_close (client);
  script_server_join (server, TRUE);
}

static void
test_script_bad_replies (void)
{
  g_autofree char *xs = g_strnfill (5000, 'x');
  g_autofree char *long_line = g_strdup_printf ("220 %s\r\n", xs);
  g_autoptr(GString) many = g_string_new (NULL);
  const Step long_steps[] = { SEND (long_line), END () };
  const Step garbage_steps[] = { SEND ("hello \033[31mthere\r\n"), END () };
  Step many_steps[] = { SEND (GREETING), LINES (1), SEND (NULL), END () };
  const Step *scripts[3];
  const char *needles[] = { "longer than 1000", "malformed reply: “hello ?[31mthere”",
                            "more than 128 lines" };

  for (guint i = 0; i < 300; i++)
    g_string_append (many, "250-x\r\n");
  g_string_append (many, "250 end\r\n");
  many_steps[2].text = many->str;

  scripts[0] = long_steps;
  scripts[1] = garbage_steps;
  scripts[2] = many_steps;

  for (guint i = 0; i < G_N_ELEMENTS (scripts); i++)
    {
      g_autoptr(ScriptServer) server = script_server_new (scripts[i]);
      g_autoptr(PetrelSmtpClient) client = script_client (server, PETREL_SMTP_SECURITY_NONE);
      g_autoptr(GError) error = NULL;

      g_assert_false (client_connect (client, &error));
      assert_error_contains (error, PETREL_SMTP_ERROR_PROTOCOL, needles[i]);
      g_assert_null (strchr (error->message, '\033'));
      g_assert_false (petrel_smtp_client_is_connected (client));
      g_clear_object (&client);
      script_server_join (server, TRUE);
    }
}

static void
test_script_close_mid_data (void)
{
  const Step steps[] = {
    SEND (GREETING),
    LINES (1), SEND ("250-script.test\r\n250 8BITMIME\r\n"),
    LINES (1), SEND ("250 ok\r\n"),
    LINES (1), SEND ("250 ok\r\n"),
    LINES (1), SEND ("354 go\r\n"),
    UNTIL ("Subject"),
    CLOSE (),
    END (),
  };
  g_autoptr(ScriptServer) server = script_server_new (steps);
  g_autoptr(PetrelSmtpClient) client = script_client (server, PETREL_SMTP_SECURITY_NONE);
  g_autoptr(GString) message = g_string_new ("Subject: cut\r\n\r\n");
  g_autoptr(GError) error = NULL;

  while (message->len < 4 * 1024 * 1024)
    g_string_append (message, "a line of text that goes on for a while, and then some more\r\n");

  g_assert_null (client_send (client, "a@example.test", one_rcpt, message->str, &error));
  g_assert_error (error, PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_CONNECTION);
  g_assert_false (petrel_smtp_client_is_connected (client));

  script_server_join (server, TRUE);
}

static void
on_cancel_timeout (gpointer user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

static void
test_script_timeout_and_cancel (void)
{
  const Step silent[] = { END () };
  const Step silent_after_ehlo[] = {
    SEND (GREETING),
    LINES (1),
    SEND ("250 script.test\r\n"),
    END (),
  };
  g_autoptr(GError) error = NULL;

  /* A server that never says anything */
  {
    g_autoptr(ScriptServer) server = script_server_new (silent);
    g_autoptr(PetrelSmtpClient) client = script_client (server, PETREL_SMTP_SECURITY_NONE);

    petrel_smtp_client_set_timeout (client, 200);
    g_assert_false (client_connect (client, &error));
    assert_error_contains (error, PETREL_SMTP_ERROR_TIMEOUT, "did not answer");
    g_clear_error (&error);
    g_assert_false (petrel_smtp_client_is_connected (client));
    g_clear_object (&client);
    script_server_join (server, TRUE);
  }

  /* One that stops answering once a transaction starts */
  {
    g_autoptr(ScriptServer) server = script_server_new (silent_after_ehlo);
    g_autoptr(PetrelSmtpClient) client = script_client (server, PETREL_SMTP_SECURITY_NONE);

    g_assert_true (client_connect (client, &error));
    petrel_smtp_client_set_timeout (client, 200);
    g_assert_null (client_send (client, "a@example.test", one_rcpt, "Subject: x\n\ny\n", &error));
    g_assert_error (error, PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_TIMEOUT);
    g_clear_error (&error);
    g_assert_false (petrel_smtp_client_is_connected (client));
    g_clear_object (&client);
    script_server_join (server, TRUE);
    g_assert_cmpstr (server->received->str, ==,
                     "EHLO client.test\r\nMAIL FROM:<a@example.test>\r\n");
  }

  /* Cancelled by the caller while waiting, with no timeout at all */
  {
    g_autoptr(ScriptServer) server = script_server_new (silent);
    g_autoptr(PetrelSmtpClient) client = script_client (server, PETREL_SMTP_SECURITY_NONE);
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();

    petrel_smtp_client_set_timeout (client, 0);
    g_timeout_add_once (100, on_cancel_timeout, cancellable);
    g_assert_null (client_send_full (client, "a@example.test", one_rcpt, "Subject: x\n\ny\n", -1,
                                     PETREL_SMTP_SEND_NONE, cancellable, &error));
    g_assert_error (error, PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_CANCELLED);
    g_clear_error (&error);
    g_assert_false (petrel_smtp_client_is_connected (client));
    g_clear_object (&client);
    script_server_join (server, TRUE);
  }

  /* Already cancelled: fails without touching the server */
  {
    g_autoptr(ScriptServer) server = script_server_new (silent);
    g_autoptr(PetrelSmtpClient) client = script_client (server, PETREL_SMTP_SECURITY_NONE);
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();

    g_cancellable_cancel (cancellable);
    g_assert_null (client_send_full (client, "a@example.test", one_rcpt, "Subject: x\n\ny\n", -1,
                                     PETREL_SMTP_SEND_NONE, cancellable, &error));
    g_assert_error (error, PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_CANCELLED);
    g_clear_error (&error);
    g_clear_object (&client);
    script_server_join (server, FALSE);
  }
}

static void
test_script_bad_addresses (void)
{
  const Step steps[] = {
    SEND (GREETING),
    LINES (1),
    SEND ("250-script.test\r\n250 PIPELINING\r\n"),
    LINES (1),
    SEND (BYE),
    END (),
  };
  const char *bad_recipients[] = {
    "victim@example.test>\r\nRCPT TO:<evil@example.test", "a b@example.test",
    "<c@example.test>", "d@example.test\n", "e@example.test\r", "f\0@example.test", "",
    "no-domain",
  };
  const char *message = "Subject: x\n\ny\n";
  g_autoptr(ScriptServer) server = script_server_new (steps);
  g_autoptr(PetrelSmtpClient) client = script_client (server, PETREL_SMTP_SECURITY_NONE);
  g_autoptr(GError) error = NULL;
  const char *none[] = { NULL };

  g_assert_true (client_connect (client, &error));

  for (guint i = 0; i < G_N_ELEMENTS (bad_recipients); i++)
    {
      const char *rcpts[] = { "good@example.test", bad_recipients[i], NULL };

      /* "f\0@..." is just "f" to C: still refused, for having no domain */
      g_assert_null (client_send (client, "a@example.test", rcpts, message, &error));
      g_assert_error (error, PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_INVALID_ADDRESS);
      g_clear_error (&error);
    }

  g_assert_null (client_send (client, "a@example.test\r\nRSET", one_rcpt, message, &error));
  g_assert_error (error, PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_INVALID_ADDRESS);
  g_clear_error (&error);

  g_assert_null (client_send (client, "a@example.test", none, message, &error));
  g_assert_error (error, PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_INVALID_ADDRESS);
  g_clear_error (&error);

  g_assert_true (petrel_smtp_client_is_connected (client));
  client_close (client);
  script_server_join (server, TRUE);
  g_assert_cmpstr (server->received->str, ==, "EHLO client.test\r\nQUIT\r\n");

  /* A client that is not connected does not even connect */
  {
    const Step nothing[] = { END () };
    g_autoptr(ScriptServer) idle = script_server_new (nothing);
    g_autoptr(PetrelSmtpClient) fresh = script_client (idle, PETREL_SMTP_SECURITY_NONE);
    const char *rcpts[] = { "x@example.test\r\nDATA", NULL };

    g_assert_null (client_send (fresh, "a@example.test", rcpts, message, &error));
    g_assert_error (error, PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_INVALID_ADDRESS);
    g_assert_false (petrel_smtp_client_is_connected (fresh));
    g_clear_object (&fresh);
    script_server_join (idle, FALSE);
  }
}

static void
test_script_auth (void)
{
  g_autofree char *plain = b64 ("\0carol\0s3cret \"q\\", 17);
  g_autofree char *plain_line = g_strdup_printf ("AUTH PLAIN %s\r\n", plain);
  g_autofree char *bearer = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *log = NULL;
  g_autoptr(GError) error = NULL;

  /* PLAIN with an initial response, allowed without TLS only because the peer is loopback */
  {
    const Step steps[] = {
      SEND (GREETING),
      LINES (1), SEND ("250-script.test\r\n250 AUTH LOGIN PLAIN\r\n"),
      LINES (1), SEND ("235 2.7.0 Authentication successful\r\n"),
      LINES (1), SEND (BYE),
      END (),
    };
    g_autoptr(ScriptServer) server = script_server_new (steps);
    g_autoptr(PetrelSmtpClient) client = script_client (server, PETREL_SMTP_SECURITY_NONE);

    clear_smtp_log ();
    petrel_smtp_client_set_password (client, "carol", "s3cret \"q\\");
    g_assert_true (client_connect (client, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (petrel_smtp_client_get_auth_mechanism_used (client), ==, "PLAIN");
    g_assert_false (petrel_smtp_client_is_encrypted (client));
    client_close (client);
    script_server_join (server, TRUE);

    expected = g_strdup_printf ("EHLO client.test\r\n%sQUIT\r\n", plain_line);
    g_assert_cmpstr (server->received->str, ==, expected);

    log = dup_smtp_log ();
    g_assert_nonnull (strstr (log, "C: AUTH PLAIN <redacted>"));
    g_assert_null (strstr (log, plain));
    g_assert_null (strstr (log, "s3cret"));
    g_clear_pointer (&log, g_free);
    g_clear_pointer (&expected, g_free);
  }

  /* LOGIN, refused */
  {
    const Step steps[] = {
      SEND (GREETING),
      LINES (1), SEND ("250-script.test\r\n250 AUTH LOGIN\r\n"),
      LINES (1), SEND ("334 VXNlcm5hbWU6\r\n"),
      LINES (1), SEND ("334 UGFzc3dvcmQ6\r\n"),
      LINES (1), SEND ("535 5.7.8 Authentication credentials invalid\r\n"),
      END (),
    };
    g_autoptr(ScriptServer) server = script_server_new (steps);
    g_autoptr(PetrelSmtpClient) client = script_client (server, PETREL_SMTP_SECURITY_NONE);
    g_autofree char *user = b64 ("carol", 5);
    g_autofree char *password = b64 ("wrong", 5);

    clear_smtp_log ();
    petrel_smtp_client_set_password (client, "carol", "wrong");
    g_assert_false (client_connect (client, &error));
    assert_error_contains (error, PETREL_SMTP_ERROR_AUTH,
                           "The server rejected the user name or password");
    g_clear_error (&error);
    g_assert_false (petrel_smtp_client_is_connected (client));
    g_clear_object (&client);
    script_server_join (server, TRUE);

    expected = g_strdup_printf ("EHLO client.test\r\nAUTH LOGIN\r\n%s\r\n%s\r\n", user, password);
    g_assert_cmpstr (server->received->str, ==, expected);
    log = dup_smtp_log ();
    g_assert_null (strstr (log, password));
    g_assert_null (strstr (log, user));
    g_assert_nonnull (strstr (log, "C: <redacted>"));
    g_clear_pointer (&log, g_free);
    g_clear_pointer (&expected, g_free);
  }

  /* XOAUTH2 refused with a JSON status, which the error quotes */
  {
    const Step steps[] = {
      SEND (GREETING),
      LINES (1), SEND ("250-script.test\r\n250 AUTH PLAIN XOAUTH2\r\n"),
      LINES (1), SEND ("334 eyJzdGF0dXMiOiI0MDEifQ==\r\n"),
      LINES (1), SEND ("535 5.7.8 Username and Password not accepted\r\n"),
      END (),
    };
    g_autoptr(ScriptServer) server = script_server_new (steps);
    g_autoptr(PetrelSmtpClient) client = script_client (server, PETREL_SMTP_SECURITY_NONE);
    const char *raw = "user=carol@example.test\001auth=Bearer ya29.token\001\001";
    g_autofree char *payload = b64 (raw, strlen (raw));

    petrel_smtp_client_set_oauth2_token (client, "carol@example.test", "ya29.token");
    g_assert_false (client_connect (client, &error));
    assert_error_contains (error, PETREL_SMTP_ERROR_AUTH, "{\"status\":\"401\"}");
    g_clear_error (&error);
    g_clear_object (&client);
    script_server_join (server, TRUE);

    expected = g_strdup_printf ("EHLO client.test\r\nAUTH XOAUTH2 %s\r\n\r\n", payload);
    g_assert_cmpstr (server->received->str, ==, expected);
    g_clear_pointer (&expected, g_free);
  }

  /* OAUTHBEARER preferred when offered */
  {
    const Step steps[] = {
      SEND (GREETING),
      LINES (1), SEND ("250-script.test\r\n250 AUTH XOAUTH2 OAUTHBEARER PLAIN\r\n"),
      LINES (1), SEND ("235 2.7.0 Accepted\r\n"),
      LINES (1), SEND (BYE),
      END (),
    };
    g_autoptr(ScriptServer) server = script_server_new (steps);
    g_autoptr(PetrelSmtpClient) client = script_client (server, PETREL_SMTP_SECURITY_NONE);
    g_autofree char *raw = g_strdup_printf ("n,a=carol@example.test,\001host=127.0.0.1\001port=%u"
                                            "\001auth=Bearer tok\001\001", server->port);

    bearer = b64 (raw, strlen (raw));
    petrel_smtp_client_set_oauth2_token (client, "carol@example.test", "tok");
    g_assert_true (client_connect (client, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (petrel_smtp_client_get_auth_mechanism_used (client), ==, "OAUTHBEARER");
    client_close (client);
    script_server_join (server, TRUE);

    expected = g_strdup_printf ("EHLO client.test\r\nAUTH OAUTHBEARER %s\r\nQUIT\r\n", bearer);
    g_assert_cmpstr (server->received->str, ==, expected);
    g_clear_pointer (&expected, g_free);
  }

  /* Nothing we can use */
  {
    const Step steps[] = {
      SEND (GREETING),
      LINES (1), SEND ("250-script.test\r\n250 AUTH CRAM-MD5 GSSAPI\r\n"),
      END (),
    };
    g_autoptr(ScriptServer) server = script_server_new (steps);
    g_autoptr(PetrelSmtpClient) client = script_client (server, PETREL_SMTP_SECURITY_NONE);

    petrel_smtp_client_set_password (client, "carol", "secret");
    g_assert_false (client_connect (client, &error));
    assert_error_contains (error, PETREL_SMTP_ERROR_AUTH, "CRAM-MD5 GSSAPI");
    g_clear_error (&error);
    g_clear_object (&client);
    script_server_join (server, TRUE);
    g_assert_cmpstr (server->received->str, ==, "EHLO client.test\r\n");
  }
}

static void
test_script_extensions (void)
{
  const char *message = "Subject: Grüße\n\nÜber\n";
  const Step steps[] = {
    SEND (GREETING),
    LINES (1), SEND ("250-script.test\r\n250-DSN\r\n250-SMTPUTF8\r\n250 8BITMIME\r\n"),
    LINES (1), SEND ("250 ok\r\n"),
    LINES (1), SEND ("250 ok\r\n"),
    LINES (1), SEND ("354 go\r\n"),
    UNTIL ("\r\n.\r\n"), SEND ("250 ok\r\n"),
    LINES (1), SEND ("250 reset\r\n"),
    LINES (1), SEND ("250 ok\r\n"),
    LINES (1), SEND ("250 ok\r\n"),
    LINES (1), SEND ("354 go\r\n"),
    UNTIL ("\r\n.\r\n"), SEND ("250 ok\r\n"),
    LINES (1), SEND (BYE),
    END (),
  };
  const Step plain_steps[] = {
    SEND (GREETING),
    LINES (1), SEND ("250-script.test\r\n250 PIPELINING\r\n"),
    LINES (1), SEND (BYE),
    END (),
  };
  const char *utf8_rcpt[] = { "jürgen@exämple.test", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) results = NULL;

  {
    g_autoptr(ScriptServer) server = script_server_new (steps);
    g_autoptr(PetrelSmtpClient) client = script_client (server, PETREL_SMTP_SECURITY_NONE);

    results = client_send_full (client, "ünïcode@example.test", one_rcpt, message, -1,
                                PETREL_SMTP_SEND_DSN, NULL, &error);
    g_assert_no_error (error);
    g_clear_pointer (&results, g_ptr_array_unref);

    /* DSN only when asked; 7-bit ASCII needs no parameters at all */
    results = client_send (client, "a@example.test", one_rcpt, "Subject: x\n\ny\n", &error);
    g_assert_no_error (error);
    g_clear_pointer (&results, g_ptr_array_unref);

    client_close (client);
    script_server_join (server, TRUE);
    g_assert_cmpstr (server->received->str, ==,
                     "EHLO client.test\r\n"
                     "MAIL FROM:<ünïcode@example.test> BODY=8BITMIME SMTPUTF8 RET=HDRS\r\n"
                     "RCPT TO:<bob@example.test> NOTIFY=SUCCESS,FAILURE\r\n"
                     "DATA\r\n"
                     "Subject: Grüße\r\n\r\nÜber\r\n.\r\n"
                     "RSET\r\n"
                     "MAIL FROM:<a@example.test>\r\n"
                     "RCPT TO:<bob@example.test>\r\n"
                     "DATA\r\n"
                     "Subject: x\r\n\r\ny\r\n.\r\n"
                     "QUIT\r\n");
  }

  {
    g_autoptr(ScriptServer) server = script_server_new (plain_steps);
    g_autoptr(PetrelSmtpClient) client = script_client (server, PETREL_SMTP_SECURITY_NONE);

    g_assert_null (client_send (client, "a@example.test", utf8_rcpt, "Subject: x\n\ny\n", &error));
    assert_error_contains (error, PETREL_SMTP_ERROR_UNSUPPORTED, "SMTPUTF8");
    g_clear_error (&error);

    g_assert_null (client_send (client, "a@example.test", one_rcpt, message, &error));
    assert_error_contains (error, PETREL_SMTP_ERROR_UNSUPPORTED, "8BITMIME");
    g_clear_error (&error);

    /* DSN asked of a server without it: sent without DSN parameters would need a script;
     * here it is enough that the refusals above kept the connection */
    g_assert_true (petrel_smtp_client_is_connected (client));
    client_close (client);
    script_server_join (server, TRUE);
    g_assert_cmpstr (server->received->str, ==, "EHLO client.test\r\nQUIT\r\n");
  }
}

static void
test_script_pipelined_refusal (void)
{
  /* MAIL refused inside a pipelined group, and a server that still says 354 to DATA: the
   * client ends the empty data at once and reports the sender's refusal. */
  const Step steps[] = {
    SEND (GREETING),
    LINES (1), SEND ("250-script.test\r\n250-PIPELINING\r\n250 ENHANCEDSTATUSCODES\r\n"),
    LINES (3),
    SEND ("550 5.7.1 Sender address rejected: not owned by user\r\n"
          "503 5.5.1 Error: need MAIL command\r\n354 go ahead anyway\r\n"),
    LINES (1), SEND ("554 5.5.1 Error: no valid recipients\r\n"),
    LINES (1), SEND (BYE),
    END (),
  };
  g_autoptr(ScriptServer) server = script_server_new (steps);
  g_autoptr(PetrelSmtpClient) client = script_client (server, PETREL_SMTP_SECURITY_NONE);
  g_autoptr(GError) error = NULL;

  g_assert_null (client_send (client, "a@example.test", one_rcpt, "Subject: x\n\ny\n", &error));
  assert_error_contains (error, PETREL_SMTP_ERROR_PERMANENT, "Sending from a@example.test");
  assert_error_contains (error, PETREL_SMTP_ERROR_PERMANENT, "not owned by user");
  g_assert_true (petrel_smtp_client_is_connected (client));

  client_close (client);
  script_server_join (server, TRUE);
  g_assert_cmpstr (server->received->str, ==,
                   "EHLO client.test\r\n"
                   "MAIL FROM:<a@example.test>\r\n"
                   "RCPT TO:<bob@example.test>\r\n"
                   "DATA\r\n"
                   ".\r\n"
                   "QUIT\r\n");
}

static void
test_script_greetings (void)
{
  const Step refused[] = { SEND ("554 5.3.2 No SMTP service here\r\n"), END () };
  const Step helo[] = {
    SEND ("220 old.test SMTP\r\n"),
    LINES (1), SEND ("502 5.5.2 Error: command not recognized\r\n"),
    LINES (1), SEND ("250 old.test\r\n"),
    LINES (1), SEND ("250 ok\r\n"),
    LINES (1), SEND ("250 ok\r\n"),
    LINES (1), SEND ("354 go\r\n"),
    UNTIL ("\r\n.\r\n"), SEND ("250 ok\r\n"),
    LINES (1), SEND (BYE),
    END (),
  };
  g_autoptr(GError) error = NULL;

  {
    g_autoptr(ScriptServer) server = script_server_new (refused);
    g_autoptr(PetrelSmtpClient) client = script_client (server, PETREL_SMTP_SECURITY_NONE);

    g_assert_false (client_connect (client, &error));
    assert_error_contains (error, PETREL_SMTP_ERROR_PERMANENT, "refused the connection");
    g_clear_error (&error);
    g_clear_object (&client);
    script_server_join (server, TRUE);
    g_assert_cmpstr (server->received->str, ==, "");
  }

  {
    g_autoptr(ScriptServer) server = script_server_new (helo);
    g_autoptr(PetrelSmtpClient) client = script_client (server, PETREL_SMTP_SECURITY_NONE);
    g_autoptr(GPtrArray) results = NULL;

    results = client_send (client, "a@example.test", one_rcpt, "Subject: x\n\ny\n", &error);
    g_assert_no_error (error);
    g_assert_cmpuint (petrel_smtp_client_get_capabilities (client), ==,
                      PETREL_SMTP_CAPABILITY_NONE);
    client_close (client);
    script_server_join (server, TRUE);
    g_assert_cmpstr (server->received->str, ==,
                     "EHLO client.test\r\nHELO client.test\r\n"
                     "MAIL FROM:<a@example.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n"
                     "Subject: x\r\n\r\ny\r\n.\r\nQUIT\r\n");
  }
}

static void
test_script_stale_connection (void)
{
  /* Servers drop idle connections, with a 421 or silently; the next message notices on RSET,
   * before the server took anything, and is sent again on a new connection. */
#define SESSION(n) \
    SEND (GREETING), \
    LINES (1), SEND ("250-script.test\r\n250 PIPELINING\r\n"), \
    LINES (3), SEND ("250 ok\r\n250 ok\r\n354 go\r\n"), \
    UNTIL ("\r\n.\r\n"), SEND ("250 queued " n "\r\n")
  const Step steps[] = {
    SESSION ("1"),
    LINES (4), SEND ("421 4.4.2 script.test Error: timeout exceeded\r\n"),
    ACCEPT (),
    SESSION ("2"),
    ACCEPT (),
    SESSION ("3"),
    /* A drop after the server answered is not retried: that could send twice. */
    LINES (4), SEND ("250 reset\r\n"),
    CLOSE (),
    END (),
  };
#undef SESSION
  g_autoptr(ScriptServer) server = script_server_new (steps);
  g_autoptr(PetrelSmtpClient) client = script_client (server, PETREL_SMTP_SECURITY_NONE);
  g_autoptr(GError) error = NULL;
  const char *last;
  const char *first;

  for (guint i = 1; i <= 3; i++)
    {
      g_autoptr(GPtrArray) results = NULL;
      g_autofree char *message = g_strdup_printf ("Subject: %u\n\nbody\n", i);

      results = client_send (client, "a@example.test", one_rcpt, message, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (results->len, ==, 1);
    }

  g_assert_null (client_send (client, "a@example.test", one_rcpt, "Subject: 4\n\n4\n", &error));
  g_assert_error (error, PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_CONNECTION);
  g_assert_false (petrel_smtp_client_is_connected (client));

  g_clear_object (&client);
  script_server_join (server, TRUE);

  first = strstr (server->received->str, "<new connection>\n");
  last = g_strrstr (server->received->str, "<new connection>\n");
  g_assert_nonnull (first);
  g_assert_true (first != last);
  g_assert_true (g_str_has_prefix (server->received->str,
                                   "EHLO client.test\r\n"
                                   "MAIL FROM:<a@example.test>\r\nRCPT TO:<bob@example.test>\r\n"
                                   "DATA\r\nSubject: 1\r\n\r\nbody\r\n.\r\n"
                                   "RSET\r\nMAIL FROM:<a@example.test>\r\n"
                                   "RCPT TO:<bob@example.test>\r\nDATA\r\n"
                                   "<new connection>\n"
                                   "EHLO client.test\r\n"
                                   "MAIL FROM:<a@example.test>\r\nRCPT TO:<bob@example.test>\r\n"
                                   "DATA\r\nSubject: 2\r\n\r\nbody\r\n.\r\n"));
  /* The RSET of the third message may or may not have reached the second connection */
  g_assert_cmpstr (last, ==,
                   "<new connection>\n"
                   "EHLO client.test\r\n"
                   "MAIL FROM:<a@example.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n"
                   "Subject: 3\r\n\r\nbody\r\n.\r\n"
                   "RSET\r\n"
                   "MAIL FROM:<a@example.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n");
}

/* Real servers (tests/support/petrel-test-servers) */

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

static guint
find_user (const char *user)
{
  for (guint i = 0; i < petrel_test_servers_get_n_users (servers); i++)
    if (g_str_equal (petrel_test_servers_get_user (servers, i), user))
      return i;

  g_error ("No test user %s", user);
  return 0;
}

static PetrelSmtpClient *
real_client (gboolean implicit_tls,
             gboolean with_ca,
             guint    user)
{
  PetrelSmtpClient *client;

  client = petrel_smtp_client_new (petrel_test_servers_get_host (servers),
                                   implicit_tls ? petrel_test_servers_get_smtps_port (servers)
                                                : petrel_test_servers_get_smtp_port (servers),
                                   implicit_tls ? PETREL_SMTP_SECURITY_TLS
                                                : PETREL_SMTP_SECURITY_STARTTLS);
  petrel_smtp_client_set_timeout (client, 30000);

  if (with_ca)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GTlsDatabase) database = NULL;

      database = g_tls_file_database_new (petrel_test_servers_get_ca_file (servers), &error);
      g_assert_no_error (error);
      petrel_smtp_client_set_tls_database (client, database);
    }

  petrel_smtp_client_set_password (client, petrel_test_servers_get_user (servers, user),
                                   petrel_test_servers_get_password (servers, user));
  return client;
}

/* A tiny blocking IMAPS client to read delivered messages back. */

static void
imap_write (GIOStream  *stream,
            const char *line)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data = g_strconcat (line, "\r\n", NULL);

  g_output_stream_write_all (g_io_stream_get_output_stream (stream), data, strlen (data),
                             NULL, NULL, &error);
  g_assert_no_error (error);
}

static char *
imap_read_line (GDataInputStream *input)
{
  g_autoptr(GError) error = NULL;
  char *line = g_data_input_stream_read_line (input, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (line);
  return line;
}

/* Reads up to the tagged reply, which must be OK; returns the last untagged line that starts
 * with @untagged (or NULL). */
static char *
imap_expect_ok (GDataInputStream *input,
                const char       *tag,
                const char       *untagged)
{
  g_autofree char *prefix = g_strconcat (tag, " ", NULL);
  char *found = NULL;

  for (;;)
    {
      g_autofree char *line = imap_read_line (input);

      if (g_str_has_prefix (line, prefix))
        {
          if (!g_str_has_prefix (line + strlen (prefix), "OK"))
            g_error ("IMAP: %s", line);
          return found;
        }
      if (untagged != NULL && g_str_has_prefix (line, untagged))
        {
          g_free (found);
          found = g_steal_pointer (&line);
        }
    }
}

static char *
imap_quote (const char *text)
{
  GString *out = g_string_new ("\"");

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');

  return g_string_free (out, FALSE);
}

/* Fetches the one message in @user's INBOX whose subject holds @token. */
static GBytes *
imap_fetch_by_subject (guint       user,
                       const char *token)
{
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GSocketConnectable) identity = NULL;
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(GDataInputStream) input = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *greeting = NULL;
  g_autofree char *login = NULL;
  g_autofree char *quser = NULL;
  g_autofree char *qpass = NULL;
  g_autofree char *search = NULL;
  g_autofree char *found = NULL;
  g_autofree char *fetch = NULL;
  g_autofree char *header = NULL;
  g_autofree char *rest = NULL;
  g_autofree char *body = NULL;
  const char *brace;
  guint64 uid = 0;
  guint64 size = 0;
  gsize got = 0;

  g_socket_client_set_timeout (socket_client, 30);
  connection = g_socket_client_connect_to_host (socket_client,
                                                petrel_test_servers_get_host (servers),
                                                petrel_test_servers_get_imaps_port (servers),
                                                NULL, &error);
  g_assert_no_error (error);

  identity = g_network_address_new (petrel_test_servers_get_host (servers),
                                    petrel_test_servers_get_imaps_port (servers));
  tls = g_tls_client_connection_new (G_IO_STREAM (connection), identity, &error);
  g_assert_no_error (error);
  database = petrel_test_servers_dup_tls_database (servers, &error);
  g_assert_no_error (error);
  g_tls_connection_set_database (G_TLS_CONNECTION (tls), database);
  g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, &error);
  g_assert_no_error (error);

  input = g_data_input_stream_new (g_io_stream_get_input_stream (tls));
  g_data_input_stream_set_newline_type (input, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);

  greeting = imap_read_line (input);
  g_assert_true (g_str_has_prefix (greeting, "* OK"));

  quser = imap_quote (petrel_test_servers_get_user (servers, user));
  qpass = imap_quote (petrel_test_servers_get_password (servers, user));
  login = g_strdup_printf ("a1 LOGIN %s %s", quser, qpass);
  imap_write (tls, login);
  g_free (imap_expect_ok (input, "a1", NULL));

  imap_write (tls, "a2 SELECT INBOX");
  g_free (imap_expect_ok (input, "a2", NULL));

  search = g_strdup_printf ("a3 UID SEARCH SUBJECT \"%s\"", token);
  imap_write (tls, search);
  found = imap_expect_ok (input, "a3", "* SEARCH");
  g_assert_nonnull (found);
  g_assert_cmpint (sscanf (found, "* SEARCH %" G_GUINT64_FORMAT, &uid), ==, 1);
  /* Exactly one message carries the token */
  g_assert_null (strchr (found + strlen ("* SEARCH "), ' '));

  fetch = g_strdup_printf ("a4 UID FETCH %" G_GUINT64_FORMAT " BODY.PEEK[]", uid);
  imap_write (tls, fetch);
  header = imap_read_line (input);
  brace = strrchr (header, '{');
  g_assert_nonnull (brace);
  g_assert_cmpint (sscanf (brace, "{%" G_GUINT64_FORMAT "}", &size), ==, 1);

  body = g_malloc (size + 1);
  g_input_stream_read_all (G_INPUT_STREAM (input), body, size, &got, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (got, ==, size);

  rest = imap_read_line (input);
  g_assert_true (g_str_has_suffix (rest, ")"));
  g_free (imap_expect_ok (input, "a4", NULL));

  imap_write (tls, "a5 LOGOUT");
  g_free (imap_expect_ok (input, "a5", NULL));

  return g_bytes_new_take (g_steal_pointer (&body), size);
}

/* The delivered message is the trace headers the servers add, then exactly our bytes. */
static void
assert_delivered (GBytes     *fetched,
                  const char *canonical)
{
  gsize len;
  const char *data = g_bytes_get_data (fetched, &len);
  gsize want = strlen (canonical);
  g_autofree char *prefix = NULL;

  g_assert_cmpuint (len, >, want);
  g_assert_cmpmem (data + len - want, want, canonical, want);

  prefix = g_strndup (data, len - want);
  g_assert_true (g_str_has_prefix (prefix, "Return-Path:") ||
                 g_str_has_prefix (prefix, "Received:") ||
                 g_str_has_prefix (prefix, "Delivered-To:"));
  g_assert_null (strstr (prefix, "\r\n\r\n"));
  g_assert_true (g_str_has_suffix (prefix, "\r\n"));
}

static void
send_and_read_back (gboolean implicit_tls)
{
  guint carol, alice;
  g_autoptr(PetrelSmtpClient) client = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) fetched = NULL;
  g_autofree char *token = NULL;
  g_autofree char *message = NULL;
  g_autofree char *canonical = NULL;
  const char *to[2] = { NULL, NULL };

  if (get_servers () == NULL)
    return;

  carol = find_user ("carol");
  alice = find_user ("alice");
  to[0] = petrel_test_servers_get_email (servers, alice);
  token = g_strdup_printf ("petrel-smtp-%s-%08x", implicit_tls ? "tls" : "starttls",
                           g_random_int ());

  message = g_strdup_printf ("From: Carol <%s>\n"
                             "To: Alice <%s>\n"
                             "Subject: %s\n"
                             "Message-ID: <%s@example.test>\n"
                             "MIME-Version: 1.0\n"
                             "Content-Type: text/plain; charset=utf-8\n"
                             "Content-Transfer-Encoding: 8bit\n"
                             "\n"
                             ".hidden\n"
                             "..\n"
                             ".\n"
                             "Grüße von Ñúñez — ünïcödé ✓\r\n"
                             "bare LF\nbare CR\rend",
                             petrel_test_servers_get_email (servers, carol), to[0], token, token);
  canonical = g_strdup_printf ("From: Carol <%s>\r\n"
                               "To: Alice <%s>\r\n"
                               "Subject: %s\r\n"
                               "Message-ID: <%s@example.test>\r\n"
                               "MIME-Version: 1.0\r\n"
                               "Content-Type: text/plain; charset=utf-8\r\n"
                               "Content-Transfer-Encoding: 8bit\r\n"
                               "\r\n"
                               ".hidden\r\n"
                               "..\r\n"
                               ".\r\n"
                               "Grüße von Ñúñez — ünïcödé ✓\r\n"
                               "bare LF\r\nbare CR\r\nend\r\n",
                               petrel_test_servers_get_email (servers, carol), to[0], token,
                               token);

  client = real_client (implicit_tls, TRUE, carol);
  clear_smtp_log ();
  results = client_send (client, petrel_test_servers_get_email (servers, carol), to, message,
                         &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 1);
  g_assert_true (petrel_smtp_recipient_result_get_accepted (g_ptr_array_index (results, 0)));
  g_assert_true (petrel_smtp_client_is_encrypted (client));
  g_assert_nonnull (petrel_smtp_client_get_auth_mechanism_used (client));
  g_assert_nonnull (petrel_smtp_client_get_peer_certificate (client));

  /* carol's password holds a space, a quote and a backslash; none of it reaches the log */
  {
    g_autofree char *log = dup_smtp_log ();

    g_assert_null (strstr (log, petrel_test_servers_get_password (servers, carol)));
    g_assert_nonnull (strstr (log, "<redacted>"));
  }

  client_close (client);

  fetched = imap_fetch_by_subject (alice, token);
  assert_delivered (fetched, canonical);
}

static void
test_real_starttls (void)
{
  send_and_read_back (FALSE);
}

static void
test_real_implicit_tls (void)
{
  send_and_read_back (TRUE);
}

static void
test_real_wrong_password (void)
{
  g_autoptr(PetrelSmtpClient) client = NULL;
  g_autoptr(GError) error = NULL;

  if (get_servers () == NULL)
    return;

  for (guint implicit = 0; implicit < 2; implicit++)
    {
      client = real_client (implicit, TRUE, find_user ("bob"));
      petrel_smtp_client_set_password (client, "bob", "not-the-password");
      g_assert_false (client_connect (client, &error));
      assert_error_contains (error, PETREL_SMTP_ERROR_AUTH,
                             "The server rejected the user name or password");
      g_clear_error (&error);
      g_assert_false (petrel_smtp_client_is_connected (client));
      g_clear_object (&client);
    }
}

static gboolean
on_accept_unknown_ca_cb (GTlsConnection       *connection,
                         GTlsCertificate      *certificate,
                         GTlsCertificateFlags  errors,
                         gpointer              user_data)
{
  /* What a pinned certificate looks like to the account layer: trusted despite the CA. */
  return errors == G_TLS_CERTIFICATE_UNKNOWN_CA;
}

static void
on_tls_connection_created_cb (PetrelSmtpClient     *client,
                              GTlsClientConnection *connection,
                              gpointer              user_data)
{
  guint *count = user_data;

  (*count)++;
  g_signal_connect (connection, "accept-certificate", G_CALLBACK (on_accept_unknown_ca_cb), NULL);
}

static void
test_real_untrusted (void)
{
  g_autoptr(GError) error = NULL;

  if (get_servers () == NULL)
    return;

  for (guint implicit = 0; implicit < 2; implicit++)
    {
      g_autoptr(PetrelSmtpClient) client = real_client (implicit, FALSE, find_user ("bob"));
      g_autoptr(PetrelSmtpClient) pinned = real_client (implicit, FALSE, find_user ("bob"));
      g_autofree char *log = NULL;
      guint created = 0;

      clear_smtp_log ();
      g_assert_false (client_connect (client, &error));
      assert_error_contains (error, PETREL_SMTP_ERROR_TLS,
                             "is not signed by a known certificate authority");
      assert_error_contains (error, PETREL_SMTP_ERROR_TLS, "SHA-256 fingerprint");
      g_clear_error (&error);
      g_assert_false (petrel_smtp_client_is_connected (client));
      g_assert_nonnull (petrel_smtp_client_get_peer_certificate (client));
      g_assert_true (petrel_smtp_client_get_peer_certificate_errors (client) &
                     G_TLS_CERTIFICATE_UNKNOWN_CA);
      /* The password never went out */
      log = dup_smtp_log ();
      g_assert_null (strstr (log, "AUTH"));

      /* The hook the account layer uses to pin a certificate */
      g_signal_connect (pinned, "tls-connection-created",
                        G_CALLBACK (on_tls_connection_created_cb), &created);
      g_assert_true (client_connect (pinned, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (created, ==, 1);
      g_assert_true (petrel_smtp_client_is_encrypted (pinned));
      client_close (pinned);
    }
}

static void
test_real_unknown_recipient (void)
{
  g_autoptr(PetrelSmtpClient) client = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) fetched = NULL;
  g_autofree char *token = NULL;
  g_autofree char *message = NULL;
  g_autofree char *canonical = NULL;
  PetrelSmtpRecipientResult *result;
  guint bob;
  const char *to[3] = { "nobody@example.test", NULL, NULL };

  if (get_servers () == NULL)
    return;

  bob = find_user ("bob");
  to[1] = petrel_test_servers_get_email (servers, bob);
  token = g_strdup_printf ("petrel-smtp-partial-%08x", g_random_int ());
  message = g_strdup_printf ("From: %s\nTo: nobody@example.test, %s\nSubject: %s\n\nHi Bob.\n",
                             to[1], to[1], token);
  canonical = g_strdup_printf ("From: %s\r\nTo: nobody@example.test, %s\r\nSubject: %s\r\n\r\n"
                               "Hi Bob.\r\n", to[1], to[1], token);

  client = real_client (FALSE, TRUE, bob);
  results = client_send (client, to[1], to, message, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 2);

  result = g_ptr_array_index (results, 0);
  g_assert_cmpstr (petrel_smtp_recipient_result_get_address (result), ==, "nobody@example.test");
  g_assert_false (petrel_smtp_recipient_result_get_accepted (result));
  g_assert_cmpuint (petrel_smtp_recipient_result_get_code (result), ==, 550);
  g_assert_cmpstr (petrel_smtp_recipient_result_get_enhanced_code (result), ==, "5.1.1");
  g_assert_false (petrel_smtp_recipient_result_is_temporary (result));

  result = g_ptr_array_index (results, 1);
  g_assert_true (petrel_smtp_recipient_result_get_accepted (result));

  /* Everyone refused: an error that names the reason */
  g_clear_pointer (&results, g_ptr_array_unref);
  to[1] = NULL;
  g_assert_null (client_send (client, petrel_test_servers_get_email (servers, bob), to, message,
                              &error));
  assert_error_contains (error, PETREL_SMTP_ERROR_PERMANENT,
                         "The recipient's address does not exist");
  g_clear_error (&error);

  client_close (client);

  fetched = imap_fetch_by_subject (bob, token);
  assert_delivered (fetched, canonical);
}

static void
test_real_limits (void)
{
  g_autoptr(PetrelSmtpClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *xs = g_strnfill (500, 'x');
  g_autofree char *message = g_strdup_printf ("Subject: big\n\n%s\n%s\n", xs, xs);
  const char *to[] = { "alice@example.test", NULL };

  if (get_servers () == NULL)
    return;

  /* security=none against a server that requires STARTTLS before AUTH: no password goes out */
  client = petrel_smtp_client_new (petrel_test_servers_get_host (servers),
                                   petrel_test_servers_get_smtp_port (servers),
                                   PETREL_SMTP_SECURITY_NONE);
  petrel_smtp_client_set_timeout (client, 30000);
  petrel_smtp_client_set_password (client, "bob",
                                   petrel_test_servers_get_password (servers, find_user ("bob")));
  g_assert_false (client_connect (client, &error));
  assert_error_contains (error, PETREL_SMTP_ERROR_AUTH, "does not offer signing in");
  g_clear_error (&error);
  g_clear_object (&client);

  /* The server's SIZE limit is checked before MAIL */
  petrel_test_servers_smtp_set_size_limit (servers, 1000, &error);
  g_assert_no_error (error);
  client = real_client (TRUE, TRUE, find_user ("bob"));
  g_assert_null (client_send (client, "bob@example.test", to, message, &error));
  assert_error_contains (error, PETREL_SMTP_ERROR_SIZE, "(1000 bytes)");
  g_clear_error (&error);
  g_assert_cmpuint (petrel_smtp_client_get_max_size (client), ==, 1000);
  client_close (client);
  petrel_test_servers_smtp_reset (servers, &error);
  g_assert_no_error (error);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  smtp_log = g_string_new (NULL);
  g_test_init (&argc, &argv, NULL);
  previous_log_handler = g_log_set_default_handler (g_log_default_handler, NULL);
  g_log_set_default_handler (previous_log_handler, NULL);
  g_log_set_handler ("petrel-smtp", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION,
                     capture_log_handler, NULL);
  petrel_engine_init ();

  g_test_add_func ("/petrel/smtp/reply/parse", test_reply_parse);
  g_test_add_func ("/petrel/smtp/reply/ehlo", test_ehlo_parse);
  g_test_add_func ("/petrel/smtp/reply/describe", test_status_describe);
  g_test_add_func ("/petrel/smtp/reply/sanitize", test_sanitize);
  g_test_add_func ("/petrel/smtp/data/canonical", test_data_canonical);
  g_test_add_func ("/petrel/smtp/address", test_address_check);
  g_test_add_func ("/petrel/smtp/auth/payloads", test_auth_payloads);

  g_test_add_func ("/petrel/smtp/script/pipelining", test_script_pipelining);
  g_test_add_func ("/petrel/smtp/script/sequential", test_script_sequential);
  g_test_add_func ("/petrel/smtp/script/chunking", test_script_chunking);
  g_test_add_func ("/petrel/smtp/script/size-limit", test_script_size_limit);
  g_test_add_func ("/petrel/smtp/script/starttls-injection", test_script_starttls_injection);
  g_test_add_func ("/petrel/smtp/script/starttls-missing", test_script_starttls_missing);
  g_test_add_func ("/petrel/smtp/script/status-codes", test_script_status_codes);
  g_test_add_func ("/petrel/smtp/script/multiline-split", test_script_multiline_split);
  g_test_add_func ("/petrel/smtp/script/bad-replies", test_script_bad_replies);
  g_test_add_func ("/petrel/smtp/script/close-mid-data", test_script_close_mid_data);
  g_test_add_func ("/petrel/smtp/script/timeout-cancel", test_script_timeout_and_cancel);
  g_test_add_func ("/petrel/smtp/script/bad-addresses", test_script_bad_addresses);
  g_test_add_func ("/petrel/smtp/script/auth", test_script_auth);
  g_test_add_func ("/petrel/smtp/script/extensions", test_script_extensions);
  g_test_add_func ("/petrel/smtp/script/pipelined-refusal", test_script_pipelined_refusal);
  g_test_add_func ("/petrel/smtp/script/greetings", test_script_greetings);
  g_test_add_func ("/petrel/smtp/script/stale-connection", test_script_stale_connection);

  g_test_add_func ("/petrel/smtp/real/starttls", test_real_starttls);
  g_test_add_func ("/petrel/smtp/real/implicit-tls", test_real_implicit_tls);
  g_test_add_func ("/petrel/smtp/real/wrong-password", test_real_wrong_password);
  g_test_add_func ("/petrel/smtp/real/untrusted", test_real_untrusted);
  g_test_add_func ("/petrel/smtp/real/unknown-recipient", test_real_unknown_recipient);
  g_test_add_func ("/petrel/smtp/real/limits", test_real_limits);

  status = g_test_run ();

  g_clear_pointer (&servers, petrel_test_servers_stop);
  g_string_free (smtp_log, TRUE);

  return status;
}
