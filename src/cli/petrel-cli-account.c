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
#include "account/petrel-oauth2.h"
#include "account/petrel-tls-database.h"
#include "sync/petrel-account-probe.h"
#include "model/petrel-account-setup.h"

#define ADD_SYNOPSIS "account add --id ID --email ADDR [--name NAME] --imap HOST:PORT " \
                     "--imap-security tls|starttls|none --smtp HOST:PORT " \
                     "--smtp-security tls|starttls|none [--user USER] [--ca-file PEM] [--test] " \
                     "--password-stdin | account add --auto --id ID --email ADDR [--name NAME] " \
                     "[--user USER] [--ca-file PEM] [--no-test] --password-stdin | account add " \
                     "--oauth2 PROVIDER --id ID --email ADDR [--name NAME] [--user USER] " \
                     "[--ca-file PEM] [--no-browser] [--no-test]"

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

static char *
describe_probe_error (const GError *error)
{
  PetrelTlsFailure *failure = petrel_tls_error_get_failure (error);

  /* The engine's certificate message is English; say it in the user's language with what a
   * person needs to decide: the fingerprint. */
  if (failure != NULL)
    {
      g_autofree char *reasons = petrel_tls_failure_dup_reasons (failure);

      return g_strdup_printf (_("the certificate of %s:%u is not trusted (%s); its SHA-256 "
                                "fingerprint is %s"),
                              petrel_tls_failure_get_host (failure),
                              petrel_tls_failure_get_port (failure), reasons,
                              petrel_tls_failure_get_fingerprint (failure));
    }
  return g_strdup (error->message);
}

/* A new config for the account named by --id, --email and --name. */
static PetrelAccountConfig *
config_new_from_args (CliArgs *args)
{
  PetrelAccountConfig *config = petrel_account_config_new (cli_args_value (args, "id"));
  const char *name = cli_args_value (args, "name");

  petrel_account_config_set_email_address (config, cli_args_value (args, "email"));
  if (name != NULL)
    petrel_account_config_set_display_name (config, name);
  return config;
}

static void
config_set_server (PetrelAccountConfig      *config,
                   PetrelAccountServer       server,
                   const char               *host,
                   guint16                   port,
                   PetrelConnectionSecurity  security)
{
  if (server == PETREL_ACCOUNT_SERVER_IMAP)
    {
      petrel_account_config_set_imap_host (config, host);
      petrel_account_config_set_imap_port (config, port);
      petrel_account_config_set_imap_security (config, security);
    }
  else
    {
      petrel_account_config_set_smtp_host (config, host);
      petrel_account_config_set_smtp_port (config, port);
      petrel_account_config_set_smtp_security (config, security);
    }
}

/* The login name (nullable) of both servers and the CA file given with --ca-file (nullable,
 * relative to the working directory); fails when there is no such file. */
static gboolean
config_set_login (PetrelAccountConfig  *config,
                  const char           *user,
                  const char           *ca_file,
                  GError              **error)
{
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
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                       _("The CA file “%s” does not exist"), ca_file);
          return FALSE;
        }
      petrel_account_config_set_ca_file (config, path);
    }
  return TRUE;
}

/* Whether CONFIG may be added: it is valid and no account has its id yet. */
static gboolean
config_check_new (CliGlobals           *globals,
                  PetrelAccountConfig  *config,
                  GError              **error)
{
  g_autoptr(PetrelAccountConfig) existing = NULL;
  const char *id = petrel_account_config_get_id (config);

  if (!petrel_account_config_validate (config, error))
    return FALSE;
  existing = petrel_account_config_load (globals->data_dir, id, NULL);
  if (existing != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                   _("An account with the id “%s” exists already"), id);
      return FALSE;
    }
  return TRUE;
}

/* Saves CONFIG with PASSWORD, or with no password when CREDENTIALS hold its secret already:
 * keyring first, then the files; nothing is left behind when a step fails. */
static PetrelAccount *
create_account (CliGlobals           *globals,
                PetrelAccountConfig  *config,
                const char           *password,
                PetrelCredentials    *credentials,
                GError              **error)
{
  PetrelAccount *account;
  CliWait wait;

  cli_wait_init (&wait);
  petrel_account_create_async (globals->data_dir, config, password, credentials, NULL,
                               cli_wait_callback, &wait);
  account = petrel_account_create_finish (cli_wait_run (&wait), error);
  cli_wait_clear (&wait);
  return account;
}

