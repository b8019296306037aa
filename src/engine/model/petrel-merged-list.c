/* petrel-merged-list.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A lazy #GListModel of #PetrelMessage merging several #PetrelMessageList (each newest first,
 * typically the inboxes of several accounts) into one list, newest first: a k-way merge that
 * only goes as far down as the view asked.
 *
 * get_n_items() is the sum of the sources' counts. The merge is a prefix: for each merged
 * position the source it came from and the position there (6 bytes a row). get_item() past
 * the prefix extends it by comparing the dates of the sources' next rows; those rows come from
 * the sources' own pages, so reading position N reads about N rows of each source, page by
 * page, never a whole folder. While a source's next row is not read yet, get_item() returns
 * a placeholder (no folder, not loaded) and watches that row; once it is read the prefix goes
 * on and the placeholders handed out become one items-changed over the same range.
 *
 * Any change of a source (new mail, an expunge) resets the merge with one items-changed over
 * everything; rows keep their source's account, folder and UID, so whoever acts on a row acts
 * on the right account.
 */

#include "config.h"

#include "petrel-merged-list.h"

typedef struct
{
  guint16 source;
  guint32 position;
} __attribute__((packed)) MergedRow;

struct _PetrelMergedList
{
  GObject     parent_instance;

  GPtrArray  *sources;   /* owned; PetrelMessageList */
  GArray     *merged;    /* MergedRow */
  GArray     *heads;     /* guint per source: rows of it merged so far */
  guint       n_items;

  guint       pending_from;  /* placeholders handed out from here (G_MAXUINT: none) */
  guint       pending_to;    /* … up to here (exclusive) */
  GPtrArray  *watched;       /* owned; PetrelMessage the merge waits for */
  guint       resume_id;
};

static void petrel_merged_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PetrelMergedList, petrel_merged_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      petrel_merged_list_model_init))

enum {
  PROP_0,
  PROP_LOADING,
  PROP_ERROR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void on_watched_notify_cb (PetrelMessage    *message,
                                  GParamSpec       *pspec,
                                  PetrelMergedList *self);

static void
clear_watched (PetrelMergedList *self)
{
  for (guint i = 0; i < self->watched->len; i++)
    g_signal_handlers_disconnect_by_func (g_ptr_array_index (self->watched, i),
                                          on_watched_notify_cb, self);
  g_ptr_array_set_size (self->watched, 0);
}

static void
watch (PetrelMergedList *self,
       PetrelMessage    *message)
{
  if (g_ptr_array_find (self->watched, message, NULL))
    return;

  g_ptr_array_add (self->watched, g_object_ref (message));
  g_signal_connect (message, "notify", G_CALLBACK (on_watched_notify_cb), self);
}

/* Merges until position @target is merged; FALSE when a source's next row is not read yet
 * (it is then watched) or every source is exhausted. */
static gboolean
extend (PetrelMergedList *self,
        guint             target)
{
  while (self->merged->len <= target)
    {
      gboolean blocked = FALSE;
      guint best = G_MAXUINT;
      gint64 best_date = 0;
      MergedRow row;

      for (guint s = 0; s < self->sources->len; s++)
        {
          GListModel *source = g_ptr_array_index (self->sources, s);
          guint head = g_array_index (self->heads, guint, s);
          g_autoptr(PetrelMessage) message = NULL;
          gint64 date;

          if (head >= g_list_model_get_n_items (source))
            continue;
          message = g_list_model_get_item (source, head);
          if (message == NULL)
            continue;
          if (!petrel_message_is_loaded (message))
            {
              /* Ask every source for its next row, so their pages are read side by side. */
              watch (self, message);
              blocked = TRUE;
              continue;
            }

          date = petrel_message_get_date (message);
          if (best == G_MAXUINT || date > best_date)
            {
              best = s;
              best_date = date;
            }
        }

      if (blocked || best == G_MAXUINT)
        return FALSE;

      row.source = best;
      row.position = g_array_index (self->heads, guint, best)++;
      g_array_append_val (self->merged, row);
    }

  return TRUE;
}

static gboolean
resume_cb (gpointer user_data)
{
  PetrelMergedList *self = user_data;
  guint from, to, done;

  self->resume_id = 0;
  if (self->pending_from == G_MAXUINT)
    return G_SOURCE_REMOVE;

  clear_watched (self);
  extend (self, self->pending_to - 1);

  from = self->pending_from;
  to = self->pending_to;
  done = MIN (self->merged->len, to);
  if (done >= to)
    self->pending_from = G_MAXUINT;
  else
    self->pending_from = MAX (done, from);

  if (done > from)
    g_list_model_items_changed (G_LIST_MODEL (self), from, done - from, done - from);

  return G_SOURCE_REMOVE;
}

static void
on_watched_notify_cb (PetrelMessage    *message,
                      GParamSpec       *pspec,
                      PetrelMergedList *self)
{
  if (!petrel_message_is_loaded (message) || self->resume_id != 0)
    return;

  /* Not from inside the source's page landing: its other rows are filled after this one. */
  self->resume_id = g_idle_add (resume_cb, self);
}

static guint
sum_sources (PetrelMergedList *self)
{
  guint n = 0;

  for (guint s = 0; s < self->sources->len; s++)
    n += g_list_model_get_n_items (g_ptr_array_index (self->sources, s));

  return n;
}

static void
reset (PetrelMergedList *self)
{
  guint old_n = self->n_items;

  clear_watched (self);
  g_clear_handle_id (&self->resume_id, g_source_remove);
  g_array_set_size (self->merged, 0);
  for (guint s = 0; s < self->heads->len; s++)
    g_array_index (self->heads, guint, s) = 0;
  self->pending_from = G_MAXUINT;
  self->pending_to = 0;
  self->n_items = sum_sources (self);

  if (old_n > 0 || self->n_items > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, old_n, self->n_items);
}

static void
on_source_items_changed_cb (GListModel       *source,
                            guint             position,
                            guint             removed,
                            guint             added,
                            PetrelMergedList *self)
{
  reset (self);
}

static void
on_source_notify_cb (PetrelMessageList *source,
                     GParamSpec        *pspec,
                     PetrelMergedList  *self)
{
  if (g_str_equal (pspec->name, "loading"))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
  else
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
}

/* GListModel */

static GType
petrel_merged_list_get_item_type (GListModel *model)
{
  return PETREL_TYPE_MESSAGE;
}

static guint
petrel_merged_list_get_n_items (GListModel *model)
{
  return PETREL_MERGED_LIST (model)->n_items;
}

static gpointer
petrel_merged_list_get_item (GListModel *model,
                             guint       position)
{
  PetrelMergedList *self = PETREL_MERGED_LIST (model);
  const MergedRow *row;

  if (position >= self->n_items)
    return NULL;

  if (position >= self->merged->len && !extend (self, position))
    {
      PetrelMessageList *first = g_ptr_array_index (self->sources, 0);

      if (self->pending_from == G_MAXUINT)
        {
          self->pending_from = self->merged->len;
          self->pending_to = position + 1;
        }
      else
        {
          self->pending_from = MIN (self->pending_from, self->merged->len);
          self->pending_to = MAX (self->pending_to, position + 1);
        }

      /* Every source exhausted early: their counts and rows disagree until they refresh. */
      if (self->watched->len == 0 && self->resume_id == 0)
        self->resume_id = g_idle_add (resume_cb, self);

      return petrel_message_new_placeholder (petrel_message_list_get_account (first), NULL);
    }

  row = &g_array_index (self->merged, MergedRow, position);
  return g_list_model_get_item (g_ptr_array_index (self->sources, row->source), row->position);
}

static void
petrel_merged_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = petrel_merged_list_get_item_type;
  iface->get_n_items = petrel_merged_list_get_n_items;
  iface->get_item = petrel_merged_list_get_item;
}

