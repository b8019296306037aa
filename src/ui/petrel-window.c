/* petrel-window.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "petrel-window.h"

struct _PetrelWindow
{
  AdwApplicationWindow  parent_instance;

  /* template children, borrowed */
  AdwStatusPage        *empty_page;

  GCancellable         *cancellable;   /* owned; cancelled when the window closes */
};

G_DEFINE_FINAL_TYPE (PetrelWindow, petrel_window, ADW_TYPE_APPLICATION_WINDOW)

static gboolean
petrel_window_close_request (GtkWindow *window)
{
  PetrelWindow *self = PETREL_WINDOW (window);

  g_cancellable_cancel (self->cancellable);

  return GTK_WINDOW_CLASS (petrel_window_parent_class)->close_request (window);
}

static void
petrel_window_dispose (GObject *object)
{
  PetrelWindow *self = PETREL_WINDOW (object);

  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (petrel_window_parent_class)->dispose (object);
}

static void
petrel_window_class_init (PetrelWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = petrel_window_dispose;
  window_class->close_request = petrel_window_close_request;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/petrelmail/Petrel/ui/petrel-window.ui");
  gtk_widget_class_bind_template_child (widget_class, PetrelWindow, empty_page);
}

static void
petrel_window_init (PetrelWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
}

PetrelWindow *
petrel_window_new (PetrelApplication *application)
{
  g_return_val_if_fail (PETREL_IS_APPLICATION (application), NULL);

  return g_object_new (PETREL_TYPE_WINDOW,
                       "application", application,
                       NULL);
}
