/* petrel-cli-args.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  CLI_OPT_FLAG,     /* --name */
  CLI_OPT_VALUE,    /* --name VALUE (or --name=VALUE); last one wins */
  CLI_OPT_MULTI,    /* --name V1 [V2…] and/or repeated --name V */
} CliOptKind;

typedef struct
{
  const char *name;   /* without the leading "--" */
  CliOptKind  kind;
} CliOptSpec;

typedef struct _CliArgs CliArgs;

CliArgs     *cli_args_parse        (const CliOptSpec  *specs,
                                    int                argc,
                                    char             **argv,
                                    GError           **error);
void         cli_args_free         (CliArgs           *args);
guint        cli_args_n_positional (CliArgs           *args);
const char  *cli_args_positional   (CliArgs           *args,
                                    guint              index);
gboolean     cli_args_has          (CliArgs           *args,
                                    const char        *name);
const char  *cli_args_value        (CliArgs           *args,
                                    const char        *name);
const char * const *cli_args_values (CliArgs          *args,
                                    const char        *name);
gboolean     cli_args_uint         (CliArgs           *args,
                                    const char        *name,
                                    guint64            max,
                                    guint64           *out,
                                    GError           **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CliArgs, cli_args_free)

G_END_DECLS
