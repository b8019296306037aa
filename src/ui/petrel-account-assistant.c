/* petrel-account-assistant.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The account assistant (issue 9): name, address and password; automatic discovery, showing
 * which source answered; a real login test of IMAP and SMTP; then the account is saved the
 * same way `petrel-cli account add` does (petrel_account_create_async()). Settings can be
 * typed in when discovery finds nothing or the person wants to. OAuth2 providers (Google,
 * Microsoft) sign in through the browser instead of a password. A certificate that cannot be
 * verified is shown with its fingerprint, subject and problems; only the "Trust" button pins
 * it, and nothing is trusted by default.
 *
 * Test hooks, read from the environment by this file only (tests/ui/test-assistant.py):
 *   PETREL_AUTOCONFIG_URL      the URL of the provider's autoconfiguration document, used for
 *                              the "autoconfig" step instead of https://autoconfig.DOMAIN/…
 *                              (the .well-known step is then skipped); only https:// is fetched
 *   PETREL_ISPDB_URL           the ISP database's base URL (the domain is appended)
 *   PETREL_AUTOCONFIG_CA_FILE  a PEM file of CAs trusted, besides the system's, by discovery's
 *                              HTTPS fetches and probes; never by the account itself, whose
 *                              certificates go through the usual checks and pinning
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "petrel-engine.h"
#include "account/petrel-autoconfig.h"
#include "account/petrel-oauth2.h"
#include "account/petrel-secret-credentials.h"
#include "account/petrel-tls-database.h"
#include "imap/petrel-imap-error.h"
#include "model/petrel-account-setup.h"
#include "smtp/petrel-smtp-error.h"
#include "sync/petrel-account-probe.h"

#include "petrel-account-assistant.h"

typedef enum
{
  PAGE_DETAILS,
  PAGE_WORKING,
  PAGE_SERVERS,
  PAGE_CERTIFICATE,
  PAGE_DONE,
} Page;

typedef struct
{
  char    *host;
  guint16  port;
  char    *fingerprint;
} Pin;

struct _PetrelAccountAssistant
{
  AdwWindow               parent_instance;

  AdwToastOverlay        *toast_overlay;
  GtkButton              *back_button;
  GtkButton              *next_button;
  GtkStack               *stack;
  AdwEntryRow            *name_row;
  AdwEntryRow            *address_row;
  AdwPasswordEntryRow    *password_row;
  GtkLabel               *oauth2_label;
  GtkLabel               *details_error;
  AdwStatusPage          *working_page;
  GtkSpinner             *spinner;
  AdwPreferencesPage     *servers_page;
  AdwActionRow           *source_row;
  GtkImage               *source_icon;
  GtkLabel               *servers_error;
  AdwEntryRow            *imap_host_row;
  GtkSpinButton          *imap_port_spin;
  AdwComboRow            *imap_security_row;
  AdwEntryRow            *imap_user_row;
  AdwEntryRow            *smtp_host_row;
  GtkSpinButton          *smtp_port_spin;
  AdwComboRow            *smtp_security_row;
  AdwEntryRow            *smtp_user_row;
  GtkLabel               *certificate_description;
  AdwActionRow           *certificate_server_row;
  AdwActionRow           *certificate_reasons_row;
  AdwActionRow           *certificate_subject_row;
  AdwActionRow           *certificate_issuer_row;
  AdwActionRow           *certificate_validity_row;
  AdwActionRow           *certificate_fingerprint_row;
  GtkButton              *trust_button;
  AdwStatusPage          *done_page;

  char                   *data_dir;       /* owned */
  GCancellable           *cancellable;    /* owned: the running step; replaced per step */
  Page                    page;           /* what is shown */
  Page                    return_page;    /* where Back goes from the working page */
  PetrelOAuth2Provider   *provider;       /* owned, nullable: the address signs in by OAuth2 */
  PetrelAccountConfig    *config;         /* owned, nullable: what was last tested */
  char                   *access_token;   /* owned, wiped; OAuth2 only */
  gboolean                signed_in;      /* an OAuth2 refresh token is in the keyring */
  gboolean                saved;          /* the account exists now */
  PetrelTlsFailure       *failure;        /* owned, nullable: the certificate being asked about */
  GPtrArray              *pins;           /* owned, of Pin: what the person chose to trust */
  char                   *discovered_for; /* owned: the address the servers page was filled for */
};

G_DEFINE_FINAL_TYPE (PetrelAccountAssistant, petrel_account_assistant, ADW_TYPE_WINDOW)

/* The rows of the security combo rows, in the order of the .ui file's string list. */
static const PetrelConnectionSecurity security_rows[] = {
  PETREL_CONNECTION_SECURITY_TLS,
  PETREL_CONNECTION_SECURITY_STARTTLS,
  PETREL_CONNECTION_SECURITY_NONE,
};

static void
pin_free (Pin *pin)
{
  g_free (pin->host);
  g_free (pin->fingerprint);
  g_free (pin);
}

static char *
dup_trimmed (const char *text)
{
  return g_strstrip (g_strdup (text != NULL ? text : ""));
}

static char *
dup_row_text (AdwEntryRow *row)
{
  return dup_trimmed (gtk_editable_get_text (GTK_EDITABLE (row)));
}

static const char *
address_domain (const char *address)
{
  const char *at = strrchr (address, '@');

  return at != NULL ? at + 1 : address;
}

static void
set_error_label (GtkLabel   *label,
                 const char *message)
{
  gtk_label_set_text (label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (label), message != NULL && *message != '\0');
}

