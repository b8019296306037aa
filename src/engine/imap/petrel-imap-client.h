/* petrel-imap-client.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "imap/petrel-imap-fetch.h"
#include "imap/petrel-imap-response.h"
#include "imap/petrel-imap-seqset.h"

G_BEGIN_DECLS

/**
 * PetrelImapSecurity:
 * @PETREL_IMAP_SECURITY_TLS: implicit TLS (port 993)
 * @PETREL_IMAP_SECURITY_STARTTLS: plain connection upgraded with STARTTLS (port 143); a server
 *   without STARTTLS is refused, never used in the clear
 * @PETREL_IMAP_SECURITY_NONE: no TLS at all; credentials are then only sent to a loopback peer
 */
typedef enum
{
  PETREL_IMAP_SECURITY_TLS,
  PETREL_IMAP_SECURITY_STARTTLS,
  PETREL_IMAP_SECURITY_NONE,
} PetrelImapSecurity;

/**
 * PetrelImapAuthMechanism:
 * @PETREL_IMAP_AUTH_AUTO: OAUTHBEARER or XOAUTH2 when a token is set, else PLAIN when offered,
 *   else LOGIN
 * @PETREL_IMAP_AUTH_PLAIN: AUTHENTICATE PLAIN (with SASL-IR when offered)
 * @PETREL_IMAP_AUTH_LOGIN: the LOGIN command
 * @PETREL_IMAP_AUTH_XOAUTH2: AUTHENTICATE XOAUTH2 with the OAuth token
 * @PETREL_IMAP_AUTH_OAUTHBEARER: AUTHENTICATE OAUTHBEARER (RFC 7628) with the OAuth token
 */
typedef enum
{
  PETREL_IMAP_AUTH_AUTO,
  PETREL_IMAP_AUTH_PLAIN,
  PETREL_IMAP_AUTH_LOGIN,
  PETREL_IMAP_AUTH_XOAUTH2,
  PETREL_IMAP_AUTH_OAUTHBEARER,
} PetrelImapAuthMechanism;

/**
 * PetrelImapClientState:
 * @PETREL_IMAP_CLIENT_STATE_DISCONNECTED: not connected yet
 * @PETREL_IMAP_CLIENT_STATE_CONNECTING: connect_async() is running
 * @PETREL_IMAP_CLIENT_STATE_NOT_AUTHENTICATED: connected without logging in (no user was set)
 * @PETREL_IMAP_CLIENT_STATE_AUTHENTICATED: logged in, no mailbox selected
 * @PETREL_IMAP_CLIENT_STATE_SELECTED: a mailbox is selected (petrel_imap_client_get_selected())
 * @PETREL_IMAP_CLIENT_STATE_CLOSED: the connection is over (LOGOUT, error, close); a client is
 *   used for one connection only: make a new one to reconnect
 */
typedef enum
{
  PETREL_IMAP_CLIENT_STATE_DISCONNECTED,
  PETREL_IMAP_CLIENT_STATE_CONNECTING,
  PETREL_IMAP_CLIENT_STATE_NOT_AUTHENTICATED,
  PETREL_IMAP_CLIENT_STATE_AUTHENTICATED,
  PETREL_IMAP_CLIENT_STATE_SELECTED,
  PETREL_IMAP_CLIENT_STATE_CLOSED,
} PetrelImapClientState;

/**
 * PetrelImapListOptions:
 * @PETREL_IMAP_LIST_NONE: plain LIST
 * @PETREL_IMAP_LIST_SUBSCRIBED: only subscribed mailboxes (`LIST (SUBSCRIBED)`, RFC 5258)
 * @PETREL_IMAP_LIST_SPECIAL_USE: ask for special-use attributes (`RETURN (SPECIAL-USE)`) when
 *   the server offers SPECIAL-USE
 * @PETREL_IMAP_LIST_CHILDREN: ask for \HasChildren/\HasNoChildren (`RETURN (CHILDREN)`)
 */
