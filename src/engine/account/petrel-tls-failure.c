/* petrel-tls-failure.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "petrel-tls-failure.h"

/* Subject and issuer names come from the server: bound what goes into a message. */
#define MAX_NAME_IN_MESSAGE 200

#define SHA256_LENGTH 32

/**
 * PetrelTlsFailure:
 *
 * Why a server certificate was refused, with what a person needs to decide whether to trust
 * it: its SHA-256 fingerprint, subject, issuer, validity and the validation errors.
 * Immutable and reference counted, so it can be passed between threads.
 */
struct _PetrelTlsFailure
{
  gatomicrefcount       ref_count;

  char                 *host;                /* owned */
  guint16               port;
  GTlsCertificate      *certificate;         /* owned */
  GTlsCertificateFlags  errors;
  char                 *fingerprint;         /* owned */
  char                 *subject;             /* owned, nullable */
  char                 *issuer;              /* owned, nullable */
  GDateTime            *not_valid_before;    /* owned, nullable */
  GDateTime            *not_valid_after;     /* owned, nullable */
};

G_DEFINE_BOXED_TYPE (PetrelTlsFailure, petrel_tls_failure,
                     petrel_tls_failure_ref, petrel_tls_failure_unref)

typedef struct
{
  PetrelTlsFailure *failure;  /* owned, nullable */
} PetrelTlsErrorPrivate;

/* The NULL checks are for the compiler: the generated _get_private() can return NULL only for
 * an error of another domain, which GLib never passes to these functions. */

static void
petrel_tls_error_private_init (PetrelTlsErrorPrivate *priv)
{
  if (priv != NULL)
    priv->failure = NULL;
}

static void
petrel_tls_error_private_copy (const PetrelTlsErrorPrivate *src,
                               PetrelTlsErrorPrivate       *dest)
{
  if (src != NULL && dest != NULL)
    dest->failure = src->failure != NULL ? petrel_tls_failure_ref (src->failure) : NULL;
}

static void
petrel_tls_error_private_clear (PetrelTlsErrorPrivate *priv)
{
  if (priv != NULL)
    g_clear_pointer (&priv->failure, petrel_tls_failure_unref);
}

G_DEFINE_EXTENDED_ERROR (PetrelTlsError, petrel_tls_error)

static char *
truncate_for_message (const char *text)
{
  const char *end;

  if (text == NULL)
    return NULL;

  if (!g_utf8_validate (text, -1, &end))
    return g_strdup ("(not UTF-8)");

  if (g_utf8_strlen (text, -1) <= MAX_NAME_IN_MESSAGE)
    return g_strdup (text);

  end = g_utf8_offset_to_pointer (text, MAX_NAME_IN_MESSAGE);

  return g_strdup_printf ("%.*s…", (int) (end - text), text);
}

static char *
format_endpoint (const char *host,
                 guint16     port)
{
  if (strchr (host, ':') != NULL)
    return g_strdup_printf ("[%s]:%u", host, port);

  return g_strdup_printf ("%s:%u", host, port);
}

/**
 * petrel_tls_failure_new:
 * @host: the host the client connected to
 * @port: the port the client connected to
 * @certificate: the certificate the server presented
 * @errors: what validation found wrong with it
 *
 * Returns: (transfer full): a new #PetrelTlsFailure
 */
PetrelTlsFailure *
petrel_tls_failure_new (const char           *host,
                        guint16               port,
                        GTlsCertificate      *certificate,
                        GTlsCertificateFlags  errors)
{
  PetrelTlsFailure *self;

  g_return_val_if_fail (host != NULL, NULL);
  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  self = g_new0 (PetrelTlsFailure, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->host = g_strdup (host);
  self->port = port;
  self->certificate = g_object_ref (certificate);
  self->errors = errors;
  self->fingerprint = petrel_tls_certificate_dup_fingerprint (certificate);
  self->subject = g_tls_certificate_get_subject_name (certificate);
  self->issuer = g_tls_certificate_get_issuer_name (certificate);
  self->not_valid_before = g_tls_certificate_get_not_valid_before (certificate);
  self->not_valid_after = g_tls_certificate_get_not_valid_after (certificate);

  return self;
}

PetrelTlsFailure *
petrel_tls_failure_ref (PetrelTlsFailure *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);

  return self;
}

void
petrel_tls_failure_unref (PetrelTlsFailure *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_free (self->host);
  g_object_unref (self->certificate);
  g_free (self->fingerprint);
  g_free (self->subject);
  g_free (self->issuer);
  g_clear_pointer (&self->not_valid_before, g_date_time_unref);
  g_clear_pointer (&self->not_valid_after, g_date_time_unref);
  g_free (self);
}

const char *
petrel_tls_failure_get_host (PetrelTlsFailure *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->host;
}

