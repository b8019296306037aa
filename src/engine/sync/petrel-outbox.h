/* petrel-outbox.h
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
 * The outbox: a message is saved in the store before anything goes on the wire, then sent,
 * then appended to Sent; "sent" and "saved to Sent" are recorded separately so neither step
 * repeats. Item states:
 *   queued     waiting (for the undo-send delay, or for the network)
 *   sending    being submitted; found so after a crash it becomes "uncertain"
 *   sent       the server took it; the copy in Sent is still to be made
 *   done       sent and saved to Sent
 *   failed     refused for good (the reason is kept); `outbox retry` queues it again
 *   uncertain  the connection was lost after the whole message went out: it may have been
 *              delivered, so it is never resent on its own (`outbox retry` does, if asked)
 */

/* Saves @message for sending. @not_before: unix time before which it is not sent (the
 * undo-send delay); 0 for at once. Returns the item's id, or 0 with @error set. */
gint64     petrel_outbox_queue      (PetrelAccount       *account,
                                     GBytes              *message,
                                     const char          *envelope_from,
                                     const char * const  *recipients,
                                     const char          *subject,
                                     gint64               not_before,
                                     GError             **error);

GPtrArray *petrel_outbox_list       (PetrelAccount       *account,
                                     GError             **error);
gboolean   petrel_outbox_cancel     (PetrelAccount       *account,
                                     gint64               id,
                                     GError             **error);
gboolean   petrel_outbox_retry      (PetrelAccount       *account,
                                     gint64               id,
                                     GError             **error);

/* The parts of an item's recipients column (a JSON object). */
char      *petrel_outbox_item_dup_from        (const PetrelStoreOutboxItem *item);
GStrv      petrel_outbox_item_dup_recipients  (const PetrelStoreOutboxItem *item);
GStrv      petrel_outbox_item_dup_refused     (const PetrelStoreOutboxItem *item);
gint64     petrel_outbox_item_get_not_before  (const PetrelStoreOutboxItem *item);
/* After a transient failure (4xx, server unreachable or silent), a queued item waits until
 * next_try (unix time; 0 when not waiting); backoff counts such failures in a row. The
 * delays are 1, 2, 5, 10, then 30 minutes; `outbox retry` (petrel_outbox_retry()) clears
 * them so the item goes at once. */
gint64     petrel_outbox_item_get_next_try    (const PetrelStoreOutboxItem *item);
guint      petrel_outbox_item_get_backoff     (const PetrelStoreOutboxItem *item);
guint      petrel_outbox_backoff_delay        (guint                        failures);

/* The SIZE limit the SMTP server announced at the last connection; 0 when not known. */
guint64    petrel_outbox_get_size_limit (PetrelAccount   *account);

/* Blocking: submits what is due and saves sent messages to Sent. */
gboolean   petrel_outbox_flush      (PetrelAccount       *account,
                                     guint               *out_sent,
                                     GCancellable        *cancellable,
                                     GError             **error);

G_END_DECLS
