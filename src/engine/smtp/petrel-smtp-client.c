/* petrel-smtp-client.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* An SMTP submission client (RFC 6409) on GIO streams.
 *
 * Every public operation is a GTask whose steps are plain functions (OpFunc) chained through
 * three primitives: op_write(), op_read_reply() and op_command() (write a line, read the
 * reply). A primitive that fails ends the task itself, so a step only runs when the I/O before
 * it worked. Each I/O call gets its own timer (the timeout is per step: a big message on a slow
 * link is fine as long as bytes keep moving) and a private GCancellable that both the timer and
 * the caller's cancellable cancel. A failure that leaves the session in an unknown state (I/O
 * error, timeout, cancellation, protocol violation) closes the connection; a plain SMTP refusal
 * (a 4xx/5xx to MAIL, RCPT or the data) keeps it for the next message, after RSET. */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "debug/petrel-crash-hook.h"
#include "smtp/petrel-smtp-client.h"
#include "smtp/petrel-smtp-private.h"

#define DEFAULT_TIMEOUT_MS (120 * 1000)
#define READ_CHUNK         4096
#define WRITE_CHUNK        (64 * 1024)
#define BDAT_CHUNK         (1024 * 1024)

struct _PetrelSmtpRecipientResult
{
  char     *address;        /* owned */
  gboolean  accepted;
  guint     code;
  char     *enhanced_code;  /* owned, nullable */
  char     *text;           /* owned, sanitised server text */
};

struct _PetrelSmtpClient
{
  GObject                 parent_instance;

  /* Configuration */
  char                   *host;              /* owned */
  guint16                 port;
  PetrelSmtpSecurity      security;
  GTlsDatabase           *tls_database;      /* owned, nullable */
  guint                   timeout_ms;
  char                   *helo_name;         /* owned, nullable: then our address literal */
  char                   *user;              /* owned, nullable */
  char                   *password;          /* owned, wiped, nullable */
  char                   *token;             /* owned, wiped, nullable */

  /* Session */
  GSocketConnection      *connection;        /* owned, nullable */
  GIOStream              *stream;            /* owned: @connection or the TLS layer on it */
  GByteArray             *inbuf;             /* owned: bytes read but not parsed yet */
  char                   *address_literal;   /* owned: "[127.0.0.1]" */
  gboolean                busy;
  gboolean                tls_active;
  gboolean                peer_is_loopback;
  gboolean                need_rset;
  PetrelSmtpCapabilities  capabilities;
  guint64                 max_size;
  GStrv                   auth_mechanisms;   /* owned, nullable */
  const char             *auth_used;         /* static string, nullable */
  GTlsCertificate        *peer_certificate;  /* owned, nullable */
  GTlsCertificateFlags    peer_certificate_errors;
};

G_DEFINE_FINAL_TYPE (PetrelSmtpClient, petrel_smtp_client, G_TYPE_OBJECT)

G_DEFINE_BOXED_TYPE (PetrelSmtpRecipientResult, petrel_smtp_recipient_result,
                     petrel_smtp_recipient_result_copy, petrel_smtp_recipient_result_free)

G_DEFINE_ENUM_TYPE (PetrelSmtpSecurity, petrel_smtp_security,
                    G_DEFINE_ENUM_VALUE (PETREL_SMTP_SECURITY_TLS, "tls"),
                    G_DEFINE_ENUM_VALUE (PETREL_SMTP_SECURITY_STARTTLS, "starttls"),
                    G_DEFINE_ENUM_VALUE (PETREL_SMTP_SECURITY_NONE, "none"))

G_DEFINE_FLAGS_TYPE (PetrelSmtpCapabilities, petrel_smtp_capabilities,
                     G_DEFINE_ENUM_VALUE (PETREL_SMTP_CAPABILITY_NONE, "none"),
                     G_DEFINE_ENUM_VALUE (PETREL_SMTP_CAPABILITY_SIZE, "size"),
                     G_DEFINE_ENUM_VALUE (PETREL_SMTP_CAPABILITY_8BITMIME, "8bitmime"),
                     G_DEFINE_ENUM_VALUE (PETREL_SMTP_CAPABILITY_SMTPUTF8, "smtputf8"),
                     G_DEFINE_ENUM_VALUE (PETREL_SMTP_CAPABILITY_PIPELINING, "pipelining"),
                     G_DEFINE_ENUM_VALUE (PETREL_SMTP_CAPABILITY_CHUNKING, "chunking"),
                     G_DEFINE_ENUM_VALUE (PETREL_SMTP_CAPABILITY_DSN, "dsn"),
                     G_DEFINE_ENUM_VALUE (PETREL_SMTP_CAPABILITY_ENHANCEDSTATUSCODES,
                                          "enhancedstatuscodes"),
                     G_DEFINE_ENUM_VALUE (PETREL_SMTP_CAPABILITY_AUTH, "auth"),
                     G_DEFINE_ENUM_VALUE (PETREL_SMTP_CAPABILITY_STARTTLS, "starttls"))

G_DEFINE_FLAGS_TYPE (PetrelSmtpSendFlags, petrel_smtp_send_flags,
                     G_DEFINE_ENUM_VALUE (PETREL_SMTP_SEND_NONE, "none"),
                     G_DEFINE_ENUM_VALUE (PETREL_SMTP_SEND_DSN, "dsn"))

enum {
  PROP_0,
  PROP_HOST,
  PROP_PORT,
  PROP_SECURITY,
  PROP_TLS_DATABASE,
  PROP_TIMEOUT,
  PROP_HELO_NAME,
  N_PROPS
};

enum {
  TLS_CONNECTION_CREATED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

typedef enum
{
  OP_CONNECT,
  OP_SEND,
  OP_CLOSE,
} OpKind;

typedef enum
{
  CMD_RSET,
  CMD_MAIL,
  CMD_RCPT,
  CMD_DATA,
} CmdKind;

typedef void (*OpFunc) (GTask *task);

typedef struct
{
  OpKind            kind;
  GCancellable     *io_cancellable;   /* owned: cancelled by the caller's and by the timer */
  GCancellable     *cancellable;      /* owned, nullable: the caller's */
  gulong            cancelled_id;
  GSource          *timer;            /* owned, nullable */
  gboolean          timed_out;

  guint8            readbuf[READ_CHUNK];
  PetrelSmtpReply  *reply;            /* owned: the last reply read */
  OpFunc            after_reply;
  OpFunc            after_command;

  GBytes           *out;              /* owned: being written */
  gsize             out_offset;
  OpFunc            after_write;

  /* Connecting */
  OpFunc            after_connect;
  OpFunc            after_tls;
  GTlsConnection   *tls;              /* owned: during the handshake */
  const char       *auth_mechanism;   /* static */
  char             *auth_challenge;   /* owned: sanitised error a token mechanism got */
  gboolean          auth_aborted;     /* sent "*" */

  /* Sending */
  char             *from;
  GStrv             recipients;
  PetrelSmtpSendFlags flags;
  GBytes           *canonical;        /* owned: CRLF-normalised message */
  gboolean          has_8bit;
  char             *non_ascii_address; /* owned: first address needing SMTPUTF8 */
  GArray           *cmd_kinds;        /* CmdKind */
  GPtrArray        *cmd_lines;        /* char *, without CRLF */
  guint             first_rcpt;
  guint             next_cmd;
  guint             next_reply;
  gboolean          pipelined;
  GPtrArray        *results;          /* PetrelSmtpRecipientResult */
  guint             n_accepted;
  GError           *txn_error;        /* owned: why the transaction failed */
  gboolean          txn_error_fatal;
  gboolean          data_ready;       /* got 354 */
  gboolean          retry_if_dropped; /* the connection was reused and nothing answered yet */
  gboolean          data_complete;    /* the whole message is written; its reply is awaited */
  gsize             bdat_offset;
  GBytes           *bdat_chunk;       /* owned */
  gboolean          bdat_last;
} Op;

static void petrel_smtp_client_abort_connection (PetrelSmtpClient *self);
static void connect_begin (GTask *task, OpFunc next);
static void send_begin (GTask *task);

/* Recipient results */

static PetrelSmtpRecipientResult *
recipient_result_new (const char            *address,
                      const PetrelSmtpReply *reply)
{
  PetrelSmtpRecipientResult *result = g_new0 (PetrelSmtpRecipientResult, 1);

  result->address = g_strdup (address);
  result->accepted = reply->code / 100 == 2;
  result->code = reply->code;
  result->enhanced_code = g_strdup (reply->enhanced);
  result->text = _petrel_smtp_reply_dup_text (reply);

  return result;
}

PetrelSmtpRecipientResult *
petrel_smtp_recipient_result_copy (const PetrelSmtpRecipientResult *result)
{
  PetrelSmtpRecipientResult *copy;

  g_return_val_if_fail (result != NULL, NULL);

  copy = g_new0 (PetrelSmtpRecipientResult, 1);
  copy->address = g_strdup (result->address);
  copy->accepted = result->accepted;
  copy->code = result->code;
  copy->enhanced_code = g_strdup (result->enhanced_code);
  copy->text = g_strdup (result->text);

  return copy;
}

void
petrel_smtp_recipient_result_free (PetrelSmtpRecipientResult *result)
{
  if (result == NULL)
    return;

  g_free (result->address);
  g_free (result->enhanced_code);
  g_free (result->text);
  g_free (result);
}

const char *
petrel_smtp_recipient_result_get_address (const PetrelSmtpRecipientResult *result)
{
  g_return_val_if_fail (result != NULL, NULL);
  return result->address;
}

gboolean
petrel_smtp_recipient_result_get_accepted (const PetrelSmtpRecipientResult *result)
{
  g_return_val_if_fail (result != NULL, FALSE);
  return result->accepted;
}

/**
 * petrel_smtp_recipient_result_is_temporary:
 *
 * Returns: %TRUE if the recipient was refused with a 4xx code, so sending to it again later
 *   may work
 */
gboolean
petrel_smtp_recipient_result_is_temporary (const PetrelSmtpRecipientResult *result)
{
  g_return_val_if_fail (result != NULL, FALSE);
  return result->code / 100 == 4;
}

guint
petrel_smtp_recipient_result_get_code (const PetrelSmtpRecipientResult *result)
{
  g_return_val_if_fail (result != NULL, 0);
  return result->code;
}

const char *
petrel_smtp_recipient_result_get_enhanced_code (const PetrelSmtpRecipientResult *result)
{
  g_return_val_if_fail (result != NULL, NULL);
  return result->enhanced_code;
}

const char *
petrel_smtp_recipient_result_get_text (const PetrelSmtpRecipientResult *result)
{
  g_return_val_if_fail (result != NULL, NULL);
  return result->text;
}

/* Operations */

static void
op_free (gpointer data)
{
  Op *op = data;

  /* Normally done by op_complete() already */
  if (op->timer != NULL)
    {
      g_source_destroy (op->timer);
      g_clear_pointer (&op->timer, g_source_unref);
    }
  if (op->cancelled_id != 0)
    g_cancellable_disconnect (op->cancellable, op->cancelled_id);

  g_clear_object (&op->io_cancellable);
  g_clear_object (&op->cancellable);
  g_clear_pointer (&op->reply, _petrel_smtp_reply_free);
  g_clear_pointer (&op->out, g_bytes_unref);
  g_clear_object (&op->tls);
  g_clear_pointer (&op->auth_challenge, g_free);
  g_clear_pointer (&op->from, g_free);
  g_clear_pointer (&op->recipients, g_strfreev);
  g_clear_pointer (&op->canonical, g_bytes_unref);
  g_clear_pointer (&op->non_ascii_address, g_free);
  g_clear_pointer (&op->cmd_kinds, g_array_unref);
  g_clear_pointer (&op->cmd_lines, g_ptr_array_unref);
  g_clear_pointer (&op->results, g_ptr_array_unref);
  g_clear_error (&op->txn_error);
  g_clear_pointer (&op->bdat_chunk, g_bytes_unref);
  g_free (op);
}

static void
on_op_cancelled_cb (GCancellable *cancellable,
                    gpointer      user_data)
{
  Op *op = user_data;

  /* May run in another thread; cancelling a GCancellable is thread-safe. */
  g_cancellable_cancel (op->io_cancellable);
}

static Op *
op_new (OpKind        kind,
        GCancellable *cancellable)
{
  Op *op = g_new0 (Op, 1);

  op->kind = kind;
  op->io_cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    op->cancellable = g_object_ref (cancellable);

  return op;
}

/* Marks the client busy and ties the caller's cancellable to the operation. */
static void
op_start (GTask *task)
{
  PetrelSmtpClient *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);

