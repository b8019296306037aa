/* petrel-imap-client.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * One PetrelImapClient is one IMAP connection. The pieces:
 *
 *  - Reader: one g_input_stream_read_async() at a time into a 64 KiB buffer; the bytes are
 *    inflated when COMPRESS is on and fed to the PetrelImapParser; the complete responses are
 *    then popped and dispatched one by one (so our callbacks never run inside the parser).
 *  - Writer: a FIFO of byte chunks written one g_output_stream_write_all_async() at a time,
 *    deflated when COMPRESS is on.
 *  - Commands: a queue of PetrelImapCmd. The pump sends as many as the rules allow (see
 *    PetrelImapCmdFlags) without waiting for their answers; a command with a synchronising
 *    literal holds the writer until the server's `+`. Untagged responses are offered to the
 *    in-flight commands (oldest first); what nobody claims is unsolicited and becomes a signal.
 *    A command completes on its tagged response.
 *  - A watchdog fails the connection when the server stays silent for `timeout` ms while we wait
 *    for it (never during an accepted IDLE).
 *
 * Pending I/O does not keep the client alive: it holds a PetrelImapClientIo, whose client pointer
 * is cleared on dispose. Dropping the last reference closes the connection.
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "debug/petrel-crash-hook.h"
#include "imap/petrel-imap-client-private.h"
#include "imap/petrel-imap-parser.h"
#include "imap/petrel-imap-utf7.h"

#define READ_SIZE (64 * 1024)
#define DEFAULT_TIMEOUT_MS 60000
#define DEFAULT_IDLE_REFRESH_MS (25 * 60 * 1000)

typedef struct
{
  gatomicrefcount ref_count;
  PetrelImapClient *client;          /* borrowed; NULL once the client is disposed */
  guint8 buffer[READ_SIZE];
} PetrelImapClientIo;

typedef struct
{
  PetrelImapClientIo *io;
  GBytes *bytes;
} WriteOp;

typedef struct
{
  GTask *task;                       /* owned */
  PetrelImapCmd *cmd;                /* borrowed: the IDLE command now queued or in flight */
  GSource *cancel_source;            /* owned */
  GSource *refresh_source;           /* owned */
  gboolean idling;                   /* the server said `+` to the current IDLE */
  gboolean done_sent;
  gboolean stopping;
  gboolean cancelled;
} IdleRequest;

typedef struct
{
  guint step;                        /* continuation requests seen */
  GBytes *initial;                   /* base64 + CRLF, sent on `+` when there is no SASL-IR */
  gboolean sent_initial;
  PetrelImapAuthMechanism mechanism;
} AuthData;

struct _PetrelImapClient
{
  GObject parent_instance;

  /* Parameters */
  char *host;
  guint16 port;
  PetrelImapSecurity security;
  GTlsDatabase *tls_database;
  char *user;
  char *password;                    /* wiped on free */
  char *oauth_token;                 /* wiped on free */
  PetrelImapAuthMechanism auth_mechanism;
  guint timeout_ms;
  guint idle_refresh_ms;
  gboolean auto_compress;
  gboolean raw_mailbox_names;
  char *spool_dir;

  /* Connection */
  PetrelImapClientState state;
  GMainContext *context;             /* owned: the thread-default context of connect_async() */
  PetrelImapClientIo *io;
  GCancellable *io_cancellable;
  GSocketConnection *socket_connection;
  GTlsClientConnection *tls_connection;
  GIOStream *stream;                 /* borrowed: the TLS or the socket connection */
  GTlsCertificate *peer_certificate;
  GTlsCertificateFlags peer_certificate_errors;
  GConverter *compressor;
  GConverter *decompressor;
  PetrelImapParser *parser;
  gboolean reading;
  gboolean read_paused;
  GQueue write_queue;                /* GBytes */
  gboolean writing;
  gboolean starttls_ok;              /* STARTTLS said OK: switch streams when the writer is idle */
  gboolean compress_started;         /* COMPRESS answered OK while feeding: inflate what follows */
  gint64 last_activity;
  GSource *watchdog;
  GError *error;                     /* why the connection ended */
  GError *bye;                       /* the server's BYE */
  gboolean logging_out;

  /* Session */
  GTask *connect_task;
  GSource *connect_cancel_source;
  gboolean greeting_seen;
  gboolean preauth;
  gboolean login_sent;
  gboolean credentials_pending;      /* connect_async() stops before logging in */
  gboolean awaiting_credentials;     /* ... and has got there */
  gboolean compress_tried;
  char **capabilities;
  GHashTable *enabled;
  PetrelImapMailboxState *selected;
  guint next_tag;
  GQueue pending;                    /* PetrelImapCmd, not sent yet */
  GQueue in_flight;                  /* PetrelImapCmd, sent, oldest first */
  PetrelImapCmd *waiting_continuation;
  IdleRequest *idle;
};

G_DEFINE_FINAL_TYPE (PetrelImapClient, petrel_imap_client, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (PetrelImapSecurity, petrel_imap_security,
  G_DEFINE_ENUM_VALUE (PETREL_IMAP_SECURITY_TLS, "tls"),
  G_DEFINE_ENUM_VALUE (PETREL_IMAP_SECURITY_STARTTLS, "starttls"),
  G_DEFINE_ENUM_VALUE (PETREL_IMAP_SECURITY_NONE, "none"))

G_DEFINE_ENUM_TYPE (PetrelImapAuthMechanism, petrel_imap_auth_mechanism,
  G_DEFINE_ENUM_VALUE (PETREL_IMAP_AUTH_AUTO, "auto"),
  G_DEFINE_ENUM_VALUE (PETREL_IMAP_AUTH_PLAIN, "plain"),
  G_DEFINE_ENUM_VALUE (PETREL_IMAP_AUTH_LOGIN, "login"),
  G_DEFINE_ENUM_VALUE (PETREL_IMAP_AUTH_XOAUTH2, "xoauth2"),
  G_DEFINE_ENUM_VALUE (PETREL_IMAP_AUTH_OAUTHBEARER, "oauthbearer"))

G_DEFINE_ENUM_TYPE (PetrelImapClientState, petrel_imap_client_state,
  G_DEFINE_ENUM_VALUE (PETREL_IMAP_CLIENT_STATE_DISCONNECTED, "disconnected"),
  G_DEFINE_ENUM_VALUE (PETREL_IMAP_CLIENT_STATE_CONNECTING, "connecting"),
  G_DEFINE_ENUM_VALUE (PETREL_IMAP_CLIENT_STATE_NOT_AUTHENTICATED, "not-authenticated"),
  G_DEFINE_ENUM_VALUE (PETREL_IMAP_CLIENT_STATE_AUTHENTICATED, "authenticated"),
  G_DEFINE_ENUM_VALUE (PETREL_IMAP_CLIENT_STATE_SELECTED, "selected"),
  G_DEFINE_ENUM_VALUE (PETREL_IMAP_CLIENT_STATE_CLOSED, "closed"))

G_DEFINE_BOXED_TYPE (PetrelImapMailboxState, petrel_imap_mailbox_state,
                     petrel_imap_mailbox_state_copy, petrel_imap_mailbox_state_free)

enum {
  PROP_0,
  PROP_HOST,
  PROP_PORT,
  PROP_SECURITY,
  PROP_TLS_DATABASE,
  PROP_USER,
  PROP_AUTH_MECHANISM,
  PROP_TIMEOUT,
  PROP_IDLE_REFRESH,
  PROP_AUTO_COMPRESS,
  PROP_STATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_TLS_CONNECTION_CREATED,
  SIGNAL_EXISTS,
  SIGNAL_EXPUNGED,
  SIGNAL_VANISHED,
  SIGNAL_FETCH,
  SIGNAL_ALERT,
  SIGNAL_CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void petrel_imap_client_pump          (PetrelImapClient *self);
static void petrel_imap_client_start_reading (PetrelImapClient *self);
static void petrel_imap_client_start_write   (PetrelImapClient *self);
static void petrel_imap_client_fail          (PetrelImapClient *self,
                                              GError           *error);
static void petrel_imap_client_connect_step  (PetrelImapClient *self);
static void petrel_imap_client_maybe_switch_streams (PetrelImapClient *self);
static void petrel_imap_client_idle_send_done (PetrelImapClient *self);
static void idle_request_complete            (PetrelImapClient *self,
                                              GError           *error);

/* ---- Helpers ------------------------------------------------------------------------------ */

static void
wipe_string (char **str)
{
  if (*str != NULL)
    {
      explicit_bzero (*str, strlen (*str));
      g_clear_pointer (str, g_free);
    }
}

static void
wipe_free (gpointer data)
{
  explicit_bzero (data, strlen (data));
  g_free (data);
}

static void
clear_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static PetrelImapClientIo *
client_io_ref (PetrelImapClientIo *io)
{
  g_atomic_ref_count_inc (&io->ref_count);
  return io;
}

static void
client_io_unref (PetrelImapClientIo *io)
{
  if (g_atomic_ref_count_dec (&io->ref_count))
    g_free (io);
}

static void
set_state (PetrelImapClient      *self,
           PetrelImapClientState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
touch (PetrelImapClient *self)
{
  self->last_activity = g_get_monotonic_time ();
}

PetrelImapMailboxState *
_petrel_imap_mailbox_state_new (const char *name)
{
  PetrelImapMailboxState *state = g_new0 (PetrelImapMailboxState, 1);

  state->name = g_strdup (name);
  state->flags = g_new0 (char *, 1);
  state->permanent_flags = g_new0 (char *, 1);
  return state;
}

PetrelImapMailboxState *
petrel_imap_mailbox_state_copy (const PetrelImapMailboxState *state)
{
  PetrelImapMailboxState *copy;

  g_return_val_if_fail (state != NULL, NULL);

  copy = g_memdup2 (state, sizeof *state);
  copy->name = g_strdup (state->name);
  copy->flags = g_strdupv (state->flags);
  copy->permanent_flags = g_strdupv (state->permanent_flags);
  copy->vanished = state->vanished ? petrel_imap_seqset_copy (state->vanished) : NULL;
  return copy;
}

void
petrel_imap_mailbox_state_free (PetrelImapMailboxState *state)
{
  if (state == NULL)
    return;
  g_free (state->name);
  g_strfreev (state->flags);
  g_strfreev (state->permanent_flags);
  g_clear_pointer (&state->vanished, petrel_imap_seqset_free);
  g_free (state);
}

void
petrel_imap_list_entry_free (PetrelImapListEntry *entry)
{
  if (entry == NULL)
    return;
  g_clear_pointer (&entry->info, petrel_imap_mailbox_info_free);
  g_clear_pointer (&entry->status, petrel_imap_status_info_free);
  g_free (entry);
}

void
petrel_imap_copy_result_free (PetrelImapCopyResult *result)
{
  if (result == NULL)
    return;
  g_clear_pointer (&result->source, petrel_imap_seqset_free);
  g_clear_pointer (&result->destination, petrel_imap_seqset_free);
  g_free (result);
}

static char *
describe_certificate_errors (GTlsCertificateFlags flags)
{
  static const struct { GTlsCertificateFlags flag; const char *text; } texts[] = {
    { G_TLS_CERTIFICATE_UNKNOWN_CA, "issued by an unknown authority" },
    { G_TLS_CERTIFICATE_BAD_IDENTITY, "issued for another host" },
    { G_TLS_CERTIFICATE_NOT_ACTIVATED, "not valid yet" },
    { G_TLS_CERTIFICATE_EXPIRED, "expired" },
    { G_TLS_CERTIFICATE_REVOKED, "revoked" },
    { G_TLS_CERTIFICATE_INSECURE, "using insecure algorithms" },
    { G_TLS_CERTIFICATE_GENERIC_ERROR, "invalid" },
  };
  g_autoptr(GString) str = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      if ((flags & texts[i].flag) == 0)
        continue;
      if (str->len > 0)
        g_string_append (str, ", ");
      g_string_append (str, texts[i].text);
    }
  if (str->len == 0)
    g_string_append (str, "not trusted");
  return g_string_free (g_steal_pointer (&str), FALSE);
}

static char *
certificate_fingerprint (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;
  g_autoptr(GChecksum) checksum = NULL;
  g_autoptr(GString) str = g_string_new (NULL);
  guint8 digest[32];
  gsize digest_len = sizeof digest;

  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL)
    return g_strdup ("unknown");
  checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (checksum, der->data, der->len);
  g_checksum_get_digest (checksum, digest, &digest_len);
  for (gsize i = 0; i < digest_len; i++)
    g_string_append_printf (str, i == 0 ? "%02X" : ":%02X", digest[i]);
  return g_string_free (g_steal_pointer (&str), FALSE);
}

/* Turns an I/O error into one for this connection, keeping the original text. */
static GError *
connection_error (PetrelImapClient *self,
                  const GError     *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_copy (error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return g_error_new (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_TIMEOUT,
                        _("Connection to %s timed out: %s"), self->host, error->message);
  return g_error_new (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_CONNECTION_CLOSED,
                      _("Connection to %s lost: %s"), self->host, error->message);
}

/* ---- Commands ------------------------------------------------------------------------------ */

static void
cmd_free (PetrelImapCmd *cmd)
{
  if (cmd->cancel_source != NULL)
    {
      g_source_destroy (cmd->cancel_source);
      g_clear_pointer (&cmd->cancel_source, g_source_unref);
    }
  g_clear_object (&cmd->task);
  g_clear_object (&cmd->command);
  g_clear_pointer (&cmd->chunks, g_ptr_array_unref);
  g_free (cmd->name);
  if (cmd->data_free != NULL)
    g_clear_pointer (&cmd->data, cmd->data_free);
  if (cmd->fetch_destroy != NULL)
    g_clear_pointer (&cmd->fetch_data, cmd->fetch_destroy);
  g_free (cmd);
}

/* The command's caller is gone (completed or cancelled): no more callbacks. */
static void
cmd_abandon (PetrelImapCmd *cmd)
{
  if (cmd->cancel_source != NULL)
    {
      g_source_destroy (cmd->cancel_source);
      g_clear_pointer (&cmd->cancel_source, g_source_unref);
    }
  cmd->fetch_func = NULL;
  if (cmd->fetch_destroy != NULL)
    g_clear_pointer (&cmd->fetch_data, cmd->fetch_destroy);
  cmd->fetch_destroy = NULL;
}

void
_petrel_imap_cmd_return_error (PetrelImapCmd *cmd,
                               GError        *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&cmd->task);

  cmd_abandon (cmd);
  if (task != NULL)
    g_task_return_error (task, error);
  else
    g_error_free (error);
}

void
_petrel_imap_cmd_return_boolean (PetrelImapCmd *cmd,
                                 gboolean       value)
{
  g_autoptr(GTask) task = g_steal_pointer (&cmd->task);

  cmd_abandon (cmd);
  if (task != NULL)
    g_task_return_boolean (task, value);
}

void
_petrel_imap_cmd_return_pointer (PetrelImapCmd  *cmd,
                                 gpointer        value,
                                 GDestroyNotify  destroy)
{
  g_autoptr(GTask) task = g_steal_pointer (&cmd->task);

  cmd_abandon (cmd);
  if (task != NULL)
    g_task_return_pointer (task, value, destroy);
  else if (destroy != NULL && value != NULL)
    destroy (value);
}

GError *
_petrel_imap_cmd_response_error (PetrelImapCmd      *cmd,
                                 PetrelImapResponse *response)
{
  GError *error = petrel_imap_response_to_error (response);

  if (error == NULL)
    error = g_error_new (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_FAILED,
                         _("%s failed: %s"), cmd->name, petrel_imap_response_get_text (response));
  else
    g_prefix_error (&error, "%s: ", cmd->name);
  return error;
}

void
_petrel_imap_cmd_done_default (PetrelImapClient   *self,
                               PetrelImapCmd      *cmd,
                               PetrelImapResponse *response)
{
  if (petrel_imap_response_get_response_type (response) == PETREL_IMAP_RESPONSE_TYPE_OK)
    _petrel_imap_cmd_return_boolean (cmd, TRUE);
  else
    _petrel_imap_cmd_return_error (cmd, _petrel_imap_cmd_response_error (cmd, response));
}

void
_petrel_imap_cmd_set_fetch_func (PetrelImapCmd       *cmd,
                                 PetrelImapFetchFunc  func,
                                 gpointer             data,
                                 GDestroyNotify       destroy)
{
  cmd->fetch_func = func;
  cmd->fetch_data = data;
  cmd->fetch_destroy = destroy;
}

gboolean
_petrel_imap_cmd_deliver_fetch (PetrelImapClient   *self,
                                PetrelImapCmd      *cmd,
                                PetrelImapResponse *response)
{
  g_autoptr(GError) error = NULL;
  const PetrelImapFetch *fetch;

  fetch = petrel_imap_response_get_fetch (response, &error);
  if (fetch == NULL)
    {
      g_debug ("%s: dropping a malformed FETCH response: %s", self->host, error->message);
      return FALSE;
    }
  if (cmd->fetch_func != NULL && cmd->task != NULL)
    cmd->fetch_func (self, response, fetch, cmd->fetch_data);
  return TRUE;
}

static char *
next_tag (PetrelImapClient *self)
{
  return g_strdup_printf ("A%04u", ++self->next_tag);
}

PetrelImapCmd *
_petrel_imap_client_cmd_new (PetrelImapClient   *self,
                             const char         *name,
                             PetrelImapCmdFlags  flags,
                             GTask              *task)
{
  PetrelImapCmd *cmd = g_new0 (PetrelImapCmd, 1);
  g_autofree char *tag = next_tag (self);

  cmd->client = self;
  cmd->command = petrel_imap_command_new (tag, name);
  petrel_imap_command_set_utf8 (cmd->command, _petrel_imap_client_utf8_enabled (self));
  petrel_imap_command_set_raw_mailboxes (cmd->command, self->raw_mailbox_names);
  cmd->name = g_ascii_strup (name, -1);
  cmd->flags = flags;
  cmd->task = task;
  cmd->done = _petrel_imap_cmd_done_default;
  return cmd;
}

static gboolean
on_cmd_cancelled_cb (GCancellable *cancellable,
                     gpointer      user_data)
{
  PetrelImapCmd *cmd = user_data;
  PetrelImapClient *self = cmd->client;
  GList *link;

  g_clear_pointer (&cmd->cancel_source, g_source_unref);

  if (!cmd->sent && (link = g_queue_find (&self->pending, cmd)) != NULL)
    {
      g_queue_delete_link (&self->pending, link);
      _petrel_imap_cmd_return_error (cmd, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                               "Operation was cancelled"));
      cmd_free (cmd);
      petrel_imap_client_pump (self);
      return G_SOURCE_REMOVE;
    }

  /* Already sent: the answer will be read and dropped. */
  g_debug ("%s: %s %s cancelled while in flight", self->host,
           petrel_imap_command_get_tag (cmd->command), cmd->name);
  _petrel_imap_cmd_return_error (cmd, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                           "Operation was cancelled"));
  return G_SOURCE_REMOVE;
}

