/* petrel-account-config.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#include "petrel-account-config.h"
#include "petrel-tls-trust.h"

/* One account is one directory, <data_dir>/accounts/<id>/, whose account.ini is the account's
 * configuration. The file never holds a secret: those live behind PetrelCredentials. */

#define ACCOUNTS_DIR_NAME   "accounts"
#define ACCOUNT_FILE_NAME   "account.ini"
#define KEY_FILE_VERSION    1

#define GROUP_ACCOUNT       "Account"
#define GROUP_IMAP          "IMAP"
#define GROUP_SMTP          "SMTP"
#define GROUP_SYNC          "Sync"
#define GROUP_PINS          "Pinned Certificates"

#define MAX_ID_LENGTH       64
#define MAX_RECENT_DAYS     36500
#define DEFAULT_RECENT_DAYS 30

typedef struct
{
  char                     *host;     /* owned, nullable until validated */
  guint16                   port;
  PetrelConnectionSecurity  security;
  char                     *user;     /* owned, nullable: the email address is the login */
} ServerConfig;

struct _PetrelAccountConfig
{
  GObject              parent_instance;

  char                *id;               /* owned */
  char                *display_name;     /* owned, nullable */
  char                *email_address;    /* owned, nullable until validated */
  char               **aliases;          /* owned, never NULL */
  char                *signature;        /* owned, nullable */
  ServerConfig         servers[2];       /* indexed by PetrelAccountServer */
  PetrelAuthMechanism  auth_mechanism;
  char                *oauth2_provider;  /* owned, nullable: a PetrelOAuth2Provider id */
  char                *oauth2_client_id; /* owned, nullable: else the provider's default */
  char                *ca_file;          /* owned, nullable */
  PetrelSyncBodies     sync_bodies;
  guint                sync_recent_days;
  GHashTable          *pins;             /* owned: "host:port" -> normalised fingerprint */
  GKeyFile            *key_file;         /* owned, nullable: what was loaded, so that keys we
                                          * do not know (a newer Petrel's) survive a save */
};

G_DEFINE_FINAL_TYPE (PetrelAccountConfig, petrel_account_config, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (PetrelConnectionSecurity, petrel_connection_security,
  G_DEFINE_ENUM_VALUE (PETREL_CONNECTION_SECURITY_TLS, "tls"),
  G_DEFINE_ENUM_VALUE (PETREL_CONNECTION_SECURITY_STARTTLS, "starttls"),
  G_DEFINE_ENUM_VALUE (PETREL_CONNECTION_SECURITY_NONE, "none"))

G_DEFINE_ENUM_TYPE (PetrelAuthMechanism, petrel_auth_mechanism,
  G_DEFINE_ENUM_VALUE (PETREL_AUTH_MECHANISM_PASSWORD, "password"),
  G_DEFINE_ENUM_VALUE (PETREL_AUTH_MECHANISM_OAUTH2, "oauth2"))

G_DEFINE_ENUM_TYPE (PetrelSyncBodies, petrel_sync_bodies,
  G_DEFINE_ENUM_VALUE (PETREL_SYNC_BODIES_ALL, "all"),
  G_DEFINE_ENUM_VALUE (PETREL_SYNC_BODIES_RECENT, "recent"),
  G_DEFINE_ENUM_VALUE (PETREL_SYNC_BODIES_NONE, "none"))

G_DEFINE_ENUM_TYPE (PetrelAccountServer, petrel_account_server,
  G_DEFINE_ENUM_VALUE (PETREL_ACCOUNT_SERVER_IMAP, "imap"),
  G_DEFINE_ENUM_VALUE (PETREL_ACCOUNT_SERVER_SMTP, "smtp"))

enum {
  PROP_0,
  PROP_ID,
  PROP_DISPLAY_NAME,
  PROP_EMAIL_ADDRESS,
  PROP_ALIASES,
  PROP_SIGNATURE,
  PROP_IMAP_HOST,
  PROP_IMAP_PORT,
  PROP_IMAP_SECURITY,
  PROP_IMAP_USER,
  PROP_SMTP_HOST,
  PROP_SMTP_PORT,
  PROP_SMTP_SECURITY,
  PROP_SMTP_USER,
  PROP_AUTH_MECHANISM,
  PROP_OAUTH2_PROVIDER,
  PROP_OAUTH2_CLIENT_ID,
  PROP_CA_FILE,
  PROP_SYNC_BODIES,
  PROP_SYNC_RECENT_DAYS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Property ids of the per-server fields, indexed by PetrelAccountServer. */
static const guint host_props[] = { PROP_IMAP_HOST, PROP_SMTP_HOST };
static const guint port_props[] = { PROP_IMAP_PORT, PROP_SMTP_PORT };
static const guint security_props[] = { PROP_IMAP_SECURITY, PROP_SMTP_SECURITY };
static const guint user_props[] = { PROP_IMAP_USER, PROP_SMTP_USER };
static const char * const server_groups[] = { GROUP_IMAP, GROUP_SMTP };
static const char * const server_names[] = { "IMAP", "SMTP" };

/* Helpers */

/* Stores @value in @field, "" counting as unset. Returns whether the value changed. */
static gboolean
replace_string (char       **field,
                const char  *value)
{
  if (value != NULL && value[0] == '\0')
    value = NULL;

  if (g_strcmp0 (*field, value) == 0)
    return FALSE;

  g_free (*field);
  *field = g_strdup (value);

  return TRUE;
}

static gboolean
has_control_characters (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    {
      if ((guchar) *p < 0x20 || *p == 0x7f)
        return TRUE;
    }

  return FALSE;
}

/* OAuth2 provider ids and client ids: printable ASCII without spaces, bounded. Client ids
 * look like "1234-abc.apps.googleusercontent.com" or a GUID. */
static gboolean
oauth2_value_is_valid (const char *value)
{
  gsize length = strlen (value);

  if (length == 0 || length > 256)
    return FALSE;

  for (const char *p = value; *p != '\0'; p++)
    {
      if ((guchar) *p <= 0x20 || (guchar) *p >= 0x7f)
        return FALSE;
    }

  return TRUE;
}

static gboolean
id_is_valid (const char *id)
{
  gsize length;

  if (id == NULL)
    return FALSE;

  length = strlen (id);
  if (length == 0 || length > MAX_ID_LENGTH)
    return FALSE;

  if (strcmp (id, ".") == 0 || strcmp (id, "..") == 0)
    return FALSE;

  for (const char *p = id; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && *p != '.' && *p != '_' && *p != '-')
        return FALSE;
    }

  return TRUE;
}

static gboolean
host_is_valid (const char *host)
{
  g_autofree char *ascii = NULL;
  g_auto(GStrv) labels = NULL;
  gsize length;
  guint n_labels;

  if (host == NULL || host[0] == '\0' || !g_utf8_validate (host, -1, NULL))
    return FALSE;

  if (g_hostname_is_ip_address (host))
    return TRUE;

  ascii = g_hostname_to_ascii (host);
  if (ascii == NULL)
    return FALSE;

  length = strlen (ascii);
  if (length > 0 && ascii[length - 1] == '.')
    ascii[--length] = '\0';

  if (length == 0 || length > 253)
    return FALSE;

  labels = g_strsplit (ascii, ".", -1);
  n_labels = g_strv_length (labels);

  for (guint i = 0; i < n_labels; i++)
    {
      const char *label = labels[i];
      gsize label_length = strlen (label);

      if (label_length == 0 || label_length > 63)
        return FALSE;

      if (label[0] == '-' || label[label_length - 1] == '-')
        return FALSE;

      for (const char *p = label; *p != '\0'; p++)
        {
          if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
            return FALSE;
        }
    }

  return TRUE;
}

static gboolean
address_is_valid (const char *address)
{
  const char *at;
  gsize local_length;

  if (address == NULL || !g_utf8_validate (address, -1, NULL) || strlen (address) > 254)
    return FALSE;

  at = strrchr (address, '@');
  if (at == NULL || at == address)
    return FALSE;

  local_length = at - address;
  if (local_length > 64)
    return FALSE;

  for (const char *p = address; p < at; p++)
    {
      if ((guchar) *p <= 0x20 || *p == 0x7f || strchr ("@<>()[]\\,;:\"", *p) != NULL)
        return FALSE;
    }

  /* Domain literals (user@[192.0.2.1]) are legal but no mail provider hands them out. */
  return !g_hostname_is_ip_address (at + 1) && host_is_valid (at + 1);
}

static char *
make_pin_key (const char *host,
              guint16     port)
{
  g_autofree char *lower = g_utf8_strdown (host, -1);

  return g_strdup_printf ("%s:%u", lower, port);
}

/* Splits "host:port" at the last colon, so that "::1:993" is ("::1", 993). */
static gboolean
parse_pin_key (const char  *key,
               char       **host,
               guint16     *port)
{
  const char *colon = strrchr (key, ':');
  guint64 value;

  if (colon == NULL || colon == key)
    return FALSE;

  if (!g_ascii_string_to_unsigned (colon + 1, 10, 1, G_MAXUINT16, &value, NULL))
    return FALSE;

  *host = g_strndup (key, colon - key);
  *port = (guint16) value;

  return TRUE;
}

static gboolean
parse_port (const char           *text,
            PetrelAccountServer   server,
            guint16              *port,
            GError              **error)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, 1, G_MAXUINT16, &value, NULL))
    {
      g_set_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_PORT,
                   _("%s port “%s” is not valid: use a number from 1 to 65535"),
                   server_names[server], text);
      return FALSE;
    }

  *port = (guint16) value;

  return TRUE;
}

