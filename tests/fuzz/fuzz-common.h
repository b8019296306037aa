/* fuzz-common.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

/* Shared by the libFuzzer targets in this directory (each is also run over its corpus by
 * fuzz-replay.c). An invariant that does not hold aborts, which libFuzzer reports as a crash
 * and the replay test as a failure; the message says which invariant and where. */

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define fuzz_require(cond, what) \
  G_STMT_START { \
    if (G_UNLIKELY (!(cond))) \
      { \
        fprintf (stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, (what)); \
        abort (); \
      } \
  } G_STMT_END

/* The input as a NUL-terminated string, cut at its first NUL. */
static inline char *
fuzz_strndup (const uint8_t *data,
              size_t         size)
{
  return g_strndup ((const char *) data, size);
}

/* TRUE if @s (NUL-terminated) is valid UTF-8 without C0 controls other than those allowed. */
static inline gboolean
fuzz_is_clean_utf8 (const char *s,
                    const char *allowed_controls)
{
  if (!g_utf8_validate (s, -1, NULL))
    return FALSE;
  for (const char *p = s; *p != '\0'; p++)
    if (((guchar) *p < 0x20 || *p == 0x7f) && strchr (allowed_controls, *p) == NULL)
      return FALSE;
  return TRUE;
}
