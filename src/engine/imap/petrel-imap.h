/* petrel-imap.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

/* The IMAP protocol layer: pure data, no I/O. */
#include "imap/petrel-imap-command.h"
#include "imap/petrel-imap-error.h"
#include "imap/petrel-imap-fetch.h"
#include "imap/petrel-imap-parser.h"
#include "imap/petrel-imap-response.h"
#include "imap/petrel-imap-seqset.h"
#include "imap/petrel-imap-utf7.h"
#include "imap/petrel-imap-value.h"
