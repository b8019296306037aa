/* petrel-sync.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Bringing one account's cache up to date with its IMAP server.
 *
 * A sync runs on a worker thread with a main context of its own: the IMAP client's async
 * calls complete on that context while the thread waits for them, so the steps below read in
 * order and the store (whose calls block) is written from the same thread, never from the
 * front end's main loop.
 *
 * Per folder: QRESYNC (SELECT … (QRESYNC …) gives VANISHED and changed FLAGS at once), else
 * CONDSTORE (FETCH … CHANGEDSINCE plus a UID SEARCH for expunges), else a full flag scan. New
 * messages come headers first, newest first, in batches committed as they arrive; bodies
 * follow, newest first. The folder's sync state (UIDNEXT, HIGHESTMODSEQ) is recorded only
 * after everything it covers is in the store, so a sync cut at any point is completed by the
 * next one.
 */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "account/petrel-account-error.h"
#include "account/petrel-oauth2.h"
#include "account/petrel-tls-trust.h"
#include "imap/petrel-imap.h"
#include "imap/petrel-imap-client.h"
#include "imap/petrel-imap-utf7.h"
#include "mime/petrel-mime-summary.h"
#include "mime/petrel-mime-text.h"

#include "petrel-changes.h"
#include "petrel-drafts.h"
#include "petrel-outbox.h"
#include "petrel-outbox-private.h"
#include "petrel-sync.h"
#include "petrel-sync-private.h"

G_DEFINE_QUARK (petrel-sync-error-quark, petrel_sync_error)

/* Messages per FETCH of headers and of bodies: big enough to keep the connection busy,
 * small enough that a batch is committed (and shown) quickly. Header batches grow from
 * HEADER_BATCH to HEADER_BATCH_MAX: the newest messages show at once, and a big folder
 * then pays for fewer commits, full-text segments and FETCH round trips (#4). */
#define HEADER_BATCH     500
#define HEADER_BATCH_MAX 2000
#define BODY_BATCH       200

/* Only the fields a summary reads (#4): a whole header block is mostly Received, DKIM and ARC
 * fields nothing here reads, and servers keep these fields in their own caches (Dovecot
 * answers them without opening the message files). */
#define HEADER_FIELDS "BODY.PEEK[HEADER.FIELDS (" PETREL_MIME_SUMMARY_FIELDS ")]"
#define HEADER_ITEMS "(UID FLAGS INTERNALDATE RFC822.SIZE BODYSTRUCTURE " HEADER_FIELDS ")"
#define HEADER_ITEMS_MODSEQ \
  "(UID FLAGS INTERNALDATE RFC822.SIZE MODSEQ BODYSTRUCTURE " HEADER_FIELDS ")"

typedef struct
{
  PetrelAccount          *account;       /* borrowed */
  PetrelStore            *store;         /* borrowed */
  PetrelImapClient       *client;        /* owned */
  PetrelTlsTrust         *trust;         /* owned */
  GMainContext           *context;       /* owned, pushed as thread default */
  GCancellable           *cancellable;   /* borrowed, nullable */
  PetrelSyncFlags         flags;
  PetrelSyncProgressFunc  progress_func;
  gpointer                progress_data;
  gboolean                condstore;
  gboolean                qresync;
} SyncRun;

void
_petrel_wait_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  PetrelWait *wait = user_data;

  wait->result = g_object_ref (result);
  g_main_context_wakeup (wait->context);
}

GAsyncResult *
_petrel_wait_for (PetrelWait *wait)
{
  while (wait->result == NULL)
    g_main_context_iteration (wait->context, TRUE);
  return wait->result;
}

char *
_petrel_path_wire_name (PetrelImapClient *client,
                        const char       *path)
{
  char *wire = petrel_imap_client_encode_mailbox (client, path, NULL);

  /* Not encodable (a control character): the server refuses the name as sent. */
  return wire != NULL ? wire : g_strdup (path);
}

char *
_petrel_folder_wire_name (PetrelImapClient        *client,
                          const PetrelStoreFolder *folder)
{
  if (folder->raw_path != NULL && *folder->raw_path != '\0')
    return g_strdup (folder->raw_path);
  return _petrel_path_wire_name (client, folder->path);
}

char *
_petrel_store_wire_name (PetrelImapClient *client,
                         PetrelStore      *store,
                         const char       *path)
{
  g_autoptr(PetrelStoreFolder) folder = NULL;

  if (path == NULL)
    return NULL;
  folder = petrel_store_get_folder_by_path (store, path, NULL);
  if (folder != NULL)
    return _petrel_folder_wire_name (client, folder);
  return _petrel_path_wire_name (client, path);
}

void
_petrel_wait_clear (PetrelWait *wait)
{
  g_clear_object (&wait->result);
}

static void
report (SyncRun         *run,
        PetrelSyncPhase  phase,
        const char      *folder,
        guint64          done,
        guint64          total)
{
  if (run->progress_func != NULL)
    run->progress_func (phase, folder, done, total, run->progress_data);
}

static PetrelImapSecurity
imap_security_for (PetrelConnectionSecurity security)
{
  switch (security)
    {
    case PETREL_CONNECTION_SECURITY_TLS:
      return PETREL_IMAP_SECURITY_TLS;
    case PETREL_CONNECTION_SECURITY_STARTTLS:
      return PETREL_IMAP_SECURITY_STARTTLS;
    case PETREL_CONNECTION_SECURITY_NONE:
    default:
      return PETREL_IMAP_SECURITY_NONE;
    }
}

static void
on_tls_connection_created_cb (PetrelImapClient   *client,
                              GTlsClientConnection *connection,
                              gpointer            user_data)
{
  SyncRun *run = user_data;

  /* Pinned certificates of this account are accepted for their host only. */
  g_autoptr(PetrelTlsCheck) check = petrel_tls_trust_attach (run->trust,
                                                             connection,
                                                             petrel_imap_client_get_host (client),
                                                             petrel_imap_client_get_port (client));
}

/* The secret is looked up (keyring over D-Bus, maybe an OAuth 2.0 token refresh) while the
 * client connects: TCP, TLS and CAPABILITY do not need it, and the client waits for it before
 * logging in (petrel_imap_client_set_credentials_pending()). */
static void
start_secret_lookup (SyncRun    *run,
                     PetrelWait *wait)
{
  PetrelAccountConfig *config = petrel_account_get_config (run->account);

  if (petrel_account_config_get_auth_mechanism (config) == PETREL_AUTH_MECHANISM_OAUTH2)
    petrel_oauth2_get_access_token_for_key_async (config,
                                                  petrel_account_get_secret_key (run->account),
                                                  petrel_account_get_credentials (run->account),
                                                  run->cancellable, _petrel_wait_cb, wait);
  else
    petrel_credentials_lookup_async (petrel_account_get_credentials (run->account),
                                     petrel_account_get_secret_key (run->account),
                                     PETREL_CREDENTIAL_SERVICE_IMAP, run->cancellable,
                                     _petrel_wait_cb, wait);
}

/* The password or token of start_secret_lookup(), or NULL with @error set. */
static char *
finish_secret_lookup (SyncRun     *run,
                      PetrelWait  *wait,
                      GError     **error)
{
  PetrelAccountConfig *config = petrel_account_get_config (run->account);
  g_autoptr(GError) local_error = NULL;
  GAsyncResult *result = _petrel_wait_for (wait);
  char *secret;

  if (petrel_account_config_get_auth_mechanism (config) == PETREL_AUTH_MECHANISM_OAUTH2)
    return petrel_oauth2_get_access_token_finish (result, error);

  secret = petrel_credentials_lookup_finish (petrel_account_get_credentials (run->account),
                                             result, &local_error);
  if (secret == NULL && local_error == NULL)
    g_set_error_literal (&local_error, PETREL_SYNC_ERROR, PETREL_SYNC_ERROR_FAILED,
                         _("No password for this account is in the keyring; add the account "
                           "again"));
  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return secret;
}

static PetrelImapClient *
new_client (SyncRun *run)
{
  PetrelAccountConfig *config = petrel_account_get_config (run->account);
  PetrelImapClient *client;

  client = petrel_imap_client_new (petrel_account_config_get_imap_host (config),
                                   petrel_account_config_get_imap_port (config),
                                   imap_security_for (petrel_account_config_get_imap_security (config)));
  petrel_imap_client_set_tls_database (client, petrel_tls_trust_get_database (run->trust));
  g_signal_connect (client, "tls-connection-created",
                    G_CALLBACK (on_tls_connection_created_cb), run);
  petrel_imap_client_set_user (client,
                               petrel_account_config_get_login (config,
                                                                PETREL_ACCOUNT_SERVER_IMAP));
  /* Mailboxes are named by the server's own names (folders.raw_path), which need not be valid
   * modified UTF-7 (_petrel_folder_wire_name()). */
  petrel_imap_client_set_raw_mailbox_names (client, TRUE);
  /* COMPRESS saves bandwidth on slow links and costs CPU on both ends: on loopback it only
   * costs (a raw dump is 4–6 times slower with it in build-aux/bench). */
  if (petrel_host_is_loopback (petrel_account_config_get_imap_host (config)))
    petrel_imap_client_set_auto_compress (client, FALSE);

  {
    g_autofree char *spool = g_build_filename (petrel_store_get_directory (run->store),
                                               "tmp", NULL);
    if (g_mkdir_with_parents (spool, 0700) == 0)
      petrel_imap_client_set_spool_dir (client, spool);
  }

  return client;
}

static void
give_secret (SyncRun    *run,
             const char *secret)
{
  PetrelAccountConfig *config = petrel_account_get_config (run->account);

  if (petrel_account_config_get_auth_mechanism (config) == PETREL_AUTH_MECHANISM_OAUTH2)
    petrel_imap_client_set_oauth_token (run->client, secret);
  else
    petrel_imap_client_set_password (run->client, secret);
}

/* A connection kept waiting for the secret past this (a keyring asking to be unlocked) may
 * have been dropped by the server: if it failed, the secret in hand, connect once more. */
#define SECRET_WAIT_RETRY_US (5 * G_USEC_PER_SEC)

