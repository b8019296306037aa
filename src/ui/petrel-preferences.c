/* petrel-preferences.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Preferences (issue 9): what the whole app does lives in GSettings (org.petrelmail.Petrel);
 * what one account does lives in its account.ini and, for the password, in the keyring. Each
 * account has a subpage: identity, password, how much mail to keep offline, and removal.
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "petrel-engine.h"
#include "model/petrel-account-list.h"
#include "model/petrel-account-setup.h"

#include "petrel-preferences.h"

struct _PetrelPreferences
{
  AdwPreferencesWindow  parent_instance;

  AdwPreferencesPage   *general_page;
  GtkSwitch            *conversations_switch;
  AdwComboRow          *density_row;
  GtkSwitch            *remote_content_switch;
  AdwPreferencesGroup  *trusted_group;
  AdwEntryRow          *trusted_entry_row;
  GtkSwitch            *notifications_switch;
  GtkSwitch            *background_switch;
  GtkSpinButton        *undo_send_spin;
  GtkSwitch            *rich_text_switch;
  GtkSwitch            *bottom_post_switch;
  GtkSwitch            *spell_check_switch;
  AdwPreferencesPage   *accounts_page;
  AdwPreferencesGroup  *accounts_group;

  char                 *data_dir;       /* owned */
  GSettings            *settings;       /* owned, nullable without the installed schema */
  PetrelAccountList    *accounts;       /* owned */
  GPtrArray            *account_rows;   /* owned: rows of accounts_group, rebuilt on change */
  GPtrArray            *trusted_rows;   /* owned: rows of trusted_group */
  GCancellable         *cancellable;    /* owned, cancelled on close */
};

G_DEFINE_FINAL_TYPE (PetrelPreferences, petrel_preferences, ADW_TYPE_PREFERENCES_WINDOW)

/* One account's subpage. */
typedef struct
{
  PetrelPreferences   *prefs;           /* borrowed: the subpage dies with the window */
  PetrelAccount       *account;         /* owned */
  PetrelAccountConfig *config;          /* owned: the key file, saved on each change */
  GtkTextBuffer       *signature;       /* owned: may outlive its text view */
  guint                signature_timeout;
} AccountPage;

/* The rows of the "keep offline" combo row. */
static const struct
{
  PetrelSyncBodies bodies;
  guint            days;
} offline_rows[] = {
  { PETREL_SYNC_BODIES_ALL, 0 },
  { PETREL_SYNC_BODIES_RECENT, 30 },
  { PETREL_SYNC_BODIES_RECENT, 90 },
  { PETREL_SYNC_BODIES_RECENT, 365 },
  { PETREL_SYNC_BODIES_NONE, 0 },
};

static void rebuild_accounts (PetrelPreferences *self);

static void
account_page_free (AccountPage *page)
{
  /* A signature typed just before the page was closed is still saved. */
  if (page->signature_timeout != 0)
    {
      GtkTextIter start, end;
      g_autofree char *text = NULL;
      g_autoptr(GError) error = NULL;

      g_clear_handle_id (&page->signature_timeout, g_source_remove);
      gtk_text_buffer_get_bounds (page->signature, &start, &end);
      text = gtk_text_buffer_get_text (page->signature, &start, &end, FALSE);
      petrel_account_config_set_signature (page->config, *text != '\0' ? text : NULL);
      /* The window is going away: nowhere to show an error but the log. */
      if (!petrel_account_config_save (page->config, petrel_account_get_data_dir (page->account),
                                       &error))
        g_debug ("The signature could not be saved: %s", error->message);
    }
  g_clear_object (&page->signature);
  g_clear_object (&page->account);
  g_clear_object (&page->config);
  g_free (page);
}

static void
toast (PetrelPreferences *self,
       const char        *message)
{
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (message));
}

static gboolean
save_config (AccountPage *page)
{
  g_autoptr(GError) error = NULL;

  if (!petrel_account_config_save (page->config,
                                   petrel_account_get_data_dir (page->account), &error))
    {
      g_autofree char *message = g_strdup_printf (_("The account could not be saved: %s"),
                                                  error->message);

      toast (page->prefs, message);
      return FALSE;
    }

  return TRUE;
}

