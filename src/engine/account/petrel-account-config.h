/* petrel-account-config.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "account/petrel-account-error.h"
#include "account/petrel-credentials.h"

G_BEGIN_DECLS

/**
 * PetrelConnectionSecurity:
 * @PETREL_CONNECTION_SECURITY_TLS: implicit TLS from the first byte (IMAP 993, SMTP 465)
 * @PETREL_CONNECTION_SECURITY_STARTTLS: plain connect, then STARTTLS, which must succeed
 * @PETREL_CONNECTION_SECURITY_NONE: no TLS at all; passwords only go to loopback hosts
 *
 * Key file nicks: `tls`, `starttls`, `none`.
 */
typedef enum
{
  PETREL_CONNECTION_SECURITY_TLS,
  PETREL_CONNECTION_SECURITY_STARTTLS,
  PETREL_CONNECTION_SECURITY_NONE,
} PetrelConnectionSecurity;

/**
 * PetrelAuthMechanism:
 * @PETREL_AUTH_MECHANISM_PASSWORD: a password kept in the keyring (LOGIN/PLAIN/AUTH PLAIN)
 * @PETREL_AUTH_MECHANISM_OAUTH2: OAuth2 access tokens (XOAUTH2/OAUTHBEARER) from the provider
 *   named by #PetrelAccountConfig:oauth2-provider; the refresh token is kept in the keyring
 *   under %PETREL_CREDENTIAL_SERVICE_OAUTH2_REFRESH (see petrel-oauth2.h)
 *
 * How the account authenticates. Key file nicks: `password`, `oauth2`.
 */
typedef enum
{
  PETREL_AUTH_MECHANISM_PASSWORD,
  PETREL_AUTH_MECHANISM_OAUTH2,
} PetrelAuthMechanism;

/**
 * PetrelSyncBodies:
 * @PETREL_SYNC_BODIES_ALL: prefetch every body, newest first (the account is complete offline)
 * @PETREL_SYNC_BODIES_RECENT: prefetch bodies of the last #PetrelAccountConfig:sync-recent-days
 * @PETREL_SYNC_BODIES_NONE: fetch bodies only when opened
 *
 * Key file nicks: `all`, `recent`, `none`.
 */
typedef enum
{
  PETREL_SYNC_BODIES_ALL,
  PETREL_SYNC_BODIES_RECENT,
  PETREL_SYNC_BODIES_NONE,
} PetrelSyncBodies;

/**
 * PetrelAccountServer:
 * @PETREL_ACCOUNT_SERVER_IMAP: the incoming (IMAP) server
 * @PETREL_ACCOUNT_SERVER_SMTP: the outgoing (SMTP submission) server
 */
typedef enum
{
  PETREL_ACCOUNT_SERVER_IMAP,
  PETREL_ACCOUNT_SERVER_SMTP,
} PetrelAccountServer;

#define PETREL_TYPE_CONNECTION_SECURITY (petrel_connection_security_get_type ())
#define PETREL_TYPE_AUTH_MECHANISM      (petrel_auth_mechanism_get_type ())
#define PETREL_TYPE_SYNC_BODIES         (petrel_sync_bodies_get_type ())
#define PETREL_TYPE_ACCOUNT_SERVER      (petrel_account_server_get_type ())

GType petrel_connection_security_get_type (void);
GType petrel_auth_mechanism_get_type      (void);
GType petrel_sync_bodies_get_type         (void);
GType petrel_account_server_get_type      (void);

const char *petrel_connection_security_to_string   (PetrelConnectionSecurity   security);
gboolean    petrel_connection_security_from_string (const char                *string,
                                                    PetrelConnectionSecurity  *security,
                                                    GError                   **error);
guint16     petrel_connection_security_default_port (PetrelAccountServer      server,
                                                     PetrelConnectionSecurity security);

/* Validation of single values, for front ends that check input before building a config. */
gboolean    petrel_account_validate_id      (const char  *id,
                                             GError     **error);
gboolean    petrel_account_validate_address (const char  *address,
                                             GError     **error);
gboolean    petrel_account_validate_host    (const char  *host,
                                             GError     **error);
gboolean    petrel_host_is_loopback         (const char  *host);
char       *petrel_account_dup_dir          (const char  *data_dir,
                                             const char  *id);

#define PETREL_TYPE_ACCOUNT_CONFIG (petrel_account_config_get_type ())

G_DECLARE_FINAL_TYPE (PetrelAccountConfig, petrel_account_config, PETREL, ACCOUNT_CONFIG, GObject)

PetrelAccountConfig *
petrel_account_config_new (const char *id);

PetrelAccountConfig *
petrel_account_config_load (const char  *data_dir,
                            const char  *id,
                            GError     **error);

gboolean
petrel_account_config_save (PetrelAccountConfig  *self,
                            const char           *data_dir,
                            GError              **error);

gboolean
petrel_account_config_validate (PetrelAccountConfig  *self,
                                GError              **error);

GPtrArray *
petrel_account_config_list (const char  *data_dir,
                            GPtrArray  **broken,
                            GError     **error);

gboolean
petrel_account_config_remove (const char  *data_dir,
                              const char  *id,
                              GError     **error);

void
petrel_account_config_remove_with_secrets_async (const char          *data_dir,
                                                 const char          *id,
                                                 PetrelCredentials   *credentials,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);

