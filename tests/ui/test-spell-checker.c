/* test-spell-checker.c: the composer's spell checking (issue 9): which words are underlined
 * and which are left alone, incremental checking, the context menu's suggestions, "Ignore
 * All", "Add to Dictionary" (a throwaway personal dictionary), and the language
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "petrel-rich-text.h"
#include "petrel-spell-checker.h"

typedef struct
{
  GtkTextView        *view;     /* owned */
  GtkTextBuffer      *buffer;   /* borrowed */
  PetrelSpellChecker *checker;  /* borrowed from the view */
} Fixture;

/* Settings live in memory for the whole run: each test starts from the defaults. */
static void
reset_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettings) settings = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APPLICATION_ID, TRUE);
  if (schema == NULL || !g_settings_schema_has_key (schema, "spell-check-language"))
    return;
  settings = g_settings_new (APPLICATION_ID);
  g_settings_reset (settings, "spell-check");
  g_settings_reset (settings, "spell-check-language");
}

static void
wait_checked (Fixture *fixture)
{
  while (petrel_spell_checker_get_busy (fixture->checker))
    g_main_context_iteration (NULL, TRUE);
}

static void
fixture_set_up_with_view (Fixture     *fixture,
                          GtkTextView *view)
{
  reset_settings ();
  fixture->view = g_object_ref_sink (view);
  fixture->buffer = gtk_text_view_get_buffer (fixture->view);
  fixture->checker = petrel_spell_checker_attach (fixture->view);
  g_assert_nonnull (fixture->checker);
  /* install-deps installs hunspell-en-us: without it there is nothing to test. */
  g_assert_true (petrel_spell_checker_get_available (fixture->checker));
  g_assert_true (petrel_spell_checker_set_language (fixture->checker, "en_US"));
  g_assert_cmpstr (petrel_spell_checker_get_language (fixture->checker), ==, "en_US");
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture_set_up_with_view (fixture, GTK_TEXT_VIEW (gtk_text_view_new ()));
}

static void
fixture_set_up_rich (Fixture       *fixture,
                     gconstpointer  data)
{
  GtkWidget *view = petrel_rich_text_view_new ();

  petrel_rich_text_view_set_rich (PETREL_RICH_TEXT_VIEW (view), TRUE);
  fixture_set_up_with_view (fixture, GTK_TEXT_VIEW (view));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->view);
}

static void
set_text (Fixture    *fixture,
          const char *text)
{
  gtk_text_buffer_set_text (fixture->buffer, text, -1);
  wait_checked (fixture);
}

/* The underlined words, in order, as "start:word" separated by spaces. */
static char *
underlined (Fixture *fixture)
{
  GtkTextTag *tag = petrel_spell_checker_get_tag (fixture->checker);
  GString *out = g_string_new (NULL);
  GtkTextIter iter;

  gtk_text_buffer_get_start_iter (fixture->buffer, &iter);
  if (!gtk_text_iter_starts_tag (&iter, tag))
    gtk_text_iter_forward_to_tag_toggle (&iter, tag);
  while (!gtk_text_iter_is_end (&iter))
    {
      GtkTextIter end = iter;
      g_autofree char *word = NULL;

      gtk_text_iter_forward_to_tag_toggle (&end, tag);
      word = gtk_text_iter_get_slice (&iter, &end);
      g_string_append_printf (out, "%s%d:%s", out->len > 0 ? " " : "",
                              gtk_text_iter_get_offset (&iter), word);
      iter = end;
      if (!gtk_text_iter_forward_to_tag_toggle (&iter, tag))
        break;
    }
  return g_string_free (out, FALSE);
}

static guint
count_underlined (Fixture *fixture)
{
  g_autofree char *all = underlined (fixture);
  g_auto(GStrv) words = g_strsplit (all, " ", -1);

  return all[0] == '\0' ? 0 : g_strv_length (words);
}

static int
offset_of (Fixture    *fixture,
           const char *needle)
{
  GtkTextIter start, end;
  g_autofree char *text = NULL;
  const char *found;

  gtk_text_buffer_get_bounds (fixture->buffer, &start, &end);
  text = gtk_text_buffer_get_text (fixture->buffer, &start, &end, TRUE);
  found = strstr (text, needle);
  g_assert_nonnull (found);
  return g_utf8_pointer_to_offset (text, found);
}

