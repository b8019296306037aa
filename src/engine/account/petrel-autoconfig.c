/* petrel-autoconfig.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Finds IMAP and SMTP settings for an email address (issue #7). Steps, in order, first hit
 * wins, each bounded by #PetrelAutoconfig:timeout and the caller's cancellable:
 *
 *   1. Mozilla autoconfig: https://autoconfig.<domain>/mail/config-v1.1.xml?emailaddress=…,
 *      then https://<domain>/.well-known/autoconfig/mail/config-v1.1.xml
 *   2. the ISPDB (#PetrelAutoconfig:ispdb-url + domain)
 *   3. the MX host's registrable domain, if it differs: steps 1 and 2 again for it
 *   4. RFC 6186/8314 SRV records (_submissions, _submission, _imaps, _imap)
 *   5. TLS (or greeting + STARTTLS) handshakes with imap./mail./smtp.<domain>
 *
 * Every web request is HTTPS, redirects included: a config fetched in the clear could send
 * the user's password to anyone on the path, and the autoconfig URL carries the address.
 * Certificates are always validated (the caller's GTlsDatabase or the system's). A step
 * "hits" only when it yields both an IMAP and an SMTP server with TLS or STARTTLS; plain-text
 * servers in a config are ignored. The result is a candidate: the caller logs in with it
 * before saving anything. */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include <libsoup/soup.h>

#include "petrel-autoconfig.h"

#define MAX_BODY_BYTES   (256 * 1024)   /* real configs are a few KiB */
#define MAX_REDIRECTS    5
#define MAX_FIELD_LENGTH 1024
#define MAX_SERVERS      64
#define PROBE_MAX_BYTES  (16 * 1024)    /* all a probe reads from one server */
#define PROBE_MAX_LINE   4096

struct _PetrelAutoconfig
{
  GObject                    parent_instance;

  GResolver                 *resolver;       /* owned, never NULL */
  GTlsDatabase              *tls_database;   /* owned, nullable: the system's */
  guint                      timeout_ms;
  char                      *ispdb_url;      /* owned, nullable: no ISPDB step */

  PetrelAutoconfigUrlFunc    url_func;
  gpointer                   url_data;
  GDestroyNotify             url_destroy;

  PetrelAutoconfigProbeFunc  probe_func;
  gpointer                   probe_data;
  GDestroyNotify             probe_destroy;

  SoupSession               *session;        /* owned, made on first use */
};

G_DEFINE_FINAL_TYPE (PetrelAutoconfig, petrel_autoconfig, G_TYPE_OBJECT)

G_DEFINE_QUARK (petrel-autoconfig-error-quark, petrel_autoconfig_error)

enum {
  PROP_0,
  PROP_RESOLVER,
  PROP_TLS_DATABASE,
  PROP_TIMEOUT,
  PROP_ISPDB_URL,
  N_PROPS
};