static void
show_page (PetrelAccountAssistant *self,
           Page                    page)
{
  static const char *names[] = { "details", "working", "servers", "certificate", "done" };
  const char *next_label = NULL;
  const char *back_label = _("Back");

  self->page = page;
  /* Only the current page is visible at all, so a screen reader never reads out a page that
   * was shown before (a hidden stack page keeps its widgets, and GTK 4.8 reports them). */
  gtk_widget_set_visible (gtk_stack_get_child_by_name (self->stack, names[page]), TRUE);
  gtk_stack_set_visible_child_name (self->stack, names[page]);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (i != page)
      gtk_widget_set_visible (gtk_stack_get_child_by_name (self->stack, names[i]), FALSE);
  gtk_spinner_set_spinning (self->spinner, page == PAGE_WORKING);

  switch (page)
    {
    case PAGE_DETAILS:
      next_label = _("Next");
      back_label = _("Cancel");
      break;
    case PAGE_WORKING:
      back_label = _("Stop");
      break;
    case PAGE_SERVERS:
      next_label = self->provider != NULL ? _("Sign In") : _("Add Account");
      break;
    case PAGE_CERTIFICATE:
      /* Only the Trust button inside the page goes on: no default that accepts it. */
      back_label = _("Don’t Trust");
      break;
    case PAGE_DONE:
      next_label = _("Done");
      back_label = NULL;
      break;
    default:
      g_assert_not_reached ();
    }

  gtk_widget_set_visible (GTK_WIDGET (self->next_button), next_label != NULL);
  if (next_label != NULL)
    gtk_button_set_label (self->next_button, next_label);
  gtk_widget_set_visible (GTK_WIDGET (self->back_button), back_label != NULL);
  if (back_label != NULL)
    gtk_button_set_label (self->back_button, back_label);
  if (next_label != NULL)
    gtk_window_set_default_widget (GTK_WINDOW (self), GTK_WIDGET (self->next_button));
}

static void
show_working (PetrelAccountAssistant *self,
              const char             *title,
              const char             *description,
              Page                    return_page)
{
  adw_status_page_set_title (self->working_page, title);
  adw_status_page_set_description (self->working_page, description);
  self->return_page = return_page;
  show_page (self, PAGE_WORKING);
}

/* A fresh cancellable for the next step; the previous one is cancelled. */
static GCancellable *
restart_cancellable (PetrelAccountAssistant *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  return self->cancellable;
}

/* Errors, in the words of a person */

static gboolean
is_auth_error (const GError *error)
{
  return g_error_matches (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_AUTH) ||
         g_error_matches (error, PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_AUTH);
}

static gboolean
is_tls_error (const GError *error)
{
  return error->domain == PETREL_TLS_ERROR || error->domain == G_TLS_ERROR ||
         g_error_matches (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_TLS) ||
         g_error_matches (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_CERTIFICATE) ||
         g_error_matches (error, PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_TLS);
}

/* What went wrong with one server, specific enough to act on. */
static char *
describe_server_error (PetrelAccountServer  server,
                       const char          *host,
                       guint16              port,
                       const GError        *error)
{
  const char *what = server == PETREL_ACCOUNT_SERVER_IMAP
                     ? _("The incoming mail server")
                     : _("The outgoing mail server");

  if (is_auth_error (error))
    /* Translators: the first %s is "The incoming mail server" or "The outgoing mail server" */
    return g_strdup_printf (_("%s (%s) did not accept the user name or password."), what, host);
  if (error->domain == G_RESOLVER_ERROR ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_NOT_FOUND) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE))
    return g_strdup_printf (_("The server “%s” was not found. Check its name."), host);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    return g_strdup_printf (_("%s (%s) refused the connection on port %u. Check the port."),
                            what, host, port);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) ||
      g_error_matches (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_TIMEOUT) ||
      g_error_matches (error, PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_TIMEOUT))
    return g_strdup_printf (_("%s (%s) did not answer in time."), what, host);
  if (g_error_matches (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INSECURE))
    return g_strdup_printf (_("%s (%s) has no encryption, so Petrel will not send your password "
                              "to it. Choose TLS or STARTTLS."), what, host);
  if (is_tls_error (error))
    return g_strdup_printf (server == PETREL_ACCOUNT_SERVER_IMAP
                            ? _("A secure connection to the incoming mail server (%s) could "
                                "not be set up: %s")
                            : _("A secure connection to the outgoing mail server (%s) could "
                                "not be set up: %s"),
                            host, error->message);
  if (error->domain == PETREL_OAUTH2_ERROR)
    return g_strdup_printf (_("Signing in failed: %s"), error->message);

  return g_strdup_printf (_("%s (%s) refused: %s"), what, host, error->message);
}

/* Discovery */

static const char *
source_description (PetrelAutoconfigSource  source,
                    const char             *domain,
                    char                  **out_title)
{
  switch (source)
    {
    case PETREL_AUTOCONFIG_SOURCE_AUTOCONFIG:
      *out_title = g_strdup_printf (_("Found in the autoconfiguration of %s"), domain);
      return _("Your provider publishes its settings at autoconfig.");
    case PETREL_AUTOCONFIG_SOURCE_WELL_KNOWN:
      *out_title = g_strdup_printf (_("Found on the website of %s"), domain);
      return _("Your provider publishes its settings in a .well-known file.");
    case PETREL_AUTOCONFIG_SOURCE_ISPDB:
      *out_title = g_strdup_printf (_("Found for %s in the ISP database"), domain);
      return _("Thunderbird’s database of mail providers knows these settings.");
    case PETREL_AUTOCONFIG_SOURCE_MX:
      *out_title = g_strdup_printf (_("Found through the mail host %s"), domain);
      return _("The settings of the provider that receives your domain’s mail (MX record).");
    case PETREL_AUTOCONFIG_SOURCE_SRV:
      *out_title = g_strdup_printf (_("Found in the DNS records of %s"), domain);
      return _("Your domain names its servers in SRV records.");
    case PETREL_AUTOCONFIG_SOURCE_PROBE:
      *out_title = g_strdup_printf (_("Found by trying common servers of %s"), domain);
      return _("These servers answered; check that they are your provider’s.");
    default:
      *out_title = g_strdup (domain);
      return NULL;
    }
}

static void
set_security_row (AdwComboRow              *row,
                  PetrelConnectionSecurity  security)
{
  for (guint i = 0; i < G_N_ELEMENTS (security_rows); i++)
    if (security_rows[i] == security)
      adw_combo_row_set_selected (row, i);
}