/* GObject */

static void
petrel_merged_list_dispose (GObject *object)
{
  PetrelMergedList *self = PETREL_MERGED_LIST (object);

  clear_watched (self);
  g_clear_handle_id (&self->resume_id, g_source_remove);
  for (guint s = 0; s < self->sources->len; s++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->sources, s), self);
  g_ptr_array_set_size (self->sources, 0);

  G_OBJECT_CLASS (petrel_merged_list_parent_class)->dispose (object);
}

static void
petrel_merged_list_finalize (GObject *object)
{
  PetrelMergedList *self = PETREL_MERGED_LIST (object);

  g_ptr_array_unref (self->sources);
  g_ptr_array_unref (self->watched);
  g_array_unref (self->merged);
  g_array_unref (self->heads);

  G_OBJECT_CLASS (petrel_merged_list_parent_class)->finalize (object);
}

static void
petrel_merged_list_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  PetrelMergedList *self = PETREL_MERGED_LIST (object);

  switch (prop_id)
    {
    case PROP_LOADING:
      g_value_set_boolean (value, petrel_merged_list_get_loading (self));
      break;

    case PROP_ERROR:
      g_value_set_boxed (value, petrel_merged_list_get_error (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
petrel_merged_list_class_init (PetrelMergedListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = petrel_merged_list_dispose;
  object_class->finalize = petrel_merged_list_finalize;
  object_class->get_property = petrel_merged_list_get_property;

  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_ERROR] =
    g_param_spec_boxed ("error", NULL, NULL, G_TYPE_ERROR,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
petrel_merged_list_init (PetrelMergedList *self)
{
  self->sources = g_ptr_array_new_with_free_func (g_object_unref);
  self->watched = g_ptr_array_new_with_free_func (g_object_unref);
  self->merged = g_array_new (FALSE, FALSE, sizeof (MergedRow));
  self->heads = g_array_new (FALSE, TRUE, sizeof (guint));
  self->pending_from = G_MAXUINT;
}

/* Public */

PetrelMergedList *
petrel_merged_list_new (void)
{
  return g_object_new (PETREL_TYPE_MERGED_LIST, NULL);
}

/**
 * petrel_merged_list_add_source:
 * @source: a list, newest first
 *
 * Merges @source's rows in (the merge starts again).
 */
void
petrel_merged_list_add_source (PetrelMergedList  *self,
                               PetrelMessageList *source)
{
  guint zero = 0;

  g_return_if_fail (PETREL_IS_MERGED_LIST (self));
  g_return_if_fail (PETREL_IS_MESSAGE_LIST (source));
  g_return_if_fail (self->sources->len < G_MAXUINT16);

  g_ptr_array_add (self->sources, g_object_ref (source));
  g_array_append_val (self->heads, zero);
  g_signal_connect (source, "items-changed", G_CALLBACK (on_source_items_changed_cb), self);
  g_signal_connect (source, "notify::loading", G_CALLBACK (on_source_notify_cb), self);
  g_signal_connect (source, "notify::error", G_CALLBACK (on_source_notify_cb), self);
  reset (self);
}

guint
petrel_merged_list_get_n_sources (PetrelMergedList *self)
{
  g_return_val_if_fail (PETREL_IS_MERGED_LIST (self), 0);

  return self->sources->len;
}

/**
 * petrel_merged_list_get_source:
 *
 * Returns: (transfer none): the @index-th source
 */
PetrelMessageList *
petrel_merged_list_get_source (PetrelMergedList *self,
                               guint             index)
{
  g_return_val_if_fail (PETREL_IS_MERGED_LIST (self), NULL);
  g_return_val_if_fail (index < self->sources->len, NULL);

  return g_ptr_array_index (self->sources, index);
}

/**
 * petrel_merged_list_find_source:
 *
 * Returns: (transfer none) (nullable): the source listing @account's messages
 */
PetrelMessageList *
petrel_merged_list_find_source (PetrelMergedList *self,
                                PetrelAccount    *account)
{
  g_return_val_if_fail (PETREL_IS_MERGED_LIST (self), NULL);

  for (guint s = 0; s < self->sources->len; s++)
    {
      PetrelMessageList *source = g_ptr_array_index (self->sources, s);

      if (petrel_message_list_get_account (source) == account)
        return source;
    }

  return NULL;
}

/* TRUE while a source has not read its count yet. */
gboolean
petrel_merged_list_get_loading (PetrelMergedList *self)
{
  g_return_val_if_fail (PETREL_IS_MERGED_LIST (self), FALSE);

  for (guint s = 0; s < self->sources->len; s++)
    if (petrel_message_list_get_loading (g_ptr_array_index (self->sources, s)))
      return TRUE;

  return FALSE;
}

/* The first source's error, when none of them has rows to show. */
const GError *
petrel_merged_list_get_error (PetrelMergedList *self)
{
  g_return_val_if_fail (PETREL_IS_MERGED_LIST (self), NULL);

  for (guint s = 0; s < self->sources->len; s++)
    {
      const GError *error = petrel_message_list_get_error (g_ptr_array_index (self->sources, s));

      if (error != NULL)
        return error;
    }

  return NULL;
}

/* How many rows are merged so far (the rest is only counted). */
guint
petrel_merged_list_get_n_merged (PetrelMergedList *self)
{
  g_return_val_if_fail (PETREL_IS_MERGED_LIST (self), 0);

  return self->merged->len;
}

/**
 * petrel_merged_list_find:
 *
 * Returns: the position of @account's message @uid in @folder_path among the rows merged so
 *   far, or %G_MAXUINT
 */
guint
petrel_merged_list_find (PetrelMergedList *self,
                         PetrelAccount    *account,
                         const char       *folder_path,
                         guint32           uid)
{
  guint position = G_MAXUINT;
  guint source = G_MAXUINT;

  g_return_val_if_fail (PETREL_IS_MERGED_LIST (self), G_MAXUINT);

  for (guint s = 0; s < self->sources->len; s++)
    {
      PetrelMessageList *list = g_ptr_array_index (self->sources, s);

      if (petrel_message_list_get_account (list) == account)
        {
          source = s;
          position = petrel_message_list_find (list, folder_path, uid);
          break;
        }
    }

  if (position == G_MAXUINT)
    return G_MAXUINT;

  for (guint i = 0; i < self->merged->len; i++)
    {
      const MergedRow *row = &g_array_index (self->merged, MergedRow, i);

      if (row->source == source && row->position == position)
        return i;
    }

  return G_MAXUINT;
}

void
petrel_merged_list_refresh (PetrelMergedList *self)
{
  g_return_if_fail (PETREL_IS_MERGED_LIST (self));

  for (guint s = 0; s < self->sources->len; s++)
    petrel_message_list_refresh (g_ptr_array_index (self->sources, s));
}
