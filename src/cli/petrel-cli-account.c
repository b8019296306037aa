/* petrel-cli-account.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * petrel-cli account add|list|remove
 */

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "petrel-cli-commands.h"
#include "petrel-cli-discover.h"
#include "account/petrel-tls-database.h"

#define ADD_SYNOPSIS "account add --id ID --email ADDR [--name NAME] --imap HOST:PORT " \
                     "--imap-security tls|starttls|none --smtp HOST:PORT " \
                     "--smtp-security tls|starttls|none [--user USER] [--ca-file PEM] " \
                     "--password-stdin | account add --auto --id ID --email ADDR [--name NAME] " \
                     "[--user USER] [--ca-file PEM] --password-stdin"

/* HOST:PORT, [IPv6]:PORT */
static gboolean
parse_host_port (const char  *option,
                 const char  *value,
                 char       **out_host,
                 guint16     *out_port,
                 GError     **error)
{
  g_autofree char *host = NULL;
  const char *port_str;
  guint64 port = 0;

  if (value[0] == '[')
    {
      const char *end = strchr (value, ']');

      if (end == NULL || end[1] != ':')
        goto bad;
      host = g_strndup (value + 1, end - value - 1);
      port_str = end + 2;
    }
  else
    {
      const char *colon = strrchr (value, ':');

      if (colon == NULL || strchr (value, ':') != colon)
        goto bad;
      host = g_strndup (value, colon - value);
      port_str = colon + 1;
    }

  if (*host == '\0' || !g_ascii_string_to_unsigned (port_str, 10, 1, 65535, &port, NULL))
    goto bad;

  *out_host = g_steal_pointer (&host);
  *out_port = (guint16) port;
  return TRUE;

bad:
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               _("--%s needs HOST:PORT with a port from 1 to 65535, not “%s”"), option, value);
  return FALSE;
}

static char *
read_password_stdin (GError **error)
{
  g_autoptr(GString) buffer = g_string_new (NULL);
  char chunk[512];
  size_t n;

  while ((n = fread (chunk, 1, sizeof chunk, stdin)) > 0)
    {
      g_string_append_len (buffer, chunk, n);
      if (buffer->len > 64 * 1024)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               _("The password on standard input is too long"));
          return NULL;
        }
    }
  memset (chunk, 0, sizeof chunk);

  /* One trailing newline (from echo or a here-string) is not part of the password. */
  if (buffer->len > 0 && buffer->str[buffer->len - 1] == '\n')
    g_string_truncate (buffer, buffer->len - 1);
  if (buffer->len > 0 && buffer->str[buffer->len - 1] == '\r')
    g_string_truncate (buffer, buffer->len - 1);

  if (buffer->len == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("No password on standard input"));
      return NULL;
    }
  if (memchr (buffer->str, '\0', buffer->len) != NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("The password contains a NUL byte"));
      return NULL;
    }

  return g_string_free (g_steal_pointer (&buffer), FALSE);
}

static gboolean
store_secret (PetrelCredentials        *credentials,
              const char               *id,
              PetrelCredentialService   service,
              const char               *label,
              const char               *secret,
              GError                  **error)
{
  CliWait wait;
  gboolean ok;

  cli_wait_init (&wait);
  petrel_credentials_store_async (credentials, id, service, label, secret, NULL,
                                  cli_wait_callback, &wait);
  ok = petrel_credentials_store_finish (credentials, cli_wait_run (&wait), error);
  cli_wait_clear (&wait);

  return ok;
}

static void
clear_secret (PetrelCredentials       *credentials,
              const char              *id,
              PetrelCredentialService  service)
{
  CliWait wait;

  cli_wait_init (&wait);
  petrel_credentials_clear_async (credentials, id, service, NULL, cli_wait_callback, &wait);
  /* Clearing a secret that is not there is fine; other failures leave nothing to undo. */
  petrel_credentials_clear_finish (credentials, cli_wait_run (&wait), NULL);
  cli_wait_clear (&wait);
}

