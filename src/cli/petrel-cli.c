/* petrel-cli.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The headless front end. Its flags, JSON fields and exit codes are a contract
 * (DESIGN.md, "petrel-cli contract"): 0 on success, 1 on an error (one line on
 * stderr), 2 on bad usage.
 */

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>

#include "petrel-cli-commands.h"

enum {
  EXIT_OK = CLI_EXIT_OK,
  EXIT_ERROR = CLI_EXIT_ERROR,
  EXIT_USAGE = CLI_EXIT_USAGE,
};

typedef int (*CliCommandFunc) (CliGlobals *globals, int argc, char **argv);

typedef struct
{
  const char     *name;
  CliCommandFunc  func;
  const char     *synopsis;
} CliCommand;

static const CliCommand commands[] = {
  { "account", cli_command_account,
    "account add --id ID --email ADDR [--name NAME] --imap HOST:PORT "
    "--imap-security tls|starttls|none --smtp HOST:PORT --smtp-security tls|starttls|none "
    "[--user USER] [--ca-file PEM] [--test] --password-stdin | account add --auto --id ID "
    "--email ADDR [--name NAME] [--user USER] [--ca-file PEM] [--no-test] --password-stdin | "
    "account add --oauth2 PROVIDER --id ID --email ADDR [--name NAME] [--user USER] "
    "[--ca-file PEM] [--no-browser] [--no-test] | account list | "
    "account remove ID | account sign-in ID [--no-browser] | account discover ADDRESS" },
  { "folders", cli_command_folders, "folders ID" },
  { "list", cli_command_list, "list ID FOLDER [--limit N] [--offset N]" },
  { "search", cli_command_search,
    "search QUERY [--account ID] [--folder PATH] [--limit N]" },
  { "show", cli_command_show, "show ID FOLDER UID [--raw]" },
  { "sync", cli_command_sync, "sync [ID…] [--folder PATH] [--headers-only]" },
  { "flag", cli_command_flag, "flag ID FOLDER UID… --add|--remove FLAG" },
  { "move", cli_command_move, "move ID FOLDER UID… --to PATH [--to-account ID2]" },
  { "copy", cli_command_copy, "copy ID FOLDER UID… --to PATH [--to-account ID2]" },
  { "delete", cli_command_delete, "delete ID FOLDER UID… [--expunge]" },
  { "folder", cli_command_folder, "folder create|rename|delete ID PATH [NEWPATH]" },
  { "pending", cli_command_pending, "pending ID" },
  { "undo", cli_command_undo, "undo ID" },
  { "send", cli_command_send,
    "send --account ID --to ADDR… [--cc ADDR…] [--bcc ADDR…] --subject S [--attach FILE…] "
    "[--in-reply-to ID FOLDER UID [--reply-all]] "
    "[--forward ID FOLDER UID [--forward-as-attachment]] [--body-file F] [--html-file F]" },
  { "outbox", cli_command_outbox, "outbox ID | outbox cancel|retry ID N" },
  { "watch", cli_command_watch, "watch ID" },
  { "draft", cli_command_draft,
    "draft save --account ID [--replace N] [--to ADDR…] [--subject S] … | draft list ID | "
    "draft delete|send ID N" },
  { NULL, NULL, NULL },
};

void
cli_wait_init (CliWait *wait)
{
  wait->loop = g_main_loop_new (NULL, FALSE);
  wait->result = NULL;
}

void
cli_wait_clear (CliWait *wait)
{
  g_clear_object (&wait->result);
  g_clear_pointer (&wait->loop, g_main_loop_unref);
}

void
cli_wait_callback (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  CliWait *wait = user_data;

  wait->result = g_object_ref (result);
  g_main_loop_quit (wait->loop);
}

GAsyncResult *
cli_wait_run (CliWait *wait)
{
  if (wait->result == NULL)
    g_main_loop_run (wait->loop);
  return wait->result;
}

/* How long the exit waits for other threads to let go of the accounts. */
#define ACCOUNTS_GONE_TIMEOUT (10 * G_TIME_SPAN_SECOND)

PetrelAccount *
cli_open_account (CliGlobals  *globals,
                  const char  *id,
                  GError     **error)
{
  return petrel_account_open (globals->data_dir, id, error);
}

GPtrArray *
cli_open_accounts (CliGlobals          *globals,
                   const char * const  *ids,
                   GError             **error)
{
  g_autoptr(GPtrArray) accounts = NULL;

  if (ids == NULL || ids[0] == NULL)
    return petrel_account_open_all (globals->data_dir, error);

  accounts = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; ids[i] != NULL; i++)
    {
      PetrelAccount *account = cli_open_account (globals, ids[i], error);

      if (account == NULL)
        return NULL;
      g_ptr_array_add (accounts, account);
    }
  return g_steal_pointer (&accounts);
}

