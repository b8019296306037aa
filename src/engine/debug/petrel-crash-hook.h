/* petrel-crash-hook.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "debug/petrel-crash-hook-config.h"

G_BEGIN_DECLS

/*
 * The crash hook (issue #10): with the environment variable
 *
 *   PETREL_CRASH_AFTER=store-commit:N   or   PETREL_CRASH_AFTER=net-write:N
 *
 * the engine calls _exit(137) right after its Nth store transaction commit (the outer COMMIT
 * statement, counted whether or not it succeeded, before the files it made obsolete are
 * removed) or after its Nth completed network write (IMAP or SMTP), so that tests can "pull
 * the plug" at every step of a sync or a replay (tests/reliability/test-crash-sweep.py).
 * Without the variable a crash point costs one atomic read. Built with `-Dcrash_hook=true`
 * (the default, so that CI runs the sweep); with `-Dcrash_hook=false` every
 * petrel_crash_point() compiles to nothing.
 */

typedef enum {
  PETREL_CRASH_STORE_COMMIT,
  PETREL_CRASH_NET_WRITE,
} PetrelCrashPoint;

/* The exit status of a process the hook ended (like a shell's 128 + SIGKILL). */
#define PETREL_CRASH_EXIT_STATUS 137

gboolean petrel_crash_hook_parse (const char       *spec,
                                  PetrelCrashPoint *point,
                                  guint64          *count);

#ifdef PETREL_CRASH_HOOK_ENABLED
void     petrel_crash_point      (PetrelCrashPoint  point);
#else
#define petrel_crash_point(point) G_STMT_START { (void) (point); } G_STMT_END
#endif

G_END_DECLS
