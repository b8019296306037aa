/* petrel-engine.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the front ends see of the engine.
 */

#pragma once

#include <glib.h>
#include <gio/gio.h>

#include "account/petrel-account-config.h"
#include "account/petrel-account-error.h"
#include "account/petrel-credentials.h"
#include "mime/petrel-mime-summary.h"
#include "model/petrel-account.h"
#include "model/petrel-conversation.h"
#include "store/petrel-store.h"

G_BEGIN_DECLS

void         petrel_engine_init        (void);
const char  *petrel_engine_get_version (void);

G_END_DECLS
