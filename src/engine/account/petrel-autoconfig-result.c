/* petrel-autoconfig-result.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* What PetrelAutoconfig found: candidate IMAP and SMTP settings and where they came from.
 * Candidates only: the caller logs in with them before saving an account (issue #7). */

#include "config.h"

#include <string.h>

#include "petrel-autoconfig-result.h"

typedef struct
{
  char                     *host;      /* owned, NULL until set */
  guint16                   port;
  PetrelConnectionSecurity  security;
  char                     *user;      /* owned, nullable */
  char                     *auth;      /* owned, nullable: the config's <authentication> */
} Server;

struct _PetrelAutoconfigResult
{
  gatomicrefcount         ref_count;
  PetrelAutoconfigSource  source;
  char                   *domain;      /* owned: the domain whose settings these are */
  Server                  servers[2];  /* indexed by PetrelAccountServer */
};

G_DEFINE_BOXED_TYPE (PetrelAutoconfigResult, petrel_autoconfig_result,
                     petrel_autoconfig_result_ref, petrel_autoconfig_result_unref)

G_DEFINE_ENUM_TYPE (PetrelAutoconfigSource, petrel_autoconfig_source,
  G_DEFINE_ENUM_VALUE (PETREL_AUTOCONFIG_SOURCE_AUTOCONFIG, "autoconfig"),
  G_DEFINE_ENUM_VALUE (PETREL_AUTOCONFIG_SOURCE_WELL_KNOWN, "well-known"),
  G_DEFINE_ENUM_VALUE (PETREL_AUTOCONFIG_SOURCE_ISPDB, "ispdb"),
  G_DEFINE_ENUM_VALUE (PETREL_AUTOCONFIG_SOURCE_MX, "mx"),
  G_DEFINE_ENUM_VALUE (PETREL_AUTOCONFIG_SOURCE_SRV, "srv"),
  G_DEFINE_ENUM_VALUE (PETREL_AUTOCONFIG_SOURCE_PROBE, "probe"))

static gboolean
server_is_valid (PetrelAccountServer server)
{
  return server == PETREL_ACCOUNT_SERVER_IMAP || server == PETREL_ACCOUNT_SERVER_SMTP;
}

/**
 * petrel_autoconfig_source_to_string:
 * @source: a #PetrelAutoconfigSource
 *
 * Returns: `autoconfig`, `well-known`, `ispdb`, `mx`, `srv` or `probe`
 */
const char *
petrel_autoconfig_source_to_string (PetrelAutoconfigSource source)
{
  switch (source)
    {
    case PETREL_AUTOCONFIG_SOURCE_AUTOCONFIG:
      return "autoconfig";
    case PETREL_AUTOCONFIG_SOURCE_WELL_KNOWN:
      return "well-known";
    case PETREL_AUTOCONFIG_SOURCE_ISPDB:
      return "ispdb";
    case PETREL_AUTOCONFIG_SOURCE_MX:
      return "mx";
    case PETREL_AUTOCONFIG_SOURCE_SRV:
      return "srv";
    case PETREL_AUTOCONFIG_SOURCE_PROBE:
      return "probe";
    default:
      g_return_val_if_reached ("unknown");
    }
}

/**
 * petrel_autoconfig_result_new:
 * @source: where the settings came from
 * @domain: the domain whose settings they are (for %PETREL_AUTOCONFIG_SOURCE_MX, the MX
 *   host's domain, not the address's)
 *
 * Returns: (transfer full): a result with no servers yet
 */
PetrelAutoconfigResult *
petrel_autoconfig_result_new (PetrelAutoconfigSource  source,
                              const char             *domain)
{
  PetrelAutoconfigResult *self;

  g_return_val_if_fail (domain != NULL, NULL);

  self = g_new0 (PetrelAutoconfigResult, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->source = source;
  self->domain = g_strdup (domain);

  return self;
}

PetrelAutoconfigResult *
petrel_autoconfig_result_ref (PetrelAutoconfigResult *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);

  return self;
}

void
petrel_autoconfig_result_unref (PetrelAutoconfigResult *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  for (guint i = 0; i < G_N_ELEMENTS (self->servers); i++)
    {
      g_free (self->servers[i].host);
      g_free (self->servers[i].user);
      g_free (self->servers[i].auth);
    }
  g_free (self->domain);
  g_free (self);
}

/**
 * petrel_autoconfig_result_set_server:
 * @self: a #PetrelAutoconfigResult
 * @server: which server
 * @host: its host name
 * @port: its port
 * @security: %PETREL_CONNECTION_SECURITY_TLS or %PETREL_CONNECTION_SECURITY_STARTTLS
 * @user: (nullable): the user name to log in with
 * @auth: (nullable): the authentication the source named (`password-cleartext`, `OAuth2`, …)
 */