static PetrelConnectionSecurity
get_security_row (AdwComboRow *row)
{
  guint selected = adw_combo_row_get_selected (row);

  return selected < G_N_ELEMENTS (security_rows) ? security_rows[selected]
                                                 : PETREL_CONNECTION_SECURITY_TLS;
}

static void
fill_servers (PetrelAccountAssistant *self,
              PetrelAutoconfigResult *found,
              const char             *address)
{
  const char *domain = address_domain (address);
  g_autofree char *imap_host = g_strdup_printf ("imap.%s", domain);
  g_autofree char *smtp_host = g_strdup_printf ("smtp.%s", domain);
  const char *imap_user = address;
  const char *smtp_user = address;

  if (found != NULL)
    {
      g_free (imap_host);
      g_free (smtp_host);
      imap_host = g_strdup (petrel_autoconfig_result_get_host (found, PETREL_ACCOUNT_SERVER_IMAP));
      smtp_host = g_strdup (petrel_autoconfig_result_get_host (found, PETREL_ACCOUNT_SERVER_SMTP));
      if (petrel_autoconfig_result_get_user (found, PETREL_ACCOUNT_SERVER_IMAP) != NULL)
        imap_user = petrel_autoconfig_result_get_user (found, PETREL_ACCOUNT_SERVER_IMAP);
      if (petrel_autoconfig_result_get_user (found, PETREL_ACCOUNT_SERVER_SMTP) != NULL)
        smtp_user = petrel_autoconfig_result_get_user (found, PETREL_ACCOUNT_SERVER_SMTP);
      gtk_spin_button_set_value (self->imap_port_spin,
                                 petrel_autoconfig_result_get_port (found,
                                                                    PETREL_ACCOUNT_SERVER_IMAP));
      gtk_spin_button_set_value (self->smtp_port_spin,
                                 petrel_autoconfig_result_get_port (found,
                                                                    PETREL_ACCOUNT_SERVER_SMTP));
      set_security_row (self->imap_security_row,
                        petrel_autoconfig_result_get_security (found,
                                                               PETREL_ACCOUNT_SERVER_IMAP));
      set_security_row (self->smtp_security_row,
                        petrel_autoconfig_result_get_security (found,
                                                               PETREL_ACCOUNT_SERVER_SMTP));
    }
  else
    {
      gtk_spin_button_set_value (self->imap_port_spin, 993);
      gtk_spin_button_set_value (self->smtp_port_spin, 465);
      set_security_row (self->imap_security_row, PETREL_CONNECTION_SECURITY_TLS);
      set_security_row (self->smtp_security_row, PETREL_CONNECTION_SECURITY_TLS);
    }

  gtk_editable_set_text (GTK_EDITABLE (self->imap_host_row), imap_host != NULL ? imap_host : "");
  gtk_editable_set_text (GTK_EDITABLE (self->smtp_host_row), smtp_host != NULL ? smtp_host : "");
  gtk_editable_set_text (GTK_EDITABLE (self->imap_user_row), imap_user);
  gtk_editable_set_text (GTK_EDITABLE (self->smtp_user_row), smtp_user);

  g_free (self->discovered_for);
  self->discovered_for = g_strdup (address);
}

static void
show_servers (PetrelAccountAssistant *self,
              const char             *title,
              const char             *subtitle,
              const char             *icon_name,
              const char             *error_message)
{
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->source_row), title);
  adw_action_row_set_subtitle (self->source_row, subtitle != NULL ? subtitle : "");
  gtk_image_set_from_icon_name (self->source_icon, icon_name);
  gtk_widget_remove_css_class (GTK_WIDGET (self->source_icon), "success");
  gtk_widget_remove_css_class (GTK_WIDGET (self->source_icon), "warning");
  gtk_widget_add_css_class (GTK_WIDGET (self->source_icon),
                            g_str_equal (icon_name, "emblem-ok-symbolic") ? "success"
                                                                           : "warning");
  set_error_label (self->servers_error, error_message);
  show_page (self, PAGE_SERVERS);
}

static char *
address_from_row (PetrelAccountAssistant *self)
{
  return dup_row_text (self->address_row);
}

static gboolean
provider_has_servers (PetrelOAuth2Provider *provider)
{
  return provider != NULL &&
         petrel_oauth2_provider_get_server_host (provider, PETREL_ACCOUNT_SERVER_IMAP) != NULL &&
         petrel_oauth2_provider_get_server_host (provider, PETREL_ACCOUNT_SERVER_SMTP) != NULL;
}

/* An OAuth2 provider that names its servers needs no discovery (which would ask other hosts
 * about the domain): its settings, as `petrel-cli account add --oauth2` takes them. */
static void
use_provider_servers (PetrelAccountAssistant *self,
                      const char             *address)
{
  g_autofree char *title = NULL;

  fill_servers (self, NULL, address);
  gtk_editable_set_text (GTK_EDITABLE (self->imap_host_row),
                         petrel_oauth2_provider_get_server_host (self->provider,
                                                                 PETREL_ACCOUNT_SERVER_IMAP));
  gtk_editable_set_text (GTK_EDITABLE (self->smtp_host_row),
                         petrel_oauth2_provider_get_server_host (self->provider,
                                                                 PETREL_ACCOUNT_SERVER_SMTP));
  gtk_spin_button_set_value (self->imap_port_spin,
                             petrel_oauth2_provider_get_server_port (self->provider,
                                                                     PETREL_ACCOUNT_SERVER_IMAP));
  gtk_spin_button_set_value (self->smtp_port_spin,
                             petrel_oauth2_provider_get_server_port (self->provider,
                                                                     PETREL_ACCOUNT_SERVER_SMTP));
  set_security_row (self->imap_security_row,
                    petrel_oauth2_provider_get_server_security (self->provider,
                                                                PETREL_ACCOUNT_SERVER_IMAP));
  set_security_row (self->smtp_security_row,
                    petrel_oauth2_provider_get_server_security (self->provider,
                                                                PETREL_ACCOUNT_SERVER_SMTP));

  /* Translators: %s is a mail provider, e.g. "Google" */
  title = g_strdup_printf (_("The settings of %s"),
                           petrel_oauth2_provider_get_name (self->provider));
  show_servers (self, title, _("Petrel knows this provider’s servers. “Sign In” opens your web "
                               "browser."),
                "emblem-ok-symbolic", NULL);
}

