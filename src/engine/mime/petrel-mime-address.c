/* petrel-mime-address.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include <gio/gio.h>

#include "petrel-mime-address.h"
#include "petrel-mime-decode.h"
#include "petrel-mime-error.h"
#include "petrel-mime-private.h"

G_DEFINE_BOXED_TYPE (PetrelMimeAddress, petrel_mime_address,
                     petrel_mime_address_copy, petrel_mime_address_free)

/* UW-IMAP and others put this in ENVELOPE when an address had no domain. */
#define MISSING_HOST_NAME ".MISSING-HOST-NAME."

static char *
clean_name (const char *name,
            const char *address)
{
  g_autofree char *clean = NULL;
  gsize len;

  if (name == NULL)
    return NULL;

  clean = _petrel_mime_clean_line (name, PETREL_MIME_MAX_FIELD_BYTES);

  /* '"ann@example.org" <ann@example.org>' and 'Ann <>' style names add nothing. */
  len = strlen (clean);
  if (len >= 2 && ((clean[0] == '"' && clean[len - 1] == '"') ||
                   (clean[0] == '\'' && clean[len - 1] == '\'')))
    {
      memmove (clean, clean + 1, len - 2);
      clean[len - 2] = '\0';
    }
  if (clean[0] == '\0' || (address != NULL && g_ascii_strcasecmp (clean, address) == 0))
    return NULL;

  return g_steal_pointer (&clean);
}

/**
 * petrel_mime_address_new:
 * @name: (nullable): the display name
 * @address: (nullable): the address
 *
 * Creates an address from already decoded parts; both are repaired to valid UTF-8 and
 * control characters are removed. An empty name (or one equal to the address) becomes %NULL.
 *
 * Returns: (transfer full): a new #PetrelMimeAddress
 */
PetrelMimeAddress *
petrel_mime_address_new (const char *name,
                         const char *address)
{
  PetrelMimeAddress *self = g_new0 (PetrelMimeAddress, 1);
  g_autofree char *addr = _petrel_mime_clean_line (address, PETREL_MIME_MAX_FIELD_BYTES);
  char *space;

  /* An address has no spaces; what cleaning left of folded white space goes. */
  while ((space = strchr (addr, ' ')) != NULL)
    memmove (space, space + 1, strlen (space));

  self->name = clean_name (name, addr);
  self->address = g_steal_pointer (&addr);

  return self;
}

PetrelMimeAddress *
petrel_mime_address_copy (const PetrelMimeAddress *self)
{
  PetrelMimeAddress *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (PetrelMimeAddress, 1);
  copy->name = g_strdup (self->name);
  copy->address = g_strdup (self->address);

  return copy;
}

void
petrel_mime_address_free (PetrelMimeAddress *self)
{
  if (self == NULL)
    return;

  g_free (self->name);
  g_free (self->address);
  g_free (self);
}

/**
 * petrel_mime_address_to_display:
 * @self: an address
 *
 * Returns: (transfer full): `Ann Lee <ann@example.org>`, or just the address without a name;
 *   a name with a comma or other address punctuation is quoted: `"Lee, Ann" <ann@example.org>`
 */
char *
petrel_mime_address_to_display (const PetrelMimeAddress *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (self->name == NULL)
    return g_strdup (self->address);
  if (self->address[0] == '\0')
    return g_strdup (self->name);

  /* "Lee, Ann" is quoted so that a list of addresses still reads unambiguously. */
  if (strpbrk (self->name, ",;<>@\"") != NULL)
    {
      GString *quoted = g_string_new ("\"");

      for (const char *p = self->name; *p != '\0'; p++)
        {
          if (*p == '"' || *p == '\\')
            g_string_append_c (quoted, '\\');
          g_string_append_c (quoted, *p);
        }
      g_string_append_printf (quoted, "\" <%s>", self->address);
      return g_string_free (quoted, FALSE);
    }

  return g_strdup_printf ("%s <%s>", self->name, self->address);
}

static char *
host_to_display (const char *host)
{
  g_autofree char *clean = _petrel_mime_clean_line (host, 1024);

  if (g_hostname_is_ascii_encoded (clean))
    {
      char *unicode = g_hostname_to_unicode (clean);

      if (unicode != NULL && g_utf8_validate (unicode, -1, NULL))
        return unicode;
      g_free (unicode);
    }

  return g_steal_pointer (&clean);
}

/**
 * petrel_mime_address_new_from_envelope:
 * @name: (nullable): the personal name of an IMAP ENVELOPE address, still RFC 2047 encoded
 * @mailbox: (nullable): the mailbox (local part)
 * @host: (nullable): the host (domain)
 *
 * Decodes one address of an IMAP ENVELOPE structure. RFC 3501 marks the start of a group
 * with a %NULL @host and its end with %NULL @mailbox and @host; for those markers this
 * returns %NULL and the caller skips them.
 *
 * Returns: (transfer full) (nullable): the address, or %NULL for a group marker
 */
