/* petrel-sync-json.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reading the JSON payloads of queued changes and outbox items.
 */

#include "config.h"

#include "petrel-sync-private.h"

/* The UIDs in the array @name of @object (empty when there is none). */
GArray *
_petrel_json_get_uids (JsonObject *object,
                       const char *name)
{
  GArray *uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  JsonArray *array = object != NULL && json_object_has_member (object, name)
    ? json_object_get_array_member (object, name) : NULL;

  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      guint32 uid = (guint32) json_array_get_int_element (array, i);

      g_array_append_val (uids, uid);
    }
  return uids;
}

void
_petrel_json_set_uids (JsonObject *object,
                       const char *name,
                       GArray     *uids)
{
  JsonArray *array = json_array_sized_new (uids->len);

  for (guint i = 0; i < uids->len; i++)
    json_array_add_int_element (array, g_array_index (uids, guint32, i));
  json_object_set_array_member (object, name, array);
}

GStrv
_petrel_json_get_strv (JsonObject *object,
                       const char *name)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  JsonArray *array = object != NULL && json_object_has_member (object, name)
    ? json_object_get_array_member (object, name) : NULL;

  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    g_strv_builder_add (builder, json_array_get_string_element (array, i));
  return g_strv_builder_end (builder);
}

const char *
_petrel_json_get_string (JsonObject *object,
                         const char *name)
{
  return object != NULL && json_object_has_member (object, name)
    ? json_object_get_string_member (object, name) : NULL;
}
