/* petrel-folder.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One folder of an account as the front ends see it: names, role, counts and its subfolders.
 * The counts are the cache's; PetrelFolderList updates them in place when it re-reads the store
 * so that bound widgets follow without the list changing.
 */

#include "config.h"

#include <string.h>

#include "petrel-model-private.h"
#include "petrel-folder.h"

struct _PetrelFolder
{
  GObject                parent_instance;

  PetrelAccount         *account;        /* owned */
  gint64                 id;
  char                  *path;           /* owned */
  char                  *delimiter;      /* owned, nullable */
  char                  *display_name;   /* owned */
  PetrelStoreFolderRole  role;
  guint                  total;
  guint                  unread;
  GListStore            *children;       /* owned; PetrelFolder */
};

G_DEFINE_FINAL_TYPE (PetrelFolder, petrel_folder, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ACCOUNT,
  PROP_PATH,
  PROP_DISPLAY_NAME,
  PROP_ROLE,
  PROP_ICON_NAME,
  PROP_TOTAL,
  PROP_UNREAD,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The last component of @path; the whole path for a flat namespace. */
static char *
dup_display_name (const char *path,
                  const char *delimiter)
{
  const char *last = path;

  if (delimiter != NULL && *delimiter != '\0')
    {
      const char *found = g_strrstr (path, delimiter);

      if (found != NULL && found[strlen (delimiter)] != '\0')
        last = found + strlen (delimiter);
    }

  /* INBOX is the one name IMAP fixes; show it the way people write it. */
  if (last == path && g_ascii_strcasecmp (path, "INBOX") == 0)
    return g_strdup ("Inbox");

  return g_strdup (last);
}

static void
petrel_folder_dispose (GObject *object)
{
  PetrelFolder *self = PETREL_FOLDER (object);

  g_clear_object (&self->children);
  g_clear_object (&self->account);

  G_OBJECT_CLASS (petrel_folder_parent_class)->dispose (object);
}

static void
petrel_folder_finalize (GObject *object)
{
  PetrelFolder *self = PETREL_FOLDER (object);

  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->delimiter, g_free);
  g_clear_pointer (&self->display_name, g_free);

  G_OBJECT_CLASS (petrel_folder_parent_class)->finalize (object);
}

static void
petrel_folder_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  PetrelFolder *self = PETREL_FOLDER (object);

  switch (prop_id)
    {
    case PROP_ACCOUNT:
      g_value_set_object (value, self->account);
      break;
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case PROP_DISPLAY_NAME:
      g_value_set_string (value, self->display_name);
      break;
    case PROP_ROLE:
      g_value_set_string (value, petrel_store_folder_role_to_string (self->role));
      break;
    case PROP_ICON_NAME:
      g_value_set_string (value, petrel_folder_get_icon_name (self));
      break;
    case PROP_TOTAL:
      g_value_set_uint (value, self->total);
      break;
    case PROP_UNREAD:
      g_value_set_uint (value, self->unread);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
petrel_folder_class_init (PetrelFolderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = petrel_folder_dispose;
  object_class->finalize = petrel_folder_finalize;
  object_class->get_property = petrel_folder_get_property;

  properties[PROP_ACCOUNT] =
    g_param_spec_object ("account", NULL, NULL, PETREL_TYPE_ACCOUNT,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_DISPLAY_NAME] =
    g_param_spec_string ("display-name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /* "inbox", "sent", … or NULL, as in petrel_store_folder_role_to_string(). */
  properties[PROP_ROLE] =
    g_param_spec_string ("role", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ICON_NAME] =
    g_param_spec_string ("icon-name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TOTAL] =
    g_param_spec_uint ("total", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_UNREAD] =
    g_param_spec_uint ("unread", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
petrel_folder_init (PetrelFolder *self)
{
  self->children = g_list_store_new (PETREL_TYPE_FOLDER);
}

/**
 * petrel_folder_new:
 * @account: the account the folder belongs to
 * @row: the folder as the store lists it
 */
PetrelFolder *
petrel_folder_new (PetrelAccount           *account,
                   const PetrelStoreFolder *row)
{
  PetrelFolder *self;

  g_return_val_if_fail (PETREL_IS_ACCOUNT (account), NULL);
  g_return_val_if_fail (row != NULL && row->path != NULL, NULL);

  self = g_object_new (PETREL_TYPE_FOLDER, NULL);
  self->account = g_object_ref (account);
  self->id = row->id;
  self->path = g_strdup (row->path);
  self->delimiter = g_strdup (row->delimiter);
  self->display_name = dup_display_name (row->path, row->delimiter);
  self->role = row->role;
  self->total = row->total;
  self->unread = row->unread;

  return self;
}

/**
 * petrel_folder_update:
 * @row: the same folder (same path), read again
 *
 * Takes the role and counts of @row, notifying what changed.
 */
void
petrel_folder_update (PetrelFolder            *self,
                      const PetrelStoreFolder *row)
{
  g_return_if_fail (PETREL_IS_FOLDER (self));
  g_return_if_fail (row != NULL);

  g_object_freeze_notify (G_OBJECT (self));

  self->id = row->id;

  if (self->role != row->role)
    {
      self->role = row->role;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ROLE]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ICON_NAME]);
    }

  if (self->total != row->total)
    {
      self->total = row->total;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOTAL]);
    }

  if (self->unread != row->unread)
    {
      self->unread = row->unread;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNREAD]);
    }

  g_object_thaw_notify (G_OBJECT (self));
}

