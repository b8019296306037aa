/* petrel-account-error.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "petrel-account-error.h"

G_DEFINE_QUARK (petrel-account-error-quark, petrel_account_error)
