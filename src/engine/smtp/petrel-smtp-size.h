/* petrel-smtp-size.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "smtp/petrel-smtp-client.h"

G_BEGIN_DECLS

/* The SIZE limit (RFC 1870) a submission server announced, kept in a small file of an
 * account's data directory so that the composer can warn before a message is too big. */

#define PETREL_SMTP_SIZE_LIMIT_FILE "smtp-size-limit"

guint64  petrel_smtp_size_limit_load      (const char        *data_dir);
gboolean petrel_smtp_size_limit_remember  (const char        *data_dir,
                                           PetrelSmtpClient  *client,
                                           GError           **error);

G_END_DECLS