enum {
  STEP,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

typedef enum
{
  STEP_AUTOCONFIG,
  STEP_WELL_KNOWN,
  STEP_ISPDB,
  STEP_MX_LOOKUP,
  STEP_MX_AUTOCONFIG,
  STEP_MX_WELL_KNOWN,
  STEP_MX_ISPDB,
  STEP_SRV,
  STEP_PROBE,
  STEP_DONE,
} Step;

/* RFC 6186/8314: within each protocol, implicit TLS is preferred. */
static const struct
{
  const char               *prefix;
  PetrelAccountServer       server;
  PetrelConnectionSecurity  security;
} srv_services[] = {
  { "_submissions._tcp.", PETREL_ACCOUNT_SERVER_SMTP, PETREL_CONNECTION_SECURITY_TLS },
  { "_submission._tcp.", PETREL_ACCOUNT_SERVER_SMTP, PETREL_CONNECTION_SECURITY_STARTTLS },
  { "_imaps._tcp.", PETREL_ACCOUNT_SERVER_IMAP, PETREL_CONNECTION_SECURITY_TLS },
  { "_imap._tcp.", PETREL_ACCOUNT_SERVER_IMAP, PETREL_CONNECTION_SECURITY_STARTTLS },
};

/* In order of preference within each protocol: TLS first. */
static const struct
{
  const char               *prefix;
  guint16                   port;
  PetrelAccountServer       server;
  PetrelConnectionSecurity  security;
} probe_candidates[] = {
  { "imap.", 993, PETREL_ACCOUNT_SERVER_IMAP, PETREL_CONNECTION_SECURITY_TLS },
  { "mail.", 993, PETREL_ACCOUNT_SERVER_IMAP, PETREL_CONNECTION_SECURITY_TLS },
  { "imap.", 143, PETREL_ACCOUNT_SERVER_IMAP, PETREL_CONNECTION_SECURITY_STARTTLS },
  { "smtp.", 465, PETREL_ACCOUNT_SERVER_SMTP, PETREL_CONNECTION_SECURITY_TLS },
  { "smtp.", 587, PETREL_ACCOUNT_SERVER_SMTP, PETREL_CONNECTION_SECURITY_STARTTLS },
  { "mail.", 587, PETREL_ACCOUNT_SERVER_SMTP, PETREL_CONNECTION_SECURITY_STARTTLS },
};

#define N_SRV_SERVICES    G_N_ELEMENTS (srv_services)
#define N_PROBES          G_N_ELEMENTS (probe_candidates)

typedef enum
{
  PROBE_PENDING,
  PROBE_OK,
  PROBE_FAILED,
} ProbeStatus;

typedef struct
{
  char    *host;   /* owned, NULL if the service has no usable record */
  guint16  port;
} SrvTarget;

typedef struct
{
  char         *address;       /* owned */
  char         *local_part;    /* owned */
  char         *domain;        /* owned: ASCII, lower case, no trailing dot */
  char         *mx_domain;     /* owned, nullable: the MX host's registrable domain */
  Step          step;

  /* The running step: cancelled by the caller's cancellable or by the timer. */
  GCancellable *attempt;       /* owned */
  GSource      *cancel_source; /* owned: watches the caller's cancellable */
  GSource      *timeout;       /* owned */
  gboolean      timed_out;
  guint         pending;       /* parallel lookups or probes still running */

  SrvTarget     srv[N_SRV_SERVICES];
  ProbeStatus   probes[N_PROBES];
  gboolean      probes_decided;
} Discovery;

typedef struct
{
  GTask *task;   /* owned: the discovery */
  guint  index;
} SubOp;

/* Helpers */

static void
discovery_free (gpointer data)
{
  Discovery *d = data;

  g_assert (d->attempt == NULL);
  g_assert (d->timeout == NULL);
  g_assert (d->cancel_source == NULL);

  g_free (d->address);
  g_free (d->local_part);
  g_free (d->domain);
  g_free (d->mx_domain);
  for (guint i = 0; i < N_SRV_SERVICES; i++)
    g_free (d->srv[i].host);
  g_free (d);
}

static SubOp *
sub_op_new (GTask *task,
            guint  index)
{
  SubOp *op = g_new0 (SubOp, 1);

  op->task = g_object_ref (task);
  op->index = index;

  return op;
}

static void
sub_op_free (SubOp *op)
{
  g_clear_object (&op->task);
  g_free (op);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SubOp, sub_op_free)

static gboolean
str_has_prefix_ascii_ci (const char *string,
                         const char *prefix)
{
  return g_ascii_strncasecmp (string, prefix, strlen (prefix)) == 0;
}

static char *
normalize_host (const char *host)
{
  g_autofree char *lower = NULL;
  gsize length;

  if (host == NULL)
    return NULL;

  lower = g_ascii_strdown (host, -1);
  length = strlen (lower);
  if (length > 0 && lower[length - 1] == '.')
    lower[length - 1] = '\0';

  if (lower[0] == '\0' || !petrel_account_validate_host (lower, NULL))
    return NULL;

  return g_steal_pointer (&lower);
}

/* Replaces Thunderbird's placeholders; others are left as they are. */
static char *
substitute_placeholders (const char *template,
                         const char *address,
                         const char *local_part,
                         const char *email_domain)
{
  static const char *names[] = { "%EMAILADDRESS%", "%EMAILLOCALPART%", "%EMAILDOMAIN%" };
  const char *values[] = { address, local_part, email_domain };
  GString *out = g_string_new (NULL);
  const char *p = template;

  while (*p != '\0')
    {
      gboolean replaced = FALSE;

      if (*p == '%')
        {
          for (guint i = 0; i < G_N_ELEMENTS (names); i++)
            {
              if (g_str_has_prefix (p, names[i]))
                {
                  g_string_append (out, values[i]);
                  p += strlen (names[i]);
                  replaced = TRUE;
                  break;
                }
            }
        }

      if (!replaced)
        g_string_append_c (out, *p++);
    }

  return g_string_free (out, FALSE);
}

static gboolean
uri_is_https (GUri *uri)
{
  return g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") == 0 && g_uri_get_host (uri) != NULL;
}

/* For messages: no query, so no address. */
static char *
uri_to_display (GUri *uri)
{
  return g_uri_to_string_partial (uri, G_URI_HIDE_USERINFO | G_URI_HIDE_QUERY |
                                       G_URI_HIDE_FRAGMENT);
}

static SoupSession *
get_session (PetrelAutoconfig *self)
{
  if (self->session == NULL)
    {
      self->session = soup_session_new_with_options ("user-agent", "Petrel/" PACKAGE_VERSION,
                                                     NULL);
      if (self->tls_database != NULL)
        soup_session_set_tls_database (self->session, self->tls_database);
    }

  return self->session;
}

static char *
default_url (PetrelAutoconfigSource  source,
             const char             *domain)
{
  if (source == PETREL_AUTOCONFIG_SOURCE_AUTOCONFIG)
    return g_strdup_printf ("https://autoconfig.%s/mail/config-v1.1.xml", domain);

  return g_strdup_printf ("https://%s/.well-known/autoconfig/mail/config-v1.1.xml", domain);
}

static char *
build_url (PetrelAutoconfig       *self,
           PetrelAutoconfigSource  kind,
           const char             *domain,
           const char             *address)
{
  g_autofree char *url = NULL;
  g_autofree char *escaped = NULL;

  if (kind == PETREL_AUTOCONFIG_SOURCE_ISPDB)
    {
      if (self->ispdb_url == NULL || self->ispdb_url[0] == '\0')
        return NULL;
      return g_strconcat (self->ispdb_url,
                          g_str_has_suffix (self->ispdb_url, "/") ? "" : "/", domain, NULL);
    }

  url = self->url_func != NULL
    ? self->url_func (kind, domain, self->url_data)
    : default_url (kind, domain);
  if (url == NULL || kind != PETREL_AUTOCONFIG_SOURCE_AUTOCONFIG)
    return g_steal_pointer (&url);

  escaped = g_uri_escape_string (address, "@", FALSE);

  return g_strconcat (url, strchr (url, '?') != NULL ? "&" : "?", "emailaddress=", escaped, NULL);
}

/* Config parsing */

enum {
  FIELD_HOSTNAME,
  FIELD_PORT,
  FIELD_SOCKET_TYPE,
  FIELD_USERNAME,
  FIELD_AUTHENTICATION,
  N_FIELDS
};

static const char *field_names[N_FIELDS] = {
  "hostname", "port", "socketType", "username", "authentication",
};

typedef struct
{
  int       kind;               /* a PetrelAccountServer, or -1 for POP3 and the like */
  char     *fields[N_FIELDS];   /* owned, nullable: the first of each */
  gboolean  overlong;
} ConfigServer;

typedef struct
{
  guint         depth;
  gboolean      in_provider;
  ConfigServer *current;        /* owned while inside an incoming/outgoingServer */
  int           field;          /* FIELD_* while inside a field of current, else -1 */
  GString      *text;
  GPtrArray    *servers;        /* of ConfigServer, owned */
} ConfigParser;

static void
config_server_free (ConfigServer *server)
{
  for (guint i = 0; i < N_FIELDS; i++)
    g_free (server->fields[i]);
  g_free (server);
}

static const char *
find_attribute (const char **names,
                const char **values,
                const char  *wanted)
{
  for (guint i = 0; names[i] != NULL; i++)
    if (g_str_equal (names[i], wanted))
      return values[i];

  return NULL;
}

static void
config_start_element (GMarkupParseContext  *context,
                      const char           *element_name,
                      const char          **attribute_names,
                      const char          **attribute_values,
                      gpointer              user_data,
                      GError              **error)
{
  ConfigParser *parser = user_data;

  parser->depth++;

  switch (parser->depth)
    {
    case 1:
      if (!g_str_equal (element_name, "clientConfig"))
        g_set_error (error, PETREL_AUTOCONFIG_ERROR, PETREL_AUTOCONFIG_ERROR_INVALID_CONFIG,
                     _("The document is a <%s>, not a mail <clientConfig>"), element_name);
      break;

    case 2:
      parser->in_provider = g_str_equal (element_name, "emailProvider");
      break;

    case 3:
      if (parser->in_provider && parser->servers->len < MAX_SERVERS &&
          (g_str_equal (element_name, "incomingServer") ||
           g_str_equal (element_name, "outgoingServer")))
        {
          const char *type = find_attribute (attribute_names, attribute_values, "type");

          parser->current = g_new0 (ConfigServer, 1);
          parser->current->kind = -1;
          if (type != NULL && g_str_equal (element_name, "incomingServer") &&
              g_ascii_strcasecmp (type, "imap") == 0)
            parser->current->kind = PETREL_ACCOUNT_SERVER_IMAP;
          else if (type != NULL && g_str_equal (element_name, "outgoingServer") &&
                   g_ascii_strcasecmp (type, "smtp") == 0)
            parser->current->kind = PETREL_ACCOUNT_SERVER_SMTP;
        }
      break;

    case 4:
      parser->field = -1;
      if (parser->current != NULL)
        {
          for (guint i = 0; i < N_FIELDS; i++)
            {
              /* Only the first of each (a server may list several authentications). */
              if (g_str_equal (element_name, field_names[i]) && parser->current->fields[i] == NULL)
                {
                  parser->field = i;
                  g_string_truncate (parser->text, 0);
                  break;
                }
            }
        }
      break;

    default:
      break;
    }
}

static void
config_end_element (GMarkupParseContext  *context,
                    const char           *element_name,
                    gpointer              user_data,
                    GError              **error)
{
  ConfigParser *parser = user_data;

  switch (parser->depth)
    {
    case 2:
      parser->in_provider = FALSE;
      break;

    case 3:
      if (parser->current != NULL)
        g_ptr_array_add (parser->servers, g_steal_pointer (&parser->current));
      break;

    case 4:
      if (parser->current != NULL && parser->field >= 0)
        {
          if (parser->text->len > MAX_FIELD_LENGTH)
            parser->current->overlong = TRUE;
          else
            parser->current->fields[parser->field] = g_strstrip (g_strdup (parser->text->str));
        }
      parser->field = -1;
      break;

    default:
      break;
    }

  parser->depth--;
}

static void
config_text (GMarkupParseContext  *context,
             const char           *text,
             gsize                 text_len,
             gpointer              user_data,
             GError              **error)
{
  ConfigParser *parser = user_data;

  if (parser->depth == 4 && parser->current != NULL && parser->field >= 0 &&
      parser->text->len <= MAX_FIELD_LENGTH)
    g_string_append_len (parser->text, text, MIN (text_len, MAX_FIELD_LENGTH + 1));
}

static const GMarkupParser config_parser = {
  config_start_element,
  config_end_element,
  config_text,
  NULL,
  NULL,
};

/* 0 for TLS, 1 for STARTTLS, -1 for anything we will not use. */
static int
socket_type_rank (const char               *socket_type,
                  PetrelConnectionSecurity *security)
{
  if (socket_type == NULL)
    return -1;

  if (g_ascii_strcasecmp (socket_type, "SSL") == 0 || g_ascii_strcasecmp (socket_type, "TLS") == 0)
    {
      *security = PETREL_CONNECTION_SECURITY_TLS;
      return 0;
    }

  if (g_ascii_strcasecmp (socket_type, "STARTTLS") == 0)
    {
      *security = PETREL_CONNECTION_SECURITY_STARTTLS;
      return 1;
    }

  return -1;
}

static gboolean
pick_server (GPtrArray              *servers,
             PetrelAccountServer     kind,
             PetrelAutoconfigResult *result,
             const char             *address,
             const char             *local_part,
             const char             *email_domain)
{
  ConfigServer *best = NULL;
  g_autofree char *best_host = NULL;
  PetrelConnectionSecurity best_security = PETREL_CONNECTION_SECURITY_TLS;
  guint16 best_port = 0;
  int best_rank = G_MAXINT;
  g_autofree char *user = NULL;

  for (guint i = 0; i < servers->len; i++)
    {
      ConfigServer *server = g_ptr_array_index (servers, i);
      PetrelConnectionSecurity security;
      g_autofree char *raw_host = NULL;
      g_autofree char *host = NULL;
      guint64 port;
      int rank;

      if (server->kind != (int) kind || server->overlong)
        continue;

      rank = socket_type_rank (server->fields[FIELD_SOCKET_TYPE], &security);
      if (rank < 0 || rank >= best_rank)
        continue;

      if (server->fields[FIELD_HOSTNAME] == NULL || server->fields[FIELD_PORT] == NULL ||
          !g_ascii_string_to_unsigned (server->fields[FIELD_PORT], 10, 1, 65535, &port, NULL))
        continue;

      raw_host = substitute_placeholders (server->fields[FIELD_HOSTNAME],
                                          address, local_part, email_domain);
      host = normalize_host (raw_host);
      if (host == NULL)
        continue;

      best = server;
      best_rank = rank;
      best_security = security;
      best_port = (guint16) port;
      g_free (best_host);
      best_host = g_steal_pointer (&host);
    }

  if (best == NULL)
    return FALSE;

  /* A config without a user name almost always means the address. */
  user = best->fields[FIELD_USERNAME] != NULL && best->fields[FIELD_USERNAME][0] != '\0'
    ? substitute_placeholders (best->fields[FIELD_USERNAME], address, local_part, email_domain)
    : g_strdup (address);

  petrel_autoconfig_result_set_server (result, kind, best_host, best_port, best_security, user,
                                       best->fields[FIELD_AUTHENTICATION]);

  return TRUE;
}

/* Probing */

typedef enum
{
  PROBE_STATE_GREETING,
  PROBE_STATE_EHLO,
  PROBE_STATE_STARTTLS,
} ProbeState;

typedef struct
{
  char                     *host;         /* owned */
  guint16                   port;
  PetrelAccountServer       server;
  PetrelConnectionSecurity  security;
  GSocketClient            *client;       /* owned */
  GSocketConnection        *connection;   /* owned */
  GIOStream                *stream;       /* owned: the connection, or TLS over it */
  gboolean                  tls_done;
  gboolean                  starttls_offered;
  ProbeState                state;
  GString                  *buffer;       /* received and not yet handled */
  gsize                     n_received;
  char                     *command;      /* owned while being written */
  guint8                    chunk[1024];
} Probe;

static void probe_read_line (GTask *task);

static void
probe_free (gpointer data)
{
  Probe *probe = data;

  /* Closing the socket first makes dropping a TLS connection over it cheap and quiet. */
  if (probe->connection != NULL)
    g_io_stream_close (G_IO_STREAM (probe->connection), NULL, NULL);
  g_clear_object (&probe->stream);
  g_clear_object (&probe->connection);
  g_clear_object (&probe->client);
  g_string_free (probe->buffer, TRUE);
  g_free (probe->command);
  g_free (probe->host);
  g_free (probe);
}

static void
probe_return_error (GTask  *task,
                    GError *error)
{
  Probe *probe = g_task_get_task_data (task);

  g_prefix_error (&error, "%s:%u: ", probe->host, probe->port);
  g_task_return_error (task, error);
}

static void
probe_fail (GTask      *task,
            const char *message)
{
  probe_return_error (task, g_error_new_literal (PETREL_AUTOCONFIG_ERROR,
                                                 PETREL_AUTOCONFIG_ERROR_PROTOCOL, message));
}

static void
probe_handshake_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Probe *probe = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (object), result, &error))
    {
      probe_return_error (task, error);
      return;
    }

  probe->tls_done = TRUE;

  if (probe->security == PETREL_CONNECTION_SECURITY_STARTTLS)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  /* Implicit TLS: the greeting shows that this is the right kind of server. */
  probe->state = PROBE_STATE_GREETING;
  probe_read_line (task);
}

