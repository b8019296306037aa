/* petrel-address-book.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "mime/petrel-mime-address.h"
#include "model/petrel-address-book.h"

/* Address completion for the composer (issue 9): every address seen in the accounts'
 * caches, ranked by petrel_store_list_addresses(), the user's own addresses left out. The
 * ranked list is built once on a worker thread and kept for a while, so each keystroke is
 * only an in-memory prefix match. */

/* How long a ranked list is used before it is built again (new mail, new sent messages). */
#define CACHE_LIFETIME_USEC (120 * G_USEC_PER_SEC)

struct _PetrelAddressBook
{
  GObject    parent_instance;

  GMutex     lock;
  GPtrArray *accounts;   /* owned, of PetrelAccount; guarded by lock */
  GPtrArray *ranked;     /* owned, nullable, of PetrelStoreAddress; guarded by lock */
  gint64     built_at;   /* monotonic time of ranked; guarded by lock */
};

G_DEFINE_FINAL_TYPE (PetrelAddressBook, petrel_address_book, G_TYPE_OBJECT)

typedef struct
{
  char  *prefix;
  guint  limit;
} Query;

static void
query_free (Query *query)
{
  g_free (query->prefix);
  g_free (query);
}

static void
add_own (GHashTable *own,
         const char *text)
{
  g_autoptr(GPtrArray) parsed = NULL;

  if (text == NULL || text[0] == '\0')
    return;
  parsed = petrel_mime_address_list_parse (text);
  for (guint i = 0; i < parsed->len; i++)
    {
      PetrelMimeAddress *address = g_ptr_array_index (parsed, i);

      g_hash_table_add (own, g_utf8_casefold (address->address, -1));
    }
}

static int
compare_score (gconstpointer a,
               gconstpointer b)
{
  const PetrelStoreAddress *x = *(PetrelStoreAddress **) a;
  const PetrelStoreAddress *y = *(PetrelStoreAddress **) b;

  if (x->score != y->score)
    return x->score > y->score ? -1 : 1;
  return g_ascii_strcasecmp (x->address, y->address);
}

/* Builds the merged ranked list of every account; called with the lock held. An account
 * whose store cannot be opened simply adds nothing. */
static GPtrArray *
build_ranked (GPtrArray *accounts)
{
  g_autoptr(GHashTable) own = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) merged = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GPtrArray *ranked = g_ptr_array_new_with_free_func ((GDestroyNotify) petrel_store_address_free);

  for (guint i = 0; i < accounts->len; i++)
    {
      PetrelAccountConfig *config = petrel_account_get_config (g_ptr_array_index (accounts, i));
      const char * const *aliases = petrel_account_config_get_aliases (config);

      add_own (own, petrel_account_config_get_email_address (config));
      for (guint j = 0; aliases != NULL && aliases[j] != NULL; j++)
        add_own (own, aliases[j]);
    }

  for (guint i = 0; i < accounts->len; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) list = NULL;
      PetrelStore *store = petrel_account_get_store (g_ptr_array_index (accounts, i), &error);

      if (store == NULL || (list = petrel_store_list_addresses (store, 0, &error)) == NULL)
        {
          g_debug ("No addresses from an account: %s", error->message);
          continue;
        }

      for (guint j = 0; j < list->len; j++)
        {
          PetrelStoreAddress *entry = g_ptr_array_index (list, j);
          g_autofree char *key = g_utf8_casefold (entry->address, -1);
          PetrelStoreAddress *existing;

          if (g_hash_table_contains (own, key))
            continue;
          existing = g_hash_table_lookup (merged, key);
          if (existing == NULL)
            {
              existing = petrel_store_address_copy (entry);
              g_ptr_array_add (ranked, existing);
              g_hash_table_insert (merged, g_steal_pointer (&key), existing);
              continue;
            }
          existing->sent_count += entry->sent_count;
          existing->seen_count += entry->seen_count;
          existing->last_sent = MAX (existing->last_sent, entry->last_sent);
          existing->last_seen = MAX (existing->last_seen, entry->last_seen);
          existing->score += entry->score;
          if (existing->name == NULL && entry->name != NULL)
            existing->name = g_strdup (entry->name);
        }
    }

  g_ptr_array_sort (ranked, compare_score);
  return ranked;
}

