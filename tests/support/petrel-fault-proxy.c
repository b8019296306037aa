/* petrel-fault-proxy.c: a fault-injecting loopback TCP relay for the reliability tests
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * petrel-fault-proxy --target PORT [--rule JSON] [--transcript FILE] [--no-stdin]
 *
 * Listens on 127.0.0.1 (a free port), prints one JSON line {"port": N, "target": PORT,
 * "pid": P} on stdout, and relays every accepted connection to 127.0.0.1:PORT until stdin
 * reaches EOF (or, with --no-stdin, until SIGINT/SIGTERM). It relays bytes and never
 * terminates TLS, so TLS passes through it; only the plaintext parts of a session (before
 * STARTTLS, or a whole `security=none` session) can be matched against patterns.
 *
 * Each connection takes a snapshot of the rule in force when it is accepted. A rule is a JSON
 * object (given with --rule, or on stdin as {"cmd": "rule", …}); every member is optional:
 *
 *   "direction"      "c2s", "s2c" (default) or "both": the stream(s) whose bytes the triggers
 *                    below count and match, and that chunk/throttle shape
 *   "cut_after"      N: forward exactly N bytes of the stream, then cut the connection
 *   "cut_pattern"    S: forward up to and including the first S, then cut
 *   "cut_before"     true: with cut_pattern, cut before S instead (S is not forwarded)
 *   "cut_records"    N: once TLS has started on the stream, forward N whole TLS records
 *                    (handshake ones included), then cut
 *   "cut_mode"       "fin" (default: both sides see an orderly close) or "rst" (a reset)
 *   "cut_on_next"    true: a cut waits until the stream's next byte after the point arrives,
 *                    so what the peer sends next is lost rather than the connection dropping
 *                    at once (e.g. the server took the message, its "250" never arrives)
 *   "stall_after", "stall_pattern", "stall_records": like the cuts, but stop forwarding the
 *                    stream instead (once per connection and trigger)
 *   "stall_ms"       how long a stall lasts; 0 or absent: forever (a black hole)
 *   "chunk"          N: write at most N bytes per write (1: one byte at a time)
 *   "throttle"       B: at most B bytes per second
 *   "inject_after", "inject": after the first occurrence of the first string, insert the
 *                    second one, in the same write (STARTTLS response injection)
 *   "strip"          S: remove every occurrence of S (STARTTLS stripping)
 *   "strip_direction" the stream(s) strip applies to, if not "direction"
 *   "skip"           N: the first N connections after the rule is set pass untouched
 *   "connections"    N: the rule applies to N connections (after the skipped ones), then
 *                    connections pass untouched; absent or -1: all
 *
 * Strings are taken as UTF-8 bytes; each string member also has a "…_hex" form for arbitrary
 * bytes. Offsets count the bytes read from the source side of the stream. Patterns that may
 * continue in the next read are held back until it arrives (or the stream ends).
 *
 * Control commands on stdin, one JSON object per line; the reply is one JSON line:
 *   {"cmd": "rule", …rule members…}   replace the rule for connections accepted from now on
 *   {"cmd": "clear"}                  pass everything untouched from now on
 *   {"cmd": "transcript", "path": P}  log connections accepted from now on to P (null: stop)
 *   {"cmd": "stats"}                  {"ok": true, "connections": N, "active": N,
 *                                      "sessions": [{"id", "open", "rule", "c2s_bytes",
 *                                      "s2c_bytes", "c2s_records", "s2c_records",
 *                                      "events": […]}…]}: bytes as read from each side
 *   {"cmd": "reset-stats"}            forget the sessions and set the counters to 0
 *   {"cmd": "drop"}                   reset every open connection now
 *   {"cmd": "ping"}, {"cmd": "quit"}
 *
 * The transcript is appended to: event lines start with "== ", data lines are
 * "CONN DIR OFFSET  HEX…  |ASCII|" with 16 bytes each, for the bytes as written to the other
 * side (after stripping and injection), OFFSET being the position in that written stream.
 */

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <glib-unix.h>
#include <json-glib/json-glib.h>

#define READ_SIZE (64 * 1024)
#define MAX_CONTROL_LINE (64 * 1024)
#define MAX_SESSIONS 10000
#define DRAIN_TIMEOUT_MS 5000
#define NO_OFFSET G_MAXUINT64

typedef enum
{
  DIR_C2S = 0,
  DIR_S2C = 1,
} Direction;

static const char * const direction_names[] = { "c2s", "s2c" };

typedef enum
{
  ACTION_NONE,
  ACTION_CUT,
  ACTION_STALL,
  ACTION_INJECT,
  ACTION_STRIP,
} Action;

typedef struct
{
  char    *json;             /* owned: the rule as given, for stats */
  guint    directions;       /* bit (1 << Direction) for each stream the rule applies to */

  gint64   cut_after;        /* -1: none */
  GBytes  *cut_pattern;      /* owned, nullable */
  gboolean cut_before;
  gint64   cut_records;      /* -1: none */
  gboolean cut_rst;
  gboolean cut_on_next;

  gint64   stall_after;      /* -1: none */
  GBytes  *stall_pattern;    /* owned, nullable */
  gint64   stall_records;    /* -1: none */
  guint    stall_ms;         /* 0: forever */

  guint    chunk;            /* 0: as read */
  guint64  throttle;         /* bytes/s, 0: unlimited */

  GBytes  *inject_after;     /* owned, nullable */
  GBytes  *inject;           /* owned, nullable */
  GBytes  *strip;            /* owned, nullable */
  guint    strip_directions;

  gint64   skip;
  gint64   connections;      /* -1: all */
} Rule;

typedef struct
{
  guint     id;
  char     *rule;            /* owned, nullable: the rule's JSON if one applied */
  guint64   bytes[2];        /* read from each source */
  guint     records[2];      /* TLS records seen on each stream */
  GPtrArray *events;         /* owned, of char* */
  gboolean  open;
} Session;

typedef struct _Conn Conn;

typedef struct
{
  Conn          *conn;                  /* borrowed: the pump is part of it */
  Direction      dir;
  GSocket       *src_socket;            /* borrowed from the connection */
  GSocket       *dst_socket;            /* borrowed */
  GInputStream  *in;                    /* borrowed */
  GOutputStream *out;                   /* borrowed */
  gboolean       shaped;                /* the rule's triggers and shaping apply here */
  gboolean       strips;                /* the rule's strip applies here */

  guint8         readbuf[READ_SIZE];
  GByteArray    *inbuf;                 /* owned: read, not yet processed */
  guint64        received;              /* bytes read from the source */
  guint64        consumed;              /* source bytes processed */
  GByteArray    *outq;                  /* owned: to write */
  gsize          outq_pos;
  guint64        written;               /* bytes written to the destination */

  Action         pending;               /* after outq is written: ACTION_CUT/STALL or none */
  gboolean       eof;
  gboolean       finished;              /* EOF forwarded as a half close */
  gboolean       stalled;
  gboolean       cut_pattern_fired;
  gboolean       stall_after_fired;
  gboolean       stall_pattern_fired;
  gboolean       stall_records_fired;
  gboolean       inject_done;

  /* TLS record framing on the source stream */
  gboolean       tls;
  guint8         rec_hdr[5];
  guint          rec_hdr_len;
  guint64        rec_left;              /* payload bytes of the current record still to come */
  guint          records;
  guint64        cut_record_offset;     /* where the cut_records-th record ends, or NO_OFFSET */
  guint64        stall_record_offset;

  gint64         throttle_start;        /* monotonic µs of the first shaped write */
  guint64        throttle_sent;
  GSource       *timer;                 /* owned: stall end or throttle wait */
} Pump;