gboolean
_petrel_imap_client_check_state (PetrelImapClient *self,
                                 gboolean          need_selected,
                                 GTask            *task)
{
  if (self->state == PETREL_IMAP_CLIENT_STATE_CLOSED)
    {
      if (self->error != NULL && !g_error_matches (self->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_new_error (task, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_STATE,
                                 _("Not connected to %s: %s"), self->host, self->error->message);
      else
        g_task_return_new_error (task, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_STATE,
                                 _("Not connected to %s"), self->host);
      g_object_unref (task);
      return FALSE;
    }
  if (self->state != PETREL_IMAP_CLIENT_STATE_AUTHENTICATED &&
      self->state != PETREL_IMAP_CLIENT_STATE_SELECTED)
    {
      g_task_return_new_error (task, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_STATE,
                               _("Not logged in to %s"), self->host);
      g_object_unref (task);
      return FALSE;
    }
  if (need_selected && self->state != PETREL_IMAP_CLIENT_STATE_SELECTED)
    {
      g_task_return_new_error (task, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_STATE,
                               _("No mailbox is selected on %s"), self->host);
      g_object_unref (task);
      return FALSE;
    }
  return TRUE;
}

void
_petrel_imap_client_submit (PetrelImapClient *self,
                            PetrelImapCmd    *cmd)
{
  const GError *build_error = petrel_imap_command_get_error (cmd->command);
  GCancellable *cancellable;

  if (build_error != NULL)
    {
      _petrel_imap_cmd_return_error (cmd, g_error_new (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_INVALID,
                                                       "%s: %s", cmd->name, build_error->message));
      cmd_free (cmd);
      return;
    }

  if (self->state == PETREL_IMAP_CLIENT_STATE_CLOSED ||
      self->state == PETREL_IMAP_CLIENT_STATE_DISCONNECTED ||
      (self->state == PETREL_IMAP_CLIENT_STATE_CONNECTING &&
       (cmd->flags & PETREL_IMAP_CMD_CONNECT) == 0))
    {
      if (self->state == PETREL_IMAP_CLIENT_STATE_CLOSED && self->error != NULL)
        _petrel_imap_cmd_return_error (cmd, g_error_new (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_STATE,
                                                         _("%s: not connected to %s: %s"),
                                                         cmd->name, self->host,
                                                         self->error->message));
      else
        _petrel_imap_cmd_return_error (cmd, g_error_new (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_STATE,
                                                         _("%s: not connected to %s"), cmd->name,
                                                         self->host));
      cmd_free (cmd);
      return;
    }

  if ((cmd->flags & PETREL_IMAP_CMD_SELECTED) != 0 &&
      self->state != PETREL_IMAP_CLIENT_STATE_SELECTED)
    {
      _petrel_imap_cmd_return_error (cmd, g_error_new (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_STATE,
                                                       _("%s: no mailbox is selected"), cmd->name));
      cmd_free (cmd);
      return;
    }

  cancellable = cmd->task != NULL ? g_task_get_cancellable (cmd->task) : NULL;
  if (cancellable != NULL)
    {
      cmd->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (cmd->cancel_source, G_SOURCE_FUNC (on_cmd_cancelled_cb), cmd, NULL);
      g_source_attach (cmd->cancel_source, g_task_get_context (cmd->task));
    }

  g_queue_push_tail (&self->pending, cmd);
  petrel_imap_client_pump (self);
}

gboolean
_petrel_imap_client_utf8_enabled (PetrelImapClient *self)
{
  return self->enabled != NULL && g_hash_table_contains (self->enabled, "UTF8=ACCEPT");
}

PetrelImapMailboxState *
_petrel_imap_client_peek_selected (PetrelImapClient *self)
{
  return self->selected;
}

void
_petrel_imap_client_set_selected (PetrelImapClient       *self,
                                  PetrelImapMailboxState *state)
{
  g_clear_pointer (&self->selected, petrel_imap_mailbox_state_free);
  self->selected = state;
  if (self->state == PETREL_IMAP_CLIENT_STATE_AUTHENTICATED ||
      self->state == PETREL_IMAP_CLIENT_STATE_SELECTED)
    set_state (self, state != NULL ? PETREL_IMAP_CLIENT_STATE_SELECTED
                                   : PETREL_IMAP_CLIENT_STATE_AUTHENTICATED);
}

gboolean
_petrel_imap_client_expects_closed (PetrelImapClient *self)
{
  /* RFC 7162 section 3.2.11 (with QRESYNC on) and RFC 9051 (always). */
  return self->selected != NULL &&
         (petrel_imap_client_is_enabled (self, "QRESYNC") ||
          petrel_imap_client_has_capability (self, "IMAP4REV2"));
}

/* ---- Watchdog ------------------------------------------------------------------------------ */

static gboolean
is_waiting_for_server (PetrelImapClient *self)
{
  if (self->writing)
    return TRUE;
  /* Before logging in we wait for our caller's credentials (a keyring may ask to be unlocked),
   * not for the server. */
  if (self->state == PETREL_IMAP_CLIENT_STATE_CONNECTING && !self->awaiting_credentials)
    return TRUE;
  for (GList *l = self->in_flight.head; l != NULL; l = l->next)
    {
      PetrelImapCmd *cmd = l->data;

      if (self->idle != NULL && self->idle->cmd == cmd && self->idle->idling &&
          !self->idle->done_sent)
        continue;
      return TRUE;
    }
  return FALSE;
}

static gboolean
on_watchdog_cb (gpointer user_data)
{
  PetrelImapClient *self = user_data;
  gint64 elapsed_ms;

  g_clear_pointer (&self->watchdog, g_source_unref);

  if (self->state == PETREL_IMAP_CLIENT_STATE_CLOSED || !is_waiting_for_server (self))
    return G_SOURCE_REMOVE;

  elapsed_ms = (g_get_monotonic_time () - self->last_activity) / 1000;
  if (elapsed_ms >= self->timeout_ms)
    {
      guint seconds = (self->timeout_ms + 999) / 1000;

      petrel_imap_client_fail (self,
                               g_error_new (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_TIMEOUT,
                                            g_dngettext (GETTEXT_PACKAGE,
                                                         "%s did not answer within %u second",
                                                         "%s did not answer within %u seconds",
                                                         seconds),
                                            self->host, seconds));
      return G_SOURCE_REMOVE;
    }

  self->watchdog = g_timeout_source_new (self->timeout_ms - elapsed_ms);
  g_source_set_callback (self->watchdog, on_watchdog_cb, self, NULL);
  g_source_attach (self->watchdog, self->context);
  return G_SOURCE_REMOVE;
}

/* Call before something that makes us wait for the server. */
static void
arm_watchdog (PetrelImapClient *self)
{
  if (!is_waiting_for_server (self))
    touch (self);
  if (self->watchdog != NULL || self->state == PETREL_IMAP_CLIENT_STATE_CLOSED)
    return;
  self->watchdog = g_timeout_source_new (self->timeout_ms);
  g_source_set_callback (self->watchdog, on_watchdog_cb, self, NULL);
  g_source_attach (self->watchdog, self->context);
}

/* ---- Closing ------------------------------------------------------------------------------- */

static void
close_socket (PetrelImapClient *self)
{
  if (self->socket_connection != NULL)
    {
      GSocket *socket = g_socket_connection_get_socket (self->socket_connection);

      /* Closing the socket itself never blocks and works with reads still pending. */
      if (!g_socket_is_closed (socket))
        g_socket_close (socket, NULL);
    }
}

static void
petrel_imap_client_fail (PetrelImapClient *self,
                         GError           *error)
{
  g_autoptr(PetrelImapClient) hold = g_object_ref (self);
  g_autoptr(GTask) connect_task = NULL;
  GQueue commands = G_QUEUE_INIT;
  PetrelImapCmd *cmd;
  gboolean clean;

  if (self->state == PETREL_IMAP_CLIENT_STATE_CLOSED)
    {
      g_error_free (error);
      return;
    }

  clean = self->logging_out && error == NULL;
  if (error != NULL)
    g_debug ("%s: connection ends: %s", self->host, error->message);
  else
    g_debug ("%s: connection closed", self->host);

  if (error == NULL)
    error = g_error_new (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_STATE,
                         _("Logged out from %s"), self->host);
  self->error = error;
  set_state (self, PETREL_IMAP_CLIENT_STATE_CLOSED);

  g_cancellable_cancel (self->io_cancellable);
  close_socket (self);
  if (self->watchdog != NULL)
    {
      g_source_destroy (self->watchdog);
      g_clear_pointer (&self->watchdog, g_source_unref);
    }
  if (self->connect_cancel_source != NULL)
    {
      g_source_destroy (self->connect_cancel_source);
      g_clear_pointer (&self->connect_cancel_source, g_source_unref);
    }
  g_queue_clear_full (&self->write_queue, (GDestroyNotify) g_bytes_unref);
  self->waiting_continuation = NULL;
  connect_task = g_steal_pointer (&self->connect_task);
  if (self->idle != NULL && self->idle->cmd != NULL)
    {
      self->idle->cmd->data = NULL;
      self->idle->cmd = NULL;
    }

  while ((cmd = g_queue_pop_head (&self->in_flight)) != NULL)
    g_queue_push_tail (&commands, cmd);
  while ((cmd = g_queue_pop_head (&self->pending)) != NULL)
    g_queue_push_tail (&commands, cmd);

  /* Callbacks below may call back into us: the state is final by now. */
  if (connect_task != NULL)
    g_task_return_error (connect_task, g_error_copy (error));
  while ((cmd = g_queue_pop_head (&commands)) != NULL)
    {
      if (cmd->task != NULL)
        _petrel_imap_cmd_return_error (cmd, g_error_copy (error));
      cmd_free (cmd);
    }
  if (self->idle != NULL)
    idle_request_complete (self, g_error_copy (error));

  g_signal_emit (self, signals[SIGNAL_CLOSED], 0, clean ? NULL : error);
}

/* ---- Writer -------------------------------------------------------------------------------- */

static GBytes *
compress_bytes (PetrelImapClient  *self,
                GBytes            *bytes,
                GError           **error)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  gsize offset = 0;
  guint8 buffer[16 * 1024];

  for (;;)
    {
      gsize n_read = 0;
      gsize n_written = 0;
      GConverterResult result;

      result = g_converter_convert (self->compressor, data + offset, len - offset,
                                    buffer, sizeof buffer, G_CONVERTER_FLUSH,
                                    &n_read, &n_written, error);
      if (result == G_CONVERTER_ERROR)
        return NULL;
      offset += n_read;
      g_byte_array_append (out, buffer, n_written);
      if (result == G_CONVERTER_FLUSHED && offset == len)
        break;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

static void
write_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  WriteOp *op = user_data;
  g_autoptr(PetrelImapClient) self = op->io->client ? g_object_ref (op->io->client) : NULL;
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, &error);
  client_io_unref (op->io);
  g_bytes_unref (op->bytes);
  g_free (op);

  if (self == NULL || self->state == PETREL_IMAP_CLIENT_STATE_CLOSED)
    return;

  self->writing = FALSE;
  if (error != NULL)
    {
      petrel_imap_client_fail (self, connection_error (self, error));
      return;
    }
  touch (self);
  petrel_crash_point (PETREL_CRASH_NET_WRITE);

  if (self->write_queue.length > 0)
    petrel_imap_client_start_write (self);
  else
    petrel_imap_client_maybe_switch_streams (self);
}

static void
petrel_imap_client_start_write (PetrelImapClient *self)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  WriteOp *op;
  gsize len;
  gconstpointer data;

  if (self->writing || self->state == PETREL_IMAP_CLIENT_STATE_CLOSED)
    return;
  bytes = g_queue_pop_head (&self->write_queue);
  if (bytes == NULL)
    return;

  if (self->compressor != NULL)
    {
      GBytes *compressed = compress_bytes (self, bytes, &error);

      if (compressed == NULL)
        {
          petrel_imap_client_fail (self, g_error_new (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_FAILED,
                                                      _("Could not compress data for %s: %s"),
                                                      self->host, error->message));
          return;
        }
      g_bytes_unref (bytes);
      bytes = compressed;
    }

  op = g_new0 (WriteOp, 1);
  op->io = client_io_ref (self->io);
  op->bytes = g_steal_pointer (&bytes);
  data = g_bytes_get_data (op->bytes, &len);
  self->writing = TRUE;
  arm_watchdog (self);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (self->stream), data, len,
                                   G_PRIORITY_DEFAULT, self->io_cancellable, write_cb, op);
}

