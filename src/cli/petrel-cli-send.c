/* petrel-cli-send.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * petrel-cli send and outbox. A message is built with GMime, saved in the outbox, and sent at
 * once unless --offline (or after PETREL_UNDO_SEND_DELAY seconds, during which
 * `outbox cancel` takes it back); the next `sync` sends what is still waiting.
 */

#include "config.h"

#include <inttypes.h>

#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>

#include "mime/petrel-mime-builder.h"
#include "mime/petrel-mime-reply.h"
#include "mime/petrel-mime-summary.h"
#include "sync/petrel-changes.h"
#include "sync/petrel-drafts.h"
#include "sync/petrel-outbox.h"

#include "petrel-cli-commands.h"

#define SEND_SYNOPSIS "send --account ID --to ADDR… [--cc ADDR…] [--bcc ADDR…] --subject S " \
                      "[--attach FILE…] [--in-reply-to ID FOLDER UID [--reply-all]] " \
                      "[--forward ID FOLDER UID [--forward-as-attachment]] [--body-file F] " \
                      "[--html-file F]"

static GBytes *
read_body (const char  *path,
           GError     **error)
{
  g_autoptr(GString) buffer = g_string_new (NULL);
  char chunk[8192];
  size_t n;

  if (path != NULL)
    {
      char *data = NULL;
      gsize size = 0;

      if (!g_file_get_contents (path, &data, &size, error))
        return NULL;
      return g_bytes_new_take (data, size);
    }

  while ((n = fread (chunk, 1, sizeof chunk, stdin)) > 0)
    g_string_append_len (buffer, chunk, n);
  return g_string_free_to_bytes (g_steal_pointer (&buffer));
}

static gboolean
add_recipients (PetrelMimeBuilder        *builder,
                PetrelMimeRecipientType   type,
                const char * const       *values,
                GError                  **error)
{
  for (guint i = 0; values[i] != NULL; i++)
    {
      /* A line break in an address is never a typo worth guessing about. */
      for (const char *p = values[i]; *p != '\0'; p++)
        if ((guchar) *p < 0x20 || *p == 0x7f)
          {
            g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                         _("“%s” is not an address: it holds a control character"),
                         values[i]);
            return FALSE;
          }
      if (!petrel_mime_builder_add_recipients (builder, type, values[i], error))
        return FALSE;
    }
  return TRUE;
}

static gint64
undo_send_delay (void)
{
  const char *env = g_getenv ("PETREL_UNDO_SEND_DELAY");
  guint64 delay = 0;

  if (env != NULL && g_ascii_string_to_unsigned (env, 10, 0, 3600, &delay, NULL))
    return (gint64) delay;
  return 0;
}

