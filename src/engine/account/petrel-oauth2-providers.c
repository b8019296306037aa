/* petrel-oauth2-providers.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "petrel-oauth2-providers.h"
#include "petrel-oauth2.h"

/* The providers Petrel knows are data, not code (issue #7): endpoints, scopes and the client
 * registration. Google and Microsoft only let registered applications sign users in, so the
 * client ids come from the build (meson options google_client_id, google_client_secret,
 * microsoft_client_id; see meson_options.txt) or from the account (OAuth2ClientId). */

#define MAX_ID_LENGTH 64

struct _PetrelOAuth2Provider
{
  gatomicrefcount        ref_count;
  gboolean               sealed;                  /* registered or built in: read-only */

  char                  *id;                      /* owned */
  char                  *name;                    /* owned */
  char                  *authorization_endpoint;  /* owned */
  char                  *token_endpoint;          /* owned */
  char                  *scopes;                  /* owned: space-separated */
  PetrelOAuth2Mechanism  mechanism;
  char                  *client_id;               /* owned, nullable */
  char                  *client_secret;           /* owned, nullable */
  char                 **domains;                 /* owned, never NULL, lower-case */
  char                 **host_suffixes;           /* owned, never NULL, lower-case */
  gboolean               refresh_sends_scope;
  /* The mail servers accounts of the provider use (`account add --oauth2`). */
  char                  *hosts[2];                /* owned, nullable: IMAP, SMTP */
  guint16                ports[2];
  PetrelConnectionSecurity securities[2];
};

G_DEFINE_BOXED_TYPE (PetrelOAuth2Provider, petrel_oauth2_provider,
                     petrel_oauth2_provider_ref, petrel_oauth2_provider_unref)

G_DEFINE_ENUM_TYPE (PetrelOAuth2Mechanism, petrel_oauth2_mechanism,
  G_DEFINE_ENUM_VALUE (PETREL_OAUTH2_MECHANISM_XOAUTH2, "xoauth2"),
  G_DEFINE_ENUM_VALUE (PETREL_OAUTH2_MECHANISM_OAUTHBEARER, "oauthbearer"))

static GMutex registry_lock;
static GPtrArray *registry;     /* owned, of PetrelOAuth2Provider; built-ins first */

/* Google: https://developers.google.com/identity/protocols/oauth2/native-app and
 * https://developers.google.com/gmail/imap/xoauth2-protocol. The one scope covers IMAP and
 * SMTP. Google's servers also take OAUTHBEARER, but XOAUTH2 is what mail clients have used with
 * them for years. */
static const char * const google_domains[] = { "gmail.com", "googlemail.com", NULL };
/* MX aspmx.l.google.com, smtp.google.com (Workspace); imap.gmail.com, smtp.gmail.com. */
static const char * const google_hosts[] = { "google.com", "googlemail.com", "gmail.com", NULL };

/* Microsoft identity platform v2, "common" tenant (work, school and personal accounts):
 * "Authenticate an IMAP, POP or SMTP connection using OAuth" on learn.microsoft.com.
 * Exchange Online offers only XOAUTH2. Its v2 token endpoint wants the scopes again when
 * refreshing. */
static const char * const microsoft_domains[] = {
  "outlook.com", "outlook.de", "outlook.fr", "outlook.es", "outlook.it", "outlook.jp",
  "hotmail.com", "hotmail.co.uk", "hotmail.de", "hotmail.fr", "hotmail.it", "hotmail.es",
  "live.com", "live.co.uk", "live.de", "live.fr", "live.nl", "msn.com", "windowslive.com",
  NULL
};
/* MX *.mail.protection.outlook.com (Microsoft 365), *.olc.protection.outlook.com
 * (outlook.com); outlook.office365.com, smtp.office365.com, outlook.office.com. */
static const char * const microsoft_hosts[] = { "outlook.com", "office365.com", "office.com",
                                                NULL };

/* Helpers */

static char **
dup_lower_strv (const char * const *strv)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    {
      g_autofree char *lower = g_ascii_strdown (strv[i], -1);
      gsize length = strlen (lower);

      /* "example.org." and ".example.org" mean example.org. */
      while (length > 0 && lower[length - 1] == '.')
        lower[--length] = '\0';

      g_strv_builder_add (builder, lower[0] == '.' ? lower + 1 : lower);
    }

  return g_strv_builder_end (builder);
}