  self->busy = TRUE;
  if (op->cancellable != NULL)
    op->cancelled_id = g_cancellable_connect (op->cancellable,
                                              G_CALLBACK (on_op_cancelled_cb), op, NULL);
}

static void
op_disarm_timer (Op *op)
{
  if (op->timer != NULL)
    {
      g_source_destroy (op->timer);
      g_clear_pointer (&op->timer, g_source_unref);
    }
}

static gboolean
on_op_timeout_cb (gpointer user_data)
{
  Op *op = user_data;

  op->timed_out = TRUE;
  g_cancellable_cancel (op->io_cancellable);

  return G_SOURCE_REMOVE;
}

static void
op_arm_timer (GTask *task)
{
  PetrelSmtpClient *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);

  op_disarm_timer (op);
  if (self->timeout_ms == 0)
    return;

  op->timer = g_timeout_source_new (self->timeout_ms);
  g_source_set_static_name (op->timer, "[petrel-smtp] timeout");
  g_source_set_callback (op->timer, on_op_timeout_cb, op, NULL);
  g_source_attach (op->timer, g_task_get_context (task));
}

/* Stops the timer, detaches the caller's cancellable and frees the client for the next
 * operation; called right before the task returns, because the caller's callback may start
 * the next operation at once. */
static void
op_complete (GTask *task)
{
  PetrelSmtpClient *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);

  op_disarm_timer (op);
  if (op->cancelled_id != 0)
    {
      g_cancellable_disconnect (op->cancellable, op->cancelled_id);
      op->cancelled_id = 0;
    }
  self->busy = FALSE;
}

/* Ends the operation with @error. @fatal closes the connection: use it whenever the session
 * may be out of step (I/O error, timeout, cancel, protocol violation). */
static void
op_return_error (GTask    *task,
                 GError   *error,
                 gboolean  fatal)
{
  PetrelSmtpClient *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);

  g_debug ("%s:%u: %s%s", self->host, self->port, error->message,
           fatal ? " (closing the connection)" : "");

  /* Servers close idle connections (RFC 5321 4.5.3.2.7 lets them after 5 minutes) and we only
   * notice when the next message starts. If the reused connection died before the server
   * answered anything of this transaction, it cannot have taken the message: connect again
   * and start over, once. */
  if (op->kind == OP_SEND && op->retry_if_dropped && fatal &&
      error->domain == PETREL_SMTP_ERROR && error->code == PETREL_SMTP_ERROR_CONNECTION)
    {
      op->retry_if_dropped = FALSE;
      g_clear_pointer (&op->out, g_bytes_unref);
      g_error_free (error);
      g_debug ("%s:%u: the idle connection was closed; connecting again", self->host, self->port);
      connect_begin (task, send_begin);
      return;
    }

  /* The message went out whole but its answer never came: the server may well have taken it.
   * Say so, so that nobody sends it a second time on their own. */
  if (op->kind == OP_SEND && op->data_complete && error->domain == PETREL_SMTP_ERROR &&
      (error->code == PETREL_SMTP_ERROR_CONNECTION || error->code == PETREL_SMTP_ERROR_TIMEOUT))
    {
      GError *uncertain = g_error_new (PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_UNCERTAIN,
                                       _("The connection to %s was lost after the message was "
                                         "sent and before the server confirmed it; it may have "
                                         "been delivered (%s)"), self->host, error->message);
      g_error_free (error);
      error = uncertain;
      fatal = TRUE;
    }

  if (fatal || op->kind == OP_CLOSE)
    petrel_smtp_client_abort_connection (self);

  op_complete (task);

  /* Closing always closes; only a cancel by the caller is worth reporting. */
  if (op->kind == OP_CLOSE && !g_error_matches (error, PETREL_SMTP_ERROR,
                                                PETREL_SMTP_ERROR_CANCELLED))
    {
      g_error_free (error);
      g_task_return_boolean (task, TRUE);
      return;
    }

  g_task_return_error (task, error);
}

/* Turns a GIO error from the connection into ours, telling a timeout from a cancel. */
static GError *
op_map_io_error (GTask  *task,
                 GError *error)
{
  PetrelSmtpClient *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  GError *mapped;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && op->timed_out)
    {
      guint seconds = (self->timeout_ms + 999) / 1000;

      mapped = g_error_new (PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_TIMEOUT,
                            g_dngettext (GETTEXT_PACKAGE,
                                         "The server %s did not answer within %u second",
                                         "The server %s did not answer within %u seconds",
                                         seconds),
                            self->host, seconds);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    mapped = g_error_new_literal (PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_CANCELLED,
                                  _("Sending was cancelled"));
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    mapped = g_error_new (PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_TIMEOUT,
                          _("The server %s did not answer in time"), self->host);
  else
    mapped = g_error_new (PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_CONNECTION,
                          _("The connection to %s was lost: %s"), self->host, error->message);

  g_error_free (error);
  return mapped;
}

/* Writing */

static void op_write_chunk (GTask *task);

static void
op_write_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gssize written;

  written = g_output_stream_write_finish (G_OUTPUT_STREAM (object), result, &error);
  op_disarm_timer (op);

  if (written < 0)
    {
      op_return_error (task, op_map_io_error (task, g_steal_pointer (&error)), TRUE);
      return;
    }

  op->out_offset += written;
  petrel_crash_point (PETREL_CRASH_NET_WRITE);
  op_write_chunk (task);
}

static void
op_write_chunk (GTask *task)
{
  PetrelSmtpClient *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  const guint8 *data;
  gsize len;

  data = g_bytes_get_data (op->out, &len);
  if (op->out_offset >= len)
    {
      g_clear_pointer (&op->out, g_bytes_unref);
      op->after_write (task);
      return;
    }

  op_arm_timer (task);
  g_output_stream_write_async (g_io_stream_get_output_stream (self->stream),
                               data + op->out_offset, MIN (WRITE_CHUNK, len - op->out_offset),
                               G_PRIORITY_DEFAULT, op->io_cancellable,
                               op_write_cb, g_object_ref (task));
}

static void
op_write (GTask  *task,
          GBytes *bytes,
          OpFunc  next)
{
  Op *op = g_task_get_task_data (task);

  g_assert (op->out == NULL);

  op->out = g_bytes_ref (bytes);
  op->out_offset = 0;
  op->after_write = next;
  op_write_chunk (task);
}

static void
wipe_and_free (gpointer data)
{
  _petrel_smtp_secure_free (data);
}

/* Writes one command line. A @secret line (an AUTH payload) is logged as "<redacted>" and
 * wiped from memory once written. */
