/* petrel-message-list.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A lazy #GListModel of #PetrelMessage over one folder (newest first), or over the results of
 * a search.
 *
 * Folder lists never hold the whole folder. get_n_items() is the folder's count, read with
 * the first page; get_item() finds the page the position falls in, or creates it with
 * placeholder messages (loaded = FALSE) and queues its read. Pages are read on a worker thread
 * and their rows fill the placeholders in place, so a page landing emits property
 * notifications, never items-changed. At most PETREL_MESSAGE_LIST_MAX_PAGES pages of
 * PETREL_MESSAGE_LIST_PAGE_SIZE rows are kept (least recently used goes first), so a
 * 100,000-message folder costs memory only for the rows around the screen.
 *
 * petrel_message_list_refresh() re-reads the count and works out what changed: messages
 * added at the top (newer mail) and at the end (older mail arriving newest first during a
 * sync) become one items-changed each; rows of cached pages are compared with the store
 * again and updated in place (flags); anything else (an expunge, a message sorted into the
 * middle) resets the list with one items-changed over everything.
 *
 * Jobs (page reads and refreshes) run one at a time, in order, so a refresh sees every page
 * read before it, and pages created while it runs are positioned in the indexing the view
 * still uses until the refresh lands.
 *
 * Search lists run petrel_store_search() once (up to a limit) and hold all results.
 *
 * A folder list is flat, or (petrel_message_list_new_conversations()) lists the folder's
 * conversations, one row each: the conversation's newest message in the folder
 * (petrel_store_list_folder_conversations()), paged exactly like a flat list. Either way each
 * message carries its conversation's size, unread count and senders (across folders), read on
 * the worker with petrel_store_summarize_conversation() and cached per list (a long thread
 * spans many pages).
 */

#include "config.h"

#include "store/petrel-store-conversations.h"

#include "petrel-model-private.h"
#include "petrel-message-list.h"

#define PAGE_SIZE PETREL_MESSAGE_LIST_PAGE_SIZE
#define MAX_PAGES PETREL_MESSAGE_LIST_MAX_PAGES

typedef struct
{
  grefcount  ref;
  guint      start;
  guint      len;
  GPtrArray *items;      /* owned; PetrelMessage */
  guint64    last_used;
  gboolean   loaded;
  gboolean   dropped;    /* no longer in the list; a queued read of it is skipped */
} Page;

typedef enum
{
  JOB_LOAD,
  JOB_REFRESH,
} JobKind;

typedef struct
{
  JobKind   kind;
  Page     *page;   /* owned, for JOB_LOAD */
  GWeakRef  list;   /* the PetrelMessageList, which a running read does not keep alive */
} Job;

struct _PetrelMessageList
{
  GObject        parent_instance;

  PetrelAccount *account;       /* owned */
  char          *folder_path;   /* owned; nullable for a search over all folders */
  char          *query;         /* owned; non-NULL for a search */
  guint          limit;
  gboolean       threaded;      /* one row per conversation */

  guint          n_items;
  GPtrArray     *pages;         /* owned; Page */
  guint64        clock;

  GQueue         jobs;          /* Job, owned */
  gboolean       running;
  gboolean       refresh_queued;
  gboolean       loading;       /* until the first refresh landed */

  gboolean       top_valid;
  guint32        top_uid;

  GHashTable    *conversations; /* owned; conversation id → PetrelStoreConversationSummary */
  GError        *error;         /* owned, nullable: why the last read failed */
  GCancellable  *cancellable;   /* owned; cancelled on dispose */
};

static void petrel_message_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PetrelMessageList, petrel_message_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      petrel_message_list_model_init))

enum {
  PROP_0,
  PROP_LOADING,
  PROP_ERROR,
  N_PROPS
};

