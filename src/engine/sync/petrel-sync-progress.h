/* petrel-sync-progress.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * PetrelSyncPhase:
 * @PETREL_SYNC_PHASE_IDLE: nothing running
 * @PETREL_SYNC_PHASE_CONNECTING: opening the connection and logging in
 * @PETREL_SYNC_PHASE_REPLAYING: sending queued local changes
 * @PETREL_SYNC_PHASE_FOLDERS: bringing the folder list up to date
 * @PETREL_SYNC_PHASE_CHANGES: reading flag changes and expunges of known messages
 * @PETREL_SYNC_PHASE_HEADERS: downloading the headers of new messages
 * @PETREL_SYNC_PHASE_BODIES: downloading message bodies for offline use
 * @PETREL_SYNC_PHASE_DONE: finished
 */
typedef enum
{
  PETREL_SYNC_PHASE_IDLE,
  PETREL_SYNC_PHASE_CONNECTING,
  PETREL_SYNC_PHASE_REPLAYING,
  PETREL_SYNC_PHASE_FOLDERS,
  PETREL_SYNC_PHASE_CHANGES,
  PETREL_SYNC_PHASE_HEADERS,
  PETREL_SYNC_PHASE_BODIES,
  PETREL_SYNC_PHASE_DONE,
} PetrelSyncPhase;

#define PETREL_TYPE_SYNC_PROGRESS (petrel_sync_progress_get_type ())

G_DECLARE_FINAL_TYPE (PetrelSyncProgress, petrel_sync_progress, PETREL, SYNC_PROGRESS, GObject)

PetrelSyncProgress *petrel_sync_progress_new          (void);
PetrelSyncPhase     petrel_sync_progress_get_phase    (PetrelSyncProgress *self);
const char         *petrel_sync_progress_get_folder   (PetrelSyncProgress *self);
guint64             petrel_sync_progress_get_done     (PetrelSyncProgress *self);
guint64             petrel_sync_progress_get_total    (PetrelSyncProgress *self);
const char         *petrel_sync_phase_to_string       (PetrelSyncPhase     phase);

void                petrel_sync_progress_begin        (PetrelSyncProgress *self,
                                                       PetrelSyncPhase     phase,
                                                       const char         *folder,
                                                       guint64             total);
void                petrel_sync_progress_advance      (PetrelSyncProgress *self,
                                                       guint64             n);

G_END_DECLS