static void
queue_write (PetrelImapClient *self,
             GBytes           *bytes)
{
  g_queue_push_tail (&self->write_queue, g_bytes_ref (bytes));
  petrel_imap_client_start_write (self);
}

static void
queue_write_string (PetrelImapClient *self,
                    const char       *text)
{
  g_autoptr(GBytes) bytes = g_bytes_new (text, strlen (text));

  queue_write (self, bytes);
}

/* ---- Pump ---------------------------------------------------------------------------------- */

static PetrelImapLiteralMode
literal_mode (PetrelImapClient *self)
{
  if (petrel_imap_client_has_capability (self, "LITERAL+"))
    return PETREL_IMAP_LITERAL_PLUS;
  if (petrel_imap_client_has_capability (self, "LITERAL-") ||
      petrel_imap_client_has_capability (self, "IMAP4REV2"))
    return PETREL_IMAP_LITERAL_MINUS;
  return PETREL_IMAP_LITERAL_SYNC;
}

static gboolean
can_send (PetrelImapClient *self,
          PetrelImapCmd    *cmd)
{
  if ((cmd->flags & PETREL_IMAP_CMD_EXCLUSIVE) != 0 && self->in_flight.length > 0)
    return FALSE;
  for (GList *l = self->in_flight.head; l != NULL; l = l->next)
    {
      PetrelImapCmd *other = l->data;

      if ((other->flags & PETREL_IMAP_CMD_EXCLUSIVE) != 0)
        return FALSE;
      if ((cmd->flags & PETREL_IMAP_CMD_SERIAL) != 0 && g_str_equal (other->name, cmd->name))
        return FALSE;
    }
  return TRUE;
}

static void
send_next_chunk (PetrelImapClient *self,
                 PetrelImapCmd    *cmd)
{
  GBytes *chunk = g_ptr_array_index (cmd->chunks, cmd->next_chunk);

  cmd->next_chunk++;
  queue_write (self, chunk);
  self->waiting_continuation = cmd->next_chunk < cmd->chunks->len ? cmd : NULL;
}

static void
send_cmd (PetrelImapClient *self,
          PetrelImapCmd    *cmd)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *log = NULL;

  cmd->chunks = petrel_imap_command_serialize (cmd->command, literal_mode (self), &error);
  if (cmd->chunks == NULL)
    {
      _petrel_imap_cmd_return_error (cmd, g_error_new (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_INVALID,
                                                       "%s: %s", cmd->name, error->message));
      cmd_free (cmd);
      return;
    }

  log = petrel_imap_command_to_log_string (cmd->command);
  g_debug ("%s: C: %s", self->host, log);

  arm_watchdog (self);
  cmd->sent = TRUE;
  g_queue_push_tail (&self->in_flight, cmd);
  send_next_chunk (self, cmd);
}

static void
petrel_imap_client_pump (PetrelImapClient *self)
{
  PetrelImapCmd *cmd;

  if (self->state == PETREL_IMAP_CLIENT_STATE_CLOSED ||
      self->state == PETREL_IMAP_CLIENT_STATE_DISCONNECTED ||
      self->stream == NULL || self->starttls_ok)
    return;

  /* Something wants the connection: end a running IDLE; it resumes afterwards. */
  if (self->idle != NULL && self->idle->idling && !self->idle->done_sent &&
      self->pending.length > 0)
    petrel_imap_client_idle_send_done (self);

  while (self->waiting_continuation == NULL && (cmd = g_queue_peek_head (&self->pending)) != NULL)
    {
      if (!can_send (self, cmd))
        break;
      g_queue_pop_head (&self->pending);
      send_cmd (self, cmd);
      if (self->state == PETREL_IMAP_CLIENT_STATE_CLOSED)
        break;
    }
}

/* ---- Dispatch ------------------------------------------------------------------------------ */

static void
set_capabilities (PetrelImapClient *self,
                  char            **capabilities)
{
  g_strfreev (self->capabilities);
  self->capabilities = capabilities;
  if (capabilities != NULL)
    {
      g_autofree char *joined = g_strjoinv (" ", capabilities);

      g_debug ("%s: capabilities: %s", self->host, joined);
    }
}

/* Before STARTTLS (or the TLS handshake) completes on a connection that must be encrypted,
 * anyone on the path can write the server's lines: their text is never shown to the person
 * (an [ALERT], a BYE or a refusal could be a phishing message), only logged (issue #10). */
static gboolean
is_unprotected (PetrelImapClient *self)
{
  return self->security != PETREL_IMAP_SECURITY_NONE && !petrel_imap_client_is_tls (self);
}

static void
handle_status_code (PetrelImapClient   *self,
                    PetrelImapResponse *response)
{
  switch (petrel_imap_response_get_code (response))
    {
    case PETREL_IMAP_CODE_CAPABILITY:
      {
        char **caps = petrel_imap_response_dup_capabilities (response, NULL);

        if (caps != NULL)
          set_capabilities (self, caps);
      }
      break;

    case PETREL_IMAP_CODE_ALERT:
      if (is_unprotected (self))
        g_debug ("%s: S: [ALERT] before TLS, not shown: %s", self->host,
                 petrel_imap_response_get_text (response));
      else
        g_signal_emit (self, signals[SIGNAL_ALERT], 0, petrel_imap_response_get_text (response));
      break;

    case PETREL_IMAP_CODE_HIGHESTMODSEQ:
      {
        guint64 modseq;

        /* Outside SELECT (which claims its own codes) this reports a new highest mod-sequence. */
        if (self->selected != NULL && petrel_imap_response_get_code_number (response, &modseq))
          self->selected->highestmodseq = modseq;
      }
      break;

    default:
      break;
    }
}

static void
handle_unsolicited (PetrelImapClient   *self,
                    PetrelImapResponse *response)
{
  g_autoptr(GError) error = NULL;

  switch (petrel_imap_response_get_response_type (response))
    {
    case PETREL_IMAP_RESPONSE_TYPE_EXISTS:
      if (self->selected != NULL)
        self->selected->exists = petrel_imap_response_get_number (response);
      g_signal_emit (self, signals[SIGNAL_EXISTS], 0, petrel_imap_response_get_number (response));
      break;

    case PETREL_IMAP_RESPONSE_TYPE_RECENT:
      if (self->selected != NULL)
        self->selected->recent = petrel_imap_response_get_number (response);
      break;

    case PETREL_IMAP_RESPONSE_TYPE_EXPUNGE:
      if (self->selected != NULL && self->selected->exists > 0)
        self->selected->exists--;
      g_signal_emit (self, signals[SIGNAL_EXPUNGED], 0, petrel_imap_response_get_number (response));
      break;

    case PETREL_IMAP_RESPONSE_TYPE_VANISHED:
      {
        g_autoptr(PetrelImapSeqSet) uids = NULL;
        gboolean earlier = FALSE;

        if (!petrel_imap_response_get_vanished (response, &earlier, &uids, &error))
          {
            g_debug ("%s: dropping a malformed VANISHED: %s", self->host, error->message);
            break;
          }
        if (!earlier && self->selected != NULL)
          {
            guint64 n = petrel_imap_seqset_count (uids);

            self->selected->exists = n >= self->selected->exists ? 0 : self->selected->exists - n;
          }
        g_signal_emit (self, signals[SIGNAL_VANISHED], 0, uids, earlier);
      }
      break;

    case PETREL_IMAP_RESPONSE_TYPE_FETCH:
      {
        const PetrelImapFetch *fetch = petrel_imap_response_get_fetch (response, &error);

        if (fetch == NULL)
          {
            g_debug ("%s: dropping a malformed FETCH: %s", self->host, error->message);
            break;
          }
        if (self->selected != NULL && (fetch->items & PETREL_IMAP_FETCH_MODSEQ) != 0 &&
            fetch->modseq > self->selected->highestmodseq)
          self->selected->highestmodseq = fetch->modseq;
        g_signal_emit (self, signals[SIGNAL_FETCH], 0, response, fetch);
      }
      break;

    case PETREL_IMAP_RESPONSE_TYPE_FLAGS:
      if (self->selected != NULL)
        {
          char **flags = petrel_imap_response_dup_flags (response, NULL);

          if (flags != NULL)
            {
              g_strfreev (self->selected->flags);
              self->selected->flags = flags;
            }
        }
      break;

    case PETREL_IMAP_RESPONSE_TYPE_ENABLED:
      break;

    default:
      {
        g_autofree char *text = petrel_imap_response_to_string (response);

        g_debug ("%s: ignoring unsolicited %s", self->host, text);
      }
      break;
    }
}

static void
handle_greeting (PetrelImapClient   *self,
                 PetrelImapResponse *response)
{
  PetrelImapResponseType type = petrel_imap_response_get_response_type (response);

  self->greeting_seen = TRUE;
  if (petrel_imap_response_get_kind (response) != PETREL_IMAP_RESPONSE_UNTAGGED ||
      (type != PETREL_IMAP_RESPONSE_TYPE_OK && type != PETREL_IMAP_RESPONSE_TYPE_PREAUTH &&
       type != PETREL_IMAP_RESPONSE_TYPE_BYE))
    {
      g_autofree char *raw = petrel_imap_response_to_string (response);
      /* The tag and data are the server's bytes: make them fit for a message. */
      g_autofree char *text = petrel_imap_sanitize_text (raw, -1, 200);

      petrel_imap_client_fail (self, g_error_new (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_PARSE,
                                                  _("%s did not greet like an IMAP server: %s"),
                                                  self->host, text));
      return;
    }

  g_debug ("%s: S: greeting %s", self->host, petrel_imap_response_get_name (response));
  if (type == PETREL_IMAP_RESPONSE_TYPE_BYE && is_unprotected (self))
    {
      petrel_imap_client_fail (self, g_error_new (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_BYE,
                                                  _("%s refused the connection"), self->host));
      return;
    }
  if (type == PETREL_IMAP_RESPONSE_TYPE_BYE)
    {
      petrel_imap_client_fail (self, g_error_new (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_BYE,
                                                  _("%s refused the connection: %s"), self->host,
                                                  petrel_imap_response_get_text (response)));
      return;
    }

  handle_status_code (self, response);
  self->preauth = type == PETREL_IMAP_RESPONSE_TYPE_PREAUTH;
  petrel_imap_client_connect_step (self);
}

