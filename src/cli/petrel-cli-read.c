/* petrel-cli-read.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * petrel-cli folders|list|search: reading the cache, which works offline.
 */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>

#include "petrel-cli-commands.h"
#include "petrel-cli-messages.h"

/* The server's name of a folder for JSON, which must be UTF-8: bytes that are not UTF-8 are
 * written as \xNN (and a backslash as \\, so the text stays unambiguous). */
static char *
escape_server_name (const char *raw)
{
  GString *out = g_string_sized_new (strlen (raw));

  for (const char *p = raw; *p != '\0';)
    {
      gunichar ch = g_utf8_get_char_validated (p, -1);

      if (*p == '\\')
        {
          g_string_append (out, "\\\\");
          p++;
        }
      else if (ch == (gunichar) -1 || ch == (gunichar) -2)
        {
          g_string_append_printf (out, "\\x%02X", (guchar) *p);
          p++;
        }
      else
        {
          g_string_append_unichar (out, ch);
          p = g_utf8_next_char (p);
        }
    }
  return g_string_free (out, FALSE);
}

int
cli_command_folders (CliGlobals  *globals,
                     int          argc,
                     char       **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PetrelAccount) account = NULL;
  g_autoptr(GPtrArray) folders = NULL;
  PetrelStore *store;

  if (argc != 2)
    return cli_usage ("folders ID", "%s", _("folders needs exactly one account id"));

  account = cli_open_account (globals, argv[1], &error);
  if (account == NULL)
    return cli_fail (error);
  store = petrel_account_get_store (account, &error);
  if (store == NULL)
    return cli_fail (error);

  folders = petrel_store_list_folders (store, &error);
  if (folders == NULL)
    return cli_fail (error);

  for (guint i = 0; i < folders->len; i++)
    {
      PetrelStoreFolder *folder = g_ptr_array_index (folders, i);
      const char *role = petrel_store_folder_role_to_string (folder->role);
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autofree char *text = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "path");
      json_builder_add_string_value (builder, folder->path);
      json_builder_set_member_name (builder, "role");
      if (role != NULL)
        json_builder_add_string_value (builder, role);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "total");
      json_builder_add_int_value (builder, folder->total);
      json_builder_set_member_name (builder, "unread");
      json_builder_add_int_value (builder, folder->unread);
      /* Beyond the contract's fields: the name the server lists the folder by, when it is
       * known and is not simply the path (not valid modified UTF-7, or encoded differently). */
      if (folder->raw_path != NULL && g_strcmp0 (folder->raw_path, folder->path) != 0)
        {
          g_autofree char *server_name = escape_server_name (folder->raw_path);

          json_builder_set_member_name (builder, "server_name");
          json_builder_add_string_value (builder, server_name);
        }
      json_builder_end_object (builder);

      {
        /* A folder name comes from the server: no escape sequence reaches the terminal. */
        g_autofree char *path = cli_one_line (folder->path);

        text = g_strdup_printf ("%-30s %-8s %7u %7u", path, role != NULL ? role : "-",
                                folder->total, folder->unread);
      }
      cli_emit_object (globals, builder, text);
    }

  return CLI_EXIT_OK;
}

int
cli_command_list (CliGlobals  *globals,
                  int          argc,
                  char       **argv)
{
  static const char *synopsis = "list ID FOLDER [--limit N] [--offset N]";
  static const CliOptSpec specs[] = {
    { "limit", CLI_OPT_VALUE },
    { "offset", CLI_OPT_VALUE },
    { NULL },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(CliArgs) args = NULL;
  g_autoptr(PetrelAccount) account = NULL;
  g_autoptr(PetrelStoreFolder) folder = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  guint64 limit = G_MAXUINT;
  guint64 offset = 0;
  PetrelStore *store;

  args = cli_args_parse (specs, argc - 1, argv + 1, &error);
  if (args == NULL)
    return cli_usage (synopsis, "%s", error->message);
  if (cli_args_n_positional (args) != 2)
    return cli_usage (synopsis, "%s", _("list needs an account id and a folder"));
  if (!cli_args_uint (args, "limit", G_MAXUINT, &limit, &error) ||
      !cli_args_uint (args, "offset", G_MAXUINT, &offset, &error))
    return cli_usage (synopsis, "%s", error->message);

  account = cli_open_account (globals, cli_args_positional (args, 0), &error);
  if (account == NULL)
    return cli_fail (error);
  store = petrel_account_get_store (account, &error);
  if (store == NULL)
    return cli_fail (error);

  folder = cli_lookup_folder (store, cli_args_positional (args, 1), &error);
  if (folder == NULL)
    return cli_fail (error);

  messages = petrel_store_list_messages (store, folder->id, (guint) offset, (guint) limit, &error);
  if (messages == NULL)
    return cli_fail (error);

  for (guint i = 0; i < messages->len; i++)
    cli_emit_message (globals, g_ptr_array_index (messages, i), NULL, NULL);

  return CLI_EXIT_OK;
}

int
cli_command_search (CliGlobals  *globals,
                    int          argc,
                    char       **argv)
{
  static const char *synopsis = "search QUERY [--account ID] [--folder PATH] [--limit N]";
  static const CliOptSpec specs[] = {
    { "account", CLI_OPT_VALUE },
    { "folder", CLI_OPT_VALUE },
    { "limit", CLI_OPT_VALUE },
    { NULL },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(CliArgs) args = NULL;
  g_autoptr(GPtrArray) accounts = NULL;
  g_autoptr(GPtrArray) hits = NULL;
  g_autoptr(GString) query = g_string_new (NULL);
  guint64 limit = 100;

  args = cli_args_parse (specs, argc - 1, argv + 1, &error);
  if (args == NULL)
    return cli_usage (synopsis, "%s", error->message);
  if (cli_args_n_positional (args) == 0)
    return cli_usage (synopsis, "%s", _("search needs a query"));
  if (!cli_args_uint (args, "limit", G_MAXUINT, &limit, &error))
    return cli_usage (synopsis, "%s", error->message);

  /* Several words are one query, as a shell user would expect. */
  for (guint i = 0; i < cli_args_n_positional (args); i++)
    {
      if (i > 0)
        g_string_append_c (query, ' ');
      g_string_append (query, cli_args_positional (args, i));
    }

  {
    const char *ids[] = { cli_args_value (args, "account"), NULL };

    accounts = cli_open_accounts (globals, ids, &error);
    if (accounts == NULL)
      return cli_fail (error);
  }

  hits = cli_search_accounts (accounts, query->str, cli_args_value (args, "folder"),
                              (guint) limit, !globals->offline, &error);
  if (hits == NULL)
    return cli_fail (error);

  for (guint i = 0; i < hits->len; i++)
    {
      CliSearchHit *hit = g_ptr_array_index (hits, i);

      cli_emit_message (globals, hit->message, petrel_account_get_id (hit->account),
                        hit->message->folder_path);
    }

  return CLI_EXIT_OK;
}
