/* petrel-cli-discover.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "account/petrel-autoconfig.h"

#include "petrel-cli-output.h"

G_BEGIN_DECLS

/* `account discover ADDRESS`: prints what was found and returns an exit status. */
int                     cli_command_discover (CliGlobals        *globals,
                                              const char        *address);

/* The same with a discoverer the caller configured (NULL: the default one); for tests and
 * for `account add --auto --ca-file …`. */
int                     cli_discover_print   (CliGlobals        *globals,
                                              PetrelAutoconfig  *autoconfig,
                                              const char        *address);

/* Runs discovery to its end (progress on a terminal's stderr) for `account add --auto`.
 * Fails at once under --offline. */
PetrelAutoconfigResult *cli_discover         (CliGlobals        *globals,
                                              PetrelAutoconfig  *autoconfig,
                                              const char        *address,
                                              GError           **error);

G_END_DECLS
