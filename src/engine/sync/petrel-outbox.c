/* petrel-outbox.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The outbox (see petrel-outbox.h for the states). The recipients column of an item holds a
 * JSON object: {from, to: [...], not_before, refused: [...], next_try, backoff}: next_try and
 * backoff (consecutive transient failures) are the retry schedule of issue 6, kept in the row
 * so no schema change was needed.
 */

#include "config.h"

#include <inttypes.h>

#include <string.h>

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "account/petrel-oauth2.h"
#include "account/petrel-tls-trust.h"
#include "mime/petrel-mime-summary.h"
#include "smtp/petrel-smtp-client.h"
#include "smtp/petrel-smtp-error.h"
#include "smtp/petrel-smtp-size.h"

#include "petrel-outbox.h"
#include "petrel-outbox-private.h"
#include "petrel-sync.h"
#include "petrel-sync-private.h"

static JsonObject *
item_object (const PetrelStoreOutboxItem *item)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (item->recipients == NULL ||
      !json_parser_load_from_data (parser, item->recipients, -1, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  return json_object_ref (json_node_get_object (root));
}

char *
petrel_outbox_item_dup_from (const PetrelStoreOutboxItem *item)
{
  g_autoptr(JsonObject) object = item_object (item);

  if (object == NULL || !json_object_has_member (object, "from"))
    return NULL;
  return g_strdup (json_object_get_string_member (object, "from"));
}

GStrv
petrel_outbox_item_dup_recipients (const PetrelStoreOutboxItem *item)
{
  g_autoptr(JsonObject) object = item_object (item);

  return _petrel_json_get_strv (object, "to");
}

GStrv
petrel_outbox_item_dup_refused (const PetrelStoreOutboxItem *item)
{
  g_autoptr(JsonObject) object = item_object (item);

  return _petrel_json_get_strv (object, "refused");
}

static gint64
item_get_int (const PetrelStoreOutboxItem *item,
              const char                  *member)
{
  g_autoptr(JsonObject) object = item_object (item);
  JsonNode *node;

  if (object == NULL || (node = json_object_get_member (object, member)) == NULL ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return 0;
  return json_node_get_int (node);
}

gint64
petrel_outbox_item_get_not_before (const PetrelStoreOutboxItem *item)
{
  return item_get_int (item, "not_before");
}

/**
 * petrel_outbox_item_get_next_try:
 * @item: an outbox item
 *
 * Returns: the unix time before which a queued item is not tried again after a transient
 *   failure (see petrel_outbox_backoff_delay()), or 0 when it is not waiting for a retry
 */
gint64
petrel_outbox_item_get_next_try (const PetrelStoreOutboxItem *item)
{
  return item_get_int (item, "next_try");
}

/**
 * petrel_outbox_item_get_backoff:
 * @item: an outbox item
 *
 * Returns: how many transient failures in a row the item has had (0 after a success or
 *   `outbox retry`)
 */
guint
petrel_outbox_item_get_backoff (const PetrelStoreOutboxItem *item)
{
  return (guint) CLAMP (item_get_int (item, "backoff"), 0, G_MAXUINT);
}

/**
 * petrel_outbox_backoff_delay:
 * @failures: transient failures in a row, from 1
 *
 * Returns: seconds to wait before the next try: 1, 2, 5, 10, then 30 minutes for good
 */
guint
petrel_outbox_backoff_delay (guint failures)
{
  static const guint minutes[] = { 1, 2, 5, 10, 30 };

  if (failures == 0)
    return 0;
  return 60 * minutes[MIN (failures, G_N_ELEMENTS (minutes)) - 1];
}

static char *
recipients_json_full (const char         *from,
                      const char * const *to,
                      gint64              not_before,
                      const char * const *refused,
                      gint64              next_try,
                      guint               backoff)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "from");
  json_builder_add_string_value (builder, from);
  json_builder_set_member_name (builder, "to");
  json_builder_begin_array (builder);
  for (guint i = 0; to != NULL && to[i] != NULL; i++)
    json_builder_add_string_value (builder, to[i]);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "not_before");
  json_builder_add_int_value (builder, not_before);
  json_builder_set_member_name (builder, "refused");
  json_builder_begin_array (builder);
  for (guint i = 0; refused != NULL && refused[i] != NULL; i++)
    json_builder_add_string_value (builder, refused[i]);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "next_try");
  json_builder_add_int_value (builder, next_try);
  json_builder_set_member_name (builder, "backoff");
  json_builder_add_int_value (builder, backoff);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

