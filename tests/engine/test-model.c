/* test-model.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The model layer the front ends bind to: the lazy message list (paging, refresh, search),
 * the folder tree, the account list and the demo mailbox.
 */

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "petrel-engine.h"
#include "model/petrel-conversation.h"
#include "account/petrel-memory-credentials.h"
#include "model/petrel-account-list.h"
#include "model/petrel-demo.h"
#include "model/petrel-folder-list.h"
#include "model/petrel-merged-list.h"
#include "model/petrel-message-list.h"
#include "store/petrel-store-conversations.h"
#include "sync/petrel-changes.h"
#include "sync/petrel-sync.h"

#define BASE_DATE ((gint64) 1770000000)   /* 2026-02-02 */

typedef struct
{
  char          *data_dir;
  PetrelAccount *account;
  PetrelStore   *store;     /* borrowed from @account */
  gint64         inbox;
} Fixture;

typedef struct
{
  guint position;
  guint removed;
  guint added;
} Change;

/* Helpers */

static gboolean
wait_until (gboolean (*done) (gpointer),
            gpointer   data)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (!done (data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_main_context_iteration (NULL, TRUE);
    }

  return TRUE;
}

static gboolean
list_loaded (gpointer data)
{
  return !petrel_message_list_get_loading (data);
}

static gboolean
message_loaded (gpointer data)
{
  return petrel_message_is_loaded (data);
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

static gboolean
result_ready (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

static void
on_result_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
on_notify_cb (GObject    *object,
              GParamSpec *pspec,
              gboolean   *notified)
{
  *notified = TRUE;
}

static void
on_refreshed_cb (PetrelMessageList *list,
                 gboolean          *refreshed)
{
  *refreshed = TRUE;
}

static void
refresh_and_wait (PetrelMessageList *list)
{
  gboolean refreshed = FALSE;
  gulong id = g_signal_connect (list, "refreshed", G_CALLBACK (on_refreshed_cb), &refreshed);

  petrel_message_list_refresh (list);
  g_assert_true (wait_until (flag_set, &refreshed));
  g_signal_handler_disconnect (list, id);
}

static void
on_items_changed_cb (GListModel *model,
                     guint       position,
                     guint       removed,
                     guint       added,
                     GArray     *changes)
{
  Change change = { position, removed, added };

  g_array_append_val (changes, change);
}

static PetrelAccount *
make_account (const char *data_dir,
              const char *id)
{
  g_autoptr(PetrelAccountConfig) config = petrel_account_config_new (id);

  petrel_account_config_set_display_name (config, id);
  petrel_account_config_set_email_address (config, "someone@example.org");
  petrel_account_config_set_imap_host (config, "imap.example.org");
  petrel_account_config_set_smtp_host (config, "smtp.example.org");

  return petrel_account_new_for_config (data_dir, config);
}

static gint64
add_folder (PetrelStore           *store,
            const char            *path,
            PetrelStoreFolderRole  role)
{
  g_autoptr(PetrelStoreFolder) folder = petrel_store_folder_new (path);
  g_autoptr(GError) error = NULL;
  gint64 id = 0;

  folder->delimiter = g_strdup ("/");
  folder->role = role;
  petrel_store_upsert_folder (store, folder, &id, &error);
  g_assert_no_error (error);

  return id;
}

/* Message @uid dated BASE_DATE + @uid minutes, so a higher UID is newer. */
static PetrelStoreMessage *
make_message (gint64           folder_id,
              guint32          uid,
              gint64           date,
              PetrelStoreFlags flags)
{
  PetrelStoreMessage *message = petrel_store_message_new ();

  message->folder_id = folder_id;
  message->uid = uid;
  message->date = date;
  message->internal_date = date;
  message->flags = flags;
  message->subject = g_strdup_printf ("Message %u", uid);
  message->from_name = g_strdup ("Ann Lee");
  message->from_addr = g_strdup ("ann@example.org");
  message->message_id = g_strdup_printf ("<m%u@example.org>", uid);
  message->snippet = g_strdup_printf ("Snippet of message %u", uid);

  return message;
}

static void
add_messages (Fixture *fixture,
              guint32  first_uid,
              guint    n,
              gint64   first_date)
{
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func (
    (GDestroyNotify) petrel_store_message_free);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (messages, make_message (fixture->inbox, first_uid + i, first_date + 60 * i,
                                             PETREL_STORE_FLAG_SEEN));

  petrel_store_upsert_messages (fixture->store, messages, &error);
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->data_dir = g_build_filename (g_get_user_data_dir (), "petrel", NULL);
  fixture->account = make_account (fixture->data_dir, "test");
  fixture->store = petrel_account_get_store (fixture->account, &error);
  g_assert_no_error (error);
  fixture->inbox = add_folder (fixture->store, "INBOX", PETREL_STORE_FOLDER_ROLE_INBOX);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->account);
  g_clear_pointer (&fixture->data_dir, g_free);
}

static PetrelMessage *
get_message (GListModel *model,
             guint       position)
{
  PetrelMessage *message = g_list_model_get_item (model, position);

  g_assert_nonnull (message);
  if (!petrel_message_is_loaded (message))
    g_assert_true (wait_until (message_loaded, message));

  return message;
}

/* Tests */

static void
test_list_paging (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(PetrelMessageList) list = NULL;
  g_autoptr(PetrelMessage) first = NULL;
  g_autoptr(PetrelMessage) middle = NULL;
  g_autoptr(PetrelMessage) last = NULL;
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (Change));
  GListModel *model;
  const guint n = 2500;

  add_messages (fixture, 1, n, BASE_DATE);

  list = petrel_message_list_new (fixture->account, "INBOX");
  model = G_LIST_MODEL (list);
  g_signal_connect (list, "items-changed", G_CALLBACK (on_items_changed_cb), changes);

  /* Empty until the count lands, then one items-changed for everything. */
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 0);
  g_assert_true (wait_until (list_loaded, list));
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, n);
  g_assert_cmpuint (changes->len, ==, 1);
  g_assert_cmpuint (g_array_index (changes, Change, 0).added, ==, n);
  g_assert_true (g_list_model_get_item_type (model) == PETREL_TYPE_MESSAGE);

  /* The first page comes with the count: newest first. */
  first = g_list_model_get_item (model, 0);
  g_assert_true (petrel_message_is_loaded (first));
  g_assert_cmpuint (petrel_message_get_uid (first), ==, n);
  g_assert_cmpstr (petrel_message_get_subject (first), ==, "Message 2500");
  g_assert_cmpstr (petrel_message_get_from (first), ==, "Ann Lee");
  g_assert_cmpstr (petrel_message_get_snippet (first), ==, "Snippet of message 2500");
  g_assert_true (petrel_message_get_seen (first));
  g_assert_cmpuint (petrel_message_get_conversation_count (first), ==, 1);

  /* A row far away is a placeholder first, filled in place when its page is read. */
  middle = g_list_model_get_item (model, 1234);
  g_assert_false (petrel_message_is_loaded (middle));
  g_assert_true (wait_until (message_loaded, middle));
  g_assert_cmpuint (petrel_message_get_uid (middle), ==, n - 1234);
  g_assert_cmpstr (petrel_message_get_folder_path (middle), ==, "INBOX");

  last = get_message (model, n - 1);
  g_assert_cmpuint (petrel_message_get_uid (last), ==, 1);
  g_assert_null (g_list_model_get_item (model, n));

  /* Walking the whole folder keeps only a few pages. */
  for (guint i = 0; i < n; i += 97)
    {
      g_autoptr(PetrelMessage) message = get_message (model, i);

      g_assert_cmpuint (petrel_message_get_uid (message), ==, n - i);
    }
  g_assert_cmpuint (petrel_message_list_get_n_cached (list), <=,
                    PETREL_MESSAGE_LIST_MAX_PAGES * PETREL_MESSAGE_LIST_PAGE_SIZE);
  g_assert_cmpuint (changes->len, ==, 1);
}

