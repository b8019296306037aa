/* test-autoconfig.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Account discovery (PetrelAutoconfig) and `petrel-cli account discover`.
 *
 * Nothing here leaves 127.0.0.1: the autoconfig and well-known URLs and the ISPDB point at a
 * local libsoup HTTPS server, MX and SRV come from a stub GResolver, and probes of
 * imap./mail./smtp.<domain> are mapped to small loopback IMAP/SMTP servers. The certificates
 * come from a CA that openssl makes for the test. A plain-HTTP server stands where a redirect
 * to http:// would lead; no test may ever reach it. */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "petrel-engine.h"
#include "account/petrel-autoconfig.h"

#include "../../src/cli/petrel-cli-discover.h"

/* Steps that must not time out get this much; it only matters if something is broken. */
#define GENEROUS_TIMEOUT_MS 20000
/* Steps that are meant to time out (a server that never answers) get this much; whatever
 * else runs in that step (a TLS handshake with a good server) must finish within it. Under
 * valgrind, set PETREL_TEST_TIMEOUT_SCALE=20 or so. */
#define SHORT_TIMEOUT_MS short_timeout_ms ()

#define ADDRESS "alice@example.test"

static guint
short_timeout_ms (void)
{
  const char *scale = g_getenv ("PETREL_TEST_TIMEOUT_SCALE");
  guint64 factor = 1;

  if (scale != NULL && !g_ascii_string_to_unsigned (scale, 10, 1, 1000, &factor, NULL))
    factor = 1;

  return 2000 * (guint) factor;
}

/* Certificates */

typedef struct
{
  char *dir;
  char *ca_pem;
  char *server_pem;
  char *server_key;
  char *other_pem;      /* self-signed, not trusted */
  char *other_key;
} TestCertificates;

static TestCertificates *certificates;
static gboolean certificates_failed;

static void
run_openssl (const char *dir,
             const char *first_arg,
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

#define SERVER_NAMES \
  "IP:127.0.0.1,DNS:imap.probe.test,DNS:mail.probe.test,DNS:smtp.probe.test"

/* A CA and a server certificate it signed for 127.0.0.1 and the probed names, and an
 * unrelated self-signed certificate for the same names. */
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
  certs->dir = g_dir_make_tmp ("petrel-test-autoconfig-XXXXXX", &error);
  g_assert_no_error (error);

  ext = g_build_filename (certs->dir, "server.ext", NULL);
  g_file_set_contents (ext,
                       "basicConstraints=CA:FALSE\n"
                       "keyUsage=critical,digitalSignature\n"
                       "extendedKeyUsage=serverAuth\n"
                       "subjectAltName=" SERVER_NAMES "\n", -1, &error);
  g_assert_no_error (error);

  run_openssl (certs->dir, "req", "-x509", "-newkey", "ec",
               "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
               "-keyout", "ca.key", "-out", "ca.pem", "-days", "3650",
               "-subj", "/O=Petrel Tests/CN=Petrel Autoconfig Test CA",
               "-addext", "basicConstraints=critical,CA:TRUE",
               "-addext", "keyUsage=critical,keyCertSign,cRLSign", NULL);
  run_openssl (certs->dir, "req", "-new", "-newkey", "ec",
               "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
               "-keyout", "server.key", "-out", "server.csr",
               "-subj", "/O=Petrel Tests/CN=Petrel Autoconfig Test Server", NULL);
  run_openssl (certs->dir, "x509", "-req", "-in", "server.csr", "-CA", "ca.pem",
               "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "825",
               "-sha256", "-extfile", "server.ext", NULL);
  run_openssl (certs->dir, "req", "-x509", "-newkey", "ec",
               "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
               "-keyout", "other.key", "-out", "other.pem", "-days", "825",
               "-subj", "/O=Petrel Tests/CN=Petrel Untrusted Server",
               "-addext", "subjectAltName=" SERVER_NAMES, NULL);

  certs->ca_pem = g_build_filename (certs->dir, "ca.pem", NULL);
  certs->server_pem = g_build_filename (certs->dir, "server.pem", NULL);
  certs->server_key = g_build_filename (certs->dir, "server.key", NULL);
  certs->other_pem = g_build_filename (certs->dir, "other.pem", NULL);
  certs->other_key = g_build_filename (certs->dir, "other.key", NULL);

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
  g_free (certificates->other_pem);
  g_free (certificates->other_key);
  g_clear_pointer (&certificates, g_free);
}

static GTlsCertificate *
load_certificate (const char *pem,
                  const char *key)
{
  g_autoptr(GError) error = NULL;
  GTlsCertificate *certificate = g_tls_certificate_new_from_files (pem, key, &error);

  g_assert_no_error (error);

  return certificate;
}

/* Stub resolver: MX and SRV from a table */

#define TEST_TYPE_RESOLVER (test_resolver_get_type ())
G_DECLARE_FINAL_TYPE (TestResolver, test_resolver, TEST, RESOLVER, GResolver)

struct _TestResolver
{
  GResolver   parent_instance;
  GHashTable *records;   /* "TYPE name" -> GPtrArray of GVariant, or an empty one to hang */
  GHashTable *hanging;   /* "TYPE name" set: never answers, only cancellation ends it */
  GPtrArray  *queries;   /* "TYPE name", in order */
};

G_DEFINE_FINAL_TYPE (TestResolver, test_resolver, G_TYPE_RESOLVER)

static const char *
record_type_name (GResolverRecordType type)
{
  switch (type)
    {
    case G_RESOLVER_RECORD_MX:
      return "MX";
    case G_RESOLVER_RECORD_SRV:
      return "SRV";
    default:
      return "OTHER";
    }
}

static void
test_resolver_add (TestResolver        *self,
                   GResolverRecordType  type,
                   const char          *name,
                   GVariant            *record)
{
  g_autofree char *key = g_strdup_printf ("%s %s", record_type_name (type), name);
  GPtrArray *list = g_hash_table_lookup (self->records, key);

  if (list == NULL)
    {
      list = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
      g_hash_table_insert (self->records, g_steal_pointer (&key), list);
    }
  g_ptr_array_add (list, g_variant_ref_sink (record));
}

static void
test_resolver_add_mx (TestResolver *self,
                      const char   *domain,
                      guint16       preference,
                      const char   *host)
{
  test_resolver_add (self, G_RESOLVER_RECORD_MX, domain, g_variant_new ("(qs)", preference, host));
}

static void
test_resolver_add_srv (TestResolver *self,
                       const char   *name,
                       guint16       priority,
                       guint16       weight,
                       guint16       port,
                       const char   *target)
{
  test_resolver_add (self, G_RESOLVER_RECORD_SRV, name,
                     g_variant_new ("(qqqs)", priority, weight, port, target));
}

static void
test_resolver_hang (TestResolver        *self,
                    GResolverRecordType  type,
                    const char          *name)
{
  g_hash_table_add (self->hanging, g_strdup_printf ("%s %s", record_type_name (type), name));
}

static gboolean
on_hanging_lookup_cancelled_cb (GCancellable *cancellable,
                                gpointer      user_data)
{
  GTask *task = user_data;

  g_task_return_error_if_cancelled (task);

  return G_SOURCE_REMOVE;
}

static void
test_resolver_lookup_records_async (GResolver           *resolver,
                                    const char          *rrname,
                                    GResolverRecordType  record_type,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  TestResolver *self = TEST_RESOLVER (resolver);
  g_autoptr(GTask) task = g_task_new (resolver, cancellable, callback, user_data);
  g_autofree char *key = g_strdup_printf ("%s %s", record_type_name (record_type), rrname);
  GPtrArray *list;
  GList *records = NULL;

  g_ptr_array_add (self->queries, g_strdup (key));

  if (g_hash_table_contains (self->hanging, key))
    {
      g_autoptr(GSource) source = NULL;

      /* Only a cancellable can end this lookup, which is what the step timeout is for. */
      g_assert_nonnull (cancellable);
      source = g_cancellable_source_new (cancellable);
      g_source_set_callback (source, G_SOURCE_FUNC (on_hanging_lookup_cancelled_cb),
                             g_object_ref (task), g_object_unref);
      g_source_attach (source, g_task_get_context (task));
      return;
    }

  list = g_hash_table_lookup (self->records, key);
  if (list == NULL)
    {
      g_task_return_new_error (task, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND,
                               "No %s record for %s", record_type_name (record_type), rrname);
      return;
    }

  for (guint i = list->len; i > 0; i--)
    records = g_list_prepend (records, g_variant_ref (g_ptr_array_index (list, i - 1)));
  g_task_return_pointer (task, records, NULL);
}

static GList *
test_resolver_lookup_records_finish (GResolver     *resolver,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
test_resolver_finalize (GObject *object)
{
  TestResolver *self = TEST_RESOLVER (object);

  g_hash_table_unref (self->records);
  g_hash_table_unref (self->hanging);
  g_ptr_array_unref (self->queries);

  G_OBJECT_CLASS (test_resolver_parent_class)->finalize (object);
}

static void
test_resolver_class_init (TestResolverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GResolverClass *resolver_class = G_RESOLVER_CLASS (klass);

  object_class->finalize = test_resolver_finalize;
  resolver_class->lookup_records_async = test_resolver_lookup_records_async;
  resolver_class->lookup_records_finish = test_resolver_lookup_records_finish;
}

static void
test_resolver_init (TestResolver *self)
{
  self->records = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) g_ptr_array_unref);
  self->hanging = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->queries = g_ptr_array_new_with_free_func (g_free);
}