/* Prints the account just added: its id, address and OAuth2 provider (nullable) with --json,
 * else TEXT. */
static void
emit_added (CliGlobals *globals,
            const char *id,
            const char *email,
            const char *provider_id,
            const char *text)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, id);
  json_builder_set_member_name (builder, "email");
  json_builder_add_string_value (builder, email);
  if (provider_id != NULL)
    {
      json_builder_set_member_name (builder, "oauth2");
      json_builder_add_string_value (builder, provider_id);
    }
  json_builder_end_object (builder);
  cli_emit_object (globals, builder, text);
}

/* A real login to both servers before anything is saved (issue 7). */
static gboolean
test_login (CliGlobals           *globals,
            PetrelAccountConfig  *config,
            const char           *secret,
            GError              **error)
{
  g_autoptr(PetrelAccountProbeResult) result = NULL;
  g_autoptr(GString) message = NULL;
  CliWait wait;

  if (globals->offline)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE,
                           _("Testing the login needs the network, but --offline was given "
                             "(add the account without --test, or with --no-test)"));
      return FALSE;
    }

  cli_wait_init (&wait);
  petrel_account_probe_async (config, secret, NULL, cli_wait_callback, &wait);
  result = petrel_account_probe_finish (cli_wait_run (&wait), error);
  cli_wait_clear (&wait);
  if (result == NULL)
    return FALSE;
  if (petrel_account_probe_result_get_ok (result))
    return TRUE;

  message = g_string_new (_("The login test failed, so the account was not added:"));
  for (PetrelAccountServer server = PETREL_ACCOUNT_SERVER_IMAP;
       server <= PETREL_ACCOUNT_SERVER_SMTP; server++)
    {
      const GError *server_error = petrel_account_probe_result_get_error (result, server);
      g_autofree char *why = NULL;

      if (server_error == NULL)
        continue;
      why = describe_probe_error (server_error);
      /* The sentence gets its own full stop. */
      g_strchomp (why);
      if (g_str_has_suffix (why, "."))
        why[strlen (why) - 1] = '\0';
      g_string_append_c (message, ' ');
      g_string_append_printf (message,
                              server == PETREL_ACCOUNT_SERVER_IMAP
                                ? _("incoming server (IMAP): %s.")
                                : _("outgoing server (SMTP): %s."),
                              why);
    }
  g_set_error_literal (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_VALUE,
                       message->str);
  return FALSE;
}

/* Where a deployment (or a test) describes its own OAuth2 providers: see the man page. */
void
cli_load_oauth2_providers (CliGlobals *globals)
{
  g_autoptr(GError) error = NULL;

  if (!petrel_oauth2_providers_load_data_dir (globals->data_dir, &error))
    {
      g_autofree char *line = cli_one_line (error->message);

      fprintf (stderr, _("petrel-cli: ignoring part of the OAuth2 providers: %s\n"), line);
    }
}

typedef struct
{
  gboolean no_browser;
} SignInLaunch;

/* Opens the provider's sign-in page: in the desktop's browser, or (--no-browser) by telling
 * the person where to go. PETREL_TEST_BROWSER names a program run with the URL instead of the
 * desktop's browser; the tests use it to play the person (documented in the man page). */
static gboolean
launch_sign_in_page (const char  *uri,
                     gpointer     user_data,
                     GError     **error)
{
  SignInLaunch *launch = user_data;
  const char *test_browser = g_getenv ("PETREL_TEST_BROWSER");

  if (launch->no_browser)
    {
      fprintf (stderr, "%s\n%s\n", _("To sign in, open this address in a web browser:"), uri);
      fflush (stderr);
      return TRUE;
    }

  fprintf (stderr, "%s\n", _("Sign in in the web browser that opens; waiting for it…"));
  fflush (stderr);
  if (test_browser != NULL && *test_browser != '\0')
    {
      const char *argv[] = { test_browser, uri, NULL };

      return g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                            error);
    }

  return g_app_info_launch_default_for_uri (uri, NULL, error);
}

static gboolean
sign_in (PetrelAccount  *account,
         gboolean        no_browser,
         GError        **error)
{
  SignInLaunch launch = { no_browser };
  CliWait wait;
  gboolean ok;

  cli_wait_init (&wait);
  petrel_oauth2_sign_in_for_key_async (petrel_account_get_config (account),
                                       petrel_account_get_secret_key (account),
                                       petrel_account_get_credentials (account),
                                       launch_sign_in_page, &launch, NULL, cli_wait_callback,
                                       &wait);
  ok = petrel_oauth2_sign_in_finish (cli_wait_run (&wait), error);
  cli_wait_clear (&wait);

  return ok;
}

