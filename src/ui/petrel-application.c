/* petrel-application.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "petrel-engine.h"
#include "account/petrel-oauth2-providers.h"

#include "petrel-account-assistant.h"
#include "petrel-application.h"
#include "petrel-outbox-view.h"
#include "petrel-preferences.h"
#include "petrel-window.h"
#include "petrel-window-compose.h"

struct _PetrelApplication
{
  AdwApplication  parent_instance;

  char           *data_dir;   /* owned; from PETREL_DATA_DIR or the XDG data dir */
  char           *demo_dir;   /* owned; the demo mailbox's sample messages */
  gint64          start_time; /* monotonic, when the application object was made */
  gboolean        background_asked;  /* the Background portal was asked (sandboxed) */
  gboolean        background_held;   /* held while the portal's answer is awaited */
  guint           response_id;       /* the portal request's Response subscription */
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

/* `petrel mailto:…`, and the desktop's mail handler (issue 9): a composer filled from each
 * link, never sent without the user pressing Send. */
static void
petrel_application_open (GApplication  *app,
                         GFile        **files,
                         int            n_files,
                         const char    *hint)
{
  PetrelWindow *window = NULL;

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    if (PETREL_IS_WINDOW (l->data))
      {
        window = l->data;
        break;
      }
  if (window == NULL)
    window = petrel_window_new (PETREL_APPLICATION (app));
  gtk_window_present (GTK_WINDOW (window));

  for (int i = 0; i < n_files; i++)
    {
      g_autofree char *uri = g_file_get_uri (files[i]);
      g_autoptr(GError) error = NULL;

      if (uri == NULL || g_ascii_strncasecmp (uri, "mailto:", 7) != 0)
        {
          g_autofree char *name = g_file_get_parse_name (files[i]);
          g_autofree char *text = g_strdup_printf (_("Petrel cannot open “%s”"), name);

          petrel_window_add_toast (window, adw_toast_new (text));
          continue;
        }
      if (!petrel_window_compose_mailto (window, uri, &error))
        {
          g_autofree char *text = g_strdup_printf (_("The mail link cannot be used: %s"),
                                                   error->message);

          petrel_window_add_toast (window, adw_toast_new (text));
        }
    }
}

static void
petrel_application_startup (GApplication *app)
{
  static const char *quit_accels[] = { "<primary>q", NULL };
  static const char *help_accels[] = { "<primary>question", NULL };
  static const char *preferences_accels[] = { "<primary>comma", NULL };
  g_autoptr(GError) error = NULL;

  G_APPLICATION_CLASS (petrel_application_parent_class)->startup (app);

  petrel_engine_init ();
  /* A deployment's own OAuth2 providers, as petrel-cli reads them (see petrel-cli(1)). */
  if (!petrel_oauth2_providers_load_data_dir (PETREL_APPLICATION (app)->data_dir, &error))
    g_message ("Ignoring part of the OAuth2 providers: %s", error->message);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.show-help-overlay",
                                         help_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.preferences",
                                         preferences_accels);
}

/* Running in the background (issue 8): in a sandbox the Background portal decides whether
 * Petrel may go on running without a window. Spoken over GDBus (no libportal). */

#define PORTAL_BUS_NAME "org.freedesktop.portal.Desktop"
#define PORTAL_PATH "/org/freedesktop/portal/desktop"

static void
on_background_response_cb (GDBusConnection *connection,
                           const char      *sender,
                           const char      *path,
                           const char      *interface,
                           const char      *signal,
                           GVariant        *parameters,
                           gpointer         user_data)
{
  PetrelApplication *self = PETREL_APPLICATION (user_data);
  g_autoptr(GVariant) results = NULL;
  guint32 response = 2;
  gboolean allowed = FALSE;

  g_dbus_connection_signal_unsubscribe (connection, self->response_id);
  self->response_id = 0;

  g_variant_get (parameters, "(u@a{sv})", &response, &results);
  if (response == 0)
    g_variant_lookup (results, "background", "b", &allowed);

  if (!allowed)
    {
      /* Without permission the sandbox would stop Petrel anyway: quit when no window shows. */
      g_message ("Running in the background was not allowed (response %u)", response);
      self->background_asked = FALSE;
      if (gtk_application_get_active_window (GTK_APPLICATION (self)) == NULL ||
          !gtk_widget_get_visible (GTK_WIDGET (gtk_application_get_active_window (
                                                 GTK_APPLICATION (self)))))
        g_application_quit (G_APPLICATION (self));
    }

  if (self->background_held)
    {
      self->background_held = FALSE;
      g_application_release (G_APPLICATION (self));
    }
}

static void
request_background_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(PetrelApplication) self = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (reply == NULL)
    {
      g_message ("Cannot ask the Background portal: %s", error->message);
      if (self->response_id != 0)
        g_dbus_connection_signal_unsubscribe (G_DBUS_CONNECTION (object), self->response_id);
      self->response_id = 0;
      self->background_asked = FALSE;
      if (self->background_held)
        {
          self->background_held = FALSE;
          g_application_release (G_APPLICATION (self));
        }
    }
}

/**
 * petrel_application_request_background:
 *
 * Asks the Background portal, when sandboxed (/.flatpak-info exists), to let Petrel keep
 * running without a window (once per run). Outside a sandbox nothing needs asking.
 */