static int
account_add (CliGlobals  *globals,
             int          argc,
             char       **argv)
{
  static const CliOptSpec specs[] = {
    { "id", CLI_OPT_VALUE },
    { "email", CLI_OPT_VALUE },
    { "name", CLI_OPT_VALUE },
    { "imap", CLI_OPT_VALUE },
    { "imap-security", CLI_OPT_VALUE },
    { "smtp", CLI_OPT_VALUE },
    { "smtp-security", CLI_OPT_VALUE },
    { "user", CLI_OPT_VALUE },
    { "ca-file", CLI_OPT_VALUE },
    { "password-stdin", CLI_OPT_FLAG },
    { "auto", CLI_OPT_FLAG },
    { NULL },
  };
  static const char *required[] = {
    "id", "email", "imap", "imap-security", "smtp", "smtp-security", NULL
  };
  g_autoptr(PetrelAutoconfigResult) found = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CliArgs) args = NULL;
  g_autoptr(PetrelAccountConfig) config = NULL;
  g_autoptr(PetrelAccountConfig) existing = NULL;
  g_autoptr(PetrelAccount) account = NULL;
  g_autofree char *imap_host = NULL;
  g_autofree char *smtp_host = NULL;
  g_autofree char *password = NULL;
  g_autofree char *label = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autofree char *text = NULL;
  PetrelConnectionSecurity imap_security, smtp_security;
  guint16 imap_port = 0, smtp_port = 0;
  const char *id;
  const char *key;
  const char *user;
  const char *ca_file;

  args = cli_args_parse (specs, argc - 1, argv + 1, &error);
  if (args == NULL)
    return cli_usage (ADD_SYNOPSIS, "%s", error->message);
  if (cli_args_n_positional (args) > 0)
    return cli_usage (ADD_SYNOPSIS, _("unexpected argument “%s”"), cli_args_positional (args, 0));
  /* With --auto only the id and the address are needed: the servers are discovered. */
  for (guint i = 0; required[i] != NULL && (i < 2 || !cli_args_has (args, "auto")); i++)
    if (cli_args_value (args, required[i]) == NULL)
      return cli_usage (ADD_SYNOPSIS, _("--%s is required"), required[i]);
  if (!cli_args_has (args, "password-stdin"))
    return cli_usage (ADD_SYNOPSIS, "%s",
                      _("--password-stdin is required: the password is read from standard input"));

  if (cli_args_has (args, "auto"))
    {
      g_autoptr(PetrelAutoconfig) autoconfig = petrel_autoconfig_new ();
      const char *ca = cli_args_value (args, "ca-file");

      /* Probes trust the same CA the account will. */
      if (ca != NULL)
        {
          g_autoptr(GTlsDatabase) extra = g_tls_file_database_new (ca, &error);
          g_autoptr(GTlsDatabase) system = NULL;
          g_autoptr(GTlsDatabase) database = NULL;

          if (extra == NULL)
            return cli_fail (error);
          system = g_tls_backend_get_default_database (g_tls_backend_get_default ());
          database = petrel_tls_database_new (system, extra);
          g_object_set (autoconfig, "tls-database", database, NULL);
        }

      found = cli_discover (globals, autoconfig, cli_args_value (args, "email"), &error);
      if (found == NULL)
        return cli_fail (error);
      imap_host = g_strdup (petrel_autoconfig_result_get_host (found, PETREL_ACCOUNT_SERVER_IMAP));
      imap_port = petrel_autoconfig_result_get_port (found, PETREL_ACCOUNT_SERVER_IMAP);
      imap_security = petrel_autoconfig_result_get_security (found, PETREL_ACCOUNT_SERVER_IMAP);
      smtp_host = g_strdup (petrel_autoconfig_result_get_host (found, PETREL_ACCOUNT_SERVER_SMTP));
      smtp_port = petrel_autoconfig_result_get_port (found, PETREL_ACCOUNT_SERVER_SMTP);
      smtp_security = petrel_autoconfig_result_get_security (found, PETREL_ACCOUNT_SERVER_SMTP);
    }
  else if (!parse_host_port ("imap", cli_args_value (args, "imap"), &imap_host, &imap_port, &error) ||
      !parse_host_port ("smtp", cli_args_value (args, "smtp"), &smtp_host, &smtp_port, &error))
    return cli_usage (ADD_SYNOPSIS, "%s", error->message);
  else if (!petrel_connection_security_from_string (cli_args_value (args, "imap-security"),
                                                    &imap_security, &error) ||
           !petrel_connection_security_from_string (cli_args_value (args, "smtp-security"),
                                                    &smtp_security, &error))
    return cli_usage (ADD_SYNOPSIS, "%s", error->message);

  id = cli_args_value (args, "id");
  user = cli_args_value (args, "user");
  ca_file = cli_args_value (args, "ca-file");

  config = petrel_account_config_new (id);
  petrel_account_config_set_email_address (config, cli_args_value (args, "email"));
  if (cli_args_value (args, "name") != NULL)
    petrel_account_config_set_display_name (config, cli_args_value (args, "name"));
  petrel_account_config_set_imap_host (config, imap_host);
  petrel_account_config_set_imap_port (config, imap_port);
  petrel_account_config_set_imap_security (config, imap_security);
  petrel_account_config_set_smtp_host (config, smtp_host);
  petrel_account_config_set_smtp_port (config, smtp_port);
  petrel_account_config_set_smtp_security (config, smtp_security);
  if (found != NULL && user == NULL)
    user = petrel_autoconfig_result_get_user (found, PETREL_ACCOUNT_SERVER_IMAP);
  if (user != NULL)
    {
      petrel_account_config_set_imap_user (config, user);
      petrel_account_config_set_smtp_user (config, user);
    }
  if (ca_file != NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (ca_file);
      g_autofree char *path = g_file_get_path (file);

      if (path == NULL || !g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return cli_fail_message (_("The CA file “%s” does not exist"), ca_file);
      petrel_account_config_set_ca_file (config, path);
    }

  if (!petrel_account_config_validate (config, &error))
    return cli_fail (error);

  existing = petrel_account_config_load (globals->data_dir, id, NULL);
  if (existing != NULL)
    return cli_fail_message (_("An account with the id “%s” exists already"), id);

  password = read_password_stdin (&error);
  if (password == NULL)
    return cli_fail (error);

  account = petrel_account_new_for_config (globals->data_dir, config);
  key = petrel_account_get_secret_key (account);
  label = g_strdup_printf ("%s", cli_args_value (args, "email"));

  /* The secret first: an account whose password could not be kept is not created. */
  if (!store_secret (petrel_account_get_credentials (account), key,
                     PETREL_CREDENTIAL_SERVICE_IMAP, label, password, &error) ||
      !store_secret (petrel_account_get_credentials (account), key,
                     PETREL_CREDENTIAL_SERVICE_SMTP, label, password, &error))
    {
      clear_secret (petrel_account_get_credentials (account), key, PETREL_CREDENTIAL_SERVICE_IMAP);
      petrel_credentials_secret_free (g_steal_pointer (&password));
      return cli_fail (error);
    }
  petrel_credentials_secret_free (g_steal_pointer (&password));

  if (!petrel_account_config_save (config, globals->data_dir, &error) ||
      petrel_account_get_store (account, &error) == NULL)
    {
      clear_secret (petrel_account_get_credentials (account), key, PETREL_CREDENTIAL_SERVICE_IMAP);
      clear_secret (petrel_account_get_credentials (account), key, PETREL_CREDENTIAL_SERVICE_SMTP);
      petrel_account_config_remove (globals->data_dir, id, NULL);
      return cli_fail (error);
    }

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, id);
  json_builder_set_member_name (builder, "email");
  json_builder_add_string_value (builder, cli_args_value (args, "email"));
  json_builder_end_object (builder);
  text = g_strdup_printf (_("Added account “%s” (%s)"), id, cli_args_value (args, "email"));
  cli_emit_object (globals, builder, text);

  return CLI_EXIT_OK;
}

