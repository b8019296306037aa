/* petrel-imap-error.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PETREL_IMAP_ERROR (petrel_imap_error_quark ())

/**
 * PetrelImapError:
 * @PETREL_IMAP_ERROR_FAILED: anything not covered below
 * @PETREL_IMAP_ERROR_PARSE: the server sent bytes that are not IMAP; drop the connection
 * @PETREL_IMAP_ERROR_LIMIT: the server sent something larger or deeper than we accept (a line, a
 *   literal, a nesting level); drop the connection
 * @PETREL_IMAP_ERROR_NO: a command completed with a tagged NO
 * @PETREL_IMAP_ERROR_BAD: a command completed with a tagged BAD (or the server said untagged BAD)
 * @PETREL_IMAP_ERROR_BYE: the server closed the session with BYE
 * @PETREL_IMAP_ERROR_CONNECTION_CLOSED: the connection ended (possibly in the middle of a response)
 * @PETREL_IMAP_ERROR_TIMEOUT: the server did not answer in time
 * @PETREL_IMAP_ERROR_TLS: TLS could not be set up (including a failed STARTTLS)
 * @PETREL_IMAP_ERROR_CERTIFICATE: the server's certificate is not trusted
 * @PETREL_IMAP_ERROR_AUTH: authentication failed (wrong credentials, [AUTHENTICATIONFAILED], ...)
 * @PETREL_IMAP_ERROR_UNSUPPORTED: the server lacks a capability the operation needs
 * @PETREL_IMAP_ERROR_CANCELLED: the operation was cancelled (the client normally reports
 *   G_IO_ERROR_CANCELLED; this is for protocol-level aborts such as a cancelled IDLE)
 * @PETREL_IMAP_ERROR_INVALID: the caller asked for something that cannot be expressed safely in
 *   IMAP (a flag with illegal characters, an atom with a space, ...); nothing was sent
 * @PETREL_IMAP_ERROR_STATE: the operation is not valid in the session's current state
 *   (e.g. FETCH with no mailbox selected, a command after LOGOUT)
 * @PETREL_IMAP_ERROR_IO: local file I/O failed (spooling a large literal to disk)
 * @PETREL_IMAP_ERROR_NONEXISTENT: NO [NONEXISTENT] (or [TRYCREATE]): the mailbox does not exist
 * @PETREL_IMAP_ERROR_ALREADY_EXISTS: NO [ALREADYEXISTS]
 * @PETREL_IMAP_ERROR_OVER_QUOTA: NO [OVERQUOTA] / [LIMIT]
 * @PETREL_IMAP_ERROR_UIDVALIDITY: the mailbox's UIDVALIDITY changed under us
 * @PETREL_IMAP_ERROR_PERMISSION: NO [NOPERM] / [READ-ONLY] write refused / [PRIVACYREQUIRED]
 *
 * Error codes in the %PETREL_IMAP_ERROR domain, shared by the parser, the command builder and the
 * network client. Messages are meant for a person; server text in them is sanitised (no control
 * characters, bounded length).
 */
typedef enum
{
  PETREL_IMAP_ERROR_FAILED,
  PETREL_IMAP_ERROR_PARSE,
  PETREL_IMAP_ERROR_LIMIT,
  PETREL_IMAP_ERROR_NO,
  PETREL_IMAP_ERROR_BAD,
  PETREL_IMAP_ERROR_BYE,
  PETREL_IMAP_ERROR_CONNECTION_CLOSED,
  PETREL_IMAP_ERROR_TIMEOUT,
  PETREL_IMAP_ERROR_TLS,
  PETREL_IMAP_ERROR_CERTIFICATE,
  PETREL_IMAP_ERROR_AUTH,
  PETREL_IMAP_ERROR_UNSUPPORTED,
  PETREL_IMAP_ERROR_CANCELLED,
  PETREL_IMAP_ERROR_INVALID,
  PETREL_IMAP_ERROR_STATE,
  PETREL_IMAP_ERROR_IO,
  PETREL_IMAP_ERROR_NONEXISTENT,
  PETREL_IMAP_ERROR_ALREADY_EXISTS,
  PETREL_IMAP_ERROR_OVER_QUOTA,
  PETREL_IMAP_ERROR_UIDVALIDITY,
  PETREL_IMAP_ERROR_PERMISSION,
} PetrelImapError;

/* Longest server text we copy into an error message or a response's text, in bytes. */
#define PETREL_IMAP_MAX_TEXT_LENGTH 1024

GQuark  petrel_imap_error_quark    (void);

char   *petrel_imap_sanitize_text  (const char *text,
                                    gssize      length,
                                    gsize       max_length);

G_END_DECLS