static gboolean
connect_client (SyncRun  *run,
                GError  **error)
{
  PetrelAccountConfig *config = petrel_account_get_config (run->account);
  g_autoptr(PetrelOAuth2Provider) provider = NULL;
  g_autoptr(GError) connect_error = NULL;
  g_autofree char *secret = NULL;
  PetrelWait secret_wait = { run->context, NULL };
  PetrelWait wait = { run->context, NULL };
  gint64 started, secret_wait_us;
  gboolean ok;

  report (run, PETREL_SYNC_PHASE_CONNECTING, NULL, 0, 0);

  run->trust = petrel_tls_trust_new (config, error);
  if (run->trust == NULL)
    return FALSE;

  if (!petrel_account_config_may_send_password (config, PETREL_ACCOUNT_SERVER_IMAP, error))
    return FALSE;

  if (petrel_account_config_get_auth_mechanism (config) == PETREL_AUTH_MECHANISM_OAUTH2)
    {
      provider = petrel_oauth2_dup_account_provider (config, error);
      if (provider == NULL)
        return FALSE;
    }

  started = g_get_monotonic_time ();
  start_secret_lookup (run, &secret_wait);

  run->client = new_client (run);
  if (provider != NULL)
    petrel_imap_client_set_auth_mechanism (run->client,
                                           petrel_oauth2_provider_get_mechanism (provider) ==
                                           PETREL_OAUTH2_MECHANISM_OAUTHBEARER
                                             ? PETREL_IMAP_AUTH_OAUTHBEARER
                                             : PETREL_IMAP_AUTH_XOAUTH2);
  petrel_imap_client_set_credentials_pending (run->client, TRUE);
  petrel_imap_client_connect_async (run->client, run->cancellable, _petrel_wait_cb, &wait);

  /* A missing or unreadable secret is reported as before the connection ran in parallel,
   * whatever became of the connection meanwhile. */
  secret = finish_secret_lookup (run, &secret_wait, error);
  _petrel_wait_clear (&secret_wait);
  secret_wait_us = g_get_monotonic_time () - started;
  if (secret == NULL)
    {
      petrel_imap_client_close (run->client);
      _petrel_wait_for (&wait);
      _petrel_wait_clear (&wait);
      return FALSE;
    }

  give_secret (run, secret);
  petrel_imap_client_set_credentials_pending (run->client, FALSE);
  ok = petrel_imap_client_connect_finish (run->client, _petrel_wait_for (&wait), &connect_error);
  _petrel_wait_clear (&wait);

  /* Only a connection that waited long for the secret: one that failed on its own (a server
   * that never answers the handshake) is not tried again behind the person's back. */
  if (!ok && secret_wait_us > SECRET_WAIT_RETRY_US &&
      !g_error_matches (connect_error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
      !g_error_matches (connect_error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_AUTH) &&
      !g_cancellable_is_cancelled (run->cancellable))
    {
      PetrelImapAuthMechanism mechanism = petrel_imap_client_get_auth_mechanism (run->client);

      g_debug ("connecting again, the first connection waited for the secret: %s",
               connect_error->message);
      g_clear_error (&connect_error);
      g_clear_object (&run->client);
      run->client = new_client (run);
      petrel_imap_client_set_auth_mechanism (run->client, mechanism);
      give_secret (run, secret);
      petrel_imap_client_connect_async (run->client, run->cancellable, _petrel_wait_cb, &wait);
      ok = petrel_imap_client_connect_finish (run->client, _petrel_wait_for (&wait),
                                              &connect_error);
      _petrel_wait_clear (&wait);
    }
  petrel_credentials_secret_free (g_steal_pointer (&secret));
  if (!ok)
    {
      g_propagate_error (error, g_steal_pointer (&connect_error));
      return FALSE;
    }

  if (petrel_imap_client_has_capability (run->client, "CONDSTORE") ||
      petrel_imap_client_has_capability (run->client, "QRESYNC"))
    {
      static const char *wanted[] = { "CONDSTORE", "QRESYNC", NULL };
      g_auto(GStrv) enabled = NULL;

      petrel_imap_client_enable_async (run->client, wanted, run->cancellable, _petrel_wait_cb, &wait);
      enabled = petrel_imap_client_enable_finish (run->client, _petrel_wait_for (&wait), error);
      _petrel_wait_clear (&wait);
      if (enabled == NULL)
        return FALSE;
    }

  run->qresync = petrel_imap_client_is_enabled (run->client, "QRESYNC");
  run->condstore = run->qresync ||
                   petrel_imap_client_is_enabled (run->client, "CONDSTORE") ||
                   petrel_imap_client_has_capability (run->client, "CONDSTORE");

  return TRUE;
}

/* ---- folders ---------------------------------------------------------------------------- */

static PetrelStoreFolderRole
role_for (const PetrelImapMailboxInfo *info)
{
  static const struct { const char *name; PetrelStoreFolderRole role; } by_name[] = {
    { "sent", PETREL_STORE_FOLDER_ROLE_SENT },
    { "sent items", PETREL_STORE_FOLDER_ROLE_SENT },
    { "sent messages", PETREL_STORE_FOLDER_ROLE_SENT },
    { "sent mail", PETREL_STORE_FOLDER_ROLE_SENT },
    { "gesendet", PETREL_STORE_FOLDER_ROLE_SENT },
    { "envoyés", PETREL_STORE_FOLDER_ROLE_SENT },
    { "drafts", PETREL_STORE_FOLDER_ROLE_DRAFTS },
    { "draft", PETREL_STORE_FOLDER_ROLE_DRAFTS },
    { "entwürfe", PETREL_STORE_FOLDER_ROLE_DRAFTS },
    { "brouillons", PETREL_STORE_FOLDER_ROLE_DRAFTS },
    { "trash", PETREL_STORE_FOLDER_ROLE_TRASH },
    { "deleted items", PETREL_STORE_FOLDER_ROLE_TRASH },
    { "deleted messages", PETREL_STORE_FOLDER_ROLE_TRASH },
    { "papierkorb", PETREL_STORE_FOLDER_ROLE_TRASH },
    { "corbeille", PETREL_STORE_FOLDER_ROLE_TRASH },
    { "junk", PETREL_STORE_FOLDER_ROLE_JUNK },
    { "spam", PETREL_STORE_FOLDER_ROLE_JUNK },
    { "junk e-mail", PETREL_STORE_FOLDER_ROLE_JUNK },
    { "bulk mail", PETREL_STORE_FOLDER_ROLE_JUNK },
    { "archive", PETREL_STORE_FOLDER_ROLE_ARCHIVE },
    { "archives", PETREL_STORE_FOLDER_ROLE_ARCHIVE },
    { "archiv", PETREL_STORE_FOLDER_ROLE_ARCHIVE },
  };
  const char *leaf;
  g_autofree char *folded = NULL;

  if (g_ascii_strcasecmp (info->name, "INBOX") == 0)
    return PETREL_STORE_FOLDER_ROLE_INBOX;
  if (info->attributes & PETREL_IMAP_MAILBOX_SENT)
    return PETREL_STORE_FOLDER_ROLE_SENT;
  if (info->attributes & PETREL_IMAP_MAILBOX_DRAFTS)
    return PETREL_STORE_FOLDER_ROLE_DRAFTS;
  if (info->attributes & PETREL_IMAP_MAILBOX_TRASH)
    return PETREL_STORE_FOLDER_ROLE_TRASH;
  if (info->attributes & PETREL_IMAP_MAILBOX_JUNK)
    return PETREL_STORE_FOLDER_ROLE_JUNK;
  if (info->attributes & PETREL_IMAP_MAILBOX_ARCHIVE)
    return PETREL_STORE_FOLDER_ROLE_ARCHIVE;

  /* No SPECIAL-USE: well-known names, at the top level or right under INBOX. */
  leaf = info->name;
  if (info->delimiter != '\0')
    {
      const char *delim = strrchr (info->name, info->delimiter);
      gsize prefix = delim != NULL ? (gsize) (delim - info->name) : 0;

      if (delim != NULL && !(prefix == 5 && g_ascii_strncasecmp (info->name, "INBOX", 5) == 0))
        return PETREL_STORE_FOLDER_ROLE_NONE;
      if (delim != NULL)
        leaf = delim + 1;
    }

  folded = g_utf8_casefold (leaf, -1);
  for (guint i = 0; i < G_N_ELEMENTS (by_name); i++)
    if (g_strcmp0 (folded, by_name[i].name) == 0)
      return by_name[i].role;

  return PETREL_STORE_FOLDER_ROLE_NONE;
}

/* A role is given to one folder only: the first SPECIAL-USE one, else the first by name. */
static void
assign_roles (GPtrArray *entries,
              GArray    *roles)
{
  gboolean taken[PETREL_STORE_FOLDER_ROLE_ARCHIVE + 1] = { FALSE, };

  g_array_set_size (roles, entries->len);

  for (int pass = 0; pass < 2; pass++)
    for (guint i = 0; i < entries->len; i++)
      {
        PetrelImapListEntry *entry = g_ptr_array_index (entries, i);
        PetrelStoreFolderRole role = role_for (entry->info);
        gboolean special = (entry->info->attributes &
                            (PETREL_IMAP_MAILBOX_SENT | PETREL_IMAP_MAILBOX_DRAFTS |
                             PETREL_IMAP_MAILBOX_TRASH | PETREL_IMAP_MAILBOX_JUNK |
                             PETREL_IMAP_MAILBOX_ARCHIVE)) != 0 ||
                           role == PETREL_STORE_FOLDER_ROLE_INBOX;

        if (pass == 0)
          g_array_index (roles, PetrelStoreFolderRole, i) = PETREL_STORE_FOLDER_ROLE_NONE;
        if ((pass == 0) != special || role == PETREL_STORE_FOLDER_ROLE_NONE || taken[role])
          continue;
        taken[role] = TRUE;
        g_array_index (roles, PetrelStoreFolderRole, i) = role;
      }
}

static gboolean
is_selectable (const PetrelImapMailboxInfo *info)
{
  return (info->attributes & (PETREL_IMAP_MAILBOX_NOSELECT | PETREL_IMAP_MAILBOX_NONEXISTENT)) == 0;
}

static gboolean
is_inbox (const char *path)
{
  return g_ascii_strcasecmp (path, "INBOX") == 0;
}

/* Whether a sync of @only_folder (NULL: every folder) covers @entry. */
static gboolean
is_wanted (const PetrelImapListEntry *entry,
           const char                *only_folder)
{
  if (!is_selectable (entry->info))
    return FALSE;
  return only_folder == NULL || g_strcmp0 (entry->info->name, only_folder) == 0 ||
         (is_inbox (only_folder) && is_inbox (entry->info->name));
}

/* One STATUS of ask_status(). */
typedef struct
{
  SyncRun    *run;        /* borrowed */
  PetrelWait  wait;
  gboolean    finished;   /* status_ask_finish() took the answer */
} StatusAsk;

static StatusAsk *
status_ask_start (SyncRun               *run,
                  const char            *wire,
                  PetrelImapStatusItems  items)
{
  StatusAsk *ask = g_new0 (StatusAsk, 1);

  ask->run = run;
  ask->wait.context = run->context;
  petrel_imap_client_status_async (run->client, wire, items, run->cancellable, _petrel_wait_cb,
                                   &ask->wait);
  return ask;
}

/* (transfer full) (nullable): the status, or NULL when the server gave none (logged). */
static PetrelImapStatusInfo *
status_ask_finish (StatusAsk  *ask,
                   const char *path)
{
  g_autoptr(GError) error = NULL;
  PetrelImapStatusInfo *status;

  status = petrel_imap_client_status_finish (ask->run->client, _petrel_wait_for (&ask->wait),
                                             &error);
  _petrel_wait_clear (&ask->wait);
  ask->finished = TRUE;
  if (status == NULL)
    g_debug ("No STATUS of “%s”: %s", path, error->message);
  return status;
}

/* Waits for the answer (the command refers to @ask) before freeing. */
static void
status_ask_free (StatusAsk *ask)
{
  if (ask == NULL)
    return;
  if (!ask->finished)
    _petrel_wait_for (&ask->wait);
  _petrel_wait_clear (&ask->wait);
  g_free (ask);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StatusAsk, status_ask_free)

static PetrelImapStatusItems
status_items (SyncRun *run)
{
  return PETREL_IMAP_STATUS_MESSAGES | PETREL_IMAP_STATUS_UIDNEXT |
         PETREL_IMAP_STATUS_UIDVALIDITY | (run->condstore ? PETREL_IMAP_STATUS_HIGHESTMODSEQ : 0);
}

/* A STATUS of the selected mailbox may answer with what this session was told rather than
 * what the server holds (RFC 3501 says not to ask it). So the mailbox replaying local changes
 * left selected is left; a server that cannot (no UNSELECT) is not asked its STATUS (the
 * folder is then selected again and compared in full).
 * Returns: (nullable): the name of the mailbox still selected */
static char *
leave_selected (SyncRun *run)
{
  PetrelWait wait = { run->context, NULL };
  const PetrelImapMailboxState *selected;
  gboolean ok;

  if (petrel_imap_client_get_state (run->client) != PETREL_IMAP_CLIENT_STATE_SELECTED)
    return NULL;

  petrel_imap_client_unselect_async (run->client, run->cancellable, _petrel_wait_cb, &wait);
  ok = petrel_imap_client_unselect_finish (run->client, _petrel_wait_for (&wait), NULL);
  _petrel_wait_clear (&wait);
  selected = petrel_imap_client_get_selected (run->client);

  return !ok && selected != NULL ? g_strdup (selected->name) : NULL;
}

static gboolean
same_wire_name (const char *a,
                const char *b)
{
  return a != NULL && b != NULL &&
         (g_strcmp0 (a, b) == 0 || (is_inbox (a) && is_inbox (b)));
}

/* The STATUS of INBOX, asked before the folder list (see ask_status()); NULL when a sync of
 * @only_folder does not cover INBOX, or it is @selected. */
static StatusAsk *
ask_inbox_status (SyncRun    *run,
                  const char *only_folder,
                  const char *selected)
{
  if ((only_folder != NULL && !is_inbox (only_folder)) || same_wire_name (selected, "INBOX"))
    return NULL;
  return status_ask_start (run, "INBOX", status_items (run));
}

/* Sets the status of every entry a sync of @only_folder covers, with one STATUS command
 * each, all sent at once: what folder_is_current() compares with the cache. Not with LIST …
 * RETURN (STATUS …), which Dovecot 2.3 answers ten times slower (#4: 100 ms against 7 with a
 * 100,000-message INBOX, most of a no-change sync), and without which a server lacking
 * LIST-STATUS could not tell an unchanged folder at all. INBOX's was asked before the LIST
 * (@inbox, which this takes): Dovecot answers a STATUS of a big INBOX in 7 ms as the session's
 * first look at a mailbox, in ~100 ms after a LIST or another folder's STATUS. A STATUS that
 * fails leaves the entry without one: the folder is then selected, which says what is wrong. */
static void
ask_status (SyncRun     *run,
            GPtrArray   *entries,
            const char  *only_folder,
            const char  *selected,
            StatusAsk   *inbox)
{
  g_autoptr(StatusAsk) unused_inbox = inbox;
  g_autoptr(GPtrArray) asks = g_ptr_array_new_with_free_func ((GDestroyNotify) status_ask_free);

  for (guint i = 0; i < entries->len; i++)
    {
      PetrelImapListEntry *entry = g_ptr_array_index (entries, i);
      g_autofree char *wire = NULL;
      StatusAsk *ask = NULL;

      if (unused_inbox != NULL && is_inbox (entry->info->name))
        ask = g_steal_pointer (&unused_inbox);
      else if (is_wanted (entry, only_folder))
        {
          wire = _petrel_store_wire_name (run->client, run->store, entry->info->name);
          if (!same_wire_name (wire, selected))
            ask = status_ask_start (run, wire, status_items (run));
        }
      g_ptr_array_add (asks, ask);
    }

  for (guint i = 0; i < entries->len; i++)
    {
      PetrelImapListEntry *entry = g_ptr_array_index (entries, i);
      StatusAsk *ask = g_ptr_array_index (asks, i);

      if (ask != NULL && is_wanted (entry, only_folder))
        {
          g_clear_pointer (&entry->status, petrel_imap_status_info_free);
          entry->status = status_ask_finish (ask, entry->info->name);
        }
    }
}

static GPtrArray *
list_folders (SyncRun  *run,
              GError  **error)
{
  PetrelWait wait = { run->context, NULL };
  GPtrArray *entries;

  /* Without STATUS: see ask_status(). */
  report (run, PETREL_SYNC_PHASE_FOLDERS, NULL, 0, 0);
  petrel_imap_client_list_async (run->client, "", "*", PETREL_IMAP_LIST_SPECIAL_USE, 0,
                                 run->cancellable, _petrel_wait_cb, &wait);
  entries = petrel_imap_client_list_finish (run->client, _petrel_wait_for (&wait), error);
  _petrel_wait_clear (&wait);

  return entries;
}

/* Gives every listed mailbox the path Petrel keys it by and shows (info->name; the server's
 * name stays in info->raw_name): its name decoded, with U+FFFD for what does not decode (raw
 * 8-bit bytes that are not UTF-8, a broken “&…-” sequence). Names that are the exact encoding
 * of their path claim it first; a name that decodes to a path already claimed (two raw names,
 * one string) gets “ (2)”, “ (3)”… after it: the one it had in the store if that is free (so a
 * folder keeps its path and cache whatever order the server lists them in), else the first
 * free one in the server's order. */
static void
assign_paths (SyncRun   *run,
              GPtrArray *entries)
{
  gboolean utf8 = petrel_imap_client_is_enabled (run->client, "UTF8=ACCEPT");
  g_autoptr(GHashTable) taken = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) stored = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) local = petrel_store_list_folders (run->store, NULL);
  g_autoptr(GPtrArray) paths = g_ptr_array_new_full (entries->len, g_free);
  g_autoptr(GArray) exact = g_array_sized_new (FALSE, TRUE, sizeof (gboolean), entries->len);

  /* Sized, not only reserved: g_array_index() below writes and reads every entry. */
  g_array_set_size (exact, entries->len);
  for (guint i = 0; local != NULL && i < local->len; i++)
    {
      PetrelStoreFolder *folder = g_ptr_array_index (local, i);

      if (folder->raw_path != NULL)
        g_hash_table_insert (stored, folder->raw_path, folder->path);
    }

  for (guint i = 0; i < entries->len; i++)
    {
      PetrelImapMailboxInfo *info = ((PetrelImapListEntry *) g_ptr_array_index (entries, i))->info;
      g_autofree char *encoded = NULL;
      gboolean lossy = FALSE;
      char *path;

      if (g_ascii_strcasecmp (info->raw_name, "INBOX") == 0)
        path = g_strdup ("INBOX");
      else if (utf8)
        {
          lossy = !g_utf8_validate (info->raw_name, -1, NULL);
          path = g_utf8_make_valid (info->raw_name, -1);
        }
      else
        path = petrel_imap_utf7_decode_lossy (info->raw_name, &lossy);

      if (!lossy)
        encoded = petrel_imap_client_encode_mailbox (run->client, path, NULL);
      g_ptr_array_add (paths, path);
      g_array_index (exact, gboolean, i) = g_strcmp0 (encoded, info->raw_name) == 0 ||
                                           g_strcmp0 (path, "INBOX") == 0;
    }

  /* Exact names first, then names with their path from before, then new ones. */
  for (int pass = 0; pass < 3; pass++)
    for (guint i = 0; i < entries->len; i++)
      {
        PetrelImapMailboxInfo *info =
          ((PetrelImapListEntry *) g_ptr_array_index (entries, i))->info;
        const char *path = g_ptr_array_index (paths, i);
        const char *before = g_hash_table_lookup (stored, info->raw_name);
        int kind;
        char *claimed;

        if (before != NULL && !g_str_has_prefix (before, path))
          before = NULL;   /* not a path this name can have */
        kind = g_array_index (exact, gboolean, i) ? 0 : before != NULL ? 1 : 2;
        if (kind != pass)
          continue;
        if (kind == 1 && !g_hash_table_contains (taken, before))
          claimed = g_strdup (before);
        else
          claimed = g_strdup (path);
        for (guint n = 2; g_hash_table_contains (taken, claimed); n++)
          {
            g_free (claimed);
            claimed = g_strdup_printf ("%s (%u)", path, n);
          }
        if (g_strcmp0 (claimed, info->name) != 0)
          g_debug ("Mailbox “%s” is shown as “%s”", info->name, claimed);
        g_hash_table_add (taken, g_strdup (claimed));
        g_free (info->name);
        info->name = claimed;
      }
}

