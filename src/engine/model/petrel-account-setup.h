/* petrel-account-setup.h
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
 * Creating and removing an account as a whole, the same way for every front end
 * (`petrel-cli account add|remove`, the account assistant, the preferences).
 */

/* Creates the account of @config (already validated by the caller or here) in @data_dir:
 * first @password (nullable: an OAuth2 account whose refresh token is stored already) into the
 * keyring for IMAP and SMTP, then account.ini, then the cache. Whatever fails undoes what was
 * done, so either the whole account exists afterwards or nothing of it. An account with the
 * same id fails with G_IO_ERROR_EXISTS before anything is written. @credentials: NULL for the
 * Secret Service. */
void           petrel_account_create_async  (const char           *data_dir,
                                             PetrelAccountConfig  *config,
                                             const char           *password,
                                             PetrelCredentials    *credentials,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
PetrelAccount *petrel_account_create_finish (GAsyncResult         *result,
                                             GError              **error);

/* Removes @account completely: every secret of it from its credentials first (if one cannot
 * be removed the account stays, so no password is left behind with nothing pointing at it),
 * then its directory (config, cache, outbox) in a worker thread. */
void           petrel_account_remove_async  (PetrelAccount        *account,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
gboolean       petrel_account_remove_finish (GAsyncResult         *result,
                                             GError              **error);

G_END_DECLS