static void
replace (Fixture    *fixture,
         const char *old,
         const char *new)
{
  GtkTextIter start, end;
  int offset = offset_of (fixture, old);

  gtk_text_buffer_get_iter_at_offset (fixture->buffer, &start, offset);
  gtk_text_buffer_get_iter_at_offset (fixture->buffer, &end, offset + g_utf8_strlen (old, -1));
  gtk_text_buffer_delete (fixture->buffer, &start, &end);
  gtk_text_buffer_insert (fixture->buffer, &start, new, -1);
  wait_checked (fixture);
}

/* The labels of the first section of the view's extra menu (the suggestions). */
static char *
menu_suggestions (Fixture *fixture)
{
  GMenuModel *menu = gtk_text_view_get_extra_menu (fixture->view);
  g_autoptr(GMenuModel) section = NULL;
  GString *out = g_string_new (NULL);

  g_assert_nonnull (menu);
  section = g_menu_model_get_item_link (menu, 0, G_MENU_LINK_SECTION);
  g_assert_nonnull (section);
  for (int i = 0; i < g_menu_model_get_n_items (section); i++)
    {
      g_autofree char *label = NULL;

      g_menu_model_get_item_attribute (section, i, G_MENU_ATTRIBUTE_LABEL, "s", &label);
      g_string_append_printf (out, "%s%s", out->len > 0 ? "|" : "", label);
    }
  return g_string_free (out, FALSE);
}

static void
menu_at (Fixture    *fixture,
         const char *needle,
         int         into)
{
  GtkTextIter iter;

  gtk_text_buffer_get_iter_at_offset (fixture->buffer, &iter, offset_of (fixture, needle) + into);
  petrel_spell_checker_update_menu_at (fixture->checker, &iter);
}

static gboolean
action_enabled (Fixture    *fixture,
                const char *name)
{
  GActionGroup *group = petrel_spell_checker_get_action_group (fixture->checker);

  g_assert_nonnull (group);
  return g_action_group_get_action_enabled (group, name);
}

static void
test_underline (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *found = NULL;

  set_text (fixture,
            "I recieve teh mail.\n"
            "See https://exampel.org/mispeled, <mispeled@exampel.org> or www.exampel.com.\n"
            "> a quoted linne with erors\n"
            "   >  and anothr one\n"
            "The NASAA report on ABCDEFG, 2nd3rd and x86ish, see notes.txtt and iPhonee.\n"
            "It doesn't forgett the “quotd” words.\n");
  found = underlined (fixture);
  g_assert_cmpstr (found, ==, "2:recieve 10:teh 233:forgett 246:quotd");
  g_assert_cmpint (offset_of (fixture, "forgett"), ==, 233);
}

static void
test_edit (Fixture       *fixture,
           gconstpointer  data)
{
  g_autofree char *before = NULL;
  g_autofree char *fixed = NULL;
  g_autofree char *broken = NULL;
  g_autofree char *added = NULL;
  GtkTextIter end;

  set_text (fixture, "I recieve the mail.\nAll good here.\n");
  before = underlined (fixture);
  g_assert_cmpstr (before, ==, "2:recieve");

  replace (fixture, "recieve", "receive");
  fixed = underlined (fixture);
  g_assert_cmpstr (fixed, ==, "");

  /* Breaking a word in the middle of a line, and typing on a new line. */
  replace (fixture, "good", "godo");
  broken = underlined (fixture);
  g_assert_cmpstr (broken, ==, "24:godo");

  gtk_text_buffer_get_end_iter (fixture->buffer, &end);
  gtk_text_buffer_insert (fixture->buffer, &end, "Anoter line", -1);
  wait_checked (fixture);
  added = underlined (fixture);
  g_assert_cmpstr (added, ==, "24:godo 35:Anoter");
}

static void
test_disable (Fixture       *fixture,
              gconstpointer  data)
{
  g_autofree char *off = NULL;
  g_autofree char *on = NULL;

  set_text (fixture, "Wrnog and wrnog.");
  g_assert_cmpuint (count_underlined (fixture), ==, 2);

  petrel_spell_checker_set_enabled (fixture->checker, FALSE);
  g_assert_false (petrel_spell_checker_get_enabled (fixture->checker));
  wait_checked (fixture);
  off = underlined (fixture);
  g_assert_cmpstr (off, ==, "");

  /* Edits while off stay unmarked; turning it on checks everything again. */
  replace (fixture, "and", "adn");
  g_assert_cmpuint (count_underlined (fixture), ==, 0);
  petrel_spell_checker_set_enabled (fixture->checker, TRUE);
  wait_checked (fixture);
  on = underlined (fixture);
  g_assert_cmpstr (on, ==, "0:Wrnog 6:adn 10:wrnog");
}

