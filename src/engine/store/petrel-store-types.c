/* petrel-store-types.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "petrel-store-private.h"

G_DEFINE_BOXED_TYPE (PetrelStoreFolder, petrel_store_folder,
                     petrel_store_folder_copy, petrel_store_folder_free)
G_DEFINE_BOXED_TYPE (PetrelStoreMessage, petrel_store_message,
                     petrel_store_message_copy, petrel_store_message_free)
G_DEFINE_BOXED_TYPE (PetrelStoreOutboxItem, petrel_store_outbox_item,
                     petrel_store_outbox_item_copy, petrel_store_outbox_item_free)
G_DEFINE_BOXED_TYPE (PetrelStoreReplayOp, petrel_store_replay_op,
                     petrel_store_replay_op_copy, petrel_store_replay_op_free)

/* A server may send any number of keywords of any length; keep what a person could use. */
#define MAX_KEYWORDS       64
#define MAX_KEYWORD_LENGTH 128

static const struct {
  PetrelStoreFlags  flag;
  const char       *name;
} system_flags[] = {
  { PETREL_STORE_FLAG_SEEN, "\\Seen" },
  { PETREL_STORE_FLAG_ANSWERED, "\\Answered" },
  { PETREL_STORE_FLAG_FLAGGED, "\\Flagged" },
  { PETREL_STORE_FLAG_DELETED, "\\Deleted" },
  { PETREL_STORE_FLAG_DRAFT, "\\Draft" },
};

static const char * const role_names[] = {
  [PETREL_STORE_FOLDER_ROLE_NONE] = NULL,
  [PETREL_STORE_FOLDER_ROLE_INBOX] = "inbox",
  [PETREL_STORE_FOLDER_ROLE_SENT] = "sent",
  [PETREL_STORE_FOLDER_ROLE_DRAFTS] = "drafts",
  [PETREL_STORE_FOLDER_ROLE_TRASH] = "trash",
  [PETREL_STORE_FOLDER_ROLE_JUNK] = "junk",
  [PETREL_STORE_FOLDER_ROLE_ARCHIVE] = "archive",
};

static gboolean
is_valid_keyword (const char *keyword)
{
  gsize len = strlen (keyword);

  if (len == 0 || len > MAX_KEYWORD_LENGTH)
    return FALSE;

  /* IMAP atoms: no spaces, controls, or list/quote specials. */
  for (const char *p = keyword; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (c <= 0x20 || c == 0x7f || c >= 0x80 || strchr ("(){%*\"\\]", c) != NULL)
        return FALSE;
    }

  return TRUE;
}

/**
 * petrel_store_flags_parse:
 * @imap_flags: (array zero-terminated=1) (nullable): flags as the server sent them
 * @out_keywords: (out) (optional) (transfer full) (nullable): the keywords, space-separated,
 *   or %NULL when there are none
 *
 * Splits an IMAP flag list into the system-flag bitmask and the keywords. System flags match
 * case-insensitively; other `\`-flags (`\Recent`, `\*`) are dropped, as are malformed keywords
 * and duplicates.
 *
 * Returns: the system flags
 */
PetrelStoreFlags
petrel_store_flags_parse (const char * const *imap_flags,
                          char              **out_keywords)
{
  PetrelStoreFlags flags = PETREL_STORE_FLAG_NONE;
  g_autoptr(GPtrArray) keywords = g_ptr_array_new ();

  for (guint i = 0; imap_flags != NULL && imap_flags[i] != NULL; i++)
    {
      const char *flag = imap_flags[i];

      if (flag[0] == '\\')
        {
          for (guint j = 0; j < G_N_ELEMENTS (system_flags); j++)
            {
              if (g_ascii_strcasecmp (flag, system_flags[j].name) == 0)
                flags |= system_flags[j].flag;
            }
          continue;
        }

      if (!is_valid_keyword (flag) || keywords->len >= MAX_KEYWORDS)
        continue;

      for (guint j = 0; j < keywords->len; j++)
        {
          if (g_ascii_strcasecmp (flag, g_ptr_array_index (keywords, j)) == 0)
            goto next;
        }

      g_ptr_array_add (keywords, (gpointer) flag);
    next:
      ;
    }

  if (out_keywords != NULL)
    {
      if (keywords->len == 0)
        {
          *out_keywords = NULL;
        }
      else
        {
          g_ptr_array_add (keywords, NULL);
          *out_keywords = g_strjoinv (" ", (char **) keywords->pdata);
        }
    }

  return flags;
}

/**
 * petrel_store_flags_to_strv:
 * @flags: system flags
 * @keywords: (nullable): space-separated keywords
 *
 * The inverse of petrel_store_flags_parse(): IMAP flag names, system flags first.
 *
 * Returns: (transfer full): a %NULL-terminated array
 */
GStrv
petrel_store_flags_to_strv (PetrelStoreFlags  flags,
                            const char       *keywords)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < G_N_ELEMENTS (system_flags); i++)
    {
      if (flags & system_flags[i].flag)
        g_strv_builder_add (builder, system_flags[i].name);
    }

  if (keywords != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (keywords, " ", -1);

      for (guint i = 0; parts[i] != NULL; i++)
        {
          if (parts[i][0] != '\0')
            g_strv_builder_add (builder, parts[i]);
        }
    }

  return g_strv_builder_end (builder);
}

/**
 * petrel_store_folder_role_to_string:
 *
 * Returns: (nullable): "inbox", "sent", "drafts", "trash", "junk", "archive", or %NULL for
 *   %PETREL_STORE_FOLDER_ROLE_NONE (the `petrel-cli folders` spelling)
 */
