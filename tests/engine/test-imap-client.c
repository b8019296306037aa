/* test-imap-client.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* PetrelImapClient against the real Dovecot of tests/support (one server set for the whole
 * binary), plus small scripted loopback servers for the faults Dovecot will not produce. */

#include "config.h"

#include <string.h>

#include "imap/petrel-imap.h"
#include "imap/petrel-imap-client.h"
#include "petrel-test-servers.h"

#define WAIT_LIMIT_SECONDS 120

static PetrelTestServers *servers;
static GTlsDatabase *tls_database;
static char *servers_error;

/* ---- Helpers ------------------------------------------------------------------------------- */

static gboolean
on_wait_limit_cb (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

static void
spin_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, on_wait_limit_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static void
store_result_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **out = user_data;

  g_assert_null (*out);
  *out = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **result)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add_seconds (WAIT_LIMIT_SECONDS, on_wait_limit_cb, &expired);

  while (*result == NULL && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (id);
  g_assert_false (expired);
  return *result;
}

static gboolean
need_servers (void)
{
  if (servers != NULL)
    return TRUE;
  g_test_skip (servers_error != NULL ? servers_error : "test servers unavailable");
  return FALSE;
}

static PetrelImapClient *
make_client (PetrelImapSecurity security,
             guint              user)
{
  PetrelImapClient *client;
  guint16 port = security == PETREL_IMAP_SECURITY_TLS
                   ? petrel_test_servers_get_imaps_port (servers)
                   : petrel_test_servers_get_imap_port (servers);

  client = petrel_imap_client_new (petrel_test_servers_get_host (servers), port, security);
  petrel_imap_client_set_tls_database (client, tls_database);
  petrel_imap_client_set_user (client, petrel_test_servers_get_user (servers, user));
  petrel_imap_client_set_password (client, petrel_test_servers_get_password (servers, user));
  petrel_imap_client_set_timeout (client, 20000);
  petrel_imap_client_set_auto_compress (client, FALSE);
  return client;
}

static gboolean
client_connect (PetrelImapClient  *client,
                GError           **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  petrel_imap_client_connect_async (client, NULL, store_result_cb, &result);
  return petrel_imap_client_connect_finish (client, wait_result (&result), error);
}

static PetrelImapClient *
connect_user (guint user)
{
  g_autoptr(PetrelImapClient) client = make_client (PETREL_IMAP_SECURITY_TLS, user);
  g_autoptr(GError) error = NULL;

  client_connect (client, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&client);
}

static void
client_logout (PetrelImapClient *client)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  petrel_imap_client_logout_async (client, NULL, store_result_cb, &result);
  petrel_imap_client_logout_finish (client, wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpint (petrel_imap_client_get_state (client), ==, PETREL_IMAP_CLIENT_STATE_CLOSED);
}

static PetrelImapMailboxState *
client_select (PetrelImapClient *client,
               const char       *mailbox)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  PetrelImapMailboxState *state;

  petrel_imap_client_select_async (client, mailbox, FALSE, FALSE, NULL, NULL, NULL, NULL, NULL,
                                   store_result_cb, &result);
  state = petrel_imap_client_select_finish (client, wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_nonnull (state);
  return state;
}

static void
client_create (PetrelImapClient *client,
               const char       *mailbox)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  petrel_imap_client_create_async (client, mailbox, NULL, store_result_cb, &result);
  petrel_imap_client_create_finish (client, wait_result (&result), &error);
  g_assert_no_error (error);
}

static GBytes *
make_message (const char *subject,
              guint       n)
{
  g_autofree char *text = g_strdup_printf ("From: Bob <bob@example.test>\r\n"
                                           "To: Alice <alice@example.test>\r\n"
                                           "Subject: %s %u\r\n"
                                           "Message-ID: <%s.%u@example.test>\r\n"
                                           "Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
                                           "\r\n"
                                           "Body of message %u.\r\n",
                                           subject, n, subject, n, n);

  return g_bytes_new (text, strlen (text));
}

static guint32
client_append (PetrelImapClient *client,
               const char       *mailbox,
               GBytes           *message)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  PetrelImapAppendMessage append = { message, NULL, NULL };
  guint32 uidvalidity = 0;
  guint32 uid = 0;

  petrel_imap_client_append_async (client, mailbox, &append, NULL, store_result_cb, &result);
  petrel_imap_client_append_finish (client, wait_result (&result), &uidvalidity, &uid, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (uidvalidity, !=, 0);
  g_assert_cmpuint (uid, !=, 0);
  return uid;
}

static void
fill_mailbox (PetrelImapClient *client,
              const char       *mailbox,
              guint             n)
{
  client_create (client, mailbox);
  for (guint i = 1; i <= n; i++)
    {
      g_autoptr(GBytes) message = make_message (mailbox, i);

      client_append (client, mailbox, message);
    }
}

static void
on_closed_cb (PetrelImapClient *client,
              const GError     *error,
              gpointer          user_data)
{
  GError **out = user_data;

  g_assert_null (*out);
  *out = error != NULL ? g_error_copy (error)
                       : g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CLOSED, "clean");
}

/* ---- Connecting ---------------------------------------------------------------------------- */

static void
test_connect_tls (void)
{
  g_autoptr(PetrelImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) closed = NULL;

  if (!need_servers ())
    return;

  client = make_client (PETREL_IMAP_SECURITY_TLS, 0);
  g_signal_connect (client, "closed", G_CALLBACK (on_closed_cb), &closed);
  g_assert_cmpint (petrel_imap_client_get_state (client), ==,
                   PETREL_IMAP_CLIENT_STATE_DISCONNECTED);
  client_connect (client, &error);
  g_assert_no_error (error);
  g_assert_cmpint (petrel_imap_client_get_state (client), ==,
                   PETREL_IMAP_CLIENT_STATE_AUTHENTICATED);
  g_assert_true (petrel_imap_client_is_tls (client));
  g_assert_false (petrel_imap_client_is_compressed (client));
  g_assert_nonnull (petrel_imap_client_get_peer_certificate (client));
  g_assert_cmpint (petrel_imap_client_get_peer_certificate_errors (client), ==, 0);
  /* Capabilities are those after login (Dovecot lists more then). */
  g_assert_true (petrel_imap_client_has_capability (client, "IMAP4rev1"));
  g_assert_true (petrel_imap_client_has_capability (client, "QRESYNC"));
  g_assert_true (petrel_imap_client_has_capability (client, "MOVE"));
  g_assert_false (petrel_imap_client_has_capability (client, "AUTH=PLAIN"));

  client_logout (client);
  g_assert_nonnull (closed);
  g_assert_error (closed, G_IO_ERROR, G_IO_ERROR_CLOSED); /* our marker for a clean close */
}

static void
test_connect_starttls (void)
{
  g_autoptr(PetrelImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  if (!need_servers ())
    return;

  client = make_client (PETREL_IMAP_SECURITY_STARTTLS, 1);
  client_connect (client, &error);
  g_assert_no_error (error);
  g_assert_true (petrel_imap_client_is_tls (client));
  g_assert_cmpint (petrel_imap_client_get_state (client), ==,
                   PETREL_IMAP_CLIENT_STATE_AUTHENTICATED);
  g_assert_false (petrel_imap_client_has_capability (client, "STARTTLS"));
  g_assert_true (petrel_imap_client_has_capability (client, "IDLE"));

  petrel_imap_client_noop_async (client, NULL, store_result_cb, &result);
  petrel_imap_client_noop_finish (client, wait_result (&result), &error);
  g_assert_no_error (error);
  client_logout (client);
}

static void
test_connect_login_quoting (void)
{
  g_autoptr(PetrelImapClient) client = NULL;
  g_autoptr(GError) error = NULL;

  if (!need_servers ())
    return;

  /* carol's password holds a space, a quote and a backslash; LOGIN must quote it right. */
  client = make_client (PETREL_IMAP_SECURITY_TLS, 2);
  petrel_imap_client_set_auth_mechanism (client, PETREL_IMAP_AUTH_LOGIN);
  client_connect (client, &error);
  g_assert_no_error (error);
  client_logout (client);

  g_clear_object (&client);
  client = make_client (PETREL_IMAP_SECURITY_STARTTLS, 2);
  petrel_imap_client_set_auth_mechanism (client, PETREL_IMAP_AUTH_PLAIN);
  client_connect (client, &error);
  g_assert_no_error (error);
  client_logout (client);
}

static void
test_connect_wrong_password (void)
{
  g_autoptr(PetrelImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) closed = NULL;

  if (!need_servers ())
    return;

  for (guint i = 0; i < 2; i++)
    {
      g_clear_object (&client);
      g_clear_error (&error);
      g_clear_error (&closed);
      client = make_client (PETREL_IMAP_SECURITY_TLS, 0);
      petrel_imap_client_set_password (client, "not the password");
      petrel_imap_client_set_auth_mechanism (client, i == 0 ? PETREL_IMAP_AUTH_PLAIN
                                                            : PETREL_IMAP_AUTH_LOGIN);
      g_signal_connect (client, "closed", G_CALLBACK (on_closed_cb), &closed);
      g_assert_false (client_connect (client, &error));
      g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_AUTH);
      g_assert_nonnull (strstr (error->message, "Login to"));
      g_assert_null (strstr (error->message, "not the password"));
      g_assert_cmpint (petrel_imap_client_get_state (client), ==,
                       PETREL_IMAP_CLIENT_STATE_CLOSED);
      g_assert_error (closed, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_AUTH);
    }
}

static void
test_connect_untrusted (void)
{
  if (!need_servers ())
    return;

  for (guint i = 0; i < 2; i++)
    {
      PetrelImapSecurity security = i == 0 ? PETREL_IMAP_SECURITY_TLS
                                           : PETREL_IMAP_SECURITY_STARTTLS;
      g_autoptr(PetrelImapClient) client = make_client (security, 0);
      g_autoptr(GError) error = NULL;
      g_autoptr(GTlsDatabase) empty = NULL;
      g_autofree char *path = NULL;

      /* A client with a CA list that lacks the test CA (the system's, here). */
      petrel_imap_client_set_tls_database (client, NULL);
      g_assert_false (client_connect (client, &error));
      g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_CERTIFICATE);
      g_assert_nonnull (strstr (error->message, "not trusted"));
      g_assert_nonnull (strstr (error->message, "unknown authority"));
      g_assert_nonnull (strstr (error->message, "SHA-256 fingerprint: "));
      g_assert_nonnull (petrel_imap_client_get_peer_certificate (client));
      g_assert_true (petrel_imap_client_get_peer_certificate_errors (client) &
                     G_TLS_CERTIFICATE_UNKNOWN_CA);
      g_assert_false (petrel_imap_client_is_tls (client));
    }
}

static gboolean
on_accept_pinned_cb (GTlsConnection       *connection,
                     GTlsCertificate      *peer,
                     GTlsCertificateFlags  errors,
                     gpointer              user_data)
{
  GTlsCertificate *pinned = user_data;

  return g_tls_certificate_is_same (peer, pinned);
}

static void
on_tls_connection_created_cb (PetrelImapClient     *client,
                              GTlsClientConnection *connection,
                              gpointer              user_data)
{
  g_signal_connect (connection, "accept-certificate", G_CALLBACK (on_accept_pinned_cb),
                    user_data);
}

