/* petrel-mailto.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "petrel-mailto.h"
#include "petrel-mime-error.h"
#include "petrel-mime-private.h"

/* mailto: links (RFC 6068) come from web pages and other programs: untrusted. Only the
 * fields a person can see and check before pressing Send are taken (to, cc, bcc, subject,
 * body, in-reply-to); everything else, `attach` above all, is left out and reported. */

#define MAX_URI_BYTES (256 * 1024)

G_DEFINE_BOXED_TYPE (PetrelMailto, petrel_mailto, petrel_mailto_copy, petrel_mailto_free)

static gboolean
hex_value (char  c,
           int  *value)
{
  if (!g_ascii_isxdigit (c))
    return FALSE;
  *value = g_ascii_xdigit_value (c);
  return TRUE;
}

/* Percent-decodes @length bytes of @text ("+" is a plus in mailto:, not a space). */
static char *
percent_decode (const char  *text,
                gsize        length,
                const char  *what,
                GError     **error)
{
  g_autoptr(GString) out = g_string_sized_new (length);

  for (gsize i = 0; i < length; i++)
    {
      int hi, lo;

      if (text[i] != '%')
        {
          g_string_append_c (out, text[i]);
          continue;
        }
      if (i + 2 >= length || !hex_value (text[i + 1], &hi) || !hex_value (text[i + 2], &lo))
        {
          g_set_error (error, PETREL_MIME_ERROR, PETREL_MIME_ERROR_PARSE,
                       _("The mail link has a broken %%-escape in its %s"), what);
          return NULL;
        }
      g_string_append_c (out, (char) (hi * 16 + lo));
      i += 2;
    }

  if (memchr (out->str, '\0', out->len) != NULL || !g_utf8_validate (out->str, out->len, NULL))
    {
      g_set_error (error, PETREL_MIME_ERROR, PETREL_MIME_ERROR_PARSE,
                   _("The mail link's %s is not valid UTF-8 text"), what);
      return NULL;
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Appends an address list to @list, comma-separated; control characters (a CR/LF meant to
 * start a header) become spaces. */
static void
append_addresses (GString    *list,
                  const char *addresses)
{
  g_autofree char *clean = _petrel_mime_clean_line (addresses, PETREL_MIME_MAX_FIELD_BYTES);

  g_strstrip (clean);
  if (clean[0] == '\0')
    return;
  if (list->len > 0)
    g_string_append (list, ", ");
  g_string_append (list, clean);
}

/* The Message-ID in "<id@host>" (or without brackets), or NULL when it is no valid id. */
static char *
parse_message_id (const char *value)
{
  g_autofree char *clean = g_strstrip (g_strdup (value));
  char *id = clean;
  gsize len = strlen (id);

  if (len >= 2 && id[0] == '<' && id[len - 1] == '>')
    {
      id[len - 1] = '\0';
      id++;
    }
  if (id[0] == '\0' || strlen (id) > 900 || strchr (id, '@') == NULL)
    return NULL;
  for (const char *p = id; *p != '\0'; p++)
    if ((guchar) *p <= 0x20 || *p == 0x7f || strchr ("<>\"\\", *p) != NULL)
      return NULL;

  return g_strdup (id);
}

static void
note_ignored (GPtrArray  *names,
              const char *name)
{
  g_autofree char *lower = g_utf8_strdown (name, -1);
  g_autofree char *clean = _petrel_mime_clean_line (lower, 64);

  if (clean[0] == '\0')
    return;

  for (guint i = 0; i < names->len; i++)
    if (strcmp (g_ptr_array_index (names, i), clean) == 0)
      return;
  g_ptr_array_add (names, g_steal_pointer (&clean));
}

/**
 * petrel_mailto_parse:
 * @uri: a mailto: URI as a browser or the desktop hands it over
 * @error: return location for a %PETREL_MIME_ERROR_PARSE error
 *
 * Takes a mailto: link apart (RFC 6068). Repeated to, cc and bcc fields add up; the last
 * subject, body and in-reply-to win. `attach`, `attachment` and every other header are
 * ignored and reported in #PetrelMailto.ignored. The addresses are not validated here (the
 * composer shows and checks them).
 *
 * Returns: (transfer full): the fields, or %NULL with @error set when @uri is not a mailto:
 *   URI or its escapes do not decode to UTF-8
 */
PetrelMailto *
petrel_mailto_parse (const char  *uri,
                     GError     **error)
{
  g_autoptr(PetrelMailto) mailto = NULL;
  g_autoptr(GString) to = g_string_new (NULL);
  g_autoptr(GString) cc = g_string_new (NULL);
  g_autoptr(GString) bcc = g_string_new (NULL);
  g_autoptr(GPtrArray) ignored = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) fields = NULL;
  g_autofree char *path = NULL;
  const char *rest;
  const char *query;

  g_return_val_if_fail (uri != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_ascii_strncasecmp (uri, "mailto:", 7) != 0)
    {
      g_set_error_literal (error, PETREL_MIME_ERROR, PETREL_MIME_ERROR_PARSE,
                           _("This is not a mailto: link"));
      return NULL;
    }
  if (strlen (uri) > MAX_URI_BYTES)
    {
      g_set_error_literal (error, PETREL_MIME_ERROR, PETREL_MIME_ERROR_PARSE,
                           _("The mail link is too long"));
      return NULL;
    }

  mailto = g_new0 (PetrelMailto, 1);
  rest = uri + 7;
  query = strchr (rest, '?');

  /* A fragment is not part of a mailto: URI; a browser may still pass one. */
  {
    const char *hash = strchr (rest, '#');
    gsize path_len = query != NULL ? (gsize) (query - rest) : strlen (rest);
    g_autofree char *decoded = NULL;

    if (hash != NULL && (query == NULL || hash < query))
      path_len = hash - rest;
    decoded = percent_decode (rest, path_len, "address", error);
    if (decoded == NULL)
      return NULL;
    append_addresses (to, decoded);
  }

  if (query != NULL)
    {
      const char *hash = strchr (query, '#');
      g_autofree char *q = hash != NULL ? g_strndup (query + 1, hash - query - 1)
                                        : g_strdup (query + 1);

      fields = g_strsplit (q, "&", -1);
    }

  for (guint i = 0; fields != NULL && fields[i] != NULL; i++)
    {
      const char *eq = strchr (fields[i], '=');
      g_autofree char *name = NULL;
      g_autofree char *value = NULL;

      if (fields[i][0] == '\0')
        continue;
      name = percent_decode (fields[i], eq != NULL ? (gsize) (eq - fields[i]) : strlen (fields[i]),
                             "field name", error);
      if (name == NULL)
        return NULL;
      value = percent_decode (eq != NULL ? eq + 1 : "", eq != NULL ? strlen (eq + 1) : 0,
                              name[0] != '\0' && strlen (name) < 32 && g_str_is_ascii (name)
                                ? name : "field", error);
      if (value == NULL)
        return NULL;

      if (g_ascii_strcasecmp (name, "to") == 0)
        append_addresses (to, value);
      else if (g_ascii_strcasecmp (name, "cc") == 0)
        append_addresses (cc, value);
      else if (g_ascii_strcasecmp (name, "bcc") == 0)
        append_addresses (bcc, value);
      else if (g_ascii_strcasecmp (name, "subject") == 0)
        {
          g_free (mailto->subject);
          mailto->subject = _petrel_mime_clean_line (value, PETREL_MIME_MAX_FIELD_BYTES);
        }
      else if (g_ascii_strcasecmp (name, "body") == 0)
        {
          g_free (mailto->body);
          mailto->body = _petrel_mime_normalize_newlines (value, strlen (value));
        }
      else if (g_ascii_strcasecmp (name, "in-reply-to") == 0)
        {
          g_autofree char *id = parse_message_id (value);

          if (id != NULL)
            {
              g_free (mailto->in_reply_to);
              mailto->in_reply_to = g_steal_pointer (&id);
            }
          else
            {
              mailto->ignored |= PETREL_MAILTO_IGNORED_HEADER;
              note_ignored (ignored, name);
            }
        }
      else if (g_ascii_strcasecmp (name, "attach") == 0 ||
               g_ascii_strcasecmp (name, "attachment") == 0)
        {
          mailto->ignored |= PETREL_MAILTO_IGNORED_ATTACHMENT;
          note_ignored (ignored, name);
        }
      else
        {
          mailto->ignored |= PETREL_MAILTO_IGNORED_HEADER;
          note_ignored (ignored, name);
        }
    }

  mailto->to = g_string_free (g_steal_pointer (&to), FALSE);
  mailto->cc = g_string_free (g_steal_pointer (&cc), FALSE);
  mailto->bcc = g_string_free (g_steal_pointer (&bcc), FALSE);
  if (mailto->subject == NULL)
    mailto->subject = g_strdup ("");
  if (mailto->body == NULL)
    mailto->body = g_strdup ("");
  g_ptr_array_add (ignored, NULL);
  mailto->ignored_names = (GStrv) g_ptr_array_free (g_steal_pointer (&ignored), FALSE);

  return g_steal_pointer (&mailto);
}

/**
 * petrel_mailto_copy:
 * @self: parsed mailto: fields
 *
 * Returns: (transfer full): a copy
 */
PetrelMailto *
petrel_mailto_copy (const PetrelMailto *self)
{
  PetrelMailto *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (PetrelMailto, 1);
  copy->to = g_strdup (self->to);
  copy->cc = g_strdup (self->cc);
  copy->bcc = g_strdup (self->bcc);
  copy->subject = g_strdup (self->subject);
  copy->body = g_strdup (self->body);
  copy->in_reply_to = g_strdup (self->in_reply_to);
  copy->ignored = self->ignored;
  copy->ignored_names = g_strdupv (self->ignored_names);

  return copy;
}

void
petrel_mailto_free (PetrelMailto *self)
{
  if (self == NULL)
    return;

  g_free (self->to);
  g_free (self->cc);
  g_free (self->bcc);
  g_free (self->subject);
  g_free (self->body);
  g_free (self->in_reply_to);
  g_strfreev (self->ignored_names);
  g_free (self);
}
