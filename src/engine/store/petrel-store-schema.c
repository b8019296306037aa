/* petrel-store-schema.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "petrel-store-private.h"

/*
 * Numbered migrations. Entry N turns a schema of version N-1 into version N; it runs in one
 * transaction together with `PRAGMA user_version = N`. Never edit a released entry: add a new
 * one and bump PETREL_STORE_SCHEMA_VERSION.
 *
 * Notes on version 1:
 * - messages.date is the sort key of folder lists: the Date header, or INTERNALDATE when the
 *   header is missing, so a list is one index range scan (messages_folder_date).
 * - folders.total/unread, the FTS rows and empty conversations are kept right by triggers, so
 *   no code path (cascade deletes included) can forget them.
 * - messages_fts stores its own copy of the indexed text (the body text lives nowhere else in
 *   the database) and its rowid is messages.id. Name and address are separate columns so a
 *   phrase cannot match across them ("Lee Ann" <ann@…> is not "Ann Lee").
 * - thread_ids maps every Message-ID seen in a message (its own, In-Reply-To, References) to
 *   a conversation: conversations are the connected components of that reference graph.
 * - outbox and replay_queue are user data: nothing in the cache logic deletes them.
 */
static const char migration_1[] =
  "CREATE TABLE folders ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  path TEXT NOT NULL UNIQUE,"
  "  delimiter TEXT,"
  "  role TEXT CHECK (role IN ('inbox', 'sent', 'drafts', 'trash', 'junk', 'archive')),"
  "  attributes TEXT,"
  "  uidvalidity INTEGER NOT NULL DEFAULT 0,"
  "  uidnext INTEGER NOT NULL DEFAULT 0,"
  "  highestmodseq INTEGER NOT NULL DEFAULT 0,"
  "  total INTEGER NOT NULL DEFAULT 0,"
  "  unread INTEGER NOT NULL DEFAULT 0,"
  "  subscribed INTEGER NOT NULL DEFAULT 1,"
  "  last_sync INTEGER NOT NULL DEFAULT 0"
  ");"

  "CREATE TABLE conversations ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  subject_key TEXT NOT NULL DEFAULT '',"
  "  reply_subject INTEGER NOT NULL DEFAULT 0"
  ");"
  "CREATE INDEX conversations_subject_key ON conversations (subject_key)"
  "  WHERE subject_key != '';"

  "CREATE TABLE thread_ids ("
  "  message_id TEXT PRIMARY KEY,"
  "  conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE"
  ") WITHOUT ROWID;"
  "CREATE INDEX thread_ids_conversation ON thread_ids (conversation_id);"

  "CREATE TABLE messages ("
  "  id INTEGER PRIMARY KEY,"
  "  folder_id INTEGER NOT NULL REFERENCES folders (id) ON DELETE CASCADE,"
  "  uid INTEGER NOT NULL,"
  "  modseq INTEGER NOT NULL DEFAULT 0,"
  "  flags INTEGER NOT NULL DEFAULT 0,"
  "  keywords TEXT,"
  "  internal_date INTEGER NOT NULL DEFAULT 0,"
  "  size INTEGER NOT NULL DEFAULT 0,"
  "  date INTEGER NOT NULL DEFAULT 0,"
  "  subject TEXT,"
  "  from_name TEXT,"
  "  from_addr TEXT,"
  "  to_text TEXT,"
  "  cc_text TEXT,"
  "  message_id TEXT,"
  "  in_reply_to TEXT,"
  "  references_text TEXT,"
  "  has_attachments INTEGER NOT NULL DEFAULT 0,"
  "  attachment_names TEXT,"
  "  snippet TEXT,"
  "  body_present INTEGER NOT NULL DEFAULT 0,"
  "  body_path TEXT,"
  "  body_size INTEGER NOT NULL DEFAULT 0,"
  "  conversation_id INTEGER REFERENCES conversations (id) ON DELETE SET NULL,"
  "  UNIQUE (folder_id, uid)"
  ");"
  "CREATE INDEX messages_folder_date ON messages (folder_id, date DESC, uid DESC);"
  "CREATE INDEX messages_conversation ON messages (conversation_id);"
  /* Search: ranking reads only these columns of each full-text hit (a narrow index is much
   * cheaper to visit than the wide rows), and filter-only searches across folders walk the
   * date order. */
  "CREATE INDEX messages_search ON messages (id, folder_id, flags, has_attachments, date, uid);"
  "CREATE INDEX messages_date ON messages (date DESC, uid DESC, flags, has_attachments);"

  "CREATE VIRTUAL TABLE messages_fts USING fts5 ("
  "  subject, from_name, from_addr, to_text, cc_text, body, attachments,"
  "  tokenize = 'unicode61 remove_diacritics 2'"
  ");"

  "CREATE TRIGGER messages_after_insert AFTER INSERT ON messages BEGIN"
  "  INSERT INTO messages_fts (rowid, subject, from_name, from_addr, to_text, cc_text, body,"
  "                            attachments)"
  "    VALUES (new.id, new.subject, new.from_name, new.from_addr, new.to_text, new.cc_text,"
  "            NULL, new.attachment_names);"
  "  UPDATE folders SET total = total + 1, unread = unread + ((new.flags & 1) = 0)"
  "    WHERE id = new.folder_id;"
  "END;"

  "CREATE TRIGGER messages_after_delete AFTER DELETE ON messages BEGIN"
  "  DELETE FROM messages_fts WHERE rowid = old.id;"
  "  UPDATE folders SET total = total - 1, unread = unread - ((old.flags & 1) = 0)"
  "    WHERE id = old.folder_id;"
  "  DELETE FROM conversations WHERE id = old.conversation_id"
  "    AND NOT EXISTS (SELECT 1 FROM messages WHERE conversation_id = old.conversation_id);"
  "END;"

  "CREATE TRIGGER messages_after_update_flags AFTER UPDATE OF flags ON messages"
  "  WHEN (old.flags & 1) != (new.flags & 1) BEGIN"
  "  UPDATE folders SET unread = unread + (CASE WHEN (new.flags & 1) = 0 THEN 1 ELSE -1 END)"
  "    WHERE id = new.folder_id;"
  "END;"

  "CREATE TRIGGER messages_after_update_folder AFTER UPDATE OF folder_id ON messages"
  "  WHEN old.folder_id != new.folder_id BEGIN"
  "  UPDATE folders SET total = total - 1, unread = unread - ((old.flags & 1) = 0)"
  "    WHERE id = old.folder_id;"
  "  UPDATE folders SET total = total + 1, unread = unread + ((new.flags & 1) = 0)"
  "    WHERE id = new.folder_id;"
  "END;"

  "CREATE TRIGGER messages_after_update_text"
  "  AFTER UPDATE OF subject, from_name, from_addr, to_text, cc_text ON messages"
  "  WHEN old.subject IS NOT new.subject OR old.from_name IS NOT new.from_name"
  "    OR old.from_addr IS NOT new.from_addr OR old.to_text IS NOT new.to_text"
  "    OR old.cc_text IS NOT new.cc_text BEGIN"
  "  UPDATE messages_fts SET subject = new.subject, from_name = new.from_name,"
  "    from_addr = new.from_addr, to_text = new.to_text, cc_text = new.cc_text"
  "    WHERE rowid = new.id;"
  "END;"

  "CREATE TABLE outbox ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  created INTEGER NOT NULL,"
  "  state TEXT NOT NULL DEFAULT 'queued',"
  "  raw BLOB NOT NULL,"
  "  recipients TEXT NOT NULL DEFAULT '',"
  "  subject TEXT,"
  "  attempts INTEGER NOT NULL DEFAULT 0,"
  "  last_error TEXT,"
  "  sent_at INTEGER NOT NULL DEFAULT 0,"
  "  saved_to_sent INTEGER NOT NULL DEFAULT 0"
  ");"

  "CREATE TABLE replay_queue ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  created INTEGER NOT NULL,"
  "  kind TEXT NOT NULL,"
  "  payload TEXT NOT NULL DEFAULT '{}' CHECK (json_valid (payload)),"
  "  state TEXT NOT NULL DEFAULT 'pending',"
  "  attempts INTEGER NOT NULL DEFAULT 0,"
  "  last_error TEXT"
  ");";

