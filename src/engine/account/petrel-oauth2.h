/* petrel-oauth2.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "account/petrel-account-config.h"
#include "account/petrel-credentials.h"
#include "account/petrel-oauth2-providers.h"

G_BEGIN_DECLS

#define PETREL_OAUTH2_ERROR (petrel_oauth2_error_quark ())

/**
 * PetrelOAuth2Error:
 * @PETREL_OAUTH2_ERROR_UNKNOWN_PROVIDER: the account names no OAuth2 provider, or one Petrel
 *   does not know
 * @PETREL_OAUTH2_ERROR_INVALID_PROVIDER: a provider to register has a bad id, a taken id or an
 *   endpoint that is not an http(s) URL
 * @PETREL_OAUTH2_ERROR_NO_CLIENT_ID: neither the account nor the build gives a client id for
 *   the provider (see the meson options google_client_id and microsoft_client_id)
 * @PETREL_OAUTH2_ERROR_INSECURE: an endpoint is not HTTPS (plain http is only allowed to a
 *   loopback address), so it was not contacted
 * @PETREL_OAUTH2_ERROR_BROWSER: the sign-in page could not be opened in a browser
 * @PETREL_OAUTH2_ERROR_DENIED: the person declined to give Petrel access (`access_denied`)
 * @PETREL_OAUTH2_ERROR_BAD_STATE: the browser came back with a `state` that is not ours: a
 *   forged or stale redirect, so its code was not used
 * @PETREL_OAUTH2_ERROR_AUTHORIZATION_FAILED: the provider's sign-in page reported another error
 * @PETREL_OAUTH2_ERROR_TIMED_OUT: the browser did not come back in time, or a token endpoint
 *   did not answer in time
 * @PETREL_OAUTH2_ERROR_TOKEN_ENDPOINT: the token endpoint refused the request (other than a
 *   revoked grant) or answered with something that is not a token
 * @PETREL_OAUTH2_ERROR_NO_REFRESH_TOKEN: the provider signed in but gave no refresh token, so
 *   Petrel could not stay signed in
 * @PETREL_OAUTH2_ERROR_NOT_SIGNED_IN: the keyring holds no refresh token for the account
 * @PETREL_OAUTH2_ERROR_REVOKED: the provider no longer accepts the refresh token
 *   (`invalid_grant`: revoked, expired or the password changed); sign in again
 */
typedef enum
{
  PETREL_OAUTH2_ERROR_UNKNOWN_PROVIDER,
  PETREL_OAUTH2_ERROR_INVALID_PROVIDER,
  PETREL_OAUTH2_ERROR_NO_CLIENT_ID,
  PETREL_OAUTH2_ERROR_INSECURE,
  PETREL_OAUTH2_ERROR_BROWSER,
  PETREL_OAUTH2_ERROR_DENIED,
  PETREL_OAUTH2_ERROR_BAD_STATE,
  PETREL_OAUTH2_ERROR_AUTHORIZATION_FAILED,
  PETREL_OAUTH2_ERROR_TIMED_OUT,
  PETREL_OAUTH2_ERROR_TOKEN_ENDPOINT,
  PETREL_OAUTH2_ERROR_NO_REFRESH_TOKEN,
  PETREL_OAUTH2_ERROR_NOT_SIGNED_IN,
  PETREL_OAUTH2_ERROR_REVOKED,
} PetrelOAuth2Error;

GQuark petrel_oauth2_error_quark (void);

/* How long the browser may take to come back from the sign-in page (the person may have to
 * type a password and a second factor). */
#define PETREL_OAUTH2_DEFAULT_AUTHORIZE_TIMEOUT_MS (10 * 60 * 1000)
/* How long a token endpoint may take to answer. */
#define PETREL_OAUTH2_DEFAULT_REQUEST_TIMEOUT_MS   (30 * 1000)
/* An access token is refreshed when it expires within this many seconds. */
#define PETREL_OAUTH2_EXPIRY_MARGIN_SECONDS        60

/**
 * PetrelOAuth2Token:
 *
 * What a token endpoint returned. The tokens are wiped from memory when it is freed.
 */
typedef struct _PetrelOAuth2Token PetrelOAuth2Token;

#define PETREL_TYPE_OAUTH2_TOKEN (petrel_oauth2_token_get_type ())

GType              petrel_oauth2_token_get_type          (void) G_GNUC_CONST;
PetrelOAuth2Token *petrel_oauth2_token_copy              (const PetrelOAuth2Token *self);
void               petrel_oauth2_token_free              (PetrelOAuth2Token       *self);
const char        *petrel_oauth2_token_get_access_token  (const PetrelOAuth2Token *self);
const char        *petrel_oauth2_token_get_refresh_token (const PetrelOAuth2Token *self);
const char        *petrel_oauth2_token_get_scope         (const PetrelOAuth2Token *self);
gint64             petrel_oauth2_token_get_expires_at    (const PetrelOAuth2Token *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PetrelOAuth2Token, petrel_oauth2_token_free)

