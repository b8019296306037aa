/* petrel-window.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "petrel-application.h"

G_BEGIN_DECLS

#define PETREL_TYPE_WINDOW (petrel_window_get_type ())

G_DECLARE_FINAL_TYPE (PetrelWindow, petrel_window, PETREL, WINDOW, AdwApplicationWindow)

PetrelWindow *petrel_window_new (PetrelApplication *application);

G_END_DECLS