static gboolean
parse_enum (GType         type,
            const char   *nick,
            int          *value)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (type);
  const GEnumValue *found = g_enum_get_value_by_nick (klass, nick);

  if (found == NULL)
    return FALSE;

  *value = found->value;

  return TRUE;
}

static const char *
enum_to_nick (GType type,
              int   value)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (type);
  const GEnumValue *found = g_enum_get_value (klass, value);

  /* Enum nicks are static strings owned by the registered type. */
  return found != NULL ? found->value_nick : NULL;
}

static void
notify (PetrelAccountConfig *self,
        guint                prop_id)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

/* Reads an optional string. Returns FALSE only for a value that is there but unreadable. */
static gboolean
get_optional_string (GKeyFile    *key_file,
                     const char  *group,
                     const char  *key,
                     char       **value,
                     GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  *value = g_key_file_get_string (key_file, group, key, &local_error);
  if (*value != NULL)
    return TRUE;

  if (g_error_matches (local_error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND) ||
      g_error_matches (local_error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND))
    return TRUE;

  g_set_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_CORRUPT,
               _("[%s] %s cannot be read: %s"), group, key, local_error->message);

  return FALSE;
}

static gboolean
load_server (PetrelAccountConfig  *self,
             GKeyFile             *key_file,
             PetrelAccountServer   server,
             GError              **error)
{
  ServerConfig *config = &self->servers[server];
  const char *group = server_groups[server];
  g_autofree char *host = NULL;
  g_autofree char *port = NULL;
  g_autofree char *security = NULL;
  g_autofree char *user = NULL;
  int security_value = PETREL_CONNECTION_SECURITY_TLS;

  if (!get_optional_string (key_file, group, "Host", &host, error) ||
      !get_optional_string (key_file, group, "Port", &port, error) ||
      !get_optional_string (key_file, group, "Security", &security, error) ||
      !get_optional_string (key_file, group, "User", &user, error))
    return FALSE;

  if (security != NULL && !parse_enum (PETREL_TYPE_CONNECTION_SECURITY, security, &security_value))
    {
      g_set_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_SECURITY,
                   _("Unknown %s security “%s”: use tls, starttls or none"),
                   server_names[server], security);
      return FALSE;
    }

  config->security = security_value;

  if (port != NULL)
    {
      if (!parse_port (port, server, &config->port, error))
        return FALSE;
    }
  else
    {
      config->port = petrel_connection_security_default_port (server, config->security);
    }

  replace_string (&config->host, host);
  replace_string (&config->user, user);

  return TRUE;
}

static gboolean
load_pins (PetrelAccountConfig  *self,
           GKeyFile             *key_file,
           GError              **error)
{
  g_auto(GStrv) keys = NULL;

  g_hash_table_remove_all (self->pins);

  if (!g_key_file_has_group (key_file, GROUP_PINS))
    return TRUE;

  keys = g_key_file_get_keys (key_file, GROUP_PINS, NULL, NULL);

  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      g_autofree char *value = NULL;
      g_autofree char *host = NULL;
      guint16 port;

      if (!get_optional_string (key_file, GROUP_PINS, keys[i], &value, error))
        return FALSE;

      if (!parse_pin_key (keys[i], &host, &port) || !host_is_valid (host))
        {
          g_set_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_VALUE,
                       _("Pinned certificate key “%s” is not HOST:PORT"), keys[i]);
          return FALSE;
        }

      if (!petrel_account_config_pin_certificate (self, host, port, value, error))
        return FALSE;
    }

  return TRUE;
}

static gboolean
load_key_file (PetrelAccountConfig  *self,
               GKeyFile             *key_file,
               GError              **error)
{
  g_autofree char *version = NULL;
  g_autofree char *display_name = NULL;
  g_autofree char *email_address = NULL;
  g_autofree char *signature = NULL;
  g_autofree char *auth_mechanism = NULL;
  g_autofree char *oauth2_provider = NULL;
  g_autofree char *oauth2_client_id = NULL;
  g_autofree char *ca_file = NULL;
  g_autofree char *bodies = NULL;
  g_autofree char *recent_days = NULL;
  g_auto(GStrv) aliases = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!g_key_file_has_group (key_file, GROUP_ACCOUNT))
    {
      g_set_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_CORRUPT,
                   _("There is no [%s] group"), GROUP_ACCOUNT);
      return FALSE;
    }

  if (!get_optional_string (key_file, GROUP_ACCOUNT, "Version", &version, error))
    return FALSE;

  if (version != NULL)
    {
      guint64 value;

      if (!g_ascii_string_to_unsigned (version, 10, 1, G_MAXINT, &value, NULL))
        {
          g_set_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_CORRUPT,
                       _("Version “%s” is not a format version"), version);
          return FALSE;
        }

      if (value > KEY_FILE_VERSION)
        {
          g_set_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_CORRUPT,
                       _("The file has format version %s, written by a newer Petrel "
                         "(this one reads version %d)"), version, KEY_FILE_VERSION);
          return FALSE;
        }
    }

  if (!get_optional_string (key_file, GROUP_ACCOUNT, "DisplayName", &display_name, error) ||
      !get_optional_string (key_file, GROUP_ACCOUNT, "EmailAddress", &email_address, error) ||
      !get_optional_string (key_file, GROUP_ACCOUNT, "Signature", &signature, error) ||
      !get_optional_string (key_file, GROUP_ACCOUNT, "AuthMechanism", &auth_mechanism, error) ||
      !get_optional_string (key_file, GROUP_ACCOUNT, "OAuth2Provider", &oauth2_provider, error) ||
      !get_optional_string (key_file, GROUP_ACCOUNT, "OAuth2ClientId", &oauth2_client_id,
                            error) ||
      !get_optional_string (key_file, GROUP_ACCOUNT, "CaFile", &ca_file, error) ||
      !get_optional_string (key_file, GROUP_SYNC, "Bodies", &bodies, error) ||
      !get_optional_string (key_file, GROUP_SYNC, "RecentDays", &recent_days, error))
    return FALSE;

  aliases = g_key_file_get_string_list (key_file, GROUP_ACCOUNT, "Aliases", NULL, &local_error);
  if (aliases == NULL &&
      !g_error_matches (local_error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND))
    {
      g_set_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_CORRUPT,
                   _("[%s] Aliases cannot be read: %s"), GROUP_ACCOUNT, local_error->message);
      return FALSE;
    }

  if (auth_mechanism != NULL)
    {
      int value;

      if (!parse_enum (PETREL_TYPE_AUTH_MECHANISM, auth_mechanism, &value))
        {
          g_set_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_VALUE,
                       _("Unknown authentication mechanism “%s”: use password or oauth2"),
                       auth_mechanism);
          return FALSE;
        }

      self->auth_mechanism = value;
    }

  if (bodies != NULL)
    {
      int value;

      if (!parse_enum (PETREL_TYPE_SYNC_BODIES, bodies, &value))
        {
          g_set_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_VALUE,
                       _("Unknown body sync policy “%s”: use all, recent or none"), bodies);
          return FALSE;
        }

      self->sync_bodies = value;
    }

  if (recent_days != NULL)
    {
      guint64 value;

      if (!g_ascii_string_to_unsigned (recent_days, 10, 1, MAX_RECENT_DAYS, &value, NULL))
        {
          g_set_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_VALUE,
                       _("Sync RecentDays “%s” is not valid: use a number of days from 1 to %d"),
                       recent_days, MAX_RECENT_DAYS);
          return FALSE;
        }

      self->sync_recent_days = (guint) value;
    }

  if (!load_server (self, key_file, PETREL_ACCOUNT_SERVER_IMAP, error) ||
      !load_server (self, key_file, PETREL_ACCOUNT_SERVER_SMTP, error) ||
      !load_pins (self, key_file, error))
    return FALSE;

  replace_string (&self->display_name, display_name);
  replace_string (&self->email_address, email_address);
  replace_string (&self->signature, signature);
  replace_string (&self->ca_file, ca_file);
  replace_string (&self->oauth2_provider, oauth2_provider);
  replace_string (&self->oauth2_client_id, oauth2_client_id);

  g_strfreev (self->aliases);
  self->aliases = aliases != NULL ? g_steal_pointer (&aliases) : g_new0 (char *, 1);

  return TRUE;
}

static void
set_or_remove_string (GKeyFile   *key_file,
                      const char *group,
                      const char *key,
                      const char *value)
{
  if (value != NULL)
    g_key_file_set_string (key_file, group, key, value);
  else
    g_key_file_remove_key (key_file, group, key, NULL);
}