static gboolean
test_resolver_was_asked (TestResolver *self,
                         const char   *query)
{
  for (guint i = 0; i < self->queries->len; i++)
    if (g_str_equal (g_ptr_array_index (self->queries, i), query))
      return TRUE;

  return FALSE;
}

/* Loopback IMAP/SMTP servers for probes */

typedef enum
{
  MAIL_IMAP_TLS,            /* TLS, then "* OK" */
  MAIL_IMAP_STARTTLS,       /* "* OK", STARTTLS, TLS */
  MAIL_IMAP_NO_STARTTLS,    /* "* OK", then refuses STARTTLS */
  MAIL_SMTP_TLS,            /* TLS, then "220" */
  MAIL_SMTP_STARTTLS,       /* "220", EHLO (offers STARTTLS), STARTTLS, TLS */
  MAIL_SMTP_NO_STARTTLS,    /* "220", EHLO without STARTTLS */
  MAIL_SILENT,              /* accepts and never says a word */
  MAIL_HTTP,                /* TLS, then an HTTP answer instead of a greeting */
} MailMode;

typedef struct
{
  GSocketService  *service;
  GTlsCertificate *certificate;
  MailMode         mode;
  guint16          port;
  int              n_connections;   /* atomic */
  int              n_handshakes;    /* atomic: server-side TLS handshakes that succeeded */
  GCancellable    *cancel_on_connect;  /* nullable: cancelled when a client connects */
} MailServer;

static gboolean
write_line (GIOStream  *stream,
            const char *line)
{
  return g_output_stream_write_all (g_io_stream_get_output_stream (stream), line, strlen (line),
                                    NULL, NULL, NULL);
}

static char *
read_line (GDataInputStream *in)
{
  return g_data_input_stream_read_line (in, NULL, NULL, NULL);
}

static void
drain (GIOStream *stream)
{
  char buffer[256];

  while (g_input_stream_read (g_io_stream_get_input_stream (stream), buffer, sizeof buffer,
                              NULL, NULL) > 0)
    ;
}

static GIOStream *
server_tls (MailServer *server,
            GIOStream  *base)
{
  g_autoptr(GIOStream) tls = NULL;

  tls = g_tls_server_connection_new (base, server->certificate, NULL);
  if (tls == NULL)
    return NULL;
  /* The client drops the connection as soon as it has its answer. */
  g_tls_connection_set_require_close_notify (G_TLS_CONNECTION (tls), FALSE);
  if (!g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, NULL))
    return NULL;

  g_atomic_int_inc (&server->n_handshakes);

  return g_steal_pointer (&tls);
}

/* Runs in a GThreadedSocketService worker: plain blocking I/O is fine here. */
static gboolean
on_mail_server_run_cb (GThreadedSocketService *service,
                       GSocketConnection      *connection,
                       GObject                *source_object,
                       gpointer                user_data)
{
  MailServer *server = user_data;
  GIOStream *base = G_IO_STREAM (connection);
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autofree char *line = NULL;

  g_atomic_int_inc (&server->n_connections);
  if (server->cancel_on_connect != NULL)
    g_cancellable_cancel (server->cancel_on_connect);   /* thread-safe */

  in = g_data_input_stream_new (g_io_stream_get_input_stream (base));
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (in), FALSE);

  switch (server->mode)
    {
    case MAIL_IMAP_TLS:
      if ((tls = server_tls (server, base)) != NULL && write_line (tls, "* OK test IMAP\r\n"))
        drain (tls);
      break;

    case MAIL_IMAP_STARTTLS:
    case MAIL_IMAP_NO_STARTTLS:
      if (!write_line (base, "* OK [CAPABILITY IMAP4rev1 STARTTLS] test IMAP\r\n"))
        break;
      line = read_line (in);
      if (line == NULL || !g_str_has_suffix (line, "STARTTLS\r"))
        break;
      if (server->mode == MAIL_IMAP_NO_STARTTLS)
        {
          write_line (base, "P1 NO not today\r\n");
          drain (base);
          break;
        }
      if (write_line (base, "P1 OK Begin TLS negotiation now\r\n") &&
          (tls = server_tls (server, base)) != NULL)
        drain (tls);
      break;

    case MAIL_SMTP_TLS:
      if ((tls = server_tls (server, base)) != NULL &&
          write_line (tls, "220-test ESMTP\r\n220 ready\r\n"))
        drain (tls);
      break;

    case MAIL_SMTP_STARTTLS:
    case MAIL_SMTP_NO_STARTTLS:
      if (!write_line (base, "220 test ESMTP\r\n"))
        break;
      line = read_line (in);
      if (line == NULL || !g_str_has_prefix (line, "EHLO ["))
        break;
      g_clear_pointer (&line, g_free);
      if (server->mode == MAIL_SMTP_NO_STARTTLS)
        {
          write_line (base, "250-test\r\n250 AUTH PLAIN\r\n");
          drain (base);
          break;
        }
      if (!write_line (base, "250-test\r\n250-SIZE 1000\r\n250 STARTTLS\r\n"))
        break;
      line = read_line (in);
      if (line != NULL && g_str_equal (line, "STARTTLS\r") &&
          write_line (base, "220 go ahead\r\n") &&
          (tls = server_tls (server, base)) != NULL)
        drain (tls);
      break;

    case MAIL_HTTP:
      if ((tls = server_tls (server, base)) != NULL &&
          write_line (tls, "HTTP/1.1 400 Bad Request\r\n\r\n"))
        drain (tls);
      break;

    case MAIL_SILENT:
    default:
      drain (base);
      break;
    }

  return TRUE;
}

static void mail_server_clear (gpointer data);

static void
mail_server_release (MailServer *server)
{
  g_atomic_rc_box_release_full (server, mail_server_clear);
}

/* The client may finish a TLS 1.3 handshake before the server thread has seen the client's
 * Finished message: wait (boundedly) for the server to count it. */
static int
wait_for_handshakes (MailServer *server,
                     int         expected)
{
  for (guint i = 0; i < 30000 && g_atomic_int_get (&server->n_handshakes) < expected; i++)
    g_usleep (1000);

  return g_atomic_int_get (&server->n_handshakes);
}

static void
mail_server_clear (gpointer data)
{
  MailServer *server = data;

  g_clear_object (&server->certificate);
  g_clear_object (&server->cancel_on_connect);
}

static void
on_mail_server_closure_notify (gpointer  data,
                               GClosure *closure)
{
  mail_server_release (data);
}

/* Refcounted: worker threads of the service may still be finishing a connection when the
 * fixture lets go, and the "run" handler's closure keeps the server alive for them. */
static MailServer *
mail_server_new (MailMode    mode,
                 const char *pem,
                 const char *key)
{
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  MailServer *server = g_atomic_rc_box_new0 (MailServer);

  server->mode = mode;
  server->certificate = load_certificate (pem, key);
  server->service = g_threaded_socket_service_new (8);
  address = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_socket_listener_add_address (G_SOCKET_LISTENER (server->service), address,
                                 G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL, &bound,
                                 &error);
  g_assert_no_error (error);
  server->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_signal_connect_data (server->service, "run", G_CALLBACK (on_mail_server_run_cb),
                         g_atomic_rc_box_acquire (server),
                         on_mail_server_closure_notify, 0);
  g_socket_service_start (server->service);

  return server;
}

static void
mail_server_free (MailServer *server)
{
  GSocketService *service = g_steal_pointer (&server->service);

  g_socket_service_stop (service);
  g_socket_listener_close (G_SOCKET_LISTENER (service));
  g_object_unref (service);
  mail_server_release (server);
}

/* HTTPS (and one plain HTTP) server */

typedef enum
{
  ROUTE_BODY,       /* 200 with a body */
  ROUTE_STATUS,     /* a bare status */
  ROUTE_REDIRECT,   /* 302 to a location */
  ROUTE_SLOW,       /* never answers (until the fixture ends) */
} RouteKind;

typedef struct
{
  RouteKind  kind;
  char      *value;     /* body or location */
  guint      status;
} Route;

typedef struct
{
  SoupServer *server;
  guint16     port;
  GHashTable *routes;     /* path -> Route */
  GPtrArray  *requests;   /* "path?query", in order */
  GPtrArray  *paused;     /* SoupServerMessage, owned */
  GCancellable *cancel_on_slow;   /* nullable: cancelled when a slow request arrives */
} WebServer;

static void
route_free (Route *route)
{
  g_free (route->value);
  g_free (route);
}