/* Lower-cased ASCII form of @host without a trailing dot, or NULL if it is not a host name. */
static char *
normalize_host (const char *host)
{
  g_autofree char *ascii = NULL;
  gsize length;

  if (host == NULL || !g_utf8_validate (host, -1, NULL))
    return NULL;

  ascii = g_hostname_to_ascii (host);
  if (ascii == NULL)
    return NULL;

  length = strlen (ascii);
  while (length > 0 && ascii[length - 1] == '.')
    ascii[--length] = '\0';

  if (length == 0)
    return NULL;

  return g_ascii_strdown (ascii, -1);
}

static gboolean
id_is_valid (const char *id)
{
  gsize length = id != NULL ? strlen (id) : 0;

  if (length == 0 || length > MAX_ID_LENGTH)
    return FALSE;

  for (const char *p = id; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_' && *p != '.')
        return FALSE;
    }

  return TRUE;
}

static PetrelOAuth2Provider *
make_builtin (const char            *id,
              const char            *name,
              const char            *authorization_endpoint,
              const char            *token_endpoint,
              const char            *scopes,
              PetrelOAuth2Mechanism  mechanism,
              const char            *client_id,
              const char            *client_secret,
              const char * const    *domains,
              const char * const    *hosts,
              gboolean               refresh_sends_scope,
              const char            *imap_host,
              guint16                imap_port,
              PetrelConnectionSecurity imap_security,
              const char            *smtp_host,
              guint16                smtp_port,
              PetrelConnectionSecurity smtp_security)
{
  PetrelOAuth2Provider *provider;

  provider = petrel_oauth2_provider_new (id, name, authorization_endpoint, token_endpoint,
                                         scopes, mechanism);
  petrel_oauth2_provider_set_client_id (provider, client_id);
  petrel_oauth2_provider_set_client_secret (provider, client_secret);
  petrel_oauth2_provider_set_domains (provider, domains);
  petrel_oauth2_provider_set_host_suffixes (provider, hosts);
  petrel_oauth2_provider_set_refresh_sends_scope (provider, refresh_sends_scope);
  petrel_oauth2_provider_set_server (provider, PETREL_ACCOUNT_SERVER_IMAP, imap_host, imap_port,
                                     imap_security);
  petrel_oauth2_provider_set_server (provider, PETREL_ACCOUNT_SERVER_SMTP, smtp_host, smtp_port,
                                     smtp_security);
  provider->sealed = TRUE;

  return provider;
}

/* Called with registry_lock held. */
static void
ensure_registry (void)
{
  if (registry != NULL)
    return;

  registry = g_ptr_array_new_with_free_func ((GDestroyNotify) petrel_oauth2_provider_unref);

  g_ptr_array_add (registry,
                   make_builtin (PETREL_OAUTH2_PROVIDER_GOOGLE, "Google",
                                 "https://accounts.google.com/o/oauth2/v2/auth",
                                 "https://oauth2.googleapis.com/token",
                                 "https://mail.google.com/",
                                 PETREL_OAUTH2_MECHANISM_XOAUTH2,
                                 PETREL_OAUTH2_GOOGLE_CLIENT_ID,
                                 PETREL_OAUTH2_GOOGLE_CLIENT_SECRET,
                                 google_domains, google_hosts, FALSE,
                                 "imap.gmail.com", 993, PETREL_CONNECTION_SECURITY_TLS,
                                 "smtp.gmail.com", 465, PETREL_CONNECTION_SECURITY_TLS));

  g_ptr_array_add (registry,
                   make_builtin (PETREL_OAUTH2_PROVIDER_MICROSOFT, "Microsoft 365",
                                 "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
                                 "https://login.microsoftonline.com/common/oauth2/v2.0/token",
                                 "https://outlook.office.com/IMAP.AccessAsUser.All "
                                 "https://outlook.office.com/SMTP.Send offline_access",
                                 PETREL_OAUTH2_MECHANISM_XOAUTH2,
                                 PETREL_OAUTH2_MICROSOFT_CLIENT_ID,
                                 NULL,
                                 microsoft_domains, microsoft_hosts, TRUE,
                                 "outlook.office365.com", 993, PETREL_CONNECTION_SECURITY_TLS,
                                 "smtp.office365.com", 587,
                                 PETREL_CONNECTION_SECURITY_STARTTLS));
}

