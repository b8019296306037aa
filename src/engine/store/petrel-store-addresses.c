/* petrel-store-addresses.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "mime/petrel-mime-address.h"
#include "store/petrel-store-addresses.h"
#include "store/petrel-store-private.h"

/* Address completion (issue 9): every address Petrel has seen, ranked by how often and how
 * recently the user wrote to it. A pure query on existing columns: one grouped scan of the
 * senders and one pass over the To/Cc of the Sent folders, no index or migration. The caller
 * (PetrelAddressBook) keeps the ranked list and matches prefixes against it in memory, so
 * typing never touches the database. */

/* A message written to someone weighs this many received from them. */
#define SENT_WEIGHT 10.0
/* Days after which a correspondence counts half (then a third, a quarter…). */
#define HALF_LIFE_DAYS 60.0

G_DEFINE_BOXED_TYPE (PetrelStoreAddress, petrel_store_address, petrel_store_address_copy,
                     petrel_store_address_free)

PetrelStoreAddress *
petrel_store_address_copy (const PetrelStoreAddress *self)
{
  PetrelStoreAddress *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_memdup2 (self, sizeof *self);
  copy->name = g_strdup (self->name);
  copy->address = g_strdup (self->address);

  return copy;
}

void
petrel_store_address_free (PetrelStoreAddress *self)
{
  if (self == NULL)
    return;

  g_free (self->name);
  g_free (self->address);
  g_free (self);
}

static PetrelStoreAddress *
lookup_or_add (GHashTable *by_key,
               const char *name,
               const char *address)
{
  g_autofree char *key = g_utf8_casefold (address, -1);
  PetrelStoreAddress *entry = g_hash_table_lookup (by_key, key);

  if (entry == NULL)
    {
      entry = g_new0 (PetrelStoreAddress, 1);
      entry->address = g_strdup (address);
      g_hash_table_insert (by_key, g_steal_pointer (&key), entry);
    }
  if (name != NULL && name[0] != '\0' && entry->name == NULL)
    entry->name = g_strdup (name);

  return entry;
}

static gboolean
looks_like_address (const char *address)
{
  const char *at;

  if (address == NULL || (at = strchr (address, '@')) == NULL || at == address || at[1] == '\0')
    return FALSE;
  for (const char *p = address; *p != '\0'; p++)
    if ((guchar) *p <= 0x20 || *p == 0x7f)
      return FALSE;
  return TRUE;
}

static double
decay (gint64 now,
       gint64 when)
{
  double days = when > 0 && now > when ? (double) (now - when) / 86400.0 : 0.0;

  return 1.0 / (1.0 + days / HALF_LIFE_DAYS);
}

static int
compare_rank (gconstpointer a,
              gconstpointer b)
{
  const PetrelStoreAddress *x = *(PetrelStoreAddress **) a;
  const PetrelStoreAddress *y = *(PetrelStoreAddress **) b;

  if (x->score != y->score)
    return x->score > y->score ? -1 : 1;
  if (x->last_sent != y->last_sent)
    return x->last_sent > y->last_sent ? -1 : 1;
  if (x->last_seen != y->last_seen)
    return x->last_seen > y->last_seen ? -1 : 1;
  return g_ascii_strcasecmp (x->address, y->address);
}

/**
 * petrel_store_list_addresses:
 * @self: a store
 * @now: the time to rank against (unix time; 0 for now)
 * @error: return location for a %PETREL_STORE_ERROR
 *
 * Collects every address seen: senders of cached messages anywhere, and the To and Cc
 * recipients of the messages in Sent folders (what the user wrote). Each address is scored
 * as the sum over those messages of a weight (10 for a message the user sent to it, 1 for
 * one received from it) divided by 1 + age / 60 days.
 *
 * Returns: (transfer full) (element-type PetrelStoreAddress): every address, best first
 */