static void
on_discover_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(PetrelAccountAssistant) self = user_data;
  g_autoptr(PetrelAutoconfigResult) found = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *address = address_from_row (self);
  g_autofree char *title = NULL;
  const char *subtitle;

  found = petrel_autoconfig_discover_finish (PETREL_AUTOCONFIG (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (found == NULL)
    {
      if (g_error_matches (error, PETREL_AUTOCONFIG_ERROR, PETREL_AUTOCONFIG_ERROR_INVALID_ADDRESS))
        {
          set_error_label (self->details_error, error->message);
          show_page (self, PAGE_DETAILS);
          return;
        }
      g_debug ("Discovery for %s found nothing: %s", address_domain (address), error->message);
      fill_servers (self, NULL, address);
      title = g_strdup_printf (_("No settings found for %s"), address_domain (address));
      show_servers (self, title, _("Enter your provider’s server settings below."),
                    "dialog-information-symbolic", NULL);
      return;
    }

  fill_servers (self, found, address);
  subtitle = source_description (petrel_autoconfig_result_get_source (found),
                                 petrel_autoconfig_result_get_domain (found), &title);
  show_servers (self, title, subtitle, "emblem-ok-symbolic", NULL);
}

static char *
autoconfig_url_cb (PetrelAutoconfigSource  source,
                   const char             *domain,
                   gpointer                user_data)
{
  const char *url = user_data;

  return source == PETREL_AUTOCONFIG_SOURCE_AUTOCONFIG ? g_strdup (url) : NULL;
}

static PetrelAutoconfig *
create_autoconfig (void)
{
  g_autoptr(PetrelAutoconfig) autoconfig = petrel_autoconfig_new ();
  const char *url = g_getenv ("PETREL_AUTOCONFIG_URL");
  const char *ispdb = g_getenv ("PETREL_ISPDB_URL");
  const char *ca_file = g_getenv ("PETREL_AUTOCONFIG_CA_FILE");

  if (url != NULL && *url != '\0')
    petrel_autoconfig_set_url_func (autoconfig, autoconfig_url_cb, g_strdup (url), g_free);
  if (ispdb != NULL && *ispdb != '\0')
    petrel_autoconfig_set_ispdb_url (autoconfig, ispdb);
  if (ca_file != NULL && *ca_file != '\0')
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GTlsDatabase) extra = g_tls_file_database_new (ca_file, &error);

      if (extra != NULL)
        {
          GTlsDatabase *system = g_tls_backend_get_default_database (g_tls_backend_get_default ());
          g_autoptr(GTlsDatabase) database = petrel_tls_database_new (system, extra);

          petrel_autoconfig_set_tls_database (autoconfig, database);
          g_clear_object (&system);
        }
      else
        g_debug ("PETREL_AUTOCONFIG_CA_FILE is not usable: %s", error->message);
    }

  return g_steal_pointer (&autoconfig);
}

static void
start_discovery (PetrelAccountAssistant *self)
{
  g_autoptr(PetrelAutoconfig) autoconfig = create_autoconfig ();
  g_autofree char *address = address_from_row (self);
  g_autofree char *description = NULL;

  description = g_strdup_printf (_("Asking %s and the ISP database for its mail servers…"),
                                 address_domain (address));
  show_working (self, _("Looking for Your Settings"), description, PAGE_DETAILS);
  petrel_autoconfig_discover_async (autoconfig, address, restart_cancellable (self),
                                    on_discover_cb, g_object_ref (self));
}

/* Details page */

static void
update_oauth2 (PetrelAccountAssistant *self)
{
  g_autofree char *address = address_from_row (self);
  PetrelOAuth2Provider *provider = NULL;

  if (strchr (address, '@') != NULL)
    provider = petrel_oauth2_providers_find_for_address (address);

  if (provider == self->provider)
    {
      g_clear_pointer (&provider, petrel_oauth2_provider_unref);
      return;
    }
  g_clear_pointer (&self->provider, petrel_oauth2_provider_unref);
  self->provider = provider;

  gtk_widget_set_visible (GTK_WIDGET (self->password_row), self->provider == NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->oauth2_label), self->provider != NULL);
  if (self->provider != NULL)
    {
      g_autofree char *text = NULL;

      text = g_strdup_printf (_("%s accounts sign in through your web browser: Petrel never "
                                "sees your password."),
                              petrel_oauth2_provider_get_name (self->provider));
      gtk_label_set_text (self->oauth2_label, text);
    }
}

static void
on_address_changed_cb (GtkEditable            *editable,
                       PetrelAccountAssistant *self)
{
  update_oauth2 (self);
  set_error_label (self->details_error, NULL);
}

static void
on_password_changed_cb (GtkEditable            *editable,
                        PetrelAccountAssistant *self)
{
  set_error_label (self->details_error, NULL);
}

static void
on_password_activated_cb (AdwEntryRow            *row,
                          PetrelAccountAssistant *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "assistant.next", NULL);
}

static gboolean
check_details (PetrelAccountAssistant *self)
{
  g_autofree char *address = address_from_row (self);
  g_autoptr(GError) error = NULL;

  if (!petrel_account_validate_address (address, &error))
    {
      set_error_label (self->details_error, _("Enter your email address, like name@example.org."));
      gtk_widget_grab_focus (GTK_WIDGET (self->address_row));
      return FALSE;
    }
  if (self->provider == NULL &&
      *gtk_editable_get_text (GTK_EDITABLE (self->password_row)) == '\0')
    {
      set_error_label (self->details_error, _("Enter your password."));
      gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
      return FALSE;
    }

  set_error_label (self->details_error, NULL);
  return TRUE;
}