struct _Conn
{
  gatomicrefcount    ref_count;
  guint              id;
  Rule              *rule;               /* owned ref, nullable: pass-through */
  Session           *session;            /* borrowed from the proxy's list */
  GSocketConnection *client;             /* owned */
  GSocketConnection *server;             /* owned, nullable until connected */
  GCancellable      *cancellable;        /* owned: all relay I/O */
  Pump               pumps[2];
  gboolean           closed;
  gboolean           cut_decided;        /* a pump will cut once its last bytes are out */
  gboolean           cutting;
  guint              drained;
  GSource           *drain_sources[2];   /* owned: reading and dropping after a FIN cut */
  GSource           *drain_timer;        /* owned */
  FILE              *transcript;         /* borrowed: the proxy's file at accept time */
};

typedef struct
{
  GMainLoop        *loop;
  GSocketService   *service;
  guint16           target_port;
  Rule             *rule;                /* owned ref, nullable */
  gint64            rule_seen;           /* connections accepted since the rule was set */
  guint             n_connections;
  GPtrArray        *sessions;            /* owned, of Session */
  GList            *active;              /* of Conn (a ref each) */
  FILE             *transcript;          /* owned, nullable */
  GPtrArray        *old_transcripts;     /* owned, of FILE: still used by open connections */
  GDataInputStream *control;             /* owned, nullable */
} Proxy;

static Proxy proxy;

static void pump_process (Pump *pump);
static void pump_flush (Pump *pump);
static void pump_read (Pump *pump);
static void conn_close (Conn *conn);

/* ---- Rules ---------------------------------------------------------------------------------- */

static Rule *
rule_ref (Rule *rule)
{
  return g_rc_box_acquire (rule);
}

static void
rule_clear (Rule *rule)
{
  g_free (rule->json);
  g_clear_pointer (&rule->cut_pattern, g_bytes_unref);
  g_clear_pointer (&rule->stall_pattern, g_bytes_unref);
  g_clear_pointer (&rule->inject_after, g_bytes_unref);
  g_clear_pointer (&rule->inject, g_bytes_unref);
  g_clear_pointer (&rule->strip, g_bytes_unref);
}

static void
rule_unref (Rule *rule)
{
  g_rc_box_release_full (rule, (GDestroyNotify) rule_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Rule, rule_unref)

static gboolean
member_int (JsonObject  *object,
            const char  *name,
            gint64       min,
            gint64      *out,
            GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64 ||
      json_node_get_int (node) < min)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "“%s” must be an integer ≥ %" G_GINT64_FORMAT, name, min);
      return FALSE;
    }
  *out = json_node_get_int (node);
  return TRUE;
}

static gboolean
member_bool (JsonObject  *object,
             const char  *name,
             gboolean    *out,
             GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "“%s” must be true or false", name);
      return FALSE;
    }
  *out = json_node_get_boolean (node);
  return TRUE;
}

static const char *
member_string (JsonObject  *object,
               const char  *name,
               GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "“%s” must be a string",
                   name);
      return NULL;
    }
  return json_node_get_string (node);
}

static gboolean
member_directions (JsonObject  *object,
                   const char  *name,
                   guint        fallback,
                   guint       *out,
                   GError     **error)
{
  const char *text = member_string (object, name, error);

  if (text == NULL && *error != NULL)
    return FALSE;
  if (text == NULL)
    *out = fallback;
  else if (g_str_equal (text, "c2s"))
    *out = 1 << DIR_C2S;
  else if (g_str_equal (text, "s2c"))
    *out = 1 << DIR_S2C;
  else if (g_str_equal (text, "both"))
    *out = (1 << DIR_C2S) | (1 << DIR_S2C);
  else
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "“%s” is c2s, s2c or both, not “%s”", name, text);
      return FALSE;
    }
  return TRUE;
}

/* A byte string from NAME (UTF-8) or NAME_hex; NULL if neither is there (or on error). */
static GBytes *
member_bytes (JsonObject  *object,
              const char  *name,
              GError     **error)
{
  g_autofree char *hex_name = g_strconcat (name, "_hex", NULL);
  const char *text;
  const char *hex;
  g_autoptr(GByteArray) bytes = NULL;
  gsize len;

  text = member_string (object, name, error);
  if (text == NULL && error != NULL && *error != NULL)
    return NULL;
  hex = member_string (object, hex_name, error);
  if (hex == NULL && error != NULL && *error != NULL)
    return NULL;
  if (text != NULL && hex != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "give “%s” or “%s”, not both",
                   name, hex_name);
      return NULL;
    }
  if (text != NULL)
    {
      if (*text == '\0')
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "“%s” is empty", name);
          return NULL;
        }
      return g_bytes_new (text, strlen (text));
    }
  if (hex == NULL)
    return NULL;

  len = strlen (hex);
  if (len == 0 || len % 2 != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "“%s” needs an even, non-zero number of hex digits", hex_name);
      return NULL;
    }
  bytes = g_byte_array_sized_new (len / 2);
  for (gsize i = 0; i < len; i += 2)
    {
      int hi = g_ascii_xdigit_value (hex[i]);
      int lo = g_ascii_xdigit_value (hex[i + 1]);
      guint8 b;

      if (hi < 0 || lo < 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "“%s” holds something other than hex digits", hex_name);
          return NULL;
        }
      b = (guint8) (hi * 16 + lo);
      g_byte_array_append (bytes, &b, 1);
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&bytes));
}

static const char * const rule_members[] = {
  "cmd", "direction", "cut_after", "cut_pattern", "cut_pattern_hex", "cut_before",
  "cut_records", "cut_mode", "cut_on_next", "stall_after", "stall_pattern", "stall_pattern_hex",
  "stall_records", "stall_ms", "chunk", "throttle", "inject_after", "inject_after_hex",
  "inject", "inject_hex", "strip", "strip_hex", "strip_direction", "skip", "connections", NULL
};

