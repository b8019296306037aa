/* petrel-cli-changes.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * petrel-cli flag|move|copy|delete|folder|pending|undo: changes are applied to the cache at
 * once and queued (a move or copy with --to-account in both accounts' queues); unless --offline, the queue is then replayed to the server. A server that
 * cannot be reached leaves the change queued (exit 0, a note on stderr); a server that refuses
 * it is an error (exit 1), and the change stays listed in `pending` with the server's words.
 */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>

#include "sync/petrel-changes.h"

#include "petrel-cli-commands.h"

static gboolean
parse_uids (CliArgs   *args,
            guint      first,
            GArray   **out_uids,
            GError   **error)
{
  g_autoptr(GArray) uids = g_array_new (FALSE, FALSE, sizeof (guint32));

  for (guint i = first; i < cli_args_n_positional (args); i++)
    {
      const char *word = cli_args_positional (args, i);
      g_auto(GStrv) range = g_strsplit (word, ":", 2);
      guint64 lo = 0, hi = 0;

      if (!g_ascii_string_to_unsigned (range[0], 10, 1, G_MAXUINT32, &lo, NULL) ||
          (range[1] != NULL &&
           !g_ascii_string_to_unsigned (range[1], 10, 1, G_MAXUINT32, &hi, NULL)))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("“%s” is not a UID or a range of UIDs (N:M)"), word);
          return FALSE;
        }
      if (range[1] == NULL)
        hi = lo;
      if (hi < lo || hi - lo > 1000000)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("“%s” is not a sensible range of UIDs"), word);
          return FALSE;
        }
      for (guint64 uid = lo; uid <= hi; uid++)
        {
          guint32 value = (guint32) uid;

          g_array_append_val (uids, value);
        }
    }

  if (uids->len == 0)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("at least one UID is needed"));
      return FALSE;
    }

  *out_uids = g_steal_pointer (&uids);
  return TRUE;
}

/* "\Seen", "seen", "Seen" and "\\Seen" all mean \Seen; other words are keywords. */
static char *
normalize_flag (const char  *flag,
                GError     **error)
{
  static const char *system[] = { "Seen", "Answered", "Flagged", "Deleted", "Draft" };
  const char *name = flag;

  while (*name == '\\')
    name++;
  for (guint i = 0; i < G_N_ELEMENTS (system); i++)
    if (g_ascii_strcasecmp (name, system[i]) == 0)
      return g_strconcat ("\\", system[i], NULL);

  if (*name == '\0' || name != flag)
    goto bad;
  for (const char *p = name; *p != '\0'; p++)
    if ((guchar) *p <= 0x20 || (guchar) *p >= 0x7f || strchr ("(){%*\"\\]", *p) != NULL)
      goto bad;
  return g_strdup (name);

bad:
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               _("“%s” is not a flag (\\Seen, \\Flagged, \\Answered, \\Deleted, \\Draft or a "
                 "keyword such as $Junk)"), flag);
  return NULL;
}

static GStrv
normalize_flags (const char * const  *flags,
                 GError             **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; flags[i] != NULL; i++)
    {
      g_autofree char *flag = normalize_flag (flags[i], error);

      if (flag == NULL)
        return NULL;
      g_strv_builder_add (builder, flag);
    }
  return g_strv_builder_end (builder);
}

/* After a local change: send the queue now unless --offline. */
static int
replay_now (CliGlobals    *globals,
            PetrelAccount *account)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) pending = NULL;
  guint failed = 0;

  if (globals->offline)
    return CLI_EXIT_OK;

  if (!petrel_changes_replay (account, &failed, NULL, &error))
    {
      g_autofree char *line = cli_one_line (error->message);

      fprintf (stderr, _("petrel-cli: queued, to be sent when the server can be reached: %s\n"),
               line);
      return CLI_EXIT_OK;
    }

  if (failed == 0)
    return CLI_EXIT_OK;

  pending = petrel_changes_list_pending (account, NULL);
  for (guint i = pending != NULL ? pending->len : 0; i > 0; i--)
    {
      PetrelStoreReplayOp *op = g_ptr_array_index (pending, i - 1);

      if (g_strcmp0 (op->state, "failed") == 0 && op->last_error != NULL)
        return cli_fail_message (_("The server refused the change: %s"), op->last_error);
    }
  return cli_fail_message ("%s", _("The server refused the change"));
}