static void
emit_item (CliGlobals            *globals,
           PetrelStoreOutboxItem *item,
           const char            *message_id)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *from = petrel_outbox_item_dup_from (item);
  g_auto(GStrv) to = petrel_outbox_item_dup_recipients (item);
  g_auto(GStrv) refused = petrel_outbox_item_dup_refused (item);
  g_autofree char *to_text = g_strjoinv (", ", to);
  g_autofree char *text = NULL;
  g_autofree char *next_try = NULL;
  g_autofree char *state = NULL;

  if (g_strcmp0 (item->state, "queued") == 0 && petrel_outbox_item_get_next_try (item) > 0)
    {
      g_autoptr(GDateTime) when =
        g_date_time_new_from_unix_local (petrel_outbox_item_get_next_try (item));

      next_try = when != NULL ? g_date_time_format_iso8601 (when) : NULL;
    }
  if (next_try != NULL)
    /* Translators: an outbox state, the number of tries so far and the time of the next */
    state = g_strdup_printf (g_dngettext (NULL, "%s (tried %u time, next try %s)",
                                          "%s (tried %u times, next try %s)", item->attempts),
                             item->state, item->attempts, next_try);
  else
    state = g_strdup (item->state);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, item->id);
  json_builder_set_member_name (builder, "state");
  json_builder_add_string_value (builder, item->state);
  json_builder_set_member_name (builder, "subject");
  json_builder_add_string_value (builder, item->subject != NULL ? item->subject : "");
  json_builder_set_member_name (builder, "from");
  json_builder_add_string_value (builder, from != NULL ? from : "");
  json_builder_set_member_name (builder, "to");
  json_builder_begin_array (builder);
  for (guint i = 0; to[i] != NULL; i++)
    json_builder_add_string_value (builder, to[i]);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "refused");
  json_builder_begin_array (builder);
  for (guint i = 0; refused[i] != NULL; i++)
    json_builder_add_string_value (builder, refused[i]);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "attempts");
  json_builder_add_int_value (builder, item->attempts);
  /* The retry schedule after transient failures (issue 6): ISO 8601, or null. */
  json_builder_set_member_name (builder, "next_try");
  if (next_try != NULL)
    json_builder_add_string_value (builder, next_try);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "error");
  if (item->last_error != NULL)
    json_builder_add_string_value (builder, item->last_error);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "created");
  json_builder_add_int_value (builder, item->created);
  json_builder_set_member_name (builder, "sent_at");
  json_builder_add_int_value (builder, item->sent_at);
  json_builder_set_member_name (builder, "saved_to_sent");
  json_builder_add_boolean_value (builder, item->saved_to_sent);
  if (message_id != NULL)
    {
      json_builder_set_member_name (builder, "message_id");
      json_builder_add_string_value (builder, message_id);
    }
  json_builder_end_object (builder);

  text = g_strdup_printf ("%" G_GINT64_FORMAT "\t%s\t%s\t%s%s%s", item->id, state,
                          to_text, item->subject != NULL ? item->subject : "",
                          item->last_error != NULL ? "\t" : "",
                          item->last_error != NULL ? item->last_error : "");
  cli_emit_object (globals, builder, text);
}

static PetrelStoreOutboxItem *
find_item (PetrelAccount  *account,
           gint64          id,
           GError        **error)
{
  g_autoptr(GPtrArray) items = petrel_outbox_list (account, error);

  for (guint i = 0; items != NULL && i < items->len; i++)
    {
      PetrelStoreOutboxItem *item = g_ptr_array_index (items, i);

      if (item->id == id)
        return petrel_store_outbox_item_copy (item);
    }
  if (items != NULL)
    g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND,
                 _("There is no message %" PRId64 " in the outbox"), id);
  return NULL;
}

/* Sends what is due now unless --offline; then reports on item @id. */
static int
flush_and_report (CliGlobals    *globals,
                  PetrelAccount *account,
                  gint64         id,
                  const char    *message_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PetrelStoreOutboxItem) item = NULL;
  g_auto(GStrv) refused = NULL;

  if (!globals->offline && !petrel_outbox_flush (account, NULL, NULL, &error))
    {
      g_autofree char *line = cli_one_line (error->message);

      g_clear_error (&error);
      item = find_item (account, id, NULL);
      if (item != NULL && g_strcmp0 (item->state, "queued") == 0)
        fprintf (stderr, _("petrel-cli: queued in the outbox, to be sent when the server can "
                           "be reached: %s\n"), line);
      else if (item == NULL || g_strcmp0 (item->state, "failed") != 0)
        fprintf (stderr, "petrel-cli: %s\n", line);
    }

  g_clear_pointer (&item, petrel_store_outbox_item_free);
  item = find_item (account, id, &error);
  if (item == NULL)
    return cli_fail (error);

  emit_item (globals, item, message_id);

  if (g_strcmp0 (item->state, "failed") == 0 || g_strcmp0 (item->state, "uncertain") == 0)
    return cli_fail_message ("%s", item->last_error != NULL ? item->last_error
                                                            : _("The message was not sent"));

  refused = petrel_outbox_item_dup_refused (item);
  for (guint i = 0; refused[i] != NULL; i++)
    fprintf (stderr, _("petrel-cli: refused: %s\n"), refused[i]);

  return CLI_EXIT_OK;
}

