/* test-oauth2.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* OAuth2 (issue #7) end to end against a small authorization server written for these tests:
 * a SoupServer on 127.0.0.1 with /authorize (redirects straight back with a code when the
 * request carries a proper PKCE challenge), /token (authorization_code, checking the
 * code_verifier, and refresh_token grants) and /introspect (RFC 7662, for Dovecot). The
 * "browser" is a SoupSession that follows the redirects. The IMAP and SMTP logins run against
 * the real Dovecot and submission server of tests/support, started with
 * --oauth2-introspection so that they check bearer tokens with /introspect. Nothing but
 * 127.0.0.1 is ever contacted. */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "account/petrel-account-config.h"
#include "account/petrel-memory-credentials.h"
#include "account/petrel-oauth2.h"
#include "account/petrel-oauth2-private.h"
#include "account/petrel-secret-credentials.h"
#include "imap/petrel-imap-client.h"
#include "imap/petrel-imap-error.h"
#include "smtp/petrel-smtp-client.h"
#include "smtp/petrel-smtp-error.h"
#include "petrel-test-servers.h"

#define WAIT_LIMIT_SECONDS 60
#define TEST_PROVIDER      "petrel-test"
#define TEST_CLIENT_ID     "petrel-test-client"
#define TEST_SCOPES        "imap smtp offline"
#define TEST_USER          "alice"

/* ---- The authorization server -------------------------------------------------------------- */

typedef enum
{
  AUTHORIZE_OK,
  AUTHORIZE_DENY,           /* the person says no */
  AUTHORIZE_WRONG_STATE,    /* redirects back with a state that is not the client's */
  AUTHORIZE_NO_REDIRECT,    /* shows a login page and never redirects */
} AuthorizeMode;

typedef enum
{
  TOKEN_OK,
  TOKEN_SLOW,               /* never answers (until the test is over) */
  TOKEN_ERROR_500,
  TOKEN_GARBAGE,            /* 200 with HTML */
} TokenMode;

typedef struct
{
  char *challenge;
  char *redirect_uri;
  char *client_id;
} Grant;

typedef struct
{
  SoupServer    *server;
  char          *base;            /* http://127.0.0.1:PORT */
  GHashTable    *grants;          /* code -> Grant */
  GHashTable    *access_tokens;   /* token -> user */
  GHashTable    *refresh_tokens;  /* token -> user */
  GPtrArray     *issued;          /* every secret handed out, for the log check */
  GPtrArray     *paused;          /* of SoupServerMessage: TOKEN_SLOW answers */

  AuthorizeMode  authorize_mode;
  TokenMode      token_mode;
  gint64         expires_in;
  gboolean       rotate;          /* a new refresh token with every refresh */
  gboolean       send_refresh;    /* a refresh token with the code exchange */

  guint          n_authorize;
  guint          n_authorize_bad; /* requests /authorize refused as malformed */
  guint          n_code_grants;
  guint          n_pkce_failures;
  guint          n_refresh_grants;
  guint          n_introspect;
  guint          n_introspect_active;

  char          *seen_login_hint;
  char          *seen_scope;
  char          *seen_client_secret;
  char          *seen_refresh_scope;
  char          *last_access_token;
  char          *last_refresh_token;
} AuthServer;

static AuthServer auth;

/* Dovecot and the submission server, configured to ask auth.base/introspect. */
static PetrelTestServers *servers;
static GTlsDatabase *tls_database;
static char *servers_error;

/* Everything logged in the petrel-* domains, to check that no secret ever is. */
static GMutex log_lock;
static GString *captured_log;

static guint account_counter;

static const char * const captured_domains[] = {
  "petrel-account", "petrel-imap", "petrel-smtp", "petrel-engine"
};

static void
grant_free (Grant *grant)
{
  g_free (grant->challenge);
  g_free (grant->redirect_uri);
  g_free (grant->client_id);
  g_free (grant);
}

/* The test's own S256, written independently of petrel-oauth2.c. */
static char *
s256 (const char *verifier)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize length = sizeof digest;
  g_autofree char *b64 = NULL;
  GString *out = g_string_new (NULL);

  g_checksum_update (checksum, (const guchar *) verifier, -1);
  g_checksum_get_digest (checksum, digest, &length);
  b64 = g_base64_encode (digest, length);

  for (const char *p = b64; *p != '\0' && *p != '='; p++)
    g_string_append_c (out, *p == '+' ? '-' : *p == '/' ? '_' : *p);

  return g_string_free (out, FALSE);
}

static char *
new_secret (const char *prefix)
{
  g_autofree char *uuid = g_uuid_string_random ();
  char *secret = g_strconcat (prefix, uuid, NULL);

  g_ptr_array_add (auth.issued, g_strdup (secret));

  return secret;
}

static void
reply_json (SoupServerMessage *msg,
            guint              status,
            const char        *json)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, json,
                                    strlen (json));
}

static GHashTable *
read_form (SoupServerMessage *msg)
{
  g_autoptr(GBytes) bytes = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  g_autofree char *text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

  return soup_form_decode (text);
}

static void
authorize_handler (SoupServer        *server,
                   SoupServerMessage *msg,
                   const char        *path,
                   GHashTable        *query,
                   gpointer           user_data)
{
  const char *redirect_uri, *state, *challenge;
  g_autofree char *code = NULL;
  g_autofree char *escaped_state = NULL;
  g_autofree char *location = NULL;

  auth.n_authorize++;

  redirect_uri = query != NULL ? g_hash_table_lookup (query, "redirect_uri") : NULL;
  state = query != NULL ? g_hash_table_lookup (query, "state") : NULL;
  challenge = query != NULL ? g_hash_table_lookup (query, "code_challenge") : NULL;

  /* What a real authorization server insists on for a public client (RFC 7636, RFC 8252). */
  if (query == NULL ||
      g_strcmp0 (g_hash_table_lookup (query, "response_type"), "code") != 0 ||
      g_hash_table_lookup (query, "client_id") == NULL ||
      g_strcmp0 (g_hash_table_lookup (query, "code_challenge_method"), "S256") != 0 ||
      challenge == NULL || strlen (challenge) != 43 ||
      redirect_uri == NULL || !g_str_has_prefix (redirect_uri, "http://127.0.0.1:") ||
      state == NULL || strlen (state) < 16)
    {
      auth.n_authorize_bad++;
      soup_server_message_set_status (msg, SOUP_STATUS_BAD_REQUEST, NULL);
      return;
    }

  g_free (auth.seen_login_hint);
  auth.seen_login_hint = g_strdup (g_hash_table_lookup (query, "login_hint"));
  g_free (auth.seen_scope);
  auth.seen_scope = g_strdup (g_hash_table_lookup (query, "scope"));

  escaped_state = g_uri_escape_string (state, NULL, FALSE);

  switch (auth.authorize_mode)
    {
    case AUTHORIZE_NO_REDIRECT:
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_STATIC,
                                        "<p>Sign in</p>", 14);
      return;

    case AUTHORIZE_DENY:
      location = g_strdup_printf ("%s?error=access_denied&error_description=The+user+said+no"
                                  "&state=%s", redirect_uri, escaped_state);
      break;

    case AUTHORIZE_WRONG_STATE:
    case AUTHORIZE_OK:
    default:
      {
        Grant *grant = g_new0 (Grant, 1);

        code = new_secret ("code-");
        grant->challenge = g_strdup (challenge);
        grant->redirect_uri = g_strdup (redirect_uri);
        grant->client_id = g_strdup (g_hash_table_lookup (query, "client_id"));
        g_hash_table_insert (auth.grants, g_strdup (code), grant);

        location = g_strdup_printf ("%s?code=%s&state=%s", redirect_uri, code,
                                    auth.authorize_mode == AUTHORIZE_WRONG_STATE
                                      ? "forged-state-of-someone-else" : escaped_state);
      }
      break;
    }

  soup_server_message_set_redirect (msg, SOUP_STATUS_FOUND, location);
}

static void
issue_tokens (SoupServerMessage *msg,
              const char        *user,
              gboolean           with_refresh)
{
  g_autofree char *access = new_secret ("at-");
  g_autofree char *refresh = with_refresh ? new_secret ("rt-") : NULL;
  g_autofree char *refresh_member = NULL;
  g_autofree char *json = NULL;

  g_hash_table_insert (auth.access_tokens, g_strdup (access), g_strdup (user));
  if (refresh != NULL)
    {
      g_hash_table_insert (auth.refresh_tokens, g_strdup (refresh), g_strdup (user));
      refresh_member = g_strdup_printf (", \"refresh_token\": \"%s\"", refresh);
      g_free (auth.last_refresh_token);
      auth.last_refresh_token = g_strdup (refresh);
    }

  g_free (auth.last_access_token);
  auth.last_access_token = g_strdup (access);

  json = g_strdup_printf ("{\"access_token\": \"%s\", \"token_type\": \"Bearer\", "
                          "\"expires_in\": %" G_GINT64_FORMAT ", \"scope\": \"%s\"%s}",
                          access, auth.expires_in, TEST_SCOPES,
                          refresh_member != NULL ? refresh_member : "");
  reply_json (msg, SOUP_STATUS_OK, json);
}

static void
token_handler (SoupServer        *server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  g_autoptr(GHashTable) form = NULL;
  const char *grant_type;

  if (g_strcmp0 (soup_server_message_get_method (msg), "POST") != 0)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
      return;
    }

  form = read_form (msg);
  grant_type = form != NULL ? g_hash_table_lookup (form, "grant_type") : NULL;

  if (g_strcmp0 (grant_type, "authorization_code") == 0)
    auth.n_code_grants++;
  else if (g_strcmp0 (grant_type, "refresh_token") == 0)
    auth.n_refresh_grants++;

  switch (auth.token_mode)
    {
    case TOKEN_SLOW:
      soup_server_message_pause (msg);
      g_ptr_array_add (auth.paused, g_object_ref (msg));
      return;

    case TOKEN_ERROR_500:
      soup_server_message_set_status (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "oops", 4);
      return;

    case TOKEN_GARBAGE:
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_STATIC,
                                        "<html>maintenance</html>", 24);
      return;

    case TOKEN_OK:
    default:
      break;
    }

  if (g_strcmp0 (grant_type, "authorization_code") == 0)
    {
      const char *code = g_hash_table_lookup (form, "code");
      const char *verifier = g_hash_table_lookup (form, "code_verifier");
      Grant *grant = code != NULL ? g_hash_table_lookup (auth.grants, code) : NULL;
      g_autofree char *challenge = verifier != NULL ? s256 (verifier) : NULL;

      g_free (auth.seen_client_secret);
      auth.seen_client_secret = g_strdup (g_hash_table_lookup (form, "client_secret"));

      if (grant == NULL ||
          g_strcmp0 (grant->redirect_uri, g_hash_table_lookup (form, "redirect_uri")) != 0 ||
          g_strcmp0 (grant->client_id, g_hash_table_lookup (form, "client_id")) != 0)
        {
          reply_json (msg, SOUP_STATUS_BAD_REQUEST, "{\"error\": \"invalid_grant\"}");
          return;
        }

      if (challenge == NULL || g_strcmp0 (challenge, grant->challenge) != 0)
        {
          auth.n_pkce_failures++;
          g_hash_table_remove (auth.grants, code);
          reply_json (msg, SOUP_STATUS_BAD_REQUEST,
                      "{\"error\": \"invalid_grant\", "
                      "\"error_description\": \"PKCE verification failed\"}");
          return;
        }

      /* A code is good for one exchange only. */
      g_hash_table_remove (auth.grants, code);
      issue_tokens (msg, TEST_USER, auth.send_refresh);
      return;
    }

  if (g_strcmp0 (grant_type, "refresh_token") == 0)
    {
      const char *refresh = g_hash_table_lookup (form, "refresh_token");
      const char *user = refresh != NULL ? g_hash_table_lookup (auth.refresh_tokens, refresh)
                                         : NULL;
      g_autofree char *owner = g_strdup (user);

      g_free (auth.seen_refresh_scope);
      auth.seen_refresh_scope = g_strdup (g_hash_table_lookup (form, "scope"));

      if (owner == NULL)
        {
          reply_json (msg, SOUP_STATUS_BAD_REQUEST,
                      "{\"error\": \"invalid_grant\", "
                      "\"error_description\": \"Token has been expired or revoked.\"}");
          return;
        }

      if (auth.rotate)
        g_hash_table_remove (auth.refresh_tokens, refresh);
      issue_tokens (msg, owner, auth.rotate);
      return;
    }

  reply_json (msg, SOUP_STATUS_BAD_REQUEST, "{\"error\": \"unsupported_grant_type\"}");
}