static int
run_change (CliGlobals  *globals,
            int          argc,
            char       **argv,
            const char  *synopsis,
            const CliOptSpec *specs,
            guint        n_fixed,
            gboolean   (*apply) (CliGlobals *globals, PetrelAccount *account, CliArgs *args,
                                 GArray *uids, PetrelAccount **out_other, GError **error))
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CliArgs) args = NULL;
  g_autoptr(PetrelAccount) account = NULL;
  g_autoptr(PetrelAccount) other = NULL;
  g_autoptr(GArray) uids = NULL;
  int status;

  args = cli_args_parse (specs, argc - 1, argv + 1, &error);
  if (args == NULL)
    return cli_usage (synopsis, "%s", error->message);
  if (cli_args_n_positional (args) < n_fixed)
    return cli_usage (synopsis, "%s", _("an account id and a folder are needed"));
  if (!parse_uids (args, n_fixed, &uids, &error))
    return cli_usage (synopsis, "%s", error->message);

  account = cli_open_account (globals, cli_args_positional (args, 0), &error);
  if (account == NULL)
    return cli_fail (error);

  if (!apply (globals, account, args, uids, &other, &error))
    {
      if (error->domain == G_OPTION_ERROR)
        return cli_usage (synopsis, "%s", error->message);
      return cli_fail (error);
    }

  /* Between accounts the target goes first: the source deletes only what the target has. */
  if (other != NULL && (status = replay_now (globals, other)) != CLI_EXIT_OK)
    return status;
  return replay_now (globals, account);
}

static gboolean
apply_flag (CliGlobals     *globals,
            PetrelAccount  *account,
            CliArgs        *args,
            GArray         *uids,
            PetrelAccount **out_other,
            GError        **error)
{
  g_auto(GStrv) add = NULL;
  g_auto(GStrv) remove = NULL;

  if (!cli_args_has (args, "add") && !cli_args_has (args, "remove"))
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("--add or --remove is needed"));
      return FALSE;
    }
  add = normalize_flags (cli_args_values (args, "add"), error);
  if (add == NULL)
    return FALSE;
  remove = normalize_flags (cli_args_values (args, "remove"), error);
  if (remove == NULL)
    return FALSE;

  return petrel_changes_set_flags (account, cli_args_positional (args, 1),
                                   (const guint32 *) uids->data, uids->len,
                                   (const char * const *) add, (const char * const *) remove,
                                   error);
}

int
cli_command_flag (CliGlobals  *globals,
                  int          argc,
                  char       **argv)
{
  static const CliOptSpec specs[] = {
    { "add", CLI_OPT_MULTI },
    { "remove", CLI_OPT_MULTI },
    { NULL },
  };

  return run_change (globals, argc, argv, "flag ID FOLDER UID… --add|--remove FLAG", specs, 2,
                     apply_flag);
}

/* move and copy: --to-account moves (copies) to a folder of another account. */
static gboolean
apply_transfer (CliGlobals     *globals,
                PetrelAccount  *account,
                CliArgs        *args,
                GArray         *uids,
                gboolean        copy,
                PetrelAccount **out_other,
                GError        **error)
{
  const char *to = cli_args_value (args, "to");
  const char *to_account = cli_args_value (args, "to-account");
  g_autoptr(PetrelAccount) target = NULL;
  PetrelChangesTransferFlags flags = PETREL_CHANGES_TRANSFER_NONE;

  if (to == NULL)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("--to PATH is needed"));
      return FALSE;
    }

  if (to_account == NULL || g_strcmp0 (to_account, petrel_account_get_id (account)) == 0)
    return copy
      ? petrel_changes_copy (account, cli_args_positional (args, 1),
                             (const guint32 *) uids->data, uids->len, to, error)
      : petrel_changes_move (account, cli_args_positional (args, 1),
                             (const guint32 *) uids->data, uids->len, to, error);

  target = cli_open_account (globals, to_account, error);
  if (target == NULL)
    return FALSE;
  if (copy)
    flags |= PETREL_CHANGES_TRANSFER_COPY;
  if (globals->offline)
    flags |= PETREL_CHANGES_TRANSFER_OFFLINE;
  if (!petrel_changes_move_to_account (account, cli_args_positional (args, 1),
                                       (const guint32 *) uids->data, uids->len, target, to,
                                       flags, NULL, NULL, error))
    return FALSE;

  *out_other = g_steal_pointer (&target);
  return TRUE;
}

