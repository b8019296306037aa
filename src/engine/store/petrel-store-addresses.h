/* petrel-store-addresses.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "store/petrel-store.h"

G_BEGIN_DECLS

#define PETREL_TYPE_STORE_ADDRESS (petrel_store_address_get_type ())

/**
 * PetrelStoreAddress:
 * @name: (nullable): the display name last seen with the address
 * @address: the address as seen (compared without case)
 * @sent_count: how many messages in Sent went to it (To or Cc)
 * @seen_count: how many messages elsewhere came from it
 * @last_sent: the date of the newest of those sent messages (unix time), 0 if none
 * @last_seen: the date of the newest message from it, 0 if none
 * @score: the rank: what the user wrote to counts most, and recent more than old
 *
 * One correspondent, for address completion.
 */
typedef struct
{
  char   *name;
  char   *address;
  guint   sent_count;
  guint   seen_count;
  gint64  last_sent;
  gint64  last_seen;
  double  score;
} PetrelStoreAddress;

GType               petrel_store_address_get_type    (void) G_GNUC_CONST;
PetrelStoreAddress *petrel_store_address_copy        (const PetrelStoreAddress *self);
void                petrel_store_address_free        (PetrelStoreAddress       *self);

GPtrArray          *petrel_store_list_addresses      (PetrelStore              *self,
                                                      gint64                    now,
                                                      GError                  **error);
GPtrArray          *petrel_store_match_addresses     (GPtrArray                *ranked,
                                                      const char               *prefix,
                                                      guint                     limit);
GPtrArray          *petrel_store_complete_addresses  (PetrelStore              *self,
                                                      const char               *prefix,
                                                      guint                     limit,
                                                      GError                  **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PetrelStoreAddress, petrel_store_address_free)

G_END_DECLS
