/* petrel-store-types.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * PetrelStoreFlags:
 * @PETREL_STORE_FLAG_SEEN: `\Seen`
 * @PETREL_STORE_FLAG_ANSWERED: `\Answered`
 * @PETREL_STORE_FLAG_FLAGGED: `\Flagged`
 * @PETREL_STORE_FLAG_DELETED: `\Deleted`
 * @PETREL_STORE_FLAG_DRAFT: `\Draft`
 *
 * The IMAP system flags, stored as a bitmask in `messages.flags`. Keywords (`$Junk`,
 * `$Forwarded`, …) are kept separately as a space-separated string.
 */
typedef enum {
  PETREL_STORE_FLAG_NONE     = 0,
  PETREL_STORE_FLAG_SEEN     = 1 << 0,
  PETREL_STORE_FLAG_ANSWERED = 1 << 1,
  PETREL_STORE_FLAG_FLAGGED  = 1 << 2,
  PETREL_STORE_FLAG_DELETED  = 1 << 3,
  PETREL_STORE_FLAG_DRAFT    = 1 << 4,
} PetrelStoreFlags;

#define PETREL_STORE_FLAGS_ALL (PETREL_STORE_FLAG_SEEN | PETREL_STORE_FLAG_ANSWERED | \
                                PETREL_STORE_FLAG_FLAGGED | PETREL_STORE_FLAG_DELETED | \
                                PETREL_STORE_FLAG_DRAFT)

PetrelStoreFlags petrel_store_flags_parse    (const char * const *imap_flags,
                                              char              **out_keywords);
GStrv            petrel_store_flags_to_strv  (PetrelStoreFlags    flags,
                                              const char         *keywords);

/**
 * PetrelStoreFolderRole:
 *
 * What a folder is for (RFC 6154 special-use, or guessed from its name by the sync layer).
 */
typedef enum {
  PETREL_STORE_FOLDER_ROLE_NONE,
  PETREL_STORE_FOLDER_ROLE_INBOX,
  PETREL_STORE_FOLDER_ROLE_SENT,
  PETREL_STORE_FOLDER_ROLE_DRAFTS,
  PETREL_STORE_FOLDER_ROLE_TRASH,
  PETREL_STORE_FOLDER_ROLE_JUNK,
  PETREL_STORE_FOLDER_ROLE_ARCHIVE,
} PetrelStoreFolderRole;

const char            *petrel_store_folder_role_to_string   (PetrelStoreFolderRole role);
PetrelStoreFolderRole  petrel_store_folder_role_from_string (const char           *str);

/**
 * PetrelStoreFolder:
 * @id: row id (0 for a folder not stored yet)
 * @path: the IMAP mailbox name, UTF-8 (owned)
 * @delimiter: hierarchy delimiter, or %NULL for a flat namespace (owned)
 * @role: special use
 * @attributes: LIST attributes, space-separated, e.g. `\HasNoChildren \Sent` (owned, nullable)
 * @uidvalidity, @uidnext, @highestmodseq: sync state (0 = unknown)
 * @total, @unread: messages cached for the folder and how many lack `\Seen`; maintained by the
 *   store, ignored by petrel_store_upsert_folder()
 * @subscribed: whether the user is subscribed
 * @last_sync: unix time of the last petrel_store_set_folder_sync_state(), 0 = never
 * @raw_path: the mailbox name exactly as the server lists it (its wire name: modified UTF-7,
 *   or whatever bytes the server sent, which may not decode), or %NULL when not known (then
 *   the server's name is @path encoded for the connection). @path is what people see and what
 *   Petrel keys the folder by; commands name the mailbox by @raw_path when set. (owned)
 */
typedef struct {
  gint64                 id;
  char                  *path;
  char                  *delimiter;
  PetrelStoreFolderRole  role;
  char                  *attributes;
  guint32                uidvalidity;
  guint32                uidnext;
  guint64                highestmodseq;
  guint                  total;
  guint                  unread;
  gboolean               subscribed;
  gint64                 last_sync;
  char                  *raw_path;
} PetrelStoreFolder;

#define PETREL_TYPE_STORE_FOLDER (petrel_store_folder_get_type ())

GType              petrel_store_folder_get_type (void) G_GNUC_CONST;
PetrelStoreFolder *petrel_store_folder_new      (const char              *path);
PetrelStoreFolder *petrel_store_folder_copy     (const PetrelStoreFolder *folder);
void               petrel_store_folder_free     (PetrelStoreFolder       *folder);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PetrelStoreFolder, petrel_store_folder_free)