/* 2: the messages whose body is not cached yet, newest first, without reading every row of
 * the folder: what the body prefetch and a no-change sync ask for. */
static const char migration_2[] =
  "CREATE INDEX messages_missing_body ON messages (folder_id, date DESC, uid DESC)"
  "  WHERE body_present = 0;";

/* 3: threading by subject asks "does this conversation have a message within N days?" for
 * every conversation with the same subject; with the date in the index that is one probe each
 * rather than a walk over the conversation's messages (quadratic over a big sync). */
static const char migration_3[] =
  "DROP INDEX messages_conversation;"
  "CREATE INDEX messages_conversation ON messages (conversation_id, date);";

/* 4: new summaries enter the full-text index in one statement per batch (#4). FTS5 (SQLite
 * 3.40) writes its pending terms out as a new segment at every statement savepoint, and the
 * trigger made each inserted message a statement of its own: a 10,000-message sync built
 * 10,000 segments and spent a third of its time merging them. petrel_store_upsert_messages()
 * sets store_flags.defer_fts inside its transaction, indexes the batch's new rows itself and
 * clears the flag before committing, so no other connection ever sees it set; every other
 * insert is indexed by the trigger, as before. */
static const char migration_4[] =
  "CREATE TABLE store_flags ("
  "  name TEXT PRIMARY KEY,"
  "  value INTEGER NOT NULL DEFAULT 0"
  ") WITHOUT ROWID;"
  "INSERT INTO store_flags (name, value) VALUES ('defer_fts', 0);"

  "DROP TRIGGER messages_after_insert;"
  "CREATE TRIGGER messages_after_insert AFTER INSERT ON messages BEGIN"
  "  UPDATE folders SET total = total + 1, unread = unread + ((new.flags & 1) = 0)"
  "    WHERE id = new.folder_id;"
  "END;"
  "CREATE TRIGGER messages_after_insert_fts AFTER INSERT ON messages"
  "  WHEN (SELECT value FROM store_flags WHERE name = 'defer_fts') IS NOT 1 BEGIN"
  "  INSERT INTO messages_fts (rowid, subject, from_name, from_addr, to_text, cc_text, body,"
  "                            attachments)"
  "    VALUES (new.id, new.subject, new.from_name, new.from_addr, new.to_text, new.cc_text,"
  "            NULL, new.attachment_names);"
  "END;";

