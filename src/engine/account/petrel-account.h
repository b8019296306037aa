/* petrel-account.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

/* Everything of the account subsystem: configuration, credentials, TLS trust. */

#include "account/petrel-account-config.h"
#include "account/petrel-account-error.h"
#include "account/petrel-credentials.h"
#include "account/petrel-memory-credentials.h"
#include "account/petrel-secret-credentials.h"
#include "account/petrel-tls-check.h"
#include "account/petrel-tls-database.h"
#include "account/petrel-tls-failure.h"
#include "account/petrel-tls-trust.h"