static void
handle_untagged (PetrelImapClient   *self,
                 PetrelImapResponse *response)
{
  PetrelImapResponseType type = petrel_imap_response_get_response_type (response);

  if (!self->greeting_seen)
    {
      handle_greeting (self, response);
      return;
    }

  if (petrel_imap_response_is_status (response))
    {
      handle_status_code (self, response);
      if (type == PETREL_IMAP_RESPONSE_TYPE_BYE)
        {
          g_debug ("%s: S: BYE %s", self->host, petrel_imap_response_get_text (response));
          if (self->bye == NULL && is_unprotected (self))
            self->bye = g_error_new (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_BYE,
                                     _("%s closed the connection before it was encrypted"),
                                     self->host);
          else if (self->bye == NULL)
            self->bye = g_error_new (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_BYE,
                                     _("%s closed the connection: %s"), self->host,
                                     petrel_imap_response_get_text (response));
        }
      else if (type == PETREL_IMAP_RESPONSE_TYPE_BAD || type == PETREL_IMAP_RESPONSE_TYPE_NO)
        {
          g_debug ("%s: S: untagged %s %s", self->host, petrel_imap_response_get_name (response),
                   petrel_imap_response_get_text (response));
        }
    }
  else if (type == PETREL_IMAP_RESPONSE_TYPE_CAPABILITY)
    {
      char **caps = petrel_imap_response_dup_capabilities (response, NULL);

      if (caps != NULL)
        set_capabilities (self, caps);
      return;
    }
  else if (type == PETREL_IMAP_RESPONSE_TYPE_ENABLED)
    {
      g_auto(GStrv) enabled = petrel_imap_response_dup_enabled (response, NULL);

      for (guint i = 0; enabled != NULL && enabled[i] != NULL; i++)
        g_hash_table_add (self->enabled, g_strdup (enabled[i]));
    }

  for (GList *l = self->in_flight.head; l != NULL; l = l->next)
    {
      PetrelImapCmd *cmd = l->data;

      if (cmd->untagged != NULL && cmd->untagged (self, cmd, response))
        return;
    }

  if (!petrel_imap_response_is_status (response))
    handle_unsolicited (self, response);
}

static void
handle_tagged (PetrelImapClient   *self,
               PetrelImapResponse *response)
{
  const char *tag = petrel_imap_response_get_tag (response);
  const char *code;
  PetrelImapCmd *cmd = NULL;

  for (GList *l = self->in_flight.head; l != NULL; l = l->next)
    {
      PetrelImapCmd *candidate = l->data;

      if (g_strcmp0 (petrel_imap_command_get_tag (candidate->command), tag) == 0)
        {
          cmd = candidate;
          g_queue_delete_link (&self->in_flight, l);
          break;
        }
    }

  if (cmd == NULL)
    {
      g_autofree char *raw = petrel_imap_response_to_string (response);
      /* The tag is the server's bytes (any 8-bit byte): make it fit for a message. */
      g_autofree char *text = petrel_imap_sanitize_text (raw, -1, 200);

      petrel_imap_client_fail (self,
                               g_error_new (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_PARSE,
                                            _("%s answered a command that was never sent: %s"),
                                            self->host, text));
      return;
    }

  code = petrel_imap_response_get_code_name (response);
  g_debug ("%s: S: %s %s%s%s%s %s", self->host, tag, petrel_imap_response_get_name (response),
           code ? " [" : "", code ? code : "", code ? "]" : "",
           petrel_imap_response_get_text (response));

  if (self->waiting_continuation == cmd)
    self->waiting_continuation = NULL;
  handle_status_code (self, response);
  cmd->done (self, cmd, response);
  cmd_free (cmd);
  /* Commands held back by this one (exclusive, serial) may go now. */
  petrel_imap_client_pump (self);
}

static void
handle_continuation (PetrelImapClient   *self,
                     PetrelImapResponse *response)
{
  if (self->waiting_continuation != NULL)
    {
      send_next_chunk (self, self->waiting_continuation);
      petrel_imap_client_pump (self);
      return;
    }

  for (GList *l = self->in_flight.head; l != NULL; l = l->next)
    {
      PetrelImapCmd *cmd = l->data;

      if (cmd->continuation != NULL)
        {
          cmd->continuation (self, cmd, response);
          return;
        }
    }

  petrel_imap_client_fail (self, g_error_new (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_PARSE,
                                              _("%s sent a continuation request nobody asked for"),
                                              self->host));
}

static void
dispatch_response (PetrelImapClient   *self,
                   PetrelImapResponse *response)
{
  switch (petrel_imap_response_get_kind (response))
    {
    case PETREL_IMAP_RESPONSE_CONTINUATION:
      if (!self->greeting_seen)
        handle_greeting (self, response);
      else
        handle_continuation (self, response);
      break;

    case PETREL_IMAP_RESPONSE_TAGGED:
      if (!self->greeting_seen)
        handle_greeting (self, response);
      else
        handle_tagged (self, response);
      break;

    case PETREL_IMAP_RESPONSE_UNTAGGED:
    default:
      handle_untagged (self, response);
      break;
    }
}

/* ---- Reader -------------------------------------------------------------------------------- */

/* Feeds @data to the parser and dispatches what it completes. FALSE once the connection is over. */
static gboolean
feed_parser (PetrelImapClient *self,
             const guint8     *data,
             gsize             len)
{
  g_autoptr(GError) error = NULL;
  PetrelImapResponse *response;
  gboolean ok;

  ok = petrel_imap_parser_feed (self->parser, data, len, &error);
  while ((response = petrel_imap_parser_pop (self->parser)) != NULL)
    {
      if (self->state != PETREL_IMAP_CLIENT_STATE_CLOSED)
        dispatch_response (self, response);
      petrel_imap_response_unref (response);
    }
  if (!ok && self->state != PETREL_IMAP_CLIENT_STATE_CLOSED)
    {
      GError *fatal;

      if (error->domain == PETREL_IMAP_ERROR)
        fatal = g_error_new (PETREL_IMAP_ERROR, error->code,
                             _("%s sent a response that cannot be understood: %s"),
                             self->host, error->message);
      else
        fatal = g_error_new (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_PARSE,
                             _("%s sent a response that cannot be understood: %s"),
                             self->host, error->message);
      petrel_imap_client_fail (self, fatal);
    }
  return self->state != PETREL_IMAP_CLIENT_STATE_CLOSED;
}

static gboolean
switch_in_flight (PetrelImapClient *self)
{
  for (GList *l = self->in_flight.head; l != NULL; l = l->next)
    if ((((PetrelImapCmd *) l->data)->flags & PETREL_IMAP_CMD_SWITCH) != 0)
      return TRUE;
  return FALSE;
}

static gboolean process_input (PetrelImapClient *self,
                               const guint8     *data,
                               gsize             len);

/* Plain (decompressed) bytes. */
static gboolean
process_plain (PetrelImapClient *self,
               const guint8     *data,
               gsize             len)
{
  while (len > 0)
    {
      gsize segment = len;

      /* While STARTTLS or COMPRESS is in flight, feed one line at a time so that we know exactly
       * where its tagged OK ends. */
      if (switch_in_flight (self))
        {
          const guint8 *lf = memchr (data, '\n', len);

          if (lf != NULL)
            segment = lf - data + 1;
        }

      if (!feed_parser (self, data, segment))
        return FALSE;
      data += segment;
      len -= segment;

      if (self->starttls_ok)
        {
          /* Anything after the OK was sent before the handshake: an injection attempt
           * (CVE-2011-0411 style) or a broken server. Never read it as protected data. */
          if (len > 0 || petrel_imap_parser_is_mid_response (self->parser))
            {
              petrel_imap_client_fail (self, g_error_new (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_TLS,
                                                          _("%s sent data before the TLS handshake "
                                                            "of STARTTLS; refusing the connection"),
                                                          self->host));
              return FALSE;
            }
          return TRUE;
        }

      if (self->compress_started)
        {
          self->compress_started = FALSE;
          if (petrel_imap_parser_is_mid_response (self->parser))
            {
              petrel_imap_client_fail (self,
                                       g_error_new (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_PARSE,
                                                    _("%s sent a partial response before "
                                                      "compression started"), self->host));
              return FALSE;
            }
          return process_input (self, data, len);
        }
    }
  return TRUE;
}

static gboolean
process_input (PetrelImapClient *self,
               const guint8     *data,
               gsize             len)
{
  guint8 buffer[READ_SIZE];

  if (self->decompressor == NULL)
    return process_plain (self, data, len);

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gsize n_read = 0;
      gsize n_written = 0;
      GConverterResult result;

      /* zlib may hold more output than one buffer: call again until it has none left. */
      result = g_converter_convert (self->decompressor, data, len, buffer, sizeof buffer,
                                    G_CONVERTER_NO_FLAGS, &n_read, &n_written, &error);
      if (result == G_CONVERTER_ERROR)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT))
            break;
          petrel_imap_client_fail (self, g_error_new (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_PARSE,
                                                      _("%s sent corrupt compressed data: %s"),
                                                      self->host, error->message));
          return FALSE;
        }
      data += n_read;
      len -= n_read;
      if (n_written > 0 && !process_plain (self, buffer, n_written))
        return FALSE;
      if (result == G_CONVERTER_FINISHED)
        break;
      if (len == 0 && n_written < sizeof buffer)
        break;
      if (n_read == 0 && n_written == 0)
        break;
    }
  return TRUE;
}

static void
handle_eof (PetrelImapClient *self)
{
  GError *error;

  if (self->logging_out)
    {
      PetrelImapCmd *logout = NULL;

      /* Some servers hang up right after BYE without the tagged OK. */
      for (GList *l = self->in_flight.head; l != NULL; l = l->next)
        {
          PetrelImapCmd *cmd = l->data;

          if (g_str_equal (cmd->name, "LOGOUT"))
            {
              g_queue_delete_link (&self->in_flight, l);
              logout = cmd;
              break;
            }
        }
      /* Closed first, as in logout_done(): the caller's callback finds the client closed. */
      petrel_imap_client_fail (self, NULL);
      if (logout != NULL)
        {
          _petrel_imap_cmd_return_boolean (logout, TRUE);
          cmd_free (logout);
        }
      return;
    }

  if (petrel_imap_parser_is_mid_response (self->parser))
    error = g_error_new (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_CONNECTION_CLOSED,
                         _("Connection to %s closed in the middle of a response"), self->host);
  else if (self->bye != NULL)
    error = g_error_copy (self->bye);
  else
    error = g_error_new (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_CONNECTION_CLOSED,
                         _("Connection to %s closed by the server"), self->host);
  petrel_imap_client_fail (self, error);
}

/* What is read in one go without going back to the main loop: each asynchronous read costs a
 * source, a task and a wakeup of the context, and a TLS stream gives at most one 16 KiB record
 * per read; the data already waiting is read without blocking, up to this much, so a big
 * FETCH costs a few main-loop turns per megabyte rather than dozens (#4), while other sources
 * of the context still get their turn. */
#define READ_BURST_MAX (1024 * 1024)

/* Handles one read's outcome; returns TRUE when the client wants more input now. */
static gboolean
handle_read (PetrelImapClient *self,
             gssize            n,
             GError           *error)
{
  if (n < 0)
    {
      if (self->logging_out && petrel_imap_client_get_n_in_flight (self) == 0)
        petrel_imap_client_fail (self, NULL);
      else if (self->bye != NULL)
        petrel_imap_client_fail (self, g_error_copy (self->bye));
      else
        petrel_imap_client_fail (self, connection_error (self, error));
      return FALSE;
    }
  if (n == 0)
    {
      handle_eof (self);
      return FALSE;
    }

  touch (self);
  return process_input (self, self->io->buffer, n) && !self->read_paused &&
         self->state != PETREL_IMAP_CLIENT_STATE_CLOSED;
}

static void
read_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  PetrelImapClientIo *io = user_data;
  g_autoptr(PetrelImapClient) self = io->client ? g_object_ref (io->client) : NULL;
  g_autoptr(GError) error = NULL;
  GInputStream *stream = G_INPUT_STREAM (object);
  gsize burst = 0;
  gssize n;

  n = g_input_stream_read_finish (stream, result, &error);

  if (self == NULL || self->state == PETREL_IMAP_CLIENT_STATE_CLOSED)
    {
      client_io_unref (io);
      return;
    }

  self->reading = FALSE;
  while (handle_read (self, n, error))
    {
      burst += n;
      /* Not once STARTTLS has put a new stream in place. */
      if (burst >= READ_BURST_MAX || g_io_stream_get_input_stream (self->stream) != stream ||
          !G_IS_POLLABLE_INPUT_STREAM (stream) ||
          !g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (stream)))
        {
          petrel_imap_client_start_reading (self);
          break;
        }

      g_clear_error (&error);
      n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (stream),
                                                    io->buffer, READ_SIZE,
                                                    self->io_cancellable, &error);
      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          petrel_imap_client_start_reading (self);
          break;
        }
    }
  client_io_unref (io);
}