static void
add_server (JsonBuilder              *builder,
            const char               *name,
            const char               *host,
            guint16                   port,
            PetrelConnectionSecurity  security)
{
  g_autofree char *hostport = NULL;
  g_autofree char *key = g_strconcat (name, "_security", NULL);

  hostport = strchr (host != NULL ? host : "", ':') != NULL
    ? g_strdup_printf ("[%s]:%u", host, port)
    : g_strdup_printf ("%s:%u", host != NULL ? host : "", port);

  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, hostport);
  json_builder_set_member_name (builder, key);
  json_builder_add_string_value (builder, petrel_connection_security_to_string (security));
}

static int
account_list (CliGlobals  *globals,
              int          argc,
              char       **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) configs = NULL;

  if (argc > 1)
    return cli_usage ("account list", _("unexpected argument “%s”"), argv[1]);

  configs = petrel_account_config_list (globals->data_dir, NULL, &error);
  if (configs == NULL)
    return cli_fail (error);

  for (guint i = 0; i < configs->len; i++)
    {
      PetrelAccountConfig *config = g_ptr_array_index (configs, i);
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autofree char *text = NULL;
      const char *name = petrel_account_config_get_display_name (config);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, petrel_account_config_get_id (config));
      json_builder_set_member_name (builder, "email");
      json_builder_add_string_value (builder, petrel_account_config_get_email_address (config));
      json_builder_set_member_name (builder, "name");
      if (name != NULL)
        json_builder_add_string_value (builder, name);
      else
        json_builder_add_null_value (builder);
      add_server (builder, "imap",
                  petrel_account_config_get_imap_host (config),
                  petrel_account_config_get_imap_port (config),
                  petrel_account_config_get_imap_security (config));
      add_server (builder, "smtp",
                  petrel_account_config_get_smtp_host (config),
                  petrel_account_config_get_smtp_port (config),
                  petrel_account_config_get_smtp_security (config));
      json_builder_end_object (builder);

      text = g_strdup_printf ("%s\t%s\t%s:%u",
                              petrel_account_config_get_id (config),
                              petrel_account_config_get_email_address (config),
                              petrel_account_config_get_imap_host (config),
                              petrel_account_config_get_imap_port (config));
      cli_emit_object (globals, builder, text);
    }

  return CLI_EXIT_OK;
}