guint16
petrel_tls_failure_get_port (PetrelTlsFailure *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->port;
}

/**
 * petrel_tls_failure_get_certificate:
 * @self: a #PetrelTlsFailure
 *
 * Returns: (transfer none): the refused certificate (its #GTlsCertificate:issuer chain is the
 *   one the server sent)
 */
GTlsCertificate *
petrel_tls_failure_get_certificate (PetrelTlsFailure *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->certificate;
}

GTlsCertificateFlags
petrel_tls_failure_get_errors (PetrelTlsFailure *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->errors;
}

/**
 * petrel_tls_failure_get_fingerprint:
 * @self: a #PetrelTlsFailure
 *
 * Returns: the SHA-256 fingerprint of the certificate's DER encoding, as upper-case hex pairs
 *   joined by colons (`AB:CD:…`, as `openssl x509 -fingerprint -sha256` prints it)
 */
const char *
petrel_tls_failure_get_fingerprint (PetrelTlsFailure *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->fingerprint;
}

/**
 * petrel_tls_failure_get_subject:
 * @self: a #PetrelTlsFailure
 *
 * Returns: (nullable): the certificate's subject distinguished name, as given by the server
 */
const char *
petrel_tls_failure_get_subject (PetrelTlsFailure *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->subject;
}

/**
 * petrel_tls_failure_get_issuer:
 * @self: a #PetrelTlsFailure
 *
 * Returns: (nullable): the certificate's issuer distinguished name, as given by the server
 */
const char *
petrel_tls_failure_get_issuer (PetrelTlsFailure *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->issuer;
}

/**
 * petrel_tls_failure_get_not_valid_before:
 * @self: a #PetrelTlsFailure
 *
 * Returns: (transfer none) (nullable): when the certificate starts to be valid
 */
GDateTime *
petrel_tls_failure_get_not_valid_before (PetrelTlsFailure *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->not_valid_before;
}

/**
 * petrel_tls_failure_get_not_valid_after:
 * @self: a #PetrelTlsFailure
 *
 * Returns: (transfer none) (nullable): when the certificate expires
 */
GDateTime *
petrel_tls_failure_get_not_valid_after (PetrelTlsFailure *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->not_valid_after;
}

/**
 * petrel_tls_failure_dup_reasons:
 * @self: a #PetrelTlsFailure
 *
 * Returns: (transfer full): the validation errors in words, see
 *   petrel_tls_certificate_flags_to_string()
 */
char *
petrel_tls_failure_dup_reasons (PetrelTlsFailure *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return petrel_tls_certificate_flags_to_string (self->errors);
}

/**
 * petrel_tls_failure_dup_pem:
 * @self: a #PetrelTlsFailure
 *
 * Returns: (transfer full) (nullable): the certificate in PEM form, to show or save
 */
char *
petrel_tls_failure_dup_pem (PetrelTlsFailure *self)
{
  char *pem = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  g_object_get (self->certificate, "certificate-pem", &pem, NULL);

  return pem;
}

/**
 * petrel_tls_failure_to_error:
 * @self: a #PetrelTlsFailure
 *
 * Returns: (transfer full): a %PETREL_TLS_ERROR_UNTRUSTED_CERTIFICATE error whose message
 *   gives the endpoint, the reasons, the subject and the fingerprint, and which carries @self
 *   (see petrel_tls_error_get_failure())
 */
GError *
petrel_tls_failure_to_error (PetrelTlsFailure *self)
{
  g_autofree char *endpoint = NULL;
  g_autofree char *reasons = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *issuer = NULL;
  PetrelTlsErrorPrivate *priv;
  GError *error;

  g_return_val_if_fail (self != NULL, NULL);

  endpoint = format_endpoint (self->host, self->port);
  reasons = petrel_tls_certificate_flags_to_string (self->errors);
  subject = truncate_for_message (self->subject);
  issuer = truncate_for_message (self->issuer);

  error = g_error_new (PETREL_TLS_ERROR, PETREL_TLS_ERROR_UNTRUSTED_CERTIFICATE,
                       _("The certificate of %s is not trusted (%s). Subject: %s; "
                         "issuer: %s; SHA-256 fingerprint: %s"),
                       endpoint, reasons,
                       subject != NULL ? subject : "unknown",
                       issuer != NULL ? issuer : "unknown",
                       self->fingerprint);
  priv = petrel_tls_error_get_private (error);
  if (priv != NULL)
    priv->failure = petrel_tls_failure_ref (self);

  return error;
}

/**
 * petrel_tls_error_get_failure:
 * @error: a #GError
 *
 * Returns: (transfer none) (nullable): the refused certificate's details if @error is a
 *   %PETREL_TLS_ERROR_UNTRUSTED_CERTIFICATE, else %NULL
 */