static void
probe_start_tls (GTask *task)
{
  PetrelAutoconfig *self = g_task_get_source_object (task);
  Probe *probe = g_task_get_task_data (task);
  g_autoptr(GSocketConnectable) identity = g_network_address_new (probe->host, probe->port);
  g_autoptr(GIOStream) tls = NULL;
  GError *error = NULL;

  tls = g_tls_client_connection_new (G_IO_STREAM (probe->connection), identity, &error);
  if (tls == NULL)
    {
      probe_return_error (task, error);
      return;
    }
  if (self->tls_database != NULL)
    g_tls_connection_set_database (G_TLS_CONNECTION (tls), self->tls_database);

  g_clear_object (&probe->stream);
  probe->stream = g_object_ref (tls);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT,
                                    g_task_get_cancellable (task),
                                    probe_handshake_cb, g_object_ref (task));
}

static void
probe_write_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, &error))
    {
      probe_return_error (task, error);
      return;
    }

  probe_read_line (task);
}

static void
probe_write (GTask      *task,
             ProbeState  next_state,
             char       *command)
{
  Probe *probe = g_task_get_task_data (task);

  g_free (probe->command);
  probe->command = command;
  probe->state = next_state;
  g_output_stream_write_all_async (g_io_stream_get_output_stream (probe->stream),
                                   probe->command, strlen (probe->command), G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task),
                                   probe_write_cb, g_object_ref (task));
}

static char *
make_ehlo (Probe *probe)
{
  g_autoptr(GSocketAddress) local = NULL;
  g_autofree char *literal = NULL;

  /* RFC 5321 4.1.4: a client without a meaningful name sends its address literal. */
  local = g_socket_connection_get_local_address (probe->connection, NULL);
  if (G_IS_INET_SOCKET_ADDRESS (local))
    {
      GInetAddress *address = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local));

      literal = g_inet_address_to_string (address);
      if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6)
        return g_strdup_printf ("EHLO [IPv6:%s]\r\n", literal);
      return g_strdup_printf ("EHLO [%s]\r\n", literal);
    }

  return g_strdup ("EHLO [127.0.0.1]\r\n");
}

static void
probe_after_starttls_ok (GTask *task)
{
  Probe *probe = g_task_get_task_data (task);

  /* Anything sent before the handshake would be read as if it came over TLS. */
  if (probe->buffer->len > 0)
    {
      probe_fail (task, "The server sent data right after agreeing to STARTTLS");
      return;
    }

  probe_start_tls (task);
}

static void
probe_handle_imap_line (GTask      *task,
                        const char *line)
{
  Probe *probe = g_task_get_task_data (task);

  switch (probe->state)
    {
    case PROBE_STATE_GREETING:
      if (str_has_prefix_ascii_ci (line, "* OK"))
        {
          if (probe->tls_done)
            g_task_return_boolean (task, TRUE);
          else
            probe_write (task, PROBE_STATE_STARTTLS, g_strdup ("P1 STARTTLS\r\n"));
        }
      else if (str_has_prefix_ascii_ci (line, "* PREAUTH") && probe->tls_done)
        g_task_return_boolean (task, TRUE);
      else if (str_has_prefix_ascii_ci (line, "* PREAUTH"))
        probe_fail (task, "The server skips authentication before STARTTLS could be used");
      else
        probe_fail (task, "The server does not greet as an IMAP server");
      break;

    case PROBE_STATE_STARTTLS:
      if (line[0] == '*')
        probe_read_line (task);
      else if (str_has_prefix_ascii_ci (line, "P1 OK"))
        probe_after_starttls_ok (task);
      else
        probe_fail (task, "The server refused STARTTLS");
      break;

    case PROBE_STATE_EHLO:
    default:
      g_assert_not_reached ();
    }
}

static void
probe_handle_smtp_line (GTask      *task,
                        const char *line)
{
  Probe *probe = g_task_get_task_data (task);
  gboolean more;

  /* "250-…" continues a reply, "250 …" (or a bare "250") ends it. */
  more = strlen (line) >= 4 && line[3] == '-';

  switch (probe->state)
    {
    case PROBE_STATE_GREETING:
      if (!g_str_has_prefix (line, "220"))
        probe_fail (task, "The server does not greet as an SMTP server");
      else if (more)
        probe_read_line (task);
      else if (probe->tls_done)
        g_task_return_boolean (task, TRUE);
      else
        probe_write (task, PROBE_STATE_EHLO, make_ehlo (probe));
      break;

    case PROBE_STATE_EHLO:
      if (!g_str_has_prefix (line, "250"))
        {
          probe_fail (task, "The server refused EHLO");
          break;
        }
      if (strlen (line) >= 4 && g_ascii_strncasecmp (line + 4, "STARTTLS", 8) == 0 &&
          (line[12] == '\0' || line[12] == ' '))
        probe->starttls_offered = TRUE;
      if (more)
        probe_read_line (task);
      else if (!probe->starttls_offered)
        probe_fail (task, "The server does not offer STARTTLS");
      else
        probe_write (task, PROBE_STATE_STARTTLS, g_strdup ("STARTTLS\r\n"));
      break;

    case PROBE_STATE_STARTTLS:
      if (!g_str_has_prefix (line, "220"))
        probe_fail (task, "The server refused STARTTLS");
      else if (more)
        probe_read_line (task);
      else
        probe_after_starttls_ok (task);
      break;

    default:
      g_assert_not_reached ();
    }
}

static void
probe_read_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Probe *probe = g_task_get_task_data (task);
  GError *error = NULL;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &error);
  if (n < 0)
    {
      probe_return_error (task, error);
      return;
    }
  if (n == 0)
    {
      probe_fail (task, "The server closed the connection");
      return;
    }

  probe->n_received += n;
  if (probe->n_received > PROBE_MAX_BYTES)
    {
      probe_fail (task, "The server sent far more than a greeting");
      return;
    }

  g_string_append_len (probe->buffer, (const char *) probe->chunk, n);
  probe_read_line (task);
}

