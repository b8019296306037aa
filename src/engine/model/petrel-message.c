/* petrel-message.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One message of a list, as the front ends bind to it. A lazy list hands out placeholders
 * (loaded = FALSE) for rows it has not read yet and fills them in place when their page
 * arrives, so a bound row only has to follow property notifications.
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include "petrel-model-private.h"
#include "petrel-message.h"

struct _PetrelMessage
{
  GObject           parent_instance;

  PetrelAccount    *account;            /* owned */
  char             *folder_path;        /* owned */
  gboolean          loaded;
  guint32           uid;
  char             *subject;            /* owned, never NULL */
  char             *from_name;          /* owned, never NULL */
  char             *from_address;       /* owned, never NULL */
  char             *to;                 /* owned, never NULL */
  char             *cc;                 /* owned, never NULL */
  char             *snippet;            /* owned, never NULL */
  char             *message_id;         /* owned, nullable */
  gint64            date;
  PetrelStoreFlags  flags;
  gboolean          has_attachments;
  gboolean          body_present;
  gint64            conversation_id;
  guint             conversation_count;
  guint             conversation_unread;
  char             *participants;       /* owned, never NULL */
};

G_DEFINE_FINAL_TYPE (PetrelMessage, petrel_message, G_TYPE_OBJECT)
G_DEFINE_BOXED_TYPE (PetrelMessageContent, petrel_message_content,
                     petrel_message_content_copy, petrel_message_content_free)

enum {
  PROP_0,
  PROP_ACCOUNT,
  PROP_FOLDER_PATH,
  PROP_LOADED,
  PROP_UID,
  PROP_SUBJECT,
  PROP_FROM,
  PROP_FROM_ADDRESS,
  PROP_TO,
  PROP_CC,
  PROP_DATE,
  PROP_SNIPPET,
  PROP_SEEN,
  PROP_FLAGGED,
  PROP_ANSWERED,
  PROP_HAS_ATTACHMENTS,
  PROP_CONVERSATION_ID,
  PROP_CONVERSATION_COUNT,
  PROP_CONVERSATION_UNREAD,
  PROP_PARTICIPANTS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
set_string (PetrelMessage *self,
            char         **field,
            const char    *value,
            guint          prop)
{
  if (value == NULL)
    value = "";

  if (g_strcmp0 (*field, value) == 0)
    return;

  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
set_flag_props (PetrelMessage    *self,
                PetrelStoreFlags  flags)
{
  PetrelStoreFlags changed = self->flags ^ flags;

  self->flags = flags;
  if (changed & PETREL_STORE_FLAG_SEEN)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEEN]);
  if (changed & PETREL_STORE_FLAG_FLAGGED)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FLAGGED]);
  if (changed & PETREL_STORE_FLAG_ANSWERED)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ANSWERED]);
}

static void
petrel_message_dispose (GObject *object)
{
  PetrelMessage *self = PETREL_MESSAGE (object);

  g_clear_object (&self->account);

  G_OBJECT_CLASS (petrel_message_parent_class)->dispose (object);
}

static void
petrel_message_finalize (GObject *object)
{
  PetrelMessage *self = PETREL_MESSAGE (object);

  g_clear_pointer (&self->folder_path, g_free);
  g_clear_pointer (&self->subject, g_free);
  g_clear_pointer (&self->participants, g_free);
  g_clear_pointer (&self->from_name, g_free);
  g_clear_pointer (&self->from_address, g_free);
  g_clear_pointer (&self->to, g_free);
  g_clear_pointer (&self->cc, g_free);
  g_clear_pointer (&self->snippet, g_free);
  g_clear_pointer (&self->message_id, g_free);

  G_OBJECT_CLASS (petrel_message_parent_class)->finalize (object);
}

