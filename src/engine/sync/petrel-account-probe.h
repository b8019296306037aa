/* petrel-account-probe.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "account/petrel-account-config.h"
#include "account/petrel-tls-failure.h"

G_BEGIN_DECLS

/*
 * A real login test of an account's settings before they are saved: connects to the IMAP
 * server and to the SMTP server of @config (same TLS policy and pinned certificates as a sync),
 * authenticates with @secret (a password, or an OAuth2 access token when the config's
 * authentication is OAuth2), and logs out. Nothing is written: not the config, not the secret.
 *
 * Both servers are tried even when the first fails, so the caller can show both results.
 * A TLS failure is reported as the PETREL_TLS_ERROR error of the server it happened on; its
 * PetrelTlsFailure (fingerprint, subject, reasons) is available from the result so a UI can
 * ask the user and pin the certificate.
 */

typedef struct _PetrelAccountProbeResult PetrelAccountProbeResult;

#define PETREL_TYPE_ACCOUNT_PROBE_RESULT (petrel_account_probe_result_get_type ())
GType                     petrel_account_probe_result_get_type      (void);
PetrelAccountProbeResult *petrel_account_probe_result_ref           (PetrelAccountProbeResult *self);
void                      petrel_account_probe_result_unref         (PetrelAccountProbeResult *self);

/* TRUE when both servers accepted the login. */
gboolean                  petrel_account_probe_result_get_ok        (PetrelAccountProbeResult *self);
/* The error of one server (PETREL_ACCOUNT_SERVER_IMAP or _SMTP), or NULL when it logged in. */
const GError             *petrel_account_probe_result_get_error     (PetrelAccountProbeResult *self,
                                                                     PetrelAccountServer       server);
/* The certificate problem of one server, or NULL (owned by @self). */
PetrelTlsFailure         *petrel_account_probe_result_get_tls_failure (PetrelAccountProbeResult *self,
                                                                       PetrelAccountServer       server);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PetrelAccountProbeResult, petrel_account_probe_result_unref)

/* Never fails as a whole (errors are per server in the result) except on cancellation. */
void                      petrel_account_probe_async  (PetrelAccountConfig  *config,
                                                       const char           *secret,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
PetrelAccountProbeResult *petrel_account_probe_finish (GAsyncResult         *result,
                                                       GError              **error);

G_END_DECLS
