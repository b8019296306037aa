/* petrel-address-book.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "model/petrel-account.h"
#include "store/petrel-store-addresses.h"

G_BEGIN_DECLS

#define PETREL_TYPE_ADDRESS_BOOK (petrel_address_book_get_type ())

G_DECLARE_FINAL_TYPE (PetrelAddressBook, petrel_address_book, PETREL, ADDRESS_BOOK, GObject)

PetrelAddressBook *petrel_address_book_new          (void);
void               petrel_address_book_add_account  (PetrelAddressBook    *self,
                                                     PetrelAccount        *account);
void               petrel_address_book_invalidate   (PetrelAddressBook    *self);
void               petrel_address_book_query_async  (PetrelAddressBook    *self,
                                                     const char           *prefix,
                                                     guint                 limit,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
GPtrArray         *petrel_address_book_query_finish (PetrelAddressBook    *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
GPtrArray         *petrel_address_book_query        (PetrelAddressBook    *self,
                                                     const char           *prefix,
                                                     guint                 limit,
                                                     GError              **error);

G_END_DECLS
