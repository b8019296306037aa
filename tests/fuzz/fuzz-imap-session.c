/* fuzz-imap-session.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * libFuzzer target for a whole IMAP client session: a real PetrelImapClient talks to a server
 * played by the input, over a loopback connection, in one thread.
 *
 * The input is the server's side of the session, cut into turns at each "%%\n". The first turn
 * is the greeting; each further turn is sent in answer to one line the client writes (or, when
 * neither side has anything to do, unprompted: the rest of an answer, IDLE news), with every
 * "%T" replaced by the tag of the client's latest command, so that tagged answers match. An
 * input starting with a digit has its turns written in chunks of a size the digit picks (the
 * digit is not sent). Once the turns are used up the server closes the connection.
 *
 * The client is driven through a realistic session, each step started when the one before it
 * finished (success or error): connect (CAPABILITY, LOGIN or AUTHENTICATE PLAIN), ENABLE
 * CONDSTORE QRESYNC UTF8=ACCEPT, LIST with SPECIAL-USE/CHILDREN/STATUS, SELECT of the mailbox
 * the LIST named (QRESYNC parameters when enabled), two pipelined UID FETCHes (changed flags with
 * VANISHED; the envelope and body structure), UID STORE, a body part fetch, IDLE (stopped after
 * some news), LOGOUT.
 *
 * Invariants beyond "no crash, leak, UB, warning": every operation completes, with a result or a
 * GError with a UTF-8 message, within a bounded number of main-loop iterations (no hang), and
 * what the client writes is well-formed: CR LF only at the end of a line, no NUL, literals
 * exactly as long as announced, each command line starting with a tag (or DONE, or a SASL
 * response while one may be due): no CR/LF injection whatever the server sent.
 */

#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <string.h>

#include <gio/gio.h>

#include "fuzz-common.h"
#include "imap/petrel-imap.h"
#include "imap/petrel-imap-client.h"

/* Main-loop rounds allowed for a whole session, and quiet rounds once the server has hung up. */
#define MAX_ROUNDS 200000
#define MAX_QUIET_ROUNDS 2000
/* How long a quiet round waits for the kernel to deliver bytes already written. */
#define SETTLE_MS 1

typedef enum
{
  STEP_CONNECT,
  STEP_ENABLE,
  STEP_LIST,
  STEP_SELECT,
  STEP_FETCH,
  STEP_STORE,
  STEP_BODY,
  STEP_IDLE,
  STEP_LOGOUT,
  STEP_FINISHED,
} Step;

typedef struct
{
  /* Server side. */
  GSocket *listener;
  GSocket *conn;
  GPtrArray *turns;                  /* (element-type GBytes) */
  guint next_turn;
  gsize chunk;                       /* 0: whole turns */
  GByteArray *out;                   /* waiting to be written to the client */
  GByteArray *in;                    /* read from the client, not yet a whole line */
  guint64 literal_left;              /* bytes of a client literal still to come */
  gboolean continuation;             /* the next client line continues a command */
  char tag[32];                      /* of the client's latest command */
  gboolean server_closed;
  gboolean client_eof;
  gboolean trace;                    /* FUZZ_SESSION_TRACE set: print the transcript */

  /* Client side. */
  PetrelImapClient *client;
  Step step;
  guint pending;                     /* operations started and not finished */
  char *mailbox;                     /* chosen from the LIST */
  guint32 first_uid;
  guint idle_nudges;
  gboolean idle_stopped;
  gboolean idle_line_seen;
} Session;

/* ---- server -------------------------------------------------------------------------------- */

static GSocket *
get_listener (guint16 *port)
{
  static GSocket *listener;
  static guint16 listener_port;

  if (listener == NULL)
    {
      g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
      g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
      g_autoptr(GSocketAddress) bound = NULL;
      g_autoptr(GError) error = NULL;

      listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                               G_SOCKET_PROTOCOL_TCP, &error);
      fuzz_require (listener != NULL, "loopback socket");
      fuzz_require (g_socket_bind (listener, address, TRUE, &error), "bind 127.0.0.1");
      g_socket_set_listen_backlog (listener, 16);
      fuzz_require (g_socket_listen (listener, &error), "listen");
      g_socket_set_blocking (listener, FALSE);
      bound = g_socket_get_local_address (listener, &error);
      fuzz_require (bound != NULL, "listener address");
      listener_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
    }
  *port = listener_port;
  return listener;
}

