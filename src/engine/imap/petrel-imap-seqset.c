/* petrel-imap-seqset.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <inttypes.h>
#include <glib/gi18n-lib.h>
#include <stdlib.h>
#include <string.h>

#include "imap/petrel-imap-error.h"
#include "imap/petrel-imap-seqset.h"

struct _PetrelImapSeqSet
{
  PetrelImapRange *ranges;  /* owned */
  guint n_ranges;
  guint n_allocated;
  gboolean sorted;          /* ascending, disjoint, not adjacent: the compressed form */
};

G_DEFINE_BOXED_TYPE (PetrelImapSeqSet, petrel_imap_seqset,
                     petrel_imap_seqset_copy, petrel_imap_seqset_free)

static void
reserve_ranges (PetrelImapSeqSet *set,
                guint             n)
{
  if (set->n_allocated - set->n_ranges >= n)
    return;
  set->n_allocated = MAX (set->n_allocated * 2, set->n_ranges + n);
  set->n_allocated = MAX (set->n_allocated, 4);
  set->ranges = g_renew (PetrelImapRange, set->ranges, set->n_allocated);
}

static void
append_range (PetrelImapSeqSet *set,
              guint32           first,
              guint32           last)
{
  reserve_ranges (set, 1);
  set->ranges[set->n_ranges].first = first;
  set->ranges[set->n_ranges].last = last;
  set->n_ranges++;
}

static int
compare_uint32 (gconstpointer a,
                gconstpointer b)
{
  guint32 x = *(const guint32 *) a;
  guint32 y = *(const guint32 *) b;

  return x < y ? -1 : x > y ? 1 : 0;
}

PetrelImapSeqSet *
petrel_imap_seqset_new (void)
{
  PetrelImapSeqSet *set = g_new0 (PetrelImapSeqSet, 1);

  set->sorted = TRUE;
  return set;
}

PetrelImapSeqSet *
petrel_imap_seqset_new_from_array (const guint32 *values,
                                   gsize          n_values)
{
  PetrelImapSeqSet *set = petrel_imap_seqset_new ();
  g_autofree guint32 *sorted = NULL;

  g_return_val_if_fail (values != NULL || n_values == 0, set);

  if (n_values == 0)
    return set;

  sorted = g_memdup2 (values, n_values * sizeof (guint32));
  qsort (sorted, n_values, sizeof (guint32), compare_uint32);

  for (gsize i = 0; i < n_values; i++)
    {
      guint32 v = sorted[i];

      if (v == 0)
        continue;
      if (set->n_ranges > 0 && (guint64) set->ranges[set->n_ranges - 1].last + 1 >= v)
        set->ranges[set->n_ranges - 1].last = MAX (set->ranges[set->n_ranges - 1].last, v);
      else
        append_range (set, v, v);
    }

  return set;
}

PetrelImapSeqSet *
petrel_imap_seqset_new_range (guint32 first,
                              guint32 last)
{
  PetrelImapSeqSet *set = petrel_imap_seqset_new ();

  petrel_imap_seqset_add_range (set, first, last);
  return set;
}

static gboolean
parse_number (const char **p,
              guint32      star,
              guint32     *out,
              GError     **error)
{
  const char *s = *p;
  guint64 v = 0;

  if (*s == '*')
    {
      if (star == 0)
        {
          g_set_error_literal (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_PARSE,
                               _("Sequence set: “*” is not allowed here"));
          return FALSE;
        }
      *out = star;
      *p = s + 1;
      return TRUE;
    }

  if (!g_ascii_isdigit (*s))
    {
      g_set_error_literal (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_PARSE,
                           _("Sequence set: expected a number"));
      return FALSE;
    }
  while (g_ascii_isdigit (*s))
    {
      v = v * 10 + (guint64) (*s - '0');
      if (v > G_MAXUINT32)
        {
          g_set_error_literal (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_PARSE,
                               _("Sequence set: number out of range"));
          return FALSE;
        }
      s++;
    }
  if (v == 0)
    {
      g_set_error_literal (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_PARSE,
                           _("Sequence set: 0 is not a valid number"));
      return FALSE;
    }
  *out = (guint32) v;
  *p = s;
  return TRUE;
}

