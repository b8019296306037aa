/* petrel-ui-util.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Small presentation helpers shared by the widgets: how dates and folder names read.
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "petrel-ui-util.h"

/**
 * petrel_format_list_date:
 * @unix_time: the message date
 * @now: the current local time
 *
 * A date as a message list shows it: the time today, "Yesterday", the weekday within the
 * week, the day and month this year, the full date otherwise.
 *
 * Returns: (transfer full): the text
 */
char *
petrel_format_list_date (gint64     unix_time,
                         GDateTime *now)
{
  g_autoptr(GDateTime) date = g_date_time_new_from_unix_local (unix_time);
  g_autoptr(GDateTime) today = NULL;
  g_autoptr(GDateTime) day = NULL;
  GTimeSpan diff;

  if (date == NULL || unix_time <= 0)
    return g_strdup ("");

  today = g_date_time_new_local (g_date_time_get_year (now), g_date_time_get_month (now),
                                 g_date_time_get_day_of_month (now), 0, 0, 0);
  day = g_date_time_new_local (g_date_time_get_year (date), g_date_time_get_month (date),
                               g_date_time_get_day_of_month (date), 0, 0, 0);
  diff = g_date_time_difference (today, day);

  if (diff == 0)
    /* Translators: a message's time today, see strftime(3) */
    return g_date_time_format (date, C_("list date", "%H:%M"));
  if (diff == G_TIME_SPAN_DAY)
    return g_strdup (C_("list date", "Yesterday"));
  if (diff > 0 && diff < 7 * G_TIME_SPAN_DAY)
    /* Translators: a message's weekday this week, see strftime(3) */
    return g_date_time_format (date, C_("list date", "%A"));
  if (g_date_time_get_year (date) == g_date_time_get_year (now))
    /* Translators: a message's day this year, see strftime(3) */
    return g_date_time_format (date, C_("list date", "%e %b"));

  /* Translators: a message's date in another year, see strftime(3) */
  return g_date_time_format (date, C_("list date", "%e %b %Y"));
}

/**
 * petrel_format_header_date:
 *
 * Returns: (transfer full): the date and time, short enough for the reading pane's header
 */
char *
petrel_format_header_date (gint64 unix_time)
{
  g_autoptr(GDateTime) date = g_date_time_new_from_unix_local (unix_time);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *text = NULL;

  if (date == NULL || unix_time <= 0)
    return g_strdup ("");

  if (g_date_time_get_year (date) == g_date_time_get_year (now))
    /* Translators: a message's date this year in the reading pane, see strftime(3) */
    text = g_date_time_format (date, C_("header date", "%a %e %b, %H:%M"));
  else
    /* Translators: a message's date in another year in the reading pane, see strftime(3) */
    text = g_date_time_format (date, C_("header date", "%e %b %Y, %H:%M"));

  return g_strdup (g_strstrip (text));
}

/**
 * petrel_format_full_date:
 *
 * Returns: (transfer full): the date and time in full, for the reading pane
 */
char *
petrel_format_full_date (gint64 unix_time)
{
  g_autoptr(GDateTime) date = g_date_time_new_from_unix_local (unix_time);
  g_autofree char *text = NULL;

  if (date == NULL || unix_time <= 0)
    return g_strdup ("");

  /* Translators: a message's full date in the reading pane, see strftime(3) */
  text = g_date_time_format (date, C_("full date", "%A, %e %B %Y at %H:%M"));

  return g_strdup (g_strstrip (text));
}

/**
 * petrel_folder_get_label:
 *
 * Returns: the name to show for @folder: the translated role name for special folders
 */
const char *
petrel_folder_get_label (PetrelFolder *folder)
{
  switch (petrel_folder_get_role (folder))
    {
    case PETREL_STORE_FOLDER_ROLE_INBOX:
      return _("Inbox");
    case PETREL_STORE_FOLDER_ROLE_SENT:
      return _("Sent");
    case PETREL_STORE_FOLDER_ROLE_DRAFTS:
      return _("Drafts");
    case PETREL_STORE_FOLDER_ROLE_TRASH:
      return _("Trash");
    case PETREL_STORE_FOLDER_ROLE_JUNK:
      return _("Junk");
    case PETREL_STORE_FOLDER_ROLE_ARCHIVE:
      return _("Archive");
    case PETREL_STORE_FOLDER_ROLE_NONE:
    default:
      return petrel_folder_get_display_name (folder);
    }
}

/**
 * petrel_sender_initials_name:
 *
 * Returns: (transfer full): what an avatar takes its initials from: the name, else the part
 *   of the address before the @
 */
char *
petrel_sender_initials_name (const char *name,
                             const char *address)
{
  const char *at;

  if (name != NULL && *name != '\0')
    return g_strdup (name);
  if (address == NULL)
    return g_strdup ("");

  at = strchr (address, '@');
  return at != NULL ? g_strndup (address, at - address) : g_strdup (address);
}