static void
test_list_refresh (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(PetrelMessageList) list = NULL;
  g_autoptr(PetrelMessage) top = NULL;
  g_autoptr(PetrelMessage) old_top = NULL;
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (Change));
  g_autoptr(GError) error = NULL;
  GListModel *model;
  gboolean seen_notified = FALSE;
  guint32 uid;

  add_messages (fixture, 100, 300, BASE_DATE);
  list = petrel_message_list_new (fixture->account, "INBOX");
  model = G_LIST_MODEL (list);
  g_assert_true (wait_until (list_loaded, list));
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 300);
  top = get_message (model, 0);
  g_assert_cmpuint (petrel_message_get_uid (top), ==, 399);
  g_signal_connect (list, "items-changed", G_CALLBACK (on_items_changed_cb), changes);

  /* Nothing changed: nothing emitted. */
  refresh_and_wait (list);
  g_assert_cmpuint (changes->len, ==, 0);

  /* Five newer messages at the top, three older ones at the end (a sync going newest
   * first): one items-changed each, and the rows already handed out keep their identity. */
  add_messages (fixture, 400, 5, BASE_DATE + 60 * 1000);
  add_messages (fixture, 10, 3, BASE_DATE - 60 * 1000);
  refresh_and_wait (list);
  g_assert_cmpuint (changes->len, ==, 2);
  g_assert_cmpuint (g_array_index (changes, Change, 0).position, ==, 0);
  g_assert_cmpuint (g_array_index (changes, Change, 0).removed, ==, 0);
  g_assert_cmpuint (g_array_index (changes, Change, 0).added, ==, 5);
  g_assert_cmpuint (g_array_index (changes, Change, 1).position, ==, 305);
  g_assert_cmpuint (g_array_index (changes, Change, 1).removed, ==, 0);
  g_assert_cmpuint (g_array_index (changes, Change, 1).added, ==, 3);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 308);

  old_top = g_list_model_get_item (model, 5);
  g_assert_true (old_top == top);
  {
    g_autoptr(PetrelMessage) newest = get_message (model, 0);
    g_autoptr(PetrelMessage) oldest = get_message (model, 307);

    g_assert_cmpuint (petrel_message_get_uid (newest), ==, 404);
    g_assert_cmpuint (petrel_message_get_uid (oldest), ==, 10);
  }
  g_assert_cmpuint (petrel_message_list_find (list, NULL, 399), ==, 5);

  /* A flag change on a row on screen is a notification, not a list change. */
  g_array_set_size (changes, 0);
  g_signal_connect (top, "notify::seen", G_CALLBACK (on_notify_cb), &seen_notified);
  uid = petrel_message_get_uid (top);
  petrel_store_modify_flags (fixture->store, fixture->inbox, &uid, 1, 0, PETREL_STORE_FLAG_SEEN,
                             &error);
  g_assert_no_error (error);
  refresh_and_wait (list);
  g_assert_cmpuint (changes->len, ==, 0);
  g_assert_true (seen_notified);
  g_assert_false (petrel_message_get_seen (top));

  /* An expunge in the middle resets the list with one change over everything. */
  uid = 250;
  petrel_store_expunge_uids (fixture->store, fixture->inbox, &uid, 1, NULL, &error);
  g_assert_no_error (error);
  refresh_and_wait (list);
  g_assert_cmpuint (changes->len, ==, 1);
  g_assert_cmpuint (g_array_index (changes, Change, 0).position, ==, 0);
  g_assert_cmpuint (g_array_index (changes, Change, 0).removed, ==, 308);
  g_assert_cmpuint (g_array_index (changes, Change, 0).added, ==, 307);
  g_assert_cmpuint (petrel_message_list_find (list, NULL, 250), ==, G_MAXUINT);
}

