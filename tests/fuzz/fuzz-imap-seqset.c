/* fuzz-imap-seqset.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * libFuzzer target for IMAP sequence sets (src/engine/imap/petrel-imap-seqset.c). The input is
 * parsed as server text (with and without `*`), and its bytes are also used as values for a
 * built set. Invariants:
 *  - every range has 1 <= first <= last; the count is the sum of the ranges;
 *  - the wire form parses back to the same ranges; it is digits, `:` and `,` only;
 *  - a built set is sorted and merged, contains exactly the values added, and iterating or
 *    to_array() gives them in order;
 *  - split() parts are each at most max_length bytes (or one range) and together the same set.
 */

#include "config.h"

#include "fuzz-common.h"
#include "imap/petrel-imap.h"

static void
check_ranges (const PetrelImapSeqSet *set)
{
  guint64 count = 0;

  for (guint i = 0; i < petrel_imap_seqset_get_n_ranges (set); i++)
    {
      const PetrelImapRange *r = petrel_imap_seqset_get_range (set, i);

      fuzz_require (r->first >= 1 && r->first <= r->last, "1 <= first <= last");
      count += (guint64) r->last - r->first + 1;
    }
  fuzz_require (count == petrel_imap_seqset_count (set), "count is the sum of the ranges");
}

static gboolean
same_ranges (const PetrelImapSeqSet *a,
             const PetrelImapSeqSet *b)
{
  if (petrel_imap_seqset_get_n_ranges (a) != petrel_imap_seqset_get_n_ranges (b))
    return FALSE;
  for (guint i = 0; i < petrel_imap_seqset_get_n_ranges (a); i++)
    {
      const PetrelImapRange *x = petrel_imap_seqset_get_range (a, i);
      const PetrelImapRange *y = petrel_imap_seqset_get_range (b, i);

      if (x->first != y->first || x->last != y->last)
        return FALSE;
    }
  return TRUE;
}

static void
check_wire (const PetrelImapSeqSet *set)
{
  g_autofree char *s = petrel_imap_seqset_to_string (set);
  g_autoptr(PetrelImapSeqSet) again = NULL;

  fuzz_require (strspn (s, "0123456789:,") == strlen (s), "wire form is digits, : and ,");
  if (petrel_imap_seqset_is_empty (set))
    return;
  again = petrel_imap_seqset_parse (s, 0, 0, NULL);
  fuzz_require (again != NULL, "the wire form parses");
  fuzz_require (same_ranges (set, again), "the wire form parses to the same ranges");
}

static void
check_split (const PetrelImapSeqSet *set,
             gsize                   max_length)
{
  g_autoptr(GPtrArray) parts = petrel_imap_seqset_split (set, max_length);
  guint range = 0;

  for (guint i = 0; i < parts->len; i++)
    {
      const PetrelImapSeqSet *part = g_ptr_array_index (parts, i);
      g_autofree char *s = petrel_imap_seqset_to_string (part);

      fuzz_require (strlen (s) <= max_length || petrel_imap_seqset_get_n_ranges (part) == 1,
                    "split parts fit max_length");
      for (guint j = 0; j < petrel_imap_seqset_get_n_ranges (part); j++, range++)
        {
          const PetrelImapRange *a = petrel_imap_seqset_get_range (part, j);
          const PetrelImapRange *b;

          fuzz_require (range < petrel_imap_seqset_get_n_ranges (set), "no extra range");
          b = petrel_imap_seqset_get_range (set, range);
          fuzz_require (a->first == b->first && a->last == b->last, "split keeps the ranges");
        }
    }
  fuzz_require (range == petrel_imap_seqset_get_n_ranges (set), "split loses no range");
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = fuzz_strndup (data, size);
  g_autoptr(GArray) values = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(PetrelImapSeqSet) built = NULL;
  g_autoptr(GError) error = NULL;

  for (guint32 star = 0; star < 2; star++)
    {
      g_autoptr(PetrelImapSeqSet) set = petrel_imap_seqset_parse (text, star * 1000, 0, &error);

      if (set == NULL)
        {
          fuzz_require (error != NULL && g_utf8_validate (error->message, -1, NULL),
                        "parse error is UTF-8");
          g_clear_error (&error);
          continue;
        }
      check_ranges (set);
      check_wire (set);
      check_split (set, 21 + (size > 0 ? data[0] : 0) % 64);
    }

  /* Values from the input's bytes, 3 bytes each, to build a set. */
  for (gsize i = 0; i + 2 < size && values->len < 4096; i += 3)
    {
      guint32 v = (guint32) data[i] << 16 | (guint32) data[i + 1] << 8 | data[i + 2];

      g_array_append_val (values, v);
    }
  built = petrel_imap_seqset_new_from_array ((const guint32 *) values->data, values->len);
  check_ranges (built);
  check_wire (built);
  check_split (built, 21 + size % 50);
  for (guint i = 0; i < petrel_imap_seqset_get_n_ranges (built); i++)
    if (i > 0)
      fuzz_require (petrel_imap_seqset_get_range (built, i)->first >
                    (guint64) petrel_imap_seqset_get_range (built, i - 1)->last + 1,
                    "a built set is sorted and merged");
  for (guint i = 0; i < values->len; i++)
    {
      guint32 v = g_array_index (values, guint32, i);

      fuzz_require (v == 0 || petrel_imap_seqset_contains (built, v), "contains what was added");
    }
  {
    g_autoptr(GArray) all = petrel_imap_seqset_to_array (built, 1 << 20, NULL);
    PetrelImapSeqSetIter iter;
    guint32 v, prev = 0;
    guint n = 0;

    if (all != NULL)
      {
        petrel_imap_seqset_iter_init (&iter, built);
        while (petrel_imap_seqset_iter_next (&iter, &v))
          {
            fuzz_require (n < all->len && g_array_index (all, guint32, n) == v,
                          "iteration and to_array agree");
            fuzz_require (v > prev, "values in order");
            prev = v;
            n++;
          }
        fuzz_require (n == all->len, "iteration gives every value");
        fuzz_require (n == petrel_imap_seqset_count (built), "count is the number of values");
      }
  }

  return 0;
}