static gboolean
apply_move (CliGlobals     *globals,
            PetrelAccount  *account,
            CliArgs        *args,
            GArray         *uids,
            PetrelAccount **out_other,
            GError        **error)
{
  return apply_transfer (globals, account, args, uids, FALSE, out_other, error);
}

static gboolean
apply_copy (CliGlobals     *globals,
            PetrelAccount  *account,
            CliArgs        *args,
            GArray         *uids,
            PetrelAccount **out_other,
            GError        **error)
{
  return apply_transfer (globals, account, args, uids, TRUE, out_other, error);
}

static gboolean
apply_delete (CliGlobals     *globals,
              PetrelAccount  *account,
              CliArgs        *args,
              GArray         *uids,
              PetrelAccount **out_other,
              GError        **error)
{
  return petrel_changes_delete (account, cli_args_positional (args, 1),
                                (const guint32 *) uids->data, uids->len,
                                cli_args_has (args, "expunge"), error);
}

int
cli_command_move (CliGlobals  *globals,
                  int          argc,
                  char       **argv)
{
  static const CliOptSpec specs[] = {
    { "to", CLI_OPT_VALUE },
    { "to-account", CLI_OPT_VALUE },
    { NULL },
  };

  return run_change (globals, argc, argv, "move ID FOLDER UID… --to PATH [--to-account ID2]",
                     specs, 2,
                     apply_move);
}

int
cli_command_copy (CliGlobals  *globals,
                  int          argc,
                  char       **argv)
{
  static const CliOptSpec specs[] = {
    { "to", CLI_OPT_VALUE },
    { "to-account", CLI_OPT_VALUE },
    { NULL },
  };

  return run_change (globals, argc, argv, "copy ID FOLDER UID… --to PATH [--to-account ID2]",
                     specs, 2,
                     apply_copy);
}

int
cli_command_delete (CliGlobals  *globals,
                    int          argc,
                    char       **argv)
{
  static const CliOptSpec specs[] = { { "expunge", CLI_OPT_FLAG }, { NULL } };

  return run_change (globals, argc, argv, "delete ID FOLDER UID… [--expunge]", specs, 2,
                     apply_delete);
}

int
cli_command_folder (CliGlobals  *globals,
                    int          argc,
                    char       **argv)
{
  static const char *synopsis = "folder create|rename|delete ID PATH [NEWPATH]";
  g_autoptr(GError) error = NULL;
  g_autoptr(PetrelAccount) account = NULL;
  const char *action;
  gboolean ok;

  if (argc < 4)
    return cli_usage (synopsis, "%s", _("folder needs an action, an account id and a path"));
  action = argv[1];
  if (!g_str_equal (action, "create") && !g_str_equal (action, "rename") &&
      !g_str_equal (action, "delete"))
    return cli_usage (synopsis, _("unknown folder action “%s”"), action);
  if (g_str_equal (action, "rename") ? argc != 5 : argc != 4)
    return cli_usage (synopsis, "%s", _("wrong number of arguments"));

  account = cli_open_account (globals, argv[2], &error);
  if (account == NULL)
    return cli_fail (error);

  if (g_str_equal (action, "create"))
    ok = petrel_changes_create_folder (account, argv[3], &error);
  else if (g_str_equal (action, "rename"))
    ok = petrel_changes_rename_folder (account, argv[3], argv[4], &error);
  else
    ok = petrel_changes_delete_folder (account, argv[3], &error);

  if (!ok)
    return cli_fail (error);
  return replay_now (globals, account);
}