static void
test_list_conversations (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func (
    (GDestroyNotify) petrel_store_message_free);
  g_autoptr(PetrelMessageList) list = NULL;
  g_autoptr(PetrelMessageList) flat = NULL;
  g_autoptr(PetrelMessage) first = NULL;
  g_autoptr(PetrelMessage) second = NULL;
  g_autoptr(PetrelMessage) third = NULL;
  g_autoptr(PetrelStoreMessage) reply = NULL;
  g_autoptr(GError) error = NULL;
  gint64 sent = add_folder (fixture->store, "Sent", PETREL_STORE_FOLDER_ROLE_SENT);
  guint count = 0;

  /* INBOX: a thread of 1, 2 and 5 (5 unread, from Bo), a lone message 3, a thread of 4 whose
   * reply (from us) is in Sent and newer than everything in INBOX. */
  for (guint32 uid = 1; uid <= 5; uid++)
    {
      PetrelStoreMessage *message = make_message (fixture->inbox, uid, BASE_DATE + 60 * uid,
                                                  uid == 5 ? 0 : PETREL_STORE_FLAG_SEEN);

      if (uid == 2 || uid == 5)
        message->in_reply_to = g_strdup ("<m1@example.org>");
      if (uid == 5)
        {
          g_free (message->from_name);
          message->from_name = g_strdup ("Bo Chan");
        }
      g_ptr_array_add (messages, message);
    }
  reply = make_message (sent, 1, BASE_DATE + 600, PETREL_STORE_FLAG_SEEN);
  g_free (reply->message_id);
  reply->message_id = g_strdup ("<r1@example.org>");
  reply->in_reply_to = g_strdup ("<m4@example.org>");
  g_free (reply->from_name);
  reply->from_name = g_strdup ("Me Myself");
  g_ptr_array_add (messages, g_steal_pointer (&reply));
  petrel_store_upsert_messages (fixture->store, messages, &error);
  g_assert_no_error (error);

  g_assert_true (petrel_store_count_folder_conversations (fixture->store, fixture->inbox, &count,
                                                          &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count, ==, 3);

  list = petrel_message_list_new_conversations (fixture->account, "INBOX");
  g_assert_true (petrel_message_list_get_conversations (list));
  g_assert_true (wait_until (list_loaded, list));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 3);

  /* Newest first, each conversation as its newest message in the folder. */
  first = get_message (G_LIST_MODEL (list), 0);
  second = get_message (G_LIST_MODEL (list), 1);
  third = get_message (G_LIST_MODEL (list), 2);
  g_assert_cmpuint (petrel_message_get_uid (first), ==, 5);
  g_assert_cmpuint (petrel_message_get_conversation_count (first), ==, 3);
  g_assert_cmpuint (petrel_message_get_conversation_unread (first), ==, 1);
  g_assert_cmpstr (petrel_message_get_participants (first), ==, "Ann Lee, Bo Chan");
  g_assert_cmpuint (petrel_message_get_uid (second), ==, 4);
  g_assert_cmpuint (petrel_message_get_conversation_count (second), ==, 2);
  g_assert_cmpuint (petrel_message_get_conversation_unread (second), ==, 0);
  g_assert_cmpstr (petrel_message_get_participants (second), ==, "Ann Lee, Me Myself");
  g_assert_cmpuint (petrel_message_get_uid (third), ==, 3);
  g_assert_cmpuint (petrel_message_get_conversation_count (third), ==, 1);
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (list), 3));

  /* A new reply in INBOX replaces its thread's row and moves it to the top. */
  add_messages (fixture, 10, 1, BASE_DATE + 6000);
  {
    g_autoptr(PetrelStoreMessage) late = make_message (fixture->inbox, 11, BASE_DATE + 7000, 0);
    g_autoptr(GPtrArray) more = g_ptr_array_new ();

    late->in_reply_to = g_strdup ("<m3@example.org>");
    g_ptr_array_add (more, late);
    petrel_store_upsert_messages (fixture->store, more, &error);
    g_assert_no_error (error);
  }
  refresh_and_wait (list);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 4);
  {
    g_autoptr(PetrelMessage) top = get_message (G_LIST_MODEL (list), 0);
    g_autoptr(PetrelMessage) next = get_message (G_LIST_MODEL (list), 1);

    g_assert_cmpuint (petrel_message_get_uid (top), ==, 11);
    g_assert_cmpuint (petrel_message_get_conversation_count (top), ==, 2);
    g_assert_cmpuint (petrel_message_get_conversation_unread (top), ==, 1);
    g_assert_cmpuint (petrel_message_get_uid (next), ==, 10);
  }

  /* The flat list still has every message. */
  flat = petrel_message_list_new (fixture->account, "INBOX");
  g_assert_false (petrel_message_list_get_conversations (flat));
  g_assert_true (wait_until (list_loaded, flat));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (flat)), ==, 7);
}

static void
test_undo_range (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *description = NULL;
  g_autoptr(PetrelStoreFolder) inbox = NULL;
  g_autoptr(PetrelStoreFolder) archive_folder = NULL;
  g_autoptr(PetrelStoreMessage) second = NULL;
  gint64 archive = add_folder (fixture->store, "Archive", PETREL_STORE_FOLDER_ROLE_ARCHIVE);
  gint64 before = -1, after_move = -1, after_flag = -1;
  const guint32 first_uid = 1, second_uid = 2;
  const char *seen[] = { "\\Seen", NULL };
  guint total = 0, unread = 0;

  add_messages (fixture, 1, 2, BASE_DATE);
  /* Unread, so marking it read is a change. */
  g_assert_true (petrel_store_update_flags (fixture->store, fixture->inbox, second_uid, 0, NULL,
                                            0, &error));
  g_assert_no_error (error);

  /* A move, then (like opening the next message) a flag change: the toast of the move undoes
   * the move only. */
  g_assert_true (petrel_changes_last_id (fixture->account, &before, &error));
  g_assert_true (petrel_changes_move (fixture->account, "INBOX", &first_uid, 1, "Archive",
                                      &error));
  g_assert_true (petrel_changes_last_id (fixture->account, &after_move, &error));
  g_assert_no_error (error);
  g_assert_cmpint (after_move, >, before);
  g_assert_true (petrel_changes_set_flags (fixture->account, "INBOX", &second_uid, 1, seen, NULL,
                                           &error));
  g_assert_true (petrel_changes_last_id (fixture->account, &after_flag, &error));
  g_assert_no_error (error);
  g_assert_cmpint (after_flag, >, after_move);

  petrel_account_undo_range_async (fixture->account, before, after_move, FALSE, NULL,
                                   on_result_cb, &result);
  g_assert_true (wait_until (result_ready, &result));
  description = petrel_account_undo_finish (fixture->account, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (description);

  g_assert_true (petrel_store_count_messages (fixture->store, fixture->inbox, &total, &unread,
                                              &error));
  g_assert_cmpuint (total, ==, 2);
  g_assert_cmpuint (unread, ==, 0);
  g_assert_true (petrel_store_count_messages (fixture->store, archive, &total, &unread, &error));
  g_assert_cmpuint (total, ==, 0);
  second = petrel_store_get_message (fixture->store, fixture->inbox, second_uid, &error);
  g_assert_nonnull (second);
  g_assert_true (second->flags & PETREL_STORE_FLAG_SEEN);

  /* Nothing left in that range. */
  g_clear_object (&result);
  petrel_account_undo_range_async (fixture->account, before, after_move, FALSE, NULL,
                                   on_result_cb, &result);
  g_assert_true (wait_until (result_ready, &result));
  g_clear_pointer (&description, g_free);
  description = petrel_account_undo_finish (fixture->account, result, &error);
  g_assert_null (description);
  g_assert_error (error, PETREL_SYNC_ERROR, PETREL_SYNC_ERROR_FAILED);
}

static void
test_list_missing_folder (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(PetrelMessageList) list = petrel_message_list_new (fixture->account, "Nope");

  g_assert_true (wait_until (list_loaded, list));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 0);
  g_assert_error (petrel_message_list_get_error (list), PETREL_STORE_ERROR,
                  PETREL_STORE_ERROR_NOT_FOUND);
}

