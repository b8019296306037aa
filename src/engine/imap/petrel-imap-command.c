/* petrel-imap-command.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "imap/petrel-imap-command.h"
#include "imap/petrel-imap-error.h"
#include "imap/petrel-imap-utf7.h"

typedef enum
{
  ITEM_TEXT,      /* already in wire form: an atom, a number, a quoted string, a flag list */
  ITEM_LITERAL,
  ITEM_OPEN,
  ITEM_CLOSE,
} ItemKind;

typedef struct
{
  ItemKind kind;
  char *text;      /* owned, ITEM_TEXT */
  GBytes *bytes;   /* owned, ITEM_LITERAL */
  gboolean binary;
} Item;

struct _PetrelImapCommand
{
  GObject parent_instance;

  char *tag;          /* owned */
  char *name;         /* owned, upper-cased */
  GArray *items;      /* owned, of Item */
  gboolean utf8;
  gboolean raw_mailboxes;
  guint depth;
  GError *error;      /* owned: the first failure, or NULL */
};

G_DEFINE_FINAL_TYPE (PetrelImapCommand, petrel_imap_command, G_TYPE_OBJECT)

/* ------------------------------------------------------------------------------------------ */
/* Character classes (RFC 9051)                                                                */

/* ATOM-CHAR: any CHAR except atom-specials: ( ) { SP CTL % * " \ ] */
static inline gboolean
is_atom_char (guchar c)
{
  if (c <= 0x20 || c >= 0x7f)
    return FALSE;
  switch (c)
    {
    case '(': case ')': case '{': case '%': case '*': case '"': case '\\': case ']':
      return FALSE;
    default:
      return TRUE;
    }
}

/* ASTRING-CHAR: ATOM-CHAR / resp-specials (']') */
static inline gboolean
is_astring_char (guchar c)
{
  return is_atom_char (c) || c == ']';
}

static gboolean
is_atom (const char *s)
{
  if (s == NULL || *s == '\0')
    return FALSE;
  for (; *s != '\0'; s++)
    if (!is_atom_char ((guchar) *s))
      return FALSE;
  return TRUE;
}

static gboolean
is_astring_atom (const char *s)
{
  if (*s == '\0' || g_ascii_strcasecmp (s, "NIL") == 0)
    return FALSE;
  for (; *s != '\0'; s++)
    if (!is_astring_char ((guchar) *s))
      return FALSE;
  return TRUE;
}

static gboolean
is_flag (const char *s)
{
  if (s == NULL)
    return FALSE;
  if (*s == '\\')
    s++;
  return is_atom (s);
}

/* ------------------------------------------------------------------------------------------ */

static gboolean
set_invalid (PetrelImapCommand *self,
             GError           **error,
             const char        *message)
{
  if (self->error == NULL)
    self->error = g_error_new (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_INVALID,
                               _("Cannot build the IMAP command %s: %s"),
                               self->name != NULL ? self->name : "", message);
  g_set_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_INVALID,
               _("Cannot build the IMAP command %s: %s"),
               self->name != NULL ? self->name : "", message);
  return FALSE;
}

static void
add_text_take (PetrelImapCommand *self,
               char              *text)
{
  Item item = { ITEM_TEXT, text, NULL, FALSE };

  g_array_append_val (self->items, item);
}

static void
item_clear (gpointer data)
{
  Item *item = data;

  g_clear_pointer (&item->text, g_free);
  g_clear_pointer (&item->bytes, g_bytes_unref);
}

static void
petrel_imap_command_finalize (GObject *object)
{
  PetrelImapCommand *self = (PetrelImapCommand *) object;

  g_clear_pointer (&self->tag, g_free);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->items, g_array_unref);
  g_clear_error (&self->error);

  G_OBJECT_CLASS (petrel_imap_command_parent_class)->finalize (object);
}

static void
petrel_imap_command_class_init (PetrelImapCommandClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = petrel_imap_command_finalize;
}

static void
petrel_imap_command_init (PetrelImapCommand *self)
{
  self->items = g_array_new (FALSE, FALSE, sizeof (Item));
  g_array_set_clear_func (self->items, item_clear);
}

