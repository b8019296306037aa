/* petrel-cli-discover.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * petrel-cli account discover ADDRESS, and the discovery behind account add --auto.
 */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>

#include "petrel-cli-discover.h"

static void
on_discover_done_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

static void
on_autoconfig_step_cb (PetrelAutoconfig       *autoconfig,
                       PetrelAutoconfigSource  source,
                       const char             *domain,
                       gpointer                user_data)
{
  g_autofree char *phase = g_strdup_printf ("%s %s",
                                            petrel_autoconfig_source_to_string (source), domain);

  cli_progress (phase, source + 1, PETREL_AUTOCONFIG_SOURCE_PROBE + 1);
}

PetrelAutoconfigResult *
cli_discover (CliGlobals        *globals,
              PetrelAutoconfig  *autoconfig,
              const char        *address,
              GError           **error)
{
  g_autoptr(PetrelAutoconfig) owned = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  PetrelAutoconfigResult *found;
  gulong step_id;

  if (globals->offline)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE,
                           _("Finding the server settings needs the network, but --offline "
                             "was given"));
      return NULL;
    }

  if (autoconfig == NULL)
    autoconfig = owned = petrel_autoconfig_new ();

  step_id = g_signal_connect (autoconfig, "step", G_CALLBACK (on_autoconfig_step_cb), NULL);
  petrel_autoconfig_discover_async (autoconfig, address, NULL, on_discover_done_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handler_disconnect (autoconfig, step_id);
  cli_progress_done ();

  found = petrel_autoconfig_discover_finish (autoconfig, result, error);
  if (found == NULL && error != NULL && *error != NULL &&
      g_error_matches (*error, PETREL_AUTOCONFIG_ERROR, PETREL_AUTOCONFIG_ERROR_NOT_FOUND))
    {
      g_autoptr(GError) not_found = g_steal_pointer (error);
      const char *at = strrchr (address, '@');
      const char *domain = at != NULL ? at + 1 : address;

      /* The engine's message is English; say it in the user's language. */
      g_set_error (error, PETREL_AUTOCONFIG_ERROR, PETREL_AUTOCONFIG_ERROR_NOT_FOUND,
                   _("No settings were found for %s; give them with account add --imap … "
                     "--smtp …"), domain);
    }

  return found;
}

int
cli_discover_print (CliGlobals       *globals,
                    PetrelAutoconfig *autoconfig,
                    const char       *address)
{
  g_autoptr(PetrelAutoconfigResult) found = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(GString) text = NULL;
  g_autoptr(GError) error = NULL;
  const char *source;
  const char *user;

  g_return_val_if_fail (address != NULL, CLI_EXIT_USAGE);

  found = cli_discover (globals, autoconfig, address, &error);
  if (found == NULL)
    return cli_fail (error);

  source = petrel_autoconfig_source_to_string (petrel_autoconfig_result_get_source (found));
  user = petrel_autoconfig_result_get_user (found, PETREL_ACCOUNT_SERVER_IMAP);

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "source");
  json_builder_add_string_value (builder, source);
  text = g_string_new (NULL);
  g_string_append_printf (text, _("Found by: %s (%s)"), source,
                          petrel_autoconfig_result_get_domain (found));

  for (PetrelAccountServer server = PETREL_ACCOUNT_SERVER_IMAP;
       server <= PETREL_ACCOUNT_SERVER_SMTP;
       server++)
    {
      const char *name = server == PETREL_ACCOUNT_SERVER_IMAP ? "imap" : "smtp";
      g_autofree char *security_key = g_strconcat (name, "_security", NULL);
      g_autofree char *host_port = petrel_autoconfig_result_dup_host_port (found, server);
      const char *security =
        petrel_connection_security_to_string (petrel_autoconfig_result_get_security (found,
                                                                                     server));

      json_builder_set_member_name (builder, name);
      json_builder_add_string_value (builder, host_port);
      json_builder_set_member_name (builder, security_key);
      json_builder_add_string_value (builder, security);

      g_string_append_printf (text, "\n%s  %s  %s",
                              server == PETREL_ACCOUNT_SERVER_IMAP ? "IMAP" : "SMTP",
                              host_port, security);
    }

  json_builder_set_member_name (builder, "user");
  if (user != NULL)
    json_builder_add_string_value (builder, user);
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);

  if (user != NULL)
    g_string_append_printf (text, "\n%s  %s", _("User"), user);

  cli_emit_object (globals, builder, text->str);

  return CLI_EXIT_OK;
}

int
cli_command_discover (CliGlobals *globals,
                      const char *address)
{
  return cli_discover_print (globals, NULL, address);
}
