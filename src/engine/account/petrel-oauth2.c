/* petrel-oauth2.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "petrel-oauth2.h"
#include "petrel-oauth2-private.h"

/* OAuth2 for IMAP and SMTP (issue #7), as RFC 8252 prescribes for native apps: the
 * authorization code flow with PKCE (RFC 7636, S256) in the system browser, the redirect
 * caught by a one-shot HTTP server on http://127.0.0.1:<random port>/, the code exchanged at
 * the token endpoint (HTTPS), the refresh token kept behind PetrelCredentials and the access
 * token only in this process's memory, refreshed shortly before it expires.
 *
 * Tokens never reach a log: only account ids, host names and HTTP status codes do. */

#define LOOPBACK_ADDRESS        "127.0.0.1"
#define MAX_RESPONSE_BYTES      (64 * 1024)
#define MAX_TOKEN_LENGTH        16384
#define MAX_ERROR_TEXT          200
#define DEFAULT_EXPIRES_IN      3600
#define MAX_EXPIRES_IN          (366 * 24 * 3600)
#define STATE_BYTES             16
#define VERIFIER_BYTES          32

G_DEFINE_QUARK (petrel-oauth2-error-quark, petrel_oauth2_error)

struct _PetrelOAuth2Token
{
  char   *access_token;   /* owned, wiped */
  char   *refresh_token;  /* owned, wiped, nullable */
  char   *scope;          /* owned, nullable */
  gint64  expires_at;     /* seconds since the epoch */
};

G_DEFINE_BOXED_TYPE (PetrelOAuth2Token, petrel_oauth2_token,
                     petrel_oauth2_token_copy, petrel_oauth2_token_free)

static guint authorize_timeout_ms = PETREL_OAUTH2_DEFAULT_AUTHORIZE_TIMEOUT_MS;
static guint request_timeout_ms = PETREL_OAUTH2_DEFAULT_REQUEST_TIMEOUT_MS;
static SoupSession *default_session;   /* owned, lazily made, then never changed */

/* Helpers */

static void
wipe_string (char *secret)
{
  if (secret != NULL)
    {
      explicit_bzero (secret, strlen (secret));
      g_free (secret);
    }
}

static gboolean
strings_equal_constant_time (const char *a,
                             const char *b)
{
  gsize length_a = strlen (a);
  gsize length_b = strlen (b);
  guchar diff = length_a != length_b;

  for (gsize i = 0; i < length_a && i < length_b; i++)
    diff |= (guchar) a[i] ^ (guchar) b[i];

  return diff == 0;
}

static char *
describe_duration (guint ms)
{
  if (ms == 1000)
    return g_strdup ("1 second");

  if (ms % 1000 == 0)
    return g_strdup_printf ("%u seconds", ms / 1000);

  return g_strdup_printf ("%u ms", ms);
}

/* Text from a server, made safe to put in an error message: printable ASCII, bounded. */
static char *
sanitize_server_text (const char *text)
{
  GString *out;

  if (text == NULL)
    return NULL;

  out = g_string_new (NULL);
  for (const char *p = text; *p != '\0' && out->len < MAX_ERROR_TEXT; p++)
    g_string_append_c (out, ((guchar) *p >= 0x20 && (guchar) *p < 0x7f) ? *p : '?');

  if (out->len == MAX_ERROR_TEXT && text[MAX_ERROR_TEXT] != '\0')
    g_string_append (out, "…");

  return g_string_free (out, FALSE);
}

/* A token fit to go into a SASL message: printable ASCII, no spaces, bounded. */
static gboolean
token_is_valid (const char *token)
{
  gsize length = strlen (token);

  if (length == 0 || length > MAX_TOKEN_LENGTH)
    return FALSE;

  for (const char *p = token; *p != '\0'; p++)
    {
      if ((guchar) *p <= 0x20 || (guchar) *p >= 0x7f)
        return FALSE;
    }

  return TRUE;
}

static char *
dup_endpoint_host (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);

  if (uri == NULL || g_uri_get_host (uri) == NULL)
    return g_strdup ("?");

  return g_strdup (g_uri_get_host (uri));
}

/* Made once, by whichever thread comes first: since libsoup 3.2 messages may be sent from
 * any thread (their I/O runs on that thread's context); the session is never changed after. */
static SoupSession *
get_session (void)
{
  if (g_once_init_enter (&default_session))
    {
      SoupSession *session = soup_session_new_with_options ("user-agent",
                                                            "Petrel/" PACKAGE_VERSION, NULL);

      g_once_init_leave (&default_session, session);
    }

  return default_session;
}

static void
append_query_param (GString    *url,
                    const char *key,
                    const char *value)
{
  g_autofree char *escaped = g_uri_escape_string (value, NULL, FALSE);
  char last = url->len > 0 ? url->str[url->len - 1] : '\0';

  if (last != '?' && last != '&')
    g_string_append_c (url, '&');

  g_string_append_printf (url, "%s=%s", key, escaped);
}

char *
_petrel_oauth2_base64url (const guchar *data,
                          gsize         length)
{
  char *encoded = g_base64_encode (data, length);
  char *end = encoded;

  for (char *p = encoded; *p != '\0'; p++)
    {
      if (*p == '=')
        break;
      *end++ = *p == '+' ? '-' : *p == '/' ? '_' : *p;
    }
  *end = '\0';

  return encoded;
}

static gboolean
read_random (guchar  *buffer,
             gsize    length,
             GError **error)
{
  gsize done = 0;
  int fd;

  while (done < length)
    {
      ssize_t n = getrandom (buffer + done, length - done, 0);

      if (n > 0)
        done += n;
      else if (n < 0 && errno != EINTR)
        break;
    }

  if (done == length)
    return TRUE;

  /* Kernels before 3.17 have no getrandom(). */
  fd = open ("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd >= 0)
    {
      done = 0;
      while (done < length)
        {
          ssize_t n = read (fd, buffer + done, length - done);

          if (n > 0)
            done += n;
          else if (n == 0 || errno != EINTR)
            break;
        }
      close (fd);
    }

  if (done == length)
    return TRUE;

  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       _("The system has no source of random numbers for the sign-in"));

  return FALSE;
}

char *
_petrel_oauth2_random_string (gsize    n_bytes,
                              GError **error)
{
  g_autofree guchar *buffer = g_malloc (n_bytes);
  char *encoded;

  if (!read_random (buffer, n_bytes, error))
    return NULL;

  encoded = _petrel_oauth2_base64url (buffer, n_bytes);
  explicit_bzero (buffer, n_bytes);

  return encoded;
}

char *
_petrel_oauth2_compute_challenge (const char *verifier)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize length = sizeof digest;

  g_checksum_update (checksum, (const guchar *) verifier, strlen (verifier));
  g_checksum_get_digest (checksum, digest, &length);

  return _petrel_oauth2_base64url (digest, length);
}

gboolean
_petrel_oauth2_check_endpoint (const char  *url,
                               GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;
  const char *host;

  uri = url != NULL ? g_uri_parse (url, G_URI_FLAGS_NONE, NULL) : NULL;
  host = uri != NULL ? g_uri_get_host (uri) : NULL;
  if (host == NULL || host[0] == '\0')
    {
      g_set_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_INVALID_PROVIDER,
                   _("“%s” is not a URL"),
                   url != NULL && g_utf8_validate (url, -1, NULL) ? url : "");
      return FALSE;
    }

  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "https") == 0)
    return TRUE;

  if (g_ascii_strcasecmp (scheme, "http") == 0)
    {
      g_autoptr(GInetAddress) address = g_inet_address_new_from_string (host);

      /* Plain HTTP only to this computer, by address (a name could resolve anywhere). */
      if (address != NULL && g_inet_address_get_is_loopback (address))
        return TRUE;
    }

  g_set_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_INSECURE,
               _("Refusing to use the sign-in server %s without HTTPS"), host);

  return FALSE;
}

static gboolean
read_expires_in (JsonObject *object,
                 gint64     *expires_in)
{
  JsonNode *node = json_object_get_member (object, "expires_in");
  guint64 value;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      *expires_in = DEFAULT_EXPIRES_IN;
      return TRUE;
    }

  if (!JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  if (json_node_get_value_type (node) == G_TYPE_INT64)
    {
      *expires_in = CLAMP (json_node_get_int (node), 0, MAX_EXPIRES_IN);
      return TRUE;
    }

  /* Some servers send the number as a string. */
  if (json_node_get_value_type (node) == G_TYPE_STRING &&
      g_ascii_string_to_unsigned (json_node_get_string (node), 10, 0, G_MAXINT64, &value, NULL))
    {
      *expires_in = MIN (value, MAX_EXPIRES_IN);
      return TRUE;
    }

  return FALSE;
}

/* Returns the string member @name, NULL when absent; FALSE when it is there but no string. */
static gboolean
read_optional_string (JsonObject  *object,
                      const char  *name,
                      const char **value)
{
  JsonNode *node = json_object_get_member (object, name);

  *value = NULL;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return FALSE;

  *value = json_node_get_string (node);

  return TRUE;
}