static const CliOptSpec message_specs[] = {
  { "account", CLI_OPT_VALUE },
  { "to", CLI_OPT_MULTI },
  { "cc", CLI_OPT_MULTI },
  { "bcc", CLI_OPT_MULTI },
  { "subject", CLI_OPT_VALUE },
  { "attach", CLI_OPT_MULTI },
  { "in-reply-to", CLI_OPT_MULTI },
  { "reply-all", CLI_OPT_FLAG },
  { "forward", CLI_OPT_MULTI },
  { "forward-as-attachment", CLI_OPT_FLAG },
  { "body-file", CLI_OPT_VALUE },
  { "html-file", CLI_OPT_VALUE },
  { "replace", CLI_OPT_VALUE },
  { NULL },
};

/* What `send` and `draft save` share: a message built from the command line. */
typedef struct
{
  PetrelAccount     *account;            /* owned */
  PetrelMimeBuilder *builder;            /* owned */
  PetrelAccount     *original_account;   /* owned, nullable: what this replies to */
  char              *original_folder;    /* owned, nullable */
  guint32            original_uid;
  gboolean           is_reply;           /* the original is answered, not forwarded */
} CliMessage;

static void
cli_message_clear (CliMessage *message)
{
  g_clear_object (&message->account);
  g_clear_object (&message->builder);
  g_clear_object (&message->original_account);
  g_clear_pointer (&message->original_folder, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CliMessage, cli_message_clear)

/* The user's own addresses, left out of a reply-all. */
static GStrv
own_addresses (PetrelAccountConfig *config)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  const char * const *aliases = petrel_account_config_get_aliases (config);

  g_strv_builder_add (builder, petrel_account_config_get_email_address (config));
  for (guint i = 0; aliases != NULL && aliases[i] != NULL; i++)
    {
      const char *open = strrchr (aliases[i], '<');

      /* An alias may be written "Name <address>". */
      if (open != NULL && strchr (open, '>') != NULL)
        {
          g_autofree char *address = g_strndup (open + 1, strchr (open, '>') - open - 1);

          g_strv_builder_add (builder, address);
        }
      else
        g_strv_builder_add (builder, aliases[i]);
    }
  return g_strv_builder_end (builder);
}

/* Loads ID FOLDER UID (from --in-reply-to or --forward) and prepares the reply or forward.
 * Returns an exit status. */
static int
load_original (CliGlobals           *globals,
               const char           *synopsis,
               const char * const   *where,
               PetrelMimeReplyMode   mode,
               CliMessage           *message,
               PetrelMimeReply     **out_reply)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) raw = NULL;
  g_auto(GStrv) own = NULL;
  guint64 uid = 0;
  CliWait wait;

  if (!g_ascii_string_to_unsigned (where[2], 10, 1, G_MAXUINT32, &uid, NULL))
    return cli_usage (synopsis, _("“%s” is not a UID"), where[2]);
  message->original_account = cli_open_account (globals, where[0], &error);
  if (message->original_account == NULL)
    return cli_fail (error);
  message->original_folder = g_strdup (where[1]);
  message->original_uid = (guint32) uid;
  message->is_reply = mode == PETREL_MIME_REPLY_SENDER || mode == PETREL_MIME_REPLY_ALL;

  cli_wait_init (&wait);
  petrel_account_load_message_async (message->original_account, where[1], (guint32) uid,
                                     !globals->offline, NULL, cli_wait_callback, &wait);
  raw = petrel_account_load_message_finish (message->original_account, cli_wait_run (&wait),
                                            &error);
  cli_wait_clear (&wait);
  if (raw == NULL)
    return cli_fail (error);

  own = own_addresses (petrel_account_get_config (message->account));
  *out_reply = petrel_mime_reply_new (raw, mode, (const char * const *) own, NULL, &error);
  if (*out_reply == NULL)
    return cli_fail (error);

  return CLI_EXIT_OK;
}