/* Handles the next buffered line, or reads more. Borrows @task. */
static void
probe_read_line (GTask *task)
{
  Probe *probe = g_task_get_task_data (task);
  const char *newline = memchr (probe->buffer->str, '\n', probe->buffer->len);

  if (newline != NULL)
    {
      gsize length = newline - probe->buffer->str;
      g_autofree char *line = g_strndup (probe->buffer->str, length);

      g_string_erase (probe->buffer, 0, length + 1);
      if (length > 0 && line[length - 1] == '\r')
        line[length - 1] = '\0';

      if (probe->server == PETREL_ACCOUNT_SERVER_IMAP)
        probe_handle_imap_line (task, line);
      else
        probe_handle_smtp_line (task, line);
      return;
    }

  if (probe->buffer->len > PROBE_MAX_LINE)
    {
      probe_fail (task, "The server sent an overlong line");
      return;
    }

  g_input_stream_read_async (g_io_stream_get_input_stream (probe->stream),
                             probe->chunk, sizeof probe->chunk, G_PRIORITY_DEFAULT,
                             g_task_get_cancellable (task),
                             probe_read_cb, g_object_ref (task));
}

static void
probe_connect_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Probe *probe = g_task_get_task_data (task);
  GError *error = NULL;

  probe->connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (object), result, &error);
  if (probe->connection == NULL)
    {
      probe_return_error (task, error);
      return;
    }
  probe->stream = g_object_ref (G_IO_STREAM (probe->connection));

  if (probe->security == PETREL_CONNECTION_SECURITY_TLS)
    probe_start_tls (task);
  else
    probe_read_line (task);
}

static void
probe_async (PetrelAutoconfig         *self,
             const char               *host,
             guint16                   port,
             PetrelAccountServer       server,
             PetrelConnectionSecurity  security,
             GCancellable             *cancellable,
             GAsyncReadyCallback       callback,
             gpointer                  user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GSocketConnectable) connectable = NULL;
  Probe *probe;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, probe_async);

  probe = g_new0 (Probe, 1);
  probe->host = g_strdup (host);
  probe->port = port;
  probe->server = server;
  probe->security = security;
  probe->buffer = g_string_new (NULL);
  g_task_set_task_data (task, probe, probe_free);

  connectable = self->probe_func != NULL
    ? self->probe_func (host, port, self->probe_data)
    : g_network_address_new (host, port);
  if (connectable == NULL)
    {
      probe_return_error (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                                                     "No such host"));
      return;
    }

  probe->client = g_socket_client_new ();
  g_socket_client_connect_async (probe->client, connectable, cancellable,
                                 probe_connect_cb, g_steal_pointer (&task));
}

static gboolean
probe_finish (PetrelAutoconfig  *self,
              GAsyncResult      *result,
              GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* HTTPS fetch */

typedef struct
{
  GUri         *uri;           /* owned */
  guint         n_redirects;
  SoupMessage  *message;       /* owned */
  GInputStream *stream;        /* owned */
  GByteArray   *body;          /* owned */
} Fetch;

static void fetch_send (GTask *task);

static void
fetch_free (gpointer data)
{
  Fetch *fetch = data;

  g_clear_pointer (&fetch->uri, g_uri_unref);
  g_clear_object (&fetch->message);
  g_clear_object (&fetch->stream);
  g_clear_pointer (&fetch->body, g_byte_array_unref);
  g_free (fetch);
}

static void
fetch_return_error (GTask  *task,
                    GError *error)
{
  Fetch *fetch = g_task_get_task_data (task);
  g_autofree char *shown = uri_to_display (fetch->uri);

  g_prefix_error (&error, "%s: ", shown);
  g_task_return_error (task, error);
}

static void
fetch_read_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Fetch *fetch = g_task_get_task_data (task);
  g_autoptr(GBytes) bytes = NULL;
  GError *error = NULL;

  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result, &error);
  if (bytes == NULL)
    {
      fetch_return_error (task, error);
      return;
    }

  if (g_bytes_get_size (bytes) == 0)
    {
      g_task_return_pointer (task, g_byte_array_free_to_bytes (g_steal_pointer (&fetch->body)),
                             (GDestroyNotify) g_bytes_unref);
      return;
    }

  g_byte_array_append (fetch->body, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  if (fetch->body->len > MAX_BODY_BYTES)
    {
      fetch_return_error (task, g_error_new (PETREL_AUTOCONFIG_ERROR,
                                             PETREL_AUTOCONFIG_ERROR_HTTP,
                                             _("The answer is larger than %u KiB"),
                                             MAX_BODY_BYTES / 1024));
      return;
    }

  g_input_stream_read_bytes_async (fetch->stream, 16 * 1024, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task),
                                   fetch_read_cb, g_object_ref (task));
}

static void
fetch_send_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Fetch *fetch = g_task_get_task_data (task);
  g_autoptr(GInputStream) stream = NULL;
  SoupMessageHeaders *headers;
  GError *error = NULL;
  guint status;

  stream = soup_session_send_finish (SOUP_SESSION (object), result, &error);
  if (stream == NULL)
    {
      fetch_return_error (task, error);
      return;
    }

  status = soup_message_get_status (fetch->message);
  headers = soup_message_get_response_headers (fetch->message);

  if (SOUP_STATUS_IS_REDIRECTION (status) &&
      soup_message_headers_get_one (headers, "Location") != NULL)
    {
      const char *location = soup_message_headers_get_one (headers, "Location");
      g_autoptr(GUri) target = NULL;

      if (++fetch->n_redirects > MAX_REDIRECTS)
        {
          fetch_return_error (task, g_error_new_literal (PETREL_AUTOCONFIG_ERROR,
                                                         PETREL_AUTOCONFIG_ERROR_HTTP,
                                                         "Too many redirects"));
          return;
        }

      target = g_uri_parse_relative (fetch->uri, location, SOUP_HTTP_URI_FLAGS, NULL);
      if (target == NULL)
        {
          fetch_return_error (task, g_error_new_literal (PETREL_AUTOCONFIG_ERROR,
                                                         PETREL_AUTOCONFIG_ERROR_HTTP,
                                                         "Redirected to an invalid URL"));
          return;
        }
      if (!uri_is_https (target))
        {
          g_autofree char *shown = uri_to_display (target);

          fetch_return_error (task, g_error_new (PETREL_AUTOCONFIG_ERROR,
                                                 PETREL_AUTOCONFIG_ERROR_INSECURE,
                                                 _("Refused a redirect to %s: account discovery "
                                                   "only uses HTTPS"), shown));
          return;
        }

      g_clear_pointer (&fetch->uri, g_uri_unref);
      fetch->uri = g_steal_pointer (&target);
      g_clear_object (&fetch->message);
      fetch_send (g_steal_pointer (&task));
      return;
    }

  if (status != SOUP_STATUS_OK)
    {
      fetch_return_error (task, g_error_new (PETREL_AUTOCONFIG_ERROR,
                                             PETREL_AUTOCONFIG_ERROR_HTTP,
                                             _("The server answered %u %s"), status,
                                             soup_status_get_phrase (status) != NULL
                                               ? soup_status_get_phrase (status) : ""));
      return;
    }

  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      soup_message_headers_get_content_length (headers) > MAX_BODY_BYTES)
    {
      fetch_return_error (task, g_error_new (PETREL_AUTOCONFIG_ERROR,
                                             PETREL_AUTOCONFIG_ERROR_HTTP,
                                             _("The answer is larger than %u KiB"),
                                             MAX_BODY_BYTES / 1024));
      return;
    }

  fetch->stream = g_steal_pointer (&stream);
  fetch->body = g_byte_array_new ();
  g_input_stream_read_bytes_async (fetch->stream, 16 * 1024, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task),
                                   fetch_read_cb, g_object_ref (task));
}

/* Takes the caller's reference on @task. */
static void
fetch_send (GTask *task_in)
{
  g_autoptr(GTask) task = task_in;
  PetrelAutoconfig *self = g_task_get_source_object (task);
  Fetch *fetch = g_task_get_task_data (task);

  /* Checked before anything is sent, for the first URL and every redirect alike. */
  if (!uri_is_https (fetch->uri))
    {
      fetch_return_error (task, g_error_new_literal (PETREL_AUTOCONFIG_ERROR,
                                                     PETREL_AUTOCONFIG_ERROR_INSECURE,
                                                     "Not fetched: account discovery only "
                                                     "uses HTTPS"));
      return;
    }

  if (g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN) == FALSE)
    {
      g_autofree char *shown = uri_to_display (fetch->uri);

      g_debug ("Fetching %s", shown);
    }
  fetch->message = soup_message_new_from_uri ("GET", fetch->uri);
  soup_message_add_flags (fetch->message, SOUP_MESSAGE_NO_REDIRECT);
  soup_session_send_async (get_session (self), fetch->message, G_PRIORITY_DEFAULT,
                           g_task_get_cancellable (task),
                           fetch_send_cb, g_object_ref (task));
}

