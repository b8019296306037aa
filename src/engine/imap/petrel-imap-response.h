/* petrel-imap-response.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>
#include <glib-object.h>

#include "imap/petrel-imap-seqset.h"
#include "imap/petrel-imap-value.h"

G_BEGIN_DECLS

/**
 * PetrelImapResponseKind:
 * @PETREL_IMAP_RESPONSE_CONTINUATION: `+ ...`, a continuation request
 * @PETREL_IMAP_RESPONSE_TAGGED: `A1 OK ...`, the completion of a command
 * @PETREL_IMAP_RESPONSE_UNTAGGED: `* ...`, server data
 */
typedef enum
{
  PETREL_IMAP_RESPONSE_CONTINUATION,
  PETREL_IMAP_RESPONSE_TAGGED,
  PETREL_IMAP_RESPONSE_UNTAGGED,
} PetrelImapResponseKind;

/**
 * PetrelImapResponseType:
 *
 * What a response is. Tagged responses are OK, NO or BAD (a tagged PREAUTH/BYE is reported as
 * such too, though servers never send one); untagged ones are any of these, UNKNOWN meaning a
 * well-formed untagged response we have no decoder for (its data is still in
 * petrel_imap_response_get_data()).
 */
typedef enum
{
  PETREL_IMAP_RESPONSE_TYPE_UNKNOWN,
  PETREL_IMAP_RESPONSE_TYPE_CONTINUATION,
  PETREL_IMAP_RESPONSE_TYPE_OK,
  PETREL_IMAP_RESPONSE_TYPE_NO,
  PETREL_IMAP_RESPONSE_TYPE_BAD,
  PETREL_IMAP_RESPONSE_TYPE_PREAUTH,
  PETREL_IMAP_RESPONSE_TYPE_BYE,
  PETREL_IMAP_RESPONSE_TYPE_CAPABILITY,
  PETREL_IMAP_RESPONSE_TYPE_EXISTS,
  PETREL_IMAP_RESPONSE_TYPE_RECENT,
  PETREL_IMAP_RESPONSE_TYPE_EXPUNGE,
  PETREL_IMAP_RESPONSE_TYPE_FETCH,
  PETREL_IMAP_RESPONSE_TYPE_VANISHED,
  PETREL_IMAP_RESPONSE_TYPE_LIST,
  PETREL_IMAP_RESPONSE_TYPE_LSUB,
  PETREL_IMAP_RESPONSE_TYPE_STATUS,
  PETREL_IMAP_RESPONSE_TYPE_SEARCH,
  PETREL_IMAP_RESPONSE_TYPE_ESEARCH,
  PETREL_IMAP_RESPONSE_TYPE_NAMESPACE,
  PETREL_IMAP_RESPONSE_TYPE_ENABLED,
  PETREL_IMAP_RESPONSE_TYPE_ID,
  PETREL_IMAP_RESPONSE_TYPE_QUOTA,
  PETREL_IMAP_RESPONSE_TYPE_QUOTAROOT,
  PETREL_IMAP_RESPONSE_TYPE_FLAGS,
} PetrelImapResponseType;

/**
 * PetrelImapCode:
 *
 * The response code in brackets after OK/NO/BAD/PREAUTH/BYE (RFC 3501, 9051, 5530, 4315, 7162,
 * 8474 ...). %PETREL_IMAP_CODE_NONE: no code; %PETREL_IMAP_CODE_UNKNOWN: a code we do not know,
 * kept by name and text (petrel_imap_response_get_code_name() / _get_code_text()).
 */