typedef enum /*< flags >*/
{
  PETREL_IMAP_LIST_NONE        = 0,
  PETREL_IMAP_LIST_SUBSCRIBED  = 1 << 0,
  PETREL_IMAP_LIST_SPECIAL_USE = 1 << 1,
  PETREL_IMAP_LIST_CHILDREN    = 1 << 2,
} PetrelImapListOptions;

/**
 * PetrelImapStoreAction:
 * @PETREL_IMAP_STORE_ADD: `+FLAGS`
 * @PETREL_IMAP_STORE_REMOVE: `-FLAGS`
 * @PETREL_IMAP_STORE_REPLACE: `FLAGS`
 */
typedef enum
{
  PETREL_IMAP_STORE_ADD,
  PETREL_IMAP_STORE_REMOVE,
  PETREL_IMAP_STORE_REPLACE,
} PetrelImapStoreAction;

/**
 * PetrelImapFetchOptions:
 * @PETREL_IMAP_FETCH_OPTION_NONE: nothing special
 * @PETREL_IMAP_FETCH_OPTION_VANISHED: with a CHANGEDSINCE, also ask for the UIDs expunged since
 *   then (`VANISHED`, needs QRESYNC enabled); they are returned by
 *   petrel_imap_client_uid_fetch_finish()
 */
typedef enum /*< flags >*/
{
  PETREL_IMAP_FETCH_OPTION_NONE     = 0,
  PETREL_IMAP_FETCH_OPTION_VANISHED = 1 << 0,
} PetrelImapFetchOptions;

/**
 * PetrelImapQresyncParams:
 * @uidvalidity: the UIDVALIDITY the cache knows
 * @modseq: the HIGHESTMODSEQ the cache knows
 * @known_uids: (nullable): the UIDs the cache holds (lets the server report fewer VANISHED)
 * @match_seqs: (nullable): sequence numbers of a sample of messages (needs @match_uids)
 * @match_uids: (nullable): their UIDs, in the same order
 *
 * The QRESYNC parameters of a SELECT/EXAMINE (RFC 7162 section 3.2.5).
 */
typedef struct
{
  guint32 uidvalidity;
  guint64 modseq;
  const PetrelImapSeqSet *known_uids;
  const PetrelImapSeqSet *match_seqs;
  const PetrelImapSeqSet *match_uids;
} PetrelImapQresyncParams;

/**
 * PetrelImapMailboxState:
 * @name: the mailbox as the caller named it (UTF-8)
 * @read_only: EXAMINE, or the server said [READ-ONLY]
 * @exists: number of messages (kept up to date by EXISTS/EXPUNGE/VANISHED while selected)
 * @recent: RECENT count (IMAP4rev1 only, else 0)
 * @unseen: the [UNSEEN] sequence number, 0 if not sent
 * @uidvalidity: UIDVALIDITY, 0 if not sent
 * @uidnext: UIDNEXT, 0 if not sent
 * @highestmodseq: HIGHESTMODSEQ, 0 if not sent
 * @nomodseq: the server said [NOMODSEQ]: this mailbox has no mod-sequences
 * @flags: the FLAGS of the mailbox (NULL-terminated, never NULL)
 * @permanent_flags: PERMANENTFLAGS (never NULL; empty if not sent)
 * @vanished: (nullable): for a QRESYNC select, the UIDs the server reported as expunged since
 *   the given mod-sequence (`VANISHED (EARLIER)`), else NULL
 *
 * What SELECT/EXAMINE said about a mailbox.
 */
typedef struct
{
  char *name;
  gboolean read_only;
  guint32 exists;
  guint32 recent;
  guint32 unseen;
  guint32 uidvalidity;
  guint32 uidnext;
  guint64 highestmodseq;
  gboolean nomodseq;
  char **flags;
  char **permanent_flags;
  PetrelImapSeqSet *vanished;
} PetrelImapMailboxState;