static void
introspect_handler (SoupServer        *server,
                    SoupServerMessage *msg,
                    const char        *path,
                    GHashTable        *query,
                    gpointer           user_data)
{
  g_autoptr(GHashTable) form = NULL;
  const char *token;
  const char *user;
  g_autofree char *json = NULL;

  auth.n_introspect++;

  form = g_strcmp0 (soup_server_message_get_method (msg), "POST") == 0 ? read_form (msg) : NULL;
  token = form != NULL ? g_hash_table_lookup (form, "token") : NULL;
  user = token != NULL ? g_hash_table_lookup (auth.access_tokens, token) : NULL;

  if (user == NULL)
    {
      reply_json (msg, SOUP_STATUS_OK, "{\"active\": false}");
      return;
    }

  auth.n_introspect_active++;
  json = g_strdup_printf ("{\"active\": true, \"username\": \"%s\", \"scope\": \"%s\"}", user,
                          TEST_SCOPES);
  reply_json (msg, SOUP_STATUS_OK, json);
}

static void
release_paused (void)
{
  for (guint i = 0; i < auth.paused->len; i++)
    {
      SoupServerMessage *msg = g_ptr_array_index (auth.paused, i);

      soup_server_message_set_status (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL);
      soup_server_message_unpause (msg);
    }
  g_ptr_array_set_size (auth.paused, 0);
}

/* Back to a well-behaved server for the next test. Issued tokens stay valid. */
static void
auth_reset (void)
{
  release_paused ();
  auth.authorize_mode = AUTHORIZE_OK;
  auth.token_mode = TOKEN_OK;
  auth.expires_in = 3600;
  auth.rotate = TRUE;
  auth.send_refresh = TRUE;
  auth.n_authorize = auth.n_authorize_bad = 0;
  auth.n_code_grants = auth.n_pkce_failures = auth.n_refresh_grants = 0;
  auth.n_introspect = auth.n_introspect_active = 0;
  g_clear_pointer (&auth.seen_login_hint, g_free);
  g_clear_pointer (&auth.seen_scope, g_free);
  g_clear_pointer (&auth.seen_client_secret, g_free);
  g_clear_pointer (&auth.seen_refresh_scope, g_free);
  g_clear_pointer (&auth.last_access_token, g_free);
  g_clear_pointer (&auth.last_refresh_token, g_free);
  petrel_oauth2_set_timeouts (20000, 10000);
}

static void
auth_start (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSList) uris = NULL;

  auth.server = soup_server_new (NULL, NULL);
  auth.grants = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) grant_free);
  auth.access_tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  auth.refresh_tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  auth.issued = g_ptr_array_new_with_free_func (g_free);
  auth.paused = g_ptr_array_new_with_free_func (g_object_unref);

  soup_server_add_handler (auth.server, "/authorize", authorize_handler, NULL, NULL);
  soup_server_add_handler (auth.server, "/token", token_handler, NULL, NULL);
  soup_server_add_handler (auth.server, "/introspect", introspect_handler, NULL, NULL);
  soup_server_listen_local (auth.server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (auth.server);
  g_assert_nonnull (uris);
  auth.base = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);

  auth_reset ();
}

static void
auth_stop (void)
{
  release_paused ();
  soup_server_disconnect (auth.server);
  g_clear_object (&auth.server);
  g_clear_pointer (&auth.base, g_free);
  g_clear_pointer (&auth.grants, g_hash_table_unref);
  g_clear_pointer (&auth.access_tokens, g_hash_table_unref);
  g_clear_pointer (&auth.refresh_tokens, g_hash_table_unref);
  g_clear_pointer (&auth.issued, g_ptr_array_unref);
  g_clear_pointer (&auth.paused, g_ptr_array_unref);
  g_clear_pointer (&auth.seen_login_hint, g_free);
  g_clear_pointer (&auth.seen_scope, g_free);
  g_clear_pointer (&auth.seen_client_secret, g_free);
  g_clear_pointer (&auth.seen_refresh_scope, g_free);
  g_clear_pointer (&auth.last_access_token, g_free);
  g_clear_pointer (&auth.last_refresh_token, g_free);
  petrel_oauth2_set_timeouts (0, 0);
}

/* ---- Helpers -------------------------------------------------------------------------------- */

static gboolean
on_wait_limit_cb (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main context until *@flag, failing the test after WAIT_LIMIT_SECONDS. */
static void
wait_for (gboolean *flag)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add_seconds (WAIT_LIMIT_SECONDS, on_wait_limit_cb, &expired);

  while (!*flag && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (id);
  g_assert_false (expired);
}

static void
store_result_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **out = user_data;

  g_assert_null (*out);
  *out = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **result)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add_seconds (WAIT_LIMIT_SECONDS, on_wait_limit_cb, &expired);

  while (*result == NULL && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (id);
  g_assert_false (expired);
  return *result;
}

/* Lets pending sources run (the redirect server retiring, a late answer) without waiting. */
static void
drain_main_context (void)
{
  for (guint i = 0; i < 100 && g_main_context_iteration (NULL, FALSE); i++)
    ;
}

static PetrelOAuth2Provider *
dup_test_provider (void)
{
  PetrelOAuth2Provider *provider = petrel_oauth2_providers_lookup (TEST_PROVIDER);

  g_assert_nonnull (provider);
  return provider;
}

static PetrelAccountConfig *
new_account (void)
{
  g_autofree char *id = g_strdup_printf ("oauth-%u", ++account_counter);
  PetrelAccountConfig *config = petrel_account_config_new (id);

  petrel_account_config_set_email_address (config, TEST_USER "@example.test");
  petrel_account_config_set_auth_mechanism (config, PETREL_AUTH_MECHANISM_OAUTH2);
  petrel_account_config_set_oauth2_provider (config, TEST_PROVIDER);
  petrel_account_config_set_oauth2_client_id (config, TEST_CLIENT_ID);
  petrel_account_config_set_imap_host (config, "127.0.0.1");
  petrel_account_config_set_smtp_host (config, "127.0.0.1");

  return config;
}

/* The browser: follows the authorization URL and its redirect back to Petrel. */
typedef struct
{
  SoupSession *session;
  SoupMessage *message;
  char        *authorize_url;
  gboolean     fail_launch;
  gboolean     done;
  guint        status;
  char        *page;
  char        *error;
} Browser;

static void
browser_init (Browser *browser)
{
  memset (browser, 0, sizeof *browser);
  browser->session = soup_session_new ();
}

static void
browser_clear (Browser *browser)
{
  g_clear_object (&browser->session);
  g_clear_object (&browser->message);
  g_clear_pointer (&browser->authorize_url, g_free);
  g_clear_pointer (&browser->page, g_free);
  g_clear_pointer (&browser->error, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Browser, browser_clear)

static void
browser_read_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Browser *browser = user_data;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  bytes = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &error);
  if (bytes != NULL)
    {
      browser->status = soup_message_get_status (browser->message);
      browser->page = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
    }
  else
    {
      browser->error = g_strdup (error->message);
    }
  browser->done = TRUE;
}

static gboolean
browser_launch (const char  *uri,
                gpointer     user_data,
                GError     **error)
{
  Browser *browser = user_data;

  g_assert_null (browser->authorize_url);
  browser->authorize_url = g_strdup (uri);

  if (browser->fail_launch)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "No web browser here");
      return FALSE;
    }

  browser->message = soup_message_new ("GET", uri);
  g_assert_nonnull (browser->message);
  soup_session_send_and_read_async (browser->session, browser->message, G_PRIORITY_DEFAULT,
                                    NULL, browser_read_cb, browser);
  return TRUE;
}

typedef struct
{
  gboolean     done;
  SoupMessage *message;
  GError      *error;
} Fetch;

static void
fetch_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  Fetch *fetch = user_data;
  g_autoptr(GBytes) bytes = NULL;

  bytes = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &fetch->error);
  fetch->done = TRUE;
}

/* GET @uri without blocking the main context (the servers run on it); returns the status, or
 * 0 with @error. */
static guint
fetch_full (SoupSession  *session,
            const char   *uri,
            GError      **error)
{
  Fetch fetch = { FALSE, soup_message_new ("GET", uri), NULL };
  guint status = 0;

  soup_session_send_and_read_async (session, fetch.message, G_PRIORITY_DEFAULT, NULL, fetch_cb,
                                    &fetch);
  wait_for (&fetch.done);
  if (fetch.error != NULL)
    g_propagate_error (error, fetch.error);
  else
    status = soup_message_get_status (fetch.message);
  g_object_unref (fetch.message);

  return status;
}

static guint
fetch (SoupSession *session,
       const char  *uri)
{
  g_autoptr(GError) error = NULL;
  guint status = fetch_full (session, uri, &error);

  g_assert_no_error (error);
  return status;
}

static PetrelOAuth2Token *
authorize (PetrelOAuth2Provider  *provider,
           const char            *client_id,
           Browser               *browser,
           GCancellable          *cancellable,
           GError               **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  petrel_oauth2_authorize_async (provider, client_id, TEST_USER "@example.test", browser_launch,
                                 browser, cancellable, store_result_cb, &result);
  return petrel_oauth2_authorize_finish (wait_result (&result), error);
}

static gboolean
sign_in (PetrelAccountConfig  *config,
         PetrelCredentials    *credentials,
         GError              **error)
{
  g_auto(Browser) browser;
  g_autoptr(GAsyncResult) result = NULL;
  gboolean ok;

  browser_init (&browser);
  petrel_oauth2_sign_in_async (config, credentials, browser_launch, &browser, NULL,
                               store_result_cb, &result);
  ok = petrel_oauth2_sign_in_finish (wait_result (&result), error);
  /* Let the browser get Petrel's last page, if it was sent one. */
  if (browser.message != NULL)
    wait_for (&browser.done);
  return ok;
}

static char *
get_access_token (PetrelAccountConfig  *config,
                  PetrelCredentials    *credentials,
                  GError              **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  petrel_oauth2_get_access_token_async (config, credentials, NULL, store_result_cb, &result);
  return petrel_oauth2_get_access_token_finish (wait_result (&result), error);
}

static char *
lookup_refresh_token (PetrelCredentials *credentials,
                      const char        *account_id)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char *secret;

  petrel_credentials_lookup_async (credentials, account_id,
                                   PETREL_CREDENTIAL_SERVICE_OAUTH2_REFRESH, NULL,
                                   store_result_cb, &result);
  secret = petrel_credentials_lookup_finish (credentials, wait_result (&result), &error);
  g_assert_no_error (error);
  return secret;
}

static void
store_refresh_token (PetrelCredentials *credentials,
                     const char        *account_id,
                     const char        *token)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  petrel_credentials_store_async (credentials, account_id,
                                  PETREL_CREDENTIAL_SERVICE_OAUTH2_REFRESH, "test", token, NULL,
                                  store_result_cb, &result);
  petrel_credentials_store_finish (credentials, wait_result (&result), &error);
  g_assert_no_error (error);
}

