/* petrel-spell-checker.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define PETREL_TYPE_SPELL_CHECKER (petrel_spell_checker_get_type ())

G_DECLARE_FINAL_TYPE (PetrelSpellChecker, petrel_spell_checker, PETREL, SPELL_CHECKER, GObject)

PetrelSpellChecker  *petrel_spell_checker_attach              (GtkTextView        *view);
PetrelSpellChecker  *petrel_spell_checker_get_for_view        (GtkTextView        *view);
gboolean             petrel_spell_checker_get_available       (PetrelSpellChecker *self);
gboolean             petrel_spell_checker_get_enabled         (PetrelSpellChecker *self);
void                 petrel_spell_checker_set_enabled         (PetrelSpellChecker *self,
                                                               gboolean            enabled);
const char          *petrel_spell_checker_get_language        (PetrelSpellChecker *self);
gboolean             petrel_spell_checker_set_language        (PetrelSpellChecker *self,
                                                               const char         *language);
char               **petrel_spell_checker_list_languages      (void);
char                *petrel_spell_checker_dup_language_name   (const char         *language);
gboolean             petrel_spell_checker_check_word          (PetrelSpellChecker *self,
                                                               const char         *word);
char               **petrel_spell_checker_dup_suggestions     (PetrelSpellChecker *self,
                                                               const char         *word,
                                                               guint               max);
void                 petrel_spell_checker_add_word            (PetrelSpellChecker *self,
                                                               const char         *word);
void                 petrel_spell_checker_ignore_word         (PetrelSpellChecker *self,
                                                               const char         *word);
GtkTextTag          *petrel_spell_checker_get_tag             (PetrelSpellChecker *self);
GActionGroup        *petrel_spell_checker_get_action_group    (PetrelSpellChecker *self);
gboolean             petrel_spell_checker_get_busy            (PetrelSpellChecker *self);
void                 petrel_spell_checker_update_menu_at      (PetrelSpellChecker *self,
                                                               const GtkTextIter  *iter);

G_END_DECLS
