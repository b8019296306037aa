/* petrel-store-thread.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "petrel-store-private.h"

/*
 * Conversations
 * -------------
 * JWZ threading (https://www.jwz.org/doc/threading.html) builds a tree from Message-ID,
 * In-Reply-To and References, then falls back to the subject. A conversation list only needs
 * the tree's connected components, which we keep incrementally across all folders of the
 * account (so a reply in Sent joins its INBOX thread):
 *
 * - thread_keys maps every Message-ID a message mentions (its own, In-Reply-To, References),
 *   by its _petrel_store_thread_key(), to its conversation. A new message joins the
 *   conversation of any ID it mentions; when its IDs point to several conversations (a child
 *   arrived before its parent, or a message bridges two threads) they are merged into the
 *   oldest.
 * - A message without usable IDs, or whose IDs are all new, joins by subject: the subject with
 *   "Re:", "Fwd:", "AW:", "SV:", … and list tags stripped must match, one side must look like a
 *   reply (so two unrelated "Meeting" mails stay apart) and the conversation must have a
 *   message within SUBJECT_WINDOW of this one.
 * - Missing Message-IDs are not invented; duplicate Message-IDs (the same mail in two folders,
 *   or a broken mailer) simply land in one conversation.
 */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PetrelStoreThreadKeys, _petrel_store_thread_keys_free)

#define MAX_THREAD_IDS     64
#define MAX_ID_LENGTH      512
#define SUBJECT_WINDOW     (60 * 24 * 3600)
#define MAX_LIST_TAG       64

static const char * const reply_prefixes[] = {
  "re", "fwd", "fw", "aw", "sv", "wg", "vs", "antw", "odp", "tr", "rv", "res", "enc",
};

/* Matches "Re:", "RE :", "Re[2]:", "Re(2):", "Re^2:" at @p; returns the text after it. */
static const char *
skip_reply_prefix (const char *p)
{
  for (guint i = 0; i < G_N_ELEMENTS (reply_prefixes); i++)
    {
      gsize len = strlen (reply_prefixes[i]);
      const char *q;

      if (g_ascii_strncasecmp (p, reply_prefixes[i], len) != 0)
        continue;

      q = p + len;

      if (*q == '[' || *q == '(' || *q == '^')
        {
          char close = *q == '[' ? ']' : *q == '(' ? ')' : '\0';

          q++;
          if (!g_ascii_isdigit (*q))
            continue;
          while (g_ascii_isdigit (*q))
            q++;
          if (close != '\0')
            {
              if (*q != close)
                continue;
              q++;
            }
        }

      while (*q == ' ' || *q == '\t')
        q++;

      if (*q == ':')
        return q + 1;

      /* FULLWIDTH COLON, as sent by CJK mailers. */
      if (strncmp (q, "\xef\xbc\x9a", 3) == 0)
        return q + 3;
    }

  return NULL;
}

static gboolean
is_ascii (const char *p)
{
  for (; *p != '\0'; p++)
    {
      if ((guchar) *p >= 0x80)
        return FALSE;
    }

  return TRUE;
}

/**
 * _petrel_store_subject_key:
 * @subject: (nullable): a decoded subject
 * @out_is_reply: (out) (optional): whether a reply or forward prefix was stripped
 *
 * Returns: (transfer full): the subject for threading: prefixes and list tags stripped,
 *   whitespace collapsed, case folded; "" when nothing is left
 */
