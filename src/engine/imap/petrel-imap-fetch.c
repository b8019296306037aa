/* petrel-imap-fetch.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include "imap/petrel-imap-fetch.h"
#include "imap/petrel-imap-private.h"

/* Bodies nest at most as deep as the parser's lists (each level is at least one list), so this
 * recursion is bounded by the parser's depth limit; the explicit cap is a second fence. */
#define MAX_BODY_DEPTH 1024

static inline gpointer
arena_zalloc (PetrelImapArena *arena,
              gsize            size)
{
  gpointer p = _petrel_imap_arena_alloc (arena, size);

  memset (p, 0, size);
  return p;
}

/* @s lower-cased: @s itself if it has no upper-case letter (it lives in the same arena). */
static const char *
arena_lower (PetrelImapArena *arena,
             const char      *s)
{
  gsize len, first;
  char *out;

  for (first = 0; s[first] != '\0'; first++)
    if (s[first] >= 'A' && s[first] <= 'Z')
      break;
  if (s[first] == '\0')
    return s;

  len = first + strlen (s + first);
  out = _petrel_imap_arena_strndup (arena, s, len);
  for (gsize i = first; i < len; i++)
    if (out[i] >= 'A' && out[i] <= 'Z')
      out[i] += 'a' - 'A';
  return out;
}

/* ASCII case-insensitive equality with a fast path for the usual exact spelling. */
static inline gboolean
name_is (const char *name,
         const char *upper)
{
  return strcmp (name, upper) == 0 || g_ascii_strcasecmp (name, upper) == 0;
}

/* nstring: a string (or, leniently, an atom/number); NULL for NIL, lists and file-backed ones. */
static inline const char *
nstring (const PetrelImapValue *value)
{
  return _petrel_imap_value_text (value);
}

static guint64
number_or_zero (const PetrelImapValue *value)
{
  guint64 n = 0;

  _petrel_imap_value_number (value, &n);
  return n;
}

/* ------------------------------------------------------------------------------------------ */
/* Dates                                                                                       */

static gint64
days_from_civil (gint64 y,
                 guint  m,
                 guint  d)
{
  gint64 era;
  guint yoe, doy, doe;

  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = (guint) (y - era * 400);
  doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (gint64) doe - 719468;
}

static gboolean
parse_digits (const char **p,
              guint        min,
              guint        max,
              guint       *out)
{
  guint n = 0, count = 0;

  while (g_ascii_isdigit (**p) && count < max)
    {
      n = n * 10 + (guint) (**p - '0');
      (*p)++;
      count++;
    }
  if (count < min)
    return FALSE;
  *out = n;
  return TRUE;
}