static void
fetch_async (PetrelAutoconfig    *self,
             const char          *url,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  Fetch *fetch;
  GUri *uri;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, fetch_async);

  uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, &error);
  if (uri == NULL)
    {
      g_task_return_new_error (task, PETREL_AUTOCONFIG_ERROR, PETREL_AUTOCONFIG_ERROR_HTTP,
                               _("“%s” is not a valid URL: %s"), url, error->message);
      return;
    }

  fetch = g_new0 (Fetch, 1);
  fetch->uri = uri;
  g_task_set_task_data (task, fetch, fetch_free);

  fetch_send (g_steal_pointer (&task));
}

static GBytes *
fetch_finish (PetrelAutoconfig  *self,
              GAsyncResult      *result,
              GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Discovery */

static void discovery_run (GTask *task);

static gboolean
on_attempt_timeout_cb (gpointer user_data)
{
  Discovery *d = user_data;

  d->timed_out = TRUE;
  g_cancellable_cancel (d->attempt);

  return G_SOURCE_REMOVE;
}

/* A source rather than g_cancellable_connect(): the step may end from inside the cancellation
 * (an operation completing synchronously), and disconnecting a handler during its own
 * emission would deadlock. */
static gboolean
on_discovery_cancelled_cb (GCancellable *cancellable,
                           gpointer      user_data)
{
  Discovery *d = user_data;

  g_cancellable_cancel (d->attempt);

  return G_SOURCE_REMOVE;
}

static void
discovery_begin_attempt (GTask                  *task,
                         PetrelAutoconfigSource  source,
                         const char             *domain)
{
  PetrelAutoconfig *self = g_task_get_source_object (task);
  Discovery *d = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  g_assert (d->attempt == NULL);

  d->attempt = g_cancellable_new ();
  d->timed_out = FALSE;
  if (cancellable != NULL)
    {
      d->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (d->cancel_source, G_SOURCE_FUNC (on_discovery_cancelled_cb), d, NULL);
      g_source_set_static_name (d->cancel_source, "[petrel] autoconfig cancelled");
      g_source_attach (d->cancel_source, g_task_get_context (task));
    }

  d->timeout = g_timeout_source_new (self->timeout_ms);
  g_source_set_callback (d->timeout, on_attempt_timeout_cb, d, NULL);
  g_source_set_static_name (d->timeout, "[petrel] autoconfig step timeout");
  g_source_attach (d->timeout, g_task_get_context (task));

  g_signal_emit (self, signals[STEP], 0, source, domain);
}

static void
discovery_end_attempt (GTask *task)
{
  Discovery *d = g_task_get_task_data (task);

  if (d->timeout != NULL)
    {
      g_source_destroy (d->timeout);
      g_clear_pointer (&d->timeout, g_source_unref);
    }
  if (d->cancel_source != NULL)
    {
      g_source_destroy (d->cancel_source);
      g_clear_pointer (&d->cancel_source, g_source_unref);
    }
  g_clear_object (&d->attempt);
}

static void
discovery_log_failure (GTask      *task,
                       const char *what,
                       GError     *error)
{
  PetrelAutoconfig *self = g_task_get_source_object (task);
  Discovery *d = g_task_get_task_data (task);

  if (d->timed_out && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("%s: no answer within %u ms", what, self->timeout_ms);
  else
    g_debug ("%s: %s", what, error != NULL ? error->message : "nothing usable");
}

/* Ends the running step. Returns TRUE if the discovery is over (cancelled). */
static gboolean
discovery_step_over (GTask *task)
{
  discovery_end_attempt (task);

  return g_task_return_error_if_cancelled (task);
}

static void
discovery_next (GTask *task,
                Step   step)
{
  Discovery *d = g_task_get_task_data (task);

  d->step = step;
  discovery_run (task);
}

static void
discovery_fetch_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PetrelAutoconfig *self = PETREL_AUTOCONFIG (object);
  Discovery *d = g_task_get_task_data (task);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(PetrelAutoconfigResult) found = NULL;
  g_autoptr(GError) error = NULL;
  PetrelAutoconfigSource source;
  const char *domain;
  const char *what;

  body = fetch_finish (self, result, &error);
  if (discovery_step_over (task))
    return;

  switch (d->step)
    {
    case STEP_AUTOCONFIG:
      source = PETREL_AUTOCONFIG_SOURCE_AUTOCONFIG, domain = d->domain, what = "autoconfig";
      break;
    case STEP_WELL_KNOWN:
      source = PETREL_AUTOCONFIG_SOURCE_WELL_KNOWN, domain = d->domain, what = "well-known";
      break;
    case STEP_ISPDB:
      source = PETREL_AUTOCONFIG_SOURCE_ISPDB, domain = d->domain, what = "ispdb";
      break;
    case STEP_MX_AUTOCONFIG:
      source = PETREL_AUTOCONFIG_SOURCE_MX, domain = d->mx_domain, what = "mx autoconfig";
      break;
    case STEP_MX_WELL_KNOWN:
      source = PETREL_AUTOCONFIG_SOURCE_MX, domain = d->mx_domain, what = "mx well-known";
      break;
    case STEP_MX_ISPDB:
      source = PETREL_AUTOCONFIG_SOURCE_MX, domain = d->mx_domain, what = "mx ispdb";
      break;
    default:
      g_assert_not_reached ();
    }

  if (body != NULL)
    found = petrel_autoconfig_parse_config (g_bytes_get_data (body, NULL),
                                            g_bytes_get_size (body),
                                            d->address, source, domain, &error);

  if (found != NULL)
    {
      g_debug ("%s for %s: found settings", what, domain);
      g_task_return_pointer (task, g_steal_pointer (&found),
                             (GDestroyNotify) petrel_autoconfig_result_unref);
      return;
    }

  discovery_log_failure (task, what, error);
  discovery_next (task, d->step + 1);
}

static gboolean
discovery_start_fetch (GTask                  *task,
                       PetrelAutoconfigSource  kind,
                       PetrelAutoconfigSource  reported,
                       const char             *domain)
{
  PetrelAutoconfig *self = g_task_get_source_object (task);
  Discovery *d = g_task_get_task_data (task);
  g_autofree char *url = build_url (self, kind, domain, d->address);

  if (url == NULL)
    return FALSE;

  discovery_begin_attempt (task, reported, domain);
  fetch_async (self, url, d->attempt, discovery_fetch_cb, g_object_ref (task));

  return TRUE;
}

static void
discovery_mx_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Discovery *d = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *best_host = NULL;
  g_autofree char *base = NULL;
  GList *records;
  guint16 best_preference = G_MAXUINT16;

  records = g_resolver_lookup_records_finish (G_RESOLVER (object), result, &error);
  if (discovery_step_over (task))
    {
      g_list_free_full (records, (GDestroyNotify) g_variant_unref);
      return;
    }

  for (GList *l = records; l != NULL; l = l->next)
    {
      g_autofree char *host = NULL;
      const char *name;
      guint16 preference;

      if (!g_variant_is_of_type (l->data, G_VARIANT_TYPE ("(qs)")))
        continue;
      g_variant_get (l->data, "(q&s)", &preference, &name);

      /* A null MX (".", RFC 7505) says the domain takes no mail. */
      host = normalize_host (name);
      if (host == NULL || (best_host != NULL && preference >= best_preference))
        continue;

      best_preference = preference;
      g_free (best_host);
      best_host = g_steal_pointer (&host);
    }
  g_list_free_full (records, (GDestroyNotify) g_variant_unref);

  if (best_host == NULL)
    {
      discovery_log_failure (task, "mx", error);
      discovery_next (task, STEP_SRV);
      return;
    }

  base = petrel_autoconfig_dup_base_domain (best_host);
  if (base == NULL || g_str_equal (base, d->domain))
    {
      g_debug ("mx: %s is in the address's own domain, already looked up", best_host);
      discovery_next (task, STEP_SRV);
      return;
    }

  g_debug ("mx: %s, trying %s", best_host, base);
  d->mx_domain = g_steal_pointer (&base);
  discovery_next (task, STEP_MX_AUTOCONFIG);
}

static SrvTarget
pick_srv_target (GList *records)
{
  SrvTarget best = { NULL, 0 };
  guint16 best_priority = G_MAXUINT16;
  guint16 best_weight = 0;

  /* Lowest priority, then highest weight: deterministic rather than RFC 2782's weighted
   * random choice, which only matters for load spreading. */
  for (GList *l = records; l != NULL; l = l->next)
    {
      g_autofree char *host = NULL;
      guint16 priority, weight, port;
      const char *target;

      if (!g_variant_is_of_type (l->data, G_VARIANT_TYPE ("(qqqs)")))
        continue;
      g_variant_get (l->data, "(qqq&s)", &priority, &weight, &port, &target);

      /* "." means "this service is decidedly not available" (RFC 2782, RFC 6186 3.4). */
      host = normalize_host (target);
      if (host == NULL || port == 0)
        continue;

      if (best.host != NULL &&
          (priority > best_priority || (priority == best_priority && weight <= best_weight)))
        continue;

      g_free (best.host);
      best.host = g_steal_pointer (&host);
      best.port = port;
      best_priority = priority;
      best_weight = weight;
    }

  return best;
}