enum {
  REFRESHED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void run_next_job (PetrelMessageList *self);

/* Pages */

static Page *
page_ref (Page *page)
{
  g_ref_count_inc (&page->ref);
  return page;
}

static void
page_unref (Page *page)
{
  if (g_ref_count_dec (&page->ref))
    {
      g_ptr_array_unref (page->items);
      g_free (page);
    }
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Page, page_unref)

static Page *
page_new (PetrelMessageList *self,
          guint              start,
          guint              len)
{
  Page *page = g_new0 (Page, 1);

  g_ref_count_init (&page->ref);
  page->start = start;
  page->len = len;
  page->items = g_ptr_array_new_full (len, g_object_unref);
  for (guint i = 0; i < len; i++)
    g_ptr_array_add (page->items, petrel_message_new_placeholder (self->account,
                                                                  self->folder_path));

  return page;
}

static void
job_free (Job *job)
{
  g_clear_pointer (&job->page, page_unref);
  g_weak_ref_clear (&job->list);
  g_free (job);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Job, job_free)

static void
drop_page (Page *page)
{
  page->dropped = TRUE;
  page_unref (page);
}

static void
drop_all_pages (PetrelMessageList *self)
{
  g_ptr_array_set_size (self->pages, 0);
}

static Page *
find_page (PetrelMessageList *self,
           guint              position)
{
  for (guint i = 0; i < self->pages->len; i++)
    {
      Page *page = g_ptr_array_index (self->pages, i);

      if (position >= page->start && position < page->start + page->len)
        return page;
    }

  return NULL;
}

/* Drops the least recently used pages beyond MAX_PAGES, never @keep. */
static void
evict_pages (PetrelMessageList *self,
             Page              *keep)
{
  while (self->pages->len > MAX_PAGES)
    {
      guint victim = G_MAXUINT;

      for (guint i = 0; i < self->pages->len; i++)
        {
          Page *page = g_ptr_array_index (self->pages, i);

          if (page == keep)
            continue;
          if (victim == G_MAXUINT ||
              page->last_used < ((Page *) g_ptr_array_index (self->pages, victim))->last_used)
            victim = i;
        }

      if (victim == G_MAXUINT)
        break;
      g_ptr_array_remove_index_fast (self->pages, victim);
    }
}

static void
queue_job (PetrelMessageList *self,
           JobKind            kind,
           Page              *page)
{
  Job *job = g_new0 (Job, 1);

  job->kind = kind;
  job->page = page != NULL ? page_ref (page) : NULL;
  g_weak_ref_init (&job->list, self);
  g_queue_push_tail (&self->jobs, job);
  run_next_job (self);
}

/* A page for @position, aligned to PAGE_SIZE but not overlapping the pages there are (they
 * may have moved by a refresh). */
static Page *
create_page (PetrelMessageList *self,
             guint              position)
{
  guint start = position - position % PAGE_SIZE;
  guint end = MIN ((guint64) start + PAGE_SIZE, self->n_items);
  Page *page;

  for (guint i = 0; i < self->pages->len; i++)
    {
      Page *other = g_ptr_array_index (self->pages, i);
      guint other_end = other->start + other->len;

      if (other_end <= position && other_end > start)
        start = other_end;
      if (other->start > position && other->start < end)
        end = other->start;
    }

  page = page_new (self, start, end - start);
  g_ptr_array_add (self->pages, page);
  queue_job (self, JOB_LOAD, page);

  return page;
}

/* Worker side */

typedef struct
{
  /* in */
  PetrelAccount *account;       /* owned */
  char          *folder_path;   /* owned, nullable */
  char          *query;         /* owned, nullable */
  guint          limit;
  gboolean       threaded;
  guint          start;         /* JOB_LOAD */
  guint          len;           /* JOB_LOAD */
  guint          old_n;         /* JOB_REFRESH */
  gboolean       top_valid;
  guint32        top_uid;
  GPtrArray     *snapshot;      /* owned; Page (owned), loaded pages to check again */
  GPtrArray     *snapshot_uids; /* owned; GArray of guint32 per snapshot page */

  /* out */
  guint          new_n;
  gboolean       reset;
  guint          shift;         /* rows added at the top */
  GPtrArray     *rows;          /* owned; PetrelStoreMessage: the page, or the new top */
  GPtrArray     *snapshot_rows; /* owned; GPtrArray of PetrelStoreMessage per snapshot page */
  GHashTable    *conversations; /* owned; id → PetrelStoreConversationSummary: known in, all out */
} JobData;

static void
job_data_free (JobData *data)
{
  g_clear_object (&data->account);
  g_clear_pointer (&data->folder_path, g_free);
  g_clear_pointer (&data->query, g_free);
  g_clear_pointer (&data->snapshot, g_ptr_array_unref);
  g_clear_pointer (&data->snapshot_uids, g_ptr_array_unref);
  g_clear_pointer (&data->rows, g_ptr_array_unref);
  g_clear_pointer (&data->snapshot_rows, g_ptr_array_unref);
  g_clear_pointer (&data->conversations, g_hash_table_unref);
  g_free (data);
}

static GHashTable *
summaries_new (void)
{
  return g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                (GDestroyNotify) petrel_store_conversation_summary_free);
}