/* Login test and saving */

static char *
make_account_id (const char *data_dir,
                 const char *address)
{
  g_autoptr(GString) base = g_string_new (NULL);

  for (const char *p = address; *p != '\0' && base->len < 56; p++)
    {
      if (g_ascii_isalnum (*p) || *p == '.' || *p == '_' || *p == '-')
        g_string_append_c (base, g_ascii_tolower (*p));
      else if (*p == '@')
        g_string_append_c (base, '-');
    }
  if (base->len == 0 || g_str_equal (base->str, ".") || g_str_equal (base->str, ".."))
    g_string_assign (base, "account");

  for (guint n = 1; n < 1000; n++)
    {
      g_autofree char *id = n == 1 ? g_strdup (base->str)
                                   : g_strdup_printf ("%s-%u", base->str, n);
      g_autofree char *dir = petrel_account_dup_dir (data_dir, id);

      if (!g_file_test (dir, G_FILE_TEST_EXISTS))
        return g_steal_pointer (&id);
    }

  return g_strdup_printf ("account-%" G_GINT64_FORMAT, g_get_real_time ());
}

/* The settings of the servers page as a config, with the certificates trusted so far. */
static PetrelAccountConfig *
build_config (PetrelAccountAssistant  *self,
              GError                 **error)
{
  g_autofree char *address = address_from_row (self);
  g_autofree char *name = dup_row_text (self->name_row);
  g_autofree char *imap_host = dup_row_text (self->imap_host_row);
  g_autofree char *smtp_host = dup_row_text (self->smtp_host_row);
  g_autofree char *imap_user = dup_row_text (self->imap_user_row);
  g_autofree char *smtp_user = dup_row_text (self->smtp_user_row);
  g_autofree char *id = NULL;
  g_autoptr(PetrelAccountConfig) config = NULL;

  /* The same id across attempts, so an OAuth2 sign-in stays with its account. */
  if (self->config != NULL)
    id = g_strdup (petrel_account_config_get_id (self->config));
  else
    id = make_account_id (self->data_dir, address);

  config = petrel_account_config_new (id);
  petrel_account_config_set_email_address (config, address);
  if (*name != '\0')
    petrel_account_config_set_display_name (config, name);
  petrel_account_config_set_imap_host (config, imap_host);
  petrel_account_config_set_imap_port (config, gtk_spin_button_get_value_as_int (self->imap_port_spin));
  petrel_account_config_set_imap_security (config, get_security_row (self->imap_security_row));
  petrel_account_config_set_imap_user (config, *imap_user != '\0' ? imap_user : address);
  petrel_account_config_set_smtp_host (config, smtp_host);
  petrel_account_config_set_smtp_port (config, gtk_spin_button_get_value_as_int (self->smtp_port_spin));
  petrel_account_config_set_smtp_security (config, get_security_row (self->smtp_security_row));
  petrel_account_config_set_smtp_user (config, *smtp_user != '\0' ? smtp_user : address);
  if (self->provider != NULL)
    {
      petrel_account_config_set_auth_mechanism (config, PETREL_AUTH_MECHANISM_OAUTH2);
      petrel_account_config_set_oauth2_provider (config,
                                                 petrel_oauth2_provider_get_id (self->provider));
    }

  for (guint i = 0; i < self->pins->len; i++)
    {
      Pin *pin = g_ptr_array_index (self->pins, i);

      if (!petrel_account_config_pin_certificate (config, pin->host, pin->port, pin->fingerprint,
                                                  error))
        return NULL;
    }

  if (!petrel_account_config_validate (config, error))
    return NULL;

  return g_steal_pointer (&config);
}

static void
show_servers_error (PetrelAccountAssistant *self,
                    const char             *message)
{
  set_error_label (self->servers_error, message);
  show_page (self, PAGE_SERVERS);
  /* A selectable label takes the focus, which scrolls the page up to it. */
  gtk_widget_grab_focus (GTK_WIDGET (self->servers_error));
}

static void
on_create_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(PetrelAccountAssistant) self = user_data;
  g_autoptr(PetrelAccount) account = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;

  account = petrel_account_create_finish (result, &error);
  if (account == NULL)
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      if (error->domain == PETREL_ACCOUNT_ERROR &&
          (error->code == PETREL_ACCOUNT_ERROR_NO_KEYRING ||
           error->code == PETREL_ACCOUNT_ERROR_KEYRING_FAILED))
        message = g_strdup_printf (_("Your password could not be stored in the keyring, so the "
                                     "account was not added: %s"), error->message);
      else
        message = g_strdup_printf (_("The account could not be saved: %s"), error->message);
      show_servers_error (self, message);
      return;
    }

  self->saved = TRUE;
  description = g_strdup_printf (_("%s is ready. Petrel is downloading your mail so that you "
                                   "can read it offline too."),
                                 petrel_account_config_get_email_address (self->config));
  adw_status_page_set_description (self->done_page, description);
  show_page (self, PAGE_DONE);
}

static void
save_account (PetrelAccountAssistant *self)
{
  g_autofree char *password = NULL;

  show_working (self, _("Saving Your Account"), NULL, PAGE_SERVERS);
  if (self->provider == NULL)
    password = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->password_row)));
  petrel_account_create_async (self->data_dir, self->config, password, NULL,
                               restart_cancellable (self), on_create_cb, g_object_ref (self));
  g_clear_pointer (&password, petrel_credentials_secret_free);
}

