/* petrel-tls-check.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "petrel-tls-check-private.h"

/* A PetrelTlsCheck watches one GTlsConnection's "accept-certificate" signal, which GIO emits
 * only when validation against the connection's database failed. It accepts the certificate
 * when its SHA-256 fingerprint is the one the user pinned for this host:port, and otherwise
 * records a PetrelTlsFailure so that the handshake's bare G_TLS_ERROR_BAD_CERTIFICATE can be
 * turned into a PETREL_TLS_ERROR carrying the fingerprint. The connection owns the check
 * (object data), so the handler lives exactly as long as the connection. */

struct _PetrelTlsCheck
{
  GObject           parent_instance;

  char             *host;               /* owned */
  guint16           port;
  char             *pinned_fingerprint; /* owned, nullable */

  GMutex            mutex;              /* guards the fields below */
  PetrelTlsFailure *failure;            /* owned, nullable */
  gboolean          accepted_by_pin;
};

G_DEFINE_FINAL_TYPE (PetrelTlsCheck, petrel_tls_check, G_TYPE_OBJECT)

#define CHECK_DATA_KEY "petrel-tls-check"

static gboolean
on_connection_accept_certificate_cb (GTlsConnection       *connection,
                                     GTlsCertificate      *certificate,
                                     GTlsCertificateFlags  errors,
                                     gpointer              user_data)
{
  PetrelTlsCheck *self = PETREL_TLS_CHECK (user_data);
  g_autofree char *fingerprint = petrel_tls_certificate_dup_fingerprint (certificate);
  g_autoptr(PetrelTlsFailure) failure = NULL;
  g_autofree char *reasons = NULL;

  if (fingerprint != NULL && self->pinned_fingerprint != NULL &&
      strcmp (fingerprint, self->pinned_fingerprint) == 0)
    {
      g_debug ("Accepting the pinned certificate %s of %s:%u", fingerprint, self->host,
               self->port);

      g_mutex_lock (&self->mutex);
      self->accepted_by_pin = TRUE;
      g_clear_pointer (&self->failure, petrel_tls_failure_unref);
      g_mutex_unlock (&self->mutex);

      return TRUE;
    }

  failure = petrel_tls_failure_new (self->host, self->port, certificate, errors);
  reasons = petrel_tls_certificate_flags_to_string (errors);
  g_debug ("Refusing the certificate %s of %s:%u: %s%s",
           petrel_tls_failure_get_fingerprint (failure), self->host, self->port, reasons,
           self->pinned_fingerprint != NULL ? " (and it is not the pinned one)" : "");

  g_mutex_lock (&self->mutex);
  self->accepted_by_pin = FALSE;
  g_clear_pointer (&self->failure, petrel_tls_failure_unref);
  self->failure = g_steal_pointer (&failure);
  g_mutex_unlock (&self->mutex);

  return FALSE;
}

static void
petrel_tls_check_finalize (GObject *object)
{
  PetrelTlsCheck *self = (PetrelTlsCheck *)object;

  g_clear_pointer (&self->host, g_free);
  g_clear_pointer (&self->pinned_fingerprint, g_free);
  g_clear_pointer (&self->failure, petrel_tls_failure_unref);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (petrel_tls_check_parent_class)->finalize (object);
}

static void
petrel_tls_check_class_init (PetrelTlsCheckClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = petrel_tls_check_finalize;
}

static void
petrel_tls_check_init (PetrelTlsCheck *self)
{
  g_mutex_init (&self->mutex);
}