gboolean
petrel_account_config_remove_with_secrets_finish (GAsyncResult  *result,
                                                  GError       **error);

const char *
petrel_account_config_get_id (PetrelAccountConfig *self);

const char *
petrel_account_config_get_display_name (PetrelAccountConfig *self);

void
petrel_account_config_set_display_name (PetrelAccountConfig *self,
                                        const char          *name);

const char *
petrel_account_config_get_email_address (PetrelAccountConfig *self);

void
petrel_account_config_set_email_address (PetrelAccountConfig *self,
                                         const char          *address);

const char * const *
petrel_account_config_get_aliases (PetrelAccountConfig *self);

void
petrel_account_config_set_aliases (PetrelAccountConfig *self,
                                   const char * const  *aliases);

const char *
petrel_account_config_get_signature (PetrelAccountConfig *self);

void
petrel_account_config_set_signature (PetrelAccountConfig *self,
                                     const char          *signature);

const char *
petrel_account_config_get_imap_host (PetrelAccountConfig *self);

void
petrel_account_config_set_imap_host (PetrelAccountConfig *self,
                                     const char          *host);

guint16
petrel_account_config_get_imap_port (PetrelAccountConfig *self);

void
petrel_account_config_set_imap_port (PetrelAccountConfig *self,
                                     guint16              port);

PetrelConnectionSecurity
petrel_account_config_get_imap_security (PetrelAccountConfig *self);

void
petrel_account_config_set_imap_security (PetrelAccountConfig      *self,
                                         PetrelConnectionSecurity  security);

const char *
petrel_account_config_get_imap_user (PetrelAccountConfig *self);

void
petrel_account_config_set_imap_user (PetrelAccountConfig *self,
                                     const char          *user);

const char *
petrel_account_config_get_smtp_host (PetrelAccountConfig *self);

void
petrel_account_config_set_smtp_host (PetrelAccountConfig *self,
                                     const char          *host);

guint16
petrel_account_config_get_smtp_port (PetrelAccountConfig *self);

void
petrel_account_config_set_smtp_port (PetrelAccountConfig *self,
                                     guint16              port);

PetrelConnectionSecurity
petrel_account_config_get_smtp_security (PetrelAccountConfig *self);

void
petrel_account_config_set_smtp_security (PetrelAccountConfig      *self,
                                         PetrelConnectionSecurity  security);

const char *
petrel_account_config_get_smtp_user (PetrelAccountConfig *self);

void
petrel_account_config_set_smtp_user (PetrelAccountConfig *self,
                                     const char          *user);

PetrelAuthMechanism
petrel_account_config_get_auth_mechanism (PetrelAccountConfig *self);

void
petrel_account_config_set_auth_mechanism (PetrelAccountConfig *self,
                                          PetrelAuthMechanism  mechanism);

const char *
petrel_account_config_get_oauth2_provider (PetrelAccountConfig *self);

void
petrel_account_config_set_oauth2_provider (PetrelAccountConfig *self,
                                           const char          *provider);

const char *
petrel_account_config_get_oauth2_client_id (PetrelAccountConfig *self);

void
petrel_account_config_set_oauth2_client_id (PetrelAccountConfig *self,
                                            const char          *client_id);

const char *
petrel_account_config_get_ca_file (PetrelAccountConfig *self);

void
petrel_account_config_set_ca_file (PetrelAccountConfig *self,
                                   const char          *path);

PetrelSyncBodies
petrel_account_config_get_sync_bodies (PetrelAccountConfig *self);

void
petrel_account_config_set_sync_bodies (PetrelAccountConfig *self,
                                       PetrelSyncBodies     policy);

guint
petrel_account_config_get_sync_recent_days (PetrelAccountConfig *self);

void
petrel_account_config_set_sync_recent_days (PetrelAccountConfig *self,
                                            guint                days);

/* Per-server accessors, for code that handles IMAP and SMTP alike. */
const char *
petrel_account_config_get_host (PetrelAccountConfig *self,
                                PetrelAccountServer  server);

guint16
petrel_account_config_get_port (PetrelAccountConfig *self,
                                PetrelAccountServer  server);

PetrelConnectionSecurity
petrel_account_config_get_security (PetrelAccountConfig *self,
                                    PetrelAccountServer  server);

const char *
petrel_account_config_get_login (PetrelAccountConfig *self,
                                 PetrelAccountServer  server);

gboolean
petrel_account_config_may_send_password (PetrelAccountConfig  *self,
                                         PetrelAccountServer   server,
                                         GError              **error);

/* Certificates the user chose to trust for one host:port, by SHA-256 fingerprint. */
const char *
petrel_account_config_get_pinned_certificate (PetrelAccountConfig *self,
                                              const char          *host,
                                              guint16              port);

gboolean
petrel_account_config_pin_certificate (PetrelAccountConfig  *self,
                                       const char           *host,
                                       guint16               port,
                                       const char           *fingerprint,
                                       GError              **error);

gboolean
petrel_account_config_unpin_certificate (PetrelAccountConfig *self,
                                         const char          *host,
                                         guint16              port);

char **
petrel_account_config_dup_pinned_endpoints (PetrelAccountConfig *self);

G_END_DECLS