static gboolean
is_valid_tag (const char *tag)
{
  if (tag == NULL || *tag == '\0')
    return FALSE;
  for (const char *p = tag; *p != '\0'; p++)
    if (!is_astring_char ((guchar) *p) || *p == '+')
      return FALSE;
  return TRUE;
}

static gboolean
is_valid_name (const char *name)
{
  g_auto(GStrv) words = NULL;

  if (name == NULL || *name == '\0')
    return FALSE;
  words = g_strsplit (name, " ", -1);
  for (guint i = 0; words[i] != NULL; i++)
    if (!is_atom (words[i]))
      return FALSE;
  return TRUE;
}

PetrelImapCommand *
petrel_imap_command_new (const char *tag,
                         const char *name)
{
  PetrelImapCommand *self = g_object_new (PETREL_TYPE_IMAP_COMMAND, NULL);

  if (!is_valid_name (name))
    {
      self->name = g_strdup ("");
      set_invalid (self, NULL, "the command name is not a valid atom");
    }
  else
    {
      self->name = g_ascii_strup (name, -1);
    }

  if (!is_valid_tag (tag))
    {
      self->tag = g_strdup ("");
      set_invalid (self, NULL, "the tag is not valid");
    }
  else
    {
      self->tag = g_strdup (tag);
    }
  return self;
}

const char *
petrel_imap_command_get_tag (PetrelImapCommand *self)
{
  g_return_val_if_fail (PETREL_IS_IMAP_COMMAND (self), NULL);
  return self->tag;
}

const char *
petrel_imap_command_get_name (PetrelImapCommand *self)
{
  g_return_val_if_fail (PETREL_IS_IMAP_COMMAND (self), NULL);
  return self->name;
}

const GError *
petrel_imap_command_get_error (PetrelImapCommand *self)
{
  g_return_val_if_fail (PETREL_IS_IMAP_COMMAND (self), NULL);
  return self->error;
}

void
petrel_imap_command_set_utf8 (PetrelImapCommand *self,
                              gboolean           utf8)
{
  g_return_if_fail (PETREL_IS_IMAP_COMMAND (self));
  self->utf8 = !!utf8;
}

void
petrel_imap_command_set_raw_mailboxes (PetrelImapCommand *self,
                                       gboolean           raw)
{
  g_return_if_fail (PETREL_IS_IMAP_COMMAND (self));
  self->raw_mailboxes = !!raw;
}

gboolean
petrel_imap_command_add_atom (PetrelImapCommand *self,
                              const char        *atom,
                              GError           **error)
{
  g_return_val_if_fail (PETREL_IS_IMAP_COMMAND (self), FALSE);

  if (!is_atom (atom))
    return set_invalid (self, error, "an argument is not a valid atom (it is empty or holds a "
                                     "space, a control, 8-bit or special character)");
  add_text_take (self, g_strdup (atom));
  return TRUE;
}

void
petrel_imap_command_add_number (PetrelImapCommand *self,
                                guint64            number)
{
  g_return_if_fail (PETREL_IS_IMAP_COMMAND (self));
  add_text_take (self, g_strdup_printf ("%" G_GUINT64_FORMAT, number));
}

/* Whether @s can go in a quoted string: no CR/LF, short, 7-bit unless UTF-8 is on. */
static gboolean
can_quote (PetrelImapCommand *self,
           const char        *s,
           gsize              len)
{
  gboolean eight_bit = FALSE;

  if (len > PETREL_IMAP_COMMAND_MAX_QUOTED)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) s[i];

      if (c == '\r' || c == '\n')
        return FALSE;
      if (c >= 0x80)
        eight_bit = TRUE;
    }
  if (eight_bit && (!self->utf8 || !g_utf8_validate_len (s, len, NULL)))
    return FALSE;
  return TRUE;
}

static char *
quote (const char *s,
       gsize       len)
{
  GString *out = g_string_sized_new (len + 2);

  g_string_append_c (out, '"');
  for (gsize i = 0; i < len; i++)
    {
      if (s[i] == '"' || s[i] == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, s[i]);
    }
  g_string_append_c (out, '"');
  return g_string_free (out, FALSE);
}

