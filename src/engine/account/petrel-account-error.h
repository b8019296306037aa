/* petrel-account-error.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PETREL_ACCOUNT_ERROR (petrel_account_error_quark ())

/**
 * PetrelAccountError:
 * @PETREL_ACCOUNT_ERROR_INVALID_ID: the account id is not `[A-Za-z0-9._-]{1,64}` (or is `.`/`..`)
 * @PETREL_ACCOUNT_ERROR_INVALID_ADDRESS: an email address or alias is malformed or missing
 * @PETREL_ACCOUNT_ERROR_INVALID_HOST: a server host name is malformed or missing
 * @PETREL_ACCOUNT_ERROR_INVALID_PORT: a port is not a number in 1–65535
 * @PETREL_ACCOUNT_ERROR_INVALID_SECURITY: a connection security is not tls, starttls or none
 * @PETREL_ACCOUNT_ERROR_INVALID_VALUE: any other field (auth mechanism, CA file, pin, sync policy)
 * @PETREL_ACCOUNT_ERROR_CORRUPT: account.ini cannot be parsed or comes from a newer Petrel
 * @PETREL_ACCOUNT_ERROR_NOT_FOUND: there is no account with that id
 * @PETREL_ACCOUNT_ERROR_INSECURE: a password would be sent in clear text to a non-loopback host
 * @PETREL_ACCOUNT_ERROR_NO_KEYRING: no Secret Service is reachable, or its keyring is locked and
 *   was not unlocked; Petrel never falls back to storing secrets elsewhere
 * @PETREL_ACCOUNT_ERROR_KEYRING_FAILED: the Secret Service answered with another error
 */
typedef enum
{
  PETREL_ACCOUNT_ERROR_INVALID_ID,
  PETREL_ACCOUNT_ERROR_INVALID_ADDRESS,
  PETREL_ACCOUNT_ERROR_INVALID_HOST,
  PETREL_ACCOUNT_ERROR_INVALID_PORT,
  PETREL_ACCOUNT_ERROR_INVALID_SECURITY,
  PETREL_ACCOUNT_ERROR_INVALID_VALUE,
  PETREL_ACCOUNT_ERROR_CORRUPT,
  PETREL_ACCOUNT_ERROR_NOT_FOUND,
  PETREL_ACCOUNT_ERROR_INSECURE,
  PETREL_ACCOUNT_ERROR_NO_KEYRING,
  PETREL_ACCOUNT_ERROR_KEYRING_FAILED,
} PetrelAccountError;

GQuark petrel_account_error_quark (void);

G_END_DECLS