/* General page */

static gboolean
density_get_mapping (GValue   *value,
                     GVariant *variant,
                     gpointer  user_data)
{
  g_value_set_uint (value, g_str_equal (g_variant_get_string (variant, NULL), "compact") ? 1 : 0);
  return TRUE;
}

static GVariant *
density_set_mapping (const GValue       *value,
                     const GVariantType *expected_type,
                     gpointer            user_data)
{
  return g_variant_new_string (g_value_get_uint (value) == 1 ? "compact" : "comfortable");
}

static void
on_trusted_remove_clicked_cb (GtkButton         *button,
                              PetrelPreferences *self)
{
  const char *address = g_object_get_data (G_OBJECT (button), "address");
  g_auto(GStrv) senders = g_settings_get_strv (self->settings, "trusted-senders");
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) kept = NULL;

  for (guint i = 0; senders[i] != NULL; i++)
    if (g_strcmp0 (senders[i], address) != 0)
      g_strv_builder_add (builder, senders[i]);
  kept = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "trusted-senders", (const char * const *) kept);
}

static void
rebuild_trusted (PetrelPreferences *self)
{
  g_auto(GStrv) senders = NULL;

  for (guint i = 0; i < self->trusted_rows->len; i++)
    adw_preferences_group_remove (self->trusted_group, g_ptr_array_index (self->trusted_rows, i));
  g_ptr_array_set_size (self->trusted_rows, 0);

  if (self->settings == NULL)
    return;

  senders = g_settings_get_strv (self->settings, "trusted-senders");
  for (guint i = 0; senders[i] != NULL; i++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *button = gtk_button_new_from_icon_name ("user-trash-symbolic");
      g_autofree char *label = g_strdup_printf (_("Remove %s"), senders[i]);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), senders[i]);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (button, "flat");
      gtk_widget_set_tooltip_text (button, label);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
      g_object_set_data_full (G_OBJECT (button), "address", g_strdup (senders[i]), g_free);
      g_signal_connect (button, "clicked", G_CALLBACK (on_trusted_remove_clicked_cb), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
      adw_preferences_group_add (self->trusted_group, row);
      g_ptr_array_add (self->trusted_rows, row);
    }
}

static void
on_trusted_apply_cb (AdwEntryRow       *row,
                     PetrelPreferences *self)
{
  g_autofree char *address = g_utf8_strdown (gtk_editable_get_text (GTK_EDITABLE (row)), -1);
  g_auto(GStrv) senders = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) updated = NULL;

  g_strstrip (address);
  if (!petrel_account_validate_address (address, NULL))
    {
      toast (self, _("That is not an email address"));
      return;
    }

  senders = g_settings_get_strv (self->settings, "trusted-senders");
  if (!g_strv_contains ((const char * const *) senders, address))
    {
      g_strv_builder_addv (builder, (const char **) senders);
      g_strv_builder_add (builder, address);
      updated = g_strv_builder_end (builder);
      g_settings_set_strv (self->settings, "trusted-senders", (const char * const *) updated);
    }
  gtk_editable_set_text (GTK_EDITABLE (row), "");
}

static void
bind_settings (PetrelPreferences *self)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  /* Without the installed schema (a bare build-tree run) there is nothing to keep them in. */
  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APPLICATION_ID, TRUE);
  if (schema == NULL)
    {
      gtk_widget_set_sensitive (GTK_WIDGET (self->general_page), FALSE);
      return;
    }

  self->settings = g_settings_new (APPLICATION_ID);
  g_settings_bind (self->settings, "conversations", self->conversations_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (self->settings, "density", self->density_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, density_get_mapping,
                                density_set_mapping, NULL, NULL);
  g_settings_bind (self->settings, "load-remote-content", self->remote_content_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "notifications", self->notifications_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "run-in-background", self->background_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "undo-send-delay",
                   gtk_spin_button_get_adjustment (self->undo_send_spin), "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "compose-rich-text", self->rich_text_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "reply-below-quote", self->bottom_post_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "spell-check", self->spell_check_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);

  g_signal_connect_swapped (self->settings, "changed::trusted-senders",
                            G_CALLBACK (rebuild_trusted), self);
  g_signal_connect (self->trusted_entry_row, "apply", G_CALLBACK (on_trusted_apply_cb), self);
  rebuild_trusted (self);
}

/* Account subpage */

static void
on_name_apply_cb (AdwEntryRow *row,
                  AccountPage *page)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));

  petrel_account_config_set_display_name (page->config, *name != '\0' ? name : NULL);
  if (save_config (page))
    toast (page->prefs, _("Name saved"));
}