static void
save_server (PetrelAccountConfig *self,
             GKeyFile            *key_file,
             PetrelAccountServer  server)
{
  const ServerConfig *config = &self->servers[server];
  const char *group = server_groups[server];

  g_key_file_set_string (key_file, group, "Host", config->host);
  g_key_file_set_integer (key_file, group, "Port", config->port);
  g_key_file_set_string (key_file, group, "Security",
                         petrel_connection_security_to_string (config->security));
  set_or_remove_string (key_file, group, "User", config->user);
}

static GKeyFile *
build_key_file (PetrelAccountConfig *self)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  g_autoptr(GList) pin_keys = NULL;
  gsize length;

  /* Start from a copy of what was loaded so that unknown keys and comments survive. */
  if (self->key_file != NULL)
    {
      data = g_key_file_to_data (self->key_file, &length, NULL);
      if (!g_key_file_load_from_data (key_file, data, length,
                                      G_KEY_FILE_KEEP_COMMENTS | G_KEY_FILE_KEEP_TRANSLATIONS,
                                      &error))
        g_assert_not_reached ();
    }
  else
    {
      g_key_file_set_integer (key_file, GROUP_ACCOUNT, "Version", KEY_FILE_VERSION);
      g_key_file_set_comment (key_file, NULL, NULL,
                              " Petrel account. Passwords are kept in the system keyring, "
                              "never in this file.", NULL);
    }

  g_key_file_set_integer (key_file, GROUP_ACCOUNT, "Version", KEY_FILE_VERSION);
  set_or_remove_string (key_file, GROUP_ACCOUNT, "DisplayName", self->display_name);
  g_key_file_set_string (key_file, GROUP_ACCOUNT, "EmailAddress", self->email_address);

  if (self->aliases[0] != NULL)
    g_key_file_set_string_list (key_file, GROUP_ACCOUNT, "Aliases",
                                (const char * const *) self->aliases,
                                g_strv_length (self->aliases));
  else
    g_key_file_remove_key (key_file, GROUP_ACCOUNT, "Aliases", NULL);

  set_or_remove_string (key_file, GROUP_ACCOUNT, "Signature", self->signature);
  g_key_file_set_string (key_file, GROUP_ACCOUNT, "AuthMechanism",
                         enum_to_nick (PETREL_TYPE_AUTH_MECHANISM, self->auth_mechanism));
  set_or_remove_string (key_file, GROUP_ACCOUNT, "OAuth2Provider", self->oauth2_provider);
  set_or_remove_string (key_file, GROUP_ACCOUNT, "OAuth2ClientId", self->oauth2_client_id);
  set_or_remove_string (key_file, GROUP_ACCOUNT, "CaFile", self->ca_file);

  save_server (self, key_file, PETREL_ACCOUNT_SERVER_IMAP);
  save_server (self, key_file, PETREL_ACCOUNT_SERVER_SMTP);

  g_key_file_set_string (key_file, GROUP_SYNC, "Bodies",
                         enum_to_nick (PETREL_TYPE_SYNC_BODIES, self->sync_bodies));
  g_key_file_set_integer (key_file, GROUP_SYNC, "RecentDays", self->sync_recent_days);

  g_key_file_remove_group (key_file, GROUP_PINS, NULL);
  pin_keys = g_list_sort (g_hash_table_get_keys (self->pins), (GCompareFunc) strcmp);
  for (const GList *l = pin_keys; l != NULL; l = l->next)
    g_key_file_set_string (key_file, GROUP_PINS, l->data,
                           g_hash_table_lookup (self->pins, l->data));

  return g_steal_pointer (&key_file);
}

static gboolean
remove_tree (const char  *path,
             GError     **error)
{
  GStatBuf buf;

  if (g_lstat (path, &buf) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Cannot remove “%s”: %s"), path, g_strerror (saved_errno));
      return FALSE;
    }

  /* A symbolic link is removed, never followed. */
  if (S_ISDIR (buf.st_mode))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, error);
      const char *name;

      if (dir == NULL)
        return FALSE;

      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          if (!remove_tree (child, error))
            return FALSE;
        }

      if (g_rmdir (path) != 0)
        {
          int saved_errno = errno;

          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                       _("Cannot remove “%s”: %s"), path, g_strerror (saved_errno));
          return FALSE;
        }
    }
  else if (g_unlink (path) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Cannot remove “%s”: %s"), path, g_strerror (saved_errno));
      return FALSE;
    }

  return TRUE;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static int
compare_configs_by_id (gconstpointer a,
                       gconstpointer b)
{
  PetrelAccountConfig *config_a = *(PetrelAccountConfig * const *) a;
  PetrelAccountConfig *config_b = *(PetrelAccountConfig * const *) b;

  return strcmp (config_a->id, config_b->id);
}

/* Removal with secrets */

typedef struct
{
  char              *data_dir;     /* owned */
  char              *id;           /* owned */
  PetrelCredentials *credentials;  /* owned */
  guint              next_service;
} RemoveData;

static void
remove_data_free (RemoveData *data)
{
  g_free (data->data_dir);
  g_free (data->id);
  g_clear_object (&data->credentials);
  g_free (data);
}

static void
remove_directory_thread (GTask        *task,
                         gpointer      source_object,
                         gpointer      task_data,
                         GCancellable *cancellable)
{
  RemoveData *data = task_data;
  g_autoptr(GError) error = NULL;

  if (!petrel_account_config_remove (data->data_dir, data->id, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void remove_clear_next_secret (GTask *task);

static void
remove_clear_secret_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!petrel_credentials_clear_finish (PETREL_CREDENTIALS (object), result, &error))
    {
      RemoveData *data = g_task_get_task_data (task);

      g_prefix_error (&error, _("The account “%s” was not removed because its secrets could not "
                        "be deleted: "), data->id);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  remove_clear_next_secret (g_steal_pointer (&task));
}

static void
remove_clear_next_secret (GTask *task)
{
  RemoveData *data = g_task_get_task_data (task);

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }

  if (data->next_service < PETREL_N_CREDENTIAL_SERVICES)
    {
      PetrelCredentialService service = data->next_service++;

      petrel_credentials_clear_async (data->credentials, data->id, service,
                                      g_task_get_cancellable (task),
                                      remove_clear_secret_cb, task);
      return;
    }

  g_task_run_in_thread (task, remove_directory_thread);
  g_object_unref (task);
}

/* GObject */

static void
petrel_account_config_finalize (GObject *object)
{
  PetrelAccountConfig *self = (PetrelAccountConfig *)object;

  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->display_name, g_free);
  g_clear_pointer (&self->email_address, g_free);
  g_clear_pointer (&self->aliases, g_strfreev);
  g_clear_pointer (&self->signature, g_free);
  for (guint i = 0; i < G_N_ELEMENTS (self->servers); i++)
    {
      g_clear_pointer (&self->servers[i].host, g_free);
      g_clear_pointer (&self->servers[i].user, g_free);
    }
  g_clear_pointer (&self->oauth2_provider, g_free);
  g_clear_pointer (&self->oauth2_client_id, g_free);
  g_clear_pointer (&self->ca_file, g_free);
  g_clear_pointer (&self->pins, g_hash_table_unref);
  g_clear_pointer (&self->key_file, g_key_file_unref);

  G_OBJECT_CLASS (petrel_account_config_parent_class)->finalize (object);
}