static void
split_turns (Session       *s,
             const uint8_t *data,
             size_t         size)
{
  static const gsize sizes[10] = { 1, 2, 3, 5, 8, 13, 21, 64, 256, 1024 };
  size_t start = 0;

  if (size > 0 && data[0] >= '0' && data[0] <= '9')
    {
      s->chunk = sizes[data[0] - '0'];
      start = 1;
    }
  for (size_t i = start; i + 3 <= size; i++)
    if (memcmp (data + i, "%%\n", 3) == 0)
      {
        g_ptr_array_add (s->turns, g_bytes_new (data + start, i - start));
        start = i + 3;
        i += 2;
      }
  if (start < size)
    g_ptr_array_add (s->turns, g_bytes_new (data + start, size - start));
}

/* Queues the next turn, "%T" replaced by the current tag. FALSE if there is none left. */
static gboolean
serve_turn (Session *s)
{
  GBytes *turn;
  const guint8 *p;
  gsize n;

  if (s->server_closed || s->next_turn >= s->turns->len)
    return FALSE;
  turn = g_ptr_array_index (s->turns, s->next_turn++);
  p = g_bytes_get_data (turn, &n);
  if (s->trace)
    g_printerr ("S(turn %u, tag %s): %.*s\n", s->next_turn - 1, s->tag, (int) n, (const char *) p);
  for (gsize i = 0; i < n; i++)
    {
      if (p[i] == '%' && i + 1 < n && p[i + 1] == 'T')
        {
          g_byte_array_append (s->out, (const guint8 *) s->tag, strlen (s->tag));
          i++;
        }
      else
        {
          g_byte_array_append (s->out, p + i, 1);
        }
    }
  return TRUE;
}

static void
server_close (Session *s)
{
  if (s->trace && !s->server_closed)
    g_printerr ("S: (hangs up)\n");
  if (s->conn != NULL && !s->server_closed)
    g_socket_close (s->conn, NULL);
  s->server_closed = TRUE;
  g_byte_array_set_size (s->out, 0);
}

static gboolean
is_tag_char (char c)
{
  return g_ascii_isalnum (c) || c == '.' || c == '-' || c == '_';
}

static gboolean
is_sasl_line (const char *line)
{
  if (strcmp (line, "*") == 0)
    return TRUE;
  for (const char *p = line; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '+' && *p != '/' && *p != '=')
      return FALSE;
  return TRUE;
}

/* One line the client wrote, without its CR LF. Returns FALSE if the client goes on without
 * waiting for an answer (the line announced a non-synchronising literal). */
static gboolean
client_line (Session    *s,
             const char *line,
             gsize       len)
{
  gsize tag_len = 0;
  guint64 literal = 0;
  gboolean was_continuation = s->continuation;

  /* A CR, LF or NUL inside a line is an injection (or a broken writer). */
  fuzz_require (memchr (line, '\r', len) == NULL, "client line with a bare CR");
  fuzz_require (memchr (line, '\n', len) == NULL, "client line with a bare LF");
  fuzz_require (strlen (line) == len, "client line with a NUL");
  fuzz_require (g_utf8_validate (line, len, NULL), "client line not UTF-8");
  if (s->trace)
    g_printerr ("C: %s\n", line);

  if (!was_continuation)
    {
      while (tag_len < len && is_tag_char (line[tag_len]))
        tag_len++;
      if (tag_len > 0 && tag_len < sizeof s->tag && tag_len < len && line[tag_len] == ' ' &&
          tag_len + 1 < len)
        {
          memcpy (s->tag, line, tag_len);
          s->tag[tag_len] = '\0';
          if (g_str_has_prefix (line + tag_len + 1, "IDLE"))
            s->idle_line_seen = TRUE;
        }
      else
        {
          /* Not a command: only DONE (IDLE) or a SASL answer may come without a tag. */
          fuzz_require (strcmp (line, "DONE") == 0 || is_sasl_line (line),
                        "client wrote a line that is neither a command, DONE nor SASL");
        }
    }

  /* A literal announced at the end: its bytes follow, then the command goes on. */
  s->continuation = FALSE;
  if (len >= 3 && line[len - 1] == '}')
    {
      const char *open = g_strrstr_len (line, len, "{");

      if (open != NULL)
        {
          const char *digits = open + 1;
          char *end = NULL;

          literal = g_ascii_strtoull (digits, &end, 10);
          fuzz_require (end != digits && (*end == '}' || (*end == '+' && end[1] == '}')),
                        "client literal header malformed");
          s->literal_left = literal;
          s->continuation = TRUE;
          if (*end == '+')
            return FALSE;
        }
    }
  return TRUE;
}