/* Called with registry_lock held. Returns a borrowed provider. */
static PetrelOAuth2Provider *
find_locked (const char *id)
{
  ensure_registry ();

  for (guint i = 0; i < registry->len; i++)
    {
      PetrelOAuth2Provider *provider = g_ptr_array_index (registry, i);

      if (g_strcmp0 (provider->id, id) == 0)
        return provider;
    }

  return NULL;
}

static gboolean
endpoint_is_valid (const char *endpoint)
{
  g_autoptr(GUri) uri = NULL;

  if (endpoint == NULL)
    return FALSE;

  uri = g_uri_parse (endpoint, G_URI_FLAGS_NONE, NULL);

  return uri != NULL && g_uri_get_host (uri) != NULL && g_uri_get_host (uri)[0] != '\0' &&
         (g_strcmp0 (g_uri_get_scheme (uri), "https") == 0 ||
          g_strcmp0 (g_uri_get_scheme (uri), "http") == 0);
}

/* Public API */

const char *
petrel_oauth2_mechanism_to_string (PetrelOAuth2Mechanism mechanism)
{
  switch (mechanism)
    {
    case PETREL_OAUTH2_MECHANISM_XOAUTH2:
      return "XOAUTH2";
    case PETREL_OAUTH2_MECHANISM_OAUTHBEARER:
      return "OAUTHBEARER";
    default:
      g_return_val_if_reached (NULL);
    }
}

/**
 * petrel_oauth2_provider_new:
 * @id: the id accounts name it by, `[A-Za-z0-9._-]{1,64}`
 * @name: the name shown to people
 * @authorize_url: the authorization endpoint, where the browser is sent
 * @token_url: the token endpoint, where codes and refresh tokens are exchanged
 * @scopes: the space-separated scopes to ask for
 * @mechanism: the SASL mechanism its mail servers prefer
 *
 * Makes a provider that is not built in, e.g. the tests' local authorization server. Endpoints
 * must be `https://`, or `http://` to a loopback address (127.0.0.0/8, ::1): that is checked
 * when they are used, with %PETREL_OAUTH2_ERROR_INSECURE.
 *
 * Returns: (transfer full): the provider
 */
PetrelOAuth2Provider *
petrel_oauth2_provider_new (const char            *id,
                            const char            *name,
                            const char            *authorize_url,
                            const char            *token_url,
                            const char            *scopes,
                            PetrelOAuth2Mechanism  mechanism)
{
  PetrelOAuth2Provider *self;

  g_return_val_if_fail (id != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (authorize_url != NULL, NULL);
  g_return_val_if_fail (token_url != NULL, NULL);
  g_return_val_if_fail (scopes != NULL, NULL);
  g_return_val_if_fail (mechanism <= PETREL_OAUTH2_MECHANISM_OAUTHBEARER, NULL);

  self = g_new0 (PetrelOAuth2Provider, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->id = g_strdup (id);
  self->name = g_strdup (name);
  self->authorization_endpoint = g_strdup (authorize_url);
  self->token_endpoint = g_strdup (token_url);
  self->scopes = g_strdup (scopes);
  self->mechanism = mechanism;
  self->domains = g_new0 (char *, 1);
  self->host_suffixes = g_new0 (char *, 1);

  return self;
}

PetrelOAuth2Provider *
petrel_oauth2_provider_ref (PetrelOAuth2Provider *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);

  return self;
}

void
petrel_oauth2_provider_unref (PetrelOAuth2Provider *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_free (self->id);
  g_free (self->name);
  g_free (self->authorization_endpoint);
  g_free (self->token_endpoint);
  g_free (self->scopes);
  g_free (self->client_id);
  g_free (self->client_secret);
  g_strfreev (self->domains);
  g_strfreev (self->host_suffixes);
  g_free (self->hosts[0]);
  g_free (self->hosts[1]);
  g_free (self);
}

/**
 * petrel_oauth2_provider_set_client_id:
 * @self: an unregistered provider
 * @client_id: (nullable): the client id used when the account names none; "" counts as none
 */
void
petrel_oauth2_provider_set_client_id (PetrelOAuth2Provider *self,
                                      const char           *client_id)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (!self->sealed);

  g_free (self->client_id);
  self->client_id = client_id != NULL && client_id[0] != '\0' ? g_strdup (client_id) : NULL;
}

