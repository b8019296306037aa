/* petrel-application.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define PETREL_TYPE_APPLICATION (petrel_application_get_type ())

G_DECLARE_FINAL_TYPE (PetrelApplication, petrel_application, PETREL, APPLICATION, AdwApplication)

PetrelApplication *petrel_application_new           (void);
const char        *petrel_application_get_data_dir  (PetrelApplication *self);
const char        *petrel_application_get_demo_dir  (PetrelApplication *self);
gint64             petrel_application_get_start_time (PetrelApplication *self);
void               petrel_application_request_background (PetrelApplication *self);

G_END_DECLS
