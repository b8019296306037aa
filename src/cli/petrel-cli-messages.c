/* petrel-cli-messages.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * How petrel-cli prints a message row: the JSON fields of the contract, or one line of text.
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "sync/petrel-sync.h"

#include "petrel-cli-messages.h"

char *
cli_format_date (gint64 unix_time)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (unix_time);

  if (dt == NULL)
    return g_strdup ("1970-01-01T00:00:00Z");
  return g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ");
}

/* Message-IDs are printed bare ("abc@example.org"), as `send` prints the one it made. */
char *
cli_format_message_id (const char *message_id)
{
  gsize len;

  if (message_id == NULL)
    return NULL;
  len = strlen (message_id);
  if (len >= 2 && message_id[0] == '<' && message_id[len - 1] == '>')
    return g_strndup (message_id + 1, len - 2);
  return g_strdup (message_id);
}

char *
cli_format_from (PetrelStoreMessage *message)
{
  const char *name = message->from_name;
  const char *addr = message->from_addr;

  if (name != NULL && *name != '\0' && addr != NULL && *addr != '\0')
    return g_strdup_printf ("%s <%s>", name, addr);
  if (addr != NULL && *addr != '\0')
    return g_strdup (addr);
  return g_strdup (name != NULL ? name : "");
}

static void
add_string_or_null (JsonBuilder *builder,
                    const char  *name,
                    const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

void
cli_emit_message (CliGlobals         *globals,
                  PetrelStoreMessage *message,
                  const char         *account_id,
                  const char         *folder_path)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_auto(GStrv) flags = petrel_store_flags_to_strv (message->flags, message->keywords);
  g_autofree char *date = cli_format_date (message->date != 0 ? message->date
                                                              : message->internal_date);
  g_autofree char *from = cli_format_from (message);
  g_autofree char *flags_text = g_strjoinv (" ", flags);
  g_autofree char *text = NULL;

  json_builder_begin_object (builder);
  if (account_id != NULL)
    add_string_or_null (builder, "account", account_id);
  if (folder_path != NULL)
    add_string_or_null (builder, "folder", folder_path);
  json_builder_set_member_name (builder, "uid");
  json_builder_add_int_value (builder, message->uid);
  add_string_or_null (builder, "date", date);
  add_string_or_null (builder, "from", from);
  add_string_or_null (builder, "to", message->to_text != NULL ? message->to_text : "");
  add_string_or_null (builder, "subject", message->subject != NULL ? message->subject : "");
  json_builder_set_member_name (builder, "flags");
  json_builder_begin_array (builder);
  for (guint i = 0; flags[i] != NULL; i++)
    json_builder_add_string_value (builder, flags[i]);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "size");
  json_builder_add_int_value (builder, message->size);
  json_builder_set_member_name (builder, "has_attachments");
  json_builder_add_boolean_value (builder, message->has_attachments);
  {
    g_autofree char *message_id = cli_format_message_id (message->message_id);

    add_string_or_null (builder, "message_id", message_id);
  }
  json_builder_end_object (builder);

  if (!globals->json)
    {
      if (account_id != NULL)
        text = g_strdup_printf ("%s\t%s\t%u\t%s\t%s\t%s\t%s", account_id,
                                folder_path != NULL ? folder_path : "", message->uid, date, from,
                                message->subject != NULL ? message->subject : "", flags_text);
      else
        text = g_strdup_printf ("%u\t%s\t%s\t%s\t%s", message->uid, date, from,
                                message->subject != NULL ? message->subject : "", flags_text);
    }

  cli_emit_object (globals, builder, text);
}

PetrelStoreFolder *
cli_lookup_folder (PetrelStore  *store,
                   const char   *path,
                   GError      **error)
{
  g_autoptr(GError) local_error = NULL;
  PetrelStoreFolder *folder;

  folder = petrel_store_get_folder_by_path (store, path, &local_error);
  if (folder == NULL && g_error_matches (local_error, PETREL_STORE_ERROR,
                                         PETREL_STORE_ERROR_NOT_FOUND))
    {
      /* INBOX is case-insensitive in IMAP. */
      if (g_ascii_strcasecmp (path, "INBOX") == 0)
        {
          g_clear_error (&local_error);
          folder = petrel_store_get_folder_by_path (store, "INBOX", &local_error);
        }
    }

  if (folder == NULL)
    {
      if (g_error_matches (local_error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND))
        g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND,
                     _("There is no folder “%s” in this account (run “petrel-cli sync” to "
                       "bring the folder list up to date)"), path);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
    }

  return folder;
}

static void
search_hit_free (CliSearchHit *hit)
{
  g_clear_object (&hit->account);
  g_clear_pointer (&hit->message, petrel_store_message_free);
  g_free (hit);
}

/* Each account's results come ranked from its own index; ranks from two indexes are not
 * comparable, so the lists are interleaved by position (best of each first). */
static gboolean
already_hit (GPtrArray          *results,
             PetrelStoreMessage *message)
{
  for (guint i = 0; i < results->len; i++)
    {
      PetrelStoreMessage *other = g_ptr_array_index (results, i);

      if (other != NULL && other->folder_id == message->folder_id && other->uid == message->uid)
        return TRUE;
    }
  return FALSE;
}

GPtrArray *
cli_search_accounts (GPtrArray   *accounts,
                     const char  *query,
                     const char  *folder_path,
                     guint        limit,
                     gboolean     ask_servers,
                     GError     **error)
{
  g_autoptr(GPtrArray) per_account = g_ptr_array_new_with_free_func (
    (GDestroyNotify) g_ptr_array_unref);
  g_autoptr(GPtrArray) hits = g_ptr_array_new_with_free_func ((GDestroyNotify) search_hit_free);
  guint round = 0;
  gboolean more = TRUE;

  for (guint i = 0; i < accounts->len; i++)
    {
      PetrelStore *store = petrel_account_get_store (g_ptr_array_index (accounts, i), error);
      GPtrArray *results;

      if (store == NULL)
        return NULL;
      results = petrel_store_search (store, query, folder_path, limit, error);
      if (results == NULL)
        return NULL;

      /* Bodies not cached yet (a headers-only sync) are searched on the server, when it can
       * be reached; a server that cannot is no error for a search. */
      if (ask_servers && results->len < limit)
        {
          g_autoptr(GError) remote_error = NULL;
          g_autoptr(GPtrArray) remote = petrel_sync_remote_search (
            g_ptr_array_index (accounts, i), query, folder_path, limit - results->len, NULL,
            &remote_error);

          if (remote == NULL)
            g_debug ("Server search skipped: %s", remote_error->message);
          for (guint j = 0; remote != NULL && j < remote->len; j++)
            if (!already_hit (results, g_ptr_array_index (remote, j)))
              g_ptr_array_add (results, g_steal_pointer (&g_ptr_array_index (remote, j)));
        }
      g_ptr_array_add (per_account, results);
    }

  while (more && hits->len < limit)
    {
      more = FALSE;
      for (guint i = 0; i < per_account->len && hits->len < limit; i++)
        {
          GPtrArray *results = g_ptr_array_index (per_account, i);
          CliSearchHit *hit;

          if (round >= results->len)
            continue;
          more = TRUE;
          hit = g_new0 (CliSearchHit, 1);
          hit->account = g_object_ref (g_ptr_array_index (accounts, i));
          hit->message = g_steal_pointer (&g_ptr_array_index (results, round));
          g_ptr_array_add (hits, hit);
        }
      round++;
    }

  return g_steal_pointer (&hits);
}