char *
_petrel_store_subject_key (const char *subject,
                           gboolean   *out_is_reply)
{
  g_autofree char *valid = NULL;
  g_autofree char *normalized = NULL;
  g_autoptr(GString) collapsed = NULL;
  gboolean is_reply = FALSE;
  const char *p;

  if (out_is_reply != NULL)
    *out_is_reply = FALSE;

  if (subject == NULL)
    return g_strdup ("");

  valid = g_utf8_make_valid (subject, -1);
  p = valid;

  for (;;)
    {
      const char *next;

      while (g_ascii_isspace (*p))
        p++;

      if (*p == '[')
        {
          const char *close = strchr (p, ']');

          if (close != NULL && close - p <= MAX_LIST_TAG && close[1] != '\0')
            {
              p = close + 1;
              continue;
            }
        }

      next = skip_reply_prefix (p);
      if (next == NULL)
        break;

      is_reply = TRUE;
      p = next;
    }

  if (out_is_reply != NULL)
    *out_is_reply = is_reply;

  /* Plain ASCII, most subjects: normalizing changes nothing and case folding is lowering A–Z,
   * so skip both (#4: they were a tenth of threading a message). The spaces are exactly those
   * g_unichar_isspace() accepts below ASCII 128. */
  if (is_ascii (p))
    {
      gsize len;

      collapsed = g_string_new (NULL);
      for (const char *q = p; *q != '\0'; q++)
        {
          if (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r' || *q == '\f')
            {
              if (collapsed->len > 0 && collapsed->str[collapsed->len - 1] != ' ')
                g_string_append_c (collapsed, ' ');
            }
          else
            {
              g_string_append_c (collapsed, g_ascii_tolower (*q));
            }
        }
      len = collapsed->len;
      if (len > 0 && collapsed->str[len - 1] == ' ')
        g_string_truncate (collapsed, len - 1);

      return g_string_free (g_steal_pointer (&collapsed), FALSE);
    }

  collapsed = g_string_new (NULL);
  for (const char *q = p; *q != '\0'; q = g_utf8_next_char (q))
    {
      gunichar c = g_utf8_get_char (q);

      if (g_unichar_isspace (c))
        {
          if (collapsed->len > 0 && collapsed->str[collapsed->len - 1] != ' ')
            g_string_append_c (collapsed, ' ');
        }
      else
        {
          g_string_append_unichar (collapsed, c);
        }
    }

  if (collapsed->len > 0 && collapsed->str[collapsed->len - 1] == ' ')
    g_string_truncate (collapsed, collapsed->len - 1);

  normalized = g_utf8_normalize (collapsed->str, -1, G_NORMALIZE_DEFAULT);
  if (normalized == NULL)
    return g_strdup ("");

  return g_utf8_casefold (normalized, -1);
}

static void
add_thread_id (GPtrArray  *ids,
               const char *start,
               gsize       len,
               gboolean    dedupe)
{
  g_autofree char *id = NULL;

  while (len > 0 && g_ascii_isspace (*start))
    {
      start++;
      len--;
    }
  while (len > 0 && g_ascii_isspace (start[len - 1]))
    len--;

  if (len == 0 || len > MAX_ID_LENGTH)
    return;

  id = g_strndup (start, len);
  if (!g_utf8_validate (id, -1, NULL))
    return;

  for (guint i = 0; dedupe && i < ids->len; i++)
    {
      if (strcmp (g_ptr_array_index (ids, i), id) == 0)
        return;
    }

  g_ptr_array_add (ids, g_steal_pointer (&id));
}

/* Adds the <…> tokens of @header; a bare value without brackets counts as one ID (some mime
 * code strips them from Message-ID). */
static void
add_header_ids (GPtrArray  *ids,
                const char *header,
                gboolean    dedupe)
{
  const char *p;

  if (header == NULL)
    return;

  if (strchr (header, '<') == NULL)
    {
      const char *start = header;
      const char *end = header + strlen (header);

      while (start < end && g_ascii_isspace (*start))
        start++;
      while (end > start && g_ascii_isspace (end[-1]))
        end--;

      for (p = start; p < end; p++)
        {
          if (g_ascii_isspace (*p))
            return;
        }

      add_thread_id (ids, start, end - start, dedupe);
      return;
    }

  for (p = strchr (header, '<'); p != NULL; p = strchr (p, '<'))
    {
      const char *close = strchr (p + 1, '>');

      if (close == NULL)
        break;

      add_thread_id (ids, p + 1, close - p - 1, dedupe);
      p = close + 1;
    }
}

/**
 * _petrel_store_collect_thread_ids:
 *
 * Returns: (transfer full) (element-type utf8): the distinct Message-IDs (without angle
 *   brackets) a message mentions, at most MAX_THREAD_IDS; when References is longer the first
 *   (the thread's root) and the most recent ones are kept
 */
GPtrArray *
_petrel_store_collect_thread_ids (const char *message_id,
                                  const char *in_reply_to,
                                  const char *references_text)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) refs = g_ptr_array_new_with_free_func (g_free);

  add_header_ids (ids, message_id, TRUE);
  /* Only the first ID of In-Reply-To: the rest is usually junk. */
  if (in_reply_to != NULL)
    {
      g_autoptr(GPtrArray) reply_ids = g_ptr_array_new_with_free_func (g_free);

      add_header_ids (reply_ids, in_reply_to, FALSE);
      if (reply_ids->len > 0)
        add_thread_id (ids, g_ptr_array_index (reply_ids, 0),
                       strlen (g_ptr_array_index (reply_ids, 0)), TRUE);
    }

  add_header_ids (refs, references_text, FALSE);
  if (refs->len > 0 && ids->len < MAX_THREAD_IDS)
    {
      guint room = MAX_THREAD_IDS - ids->len;
      guint first_tail = refs->len > room ? refs->len - (room - 1) : 1;

      /* Keep the root, then the most recent. */
      add_thread_id (ids, g_ptr_array_index (refs, 0), strlen (g_ptr_array_index (refs, 0)),
                     TRUE);
      for (guint i = first_tail; i < refs->len; i++)
        add_thread_id (ids, g_ptr_array_index (refs, i), strlen (g_ptr_array_index (refs, i)),
                       TRUE);
    }

  return g_steal_pointer (&ids);
}

