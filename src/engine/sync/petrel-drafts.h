/* petrel-drafts.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "model/petrel-account.h"

G_BEGIN_DECLS

/*
 * Drafts live in the store (the outbox table, state "draft") the moment they are saved, so a
 * crash never loses one, and are copied to the server's Drafts folder by the next sync (or
 * petrel_drafts_upload()). Every version of a draft keeps the draft's Message-ID; an upload
 * appends the new version and then removes every older copy with that Message-ID, so the
 * server never keeps two (an upload cut in between is finished by the next one).
 */

/* Saves @message as a draft. @replace: the id of the draft it is a new version of, or 0.
 * Returns the new draft's id (0 and @error on failure). */
gint64     petrel_drafts_save   (PetrelAccount       *account,
                                 gint64               replace,
                                 GBytes              *message,
                                 const char          *subject,
                                 const char          *envelope_from,
                                 const char * const  *recipients,
                                 GError             **error);
/* Moves the draft to the outbox (it is then sent like any message) and removes it from
 * Drafts. Returns the outbox item's id. */
gint64     petrel_drafts_send   (PetrelAccount       *account,
                                 gint64               id,
                                 GError             **error);
char      *petrel_drafts_item_dup_message_id (const PetrelStoreOutboxItem *item);
GPtrArray *petrel_drafts_list   (PetrelAccount  *account,
                                 GError        **error);
/* Forgets the draft here and, at the next upload, on the server. */
gboolean   petrel_drafts_delete (PetrelAccount  *account,
                                 gint64          id,
                                 GError        **error);
/* Blocking: copies drafts to the server's Drafts folder and removes deleted ones there. */
gboolean   petrel_drafts_upload (PetrelAccount  *account,
                                 GCancellable   *cancellable,
                                 GError        **error);

G_END_DECLS