/* An account signed in with a refresh token that is valid at the server, without a browser. */
static PetrelAccountConfig *
new_signed_in_account (PetrelCredentials *credentials)
{
  PetrelAccountConfig *config = new_account ();
  g_autofree char *refresh = new_secret ("rt-");

  g_hash_table_insert (auth.refresh_tokens, g_strdup (refresh), g_strdup (TEST_USER));
  store_refresh_token (credentials, petrel_account_config_get_id (config), refresh);

  return config;
}

static gboolean
need_servers (void)
{
  if (servers != NULL)
    return TRUE;
  g_test_skip (servers_error != NULL ? servers_error : "test servers unavailable");
  return FALSE;
}

static gboolean
imap_login (const char               *token,
            PetrelImapAuthMechanism   mechanism,
            GError                  **error)
{
  g_autoptr(PetrelImapClient) client = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  gboolean ok;

  client = petrel_imap_client_new (petrel_test_servers_get_host (servers),
                                   petrel_test_servers_get_imaps_port (servers),
                                   PETREL_IMAP_SECURITY_TLS);
  petrel_imap_client_set_tls_database (client, tls_database);
  petrel_imap_client_set_timeout (client, 20000);
  petrel_imap_client_set_auto_compress (client, FALSE);
  petrel_imap_client_set_user (client, petrel_test_servers_get_user (servers, 0));
  petrel_imap_client_set_oauth_token (client, token);
  petrel_imap_client_set_auth_mechanism (client, mechanism);

  petrel_imap_client_connect_async (client, NULL, store_result_cb, &result);
  ok = petrel_imap_client_connect_finish (client, wait_result (&result), error);
  if (ok)
    g_assert_cmpint (petrel_imap_client_get_state (client), ==,
                     PETREL_IMAP_CLIENT_STATE_AUTHENTICATED);
  petrel_imap_client_close (client);

  return ok;
}

static gboolean
smtp_login (const char  *token,
            char       **mechanism,
            GError     **error)
{
  g_autoptr(PetrelSmtpClient) client = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  gboolean ok;

  client = petrel_smtp_client_new (petrel_test_servers_get_host (servers),
                                   petrel_test_servers_get_smtps_port (servers),
                                   PETREL_SMTP_SECURITY_TLS);
  petrel_smtp_client_set_tls_database (client, tls_database);
  petrel_smtp_client_set_timeout (client, 20000);
  petrel_smtp_client_set_oauth2_token (client, petrel_test_servers_get_user (servers, 0), token);

  petrel_smtp_client_connect_async (client, NULL, store_result_cb, &result);
  ok = petrel_smtp_client_connect_finish (client, wait_result (&result), error);
  if (mechanism != NULL)
    *mechanism = g_strdup (petrel_smtp_client_get_auth_mechanism_used (client));

  return ok;
}

/* ---- Providers and helpers ------------------------------------------------------------------ */

static void
test_providers_builtin (void)
{
  g_autoptr(PetrelOAuth2Provider) google = petrel_oauth2_providers_lookup ("google");
  g_autoptr(PetrelOAuth2Provider) microsoft = petrel_oauth2_providers_lookup ("microsoft");
  g_autoptr(GPtrArray) all = petrel_oauth2_providers_list ();
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (google);
  g_assert_nonnull (microsoft);
  g_assert_cmpuint (all->len, >=, 2);
  g_assert_true (g_ptr_array_index (all, 0) == google);
  g_assert_true (g_ptr_array_index (all, 1) == microsoft);

  g_assert_cmpstr (petrel_oauth2_provider_get_scopes (google), ==, "https://mail.google.com/");
  g_assert_cmpstr (petrel_oauth2_provider_get_scopes (microsoft), ==,
                   "https://outlook.office.com/IMAP.AccessAsUser.All "
                   "https://outlook.office.com/SMTP.Send offline_access");
  g_assert_cmpstr (petrel_oauth2_provider_get_authorization_endpoint (google), ==,
                   "https://accounts.google.com/o/oauth2/v2/auth");
  g_assert_cmpstr (petrel_oauth2_provider_get_token_endpoint (google), ==,
                   "https://oauth2.googleapis.com/token");
  g_assert_cmpstr (petrel_oauth2_provider_get_token_endpoint (microsoft), ==,
                   "https://login.microsoftonline.com/common/oauth2/v2.0/token");
  g_assert_cmpint (petrel_oauth2_provider_get_mechanism (microsoft), ==,
                   PETREL_OAUTH2_MECHANISM_XOAUTH2);
  g_assert_cmpstr (petrel_oauth2_mechanism_to_string (PETREL_OAUTH2_MECHANISM_OAUTHBEARER), ==,
                   "OAUTHBEARER");
  g_assert_true (petrel_oauth2_provider_get_refresh_sends_scope (microsoft));
  g_assert_false (petrel_oauth2_provider_get_refresh_sends_scope (google));

  /* The build's client ids (empty by default: then none). */
  g_assert_cmpstr (petrel_oauth2_provider_get_client_id (google), ==,
                   PETREL_OAUTH2_GOOGLE_CLIENT_ID[0] != '\0' ? PETREL_OAUTH2_GOOGLE_CLIENT_ID
                                                             : NULL);
  g_assert_cmpstr (petrel_oauth2_provider_get_client_id (microsoft), ==,
                   PETREL_OAUTH2_MICROSOFT_CLIENT_ID[0] != '\0'
                     ? PETREL_OAUTH2_MICROSOFT_CLIENT_ID : NULL);

  /* Every built-in endpoint is HTTPS. */
  for (guint i = 0; i < 2; i++)
    {
      PetrelOAuth2Provider *provider = g_ptr_array_index (all, i);

      g_assert_true (g_str_has_prefix (petrel_oauth2_provider_get_authorization_endpoint (provider),
                                       "https://"));
      g_assert_true (g_str_has_prefix (petrel_oauth2_provider_get_token_endpoint (provider),
                                       "https://"));
    }

  /* Built-ins cannot be replaced or removed. */
  g_assert_false (petrel_oauth2_providers_unregister ("google"));
  {
    g_autoptr(PetrelOAuth2Provider) fake =
      petrel_oauth2_provider_new ("google", "Fake", "https://127.0.0.1/a", "https://127.0.0.1/t",
                                  "x", PETREL_OAUTH2_MECHANISM_XOAUTH2);

    g_assert_false (petrel_oauth2_providers_register (fake, &error));
    g_assert_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_INVALID_PROVIDER);
    g_clear_error (&error);
  }
  {
    g_autoptr(PetrelOAuth2Provider) bad =
      petrel_oauth2_provider_new ("bad id", "Bad", "https://127.0.0.1/a", "https://127.0.0.1/t",
                                  "x", PETREL_OAUTH2_MECHANISM_XOAUTH2);

    g_assert_false (petrel_oauth2_providers_register (bad, &error));
    g_assert_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_INVALID_PROVIDER);
    g_clear_error (&error);
  }
  {
    g_autoptr(PetrelOAuth2Provider) ftp =
      petrel_oauth2_provider_new ("ftp", "FTP", "ftp://127.0.0.1/a", "https://127.0.0.1/t",
                                  "x", PETREL_OAUTH2_MECHANISM_XOAUTH2);

    g_assert_false (petrel_oauth2_providers_register (ftp, &error));
    g_assert_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_INVALID_PROVIDER);
    g_clear_error (&error);
  }
  g_assert_null (petrel_oauth2_providers_lookup ("ftp"));
  g_assert_null (petrel_oauth2_providers_lookup ("nonexistent"));
}