/* Returns an exit status: CLI_EXIT_OK when @message is ready. */
static int
build_message (CliGlobals   *globals,
               CliArgs      *args,
               const char   *synopsis,
               const char   *message_id,
               CliMessage   *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(PetrelMimeReply) reply = NULL;
  g_autofree char *body_text = NULL;
  const char * const *in_reply_to = cli_args_values (args, "in-reply-to");
  const char * const *forward = cli_args_values (args, "forward");
  const char *html_file = cli_args_value (args, "html-file");
  PetrelAccountConfig *config;

  if (cli_args_n_positional (args) > 0)
    return cli_usage (synopsis, _("unexpected argument “%s”"), cli_args_positional (args, 0));
  if (cli_args_value (args, "account") == NULL)
    return cli_usage (synopsis, "%s", _("--account is required"));
  if (cli_args_has (args, "in-reply-to") && g_strv_length ((char **) in_reply_to) != 3)
    return cli_usage (synopsis, "%s", _("--in-reply-to needs ID FOLDER UID"));
  if (cli_args_has (args, "forward") && g_strv_length ((char **) forward) != 3)
    return cli_usage (synopsis, "%s", _("--forward needs ID FOLDER UID"));
  if (cli_args_has (args, "in-reply-to") && cli_args_has (args, "forward"))
    return cli_usage (synopsis, "%s", _("--in-reply-to and --forward cannot be combined"));
  if (cli_args_has (args, "reply-all") && !cli_args_has (args, "in-reply-to"))
    return cli_usage (synopsis, "%s", _("--reply-all needs --in-reply-to"));
  if (cli_args_has (args, "forward-as-attachment") && !cli_args_has (args, "forward"))
    return cli_usage (synopsis, "%s", _("--forward-as-attachment needs --forward"));

  message->account = cli_open_account (globals, cli_args_value (args, "account"), &error);
  if (message->account == NULL)
    return cli_fail (error);
  config = petrel_account_get_config (message->account);

  body = read_body (cli_args_value (args, "body-file"), &error);
  if (body == NULL)
    return cli_fail (error);
  body_text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  if (!g_utf8_validate (body_text, -1, NULL))
    return cli_fail_message ("%s", _("The message body is not valid UTF-8 text"));

  if (in_reply_to[0] != NULL || forward[0] != NULL)
    {
      PetrelMimeReplyMode mode;
      int status;

      if (in_reply_to[0] != NULL)
        mode = cli_args_has (args, "reply-all") ? PETREL_MIME_REPLY_ALL
                                                : PETREL_MIME_REPLY_SENDER;
      else
        mode = cli_args_has (args, "forward-as-attachment") ? PETREL_MIME_REPLY_FORWARD_ATTACHMENT
                                                            : PETREL_MIME_REPLY_FORWARD;
      status = load_original (globals, synopsis, in_reply_to[0] != NULL ? in_reply_to : forward,
                              mode, message, &reply);
      if (status != CLI_EXIT_OK)
        return status;

      /* What the command line says wins over what the original suggests. */
      if (cli_args_has (args, "to") || cli_args_has (args, "cc"))
        {
          g_ptr_array_set_size (reply->to, 0);
          g_ptr_array_set_size (reply->cc, 0);
        }
    }

  message->builder = petrel_mime_builder_new ();
  if (!petrel_mime_builder_set_from (message->builder,
                                     petrel_account_config_get_display_name (config),
                                     petrel_account_config_get_email_address (config), &error) ||
      !add_recipients (message->builder, PETREL_MIME_RECIPIENT_TO,
                       cli_args_values (args, "to"), &error) ||
      !add_recipients (message->builder, PETREL_MIME_RECIPIENT_CC,
                       cli_args_values (args, "cc"), &error) ||
      !add_recipients (message->builder, PETREL_MIME_RECIPIENT_BCC,
                       cli_args_values (args, "bcc"), &error) ||
      (message_id != NULL &&
       !petrel_mime_builder_set_message_id (message->builder, message_id, &error)))
    {
      if (error->domain == G_OPTION_ERROR)
        return cli_usage (synopsis, "%s", error->message);
      return cli_fail (error);
    }

  if (reply != NULL)
    {
      /* Recipients, subject, threading, the quote below the body, forwarded attachments. */
      if (!petrel_mime_reply_apply (reply, message->builder, body_text, &error))
        return cli_fail (error);
      if (cli_args_value (args, "subject") != NULL)
        petrel_mime_builder_set_subject (message->builder, cli_args_value (args, "subject"));
    }
  else
    {
      petrel_mime_builder_set_subject (message->builder,
                                       cli_args_value (args, "subject") != NULL
                                         ? cli_args_value (args, "subject") : "");
      petrel_mime_builder_set_text (message->builder, body_text);
    }

  if (html_file != NULL)
    {
      g_autofree char *html = NULL;
      gsize length = 0;

      if (!g_file_get_contents (html_file, &html, &length, &error))
        return cli_fail (error);
      if (!g_utf8_validate (html, length, NULL) || strlen (html) != length)
        return cli_fail_message ("%s", _("The HTML file is not valid UTF-8 text"));
      petrel_mime_builder_set_html (message->builder, html);
    }

  for (const char * const *path = cli_args_values (args, "attach"); *path != NULL; path++)
    {
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (*path);

      if (!petrel_mime_builder_add_attachment_file (message->builder, file, NULL, &error))
        return cli_fail (error);
    }

  return CLI_EXIT_OK;
}

