/* petrel-application.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "petrel-engine.h"

#include "petrel-application.h"
#include "petrel-window.h"

struct _PetrelApplication
{
  AdwApplication  parent_instance;

  char           *data_dir;   /* owned; from PETREL_DATA_DIR or the XDG data dir */
  char           *demo_dir;   /* owned; the demo mailbox's sample messages */
  gint64          start_time; /* monotonic, when the application object was made */
};

G_DEFINE_FINAL_TYPE (PetrelApplication, petrel_application, ADW_TYPE_APPLICATION)

static void
petrel_application_activate (GApplication *app)
{
  GtkWindow *window;

  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  if (window == NULL)
    window = GTK_WINDOW (petrel_window_new (PETREL_APPLICATION (app)));

  gtk_window_present (window);
}

static void
petrel_application_startup (GApplication *app)
{
  static const char *quit_accels[] = { "<primary>q", NULL };
  static const char *help_accels[] = { "<primary>question", NULL };

  G_APPLICATION_CLASS (petrel_application_parent_class)->startup (app);

  petrel_engine_init ();
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.show-help-overlay",
                                         help_accels);
}

/* Whether this process is the petrel binary of the build tree (build-aux/run, the tests):
 * then the sample messages come from the source tree, not from an installed copy. */
static gboolean
running_uninstalled (void)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = exe != NULL ? g_path_get_dirname (exe) : NULL;
  g_autofree char *canonical = g_canonicalize_filename (PETREL_UI_BUILDDIR, NULL);

  return dir != NULL && g_strcmp0 (dir, canonical) == 0;
}

static void
petrel_application_finalize (GObject *object)
{
  PetrelApplication *self = PETREL_APPLICATION (object);

  g_clear_pointer (&self->data_dir, g_free);
  g_clear_pointer (&self->demo_dir, g_free);

  G_OBJECT_CLASS (petrel_application_parent_class)->finalize (object);
}

static void
petrel_application_class_init (PetrelApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = petrel_application_finalize;
  app_class->activate = petrel_application_activate;
  app_class->startup = petrel_application_startup;
}

static void
on_quit_activated_cb (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static void
on_about_activated_cb (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  static const char *developers[] = { "The Petrel authors", NULL };
  GtkApplication *app = GTK_APPLICATION (user_data);
  GtkWindow *window = gtk_application_get_active_window (app);

  adw_show_about_window (window,
                         "application-name", _("Petrel"),
                         "application-icon", APPLICATION_ID,
                         "developer-name", _("The Petrel authors"),
                         "version", PACKAGE_VERSION,
                         "developers", developers,
                         "copyright", "© 2026 The Petrel authors",
                         "license-type", GTK_LICENSE_GPL_3_0,
                         NULL);
}

static void
petrel_application_init (PetrelApplication *self)
{
  static const GActionEntry app_entries[] = {
    { "quit", on_quit_activated_cb },
    { "about", on_about_activated_cb },
  };
  const char *env_dir = g_getenv ("PETREL_DATA_DIR");

  self->start_time = g_get_monotonic_time ();

  if (env_dir != NULL && *env_dir != '\0')
    self->data_dir = g_strdup (env_dir);
  else
    self->data_dir = g_build_filename (g_get_user_data_dir (), "petrel", NULL);

  env_dir = g_getenv ("PETREL_DEMO_DIR");
  if (env_dir != NULL && *env_dir != '\0')
    self->demo_dir = g_strdup (env_dir);
  else if (running_uninstalled ())
    self->demo_dir = g_build_filename (PETREL_SOURCE_DATADIR, "demo", NULL);
  else
    self->demo_dir = g_build_filename (PKGDATADIR, "demo", NULL);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_entries, G_N_ELEMENTS (app_entries),
                                   self);
}

PetrelApplication *
petrel_application_new (void)
{
  return g_object_new (PETREL_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/org/petrelmail/Petrel",
                       NULL);
}

const char *
petrel_application_get_data_dir (PetrelApplication *self)
{
  g_return_val_if_fail (PETREL_IS_APPLICATION (self), NULL);

  return self->data_dir;
}

/**
 * petrel_application_get_demo_dir:
 *
 * Returns: where the demo mailbox's sample messages are: `PETREL_DEMO_DIR`, else data/demo in
 *   the source tree when running from the build tree, else the installed copy
 */
const char *
petrel_application_get_demo_dir (PetrelApplication *self)
{
  g_return_val_if_fail (PETREL_IS_APPLICATION (self), NULL);

  return self->demo_dir;
}

/* When the application started (g_get_monotonic_time()), for timing traces. */
gint64
petrel_application_get_start_time (PetrelApplication *self)
{
  g_return_val_if_fail (PETREL_IS_APPLICATION (self), 0);

  return self->start_time;
}