/* Reads what the client wrote and checks it; returns TRUE if anything came. */
static gboolean
server_read (Session *s)
{
  guint8 buffer[4096];
  gssize n;
  gboolean any = FALSE;

  if (s->conn == NULL || s->server_closed || s->client_eof)
    return FALSE;
  for (;;)
    {
      g_autoptr(GError) error = NULL;

      n = g_socket_receive (s->conn, (char *) buffer, sizeof buffer, NULL, &error);
      if (n < 0)
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            s->client_eof = TRUE;
          break;
        }
      any = TRUE;
      /* The kernel turns quick ACKs off again now and then. */
      g_socket_set_option (s->conn, IPPROTO_TCP, TCP_QUICKACK, 1, NULL);
      if (n == 0)
        {
          s->client_eof = TRUE;
          break;
        }
      g_byte_array_append (s->in, buffer, n);
    }

  /* Split into lines and literals. */
  for (;;)
    {
      guint8 *nl;
      gsize len;
      gboolean answer;

      if (s->literal_left > 0)
        {
          gsize take = MIN (s->literal_left, (guint64) s->in->len);

          if (take > 0)
            g_byte_array_remove_range (s->in, 0, take);
          s->literal_left -= take;
          if (s->literal_left > 0)
            break;
          continue;
        }
      if (s->in->len == 0)
        break;
      nl = memchr (s->in->data, '\n', s->in->len);
      if (nl == NULL)
        break;
      len = nl - s->in->data;
      fuzz_require (len > 0 && s->in->data[len - 1] == '\r', "client line ends in a bare LF");
      {
        g_autofree char *line = g_strndup ((const char *) s->in->data, len - 1);

        answer = client_line (s, line, len - 1);
      }
      g_byte_array_remove_range (s->in, 0, len + 1);
      /* Every line after which the client waits gets the next turn as its answer. */
      if (answer)
        serve_turn (s);
    }
  return any;
}

/* Writes (part of) what is waiting; TRUE if anything was written. */
static gboolean
server_write (Session *s)
{
  g_autoptr(GError) error = NULL;
  gsize want;
  gssize n;

  if (s->conn == NULL || s->server_closed || s->out->len == 0)
    return FALSE;
  want = s->chunk > 0 ? MIN (s->chunk, s->out->len) : s->out->len;
  n = g_socket_send (s->conn, (const char *) s->out->data, want, NULL, &error);
  if (n < 0)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        server_close (s);
      return FALSE;
    }
  g_byte_array_remove_range (s->out, 0, n);
  return n > 0;
}

/* ---- client -------------------------------------------------------------------------------- */

static void next_step (Session *s);

static void
check_error (const GError *error)
{
  fuzz_require (error != NULL, "an operation failed without a GError");
  fuzz_require (error->message != NULL && error->message[0] != '\0', "GError without a message");
  fuzz_require (g_utf8_validate (error->message, -1, NULL), "GError message not UTF-8");
}

static void
finish_op (Session *s)
{
  fuzz_require (s->pending > 0, "an operation finished twice");
  s->pending--;
  if (s->pending == 0)
    {
      s->step++;
      next_step (s);
    }
}