static void
on_aliases_apply_cb (AdwEntryRow *row,
                     AccountPage *page)
{
  g_auto(GStrv) parts = g_strsplit_set (gtk_editable_get_text (GTK_EDITABLE (row)), ",; ", -1);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) aliases = NULL;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (*parts[i] == '\0')
        continue;
      if (!petrel_account_validate_address (parts[i], NULL))
        {
          g_autofree char *message = g_strdup_printf (_("“%s” is not an email address"),
                                                      parts[i]);

          toast (page->prefs, message);
          return;
        }
      g_strv_builder_add (builder, parts[i]);
    }
  aliases = g_strv_builder_end (builder);

  petrel_account_config_set_aliases (page->config, (const char * const *) aliases);
  if (save_config (page))
    toast (page->prefs, _("Addresses saved"));
}

static gboolean
save_signature_cb (gpointer user_data)
{
  AccountPage *page = user_data;
  GtkTextIter start, end;
  g_autofree char *text = NULL;

  page->signature_timeout = 0;
  gtk_text_buffer_get_bounds (page->signature, &start, &end);
  text = gtk_text_buffer_get_text (page->signature, &start, &end, FALSE);
  petrel_account_config_set_signature (page->config, *text != '\0' ? text : NULL);
  save_config (page);

  return G_SOURCE_REMOVE;
}

static void
on_signature_changed_cb (GtkTextBuffer *buffer,
                         AccountPage   *page)
{
  g_clear_handle_id (&page->signature_timeout, g_source_remove);
  page->signature_timeout = g_timeout_add (500, save_signature_cb, page);
}

static void
on_offline_selected_cb (AdwComboRow *row,
                        GParamSpec  *pspec,
                        AccountPage *page)
{
  guint selected = adw_combo_row_get_selected (row);

  if (selected >= G_N_ELEMENTS (offline_rows))
    return;
  petrel_account_config_set_sync_bodies (page->config, offline_rows[selected].bodies);
  if (offline_rows[selected].days > 0)
    petrel_account_config_set_sync_recent_days (page->config, offline_rows[selected].days);
  save_config (page);
}

typedef struct
{
  PetrelPreferences *prefs;    /* owned */
  PetrelAccount     *account;  /* owned */
  char              *password; /* owned, wiped */
  guint              service;  /* the next to store */
} PasswordData;

static void
password_data_free (PasswordData *data)
{
  g_clear_object (&data->prefs);
  g_clear_object (&data->account);
  g_clear_pointer (&data->password, petrel_credentials_secret_free);
  g_free (data);
}

static void
on_password_stored_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  PasswordData *data = user_data;
  g_autoptr(GError) error = NULL;

  if (!petrel_credentials_store_finish (PETREL_CREDENTIALS (object), result, &error))
    {
      g_autofree char *message = g_strdup_printf (_("The password could not be stored: %s"),
                                                  error->message);

      toast (data->prefs, message);
      password_data_free (data);
      return;
    }

  /* The same password for IMAP and SMTP, as the assistant and petrel-cli store it. */
  if (++data->service <= PETREL_CREDENTIAL_SERVICE_SMTP)
    {
      petrel_credentials_store_async (PETREL_CREDENTIALS (object),
                                      petrel_account_get_secret_key (data->account),
                                      data->service,
                                      petrel_account_config_get_email_address (
                                        petrel_account_get_config (data->account)),
                                      data->password, NULL, on_password_stored_cb, data);
      return;
    }

  toast (data->prefs, _("Password saved in the keyring"));
  password_data_free (data);
}

