/* petrel-mime-quote.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "petrel-mime-summary.h"

G_BEGIN_DECLS

char  *petrel_mime_quote_attribution (const PetrelMimeSummary *summary,
                                      GTimeZone               *tz);
char  *petrel_mime_quote_text        (const char              *text);
char  *petrel_mime_quote_reply       (GBytes                  *message,
                                      GTimeZone               *tz);
char  *petrel_mime_forward_text      (GBytes                  *message);
char  *petrel_mime_reply_subject     (const char              *subject);
char  *petrel_mime_forward_subject   (const char              *subject);
GStrv  petrel_mime_reply_references  (const PetrelMimeSummary *summary);

G_END_DECLS
