/* petrel-cli-args.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A small argument parser for petrel-cli's subcommands. GOption cannot express the
 * contract's multi-valued options ("--to A B C", "move … UID… --to PATH"), so each command
 * names its options and this splits positionals from options in one pass.
 */

#include "config.h"

#include <inttypes.h>

#include <string.h>

#include <glib/gi18n.h>

#include "petrel-cli-args.h"

struct _CliArgs
{
  GPtrArray  *positional;   /* owned strings */
  GHashTable *values;       /* name → GPtrArray of owned strings, NULL-terminated */
};

void
cli_args_free (CliArgs *args)
{
  if (args == NULL)
    return;
  g_ptr_array_unref (args->positional);
  g_hash_table_unref (args->values);
  g_free (args);
}

static const CliOptSpec *
find_spec (const CliOptSpec *specs,
           const char       *name,
           gsize             len)
{
  for (guint i = 0; specs != NULL && specs[i].name != NULL; i++)
    if (strlen (specs[i].name) == len && strncmp (specs[i].name, name, len) == 0)
      return &specs[i];
  return NULL;
}

static GPtrArray *
ensure_values (CliArgs    *args,
               const char *name)
{
  GPtrArray *values = g_hash_table_lookup (args->values, name);

  if (values == NULL)
    {
      values = g_ptr_array_new_null_terminated (1, g_free, TRUE);
      g_hash_table_insert (args->values, g_strdup (name), values);
    }
  return values;
}

CliArgs *
cli_args_parse (const CliOptSpec  *specs,
                int                argc,
                char             **argv,
                GError           **error)
{
  g_autoptr(CliArgs) args = g_new0 (CliArgs, 1);
  gboolean only_positional = FALSE;

  args->positional = g_ptr_array_new_with_free_func (g_free);
  args->values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) g_ptr_array_unref);

  for (int i = 0; i < argc; i++)
    {
      const char *arg = argv[i];
      const CliOptSpec *spec;
      const char *eq;
      const char *name;
      gsize name_len;
      GPtrArray *values;

      if (only_positional || arg[0] != '-' || g_str_equal (arg, "-"))
        {
          g_ptr_array_add (args->positional, g_strdup (arg));
          continue;
        }
      if (g_str_equal (arg, "--"))
        {
          only_positional = TRUE;
          continue;
        }
      if (!g_str_has_prefix (arg, "--"))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION,
                       _("unknown option “%s”"), arg);
          return NULL;
        }

      name = arg + 2;
      eq = strchr (name, '=');
      name_len = eq != NULL ? (gsize) (eq - name) : strlen (name);
      spec = find_spec (specs, name, name_len);
      if (spec == NULL)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION,
                       _("unknown option “%s”"), arg);
          return NULL;
        }

      switch (spec->kind)
        {
        case CLI_OPT_FLAG:
          if (eq != NULL)
            {
              g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("option “--%s” takes no value"), spec->name);
              return NULL;
            }
          ensure_values (args, spec->name);
          break;

        case CLI_OPT_VALUE:
          values = ensure_values (args, spec->name);
          g_ptr_array_set_size (values, 0);
          if (eq != NULL)
            g_ptr_array_add (values, g_strdup (eq + 1));
          else if (i + 1 < argc)
            g_ptr_array_add (values, g_strdup (argv[++i]));
          else
            {
              g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("option “--%s” needs a value"), spec->name);
              return NULL;
            }
          break;

        case CLI_OPT_MULTI:
          values = ensure_values (args, spec->name);
          if (eq != NULL)
            g_ptr_array_add (values, g_strdup (eq + 1));
          else
            {
              guint before = values->len;

              /* Take every following word up to the next option. */
              while (i + 1 < argc && !(argv[i + 1][0] == '-' && argv[i + 1][1] == '-'))
                g_ptr_array_add (values, g_strdup (argv[++i]));
              if (values->len == before)
                {
                  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                               _("option “--%s” needs a value"), spec->name);
                  return NULL;
                }
            }
          break;

        default:
          g_assert_not_reached ();
        }
    }

  return g_steal_pointer (&args);
}

guint
cli_args_n_positional (CliArgs *args)
{
  return args->positional->len;
}

const char *
cli_args_positional (CliArgs *args,
                     guint    index)
{
  return index < args->positional->len ? g_ptr_array_index (args->positional, index) : NULL;
}

gboolean
cli_args_has (CliArgs    *args,
              const char *name)
{
  return g_hash_table_contains (args->values, name);
}

const char *
cli_args_value (CliArgs    *args,
                const char *name)
{
  GPtrArray *values = g_hash_table_lookup (args->values, name);

  return values != NULL && values->len > 0 ? g_ptr_array_index (values, values->len - 1) : NULL;
}

const char * const *
cli_args_values (CliArgs    *args,
                 const char *name)
{
  static const char *empty[] = { NULL };
  GPtrArray *values = g_hash_table_lookup (args->values, name);

  return values != NULL ? (const char * const *) values->pdata : empty;
}

gboolean
cli_args_uint (CliArgs     *args,
               const char  *name,
               guint64      max,
               guint64     *out,
               GError     **error)
{
  const char *value = cli_args_value (args, name);
  g_autoptr(GError) local_error = NULL;

  if (value == NULL)
    return TRUE;

  if (!g_ascii_string_to_unsigned (value, 10, 0, max, out, &local_error))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("option “--%s” needs a number from 0 to %" PRIu64 ", not “%s”"),
                   name, max, value);
      return FALSE;
    }
  return TRUE;
}
