/* petrel-mime-quote.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "petrel-mime-private.h"
#include "petrel-mime-quote.h"

/* How many ids a reply's References keeps: the thread root and the newest ones, so that the
 * header stays short in long threads (as RFC 5322 section 3.6.4 allows). */
#define MAX_REPLY_REFERENCES 20

/**
 * petrel_mime_quote_attribution:
 * @summary: the summary of the message replied to
 * @tz: (nullable): the time zone to show the date in; %NULL for local time
 *
 * Returns: (transfer full): "On Tue, 10 Nov 2026 at 14:02, Ann Lee wrote:" (the address when
 *   there is no name; without the date part when the date is unknown)
 */
char *
petrel_mime_quote_attribution (const PetrelMimeSummary *summary,
                               GTimeZone               *tz)
{
  const char *who;

  g_return_val_if_fail (summary != NULL, NULL);

  if (summary->from_name[0] != '\0')
    who = summary->from_name;
  else if (summary->from_address[0] != '\0')
    who = summary->from_address;
  else
    who = "someone";

  if (summary->date > 0)
    {
      g_autofree char *date = _petrel_mime_format_date_short (summary->date, tz);

      return g_strdup_printf ("On %s, %s wrote:", date, who);
    }

  return g_strdup_printf ("%s wrote:", who);
}

/**
 * petrel_mime_quote_text:
 * @text: readable text with LF line ends, as in #PetrelMimeBody.text (already unflowed)
 *
 * Quotes text for a reply: the signature (from a "-- " line on) and trailing blank lines are
 * dropped, each line gets "> ", lines that are quotes already get one more ">" (">> "), and
 * empty lines become ">". petrel_mime_flowed_encode() keeps this quoting when the reply is
 * sent as format=flowed.
 *
 * Returns: (transfer full): the quoted text, each line ending with a newline
 */
char *
petrel_mime_quote_text (const char *text)
{
  g_auto(GStrv) lines = NULL;
  GString *out;
  gint last;

  g_return_val_if_fail (text != NULL, NULL);

  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (strcmp (lines[i], "-- ") == 0 || strcmp (lines[i], "--") == 0)
      {
        for (guint j = i; lines[j] != NULL; j++)
          lines[j][0] = '\0';
        break;
      }

  last = (gint) g_strv_length (lines) - 1;
  while (last >= 0 && g_strchomp (lines[last])[0] == '\0')
    last--;

  out = g_string_new (NULL);
  for (gint i = 0; i <= last; i++)
    {
      const char *line = g_strchomp (lines[i]);

      if (line[0] == '\0')
        g_string_append (out, ">\n");
      else if (line[0] == '>')
        g_string_append_printf (out, ">%s\n", line);
      else
        g_string_append_printf (out, "> %s\n", line);
    }

  return g_string_free (out, FALSE);
}

/**
 * petrel_mime_quote_reply:
 * @message: the whole message replied to
 * @tz: (nullable): the time zone for the attribution date; %NULL for local time
 *
 * Returns: (transfer full): the attribution line, a newline, and the quoted readable text
 */
char *
petrel_mime_quote_reply (GBytes    *message,
                         GTimeZone *tz)
{
  g_autoptr(GMimeMessage) parsed = NULL;
  g_autoptr(PetrelMimeSummary) summary = NULL;
  g_autoptr(PetrelMimeBody) body = NULL;
  g_autofree char *attribution = NULL;
  g_autofree char *quoted = NULL;
  gsize length = 0;
  const char *data;

  g_return_val_if_fail (message != NULL, NULL);

  data = g_bytes_get_data (message, &length);
  if (length > 0)
    parsed = _petrel_mime_parse (data, length);

  summary = _petrel_mime_summary_new_from_object (parsed != NULL ? GMIME_OBJECT (parsed) : NULL,
                                                  0);
  body = _petrel_mime_body_new_from_message (parsed, data, length);
  attribution = petrel_mime_quote_attribution (summary, tz);
  quoted = petrel_mime_quote_text (body->text);

  return g_strconcat (attribution, "\n", quoted, NULL);
}

/**
 * petrel_mime_forward_text:
 * @message: the whole message forwarded
 *
 * Returns: (transfer full): a "---------- Forwarded message ----------" block with the
 *   From, Date, Subject, To and Cc of @message, a blank line and its readable text
 */