static PetrelStoreConversationSummary *
summary_copy (const PetrelStoreConversationSummary *summary)
{
  PetrelStoreConversationSummary *copy = g_memdup2 (summary, sizeof *summary);

  copy->participants = g_strdup (summary->participants);
  return copy;
}

static void
count_conversations (PetrelStore *store,
                     GPtrArray   *rows,
                     GHashTable  *summaries)
{
  for (guint i = 0; rows != NULL && i < rows->len; i++)
    {
      const PetrelStoreMessage *row = g_ptr_array_index (rows, i);
      PetrelStoreConversationSummary *summary;

      if (row->conversation_id == 0 ||
          g_hash_table_contains (summaries, &row->conversation_id))
        continue;

      /* A failed read leaves the row without a count, not the page without rows. */
      summary = petrel_store_summarize_conversation (store, row->conversation_id, NULL);
      if (summary != NULL)
        g_hash_table_insert (summaries, g_memdup2 (&row->conversation_id, sizeof (gint64)),
                             summary);
    }
}

static GPtrArray *
list_rows (PetrelStore  *store,
           JobData      *data,
           gint64        folder_id,
           guint         offset,
           guint         limit,
           GError      **error)
{
  if (data->threaded)
    return petrel_store_list_folder_conversations (store, folder_id, offset, limit, error);

  return petrel_store_list_messages (store, folder_id, offset, limit, error);
}

static gboolean
same_uids (GPtrArray *rows,
           GArray    *uids)
{
  if (rows->len != uids->len)
    return FALSE;

  for (guint i = 0; i < rows->len; i++)
    {
      const PetrelStoreMessage *row = g_ptr_array_index (rows, i);

      if (row->uid != g_array_index (uids, guint32, i))
        return FALSE;
    }

  return TRUE;
}

static gboolean
refresh_folder (PetrelStore  *store,
                JobData      *data,
                GError      **error)
{
  g_autoptr(PetrelStoreFolder) folder = NULL;
  guint total = 0;
  guint unread = 0;

  folder = petrel_store_get_folder_by_path (store, data->folder_path, error);
  if (folder == NULL)
    return FALSE;
  if (data->threaded
      ? !petrel_store_count_folder_conversations (store, folder->id, &total, error)
      : !petrel_store_count_messages (store, folder->id, &total, &unread, error))
    return FALSE;

  data->new_n = total;
  data->rows = list_rows (store, data, folder->id, 0, MIN (total, PAGE_SIZE), error);
  if (data->rows == NULL)
    return FALSE;
  /* The count and the pages are separate reads: trust what the pages say. */
  if (data->rows->len < PAGE_SIZE)
    data->new_n = data->rows->len;

  if (data->old_n == 0)
    {
      data->shift = data->new_n;
      return TRUE;
    }

  data->reset = TRUE;
  if (!data->top_valid)
    return TRUE;

  for (guint i = 0; i < data->rows->len; i++)
    {
      const PetrelStoreMessage *row = g_ptr_array_index (data->rows, i);

      if (row->uid == data->top_uid)
        {
          data->shift = i;
          data->reset = FALSE;
          break;
        }
    }

  if (data->reset || data->new_n < data->old_n + data->shift)
    {
      data->reset = TRUE;
      return TRUE;
    }

  data->snapshot_rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  for (guint i = 0; i < data->snapshot->len; i++)
    {
      Page *page = g_ptr_array_index (data->snapshot, i);
      GArray *uids = g_ptr_array_index (data->snapshot_uids, i);
      g_autoptr(GPtrArray) rows = NULL;

      rows = list_rows (store, data, folder->id, page->start + data->shift, page->len, error);
      if (rows == NULL)
        return FALSE;

      if (!same_uids (rows, uids))
        {
          data->reset = TRUE;
          g_clear_pointer (&data->snapshot_rows, g_ptr_array_unref);
          return TRUE;
        }

      count_conversations (store, rows, data->conversations);
      g_ptr_array_add (data->snapshot_rows, g_steal_pointer (&rows));
    }

  return TRUE;
}

