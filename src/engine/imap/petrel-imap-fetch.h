/* petrel-imap-fetch.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "imap/petrel-imap-response.h"
#include "imap/petrel-imap-value.h"

G_BEGIN_DECLS

/*
 * Decoded FETCH data. Everything here is borrowed from the #PetrelImapResponse it was decoded
 * from (no copies are made, so a 100,000-message FETCH costs no extra allocations per string):
 * the pointers stay valid while the caller holds a reference to the response. Strings are the
 * server's raw bytes, NUL-terminated (RFC 2047 decoding is mime/'s job); NULL means NIL.
 */

typedef enum
{
  PETREL_IMAP_ADDRESS_MAILBOX,
  PETREL_IMAP_ADDRESS_GROUP_START,
  PETREL_IMAP_ADDRESS_GROUP_END,
} PetrelImapAddressKind;

/**
 * PetrelImapAddress:
 * @kind: a mailbox, or the start/end marker of RFC 5322 group syntax
 * @name: display name (raw, may be RFC 2047 encoded) or NULL
 * @adl: source route or NULL
 * @mailbox: local part; for %PETREL_IMAP_ADDRESS_GROUP_START the group's name; NULL for the end
 * @host: domain; NULL for group markers
 */
typedef struct
{
  PetrelImapAddressKind kind;
  const char *name;
  const char *adl;
  const char *mailbox;
  const char *host;
} PetrelImapAddress;

/**
 * PetrelImapEnvelope:
 *
 * The ENVELOPE of a message. Each address list is an array of @n_* entries (0 and NULL for NIL).
 */
typedef struct
{
  const char *date;
  const char *subject;
  const PetrelImapAddress *from;
  guint n_from;
  const PetrelImapAddress *sender;
  guint n_sender;
  const PetrelImapAddress *reply_to;
  guint n_reply_to;
  const PetrelImapAddress *to;
  guint n_to;
  const PetrelImapAddress *cc;
  guint n_cc;
  const PetrelImapAddress *bcc;
  guint n_bcc;
  const char *in_reply_to;
  const char *message_id;
} PetrelImapEnvelope;

/**
 * PetrelImapParam:
 * @name: attribute name, ASCII lower-cased ("charset", "name", "filename", "boundary")
 * @value: the value as sent (raw bytes, possibly RFC 2231/2047 encoded)
 */
typedef struct
{
  const char *name;
  const char *value;
} PetrelImapParam;

typedef struct _PetrelImapBodyPart PetrelImapBodyPart;

/**
 * PetrelImapBodyPart:
 * @type: ASCII lower-cased media type ("text", "multipart", "message", ...)
 * @subtype: ASCII lower-cased subtype ("plain", "mixed", "rfc822", ...)
 * @section: the part specifier to FETCH this part, e.g. "1", "2.1.3"; "" for a top-level
 *   multipart (use "TEXT"/"HEADER" on it); for the body inside a message/rfc822 part at "3",
 *   "3" if it is multipart, else "3.1"
 * @params: Content-Type parameters
 * @id: Content-ID or NULL (not for multiparts)
 * @description: Content-Description or NULL (not for multiparts)
 * @encoding: Content-Transfer-Encoding, lower-cased, or NULL (not for multiparts)
 * @size: body size in octets (encoded), 0 if unknown or a multipart
 * @lines: size in lines for text/ and message/rfc822 parts, else 0
 * @md5: Content-MD5 or NULL (extension data)
 * @disposition: lower-cased ("inline", "attachment") or NULL (extension data)
 * @disposition_params: Content-Disposition parameters (names lower-cased)
 * @languages: Content-Language values, may be empty
 * @location: Content-Location or NULL
 * @children: the parts of a multipart, in order (empty otherwise)
 * @envelope: for message/rfc822 (and message/global): the embedded message's envelope, or NULL
 * @body: for message/rfc822: the embedded message's body, or NULL
 * @parent: the enclosing part (a multipart or message/rfc822), NULL at the top
 *
 * A node of BODYSTRUCTURE (or BODY) data. Lists are arrays of n_* entries.
 */
struct _PetrelImapBodyPart
{
  const char *type;
  const char *subtype;
  const char *section;
  const PetrelImapParam *params;
  guint n_params;
  const char *id;
  const char *description;
  const char *encoding;
  guint64 size;
  guint64 lines;
  const char *md5;
  const char *disposition;
  const PetrelImapParam *disposition_params;
  guint n_disposition_params;
  const char * const *languages;
  guint n_languages;
  const char *location;
  const PetrelImapBodyPart * const *children;
  guint n_children;
  const PetrelImapEnvelope *envelope;
  const PetrelImapBodyPart *body;
  const PetrelImapBodyPart *parent;
};

typedef enum
{
  PETREL_IMAP_SECTION_BODY,          /* BODY[section]<origin> */
  PETREL_IMAP_SECTION_BINARY,        /* BINARY[section]<origin> (RFC 3516) */
  PETREL_IMAP_SECTION_BINARY_SIZE,   /* BINARY.SIZE[section]: see @size */
  PETREL_IMAP_SECTION_RFC822,        /* RFC822 (the whole message) */
  PETREL_IMAP_SECTION_RFC822_HEADER, /* RFC822.HEADER */
  PETREL_IMAP_SECTION_RFC822_TEXT,   /* RFC822.TEXT */
} PetrelImapSectionKind;