/* Writes the server's folder list into the store: new folders added, attributes, roles and
 * server names updated, folders gone from the server removed with their cached messages. */
static gboolean
store_folders (SyncRun    *run,
               GPtrArray  *entries,
               GError    **error)
{
  g_autoptr(GArray) roles = g_array_new (FALSE, TRUE, sizeof (PetrelStoreFolderRole));
  g_autoptr(GPtrArray) local = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  assign_paths (run, entries);
  assign_roles (entries, roles);

  for (guint i = 0; i < entries->len; i++)
    {
      PetrelImapListEntry *entry = g_ptr_array_index (entries, i);
      g_autoptr(PetrelStoreFolder) folder = petrel_store_folder_new (entry->info->name);
      char delimiter[2] = { entry->info->delimiter, '\0' };

      if (!is_selectable (entry->info))
        continue;

      g_hash_table_add (seen, entry->info->name);
      folder->delimiter = entry->info->delimiter != '\0' ? g_strdup (delimiter) : NULL;
      folder->role = g_array_index (roles, PetrelStoreFolderRole, i);
      folder->attributes = entry->info->raw_attributes != NULL
        ? g_strjoinv (" ", entry->info->raw_attributes) : NULL;
      folder->subscribed = (entry->info->attributes & PETREL_IMAP_MAILBOX_SUBSCRIBED) != 0 ||
                           folder->role == PETREL_STORE_FOLDER_ROLE_INBOX;
      folder->raw_path = g_strdup (entry->info->raw_name);

      if (!petrel_store_upsert_folder (run->store, folder, NULL, error))
        return FALSE;
    }

  local = petrel_store_list_folders (run->store, error);
  if (local == NULL)
    return FALSE;

  for (guint i = 0; i < local->len; i++)
    {
      PetrelStoreFolder *folder = g_ptr_array_index (local, i);

      if (!g_hash_table_contains (seen, folder->path))
        {
          g_debug ("Folder “%s” is gone from the server; dropping it", folder->path);
          if (!petrel_store_delete_folder (run->store, folder->id, error))
            return FALSE;
        }
    }

  return TRUE;
}

/* ---- messages --------------------------------------------------------------------------- */

static gboolean
part_is_attachment (const PetrelImapBodyPart *part)
{
  const char *filename;

  if (part->n_children > 0)
    {
      for (guint i = 0; i < part->n_children; i++)
        if (part_is_attachment (part->children[i]))
          return TRUE;
      return FALSE;
    }

  if (part->disposition != NULL && g_ascii_strcasecmp (part->disposition, "attachment") == 0)
    return TRUE;

  if (petrel_imap_body_part_is (part, "message", "rfc822"))
    return TRUE;

  filename = NULL;
  for (guint i = 0; i < part->n_disposition_params && filename == NULL; i++)
    if (g_ascii_strncasecmp (part->disposition_params[i].name, "filename", 8) == 0)
      filename = part->disposition_params[i].value;
  if (filename == NULL)
    filename = petrel_imap_body_part_get_param (part, "name");

  /* A named part that is not shown in place (inline images of an HTML body are not
   * attachments; a PDF with a name is). */
  if (filename != NULL && !petrel_imap_body_part_is (part, "text", NULL) &&
      !(part->id != NULL && petrel_imap_body_part_is (part, "image", NULL) &&
        part->parent != NULL && petrel_imap_body_part_is (part->parent, "multipart", "related")))
    return TRUE;

  return FALSE;
}

static char *
bracket_id (const char *id)
{
  if (id == NULL || *id == '\0')
    return NULL;
  return g_strdup_printf ("<%s>", id);
}

/* What the FETCH itself says; message_add_summary() adds what the header block says. */
static PetrelStoreMessage *
message_from_fetch (gint64                 folder_id,
                    const PetrelImapFetch *fetch)
{
  PetrelStoreMessage *message = petrel_store_message_new ();

  message->folder_id = folder_id;
  message->uid = fetch->uid;
  message->modseq = fetch->modseq;
  message->flags = petrel_store_flags_parse (fetch->flags, &message->keywords);
  message->internal_date = fetch->internaldate;
  message->size = (gint64) fetch->rfc822_size;
  message->has_attachments = fetch->body != NULL && part_is_attachment (fetch->body);

  return message;
}

static void
message_add_summary (PetrelStoreMessage *message,
                     GBytes             *header)
{
  g_autoptr(PetrelMimeSummary) summary = NULL;

  summary = header != NULL ? petrel_mime_summary_new_from_bytes (header, message->internal_date)
                           : NULL;
  if (summary != NULL)
    {
      message->date = summary->date;
      message->subject = g_strdup (summary->subject);
      message->from_name = g_strdup (summary->from_name);
      message->from_addr = g_strdup (summary->from_address);
      message->to_text = g_strdup (summary->to_display);
      message->cc_text = g_strdup (summary->cc_display);
      message->message_id = bracket_id (summary->message_id);
      message->in_reply_to = bracket_id (summary->in_reply_to);
      if (summary->references != NULL && summary->references[0] != NULL)
        {
          GString *refs = g_string_new (NULL);

          for (guint i = 0; summary->references[i] != NULL; i++)
            g_string_append_printf (refs, "%s<%s>", i > 0 ? " " : "", summary->references[i]);
          message->references_text = g_string_free (refs, FALSE);
        }
    }
  if (message->date == 0)
    message->date = message->internal_date;
}

/* ---- storing beside fetching ------------------------------------------------------------
 *
 * Parsing headers and bodies, writing message files and committing batches takes about as
 * long as receiving them (#4). So a sync hands each fetched batch to a store thread and asks
 * for the next one at once: the network, the IMAP parser and the store work at the same
 * time. At most STORE_QUEUE_MAX batches wait, which bounds the memory held. The first failure
 * (a full disk…) stops the thread from storing more and the sync from asking for more; a
 * folder's sync state is recorded only after the thread has stored everything it covers. */

#define STORE_QUEUE_MAX 2
/* Header chunks are small (summaries only) and join in group commits: more may wait. */
#define STORE_QUEUE_MAX_MERGEABLE 6

typedef gboolean (*StoreJobFunc) (PetrelStore  *store,
                                  gpointer      data,
                                  GError      **error);

/* Moves what @from holds into @into, which must then do both jobs' work; FALSE when they
 * cannot be joined (@from is left as it was). */
typedef gboolean (*StoreJobMergeFunc) (gpointer into,
                                       gpointer from);

typedef struct
{
  StoreJobFunc       func;        /* NULL: the thread ends */
  gpointer           data;        /* owned */
  GDestroyNotify     free_func;
  StoreJobMergeFunc  merge_func;  /* nullable: jobs of the same func queued behind this one
                                   * join it, in one transaction (see store_worker_thread()) */
} StoreJob;

typedef struct
{
  PetrelStore *store;     /* borrowed */
  GThread     *thread;
  GMutex       lock;
  GCond        cond;
  GQueue       jobs;      /* StoreJob, guarded by lock */
  guint        pending;   /* jobs queued or running, guarded by lock */
  GError      *error;     /* the first failure, guarded by lock */
} StoreWorker;

static void
store_job_free (StoreJob *job)
{
  if (job->free_func != NULL)
    job->free_func (job->data);
  g_free (job);
}

static gpointer
store_worker_thread (gpointer user_data)
{
  StoreWorker *worker = user_data;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      StoreJob *job;
      StoreJob *next;
      guint merged = 0;
      gboolean failed;

      g_mutex_lock (&worker->lock);
      while (g_queue_is_empty (&worker->jobs))
        g_cond_wait (&worker->cond, &worker->lock);
      job = g_queue_pop_head (&worker->jobs);
      failed = worker->error != NULL;

      /* Group commit: the jobs of the same kind that queued up while the previous one ran
       * join this one. A store thread that keeps up commits each chunk as it comes, so a
       * list fills progressively; one that falls behind commits several at once, rather than
       * paying again, for every chunk, to rewrite the pages its random inserts touched (#4:
       * the Message-ID and subject indexes were half of what a headers-only sync wrote). */
      while (job->func != NULL && job->merge_func != NULL && !failed &&
             (next = g_queue_peek_head (&worker->jobs)) != NULL &&
             next->func == job->func && job->merge_func (job->data, next->data))
        {
          store_job_free (g_queue_pop_head (&worker->jobs));
          merged++;
        }
      g_mutex_unlock (&worker->lock);

      if (job->func == NULL)
        {
          store_job_free (job);
          return NULL;
        }

      /* After a failure the rest is dropped: it would be fetched again by the next sync. */
      if (!failed)
        job->func (worker->store, job->data, &error);
      store_job_free (job);

      g_mutex_lock (&worker->lock);
      if (error != NULL && worker->error == NULL)
        worker->error = g_steal_pointer (&error);
      worker->pending -= 1 + merged;
      g_cond_broadcast (&worker->cond);
      g_mutex_unlock (&worker->lock);
    }
}

static StoreWorker *
store_worker_new (PetrelStore *store)
{
  StoreWorker *worker = g_new0 (StoreWorker, 1);

  worker->store = store;
  g_mutex_init (&worker->lock);
  g_cond_init (&worker->cond);
  g_queue_init (&worker->jobs);
  worker->thread = g_thread_new ("petrel-sync-store", store_worker_thread, worker);

  return worker;
}

/* Queues a job, first waiting while STORE_QUEUE_MAX (STORE_QUEUE_MAX_MERGEABLE for a job with
 * a @merge_func) are queued. FALSE (and the job freed)
 * once an earlier job has failed; that error comes from store_worker_drain().
 * @merge_func: (nullable): lets queued jobs of the same @func join this one */
static gboolean
store_worker_push_full (StoreWorker       *worker,
                        StoreJobFunc       func,
                        gpointer           data,
                        GDestroyNotify     free_func,
                        StoreJobMergeFunc  merge_func)
{
  StoreJob *job = g_new0 (StoreJob, 1);
  gboolean ok;

  job->func = func;
  job->data = data;
  job->free_func = free_func;
  job->merge_func = merge_func;

  g_mutex_lock (&worker->lock);
  while (worker->error == NULL &&
         worker->pending > (merge_func != NULL ? STORE_QUEUE_MAX_MERGEABLE : STORE_QUEUE_MAX))
    g_cond_wait (&worker->cond, &worker->lock);
  ok = worker->error == NULL;
  if (ok)
    {
      worker->pending++;
      g_queue_push_tail (&worker->jobs, job);
      g_cond_broadcast (&worker->cond);
    }
  g_mutex_unlock (&worker->lock);

  if (!ok)
    store_job_free (job);

  return ok;
}

static gboolean
store_worker_push (StoreWorker    *worker,
                   StoreJobFunc    func,
                   gpointer        data,
                   GDestroyNotify  free_func)
{
  return store_worker_push_full (worker, func, data, free_func, NULL);
}