/**
 * petrel_oauth2_provider_set_client_secret:
 * @self: an unregistered provider
 * @secret: (nullable): the "client secret" of the default client id, sent to the token
 *   endpoint with it (never with an account's own client id). Native apps cannot keep a
 *   secret; Google still asks for the one it issues to desktop clients.
 */
void
petrel_oauth2_provider_set_client_secret (PetrelOAuth2Provider *self,
                                          const char           *secret)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (!self->sealed);

  g_free (self->client_secret);
  self->client_secret = secret != NULL && secret[0] != '\0' ? g_strdup (secret) : NULL;
}

/**
 * petrel_oauth2_provider_set_domains:
 * @self: an unregistered provider
 * @domains: (nullable): email domains whose addresses belong to this provider (`gmail.com`)
 */
void
petrel_oauth2_provider_set_domains (PetrelOAuth2Provider *self,
                                    const char * const   *domains)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (!self->sealed);

  g_strfreev (self->domains);
  self->domains = dup_lower_strv (domains);
}

/**
 * petrel_oauth2_provider_set_host_suffixes:
 * @self: an unregistered provider
 * @suffixes: (nullable): DNS zones of the provider's MX, IMAP and SMTP hosts: `google.com`
 *   matches `google.com` and `aspmx.l.google.com`, never `evilgoogle.com`
 */
void
petrel_oauth2_provider_set_host_suffixes (PetrelOAuth2Provider *self,
                                          const char * const   *suffixes)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (!self->sealed);

  g_strfreev (self->host_suffixes);
  self->host_suffixes = dup_lower_strv (suffixes);
}

/**
 * petrel_oauth2_provider_set_refresh_sends_scope:
 * @self: an unregistered provider
 * @sends: whether a refresh request repeats the scopes (Microsoft's v2 endpoint wants them)
 */
void
petrel_oauth2_provider_set_refresh_sends_scope (PetrelOAuth2Provider *self,
                                                gboolean              sends)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (!self->sealed);

  self->refresh_sends_scope = !!sends;
}

const char *
petrel_oauth2_provider_get_id (PetrelOAuth2Provider *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->id;
}

const char *
petrel_oauth2_provider_get_name (PetrelOAuth2Provider *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->name;
}

const char *
petrel_oauth2_provider_get_authorization_endpoint (PetrelOAuth2Provider *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->authorization_endpoint;
}

const char *
petrel_oauth2_provider_get_token_endpoint (PetrelOAuth2Provider *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->token_endpoint;
}

const char *
petrel_oauth2_provider_get_scopes (PetrelOAuth2Provider *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->scopes;
}

PetrelOAuth2Mechanism
petrel_oauth2_provider_get_mechanism (PetrelOAuth2Provider *self)
{
  g_return_val_if_fail (self != NULL, PETREL_OAUTH2_MECHANISM_XOAUTH2);

  return self->mechanism;
}

/**
 * petrel_oauth2_provider_get_client_id:
 * @self: a provider
 *
 * Returns: (nullable): the default client id (for the built-in providers: the one given to
 *   meson), or %NULL when there is none
 */
const char *
petrel_oauth2_provider_get_client_id (PetrelOAuth2Provider *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->client_id;
}

const char *
petrel_oauth2_provider_get_client_secret (PetrelOAuth2Provider *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->client_secret;
}

const char * const *
petrel_oauth2_provider_get_domains (PetrelOAuth2Provider *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return (const char * const *) self->domains;
}

const char * const *
petrel_oauth2_provider_get_host_suffixes (PetrelOAuth2Provider *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return (const char * const *) self->host_suffixes;
}