static void
petrel_account_config_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  PetrelAccountConfig *self = PETREL_ACCOUNT_CONFIG (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;

    case PROP_DISPLAY_NAME:
      g_value_set_string (value, self->display_name);
      break;

    case PROP_EMAIL_ADDRESS:
      g_value_set_string (value, self->email_address);
      break;

    case PROP_ALIASES:
      g_value_set_boxed (value, self->aliases);
      break;

    case PROP_SIGNATURE:
      g_value_set_string (value, self->signature);
      break;

    case PROP_IMAP_HOST:
    case PROP_SMTP_HOST:
      g_value_set_string (value, self->servers[prop_id == PROP_SMTP_HOST].host);
      break;

    case PROP_IMAP_PORT:
    case PROP_SMTP_PORT:
      g_value_set_uint (value, self->servers[prop_id == PROP_SMTP_PORT].port);
      break;

    case PROP_IMAP_SECURITY:
    case PROP_SMTP_SECURITY:
      g_value_set_enum (value, self->servers[prop_id == PROP_SMTP_SECURITY].security);
      break;

    case PROP_IMAP_USER:
    case PROP_SMTP_USER:
      g_value_set_string (value, self->servers[prop_id == PROP_SMTP_USER].user);
      break;

    case PROP_AUTH_MECHANISM:
      g_value_set_enum (value, self->auth_mechanism);
      break;

    case PROP_OAUTH2_PROVIDER:
      g_value_set_string (value, self->oauth2_provider);
      break;

    case PROP_OAUTH2_CLIENT_ID:
      g_value_set_string (value, self->oauth2_client_id);
      break;

    case PROP_CA_FILE:
      g_value_set_string (value, self->ca_file);
      break;

    case PROP_SYNC_BODIES:
      g_value_set_enum (value, self->sync_bodies);
      break;

    case PROP_SYNC_RECENT_DAYS:
      g_value_set_uint (value, self->sync_recent_days);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
petrel_account_config_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  PetrelAccountConfig *self = PETREL_ACCOUNT_CONFIG (object);

  switch (prop_id)
    {
    case PROP_ID:
      self->id = g_value_dup_string (value);
      break;

    case PROP_DISPLAY_NAME:
      petrel_account_config_set_display_name (self, g_value_get_string (value));
      break;

    case PROP_EMAIL_ADDRESS:
      petrel_account_config_set_email_address (self, g_value_get_string (value));
      break;

    case PROP_ALIASES:
      petrel_account_config_set_aliases (self, g_value_get_boxed (value));
      break;

    case PROP_SIGNATURE:
      petrel_account_config_set_signature (self, g_value_get_string (value));
      break;

    case PROP_IMAP_HOST:
      petrel_account_config_set_imap_host (self, g_value_get_string (value));
      break;

    case PROP_IMAP_PORT:
      petrel_account_config_set_imap_port (self, g_value_get_uint (value));
      break;

    case PROP_IMAP_SECURITY:
      petrel_account_config_set_imap_security (self, g_value_get_enum (value));
      break;

    case PROP_IMAP_USER:
      petrel_account_config_set_imap_user (self, g_value_get_string (value));
      break;

    case PROP_SMTP_HOST:
      petrel_account_config_set_smtp_host (self, g_value_get_string (value));
      break;

    case PROP_SMTP_PORT:
      petrel_account_config_set_smtp_port (self, g_value_get_uint (value));
      break;

    case PROP_SMTP_SECURITY:
      petrel_account_config_set_smtp_security (self, g_value_get_enum (value));
      break;

    case PROP_SMTP_USER:
      petrel_account_config_set_smtp_user (self, g_value_get_string (value));
      break;

    case PROP_AUTH_MECHANISM:
      petrel_account_config_set_auth_mechanism (self, g_value_get_enum (value));
      break;

    case PROP_OAUTH2_PROVIDER:
      petrel_account_config_set_oauth2_provider (self, g_value_get_string (value));
      break;

    case PROP_OAUTH2_CLIENT_ID:
      petrel_account_config_set_oauth2_client_id (self, g_value_get_string (value));
      break;

    case PROP_CA_FILE:
      petrel_account_config_set_ca_file (self, g_value_get_string (value));
      break;

    case PROP_SYNC_BODIES:
      petrel_account_config_set_sync_bodies (self, g_value_get_enum (value));
      break;

    case PROP_SYNC_RECENT_DAYS:
      petrel_account_config_set_sync_recent_days (self, g_value_get_uint (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
petrel_account_config_class_init (PetrelAccountConfigClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = petrel_account_config_finalize;
  object_class->get_property = petrel_account_config_get_property;
  object_class->set_property = petrel_account_config_set_property;

  /**
   * PetrelAccountConfig:id:
   *
   * The stable account id, `[A-Za-z0-9._-]{1,64}`: the name of the account's directory and
   * the key of its secrets. Never changes after construction.
   */
  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  properties[PROP_DISPLAY_NAME] = g_param_spec_string ("display-name", NULL, NULL, NULL, flags);
  properties[PROP_EMAIL_ADDRESS] = g_param_spec_string ("email-address", NULL, NULL, NULL, flags);
  properties[PROP_ALIASES] = g_param_spec_boxed ("aliases", NULL, NULL, G_TYPE_STRV, flags);
  properties[PROP_SIGNATURE] = g_param_spec_string ("signature", NULL, NULL, NULL, flags);

  properties[PROP_IMAP_HOST] = g_param_spec_string ("imap-host", NULL, NULL, NULL, flags);
  properties[PROP_IMAP_PORT] = g_param_spec_uint ("imap-port", NULL, NULL, 0, G_MAXUINT16, 993,
                                                  flags);
  properties[PROP_IMAP_SECURITY] =
    g_param_spec_enum ("imap-security", NULL, NULL, PETREL_TYPE_CONNECTION_SECURITY,
                       PETREL_CONNECTION_SECURITY_TLS, flags);
  properties[PROP_IMAP_USER] = g_param_spec_string ("imap-user", NULL, NULL, NULL, flags);

  properties[PROP_SMTP_HOST] = g_param_spec_string ("smtp-host", NULL, NULL, NULL, flags);
  properties[PROP_SMTP_PORT] = g_param_spec_uint ("smtp-port", NULL, NULL, 0, G_MAXUINT16, 465,
                                                  flags);
  properties[PROP_SMTP_SECURITY] =
    g_param_spec_enum ("smtp-security", NULL, NULL, PETREL_TYPE_CONNECTION_SECURITY,
                       PETREL_CONNECTION_SECURITY_TLS, flags);
  properties[PROP_SMTP_USER] = g_param_spec_string ("smtp-user", NULL, NULL, NULL, flags);

  properties[PROP_AUTH_MECHANISM] =
    g_param_spec_enum ("auth-mechanism", NULL, NULL, PETREL_TYPE_AUTH_MECHANISM,
                       PETREL_AUTH_MECHANISM_PASSWORD, flags);

  /**
   * PetrelAccountConfig:oauth2-provider:
   *
   * With %PETREL_AUTH_MECHANISM_OAUTH2, the id of the #PetrelOAuth2Provider that issues the
   * account's tokens (`google`, `microsoft`). Key file: `OAuth2Provider`.
   */
  properties[PROP_OAUTH2_PROVIDER] =
    g_param_spec_string ("oauth2-provider", NULL, NULL, NULL, flags);

  /**
   * PetrelAccountConfig:oauth2-client-id:
   *
   * The OAuth2 client id to sign in with, or %NULL for the provider's default (the one the
   * build was given). Not a secret. Key file: `OAuth2ClientId`.
   */
  properties[PROP_OAUTH2_CLIENT_ID] =
    g_param_spec_string ("oauth2-client-id", NULL, NULL, NULL, flags);

  /**
   * PetrelAccountConfig:ca-file:
   *
   * Absolute path of a PEM file of CA certificates trusted for this account in addition to the
   * system's, or %NULL.
   */
  properties[PROP_CA_FILE] = g_param_spec_string ("ca-file", NULL, NULL, NULL, flags);

  properties[PROP_SYNC_BODIES] =
    g_param_spec_enum ("sync-bodies", NULL, NULL, PETREL_TYPE_SYNC_BODIES,
                       PETREL_SYNC_BODIES_ALL, flags);
  properties[PROP_SYNC_RECENT_DAYS] =
    g_param_spec_uint ("sync-recent-days", NULL, NULL, 0, G_MAXUINT, DEFAULT_RECENT_DAYS, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
petrel_account_config_init (PetrelAccountConfig *self)
{
  self->aliases = g_new0 (char *, 1);
  self->servers[PETREL_ACCOUNT_SERVER_IMAP].port = 993;
  self->servers[PETREL_ACCOUNT_SERVER_IMAP].security = PETREL_CONNECTION_SECURITY_TLS;
  self->servers[PETREL_ACCOUNT_SERVER_SMTP].port = 465;
  self->servers[PETREL_ACCOUNT_SERVER_SMTP].security = PETREL_CONNECTION_SECURITY_TLS;
  self->auth_mechanism = PETREL_AUTH_MECHANISM_PASSWORD;
  self->sync_bodies = PETREL_SYNC_BODIES_ALL;
  self->sync_recent_days = DEFAULT_RECENT_DAYS;
  self->pins = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/* Enums and single values */

const char *
petrel_connection_security_to_string (PetrelConnectionSecurity security)
{
  switch (security)
    {
    case PETREL_CONNECTION_SECURITY_TLS:
      return "tls";
    case PETREL_CONNECTION_SECURITY_STARTTLS:
      return "starttls";
    case PETREL_CONNECTION_SECURITY_NONE:
      return "none";
    default:
      g_return_val_if_reached (NULL);
    }
}

/**
 * petrel_connection_security_from_string:
 * @string: `tls`, `starttls` or `none`
 * @security: (out): where to store the value
 * @error: return location for a #GError
 *
 * Returns: %TRUE if @string names a security; otherwise %PETREL_ACCOUNT_ERROR_INVALID_SECURITY
 */
gboolean
petrel_connection_security_from_string (const char                *string,
                                        PetrelConnectionSecurity  *security,
                                        GError                   **error)
{
  int value;

  g_return_val_if_fail (security != NULL, FALSE);

  if (string == NULL || !parse_enum (PETREL_TYPE_CONNECTION_SECURITY, string, &value))
    {
      g_set_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_SECURITY,
                   _("Unknown connection security “%s”: use tls, starttls or none"),
                   string != NULL ? string : "");
      return FALSE;
    }

  *security = value;

  return TRUE;
}

/**
 * petrel_connection_security_default_port:
 * @server: IMAP or SMTP
 * @security: the connection security
 *
 * Returns: the registered port: IMAP 993 (tls) or 143; SMTP 465 (tls), 587 (starttls) or 25
 */
guint16
petrel_connection_security_default_port (PetrelAccountServer      server,
                                         PetrelConnectionSecurity security)
{
  if (server == PETREL_ACCOUNT_SERVER_IMAP)
    return security == PETREL_CONNECTION_SECURITY_TLS ? 993 : 143;

  switch (security)
    {
    case PETREL_CONNECTION_SECURITY_TLS:
      return 465;
    case PETREL_CONNECTION_SECURITY_STARTTLS:
      return 587;
    case PETREL_CONNECTION_SECURITY_NONE:
    default:
      return 25;
    }
}

gboolean
petrel_account_validate_id (const char  *id,
                            GError     **error)
{
  if (!id_is_valid (id))
    {
      g_set_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_ID,
                   _("“%s” is not a valid account id: use 1 to %d letters, digits, “.”, “_” or "
                     "“-” (but not “.” or “..”)"), id != NULL ? id : "", MAX_ID_LENGTH);
      return FALSE;
    }

  return TRUE;
}

gboolean
petrel_account_validate_address (const char  *address,
                                 GError     **error)
{
  if (address == NULL || address[0] == '\0')
    {
      g_set_error_literal (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_ADDRESS,
                           _("No email address is set"));
      return FALSE;
    }

  if (!address_is_valid (address))
    {
      g_set_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_ADDRESS,
                   _("“%s” is not a valid email address (expected name@example.org)"),
                   g_utf8_validate (address, -1, NULL) ? address : "(not UTF-8)");
      return FALSE;
    }

  return TRUE;
}

gboolean
petrel_account_validate_host (const char  *host,
                              GError     **error)
{
  if (host == NULL || host[0] == '\0')
    {
      g_set_error_literal (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_HOST,
                           _("No server host is set"));
      return FALSE;
    }

  if (!host_is_valid (host))
    {
      g_set_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_HOST,
                   _("“%s” is not a valid host name or IP address"),
                   g_utf8_validate (host, -1, NULL) ? host : "(not UTF-8)");
      return FALSE;
    }

  return TRUE;
}

/**
 * petrel_host_is_loopback:
 * @host: (nullable): a host name or IP address literal
 *
 * Whether @host is `localhost`, an address in 127.0.0.0/8 or `::1`. Nothing is resolved:
 * any other name counts as remote.
 */
gboolean
petrel_host_is_loopback (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;

  if (host == NULL)
    return FALSE;

  if (g_ascii_strcasecmp (host, "localhost") == 0 || g_ascii_strcasecmp (host, "localhost.") == 0)
    return TRUE;

  address = g_inet_address_new_from_string (host);

  return address != NULL && g_inet_address_get_is_loopback (address);
}

/**
 * petrel_account_dup_dir:
 * @data_dir: the data directory (`$XDG_DATA_HOME/petrel` or `--data-dir`)
 * @id: a valid account id
 *
 * Returns: (transfer full): `<data_dir>/accounts/<id>`, where the account's files live
 */
char *
petrel_account_dup_dir (const char *data_dir,
                        const char *id)
{
  g_return_val_if_fail (data_dir != NULL, NULL);
  g_return_val_if_fail (id_is_valid (id), NULL);

  return g_build_filename (data_dir, ACCOUNTS_DIR_NAME, id, NULL);
}

/* Public API */

/**
 * petrel_account_config_new:
 * @id: the account id
 *
 * Creates an account configuration with defaults (implicit TLS on 993 and 465, password
 * authentication, all bodies synchronised). An invalid @id is reported by
 * petrel_account_config_validate() and makes saving fail; check user input first with
 * petrel_account_validate_id().
 */
PetrelAccountConfig *
petrel_account_config_new (const char *id)
{
  g_return_val_if_fail (id != NULL, NULL);

  return g_object_new (PETREL_TYPE_ACCOUNT_CONFIG, "id", id, NULL);
}

/**
 * petrel_account_config_load:
 * @data_dir: the data directory
 * @id: the account id
 * @error: return location for a #GError
 *
 * Reads `<data_dir>/accounts/<id>/account.ini` and validates it. Errors name the file.
 *
 * Returns: (transfer full): the configuration, or %NULL with %PETREL_ACCOUNT_ERROR_NOT_FOUND,
 *   another #PetrelAccountError or a #GFileError
 */
PetrelAccountConfig *
petrel_account_config_load (const char  *data_dir,
                            const char  *id,
                            GError     **error)
{
  g_autoptr(PetrelAccountConfig) self = NULL;
  g_autoptr(GKeyFile) key_file = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;

  g_return_val_if_fail (data_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!petrel_account_validate_id (id, error))
    return NULL;

  dir = petrel_account_dup_dir (data_dir, id);
  path = g_build_filename (dir, ACCOUNT_FILE_NAME, NULL);
  key_file = g_key_file_new ();

  if (!g_key_file_load_from_file (key_file, path,
                                  G_KEY_FILE_KEEP_COMMENTS | G_KEY_FILE_KEEP_TRANSLATIONS,
                                  &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          if (g_file_test (dir, G_FILE_TEST_IS_DIR))
            g_set_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_CORRUPT,
                         _("%s: the account directory has no %s"), dir, ACCOUNT_FILE_NAME);
          else
            g_set_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_NOT_FOUND,
                         _("There is no account “%s”"), id);
        }
      else if (local_error->domain == G_KEY_FILE_ERROR)
        {
          g_set_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_CORRUPT,
                       "%s: %s", path, local_error->message);
        }
      else
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "%s: ", path);
        }

      return NULL;
    }

  self = petrel_account_config_new (id);

  if (!load_key_file (self, key_file, &local_error) ||
      !petrel_account_config_validate (self, &local_error))
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "%s: ", path);
      return NULL;
    }

  self->key_file = g_steal_pointer (&key_file);

  return g_steal_pointer (&self);
}

