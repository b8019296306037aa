/* petrel-crash-hook.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "petrel-crash-hook.h"

/**
 * petrel_crash_hook_parse:
 * @spec: a PETREL_CRASH_AFTER value, `store-commit:N` or `net-write:N` with N ≥ 1
 * @point: (out): which crash point it names
 * @count: (out): N
 *
 * Returns: %TRUE if @spec is well formed.
 */
gboolean
petrel_crash_hook_parse (const char       *spec,
                         PetrelCrashPoint *point,
                         guint64          *count)
{
  const char *colon;
  guint64 n = 0;

  g_return_val_if_fail (point != NULL, FALSE);
  g_return_val_if_fail (count != NULL, FALSE);

  if (spec == NULL || (colon = strchr (spec, ':')) == NULL)
    return FALSE;

  if (colon - spec == strlen ("store-commit") &&
      strncmp (spec, "store-commit", colon - spec) == 0)
    *point = PETREL_CRASH_STORE_COMMIT;
  else if (colon - spec == strlen ("net-write") &&
           strncmp (spec, "net-write", colon - spec) == 0)
    *point = PETREL_CRASH_NET_WRITE;
  else
    return FALSE;

  if (!g_ascii_string_to_unsigned (colon + 1, 10, 1, G_MAXUINT64, &n, NULL))
    return FALSE;

  *count = n;
  return TRUE;
}

#ifdef PETREL_CRASH_HOOK_ENABLED

/* 0: not read yet; 1: off; 2: armed. */
static gsize hook_state;
static PetrelCrashPoint hook_point;
static guint64 hook_count;
static gint64 hook_seen;   /* atomically incremented: commits and writes run on several threads */

static gboolean
arm_hook (void)
{
  if (g_once_init_enter (&hook_state))
    {
      const char *spec = g_getenv ("PETREL_CRASH_AFTER");
      gsize state = 1;

      /* A malformed value is ignored rather than fatal: this is a test aid. */
      if (spec != NULL && petrel_crash_hook_parse (spec, &hook_point, &hook_count))
        state = 2;
      g_once_init_leave (&hook_state, state);
    }

  return hook_state == 2;
}

/**
 * petrel_crash_point:
 * @point: the step just completed
 *
 * Ends the process with _exit(%PETREL_CRASH_EXIT_STATUS) when PETREL_CRASH_AFTER names @point
 * and this is its Nth occurrence. _exit() flushes nothing and runs no atexit handler or
 * destructor, like a power cut after the step (the kernel still has what was written).
 */
void
petrel_crash_point (PetrelCrashPoint point)
{
  gint64 seen;

  if (!arm_hook () || point != hook_point)
    return;

  seen = __atomic_add_fetch (&hook_seen, 1, __ATOMIC_SEQ_CST);
  if ((guint64) seen == hook_count)
    _exit (PETREL_CRASH_EXIT_STATUS);
}

#endif
