/* petrel-imap-value.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include "imap/petrel-imap-private.h"

PetrelImapValueType
petrel_imap_value_get_value_type (const PetrelImapValue *value)
{
  g_return_val_if_fail (value != NULL, PETREL_IMAP_VALUE_NIL);
  return value->type;
}

gboolean
petrel_imap_value_is_nil (const PetrelImapValue *value)
{
  return value != NULL && value->type == PETREL_IMAP_VALUE_NIL;
}

gboolean
petrel_imap_value_is_list (const PetrelImapValue *value)
{
  return value != NULL && value->type == PETREL_IMAP_VALUE_LIST;
}

const char *
petrel_imap_value_get_atom (const PetrelImapValue *value)
{
  if (value == NULL || value->type != PETREL_IMAP_VALUE_ATOM)
    return NULL;
  return value->u.str;
}

gboolean
petrel_imap_value_is_atom (const PetrelImapValue *value,
                           const char            *ascii)
{
  g_return_val_if_fail (ascii != NULL, FALSE);

  if (value == NULL ||
      (value->type != PETREL_IMAP_VALUE_ATOM && value->type != PETREL_IMAP_VALUE_NUMBER))
    return FALSE;
  return g_ascii_strcasecmp (value->u.str, ascii) == 0;
}

gboolean
petrel_imap_value_get_number (const PetrelImapValue *value,
                              guint64               *out)
{
  if (value == NULL || value->type != PETREL_IMAP_VALUE_NUMBER)
    return FALSE;
  if (out != NULL)
    *out = value->x.number;
  return TRUE;
}

const char *
petrel_imap_value_get_string (const PetrelImapValue *value,
                              gsize                 *length)
{
  const char *str = _petrel_imap_value_text (value);

  if (length != NULL)
    *length = str != NULL ? value->length : 0;
  return str;
}

gboolean
petrel_imap_value_is_quoted (const PetrelImapValue *value)
{
  return value != NULL && (value->flags & PETREL_IMAP_VALUE_FLAG_QUOTED) != 0;
}

gboolean
petrel_imap_value_is_literal (const PetrelImapValue *value)
{
  return value != NULL && (value->flags & PETREL_IMAP_VALUE_FLAG_LITERAL) != 0;
}

gboolean
petrel_imap_value_is_literal8 (const PetrelImapValue *value)
{
  return value != NULL && (value->flags & PETREL_IMAP_VALUE_FLAG_LITERAL8) != 0;
}

guint64
petrel_imap_value_get_size (const PetrelImapValue *value)
{
  if (value == NULL)
    return 0;
  if (value->flags & PETREL_IMAP_VALUE_FLAG_LITERAL)
    return value->x.literal->size;
  if (value->type == PETREL_IMAP_VALUE_STRING || value->type == PETREL_IMAP_VALUE_ATOM ||
      value->type == PETREL_IMAP_VALUE_NUMBER)
    return value->length;
  return 0;
}

GBytes *
petrel_imap_value_dup_bytes (const PetrelImapValue *value)
{
  if (value == NULL)
    return NULL;
  if (value->flags & PETREL_IMAP_VALUE_FLAG_FILE)
    return NULL;
  if ((value->flags & PETREL_IMAP_VALUE_FLAG_LITERAL) && value->x.literal->bytes != NULL)
    return g_bytes_ref (value->x.literal->bytes);
  if (value->type == PETREL_IMAP_VALUE_STRING || value->type == PETREL_IMAP_VALUE_ATOM ||
      value->type == PETREL_IMAP_VALUE_NUMBER)
    return g_bytes_new (value->u.str, value->length);
  return NULL;
}

const char *
petrel_imap_value_get_file_path (const PetrelImapValue *value)
{
  if (value == NULL || !(value->flags & PETREL_IMAP_VALUE_FLAG_FILE))
    return NULL;
  return value->x.literal->path;
}

char *
petrel_imap_value_steal_file (PetrelImapValue *value)
{
  PetrelImapLiteral *literal;

  if (value == NULL || !(value->flags & PETREL_IMAP_VALUE_FLAG_FILE))
    return NULL;
  literal = value->x.literal;
  if (!literal->owned)
    return NULL;
  literal->owned = FALSE;
  return g_strdup (literal->path);
}

GBytes *
petrel_imap_value_load_bytes (const PetrelImapValue *value,
                              GError               **error)
{
  if (value != NULL && (value->flags & PETREL_IMAP_VALUE_FLAG_FILE))
    {
      g_autoptr(GError) local_error = NULL;
      char *contents = NULL;
      gsize length = 0;

      if (!g_file_get_contents (value->x.literal->path, &contents, &length, &local_error))
        {
          g_set_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_IO,
                       _("Could not read a spooled IMAP literal: %s"), local_error->message);
          return NULL;
        }
      return g_bytes_new_take (contents, length);
    }

  if (value == NULL || value->type == PETREL_IMAP_VALUE_NIL ||
      value->type == PETREL_IMAP_VALUE_LIST)
    {
      g_set_error_literal (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_PARSE,
                           _("Expected a string from the server"));
      return NULL;
    }
  return petrel_imap_value_dup_bytes (value);
}

guint
petrel_imap_value_get_length (const PetrelImapValue *value)
{
  if (value == NULL || value->type != PETREL_IMAP_VALUE_LIST)
    return 0;
  return value->length;
}

PetrelImapValue *
petrel_imap_value_get_child (const PetrelImapValue *value,
                             guint                  index)
{
  return _petrel_imap_value_child (value, index);
}

#define MAX_RENDER 4096

static void
render_string (GString               *out,
               const PetrelImapValue *value)
{
  if (value->flags & PETREL_IMAP_VALUE_FLAG_LITERAL)
    {
      g_string_append_printf (out, "%s{%" G_GUINT64_FORMAT "}",
                              (value->flags & PETREL_IMAP_VALUE_FLAG_LITERAL8) ? "~" : "",
                              value->x.literal->size);
      return;
    }

  g_string_append_c (out, '"');
  for (guint32 i = 0; i < value->length && out->len < MAX_RENDER; i++)
    {
      guchar c = (guchar) value->u.str[i];

      if (c == '"' || c == '\\')
        g_string_append_printf (out, "\\%c", c);
      else if (c < 0x20 || c >= 0x7f)
        g_string_append_printf (out, "\\x%02x", c);
      else
        g_string_append_c (out, (char) c);
    }
  g_string_append_c (out, '"');
}

/* Iterative so that a value nested as deep as the parser allows renders without recursion. */
char *
petrel_imap_value_to_string (const PetrelImapValue *value)
{
  GString *out = g_string_new (NULL);
  g_autoptr(GArray) stack = NULL;  /* of struct frame */
  struct frame { const PetrelImapValue *list; guint next; } top;

  if (value == NULL)
    return g_string_free (out, FALSE);

  stack = g_array_new (FALSE, FALSE, sizeof (struct frame));
  top.list = NULL;
  top.next = 0;

  for (;;)
    {
      if (out->len >= MAX_RENDER)
        {
          g_string_append (out, "…");
          break;
        }

      switch (value->type)
        {
        case PETREL_IMAP_VALUE_NIL:
          g_string_append (out, "NIL");
          break;
        case PETREL_IMAP_VALUE_ATOM:
        case PETREL_IMAP_VALUE_NUMBER:
          {
            g_autofree char *safe = petrel_imap_sanitize_text (value->u.str, value->length, 256);
            g_string_append (out, safe);
          }
          break;
        case PETREL_IMAP_VALUE_STRING:
          render_string (out, value);
          break;
        case PETREL_IMAP_VALUE_LIST:
          g_string_append_c (out, '(');
          if (top.list != NULL)
            g_array_append_val (stack, top);
          top.list = value;
          top.next = 0;
          break;
        default:
          g_assert_not_reached ();
        }

      /* Move to the next value, closing finished lists. */
      value = NULL;
      while (top.list != NULL)
        {
          if (top.next < top.list->length)
            {
              if (top.next > 0)
                g_string_append_c (out, ' ');
              value = &top.list->u.children[top.next++];
              break;
            }
          g_string_append_c (out, ')');
          if (stack->len > 0)
            {
              top = g_array_index (stack, struct frame, stack->len - 1);
              g_array_set_size (stack, stack->len - 1);
            }
          else
            {
              top.list = NULL;
            }
        }
      if (value == NULL)
        break;
    }

  return g_string_free (out, FALSE);
}