static char *
recipients_json (const char         *from,
                 const char * const *to,
                 gint64              not_before,
                 const char * const *refused)
{
  return recipients_json_full (from, to, not_before, refused, 0, 0);
}

gint64
petrel_outbox_queue (PetrelAccount       *account,
                     GBytes              *message,
                     const char          *envelope_from,
                     const char * const  *recipients,
                     const char          *subject,
                     gint64               not_before,
                     GError             **error)
{
  g_autofree char *column = NULL;
  PetrelStore *store;
  gint64 id = 0;

  g_return_val_if_fail (PETREL_IS_ACCOUNT (account), 0);
  g_return_val_if_fail (message != NULL, 0);

  if (recipients == NULL || recipients[0] == NULL)
    {
      g_set_error_literal (error, PETREL_SYNC_ERROR, PETREL_SYNC_ERROR_FAILED,
                           _("The message has no recipients"));
      return 0;
    }

  store = petrel_account_get_store (account, error);
  if (store == NULL)
    return 0;

  column = recipients_json (envelope_from, recipients, not_before, NULL);
  if (!petrel_store_outbox_add (store, message, column, subject, &id, error))
    return 0;
  return id;
}

GPtrArray *
petrel_outbox_list (PetrelAccount  *account,
                    GError        **error)
{
  PetrelStore *store = petrel_account_get_store (account, error);
  g_autoptr(GPtrArray) items = NULL;

  if (store == NULL || (items = petrel_store_outbox_list (store, error)) == NULL)
    return NULL;

  /* Drafts share the table but are not outgoing mail. */
  for (guint i = items->len; i > 0; i--)
    if (g_str_has_prefix (((PetrelStoreOutboxItem *) g_ptr_array_index (items, i - 1))->state,
                          "draft"))
      g_ptr_array_remove_index (items, i - 1);
  return g_steal_pointer (&items);
}

static PetrelStoreOutboxItem *
get_item (PetrelStore  *store,
          gint64        id,
          GError      **error)
{
  g_autoptr(GError) local_error = NULL;
  PetrelStoreOutboxItem *item = petrel_store_outbox_get (store, id, &local_error);

  if (item == NULL)
    {
      if (g_error_matches (local_error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND))
        g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND,
                     _("There is no message %" PRId64 " in the outbox"), id);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
    }
  return item;
}

static void
set_state (PetrelStoreOutboxItem *item,
           const char            *state)
{
  g_free (item->state);
  item->state = g_strdup (state);
}

gboolean
petrel_outbox_cancel (PetrelAccount  *account,
                      gint64          id,
                      GError        **error)
{
  g_autoptr(PetrelStoreOutboxItem) item = NULL;
  PetrelStore *store = petrel_account_get_store (account, error);

  if (store == NULL || (item = get_item (store, id, error)) == NULL)
    return FALSE;

  if (g_strcmp0 (item->state, "sending") == 0 || g_strcmp0 (item->state, "sent") == 0 ||
      g_strcmp0 (item->state, "done") == 0)
    {
      g_set_error (error, PETREL_SYNC_ERROR, PETREL_SYNC_ERROR_FAILED,
                   _("Message %" PRId64 " has been sent already"), id);
      return FALSE;
    }
  if (g_str_has_prefix (item->state, "draft"))
    {
      g_set_error (error, PETREL_STORE_ERROR, PETREL_STORE_ERROR_NOT_FOUND,
                   _("There is no message %" PRId64 " in the outbox"), id);
      return FALSE;
    }
  return petrel_store_outbox_delete (store, id, error);
}

gboolean
petrel_outbox_retry (PetrelAccount  *account,
                     gint64          id,
                     GError        **error)
{
  g_autoptr(PetrelStoreOutboxItem) item = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autofree char *from = NULL;
  g_auto(GStrv) to = NULL;
  PetrelStore *store = petrel_account_get_store (account, error);

  if (store == NULL || (item = get_item (store, id, error)) == NULL)
    return FALSE;

  if (g_strcmp0 (item->state, "failed") != 0 && g_strcmp0 (item->state, "uncertain") != 0 &&
      g_strcmp0 (item->state, "queued") != 0)
    {
      g_set_error (error, PETREL_SYNC_ERROR, PETREL_SYNC_ERROR_FAILED,
                   _("Message %" PRId64 " is not waiting to be sent (it is %s)"),
                   id, item->state);
      return FALSE;
    }

  from = petrel_outbox_item_dup_from (item);
  to = petrel_outbox_item_dup_recipients (item);
  g_free (item->recipients);
  item->recipients = recipients_json (from, (const char * const *) to, 0, NULL);
  set_state (item, "queued");
  g_clear_pointer (&item->last_error, g_free);
  return petrel_store_outbox_update (store, item, error);
}