PetrelTlsFailure *
petrel_tls_error_get_failure (const GError *error)
{
  PetrelTlsErrorPrivate *priv;

  if (error == NULL || error->domain != PETREL_TLS_ERROR)
    return NULL;

  priv = petrel_tls_error_get_private (error);

  return priv != NULL ? priv->failure : NULL;
}

/**
 * petrel_tls_certificate_flags_to_string:
 * @flags: validation errors
 *
 * Returns: (transfer full): @flags in words, comma-separated (“unknown certificate authority,
 *   expired”), or “no error” for 0
 */
char *
petrel_tls_certificate_flags_to_string (GTlsCertificateFlags flags)
{
  static const struct {
    GTlsCertificateFlags  flag;
    const char           *words;
  } reasons[] = {
    { G_TLS_CERTIFICATE_UNKNOWN_CA, "unknown certificate authority" },
    { G_TLS_CERTIFICATE_BAD_IDENTITY, "issued for a different host name" },
    { G_TLS_CERTIFICATE_NOT_ACTIVATED, "not yet valid" },
    { G_TLS_CERTIFICATE_EXPIRED, "expired" },
    { G_TLS_CERTIFICATE_REVOKED, "revoked" },
    { G_TLS_CERTIFICATE_INSECURE, "insecure algorithm" },
    { G_TLS_CERTIFICATE_GENERIC_ERROR, "invalid certificate" },
  };
  g_autoptr(GString) string = g_string_new (NULL);
  GTlsCertificateFlags known = 0;

  for (guint i = 0; i < G_N_ELEMENTS (reasons); i++)
    {
      known |= reasons[i].flag;

      if ((flags & reasons[i].flag) == 0)
        continue;

      if (string->len > 0)
        g_string_append (string, ", ");
      g_string_append (string, reasons[i].words);
    }

  if ((flags & ~known) != 0)
    {
      if (string->len > 0)
        g_string_append (string, ", ");
      g_string_append_printf (string, "unknown problem 0x%x", (guint) (flags & ~known));
    }

  if (string->len == 0)
    g_string_append (string, "no error");

  return g_string_free (g_steal_pointer (&string), FALSE);
}

/**
 * petrel_tls_certificate_dup_fingerprint:
 * @certificate: a #GTlsCertificate
 *
 * Returns: (transfer full): the SHA-256 fingerprint of @certificate's DER encoding as
 *   upper-case hex pairs joined by colons
 */
char *
petrel_tls_certificate_dup_fingerprint (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;
  g_autoptr(GChecksum) checksum = NULL;
  guint8 digest[SHA256_LENGTH];
  gsize digest_length = sizeof digest;
  GString *string;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  g_object_get (certificate, "certificate", &der, NULL);
  g_return_val_if_fail (der != NULL, NULL);

  checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (checksum, der->data, der->len);
  g_checksum_get_digest (checksum, digest, &digest_length);

  string = g_string_sized_new (SHA256_LENGTH * 3);
  for (gsize i = 0; i < digest_length; i++)
    g_string_append_printf (string, i == 0 ? "%02X" : ":%02X", digest[i]);

  return g_string_free (string, FALSE);
}

/**
 * petrel_tls_fingerprint_normalize:
 * @fingerprint: (nullable): a SHA-256 fingerprint: 64 hex digits, in pairs separated by
 *   colons or not separated, any case
 *
 * Returns: (transfer full) (nullable): @fingerprint as upper-case pairs joined by colons, or
 *   %NULL if it is not a SHA-256 fingerprint
 */
char *
petrel_tls_fingerprint_normalize (const char *fingerprint)
{
  g_autoptr(GString) string = NULL;
  gboolean colons;
  gsize length;

  if (fingerprint == NULL)
    return NULL;

  length = strlen (fingerprint);
  if (length == SHA256_LENGTH * 2)
    colons = FALSE;
  else if (length == SHA256_LENGTH * 3 - 1)
    colons = TRUE;
  else
    return NULL;

  string = g_string_sized_new (SHA256_LENGTH * 3);

  for (gsize i = 0, pair = 0; i < length; pair++)
    {
      if (colons && pair > 0)
        {
          if (fingerprint[i] != ':')
            return NULL;
          i++;
        }

      if (!g_ascii_isxdigit (fingerprint[i]) || !g_ascii_isxdigit (fingerprint[i + 1]))
        return NULL;

      if (pair > 0)
        g_string_append_c (string, ':');
      g_string_append_c (string, g_ascii_toupper (fingerprint[i]));
      g_string_append_c (string, g_ascii_toupper (fingerprint[i + 1]));
      i += 2;
    }

  return g_string_free (g_steal_pointer (&string), FALSE);
}