static void
on_web_request_cb (SoupServer        *soup_server,
                   SoupServerMessage *message,
                   const char        *path,
                   GHashTable        *query,
                   gpointer           user_data)
{
  WebServer *server = user_data;
  GUri *uri = soup_server_message_get_uri (message);
  Route *route;

  g_ptr_array_add (server->requests,
                   g_strdup_printf ("%s%s%s", path, g_uri_get_query (uri) != NULL ? "?" : "",
                                    g_uri_get_query (uri) != NULL ? g_uri_get_query (uri) : ""));

  route = g_hash_table_lookup (server->routes, path);
  if (route == NULL)
    {
      soup_server_message_set_status (message, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }

  switch (route->kind)
    {
    case ROUTE_BODY:
      soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (message, "text/xml", SOUP_MEMORY_COPY,
                                        route->value, strlen (route->value));
      break;
    case ROUTE_STATUS:
      soup_server_message_set_status (message, route->status, NULL);
      break;
    case ROUTE_REDIRECT:
      soup_server_message_set_redirect (message, SOUP_STATUS_FOUND, route->value);
      break;
    case ROUTE_SLOW:
      soup_server_message_pause (message);
      g_ptr_array_add (server->paused, g_object_ref (message));
      if (server->cancel_on_slow != NULL)
        g_cancellable_cancel (server->cancel_on_slow);
      break;
    default:
      g_assert_not_reached ();
    }
}

static WebServer *
web_server_new (GTlsCertificate *certificate)
{
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GError) error = NULL;
  WebServer *server = g_new0 (WebServer, 1);
  GSList *uris;

  server->routes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) route_free);
  server->requests = g_ptr_array_new_with_free_func (g_free);
  server->paused = g_ptr_array_new_with_free_func (g_object_unref);
  server->server = soup_server_new ("tls-certificate", certificate, NULL);
  soup_server_add_handler (server->server, NULL, on_web_request_cb, server, NULL);

  address = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  soup_server_listen (server->server, address,
                      certificate != NULL ? SOUP_SERVER_LISTEN_HTTPS : 0, &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (server->server);
  g_assert_nonnull (uris);
  server->port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  return server;
}

static void
web_server_free (WebServer *server)
{
  /* Let the requests that were left hanging end. */
  for (guint i = 0; i < server->paused->len; i++)
    {
      SoupServerMessage *message = g_ptr_array_index (server->paused, i);

      soup_server_message_set_status (message, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL);
      soup_server_message_unpause (message);
    }
  g_ptr_array_set_size (server->paused, 0);
  while (g_main_context_iteration (NULL, FALSE))
    ;

  soup_server_disconnect (server->server);
  g_clear_object (&server->server);
  g_hash_table_unref (server->routes);
  g_ptr_array_unref (server->requests);
  g_ptr_array_unref (server->paused);
  g_clear_object (&server->cancel_on_slow);
  g_free (server);
}

static void
web_server_route (WebServer  *server,
                  const char *path,
                  RouteKind   kind,
                  const char *value,
                  guint       status)
{
  Route *route = g_new0 (Route, 1);

  route->kind = kind;
  route->value = g_strdup (value);
  route->status = status;
  g_hash_table_replace (server->routes, g_strdup (path), route);
}

static char *
web_server_url (WebServer  *server,
                const char *scheme,
                const char *path)
{
  return g_strdup_printf ("%s://127.0.0.1:%u%s", scheme, server->port, path);
}

/* Configuration documents */

static char *
make_config (const char *imap_host,
             const char *imap_port,
             const char *imap_socket,
             const char *smtp_host,
             const char *smtp_port,
             const char *smtp_socket)
{
  return g_strdup_printf ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                          "<!-- a test provider -->\n"
                          "<clientConfig version=\"1.1\">\n"
                          "  <emailProvider id=\"example.test\">\n"
                          "    <domain>example.test</domain>\n"
                          "    <displayName>Example</displayName>\n"
                          "    <incomingServer type=\"imap\">\n"
                          "      <hostname>%s</hostname>\n"
                          "      <port>%s</port>\n"
                          "      <socketType>%s</socketType>\n"
                          "      <username>%%EMAILADDRESS%%</username>\n"
                          "      <authentication>password-cleartext</authentication>\n"
                          "    </incomingServer>\n"
                          "    <outgoingServer type=\"smtp\">\n"
                          "      <hostname>%s</hostname>\n"
                          "      <port>%s</port>\n"
                          "      <socketType>%s</socketType>\n"
                          "      <username>%%EMAILADDRESS%%</username>\n"
                          "      <authentication>password-cleartext</authentication>\n"
                          "    </outgoingServer>\n"
                          "  </emailProvider>\n"
                          "</clientConfig>\n",
                          imap_host, imap_port, imap_socket, smtp_host, smtp_port, smtp_socket);
}

/* Fixture */

typedef struct
{
  const TestCertificates *certs;
  GTlsDatabase           *database;
  WebServer              *web;
  WebServer              *untrusted_web;   /* HTTPS with the untrusted certificate */
  WebServer              *plain;           /* plain HTTP: must never be asked anything */
  TestResolver           *resolver;
  GHashTable             *probe_map;       /* "host:port" -> GSocketConnectable */
  GPtrArray              *mail_servers;    /* MailServer */
  PetrelAutoconfig       *autoconfig;
  GPtrArray              *steps;           /* "source domain", from the ::step signal */
  GHashTable             *untrusted_domains;  /* domains whose autoconfig URL is untrusted */
} Fixture;

static char *
fixture_url_func (PetrelAutoconfigSource  source,
                  const char             *domain,
                  gpointer                user_data)
{
  Fixture *fixture = user_data;
  WebServer *server = g_hash_table_contains (fixture->untrusted_domains, domain)
    ? fixture->untrusted_web : fixture->web;
  g_autofree char *path = NULL;

  if (source == PETREL_AUTOCONFIG_SOURCE_AUTOCONFIG)
    path = g_strdup_printf ("/autoconfig/%s/mail/config-v1.1.xml", domain);
  else
    path = g_strdup_printf ("/well-known/%s/mail/config-v1.1.xml", domain);

  return web_server_url (server, "https", path);
}

static GSocketConnectable *
fixture_probe_func (const char *host,
                    guint16     port,
                    gpointer    user_data)
{
  Fixture *fixture = user_data;
  g_autofree char *key = g_strdup_printf ("%s:%u", host, port);
  GSocketConnectable *connectable = g_hash_table_lookup (fixture->probe_map, key);

  return connectable != NULL ? g_object_ref (connectable) : NULL;
}

static void
on_step_cb (PetrelAutoconfig       *autoconfig,
            PetrelAutoconfigSource  source,
            const char             *domain,
            gpointer                user_data)
{
  Fixture *fixture = user_data;

  g_ptr_array_add (fixture->steps, g_strdup_printf ("%s %s",
                                                    petrel_autoconfig_source_to_string (source),
                                                    domain));
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GTlsCertificate) other = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *ispdb = NULL;

  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_test_skip ("GIO has no TLS backend (glib-networking)");
      return;
    }
  fixture->certs = get_certificates ();
  if (fixture->certs == NULL)
    {
      g_test_skip ("openssl is not installed; it makes the test certificates");
      return;
    }

  fixture->database = g_tls_file_database_new (fixture->certs->ca_pem, &error);
  g_assert_no_error (error);

  certificate = load_certificate (fixture->certs->server_pem, fixture->certs->server_key);
  other = load_certificate (fixture->certs->other_pem, fixture->certs->other_key);
  fixture->web = web_server_new (certificate);
  fixture->untrusted_web = web_server_new (other);
  fixture->plain = web_server_new (NULL);

  fixture->resolver = g_object_new (TEST_TYPE_RESOLVER, NULL);
  fixture->probe_map = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  fixture->mail_servers = g_ptr_array_new_with_free_func ((GDestroyNotify) mail_server_free);
  fixture->steps = g_ptr_array_new_with_free_func (g_free);
  fixture->untrusted_domains = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  fixture->autoconfig = petrel_autoconfig_new ();
  petrel_autoconfig_set_resolver (fixture->autoconfig, G_RESOLVER (fixture->resolver));
  petrel_autoconfig_set_tls_database (fixture->autoconfig, fixture->database);
  petrel_autoconfig_set_timeout (fixture->autoconfig, GENEROUS_TIMEOUT_MS);
  ispdb = web_server_url (fixture->web, "https", "/ispdb/");
  petrel_autoconfig_set_ispdb_url (fixture->autoconfig, ispdb);
  petrel_autoconfig_set_url_func (fixture->autoconfig, fixture_url_func, fixture, NULL);
  petrel_autoconfig_set_probe_func (fixture->autoconfig, fixture_probe_func, fixture, NULL);
  g_signal_connect (fixture->autoconfig, "step", G_CALLBACK (on_step_cb), fixture);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  if (fixture->web == NULL)
    return;

  /* Whatever the test did, nothing was ever asked over plain HTTP. */
  for (guint i = 0; i < fixture->plain->requests->len; i++)
    g_test_message ("plain HTTP request: %s",
                    (const char *) g_ptr_array_index (fixture->plain->requests, i));
  g_assert_cmpuint (fixture->plain->requests->len, ==, 0);

  g_clear_object (&fixture->autoconfig);
  g_clear_pointer (&fixture->web, web_server_free);
  g_clear_pointer (&fixture->untrusted_web, web_server_free);
  g_clear_pointer (&fixture->plain, web_server_free);
  g_clear_object (&fixture->resolver);
  g_clear_pointer (&fixture->probe_map, g_hash_table_unref);
  g_clear_pointer (&fixture->mail_servers, g_ptr_array_unref);
  g_clear_pointer (&fixture->steps, g_ptr_array_unref);
  g_clear_pointer (&fixture->untrusted_domains, g_hash_table_unref);
  g_clear_object (&fixture->database);
}

static MailServer *
fixture_add_mail_server (Fixture    *fixture,
                         MailMode    mode,
                         gboolean    trusted,
                         const char *host,
                         guint16     port)
{
  MailServer *server = mail_server_new (mode,
                                        trusted ? fixture->certs->server_pem
                                                : fixture->certs->other_pem,
                                        trusted ? fixture->certs->server_key
                                                : fixture->certs->other_key);

  g_ptr_array_add (fixture->mail_servers, server);
  g_hash_table_replace (fixture->probe_map, g_strdup_printf ("%s:%u", host, port),
                        g_inet_socket_address_new_from_string ("127.0.0.1", server->port));

  return server;
}

