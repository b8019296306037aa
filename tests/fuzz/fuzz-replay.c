/* fuzz-replay.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Runs a libFuzzer target's LLVMFuzzerTestOneInput over files, without libFuzzer: every file of
 * each directory given (sorted by name), or each file given. This lets the seed corpus and every
 * crasher found so far run as an ordinary test with any compiler. Output is TAP.
 */

#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include <glib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

static void
collect (const char *path,
         GPtrArray  *files)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = NULL;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_ptr_array_add (files, g_strdup (path));
      return;
    }

  dir = g_dir_open (path, 0, &error);
  if (dir == NULL)
    {
      g_printerr ("Bail out! %s\n", error->message);
      exit (1);
    }
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (name[0] != '.')
      g_ptr_array_add (names, g_build_filename (path, name, NULL));
  g_ptr_array_sort (names, compare_paths);
  for (guint i = 0; i < names->len; i++)
    g_ptr_array_add (files, g_strdup (g_ptr_array_index (names, i)));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);

  if (argc < 2)
    {
      g_printerr ("Usage: %s CORPUS-DIR-OR-FILE...\n", argv[0]);
      return 2;
    }
  for (int i = 1; i < argc; i++)
    collect (argv[i], files);
  if (files->len == 0)
    {
      g_print ("Bail out! no input files\n");
      return 1;
    }

  g_print ("1..%u\n", files->len);
  for (guint i = 0; i < files->len; i++)
    {
      const char *path = g_ptr_array_index (files, i);
      g_autoptr(GError) error = NULL;
      g_autofree char *contents = NULL;
      gsize length = 0;

      if (!g_file_get_contents (path, &contents, &length, &error))
        {
          g_print ("not ok %u - %s: %s\n", i + 1, path, error->message);
          continue;
        }
      /* A crash or abort() here fails the whole test, which is the point. */
      LLVMFuzzerTestOneInput ((const uint8_t *) contents, length);
      g_print ("ok %u - %s\n", i + 1, path);
    }
  return 0;
}