static void
add_literal_copy (PetrelImapCommand *self,
                  const char        *s,
                  gsize              len)
{
  Item item = { ITEM_LITERAL, NULL, g_bytes_new (s, len), FALSE };

  g_array_append_val (self->items, item);
}

static void
add_string_any (PetrelImapCommand *self,
                const char        *string)
{
  gsize len = strlen (string);

  if (can_quote (self, string, len))
    add_text_take (self, quote (string, len));
  else
    add_literal_copy (self, string, len);
}

gboolean
petrel_imap_command_add_astring (PetrelImapCommand *self,
                                 const char        *string,
                                 GError           **error)
{
  g_return_val_if_fail (PETREL_IS_IMAP_COMMAND (self), FALSE);

  if (string == NULL)
    return set_invalid (self, error, "a string argument is missing");
  if (is_astring_atom (string))
    add_text_take (self, g_strdup (string));
  else
    add_string_any (self, string);
  return TRUE;
}

gboolean
petrel_imap_command_add_string (PetrelImapCommand *self,
                                const char        *string,
                                GError           **error)
{
  g_return_val_if_fail (PETREL_IS_IMAP_COMMAND (self), FALSE);

  if (string == NULL)
    return set_invalid (self, error, "a string argument is missing");
  add_string_any (self, string);
  return TRUE;
}

gboolean
petrel_imap_command_add_nstring (PetrelImapCommand *self,
                                 const char        *string,
                                 GError           **error)
{
  g_return_val_if_fail (PETREL_IS_IMAP_COMMAND (self), FALSE);

  if (string == NULL)
    add_text_take (self, g_strdup ("NIL"));
  else
    add_string_any (self, string);
  return TRUE;
}

gboolean
petrel_imap_command_add_quoted (PetrelImapCommand *self,
                                const char        *string,
                                GError           **error)
{
  gsize len;

  g_return_val_if_fail (PETREL_IS_IMAP_COMMAND (self), FALSE);

  if (string == NULL)
    return set_invalid (self, error, "a string argument is missing");
  len = strlen (string);
  if (!can_quote (self, string, len))
    return set_invalid (self, error, "a string cannot be quoted (it holds a line break, "
                                     "8-bit characters the server does not accept, or is too long)");
  add_text_take (self, quote (string, len));
  return TRUE;
}

void
petrel_imap_command_add_literal (PetrelImapCommand *self,
                                 GBytes            *bytes,
                                 gboolean           binary)
{
  Item item = { ITEM_LITERAL, NULL, NULL, !!binary };

  g_return_if_fail (PETREL_IS_IMAP_COMMAND (self));
  g_return_if_fail (bytes != NULL);

  item.bytes = g_bytes_ref (bytes);
  g_array_append_val (self->items, item);
}

gboolean
petrel_imap_command_add_mailbox (PetrelImapCommand *self,
                                 const char        *utf8_name,
                                 GError           **error)
{
  g_autofree char *encoded = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (PETREL_IS_IMAP_COMMAND (self), FALSE);

  if (self->raw_mailboxes)
    return petrel_imap_command_add_raw_mailbox (self, utf8_name, error);
  if (utf8_name == NULL || *utf8_name == '\0')
    return set_invalid (self, error, "the folder name is empty");
  if (g_ascii_strcasecmp (utf8_name, "INBOX") == 0)
    {
      add_text_take (self, g_strdup ("INBOX"));
      return TRUE;
    }
  if (self->utf8)
    {
      if (!g_utf8_validate (utf8_name, -1, NULL))
        return set_invalid (self, error, "the folder name is not valid UTF-8");
      return petrel_imap_command_add_astring (self, utf8_name, error);
    }

  encoded = petrel_imap_utf7_encode (utf8_name, &local_error);
  if (encoded == NULL)
    return set_invalid (self, error, local_error->message);
  return petrel_imap_command_add_astring (self, encoded, error);
}