static void
discovery_srv_finish (GTask *task)
{
  Discovery *d = g_task_get_task_data (task);
  g_autoptr(PetrelAutoconfigResult) found = NULL;

  if (discovery_step_over (task))
    return;

  found = petrel_autoconfig_result_new (PETREL_AUTOCONFIG_SOURCE_SRV, d->domain);
  for (guint i = 0; i < N_SRV_SERVICES; i++)
    {
      PetrelAccountServer server = srv_services[i].server;

      if (d->srv[i].host == NULL || petrel_autoconfig_result_get_host (found, server) != NULL)
        continue;

      /* RFC 6186 3.2: the user name is the address unless the user says otherwise. */
      petrel_autoconfig_result_set_server (found, server, d->srv[i].host, d->srv[i].port,
                                           srv_services[i].security, d->address, NULL);
    }

  if (petrel_autoconfig_result_is_complete (found))
    {
      g_debug ("srv for %s: found settings", d->domain);
      g_task_return_pointer (task, g_steal_pointer (&found),
                             (GDestroyNotify) petrel_autoconfig_result_unref);
      return;
    }

  g_debug ("srv for %s: %s%s", d->domain,
           petrel_autoconfig_result_get_host (found, PETREL_ACCOUNT_SERVER_IMAP) == NULL
             ? "no IMAP record" : "no submission record",
           d->timed_out ? " (some lookups timed out)" : "");
  discovery_next (task, STEP_PROBE);
}

static void
discovery_srv_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(SubOp) op = user_data;
  Discovery *d = g_task_get_task_data (op->task);
  g_autoptr(GError) error = NULL;
  GList *records;

  records = g_resolver_lookup_records_finish (G_RESOLVER (object), result, &error);
  if (records != NULL)
    {
      d->srv[op->index] = pick_srv_target (records);
      g_list_free_full (records, (GDestroyNotify) g_variant_unref);
    }
  else
    {
      g_autofree char *what = g_strconcat ("srv ", srv_services[op->index].prefix, NULL);

      discovery_log_failure (op->task, what, error);
    }

  if (--d->pending == 0)
    discovery_srv_finish (op->task);
}

static void
discovery_start_srv (GTask *task)
{
  PetrelAutoconfig *self = g_task_get_source_object (task);
  Discovery *d = g_task_get_task_data (task);

  discovery_begin_attempt (task, PETREL_AUTOCONFIG_SOURCE_SRV, d->domain);

  d->pending = N_SRV_SERVICES;
  for (guint i = 0; i < N_SRV_SERVICES; i++)
    {
      g_autofree char *name = g_strconcat (srv_services[i].prefix, d->domain, NULL);

      g_resolver_lookup_records_async (self->resolver, name, G_RESOLVER_RECORD_SRV, d->attempt,
                                       discovery_srv_cb, sub_op_new (task, i));
    }
}

/* The first candidate of @server that worked, if every earlier one of it failed; -1 while
 * that is not known yet, -2 when all of them failed. */
static int
probe_winner (Discovery           *d,
              PetrelAccountServer  server)
{
  for (guint i = 0; i < N_PROBES; i++)
    {
      if (probe_candidates[i].server != server)
        continue;
      if (d->probes[i] == PROBE_PENDING)
        return -1;
      if (d->probes[i] == PROBE_OK)
        return i;
    }

  return -2;
}

static void
discovery_probe_finish (GTask *task)
{
  Discovery *d = g_task_get_task_data (task);
  g_autoptr(PetrelAutoconfigResult) found = NULL;
  int imap, smtp;

  if (discovery_step_over (task))
    return;

  imap = probe_winner (d, PETREL_ACCOUNT_SERVER_IMAP);
  smtp = probe_winner (d, PETREL_ACCOUNT_SERVER_SMTP);
  if (imap < 0 || smtp < 0)
    {
      g_debug ("probe for %s: %s", d->domain,
               imap < 0 ? "no IMAP server answered" : "no SMTP server answered");
      discovery_next (task, STEP_DONE);
      return;
    }

  found = petrel_autoconfig_result_new (PETREL_AUTOCONFIG_SOURCE_PROBE, d->domain);
  for (guint k = 0; k < 2; k++)
    {
      guint i = k == 0 ? imap : smtp;
      g_autofree char *host = g_strconcat (probe_candidates[i].prefix, d->domain, NULL);

      petrel_autoconfig_result_set_server (found, probe_candidates[i].server, host,
                                           probe_candidates[i].port,
                                           probe_candidates[i].security, d->address, NULL);
    }

  g_debug ("probe for %s: found settings", d->domain);
  g_task_return_pointer (task, g_steal_pointer (&found),
                         (GDestroyNotify) petrel_autoconfig_result_unref);
}

static void
discovery_probe_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(SubOp) op = user_data;
  Discovery *d = g_task_get_task_data (op->task);
  g_autoptr(GError) error = NULL;

  if (probe_finish (PETREL_AUTOCONFIG (object), result, &error))
    {
      d->probes[op->index] = PROBE_OK;
    }
  else
    {
      d->probes[op->index] = PROBE_FAILED;
      if (!d->probes_decided)
        discovery_log_failure (op->task, "probe", error);
    }

  /* Once the answer cannot change, stop the probes still waiting for slower hosts. */
  if (!d->probes_decided)
    {
      int imap = probe_winner (d, PETREL_ACCOUNT_SERVER_IMAP);
      int smtp = probe_winner (d, PETREL_ACCOUNT_SERVER_SMTP);

      if (imap == -2 || smtp == -2 || (imap >= 0 && smtp >= 0))
        {
          d->probes_decided = TRUE;
          g_cancellable_cancel (d->attempt);
        }
    }

  if (--d->pending == 0)
    discovery_probe_finish (op->task);
}

static void
discovery_start_probe (GTask *task)
{
  PetrelAutoconfig *self = g_task_get_source_object (task);
  Discovery *d = g_task_get_task_data (task);

  discovery_begin_attempt (task, PETREL_AUTOCONFIG_SOURCE_PROBE, d->domain);

  d->pending = N_PROBES;
  d->probes_decided = FALSE;
  for (guint i = 0; i < N_PROBES; i++)
    {
      g_autofree char *host = g_strconcat (probe_candidates[i].prefix, d->domain, NULL);

      d->probes[i] = PROBE_PENDING;
      probe_async (self, host, probe_candidates[i].port, probe_candidates[i].server,
                   probe_candidates[i].security, d->attempt,
                   discovery_probe_cb, sub_op_new (task, i));
    }
}

/* Starts the step d->step, or the first one after it that applies. Borrows @task. */
static void
discovery_run (GTask *task)
{
  PetrelAutoconfig *self = g_task_get_source_object (task);
  Discovery *d = g_task_get_task_data (task);

  if (g_task_return_error_if_cancelled (task))
    return;

  for (;; d->step++)
    {
      switch (d->step)
        {
        case STEP_AUTOCONFIG:
          if (discovery_start_fetch (task, PETREL_AUTOCONFIG_SOURCE_AUTOCONFIG,
                                     PETREL_AUTOCONFIG_SOURCE_AUTOCONFIG, d->domain))
            return;
          break;

        case STEP_WELL_KNOWN:
          if (discovery_start_fetch (task, PETREL_AUTOCONFIG_SOURCE_WELL_KNOWN,
                                     PETREL_AUTOCONFIG_SOURCE_WELL_KNOWN, d->domain))
            return;
          break;

        case STEP_ISPDB:
          if (discovery_start_fetch (task, PETREL_AUTOCONFIG_SOURCE_ISPDB,
                                     PETREL_AUTOCONFIG_SOURCE_ISPDB, d->domain))
            return;
          break;

        case STEP_MX_LOOKUP:
          discovery_begin_attempt (task, PETREL_AUTOCONFIG_SOURCE_MX, d->domain);
          g_resolver_lookup_records_async (self->resolver, d->domain, G_RESOLVER_RECORD_MX,
                                           d->attempt, discovery_mx_cb, g_object_ref (task));
          return;

        case STEP_MX_AUTOCONFIG:
          if (discovery_start_fetch (task, PETREL_AUTOCONFIG_SOURCE_AUTOCONFIG,
                                     PETREL_AUTOCONFIG_SOURCE_MX, d->mx_domain))
            return;
          break;

        case STEP_MX_WELL_KNOWN:
          if (discovery_start_fetch (task, PETREL_AUTOCONFIG_SOURCE_WELL_KNOWN,
                                     PETREL_AUTOCONFIG_SOURCE_MX, d->mx_domain))
            return;
          break;

        case STEP_MX_ISPDB:
          if (discovery_start_fetch (task, PETREL_AUTOCONFIG_SOURCE_ISPDB,
                                     PETREL_AUTOCONFIG_SOURCE_MX, d->mx_domain))
            return;
          break;

        case STEP_SRV:
          discovery_start_srv (task);
          return;

        case STEP_PROBE:
          discovery_start_probe (task);
          return;

        case STEP_DONE:
        default:
          g_task_return_new_error (task, PETREL_AUTOCONFIG_ERROR,
                                   PETREL_AUTOCONFIG_ERROR_NOT_FOUND,
                                   _("No settings were found for %s"), d->domain);
          return;
        }
    }
}