PetrelOAuth2Token *
_petrel_oauth2_parse_token_response (const char  *host,
                                     guint        status,
                                     const char  *body,
                                     gsize        length,
                                     gboolean     refreshing,
                                     GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(PetrelOAuth2Token) token = NULL;
  JsonObject *object = NULL;
  const char *error_code = NULL;
  const char *access_token;
  const char *refresh_token;
  const char *token_type;
  const char *scope;
  gint64 expires_in;

  if (body != NULL && length > 0 && g_utf8_validate (body, length, NULL) &&
      json_parser_load_from_data (parser, body, length, NULL) &&
      json_parser_get_root (parser) != NULL &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    object = json_node_get_object (json_parser_get_root (parser));

  if (object != NULL && read_optional_string (object, "error", &error_code) &&
      error_code != NULL)
    {
      g_autofree char *code = sanitize_server_text (error_code);
      g_autofree char *description = NULL;
      const char *text = NULL;

      if (read_optional_string (object, "error_description", &text) && text != NULL)
        description = sanitize_server_text (text);

      if (refreshing && g_strcmp0 (error_code, "invalid_grant") == 0)
        g_set_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_REVOKED,
                     _("The sign-in is no longer valid: %s refused it (%s%s%s); sign in again"),
                     host, code, description != NULL ? ": " : "",
                     description != NULL ? description : "");
      else if (g_strcmp0 (error_code, "invalid_client") == 0 ||
               g_strcmp0 (error_code, "unauthorized_client") == 0)
        g_set_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_TOKEN_ENDPOINT,
                     _("%s does not accept this application's client id (%s%s%s)"), host, code,
                     description != NULL ? ": " : "", description != NULL ? description : "");
      else
        g_set_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_TOKEN_ENDPOINT,
                     _("%s refused the %s (%s%s%s)"), host,
                     refreshing ? _("token refresh") : _("sign-in code"), code,
                     description != NULL ? ": " : "", description != NULL ? description : "");

      return NULL;
    }

  if (status != SOUP_STATUS_OK)
    {
      const char *phrase = soup_status_get_phrase (status);

      g_set_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_TOKEN_ENDPOINT,
                   _("The sign-in server %s answered HTTP %u%s%s"), host, status,
                   phrase != NULL ? " " : "", phrase != NULL ? phrase : "");
      return NULL;
    }

  if (object == NULL)
    {
      g_set_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_TOKEN_ENDPOINT,
                   _("The sign-in server %s sent an answer that is not a JSON object"), host);
      return NULL;
    }

  if (!read_optional_string (object, "access_token", &access_token) || access_token == NULL ||
      !token_is_valid (access_token))
    {
      g_set_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_TOKEN_ENDPOINT,
                   _("The sign-in server %s sent no usable access token"), host);
      return NULL;
    }

  if (!read_optional_string (object, "token_type", &token_type) ||
      (token_type != NULL && g_ascii_strcasecmp (token_type, "bearer") != 0))
    {
      g_set_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_TOKEN_ENDPOINT,
                   _("The sign-in server %s sent a token that is not a Bearer token"), host);
      return NULL;
    }

  if (!read_optional_string (object, "refresh_token", &refresh_token) ||
      (refresh_token != NULL && !token_is_valid (refresh_token)))
    {
      g_set_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_TOKEN_ENDPOINT,
                   _("The sign-in server %s sent an unusable refresh token"), host);
      return NULL;
    }

  if (!read_expires_in (object, &expires_in))
    {
      g_set_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_TOKEN_ENDPOINT,
                   _("The sign-in server %s sent an expiry that is not a number of seconds"),
                   host);
      return NULL;
    }

  if (!read_optional_string (object, "scope", &scope))
    scope = NULL;

  token = g_new0 (PetrelOAuth2Token, 1);
  token->access_token = g_strdup (access_token);
  token->refresh_token = g_strdup (refresh_token);
  token->scope = scope != NULL ? sanitize_server_text (scope) : NULL;
  token->expires_at = g_get_real_time () / G_USEC_PER_SEC + expires_in;

  return g_steal_pointer (&token);
}

/* Token type */

PetrelOAuth2Token *
petrel_oauth2_token_copy (const PetrelOAuth2Token *self)
{
  PetrelOAuth2Token *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (PetrelOAuth2Token, 1);
  copy->access_token = g_strdup (self->access_token);
  copy->refresh_token = g_strdup (self->refresh_token);
  copy->scope = g_strdup (self->scope);
  copy->expires_at = self->expires_at;

  return copy;
}

void
petrel_oauth2_token_free (PetrelOAuth2Token *self)
{
  if (self == NULL)
    return;

  wipe_string (self->access_token);
  wipe_string (self->refresh_token);
  g_free (self->scope);
  g_free (self);
}

const char *
petrel_oauth2_token_get_access_token (const PetrelOAuth2Token *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->access_token;
}

/**
 * petrel_oauth2_token_get_refresh_token:
 * @self: a token
 *
 * Returns: (nullable): the refresh token, if the endpoint sent one
 */
const char *
petrel_oauth2_token_get_refresh_token (const PetrelOAuth2Token *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->refresh_token;
}

/**
 * petrel_oauth2_token_get_scope:
 * @self: a token
 *
 * Returns: (nullable): the scopes granted, if the endpoint said
 */
const char *
petrel_oauth2_token_get_scope (const PetrelOAuth2Token *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->scope;
}

/**
 * petrel_oauth2_token_get_expires_at:
 * @self: a token
 *
 * Returns: when the access token expires, in seconds since the epoch (an hour after it was
 *   issued when the endpoint did not say)
 */
gint64
petrel_oauth2_token_get_expires_at (const PetrelOAuth2Token *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->expires_at;
}

/* POST to a token endpoint, with a timeout and a bounded answer */

typedef struct
{
  SoupMessage  *message;             /* owned */
  char         *host;                /* owned */
  GCancellable *cancellable;         /* owned: cancelled by the caller's or on timeout */
  GCancellable *caller_cancellable;  /* owned, nullable */
  gulong        cancelled_id;
  GSource      *timeout_source;      /* owned, nullable */
  gboolean      timed_out;
  guint         timeout_ms;
  GInputStream *stream;              /* owned, nullable */
  GByteArray   *body;                /* owned */
  gboolean      refreshing;
} PostData;

static void
post_data_free (PostData *data)
{
  if (data->cancelled_id != 0)
    g_cancellable_disconnect (data->caller_cancellable, data->cancelled_id);
  if (data->timeout_source != NULL)
    {
      g_source_destroy (data->timeout_source);
      g_source_unref (data->timeout_source);
    }
  g_clear_object (&data->message);
  g_free (data->host);
  g_clear_object (&data->cancellable);
  g_clear_object (&data->caller_cancellable);
  g_clear_object (&data->stream);
  if (data->body != NULL)
    {
      explicit_bzero (data->body->data, data->body->len);
      g_byte_array_unref (data->body);
    }
  g_free (data);
}

static void
on_post_caller_cancelled_cb (GCancellable *caller_cancellable,
                             gpointer      user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

static gboolean
post_timeout_cb (gpointer user_data)
{
  PostData *data = user_data;

  data->timed_out = TRUE;
  g_cancellable_cancel (data->cancellable);

  return G_SOURCE_REMOVE;
}

/* Turns the error of a failed request into what the caller should see. */
static void
post_return_error (GTask  *task,
                   GError *error)
{
  PostData *data = g_task_get_task_data (task);

  if (data->timed_out)
    {
      g_autofree char *duration = describe_duration (data->timeout_ms);

      g_error_free (error);
      g_task_return_new_error (task, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_TIMED_OUT,
                               _("The sign-in server %s did not answer within %s"), data->host,
                               duration);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
           error->domain == PETREL_OAUTH2_ERROR)
    {
      g_task_return_error (task, error);
    }
  else
    {
      /* Network trouble keeps its GIOError/GResolverError/GTlsError code: being offline is not
       * a sign-in problem. */
      g_prefix_error (&error, _("Cannot reach the sign-in server %s: "), data->host);
      g_task_return_error (task, error);
    }
}

static void post_read_next (GTask *task);

static void
post_read_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PostData *data = g_task_get_task_data (task);
  g_autoptr(GBytes) chunk = NULL;
  GError *error = NULL;

  chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result, &error);
  if (chunk == NULL)
    {
      post_return_error (task, error);
      return;
    }

  if (g_bytes_get_size (chunk) == 0)
    {
      g_task_return_pointer (task, g_byte_array_ref (data->body),
                             (GDestroyNotify) g_byte_array_unref);
      return;
    }

  if (data->body->len + g_bytes_get_size (chunk) > MAX_RESPONSE_BYTES)
    {
      g_task_return_new_error (task, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_TOKEN_ENDPOINT,
                               _("The sign-in server %s sent an answer of more than %u KiB"),
                               data->host, MAX_RESPONSE_BYTES / 1024);
      return;
    }

  g_byte_array_append (data->body, g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk));
  post_read_next (g_steal_pointer (&task));
}

static void
post_read_next (GTask *task)
{
  PostData *data = g_task_get_task_data (task);

  g_input_stream_read_bytes_async (data->stream, 8192, G_PRIORITY_DEFAULT, data->cancellable,
                                   post_read_cb, task);
}