#define PETREL_TYPE_IMAP_MAILBOX_STATE (petrel_imap_mailbox_state_get_type ())
GType                   petrel_imap_mailbox_state_get_type (void) G_GNUC_CONST;
PetrelImapMailboxState *petrel_imap_mailbox_state_copy     (const PetrelImapMailboxState *state);
void                    petrel_imap_mailbox_state_free     (PetrelImapMailboxState       *state);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PetrelImapMailboxState, petrel_imap_mailbox_state_free)

/**
 * PetrelImapListEntry:
 * @info: the LIST response
 * @status: (nullable): its STATUS (LIST-STATUS), or NULL if none was asked for or sent (e.g. a
 *   \Noselect mailbox)
 */
typedef struct
{
  PetrelImapMailboxInfo *info;
  PetrelImapStatusInfo *status;
} PetrelImapListEntry;

void                    petrel_imap_list_entry_free        (PetrelImapListEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PetrelImapListEntry, petrel_imap_list_entry_free)

/**
 * PetrelImapCopyResult:
 * @uidvalidity: UIDVALIDITY of the destination mailbox
 * @source: the source UIDs
 * @destination: the new UIDs, pairing with @source in order
 *
 * A COPYUID response code (RFC 4315).
 */
typedef struct
{
  guint32 uidvalidity;
  PetrelImapSeqSet *source;
  PetrelImapSeqSet *destination;
} PetrelImapCopyResult;

void                    petrel_imap_copy_result_free       (PetrelImapCopyResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PetrelImapCopyResult, petrel_imap_copy_result_free)

/**
 * PetrelImapAppendMessage:
 * @message: the RFC 5322 message bytes
 * @flags: (nullable): flags to set, NULL-terminated
 * @internal_date: (nullable): the INTERNALDATE to set
 */
typedef struct
{
  GBytes *message;
  const char * const *flags;
  GDateTime *internal_date;
} PetrelImapAppendMessage;

#define PETREL_TYPE_IMAP_CLIENT (petrel_imap_client_get_type ())

G_DECLARE_FINAL_TYPE (PetrelImapClient, petrel_imap_client, PETREL, IMAP_CLIENT, GObject)

/**
 * PetrelImapFetchFunc:
 * @client: the client
 * @response: (transfer none): the FETCH response (take a reference to keep it, e.g. to steal a
 *   spooled body file)
 * @fetch: its decoded data, owned by @response
 * @user_data: user data
 *
 * Called once per FETCH response, as it arrives, from the main context.
 */
typedef void (*PetrelImapFetchFunc) (PetrelImapClient      *client,
                                     PetrelImapResponse    *response,
                                     const PetrelImapFetch *fetch,
                                     gpointer               user_data);

GType                   petrel_imap_security_get_type        (void) G_GNUC_CONST;
GType                   petrel_imap_auth_mechanism_get_type  (void) G_GNUC_CONST;
GType                   petrel_imap_client_state_get_type    (void) G_GNUC_CONST;
#define PETREL_TYPE_IMAP_SECURITY       (petrel_imap_security_get_type ())
#define PETREL_TYPE_IMAP_AUTH_MECHANISM (petrel_imap_auth_mechanism_get_type ())
#define PETREL_TYPE_IMAP_CLIENT_STATE   (petrel_imap_client_state_get_type ())

PetrelImapClient       *petrel_imap_client_new               (const char          *host,
                                                              guint16              port,
                                                              PetrelImapSecurity   security);

/* Connection parameters: set before petrel_imap_client_connect_async(). */
const char             *petrel_imap_client_get_host          (PetrelImapClient    *self);
guint16                 petrel_imap_client_get_port          (PetrelImapClient    *self);
PetrelImapSecurity      petrel_imap_client_get_security      (PetrelImapClient    *self);
/* The CAs to trust; NULL (the default) means the system's. */
void                    petrel_imap_client_set_tls_database  (PetrelImapClient    *self,
                                                              GTlsDatabase        *database);
