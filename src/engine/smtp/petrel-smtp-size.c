/* petrel-smtp-size.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "smtp/petrel-smtp-size.h"

/**
 * petrel_smtp_size_limit_load:
 * @data_dir: an account's data directory
 *
 * Returns: the SIZE limit in bytes the account's server announced when it was last
 *   connected to, or 0 when it is not known (never connected, no limit announced, or a
 *   damaged file)
 */
guint64
petrel_smtp_size_limit_load (const char *data_dir)
{
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  guint64 limit = 0;

  g_return_val_if_fail (data_dir != NULL, 0);

  path = g_build_filename (data_dir, PETREL_SMTP_SIZE_LIMIT_FILE, NULL);
  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return 0;
  g_strstrip (contents);
  if (!g_ascii_string_to_unsigned (contents, 10, 1, G_MAXUINT64, &limit, NULL))
    return 0;
  return limit;
}

/**
 * petrel_smtp_size_limit_remember:
 * @data_dir: an account's data directory
 * @client: a client that has connected (its EHLO reply is known)
 * @error: return location for an error
 *
 * Records the SIZE limit @client's server announced, or forgets the recorded one when the
 * server announced none (or "SIZE 0", no fixed limit).
 *
 * Returns: %TRUE unless the file could not be written or removed
 */
gboolean
petrel_smtp_size_limit_remember (const char        *data_dir,
                                 PetrelSmtpClient  *client,
                                 GError           **error)
{
  g_autofree char *path = NULL;
  guint64 limit = 0;

  g_return_val_if_fail (data_dir != NULL, FALSE);
  g_return_val_if_fail (PETREL_IS_SMTP_CLIENT (client), FALSE);

  if (petrel_smtp_client_get_capabilities (client) & PETREL_SMTP_CAPABILITY_SIZE)
    limit = petrel_smtp_client_get_max_size (client);

  path = g_build_filename (data_dir, PETREL_SMTP_SIZE_LIMIT_FILE, NULL);
  if (limit == 0)
    {
      if (g_remove (path) != 0 && errno != ENOENT)
        {
          int saved_errno = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       _("Cannot remove %s: %s"), path, g_strerror (saved_errno));
          return FALSE;
        }
      return TRUE;
    }

  if (limit == petrel_smtp_size_limit_load (data_dir))
    return TRUE;

  {
    g_autofree char *text = g_strdup_printf ("%" G_GUINT64_FORMAT "\n", limit);

    return g_file_set_contents (path, text, -1, error);
  }
}