gboolean
petrel_oauth2_provider_get_refresh_sends_scope (PetrelOAuth2Provider *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->refresh_sends_scope;
}

/**
 * petrel_oauth2_provider_matches_domain:
 * @self: a provider
 * @domain: the domain of an email address (any case, IDN allowed)
 *
 * Returns: whether addresses at @domain sign in with this provider
 */
gboolean
petrel_oauth2_provider_matches_domain (PetrelOAuth2Provider *self,
                                       const char           *domain)
{
  g_autofree char *normalized = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  normalized = normalize_host (domain);
  if (normalized == NULL)
    return FALSE;

  return g_strv_contains ((const char * const *) self->domains, normalized);
}

/**
 * petrel_oauth2_provider_matches_host:
 * @self: a provider
 * @host: an MX, IMAP or SMTP host name
 *
 * Returns: whether @host is in one of the provider's DNS zones (so an address at a custom
 *   domain whose MX is `example-org.mail.protection.outlook.com` is a Microsoft 365 one)
 */
gboolean
petrel_oauth2_provider_matches_host (PetrelOAuth2Provider *self,
                                     const char           *host)
{
  g_autofree char *normalized = NULL;
  gsize length;

  g_return_val_if_fail (self != NULL, FALSE);

  normalized = normalize_host (host);
  if (normalized == NULL || g_hostname_is_ip_address (normalized))
    return FALSE;

  length = strlen (normalized);

  for (guint i = 0; self->host_suffixes[i] != NULL; i++)
    {
      const char *suffix = self->host_suffixes[i];
      gsize suffix_length = strlen (suffix);

      if (suffix_length == 0 || suffix_length > length)
        continue;

      if (strcmp (normalized + length - suffix_length, suffix) != 0)
        continue;

      if (length == suffix_length || normalized[length - suffix_length - 1] == '.')
        return TRUE;
    }

  return FALSE;
}

/**
 * petrel_oauth2_providers_lookup:
 * @id: a provider id, e.g. %PETREL_OAUTH2_PROVIDER_GOOGLE
 *
 * Returns: (transfer full) (nullable): the built-in or registered provider with that id
 */
PetrelOAuth2Provider *
petrel_oauth2_providers_lookup (const char *id)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&registry_lock);
  PetrelOAuth2Provider *provider;

  if (id == NULL)
    return NULL;

  provider = find_locked (id);

  return provider != NULL ? petrel_oauth2_provider_ref (provider) : NULL;
}

/**
 * petrel_oauth2_providers_list:
 *
 * Returns: (transfer full) (element-type PetrelOAuth2Provider): every provider, built-in first
 */
GPtrArray *
petrel_oauth2_providers_list (void)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&registry_lock);
  GPtrArray *list;

  ensure_registry ();

  list = g_ptr_array_new_full (registry->len, (GDestroyNotify) petrel_oauth2_provider_unref);
  for (guint i = 0; i < registry->len; i++)
    g_ptr_array_add (list, petrel_oauth2_provider_ref (g_ptr_array_index (registry, i)));

  return list;
}

/**
 * petrel_oauth2_providers_find_for_address:
 * @address: an email address
 *
 * Finds the provider by the address's domain alone (no DNS). For custom domains, look up the
 * MX hosts and try petrel_oauth2_providers_find_for_host() on them.
 *
 * Returns: (transfer full) (nullable): the provider of @address
 */
PetrelOAuth2Provider *
petrel_oauth2_providers_find_for_address (const char *address)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&registry_lock);
  const char *at;

  if (address == NULL || (at = strrchr (address, '@')) == NULL)
    return NULL;

  ensure_registry ();

  for (guint i = 0; i < registry->len; i++)
    {
      PetrelOAuth2Provider *provider = g_ptr_array_index (registry, i);

      if (petrel_oauth2_provider_matches_domain (provider, at + 1))
        return petrel_oauth2_provider_ref (provider);
    }

  return NULL;
}

/**
 * petrel_oauth2_providers_find_for_host:
 * @host: an MX, IMAP or SMTP host name
 *
 * Returns: (transfer full) (nullable): the provider whose zone @host is in
 */