/**
 * petrel_account_config_validate:
 * @self: a #PetrelAccountConfig
 * @error: return location for a #GError
 *
 * Checks every field and reports the first problem as a #PetrelAccountError whose message
 * names the field.
 */
gboolean
petrel_account_config_validate (PetrelAccountConfig  *self,
                                GError              **error)
{
  g_return_val_if_fail (PETREL_IS_ACCOUNT_CONFIG (self), FALSE);

  if (!petrel_account_validate_id (self->id, error) ||
      !petrel_account_validate_address (self->email_address, error))
    return FALSE;

  for (guint i = 0; self->aliases[i] != NULL; i++)
    {
      if (!address_is_valid (self->aliases[i]))
        {
          g_set_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_ADDRESS,
                       _("Alias “%s” is not a valid email address"),
                       g_utf8_validate (self->aliases[i], -1, NULL) ? self->aliases[i]
                                                                    : "(not UTF-8)");
          return FALSE;
        }
    }

  if (self->display_name != NULL &&
      (!g_utf8_validate (self->display_name, -1, NULL) ||
       has_control_characters (self->display_name)))
    {
      g_set_error_literal (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_VALUE,
                           _("The display name must be one line of UTF-8 text"));
      return FALSE;
    }

  if (self->signature != NULL && !g_utf8_validate (self->signature, -1, NULL))
    {
      g_set_error_literal (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_VALUE,
                           _("The signature is not UTF-8 text"));
      return FALSE;
    }

  for (PetrelAccountServer server = 0; server < G_N_ELEMENTS (self->servers); server++)
    {
      const ServerConfig *config = &self->servers[server];
      const char *name = server_names[server];

      if (config->host == NULL)
        {
          g_set_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_HOST,
                       _("No %s server host is set"), name);
          return FALSE;
        }

      if (!host_is_valid (config->host))
        {
          g_set_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_HOST,
                       _("%s server “%s” is not a valid host name or IP address"), name,
                       g_utf8_validate (config->host, -1, NULL) ? config->host : "(not UTF-8)");
          return FALSE;
        }

      if (config->port == 0)
        {
          g_set_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_PORT,
                       _("%s port 0 is not valid: use a number from 1 to 65535"), name);
          return FALSE;
        }

      if (config->security > PETREL_CONNECTION_SECURITY_NONE)
        {
          g_set_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_SECURITY,
                       _("Unknown %s security %d: use tls, starttls or none"), name,
                       (int) config->security);
          return FALSE;
        }

      if (config->user != NULL &&
          (!g_utf8_validate (config->user, -1, NULL) || has_control_characters (config->user)))
        {
          g_set_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_VALUE,
                       _("The %s user name must be one line of UTF-8 text"), name);
          return FALSE;
        }
    }

  if (self->auth_mechanism > PETREL_AUTH_MECHANISM_OAUTH2)
    {
      g_set_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_VALUE,
                   _("Unknown authentication mechanism %d"), (int) self->auth_mechanism);
      return FALSE;
    }

  if (self->oauth2_provider != NULL && !oauth2_value_is_valid (self->oauth2_provider))
    {
      g_set_error_literal (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_VALUE,
                           _("The OAuth2 provider must be an id such as google or microsoft"));
      return FALSE;
    }

  if (self->oauth2_client_id != NULL && !oauth2_value_is_valid (self->oauth2_client_id))
    {
      g_set_error_literal (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_VALUE,
                           _("The OAuth2 client id must be one word of printable ASCII"));
      return FALSE;
    }

  if (self->auth_mechanism == PETREL_AUTH_MECHANISM_OAUTH2 && self->oauth2_provider == NULL)
    {
      g_set_error_literal (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_VALUE,
                           _("OAuth2 authentication needs an OAuth2 provider (OAuth2Provider, "
                             "e.g. google or microsoft)"));
      return FALSE;
    }

  if (self->ca_file != NULL &&
      (!g_path_is_absolute (self->ca_file) || has_control_characters (self->ca_file)))
    {
      g_set_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_VALUE,
                   _("The CA file “%s” must be an absolute path"),
                   g_utf8_validate (self->ca_file, -1, NULL) ? self->ca_file : "(not UTF-8)");
      return FALSE;
    }

  if (self->sync_bodies > PETREL_SYNC_BODIES_NONE)
    {
      g_set_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_VALUE,
                   _("Unknown body sync policy %d"), (int) self->sync_bodies);
      return FALSE;
    }

  if (self->sync_recent_days == 0 || self->sync_recent_days > MAX_RECENT_DAYS)
    {
      g_set_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_VALUE,
                   _("Sync recent days %u is not valid: use a number of days from 1 to %d"),
                   self->sync_recent_days, MAX_RECENT_DAYS);
      return FALSE;
    }

  return TRUE;
}