/* Waits until every queued job is done; fails with the first job's failure, which stays. */
static gboolean
store_worker_drain (StoreWorker  *worker,
                    GError      **error)
{
  gboolean ok;

  g_mutex_lock (&worker->lock);
  while (worker->pending > 0)
    g_cond_wait (&worker->cond, &worker->lock);
  ok = worker->error == NULL;
  if (!ok)
    g_propagate_error (error, g_error_copy (worker->error));
  g_mutex_unlock (&worker->lock);

  return ok;
}

static void
store_worker_free (StoreWorker *worker)
{
  StoreJob *quit = g_new0 (StoreJob, 1);

  /* The end marker goes after every queued job, which therefore still runs (or is dropped
   * after a failure) before the thread ends. */
  g_mutex_lock (&worker->lock);
  g_queue_push_tail (&worker->jobs, quit);
  g_cond_broadcast (&worker->cond);
  g_mutex_unlock (&worker->lock);
  g_thread_join (worker->thread);

  g_clear_error (&worker->error);
  g_mutex_clear (&worker->lock);
  g_cond_clear (&worker->cond);
  g_free (worker);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StoreWorker, store_worker_free)

/* Parsed headers go to the store thread in chunks as they arrive, rather than when their
 * FETCH ends: the store then works beside the whole fetch, and what is left to store after
 * the last response is one small chunk, not a whole batch (#4: that tail was a sixth of a
 * 10,000-message headers-only sync). A chunk is a quarter of what the sync has still to
 * receive, within these bounds: each commit rewrites the pages its random inserts touched
 * (Message-IDs, conversations), so big chunks cost less, and small ones end the sync sooner. */
#define HEADER_CHUNK_MIN 250
#define HEADER_CHUNK_MAX 2000

typedef struct _HeaderFetch HeaderFetch;

typedef struct
{
  gint64       folder_id;
  GPtrArray   *messages;      /* owned, PetrelStoreMessage */
  GError      *error;         /* first per-message problem, kept for the log only */
  StoreWorker *worker;        /* borrowed; NULL in the chunks handed to it */
  HeaderFetch *fetch;         /* borrowed: the FETCH filling it; NULL in chunks */
  guint        to_receive;    /* messages of the sync not received yet */
  gboolean     store_failed;  /* the worker refused a chunk: keep no more */
} HeaderBatch;

static void header_fetch_received (HeaderFetch *fetch);

static void
header_batch_free (HeaderBatch *batch)
{
  g_clear_pointer (&batch->messages, g_ptr_array_unref);
  g_clear_error (&batch->error);
  g_free (batch);
}

/* A new batch holding what @batch received so far, which starts empty again. */
static HeaderBatch *
header_batch_take_chunk (HeaderBatch *batch)
{
  HeaderBatch *chunk = g_new0 (HeaderBatch, 1);

  chunk->folder_id = batch->folder_id;
  chunk->messages = g_steal_pointer (&batch->messages);
  batch->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) petrel_store_message_free);
  return chunk;
}

static gboolean
store_header_batch (PetrelStore  *store,
                    gpointer      data,
                    GError      **error)
{
  HeaderBatch *batch = data;

  return petrel_store_upsert_messages (store, batch->messages, error);
}

/* At most this many summaries in one transaction of a group commit. */
#define HEADER_MERGE_MAX 8000

static gboolean
merge_header_batch (gpointer into,
                    gpointer from)
{
  HeaderBatch *a = into;
  HeaderBatch *b = from;

  if (a->folder_id != b->folder_id || a->messages->len + b->messages->len > HEADER_MERGE_MAX)
    return FALSE;

  g_ptr_array_extend_and_steal (a->messages, g_steal_pointer (&b->messages));
  return TRUE;
}

/* The header section of @fetch: HEADER_FIELDS however the server spells its field list, or
 * the whole header block some servers answer with instead (a summary reads either). */
static const PetrelImapFetchSection *
find_header_fields (const PetrelImapFetch *fetch)
{
  for (guint i = 0; i < fetch->n_sections; i++)
    if (fetch->sections[i].kind == PETREL_IMAP_SECTION_BODY &&
        g_ascii_strncasecmp (fetch->sections[i].section, "HEADER", 6) == 0)
      return &fetch->sections[i];
  return NULL;
}

static void
on_header_fetched_cb (PetrelImapClient      *client,
                      PetrelImapResponse    *response,
                      const PetrelImapFetch *fetch,
                      gpointer               user_data)
{
  HeaderBatch *batch = user_data;
  const PetrelImapFetchSection *section;
  g_autoptr(GBytes) header = NULL;
  PetrelStoreMessage *message;

  if ((fetch->items & PETREL_IMAP_FETCH_UID) == 0 || fetch->uid == 0)
    return;

  section = find_header_fields (fetch);
  if (section != NULL && section->value != NULL && !petrel_imap_value_is_nil (section->value))
    header = petrel_imap_value_load_bytes (section->value, batch->error ? NULL : &batch->error);

  message = message_from_fetch (batch->folder_id, fetch);

  /* Parsed here, on the fetching thread, while the store thread writes the previous batch:
   * that splits the work evenly between the two (#4). So is what threading needs. */
  message_add_summary (message, header);
  petrel_store_message_prepare_threading (message);
  if (batch->store_failed)
    {
      petrel_store_message_free (message);
      return;
    }
  g_ptr_array_add (batch->messages, message);
  if (batch->to_receive > 0)
    batch->to_receive--;
  if (batch->fetch != NULL)
    header_fetch_received (batch->fetch);

  if (batch->worker != NULL &&
      batch->messages->len >= CLAMP (batch->to_receive / 4, HEADER_CHUNK_MIN, HEADER_CHUNK_MAX))
    {
      HeaderBatch *chunk = header_batch_take_chunk (batch);

      /* Waits while the store thread is STORE_QUEUE_MAX_MERGEABLE chunks behind, which holds
       * back reading the rest of the response and so bounds memory. */
      if (!store_worker_push_full (batch->worker, store_header_batch, chunk,
                                   (GDestroyNotify) header_batch_free, merge_header_batch))
        batch->store_failed = TRUE;
    }
}

static gint
compare_uid_desc (gconstpointer a,
                  gconstpointer b)
{
  guint32 ua = *(const guint32 *) a;
  guint32 ub = *(const guint32 *) b;

  return ua < ub ? 1 : (ua > ub ? -1 : 0);
}

/* The next header FETCH is sent when the one before has this many messages left to come:
 * the server goes from one to the next without waiting for a round trip or for our hand-over
 * between batches (#4: a few milliseconds each, a tenth of a headers-only sync), and the two
 * overlap little. Dovecot runs pipelined FETCHes side by side, interleaving their responses:
 * with every FETCH of a folder sent at once, the last ones ended together with the first,
 * and the store got most of the folder at the end. */
#define HEADER_FETCH_LEAD 100

typedef struct _HeaderFetches HeaderFetches;

/* One header FETCH of fetch_headers(). */
struct _HeaderFetch
{
  HeaderFetches *all;       /* borrowed */
  HeaderBatch   *batch;     /* owned until handed to the store thread */
  guint          start;     /* its first UID's index in the folder's UIDs */
  guint          end;       /* the index after its last */
  gboolean       ended;     /* its tagged response came */
};

/* The header FETCHes of a folder. */
struct _HeaderFetches
{
  SyncRun     *run;         /* borrowed */
  const char  *path;
  const char  *items;
  gint64       folder_id;
  GArray      *uids;        /* borrowed, newest first */
  StoreWorker *worker;      /* borrowed */
  HeaderFetch *fetches;
  guint        n_fetches;
  guint        n_started;
  guint        n_ended;
  guint        head;        /* the first FETCH whose batch is not handed over yet */
  gboolean     stop;        /* a FETCH or the store failed: keep nothing more */
  GError      *error;       /* the first FETCH's failure */
};

static void on_header_fetch_done_cb (GObject      *source,
                                     GAsyncResult *result,
                                     gpointer      user_data);

/* Messages @fetch has still to receive (it may receive fewer: one expunged meanwhile). */
static guint
header_fetch_remaining (HeaderFetch *fetch)
{
  guint after = fetch->all->uids->len - fetch->end;

  if (fetch->ended || fetch->batch == NULL)
    return 0;
  return fetch->batch->to_receive > after ? fetch->batch->to_receive - after : 0;
}

static void
header_fetches_start_more (HeaderFetches *all)
{
  while (!all->stop && all->n_started < all->n_fetches &&
         (all->n_started == 0 ||
          header_fetch_remaining (&all->fetches[all->n_started - 1]) <= HEADER_FETCH_LEAD))
    {
      HeaderFetch *fetch = &all->fetches[all->n_started++];
      g_autoptr(PetrelImapSeqSet) set = NULL;

      set = petrel_imap_seqset_new_from_array (&g_array_index (all->uids, guint32, fetch->start),
                                               fetch->end - fetch->start);
      fetch->batch = g_new0 (HeaderBatch, 1);
      fetch->batch->folder_id = all->folder_id;
      fetch->batch->messages = g_ptr_array_new_with_free_func (
        (GDestroyNotify) petrel_store_message_free);
      /* Only the head hands chunks over as they come (on_header_fetched_cb()). */
      fetch->batch->worker = fetch == &all->fetches[all->head] ? all->worker : NULL;
      fetch->batch->fetch = fetch;
      fetch->batch->to_receive = all->uids->len - fetch->start;

      petrel_imap_client_uid_fetch_async (all->run->client, set, all->items, 0,
                                          PETREL_IMAP_FETCH_OPTION_NONE,
                                          on_header_fetched_cb, fetch->batch, NULL,
                                          all->run->cancellable, on_header_fetch_done_cb,
                                          fetch);
    }
}

static void
header_fetch_received (HeaderFetch *fetch)
{
  HeaderFetches *all = fetch->all;

  if (fetch == &all->fetches[all->n_started - 1])
    header_fetches_start_more (all);
}

/* Hands @batch to the store thread (it is then the thread's to free); FALSE when the thread
 * refused it after an earlier failure. */
static gboolean
push_header_batch (HeaderFetches *all,
                   HeaderBatch   *batch)
{
  batch->worker = NULL;
  batch->fetch = NULL;
  return store_worker_push_full (all->worker, store_header_batch, batch,
                                 (GDestroyNotify) header_batch_free, merge_header_batch);
}

/* Keeps nothing more: the commands still in flight end on their own (their callbacks use
 * their batches) and what they bring is dropped. Chunks already handed over are whole
 * messages and stay: the next sync fetches only what is missing. */
static void
header_fetches_stop (HeaderFetches *all)
{
  all->stop = TRUE;
  for (guint i = 0; i < all->n_started; i++)
    {
      if (all->fetches[i].batch != NULL)
        all->fetches[i].batch->store_failed = TRUE;
    }
}

/* Runs when a header FETCH's tagged response is read. The store takes the batches in the
 * order of the commands, newest first, whatever order the server interleaved them in: a
 * batch behind the head keeps what it receives until the batches before it are handed over.
 * (Stored in arrival order, the oldest messages showed before newer ones, and the order in
 * which messages were threaded, so which conversation a subject fell into, changed from run
 * to run.) */
static void
on_header_fetch_done_cb (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  HeaderFetch *fetch = user_data;
  HeaderFetches *all = fetch->all;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  ok = petrel_imap_client_uid_fetch_finish (PETREL_IMAP_CLIENT (source), result, NULL, &error);
  fetch->ended = TRUE;
  all->n_ended++;
  g_main_context_wakeup (all->run->context);

  if (fetch->batch->error != NULL)
    g_debug ("A header in “%s” could not be read: %s", all->path, fetch->batch->error->message);

  if (!ok && !all->stop)
    {
      all->error = g_steal_pointer (&error);
      header_fetches_stop (all);
    }

  while (!all->stop && all->head < all->n_started && all->fetches[all->head].ended)
    {
      HeaderFetch *head = &all->fetches[all->head];
      HeaderBatch *batch = g_steal_pointer (&head->batch);
      gboolean pushed = FALSE;

      /* A batch the worker refuses, it frees. */
      if (batch->store_failed)
        header_batch_free (batch);
      else
        pushed = push_header_batch (all, batch);
      if (!pushed)
        {
          header_fetches_stop (all);
          break;
        }
      report (all->run, PETREL_SYNC_PHASE_HEADERS, all->path, head->end, all->uids->len);
      all->head++;
    }

  /* The new head hands over what it holds, then its chunks as they come. */
  if (!all->stop && all->head < all->n_started)
    {
      HeaderBatch *batch = all->fetches[all->head].batch;

      batch->worker = all->worker;
      if (batch->messages->len > 0 && !push_header_batch (all, header_batch_take_chunk (batch)))
        header_fetches_stop (all);
    }

  header_fetches_start_more (all);
}

/* Headers of @uids (sorted newest first), in batches committed as they arrive, each batch's
 * FETCH sent before the previous one ends (HEADER_FETCH_LEAD). Each command's responses are
 * its own (by UID), and the responses are read no faster than the store thread takes them,
 * so memory stays bounded. */
static gboolean
fetch_headers (SyncRun     *run,
               const char  *path,
               gint64       folder_id,
               GArray      *uids,
               GError     **error)
{
  g_autoptr(StoreWorker) worker = store_worker_new (run->store);
  HeaderFetches all = { 0 };
  g_autofree HeaderFetch *fetches = NULL;

  report (run, PETREL_SYNC_PHASE_HEADERS, path, 0, uids->len);

  fetches = g_new0 (HeaderFetch, uids->len / HEADER_BATCH + 1);
  all.run = run;
  all.path = path;
  all.items = run->condstore ? HEADER_ITEMS_MODSEQ : HEADER_ITEMS;
  all.folder_id = folder_id;
  all.uids = uids;
  all.worker = worker;
  all.fetches = fetches;
  for (guint start = 0, size = HEADER_BATCH; start < uids->len;
       start += size, size = MIN (size * 2, HEADER_BATCH_MAX))
    {
      HeaderFetch *fetch = &fetches[all.n_fetches++];

      fetch->all = &all;
      fetch->start = start;
      fetch->end = start + MIN (size, uids->len - start);
    }

  header_fetches_start_more (&all);
  while (all.n_ended < all.n_started)
    g_main_context_iteration (run->context, TRUE);

  for (guint i = 0; i < all.n_started; i++)
    g_clear_pointer (&fetches[i].batch, header_batch_free);

  /* A store failure (say, a full disk) explains more than the fetch it interrupted. */
  if (!store_worker_drain (worker, error))
    {
      g_clear_error (&all.error);
      return FALSE;
    }
  if (all.error != NULL)
    {
      g_propagate_error (error, all.error);
      return FALSE;
    }

  return TRUE;
}