/* The subject the built message carries (a reply's "Re: …" when none was given). */
static char *
subject_of (GBytes *message)
{
  g_autoptr(PetrelMimeSummary) summary = petrel_mime_summary_new_from_bytes (message, 0);

  return g_strdup (summary != NULL ? summary->subject : "");
}

/* A reply marks what it answers, like any other change. */
static void
mark_answered (CliGlobals *globals,
               CliMessage *message)
{
  static const char *answered[] = { "\\Answered", NULL };

  if (message->original_account == NULL || !message->is_reply)
    return;
  if (petrel_changes_set_flags (message->original_account, message->original_folder,
                                &message->original_uid, 1, answered, NULL, NULL) &&
      !globals->offline)
    petrel_changes_replay (message->original_account, NULL, NULL, NULL);
}

int
cli_command_send (CliGlobals  *globals,
                  int          argc,
                  char       **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CliArgs) args = NULL;
  g_auto(CliMessage) message = { NULL, };
  g_autoptr(GBytes) bytes = NULL;
  g_auto(GStrv) recipients = NULL;
  g_autofree char *subject = NULL;
  gint64 delay = undo_send_delay ();
  gint64 id;
  int status;

  args = cli_args_parse (message_specs, argc - 1, argv + 1, &error);
  if (args == NULL)
    return cli_usage (SEND_SYNOPSIS, "%s", error->message);
  if (cli_args_has (args, "replace"))
    return cli_usage (SEND_SYNOPSIS, "%s", _("unknown option “--replace”"));
  /* A reply takes its subject and recipients from the original, a forward its subject. */
  if (cli_args_value (args, "subject") == NULL && !cli_args_has (args, "in-reply-to") &&
      !cli_args_has (args, "forward"))
    return cli_usage (SEND_SYNOPSIS, "%s", _("--subject is required"));
  if (!cli_args_has (args, "to") && !cli_args_has (args, "cc") && !cli_args_has (args, "bcc") &&
      !cli_args_has (args, "in-reply-to"))
    return cli_usage (SEND_SYNOPSIS, "%s", _("--to is required"));

  status = build_message (globals, args, SEND_SYNOPSIS, NULL, &message);
  if (status != CLI_EXIT_OK)
    return status;

  bytes = petrel_mime_builder_build_bytes (message.builder, &error);
  if (bytes == NULL)
    return cli_fail (error);
  recipients = petrel_mime_builder_dup_envelope_recipients (message.builder);
  if (recipients[0] == NULL)
    return cli_usage (SEND_SYNOPSIS, "%s", _("the message has no recipient: give --to"));

  subject = subject_of (bytes);
  id = petrel_outbox_queue (message.account, bytes,
                            petrel_mime_builder_get_envelope_sender (message.builder),
                            (const char * const *) recipients, subject,
                            delay > 0 ? g_get_real_time () / G_USEC_PER_SEC + delay : 0, &error);
  if (id == 0)
    return cli_fail (error);

  mark_answered (globals, &message);
  return flush_and_report (globals, message.account, id,
                           petrel_mime_builder_get_message_id (message.builder));
}

