/* petrel-mime-error.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PETREL_MIME_ERROR (petrel_mime_error_quark ())

/**
 * PetrelMimeError:
 * @PETREL_MIME_ERROR_NOT_FOUND: no MIME part has the requested part path
 * @PETREL_MIME_ERROR_INVALID_ADDRESS: an e-mail address is not valid
 * @PETREL_MIME_ERROR_INVALID_ARGUMENT: a value given to the builder cannot be used (a
 *   malformed Message-ID, a missing sender)
 * @PETREL_MIME_ERROR_PARSE: the bytes could not be understood as a message
 *
 * Error codes of the %PETREL_MIME_ERROR domain.
 */
typedef enum
{
  PETREL_MIME_ERROR_NOT_FOUND,
  PETREL_MIME_ERROR_INVALID_ADDRESS,
  PETREL_MIME_ERROR_INVALID_ARGUMENT,
  PETREL_MIME_ERROR_PARSE,
} PetrelMimeError;

GQuark petrel_mime_error_quark (void);

G_END_DECLS