static void
op_write_line (GTask      *task,
               const char *line,
               gboolean    secret,
               OpFunc      next)
{
  g_autoptr(GBytes) bytes = NULL;
  char *data = g_strconcat (line, "\r\n", NULL);

  if (!secret)
    g_debug ("C: %s", line);
  else if (g_str_has_prefix (line, "AUTH "))
    {
      const char *space = strchr (line + 5, ' ');
      int mech_len = space != NULL ? (int) (space - line) : (int) strlen (line);

      g_debug ("C: %.*s <redacted>", mech_len, line);
    }
  else
    g_debug ("C: <redacted>");

  bytes = g_bytes_new_with_free_func (data, strlen (data), secret ? wipe_and_free : g_free, data);
  op_write (task, bytes, next);
}

/* Reading */

static void op_read_continue (GTask *task);

static void
op_read_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PetrelSmtpClient *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &error);
  op_disarm_timer (op);

  if (n < 0)
    {
      op_return_error (task, op_map_io_error (task, g_steal_pointer (&error)), TRUE);
      return;
    }

  if (n == 0)
    {
      op_return_error (task,
                       g_error_new (PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_CONNECTION,
                                    _("The server %s closed the connection unexpectedly"),
                                    self->host),
                       TRUE);
      return;
    }

  g_byte_array_append (self->inbuf, op->readbuf, n);
  op_read_continue (task);
}

static void
op_read_continue (GTask *task)
{
  PetrelSmtpClient *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);

  for (;;)
    {
      const guint8 *data = self->inbuf->data;
      const guint8 *newline = memchr (data, '\n', self->inbuf->len);
      g_autoptr(GError) error = NULL;
      gsize line_len;

      if (newline == NULL)
        {
          if (self->inbuf->len >= PETREL_SMTP_MAX_REPLY_LINE)
            {
              op_return_error (task,
                               g_error_new (PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_PROTOCOL,
                                            _("The server sent a reply line longer than %d "
                                              "bytes"),
                                            PETREL_SMTP_MAX_REPLY_LINE),
                               TRUE);
              return;
            }
          break;
        }

      line_len = newline - data;
      if (line_len > 0 && data[line_len - 1] == '\r')
        line_len--;

      if (!_petrel_smtp_reply_add_line (op->reply, (const char *) data, line_len, &error))
        {
          op_return_error (task, g_steal_pointer (&error), TRUE);
          return;
        }

      {
        g_autofree char *logged = _petrel_smtp_sanitize ((const char *) data, line_len, 0);
        g_debug ("S: %s", logged);
      }

      g_byte_array_remove_range (self->inbuf, 0, (newline - data) + 1);

      if (op->reply->complete)
        {
          op->after_reply (task);
          return;
        }
    }

  op_arm_timer (task);
  g_input_stream_read_async (g_io_stream_get_input_stream (self->stream),
                             op->readbuf, sizeof op->readbuf, G_PRIORITY_DEFAULT,
                             op->io_cancellable, op_read_cb, g_object_ref (task));
}

/* Reads one complete reply into op->reply, then runs @next. */
static void
op_read_reply (GTask  *task,
               OpFunc  next)
{
  Op *op = g_task_get_task_data (task);

  g_clear_pointer (&op->reply, _petrel_smtp_reply_free);
  op->reply = _petrel_smtp_reply_new ();
  op->after_reply = next;
  op_read_continue (task);
}

static void
op_command_written (GTask *task)
{
  Op *op = g_task_get_task_data (task);

  op_read_reply (task, op->after_command);
}

/* Writes @line and reads the reply into op->reply, then runs @next. */
static void
op_command (GTask      *task,
            const char *line,
            gboolean    secret,
            OpFunc      next)
{
  Op *op = g_task_get_task_data (task);

  op->after_command = next;
  op_write_line (task, line, secret, op_command_written);
}

static const char *
op_host (GTask *task)
{
  PetrelSmtpClient *self = g_task_get_source_object (task);

  return self->host;
}

static gboolean
reply_is (const PetrelSmtpReply *reply,
          guint                  klass)
{
  return reply->code / 100 == klass;
}

/* TLS */

static gboolean
on_tls_accept_certificate_cb (GTlsConnection       *connection,
                              GTlsCertificate      *certificate,
                              GTlsCertificateFlags  errors,
                              gpointer              user_data)
{
  PetrelSmtpClient *self = user_data;

  /* Record what was wrong for the error message and for a later pinning decision; whoever
   * hooked the connection in ::tls-connection-created may still accept it. */
  g_set_object (&self->peer_certificate, certificate);
  self->peer_certificate_errors = errors;

  return FALSE;
}

static char *
describe_certificate_errors (PetrelSmtpClient     *self,
                             GTlsCertificateFlags  errors)
{
  g_autoptr(GPtrArray) reasons = g_ptr_array_new_with_free_func (g_free);

  if (errors & G_TLS_CERTIFICATE_UNKNOWN_CA)
    g_ptr_array_add (reasons, g_strdup (_("it is not signed by a known certificate authority")));
  if (errors & G_TLS_CERTIFICATE_BAD_IDENTITY)
    g_ptr_array_add (reasons, g_strdup_printf (_("it is not valid for “%s”"), self->host));
  if (errors & G_TLS_CERTIFICATE_NOT_ACTIVATED)
    g_ptr_array_add (reasons, g_strdup (_("it is not valid yet")));
  if (errors & G_TLS_CERTIFICATE_EXPIRED)
    g_ptr_array_add (reasons, g_strdup (_("it has expired")));
  if (errors & G_TLS_CERTIFICATE_REVOKED)
    g_ptr_array_add (reasons, g_strdup (_("it has been revoked")));
  if (errors & G_TLS_CERTIFICATE_INSECURE)
    g_ptr_array_add (reasons, g_strdup (_("it uses an insecure algorithm")));
  if ((errors & G_TLS_CERTIFICATE_GENERIC_ERROR) || reasons->len == 0)
    g_ptr_array_add (reasons, g_strdup (_("it could not be verified")));

  g_ptr_array_add (reasons, NULL);
  /* Translators: joins the reasons a certificate is refused */
  return g_strjoinv (_("; "), (char **) reasons->pdata);
}

static char *
dup_certificate_fingerprint (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;
  g_autofree char *hex = NULL;
  GString *out;

  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL)
    return g_strdup ("?");

  hex = g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
  out = g_string_new (NULL);
  for (gsize i = 0; hex[i] != '\0'; i += 2)
    {
      if (i > 0)
        g_string_append_c (out, ':');
      g_string_append_c (out, g_ascii_toupper (hex[i]));
      g_string_append_c (out, g_ascii_toupper (hex[i + 1]));
    }

  return g_string_free (out, FALSE);
}

static void
op_tls_handshake_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PetrelSmtpClient *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  GTlsConnection *tls = G_TLS_CONNECTION (object);

  op_disarm_timer (op);

  if (!g_tls_connection_handshake_finish (tls, result, &error))
    {
      GError *mapped;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        mapped = op_map_io_error (task, g_steal_pointer (&error));
      else if (self->peer_certificate_errors != 0 && self->peer_certificate != NULL)
        {
          g_autofree char *reasons = describe_certificate_errors (self,
                                                                  self->peer_certificate_errors);
          g_autofree char *fingerprint = dup_certificate_fingerprint (self->peer_certificate);

          mapped = g_error_new (PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_TLS,
                                _("The certificate of %s is not trusted: %s (SHA-256 "
                                  "fingerprint %s)"),
                                self->host, reasons, fingerprint);
        }
      else
        mapped = g_error_new (PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_TLS,
                              _("Could not set up an encrypted connection to %s: %s"),
                              self->host, error->message);

      op_return_error (task, mapped, TRUE);
      return;
    }

  g_set_object (&self->peer_certificate, g_tls_connection_get_peer_certificate (tls));
  g_set_object (&self->stream, G_IO_STREAM (tls));
  g_clear_object (&op->tls);
  self->tls_active = TRUE;

  g_debug ("%s:%u: TLS established", self->host, self->port);

  op->after_tls (task);
}

static void
op_start_tls (GTask  *task,
              OpFunc  next)
{
  PetrelSmtpClient *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  g_autoptr(GSocketConnectable) identity = NULL;
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GError) error = NULL;

  identity = g_network_address_new (self->host, self->port);
  tls = g_tls_client_connection_new (G_IO_STREAM (self->connection), identity, &error);
  if (tls == NULL)
    {
      op_return_error (task,
                       g_error_new (PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_TLS,
                                    _("TLS is not available: %s"), error->message),
                       TRUE);
      return;
    }

  if (self->tls_database != NULL)
    g_tls_connection_set_database (G_TLS_CONNECTION (tls), self->tls_database);

  g_clear_object (&self->peer_certificate);
  self->peer_certificate_errors = 0;
  g_signal_connect_object (tls, "accept-certificate",
                           G_CALLBACK (on_tls_accept_certificate_cb), self, 0);

  g_signal_emit (self, signals[TLS_CONNECTION_CREATED], 0, tls);

  op->tls = G_TLS_CONNECTION (g_steal_pointer (&tls));
  op->after_tls = next;
  op_arm_timer (task);
  g_tls_connection_handshake_async (op->tls, G_PRIORITY_DEFAULT, op->io_cancellable,
                                    op_tls_handshake_cb, g_object_ref (task));
}

/* Connecting */

static void connect_send_ehlo (GTask *task);
static void connect_auth (GTask *task);

static void
connect_done (GTask *task)
{
  PetrelSmtpClient *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);

  g_debug ("%s:%u: ready (%s%s%s)", self->host, self->port,
           self->tls_active ? "encrypted" : "not encrypted",
           self->auth_used != NULL ? ", signed in with " : "",
           self->auth_used != NULL ? self->auth_used : "");

  op->after_connect (task);
}