static void
job_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  JobData *data = task_data;
  g_autoptr(GError) error = NULL;
  PetrelStore *store;
  gboolean ok = FALSE;

  if (g_task_return_error_if_cancelled (task))
    return;

  store = petrel_account_get_store (data->account, &error);
  if (store == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (data->query != NULL)
    {
      data->rows = petrel_store_search (store, data->query, data->folder_path, data->limit,
                                        &error);
      ok = data->rows != NULL;
      if (ok)
        {
          data->new_n = data->rows->len;
          data->reset = TRUE;
        }
    }
  else if (data->snapshot != NULL)
    {
      ok = refresh_folder (store, data, &error);
    }
  else
    {
      g_autoptr(PetrelStoreFolder) folder = NULL;

      folder = petrel_store_get_folder_by_path (store, data->folder_path, &error);
      if (folder != NULL)
        data->rows = list_rows (store, data, folder->id, data->start, data->len, &error);
      ok = data->rows != NULL;
    }

  if (!ok)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  count_conversations (store, data->rows, data->conversations);
  g_task_return_boolean (task, TRUE);
}

/* Main-thread side */

static void
set_error (PetrelMessageList *self,
           const GError      *error)
{
  if (self->error == NULL && error == NULL)
    return;

  g_clear_error (&self->error);
  if (error != NULL)
    self->error = g_error_copy (error);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
}

static void
fill_item (PetrelMessageList        *self,
           PetrelMessage            *item,
           const PetrelStoreMessage *row,
           GHashTable               *conversations)
{
  const char *folder_path = row->folder_path != NULL ? row->folder_path : self->folder_path;
  const PetrelStoreConversationSummary *summary = NULL;

  if (folder_path == NULL)
    folder_path = "";
  petrel_message_update (item, folder_path, row);
  if (row->conversation_id != 0)
    summary = g_hash_table_lookup (conversations, &row->conversation_id);
  if (summary != NULL)
    _petrel_message_set_conversation (item, summary->count, summary->unread,
                                      summary->participants);
  else
    _petrel_message_set_conversation (item, 1, (row->flags & PETREL_STORE_FLAG_SEEN) ? 0 : 1,
                                      row->from_name != NULL && *row->from_name != '\0'
                                      ? row->from_name : row->from_addr);
}

static Page *
page_from_rows (PetrelMessageList *self,
                guint              start,
                GPtrArray         *rows,
                guint              n_rows,
                GHashTable        *conversations)
{
  Page *page = page_new (self, start, n_rows);

  for (guint i = 0; i < n_rows; i++)
    fill_item (self, g_ptr_array_index (page->items, i), g_ptr_array_index (rows, i),
               conversations);
  page->loaded = TRUE;
  page->last_used = ++self->clock;

  return page;
}

