/* petrel-test-servers.c: private IMAP/SMTP servers for engine tests
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Runs tests/support/petrel-test-servers (path from $PETREL_TEST_SERVERS) as a child with a
 * stdin pipe, reads the JSON line it prints when its Dovecot and SMTP servers are ready, and
 * stops it by closing that pipe. Everything here is synchronous: it is test setup, and every
 * wait has a timeout so a broken server fails the test instead of hanging it. */

#include "petrel-test-servers.h"

#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>

#define DEFAULT_START_TIMEOUT_SECONDS 60
#define COMMAND_TIMEOUT_SECONDS 30
#define STOP_TIMEOUT_SECONDS 30
#define EXIT_UNAVAILABLE 77

typedef struct
{
  char *user;
  char *email;
  char *password;
  char *name;
} User;

struct _PetrelTestServers
{
  GSubprocess      *process;        /* owned */
  GDataInputStream *lines;          /* owned: the child's stdout */
  GMainContext     *context;        /* owned: private context for the waits */
  char             *script;         /* owned */

  char             *host;           /* owned */
  char             *dir;            /* owned */
  char             *ca_file;        /* owned */
  char             *maildir_root;   /* owned */
  guint16           imap_port;
  guint16           imaps_port;
  guint16           smtp_port;
  guint16           smtps_port;
  GArray           *users;          /* owned, of User */
};

G_DEFINE_QUARK (petrel-test-servers-error-quark, petrel_test_servers_error)

static void
clear_user (gpointer data)
{
  User *user = data;

  g_free (user->user);
  g_free (user->email);
  if (user->password != NULL)
    memset (user->password, 0, strlen (user->password));
  g_free (user->password);
  g_free (user->name);
}

typedef struct
{
  gboolean      done;
  gboolean      timed_out;
  GAsyncResult *result;
} Wait;

static void
wait_async_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Wait *wait = user_data;

  wait->result = g_object_ref (result);
  wait->done = TRUE;
}

static gboolean
wait_timeout_cb (gpointer user_data)
{
  Wait *wait = user_data;

  wait->timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the private context until wait->done; cancels cancellable once on timeout (the
 * operation then finishes with G_IO_ERROR_CANCELLED, and wait->timed_out tells why). */
static void
run_until_done (PetrelTestServers *self,
                Wait              *wait,
                GCancellable      *cancellable,
                guint              timeout_seconds)
{
  GSource *timeout = g_timeout_source_new_seconds (timeout_seconds);
  gboolean cancelled = FALSE;

  g_source_set_callback (timeout, wait_timeout_cb, wait, NULL);
  g_source_attach (timeout, self->context);

  while (!wait->done)
    {
      if (wait->timed_out && !cancelled)
        {
          g_cancellable_cancel (cancellable);
          cancelled = TRUE;
        }
      g_main_context_iteration (self->context, TRUE);
    }

  g_source_destroy (timeout);
  g_source_unref (timeout);
}

static char *
read_line (PetrelTestServers *self,
           guint              timeout_seconds,
           GError           **error)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) local_error = NULL;
  Wait wait = { 0 };
  char *line;

  g_main_context_push_thread_default (self->context);
  g_data_input_stream_read_line_async (self->lines, G_PRIORITY_DEFAULT, cancellable,
                                       wait_async_cb, &wait);
  run_until_done (self, &wait, cancellable, timeout_seconds);
  g_main_context_pop_thread_default (self->context);

  line = g_data_input_stream_read_line_finish_utf8 (self->lines, wait.result, NULL, &local_error);
  g_clear_object (&wait.result);

  if (local_error != NULL && wait.timed_out)
    g_set_error (error, PETREL_TEST_SERVERS_ERROR, PETREL_TEST_SERVERS_ERROR_TIMED_OUT,
                 "petrel-test-servers did not answer within %u seconds", timeout_seconds);
  else if (local_error != NULL)
    g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                "Reading from petrel-test-servers: ");
  else if (line == NULL)
    g_set_error_literal (error, PETREL_TEST_SERVERS_ERROR, PETREL_TEST_SERVERS_ERROR_PROTOCOL,
                         "petrel-test-servers exited without answering (see its stderr)");
  return line;
}

/* Waits for the child to exit; returns FALSE on timeout. */
static gboolean
wait_for_exit (PetrelTestServers *self,
               guint              timeout_seconds)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Wait wait = { 0 };
  gboolean exited;

  g_main_context_push_thread_default (self->context);
  g_subprocess_wait_async (self->process, cancellable, wait_async_cb, &wait);
  run_until_done (self, &wait, cancellable, timeout_seconds);
  g_main_context_pop_thread_default (self->context);

  exited = g_subprocess_wait_finish (self->process, wait.result, NULL);
  g_clear_object (&wait.result);
  return exited;
}