static void
test_suggestions (Fixture       *fixture,
                  gconstpointer  data)
{
  g_auto(GStrv) suggestions = NULL;
  g_autofree char *labels = NULL;
  g_autofree char *none = NULL;
  g_autofree char *text = NULL;
  g_autofree char *left = NULL;
  GtkTextIter start, end;

  suggestions = petrel_spell_checker_dup_suggestions (fixture->checker, "recieve", 5);
  g_assert_nonnull (suggestions[0]);
  g_assert_cmpuint (g_strv_length (suggestions), <=, 5);
  g_assert_true (g_strv_contains ((const char * const *) suggestions, "receive"));
  g_assert_false (petrel_spell_checker_check_word (fixture->checker, "recieve"));
  g_assert_true (petrel_spell_checker_check_word (fixture->checker, "receive"));

  set_text (fixture, "We recieve it and read it.");

  /* On a right word the menu offers nothing for it. */
  menu_at (fixture, "read", 1);
  none = menu_suggestions (fixture);
  g_assert_cmpstr (none, ==, "");
  g_assert_false (action_enabled (fixture, "add"));
  g_assert_false (action_enabled (fixture, "ignore"));

  /* At the end of the word counts as on it. */
  menu_at (fixture, "recieve", 7);
  labels = menu_suggestions (fixture);
  g_assert_nonnull (strstr (labels, "receive"));
  {
    g_auto(GStrv) items = g_strsplit (labels, "|", -1);

    g_assert_cmpuint (g_strv_length (items), <=, 5);
  }
  g_assert_true (action_enabled (fixture, "add"));
  g_assert_true (action_enabled (fixture, "ignore"));

  gtk_widget_activate_action (GTK_WIDGET (fixture->view), "spell.replace", "s", "receive");
  wait_checked (fixture);
  gtk_text_buffer_get_bounds (fixture->buffer, &start, &end);
  text = gtk_text_buffer_get_text (fixture->buffer, &start, &end, FALSE);
  g_assert_cmpstr (text, ==, "We receive it and read it.");
  left = underlined (fixture);
  g_assert_cmpstr (left, ==, "");
}

static void
test_ignore_and_add (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *path = g_build_filename (g_getenv ("XDG_CONFIG_HOME"), "enchant",
                                            "en_US.dic", NULL);
  g_autofree char *first = NULL;
  g_autofree char *ignored = NULL;
  g_autofree char *added = NULL;
  g_autofree char *again = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GtkTextView) other = NULL;
  PetrelSpellChecker *other_checker;

  set_text (fixture, "Zorblat met Quuxwing.\nZorblat and Quuxwing again.\n");
  first = underlined (fixture);
  g_assert_cmpstr (first, ==, "0:Zorblat 12:Quuxwing 22:Zorblat 34:Quuxwing");

  /* Ignore All: every occurrence, and it stays ignored when the line is checked again. */
  menu_at (fixture, "Zorblat", 2);
  gtk_widget_activate_action (GTK_WIDGET (fixture->view), "spell.ignore", NULL);
  ignored = underlined (fixture);
  g_assert_cmpstr (ignored, ==, "12:Quuxwing 34:Quuxwing");
  replace (fixture, "met", "saw");
  g_assert_cmpuint (count_underlined (fixture), ==, 2);
  g_assert_false (action_enabled (fixture, "ignore"));

  /* Add to Dictionary: into the personal word list, in the test's own config directory. */
  menu_at (fixture, "Quuxwing", 0);
  gtk_widget_activate_action (GTK_WIDGET (fixture->view), "spell.add", NULL);
  added = underlined (fixture);
  g_assert_cmpstr (added, ==, "");
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, "Quuxwing"));
  g_assert_null (strstr (contents, "Zorblat"));

  /* Another view sees the added word, not necessarily the ignored one's session. */
  other = g_object_ref_sink (GTK_TEXT_VIEW (gtk_text_view_new ()));
  other_checker = petrel_spell_checker_attach (other);
  g_assert_true (petrel_spell_checker_check_word (other_checker, "Quuxwing"));
  replace (fixture, "again", "agian");
  again = underlined (fixture);
  g_assert_cmpstr (again, ==, "43:agian");
}