GTlsDatabase           *petrel_imap_client_get_tls_database  (PetrelImapClient    *self);
/* The login name; NULL connects without logging in (only useful for PREAUTH or tests). */
void                    petrel_imap_client_set_user          (PetrelImapClient    *self,
                                                              const char          *user);
const char             *petrel_imap_client_get_user          (PetrelImapClient    *self);
/* Secrets are kept in memory only, wiped when replaced or freed, and never logged. */
void                    petrel_imap_client_set_password      (PetrelImapClient    *self,
                                                              const char          *password);
void                    petrel_imap_client_set_oauth_token   (PetrelImapClient    *self,
                                                              const char          *token);
/* TRUE lets connect_async() start before the password or token is known: it connects, does TLS
 * and CAPABILITY, then waits (without the timeout running) until this is set back to FALSE,
 * after set_password() or set_oauth_token(). To give up instead, close() the client. */
void                    petrel_imap_client_set_credentials_pending (PetrelImapClient *self,
                                                                    gboolean          pending);
gboolean                petrel_imap_client_get_credentials_pending (PetrelImapClient *self);
void                    petrel_imap_client_set_auth_mechanism (PetrelImapClient   *self,
                                                              PetrelImapAuthMechanism mechanism);
PetrelImapAuthMechanism petrel_imap_client_get_auth_mechanism (PetrelImapClient   *self);
/* How long the server may stay silent while we wait for it, in milliseconds (default 60000). */
void                    petrel_imap_client_set_timeout       (PetrelImapClient    *self,
                                                              guint                timeout_ms);
guint                   petrel_imap_client_get_timeout       (PetrelImapClient    *self);
/* How long one IDLE lasts before it is ended and issued again, in milliseconds (default 25
 * minutes, under the 29 minutes RFC 2177 allows). */
void                    petrel_imap_client_set_idle_refresh  (PetrelImapClient    *self,
                                                              guint                refresh_ms);
guint                   petrel_imap_client_get_idle_refresh  (PetrelImapClient    *self);
/* Turn on COMPRESS=DEFLATE right after login when the server offers it (default TRUE). */
void                    petrel_imap_client_set_auto_compress (PetrelImapClient    *self,
                                                              gboolean             auto_compress);
gboolean                petrel_imap_client_get_auto_compress (PetrelImapClient    *self);
/* With raw mailbox names on (default FALSE), every mailbox argument (SELECT, EXAMINE, STATUS,
 * APPEND, COPY, MOVE, CREATE, RENAME, DELETE, SUBSCRIBE, GETQUOTAROOT, the LIST reference and
 * pattern) is the server's own name (PetrelImapMailboxInfo.raw_name) and is sent unchanged
 * rather than encoded from UTF-8, so a name that is not valid modified UTF-7 can be used. A new
 * name is the caller's to encode (petrel_imap_client_encode_mailbox()). */
void                    petrel_imap_client_set_raw_mailbox_names (PetrelImapClient *self,
                                                              gboolean             raw);
gboolean                petrel_imap_client_get_raw_mailbox_names (PetrelImapClient *self);
/* The name the server knows the UTF-8 mailbox name @name by on this connection: modified UTF-7
 * unless UTF8=ACCEPT is enabled ("INBOX" in any case is "INBOX"). NULL with
 * PETREL_IMAP_ERROR_INVALID if @name cannot be encoded. */
char                   *petrel_imap_client_encode_mailbox    (PetrelImapClient    *self,
                                                              const char          *name,
                                                              GError             **error);
/* Where literals too large for memory are spooled (see petrel_imap_parser_set_spool_dir()). */
void                    petrel_imap_client_set_spool_dir     (PetrelImapClient    *self,
                                                              const char          *dir);