/* 5: a batch of new summaries also updates its folders' counts in one statement (#4): the
 * per-row UPDATE of folders, and a second trigger reading store_flags for every row, cost a
 * tenth of a headers-only sync. While store_flags.defer_fts is set (only ever inside
 * petrel_store_upsert_messages()'s transaction) an insert neither indexes nor counts.
 * Threading a non-reply by subject looks only at conversations started by a reply: an
 * index of just those, rather than a walk over every conversation with the same subject. */
static const char migration_5[] =
  "CREATE INDEX conversations_reply_subject_key ON conversations (subject_key)"
  "  WHERE subject_key != '' AND reply_subject = 1;"
  "DROP TRIGGER messages_after_insert;"
  "DROP TRIGGER messages_after_insert_fts;"
  "CREATE TRIGGER messages_after_insert AFTER INSERT ON messages"
  "  WHEN (SELECT value FROM store_flags WHERE name = 'defer_fts') IS NOT 1 BEGIN"
  "  INSERT INTO messages_fts (rowid, subject, from_name, from_addr, to_text, cc_text, body,"
  "                            attachments)"
  "    VALUES (new.id, new.subject, new.from_name, new.from_addr, new.to_text, new.cc_text,"
  "            NULL, new.attachment_names);"
  "  UPDATE folders SET total = total + 1, unread = unread + ((new.flags & 1) = 0)"
  "    WHERE id = new.folder_id;"
  "END;";

/* 6: no insert trigger on messages (#4). Its WHEN clause alone (a subquery of store_flags for
 * every row) was a third of the cost of inserting a summary, and no insert needs it: only
 * petrel-store-messages.c and petrel-store-bodies.c insert into messages, and they index and
 * count new rows themselves, a batch's all at once (_petrel_store_add_new_row(),
 * flush_new_rows()). The other triggers stay; store_flags stays too, its defer_fts always 0
 * and read by nothing. */
static const char migration_6[] =
  "DROP TRIGGER messages_after_insert;";