gboolean
petrel_imap_command_add_raw_mailbox (PetrelImapCommand *self,
                                     const char        *raw_name,
                                     GError           **error)
{
  g_return_val_if_fail (PETREL_IS_IMAP_COMMAND (self), FALSE);

  if (raw_name == NULL || *raw_name == '\0')
    return set_invalid (self, error, "the folder name is empty");
  return petrel_imap_command_add_astring (self, raw_name, error);
}

gboolean
petrel_imap_command_add_seqset (PetrelImapCommand      *self,
                                const PetrelImapSeqSet *set,
                                GError                **error)
{
  g_return_val_if_fail (PETREL_IS_IMAP_COMMAND (self), FALSE);

  if (set == NULL || petrel_imap_seqset_is_empty (set))
    return set_invalid (self, error, "the message set is empty");
  add_text_take (self, petrel_imap_seqset_to_string (set));
  return TRUE;
}

gboolean
petrel_imap_command_add_flags (PetrelImapCommand  *self,
                               const char * const *flags,
                               GError            **error)
{
  GString *out;

  g_return_val_if_fail (PETREL_IS_IMAP_COMMAND (self), FALSE);

  out = g_string_new ("(");
  for (guint i = 0; flags != NULL && flags[i] != NULL; i++)
    {
      if (!is_flag (flags[i]))
        {
          g_string_free (out, TRUE);
          return set_invalid (self, error, "a flag holds characters IMAP does not allow in flags");
        }
      if (i > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, flags[i]);
    }
  g_string_append_c (out, ')');
  add_text_take (self, g_string_free (out, FALSE));
  return TRUE;
}

gboolean
petrel_imap_command_add_token (PetrelImapCommand *self,
                               const char        *token,
                               GError           **error)
{
  int brackets = 0, parens = 0;
  gsize len;

  g_return_val_if_fail (PETREL_IS_IMAP_COMMAND (self), FALSE);

  if (token == NULL || *token == '\0')
    return set_invalid (self, error, "an argument is empty");
  len = strlen (token);
  if (token[0] == ' ' || token[len - 1] == ' ' || strstr (token, "  ") != NULL)
    return set_invalid (self, error, "an argument has stray spaces");
  for (const char *p = token; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (c < 0x20 || c >= 0x7f || c == '{' || c == '"')
        return set_invalid (self, error, "an argument holds characters that are not allowed");
      if (c == '[')
        brackets++;
      else if (c == ']' && --brackets < 0)
        break;
      else if (c == '(')
        parens++;
      else if (c == ')' && --parens < 0)
        break;
      else if (c == ' ' && brackets == 0 && parens == 0)
        return set_invalid (self, error, "an argument has a space outside brackets");
    }
  if (brackets != 0 || parens != 0)
    return set_invalid (self, error, "an argument has unbalanced brackets");

  add_text_take (self, g_strdup (token));
  return TRUE;
}

void
petrel_imap_command_begin_list (PetrelImapCommand *self)
{
  Item item = { ITEM_OPEN, NULL, NULL, FALSE };

  g_return_if_fail (PETREL_IS_IMAP_COMMAND (self));

  self->depth++;
  g_array_append_val (self->items, item);
}

void
petrel_imap_command_end_list (PetrelImapCommand *self)
{
  Item item = { ITEM_CLOSE, NULL, NULL, FALSE };

  g_return_if_fail (PETREL_IS_IMAP_COMMAND (self));

  if (self->depth == 0)
    {
      set_invalid (self, NULL, "a list is closed that was never opened");
      return;
    }
  self->depth--;
  g_array_append_val (self->items, item);
}

static void
push_chunk (GPtrArray  *chunks,
            GByteArray *bytes)
{
  g_ptr_array_add (chunks, g_byte_array_free_to_bytes (bytes));
}