static void
show_certificate (PetrelAccountAssistant *self,
                  PetrelAccountServer     server,
                  PetrelTlsFailure       *failure)
{
  g_autofree char *description = NULL;
  g_autofree char *endpoint = NULL;
  g_autofree char *reasons = petrel_tls_failure_dup_reasons (failure);
  g_autofree char *validity = NULL;
  GDateTime *not_before = petrel_tls_failure_get_not_valid_before (failure);
  GDateTime *not_after = petrel_tls_failure_get_not_valid_after (failure);
  const char *issuer = petrel_tls_failure_get_issuer (failure);

  g_clear_pointer (&self->failure, petrel_tls_failure_unref);
  self->failure = petrel_tls_failure_ref (failure);

  description = g_strdup_printf (server == PETREL_ACCOUNT_SERVER_IMAP
                                 ? _("Petrel cannot verify that the incoming mail server %s is "
                                     "who it claims to be. Someone could be listening in. Trust "
                                     "this certificate only if you know it is your server’s, for "
                                     "example because its fingerprint matches the one your "
                                     "provider gave you.")
                                 : _("Petrel cannot verify that the outgoing mail server %s is "
                                     "who it claims to be. Someone could be listening in. Trust "
                                     "this certificate only if you know it is your server’s, for "
                                     "example because its fingerprint matches the one your "
                                     "provider gave you."),
                                 petrel_tls_failure_get_host (failure));
  gtk_label_set_text (self->certificate_description, description);

  endpoint = g_strdup_printf ("%s:%u", petrel_tls_failure_get_host (failure),
                              petrel_tls_failure_get_port (failure));
  adw_action_row_set_subtitle (self->certificate_server_row, endpoint);
  adw_action_row_set_subtitle (self->certificate_reasons_row, reasons != NULL ? reasons : "");
  adw_action_row_set_subtitle (self->certificate_subject_row,
                               petrel_tls_failure_get_subject (failure) != NULL
                               ? petrel_tls_failure_get_subject (failure) : "");
  gtk_widget_set_visible (GTK_WIDGET (self->certificate_issuer_row), issuer != NULL);
  adw_action_row_set_subtitle (self->certificate_issuer_row, issuer != NULL ? issuer : "");
  if (not_before != NULL && not_after != NULL)
    {
      g_autofree char *from = g_date_time_format (not_before, "%x");
      g_autofree char *until = g_date_time_format (not_after, "%x");

      /* Translators: a certificate's validity, "from DATE to DATE" */
      validity = g_strdup_printf (_("%s to %s"), from, until);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->certificate_validity_row), validity != NULL);
  adw_action_row_set_subtitle (self->certificate_validity_row, validity != NULL ? validity : "");
  adw_action_row_set_subtitle (self->certificate_fingerprint_row,
                               petrel_tls_failure_get_fingerprint (failure));

  show_page (self, PAGE_CERTIFICATE);
}

static void
on_probe_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(PetrelAccountAssistant) self = user_data;
  g_autoptr(PetrelAccountProbeResult) probe = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) messages = g_string_new (NULL);
  gboolean auth_failed = FALSE;

  probe = petrel_account_probe_finish (result, &error);
  if (probe == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_servers_error (self, error->message);
      return;
    }

  if (petrel_account_probe_result_get_ok (probe))
    {
      save_account (self);
      return;
    }

  /* A certificate to ask about comes first: the login itself was not tried on that server. */
  for (PetrelAccountServer server = PETREL_ACCOUNT_SERVER_IMAP;
       server <= PETREL_ACCOUNT_SERVER_SMTP; server++)
    {
      PetrelTlsFailure *failure = petrel_account_probe_result_get_tls_failure (probe, server);

      if (failure != NULL)
        {
          show_certificate (self, server, failure);
          return;
        }
    }

  for (PetrelAccountServer server = PETREL_ACCOUNT_SERVER_IMAP;
       server <= PETREL_ACCOUNT_SERVER_SMTP; server++)
    {
      const GError *server_error = petrel_account_probe_result_get_error (probe, server);
      g_autofree char *message = NULL;

      if (server_error == NULL)
        continue;
      message = describe_server_error (server,
                                       petrel_account_config_get_host (self->config, server),
                                       petrel_account_config_get_port (self->config, server),
                                       server_error);
      if (messages->len > 0)
        g_string_append_c (messages, '\n');
      g_string_append (messages, message);
      auth_failed |= is_auth_error (server_error);
    }

  /* A wrong password is fixed where it was typed. */
  if (auth_failed && self->provider == NULL)
    {
      set_error_label (self->details_error, messages->str);
      show_page (self, PAGE_DETAILS);
      gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
      return;
    }

  show_servers_error (self, messages->str);
}

static void
start_probe (PetrelAccountAssistant *self,
             const char             *secret)
{
  g_autofree char *description = NULL;

  description = g_strdup_printf (_("Signing in to %s and %s…"),
                                 petrel_account_config_get_imap_host (self->config),
                                 petrel_account_config_get_smtp_host (self->config));
  show_working (self, _("Testing Your Account"), description, PAGE_SERVERS);
  petrel_account_probe_async (self->config, secret, restart_cancellable (self), on_probe_cb,
                              g_object_ref (self));
}

static void
on_access_token_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(PetrelAccountAssistant) self = user_data;
  g_autoptr(GError) error = NULL;
  char *token;

  token = petrel_oauth2_get_access_token_finish (result, &error);
  if (token == NULL)
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      message = g_strdup_printf (_("Signing in failed: %s"), error->message);
      show_servers_error (self, message);
      return;
    }

  g_clear_pointer (&self->access_token, petrel_credentials_secret_free);
  self->access_token = token;
  start_probe (self, self->access_token);
}

/* The key the account's secrets will be kept under once it exists (as PetrelAccount makes it):
 * the OAuth2 refresh token is stored under it at sign-in. */
static char *
dup_secret_key (PetrelAccountAssistant *self)
{
  return petrel_account_dup_secret_key_for (self->data_dir,
                                            petrel_account_config_get_id (self->config));
}

