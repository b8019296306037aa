/* petrel-mime-flowed.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *petrel_mime_flowed_decode (const char *text,
                                 gboolean    delsp);
char *petrel_mime_flowed_encode (const char *text,
                                 guint       width);

G_END_DECLS
