/* petrel-sync-progress.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * How far a sync has come: the phase, the folder and done/total. The CLI draws its bar from
 * it and the UI binds to its properties. Updated on the main context only.
 */

#include "config.h"

#include "petrel-sync-progress.h"

struct _PetrelSyncProgress
{
  GObject          parent_instance;

  PetrelSyncPhase  phase;
  char            *folder;   /* owned, nullable */
  guint64          done;
  guint64          total;
};

G_DEFINE_FINAL_TYPE (PetrelSyncProgress, petrel_sync_progress, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PHASE,
  PROP_FOLDER,
  PROP_DONE,
  PROP_TOTAL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
petrel_sync_progress_finalize (GObject *object)
{
  PetrelSyncProgress *self = PETREL_SYNC_PROGRESS (object);

  g_clear_pointer (&self->folder, g_free);

  G_OBJECT_CLASS (petrel_sync_progress_parent_class)->finalize (object);
}

static void
petrel_sync_progress_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  PetrelSyncProgress *self = PETREL_SYNC_PROGRESS (object);

  switch (prop_id)
    {
    case PROP_PHASE:
      g_value_set_int (value, self->phase);
      break;
    case PROP_FOLDER:
      g_value_set_string (value, self->folder);
      break;
    case PROP_DONE:
      g_value_set_uint64 (value, self->done);
      break;
    case PROP_TOTAL:
      g_value_set_uint64 (value, self->total);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
petrel_sync_progress_class_init (PetrelSyncProgressClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = petrel_sync_progress_finalize;
  object_class->get_property = petrel_sync_progress_get_property;

  properties[PROP_PHASE] =
    g_param_spec_int ("phase", NULL, NULL,
                      PETREL_SYNC_PHASE_IDLE, PETREL_SYNC_PHASE_DONE, PETREL_SYNC_PHASE_IDLE,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FOLDER] =
    g_param_spec_string ("folder", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DONE] =
    g_param_spec_uint64 ("done", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TOTAL] =
    g_param_spec_uint64 ("total", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
petrel_sync_progress_init (PetrelSyncProgress *self)
{
}

PetrelSyncProgress *
petrel_sync_progress_new (void)
{
  return g_object_new (PETREL_TYPE_SYNC_PROGRESS, NULL);
}

PetrelSyncPhase
petrel_sync_progress_get_phase (PetrelSyncProgress *self)
{
  g_return_val_if_fail (PETREL_IS_SYNC_PROGRESS (self), PETREL_SYNC_PHASE_IDLE);
  return self->phase;
}

const char *
petrel_sync_progress_get_folder (PetrelSyncProgress *self)
{
  g_return_val_if_fail (PETREL_IS_SYNC_PROGRESS (self), NULL);
  return self->folder;
}

guint64
petrel_sync_progress_get_done (PetrelSyncProgress *self)
{
  g_return_val_if_fail (PETREL_IS_SYNC_PROGRESS (self), 0);
  return self->done;
}

guint64
petrel_sync_progress_get_total (PetrelSyncProgress *self)
{
  g_return_val_if_fail (PETREL_IS_SYNC_PROGRESS (self), 0);
  return self->total;
}

const char *
petrel_sync_phase_to_string (PetrelSyncPhase phase)
{
  switch (phase)
    {
    case PETREL_SYNC_PHASE_IDLE: return "idle";
    case PETREL_SYNC_PHASE_CONNECTING: return "connecting";
    case PETREL_SYNC_PHASE_REPLAYING: return "replaying";
    case PETREL_SYNC_PHASE_FOLDERS: return "folders";
    case PETREL_SYNC_PHASE_CHANGES: return "changes";
    case PETREL_SYNC_PHASE_HEADERS: return "headers";
    case PETREL_SYNC_PHASE_BODIES: return "bodies";
    case PETREL_SYNC_PHASE_DONE: return "done";
    default: return "unknown";
    }
}

void
petrel_sync_progress_begin (PetrelSyncProgress *self,
                            PetrelSyncPhase     phase,
                            const char         *folder,
                            guint64             total)
{
  g_return_if_fail (PETREL_IS_SYNC_PROGRESS (self));

  g_object_freeze_notify (G_OBJECT (self));
  if (self->phase != phase)
    {
      self->phase = phase;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PHASE]);
    }
  if (g_strcmp0 (self->folder, folder) != 0)
    {
      g_free (self->folder);
      self->folder = g_strdup (folder);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLDER]);
    }
  if (self->total != total)
    {
      self->total = total;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOTAL]);
    }
  if (self->done != 0)
    {
      self->done = 0;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DONE]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

void
petrel_sync_progress_advance (PetrelSyncProgress *self,
                              guint64             n)
{
  g_return_if_fail (PETREL_IS_SYNC_PROGRESS (self));

  if (n == 0)
    return;
  self->done += n;
  if (self->total < self->done)
    {
      self->total = self->done;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOTAL]);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DONE]);
}