/**
 * petrel_account_config_save:
 * @self: a #PetrelAccountConfig
 * @data_dir: the data directory
 * @error: return location for a #GError
 *
 * Validates @self and writes `<data_dir>/accounts/<id>/account.ini` atomically (a temporary
 * file renamed over the old one) with mode 0600, in a directory of mode 0700. Keys written by
 * a newer Petrel and comments are kept. There is no password field: secrets go through
 * #PetrelCredentials only.
 */
gboolean
petrel_account_config_save (PetrelAccountConfig  *self,
                            const char           *data_dir,
                            GError              **error)
{
  g_autoptr(GKeyFile) key_file = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *data = NULL;
  gsize length;

  g_return_val_if_fail (PETREL_IS_ACCOUNT_CONFIG (self), FALSE);
  g_return_val_if_fail (data_dir != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!petrel_account_config_validate (self, error))
    return FALSE;

  dir = petrel_account_dup_dir (data_dir, self->id);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Cannot create the account directory “%s”: %s"), dir,
                   g_strerror (saved_errno));
      return FALSE;
    }

  key_file = build_key_file (self);
  data = g_key_file_to_data (key_file, &length, NULL);
  path = g_build_filename (dir, ACCOUNT_FILE_NAME, NULL);

  if (!g_file_set_contents_full (path, data, length, G_FILE_SET_CONTENTS_CONSISTENT, 0600,
                                 error))
    return FALSE;

  g_clear_pointer (&self->key_file, g_key_file_unref);
  self->key_file = g_steal_pointer (&key_file);

  return TRUE;
}

/**
 * petrel_account_config_list:
 * @data_dir: the data directory
 * @broken: (out) (optional) (element-type GError) (transfer full): the problems with accounts
 *   that could not be loaded, one #GError per account, naming its file
 * @error: return location for a #GError
 *
 * Loads every account under `<data_dir>/accounts`. An account that fails to load is skipped
 * and reported in @broken; it does not stop the others. Reads small files synchronously.
 *
 * Returns: (element-type PetrelAccountConfig) (transfer full): the accounts sorted by id
 *   (empty when there is no accounts directory), or %NULL if the directory cannot be read
 */
GPtrArray *
petrel_account_config_list (const char  *data_dir,
                            GPtrArray  **broken,
                            GError     **error)
{
  g_autoptr(GPtrArray) configs = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  g_autofree char *accounts_dir = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *name;

  g_return_val_if_fail (data_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  accounts_dir = g_build_filename (data_dir, ACCOUNTS_DIR_NAME, NULL);
  dir = g_dir_open (accounts_dir, 0, &local_error);

  if (dir == NULL)
    {
      if (!g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
    }
  else
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = g_build_filename (accounts_dir, name, NULL);
          g_autoptr(PetrelAccountConfig) config = NULL;
          g_autoptr(GError) load_error = NULL;

          if (!g_file_test (path, G_FILE_TEST_IS_DIR))
            continue;

          if (!id_is_valid (name))
            load_error = g_error_new (PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_ID,
                                      _("%s: the directory name is not a valid account id"), path);
          else
            config = petrel_account_config_load (data_dir, name, &load_error);

          if (config != NULL)
            {
              g_ptr_array_add (configs, g_steal_pointer (&config));
            }
          else
            {
              g_debug ("Skipping a broken account: %s", load_error->message);
              g_ptr_array_add (problems, g_steal_pointer (&load_error));
            }
        }
    }

  g_ptr_array_sort (configs, compare_configs_by_id);

  if (broken != NULL)
    *broken = g_steal_pointer (&problems);

  return g_steal_pointer (&configs);
}

/**
 * petrel_account_config_remove:
 * @data_dir: the data directory
 * @id: the account id
 * @error: return location for a #GError
 *
 * Deletes the account's directory with everything in it (configuration, cache, messages).
 * Symbolic links inside are removed, never followed. Secrets are not touched: see
 * petrel_account_config_remove_with_secrets_async(). This blocks on disk I/O.
 *
 * Returns: %TRUE, or %FALSE with %PETREL_ACCOUNT_ERROR_NOT_FOUND, _INVALID_ID or a #GFileError
 */
gboolean
petrel_account_config_remove (const char  *data_dir,
                              const char  *id,
                              GError     **error)
{
  g_autofree char *dir = NULL;

  g_return_val_if_fail (data_dir != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!petrel_account_validate_id (id, error))
    return FALSE;

  dir = petrel_account_dup_dir (data_dir, id);

  if (!g_file_test (dir, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_NOT_FOUND,
                   _("There is no account “%s”"), id);
      return FALSE;
    }

  g_debug ("Removing account directory %s", dir);

  return remove_tree (dir, error);
}

/**
 * petrel_account_config_remove_with_secrets_async:
 * @data_dir: the data directory
 * @id: the account id
 * @credentials: where the account's secrets are kept
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Removes an account completely: first every secret of @id (all #PetrelCredentialService
 * values) from @credentials, then, in a worker thread, the account's directory. If a secret
 * cannot be deleted (for example %PETREL_ACCOUNT_ERROR_NO_KEYRING) the directory is left in
 * place, so that no password is orphaned without the user knowing. An unknown account fails
 * with %PETREL_ACCOUNT_ERROR_NOT_FOUND before the keyring is touched.
 */