static void
auth_final_cb (GTask *task)
{
  PetrelSmtpClient *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (op->reply->code == 235)
    {
      self->auth_used = op->auth_mechanism;
      connect_done (task);
      return;
    }

  if (op->reply->code == 334 && !op->auth_aborted)
    {
      /* The server wants more than we have to give: RFC 4954 says to cancel with "*". */
      op->auth_aborted = TRUE;
      op_command (task, "*", FALSE, auth_final_cb);
      return;
    }

  error = _petrel_smtp_reply_to_error (op->reply, NULL);
  if (!reply_is (op->reply, 4))
    error->code = PETREL_SMTP_ERROR_AUTH;

  if (op->auth_challenge != NULL)
    {
      g_autofree char *message = g_strdup_printf ("%s [%s]", error->message, op->auth_challenge);
      g_free (error->message);
      error->message = g_steal_pointer (&message);
    }

  g_prefix_error (&error, _("Signing in to %s failed: "), self->host);
  op_return_error (task, g_steal_pointer (&error), TRUE);
}

static void
auth_token_cb (GTask *task)
{
  Op *op = g_task_get_task_data (task);

  if (op->reply->code == 334)
    {
      g_autofree guchar *decoded = NULL;
      gsize len = 0;

      /* An OAuth failure comes as a 334 with a JSON status (RFC 7628 3.2.2); the client
       * answers with an empty response (XOAUTH2) or ^A (OAUTHBEARER) to get the final 5xx. */
      if (op->reply->lines->len > 0)
        decoded = g_base64_decode (g_ptr_array_index (op->reply->lines, 0), &len);
      g_clear_pointer (&op->auth_challenge, g_free);
      op->auth_challenge = _petrel_smtp_sanitize ((const char *) decoded, len, 200);

      op_command (task, g_str_equal (op->auth_mechanism, "OAUTHBEARER") ? "AQ==" : "",
                  FALSE, auth_final_cb);
      return;
    }

  auth_final_cb (task);
}

static void
auth_login_password_cb (GTask *task)
{
  PetrelSmtpClient *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  g_autoptr(PetrelSmtpSecret) encoded = NULL;

  if (op->reply->code != 334)
    {
      auth_final_cb (task);
      return;
    }

  encoded = g_base64_encode ((const guchar *) self->password, strlen (self->password));
  op_command (task, encoded, TRUE, auth_final_cb);
}

static void
auth_login_user_cb (GTask *task)
{
  PetrelSmtpClient *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  g_autoptr(PetrelSmtpSecret) encoded = NULL;

  if (op->reply->code != 334)
    {
      auth_final_cb (task);
      return;
    }

  encoded = g_base64_encode ((const guchar *) self->user, strlen (self->user));
  op_command (task, encoded, TRUE, auth_login_password_cb);
}

static void
connect_auth (GTask *task)
{
  PetrelSmtpClient *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  gboolean have_password = self->password != NULL;
  gboolean have_token = self->token != NULL;
  g_autoptr(PetrelSmtpSecret) payload = NULL;
  g_autoptr(PetrelSmtpSecret) line = NULL;

  if (!have_password && !have_token)
    {
      connect_done (task);
      return;
    }

  if (!(self->capabilities & PETREL_SMTP_CAPABILITY_AUTH) ||
      self->auth_mechanisms == NULL || self->auth_mechanisms[0] == NULL)
    {
      op_return_error (task,
                       g_error_new (PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_AUTH,
                                    _("The server %s does not offer signing in"),
                                    self->host),
                       TRUE);
      return;
    }

  if (!self->tls_active && !self->peer_is_loopback)
    {
      op_return_error (task,
                       g_error_new (PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_AUTH,
                                    _("The connection to %s is not encrypted, so the password "
                                      "was not sent"),
                                    self->host),
                       TRUE);
      return;
    }

  op->auth_mechanism = _petrel_smtp_choose_mechanism ((const char * const *) self->auth_mechanisms,
                                                      have_password, have_token);
  if (op->auth_mechanism == NULL)
    {
      g_autofree char *offered = g_strjoinv (" ", self->auth_mechanisms);
      g_autofree char *quoted = _petrel_smtp_sanitize (offered, -1, 200);

      op_return_error (task,
                       g_error_new (PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_AUTH,
                                    _("The server %s offers no sign-in method that can be used "
                                      "with these credentials (it offers: %s)"),
                                    self->host, quoted),
                       TRUE);
      return;
    }

  if (g_str_equal (op->auth_mechanism, "LOGIN"))
    {
      op_command (task, "AUTH LOGIN", FALSE, auth_login_user_cb);
      return;
    }

  if (g_str_equal (op->auth_mechanism, "PLAIN"))
    {
      payload = _petrel_smtp_auth_plain (self->user, self->password);
      line = g_strconcat ("AUTH PLAIN ", payload, NULL);
      op_command (task, line, TRUE, auth_final_cb);
      return;
    }

  if (g_str_equal (op->auth_mechanism, "XOAUTH2"))
    payload = _petrel_smtp_auth_xoauth2 (self->user, self->token);
  else
    payload = _petrel_smtp_auth_oauthbearer (self->user, self->token, self->host, self->port);

  line = g_strconcat ("AUTH ", op->auth_mechanism, " ", payload, NULL);
  op_command (task, line, TRUE, auth_token_cb);
}

/* "454 4.7.0": a reply's codes, without its text. */
static char *
dup_reply_codes (const PetrelSmtpReply *reply)
{
  if (reply->enhanced != NULL)
    return g_strdup_printf ("%u %s", reply->code, reply->enhanced);
  return g_strdup_printf ("%u", reply->code);
}

/* Whether what the server says now comes in the clear on an account that requires encryption
 * (before STARTTLS): anyone on the path may have written it, so its text is logged, never
 * shown; only its codes are (issue #10). */
static gboolean
is_unprotected (PetrelSmtpClient *self)
{
  return self->security == PETREL_SMTP_SECURITY_STARTTLS && !self->tls_active;
}

/* The error for a refused greeting or EHLO/HELO: the server's text after @prefix, or only the
 * reply's codes while the connection is not yet encrypted. */
static GError *
refusal_error (PetrelSmtpClient      *self,
               const PetrelSmtpReply *reply,
               gboolean               greeting)
{
  GError *error = _petrel_smtp_reply_to_error (reply, NULL);

  if (is_unprotected (self))
    {
      g_autofree char *text = _petrel_smtp_reply_dup_text (reply);
      g_autofree char *codes = dup_reply_codes (reply);
      GError *plain;

      g_debug ("%s: refused before encryption: %u %s", self->host, reply->code, text);
      plain = g_error_new (error->domain, error->code,
                           greeting
                           /* Translators: the first %s is a host name, the second an SMTP
                            * reply code such as "554 5.7.1" */
                           ? _("The server %s refused the connection (reply %s)")
                           /* Translators: as above */
                           : _("The server %s refused the greeting (reply %s)"),
                           self->host, codes);
      g_error_free (error);
      return plain;
    }

  g_prefix_error (&error,
                  greeting ? _("The server %s refused the connection: ")
                           : _("The server %s refused the greeting: "),
                  self->host);
  return error;
}

static void
connect_starttls_cb (GTask *task)
{
  PetrelSmtpClient *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);

  if (op->reply->code != 220)
    {
      g_autofree char *text = _petrel_smtp_reply_dup_text (op->reply);
      g_autofree char *code = dup_reply_codes (op->reply);

      /* The reply came unencrypted, so anyone on the path may have written it: its text is
       * logged, never shown, only its codes (issue #10). */
      g_debug ("%s: STARTTLS refused: %u %s", self->host, op->reply->code, text);
      op_return_error (task,
                       g_error_new (PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_TLS,
                                    /* Translators: the first %s is a host name, the second an
                                     * SMTP reply code such as "454 4.7.0" */
                                    _("The server %s refused to start encryption (reply %s)"),
                                    self->host, code),
                       TRUE);
      return;
    }

  /* Anything already read past the 220 was sent before the handshake, in the clear, and
   * would be taken as if it came over TLS (STARTTLS response injection, CVE-2011-0411). */
  if (self->inbuf->len > 0)
    {
      op_return_error (task,
                       g_error_new (PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_TLS,
                                    _("The server %s sent unexpected data before encryption "
                                      "started, which may be an attack; the connection was "
                                      "closed"),
                                    self->host),
                       TRUE);
      return;
    }

  /* What the server said before TLS may have been forged: forget it and ask again. */
  self->capabilities = PETREL_SMTP_CAPABILITY_NONE;
  self->max_size = 0;
  g_clear_pointer (&self->auth_mechanisms, g_strfreev);

  op_start_tls (task, connect_send_ehlo);
}

static void
connect_after_ehlo (GTask *task)
{
  PetrelSmtpClient *self = g_task_get_source_object (task);

  if (self->security == PETREL_SMTP_SECURITY_STARTTLS && !self->tls_active)
    {
      if (!(self->capabilities & PETREL_SMTP_CAPABILITY_STARTTLS))
        {
          op_return_error (task,
                           g_error_new (PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_TLS,
                                        _("The server %s does not offer STARTTLS, but this "
                                          "account requires an encrypted connection"),
                                        self->host),
                           TRUE);
          return;
        }

      op_command (task, "STARTTLS", FALSE, connect_starttls_cb);
      return;
    }

  connect_auth (task);
}

static void
connect_helo_cb (GTask *task)
{
  PetrelSmtpClient *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);

  if (!reply_is (op->reply, 2))
    {
      op_return_error (task, refusal_error (self, op->reply, FALSE), TRUE);
      return;
    }

  self->capabilities = PETREL_SMTP_CAPABILITY_NONE;
  self->max_size = 0;
  g_clear_pointer (&self->auth_mechanisms, g_strfreev);

  connect_after_ehlo (task);
}