static JsonObject *
parse_object (const char *line,
              GError    **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (!json_parser_load_from_data (parser, line, -1, error))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, PETREL_TEST_SERVERS_ERROR, PETREL_TEST_SERVERS_ERROR_PROTOCOL,
                   "petrel-test-servers printed something that is not a JSON object: %.200s",
                   line);
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

static gboolean
get_port (JsonObject *info,
          const char *name,
          guint16    *port,
          GError    **error)
{
  gint64 value = json_object_get_int_member_with_default (info, name, 0);

  if (value <= 0 || value > G_MAXUINT16)
    {
      g_set_error (error, PETREL_TEST_SERVERS_ERROR, PETREL_TEST_SERVERS_ERROR_PROTOCOL,
                   "The ready line of petrel-test-servers has no valid “%s”", name);
      return FALSE;
    }
  *port = (guint16) value;
  return TRUE;
}

static gboolean
load_info (PetrelTestServers *self,
           JsonObject        *info,
           GError           **error)
{
  const char *strings[] = { "host", "dir", "ca_file", "maildir_root" };
  char **fields[] = { &self->host, &self->dir, &self->ca_file, &self->maildir_root };
  JsonArray *users;

  for (guint i = 0; i < G_N_ELEMENTS (strings); i++)
    {
      const char *value = json_object_get_string_member_with_default (info, strings[i], NULL);

      if (value == NULL || *value == '\0')
        {
          g_set_error (error, PETREL_TEST_SERVERS_ERROR, PETREL_TEST_SERVERS_ERROR_PROTOCOL,
                       "The ready line of petrel-test-servers has no “%s”", strings[i]);
          return FALSE;
        }
      *fields[i] = g_strdup (value);
    }

  if (!get_port (info, "imap_port", &self->imap_port, error) ||
      !get_port (info, "imaps_port", &self->imaps_port, error) ||
      !get_port (info, "smtp_port", &self->smtp_port, error) ||
      !get_port (info, "smtps_port", &self->smtps_port, error))
    return FALSE;

  users = NULL;
  if (json_object_has_member (info, "users") &&
      JSON_NODE_HOLDS_ARRAY (json_object_get_member (info, "users")))
    users = json_object_get_array_member (info, "users");
  if (users == NULL || json_array_get_length (users) == 0)
    {
      g_set_error_literal (error, PETREL_TEST_SERVERS_ERROR, PETREL_TEST_SERVERS_ERROR_PROTOCOL,
                           "The ready line of petrel-test-servers has no users");
      return FALSE;
    }

  for (guint i = 0; i < json_array_get_length (users); i++)
    {
      JsonNode *node = json_array_get_element (users, i);
      JsonObject *object;
      User user = { NULL };

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      object = json_node_get_object (node);
      user.user = g_strdup (json_object_get_string_member_with_default (object, "user", NULL));
      user.email = g_strdup (json_object_get_string_member_with_default (object, "email", NULL));
      user.password = g_strdup (json_object_get_string_member_with_default (object, "password",
                                                                            NULL));
      user.name = g_strdup (json_object_get_string_member_with_default (object, "name", ""));
      if (user.user == NULL || user.email == NULL || user.password == NULL)
        {
          clear_user (&user);
          g_set_error (error, PETREL_TEST_SERVERS_ERROR, PETREL_TEST_SERVERS_ERROR_PROTOCOL,
                       "User %u in the ready line of petrel-test-servers is incomplete", i);
          return FALSE;
        }
      g_array_append_val (self->users, user);
    }

  return TRUE;
}

static void
free_servers (PetrelTestServers *self)
{
  g_clear_object (&self->lines);
  g_clear_object (&self->process);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->users, g_array_unref);
  g_free (self->script);
  g_free (self->host);
  g_free (self->dir);
  g_free (self->ca_file);
  g_free (self->maildir_root);
  g_free (self);
}

/* Closes stdin, waits for the exit; escalates to SIGTERM, then SIGKILL. */
static void
shut_down (PetrelTestServers *self)
{
  if (self->process == NULL)
    return;

  g_output_stream_close (g_subprocess_get_stdin_pipe (self->process), NULL, NULL);
  if (wait_for_exit (self, STOP_TIMEOUT_SECONDS))
    return;

  g_printerr ("petrel-test-servers did not stop after stdin closed: sending SIGTERM\n");
  g_subprocess_send_signal (self->process, SIGTERM);
  if (wait_for_exit (self, 10))
    return;

  g_printerr ("petrel-test-servers did not stop on SIGTERM: killing it\n");
  g_subprocess_force_exit (self->process);
  wait_for_exit (self, 10);
}