static void
petrel_message_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  PetrelMessage *self = PETREL_MESSAGE (object);

  switch (prop_id)
    {
    case PROP_ACCOUNT:
      g_value_set_object (value, self->account);
      break;
    case PROP_FOLDER_PATH:
      g_value_set_string (value, self->folder_path);
      break;
    case PROP_LOADED:
      g_value_set_boolean (value, self->loaded);
      break;
    case PROP_UID:
      g_value_set_uint (value, self->uid);
      break;
    case PROP_SUBJECT:
      g_value_set_string (value, self->subject);
      break;
    case PROP_FROM:
      g_value_set_string (value, petrel_message_get_from (self));
      break;
    case PROP_FROM_ADDRESS:
      g_value_set_string (value, self->from_address);
      break;
    case PROP_TO:
      g_value_set_string (value, self->to);
      break;
    case PROP_CC:
      g_value_set_string (value, self->cc);
      break;
    case PROP_DATE:
      g_value_set_int64 (value, self->date);
      break;
    case PROP_SNIPPET:
      g_value_set_string (value, self->snippet);
      break;
    case PROP_SEEN:
      g_value_set_boolean (value, petrel_message_get_seen (self));
      break;
    case PROP_FLAGGED:
      g_value_set_boolean (value, petrel_message_get_flagged (self));
      break;
    case PROP_ANSWERED:
      g_value_set_boolean (value, petrel_message_get_answered (self));
      break;
    case PROP_HAS_ATTACHMENTS:
      g_value_set_boolean (value, self->has_attachments);
      break;
    case PROP_CONVERSATION_ID:
      g_value_set_int64 (value, self->conversation_id);
      break;
    case PROP_CONVERSATION_COUNT:
      g_value_set_uint (value, self->conversation_count);
      break;
    case PROP_CONVERSATION_UNREAD:
      g_value_set_uint (value, self->conversation_unread);
      break;
    case PROP_PARTICIPANTS:
      g_value_set_string (value, self->participants);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
petrel_message_class_init (PetrelMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = petrel_message_dispose;
  object_class->finalize = petrel_message_finalize;
  object_class->get_property = petrel_message_get_property;

  properties[PROP_ACCOUNT] =
    g_param_spec_object ("account", NULL, NULL, PETREL_TYPE_ACCOUNT, flags);
  properties[PROP_FOLDER_PATH] = g_param_spec_string ("folder-path", NULL, NULL, NULL, flags);
  /* FALSE for a row of a page that has not been read yet. */
  properties[PROP_LOADED] = g_param_spec_boolean ("loaded", NULL, NULL, FALSE, flags);
  properties[PROP_UID] = g_param_spec_uint ("uid", NULL, NULL, 0, G_MAXUINT32, 0, flags);
  properties[PROP_SUBJECT] = g_param_spec_string ("subject", NULL, NULL, "", flags);
  /* The sender's name, or the address when there is no name. */
  properties[PROP_FROM] = g_param_spec_string ("from", NULL, NULL, "", flags);
  properties[PROP_FROM_ADDRESS] = g_param_spec_string ("from-address", NULL, NULL, "", flags);
  properties[PROP_TO] = g_param_spec_string ("to", NULL, NULL, "", flags);
  properties[PROP_CC] = g_param_spec_string ("cc", NULL, NULL, "", flags);
  /* Unix seconds: the Date header, or the arrival time without one. */
  properties[PROP_DATE] = g_param_spec_int64 ("date", NULL, NULL, G_MININT64, G_MAXINT64, 0,
                                              flags);
  properties[PROP_SNIPPET] = g_param_spec_string ("snippet", NULL, NULL, "", flags);
  properties[PROP_SEEN] = g_param_spec_boolean ("seen", NULL, NULL, FALSE, flags);
  properties[PROP_FLAGGED] = g_param_spec_boolean ("flagged", NULL, NULL, FALSE, flags);
  properties[PROP_ANSWERED] = g_param_spec_boolean ("answered", NULL, NULL, FALSE, flags);
  properties[PROP_HAS_ATTACHMENTS] =
    g_param_spec_boolean ("has-attachments", NULL, NULL, FALSE, flags);
  properties[PROP_CONVERSATION_ID] =
    g_param_spec_int64 ("conversation-id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  /* Messages in the conversation across all folders (1 for a lone message; 0 = unknown). */
  properties[PROP_CONVERSATION_COUNT] =
    g_param_spec_uint ("conversation-count", NULL, NULL, 0, G_MAXUINT, 0, flags);
  /* Unread messages in the conversation across all folders. */
  properties[PROP_CONVERSATION_UNREAD] =
    g_param_spec_uint ("conversation-unread", NULL, NULL, 0, G_MAXUINT, 0, flags);
  /* The conversation's senders, oldest first, joined by ", " ("" when unknown). */
  properties[PROP_PARTICIPANTS] = g_param_spec_string ("participants", NULL, NULL, "", flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
petrel_message_init (PetrelMessage *self)
{
  self->subject = g_strdup ("");
  self->participants = g_strdup ("");
  self->from_name = g_strdup ("");
  self->from_address = g_strdup ("");
  self->to = g_strdup ("");
  self->cc = g_strdup ("");
  self->snippet = g_strdup ("");
}

/**
 * petrel_message_new_placeholder:
 * @folder_path: (nullable): the folder, when known
 *
 * Returns: (transfer full): a message with no data yet, filled later by
 *   petrel_message_update()
 */
PetrelMessage *
petrel_message_new_placeholder (PetrelAccount *account,
                                const char    *folder_path)
{
  PetrelMessage *self;

  g_return_val_if_fail (PETREL_IS_ACCOUNT (account), NULL);

  self = g_object_new (PETREL_TYPE_MESSAGE, NULL);
  self->account = g_object_ref (account);
  self->folder_path = g_strdup (folder_path);

  return self;
}

/**
 * petrel_message_new:
 * @folder_path: the folder @row is in
 * @row: the message's row in the store
 *
 * Returns: (transfer full): a loaded message
 */
PetrelMessage *
petrel_message_new (PetrelAccount            *account,
                    const char               *folder_path,
                    const PetrelStoreMessage *row)
{
  PetrelMessage *self;

  g_return_val_if_fail (PETREL_IS_ACCOUNT (account), NULL);
  g_return_val_if_fail (folder_path != NULL, NULL);
  g_return_val_if_fail (row != NULL, NULL);

  self = petrel_message_new_placeholder (account, folder_path);
  petrel_message_update (self, folder_path, row);

  return self;
}

/**
 * petrel_message_update:
 * @folder_path: the folder @row is in
 * @row: this message's row (or, for a placeholder, the row it stands for)
 *
 * Takes the values of @row, notifying each property that changed; a placeholder becomes
 * loaded.
 */
void
petrel_message_update (PetrelMessage            *self,
                       const char               *folder_path,
                       const PetrelStoreMessage *row)
{
  GObject *object = G_OBJECT (self);

  g_return_if_fail (PETREL_IS_MESSAGE (self));
  g_return_if_fail (folder_path != NULL);
  g_return_if_fail (row != NULL);

  g_object_freeze_notify (object);

  set_string (self, &self->folder_path, folder_path, PROP_FOLDER_PATH);

  if (self->uid != row->uid)
    {
      self->uid = row->uid;
      g_object_notify_by_pspec (object, properties[PROP_UID]);
    }

  set_string (self, &self->subject, row->subject, PROP_SUBJECT);
  if (g_strcmp0 (self->from_name, row->from_name != NULL ? row->from_name : "") != 0)
    {
      g_free (self->from_name);
      self->from_name = g_strdup (row->from_name != NULL ? row->from_name : "");
      g_object_notify_by_pspec (object, properties[PROP_FROM]);
    }
  if (g_strcmp0 (self->from_address, row->from_addr != NULL ? row->from_addr : "") != 0)
    {
      set_string (self, &self->from_address, row->from_addr, PROP_FROM_ADDRESS);
      g_object_notify_by_pspec (object, properties[PROP_FROM]);
    }
  set_string (self, &self->to, row->to_text, PROP_TO);
  set_string (self, &self->cc, row->cc_text, PROP_CC);
  set_string (self, &self->snippet, row->snippet, PROP_SNIPPET);

  if (g_strcmp0 (self->message_id, row->message_id) != 0)
    {
      g_free (self->message_id);
      self->message_id = g_strdup (row->message_id);
    }

  if (self->date != row->date)
    {
      self->date = row->date;
      g_object_notify_by_pspec (object, properties[PROP_DATE]);
    }

  set_flag_props (self, row->flags);

  if (self->has_attachments != !!row->has_attachments)
    {
      self->has_attachments = !!row->has_attachments;
      g_object_notify_by_pspec (object, properties[PROP_HAS_ATTACHMENTS]);
    }

  self->body_present = !!row->body_present;

  if (self->conversation_id != row->conversation_id)
    {
      self->conversation_id = row->conversation_id;
      g_object_notify_by_pspec (object, properties[PROP_CONVERSATION_ID]);
    }

  if (!self->loaded)
    {
      self->loaded = TRUE;
      g_object_notify_by_pspec (object, properties[PROP_LOADED]);
    }

  g_object_thaw_notify (object);
}

void
_petrel_message_set_conversation_count (PetrelMessage *self,
                                        guint          count)
{
  if (self->conversation_count == count)
    return;

  self->conversation_count = count;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONVERSATION_COUNT]);
}

void
_petrel_message_set_conversation (PetrelMessage *self,
                                  guint          count,
                                  guint          unread,
                                  const char    *participants)
{
  g_object_freeze_notify (G_OBJECT (self));
  _petrel_message_set_conversation_count (self, count);
  if (self->conversation_unread != unread)
    {
      self->conversation_unread = unread;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONVERSATION_UNREAD]);
    }
  if (participants == NULL)
    participants = "";
  if (g_strcmp0 (self->participants, participants) != 0)
    {
      g_free (self->participants);
      self->participants = g_strdup (participants);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PARTICIPANTS]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

/* Unread messages in the message's conversation, across folders (0 when not known). */
guint
petrel_message_get_conversation_unread (PetrelMessage *self)
{
  g_return_val_if_fail (PETREL_IS_MESSAGE (self), 0);

  return self->conversation_unread;
}

/* The conversation's senders, oldest first, joined by ", "; "" when not known. */
const char *
petrel_message_get_participants (PetrelMessage *self)
{
  g_return_val_if_fail (PETREL_IS_MESSAGE (self), "");

  return self->participants;
}

gboolean
petrel_message_is_loaded (PetrelMessage *self)
{
  g_return_val_if_fail (PETREL_IS_MESSAGE (self), FALSE);

  return self->loaded;
}

PetrelAccount *
petrel_message_get_account (PetrelMessage *self)
{
  g_return_val_if_fail (PETREL_IS_MESSAGE (self), NULL);

  return self->account;
}

const char *
petrel_message_get_folder_path (PetrelMessage *self)
{
  g_return_val_if_fail (PETREL_IS_MESSAGE (self), NULL);

  return self->folder_path;
}

guint32
petrel_message_get_uid (PetrelMessage *self)
{
  g_return_val_if_fail (PETREL_IS_MESSAGE (self), 0);

  return self->uid;
}

const char *
petrel_message_get_subject (PetrelMessage *self)
{
  g_return_val_if_fail (PETREL_IS_MESSAGE (self), NULL);

  return self->subject;
}

/* The sender as a list shows it: the display name, else the address. */
const char *
petrel_message_get_from (PetrelMessage *self)
{
  g_return_val_if_fail (PETREL_IS_MESSAGE (self), NULL);

  return *self->from_name != '\0' ? self->from_name : self->from_address;
}

const char *
petrel_message_get_from_name (PetrelMessage *self)
{
  g_return_val_if_fail (PETREL_IS_MESSAGE (self), NULL);

  return self->from_name;
}

const char *
petrel_message_get_from_address (PetrelMessage *self)
{
  g_return_val_if_fail (PETREL_IS_MESSAGE (self), NULL);

  return self->from_address;
}

const char *
petrel_message_get_to (PetrelMessage *self)
{
  g_return_val_if_fail (PETREL_IS_MESSAGE (self), NULL);

  return self->to;
}

const char *
petrel_message_get_cc (PetrelMessage *self)
{
  g_return_val_if_fail (PETREL_IS_MESSAGE (self), NULL);

  return self->cc;
}

gint64
petrel_message_get_date (PetrelMessage *self)
{
  g_return_val_if_fail (PETREL_IS_MESSAGE (self), 0);

  return self->date;
}

const char *
petrel_message_get_snippet (PetrelMessage *self)
{
  g_return_val_if_fail (PETREL_IS_MESSAGE (self), NULL);

  return self->snippet;
}

/* The Message-ID header as stored (with angle brackets), or %NULL. */
const char *
petrel_message_get_message_id (PetrelMessage *self)
{
  g_return_val_if_fail (PETREL_IS_MESSAGE (self), NULL);

  return self->message_id;
}

PetrelStoreFlags
petrel_message_get_flags (PetrelMessage *self)
{
  g_return_val_if_fail (PETREL_IS_MESSAGE (self), PETREL_STORE_FLAG_NONE);

  return self->flags;
}

gboolean
petrel_message_get_seen (PetrelMessage *self)
{
  g_return_val_if_fail (PETREL_IS_MESSAGE (self), FALSE);

  return (self->flags & PETREL_STORE_FLAG_SEEN) != 0;
}

gboolean
petrel_message_get_flagged (PetrelMessage *self)
{
  g_return_val_if_fail (PETREL_IS_MESSAGE (self), FALSE);

  return (self->flags & PETREL_STORE_FLAG_FLAGGED) != 0;
}

gboolean
petrel_message_get_answered (PetrelMessage *self)
{
  g_return_val_if_fail (PETREL_IS_MESSAGE (self), FALSE);

  return (self->flags & PETREL_STORE_FLAG_ANSWERED) != 0;
}

gboolean
petrel_message_get_has_attachments (PetrelMessage *self)
{
  g_return_val_if_fail (PETREL_IS_MESSAGE (self), FALSE);

  return self->has_attachments;
}

/* Whether the raw message was cached when the row was read. */
gboolean
petrel_message_get_body_present (PetrelMessage *self)
{
  g_return_val_if_fail (PETREL_IS_MESSAGE (self), FALSE);

  return self->body_present;
}

gint64
petrel_message_get_conversation_id (PetrelMessage *self)
{
  g_return_val_if_fail (PETREL_IS_MESSAGE (self), 0);

  return self->conversation_id;
}

guint
petrel_message_get_conversation_count (PetrelMessage *self)
{
  g_return_val_if_fail (PETREL_IS_MESSAGE (self), 0);

  return self->conversation_count;
}

/* Whether both stand for the same stored message (account, folder and UID). */
gboolean
petrel_message_same (PetrelMessage *self,
                     PetrelMessage *other)
{
  g_return_val_if_fail (PETREL_IS_MESSAGE (self), FALSE);
  g_return_val_if_fail (PETREL_IS_MESSAGE (other), FALSE);

  return self->loaded && other->loaded &&
         self->account == other->account &&
         self->uid == other->uid &&
         g_strcmp0 (self->folder_path, other->folder_path) == 0;
}

/* Content */

/**
 * petrel_message_content_new_from_bytes:
 * @raw: an RFC 5322 message
 *
 * Parses headers and body. The parse of a big message takes a while: call it on a worker
 * thread (petrel_message_load_content_async() does).
 */
PetrelMessageContent *
petrel_message_content_new_from_bytes (GBytes *raw)
{
  PetrelMessageContent *self;

  g_return_val_if_fail (raw != NULL, NULL);

  self = g_new0 (PetrelMessageContent, 1);
  self->raw = g_bytes_ref (raw);
  self->summary = petrel_mime_summary_new_from_bytes (raw, 0);
  self->body = petrel_mime_body_new_from_bytes (raw);

  return self;
}

PetrelMessageContent *
petrel_message_content_copy (const PetrelMessageContent *self)
{
  PetrelMessageContent *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (PetrelMessageContent, 1);
  copy->raw = g_bytes_ref (self->raw);
  copy->summary = petrel_mime_summary_copy (self->summary);
  copy->body = petrel_mime_body_copy (self->body);

  return copy;
}

void
petrel_message_content_free (PetrelMessageContent *self)
{
  if (self == NULL)
    return;

  g_clear_pointer (&self->raw, g_bytes_unref);
  g_clear_pointer (&self->summary, petrel_mime_summary_free);
  g_clear_pointer (&self->body, petrel_mime_body_free);
  g_free (self);
}

static void
petrel_message_parse_thread (GTask        *task,
                             gpointer      source_object,
                             gpointer      task_data,
                             GCancellable *cancellable)
{
  GBytes *raw = task_data;

  if (g_task_return_error_if_cancelled (task))
    return;

  g_task_return_pointer (task, petrel_message_content_new_from_bytes (raw),
                         (GDestroyNotify) petrel_message_content_free);
}

static void
petrel_message_load_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) raw = NULL;

  raw = petrel_account_load_message_finish (PETREL_ACCOUNT (object), result, &error);
  if (raw == NULL)
    {
      /* Never leave the caller waiting, even if the layer below forgot to say why. */
      if (error == NULL)
        error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED,
                                     "The message could not be read");
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_task_set_task_data (task, g_steal_pointer (&raw), (GDestroyNotify) g_bytes_unref);
  g_task_run_in_thread (task, petrel_message_parse_thread);
}

/**
 * petrel_message_load_content_async:
 * @allow_network: fetch the message from the server when it is not cached
 *
 * Reads the message from the cache (or the server) and parses it on a worker thread.
 */
void
petrel_message_load_content_async (PetrelMessage       *self,
                                   gboolean             allow_network,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (PETREL_IS_MESSAGE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, petrel_message_load_content_async);

  if (!self->loaded || self->folder_path == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               _("The message has not been read from the cache yet"));
      return;
    }

  petrel_account_load_message_async (self->account, self->folder_path, self->uid,
                                     allow_network, cancellable, petrel_message_load_cb,
                                     g_steal_pointer (&task));
}

/**
 * petrel_message_load_content_finish:
 *
 * Returns: (transfer full): the parsed message, or %NULL with @error set
 */
PetrelMessageContent *
petrel_message_load_content_finish (PetrelMessage  *self,
                                    GAsyncResult   *result,
                                    GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