static Rule *
rule_new_from_json (JsonObject  *object,
                    GError     **error)
{
  g_autoptr(Rule) rule = g_rc_box_new0 (Rule);
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(GList) names = json_object_get_members (object);
  const char *text;
  gint64 value;

  for (GList *l = names; l != NULL; l = l->next)
    if (!g_strv_contains (rule_members, l->data))
      {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "unknown rule member “%s”",
                     (const char *) l->data);
        return NULL;
      }

  rule->directions = 1 << DIR_S2C;
  rule->cut_after = rule->cut_records = rule->stall_after = rule->stall_records = -1;
  rule->connections = -1;

  if (!member_directions (object, "direction", 1 << DIR_S2C, &rule->directions, error) ||
      !member_directions (object, "strip_direction", rule->directions, &rule->strip_directions,
                          error))
    return NULL;

  text = member_string (object, "cut_mode", error);
  if (text == NULL && *error != NULL)
    return NULL;
  if (g_strcmp0 (text, "rst") == 0)
    rule->cut_rst = TRUE;
  else if (text != NULL && g_strcmp0 (text, "fin") != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "“cut_mode” is fin or rst, not “%s”", text);
      return NULL;
    }

  if (!member_int (object, "cut_after", 0, &rule->cut_after, error) ||
      !member_int (object, "cut_records", 0, &rule->cut_records, error) ||
      !member_int (object, "stall_after", 0, &rule->stall_after, error) ||
      !member_int (object, "stall_records", 0, &rule->stall_records, error) ||
      !member_int (object, "skip", 0, &rule->skip, error) ||
      !member_int (object, "connections", -1, &rule->connections, error) ||
      !member_bool (object, "cut_before", &rule->cut_before, error) ||
      !member_bool (object, "cut_on_next", &rule->cut_on_next, error))
    return NULL;

  value = 0;
  if (!member_int (object, "stall_ms", 0, &value, error))
    return NULL;
  rule->stall_ms = (guint) MIN (value, G_MAXUINT);
  value = 0;
  if (!member_int (object, "chunk", 0, &value, error))
    return NULL;
  rule->chunk = (guint) MIN (value, READ_SIZE);
  value = 0;
  if (!member_int (object, "throttle", 0, &value, error))
    return NULL;
  rule->throttle = (guint64) value;

#define BYTES_MEMBER(field) \
  rule->field = member_bytes (object, #field, error); \
  if (rule->field == NULL && *error != NULL) \
    return NULL;
  BYTES_MEMBER (cut_pattern)
  BYTES_MEMBER (stall_pattern)
  BYTES_MEMBER (inject_after)
  BYTES_MEMBER (inject)
  BYTES_MEMBER (strip)
#undef BYTES_MEMBER

  if ((rule->inject_after == NULL) != (rule->inject == NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "“inject_after” and “inject” go together");
      return NULL;
    }
  if (rule->cut_before && rule->cut_pattern == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "“cut_before” needs “cut_pattern”");
      return NULL;
    }

  json_node_set_object (root, object);
  json_generator_set_root (generator, root);
  rule->json = json_generator_to_data (generator, NULL);
  return g_steal_pointer (&rule);
}

static Rule *
rule_new_from_text (const char  *text,
                    GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (!json_parser_load_from_data (parser, text, -1, error))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "a rule is a JSON object");
      return NULL;
    }
  return rule_new_from_json (json_node_get_object (root), error);
}

/* ---- Sessions and the transcript ------------------------------------------------------------ */

static void
session_free (gpointer data)
{
  Session *session = data;

  g_free (session->rule);
  g_ptr_array_unref (session->events);
  g_free (session);
}

static void G_GNUC_PRINTF (2, 3)
conn_event (Conn       *conn,
            const char *format,
            ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  if (conn->transcript != NULL)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();
      g_autofree char *stamp = g_date_time_format (now, "%H:%M:%S.%f");

      fprintf (conn->transcript, "== %s conn %u %s\n", stamp, conn->id, text);
      fflush (conn->transcript);
    }
  if (conn->session->events->len < 100)
    g_ptr_array_add (conn->session->events, g_steal_pointer (&text));
}

static void
transcript_data (Conn         *conn,
                 Direction     dir,
                 guint64       offset,
                 const guint8 *data,
                 gsize         len)
{
  FILE *f = conn->transcript;

  if (f == NULL)
    return;

  for (gsize line = 0; line < len; line += 16)
    {
      gsize n = MIN (16, len - line);

      fprintf (f, "%u %s %08" G_GINT64_MODIFIER "x  ", conn->id, direction_names[dir],
               offset + line);
      for (gsize i = 0; i < 16; i++)
        {
          if (i < n)
            fprintf (f, "%02x ", data[line + i]);
          else
            fputs ("   ", f);
          if (i == 7)
            fputc (' ', f);
        }
      fputs (" |", f);
      for (gsize i = 0; i < n; i++)
        fputc (g_ascii_isprint (data[line + i]) ? data[line + i] : '.', f);
      fputs ("|\n", f);
    }
  fflush (f);
}

/* ---- Connections ---------------------------------------------------------------------------- */

static Conn *
conn_ref (Conn *conn)
{
  g_atomic_ref_count_inc (&conn->ref_count);
  return conn;
}

static void
conn_unref (Conn *conn)
{
  if (!g_atomic_ref_count_dec (&conn->ref_count))
    return;

  for (guint i = 0; i < 2; i++)
    {
      Pump *pump = &conn->pumps[i];

      if (pump->timer != NULL)
        g_source_destroy (pump->timer);
      g_clear_pointer (&pump->timer, g_source_unref);
      g_clear_pointer (&pump->inbuf, g_byte_array_unref);
      g_clear_pointer (&pump->outq, g_byte_array_unref);
    }
  g_clear_pointer (&conn->rule, rule_unref);
  g_clear_object (&conn->client);
  g_clear_object (&conn->server);
  g_clear_object (&conn->cancellable);
  g_free (conn);
}

static void
set_linger_zero (GSocket *socket)
{
  struct linger linger = { 1, 0 };

  if (socket != NULL && !g_socket_is_closed (socket))
    setsockopt (g_socket_get_fd (socket), SOL_SOCKET, SO_LINGER, &linger, sizeof linger);
}

static GSocket *
client_socket (Conn *conn)
{
  return g_socket_connection_get_socket (conn->client);
}

static GSocket *
server_socket (Conn *conn)
{
  return conn->server != NULL ? g_socket_connection_get_socket (conn->server) : NULL;
}

static void
destroy_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static void
conn_close (Conn *conn)
{
  g_autoptr(GList) link = NULL;

  if (conn->closed)
    return;
  conn->closed = TRUE;
  g_cancellable_cancel (conn->cancellable);
  for (guint i = 0; i < 2; i++)
    {
      destroy_source (&conn->pumps[i].timer);
      destroy_source (&conn->drain_sources[i]);
    }
  destroy_source (&conn->drain_timer);
  g_socket_close (client_socket (conn), NULL);
  if (server_socket (conn) != NULL)
    g_socket_close (server_socket (conn), NULL);

  conn->session->open = FALSE;
  conn_event (conn, "close (c2s %" G_GUINT64_FORMAT " bytes, s2c %" G_GUINT64_FORMAT " bytes)",
              conn->pumps[DIR_C2S].received, conn->pumps[DIR_S2C].received);

  link = g_list_find (proxy.active, conn);
  if (link != NULL)
    {
      proxy.active = g_list_remove_link (proxy.active, link);
      conn_unref (conn);
    }
}

