/* petrel-imap-private.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <string.h>

#include "imap/petrel-imap-error.h"
#include "imap/petrel-imap-fetch.h"
#include "imap/petrel-imap-response.h"
#include "imap/petrel-imap-value.h"

G_BEGIN_DECLS

/* A bump allocator owned by one response: every value, string and decoded FETCH structure of the
 * response lives in it, so a response costs one or two mallocs however many tokens it has. */
typedef struct _PetrelImapArenaChunk PetrelImapArenaChunk;

struct _PetrelImapArenaChunk
{
  PetrelImapArenaChunk *next;
};

typedef struct
{
  char *cur;
  char *end;
  PetrelImapArenaChunk *chunks;  /* owned: extra chunks beyond the first */
  gsize next_size;
} PetrelImapArena;

gpointer _petrel_imap_arena_grow (PetrelImapArena *arena,
                                  gsize            size);

static inline gpointer
_petrel_imap_arena_alloc (PetrelImapArena *arena,
                          gsize            size)
{
  gpointer ret;

  size = (size + 7) & ~(gsize) 7;
  if (G_UNLIKELY ((gsize) (arena->end - arena->cur) < size))
    return _petrel_imap_arena_grow (arena, size);
  ret = arena->cur;
  arena->cur += size;
  return ret;
}

static inline char *
_petrel_imap_arena_strndup (PetrelImapArena *arena,
                            const char      *str,
                            gsize            length)
{
  char *ret = _petrel_imap_arena_alloc (arena, length + 1);

  memcpy (ret, str, length);
  ret[length] = '\0';
  return ret;
}

void _petrel_imap_arena_clear (PetrelImapArena *arena);

/* A literal received for a response: in memory (@bytes, with a NUL after the data) or in a spool
 * file (@path, deleted with the response unless @owned was cleared by a steal). */
typedef struct
{
  GBytes *bytes;
  char *path;
  guint64 size;
  gboolean binary;
  gboolean owned;
} PetrelImapLiteral;

enum
{
  PETREL_IMAP_VALUE_FLAG_QUOTED   = 1 << 0,
  PETREL_IMAP_VALUE_FLAG_LITERAL  = 1 << 1,
  PETREL_IMAP_VALUE_FLAG_LITERAL8 = 1 << 2,
  PETREL_IMAP_VALUE_FLAG_FILE     = 1 << 3,
};

struct _PetrelImapValue
{
  guint8 type;     /* PetrelImapValueType */
  guint8 flags;
  guint32 length;  /* bytes of an in-memory string/atom/number; children of a list */
  union
  {
    const char *str;                /* NUL-terminated; NULL for file-backed strings */
    PetrelImapValue *children;
  } u;
  union
  {
    guint64 number;                 /* NUMBER */
    PetrelImapLiteral *literal;     /* STRING from a literal */
  } x;
};

struct _PetrelImapResponse
{
  gatomicrefcount ref_count;
  PetrelImapResponseKind kind;
  PetrelImapResponseType type;
  PetrelImapCode code;
  guint32 number;
  gboolean has_number;
  const char *tag;
  const char *name;
  const char *text;
  const char *continuation;
  const char *code_name;
  const char *code_text;
  PetrelImapValue *code_args;
  PetrelImapValue *data;
  PetrelImapLiteral *literals;
  guint n_literals;
  PetrelImapFetch *fetch;          /* decoded lazily, in the arena */
  PetrelImapArena arena;
};

PetrelImapResponse *_petrel_imap_response_new (gsize arena_size);

/* Text for humans: see petrel_imap_sanitize_text(); copies into the arena. */
const char *_petrel_imap_arena_sanitize (PetrelImapArena *arena,
                                         const char      *text,
                                         gsize            length,
                                         gsize            max_length);

/* A string-ish value's text: STRING (in memory), ATOM or NUMBER; NULL for NIL, lists and files. */
static inline const char *
_petrel_imap_value_text (const PetrelImapValue *value)
{
  if (value == NULL || value->type == PETREL_IMAP_VALUE_NIL || value->type == PETREL_IMAP_VALUE_LIST)
    return NULL;
  return value->u.str;
}

static inline gboolean
_petrel_imap_value_number (const PetrelImapValue *value,
                           guint64               *out)
{
  if (value == NULL || value->type != PETREL_IMAP_VALUE_NUMBER)
    return FALSE;
  *out = value->x.number;
  return TRUE;
}

static inline PetrelImapValue *
_petrel_imap_value_child (const PetrelImapValue *value,
                          guint                  index)
{
  if (value == NULL || value->type != PETREL_IMAP_VALUE_LIST || index >= value->length)
    return NULL;
  return &value->u.children[index];
}

/* A mailbox name (or namespace prefix) from the wire in UTF-8: mUTF-7 decoded unless
 * @utf8_accept, "INBOX" normalised, invalid bytes replaced. Never NULL. */
char *_petrel_imap_decode_mailbox_name (const char *raw,
                                        gboolean    utf8_accept);

G_END_DECLS