static void
check_fetch (const PetrelImapFetch *fetch)
{
  volatile gsize sink = 0;

  for (guint i = 0; i < fetch->n_flags; i++)
    {
      fuzz_require (fetch->flags[i] != NULL, "NULL flag");
      sink += strlen (fetch->flags[i]);
    }
  if (fetch->envelope != NULL && fetch->envelope->subject != NULL)
    sink += strlen (fetch->envelope->subject);
  for (guint i = 0; i < fetch->n_sections; i++)
    if (fetch->sections[i].value != NULL)
      {
        g_autoptr(GError) error = NULL;
        g_autoptr(GBytes) bytes = petrel_imap_value_load_bytes (fetch->sections[i].value, &error);

        if (bytes != NULL)
          fuzz_require (g_bytes_get_size (bytes) == fetch->sections[i].size, "section size");
        else
          check_error (error);
      }
  (void) sink;
}

static void
on_fetch (PetrelImapClient      *client,
          PetrelImapResponse    *response,
          const PetrelImapFetch *fetch,
          gpointer               user_data)
{
  Session *s = user_data;

  fuzz_require (fetch != NULL, "fetch func without data");
  check_fetch (fetch);
  if (fetch->uid != 0 && s->first_uid == 0)
    s->first_uid = fetch->uid;
}

static void
on_fetch_signal (PetrelImapClient   *client,
                 PetrelImapResponse *response,
                 gpointer            fetch,
                 gpointer            user_data)
{
  if (fetch != NULL)
    check_fetch (fetch);
}

static void
on_vanished (PetrelImapClient *client,
             PetrelImapSeqSet *uids,
             gboolean          earlier,
             gpointer          user_data)
{
  fuzz_require (uids != NULL, "vanished without UIDs");
  fuzz_require (petrel_imap_seqset_count (uids) > 0, "vanished with an empty set");
}

static void
on_closed (PetrelImapClient *client,
           const GError     *error,
           gpointer          user_data)
{
  if (error != NULL)
    check_error (error);
}

static void
connect_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Session *s = user_data;
  g_autoptr(GError) error = NULL;
  PetrelImapClientState state;

  if (!petrel_imap_client_connect_finish (PETREL_IMAP_CLIENT (object), result, &error))
    check_error (error);
  state = petrel_imap_client_get_state (s->client);
  if (error == NULL)
    fuzz_require (state == PETREL_IMAP_CLIENT_STATE_AUTHENTICATED ||
                  state == PETREL_IMAP_CLIENT_STATE_CLOSED, "connected but not authenticated");
  finish_op (s);
}

static void
enable_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) enabled = petrel_imap_client_enable_finish (PETREL_IMAP_CLIENT (object), result,
                                                            &error);

  if (enabled == NULL)
    check_error (error);
  finish_op (user_data);
}

static void
list_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Session *s = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = petrel_imap_client_list_finish (PETREL_IMAP_CLIENT (object),
                                                                 result, &error);

  if (entries == NULL)
    {
      check_error (error);
    }
  else
    {
      for (guint i = 0; i < entries->len; i++)
        {
          PetrelImapListEntry *entry = g_ptr_array_index (entries, i);

          fuzz_require (entry->info != NULL && entry->info->name != NULL,
                        "LIST entry without name");
          fuzz_require (g_utf8_validate (entry->info->name, -1, NULL), "LIST name not UTF-8");
          if (entry->status != NULL)
            fuzz_require (g_utf8_validate (entry->status->name, -1, NULL), "STATUS name not UTF-8");
          /* Select the Inbox, else the last selectable mailbox (so that an input chooses). */
          if ((entry->info->attributes & PETREL_IMAP_MAILBOX_NOSELECT) == 0 &&
              (s->mailbox == NULL || strcmp (s->mailbox, "INBOX") != 0))
            {
              g_free (s->mailbox);
              s->mailbox = g_strdup (entry->info->name);
            }
        }
    }
  finish_op (s);
}

static void
select_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Session *s = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(PetrelImapMailboxState) state = NULL;

  state = petrel_imap_client_select_finish (PETREL_IMAP_CLIENT (object), result, &error);
  if (state == NULL)
    {
      check_error (error);
    }
  else
    {
      fuzz_require (state->flags != NULL && state->permanent_flags != NULL, "state flags NULL");
      fuzz_require (g_utf8_validate (state->name, -1, NULL), "state name not UTF-8");
    }
  finish_op (s);
}