PetrelOAuth2Provider *
petrel_oauth2_providers_find_for_host (const char *host)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&registry_lock);

  ensure_registry ();

  for (guint i = 0; i < registry->len; i++)
    {
      PetrelOAuth2Provider *provider = g_ptr_array_index (registry, i);

      if (petrel_oauth2_provider_matches_host (provider, host))
        return petrel_oauth2_provider_ref (provider);
    }

  return NULL;
}

/**
 * petrel_oauth2_providers_register:
 * @provider: a provider made with petrel_oauth2_provider_new()
 * @error: return location for a #GError
 *
 * Adds @provider to the registry, so that accounts can name it; it is read-only from now on.
 *
 * Returns: %TRUE, or %FALSE with %PETREL_OAUTH2_ERROR_INVALID_PROVIDER when its id is taken or
 *   not valid or an endpoint is not an http(s) URL
 */
gboolean
petrel_oauth2_providers_register (PetrelOAuth2Provider  *provider,
                                  GError               **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&registry_lock);

  g_return_val_if_fail (provider != NULL, FALSE);

  if (!id_is_valid (provider->id))
    {
      g_set_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_INVALID_PROVIDER,
                   _("“%s” is not a valid OAuth2 provider id: use 1 to %d letters, digits, “.”, "
                     "“_” or “-”"), g_utf8_validate (provider->id, -1, NULL) ? provider->id : "",
                   MAX_ID_LENGTH);
      return FALSE;
    }

  if (!endpoint_is_valid (provider->authorization_endpoint) ||
      !endpoint_is_valid (provider->token_endpoint))
    {
      g_set_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_INVALID_PROVIDER,
                   _("The endpoints of OAuth2 provider “%s” must be http(s) URLs"), provider->id);
      return FALSE;
    }

  if (find_locked (provider->id) != NULL)
    {
      g_set_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_INVALID_PROVIDER,
                   _("There is already an OAuth2 provider “%s”"), provider->id);
      return FALSE;
    }

  provider->sealed = TRUE;
  g_ptr_array_add (registry, petrel_oauth2_provider_ref (provider));

  return TRUE;
}

/**
 * petrel_oauth2_providers_unregister:
 * @id: the id of a registered provider
 *
 * Removes a provider added with petrel_oauth2_providers_register(). Built-in ones stay.
 *
 * Returns: whether one was removed
 */
gboolean
petrel_oauth2_providers_unregister (const char *id)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&registry_lock);

  g_return_val_if_fail (id != NULL, FALSE);

  if (g_strcmp0 (id, PETREL_OAUTH2_PROVIDER_GOOGLE) == 0 ||
      g_strcmp0 (id, PETREL_OAUTH2_PROVIDER_MICROSOFT) == 0)
    return FALSE;

  ensure_registry ();

  for (guint i = 0; i < registry->len; i++)
    {
      PetrelOAuth2Provider *provider = g_ptr_array_index (registry, i);

      if (g_strcmp0 (provider->id, id) == 0)
        {
          g_ptr_array_remove_index (registry, i);
          return TRUE;
        }
    }

  return FALSE;
}

/**
 * petrel_oauth2_provider_set_server:
 * @self: an unregistered provider
 * @server: IMAP or SMTP
 * @host: (nullable): the host name
 * @port: its port
 * @security: how to connect
 *
 * Sets the mail server accounts of this provider use, so that signing in is all a person has
 * to do (`petrel-cli account add --oauth2`).
 */
void
petrel_oauth2_provider_set_server (PetrelOAuth2Provider     *self,
                                   PetrelAccountServer       server,
                                   const char               *host,
                                   guint16                   port,
                                   PetrelConnectionSecurity  security)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (!self->sealed);
  g_return_if_fail (server <= PETREL_ACCOUNT_SERVER_SMTP);

  g_free (self->hosts[server]);
  self->hosts[server] = g_strdup (host);
  self->ports[server] = port;
  self->securities[server] = security;
}

/**
 * petrel_oauth2_provider_get_server_host:
 * @self: a provider
 * @server: IMAP or SMTP
 *
 * Returns: (nullable): the host of the provider's server, or %NULL when it names none
 */