static void
test_connect_pinned (void)
{
  g_autoptr(PetrelImapClient) client = NULL;
  g_autoptr(PetrelImapClient) first = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) pinned = NULL;

  if (!need_servers ())
    return;

  /* Learn the certificate from a refused attempt, then pin it through the hook. */
  first = make_client (PETREL_IMAP_SECURITY_TLS, 0);
  petrel_imap_client_set_tls_database (first, NULL);
  g_assert_false (client_connect (first, &error));
  g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_CERTIFICATE);
  g_clear_error (&error);
  pinned = g_object_ref (petrel_imap_client_get_peer_certificate (first));

  client = make_client (PETREL_IMAP_SECURITY_TLS, 0);
  petrel_imap_client_set_tls_database (client, NULL);
  g_signal_connect (client, "tls-connection-created", G_CALLBACK (on_tls_connection_created_cb),
                    pinned);
  client_connect (client, &error);
  g_assert_no_error (error);
  g_assert_true (petrel_imap_client_is_tls (client));
  client_logout (client);
}

/* ---- Mailboxes ---------------------------------------------------------------------------- */

static PetrelImapListEntry *
find_entry (GPtrArray  *entries,
            const char *name)
{
  for (guint i = 0; i < entries->len; i++)
    {
      PetrelImapListEntry *entry = g_ptr_array_index (entries, i);

      if (g_strcmp0 (entry->info->name, name) == 0)
        return entry;
    }
  return NULL;
}

static PetrelImapListEntry *
get_entry (GPtrArray  *entries,
           const char *name)
{
  PetrelImapListEntry *entry = find_entry (entries, name);

  if (entry == NULL)
    g_error ("LIST did not return %s", name);
  return entry;
}

static GPtrArray *
client_list (PetrelImapClient      *client,
             PetrelImapListOptions  options,
             PetrelImapStatusItems  items)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *entries;

  petrel_imap_client_list_async (client, "", "*", options, items, NULL, store_result_cb, &result);
  entries = petrel_imap_client_list_finish (client, wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_nonnull (entries);
  return entries;
}

static void
test_mailboxes (void)
{
  g_autoptr(PetrelImapClient) client = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PetrelImapStatusInfo) status = NULL;
  g_autoptr(PetrelImapNamespaces) namespaces = NULL;
  g_autoptr(GHashTable) id = NULL;
  g_autoptr(GHashTable) our_id = NULL;
  PetrelImapListEntry *entry;

  if (!need_servers ())
    return;

  client = connect_user (0);
  fill_mailbox (client, "Petrel Äpfel", 2);

  /* LIST with SPECIAL-USE and LIST-STATUS. */
  entries = client_list (client, PETREL_IMAP_LIST_SPECIAL_USE,
                         PETREL_IMAP_STATUS_MESSAGES | PETREL_IMAP_STATUS_UNSEEN |
                         PETREL_IMAP_STATUS_UIDNEXT);
  entry = get_entry (entries, "INBOX");
  g_assert_nonnull (entry->status);
  g_assert_true (entry->status->items & PETREL_IMAP_STATUS_MESSAGES);
  entry = get_entry (entries, "Sent");
  g_assert_true (entry->info->attributes & PETREL_IMAP_MAILBOX_SENT);
  entry = get_entry (entries, "Trash");
  g_assert_true (entry->info->attributes & PETREL_IMAP_MAILBOX_TRASH);
  entry = get_entry (entries, "Petrel Äpfel");
  g_assert_cmpstr (entry->info->raw_name, ==, "Petrel &AMQ-pfel");
  g_assert_nonnull (entry->status);
  g_assert_cmpuint (entry->status->messages, ==, 2);
  g_assert_cmpuint (entry->status->unseen, ==, 2);
  g_assert_cmpuint (entry->status->uidnext, ==, 3);
  g_clear_pointer (&entries, g_ptr_array_unref);

  /* STATUS */
  petrel_imap_client_status_async (client, "Petrel Äpfel", 0, NULL, store_result_cb, &result);
  status = petrel_imap_client_status_finish (client, wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (status->messages, ==, 2);
  g_assert_cmpuint (status->uidvalidity, !=, 0);
  g_assert_true (status->items & PETREL_IMAP_STATUS_HIGHESTMODSEQ);
  g_clear_object (&result);

  /* RENAME, SUBSCRIBE, LIST (SUBSCRIBED), UNSUBSCRIBE, DELETE */
  petrel_imap_client_rename_async (client, "Petrel Äpfel", "Petrel Birnen", NULL,
                                   store_result_cb, &result);
  petrel_imap_client_rename_finish (client, wait_result (&result), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  petrel_imap_client_subscribe_async (client, "Petrel Birnen", TRUE, NULL, store_result_cb,
                                      &result);
  petrel_imap_client_subscribe_finish (client, wait_result (&result), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  entries = client_list (client, PETREL_IMAP_LIST_SUBSCRIBED, 0);
  entry = get_entry (entries, "Petrel Birnen");
  g_assert_true (entry->info->attributes & PETREL_IMAP_MAILBOX_SUBSCRIBED);
  g_assert_null (find_entry (entries, "Petrel Äpfel"));
  g_clear_pointer (&entries, g_ptr_array_unref);
  petrel_imap_client_subscribe_async (client, "Petrel Birnen", FALSE, NULL, store_result_cb,
                                      &result);
  petrel_imap_client_subscribe_finish (client, wait_result (&result), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  petrel_imap_client_delete_async (client, "Petrel Birnen", NULL, store_result_cb, &result);
  petrel_imap_client_delete_finish (client, wait_result (&result), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  entries = client_list (client, PETREL_IMAP_LIST_NONE, 0);
  g_assert_null (find_entry (entries, "Petrel Birnen"));
    g_assert_null (get_entry (entries, "INBOX")->status);

  /* Errors keep the server's reason. */
  petrel_imap_client_delete_async (client, "Petrel Birnen", NULL, store_result_cb, &result);
  g_assert_false (petrel_imap_client_delete_finish (client, wait_result (&result), &error));
  g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_NONEXISTENT);
  g_assert_nonnull (strstr (error->message, "DELETE"));
  g_clear_error (&error);
  g_clear_object (&result);
  petrel_imap_client_select_async (client, "No Such Box", FALSE, FALSE, NULL, NULL, NULL, NULL,
                                   NULL, store_result_cb, &result);
  g_assert_null (petrel_imap_client_select_finish (client, wait_result (&result), &error));
  /* Dovecot sends no [NONEXISTENT] code for SELECT. */
  g_assert_true (g_error_matches (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_NONEXISTENT) ||
                 g_error_matches (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_NO));
  g_assert_nonnull (strstr (error->message, "doesn't exist"));
  g_assert_cmpint (petrel_imap_client_get_state (client), ==,
                   PETREL_IMAP_CLIENT_STATE_AUTHENTICATED);
  g_clear_error (&error);
  g_clear_object (&result);

  /* NAMESPACE, ID, and GETQUOTAROOT (this Dovecot has no quota: a clear refusal). */
  petrel_imap_client_namespace_async (client, NULL, store_result_cb, &result);
  namespaces = petrel_imap_client_namespace_finish (client, wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (namespaces->n_personal, ==, 1);
  g_clear_object (&result);

  our_id = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (our_id, "name", "Petrel");
  g_hash_table_insert (our_id, "version", "test \"quoted\"");
  petrel_imap_client_id_async (client, our_id, NULL, store_result_cb, &result);
  id = petrel_imap_client_id_finish (client, wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_nonnull (id);
  g_assert_cmpstr (g_hash_table_lookup (id, "name"), ==, "Dovecot");
  g_clear_object (&result);

  petrel_imap_client_getquotaroot_async (client, "INBOX", NULL, store_result_cb, &result);
  g_assert_null (petrel_imap_client_getquotaroot_finish (client, wait_result (&result), NULL,
                                                         &error));
  g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_UNSUPPORTED);
  g_clear_error (&error);
  g_clear_object (&result);

  /* A mailbox name that cannot be sent is refused before anything is sent. */
  petrel_imap_client_create_async (client, "Bad\r\nA1 LOGOUT", NULL, store_result_cb, &result);
  petrel_imap_client_create_finish (client, wait_result (&result), &error);
  if (error != NULL)
    g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_INVALID);
  g_clear_error (&error);
  g_clear_object (&result);
  g_assert_cmpint (petrel_imap_client_get_state (client), ==,
                   PETREL_IMAP_CLIENT_STATE_AUTHENTICATED);

  client_logout (client);
}

/* ---- Messages ------------------------------------------------------------------------------ */

typedef struct
{
  guint count;
  guint32 last_uid;
  gboolean in_order;
  GPtrArray *responses;        /* kept only when a test wants to look at them */
  GHashTable *uids;            /* uid -> count, when wanted */
} FetchCount;

static void
fetch_count_clear (FetchCount *count)
{
  g_clear_pointer (&count->responses, g_ptr_array_unref);
  g_clear_pointer (&count->uids, g_hash_table_unref);
}

static void
count_fetch_cb (PetrelImapClient      *client,
                PetrelImapResponse    *response,
                const PetrelImapFetch *fetch,
                gpointer               user_data)
{
  FetchCount *count = user_data;

  g_assert_true (fetch->items & PETREL_IMAP_FETCH_UID);
  if (count->count > 0 && fetch->uid <= count->last_uid)
    count->in_order = FALSE;
  count->count++;
  count->last_uid = fetch->uid;
  if (count->responses != NULL)
    g_ptr_array_add (count->responses, petrel_imap_response_ref (response));
  if (count->uids != NULL)
    {
      gpointer key = GUINT_TO_POINTER (fetch->uid);

      g_hash_table_insert (count->uids, key,
                           GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (count->uids,
                                                                                    key)) + 1));
    }
}

static void
client_fetch (PetrelImapClient       *client,
              const PetrelImapSeqSet *uids,
              const char             *items,
              guint64                 changedsince,
              PetrelImapFetchOptions  options,
              FetchCount             *count,
              PetrelImapSeqSet      **vanished)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  count->in_order = TRUE;
  petrel_imap_client_uid_fetch_async (client, uids, items, changedsince, options,
                                      count_fetch_cb, count, NULL, NULL, store_result_cb, &result);
  petrel_imap_client_uid_fetch_finish (client, wait_result (&result), vanished, &error);
  g_assert_no_error (error);
}

