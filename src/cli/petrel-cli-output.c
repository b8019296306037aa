/* petrel-cli-output.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Results go to stdout (one JSON object per line with --json), errors are one line on
 * stderr, progress goes to stderr (a bar only when stderr is a terminal).
 */

#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "petrel-cli-output.h"

void
cli_emit_object (CliGlobals  *globals,
                 JsonBuilder *builder,
                 const char  *text)
{
  if (globals->json)
    {
      g_autoptr(JsonNode) root = json_builder_get_root (builder);
      g_autofree char *line = json_to_string (root, FALSE);

      fputs (line, stdout);
      fputc ('\n', stdout);
    }
  else if (text != NULL)
    {
      fputs (text, stdout);
      fputc ('\n', stdout);
    }
}

/* Keep an error to one printable line, whatever the server or file put in it. */
char *
cli_one_line (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const char *p = text != NULL ? text : ""; *p != '\0'; p++)
    {
      if (*p == '\r' || *p == '\n' || *p == '\t')
        {
          if (out->len > 0 && out->str[out->len - 1] != ' ')
            g_string_append_c (out, ' ');
        }
      else if ((guchar) *p < 0x20 || *p == 0x7f)
        continue;
      else
        g_string_append_c (out, *p);
    }

  while (out->len > 0 && out->str[out->len - 1] == ' ')
    g_string_truncate (out, out->len - 1);

  return g_string_free (out, FALSE);
}

int
cli_fail (const GError *error)
{
  g_autofree char *line = cli_one_line (error != NULL ? error->message : _("unknown error"));

  cli_progress_done ();
  fprintf (stderr, "petrel-cli: %s\n", line);
  return CLI_EXIT_ERROR;
}

int
cli_fail_message (const char *format,
                  ...)
{
  g_autofree char *message = NULL;
  g_autofree char *line = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  line = cli_one_line (message);
  cli_progress_done ();
  fprintf (stderr, "petrel-cli: %s\n", line);
  return CLI_EXIT_ERROR;
}

int
cli_usage (const char *synopsis,
           const char *format,
           ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  fprintf (stderr, "petrel-cli: %s\n", message);
  if (synopsis != NULL)
    fprintf (stderr, "%s petrel-cli %s\n", _("Usage:"), synopsis);
  return CLI_EXIT_USAGE;
}

static gboolean progress_shown;

void
cli_progress (const char *phase,
              guint64     done,
              guint64     total)
{
  static gint64 last_update;
  gint64 now;

  if (!isatty (STDERR_FILENO))
    return;

  now = g_get_monotonic_time ();
  if (done != total && now - last_update < G_USEC_PER_SEC / 10)
    return;
  last_update = now;

  if (total > 0)
    {
      const int width = 30;
      int filled = (int) (width * MIN (done, total) / total);
      g_autofree char *bar = g_strnfill (filled, '#');
      g_autofree char *rest = g_strnfill (width - filled, '-');

      fprintf (stderr, "\r%-24.24s [%s%s] %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT "\033[K",
               phase, bar, rest, done, total);
    }
  else
    fprintf (stderr, "\r%-24.24s %" G_GUINT64_FORMAT "\033[K", phase, done);

  progress_shown = TRUE;
}

void
cli_progress_done (void)
{
  if (progress_shown)
    {
      fputs ("\r\033[K", stderr);
      progress_shown = FALSE;
    }
}