typedef enum
{
  PETREL_IMAP_CODE_NONE,
  PETREL_IMAP_CODE_UNKNOWN,
  PETREL_IMAP_CODE_ALERT,
  PETREL_IMAP_CODE_ALREADYEXISTS,
  PETREL_IMAP_CODE_APPENDUID,
  PETREL_IMAP_CODE_AUTHENTICATIONFAILED,
  PETREL_IMAP_CODE_AUTHORIZATIONFAILED,
  PETREL_IMAP_CODE_BADCHARSET,
  PETREL_IMAP_CODE_CANNOT,
  PETREL_IMAP_CODE_CAPABILITY,
  PETREL_IMAP_CODE_CLIENTBUG,
  PETREL_IMAP_CODE_CLOSED,
  PETREL_IMAP_CODE_COMPRESSIONACTIVE,
  PETREL_IMAP_CODE_CONTACTADMIN,
  PETREL_IMAP_CODE_COPYUID,
  PETREL_IMAP_CODE_CORRUPTION,
  PETREL_IMAP_CODE_EXPIRED,
  PETREL_IMAP_CODE_EXPUNGEISSUED,
  PETREL_IMAP_CODE_HASCHILDREN,
  PETREL_IMAP_CODE_HIGHESTMODSEQ,
  PETREL_IMAP_CODE_INUSE,
  PETREL_IMAP_CODE_LIMIT,
  PETREL_IMAP_CODE_MAILBOXID,
  PETREL_IMAP_CODE_MODIFIED,
  PETREL_IMAP_CODE_NOMODSEQ,
  PETREL_IMAP_CODE_NONEXISTENT,
  PETREL_IMAP_CODE_NOPERM,
  PETREL_IMAP_CODE_NOTSAVED,
  PETREL_IMAP_CODE_OVERQUOTA,
  PETREL_IMAP_CODE_PARSE,
  PETREL_IMAP_CODE_PERMANENTFLAGS,
  PETREL_IMAP_CODE_PRIVACYREQUIRED,
  PETREL_IMAP_CODE_READ_ONLY,
  PETREL_IMAP_CODE_READ_WRITE,
  PETREL_IMAP_CODE_SERVERBUG,
  PETREL_IMAP_CODE_TRYCREATE,
  PETREL_IMAP_CODE_UIDNEXT,
  PETREL_IMAP_CODE_UIDNOTSTICKY,
  PETREL_IMAP_CODE_UIDVALIDITY,
  PETREL_IMAP_CODE_UNAVAILABLE,
  PETREL_IMAP_CODE_UNKNOWN_CTE,
  PETREL_IMAP_CODE_UNSEEN,
} PetrelImapCode;

/**
 * PetrelImapResponse:
 *
 * One complete server response (a continuation request, a tagged completion or untagged data),
 * parsed into a #PetrelImapValue tree. Immutable after parsing except for the lazily decoded
 * FETCH cache and stolen spool files: do not use one response from two threads at once (passing
 * it to another thread is fine). Reference counted (atomically).
 */
typedef struct _PetrelImapResponse PetrelImapResponse;

#define PETREL_TYPE_IMAP_RESPONSE (petrel_imap_response_get_type ())

GType                   petrel_imap_response_get_type      (void) G_GNUC_CONST;
PetrelImapResponse     *petrel_imap_response_ref           (PetrelImapResponse       *response);
void                    petrel_imap_response_unref         (PetrelImapResponse       *response);

PetrelImapResponseKind  petrel_imap_response_get_kind      (const PetrelImapResponse *response);
PetrelImapResponseType  petrel_imap_response_get_response_type (const PetrelImapResponse *response);
/* TRUE for OK/NO/BAD/PREAUTH/BYE (tagged or untagged): these carry a code and a text. */
gboolean                petrel_imap_response_is_status     (const PetrelImapResponse *response);
/* The tag of a tagged response, NULL otherwise. */
const char             *petrel_imap_response_get_tag       (const PetrelImapResponse *response);
/* The keyword, upper-cased ("OK", "FETCH", "X-FOO", ...); NULL for a continuation. */
const char             *petrel_imap_response_get_name      (const PetrelImapResponse *response);
/* The message number of `* N EXISTS|RECENT|EXPUNGE|FETCH` (and other `* N KEYWORD`), else 0. */
guint32                 petrel_imap_response_get_number    (const PetrelImapResponse *response);
/* Human-readable text of a status response or continuation: control characters removed, at most
 * PETREL_IMAP_MAX_TEXT_LENGTH bytes, valid UTF-8. "" when there is none. */
const char             *petrel_imap_response_get_text      (const PetrelImapResponse *response);
/* The raw text of a continuation request (a SASL challenge in base64), exactly as sent. */
const char             *petrel_imap_response_get_continuation_data (const PetrelImapResponse *response);
/* The values after the keyword of an untagged non-status response (a LIST value; e.g. for FETCH a
 * list holding one list). NULL for status responses and continuations. */
PetrelImapValue        *petrel_imap_response_get_data      (const PetrelImapResponse *response);
/* How many spooled literal files this response still owns (deleted when it is freed; see
 * petrel_imap_value_steal_file()). */
guint                   petrel_imap_response_get_n_files   (const PetrelImapResponse *response);