static void
test_list_search (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(PetrelMessageList) list = NULL;
  g_autoptr(PetrelMessageList) bad = NULL;
  g_autoptr(PetrelMessage) hit = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PetrelStoreMessage) special = make_message (fixture->inbox, 900, BASE_DATE, 0);

  add_messages (fixture, 1, 50, BASE_DATE);
  g_free (special->subject);
  special->subject = g_strdup ("Quarterly kestrel report");
  petrel_store_upsert_message (fixture->store, special, &error);
  g_assert_no_error (error);

  list = petrel_message_list_new_for_search (fixture->account, "kestrel", NULL, 100);
  g_assert_true (wait_until (list_loaded, list));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 1);
  hit = get_message (G_LIST_MODEL (list), 0);
  g_assert_cmpuint (petrel_message_get_uid (hit), ==, 900);
  g_assert_cmpstr (petrel_message_get_folder_path (hit), ==, "INBOX");
  g_assert_false (petrel_message_get_seen (hit));
  g_assert_cmpstr (petrel_message_list_get_query (list), ==, "kestrel");

  bad = petrel_message_list_new_for_search (fixture->account, "before:yesterdayish", NULL, 10);
  g_assert_true (wait_until (list_loaded, bad));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (bad)), ==, 0);
  g_assert_nonnull (petrel_message_list_get_error (bad));
}

static void
test_folder_tree (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(PetrelFolderList) folders = petrel_folder_list_new (fixture->account);
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (Change));
  g_autoptr(GError) error = NULL;
  g_autoptr(PetrelFolder) first = NULL;
  g_autoptr(PetrelFolder) projects = NULL;
  g_autoptr(PetrelFolder) child = NULL;
  PetrelFolder *inbox;
  const char *expected[] = { "INBOX", "Drafts", "Sent", "Archive", "Trash", "Projects", "zeta" };
  gboolean unread_notified = FALSE;

  add_folder (fixture->store, "zeta", PETREL_STORE_FOLDER_ROLE_NONE);
  add_folder (fixture->store, "Projects/Petrel", PETREL_STORE_FOLDER_ROLE_NONE);
  add_folder (fixture->store, "Trash", PETREL_STORE_FOLDER_ROLE_TRASH);
  add_folder (fixture->store, "Projects", PETREL_STORE_FOLDER_ROLE_NONE);
  add_folder (fixture->store, "Sent", PETREL_STORE_FOLDER_ROLE_SENT);
  add_folder (fixture->store, "Archive", PETREL_STORE_FOLDER_ROLE_ARCHIVE);
  add_folder (fixture->store, "Drafts", PETREL_STORE_FOLDER_ROLE_DRAFTS);
  add_messages (fixture, 1, 3, BASE_DATE);

  petrel_folder_list_refresh_sync (folders, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (folders)), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autoptr(PetrelFolder) folder = g_list_model_get_item (G_LIST_MODEL (folders), i);

      g_assert_cmpstr (petrel_folder_get_path (folder), ==, expected[i]);
    }

  first = g_list_model_get_item (G_LIST_MODEL (folders), 0);
  g_assert_cmpstr (petrel_folder_get_display_name (first), ==, "Inbox");
  g_assert_cmpstr (petrel_folder_get_icon_name (first), ==, "mail-inbox-symbolic");
  g_assert_cmpuint (petrel_folder_get_total (first), ==, 3);
  g_assert_cmpuint (petrel_folder_get_unread (first), ==, 0);

  projects = g_list_model_get_item (G_LIST_MODEL (folders), 5);
  g_assert_cmpuint (g_list_model_get_n_items (petrel_folder_get_children (projects)), ==, 1);
  child = g_list_model_get_item (petrel_folder_get_children (projects), 0);
  g_assert_cmpstr (petrel_folder_get_path (child), ==, "Projects/Petrel");
  g_assert_cmpstr (petrel_folder_get_display_name (child), ==, "Petrel");
  g_assert_cmpstr (petrel_folder_get_icon_name (child), ==, "folder-symbolic");
  g_assert_true (petrel_folder_list_find (folders, "Projects/Petrel") == child);
  g_assert_true (petrel_folder_list_find_role (folders, PETREL_STORE_FOLDER_ROLE_SENT) != NULL);

  /* New counts: same objects, notified, no list change. */
  g_signal_connect (folders, "items-changed", G_CALLBACK (on_items_changed_cb), changes);
  inbox = petrel_folder_list_find (folders, "INBOX");
  g_signal_connect (inbox, "notify::unread", G_CALLBACK (on_notify_cb), &unread_notified);
  {
    g_autoptr(PetrelStoreMessage) unread = make_message (fixture->inbox, 50, BASE_DATE, 0);

    petrel_store_upsert_message (fixture->store, unread, &error);
    g_assert_no_error (error);
  }
  petrel_folder_list_refresh_sync (folders, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (changes->len, ==, 0);
  g_assert_true (unread_notified);
  g_assert_true (petrel_folder_list_find (folders, "INBOX") == inbox);
  g_assert_cmpuint (petrel_folder_get_unread (inbox), ==, 1);
  g_assert_cmpuint (petrel_folder_list_get_unread (folders, PETREL_STORE_FOLDER_ROLE_INBOX), ==, 1);

  /* A new folder: one change. */
  add_folder (fixture->store, "Alpha", PETREL_STORE_FOLDER_ROLE_NONE);
  petrel_folder_list_refresh_sync (folders, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (changes->len, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (folders)), ==, 8);
  {
    g_autoptr(PetrelFolder) alpha = g_list_model_get_item (G_LIST_MODEL (folders), 5);

    g_assert_cmpstr (petrel_folder_get_path (alpha), ==, "Alpha");
  }
}

