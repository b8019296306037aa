/* petrel-outbox-private.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "imap/petrel-imap-client.h"
#include "model/petrel-account.h"

G_BEGIN_DECLS

/* Both block on the calling thread's @context (see petrel-sync.c). */
gboolean _petrel_outbox_submit    (PetrelAccount     *account,
                                   PetrelStore       *store,
                                   GMainContext      *context,
                                   GCancellable      *cancellable,
                                   guint             *out_sent,
                                   guint             *out_failed,
                                   GError           **error);
gboolean _petrel_outbox_save_sent (PetrelStore       *store,
                                   PetrelImapClient  *client,
                                   GMainContext      *context,
                                   GCancellable      *cancellable,
                                   GError           **error);

gboolean _petrel_drafts_upload     (PetrelStore       *store,
                                   PetrelImapClient  *client,
                                   GMainContext      *context,
                                   GCancellable      *cancellable,
                                   GError           **error);

G_END_DECLS