void
petrel_autoconfig_result_set_server (PetrelAutoconfigResult   *self,
                                     PetrelAccountServer       server,
                                     const char               *host,
                                     guint16                   port,
                                     PetrelConnectionSecurity  security,
                                     const char               *user,
                                     const char               *auth)
{
  Server *s;
  char *host_copy, *user_copy, *auth_copy;

  g_return_if_fail (self != NULL);
  g_return_if_fail (server_is_valid (server));
  g_return_if_fail (host != NULL);
  g_return_if_fail (port > 0);

  s = &self->servers[server];
  /* Copies first: the new values may be the old ones (g_set_str() is GLib 2.76). */
  host_copy = g_strdup (host);
  user_copy = g_strdup (user);
  auth_copy = g_strdup (auth);
  g_free (s->host);
  g_free (s->user);
  g_free (s->auth);
  s->host = host_copy;
  s->port = port;
  s->security = security;
  s->user = user_copy;
  s->auth = auth_copy;
}

/**
 * petrel_autoconfig_result_is_complete:
 * @self: a #PetrelAutoconfigResult
 *
 * Returns: whether both the IMAP and the SMTP server are set
 */
gboolean
petrel_autoconfig_result_is_complete (PetrelAutoconfigResult *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->servers[PETREL_ACCOUNT_SERVER_IMAP].host != NULL &&
         self->servers[PETREL_ACCOUNT_SERVER_SMTP].host != NULL;
}

PetrelAutoconfigSource
petrel_autoconfig_result_get_source (PetrelAutoconfigResult *self)
{
  g_return_val_if_fail (self != NULL, PETREL_AUTOCONFIG_SOURCE_AUTOCONFIG);

  return self->source;
}

const char *
petrel_autoconfig_result_get_domain (PetrelAutoconfigResult *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->domain;
}

const char *
petrel_autoconfig_result_get_host (PetrelAutoconfigResult *self,
                                   PetrelAccountServer     server)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (server_is_valid (server), NULL);

  return self->servers[server].host;
}

guint16
petrel_autoconfig_result_get_port (PetrelAutoconfigResult *self,
                                   PetrelAccountServer     server)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (server_is_valid (server), 0);

  return self->servers[server].port;
}

PetrelConnectionSecurity
petrel_autoconfig_result_get_security (PetrelAutoconfigResult *self,
                                       PetrelAccountServer     server)
{
  g_return_val_if_fail (self != NULL, PETREL_CONNECTION_SECURITY_TLS);
  g_return_val_if_fail (server_is_valid (server), PETREL_CONNECTION_SECURITY_TLS);

  return self->servers[server].security;
}

const char *
petrel_autoconfig_result_get_user (PetrelAutoconfigResult *self,
                                   PetrelAccountServer     server)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (server_is_valid (server), NULL);

  return self->servers[server].user;
}

const char *
petrel_autoconfig_result_get_auth (PetrelAutoconfigResult *self,
                                   PetrelAccountServer     server)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (server_is_valid (server), NULL);

  return self->servers[server].auth;
}

/**
 * petrel_autoconfig_result_dup_host_port:
 * @self: a #PetrelAutoconfigResult
 * @server: which server
 *
 * Returns: (transfer full) (nullable): `host:port`, `[v6addr]:port` for an IPv6 literal, or
 *   %NULL when that server is not set
 */
char *
petrel_autoconfig_result_dup_host_port (PetrelAutoconfigResult *self,
                                        PetrelAccountServer     server)
{
  Server *s;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (server_is_valid (server), NULL);

  s = &self->servers[server];
  if (s->host == NULL)
    return NULL;

  if (strchr (s->host, ':') != NULL)
    return g_strdup_printf ("[%s]:%u", s->host, s->port);

  return g_strdup_printf ("%s:%u", s->host, s->port);
}

/**
 * petrel_autoconfig_result_apply:
 * @self: a complete #PetrelAutoconfigResult
 * @config: the account configuration to fill in
 *
 * Copies host, port, security and user name of both servers into @config. The user name is
 * only set where the result has one.
 */
void
petrel_autoconfig_result_apply (PetrelAutoconfigResult *self,
                                PetrelAccountConfig    *config)
{
  const Server *imap;
  const Server *smtp;

  g_return_if_fail (self != NULL);
  g_return_if_fail (PETREL_IS_ACCOUNT_CONFIG (config));
  g_return_if_fail (petrel_autoconfig_result_is_complete (self));

  imap = &self->servers[PETREL_ACCOUNT_SERVER_IMAP];
  smtp = &self->servers[PETREL_ACCOUNT_SERVER_SMTP];

  petrel_account_config_set_imap_host (config, imap->host);
  petrel_account_config_set_imap_port (config, imap->port);
  petrel_account_config_set_imap_security (config, imap->security);
  if (imap->user != NULL)
    petrel_account_config_set_imap_user (config, imap->user);

  petrel_account_config_set_smtp_host (config, smtp->host);
  petrel_account_config_set_smtp_port (config, smtp->port);
  petrel_account_config_set_smtp_security (config, smtp->security);
  if (smtp->user != NULL)
    petrel_account_config_set_smtp_user (config, smtp->user);
}