static JsonObject *
run_command (PetrelTestServers *self,
             JsonBuilder       *builder,
             GError           **error)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autoptr(JsonObject) reply = NULL;
  g_autofree char *request = NULL;
  g_autofree char *line = NULL;
  GOutputStream *input;

  g_return_val_if_fail (self->process != NULL, NULL);

  json_generator_set_root (generator, root);
  request = json_generator_to_data (generator, NULL);
  input = g_subprocess_get_stdin_pipe (self->process);
  if (!g_output_stream_write_all (input, request, strlen (request), NULL, NULL, error) ||
      !g_output_stream_write_all (input, "\n", 1, NULL, NULL, error) ||
      !g_output_stream_flush (input, NULL, error))
    return NULL;

  line = read_line (self, COMMAND_TIMEOUT_SECONDS, error);
  if (line == NULL)
    return NULL;
  reply = parse_object (line, error);
  if (reply == NULL)
    return NULL;
  if (!json_object_get_boolean_member_with_default (reply, "ok", FALSE))
    {
      g_set_error (error, PETREL_TEST_SERVERS_ERROR, PETREL_TEST_SERVERS_ERROR_REFUSED,
                   "petrel-test-servers refused the command: %s",
                   json_object_get_string_member_with_default (reply, "error", "no reason"));
      return NULL;
    }
  return g_steal_pointer (&reply);
}

static gboolean
simple_command (PetrelTestServers *self,
                JsonBuilder       *builder,
                GError           **error)
{
  g_autoptr(JsonObject) reply = NULL;

  json_builder_end_object (builder);
  reply = run_command (self, builder, error);
  return reply != NULL;
}

static JsonBuilder *
begin_command (const char *cmd)
{
  JsonBuilder *builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "cmd");
  json_builder_add_string_value (builder, cmd);
  return builder;
}

static const User *
get_user_at (PetrelTestServers *self,
             guint              i)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (i < self->users->len, NULL);

  return &g_array_index (self->users, User, i);
}

/**
 * petrel_test_servers_start_full:
 * @extra_args: (nullable): more arguments for `petrel-test-servers run`, e.g. "--keep"
 * @timeout_seconds: how long to wait for the ready line, 0 for the default
 * @error: return location for an error
 *
 * Starts a private Dovecot and SMTP submission server (see tests/support/README.md).
 * %PETREL_TEST_SERVERS_ERROR_UNAVAILABLE means a needed program is not installed.
 *
 * Returns: (transfer full) (nullable): the running servers; stop them with
 *   petrel_test_servers_stop() (or let g_autoptr do it)
 */
PetrelTestServers *
petrel_test_servers_start_full (const char * const *extra_args,
                                guint               timeout_seconds,
                                GError            **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(JsonObject) info = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *line = NULL;
  PetrelTestServers *self;
  const char *script;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  script = g_getenv ("PETREL_TEST_SERVERS");
  if (script == NULL || *script == '\0')
    {
      g_set_error_literal (error, PETREL_TEST_SERVERS_ERROR, PETREL_TEST_SERVERS_ERROR_FAILED,
                           "PETREL_TEST_SERVERS is not set: run the test with “meson test” or "
                           "point it at tests/support/petrel-test-servers");
      return NULL;
    }

  /* Writing to the pipe of a child that died must give EPIPE, not kill the test: GSocket's
   * class init ignores SIGPIPE process-wide, as GIO programs expect anyway. */
  g_type_class_unref (g_type_class_ref (G_TYPE_SOCKET));

  if (timeout_seconds == 0)
    timeout_seconds = DEFAULT_START_TIMEOUT_SECONDS;

  g_ptr_array_add (argv, (char *) script);
  g_ptr_array_add (argv, (char *) "run");
  for (guint i = 0; extra_args != NULL && extra_args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) extra_args[i]);
  g_ptr_array_add (argv, NULL);

  self = g_new0 (PetrelTestServers, 1);
  self->script = g_strdup (script);
  self->context = g_main_context_new ();
  self->users = g_array_new (FALSE, TRUE, sizeof (User));
  g_array_set_clear_func (self->users, clear_user);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  self->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata,
                                                &local_error);
  if (self->process == NULL)
    {
      g_set_error (error, PETREL_TEST_SERVERS_ERROR, PETREL_TEST_SERVERS_ERROR_FAILED,
                   "Could not run %s: %s", script, local_error->message);
      free_servers (self);
      return NULL;
    }
  self->lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (self->process));
  g_data_input_stream_set_newline_type (self->lines, G_DATA_STREAM_NEWLINE_TYPE_LF);

  line = read_line (self, timeout_seconds, error);
  if (line != NULL)
    info = parse_object (line, error);

  if (info != NULL && json_object_has_member (info, "error"))
    {
      gboolean unavailable = json_object_get_boolean_member_with_default (info, "unavailable",
                                                                          FALSE);

      g_set_error (error, PETREL_TEST_SERVERS_ERROR,
                   unavailable ? PETREL_TEST_SERVERS_ERROR_UNAVAILABLE
                               : PETREL_TEST_SERVERS_ERROR_FAILED,
                   "petrel-test-servers could not start: %s",
                   json_object_get_string_member_with_default (info, "error", "unknown error"));
      g_clear_pointer (&info, json_object_unref);
    }

  if (info == NULL || !load_info (self, info, error))
    {
      shut_down (self);
      free_servers (self);
      return NULL;
    }

  return self;
}