static gboolean
conn_drain_timeout_cb (gpointer user_data)
{
  Conn *conn = user_data;

  g_clear_pointer (&conn->drain_timer, g_source_unref);
  conn_event (conn, "the peers did not close within %d ms", DRAIN_TIMEOUT_MS);
  conn_close (conn);
  return G_SOURCE_REMOVE;
}

static gboolean
conn_drain_cb (GSocket      *socket,
               GIOCondition  condition,
               gpointer      user_data)
{
  Conn *conn = user_data;
  guint8 buf[4096];
  guint i = socket == client_socket (conn) ? 0 : 1;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_receive_with_blocking (socket, (char *) buf, sizeof buf, FALSE, NULL,
                                                 &error);

      if (n > 0)
        continue;
      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return G_SOURCE_CONTINUE;
      break;
    }
  g_clear_pointer (&conn->drain_sources[i], g_source_unref);
  if (++conn->drained == 2)
    conn_close (conn);
  return G_SOURCE_REMOVE;
}

/* Cuts the connection: with a reset, or with an orderly close (FIN) both ways, after which
 * what either side still sends is read and dropped until it closes too (closing a socket with
 * unread data would send a reset instead). */
static void
conn_cut (Conn       *conn,
          Direction   dir,
          const char *why)
{
  gboolean rst = conn->rule != NULL && conn->rule->cut_rst;

  if (conn->closed || conn->cutting)
    return;
  conn->cutting = TRUE;
  conn_event (conn, "cut %s %s (%s)", direction_names[dir], rst ? "rst" : "fin", why);

  if (rst)
    {
      set_linger_zero (client_socket (conn));
      set_linger_zero (server_socket (conn));
      conn_close (conn);
      return;
    }

  /* Pending relay I/O ends (cancelled) in later callbacks, which see conn->cutting. */
  g_cancellable_cancel (conn->cancellable);
  for (guint i = 0; i < 2; i++)
    destroy_source (&conn->pumps[i].timer);

  conn->drain_timer = g_timeout_source_new (DRAIN_TIMEOUT_MS);
  g_source_set_callback (conn->drain_timer, conn_drain_timeout_cb, conn_ref (conn),
                         (GDestroyNotify) conn_unref);
  g_source_attach (conn->drain_timer, NULL);
  for (guint i = 0; i < 2; i++)
    {
      GSocket *socket = i == 0 ? client_socket (conn) : server_socket (conn);

      g_socket_shutdown (socket, FALSE, TRUE, NULL);
      conn->drain_sources[i] = g_socket_create_source (socket, G_IO_IN | G_IO_HUP | G_IO_ERR,
                                                       NULL);
      g_source_set_callback (conn->drain_sources[i], G_SOURCE_FUNC (conn_drain_cb),
                             conn_ref (conn), (GDestroyNotify) conn_unref);
      g_source_attach (conn->drain_sources[i], NULL);
    }
}

/* An I/O error on either stream ends the connection; a reset stays a reset. */
static void
conn_fail (Conn         *conn,
           Direction     dir,
           const char   *what,
           const GError *error)
{
  if (conn->closed || conn->cutting)
    return;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE))
    {
      set_linger_zero (client_socket (conn));
      set_linger_zero (server_socket (conn));
    }
  conn_event (conn, "%s error on %s: %s", what, direction_names[dir], error->message);
  conn_close (conn);
}

/* ---- TLS record framing --------------------------------------------------------------------- */

static void
pump_record_complete (Pump    *pump,
                      guint64  end)
{
  Rule *rule = pump->conn->rule;

  pump->records++;
  pump->conn->session->records[pump->dir] = pump->records;
  if (!pump->shaped)
    return;
  if (rule->cut_records >= 0 && pump->records == (guint64) rule->cut_records)
    pump->cut_record_offset = end;
  if (rule->stall_records >= 0 && pump->records == (guint64) rule->stall_records)
    pump->stall_record_offset = end;
}

static void
pump_feed_records (Pump         *pump,
                   const guint8 *data,
                   gsize         len,
                   guint64       base)
{
  gsize i = 0;

  while (i < len)
    {
      if (pump->rec_left > 0)
        {
          gsize n = (gsize) MIN (pump->rec_left, len - i);

          pump->rec_left -= n;
          i += n;
          if (pump->rec_left == 0)
            pump_record_complete (pump, base + i);
          continue;
        }
      pump->rec_hdr[pump->rec_hdr_len++] = data[i++];
      if (pump->rec_hdr_len == 5)
        {
          pump->rec_left = ((guint) pump->rec_hdr[3] << 8) | pump->rec_hdr[4];
          pump->rec_hdr_len = 0;
          if (pump->rec_left == 0)
            pump_record_complete (pump, base + i);
        }
    }
}

/* TLS starts on the client's side with a write that begins with a handshake record (implicit
 * TLS, or the ClientHello after STARTTLS), and on the server's side with the first write after
 * that (ServerHello, or an alert). No IMAP or SMTP line starts with these bytes. */
static void
pump_detect_tls (Pump         *pump,
                 const guint8 *data,
                 gsize         len)
{
  Pump *other = &pump->conn->pumps[1 - pump->dir];

  if (pump->tls || len == 0)
    return;
  if (pump->dir == DIR_C2S && data[0] != 0x16)
    return;
  if (pump->dir == DIR_S2C && (!other->tls || (data[0] != 0x16 && data[0] != 0x15)))
    return;
  if (len >= 2 && data[1] != 0x03)
    return;
  pump->tls = TRUE;
  conn_event (pump->conn, "tls %s starts at %" G_GUINT64_FORMAT, direction_names[pump->dir],
              pump->received);
}

/* ---- Relaying ------------------------------------------------------------------------------- */

static gssize
find_bytes (const GByteArray *haystack,
            GBytes           *needle)
{
  gsize nlen;
  const guint8 *n = g_bytes_get_data (needle, &nlen);

  if (nlen == 0 || haystack->len < nlen)
    return -1;
  for (gsize i = 0; i + nlen <= haystack->len; i++)
    if (haystack->data[i] == n[0] && memcmp (haystack->data + i, n, nlen) == 0)
      return (gssize) i;
  return -1;
}

/* How many bytes at the end of inbuf are a proper prefix of NEEDLE. */
static gsize
prefix_tail (const GByteArray *inbuf,
             GBytes           *needle)
{
  gsize nlen;
  const guint8 *n;

  if (needle == NULL)
    return 0;
  n = g_bytes_get_data (needle, &nlen);
  for (gsize k = MIN (nlen - 1, inbuf->len); k > 0; k--)
    if (memcmp (inbuf->data + inbuf->len - k, n, k) == 0)
      return k;
  return 0;
}