static const char *
get_helo_name (PetrelSmtpClient *self)
{
  if (self->helo_name != NULL)
    return self->helo_name;
  if (self->address_literal != NULL)
    return self->address_literal;
  return "[127.0.0.1]";
}

static void
connect_ehlo_cb (GTask *task)
{
  PetrelSmtpClient *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);

  if (reply_is (op->reply, 2))
    {
      _petrel_smtp_parse_ehlo (op->reply, &self->capabilities, &self->max_size,
                               &self->auth_mechanisms);
      connect_after_ehlo (task);
      return;
    }

  if (reply_is (op->reply, 5))
    {
      /* An old server without ESMTP (RFC 5321 3.2). */
      g_autofree char *line = g_strdup_printf ("HELO %s", get_helo_name (self));

      op_command (task, line, FALSE, connect_helo_cb);
      return;
    }

  connect_helo_cb (task);
}

static void
connect_send_ehlo (GTask *task)
{
  PetrelSmtpClient *self = g_task_get_source_object (task);
  g_autofree char *line = g_strdup_printf ("EHLO %s", get_helo_name (self));

  op_command (task, line, FALSE, connect_ehlo_cb);
}

static void
connect_greeting_cb (GTask *task)
{
  PetrelSmtpClient *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);

  if (op->reply->code != 220)
    {
      op_return_error (task, refusal_error (self, op->reply, TRUE), TRUE);
      return;
    }

  connect_send_ehlo (task);
}

static void
connect_read_greeting (GTask *task)
{
  op_read_reply (task, connect_greeting_cb);
}

static void
connect_socket_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PetrelSmtpClient *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GSocketAddress) remote = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GError) error = NULL;

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (object), result, &error);
  op_disarm_timer (op);

  if (connection == NULL)
    {
      GError *mapped;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        mapped = op_map_io_error (task, g_steal_pointer (&error));
      else
        mapped = g_error_new (PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_CONNECTION,
                              _("Could not connect to %s port %u: %s"),
                              self->host, self->port, error->message);
      op_return_error (task, mapped, TRUE);
      return;
    }

  self->connection = g_object_ref (connection);
  self->stream = G_IO_STREAM (g_object_ref (connection));

  remote = g_socket_connection_get_remote_address (connection, NULL);
  if (G_IS_INET_SOCKET_ADDRESS (remote))
    {
      GInetSocketAddress *inet = G_INET_SOCKET_ADDRESS (remote);

      self->peer_is_loopback =
        g_inet_address_get_is_loopback (g_inet_socket_address_get_address (inet));
    }

  /* EHLO names us by our address literal rather than by host name, which would tell every
   * server the machine's name for nothing. */
  local = g_socket_connection_get_local_address (connection, NULL);
  g_clear_pointer (&self->address_literal, g_free);
  if (G_IS_INET_SOCKET_ADDRESS (local))
    {
      GInetAddress *address = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local));
      g_autofree char *text = g_inet_address_to_string (address);

      if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6)
        self->address_literal = g_strdup_printf ("[IPv6:%s]", text);
      else
        self->address_literal = g_strdup_printf ("[%s]", text);
    }

  g_debug ("%s:%u: connected", self->host, self->port);

  if (self->security == PETREL_SMTP_SECURITY_TLS)
    op_start_tls (task, connect_read_greeting);
  else
    connect_read_greeting (task);
}

/* Connects, sets up TLS, greets, signs in; then runs @next. */
static void
connect_begin (GTask  *task,
               OpFunc  next)
{
  PetrelSmtpClient *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  g_autoptr(GSocketClient) client = NULL;
  g_autoptr(GSocketConnectable) address = NULL;

  petrel_smtp_client_abort_connection (self);
  op->after_connect = next;

  client = g_socket_client_new ();
  address = g_network_address_new (self->host, self->port);

  g_debug ("%s:%u: connecting (%s)", self->host, self->port,
           self->security == PETREL_SMTP_SECURITY_TLS ? "TLS" :
           self->security == PETREL_SMTP_SECURITY_STARTTLS ? "STARTTLS" : "no encryption");

  op_arm_timer (task);
  g_socket_client_connect_async (client, address, op->io_cancellable,
                                 connect_socket_cb, g_object_ref (task));
}

static void
connect_return (GTask *task)
{
  op_complete (task);
  g_task_return_boolean (task, TRUE);
}

/* Sending */

static void send_read_next_reply (GTask *task);
static void send_write_next_command (GTask *task);

static void
send_return (GTask *task)
{
  Op *op = g_task_get_task_data (task);

  op_complete (task);
  g_task_return_pointer (task, g_steal_pointer (&op->results), (GDestroyNotify) g_ptr_array_unref);
}

static void
send_fail_with_reply (GTask      *task,
                      const char *context)
{
  Op *op = g_task_get_task_data (task);
  GError *error = _petrel_smtp_reply_to_error (op->reply, context);

  /* 421: the server is closing the connection (RFC 5321 3.8). */
  op_return_error (task, error,
                   op->reply->code == 421 || error->code == PETREL_SMTP_ERROR_PROTOCOL);
}

static void
send_final_cb (GTask *task)
{
  Op *op = g_task_get_task_data (task);

  if (!reply_is (op->reply, 2))
    {
      send_fail_with_reply (task, _("Sending the message"));
      return;
    }

  send_return (task);
}

static void send_bdat_next (GTask *task);

static void
send_bdat_reply_cb (GTask *task)
{
  Op *op = g_task_get_task_data (task);

  if (!reply_is (op->reply, 2))
    {
      send_fail_with_reply (task, _("Sending the message"));
      return;
    }

  if (op->bdat_last)
    {
      send_return (task);
      return;
    }

  send_bdat_next (task);
}

static void
send_bdat_header_written (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  g_autoptr(GBytes) chunk = g_steal_pointer (&op->bdat_chunk);

  g_debug ("C: <%" G_GSIZE_FORMAT " bytes of message>", g_bytes_get_size (chunk));
  op->after_command = send_bdat_reply_cb;
  op->data_complete = op->bdat_last;
  op_write (task, chunk, op_command_written);
}

/* RFC 3030: "BDAT n [LAST]" then exactly n bytes, no dot-stuffing and no terminator. */
static void
send_bdat_next (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  gsize total = g_bytes_get_size (op->canonical);
  gsize n = MIN (BDAT_CHUNK, total - op->bdat_offset);
  g_autofree char *line = NULL;

  op->bdat_last = op->bdat_offset + n == total;
  op->bdat_chunk = g_bytes_new_from_bytes (op->canonical, op->bdat_offset, n);
  op->bdat_offset += n;

  line = g_strdup_printf ("BDAT %" G_GSIZE_FORMAT "%s", n, op->bdat_last ? " LAST" : "");
  op_write_line (task, line, FALSE, send_bdat_header_written);
}

static void
send_data_written (GTask *task)
{
  Op *op = g_task_get_task_data (task);

  op->data_complete = TRUE;
  op_read_reply (task, send_final_cb);
}

static GError *
all_refused_error (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  g_autoptr(GString) details = g_string_new (NULL);
  gboolean temporary = FALSE;

  for (guint i = 0; i < op->results->len; i++)
    {
      PetrelSmtpRecipientResult *result = g_ptr_array_index (op->results, i);
      g_autofree char *address = _petrel_smtp_sanitize (result->address, -1, 80);

      if (result->code / 100 == 4)
        temporary = TRUE;
      if (details->len > 0)
        g_string_append (details, "; ");
      g_string_append_printf (details, "%s: %s (%u%s%s %s)", address,
                              petrel_smtp_describe_status (result->code, result->enhanced_code),
                              result->code,
                              result->enhanced_code != NULL ? " " : "",
                              result->enhanced_code != NULL ? result->enhanced_code : "",
                              result->text);
    }

  return g_error_new (PETREL_SMTP_ERROR,
                      temporary ? PETREL_SMTP_ERROR_TEMPORARY : PETREL_SMTP_ERROR_PERMANENT,
                      _("The server refused every recipient: %s"), details->str);
}

static void
send_check_transaction (GTask *task)
{
  PetrelSmtpClient *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);

  if (op->txn_error != NULL)
    {
      op_return_error (task, g_steal_pointer (&op->txn_error), op->txn_error_fatal);
      return;
    }

  if (op->n_accepted == 0)
    {
      op_return_error (task, all_refused_error (task), FALSE);
      return;
    }

  if (self->capabilities & PETREL_SMTP_CAPABILITY_CHUNKING)
    {
      send_bdat_next (task);
      return;
    }

  if (!op->data_ready)
    {
      op_return_error (task,
                       g_error_new (PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_PROTOCOL,
                                    _("The server %s did not ask for the message"),
                                    self->host),
                       TRUE);
      return;
    }

  {
    g_autoptr(GBytes) body = _petrel_smtp_dot_stuff (op->canonical);

    g_debug ("C: <%" G_GSIZE_FORMAT " bytes of message>", g_bytes_get_size (body));
    op_write (task, body, send_data_written);
  }
}

static void
send_empty_data_cb (GTask *task)
{
  /* Whatever the server thinks of an empty message with no recipients, nothing was sent. */
  send_check_transaction (task);
}

static void
send_commands_done (GTask *task)
{
  Op *op = g_task_get_task_data (task);

  if (op->data_ready && !op->txn_error_fatal && (op->txn_error != NULL || op->n_accepted == 0))
    {
      /* A pipelined DATA was accepted although the transaction failed: end the data at once
       * (RFC 2920 3.1) so the session stays in step. */
      g_autoptr(GBytes) end = g_bytes_new_static (".\r\n", 3);

      g_debug ("C: .");
      op->after_command = send_empty_data_cb;
      op_write (task, end, op_command_written);
      return;
    }

  send_check_transaction (task);
}