/* Response code. */
PetrelImapCode          petrel_imap_response_get_code      (const PetrelImapResponse *response);
/* Upper-cased code name ("UIDNEXT", "X-FOO"), NULL if there is no code. */
const char             *petrel_imap_response_get_code_name (const PetrelImapResponse *response);
/* Sanitised text of the code's arguments ("" if none): what is kept of an unknown code. */
const char             *petrel_imap_response_get_code_text (const PetrelImapResponse *response);
/* The code's arguments as values (a LIST), or NULL if none or they could not be tokenised. */
PetrelImapValue        *petrel_imap_response_get_code_args (const PetrelImapResponse *response);
/* UIDNEXT, UIDVALIDITY, UNSEEN, HIGHESTMODSEQ: the number argument. */
gboolean                petrel_imap_response_get_code_number (const PetrelImapResponse *response,
                                                            guint64                  *number);
/* CAPABILITY (upper-cased), PERMANENTFLAGS, BADCHARSET: the atoms/strings of the code. */
char                  **petrel_imap_response_dup_code_strv (const PetrelImapResponse *response);
/* APPENDUID uidvalidity uid-set (a set with MULTIAPPEND). */
gboolean                petrel_imap_response_get_appenduid (const PetrelImapResponse *response,
                                                            guint32                  *uidvalidity,
                                                            PetrelImapSeqSet        **uids,
                                                            GError                  **error);
/* COPYUID uidvalidity source-set destination-set; both sets have the same count (checked), and
 * pair up in order. */
gboolean                petrel_imap_response_get_copyuid   (const PetrelImapResponse *response,
                                                            guint32                  *uidvalidity,
                                                            PetrelImapSeqSet        **source,
                                                            PetrelImapSeqSet        **destination,
                                                            GError                  **error);
/* MODIFIED set (RFC 7162): messages a conditional STORE did not change. */
PetrelImapSeqSet       *petrel_imap_response_get_modified  (const PetrelImapResponse *response,
                                                            GError                  **error);

/* A GError for a NO/BAD/BYE response: PETREL_IMAP_ERROR_NO/BAD/BYE, or a more precise code from
 * the response code (AUTH for AUTHENTICATIONFAILED, NONEXISTENT for NONEXISTENT/TRYCREATE, ...),
 * with the sanitised server text in the message. NULL for other responses. */
GError                 *petrel_imap_response_to_error      (const PetrelImapResponse *response);

/* A log-safe rendering (literal contents elided, bounded length). */
char                   *petrel_imap_response_to_string     (const PetrelImapResponse *response);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PetrelImapResponse, petrel_imap_response_unref)

/* ---- Decoders for untagged data ------------------------------------------------------------
 * Each returns a newly allocated result owned by the caller, or NULL with a
 * PETREL_IMAP_ERROR_PARSE error if the response is not of that type or is malformed. */

/* CAPABILITY response or [CAPABILITY ...] code; upper-cased. */
char                  **petrel_imap_response_dup_capabilities (const PetrelImapResponse *response,
                                                               GError                  **error);
/* FLAGS response: the flags as sent. */
char                  **petrel_imap_response_dup_flags     (const PetrelImapResponse *response,
                                                            GError                  **error);
/* ENABLED response: upper-cased capabilities. */
char                  **petrel_imap_response_dup_enabled   (const PetrelImapResponse *response,
                                                            GError                  **error);
/* VANISHED [(EARLIER)] uid-set (RFC 7162). */
gboolean                petrel_imap_response_get_vanished  (const PetrelImapResponse *response,
                                                            gboolean                 *earlier,
                                                            PetrelImapSeqSet        **uids,
                                                            GError                  **error);