static void
on_sign_in_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(PetrelAccountAssistant) self = user_data;
  g_autoptr(PetrelCredentials) credentials = petrel_secret_credentials_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *secret_key = NULL;

  if (!petrel_oauth2_sign_in_finish (result, &error))
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      if (g_error_matches (error, PETREL_OAUTH2_ERROR, PETREL_OAUTH2_ERROR_DENIED))
        message = g_strdup (_("You did not give Petrel access to your mail, so the account "
                              "was not added."));
      else
        message = g_strdup_printf (_("Signing in failed: %s"), error->message);
      show_servers_error (self, message);
      return;
    }

  self->signed_in = TRUE;
  secret_key = dup_secret_key (self);
  petrel_oauth2_get_access_token_for_key_async (self->config, secret_key, credentials,
                                                self->cancellable, on_access_token_cb,
                                                g_object_ref (self));
}

static void
start_login_test (PetrelAccountAssistant *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PetrelAccountConfig) config = NULL;
  g_autofree char *password = NULL;

  config = build_config (self, &error);
  if (config == NULL)
    {
      show_servers_error (self, error->message);
      return;
    }
  g_set_object (&self->config, config);

  if (self->provider == NULL)
    {
      password = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->password_row)));
      start_probe (self, password);
      petrel_credentials_secret_free (g_steal_pointer (&password));
      return;
    }

  if (self->access_token != NULL)
    {
      start_probe (self, self->access_token);
      return;
    }

  {
    g_autoptr(PetrelCredentials) credentials = petrel_secret_credentials_new ();
    g_autofree char *description = NULL;
    g_autofree char *secret_key = dup_secret_key (self);

    description = g_strdup_printf (_("Sign in to %s in the browser window that opened, then "
                                     "come back here."),
                                   petrel_oauth2_provider_get_name (self->provider));
    show_working (self, _("Waiting for Your Browser"), description, PAGE_SERVERS);
    petrel_oauth2_sign_in_for_key_async (self->config, secret_key, credentials, NULL, NULL,
                                         restart_cancellable (self), on_sign_in_cb,
                                         g_object_ref (self));
  }
}

/* Actions */

static void
next_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  PetrelAccountAssistant *self = PETREL_ACCOUNT_ASSISTANT (widget);
  g_autofree char *address = NULL;

  switch (self->page)
    {
    case PAGE_DETAILS:
      if (!check_details (self))
        return;
      address = address_from_row (self);
      /* Back from a wrong password with the same address: the servers are known. */
      if (g_strcmp0 (address, self->discovered_for) == 0)
        start_login_test (self);
      else if (provider_has_servers (self->provider))
        use_provider_servers (self, address);
      else
        start_discovery (self);
      break;
    case PAGE_SERVERS:
      start_login_test (self);
      break;
    case PAGE_DONE:
      gtk_window_close (GTK_WINDOW (self));
      break;
    case PAGE_WORKING:
    case PAGE_CERTIFICATE:
    default:
      break;
    }
}

static void
back_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  PetrelAccountAssistant *self = PETREL_ACCOUNT_ASSISTANT (widget);

  switch (self->page)
    {
    case PAGE_DETAILS:
      gtk_window_close (GTK_WINDOW (self));
      break;
    case PAGE_WORKING:
      g_cancellable_cancel (self->cancellable);
      show_page (self, self->return_page);
      break;
    case PAGE_SERVERS:
      show_page (self, PAGE_DETAILS);
      break;
    case PAGE_CERTIFICATE:
      g_clear_pointer (&self->failure, petrel_tls_failure_unref);
      show_servers_error (self, _("The certificate was not trusted, so Petrel did not sign in. "
                                  "Check the server name, or ask your provider."));
      break;
    case PAGE_DONE:
    default:
      break;
    }
}

static void
manual_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  PetrelAccountAssistant *self = PETREL_ACCOUNT_ASSISTANT (widget);
  g_autofree char *address = NULL;

  if (!check_details (self))
    return;

  address = address_from_row (self);
  if (g_strcmp0 (address, self->discovered_for) != 0)
    fill_servers (self, NULL, address);
  show_servers (self, _("Manual setup"), _("Enter your provider’s server settings below."),
                "dialog-information-symbolic", NULL);
}

static void
trust_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  PetrelAccountAssistant *self = PETREL_ACCOUNT_ASSISTANT (widget);
  Pin *pin;

  if (self->page != PAGE_CERTIFICATE || self->failure == NULL)
    return;

  /* The person's explicit decision: this certificate, for this host and port only. */
  pin = g_new0 (Pin, 1);
  pin->host = g_strdup (petrel_tls_failure_get_host (self->failure));
  pin->port = petrel_tls_failure_get_port (self->failure);
  pin->fingerprint = g_strdup (petrel_tls_failure_get_fingerprint (self->failure));
  g_ptr_array_add (self->pins, pin);
  g_clear_pointer (&self->failure, petrel_tls_failure_unref);

  start_login_test (self);
}

/* Window */

static void
on_forget_sign_in_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  petrel_credentials_clear_finish (PETREL_CREDENTIALS (object), result, NULL);
}

static gboolean
petrel_account_assistant_close_request (GtkWindow *window)
{
  PetrelAccountAssistant *self = PETREL_ACCOUNT_ASSISTANT (window);

  g_cancellable_cancel (self->cancellable);

  /* A sign-in that did not become an account leaves no token behind. */
  if (self->signed_in && !self->saved && self->config != NULL)
    {
      g_autoptr(PetrelCredentials) credentials = petrel_secret_credentials_new ();
      const char *id = petrel_account_config_get_id (self->config);

      petrel_oauth2_invalidate_access_token (id, NULL);
      petrel_credentials_clear_async (credentials, id, PETREL_CREDENTIAL_SERVICE_OAUTH2_REFRESH,
                                      NULL, on_forget_sign_in_cb, NULL);
      self->signed_in = FALSE;
    }

  return GTK_WINDOW_CLASS (petrel_account_assistant_parent_class)->close_request (window);
}

static void
petrel_account_assistant_dispose (GObject *object)
{
  PetrelAccountAssistant *self = PETREL_ACCOUNT_ASSISTANT (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->config);
  g_clear_pointer (&self->provider, petrel_oauth2_provider_unref);
  g_clear_pointer (&self->failure, petrel_tls_failure_unref);

  G_OBJECT_CLASS (petrel_account_assistant_parent_class)->dispose (object);
}

