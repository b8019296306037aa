/* petrel-cli-output.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct
{
  char     *data_dir;   /* owned */
  gboolean  json;
  gboolean  offline;
} CliGlobals;

enum {
  CLI_EXIT_OK = 0,
  CLI_EXIT_ERROR = 1,
  CLI_EXIT_USAGE = 2,
};

void  cli_emit_object    (CliGlobals   *globals,
                          JsonBuilder  *builder,
                          const char   *text);
int   cli_fail           (const GError *error);
int   cli_fail_message   (const char   *format,
                          ...) G_GNUC_PRINTF (1, 2);
int   cli_usage          (const char   *synopsis,
                          const char   *format,
                          ...) G_GNUC_PRINTF (2, 3);
char *cli_one_line       (const char   *text);

void  cli_progress       (const char   *phase,
                          guint64       done,
                          guint64       total);
void  cli_progress_done  (void);

G_END_DECLS
