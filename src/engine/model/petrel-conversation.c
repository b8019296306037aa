/* petrel-conversation.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "petrel-conversation.h"

struct _PetrelConversation
{
  GObject        parent_instance;

  PetrelAccount *account;          /* owned */
  gint64         id;
  GPtrArray     *messages;         /* owned, PetrelMessage, oldest first */
  char          *subject;          /* owned, nullable: the first message's */
  guint          n_unread;
  gint64         latest_date;
};

static void petrel_conversation_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PetrelConversation, petrel_conversation, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      petrel_conversation_list_model_init))

enum {
  PROP_0,
  PROP_SUBJECT,
  PROP_N_UNREAD,
  PROP_LATEST_DATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GType
petrel_conversation_get_item_type (GListModel *model)
{
  return PETREL_TYPE_MESSAGE;
}

static guint
petrel_conversation_get_n_items (GListModel *model)
{
  return PETREL_CONVERSATION (model)->messages->len;
}

static gpointer
petrel_conversation_get_item (GListModel *model,
                              guint       position)
{
  PetrelConversation *self = PETREL_CONVERSATION (model);

  if (position >= self->messages->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->messages, position));
}

static void
petrel_conversation_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = petrel_conversation_get_item_type;
  iface->get_n_items = petrel_conversation_get_n_items;
  iface->get_item = petrel_conversation_get_item;
}

static void
petrel_conversation_dispose (GObject *object)
{
  PetrelConversation *self = PETREL_CONVERSATION (object);

  g_clear_object (&self->account);
  if (self->messages != NULL)
    g_ptr_array_set_size (self->messages, 0);

  G_OBJECT_CLASS (petrel_conversation_parent_class)->dispose (object);
}

static void
petrel_conversation_finalize (GObject *object)
{
  PetrelConversation *self = PETREL_CONVERSATION (object);

  g_clear_pointer (&self->messages, g_ptr_array_unref);
  g_clear_pointer (&self->subject, g_free);

  G_OBJECT_CLASS (petrel_conversation_parent_class)->finalize (object);
}

static void
petrel_conversation_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  PetrelConversation *self = PETREL_CONVERSATION (object);

  switch (prop_id)
    {
    case PROP_SUBJECT:
      g_value_set_string (value, self->subject);
      break;
    case PROP_N_UNREAD:
      g_value_set_uint (value, self->n_unread);
      break;
    case PROP_LATEST_DATE:
      g_value_set_int64 (value, self->latest_date);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
petrel_conversation_class_init (PetrelConversationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = petrel_conversation_dispose;
  object_class->finalize = petrel_conversation_finalize;
  object_class->get_property = petrel_conversation_get_property;

  properties[PROP_SUBJECT] =
    g_param_spec_string ("subject", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_UNREAD] =
    g_param_spec_uint ("n-unread", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LATEST_DATE] =
    g_param_spec_int64 ("latest-date", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
petrel_conversation_init (PetrelConversation *self)
{
  self->messages = g_ptr_array_new_with_free_func (g_object_unref);
}

PetrelConversation *
petrel_conversation_new (PetrelAccount *account,
                         gint64         conversation_id)
{
  PetrelConversation *self;

  g_return_val_if_fail (PETREL_IS_ACCOUNT (account), NULL);

  self = g_object_new (PETREL_TYPE_CONVERSATION, NULL);
  self->account = g_object_ref (account);
  self->id = conversation_id;
  return self;
}

PetrelAccount *
petrel_conversation_get_account (PetrelConversation *self)
{
  g_return_val_if_fail (PETREL_IS_CONVERSATION (self), NULL);
  return self->account;
}

gint64
petrel_conversation_get_id (PetrelConversation *self)
{
  g_return_val_if_fail (PETREL_IS_CONVERSATION (self), 0);
  return self->id;
}

const char *
petrel_conversation_get_subject (PetrelConversation *self)
{
  g_return_val_if_fail (PETREL_IS_CONVERSATION (self), NULL);
  return self->subject;
}

guint
petrel_conversation_get_n_unread (PetrelConversation *self)
{
  g_return_val_if_fail (PETREL_IS_CONVERSATION (self), 0);
  return self->n_unread;
}

gint64
petrel_conversation_get_latest_date (PetrelConversation *self)
{
  g_return_val_if_fail (PETREL_IS_CONVERSATION (self), 0);
  return self->latest_date;
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  PetrelConversation *self = source_object;
  g_autoptr(GError) error = NULL;
  GPtrArray *rows;
  PetrelStore *store;

  store = petrel_account_get_store (self->account, &error);
  rows = store != NULL ? petrel_store_list_conversation (store, self->id, &error) : NULL;
  if (rows == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, rows, (GDestroyNotify) g_ptr_array_unref);
}

static void
load_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  PetrelConversation *self = PETREL_CONVERSATION (object);
  g_autoptr(GTask) task = user_data;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  guint removed = self->messages->len;

  rows = g_task_propagate_pointer (G_TASK (result), &error);
  if (rows == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_ptr_array_set_size (self->messages, 0);
  g_clear_pointer (&self->subject, g_free);
  self->n_unread = 0;
  self->latest_date = 0;

  /* The store lists the thread oldest first, across folders. */
  for (guint i = 0; i < rows->len; i++)
    {
      PetrelStoreMessage *row = g_ptr_array_index (rows, i);

      g_ptr_array_add (self->messages,
                       petrel_message_new (self->account,
                                           row->folder_path != NULL ? row->folder_path : "",
                                           row));
      if (self->subject == NULL && row->subject != NULL)
        self->subject = g_strdup (row->subject);
      if ((row->flags & PETREL_STORE_FLAG_SEEN) == 0)
        self->n_unread++;
      self->latest_date = MAX (self->latest_date, row->date);
    }

  g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, self->messages->len);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUBJECT]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_UNREAD]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LATEST_DATE]);
  g_task_return_boolean (task, TRUE);
}

void
petrel_conversation_load_async (PetrelConversation  *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GTask *outer;
  g_autoptr(GTask) inner = NULL;

  g_return_if_fail (PETREL_IS_CONVERSATION (self));

  outer = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (outer, petrel_conversation_load_async);

  inner = g_task_new (self, cancellable, load_done_cb, outer);
  g_task_run_in_thread (inner, load_thread);
}

gboolean
petrel_conversation_load_finish (PetrelConversation  *self,
                                 GAsyncResult        *result,
                                 GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