static void
petrel_account_assistant_finalize (GObject *object)
{
  PetrelAccountAssistant *self = PETREL_ACCOUNT_ASSISTANT (object);

  g_clear_pointer (&self->data_dir, g_free);
  g_clear_pointer (&self->access_token, petrel_credentials_secret_free);
  g_clear_pointer (&self->pins, g_ptr_array_unref);
  g_clear_pointer (&self->discovered_for, g_free);

  G_OBJECT_CLASS (petrel_account_assistant_parent_class)->finalize (object);
}

static void
petrel_account_assistant_class_init (PetrelAccountAssistantClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = petrel_account_assistant_dispose;
  object_class->finalize = petrel_account_assistant_finalize;
  window_class->close_request = petrel_account_assistant_close_request;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/petrelmail/Petrel/ui/petrel-account-assistant.ui");
  gtk_widget_class_bind_template_child (widget_class, PetrelAccountAssistant, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, PetrelAccountAssistant, back_button);
  gtk_widget_class_bind_template_child (widget_class, PetrelAccountAssistant, next_button);
  gtk_widget_class_bind_template_child (widget_class, PetrelAccountAssistant, stack);
  gtk_widget_class_bind_template_child (widget_class, PetrelAccountAssistant, name_row);
  gtk_widget_class_bind_template_child (widget_class, PetrelAccountAssistant, address_row);
  gtk_widget_class_bind_template_child (widget_class, PetrelAccountAssistant, password_row);
  gtk_widget_class_bind_template_child (widget_class, PetrelAccountAssistant, oauth2_label);
  gtk_widget_class_bind_template_child (widget_class, PetrelAccountAssistant, details_error);
  gtk_widget_class_bind_template_child (widget_class, PetrelAccountAssistant, working_page);
  gtk_widget_class_bind_template_child (widget_class, PetrelAccountAssistant, spinner);
  gtk_widget_class_bind_template_child (widget_class, PetrelAccountAssistant, servers_page);
  gtk_widget_class_bind_template_child (widget_class, PetrelAccountAssistant, source_row);
  gtk_widget_class_bind_template_child (widget_class, PetrelAccountAssistant, source_icon);
  gtk_widget_class_bind_template_child (widget_class, PetrelAccountAssistant, servers_error);
  gtk_widget_class_bind_template_child (widget_class, PetrelAccountAssistant, imap_host_row);
  gtk_widget_class_bind_template_child (widget_class, PetrelAccountAssistant, imap_port_spin);
  gtk_widget_class_bind_template_child (widget_class, PetrelAccountAssistant, imap_security_row);
  gtk_widget_class_bind_template_child (widget_class, PetrelAccountAssistant, imap_user_row);
  gtk_widget_class_bind_template_child (widget_class, PetrelAccountAssistant, smtp_host_row);
  gtk_widget_class_bind_template_child (widget_class, PetrelAccountAssistant, smtp_port_spin);
  gtk_widget_class_bind_template_child (widget_class, PetrelAccountAssistant, smtp_security_row);
  gtk_widget_class_bind_template_child (widget_class, PetrelAccountAssistant, smtp_user_row);
  gtk_widget_class_bind_template_child (widget_class, PetrelAccountAssistant,
                                        certificate_description);
  gtk_widget_class_bind_template_child (widget_class, PetrelAccountAssistant,
                                        certificate_server_row);
  gtk_widget_class_bind_template_child (widget_class, PetrelAccountAssistant,
                                        certificate_reasons_row);
  gtk_widget_class_bind_template_child (widget_class, PetrelAccountAssistant,
                                        certificate_subject_row);
  gtk_widget_class_bind_template_child (widget_class, PetrelAccountAssistant,
                                        certificate_issuer_row);
  gtk_widget_class_bind_template_child (widget_class, PetrelAccountAssistant,
                                        certificate_validity_row);
  gtk_widget_class_bind_template_child (widget_class, PetrelAccountAssistant,
                                        certificate_fingerprint_row);
  gtk_widget_class_bind_template_child (widget_class, PetrelAccountAssistant, trust_button);
  gtk_widget_class_bind_template_child (widget_class, PetrelAccountAssistant, done_page);

  gtk_widget_class_install_action (widget_class, "assistant.next", NULL, next_action);
  gtk_widget_class_install_action (widget_class, "assistant.back", NULL, back_action);
  gtk_widget_class_install_action (widget_class, "assistant.manual", NULL, manual_action);
  gtk_widget_class_install_action (widget_class, "assistant.trust", NULL, trust_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "assistant.back", NULL);
}

static void
petrel_account_assistant_init (PetrelAccountAssistant *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->pins = g_ptr_array_new_with_free_func ((GDestroyNotify) pin_free);

  g_signal_connect (self->address_row, "changed", G_CALLBACK (on_address_changed_cb), self);
  g_signal_connect (self->password_row, "changed", G_CALLBACK (on_password_changed_cb), self);
  g_signal_connect (self->password_row, "entry-activated", G_CALLBACK (on_password_activated_cb),
                    self);
  g_signal_connect_swapped (self->name_row, "entry-activated",
                            G_CALLBACK (gtk_widget_grab_focus), self->address_row);
  g_signal_connect_swapped (self->address_row, "entry-activated",
                            G_CALLBACK (gtk_widget_grab_focus), self->password_row);

  show_page (self, PAGE_DETAILS);
}

PetrelAccountAssistant *
petrel_account_assistant_new (GtkWindow  *parent,
                              const char *data_dir)
{
  PetrelAccountAssistant *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (data_dir != NULL, NULL);

  self = g_object_new (PETREL_TYPE_ACCOUNT_ASSISTANT,
                       "transient-for", parent,
                       NULL);
  self->data_dir = g_strdup (data_dir);
  if (parent != NULL && gtk_window_get_application (parent) != NULL)
    gtk_window_set_application (GTK_WINDOW (self), gtk_window_get_application (parent));

  return self;
}