static void
test_account_list (void)
{
  g_autofree char *data_dir = g_build_filename (g_get_user_data_dir (), "accounts-test", NULL);
  g_autoptr(PetrelAccountList) list = petrel_account_list_new (data_dir);
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (Change));
  g_autoptr(GError) error = NULL;
  g_autoptr(PetrelAccount) first = NULL;
  g_autoptr(PetrelAccount) again = NULL;
  const char *ids[] = { "work", "home" };

  petrel_account_list_reload (list, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autoptr(PetrelAccount) account = make_account (data_dir, ids[i]);

      petrel_account_config_save (petrel_account_get_config (account), data_dir, &error);
      g_assert_no_error (error);
    }

  g_signal_connect (list, "items-changed", G_CALLBACK (on_items_changed_cb), changes);
  petrel_account_list_reload (list, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (changes->len, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 2);
  first = g_list_model_get_item (G_LIST_MODEL (list), 0);
  g_assert_cmpstr (petrel_account_get_id (first), ==, "home");

  /* Nothing changed: same objects, no signal. */
  petrel_account_list_reload (list, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (changes->len, ==, 1);
  again = g_list_model_get_item (G_LIST_MODEL (list), 0);
  g_assert_true (again == first);
  g_assert_true (petrel_account_list_find (list, "work") != NULL);
  g_assert_null (petrel_account_list_find (list, "demo"));

  /* A directory that is not an account is reported, not listed. */
  {
    g_autofree char *junk = g_build_filename (data_dir, "accounts", "junk", NULL);

    g_assert_cmpint (g_mkdir_with_parents (junk, 0700), ==, 0);
    petrel_account_list_reload (list, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 2);
    g_assert_cmpuint (petrel_account_list_get_broken (list)->len, ==, 1);
  }
}

/* Demo mailbox */

static void
write_file (const char *dir,
            const char *name,
            const char *contents)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (parent, 0700), ==, 0);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

static char *
make_small_source (void)
{
  char *dir = g_build_filename (g_get_user_data_dir (), "demo-source", NULL);

  /* File names out of date order: UIDs follow the dates. */
  write_file (dir, "INBOX/b.eml",
              "From: Ann Lee <ann@example.org>\nTo: demo@petrel.invalid\n"
              "Subject: First\nDate: Mon, 2 Nov 2026 09:00:00 +0000\n"
              "Message-ID: <first@example.org>\n\nHello there, first message.\n");
  write_file (dir, "INBOX/a.eml",
              "From: Bob <bob@example.org>\nTo: demo@petrel.invalid\n"
              "Subject: Re: First\nDate: Tue, 3 Nov 2026 09:00:00 +0000\n"
              "Message-ID: <second@example.org>\nIn-Reply-To: <first@example.org>\n"
              "References: <first@example.org>\n\nA reply about kestrels.\n");
  write_file (dir, "Sent/a.eml",
              "From: Demo <demo@petrel.invalid>\nTo: Ann Lee <ann@example.org>\n"
              "Subject: Re: First\nDate: Wed, 4 Nov 2026 09:00:00 +0000\n"
              "Message-ID: <third@example.org>\nIn-Reply-To: <second@example.org>\n"
              "References: <first@example.org> <second@example.org>\n\nMy answer.\n");
  write_file (dir, "Notes/README.txt", "not a message\n");
  write_file (dir, "flags.json",
              "{\"INBOX/b.eml\": [\"\\\\Seen\", \"\\\\Answered\"],"
              " \"INBOX/a.eml\": [\"\\\\Flagged\"], \"Sent/a.eml\": [\"\\\\Seen\"]}");

  return dir;
}