static void
fixture_route (Fixture    *fixture,
               const char *path,
               RouteKind   kind,
               const char *value,
               guint       status)
{
  web_server_route (fixture->web, path, kind, value, status);
}

static void
store_result_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

static PetrelAutoconfigResult *
fixture_discover (Fixture       *fixture,
                  const char    *address,
                  GCancellable  *cancellable,
                  GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  petrel_autoconfig_discover_async (fixture->autoconfig, address, cancellable,
                                    store_result_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);

  return petrel_autoconfig_discover_finish (fixture->autoconfig, result, error);
}

static void
assert_server (PetrelAutoconfigResult   *found,
               PetrelAccountServer       server,
               const char               *host,
               guint16                   port,
               PetrelConnectionSecurity  security,
               const char               *user)
{
  g_assert_cmpstr (petrel_autoconfig_result_get_host (found, server), ==, host);
  g_assert_cmpuint (petrel_autoconfig_result_get_port (found, server), ==, port);
  g_assert_cmpint (petrel_autoconfig_result_get_security (found, server), ==, security);
  g_assert_cmpstr (petrel_autoconfig_result_get_user (found, server), ==, user);
}

static void
assert_requests (WebServer  *server,
                 const char *first,
                 ...)
{
  va_list args;
  guint i = 0;

  va_start (args, first);
  for (const char *expected = first; expected != NULL; expected = va_arg (args, const char *))
    {
      g_assert_cmpuint (i, <, server->requests->len);
      g_assert_cmpstr (g_ptr_array_index (server->requests, i), ==, expected);
      i++;
    }
  va_end (args);

  g_assert_cmpuint (server->requests->len, ==, i);
}

static void
assert_steps (Fixture    *fixture,
              const char *first,
              ...)
{
  va_list args;
  guint i = 0;

  va_start (args, first);
  for (const char *expected = first; expected != NULL; expected = va_arg (args, const char *))
    {
      g_assert_cmpuint (i, <, fixture->steps->len);
      g_assert_cmpstr (g_ptr_array_index (fixture->steps, i), ==, expected);
      i++;
    }
  va_end (args);

  g_assert_cmpuint (fixture->steps->len, ==, i);
}

#define AUTOCONFIG_PATH "/autoconfig/example.test/mail/config-v1.1.xml"
#define AUTOCONFIG_REQUEST AUTOCONFIG_PATH "?emailaddress=alice@example.test"
#define WELL_KNOWN_PATH "/well-known/example.test/mail/config-v1.1.xml"
#define ISPDB_PATH "/ispdb/example.test"

/* Parsing */

static void
test_parse_prefers_tls (void)
{
  static const char xml[] =
    "<clientConfig version=\"1.1\"><emailProvider id=\"example.test\">"
    "<incomingServer type=\"pop3\"><hostname>pop.example.test</hostname><port>995</port>"
    "<socketType>SSL</socketType><username>%EMAILADDRESS%</username></incomingServer>"
    "<incomingServer type=\"imap\"><hostname>plain.example.test</hostname><port>143</port>"
    "<socketType>plain</socketType><username>%EMAILADDRESS%</username></incomingServer>"
    "<incomingServer type=\"imap\"><hostname>starttls.example.test</hostname><port>143</port>"
    "<socketType>STARTTLS</socketType><username>%EMAILLOCALPART%</username></incomingServer>"
    "<incomingServer type=\"imap\"><hostname>imap.%EMAILDOMAIN%</hostname><port>993</port>"
    "<socketType>SSL</socketType><username>%EMAILLOCALPART%</username>"
    "<authentication>OAuth2</authentication>"
    "<authentication>password-cleartext</authentication></incomingServer>"
    "<incomingServer type=\"imap\"><hostname>second.example.test</hostname><port>993</port>"
    "<socketType>SSL</socketType></incomingServer>"
    "<outgoingServer type=\"smtp\"><hostname>SMTP.Example.Test.</hostname><port>587</port>"
    "<socketType>STARTTLS</socketType><username>%EMAILADDRESS%</username></outgoingServer>"
    "</emailProvider></clientConfig>";
  g_autoptr(PetrelAutoconfigResult) found = NULL;
  g_autoptr(GError) error = NULL;

  found = petrel_autoconfig_parse_config (xml, -1, ADDRESS, PETREL_AUTOCONFIG_SOURCE_ISPDB,
                                          "example.test", &error);
  g_assert_no_error (error);
  g_assert_nonnull (found);
  g_assert_true (petrel_autoconfig_result_is_complete (found));
  g_assert_cmpint (petrel_autoconfig_result_get_source (found), ==,
                   PETREL_AUTOCONFIG_SOURCE_ISPDB);
  g_assert_cmpstr (petrel_autoconfig_result_get_domain (found), ==, "example.test");

  /* SSL before STARTTLS, the first SSL one of several, POP3 and plain ignored. */
  assert_server (found, PETREL_ACCOUNT_SERVER_IMAP, "imap.example.test", 993,
                 PETREL_CONNECTION_SECURITY_TLS, "alice");
  g_assert_cmpstr (petrel_autoconfig_result_get_auth (found, PETREL_ACCOUNT_SERVER_IMAP), ==,
                   "OAuth2");
  assert_server (found, PETREL_ACCOUNT_SERVER_SMTP, "smtp.example.test", 587,
                 PETREL_CONNECTION_SECURITY_STARTTLS, ADDRESS);
  g_assert_null (petrel_autoconfig_result_get_auth (found, PETREL_ACCOUNT_SERVER_SMTP));
}

static void
test_parse_rejects (void)
{
  static const struct
  {
    const char *xml;
    gboolean    markup;   /* a GMarkupError, else a PetrelAutoconfigError */
    int         code;
  } cases[] = {
    /* Broken XML */
    { "<clientConfig><emailProvider>", TRUE, G_MARKUP_ERROR_PARSE },
    { "<clientConfig><emailProvider></clientConfig>", TRUE, G_MARKUP_ERROR_PARSE },
    { "", TRUE, G_MARKUP_ERROR_EMPTY },
    { "<clientConfig><emailProvider><incomingServer type=\"imap\"><hostname>\xff\xfe"
      "</hostname></incomingServer></emailProvider></clientConfig>",
      TRUE, G_MARKUP_ERROR_BAD_UTF8 },
    /* Not a mail configuration (say, a web page) */
    { "<html><body>Welcome</body></html>",
      FALSE, PETREL_AUTOCONFIG_ERROR_INVALID_CONFIG },
    /* Only POP3 and plain text */
    { "<clientConfig><emailProvider>"
      "<incomingServer type=\"pop3\"><hostname>pop.example.test</hostname><port>995</port>"
      "<socketType>SSL</socketType></incomingServer>"
      "<incomingServer type=\"imap\"><hostname>imap.example.test</hostname><port>143</port>"
      "<socketType>plain</socketType></incomingServer>"
      "<outgoingServer type=\"smtp\"><hostname>smtp.example.test</hostname><port>465</port>"
      "<socketType>SSL</socketType></outgoingServer>"
      "</emailProvider></clientConfig>",
      FALSE, PETREL_AUTOCONFIG_ERROR_INVALID_CONFIG },
    /* IMAP but no usable SMTP: bad port, bad host name, missing socket type */
    { "<clientConfig><emailProvider>"
      "<incomingServer type=\"imap\"><hostname>imap.example.test</hostname><port>993</port>"
      "<socketType>SSL</socketType></incomingServer>"
      "<outgoingServer type=\"smtp\"><hostname>smtp.example.test</hostname><port>99999</port>"
      "<socketType>SSL</socketType></outgoingServer>"
      "<outgoingServer type=\"smtp\"><hostname>smtp example.test</hostname><port>465</port>"
      "<socketType>SSL</socketType></outgoingServer>"
      "<outgoingServer type=\"smtp\"><hostname>smtp.example.test</hostname><port>465</port>"
      "</outgoingServer>"
      "</emailProvider></clientConfig>",
      FALSE, PETREL_AUTOCONFIG_ERROR_INVALID_CONFIG },
    /* Servers outside <emailProvider> do not count */
    { "<clientConfig>"
      "<incomingServer type=\"imap\"><hostname>imap.example.test</hostname><port>993</port>"
      "<socketType>SSL</socketType></incomingServer>"
      "<outgoingServer type=\"smtp\"><hostname>smtp.example.test</hostname><port>465</port>"
      "<socketType>SSL</socketType></outgoingServer>"
      "</clientConfig>",
      FALSE, PETREL_AUTOCONFIG_ERROR_INVALID_CONFIG },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(PetrelAutoconfigResult) found = NULL;
      g_autoptr(GError) error = NULL;
      GQuark domain = cases[i].markup ? G_MARKUP_ERROR : PETREL_AUTOCONFIG_ERROR;

      found = petrel_autoconfig_parse_config (cases[i].xml, -1, ADDRESS,
                                              PETREL_AUTOCONFIG_SOURCE_AUTOCONFIG,
                                              "example.test", &error);
      g_test_message ("case %u: %s", i, error != NULL ? error->message : "(no error)");
      g_assert_null (found);
      g_assert_error (error, domain, cases[i].code);
    }
}

