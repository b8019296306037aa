/* petrel-account-probe.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A login test of unsaved account settings (issue 7: "the caller tests them with a real login
 * before saving"). IMAP and SMTP are tried at the same time, each with the same trust (CA
 * file, pins) a sync would use; a certificate refusal becomes the PETREL_TLS_ERROR that
 * carries the certificate, so a front end can show it and pin it.
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "account/petrel-oauth2-providers.h"
#include "account/petrel-tls-trust.h"
#include "imap/petrel-imap-client.h"
#include "imap/petrel-imap-error.h"
#include "smtp/petrel-smtp-client.h"
#include "smtp/petrel-smtp-error.h"

#include "petrel-account-probe.h"

#define N_SERVERS 2

struct _PetrelAccountProbeResult
{
  gatomicrefcount   ref_count;
  GError           *errors[N_SERVERS];    /* owned, nullable */
  PetrelTlsFailure *failures[N_SERVERS];  /* owned, nullable */
};

G_DEFINE_BOXED_TYPE (PetrelAccountProbeResult, petrel_account_probe_result,
                     petrel_account_probe_result_ref, petrel_account_probe_result_unref)

typedef struct
{
  PetrelAccountConfig      *config;       /* owned */
  PetrelTlsTrust           *trust;        /* owned */
  PetrelImapClient         *imap;         /* owned, nullable */
  PetrelSmtpClient         *smtp;         /* owned, nullable */
  PetrelTlsCheck           *checks[N_SERVERS];  /* owned, nullable */
  PetrelAccountProbeResult *result;       /* owned */
  guint                     pending;      /* servers still being tried */
} ProbeData;

static PetrelAccountProbeResult *
probe_result_new (void)
{
  PetrelAccountProbeResult *self = g_new0 (PetrelAccountProbeResult, 1);

  g_atomic_ref_count_init (&self->ref_count);
  return self;
}

PetrelAccountProbeResult *
petrel_account_probe_result_ref (PetrelAccountProbeResult *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
petrel_account_probe_result_unref (PetrelAccountProbeResult *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  for (guint i = 0; i < N_SERVERS; i++)
    {
      g_clear_error (&self->errors[i]);
      g_clear_pointer (&self->failures[i], petrel_tls_failure_unref);
    }
  g_free (self);
}

gboolean
petrel_account_probe_result_get_ok (PetrelAccountProbeResult *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  for (guint i = 0; i < N_SERVERS; i++)
    if (self->errors[i] != NULL)
      return FALSE;
  return TRUE;
}

const GError *
petrel_account_probe_result_get_error (PetrelAccountProbeResult *self,
                                       PetrelAccountServer       server)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (server < N_SERVERS, NULL);

  return self->errors[server];
}

PetrelTlsFailure *
petrel_account_probe_result_get_tls_failure (PetrelAccountProbeResult *self,
                                             PetrelAccountServer       server)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (server < N_SERVERS, NULL);

  return self->failures[server];
}

static void
probe_data_free (ProbeData *data)
{
  g_clear_object (&data->config);
  g_clear_object (&data->trust);
  if (data->imap != NULL)
    petrel_imap_client_close (data->imap);
  g_clear_object (&data->imap);
  g_clear_object (&data->smtp);
  for (guint i = 0; i < N_SERVERS; i++)
    g_clear_object (&data->checks[i]);
  g_clear_pointer (&data->result, petrel_account_probe_result_unref);
  g_free (data);
}

static void
probe_return_if_done (GTask *task)
{
  ProbeData *data = g_task_get_task_data (task);

  if (--data->pending > 0)
    return;

  if (g_task_return_error_if_cancelled (task))
    return;

  g_task_return_pointer (task, petrel_account_probe_result_ref (data->result),
                         (GDestroyNotify) petrel_account_probe_result_unref);
}

static const char *
server_name (PetrelAccountServer server)
{
  return server == PETREL_ACCOUNT_SERVER_IMAP ? "IMAP" : "SMTP";
}

/* Records the failure of one server; a refused certificate becomes PETREL_TLS_ERROR with the
 * certificate, whatever the protocol client made of it. */
