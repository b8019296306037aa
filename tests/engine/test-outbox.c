/* test-outbox.c: the outbox's retry schedule (issue 6); sending itself is tested end to end
 * in tests/cli/test-cli-send.py and test-cli-outbox-backoff.py
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "petrel-engine.h"
#include "sync/petrel-outbox.h"

static void
test_backoff_schedule (void)
{
  /* 1, 2, 5, 10, then 30 minutes for good. */
  g_assert_cmpuint (petrel_outbox_backoff_delay (0), ==, 0);
  g_assert_cmpuint (petrel_outbox_backoff_delay (1), ==, 60);
  g_assert_cmpuint (petrel_outbox_backoff_delay (2), ==, 120);
  g_assert_cmpuint (petrel_outbox_backoff_delay (3), ==, 300);
  g_assert_cmpuint (petrel_outbox_backoff_delay (4), ==, 600);
  g_assert_cmpuint (petrel_outbox_backoff_delay (5), ==, 1800);
  g_assert_cmpuint (petrel_outbox_backoff_delay (6), ==, 1800);
  g_assert_cmpuint (petrel_outbox_backoff_delay (G_MAXUINT), ==, 1800);
}

static void
test_item_fields (void)
{
  PetrelStoreOutboxItem item = { 0, };

  /* Rows written before the schedule existed have neither member. */
  item.recipients = (char *) "{\"from\":\"a@example.test\",\"to\":[\"b@example.test\"],"
                             "\"not_before\":5,\"refused\":[]}";
  g_assert_cmpint (petrel_outbox_item_get_next_try (&item), ==, 0);
  g_assert_cmpuint (petrel_outbox_item_get_backoff (&item), ==, 0);
  g_assert_cmpint (petrel_outbox_item_get_not_before (&item), ==, 5);

  item.recipients = (char *) "{\"from\":\"a@example.test\",\"to\":[\"b@example.test\"],"
                             "\"not_before\":0,\"refused\":[],\"next_try\":1700000000,"
                             "\"backoff\":3}";
  g_assert_cmpint (petrel_outbox_item_get_next_try (&item), ==, 1700000000);
  g_assert_cmpuint (petrel_outbox_item_get_backoff (&item), ==, 3);

  /* Damaged rows read as "no schedule", never as a crash or a warning. */
  item.recipients = (char *) "{\"next_try\":\"soon\",\"backoff\":-4}";
  g_assert_cmpint (petrel_outbox_item_get_next_try (&item), ==, 0);
  g_assert_cmpuint (petrel_outbox_item_get_backoff (&item), ==, 0);
  item.recipients = (char *) "not json";
  g_assert_cmpint (petrel_outbox_item_get_next_try (&item), ==, 0);
  item.recipients = NULL;
  g_assert_cmpuint (petrel_outbox_item_get_backoff (&item), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/petrel/outbox/backoff/schedule", test_backoff_schedule);
  g_test_add_func ("/petrel/outbox/backoff/item-fields", test_item_fields);

  return g_test_run ();
}