const char *
petrel_oauth2_provider_get_server_host (PetrelOAuth2Provider *self,
                                        PetrelAccountServer   server)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (server <= PETREL_ACCOUNT_SERVER_SMTP, NULL);

  return self->hosts[server];
}

guint16
petrel_oauth2_provider_get_server_port (PetrelOAuth2Provider *self,
                                        PetrelAccountServer   server)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (server <= PETREL_ACCOUNT_SERVER_SMTP, 0);

  return self->ports[server];
}

PetrelConnectionSecurity
petrel_oauth2_provider_get_server_security (PetrelOAuth2Provider *self,
                                            PetrelAccountServer   server)
{
  g_return_val_if_fail (self != NULL, PETREL_CONNECTION_SECURITY_TLS);
  g_return_val_if_fail (server <= PETREL_ACCOUNT_SERVER_SMTP, PETREL_CONNECTION_SECURITY_TLS);

  return self->securities[server];
}

static gboolean
parse_server (GKeyFile             *file,
              const char           *group,
              const char           *key,
              PetrelOAuth2Provider *provider,
              PetrelAccountServer   server,
              GError              **error)
{
  g_autofree char *value = g_key_file_get_string (file, group, key, NULL);
  g_autofree char *security_key = g_strconcat (key, "Security", NULL);
  g_autofree char *security_value = g_key_file_get_string (file, group, security_key, NULL);
  g_autofree char *host = NULL;
  PetrelConnectionSecurity security = PETREL_CONNECTION_SECURITY_TLS;
  const char *colon;
  guint64 port = 0;

  if (value == NULL)
    return TRUE;

  colon = strrchr (value, ':');
  if (colon == NULL || colon == value ||
      !g_ascii_string_to_unsigned (colon + 1, 10, 1, 65535, &port, NULL))
    {
      g_set_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_INVALID_PROVIDER,
                   _("[%s] %s must be HOST:PORT, not “%s”"), group, key, value);
      return FALSE;
    }
  host = g_strndup (value, colon - value);
  if (!petrel_account_validate_host (host, error) ||
      (security_value != NULL &&
       !petrel_connection_security_from_string (security_value, &security, error)))
    {
      g_prefix_error (error, "[%s] %s: ", group, key);
      return FALSE;
    }

  petrel_oauth2_provider_set_server (provider, server, host, (guint16) port, security);
  return TRUE;
}

/* One [Provider ID] group of a providers file. */
static PetrelOAuth2Provider *
parse_provider (GKeyFile    *file,
                const char  *group,
                GError     **error)
{
  g_autoptr(PetrelOAuth2Provider) provider = NULL;
  g_autofree char *name = NULL;
  g_autofree char *authorize_url = NULL;
  g_autofree char *token_url = NULL;
  g_autofree char *scopes = NULL;
  g_autofree char *mechanism_value = NULL;
  g_autofree char *client_id = NULL;
  g_autofree char *client_secret = NULL;
  g_auto(GStrv) domains = NULL;
  g_auto(GStrv) hosts = NULL;
  PetrelOAuth2Mechanism mechanism = PETREL_OAUTH2_MECHANISM_XOAUTH2;
  const char *id = group + strlen ("Provider ");
  GError *local_error = NULL;

  if (!id_is_valid (id))
    {
      g_set_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_INVALID_PROVIDER,
                   _("“%s” is not a valid provider id"), id);
      return NULL;
    }

  name = g_key_file_get_string (file, group, "Name", NULL);
  authorize_url = g_key_file_get_string (file, group, "AuthorizationEndpoint", &local_error);
  if (authorize_url != NULL)
    token_url = g_key_file_get_string (file, group, "TokenEndpoint", &local_error);
  if (token_url != NULL)
    scopes = g_key_file_get_string (file, group, "Scopes", &local_error);
  if (scopes == NULL)
    {
      g_set_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_INVALID_PROVIDER,
                   "[%s]: %s", group, local_error->message);
      g_clear_error (&local_error);
      return NULL;
    }

  mechanism_value = g_key_file_get_string (file, group, "Mechanism", NULL);
  if (mechanism_value != NULL && g_ascii_strcasecmp (mechanism_value, "oauthbearer") == 0)
    mechanism = PETREL_OAUTH2_MECHANISM_OAUTHBEARER;
  else if (mechanism_value != NULL && g_ascii_strcasecmp (mechanism_value, "xoauth2") != 0)
    {
      g_set_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_INVALID_PROVIDER,
                   _("[%s] Mechanism must be xoauth2 or oauthbearer, not “%s”"), group,
                   mechanism_value);
      return NULL;
    }

  provider = petrel_oauth2_provider_new (id, name != NULL ? name : id, authorize_url,
                                         token_url, scopes, mechanism);
  client_id = g_key_file_get_string (file, group, "ClientId", NULL);
  client_secret = g_key_file_get_string (file, group, "ClientSecret", NULL);
  domains = g_key_file_get_string_list (file, group, "Domains", NULL, NULL);
  hosts = g_key_file_get_string_list (file, group, "HostSuffixes", NULL, NULL);
  petrel_oauth2_provider_set_client_id (provider, client_id);
  petrel_oauth2_provider_set_client_secret (provider, client_secret);
  petrel_oauth2_provider_set_domains (provider, (const char * const *) domains);
  petrel_oauth2_provider_set_host_suffixes (provider, (const char * const *) hosts);
  petrel_oauth2_provider_set_refresh_sends_scope (
    provider, g_key_file_get_boolean (file, group, "RefreshSendsScope", NULL));

  if (!parse_server (file, group, "Imap", provider, PETREL_ACCOUNT_SERVER_IMAP, error) ||
      !parse_server (file, group, "Smtp", provider, PETREL_ACCOUNT_SERVER_SMTP, error))
    return NULL;

  return g_steal_pointer (&provider);
}

