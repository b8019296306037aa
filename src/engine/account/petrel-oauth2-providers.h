/* petrel-oauth2-providers.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "account/petrel-account-config.h"

G_BEGIN_DECLS

/**
 * PetrelOAuth2Mechanism:
 * @PETREL_OAUTH2_MECHANISM_XOAUTH2: SASL XOAUTH2 (Google's, also Microsoft's only one)
 * @PETREL_OAUTH2_MECHANISM_OAUTHBEARER: SASL OAUTHBEARER (RFC 7628)
 *
 * The SASL mechanism a provider's IMAP and SMTP servers prefer for an access token.
 */
typedef enum
{
  PETREL_OAUTH2_MECHANISM_XOAUTH2,
  PETREL_OAUTH2_MECHANISM_OAUTHBEARER,
} PetrelOAuth2Mechanism;

/* Ids of the built-in providers (the `OAuth2Provider` value of an account). */
#define PETREL_OAUTH2_PROVIDER_GOOGLE    "google"
#define PETREL_OAUTH2_PROVIDER_MICROSOFT "microsoft"

#define PETREL_TYPE_OAUTH2_MECHANISM (petrel_oauth2_mechanism_get_type ())
#define PETREL_TYPE_OAUTH2_PROVIDER  (petrel_oauth2_provider_get_type ())

GType       petrel_oauth2_mechanism_get_type  (void) G_GNUC_CONST;
const char *petrel_oauth2_mechanism_to_string (PetrelOAuth2Mechanism mechanism);

/**
 * PetrelOAuth2Provider:
 *
 * An OAuth2 authorization server that mail servers accept tokens of: its endpoints, the scopes
 * that give IMAP and SMTP access, the SASL mechanism to use, the client registration, and the
 * address domains and server host names that identify it. Pure data, reference counted. The
 * built-in ones (Google, Microsoft 365) are read-only; petrel_oauth2_provider_new() makes
 * others (tests, a deployment's own server) that become read-only once registered.
 */
typedef struct _PetrelOAuth2Provider PetrelOAuth2Provider;

GType                 petrel_oauth2_provider_get_type     (void) G_GNUC_CONST;

PetrelOAuth2Provider *petrel_oauth2_provider_new          (const char            *id,
                                                           const char            *name,
                                                           const char            *authorize_url,
                                                           const char            *token_url,
                                                           const char            *scopes,
                                                           PetrelOAuth2Mechanism  mechanism);
PetrelOAuth2Provider *petrel_oauth2_provider_ref          (PetrelOAuth2Provider  *self);
void                  petrel_oauth2_provider_unref        (PetrelOAuth2Provider  *self);

/* Setters work only before the provider is registered. */
void                  petrel_oauth2_provider_set_client_id (PetrelOAuth2Provider *self,
                                                            const char           *client_id);
void                  petrel_oauth2_provider_set_client_secret (PetrelOAuth2Provider *self,
                                                                const char           *secret);
void                  petrel_oauth2_provider_set_domains  (PetrelOAuth2Provider  *self,
                                                           const char * const    *domains);
void                  petrel_oauth2_provider_set_host_suffixes (PetrelOAuth2Provider *self,
                                                                const char * const   *suffixes);
void                  petrel_oauth2_provider_set_refresh_sends_scope (PetrelOAuth2Provider *self,
                                                                      gboolean              sends);

const char           *petrel_oauth2_provider_get_id       (PetrelOAuth2Provider  *self);
const char           *petrel_oauth2_provider_get_name     (PetrelOAuth2Provider  *self);
const char           *petrel_oauth2_provider_get_authorization_endpoint
                                                          (PetrelOAuth2Provider  *self);
const char           *petrel_oauth2_provider_get_token_endpoint (PetrelOAuth2Provider *self);
const char           *petrel_oauth2_provider_get_scopes   (PetrelOAuth2Provider  *self);
PetrelOAuth2Mechanism petrel_oauth2_provider_get_mechanism (PetrelOAuth2Provider *self);
const char           *petrel_oauth2_provider_get_client_id (PetrelOAuth2Provider *self);
const char           *petrel_oauth2_provider_get_client_secret (PetrelOAuth2Provider *self);
const char * const   *petrel_oauth2_provider_get_domains  (PetrelOAuth2Provider  *self);
const char * const   *petrel_oauth2_provider_get_host_suffixes (PetrelOAuth2Provider *self);
gboolean              petrel_oauth2_provider_get_refresh_sends_scope (PetrelOAuth2Provider *self);

/* The mail servers of the provider's accounts; the host is NULL when it names none. */
void                  petrel_oauth2_provider_set_server   (PetrelOAuth2Provider     *self,
                                                           PetrelAccountServer       server,
                                                           const char               *host,
                                                           guint16                   port,
                                                           PetrelConnectionSecurity  security);
const char           *petrel_oauth2_provider_get_server_host (PetrelOAuth2Provider  *self,
                                                              PetrelAccountServer    server);
guint16               petrel_oauth2_provider_get_server_port (PetrelOAuth2Provider  *self,
                                                              PetrelAccountServer    server);
PetrelConnectionSecurity petrel_oauth2_provider_get_server_security (PetrelOAuth2Provider *self,
                                                                     PetrelAccountServer server);

gboolean              petrel_oauth2_provider_matches_domain (PetrelOAuth2Provider *self,
                                                             const char           *domain);
gboolean              petrel_oauth2_provider_matches_host (PetrelOAuth2Provider  *self,
                                                           const char            *host);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PetrelOAuth2Provider, petrel_oauth2_provider_unref)

/* The registry: the built-in providers plus registered ones. Main thread or not, all safe. */
PetrelOAuth2Provider *petrel_oauth2_providers_lookup      (const char            *id);
GPtrArray            *petrel_oauth2_providers_list        (void);
PetrelOAuth2Provider *petrel_oauth2_providers_find_for_address (const char       *address);
PetrelOAuth2Provider *petrel_oauth2_providers_find_for_host (const char          *host);
gboolean              petrel_oauth2_providers_register    (PetrelOAuth2Provider  *provider,
                                                           GError               **error);
gboolean              petrel_oauth2_providers_unregister  (const char            *id);
/* Registers the [Provider ID] groups of a key file (a deployment's own servers). */
gboolean              petrel_oauth2_providers_load_file   (const char            *path,
                                                           GError               **error);
/* The same for DATA_DIR/oauth2-providers.ini; TRUE when there is no such file. */
gboolean              petrel_oauth2_providers_load_data_dir (const char          *data_dir,
                                                             GError             **error);

G_END_DECLS
