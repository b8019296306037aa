/* petrel-composer.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The composer's window of its own (issue 9): a new message, a mailto: link, a draft opened
 * again, or an inline reply the user detached from the reading pane. The composing itself is
 * PetrelComposerWidget; the window follows its subject in the title, hides while the message
 * is being sent (Undo brings it back), and goes when the composer is done. Closing the window
 * saves what was typed as a draft first; the window hides meanwhile.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "petrel-composer.h"

struct _PetrelComposer
{
  AdwWindow             parent_instance;

  PetrelComposerWidget *composer;   /* borrowed: the window's content */
};

G_DEFINE_FINAL_TYPE (PetrelComposer, petrel_composer, ADW_TYPE_WINDOW)

static void
on_composer_title_cb (PetrelComposer *self)
{
  gtk_window_set_title (GTK_WINDOW (self), petrel_composer_widget_get_title (self->composer));
}

static void
on_composer_sending_cb (PetrelComposer *self)
{
  if (petrel_composer_widget_get_sending (self->composer))
    gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
  else
    gtk_window_present (GTK_WINDOW (self));
}

static void
on_composer_done_cb (PetrelComposer *self)
{
  gtk_window_destroy (GTK_WINDOW (self));
}

static gboolean
petrel_composer_close_request (GtkWindow *window)
{
  PetrelComposer *self = PETREL_COMPOSER (window);

  if (self->composer == NULL || petrel_composer_widget_request_close (self->composer))
    return FALSE;

  /* Saved (or sent) before the window goes; it hides at once. */
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
  return TRUE;
}

static void
petrel_composer_class_init (PetrelComposerClass *klass)
{
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  window_class->close_request = petrel_composer_close_request;
}

static void
petrel_composer_init (PetrelComposer *self)
{
  gtk_window_set_default_size (GTK_WINDOW (self), 760, 680);
  gtk_window_set_title (GTK_WINDOW (self), _("New Message"));
}

/**
 * petrel_composer_new_for_widget:
 * @window: the main window
 * @composer: a composer that has no parent (a new one, or one taken out of the reading pane)
 *
 * Returns: (transfer full): a window showing @composer, with everything it holds
 */
PetrelComposer *
petrel_composer_new_for_widget (PetrelWindow         *window,
                                PetrelComposerWidget *composer)
{
  PetrelComposer *self;

  g_return_val_if_fail (PETREL_IS_WINDOW (window), NULL);
  g_return_val_if_fail (PETREL_IS_COMPOSER_WIDGET (composer), NULL);
  g_return_val_if_fail (gtk_widget_get_parent (GTK_WIDGET (composer)) == NULL, NULL);

  self = g_object_new (PETREL_TYPE_COMPOSER,
                       "application", gtk_window_get_application (GTK_WINDOW (window)),
                       NULL);
  self->composer = composer;
  petrel_composer_widget_set_inline (composer, FALSE);
  adw_window_set_content (ADW_WINDOW (self), GTK_WIDGET (composer));
  g_signal_connect_object (composer, "notify::title", G_CALLBACK (on_composer_title_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (composer, "notify::sending", G_CALLBACK (on_composer_sending_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (composer, "done", G_CALLBACK (on_composer_done_cb), self,
                           G_CONNECT_SWAPPED);
  on_composer_title_cb (self);

  return self;
}

/**
 * petrel_composer_new:
 * @window: the main window (its accounts, and where toasts about sending go)
 * @account: (nullable): the account to write from; the first otherwise
 *
 * Returns: (transfer full): a new window with an empty composer
 */
PetrelComposer *
petrel_composer_new (PetrelWindow  *window,
                     PetrelAccount *account)
{
  g_return_val_if_fail (PETREL_IS_WINDOW (window), NULL);

  return petrel_composer_new_for_widget (window, petrel_composer_widget_new (window, account));
}

/**
 * petrel_composer_get_composer:
 *
 * Returns: (transfer none): the composer the window shows
 */
PetrelComposerWidget *
petrel_composer_get_composer (PetrelComposer *self)
{
  g_return_val_if_fail (PETREL_IS_COMPOSER (self), NULL);

  return self->composer;
}

/* See petrel_composer_widget_set_mailto(). */
void
petrel_composer_set_mailto (PetrelComposer     *self,
                            const PetrelMailto *mailto)
{
  g_return_if_fail (PETREL_IS_COMPOSER (self));

  petrel_composer_widget_set_mailto (self->composer, mailto);
}

/* See petrel_composer_widget_start_reply(). */
void
petrel_composer_start_reply (PetrelComposer      *self,
                             PetrelMessage       *original,
                             PetrelMimeReplyMode  mode)
{
  g_return_if_fail (PETREL_IS_COMPOSER (self));

  petrel_composer_widget_start_reply (self->composer, original, mode);
}

/* See petrel_composer_widget_open_draft(). */
void
petrel_composer_open_draft (PetrelComposer *self,
                            PetrelMessage  *draft)
{
  g_return_if_fail (PETREL_IS_COMPOSER (self));

  petrel_composer_widget_open_draft (self->composer, draft);
}