static void
on_password_apply_cb (AdwEntryRow *row,
                      AccountPage *page)
{
  PasswordData *data;

  if (*gtk_editable_get_text (GTK_EDITABLE (row)) == '\0')
    return;

  data = g_new0 (PasswordData, 1);
  data->prefs = g_object_ref (page->prefs);
  data->account = g_object_ref (page->account);
  data->password = g_strdup (gtk_editable_get_text (GTK_EDITABLE (row)));
  data->service = PETREL_CREDENTIAL_SERVICE_IMAP;
  gtk_editable_set_text (GTK_EDITABLE (row), "");

  petrel_credentials_store_async (petrel_account_get_credentials (page->account),
                                  petrel_account_get_secret_key (page->account),
                                  data->service,
                                  petrel_account_config_get_email_address (page->config),
                                  data->password, NULL, on_password_stored_cb, data);
}

static void
on_remove_done_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(PetrelPreferences) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!petrel_account_remove_finish (result, &error))
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      message = g_strdup_printf (_("The account could not be removed: %s"), error->message);
      toast (self, message);
      return;
    }

  adw_preferences_window_close_subpage (ADW_PREFERENCES_WINDOW (self));
  toast (self, _("Account removed"));
  /* Emits items-changed, which rebuilds the rows. */
  petrel_account_list_reload (self->accounts, NULL);
}

static void
on_remove_response_cb (AdwMessageDialog *dialog,
                       const char       *response,
                       AccountPage      *page)
{
  if (!g_str_equal (response, "remove"))
    return;

  petrel_account_remove_async (page->account, page->prefs->cancellable, on_remove_done_cb,
                               g_object_ref (page->prefs));
}

static void
on_remove_clicked_cb (GtkButton   *button,
                      AccountPage *page)
{
  GtkWidget *dialog;
  const char *address = petrel_account_config_get_email_address (page->config);

  dialog = adw_message_dialog_new (GTK_WINDOW (page->prefs), NULL, NULL);
  adw_message_dialog_format_heading (ADW_MESSAGE_DIALOG (dialog), _("Remove %s?"), address);
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (dialog),
                               _("Its settings, the copy of its mail on this computer, its unsent "
                                 "mail and queued changes, and its password in the keyring are "
                                 "removed. The mail on the server stays."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "remove", _("_Remove"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (on_remove_response_cb), page);
  gtk_window_present (GTK_WINDOW (dialog));
}

static GtkWidget *
add_info_row (AdwPreferencesGroup *group,
              const char          *title,
              const char          *value)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), value);
  gtk_widget_add_css_class (row, "property");
  adw_preferences_group_add (group, row);

  return row;
}

static char *
describe_server (PetrelAccountConfig *config,
                 PetrelAccountServer  server)
{
  PetrelConnectionSecurity security = petrel_account_config_get_security (config, server);
  const char *how = security == PETREL_CONNECTION_SECURITY_TLS ? C_("security", "TLS")
                    : security == PETREL_CONNECTION_SECURITY_STARTTLS ? C_("security", "STARTTLS")
                    : C_("security", "None");

  /* Translators: server, port, security (TLS, STARTTLS or None) and user name */
  return g_strdup_printf (_("%s, port %u, %s, as %s"),
                          petrel_account_config_get_host (config, server),
                          petrel_account_config_get_port (config, server), how,
                          petrel_account_config_get_login (config, server));
}