static void
send_command_reply_cb (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  guint index = op->next_reply++;
  CmdKind kind = g_array_index (op->cmd_kinds, CmdKind, index);
  PetrelSmtpReply *reply = op->reply;
  gboolean stop = FALSE;

  /* A 421 as the first answer on a reused connection is the server's idle timeout ("421 4.4.2
   * Error: timeout exceeded"): it took nothing, so this is a dropped connection too. */
  if (reply->code == 421 && op->retry_if_dropped)
    {
      op_return_error (task,
                       g_error_new (PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_CONNECTION,
                                    _("The server %s closed the idle connection"), op_host (task)),
                       TRUE);
      return;
    }

  /* The server has answered: from here on a dropped connection is a real failure. */
  op->retry_if_dropped = FALSE;

  switch (kind)
    {
    case CMD_RSET:
      if (!reply_is (reply, 2))
        {
          /* Replies to the rest of a pipelined group would follow; do not try to resync. */
          op_return_error (task, _petrel_smtp_reply_to_error (reply, _("Resetting the session")),
                           TRUE);
          return;
        }
      break;

    case CMD_MAIL:
      if (!reply_is (reply, 2))
        {
          g_autofree char *from = _petrel_smtp_sanitize (op->from, -1, 80);
          g_autofree char *context = g_strdup_printf (_("Sending from %s"),
                                                      op->from[0] != '\0' ? from : "<>");

          op->txn_error = _petrel_smtp_reply_to_error (reply, context);
          op->txn_error_fatal = reply->code == 421 ||
                                op->txn_error->code == PETREL_SMTP_ERROR_PROTOCOL;
          stop = TRUE;
        }
      break;

    case CMD_RCPT:
      {
        const char *address = op->recipients[index - op->first_rcpt];
        PetrelSmtpRecipientResult *result = recipient_result_new (address, reply);

        if (reply->code == 421 && op->txn_error == NULL)
          {
            op->txn_error = _petrel_smtp_reply_to_error (reply, NULL);
            op->txn_error_fatal = TRUE;
            stop = TRUE;
          }
        if (result->accepted)
          op->n_accepted++;
        g_ptr_array_add (op->results, result);

        /* Without pipelining, DATA is only sent if someone will get the message. */
        if (op->recipients[index - op->first_rcpt + 1] == NULL && op->n_accepted == 0)
          stop = TRUE;
      }
      break;

    case CMD_DATA:
      if (reply->code == 354)
        op->data_ready = TRUE;
      else if (op->txn_error == NULL && op->n_accepted > 0)
        {
          op->txn_error = _petrel_smtp_reply_to_error (reply, _("Sending the message"));
          op->txn_error_fatal = reply->code == 421 ||
                                op->txn_error->code == PETREL_SMTP_ERROR_PROTOCOL;
        }
      break;

    default:
      g_assert_not_reached ();
    }

  if (op->next_reply >= op->cmd_kinds->len || (stop && !op->pipelined) || op->txn_error_fatal)
    {
      send_commands_done (task);
      return;
    }

  if (op->pipelined)
    send_read_next_reply (task);
  else
    send_write_next_command (task);
}

static void
send_read_next_reply (GTask *task)
{
  op_read_reply (task, send_command_reply_cb);
}

static void
send_write_next_command (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  const char *line = g_ptr_array_index (op->cmd_lines, op->next_cmd++);

  op_command (task, line, FALSE, send_command_reply_cb);
}

static void
add_command (Op      *op,
             CmdKind  kind,
             char    *line)
{
  g_array_append_val (op->cmd_kinds, kind);
  g_ptr_array_add (op->cmd_lines, line);
}

static void
send_begin (GTask *task)
{
  PetrelSmtpClient *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  gsize size = g_bytes_get_size (op->canonical);
  gboolean dsn = (op->flags & PETREL_SMTP_SEND_DSN) &&
                 (self->capabilities & PETREL_SMTP_CAPABILITY_DSN);
  g_autoptr(GString) mail = g_string_new (NULL);

  /* Everything the server could refuse from its EHLO alone is checked before MAIL. */
  if (op->non_ascii_address != NULL && !(self->capabilities & PETREL_SMTP_CAPABILITY_SMTPUTF8))
    {
      g_autofree char *quoted = _petrel_smtp_sanitize (op->non_ascii_address, -1, 80);

      op_return_error (task,
                       g_error_new (PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_UNSUPPORTED,
                                    _("The address “%s” contains non-ASCII characters, but the "
                                      "server %s does not accept such addresses (no SMTPUTF8)"),
                                    quoted, self->host),
                       FALSE);
      return;
    }

  if (op->has_8bit && !(self->capabilities & PETREL_SMTP_CAPABILITY_8BITMIME))
    {
      op_return_error (task,
                       g_error_new (PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_UNSUPPORTED,
                                    _("The message contains 8-bit data, but the server %s only "
                                      "accepts 7-bit messages (no 8BITMIME); the message must be "
                                      "encoded before it is sent"),
                                    self->host),
                       FALSE);
      return;
    }

  if (self->max_size > 0 && size > self->max_size)
    {
      g_autofree char *have = g_format_size (size);
      g_autofree char *limit = g_format_size (self->max_size);
      /* Exact counts as strings: xgettext cannot read G_GSIZE_FORMAT in a msgid. */
      g_autofree char *have_bytes = g_strdup_printf ("%" G_GSIZE_FORMAT, size);
      g_autofree char *limit_bytes = g_strdup_printf ("%" G_GUINT64_FORMAT, self->max_size);

      op_return_error (task,
                       g_error_new (PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_SIZE,
                                    /* Translators: "The message is 1.2 MB (1234567 bytes), but
                                     * the server smtp.example.com accepts at most 1.0 MB
                                     * (1000000 bytes)" */
                                    _("The message is %s (%s bytes), but the server %s accepts "
                                      "at most %s (%s bytes)"),
                                    have, have_bytes, self->host, limit, limit_bytes),
                       FALSE);
      return;
    }

  /* Fresh state: this may be the second attempt after a stale connection. */
  g_clear_pointer (&op->cmd_kinds, g_array_unref);
  g_clear_pointer (&op->cmd_lines, g_ptr_array_unref);
  g_clear_pointer (&op->results, g_ptr_array_unref);
  g_clear_error (&op->txn_error);
  op->txn_error_fatal = FALSE;
  op->next_cmd = op->next_reply = op->n_accepted = 0;
  op->data_ready = FALSE;

  op->cmd_kinds = g_array_new (FALSE, FALSE, sizeof (CmdKind));
  op->cmd_lines = g_ptr_array_new_with_free_func (g_free);
  op->results = g_ptr_array_new_with_free_func ((GDestroyNotify) petrel_smtp_recipient_result_free);
  op->pipelined = (self->capabilities & PETREL_SMTP_CAPABILITY_PIPELINING) != 0;

  if (self->need_rset)
    add_command (op, CMD_RSET, g_strdup ("RSET"));

  g_string_append_printf (mail, "MAIL FROM:<%s>", op->from);
  if (self->capabilities & PETREL_SMTP_CAPABILITY_SIZE)
    g_string_append_printf (mail, " SIZE=%" G_GSIZE_FORMAT, size);
  if (op->has_8bit)
    g_string_append (mail, " BODY=8BITMIME");
  if (op->non_ascii_address != NULL)
    g_string_append (mail, " SMTPUTF8");
  if (dsn)
    g_string_append (mail, " RET=HDRS");
  add_command (op, CMD_MAIL, g_string_free (g_steal_pointer (&mail), FALSE));

  op->first_rcpt = op->cmd_kinds->len;
  for (guint i = 0; op->recipients[i] != NULL; i++)
    add_command (op, CMD_RCPT, g_strdup_printf ("RCPT TO:<%s>%s", op->recipients[i],
                                                dsn ? " NOTIFY=SUCCESS,FAILURE" : ""));

  if (!(self->capabilities & PETREL_SMTP_CAPABILITY_CHUNKING))
    add_command (op, CMD_DATA, g_strdup ("DATA"));

  /* From here on the server holds transaction state that the next message must reset. */
  self->need_rset = TRUE;

  if (op->pipelined)
    {
      /* RFC 2920: the whole group in one write, then the replies in order. */
      g_autoptr(GString) group = g_string_new (NULL);
      g_autoptr(GBytes) bytes = NULL;

      for (guint i = 0; i < op->cmd_lines->len; i++)
        {
          const char *line = g_ptr_array_index (op->cmd_lines, i);

          g_debug ("C: %s", line);
          g_string_append (group, line);
          g_string_append (group, "\r\n");
        }
      op->next_cmd = op->cmd_lines->len;

      bytes = g_string_free_to_bytes (g_steal_pointer (&group));
      op_write (task, bytes, send_read_next_reply);
      return;
    }

  send_write_next_command (task);
}

/* GObject */

static void
petrel_smtp_client_abort_connection (PetrelSmtpClient *self)
{
  if (self->connection != NULL)
    g_socket_close (g_socket_connection_get_socket (self->connection), NULL);

  g_clear_object (&self->stream);
  g_clear_object (&self->connection);
  if (self->inbuf != NULL)
    g_byte_array_set_size (self->inbuf, 0);

  self->tls_active = FALSE;
  self->peer_is_loopback = FALSE;
  self->need_rset = FALSE;
  self->capabilities = PETREL_SMTP_CAPABILITY_NONE;
  self->max_size = 0;
  self->auth_used = NULL;
  g_clear_pointer (&self->auth_mechanisms, g_strfreev);
}