/* ---- submission ------------------------------------------------------------------------- */

static PetrelSmtpSecurity
smtp_security_for (PetrelConnectionSecurity security)
{
  switch (security)
    {
    case PETREL_CONNECTION_SECURITY_TLS:
      return PETREL_SMTP_SECURITY_TLS;
    case PETREL_CONNECTION_SECURITY_STARTTLS:
      return PETREL_SMTP_SECURITY_STARTTLS;
    case PETREL_CONNECTION_SECURITY_NONE:
    default:
      return PETREL_SMTP_SECURITY_NONE;
    }
}

static void
on_smtp_tls_connection_created_cb (PetrelSmtpClient     *client,
                                   GTlsClientConnection *connection,
                                   gpointer              user_data)
{
  PetrelTlsTrust *trust = user_data;
  g_autoptr(PetrelTlsCheck) check = petrel_tls_trust_attach (trust, connection,
                                                             petrel_smtp_client_get_host (client),
                                                             petrel_smtp_client_get_port (client));
}

static void
trust_unref_notify (gpointer  data,
                    GClosure *closure)
{
  g_object_unref (data);
}

static PetrelSmtpClient *
smtp_connect (PetrelAccount  *account,
              GMainContext   *context,
              GCancellable   *cancellable,
              GError        **error)
{
  PetrelAccountConfig *config = petrel_account_get_config (account);
  PetrelCredentials *credentials = petrel_account_get_credentials (account);
  g_autoptr(PetrelTlsTrust) trust = NULL;
  g_autoptr(PetrelSmtpClient) client = NULL;
  g_autofree char *password = NULL;
  PetrelWait wait = { context, NULL };
  gboolean ok;

  trust = petrel_tls_trust_new (config, error);
  if (trust == NULL ||
      !petrel_account_config_may_send_password (config, PETREL_ACCOUNT_SERVER_SMTP, error))
    return NULL;

  client = petrel_smtp_client_new (petrel_account_config_get_smtp_host (config),
                                   petrel_account_config_get_smtp_port (config),
                                   smtp_security_for (petrel_account_config_get_smtp_security (config)));
  petrel_smtp_client_set_tls_database (client, petrel_tls_trust_get_database (trust));
  g_signal_connect_data (client, "tls-connection-created",
                         G_CALLBACK (on_smtp_tls_connection_created_cb),
                         g_object_ref (trust), trust_unref_notify, 0);

  if (petrel_account_config_get_auth_mechanism (config) == PETREL_AUTH_MECHANISM_OAUTH2)
    {
      g_autofree char *token = NULL;

      petrel_oauth2_get_access_token_for_key_async (config,
                                                    petrel_account_get_secret_key (account),
                                                    credentials, cancellable,
                                                    _petrel_wait_cb, &wait);
      token = petrel_oauth2_get_access_token_finish (_petrel_wait_for (&wait), error);
      _petrel_wait_clear (&wait);
      if (token == NULL)
        return NULL;
      petrel_smtp_client_set_oauth2_token (client,
                                           petrel_account_config_get_login (
                                             config, PETREL_ACCOUNT_SERVER_SMTP),
                                           token);
      petrel_credentials_secret_free (g_steal_pointer (&token));
    }
  else
    {
      petrel_credentials_lookup_async (credentials, petrel_account_get_secret_key (account),
                                       PETREL_CREDENTIAL_SERVICE_SMTP, cancellable,
                                       _petrel_wait_cb, &wait);
      password = petrel_credentials_lookup_finish (credentials, _petrel_wait_for (&wait),
                                                   error);
      _petrel_wait_clear (&wait);
      if (password == NULL)
        {
          if (error != NULL && *error == NULL)
            g_set_error_literal (error, PETREL_SYNC_ERROR, PETREL_SYNC_ERROR_FAILED,
                                 _("No password for sending is in the keyring"));
          return NULL;
        }
      petrel_smtp_client_set_password (client,
                                       petrel_account_config_get_login (
                                         config, PETREL_ACCOUNT_SERVER_SMTP),
                                       password);
      petrel_credentials_secret_free (g_steal_pointer (&password));
    }

  petrel_smtp_client_connect_async (client, cancellable, _petrel_wait_cb, &wait);
  ok = petrel_smtp_client_connect_finish (client, _petrel_wait_for (&wait), error);
  _petrel_wait_clear (&wait);
  if (!ok)
    return NULL;

  /* Remembered for the composer's size warning (petrel_outbox_get_size_limit()). */
  {
    g_autoptr(GError) local_error = NULL;

    if (!petrel_smtp_size_limit_remember (petrel_account_get_data_dir (account), client,
                                          &local_error))
      g_debug ("The server's size limit is not remembered: %s", local_error->message);
  }

  return g_steal_pointer (&client);
}

