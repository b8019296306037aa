/* petrel-tls-failure.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define PETREL_TLS_ERROR (petrel_tls_error_quark ())

/**
 * PetrelTlsError:
 * @PETREL_TLS_ERROR_UNTRUSTED_CERTIFICATE: the server's certificate failed validation and is
 *   not pinned; petrel_tls_error_get_failure() tells why and gives its fingerprint
 * @PETREL_TLS_ERROR_CA_FILE: the account's CA file cannot be loaded
 * @PETREL_TLS_ERROR_UNAVAILABLE: GIO has no TLS backend (glib-networking is missing)
 *
 * An extended #GError domain: errors with code %PETREL_TLS_ERROR_UNTRUSTED_CERTIFICATE carry
 * a #PetrelTlsFailure that survives g_error_copy() and #GTask.
 */
typedef enum
{
  PETREL_TLS_ERROR_UNTRUSTED_CERTIFICATE,
  PETREL_TLS_ERROR_CA_FILE,
  PETREL_TLS_ERROR_UNAVAILABLE,
} PetrelTlsError;

GQuark petrel_tls_error_quark (void);

typedef struct _PetrelTlsFailure PetrelTlsFailure;

#define PETREL_TYPE_TLS_FAILURE (petrel_tls_failure_get_type ())

GType                 petrel_tls_failure_get_type             (void);
PetrelTlsFailure     *petrel_tls_failure_new                  (const char           *host,
                                                               guint16               port,
                                                               GTlsCertificate      *certificate,
                                                               GTlsCertificateFlags  errors);
PetrelTlsFailure     *petrel_tls_failure_ref                  (PetrelTlsFailure     *self);
void                  petrel_tls_failure_unref                (PetrelTlsFailure     *self);

const char           *petrel_tls_failure_get_host             (PetrelTlsFailure     *self);
guint16               petrel_tls_failure_get_port             (PetrelTlsFailure     *self);
GTlsCertificate      *petrel_tls_failure_get_certificate      (PetrelTlsFailure     *self);
GTlsCertificateFlags  petrel_tls_failure_get_errors           (PetrelTlsFailure     *self);
const char           *petrel_tls_failure_get_fingerprint      (PetrelTlsFailure     *self);
const char           *petrel_tls_failure_get_subject          (PetrelTlsFailure     *self);
const char           *petrel_tls_failure_get_issuer           (PetrelTlsFailure     *self);
GDateTime            *petrel_tls_failure_get_not_valid_before (PetrelTlsFailure     *self);
GDateTime            *petrel_tls_failure_get_not_valid_after  (PetrelTlsFailure     *self);
char                 *petrel_tls_failure_dup_reasons          (PetrelTlsFailure     *self);
char                 *petrel_tls_failure_dup_pem              (PetrelTlsFailure     *self);
GError               *petrel_tls_failure_to_error             (PetrelTlsFailure     *self);

PetrelTlsFailure     *petrel_tls_error_get_failure            (const GError         *error);

char                 *petrel_tls_certificate_flags_to_string  (GTlsCertificateFlags  flags);
char                 *petrel_tls_certificate_dup_fingerprint  (GTlsCertificate      *certificate);
char                 *petrel_tls_fingerprint_normalize        (const char           *fingerprint);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PetrelTlsFailure, petrel_tls_failure_unref)

G_END_DECLS