static int
account_remove (CliGlobals  *globals,
                int          argc,
                char       **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PetrelAccount) account = NULL;
  CliWait wait;
  gboolean ok;
  const char *id;

  if (argc != 2)
    return cli_usage ("account remove ID", "%s", _("account remove needs exactly one account id"));
  id = argv[1];

  account = petrel_account_open (globals->data_dir, id, &error);
  if (account == NULL)
    return cli_fail (error);

  /* The secrets first; the account stays if they could not be removed, so no password is
   * left behind with nothing pointing at it. */
  for (guint service = 0; service < PETREL_N_CREDENTIAL_SERVICES; service++)
    {
      cli_wait_init (&wait);
      petrel_credentials_clear_async (petrel_account_get_credentials (account),
                                      petrel_account_get_secret_key (account), service, NULL,
                                      cli_wait_callback, &wait);
      ok = petrel_credentials_clear_finish (petrel_account_get_credentials (account),
                                            cli_wait_run (&wait), &error);
      cli_wait_clear (&wait);
      if (!ok)
        return cli_fail (error);
    }

  g_clear_object (&account);
  if (!petrel_account_config_remove (globals->data_dir, id, &error))
    return cli_fail (error);

  if (!globals->json)
    printf (_("Removed account “%s”\n"), id);
  return CLI_EXIT_OK;
}

int
cli_command_account (CliGlobals  *globals,
                     int          argc,
                     char       **argv)
{
  if (argc < 2)
    return cli_usage ("account add|list|remove|discover …", "%s",
                      _("account needs a subcommand"));

  if (g_str_equal (argv[1], "add"))
    return account_add (globals, argc - 1, argv + 1);
  if (g_str_equal (argv[1], "list"))
    return account_list (globals, argc - 1, argv + 1);
  if (g_str_equal (argv[1], "remove"))
    return account_remove (globals, argc - 1, argv + 1);

  if (g_str_equal (argv[1], "discover"))
    {
      if (argc != 3)
        return cli_usage ("account discover ADDRESS", "%s",
                          _("account discover needs exactly one email address"));
      return cli_command_discover (globals, argv[2]);
    }

  return cli_usage ("account add|list|remove|discover …", _("unknown account subcommand “%s”"),
                    argv[1]);
}