static void
probe_fail (ProbeData           *data,
            PetrelAccountServer  server,
            GError              *error)
{
  g_autoptr(PetrelTlsFailure) failure = NULL;

  if (data->checks[server] != NULL)
    failure = petrel_tls_check_dup_failure (data->checks[server]);

  if (failure != NULL &&
      (g_error_matches (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_CERTIFICATE) ||
       g_error_matches (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_TLS) ||
       g_error_matches (error, PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_TLS) ||
       g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE)))
    {
      g_error_free (error);
      error = petrel_tls_failure_to_error (failure);
      data->result->failures[server] = g_steal_pointer (&failure);
    }

  g_debug ("Probing the %s server failed: %s", server_name (server), error->message);
  g_clear_error (&data->result->errors[server]);
  data->result->errors[server] = error;
}

/* Ends the test of one server, a failure when ERROR (taken) is set; the task returns once
 * both servers are done. */
static void
probe_server_done (GTask               *task,
                   PetrelAccountServer  server,
                   GError              *error)
{
  if (error != NULL)
    probe_fail (g_task_get_task_data (task), server, error);
  probe_return_if_done (task);
}

/* Whether the login test may send the secret to SERVER (a password never goes over an
 * unencrypted connection unless the config allows it); if not, that server has failed. */
static gboolean
probe_may_send_secret (GTask               *task,
                       PetrelAccountServer  server)
{
  ProbeData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (petrel_account_config_get_auth_mechanism (data->config) != PETREL_AUTH_MECHANISM_PASSWORD ||
      petrel_account_config_may_send_password (data->config, server, &error))
    return TRUE;

  probe_server_done (task, server, error);
  return FALSE;
}

/* Checks the certificate of a new TLS connection to SERVER with the account's trust, keeping
 * the check to explain a refusal. */
static void
probe_attach_trust (ProbeData            *data,
                    PetrelAccountServer   server,
                    GTlsClientConnection *connection,
                    const char           *host,
                    guint16               port)
{
  g_clear_object (&data->checks[server]);
  data->checks[server] = petrel_tls_trust_attach (data->trust, connection, host, port);
}

static void
probe_logged_in (PetrelAccountServer  server,
                 const char          *host,
                 guint16              port)
{
  g_debug ("Logged in to %s at %s:%u", server_name (server), host, port);
}

/* ---- IMAP --------------------------------------------------------------------------------- */

static PetrelImapSecurity
imap_security_for (PetrelConnectionSecurity security)
{
  switch (security)
    {
    case PETREL_CONNECTION_SECURITY_TLS:
      return PETREL_IMAP_SECURITY_TLS;
    case PETREL_CONNECTION_SECURITY_STARTTLS:
      return PETREL_IMAP_SECURITY_STARTTLS;
    case PETREL_CONNECTION_SECURITY_NONE:
    default:
      return PETREL_IMAP_SECURITY_NONE;
    }
}

static void
on_imap_tls_connection_created_cb (PetrelImapClient     *client,
                                   GTlsClientConnection *connection,
                                   gpointer              user_data)
{
  probe_attach_trust (user_data, PETREL_ACCOUNT_SERVER_IMAP, connection,
                      petrel_imap_client_get_host (client), petrel_imap_client_get_port (client));
}

static void
probe_imap_logout_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;

  /* Logged in is what counts; a server that drops the line at LOGOUT is no failure. */
  petrel_imap_client_logout_finish (PETREL_IMAP_CLIENT (object), result, NULL);
  probe_server_done (task, PETREL_ACCOUNT_SERVER_IMAP, NULL);
}

static void
probe_imap_connect_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ProbeData *data = g_task_get_task_data (task);
  GCancellable *cancellable;
  GError *error = NULL;

  if (!petrel_imap_client_connect_finish (PETREL_IMAP_CLIENT (object), result, &error))
    {
      probe_server_done (task, PETREL_ACCOUNT_SERVER_IMAP, error);
      return;
    }

  probe_logged_in (PETREL_ACCOUNT_SERVER_IMAP, petrel_imap_client_get_host (data->imap),
                   petrel_imap_client_get_port (data->imap));
  cancellable = g_task_get_cancellable (task);
  petrel_imap_client_logout_async (data->imap, cancellable, probe_imap_logout_cb,
                                   g_steal_pointer (&task));
}