typedef struct
{
  gsize  at;        /* bytes of inbuf to forward first */
  Action action;
  gsize  skip;      /* bytes to drop after them (strip) */
  int    rank;      /* at the same offset, a lower rank goes first */
  const char *why;
} Next;

static void
consider (Next       *next,
          gsize       at,
          Action      action,
          gsize       skip,
          int         rank,
          const char *why)
{
  if (at < next->at || (at == next->at && rank < next->rank))
    {
      next->at = at;
      next->action = action;
      next->skip = skip;
      next->rank = rank;
      next->why = why;
    }
}

/* A cut "on next" needs a byte past the point (or the end of the stream) to fire. */
static gboolean
cut_ready (Pump  *pump,
           gsize  at)
{
  return !pump->conn->rule->cut_on_next || at < pump->inbuf->len || pump->eof;
}

static void
consider_offset (Next       *next,
                 Pump       *pump,
                 guint64     offset,
                 Action      action,
                 int         rank,
                 const char *why)
{
  gsize at;

  if (offset == NO_OFFSET || offset < pump->consumed)
    return;
  if (offset - pump->consumed > pump->inbuf->len)
    return;
  at = (gsize) (offset - pump->consumed);
  if (action == ACTION_CUT && !cut_ready (pump, at))
    {
      /* Forward up to the point and wait there. */
      consider (next, at, ACTION_NONE, 0, rank, why);
      return;
    }
  consider (next, at, action, 0, rank, why);
}

/* Moves what can be forwarded from inbuf to outq, stopping at a cut or a stall. */
static void
pump_process (Pump *pump)
{
  Rule *rule = pump->conn->rule;

  while (pump->pending == ACTION_NONE && !pump->stalled && pump->inbuf->len > 0)
    {
      Next next = { G_MAXSIZE, ACTION_NONE, 0, G_MAXINT, NULL };
      gsize hold = 0;
      gssize pos;

      if (pump->shaped)
        {
          if (rule->cut_after >= 0)
            consider_offset (&next, pump, (guint64) rule->cut_after, ACTION_CUT, 0, "cut_after");
          consider_offset (&next, pump, pump->cut_record_offset, ACTION_CUT, 0, "cut_records");
          if (rule->stall_after >= 0 && !pump->stall_after_fired)
            consider_offset (&next, pump, (guint64) rule->stall_after, ACTION_STALL, 1,
                             "stall_after");
          if (!pump->stall_records_fired)
            consider_offset (&next, pump, pump->stall_record_offset, ACTION_STALL, 1,
                             "stall_records");

          if (rule->cut_pattern != NULL && !pump->cut_pattern_fired &&
              (pos = find_bytes (pump->inbuf, rule->cut_pattern)) >= 0)
            {
              gsize at = rule->cut_before ? (gsize) pos
                                          : (gsize) pos + g_bytes_get_size (rule->cut_pattern);

              consider (&next, at, cut_ready (pump, at) ? ACTION_CUT : ACTION_NONE, 0, 0,
                        "cut_pattern");
            }
          if (rule->stall_pattern != NULL && !pump->stall_pattern_fired &&
              (pos = find_bytes (pump->inbuf, rule->stall_pattern)) >= 0)
            consider (&next, (gsize) pos + g_bytes_get_size (rule->stall_pattern), ACTION_STALL,
                      0, 1, "stall_pattern");
          if (rule->inject_after != NULL && !pump->inject_done &&
              (pos = find_bytes (pump->inbuf, rule->inject_after)) >= 0)
            consider (&next, (gsize) pos + g_bytes_get_size (rule->inject_after), ACTION_INJECT,
                      0, 2, "inject");
          if (next.action == ACTION_NONE && !pump->eof)
            {
              if (!pump->cut_pattern_fired)
                hold = MAX (hold, prefix_tail (pump->inbuf, rule->cut_pattern));
              if (!pump->stall_pattern_fired)
                hold = MAX (hold, prefix_tail (pump->inbuf, rule->stall_pattern));
              if (!pump->inject_done)
                hold = MAX (hold, prefix_tail (pump->inbuf, rule->inject_after));
            }
        }
      if (pump->strips)
        {
          if ((pos = find_bytes (pump->inbuf, rule->strip)) >= 0)
            consider (&next, (gsize) pos, ACTION_STRIP, g_bytes_get_size (rule->strip), 3,
                      "strip");
          else if (!pump->eof)
            hold = MAX (hold, prefix_tail (pump->inbuf, rule->strip));
        }

      if (next.action == ACTION_NONE)
        next.at = MIN (next.at, pump->inbuf->len - hold);

      g_byte_array_append (pump->outq, pump->inbuf->data, (guint) next.at);
      g_byte_array_remove_range (pump->inbuf, 0, (guint) next.at);
      pump->consumed += next.at;

      switch (next.action)
        {
        case ACTION_NONE:
          return;

        case ACTION_CUT:
          if (g_strcmp0 (next.why, "cut_pattern") == 0)
            pump->cut_pattern_fired = TRUE;
          pump->pending = ACTION_CUT;
          pump->conn->cut_decided = TRUE;
          conn_event (pump->conn, "%s %s fires at %" G_GUINT64_FORMAT, next.why,
                      direction_names[pump->dir], pump->consumed);
          return;

        case ACTION_STALL:
          if (g_strcmp0 (next.why, "stall_after") == 0)
            pump->stall_after_fired = TRUE;
          else if (g_strcmp0 (next.why, "stall_records") == 0)
            pump->stall_records_fired = TRUE;
          else
            pump->stall_pattern_fired = TRUE;
          pump->pending = ACTION_STALL;
          conn_event (pump->conn, "%s %s fires at %" G_GUINT64_FORMAT, next.why,
                      direction_names[pump->dir], pump->consumed);
          return;

        case ACTION_INJECT:
          {
            gsize len;
            const guint8 *data = g_bytes_get_data (rule->inject, &len);

            g_byte_array_append (pump->outq, data, (guint) len);
            pump->inject_done = TRUE;
            conn_event (pump->conn, "inject %s %" G_GSIZE_FORMAT " bytes at %" G_GUINT64_FORMAT,
                        direction_names[pump->dir], len, pump->consumed);
          }
          break;

        case ACTION_STRIP:
          g_byte_array_remove_range (pump->inbuf, 0, (guint) next.skip);
          conn_event (pump->conn, "strip %s %" G_GSIZE_FORMAT " bytes at %" G_GUINT64_FORMAT,
                      direction_names[pump->dir], next.skip, pump->consumed);
          pump->consumed += next.skip;
          break;

        default:
          g_assert_not_reached ();
        }
    }
}

static gboolean
pump_stall_end_cb (gpointer user_data)
{
  Pump *pump = user_data;

  g_clear_pointer (&pump->timer, g_source_unref);
  pump->stalled = FALSE;
  conn_event (pump->conn, "stall %s ends", direction_names[pump->dir]);
  pump_process (pump);
  pump_flush (pump);
  return G_SOURCE_REMOVE;
}

