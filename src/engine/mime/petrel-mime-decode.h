/* petrel-mime-decode.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

char    *petrel_mime_utf8_repair             (const char  *data,
                                              gssize       length);
char    *petrel_mime_convert_to_utf8         (const char  *data,
                                              gssize       length,
                                              const char  *charset);
char    *petrel_mime_decode_header_text      (const char  *raw);
char    *petrel_mime_normalize_message_id    (const char  *raw);
GStrv    petrel_mime_parse_references        (const char  *raw);
char    *petrel_mime_normalize_list_id       (const char  *raw);
gint64   petrel_mime_parse_date              (const char  *raw,
                                              gint64       fallback);

G_END_DECLS
