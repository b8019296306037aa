/* petrel-tls-trust.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "petrel-tls-check-private.h"
#include "petrel-tls-trust.h"

/* The TLS policy of one account, as a snapshot of its configuration: certificates are
 * validated against the system's anchors plus the account's CA file, and a certificate that
 * fails is accepted only if it is exactly the one pinned for that host:port. Nothing here
 * lowers validation for other accounts or connections. After the user pins a certificate or
 * changes the CA file, make a new PetrelTlsTrust. */

struct _PetrelTlsTrust
{
  GObject       parent_instance;

  GTlsDatabase *database;  /* owned */
  GHashTable   *pins;      /* owned: "host:port" (host lower-case) -> fingerprint */
};

G_DEFINE_FINAL_TYPE (PetrelTlsTrust, petrel_tls_trust, G_TYPE_OBJECT)

typedef struct
{
  GTlsConnection *connection;  /* owned */
  PetrelTlsCheck *check;       /* owned */
} HandshakeData;

static void
handshake_data_free (HandshakeData *data)
{
  g_clear_object (&data->connection);
  g_clear_object (&data->check);
  g_free (data);
}

static char *
make_pin_key (const char *host,
              guint16     port)
{
  g_autofree char *lower = g_utf8_strdown (host, -1);

  return g_strdup_printf ("%s:%u", lower, port);
}

static void
petrel_tls_trust_handshake_cb (GObject      *object,
                               GAsyncResult *result,
                               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HandshakeData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (object), result, &error))
    {
      g_task_return_error (task, petrel_tls_check_translate_error (data->check,
                                                                   g_steal_pointer (&error)));
      return;
    }

  g_task_return_pointer (task, g_object_ref (data->connection), g_object_unref);
}

static void
petrel_tls_trust_finalize (GObject *object)
{
  PetrelTlsTrust *self = (PetrelTlsTrust *)object;

  g_clear_object (&self->database);
  g_clear_pointer (&self->pins, g_hash_table_unref);

  G_OBJECT_CLASS (petrel_tls_trust_parent_class)->finalize (object);
}

static void
petrel_tls_trust_class_init (PetrelTlsTrustClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = petrel_tls_trust_finalize;
}