PetrelImapSeqSet *
petrel_imap_seqset_parse (const char *text,
                          guint32     star,
                          guint       max_ranges,
                          GError    **error)
{
  g_autoptr(PetrelImapSeqSet) set = NULL;
  const char *p;

  g_return_val_if_fail (text != NULL, NULL);

  set = petrel_imap_seqset_new ();
  p = text;
  for (;;)
    {
      guint32 first, last;

      if (!parse_number (&p, star, &first, error))
        return NULL;
      last = first;
      if (*p == ':')
        {
          p++;
          if (!parse_number (&p, star, &last, error))
            return NULL;
        }
      if (first > last)
        {
          guint32 tmp = first;
          first = last;
          last = tmp;
        }

      if (max_ranges > 0 && set->n_ranges >= max_ranges)
        {
          g_set_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_LIMIT,
                       _("Sequence set has more than %u ranges"), max_ranges);
          return NULL;
        }
      if (set->sorted && set->n_ranges > 0 &&
          (guint64) set->ranges[set->n_ranges - 1].last + 1 >= first)
        set->sorted = FALSE;
      append_range (set, first, last);

      if (*p == ',')
        {
          p++;
          continue;
        }
      if (*p == '\0')
        break;
      g_set_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_PARSE,
                   _("Sequence set: unexpected character “%c”"), g_ascii_isprint (*p) ? *p : '?');
      return NULL;
    }

  return g_steal_pointer (&set);
}

PetrelImapSeqSet *
petrel_imap_seqset_copy (const PetrelImapSeqSet *set)
{
  PetrelImapSeqSet *copy;

  g_return_val_if_fail (set != NULL, NULL);

  copy = g_new0 (PetrelImapSeqSet, 1);
  copy->ranges = g_memdup2 (set->ranges, set->n_ranges * sizeof (PetrelImapRange));
  copy->n_ranges = copy->n_allocated = set->n_ranges;
  copy->sorted = set->sorted;
  return copy;
}

void
petrel_imap_seqset_free (PetrelImapSeqSet *set)
{
  if (set == NULL)
    return;
  g_free (set->ranges);
  g_free (set);
}

void
petrel_imap_seqset_add (PetrelImapSeqSet *set,
                        guint32           value)
{
  petrel_imap_seqset_add_range (set, value, value);
}

/* Index of the first range whose last + 1 >= value (where a range holding or touching value
 * would be), by binary search. */
static guint
find_insertion (const PetrelImapSeqSet *set,
                guint32                 value)
{
  guint lo = 0, hi = set->n_ranges;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if ((guint64) set->ranges[mid].last + 1 < value)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

void
petrel_imap_seqset_add_range (PetrelImapSeqSet *set,
                              guint32           first,
                              guint32           last)
{
  guint i, j;

  g_return_if_fail (set != NULL);
  g_return_if_fail (set->sorted);

  if (first > last)
    {
      guint32 tmp = first;
      first = last;
      last = tmp;
    }
  if (first == 0)
    first = 1;
  if (last == 0)
    return;

  i = find_insertion (set, first);
  /* Ranges i..j-1 overlap or touch [first, last]: merge them into one. */
  j = i;
  while (j < set->n_ranges && set->ranges[j].first <= (guint64) last + 1)
    {
      first = MIN (first, set->ranges[j].first);
      last = MAX (last, set->ranges[j].last);
      j++;
    }

  if (j == i)
    {
      reserve_ranges (set, 1);
      memmove (&set->ranges[i + 1], &set->ranges[i],
               (set->n_ranges - i) * sizeof (PetrelImapRange));
      set->n_ranges++;
    }
  else if (j > i + 1)
    {
      memmove (&set->ranges[i + 1], &set->ranges[j],
               (set->n_ranges - j) * sizeof (PetrelImapRange));
      set->n_ranges -= j - i - 1;
    }
  set->ranges[i].first = first;
  set->ranges[i].last = last;
}

gboolean
petrel_imap_seqset_is_empty (const PetrelImapSeqSet *set)
{
  g_return_val_if_fail (set != NULL, TRUE);
  return set->n_ranges == 0;
}

guint
petrel_imap_seqset_get_n_ranges (const PetrelImapSeqSet *set)
{
  g_return_val_if_fail (set != NULL, 0);
  return set->n_ranges;
}

const PetrelImapRange *
petrel_imap_seqset_get_range (const PetrelImapSeqSet *set,
                              guint                   index)
{
  g_return_val_if_fail (set != NULL, NULL);
  g_return_val_if_fail (index < set->n_ranges, NULL);
  return &set->ranges[index];
}

guint64
petrel_imap_seqset_count (const PetrelImapSeqSet *set)
{
  guint64 n = 0;

  g_return_val_if_fail (set != NULL, 0);

  for (guint i = 0; i < set->n_ranges; i++)
    n += (guint64) set->ranges[i].last - set->ranges[i].first + 1;
  return n;
}

gboolean
petrel_imap_seqset_contains (const PetrelImapSeqSet *set,
                             guint32                 value)
{
  g_return_val_if_fail (set != NULL, FALSE);

  if (set->sorted)
    {
      guint i = find_insertion (set, value);

      return i < set->n_ranges && set->ranges[i].first <= value && value <= set->ranges[i].last;
    }

  for (guint i = 0; i < set->n_ranges; i++)
    if (set->ranges[i].first <= value && value <= set->ranges[i].last)
      return TRUE;
  return FALSE;
}

gboolean
petrel_imap_seqset_get_bounds (const PetrelImapSeqSet *set,
                               guint32                *min,
                               guint32                *max)
{
  guint32 lo = G_MAXUINT32, hi = 0;

  g_return_val_if_fail (set != NULL, FALSE);

  if (set->n_ranges == 0)
    return FALSE;
  for (guint i = 0; i < set->n_ranges; i++)
    {
      lo = MIN (lo, set->ranges[i].first);
      hi = MAX (hi, set->ranges[i].last);
    }
  if (min != NULL)
    *min = lo;
  if (max != NULL)
    *max = hi;
  return TRUE;
}

static void
append_range_text (GString               *out,
                   const PetrelImapRange *range)
{
  if (out->len > 0)
    g_string_append_c (out, ',');
  if (range->first == range->last)
    g_string_append_printf (out, "%u", range->first);
  else
    g_string_append_printf (out, "%u:%u", range->first, range->last);
}

char *
petrel_imap_seqset_to_string (const PetrelImapSeqSet *set)
{
  GString *out;

  g_return_val_if_fail (set != NULL, NULL);

  out = g_string_sized_new (set->n_ranges * 12 + 1);
  for (guint i = 0; i < set->n_ranges; i++)
    append_range_text (out, &set->ranges[i]);
  return g_string_free (out, FALSE);
}

GArray *
petrel_imap_seqset_to_array (const PetrelImapSeqSet *set,
                             guint64                 max_values,
                             GError                **error)
{
  GArray *array;
  guint64 n;

  g_return_val_if_fail (set != NULL, NULL);

  n = petrel_imap_seqset_count (set);
  if (n > max_values)
    {
      g_set_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_LIMIT,
                   _("Sequence set holds %" PRIu64 " numbers, more than the %"
                   PRIu64 " allowed"), n, max_values);
      return NULL;
    }

  array = g_array_sized_new (FALSE, FALSE, sizeof (guint32), (guint) n);
  for (guint i = 0; i < set->n_ranges; i++)
    for (guint64 v = set->ranges[i].first; v <= set->ranges[i].last; v++)
      {
        guint32 v32 = (guint32) v;
        g_array_append_val (array, v32);
      }
  return array;
}