static void
test_demo_small (void)
{
  g_autofree char *source = make_small_source ();
  g_autofree char *data_dir = g_build_filename (g_get_user_data_dir (), "demo-data", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PetrelAccount) demo = NULL;
  g_autoptr(PetrelAccount) again = NULL;
  g_autoptr(PetrelStoreFolder) inbox = NULL;
  g_autoptr(PetrelStoreFolder) again_inbox = NULL;
  g_autoptr(PetrelStoreMessage) first = NULL;
  g_autoptr(PetrelStoreMessage) second = NULL;
  g_autoptr(GPtrArray) folders = NULL;
  g_autoptr(GPtrArray) thread = NULL;
  g_autoptr(GBytes) raw = NULL;
  g_autofree char *store_db = NULL;
  PetrelStore *store;

  demo = petrel_demo_open (data_dir, source, &error);
  g_assert_no_error (error);
  g_assert_true (petrel_demo_is_demo (demo));
  g_assert_cmpstr (petrel_account_get_id (demo), ==, "demo");
  g_assert_cmpstr (petrel_account_config_get_imap_host (petrel_account_get_config (demo)), ==,
                   "localhost.invalid");
  g_assert_true (PETREL_IS_MEMORY_CREDENTIALS (petrel_account_get_credentials (demo)));

  /* Never an account of the data directory; its cache is under <data_dir>/demo. */
  {
    g_autoptr(PetrelAccountList) accounts = petrel_account_list_new (data_dir);

    petrel_account_list_reload (accounts, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (accounts)), ==, 0);
    g_assert_cmpuint (petrel_account_list_get_broken (accounts)->len, ==, 0);
  }
  store_db = g_build_filename (data_dir, "demo", "accounts", "demo", "store.db", NULL);
  g_assert_true (g_file_test (store_db, G_FILE_TEST_IS_REGULAR));

  store = petrel_account_get_store (demo, &error);
  g_assert_no_error (error);
  folders = petrel_store_list_folders (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (folders->len, ==, 2);   /* Notes has no .eml */

  inbox = petrel_store_get_folder_by_path (store, "INBOX", &error);
  g_assert_no_error (error);
  g_assert_cmpint (inbox->role, ==, PETREL_STORE_FOLDER_ROLE_INBOX);
  g_assert_cmpuint (inbox->total, ==, 2);
  g_assert_cmpuint (inbox->unread, ==, 1);

  first = petrel_store_get_message (store, inbox->id, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (first->subject, ==, "First");
  g_assert_cmpstr (first->from_name, ==, "Ann Lee");
  g_assert_cmpint (first->flags, ==, PETREL_STORE_FLAG_SEEN | PETREL_STORE_FLAG_ANSWERED);
  g_assert_true (first->body_present);
  g_assert_cmpstr (first->snippet, ==, "Hello there, first message.");

  second = petrel_store_get_message (store, inbox->id, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (second->subject, ==, "Re: First");
  g_assert_cmpint (second->flags, ==, PETREL_STORE_FLAG_FLAGGED);

  /* Threads span folders, as for a synced account. */
  thread = petrel_store_list_conversation (store, first->conversation_id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (thread->len, ==, 3);

  petrel_store_read_message (store, inbox->id, 2, &raw, &error);
  g_assert_no_error (error);
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (raw, NULL), g_bytes_get_size (raw),
                                  "kestrels"));

  /* Opening again does not import again: a local change survives. */
  {
    guint32 uid = 2;

    petrel_store_modify_flags (store, inbox->id, &uid, 1, PETREL_STORE_FLAG_SEEN, 0, &error);
    g_assert_no_error (error);
  }
  g_clear_object (&demo);
  again = petrel_demo_open (data_dir, source, &error);
  g_assert_no_error (error);
  store = petrel_account_get_store (again, &error);
  g_assert_no_error (error);
  again_inbox = petrel_store_get_folder_by_path (store, "INBOX", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (again_inbox->total, ==, 2);
  g_assert_cmpuint (again_inbox->unread, ==, 0);
  g_clear_object (&again);

  /* Different sample files (a new version): imported afresh. */
  write_file (source, "Archive/c.eml",
              "From: Ann Lee <ann@example.org>\nSubject: Old\n"
              "Date: Sun, 1 Nov 2026 09:00:00 +0000\n\nOld news.\n");
  again = petrel_demo_open (data_dir, source, &error);
  g_assert_no_error (error);
  store = petrel_account_get_store (again, &error);
  g_assert_no_error (error);
  g_clear_pointer (&folders, g_ptr_array_unref);
  folders = petrel_store_list_folders (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (folders->len, ==, 3);
  g_clear_pointer (&again_inbox, petrel_store_folder_free);
  again_inbox = petrel_store_get_folder_by_path (store, "INBOX", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (again_inbox->unread, ==, 1);
}

static void
test_demo_errors (void)
{
  g_autofree char *data_dir = g_build_filename (g_get_user_data_dir (), "demo-data", NULL);
  g_autofree char *empty = g_build_filename (g_get_user_data_dir (), "empty-source", NULL);
  g_autofree char *broken = g_build_filename (g_get_user_data_dir (), "broken-source", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PetrelAccount) demo = NULL;

  demo = petrel_demo_open (data_dir, "/nonexistent/petrel/demo", &error);
  g_assert_null (demo);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_clear_error (&error);

  g_assert_cmpint (g_mkdir_with_parents (empty, 0700), ==, 0);
  demo = petrel_demo_open (data_dir, empty, &error);
  g_assert_null (demo);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);

  write_file (broken, "INBOX/a.eml", "Subject: x\n\nbody\n");
  write_file (broken, "flags.json", "[1, 2");
  demo = petrel_demo_open (data_dir, broken, &error);
  g_assert_null (demo);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "flags.json"));
}

static gboolean
count_unread_by_flags (JsonObject *flags,
                       const char *folder,
                       guint      *out_total,
                       guint      *out_unread)
{
  g_autoptr(GList) members = json_object_get_members (flags);
  g_autofree char *prefix = g_strconcat (folder, "/", NULL);

  *out_total = *out_unread = 0;
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonArray *array;
      gboolean seen = FALSE;

      if (!g_str_has_prefix (l->data, prefix))
        continue;

      (*out_total)++;
      array = json_object_get_array_member (flags, l->data);
      for (guint i = 0; i < json_array_get_length (array); i++)
        seen |= g_strcmp0 (json_array_get_string_element (array, i), "\\Seen") == 0;
      if (!seen)
        (*out_unread)++;
    }

  return *out_total > 0;
}

/* The shipped sample mailbox (data/demo), opened as the app opens it. */
static void
test_demo_shipped (void)
{
  const char *root = g_getenv ("PETREL_SOURCE_ROOT");
  g_autofree char *source = g_build_filename (root != NULL ? root : PETREL_SOURCE_DATADIR "/..",
                                              "data", "demo", NULL);
  g_autofree char *flags_path = g_build_filename (source, "flags.json", NULL);
  g_autofree char *data_dir = g_build_filename (g_get_user_data_dir (), "shipped", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PetrelAccount) demo = NULL;
  g_autoptr(PetrelFolderList) folders = NULL;
  g_autoptr(PetrelMessageList) list = NULL;
  g_autoptr(PetrelMessage) newest = NULL;
  g_autoptr(PetrelMessageContent) content = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  JsonObject *flags;
  PetrelFolder *inbox;

  if (!g_file_test (flags_path, G_FILE_TEST_IS_REGULAR))
    {
      g_test_skip ("data/demo is not there");
      return;
    }

  json_parser_load_from_file (parser, flags_path, &error);
  g_assert_no_error (error);
  flags = json_node_get_object (json_parser_get_root (parser));

  demo = petrel_demo_open (data_dir, source, &error);
  g_assert_no_error (error);

  folders = petrel_folder_list_new (demo);
  petrel_folder_list_refresh_sync (folders, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (folders)); i++)
    {
      g_autoptr(PetrelFolder) folder = g_list_model_get_item (G_LIST_MODEL (folders), i);
      guint total, unread;

      g_assert_true (count_unread_by_flags (flags, petrel_folder_get_path (folder),
                                            &total, &unread));
      g_test_message ("%s: %u messages, %u unread", petrel_folder_get_path (folder),
                      petrel_folder_get_total (folder), petrel_folder_get_unread (folder));
      g_assert_cmpuint (petrel_folder_get_total (folder), ==, total);
      g_assert_cmpuint (petrel_folder_get_unread (folder), ==, unread);
      g_assert_cmpint (petrel_folder_get_role (folder), !=, PETREL_STORE_FOLDER_ROLE_NONE);
    }

  inbox = petrel_folder_list_find_role (folders, PETREL_STORE_FOLDER_ROLE_INBOX);
  g_assert_nonnull (inbox);
  list = petrel_message_list_new (demo, petrel_folder_get_path (inbox));
  g_assert_true (wait_until (list_loaded, list));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==,
                    petrel_folder_get_total (inbox));

  /* Rows are newest first and their content loads and parses off the main loop. */
  newest = get_message (G_LIST_MODEL (list), 0);
  for (guint i = 1; i < g_list_model_get_n_items (G_LIST_MODEL (list)); i++)
    {
      g_autoptr(PetrelMessage) older = get_message (G_LIST_MODEL (list), i);

      g_assert_cmpint (petrel_message_get_date (older), <=, petrel_message_get_date (newest));
    }

  petrel_message_load_content_async (newest, FALSE, NULL, on_result_cb, &result);
  g_assert_true (wait_until (result_ready, &result));
  content = petrel_message_load_content_finish (newest, result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (content->summary->subject, ==, petrel_message_get_subject (newest));
  g_assert_cmpuint (strlen (content->body->text), >, 0);

  /* A thread the demo spans over INBOX and Sent: the conversation holds both sides. */
  {
    gboolean found_thread = FALSE;

    for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (list)) && !found_thread; i++)
      {
        g_autoptr(PetrelMessage) message = get_message (G_LIST_MODEL (list), i);
        g_autoptr(PetrelConversation) conversation = NULL;
        g_autoptr(GAsyncResult) loaded = NULL;
        gboolean has_sent = FALSE, has_inbox = FALSE;
        gint64 previous = 0;
        guint n;

        if (petrel_message_get_conversation_count (message) < 2)
          continue;

        conversation = petrel_conversation_new (demo,
                                                petrel_message_get_conversation_id (message));
        petrel_conversation_load_async (conversation, NULL, on_result_cb, &loaded);
        g_assert_true (wait_until (result_ready, &loaded));
        g_assert_true (petrel_conversation_load_finish (conversation, loaded, &error));
        g_assert_no_error (error);

        n = g_list_model_get_n_items (G_LIST_MODEL (conversation));
        g_assert_cmpuint (n, ==, petrel_message_get_conversation_count (message));
        g_assert_nonnull (petrel_conversation_get_subject (conversation));
        for (guint j = 0; j < n; j++)
          {
            g_autoptr(PetrelMessage) part = g_list_model_get_item (G_LIST_MODEL (conversation), j);
            const char *path = petrel_message_get_folder_path (part);

            g_assert_cmpint (petrel_message_get_conversation_id (part), ==,
                             petrel_message_get_conversation_id (message));
            g_assert_cmpint (petrel_message_get_date (part), >=, previous);   /* oldest first */
            previous = petrel_message_get_date (part);
            has_sent |= g_strcmp0 (path, "Sent") == 0;
            has_inbox |= g_strcmp0 (path, "INBOX") == 0;
          }
        g_assert_cmpint (petrel_conversation_get_latest_date (conversation), ==, previous);
        found_thread = has_sent && has_inbox;
      }
    g_assert_true (found_thread);
  }
}