/* 7: the server's own name of each folder (folders.raw_path), which need not be valid modified
 * UTF-7: path stays the UTF-8 name people see and the key, raw_path is what commands send. NULL
 * (folders from before this version, or made by Petrel and not listed since) means "path,
 * encoded for the connection"; the next folder list fills it in. */
static const char migration_7[] =
  "ALTER TABLE folders ADD COLUMN raw_path TEXT;";

/* 8: the threading indexes keyed by 64-bit hashes (_petrel_store_thread_key()) rather than
 * text (#4). Message-IDs and subject keys are random keys: every commit of a sync rewrote
 * nearly every page of thread_ids, of its conversation index and of the subject index, half
 * of what a headers-only sync wrote to disk. Keyed by integers they are a third of the size.
 * A collision of two keys (about one in 10^8 for a million IDs) would only put two
 * conversations together; find_by_subject() still compares the subject keys themselves.
 * petrel_thread_key() is registered on the write connection for this migration only. */
static const char migration_8[] =
  "CREATE TABLE thread_keys ("
  "  key INTEGER PRIMARY KEY,"
  "  conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE"
  ");"
  "INSERT OR IGNORE INTO thread_keys (key, conversation_id)"
  "  SELECT petrel_thread_key (message_id), conversation_id FROM thread_ids;"
  "DROP TABLE thread_ids;"
  "CREATE INDEX thread_keys_conversation ON thread_keys (conversation_id);"

  "ALTER TABLE conversations ADD COLUMN subject_hash INTEGER NOT NULL DEFAULT 0;"
  "UPDATE conversations SET subject_hash = petrel_thread_key (subject_key)"
  "  WHERE subject_key != '';"
  "DROP INDEX conversations_subject_key;"
  "DROP INDEX conversations_reply_subject_key;"
  "CREATE INDEX conversations_subject_hash ON conversations (subject_hash)"
  "  WHERE subject_hash != 0;"
  "CREATE INDEX conversations_reply_subject_hash ON conversations (subject_hash)"
  "  WHERE subject_hash != 0 AND reply_subject = 1;";

/* 9: text goes into messages_fts through petrel_fts() (_petrel_store_fts_text(), registered
 * on the write connection), which makes every Han, kana and Hangul character a word, so a
 * search finds a word inside a run of Chinese or Japanese (#4), and writes ß as ss. The text
 * trigger copies through it, and the rows already indexed that it changes are rewritten. */
static const char migration_9[] =
  "DROP TRIGGER messages_after_update_text;"
  "CREATE TRIGGER messages_after_update_text"
  "  AFTER UPDATE OF subject, from_name, from_addr, to_text, cc_text ON messages"
  "  WHEN old.subject IS NOT new.subject OR old.from_name IS NOT new.from_name"
  "    OR old.from_addr IS NOT new.from_addr OR old.to_text IS NOT new.to_text"
  "    OR old.cc_text IS NOT new.cc_text BEGIN"
  "  UPDATE messages_fts SET subject = petrel_fts (new.subject),"
  "    from_name = petrel_fts (new.from_name), from_addr = petrel_fts (new.from_addr),"
  "    to_text = petrel_fts (new.to_text), cc_text = petrel_fts (new.cc_text)"
  "    WHERE rowid = new.id;"
  "END;"

  "UPDATE messages_fts SET subject = petrel_fts (subject), from_name = petrel_fts (from_name),"
  "  from_addr = petrel_fts (from_addr), to_text = petrel_fts (to_text),"
  "  cc_text = petrel_fts (cc_text), body = petrel_fts (body),"
  "  attachments = petrel_fts (attachments)"
  "  WHERE petrel_fts (subject) IS NOT subject OR petrel_fts (from_name) IS NOT from_name"
  "    OR petrel_fts (from_addr) IS NOT from_addr OR petrel_fts (to_text) IS NOT to_text"
  "    OR petrel_fts (cc_text) IS NOT cc_text OR petrel_fts (body) IS NOT body"
  "    OR petrel_fts (attachments) IS NOT attachments;";

const char * const _petrel_store_migrations[PETREL_STORE_SCHEMA_VERSION + 1] = {
  NULL,
  migration_1,
  migration_2,
  migration_3,
  migration_4,
  migration_5,
  migration_6,
  migration_7,
  migration_8,
  migration_9,
};