static void
test_append (void)
{
  static const char * const flags[] = { "\\Flagged", "$Custom", NULL };
  g_autoptr(PetrelImapClient) client = NULL;
  g_autoptr(PetrelImapMailboxState) state = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) message = NULL;
  g_autoptr(GDateTime) date = NULL;
  g_autoptr(GTimeZone) zone = NULL;
  g_autoptr(PetrelImapSeqSet) set = NULL;
  g_autoptr(PetrelImapSeqSet) uids = NULL;
  FetchCount count = { 0 };
  PetrelImapAppendMessage append = { NULL, flags, NULL };
  PetrelImapAppendMessage multi[3];
  GBytes *multi_bytes[3];
  const PetrelImapFetch *fetch;
  const PetrelImapFetchSection *body;
  guint32 uidvalidity = 0;
  guint32 uid = 0;
  g_autoptr(GBytes) fetched = NULL;
  const char *text = "From: Carol <carol@example.test>\r\n"
                     "Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n"
                     "Content-Type: text/plain; charset=utf-8\r\n"
                     "Content-Transfer-Encoding: 8bit\r\n"
                     "\r\n"
                     "Grüße aus Köln.\r\n"
                     "A line that looks like a command:\r\nA0001 LOGOUT\r\n";

  if (!need_servers ())
    return;

  client = connect_user (0);
  client_create (client, "AppendBox");

  zone = g_time_zone_new_offset (2 * 3600);
  date = g_date_time_new (zone, 2023, 5, 4, 12, 34, 56);
  message = g_bytes_new_static (text, strlen (text));
  append.message = message;
  append.internal_date = date;
  petrel_imap_client_append_async (client, "AppendBox", &append, NULL, store_result_cb, &result);
  petrel_imap_client_append_finish (client, wait_result (&result), &uidvalidity, &uid, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (uidvalidity, !=, 0);
  g_assert_cmpuint (uid, ==, 1);
  g_clear_object (&result);

  state = client_select (client, "AppendBox");
  g_assert_cmpuint (state->exists, ==, 1);
  g_assert_cmpuint (state->uidvalidity, ==, uidvalidity);
  g_assert_cmpuint (state->uidnext, ==, 2);
  g_assert_true (g_strv_contains ((const char * const *) state->permanent_flags, "\\Flagged"));
  g_assert_cmpint (petrel_imap_client_get_state (client), ==, PETREL_IMAP_CLIENT_STATE_SELECTED);
  g_assert_cmpuint (petrel_imap_client_get_selected (client)->uidvalidity, ==, uidvalidity);

  count.responses = g_ptr_array_new_with_free_func ((GDestroyNotify) petrel_imap_response_unref);
  set = petrel_imap_seqset_new_range (uid, uid);
  client_fetch (client, set, "(UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])", 0, 0, &count,
                NULL);
  g_assert_cmpuint (count.count, ==, 1);
  fetch = petrel_imap_response_get_fetch (g_ptr_array_index (count.responses, 0), NULL);
  g_assert_nonnull (fetch);
  g_assert_cmpuint (fetch->uid, ==, uid);
  g_assert_true (petrel_imap_fetch_has_flag (fetch, "\\Flagged"));
  g_assert_true (petrel_imap_fetch_has_flag (fetch, "$Custom"));
  g_assert_false (petrel_imap_fetch_has_flag (fetch, "\\Seen"));
  g_assert_cmpint (fetch->internaldate, ==, g_date_time_to_unix (date));
  g_assert_cmpuint (fetch->rfc822_size, ==, strlen (text));
  body = petrel_imap_fetch_find_section (fetch, PETREL_IMAP_SECTION_BODY, "");
  g_assert_nonnull (body);
  fetched = petrel_imap_value_load_bytes (body->value, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (fetched, message));
  fetch_count_clear (&count);

  /* MULTIAPPEND (Dovecot offers it): one command, three literals. */
  for (guint i = 0; i < 3; i++)
    {
      multi_bytes[i] = make_message ("multi", i);
      multi[i] = (PetrelImapAppendMessage) { multi_bytes[i], NULL, NULL };
    }
  g_assert_true (petrel_imap_client_has_capability (client, "MULTIAPPEND"));
  petrel_imap_client_append_multi_async (client, "AppendBox", multi, 3, NULL, store_result_cb,
                                         &result);
  petrel_imap_client_append_multi_finish (client, wait_result (&result), &uidvalidity, &uids,
                                          &error);
  g_assert_no_error (error);
  g_assert_nonnull (uids);
  g_assert_cmpuint (petrel_imap_seqset_count (uids), ==, 3);
  g_assert_true (petrel_imap_seqset_contains (uids, 2));
  g_assert_true (petrel_imap_seqset_contains (uids, 4));
  for (guint i = 0; i < 3; i++)
    g_bytes_unref (multi_bytes[i]);

  client_logout (client);
}

static void
test_binary (void)
{
  static const guint8 attachment[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 255, 13, 10, 0 };
  g_autoptr(PetrelImapClient) client = NULL;
  g_autoptr(PetrelImapMailboxState) state = NULL;
  g_autoptr(GBytes) message = NULL;
  g_autoptr(GBytes) fetched = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PetrelImapSeqSet) set = NULL;
  g_autofree char *encoded = g_base64_encode (attachment, sizeof attachment);
  g_autofree char *text = NULL;
  g_autofree char *item = NULL;
  g_autofree char *items = NULL;
  FetchCount count = { 0 };
  const PetrelImapFetch *fetch;
  const PetrelImapFetchSection *part;
  guint32 uid;

  if (!need_servers ())
    return;

  client = connect_user (0);
  client_create (client, "BinaryBox");
  text = g_strdup_printf ("From: Bob <bob@example.test>\r\n"
                          "Subject: binary\r\n"
                          "MIME-Version: 1.0\r\n"
                          "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
                          "\r\n"
                          "--b1\r\n"
                          "Content-Type: text/plain\r\n"
                          "\r\n"
                          "hello\r\n"
                          "--b1\r\n"
                          "Content-Type: application/octet-stream\r\n"
                          "Content-Transfer-Encoding: base64\r\n"
                          "\r\n"
                          "%s\r\n"
                          "--b1--\r\n", encoded);
  message = g_bytes_new (text, strlen (text));
  uid = client_append (client, "BinaryBox", message);
  state = client_select (client, "BinaryBox");

  /* Dovecot offers BINARY: the server decodes the base64 and sends a literal8 with NULs. */
  item = petrel_imap_client_dup_part_item (client, "2");
  g_assert_cmpstr (item, ==, "BINARY.PEEK[2]");
  items = g_strdup_printf ("(UID BODYSTRUCTURE %s)", item);
  count.responses = g_ptr_array_new_with_free_func ((GDestroyNotify) petrel_imap_response_unref);
  set = petrel_imap_seqset_new_range (uid, uid);
  client_fetch (client, set, items, 0, 0, &count, NULL);
  g_assert_cmpuint (count.count, ==, 1);
  fetch = petrel_imap_response_get_fetch (g_ptr_array_index (count.responses, 0), NULL);
  g_assert_nonnull (fetch);
  g_assert_nonnull (fetch->body);
  g_assert_cmpuint (fetch->body->n_children, ==, 2);
  part = petrel_imap_fetch_find_section (fetch, PETREL_IMAP_SECTION_BINARY, "2");
  g_assert_nonnull (part);
  fetched = petrel_imap_value_load_bytes (part->value, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (fetched, NULL), g_bytes_get_size (fetched),
                   attachment, sizeof attachment);
  fetch_count_clear (&count);

  /* Header sections stay BODY[...]. */
  g_clear_pointer (&item, g_free);
  item = petrel_imap_client_dup_part_item (client, "1.MIME");
  g_assert_cmpstr (item, ==, "BODY.PEEK[1.MIME]");

  client_logout (client);
}

static void
on_expunged_cb (PetrelImapClient *client,
                guint             seq,
                gpointer          user_data)
{
  guint *n = user_data;

  (*n)++;
}

