/* petrel-cli-commands.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "petrel-engine.h"

#include "petrel-cli-args.h"
#include "petrel-cli-output.h"

G_BEGIN_DECLS

/* Each takes the command's own words (argv[0] is the command name). */
int cli_command_account (CliGlobals *globals, int argc, char **argv);
int cli_command_folders (CliGlobals *globals, int argc, char **argv);
int cli_command_list    (CliGlobals *globals, int argc, char **argv);
int cli_command_show    (CliGlobals *globals, int argc, char **argv);
int cli_command_search  (CliGlobals *globals, int argc, char **argv);
int cli_command_sync    (CliGlobals *globals, int argc, char **argv);
int cli_command_flag    (CliGlobals *globals, int argc, char **argv);
int cli_command_move    (CliGlobals *globals, int argc, char **argv);
int cli_command_copy    (CliGlobals *globals, int argc, char **argv);
int cli_command_delete  (CliGlobals *globals, int argc, char **argv);
int cli_command_folder  (CliGlobals *globals, int argc, char **argv);
int cli_command_pending (CliGlobals *globals, int argc, char **argv);
int cli_command_undo    (CliGlobals *globals, int argc, char **argv);
int cli_command_send    (CliGlobals *globals, int argc, char **argv);
int cli_command_outbox  (CliGlobals *globals, int argc, char **argv);
int cli_command_watch   (CliGlobals *globals, int argc, char **argv);
int cli_command_draft   (CliGlobals *globals, int argc, char **argv);

/* Runs the main loop until an async call started with cli_wait_callback finishes. */
typedef struct
{
  GMainLoop    *loop;
  GAsyncResult *result;
} CliWait;

void          cli_wait_init     (CliWait      *wait);
void          cli_wait_clear    (CliWait      *wait);
void          cli_wait_callback (GObject      *source,
                                 GAsyncResult *result,
                                 gpointer      user_data);
GAsyncResult *cli_wait_run      (CliWait      *wait);

/* Registers the OAuth2 providers of DATA_DIR/oauth2-providers.ini, if there is one. */
void           cli_load_oauth2_providers (CliGlobals *globals);

PetrelAccount *cli_open_account (CliGlobals   *globals,
                                 const char   *id,
                                 GError      **error);
/* The accounts named in @ids, or every account when @ids is empty. */
GPtrArray     *cli_open_accounts (CliGlobals          *globals,
                                  const char * const  *ids,
                                  GError             **error);

G_END_DECLS