static gboolean
test_oauth2_login (CliGlobals     *globals,
                   PetrelAccount  *account,
                   GError        **error)
{
  g_autofree char *token = NULL;
  CliWait wait;
  gboolean ok;

  cli_wait_init (&wait);
  petrel_oauth2_get_access_token_for_key_async (petrel_account_get_config (account),
                                                petrel_account_get_secret_key (account),
                                                petrel_account_get_credentials (account), NULL,
                                                cli_wait_callback, &wait);
  token = petrel_oauth2_get_access_token_finish (cli_wait_run (&wait), error);
  cli_wait_clear (&wait);
  if (token == NULL)
    return FALSE;

  ok = test_login (globals, petrel_account_get_config (account), token, error);
  petrel_credentials_secret_free (g_steal_pointer (&token));
  return ok;
}

static void
forget_sign_in (PetrelAccount *account)
{
  PetrelCredentials *credentials = petrel_account_get_credentials (account);
  CliWait wait;

  cli_wait_init (&wait);
  petrel_credentials_clear_async (credentials, petrel_account_get_secret_key (account),
                                  PETREL_CREDENTIAL_SERVICE_OAUTH2_REFRESH, NULL,
                                  cli_wait_callback, &wait);
  /* Nothing stored is fine; another failure leaves nothing the CLI could undo. */
  petrel_credentials_clear_finish (credentials, cli_wait_run (&wait), NULL);
  cli_wait_clear (&wait);
  petrel_oauth2_invalidate_access_token (petrel_account_get_secret_key (account), NULL);
}

static char *
dup_provider_ids (void)
{
  g_autoptr(GPtrArray) providers = petrel_oauth2_providers_list ();
  g_autoptr(GString) ids = g_string_new (NULL);

  for (guint i = 0; providers != NULL && i < providers->len; i++)
    {
      if (ids->len > 0)
        g_string_append (ids, ", ");
      g_string_append (ids, petrel_oauth2_provider_get_id (g_ptr_array_index (providers, i)));
    }
  return g_string_free (g_steal_pointer (&ids), FALSE);
}

/* account add --oauth2 PROVIDER: the servers come from the provider, the secret is a refresh
 * token got by signing in with the provider in a browser (issue 7). */