static void
post_send_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PostData *data = g_task_get_task_data (task);
  GError *error = NULL;

  data->stream = soup_session_send_finish (SOUP_SESSION (object), result, &error);
  if (data->stream == NULL)
    {
      post_return_error (task, error);
      return;
    }

  g_debug ("Token endpoint %s answered HTTP %u", data->host,
           soup_message_get_status (data->message));

  post_read_next (g_steal_pointer (&task));
}

/* Takes @form (wiped and freed). */
static void
post_form_async (const char          *url,
                 GHashTable          *form,
                 gboolean             refreshing,
                 GCancellable        *cancellable,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(GHashTable) owned_form = form;
  PostData *data;
  char *encoded;
  GError *error = NULL;

  g_task_set_source_tag (task, post_form_async);

  if (!_petrel_oauth2_check_endpoint (url, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  data = g_new0 (PostData, 1);
  g_task_set_task_data (task, data, (GDestroyNotify) post_data_free);
  data->host = dup_endpoint_host (url);
  data->refreshing = refreshing;
  data->body = g_byte_array_new ();
  data->cancellable = g_cancellable_new ();
  data->timeout_ms = request_timeout_ms;

  encoded = soup_form_encode_hash (owned_form);
  data->message = soup_message_new_from_encoded_form ("POST", url, encoded);
  if (data->message == NULL)
    {
      g_task_return_new_error (task, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_INVALID_PROVIDER,
                               _("The token endpoint of %s is not a valid URL"), data->host);
      return;
    }

  soup_message_add_flags (data->message, SOUP_MESSAGE_NO_REDIRECT);
  soup_message_headers_replace (soup_message_get_request_headers (data->message), "Accept",
                                "application/json");

  if (cancellable != NULL)
    {
      data->caller_cancellable = g_object_ref (cancellable);
      data->cancelled_id = g_cancellable_connect (cancellable,
                                                  G_CALLBACK (on_post_caller_cancelled_cb),
                                                  g_object_ref (data->cancellable),
                                                  g_object_unref);
    }

  data->timeout_source = g_timeout_source_new (data->timeout_ms);
  g_source_set_callback (data->timeout_source, post_timeout_cb, data, NULL);
  g_source_attach (data->timeout_source, g_task_get_context (task));

  soup_session_send_async (get_session (), data->message, G_PRIORITY_DEFAULT,
                           data->cancellable, post_send_cb, g_steal_pointer (&task));
}

static GByteArray *
post_form_finish (GAsyncResult  *result,
                  guint         *status,
                  GError       **error)
{
  GTask *task = G_TASK (result);
  PostData *data = g_task_get_task_data (task);

  if (status != NULL)
    *status = data != NULL && data->message != NULL ? soup_message_get_status (data->message)
                                                    : 0;

  return g_task_propagate_pointer (task, error);
}

static GHashTable *
new_form (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) wipe_string);
}

/* A token request, answered with a PetrelOAuth2Token. */

static void
token_request_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PostData *data = g_task_get_task_data (G_TASK (result));
  g_autoptr(GByteArray) body = NULL;
  PetrelOAuth2Token *token;
  GError *error = NULL;
  guint status = 0;

  body = post_form_finish (result, &status, &error);
  if (body == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  token = _petrel_oauth2_parse_token_response (data->host, status, (const char *) body->data,
                                               body->len, data->refreshing, &error);
  explicit_bzero (body->data, body->len);

  if (token == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, token, (GDestroyNotify) petrel_oauth2_token_free);
}

/* Takes @form. */
static void
token_request_async (const char          *token_endpoint,
                     GHashTable          *form,
                     gboolean             refreshing,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, token_request_async);
  post_form_async (token_endpoint, form, refreshing, cancellable, token_request_cb, task);
}

static PetrelOAuth2Token *
token_request_finish (GAsyncResult  *result,
                      GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Authorization: PKCE, the loopback redirect and the code exchange */

typedef enum
{
  PHASE_WAITING,     /* for the browser to come back */
  PHASE_EXCHANGING,  /* the code at the token endpoint */
  PHASE_DONE,
} AuthorizePhase;

typedef struct
{
  PetrelOAuth2Provider *provider;          /* owned */
  char                 *client_id;         /* owned */
  char                 *client_secret;     /* owned, nullable */
  char                 *redirect_uri;      /* owned */
  char                 *state;             /* owned */
  char                 *verifier;          /* owned, wiped */
  SoupServer           *server;            /* owned until retired */
  SoupServerMessage    *page;              /* owned, nullable: the redirect's request */
  gboolean              page_paused;       /* while the code is exchanged */
  GSource              *timeout_source;    /* owned, nullable */
  GSource              *cancel_source;     /* owned, nullable */
  AuthorizePhase        phase;
} AuthorizeData;

static void
destroy_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static void
authorize_data_free (AuthorizeData *data)
{
  destroy_source (&data->timeout_source);
  destroy_source (&data->cancel_source);
  if (data->server != NULL)
    {
      soup_server_disconnect (data->server);
      g_clear_object (&data->server);
    }
  g_clear_object (&data->page);
  g_clear_pointer (&data->provider, petrel_oauth2_provider_unref);
  g_free (data->client_id);
  wipe_string (data->client_secret);
  g_free (data->redirect_uri);
  g_free (data->state);
  wipe_string (data->verifier);
  g_free (data);
}

static gboolean
disconnect_server_cb (gpointer user_data)
{
  soup_server_disconnect (SOUP_SERVER (user_data));

  return G_SOURCE_REMOVE;
}

static void
on_page_finished_cb (SoupServerMessage *page,
                     gpointer           user_data)
{
  g_idle_add_full (G_PRIORITY_DEFAULT, disconnect_server_cb, g_object_ref (user_data),
                   g_object_unref);
}

/* Stops listening: at once, or once @page (nullable) is written, so the browser gets it. */
static void
retire_server (SoupServer        *server,
               SoupServerMessage *page)
{
  if (page == NULL)
    {
      soup_server_disconnect (server);
      g_object_unref (server);
      return;
    }

  g_signal_connect_data (page, "finished", G_CALLBACK (on_page_finished_cb), server,
                         (GClosureNotify) (void (*) (void)) g_object_unref, 0);
}

static void
set_page (SoupServerMessage *msg,
          guint              status,
          const char        *title,
          const char        *message)
{
  g_autofree char *escaped_title = g_markup_escape_text (title, -1);
  g_autofree char *escaped_message = g_markup_escape_text (message, -1);
  g_autofree char *close_hint = g_markup_escape_text (_("You can close this window."), -1);
  g_autofree char *html = NULL;

  html = g_strdup_printf ("<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n"
                          "<title>%s</title>\n<style>body { font-family: sans-serif; "
                          "margin: 4em auto; max-width: 36em; line-height: 1.5; }</style>\n"
                          "</head>\n<body>\n<h1>%s</h1>\n<p>%s</p>\n<p>%s</p>\n</body>\n"
                          "</html>\n", escaped_title, escaped_title, escaped_message, close_hint);

  soup_server_message_set_status (msg, status, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Cache-Control", "no-store");
  soup_server_message_set_response (msg, "text/html; charset=utf-8", SOUP_MEMORY_COPY,
                                    html, strlen (html));
}

/* Finishes the flow once: @token or @error (both transfer full). */
static void
authorize_complete (GTask             *task,
                    PetrelOAuth2Token *token,
                    GError            *error)
{
  g_autoptr(GTask) keep = g_object_ref (task);
  AuthorizeData *data = g_task_get_task_data (task);

  g_assert (data->phase != PHASE_DONE);
  data->phase = PHASE_DONE;

  destroy_source (&data->timeout_source);
  destroy_source (&data->cancel_source);

  if (data->page_paused)
    {
      soup_server_message_unpause (data->page);
      data->page_paused = FALSE;
    }

  /* The server's handler holds a reference to the task: retiring the server drops it. */
  retire_server (g_steal_pointer (&data->server), data->page);
  g_clear_object (&data->page);

  if (token != NULL)
    g_task_return_pointer (task, token, (GDestroyNotify) petrel_oauth2_token_free);
  else
    g_task_return_error (task, error);
}

static void
authorize_exchange_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AuthorizeData *data = g_task_get_task_data (task);
  PetrelOAuth2Token *token;
  GError *error = NULL;

  token = token_request_finish (result, &error);

  if (token != NULL)
    {
      g_debug ("Signed in with %s", petrel_oauth2_provider_get_id (data->provider));
      set_page (data->page, SOUP_STATUS_OK, _("Signed in"),
                _("Petrel is now signed in to your account."));
    }
  else
    {
      g_debug ("The code exchange with %s failed: %s",
               petrel_oauth2_provider_get_id (data->provider), error->message);
      set_page (data->page, SOUP_STATUS_OK, _("Sign-in failed"), error->message);
    }

  authorize_complete (task, token, error);
}

static void
authorize_exchange (GTask             *task,
                    SoupServerMessage *msg,
                    const char        *code)
{
  AuthorizeData *data = g_task_get_task_data (task);
  GHashTable *form = new_form ();

  data->phase = PHASE_EXCHANGING;
  destroy_source (&data->timeout_source);
  destroy_source (&data->cancel_source);

  /* Hold the browser's request until the exchange tells whether it worked. */
  data->page = g_object_ref (msg);
  data->page_paused = TRUE;
  soup_server_message_pause (msg);

  g_hash_table_insert (form, (char *) "grant_type", g_strdup ("authorization_code"));
  g_hash_table_insert (form, (char *) "code", g_strdup (code));
  g_hash_table_insert (form, (char *) "redirect_uri", g_strdup (data->redirect_uri));
  g_hash_table_insert (form, (char *) "client_id", g_strdup (data->client_id));
  g_hash_table_insert (form, (char *) "code_verifier", g_strdup (data->verifier));
  if (data->client_secret != NULL)
    g_hash_table_insert (form, (char *) "client_secret", g_strdup (data->client_secret));

  token_request_async (petrel_oauth2_provider_get_token_endpoint (data->provider), form, FALSE,
                       g_task_get_cancellable (task), authorize_exchange_cb,
                       g_object_ref (task));
}

static void
authorize_fail_page (GTask             *task,
                     SoupServerMessage *msg,
                     GError            *error)
{
  AuthorizeData *data = g_task_get_task_data (task);

  set_page (msg, SOUP_STATUS_OK, _("Sign-in failed"), error->message);

  /* Not paused: the page goes out when this handler returns. */
  data->page = g_object_ref (msg);
  authorize_complete (task, NULL, error);
}

static void
authorize_server_cb (SoupServer        *server,
                     SoupServerMessage *msg,
                     const char        *path,
                     GHashTable        *query,
                     gpointer           user_data)
{
  GTask *task = user_data;
  AuthorizeData *data = g_task_get_task_data (task);
  const char *method = soup_server_message_get_method (msg);
  const char *state;
  const char *error_code;
  const char *code;

  if (g_strcmp0 (method, "GET") != 0)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
      return;
    }

  if (g_strcmp0 (path, "/") != 0)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }

  if (data->phase != PHASE_WAITING)
    {
      set_page (msg, SOUP_STATUS_OK, _("Sign-in already done"),
                _("This sign-in has already been handled."));
      return;
    }

  state = query != NULL ? g_hash_table_lookup (query, "state") : NULL;
  error_code = query != NULL ? g_hash_table_lookup (query, "error") : NULL;
  code = query != NULL ? g_hash_table_lookup (query, "code") : NULL;

  /* Not a redirect from the provider (a stray visit): keep waiting. */
  if (state == NULL && error_code == NULL && code == NULL)
    {
      set_page (msg, SOUP_STATUS_BAD_REQUEST, _("Waiting for the sign-in"),
                _("This page receives the answer of your mail provider's sign-in page."));
      return;
    }

  if (state == NULL || !strings_equal_constant_time (state, data->state))
    {
      authorize_fail_page (task, msg,
                           g_error_new_literal (PETREL_OAUTH2_ERROR,
                                                PETREL_OAUTH2_ERROR_BAD_STATE,
                                                "The browser came back from a different "
                                                "sign-in (the state does not match); the "
                                                "answer was ignored"));
      return;
    }

  if (error_code != NULL)
    {
      g_autofree char *safe_code = sanitize_server_text (error_code);
      const char *description = g_hash_table_lookup (query, "error_description");
      g_autofree char *safe_description = sanitize_server_text (description);
      const char *name = petrel_oauth2_provider_get_name (data->provider);

      if (g_strcmp0 (error_code, "access_denied") == 0)
        authorize_fail_page (task, msg,
                             g_error_new (PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_DENIED,
                                          _("Access to the account was not granted at %s%s%s"),
                                          name, safe_description != NULL ? ": " : "",
                                          safe_description != NULL ? safe_description : ""));
      else
        authorize_fail_page (task, msg,
                             g_error_new (PETREL_OAUTH2_ERROR,
                                          PETREL_OAUTH2_ERROR_AUTHORIZATION_FAILED,
                                          _("The sign-in at %s failed (%s%s%s)"), name, safe_code,
                                          safe_description != NULL ? ": " : "",
                                          safe_description != NULL ? safe_description : ""));
      return;
    }

  if (code == NULL || code[0] == '\0')
    {
      authorize_fail_page (task, msg,
                           g_error_new (PETREL_OAUTH2_ERROR,
                                        PETREL_OAUTH2_ERROR_AUTHORIZATION_FAILED,
                                        _("The sign-in at %s ended without an authorization code"),
                                        petrel_oauth2_provider_get_name (data->provider)));
      return;
    }

  authorize_exchange (task, msg, code);
}

