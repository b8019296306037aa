/* main.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "model/petrel-account.h"
#include "petrel-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(PetrelApplication) app = NULL;
  int status;

  /* PETREL_LOCALEDIR: the build tree's po/ when running uninstalled (build-aux/run). */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("PETREL_LOCALEDIR") != NULL
                                     ? g_getenv ("PETREL_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = petrel_application_new ();

  status = g_application_run (G_APPLICATION (app), argc, argv);

  /* The windows are gone (shutdown): let whatever still holds an account on another thread,
   * a sync the quit cancelled, let go of it, so its store is closed rather than cut short by
   * the exit (petrel_account_wait_for_all()). */
  g_clear_object (&app);
  if (!petrel_account_wait_for_all (5 * G_TIME_SPAN_SECOND))
    g_debug ("Quitting with accounts still open");

  return status;
}
