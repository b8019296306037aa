/* petrel-sidebar-row.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One row of the sidebar: an account (name, what its sync is doing, a warning button with the
 * reason that retries a failed sync) or a folder (icon, name, unread count).
 */

#include "config.h"

#include <glib/gi18n.h>

#include "petrel-account-state.h"
#include "petrel-ui-util.h"

#include "petrel-sidebar-row.h"

struct _PetrelSidebarRow
{
  GtkWidget   parent_instance;

  /* template children, borrowed */
  GtkWidget  *box;
  GtkImage   *icon;
  GtkLabel   *title;
  GtkLabel   *status;
  GtkSpinner *spinner;
  GtkButton  *retry_button;
  GtkLabel   *count;

  GObject    *item;   /* owned: a PetrelAccountState, a PetrelFolder or a PetrelAllInboxes */
};

G_DEFINE_FINAL_TYPE (PetrelSidebarRow, petrel_sidebar_row, GTK_TYPE_WIDGET)

/* All Inboxes */

struct _PetrelAllInboxes
{
  GObject parent_instance;

  guint   unread;
};

G_DEFINE_FINAL_TYPE (PetrelAllInboxes, petrel_all_inboxes, G_TYPE_OBJECT)

enum {
  ALL_PROP_0,
  ALL_PROP_UNREAD,
  ALL_N_PROPS
};

static GParamSpec *all_properties[ALL_N_PROPS];

static void
petrel_all_inboxes_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  switch (prop_id)
    {
    case ALL_PROP_UNREAD:
      g_value_set_uint (value, PETREL_ALL_INBOXES (object)->unread);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
petrel_all_inboxes_class_init (PetrelAllInboxesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = petrel_all_inboxes_get_property;
  all_properties[ALL_PROP_UNREAD] =
    g_param_spec_uint ("unread", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, ALL_N_PROPS, all_properties);
}

static void
petrel_all_inboxes_init (PetrelAllInboxes *self)
{
}

PetrelAllInboxes *
petrel_all_inboxes_new (void)
{
  return g_object_new (PETREL_TYPE_ALL_INBOXES, NULL);
}

guint
petrel_all_inboxes_get_unread (PetrelAllInboxes *self)
{
  g_return_val_if_fail (PETREL_IS_ALL_INBOXES (self), 0);

  return self->unread;
}

void
petrel_all_inboxes_set_unread (PetrelAllInboxes *self,
                               guint             unread)
{
  g_return_if_fail (PETREL_IS_ALL_INBOXES (self));

  if (self->unread == unread)
    return;
  self->unread = unread;
  g_object_notify_by_pspec (G_OBJECT (self), all_properties[ALL_PROP_UNREAD]);
}

static void
update_account (PetrelSidebarRow   *self,
                PetrelAccountState *state)
{
  const char *status = petrel_account_state_get_status (state);
  const char *error = petrel_account_state_get_error (state);
  gboolean syncing = petrel_account_state_get_syncing (state);

  gtk_label_set_label (self->title, petrel_account_state_get_title (state));
  /* Named as shown; GTK 4.8 would say "PetrelSidebarRow" (#11). */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  petrel_account_state_get_title (state), -1);

  if (petrel_account_state_get_demo (state))
    status = _("Sample messages, offline");
  else if (error != NULL && !syncing)
    status = error;
  gtk_label_set_label (self->status, status);
  gtk_widget_set_visible (GTK_WIDGET (self->status), status != NULL && *status != '\0');
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->status),
                               status != NULL && *status != '\0' ? status : NULL);

  gtk_widget_set_visible (GTK_WIDGET (self->spinner), syncing);
  gtk_spinner_set_spinning (self->spinner, syncing);
  if (syncing)
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->spinner),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, _("Syncing"), -1);

  gtk_widget_set_visible (GTK_WIDGET (self->retry_button), error != NULL && !syncing);
  if (error != NULL)
    {
      g_autofree char *tooltip = g_strdup_printf (_("Sync failed: %s\nClick to try again."),
                                                  error);

      gtk_widget_set_tooltip_text (GTK_WIDGET (self->retry_button), tooltip);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->retry_button),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, _("Retry Sync"),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, tooltip, -1);
    }
}

static void
update_folder (PetrelSidebarRow *self,
               PetrelFolder     *folder)
{
  PetrelStoreFolderRole role = petrel_folder_get_role (folder);
  guint unread = petrel_folder_get_unread (folder);
  /* Unread mail in Trash or Junk is not mail waiting to be read. */
  gboolean show_count = unread > 0 && role != PETREL_STORE_FOLDER_ROLE_TRASH &&
                        role != PETREL_STORE_FOLDER_ROLE_JUNK;

  gtk_image_set_from_icon_name (self->icon, petrel_folder_get_icon_name (folder));
  gtk_label_set_label (self->title, petrel_folder_get_label (folder));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  petrel_folder_get_label (folder), -1);

  gtk_widget_set_visible (GTK_WIDGET (self->count), show_count);
  if (show_count)
    {
      g_autofree char *text = g_strdup_printf ("%u", unread);
      g_autofree char *description = NULL;

      /* Translators: the accessible description of a folder's unread count */
      description = g_strdup_printf (ngettext ("%u unread message", "%u unread messages",
                                               unread), unread);
      gtk_label_set_label (self->count, text);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->count),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, description, -1);
    }
}