static void
test_copy_move (void)
{
  g_autoptr(PetrelImapClient) client = NULL;
  g_autoptr(PetrelImapMailboxState) state = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PetrelImapCopyResult) copied = NULL;
  g_autoptr(PetrelImapCopyResult) moved = NULL;
  g_autoptr(PetrelImapSeqSet) one = petrel_imap_seqset_new_range (1, 1);
  g_autoptr(PetrelImapSeqSet) two = petrel_imap_seqset_new_range (2, 3);
  g_autoptr(PetrelImapStatusInfo) status = NULL;
  guint n_expunged = 0;

  if (!need_servers ())
    return;

  client = connect_user (0);
  fill_mailbox (client, "MoveSrc", 4);
  client_create (client, "MoveDst");
  state = client_select (client, "MoveSrc");
  g_assert_cmpuint (state->exists, ==, 4);
  g_signal_connect (client, "expunged", G_CALLBACK (on_expunged_cb), &n_expunged);

  petrel_imap_client_uid_copy_async (client, one, "MoveDst", NULL, store_result_cb, &result);
  petrel_imap_client_uid_copy_finish (client, wait_result (&result), &copied, &error);
  g_assert_no_error (error);
  g_assert_nonnull (copied);
  g_assert_cmpuint (copied->uidvalidity, !=, 0);
  g_assert_cmpuint (petrel_imap_seqset_count (copied->source), ==, 1);
  g_assert_true (petrel_imap_seqset_contains (copied->source, 1));
  g_assert_true (petrel_imap_seqset_contains (copied->destination, 1));
  g_clear_object (&result);

  petrel_imap_client_uid_move_async (client, two, "MoveDst", NULL, store_result_cb, &result);
  petrel_imap_client_uid_move_finish (client, wait_result (&result), &moved, &error);
  g_assert_no_error (error);
  g_assert_nonnull (moved);
  g_assert_cmpuint (moved->uidvalidity, ==, copied->uidvalidity);
  g_assert_cmpuint (petrel_imap_seqset_count (moved->source), ==, 2);
  g_assert_true (petrel_imap_seqset_contains (moved->source, 2));
  g_assert_true (petrel_imap_seqset_contains (moved->source, 3));
  g_assert_true (petrel_imap_seqset_contains (moved->destination, 2));
  g_assert_true (petrel_imap_seqset_contains (moved->destination, 3));
  g_assert_cmpuint (n_expunged, ==, 2);
  g_assert_cmpuint (petrel_imap_client_get_selected (client)->exists, ==, 2);
  g_clear_object (&result);

  petrel_imap_client_status_async (client, "MoveDst", PETREL_IMAP_STATUS_MESSAGES, NULL,
                                   store_result_cb, &result);
  status = petrel_imap_client_status_finish (client, wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (status->messages, ==, 3);
  g_clear_object (&result);

  /* UID EXPUNGE of a flagged message, and a UID SEARCH to see what is left. */
  {
    static const char * const deleted[] = { "\\Deleted", NULL };
    static const char * const all[] = { "ALL", NULL };
    g_autoptr(PetrelImapSeqSet) four = petrel_imap_seqset_new_range (4, 4);
    g_autoptr(PetrelImapSeqSet) left = NULL;

    petrel_imap_client_uid_store_async (client, four, PETREL_IMAP_STORE_ADD, deleted, 0,
                                        NULL, NULL, NULL, NULL, store_result_cb, &result);
    petrel_imap_client_uid_store_finish (client, wait_result (&result), NULL, &error);
    g_assert_no_error (error);
    g_clear_object (&result);
    petrel_imap_client_expunge_async (client, four, NULL, store_result_cb, &result);
    petrel_imap_client_expunge_finish (client, wait_result (&result), &error);
    g_assert_no_error (error);
    g_clear_object (&result);
    g_assert_cmpuint (n_expunged, ==, 3);

    petrel_imap_client_uid_search_async (client, all, NULL, store_result_cb, &result);
    left = petrel_imap_client_uid_search_finish (client, wait_result (&result), NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (petrel_imap_seqset_count (left), ==, 1);
    g_assert_true (petrel_imap_seqset_contains (left, 1));
    g_clear_object (&result);
  }

  client_logout (client);
}

static void
test_search (void)
{
  static const char * const by_subject[] = { "SUBJECT", "=SearchBox 2", NULL };
  static const char * const by_header[] = { "HEADER", "=Message-ID", "=<SearchBox.3@example.test>",
                                            NULL };
  static const char * const unseen_range[] = { "UNSEEN", "UID", "2:3", NULL };
  static const char * const utf8[] = { "BODY", "=Grüße", NULL };
  static const char * const bad[] = { "UID", "1:2\r\nA1 LOGOUT", NULL };
  g_autoptr(PetrelImapClient) client = NULL;
  g_autoptr(PetrelImapMailboxState) state = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PetrelImapSeqSet) uids = NULL;

  if (!need_servers ())
    return;

  client = connect_user (0);
  fill_mailbox (client, "SearchBox", 4);
  state = client_select (client, "SearchBox");

  petrel_imap_client_uid_search_async (client, by_subject, NULL, store_result_cb, &result);
  uids = petrel_imap_client_uid_search_finish (client, wait_result (&result), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (petrel_imap_seqset_count (uids), ==, 1);
  g_assert_true (petrel_imap_seqset_contains (uids, 2));
  g_clear_pointer (&uids, petrel_imap_seqset_free);
  g_clear_object (&result);

  petrel_imap_client_uid_search_async (client, by_header, NULL, store_result_cb, &result);
  uids = petrel_imap_client_uid_search_finish (client, wait_result (&result), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (petrel_imap_seqset_count (uids), ==, 1);
  g_assert_true (petrel_imap_seqset_contains (uids, 3));
  g_clear_pointer (&uids, petrel_imap_seqset_free);
  g_clear_object (&result);

  petrel_imap_client_uid_search_async (client, unseen_range, NULL, store_result_cb, &result);
  uids = petrel_imap_client_uid_search_finish (client, wait_result (&result), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (petrel_imap_seqset_count (uids), ==, 2);
  g_clear_pointer (&uids, petrel_imap_seqset_free);
  g_clear_object (&result);

  /* 8-bit search text goes with CHARSET UTF-8; none matches, which is an empty set. */
  petrel_imap_client_uid_search_async (client, utf8, NULL, store_result_cb, &result);
  uids = petrel_imap_client_uid_search_finish (client, wait_result (&result), NULL, &error);
  g_assert_no_error (error);
  g_assert_true (petrel_imap_seqset_is_empty (uids));
  g_clear_pointer (&uids, petrel_imap_seqset_free);
  g_clear_object (&result);

  petrel_imap_client_uid_search_async (client, bad, NULL, store_result_cb, &result);
  g_assert_null (petrel_imap_client_uid_search_finish (client, wait_result (&result), NULL,
                                                       &error));
  g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_INVALID);
  g_clear_error (&error);
  g_clear_object (&result);

  client_logout (client);
}

typedef struct
{
  guint32 uid;
  gboolean flagged;
  guint count;
} ChangedFetch;

static void
changed_fetch_cb (PetrelImapClient      *client,
                  PetrelImapResponse    *response,
                  const PetrelImapFetch *fetch,
                  gpointer               user_data)
{
  ChangedFetch *changed = user_data;

  changed->count++;
  if ((fetch->items & PETREL_IMAP_FETCH_UID) != 0 && fetch->uid == changed->uid)
    changed->flagged = petrel_imap_fetch_has_flag (fetch, "\\Flagged");
}

static void
client_enable_qresync (PetrelImapClient *client)
{
  static const char * const wanted[] = { "QRESYNC", "CONDSTORE", "X-NOT-OFFERED", NULL };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) enabled = NULL;

  petrel_imap_client_enable_async (client, wanted, NULL, store_result_cb, &result);
  enabled = petrel_imap_client_enable_finish (client, wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_true (g_strv_contains ((const char * const *) enabled, "QRESYNC"));
  g_assert_true (petrel_imap_client_is_enabled (client, "QRESYNC"));
  g_assert_false (petrel_imap_client_is_enabled (client, "X-NOT-OFFERED"));
}

static void
test_qresync (void)
{
  static const char * const flagged[] = { "\\Flagged", NULL };
  static const char * const deleted[] = { "\\Deleted", NULL };
  g_autoptr(PetrelImapClient) first = NULL;
  g_autoptr(PetrelImapClient) other = NULL;
  g_autoptr(PetrelImapClient) again = NULL;
  g_autoptr(PetrelImapMailboxState) before = NULL;
  g_autoptr(PetrelImapMailboxState) after = NULL;
  g_autoptr(PetrelImapMailboxState) state = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PetrelImapSeqSet) known = petrel_imap_seqset_new_range (1, 5);
  g_autoptr(PetrelImapSeqSet) two = petrel_imap_seqset_new_range (2, 2);
  g_autoptr(PetrelImapSeqSet) four = petrel_imap_seqset_new_range (4, 4);
  g_autoptr(PetrelImapSeqSet) all = petrel_imap_seqset_new_range (1, G_MAXUINT32);
  g_autoptr(PetrelImapSeqSet) vanished = NULL;
  g_autoptr(PetrelImapSeqSet) modified = NULL;
  PetrelImapQresyncParams params = { 0 };
  ChangedFetch changed = { 2, FALSE, 0 };
  FetchCount count = { 0 };

  if (!need_servers ())
    return;

  /* What a cache would remember. */
  first = connect_user (0);
  fill_mailbox (first, "Qresync", 5);
  client_enable_qresync (first);
  before = client_select (first, "Qresync");
  g_assert_cmpuint (before->highestmodseq, !=, 0);
  client_logout (first);

  /* Another session flags UID 2 and expunges UID 4. */
  other = connect_user (0);
  state = client_select (other, "Qresync");
  petrel_imap_client_uid_store_async (other, two, PETREL_IMAP_STORE_ADD, flagged, 0, NULL, NULL,
                                      NULL, NULL, store_result_cb, &result);
  petrel_imap_client_uid_store_finish (other, wait_result (&result), NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&result);

  /* A conditional store that must fail for the message just changed. */
  petrel_imap_client_uid_store_async (other, two, PETREL_IMAP_STORE_ADD, deleted,
                                      before->highestmodseq, NULL, NULL, NULL, NULL,
                                      store_result_cb, &result);
  petrel_imap_client_uid_store_finish (other, wait_result (&result), &modified, &error);
  g_assert_no_error (error);
  g_assert_nonnull (modified);
  g_assert_true (petrel_imap_seqset_contains (modified, 2));
  g_clear_object (&result);

  petrel_imap_client_uid_store_async (other, four, PETREL_IMAP_STORE_ADD, deleted, 0, NULL, NULL,
                                      NULL, NULL, store_result_cb, &result);
  petrel_imap_client_uid_store_finish (other, wait_result (&result), NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  petrel_imap_client_expunge_async (other, four, NULL, store_result_cb, &result);
  petrel_imap_client_expunge_finish (other, wait_result (&result), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  client_logout (other);

  /* Resync: VANISHED (EARLIER) 4 and a FETCH for 2 come with the SELECT. */
  again = connect_user (0);
  client_enable_qresync (again);
  params.uidvalidity = before->uidvalidity;
  params.modseq = before->highestmodseq;
  params.known_uids = known;
  petrel_imap_client_select_async (again, "Qresync", FALSE, FALSE, &params, changed_fetch_cb,
                                   &changed, NULL, NULL, store_result_cb, &result);
  after = petrel_imap_client_select_finish (again, wait_result (&result), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_cmpuint (after->exists, ==, 4);
  g_assert_cmpuint (after->uidvalidity, ==, before->uidvalidity);
  g_assert_cmpuint (after->highestmodseq, >, before->highestmodseq);
  g_assert_nonnull (after->vanished);
  g_assert_cmpuint (petrel_imap_seqset_count (after->vanished), ==, 1);
  g_assert_true (petrel_imap_seqset_contains (after->vanished, 4));
  g_assert_true (changed.flagged);
  g_assert_cmpuint (changed.count, ==, 1);

  /* The same through UID FETCH ... (CHANGEDSINCE n VANISHED). */
  client_fetch (again, all, "(UID FLAGS)", before->highestmodseq,
                PETREL_IMAP_FETCH_OPTION_VANISHED, &count, &vanished);
  g_assert_cmpuint (count.count, ==, 1);
  g_assert_cmpuint (count.last_uid, ==, 2);
  g_assert_nonnull (vanished);
  g_assert_true (petrel_imap_seqset_contains (vanished, 4));

  /* Switching mailboxes with QRESYNC on: `* OK [CLOSED]` separates the two. */
  {
    g_autoptr(PetrelImapMailboxState) inbox = client_select (again, "INBOX");
    g_autoptr(PetrelImapMailboxState) back = client_select (again, "Qresync");

    g_assert_cmpuint (inbox->uidvalidity, !=, 0);
    g_assert_cmpuint (inbox->uidvalidity, !=, before->uidvalidity);
    g_assert_cmpuint (back->uidvalidity, ==, before->uidvalidity);
    g_assert_cmpuint (back->exists, ==, 4);
    g_assert_cmpuint (back->highestmodseq, ==, after->highestmodseq);
    g_assert_cmpuint (petrel_imap_client_get_selected (again)->exists, ==, 4);
  }

  /* QRESYNC parameters that are not valid are refused before sending. */
  params.uidvalidity = 0;
  petrel_imap_client_select_async (again, "Qresync", FALSE, FALSE, &params, NULL, NULL, NULL,
                                   NULL, store_result_cb, &result);
  g_assert_null (petrel_imap_client_select_finish (again, wait_result (&result), &error));
  g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_INVALID);
  g_clear_error (&error);
  g_clear_object (&result);

  client_logout (again);
}

typedef struct
{
  guint exists;
  guint n_exists;
  guint n_fetch;
  gboolean fetch_flagged;
} IdleEvents;

static void
on_idle_exists_cb (PetrelImapClient *client,
                   guint             exists,
                   gpointer          user_data)
{
  IdleEvents *events = user_data;

  events->exists = exists;
  events->n_exists++;
}

static void
on_idle_fetch_cb (PetrelImapClient      *client,
                  PetrelImapResponse    *response,
                  const PetrelImapFetch *fetch,
                  gpointer               user_data)
{
  IdleEvents *events = user_data;

  events->n_fetch++;
  events->fetch_flagged = petrel_imap_fetch_has_flag (fetch, "\\Flagged");
}

static void
test_idle (void)
{
  static const char * const flagged[] = { "\\Flagged", NULL };
  g_autoptr(PetrelImapClient) idler = NULL;
  g_autoptr(PetrelImapClient) other = NULL;
  g_autoptr(PetrelImapMailboxState) state = NULL;
  g_autoptr(PetrelImapMailboxState) other_state = NULL;
  g_autoptr(GAsyncResult) idle_result = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) message = NULL;
  g_autoptr(GCancellable) cancellable = NULL;
  g_autoptr(PetrelImapSeqSet) one = petrel_imap_seqset_new_range (1, 1);
  IdleEvents events = { 0 };

  if (!need_servers ())
    return;

  idler = connect_user (1);
  fill_mailbox (idler, "IdleBox", 1);
  state = client_select (idler, "IdleBox");
  g_assert_cmpuint (state->exists, ==, 1);
  /* Short refresh: the IDLE is ended and issued again several times below. */
  petrel_imap_client_set_idle_refresh (idler, 150);
  g_signal_connect (idler, "exists", G_CALLBACK (on_idle_exists_cb), &events);
  g_signal_connect (idler, "fetch", G_CALLBACK (on_idle_fetch_cb), &events);

  petrel_imap_client_idle_async (idler, NULL, store_result_cb, &idle_result);
  while (!petrel_imap_client_is_idling (idler))
    g_main_context_iteration (NULL, TRUE);
  spin_for (700);
  g_assert_null (idle_result);

  /* Another session appends: the idler hears EXISTS. */
  other = connect_user (1);
  message = make_message ("idle", 2);
  client_append (other, "IdleBox", message);
  while (events.n_exists == 0 && idle_result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_null (idle_result);
  g_assert_cmpuint (events.exists, ==, 2);
  g_assert_cmpuint (petrel_imap_client_get_selected (idler)->exists, ==, 2);

  /* ... and a flag change as an unsolicited FETCH. */
  other_state = client_select (other, "IdleBox");
  petrel_imap_client_uid_store_async (other, one, PETREL_IMAP_STORE_ADD, flagged, 0, NULL, NULL,
                                      NULL, NULL, store_result_cb, &result);
  petrel_imap_client_uid_store_finish (other, wait_result (&result), NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  while (events.n_fetch == 0 && idle_result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (events.fetch_flagged);

  /* A command on the idling connection interrupts the IDLE, runs, and IDLE resumes. */
  petrel_imap_client_noop_async (idler, NULL, store_result_cb, &result);
  petrel_imap_client_noop_finish (idler, wait_result (&result), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  while (!petrel_imap_client_is_idling (idler) && idle_result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_null (idle_result);

  petrel_imap_client_idle_stop (idler);
  petrel_imap_client_idle_finish (idler, wait_result (&idle_result), &error);
  g_assert_no_error (error);
  g_clear_object (&idle_result);
  g_assert_false (petrel_imap_client_is_idling (idler));

  /* Cancelling an IDLE ends it cleanly too; the connection stays usable. */
  cancellable = g_cancellable_new ();
  petrel_imap_client_idle_async (idler, cancellable, store_result_cb, &idle_result);
  while (!petrel_imap_client_is_idling (idler))
    g_main_context_iteration (NULL, TRUE);
  g_cancellable_cancel (cancellable);
  g_assert_false (petrel_imap_client_idle_finish (idler, wait_result (&idle_result), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  petrel_imap_client_noop_async (idler, NULL, store_result_cb, &result);
  petrel_imap_client_noop_finish (idler, wait_result (&result), &error);
  g_assert_no_error (error);
  g_clear_object (&result);

  client_logout (idler);
  client_logout (other);
}

static void
test_compress (void)
{
  g_autoptr(PetrelImapClient) client = NULL;
  g_autoptr(PetrelImapMailboxState) state = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PetrelImapSeqSet) all = petrel_imap_seqset_new_range (1, G_MAXUINT32);
  g_autoptr(GAsyncResult) result = NULL;
  FetchCount count = { 0 };

  if (!need_servers ())
    return;

  client = make_client (PETREL_IMAP_SECURITY_TLS, 1);
  petrel_imap_client_set_auto_compress (client, TRUE);
  client_connect (client, &error);
  g_assert_no_error (error);
  g_assert_true (petrel_imap_client_is_compressed (client));

  /* Everything still works over the compressed stream, in both directions. */
  fill_mailbox (client, "CompressBox", 25);
  state = client_select (client, "CompressBox");
  g_assert_cmpuint (state->exists, ==, 25);
  count.responses = g_ptr_array_new_with_free_func ((GDestroyNotify) petrel_imap_response_unref);
  client_fetch (client, all, "(UID BODY.PEEK[] ENVELOPE)", 0, 0, &count, NULL);
  g_assert_cmpuint (count.count, ==, 25);
  g_assert_true (count.in_order);
  for (guint i = 0; i < count.responses->len; i++)
    {
      const PetrelImapFetch *fetch = petrel_imap_response_get_fetch (
        g_ptr_array_index (count.responses, i), NULL);
      g_autofree char *subject = g_strdup_printf ("CompressBox %u", i + 1);

      g_assert_nonnull (fetch->envelope);
      g_assert_cmpstr (fetch->envelope->subject, ==, subject);
    }
  fetch_count_clear (&count);

  /* COMPRESS twice is refused locally. */
  petrel_imap_client_compress_async (client, NULL, store_result_cb, &result);
  g_assert_false (petrel_imap_client_compress_finish (client, wait_result (&result), &error));
  g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_STATE);
  g_clear_error (&error);
  g_clear_object (&result);

  client_logout (client);

  /* And explicitly, after login. */
  g_clear_object (&client);
  client = connect_user (1);
  g_assert_false (petrel_imap_client_is_compressed (client));
  petrel_imap_client_compress_async (client, NULL, store_result_cb, &result);
  petrel_imap_client_compress_finish (client, wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_true (petrel_imap_client_is_compressed (client));
  g_clear_object (&result);
  g_clear_pointer (&state, petrel_imap_mailbox_state_free);
  state = client_select (client, "CompressBox");
  g_assert_cmpuint (state->exists, ==, 25);
  client_logout (client);
}

static guint64
current_rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;
  line = strstr (status, "VmRSS:");
  return line != NULL ? g_ascii_strtoull (line + 6, NULL, 10) : 0;
}

typedef struct
{
  FetchCount count;
  guint64 rss_start;
  guint64 rss_peak;
} BulkFetch;

static void
bulk_fetch_cb (PetrelImapClient      *client,
               PetrelImapResponse    *response,
               const PetrelImapFetch *fetch,
               gpointer               user_data)
{
  BulkFetch *bulk = user_data;

  count_fetch_cb (client, response, fetch, &bulk->count);
  g_assert_nonnull (fetch->envelope);
  g_assert_nonnull (fetch->body);
  g_assert_true (fetch->items & PETREL_IMAP_FETCH_RFC822_SIZE);
  if (bulk->count.count % 500 == 0)
    bulk->rss_peak = MAX (bulk->rss_peak, current_rss_kib ());
}

/* Seeds bob's "Bulk" with 10,000 messages, once per run (any test may need it first). */
static void
seed_bulk (void)
{
  static gboolean seeded;
  g_autoptr(GError) error = NULL;

  if (seeded)
    return;
  petrel_test_servers_seed (servers, petrel_test_servers_get_user (servers, 1), "Bulk", 10000, 7,
                            &error);
  g_assert_no_error (error);
  seeded = TRUE;
}

static void
test_fetch_bulk (void)
{
  g_autoptr(PetrelImapClient) client = NULL;
  g_autoptr(PetrelImapMailboxState) state = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PetrelImapSeqSet) all = petrel_imap_seqset_new_range (1, G_MAXUINT32);
  g_autoptr(GAsyncResult) result = NULL;
  BulkFetch bulk = { 0 };

  if (!need_servers ())
    return;

  seed_bulk ();

  client = connect_user (1);
  state = client_select (client, "Bulk");
  g_assert_cmpuint (state->exists, ==, 10000);

  /* Each message is handed over as it arrives and dropped after its callback: memory stays flat
   * however large the mailbox (rough check: well under what 10,000 parsed responses take). */
  bulk.count.in_order = TRUE;
  bulk.rss_start = bulk.rss_peak = current_rss_kib ();
  petrel_imap_client_uid_fetch_async (client, all,
                                      "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE)",
                                      0, 0, bulk_fetch_cb, &bulk, NULL, NULL, store_result_cb,
                                      &result);
  petrel_imap_client_uid_fetch_finish (client, wait_result (&result), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bulk.count.count, ==, 10000);
  g_assert_true (bulk.count.in_order);
  g_assert_cmpuint (bulk.count.last_uid, ==, 10000);
  g_test_message ("RSS %" G_GUINT64_FORMAT " KiB before, peak %" G_GUINT64_FORMAT " KiB",
                  bulk.rss_start, bulk.rss_peak);
  g_assert_cmpuint (bulk.rss_peak - bulk.rss_start, <, 8 * 1024);

  client_logout (client);
}

static void
test_pipeline (void)
{
  static const char * const all_keys[] = { "ALL", NULL };
  g_autoptr(PetrelImapClient) client = NULL;
  g_autoptr(PetrelImapMailboxState) state = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PetrelImapSeqSet) all = petrel_imap_seqset_new_range (1, G_MAXUINT32);
  GAsyncResult *fetch_results[8] = { NULL };
  FetchCount counts[8] = { { 0 } };
  GAsyncResult *status_results[3] = { NULL };
  const char *status_boxes[3] = { "INBOX", "PipeBox", "Sent" };
  g_autoptr(GAsyncResult) search_result = NULL;
  GAsyncResult *overlap_results[2] = { NULL };
  FetchCount overlap[2] = { { 0 } };
  g_autoptr(GAsyncResult) noop_result = NULL;
  g_autoptr(PetrelImapSeqSet) found = NULL;
  guint max_in_flight;

  if (!need_servers ())
    return;

  client = connect_user (0);
  fill_mailbox (client, "PipeBox", 8);
  state = client_select (client, "PipeBox");

  /* Queue everything at once: it all goes out before the first answer. */
  for (guint i = 0; i < 8; i++)
    {
      g_autoptr(PetrelImapSeqSet) one = petrel_imap_seqset_new_range (i + 1, i + 1);

      counts[i].in_order = TRUE;
      counts[i].uids = g_hash_table_new (NULL, NULL);
      petrel_imap_client_uid_fetch_async (client, one, "(UID FLAGS RFC822.SIZE)", 0, 0,
                                          count_fetch_cb, &counts[i], NULL, NULL,
                                          store_result_cb, &fetch_results[i]);
    }
  for (guint i = 0; i < 3; i++)
    petrel_imap_client_status_async (client, status_boxes[i], PETREL_IMAP_STATUS_MESSAGES, NULL,
                                     store_result_cb, &status_results[i]);
  /* Two fetches of the same messages: each gets its own answers. */
  for (guint i = 0; i < 2; i++)
    {
      overlap[i].uids = g_hash_table_new (NULL, NULL);
      petrel_imap_client_uid_fetch_async (client, all, "(UID FLAGS)", 0, 0, count_fetch_cb,
                                          &overlap[i], NULL, NULL, store_result_cb,
                                          &overlap_results[i]);
    }
  petrel_imap_client_uid_search_async (client, all_keys, NULL, store_result_cb, &search_result);
  petrel_imap_client_noop_async (client, NULL, store_result_cb, &noop_result);
  max_in_flight = petrel_imap_client_get_n_in_flight (client);
  g_assert_cmpuint (max_in_flight, ==, 8 + 3 + 2 + 1 + 1);

  for (guint i = 0; i < 8; i++)
    {
      petrel_imap_client_uid_fetch_finish (client, wait_result (&fetch_results[i]), NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (counts[i].count, ==, 1);
      g_assert_cmpuint (counts[i].last_uid, ==, i + 1);
      g_clear_object (&fetch_results[i]);
      fetch_count_clear (&counts[i]);
    }
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(PetrelImapStatusInfo) status = NULL;

      status = petrel_imap_client_status_finish (client, wait_result (&status_results[i]),
                                                 &error);
      g_assert_no_error (error);
      g_assert_cmpstr (status->name, ==, status_boxes[i]);
      if (i == 1)
        g_assert_cmpuint (status->messages, ==, 8);
      g_clear_object (&status_results[i]);
    }
  for (guint i = 0; i < 2; i++)
    {
      petrel_imap_client_uid_fetch_finish (client, wait_result (&overlap_results[i]), NULL,
                                           &error);
      g_assert_no_error (error);
      g_assert_cmpuint (overlap[i].count, ==, 8);
      g_assert_cmpuint (g_hash_table_size (overlap[i].uids), ==, 8);
      fetch_count_clear (&overlap[i]);
      g_clear_object (&overlap_results[i]);
    }
  found = petrel_imap_client_uid_search_finish (client, wait_result (&search_result), NULL,
                                                &error);
  g_assert_no_error (error);
  g_assert_cmpuint (petrel_imap_seqset_count (found), ==, 8);
  petrel_imap_client_noop_finish (client, wait_result (&noop_result), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (petrel_imap_client_get_n_in_flight (client), ==, 0);

  client_logout (client);
}

static void
test_cancel (void)
{
  g_autoptr(PetrelImapClient) client = NULL;
  g_autoptr(PetrelImapMailboxState) state = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PetrelImapSeqSet) all = petrel_imap_seqset_new_range (1, G_MAXUINT32);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GCancellable) queued_cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) select_result = NULL;
  g_autoptr(GAsyncResult) queued_result = NULL;
  FetchCount count = { 0 };

  if (!need_servers ())
    return;

  seed_bulk ();
  client = connect_user (1);
  state = client_select (client, "Bulk");

  /* A command already sent: the caller hears CANCELLED at once, the rest is drained. */
  petrel_imap_client_uid_fetch_async (client, all, "(UID ENVELOPE)", 0, 0, count_fetch_cb,
                                      &count, NULL, cancellable, store_result_cb, &result);
  g_assert_cmpuint (petrel_imap_client_get_n_in_flight (client), ==, 1);
  g_cancellable_cancel (cancellable);
  g_assert_false (petrel_imap_client_uid_fetch_finish (client, wait_result (&result), NULL,
                                                       &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_clear_object (&result);
  g_assert_cmpuint (count.count, <, 10000);

  /* A command still queued (behind an exclusive SELECT) is never sent. */
  petrel_imap_client_select_async (client, "INBOX", TRUE, FALSE, NULL, NULL, NULL, NULL, NULL,
                                   store_result_cb, &select_result);
  petrel_imap_client_noop_async (client, queued_cancellable, store_result_cb, &queued_result);
  g_cancellable_cancel (queued_cancellable);
  g_assert_false (petrel_imap_client_noop_finish (client, wait_result (&queued_result), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_clear_pointer (&state, petrel_imap_mailbox_state_free);
  state = petrel_imap_client_select_finish (client, wait_result (&select_result), &error);
  g_assert_no_error (error);
  g_assert_true (state->read_only);
  g_assert_cmpuint (state->uidvalidity, !=, 0);
  g_assert_cmpuint (state->uidnext, !=, 0);
  g_assert_cmpstr (petrel_imap_client_get_selected (client)->name, ==, "INBOX");

  /* The connection is still in step. */
  petrel_imap_client_noop_async (client, NULL, store_result_cb, &result);
  petrel_imap_client_noop_finish (client, wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (petrel_imap_client_get_n_in_flight (client), ==, 0);
  client_logout (client);
}

static void
test_kicked (void)
{
  g_autoptr(PetrelImapClient) client = NULL;
  g_autoptr(PetrelImapMailboxState) state = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) closed = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *conf = NULL;
  g_autofree char *out = NULL;
  int status = 0;
  const char *argv[] = { "doveadm", "-c", NULL, "kick", NULL, NULL };

  if (!need_servers ())
    return;

  client = connect_user (2);
  state = client_select (client, "INBOX");
  g_signal_connect (client, "closed", G_CALLBACK (on_closed_cb), &closed);

  /* Dovecot drops the session under us. */
  conf = g_build_filename (petrel_test_servers_get_dir (servers), "dovecot.conf", NULL);
  argv[2] = conf;
  argv[4] = petrel_test_servers_get_user (servers, 2);
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, &out, NULL, &status, &error) ||
      !g_spawn_check_wait_status (status, NULL))
    {
      g_test_skip ("doveadm kick is not available");
      petrel_imap_client_close (client);
      return;
    }

  while (closed == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (closed->domain == PETREL_IMAP_ERROR);
  g_assert_true (closed->code == PETREL_IMAP_ERROR_BYE ||
                 closed->code == PETREL_IMAP_ERROR_CONNECTION_CLOSED);
  g_assert_cmpint (petrel_imap_client_get_state (client), ==, PETREL_IMAP_CLIENT_STATE_CLOSED);

  /* Later commands fail at once with the reason. */
  petrel_imap_client_noop_async (client, NULL, store_result_cb, &result);
  g_assert_false (petrel_imap_client_noop_finish (client, wait_result (&result), &error));
  g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_STATE);
  g_assert_nonnull (strstr (error->message, closed->message));
}

/* ---- Scripted servers ---------------------------------------------------------------------- */

typedef enum
{
  STEP_SEND,          /* send text ("$TAG" is the tag of the last command line read) */
  STEP_EXPECT,        /* read a command line: it must contain text; remembers its tag */
  STEP_EXPECT_DATA,   /* read a line (SASL data, a literal's lines): it must equal text */
  STEP_QUIET,         /* the client must send nothing for a moment (it waits for `+`) */
  STEP_CLOSE,         /* hang up */
} StepKind;

typedef struct
{
  StepKind kind;
  const char *text;
} Step;

typedef struct
{
  GSocketListener *listener;
  guint16 port;
  GThread *thread;
  GCancellable *cancellable;
  Step *steps;
  guint n_steps;
  char *failure;
} Script;

static char *
script_read_line (GInputStream  *input,
                  GCancellable  *cancellable,
                  GError       **error)
{
  g_autoptr(GString) line = g_string_new (NULL);
  char c;

  for (;;)
    {
      gssize n = g_input_stream_read (input, &c, 1, cancellable, error);

      if (n <= 0)
        return NULL;
      if (c == '\n')
        break;
      g_string_append_c (line, c);
    }
  if (line->len > 0 && line->str[line->len - 1] == '\r')
    g_string_truncate (line, line->len - 1);
  return g_string_free (g_steal_pointer (&line), FALSE);
}

static gpointer
script_thread (gpointer data)
{
  Script *script = data;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *tag = g_strdup ("*");
  GInputStream *input;
  GOutputStream *output;

  connection = g_socket_listener_accept (script->listener, NULL, script->cancellable, &error);
  if (connection == NULL)
    {
      /* Cancelled: the client gave up before connecting (a timeout test on a slow machine). */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        script->failure = g_strdup_printf ("accept: %s", error->message);
      return NULL;
    }
  input = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  output = g_io_stream_get_output_stream (G_IO_STREAM (connection));

  for (guint i = 0; i < script->n_steps && script->failure == NULL; i++)
    {
      const Step *step = &script->steps[i];

      switch (step->kind)
        {
        case STEP_SEND:
          {
            g_autoptr(GString) text = g_string_new (step->text);

            g_string_replace (text, "$TAG", tag, 0);
            if (!g_output_stream_write_all (output, text->str, text->len, NULL,
                                            script->cancellable, &error))
              script->failure = g_strdup_printf ("step %u: write: %s", i, error->message);
          }
          break;

        case STEP_EXPECT:
        case STEP_EXPECT_DATA:
          {
            g_autofree char *line = script_read_line (input, script->cancellable, &error);

            if (line == NULL)
              {
                script->failure = g_strdup_printf ("step %u: expected \"%s\", got %s", i,
                                                   step->text,
                                                   error ? error->message : "end of stream");
                break;
              }
            if (step->kind == STEP_EXPECT_DATA ? !g_str_equal (line, step->text)
                                               : strstr (line, step->text) == NULL)
              {
                script->failure = g_strdup_printf ("step %u: expected \"%s\", got \"%s\"", i,
                                                   step->text, line);
                break;
              }
            if (step->kind == STEP_EXPECT)
              {
                g_free (tag);
                tag = g_strndup (line, strcspn (line, " "));
              }
          }
          break;

        case STEP_QUIET:
          {
            GSocket *socket = g_socket_connection_get_socket (connection);

            g_usleep (200 * 1000);
            if (g_socket_condition_check (socket, G_IO_IN) & G_IO_IN)
              script->failure = g_strdup_printf ("step %u: the client sent data too early", i);
          }
          break;

        case STEP_CLOSE:
          g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
          return NULL;
        }
      g_clear_error (&error);
    }

  if (script->failure != NULL)
    {
      g_printerr ("scripted server: %s\n", script->failure);
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      return NULL;
    }

  /* Then say nothing until the client hangs up (or the test ends). */
  {
    char buffer[256];

    while (g_input_stream_read (input, buffer, sizeof buffer, script->cancellable, NULL) > 0)
      ;
  }
  return NULL;
}

static Script *
script_start (const Step *steps,
              guint       n_steps)
{
  Script *script = g_new0 (Script, 1);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;

  script->listener = g_socket_listener_new ();
  g_socket_listener_add_address (script->listener, address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &effective, &error);
  g_assert_no_error (error);
  script->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  script->cancellable = g_cancellable_new ();
  script->steps = g_memdup2 (steps, sizeof (Step) * n_steps);
  script->n_steps = n_steps;
  script->thread = g_thread_new ("script", script_thread, script);
  return script;
}

/* Ends the server and fails the test if the client did not do what the script expected. */
static void
script_finish (Script *script)
{
  g_cancellable_cancel (script->cancellable);
  g_socket_listener_close (script->listener);
  g_thread_join (script->thread);
  if (script->failure != NULL)
    g_error ("scripted server: %s", script->failure);
  g_object_unref (script->listener);
  g_object_unref (script->cancellable);
  g_free (script->steps);
  g_free (script);
}

static PetrelImapClient *
make_script_client (Script             *script,
                    PetrelImapSecurity  security)
{
  PetrelImapClient *client = petrel_imap_client_new ("127.0.0.1", script->port, security);

  petrel_imap_client_set_timeout (client, 5000);
  return client;
}

static void
test_script_timeout (void)
{
  static const Step silent[] = { { STEP_QUIET, NULL } };
  static const Step greet_then_silent[] = {
    { STEP_SEND, "* OK [CAPABILITY IMAP4rev1 IDLE] ready\r\n" },
    { STEP_EXPECT, "NOOP" },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  Script *script;
  PetrelImapClient *client;

  /* No greeting at all. */
  script = script_start (silent, G_N_ELEMENTS (silent));
  client = make_script_client (script, PETREL_IMAP_SECURITY_NONE);
  petrel_imap_client_set_timeout (client, 300);
  g_assert_false (client_connect (client, &error));
  g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (error->message, "did not answer"));
  g_clear_error (&error);
  g_object_unref (client);
  script_finish (script);

  /* A command that is never answered. */
  script = script_start (greet_then_silent, G_N_ELEMENTS (greet_then_silent));
  client = make_script_client (script, PETREL_IMAP_SECURITY_NONE);
  petrel_imap_client_set_timeout (client, 300);
  client_connect (client, &error);
  g_assert_no_error (error);
  g_assert_cmpint (petrel_imap_client_get_state (client), ==,
                   PETREL_IMAP_CLIENT_STATE_NOT_AUTHENTICATED);
  petrel_imap_client_noop_async (client, NULL, store_result_cb, &result);
  g_assert_false (petrel_imap_client_noop_finish (client, wait_result (&result), &error));
  g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_TIMEOUT);
  g_assert_cmpint (petrel_imap_client_get_state (client), ==, PETREL_IMAP_CLIENT_STATE_CLOSED);
  g_object_unref (client);
  script_finish (script);
}

/* Waits until the client has read the greeting's capabilities. */
static void
wait_for_capabilities (PetrelImapClient *client)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add_seconds (WAIT_LIMIT_SECONDS, on_wait_limit_cb, &expired);

  while (!petrel_imap_client_has_capability (client, "IMAP4rev1") && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (id);
  g_assert_false (expired);
}

/* With the credentials pending, connect_async() connects and then waits, without the timeout
 * running, until the caller has the password (the sync looks it up meanwhile); closing the
 * client instead ends the connect without a login. */
static void
test_script_credentials_pending (void)
{
  static const Step late[] = {
    { STEP_SEND, "* OK [CAPABILITY IMAP4rev1] ready\r\n" },
    { STEP_QUIET, NULL },
    { STEP_EXPECT, "LOGIN alice s3cret" },
    { STEP_SEND, "$TAG OK [CAPABILITY IMAP4rev1 IDLE] logged in\r\n" },
  };
  static const Step early[] = {
    { STEP_SEND, "* OK [CAPABILITY IMAP4rev1] ready\r\n" },
    { STEP_EXPECT, "LOGIN alice s3cret" },
    { STEP_SEND, "$TAG OK [CAPABILITY IMAP4rev1] logged in\r\n" },
  };
  static const Step given_up[] = {
    { STEP_SEND, "* OK [CAPABILITY IMAP4rev1] ready\r\n" },
  };
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  Script *script;
  PetrelImapClient *client;

  script = script_start (late, G_N_ELEMENTS (late));
  client = make_script_client (script, PETREL_IMAP_SECURITY_NONE);
  petrel_imap_client_set_timeout (client, 300);
  petrel_imap_client_set_user (client, "alice");
  petrel_imap_client_set_credentials_pending (client, TRUE);
  g_assert_true (petrel_imap_client_get_credentials_pending (client));
  petrel_imap_client_connect_async (client, NULL, store_result_cb, &result);
  wait_for_capabilities (client);
  /* Longer than the timeout: waiting for our own credentials is not the server's silence. */
  spin_for (1000);
  g_assert_null (result);
  g_assert_cmpint (petrel_imap_client_get_state (client), ==,
                   PETREL_IMAP_CLIENT_STATE_CONNECTING);
  petrel_imap_client_set_password (client, "s3cret");
  petrel_imap_client_set_credentials_pending (client, FALSE);
  g_assert_true (petrel_imap_client_connect_finish (client, wait_result (&result), &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_cmpint (petrel_imap_client_get_state (client), ==,
                   PETREL_IMAP_CLIENT_STATE_AUTHENTICATED);
  g_assert_true (petrel_imap_client_has_capability (client, "IDLE"));
  g_object_unref (client);
  script_finish (script);

  /* No password after all (none in the keyring): the caller closes the client. */
  script = script_start (given_up, G_N_ELEMENTS (given_up));
  client = make_script_client (script, PETREL_IMAP_SECURITY_NONE);
  petrel_imap_client_set_user (client, "alice");
  petrel_imap_client_set_credentials_pending (client, TRUE);
  petrel_imap_client_connect_async (client, NULL, store_result_cb, &result);
  wait_for_capabilities (client);
  petrel_imap_client_close (client);
  g_assert_false (petrel_imap_client_connect_finish (client, wait_result (&result), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_clear_object (&result);
  g_assert_cmpint (petrel_imap_client_get_state (client), ==, PETREL_IMAP_CLIENT_STATE_CLOSED);
  g_object_unref (client);
  script_finish (script);

  /* Given before the connection gets there, they are used at once. */
  script = script_start (early, G_N_ELEMENTS (early));
  client = make_script_client (script, PETREL_IMAP_SECURITY_NONE);
  petrel_imap_client_set_user (client, "alice");
  petrel_imap_client_set_credentials_pending (client, TRUE);
  petrel_imap_client_connect_async (client, NULL, store_result_cb, &result);
  petrel_imap_client_set_password (client, "s3cret");
  petrel_imap_client_set_credentials_pending (client, FALSE);
  g_assert_true (petrel_imap_client_connect_finish (client, wait_result (&result), &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  g_object_unref (client);
  script_finish (script);
}

static void
run_noop_script (const Step  *steps,
                 guint        n_steps,
                 GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) connect_error = NULL;
  Script *script = script_start (steps, n_steps);
  PetrelImapClient *client = make_script_client (script, PETREL_IMAP_SECURITY_NONE);

  client_connect (client, &connect_error);
  g_assert_no_error (connect_error);
  petrel_imap_client_noop_async (client, NULL, store_result_cb, &result);
  g_assert_false (petrel_imap_client_noop_finish (client, wait_result (&result), error));
  g_assert_cmpint (petrel_imap_client_get_state (client), ==, PETREL_IMAP_CLIENT_STATE_CLOSED);
  g_object_unref (client);
  script_finish (script);
}

static void
test_script_garbage (void)
{
  static const Step garbage[] = {
    { STEP_SEND, "* OK [CAPABILITY IMAP4rev1] ready\r\n" },
    { STEP_EXPECT, "NOOP" },
    { STEP_SEND, "(\001\002 this is not IMAP\r\n" },
  };
  static const Step stray_tag[] = {
    { STEP_SEND, "* OK [CAPABILITY IMAP4rev1] ready\r\n" },
    { STEP_EXPECT, "NOOP" },
    { STEP_SEND, "Z999 OK what?\r\n" },
  };
  static const Step stray_continuation[] = {
    { STEP_SEND, "* OK [CAPABILITY IMAP4rev1] ready\r\n" },
    { STEP_EXPECT, "NOOP" },
    { STEP_SEND, "+ go ahead\r\n" },
  };
  g_autoptr(GError) error = NULL;

  run_noop_script (garbage, G_N_ELEMENTS (garbage), &error);
  g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "cannot be understood"));
  g_clear_error (&error);

  run_noop_script (stray_tag, G_N_ELEMENTS (stray_tag), &error);
  g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "never sent"));
  g_clear_error (&error);

  run_noop_script (stray_continuation, G_N_ELEMENTS (stray_continuation), &error);
  g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_PARSE);
  g_clear_error (&error);
}

static void
test_script_bye (void)
{
  static const Step bye[] = {
    { STEP_SEND, "* OK [CAPABILITY IMAP4rev1] ready\r\n" },
    { STEP_EXPECT, "NOOP" },
    { STEP_SEND, "* BYE Server shutting down\001 now\r\n" },
    { STEP_CLOSE, NULL },
  };
  static const Step cut[] = {
    { STEP_SEND, "* OK [CAPABILITY IMAP4rev1] ready\r\n" },
    { STEP_EXPECT, "NOOP" },
    { STEP_SEND, "* 3 FETCH (UID 7 BODY[] {100}\r\npartial" },
    { STEP_CLOSE, NULL },
  };
  static const Step refused[] = {
    { STEP_SEND, "* BYE Too many connections\r\n" },
    { STEP_CLOSE, NULL },
  };
  g_autoptr(GError) error = NULL;
  Script *script;
  PetrelImapClient *client;

  run_noop_script (bye, G_N_ELEMENTS (bye), &error);
  g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_BYE);
  /* The server's text is kept, without the control character. */
  g_assert_nonnull (strstr (error->message, "Server shutting down"));
  g_assert_null (strchr (error->message, '\001'));
  g_clear_error (&error);

  run_noop_script (cut, G_N_ELEMENTS (cut), &error);
  g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_CONNECTION_CLOSED);
  g_assert_nonnull (strstr (error->message, "middle of a response"));
  g_clear_error (&error);

  script = script_start (refused, G_N_ELEMENTS (refused));
  client = make_script_client (script, PETREL_IMAP_SECURITY_NONE);
  g_assert_false (client_connect (client, &error));
  g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_BYE);
  g_assert_nonnull (strstr (error->message, "Too many connections"));
  g_clear_error (&error);
  g_object_unref (client);
  script_finish (script);
}

static void
test_script_starttls (void)
{
  static const Step injection[] = {
    { STEP_SEND, "* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n" },
    { STEP_EXPECT, "STARTTLS" },
    { STEP_SEND, "$TAG OK Begin TLS\r\n* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] injected\r\n" },
  };
  static const Step no_starttls[] = {
    { STEP_SEND, "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n" },
  };
  static const Step refused[] = {
    { STEP_SEND, "* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n" },
    { STEP_EXPECT, "STARTTLS" },
    { STEP_SEND, "$TAG BAD Not now\r\n" },
  };
  static const Step preauth[] = {
    { STEP_SEND, "* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] welcome\r\n" },
  };
  struct { const Step *steps; guint n; const char *text; } cases[] = {
    { injection, G_N_ELEMENTS (injection), NULL },
    { no_starttls, G_N_ELEMENTS (no_starttls), "does not offer STARTTLS" },
    { refused, G_N_ELEMENTS (refused), "answered BAD" },   /* its text is not shown */
    { preauth, G_N_ELEMENTS (preauth), "pre-authenticated" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      Script *script = script_start (cases[i].steps, cases[i].n);
      PetrelImapClient *client = make_script_client (script, PETREL_IMAP_SECURITY_STARTTLS);

      petrel_imap_client_set_user (client, "alice");
      petrel_imap_client_set_password (client, "secret");
      g_assert_false (client_connect (client, &error));
      g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_TLS);
      if (cases[i].text != NULL)
        g_assert_nonnull (strstr (error->message, cases[i].text));
      g_assert_false (petrel_imap_client_is_tls (client));
      g_object_unref (client);
      script_finish (script);
    }
}

static void
on_alert_count (PetrelImapClient *client,
                const char       *text,
                gpointer          user_data)
{
  guint *count = user_data;

  (*count)++;
}

/* Text a man in the middle can write before STARTTLS ([ALERT], BYE) is never shown. */
static void
test_script_starttls_alert (void)
{
  static const Step alert_refused[] = {
    { STEP_SEND, "* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n" },
    { STEP_EXPECT, "STARTTLS" },
    { STEP_SEND, "* OK [ALERT] Your mailbox is locked: sign in at http://evil.test/\r\n"
                 "$TAG NO [ALERT] Call evil.test now\r\n" },
  };
  static const Step bye[] = {
    { STEP_SEND, "* BYE [ALERT] Account suspended, see http://evil.test/\r\n" },
  };
  struct { const Step *steps; guint n; } cases[] = {
    { alert_refused, G_N_ELEMENTS (alert_refused) },
    { bye, G_N_ELEMENTS (bye) },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      Script *script = script_start (cases[i].steps, cases[i].n);
      PetrelImapClient *client = make_script_client (script, PETREL_IMAP_SECURITY_STARTTLS);
      guint alerts = 0;

      g_signal_connect (client, "alert", G_CALLBACK (on_alert_count), &alerts);
      petrel_imap_client_set_user (client, "alice");
      petrel_imap_client_set_password (client, "secret");
      g_assert_false (client_connect (client, &error));
      g_assert_nonnull (error);
      g_assert_null (strstr (error->message, "evil"));
      g_assert_cmpuint (alerts, ==, 0);
      g_assert_false (petrel_imap_client_is_tls (client));
      g_object_unref (client);
      script_finish (script);
    }
}

static void
test_script_oauth (void)
{
  g_autofree char *xoauth2 = NULL;
  g_autofree char *xoauth2_line = NULL;
  g_autofree char *bearer = NULL;
  g_autoptr(GString) raw = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  Script *script;
  PetrelImapClient *client;

  /* XOAUTH2 with SASL-IR. */
  g_string_append (raw, "user=alice@example.test\001auth=Bearer tok-123\001\001");
  xoauth2 = g_base64_encode ((const guchar *) raw->str, raw->len);
  xoauth2_line = g_strconcat ("AUTHENTICATE XOAUTH2 ", xoauth2, NULL);
  {
    Step steps[] = {
      { STEP_SEND, "* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=XOAUTH2] ready\r\n" },
      { STEP_EXPECT, xoauth2_line },
      { STEP_SEND, "$TAG OK [CAPABILITY IMAP4rev1 IDLE] Logged in\r\n" },
      { STEP_EXPECT, "LOGOUT" },
      { STEP_SEND, "* BYE bye\r\n$TAG OK done\r\n" },
    };

    script = script_start (steps, G_N_ELEMENTS (steps));
    client = make_script_client (script, PETREL_IMAP_SECURITY_NONE);
    petrel_imap_client_set_user (client, "alice@example.test");
    petrel_imap_client_set_oauth_token (client, "tok-123");
    client_connect (client, &error);
    g_assert_no_error (error);
    g_assert_cmpint (petrel_imap_client_get_state (client), ==,
                     PETREL_IMAP_CLIENT_STATE_AUTHENTICATED);
    g_assert_true (petrel_imap_client_has_capability (client, "IDLE"));
    client_logout (client);
    g_object_unref (client);
    script_finish (script);
  }

  /* OAUTHBEARER without SASL-IR, refused: the client answers the error challenge with %x01. */
  {
    Step steps[] = {
      { STEP_SEND, "* OK [CAPABILITY IMAP4rev1 AUTH=OAUTHBEARER AUTH=XOAUTH2] ready\r\n" },
      { STEP_EXPECT, "AUTHENTICATE OAUTHBEARER" },
      { STEP_SEND, "+ \r\n" },
      { STEP_EXPECT_DATA, NULL },
      { STEP_SEND, "+ eyJzdGF0dXMiOiI0MDEifQ==\r\n" },
      { STEP_EXPECT_DATA, "AQ==" },
      { STEP_SEND, "$TAG NO [AUTHENTICATIONFAILED] Invalid token\r\n" },
    };

    script = script_start (steps, G_N_ELEMENTS (steps));
    g_string_printf (raw, "n,a=alice,\001host=127.0.0.1\001port=%u\001auth=Bearer expired\001\001",
                     script->port);
    bearer = g_base64_encode ((const guchar *) raw->str, raw->len);
    script->steps[3].text = bearer;
    client = make_script_client (script, PETREL_IMAP_SECURITY_NONE);
    petrel_imap_client_set_user (client, "alice");
    petrel_imap_client_set_oauth_token (client, "expired");
    g_assert_false (client_connect (client, &error));
    g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_AUTH);
    g_assert_nonnull (strstr (error->message, "Invalid token"));
    g_assert_null (strstr (error->message, "expired"));
    g_clear_error (&error);
    g_object_unref (client);
    script_finish (script);
  }
}