/**
 * petrel_test_servers_start:
 * @error: return location for an error
 *
 * petrel_test_servers_start_full() with no extra arguments and the default timeout.
 *
 * Returns: (transfer full) (nullable): the running servers
 */
PetrelTestServers *
petrel_test_servers_start (GError **error)
{
  return petrel_test_servers_start_full (NULL, 0, error);
}

/**
 * petrel_test_servers_stop:
 * @self: (transfer full) (nullable): servers from petrel_test_servers_start()
 *
 * Closes the script's stdin, which stops Dovecot and the SMTP server and removes the
 * instance directory, waits for the script to exit and frees @self.
 */
void
petrel_test_servers_stop (PetrelTestServers *self)
{
  if (self == NULL)
    return;

  shut_down (self);
  free_servers (self);
}

const char *
petrel_test_servers_get_host (PetrelTestServers *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->host;
}

guint16
petrel_test_servers_get_imap_port (PetrelTestServers *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->imap_port;
}

guint16
petrel_test_servers_get_imaps_port (PetrelTestServers *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->imaps_port;
}

guint16
petrel_test_servers_get_smtp_port (PetrelTestServers *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->smtp_port;
}

guint16
petrel_test_servers_get_smtps_port (PetrelTestServers *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->smtps_port;
}

/**
 * petrel_test_servers_get_ca_file:
 * @self: the servers
 *
 * Returns: the PEM file of the throwaway CA that signed the servers' certificate
 */
const char *
petrel_test_servers_get_ca_file (PetrelTestServers *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->ca_file;
}

const char *
petrel_test_servers_get_dir (PetrelTestServers *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->dir;
}

const char *
petrel_test_servers_get_maildir_root (PetrelTestServers *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->maildir_root;
}

guint
petrel_test_servers_get_n_users (PetrelTestServers *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->users->len;
}

/**
 * petrel_test_servers_get_user:
 * @self: the servers
 * @i: the user's index, below petrel_test_servers_get_n_users()
 *
 * Returns: the login name of user @i ("alice", "bob", …)
 */
const char *
petrel_test_servers_get_user (PetrelTestServers *self,
                              guint              i)
{
  const User *user = get_user_at (self, i);

  return user != NULL ? user->user : NULL;
}

const char *
petrel_test_servers_get_password (PetrelTestServers *self,
                                  guint              i)
{
  const User *user = get_user_at (self, i);

  return user != NULL ? user->password : NULL;
}

const char *
petrel_test_servers_get_email (PetrelTestServers *self,
                               guint              i)
{
  const User *user = get_user_at (self, i);

  return user != NULL ? user->email : NULL;
}

const char *
petrel_test_servers_get_name (PetrelTestServers *self,
                              guint              i)
{
  const User *user = get_user_at (self, i);

  return user != NULL ? user->name : NULL;
}

/**
 * petrel_test_servers_dup_tls_database:
 * @self: the servers
 * @error: return location for an error
 *
 * Returns: (transfer full) (nullable): a TLS database trusting only the servers' CA
 */
GTlsDatabase *
petrel_test_servers_dup_tls_database (PetrelTestServers  *self,
                                      GError            **error)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return g_tls_file_database_new (self->ca_file, error);
}