struct _PetrelStoreThreadKeys
{
  GArray   *ids;            /* gint64: the distinct thread_keys.key of the Message-IDs of
                             * _petrel_store_collect_thread_ids(), in its order */
  char     *subject_key;    /* as _petrel_store_subject_key() */
  gint64    subject_hash;   /* its _petrel_store_thread_key(), 0 for "" */
  gboolean  is_reply;
};

/**
 * _petrel_store_thread_key:
 * @text: a Message-ID (without angle brackets) or a subject key
 *
 * Returns: the key of @text in thread_keys and conversations.subject_hash (migration 8):
 *   64-bit FNV-1a, then the SplitMix64 finalizer so that similar IDs spread over the whole
 *   range; never 0. Stored on disk: never change it.
 */
gint64
_petrel_store_thread_key (const char *text)
{
  guint64 h = G_GUINT64_CONSTANT (0xcbf29ce484222325);

  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    {
      h ^= *p;
      h *= G_GUINT64_CONSTANT (0x100000001b3);
    }

  h ^= h >> 30;
  h *= G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  h ^= h >> 27;
  h *= G_GUINT64_CONSTANT (0x94d049bb133111eb);
  h ^= h >> 31;

  return h == 0 ? 1 : (gint64) h;
}

void
_petrel_store_thread_keys_free (PetrelStoreThreadKeys *keys)
{
  g_array_unref (keys->ids);
  g_free (keys->subject_key);
  g_free (keys);
}

static PetrelStoreThreadKeys *
thread_keys_new (const PetrelStoreMessage *message)
{
  PetrelStoreThreadKeys *keys = g_new0 (PetrelStoreThreadKeys, 1);
  g_autoptr(GPtrArray) ids = NULL;

  ids = _petrel_store_collect_thread_ids (message->message_id, message->in_reply_to,
                                          message->references_text);
  keys->ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), ids->len);
  for (guint i = 0; i < ids->len; i++)
    {
      gint64 key = _petrel_store_thread_key (g_ptr_array_index (ids, i));
      gboolean seen = FALSE;

      for (guint j = 0; j < keys->ids->len && !seen; j++)
        seen = g_array_index (keys->ids, gint64, j) == key;
      if (!seen)
        g_array_append_val (keys->ids, key);
    }

  keys->subject_key = _petrel_store_subject_key (message->subject, &keys->is_reply);
  keys->subject_hash = keys->subject_key[0] != '\0'
                       ? _petrel_store_thread_key (keys->subject_key) : 0;

  return keys;
}