static gboolean
pump_throttle_cb (gpointer user_data)
{
  Pump *pump = user_data;

  g_clear_pointer (&pump->timer, g_source_unref);
  pump_flush (pump);
  return G_SOURCE_REMOVE;
}

static void
pump_start_timer (Pump        *pump,
                  guint        ms,
                  GSourceFunc  func)
{
  pump->timer = g_timeout_source_new (ms);
  g_source_set_callback (pump->timer, func, pump, NULL);
  g_source_attach (pump->timer, NULL);
}

/* For an async call on the pump: it holds a reference on the connection. */
static Pump *
pump_ref (Pump *pump)
{
  conn_ref (pump->conn);
  return pump;
}

static void
pump_write_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Pump *pump = user_data;
  Conn *conn = pump->conn;
  g_autoptr(GError) error = NULL;
  gssize n;

  n = g_output_stream_write_finish (G_OUTPUT_STREAM (object), result, &error);
  if (n < 0)
    conn_fail (conn, pump->dir, "write", error);
  else if (!conn->closed && !conn->cutting)
    {
      transcript_data (conn, pump->dir, pump->written, pump->outq->data + pump->outq_pos,
                       (gsize) n);
      pump->outq_pos += (gsize) n;
      pump->written += (guint64) n;
      if (pump->shaped && conn->rule->throttle > 0)
        pump->throttle_sent += (guint64) n;
      pump_flush (pump);
    }
  conn_unref (conn);
}

static void
pump_finish (Pump *pump)
{
  Conn *conn = pump->conn;
  Pump *other;

  pump->finished = TRUE;
  conn_event (conn, "eof %s forwarded", direction_names[pump->dir]);
  g_socket_shutdown (pump->dst_socket, FALSE, TRUE, NULL);
  other = &conn->pumps[1 - pump->dir];
  /* Both ways done, or the other way is a black hole that will never forward anything. */
  if (other->finished || (other->stalled && other->timer == NULL))
    conn_close (conn);
}

/* Writes outq (shaped by chunk and throttle); when it is empty, acts on a pending cut or
 * stall, or reads on. */
static void
pump_flush (Pump *pump)
{
  Conn *conn = pump->conn;
  gsize size;

  if (conn->closed || conn->cutting || pump->timer != NULL || pump->stalled)
    return;
  /* Once a cut is decided nothing more passes the other way. */
  if (conn->cut_decided && pump->pending != ACTION_CUT)
    return;

  size = pump->outq->len - pump->outq_pos;
  if (size > 0)
    {
      if (pump->shaped && conn->rule->chunk > 0)
        size = MIN (size, conn->rule->chunk);
      if (pump->shaped && conn->rule->throttle > 0)
        {
          guint64 rate = conn->rule->throttle;
          guint64 slice = MAX (1, rate / 20);
          gint64 now = g_get_monotonic_time ();
          gint64 due;

          if (pump->throttle_start == 0)
            pump->throttle_start = now;
          size = (gsize) MIN (size, slice);
          /* When may throttle_sent + size bytes have gone out? */
          due = pump->throttle_start +
                (gint64) ((pump->throttle_sent + size) * G_USEC_PER_SEC / rate);
          if (due > now)
            {
              pump_start_timer (pump, (guint) ((due - now + 999) / 1000), pump_throttle_cb);
              return;
            }
        }
      g_output_stream_write_async (pump->out, pump->outq->data + pump->outq_pos, size,
                                   G_PRIORITY_DEFAULT, conn->cancellable, pump_write_cb,
                                   pump_ref (pump));
      return;
    }

  g_byte_array_set_size (pump->outq, 0);
  pump->outq_pos = 0;

  if (pump->pending == ACTION_CUT)
    {
      pump->pending = ACTION_NONE;
      conn_cut (conn, pump->dir, pump->shaped ? "rule" : "?");
      return;
    }
  if (pump->pending == ACTION_STALL)
    {
      pump->pending = ACTION_NONE;
      pump->stalled = TRUE;
      if (conn->rule->stall_ms > 0)
        {
          conn_event (conn, "stall %s for %u ms", direction_names[pump->dir],
                      conn->rule->stall_ms);
          pump_start_timer (pump, conn->rule->stall_ms, pump_stall_end_cb);
        }
      else
        conn_event (conn, "stall %s forever", direction_names[pump->dir]);
      return;
    }
  if (pump->inbuf->len > 0 && !pump->eof)
    {
      /* Held back for a pattern: read more. */
      pump_read (pump);
      return;
    }
  if (pump->eof)
    {
      if (pump->inbuf->len > 0)
        {
          pump_process (pump);
          pump_flush (pump);
          return;
        }
      if (!pump->finished)
        pump_finish (pump);
      return;
    }
  pump_read (pump);
}

static void
pump_read_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Pump *pump = user_data;
  Conn *conn = pump->conn;
  g_autoptr(GError) error = NULL;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &error);
  if (n < 0)
    conn_fail (conn, pump->dir, "read", error);
  else if (!conn->closed && !conn->cutting)
    {
      if (n == 0)
        {
          pump->eof = TRUE;
          conn_event (conn, "eof %s after %" G_GUINT64_FORMAT " bytes",
                      direction_names[pump->dir], pump->received);
        }
      else
        {
          pump_detect_tls (pump, pump->readbuf, (gsize) n);
          if (pump->tls)
            pump_feed_records (pump, pump->readbuf, (gsize) n, pump->received);
          g_byte_array_append (pump->inbuf, pump->readbuf, (guint) n);
          pump->received += (guint64) n;
          conn->session->bytes[pump->dir] = pump->received;
        }
      pump_process (pump);
      pump_flush (pump);
    }
  conn_unref (conn);
}

static void
pump_read (Pump *pump)
{
  Conn *conn = pump->conn;

  g_input_stream_read_async (pump->in, pump->readbuf, READ_SIZE, G_PRIORITY_DEFAULT,
                             conn->cancellable, pump_read_cb,
                             pump_ref (pump));
}

static void
pump_init (Conn      *conn,
           Direction  dir)
{
  Pump *pump = &conn->pumps[dir];
  GSocketConnection *src = dir == DIR_C2S ? conn->client : conn->server;
  GSocketConnection *dst = dir == DIR_C2S ? conn->server : conn->client;

  pump->conn = conn;
  pump->dir = dir;
  pump->src_socket = g_socket_connection_get_socket (src);
  pump->dst_socket = g_socket_connection_get_socket (dst);
  pump->in = g_io_stream_get_input_stream (G_IO_STREAM (src));
  pump->out = g_io_stream_get_output_stream (G_IO_STREAM (dst));
  pump->shaped = conn->rule != NULL && (conn->rule->directions & (1u << dir)) != 0;
  pump->strips = conn->rule != NULL && conn->rule->strip != NULL &&
                 (conn->rule->strip_directions & (1u << dir)) != 0;
  pump->inbuf = g_byte_array_new ();
  pump->outq = g_byte_array_new ();
  pump->cut_record_offset = NO_OFFSET;
  pump->stall_record_offset = NO_OFFSET;
}