static void
petrel_address_book_finalize (GObject *object)
{
  PetrelAddressBook *self = PETREL_ADDRESS_BOOK (object);

  g_clear_pointer (&self->accounts, g_ptr_array_unref);
  g_clear_pointer (&self->ranked, g_ptr_array_unref);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (petrel_address_book_parent_class)->finalize (object);
}

static void
petrel_address_book_class_init (PetrelAddressBookClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = petrel_address_book_finalize;
}

static void
petrel_address_book_init (PetrelAddressBook *self)
{
  g_mutex_init (&self->lock);
  self->accounts = g_ptr_array_new_with_free_func (g_object_unref);
}

PetrelAddressBook *
petrel_address_book_new (void)
{
  return g_object_new (PETREL_TYPE_ADDRESS_BOOK, NULL);
}

/**
 * petrel_address_book_add_account:
 * @self: an address book
 * @account: an account whose addresses to offer (its own addresses and aliases are left
 *   out of every result)
 */
void
petrel_address_book_add_account (PetrelAddressBook *self,
                                 PetrelAccount     *account)
{
  g_return_if_fail (PETREL_IS_ADDRESS_BOOK (self));
  g_return_if_fail (PETREL_IS_ACCOUNT (account));

  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->accounts, g_object_ref (account));
  g_clear_pointer (&self->ranked, g_ptr_array_unref);
  g_mutex_unlock (&self->lock);
}

/**
 * petrel_address_book_invalidate:
 * @self: an address book
 *
 * Forgets the ranked list, e.g. after a message was sent: the next query builds it again.
 */
void
petrel_address_book_invalidate (PetrelAddressBook *self)
{
  g_return_if_fail (PETREL_IS_ADDRESS_BOOK (self));

  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->ranked, g_ptr_array_unref);
  g_mutex_unlock (&self->lock);
}

/**
 * petrel_address_book_query:
 * @self: an address book
 * @prefix: what the user typed (see petrel_store_match_addresses())
 * @limit: at most this many results
 * @error: return location for an error (none today: an unreadable account adds nothing)
 *
 * Blocking: the first call, and the first after a while, reads the stores. Use
 * petrel_address_book_query_async() from the main loop.
 *
 * Returns: (transfer full) (element-type PetrelStoreAddress): the matches, best first
 */
GPtrArray *
petrel_address_book_query (PetrelAddressBook  *self,
                           const char         *prefix,
                           guint               limit,
                           GError            **error)
{
  GPtrArray *matches;
  gint64 now = g_get_monotonic_time ();

  g_return_val_if_fail (PETREL_IS_ADDRESS_BOOK (self), NULL);
  g_return_val_if_fail (prefix != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  g_mutex_lock (&self->lock);
  if (self->ranked == NULL || now - self->built_at > CACHE_LIFETIME_USEC)
    {
      g_clear_pointer (&self->ranked, g_ptr_array_unref);
      self->ranked = build_ranked (self->accounts);
      self->built_at = now;
    }
  matches = petrel_store_match_addresses (self->ranked, prefix, limit);
  g_mutex_unlock (&self->lock);

  return matches;
}

static void
query_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  Query *query = task_data;
  GError *error = NULL;
  GPtrArray *matches;

  matches = petrel_address_book_query (source_object, query->prefix, query->limit, &error);
  if (matches == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, matches, (GDestroyNotify) g_ptr_array_unref);
}

/**
 * petrel_address_book_query_async:
 * @self: an address book
 * @prefix: what the user typed
 * @limit: at most this many results
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the matches
 * @user_data: data for @callback
 *
 * petrel_address_book_query() on a worker thread.
 */
void
petrel_address_book_query_async (PetrelAddressBook   *self,
                                 const char          *prefix,
                                 guint                limit,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Query *query;

  g_return_if_fail (PETREL_IS_ADDRESS_BOOK (self));
  g_return_if_fail (prefix != NULL);

  query = g_new0 (Query, 1);
  query->prefix = g_strdup (prefix);
  query->limit = limit;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, petrel_address_book_query_async);
  g_task_set_task_data (task, query, (GDestroyNotify) query_free);
  g_task_set_return_on_cancel (task, TRUE);
  g_task_run_in_thread (task, query_thread);
}

/**
 * petrel_address_book_query_finish:
 *
 * Returns: (transfer full) (element-type PetrelStoreAddress): the matches, best first
 */
GPtrArray *
petrel_address_book_query_finish (PetrelAddressBook  *self,
                                  GAsyncResult       *result,
                                  GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
