/* petrel-smtp-error.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PETREL_SMTP_ERROR (petrel_smtp_error_quark ())

/**
 * PetrelSmtpError:
 * @PETREL_SMTP_ERROR_FAILED: anything not covered below
 * @PETREL_SMTP_ERROR_CONNECTION: could not connect, or the connection was lost
 * @PETREL_SMTP_ERROR_TLS: TLS could not be set up: untrusted certificate, failed handshake,
 *   STARTTLS missing or refused, or data injected before the handshake
 * @PETREL_SMTP_ERROR_PROTOCOL: the server broke the protocol (malformed or oversized reply,
 *   unexpected reply code)
 * @PETREL_SMTP_ERROR_AUTH: authentication failed or cannot be done safely
 * @PETREL_SMTP_ERROR_TEMPORARY: the server reported a temporary (4xx) failure: try again later
 * @PETREL_SMTP_ERROR_PERMANENT: the server reported a permanent (5xx) failure
 * @PETREL_SMTP_ERROR_SIZE: the message is larger than the server accepts
 * @PETREL_SMTP_ERROR_TIMEOUT: the server did not answer in time
 * @PETREL_SMTP_ERROR_CANCELLED: the operation was cancelled through its #GCancellable
 * @PETREL_SMTP_ERROR_INVALID_ADDRESS: an address cannot be put on the wire safely
 * @PETREL_SMTP_ERROR_INVALID_MESSAGE: the message cannot be sent as it is (a line over 998
 *   octets, a NUL byte, empty)
 * @PETREL_SMTP_ERROR_UNSUPPORTED: the message needs an extension the server lacks (8BITMIME,
 *   SMTPUTF8)
 * @PETREL_SMTP_ERROR_BUSY: another operation is running on this client
 * @PETREL_SMTP_ERROR_UNCERTAIN: the connection was lost after the whole message was sent and
 *   before the server's answer: it may have been delivered, so it must not be resent blindly
 *
 * Every error a #PetrelSmtpClient returns is in this domain, cancellation included, so a
 * caller only has to look at one domain. %PETREL_SMTP_ERROR_TEMPORARY, %_TIMEOUT and
 * %_CONNECTION are worth retrying later; the others need a change first.
 */
typedef enum
{
  PETREL_SMTP_ERROR_FAILED,
  PETREL_SMTP_ERROR_CONNECTION,
  PETREL_SMTP_ERROR_TLS,
  PETREL_SMTP_ERROR_PROTOCOL,
  PETREL_SMTP_ERROR_AUTH,
  PETREL_SMTP_ERROR_TEMPORARY,
  PETREL_SMTP_ERROR_PERMANENT,
  PETREL_SMTP_ERROR_SIZE,
  PETREL_SMTP_ERROR_TIMEOUT,
  PETREL_SMTP_ERROR_CANCELLED,
  PETREL_SMTP_ERROR_INVALID_ADDRESS,
  PETREL_SMTP_ERROR_INVALID_MESSAGE,
  PETREL_SMTP_ERROR_UNSUPPORTED,
  PETREL_SMTP_ERROR_BUSY,
  PETREL_SMTP_ERROR_UNCERTAIN,
} PetrelSmtpError;

GQuark      petrel_smtp_error_quark     (void);

const char *petrel_smtp_describe_status (guint       reply_code,
                                         const char *enhanced_code);

G_END_DECLS
