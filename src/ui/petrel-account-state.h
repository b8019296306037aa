/* petrel-account-state.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "petrel-engine.h"
#include "model/petrel-folder-list.h"

G_BEGIN_DECLS

#define PETREL_TYPE_ACCOUNT_STATE (petrel_account_state_get_type ())

G_DECLARE_FINAL_TYPE (PetrelAccountState, petrel_account_state, PETREL, ACCOUNT_STATE, GObject)

PetrelAccountState *petrel_account_state_new          (PetrelAccount      *account);
PetrelAccount      *petrel_account_state_get_account  (PetrelAccountState *self);
PetrelFolderList   *petrel_account_state_get_folders  (PetrelAccountState *self);
const char         *petrel_account_state_get_title    (PetrelAccountState *self);
gboolean            petrel_account_state_get_demo     (PetrelAccountState *self);
gboolean            petrel_account_state_get_syncing  (PetrelAccountState *self);
const char         *petrel_account_state_get_status   (PetrelAccountState *self);
const char         *petrel_account_state_get_error    (PetrelAccountState *self);
double              petrel_account_state_get_fraction (PetrelAccountState *self);
void                petrel_account_state_refresh      (PetrelAccountState *self);
gboolean            petrel_account_state_sync         (PetrelAccountState *self,
                                                       GCancellable       *cancellable);

G_END_DECLS