static void
petrel_imap_client_start_reading (PetrelImapClient *self)
{
  if (self->reading || self->read_paused || self->state == PETREL_IMAP_CLIENT_STATE_CLOSED)
    return;
  self->reading = TRUE;
  g_input_stream_read_async (g_io_stream_get_input_stream (self->stream), self->io->buffer,
                             READ_SIZE, G_PRIORITY_DEFAULT, self->io_cancellable, read_cb,
                             client_io_ref (self->io));
}

/* ---- TLS ----------------------------------------------------------------------------------- */

static gboolean
on_accept_certificate_cb (GTlsConnection       *connection,
                          GTlsCertificate      *peer_certificate,
                          GTlsCertificateFlags  errors,
                          gpointer              user_data)
{
  PetrelImapClient *self = user_data;

  /* Remember what was wrong; the account layer may still accept it (pinning) in its own
   * handler, connected through "tls-connection-created". */
  g_set_object (&self->peer_certificate, peer_certificate);
  self->peer_certificate_errors = errors;
  return FALSE;
}

static void
tls_handshake_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  PetrelImapClientIo *io = user_data;
  g_autoptr(PetrelImapClient) self = io->client ? g_object_ref (io->client) : NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  ok = g_tls_connection_handshake_finish (G_TLS_CONNECTION (object), result, &error);
  client_io_unref (io);
  if (self == NULL || self->state == PETREL_IMAP_CLIENT_STATE_CLOSED)
    return;

  if (!ok)
    {
      GTlsCertificate *peer = self->peer_certificate;

      if (g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE) && peer != NULL)
        {
          g_autofree char *why = describe_certificate_errors (self->peer_certificate_errors);
          g_autofree char *fingerprint = certificate_fingerprint (peer);
          g_autofree char *subject = NULL;
          g_autofree char *issuer = NULL;

          g_object_get (peer, "subject-name", &subject, "issuer-name", &issuer, NULL);
          petrel_imap_client_fail (self,
                                   g_error_new (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_CERTIFICATE,
                                                _("The certificate of %s is not trusted "
                                                  "(%s). Subject: %s; issuer: %s; "
                                                  "SHA-256 fingerprint: %s"),
                                                self->host, why,
                                                subject ? subject : "unknown",
                                                issuer ? issuer : "unknown", fingerprint));
        }
      else
        {
          petrel_imap_client_fail (self, g_error_new (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_TLS,
                                                      _("TLS with %s failed: %s"), self->host,
                                                      error->message));
        }
      return;
    }

  g_clear_object (&self->peer_certificate);
  self->peer_certificate = g_tls_connection_get_peer_certificate (G_TLS_CONNECTION (object));
  if (self->peer_certificate != NULL)
    g_object_ref (self->peer_certificate);
  self->peer_certificate_errors =
    g_tls_connection_get_peer_certificate_errors (G_TLS_CONNECTION (object));
  g_debug ("%s: TLS established", self->host);

  self->stream = G_IO_STREAM (self->tls_connection);
  self->starttls_ok = FALSE;
  self->read_paused = FALSE;
  petrel_imap_client_start_reading (self);

  if (self->greeting_seen)
    {
      /* After STARTTLS: what we knew before may have been forged; ask again. */
      g_clear_pointer (&self->capabilities, g_strfreev);
      petrel_imap_client_connect_step (self);
    }
  petrel_imap_client_pump (self);
}

static void
start_tls (PetrelImapClient *self)
{
  g_autoptr(GSocketConnectable) identity = NULL;
  g_autoptr(GError) error = NULL;
  GIOStream *tls;

  identity = g_network_address_new (self->host, self->port);
  /* A database given at construction keeps the connection from loading the system's CA
   * bundle first for nothing (#4: 20–30 ms of every run of an account with its own CA). */
  if (self->tls_database != NULL)
    tls = g_initable_new (g_tls_backend_get_client_connection_type (g_tls_backend_get_default ()),
                          NULL, &error, "base-io-stream", self->socket_connection,
                          "server-identity", identity, "database", self->tls_database, NULL);
  else
    tls = g_tls_client_connection_new (G_IO_STREAM (self->socket_connection), identity, &error);
  if (tls == NULL)
    {
      petrel_imap_client_fail (self, g_error_new (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_TLS,
                                                  _("TLS is not available: %s"), error->message));
      return;
    }
  self->tls_connection = G_TLS_CLIENT_CONNECTION (tls);
  if (self->tls_database != NULL)
    g_tls_connection_set_database (G_TLS_CONNECTION (tls), self->tls_database);
  g_signal_connect_object (tls, "accept-certificate",
                           G_CALLBACK (on_accept_certificate_cb), self, 0);
  g_signal_emit (self, signals[SIGNAL_TLS_CONNECTION_CREATED], 0, tls);
  if (self->state == PETREL_IMAP_CLIENT_STATE_CLOSED)
    return;

  arm_watchdog (self);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT,
                                    self->io_cancellable, tls_handshake_cb,
                                    client_io_ref (self->io));
}

static void
petrel_imap_client_maybe_switch_streams (PetrelImapClient *self)
{
  if (!self->starttls_ok || self->writing || self->write_queue.length > 0 ||
      self->tls_connection != NULL)
    return;
  start_tls (self);
}

/* ---- Connect ------------------------------------------------------------------------------- */

static void
connect_return_error (PetrelImapClient *self,
                      GError           *error)
{
  /* A failed step during connect ends the connection; petrel_imap_client_fail() then completes
   * connect_task with the error. */
  petrel_imap_client_fail (self, error);
}

static void
connect_internal_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  PetrelImapClient *self = PETREL_IMAP_CLIENT (object);
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (self->state != PETREL_IMAP_CLIENT_STATE_CLOSED)
        connect_return_error (self, g_steal_pointer (&error));
      return;
    }
  petrel_imap_client_connect_step (self);
}

static GTask *
internal_task (PetrelImapClient *self,
               gpointer          source_tag)
{
  GTask *task = g_task_new (self, NULL, connect_internal_cb, NULL);

  g_task_set_source_tag (task, source_tag);
  return task;
}

static void
starttls_task_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  PetrelImapClient *self = PETREL_IMAP_CLIENT (object);
  g_autoptr(GError) error = NULL;

  /* Success goes on in tls_handshake_cb(). */
  if (!g_task_propagate_boolean (G_TASK (result), &error) &&
      self->state != PETREL_IMAP_CLIENT_STATE_CLOSED)
    connect_return_error (self, g_steal_pointer (&error));
}

static void
starttls_done (PetrelImapClient   *self,
               PetrelImapCmd      *cmd,
               PetrelImapResponse *response)
{
  if (petrel_imap_response_get_response_type (response) != PETREL_IMAP_RESPONSE_TYPE_OK)
    {
      /* Never fall back to a plain connection. The answer's text came unencrypted: logged,
       * not shown. */
      g_debug ("%s: S: STARTTLS refused: %s", self->host,
               petrel_imap_response_get_text (response));
      connect_return_error (self, g_error_new (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_TLS,
                                               _("STARTTLS refused by %s (the server answered %s)"),
                                               self->host,
                                               petrel_imap_response_get_name (response)));
      return;
    }
  /* The reader stops after this line and checks nothing follows; the handshake starts when the
   * writer is idle; connect_step() goes on once it succeeds (see tls_handshake_cb()). */
  self->starttls_ok = TRUE;
  self->read_paused = TRUE;
  _petrel_imap_cmd_return_boolean (cmd, TRUE);
  petrel_imap_client_maybe_switch_streams (self);
}

static void
capability_done (PetrelImapClient   *self,
                 PetrelImapCmd      *cmd,
                 PetrelImapResponse *response)
{
  if (petrel_imap_response_get_response_type (response) == PETREL_IMAP_RESPONSE_TYPE_OK &&
      self->capabilities == NULL)
    {
      _petrel_imap_cmd_return_error (cmd, g_error_new (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_PARSE,
                                                       _("%s did not list its capabilities"),
                                                       self->host));
      return;
    }
  _petrel_imap_cmd_done_default (self, cmd, response);
}

static void
send_capability (PetrelImapClient   *self,
                 PetrelImapCmdFlags  flags,
                 GTask              *task)
{
  PetrelImapCmd *cmd = _petrel_imap_client_cmd_new (self, "CAPABILITY",
                                                    flags | PETREL_IMAP_CMD_SERIAL, task);

  if ((flags & PETREL_IMAP_CMD_CONNECT) != 0)
    g_clear_pointer (&self->capabilities, g_strfreev);
  cmd->done = capability_done;
  _petrel_imap_client_submit (self, cmd);
}

static gboolean
peer_is_loopback (PetrelImapClient *self)
{
  g_autoptr(GSocketAddress) address = NULL;

  address = g_socket_connection_get_remote_address (self->socket_connection, NULL);
  if (address == NULL || !G_IS_INET_SOCKET_ADDRESS (address))
    return FALSE;
  return g_inet_address_get_is_loopback (
    g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
}

static void
auth_data_free (AuthData *data)
{
  g_clear_pointer (&data->initial, g_bytes_unref);
  g_free (data);
}

/* Base64 of @raw (wiped afterwards), as a string the caller must wipe. */
static char *
sasl_encode (GString *raw)
{
  char *encoded = g_base64_encode ((const guchar *) raw->str, raw->len);

  explicit_bzero (raw->str, raw->len);
  return encoded;
}

static void
auth_continuation (PetrelImapClient   *self,
                   PetrelImapCmd      *cmd,
                   PetrelImapResponse *response)
{
  AuthData *data = cmd->data;

  data->step++;
  g_debug ("%s: S: + <challenge>", self->host);
  if (!data->sent_initial && data->initial != NULL)
    {
      data->sent_initial = TRUE;
      g_debug ("%s: C: <redacted>", self->host);
      queue_write (self, data->initial);
      return;
    }

  /* A challenge after our credentials: XOAUTH2 sends an error in JSON and expects an empty
   * response, OAUTHBEARER expects %x01 (RFC 7628 section 3.2.3); then the server says NO. */
  if (data->mechanism == PETREL_IMAP_AUTH_OAUTHBEARER)
    queue_write_string (self, "AQ==\r\n");
  else if (data->mechanism == PETREL_IMAP_AUTH_XOAUTH2)
    queue_write_string (self, "\r\n");
  else
    queue_write_string (self, "*\r\n"); /* cancel the exchange (RFC 3501 section 6.2.2) */
}

static void
auth_done (PetrelImapClient   *self,
           PetrelImapCmd      *cmd,
           PetrelImapResponse *response)
{
  PetrelImapResponseType type = petrel_imap_response_get_response_type (response);

  if (type == PETREL_IMAP_RESPONSE_TYPE_OK)
    {
      /* Capabilities change with login: unless the OK listed the new ones, ask again. */
      if (petrel_imap_response_get_code (response) != PETREL_IMAP_CODE_CAPABILITY)
        g_clear_pointer (&self->capabilities, g_strfreev);
      _petrel_imap_cmd_return_boolean (cmd, TRUE);
      return;
    }

  {
    g_autoptr(GError) server_error = petrel_imap_response_to_error (response);
    GError *error;

    /* Keep precise codes the server gave (UNAVAILABLE, ...), but a plain NO to a login is a
     * refused login. */
    if (server_error != NULL && server_error->code != PETREL_IMAP_ERROR_NO &&
        server_error->code != PETREL_IMAP_ERROR_BAD)
      error = g_error_new (PETREL_IMAP_ERROR, server_error->code, _("Login to %s failed: %s"),
                           self->host, petrel_imap_response_get_text (response));
    else
      error = g_error_new (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_AUTH, _("Login to %s failed: %s"),
                           self->host, petrel_imap_response_get_text (response));
    _petrel_imap_cmd_return_error (cmd, error);
  }
}

static PetrelImapAuthMechanism
choose_mechanism (PetrelImapClient *self)
{
  if (self->auth_mechanism != PETREL_IMAP_AUTH_AUTO)
    return self->auth_mechanism;
  if (self->oauth_token != NULL)
    {
      if (petrel_imap_client_has_capability (self, "AUTH=OAUTHBEARER"))
        return PETREL_IMAP_AUTH_OAUTHBEARER;
      return PETREL_IMAP_AUTH_XOAUTH2;
    }
  if (petrel_imap_client_has_capability (self, "AUTH=PLAIN"))
    return PETREL_IMAP_AUTH_PLAIN;
  return PETREL_IMAP_AUTH_LOGIN;
}

static void
send_login (PetrelImapClient *self)
{
  PetrelImapAuthMechanism mechanism;
  PetrelImapCmdFlags flags = PETREL_IMAP_CMD_CONNECT | PETREL_IMAP_CMD_EXCLUSIVE;
  g_autoptr(GTask) task = internal_task (self, send_login);
  g_autoptr(GString) raw = g_string_new (NULL);
  g_autofree char *encoded = NULL;
  const char *mech_name = NULL;
  PetrelImapCmd *cmd;
  AuthData *data;

  if (self->security == PETREL_IMAP_SECURITY_NONE && !peer_is_loopback (self))
    {
      connect_return_error (self, g_error_new (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_AUTH,
                                               _("Refusing to send credentials to %s without "
                                                 "TLS"), self->host));
      return;
    }

  mechanism = choose_mechanism (self);
  switch (mechanism)
    {
    case PETREL_IMAP_AUTH_LOGIN:
      if (petrel_imap_client_has_capability (self, "LOGINDISABLED"))
        {
          connect_return_error (self, g_error_new (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_UNSUPPORTED,
                                                   _("%s does not allow LOGIN"), self->host));
          return;
        }
      if (self->password == NULL)
        {
          connect_return_error (self, g_error_new (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_AUTH,
                                                   _("No password for %s"), self->host));
          return;
        }
      cmd = _petrel_imap_client_cmd_new (self, "LOGIN", flags, g_steal_pointer (&task));
      petrel_imap_command_add_astring (cmd->command, self->user, NULL);
      petrel_imap_command_add_astring (cmd->command, self->password, NULL);
      cmd->done = auth_done;
      _petrel_imap_client_submit (self, cmd);
      return;

    case PETREL_IMAP_AUTH_PLAIN:
      if (self->password == NULL)
        {
          connect_return_error (self, g_error_new (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_AUTH,
                                                   _("No password for %s"), self->host));
          return;
        }
      mech_name = "PLAIN";
      g_string_append_c (raw, '\0');
      g_string_append (raw, self->user);
      g_string_append_c (raw, '\0');
      g_string_append (raw, self->password);
      break;

    case PETREL_IMAP_AUTH_XOAUTH2:
      if (self->oauth_token == NULL)
        {
          connect_return_error (self, g_error_new (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_AUTH,
                                                   _("No OAuth token for %s"), self->host));
          return;
        }
      mech_name = "XOAUTH2";
      g_string_append_printf (raw, "user=%s\001auth=Bearer %s\001\001",
                              self->user, self->oauth_token);
      break;

    case PETREL_IMAP_AUTH_OAUTHBEARER:
      if (self->oauth_token == NULL)
        {
          connect_return_error (self, g_error_new (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_AUTH,
                                                   _("No OAuth token for %s"), self->host));
          return;
        }
      mech_name = "OAUTHBEARER";
      g_string_append_printf (raw, "n,a=%s,\001host=%s\001port=%u\001auth=Bearer %s\001\001",
                              self->user, self->host, self->port, self->oauth_token);
      break;

    case PETREL_IMAP_AUTH_AUTO:
    default:
      g_assert_not_reached ();
    }

  if (strchr (self->user, ',') != NULL && mechanism == PETREL_IMAP_AUTH_OAUTHBEARER)
    {
      /* The gs2 authzid would need ,= escaping; user names with commas are not worth it. */
      explicit_bzero (raw->str, raw->len);
      connect_return_error (self, g_error_new (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_INVALID,
                                               _("The user name for %s cannot be sent with "
                                                 "OAUTHBEARER"), self->host));
      return;
    }

  {
    g_autofree char *mech_cap = g_strconcat ("AUTH=", mech_name, NULL);

    if (!petrel_imap_client_has_capability (self, mech_cap) &&
        self->auth_mechanism != PETREL_IMAP_AUTH_AUTO)
      g_debug ("%s: %s not advertised, trying anyway", self->host, mech_cap);
  }

  encoded = sasl_encode (raw);
  cmd = _petrel_imap_client_cmd_new (self, "AUTHENTICATE", flags, g_steal_pointer (&task));
  data = g_new0 (AuthData, 1);
  data->mechanism = mechanism;
  cmd->data = data;
  cmd->data_free = (GDestroyNotify) auth_data_free;
  cmd->continuation = auth_continuation;
  cmd->done = auth_done;
  petrel_imap_command_add_atom (cmd->command, mech_name, NULL);
  if (petrel_imap_client_has_capability (self, "SASL-IR"))
    {
      petrel_imap_command_add_atom (cmd->command, encoded[0] != '\0' ? encoded : "=", NULL);
      data->sent_initial = TRUE;
    }
  else
    {
      g_autofree char *line = g_strconcat (encoded, "\r\n", NULL);

      gsize line_len = strlen (line);

      data->initial = g_bytes_new_with_free_func (line, line_len, wipe_free, line);
      line = NULL;
    }
  explicit_bzero (encoded, strlen (encoded));
  _petrel_imap_client_submit (self, cmd);
}

static void
compress_done (PetrelImapClient   *self,
               PetrelImapCmd      *cmd,
               PetrelImapResponse *response)
{
  if (petrel_imap_response_get_response_type (response) != PETREL_IMAP_RESPONSE_TYPE_OK)
    {
      _petrel_imap_cmd_done_default (self, cmd, response);
      return;
    }
  /* RFC 4978: raw DEFLATE both ways, starting right after this line. */
  self->compressor = G_CONVERTER (g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_RAW, -1));
  self->decompressor = G_CONVERTER (g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_RAW));
  self->compress_started = TRUE;
  g_debug ("%s: compression on", self->host);
  _petrel_imap_cmd_return_boolean (cmd, TRUE);
}

