/* petrel-imap-value.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * PetrelImapValueType:
 * @PETREL_IMAP_VALUE_NIL: the atom NIL
 * @PETREL_IMAP_VALUE_ATOM: any other atom (flags such as `\Seen`, keywords, section specs such as
 *   `BODY[1.MIME]<0>`, sequence sets, ...)
 * @PETREL_IMAP_VALUE_NUMBER: a run of digits that fits in 64 bits (longer digit runs are atoms)
 * @PETREL_IMAP_VALUE_STRING: a quoted string or a literal (in memory or spooled to a file)
 * @PETREL_IMAP_VALUE_LIST: a parenthesised list
 *
 * The kind of a node in a parsed response.
 */
typedef enum
{
  PETREL_IMAP_VALUE_NIL,
  PETREL_IMAP_VALUE_ATOM,
  PETREL_IMAP_VALUE_NUMBER,
  PETREL_IMAP_VALUE_STRING,
  PETREL_IMAP_VALUE_LIST,
} PetrelImapValueType;

/**
 * PetrelImapValue:
 *
 * One node of a parsed response: an opaque, read-only view into memory owned by its
 * #PetrelImapResponse. A value is valid for as long as the caller holds a reference to that
 * response; it is never freed on its own.
 */
typedef struct _PetrelImapValue PetrelImapValue;

PetrelImapValueType     petrel_imap_value_get_value_type (const PetrelImapValue *value);

gboolean                petrel_imap_value_is_nil         (const PetrelImapValue *value);
gboolean                petrel_imap_value_is_list        (const PetrelImapValue *value);

/* ATOM only (NULL otherwise). */
const char             *petrel_imap_value_get_atom       (const PetrelImapValue *value);
/* TRUE if @value is an atom (or number) equal to @ascii, compared ASCII case-insensitively. */
gboolean                petrel_imap_value_is_atom        (const PetrelImapValue *value,
                                                          const char            *ascii);

/* NUMBER only; FALSE (and *out untouched) otherwise. */
gboolean                petrel_imap_value_get_number     (const PetrelImapValue *value,
                                                          guint64               *out);

/* The text of an in-memory STRING, ATOM or NUMBER, NUL-terminated (a literal may also contain
 * NUL bytes: use @length). NULL for NIL, lists and strings spooled to a file. */
const char             *petrel_imap_value_get_string     (const PetrelImapValue *value,
                                                          gsize                 *length);

gboolean                petrel_imap_value_is_quoted      (const PetrelImapValue *value);
gboolean                petrel_imap_value_is_literal     (const PetrelImapValue *value);
/* TRUE for a literal8 (`~{N}`), which may carry any byte. */
gboolean                petrel_imap_value_is_literal8    (const PetrelImapValue *value);

/* Size of a STRING in bytes (also for file-backed ones), of an ATOM/NUMBER's text; 0 otherwise. */
guint64                 petrel_imap_value_get_size       (const PetrelImapValue *value);

/* Bytes of an in-memory STRING/ATOM/NUMBER (a literal's are shared, not copied); NULL for NIL,
 * lists and file-backed strings. */
GBytes                 *petrel_imap_value_dup_bytes      (const PetrelImapValue *value);

/* File-backed STRING (a literal larger than the parser's threshold): the temporary file holding
 * it, deleted when the response is freed unless stolen. NULL otherwise. */
const char             *petrel_imap_value_get_file_path  (const PetrelImapValue *value);
/* Takes ownership of the temporary file (the caller must rename or delete it); returns its path,
 * or NULL if @value is not file-backed or was already stolen. */
char                   *petrel_imap_value_steal_file     (PetrelImapValue       *value);

/* The bytes of any STRING/ATOM/NUMBER, reading a file-backed one from disk. */
GBytes                 *petrel_imap_value_load_bytes     (const PetrelImapValue *value,
                                                          GError               **error);

/* LIST only (0 / NULL otherwise or out of range). */
guint                   petrel_imap_value_get_length     (const PetrelImapValue *value);
PetrelImapValue        *petrel_imap_value_get_child      (const PetrelImapValue *value,
                                                          guint                  index);

/* A log-safe rendering for debugging (literal contents elided, bounded length). */
char                   *petrel_imap_value_to_string      (const PetrelImapValue *value);

G_END_DECLS