static GtkWidget *
create_account_page (PetrelPreferences *self,
                     PetrelAccount     *account)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *aliases = NULL;
  g_autofree char *imap = NULL;
  g_autofree char *smtp = NULL;
  PetrelAccountConfig *config;
  AccountPage *page;
  GtkWidget *box, *header, *title, *back, *prefs_page, *group, *row, *frame, *view, *button;
  const char *name;

  config = petrel_account_config_load (petrel_account_get_data_dir (account),
                                       petrel_account_get_id (account), &error);
  if (config == NULL)
    {
      toast (self, error->message);
      return NULL;
    }

  page = g_new0 (AccountPage, 1);
  page->prefs = self;
  page->account = g_object_ref (account);
  page->config = config;
  name = petrel_account_config_get_display_name (config);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  g_object_set_data_full (G_OBJECT (box), "petrel-account-page", page,
                          (GDestroyNotify) account_page_free);

  header = adw_header_bar_new ();
  title = adw_window_title_new (name != NULL ? name : petrel_account_config_get_email_address (config),
                                name != NULL ? petrel_account_config_get_email_address (config)
                                             : NULL);
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header), title);
  back = gtk_button_new_from_icon_name ("go-previous-symbolic");
  gtk_widget_set_tooltip_text (back, _("Back"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (back), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Back"), -1);
  g_signal_connect_swapped (back, "clicked",
                            G_CALLBACK (adw_preferences_window_close_subpage), self);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), back);
  gtk_box_append (GTK_BOX (box), header);

  prefs_page = adw_preferences_page_new ();
  gtk_widget_set_vexpand (prefs_page, TRUE);
  gtk_box_append (GTK_BOX (box), prefs_page);

  /* Identity */
  group = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Identity"));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (prefs_page), ADW_PREFERENCES_GROUP (group));

  row = adw_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Your Name"));
  adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (row), TRUE);
  gtk_editable_set_text (GTK_EDITABLE (row), name != NULL ? name : "");
  g_signal_connect (row, "apply", G_CALLBACK (on_name_apply_cb), page);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);

  add_info_row (ADW_PREFERENCES_GROUP (group), _("Email Address"),
                petrel_account_config_get_email_address (config));

  row = adw_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Other Addresses (Aliases)"));
  adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (row), TRUE);
  adw_entry_row_set_input_hints (ADW_ENTRY_ROW (row), GTK_INPUT_HINT_NO_SPELLCHECK);
  aliases = g_strjoinv (", ", (char **) petrel_account_config_get_aliases (config));
  gtk_editable_set_text (GTK_EDITABLE (row), aliases != NULL ? aliases : "");
  g_signal_connect (row, "apply", G_CALLBACK (on_aliases_apply_cb), page);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);

  /* Signature */
  group = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Signature"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group),
                                         _("Added below new messages and replies"));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (prefs_page), ADW_PREFERENCES_GROUP (group));
  frame = gtk_frame_new (NULL);
  gtk_widget_add_css_class (frame, "view");
  view = gtk_text_view_new ();
  gtk_text_view_set_wrap_mode (GTK_TEXT_VIEW (view), GTK_WRAP_WORD_CHAR);
  gtk_text_view_set_top_margin (GTK_TEXT_VIEW (view), 10);
  gtk_text_view_set_bottom_margin (GTK_TEXT_VIEW (view), 10);
  gtk_text_view_set_left_margin (GTK_TEXT_VIEW (view), 12);
  gtk_text_view_set_right_margin (GTK_TEXT_VIEW (view), 12);
  gtk_widget_set_size_request (view, -1, 90);
  gtk_accessible_update_property (GTK_ACCESSIBLE (view), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Signature"), -1);
  page->signature = g_object_ref (gtk_text_view_get_buffer (GTK_TEXT_VIEW (view)));
  gtk_text_buffer_set_text (page->signature,
                            petrel_account_config_get_signature (config) != NULL
                            ? petrel_account_config_get_signature (config) : "", -1);
  g_signal_connect (page->signature, "changed", G_CALLBACK (on_signature_changed_cb), page);
  gtk_frame_set_child (GTK_FRAME (frame), view);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), frame);

  /* Password */
  group = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Password"));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (prefs_page), ADW_PREFERENCES_GROUP (group));
  if (petrel_account_config_get_auth_mechanism (config) == PETREL_AUTH_MECHANISM_OAUTH2)
    {
      adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group),
                                             _("This account signs in through your provider’s "
                                               "web page; Petrel keeps no password for it."));
    }
  else
    {
      adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group),
                                             _("Kept in your keyring, never in a file. Enter a "
                                               "new one after changing it at your provider."));
      row = adw_password_entry_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("New Password"));
      adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (row), TRUE);
      g_signal_connect (row, "apply", G_CALLBACK (on_password_apply_cb), page);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
    }

  /* Offline */
  group = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Offline"));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (prefs_page), ADW_PREFERENCES_GROUP (group));
  {
    const char *items[] = {
      _("All mail"),
      _("Mail of the last 30 days"),
      _("Mail of the last 90 days"),
      _("Mail of the last year"),
      _("Only headers; messages when opened"),
      NULL,
    };
    g_autoptr(GtkStringList) model = gtk_string_list_new (items);
    PetrelSyncBodies bodies = petrel_account_config_get_sync_bodies (config);
    guint days = petrel_account_config_get_sync_recent_days (config);
    guint selected = 0;

    for (guint i = 0; i < G_N_ELEMENTS (offline_rows); i++)
      if (offline_rows[i].bodies == bodies &&
          (bodies != PETREL_SYNC_BODIES_RECENT || offline_rows[i].days >= days))
        {
          selected = i;
          break;
        }

    row = adw_combo_row_new ();
    adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Keep Offline"));
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                                 _("What Petrel downloads so you can read it without a network"));
    adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (model));
    adw_combo_row_set_selected (ADW_COMBO_ROW (row), selected);
    g_signal_connect (row, "notify::selected", G_CALLBACK (on_offline_selected_cb), page);
    adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  }

  /* Servers, for reference */
  group = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Servers"));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (prefs_page), ADW_PREFERENCES_GROUP (group));
  imap = describe_server (config, PETREL_ACCOUNT_SERVER_IMAP);
  smtp = describe_server (config, PETREL_ACCOUNT_SERVER_SMTP);
  add_info_row (ADW_PREFERENCES_GROUP (group), _("Incoming (IMAP)"), imap);
  add_info_row (ADW_PREFERENCES_GROUP (group), _("Outgoing (SMTP)"), smtp);

  /* Removal */
  group = adw_preferences_group_new ();
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (prefs_page), ADW_PREFERENCES_GROUP (group));
  button = gtk_button_new_with_label (_("Remove Account…"));
  gtk_widget_set_halign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "destructive-action");
  gtk_widget_add_css_class (button, "pill");
  g_signal_connect (button, "clicked", G_CALLBACK (on_remove_clicked_cb), page);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), button);

  return box;
}

