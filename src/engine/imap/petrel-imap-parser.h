/* petrel-imap-parser.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "imap/petrel-imap-response.h"

G_BEGIN_DECLS

/* Defaults; each can be changed per parser. */
#define PETREL_IMAP_PARSER_DEFAULT_MAX_LINE_LENGTH      (8 * 1024 * 1024)
#define PETREL_IMAP_PARSER_DEFAULT_MAX_LITERAL_SIZE     ((guint64) G_MAXUINT32)
#define PETREL_IMAP_PARSER_DEFAULT_LITERAL_THRESHOLD    (1024 * 1024)
#define PETREL_IMAP_PARSER_DEFAULT_MAX_MEMORY           (64 * 1024 * 1024)
#define PETREL_IMAP_PARSER_DEFAULT_MAX_DEPTH            64
#define PETREL_IMAP_PARSER_MAX_ATOM_LENGTH              (64 * 1024)

#define PETREL_TYPE_IMAP_PARSER (petrel_imap_parser_get_type ())

G_DECLARE_FINAL_TYPE (PetrelImapParser, petrel_imap_parser, PETREL, IMAP_PARSER, GObject)

/**
 * PetrelImapResponseFunc:
 * @parser: the parser
 * @response: (transfer none): a complete response; take a reference to keep it
 * @user_data: user data
 * @error: set it and return FALSE to stop: the parser then fails with that error
 *
 * Called from petrel_imap_parser_feed() for each complete response, in order.
 *
 * Returns: TRUE to go on parsing
 */
typedef gboolean (*PetrelImapResponseFunc) (PetrelImapParser   *parser,
                                            PetrelImapResponse *response,
                                            gpointer            user_data,
                                            GError            **error);

PetrelImapParser   *petrel_imap_parser_new                   (void);

/* With a function set, each response is handed to it as soon as it is complete; without one
 * (the default), responses are queued for petrel_imap_parser_pop(). */
void                petrel_imap_parser_set_response_func     (PetrelImapParser       *parser,
                                                              PetrelImapResponseFunc  func,
                                                              gpointer                user_data,
                                                              GDestroyNotify          destroy);

/* Feeds bytes as they arrive, in chunks of any size. Returns FALSE with
 * PETREL_IMAP_ERROR_PARSE / _LIMIT / _IO (or the response func's error) when the stream cannot be
 * parsed: the parser is then failed for good (every later feed fails) and the connection must be
 * dropped. Responses completed before the error have been delivered. */
gboolean            petrel_imap_parser_feed                  (PetrelImapParser       *parser,
                                                              const guint8           *data,
                                                              gsize                   length,
                                                              GError                **error);

/* The oldest queued response (transfer full), or NULL. */
PetrelImapResponse *petrel_imap_parser_pop                   (PetrelImapParser       *parser);

gboolean            petrel_imap_parser_has_failed            (PetrelImapParser       *parser);
/* TRUE if part of a response has been fed but not completed (e.g. the connection ended mid-line
 * or mid-literal, or bytes followed a STARTTLS OK). */
gboolean            petrel_imap_parser_is_mid_response       (PetrelImapParser       *parser);
/* Bytes of the current incomplete response received so far (lines and literals). */
guint64             petrel_imap_parser_get_pending_size      (PetrelImapParser       *parser);
/* Throws away a half-received response and any failure, as after a reconnect. Called from a
 * response func, it also drops the rest of the bytes being fed (what a server sent after a
 * STARTTLS OK must never be parsed as a response). */
void                petrel_imap_parser_reset                 (PetrelImapParser       *parser);

/* Largest total size of a response's text outside literals (its lines joined). */
void                petrel_imap_parser_set_max_line_length   (PetrelImapParser       *parser,
                                                              gsize                   max_length);
gsize               petrel_imap_parser_get_max_line_length   (PetrelImapParser       *parser);
/* Largest literal accepted (`{N}` with a larger N fails with PETREL_IMAP_ERROR_LIMIT). */
void                petrel_imap_parser_set_max_literal_size  (PetrelImapParser       *parser,
                                                              guint64                 max_size);
/* Literals larger than this go to a temporary file rather than memory (at most G_MAXUINT32). */
void                petrel_imap_parser_set_literal_threshold (PetrelImapParser       *parser,
                                                              gsize                   threshold);
gsize               petrel_imap_parser_get_literal_threshold (PetrelImapParser       *parser);
/* Once a response holds this many bytes of literals in memory, further literals go to files. */
void                petrel_imap_parser_set_max_memory        (PetrelImapParser       *parser,
                                                              gsize                   max_memory);
/* Deepest list nesting kept (1..1024); a list nested deeper is read and becomes NIL. */
void                petrel_imap_parser_set_max_depth         (PetrelImapParser       *parser,
                                                              guint                   max_depth);
/* Where spooled literals go (default g_get_tmp_dir()); choose a directory on the same file system
 * as their final home so that a stolen file can be renamed into place. */
void                petrel_imap_parser_set_spool_dir         (PetrelImapParser       *parser,
                                                              const char             *dir);
const char         *petrel_imap_parser_get_spool_dir         (PetrelImapParser       *parser);

G_END_DECLS