/**
 * PetrelOAuth2LaunchFunc:
 * @uri: the authorization URL to show the person
 * @user_data: the data given with the function
 * @error: return location for a #GError
 *
 * Opens @uri in a browser. The default is g_app_info_launch_default_for_uri() (which goes
 * through the OpenURI portal in a sandbox); front ends may also show the URL, tests fetch it.
 * Called once, from within the _async() call.
 *
 * Returns: %TRUE if the browser was started
 */
typedef gboolean (*PetrelOAuth2LaunchFunc) (const char  *uri,
                                            gpointer     user_data,
                                            GError     **error);

/* Process-wide; 0 restores the default. For tests and front ends that know better. */
void               petrel_oauth2_set_timeouts            (guint                    authorize_ms,
                                                          guint                    request_ms);

/* The authorization code flow with PKCE and a loopback redirect (RFC 8252, RFC 7636). */
void               petrel_oauth2_authorize_async         (PetrelOAuth2Provider    *provider,
                                                          const char              *client_id,
                                                          const char              *login_hint,
                                                          PetrelOAuth2LaunchFunc   launch_func,
                                                          gpointer                 launch_data,
                                                          GCancellable            *cancellable,
                                                          GAsyncReadyCallback      callback,
                                                          gpointer                 user_data);
PetrelOAuth2Token *petrel_oauth2_authorize_finish        (GAsyncResult            *result,
                                                          GError                 **error);

/* authorize for an account (its provider, client id and address as login hint), store the
 * refresh token in @credentials and keep the access token for get_access_token. */
void               petrel_oauth2_sign_in_async           (PetrelAccountConfig     *config,
                                                          PetrelCredentials       *credentials,
                                                          PetrelOAuth2LaunchFunc   launch_func,
                                                          gpointer                 launch_data,
                                                          GCancellable            *cancellable,
                                                          GAsyncReadyCallback      callback,
                                                          gpointer                 user_data);
gboolean           petrel_oauth2_sign_in_finish          (GAsyncResult            *result,
                                                          GError                 **error);
/* The same, keeping the refresh token under @secret_key (petrel_account_get_secret_key(); NULL
 * for the account id); finish with petrel_oauth2_sign_in_finish(). */
void               petrel_oauth2_sign_in_for_key_async   (PetrelAccountConfig     *config,
                                                          const char              *secret_key,
                                                          PetrelCredentials       *credentials,
                                                          PetrelOAuth2LaunchFunc   launch_func,
                                                          gpointer                 launch_data,
                                                          GCancellable            *cancellable,
                                                          GAsyncReadyCallback      callback,
                                                          gpointer                 user_data);

/* A valid access token for the account, refreshed when it expires within
 * PETREL_OAUTH2_EXPIRY_MARGIN_SECONDS. Free it with petrel_credentials_secret_free().
 * Safe from any thread: a refresh runs on the thread-default main context of the caller that
 * starts it, each caller is answered on its own. The plain variant keys the refresh token by
 * the account id; _for_key by @secret_key (petrel_account_get_secret_key(), NULL for the id),
 * moving a token found under the bare id there once. Both finish with _finish(). */
void               petrel_oauth2_get_access_token_async  (PetrelAccountConfig     *config,
                                                          PetrelCredentials       *credentials,
                                                          GCancellable            *cancellable,
                                                          GAsyncReadyCallback      callback,
                                                          gpointer                 user_data);
void               petrel_oauth2_get_access_token_for_key_async (PetrelAccountConfig *config,
                                                                 const char          *secret_key,
                                                                 PetrelCredentials   *credentials,
                                                                 GCancellable        *cancellable,
                                                                 GAsyncReadyCallback  callback,
                                                                 gpointer             user_data);
char              *petrel_oauth2_get_access_token_finish (GAsyncResult            *result,
                                                          GError                 **error);

/* Forget the account's cached access token: @access_token (nullable) only if it is that one,
 * e.g. after a server refused it; NULL forgets whatever is cached (sign-out, removal).
 * @secret_key is the key the token was got with (the account id for the plain variants). */
void               petrel_oauth2_invalidate_access_token (const char              *secret_key,
                                                          const char              *access_token);

/* The account's provider and client id, as get_access_token uses them. */
PetrelOAuth2Provider *petrel_oauth2_dup_account_provider (PetrelAccountConfig     *config,
                                                          GError                 **error);
char              *petrel_oauth2_dup_account_client_id   (PetrelAccountConfig     *config,
                                                          PetrelOAuth2Provider    *provider,
                                                          GError                 **error);

G_END_DECLS