GPtrArray *
petrel_store_list_addresses (PetrelStore  *self,
                             gint64        now,
                             GError      **error)
{
  g_auto(PetrelStoreRead) read = { 0 };
  g_autoptr(GHashTable) by_key = NULL;
  g_autoptr(GPtrArray) ranked = NULL;
  GHashTableIter iter;
  gpointer key, value;
  int rc;

  g_return_val_if_fail (PETREL_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (now <= 0)
    now = g_get_real_time () / G_USEC_PER_SEC;

  if (!_petrel_store_read_begin (self, &read, error))
    return NULL;

  by_key = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                  (GDestroyNotify) petrel_store_address_free);

  {
    /* Received mail: one row per sender and week, so that recency is weighed without
     * reading every message into C. */
    g_autoptr(PetrelStoreStmt) stmt =
      _petrel_store_prepare (read.conn,
                             "SELECT m.from_addr, max (m.from_name), count (*), max (m.date)"
                             " FROM messages m JOIN folders f ON f.id = m.folder_id"
                             " WHERE m.from_addr LIKE '%_@_%'"
                             "   AND (f.role IS NULL OR f.role NOT IN ('sent', 'drafts'))"
                             " GROUP BY m.from_addr COLLATE NOCASE, m.date / 604800",
                             error);

    if (stmt == NULL)
      return NULL;

    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
      {
        const char *address = (const char *) sqlite3_column_text (stmt, 0);
        const char *name = (const char *) sqlite3_column_text (stmt, 1);
        guint count = (guint) sqlite3_column_int64 (stmt, 2);
        gint64 date = sqlite3_column_int64 (stmt, 3);
        PetrelStoreAddress *entry;

        if (!looks_like_address (address) || !g_utf8_validate (address, -1, NULL) ||
            (name != NULL && !g_utf8_validate (name, -1, NULL)))
          continue;
        entry = lookup_or_add (by_key, name, address);
        entry->seen_count += count;
        entry->last_seen = MAX (entry->last_seen, date);
        entry->score += count * decay (now, date);
      }
    if (rc != SQLITE_DONE)
      {
        _petrel_store_set_error (error, read.conn->db, rc, _("Cannot list addresses"));
        return NULL;
      }
  }

  {
    g_autoptr(PetrelStoreStmt) stmt =
      _petrel_store_prepare (read.conn,
                             "SELECT m.to_text, m.cc_text, m.date"
                             " FROM messages m JOIN folders f ON f.id = m.folder_id"
                             " WHERE f.role = 'sent'",
                             error);

    if (stmt == NULL)
      return NULL;

    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
      {
        gint64 date = sqlite3_column_int64 (stmt, 2);

        for (int col = 0; col < 2; col++)
          {
            const char *text = (const char *) sqlite3_column_text (stmt, col);
            g_autoptr(GPtrArray) parsed = NULL;

            if (text == NULL || text[0] == '\0')
              continue;
            parsed = petrel_mime_address_list_parse (text);
            for (guint i = 0; i < parsed->len; i++)
              {
                PetrelMimeAddress *mailbox = g_ptr_array_index (parsed, i);
                PetrelStoreAddress *entry;

                if (!looks_like_address (mailbox->address))
                  continue;
                entry = lookup_or_add (by_key, mailbox->name, mailbox->address);
                /* A name the user typed beats the one a sender chose. */
                if (mailbox->name != NULL && mailbox->name[0] != '\0' && entry->sent_count == 0)
                  {
                    g_free (entry->name);
                    entry->name = g_strdup (mailbox->name);
                  }
                entry->sent_count++;
                entry->last_sent = MAX (entry->last_sent, date);
                entry->score += SENT_WEIGHT * decay (now, date);
              }
          }
      }
    if (rc != SQLITE_DONE)
      {
        _petrel_store_set_error (error, read.conn->db, rc, _("Cannot list addresses"));
        return NULL;
      }
  }

  ranked = g_ptr_array_new_full (g_hash_table_size (by_key),
                                 (GDestroyNotify) petrel_store_address_free);
  g_hash_table_iter_init (&iter, by_key);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      /* Stealing takes the key out with the value: it is ours to free. */
      g_ptr_array_add (ranked, value);
      g_hash_table_iter_steal (&iter);
      g_free (key);
    }
  g_ptr_array_sort (ranked, compare_rank);

  return g_steal_pointer (&ranked);
}

/* Whether @needle (case-folded) starts @haystack, or a word of it. */
static gboolean
has_word_prefix (const char *haystack,
                 const char *needle)
{
  g_autofree char *folded = NULL;
  const char *p;

  if (haystack == NULL)
    return FALSE;
  folded = g_utf8_casefold (haystack, -1);

  for (p = folded; *p != '\0';)
    {
      if (g_str_has_prefix (p, needle))
        return TRUE;
      /* Next word: after a space, a dot, a quote or a bracket. */
      while (*p != '\0' && strchr (" .\"'(<,-_", *p) == NULL)
        p = g_utf8_next_char (p);
      while (*p != '\0' && strchr (" .\"'(<,-_", *p) != NULL)
        p++;
    }
  return FALSE;
}

/**
 * petrel_store_match_addresses:
 * @ranked: (element-type PetrelStoreAddress): the list from petrel_store_list_addresses()
 * @prefix: what the user typed; matched without case at the start of the address, of the
 *   name, or of any word of the name ("lee" finds "Ann Lee")
 * @limit: at most this many results
 *
 * Returns: (transfer full) (element-type PetrelStoreAddress): copies of the matches, in rank
 *   order; empty for an empty @prefix
 */
GPtrArray *
petrel_store_match_addresses (GPtrArray  *ranked,
                              const char *prefix,
                              guint       limit)
{
  g_autoptr(GPtrArray) matches = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                                  petrel_store_address_free);
  g_autofree char *needle = NULL;
  g_autofree char *stripped = NULL;

  g_return_val_if_fail (ranked != NULL, NULL);
  g_return_val_if_fail (prefix != NULL, NULL);

  stripped = g_strstrip (g_strdup (prefix));
  if (stripped[0] == '\0' || !g_utf8_validate (stripped, -1, NULL))
    return g_steal_pointer (&matches);
  needle = g_utf8_casefold (stripped, -1);

  for (guint i = 0; i < ranked->len && matches->len < limit; i++)
    {
      PetrelStoreAddress *entry = g_ptr_array_index (ranked, i);

      if (has_word_prefix (entry->address, needle) || has_word_prefix (entry->name, needle))
        g_ptr_array_add (matches, petrel_store_address_copy (entry));
    }

  return g_steal_pointer (&matches);
}

/**
 * petrel_store_complete_addresses:
 * @self: a store
 * @prefix: what the user typed
 * @limit: at most this many results
 * @error: return location for a %PETREL_STORE_ERROR
 *
 * petrel_store_list_addresses() and petrel_store_match_addresses() in one call, for a
 * single lookup (a composer keeps the list instead).
 *
 * Returns: (transfer full) (element-type PetrelStoreAddress): the matches, best first
 */
GPtrArray *
petrel_store_complete_addresses (PetrelStore  *self,
                                 const char   *prefix,
                                 guint         limit,
                                 GError      **error)
{
  g_autoptr(GPtrArray) ranked = NULL;

  g_return_val_if_fail (PETREL_IS_STORE (self), NULL);
  g_return_val_if_fail (prefix != NULL, NULL);

  ranked = petrel_store_list_addresses (self, 0, error);
  if (ranked == NULL)
    return NULL;

  return petrel_store_match_addresses (ranked, prefix, limit);
}
