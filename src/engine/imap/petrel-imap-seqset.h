/* petrel-imap-seqset.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>
#include <glib-object.h>

G_BEGIN_DECLS

/**
 * PetrelImapSeqSet:
 *
 * An IMAP sequence set (`1:5,7,9:12`) of message sequence numbers or UIDs: an ordered list of
 * ranges, each with first <= last, all values in 1..G_MAXUINT32.
 *
 * Sets built with petrel_imap_seqset_new_from_array() or petrel_imap_seqset_add() are kept sorted
 * and merged (the compressed form). A set parsed from server text keeps the server's order,
 * because COPYUID pairs source and destination UIDs by position; only a reversed range (`9:3`) is
 * turned round, as RFC 9051 says it means the same as `3:9`.
 */
typedef struct _PetrelImapSeqSet PetrelImapSeqSet;

typedef struct
{
  guint32 first;
  guint32 last;
} PetrelImapRange;

typedef struct
{
  /*< private >*/
  const PetrelImapSeqSet *set;
  guint range;
  guint64 next;
} PetrelImapSeqSetIter;

#define PETREL_TYPE_IMAP_SEQSET (petrel_imap_seqset_get_type ())

GType              petrel_imap_seqset_get_type         (void) G_GNUC_CONST;

PetrelImapSeqSet  *petrel_imap_seqset_new              (void);
/* Sorted, duplicates dropped, consecutive values merged into ranges; zeros are ignored. */
PetrelImapSeqSet  *petrel_imap_seqset_new_from_array   (const guint32          *values,
                                                        gsize                   n_values);
PetrelImapSeqSet  *petrel_imap_seqset_new_range        (guint32                 first,
                                                        guint32                 last);
/* Parses `1:5,7,*`. `*` stands for @star (0 means `*` is not allowed: an error). A number must be
 * 1..G_MAXUINT32; at most @max_ranges ranges (0: no limit besides the text length). */
PetrelImapSeqSet  *petrel_imap_seqset_parse            (const char             *text,
                                                        guint32                 star,
                                                        guint                   max_ranges,
                                                        GError                **error);
PetrelImapSeqSet  *petrel_imap_seqset_copy             (const PetrelImapSeqSet *set);
void               petrel_imap_seqset_free             (PetrelImapSeqSet       *set);

/* Adds a value / range keeping the set sorted and merged (use only on built sets). */
void               petrel_imap_seqset_add              (PetrelImapSeqSet       *set,
                                                        guint32                 value);
void               petrel_imap_seqset_add_range        (PetrelImapSeqSet       *set,
                                                        guint32                 first,
                                                        guint32                 last);

gboolean           petrel_imap_seqset_is_empty         (const PetrelImapSeqSet *set);
guint              petrel_imap_seqset_get_n_ranges     (const PetrelImapSeqSet *set);
const PetrelImapRange *petrel_imap_seqset_get_range    (const PetrelImapSeqSet *set,
                                                        guint                   index);
/* Number of values, counting duplicates in a parsed set. */
guint64            petrel_imap_seqset_count            (const PetrelImapSeqSet *set);
gboolean           petrel_imap_seqset_contains         (const PetrelImapSeqSet *set,
                                                        guint32                 value);
/* Smallest and largest value; FALSE if the set is empty. */
gboolean           petrel_imap_seqset_get_bounds       (const PetrelImapSeqSet *set,
                                                        guint32                *min,
                                                        guint32                *max);

/* The wire form, e.g. "1:5,7,9:12" ("" for an empty set, which is not valid in a command). */
char              *petrel_imap_seqset_to_string        (const PetrelImapSeqSet *set);
/* Every value in order; fails with PETREL_IMAP_ERROR_LIMIT when there are more than @max_values. */
GArray            *petrel_imap_seqset_to_array         (const PetrelImapSeqSet *set,
                                                        guint64                 max_values,
                                                        GError                **error);
/* Splits @set into consecutive sets whose wire form is at most @max_length bytes each (a single
 * range is never split; @max_length must be >= 21), so a huge UID STORE stays under server line
 * limits. Returns a GPtrArray of PetrelImapSeqSet (element free func set). */
GPtrArray         *petrel_imap_seqset_split            (const PetrelImapSeqSet *set,
                                                        gsize                   max_length);

void               petrel_imap_seqset_iter_init        (PetrelImapSeqSetIter   *iter,
                                                        const PetrelImapSeqSet *set);
gboolean           petrel_imap_seqset_iter_next        (PetrelImapSeqSetIter   *iter,
                                                        guint32                *value);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PetrelImapSeqSet, petrel_imap_seqset_free)

G_END_DECLS