static void
fetch_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  PetrelImapSeqSet *vanished = NULL;

  if (!petrel_imap_client_uid_fetch_finish (PETREL_IMAP_CLIENT (object), result, &vanished,
                                            &error))
    check_error (error);
  g_clear_pointer (&vanished, petrel_imap_seqset_free);
  finish_op (user_data);
}

static void
store_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  PetrelImapSeqSet *modified = NULL;

  if (!petrel_imap_client_uid_store_finish (PETREL_IMAP_CLIENT (object), result, &modified,
                                            &error))
    check_error (error);
  g_clear_pointer (&modified, petrel_imap_seqset_free);
  finish_op (user_data);
}

static void
idle_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!petrel_imap_client_idle_finish (PETREL_IMAP_CLIENT (object), result, &error))
    check_error (error);
  finish_op (user_data);
}

static void
logout_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Session *s = user_data;
  g_autoptr(GError) error = NULL;

  if (!petrel_imap_client_logout_finish (PETREL_IMAP_CLIENT (object), result, &error))
    check_error (error);
  fuzz_require (petrel_imap_client_get_state (s->client) == PETREL_IMAP_CLIENT_STATE_CLOSED,
                "still open after LOGOUT");
  finish_op (s);
}

static void
next_step (Session *s)
{
  PetrelImapClient *client = s->client;

  s->pending = 1;
  switch (s->step)
    {
    case STEP_CONNECT:
      petrel_imap_client_connect_async (client, NULL, connect_cb, s);
      break;

    case STEP_ENABLE:
      {
        static const char * const caps[] = { "CONDSTORE", "QRESYNC", "UTF8=ACCEPT", NULL };

        petrel_imap_client_enable_async (client, caps, NULL, enable_cb, s);
      }
      break;

    case STEP_LIST:
      petrel_imap_client_list_async (client, "", "*",
                                     PETREL_IMAP_LIST_SPECIAL_USE | PETREL_IMAP_LIST_CHILDREN,
                                     PETREL_IMAP_STATUS_MESSAGES | PETREL_IMAP_STATUS_UIDNEXT |
                                     PETREL_IMAP_STATUS_UIDVALIDITY | PETREL_IMAP_STATUS_UNSEEN |
                                     PETREL_IMAP_STATUS_HIGHESTMODSEQ,
                                     NULL, list_cb, s);
      break;

    case STEP_SELECT:
      {
        g_autoptr(PetrelImapSeqSet) known = petrel_imap_seqset_new ();
        PetrelImapQresyncParams qr = { 1700000000, 4200, NULL, NULL, NULL };
        gboolean qresync = petrel_imap_client_is_enabled (client, "QRESYNC");

        petrel_imap_seqset_add_range (known, 1, 60);
        qr.known_uids = known;
        petrel_imap_client_select_async (client, s->mailbox != NULL ? s->mailbox : "INBOX",
                                         FALSE,
                                         petrel_imap_client_has_capability (client, "CONDSTORE"),
                                         qresync ? &qr : NULL, on_fetch, s, NULL, NULL,
                                         select_cb, s);
      }
      break;

    case STEP_FETCH:
      {
        g_autoptr(PetrelImapSeqSet) all = petrel_imap_seqset_new ();
        gboolean qresync = petrel_imap_client_is_enabled (client, "QRESYNC");

        petrel_imap_seqset_add_range (all, 1, G_MAXUINT32);
        /* Two pipelined fetches, as a sync does: changed flags, then new headers. */
        s->pending = 2;
        petrel_imap_client_uid_fetch_async (client, all, "(UID FLAGS)",
                                            qresync ? 4200 : 0,
                                            qresync ? PETREL_IMAP_FETCH_OPTION_VANISHED :
                                                      PETREL_IMAP_FETCH_OPTION_NONE,
                                            on_fetch, s, NULL, NULL, fetch_cb, s);
        petrel_imap_client_uid_fetch_async (client, all,
                                            "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE "
                                            "BODYSTRUCTURE)",
                                            0, PETREL_IMAP_FETCH_OPTION_NONE,
                                            on_fetch, s, NULL, NULL, fetch_cb, s);
      }
      break;

    case STEP_STORE:
      {
        static const char * const flags[] = { "\\Seen", "$Forwarded", NULL };
        g_autoptr(PetrelImapSeqSet) uids = petrel_imap_seqset_new ();

        petrel_imap_seqset_add (uids, s->first_uid != 0 ? s->first_uid : 1);
        petrel_imap_client_uid_store_async (client, uids, PETREL_IMAP_STORE_ADD, flags,
                                            petrel_imap_client_is_enabled (client, "CONDSTORE") ||
                                            petrel_imap_client_is_enabled (client, "QRESYNC") ?
                                            4200 : 0,
                                            NULL, NULL, NULL, NULL, store_cb, s);
      }
      break;

    case STEP_BODY:
      {
        g_autoptr(PetrelImapSeqSet) uids = petrel_imap_seqset_new ();
        g_autofree char *part = petrel_imap_client_dup_part_item (client, "1");
        g_autofree char *items = g_strdup_printf ("(UID BODY.PEEK[HEADER] %s)", part);

        petrel_imap_seqset_add (uids, s->first_uid != 0 ? s->first_uid : 1);
        petrel_imap_client_uid_fetch_async (client, uids, items, 0, PETREL_IMAP_FETCH_OPTION_NONE,
                                            on_fetch, s, NULL, NULL, fetch_cb, s);
      }
      break;

    case STEP_IDLE:
      s->idle_nudges = 0;
      s->idle_line_seen = FALSE;
      petrel_imap_client_idle_async (client, NULL, idle_cb, s);
      break;

    case STEP_LOGOUT:
      petrel_imap_client_logout_async (client, NULL, logout_cb, s);
      break;

    case STEP_FINISHED:
    default:
      s->pending = 0;
      break;
    }
}

