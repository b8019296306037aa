/* petrel-mime-address.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define PETREL_TYPE_MIME_ADDRESS (petrel_mime_address_get_type ())

/**
 * PetrelMimeAddress:
 * @name: (nullable): the display name, decoded to UTF-8; %NULL when there is none
 * @address: the address, UTF-8 (an internationalised domain is shown in Unicode); never
 *   %NULL, but may be empty or lack a domain when the header was damaged
 *
 * One mailbox of an address header, ready to show.
 */
typedef struct
{
  char *name;
  char *address;
} PetrelMimeAddress;

GType               petrel_mime_address_get_type          (void) G_GNUC_CONST;
PetrelMimeAddress  *petrel_mime_address_new               (const char              *name,
                                                           const char              *address);
PetrelMimeAddress  *petrel_mime_address_copy              (const PetrelMimeAddress *self);
void                petrel_mime_address_free              (PetrelMimeAddress       *self);
char               *petrel_mime_address_to_display        (const PetrelMimeAddress *self);
PetrelMimeAddress  *petrel_mime_address_new_from_envelope (const char              *name,
                                                           const char              *mailbox,
                                                           const char              *host);
gboolean            petrel_mime_address_validate          (const char              *address,
                                                           char                   **ascii_address,
                                                           GError                 **error);

GPtrArray          *petrel_mime_address_list_parse        (const char              *raw);
char               *petrel_mime_address_list_to_display   (GPtrArray               *list);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PetrelMimeAddress, petrel_mime_address_free)

G_END_DECLS