static gboolean
is_due (const PetrelStoreOutboxItem *item,
        gint64                       now)
{
  return g_strcmp0 (item->state, "queued") == 0 &&
         petrel_outbox_item_get_not_before (item) <= now &&
         petrel_outbox_item_get_next_try (item) <= now;
}

/* A failure that may well go away by itself: the server said 4xx, or could not be reached
 * or did not answer. Not a refused login or certificate: those wait for the user. */
static gboolean
is_transient_failure (const GError *error)
{
  if (error->domain == PETREL_SMTP_ERROR)
    return error->code == PETREL_SMTP_ERROR_TEMPORARY ||
           error->code == PETREL_SMTP_ERROR_CONNECTION ||
           error->code == PETREL_SMTP_ERROR_TIMEOUT;
  if (error->domain == G_IO_ERROR)
    return !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  if (error->domain == G_RESOLVER_ERROR)
    return error->code == G_RESOLVER_ERROR_TEMPORARY_FAILURE;
  return FALSE;
}

/* Puts @item back in the queue after a transient failure, not to be tried again before the
 * next step of the backoff, so a sync in between does not hammer the server. */
static void
defer_item (PetrelStoreOutboxItem *item,
            gint64                 now)
{
  g_autofree char *from = petrel_outbox_item_dup_from (item);
  g_auto(GStrv) to = petrel_outbox_item_dup_recipients (item);
  g_auto(GStrv) refused = petrel_outbox_item_dup_refused (item);
  guint backoff = petrel_outbox_item_get_backoff (item) + 1;
  gint64 next_try = now + petrel_outbox_backoff_delay (backoff);

  g_debug ("Outbox item %" G_GINT64_FORMAT ": transient failure %u, next try in %u s",
           item->id, backoff, petrel_outbox_backoff_delay (backoff));
  g_free (item->recipients);
  item->recipients = recipients_json_full (from, (const char * const *) to,
                                           petrel_outbox_item_get_not_before (item),
                                           (const char * const *) refused, next_try, backoff);
  set_state (item, "queued");
}

/* A failure of the connection as a whole (not of one message) stops the run: the other
 * messages would fail the same way, and each keeps its place in the queue. */
static gboolean
is_connection_failure (const GError *error)
{
  return error->domain != PETREL_SMTP_ERROR ||
         error->code == PETREL_SMTP_ERROR_CONNECTION || error->code == PETREL_SMTP_ERROR_TLS ||
         error->code == PETREL_SMTP_ERROR_TIMEOUT || error->code == PETREL_SMTP_ERROR_AUTH ||
         error->code == PETREL_SMTP_ERROR_CANCELLED || error->code == PETREL_SMTP_ERROR_PROTOCOL;
}

