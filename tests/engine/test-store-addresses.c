/* test-store-addresses.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "petrel-engine.h"
#include "model/petrel-address-book.h"
#include "store/petrel-store.h"
#include "store/petrel-store-addresses.h"

#define DAY (24 * 3600)

typedef struct
{
  char        *dir;
  PetrelStore *store;
  gint64       inbox;
  gint64       sent;
  gint64       now;
  guint32      next_uid;
} Fixture;

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

static void
add_message (Fixture    *fixture,
             gint64      folder_id,
             gint64      age_days,
             const char *from_name,
             const char *from_addr,
             const char *to_text,
             const char *cc_text)
{
  g_autoptr(PetrelStoreMessage) message = petrel_store_message_new ();
  g_autoptr(GError) error = NULL;

  message->folder_id = folder_id;
  message->uid = ++fixture->next_uid;
  message->date = fixture->now - age_days * DAY;
  message->internal_date = message->date;
  message->subject = g_strdup ("s");
  message->from_name = g_strdup (from_name);
  message->from_addr = g_strdup (from_addr);
  message->to_text = g_strdup (to_text);
  message->cc_text = g_strdup (cc_text);
  petrel_store_upsert_message (fixture->store, message, &error);
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_build_filename (g_get_user_data_dir (), "addresses", NULL);
  fixture->store = petrel_store_open (fixture->dir, &error);
  g_assert_no_error (error);
  fixture->inbox = add_folder (fixture->store, "INBOX", PETREL_STORE_FOLDER_ROLE_INBOX);
  fixture->sent = add_folder (fixture->store, "Sent", PETREL_STORE_FOLDER_ROLE_SENT);
  fixture->now = 1800000000;
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->store);
  g_free (fixture->dir);
}

static const char *
address_at (GPtrArray *list,
            guint      i)
{
  return ((PetrelStoreAddress *) g_ptr_array_index (list, i))->address;
}

static void
test_ranking (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GPtrArray) ranked = NULL;
  g_autoptr(GPtrArray) matches = NULL;
  g_autoptr(GError) error = NULL;
  PetrelStoreAddress *ann = NULL;

  /* A newsletter writes often; Ann was written to twice, recently; Old Friend often, long
   * ago; Bob wrote once. */
  for (int i = 0; i < 12; i++)
    add_message (fixture, fixture->inbox, i, "News", "news@shop.example", "me@example.org",
                 NULL);
  add_message (fixture, fixture->inbox, 3, "Ann Lee", "ann@example.com", "me@example.org", NULL);
  add_message (fixture, fixture->inbox, 4, "Bob", "bob@example.com", "me@example.org", NULL);
  add_message (fixture, fixture->sent, 1, "Me", "me@example.org", "Ann Lee <ANN@example.com>",
               "Carol <carol@example.com>");
  add_message (fixture, fixture->sent, 2, "Me", "me@example.org", "ann@example.com", NULL);
  for (int i = 0; i < 3; i++)
    add_message (fixture, fixture->sent, 2000 + i, "Me", "me@example.org",
                 "Old Friend <old@example.com>", NULL);

  ranked = petrel_store_list_addresses (fixture->store, fixture->now, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ranked);

  g_assert_cmpstr (address_at (ranked, 0), ==, "ann@example.com");
  g_assert_cmpstr (address_at (ranked, 1), ==, "news@shop.example");
  g_assert_cmpstr (address_at (ranked, 2), ==, "carol@example.com");
  for (guint i = 0; i < ranked->len; i++)
    if (g_ascii_strcasecmp (address_at (ranked, i), "ann@example.com") == 0)
      {
        g_assert_null (ann);
        ann = g_ptr_array_index (ranked, i);
      }
  g_assert_nonnull (ann);
  g_assert_cmpuint (ann->sent_count, ==, 2);
  g_assert_cmpuint (ann->seen_count, ==, 1);
  g_assert_cmpstr (ann->name, ==, "Ann Lee");

  /* Prefixes of the address, of the name, of a word of the name; no case. */
  matches = petrel_store_match_addresses (ranked, "AN", 10);
  g_assert_cmpuint (matches->len, ==, 1);
  g_assert_cmpstr (address_at (matches, 0), ==, "ann@example.com");
  g_clear_pointer (&matches, g_ptr_array_unref);
  matches = petrel_store_match_addresses (ranked, "lee", 10);
  g_assert_cmpuint (matches->len, ==, 1);
  g_clear_pointer (&matches, g_ptr_array_unref);
  matches = petrel_store_match_addresses (ranked, "friend", 10);
  g_assert_cmpuint (matches->len, ==, 1);
  g_assert_cmpstr (address_at (matches, 0), ==, "old@example.com");
  g_clear_pointer (&matches, g_ptr_array_unref);
  matches = petrel_store_match_addresses (ranked, "example.com", 10);
  g_assert_cmpuint (matches->len, ==, 0);
  g_clear_pointer (&matches, g_ptr_array_unref);
  matches = petrel_store_match_addresses (ranked, "   ", 10);
  g_assert_cmpuint (matches->len, ==, 0);
  g_clear_pointer (&matches, g_ptr_array_unref);
  matches = petrel_store_match_addresses (ranked, "b", 1);
  g_assert_cmpuint (matches->len, ==, 1);
}