static void
petrel_tls_trust_init (PetrelTlsTrust *self)
{
  self->pins = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/**
 * petrel_tls_trust_new:
 * @config: the account
 * @error: return location for a #GError
 *
 * Builds the account's trust: the system database, joined with a #GTlsFileDatabase of
 * #PetrelAccountConfig:ca-file when it is set, and the account's pinned certificates.
 *
 * Returns: (transfer full): the trust, or %NULL with %PETREL_TLS_ERROR_CA_FILE or
 *   %PETREL_TLS_ERROR_UNAVAILABLE
 */
PetrelTlsTrust *
petrel_tls_trust_new (PetrelAccountConfig  *config,
                      GError              **error)
{
  g_autoptr(PetrelTlsTrust) self = NULL;
  g_autoptr(GTlsDatabase) system = NULL;
  g_auto(GStrv) endpoints = NULL;
  GTlsBackend *backend;
  const char *ca_file;

  g_return_val_if_fail (PETREL_IS_ACCOUNT_CONFIG (config), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* With its own CA file, the account's database loads the system's only when that file does
   * not verify a chain (#4: loading it is a tenth of a no-change sync). */
  ca_file = petrel_account_config_get_ca_file (config);
  backend = g_tls_backend_get_default ();
  if (!g_tls_backend_supports_tls (backend) ||
      (ca_file == NULL && (system = g_tls_backend_get_default_database (backend)) == NULL))
    {
      g_set_error_literal (error, PETREL_TLS_ERROR, PETREL_TLS_ERROR_UNAVAILABLE,
                           _("TLS is not available: GIO has no TLS backend "
                             "(is glib-networking installed?)"));
      return NULL;
    }

  self = g_object_new (PETREL_TYPE_TLS_TRUST, NULL);

  if (ca_file != NULL)
    {
      g_autoptr(GTlsDatabase) extra = NULL;
      g_autoptr(GError) local_error = NULL;
      GList *certificates;

      /* GTlsFileDatabase warns about a relative path and silently trusts nothing for a file
       * without certificates: check both first, so that a wrong file is a clear error. */
      if (!g_path_is_absolute (ca_file))
        {
          g_set_error (error, PETREL_TLS_ERROR, PETREL_TLS_ERROR_CA_FILE,
                       _("The CA file “%s” of account “%s” must be an absolute path"), ca_file,
                       petrel_account_config_get_id (config));
          return NULL;
        }

      certificates = g_tls_certificate_list_new_from_file (ca_file, &local_error);
      if (certificates == NULL && local_error == NULL)
        local_error = g_error_new_literal (G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE,
                                           "it holds no PEM certificate");
      g_list_free_full (certificates, g_object_unref);

      if (local_error == NULL)
        extra = g_tls_file_database_new (ca_file, &local_error);

      if (extra == NULL)
        {
          g_set_error (error, PETREL_TLS_ERROR, PETREL_TLS_ERROR_CA_FILE,
                       _("Cannot use the CA file “%s” of account “%s”: %s"), ca_file,
                       petrel_account_config_get_id (config), local_error->message);
          return NULL;
        }

      self->database = petrel_tls_database_new (NULL, extra);
    }
  else
    {
      self->database = g_steal_pointer (&system);
    }

  endpoints = petrel_account_config_dup_pinned_endpoints (config);
  for (guint i = 0; endpoints[i] != NULL; i++)
    {
      const char *colon = strrchr (endpoints[i], ':');
      g_autofree char *host = g_strndup (endpoints[i], colon - endpoints[i]);
      guint16 port = (guint16) g_ascii_strtoull (colon + 1, NULL, 10);

      g_hash_table_replace (self->pins, g_strdup (endpoints[i]),
                            g_strdup (petrel_account_config_get_pinned_certificate (config, host,
                                                                                    port)));
    }

  return g_steal_pointer (&self);
}

/**
 * petrel_tls_trust_get_database:
 * @self: a #PetrelTlsTrust
 *
 * Returns: (transfer none): the database to validate this account's servers with, e.g. for
 *   a #SoupSession:tls-database
 */
GTlsDatabase *
petrel_tls_trust_get_database (PetrelTlsTrust *self)
{
  g_return_val_if_fail (PETREL_IS_TLS_TRUST (self), NULL);

  return self->database;
}

/**
 * petrel_tls_trust_get_pin:
 * @self: a #PetrelTlsTrust
 * @host: a server host
 * @port: a server port
 *
 * Returns: (nullable): the fingerprint pinned for @host:@port
 */
const char *
petrel_tls_trust_get_pin (PetrelTlsTrust *self,
                          const char     *host,
                          guint16         port)
{
  g_autofree char *key = NULL;

  g_return_val_if_fail (PETREL_IS_TLS_TRUST (self), NULL);
  g_return_val_if_fail (host != NULL, NULL);

  key = make_pin_key (host, port);

  return g_hash_table_lookup (self->pins, key);
}

/**
 * petrel_tls_trust_attach:
 * @self: a #PetrelTlsTrust
 * @connection: a client connection that has not started its handshake
 * @host: the configured host of the server, used as server identity and for pins
 * @port: the configured port of the server
 *
 * Applies the account's policy to @connection: sets its database and its server identity
 * (@host:@port) and watches #GTlsConnection::accept-certificate to accept a pinned
 * certificate and record why any other was refused. Use this when something else runs the
 * handshake (a #GSocketClient in its %G_SOCKET_CLIENT_TLS_HANDSHAKING event); then pass a
 * handshake error through petrel_tls_check_translate_error().
 *
 * Returns: (transfer full): the check, which @connection also keeps alive
 */
PetrelTlsCheck *
petrel_tls_trust_attach (PetrelTlsTrust       *self,
                         GTlsClientConnection *connection,
                         const char           *host,
                         guint16               port)
{
  g_autoptr(GSocketConnectable) identity = NULL;

  g_return_val_if_fail (PETREL_IS_TLS_TRUST (self), NULL);
  g_return_val_if_fail (G_IS_TLS_CLIENT_CONNECTION (connection), NULL);
  g_return_val_if_fail (host != NULL, NULL);

  identity = g_network_address_new (host, port);
  g_tls_client_connection_set_server_identity (connection, identity);
  g_tls_connection_set_database (G_TLS_CONNECTION (connection), self->database);

  return _petrel_tls_check_new (G_TLS_CONNECTION (connection), host, port,
                                petrel_tls_trust_get_pin (self, host, port));
}

/**
 * petrel_tls_trust_handshake_async:
 * @self: a #PetrelTlsTrust
 * @base_stream: the connected stream: a fresh TCP connection for implicit TLS, or the
 *   connection after the server's go-ahead to STARTTLS
 * @host: the configured host of the server
 * @port: the configured port of the server
 * @io_priority: the I/O priority
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the handshake is done
 * @user_data: data for @callback
 *
 * Wraps @base_stream in a #GTlsClientConnection under this account's policy (see
 * petrel_tls_trust_attach()) and performs the handshake.
 */
void
petrel_tls_trust_handshake_async (PetrelTlsTrust      *self,
                                  GIOStream           *base_stream,
                                  const char          *host,
                                  guint16              port,
                                  int                  io_priority,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GIOStream) connection = NULL;
  g_autoptr(GError) error = NULL;
  HandshakeData *data;

  g_return_if_fail (PETREL_IS_TLS_TRUST (self));
  g_return_if_fail (G_IS_IO_STREAM (base_stream));
  g_return_if_fail (host != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, petrel_tls_trust_handshake_async);

  connection = g_tls_client_connection_new (base_stream, NULL, &error);
  if (connection == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  data = g_new0 (HandshakeData, 1);
  data->connection = G_TLS_CONNECTION (g_object_ref (connection));
  data->check = petrel_tls_trust_attach (self, G_TLS_CLIENT_CONNECTION (connection), host, port);
  g_task_set_task_data (task, data, (GDestroyNotify) handshake_data_free);

  g_tls_connection_handshake_async (data->connection, io_priority, cancellable,
                                    petrel_tls_trust_handshake_cb, g_steal_pointer (&task));
}

/**
 * petrel_tls_trust_handshake_finish:
 * @self: a #PetrelTlsTrust
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the #GTlsClientConnection to talk through, or %NULL with
 *   %PETREL_TLS_ERROR_UNTRUSTED_CERTIFICATE (see petrel_tls_error_get_failure()), a
 *   #GTlsError or a #GIOErrorEnum
 */
GIOStream *
petrel_tls_trust_handshake_finish (PetrelTlsTrust  *self,
                                   GAsyncResult    *result,
                                   GError         **error)
{
  g_return_val_if_fail (PETREL_IS_TLS_TRUST (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        petrel_tls_trust_handshake_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