static void
test_parse_overlong (void)
{
  g_autofree char *long_host = g_strnfill (5000, 'a');
  g_autofree char *xml = make_config (long_host, "993", "SSL", "smtp.example.test", "465", "SSL");
  g_autoptr(PetrelAutoconfigResult) found = NULL;
  g_autoptr(GError) error = NULL;

  found = petrel_autoconfig_parse_config (xml, -1, ADDRESS, PETREL_AUTOCONFIG_SOURCE_AUTOCONFIG,
                                          "example.test", &error);
  g_assert_null (found);
  g_assert_error (error, PETREL_AUTOCONFIG_ERROR, PETREL_AUTOCONFIG_ERROR_INVALID_CONFIG);
}

static void
test_base_domain (void)
{
  static const struct
  {
    const char *host;
    const char *base;
  } cases[] = {
    { "mx1.mail.example.net", "example.net" },
    { "MX1.Mail.Example.NET.", "example.net" },
    { "aspmx.l.google.com", "google.com" },
    { "mx.example.co.uk", "example.co.uk" },
    { "a.b.example.com.au", "example.com.au" },
    { "example.org", "example.org" },
    { "co.uk", "co.uk" },
    { "localhost", "localhost" },
    { ".", NULL },
    { "", NULL },
    { "bad..name", NULL },
    { "192.0.2.1", NULL },
    { "white space.example", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *base = petrel_autoconfig_dup_base_domain (cases[i].host);

      g_assert_cmpstr (base, ==, cases[i].base);
    }
}

/* Discovery over HTTPS */

static void
test_invalid_address (Fixture       *fixture,
                      gconstpointer  data)
{
  static const char *addresses[] = { "alice", "@example.test", "alice@", "al ice@example.test",
                                     "alice@exa mple.test", "alice@[192.0.2.1]" };

  if (fixture->web == NULL)
    return;

  for (guint i = 0; i < G_N_ELEMENTS (addresses); i++)
    {
      g_autoptr(PetrelAutoconfigResult) found = NULL;
      g_autoptr(GError) error = NULL;

      found = fixture_discover (fixture, addresses[i], NULL, &error);
      g_assert_null (found);
      g_assert_error (error, PETREL_AUTOCONFIG_ERROR, PETREL_AUTOCONFIG_ERROR_INVALID_ADDRESS);
    }

  g_assert_cmpuint (fixture->web->requests->len, ==, 0);
  g_assert_cmpuint (fixture->steps->len, ==, 0);
}

static void
test_autoconfig_first (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *a = make_config ("imap.autoconfig.test", "993", "SSL",
                                    "smtp.autoconfig.test", "465", "SSL");
  g_autofree char *b = make_config ("imap.well-known.test", "993", "SSL",
                                    "smtp.well-known.test", "465", "SSL");
  g_autofree char *c = make_config ("imap.ispdb.test", "993", "SSL",
                                    "smtp.ispdb.test", "465", "SSL");
  g_autoptr(PetrelAutoconfigResult) found = NULL;
  g_autoptr(GError) error = NULL;

  if (fixture->web == NULL)
    return;

  fixture_route (fixture, AUTOCONFIG_PATH, ROUTE_BODY, a, 0);
  fixture_route (fixture, WELL_KNOWN_PATH, ROUTE_BODY, b, 0);
  fixture_route (fixture, ISPDB_PATH, ROUTE_BODY, c, 0);

  found = fixture_discover (fixture, ADDRESS, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (petrel_autoconfig_result_get_source (found), ==,
                   PETREL_AUTOCONFIG_SOURCE_AUTOCONFIG);
  assert_server (found, PETREL_ACCOUNT_SERVER_IMAP, "imap.autoconfig.test", 993,
                 PETREL_CONNECTION_SECURITY_TLS, ADDRESS);
  assert_server (found, PETREL_ACCOUNT_SERVER_SMTP, "smtp.autoconfig.test", 465,
                 PETREL_CONNECTION_SECURITY_TLS, ADDRESS);

  /* The address went along, over HTTPS; nothing after the first hit was asked. */
  assert_requests (fixture->web, AUTOCONFIG_REQUEST, NULL);
  assert_steps (fixture, "autoconfig example.test", NULL);
}

static void
test_well_known_after_404 (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autofree char *b = make_config ("imap.well-known.test", "993", "SSL",
                                    "smtp.well-known.test", "587", "STARTTLS");
  g_autofree char *c = make_config ("imap.ispdb.test", "993", "SSL",
                                    "smtp.ispdb.test", "465", "SSL");
  g_autoptr(PetrelAutoconfigResult) found = NULL;
  g_autoptr(GError) error = NULL;

  if (fixture->web == NULL)
    return;

  fixture_route (fixture, WELL_KNOWN_PATH, ROUTE_BODY, b, 0);
  fixture_route (fixture, ISPDB_PATH, ROUTE_BODY, c, 0);

  found = fixture_discover (fixture, ADDRESS, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (petrel_autoconfig_result_get_source (found), ==,
                   PETREL_AUTOCONFIG_SOURCE_WELL_KNOWN);
  assert_server (found, PETREL_ACCOUNT_SERVER_SMTP, "smtp.well-known.test", 587,
                 PETREL_CONNECTION_SECURITY_STARTTLS, ADDRESS);

  /* The well-known URL does not carry the address. */
  assert_requests (fixture->web, AUTOCONFIG_REQUEST, WELL_KNOWN_PATH, NULL);
  assert_steps (fixture, "autoconfig example.test", "well-known example.test", NULL);
}

static void
test_broken_xml_then_ispdb (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *c = make_config ("imap.ispdb.test", "993", "SSL",
                                    "smtp.ispdb.test", "465", "SSL");
  g_autoptr(PetrelAutoconfigResult) found = NULL;
  g_autoptr(GError) error = NULL;

  if (fixture->web == NULL)
    return;

  fixture_route (fixture, AUTOCONFIG_PATH, ROUTE_BODY, "<clientConfig><emailProvider>", 0);
  fixture_route (fixture, WELL_KNOWN_PATH, ROUTE_BODY,
                 "<html><body>Not a config</body></html>", 0);
  fixture_route (fixture, ISPDB_PATH, ROUTE_BODY, c, 0);

  found = fixture_discover (fixture, ADDRESS, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (petrel_autoconfig_result_get_source (found), ==,
                   PETREL_AUTOCONFIG_SOURCE_ISPDB);
  g_assert_cmpstr (petrel_autoconfig_result_get_host (found, PETREL_ACCOUNT_SERVER_IMAP), ==,
                   "imap.ispdb.test");
  assert_requests (fixture->web, AUTOCONFIG_REQUEST, WELL_KNOWN_PATH, ISPDB_PATH, NULL);
  assert_steps (fixture, "autoconfig example.test", "well-known example.test",
                "ispdb example.test", NULL);
}

static void
test_slow_then_next (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *b = make_config ("imap.well-known.test", "993", "SSL",
                                    "smtp.well-known.test", "465", "SSL");
  g_autoptr(PetrelAutoconfigResult) found = NULL;
  g_autoptr(GError) error = NULL;

  if (fixture->web == NULL)
    return;

  petrel_autoconfig_set_timeout (fixture->autoconfig, SHORT_TIMEOUT_MS);
  fixture_route (fixture, AUTOCONFIG_PATH, ROUTE_SLOW, NULL, 0);
  fixture_route (fixture, WELL_KNOWN_PATH, ROUTE_BODY, b, 0);

  found = fixture_discover (fixture, ADDRESS, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (petrel_autoconfig_result_get_source (found), ==,
                   PETREL_AUTOCONFIG_SOURCE_WELL_KNOWN);
  g_assert_cmpuint (fixture->web->paused->len, ==, 1);
  assert_requests (fixture->web, AUTOCONFIG_REQUEST, WELL_KNOWN_PATH, NULL);
}

static void
test_redirect_to_http_refused (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autofree char *c = make_config ("imap.ispdb.test", "993", "SSL",
                                    "smtp.ispdb.test", "465", "SSL");
  g_autofree char *plain_url = NULL;
  g_autoptr(PetrelAutoconfigResult) found = NULL;
  g_autoptr(GError) error = NULL;

  if (fixture->web == NULL)
    return;

  /* Where a careless client would send the address in the clear. */
  plain_url = web_server_url (fixture->plain, "http",
                              "/config-v1.1.xml?emailaddress=alice@example.test");
  fixture_route (fixture, AUTOCONFIG_PATH, ROUTE_REDIRECT, plain_url, 0);
  fixture_route (fixture, WELL_KNOWN_PATH, ROUTE_REDIRECT, plain_url, 0);
  fixture_route (fixture, ISPDB_PATH, ROUTE_BODY, c, 0);

  found = fixture_discover (fixture, ADDRESS, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (petrel_autoconfig_result_get_source (found), ==,
                   PETREL_AUTOCONFIG_SOURCE_ISPDB);
  assert_requests (fixture->web, AUTOCONFIG_REQUEST, WELL_KNOWN_PATH, ISPDB_PATH, NULL);
  g_assert_cmpuint (fixture->plain->requests->len, ==, 0);
}

static void
test_redirect_to_https_followed (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autofree char *b = make_config ("imap.moved.test", "993", "SSL",
                                    "smtp.moved.test", "465", "SSL");
  g_autoptr(PetrelAutoconfigResult) found = NULL;
  g_autoptr(GError) error = NULL;

  if (fixture->web == NULL)
    return;

  fixture_route (fixture, WELL_KNOWN_PATH, ROUTE_REDIRECT, "/moved/config-v1.1.xml", 0);
  fixture_route (fixture, "/moved/config-v1.1.xml", ROUTE_BODY, b, 0);

  found = fixture_discover (fixture, ADDRESS, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (petrel_autoconfig_result_get_source (found), ==,
                   PETREL_AUTOCONFIG_SOURCE_WELL_KNOWN);
  g_assert_cmpstr (petrel_autoconfig_result_get_host (found, PETREL_ACCOUNT_SERVER_IMAP), ==,
                   "imap.moved.test");
  assert_requests (fixture->web, AUTOCONFIG_REQUEST, WELL_KNOWN_PATH, "/moved/config-v1.1.xml",
                   NULL);
}

static void
test_redirect_loop (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *c = make_config ("imap.ispdb.test", "993", "SSL",
                                    "smtp.ispdb.test", "465", "SSL");
  g_autoptr(PetrelAutoconfigResult) found = NULL;
  g_autoptr(GError) error = NULL;

  if (fixture->web == NULL)
    return;

  fixture_route (fixture, WELL_KNOWN_PATH, ROUTE_REDIRECT, WELL_KNOWN_PATH, 0);
  fixture_route (fixture, ISPDB_PATH, ROUTE_BODY, c, 0);

  found = fixture_discover (fixture, ADDRESS, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (petrel_autoconfig_result_get_source (found), ==,
                   PETREL_AUTOCONFIG_SOURCE_ISPDB);
  /* The first request and five redirects, then on to the ISPDB. */
  g_assert_cmpuint (fixture->web->requests->len, ==, 1 + 1 + 5 + 1);
}

static void
test_untrusted_https (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *a = make_config ("imap.evil.test", "993", "SSL",
                                    "smtp.evil.test", "465", "SSL");
  g_autofree char *b = make_config ("imap.well-known.test", "993", "SSL",
                                    "smtp.well-known.test", "465", "SSL");
  g_autoptr(PetrelAutoconfigResult) found = NULL;
  g_autoptr(GError) error = NULL;

  if (fixture->web == NULL)
    return;

  g_hash_table_add (fixture->untrusted_domains, g_strdup ("example.test"));
  web_server_route (fixture->untrusted_web, AUTOCONFIG_PATH, ROUTE_BODY, a, 0);
  web_server_route (fixture->untrusted_web, WELL_KNOWN_PATH, ROUTE_BODY, b, 0);

  /* Both URLs go to the server whose certificate the test CA did not sign: neither counts. */
  found = fixture_discover (fixture, ADDRESS, NULL, &error);
  g_assert_null (found);
  g_assert_error (error, PETREL_AUTOCONFIG_ERROR, PETREL_AUTOCONFIG_ERROR_NOT_FOUND);
  g_assert_cmpuint (fixture->untrusted_web->requests->len, ==, 0);
}

static void
test_ispdb_http_refused (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *plain_ispdb = NULL;
  g_autofree char *c = make_config ("imap.ispdb.test", "993", "SSL",
                                    "smtp.ispdb.test", "465", "SSL");
  g_autoptr(PetrelAutoconfigResult) found = NULL;
  g_autoptr(GError) error = NULL;

  if (fixture->web == NULL)
    return;

  plain_ispdb = web_server_url (fixture->plain, "http", "/ispdb/");
  petrel_autoconfig_set_ispdb_url (fixture->autoconfig, plain_ispdb);
  web_server_route (fixture->plain, ISPDB_PATH, ROUTE_BODY, c, 0);

  found = fixture_discover (fixture, ADDRESS, NULL, &error);
  g_assert_null (found);
  g_assert_error (error, PETREL_AUTOCONFIG_ERROR, PETREL_AUTOCONFIG_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "No settings were found for example.test");
  g_assert_cmpuint (fixture->plain->requests->len, ==, 0);
}

static void
test_not_found_order (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(PetrelAutoconfigResult) found = NULL;
  g_autoptr(GError) error = NULL;

  if (fixture->web == NULL)
    return;

  found = fixture_discover (fixture, "bob@Nothing.Test", NULL, &error);
  g_assert_null (found);
  g_assert_error (error, PETREL_AUTOCONFIG_ERROR, PETREL_AUTOCONFIG_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "No settings were found for nothing.test");

  assert_steps (fixture, "autoconfig nothing.test", "well-known nothing.test",
                "ispdb nothing.test", "mx nothing.test", "srv nothing.test",
                "probe nothing.test", NULL);
  assert_requests (fixture->web,
                   "/autoconfig/nothing.test/mail/config-v1.1.xml?emailaddress=bob@Nothing.Test",
                   "/well-known/nothing.test/mail/config-v1.1.xml",
                   "/ispdb/nothing.test", NULL);
  g_assert_true (test_resolver_was_asked (fixture->resolver, "MX nothing.test"));
  g_assert_true (test_resolver_was_asked (fixture->resolver, "SRV _imaps._tcp.nothing.test"));
  g_assert_true (test_resolver_was_asked (fixture->resolver, "SRV _imap._tcp.nothing.test"));
  g_assert_true (test_resolver_was_asked (fixture->resolver,
                                          "SRV _submissions._tcp.nothing.test"));
  g_assert_true (test_resolver_was_asked (fixture->resolver,
                                          "SRV _submission._tcp.nothing.test"));
}

/* MX and SRV */

static void
test_mx_domain (Fixture       *fixture,
                gconstpointer  data)
{
  static const char hoster_config[] =
    "<clientConfig version=\"1.1\"><emailProvider id=\"hoster.test\">"
    "<incomingServer type=\"imap\"><hostname>imap.hoster.test</hostname><port>993</port>"
    "<socketType>SSL</socketType><username>%EMAILLOCALPART%+%EMAILDOMAIN%</username>"
    "</incomingServer>"
    "<outgoingServer type=\"smtp\"><hostname>smtp.hoster.test</hostname><port>465</port>"
    "<socketType>SSL</socketType><username>%EMAILADDRESS%</username></outgoingServer>"
    "</emailProvider></clientConfig>";
  g_autoptr(PetrelAutoconfigResult) found = NULL;
  g_autoptr(GError) error = NULL;

  if (fixture->web == NULL)
    return;

  test_resolver_add_mx (fixture->resolver, "custom.test", 20, "mx.backup.test");
  test_resolver_add_mx (fixture->resolver, "custom.test", 10, "mx1.mail.hoster.test.");
  test_resolver_add_mx (fixture->resolver, "custom.test", 30, "mx2.other.test");
  fixture_route (fixture, "/ispdb/hoster.test", ROUTE_BODY, hoster_config, 0);

  found = fixture_discover (fixture, "carol@custom.test", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (petrel_autoconfig_result_get_source (found), ==, PETREL_AUTOCONFIG_SOURCE_MX);
  g_assert_cmpstr (petrel_autoconfig_result_get_domain (found), ==, "hoster.test");
  /* The placeholders still stand for the user's own address and domain. */
  assert_server (found, PETREL_ACCOUNT_SERVER_IMAP, "imap.hoster.test", 993,
                 PETREL_CONNECTION_SECURITY_TLS, "carol+custom.test");
  assert_server (found, PETREL_ACCOUNT_SERVER_SMTP, "smtp.hoster.test", 465,
                 PETREL_CONNECTION_SECURITY_TLS, "carol@custom.test");

  assert_requests (fixture->web,
                   "/autoconfig/custom.test/mail/config-v1.1.xml?emailaddress=carol@custom.test",
                   "/well-known/custom.test/mail/config-v1.1.xml",
                   "/ispdb/custom.test",
                   "/autoconfig/hoster.test/mail/config-v1.1.xml?emailaddress=carol@custom.test",
                   "/well-known/hoster.test/mail/config-v1.1.xml",
                   "/ispdb/hoster.test", NULL);
  assert_steps (fixture, "autoconfig custom.test", "well-known custom.test",
                "ispdb custom.test", "mx custom.test", "mx hoster.test", "mx hoster.test",
                "mx hoster.test", NULL);
  g_assert_false (test_resolver_was_asked (fixture->resolver, "SRV _imaps._tcp.custom.test"));
}

static void
test_mx_same_domain_then_srv (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(PetrelAutoconfigResult) found = NULL;
  g_autoptr(GError) error = NULL;

  if (fixture->web == NULL)
    return;

  /* The MX is in the address's own domain: nothing new to look up there. A null MX is
   * ignored. */
  test_resolver_add_mx (fixture->resolver, "example.test", 0, ".");
  test_resolver_add_mx (fixture->resolver, "example.test", 10, "mx.example.test");

  /* _imaps is "decidedly not available" ("."), so _imap (STARTTLS) it is; _submissions wins
   * over _submission, and within it the lowest priority, then the highest weight. */
  test_resolver_add_srv (fixture->resolver, "_imaps._tcp.example.test", 0, 0, 0, ".");
  test_resolver_add_srv (fixture->resolver, "_imap._tcp.example.test", 10, 0, 143,
                         "imap.example.test.");
  test_resolver_add_srv (fixture->resolver, "_submissions._tcp.example.test", 20, 0, 465,
                         "backup-smtp.example.test");
  test_resolver_add_srv (fixture->resolver, "_submissions._tcp.example.test", 10, 1, 465,
                         "light-smtp.example.test");
  test_resolver_add_srv (fixture->resolver, "_submissions._tcp.example.test", 10, 50, 1465,
                         "smtp.example.test");
  test_resolver_add_srv (fixture->resolver, "_submission._tcp.example.test", 0, 0, 587,
                         "starttls-smtp.example.test");

  found = fixture_discover (fixture, ADDRESS, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (petrel_autoconfig_result_get_source (found), ==, PETREL_AUTOCONFIG_SOURCE_SRV);
  assert_server (found, PETREL_ACCOUNT_SERVER_IMAP, "imap.example.test", 143,
                 PETREL_CONNECTION_SECURITY_STARTTLS, ADDRESS);
  assert_server (found, PETREL_ACCOUNT_SERVER_SMTP, "smtp.example.test", 1465,
                 PETREL_CONNECTION_SECURITY_TLS, ADDRESS);

  assert_steps (fixture, "autoconfig example.test", "well-known example.test",
                "ispdb example.test", "mx example.test", "srv example.test", NULL);
  g_assert_cmpuint (fixture->web->requests->len, ==, 3);
}

static void
test_srv_lookup_timeout (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(PetrelAutoconfigResult) found = NULL;
  g_autoptr(GError) error = NULL;

  if (fixture->web == NULL)
    return;

  /* Two lookups never answer; the two that did are enough once the step's time is up. */
  petrel_autoconfig_set_timeout (fixture->autoconfig, SHORT_TIMEOUT_MS);
  test_resolver_hang (fixture->resolver, G_RESOLVER_RECORD_SRV, "_imap._tcp.example.test");
  test_resolver_hang (fixture->resolver, G_RESOLVER_RECORD_SRV,
                      "_submission._tcp.example.test");
  test_resolver_add_srv (fixture->resolver, "_imaps._tcp.example.test", 0, 0, 993,
                         "imap.example.test");
  test_resolver_add_srv (fixture->resolver, "_submissions._tcp.example.test", 0, 0, 465,
                         "smtp.example.test");

  found = fixture_discover (fixture, ADDRESS, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (petrel_autoconfig_result_get_source (found), ==, PETREL_AUTOCONFIG_SOURCE_SRV);
  assert_server (found, PETREL_ACCOUNT_SERVER_IMAP, "imap.example.test", 993,
                 PETREL_CONNECTION_SECURITY_TLS, ADDRESS);
  assert_server (found, PETREL_ACCOUNT_SERVER_SMTP, "smtp.example.test", 465,
                 PETREL_CONNECTION_SECURITY_TLS, ADDRESS);
}

static void
test_srv_incomplete (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(PetrelAutoconfigResult) found = NULL;
  g_autoptr(GError) error = NULL;

  if (fixture->web == NULL)
    return;

  /* IMAP only (and a hanging MX lookup first): no hit, discovery goes on and ends. */
  petrel_autoconfig_set_timeout (fixture->autoconfig, SHORT_TIMEOUT_MS);
  test_resolver_hang (fixture->resolver, G_RESOLVER_RECORD_MX, "example.test");
  test_resolver_add_srv (fixture->resolver, "_imaps._tcp.example.test", 0, 0, 993,
                         "imap.example.test");
  test_resolver_add_srv (fixture->resolver, "_submissions._tcp.example.test", 0, 0, 0,
                         "smtp.example.test");

  found = fixture_discover (fixture, ADDRESS, NULL, &error);
  g_assert_null (found);
  g_assert_error (error, PETREL_AUTOCONFIG_ERROR, PETREL_AUTOCONFIG_ERROR_NOT_FOUND);
  assert_steps (fixture, "autoconfig example.test", "well-known example.test",
                "ispdb example.test", "mx example.test", "srv example.test",
                "probe example.test", NULL);
}

/* Probing */

#define PROBE_ADDRESS "dave@probe.test"

static void
test_probe_tls_first (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(PetrelAutoconfigResult) found = NULL;
  g_autoptr(GError) error = NULL;
  MailServer *untrusted;

  if (fixture->web == NULL)
    return;

  /* Nothing is routed and the resolver knows nothing, so the earlier steps fail fast.
   * imap.:993 has a certificate nobody vouches for, mail.:993 is good, and so is
   * imap.:143 with STARTTLS, which loses to TLS. smtp.:465 does not exist, smtp.:587 works
   * with STARTTLS, and mail.:587 would too but comes later. */
  untrusted = fixture_add_mail_server (fixture, MAIL_IMAP_TLS, FALSE, "imap.probe.test", 993);
  fixture_add_mail_server (fixture, MAIL_IMAP_TLS, TRUE, "mail.probe.test", 993);
  fixture_add_mail_server (fixture, MAIL_IMAP_STARTTLS, TRUE, "imap.probe.test", 143);
  fixture_add_mail_server (fixture, MAIL_SMTP_STARTTLS, TRUE, "smtp.probe.test", 587);
  fixture_add_mail_server (fixture, MAIL_SMTP_STARTTLS, TRUE, "mail.probe.test", 587);

  found = fixture_discover (fixture, PROBE_ADDRESS, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (petrel_autoconfig_result_get_source (found), ==,
                   PETREL_AUTOCONFIG_SOURCE_PROBE);
  assert_server (found, PETREL_ACCOUNT_SERVER_IMAP, "mail.probe.test", 993,
                 PETREL_CONNECTION_SECURITY_TLS, PROBE_ADDRESS);
  assert_server (found, PETREL_ACCOUNT_SERVER_SMTP, "smtp.probe.test", 587,
                 PETREL_CONNECTION_SECURITY_STARTTLS, PROBE_ADDRESS);

  /* The untrusted server was reached, and refused by the client. */
  g_assert_cmpint (g_atomic_int_get (&untrusted->n_connections), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&untrusted->n_handshakes), ==, 0);
  assert_steps (fixture, "autoconfig probe.test", "well-known probe.test", "ispdb probe.test",
                "mx probe.test", "srv probe.test", "probe probe.test", NULL);
}

static void
test_probe_starttls (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(PetrelAutoconfigResult) found = NULL;
  g_autoptr(GError) error = NULL;
  MailServer *imap, *smtp;

  if (fixture->web == NULL)
    return;

  imap = fixture_add_mail_server (fixture, MAIL_IMAP_STARTTLS, TRUE, "imap.probe.test", 143);
  smtp = fixture_add_mail_server (fixture, MAIL_SMTP_TLS, TRUE, "smtp.probe.test", 465);

  found = fixture_discover (fixture, PROBE_ADDRESS, NULL, &error);
  g_assert_no_error (error);
  assert_server (found, PETREL_ACCOUNT_SERVER_IMAP, "imap.probe.test", 143,
                 PETREL_CONNECTION_SECURITY_STARTTLS, PROBE_ADDRESS);
  assert_server (found, PETREL_ACCOUNT_SERVER_SMTP, "smtp.probe.test", 465,
                 PETREL_CONNECTION_SECURITY_TLS, PROBE_ADDRESS);
  /* A real handshake with each: the probe is more than a port scan. */
  g_assert_cmpint (wait_for_handshakes (imap, 1), ==, 1);
  g_assert_cmpint (wait_for_handshakes (smtp, 1), ==, 1);
}

static void
test_probe_silent_server (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(PetrelAutoconfigResult) found = NULL;
  g_autoptr(GError) error = NULL;
  MailServer *silent;

  if (fixture->web == NULL)
    return;

  /* imap.:993 accepts and says nothing: the answer waits for the timeout, then mail.:993
   * (already probed in parallel) wins. */
  petrel_autoconfig_set_timeout (fixture->autoconfig, SHORT_TIMEOUT_MS);
  silent = fixture_add_mail_server (fixture, MAIL_SILENT, TRUE, "imap.probe.test", 993);
  fixture_add_mail_server (fixture, MAIL_IMAP_TLS, TRUE, "mail.probe.test", 993);
  fixture_add_mail_server (fixture, MAIL_SMTP_TLS, TRUE, "smtp.probe.test", 465);

  found = fixture_discover (fixture, PROBE_ADDRESS, NULL, &error);
  g_assert_no_error (error);
  assert_server (found, PETREL_ACCOUNT_SERVER_IMAP, "mail.probe.test", 993,
                 PETREL_CONNECTION_SECURITY_TLS, PROBE_ADDRESS);
  g_assert_cmpint (g_atomic_int_get (&silent->n_connections), ==, 1);
}

static void
test_probe_wrong_protocol (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(PetrelAutoconfigResult) found = NULL;
  g_autoptr(GError) error = NULL;

  if (fixture->web == NULL)
    return;

  /* A later candidate can only win if every earlier one was refused: a web server where
   * IMAP should be, an IMAP server where SMTP should be, an SMTP server without STARTTLS. */
  fixture_add_mail_server (fixture, MAIL_HTTP, TRUE, "imap.probe.test", 993);
  fixture_add_mail_server (fixture, MAIL_IMAP_TLS, TRUE, "mail.probe.test", 993);
  fixture_add_mail_server (fixture, MAIL_IMAP_TLS, TRUE, "smtp.probe.test", 465);
  fixture_add_mail_server (fixture, MAIL_SMTP_NO_STARTTLS, TRUE, "smtp.probe.test", 587);
  fixture_add_mail_server (fixture, MAIL_SMTP_STARTTLS, TRUE, "mail.probe.test", 587);

  found = fixture_discover (fixture, PROBE_ADDRESS, NULL, &error);
  g_assert_no_error (error);
  assert_server (found, PETREL_ACCOUNT_SERVER_IMAP, "mail.probe.test", 993,
                 PETREL_CONNECTION_SECURITY_TLS, PROBE_ADDRESS);
  assert_server (found, PETREL_ACCOUNT_SERVER_SMTP, "mail.probe.test", 587,
                 PETREL_CONNECTION_SECURITY_STARTTLS, PROBE_ADDRESS);
}

static void
test_probe_refusals (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(PetrelAutoconfigResult) found = NULL;
  g_autoptr(GError) error = NULL;
  MailServer *no_starttls;

  if (fixture->web == NULL)
    return;

  /* Every IMAP candidate answers, none usably: an untrusted certificate, and STARTTLS
   * refused. A good SMTP server alone is no hit. */
  fixture_add_mail_server (fixture, MAIL_IMAP_TLS, FALSE, "imap.probe.test", 993);
  fixture_add_mail_server (fixture, MAIL_IMAP_TLS, FALSE, "mail.probe.test", 993);
  no_starttls = fixture_add_mail_server (fixture, MAIL_IMAP_NO_STARTTLS, TRUE,
                                         "imap.probe.test", 143);
  fixture_add_mail_server (fixture, MAIL_SMTP_TLS, TRUE, "smtp.probe.test", 465);

  found = fixture_discover (fixture, PROBE_ADDRESS, NULL, &error);
  g_assert_null (found);
  g_assert_error (error, PETREL_AUTOCONFIG_ERROR, PETREL_AUTOCONFIG_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "No settings were found for probe.test");
  g_assert_cmpint (g_atomic_int_get (&no_starttls->n_connections), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&no_starttls->n_handshakes), ==, 0);
}

/* Cancellation */

static void
test_cancel_during_slow_request (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autofree char *b = make_config ("imap.well-known.test", "993", "SSL",
                                    "smtp.well-known.test", "465", "SSL");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(PetrelAutoconfigResult) found = NULL;
  g_autoptr(GError) error = NULL;

  if (fixture->web == NULL)
    return;

  /* The step timeout is far away: only the cancellation, made when the request has reached
   * the server, can end this. */
  fixture_route (fixture, AUTOCONFIG_PATH, ROUTE_SLOW, NULL, 0);
  fixture_route (fixture, WELL_KNOWN_PATH, ROUTE_BODY, b, 0);
  fixture->web->cancel_on_slow = g_object_ref (cancellable);

  found = fixture_discover (fixture, ADDRESS, cancellable, &error);
  g_assert_null (found);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  /* No later step started. */
  assert_steps (fixture, "autoconfig example.test", NULL);
  assert_requests (fixture->web, AUTOCONFIG_REQUEST, NULL);
}

static void
test_cancel_during_probe (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(PetrelAutoconfigResult) found = NULL;
  g_autoptr(GError) error = NULL;
  MailServer *silent;

  if (fixture->web == NULL)
    return;

  /* Silent servers hold the probes far longer than this test runs; the cancellation made
   * when the first probe connects ends them. */
  silent = fixture_add_mail_server (fixture, MAIL_SILENT, TRUE, "imap.probe.test", 993);
  silent->cancel_on_connect = g_object_ref (cancellable);
  fixture_add_mail_server (fixture, MAIL_SILENT, TRUE, "smtp.probe.test", 465);

  found = fixture_discover (fixture, PROBE_ADDRESS, cancellable, &error);
  g_assert_null (found);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  assert_steps (fixture, "autoconfig probe.test", "well-known probe.test", "ispdb probe.test",
                "mx probe.test", "srv probe.test", "probe probe.test", NULL);
}

static void
test_cancelled_before (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(PetrelAutoconfigResult) found = NULL;
  g_autoptr(GError) error = NULL;

  if (fixture->web == NULL)
    return;

  g_cancellable_cancel (cancellable);
  found = fixture_discover (fixture, ADDRESS, cancellable, &error);
  g_assert_null (found);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (fixture->web->requests->len, ==, 0);
}

/* petrel-cli account discover */

static int
run_cli (Fixture    *fixture,
         gboolean    json,
         gboolean    offline,
         const char *address)
{
  CliGlobals globals = { NULL, json, offline };

  return cli_discover_print (&globals, fixture->autoconfig, address);
}

static void
test_cli_text (Fixture       *fixture,
               gconstpointer  data)
{
  if (fixture->web == NULL)
    return;

  if (g_test_subprocess ())
    {
      g_autofree char *a = make_config ("imap.example.test", "993", "SSL",
                                        "smtp.example.test", "587", "STARTTLS");

      fixture_route (fixture, AUTOCONFIG_PATH, ROUTE_BODY, a, 0);
      g_assert_cmpint (run_cli (fixture, FALSE, FALSE, ADDRESS), ==, 0);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*Found by: autoconfig (example.test)\n"
                             "IMAP  imap.example.test:993  tls\n"
                             "SMTP  smtp.example.test:587  starttls\n"
                             "User  alice@example.test\n*");
  g_test_trap_assert_stderr ("");
}

static void
test_cli_json (Fixture       *fixture,
               gconstpointer  data)
{
  if (fixture->web == NULL)
    return;

  if (g_test_subprocess ())
    {
      test_resolver_add_srv (fixture->resolver, "_imaps._tcp.example.test", 0, 0, 993,
                             "imap.example.test");
      test_resolver_add_srv (fixture->resolver, "_submission._tcp.example.test", 0, 0, 587,
                             "smtp.example.test");
      g_assert_cmpint (run_cli (fixture, TRUE, FALSE, ADDRESS), ==, 0);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*{\"source\":\"srv\","
                             "\"imap\":\"imap.example.test:993\",\"imap_security\":\"tls\","
                             "\"smtp\":\"smtp.example.test:587\","
                             "\"smtp_security\":\"starttls\","
                             "\"user\":\"alice@example.test\"}\n*");
  g_test_trap_assert_stderr ("");
}

static void
test_cli_not_found (Fixture       *fixture,
                    gconstpointer  data)
{
  if (fixture->web == NULL)
    return;

  if (g_test_subprocess ())
    {
      g_assert_cmpint (run_cli (fixture, TRUE, FALSE, "erin@nothing.test"), ==, 1);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout_unmatched ("*{*");
  g_test_trap_assert_stderr ("petrel-cli: No settings were found for nothing.test; give them "
                             "with account add --imap … --smtp …\n");
}

static void
test_cli_errors (Fixture       *fixture,
                 gconstpointer  data)
{
  if (fixture->web == NULL)
    return;

  if (g_test_subprocess ())
    {
      /* --offline: nothing is asked at all. */
      g_assert_cmpint (run_cli (fixture, FALSE, TRUE, ADDRESS), ==, 1);
      g_assert_cmpuint (fixture->web->requests->len, ==, 0);
      g_assert_cmpint (run_cli (fixture, FALSE, FALSE, "not an address"), ==, 1);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout_unmatched ("*Found by*");
  g_test_trap_assert_stderr ("petrel-cli: Finding the server settings needs the network, but "
                             "--offline was given\n"
                             "petrel-cli: “not an address” is not a valid email address "
                             "(expected name@example.org)\n");
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/petrel/autoconfig/parse/prefers-tls", test_parse_prefers_tls);
  g_test_add_func ("/petrel/autoconfig/parse/rejects", test_parse_rejects);
  g_test_add_func ("/petrel/autoconfig/parse/overlong", test_parse_overlong);
  g_test_add_func ("/petrel/autoconfig/base-domain", test_base_domain);

#define ADD(path, func) \
  g_test_add ("/petrel/autoconfig/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("invalid-address", test_invalid_address);
  ADD ("http/autoconfig-first", test_autoconfig_first);
  ADD ("http/well-known-after-404", test_well_known_after_404);
  ADD ("http/broken-xml", test_broken_xml_then_ispdb);
  ADD ("http/slow", test_slow_then_next);
  ADD ("http/redirect-to-http", test_redirect_to_http_refused);
  ADD ("http/redirect-to-https", test_redirect_to_https_followed);
  ADD ("http/redirect-loop", test_redirect_loop);
  ADD ("http/untrusted", test_untrusted_https);
  ADD ("http/ispdb-over-http", test_ispdb_http_refused);
  ADD ("not-found", test_not_found_order);
  ADD ("mx", test_mx_domain);
  ADD ("srv", test_mx_same_domain_then_srv);
  ADD ("srv/timeout", test_srv_lookup_timeout);
  ADD ("srv/incomplete", test_srv_incomplete);
  ADD ("probe/tls-first", test_probe_tls_first);
  ADD ("probe/starttls", test_probe_starttls);
  ADD ("probe/silent", test_probe_silent_server);
  ADD ("probe/wrong-protocol", test_probe_wrong_protocol);
  ADD ("probe/refusals", test_probe_refusals);
  ADD ("cancel/slow-request", test_cancel_during_slow_request);
  ADD ("cancel/probe", test_cancel_during_probe);
  ADD ("cancel/before", test_cancelled_before);
  ADD ("cli/text", test_cli_text);
  ADD ("cli/json", test_cli_json);
  ADD ("cli/not-found", test_cli_not_found);
  ADD ("cli/errors", test_cli_errors);

#undef ADD

  status = g_test_run ();
  remove_certificates ();

  return status;
}
