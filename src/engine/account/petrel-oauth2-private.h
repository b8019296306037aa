/* petrel-oauth2-private.h: internals of petrel-oauth2.c, for its tests
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "account/petrel-oauth2.h"

G_BEGIN_DECLS

/* Base64url without padding (RFC 7636 appendix A). */
char              *_petrel_oauth2_base64url            (const guchar  *data,
                                                        gsize          length);
/* @n_bytes from the kernel's CSPRNG, base64url-encoded. */
char              *_petrel_oauth2_random_string        (gsize          n_bytes,
                                                        GError       **error);
/* The S256 code challenge of @verifier: BASE64URL(SHA256(ASCII(verifier))). */
char              *_petrel_oauth2_compute_challenge    (const char    *verifier);
/* https://, or http:// to a loopback IP address; else PETREL_OAUTH2_ERROR_INSECURE. */
gboolean           _petrel_oauth2_check_endpoint       (const char    *url,
                                                        GError       **error);
/* A token endpoint's answer (RFC 6749 sections 5.1 and 5.2) with HTTP @status. @refreshing
 * turns invalid_grant into PETREL_OAUTH2_ERROR_REVOKED. */
PetrelOAuth2Token *_petrel_oauth2_parse_token_response (const char    *host,
                                                        guint          status,
                                                        const char    *body,
                                                        gsize          length,
                                                        gboolean       refreshing,
                                                        GError       **error);

G_END_DECLS