/* Session state. */
PetrelImapClientState   petrel_imap_client_get_state         (PetrelImapClient    *self);
/* Case-insensitive; "AUTH=PLAIN" style names work too. */
gboolean                petrel_imap_client_has_capability    (PetrelImapClient    *self,
                                                              const char          *capability);
/* (transfer none): upper-cased, NULL-terminated. */
const char * const     *petrel_imap_client_get_capabilities  (PetrelImapClient    *self);
/* Whether ENABLE turned @capability on (CONDSTORE, QRESYNC, UTF8=ACCEPT). */
gboolean                petrel_imap_client_is_enabled        (PetrelImapClient    *self,
                                                              const char          *capability);
gboolean                petrel_imap_client_is_compressed     (PetrelImapClient    *self);
gboolean                petrel_imap_client_is_tls            (PetrelImapClient    *self);
/* (transfer none) (nullable): the selected mailbox, kept up to date. */
const PetrelImapMailboxState *petrel_imap_client_get_selected (PetrelImapClient   *self);
/* (transfer none) (nullable): the server's certificate once a handshake was tried. */
GTlsCertificate        *petrel_imap_client_get_peer_certificate (PetrelImapClient *self);
GTlsCertificateFlags    petrel_imap_client_get_peer_certificate_errors (PetrelImapClient *self);
/* Number of commands sent and not yet answered (for tests and diagnostics). */
guint                   petrel_imap_client_get_n_in_flight   (PetrelImapClient    *self);

/* Drops the connection at once: queued and running commands fail with G_IO_ERROR_CANCELLED.
 * Safe to call at any time, also from a callback. */
void                    petrel_imap_client_close             (PetrelImapClient    *self);

/* Connects, sets up TLS (implicit or STARTTLS), reads the capabilities, authenticates when a user
 * is set, and turns on compression when asked to. */