GPtrArray *
petrel_imap_command_serialize (PetrelImapCommand     *self,
                               PetrelImapLiteralMode  mode,
                               GError               **error)
{
  g_autoptr(GPtrArray) chunks = NULL;
  GByteArray *cur;
  gboolean after_open = FALSE;

  g_return_val_if_fail (PETREL_IS_IMAP_COMMAND (self), NULL);

  if (self->error != NULL)
    {
      g_propagate_error (error, g_error_copy (self->error));
      return NULL;
    }
  if (self->depth != 0)
    {
      g_set_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_INVALID,
                   _("Cannot build the IMAP command %s: a list is not closed"), self->name);
      return NULL;
    }

  chunks = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  cur = g_byte_array_new ();
  g_byte_array_append (cur, (const guint8 *) self->tag, strlen (self->tag));
  g_byte_array_append (cur, (const guint8 *) " ", 1);
  g_byte_array_append (cur, (const guint8 *) self->name, strlen (self->name));

  for (guint i = 0; i < self->items->len; i++)
    {
      const Item *item = &g_array_index (self->items, Item, i);

      if (!after_open && item->kind != ITEM_CLOSE)
        g_byte_array_append (cur, (const guint8 *) " ", 1);
      after_open = FALSE;

      switch (item->kind)
        {
        case ITEM_TEXT:
          g_byte_array_append (cur, (const guint8 *) item->text, strlen (item->text));
          break;
        case ITEM_OPEN:
          g_byte_array_append (cur, (const guint8 *) "(", 1);
          after_open = TRUE;
          break;
        case ITEM_CLOSE:
          g_byte_array_append (cur, (const guint8 *) ")", 1);
          break;
        case ITEM_LITERAL:
          {
            gsize size = g_bytes_get_size (item->bytes);
            gboolean sync;
            char header[48];
            int n;

            if (size > G_MAXUINT32)
              {
                g_byte_array_unref (cur);
                g_set_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_INVALID,
                             _("Cannot build the IMAP command %s: a literal is larger than 4 GiB"),
                             self->name);
                return NULL;
              }
            sync = mode == PETREL_IMAP_LITERAL_SYNC ||
                   (mode == PETREL_IMAP_LITERAL_MINUS && size > PETREL_IMAP_LITERAL_MINUS_MAX);

            n = g_snprintf (header, sizeof header, "%s{%" G_GSIZE_FORMAT "%s}\r\n",
                            item->binary ? "~" : "", size, sync ? "" : "+");
            g_byte_array_append (cur, (const guint8 *) header, (guint) n);
            if (sync)
              {
                push_chunk (chunks, cur);
                cur = g_byte_array_new ();
              }
            g_byte_array_append (cur, g_bytes_get_data (item->bytes, NULL), (guint) size);
          }
          break;
        default:
          g_assert_not_reached ();
        }
    }

  g_byte_array_append (cur, (const guint8 *) "\r\n", 2);
  push_chunk (chunks, cur);
  return g_steal_pointer (&chunks);
}

char *
petrel_imap_command_to_log_string (PetrelImapCommand *self)
{
  GString *out;
  gboolean after_open = FALSE;
  guint redact_from = G_MAXUINT;

  g_return_val_if_fail (PETREL_IS_IMAP_COMMAND (self), NULL);

  if (g_str_equal (self->name, "LOGIN"))
    redact_from = 0;
  else if (g_str_equal (self->name, "AUTHENTICATE"))
    redact_from = 1;  /* keep the mechanism, hide the initial response */

  out = g_string_new (NULL);
  g_string_append_printf (out, "%s %s", self->tag, self->name);
  for (guint i = 0; i < self->items->len; i++)
    {
      const Item *item = &g_array_index (self->items, Item, i);

      if (i >= redact_from)
        {
          g_string_append (out, " <redacted>");
          break;
        }
      if (!after_open && item->kind != ITEM_CLOSE)
        g_string_append_c (out, ' ');
      after_open = FALSE;

      switch (item->kind)
        {
        case ITEM_TEXT:
          g_string_append (out, item->text);
          break;
        case ITEM_OPEN:
          g_string_append_c (out, '(');
          after_open = TRUE;
          break;
        case ITEM_CLOSE:
          g_string_append_c (out, ')');
          break;
        case ITEM_LITERAL:
          g_string_append_printf (out, "%s{%" G_GSIZE_FORMAT "}<%" G_GSIZE_FORMAT " bytes>",
                                  item->binary ? "~" : "", g_bytes_get_size (item->bytes),
                                  g_bytes_get_size (item->bytes));
          break;
        default:
          g_assert_not_reached ();
        }
    }
  return g_string_free (out, FALSE);
}