typedef enum /*< flags >*/
{
  PETREL_IMAP_MAILBOX_NOINFERIORS     = 1 << 0,
  PETREL_IMAP_MAILBOX_NOSELECT        = 1 << 1,
  PETREL_IMAP_MAILBOX_MARKED          = 1 << 2,
  PETREL_IMAP_MAILBOX_UNMARKED        = 1 << 3,
  PETREL_IMAP_MAILBOX_HAS_CHILDREN    = 1 << 4,
  PETREL_IMAP_MAILBOX_HAS_NO_CHILDREN = 1 << 5,
  PETREL_IMAP_MAILBOX_NONEXISTENT     = 1 << 6,
  PETREL_IMAP_MAILBOX_SUBSCRIBED      = 1 << 7,
  PETREL_IMAP_MAILBOX_REMOTE          = 1 << 8,
  /* SPECIAL-USE (RFC 6154) */
  PETREL_IMAP_MAILBOX_ALL             = 1 << 9,
  PETREL_IMAP_MAILBOX_ARCHIVE         = 1 << 10,
  PETREL_IMAP_MAILBOX_DRAFTS          = 1 << 11,
  PETREL_IMAP_MAILBOX_FLAGGED         = 1 << 12,
  PETREL_IMAP_MAILBOX_JUNK            = 1 << 13,
  PETREL_IMAP_MAILBOX_SENT            = 1 << 14,
  PETREL_IMAP_MAILBOX_TRASH           = 1 << 15,
  PETREL_IMAP_MAILBOX_IMPORTANT       = 1 << 16,
} PetrelImapMailboxAttributes;

/**
 * PetrelImapMailboxInfo:
 * @attributes: the known attributes
 * @raw_attributes: every attribute as sent (e.g. "\\HasNoChildren", "\\Sent")
 * @delimiter: the hierarchy delimiter, or '\0' for NIL (a flat name)
 * @name: the name in UTF-8: decoded from modified UTF-7 unless UTF8=ACCEPT is on; "INBOX" in any
 *   case becomes "INBOX". Never NULL, always valid UTF-8.
 * @raw_name: the name exactly as sent: use it (not @name) to address the mailbox in commands
 * @childinfo: CHILDINFO extended data (e.g. "SUBSCRIBED"), NULL-terminated, may be empty
 * @old_name: the OLDNAME extended data (RFC 5465) decoded like @name, or NULL
 *
 * A LIST or LSUB response.
 */
typedef struct
{
  PetrelImapMailboxAttributes attributes;
  char **raw_attributes;
  char delimiter;
  char *name;
  char *raw_name;
  char **childinfo;
  char *old_name;
} PetrelImapMailboxInfo;

PetrelImapMailboxInfo  *petrel_imap_response_dup_list      (const PetrelImapResponse *response,
                                                            gboolean                  utf8_accept,
                                                            GError                  **error);
void                    petrel_imap_mailbox_info_free      (PetrelImapMailboxInfo    *info);

typedef enum /*< flags >*/
{
  PETREL_IMAP_STATUS_MESSAGES      = 1 << 0,
  PETREL_IMAP_STATUS_RECENT        = 1 << 1,
  PETREL_IMAP_STATUS_UIDNEXT       = 1 << 2,
  PETREL_IMAP_STATUS_UIDVALIDITY   = 1 << 3,
  PETREL_IMAP_STATUS_UNSEEN        = 1 << 4,
  PETREL_IMAP_STATUS_HIGHESTMODSEQ = 1 << 5,
  PETREL_IMAP_STATUS_SIZE          = 1 << 6,
  PETREL_IMAP_STATUS_DELETED       = 1 << 7,
  PETREL_IMAP_STATUS_APPENDLIMIT   = 1 << 8,
} PetrelImapStatusItems;

/**
 * PetrelImapStatusInfo:
 * @name: mailbox name in UTF-8 (as #PetrelImapMailboxInfo)
 * @raw_name: as sent
 * @items: which of the fields below the server sent
 *
 * A STATUS response.
 */
typedef struct
{
  char *name;
  char *raw_name;
  PetrelImapStatusItems items;
  guint32 messages;
  guint32 recent;
  guint32 uidnext;
  guint32 uidvalidity;
  guint32 unseen;
  guint32 deleted;
  guint64 highestmodseq;
  guint64 size;
  guint64 appendlimit;
} PetrelImapStatusInfo;

PetrelImapStatusInfo   *petrel_imap_response_dup_status    (const PetrelImapResponse *response,
                                                            gboolean                  utf8_accept,
                                                            GError                  **error);
void                    petrel_imap_status_info_free       (PetrelImapStatusInfo     *info);

/**
 * PetrelImapSearchResult:
 * @numbers: the guint32 sequence numbers or UIDs, in the server's order
 * @modseq: the `(MODSEQ n)` of a CONDSTORE search, 0 if absent
 *
 * A SEARCH response.
 */
typedef struct
{
  GArray *numbers;
  guint64 modseq;
} PetrelImapSearchResult;

PetrelImapSearchResult *petrel_imap_response_dup_search    (const PetrelImapResponse *response,
                                                            GError                  **error);