static int
account_add_oauth2 (CliGlobals *globals,
                    CliArgs    *args)
{
  g_autoptr(PetrelOAuth2Provider) provider = NULL;
  g_autoptr(PetrelAccountConfig) config = NULL;
  g_autoptr(PetrelAccount) account = NULL;
  g_autoptr(PetrelAccount) created = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  const char *provider_id = cli_args_value (args, "oauth2");
  const char *id = cli_args_value (args, "id");
  const char *email = cli_args_value (args, "email");
  const char *user;

  if (id == NULL || email == NULL)
    return cli_usage (ADD_SYNOPSIS, _("--%s is required"), id == NULL ? "id" : "email");
  for (guint i = 0; i < 6; i++)
    {
      static const char *excluded[] = {
        "auto", "password-stdin", "imap", "smtp", "imap-security", "smtp-security"
      };

      if (cli_args_has (args, excluded[i]))
        return cli_usage (ADD_SYNOPSIS, _("--oauth2 takes the servers from the provider and "
                                          "signs in without a password: leave out --%s"),
                          excluded[i]);
    }

  provider = petrel_oauth2_providers_lookup (provider_id);
  if (provider == NULL)
    {
      g_autofree char *known = dup_provider_ids ();

      return cli_usage (ADD_SYNOPSIS, _("Unknown OAuth2 provider “%s” (known: %s)"),
                        provider_id, known);
    }
  if (petrel_oauth2_provider_get_server_host (provider, PETREL_ACCOUNT_SERVER_IMAP) == NULL ||
      petrel_oauth2_provider_get_server_host (provider, PETREL_ACCOUNT_SERVER_SMTP) == NULL)
    return cli_fail_message (_("The OAuth2 provider “%s” names no mail servers"), provider_id);

  config = config_new_from_args (args);
  for (PetrelAccountServer server = PETREL_ACCOUNT_SERVER_IMAP;
       server <= PETREL_ACCOUNT_SERVER_SMTP; server++)
    config_set_server (config, server,
                       petrel_oauth2_provider_get_server_host (provider, server),
                       petrel_oauth2_provider_get_server_port (provider, server),
                       petrel_oauth2_provider_get_server_security (provider, server));
  /* Providers log in with the address. */
  user = cli_args_value (args, "user") != NULL ? cli_args_value (args, "user") : email;
  petrel_account_config_set_auth_mechanism (config, PETREL_AUTH_MECHANISM_OAUTH2);
  petrel_account_config_set_oauth2_provider (config, provider_id);
  if (!config_set_login (config, user, cli_args_value (args, "ca-file"), &error) ||
      !config_check_new (globals, config, &error))
    return cli_fail (error);
  if (globals->offline)
    return cli_fail_message ("%s", _("Signing in needs the network, but --offline was given"));

  account = petrel_account_new_for_config (globals->data_dir, config);

  /* The refresh token goes to the keyring first; it is taken out again if anything after
   * fails, so a failed add leaves nothing behind. */
  if (!sign_in (account, cli_args_has (args, "no-browser"), &error))
    {
      forget_sign_in (account);
      return cli_fail (error);
    }

  if (!cli_args_has (args, "no-test") && !test_oauth2_login (globals, account, &error))
    {
      forget_sign_in (account);
      return cli_fail (error);
    }

  /* No password: the refresh token is in the keyring already. */
  created = create_account (globals, config, NULL, petrel_account_get_credentials (account),
                            &error);
  if (created == NULL)
    {
      forget_sign_in (account);
      return cli_fail (error);
    }

  text = g_strdup_printf (_("Added account “%s” (%s), signed in with %s"), id, email,
                          petrel_oauth2_provider_get_name (provider));
  emit_added (globals, id, email, provider_id, text);

  return CLI_EXIT_OK;
}

/* account sign-in ID: a new OAuth2 sign-in for an account whose grant was revoked or
 * expired ("sign in again"). The old refresh token is replaced only once the new one works. */