typedef struct
{
  guint32         uid;
  GBytes         *raw;
  PetrelMimeBody *body;   /* parsed as it arrives, on the fetching thread */
} BodyItem;

static void
body_item_free (BodyItem *item)
{
  g_clear_pointer (&item->raw, g_bytes_unref);
  g_clear_pointer (&item->body, petrel_mime_body_free);
  g_free (item);
}

typedef struct
{
  GPtrArray *items;    /* BodyItem */
  GError    *error;    /* first unreadable literal, for the log */
} BodyBatch;

static void
on_body_fetched_cb (PetrelImapClient      *client,
                    PetrelImapResponse    *response,
                    const PetrelImapFetch *fetch,
                    gpointer               user_data)
{
  BodyBatch *batch = user_data;
  const PetrelImapFetchSection *section;
  BodyItem *item;
  GBytes *raw;

  if ((fetch->items & PETREL_IMAP_FETCH_UID) == 0 || fetch->uid == 0)
    return;

  section = petrel_imap_fetch_find_section (fetch, PETREL_IMAP_SECTION_BODY, "");
  if (section == NULL || section->value == NULL || petrel_imap_value_is_nil (section->value))
    return;

  raw = petrel_imap_value_load_bytes (section->value, batch->error ? NULL : &batch->error);
  if (raw == NULL)
    return;

  item = g_new0 (BodyItem, 1);
  item->uid = fetch->uid;
  item->raw = raw;
  /* Parsing here, while the store thread writes the previous batch, splits the work of a
   * sync evenly between the two threads (#4). */
  item->body = petrel_mime_body_new_from_bytes (raw);
  g_ptr_array_add (batch->items, item);
}

static gboolean
store_body (PetrelStore     *store,
            gint64           folder_id,
            guint32          uid,
            GBytes          *raw,
            PetrelMimeBody  *body,
            GError         **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_null_terminated (4, NULL, TRUE);

  for (guint i = 0; body->attachments != NULL && i < body->attachments->len; i++)
    {
      PetrelMimeAttachment *attachment = g_ptr_array_index (body->attachments, i);

      if (attachment->filename != NULL)
        g_ptr_array_add (names, attachment->filename);
    }

  return petrel_store_set_body (store, folder_id, uid, raw, body->text, body->snippet,
                                body->has_attachments,
                                (const char * const *) names->pdata, error);
}

static gboolean
fetch_bodies_of (SyncRun     *run,
                 const char  *path,
                 gint64       folder_id,
                 GArray      *uids,
                 guint       *out_stored,
                 GError     **error)
{
  g_autoptr(PetrelImapSeqSet) set = NULL;
  BodyBatch batch = { NULL, NULL };
  PetrelWait wait = { run->context, NULL };
  gboolean ok;

  *out_stored = 0;
  set = petrel_imap_seqset_new_from_array ((const guint32 *) uids->data, uids->len);
  batch.items = g_ptr_array_new_with_free_func ((GDestroyNotify) body_item_free);

  petrel_imap_client_uid_fetch_async (run->client, set, "(UID BODY.PEEK[])", 0,
                                      PETREL_IMAP_FETCH_OPTION_NONE,
                                      on_body_fetched_cb, &batch, NULL,
                                      run->cancellable, _petrel_wait_cb, &wait);
  ok = petrel_imap_client_uid_fetch_finish (run->client, _petrel_wait_for (&wait), NULL, error);
  _petrel_wait_clear (&wait);

  if (batch.error != NULL)
    {
      g_debug ("A message in “%s” could not be read: %s", path, batch.error->message);
      g_clear_error (&batch.error);
    }

  if (ok && batch.items->len > 0)
    {
      ok = petrel_store_begin (run->store, error);
      for (guint i = 0; ok && i < batch.items->len; i++)
        {
          BodyItem *item = g_ptr_array_index (batch.items, i);

          ok = store_body (run->store, folder_id, item->uid, item->raw, item->body, error);
        }
      if (ok)
        ok = petrel_store_commit (run->store, error);
      else
        petrel_store_rollback (run->store);
      if (ok)
        *out_stored = batch.items->len;
    }

  g_ptr_array_unref (batch.items);
  return ok;
}

typedef struct
{
  gint64     folder_id;
  GPtrArray *items;      /* owned, BodyItem */
  guint     *stored;     /* atomic counter, borrowed */
} BodyJob;

static void
body_job_free (BodyJob *job)
{
  g_clear_pointer (&job->items, g_ptr_array_unref);
  g_free (job);
}

static gboolean
store_body_job (PetrelStore  *store,
                gpointer      data,
                GError      **error)
{
  BodyJob *job = data;
  gboolean ok;

  ok = petrel_store_begin (store, error);
  for (guint i = 0; ok && i < job->items->len; i++)
    {
      BodyItem *item = g_ptr_array_index (job->items, i);

      ok = store_body (store, job->folder_id, item->uid, item->raw, item->body, error);
    }
  if (ok)
    ok = petrel_store_commit (store, error);
  else
    petrel_store_rollback (store);
  if (ok)
    g_atomic_int_add (job->stored, job->items->len);

  return ok;
}

/* Bodies not cached yet, newest first, until none is left or the server has none of them.
 * Each batch is stored on a store thread while the next one is fetched. */
static gboolean
fetch_bodies (SyncRun     *run,
              const char  *path,
              gint64       folder_id,
              GError     **error)
{
  g_autoptr(StoreWorker) worker = NULL;
  g_autoptr(GHashTable) asked = g_hash_table_new (NULL, NULL);
  g_autoptr(GArray) uids = NULL;
  g_autoptr(GError) fetch_error = NULL;
  guint total, unread;
  guint stored = 0;

  if (!petrel_store_count_messages (run->store, folder_id, &total, &unread, error))
    return FALSE;

  uids = petrel_store_list_uids_without_body (run->store, folder_id, G_MAXINT, error);
  if (uids == NULL)
    return FALSE;
  if (uids->len == 0)
    return TRUE;

  worker = store_worker_new (run->store);
  report (run, PETREL_SYNC_PHASE_BODIES, path, 0, total);

  while (uids->len > 0 && fetch_error == NULL)
    {
      g_autoptr(GArray) still = NULL;

      for (guint start = 0; start < uids->len; start += BODY_BATCH)
        {
          guint n = MIN (BODY_BATCH, uids->len - start);
          g_autoptr(PetrelImapSeqSet) set = NULL;
          BodyBatch batch = { NULL, NULL };
          PetrelWait wait = { run->context, NULL };
          BodyJob *job;
          gboolean ok;

          for (guint i = start; i < start + n; i++)
            g_hash_table_add (asked, GUINT_TO_POINTER (g_array_index (uids, guint32, i)));

          set = petrel_imap_seqset_new_from_array (&g_array_index (uids, guint32, start), n);
          batch.items = g_ptr_array_new_with_free_func ((GDestroyNotify) body_item_free);

          petrel_imap_client_uid_fetch_async (run->client, set, "(UID BODY.PEEK[])", 0,
                                              PETREL_IMAP_FETCH_OPTION_NONE,
                                              on_body_fetched_cb, &batch, NULL,
                                              run->cancellable, _petrel_wait_cb, &wait);
          ok = petrel_imap_client_uid_fetch_finish (run->client, _petrel_wait_for (&wait), NULL,
                                                    &fetch_error);
          _petrel_wait_clear (&wait);

          if (batch.error != NULL)
            {
              g_debug ("A message in “%s” could not be read: %s", path, batch.error->message);
              g_clear_error (&batch.error);
            }

          if (!ok)
            {
              g_ptr_array_unref (batch.items);
              break;
            }

          job = g_new0 (BodyJob, 1);
          job->folder_id = folder_id;
          job->items = batch.items;
          job->stored = &stored;
          if (!store_worker_push (worker, store_body_job, job, (GDestroyNotify) body_job_free))
            break;

          report (run, PETREL_SYNC_PHASE_BODIES, path, g_atomic_int_get (&stored), total);
        }

      if (!store_worker_drain (worker, error))
        return FALSE;
      if (fetch_error != NULL)
        break;
      report (run, PETREL_SYNC_PHASE_BODIES, path, g_atomic_int_get (&stored), total);

      /* What is still missing and was not asked for yet (what the server did not return
       * was expunged meanwhile: it is not asked for again). */
      still = petrel_store_list_uids_without_body (run->store, folder_id, G_MAXINT, error);
      if (still == NULL)
        return FALSE;
      g_array_set_size (uids, 0);
      for (guint i = 0; i < still->len; i++)
        {
          guint32 uid = g_array_index (still, guint32, i);

          if (!g_hash_table_contains (asked, GUINT_TO_POINTER (uid)))
            g_array_append_val (uids, uid);
        }
    }

  if (fetch_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&fetch_error));
      return FALSE;
    }

  return TRUE;
}

/* ---- changes to known messages ---------------------------------------------------------- */

typedef struct
{
  GArray *changes;   /* FlagChange */
  GHashTable *seen;  /* uid set, for full scans; nullable */
} FlagScan;

typedef struct
{
  guint32           uid;
  PetrelStoreFlags  flags;
  char             *keywords;
  guint64           modseq;
} FlagChange;

static void
flag_change_clear (FlagChange *change)
{
  g_clear_pointer (&change->keywords, g_free);
}

static void
on_flags_fetched_cb (PetrelImapClient      *client,
                     PetrelImapResponse    *response,
                     const PetrelImapFetch *fetch,
                     gpointer               user_data)
{
  FlagScan *scan = user_data;
  FlagChange change = { 0, };

  if ((fetch->items & PETREL_IMAP_FETCH_UID) == 0 || fetch->uid == 0 ||
      (fetch->items & PETREL_IMAP_FETCH_FLAGS) == 0)
    return;

  change.uid = fetch->uid;
  change.flags = petrel_store_flags_parse (fetch->flags, &change.keywords);
  change.modseq = fetch->modseq;
  g_array_append_val (scan->changes, change);
  if (scan->seen != NULL)
    g_hash_table_add (scan->seen, GUINT_TO_POINTER (fetch->uid));
}

static FlagScan *
flag_scan_new (gboolean track_seen)
{
  FlagScan *scan = g_new0 (FlagScan, 1);

  scan->changes = g_array_new (FALSE, TRUE, sizeof (FlagChange));
  g_array_set_clear_func (scan->changes, (GDestroyNotify) flag_change_clear);
  if (track_seen)
    scan->seen = g_hash_table_new (NULL, NULL);
  return scan;
}

static void
flag_scan_free (FlagScan *scan)
{
  g_clear_pointer (&scan->changes, g_array_unref);
  g_clear_pointer (&scan->seen, g_hash_table_unref);
  g_free (scan);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FlagScan, flag_scan_free)

/* Applies flag changes for UIDs the store knows (others are new mail, fetched later). */
static gboolean
apply_flag_changes (SyncRun    *run,
                    gint64      folder_id,
                    GArray     *known,     /* PetrelStoreUidInfo, sorted by uid */
                    FlagScan   *scan,
                    GError    **error)
{
  g_autoptr(GHashTable) local = g_hash_table_new (NULL, NULL);
  gboolean ok = TRUE;

  if (scan->changes->len == 0)
    return TRUE;

  for (guint i = 0; i < known->len; i++)
    {
      PetrelStoreUidInfo *info = &g_array_index (known, PetrelStoreUidInfo, i);

      g_hash_table_insert (local, GUINT_TO_POINTER (info->uid), info);
    }

  if (!petrel_store_begin (run->store, error))
    return FALSE;

  for (guint i = 0; ok && i < scan->changes->len; i++)
    {
      FlagChange *change = &g_array_index (scan->changes, FlagChange, i);
      PetrelStoreUidInfo *info = g_hash_table_lookup (local, GUINT_TO_POINTER (change->uid));

      if (info == NULL)
        continue;
      if (info->flags == change->flags && g_strcmp0 (info->keywords, change->keywords) == 0 &&
          (change->modseq == 0 || info->modseq == change->modseq))
        continue;
      ok = petrel_store_update_flags (run->store, folder_id, change->uid, change->flags,
                                      change->keywords, change->modseq, error);
    }

  if (ok)
    return petrel_store_commit (run->store, error);

  petrel_store_rollback (run->store);
  return FALSE;
}

static gboolean
expunge_missing (SyncRun           *run,
                 const char        *path,
                 gint64             folder_id,
                 GArray            *known,
                 gboolean         (*present) (gpointer data, guint32 uid),
                 gpointer           data,
                 GError           **error)
{
  g_autoptr(GArray) gone = g_array_new (FALSE, FALSE, sizeof (guint32));

  for (guint i = 0; i < known->len; i++)
    {
      guint32 uid = g_array_index (known, PetrelStoreUidInfo, i).uid;

      if (!present (data, uid))
        g_array_append_val (gone, uid);
    }

  if (gone->len == 0)
    return TRUE;

  g_debug ("%u messages of “%s” were expunged on the server", gone->len, path);
  return petrel_store_expunge_uids (run->store, folder_id, (const guint32 *) gone->data,
                                    gone->len, NULL, error);
}