static void
test_providers_matching (void)
{
  static const struct
  {
    const char *address;
    const char *provider;
  } addresses[] = {
    { "someone@gmail.com", "google" },
    { "Someone@GoogleMail.com", "google" },
    { "someone@gmail.com.", "google" },
    { "someone@outlook.com", "microsoft" },
    { "someone@hotmail.co.uk", "microsoft" },
    { "someone@live.com", "microsoft" },
    { "someone@example.org", NULL },
    { "someone@notgmail.com", NULL },
    { "someone@gmail.com.evil.example", NULL },
    { "no-at-sign", NULL },
  };
  static const struct
  {
    const char *host;
    const char *provider;
  } hosts[] = {
    { "aspmx.l.google.com", "google" },
    { "ALT1.ASPMX.L.GOOGLE.COM.", "google" },
    { "smtp.google.com", "google" },
    { "imap.gmail.com", "google" },
    { "example-org.mail.protection.outlook.com", "microsoft" },
    { "hotmail-com.olc.protection.outlook.com", "microsoft" },
    { "outlook.office365.com", "microsoft" },
    { "smtp.office365.com", "microsoft" },
    { "evilgoogle.com", NULL },
    { "google.com.evil.example", NULL },
    { "mx.example.org", NULL },
    { "127.0.0.1", NULL },
    { "", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (addresses); i++)
    {
      g_autoptr(PetrelOAuth2Provider) provider =
        petrel_oauth2_providers_find_for_address (addresses[i].address);

      g_test_message ("address %s", addresses[i].address);
      g_assert_cmpstr (provider != NULL ? petrel_oauth2_provider_get_id (provider) : NULL, ==,
                       addresses[i].provider);
    }

  for (guint i = 0; i < G_N_ELEMENTS (hosts); i++)
    {
      g_autoptr(PetrelOAuth2Provider) provider =
        petrel_oauth2_providers_find_for_host (hosts[i].host);

      g_test_message ("host %s", hosts[i].host);
      g_assert_cmpstr (provider != NULL ? petrel_oauth2_provider_get_id (provider) : NULL, ==,
                       hosts[i].provider);
    }

  g_assert_null (petrel_oauth2_providers_find_for_address (NULL));
  g_assert_null (petrel_oauth2_providers_find_for_host (NULL));
}

static void
test_providers_file (void)
{
  g_autofree char *dir = g_dir_make_tmp ("petrel-providers-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "oauth2-providers.ini", NULL);
  g_autoptr(PetrelOAuth2Provider) provider = NULL;
  g_autoptr(PetrelOAuth2Provider) google = NULL;
  g_autoptr(GError) error = NULL;

  /* A deployment's own provider, with its mail servers. */
  g_assert_true (g_file_set_contents (path,
                                      "[Provider corp-sso]\n"
                                      "Name=Corp SSO\n"
                                      "AuthorizationEndpoint=https://sso.corp.example/authorize\n"
                                      "TokenEndpoint=https://sso.corp.example/token\n"
                                      "Scopes=mail offline_access\n"
                                      "Mechanism=oauthbearer\n"
                                      "ClientId=petrel\n"
                                      "Domains=corp.example;\n"
                                      "Imap=imap.corp.example:993\n"
                                      "Smtp=smtp.corp.example:587\n"
                                      "SmtpSecurity=starttls\n"
                                      "[Other]\n"
                                      "Ignored=yes\n", -1, NULL));
  g_assert_true (petrel_oauth2_providers_load_file (path, &error));
  g_assert_no_error (error);
  provider = petrel_oauth2_providers_lookup ("corp-sso");
  g_assert_nonnull (provider);
  g_assert_cmpstr (petrel_oauth2_provider_get_name (provider), ==, "Corp SSO");
  g_assert_cmpint (petrel_oauth2_provider_get_mechanism (provider), ==,
                   PETREL_OAUTH2_MECHANISM_OAUTHBEARER);
  g_assert_cmpstr (petrel_oauth2_provider_get_client_id (provider), ==, "petrel");
  g_assert_true (petrel_oauth2_provider_matches_domain (provider, "corp.example"));
  g_assert_cmpstr (petrel_oauth2_provider_get_server_host (provider, PETREL_ACCOUNT_SERVER_IMAP),
                   ==, "imap.corp.example");
  g_assert_cmpuint (petrel_oauth2_provider_get_server_port (provider, PETREL_ACCOUNT_SERVER_IMAP),
                    ==, 993);
  g_assert_cmpint (petrel_oauth2_provider_get_server_security (provider,
                                                               PETREL_ACCOUNT_SERVER_IMAP),
                   ==, PETREL_CONNECTION_SECURITY_TLS);
  g_assert_cmpuint (petrel_oauth2_provider_get_server_port (provider, PETREL_ACCOUNT_SERVER_SMTP),
                    ==, 587);
  g_assert_cmpint (petrel_oauth2_provider_get_server_security (provider,
                                                               PETREL_ACCOUNT_SERVER_SMTP),
                   ==, PETREL_CONNECTION_SECURITY_STARTTLS);

  /* Loading it again is harmless: the registered one stays. */
  g_assert_true (petrel_oauth2_providers_load_file (path, &error));
  g_assert_no_error (error);
  g_assert_true (petrel_oauth2_providers_unregister ("corp-sso"));

  /* The built-in providers know their servers. */
  google = petrel_oauth2_providers_lookup (PETREL_OAUTH2_PROVIDER_GOOGLE);
  g_assert_cmpstr (petrel_oauth2_provider_get_server_host (google, PETREL_ACCOUNT_SERVER_IMAP),
                   ==, "imap.gmail.com");
  g_assert_cmpuint (petrel_oauth2_provider_get_server_port (google, PETREL_ACCOUNT_SERVER_SMTP),
                    ==, 465);

  /* Bad files are errors, never warnings. */
  g_assert_true (g_file_set_contents (path,
                                      "[Provider bad-mech]\n"
                                      "AuthorizationEndpoint=https://a.example/a\n"
                                      "TokenEndpoint=https://a.example/t\n"
                                      "Scopes=x\n"
                                      "Mechanism=plain\n", -1, NULL));
  g_assert_false (petrel_oauth2_providers_load_file (path, &error));
  g_assert_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_INVALID_PROVIDER);
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (path,
                                      "[Provider bad-port]\n"
                                      "AuthorizationEndpoint=https://a.example/a\n"
                                      "TokenEndpoint=https://a.example/t\n"
                                      "Scopes=x\n"
                                      "Imap=imap.a.example:99999\n", -1, NULL));
  g_assert_false (petrel_oauth2_providers_load_file (path, &error));
  g_assert_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_INVALID_PROVIDER);
  g_clear_error (&error);
  g_assert_null (petrel_oauth2_providers_lookup ("bad-port"));

  g_assert_true (g_file_set_contents (path,
                                      "[Provider no-token]\n"
                                      "AuthorizationEndpoint=https://a.example/a\n", -1, NULL));
  g_assert_false (petrel_oauth2_providers_load_file (path, &error));
  g_assert_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_INVALID_PROVIDER);
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (path, "[Provider ../x]\nScopes=x\n", -1, NULL));
  g_assert_false (petrel_oauth2_providers_load_file (path, &error));
  g_assert_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_INVALID_PROVIDER);
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (path, "not a key file\x01", -1, NULL));
  g_assert_false (petrel_oauth2_providers_load_file (path, &error));
  g_assert_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE);
  g_clear_error (&error);

  g_unlink (path);
  g_assert_false (petrel_oauth2_providers_load_file (path, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_rmdir (dir);
}

static void
test_pkce (void)
{
  static const guchar vector_bytes[] = {
    116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186,
    22, 212, 37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
  };
  g_autofree char *verifier = NULL;
  g_autofree char *challenge = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GError) error = NULL;

  /* RFC 7636 appendix B. */
  verifier = _petrel_oauth2_base64url (vector_bytes, sizeof vector_bytes);
  g_assert_cmpstr (verifier, ==, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
  challenge = _petrel_oauth2_compute_challenge (verifier);
  g_assert_cmpstr (challenge, ==, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");

  /* Verifiers: 43 characters of the unreserved set (RFC 7636 4.1), never the same twice. */
  for (guint i = 0; i < 64; i++)
    {
      char *random = _petrel_oauth2_random_string (32, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (strlen (random), ==, 43);
      for (const char *p = random; *p != '\0'; p++)
        g_assert_true (g_ascii_isalnum (*p) || *p == '-' || *p == '_');
      g_assert_true (g_hash_table_add (seen, random));
    }
}

static void
test_endpoints (void)
{
  static const struct
  {
    const char *url;
    int code;     /* -1: allowed */
  } cases[] = {
    { "https://oauth2.example.org/token", -1 },
    { "http://127.0.0.1:8080/token", -1 },
    { "http://127.1.2.3/token", -1 },
    { "http://[::1]:8080/token", -1 },
    { "http://localhost:8080/token", PETREL_OAUTH2_ERROR_INSECURE },
    { "http://oauth2.example.org/token", PETREL_OAUTH2_ERROR_INSECURE },
    { "http://192.0.2.1/token", PETREL_OAUTH2_ERROR_INSECURE },
    { "ftp://127.0.0.1/token", PETREL_OAUTH2_ERROR_INSECURE },
    { "not a url", PETREL_OAUTH2_ERROR_INVALID_PROVIDER },
    { "", PETREL_OAUTH2_ERROR_INVALID_PROVIDER },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      gboolean ok = _petrel_oauth2_check_endpoint (cases[i].url, &error);

      g_test_message ("endpoint %s", cases[i].url);
      if (cases[i].code < 0)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
        }
      else
        {
          g_assert_error (error, PETREL_OAUTH2_ERROR, cases[i].code);
          g_assert_false (ok);
        }
    }
}

static void
test_token_response (void)
{
  static const struct
  {
    const char *name;
    guint       status;
    const char *body;
    gboolean    refreshing;
    int         code;          /* -1: a token */
    const char *message_part;
  } cases[] = {
    { "full", 200, "{\"access_token\":\"ya29.a0\",\"token_type\":\"Bearer\",\"expires_in\":3599,"
      "\"refresh_token\":\"1//0g\",\"scope\":\"https://mail.google.com/\"}", FALSE, -1, NULL },
    { "minimal", 200, "{\"access_token\":\"abc\"}", FALSE, -1, NULL },
    { "expiry as string", 200, "{\"access_token\":\"abc\",\"expires_in\":\"120\"}", TRUE, -1,
      NULL },
    { "lower-case bearer", 200, "{\"access_token\":\"abc\",\"token_type\":\"bearer\"}", FALSE,
      -1, NULL },
    { "revoked", 400, "{\"error\":\"invalid_grant\",\"error_description\":\"Token has been "
      "expired or revoked.\"}", TRUE, PETREL_OAUTH2_ERROR_REVOKED, "expired or revoked" },
    { "bad code", 400, "{\"error\":\"invalid_grant\"}", FALSE,
      PETREL_OAUTH2_ERROR_TOKEN_ENDPOINT, "sign-in code" },
    { "bad client", 401, "{\"error\":\"invalid_client\"}", TRUE,
      PETREL_OAUTH2_ERROR_TOKEN_ENDPOINT, "client id" },
    { "control chars in error", 400, "{\"error\":\"x\\u0007y\",\"error_description\":\"a\\nb\"}",
      TRUE, PETREL_OAUTH2_ERROR_TOKEN_ENDPOINT, "x?y: a?b" },
    { "http error", 503, "Service Unavailable", FALSE, PETREL_OAUTH2_ERROR_TOKEN_ENDPOINT,
      "HTTP 503" },
    { "not json", 200, "<html></html>", FALSE, PETREL_OAUTH2_ERROR_TOKEN_ENDPOINT,
      "not a JSON object" },
    { "array", 200, "[1, 2]", FALSE, PETREL_OAUTH2_ERROR_TOKEN_ENDPOINT, "not a JSON object" },
    { "no token", 200, "{\"token_type\":\"Bearer\"}", FALSE, PETREL_OAUTH2_ERROR_TOKEN_ENDPOINT,
      "no usable access token" },
    { "number token", 200, "{\"access_token\":42}", FALSE, PETREL_OAUTH2_ERROR_TOKEN_ENDPOINT,
      "no usable access token" },
    { "token with space", 200, "{\"access_token\":\"a b\"}", FALSE,
      PETREL_OAUTH2_ERROR_TOKEN_ENDPOINT, "no usable access token" },
    { "token with SOH", 200, "{\"access_token\":\"a\\u0001auth=x\"}", FALSE,
      PETREL_OAUTH2_ERROR_TOKEN_ENDPOINT, "no usable access token" },
    { "mac token", 200, "{\"access_token\":\"abc\",\"token_type\":\"mac\"}", FALSE,
      PETREL_OAUTH2_ERROR_TOKEN_ENDPOINT, "not a Bearer token" },
    { "bad refresh", 200, "{\"access_token\":\"abc\",\"refresh_token\":\"\"}", FALSE,
      PETREL_OAUTH2_ERROR_TOKEN_ENDPOINT, "unusable refresh token" },
    { "bad expiry", 200, "{\"access_token\":\"abc\",\"expires_in\":\"soon\"}", FALSE,
      PETREL_OAUTH2_ERROR_TOKEN_ENDPOINT, "expiry" },
    { "empty", 200, "", FALSE, PETREL_OAUTH2_ERROR_TOKEN_ENDPOINT, "not a JSON object" },
    { "not UTF-8", 200, "{\"access_token\":\"\xff\"}", FALSE, PETREL_OAUTH2_ERROR_TOKEN_ENDPOINT,
      "not a JSON object" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(PetrelOAuth2Token) token = NULL;
      g_autoptr(GError) error = NULL;

      g_test_message ("token response: %s", cases[i].name);
      token = _petrel_oauth2_parse_token_response ("auth.example.test", cases[i].status,
                                                   cases[i].body, strlen (cases[i].body),
                                                   cases[i].refreshing, &error);
      if (cases[i].code < 0)
        {
          g_assert_no_error (error);
          g_assert_nonnull (token);
        }
      else
        {
          g_assert_error (error, PETREL_OAUTH2_ERROR, cases[i].code);
          g_assert_null (token);
          g_assert_nonnull (strstr (error->message, cases[i].message_part));
          g_assert_nonnull (strstr (error->message, "auth.example.test"));
        }
    }

  /* The fields of a full answer; a missing expiry means an hour, a huge one is capped. */
  {
    const char *body = "{\"access_token\":\"ya29.a0\",\"expires_in\":3599,\"refresh_token\":"
                       "\"1//0g\",\"scope\":\"https://mail.google.com/\"}";
    g_autoptr(PetrelOAuth2Token) token = NULL;
    g_autoptr(PetrelOAuth2Token) copy = NULL;
    gint64 now = g_get_real_time () / G_USEC_PER_SEC;

    token = _petrel_oauth2_parse_token_response ("h", 200, body, strlen (body), FALSE, NULL);
    g_assert_cmpstr (petrel_oauth2_token_get_access_token (token), ==, "ya29.a0");
    g_assert_cmpstr (petrel_oauth2_token_get_refresh_token (token), ==, "1//0g");
    g_assert_cmpstr (petrel_oauth2_token_get_scope (token), ==, "https://mail.google.com/");
    g_assert_cmpint (petrel_oauth2_token_get_expires_at (token), >=, now + 3599);
    g_assert_cmpint (petrel_oauth2_token_get_expires_at (token), <=,
                     g_get_real_time () / G_USEC_PER_SEC + 3599);
    copy = petrel_oauth2_token_copy (token);
    g_assert_cmpstr (petrel_oauth2_token_get_access_token (copy), ==, "ya29.a0");
    g_assert_cmpint (petrel_oauth2_token_get_expires_at (copy), ==,
                     petrel_oauth2_token_get_expires_at (token));
  }
  {
    const char *body = "{\"access_token\":\"abc\"}";
    g_autoptr(PetrelOAuth2Token) token = NULL;
    gint64 now = g_get_real_time () / G_USEC_PER_SEC;

    token = _petrel_oauth2_parse_token_response ("h", 200, body, strlen (body), FALSE, NULL);
    g_assert_null (petrel_oauth2_token_get_refresh_token (token));
    g_assert_cmpint (petrel_oauth2_token_get_expires_at (token), >=, now + 3600);
  }
  {
    const char *body = "{\"access_token\":\"abc\",\"expires_in\":99999999999}";
    g_autoptr(PetrelOAuth2Token) token = NULL;
    gint64 now = g_get_real_time () / G_USEC_PER_SEC;

    token = _petrel_oauth2_parse_token_response ("h", 200, body, strlen (body), FALSE, NULL);
    g_assert_cmpint (petrel_oauth2_token_get_expires_at (token), <=, now + 367 * 24 * 3600);
  }
}

static void
test_account_config (void)
{
  g_autoptr(PetrelAccountConfig) config = NULL;
  g_autoptr(PetrelAccountConfig) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *data_dir = g_dir_make_tmp ("petrel-oauth2-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;

  g_assert_no_error (error);

  config = petrel_account_config_new ("gmail");
  petrel_account_config_set_email_address (config, "someone@gmail.com");
  petrel_account_config_set_imap_host (config, "imap.gmail.com");
  petrel_account_config_set_smtp_host (config, "smtp.gmail.com");
  petrel_account_config_set_auth_mechanism (config, PETREL_AUTH_MECHANISM_OAUTH2);

  /* OAuth2 without a provider is refused. */
  g_assert_false (petrel_account_config_validate (config, &error));
  g_assert_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_VALUE);
  g_assert_nonnull (strstr (error->message, "OAuth2Provider"));
  g_clear_error (&error);

  petrel_account_config_set_oauth2_provider (config, "google");
  petrel_account_config_set_oauth2_client_id (config, "bad client id");
  g_assert_false (petrel_account_config_validate (config, &error));
  g_assert_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_VALUE);
  g_clear_error (&error);

  petrel_account_config_set_oauth2_client_id (config, "1234-abc.apps.googleusercontent.com");
  g_assert_true (petrel_account_config_validate (config, &error));
  g_assert_no_error (error);

  g_assert_true (petrel_account_config_save (config, data_dir, &error));
  g_assert_no_error (error);

  path = g_build_filename (data_dir, "accounts", "gmail", "account.ini", NULL);
  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (contents, "AuthMechanism=oauth2\n"));
  g_assert_nonnull (strstr (contents, "OAuth2Provider=google\n"));
  g_assert_nonnull (strstr (contents, "OAuth2ClientId=1234-abc.apps.googleusercontent.com\n"));

  loaded = petrel_account_config_load (data_dir, "gmail", &error);
  g_assert_no_error (error);
  g_assert_cmpint (petrel_account_config_get_auth_mechanism (loaded), ==,
                   PETREL_AUTH_MECHANISM_OAUTH2);
  g_assert_cmpstr (petrel_account_config_get_oauth2_provider (loaded), ==, "google");
  g_assert_cmpstr (petrel_account_config_get_oauth2_client_id (loaded), ==,
                   "1234-abc.apps.googleusercontent.com");

  /* The account's provider and client id as get_access_token uses them. */
  {
    g_autoptr(PetrelOAuth2Provider) provider = petrel_oauth2_dup_account_provider (loaded, &error);
    g_autofree char *client_id = NULL;

    g_assert_no_error (error);
    g_assert_cmpstr (petrel_oauth2_provider_get_id (provider), ==, "google");
    client_id = petrel_oauth2_dup_account_client_id (loaded, provider, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (client_id, ==, "1234-abc.apps.googleusercontent.com");
  }

  /* Back to password: the OAuth2 keys go when cleared. */
  petrel_account_config_set_auth_mechanism (loaded, PETREL_AUTH_MECHANISM_PASSWORD);
  petrel_account_config_set_oauth2_provider (loaded, NULL);
  petrel_account_config_set_oauth2_client_id (loaded, NULL);
  g_assert_true (petrel_account_config_save (loaded, data_dir, &error));
  g_assert_no_error (error);
  g_clear_pointer (&contents, g_free);
  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (contents, "AuthMechanism=password\n"));
  g_assert_null (strstr (contents, "OAuth2"));

  g_assert_true (petrel_account_config_remove (data_dir, "gmail", &error));
  g_assert_no_error (error);
  g_rmdir (data_dir);
}

/* ---- Authorization ------------------------------------------------------------------------- */

static void
test_authorize (void)
{
  g_autoptr(PetrelOAuth2Provider) provider = dup_test_provider ();
  g_autoptr(PetrelOAuth2Token) token = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(Browser) browser;

  auth_reset ();
  browser_init (&browser);

  token = authorize (provider, TEST_CLIENT_ID, &browser, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (token);

  /* What the browser was sent to. */
  g_assert_true (g_str_has_prefix (browser.authorize_url, auth.base));
  g_assert_nonnull (strstr (browser.authorize_url, "code_challenge_method=S256"));
  g_assert_cmpuint (auth.n_authorize, ==, 1);
  g_assert_cmpuint (auth.n_authorize_bad, ==, 0);
  g_assert_cmpstr (auth.seen_login_hint, ==, TEST_USER "@example.test");
  g_assert_cmpstr (auth.seen_scope, ==, TEST_SCOPES);

  /* The code went back with the matching verifier, once. */
  g_assert_cmpuint (auth.n_code_grants, ==, 1);
  g_assert_cmpuint (auth.n_pkce_failures, ==, 0);
  g_assert_null (auth.seen_client_secret);
  g_assert_cmpuint (g_hash_table_size (auth.grants), ==, 0);

  g_assert_cmpstr (petrel_oauth2_token_get_access_token (token), ==, auth.last_access_token);
  g_assert_cmpstr (petrel_oauth2_token_get_refresh_token (token), ==, auth.last_refresh_token);
  g_assert_cmpstr (petrel_oauth2_token_get_scope (token), ==, TEST_SCOPES);
  g_assert_cmpint (petrel_oauth2_token_get_expires_at (token), >,
                   g_get_real_time () / G_USEC_PER_SEC + 3000);

  /* The browser ends on Petrel's page, which says it can be closed. */
  wait_for (&browser.done);
  g_assert_null (browser.error);
  g_assert_cmpuint (browser.status, ==, SOUP_STATUS_OK);
  g_assert_nonnull (strstr (browser.page, "You can close this window."));
  g_assert_nonnull (strstr (browser.page, "signed in"));
}

/* The listener is gone once the flow is over: a late visit is refused. */
static void
assert_redirect_closed (Browser *browser)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GHashTable) params = NULL;
  g_autoptr(GError) error = NULL;
  const char *redirect_uri;

  drain_main_context ();

  uri = g_uri_parse (browser->authorize_url, G_URI_FLAGS_NONE, &error);
  g_assert_no_error (error);
  params = g_uri_parse_params (g_uri_get_query (uri), -1, "&", G_URI_PARAMS_NONE, &error);
  g_assert_no_error (error);
  redirect_uri = g_hash_table_lookup (params, "redirect_uri");
  g_assert_true (g_str_has_prefix (redirect_uri, "http://127.0.0.1:"));

  g_assert_cmpuint (fetch_full (browser->session, redirect_uri, &error), ==, 0);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
}