/**
 * PetrelStoreMessage:
 * @id: row id, set by the store (0 for a message not stored yet)
 * @folder_id: the folder's row id
 * @uid: IMAP UID within the folder's UIDVALIDITY
 * @modseq: CONDSTORE MODSEQ, 0 if unknown
 * @flags: system flags
 * @keywords: other flags, space-separated (owned, nullable)
 * @internal_date: IMAP INTERNALDATE, unix seconds
 * @size: RFC822.SIZE
 * @date: the Date header, unix seconds. When 0 the store uses @internal_date instead, so this
 *   field always holds the sort key of folder lists: newest first by this date, ties by UID
 * @subject, @from_name, @from_addr, @to_text, @cc_text: envelope, decoded UTF-8 (owned, nullable)
 * @message_id, @in_reply_to, @references_text: raw header values (owned, nullable)
 * @has_attachments: from BODYSTRUCTURE or the parsed body
 * @snippet: a short plain-text preview (owned, nullable)
 * @body_present: whether the raw message file is cached (read-only: set by the store)
 * @conversation_id: the conversation (thread) the store put the message in (read-only)
 * @folder_path: the folder's path; filled in by petrel_store_search() and
 *   petrel_store_list_conversation() (owned, nullable)
 * @thread_keys: (private): what threading needs from the subject and IDs, worked out ahead by
 *   petrel_store_message_prepare_threading(); NULL until then (owned; not copied)
 *
 * One row of the `messages` table, in and out.
 */
typedef struct _PetrelStoreThreadKeys PetrelStoreThreadKeys;

typedef struct {
  gint64            id;
  gint64            folder_id;
  guint32           uid;
  guint64           modseq;
  PetrelStoreFlags  flags;
  char             *keywords;
  gint64            internal_date;
  gint64            size;
  gint64            date;
  char             *subject;
  char             *from_name;
  char             *from_addr;
  char             *to_text;
  char             *cc_text;
  char             *message_id;
  char             *in_reply_to;
  char             *references_text;
  gboolean          has_attachments;
  char             *snippet;
  gboolean          body_present;
  gint64            conversation_id;
  char             *folder_path;
  PetrelStoreThreadKeys *thread_keys;
} PetrelStoreMessage;

#define PETREL_TYPE_STORE_MESSAGE (petrel_store_message_get_type ())

GType               petrel_store_message_get_type (void) G_GNUC_CONST;
PetrelStoreMessage *petrel_store_message_new      (void);
PetrelStoreMessage *petrel_store_message_copy     (const PetrelStoreMessage *message);
void                petrel_store_message_free     (PetrelStoreMessage       *message);
void                petrel_store_message_prepare_threading (PetrelStoreMessage *message);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PetrelStoreMessage, petrel_store_message_free)

/**
 * PetrelStoreUidInfo:
 *
 * What a flag-scan sync compares: one element of the #GArray from petrel_store_list_uids().
 * @keywords is owned by the array (it has a clear function).
 */
typedef struct {
  guint32           uid;
  PetrelStoreFlags  flags;
  guint64           modseq;
  char             *keywords;
} PetrelStoreUidInfo;

/**
 * PetrelStoreOutboxItem:
 * @id: row id (set by the store)
 * @created: unix time the message was queued
 * @state: free-form state owned by the outbox logic, e.g. "queued", "sending", "sent", "failed"
 * @raw: the RFC 5322 message to submit (owned, nullable in listings without bodies)
 * @recipients: envelope recipients as the outbox logic encodes them (owned)
 * @subject: for display (owned, nullable)
 * @attempts: submission attempts so far
 * @last_error: the last failure, for display (owned, nullable)
 * @sent_at: unix time of successful submission, 0 if not sent
 * @saved_to_sent: whether the copy in Sent exists
 *
 * One row of the `outbox` table: user data, never dropped by a cache reset.
 */
typedef struct {
  gint64    id;
  gint64    created;
  char     *state;
  GBytes   *raw;
  char     *recipients;
  char     *subject;
  guint     attempts;
  char     *last_error;
  gint64    sent_at;
  gboolean  saved_to_sent;
} PetrelStoreOutboxItem;

#define PETREL_TYPE_STORE_OUTBOX_ITEM (petrel_store_outbox_item_get_type ())

GType                  petrel_store_outbox_item_get_type (void) G_GNUC_CONST;
PetrelStoreOutboxItem *petrel_store_outbox_item_copy     (const PetrelStoreOutboxItem *item);
void                   petrel_store_outbox_item_free     (PetrelStoreOutboxItem       *item);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PetrelStoreOutboxItem, petrel_store_outbox_item_free)

/**
 * PetrelStoreReplayOp:
 * @id: row id; the queue replays in increasing id order
 * @created: unix time the change was made
 * @kind: what the change is, e.g. "flags", "move", "delete" (owned)
 * @payload: a JSON object describing it (owned)
 * @state: free-form state owned by the replay logic, default "pending" (owned)
 * @attempts: replay attempts so far
 * @last_error: the last failure (owned, nullable)
 *
 * One row of the `replay_queue` table: user data, never dropped by a cache reset.
 */
typedef struct {
  gint64  id;
  gint64  created;
  char   *kind;
  char   *payload;
  char   *state;
  guint   attempts;
  char   *last_error;
} PetrelStoreReplayOp;

#define PETREL_TYPE_STORE_REPLAY_OP (petrel_store_replay_op_get_type ())

GType                petrel_store_replay_op_get_type (void) G_GNUC_CONST;
PetrelStoreReplayOp *petrel_store_replay_op_copy     (const PetrelStoreReplayOp *op);
void                 petrel_store_replay_op_free     (PetrelStoreReplayOp       *op);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PetrelStoreReplayOp, petrel_store_replay_op_free)

G_END_DECLS