static void
set_nodelay (GSocket *socket)
{
  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
}

static void
conn_connected_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Conn *conn = user_data;
  g_autoptr(GError) error = NULL;

  conn->server = g_socket_client_connect_finish (G_SOCKET_CLIENT (object), result, &error);
  if (conn->server == NULL)
    {
      if (!conn->closed)
        {
          conn_event (conn, "connect to the target failed: %s", error->message);
          set_linger_zero (client_socket (conn));
          conn_close (conn);
        }
      conn_unref (conn);
      return;
    }
  if (conn->closed)
    {
      conn_unref (conn);
      return;
    }

  set_nodelay (client_socket (conn));
  set_nodelay (server_socket (conn));
  pump_init (conn, DIR_C2S);
  pump_init (conn, DIR_S2C);
  conn_event (conn, "connected to 127.0.0.1:%u", proxy.target_port);
  pump_read (&conn->pumps[DIR_C2S]);
  pump_read (&conn->pumps[DIR_S2C]);
  conn_unref (conn);
}

static gboolean
on_service_incoming_cb (GSocketService    *service,
                        GSocketConnection *connection,
                        GObject           *source_object,
                        gpointer           user_data)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketAddress) remote = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) target = NULL;
  Conn *conn;
  Session *session;
  gint64 seen = proxy.rule_seen++;
  gboolean applies;

  conn = g_new0 (Conn, 1);
  g_atomic_ref_count_init (&conn->ref_count);
  conn->id = ++proxy.n_connections;
  conn->client = g_object_ref (connection);
  conn->cancellable = g_cancellable_new ();
  conn->transcript = proxy.transcript;

  applies = proxy.rule != NULL && seen >= proxy.rule->skip &&
            (proxy.rule->connections < 0 || seen < proxy.rule->skip + proxy.rule->connections);
  if (applies)
    conn->rule = rule_ref (proxy.rule);

  session = g_new0 (Session, 1);
  session->id = conn->id;
  session->rule = conn->rule != NULL ? g_strdup (conn->rule->json) : NULL;
  session->events = g_ptr_array_new_with_free_func (g_free);
  session->open = TRUE;
  if (proxy.sessions->len >= MAX_SESSIONS)
    g_ptr_array_remove_index (proxy.sessions, 0);
  g_ptr_array_add (proxy.sessions, session);
  conn->session = session;

  remote = g_socket_connection_get_remote_address (connection, NULL);
  if (remote != NULL && G_IS_INET_SOCKET_ADDRESS (remote))
    {
      g_autofree char *host =
        g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));

      conn_event (conn, "open from %s:%u, rule %s", host,
                  g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (remote)),
                  conn->rule != NULL ? conn->rule->json : "none");
    }

  proxy.active = g_list_prepend (proxy.active, conn);   /* the list owns the first ref */

  /* Straight to loopback: no proxy resolver (it would consult the desktop's settings). */
  g_socket_client_set_enable_proxy (client, FALSE);
  target = g_inet_socket_address_new (loopback, proxy.target_port);
  g_socket_client_connect_async (client, G_SOCKET_CONNECTABLE (target), conn->cancellable,
                                 conn_connected_cb, conn_ref (conn));
  return TRUE;
}

/* ---- Control -------------------------------------------------------------------------------- */

static void G_GNUC_PRINTF (1, 2)
reply_error (const char *format,
             ...)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *message = NULL;
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "ok");
  json_builder_add_boolean_value (builder, FALSE);
  json_builder_set_member_name (builder, "error");
  json_builder_add_string_value (builder, message);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  printf ("%s\n", text);
  fflush (stdout);
}

static void
reply_ok (void)
{
  printf ("{\"ok\": true}\n");
  fflush (stdout);
}

static void
reply_stats (void)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "ok");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_set_member_name (builder, "connections");
  json_builder_add_int_value (builder, proxy.n_connections);
  json_builder_set_member_name (builder, "active");
  json_builder_add_int_value (builder, g_list_length (proxy.active));
  json_builder_set_member_name (builder, "sessions");
  json_builder_begin_array (builder);
  for (guint i = 0; i < proxy.sessions->len; i++)
    {
      Session *session = g_ptr_array_index (proxy.sessions, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_int_value (builder, session->id);
      json_builder_set_member_name (builder, "open");
      json_builder_add_boolean_value (builder, session->open);
      json_builder_set_member_name (builder, "rule");
      if (session->rule != NULL)
        json_builder_add_string_value (builder, session->rule);
      else
        json_builder_add_null_value (builder);
      for (guint d = 0; d < 2; d++)
        {
          g_autofree char *bytes = g_strdup_printf ("%s_bytes", direction_names[d]);
          g_autofree char *records = g_strdup_printf ("%s_records", direction_names[d]);

          json_builder_set_member_name (builder, bytes);
          json_builder_add_int_value (builder, (gint64) session->bytes[d]);
          json_builder_set_member_name (builder, records);
          json_builder_add_int_value (builder, session->records[d]);
        }
      json_builder_set_member_name (builder, "events");
      json_builder_begin_array (builder);
      for (guint e = 0; e < session->events->len; e++)
        json_builder_add_string_value (builder, g_ptr_array_index (session->events, e));
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  printf ("%s\n", text);
  fflush (stdout);
}

static void
close_file (gpointer data)
{
  fclose (data);
}

static gboolean
set_transcript (const char  *path,
                GError     **error)
{
  FILE *f = NULL;

  if (path != NULL)
    {
      f = fopen (path, "a");
      if (f == NULL)
        {
          int saved = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "%s: %s", path,
                       g_strerror (saved));
          return FALSE;
        }
    }
  /* Open connections keep writing to the file they started with: keep old files open. */
  if (proxy.transcript != NULL)
    {
      gboolean used = FALSE;

      for (GList *l = proxy.active; l != NULL; l = l->next)
        if (((Conn *) l->data)->transcript == proxy.transcript)
          used = TRUE;
      if (used)
        g_ptr_array_add (proxy.old_transcripts, proxy.transcript);
      else
        fclose (proxy.transcript);
    }
  proxy.transcript = f;
  return TRUE;
}

