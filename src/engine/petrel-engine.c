/* petrel-engine.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gmime/gmime.h>

#include "petrel-engine.h"

/**
 * petrel_engine_init:
 *
 * Initialises the libraries the engine stands on (GMime). Safe to call more than once; both
 * front ends and every test call it before using any other engine API.
 */
void
petrel_engine_init (void)
{
  static gsize initialised = 0;

  if (g_once_init_enter (&initialised))
    {
      g_mime_init ();
      g_once_init_leave (&initialised, 1);
    }
}

const char *
petrel_engine_get_version (void)
{
  return PACKAGE_VERSION;
}