gboolean
_petrel_outbox_submit (PetrelAccount  *account,
                       PetrelStore    *store,
                       GMainContext   *context,
                       GCancellable   *cancellable,
                       guint          *out_sent,
                       guint          *out_failed,
                       GError        **error)
{
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(PetrelSmtpClient) client = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  guint sent = 0, failed = 0;
  gboolean any_due = FALSE;

  items = petrel_store_outbox_list (store, error);
  if (items == NULL)
    return FALSE;

  for (guint i = 0; i < items->len; i++)
    {
      PetrelStoreOutboxItem *item = g_ptr_array_index (items, i);

      /* Found "sending": a previous run died mid-submission. It may have gone out. */
      if (g_strcmp0 (item->state, "sending") == 0)
        {
          set_state (item, "uncertain");
          g_free (item->last_error);
          item->last_error = g_strdup (_("Sending was interrupted; the message may have been "
                                         "delivered. Check, then retry it if it was not."));
          if (!petrel_store_outbox_update (store, item, error))
            return FALSE;
        }
      any_due |= is_due (item, now);
    }

  if (any_due)
    {
      g_autoptr(GError) connect_error = NULL;

      client = smtp_connect (account, context, cancellable, &connect_error);
      if (client == NULL)
        {
          /* Say on each waiting message why it is still waiting. */
          for (guint i = 0; i < items->len; i++)
            {
              PetrelStoreOutboxItem *item = g_ptr_array_index (items, i);

              if (!is_due (item, now))
                continue;
              g_free (item->last_error);
              item->last_error = g_strdup (connect_error->message);
              if (is_transient_failure (connect_error))
                {
                  item->attempts++;
                  defer_item (item, now);
                }
              petrel_store_outbox_update (store, item, NULL);
            }
          g_propagate_error (error, g_steal_pointer (&connect_error));
          return FALSE;
        }
    }

  for (guint i = 0; any_due && i < items->len; i++)
    {
      PetrelStoreOutboxItem *item = g_ptr_array_index (items, i);
      g_autoptr(GPtrArray) results = NULL;
      g_autoptr(GError) send_error = NULL;
      g_autoptr(GStrvBuilder) refused = g_strv_builder_new ();
      g_auto(GStrv) refused_strv = NULL;
      g_autofree char *from = NULL;
      g_auto(GStrv) to = NULL;
      PetrelWait wait = { context, NULL };

      if (!is_due (item, now))
        continue;

      from = petrel_outbox_item_dup_from (item);
      to = petrel_outbox_item_dup_recipients (item);

      set_state (item, "sending");
      item->attempts++;
      if (!petrel_store_outbox_update (store, item, error))
        return FALSE;

      petrel_smtp_client_send_async (client, from, (const char * const *) to, item->raw,
                                     cancellable, _petrel_wait_cb, &wait);
      results = petrel_smtp_client_send_finish (client, _petrel_wait_for (&wait), &send_error);
      _petrel_wait_clear (&wait);

      g_free (item->last_error);
      item->last_error = NULL;

      if (results != NULL)
        {
          for (guint j = 0; j < results->len; j++)
            {
              PetrelSmtpRecipientResult *result = g_ptr_array_index (results, j);

              if (!petrel_smtp_recipient_result_get_accepted (result))
                {
                  g_autofree char *line =
                    g_strdup_printf ("%s: %u %s", petrel_smtp_recipient_result_get_address (result),
                                     petrel_smtp_recipient_result_get_code (result),
                                     petrel_smtp_recipient_result_get_text (result));
                  g_strv_builder_add (refused, line);
                }
            }
          refused_strv = g_strv_builder_end (refused);
          g_free (item->recipients);
          item->recipients = recipients_json (from, (const char * const *) to, 0,
                                              (const char * const *) refused_strv);
          if (refused_strv[0] != NULL)
            {
              g_autofree char *joined = g_strjoinv ("; ", refused_strv);

              item->last_error = g_strdup_printf (_("Some recipients were refused: %s"), joined);
            }
          set_state (item, "sent");
          item->sent_at = g_get_real_time () / G_USEC_PER_SEC;
          sent++;
        }
      else if (g_error_matches (send_error, PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_UNCERTAIN))
        {
          set_state (item, "uncertain");
          item->last_error = g_strdup (send_error->message);
          failed++;
        }
      else if (is_transient_failure (send_error))
        {
          /* Nothing was delivered: it waits for the next try, later each time. */
          item->last_error = g_strdup (send_error->message);
          defer_item (item, now);
        }
      else if (is_connection_failure (send_error))
        {
          /* Cancelled, or a login or certificate the user must fix: no backoff. */
          set_state (item, "queued");
          item->last_error = g_strdup (send_error->message);
        }
      else
        {
          set_state (item, "failed");
          item->last_error = g_strdup (send_error->message);
          failed++;
        }

      if (!petrel_store_outbox_update (store, item, error))
        return FALSE;

      if (send_error != NULL && is_connection_failure (send_error) &&
          !g_error_matches (send_error, PETREL_SMTP_ERROR, PETREL_SMTP_ERROR_UNCERTAIN))
        {
          /* The server is gone: the messages after this one wait as long as it does. */
          for (guint j = i + 1; is_transient_failure (send_error) && j < items->len; j++)
            {
              PetrelStoreOutboxItem *later = g_ptr_array_index (items, j);

              if (!is_due (later, now))
                continue;
              g_free (later->last_error);
              later->last_error = g_strdup (send_error->message);
              defer_item (later, now);
              petrel_store_outbox_update (store, later, NULL);
            }
          g_propagate_error (error, g_steal_pointer (&send_error));
          return FALSE;
        }
    }

  if (client != NULL && petrel_smtp_client_is_connected (client))
    {
      PetrelWait wait = { context, NULL };

      petrel_smtp_client_close_async (client, NULL, _petrel_wait_cb, &wait);
      petrel_smtp_client_close_finish (client, _petrel_wait_for (&wait), NULL);
      _petrel_wait_clear (&wait);
    }

  if (out_sent != NULL)
    *out_sent = sent;
  if (out_failed != NULL)
    *out_failed = failed;
  return TRUE;
}