#define DRAFT_SYNOPSIS "draft save --account ID [--replace N] [--to ADDR…] [--cc ADDR…] " \
                       "[--bcc ADDR…] [--subject S] [--attach FILE…] " \
                       "[--in-reply-to ID FOLDER UID [--reply-all]] " \
                       "[--forward ID FOLDER UID [--forward-as-attachment]] [--body-file F] " \
                       "[--html-file F] | draft list ID | draft delete|send ID N"

static void
emit_draft (CliGlobals            *globals,
            PetrelStoreOutboxItem *item)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *message_id = petrel_drafts_item_dup_message_id (item);
  g_autofree char *text = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, item->id);
  json_builder_set_member_name (builder, "state");
  json_builder_add_string_value (builder, item->state);
  json_builder_set_member_name (builder, "subject");
  json_builder_add_string_value (builder, item->subject != NULL ? item->subject : "");
  json_builder_set_member_name (builder, "message_id");
  json_builder_add_string_value (builder, message_id != NULL ? message_id : "");
  json_builder_set_member_name (builder, "created");
  json_builder_add_int_value (builder, item->created);
  json_builder_end_object (builder);

  text = g_strdup_printf ("%" G_GINT64_FORMAT "\t%s\t%s", item->id, item->state,
                          item->subject != NULL ? item->subject : "");
  cli_emit_object (globals, builder, text);
}

static PetrelStoreOutboxItem *
find_draft (PetrelAccount  *account,
            gint64          id,
            GError        **error)
{
  g_autoptr(GPtrArray) drafts = petrel_drafts_list (account, error);

  for (guint i = 0; drafts != NULL && i < drafts->len; i++)
    if (((PetrelStoreOutboxItem *) g_ptr_array_index (drafts, i))->id == id)
      return petrel_store_outbox_item_copy (g_ptr_array_index (drafts, i));
  if (drafts != NULL)
    g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND,
                 _("There is no draft %" PRId64), id);
  return NULL;
}

/* Uploads drafts now unless --offline; a server that cannot be reached is no error. */
static void
upload_now (CliGlobals    *globals,
            PetrelAccount *account)
{
  g_autoptr(GError) error = NULL;

  if (!globals->offline && !petrel_drafts_upload (account, NULL, &error))
    {
      g_autofree char *line = cli_one_line (error->message);

      fprintf (stderr, _("petrel-cli: kept here, to be saved on the server later: %s\n"), line);
    }
}

static int
draft_save (CliGlobals  *globals,
            int          argc,
            char       **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CliArgs) args = NULL;
  g_auto(CliMessage) message = { NULL, };
  g_autoptr(GBytes) bytes = NULL;
  g_auto(GStrv) recipients = NULL;
  g_autofree char *message_id = NULL;
  g_autofree char *subject = NULL;
  g_autoptr(PetrelStoreOutboxItem) item = NULL;
  guint64 replace = 0;
  gint64 id;
  int status;

  args = cli_args_parse (message_specs, argc - 1, argv + 1, &error);
  if (args == NULL)
    return cli_usage (DRAFT_SYNOPSIS, "%s", error->message);
  if (!cli_args_uint (args, "replace", G_MAXINT64, &replace, &error))
    return cli_usage (DRAFT_SYNOPSIS, "%s", error->message);

  /* A new version keeps the draft's Message-ID, which is how the server copy is replaced. */
  if (replace != 0 && cli_args_value (args, "account") != NULL)
    {
      g_autoptr(PetrelAccount) account = cli_open_account (globals,
                                                           cli_args_value (args, "account"),
                                                           &error);
      g_autoptr(PetrelStoreOutboxItem) old = NULL;

      if (account == NULL || (old = find_draft (account, (gint64) replace, &error)) == NULL)
        return cli_fail (error);
      message_id = petrel_drafts_item_dup_message_id (old);
    }

  status = build_message (globals, args, DRAFT_SYNOPSIS, message_id, &message);
  if (status != CLI_EXIT_OK)
    return status;

  bytes = petrel_mime_builder_build_bytes (message.builder, &error);
  if (bytes == NULL)
    return cli_fail (error);
  recipients = petrel_mime_builder_dup_envelope_recipients (message.builder);

  subject = subject_of (bytes);
  id = petrel_drafts_save (message.account, (gint64) replace, bytes, subject,
                           petrel_mime_builder_get_envelope_sender (message.builder),
                           (const char * const *) recipients, &error);
  if (id == 0)
    return cli_fail (error);

  upload_now (globals, message.account);
  item = find_draft (message.account, id, &error);
  if (item == NULL)
    return cli_fail (error);
  emit_draft (globals, item);
  return CLI_EXIT_OK;
}