/* A merged row, waiting while the merge waits for its sources' pages. */
static PetrelMessage *
get_merged (GListModel *model,
            guint       position)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  for (;;)
    {
      g_autoptr(PetrelMessage) message = g_list_model_get_item (model, position);

      g_assert_nonnull (message);
      if (petrel_message_is_loaded (message))
        return g_steal_pointer (&message);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

static gboolean
changes_seen (gpointer data)
{
  return ((GArray *) data)->len > 0;
}

static gboolean
merged_loaded (gpointer data)
{
  return !petrel_merged_list_get_loading (data);
}

static void
test_merged_list (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(PetrelAccount) other = make_account (fixture->data_dir, "other");
  g_autoptr(GError) error = NULL;
  PetrelStore *other_store = petrel_account_get_store (other, &error);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (
    (GDestroyNotify) petrel_store_message_free);
  g_autoptr(PetrelMergedList) merged = petrel_merged_list_new ();
  g_autoptr(PetrelMessageList) first_list = NULL;
  g_autoptr(PetrelMessageList) other_list = NULL;
  g_autoptr(PetrelMessage) placeholder = NULL;
  g_autoptr(PetrelMessage) newest = NULL;
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (Change));
  GListModel *model = G_LIST_MODEL (merged);
  const guint n_first = 900, n_other = 500;
  guint seen_first = 0, seen_other = 0;
  gint64 previous = G_MAXINT64;
  gint64 other_inbox;

  g_assert_no_error (error);
  other_inbox = add_folder (other_store, "INBOX", PETREL_STORE_FOLDER_ROLE_INBOX);

  /* "test": a message every 2 minutes; "other": every 3 minutes, from the same time on, so
   * the two interleave unevenly and "test" runs on alone at the end (oldest). */
  add_messages (fixture, 1, n_first, BASE_DATE - 120 * n_first);
  for (guint i = 0; i < n_other; i++)
    g_ptr_array_add (rows, make_message (other_inbox, 1 + i,
                                         BASE_DATE - 180 * (n_other - i) + 1,
                                         PETREL_STORE_FLAG_SEEN));
  petrel_store_upsert_messages (other_store, rows, &error);
  g_assert_no_error (error);

  first_list = petrel_message_list_new (fixture->account, "INBOX");
  other_list = petrel_message_list_new (other, "INBOX");
  petrel_merged_list_add_source (merged, first_list);
  petrel_merged_list_add_source (merged, other_list);
  g_signal_connect (merged, "items-changed", G_CALLBACK (on_items_changed_cb), changes);
  g_assert_true (petrel_merged_list_get_loading (merged));
  g_assert_true (wait_until (merged_loaded, merged));
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, n_first + n_other);
  g_assert_true (petrel_merged_list_find_source (merged, other) == other_list);

  /* Row 450 needs rows beyond the sources' first pages: a placeholder until they are read,
   * then replaced in place. */
  placeholder = g_list_model_get_item (model, 450);
  g_assert_false (petrel_message_is_loaded (placeholder));
  g_assert_null (petrel_message_get_folder_path (placeholder));
  g_array_set_size (changes, 0);
  {
    g_autoptr(PetrelMessage) row = get_merged (model, 450);
  }
  g_assert_true (wait_until (changes_seen, changes));
  g_assert_cmpuint (g_array_index (changes, Change, 0).position, <=, 450);
  g_assert_cmpuint (g_array_index (changes, Change, changes->len - 1).position +
                    g_array_index (changes, Change, changes->len - 1).added, >=, 451);
  for (guint i = 0; i < changes->len; i++)
    g_assert_cmpuint (g_array_index (changes, Change, i).removed, ==,
                      g_array_index (changes, Change, i).added);

  /* Lazy: only as far as asked. */
  g_assert_cmpuint (petrel_merged_list_get_n_merged (merged), ==, 451);

  /* Newest first across both accounts, each row keeping its own account. */
  for (guint i = 0; i < n_first + n_other; i++)
    {
      g_autoptr(PetrelMessage) message = get_merged (model, i);
      gint64 date = petrel_message_get_date (message);

      g_assert_cmpint (date, <=, previous);
      previous = date;
      g_assert_cmpstr (petrel_message_get_folder_path (message), ==, "INBOX");
      if (petrel_message_get_account (message) == other)
        {
          g_assert_cmpuint (petrel_message_get_uid (message), ==, n_other - seen_other);
          seen_other++;
        }
      else
        {
          g_assert_true (petrel_message_get_account (message) == fixture->account);
          g_assert_cmpuint (petrel_message_get_uid (message), ==, n_first - seen_first);
          seen_first++;
        }
      if (i == 0)
        g_assert_true (petrel_message_get_account (message) == other);
    }
  g_assert_cmpuint (seen_first, ==, n_first);
  g_assert_cmpuint (seen_other, ==, n_other);
  /* The sources never held whole folders. */
  g_assert_cmpuint (petrel_message_list_get_n_cached (first_list), <=,
                    PETREL_MESSAGE_LIST_PAGE_SIZE * PETREL_MESSAGE_LIST_MAX_PAGES);
  g_assert_cmpuint (petrel_merged_list_find (merged, other, "INBOX", n_other), ==, 0);
  g_assert_cmpuint (petrel_merged_list_find (merged, fixture->account, "INBOX", 1), ==,
                    n_first + n_other - 1);

  /* New mail in one account: the merge starts again, with it on top. */
  g_ptr_array_set_size (rows, 0);
  g_ptr_array_add (rows, make_message (fixture->inbox, n_first + 1, BASE_DATE + 3600, 0));
  petrel_store_upsert_messages (fixture->store, rows, &error);
  g_assert_no_error (error);
  g_array_set_size (changes, 0);
  refresh_and_wait (first_list);
  g_assert_cmpuint (changes->len, >=, 1);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, n_first + n_other + 1);
  newest = get_merged (model, 0);
  g_assert_true (petrel_message_get_account (newest) == fixture->account);
  g_assert_cmpuint (petrel_message_get_uid (newest), ==, n_first + 1);
  g_assert_false (petrel_message_get_seen (newest));
}

