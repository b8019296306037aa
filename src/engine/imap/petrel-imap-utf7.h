/* petrel-imap-utf7.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Modified UTF-7 (RFC 3501 section 5.1.3), the mailbox name encoding of IMAP servers without
 * UTF8=ACCEPT. Both functions fail with PETREL_IMAP_ERROR_PARSE on malformed input (invalid
 * UTF-8, bad base64, an unterminated shift, unpaired surrogates, raw 8-bit or control bytes). */
char *petrel_imap_utf7_encode (const char *utf8,
                               GError    **error);
char *petrel_imap_utf7_decode (const char *mutf7,
                               GError    **error);

G_END_DECLS