static void
test_script_literal (void)
{
  static const Step steps[] = {
    /* PREAUTH on a plain loopback connection is fine (only STARTTLS accounts refuse it). */
    { STEP_SEND, "* PREAUTH [CAPABILITY IMAP4rev1] ready\r\n" },
    { STEP_EXPECT, "APPEND Drafts (\\Seen) {22}" },
    { STEP_QUIET, NULL },
    { STEP_SEND, "+ go on\r\n" },
    { STEP_EXPECT_DATA, "Subject: x" },
    { STEP_EXPECT_DATA, "" },
    { STEP_EXPECT_DATA, "hi there" },
    { STEP_SEND, "$TAG OK [APPENDUID 7 42] stored\r\n" },
    { STEP_EXPECT, "APPEND Drafts {22}" },
    { STEP_SEND, "$TAG NO [OVERQUOTA] Mailbox is full\r\n" },
    { STEP_EXPECT, "NOOP" },
    { STEP_SEND, "$TAG OK fine\r\n" },
  };
  static const char * const seen[] = { "\\Seen", NULL };
  g_autoptr(GBytes) message = g_bytes_new_static ("Subject: x\r\n\r\nhi there", 22);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  PetrelImapAppendMessage append = { message, seen, NULL };
  Script *script;
  PetrelImapClient *client;
  guint32 uidvalidity = 0;
  guint32 uid = 0;

  g_assert_cmpuint (g_bytes_get_size (message), ==, 22);
  script = script_start (steps, G_N_ELEMENTS (steps));
  client = make_script_client (script, PETREL_IMAP_SECURITY_NONE);
  client_connect (client, &error);
  g_assert_no_error (error);
  g_assert_cmpint (petrel_imap_client_get_state (client), ==,
                   PETREL_IMAP_CLIENT_STATE_AUTHENTICATED);

  /* Without LITERAL+ the writer waits for `+` before the message bytes. */
  petrel_imap_client_append_async (client, "Drafts", &append, NULL, store_result_cb, &result);
  petrel_imap_client_append_finish (client, wait_result (&result), &uidvalidity, &uid, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (uidvalidity, ==, 7);
  g_assert_cmpuint (uid, ==, 42);
  g_clear_object (&result);

  /* A refused literal: the rest of the command is not sent; the session goes on. */
  append.flags = NULL;
  petrel_imap_client_append_async (client, "Drafts", &append, NULL, store_result_cb, &result);
  g_assert_false (petrel_imap_client_append_finish (client, wait_result (&result), NULL, NULL,
                                                    &error));
  g_assert_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_OVER_QUOTA);
  g_assert_nonnull (strstr (error->message, "Mailbox is full"));
  g_clear_error (&error);
  g_clear_object (&result);
  petrel_imap_client_noop_async (client, NULL, store_result_cb, &result);
  petrel_imap_client_noop_finish (client, wait_result (&result), &error);
  g_assert_no_error (error);

  g_object_unref (client);
  script_finish (script);
}