/**
 * PetrelImapFetchSection:
 * @kind: which item this is
 * @section: the text inside the brackets as sent ("", "1.2", "HEADER.FIELDS (SUBJECT)"); "" for
 *   the RFC822 items
 * @has_origin: whether `<origin>` was present (a partial fetch)
 * @origin: the origin octet of a partial fetch
 * @value: the data: a STRING (in memory, or spooled to a file: see petrel_imap_value_get_file_path()
 *   and petrel_imap_value_steal_file()), or NIL; NULL for %PETREL_IMAP_SECTION_BINARY_SIZE
 * @size: for BINARY.SIZE, the decoded size; else the data's size in bytes
 */
typedef struct
{
  PetrelImapSectionKind kind;
  const char *section;
  gboolean has_origin;
  guint64 origin;
  PetrelImapValue *value;
  guint64 size;
} PetrelImapFetchSection;

typedef enum /*< flags >*/
{
  PETREL_IMAP_FETCH_UID           = 1 << 0,
  PETREL_IMAP_FETCH_FLAGS         = 1 << 1,
  PETREL_IMAP_FETCH_INTERNALDATE  = 1 << 2,
  PETREL_IMAP_FETCH_RFC822_SIZE   = 1 << 3,
  PETREL_IMAP_FETCH_ENVELOPE      = 1 << 4,
  PETREL_IMAP_FETCH_BODYSTRUCTURE = 1 << 5,
  PETREL_IMAP_FETCH_MODSEQ        = 1 << 6,
  PETREL_IMAP_FETCH_EMAILID       = 1 << 7,
  PETREL_IMAP_FETCH_THREADID      = 1 << 8,
  PETREL_IMAP_FETCH_SECTIONS      = 1 << 9,
  PETREL_IMAP_FETCH_SAVEDATE      = 1 << 10,
} PetrelImapFetchItems;

/**
 * PetrelImapFetch:
 * @seq: the message sequence number
 * @items: which of the fields below were present and well-formed (a malformed item is skipped
 *   and its bit left clear, so one odd field never loses the whole message)
 * @uid: UID
 * @flags: FLAGS as sent (NULL-terminated, `\Seen`, `$Forwarded`, ...)
 * @internaldate: INTERNALDATE as Unix time (UTC)
 * @internaldate_offset: the INTERNALDATE's zone offset in seconds east of UTC
 * @rfc822_size: RFC822.SIZE
 * @envelope: ENVELOPE, or NULL
 * @body: BODYSTRUCTURE (or the non-extensible BODY), or NULL
 * @modseq: MODSEQ (RFC 7162)
 * @emailid: EMAILID (RFC 8474), or NULL
 * @threadid: THREADID (RFC 8474), or NULL (also for `THREADID NIL`)
 * @savedate: SAVEDATE (RFC 8514) as Unix time
 * @sections: BODY[...], BINARY[...], BINARY.SIZE[...] and RFC822* items in the order sent
 *
 * One FETCH response.
 */
typedef struct
{
  guint32 seq;
  PetrelImapFetchItems items;
  guint32 uid;
  const char * const *flags;
  guint n_flags;
  gint64 internaldate;
  gint internaldate_offset;
  guint64 rfc822_size;
  const PetrelImapEnvelope *envelope;
  const PetrelImapBodyPart *body;
  guint64 modseq;
  const char *emailid;
  const char *threadid;
  gint64 savedate;
  const PetrelImapFetchSection *sections;
  guint n_sections;
} PetrelImapFetch;

/* Decodes a FETCH response (once; later calls return the same pointer). The result is owned by
 * @response. NULL with PETREL_IMAP_ERROR_PARSE if @response is not a FETCH or its data is not a
 * list of name/value pairs. */
const PetrelImapFetch        *petrel_imap_response_get_fetch       (PetrelImapResponse     *response,
                                                                    GError                **error);

/* The INTERNALDATE as a GDateTime in its own zone, or NULL if absent. */
GDateTime                    *petrel_imap_fetch_dup_internaldate   (const PetrelImapFetch  *fetch);
gboolean                      petrel_imap_fetch_has_flag           (const PetrelImapFetch  *fetch,
                                                                    const char             *flag);
/* The first section of @kind whose section text equals @section (ASCII case-insensitively), or
 * NULL; e.g. (fetch, PETREL_IMAP_SECTION_BODY, "") for BODY[]. */
const PetrelImapFetchSection *petrel_imap_fetch_find_section       (const PetrelImapFetch  *fetch,
                                                                    PetrelImapSectionKind   kind,
                                                                    const char             *section);

/* Parses an IMAP date-time ("17-Jul-1996 02:44:25 -0700"). */
gboolean                      petrel_imap_parse_date_time          (const char             *text,
                                                                    gint64                 *unix_time,
                                                                    gint                   *offset);

const char                   *petrel_imap_body_part_get_param      (const PetrelImapBodyPart *part,
                                                                    const char               *name);
/* TRUE if the part's type (and subtype, unless NULL) match, ASCII case-insensitively. */
gboolean                      petrel_imap_body_part_is             (const PetrelImapBodyPart *part,
                                                                    const char               *type,
                                                                    const char               *subtype);

G_END_DECLS