static gboolean
authorize_timeout_cb (gpointer user_data)
{
  GTask *task = user_data;
  AuthorizeData *data = g_task_get_task_data (task);
  g_autofree char *duration = describe_duration (authorize_timeout_ms);

  if (data->phase == PHASE_WAITING)
    authorize_complete (task, NULL,
                        g_error_new (PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_TIMED_OUT,
                                     _("The sign-in page did not come back within %s"), duration));

  return G_SOURCE_REMOVE;
}

static gboolean
authorize_cancelled_cb (GCancellable *cancellable,
                        gpointer      user_data)
{
  GTask *task = user_data;
  AuthorizeData *data = g_task_get_task_data (task);

  if (data->phase == PHASE_WAITING)
    authorize_complete (task, NULL,
                        g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                             "The sign-in was cancelled"));

  return G_SOURCE_REMOVE;
}

static char *
build_authorization_url (AuthorizeData *data,
                         const char    *login_hint)
{
  const char *endpoint = petrel_oauth2_provider_get_authorization_endpoint (data->provider);
  g_autofree char *challenge = _petrel_oauth2_compute_challenge (data->verifier);
  GString *url = g_string_new (endpoint);

  g_string_append_c (url, strchr (endpoint, '?') != NULL ? '&' : '?');
  append_query_param (url, "response_type", "code");
  append_query_param (url, "client_id", data->client_id);
  append_query_param (url, "redirect_uri", data->redirect_uri);
  append_query_param (url, "scope", petrel_oauth2_provider_get_scopes (data->provider));
  append_query_param (url, "state", data->state);
  append_query_param (url, "code_challenge", challenge);
  append_query_param (url, "code_challenge_method", "S256");
  if (login_hint != NULL && login_hint[0] != '\0')
    append_query_param (url, "login_hint", login_hint);

  return g_string_free (url, FALSE);
}

static gboolean
launch_default_browser (const char  *uri,
                        gpointer     user_data,
                        GError     **error)
{
  return g_app_info_launch_default_for_uri (uri, NULL, error);
}

/**
 * petrel_oauth2_set_timeouts:
 * @authorize_ms: how long to wait for the browser to come back, in milliseconds, 0 for
 *   %PETREL_OAUTH2_DEFAULT_AUTHORIZE_TIMEOUT_MS
 * @request_ms: how long a token endpoint may take, in milliseconds, 0 for
 *   %PETREL_OAUTH2_DEFAULT_REQUEST_TIMEOUT_MS
 *
 * Sets the timeouts of the operations started afterwards, for the whole process.
 */
void
petrel_oauth2_set_timeouts (guint authorize_ms,
                            guint request_ms)
{
  authorize_timeout_ms = authorize_ms != 0 ? authorize_ms
                                           : PETREL_OAUTH2_DEFAULT_AUTHORIZE_TIMEOUT_MS;
  request_timeout_ms = request_ms != 0 ? request_ms : PETREL_OAUTH2_DEFAULT_REQUEST_TIMEOUT_MS;
}

/**
 * petrel_oauth2_authorize_async:
 * @provider: the provider to sign in with
 * @client_id: (nullable): the client id; %NULL for the provider's default
 * @login_hint: (nullable): the address to sign in as, to preselect the account
 * @launch_func: (nullable) (scope call): opens the authorization URL; %NULL for the default
 *   browser
 * @launch_data: data for @launch_func
 * @cancellable: (nullable): a #GCancellable; also the way for a person to give up
 * @callback: called when the flow is over
 * @user_data: data for @callback
 *
 * Runs the authorization code flow with PKCE: listens on `http://127.0.0.1:<random port>/`,
 * opens the provider's authorization page with a fresh `state` and S256 `code_challenge`,
 * waits for the browser to be redirected back (at most the authorize timeout), checks the
 * state, shows a page saying the window can be closed, and exchanges the code (with the
 * `code_verifier`) at the token endpoint. Endpoints must be HTTPS (or http to a loopback
 * address, for tests).
 */