/**
 * petrel_store_message_prepare_threading:
 * @message: a summary whose subject and IDs are final
 *
 * Works out now, on the calling thread, what threading @message will need (its Message-IDs
 * and subject key), so the store thread does not: a sync calls this on its fetching thread
 * while the store thread writes the previous batch (#4). Optional; changing the subject or
 * IDs afterwards is not allowed.
 */
void
petrel_store_message_prepare_threading (PetrelStoreMessage *message)
{
  g_return_if_fail (message != NULL);

  g_clear_pointer (&message->thread_keys, _petrel_store_thread_keys_free);
  message->thread_keys = thread_keys_new (message);
}

static gboolean
find_by_subject (PetrelStoreConn           *conn,
                 const char                *key,
                 gint64                     hash,
                 gboolean                   is_reply,
                 gint64                     date,
                 gint64                    *out_id,
                 GError                   **error)
{
  g_autoptr(PetrelStoreStmt) stmt = NULL;
  int rc;

  *out_id = 0;

  /* A reply may join any conversation with its subject, a non-reply only one started by a
   * reply. Two statements rather than "(?2 OR c.reply_subject)": with that, a non-reply
   * walked every conversation with its subject ("Lunch on Monday?" in a big mailbox) to skip
   * the ones not started by a reply; the partial index conversations_reply_subject_hash
   * (migrations 5 and 8) holds just those. The key itself is compared too: two subjects may
   * share a hash. */
  stmt = _petrel_store_prepare (conn,
                                is_reply
                                ? "SELECT c.id FROM conversations c"
                                  /* Repeating != 0 lets the partial index serve. */
                                  " WHERE c.subject_hash = ?5 AND c.subject_hash != 0"
                                  " AND c.subject_key = ?1"
                                  " AND EXISTS (SELECT 1 FROM messages m"
                                  "   WHERE m.conversation_id = c.id"
                                  "   AND m.date BETWEEN ?3 - ?4 AND ?3 + ?4)"
                                  " ORDER BY c.id DESC LIMIT 1"
                                : "SELECT c.id FROM conversations c"
                                  " WHERE c.subject_hash = ?5 AND c.subject_hash != 0"
                                  " AND c.reply_subject = 1 AND c.subject_key = ?1"
                                  " AND EXISTS (SELECT 1 FROM messages m"
                                  "   WHERE m.conversation_id = c.id"
                                  "   AND m.date BETWEEN ?3 - ?4 AND ?3 + ?4)"
                                  " ORDER BY c.id DESC LIMIT 1",
                                error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, date);
  sqlite3_bind_int64 (stmt, 4, SUBJECT_WINDOW);
  sqlite3_bind_int64 (stmt, 5, hash);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    *out_id = sqlite3_column_int64 (stmt, 0);
  else if (rc != SQLITE_DONE)
    {
      _petrel_store_set_error (error, conn->db, rc, _("Cannot thread a message"));
      return FALSE;
    }

  return TRUE;
}

static gboolean
merge_conversation (PetrelStoreConn  *conn,
                    gint64            from,
                    gint64            into,
                    GError          **error)
{
  static const char * const sql[] = {
    "UPDATE messages SET conversation_id = ?2 WHERE conversation_id = ?1",
    "UPDATE thread_keys SET conversation_id = ?2 WHERE conversation_id = ?1",
    "DELETE FROM conversations WHERE id = ?1",
  };

  g_debug ("Merging conversation %" G_GINT64_FORMAT " into %" G_GINT64_FORMAT, from, into);

  for (guint i = 0; i < G_N_ELEMENTS (sql); i++)
    {
      g_autoptr(PetrelStoreStmt) stmt = _petrel_store_prepare (conn, sql[i], error);

      if (stmt == NULL)
        return FALSE;

      sqlite3_bind_int64 (stmt, 1, from);
      if (i < 2)
        sqlite3_bind_int64 (stmt, 2, into);

      if (!_petrel_store_step_done (conn, stmt, error))
        return FALSE;
    }

  return TRUE;
}