static void
test_hostile (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GPtrArray) ranked = NULL;
  g_autoptr(GPtrArray) matches = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) many = g_string_new (NULL);

  add_message (fixture, fixture->inbox, 1, NULL, "no-at-sign", NULL, NULL);
  add_message (fixture, fixture->inbox, 1, NULL, "", NULL, NULL);
  add_message (fixture, fixture->inbox, 1, NULL, NULL, NULL, NULL);
  add_message (fixture, fixture->inbox, 1, "Tab", "tab\t@example.com", NULL, NULL);
  add_message (fixture, fixture->sent, 1, NULL, "me@example.org",
               "\"unterminated <x@, ,,, <>, @, a@, \"Lee, Ann\" <lee@example.com>", "\x01\x02");
  for (int i = 0; i < 3000; i++)
    g_string_append_printf (many, "u%d@example.com, ", i);
  add_message (fixture, fixture->sent, 1, NULL, "me@example.org", many->str, NULL);

  ranked = petrel_store_list_addresses (fixture->store, fixture->now, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < ranked->len; i++)
    {
      const char *address = address_at (ranked, i);

      g_assert_nonnull (strchr (address, '@'));
      g_assert_null (strchr (address, '\t'));
    }
  matches = petrel_store_match_addresses (ranked, "ann", 5);
  g_assert_cmpuint (matches->len, ==, 1);
  g_assert_cmpstr (address_at (matches, 0), ==, "lee@example.com");
  g_clear_pointer (&matches, g_ptr_array_unref);
  /* Invalid UTF-8 typed in is no match, not a crash. */
  matches = petrel_store_match_addresses (ranked, "\xff\xfe", 5);
  g_assert_cmpuint (matches->len, ==, 0);
}

static void
test_address_book (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(PetrelAccountConfig) config = petrel_account_config_new ("book");
  g_autoptr(PetrelAccount) account = NULL;
  g_autoptr(PetrelAddressBook) book = petrel_address_book_new ();
  g_autoptr(GPtrArray) matches = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PetrelStore) store = NULL;
  g_autofree char *data_dir = g_build_filename (g_get_user_data_dir (), "book", NULL);
  static const char * const aliases[] = { "Me Too <me.too@example.org>", NULL };
  gint64 sent;

  petrel_account_config_set_email_address (config, "me@example.org");
  petrel_account_config_set_aliases (config, aliases);
  account = petrel_account_new_for_config (data_dir, config);
  store = g_object_ref (petrel_account_get_store (account, &error));
  g_assert_no_error (error);

  sent = add_folder (store, "Sent", PETREL_STORE_FOLDER_ROLE_SENT);
  g_clear_object (&fixture->store);
  fixture->store = g_object_ref (store);
  fixture->now = g_get_real_time () / G_USEC_PER_SEC;
  add_message (fixture, sent, 1, "Me", "me@example.org",
               "me@example.org, Me Too <ME.TOO@example.org>, Meg <meg@example.com>", NULL);

  petrel_address_book_add_account (book, account);
  matches = petrel_address_book_query (book, "me", 10, &error);
  g_assert_no_error (error);
  /* The user's own address and alias are never offered. */
  g_assert_cmpuint (matches->len, ==, 1);
  g_assert_cmpstr (address_at (matches, 0), ==, "meg@example.com");
}

/* Only with `-m perf`: how long ranking takes on a 100,000-message cache (reported, never
 * asserted: wall-clock times depend on the machine). */
static void
test_perf (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                               petrel_store_message_free);
  g_autoptr(GPtrArray) ranked = NULL;
  g_autoptr(GPtrArray) matches = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GTimer) timer = NULL;

  for (guint i = 0; i < 100000; i++)
    {
      PetrelStoreMessage *message = petrel_store_message_new ();
      gboolean sent = i % 5 == 0;

      message->folder_id = sent ? fixture->sent : fixture->inbox;
      message->uid = i + 1;
      message->date = fixture->now - (i % 1000) * DAY;
      /* Distinct subjects and ids: one conversation each, as threading would have it. */
      message->subject = g_strdup_printf ("Topic %u", i);
      message->message_id = g_strdup_printf ("<m%u@example.com>", i);
      message->from_name = g_strdup_printf ("Person %u", i % 5000);
      message->from_addr = sent ? g_strdup ("me@example.org")
                                : g_strdup_printf ("person%u@example.com", i % 5000);
      message->to_text = sent ? g_strdup_printf ("Person %u <person%u@example.com>, "
                                                 "other%u@example.net", i % 3000, i % 3000,
                                                 i % 700)
                              : g_strdup ("me@example.org");
      g_ptr_array_add (batch, message);
      if (batch->len == 5000)
        {
          petrel_store_upsert_messages (fixture->store, batch, &error);
          g_assert_no_error (error);
          g_ptr_array_set_size (batch, 0);
        }
    }

  timer = g_timer_new ();
  ranked = petrel_store_list_addresses (fixture->store, fixture->now, &error);
  g_assert_no_error (error);
  g_test_message ("ranked %u addresses of 100000 messages in %.0f ms", ranked->len,
                  g_timer_elapsed (timer, NULL) * 1000);
  g_timer_start (timer);
  matches = petrel_store_match_addresses (ranked, "person 12", 8);
  g_test_message ("one prefix match in %.2f ms", g_timer_elapsed (timer, NULL) * 1000);
  /* Senders: the 4000 people whose number is not a multiple of 5; written to: 600 + 140. */
  g_assert_cmpuint (ranked->len, ==, 4000 + 600 + 140);
  g_assert_cmpuint (matches->len, ==, 8);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  petrel_engine_init ();

  g_test_add ("/petrel/store/addresses/ranking", Fixture, NULL, fixture_set_up, test_ranking,
              fixture_tear_down);
  g_test_add ("/petrel/store/addresses/hostile", Fixture, NULL, fixture_set_up, test_hostile,
              fixture_tear_down);
  g_test_add ("/petrel/store/addresses/address-book", Fixture, NULL, fixture_set_up,
              test_address_book, fixture_tear_down);

  if (g_test_perf ())
    g_test_add ("/petrel/store/addresses/perf", Fixture, NULL, fixture_set_up, test_perf,
                fixture_tear_down);

  return g_test_run ();
}