static void
test_authorize_denied (void)
{
  g_autoptr(PetrelOAuth2Provider) provider = dup_test_provider ();
  g_autoptr(PetrelOAuth2Token) token = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(Browser) browser;

  auth_reset ();
  auth.authorize_mode = AUTHORIZE_DENY;
  browser_init (&browser);

  token = authorize (provider, TEST_CLIENT_ID, &browser, NULL, &error);
  g_assert_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_DENIED);
  g_assert_null (token);
  g_assert_nonnull (strstr (error->message, "The user said no"));
  g_assert_cmpuint (auth.n_code_grants, ==, 0);

  wait_for (&browser.done);
  g_assert_nonnull (strstr (browser.page, "Sign-in failed"));
  g_assert_nonnull (strstr (browser.page, "You can close this window."));
  assert_redirect_closed (&browser);
}

static void
test_authorize_wrong_state (void)
{
  g_autoptr(PetrelOAuth2Provider) provider = dup_test_provider ();
  g_autoptr(PetrelOAuth2Token) token = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(Browser) browser;

  auth_reset ();
  auth.authorize_mode = AUTHORIZE_WRONG_STATE;
  browser_init (&browser);

  token = authorize (provider, TEST_CLIENT_ID, &browser, NULL, &error);
  g_assert_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_BAD_STATE);
  g_assert_null (token);

  /* The forged redirect's code was never used. */
  g_assert_cmpuint (auth.n_code_grants, ==, 0);
  g_assert_cmpuint (g_hash_table_size (auth.grants), ==, 1);
  g_hash_table_remove_all (auth.grants);

  wait_for (&browser.done);
  g_assert_nonnull (strstr (browser.page, "Sign-in failed"));
  assert_redirect_closed (&browser);
}

static void
test_authorize_stray_visit (void)
{
  g_autoptr(PetrelOAuth2Provider) provider = dup_test_provider ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(PetrelOAuth2Token) token = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GHashTable) params = NULL;
  g_auto(Browser) browser;
  const char *redirect_uri;

  /* A visit without the provider's answer (a person opening the address, a favicon) does not
   * end the sign-in; the real redirect afterwards still works. */
  auth_reset ();
  auth.authorize_mode = AUTHORIZE_NO_REDIRECT;
  browser_init (&browser);

  petrel_oauth2_authorize_async (provider, TEST_CLIENT_ID, NULL, browser_launch, &browser, NULL,
                                 store_result_cb, &result);
  wait_for (&browser.done);

  uri = g_uri_parse (browser.authorize_url, G_URI_FLAGS_NONE, &error);
  g_assert_no_error (error);
  params = g_uri_parse_params (g_uri_get_query (uri), -1, "&", G_URI_PARAMS_NONE, &error);
  g_assert_no_error (error);
  redirect_uri = g_hash_table_lookup (params, "redirect_uri");
  g_assert_null (g_hash_table_lookup (params, "login_hint"));

  {
    g_autofree char *favicon_uri = g_strconcat (redirect_uri, "favicon.ico", NULL);

    g_assert_cmpuint (fetch (browser.session, redirect_uri), ==, SOUP_STATUS_BAD_REQUEST);
    g_assert_cmpuint (fetch (browser.session, favicon_uri), ==, SOUP_STATUS_NOT_FOUND);
  }
  g_assert_null (result);

  /* Now the provider's answer, as the browser would bring it. */
  {
    g_autoptr(SoupMessage) msg = NULL;
    g_autoptr(GBytes) bytes = NULL;
    g_autofree char *code = new_secret ("code-");
    g_autofree char *location = NULL;
    Grant *grant = g_new0 (Grant, 1);

    grant->challenge = g_strdup (g_hash_table_lookup (params, "code_challenge"));
    grant->redirect_uri = g_strdup (redirect_uri);
    grant->client_id = g_strdup (TEST_CLIENT_ID);
    g_hash_table_insert (auth.grants, g_strdup (code), grant);

    location = g_strdup_printf ("%s?code=%s&state=%s", redirect_uri, code,
                                (const char *) g_hash_table_lookup (params, "state"));
    msg = soup_message_new ("GET", location);
    soup_session_send_and_read_async (browser.session, msg, G_PRIORITY_DEFAULT, NULL, NULL,
                                      NULL);
    token = petrel_oauth2_authorize_finish (wait_result (&result), &error);
    g_assert_no_error (error);
    g_assert_cmpstr (petrel_oauth2_token_get_access_token (token), ==, auth.last_access_token);
  }
}