/**
 * _petrel_store_thread_message:
 * @conn: the write connection, inside a transaction
 * @message: a message about to be inserted
 * @out_conversation_id: (out): the conversation it belongs to
 *
 * Finds (or creates) the conversation of a new message, merging conversations its IDs link,
 * and records its IDs.
 */
gboolean
_petrel_store_thread_message (PetrelStoreConn           *conn,
                              const PetrelStoreMessage  *message,
                              gint64                    *out_conversation_id,
                              GError                   **error)
{
  PetrelStoreThreadKeys *keys = message->thread_keys;
  g_autoptr(PetrelStoreThreadKeys) own_keys = NULL;
  GArray *ids;
  g_autoptr(GArray) found = g_array_new (FALSE, FALSE, sizeof (gint64));
  /* IDs already in thread_keys: after the merges below they point to the target, so only the
   * others need an INSERT (#4: one statement less per known ID). A bit per ID; a header with
   * more than 64 IDs (only a broken Message-ID can give that) inserts the rest as before. */
  guint64 known = 0;
  gint64 target = 0;

  if (keys == NULL)
    keys = own_keys = thread_keys_new (message);
  ids = keys->ids;

  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(PetrelStoreStmt) stmt = NULL;
      int rc;

      stmt = _petrel_store_prepare (conn,
                                    "SELECT conversation_id FROM thread_keys WHERE key = ?1",
                                    error);
      if (stmt == NULL)
        return FALSE;

      sqlite3_bind_int64 (stmt, 1, g_array_index (ids, gint64, i));
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          gint64 id = sqlite3_column_int64 (stmt, 0);
          gboolean seen = FALSE;

          if (i < 64)
            known |= G_GUINT64_CONSTANT (1) << i;
          for (guint j = 0; j < found->len; j++)
            seen |= g_array_index (found, gint64, j) == id;
          if (!seen)
            g_array_append_val (found, id);
        }
      else if (rc != SQLITE_DONE)
        {
          _petrel_store_set_error (error, conn->db, rc, _("Cannot thread a message"));
          return FALSE;
        }
    }

  if (found->len > 0)
    {
      target = g_array_index (found, gint64, 0);
      for (guint i = 1; i < found->len; i++)
        target = MIN (target, g_array_index (found, gint64, i));

      for (guint i = 0; i < found->len; i++)
        {
          gint64 id = g_array_index (found, gint64, i);

          if (id != target && !merge_conversation (conn, id, target, error))
            return FALSE;
        }
    }
  else
    {
      const char *key = keys->subject_key;
      gboolean is_reply = keys->is_reply;
      gint64 date = message->date != 0 ? message->date : message->internal_date;

      if (key[0] != '\0' &&
          !find_by_subject (conn, key, keys->subject_hash, is_reply, date, &target, error))
        return FALSE;

      if (target == 0)
        {
          g_autoptr(PetrelStoreStmt) stmt = NULL;

          stmt = _petrel_store_prepare (conn,
                                        "INSERT INTO conversations (subject_key, reply_subject,"
                                        " subject_hash) VALUES (?1, ?2, ?3)",
                                        error);
          if (stmt == NULL)
            return FALSE;

          sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
          sqlite3_bind_int (stmt, 2, is_reply);
          sqlite3_bind_int64 (stmt, 3, keys->subject_hash);
          if (!_petrel_store_step_done (conn, stmt, error))
            return FALSE;

          target = sqlite3_last_insert_rowid (conn->db);
        }
    }

  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(PetrelStoreStmt) stmt = NULL;

      if (i < 64 && (known & (G_GUINT64_CONSTANT (1) << i)) != 0)
        continue;

      stmt = _petrel_store_prepare (conn,
                                    "INSERT OR IGNORE INTO thread_keys (key, conversation_id)"
                                    " VALUES (?1, ?2)",
                                    error);
      if (stmt == NULL)
        return FALSE;

      sqlite3_bind_int64 (stmt, 1, g_array_index (ids, gint64, i));
      sqlite3_bind_int64 (stmt, 2, target);
      if (!_petrel_store_step_done (conn, stmt, error))
        return FALSE;
    }

  *out_conversation_id = target;

  return TRUE;
}
