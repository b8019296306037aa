/* petrel-store-conversations.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A folder as a list of conversations (issue 8): one row per conversation that has a message in
 * the folder, standing for it by its newest message there, newest first; messages the threader
 * left without a conversation are rows of their own. The rows are plain PetrelStoreMessage rows
 * (the newest of each conversation in the folder), so lazy lists page them like a flat folder.
 *
 * A row is the newest of its conversation in the folder when no other message of the folder in
 * that conversation is newer (by date, ties by UID). That probe walks the
 * messages (conversation_id, date) index from the row's date up, so a page costs its size times
 * the (short) tail of each thread, on top of the (folder_id, date, uid) index walk that a flat
 * page costs.
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include "petrel-store-private.h"
#include "petrel-store-conversations.h"

#define NEWEST_IN_FOLDER \
  "(m.conversation_id IS NULL OR NOT EXISTS (" \
  "  SELECT 1 FROM messages n" \
  "  WHERE n.conversation_id = m.conversation_id AND n.date >= m.date" \
  "    AND n.folder_id = m.folder_id AND n.id != m.id" \
  "    AND (n.date > m.date OR n.uid > m.uid)))"

void
petrel_store_conversation_summary_free (PetrelStoreConversationSummary *summary)
{
  if (summary == NULL)
    return;

  g_free (summary->participants);
  g_free (summary);
}

/**
 * petrel_store_count_folder_conversations:
 * @out_count: (out): rows petrel_store_list_folder_conversations() lists for the folder
 */
gboolean
petrel_store_count_folder_conversations (PetrelStore  *self,
                                         gint64        folder_id,
                                         guint        *out_count,
                                         GError      **error)
{
  gint64 counts[2];

  g_return_val_if_fail (PETREL_IS_STORE (self), FALSE);
  g_return_val_if_fail (out_count != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!_petrel_store_read_int64s (self,
                                  "SELECT count(DISTINCT conversation_id),"
                                  "       coalesce(sum(conversation_id IS NULL), 0)"
                                  " FROM messages WHERE folder_id = ?1",
                                  &folder_id, 1, counts, G_N_ELEMENTS (counts),
                                  _("Cannot count conversations"), error))
    return FALSE;

  *out_count = (guint) (counts[0] + counts[1]);
  return TRUE;
}

/**
 * petrel_store_list_folder_conversations:
 * @offset: rows to skip
 * @limit: at most this many rows, 0 for all
 *
 * Lists a folder's conversations newest first, each as its newest message in the folder, in
 * the order of petrel_store_list_messages().
 *
 * Returns: (transfer full) (element-type PetrelStoreMessage): the page
 */
GPtrArray *
petrel_store_list_folder_conversations (PetrelStore  *self,
                                        gint64        folder_id,
                                        guint         offset,
                                        guint         limit,
                                        GError      **error)
{
  const gint64 params[] = { folder_id, limit > 0 ? (gint64) limit : -1, offset };

  g_return_val_if_fail (PETREL_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return _petrel_store_read_rows (self,
                                  "SELECT " PETREL_STORE_MESSAGE_COLUMNS " FROM messages m"
                                  " WHERE m.folder_id = ?1 AND " NEWEST_IN_FOLDER
                                  " ORDER BY m.date DESC, m.uid DESC LIMIT ?2 OFFSET ?3",
                                  params, G_N_ELEMENTS (params),
                                  (PetrelStoreRowFunc) _petrel_store_message_from_row,
                                  (GDestroyNotify) petrel_store_message_free,
                                  _("Cannot list conversations"), error);
}

typedef struct {
  PetrelStoreConversationSummary *summary;
  GHashTable                     *seen_ids;
  GHashTable                     *seen_names;
  GString                        *names;
} Summarize;

static gboolean
summarize_row (sqlite3_stmt *stmt,
               gpointer      user_data)
{
  Summarize *data = user_data;
  const char *message_id = (const char *) sqlite3_column_text (stmt, 0);
  const char *name = (const char *) sqlite3_column_text (stmt, 3);

  /* The same mail in two folders (INBOX and Archive, say) is one message of the thread. */
  if (message_id != NULL && *message_id != '\0')
    {
      if (g_hash_table_contains (data->seen_ids, message_id))
        return TRUE;
      g_hash_table_add (data->seen_ids, g_strdup (message_id));
    }

  data->summary->count++;
  if ((sqlite3_column_int64 (stmt, 1) & PETREL_STORE_FLAG_SEEN) == 0)
    data->summary->unread++;
  data->summary->latest_date = MAX (data->summary->latest_date, sqlite3_column_int64 (stmt, 2));

  if (name == NULL || *name == '\0')
    name = (const char *) sqlite3_column_text (stmt, 4);
  if (name != NULL && *name != '\0' && !g_hash_table_contains (data->seen_names, name))
    {
      g_hash_table_add (data->seen_names, g_strdup (name));
      if (data->names->len > 0)
        g_string_append (data->names, ", ");
      g_string_append (data->names, name);
    }

  return TRUE;
}

/**
 * petrel_store_summarize_conversation:
 *
 * Counts a conversation's messages (all folders) and names its participants, for a collapsed
 * row. Reads the conversation's rows through the (conversation_id, date) index.
 *
 * Returns: (transfer full): the summary; a conversation that no longer exists has count 0
 */
PetrelStoreConversationSummary *
petrel_store_summarize_conversation (PetrelStore  *self,
                                     gint64        conversation_id,
                                     GError      **error)
{
  g_autoptr(PetrelStoreConversationSummary) summary = NULL;
  g_autoptr(GHashTable) seen_ids = NULL;
  g_autoptr(GHashTable) seen_names = NULL;
  g_autoptr(GString) names = NULL;
  Summarize data;

  g_return_val_if_fail (PETREL_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  summary = g_new0 (PetrelStoreConversationSummary, 1);
  seen_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  seen_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  names = g_string_new (NULL);
  data = (Summarize) { summary, seen_ids, seen_names, names };

  if (!_petrel_store_read_each (self,
                                "SELECT message_id, flags, date, from_name, from_addr"
                                " FROM messages WHERE conversation_id = ?1 ORDER BY date",
                                &conversation_id, 1, summarize_row, &data,
                                _("Cannot read a conversation"), error))
    return NULL;

  summary->participants = g_string_free (g_steal_pointer (&names), FALSE);
  return g_steal_pointer (&summary);
}