/* ---- the copy in Sent ------------------------------------------------------------------- */

static PetrelStoreFolder *
find_sent (PetrelStore *store)
{
  g_autoptr(GPtrArray) folders = petrel_store_list_folders (store, NULL);

  for (guint i = 0; folders != NULL && i < folders->len; i++)
    {
      PetrelStoreFolder *folder = g_ptr_array_index (folders, i);

      if (folder->role == PETREL_STORE_FOLDER_ROLE_SENT)
        return petrel_store_folder_copy (folder);
    }
  return NULL;
}

gboolean
_petrel_outbox_save_sent (PetrelStore       *store,
                          PetrelImapClient  *client,
                          GMainContext      *context,
                          GCancellable      *cancellable,
                          GError           **error)
{
  static const char *seen[] = { "\\Seen", NULL };
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(PetrelStoreFolder) sent = NULL;
  g_autofree char *wire = NULL;
  gboolean selected = FALSE;

  items = petrel_store_outbox_list (store, error);
  if (items == NULL)
    return FALSE;

  for (guint i = 0; i < items->len; i++)
    {
      PetrelStoreOutboxItem *item = g_ptr_array_index (items, i);
      g_autoptr(PetrelMimeSummary) summary = NULL;
      g_autoptr(PetrelImapSeqSet) found = NULL;
      PetrelImapAppendMessage append = { 0, };
      PetrelWait wait = { context, NULL };
      gboolean ok;

      if (g_strcmp0 (item->state, "sent") != 0 || item->saved_to_sent)
        continue;

      if (sent == NULL && (sent = find_sent (store)) == NULL)
        return TRUE;   /* no Sent folder: the message stays "sent" */
      if (wire == NULL)
        wire = _petrel_folder_wire_name (client, sent);

      if (!selected)
        {
          g_autoptr(PetrelImapMailboxState) state = NULL;

          petrel_imap_client_select_async (client, wire, TRUE, FALSE, NULL, NULL, NULL,
                                           NULL, cancellable, _petrel_wait_cb, &wait);
          state = petrel_imap_client_select_finish (client, _petrel_wait_for (&wait), error);
          _petrel_wait_clear (&wait);
          if (state == NULL)
            return FALSE;
          selected = TRUE;
        }

      /* If an earlier run appended it and died before recording that, it is there already:
       * never two copies in Sent. */
      summary = petrel_mime_summary_new_from_bytes (item->raw, 0);
      if (summary != NULL && summary->message_id != NULL)
        {
          found = _petrel_imap_find_message_id (client, context, summary->message_id,
                                                cancellable, error);
          if (found == NULL)
            return FALSE;
        }

      if (found == NULL || petrel_imap_seqset_is_empty (found))
        {
          append.message = item->raw;
          append.flags = seen;
          petrel_imap_client_append_async (client, wire, &append, cancellable,
                                           _petrel_wait_cb, &wait);
          ok = petrel_imap_client_append_finish (client, _petrel_wait_for (&wait), NULL, NULL,
                                                 error);
          _petrel_wait_clear (&wait);
          if (!ok)
            return FALSE;
        }

      item->saved_to_sent = TRUE;
      set_state (item, "done");
      if (!petrel_store_outbox_update (store, item, error))
        return FALSE;
    }

  return TRUE;
}

/**
 * petrel_outbox_get_size_limit:
 * @account: an account
 *
 * Returns: the largest message in bytes the account's submission server accepts, as it
 *   announced (SIZE) the last time the outbox connected to it; 0 when not known
 */
guint64
petrel_outbox_get_size_limit (PetrelAccount *account)
{
  g_return_val_if_fail (PETREL_IS_ACCOUNT (account), 0);

  return petrel_smtp_size_limit_load (petrel_account_get_data_dir (account));
}