void
petrel_oauth2_authorize_async (PetrelOAuth2Provider   *provider,
                               const char             *client_id,
                               const char             *login_hint,
                               PetrelOAuth2LaunchFunc  launch_func,
                               gpointer                launch_data,
                               GCancellable           *cancellable,
                               GAsyncReadyCallback     callback,
                               gpointer                user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GSList) uris = NULL;
  g_autofree char *url = NULL;
  AuthorizeData *data;
  GError *error = NULL;
  guint port;

  g_return_if_fail (provider != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, petrel_oauth2_authorize_async);

  if (client_id == NULL)
    client_id = petrel_oauth2_provider_get_client_id (provider);

  if (client_id == NULL)
    {
      g_task_return_new_error (task, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_NO_CLIENT_ID,
                               _("Petrel has no OAuth2 client id for %s: it was built without "
                                 "one and the account names none"),
                               petrel_oauth2_provider_get_name (provider));
      return;
    }

  if (!_petrel_oauth2_check_endpoint (petrel_oauth2_provider_get_authorization_endpoint (provider),
                                      &error) ||
      !_petrel_oauth2_check_endpoint (petrel_oauth2_provider_get_token_endpoint (provider),
                                      &error))
    {
      g_task_return_error (task, error);
      return;
    }

  if (g_task_return_error_if_cancelled (task))
    return;

  data = g_new0 (AuthorizeData, 1);
  g_task_set_task_data (task, data, (GDestroyNotify) authorize_data_free);
  data->provider = petrel_oauth2_provider_ref (provider);
  data->client_id = g_strdup (client_id);
  /* The provider's client secret belongs to its default client id only. */
  if (g_strcmp0 (client_id, petrel_oauth2_provider_get_client_id (provider)) == 0)
    data->client_secret = g_strdup (petrel_oauth2_provider_get_client_secret (provider));

  data->state = _petrel_oauth2_random_string (STATE_BYTES, &error);
  if (data->state != NULL)
    data->verifier = _petrel_oauth2_random_string (VERIFIER_BYTES, &error);
  if (data->verifier == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  /* RFC 8252 section 7.3: the loopback IP literal, not "localhost"; any port. */
  data->server = soup_server_new ("server-header", "Petrel", NULL);
  if (!soup_server_listen_local (data->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    {
      g_prefix_error (&error, _("Cannot listen for the sign-in answer on %s: "),
                      LOOPBACK_ADDRESS);
      g_task_return_error (task, error);
      return;
    }

  uris = soup_server_get_uris (data->server);
  port = uris != NULL ? g_uri_get_port (uris->data) : 0;
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);
  data->redirect_uri = g_strdup_printf ("http://%s:%u/", LOOPBACK_ADDRESS, port);

  soup_server_add_handler (data->server, NULL, authorize_server_cb, g_object_ref (task),
                           g_object_unref);

  data->timeout_source = g_timeout_source_new (authorize_timeout_ms);
  g_source_set_callback (data->timeout_source, authorize_timeout_cb, g_object_ref (task),
                         g_object_unref);
  g_source_attach (data->timeout_source, g_task_get_context (task));

  if (cancellable != NULL)
    {
      data->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (data->cancel_source, G_SOURCE_FUNC (authorize_cancelled_cb),
                             g_object_ref (task), g_object_unref);
      g_source_attach (data->cancel_source, g_task_get_context (task));
    }

  url = build_authorization_url (data, login_hint);
  g_debug ("Waiting for the %s sign-in on %s",
           petrel_oauth2_provider_get_id (provider), data->redirect_uri);

  if (launch_func == NULL)
    launch_func = launch_default_browser;

  if (!launch_func (url, launch_data, &error))
    {
      if (data->phase == PHASE_WAITING)
        {
          GError *browser_error = g_error_new (PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_BROWSER,
                                               _("Cannot open the sign-in page in a browser: %s"),
                                               error->message);

          authorize_complete (task, NULL, browser_error);
        }
      g_error_free (error);
    }
}

/**
 * petrel_oauth2_authorize_finish:
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the tokens, or %NULL with a #PetrelOAuth2Error,
 *   %G_IO_ERROR_CANCELLED, or a network error when the token endpoint could not be reached
 */
PetrelOAuth2Token *
petrel_oauth2_authorize_finish (GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == petrel_oauth2_authorize_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* The account's provider and client */

/**
 * petrel_oauth2_dup_account_provider:
 * @config: an account configuration
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the provider named by #PetrelAccountConfig:oauth2-provider, or
 *   %NULL with %PETREL_OAUTH2_ERROR_UNKNOWN_PROVIDER
 */
PetrelOAuth2Provider *
petrel_oauth2_dup_account_provider (PetrelAccountConfig  *config,
                                    GError              **error)
{
  const char *id;
  PetrelOAuth2Provider *provider;

  g_return_val_if_fail (PETREL_IS_ACCOUNT_CONFIG (config), NULL);

  id = petrel_account_config_get_oauth2_provider (config);
  if (id == NULL)
    {
      g_set_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_UNKNOWN_PROVIDER,
                   _("The account “%s” names no OAuth2 provider"),
                   petrel_account_config_get_id (config));
      return NULL;
    }

  provider = petrel_oauth2_providers_lookup (id);
  if (provider == NULL)
    g_set_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_UNKNOWN_PROVIDER,
                 _("The account “%s” names the OAuth2 provider “%s”, which Petrel does not know"),
                 petrel_account_config_get_id (config), id);

  return provider;
}

/**
 * petrel_oauth2_dup_account_client_id:
 * @config: an account configuration
 * @provider: its provider
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the account's client id, else the provider's default, else %NULL
 *   with %PETREL_OAUTH2_ERROR_NO_CLIENT_ID
 */
char *
petrel_oauth2_dup_account_client_id (PetrelAccountConfig   *config,
                                     PetrelOAuth2Provider  *provider,
                                     GError               **error)
{
  const char *client_id;

  g_return_val_if_fail (PETREL_IS_ACCOUNT_CONFIG (config), NULL);
  g_return_val_if_fail (provider != NULL, NULL);

  client_id = petrel_account_config_get_oauth2_client_id (config);
  if (client_id == NULL)
    client_id = petrel_oauth2_provider_get_client_id (provider);

  if (client_id == NULL)
    {
      g_set_error (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_NO_CLIENT_ID,
                   _("Petrel has no OAuth2 client id for %s: it was built without one and the "
                     "account “%s” sets none (OAuth2ClientId)"),
                   petrel_oauth2_provider_get_name (provider),
                   petrel_account_config_get_id (config));
      return NULL;
    }

  return g_strdup (client_id);
}

static const char *
account_label (PetrelAccountConfig *config)
{
  const char *address = petrel_account_config_get_email_address (config);

  return address != NULL ? address : petrel_account_config_get_id (config);
}

/* The access token cache: secret key -> CacheEntry, shared by every thread.
 *
 * Sync runs on a worker thread with its own GMainContext while the UI asks from the main
 * thread, so everything below is guarded by cache_lock. A refresh runs on the thread-default
 * context of the caller that started it (its HTTP request and its keyring calls are sent from
 * there, libsoup >= 3.2 allows that); callers from other threads wait for it and get their
 * answer on their own context (GTask does that). Should the starting thread stop iterating
 * its context (a sync that was cancelled), a waiter from another context takes the refresh
 * over once it is overdue, so nobody waits forever. */

typedef struct
{
  gatomicrefcount  ref_count;
  char            *secret_key;             /* owned: whose tokens */
  char            *account_id;             /* owned: for messages, and the pre-migration key */
  char            *key;                    /* owned: provider id, newline, client id */
  char            *access_token;           /* owned, wiped, nullable */
  gint64           expires_at;             /* seconds since the epoch */
  char            *unsaved_refresh_token;  /* owned, wiped, nullable: rotated, not yet stored */
  gboolean         refreshing;
  guint            generation;             /* of the running refresh; older ones are ignored */
  GMainContext    *refresh_context;        /* owned, nullable: where the refresh runs */
  gint64           refresh_started;        /* monotonic time */
  GPtrArray       *waiters;                /* owned, of Waiter (reference) */
} CacheEntry;

typedef struct
{
  gatomicrefcount  ref_count;
  GTask           *task;       /* owned */
  GSource         *source;     /* owned, nullable: fires when the waiter's cancellable does */
  GSource         *overdue;    /* owned, nullable: fires if a refresh elsewhere hangs */
  CacheEntry      *entry;      /* owned */
  gboolean         answered;   /* under cache_lock: the task was returned */
} Waiter;

typedef struct
{
  CacheEntry           *entry;          /* owned */
  guint                 generation;
  PetrelOAuth2Provider *provider;       /* owned */
  PetrelCredentials    *credentials;    /* owned */
  char                 *client_id;      /* owned */
  char                 *client_secret;  /* owned, wiped, nullable */
  char                 *label;          /* owned */
  char                 *refresh_token;  /* owned, wiped: the one used */
  PetrelOAuth2Token    *token;          /* owned, nullable: the answer */
  gboolean              migrating;      /* looking up the key of before issue 7's fix */
} RefreshData;

static GMutex cache_lock;
static GHashTable *cache;   /* owned, under cache_lock: secret key -> CacheEntry (reference) */

static CacheEntry *
cache_entry_ref (CacheEntry *entry)
{
  g_atomic_ref_count_inc (&entry->ref_count);

  return entry;
}

static void
cache_entry_unref (CacheEntry *entry)
{
  if (!g_atomic_ref_count_dec (&entry->ref_count))
    return;

  g_free (entry->secret_key);
  g_free (entry->account_id);
  g_free (entry->key);
  wipe_string (entry->access_token);
  wipe_string (entry->unsaved_refresh_token);
  g_clear_pointer (&entry->refresh_context, g_main_context_unref);
  g_ptr_array_unref (entry->waiters);
  g_free (entry);
}

static Waiter *
waiter_ref (Waiter *waiter)
{
  g_atomic_ref_count_inc (&waiter->ref_count);

  return waiter;
}

static void
waiter_unref (Waiter *waiter)
{
  if (!g_atomic_ref_count_dec (&waiter->ref_count))
    return;

  destroy_source (&waiter->source);
  destroy_source (&waiter->overdue);
  g_clear_object (&waiter->task);
  cache_entry_unref (waiter->entry);
  g_free (waiter);
}