static gboolean
in_hash (gpointer data,
         guint32  uid)
{
  return g_hash_table_contains (data, GUINT_TO_POINTER (uid));
}

static gboolean
in_seqset (gpointer data,
           guint32  uid)
{
  return petrel_imap_seqset_contains (data, uid);
}

static PetrelImapSeqSet *
uid_search (SyncRun     *run,
            const char  *range,
            GError     **error)
{
  const char *criteria[] = { "UID", range, NULL };
  PetrelWait wait = { run->context, NULL };
  PetrelImapSeqSet *found;

  petrel_imap_client_uid_search_async (run->client, criteria, run->cancellable, _petrel_wait_cb, &wait);
  found = petrel_imap_client_uid_search_finish (run->client, _petrel_wait_for (&wait), NULL, error);
  _petrel_wait_clear (&wait);

  return found;
}

static gboolean
fetch_flags (SyncRun           *run,
             guint32            max_uid,
             guint64            changedsince,
             FlagScan          *scan,
             GError           **error)
{
  g_autoptr(PetrelImapSeqSet) all = petrel_imap_seqset_new_range (1, max_uid);
  PetrelWait wait = { run->context, NULL };
  gboolean ok;

  petrel_imap_client_uid_fetch_async (run->client, all,
                                      run->condstore ? "(UID FLAGS MODSEQ)" : "(UID FLAGS)",
                                      changedsince, PETREL_IMAP_FETCH_OPTION_NONE,
                                      on_flags_fetched_cb, scan, NULL,
                                      run->cancellable, _petrel_wait_cb, &wait);
  ok = petrel_imap_client_uid_fetch_finish (run->client, _petrel_wait_for (&wait), NULL, error);
  _petrel_wait_clear (&wait);

  return ok;
}

/* ---- one folder ------------------------------------------------------------------------- */

static gboolean
folder_is_current (SyncRun                    *run,
                   const PetrelStoreFolder    *local,
                   const PetrelImapStatusInfo *status,
                   GError                    **error)
{
  g_autoptr(GArray) without_body = NULL;

  if (status == NULL || local->uidvalidity == 0 || local->last_sync == 0)
    return FALSE;
  if ((status->items & (PETREL_IMAP_STATUS_UIDVALIDITY | PETREL_IMAP_STATUS_UIDNEXT |
                        PETREL_IMAP_STATUS_MESSAGES)) !=
      (PETREL_IMAP_STATUS_UIDVALIDITY | PETREL_IMAP_STATUS_UIDNEXT | PETREL_IMAP_STATUS_MESSAGES))
    return FALSE;
  if (status->uidvalidity != local->uidvalidity || status->uidnext != local->uidnext ||
      status->messages != local->total)
    return FALSE;

  /* Without MODSEQs a flag change elsewhere cannot be seen from STATUS: scan. */
  if (!run->condstore || (status->items & PETREL_IMAP_STATUS_HIGHESTMODSEQ) == 0 ||
      status->highestmodseq == 0 || status->highestmodseq != local->highestmodseq)
    return FALSE;

  if (run->flags & PETREL_SYNC_HEADERS_ONLY)
    return TRUE;

  without_body = petrel_store_list_uids_without_body (run->store, local->id, 1, error);
  return without_body != NULL && without_body->len == 0;
}

static gboolean
sync_folder (SyncRun                    *run,
             const char                 *path,
             const PetrelImapStatusInfo *status,
             GError                    **error)
{
  g_autoptr(PetrelStoreFolder) local = NULL;
  g_autoptr(PetrelImapMailboxState) state = NULL;
  g_autoptr(GArray) known = NULL;
  g_autoptr(FlagScan) select_changes = flag_scan_new (FALSE);
  g_autoptr(PetrelImapSeqSet) server_all = NULL;
  g_autoptr(GArray) new_uids = NULL;
  g_autoptr(GError) local_error = NULL;
  PetrelImapQresyncParams qresync = { 0, };
  PetrelWait wait = { run->context, NULL };
  gboolean use_qresync;
  guint32 max_uid = 0;
  gboolean dropped = FALSE;
  gint64 folder_id;
  g_autofree char *wire = NULL;

  local = petrel_store_get_folder_by_path (run->store, path, error);
  if (local == NULL)
    return FALSE;
  folder_id = local->id;

  if (folder_is_current (run, local, status, &local_error))
    {
      g_debug ("“%s” is up to date", path);
      return TRUE;
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  report (run, PETREL_SYNC_PHASE_CHANGES, path, 0, 0);

  use_qresync = run->qresync && local->uidvalidity != 0 && local->highestmodseq != 0;
  if (use_qresync)
    {
      qresync.uidvalidity = local->uidvalidity;
      qresync.modseq = local->highestmodseq;
    }

  wire = _petrel_folder_wire_name (run->client, local);
  petrel_imap_client_select_async (run->client, wire, TRUE, run->condstore && !use_qresync,
                                   use_qresync ? &qresync : NULL,
                                   on_flags_fetched_cb, select_changes, NULL,
                                   run->cancellable, _petrel_wait_cb, &wait);
  state = petrel_imap_client_select_finish (run->client, _petrel_wait_for (&wait), error);
  _petrel_wait_clear (&wait);
  if (state == NULL)
    return FALSE;

  /* A new UIDVALIDITY makes every cached UID meaningless: the store drops the folder's
   * messages (never the queued local changes) and the folder is fetched anew. */
  if (local->uidvalidity != state->uidvalidity)
    {
      if (!petrel_store_set_folder_sync_state (run->store, folder_id, state->uidvalidity, 0, 0,
                                               &dropped, error))
        return FALSE;
      if (dropped)
        g_debug ("UIDVALIDITY of “%s” changed: its cache was dropped", path);
      use_qresync = FALSE;
      g_array_set_size (select_changes->changes, 0);
    }

  known = petrel_store_list_uids (run->store, folder_id, error);
  if (known == NULL)
    return FALSE;
  /* Provisional rows (moved here locally, not replayed yet) are not the server's business. */
  while (known->len > 0 &&
         _petrel_uid_is_provisional (g_array_index (known, PetrelStoreUidInfo,
                                                    known->len - 1).uid))
    g_array_remove_index (known, known->len - 1);
  if (known->len > 0)
    max_uid = g_array_index (known, PetrelStoreUidInfo, known->len - 1).uid;

  /* Changes to messages we know: with QRESYNC the SELECT brought them (changed FLAGS and
   * VANISHED); with CONDSTORE they are asked for since the last MODSEQ; otherwise every
   * message's flags are compared. */
  if (max_uid > 0)
    {
      if (use_qresync && !state->nomodseq)
        {
          g_autoptr(GArray) gone = g_array_new (FALSE, FALSE, sizeof (guint32));

          if (!apply_flag_changes (run, folder_id, known, select_changes, error))
            return FALSE;

          for (guint i = 0; state->vanished != NULL && i < known->len; i++)
            {
              guint32 uid = g_array_index (known, PetrelStoreUidInfo, i).uid;

              if (petrel_imap_seqset_contains (state->vanished, uid))
                g_array_append_val (gone, uid);
            }
          if (gone->len > 0 &&
              !petrel_store_expunge_uids (run->store, folder_id, (const guint32 *) gone->data,
                                          gone->len, NULL, error))
            return FALSE;
        }
      else if (run->condstore && !state->nomodseq && local->highestmodseq != 0)
        {
          g_autoptr(FlagScan) scan = flag_scan_new (FALSE);

          if (!fetch_flags (run, max_uid, local->highestmodseq, scan, error) ||
              !apply_flag_changes (run, folder_id, known, scan, error))
            return FALSE;

          /* One search of every UID serves both the expunges and the new mail below. */
          server_all = state->exists > 0 ? uid_search (run, "1:*", error)
                                         : petrel_imap_seqset_new ();
          if (server_all == NULL ||
              !expunge_missing (run, path, folder_id, known, in_seqset, server_all, error))
            return FALSE;
        }
      else
        {
          g_autoptr(FlagScan) scan = flag_scan_new (TRUE);

          if (!fetch_flags (run, max_uid, 0, scan, error) ||
              !apply_flag_changes (run, folder_id, known, scan, error) ||
              !expunge_missing (run, path, folder_id, known, in_hash, scan->seen, error))
            return FALSE;
        }
    }

  /* New messages: every UID on the server the cache lacks (above the highest known, and any
   * hole left below it, e.g. by a move whose COPYUID answer was lost), headers first, newest
   * first. */
  if (state->exists > 0)
    {
      g_autoptr(GHashTable) have = g_hash_table_new (NULL, NULL);
      g_autoptr(GArray) after = NULL;

      /* UIDs grow strictly below UIDNEXT from 1: EXISTS messages below UIDNEXT = EXISTS + 1
       * can only be 1:EXISTS, which saves asking (a fresh or never-expunged folder). */
      if (server_all == NULL && state->uidnext == (guint64) state->exists + 1)
        server_all = petrel_imap_seqset_new_range (1, state->exists);
      if (server_all == NULL && (server_all = uid_search (run, "1:*", error)) == NULL)
        return FALSE;
      new_uids = petrel_imap_seqset_to_array (server_all, G_MAXUINT32, error);
      if (new_uids == NULL)
        return FALSE;

      after = petrel_store_list_uids (run->store, folder_id, error);
      if (after == NULL)
        return FALSE;
      for (guint i = 0; i < after->len; i++)
        g_hash_table_add (have,
                          GUINT_TO_POINTER (g_array_index (after, PetrelStoreUidInfo, i).uid));
      for (guint i = new_uids->len; i > 0; i--)
        if (g_hash_table_contains (have, GUINT_TO_POINTER (g_array_index (new_uids, guint32,
                                                                          i - 1))))
          g_array_remove_index_fast (new_uids, i - 1);
      g_array_sort (new_uids, compare_uid_desc);

      if (new_uids->len > 0 && !fetch_headers (run, path, folder_id, new_uids, error))
        return FALSE;
    }

  if (!(run->flags & PETREL_SYNC_HEADERS_ONLY) &&
      petrel_account_config_get_sync_bodies (petrel_account_get_config (run->account)) !=
      PETREL_SYNC_BODIES_NONE)
    {
      if (!fetch_bodies (run, path, folder_id, error))
        return FALSE;
    }

  /* Everything up to here is in the store: now the next sync may start from this state. */
  return petrel_store_set_folder_sync_state (run->store, folder_id, state->uidvalidity,
                                             state->uidnext,
                                             state->nomodseq ? 0 : state->highestmodseq,
                                             NULL, error);
}

static void
logout (SyncRun *run)
{
  PetrelWait wait = { run->context, NULL };

  if (run->client == NULL ||
      petrel_imap_client_get_state (run->client) == PETREL_IMAP_CLIENT_STATE_DISCONNECTED ||
      petrel_imap_client_get_state (run->client) == PETREL_IMAP_CLIENT_STATE_CLOSED)
    return;

  petrel_imap_client_logout_async (run->client, NULL, _petrel_wait_cb, &wait);
  petrel_imap_client_logout_finish (run->client, _petrel_wait_for (&wait), NULL);
  _petrel_wait_clear (&wait);
}

static gint
compare_entries (gconstpointer a,
                 gconstpointer b)
{
  const PetrelImapListEntry *ea = *(PetrelImapListEntry * const *) a;
  const PetrelImapListEntry *eb = *(PetrelImapListEntry * const *) b;
  gboolean ia = g_ascii_strcasecmp (ea->info->name, "INBOX") == 0;
  gboolean ib = g_ascii_strcasecmp (eb->info->name, "INBOX") == 0;

  if (ia != ib)
    return ia ? -1 : 1;
  return 0;
}

static gboolean
run_sync (SyncRun     *run,
          const char  *only_folder,
          GError     **error)
{
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) folder_error = NULL;
  g_autoptr(GError) first_failure = NULL;
  g_autoptr(StatusAsk) inbox_status = NULL;
  g_autofree char *selected = NULL;
  gboolean found = only_folder == NULL;
  guint refused = 0;

  /* A cache that cannot be written (a full disk) could not record what the server says, nor
   * that a queued change was replayed: ask the server nothing (#10). */
  if (!petrel_store_check_writable (run->store, error) || !connect_client (run, error))
    return FALSE;

  /* Local changes first, so the server state read below already includes them. */
  report (run, PETREL_SYNC_PHASE_REPLAYING, NULL, 0, 0);
  if (!_petrel_replay_run (run->client, run->context, run->store, run->cancellable,
                           &refused, error))
    return FALSE;

  /* The outbox goes the same way: what is due is submitted, then saved to Sent. A submission
   * server that cannot be reached does not stop the sync; the outbox keeps the reason. */
  {
    g_autoptr(GError) outbox_error = NULL;

    if (!_petrel_outbox_submit (run->account, run->store, run->context, run->cancellable,
                                NULL, NULL, &outbox_error))
      g_debug ("Outbox not sent: %s", outbox_error->message);
    if (!_petrel_outbox_save_sent (run->store, run->client, run->context, run->cancellable,
                                   error) ||
        !_petrel_drafts_upload (run->store, run->client, run->context, run->cancellable, error))
      return FALSE;
  }

  selected = leave_selected (run);
  inbox_status = ask_inbox_status (run, only_folder, selected);
  entries = list_folders (run, error);
  if (entries == NULL || !store_folders (run, entries, error))
    return FALSE;

  /* INBOX first, then the others in the server's order. */
  g_ptr_array_sort (entries, compare_entries);
  ask_status (run, entries, only_folder, selected, g_steal_pointer (&inbox_status));

  for (guint i = 0; i < entries->len; i++)
    {
      PetrelImapListEntry *entry = g_ptr_array_index (entries, i);

      if (!is_wanted (entry, only_folder))
        continue;

      found = TRUE;
      if (!sync_folder (run, entry->info->name, entry->status, &folder_error))
        {
          /* A folder deleted on the server since LIST: drop it here and go on. */
          if (g_error_matches (folder_error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_NONEXISTENT))
            {
              g_autoptr(PetrelStoreFolder) gone =
                petrel_store_get_folder_by_path (run->store, entry->info->name, NULL);

              if (gone != NULL && !petrel_store_delete_folder (run->store, gone->id, error))
                return FALSE;
              g_clear_error (&folder_error);
              continue;
            }

          /* The connection is gone, or the cache cannot be written: stop. Anything else is
           * this folder's trouble: the others are still synced, and the first such failure
           * is reported at the end. */
          if (folder_error->domain != PETREL_IMAP_ERROR ||
              (folder_error->code != PETREL_IMAP_ERROR_NO &&
               folder_error->code != PETREL_IMAP_ERROR_BAD &&
               folder_error->code != PETREL_IMAP_ERROR_INVALID &&
               folder_error->code != PETREL_IMAP_ERROR_PERMISSION &&
               folder_error->code != PETREL_IMAP_ERROR_UIDVALIDITY))
            {
              g_prefix_error (&folder_error, _("Cannot sync “%s”: "), entry->info->name);
              g_propagate_error (error, g_steal_pointer (&folder_error));
              return FALSE;
            }
          g_prefix_error (&folder_error, _("Cannot sync “%s”: "), entry->info->name);
          g_debug ("%s", folder_error->message);
          if (first_failure == NULL)
            first_failure = g_steal_pointer (&folder_error);
          g_clear_error (&folder_error);
        }
    }

  if (!found)
    {
      g_set_error (error, PETREL_SYNC_ERROR, PETREL_SYNC_ERROR_NO_SUCH_FOLDER,
                   _("There is no folder “%s” on the server"), only_folder);
      return FALSE;
    }

  /* After a first sync, the full-text index in one piece; a failure only leaves search as
   * fast as it was. */
  {
    g_autoptr(GError) tidy_error = NULL;

    if (!petrel_store_tidy_index (run->store, &tidy_error))
      g_debug ("The full-text index was not tidied: %s", tidy_error->message);
  }

  report (run, PETREL_SYNC_PHASE_DONE, NULL, 0, 0);

  if (first_failure != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&first_failure));
      return FALSE;
    }

  if (refused > 0)
    {
      g_set_error (error, PETREL_SYNC_ERROR, PETREL_SYNC_ERROR_REFUSED,
                   g_dngettext (GETTEXT_PACKAGE,
                                "The server refused %u queued change; “petrel-cli pending” "
                                "says why",
                                "The server refused %u queued changes; “petrel-cli pending” "
                                "says why", refused), refused);
      return FALSE;
    }
  return TRUE;
}