static gboolean
oauth2_mechanism (PetrelAccountConfig    *config,
                  PetrelOAuth2Mechanism  *mechanism,
                  GError                **error)
{
  g_autoptr(PetrelOAuth2Provider) provider = NULL;
  const char *id = petrel_account_config_get_oauth2_provider (config);

  provider = id != NULL ? petrel_oauth2_providers_lookup (id) : NULL;
  if (provider == NULL)
    {
      g_set_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_VALUE,
                   _("The account uses OAuth2 but names no provider Petrel knows (“%s”)"),
                   id != NULL ? id : "");
      return FALSE;
    }
  *mechanism = petrel_oauth2_provider_get_mechanism (provider);
  return TRUE;
}

static void
probe_imap (GTask      *task,
            const char *secret)
{
  ProbeData *data = g_task_get_task_data (task);
  PetrelAccountConfig *config = data->config;
  GError *error = NULL;

  if (!probe_may_send_secret (task, PETREL_ACCOUNT_SERVER_IMAP))
    return;

  data->imap = petrel_imap_client_new (petrel_account_config_get_imap_host (config),
                                       petrel_account_config_get_imap_port (config),
                                       imap_security_for (
                                         petrel_account_config_get_imap_security (config)));
  petrel_imap_client_set_tls_database (data->imap, petrel_tls_trust_get_database (data->trust));
  g_signal_connect (data->imap, "tls-connection-created",
                    G_CALLBACK (on_imap_tls_connection_created_cb), data);
  petrel_imap_client_set_auto_compress (data->imap, FALSE);
  petrel_imap_client_set_user (data->imap,
                               petrel_account_config_get_login (config,
                                                                PETREL_ACCOUNT_SERVER_IMAP));

  if (petrel_account_config_get_auth_mechanism (config) == PETREL_AUTH_MECHANISM_OAUTH2)
    {
      PetrelOAuth2Mechanism mechanism;

      if (!oauth2_mechanism (config, &mechanism, &error))
        {
          probe_server_done (task, PETREL_ACCOUNT_SERVER_IMAP, error);
          return;
        }
      petrel_imap_client_set_oauth_token (data->imap, secret);
      petrel_imap_client_set_auth_mechanism (data->imap,
                                             mechanism == PETREL_OAUTH2_MECHANISM_OAUTHBEARER
                                               ? PETREL_IMAP_AUTH_OAUTHBEARER
                                               : PETREL_IMAP_AUTH_XOAUTH2);
    }
  else
    petrel_imap_client_set_password (data->imap, secret);

  petrel_imap_client_connect_async (data->imap, g_task_get_cancellable (task),
                                    probe_imap_connect_cb, g_object_ref (task));
}

/* ---- SMTP --------------------------------------------------------------------------------- */

static PetrelSmtpSecurity
smtp_security_for (PetrelConnectionSecurity security)
{
  switch (security)
    {
    case PETREL_CONNECTION_SECURITY_TLS:
      return PETREL_SMTP_SECURITY_TLS;
    case PETREL_CONNECTION_SECURITY_STARTTLS:
      return PETREL_SMTP_SECURITY_STARTTLS;
    case PETREL_CONNECTION_SECURITY_NONE:
    default:
      return PETREL_SMTP_SECURITY_NONE;
    }
}

static void
on_smtp_tls_connection_created_cb (PetrelSmtpClient     *client,
                                   GTlsClientConnection *connection,
                                   gpointer              user_data)
{
  probe_attach_trust (user_data, PETREL_ACCOUNT_SERVER_SMTP, connection,
                      petrel_smtp_client_get_host (client), petrel_smtp_client_get_port (client));
}

static void
probe_smtp_close_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;

  petrel_smtp_client_close_finish (PETREL_SMTP_CLIENT (object), result, NULL);
  probe_server_done (task, PETREL_ACCOUNT_SERVER_SMTP, NULL);
}