static void
apply_load (PetrelMessageList *self,
            Page              *page,
            JobData           *data)
{
  if (page->dropped)
    return;

  for (guint i = 0; i < page->len && i < data->rows->len; i++)
    fill_item (self, g_ptr_array_index (page->items, i), g_ptr_array_index (data->rows, i),
               data->conversations);
  page->loaded = TRUE;

  /* The folder shrank since the count was read: the rest of the page does not exist. */
  if (data->rows->len < page->len)
    petrel_message_list_refresh (self);
}

static void
apply_refresh (PetrelMessageList *self,
               JobData           *data)
{
  guint old_n = self->n_items;
  guint tail;

  if (data->reset)
    {
      drop_all_pages (self);
      self->n_items = data->new_n;
      if (data->rows->len > 0)
        g_ptr_array_add (self->pages, page_from_rows (self, 0, data->rows, data->rows->len,
                                                      data->conversations));
      self->top_valid = data->query == NULL && data->rows->len > 0;
      if (self->top_valid)
        self->top_uid = ((PetrelStoreMessage *) g_ptr_array_index (data->rows, 0))->uid;

      if (old_n > 0 || self->n_items > 0)
        g_list_model_items_changed (G_LIST_MODEL (self), 0, old_n, self->n_items);
      return;
    }

  /* Rows of the pages that were checked again: same messages, maybe new flags. */
  for (guint i = 0; data->snapshot_rows != NULL && i < data->snapshot->len; i++)
    {
      Page *page = g_ptr_array_index (data->snapshot, i);
      GPtrArray *rows = g_ptr_array_index (data->snapshot_rows, i);

      if (page->dropped)
        continue;
      for (guint j = 0; j < page->len && j < rows->len; j++)
        fill_item (self, g_ptr_array_index (page->items, j), g_ptr_array_index (rows, j),
                   data->conversations);
    }

  for (guint i = 0; i < self->pages->len; i++)
    ((Page *) g_ptr_array_index (self->pages, i))->start += data->shift;

  tail = data->new_n - old_n - data->shift;
  self->n_items = data->new_n;

  if (data->shift > 0)
    {
      g_ptr_array_add (self->pages, page_from_rows (self, 0, data->rows,
                                                    MIN (data->shift, data->rows->len),
                                                    data->conversations));
      evict_pages (self, NULL);
    }

  if (data->rows->len > 0)
    {
      self->top_valid = TRUE;
      self->top_uid = ((PetrelStoreMessage *) g_ptr_array_index (data->rows, 0))->uid;
    }

  if (data->shift > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, data->shift);
  if (tail > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), old_n + data->shift, 0, tail);
}

static void
remember_conversations (PetrelMessageList *self,
                        GHashTable        *counted,
                        gboolean           replace)
{
  GHashTableIter iter;
  gpointer key, value;

  /* Bounded: scrolling through a huge folder must not grow it for ever. */
  if (replace || g_hash_table_size (self->conversations) > 4096)
    g_hash_table_remove_all (self->conversations);

  g_hash_table_iter_init (&iter, counted);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_replace (self->conversations, g_memdup2 (key, sizeof (gint64)),
                          summary_copy (value));
}

static void
job_done_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(Job) job = user_data;
  g_autoptr(PetrelMessageList) self = g_weak_ref_get (&job->list);
  JobData *data = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  /* The list went away while its last read ran. */
  if (self == NULL)
    return;

  self->running = FALSE;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;

      g_debug ("Cannot read %s: %s", self->folder_path != NULL ? self->folder_path : "search",
               error->message);
      set_error (self, error);
      if (job->kind == JOB_REFRESH && self->n_items > 0)
        {
          guint old_n = self->n_items;

          drop_all_pages (self);
          self->n_items = 0;
          self->top_valid = FALSE;
          g_list_model_items_changed (G_LIST_MODEL (self), 0, old_n, 0);
        }
    }
  else if (job->kind == JOB_LOAD)
    {
      remember_conversations (self, data->conversations, FALSE);
      apply_load (self, job->page, data);
    }
  else
    {
      remember_conversations (self, data->conversations, TRUE);
      set_error (self, NULL);
      apply_refresh (self, data);
    }

  if (job->kind == JOB_REFRESH)
    {
      if (self->loading)
        {
          self->loading = FALSE;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
        }
      g_signal_emit (self, signals[REFRESHED], 0);
    }

  run_next_job (self);
}