static void
test_authorize_timeout (void)
{
  g_autoptr(PetrelOAuth2Provider) provider = dup_test_provider ();
  g_autoptr(PetrelOAuth2Token) token = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(Browser) browser;

  auth_reset ();
  auth.authorize_mode = AUTHORIZE_NO_REDIRECT;
  petrel_oauth2_set_timeouts (300, 0);
  browser_init (&browser);

  token = authorize (provider, TEST_CLIENT_ID, &browser, NULL, &error);
  g_assert_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_TIMED_OUT);
  g_assert_null (token);
  g_assert_nonnull (strstr (error->message, "300 ms"));
  g_assert_cmpuint (auth.n_code_grants, ==, 0);

  wait_for (&browser.done);
  assert_redirect_closed (&browser);
}

static void
test_authorize_slow_token_endpoint (void)
{
  g_autoptr(PetrelOAuth2Provider) provider = dup_test_provider ();
  g_autoptr(PetrelOAuth2Token) token = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(Browser) browser;

  auth_reset ();
  auth.token_mode = TOKEN_SLOW;
  petrel_oauth2_set_timeouts (0, 300);
  browser_init (&browser);

  token = authorize (provider, TEST_CLIENT_ID, &browser, NULL, &error);
  g_assert_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_TIMED_OUT);
  g_assert_null (token);
  g_assert_nonnull (strstr (error->message, "127.0.0.1"));
  g_assert_cmpuint (auth.n_code_grants, ==, 1);

  /* The page tells the person it did not work. */
  wait_for (&browser.done);
  g_assert_cmpuint (browser.status, ==, SOUP_STATUS_OK);
  g_assert_nonnull (strstr (browser.page, "Sign-in failed"));
  g_assert_nonnull (strstr (browser.page, "did not answer"));
  assert_redirect_closed (&browser);
  auth_reset ();
}

static void
test_authorize_token_errors (void)
{
  static const TokenMode modes[] = { TOKEN_ERROR_500, TOKEN_GARBAGE };
  g_autoptr(PetrelOAuth2Provider) provider = dup_test_provider ();

  for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      g_autoptr(PetrelOAuth2Token) token = NULL;
      g_autoptr(GError) error = NULL;
      g_auto(Browser) browser;

      auth_reset ();
      auth.token_mode = modes[i];
      browser_init (&browser);

      token = authorize (provider, TEST_CLIENT_ID, &browser, NULL, &error);
      g_assert_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_TOKEN_ENDPOINT);
      g_assert_null (token);
      g_assert_nonnull (strstr (error->message, modes[i] == TOKEN_ERROR_500 ? "HTTP 500"
                                                                            : "not a JSON"));
      wait_for (&browser.done);
    }
}

static void
test_authorize_cancel (void)
{
  g_autoptr(PetrelOAuth2Provider) provider = dup_test_provider ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(PetrelOAuth2Token) token = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(Browser) browser;

  auth_reset ();
  auth.authorize_mode = AUTHORIZE_NO_REDIRECT;
  browser_init (&browser);

  petrel_oauth2_authorize_async (provider, TEST_CLIENT_ID, NULL, browser_launch, &browser,
                                 cancellable, store_result_cb, &result);
  wait_for (&browser.done);
  g_assert_null (result);

  g_cancellable_cancel (cancellable);
  token = petrel_oauth2_authorize_finish (wait_result (&result), &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (token);
  assert_redirect_closed (&browser);

  /* Cancelled before it starts: no listener, no browser. */
  {
    g_autoptr(GAsyncResult) result2 = NULL;
    g_auto(Browser) browser2;

    browser_init (&browser2);
    g_clear_error (&error);
    petrel_oauth2_authorize_async (provider, TEST_CLIENT_ID, NULL, browser_launch, &browser2,
                                   cancellable, store_result_cb, &result2);
    g_assert_null (petrel_oauth2_authorize_finish (wait_result (&result2), &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_assert_null (browser2.authorize_url);
  }
}

static void
test_authorize_no_browser (void)
{
  g_autoptr(PetrelOAuth2Provider) provider = dup_test_provider ();
  g_autoptr(PetrelOAuth2Token) token = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(Browser) browser;

  auth_reset ();
  browser_init (&browser);
  browser.fail_launch = TRUE;

  token = authorize (provider, TEST_CLIENT_ID, &browser, NULL, &error);
  g_assert_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_BROWSER);
  g_assert_nonnull (strstr (error->message, "No web browser here"));
  g_assert_cmpuint (auth.n_authorize, ==, 0);
  assert_redirect_closed (&browser);
}

static void
test_authorize_refusals (void)
{
  g_autoptr(PetrelOAuth2Provider) insecure = NULL;
  g_autoptr(PetrelOAuth2Provider) provider = dup_test_provider ();
  g_autoptr(PetrelOAuth2Token) token = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(Browser) browser;

  auth_reset ();
  browser_init (&browser);

  /* Plain http to anything but loopback: refused before any listener or browser. */
  insecure = petrel_oauth2_provider_new ("insecure", "Insecure",
                                         "http://auth.example.invalid/authorize",
                                         "http://auth.example.invalid/token", "x",
                                         PETREL_OAUTH2_MECHANISM_XOAUTH2);
  token = authorize (insecure, "client", &browser, NULL, &error);
  g_assert_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_INSECURE);
  g_assert_null (token);
  g_assert_null (browser.authorize_url);
  g_clear_error (&error);

  /* No client id from the account nor the provider. */
  token = authorize (provider, NULL, &browser, NULL, &error);
  g_assert_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_NO_CLIENT_ID);
  g_assert_null (browser.authorize_url);
}