static void
on_account_row_activated_cb (AdwActionRow      *row,
                             PetrelPreferences *self)
{
  PetrelAccount *account = g_object_get_data (G_OBJECT (row), "petrel-account");
  GtkWidget *page = create_account_page (self, account);

  if (page != NULL)
    adw_preferences_window_present_subpage (ADW_PREFERENCES_WINDOW (self), page);
}

static void
rebuild_accounts (PetrelPreferences *self)
{
  GListModel *model = G_LIST_MODEL (self->accounts);
  guint n;

  for (guint i = 0; i < self->account_rows->len; i++)
    adw_preferences_group_remove (self->accounts_group, g_ptr_array_index (self->account_rows, i));
  g_ptr_array_set_size (self->account_rows, 0);

  n = g_list_model_get_n_items (model);

  if (n == 0)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("No accounts yet"));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                                   _("Add one with the + button to read your mail in Petrel"));
      adw_preferences_group_add (self->accounts_group, row);
      g_ptr_array_add (self->account_rows, row);
      return;
    }

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PetrelAccount) account = g_list_model_get_item (model, i);
      PetrelAccountConfig *config = petrel_account_get_config (account);
      const char *name = petrel_account_config_get_display_name (config);
      const char *address = petrel_account_config_get_email_address (config);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *icon = gtk_image_new_from_icon_name ("go-next-symbolic");

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name != NULL ? name : address);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      if (name != NULL)
        adw_action_row_set_subtitle (ADW_ACTION_ROW (row), address);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                                 gtk_image_new_from_icon_name ("mail-unread-symbolic"));
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), icon);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      g_object_set_data_full (G_OBJECT (row), "petrel-account", g_object_ref (account),
                              g_object_unref);
      g_signal_connect (row, "activated", G_CALLBACK (on_account_row_activated_cb), self);
      adw_preferences_group_add (self->accounts_group, row);
      g_ptr_array_add (self->account_rows, row);
    }
}