char *
petrel_mime_forward_text (GBytes *message)
{
  g_autoptr(GMimeMessage) parsed = NULL;
  g_autoptr(PetrelMimeBody) body = NULL;
  g_autoptr(GMimeMessage) empty = NULL;
  GString *out;
  gsize length = 0;
  const char *data;

  g_return_val_if_fail (message != NULL, NULL);

  data = g_bytes_get_data (message, &length);
  if (length > 0)
    parsed = _petrel_mime_parse (data, length);
  if (parsed == NULL)
    empty = g_mime_message_new (FALSE);

  body = _petrel_mime_body_new_from_message (parsed, data, length);

  out = g_string_new (NULL);
  _petrel_mime_append_forward_header (out, GMIME_OBJECT (parsed != NULL ? parsed : empty));
  g_string_append_c (out, '\n');
  g_string_append (out, body->text);

  return g_string_free (out, FALSE);
}

/* Length of the reply or forward prefixes ("Re: ", "RE[2]: ", "Aw: ", "Fwd: ") at @subject. */
static gsize
prefix_length (const char          *subject,
               const char * const  *prefixes)
{
  for (guint i = 0; prefixes[i] != NULL; i++)
    {
      gsize len = strlen (prefixes[i]);
      const char *p;

      if (g_ascii_strncasecmp (subject, prefixes[i], len) != 0)
        continue;

      p = subject + len;
      if (*p == '[')
        {
          p++;
          while (g_ascii_isdigit (*p))
            p++;
          if (*p != ']')
            continue;
          p++;
        }
      if (*p != ':')
        continue;
      p++;
      while (*p == ' ')
        p++;
      return p - subject;
    }

  return 0;
}

static char *
add_prefix (const char         *prefix,
            const char         *subject,
            const char * const *known)
{
  g_autofree char *clean = _petrel_mime_clean_line (subject, PETREL_MIME_MAX_FIELD_BYTES);
  const char *rest = clean;
  gsize skip;

  while ((skip = prefix_length (rest, known)) > 0)
    rest += skip;

  return g_strconcat (prefix, rest, NULL);
}

/**
 * petrel_mime_reply_subject:
 * @subject: (nullable): the subject replied to
 *
 * Returns: (transfer full): "Re: " and the subject without its own reply prefixes ("Re:",
 *   "RE[2]:", "Aw:", "Sv:", "Antw:")
 */
char *
petrel_mime_reply_subject (const char *subject)
{
  static const char * const known[] = { "re", "aw", "sv", "antw", "odp", "vs", NULL };

  return add_prefix ("Re: ", subject, known);
}

/**
 * petrel_mime_forward_subject:
 * @subject: (nullable): the subject forwarded
 *
 * Returns: (transfer full): "Fwd: " and the subject without its own forward prefixes
 */
char *
petrel_mime_forward_subject (const char *subject)
{
  static const char * const known[] = { "fwd", "fw", "wg", "tr", NULL };

  return add_prefix ("Fwd: ", subject, known);
}

/**
 * petrel_mime_reply_references:
 * @summary: the summary of the message replied to
 *
 * Builds the References of a reply: the original's References (or its In-Reply-To when it
 * has none) followed by its Message-ID, shortened to the thread root and the newest ids.
 * The In-Reply-To of the reply is simply @summary's message_id.
 *
 * Returns: (transfer full): the ids without angle brackets, oldest first; never %NULL
 */
GStrv
petrel_mime_reply_references (const PetrelMimeSummary *summary)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (summary != NULL, NULL);

  if (summary->references[0] != NULL)
    {
      for (guint i = 0; summary->references[i] != NULL; i++)
        g_ptr_array_add (ids, g_strdup (summary->references[i]));
    }
  else if (summary->in_reply_to != NULL)
    g_ptr_array_add (ids, g_strdup (summary->in_reply_to));

  if (summary->message_id != NULL &&
      (ids->len == 0 || strcmp (g_ptr_array_index (ids, ids->len - 1), summary->message_id) != 0))
    g_ptr_array_add (ids, g_strdup (summary->message_id));

  if (ids->len > MAX_REPLY_REFERENCES)
    g_ptr_array_remove_range (ids, 1, ids->len - MAX_REPLY_REFERENCES);

  g_ptr_array_add (ids, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&ids), FALSE);
}
