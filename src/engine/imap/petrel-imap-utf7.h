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

/* For showing a name the server sent that may not be valid modified UTF-7: never fails. Raw
 * 8-bit bytes that form UTF-8 are taken as UTF-8 (servers without UTF8=ACCEPT sometimes send
 * them); whatever cannot be decoded (invalid bytes, control characters, a broken “&…-”
 * sequence) becomes U+FFFD. @lossy: (out) (optional): set to TRUE when @mutf7 was not valid
 * modified UTF-7, i.e. when petrel_imap_utf7_decode() would have failed. */
char *petrel_imap_utf7_decode_lossy (const char *mutf7,
                                     gboolean   *lossy);

G_END_DECLS