int
cli_command_draft (CliGlobals  *globals,
                   int          argc,
                   char       **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PetrelAccount) account = NULL;
  guint64 id = 0;

  if (argc >= 2 && g_str_equal (argv[1], "save"))
    return draft_save (globals, argc - 1, argv + 1);

  if (argc == 3 && g_str_equal (argv[1], "list"))
    {
      g_autoptr(GPtrArray) drafts = NULL;

      account = cli_open_account (globals, argv[2], &error);
      if (account == NULL || (drafts = petrel_drafts_list (account, &error)) == NULL)
        return cli_fail (error);
      for (guint i = 0; i < drafts->len; i++)
        emit_draft (globals, g_ptr_array_index (drafts, i));
      return CLI_EXIT_OK;
    }

  if (argc != 4 || (!g_str_equal (argv[1], "delete") && !g_str_equal (argv[1], "send")))
    return cli_usage (DRAFT_SYNOPSIS, "%s", _("draft needs save, list, delete or send"));
  if (!g_ascii_string_to_unsigned (argv[3], 10, 1, G_MAXINT64, &id, NULL))
    return cli_usage (DRAFT_SYNOPSIS, _("“%s” is not a draft number"), argv[3]);

  account = cli_open_account (globals, argv[2], &error);
  if (account == NULL)
    return cli_fail (error);

  if (g_str_equal (argv[1], "delete"))
    {
      if (!petrel_drafts_delete (account, (gint64) id, &error))
        return cli_fail (error);
      upload_now (globals, account);
      return CLI_EXIT_OK;
    }

  {
    gint64 queued = petrel_drafts_send (account, (gint64) id, &error);

    if (queued == 0)
      return cli_fail (error);
    upload_now (globals, account);
    return flush_and_report (globals, account, queued, NULL);
  }
}

int
cli_command_outbox (CliGlobals  *globals,
                    int          argc,
                    char       **argv)
{
  static const char *synopsis = "outbox ID | outbox cancel|retry ID N";
  g_autoptr(GError) error = NULL;
  g_autoptr(PetrelAccount) account = NULL;
  guint64 id = 0;

  if (argc == 2)
    {
      g_autoptr(GPtrArray) items = NULL;

      account = cli_open_account (globals, argv[1], &error);
      if (account == NULL)
        return cli_fail (error);
      items = petrel_outbox_list (account, &error);
      if (items == NULL)
        return cli_fail (error);
      for (guint i = 0; i < items->len; i++)
        emit_item (globals, g_ptr_array_index (items, i), NULL);
      return CLI_EXIT_OK;
    }

  if (argc != 4 || (!g_str_equal (argv[1], "cancel") && !g_str_equal (argv[1], "retry")))
    return cli_usage (synopsis, "%s", _("outbox needs an account id, or cancel|retry ID N"));
  if (!g_ascii_string_to_unsigned (argv[3], 10, 1, G_MAXINT64, &id, NULL))
    return cli_usage (synopsis, _("“%s” is not an outbox number"), argv[3]);

  account = cli_open_account (globals, argv[2], &error);
  if (account == NULL)
    return cli_fail (error);

  if (g_str_equal (argv[1], "cancel"))
    {
      if (!petrel_outbox_cancel (account, (gint64) id, &error))
        return cli_fail (error);
      return CLI_EXIT_OK;
    }

  if (!petrel_outbox_retry (account, (gint64) id, &error))
    return cli_fail (error);
  return flush_and_report (globals, account, (gint64) id, NULL);
}