static gboolean
sync_run_init (SyncRun        *run,
               PetrelAccount  *account,
               GCancellable   *cancellable,
               GError        **error)
{
  memset (run, 0, sizeof *run);
  run->account = account;
  run->cancellable = cancellable;
  run->store = petrel_account_get_store (account, error);
  if (run->store == NULL)
    return FALSE;

  run->context = g_main_context_new ();
  g_main_context_push_thread_default (run->context);
  return TRUE;
}

static void
sync_run_clear (SyncRun *run)
{
  logout (run);
  if (run->client != NULL)
    petrel_imap_client_close (run->client);
  g_clear_object (&run->client);
  g_clear_object (&run->trust);

  if (run->context != NULL)
    {
      /* Let the closed connection's last callbacks run before the context goes. */
      while (g_main_context_iteration (run->context, FALSE))
        ;
      g_main_context_pop_thread_default (run->context);
      g_clear_pointer (&run->context, g_main_context_unref);
    }
}

gboolean
petrel_sync_account (PetrelAccount          *account,
                     const char             *folder,
                     PetrelSyncFlags         flags,
                     PetrelSyncProgressFunc  progress_func,
                     gpointer                progress_data,
                     GCancellable           *cancellable,
                     GError                **error)
{
  SyncRun run;
  gboolean ok;

  g_return_val_if_fail (PETREL_IS_ACCOUNT (account), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!sync_run_init (&run, account, cancellable, error))
    return FALSE;
  run.flags = flags;
  run.progress_func = progress_func;
  run.progress_data = progress_data;

  ok = run_sync (&run, folder, error);
  sync_run_clear (&run);

  return ok;
}

gboolean
petrel_sync_fetch_body (PetrelAccount  *account,
                        const char     *folder,
                        guint32         uid,
                        GCancellable   *cancellable,
                        GError        **error)
{
  g_autoptr(PetrelStoreFolder) local = NULL;
  g_autoptr(PetrelImapMailboxState) state = NULL;
  g_autoptr(GArray) uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  PetrelWait wait = { NULL, NULL };
  SyncRun run;
  guint stored = 0;
  gboolean ok = FALSE;

  g_return_val_if_fail (PETREL_IS_ACCOUNT (account), FALSE);

  if (!sync_run_init (&run, account, cancellable, error))
    return FALSE;
  wait.context = run.context;

  local = petrel_store_get_folder_by_path (run.store, folder, error);
  if (local == NULL || !petrel_store_check_writable (run.store, error) ||
      !connect_client (&run, error))
    goto out;

  {
    g_autofree char *wire = _petrel_folder_wire_name (run.client, local);

    petrel_imap_client_select_async (run.client, wire, TRUE, FALSE, NULL, NULL, NULL, NULL,
                                     cancellable, _petrel_wait_cb, &wait);
  }
  state = petrel_imap_client_select_finish (run.client, _petrel_wait_for (&wait), error);
  _petrel_wait_clear (&wait);
  if (state == NULL)
    goto out;

  if (local->uidvalidity != 0 && state->uidvalidity != local->uidvalidity)
    {
      g_set_error (error, PETREL_SYNC_ERROR, PETREL_SYNC_ERROR_FAILED,
                   _("The folder “%s” changed on the server; sync the account first"), folder);
      goto out;
    }

  g_array_append_val (uids, uid);
  if (!fetch_bodies_of (&run, folder, local->id, uids, &stored, error))
    goto out;

  if (stored == 0)
    {
      g_set_error (error, PETREL_SYNC_ERROR, PETREL_SYNC_ERROR_FAILED,
                   _("The message is no longer on the server"));
      goto out;
    }
  ok = TRUE;

out:
  sync_run_clear (&run);
  return ok;
}

gboolean
petrel_changes_replay (PetrelAccount  *account,
                       guint          *out_failed,
                       GCancellable   *cancellable,
                       GError        **error)
{
  SyncRun run;
  gboolean ok;

  g_return_val_if_fail (PETREL_IS_ACCOUNT (account), FALSE);

  if (!sync_run_init (&run, account, cancellable, error))
    return FALSE;

  ok = connect_client (&run, error) &&
       _petrel_replay_run (run.client, run.context, run.store, cancellable, out_failed, error);
  sync_run_clear (&run);

  return ok;
}

gboolean
petrel_outbox_flush (PetrelAccount  *account,
                     guint          *out_sent,
                     GCancellable   *cancellable,
                     GError        **error)
{
  g_autoptr(GPtrArray) items = NULL;
  SyncRun run;
  gboolean ok;
  gboolean to_save = FALSE;

  g_return_val_if_fail (PETREL_IS_ACCOUNT (account), FALSE);

  if (!sync_run_init (&run, account, cancellable, error))
    return FALSE;

  ok = _petrel_outbox_submit (account, run.store, run.context, cancellable, out_sent, NULL,
                              error);

  /* The copy in Sent needs IMAP: only connect when something is waiting for it. */
  items = ok ? petrel_store_outbox_list (run.store, error) : NULL;
  for (guint i = 0; items != NULL && i < items->len; i++)
    {
      PetrelStoreOutboxItem *item = g_ptr_array_index (items, i);

      to_save |= g_strcmp0 (item->state, "sent") == 0 && !item->saved_to_sent;
    }
  if (ok && items == NULL)
    ok = FALSE;
  if (ok && to_save)
    ok = connect_client (&run, error) &&
         _petrel_outbox_save_sent (run.store, run.client, run.context, cancellable, error);

  sync_run_clear (&run);
  return ok;
}

/* ---- watching ---------------------------------------------------------------------------- */

typedef struct
{
  PetrelImapClient *client;
  gboolean          changed;
} IdleState;

static void
on_idle_exists_cb (PetrelImapClient *client,
                   guint             count,
                   gpointer          user_data)
{
  IdleState *idle = user_data;

  idle->changed = TRUE;
  petrel_imap_client_idle_stop (client);
}

static void
on_idle_vanished_cb (PetrelImapClient *client,
                     gpointer          uids,
                     gboolean          earlier,
                     gpointer          user_data)
{
  on_idle_exists_cb (client, 0, user_data);
}

static void
on_idle_fetch_cb (PetrelImapClient *client,
                  gpointer          response,
                  gpointer          fetch,
                  gpointer          user_data)
{
  on_idle_exists_cb (client, 0, user_data);
}

/* uid → flags bits, plus keywords, of every stored message of the folder */
static GHashTable *
snapshot_folder (PetrelStore  *store,
                 const char   *folder,
                 GError      **error)
{
  g_autoptr(PetrelStoreFolder) local = petrel_store_get_folder_by_path (store, folder, error);
  g_autoptr(GArray) uids = NULL;
  GHashTable *snapshot;

  if (local == NULL || (uids = petrel_store_list_uids (store, local->id, error)) == NULL)
    return NULL;

  snapshot = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  for (guint i = 0; i < uids->len; i++)
    {
      PetrelStoreUidInfo *info = &g_array_index (uids, PetrelStoreUidInfo, i);

      g_hash_table_insert (snapshot, GUINT_TO_POINTER (info->uid),
                           g_strdup_printf ("%u %s", info->flags,
                                            info->keywords != NULL ? info->keywords : ""));
    }
  return snapshot;
}

static gint
compare_uid_pointers (gconstpointer a,
                      gconstpointer b)
{
  guint32 ua = GPOINTER_TO_UINT (a);
  guint32 ub = GPOINTER_TO_UINT (b);

  return ua < ub ? -1 : (ua > ub ? 1 : 0);
}

static void
report_changes (PetrelStore      *store,
                const char       *folder,
                GHashTable       *before,
                GHashTable       *after,
                PetrelWatchFunc   func,
                gpointer          user_data)
{
  g_autoptr(PetrelStoreFolder) local = petrel_store_get_folder_by_path (store, folder, NULL);
  g_autoptr(GList) keys = g_hash_table_get_keys (after);
  GHashTableIter iter;
  gpointer key;

  if (local == NULL)
    return;

  keys = g_list_sort (keys, compare_uid_pointers);
  for (GList *l = keys; l != NULL; l = l->next)
    {
      guint32 uid = GPOINTER_TO_UINT (l->data);
      const char *was = g_hash_table_lookup (before, l->data);
      const char *now = g_hash_table_lookup (after, l->data);
      g_autoptr(PetrelStoreMessage) message = NULL;

      if (was != NULL && g_strcmp0 (was, now) == 0)
        continue;
      message = petrel_store_get_message (store, local->id, uid, NULL);
      func (was == NULL ? "new" : "flags", local->path, uid, message, user_data);
    }

  g_hash_table_iter_init (&iter, before);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (after, key))
      func ("expunged", local->path, GPOINTER_TO_UINT (key), NULL, user_data);
}

/* Waits on the connection until the server reports a change in the selected folder. */
static gboolean
idle_until_change (SyncRun     *run,
                   const char  *folder,
                   GError     **error)
{
  g_autoptr(PetrelImapMailboxState) state = NULL;
  IdleState idle = { run->client, FALSE };
  PetrelWait wait = { run->context, NULL };
  gulong handlers[4];
  gboolean ok;
  g_autofree char *wire = _petrel_store_wire_name (run->client, run->store, folder);

  petrel_imap_client_select_async (run->client, wire, TRUE, FALSE, NULL, NULL, NULL, NULL,
                                   run->cancellable, _petrel_wait_cb, &wait);
  state = petrel_imap_client_select_finish (run->client, _petrel_wait_for (&wait), error);
  _petrel_wait_clear (&wait);
  if (state == NULL)
    return FALSE;

  /* A change made between the last sync and this SELECT would not wake the IDLE: compare
   * with what the store has first. */
  {
    g_autoptr(PetrelStoreFolder) local = petrel_store_get_folder_by_path (run->store, folder,
                                                                          NULL);

    if (local == NULL || local->uidvalidity != state->uidvalidity ||
        local->uidnext != state->uidnext || local->total != state->exists ||
        (!state->nomodseq && state->highestmodseq != 0 &&
         local->highestmodseq != state->highestmodseq))
      return TRUE;
  }

  handlers[0] = g_signal_connect (run->client, "exists", G_CALLBACK (on_idle_exists_cb), &idle);
  handlers[1] = g_signal_connect (run->client, "expunged", G_CALLBACK (on_idle_exists_cb), &idle);
  handlers[2] = g_signal_connect (run->client, "vanished", G_CALLBACK (on_idle_vanished_cb),
                                  &idle);
  handlers[3] = g_signal_connect (run->client, "fetch", G_CALLBACK (on_idle_fetch_cb), &idle);

  petrel_imap_client_idle_async (run->client, run->cancellable, _petrel_wait_cb, &wait);
  ok = petrel_imap_client_idle_finish (run->client, _petrel_wait_for (&wait), error);
  _petrel_wait_clear (&wait);

  for (guint i = 0; i < G_N_ELEMENTS (handlers); i++)
    g_signal_handler_disconnect (run->client, handlers[i]);

  return ok;
}

/* path → snapshot_folder() of every folder in the store */
static GHashTable *
snapshot_all (PetrelStore  *store,
              GError      **error)
{
  g_autoptr(GPtrArray) folders = petrel_store_list_folders (store, error);
  GHashTable *all;

  if (folders == NULL)
    return NULL;

  all = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                               (GDestroyNotify) g_hash_table_unref);
  for (guint i = 0; i < folders->len; i++)
    {
      PetrelStoreFolder *folder = g_ptr_array_index (folders, i);
      GHashTable *one = snapshot_folder (store, folder->path, error);

      if (one == NULL)
        {
          g_hash_table_unref (all);
          return NULL;
        }
      g_hash_table_insert (all, g_strdup (folder->path), one);
    }
  return all;
}