static CacheEntry *
cache_entry_new_locked (const char *secret_key,
                        const char *account_id)
{
  CacheEntry *entry = g_new0 (CacheEntry, 1);

  g_atomic_ref_count_init (&entry->ref_count);
  entry->secret_key = g_strdup (secret_key);
  entry->account_id = g_strdup (account_id);
  entry->waiters = g_ptr_array_new_with_free_func ((GDestroyNotify) waiter_unref);

  if (cache == NULL)
    cache = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                   (GDestroyNotify) cache_entry_unref);
  g_hash_table_insert (cache, entry->secret_key, entry);

  return entry;
}

static CacheEntry *
cache_lookup_locked (const char *secret_key)
{
  return cache != NULL ? g_hash_table_lookup (cache, secret_key) : NULL;
}

static gboolean
cache_entry_is_fresh (CacheEntry *entry)
{
  return entry->access_token != NULL &&
         entry->expires_at - g_get_real_time () / G_USEC_PER_SEC >
         PETREL_OAUTH2_EXPIRY_MARGIN_SECONDS;
}

/* Removes @entry from the cache if it is still the account's entry. */
static void
cache_forget_entry_locked (CacheEntry *entry)
{
  if (cache_lookup_locked (entry->secret_key) == entry)
    g_hash_table_remove (cache, entry->secret_key);
}

static void
cache_set_token_locked (CacheEntry              *entry,
                        const PetrelOAuth2Token *token)
{
  wipe_string (entry->access_token);
  entry->access_token = g_strdup (token->access_token);
  entry->expires_at = token->expires_at;
}

/* After the waiter's task was answered, by whoever set waiter->answered: its sources go. */
static void
waiter_drop_sources (Waiter *waiter)
{
  destroy_source (&waiter->source);
  destroy_source (&waiter->overdue);
}

static gboolean
waiter_cancelled_cb (GCancellable *cancellable,
                     gpointer      user_data)
{
  Waiter *waiter = user_data;
  gboolean answer;

  g_mutex_lock (&cache_lock);
  answer = !waiter->answered;
  if (answer)
    {
      /* The refresh goes on for the others and the cache. */
      waiter->answered = TRUE;
      g_ptr_array_remove (waiter->entry->waiters, waiter);
    }
  g_mutex_unlock (&cache_lock);

  if (answer)
    {
      g_task_return_new_error (waiter->task, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled"));
      waiter_drop_sources (waiter);
    }

  return G_SOURCE_REMOVE;
}

/* Answers every waiter of @entry: with @token, or with @error. Takes the lock. Only the
 * refresh of @generation may answer. */
static void
cache_entry_finish_waiters (CacheEntry   *entry,
                            guint         generation,
                            const char   *token,
                            const GError *error)
{
  g_autoptr(GPtrArray) waiters = NULL;

  g_mutex_lock (&cache_lock);
  if (!entry->refreshing || entry->generation != generation)
    {
      g_mutex_unlock (&cache_lock);
      return;
    }
  waiters = g_steal_pointer (&entry->waiters);
  entry->waiters = g_ptr_array_new_with_free_func ((GDestroyNotify) waiter_unref);
  entry->refreshing = FALSE;
  g_clear_pointer (&entry->refresh_context, g_main_context_unref);
  for (guint i = waiters->len; i > 0; i--)
    {
      Waiter *waiter = g_ptr_array_index (waiters, i - 1);

      if (waiter->answered)
        g_ptr_array_remove_index (waiters, i - 1);
      else
        waiter->answered = TRUE;
    }
  g_mutex_unlock (&cache_lock);

  for (guint i = 0; i < waiters->len; i++)
    {
      Waiter *waiter = g_ptr_array_index (waiters, i);

      /* From another thread, GTask calls back on the waiter's own context. */
      if (error != NULL)
        g_task_return_error (waiter->task, g_error_copy (error));
      else
        g_task_return_pointer (waiter->task, g_strdup (token),
                               (GDestroyNotify) petrel_credentials_secret_free);
      waiter_drop_sources (waiter);
    }
}

static void
refresh_data_free (RefreshData *data)
{
  cache_entry_unref (data->entry);
  petrel_oauth2_provider_unref (data->provider);
  g_object_unref (data->credentials);
  g_free (data->client_id);
  wipe_string (data->client_secret);
  g_free (data->label);
  wipe_string (data->refresh_token);
  g_clear_pointer (&data->token, petrel_oauth2_token_free);
  g_free (data);
}

static void
refresh_done (RefreshData *data,
              GError      *error)
{
  CacheEntry *entry = data->entry;

  if (error != NULL)
    {
      g_debug ("Could not refresh the access token of account “%s”: %s", entry->account_id,
               error->message);

      /* A refused grant or no grant at all: nothing cached is worth keeping. */
      if (g_error_matches (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_REVOKED) ||
          g_error_matches (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_NOT_SIGNED_IN))
        {
          g_mutex_lock (&cache_lock);
          if (entry->generation == data->generation)
            cache_forget_entry_locked (entry);
          g_mutex_unlock (&cache_lock);
        }
    }

  cache_entry_finish_waiters (entry, data->generation,
                              data->token != NULL ? data->token->access_token : NULL, error);
  g_clear_error (&error);
  refresh_data_free (data);
}

static void
refresh_store_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  RefreshData *data = user_data;
  GError *error = NULL;

  if (!petrel_credentials_store_finish (PETREL_CREDENTIALS (object), result, &error))
    {
      /* The new access token works; keep the new refresh token in memory and try to store
       * it again at the next refresh, but say that the keyring failed. */
      g_prefix_error (&error, _("The renewed sign-in of account “%s” could not be saved: "),
                      data->entry->account_id);
      g_mutex_lock (&cache_lock);
      wipe_string (data->entry->unsaved_refresh_token);
      data->entry->unsaved_refresh_token = g_strdup (data->token->refresh_token);
      g_mutex_unlock (&cache_lock);
      refresh_done (data, error);
      return;
    }

  g_debug ("Stored the rotated refresh token of account “%s”", data->entry->account_id);
  g_mutex_lock (&cache_lock);
  g_clear_pointer (&data->entry->unsaved_refresh_token, wipe_string);
  g_mutex_unlock (&cache_lock);
  refresh_done (data, NULL);
}

static void
refresh_token_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  RefreshData *data = user_data;
  GError *error = NULL;
  gboolean rotated;

  data->token = token_request_finish (result, &error);
  if (data->token == NULL)
    {
      refresh_done (data, error);
      return;
    }

  g_mutex_lock (&cache_lock);
  if (data->entry->generation == data->generation)
    cache_set_token_locked (data->entry, data->token);
  g_mutex_unlock (&cache_lock);

  /* Providers that rotate refresh tokens send a new one with every refresh; it is stored
   * even by a refresh that was taken over, as the provider may have retired the old one. */
  rotated = data->token->refresh_token != NULL &&
            !g_str_equal (data->token->refresh_token, data->refresh_token);
  if (rotated)
    {
      petrel_credentials_store_async (data->credentials, data->entry->secret_key,
                                      PETREL_CREDENTIAL_SERVICE_OAUTH2_REFRESH, data->label,
                                      data->token->refresh_token, NULL, refresh_store_cb, data);
      return;
    }

  refresh_done (data, NULL);
}

static void
refresh_with_token (RefreshData *data)
{
  GHashTable *form = new_form ();

  g_debug ("Refreshing the access token of account “%s” at %s", data->entry->account_id,
           petrel_oauth2_provider_get_id (data->provider));

  g_hash_table_insert (form, (char *) "grant_type", g_strdup ("refresh_token"));
  g_hash_table_insert (form, (char *) "refresh_token", g_strdup (data->refresh_token));
  g_hash_table_insert (form, (char *) "client_id", g_strdup (data->client_id));
  if (data->client_secret != NULL)
    g_hash_table_insert (form, (char *) "client_secret", g_strdup (data->client_secret));
  if (petrel_oauth2_provider_get_refresh_sends_scope (data->provider))
    g_hash_table_insert (form, (char *) "scope",
                         g_strdup (petrel_oauth2_provider_get_scopes (data->provider)));

  /* Not cancellable by one waiter: the others and the cache want the answer. The request
   * timeout bounds it. */
  token_request_async (petrel_oauth2_provider_get_token_endpoint (data->provider), form, TRUE,
                       NULL, refresh_token_cb, data);
}

static void
refresh_migrate_clear_cb (GObject      *object,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  RefreshData *data = user_data;
  g_autoptr(GError) error = NULL;

  /* The token is safe under its new key; a stale copy under the old one only costs space. */
  if (!petrel_credentials_clear_finish (PETREL_CREDENTIALS (object), result, &error))
    g_debug ("Could not remove the old refresh token of account “%s”: %s",
             data->entry->account_id, error->message);
  refresh_with_token (data);
}

static void
refresh_migrate_store_cb (GObject      *object,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  RefreshData *data = user_data;
  GError *error = NULL;

  if (!petrel_credentials_store_finish (PETREL_CREDENTIALS (object), result, &error))
    {
      refresh_done (data, error);
      return;
    }

  g_debug ("Moved the refresh token of account “%s” to its per-data-dir key",
           data->entry->account_id);
  petrel_credentials_clear_async (data->credentials, data->entry->account_id,
                                  PETREL_CREDENTIAL_SERVICE_OAUTH2_REFRESH, NULL,
                                  refresh_migrate_clear_cb, data);
}

