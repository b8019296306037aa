/* petrel-mime.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

/* Everything the mime subsystem offers: decoding headers for message lists, walking bodies
 * for text and attachments, HTML to text, quoting, and building outgoing messages. */

#include "petrel-mailto.h"
#include "petrel-mime-address.h"
#include "petrel-mime-builder.h"
#include "petrel-mime-decode.h"
#include "petrel-mime-error.h"
#include "petrel-mime-flowed.h"
#include "petrel-mime-html.h"
#include "petrel-mime-quote.h"
#include "petrel-mime-reply.h"
#include "petrel-mime-summary.h"
#include "petrel-mime-text.h"