static void
report_all_changes (PetrelStore      *store,
                    GHashTable       *before,
                    GHashTable       *after,
                    PetrelWatchFunc   func,
                    gpointer          user_data)
{
  g_autoptr(GHashTable) empty = g_hash_table_new (NULL, NULL);
  GHashTableIter iter;
  gpointer key, value;

  /* A folder that appeared reports its messages as new; one that vanished, as expunged. */
  g_hash_table_iter_init (&iter, after);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      GHashTable *was = g_hash_table_lookup (before, key);

      report_changes (store, key, was != NULL ? was : empty, value, func, user_data);
    }
}

static gboolean
stop_idle_cb (gpointer user_data)
{
  petrel_imap_client_idle_stop (PETREL_IMAP_CLIENT (user_data));
  return G_SOURCE_REMOVE;
}

/* How often folders other than the watched one are looked at (LIST-STATUS, one command). */
static guint
poll_interval_ms (void)
{
  const char *env = g_getenv ("PETREL_POLL_INTERVAL");
  guint64 seconds = 0;

  if (env != NULL && g_ascii_string_to_unsigned (env, 10, 1, 86400, &seconds, NULL))
    return (guint) seconds * 1000;
  return 5 * 60 * 1000;
}

gboolean
petrel_sync_watch (PetrelAccount    *account,
                   const char       *folder,
                   PetrelWatchFunc   func,
                   gpointer          user_data,
                   GCancellable     *cancellable,
                   GError          **error)
{
  g_autoptr(GHashTable) snapshot = NULL;
  g_autofree char *path = g_strdup (folder != NULL ? folder : "INBOX");
  GNetworkMonitor *monitor = g_network_monitor_get_default ();
  PetrelStore *store;
  guint backoff = 0;

  g_return_val_if_fail (PETREL_IS_ACCOUNT (account), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  store = petrel_account_get_store (account, error);
  if (store == NULL)
    return FALSE;

  /* Start from a current cache, so that only what happens from now on is reported. */
  if (!petrel_sync_account (account, NULL, PETREL_SYNC_HEADERS_ONLY, NULL, NULL, cancellable,
                            error))
    return FALSE;
  snapshot = snapshot_all (store, error);
  if (snapshot == NULL)
    return FALSE;

  while (!g_cancellable_is_cancelled (cancellable))
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(GHashTable) now = NULL;
      SyncRun run;
      gboolean ok;

      if (!sync_run_init (&run, account, cancellable, error))
        return FALSE;
      ok = connect_client (&run, &local_error);
      if (ok)
        {
          /* IDLE on the watched folder until it changes, or until it is time to look at the
           * other folders. */
          g_autoptr(GSource) source = g_timeout_source_new (poll_interval_ms ());

          g_source_set_callback (source, stop_idle_cb, run.client, NULL);
          g_source_attach (source, run.context);
          ok = idle_until_change (&run, path, &local_error);
          if (!g_source_is_destroyed (source))
            g_source_destroy (source);
        }
      sync_run_clear (&run);

      if (g_cancellable_is_cancelled (cancellable))
        break;

      if (ok)
        backoff = 0;
      else
        {
          /* A dropped connection or a server that is away: wait, longer each time (up to a
           * minute), with jitter so that many clients do not come back at once; a network
           * that comes back cuts the wait short. */
          gboolean was_available = g_network_monitor_get_network_available (monitor);
          guint delay_ms;

          g_debug ("Watching “%s” failed: %s", path, local_error->message);
          backoff = MIN (backoff == 0 ? 1000 : backoff * 2, 60000);
          delay_ms = backoff / 2 + g_random_int_range (0, (gint32) backoff / 2 + 1);
          for (guint waited = 0; waited < delay_ms && !g_cancellable_is_cancelled (cancellable);
               waited += 100)
            {
              gboolean available = g_network_monitor_get_network_available (monitor);

              if (available && !was_available)
                break;
              was_available = available;
              g_usleep (100 * 1000);
            }
          continue;
        }

      g_clear_error (&local_error);
      if (!petrel_sync_account (account, NULL, PETREL_SYNC_HEADERS_ONLY, NULL, NULL,
                                cancellable, &local_error))
        {
          g_debug ("Syncing after a change failed: %s", local_error->message);
          continue;
        }

      now = snapshot_all (store, &local_error);
      if (now == NULL)
        continue;
      report_all_changes (store, snapshot, now, func, user_data);
      g_clear_pointer (&snapshot, g_hash_table_unref);
      snapshot = g_steal_pointer (&now);
    }

  return TRUE;
}

/* ---- searching the server --------------------------------------------------------------- */

/* Splits a query into words, keeping "quoted phrases" and op:"quoted values" whole. */
static GPtrArray *
split_query (const char *query)
{
  GPtrArray *words = g_ptr_array_new_with_free_func (g_free);
  const char *p = query;

  while (*p != '\0')
    {
      GString *word;
      gboolean quoted = FALSE;

      while (g_ascii_isspace (*p))
        p++;
      if (*p == '\0')
        break;

      word = g_string_new (NULL);
      while (*p != '\0' && (quoted || !g_ascii_isspace (*p)))
        {
          if (*p == '"')
            quoted = !quoted;
          else
            g_string_append_c (word, *p);
          p++;
        }
      g_ptr_array_add (words, g_string_free (word, FALSE));
    }
  return words;
}

static gboolean
add_date_criterion (GPtrArray   *criteria,
                    const char  *key,
                    const char  *value)
{
  static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  guint y, m, d;

  if (sscanf (value, "%4u-%2u-%2u", &y, &m, &d) != 3 || m < 1 || m > 12 || d < 1 || d > 31)
    return FALSE;
  g_ptr_array_add (criteria, g_strdup (key));
  g_ptr_array_add (criteria, g_strdup_printf ("%u-%s-%04u", d, months[m - 1], y));
  return TRUE;
}

/* The query as IMAP SEARCH keys (strings as "=value"); sets @needs_attachment for
 * has:attachment, which IMAP cannot express (checked against the stored BODYSTRUCTURE). */
static GPtrArray *
query_to_criteria (const char *query,
                   gboolean   *needs_attachment)
{
  g_autoptr(GPtrArray) words = split_query (query);
  GPtrArray *criteria = g_ptr_array_new_with_free_func (g_free);
  gboolean utf8 = FALSE;

  *needs_attachment = FALSE;
  for (guint i = 0; i < words->len; i++)
    {
      const char *word = g_ptr_array_index (words, i);
      const char *colon = strchr (word, ':');
      g_autofree char *op = colon != NULL ? g_ascii_strdown (word, colon - word) : NULL;
      const char *value = colon != NULL ? colon + 1 : word;

      for (const char *c = word; *c != '\0'; c++)
        utf8 |= (guchar) *c >= 0x80;

      if (op != NULL && g_str_equal (op, "from") && *value != '\0')
        g_ptr_array_add (criteria, g_strdup ("FROM"));
      else if (op != NULL && (g_str_equal (op, "to")) && *value != '\0')
        g_ptr_array_add (criteria, g_strdup ("TO"));
      else if (op != NULL && g_str_equal (op, "subject") && *value != '\0')
        g_ptr_array_add (criteria, g_strdup ("SUBJECT"));
      else if (op != NULL && g_str_equal (op, "is"))
        {
          if (g_ascii_strcasecmp (value, "unread") == 0)
            g_ptr_array_add (criteria, g_strdup ("UNSEEN"));
          else if (g_ascii_strcasecmp (value, "read") == 0)
            g_ptr_array_add (criteria, g_strdup ("SEEN"));
          else if (g_ascii_strcasecmp (value, "flagged") == 0 ||
                   g_ascii_strcasecmp (value, "starred") == 0)
            g_ptr_array_add (criteria, g_strdup ("FLAGGED"));
          continue;
        }
      else if (op != NULL && g_str_equal (op, "has"))
        {
          *needs_attachment |= g_ascii_strncasecmp (value, "attachment", 10) == 0;
          continue;
        }
      else if (op != NULL && (g_str_equal (op, "before") || g_str_equal (op, "after")))
        {
          add_date_criterion (criteria, g_str_equal (op, "before") ? "BEFORE" : "SINCE", value);
          continue;
        }
      else
        {
          value = word;
          g_ptr_array_add (criteria, g_strdup ("TEXT"));
        }
      g_ptr_array_add (criteria, g_strconcat ("=", value, NULL));
    }

  if (criteria->len == 0)
    g_ptr_array_add (criteria, g_strdup ("ALL"));
  if (utf8)
    {
      g_ptr_array_insert (criteria, 0, g_strdup ("UTF-8"));
      g_ptr_array_insert (criteria, 0, g_strdup ("CHARSET"));
    }
  g_ptr_array_add (criteria, NULL);
  return criteria;
}

GPtrArray *
petrel_sync_remote_search (PetrelAccount  *account,
                           const char     *query,
                           const char     *folder,
                           guint           limit,
                           GCancellable   *cancellable,
                           GError        **error)
{
  g_autoptr(GPtrArray) hits = g_ptr_array_new_with_free_func (
    (GDestroyNotify) petrel_store_message_free);
  g_autoptr(GPtrArray) folders = NULL;
  g_autoptr(GPtrArray) criteria = NULL;
  gboolean needs_attachment = FALSE;
  gboolean connected = FALSE;
  gboolean ok = TRUE;
  SyncRun run;

  g_return_val_if_fail (PETREL_IS_ACCOUNT (account), NULL);
  g_return_val_if_fail (query != NULL, NULL);

  if (!sync_run_init (&run, account, cancellable, error))
    return NULL;

  folders = petrel_store_list_folders (run.store, error);
  ok = folders != NULL;
  criteria = query_to_criteria (query, &needs_attachment);

  for (guint i = 0; ok && folders != NULL && i < folders->len && hits->len < limit; i++)
    {
      PetrelStoreFolder *local = g_ptr_array_index (folders, i);
      g_autoptr(GArray) uncached = NULL;
      g_autoptr(GHashTable) wanted = g_hash_table_new (NULL, NULL);
      g_autoptr(PetrelImapMailboxState) state = NULL;
      g_autoptr(PetrelImapSeqSet) found = NULL;
      g_autoptr(GArray) found_uids = NULL;
      PetrelWait wait = { run.context, NULL };

      if (folder != NULL && g_strcmp0 (folder, local->path) != 0)
        continue;

      /* Only what the local index cannot see: messages without a cached body. */
      uncached = petrel_store_list_uids_without_body (run.store, local->id, 1, error);
      if (uncached != NULL && uncached->len > 0)
        {
          g_clear_pointer (&uncached, g_array_unref);
          uncached = petrel_store_list_uids_without_body (run.store, local->id, G_MAXINT,
                                                          error);
        }
      if (uncached == NULL)
        {
          ok = FALSE;
          break;
        }
      if (uncached->len == 0)
        continue;
      for (guint j = 0; j < uncached->len; j++)
        g_hash_table_add (wanted, GUINT_TO_POINTER (g_array_index (uncached, guint32, j)));

      if (!connected && !(connected = connect_client (&run, error)))
        {
          ok = FALSE;
          break;
        }

      {
        g_autofree char *wire = _petrel_folder_wire_name (run.client, local);

        petrel_imap_client_select_async (run.client, wire, TRUE, FALSE, NULL, NULL, NULL,
                                         NULL, cancellable, _petrel_wait_cb, &wait);
      }
      state = petrel_imap_client_select_finish (run.client, _petrel_wait_for (&wait), error);
      _petrel_wait_clear (&wait);
      if (state == NULL)
        {
          ok = FALSE;
          break;
        }
      if (state->uidvalidity != local->uidvalidity)
        continue;   /* the cache is stale there; a sync comes first */

      petrel_imap_client_uid_search_async (run.client, (const char * const *) criteria->pdata,
                                           cancellable, _petrel_wait_cb, &wait);
      found = petrel_imap_client_uid_search_finish (run.client, _petrel_wait_for (&wait), NULL,
                                                    error);
      _petrel_wait_clear (&wait);
      if (found == NULL || (found_uids = petrel_imap_seqset_to_array (found, G_MAXUINT32,
                                                                       error)) == NULL)
        {
          ok = FALSE;
          break;
        }

      /* Newest first, as local results are on ties. */
      g_array_sort (found_uids, compare_uid_desc);
      for (guint j = 0; j < found_uids->len && hits->len < limit; j++)
        {
          guint32 uid = g_array_index (found_uids, guint32, j);
          PetrelStoreMessage *message;

          if (!g_hash_table_contains (wanted, GUINT_TO_POINTER (uid)))
            continue;
          message = petrel_store_get_message (run.store, local->id, uid, NULL);
          if (message == NULL)
            continue;
          if (needs_attachment && !message->has_attachments)
            {
              petrel_store_message_free (message);
              continue;
            }
          g_free (message->folder_path);
          message->folder_path = g_strdup (local->path);
          g_ptr_array_add (hits, message);
        }
    }

  sync_run_clear (&run);
  return ok ? g_steal_pointer (&hits) : NULL;
}

gboolean
petrel_drafts_upload (PetrelAccount  *account,
                      GCancellable   *cancellable,
                      GError        **error)
{
  SyncRun run;
  gboolean ok;

  g_return_val_if_fail (PETREL_IS_ACCOUNT (account), FALSE);

  if (!sync_run_init (&run, account, cancellable, error))
    return FALSE;
  ok = connect_client (&run, error) &&
       _petrel_drafts_upload (run.store, run.client, run.context, cancellable, error);
  sync_run_clear (&run);
  return ok;
}