static void
send_compress (PetrelImapClient   *self,
               PetrelImapCmdFlags  flags,
               GTask              *task)
{
  PetrelImapCmd *cmd = _petrel_imap_client_cmd_new (self, "COMPRESS",
                                                    flags | PETREL_IMAP_CMD_EXCLUSIVE |
                                                    PETREL_IMAP_CMD_SWITCH, task);

  petrel_imap_command_add_atom (cmd->command, "DEFLATE", NULL);
  cmd->done = compress_done;
  _petrel_imap_client_submit (self, cmd);
}

/* Runs the next step of connect_async() given what is known so far; called after the greeting
 * and after each step completes. */
static void
petrel_imap_client_connect_step (PetrelImapClient *self)
{
  g_autoptr(GTask) task = NULL;

  if (self->state != PETREL_IMAP_CLIENT_STATE_CONNECTING)
    return;

  if (self->preauth && self->security == PETREL_IMAP_SECURITY_STARTTLS)
    {
      /* PREAUTH leaves no way to start TLS: the session would be in the clear. */
      connect_return_error (self, g_error_new (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_TLS,
                                               _("%s pre-authenticated the connection before "
                                                 "STARTTLS; refusing to use it unencrypted"),
                                               self->host));
      return;
    }

  if (self->capabilities == NULL)
    {
      send_capability (self, PETREL_IMAP_CMD_CONNECT, internal_task (self, send_capability));
      return;
    }

  if (self->security == PETREL_IMAP_SECURITY_STARTTLS && self->tls_connection == NULL)
    {
      PetrelImapCmd *cmd;
      GTask *starttls_task;

      if (!petrel_imap_client_has_capability (self, "STARTTLS"))
        {
          connect_return_error (self, g_error_new (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_TLS,
                                                   _("%s does not offer STARTTLS"), self->host));
          return;
        }
      starttls_task = g_task_new (self, NULL, starttls_task_cb, NULL);
      g_task_set_source_tag (starttls_task, starttls_task_cb);
      cmd = _petrel_imap_client_cmd_new (self, "STARTTLS",
                                         PETREL_IMAP_CMD_CONNECT | PETREL_IMAP_CMD_EXCLUSIVE |
                                         PETREL_IMAP_CMD_SWITCH, starttls_task);
      cmd->done = starttls_done;
      _petrel_imap_client_submit (self, cmd);
      return;
    }

  if (!self->preauth && self->user != NULL && !self->login_sent)
    {
      if (self->credentials_pending)
        {
          g_debug ("%s: waiting for the credentials", self->host);
          self->awaiting_credentials = TRUE;
          return;
        }
      self->login_sent = TRUE;
      send_login (self);
      return;
    }

  if ((self->preauth || self->user != NULL) && self->auto_compress && self->compressor == NULL &&
      petrel_imap_client_has_capability (self, "COMPRESS=DEFLATE") && !self->compress_tried)
    {
      self->compress_tried = TRUE;
      send_compress (self, PETREL_IMAP_CMD_CONNECT, internal_task (self, send_compress));
      return;
    }

  /* Done. */
  if (self->connect_cancel_source != NULL)
    {
      g_source_destroy (self->connect_cancel_source);
      g_clear_pointer (&self->connect_cancel_source, g_source_unref);
    }
  set_state (self, (self->preauth || self->user != NULL)
                     ? PETREL_IMAP_CLIENT_STATE_AUTHENTICATED
                     : PETREL_IMAP_CLIENT_STATE_NOT_AUTHENTICATED);
  task = g_steal_pointer (&self->connect_task);
  if (task != NULL)
    g_task_return_boolean (task, TRUE);
  petrel_imap_client_pump (self);
}

static void
socket_connect_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  PetrelImapClientIo *io = user_data;
  g_autoptr(PetrelImapClient) self = io->client ? g_object_ref (io->client) : NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (object), result, &error);
  client_io_unref (io);
  if (self == NULL || self->state == PETREL_IMAP_CLIENT_STATE_CLOSED)
    {
      if (connection != NULL)
        g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      return;
    }

  if (connection == NULL)
    {
      petrel_imap_client_fail (self, g_error_new (PETREL_IMAP_ERROR,
                                                  PETREL_IMAP_ERROR_CONNECTION_CLOSED,
                                                  _("Could not connect to %s port %u: %s"),
                                                  self->host, self->port, error->message));
      return;
    }

  g_debug ("%s: connected to port %u", self->host, self->port);
  touch (self);
  self->socket_connection = g_steal_pointer (&connection);
  if (self->security == PETREL_IMAP_SECURITY_TLS)
    {
      start_tls (self);
    }
  else
    {
      self->stream = G_IO_STREAM (self->socket_connection);
      petrel_imap_client_start_reading (self);
    }
}

static gboolean
on_connect_cancelled_cb (GCancellable *cancellable,
                         gpointer      user_data)
{
  PetrelImapClient *self = user_data;

  g_clear_pointer (&self->connect_cancel_source, g_source_unref);
  petrel_imap_client_fail (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                      "Operation was cancelled"));
  return G_SOURCE_REMOVE;
}

/* ---- IDLE ---------------------------------------------------------------------------------- */

static void idle_queue_command (PetrelImapClient *self);

static void
idle_request_free (IdleRequest *request)
{
  if (request->cancel_source != NULL)
    {
      g_source_destroy (request->cancel_source);
      g_clear_pointer (&request->cancel_source, g_source_unref);
    }
  clear_source (&request->refresh_source);
  g_clear_object (&request->task);
  g_free (request);
}

static void
idle_request_complete (PetrelImapClient *self,
                       GError           *error)
{
  IdleRequest *request = g_steal_pointer (&self->idle);
  g_autoptr(GTask) task = NULL;

  if (request == NULL)
    {
      g_clear_error (&error);
      return;
    }
  task = g_steal_pointer (&request->task);
  if (request->cmd != NULL)
    request->cmd->data = NULL;
  idle_request_free (request);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
petrel_imap_client_idle_send_done (PetrelImapClient *self)
{
  IdleRequest *request = self->idle;

  g_assert (request != NULL && request->idling && !request->done_sent);
  request->done_sent = TRUE;
  clear_source (&request->refresh_source);
  g_debug ("%s: C: DONE", self->host);
  arm_watchdog (self);
  queue_write_string (self, "DONE\r\n");
}

static gboolean
on_idle_refresh_cb (gpointer user_data)
{
  PetrelImapClient *self = user_data;

  g_clear_pointer (&self->idle->refresh_source, g_source_unref);
  if (self->idle->idling && !self->idle->done_sent)
    petrel_imap_client_idle_send_done (self);
  return G_SOURCE_REMOVE;
}

static void
idle_continuation (PetrelImapClient   *self,
                   PetrelImapCmd      *cmd,
                   PetrelImapResponse *response)
{
  IdleRequest *request = cmd->data;

  if (request == NULL || request->idling)
    {
      petrel_imap_client_fail (self,
                               g_error_new (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_PARSE,
                                            _("%s sent an unexpected continuation during IDLE"),
                                            self->host));
      return;
    }
  g_debug ("%s: S: + %s", self->host, petrel_imap_response_get_text (response));
  request->idling = TRUE;
  touch (self);
  if (request->stopping || self->pending.length > 0)
    {
      petrel_imap_client_idle_send_done (self);
      return;
    }
  request->refresh_source = g_timeout_source_new (self->idle_refresh_ms);
  g_source_set_callback (request->refresh_source, on_idle_refresh_cb, self, NULL);
  g_source_attach (request->refresh_source, self->context);
}

static void
idle_done (PetrelImapClient   *self,
           PetrelImapCmd      *cmd,
           PetrelImapResponse *response)
{
  IdleRequest *request = cmd->data;

  cmd->data = NULL;
  if (request == NULL)
    return;
  request->cmd = NULL;
  request->idling = FALSE;
  request->done_sent = FALSE;
  clear_source (&request->refresh_source);

  if (petrel_imap_response_get_response_type (response) != PETREL_IMAP_RESPONSE_TYPE_OK)
    {
      idle_request_complete (self, _petrel_imap_cmd_response_error (cmd, response));
      return;
    }
  if (request->cancelled)
    idle_request_complete (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                      "Operation was cancelled"));
  else if (request->stopping)
    idle_request_complete (self, NULL);
  else
    idle_queue_command (self); /* refresh, or resume after the commands that interrupted it */
}

static void
idle_queue_command (PetrelImapClient *self)
{
  PetrelImapCmd *cmd;

  if (self->state == PETREL_IMAP_CLIENT_STATE_CLOSED)
    {
      idle_request_complete (self, g_error_copy (self->error));
      return;
    }

  /* The command has no task of its own: the IdleRequest carries the caller's. */
  cmd = _petrel_imap_client_cmd_new (self, "IDLE", PETREL_IMAP_CMD_EXCLUSIVE, NULL);
  cmd->continuation = idle_continuation;
  cmd->done = idle_done;
  cmd->data = self->idle;
  self->idle->cmd = cmd;
  _petrel_imap_client_submit (self, cmd);
}