void
petrel_application_request_background (PetrelApplication *self)
{
  GDBusConnection *connection;
  g_autofree char *sender = NULL;
  g_autofree char *token = NULL;
  g_autofree char *request_path = NULL;
  g_autofree char *dbus_name = NULL;
  GVariantBuilder options;

  g_return_if_fail (PETREL_IS_APPLICATION (self));

  if (self->background_asked || !g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS))
    return;

  connection = g_application_get_dbus_connection (G_APPLICATION (self));
  if (connection == NULL)
    return;

  self->background_asked = TRUE;
  token = g_strdup_printf ("petrel%u", g_random_int_range (0, G_MAXINT32));
  /* The request object the portal will answer on: the unique name without ':', '.' as '_'. */
  sender = g_strdup (g_dbus_connection_get_unique_name (connection) + 1);
  g_strdelimit (sender, ".", '_');
  request_path = g_strdup_printf ("/org/freedesktop/portal/desktop/request/%s/%s", sender, token);
  self->response_id =
    g_dbus_connection_signal_subscribe (connection, PORTAL_BUS_NAME,
                                        "org.freedesktop.portal.Request", "Response",
                                        request_path, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                        on_background_response_cb, self, NULL);

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "handle_token", g_variant_new_string (token));
  g_variant_builder_add (&options, "{sv}", "reason",
                         g_variant_new_string (_("Petrel keeps checking for new mail while its "
                                                 "window is closed.")));
  g_variant_builder_add (&options, "{sv}", "autostart", g_variant_new_boolean (FALSE));

  g_application_hold (G_APPLICATION (self));
  self->background_held = TRUE;
  g_dbus_connection_call (connection, PORTAL_BUS_NAME, PORTAL_PATH,
                          "org.freedesktop.portal.Background", "RequestBackground",
                          g_variant_new ("(sa{sv})", "", &options), G_VARIANT_TYPE ("(o)"),
                          G_DBUS_CALL_FLAGS_NONE, -1, NULL, request_background_cb,
                          g_object_ref (self));
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

/* The main loop has ended: destroy the windows (a quit leaves them up), so that they let go of
 * their accounts and the accounts close their stores before the process exits (main()). */
static void
petrel_application_shutdown (GApplication *app)
{
  GList *windows = NULL;

  /* Composers, preferences and the like first, main windows last: the others hold on to
   * what a main window owns. Held meanwhile, as destroying one window may destroy another. */
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    windows = PETREL_IS_WINDOW (l->data) ? g_list_append (windows, g_object_ref (l->data))
                                         : g_list_prepend (windows, g_object_ref (l->data));
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_destroy (GTK_WINDOW (l->data));
  g_list_free_full (windows, g_object_unref);

  G_APPLICATION_CLASS (petrel_application_parent_class)->shutdown (app);
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
  app_class->open = petrel_application_open;
  app_class->startup = petrel_application_startup;
  app_class->shutdown = petrel_application_shutdown;
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

/* The window a new dialog belongs to: the active one, or a new main window. */
static GtkWindow *
dup_parent_window (PetrelApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  /* Another dialog (preferences opening the assistant) is not a parent to stay with. */
  while (window != NULL && !PETREL_IS_WINDOW (window) &&
         gtk_window_get_transient_for (window) != NULL)
    window = gtk_window_get_transient_for (window);
  if (window == NULL)
    {
      window = GTK_WINDOW (petrel_window_new (self));
      gtk_window_present (window);
    }

  return g_object_ref (window);
}

static void
on_add_account_activated_cb (GSimpleAction *action,
                             GVariant      *parameter,
                             gpointer       user_data)
{
  PetrelApplication *self = PETREL_APPLICATION (user_data);
  g_autoptr(GtkWindow) parent = dup_parent_window (self);
  GtkWindow *active = gtk_application_get_active_window (GTK_APPLICATION (self));

  /* From the preferences, the assistant stays on top of them. */
  if (active != NULL && PETREL_IS_PREFERENCES (active))
    g_set_object (&parent, active);
  gtk_window_present (GTK_WINDOW (petrel_account_assistant_new (parent, self->data_dir)));
}

static void
on_preferences_activated_cb (GSimpleAction *action,
                             GVariant      *parameter,
                             gpointer       user_data)
{
  PetrelApplication *self = PETREL_APPLICATION (user_data);
  g_autoptr(GtkWindow) parent = dup_parent_window (self);

  gtk_window_present (GTK_WINDOW (petrel_preferences_new (parent, self->data_dir)));
}

static void
on_outbox_activated_cb (GSimpleAction *action,
                        GVariant      *parameter,
                        gpointer       user_data)
{
  PetrelApplication *self = PETREL_APPLICATION (user_data);
  g_autoptr(GtkWindow) parent = dup_parent_window (self);

  gtk_window_present (GTK_WINDOW (petrel_outbox_view_new (parent, self->data_dir)));
}

/* A new-mail notification was clicked: the window shows that message (issue 8). */
static void
on_show_message_activated_cb (GSimpleAction *action,
                              GVariant      *parameter,
                              gpointer       user_data)
{
  PetrelApplication *self = PETREL_APPLICATION (user_data);
  g_autoptr(GtkWindow) window = dup_parent_window (self);
  const char *account_id, *folder;
  guint32 uid;

  g_variant_get (parameter, "(&s&su)", &account_id, &folder, &uid);
  if (PETREL_IS_WINDOW (window))
    petrel_window_show_message (PETREL_WINDOW (window), account_id, folder, uid);
  gtk_window_present (window);
}

static void
petrel_application_init (PetrelApplication *self)
{
  static const GActionEntry app_entries[] = {
    { "quit", on_quit_activated_cb },
    { "about", on_about_activated_cb },
    { "add-account", on_add_account_activated_cb },
    { "preferences", on_preferences_activated_cb },
    { "outbox", on_outbox_activated_cb },
    { "show-message", on_show_message_activated_cb, "(ssu)" },
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
                       "flags", G_APPLICATION_DEFAULT_FLAGS | G_APPLICATION_HANDLES_OPEN,
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