static void
update_all_inboxes (PetrelSidebarRow *self,
                    PetrelAllInboxes *all)
{
  guint unread = petrel_all_inboxes_get_unread (all);

  gtk_image_set_from_icon_name (self->icon, "mail-inbox-symbolic");
  gtk_label_set_label (self->title, _("All Inboxes"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("All Inboxes"), -1);
  gtk_widget_set_visible (GTK_WIDGET (self->count), unread > 0);
  if (unread > 0)
    {
      g_autofree char *text = g_strdup_printf ("%u", unread);
      g_autofree char *description = g_strdup_printf (ngettext ("%u unread message",
                                                                "%u unread messages", unread),
                                                      unread);

      gtk_label_set_label (self->count, text);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->count),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, description, -1);
    }
}

static void
update (PetrelSidebarRow *self)
{
  if (PETREL_IS_ALL_INBOXES (self->item))
    update_all_inboxes (self, PETREL_ALL_INBOXES (self->item));
  else
  if (PETREL_IS_ACCOUNT_STATE (self->item))
    update_account (self, PETREL_ACCOUNT_STATE (self->item));
  else if (PETREL_IS_FOLDER (self->item))
    update_folder (self, PETREL_FOLDER (self->item));
}

static void
on_item_notify_cb (GObject          *item,
                   GParamSpec       *pspec,
                   PetrelSidebarRow *self)
{
  update (self);
}

static void
petrel_sidebar_row_dispose (GObject *object)
{
  PetrelSidebarRow *self = PETREL_SIDEBAR_ROW (object);

  petrel_sidebar_row_set_item (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), PETREL_TYPE_SIDEBAR_ROW);

  G_OBJECT_CLASS (petrel_sidebar_row_parent_class)->dispose (object);
}

static void
petrel_sidebar_row_class_init (PetrelSidebarRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = petrel_sidebar_row_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/petrelmail/Petrel/ui/petrel-sidebar-row.ui");
  gtk_widget_class_bind_template_child (widget_class, PetrelSidebarRow, box);
  gtk_widget_class_bind_template_child (widget_class, PetrelSidebarRow, icon);
  gtk_widget_class_bind_template_child (widget_class, PetrelSidebarRow, title);
  gtk_widget_class_bind_template_child (widget_class, PetrelSidebarRow, status);
  gtk_widget_class_bind_template_child (widget_class, PetrelSidebarRow, spinner);
  gtk_widget_class_bind_template_child (widget_class, PetrelSidebarRow, retry_button);
  gtk_widget_class_bind_template_child (widget_class, PetrelSidebarRow, count);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "sidebarrow");
}

static void
petrel_sidebar_row_init (PetrelSidebarRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
petrel_sidebar_row_new (void)
{
  return g_object_new (PETREL_TYPE_SIDEBAR_ROW, NULL);
}

/**
 * petrel_sidebar_row_set_item:
 * @item: (nullable): a #PetrelAccountState or a #PetrelFolder
 *
 * Shows @item and follows its changes until another item is set.
 */
void
petrel_sidebar_row_set_item (PetrelSidebarRow *self,
                             GObject          *item)
{
  gboolean is_account;

  g_return_if_fail (PETREL_IS_SIDEBAR_ROW (self));
  g_return_if_fail (item == NULL || PETREL_IS_ACCOUNT_STATE (item) || PETREL_IS_FOLDER (item) ||
                    PETREL_IS_ALL_INBOXES (item));

  if (self->item == item)
    return;

  if (self->item != NULL)
    g_signal_handlers_disconnect_by_func (self->item, on_item_notify_cb, self);
  g_set_object (&self->item, item);
  if (item == NULL)
    return;

  g_signal_connect_object (item, "notify", G_CALLBACK (on_item_notify_cb), self, 0);

  is_account = PETREL_IS_ACCOUNT_STATE (item);
  gtk_widget_set_visible (GTK_WIDGET (self->icon), !is_account);
  gtk_widget_set_visible (GTK_WIDGET (self->count), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->status), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->retry_button), FALSE);

  if (is_account)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self), "account");
      gtk_widget_add_css_class (GTK_WIDGET (self->title), "heading");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (self->retry_button), "s",
                                        petrel_account_get_id (
                                          petrel_account_state_get_account (
                                            PETREL_ACCOUNT_STATE (item))));
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->retry_button), "win.sync-account");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self), "account");
      gtk_widget_remove_css_class (GTK_WIDGET (self->title), "heading");
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->retry_button), NULL);
    }

  update (self);
}