/* The connection keeps the returned check alive; the caller gets its own reference. */
PetrelTlsCheck *
_petrel_tls_check_new (GTlsConnection *connection,
                       const char     *host,
                       guint16         port,
                       const char     *pinned_fingerprint)
{
  PetrelTlsCheck *self;

  g_return_val_if_fail (G_IS_TLS_CONNECTION (connection), NULL);
  g_return_val_if_fail (host != NULL, NULL);

  self = g_object_new (PETREL_TYPE_TLS_CHECK, NULL);
  self->host = g_strdup (host);
  self->port = port;
  self->pinned_fingerprint = g_strdup (pinned_fingerprint);

  g_object_set_data_full (G_OBJECT (connection), CHECK_DATA_KEY, g_object_ref (self),
                          g_object_unref);
  g_signal_connect (connection, "accept-certificate",
                    G_CALLBACK (on_connection_accept_certificate_cb), self);

  return self;
}

/**
 * petrel_tls_check_get_for_connection:
 * @connection: a #GTlsConnection
 *
 * Returns: (transfer none) (nullable): the check petrel_tls_trust_attach() put on
 *   @connection, for example to ask after a successful handshake whether a pin was needed
 */
PetrelTlsCheck *
petrel_tls_check_get_for_connection (GTlsConnection *connection)
{
  g_return_val_if_fail (G_IS_TLS_CONNECTION (connection), NULL);

  return g_object_get_data (G_OBJECT (connection), CHECK_DATA_KEY);
}

const char *
petrel_tls_check_get_host (PetrelTlsCheck *self)
{
  g_return_val_if_fail (PETREL_IS_TLS_CHECK (self), NULL);

  return self->host;
}

guint16
petrel_tls_check_get_port (PetrelTlsCheck *self)
{
  g_return_val_if_fail (PETREL_IS_TLS_CHECK (self), 0);

  return self->port;
}

/**
 * petrel_tls_check_dup_failure:
 * @self: a #PetrelTlsCheck
 *
 * Returns: (transfer full) (nullable): why the last certificate offered on the connection was
 *   refused, or %NULL if none was
 */
PetrelTlsFailure *
petrel_tls_check_dup_failure (PetrelTlsCheck *self)
{
  PetrelTlsFailure *failure = NULL;

  g_return_val_if_fail (PETREL_IS_TLS_CHECK (self), NULL);

  g_mutex_lock (&self->mutex);
  if (self->failure != NULL)
    failure = petrel_tls_failure_ref (self->failure);
  g_mutex_unlock (&self->mutex);

  return failure;
}

/**
 * petrel_tls_check_get_accepted_by_pin:
 * @self: a #PetrelTlsCheck
 *
 * Returns: whether the certificate failed validation and was accepted only because the user
 *   pinned it (a front end may show that the connection is trusted by the user's decision)
 */
gboolean
petrel_tls_check_get_accepted_by_pin (PetrelTlsCheck *self)
{
  gboolean accepted;

  g_return_val_if_fail (PETREL_IS_TLS_CHECK (self), FALSE);

  g_mutex_lock (&self->mutex);
  accepted = self->accepted_by_pin;
  g_mutex_unlock (&self->mutex);

  return accepted;
}

/**
 * petrel_tls_check_translate_error:
 * @self: a #PetrelTlsCheck
 * @error: (transfer full): the error of a failed handshake on the checked connection
 *
 * For callers that run the handshake themselves (for example through #GSocketClient):
 * turns the handshake's %G_TLS_ERROR_BAD_CERTIFICATE into a
 * %PETREL_TLS_ERROR_UNTRUSTED_CERTIFICATE carrying the #PetrelTlsFailure. Other errors are
 * returned unchanged.
 *
 * Returns: (transfer full): the error to report
 */
GError *
petrel_tls_check_translate_error (PetrelTlsCheck *self,
                                  GError         *error)
{
  g_autoptr(PetrelTlsFailure) failure = NULL;

  g_return_val_if_fail (PETREL_IS_TLS_CHECK (self), error);
  g_return_val_if_fail (error != NULL, NULL);

  if (!g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE))
    return error;

  failure = petrel_tls_check_dup_failure (self);
  if (failure == NULL)
    return error;

  g_error_free (error);

  return petrel_tls_failure_to_error (failure);
}