void                    petrel_imap_client_connect_async     (PetrelImapClient    *self,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
gboolean                petrel_imap_client_connect_finish    (PetrelImapClient    *self,
                                                              GAsyncResult        *result,
                                                              GError             **error);

/* Every command below is queued and pipelined with others where IMAP allows. Cancelling one
 * that was already sent returns G_IO_ERROR_CANCELLED at once; its late answer is then read and
 * dropped. */

void                    petrel_imap_client_capability_async  (PetrelImapClient    *self,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
gboolean                petrel_imap_client_capability_finish (PetrelImapClient    *self,
                                                              GAsyncResult        *result,
                                                              GError             **error);

void                    petrel_imap_client_noop_async        (PetrelImapClient    *self,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
gboolean                petrel_imap_client_noop_finish       (PetrelImapClient    *self,
                                                              GAsyncResult        *result,
                                                              GError             **error);

/* LOGOUT, then close; the "closed" signal then carries no error. */
void                    petrel_imap_client_logout_async      (PetrelImapClient    *self,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
gboolean                petrel_imap_client_logout_finish     (PetrelImapClient    *self,
                                                              GAsyncResult        *result,
                                                              GError             **error);

/* ENABLE: @capabilities e.g. { "CONDSTORE", "QRESYNC", "UTF8=ACCEPT", NULL }; those the server does
 * not offer are left out (nothing is sent if none is left). Returns the enabled ones. */
void                    petrel_imap_client_enable_async      (PetrelImapClient    *self,
                                                              const char * const  *capabilities,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
char                  **petrel_imap_client_enable_finish     (PetrelImapClient    *self,
                                                              GAsyncResult        *result,
                                                              GError             **error);

/* ID (RFC 2971): @fields maps names to values (NULL for `ID NIL`). Returns the server's fields
 * (empty if the server sent NIL). */
void                    petrel_imap_client_id_async          (PetrelImapClient    *self,
                                                              GHashTable          *fields,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
GHashTable             *petrel_imap_client_id_finish         (PetrelImapClient    *self,
                                                              GAsyncResult        *result,
                                                              GError             **error);

void                    petrel_imap_client_namespace_async   (PetrelImapClient    *self,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
PetrelImapNamespaces   *petrel_imap_client_namespace_finish  (PetrelImapClient    *self,
                                                              GAsyncResult        *result,
                                                              GError             **error);

/* LIST @reference @pattern (UTF-8; "" and "*" list everything). With @status_items and a server
 * offering LIST-STATUS, each entry also carries its STATUS. */
void                    petrel_imap_client_list_async        (PetrelImapClient    *self,
                                                              const char          *reference,
                                                              const char          *pattern,
                                                              PetrelImapListOptions options,
                                                              PetrelImapStatusItems status_items,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
/* (element-type PetrelImapListEntry) in the server's order. */
GPtrArray              *petrel_imap_client_list_finish       (PetrelImapClient    *self,
                                                              GAsyncResult        *result,
                                                              GError             **error);

void                    petrel_imap_client_status_async      (PetrelImapClient    *self,
                                                              const char          *mailbox,
                                                              PetrelImapStatusItems items,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
PetrelImapStatusInfo   *petrel_imap_client_status_finish     (PetrelImapClient    *self,
                                                              GAsyncResult        *result,
                                                              GError             **error);

/* SELECT (or EXAMINE when @read_only). @condstore adds (CONDSTORE); @qr (needs QRESYNC enabled)
 * adds (QRESYNC (...)): the FETCH responses the server then sends for changed messages go to
 * @changed_func, and the VANISHED (EARLIER) UIDs end up in the returned state's @vanished. */
void                    petrel_imap_client_select_async      (PetrelImapClient    *self,
                                                              const char          *mailbox,
                                                              gboolean             read_only,
                                                              gboolean             condstore,
                                                              const PetrelImapQresyncParams *qr,
                                                              PetrelImapFetchFunc  changed_func,
                                                              gpointer             changed_data,
                                                              GDestroyNotify       changed_destroy,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
PetrelImapMailboxState *petrel_imap_client_select_finish     (PetrelImapClient    *self,
                                                              GAsyncResult        *result,
                                                              GError             **error);

/* UNSELECT (RFC 3691): leaves the mailbox without expunging. */
void                    petrel_imap_client_unselect_async    (PetrelImapClient    *self,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
gboolean                petrel_imap_client_unselect_finish   (PetrelImapClient    *self,
                                                              GAsyncResult        *result,
                                                              GError             **error);

/* UID FETCH @uids @items (e.g. "(UID FLAGS ENVELOPE)" or "FLAGS"; BODY[...] / BINARY[...] section
 * syntax allowed, no strings) [(CHANGEDSINCE @changedsince [VANISHED])]. @func is called once per
 * FETCH response as it arrives; nothing is accumulated. */
void                    petrel_imap_client_uid_fetch_async   (PetrelImapClient    *self,
                                                              const PetrelImapSeqSet *uids,
                                                              const char          *items,
                                                              guint64              changedsince,
                                                              PetrelImapFetchOptions options,
                                                              PetrelImapFetchFunc  func,
                                                              gpointer             func_data,
                                                              GDestroyNotify       func_destroy,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
/* @vanished: (out) (optional) (nullable): UIDs the server reported as VANISHED (EARLIER). */
gboolean                petrel_imap_client_uid_fetch_finish  (PetrelImapClient    *self,
                                                              GAsyncResult        *result,
                                                              PetrelImapSeqSet   **vanished,
                                                              GError             **error);

/* The fetch item for the content of part @section ("1", "2.1"): `BINARY.PEEK[section]` when the
 * server offers BINARY (RFC 3516: it undoes the Content-Transfer-Encoding, and the data may hold
 * any byte), else `BODY.PEEK[section]` (still encoded). Look the result up with
 * petrel_imap_fetch_find_section() and PETREL_IMAP_SECTION_BINARY or _BODY respectively. */
char                   *petrel_imap_client_dup_part_item     (PetrelImapClient    *self,
                                                              const char          *section);

/* UID STORE @uids [(UNCHANGEDSINCE @unchangedsince)] +FLAGS/-FLAGS/FLAGS (@flags). With @func
 * NULL the .SILENT form is used; otherwise the resulting FETCH responses go to @func. */
void                    petrel_imap_client_uid_store_async   (PetrelImapClient    *self,
                                                              const PetrelImapSeqSet *uids,
                                                              PetrelImapStoreAction action,
                                                              const char * const  *flags,
                                                              guint64              unchangedsince,
                                                              PetrelImapFetchFunc  func,
                                                              gpointer             func_data,
                                                              GDestroyNotify       func_destroy,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
/* @modified: (out) (optional) (nullable): the [MODIFIED] UIDs an UNCHANGEDSINCE store skipped. */
gboolean                petrel_imap_client_uid_store_finish  (PetrelImapClient    *self,
                                                              GAsyncResult        *result,
                                                              PetrelImapSeqSet   **modified,
                                                              GError             **error);

/* UID SEARCH. @criteria: the search keys, one per element: each is sent as a token (`UNSEEN`,
 * `UID`, `1:100`, `MODSEQ`, `SINCE`, `1-Feb-2024`), except an element starting with '=' whose rest
 * is sent as a string (quoted or literal): { "HEADER", "=Message-ID", "=<a@b>", NULL }. Uses
 * ESEARCH (RETURN (ALL)) when offered. */
void                    petrel_imap_client_uid_search_async  (PetrelImapClient    *self,
                                                              const char * const  *criteria,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
/* Returns the matching UIDs (maybe empty); @modseq: (out) (optional): the (MODSEQ n) if any. */
PetrelImapSeqSet       *petrel_imap_client_uid_search_finish (PetrelImapClient    *self,
                                                              GAsyncResult        *result,
                                                              guint64             *modseq,
                                                              GError             **error);

/* UID COPY; @result (out) (optional) (nullable): the COPYUID data when the server sent it. */
void                    petrel_imap_client_uid_copy_async    (PetrelImapClient    *self,
                                                              const PetrelImapSeqSet *uids,
                                                              const char          *destination,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
gboolean                petrel_imap_client_uid_copy_finish   (PetrelImapClient    *self,
                                                              GAsyncResult        *result,
                                                              PetrelImapCopyResult **copy_result,
                                                              GError             **error);

/* UID MOVE when offered, else UID COPY + UID STORE +FLAGS.SILENT (\Deleted) + UID EXPUNGE (the
 * last only with UIDPLUS: without it the originals stay flagged \Deleted). */
void                    petrel_imap_client_uid_move_async    (PetrelImapClient    *self,
                                                              const PetrelImapSeqSet *uids,
                                                              const char          *destination,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
gboolean                petrel_imap_client_uid_move_finish   (PetrelImapClient    *self,
                                                              GAsyncResult        *result,
                                                              PetrelImapCopyResult **copy_result,
                                                              GError             **error);

/* APPEND one message; @uidvalidity and @uid: (out) (optional): from APPENDUID, 0 if not sent. */
void                    petrel_imap_client_append_async      (PetrelImapClient    *self,
                                                              const char          *mailbox,
                                                              const PetrelImapAppendMessage *msg,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
gboolean                petrel_imap_client_append_finish     (PetrelImapClient    *self,
                                                              GAsyncResult        *result,
                                                              guint32             *uidvalidity,
                                                              guint32             *uid,
                                                              GError             **error);

/* APPEND several messages: one MULTIAPPEND command when offered, else one APPEND each
 * (pipelined). @uids: (out) (optional) (nullable): the new UIDs in order, when the server said. */
void                    petrel_imap_client_append_multi_async (PetrelImapClient   *self,
                                                              const char          *mailbox,
                                                              const PetrelImapAppendMessage *msgs,
                                                              guint                n_messages,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
gboolean                petrel_imap_client_append_multi_finish (PetrelImapClient  *self,
                                                              GAsyncResult        *result,
                                                              guint32             *uidvalidity,
                                                              PetrelImapSeqSet   **uids,
                                                              GError             **error);

void                    petrel_imap_client_create_async      (PetrelImapClient    *self,
                                                              const char          *mailbox,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
gboolean                petrel_imap_client_create_finish     (PetrelImapClient    *self,
                                                              GAsyncResult        *result,
                                                              GError             **error);
void                    petrel_imap_client_rename_async      (PetrelImapClient    *self,
                                                              const char          *mailbox,
                                                              const char          *new_name,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
gboolean                petrel_imap_client_rename_finish     (PetrelImapClient    *self,
                                                              GAsyncResult        *result,
                                                              GError             **error);
void                    petrel_imap_client_delete_async      (PetrelImapClient    *self,
                                                              const char          *mailbox,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
gboolean                petrel_imap_client_delete_finish     (PetrelImapClient    *self,
                                                              GAsyncResult        *result,
                                                              GError             **error);
/* SUBSCRIBE, or UNSUBSCRIBE when @subscribe is FALSE. */
void                    petrel_imap_client_subscribe_async   (PetrelImapClient    *self,
                                                              const char          *mailbox,
                                                              gboolean             subscribe,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
gboolean                petrel_imap_client_subscribe_finish  (PetrelImapClient    *self,
                                                              GAsyncResult        *result,
                                                              GError             **error);

/* EXPUNGE, or UID EXPUNGE @uids (needs UIDPLUS) when @uids is not NULL. The expunged messages
 * are reported through the "expunged"/"vanished" signals. */
void                    petrel_imap_client_expunge_async     (PetrelImapClient    *self,
                                                              const PetrelImapSeqSet *uids,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
gboolean                petrel_imap_client_expunge_finish    (PetrelImapClient    *self,
                                                              GAsyncResult        *result,
                                                              GError             **error);

/* GETQUOTAROOT @mailbox (RFC 9208). @roots: (out) (optional): the quota root names. Returns
 * (element-type PetrelImapQuota) the quotas. */
void                    petrel_imap_client_getquotaroot_async (PetrelImapClient   *self,
                                                              const char          *mailbox,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
GPtrArray              *petrel_imap_client_getquotaroot_finish (PetrelImapClient  *self,
                                                              GAsyncResult        *result,
                                                              char              ***roots,
                                                              GError             **error);

/* COMPRESS DEFLATE (RFC 4978): both directions are compressed from then on. */
void                    petrel_imap_client_compress_async    (PetrelImapClient    *self,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
gboolean                petrel_imap_client_compress_finish   (PetrelImapClient    *self,
                                                              GAsyncResult        *result,
                                                              GError             **error);

/* IDLE until petrel_imap_client_idle_stop() or cancellation. Mailbox changes are reported by the
 * "exists", "expunged", "vanished" and "fetch" signals. The IDLE is ended and issued again every
 * idle-refresh interval, and whenever another command is queued on this client (it runs, then
 * IDLE resumes). Finishes TRUE after a stop, G_IO_ERROR_CANCELLED after cancellation. */
void                    petrel_imap_client_idle_async        (PetrelImapClient    *self,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
gboolean                petrel_imap_client_idle_finish       (PetrelImapClient    *self,
                                                              GAsyncResult        *result,
                                                              GError             **error);
/* Sends DONE; the IDLE finishes once the server confirms. */
void                    petrel_imap_client_idle_stop         (PetrelImapClient    *self);
gboolean                petrel_imap_client_is_idling         (PetrelImapClient    *self);

G_END_DECLS