PetrelMimeAddress *
petrel_mime_address_new_from_envelope (const char *name,
                                       const char *mailbox,
                                       const char *host)
{
  g_autofree char *decoded_name = NULL;
  g_autofree char *local = NULL;
  g_autofree char *address = NULL;

  if (host == NULL)
    return NULL;

  decoded_name = petrel_mime_decode_header_text (name);
  local = _petrel_mime_clean_line (mailbox, PETREL_MIME_MAX_FIELD_BYTES);

  if (g_ascii_strcasecmp (host, MISSING_HOST_NAME) == 0 || host[0] == '\0')
    address = g_steal_pointer (&local);
  else
    {
      g_autofree char *domain = host_to_display (host);

      address = g_strdup_printf ("%s@%s", local, domain);
    }

  return petrel_mime_address_new (decoded_name, address);
}

static gboolean
is_atext (guchar c)
{
  return g_ascii_isalnum (c) || c >= 0x80 || strchr ("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

static gboolean
validate_local_part (const char *local,
                     gsize       length)
{
  if (length == 0 || length > 64)
    return FALSE;

  if (local[0] == '"')
    {
      if (length < 2 || local[length - 1] != '"')
        return FALSE;
      for (gsize i = 1; i < length - 1; i++)
        {
          guchar c = (guchar) local[i];

          if (c == '\\')
            {
              i++;
              if (i >= length - 1 || (guchar) local[i] < 0x20 || (guchar) local[i] == 0x7F)
                return FALSE;
            }
          else if (c == '"' || c < 0x20 || c == 0x7F)
            return FALSE;
        }
      return TRUE;
    }

  if (local[0] == '.' || local[length - 1] == '.')
    return FALSE;
  for (gsize i = 0; i < length; i++)
    {
      guchar c = (guchar) local[i];

      if (c == '.')
        {
          if (local[i + 1] == '.')
            return FALSE;
        }
      else if (!is_atext (c))
        return FALSE;
    }

  return TRUE;
}

static char *
validate_domain (const char *domain)
{
  g_autofree char *ascii = NULL;
  g_auto(GStrv) labels = NULL;
  gsize length = strlen (domain);

  if (length == 0)
    return NULL;

  if (domain[0] == '[')
    {
      g_autofree char *inner = NULL;
      const char *ip;

      if (domain[length - 1] != ']')
        return NULL;
      inner = g_strndup (domain + 1, length - 2);
      ip = g_str_has_prefix (inner, "IPv6:") ? inner + 5 : inner;
      if (!g_hostname_is_ip_address (ip))
        return NULL;
      return g_strdup (domain);
    }

  /* Reject what IDNA would quietly map (spaces, controls) before asking it. */
  for (const char *p = domain; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (c <= 0x20 || c == 0x7F || strchr ("()<>[]:;@\\,\"", c) != NULL)
        return NULL;
    }

  ascii = g_hostname_to_ascii (domain);
  if (ascii == NULL || strlen (ascii) > 253)
    return NULL;

  labels = g_strsplit (ascii, ".", -1);
  for (guint i = 0; labels[i] != NULL; i++)
    {
      gsize len = strlen (labels[i]);

      if (len == 0 || len > 63 || labels[i][0] == '-' || labels[i][len - 1] == '-')
        return NULL;
      for (gsize j = 0; j < len; j++)
        if (!g_ascii_isalnum (labels[i][j]) && labels[i][j] != '-')
          return NULL;
    }

  return g_ascii_strdown (ascii, -1);
}

/**
 * petrel_mime_address_validate:
 * @address: an address such as `ann@example.org` (no display name, no angle brackets)
 * @ascii_address: (out) (optional) (transfer full): the address with its domain in ASCII
 *   (punycode for an internationalised domain), as SMTP and headers need it
 * @error: return location for a %PETREL_MIME_ERROR_INVALID_ADDRESS error
 *
 * Checks that @address is a plausible Internet address: one local part (a dot-atom, which
 * may contain UTF-8, or a quoted string), an '@', and a valid host name (which may be
 * internationalised) or address literal. White space and control characters are never
 * accepted.
 *
 * Returns: %TRUE if @address is valid
 */
gboolean
petrel_mime_address_validate (const char  *address,
                              char       **ascii_address,
                              GError     **error)
{
  g_autofree char *shown = NULL;
  g_autofree char *domain = NULL;
  const char *at;
  gsize length;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (address == NULL || address[0] == '\0')
    {
      g_set_error_literal (error, PETREL_MIME_ERROR, PETREL_MIME_ERROR_INVALID_ADDRESS,
                           _("The e-mail address is empty"));
      return FALSE;
    }

  shown = _petrel_mime_clean_line (address, 200);
  length = strlen (address);

  if (!g_utf8_validate (address, -1, NULL) || length > 254)
    {
      g_set_error (error, PETREL_MIME_ERROR, PETREL_MIME_ERROR_INVALID_ADDRESS,
                   _("“%s” is not a valid e-mail address"), shown);
      return FALSE;
    }

  at = strrchr (address, '@');
  if (at == NULL)
    {
      g_set_error (error, PETREL_MIME_ERROR, PETREL_MIME_ERROR_INVALID_ADDRESS,
                   _("“%s” is not a valid e-mail address: it has no “@”"), shown);
      return FALSE;
    }

  if (!validate_local_part (address, at - address))
    {
      g_set_error (error, PETREL_MIME_ERROR, PETREL_MIME_ERROR_INVALID_ADDRESS,
                   _("“%s” is not a valid e-mail address: the part before “@” is not valid"),
                   shown);
      return FALSE;
    }

  domain = validate_domain (at + 1);
  if (domain == NULL)
    {
      g_set_error (error, PETREL_MIME_ERROR, PETREL_MIME_ERROR_INVALID_ADDRESS,
                   _("“%s” is not a valid e-mail address: “%s” is not a valid domain"),
                   shown, at + 1);
      return FALSE;
    }

  if (ascii_address != NULL)
    *ascii_address = g_strdup_printf ("%.*s@%s", (int) (at - address), address, domain);

  return TRUE;
}

static void
append_mailboxes (GPtrArray           *result,
                  InternetAddressList *list,
                  int                  depth)
{
  int n = internet_address_list_length (list);

  for (int i = 0; i < n && result->len < PETREL_MIME_MAX_ADDRESSES; i++)
    {
      InternetAddress *ia = internet_address_list_get_address (list, i);

      if (INTERNET_ADDRESS_IS_MAILBOX (ia))
        {
          InternetAddressMailbox *mailbox = INTERNET_ADDRESS_MAILBOX (ia);

          g_ptr_array_add (result,
                           petrel_mime_address_new (internet_address_get_name (ia),
                                                    internet_address_mailbox_get_addr (mailbox)));
        }
      else if (INTERNET_ADDRESS_IS_GROUP (ia) && depth < 4)
        {
          /* Groups are flattened to their members; "undisclosed-recipients:;" gives none. */
          append_mailboxes (result,
                            internet_address_group_get_members (INTERNET_ADDRESS_GROUP (ia)),
                            depth + 1);
        }
    }
}

/**
 * petrel_mime_address_list_parse:
 * @raw: (nullable): a raw address header value (From, To, Cc, Reply-To…)
 *
 * Parses addresses leniently: RFC 2047 names in any charset, raw 8-bit names (UTF-8 or
 * Windows-1252), missing quotes, groups (flattened to their members). At most 1000
 * addresses are kept.
 *
 * Returns: (transfer full) (element-type PetrelMimeAddress): the addresses, never %NULL
 */
GPtrArray *
petrel_mime_address_list_parse (const char *raw)
{
  g_autofree char *prepared = NULL;

  if (raw == NULL)
    return g_ptr_array_new_with_free_func ((GDestroyNotify) petrel_mime_address_free);

  prepared = _petrel_mime_prepare_header (raw);
  return _petrel_mime_address_list_parse_prepared (prepared);
}

/* petrel_mime_address_list_parse() for a value _petrel_mime_prepare_header() already
 * prepared; the summary's address reader falls back to it. */
GPtrArray *
_petrel_mime_address_list_parse_prepared (const char *prepared)
{
  GPtrArray *result = g_ptr_array_new_with_free_func ((GDestroyNotify) petrel_mime_address_free);
  g_autoptr(InternetAddressList) list = NULL;

  list = internet_address_list_parse (_petrel_mime_parser_options (), prepared);
  if (list != NULL)
    append_mailboxes (result, list, 0);

  return result;
}

/**
 * petrel_mime_address_list_to_display:
 * @list: (element-type PetrelMimeAddress): addresses
 *
 * Returns: (transfer full): `Ann Lee <ann@example.org>, bob@example.org`; empty for an empty
 *   list
 */
char *
petrel_mime_address_list_to_display (GPtrArray *list)
{
  GString *out;

  g_return_val_if_fail (list != NULL, NULL);

  out = g_string_new (NULL);

  for (guint i = 0; i < list->len; i++)
    {
      g_autofree char *one = petrel_mime_address_to_display (g_ptr_array_index (list, i));

      if (out->len > 0)
        g_string_append (out, ", ");
      g_string_append (out, one);
    }

  return g_string_free (out, FALSE);
}
