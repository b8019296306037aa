/* petrel-engine.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>
#include <gio/gio.h>

G_BEGIN_DECLS

void         petrel_engine_init        (void);
const char  *petrel_engine_get_version (void);

G_END_DECLS