/**
 * petrel_test_servers_seed:
 * @self: the servers
 * @user: the login name, e.g. "alice"
 * @folder: "INBOX" or a folder name ("Archive", "Projects/Petrel")
 * @count: how many messages to write
 * @seed: the same seed gives the same messages
 * @error: return location for an error
 *
 * Writes @count generated messages straight into the user's maildir (fast: no IMAP, no
 * SMTP). Dovecot sees them at its next sync of the folder.
 *
 * Returns: %TRUE if all were written
 */
gboolean
petrel_test_servers_seed (PetrelTestServers  *self,
                          const char         *user,
                          const char         *folder,
                          guint               count,
                          guint               seed,
                          GError            **error)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autofree char *count_str = g_strdup_printf ("%u", count);
  g_autofree char *seed_str = g_strdup_printf ("%u", seed);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (user != NULL, FALSE);
  g_return_val_if_fail (folder != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                              error, self->script, "seed", "--dir", self->dir, "--user", user,
                              "--folder", folder, "--count", count_str, "--seed", seed_str,
                              NULL);
  if (process == NULL)
    return FALSE;
  if (!g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, error))
    return FALSE;
  if (!g_subprocess_get_if_exited (process) || g_subprocess_get_exit_status (process) != 0)
    {
      g_set_error (error, PETREL_TEST_SERVERS_ERROR, PETREL_TEST_SERVERS_ERROR_FAILED,
                   "Seeding %u messages into %s of %s failed: %s", count, folder, user,
                   err != NULL ? g_strstrip (err) : "no message");
      return FALSE;
    }
  return TRUE;
}

/**
 * petrel_test_servers_smtp_set_size_limit:
 * @self: the servers
 * @limit: the SIZE the SMTP server advertises and enforces, in bytes; 0 for no limit
 * @error: return location for an error
 *
 * Applies to SMTP connections made after this call.
 *
 * Returns: %TRUE on success
 */
gboolean
petrel_test_servers_smtp_set_size_limit (PetrelTestServers  *self,
                                         guint64             limit,
                                         GError            **error)
{
  g_autoptr(JsonBuilder) builder = begin_command ("smtp-size");

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (limit <= G_MAXINT64, FALSE);

  json_builder_set_member_name (builder, "limit");
  json_builder_add_int_value (builder, (gint64) limit);
  return simple_command (self, builder, error);
}

/**
 * petrel_test_servers_smtp_reject_recipient:
 * @self: the servers
 * @address: a recipient address
 * @reply: (nullable): one 4xx/5xx SMTP reply line, e.g. "452 4.2.2 Mailbox full", or
 *   %NULL to accept @address again
 * @error: return location for an error
 *
 * Makes the SMTP server answer RCPT TO:<@address> with @reply.
 *
 * Returns: %TRUE on success
 */
gboolean
petrel_test_servers_smtp_reject_recipient (PetrelTestServers  *self,
                                           const char         *address,
                                           const char         *reply,
                                           GError            **error)
{
  g_autoptr(JsonBuilder) builder = begin_command ("smtp-reject-rcpt");

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  json_builder_set_member_name (builder, "address");
  json_builder_add_string_value (builder, address);
  json_builder_set_member_name (builder, "reply");
  if (reply != NULL)
    json_builder_add_string_value (builder, reply);
  else
    json_builder_add_null_value (builder);
  return simple_command (self, builder, error);
}

/**
 * petrel_test_servers_smtp_set_data_reply:
 * @self: the servers
 * @reply: (nullable): the SMTP reply line to give to DATA instead of delivering, or %NULL
 *   to deliver again
 * @error: return location for an error
 *
 * Returns: %TRUE on success
 */
gboolean
petrel_test_servers_smtp_set_data_reply (PetrelTestServers  *self,
                                         const char         *reply,
                                         GError            **error)
{
  g_autoptr(JsonBuilder) builder = begin_command ("smtp-data-reply");

  g_return_val_if_fail (self != NULL, FALSE);

  json_builder_set_member_name (builder, "reply");
  if (reply != NULL)
    json_builder_add_string_value (builder, reply);
  else
    json_builder_add_null_value (builder);
  return simple_command (self, builder, error);
}

/**
 * petrel_test_servers_smtp_reset:
 * @self: the servers
 * @error: return location for an error
 *
 * Undoes every petrel_test_servers_smtp_*() change.
 *
 * Returns: %TRUE on success
 */
gboolean
petrel_test_servers_smtp_reset (PetrelTestServers  *self,
                                GError            **error)
{
  g_autoptr(JsonBuilder) builder = begin_command ("smtp-reset");

  g_return_val_if_fail (self != NULL, FALSE);

  return simple_command (self, builder, error);
}
