/* main.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "petrel-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(PetrelApplication) app = NULL;

  /* PETREL_LOCALEDIR: the build tree's po/ when running uninstalled (build-aux/run). */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("PETREL_LOCALEDIR") != NULL
                                     ? g_getenv ("PETREL_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = petrel_application_new ();

  return g_application_run (G_APPLICATION (app), argc, argv);
}