/**
 * petrel_oauth2_providers_load_file:
 * @path: a key file
 * @error: return location for a #GError
 *
 * Registers the providers of a key file, one `[Provider ID]` group each: `Name`,
 * `AuthorizationEndpoint`, `TokenEndpoint`, `Scopes` (required), `Mechanism` (xoauth2 or
 * oauthbearer), `ClientId`, `ClientSecret`, `Domains`, `HostSuffixes`, `RefreshSendsScope`,
 * `Imap`/`Smtp` (HOST:PORT) with `ImapSecurity`/`SmtpSecurity` (tls, starttls, none). This
 * is how a deployment adds its own authorization server without rebuilding Petrel; providers
 * already registered under the same id are left as they are.
 *
 * Returns: %TRUE when every group was registered, else %FALSE with
 *   %PETREL_OAUTH2_ERROR_INVALID_PROVIDER or a #GKeyFileError (the groups before the bad one
 *   stay registered)
 */
gboolean
petrel_oauth2_providers_load_file (const char  *path,
                                   GError     **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_auto(GStrv) groups = NULL;

  g_return_val_if_fail (path != NULL, FALSE);

  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, error))
    return FALSE;

  groups = g_key_file_get_groups (file, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_autoptr(PetrelOAuth2Provider) provider = NULL;
      g_autoptr(PetrelOAuth2Provider) existing = NULL;

      if (!g_str_has_prefix (groups[i], "Provider "))
        continue;

      provider = parse_provider (file, groups[i], error);
      if (provider == NULL)
        return FALSE;

      existing = petrel_oauth2_providers_lookup (petrel_oauth2_provider_get_id (provider));
      if (existing != NULL)
        continue;
      if (!petrel_oauth2_providers_register (provider, error))
        return FALSE;
    }

  return TRUE;
}

/**
 * petrel_oauth2_providers_load_data_dir:
 * @data_dir: Petrel's data dir
 *
 * Registers the providers of `DATA_DIR/oauth2-providers.ini`, if there is one (see
 * petrel_oauth2_providers_load_file()): the CLI and the app read the same file.
 *
 * Returns: %TRUE when the file is absent or every group was registered
 */
gboolean
petrel_oauth2_providers_load_data_dir (const char  *data_dir,
                                       GError     **error)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (data_dir != NULL, FALSE);

  path = g_build_filename (data_dir, "oauth2-providers.ini", NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  if (!petrel_oauth2_providers_load_file (path, error))
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  return TRUE;
}