static void
test_language (Fixture       *fixture,
               gconstpointer  data)
{
  g_auto(GStrv) languages = petrel_spell_checker_list_languages ();
  g_autofree char *english = NULL;
  g_autofree char *german = NULL;
  g_autofree char *name = petrel_spell_checker_dup_language_name ("en_US");
  g_autofree char *unknown = petrel_spell_checker_dup_language_name ("qq_ZZ");
  g_autofree char *bare = petrel_spell_checker_dup_language_name ("de");
  GActionGroup *group = petrel_spell_checker_get_action_group (fixture->checker);
  g_autoptr(GVariant) state = NULL;

  g_assert_true (g_strv_contains ((const char * const *) languages, "en_US"));
  /* The test runs in the C locale: iso-codes' English names. */
  g_assert_cmpstr (name, ==, "English (United States)");
  g_assert_cmpstr (bare, ==, "German");
  g_assert_cmpstr (unknown, ==, "qq_ZZ");
  g_assert_false (petrel_spell_checker_set_language (fixture->checker, "qq_ZZ"));
  g_assert_cmpstr (petrel_spell_checker_get_language (fixture->checker), ==, "en_US");

  set_text (fixture, "Die Straße ist schön. We recieve mail.");
  english = underlined (fixture);
  g_assert_nonnull (strstr (english, "4:Straße"));
  g_assert_nonnull (strstr (english, "15:schön"));
  g_assert_nonnull (strstr (english, "25:recieve"));

  if (!g_strv_contains ((const char * const *) languages, "de_DE"))
    {
      g_test_skip ("no de_DE dictionary (hunspell-de-de)");
      return;
    }

  /* The menu's Language action switches, and the settings remember it. */
  g_action_group_change_action_state (group, "language", g_variant_new_string ("de_DE"));
  g_assert_cmpstr (petrel_spell_checker_get_language (fixture->checker), ==, "de_DE");
  state = g_action_group_get_action_state (group, "language");
  g_assert_cmpstr (g_variant_get_string (state, NULL), ==, "de_DE");
  wait_checked (fixture);
  german = underlined (fixture);
  g_assert_null (strstr (german, "Straße"));
  g_assert_null (strstr (german, "schön"));
  g_assert_nonnull (strstr (german, "recieve"));
  {
    GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
    g_autoptr(GSettingsSchema) schema = NULL;

    if (source != NULL)
      schema = g_settings_schema_source_lookup (source, APPLICATION_ID, TRUE);
    if (schema != NULL && g_settings_schema_has_key (schema, "spell-check-language"))
      {
        g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
        g_autofree char *saved = g_settings_get_string (settings, "spell-check-language");
        g_autoptr(GtkTextView) other = g_object_ref_sink (GTK_TEXT_VIEW (gtk_text_view_new ()));

        g_assert_cmpstr (saved, ==, "de_DE");
        /* A new composer starts in the remembered language. */
        g_assert_cmpstr (petrel_spell_checker_get_language (petrel_spell_checker_attach (other)),
                         ==, "de_DE");
      }
  }
}

static void
test_rich_quote (Fixture       *fixture,
                 gconstpointer  data)
{
  PetrelRichTextView *view = PETREL_RICH_TEXT_VIEW (fixture->view);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *html = NULL;

  set_text (fixture, "Thnaks.\n> You wrote a qoute\nBye\n");
  before = underlined (fixture);
  g_assert_cmpstr (before, ==, "0:Thnaks");

  /* Rich text quotes lose their ">" but keep being skipped. */
  petrel_rich_text_view_quote_marked_lines (view);
  wait_checked (fixture);
  after = underlined (fixture);
  g_assert_cmpstr (after, ==, "0:Thnaks");

  /* The underline is no formatting: it never reaches the HTML. */
  petrel_rich_text_view_set_text (view, "Thnaks");
  wait_checked (fixture);
  g_assert_cmpuint (count_underlined (fixture), ==, 1);
  g_assert_false (petrel_rich_text_view_has_formatting (view));
  html = petrel_rich_text_view_get_html (view, NULL, NULL);
  g_assert_nonnull (strstr (html, "<body>\nThnaks</body>"));
}

