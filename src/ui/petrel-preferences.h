/* petrel-preferences.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define PETREL_TYPE_PREFERENCES (petrel_preferences_get_type ())

G_DECLARE_FINAL_TYPE (PetrelPreferences, petrel_preferences, PETREL, PREFERENCES,
                      AdwPreferencesWindow)

/* The preferences of the app (GSettings) and of the accounts in @data_dir (their key files
 * and keyring entries), modal to @parent. */
PetrelPreferences *petrel_preferences_new (GtkWindow  *parent,
                                           const char *data_dir);

G_END_DECLS