PetrelAccount *
petrel_folder_get_account (PetrelFolder *self)
{
  g_return_val_if_fail (PETREL_IS_FOLDER (self), NULL);

  return self->account;
}

/* The store's row id; stable while the folder exists. */
gint64
petrel_folder_get_id (PetrelFolder *self)
{
  g_return_val_if_fail (PETREL_IS_FOLDER (self), 0);

  return self->id;
}

const char *
petrel_folder_get_path (PetrelFolder *self)
{
  g_return_val_if_fail (PETREL_IS_FOLDER (self), NULL);

  return self->path;
}

const char *
petrel_folder_get_delimiter (PetrelFolder *self)
{
  g_return_val_if_fail (PETREL_IS_FOLDER (self), NULL);

  return self->delimiter;
}

/* The last component of the path ("Inbox" for INBOX); the front end translates role names
 * if it wants to. */
const char *
petrel_folder_get_display_name (PetrelFolder *self)
{
  g_return_val_if_fail (PETREL_IS_FOLDER (self), NULL);

  return self->display_name;
}

PetrelStoreFolderRole
petrel_folder_get_role (PetrelFolder *self)
{
  g_return_val_if_fail (PETREL_IS_FOLDER (self), PETREL_STORE_FOLDER_ROLE_NONE);

  return self->role;
}

const char *
petrel_folder_get_icon_name (PetrelFolder *self)
{
  g_return_val_if_fail (PETREL_IS_FOLDER (self), NULL);

  return petrel_folder_role_get_icon_name (self->role);
}

guint
petrel_folder_get_total (PetrelFolder *self)
{
  g_return_val_if_fail (PETREL_IS_FOLDER (self), 0);

  return self->total;
}

guint
petrel_folder_get_unread (PetrelFolder *self)
{
  g_return_val_if_fail (PETREL_IS_FOLDER (self), 0);

  return self->unread;
}

/**
 * petrel_folder_get_children:
 *
 * Returns: (transfer none): the subfolders, a #GListModel of #PetrelFolder sorted by name
 */
GListModel *
petrel_folder_get_children (PetrelFolder *self)
{
  g_return_val_if_fail (PETREL_IS_FOLDER (self), NULL);

  return G_LIST_MODEL (self->children);
}

GListStore *
_petrel_folder_get_children_store (PetrelFolder *self)
{
  return self->children;
}

/**
 * petrel_folder_role_get_icon_name:
 *
 * Returns: the symbolic icon name for folders of @role. `mail-inbox-symbolic` and
 * `mail-archive-symbolic` are not in every icon theme: the app ships its own copies.
 */
const char *
petrel_folder_role_get_icon_name (PetrelStoreFolderRole role)
{
  switch (role)
    {
    case PETREL_STORE_FOLDER_ROLE_INBOX:
      return "mail-inbox-symbolic";
    case PETREL_STORE_FOLDER_ROLE_SENT:
      return "mail-send-symbolic";
    case PETREL_STORE_FOLDER_ROLE_DRAFTS:
      return "document-edit-symbolic";
    case PETREL_STORE_FOLDER_ROLE_TRASH:
      return "user-trash-symbolic";
    case PETREL_STORE_FOLDER_ROLE_JUNK:
      return "mail-mark-junk-symbolic";
    case PETREL_STORE_FOLDER_ROLE_ARCHIVE:
      return "mail-archive-symbolic";
    case PETREL_STORE_FOLDER_ROLE_NONE:
    default:
      return "folder-symbolic";
    }
}