static void
probe_smtp_connect_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ProbeData *data = g_task_get_task_data (task);
  GCancellable *cancellable;
  GError *error = NULL;

  if (!petrel_smtp_client_connect_finish (PETREL_SMTP_CLIENT (object), result, &error))
    {
      probe_server_done (task, PETREL_ACCOUNT_SERVER_SMTP, error);
      return;
    }

  /* An SMTP server that takes no AUTH at all would "accept" any password: not a login. */
  if (petrel_smtp_client_get_auth_mechanism_used (data->smtp) == NULL)
    probe_fail (data, PETREL_ACCOUNT_SERVER_SMTP,
                g_error_new (PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_AUTH,
                             _("The outgoing server %s offers no login, so the password could "
                               "not be tested"), petrel_smtp_client_get_host (data->smtp)));
  else
    probe_logged_in (PETREL_ACCOUNT_SERVER_SMTP, petrel_smtp_client_get_host (data->smtp),
                     petrel_smtp_client_get_port (data->smtp));

  cancellable = g_task_get_cancellable (task);
  petrel_smtp_client_close_async (data->smtp, cancellable, probe_smtp_close_cb,
                                  g_steal_pointer (&task));
}

static void
probe_smtp (GTask      *task,
            const char *secret)
{
  ProbeData *data = g_task_get_task_data (task);
  PetrelAccountConfig *config = data->config;
  const char *login = petrel_account_config_get_login (config, PETREL_ACCOUNT_SERVER_SMTP);

  if (!probe_may_send_secret (task, PETREL_ACCOUNT_SERVER_SMTP))
    return;

  data->smtp = petrel_smtp_client_new (petrel_account_config_get_smtp_host (config),
                                       petrel_account_config_get_smtp_port (config),
                                       smtp_security_for (
                                         petrel_account_config_get_smtp_security (config)));
  petrel_smtp_client_set_tls_database (data->smtp, petrel_tls_trust_get_database (data->trust));
  g_signal_connect (data->smtp, "tls-connection-created",
                    G_CALLBACK (on_smtp_tls_connection_created_cb), data);

  if (petrel_account_config_get_auth_mechanism (config) == PETREL_AUTH_MECHANISM_OAUTH2)
    petrel_smtp_client_set_oauth2_token (data->smtp, login, secret);
  else
    petrel_smtp_client_set_password (data->smtp, login, secret);

  petrel_smtp_client_connect_async (data->smtp, g_task_get_cancellable (task),
                                    probe_smtp_connect_cb, g_object_ref (task));
}

/* ---- public ------------------------------------------------------------------------------- */

/**
 * petrel_account_probe_async:
 * @config: the settings to test (not saved, not changed)
 * @secret: the password, or an OAuth2 access token when the config authenticates with OAuth2
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when both servers have answered
 * @user_data: data for @callback
 *
 * Logs in to the IMAP and the SMTP server of @config at the same time and logs out again. Runs
 * on the thread-default main context of the caller.
 */
void
petrel_account_probe_async (PetrelAccountConfig *config,
                            const char          *secret,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ProbeData *data;
  GError *error = NULL;

  g_return_if_fail (PETREL_IS_ACCOUNT_CONFIG (config));
  g_return_if_fail (secret != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, petrel_account_probe_async);

  data = g_new0 (ProbeData, 1);
  data->config = g_object_ref (config);
  data->result = probe_result_new ();
  data->pending = N_SERVERS;
  g_task_set_task_data (task, data, (GDestroyNotify) probe_data_free);

  if (g_task_return_error_if_cancelled (task))
    return;

  /* A CA file that cannot be read fails both servers alike. */
  data->trust = petrel_tls_trust_new (config, &error);
  if (data->trust == NULL)
    {
      data->result->errors[PETREL_ACCOUNT_SERVER_IMAP] = g_error_copy (error);
      data->result->errors[PETREL_ACCOUNT_SERVER_SMTP] = error;
      data->pending = 1;
      probe_return_if_done (task);
      return;
    }

  probe_imap (task, secret);
  probe_smtp (task, secret);
}

/**
 * petrel_account_probe_finish:
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Returns: (transfer full): what each server said, or %NULL with %G_IO_ERROR_CANCELLED
 */
PetrelAccountProbeResult *
petrel_account_probe_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == petrel_account_probe_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
