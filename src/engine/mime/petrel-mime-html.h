/* petrel-mime-html.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *petrel_mime_html_to_text (const char *html,
                                gssize      length);

G_END_DECLS