static void
print_usage (FILE *stream)
{
  fprintf (stream, "%s\n", _("Usage: petrel-cli [--data-dir DIR] [--json] [--offline] COMMAND [ARGS…]"));
  fprintf (stream, "\n%s\n", _("Global options:"));
  fprintf (stream, "  --data-dir DIR   %s\n", _("Keep all data under DIR (also PETREL_DATA_DIR)"));
  fprintf (stream, "  --json           %s\n", _("Print results as JSON, one object per line"));
  fprintf (stream, "  --offline        %s\n", _("Never touch the network; changes are queued"));
  fprintf (stream, "  --help           %s\n", _("Show this help"));
  fprintf (stream, "  --version        %s\n", _("Show the version"));

  if (commands[0].name != NULL)
    {
      fprintf (stream, "\n%s\n", _("Commands:"));
      for (guint i = 0; commands[i].name != NULL; i++)
        fprintf (stream, "  %s\n", commands[i].synopsis);
    }
}

static int
usage_error (const char *message)
{
  fprintf (stderr, "petrel-cli: %s\n", message);
  fprintf (stderr, "%s\n", _("Try “petrel-cli --help” for more information."));
  return EXIT_USAGE;
}

/* Global options may stand anywhere on the command line; take them out and leave the
 * command and its own arguments in order. */
static gboolean
extract_globals (CliGlobals  *globals,
                 int         *argc,
                 char       **argv,
                 gboolean    *help,
                 gboolean    *version,
                 char       **error_message)
{
  int out = 1;

  for (int i = 1; i < *argc; i++)
    {
      const char *arg = argv[i];

      if (g_str_equal (arg, "--"))
        {
          for (; i < *argc; i++)
            argv[out++] = argv[i];
          break;
        }
      else if (g_str_equal (arg, "--json"))
        globals->json = TRUE;
      else if (g_str_equal (arg, "--offline"))
        globals->offline = TRUE;
      else if (g_str_equal (arg, "--help") || g_str_equal (arg, "-h"))
        *help = TRUE;
      else if (g_str_equal (arg, "--version"))
        *version = TRUE;
      else if (g_str_equal (arg, "--data-dir"))
        {
          if (i + 1 >= *argc)
            {
              *error_message = g_strdup (_("--data-dir needs a directory"));
              return FALSE;
            }
          g_free (globals->data_dir);
          globals->data_dir = g_strdup (argv[++i]);
        }
      else if (g_str_has_prefix (arg, "--data-dir="))
        {
          g_free (globals->data_dir);
          globals->data_dir = g_strdup (arg + strlen ("--data-dir="));
        }
      else
        argv[out++] = argv[i];
    }

  argv[out] = NULL;
  *argc = out;

  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  CliGlobals globals = { 0 };
  g_autofree char *error_message = NULL;
  gboolean help = FALSE;
  gboolean version = FALSE;
  int status = EXIT_USAGE;

  setlocale (LC_ALL, "");

  /* stdout carries results (JSON lines): every log message goes to stderr. */
  g_log_writer_default_set_use_stderr (TRUE);
  /* PETREL_LOCALEDIR: the build tree's po/ when running uninstalled (build-aux/run). */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("PETREL_LOCALEDIR") != NULL
                                     ? g_getenv ("PETREL_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (!extract_globals (&globals, &argc, argv, &help, &version, &error_message))
    return usage_error (error_message);

  if (version)
    {
      printf ("petrel-cli %s\n", petrel_engine_get_version ());
      return EXIT_OK;
    }

  if (argc < 2)
    {
      print_usage (help ? stdout : stderr);
      return help ? EXIT_OK : EXIT_USAGE;
    }

  if (globals.data_dir == NULL)
    {
      const char *env_dir = g_getenv ("PETREL_DATA_DIR");

      if (env_dir != NULL && *env_dir != '\0')
        globals.data_dir = g_strdup (env_dir);
      else
        globals.data_dir = g_build_filename (g_get_user_data_dir (), "petrel", NULL);
    }

  petrel_engine_init ();
  cli_load_oauth2_providers (&globals);

  for (guint i = 0; commands[i].name != NULL; i++)
    {
      if (g_str_equal (commands[i].name, argv[1]))
        {
          if (help)
            {
              printf ("%s %s\n", _("Usage: petrel-cli"), commands[i].synopsis);
              status = EXIT_OK;
            }
          else
            status = commands[i].func (&globals, argc - 1, argv + 1);
          goto out;
        }
    }

  {
    g_autofree char *message = g_strdup_printf (_("unknown command “%s”"), argv[1]);
    status = usage_error (message);
  }

out:
  /* The stores are closed here, not cut short by the exit (petrel_account_wait_for_all()). */
  petrel_account_wait_for_all (ACCOUNTS_GONE_TIMEOUT);
  g_free (globals.data_dir);
  return status;
}