static void
petrel_smtp_client_dispose (GObject *object)
{
  PetrelSmtpClient *self = (PetrelSmtpClient *) object;

  petrel_smtp_client_abort_connection (self);
  g_clear_object (&self->tls_database);
  g_clear_object (&self->peer_certificate);

  G_OBJECT_CLASS (petrel_smtp_client_parent_class)->dispose (object);
}

static void
petrel_smtp_client_finalize (GObject *object)
{
  PetrelSmtpClient *self = (PetrelSmtpClient *) object;

  g_clear_pointer (&self->host, g_free);
  g_clear_pointer (&self->helo_name, g_free);
  g_clear_pointer (&self->address_literal, g_free);
  g_clear_pointer (&self->inbuf, g_byte_array_unref);
  g_clear_pointer (&self->user, g_free);
  g_clear_pointer (&self->password, _petrel_smtp_secure_free);
  g_clear_pointer (&self->token, _petrel_smtp_secure_free);

  G_OBJECT_CLASS (petrel_smtp_client_parent_class)->finalize (object);
}

static void
petrel_smtp_client_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  PetrelSmtpClient *self = PETREL_SMTP_CLIENT (object);

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

    case PROP_TIMEOUT:
      g_value_set_uint (value, self->timeout_ms);
      break;

    case PROP_HELO_NAME:
      g_value_set_string (value, self->helo_name);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