/* ---- the session --------------------------------------------------------------------------- */

static gboolean
on_settle_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
on_settle_socket_cb (GSocket      *socket,
                     GIOCondition  condition,
                     gpointer      user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Waits up to SETTLE_MS for the client's sockets (through the main context) or the server's
 * to become ready; TRUE if something happened (then the caller goes round again). This is not a
 * deadline: hangs are counted in rounds. */
static gboolean
settle (Session      *s,
        GMainContext *context)
{
  gboolean timed_out = FALSE, server_ready = FALSE, dispatched = FALSE;
  GSource *timeout = g_timeout_source_new (SETTLE_MS);
  GSource *watch = NULL;
  GSocket *socket = s->conn != NULL ? (s->server_closed || s->client_eof ? NULL : s->conn)
                                    : s->listener;

  g_source_set_callback (timeout, on_settle_cb, &timed_out, NULL);
  g_source_attach (timeout, context);
  if (socket != NULL)
    {
      watch = g_socket_create_source (socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
      g_source_set_callback (watch, G_SOURCE_FUNC (on_settle_socket_cb), &server_ready, NULL);
      g_source_attach (watch, context);
    }
  /* Attaching the sources woke the context up: go round until something really happens. */
  while (!timed_out && !server_ready && !dispatched)
    dispatched = g_main_context_iteration (context, TRUE) && !timed_out && !server_ready;
  g_source_destroy (timeout);
  g_source_unref (timeout);
  if (watch != NULL)
    {
      g_source_destroy (watch);
      g_source_unref (watch);
    }
  return server_ready || dispatched;
}

/* Nothing moved on either side: let the server go on. Returns FALSE if it had nothing to do. */
static gboolean
nudge (Session *s)
{
  /* In IDLE: one unprompted turn (news), then DONE. */
  if (s->step == STEP_IDLE && s->idle_line_seen && !s->idle_stopped &&
      petrel_imap_client_is_idling (s->client))
    {
      if (s->idle_nudges++ >= 1 || s->server_closed || s->next_turn >= s->turns->len)
        {
          s->idle_stopped = TRUE;
          if (s->trace)
            g_printerr ("(idle_stop)\n");
          petrel_imap_client_idle_stop (s->client);
          return TRUE;
        }
    }
  if (s->conn != NULL && serve_turn (s))
    return TRUE;
  if (s->conn != NULL && !s->server_closed)
    {
      server_close (s);
      return TRUE;
    }
  return FALSE;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  Session session = { 0 };
  Session *s = &session;
  guint16 port = 0;
  guint rounds = 0, quiet = 0;

  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", FALSE);
  g_main_context_push_thread_default (context);

  s->listener = get_listener (&port);
  s->trace = g_getenv ("FUZZ_SESSION_TRACE") != NULL;
  s->turns = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  s->out = g_byte_array_new ();
  s->in = g_byte_array_new ();
  g_strlcpy (s->tag, "*", sizeof s->tag);
  split_turns (s, data, size);

  s->client = petrel_imap_client_new ("127.0.0.1", port, PETREL_IMAP_SECURITY_NONE);
  petrel_imap_client_set_user (s->client, "fuzz");
  /* Not ASCII: LOGIN must send it as a literal (synchronising or not, as the server allows). */
  petrel_imap_client_set_password (s->client, "p\xc3\xa4ss \"w\xc3\xb6rd\"");
  petrel_imap_client_set_auto_compress (s->client, FALSE);
  /* Hangs are caught by counting rounds, not by the client's own watchdog. */
  petrel_imap_client_set_timeout (s->client, 10 * 60 * 1000);
  g_signal_connect (s->client, "fetch", G_CALLBACK (on_fetch_signal), s);
  g_signal_connect (s->client, "vanished", G_CALLBACK (on_vanished), s);
  g_signal_connect (s->client, "closed", G_CALLBACK (on_closed), s);

  s->step = STEP_CONNECT;
  next_step (s);

  while (s->step != STEP_FINISHED)
    {
      gboolean busy = FALSE;

      fuzz_require (++rounds < MAX_ROUNDS, "session did not finish (hang)");
      while (g_main_context_iteration (context, FALSE))
        busy = TRUE;

      if (s->conn == NULL)
        {
          g_autoptr(GError) error = NULL;

          s->conn = g_socket_accept (s->listener, NULL, &error);
          if (s->conn != NULL)
            {
              g_socket_set_blocking (s->conn, FALSE);
              /* No Nagle on our side, no delayed ACK holding back the client's (Nagle) writes:
               * every byte either side writes is there at once. */
              g_socket_set_option (s->conn, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
              g_socket_set_option (s->conn, IPPROTO_TCP, TCP_QUICKACK, 1, NULL);
              serve_turn (s);   /* the greeting */
              busy = TRUE;
            }
        }
      busy |= server_read (s);
      busy |= server_write (s);
      if (busy)
        {
          quiet = 0;
          continue;
        }
      /* Nothing is ready now; wait a moment for the kernel to deliver what either side wrote
       * (loopback is all but synchronous) before deciding that both sides are waiting. */
      if (settle (s, context))
        continue;
      if (!nudge (s))
        {
          /* The server has said all and hung up: the client must finish on its own. */
          fuzz_require (++quiet < MAX_QUIET_ROUNDS,
                        "an operation did not finish after the server hung up (hang)");
        }
    }

  fuzz_require (s->pending == 0, "operations still pending at the end");

  /* Tear down: drop the client, let its pending I/O unwind. */
  petrel_imap_client_close (s->client);
  g_clear_object (&s->client);
  if (s->conn != NULL)
    {
      if (!s->server_closed)
        g_socket_close (s->conn, NULL);
      g_clear_object (&s->conn);
    }
  for (guint i = 0; i < 1000 && g_main_context_iteration (context, FALSE); i++)
    ;
  /* A connection the client made but we never accepted (it failed first) would linger. */
  {
    g_autoptr(GSocket) stray = g_socket_accept (s->listener, NULL, NULL);

    if (stray != NULL)
      g_socket_close (stray, NULL);
  }
  g_ptr_array_unref (s->turns);
  g_byte_array_unref (s->out);
  g_byte_array_unref (s->in);
  g_free (s->mailbox);
  g_main_context_pop_thread_default (context);
  return 0;
}
