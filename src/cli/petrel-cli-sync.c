/* petrel-cli-sync.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * petrel-cli sync and show: the commands that may go to the server.
 */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <signal.h>

#include "mime/petrel-mime-text.h"
#include "sync/petrel-changes.h"
#include "sync/petrel-sync.h"

#include "petrel-cli-commands.h"
#include "petrel-cli-messages.h"

static void
on_progress_notify_cb (PetrelSyncProgress *progress,
                       GParamSpec         *pspec,
                       gpointer            user_data)
{
  const char *account_id = user_data;
  PetrelSyncPhase phase = petrel_sync_progress_get_phase (progress);
  const char *folder = petrel_sync_progress_get_folder (progress);
  g_autofree char *label = NULL;

  if (phase == PETREL_SYNC_PHASE_DONE || phase == PETREL_SYNC_PHASE_IDLE)
    {
      cli_progress_done ();
      return;
    }

  label = g_strdup_printf ("%s %s %s", account_id, folder != NULL ? folder : "",
                           petrel_sync_phase_to_string (phase));
  cli_progress (label, petrel_sync_progress_get_done (progress),
                petrel_sync_progress_get_total (progress));
}

static gboolean
sync_one (PetrelAccount  *account,
          const char     *folder,
          gboolean        headers_only,
          GError        **error)
{
  g_autoptr(PetrelSyncProgress) progress = petrel_sync_progress_new ();
  CliWait wait;
  gboolean ok;

  g_signal_connect (progress, "notify", G_CALLBACK (on_progress_notify_cb),
                    (gpointer) petrel_account_get_id (account));

  cli_wait_init (&wait);
  petrel_account_sync_async (account, folder, headers_only, progress, NULL,
                             cli_wait_callback, &wait);
  ok = petrel_account_sync_finish (account, cli_wait_run (&wait), error);
  cli_wait_clear (&wait);
  cli_progress_done ();

  g_signal_handlers_disconnect_by_func (progress, on_progress_notify_cb,
                                        (gpointer) petrel_account_get_id (account));
  return ok;
}