/* GObject */

static void
petrel_autoconfig_dispose (GObject *object)
{
  PetrelAutoconfig *self = PETREL_AUTOCONFIG (object);

  g_clear_object (&self->session);
  g_clear_object (&self->resolver);
  g_clear_object (&self->tls_database);

  if (self->url_destroy != NULL)
    g_clear_pointer (&self->url_data, self->url_destroy);
  self->url_func = NULL;
  if (self->probe_destroy != NULL)
    g_clear_pointer (&self->probe_data, self->probe_destroy);
  self->probe_func = NULL;

  G_OBJECT_CLASS (petrel_autoconfig_parent_class)->dispose (object);
}

static void
petrel_autoconfig_finalize (GObject *object)
{
  PetrelAutoconfig *self = PETREL_AUTOCONFIG (object);

  g_free (self->ispdb_url);

  G_OBJECT_CLASS (petrel_autoconfig_parent_class)->finalize (object);
}

static void
petrel_autoconfig_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  PetrelAutoconfig *self = PETREL_AUTOCONFIG (object);

  switch (prop_id)
    {
    case PROP_RESOLVER:
      g_value_set_object (value, self->resolver);
      break;
    case PROP_TLS_DATABASE:
      g_value_set_object (value, self->tls_database);
      break;
    case PROP_TIMEOUT:
      g_value_set_uint (value, self->timeout_ms);
      break;
    case PROP_ISPDB_URL:
      g_value_set_string (value, self->ispdb_url);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
petrel_autoconfig_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  PetrelAutoconfig *self = PETREL_AUTOCONFIG (object);

  switch (prop_id)
    {
    case PROP_RESOLVER:
      petrel_autoconfig_set_resolver (self, g_value_get_object (value));
      break;
    case PROP_TLS_DATABASE:
      petrel_autoconfig_set_tls_database (self, g_value_get_object (value));
      break;
    case PROP_TIMEOUT:
      petrel_autoconfig_set_timeout (self, g_value_get_uint (value));
      break;
    case PROP_ISPDB_URL:
      petrel_autoconfig_set_ispdb_url (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
petrel_autoconfig_class_init (PetrelAutoconfigClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = petrel_autoconfig_dispose;
  object_class->finalize = petrel_autoconfig_finalize;
  object_class->get_property = petrel_autoconfig_get_property;
  object_class->set_property = petrel_autoconfig_set_property;

  /**
   * PetrelAutoconfig:resolver:
   *
   * Answers the MX and SRV lookups; the system's by default. Setting %NULL restores that.
   */
  properties[PROP_RESOLVER] =
    g_param_spec_object ("resolver", NULL, NULL,
                         G_TYPE_RESOLVER,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * PetrelAutoconfig:tls-database:
   *
   * Validates the certificates of web servers and probed mail servers; %NULL (the default)
   * means the system's trust store.
   */
  properties[PROP_TLS_DATABASE] =
    g_param_spec_object ("tls-database", NULL, NULL,
                         G_TYPE_TLS_DATABASE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * PetrelAutoconfig:timeout:
   *
   * How long each step may take, in milliseconds, before the next one is tried.
   */
  properties[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, NULL,
                       1, G_MAXUINT, PETREL_AUTOCONFIG_DEFAULT_TIMEOUT_MS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * PetrelAutoconfig:ispdb-url:
   *
   * Base URL of the ISP database; the domain is appended. %NULL or empty skips that step.
   * Only an `https://` URL is ever fetched.
   */
  properties[PROP_ISPDB_URL] =
    g_param_spec_string ("ispdb-url", NULL, NULL,
                         PETREL_AUTOCONFIG_DEFAULT_ISPDB_URL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * PetrelAutoconfig::step:
   * @self: the #PetrelAutoconfig
   * @source: the step that starts
   * @domain: the domain it looks up
   *
   * Emitted as each step starts, for progress reports. The three lookups for the MX host's
   * domain and the MX lookup itself are all %PETREL_AUTOCONFIG_SOURCE_MX.
   */
  signals[STEP] =
    g_signal_new ("step",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, PETREL_TYPE_AUTOCONFIG_SOURCE, G_TYPE_STRING);
}

static void
petrel_autoconfig_init (PetrelAutoconfig *self)
{
  self->resolver = g_resolver_get_default ();
  self->timeout_ms = PETREL_AUTOCONFIG_DEFAULT_TIMEOUT_MS;
  self->ispdb_url = g_strdup (PETREL_AUTOCONFIG_DEFAULT_ISPDB_URL);
}

/* Public API */

/**
 * petrel_autoconfig_new:
 *
 * Returns: (transfer full): a discoverer that uses the system resolver and trust store
 */
PetrelAutoconfig *
petrel_autoconfig_new (void)
{
  return g_object_new (PETREL_TYPE_AUTOCONFIG, NULL);
}

GResolver *
petrel_autoconfig_get_resolver (PetrelAutoconfig *self)
{
  g_return_val_if_fail (PETREL_IS_AUTOCONFIG (self), NULL);

  return self->resolver;
}

void
petrel_autoconfig_set_resolver (PetrelAutoconfig *self,
                                GResolver        *resolver)
{
  g_autoptr(GResolver) new_resolver = NULL;

  g_return_if_fail (PETREL_IS_AUTOCONFIG (self));
  g_return_if_fail (resolver == NULL || G_IS_RESOLVER (resolver));

  new_resolver = resolver != NULL ? g_object_ref (resolver) : g_resolver_get_default ();
  if (new_resolver == self->resolver)
    return;

  g_set_object (&self->resolver, new_resolver);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RESOLVER]);
}

GTlsDatabase *
petrel_autoconfig_get_tls_database (PetrelAutoconfig *self)
{
  g_return_val_if_fail (PETREL_IS_AUTOCONFIG (self), NULL);

  return self->tls_database;
}

void
petrel_autoconfig_set_tls_database (PetrelAutoconfig *self,
                                    GTlsDatabase     *database)
{
  g_return_if_fail (PETREL_IS_AUTOCONFIG (self));
  g_return_if_fail (database == NULL || G_IS_TLS_DATABASE (database));

  if (!g_set_object (&self->tls_database, database))
    return;

  /* The next request makes a session that trusts the new database. */
  g_clear_object (&self->session);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TLS_DATABASE]);
}

guint
petrel_autoconfig_get_timeout (PetrelAutoconfig *self)
{
  g_return_val_if_fail (PETREL_IS_AUTOCONFIG (self), 0);

  return self->timeout_ms;
}

void
petrel_autoconfig_set_timeout (PetrelAutoconfig *self,
                               guint             timeout_ms)
{
  g_return_if_fail (PETREL_IS_AUTOCONFIG (self));
  g_return_if_fail (timeout_ms > 0);

  if (self->timeout_ms == timeout_ms)
    return;

  self->timeout_ms = timeout_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIMEOUT]);
}

const char *
petrel_autoconfig_get_ispdb_url (PetrelAutoconfig *self)
{
  g_return_val_if_fail (PETREL_IS_AUTOCONFIG (self), NULL);

  return self->ispdb_url;
}

void
petrel_autoconfig_set_ispdb_url (PetrelAutoconfig *self,
                                 const char       *url)
{
  g_return_if_fail (PETREL_IS_AUTOCONFIG (self));

  if (g_strcmp0 (self->ispdb_url, url) == 0)
    return;

  g_free (self->ispdb_url);
  self->ispdb_url = g_strdup (url);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ISPDB_URL]);
}

/**
 * petrel_autoconfig_set_url_func:
 * @self: a #PetrelAutoconfig
 * @func: (nullable): builds the autoconfig and well-known URLs; %NULL for the real ones
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data
 *
 * Replaces `https://autoconfig.<domain>/…` and `https://<domain>/.well-known/…`, so that tests
 * (or a site policy) can point them elsewhere. The HTTPS rule still holds.
 */
void
petrel_autoconfig_set_url_func (PetrelAutoconfig        *self,
                                PetrelAutoconfigUrlFunc  func,
                                gpointer                 user_data,
                                GDestroyNotify           destroy)
{
  g_return_if_fail (PETREL_IS_AUTOCONFIG (self));

  if (self->url_destroy != NULL)
    self->url_destroy (self->url_data);
  self->url_func = func;
  self->url_data = user_data;
  self->url_destroy = destroy;
}