typedef struct
{
  PetrelAccount *account;   /* owned until released */
  GMutex         lock;
  GCond          cond;
  gboolean       release;
} HeldAccount;

static gpointer
hold_account_thread (gpointer data)
{
  HeldAccount *held = data;

  g_mutex_lock (&held->lock);
  while (!held->release)
    g_cond_wait (&held->cond, &held->lock);
  g_mutex_unlock (&held->lock);

  /* The last reference: the store is closed on this thread. */
  g_clear_object (&held->account);
  return NULL;
}

/* A front end about to exit waits until its accounts are gone, and their stores closed, even
 * when another thread let go of them last (petrel-cli, #4). */
static void
test_wait_for_all (void)
{
  g_autofree char *data_dir = g_build_filename (g_get_user_data_dir (), "wait-for-all", NULL);
  g_autofree char *wal = NULL;
  HeldAccount held = { 0 };
  PetrelStore *store;
  GThread *thread;
  GStatBuf st;

  g_assert_true (petrel_account_wait_for_all (G_TIME_SPAN_SECOND));

  held.account = make_account (data_dir, "held");
  store = petrel_account_get_store (held.account, NULL);
  g_assert_nonnull (store);
  g_assert_cmpint (add_folder (store, "INBOX", PETREL_STORE_FOLDER_ROLE_INBOX), >, 0);
  wal = g_build_filename (data_dir, "accounts", "held", "store.db-wal", NULL);
  g_assert_cmpint (g_stat (wal, &st), ==, 0);
  g_assert_cmpint (st.st_size, >, 0);

  g_mutex_init (&held.lock);
  g_cond_init (&held.cond);
  thread = g_thread_new ("hold-account", hold_account_thread, &held);

  /* Held by the thread: not gone, whatever the wait. */
  g_assert_false (petrel_account_wait_for_all (G_TIME_SPAN_MILLISECOND));

  g_mutex_lock (&held.lock);
  held.release = TRUE;
  g_cond_signal (&held.cond);
  g_mutex_unlock (&held.lock);

  g_assert_true (petrel_account_wait_for_all (30 * G_TIME_SPAN_SECOND));
  /* Closed, not abandoned: the log was copied into store.db and emptied. */
  g_assert_cmpint (g_stat (wal, &st), ==, 0);
  g_assert_cmpint (st.st_size, ==, 0);

  g_thread_join (thread);
  g_mutex_clear (&held.lock);
  g_cond_clear (&held.cond);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  petrel_engine_init ();

  g_test_add_func ("/petrel/model/account/wait-for-all", test_wait_for_all);
  g_test_add ("/petrel/model/message-list/paging", Fixture, NULL,
              fixture_set_up, test_list_paging, fixture_tear_down);
  g_test_add ("/petrel/model/message-list/refresh", Fixture, NULL,
              fixture_set_up, test_list_refresh, fixture_tear_down);
  g_test_add ("/petrel/model/message-list/conversations", Fixture, NULL,
              fixture_set_up, test_list_conversations, fixture_tear_down);
  g_test_add ("/petrel/model/message-list/missing-folder", Fixture, NULL,
              fixture_set_up, test_list_missing_folder, fixture_tear_down);
  g_test_add ("/petrel/model/message-list/search", Fixture, NULL,
              fixture_set_up, test_list_search, fixture_tear_down);
  g_test_add ("/petrel/model/merged-list", Fixture, NULL,
              fixture_set_up, test_merged_list, fixture_tear_down);
  g_test_add ("/petrel/model/folder-list/tree", Fixture, NULL,
              fixture_set_up, test_folder_tree, fixture_tear_down);
  g_test_add ("/petrel/model/account/undo-range", Fixture, NULL,
              fixture_set_up, test_undo_range, fixture_tear_down);
  g_test_add_func ("/petrel/model/account-list", test_account_list);
  g_test_add_func ("/petrel/model/demo/small", test_demo_small);
  g_test_add_func ("/petrel/model/demo/errors", test_demo_errors);
  g_test_add_func ("/petrel/model/demo/shipped", test_demo_shipped);

  return g_test_run ();
}