static void
run_next_job (PetrelMessageList *self)
{
  g_autoptr(GTask) task = NULL;
  JobData *data;
  Job *job;

  if (self->running)
    return;

  for (;;)
    {
      job = g_queue_pop_head (&self->jobs);
      if (job == NULL)
        return;
      if (job->kind == JOB_LOAD && job->page->dropped)
        {
          job_free (job);
          continue;
        }
      break;
    }

  data = g_new0 (JobData, 1);
  data->conversations = summaries_new ();
  /* Sizes counted for earlier pages are reused: a long thread spans many pages. A refresh
   * counts again, as new mail may have joined. */
  if (job->kind == JOB_LOAD)
    {
      GHashTableIter iter;
      gpointer key, value;

      g_hash_table_iter_init (&iter, self->conversations);
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_hash_table_insert (data->conversations, g_memdup2 (key, sizeof (gint64)),
                             summary_copy (value));
    }
  data->account = g_object_ref (self->account);
  data->folder_path = g_strdup (self->folder_path);
  data->query = g_strdup (self->query);
  data->limit = self->limit;
  data->threaded = self->threaded;

  if (job->kind == JOB_LOAD)
    {
      data->start = job->page->start;
      data->len = job->page->len;
    }
  else
    {
      self->refresh_queued = FALSE;
      data->old_n = self->n_items;
      data->top_valid = self->top_valid;
      data->top_uid = self->top_uid;
      data->snapshot = g_ptr_array_new_with_free_func ((GDestroyNotify) page_unref);
      data->snapshot_uids = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
      for (guint i = 0; i < self->pages->len; i++)
        {
          Page *page = g_ptr_array_index (self->pages, i);
          GArray *uids;

          if (!page->loaded)
            continue;

          uids = g_array_sized_new (FALSE, FALSE, sizeof (guint32), page->len);
          for (guint j = 0; j < page->len; j++)
            {
              guint32 uid = petrel_message_get_uid (g_ptr_array_index (page->items, j));

              g_array_append_val (uids, uid);
            }
          g_ptr_array_add (data->snapshot, page_ref (page));
          g_ptr_array_add (data->snapshot_uids, uids);
        }
    }

  self->running = TRUE;
  task = g_task_new (NULL, self->cancellable, job_done_cb, job);
  g_task_set_source_tag (task, run_next_job);
  g_task_set_task_data (task, data, (GDestroyNotify) job_data_free);
  g_task_run_in_thread (task, job_thread);
}

/* GListModel */

static GType
petrel_message_list_get_item_type (GListModel *model)
{
  return PETREL_TYPE_MESSAGE;
}

static guint
petrel_message_list_get_n_items (GListModel *model)
{
  return PETREL_MESSAGE_LIST (model)->n_items;
}

static gpointer
petrel_message_list_get_item (GListModel *model,
                              guint       position)
{
  PetrelMessageList *self = PETREL_MESSAGE_LIST (model);
  Page *page;

  if (position >= self->n_items)
    return NULL;

  page = find_page (self, position);
  if (page == NULL)
    {
      page = create_page (self, position);
      page->last_used = ++self->clock;
      evict_pages (self, page);
    }
  page->last_used = ++self->clock;

  return g_object_ref (g_ptr_array_index (page->items, position - page->start));
}

static void
petrel_message_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = petrel_message_list_get_item_type;
  iface->get_n_items = petrel_message_list_get_n_items;
  iface->get_item = petrel_message_list_get_item;
}

/* GObject */