petrel_smtp_client_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  PetrelSmtpClient *self = PETREL_SMTP_CLIENT (object);

  switch (prop_id)
    {
    case PROP_HOST:
      self->host = g_value_dup_string (value);
      break;

    case PROP_PORT:
      self->port = g_value_get_uint (value);
      break;

    case PROP_SECURITY:
      self->security = g_value_get_enum (value);
      break;

    case PROP_TLS_DATABASE:
      petrel_smtp_client_set_tls_database (self, g_value_get_object (value));
      break;

    case PROP_TIMEOUT:
      petrel_smtp_client_set_timeout (self, g_value_get_uint (value));
      break;

    case PROP_HELO_NAME:
      petrel_smtp_client_set_helo_name (self, g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
petrel_smtp_client_class_init (PetrelSmtpClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = petrel_smtp_client_dispose;
  object_class->finalize = petrel_smtp_client_finalize;
  object_class->get_property = petrel_smtp_client_get_property;
  object_class->set_property = petrel_smtp_client_set_property;

  properties[PROP_HOST] =
    g_param_spec_string ("host", NULL, NULL,
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  properties[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL,
                       1, G_MAXUINT16, 587,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  properties[PROP_SECURITY] =
    g_param_spec_enum ("security", NULL, NULL,
                       PETREL_TYPE_SMTP_SECURITY, PETREL_SMTP_SECURITY_STARTTLS,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  properties[PROP_TLS_DATABASE] =
    g_param_spec_object ("tls-database", NULL, NULL,
                         G_TYPE_TLS_DATABASE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * PetrelSmtpClient:timeout:
   *
   * Milliseconds one step (connecting, a handshake, a read, a write of up to 64 KiB) may
   * take before the operation fails with %PETREL_SMTP_ERROR_TIMEOUT; 0 waits forever.
   */
  properties[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, NULL,
                       0, G_MAXUINT, DEFAULT_TIMEOUT_MS,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY |
                       G_PARAM_STATIC_STRINGS);

  properties[PROP_HELO_NAME] =
    g_param_spec_string ("helo-name", NULL, NULL,
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * PetrelSmtpClient::tls-connection-created:
   * @self: the client
   * @connection: the #GTlsClientConnection, before its handshake
   *
   * Lets the account layer adjust the connection before the handshake, for instance connect
   * to #GTlsConnection::accept-certificate to accept a pinned certificate. The client's own
   * handler, which records the certificate and its errors, runs first and returns %FALSE.
   */
  signals[TLS_CONNECTION_CREATED] =
    g_signal_new ("tls-connection-created",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_TLS_CLIENT_CONNECTION);
}

static void
petrel_smtp_client_init (PetrelSmtpClient *self)
{
  self->inbuf = g_byte_array_new ();
  self->timeout_ms = DEFAULT_TIMEOUT_MS;
}

/* Public API */

/**
 * petrel_smtp_client_new:
 * @host: the server's host name or address
 * @port: the port (465 for implicit TLS, 587 for STARTTLS)
 * @security: how to encrypt the connection
 *
 * Returns: (transfer full): a client that is not connected yet
 */
PetrelSmtpClient *
petrel_smtp_client_new (const char         *host,
                        guint16             port,
                        PetrelSmtpSecurity  security)
{
  g_return_val_if_fail (host != NULL && *host != '\0', NULL);
  g_return_val_if_fail (port > 0, NULL);

  return g_object_new (PETREL_TYPE_SMTP_CLIENT,
                       "host", host,
                       "port", (guint) port,
                       "security", security,
                       NULL);
}

const char *
petrel_smtp_client_get_host (PetrelSmtpClient *self)
{
  g_return_val_if_fail (PETREL_IS_SMTP_CLIENT (self), NULL);
  return self->host;
}

guint16
petrel_smtp_client_get_port (PetrelSmtpClient *self)
{
  g_return_val_if_fail (PETREL_IS_SMTP_CLIENT (self), 0);
  return self->port;
}

PetrelSmtpSecurity
petrel_smtp_client_get_security (PetrelSmtpClient *self)
{
  g_return_val_if_fail (PETREL_IS_SMTP_CLIENT (self), PETREL_SMTP_SECURITY_TLS);
  return self->security;
}

/**
 * petrel_smtp_client_get_tls_database:
 *
 * Returns: (transfer none) (nullable): the database certificates are checked against, or
 *   %NULL for the system's default
 */
GTlsDatabase *
petrel_smtp_client_get_tls_database (PetrelSmtpClient *self)
{
  g_return_val_if_fail (PETREL_IS_SMTP_CLIENT (self), NULL);
  return self->tls_database;
}

void
petrel_smtp_client_set_tls_database (PetrelSmtpClient *self,
                                     GTlsDatabase     *database)
{
  g_return_if_fail (PETREL_IS_SMTP_CLIENT (self));
  g_return_if_fail (database == NULL || G_IS_TLS_DATABASE (database));

  if (g_set_object (&self->tls_database, database))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TLS_DATABASE]);
}

guint
petrel_smtp_client_get_timeout (PetrelSmtpClient *self)
{
  g_return_val_if_fail (PETREL_IS_SMTP_CLIENT (self), 0);
  return self->timeout_ms;
}

/**
 * petrel_smtp_client_set_timeout:
 * @timeout_ms: milliseconds one step may take, or 0 for none
 *
 * Applies from the next step on.
 */
void
petrel_smtp_client_set_timeout (PetrelSmtpClient *self,
                                guint             timeout_ms)
{
  g_return_if_fail (PETREL_IS_SMTP_CLIENT (self));

  if (self->timeout_ms != timeout_ms)
    {
      self->timeout_ms = timeout_ms;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIMEOUT]);
    }
}

const char *
petrel_smtp_client_get_helo_name (PetrelSmtpClient *self)
{
  g_return_val_if_fail (PETREL_IS_SMTP_CLIENT (self), NULL);
  return self->helo_name;
}

static gboolean
is_valid_helo_name (const char *name)
{
  if (*name == '\0' || strlen (name) > 255)
    return FALSE;

  for (const char *p = name; *p != '\0'; p++)
    if ((guchar) *p <= ' ' || (guchar) *p >= 0x7f)
      return FALSE;

  return TRUE;
}

/**
 * petrel_smtp_client_set_helo_name:
 * @helo_name: (nullable): the name to give in EHLO, or %NULL for our address literal
 */
void
petrel_smtp_client_set_helo_name (PetrelSmtpClient *self,
                                  const char       *helo_name)
{
  g_return_if_fail (PETREL_IS_SMTP_CLIENT (self));
  g_return_if_fail (helo_name == NULL || is_valid_helo_name (helo_name));

  if (g_strcmp0 (self->helo_name, helo_name) != 0)
    {
      g_free (self->helo_name);
      self->helo_name = g_strdup (helo_name);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HELO_NAME]);
    }
}

/**
 * petrel_smtp_client_set_password:
 * @user: the user name
 * @password: the password
 *
 * Signs in with PLAIN or LOGIN on the next connection. The password is kept in memory only,
 * wiped when replaced or when the client is finalized, never logged, and only sent inside TLS
 * or to a loopback address.
 */
void
petrel_smtp_client_set_password (PetrelSmtpClient *self,
                                 const char       *user,
                                 const char       *password)
{
  g_return_if_fail (PETREL_IS_SMTP_CLIENT (self));
  g_return_if_fail (user != NULL);
  g_return_if_fail (password != NULL);

  petrel_smtp_client_clear_credentials (self);
  self->user = g_strdup (user);
  self->password = g_strdup (password);
}

/**
 * petrel_smtp_client_set_oauth2_token:
 * @user: the user name (usually the email address)
 * @token: an OAuth 2.0 access token
 *
 * Signs in with OAUTHBEARER or XOAUTH2 on the next connection.
 */
void
petrel_smtp_client_set_oauth2_token (PetrelSmtpClient *self,
                                     const char       *user,
                                     const char       *token)
{
  g_return_if_fail (PETREL_IS_SMTP_CLIENT (self));
  g_return_if_fail (user != NULL);
  g_return_if_fail (token != NULL);

  petrel_smtp_client_clear_credentials (self);
  self->user = g_strdup (user);
  self->token = g_strdup (token);
}

void
petrel_smtp_client_clear_credentials (PetrelSmtpClient *self)
{
  g_return_if_fail (PETREL_IS_SMTP_CLIENT (self));

  g_clear_pointer (&self->user, g_free);
  g_clear_pointer (&self->password, _petrel_smtp_secure_free);
  g_clear_pointer (&self->token, _petrel_smtp_secure_free);
}

gboolean
petrel_smtp_client_is_connected (PetrelSmtpClient *self)
{
  g_return_val_if_fail (PETREL_IS_SMTP_CLIENT (self), FALSE);
  return self->stream != NULL;
}

gboolean
petrel_smtp_client_is_encrypted (PetrelSmtpClient *self)
{
  g_return_val_if_fail (PETREL_IS_SMTP_CLIENT (self), FALSE);
  return self->stream != NULL && self->tls_active;
}

PetrelSmtpCapabilities
petrel_smtp_client_get_capabilities (PetrelSmtpClient *self)
{
  g_return_val_if_fail (PETREL_IS_SMTP_CLIENT (self), PETREL_SMTP_CAPABILITY_NONE);
  return self->capabilities;
}

/**
 * petrel_smtp_client_get_max_size:
 *
 * Returns: the largest message the server accepts (SIZE), or 0 if it gave no limit
 */
guint64
petrel_smtp_client_get_max_size (PetrelSmtpClient *self)
{
  g_return_val_if_fail (PETREL_IS_SMTP_CLIENT (self), 0);
  return self->max_size;
}

/**
 * petrel_smtp_client_get_auth_mechanisms:
 *
 * Returns: (transfer none): the upper-case SASL mechanisms the server offers
 */
const char * const *
petrel_smtp_client_get_auth_mechanisms (PetrelSmtpClient *self)
{
  static const char * const none[] = { NULL };

  g_return_val_if_fail (PETREL_IS_SMTP_CLIENT (self), none);
  return self->auth_mechanisms != NULL ? (const char * const *) self->auth_mechanisms : none;
}

/**
 * petrel_smtp_client_get_auth_mechanism_used:
 *
 * Returns: (nullable): the mechanism the client signed in with on this connection
 */
const char *
petrel_smtp_client_get_auth_mechanism_used (PetrelSmtpClient *self)
{
  g_return_val_if_fail (PETREL_IS_SMTP_CLIENT (self), NULL);
  return self->auth_used;
}

/**
 * petrel_smtp_client_get_peer_certificate:
 *
 * Returns: (transfer none) (nullable): the certificate the server presented on the last TLS
 *   handshake, kept after a failed one so the account layer can offer to pin it
 */
GTlsCertificate *
petrel_smtp_client_get_peer_certificate (PetrelSmtpClient *self)
{
  g_return_val_if_fail (PETREL_IS_SMTP_CLIENT (self), NULL);
  return self->peer_certificate;
}

GTlsCertificateFlags
petrel_smtp_client_get_peer_certificate_errors (PetrelSmtpClient *self)
{
  g_return_val_if_fail (PETREL_IS_SMTP_CLIENT (self), 0);
  return self->peer_certificate_errors;
}

static gboolean
return_if_busy (PetrelSmtpClient *self,
                GTask            *task)
{
  if (!self->busy)
    return FALSE;

  g_task_return_new_error (task, PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_BUSY,
                           _("Another operation is already running on this connection"));
  return TRUE;
}

/**
 * petrel_smtp_client_connect_async:
 *
 * Connects, sets up TLS as the security setting says, reads the server's extensions and
 * signs in if credentials were set. Does nothing if already connected.
 */
void
petrel_smtp_client_connect_async (PetrelSmtpClient    *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (PETREL_IS_SMTP_CLIENT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, petrel_smtp_client_connect_async);
  /* Cancellation is reported as PETREL_SMTP_ERROR_CANCELLED, like every other error. */
  g_task_set_check_cancellable (task, FALSE);

  if (return_if_busy (self, task))
    return;

  if (self->stream != NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  g_task_set_task_data (task, op_new (OP_CONNECT, cancellable), op_free);
  op_start (task);
  connect_begin (task, connect_return);
}

gboolean
petrel_smtp_client_connect_finish (PetrelSmtpClient  *self,
                                   GAsyncResult      *result,
                                   GError           **error)
{
  g_return_val_if_fail (PETREL_IS_SMTP_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * petrel_smtp_client_send_async:
 * @from: the envelope sender, "" for the null reverse-path
 * @recipients: the envelope recipients, at least one
 * @message: the RFC 5322 message
 *
 * Same as petrel_smtp_client_send_full_async() without flags.
 */
void
petrel_smtp_client_send_async (PetrelSmtpClient    *self,
                               const char          *from,
                               const char * const  *recipients,
                               GBytes              *message,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  petrel_smtp_client_send_full_async (self, from, recipients, message, PETREL_SMTP_SEND_NONE,
                                      cancellable, callback, user_data);
}

/**
 * petrel_smtp_client_send_full_async:
 * @from: the envelope sender, "" for the null reverse-path
 * @recipients: the envelope recipients, at least one
 * @message: the RFC 5322 message; line endings may be LF, CR or CRLF
 * @flags: #PetrelSmtpSendFlags
 *
 * Sends one message, connecting first if needed. Addresses and the message are checked before
 * anything is written: an address with a space, control character or angle bracket, a
 * message line over 998 bytes or a NUL byte fail at once, and so does a message larger than
 * the server's SIZE or needing an extension (8BITMIME, SMTPUTF8) the server lacks.
 *
 * The message succeeds when at least one recipient was accepted and the server took the data;
 * petrel_smtp_client_send_finish() then tells for each recipient whether it was accepted.
 */
void
petrel_smtp_client_send_full_async (PetrelSmtpClient    *self,
                                    const char          *from,
                                    const char * const  *recipients,
                                    GBytes              *message,
                                    PetrelSmtpSendFlags  flags,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) canonical = NULL;
  const char *non_ascii_address = NULL;
  gboolean has_8bit = FALSE;
  gboolean non_ascii = FALSE;
  Op *op;

  g_return_if_fail (PETREL_IS_SMTP_CLIENT (self));
  g_return_if_fail (from != NULL);
  g_return_if_fail (recipients != NULL);
  g_return_if_fail (message != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, petrel_smtp_client_send_full_async);
  /* Cancellation is reported as PETREL_SMTP_ERROR_CANCELLED, like every other error. */
  g_task_set_check_cancellable (task, FALSE);

  if (return_if_busy (self, task))
    return;

  if (!_petrel_smtp_check_address (from, TRUE, &non_ascii, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (non_ascii)
    non_ascii_address = from;

  if (recipients[0] == NULL)
    {
      g_task_return_new_error (task, PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_INVALID_ADDRESS,
                               _("The message has no recipients"));
      return;
    }

  for (guint i = 0; recipients[i] != NULL; i++)
    {
      if (!_petrel_smtp_check_address (recipients[i], FALSE, &non_ascii, &error))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      if (non_ascii && non_ascii_address == NULL)
        non_ascii_address = recipients[i];
    }

  canonical = _petrel_smtp_canonicalize (message, &has_8bit, &error);
  if (canonical == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  op = op_new (OP_SEND, cancellable);
  op->from = g_strdup (from);
  op->recipients = g_strdupv ((char **) recipients);
  op->flags = flags;
  op->canonical = g_steal_pointer (&canonical);
  op->has_8bit = has_8bit;
  op->non_ascii_address = g_strdup (non_ascii_address);
  g_task_set_task_data (task, op, op_free);

  op_start (task);

  /* Bytes left over from the last exchange mean the server said more than it was asked:
   * whatever it meant, the session is out of step. Start afresh. */
  if (self->stream != NULL && self->inbuf->len > 0)
    {
      g_debug ("%s:%u: unexpected data from the server; reconnecting", self->host, self->port);
      petrel_smtp_client_abort_connection (self);
    }

  if (self->stream == NULL)
    connect_begin (task, send_begin);
  else
    {
      op->retry_if_dropped = TRUE;
      send_begin (task);
    }
}

/**
 * petrel_smtp_client_send_finish:
 *
 * Returns: (transfer container) (element-type PetrelSmtpRecipientResult): one result per
 *   recipient, in order, or %NULL with @error set
 */
GPtrArray *
petrel_smtp_client_send_finish (PetrelSmtpClient  *self,
                                GAsyncResult      *result,
                                GError           **error)
{
  g_return_val_if_fail (PETREL_IS_SMTP_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
close_stream_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PetrelSmtpClient *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);

  /* The server may already have gone; we are closing either way. */
  g_io_stream_close_finish (G_IO_STREAM (object), result, NULL);
  op_disarm_timer (op);

  petrel_smtp_client_abort_connection (self);
  op_complete (task);
  g_task_return_boolean (task, TRUE);
}

static void
close_quit_cb (GTask *task)
{
  PetrelSmtpClient *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);

  op_arm_timer (task);
  g_io_stream_close_async (self->stream, G_PRIORITY_DEFAULT, op->io_cancellable,
                           close_stream_cb, g_object_ref (task));
}

/**
 * petrel_smtp_client_close_async:
 *
 * Says QUIT and closes the connection. Fails only when cancelled; the connection is closed
 * in every case.
 */
void
petrel_smtp_client_close_async (PetrelSmtpClient    *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (PETREL_IS_SMTP_CLIENT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, petrel_smtp_client_close_async);
  /* Cancellation is reported as PETREL_SMTP_ERROR_CANCELLED, like every other error. */
  g_task_set_check_cancellable (task, FALSE);

  if (return_if_busy (self, task))
    return;

  if (self->stream == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  g_task_set_task_data (task, op_new (OP_CLOSE, cancellable), op_free);
  op_start (task);
  op_command (task, "QUIT", FALSE, close_quit_cb);
}

gboolean
petrel_smtp_client_close_finish (PetrelSmtpClient  *self,
                                 GAsyncResult      *result,
                                 GError           **error)
{
  g_return_val_if_fail (PETREL_IS_SMTP_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