static void
idle_stop_internal (PetrelImapClient *self,
                    gboolean          cancelled)
{
  IdleRequest *request = self->idle;
  GList *link;

  if (request == NULL)
    return;
  request->stopping = TRUE;
  request->cancelled |= cancelled;

  if (request->cmd != NULL && !request->cmd->sent &&
      (link = g_queue_find (&self->pending, request->cmd)) != NULL)
    {
      PetrelImapCmd *cmd = request->cmd;

      g_queue_delete_link (&self->pending, link);
      cmd->data = NULL;
      request->cmd = NULL;
      cmd_free (cmd);
      idle_request_complete (self, cancelled ? g_error_new_literal (G_IO_ERROR,
                                                                    G_IO_ERROR_CANCELLED,
                                                                    "Operation was cancelled")
                                             : NULL);
      petrel_imap_client_pump (self);
      return;
    }

  if (request->idling && !request->done_sent)
    petrel_imap_client_idle_send_done (self);
  /* Otherwise the `+` has not come yet: idle_continuation() sends DONE at once. */
}

static gboolean
on_idle_cancelled_cb (GCancellable *cancellable,
                      gpointer      user_data)
{
  PetrelImapClient *self = user_data;

  g_clear_pointer (&self->idle->cancel_source, g_source_unref);
  idle_stop_internal (self, TRUE);
  return G_SOURCE_REMOVE;
}

/* ---- GObject ------------------------------------------------------------------------------- */

static void
petrel_imap_client_dispose (GObject *object)
{
  PetrelImapClient *self = (PetrelImapClient *)object;
  PetrelImapCmd *cmd;

  if (self->io != NULL)
    {
      self->io->client = NULL;
      g_clear_pointer (&self->io, client_io_unref);
    }
  g_cancellable_cancel (self->io_cancellable);
  close_socket (self);
  if (self->watchdog != NULL)
    {
      g_source_destroy (self->watchdog);
      g_clear_pointer (&self->watchdog, g_source_unref);
    }
  if (self->connect_cancel_source != NULL)
    {
      g_source_destroy (self->connect_cancel_source);
      g_clear_pointer (&self->connect_cancel_source, g_source_unref);
    }
  /* Only commands without a caller can be left (a caller's task keeps us alive). */
  while ((cmd = g_queue_pop_head (&self->in_flight)) != NULL)
    cmd_free (cmd);
  while ((cmd = g_queue_pop_head (&self->pending)) != NULL)
    cmd_free (cmd);
  g_queue_clear_full (&self->write_queue, (GDestroyNotify) g_bytes_unref);
  g_clear_pointer (&self->idle, idle_request_free);

  g_clear_object (&self->tls_connection);
  g_clear_object (&self->socket_connection);
  self->stream = NULL;
  g_clear_object (&self->compressor);
  g_clear_object (&self->decompressor);
  g_clear_object (&self->tls_database);
  g_clear_object (&self->peer_certificate);
  g_clear_object (&self->parser);

  G_OBJECT_CLASS (petrel_imap_client_parent_class)->dispose (object);
}

static void
petrel_imap_client_finalize (GObject *object)
{
  PetrelImapClient *self = (PetrelImapClient *)object;

  g_clear_object (&self->io_cancellable);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->host);
  g_free (self->user);
  wipe_string (&self->password);
  wipe_string (&self->oauth_token);
  g_free (self->spool_dir);
  g_strfreev (self->capabilities);
  g_clear_pointer (&self->enabled, g_hash_table_unref);
  g_clear_pointer (&self->selected, petrel_imap_mailbox_state_free);
  g_clear_error (&self->error);
  g_clear_error (&self->bye);

  G_OBJECT_CLASS (petrel_imap_client_parent_class)->finalize (object);
}

static void
petrel_imap_client_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  PetrelImapClient *self = PETREL_IMAP_CLIENT (object);

  switch (prop_id)
    {
    case PROP_HOST:
      g_value_set_string (value, self->host);
      break;
    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;
    case PROP_SECURITY:
      g_value_set_enum (value, self->security);
      break;
    case PROP_TLS_DATABASE:
      g_value_set_object (value, self->tls_database);
      break;
    case PROP_USER:
      g_value_set_string (value, self->user);
      break;
    case PROP_AUTH_MECHANISM:
      g_value_set_enum (value, self->auth_mechanism);
      break;
    case PROP_TIMEOUT:
      g_value_set_uint (value, self->timeout_ms);
      break;
    case PROP_IDLE_REFRESH:
      g_value_set_uint (value, self->idle_refresh_ms);
      break;
    case PROP_AUTO_COMPRESS:
      g_value_set_boolean (value, self->auto_compress);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
petrel_imap_client_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  PetrelImapClient *self = PETREL_IMAP_CLIENT (object);

  switch (prop_id)
    {
    case PROP_HOST:
      self->host = g_value_dup_string (value);
      if (self->host == NULL)
        self->host = g_strdup ("localhost");
      break;
    case PROP_PORT:
      self->port = g_value_get_uint (value);
      break;
    case PROP_SECURITY:
      self->security = g_value_get_enum (value);
      break;
    case PROP_TLS_DATABASE:
      petrel_imap_client_set_tls_database (self, g_value_get_object (value));
      break;
    case PROP_USER:
      petrel_imap_client_set_user (self, g_value_get_string (value));
      break;
    case PROP_AUTH_MECHANISM:
      petrel_imap_client_set_auth_mechanism (self, g_value_get_enum (value));
      break;
    case PROP_TIMEOUT:
      petrel_imap_client_set_timeout (self, g_value_get_uint (value));
      break;
    case PROP_IDLE_REFRESH:
      petrel_imap_client_set_idle_refresh (self, g_value_get_uint (value));
      break;
    case PROP_AUTO_COMPRESS:
      petrel_imap_client_set_auto_compress (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
petrel_imap_client_class_init (PetrelImapClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = petrel_imap_client_dispose;
  object_class->finalize = petrel_imap_client_finalize;
  object_class->get_property = petrel_imap_client_get_property;
  object_class->set_property = petrel_imap_client_set_property;

  properties[PROP_HOST] =
    g_param_spec_string ("host", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL, 0, G_MAXUINT16, 993,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SECURITY] =
    g_param_spec_enum ("security", NULL, NULL, PETREL_TYPE_IMAP_SECURITY,
                       PETREL_IMAP_SECURITY_TLS,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TLS_DATABASE] =
    g_param_spec_object ("tls-database", NULL, NULL, G_TYPE_TLS_DATABASE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_USER] =
    g_param_spec_string ("user", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_AUTH_MECHANISM] =
    g_param_spec_enum ("auth-mechanism", NULL, NULL, PETREL_TYPE_IMAP_AUTH_MECHANISM,
                       PETREL_IMAP_AUTH_AUTO,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, NULL, 1, G_MAXUINT, DEFAULT_TIMEOUT_MS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_IDLE_REFRESH] =
    g_param_spec_uint ("idle-refresh", NULL, NULL, 1, 29 * 60 * 1000, DEFAULT_IDLE_REFRESH_MS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_AUTO_COMPRESS] =
    g_param_spec_boolean ("auto-compress", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, PETREL_TYPE_IMAP_CLIENT_STATE,
                       PETREL_IMAP_CLIENT_STATE_DISCONNECTED,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * PetrelImapClient::tls-connection-created:
   * @connection: the #GTlsClientConnection, before its handshake
   *
   * Lets the account layer add its own "accept-certificate" handler (certificate pinning).
   */
  signals[SIGNAL_TLS_CONNECTION_CREATED] =
    g_signal_new ("tls-connection-created", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_TLS_CLIENT_CONNECTION);
  /** PetrelImapClient::exists: @count: the new number of messages in the selected mailbox */
  signals[SIGNAL_EXISTS] =
    g_signal_new ("exists", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  /** PetrelImapClient::expunged: @seq: the sequence number of the expunged message */
  signals[SIGNAL_EXPUNGED] =
    g_signal_new ("expunged", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  /** PetrelImapClient::vanished: @uids: the expunged UIDs; @earlier: (EARLIER) was given */
  signals[SIGNAL_VANISHED] =
    g_signal_new ("vanished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  PETREL_TYPE_IMAP_SEQSET | G_SIGNAL_TYPE_STATIC_SCOPE, G_TYPE_BOOLEAN);
  /**
   * PetrelImapClient::fetch:
   * @response: the FETCH response
   * @fetch: (type gpointer): its decoded #PetrelImapFetch
   *
   * A FETCH no command asked for (flags changed by another session, ...).
   */
  signals[SIGNAL_FETCH] =
    g_signal_new ("fetch", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  PETREL_TYPE_IMAP_RESPONSE | G_SIGNAL_TYPE_STATIC_SCOPE, G_TYPE_POINTER);
  /** PetrelImapClient::alert: @text: an [ALERT] the user must see (sanitised) */
  signals[SIGNAL_ALERT] =
    g_signal_new ("alert", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /** PetrelImapClient::closed: @error: (nullable): why, NULL after a clean LOGOUT */
  signals[SIGNAL_CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
petrel_imap_client_init (PetrelImapClient *self)
{
  self->port = 993;
  self->timeout_ms = DEFAULT_TIMEOUT_MS;
  self->idle_refresh_ms = DEFAULT_IDLE_REFRESH_MS;
  self->auto_compress = TRUE;
  self->io = g_new0 (PetrelImapClientIo, 1);
  g_atomic_ref_count_init (&self->io->ref_count);
  self->io->client = self;
  self->io_cancellable = g_cancellable_new ();
  self->parser = petrel_imap_parser_new ();
  self->enabled = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_queue_init (&self->write_queue);
  g_queue_init (&self->pending);
  g_queue_init (&self->in_flight);
}

/* ---- Public API ---------------------------------------------------------------------------- */

PetrelImapClient *
petrel_imap_client_new (const char         *host,
                        guint16             port,
                        PetrelImapSecurity  security)
{
  g_return_val_if_fail (host != NULL, NULL);

  return g_object_new (PETREL_TYPE_IMAP_CLIENT,
                       "host", host,
                       "port", (guint) port,
                       "security", security,
                       NULL);
}

const char *
petrel_imap_client_get_host (PetrelImapClient *self)
{
  g_return_val_if_fail (PETREL_IS_IMAP_CLIENT (self), NULL);
  return self->host;
}

guint16
petrel_imap_client_get_port (PetrelImapClient *self)
{
  g_return_val_if_fail (PETREL_IS_IMAP_CLIENT (self), 0);
  return self->port;
}

PetrelImapSecurity
petrel_imap_client_get_security (PetrelImapClient *self)
{
  g_return_val_if_fail (PETREL_IS_IMAP_CLIENT (self), PETREL_IMAP_SECURITY_TLS);
  return self->security;
}

void
petrel_imap_client_set_tls_database (PetrelImapClient *self,
                                     GTlsDatabase     *database)
{
  g_return_if_fail (PETREL_IS_IMAP_CLIENT (self));
  g_return_if_fail (database == NULL || G_IS_TLS_DATABASE (database));

  if (g_set_object (&self->tls_database, database))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TLS_DATABASE]);
}

GTlsDatabase *
petrel_imap_client_get_tls_database (PetrelImapClient *self)
{
  g_return_val_if_fail (PETREL_IS_IMAP_CLIENT (self), NULL);
  return self->tls_database;
}

void
petrel_imap_client_set_user (PetrelImapClient *self,
                             const char       *user)
{
  g_return_if_fail (PETREL_IS_IMAP_CLIENT (self));

  if (g_strcmp0 (self->user, user) == 0)
    return;
  g_free (self->user);
  self->user = g_strdup (user);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USER]);
}

const char *
petrel_imap_client_get_user (PetrelImapClient *self)
{
  g_return_val_if_fail (PETREL_IS_IMAP_CLIENT (self), NULL);
  return self->user;
}

void
petrel_imap_client_set_password (PetrelImapClient *self,
                                 const char       *password)
{
  g_return_if_fail (PETREL_IS_IMAP_CLIENT (self));

  wipe_string (&self->password);
  self->password = g_strdup (password);
}

void
petrel_imap_client_set_credentials_pending (PetrelImapClient *self,
                                            gboolean          pending)
{
  g_return_if_fail (PETREL_IS_IMAP_CLIENT (self));

  self->credentials_pending = !!pending;
  if (pending || !self->awaiting_credentials)
    return;
  self->awaiting_credentials = FALSE;
  if (self->state != PETREL_IMAP_CLIENT_STATE_CONNECTING)
    return;
  /* The wait was ours, not the server's: its silence counts from now. */
  touch (self);
  petrel_imap_client_connect_step (self);
}

gboolean
petrel_imap_client_get_credentials_pending (PetrelImapClient *self)
{
  g_return_val_if_fail (PETREL_IS_IMAP_CLIENT (self), FALSE);
  return self->credentials_pending;
}

void
petrel_imap_client_set_oauth_token (PetrelImapClient *self,
                                    const char       *token)
{
  g_return_if_fail (PETREL_IS_IMAP_CLIENT (self));

  wipe_string (&self->oauth_token);
  self->oauth_token = g_strdup (token);
}

void
petrel_imap_client_set_auth_mechanism (PetrelImapClient        *self,
                                       PetrelImapAuthMechanism  mechanism)
{
  g_return_if_fail (PETREL_IS_IMAP_CLIENT (self));

  if (self->auth_mechanism == mechanism)
    return;
  self->auth_mechanism = mechanism;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTH_MECHANISM]);
}

PetrelImapAuthMechanism
petrel_imap_client_get_auth_mechanism (PetrelImapClient *self)
{
  g_return_val_if_fail (PETREL_IS_IMAP_CLIENT (self), PETREL_IMAP_AUTH_AUTO);
  return self->auth_mechanism;
}

void
petrel_imap_client_set_timeout (PetrelImapClient *self,
                                guint             timeout_ms)
{
  g_return_if_fail (PETREL_IS_IMAP_CLIENT (self));
  g_return_if_fail (timeout_ms > 0);

  if (self->timeout_ms == timeout_ms)
    return;
  self->timeout_ms = timeout_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIMEOUT]);
}

guint
petrel_imap_client_get_timeout (PetrelImapClient *self)
{
  g_return_val_if_fail (PETREL_IS_IMAP_CLIENT (self), 0);
  return self->timeout_ms;
}

void
petrel_imap_client_set_idle_refresh (PetrelImapClient *self,
                                     guint             refresh_ms)
{
  g_return_if_fail (PETREL_IS_IMAP_CLIENT (self));
  g_return_if_fail (refresh_ms > 0 && refresh_ms <= 29 * 60 * 1000);

  if (self->idle_refresh_ms == refresh_ms)
    return;
  self->idle_refresh_ms = refresh_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IDLE_REFRESH]);
}

