/* petrel-imap-command.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "imap/petrel-imap-seqset.h"

G_BEGIN_DECLS

/**
 * PetrelImapLiteralMode:
 * @PETREL_IMAP_LITERAL_SYNC: every literal is synchronising (`{N}`): wait for `+` before its bytes
 * @PETREL_IMAP_LITERAL_PLUS: the server offers LITERAL+: every literal is non-synchronising
 * @PETREL_IMAP_LITERAL_MINUS: the server offers LITERAL- (or IMAP4rev2): literals of at most 4096
 *   bytes are non-synchronising, larger ones synchronising
 */
typedef enum
{
  PETREL_IMAP_LITERAL_SYNC,
  PETREL_IMAP_LITERAL_PLUS,
  PETREL_IMAP_LITERAL_MINUS,
} PetrelImapLiteralMode;

#define PETREL_IMAP_LITERAL_MINUS_MAX 4096

/* Strings up to this length that are safe to quote are quoted; longer ones go as literals. */
#define PETREL_IMAP_COMMAND_MAX_QUOTED 1024

#define PETREL_TYPE_IMAP_COMMAND (petrel_imap_command_get_type ())

G_DECLARE_FINAL_TYPE (PetrelImapCommand, petrel_imap_command, PETREL, IMAP_COMMAND, GObject)

/*
 * A command is built item by item; each item is validated as it is added so that no CR, LF or
 * NUL can ever reach the wire outside a literal, and no caller string can end a command early.
 * An add_* call that fails (returns FALSE) leaves the command failed: petrel_imap_command_serialize()
 * then fails too, so a command missing an argument is never sent.
 */

/* @tag: 1*ASTRING-CHAR without '+'; @name: one or more atoms separated by single spaces
 * ("NOOP", "UID FETCH"). Invalid ones make a failed command (see petrel_imap_command_get_error()). */
PetrelImapCommand  *petrel_imap_command_new           (const char             *tag,
                                                       const char             *name);

const char         *petrel_imap_command_get_tag       (PetrelImapCommand      *command);
/* Upper-cased. */
const char         *petrel_imap_command_get_name      (PetrelImapCommand      *command);
/* The first add_* error, or NULL. */
const GError       *petrel_imap_command_get_error     (PetrelImapCommand      *command);

/* With UTF-8 on (UTF8=ACCEPT enabled, or IMAP4rev2), 8-bit UTF-8 may be sent in quoted strings,
 * and petrel_imap_command_add_mailbox() sends names as UTF-8 rather than modified UTF-7. */
void                petrel_imap_command_set_utf8      (PetrelImapCommand      *command,
                                                       gboolean                utf8);
/* With raw mailbox names on, petrel_imap_command_add_mailbox() takes its name as the server's
 * own (wire) name and sends it unchanged, as petrel_imap_command_add_raw_mailbox() does. */
void                petrel_imap_command_set_raw_mailboxes (PetrelImapCommand  *command,
                                                       gboolean                raw);

/* An atom: 1*ATOM-CHAR (no space, control, 8-bit, `(){%*"\]`). */
gboolean            petrel_imap_command_add_atom      (PetrelImapCommand      *command,
                                                       const char             *atom,
                                                       GError                **error);
void                petrel_imap_command_add_number    (PetrelImapCommand      *command,
                                                       guint64                 number);
/* An astring: sent as an atom if that is safe, else quoted if it has no CR/LF (and no 8-bit unless
 * UTF-8 is on) and is short, else as a literal. Never fails for valid input; @string must be
 * NUL-terminated text (use add_literal for binary data). */
gboolean            petrel_imap_command_add_astring   (PetrelImapCommand      *command,
                                                       const char             *string,
                                                       GError                **error);
/* Always a string (quoted or literal, never an atom): for SEARCH keys, ID values, ... */
gboolean            petrel_imap_command_add_string    (PetrelImapCommand      *command,
                                                       const char             *string,
                                                       GError                **error);
/* NIL or a string. */
gboolean            petrel_imap_command_add_nstring   (PetrelImapCommand      *command,
                                                       const char             *string,
                                                       GError                **error);
/* A quoted string; fails if @string cannot be quoted (CR, LF, 8-bit without UTF-8). */
gboolean            petrel_imap_command_add_quoted    (PetrelImapCommand      *command,
                                                       const char             *string,
                                                       GError                **error);
/* A literal with these exact bytes (`{N}`, or `~{N}` for @binary: BINARY's literal8, which may
 * hold NUL). */
void                petrel_imap_command_add_literal   (PetrelImapCommand      *command,
                                                       GBytes                 *bytes,
                                                       gboolean                binary);
/* A mailbox name given in UTF-8: encoded in modified UTF-7 unless UTF-8 is on, then sent as an
 * astring. "INBOX" in any case is sent as INBOX. */
gboolean            petrel_imap_command_add_mailbox   (PetrelImapCommand      *command,
                                                       const char             *utf8_name,
                                                       GError                **error);
/* A mailbox name exactly as the server sent it (PetrelImapMailboxInfo.raw_name), as an astring. */
gboolean            petrel_imap_command_add_raw_mailbox (PetrelImapCommand    *command,
                                                       const char             *raw_name,
                                                       GError                **error);
gboolean            petrel_imap_command_add_seqset    (PetrelImapCommand      *command,
                                                       const PetrelImapSeqSet *set,
                                                       GError                **error);
/* A parenthesised flag list: each flag is `\Atom` (system flag) or an atom (keyword). */
gboolean            petrel_imap_command_add_flags     (PetrelImapCommand      *command,
                                                       const char * const     *flags,
                                                       GError                **error);
/* A fetch attribute or search key with brackets, e.g. `BODY.PEEK[HEADER.FIELDS (SUBJECT)]<0.2048>`
 * or `BINARY.PEEK[1]`: printable ASCII and spaces (not leading, trailing or doubled), no `{` or
 * `"`, balanced brackets and parentheses. */
gboolean            petrel_imap_command_add_token     (PetrelImapCommand      *command,
                                                       const char             *token,
                                                       GError                **error);
void                petrel_imap_command_begin_list    (PetrelImapCommand      *command);
void                petrel_imap_command_end_list      (PetrelImapCommand      *command);

/* The wire form: an array of GBytes chunks. Send chunk 0; before each following chunk, wait for a
 * continuation request (`+`) from the server (each chunk but the last ends with the header of a
 * synchronising literal). A tagged response instead of `+` means the command was refused: send
 * nothing more of it. Fails if an add_* failed or lists are unbalanced. */
GPtrArray          *petrel_imap_command_serialize     (PetrelImapCommand      *command,
                                                       PetrelImapLiteralMode   mode,
                                                       GError                **error);
/* One line for logs: literal contents are shown as `{N}` with the bytes elided, and all arguments
 * of LOGIN and the initial response of AUTHENTICATE are replaced by `<redacted>`. */
char               *petrel_imap_command_to_log_string (PetrelImapCommand      *command);

G_END_DECLS