int
cli_command_sync (CliGlobals  *globals,
                  int          argc,
                  char       **argv)
{
  static const char *synopsis = "sync [ID…] [--folder PATH] [--headers-only]";
  static const CliOptSpec specs[] = {
    { "folder", CLI_OPT_VALUE },
    { "headers-only", CLI_OPT_FLAG },
    { NULL },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(CliArgs) args = NULL;
  g_autoptr(GPtrArray) accounts = NULL;
  int status = CLI_EXIT_OK;

  args = cli_args_parse (specs, argc - 1, argv + 1, &error);
  if (args == NULL)
    return cli_usage (synopsis, "%s", error->message);

  /* --offline is accepted by every command: here it leaves nothing to do. */
  if (globals->offline)
    {
      fprintf (stderr, "%s\n", _("petrel-cli: offline: nothing is synced; queued changes and "
                                 "the outbox wait for the next sync"));
      return CLI_EXIT_OK;
    }

  {
    g_autoptr(GPtrArray) ids = g_ptr_array_new_null_terminated (4, NULL, TRUE);

    for (guint i = 0; i < cli_args_n_positional (args); i++)
      g_ptr_array_add (ids, (gpointer) cli_args_positional (args, i));
    accounts = cli_open_accounts (globals, (const char * const *) ids->pdata, &error);
    if (accounts == NULL)
      return cli_fail (error);
  }

  for (guint i = 0; i < accounts->len; i++)
    {
      PetrelAccount *account = g_ptr_array_index (accounts, i);
      g_autoptr(GError) sync_error = NULL;

      if (!sync_one (account, cli_args_value (args, "folder"),
                     cli_args_has (args, "headers-only"), &sync_error))
        {
          g_autofree char *line = cli_one_line (sync_error->message);

          /* One failing account does not stop the others; the exit status tells. */
          fprintf (stderr, "petrel-cli: %s: %s\n", petrel_account_get_id (account), line);
          status = CLI_EXIT_ERROR;
        }
    }

  /* A move between accounts deletes its originals only once the target holds the copies: a
   * source synced before its target replays its half again now, not at its next sync. */
  for (guint i = 0; accounts->len > 1 && i < accounts->len; i++)
    {
      PetrelAccount *account = g_ptr_array_index (accounts, i);
      g_autoptr(GPtrArray) ops = petrel_changes_list_pending (account, NULL);
      g_autoptr(GError) replay_error = NULL;
      gboolean waiting = FALSE;

      for (guint j = 0; ops != NULL && j < ops->len; j++)
        {
          PetrelStoreReplayOp *op = g_ptr_array_index (ops, j);

          waiting |= g_strcmp0 (op->kind, "account-move-out") == 0 &&
                     g_strcmp0 (op->state, "pending") == 0;
        }
      if (waiting && !petrel_changes_replay (account, NULL, NULL, &replay_error))
        {
          g_autofree char *line = cli_one_line (replay_error->message);

          fprintf (stderr, "petrel-cli: %s: %s\n", petrel_account_get_id (account), line);
          status = CLI_EXIT_ERROR;
        }
    }

  return status;
}

static void
add_string (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

int
cli_command_show (CliGlobals  *globals,
                  int          argc,
                  char       **argv)
{
  static const char *synopsis = "show ID FOLDER UID [--raw]";
  static const CliOptSpec specs[] = {
    { "raw", CLI_OPT_FLAG },
    { NULL },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(CliArgs) args = NULL;
  g_autoptr(PetrelAccount) account = NULL;
  g_autoptr(PetrelStoreFolder) folder = NULL;
  g_autoptr(PetrelStoreMessage) message = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GTimeZone) tz = g_time_zone_new_local ();
  g_autofree char *text = NULL;
  CliWait wait;
  PetrelStore *store;
  guint64 uid = 0;

  args = cli_args_parse (specs, argc - 1, argv + 1, &error);
  if (args == NULL)
    return cli_usage (synopsis, "%s", error->message);
  if (cli_args_n_positional (args) != 3)
    return cli_usage (synopsis, "%s", _("show needs an account id, a folder and a UID"));
  if (!g_ascii_string_to_unsigned (cli_args_positional (args, 2), 10, 1, G_MAXUINT32, &uid,
                                   NULL))
    return cli_usage (synopsis, _("“%s” is not a UID"), cli_args_positional (args, 2));

  account = cli_open_account (globals, cli_args_positional (args, 0), &error);
  if (account == NULL)
    return cli_fail (error);
  store = petrel_account_get_store (account, &error);
  if (store == NULL)
    return cli_fail (error);
  folder = cli_lookup_folder (store, cli_args_positional (args, 1), &error);
  if (folder == NULL)
    return cli_fail (error);
  message = petrel_store_get_message (store, folder->id, (guint32) uid, &error);
  if (message == NULL)
    return cli_fail (error);

  cli_wait_init (&wait);
  petrel_account_load_message_async (account, folder->path, (guint32) uid, !globals->offline,
                                     NULL, cli_wait_callback, &wait);
  bytes = petrel_account_load_message_finish (account, cli_wait_run (&wait), &error);
  cli_wait_clear (&wait);
  if (bytes == NULL)
    {
      if (globals->offline && g_error_matches (error, PETREL_STORE_ERROR,
                                               PETREL_STORE_ERROR_NEEDS_REFETCH))
        return cli_fail_message ("%s", _("The message is not cached yet and --offline keeps "
                                         "petrel-cli off the network"));
      return cli_fail (error);
    }

  if (cli_args_has (args, "raw"))
    {
      gsize size;
      const char *data = g_bytes_get_data (bytes, &size);

      if (size > 0 && fwrite (data, 1, size, stdout) != size)
        return cli_fail_message ("%s", _("Cannot write the message to standard output"));
      fflush (stdout);
      return CLI_EXIT_OK;
    }

  text = petrel_mime_format_for_display (bytes, tz);

  if (globals->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(PetrelMimeBody) body = petrel_mime_body_new_from_bytes (bytes);
      g_autofree char *date = cli_format_date (message->date);
      g_autofree char *from = cli_format_from (message);
      g_auto(GStrv) flags = petrel_store_flags_to_strv (message->flags, message->keywords);

      json_builder_begin_object (builder);
      add_string (builder, "folder", folder->path);
      json_builder_set_member_name (builder, "uid");
      json_builder_add_int_value (builder, message->uid);
      add_string (builder, "date", date);
      add_string (builder, "from", from);
      add_string (builder, "to", message->to_text != NULL ? message->to_text : "");
      add_string (builder, "cc", message->cc_text != NULL ? message->cc_text : "");
      add_string (builder, "subject", message->subject != NULL ? message->subject : "");
      {
        g_autofree char *message_id = cli_format_message_id (message->message_id);

        add_string (builder, "message_id", message_id);
      }
      json_builder_set_member_name (builder, "flags");
      json_builder_begin_array (builder);
      for (guint i = 0; flags[i] != NULL; i++)
        json_builder_add_string_value (builder, flags[i]);
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "size");
      json_builder_add_int_value (builder, message->size);
      add_string (builder, "text", body->text != NULL ? body->text : "");
      json_builder_set_member_name (builder, "attachments");
      json_builder_begin_array (builder);
      for (guint i = 0; body->attachments != NULL && i < body->attachments->len; i++)
        {
          PetrelMimeAttachment *attachment = g_ptr_array_index (body->attachments, i);

          json_builder_begin_object (builder);
          add_string (builder, "filename", attachment->filename);
          add_string (builder, "content_type", attachment->content_type);
          json_builder_set_member_name (builder, "size");
          json_builder_add_int_value (builder, (gint64) attachment->size);
          add_string (builder, "part", attachment->part_path);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      json_builder_end_object (builder);
      cli_emit_object (globals, builder, NULL);
    }
  else
    {
      fputs (text, stdout);
      if (*text != '\0' && text[strlen (text) - 1] != '\n')
        fputc ('\n', stdout);
    }

  return CLI_EXIT_OK;
}

typedef struct
{
  CliGlobals   *globals;
  char         *account_id;
  GMutex        lock;
} WatchData;

static void
on_watch_event_cb (const char         *event,
                   const char         *folder,
                   guint32             uid,
                   PetrelStoreMessage *message,
                   gpointer            user_data)
{
  WatchData *data = user_data;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *line = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "event");
  json_builder_add_string_value (builder, event);
  json_builder_set_member_name (builder, "account");
  json_builder_add_string_value (builder, data->account_id);
  json_builder_set_member_name (builder, "folder");
  json_builder_add_string_value (builder, folder);
  json_builder_set_member_name (builder, "uid");
  json_builder_add_int_value (builder, uid);
  if (message != NULL)
    {
      g_auto(GStrv) flags = petrel_store_flags_to_strv (message->flags, message->keywords);
      g_autofree char *from = cli_format_from (message);
      g_autofree char *date = cli_format_date (message->date);

      json_builder_set_member_name (builder, "flags");
      json_builder_begin_array (builder);
      for (guint i = 0; flags[i] != NULL; i++)
        json_builder_add_string_value (builder, flags[i]);
      json_builder_end_array (builder);
      if (g_str_equal (event, "new"))
        {
          add_string (builder, "date", date);
          add_string (builder, "from", from);
          add_string (builder, "subject", message->subject != NULL ? message->subject : "");
          {
        g_autofree char *message_id = cli_format_message_id (message->message_id);

        add_string (builder, "message_id", message_id);
      }
        }
    }
  json_builder_end_object (builder);

  /* Always JSON, one line per event: watch is for scripts. */
  root = json_builder_get_root (builder);
  line = json_to_string (root, FALSE);
  g_mutex_lock (&data->lock);
  fputs (line, stdout);
  fputc ('\n', stdout);
  fflush (stdout);
  g_mutex_unlock (&data->lock);
}

static void
watch_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  WatchData *data = task_data;
  g_autoptr(GError) error = NULL;

  if (!petrel_sync_watch (PETREL_ACCOUNT (source_object), NULL, on_watch_event_cb, data,
                          cancellable, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static gboolean
on_stop_signal_cb (gpointer user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
  return G_SOURCE_CONTINUE;
}

int
cli_command_watch (CliGlobals  *globals,
                   int          argc,
                   char       **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PetrelAccount) account = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GTask) task = NULL;
  WatchData data = { globals, NULL, { 0 } };
  CliWait wait;
  guint sigint, sigterm;
  gboolean ok;

  if (argc != 2)
    return cli_usage ("watch ID", "%s", _("watch needs exactly one account id"));
  if (globals->offline)
    {
      fprintf (stderr, "%s\n", _("petrel-cli: offline: there is nothing to watch"));
      return CLI_EXIT_OK;
    }

  account = cli_open_account (globals, argv[1], &error);
  if (account == NULL)
    return cli_fail (error);

  data.account_id = argv[1];
  g_mutex_init (&data.lock);
  sigint = g_unix_signal_add (SIGINT, on_stop_signal_cb, cancellable);
  sigterm = g_unix_signal_add (SIGTERM, on_stop_signal_cb, cancellable);

  cli_wait_init (&wait);
  task = g_task_new (account, cancellable, cli_wait_callback, &wait);
  g_task_set_task_data (task, &data, NULL);
  g_task_run_in_thread (task, watch_thread);
  ok = g_task_propagate_boolean (G_TASK (cli_wait_run (&wait)), &error);
  cli_wait_clear (&wait);

  g_source_remove (sigint);
  g_source_remove (sigterm);
  g_mutex_clear (&data.lock);

  if (!ok && !g_cancellable_is_cancelled (cancellable))
    return cli_fail (error);
  return CLI_EXIT_OK;
}