guint
petrel_imap_client_get_idle_refresh (PetrelImapClient *self)
{
  g_return_val_if_fail (PETREL_IS_IMAP_CLIENT (self), 0);
  return self->idle_refresh_ms;
}

void
petrel_imap_client_set_auto_compress (PetrelImapClient *self,
                                      gboolean          auto_compress)
{
  g_return_if_fail (PETREL_IS_IMAP_CLIENT (self));

  auto_compress = !!auto_compress;
  if (self->auto_compress == auto_compress)
    return;
  self->auto_compress = auto_compress;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTO_COMPRESS]);
}

void
petrel_imap_client_set_raw_mailbox_names (PetrelImapClient *self,
                                          gboolean          raw)
{
  g_return_if_fail (PETREL_IS_IMAP_CLIENT (self));
  self->raw_mailbox_names = !!raw;
}

gboolean
petrel_imap_client_get_raw_mailbox_names (PetrelImapClient *self)
{
  g_return_val_if_fail (PETREL_IS_IMAP_CLIENT (self), FALSE);
  return self->raw_mailbox_names;
}

char *
petrel_imap_client_encode_mailbox (PetrelImapClient  *self,
                                   const char        *name,
                                   GError           **error)
{
  g_return_val_if_fail (PETREL_IS_IMAP_CLIENT (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  if (g_ascii_strcasecmp (name, "INBOX") == 0)
    return g_strdup ("INBOX");
  if (_petrel_imap_client_utf8_enabled (self))
    {
      if (!g_utf8_validate (name, -1, NULL))
        {
          g_set_error_literal (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_INVALID,
                               _("Mailbox name is not valid UTF-8"));
          return NULL;
        }
      return g_strdup (name);
    }
  return petrel_imap_utf7_encode (name, error);
}

gboolean
petrel_imap_client_get_auto_compress (PetrelImapClient *self)
{
  g_return_val_if_fail (PETREL_IS_IMAP_CLIENT (self), FALSE);
  return self->auto_compress;
}

void
petrel_imap_client_set_spool_dir (PetrelImapClient *self,
                                  const char       *dir)
{
  g_return_if_fail (PETREL_IS_IMAP_CLIENT (self));

  g_free (self->spool_dir);
  self->spool_dir = g_strdup (dir);
  petrel_imap_parser_set_spool_dir (self->parser, dir);
}

PetrelImapClientState
petrel_imap_client_get_state (PetrelImapClient *self)
{
  g_return_val_if_fail (PETREL_IS_IMAP_CLIENT (self), PETREL_IMAP_CLIENT_STATE_CLOSED);
  return self->state;
}

gboolean
petrel_imap_client_has_capability (PetrelImapClient *self,
                                   const char       *capability)
{
  g_return_val_if_fail (PETREL_IS_IMAP_CLIENT (self), FALSE);
  g_return_val_if_fail (capability != NULL, FALSE);

  for (guint i = 0; self->capabilities != NULL && self->capabilities[i] != NULL; i++)
    if (g_ascii_strcasecmp (self->capabilities[i], capability) == 0)
      return TRUE;
  return FALSE;
}

const char * const *
petrel_imap_client_get_capabilities (PetrelImapClient *self)
{
  static const char * const empty[] = { NULL };

  g_return_val_if_fail (PETREL_IS_IMAP_CLIENT (self), empty);
  return self->capabilities != NULL ? (const char * const *) self->capabilities : empty;
}

gboolean
petrel_imap_client_is_enabled (PetrelImapClient *self,
                               const char       *capability)
{
  g_autofree char *upper = NULL;

  g_return_val_if_fail (PETREL_IS_IMAP_CLIENT (self), FALSE);
  g_return_val_if_fail (capability != NULL, FALSE);

  upper = g_ascii_strup (capability, -1);
  return g_hash_table_contains (self->enabled, upper);
}

gboolean
petrel_imap_client_is_compressed (PetrelImapClient *self)
{
  g_return_val_if_fail (PETREL_IS_IMAP_CLIENT (self), FALSE);
  return self->compressor != NULL;
}

gboolean
petrel_imap_client_is_tls (PetrelImapClient *self)
{
  g_return_val_if_fail (PETREL_IS_IMAP_CLIENT (self), FALSE);
  return self->tls_connection != NULL && self->stream == G_IO_STREAM (self->tls_connection);
}

const PetrelImapMailboxState *
petrel_imap_client_get_selected (PetrelImapClient *self)
{
  g_return_val_if_fail (PETREL_IS_IMAP_CLIENT (self), NULL);
  return self->selected;
}

GTlsCertificate *
petrel_imap_client_get_peer_certificate (PetrelImapClient *self)
{
  g_return_val_if_fail (PETREL_IS_IMAP_CLIENT (self), NULL);
  return self->peer_certificate;
}

GTlsCertificateFlags
petrel_imap_client_get_peer_certificate_errors (PetrelImapClient *self)
{
  g_return_val_if_fail (PETREL_IS_IMAP_CLIENT (self), 0);
  return self->peer_certificate_errors;
}

guint
petrel_imap_client_get_n_in_flight (PetrelImapClient *self)
{
  g_return_val_if_fail (PETREL_IS_IMAP_CLIENT (self), 0);
  return self->in_flight.length;
}

void
petrel_imap_client_close (PetrelImapClient *self)
{
  g_return_if_fail (PETREL_IS_IMAP_CLIENT (self));

  if (self->state == PETREL_IMAP_CLIENT_STATE_DISCONNECTED)
    {
      set_state (self, PETREL_IMAP_CLIENT_STATE_CLOSED);
      return;
    }
  petrel_imap_client_fail (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                      "The connection was closed"));
}

void
petrel_imap_client_connect_async (PetrelImapClient    *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GSocketClient) socket_client = NULL;
  g_autoptr(GSocketConnectable) address = NULL;

  g_return_if_fail (PETREL_IS_IMAP_CLIENT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, petrel_imap_client_connect_async);

  if (self->state != PETREL_IMAP_CLIENT_STATE_DISCONNECTED)
    {
      g_task_return_new_error (task, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_STATE,
                               _("A client connects only once; make a new one to reconnect"));
      return;
    }

  set_state (self, PETREL_IMAP_CLIENT_STATE_CONNECTING);
  self->context = g_main_context_ref_thread_default ();
  self->connect_task = g_steal_pointer (&task);
  if (cancellable != NULL)
    {
      self->connect_cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (self->connect_cancel_source, G_SOURCE_FUNC (on_connect_cancelled_cb),
                             self, NULL);
      g_source_attach (self->connect_cancel_source, self->context);
    }
  arm_watchdog (self);

  g_debug ("%s: connecting to port %u (%s)", self->host, self->port,
           self->security == PETREL_IMAP_SECURITY_TLS ? "TLS" :
           self->security == PETREL_IMAP_SECURITY_STARTTLS ? "STARTTLS" : "no TLS");
  socket_client = g_socket_client_new ();
  g_socket_client_set_tls (socket_client, FALSE);
  address = g_network_address_new (self->host, self->port);
  g_socket_client_connect_async (socket_client, address, self->io_cancellable,
                                 socket_connect_cb, client_io_ref (self->io));
}

gboolean
petrel_imap_client_connect_finish (PetrelImapClient  *self,
                                   GAsyncResult      *result,
                                   GError           **error)
{
  g_return_val_if_fail (PETREL_IS_IMAP_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static GTask *
new_task (PetrelImapClient    *self,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data,
          gpointer             source_tag)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  return task;
}

void
petrel_imap_client_capability_async (PetrelImapClient    *self,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (PETREL_IS_IMAP_CLIENT (self));

  task = new_task (self, cancellable, callback, user_data, petrel_imap_client_capability_async);
  if (self->state == PETREL_IMAP_CLIENT_STATE_NOT_AUTHENTICATED)
    {
      send_capability (self, 0, task);
      return;
    }
  if (!_petrel_imap_client_check_state (self, FALSE, task))
    return;
  send_capability (self, 0, task);
}

gboolean
petrel_imap_client_capability_finish (PetrelImapClient  *self,
                                      GAsyncResult      *result,
                                      GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
petrel_imap_client_noop_async (PetrelImapClient    *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (PETREL_IS_IMAP_CLIENT (self));

  task = new_task (self, cancellable, callback, user_data, petrel_imap_client_noop_async);
  if (self->state != PETREL_IMAP_CLIENT_STATE_NOT_AUTHENTICATED &&
      !_petrel_imap_client_check_state (self, FALSE, task))
    return;
  _petrel_imap_client_submit (self, _petrel_imap_client_cmd_new (self, "NOOP", 0, task));
}

gboolean
petrel_imap_client_noop_finish (PetrelImapClient  *self,
                                GAsyncResult      *result,
                                GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
logout_done (PetrelImapClient   *self,
             PetrelImapCmd      *cmd,
             PetrelImapResponse *response)
{
  /* Whatever the answer, the session is over: close before completing, so that the caller's
   * callback (which GTask may run at once, or only on a later iteration) always finds the
   * client closed. @cmd is no longer in flight, so closing does not fail it. */
  petrel_imap_client_fail (self, NULL);
  _petrel_imap_cmd_done_default (self, cmd, response);
}

void
petrel_imap_client_logout_async (PetrelImapClient    *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  GTask *task;
  PetrelImapCmd *cmd;

  g_return_if_fail (PETREL_IS_IMAP_CLIENT (self));

  task = new_task (self, cancellable, callback, user_data, petrel_imap_client_logout_async);
  if (self->state != PETREL_IMAP_CLIENT_STATE_NOT_AUTHENTICATED &&
      !_petrel_imap_client_check_state (self, FALSE, task))
    return;
  if (self->idle != NULL)
    idle_stop_internal (self, FALSE);
  self->logging_out = TRUE;
  cmd = _petrel_imap_client_cmd_new (self, "LOGOUT", PETREL_IMAP_CMD_EXCLUSIVE, task);
  cmd->done = logout_done;
  _petrel_imap_client_submit (self, cmd);
}

gboolean
petrel_imap_client_logout_finish (PetrelImapClient  *self,
                                  GAsyncResult      *result,
                                  GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
petrel_imap_client_compress_async (PetrelImapClient    *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (PETREL_IS_IMAP_CLIENT (self));

  task = new_task (self, cancellable, callback, user_data, petrel_imap_client_compress_async);
  if (!_petrel_imap_client_check_state (self, FALSE, task))
    return;
  if (self->compressor != NULL)
    {
      g_task_return_new_error (task, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_STATE,
                               _("Compression is already on"));
      g_object_unref (task);
      return;
    }
  if (!petrel_imap_client_has_capability (self, "COMPRESS=DEFLATE"))
    {
      g_task_return_new_error (task, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_UNSUPPORTED,
                               _("%s does not offer COMPRESS=DEFLATE"), self->host);
      g_object_unref (task);
      return;
    }
  send_compress (self, 0, task);
}

gboolean
petrel_imap_client_compress_finish (PetrelImapClient  *self,
                                    GAsyncResult      *result,
                                    GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
petrel_imap_client_idle_async (PetrelImapClient    *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (PETREL_IS_IMAP_CLIENT (self));

  task = new_task (self, cancellable, callback, user_data, petrel_imap_client_idle_async);
  if (!_petrel_imap_client_check_state (self, FALSE, task))
    return;
  if (!petrel_imap_client_has_capability (self, "IDLE"))
    {
      g_task_return_new_error (task, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_UNSUPPORTED,
                               _("%s does not offer IDLE"), self->host);
      g_object_unref (task);
      return;
    }
  if (self->idle != NULL)
    {
      g_task_return_new_error (task, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_STATE,
                               _("Already idling"));
      g_object_unref (task);
      return;
    }

  self->idle = g_new0 (IdleRequest, 1);
  self->idle->task = task;
  if (cancellable != NULL)
    {
      self->idle->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (self->idle->cancel_source, G_SOURCE_FUNC (on_idle_cancelled_cb),
                             self, NULL);
      g_source_attach (self->idle->cancel_source, g_task_get_context (task));
    }
  idle_queue_command (self);
}

gboolean
petrel_imap_client_idle_finish (PetrelImapClient  *self,
                                GAsyncResult      *result,
                                GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
petrel_imap_client_idle_stop (PetrelImapClient *self)
{
  g_return_if_fail (PETREL_IS_IMAP_CLIENT (self));
  idle_stop_internal (self, FALSE);
}

gboolean
petrel_imap_client_is_idling (PetrelImapClient *self)
{
  g_return_val_if_fail (PETREL_IS_IMAP_CLIENT (self), FALSE);
  return self->idle != NULL && self->idle->idling && !self->idle->done_sent;
}