static void
handle_control_line (const char *line)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *object;
  JsonNode *root;
  const char *cmd;

  if (*line == '\0')
    return;
  if (!json_parser_load_from_data (parser, line, -1, &error))
    {
      reply_error ("not JSON: %s", error->message);
      return;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      reply_error ("a command is a JSON object");
      return;
    }
  object = json_node_get_object (root);
  cmd = member_string (object, "cmd", &error);
  if (cmd == NULL)
    {
      reply_error ("%s", error != NULL ? error->message : "no “cmd”");
      return;
    }

  if (g_str_equal (cmd, "rule"))
    {
      Rule *rule = rule_new_from_json (object, &error);

      if (rule == NULL)
        {
          reply_error ("%s", error->message);
          return;
        }
      g_clear_pointer (&proxy.rule, rule_unref);
      proxy.rule = rule;
      proxy.rule_seen = 0;
      reply_ok ();
    }
  else if (g_str_equal (cmd, "clear"))
    {
      g_clear_pointer (&proxy.rule, rule_unref);
      proxy.rule_seen = 0;
      reply_ok ();
    }
  else if (g_str_equal (cmd, "transcript"))
    {
      const char *path = member_string (object, "path", &error);

      if ((path == NULL && error != NULL) || !set_transcript (path, &error))
        reply_error ("%s", error->message);
      else
        reply_ok ();
    }
  else if (g_str_equal (cmd, "stats"))
    reply_stats ();
  else if (g_str_equal (cmd, "reset-stats"))
    {
      g_ptr_array_set_size (proxy.sessions, 0);
      for (GList *l = proxy.active; l != NULL; l = l->next)
        ((Conn *) l->data)->session = NULL;
      /* Open connections get a fresh session each. */
      for (GList *l = proxy.active; l != NULL; l = l->next)
        {
          Conn *conn = l->data;
          Session *session = g_new0 (Session, 1);

          session->id = conn->id;
          session->events = g_ptr_array_new_with_free_func (g_free);
          session->open = TRUE;
          g_ptr_array_add (proxy.sessions, session);
          conn->session = session;
        }
      proxy.n_connections = 0;
      reply_ok ();
    }
  else if (g_str_equal (cmd, "drop"))
    {
      while (proxy.active != NULL)
        {
          Conn *conn = proxy.active->data;

          set_linger_zero (client_socket (conn));
          set_linger_zero (server_socket (conn));
          conn_event (conn, "dropped");
          conn_close (conn);
        }
      reply_ok ();
    }
  else if (g_str_equal (cmd, "ping"))
    reply_ok ();
  else if (g_str_equal (cmd, "quit"))
    {
      reply_ok ();
      g_main_loop_quit (proxy.loop);
    }
  else
    reply_error ("unknown command “%s”", cmd);
}

static void
on_control_line_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  gsize len = 0;

  line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (object), result, &len,
                                                    &error);
  if (line == NULL)
    {
      if (error != NULL)
        fprintf (stderr, "petrel-fault-proxy: stdin: %s\n", error->message);
      g_main_loop_quit (proxy.loop);
      return;
    }
  if (len > MAX_CONTROL_LINE)
    reply_error ("command too long");
  else
    handle_control_line (g_strstrip (line));
  g_data_input_stream_read_line_async (proxy.control, G_PRIORITY_DEFAULT, NULL,
                                       on_control_line_cb, NULL);
}

static gboolean
on_signal_cb (gpointer user_data)
{
  g_main_loop_quit (proxy.loop);
  return G_SOURCE_CONTINUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketAddress) effective = NULL;
  g_autofree char *rule_text = NULL;
  g_autofree char *transcript = NULL;
  int target = 0;
  gboolean no_stdin = FALSE;
  const GOptionEntry entries[] = {
    { "target", 't', 0, G_OPTION_ARG_INT, &target, "Relay to 127.0.0.1:PORT", "PORT" },
    { "rule", 'r', 0, G_OPTION_ARG_STRING, &rule_text, "The rule, a JSON object", "JSON" },
    { "transcript", 'T', 0, G_OPTION_ARG_FILENAME, &transcript,
      "Append a hex transcript to FILE", "FILE" },
    { "no-stdin", 0, 0, G_OPTION_ARG_NONE, &no_stdin,
      "Run until a signal, not until stdin ends", NULL },
    { NULL }
  };

  signal (SIGPIPE, SIG_IGN);

  context = g_option_context_new ("— a fault-injecting loopback TCP relay");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "petrel-fault-proxy: %s\n", error->message);
      return 2;
    }
  if (target <= 0 || target > 65535)
    {
      fprintf (stderr, "petrel-fault-proxy: --target PORT is required (1–65535)\n");
      return 2;
    }

  proxy.target_port = (guint16) target;
  proxy.sessions = g_ptr_array_new_with_free_func (session_free);
  proxy.old_transcripts = g_ptr_array_new_with_free_func (close_file);
  proxy.loop = g_main_loop_new (NULL, FALSE);

  if (rule_text != NULL)
    {
      proxy.rule = rule_new_from_text (rule_text, &error);
      if (proxy.rule == NULL)
        {
          fprintf (stderr, "petrel-fault-proxy: --rule: %s\n", error->message);
          return 2;
        }
    }
  if (transcript != NULL && !set_transcript (transcript, &error))
    {
      fprintf (stderr, "petrel-fault-proxy: %s\n", error->message);
      return 1;
    }

  proxy.service = g_socket_service_new ();
  loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  address = g_inet_socket_address_new (loopback, 0);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (proxy.service), address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
                                      &effective, &error))
    {
      printf ("{\"error\": \"cannot listen on 127.0.0.1\"}\n");
      fprintf (stderr, "petrel-fault-proxy: %s\n", error->message);
      return 1;
    }
  g_signal_connect (proxy.service, "incoming", G_CALLBACK (on_service_incoming_cb), NULL);
  g_socket_service_start (proxy.service);

  g_unix_signal_add (SIGINT, on_signal_cb, NULL);
  g_unix_signal_add (SIGTERM, on_signal_cb, NULL);
  if (!no_stdin)
    {
      g_autoptr(GInputStream) in = g_unix_input_stream_new (STDIN_FILENO, FALSE);

      proxy.control = g_data_input_stream_new (in);
      g_data_input_stream_read_line_async (proxy.control, G_PRIORITY_DEFAULT, NULL,
                                           on_control_line_cb, NULL);
    }

  printf ("{\"port\": %u, \"target\": %d, \"pid\": %d}\n",
          g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective)), target,
          (int) getpid ());
  fflush (stdout);

  g_main_loop_run (proxy.loop);

  g_socket_service_stop (proxy.service);
  g_socket_listener_close (G_SOCKET_LISTENER (proxy.service));
  while (proxy.active != NULL)
    conn_close (proxy.active->data);
  /* Let the cancelled I/O finish and drop its references (bounded). */
  for (guint i = 0; i < 100 && g_main_context_iteration (NULL, FALSE); i++)
    ;
  g_clear_object (&proxy.service);
  g_clear_object (&proxy.control);
  g_clear_pointer (&proxy.rule, rule_unref);
  g_clear_pointer (&proxy.sessions, g_ptr_array_unref);
  if (proxy.transcript != NULL)
    fclose (proxy.transcript);
  g_clear_pointer (&proxy.old_transcripts, g_ptr_array_unref);
  g_main_loop_unref (proxy.loop);
  return 0;
}