/**
 * petrel_autoconfig_set_probe_func:
 * @self: a #PetrelAutoconfig
 * @func: (nullable): maps a probed host and port to what to connect to; %NULL to resolve
 *   the host name as usual
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data
 */
void
petrel_autoconfig_set_probe_func (PetrelAutoconfig          *self,
                                  PetrelAutoconfigProbeFunc  func,
                                  gpointer                   user_data,
                                  GDestroyNotify             destroy)
{
  g_return_if_fail (PETREL_IS_AUTOCONFIG (self));

  if (self->probe_destroy != NULL)
    self->probe_destroy (self->probe_data);
  self->probe_func = func;
  self->probe_data = user_data;
  self->probe_destroy = destroy;
}

/**
 * petrel_autoconfig_discover_async:
 * @self: a #PetrelAutoconfig
 * @address: the email address, e.g. `alice@example.org`
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when settings are found or every step failed
 * @user_data: data for @callback
 *
 * Looks for IMAP and SMTP settings for @address; see the top of petrel-autoconfig.c for the
 * steps. Each step gets #PetrelAutoconfig:timeout; the first one that yields both servers
 * wins.
 */
void
petrel_autoconfig_discover_async (PetrelAutoconfig    *self,
                                  const char          *address,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *ascii = NULL;
  Discovery *d;
  const char *at;
  gsize length;

  g_return_if_fail (PETREL_IS_AUTOCONFIG (self));
  g_return_if_fail (address != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, petrel_autoconfig_discover_async);

  if (!petrel_account_validate_address (address, &error))
    {
      g_task_return_new_error (task, PETREL_AUTOCONFIG_ERROR,
                               PETREL_AUTOCONFIG_ERROR_INVALID_ADDRESS, "%s", error->message);
      return;
    }

  at = strrchr (address, '@');
  ascii = g_hostname_to_ascii (at + 1);
  if (ascii == NULL)
    {
      g_task_return_new_error (task, PETREL_AUTOCONFIG_ERROR,
                               PETREL_AUTOCONFIG_ERROR_INVALID_ADDRESS,
                               _("The domain of “%s” cannot be looked up"), address);
      return;
    }

  d = g_new0 (Discovery, 1);
  d->address = g_strdup (address);
  d->local_part = g_strndup (address, at - address);
  d->domain = g_ascii_strdown (ascii, -1);
  length = strlen (d->domain);
  if (length > 0 && d->domain[length - 1] == '.')
    d->domain[length - 1] = '\0';
  d->step = STEP_AUTOCONFIG;
  g_task_set_task_data (task, d, discovery_free);

  discovery_run (task);
}

/**
 * petrel_autoconfig_discover_finish:
 * @self: a #PetrelAutoconfig
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Returns: (transfer full): complete candidate settings, or %NULL with
 *   %PETREL_AUTOCONFIG_ERROR_NOT_FOUND, %PETREL_AUTOCONFIG_ERROR_INVALID_ADDRESS or
 *   %G_IO_ERROR_CANCELLED
 */
PetrelAutoconfigResult *
petrel_autoconfig_discover_finish (PetrelAutoconfig  *self,
                                   GAsyncResult      *result,
                                   GError           **error)
{
  g_return_val_if_fail (PETREL_IS_AUTOCONFIG (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        petrel_autoconfig_discover_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * petrel_autoconfig_parse_config:
 * @xml: a Mozilla `clientConfig` document (config-v1.1.xml), UTF-8
 * @length: its length, or -1 if nul-terminated
 * @address: the user's email address, for `%EMAILADDRESS%` and friends
 * @source: the source to record in the result
 * @domain: the domain to record in the result
 * @error: return location for a #GError
 *
 * Takes the best `incomingServer type="imap"` and `outgoingServer type="smtp"`: SSL before
 * STARTTLS, otherwise in document order. POP3 and plain-text servers are ignored.
 *
 * Returns: (transfer full): complete settings, or %NULL with
 *   %PETREL_AUTOCONFIG_ERROR_INVALID_CONFIG (or a #GMarkupError for broken XML)
 */
PetrelAutoconfigResult *
petrel_autoconfig_parse_config (const char              *xml,
                                gssize                   length,
                                const char              *address,
                                PetrelAutoconfigSource   source,
                                const char              *domain,
                                GError                 **error)
{
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autoptr(PetrelAutoconfigResult) result = NULL;
  g_autoptr(GPtrArray) servers = NULL;
  g_autoptr(GString) text = NULL;
  g_autofree char *local_part = NULL;
  g_autofree char *email_domain = NULL;
  ConfigParser parser = { 0, };
  const char *at;
  gboolean ok;

  g_return_val_if_fail (xml != NULL, NULL);
  g_return_val_if_fail (address != NULL && strrchr (address, '@') != NULL, NULL);
  g_return_val_if_fail (domain != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  at = strrchr (address, '@');
  local_part = g_strndup (address, at - address);
  email_domain = g_strdup (at + 1);

  servers = g_ptr_array_new_with_free_func ((GDestroyNotify) config_server_free);
  text = g_string_new (NULL);
  parser.servers = servers;
  parser.text = text;
  parser.field = -1;

  context = g_markup_parse_context_new (&config_parser, G_MARKUP_PREFIX_ERROR_POSITION,
                                        &parser, NULL);
  ok = g_markup_parse_context_parse (context, xml, length, error) &&
       g_markup_parse_context_end_parse (context, error);
  g_clear_pointer (&parser.current, config_server_free);
  if (!ok)
    {
      /* GMarkup quotes the offending bytes, which need not be UTF-8. */
      if (error != NULL && *error != NULL && !g_utf8_validate ((*error)->message, -1, NULL))
        {
          char *valid = g_utf8_make_valid ((*error)->message, -1);

          g_free ((*error)->message);
          (*error)->message = valid;
        }
      g_prefix_error (error, _("Not a valid configuration: "));
      return NULL;
    }

  result = petrel_autoconfig_result_new (source, domain);
  if (!pick_server (servers, PETREL_ACCOUNT_SERVER_IMAP, result,
                    address, local_part, email_domain))
    {
      g_set_error_literal (error, PETREL_AUTOCONFIG_ERROR, PETREL_AUTOCONFIG_ERROR_INVALID_CONFIG,
                           _("The configuration names no IMAP server with TLS or STARTTLS"));
      return NULL;
    }
  if (!pick_server (servers, PETREL_ACCOUNT_SERVER_SMTP, result,
                    address, local_part, email_domain))
    {
      g_set_error_literal (error, PETREL_AUTOCONFIG_ERROR, PETREL_AUTOCONFIG_ERROR_INVALID_CONFIG,
                           _("The configuration names no SMTP server with TLS or STARTTLS"));
      return NULL;
    }

  return g_steal_pointer (&result);
}

/**
 * petrel_autoconfig_dup_base_domain:
 * @host: a host name, e.g. `mx1.mail.example.net`
 *
 * The registrable domain of @host by a simple rule: the last two labels, or three under a
 * known second-level suffix such as `co.uk` (no full public suffix list).
 *
 * Returns: (transfer full) (nullable): e.g. `example.net`, or %NULL if @host is not a valid
 *   host name
 */
char *
petrel_autoconfig_dup_base_domain (const char *host)
{
  static const char * const second_level[] = {
    "ac.at", "co.at", "or.at", "com.au", "edu.au", "net.au", "org.au", "com.br", "net.br",
    "com.cn", "net.cn", "org.cn", "co.id", "co.il", "ac.in", "co.in", "net.in", "ac.jp",
    "co.jp", "ne.jp", "or.jp", "co.kr", "or.kr", "com.mx", "com.my", "co.nz", "net.nz",
    "org.nz", "com.pl", "net.pl", "com.sg", "co.th", "com.tr", "com.tw", "net.tw", "org.tw",
    "ac.uk", "co.uk", "gov.uk", "ltd.uk", "me.uk", "net.uk", "org.uk", "plc.uk", "com.ua",
    "co.za", "org.za", "com.ar", "com.hk", "com.ph", "com.vn",
  };
  g_autofree char *normal = normalize_host (host);
  g_auto(GStrv) labels = NULL;
  g_autofree char *last_two = NULL;
  guint n, keep = 2;

  if (normal == NULL || g_hostname_is_ip_address (normal))
    return NULL;

  labels = g_strsplit (normal, ".", -1);
  n = g_strv_length (labels);
  if (n <= 2)
    return g_steal_pointer (&normal);

  last_two = g_strconcat (labels[n - 2], ".", labels[n - 1], NULL);
  for (guint i = 0; i < G_N_ELEMENTS (second_level); i++)
    if (g_str_equal (last_two, second_level[i]))
      keep = 3;

  if (n <= keep)
    return g_steal_pointer (&normal);

  return g_strjoinv (".", labels + (n - keep));
}
