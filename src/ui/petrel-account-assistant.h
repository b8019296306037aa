/* petrel-account-assistant.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define PETREL_TYPE_ACCOUNT_ASSISTANT (petrel_account_assistant_get_type ())

G_DECLARE_FINAL_TYPE (PetrelAccountAssistant, petrel_account_assistant, PETREL, ACCOUNT_ASSISTANT,
                      AdwWindow)

/* A window, modal to @parent, that adds an account to @data_dir. */
PetrelAccountAssistant *petrel_account_assistant_new (GtkWindow  *parent,
                                                      const char *data_dir);

G_END_DECLS