/* The signature (after "-- ") is left alone: names and titles are no misspellings. */
static void
test_signature (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *signed_text = NULL;
  g_autofree char *unsigned_text = NULL;
  g_autofree char *again = NULL;
  GtkTextIter start, end;

  set_text (fixture, "Thanks, Bobb\n-- \nBobby Tablez\nAcme Corpp\n");
  signed_text = underlined (fixture);
  g_assert_cmpstr (signed_text, ==, "8:Bobb");

  /* Without the separator, it is text like any other. */
  gtk_text_buffer_get_iter_at_line (fixture->buffer, &start, 1);
  gtk_text_buffer_get_iter_at_line (fixture->buffer, &end, 2);
  gtk_text_buffer_delete (fixture->buffer, &start, &end);
  wait_checked (fixture);
  unsigned_text = underlined (fixture);
  g_assert_cmpstr (unsigned_text, ==, "8:Bobb 19:Tablez 31:Corpp");

  /* Typed again, it is a signature again. */
  gtk_text_buffer_get_iter_at_line (fixture->buffer, &start, 1);
  gtk_text_buffer_insert (fixture->buffer, &start, "-", -1);
  gtk_text_buffer_insert (fixture->buffer, &start, "-", -1);
  gtk_text_buffer_insert (fixture->buffer, &start, " \n", -1);
  wait_checked (fixture);
  again = underlined (fixture);
  g_assert_cmpstr (again, ==, "8:Bobb");
}

/* A long body is checked in parts, and an edit re-checks only its own line. */
static void
test_incremental (Fixture       *fixture,
                  gconstpointer  data)
{
  GString *text = g_string_new (NULL);
  GtkTextTag *tag = petrel_spell_checker_get_tag (fixture->checker);
  GtkTextIter start, end;
  guint runs = 0;

  for (guint i = 0; i < 5000; i++)
    g_string_append_printf (text, "Line %u has one mistaek in the middle of it.\n", i);
  gtk_text_buffer_set_text (fixture->buffer, text->str, -1);
  g_string_free (text, TRUE);

  while (petrel_spell_checker_get_busy (fixture->checker))
    {
      g_main_context_iteration (NULL, TRUE);
      runs++;
    }
  /* Not all in one go: typing goes on while a long body is checked. */
  g_assert_cmpuint (runs, >, 1);
  g_assert_cmpuint (count_underlined (fixture), ==, 5000);

  /* Take the underline off line 10 by hand: a check of everything would put it back. */
  gtk_text_buffer_get_iter_at_line (fixture->buffer, &start, 10);
  end = start;
  gtk_text_iter_forward_to_line_end (&end);
  gtk_text_buffer_remove_tag (fixture->buffer, tag, &start, &end);

  gtk_text_buffer_get_iter_at_line_offset (fixture->buffer, &start, 2500, 0);
  gtk_text_buffer_insert (fixture->buffer, &start, "Anew ", -1);
  wait_checked (fixture);
  g_assert_cmpuint (count_underlined (fixture), ==, 4999);
  gtk_text_buffer_get_iter_at_line (fixture->buffer, &start, 10);
  g_assert_false (gtk_text_iter_has_tag (&start, tag));
  gtk_text_iter_forward_chars (&start, 17);
  g_assert_false (gtk_text_iter_has_tag (&start, tag));
}

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  if (dir != NULL)
    g_dir_close (dir);
  g_rmdir (path);
}

static void
skip_no_display (void)
{
  g_test_skip ("no display (build-aux/test runs the UI tests under xvfb-run)");
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *config = g_dir_make_tmp ("petrel-spell-XXXXXX", NULL);
  int status;

  /* Enchant keeps personal word lists in $XDG_CONFIG_HOME/enchant: a throwaway one. (Not
   * G_TEST_OPTION_ISOLATE_DIRS: the checker keeps dictionaries loaded for the process.) */
  g_assert_nonnull (config);
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
  /* Language names are asserted in English, whatever the developer's locale. */
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_test_init (&argc, &argv, NULL);
  if (!gtk_init_check ())
    {
      g_test_add_func ("/petrel/spell-checker/no-display", skip_no_display);
      status = g_test_run ();
      remove_tree (config);
      return status;
    }

#define ADD(path, func, set_up) \
  g_test_add ("/petrel/spell-checker/" path, Fixture, NULL, set_up, func, fixture_tear_down)
  ADD ("underline", test_underline, fixture_set_up);
  ADD ("edit", test_edit, fixture_set_up);
  ADD ("disable", test_disable, fixture_set_up);
  ADD ("suggestions", test_suggestions, fixture_set_up);
  ADD ("ignore-and-add", test_ignore_and_add, fixture_set_up);
  ADD ("language", test_language, fixture_set_up);
  ADD ("rich-quote", test_rich_quote, fixture_set_up_rich);
  ADD ("signature", test_signature, fixture_set_up);
  ADD ("incremental", test_incremental, fixture_set_up);
#undef ADD

  status = g_test_run ();
  remove_tree (config);
  return status;
}