static void
on_accounts_changed_cb (GListModel        *model,
                        guint              position,
                        guint              removed,
                        guint              added,
                        PetrelPreferences *self)
{
  rebuild_accounts (self);
}

/* Window */

static gboolean
petrel_preferences_close_request (GtkWindow *window)
{
  PetrelPreferences *self = PETREL_PREFERENCES (window);

  g_cancellable_cancel (self->cancellable);

  return GTK_WINDOW_CLASS (petrel_preferences_parent_class)->close_request (window);
}

static void
petrel_preferences_dispose (GObject *object)
{
  PetrelPreferences *self = PETREL_PREFERENCES (object);

  g_cancellable_cancel (self->cancellable);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  if (self->accounts != NULL)
    g_signal_handlers_disconnect_by_data (self->accounts, self);
  g_clear_object (&self->accounts);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (petrel_preferences_parent_class)->dispose (object);
}

static void
petrel_preferences_finalize (GObject *object)
{
  PetrelPreferences *self = PETREL_PREFERENCES (object);

  g_clear_pointer (&self->data_dir, g_free);
  g_clear_pointer (&self->account_rows, g_ptr_array_unref);
  g_clear_pointer (&self->trusted_rows, g_ptr_array_unref);

  G_OBJECT_CLASS (petrel_preferences_parent_class)->finalize (object);
}

static void
petrel_preferences_class_init (PetrelPreferencesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = petrel_preferences_dispose;
  object_class->finalize = petrel_preferences_finalize;
  window_class->close_request = petrel_preferences_close_request;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/petrelmail/Petrel/ui/petrel-preferences.ui");
  gtk_widget_class_bind_template_child (widget_class, PetrelPreferences, general_page);
  gtk_widget_class_bind_template_child (widget_class, PetrelPreferences, conversations_switch);
  gtk_widget_class_bind_template_child (widget_class, PetrelPreferences, density_row);
  gtk_widget_class_bind_template_child (widget_class, PetrelPreferences, remote_content_switch);
  gtk_widget_class_bind_template_child (widget_class, PetrelPreferences, trusted_group);
  gtk_widget_class_bind_template_child (widget_class, PetrelPreferences, trusted_entry_row);
  gtk_widget_class_bind_template_child (widget_class, PetrelPreferences, notifications_switch);
  gtk_widget_class_bind_template_child (widget_class, PetrelPreferences, background_switch);
  gtk_widget_class_bind_template_child (widget_class, PetrelPreferences, undo_send_spin);
  gtk_widget_class_bind_template_child (widget_class, PetrelPreferences, rich_text_switch);
  gtk_widget_class_bind_template_child (widget_class, PetrelPreferences, bottom_post_switch);
  gtk_widget_class_bind_template_child (widget_class, PetrelPreferences, spell_check_switch);
  gtk_widget_class_bind_template_child (widget_class, PetrelPreferences, accounts_page);
  gtk_widget_class_bind_template_child (widget_class, PetrelPreferences, accounts_group);
}

static void
petrel_preferences_init (PetrelPreferences *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->account_rows = g_ptr_array_new ();
  self->trusted_rows = g_ptr_array_new ();
}

PetrelPreferences *
petrel_preferences_new (GtkWindow  *parent,
                        const char *data_dir)
{
  PetrelPreferences *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (data_dir != NULL, NULL);

  self = g_object_new (PETREL_TYPE_PREFERENCES,
                       "transient-for", parent,
                       "modal", parent != NULL,
                       NULL);
  self->data_dir = g_strdup (data_dir);
  if (parent != NULL && gtk_window_get_application (parent) != NULL)
    gtk_window_set_application (GTK_WINDOW (self), gtk_window_get_application (parent));

  bind_settings (self);

  self->accounts = petrel_account_list_new (data_dir);
  petrel_account_list_watch (self->accounts);
  petrel_account_list_reload (self->accounts, NULL);
  g_signal_connect (self->accounts, "items-changed", G_CALLBACK (on_accounts_changed_cb), self);
  rebuild_accounts (self);

  return self;
}