void                    petrel_imap_search_result_free     (PetrelImapSearchResult   *result);

typedef enum /*< flags >*/
{
  PETREL_IMAP_ESEARCH_MIN    = 1 << 0,
  PETREL_IMAP_ESEARCH_MAX    = 1 << 1,
  PETREL_IMAP_ESEARCH_COUNT  = 1 << 2,
  PETREL_IMAP_ESEARCH_ALL    = 1 << 3,
  PETREL_IMAP_ESEARCH_MODSEQ = 1 << 4,
} PetrelImapEsearchItems;

/**
 * PetrelImapEsearchResult:
 * @tag: the tag of the command it answers (`(TAG "A5")`), or NULL
 * @uid: TRUE if the numbers are UIDs
 * @items: which results are present
 * @all: the ALL set, or NULL
 *
 * An ESEARCH response (RFC 4731).
 */
typedef struct
{
  char *tag;
  gboolean uid;
  PetrelImapEsearchItems items;
  guint32 min;
  guint32 max;
  guint32 count;
  PetrelImapSeqSet *all;
  guint64 modseq;
} PetrelImapEsearchResult;

PetrelImapEsearchResult *petrel_imap_response_dup_esearch  (const PetrelImapResponse *response,
                                                            GError                  **error);
void                    petrel_imap_esearch_result_free    (PetrelImapEsearchResult  *result);

/**
 * PetrelImapNamespace:
 * @prefix: the prefix in UTF-8 (decoded as mailbox names are)
 * @raw_prefix: the prefix as sent
 * @delimiter: the hierarchy delimiter, '\0' for NIL
 */
typedef struct
{
  char *prefix;
  char *raw_prefix;
  char delimiter;
} PetrelImapNamespace;

/**
 * PetrelImapNamespaces:
 *
 * A NAMESPACE response (RFC 2342): personal, other users' and shared namespaces; each array
 * may be empty (NIL).
 */
typedef struct
{
  PetrelImapNamespace *personal;
  guint n_personal;
  PetrelImapNamespace *other;
  guint n_other;
  PetrelImapNamespace *shared;
  guint n_shared;
} PetrelImapNamespaces;

PetrelImapNamespaces   *petrel_imap_response_dup_namespace (const PetrelImapResponse *response,
                                                            gboolean                  utf8_accept,
                                                            GError                  **error);
void                    petrel_imap_namespaces_free        (PetrelImapNamespaces     *namespaces);

/* ID response (RFC 2971): field name -> value (a value may be NULL); empty for `ID NIL`. */
GHashTable             *petrel_imap_response_dup_id        (const PetrelImapResponse *response,
                                                            GError                  **error);

typedef struct
{
  char *name;
  guint64 usage;
  guint64 limit;
} PetrelImapQuotaResource;

/**
 * PetrelImapQuota:
 * @root: the quota root name, as sent
 * @resources: e.g. STORAGE (in KiB), MESSAGE
 *
 * A QUOTA response (RFC 9208).
 */
typedef struct
{
  char *root;
  PetrelImapQuotaResource *resources;
  guint n_resources;
} PetrelImapQuota;

PetrelImapQuota        *petrel_imap_response_dup_quota     (const PetrelImapResponse *response,
                                                            GError                  **error);
void                    petrel_imap_quota_free             (PetrelImapQuota          *quota);

/**
 * PetrelImapQuotaRoot:
 * @mailbox: the mailbox name in UTF-8
 * @raw_mailbox: as sent
 * @roots: the quota roots, as sent
 *
 * A QUOTAROOT response.
 */
typedef struct
{
  char *mailbox;
  char *raw_mailbox;
  char **roots;
} PetrelImapQuotaRoot;

PetrelImapQuotaRoot    *petrel_imap_response_dup_quotaroot (const PetrelImapResponse *response,
                                                            gboolean                  utf8_accept,
                                                            GError                  **error);
void                    petrel_imap_quota_root_free        (PetrelImapQuotaRoot      *root);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PetrelImapMailboxInfo, petrel_imap_mailbox_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PetrelImapStatusInfo, petrel_imap_status_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PetrelImapSearchResult, petrel_imap_search_result_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PetrelImapEsearchResult, petrel_imap_esearch_result_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PetrelImapNamespaces, petrel_imap_namespaces_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PetrelImapQuota, petrel_imap_quota_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PetrelImapQuotaRoot, petrel_imap_quota_root_free)

G_END_DECLS