static void
refresh_lookup_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  RefreshData *data = user_data;
  GError *error = NULL;

  data->refresh_token = petrel_credentials_lookup_finish (PETREL_CREDENTIALS (object), result,
                                                          &error);
  if (data->refresh_token == NULL && error == NULL && !data->migrating &&
      !g_str_equal (data->entry->secret_key, data->entry->account_id))
    {
      /* Before, refresh tokens were kept under the bare account id (two data dirs with the
       * same account id shared one): look there once and move it under the secret key. */
      data->migrating = TRUE;
      petrel_credentials_lookup_async (data->credentials, data->entry->account_id,
                                       PETREL_CREDENTIAL_SERVICE_OAUTH2_REFRESH, NULL,
                                       refresh_lookup_cb, data);
      return;
    }

  if (data->refresh_token == NULL)
    {
      if (error == NULL)
        error = g_error_new (PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_NOT_SIGNED_IN,
                             _("The account “%s” is not signed in: sign in with %s"),
                             data->entry->account_id,
                             petrel_oauth2_provider_get_name (data->provider));
      refresh_done (data, error);
      return;
    }

  if (data->migrating)
    {
      petrel_credentials_store_async (data->credentials, data->entry->secret_key,
                                      PETREL_CREDENTIAL_SERVICE_OAUTH2_REFRESH, data->label,
                                      data->refresh_token, NULL, refresh_migrate_store_cb, data);
      return;
    }

  refresh_with_token (data);
}

/* Runs the refresh on the thread-default context of the calling thread. */
static void
run_refresh (RefreshData *data,
             char        *unsaved_refresh_token)
{
  if (unsaved_refresh_token != NULL)
    {
      data->refresh_token = unsaved_refresh_token;
      refresh_with_token (data);
    }
  else
    {
      petrel_credentials_lookup_async (data->credentials, data->entry->secret_key,
                                       PETREL_CREDENTIAL_SERVICE_OAUTH2_REFRESH, NULL,
                                       refresh_lookup_cb, data);
    }
}

/* Marks @entry as refreshing by @data's new generation from the calling thread's context. */
static void
start_refresh_locked (CacheEntry  *entry,
                      RefreshData *data)
{
  entry->refreshing = TRUE;
  entry->generation++;
  g_clear_pointer (&entry->refresh_context, g_main_context_unref);
  entry->refresh_context = g_main_context_ref_thread_default ();
  entry->refresh_started = g_get_monotonic_time ();
  data->entry = cache_entry_ref (entry);
  data->generation = entry->generation;
}

static RefreshData *
refresh_data_new (PetrelOAuth2Provider *provider,
                  PetrelCredentials    *credentials,
                  const char           *client_id,
                  const char           *label)
{
  RefreshData *data = g_new0 (RefreshData, 1);

  data->provider = petrel_oauth2_provider_ref (provider);
  data->credentials = g_object_ref (credentials);
  data->client_id = g_strdup (client_id);
  if (g_strcmp0 (client_id, petrel_oauth2_provider_get_client_id (provider)) == 0)
    data->client_secret = g_strdup (petrel_oauth2_provider_get_client_secret (provider));
  data->label = g_strdup (label);

  return data;
}

/* How long a refresh may run on another context before a waiter takes it over: twice the
 * request timeout, by which it would have timed out were its context still iterated. */
static guint
overdue_ms (void)
{
  return request_timeout_ms * 2;
}

typedef struct
{
  Waiter               *waiter;       /* owned */
  PetrelOAuth2Provider *provider;     /* owned */
  PetrelCredentials    *credentials;  /* owned */
  char                 *client_id;    /* owned */
  char                 *label;        /* owned */
} Takeover;

static void
takeover_free (Takeover *takeover)
{
  waiter_unref (takeover->waiter);
  petrel_oauth2_provider_unref (takeover->provider);
  g_object_unref (takeover->credentials);
  g_free (takeover->client_id);
  g_free (takeover->label);
  g_free (takeover);
}

static gboolean
waiter_overdue_cb (gpointer user_data)
{
  Takeover *takeover = user_data;
  Waiter *waiter = takeover->waiter;
  CacheEntry *entry = waiter->entry;
  RefreshData *data = NULL;
  char *unsaved = NULL;

  g_mutex_lock (&cache_lock);
  if (!waiter->answered && entry->refreshing &&
      g_get_monotonic_time () - entry->refresh_started >= (gint64) overdue_ms () * 1000)
    {
      g_debug ("The refresh of account “%s” on another thread is overdue; taking it over",
               entry->account_id);
      data = refresh_data_new (takeover->provider, takeover->credentials, takeover->client_id,
                               takeover->label);
      start_refresh_locked (entry, data);
      unsaved = g_strdup (entry->unsaved_refresh_token);
    }
  g_mutex_unlock (&cache_lock);

  if (data != NULL)
    run_refresh (data, unsaved);

  return G_SOURCE_CONTINUE;
}

/**
 * petrel_oauth2_get_access_token_for_key_async:
 * @config: an account with an OAuth2 provider
 * @secret_key: (nullable): the key of the account's secrets in @credentials
 *   (petrel_account_get_secret_key()); %NULL for the account id
 * @credentials: where the account's refresh token is kept
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the token
 * @user_data: data for @callback
 *
 * Gets an access token for the account's IMAP and SMTP servers: the one in memory if it is
 * valid for more than %PETREL_OAUTH2_EXPIRY_MARGIN_SECONDS, else a new one from the token
 * endpoint with the refresh token from @credentials (a rotated refresh token is stored back).
 * A refresh token kept under the bare account id (before secret keys) is moved under
 * @secret_key the first time. Calls for the same key while a refresh runs share it.
 *
 * Safe from any thread: the refresh runs on the thread-default #GMainContext of the caller
 * that starts it, and @callback is called on the caller's thread-default context. Finish
 * with petrel_oauth2_get_access_token_finish().
 */
void
petrel_oauth2_get_access_token_for_key_async (PetrelAccountConfig *config,
                                              const char          *secret_key,
                                              PetrelCredentials   *credentials,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(PetrelOAuth2Provider) provider = NULL;
  g_autofree char *client_id = NULL;
  g_autofree char *key = NULL;
  g_autoptr(GMainContext) context = NULL;
  const char *account_id;
  CacheEntry *entry;
  Waiter *waiter;
  RefreshData *data = NULL;
  char *unsaved = NULL;
  GError *error = NULL;

  g_return_if_fail (PETREL_IS_ACCOUNT_CONFIG (config));
  g_return_if_fail (PETREL_IS_CREDENTIALS (credentials));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, petrel_oauth2_get_access_token_async);

  if (g_task_return_error_if_cancelled (task))
    return;

  provider = petrel_oauth2_dup_account_provider (config, &error);
  if (provider != NULL)
    client_id = petrel_oauth2_dup_account_client_id (config, provider, &error);
  if (client_id == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  if (!_petrel_oauth2_check_endpoint (petrel_oauth2_provider_get_token_endpoint (provider),
                                      &error))
    {
      g_task_return_error (task, error);
      return;
    }

  account_id = petrel_account_config_get_id (config);
  if (secret_key == NULL)
    secret_key = account_id;
  key = g_strdup_printf ("%s\n%s", petrel_oauth2_provider_get_id (provider), client_id);
  context = g_main_context_ref_thread_default ();

  g_mutex_lock (&cache_lock);

  entry = cache_lookup_locked (secret_key);
  if (entry != NULL && g_strcmp0 (entry->key, key) != 0)
    {
      /* The account now signs in elsewhere: its old token is no use. */
      cache_forget_entry_locked (entry);
      entry = NULL;
    }

  if (entry != NULL && cache_entry_is_fresh (entry))
    {
      char *token = g_strdup (entry->access_token);

      g_mutex_unlock (&cache_lock);
      g_task_return_pointer (task, token, (GDestroyNotify) petrel_credentials_secret_free);
      return;
    }

  if (entry == NULL)
    {
      entry = cache_entry_new_locked (secret_key, account_id);
      entry->key = g_strdup (key);
    }

  waiter = g_new0 (Waiter, 1);
  g_atomic_ref_count_init (&waiter->ref_count);
  waiter->task = g_steal_pointer (&task);
  waiter->entry = cache_entry_ref (entry);
  if (cancellable != NULL)
    {
      waiter->source = g_cancellable_source_new (cancellable);
      g_source_set_callback (waiter->source, G_SOURCE_FUNC (waiter_cancelled_cb),
                             waiter_ref (waiter), (GDestroyNotify) waiter_unref);
      g_source_attach (waiter->source, context);
    }
  g_ptr_array_add (entry->waiters, waiter);

  if (!entry->refreshing)
    {
      data = refresh_data_new (provider, credentials, client_id, account_label (config));
      start_refresh_locked (entry, data);
      unsaved = g_strdup (entry->unsaved_refresh_token);
    }
  else if (entry->refresh_context != context)
    {
      /* The refresh runs on another thread's context, which might stop being iterated. */
      Takeover *takeover = g_new0 (Takeover, 1);

      takeover->waiter = waiter_ref (waiter);
      takeover->provider = petrel_oauth2_provider_ref (provider);
      takeover->credentials = g_object_ref (credentials);
      takeover->client_id = g_strdup (client_id);
      takeover->label = g_strdup (account_label (config));
      waiter->overdue = g_timeout_source_new (overdue_ms ());
      g_source_set_callback (waiter->overdue, waiter_overdue_cb, takeover,
                             (GDestroyNotify) takeover_free);
      g_source_attach (waiter->overdue, context);
    }

  g_mutex_unlock (&cache_lock);

  if (data != NULL)
    run_refresh (data, unsaved);
}