static void
test_script_move_fallback (void)
{
  static const Step steps[] = {
    { STEP_SEND, "* PREAUTH [CAPABILITY IMAP4rev1 UIDPLUS] ready\r\n" },
    { STEP_EXPECT, "SELECT INBOX" },
    { STEP_SEND, "* 3 EXISTS\r\n* OK [UIDVALIDITY 5] ok\r\n* OK [UIDNEXT 9] ok\r\n"
                 "$TAG OK [READ-WRITE] done\r\n" },
    { STEP_EXPECT, "UID COPY 6:7 Archive" },
    { STEP_SEND, "$TAG OK [COPYUID 11 6:7 20:21] copied\r\n" },
    { STEP_EXPECT, "UID STORE 6:7 +FLAGS.SILENT (\\Deleted)" },
    { STEP_SEND, "$TAG OK stored\r\n" },
    { STEP_EXPECT, "UID EXPUNGE 6:7" },
    { STEP_SEND, "* 2 EXPUNGE\r\n* 2 EXPUNGE\r\n$TAG OK expunged\r\n" },
  };
  g_autoptr(PetrelImapSeqSet) uids = petrel_imap_seqset_new_range (6, 7);
  g_autoptr(PetrelImapCopyResult) moved = NULL;
  g_autoptr(PetrelImapMailboxState) state = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  Script *script;
  PetrelImapClient *client;
  guint n_expunged = 0;

  script = script_start (steps, G_N_ELEMENTS (steps));
  client = make_script_client (script, PETREL_IMAP_SECURITY_NONE);
  client_connect (client, &error);
  g_assert_no_error (error);
  state = client_select (client, "INBOX");
  g_assert_cmpuint (state->exists, ==, 3);
  g_assert_cmpuint (state->uidvalidity, ==, 5);
  g_assert_cmpuint (state->uidnext, ==, 9);
  g_signal_connect (client, "expunged", G_CALLBACK (on_expunged_cb), &n_expunged);

  /* No MOVE: UID COPY, UID STORE +FLAGS.SILENT (\Deleted), UID EXPUNGE. */
  petrel_imap_client_uid_move_async (client, uids, "Archive", NULL, store_result_cb, &result);
  petrel_imap_client_uid_move_finish (client, wait_result (&result), &moved, &error);
  g_assert_no_error (error);
  g_assert_nonnull (moved);
  g_assert_cmpuint (moved->uidvalidity, ==, 11);
  g_assert_true (petrel_imap_seqset_contains (moved->destination, 20));
  g_assert_true (petrel_imap_seqset_contains (moved->destination, 21));
  g_assert_cmpuint (n_expunged, ==, 2);
  g_assert_cmpuint (petrel_imap_client_get_selected (client)->exists, ==, 1);

  g_object_unref (client);
  script_finish (script);
}

