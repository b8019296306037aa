/* petrel-mime-error.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "petrel-mime-error.h"

G_DEFINE_QUARK (petrel-mime-error-quark, petrel_mime_error)