void
petrel_account_config_remove_with_secrets_async (const char          *data_dir,
                                                 const char          *id,
                                                 PetrelCredentials   *credentials,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  RemoveData *data;

  g_return_if_fail (data_dir != NULL);
  g_return_if_fail (PETREL_IS_CREDENTIALS (credentials));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, petrel_account_config_remove_with_secrets_async);

  if (!petrel_account_validate_id (id, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  dir = petrel_account_dup_dir (data_dir, id);
  if (!g_file_test (dir, G_FILE_TEST_EXISTS))
    {
      g_task_return_new_error (task, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_NOT_FOUND,
                               _("There is no account “%s”"), id);
      return;
    }

  data = g_new0 (RemoveData, 1);
  data->data_dir = g_strdup (data_dir);
  data->id = g_strdup (id);
  data->credentials = g_object_ref (credentials);
  g_task_set_task_data (task, data, (GDestroyNotify) remove_data_free);

  remove_clear_next_secret (g_steal_pointer (&task));
}

gboolean
petrel_account_config_remove_with_secrets_finish (GAsyncResult  *result,
                                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        petrel_account_config_remove_with_secrets_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Accessors */

const char *
petrel_account_config_get_id (PetrelAccountConfig *self)
{
  g_return_val_if_fail (PETREL_IS_ACCOUNT_CONFIG (self), NULL);

  return self->id;
}

const char *
petrel_account_config_get_display_name (PetrelAccountConfig *self)
{
  g_return_val_if_fail (PETREL_IS_ACCOUNT_CONFIG (self), NULL);

  return self->display_name;
}

void
petrel_account_config_set_display_name (PetrelAccountConfig *self,
                                        const char          *name)
{
  g_return_if_fail (PETREL_IS_ACCOUNT_CONFIG (self));

  if (replace_string (&self->display_name, name))
    notify (self, PROP_DISPLAY_NAME);
}

const char *
petrel_account_config_get_email_address (PetrelAccountConfig *self)
{
  g_return_val_if_fail (PETREL_IS_ACCOUNT_CONFIG (self), NULL);

  return self->email_address;
}

void
petrel_account_config_set_email_address (PetrelAccountConfig *self,
                                         const char          *address)
{
  g_return_if_fail (PETREL_IS_ACCOUNT_CONFIG (self));

  if (replace_string (&self->email_address, address))
    notify (self, PROP_EMAIL_ADDRESS);
}

/**
 * petrel_account_config_get_aliases:
 * @self: a #PetrelAccountConfig
 *
 * Returns: (transfer none): the other addresses this account sends as; never %NULL
 */
const char * const *
petrel_account_config_get_aliases (PetrelAccountConfig *self)
{
  g_return_val_if_fail (PETREL_IS_ACCOUNT_CONFIG (self), NULL);

  return (const char * const *) self->aliases;
}

void
petrel_account_config_set_aliases (PetrelAccountConfig *self,
                                   const char * const  *aliases)
{
  const char * const empty[] = { NULL };

  g_return_if_fail (PETREL_IS_ACCOUNT_CONFIG (self));

  if (aliases == NULL)
    aliases = empty;

  if (g_strv_equal ((const char * const *) self->aliases, aliases))
    return;

  g_strfreev (self->aliases);
  self->aliases = g_strdupv ((char **) aliases);
  notify (self, PROP_ALIASES);
}

const char *
petrel_account_config_get_signature (PetrelAccountConfig *self)
{
  g_return_val_if_fail (PETREL_IS_ACCOUNT_CONFIG (self), NULL);

  return self->signature;
}

void
petrel_account_config_set_signature (PetrelAccountConfig *self,
                                     const char          *signature)
{
  g_return_if_fail (PETREL_IS_ACCOUNT_CONFIG (self));

  if (replace_string (&self->signature, signature))
    notify (self, PROP_SIGNATURE);
}

static void
set_host (PetrelAccountConfig *self,
          PetrelAccountServer  server,
          const char          *host)
{
  if (replace_string (&self->servers[server].host, host))
    notify (self, host_props[server]);
}

static void
set_port (PetrelAccountConfig *self,
          PetrelAccountServer  server,
          guint16              port)
{
  if (self->servers[server].port != port)
    {
      self->servers[server].port = port;
      notify (self, port_props[server]);
    }
}

static void
set_security (PetrelAccountConfig      *self,
              PetrelAccountServer       server,
              PetrelConnectionSecurity  security)
{
  if (self->servers[server].security != security)
    {
      self->servers[server].security = security;
      notify (self, security_props[server]);
    }
}

static void
set_user (PetrelAccountConfig *self,
          PetrelAccountServer  server,
          const char          *user)
{
  if (replace_string (&self->servers[server].user, user))
    notify (self, user_props[server]);
}

const char *
petrel_account_config_get_imap_host (PetrelAccountConfig *self)
{
  return petrel_account_config_get_host (self, PETREL_ACCOUNT_SERVER_IMAP);
}

void
petrel_account_config_set_imap_host (PetrelAccountConfig *self,
                                     const char          *host)
{
  g_return_if_fail (PETREL_IS_ACCOUNT_CONFIG (self));

  set_host (self, PETREL_ACCOUNT_SERVER_IMAP, host);
}

guint16
petrel_account_config_get_imap_port (PetrelAccountConfig *self)
{
  return petrel_account_config_get_port (self, PETREL_ACCOUNT_SERVER_IMAP);
}

void
petrel_account_config_set_imap_port (PetrelAccountConfig *self,
                                     guint16              port)
{
  g_return_if_fail (PETREL_IS_ACCOUNT_CONFIG (self));

  set_port (self, PETREL_ACCOUNT_SERVER_IMAP, port);
}

PetrelConnectionSecurity
petrel_account_config_get_imap_security (PetrelAccountConfig *self)
{
  return petrel_account_config_get_security (self, PETREL_ACCOUNT_SERVER_IMAP);
}

void
petrel_account_config_set_imap_security (PetrelAccountConfig      *self,
                                         PetrelConnectionSecurity  security)
{
  g_return_if_fail (PETREL_IS_ACCOUNT_CONFIG (self));

  set_security (self, PETREL_ACCOUNT_SERVER_IMAP, security);
}

const char *
petrel_account_config_get_imap_user (PetrelAccountConfig *self)
{
  g_return_val_if_fail (PETREL_IS_ACCOUNT_CONFIG (self), NULL);

  return self->servers[PETREL_ACCOUNT_SERVER_IMAP].user;
}

void
petrel_account_config_set_imap_user (PetrelAccountConfig *self,
                                     const char          *user)
{
  g_return_if_fail (PETREL_IS_ACCOUNT_CONFIG (self));

  set_user (self, PETREL_ACCOUNT_SERVER_IMAP, user);
}

const char *
petrel_account_config_get_smtp_host (PetrelAccountConfig *self)
{
  return petrel_account_config_get_host (self, PETREL_ACCOUNT_SERVER_SMTP);
}

void
petrel_account_config_set_smtp_host (PetrelAccountConfig *self,
                                     const char          *host)
{
  g_return_if_fail (PETREL_IS_ACCOUNT_CONFIG (self));

  set_host (self, PETREL_ACCOUNT_SERVER_SMTP, host);
}

guint16
petrel_account_config_get_smtp_port (PetrelAccountConfig *self)
{
  return petrel_account_config_get_port (self, PETREL_ACCOUNT_SERVER_SMTP);
}

void
petrel_account_config_set_smtp_port (PetrelAccountConfig *self,
                                     guint16              port)
{
  g_return_if_fail (PETREL_IS_ACCOUNT_CONFIG (self));

  set_port (self, PETREL_ACCOUNT_SERVER_SMTP, port);
}

PetrelConnectionSecurity
petrel_account_config_get_smtp_security (PetrelAccountConfig *self)
{
  return petrel_account_config_get_security (self, PETREL_ACCOUNT_SERVER_SMTP);
}

void
petrel_account_config_set_smtp_security (PetrelAccountConfig      *self,
                                         PetrelConnectionSecurity  security)
{
  g_return_if_fail (PETREL_IS_ACCOUNT_CONFIG (self));

  set_security (self, PETREL_ACCOUNT_SERVER_SMTP, security);
}

const char *
petrel_account_config_get_smtp_user (PetrelAccountConfig *self)
{
  g_return_val_if_fail (PETREL_IS_ACCOUNT_CONFIG (self), NULL);

  return self->servers[PETREL_ACCOUNT_SERVER_SMTP].user;
}

void
petrel_account_config_set_smtp_user (PetrelAccountConfig *self,
                                     const char          *user)
{
  g_return_if_fail (PETREL_IS_ACCOUNT_CONFIG (self));

  set_user (self, PETREL_ACCOUNT_SERVER_SMTP, user);
}

PetrelAuthMechanism
petrel_account_config_get_auth_mechanism (PetrelAccountConfig *self)
{
  g_return_val_if_fail (PETREL_IS_ACCOUNT_CONFIG (self), PETREL_AUTH_MECHANISM_PASSWORD);

  return self->auth_mechanism;
}

void
petrel_account_config_set_auth_mechanism (PetrelAccountConfig *self,
                                          PetrelAuthMechanism  mechanism)
{
  g_return_if_fail (PETREL_IS_ACCOUNT_CONFIG (self));

  if (self->auth_mechanism != mechanism)
    {
      self->auth_mechanism = mechanism;
      notify (self, PROP_AUTH_MECHANISM);
    }
}

/**
 * petrel_account_config_get_oauth2_provider:
 * @self: a #PetrelAccountConfig
 *
 * Returns: (nullable): the id of the account's OAuth2 provider (see #PetrelOAuth2Provider)
 */
const char *
petrel_account_config_get_oauth2_provider (PetrelAccountConfig *self)
{
  g_return_val_if_fail (PETREL_IS_ACCOUNT_CONFIG (self), NULL);

  return self->oauth2_provider;
}

void
petrel_account_config_set_oauth2_provider (PetrelAccountConfig *self,
                                           const char          *provider)
{
  g_return_if_fail (PETREL_IS_ACCOUNT_CONFIG (self));

  if (replace_string (&self->oauth2_provider, provider))
    notify (self, PROP_OAUTH2_PROVIDER);
}

/**
 * petrel_account_config_get_oauth2_client_id:
 * @self: a #PetrelAccountConfig
 *
 * Returns: (nullable): the account's own OAuth2 client id, or %NULL for the provider's default
 */
const char *
petrel_account_config_get_oauth2_client_id (PetrelAccountConfig *self)
{
  g_return_val_if_fail (PETREL_IS_ACCOUNT_CONFIG (self), NULL);

  return self->oauth2_client_id;
}

void
petrel_account_config_set_oauth2_client_id (PetrelAccountConfig *self,
                                            const char          *client_id)
{
  g_return_if_fail (PETREL_IS_ACCOUNT_CONFIG (self));

  if (replace_string (&self->oauth2_client_id, client_id))
    notify (self, PROP_OAUTH2_CLIENT_ID);
}

const char *
petrel_account_config_get_ca_file (PetrelAccountConfig *self)
{
  g_return_val_if_fail (PETREL_IS_ACCOUNT_CONFIG (self), NULL);

  return self->ca_file;
}

void
petrel_account_config_set_ca_file (PetrelAccountConfig *self,
                                   const char          *path)
{
  g_return_if_fail (PETREL_IS_ACCOUNT_CONFIG (self));

  if (replace_string (&self->ca_file, path))
    notify (self, PROP_CA_FILE);
}

PetrelSyncBodies
petrel_account_config_get_sync_bodies (PetrelAccountConfig *self)
{
  g_return_val_if_fail (PETREL_IS_ACCOUNT_CONFIG (self), PETREL_SYNC_BODIES_ALL);

  return self->sync_bodies;
}

void
petrel_account_config_set_sync_bodies (PetrelAccountConfig *self,
                                       PetrelSyncBodies     policy)
{
  g_return_if_fail (PETREL_IS_ACCOUNT_CONFIG (self));

  if (self->sync_bodies != policy)
    {
      self->sync_bodies = policy;
      notify (self, PROP_SYNC_BODIES);
    }
}

guint
petrel_account_config_get_sync_recent_days (PetrelAccountConfig *self)
{
  g_return_val_if_fail (PETREL_IS_ACCOUNT_CONFIG (self), 0);

  return self->sync_recent_days;
}

void
petrel_account_config_set_sync_recent_days (PetrelAccountConfig *self,
                                            guint                days)
{
  g_return_if_fail (PETREL_IS_ACCOUNT_CONFIG (self));

  if (self->sync_recent_days != days)
    {
      self->sync_recent_days = days;
      notify (self, PROP_SYNC_RECENT_DAYS);
    }
}

const char *
petrel_account_config_get_host (PetrelAccountConfig *self,
                                PetrelAccountServer  server)
{
  g_return_val_if_fail (PETREL_IS_ACCOUNT_CONFIG (self), NULL);
  g_return_val_if_fail (server <= PETREL_ACCOUNT_SERVER_SMTP, NULL);

  return self->servers[server].host;
}

guint16
petrel_account_config_get_port (PetrelAccountConfig *self,
                                PetrelAccountServer  server)
{
  g_return_val_if_fail (PETREL_IS_ACCOUNT_CONFIG (self), 0);
  g_return_val_if_fail (server <= PETREL_ACCOUNT_SERVER_SMTP, 0);

  return self->servers[server].port;
}

PetrelConnectionSecurity
petrel_account_config_get_security (PetrelAccountConfig *self,
                                    PetrelAccountServer  server)
{
  g_return_val_if_fail (PETREL_IS_ACCOUNT_CONFIG (self), PETREL_CONNECTION_SECURITY_TLS);
  g_return_val_if_fail (server <= PETREL_ACCOUNT_SERVER_SMTP, PETREL_CONNECTION_SECURITY_TLS);

  return self->servers[server].security;
}

/**
 * petrel_account_config_get_login:
 * @self: a #PetrelAccountConfig
 * @server: IMAP or SMTP
 *
 * Returns: (nullable): the user name to log in to @server with: its user if set, else the
 *   email address
 */
const char *
petrel_account_config_get_login (PetrelAccountConfig *self,
                                 PetrelAccountServer  server)
{
  g_return_val_if_fail (PETREL_IS_ACCOUNT_CONFIG (self), NULL);
  g_return_val_if_fail (server <= PETREL_ACCOUNT_SERVER_SMTP, NULL);

  if (self->servers[server].user != NULL)
    return self->servers[server].user;

  return self->email_address;
}

/**
 * petrel_account_config_may_send_password:
 * @self: a #PetrelAccountConfig
 * @server: IMAP or SMTP
 * @error: return location for a #GError
 *
 * The password policy: over `tls` or `starttls` (which never falls back to plain) a password
 * may be sent; with `security=none` only when the host is loopback (`localhost`, 127.0.0.0/8,
 * `::1`; see petrel_host_is_loopback()). Protocol clients call this before any AUTHENTICATE,
 * LOGIN or AUTH on a connection that is not encrypted.
 *
 * Returns: %TRUE if allowed, else %FALSE with %PETREL_ACCOUNT_ERROR_INSECURE
 */
gboolean
petrel_account_config_may_send_password (PetrelAccountConfig  *self,
                                         PetrelAccountServer   server,
                                         GError              **error)
{
  const ServerConfig *config;

  g_return_val_if_fail (PETREL_IS_ACCOUNT_CONFIG (self), FALSE);
  g_return_val_if_fail (server <= PETREL_ACCOUNT_SERVER_SMTP, FALSE);

  config = &self->servers[server];

  if (config->security != PETREL_CONNECTION_SECURITY_NONE || petrel_host_is_loopback (config->host))
    return TRUE;

  g_set_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INSECURE,
               _("Refusing to send the %s password to %s over an unencrypted connection: "
                 "with security “none” passwords are only sent to this computer (localhost); "
                 "use tls or starttls"), server_names[server],
               config->host != NULL ? config->host : "(no host)");

  return FALSE;
}

/**
 * petrel_account_config_get_pinned_certificate:
 * @self: a #PetrelAccountConfig
 * @host: the server host, as configured
 * @port: the server port
 *
 * Returns: (nullable): the SHA-256 fingerprint (upper-case hex pairs joined by colons) of the
 *   certificate the user chose to trust for @host:@port, or %NULL
 */
const char *
petrel_account_config_get_pinned_certificate (PetrelAccountConfig *self,
                                              const char          *host,
                                              guint16              port)
{
  g_autofree char *key = NULL;

  g_return_val_if_fail (PETREL_IS_ACCOUNT_CONFIG (self), NULL);
  g_return_val_if_fail (host != NULL, NULL);

  key = make_pin_key (host, port);

  return g_hash_table_lookup (self->pins, key);
}

/**
 * petrel_account_config_pin_certificate:
 * @self: a #PetrelAccountConfig
 * @host: the server host, as configured
 * @port: the server port
 * @fingerprint: a SHA-256 fingerprint, hex pairs with or without colons, any case
 * @error: return location for a #GError
 *
 * Records the user's decision to trust exactly the certificate with @fingerprint on
 * @host:@port, replacing an earlier one. Takes effect for #PetrelTlsTrust objects made after
 * this call; persist it with petrel_account_config_save().
 *
 * Returns: %TRUE, or %FALSE with %PETREL_ACCOUNT_ERROR_INVALID_VALUE or _INVALID_HOST/_PORT
 */
gboolean
petrel_account_config_pin_certificate (PetrelAccountConfig  *self,
                                       const char           *host,
                                       guint16               port,
                                       const char           *fingerprint,
                                       GError              **error)
{
  g_autofree char *normalized = NULL;

  g_return_val_if_fail (PETREL_IS_ACCOUNT_CONFIG (self), FALSE);

  if (!petrel_account_validate_host (host, error))
    return FALSE;

  if (port == 0)
    {
      g_set_error_literal (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_PORT,
                           _("Port 0 is not valid: use a number from 1 to 65535"));
      return FALSE;
    }

  normalized = petrel_tls_fingerprint_normalize (fingerprint);
  if (normalized == NULL)
    {
      g_set_error (error, PETREL_ACCOUNT_ERROR, PETREL_ACCOUNT_ERROR_INVALID_VALUE,
                   _("“%s” is not a SHA-256 certificate fingerprint (32 hex pairs)"),
                   fingerprint != NULL && g_utf8_validate (fingerprint, -1, NULL) ? fingerprint
                                                                                 : "");
      return FALSE;
    }

  g_hash_table_replace (self->pins, make_pin_key (host, port), g_steal_pointer (&normalized));

  return TRUE;
}

/**
 * petrel_account_config_unpin_certificate:
 * @self: a #PetrelAccountConfig
 * @host: the server host
 * @port: the server port
 *
 * Forgets the pinned certificate of @host:@port.
 *
 * Returns: whether there was one
 */
gboolean
petrel_account_config_unpin_certificate (PetrelAccountConfig *self,
                                         const char          *host,
                                         guint16              port)
{
  g_autofree char *key = NULL;

  g_return_val_if_fail (PETREL_IS_ACCOUNT_CONFIG (self), FALSE);
  g_return_val_if_fail (host != NULL, FALSE);

  key = make_pin_key (host, port);

  return g_hash_table_remove (self->pins, key);
}

/**
 * petrel_account_config_dup_pinned_endpoints:
 * @self: a #PetrelAccountConfig
 *
 * Returns: (transfer full): the sorted `host:port` strings that have a pinned certificate
 *   (the port follows the last colon, so `::1:993` is host `::1`)
 */
char **
petrel_account_config_dup_pinned_endpoints (PetrelAccountConfig *self)
{
  g_autoptr(GPtrArray) keys = NULL;
  GHashTableIter iter;
  gpointer key;

  g_return_val_if_fail (PETREL_IS_ACCOUNT_CONFIG (self), NULL);

  keys = g_ptr_array_new ();
  g_hash_table_iter_init (&iter, self->pins);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (keys, g_strdup (key));

  g_ptr_array_sort (keys, compare_strings);
  g_ptr_array_add (keys, NULL);

  return (char **) g_ptr_array_free (g_steal_pointer (&keys), FALSE);
}