static void
test_script_extensions (void)
{
  static const Step steps[] = {
    { STEP_SEND, "* PREAUTH [CAPABILITY IMAP4rev1 ENABLE UTF8=ACCEPT QUOTA ID] ready\r\n" },
    { STEP_EXPECT, "CREATE Gr&APwA3w-e" },
    { STEP_SEND, "$TAG OK created\r\n" },
    { STEP_EXPECT, "ENABLE UTF8=ACCEPT" },
    { STEP_SEND, "* ENABLED UTF8=ACCEPT\r\n$TAG OK enabled\r\n" },
    { STEP_EXPECT, "CREATE \"Grüße\"" },
    { STEP_SEND, "$TAG OK created\r\n" },
    { STEP_EXPECT, "GETQUOTAROOT INBOX" },
    { STEP_SEND, "* QUOTAROOT INBOX \"\"\r\n* QUOTA \"\" (STORAGE 10 512)\r\n$TAG OK done\r\n" },
    { STEP_EXPECT, "ID NIL" },
    { STEP_SEND, "* ID NIL\r\n$TAG OK done\r\n" },
  };
  static const char * const utf8[] = { "UTF8=ACCEPT", "QRESYNC", NULL };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) quotas = NULL;
  g_autoptr(GHashTable) id = NULL;
  g_auto(GStrv) enabled = NULL;
  g_auto(GStrv) roots = NULL;
  PetrelImapQuota *quota;
  Script *script;
  PetrelImapClient *client;

  script = script_start (steps, G_N_ELEMENTS (steps));
  client = make_script_client (script, PETREL_IMAP_SECURITY_NONE);
  client_connect (client, &error);
  g_assert_no_error (error);

  /* Mailbox names go in modified UTF-7 until UTF8=ACCEPT is on, then as UTF-8. */
  client_create (client, "Grüße");
  petrel_imap_client_enable_async (client, utf8, NULL, store_result_cb, &result);
  enabled = petrel_imap_client_enable_finish (client, wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (enabled), ==, 1);
  g_assert_true (petrel_imap_client_is_enabled (client, "utf8=accept"));
  g_clear_object (&result);
  client_create (client, "Grüße");

  petrel_imap_client_getquotaroot_async (client, "INBOX", NULL, store_result_cb, &result);
  quotas = petrel_imap_client_getquotaroot_finish (client, wait_result (&result), &roots,
                                                   &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (roots), ==, 1);
  g_assert_cmpstr (roots[0], ==, "");
  g_assert_cmpuint (quotas->len, ==, 1);
  quota = g_ptr_array_index (quotas, 0);
  g_assert_cmpuint (quota->n_resources, ==, 1);
  g_assert_cmpuint (quota->resources[0].usage, ==, 10);
  g_assert_cmpuint (quota->resources[0].limit, ==, 512);
  g_clear_object (&result);

  petrel_imap_client_id_async (client, NULL, NULL, store_result_cb, &result);
  id = petrel_imap_client_id_finish (client, wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (id), ==, 0);

  g_object_unref (client);
  script_finish (script);
}