static guint
range_text_length (const PetrelImapRange *range)
{
  char buf[32];

  if (range->first == range->last)
    return (guint) g_snprintf (buf, sizeof buf, "%u", range->first);
  return (guint) g_snprintf (buf, sizeof buf, "%u:%u", range->first, range->last);
}

GPtrArray *
petrel_imap_seqset_split (const PetrelImapSeqSet *set,
                          gsize                   max_length)
{
  GPtrArray *sets;
  PetrelImapSeqSet *current = NULL;
  gsize current_length = 0;

  g_return_val_if_fail (set != NULL, NULL);
  g_return_val_if_fail (max_length >= 21, NULL);

  sets = g_ptr_array_new_with_free_func ((GDestroyNotify) petrel_imap_seqset_free);
  for (guint i = 0; i < set->n_ranges; i++)
    {
      guint len = range_text_length (&set->ranges[i]);

      if (current != NULL && current_length + 1 + len > max_length)
        current = NULL;
      if (current == NULL)
        {
          current = petrel_imap_seqset_new ();
          current->sorted = set->sorted;
          g_ptr_array_add (sets, current);
          current_length = len;
        }
      else
        {
          current_length += 1 + len;
        }
      append_range (current, set->ranges[i].first, set->ranges[i].last);
    }
  return sets;
}

void
petrel_imap_seqset_iter_init (PetrelImapSeqSetIter   *iter,
                              const PetrelImapSeqSet *set)
{
  g_return_if_fail (iter != NULL);
  g_return_if_fail (set != NULL);

  iter->set = set;
  iter->range = 0;
  iter->next = set->n_ranges > 0 ? set->ranges[0].first : 0;
}

gboolean
petrel_imap_seqset_iter_next (PetrelImapSeqSetIter *iter,
                              guint32              *value)
{
  const PetrelImapSeqSet *set;

  g_return_val_if_fail (iter != NULL, FALSE);

  set = iter->set;
  if (iter->range >= set->n_ranges)
    return FALSE;
  if (value != NULL)
    *value = (guint32) iter->next;
  if (iter->next >= set->ranges[iter->range].last)
    {
      iter->range++;
      if (iter->range < set->n_ranges)
        iter->next = set->ranges[iter->range].first;
    }
  else
    {
      iter->next++;
    }
  return TRUE;
}