static void
petrel_message_list_dispose (GObject *object)
{
  PetrelMessageList *self = PETREL_MESSAGE_LIST (object);

  g_cancellable_cancel (self->cancellable);
  g_queue_clear_full (&self->jobs, (GDestroyNotify) job_free);
  g_clear_pointer (&self->pages, g_ptr_array_unref);
  g_clear_pointer (&self->conversations, g_hash_table_unref);
  g_clear_object (&self->account);

  G_OBJECT_CLASS (petrel_message_list_parent_class)->dispose (object);
}

static void
petrel_message_list_finalize (GObject *object)
{
  PetrelMessageList *self = PETREL_MESSAGE_LIST (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->folder_path, g_free);
  g_clear_pointer (&self->query, g_free);
  g_clear_error (&self->error);

  G_OBJECT_CLASS (petrel_message_list_parent_class)->finalize (object);
}

static void
petrel_message_list_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  PetrelMessageList *self = PETREL_MESSAGE_LIST (object);

  switch (prop_id)
    {
    case PROP_LOADING:
      g_value_set_boolean (value, self->loading);
      break;
    case PROP_ERROR:
      g_value_set_boxed (value, self->error);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
petrel_message_list_class_init (PetrelMessageListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = petrel_message_list_dispose;
  object_class->finalize = petrel_message_list_finalize;
  object_class->get_property = petrel_message_list_get_property;

  /* TRUE until the count and the first page have been read. */
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, TRUE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Why the last refresh failed (e.g. a search query the store refuses), or NULL. */
  properties[PROP_ERROR] =
    g_param_spec_boxed ("error", NULL, NULL, G_TYPE_ERROR,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * PetrelMessageList::refreshed:
   *
   * Emitted after each refresh (the first load included) has been applied.
   */
  signals[REFRESHED] =
    g_signal_new ("refreshed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
petrel_message_list_init (PetrelMessageList *self)
{
  self->pages = g_ptr_array_new_with_free_func ((GDestroyNotify) drop_page);
  self->conversations = summaries_new ();
  self->cancellable = g_cancellable_new ();
  self->loading = TRUE;
  g_queue_init (&self->jobs);
}

/**
 * petrel_message_list_new:
 * @folder_path: the folder to list
 *
 * Returns: (transfer full): the folder's messages, newest first. The list is empty until its
 *   first read lands (#PetrelMessageList:loading turns %FALSE).
 */
PetrelMessageList *
petrel_message_list_new (PetrelAccount *account,
                         const char    *folder_path)
{
  PetrelMessageList *self;

  g_return_val_if_fail (PETREL_IS_ACCOUNT (account), NULL);
  g_return_val_if_fail (folder_path != NULL, NULL);

  self = g_object_new (PETREL_TYPE_MESSAGE_LIST, NULL);
  self->account = g_object_ref (account);
  self->folder_path = g_strdup (folder_path);
  petrel_message_list_refresh (self);

  return self;
}

/**
 * petrel_message_list_new_conversations:
 * @folder_path: the folder to list
 *
 * Like petrel_message_list_new(), with one row per conversation: its newest message in the
 * folder, carrying the conversation's size, unread count and senders.
 *
 * Returns: (transfer full): the folder's conversations, newest first
 */
PetrelMessageList *
petrel_message_list_new_conversations (PetrelAccount *account,
                                       const char    *folder_path)
{
  PetrelMessageList *self;

  g_return_val_if_fail (PETREL_IS_ACCOUNT (account), NULL);
  g_return_val_if_fail (folder_path != NULL, NULL);

  self = g_object_new (PETREL_TYPE_MESSAGE_LIST, NULL);
  self->account = g_object_ref (account);
  self->folder_path = g_strdup (folder_path);
  self->threaded = TRUE;
  petrel_message_list_refresh (self);

  return self;
}

/* Whether the list has one row per conversation. */
gboolean
petrel_message_list_get_conversations (PetrelMessageList *self)
{
  g_return_val_if_fail (PETREL_IS_MESSAGE_LIST (self), FALSE);

  return self->threaded;
}

/**
 * petrel_message_list_new_for_search:
 * @query: a query for petrel_store_search()
 * @folder_path: (nullable): search this folder only
 * @limit: at most this many results
 *
 * Returns: (transfer full): the results, best first
 */
PetrelMessageList *
petrel_message_list_new_for_search (PetrelAccount *account,
                                    const char    *query,
                                    const char    *folder_path,
                                    guint          limit)
{
  PetrelMessageList *self;

  g_return_val_if_fail (PETREL_IS_ACCOUNT (account), NULL);
  g_return_val_if_fail (query != NULL, NULL);

  self = g_object_new (PETREL_TYPE_MESSAGE_LIST, NULL);
  self->account = g_object_ref (account);
  self->folder_path = g_strdup (folder_path);
  self->query = g_strdup (query);
  self->limit = limit;
  petrel_message_list_refresh (self);

  return self;
}

PetrelAccount *
petrel_message_list_get_account (PetrelMessageList *self)
{
  g_return_val_if_fail (PETREL_IS_MESSAGE_LIST (self), NULL);

  return self->account;
}

/* The folder listed or searched; %NULL for a search of all folders. */
const char *
petrel_message_list_get_folder_path (PetrelMessageList *self)
{
  g_return_val_if_fail (PETREL_IS_MESSAGE_LIST (self), NULL);

  return self->folder_path;
}

/* The search query, or %NULL for a folder list. */
const char *
petrel_message_list_get_query (PetrelMessageList *self)
{
  g_return_val_if_fail (PETREL_IS_MESSAGE_LIST (self), NULL);

  return self->query;
}

gboolean
petrel_message_list_get_loading (PetrelMessageList *self)
{
  g_return_val_if_fail (PETREL_IS_MESSAGE_LIST (self), FALSE);

  return self->loading;
}

const GError *
petrel_message_list_get_error (PetrelMessageList *self)
{
  g_return_val_if_fail (PETREL_IS_MESSAGE_LIST (self), NULL);

  return self->error;
}

/* How many rows the list holds in memory (loaded or waiting for their page). */
guint
petrel_message_list_get_n_cached (PetrelMessageList *self)
{
  guint n = 0;

  g_return_val_if_fail (PETREL_IS_MESSAGE_LIST (self), 0);

  for (guint i = 0; i < self->pages->len; i++)
    n += ((Page *) g_ptr_array_index (self->pages, i))->len;

  return n;
}

/**
 * petrel_message_list_find:
 * @folder_path: (nullable): the message's folder (%NULL: the list's)
 *
 * Looks for a message among the rows the list holds; it does not read the store.
 *
 * Returns: its position, or %G_MAXUINT
 */
guint
petrel_message_list_find (PetrelMessageList *self,
                          const char        *folder_path,
                          guint32            uid)
{
  g_return_val_if_fail (PETREL_IS_MESSAGE_LIST (self), G_MAXUINT);

  if (folder_path == NULL)
    folder_path = self->folder_path;

  for (guint i = 0; i < self->pages->len; i++)
    {
      Page *page = g_ptr_array_index (self->pages, i);

      if (!page->loaded)
        continue;

      for (guint j = 0; j < page->len; j++)
        {
          PetrelMessage *item = g_ptr_array_index (page->items, j);

          if (petrel_message_is_loaded (item) && petrel_message_get_uid (item) == uid &&
              g_strcmp0 (petrel_message_get_folder_path (item), folder_path) == 0)
            return page->start + j;
        }
    }

  return G_MAXUINT;
}

/**
 * petrel_message_list_refresh:
 *
 * Reads the list again (after a sync batch or when a sync finished) and emits what changed:
 * one items-changed per change at the top or end, or one over everything. Refreshes asked
 * for while one is waiting to run are merged into it.
 */
void
petrel_message_list_refresh (PetrelMessageList *self)
{
  g_return_if_fail (PETREL_IS_MESSAGE_LIST (self));

  if (self->refresh_queued)
    return;

  self->refresh_queued = TRUE;
  queue_job (self, JOB_REFRESH, NULL);
}