static int
account_sign_in (CliGlobals  *globals,
                 int          argc,
                 char       **argv)
{
  static const CliOptSpec specs[] = {
    { "no-browser", CLI_OPT_FLAG },
    { NULL },
  };
  static const char *synopsis = "account sign-in ID [--no-browser]";
  g_autoptr(CliArgs) args = NULL;
  g_autoptr(PetrelAccount) account = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autofree char *text = NULL;
  const char *id;

  args = cli_args_parse (specs, argc - 1, argv + 1, &error);
  if (args == NULL)
    return cli_usage (synopsis, "%s", error->message);
  if (cli_args_n_positional (args) != 1)
    return cli_usage (synopsis, "%s", _("account sign-in needs exactly one account id"));
  id = cli_args_positional (args, 0);

  account = cli_open_account (globals, id, &error);
  if (account == NULL)
    return cli_fail (error);
  if (petrel_account_config_get_auth_mechanism (petrel_account_get_config (account)) !=
      PETREL_AUTH_MECHANISM_OAUTH2)
    return cli_fail_message (_("The account “%s” signs in with a password, not OAuth2"), id);
  if (globals->offline)
    return cli_fail_message ("%s", _("Signing in needs the network, but --offline was given"));

  if (!sign_in (account, cli_args_has (args, "no-browser"), &error))
    return cli_fail (error);

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, id);
  json_builder_set_member_name (builder, "signed_in");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_end_object (builder);
  text = g_strdup_printf (_("Signed in to account “%s” again"), id);
  cli_emit_object (globals, builder, text);

  return CLI_EXIT_OK;
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
    { "test", CLI_OPT_FLAG },
    { "no-test", CLI_OPT_FLAG },
    { "oauth2", CLI_OPT_VALUE },
    { "no-browser", CLI_OPT_FLAG },
    { NULL },
  };
  static const char *required[] = {
    "id", "email", "imap", "imap-security", "smtp", "smtp-security", NULL
  };
  g_autoptr(PetrelAutoconfigResult) found = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CliArgs) args = NULL;
  g_autoptr(PetrelAccountConfig) config = NULL;
  g_autoptr(PetrelAccount) account = NULL;
  g_autofree char *imap_host = NULL;
  g_autofree char *smtp_host = NULL;
  g_autofree char *password = NULL;
  g_autofree char *text = NULL;
  PetrelConnectionSecurity imap_security, smtp_security;
  guint16 imap_port = 0, smtp_port = 0;
  const char *id;
  const char *email;
  const char *user;

  args = cli_args_parse (specs, argc - 1, argv + 1, &error);
  if (args == NULL)
    return cli_usage (ADD_SYNOPSIS, "%s", error->message);
  if (cli_args_n_positional (args) > 0)
    return cli_usage (ADD_SYNOPSIS, _("unexpected argument “%s”"), cli_args_positional (args, 0));
  if (cli_args_value (args, "oauth2") != NULL)
    return account_add_oauth2 (globals, args);
  if (cli_args_has (args, "no-browser"))
    return cli_usage (ADD_SYNOPSIS, "%s", _("--no-browser goes with --oauth2"));
  /* With --auto only the id and the address are needed: the servers are discovered. */
  for (guint i = 0; required[i] != NULL && (i < 2 || !cli_args_has (args, "auto")); i++)
    if (cli_args_value (args, required[i]) == NULL)
      return cli_usage (ADD_SYNOPSIS, _("--%s is required"), required[i]);
  if (!cli_args_has (args, "password-stdin"))
    return cli_usage (ADD_SYNOPSIS, "%s",
                      _("--password-stdin is required: the password is read from standard input"));
  if (cli_args_has (args, "test") && cli_args_has (args, "no-test"))
    return cli_usage (ADD_SYNOPSIS, "%s", _("--test and --no-test exclude each other"));

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
  email = cli_args_value (args, "email");
  user = cli_args_value (args, "user");

  config = config_new_from_args (args);
  config_set_server (config, PETREL_ACCOUNT_SERVER_IMAP, imap_host, imap_port, imap_security);
  config_set_server (config, PETREL_ACCOUNT_SERVER_SMTP, smtp_host, smtp_port, smtp_security);
  if (found != NULL && user == NULL)
    user = petrel_autoconfig_result_get_user (found, PETREL_ACCOUNT_SERVER_IMAP);
  if (!config_set_login (config, user, cli_args_value (args, "ca-file"), &error) ||
      !config_check_new (globals, config, &error))
    return cli_fail (error);

  password = read_password_stdin (&error);
  if (password == NULL)
    return cli_fail (error);

  /* Discovered settings are only candidates: they are tested with a real login before they
   * are saved. Settings given by hand are saved as they are (an account can be set up
   * offline, DESIGN.md), unless --test asks for the same check. */
  if (cli_args_has (args, "test") ||
      (cli_args_has (args, "auto") && !cli_args_has (args, "no-test")))
    {
      if (!test_login (globals, config, password, &error))
        {
          petrel_credentials_secret_free (g_steal_pointer (&password));
          return cli_fail (error);
        }
    }

  account = create_account (globals, config, password, NULL, &error);
  petrel_credentials_secret_free (g_steal_pointer (&password));
  if (account == NULL)
    return cli_fail (error);

  text = g_strdup_printf (_("Added account “%s” (%s)"), id, email);
  emit_added (globals, id, email, NULL, text);

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
  cli_wait_init (&wait);
  petrel_account_remove_async (account, NULL, cli_wait_callback, &wait);
  g_clear_object (&account);
  ok = petrel_account_remove_finish (cli_wait_run (&wait), &error);
  cli_wait_clear (&wait);
  if (!ok)
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
    return cli_usage ("account add|list|remove|sign-in|discover …", "%s",
                      _("account needs a subcommand"));

  if (g_str_equal (argv[1], "add"))
    return account_add (globals, argc - 1, argv + 1);
  if (g_str_equal (argv[1], "list"))
    return account_list (globals, argc - 1, argv + 1);
  if (g_str_equal (argv[1], "remove"))
    return account_remove (globals, argc - 1, argv + 1);
  if (g_str_equal (argv[1], "sign-in"))
    return account_sign_in (globals, argc - 1, argv + 1);

  if (g_str_equal (argv[1], "discover"))
    {
      if (argc != 3)
        return cli_usage ("account discover ADDRESS", "%s",
                          _("account discover needs exactly one email address"));
      return cli_command_discover (globals, argv[2]);
    }

  return cli_usage ("account add|list|remove|sign-in|discover …",
                    _("unknown account subcommand “%s”"), argv[1]);
}