int
cli_command_pending (CliGlobals  *globals,
                     int          argc,
                     char       **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PetrelAccount) account = NULL;
  g_autoptr(GPtrArray) pending = NULL;

  if (argc != 2)
    return cli_usage ("pending ID", "%s", _("pending needs exactly one account id"));

  account = cli_open_account (globals, argv[1], &error);
  if (account == NULL)
    return cli_fail (error);
  pending = petrel_changes_list_pending (account, &error);
  if (pending == NULL)
    return cli_fail (error);

  for (guint i = 0; i < pending->len; i++)
    {
      PetrelStoreReplayOp *op = g_ptr_array_index (pending, i);
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autofree char *description = petrel_changes_describe (op);
      g_autofree char *text = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_int_value (builder, op->id);
      json_builder_set_member_name (builder, "kind");
      json_builder_add_string_value (builder, op->kind);
      json_builder_set_member_name (builder, "state");
      json_builder_add_string_value (builder, op->state);
      json_builder_set_member_name (builder, "created");
      json_builder_add_int_value (builder, op->created);
      json_builder_set_member_name (builder, "attempts");
      json_builder_add_int_value (builder, op->attempts);
      json_builder_set_member_name (builder, "error");
      if (op->last_error != NULL)
        json_builder_add_string_value (builder, op->last_error);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "description");
      json_builder_add_string_value (builder, description);
      json_builder_set_member_name (builder, "payload");
      json_builder_add_string_value (builder, op->payload);
      json_builder_end_object (builder);

      text = g_strdup_printf ("%" G_GINT64_FORMAT "\t%s\t%s%s%s", op->id, op->state,
                              description, op->last_error != NULL ? "\t" : "",
                              op->last_error != NULL ? op->last_error : "");
      cli_emit_object (globals, builder, text);
    }

  return CLI_EXIT_OK;
}

/* Undoing a move between accounts queues a move back, with a half in each account's queue:
 * the other accounts with a change between accounts pending replay theirs (the target
 * appends before the source deletes), then @account replays again, so that the undo is on
 * the servers when the command ends, as any other undo is. Their failures stay queued. */
static void
finish_between_accounts (CliGlobals    *globals,
                         PetrelAccount *account)
{
  g_autoptr(GPtrArray) accounts = cli_open_accounts (globals, NULL, NULL);
  gboolean replayed = FALSE;

  for (guint i = 0; accounts != NULL && i < accounts->len; i++)
    {
      PetrelAccount *other = g_ptr_array_index (accounts, i);
      g_autoptr(GError) error = NULL;

      if (g_str_equal (petrel_account_get_id (other), petrel_account_get_id (account)) ||
          !petrel_changes_has_pending_between_accounts (other))
        continue;
      if (!petrel_changes_replay (other, NULL, NULL, &error))
        g_debug ("Replaying %s after an undo: %s", petrel_account_get_id (other), error->message);
      replayed = TRUE;
    }

  if (replayed)
    {
      g_autoptr(GError) error = NULL;

      if (!petrel_changes_replay (account, NULL, NULL, &error))
        g_debug ("Replaying %s after an undo: %s", petrel_account_get_id (account),
                 error->message);
    }
}

int
cli_command_undo (CliGlobals  *globals,
                  int          argc,
                  char       **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PetrelAccount) account = NULL;
  g_autofree char *description = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *text = NULL;
  CliWait wait;

  if (argc != 2)
    return cli_usage ("undo ID", "%s", _("undo needs exactly one account id"));

  account = cli_open_account (globals, argv[1], &error);
  if (account == NULL)
    return cli_fail (error);

  cli_wait_init (&wait);
  petrel_account_undo_async (account, !globals->offline, NULL, cli_wait_callback, &wait);
  description = petrel_account_undo_finish (account, cli_wait_run (&wait), &error);
  cli_wait_clear (&wait);
  if (description == NULL)
    return cli_fail (error);
  if (!globals->offline)
    finish_between_accounts (globals, account);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "undone");
  json_builder_add_string_value (builder, description);
  json_builder_end_object (builder);
  text = g_strdup_printf (_("Undone: %s"), description);
  cli_emit_object (globals, builder, text);

  return CLI_EXIT_OK;
}