gboolean
petrel_imap_parse_date_time (const char *text,
                             gint64     *unix_time,
                             gint       *offset)
{
  static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";
  static const guint8 month_days[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
  const char *p = text;
  guint day, month = 0, year, hour, minute, second, zh, zm;
  gboolean leap;
  int sign;

  g_return_val_if_fail (text != NULL, FALSE);

  if (*p == ' ')
    p++;
  if (!parse_digits (&p, 1, 2, &day) || *p++ != '-')
    return FALSE;
  for (guint i = 0; i < 12; i++)
    if (g_ascii_strncasecmp (p, months + i * 3, 3) == 0)
      {
        month = i + 1;
        break;
      }
  if (month == 0)
    return FALSE;
  p += 3;
  if (*p++ != '-' || !parse_digits (&p, 4, 4, &year) || *p++ != ' ' ||
      !parse_digits (&p, 2, 2, &hour) || *p++ != ':' ||
      !parse_digits (&p, 2, 2, &minute) || *p++ != ':' ||
      !parse_digits (&p, 2, 2, &second) || *p++ != ' ')
    return FALSE;
  if (*p == '+')
    sign = 1;
  else if (*p == '-')
    sign = -1;
  else
    return FALSE;
  p++;
  if (!parse_digits (&p, 2, 2, &zh) || !parse_digits (&p, 2, 2, &zm) || *p != '\0')
    return FALSE;

  leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (day < 1 || day > month_days[month - 1] || (month == 2 && day == 29 && !leap) ||
      hour > 23 || minute > 59 || second > 60 || zh > 23 || zm > 59)
    return FALSE;

  if (offset != NULL)
    *offset = sign * (int) (zh * 3600 + zm * 60);
  if (unix_time != NULL)
    *unix_time = days_from_civil (year, month, day) * 86400 + hour * 3600 + minute * 60 +
                 MIN (second, 59) - sign * (gint64) (zh * 3600 + zm * 60);
  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* ENVELOPE                                                                                    */

static gboolean
decode_addresses (PetrelImapArena          *arena,
                  const PetrelImapValue    *value,
                  const PetrelImapAddress **out,
                  guint                    *n_out)
{
  PetrelImapAddress *addrs;
  guint n = 0;

  *out = NULL;
  *n_out = 0;
  if (value->type == PETREL_IMAP_VALUE_NIL)
    return TRUE;
  if (value->type != PETREL_IMAP_VALUE_LIST)
    return FALSE;
  if (value->length == 0)
    return TRUE;

  addrs = _petrel_imap_arena_alloc (arena, value->length * sizeof (PetrelImapAddress));
  for (guint i = 0; i < value->length; i++)
    {
      const PetrelImapValue *a = &value->u.children[i];
      PetrelImapAddress *addr = &addrs[n];

      if (a->type != PETREL_IMAP_VALUE_LIST || a->length != 4)
        return FALSE;
      addr->name = nstring (&a->u.children[0]);
      addr->adl = nstring (&a->u.children[1]);
      addr->mailbox = nstring (&a->u.children[2]);
      addr->host = nstring (&a->u.children[3]);
      if (addr->host != NULL)
        addr->kind = PETREL_IMAP_ADDRESS_MAILBOX;
      else if (addr->mailbox != NULL)
        addr->kind = PETREL_IMAP_ADDRESS_GROUP_START;
      else
        addr->kind = PETREL_IMAP_ADDRESS_GROUP_END;
      n++;
    }
  *out = addrs;
  *n_out = n;
  return TRUE;
}

static const PetrelImapEnvelope *
decode_envelope (PetrelImapArena       *arena,
                 const PetrelImapValue *value)
{
  PetrelImapEnvelope *env;
  const PetrelImapValue *f;

  if (value->type != PETREL_IMAP_VALUE_LIST || value->length < 10)
    return NULL;
  f = value->u.children;

  env = arena_zalloc (arena, sizeof *env);
  env->date = nstring (&f[0]);
  env->subject = nstring (&f[1]);
  if (!decode_addresses (arena, &f[2], &env->from, &env->n_from) ||
      !decode_addresses (arena, &f[3], &env->sender, &env->n_sender) ||
      !decode_addresses (arena, &f[4], &env->reply_to, &env->n_reply_to) ||
      !decode_addresses (arena, &f[5], &env->to, &env->n_to) ||
      !decode_addresses (arena, &f[6], &env->cc, &env->n_cc) ||
      !decode_addresses (arena, &f[7], &env->bcc, &env->n_bcc))
    return NULL;
  env->in_reply_to = nstring (&f[8]);
  env->message_id = nstring (&f[9]);
  return env;
}

/* ------------------------------------------------------------------------------------------ */
/* BODYSTRUCTURE                                                                               */

static void
decode_params (PetrelImapArena        *arena,
               const PetrelImapValue  *value,
               const PetrelImapParam **out,
               guint                  *n_out)
{
  PetrelImapParam *params;
  guint n = 0;

  *out = NULL;
  *n_out = 0;
  if (value == NULL || value->type != PETREL_IMAP_VALUE_LIST || value->length < 2)
    return;

  params = _petrel_imap_arena_alloc (arena, (value->length / 2) * sizeof (PetrelImapParam));
  for (guint i = 0; i + 1 < value->length; i += 2)
    {
      const char *name = nstring (&value->u.children[i]);
      const char *val = nstring (&value->u.children[i + 1]);

      if (name == NULL || val == NULL)
        continue;
      params[n].name = arena_lower (arena, name);
      params[n].value = val;
      n++;
    }
  *out = params;
  *n_out = n;
}

/* Extension data shared by both kinds: body-fld-dsp body-fld-lang body-fld-loc, from @index. */
static void
decode_extensions (PetrelImapArena       *arena,
                   const PetrelImapValue *list,
                   guint                  index,
                   PetrelImapBodyPart    *part)
{
  const PetrelImapValue *dsp = _petrel_imap_value_child (list, index);
  const PetrelImapValue *lang = _petrel_imap_value_child (list, index + 1);
  const PetrelImapValue *loc = _petrel_imap_value_child (list, index + 2);

  if (dsp != NULL)
    {
      if (dsp->type == PETREL_IMAP_VALUE_LIST && dsp->length >= 1)
        {
          const char *type = nstring (&dsp->u.children[0]);

          if (type != NULL)
            part->disposition = arena_lower (arena, type);
          decode_params (arena, _petrel_imap_value_child (dsp, 1),
                         &part->disposition_params, &part->n_disposition_params);
        }
      else if (nstring (dsp) != NULL)
        {
          /* Some servers send a bare string. */
          part->disposition = arena_lower (arena, nstring (dsp));
        }
    }

  if (lang != NULL)
    {
      const char **langs = NULL;
      guint n = 0;

      if (lang->type == PETREL_IMAP_VALUE_LIST)
        {
          langs = _petrel_imap_arena_alloc (arena, (lang->length + 1) * sizeof (char *));
          for (guint i = 0; i < lang->length; i++)
            if (nstring (&lang->u.children[i]) != NULL)
              langs[n++] = nstring (&lang->u.children[i]);
          langs[n] = NULL;
        }
      else if (nstring (lang) != NULL)
        {
          langs = _petrel_imap_arena_alloc (arena, 2 * sizeof (char *));
          langs[n++] = nstring (lang);
          langs[n] = NULL;
        }
      part->languages = langs;
      part->n_languages = n;
    }

  part->location = nstring (loc);
}

static const char *
child_section (PetrelImapArena *arena,
               const char      *section,
               guint            index)
{
  gsize len = strlen (section);
  char digits[16];
  guint n = 0;
  char *out, *p;

  do
    {
      digits[n++] = (char) ('0' + index % 10);
      index /= 10;
    }
  while (index > 0);

  out = _petrel_imap_arena_alloc (arena, len + 1 + n + 1);
  memcpy (out, section, len);
  p = out + len;
  if (len > 0)
    *p++ = '.';
  while (n > 0)
    *p++ = digits[--n];
  *p = '\0';
  return out;
}

static gboolean
is_multipart_value (const PetrelImapValue *value)
{
  return value->type == PETREL_IMAP_VALUE_LIST && value->length > 0 &&
         value->u.children[0].type == PETREL_IMAP_VALUE_LIST;
}

static const PetrelImapBodyPart *
decode_body (PetrelImapArena          *arena,
             const PetrelImapValue    *value,
             const PetrelImapBodyPart *parent,
             const char               *section,
             guint                     depth)
{
  PetrelImapBodyPart *part;
  const PetrelImapValue *f;
  const char *type, *subtype;
  guint idx;

  if (value->type != PETREL_IMAP_VALUE_LIST || value->length == 0 || depth > MAX_BODY_DEPTH)
    return NULL;
  f = value->u.children;

  part = arena_zalloc (arena, sizeof *part);
  part->parent = parent;
  part->section = section;

  if (f[0].type == PETREL_IMAP_VALUE_LIST)
    {
      /* body-type-mpart: 1*body SP media-subtype [SP body-ext-mpart] */
      const PetrelImapBodyPart **children;
      guint n = 0, n_parts = 0;

      while (n < value->length && f[n].type == PETREL_IMAP_VALUE_LIST)
        n++;
      children = _petrel_imap_arena_alloc (arena, n * sizeof (PetrelImapBodyPart *));
      for (guint i = 0; i < n; i++)
        {
          const PetrelImapBodyPart *child;

          child = decode_body (arena, &f[i], part, child_section (arena, section, i + 1),
                               depth + 1);
          if (child == NULL)
            return NULL;
          children[n_parts++] = child;
        }
      part->children = children;
      part->n_children = n_parts;
      part->type = "multipart";
      subtype = nstring (_petrel_imap_value_child (value, n));
      part->subtype = subtype != NULL ? arena_lower (arena, subtype) : "mixed";
      decode_params (arena, _petrel_imap_value_child (value, n + 1), &part->params,
                     &part->n_params);
      decode_extensions (arena, value, n + 2, part);
      return part;
    }

  /* body-type-1part: type subtype params id description encoding size ... */
  if (value->length < 7)
    return NULL;
  type = nstring (&f[0]);
  subtype = nstring (&f[1]);
  if (type == NULL || subtype == NULL)
    return NULL;
  part->type = arena_lower (arena, type);
  part->subtype = arena_lower (arena, subtype);
  decode_params (arena, &f[2], &part->params, &part->n_params);
  part->id = nstring (&f[3]);
  part->description = nstring (&f[4]);
  if (nstring (&f[5]) != NULL)
    part->encoding = arena_lower (arena, nstring (&f[5]));
  part->size = number_or_zero (&f[6]);
  idx = 7;

  if (strcmp (part->type, "text") == 0)
    {
      part->lines = number_or_zero (_petrel_imap_value_child (value, 7));
      idx = 8;
    }
  else if (strcmp (part->type, "message") == 0 &&
           (strcmp (part->subtype, "rfc822") == 0 || strcmp (part->subtype, "global") == 0) &&
           value->length >= 10 && f[7].type == PETREL_IMAP_VALUE_LIST && f[7].length >= 10 &&
           f[8].type == PETREL_IMAP_VALUE_LIST)
    {
      const char *inner = is_multipart_value (&f[8]) ? section : child_section (arena, section, 1);

      part->envelope = decode_envelope (arena, &f[7]);
      part->body = decode_body (arena, &f[8], part, inner, depth + 1);
      part->lines = number_or_zero (&f[9]);
      idx = 10;
    }

  /* body-ext-1part: md5 [dsp [lang [loc *ext]]] */
  part->md5 = nstring (_petrel_imap_value_child (value, idx));
  decode_extensions (arena, value, idx + 1, part);
  return part;
}

/* ------------------------------------------------------------------------------------------ */
/* FETCH                                                                                       */

static gboolean
is_section_item (const char *name)
{
  if (name[0] != 'B' && name[0] != 'b' && name[0] != 'R' && name[0] != 'r')
    return FALSE;
  return g_ascii_strncasecmp (name, "BODY[", 5) == 0 ||
         g_ascii_strncasecmp (name, "BINARY[", 7) == 0 ||
         g_ascii_strncasecmp (name, "BINARY.SIZE[", 12) == 0 ||
         g_ascii_strcasecmp (name, "RFC822") == 0 ||
         g_ascii_strcasecmp (name, "RFC822.HEADER") == 0 ||
         g_ascii_strcasecmp (name, "RFC822.TEXT") == 0;
}

static gboolean
decode_section (PetrelImapArena        *arena,
                const char             *name,
                PetrelImapValue        *value,
                PetrelImapFetchSection *out)
{
  const char *open = strchr (name, '[');
  const char *close;
  const char *rest;

  memset (out, 0, sizeof *out);
  out->section = "";

  if (open == NULL)
    {
      if (g_ascii_strcasecmp (name, "RFC822") == 0)
        out->kind = PETREL_IMAP_SECTION_RFC822;
      else if (g_ascii_strcasecmp (name, "RFC822.HEADER") == 0)
        out->kind = PETREL_IMAP_SECTION_RFC822_HEADER;
      else
        out->kind = PETREL_IMAP_SECTION_RFC822_TEXT;
      rest = "";
    }
  else
    {
      if (g_ascii_strncasecmp (name, "BODY[", 5) == 0)
        out->kind = PETREL_IMAP_SECTION_BODY;
      else if (g_ascii_strncasecmp (name, "BINARY[", 7) == 0)
        out->kind = PETREL_IMAP_SECTION_BINARY;
      else
        out->kind = PETREL_IMAP_SECTION_BINARY_SIZE;
      close = strchr (open, ']');
      if (close == NULL)
        return FALSE;
      out->section = _petrel_imap_arena_strndup (arena, open + 1, (gsize) (close - open - 1));
      rest = close + 1;
    }

  if (*rest == '<')
    {
      guint64 origin = 0;
      const char *p = rest + 1;

      if (!g_ascii_isdigit (*p))
        return FALSE;
      while (g_ascii_isdigit (*p))
        {
          guint d = (guint) (*p - '0');

          if (origin > (G_MAXUINT64 - d) / 10)
            return FALSE;
          origin = origin * 10 + d;
          p++;
        }
      if (*p != '>' || p[1] != '\0')
        return FALSE;
      out->has_origin = TRUE;
      out->origin = origin;
    }
  else if (*rest != '\0')
    {
      return FALSE;
    }

  if (out->kind == PETREL_IMAP_SECTION_BINARY_SIZE)
    {
      if (!_petrel_imap_value_number (value, &out->size))
        return FALSE;
      out->value = NULL;
      return TRUE;
    }

  if (value->type != PETREL_IMAP_VALUE_STRING && value->type != PETREL_IMAP_VALUE_NIL)
    return FALSE;
  out->value = value;
  out->size = petrel_imap_value_get_size (value);
  return TRUE;
}

/* `MODSEQ (123)`, `EMAILID (M1)`: a one-element list. */
static const PetrelImapValue *
single_in_list (const PetrelImapValue *value)
{
  if (value->type != PETREL_IMAP_VALUE_LIST || value->length != 1)
    return NULL;
  return &value->u.children[0];
}

const PetrelImapFetch *
petrel_imap_response_get_fetch (PetrelImapResponse *response,
                                GError            **error)
{
  PetrelImapArena *arena;
  PetrelImapFetch *fetch;
  const PetrelImapValue *items;
  PetrelImapFetchSection *sections = NULL;
  guint n_sections = 0;

  g_return_val_if_fail (response != NULL, NULL);

  if (response->fetch != NULL)
    return response->fetch;

  items = _petrel_imap_value_child (response->data, 0);
  if (response->type != PETREL_IMAP_RESPONSE_TYPE_FETCH || response->data->length != 1 ||
      items->type != PETREL_IMAP_VALUE_LIST || items->length % 2 != 0)
    {
      g_set_error_literal (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_PARSE,
                           _("The server sent a malformed FETCH response"));
      return NULL;
    }

  arena = &response->arena;
  fetch = arena_zalloc (arena, sizeof *fetch);
  fetch->seq = response->number;

  for (guint i = 0; i < items->length; i += 2)
    {
      const char *name = petrel_imap_value_get_atom (&items->u.children[i]);

      if (name != NULL && is_section_item (name))
        n_sections++;
    }
  if (n_sections > 0)
    sections = _petrel_imap_arena_alloc (arena, n_sections * sizeof (PetrelImapFetchSection));
  fetch->sections = sections;

  for (guint i = 0; i < items->length; i += 2)
    {
      const char *name = petrel_imap_value_get_atom (&items->u.children[i]);
      PetrelImapValue *value = &items->u.children[i + 1];
      const PetrelImapValue *inner;
      const char *text;
      guint64 n;

      if (name == NULL)
        continue;

      switch (g_ascii_toupper (name[0]))
        {
        case 'U':
          if (name_is (name, "UID") && _petrel_imap_value_number (value, &n) &&
              n > 0 && n <= G_MAXUINT32)
            {
              fetch->uid = (guint32) n;
              fetch->items |= PETREL_IMAP_FETCH_UID;
            }
          break;

        case 'F':
          if (name_is (name, "FLAGS") && value->type == PETREL_IMAP_VALUE_LIST)
            {
              const char **flags = _petrel_imap_arena_alloc (arena,
                                                             (value->length + 1) * sizeof (char *));
              guint nf = 0;

              for (guint j = 0; j < value->length; j++)
                {
                  const char *flag = petrel_imap_value_get_atom (&value->u.children[j]);

                  if (flag != NULL)
                    flags[nf++] = flag;
                }
              flags[nf] = NULL;
              fetch->flags = flags;
              fetch->n_flags = nf;
              fetch->items |= PETREL_IMAP_FETCH_FLAGS;
            }
          break;

        case 'I':
          if (name_is (name, "INTERNALDATE") && (text = nstring (value)) != NULL &&
              petrel_imap_parse_date_time (text, &fetch->internaldate,
                                           &fetch->internaldate_offset))
            fetch->items |= PETREL_IMAP_FETCH_INTERNALDATE;
          break;

        case 'E':
          if (name_is (name, "ENVELOPE"))
            {
              fetch->envelope = decode_envelope (arena, value);
              if (fetch->envelope != NULL)
                fetch->items |= PETREL_IMAP_FETCH_ENVELOPE;
            }
          else if (name_is (name, "EMAILID") &&
                   (inner = single_in_list (value)) != NULL &&
                   (text = nstring (inner)) != NULL)
            {
              fetch->emailid = text;
              fetch->items |= PETREL_IMAP_FETCH_EMAILID;
            }
          break;

        case 'T':
          if (name_is (name, "THREADID"))
            {
              if (value->type == PETREL_IMAP_VALUE_NIL)
                fetch->items |= PETREL_IMAP_FETCH_THREADID;
              else if ((inner = single_in_list (value)) != NULL && (text = nstring (inner)) != NULL)
                {
                  fetch->threadid = text;
                  fetch->items |= PETREL_IMAP_FETCH_THREADID;
                }
            }
          break;

        case 'M':
          if (name_is (name, "MODSEQ") &&
              (inner = single_in_list (value)) != NULL &&
              _petrel_imap_value_number (inner, &fetch->modseq))
            fetch->items |= PETREL_IMAP_FETCH_MODSEQ;
          break;

        case 'S':
          if (name_is (name, "SAVEDATE") && (text = nstring (value)) != NULL &&
              petrel_imap_parse_date_time (text, &fetch->savedate, NULL))
            fetch->items |= PETREL_IMAP_FETCH_SAVEDATE;
          break;

        case 'R':
          if (name_is (name, "RFC822.SIZE"))
            {
              if (_petrel_imap_value_number (value, &fetch->rfc822_size))
                fetch->items |= PETREL_IMAP_FETCH_RFC822_SIZE;
              break;
            }
          G_GNUC_FALLTHROUGH;
        case 'B':
          if (name_is (name, "BODYSTRUCTURE") ||
              name_is (name, "BODY"))
            {
              const char *top = is_multipart_value (value) ? "" : "1";

              fetch->body = decode_body (arena, value, NULL, top, 0);
              if (fetch->body != NULL)
                fetch->items |= PETREL_IMAP_FETCH_BODYSTRUCTURE;
            }
          else if (is_section_item (name) &&
                   decode_section (arena, name, value, &sections[fetch->n_sections]))
            {
              fetch->n_sections++;
              fetch->items |= PETREL_IMAP_FETCH_SECTIONS;
            }
          break;

        default:
          /* Unknown items (X-GM-*, PREVIEW, ...) are skipped. */
          break;
        }
    }

  response->fetch = fetch;
  return fetch;
}

GDateTime *
petrel_imap_fetch_dup_internaldate (const PetrelImapFetch *fetch)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GTimeZone) tz = NULL;

  g_return_val_if_fail (fetch != NULL, NULL);

  if (!(fetch->items & PETREL_IMAP_FETCH_INTERNALDATE))
    return NULL;
  utc = g_date_time_new_from_unix_utc (fetch->internaldate);
  tz = g_time_zone_new_offset (fetch->internaldate_offset);
  if (utc == NULL || tz == NULL)
    return NULL;
  return g_date_time_to_timezone (utc, tz);
}