/* ---- main ---------------------------------------------------------------------------------- */

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);

  servers = petrel_test_servers_start (&error);
  if (servers == NULL)
    {
      servers_error = g_strdup_printf ("test servers unavailable: %s", error->message);
      g_clear_error (&error);
    }
  else
    {
      tls_database = petrel_test_servers_dup_tls_database (servers, &error);
      g_assert_no_error (error);
    }

  g_test_add_func ("/petrel/imap/client/connect/tls", test_connect_tls);
  g_test_add_func ("/petrel/imap/client/connect/starttls", test_connect_starttls);
  g_test_add_func ("/petrel/imap/client/connect/login-quoting", test_connect_login_quoting);
  g_test_add_func ("/petrel/imap/client/connect/wrong-password", test_connect_wrong_password);
  g_test_add_func ("/petrel/imap/client/connect/untrusted", test_connect_untrusted);
  g_test_add_func ("/petrel/imap/client/connect/pinned", test_connect_pinned);
  g_test_add_func ("/petrel/imap/client/mailboxes", test_mailboxes);
  g_test_add_func ("/petrel/imap/client/append", test_append);
  g_test_add_func ("/petrel/imap/client/binary", test_binary);
  g_test_add_func ("/petrel/imap/client/copy-move", test_copy_move);
  g_test_add_func ("/petrel/imap/client/search", test_search);
  g_test_add_func ("/petrel/imap/client/qresync", test_qresync);
  g_test_add_func ("/petrel/imap/client/idle", test_idle);
  g_test_add_func ("/petrel/imap/client/compress", test_compress);
  g_test_add_func ("/petrel/imap/client/fetch-bulk", test_fetch_bulk);
  g_test_add_func ("/petrel/imap/client/pipeline", test_pipeline);
  g_test_add_func ("/petrel/imap/client/cancel", test_cancel);
  g_test_add_func ("/petrel/imap/client/kicked", test_kicked);
  g_test_add_func ("/petrel/imap/client/script/timeout", test_script_timeout);
  g_test_add_func ("/petrel/imap/client/script/credentials-pending",
                   test_script_credentials_pending);
  g_test_add_func ("/petrel/imap/client/script/garbage", test_script_garbage);
  g_test_add_func ("/petrel/imap/client/script/bye", test_script_bye);
  g_test_add_func ("/petrel/imap/client/script/starttls", test_script_starttls);
  g_test_add_func ("/petrel/imap/client/script/starttls-alert", test_script_starttls_alert);
  g_test_add_func ("/petrel/imap/client/script/oauth", test_script_oauth);
  g_test_add_func ("/petrel/imap/client/script/literal", test_script_literal);
  g_test_add_func ("/petrel/imap/client/script/extensions", test_script_extensions);
  g_test_add_func ("/petrel/imap/client/script/move-fallback", test_script_move_fallback);

  ret = g_test_run ();

  g_clear_object (&tls_database);
  g_clear_pointer (&servers, petrel_test_servers_stop);
  g_free (servers_error);
  return ret;
}