/**
 * petrel_oauth2_get_access_token_async:
 * @config: an account with an OAuth2 provider
 * @credentials: where the account's refresh token is kept
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the token
 * @user_data: data for @callback
 *
 * petrel_oauth2_get_access_token_for_key_async() with the account id as the key. Accounts
 * opened as #PetrelAccount use their secret key instead.
 */
void
petrel_oauth2_get_access_token_async (PetrelAccountConfig *config,
                                      PetrelCredentials   *credentials,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  petrel_oauth2_get_access_token_for_key_async (config, NULL, credentials, cancellable,
                                                callback, user_data);
}

/**
 * petrel_oauth2_get_access_token_finish:
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the access token (free with petrel_credentials_secret_free()), or
 *   %NULL with %PETREL_OAUTH2_ERROR_REVOKED (sign in again), _NOT_SIGNED_IN, _TIMED_OUT,
 *   _TOKEN_ENDPOINT, _UNKNOWN_PROVIDER, _NO_CLIENT_ID, _INSECURE, a keyring error
 *   (#PetrelAccountError), a network error or %G_IO_ERROR_CANCELLED
 */
char *
petrel_oauth2_get_access_token_finish (GAsyncResult  *result,
                                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        petrel_oauth2_get_access_token_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * petrel_oauth2_invalidate_access_token:
 * @secret_key: the key given to petrel_oauth2_get_access_token_for_key_async() (the account
 *   id for petrel_oauth2_get_access_token_async())
 * @access_token: (nullable): the token a server refused, or %NULL for any
 *
 * Makes the next petrel_oauth2_get_access_token_async() for the account ask the token
 * endpoint again. Call it with the refused token when a server says no to a token that had
 * not expired (it was revoked), then retry once; with %NULL on sign-out or account removal.
 * Safe from any thread.
 */
void
petrel_oauth2_invalidate_access_token (const char *secret_key,
                                       const char *access_token)
{
  CacheEntry *entry;

  g_return_if_fail (secret_key != NULL);

  g_mutex_lock (&cache_lock);

  entry = cache_lookup_locked (secret_key);
  if (entry == NULL ||
      (access_token != NULL && g_strcmp0 (entry->access_token, access_token) != 0))
    {
      g_mutex_unlock (&cache_lock);
      return;
    }

  g_debug ("Forgetting the access token of account “%s”", entry->account_id);

  if (entry->refreshing)
    /* Its waiters still get the token being fetched, which is a new one anyway. */
    g_clear_pointer (&entry->access_token, wipe_string);
  else
    g_hash_table_remove (cache, secret_key);

  g_mutex_unlock (&cache_lock);
}

/* Sign-in: authorize, then store */

typedef struct
{
  char              *account_id;   /* owned */
  char              *secret_key;   /* owned */
  char              *label;        /* owned */
  char              *key;          /* owned */
  PetrelCredentials *credentials;  /* owned */
  PetrelOAuth2Token *token;        /* owned, nullable */
} SignInData;

static void
sign_in_data_free (SignInData *data)
{
  g_free (data->account_id);
  g_free (data->secret_key);
  g_free (data->label);
  g_free (data->key);
  g_clear_object (&data->credentials);
  g_clear_pointer (&data->token, petrel_oauth2_token_free);
  g_free (data);
}

static void
sign_in_store_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SignInData *data = g_task_get_task_data (task);
  CacheEntry *entry;
  GError *error = NULL;

  if (!petrel_credentials_store_finish (PETREL_CREDENTIALS (object), result, &error))
    {
      g_prefix_error (&error, _("Signed in, but the sign-in of account “%s” could not be saved: "),
                      data->account_id);
      g_task_return_error (task, error);
      return;
    }

  /* A fresh start for the account, with the access token just issued. */
  petrel_oauth2_invalidate_access_token (data->secret_key, NULL);

  g_mutex_lock (&cache_lock);
  entry = cache_lookup_locked (data->secret_key);
  if (entry == NULL)
    entry = cache_entry_new_locked (data->secret_key, data->account_id);
  g_free (entry->key);
  entry->key = g_strdup (data->key);
  g_clear_pointer (&entry->unsaved_refresh_token, wipe_string);
  cache_set_token_locked (entry, data->token);
  g_mutex_unlock (&cache_lock);

  g_task_return_boolean (task, TRUE);
}

static void
sign_in_authorize_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SignInData *data = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  GError *error = NULL;

  data->token = petrel_oauth2_authorize_finish (result, &error);
  if (data->token == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  if (data->token->refresh_token == NULL)
    {
      g_task_return_new_error (task, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_NO_REFRESH_TOKEN,
                               _("The provider signed in but gave no refresh token, so Petrel "
                                 "cannot stay signed in to account “%s”"), data->account_id);
      return;
    }

  petrel_credentials_store_async (data->credentials, data->secret_key,
                                  PETREL_CREDENTIAL_SERVICE_OAUTH2_REFRESH, data->label,
                                  data->token->refresh_token, cancellable,
                                  sign_in_store_cb, g_steal_pointer (&task));
}

/**
 * petrel_oauth2_sign_in_for_key_async:
 * @config: an account with an OAuth2 provider
 * @secret_key: (nullable): the key of the account's secrets in @credentials
 *   (petrel_account_get_secret_key()); %NULL for the account id
 * @credentials: where to keep the refresh token
 * @launch_func: (nullable) (scope call): opens the authorization URL; %NULL for the default
 *   browser
 * @launch_data: data for @launch_func
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Signs the account in: petrel_oauth2_authorize_async() with the account's provider, client
 * id and address (as login hint), then the refresh token goes to @credentials under
 * (@secret_key, %PETREL_CREDENTIAL_SERVICE_OAUTH2_REFRESH) and the access token to memory,
 * where petrel_oauth2_get_access_token_for_key_async() with the same key finds it. Finish
 * with petrel_oauth2_sign_in_finish().
 */
void
petrel_oauth2_sign_in_for_key_async (PetrelAccountConfig    *config,
                                     const char             *secret_key,
                                     PetrelCredentials      *credentials,
                                     PetrelOAuth2LaunchFunc  launch_func,
                                     gpointer                launch_data,
                                     GCancellable           *cancellable,
                                     GAsyncReadyCallback     callback,
                                     gpointer                user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(PetrelOAuth2Provider) provider = NULL;
  g_autofree char *client_id = NULL;
  SignInData *data;
  GError *error = NULL;

  g_return_if_fail (PETREL_IS_ACCOUNT_CONFIG (config));
  g_return_if_fail (PETREL_IS_CREDENTIALS (credentials));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, petrel_oauth2_sign_in_async);

  provider = petrel_oauth2_dup_account_provider (config, &error);
  if (provider != NULL)
    client_id = petrel_oauth2_dup_account_client_id (config, provider, &error);
  if (client_id == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  data = g_new0 (SignInData, 1);
  data->account_id = g_strdup (petrel_account_config_get_id (config));
  data->secret_key = g_strdup (secret_key != NULL ? secret_key : data->account_id);
  data->label = g_strdup (account_label (config));
  data->key = g_strdup_printf ("%s\n%s", petrel_oauth2_provider_get_id (provider), client_id);
  data->credentials = g_object_ref (credentials);
  g_task_set_task_data (task, data, (GDestroyNotify) sign_in_data_free);

  petrel_oauth2_authorize_async (provider, client_id,
                                 petrel_account_config_get_email_address (config),
                                 launch_func, launch_data, cancellable,
                                 sign_in_authorize_cb, g_steal_pointer (&task));
}

/**
 * petrel_oauth2_sign_in_async:
 * @config: an account with an OAuth2 provider
 * @credentials: where to keep the refresh token
 * @launch_func: (nullable) (scope call): opens the authorization URL; %NULL for the default
 *   browser
 * @launch_data: data for @launch_func
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * petrel_oauth2_sign_in_for_key_async() with the account id as the key.
 */
void
petrel_oauth2_sign_in_async (PetrelAccountConfig    *config,
                             PetrelCredentials      *credentials,
                             PetrelOAuth2LaunchFunc  launch_func,
                             gpointer                launch_data,
                             GCancellable           *cancellable,
                             GAsyncReadyCallback     callback,
                             gpointer                user_data)
{
  petrel_oauth2_sign_in_for_key_async (config, NULL, credentials, launch_func, launch_data,
                                       cancellable, callback, user_data);
}

/**
 * petrel_oauth2_sign_in_finish:
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Returns: %TRUE once signed in and stored, else %FALSE with the error of
 *   petrel_oauth2_authorize_finish(), %PETREL_OAUTH2_ERROR_NO_REFRESH_TOKEN or a keyring error
 */
gboolean
petrel_oauth2_sign_in_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == petrel_oauth2_sign_in_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