gboolean
petrel_imap_fetch_has_flag (const PetrelImapFetch *fetch,
                            const char            *flag)
{
  g_return_val_if_fail (fetch != NULL, FALSE);
  g_return_val_if_fail (flag != NULL, FALSE);

  for (guint i = 0; i < fetch->n_flags; i++)
    if (g_ascii_strcasecmp (fetch->flags[i], flag) == 0)
      return TRUE;
  return FALSE;
}

const PetrelImapFetchSection *
petrel_imap_fetch_find_section (const PetrelImapFetch  *fetch,
                                PetrelImapSectionKind   kind,
                                const char             *section)
{
  g_return_val_if_fail (fetch != NULL, NULL);
  g_return_val_if_fail (section != NULL, NULL);

  for (guint i = 0; i < fetch->n_sections; i++)
    if (fetch->sections[i].kind == kind &&
        g_ascii_strcasecmp (fetch->sections[i].section, section) == 0)
      return &fetch->sections[i];
  return NULL;
}

const char *
petrel_imap_body_part_get_param (const PetrelImapBodyPart *part,
                                 const char               *name)
{
  g_return_val_if_fail (part != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i < part->n_params; i++)
    if (g_ascii_strcasecmp (part->params[i].name, name) == 0)
      return part->params[i].value;
  return NULL;
}

gboolean
petrel_imap_body_part_is (const PetrelImapBodyPart *part,
                          const char               *type,
                          const char               *subtype)
{
  g_return_val_if_fail (part != NULL, FALSE);
  g_return_val_if_fail (type != NULL, FALSE);

  return g_ascii_strcasecmp (part->type, type) == 0 &&
         (subtype == NULL || g_ascii_strcasecmp (part->subtype, subtype) == 0);
}