static void
test_authorize_client_secret (void)
{
  g_autoptr(PetrelOAuth2Provider) provider = NULL;
  g_autoptr(GError) error = NULL;

  provider = petrel_oauth2_providers_lookup (TEST_PROVIDER "-default");
  g_assert_nonnull (provider);

  /* The provider's secret goes with its default client id... */
  {
    g_autoptr(PetrelOAuth2Token) token = NULL;
    g_auto(Browser) browser;

    auth_reset ();
    browser_init (&browser);
    token = authorize (provider, NULL, &browser, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (auth.seen_client_secret, ==, "not-really-secret");
    wait_for (&browser.done);
  }

  /* ...never with another one. */
  {
    g_autoptr(PetrelOAuth2Token) token = NULL;
    g_auto(Browser) browser;

    auth_reset ();
    browser_init (&browser);
    token = authorize (provider, "another-client", &browser, NULL, &error);
    g_assert_no_error (error);
    g_assert_null (auth.seen_client_secret);
    wait_for (&browser.done);
  }
}

/* ---- Sign-in, refresh and the mail servers -------------------------------------------------- */

static void
test_sign_in (void)
{
  g_autoptr(PetrelCredentials) credentials = petrel_memory_credentials_new ();
  g_autoptr(PetrelAccountConfig) config = new_account ();
  const char *id = petrel_account_config_get_id (config);
  g_autoptr(GError) error = NULL;
  g_autofree char *issued_access = NULL;
  g_autofree char *stored = NULL;
  char *token;

  auth_reset ();

  g_assert_true (sign_in (config, credentials, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (auth.n_code_grants, ==, 1);
  g_assert_cmpstr (auth.seen_login_hint, ==, TEST_USER "@example.test");
  issued_access = g_strdup (auth.last_access_token);

  /* The refresh token is in the credentials, under the OAuth2 service, labelled. */
  stored = lookup_refresh_token (credentials, id);
  g_assert_cmpstr (stored, ==, auth.last_refresh_token);
  g_assert_cmpstr (petrel_memory_credentials_get_label (PETREL_MEMORY_CREDENTIALS (credentials),
                                                        id,
                                                        PETREL_CREDENTIAL_SERVICE_OAUTH2_REFRESH),
                   ==, TEST_USER "@example.test");

  /* The access token of the sign-in is used as long as it is valid: no refresh. */
  token = get_access_token (config, credentials, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (token, ==, issued_access);
  petrel_credentials_secret_free (token);
  g_assert_cmpuint (auth.n_refresh_grants, ==, 0);

  /* A provider that gives no refresh token cannot keep Petrel signed in. */
  {
    g_autoptr(PetrelAccountConfig) other = new_account ();

    auth.send_refresh = FALSE;
    g_assert_false (sign_in (other, credentials, &error));
    g_assert_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_NO_REFRESH_TOKEN);
    g_clear_error (&error);
  }

  /* An account without a provider, or with one nobody registered. */
  {
    g_autoptr(PetrelAccountConfig) other = new_account ();

    petrel_account_config_set_oauth2_provider (other, "nonexistent");
    token = get_access_token (other, credentials, &error);
    g_assert_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_UNKNOWN_PROVIDER);
    g_assert_null (token);
    g_clear_error (&error);

    petrel_account_config_set_oauth2_provider (other, NULL);
    g_assert_false (sign_in (other, credentials, &error));
    g_assert_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_UNKNOWN_PROVIDER);
  }
}

static void
test_mail_servers (void)
{
  g_autoptr(PetrelCredentials) credentials = petrel_memory_credentials_new ();
  g_autoptr(PetrelAccountConfig) config = new_account ();
  g_autoptr(GError) error = NULL;
  g_autofree char *mechanism = NULL;
  char *token;

  if (!need_servers ())
    return;

  auth_reset ();

  /* Authorize -> tokens stored -> XOAUTH2 and OAUTHBEARER logins at Dovecot, which asks our
   * introspection endpoint about the token. */
  g_assert_true (sign_in (config, credentials, &error));
  g_assert_no_error (error);
  token = get_access_token (config, credentials, &error);
  g_assert_no_error (error);

  g_assert_true (imap_login (token, PETREL_IMAP_AUTH_XOAUTH2, &error));
  g_assert_no_error (error);
  g_assert_true (imap_login (token, PETREL_IMAP_AUTH_OAUTHBEARER, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (auth.n_introspect_active, ==, 2);

  /* SMTP submission, which checks tokens the same way. */
  g_assert_true (smtp_login (token, &mechanism, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (mechanism, ==, "OAUTHBEARER");
  g_assert_cmpuint (auth.n_introspect_active, ==, 3);
  petrel_credentials_secret_free (token);

  /* A token the server does not know is refused. (Dovecot's refusals are in
   * /petrel/oauth2/refresh/revoked: each one makes Dovecot slow down later logins from this
   * address, so there is only one, after the last successful login.) */
  g_assert_false (smtp_login ("at-made-up-token", NULL, &error));
  g_assert_error (error, PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_AUTH);
  g_assert_cmpuint (auth.n_introspect_active, ==, 3);
  g_assert_cmpuint (auth.n_introspect, ==, 4);
}

static void
test_refresh_expired (void)
{
  g_autoptr(PetrelCredentials) credentials = petrel_memory_credentials_new ();
  g_autoptr(PetrelAccountConfig) config = new_account ();
  const char *id = petrel_account_config_get_id (config);
  g_autoptr(GError) error = NULL;
  g_autofree char *first_access = NULL;
  g_autofree char *first_refresh = NULL;
  g_autofree char *stored = NULL;
  char *token;

  /* Tokens that expire within the margin are refreshed before use. */
  auth_reset ();
  auth.expires_in = PETREL_OAUTH2_EXPIRY_MARGIN_SECONDS / 2;

  g_assert_true (sign_in (config, credentials, &error));
  g_assert_no_error (error);
  first_access = g_strdup (auth.last_access_token);
  first_refresh = g_strdup (auth.last_refresh_token);

  token = get_access_token (config, credentials, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (auth.n_refresh_grants, ==, 1);
  g_assert_cmpstr (token, !=, first_access);
  g_assert_cmpstr (token, ==, auth.last_access_token);
  g_assert_null (auth.seen_refresh_scope);

  /* The server rotated the refresh token: the new one was stored back. */
  stored = lookup_refresh_token (credentials, id);
  g_assert_cmpstr (stored, !=, first_refresh);
  g_assert_cmpstr (stored, ==, auth.last_refresh_token);

  /* The refreshed token works at the mail server. */
  if (servers != NULL)
    {
      g_assert_true (imap_login (token, PETREL_IMAP_AUTH_XOAUTH2, &error));
      g_assert_no_error (error);
    }
  petrel_credentials_secret_free (token);

  /* Again: every call refreshes while tokens are this short-lived; without rotation the stored
   * refresh token stays. */
  auth.rotate = FALSE;
  g_clear_pointer (&stored, petrel_credentials_secret_free);
  token = get_access_token (config, credentials, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (auth.n_refresh_grants, ==, 2);
  petrel_credentials_secret_free (token);
  stored = lookup_refresh_token (credentials, id);
  g_assert_cmpstr (stored, ==, auth.last_refresh_token);

  /* Long-lived again: the next refresh's token is then kept. */
  auth.expires_in = 3600;
  token = get_access_token (config, credentials, &error);
  g_assert_no_error (error);
  petrel_credentials_secret_free (token);
  token = get_access_token (config, credentials, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (token, ==, auth.last_access_token);
  petrel_credentials_secret_free (token);
  g_assert_cmpuint (auth.n_refresh_grants, ==, 3);
}

static void
test_refresh_scope (void)
{
  g_autoptr(PetrelCredentials) credentials = petrel_memory_credentials_new ();
  g_autoptr(PetrelAccountConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  char *token;

  /* A provider like Microsoft's wants the scopes again on refresh. */
  auth_reset ();
  config = new_signed_in_account (credentials);
  petrel_account_config_set_oauth2_provider (config, TEST_PROVIDER "-default");
  petrel_account_config_set_oauth2_client_id (config, NULL);

  token = get_access_token (config, credentials, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (auth.seen_refresh_scope, ==, TEST_SCOPES);
  petrel_credentials_secret_free (token);
}

typedef struct
{
  gboolean  done;
  char     *token;
  GError   *error;
} TokenWait;

static void
token_wait_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  TokenWait *wait = user_data;

  wait->token = petrel_oauth2_get_access_token_finish (result, &wait->error);
  wait->done = TRUE;
}

static void
test_refresh_concurrent (void)
{
  g_autoptr(PetrelCredentials) credentials = petrel_memory_credentials_new ();
  g_autoptr(PetrelAccountConfig) config = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  TokenWait a = { 0 }, b = { 0 }, c = { 0 };

  auth_reset ();
  config = new_signed_in_account (credentials);

  /* Three connections want a token at once (IMAP, IDLE, SMTP): one refresh serves them, and
   * one of them giving up does not stop it for the others. */
  petrel_oauth2_get_access_token_async (config, credentials, NULL, token_wait_cb, &a);
  petrel_oauth2_get_access_token_async (config, credentials, cancellable, token_wait_cb, &b);
  petrel_oauth2_get_access_token_async (config, credentials, NULL, token_wait_cb, &c);
  g_cancellable_cancel (cancellable);
  wait_for (&a.done);
  wait_for (&b.done);
  wait_for (&c.done);

  g_assert_no_error (a.error);
  g_assert_error (b.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (b.token);
  g_assert_no_error (c.error);
  g_assert_cmpstr (a.token, ==, c.token);
  g_assert_cmpstr (a.token, ==, auth.last_access_token);
  g_assert_cmpuint (auth.n_refresh_grants, ==, 1);

  petrel_credentials_secret_free (a.token);
  petrel_credentials_secret_free (c.token);
  g_clear_error (&b.error);
}

/* ---- threads and secret keys (issue 7) ---------------------------------------------------- */

typedef struct
{
  PetrelAccountConfig *config;          /* borrowed */
  PetrelCredentials   *credentials;     /* borrowed */
  const char          *secret_key;      /* borrowed, nullable */
  GCancellable        *cancellable;     /* borrowed, nullable */
  TokenWait            wait;
  GThread             *callback_thread; /* where the callback ran */
} ThreadAsk;

static void
thread_token_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  ThreadAsk *ask = user_data;

  ask->callback_thread = g_thread_self ();
  token_wait_cb (object, result, &ask->wait);
}

/* A sync worker: its own context, thread-default, iterated until the answer comes. */
static gpointer
token_thread (gpointer user_data)
{
  ThreadAsk *ask = user_data;
  g_autoptr(GMainContext) context = g_main_context_new ();

  g_main_context_push_thread_default (context);
  petrel_oauth2_get_access_token_for_key_async (ask->config, ask->secret_key, ask->credentials,
                                                ask->cancellable, thread_token_cb, ask);
  while (!ask->wait.done)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);

  return NULL;
}

static void
test_refresh_threads (void)
{
  g_autoptr(PetrelCredentials) credentials = petrel_memory_credentials_new ();
  g_autoptr(PetrelAccountConfig) config = NULL;
  g_autoptr(GThread) thread = NULL;
  ThreadAsk worker = { 0 };
  TokenWait main_wait = { 0 };

  auth_reset ();
  config = new_signed_in_account (credentials);

  /* The window and a sync worker ask at once; the auth server answers on this thread. */
  worker.config = config;
  worker.credentials = credentials;
  thread = g_thread_new ("sync-worker", token_thread, &worker);
  petrel_oauth2_get_access_token_async (config, credentials, NULL, token_wait_cb, &main_wait);
  wait_for (&main_wait.done);
  g_thread_join (g_steal_pointer (&thread));

  g_assert_no_error (main_wait.error);
  g_assert_no_error (worker.wait.error);
  g_assert_nonnull (main_wait.token);
  g_assert_cmpstr (worker.wait.token, ==, main_wait.token);
  /* Each caller was answered on its own thread's context. */
  g_assert_true (worker.callback_thread != g_thread_self ());
  g_assert_nonnull (worker.callback_thread);
  /* One refresh served both, whoever started it. */
  g_assert_cmpuint (auth.n_refresh_grants, ==, 1);

  petrel_credentials_secret_free (main_wait.token);
  petrel_credentials_secret_free (worker.wait.token);
}

static void
test_refresh_takeover (void)
{
  g_autoptr(PetrelCredentials) credentials = petrel_memory_credentials_new ();
  g_autoptr(PetrelAccountConfig) config = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GThread) thread = NULL;
  g_autoptr(GError) error = NULL;
  ThreadAsk worker = { 0 };
  char *token;

  auth_reset ();
  config = new_signed_in_account (credentials);
  petrel_oauth2_set_timeouts (0, 200);

  /* A sync starts the refresh on its worker, gives up (cancelled) and its thread ends: its
   * context is never iterated again, so that refresh can never finish. */
  auth.token_mode = TOKEN_SLOW;
  worker.config = config;
  worker.credentials = credentials;
  worker.cancellable = cancellable;
  thread = g_thread_new ("sync-worker", token_thread, &worker);
  while (auth.paused->len == 0)
    g_main_context_iteration (NULL, TRUE);
  g_cancellable_cancel (cancellable);
  g_thread_join (g_steal_pointer (&thread));
  g_assert_error (worker.wait.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&worker.wait.error);

  /* The window asks next: it takes the overdue refresh over instead of waiting forever. */
  auth.token_mode = TOKEN_OK;
  token = get_access_token (config, credentials, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (token, ==, auth.last_access_token);
  g_assert_cmpuint (auth.n_refresh_grants, ==, 2);
  petrel_credentials_secret_free (token);

  /* And the token is cached for the next caller. */
  token = get_access_token (config, credentials, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (auth.n_refresh_grants, ==, 2);
  petrel_credentials_secret_free (token);
  auth_reset ();
}

static void
test_refresh_secret_key (void)
{
  g_autoptr(PetrelCredentials) credentials = petrel_memory_credentials_new ();
  g_autoptr(PetrelAccountConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *old_refresh = NULL;
  g_autofree char *moved = NULL;
  g_autofree char *left = NULL;
  g_autofree char *key_a = NULL;
  g_autofree char *key_b = NULL;
  g_autofree char *refresh_b = new_secret ("rt-");
  char *token_a, *token_b;

  auth_reset ();
  auth.rotate = FALSE;

  /* Signed in before secret keys: the refresh token is under the bare account id. */
  config = new_signed_in_account (credentials);
  old_refresh = lookup_refresh_token (credentials, petrel_account_config_get_id (config));
  key_a = g_strdup_printf ("%s@/data/a", petrel_account_config_get_id (config));
  key_b = g_strdup_printf ("%s@/data/b", petrel_account_config_get_id (config));

  petrel_oauth2_get_access_token_for_key_async (config, key_a, credentials, NULL,
                                                store_result_cb, &result);
  token_a = petrel_oauth2_get_access_token_finish (wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_nonnull (token_a);
  g_clear_object (&result);

  /* It moved, once, under the secret key. */
  moved = lookup_refresh_token (credentials, key_a);
  left = lookup_refresh_token (credentials, petrel_account_config_get_id (config));
  g_assert_cmpstr (moved, ==, old_refresh);
  g_assert_null (left);

  /* The same account id in another data dir is another account: signed in on its own. */
  petrel_oauth2_get_access_token_for_key_async (config, key_b, credentials, NULL,
                                                store_result_cb, &result);
  token_b = petrel_oauth2_get_access_token_finish (wait_result (&result), &error);
  g_assert_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_NOT_SIGNED_IN);
  g_assert_null (token_b);
  g_clear_error (&error);
  g_clear_object (&result);

  g_hash_table_insert (auth.refresh_tokens, g_strdup (refresh_b), g_strdup (TEST_USER));
  store_refresh_token (credentials, key_b, refresh_b);
  petrel_oauth2_get_access_token_for_key_async (config, key_b, credentials, NULL,
                                                store_result_cb, &result);
  token_b = petrel_oauth2_get_access_token_finish (wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (token_b, !=, token_a);
  g_clear_object (&result);

  /* Invalidating one key leaves the other's token alone. */
  petrel_oauth2_invalidate_access_token (key_b, NULL);
  petrel_oauth2_get_access_token_for_key_async (config, key_a, credentials, NULL,
                                                store_result_cb, &result);
  {
    g_autofree char *again = petrel_oauth2_get_access_token_finish (wait_result (&result),
                                                                    &error);

    g_assert_no_error (error);
    g_assert_cmpstr (again, ==, token_a);
  }

  petrel_oauth2_invalidate_access_token (key_a, NULL);
  petrel_credentials_secret_free (token_a);
  petrel_credentials_secret_free (token_b);
  auth_reset ();
}

static void
test_refresh_revoked (void)
{
  g_autoptr(PetrelCredentials) credentials = petrel_memory_credentials_new ();
  g_autoptr(PetrelAccountConfig) config = new_account ();
  g_autoptr(GError) error = NULL;
  char *token;

  auth_reset ();
  g_assert_true (sign_in (config, credentials, &error));
  g_assert_no_error (error);
  token = get_access_token (config, credentials, &error);
  g_assert_no_error (error);

  /* The person revokes Petrel's access at the provider: both tokens die. */
  g_hash_table_remove_all (auth.refresh_tokens);
  g_hash_table_remove (auth.access_tokens, token);

  /* The mail servers refuse the access token that has not expired yet (Dovecot asked the
   * introspection endpoint); the caller then drops it. */
  if (servers != NULL)
    {
      guint n_introspect = auth.n_introspect;

      g_assert_false (imap_login (token, PETREL_IMAP_AUTH_XOAUTH2, &error));
      g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_AUTH);
      g_clear_error (&error);
      g_assert_false (smtp_login (token, NULL, &error));
      g_assert_error (error, PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_AUTH);
      g_clear_error (&error);
      g_assert_cmpuint (auth.n_introspect, ==, n_introspect + 2);
      g_assert_cmpuint (auth.n_introspect_active, ==, 0);
    }

  /* Invalidating some other token changes nothing... */
  petrel_oauth2_invalidate_access_token (petrel_account_config_get_id (config), "at-other");
  {
    char *same = get_access_token (config, credentials, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (same, ==, token);
    g_assert_cmpuint (auth.n_refresh_grants, ==, 0);
    petrel_credentials_secret_free (same);
  }

  /* ...invalidating the refused one makes the next call refresh, which says REVOKED. */
  petrel_oauth2_invalidate_access_token (petrel_account_config_get_id (config), token);
  petrel_credentials_secret_free (token);
  token = get_access_token (config, credentials, &error);
  g_assert_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_REVOKED);
  g_assert_nonnull (strstr (error->message, "sign in again"));
  g_assert_null (token);
  g_assert_cmpuint (auth.n_refresh_grants, ==, 1);
  g_clear_error (&error);

  /* Nothing stale is cached: asking again asks the server again. */
  token = get_access_token (config, credentials, &error);
  g_assert_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_REVOKED);
  g_assert_cmpuint (auth.n_refresh_grants, ==, 2);
  g_clear_error (&error);

  /* Signing in again fixes it. */
  g_assert_true (sign_in (config, credentials, &error));
  g_assert_no_error (error);
  petrel_oauth2_invalidate_access_token (petrel_account_config_get_id (config), NULL);
  token = get_access_token (config, credentials, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (token, ==, auth.last_access_token);
  petrel_credentials_secret_free (token);
}

static void
test_refresh_not_signed_in (void)
{
  g_autoptr(PetrelCredentials) credentials = petrel_memory_credentials_new ();
  g_autoptr(PetrelAccountConfig) config = new_account ();
  g_autoptr(PetrelAccountConfig) no_client = new_account ();
  g_autoptr(GError) error = NULL;
  char *token;

  auth_reset ();

  token = get_access_token (config, credentials, &error);
  g_assert_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_NOT_SIGNED_IN);
  g_assert_null (token);
  g_assert_cmpuint (auth.n_refresh_grants, ==, 0);
  g_clear_error (&error);

  petrel_account_config_set_oauth2_client_id (no_client, NULL);
  token = get_access_token (no_client, credentials, &error);
  g_assert_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_NO_CLIENT_ID);
  g_assert_null (token);
}

static void
test_refresh_slow (void)
{
  g_autoptr(PetrelCredentials) credentials = petrel_memory_credentials_new ();
  g_autoptr(PetrelAccountConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  char *token;

  auth_reset ();
  config = new_signed_in_account (credentials);
  auth.token_mode = TOKEN_SLOW;
  petrel_oauth2_set_timeouts (0, 300);

  token = get_access_token (config, credentials, &error);
  g_assert_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_TIMED_OUT);
  g_assert_null (token);
  g_clear_error (&error);

  /* A timeout is not a revocation: once the server answers, the same sign-in works. */
  auth_reset ();
  token = get_access_token (config, credentials, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (token, ==, auth.last_access_token);
  petrel_credentials_secret_free (token);
}

static void
test_keyring (void)
{
  g_autoptr(PetrelCredentials) credentials = NULL;
  g_autoptr(PetrelAccountConfig) config = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *first_refresh = NULL;
  g_autofree char *stored = NULL;
  char *token;

  if (g_getenv ("PETREL_TEST_KEYRING") == NULL)
    {
      g_test_skip ("no test keyring (run under build-aux/keyring-session)");
      return;
    }

  /* The real Secret Service of the test session. */
  auth_reset ();
  auth.expires_in = PETREL_OAUTH2_EXPIRY_MARGIN_SECONDS / 2;
  credentials = petrel_secret_credentials_new ();
  config = new_account ();

  g_assert_true (sign_in (config, credentials, &error));
  g_assert_no_error (error);
  first_refresh = g_strdup (auth.last_refresh_token);
  stored = lookup_refresh_token (credentials, petrel_account_config_get_id (config));
  g_assert_cmpstr (stored, ==, first_refresh);
  g_clear_pointer (&stored, petrel_credentials_secret_free);

  token = get_access_token (config, credentials, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (token, ==, auth.last_access_token);
  petrel_credentials_secret_free (token);
  stored = lookup_refresh_token (credentials, petrel_account_config_get_id (config));
  g_assert_cmpstr (stored, ==, auth.last_refresh_token);
  g_assert_cmpstr (stored, !=, first_refresh);

  petrel_credentials_clear_async (credentials, petrel_account_config_get_id (config),
                                  PETREL_CREDENTIAL_SERVICE_OAUTH2_REFRESH, NULL,
                                  store_result_cb, &result);
  petrel_credentials_clear_finish (credentials, wait_result (&result), &error);
  g_assert_no_error (error);
}

static void
test_no_secrets_in_logs (void)
{
  g_autoptr(PetrelCredentials) credentials = petrel_memory_credentials_new ();
  g_autoptr(PetrelAccountConfig) config = new_account ();
  g_autoptr(GError) error = NULL;
  g_autofree char *log = NULL;
  char *token;

  /* A sign-in and a refresh, with debug logging captured... */
  auth_reset ();
  auth.expires_in = PETREL_OAUTH2_EXPIRY_MARGIN_SECONDS / 2;
  g_assert_true (sign_in (config, credentials, &error));
  g_assert_no_error (error);
  token = get_access_token (config, credentials, &error);
  g_assert_no_error (error);
  petrel_credentials_secret_free (token);

  g_mutex_lock (&log_lock);
  log = g_strdup (captured_log->str);
  g_mutex_unlock (&log_lock);

  /* ...logged what happened (so the check below looks at real output)... */
  g_assert_nonnull (strstr (log, "Refreshing the access token of account"));

  /* ...and none of the codes or tokens the server ever handed out in this process. */
  g_assert_cmpuint (auth.issued->len, >, 0);
  for (guint i = 0; i < auth.issued->len; i++)
    g_assert_null (strstr (log, g_ptr_array_index (auth.issued, i)));
}

/* ---- main ----------------------------------------------------------------------------------- */

/* g_test replaces the default log handler, so the capture hooks the domains themselves. */
static void
capture_log_handler (const char     *domain,
                     GLogLevelFlags  log_level,
                     const char     *message,
                     gpointer        user_data)
{
  g_mutex_lock (&log_lock);
  g_string_append_printf (captured_log, "%s: %s\n", domain, message);
  g_mutex_unlock (&log_lock);

  /* Debug output is only captured; the rest goes where it always goes. */
  if ((log_level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO)) == 0)
    g_log_default_handler (domain, log_level, message, user_data);
}

static void
register_test_providers (void)
{
  g_autoptr(PetrelOAuth2Provider) provider = NULL;
  g_autoptr(PetrelOAuth2Provider) with_default = NULL;
  g_autofree char *authorize_url = g_strconcat (auth.base, "/authorize", NULL);
  g_autofree char *token_url = g_strconcat (auth.base, "/token", NULL);
  g_autoptr(GError) error = NULL;

  provider = petrel_oauth2_provider_new (TEST_PROVIDER, "Petrel Test", authorize_url, token_url,
                                         TEST_SCOPES, PETREL_OAUTH2_MECHANISM_OAUTHBEARER);
  petrel_oauth2_provider_set_domains (provider, (const char * const[]) { "example.test", NULL });
  petrel_oauth2_providers_register (provider, &error);
  g_assert_no_error (error);

  with_default = petrel_oauth2_provider_new (TEST_PROVIDER "-default", "Petrel Test Default",
                                             authorize_url, token_url, TEST_SCOPES,
                                             PETREL_OAUTH2_MECHANISM_XOAUTH2);
  petrel_oauth2_provider_set_client_id (with_default, "default-client");
  petrel_oauth2_provider_set_client_secret (with_default, "not-really-secret");
  petrel_oauth2_provider_set_refresh_sends_scope (with_default, TRUE);
  petrel_oauth2_providers_register (with_default, &error);
  g_assert_no_error (error);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *introspect_url = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  captured_log = g_string_new (NULL);
  for (guint i = 0; i < G_N_ELEMENTS (captured_domains); i++)
    g_log_set_handler (captured_domains[i], G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL |
                       G_LOG_FLAG_RECURSION, capture_log_handler, NULL);

  auth_start ();
  register_test_providers ();

  introspect_url = g_strconcat (auth.base, "/introspect", NULL);
  servers = petrel_test_servers_start_full ((const char * const[]) {
                                              "--oauth2-introspection", introspect_url, NULL
                                            }, 0, &error);
  if (servers == NULL)
    {
      servers_error = g_strdup_printf ("test servers unavailable: %s", error->message);
      g_clear_error (&error);
    }
  else
    {
      tls_database = petrel_test_servers_dup_tls_database (servers, &error);
      g_assert_no_error (error);
    }

  g_test_add_func ("/petrel/oauth2/providers/builtin", test_providers_builtin);
  g_test_add_func ("/petrel/oauth2/providers/matching", test_providers_matching);
  g_test_add_func ("/petrel/oauth2/providers/file", test_providers_file);
  g_test_add_func ("/petrel/oauth2/pkce", test_pkce);
  g_test_add_func ("/petrel/oauth2/endpoints", test_endpoints);
  g_test_add_func ("/petrel/oauth2/token-response", test_token_response);
  g_test_add_func ("/petrel/oauth2/account-config", test_account_config);
  g_test_add_func ("/petrel/oauth2/authorize/flow", test_authorize);
  g_test_add_func ("/petrel/oauth2/authorize/denied", test_authorize_denied);
  g_test_add_func ("/petrel/oauth2/authorize/wrong-state", test_authorize_wrong_state);
  g_test_add_func ("/petrel/oauth2/authorize/stray-visit", test_authorize_stray_visit);
  g_test_add_func ("/petrel/oauth2/authorize/timeout", test_authorize_timeout);
  g_test_add_func ("/petrel/oauth2/authorize/slow-token-endpoint",
                   test_authorize_slow_token_endpoint);
  g_test_add_func ("/petrel/oauth2/authorize/token-errors", test_authorize_token_errors);
  g_test_add_func ("/petrel/oauth2/authorize/cancel", test_authorize_cancel);
  g_test_add_func ("/petrel/oauth2/authorize/no-browser", test_authorize_no_browser);
  g_test_add_func ("/petrel/oauth2/authorize/refusals", test_authorize_refusals);
  g_test_add_func ("/petrel/oauth2/authorize/client-secret", test_authorize_client_secret);
  g_test_add_func ("/petrel/oauth2/sign-in", test_sign_in);
  g_test_add_func ("/petrel/oauth2/mail-servers", test_mail_servers);
  g_test_add_func ("/petrel/oauth2/refresh/expired", test_refresh_expired);
  g_test_add_func ("/petrel/oauth2/refresh/scope", test_refresh_scope);
  g_test_add_func ("/petrel/oauth2/refresh/concurrent", test_refresh_concurrent);
  g_test_add_func ("/petrel/oauth2/refresh/revoked", test_refresh_revoked);
  g_test_add_func ("/petrel/oauth2/refresh/not-signed-in", test_refresh_not_signed_in);
  g_test_add_func ("/petrel/oauth2/refresh/slow", test_refresh_slow);
  g_test_add_func ("/petrel/oauth2/refresh/threads", test_refresh_threads);
  g_test_add_func ("/petrel/oauth2/refresh/takeover", test_refresh_takeover);
  g_test_add_func ("/petrel/oauth2/refresh/secret-key", test_refresh_secret_key);
  g_test_add_func ("/petrel/oauth2/keyring", test_keyring);
  g_test_add_func ("/petrel/oauth2/logs", test_no_secrets_in_logs);

  status = g_test_run ();

  for (guint i = 0; i < account_counter; i++)
    {
      g_autofree char *id = g_strdup_printf ("oauth-%u", i + 1);

      petrel_oauth2_invalidate_access_token (id, NULL);
    }
  g_clear_object (&tls_database);
  g_clear_pointer (&servers, petrel_test_servers_stop);
  g_clear_pointer (&servers_error, g_free);
  auth_stop ();
  g_string_free (captured_log, TRUE);

  return status;
}
