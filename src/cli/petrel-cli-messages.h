/* petrel-cli-messages.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "petrel-cli-commands.h"

G_BEGIN_DECLS

typedef struct
{
  PetrelAccount      *account;   /* owned */
  PetrelStoreMessage *message;   /* owned */
} CliSearchHit;

void               cli_emit_message    (CliGlobals          *globals,
                                        PetrelStoreMessage  *message,
                                        const char          *account_id,
                                        const char          *folder_path);
PetrelStoreFolder *cli_lookup_folder   (PetrelStore         *store,
                                        const char          *path,
                                        GError             **error);
GPtrArray         *cli_search_accounts (GPtrArray           *accounts,
                                        const char          *query,
                                        const char          *folder_path,
                                        guint                limit,
                                        gboolean             ask_servers,
                                        GError             **error);
char              *cli_format_date     (gint64               unix_time);
char              *cli_format_from     (PetrelStoreMessage  *message);
char              *cli_format_message_id (const char        *message_id);

G_END_DECLS