const char *
petrel_store_folder_role_to_string (PetrelStoreFolderRole role)
{
  if ((guint) role >= G_N_ELEMENTS (role_names))
    return NULL;

  return role_names[role];
}

/**
 * petrel_store_folder_role_from_string:
 * @str: (nullable): a role name
 *
 * Returns: the role, %PETREL_STORE_FOLDER_ROLE_NONE for %NULL or an unknown name
 */
PetrelStoreFolderRole
petrel_store_folder_role_from_string (const char *str)
{
  if (str == NULL)
    return PETREL_STORE_FOLDER_ROLE_NONE;

  for (guint i = 0; i < G_N_ELEMENTS (role_names); i++)
    {
      if (role_names[i] != NULL && g_ascii_strcasecmp (str, role_names[i]) == 0)
        return (PetrelStoreFolderRole) i;
    }

  return PETREL_STORE_FOLDER_ROLE_NONE;
}

/**
 * petrel_store_folder_new:
 * @path: the mailbox name
 *
 * Returns: (transfer full): a folder description to pass to petrel_store_upsert_folder()
 */
PetrelStoreFolder *
petrel_store_folder_new (const char *path)
{
  PetrelStoreFolder *folder;

  g_return_val_if_fail (path != NULL, NULL);

  folder = g_new0 (PetrelStoreFolder, 1);
  folder->path = g_strdup (path);
  folder->subscribed = TRUE;

  return folder;
}

PetrelStoreFolder *
petrel_store_folder_copy (const PetrelStoreFolder *folder)
{
  PetrelStoreFolder *copy;

  g_return_val_if_fail (folder != NULL, NULL);

  copy = g_memdup2 (folder, sizeof *folder);
  copy->path = g_strdup (folder->path);
  copy->delimiter = g_strdup (folder->delimiter);
  copy->attributes = g_strdup (folder->attributes);
  copy->raw_path = g_strdup (folder->raw_path);

  return copy;
}

void
petrel_store_folder_free (PetrelStoreFolder *folder)
{
  if (folder == NULL)
    return;

  g_free (folder->path);
  g_free (folder->delimiter);
  g_free (folder->attributes);
  g_free (folder->raw_path);
  g_free (folder);
}

/**
 * petrel_store_message_new:
 *
 * Returns: (transfer full): an empty message row, to fill and pass to
 *   petrel_store_upsert_message()
 */
PetrelStoreMessage *
petrel_store_message_new (void)
{
  return g_new0 (PetrelStoreMessage, 1);
}

PetrelStoreMessage *
petrel_store_message_copy (const PetrelStoreMessage *message)
{
  PetrelStoreMessage *copy;

  g_return_val_if_fail (message != NULL, NULL);

  copy = g_memdup2 (message, sizeof *message);
  copy->keywords = g_strdup (message->keywords);
  copy->subject = g_strdup (message->subject);
  copy->from_name = g_strdup (message->from_name);
  copy->from_addr = g_strdup (message->from_addr);
  copy->to_text = g_strdup (message->to_text);
  copy->cc_text = g_strdup (message->cc_text);
  copy->message_id = g_strdup (message->message_id);
  copy->in_reply_to = g_strdup (message->in_reply_to);
  copy->references_text = g_strdup (message->references_text);
  copy->snippet = g_strdup (message->snippet);
  copy->folder_path = g_strdup (message->folder_path);
  copy->thread_keys = NULL;

  return copy;
}

void
petrel_store_message_free (PetrelStoreMessage *message)
{
  if (message == NULL)
    return;

  g_free (message->keywords);
  g_free (message->subject);
  g_free (message->from_name);
  g_free (message->from_addr);
  g_free (message->to_text);
  g_free (message->cc_text);
  g_free (message->message_id);
  g_free (message->in_reply_to);
  g_free (message->references_text);
  g_free (message->snippet);
  g_free (message->folder_path);
  g_clear_pointer (&message->thread_keys, _petrel_store_thread_keys_free);
  g_free (message);
}

PetrelStoreOutboxItem *
petrel_store_outbox_item_copy (const PetrelStoreOutboxItem *item)
{
  PetrelStoreOutboxItem *copy;

  g_return_val_if_fail (item != NULL, NULL);

  copy = g_memdup2 (item, sizeof *item);
  copy->state = g_strdup (item->state);
  copy->raw = item->raw != NULL ? g_bytes_ref (item->raw) : NULL;
  copy->recipients = g_strdup (item->recipients);
  copy->subject = g_strdup (item->subject);
  copy->last_error = g_strdup (item->last_error);

  return copy;
}

void
petrel_store_outbox_item_free (PetrelStoreOutboxItem *item)
{
  if (item == NULL)
    return;

  g_free (item->state);
  g_clear_pointer (&item->raw, g_bytes_unref);
  g_free (item->recipients);
  g_free (item->subject);
  g_free (item->last_error);
  g_free (item);
}

PetrelStoreReplayOp *
petrel_store_replay_op_copy (const PetrelStoreReplayOp *op)
{
  PetrelStoreReplayOp *copy;

  g_return_val_if_fail (op != NULL, NULL);

  copy = g_memdup2 (op, sizeof *op);
  copy->kind = g_strdup (op->kind);
  copy->payload = g_strdup (op->payload);
  copy->state = g_strdup (op->state);
  copy->last_error = g_strdup (op->last_error);

  return copy;
}

void
petrel_store_replay_op_free (PetrelStoreReplayOp *op)
{
  if (op == NULL)
    return;

  g_free (op->kind);
  g_free (op->payload);
  g_free (op->state);
  g_free (op->last_error);
  g_free (op);
}
