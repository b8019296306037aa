/* petrel-imap-response.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "imap/petrel-imap-private.h"
#include "imap/petrel-imap-utf7.h"

G_DEFINE_BOXED_TYPE (PetrelImapResponse, petrel_imap_response,
                     petrel_imap_response_ref, petrel_imap_response_unref)

#define HEADER_SIZE ((sizeof (PetrelImapResponse) + 7) & ~(gsize) 7)

/* ------------------------------------------------------------------------------------------ */
/* Arena                                                                                       */

gpointer
_petrel_imap_arena_grow (PetrelImapArena *arena,
                         gsize            size)
{
  const gsize chunk_header = (sizeof (PetrelImapArenaChunk) + 7) & ~(gsize) 7;
  gsize chunk_size = MAX (arena->next_size, size);
  PetrelImapArenaChunk *chunk;
  char *data;

  chunk = g_malloc (chunk_header + chunk_size);
  chunk->next = arena->chunks;
  arena->chunks = chunk;
  arena->next_size = MIN (arena->next_size * 2, 4 * 1024 * 1024);

  data = (char *) chunk + chunk_header;
  arena->cur = data + size;
  arena->end = data + chunk_size;
  return data;
}

void
_petrel_imap_arena_clear (PetrelImapArena *arena)
{
  while (arena->chunks != NULL)
    {
      PetrelImapArenaChunk *next = arena->chunks->next;

      g_free (arena->chunks);
      arena->chunks = next;
    }
  arena->cur = arena->end = NULL;
}

const char *
_petrel_imap_arena_sanitize (PetrelImapArena *arena,
                             const char      *text,
                             gsize            length,
                             gsize            max_length)
{
  g_autofree char *safe = NULL;

  if (length <= max_length)
    {
      gsize i;

      for (i = 0; i < length; i++)
        if ((guchar) text[i] < 0x20 || (guchar) text[i] >= 0x7f)
          break;
      if (i == length)
        return _petrel_imap_arena_strndup (arena, text, length);
    }

  safe = petrel_imap_sanitize_text (text, (gssize) length, max_length);
  return _petrel_imap_arena_strndup (arena, safe, strlen (safe));
}

/* ------------------------------------------------------------------------------------------ */
/* Response                                                                                    */

PetrelImapResponse *
_petrel_imap_response_new (gsize arena_size)
{
  PetrelImapResponse *response;

  arena_size = (arena_size + 7) & ~(gsize) 7;
  response = g_malloc (HEADER_SIZE + arena_size);
  memset (response, 0, sizeof *response);
  g_atomic_ref_count_init (&response->ref_count);
  response->arena.cur = (char *) response + HEADER_SIZE;
  response->arena.end = response->arena.cur + arena_size;
  response->arena.next_size = MAX (arena_size, 1024);
  return response;
}

PetrelImapResponse *
petrel_imap_response_ref (PetrelImapResponse *response)
{
  g_return_val_if_fail (response != NULL, NULL);
  g_atomic_ref_count_inc (&response->ref_count);
  return response;
}

void
petrel_imap_response_unref (PetrelImapResponse *response)
{
  g_return_if_fail (response != NULL);

  if (!g_atomic_ref_count_dec (&response->ref_count))
    return;

  for (guint i = 0; i < response->n_literals; i++)
    {
      PetrelImapLiteral *literal = &response->literals[i];

      g_clear_pointer (&literal->bytes, g_bytes_unref);
      if (literal->path != NULL && literal->owned)
        g_unlink (literal->path);
      g_clear_pointer (&literal->path, g_free);
    }
  _petrel_imap_arena_clear (&response->arena);
  g_free (response);
}

PetrelImapResponseKind
petrel_imap_response_get_kind (const PetrelImapResponse *response)
{
  g_return_val_if_fail (response != NULL, PETREL_IMAP_RESPONSE_UNTAGGED);
  return response->kind;
}

PetrelImapResponseType
petrel_imap_response_get_response_type (const PetrelImapResponse *response)
{
  g_return_val_if_fail (response != NULL, PETREL_IMAP_RESPONSE_TYPE_UNKNOWN);
  return response->type;
}

gboolean
petrel_imap_response_is_status (const PetrelImapResponse *response)
{
  g_return_val_if_fail (response != NULL, FALSE);

  switch (response->type)
    {
    case PETREL_IMAP_RESPONSE_TYPE_OK:
    case PETREL_IMAP_RESPONSE_TYPE_NO:
    case PETREL_IMAP_RESPONSE_TYPE_BAD:
    case PETREL_IMAP_RESPONSE_TYPE_PREAUTH:
    case PETREL_IMAP_RESPONSE_TYPE_BYE:
      return TRUE;
    default:
      return FALSE;
    }
}

const char *
petrel_imap_response_get_tag (const PetrelImapResponse *response)
{
  g_return_val_if_fail (response != NULL, NULL);
  return response->tag;
}

const char *
petrel_imap_response_get_name (const PetrelImapResponse *response)
{
  g_return_val_if_fail (response != NULL, NULL);
  return response->name;
}

guint32
petrel_imap_response_get_number (const PetrelImapResponse *response)
{
  g_return_val_if_fail (response != NULL, 0);
  return response->number;
}

const char *
petrel_imap_response_get_text (const PetrelImapResponse *response)
{
  g_return_val_if_fail (response != NULL, "");
  return response->text != NULL ? response->text : "";
}

const char *
petrel_imap_response_get_continuation_data (const PetrelImapResponse *response)
{
  g_return_val_if_fail (response != NULL, NULL);
  return response->continuation;
}

PetrelImapValue *
petrel_imap_response_get_data (const PetrelImapResponse *response)
{
  g_return_val_if_fail (response != NULL, NULL);
  return response->data;
}

guint
petrel_imap_response_get_n_files (const PetrelImapResponse *response)
{
  guint n = 0;

  g_return_val_if_fail (response != NULL, 0);

  for (guint i = 0; i < response->n_literals; i++)
    if (response->literals[i].path != NULL && response->literals[i].owned)
      n++;
  return n;
}

/* ------------------------------------------------------------------------------------------ */
/* Response codes                                                                              */

PetrelImapCode
petrel_imap_response_get_code (const PetrelImapResponse *response)
{
  g_return_val_if_fail (response != NULL, PETREL_IMAP_CODE_NONE);
  return response->code;
}

const char *
petrel_imap_response_get_code_name (const PetrelImapResponse *response)
{
  g_return_val_if_fail (response != NULL, NULL);
  return response->code_name;
}

const char *
petrel_imap_response_get_code_text (const PetrelImapResponse *response)
{
  g_return_val_if_fail (response != NULL, "");
  return response->code_text != NULL ? response->code_text : "";
}

PetrelImapValue *
petrel_imap_response_get_code_args (const PetrelImapResponse *response)
{
  g_return_val_if_fail (response != NULL, NULL);
  return response->code_args;
}

gboolean
petrel_imap_response_get_code_number (const PetrelImapResponse *response,
                                      guint64                  *number)
{
  g_return_val_if_fail (response != NULL, FALSE);

  switch (response->code)
    {
    case PETREL_IMAP_CODE_UIDNEXT:
    case PETREL_IMAP_CODE_UIDVALIDITY:
    case PETREL_IMAP_CODE_UNSEEN:
    case PETREL_IMAP_CODE_HIGHESTMODSEQ:
      return _petrel_imap_value_number (_petrel_imap_value_child (response->code_args, 0), number);
    default:
      return FALSE;
    }
}

static void
append_strings (GPtrArray             *out,
                const PetrelImapValue *list,
                gboolean               upper)
{
  if (list == NULL || list->type != PETREL_IMAP_VALUE_LIST)
    return;

  for (guint i = 0; i < list->length; i++)
    {
      const PetrelImapValue *v = &list->u.children[i];
      const char *text = v->type != PETREL_IMAP_VALUE_NIL ? v->u.str : NULL;

      if (v->type == PETREL_IMAP_VALUE_LIST)
        {
          /* One level: `PERMANENTFLAGS (\Seen \*)`, `BADCHARSET (UTF-8)` */
          for (guint j = 0; j < v->length; j++)
            {
              const char *t = _petrel_imap_value_text (&v->u.children[j]);

              if (t != NULL)
                g_ptr_array_add (out, upper ? g_ascii_strup (t, -1) : g_strdup (t));
            }
        }
      else if (text != NULL)
        {
          g_ptr_array_add (out, upper ? g_ascii_strup (text, -1) : g_strdup (text));
        }
    }
}

static char **
finish_strv (GPtrArray *array)
{
  g_ptr_array_add (array, NULL);
  return (char **) g_ptr_array_free (array, FALSE);
}

char **
petrel_imap_response_dup_code_strv (const PetrelImapResponse *response)
{
  GPtrArray *out;

  g_return_val_if_fail (response != NULL, NULL);

  out = g_ptr_array_new ();
  if (response->code_args != NULL)
    append_strings (out, response->code_args, response->code == PETREL_IMAP_CODE_CAPABILITY);
  return finish_strv (out);
}

static gboolean
parse_error (GError    **error,
             const char *what)
{
  g_set_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_PARSE,
               _("The server sent a malformed %s"), what);
  return FALSE;
}

static gboolean
value_uid32 (const PetrelImapValue *value,
             gboolean               allow_zero,
             guint32               *out)
{
  guint64 n;

  if (!_petrel_imap_value_number (value, &n) || n > G_MAXUINT32 || (n == 0 && !allow_zero))
    return FALSE;
  *out = (guint32) n;
  return TRUE;
}

static PetrelImapSeqSet *
value_seqset (const PetrelImapValue *value,
              GError               **error)
{
  const char *text;

  if (value == NULL || (value->type != PETREL_IMAP_VALUE_ATOM &&
                        value->type != PETREL_IMAP_VALUE_NUMBER))
    {
      parse_error (error, "sequence set");
      return NULL;
    }
  text = value->u.str;
  return petrel_imap_seqset_parse (text, 0, 0, error);
}

gboolean
petrel_imap_response_get_appenduid (const PetrelImapResponse *response,
                                    guint32                  *uidvalidity,
                                    PetrelImapSeqSet        **uids,
                                    GError                  **error)
{
  g_autoptr(PetrelImapSeqSet) set = NULL;
  guint32 validity;

  g_return_val_if_fail (response != NULL, FALSE);

  if (response->code != PETREL_IMAP_CODE_APPENDUID ||
      petrel_imap_value_get_length (response->code_args) != 2 ||
      !value_uid32 (&response->code_args->u.children[0], FALSE, &validity))
    return parse_error (error, "APPENDUID response code");
  set = value_seqset (&response->code_args->u.children[1], error);
  if (set == NULL)
    return FALSE;

  if (uidvalidity != NULL)
    *uidvalidity = validity;
  if (uids != NULL)
    *uids = g_steal_pointer (&set);
  return TRUE;
}

gboolean
petrel_imap_response_get_copyuid (const PetrelImapResponse *response,
                                  guint32                  *uidvalidity,
                                  PetrelImapSeqSet        **source,
                                  PetrelImapSeqSet        **destination,
                                  GError                  **error)
{
  g_autoptr(PetrelImapSeqSet) src = NULL;
  g_autoptr(PetrelImapSeqSet) dst = NULL;
  guint32 validity;

  g_return_val_if_fail (response != NULL, FALSE);

  if (response->code != PETREL_IMAP_CODE_COPYUID ||
      petrel_imap_value_get_length (response->code_args) != 3 ||
      !value_uid32 (&response->code_args->u.children[0], FALSE, &validity))
    return parse_error (error, "COPYUID response code");
  src = value_seqset (&response->code_args->u.children[1], error);
  if (src == NULL)
    return FALSE;
  dst = value_seqset (&response->code_args->u.children[2], error);
  if (dst == NULL)
    return FALSE;
  if (petrel_imap_seqset_count (src) != petrel_imap_seqset_count (dst))
    return parse_error (error, "COPYUID response code (the UID sets differ in size)");

  if (uidvalidity != NULL)
    *uidvalidity = validity;
  if (source != NULL)
    *source = g_steal_pointer (&src);
  if (destination != NULL)
    *destination = g_steal_pointer (&dst);
  return TRUE;
}

PetrelImapSeqSet *
petrel_imap_response_get_modified (const PetrelImapResponse *response,
                                   GError                  **error)
{
  g_return_val_if_fail (response != NULL, NULL);

  if (response->code != PETREL_IMAP_CODE_MODIFIED ||
      petrel_imap_value_get_length (response->code_args) != 1)
    {
      parse_error (error, "MODIFIED response code");
      return NULL;
    }
  return value_seqset (&response->code_args->u.children[0], error);
}

GError *
petrel_imap_response_to_error (const PetrelImapResponse *response)
{
  PetrelImapError code;
  const char *what;
  const char *text;

  g_return_val_if_fail (response != NULL, NULL);

  switch (response->type)
    {
    case PETREL_IMAP_RESPONSE_TYPE_NO:
      code = PETREL_IMAP_ERROR_NO;
      what = "The server refused the request";
      break;
    case PETREL_IMAP_RESPONSE_TYPE_BAD:
      code = PETREL_IMAP_ERROR_BAD;
      what = "The server rejected the request as invalid";
      break;
    case PETREL_IMAP_RESPONSE_TYPE_BYE:
      code = PETREL_IMAP_ERROR_BYE;
      what = "The server closed the session";
      break;
    default:
      return NULL;
    }

  if (response->type != PETREL_IMAP_RESPONSE_TYPE_BYE)
    {
      switch (response->code)
        {
        case PETREL_IMAP_CODE_AUTHENTICATIONFAILED:
        case PETREL_IMAP_CODE_AUTHORIZATIONFAILED:
        case PETREL_IMAP_CODE_EXPIRED:
          code = PETREL_IMAP_ERROR_AUTH;
          what = "Authentication failed";
          break;
        case PETREL_IMAP_CODE_NONEXISTENT:
        case PETREL_IMAP_CODE_TRYCREATE:
          code = PETREL_IMAP_ERROR_NONEXISTENT;
          what = "The folder does not exist";
          break;
        case PETREL_IMAP_CODE_ALREADYEXISTS:
          code = PETREL_IMAP_ERROR_ALREADY_EXISTS;
          what = "The folder already exists";
          break;
        case PETREL_IMAP_CODE_OVERQUOTA:
        case PETREL_IMAP_CODE_LIMIT:
          code = PETREL_IMAP_ERROR_OVER_QUOTA;
          what = "The server refused the request because of a quota or limit";
          break;
        case PETREL_IMAP_CODE_NOPERM:
        case PETREL_IMAP_CODE_PRIVACYREQUIRED:
          code = PETREL_IMAP_ERROR_PERMISSION;
          what = "The server refused the request: permission denied";
          break;
        default:
          break;
        }
    }

  text = response->text != NULL ? response->text : "";
  if (*text == '\0')
    return g_error_new_literal (PETREL_IMAP_ERROR, code, what);
  return g_error_new (PETREL_IMAP_ERROR, code, "%s: %s", what, text);
}

char *
petrel_imap_response_to_string (const PetrelImapResponse *response)
{
  GString *out;

  g_return_val_if_fail (response != NULL, NULL);

  out = g_string_new (NULL);
  switch (response->kind)
    {
    case PETREL_IMAP_RESPONSE_CONTINUATION:
      g_string_append (out, "+ ");
      g_string_append (out, response->text);
      return g_string_free (out, FALSE);
    case PETREL_IMAP_RESPONSE_TAGGED:
      g_string_append_printf (out, "%s ", response->tag);
      break;
    case PETREL_IMAP_RESPONSE_UNTAGGED:
    default:
      g_string_append (out, "* ");
      break;
    }
  if (response->has_number)
    g_string_append_printf (out, "%u ", response->number);
  g_string_append (out, response->name);

  if (petrel_imap_response_is_status (response))
    {
      if (response->code_name != NULL)
        {
          g_string_append_printf (out, " [%s", response->code_name);
          if (*response->code_text != '\0')
            g_string_append_printf (out, " %s", response->code_text);
          g_string_append_c (out, ']');
        }
      if (*response->text != '\0')
        g_string_append_printf (out, " %s", response->text);
    }
  else if (response->data != NULL && response->data->length > 0)
    {
      g_autofree char *rendered = petrel_imap_value_to_string (response->data);

      /* Drop the parentheses of the top-level list. */
      g_string_append_c (out, ' ');
      g_string_append_len (out, rendered + 1, (gssize) strlen (rendered) - 2);
    }
  return g_string_free (out, FALSE);
}

/* ------------------------------------------------------------------------------------------ */
/* Untagged data                                                                               */

char *
_petrel_imap_decode_mailbox_name (const char *raw,
                                  gboolean    utf8_accept)
{
  if (g_ascii_strcasecmp (raw, "INBOX") == 0)
    return g_strdup ("INBOX");
  if (!utf8_accept)
    {
      char *decoded = petrel_imap_utf7_decode (raw, NULL);

      if (decoded != NULL)
        return decoded;
      /* Not modified UTF-7 (some servers send raw UTF-8 anyway): keep the bytes, made valid. */
    }
  return g_utf8_make_valid (raw, -1);
}

static const PetrelImapValue *
expect_data (const PetrelImapResponse *response,
             PetrelImapResponseType    type,
             const char               *what,
             GError                  **error)
{
  if (response->type != type || response->data == NULL)
    {
      g_set_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_PARSE,
                   _("Expected a %s response from the server"), what);
      return NULL;
    }
  return response->data;
}

/* A string, atom or number: the astring/nstring of the grammar. NIL only if @allow_nil (then
 * *out is NULL). File-backed strings (over the spool threshold) are refused. */
static gboolean
value_astring (const PetrelImapValue *value,
               gboolean               allow_nil,
               const char           **out)
{
  if (value == NULL)
    return FALSE;
  if (value->type == PETREL_IMAP_VALUE_NIL)
    {
      if (!allow_nil)
        return FALSE;
      *out = NULL;
      return TRUE;
    }
  if (value->type == PETREL_IMAP_VALUE_LIST || (value->flags & PETREL_IMAP_VALUE_FLAG_FILE))
    return FALSE;
  *out = value->u.str;
  return TRUE;
}

static char **
dup_atoms (const PetrelImapValue *list,
           gboolean               upper)
{
  GPtrArray *out = g_ptr_array_new ();

  for (guint i = 0; i < list->length; i++)
    {
      const char *text = _petrel_imap_value_text (&list->u.children[i]);

      if (text != NULL && list->u.children[i].type != PETREL_IMAP_VALUE_LIST)
        g_ptr_array_add (out, upper ? g_ascii_strup (text, -1) : g_strdup (text));
    }
  return finish_strv (out);
}

char **
petrel_imap_response_dup_capabilities (const PetrelImapResponse *response,
                                       GError                  **error)
{
  g_return_val_if_fail (response != NULL, NULL);

  if (response->code == PETREL_IMAP_CODE_CAPABILITY && response->code_args != NULL)
    return dup_atoms (response->code_args, TRUE);
  if (expect_data (response, PETREL_IMAP_RESPONSE_TYPE_CAPABILITY, "CAPABILITY", error) == NULL)
    return NULL;
  return dup_atoms (response->data, TRUE);
}

char **
petrel_imap_response_dup_flags (const PetrelImapResponse *response,
                                GError                  **error)
{
  const PetrelImapValue *data;
  const PetrelImapValue *list;

  g_return_val_if_fail (response != NULL, NULL);

  data = expect_data (response, PETREL_IMAP_RESPONSE_TYPE_FLAGS, "FLAGS", error);
  if (data == NULL)
    return NULL;
  list = _petrel_imap_value_child (data, 0);
  if (data->length != 1 || list->type != PETREL_IMAP_VALUE_LIST)
    {
      parse_error (error, "FLAGS response");
      return NULL;
    }
  return dup_atoms (list, FALSE);
}

char **
petrel_imap_response_dup_enabled (const PetrelImapResponse *response,
                                  GError                  **error)
{
  g_return_val_if_fail (response != NULL, NULL);

  if (expect_data (response, PETREL_IMAP_RESPONSE_TYPE_ENABLED, "ENABLED", error) == NULL)
    return NULL;
  return dup_atoms (response->data, TRUE);
}

gboolean
petrel_imap_response_get_vanished (const PetrelImapResponse *response,
                                   gboolean                 *earlier,
                                   PetrelImapSeqSet        **uids,
                                   GError                  **error)
{
  const PetrelImapValue *data;
  const PetrelImapValue *first;
  gboolean is_earlier = FALSE;
  PetrelImapSeqSet *set;
  guint i = 0;

  g_return_val_if_fail (response != NULL, FALSE);

  data = expect_data (response, PETREL_IMAP_RESPONSE_TYPE_VANISHED, "VANISHED", error);
  if (data == NULL)
    return FALSE;

  first = _petrel_imap_value_child (data, 0);
  if (first != NULL && first->type == PETREL_IMAP_VALUE_LIST)
    {
      if (first->length != 1 || !petrel_imap_value_is_atom (&first->u.children[0], "EARLIER"))
        return parse_error (error, "VANISHED response");
      is_earlier = TRUE;
      i = 1;
    }
  if (data->length != i + 1)
    return parse_error (error, "VANISHED response");

  set = value_seqset (&data->u.children[i], error);
  if (set == NULL)
    return FALSE;
  if (earlier != NULL)
    *earlier = is_earlier;
  if (uids != NULL)
    *uids = set;
  else
    petrel_imap_seqset_free (set);
  return TRUE;
}

static const struct
{
  const char *name;
  PetrelImapMailboxAttributes attribute;
} mailbox_attributes[] = {
  { "\\Noinferiors", PETREL_IMAP_MAILBOX_NOINFERIORS | PETREL_IMAP_MAILBOX_HAS_NO_CHILDREN },
  { "\\Noselect", PETREL_IMAP_MAILBOX_NOSELECT },
  { "\\Marked", PETREL_IMAP_MAILBOX_MARKED },
  { "\\Unmarked", PETREL_IMAP_MAILBOX_UNMARKED },
  { "\\HasChildren", PETREL_IMAP_MAILBOX_HAS_CHILDREN },
  { "\\HasNoChildren", PETREL_IMAP_MAILBOX_HAS_NO_CHILDREN },
  { "\\NonExistent", PETREL_IMAP_MAILBOX_NONEXISTENT | PETREL_IMAP_MAILBOX_NOSELECT },
  { "\\Subscribed", PETREL_IMAP_MAILBOX_SUBSCRIBED },
  { "\\Remote", PETREL_IMAP_MAILBOX_REMOTE },
  { "\\All", PETREL_IMAP_MAILBOX_ALL },
  { "\\Archive", PETREL_IMAP_MAILBOX_ARCHIVE },
  { "\\Drafts", PETREL_IMAP_MAILBOX_DRAFTS },
  { "\\Flagged", PETREL_IMAP_MAILBOX_FLAGGED },
  { "\\Junk", PETREL_IMAP_MAILBOX_JUNK },
  { "\\Sent", PETREL_IMAP_MAILBOX_SENT },
  { "\\Trash", PETREL_IMAP_MAILBOX_TRASH },
  { "\\Important", PETREL_IMAP_MAILBOX_IMPORTANT },
  /* Gmail's pre-SPECIAL-USE XLIST names, still seen in the wild. */
  { "\\AllMail", PETREL_IMAP_MAILBOX_ALL },
  { "\\Spam", PETREL_IMAP_MAILBOX_JUNK },
  { "\\Starred", PETREL_IMAP_MAILBOX_FLAGGED },
};

/* The hierarchy delimiter: a one-character quoted string, or NIL. */
static gboolean
value_delimiter (const PetrelImapValue *value,
                 char                  *out)
{
  if (value == NULL)
    return FALSE;
  if (value->type == PETREL_IMAP_VALUE_NIL)
    {
      *out = '\0';
      return TRUE;
    }
  if (value->type != PETREL_IMAP_VALUE_STRING || value->length != 1 ||
      (value->flags & PETREL_IMAP_VALUE_FLAG_FILE) || (guchar) value->u.str[0] >= 0x80 ||
      (guchar) value->u.str[0] < 0x20)
    return FALSE;
  *out = value->u.str[0];
  return TRUE;
}

void
petrel_imap_mailbox_info_free (PetrelImapMailboxInfo *info)
{
  if (info == NULL)
    return;
  g_strfreev (info->raw_attributes);
  g_free (info->name);
  g_free (info->raw_name);
  g_strfreev (info->childinfo);
  g_free (info->old_name);
  g_free (info);
}

PetrelImapMailboxInfo *
petrel_imap_response_dup_list (const PetrelImapResponse *response,
                               gboolean                  utf8_accept,
                               GError                  **error)
{
  g_autoptr(PetrelImapMailboxInfo) info = NULL;
  const PetrelImapValue *data;
  const PetrelImapValue *attrs;
  const PetrelImapValue *ext;
  GPtrArray *raw;
  const char *name;

  g_return_val_if_fail (response != NULL, NULL);

  if (response->type != PETREL_IMAP_RESPONSE_TYPE_LIST &&
      response->type != PETREL_IMAP_RESPONSE_TYPE_LSUB)
    {
      g_set_error_literal (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_PARSE,
                           _("Expected a LIST response from the server"));
      return NULL;
    }
  data = response->data;
  attrs = _petrel_imap_value_child (data, 0);
  info = g_new0 (PetrelImapMailboxInfo, 1);
  if (data->length < 3 || data->length > 4 || attrs->type != PETREL_IMAP_VALUE_LIST ||
      !value_delimiter (&data->u.children[1], &info->delimiter) ||
      !value_astring (&data->u.children[2], FALSE, &name))
    {
      parse_error (error, "LIST response");
      return NULL;
    }

  raw = g_ptr_array_new ();
  for (guint i = 0; i < attrs->length; i++)
    {
      const char *attr = petrel_imap_value_get_atom (&attrs->u.children[i]);

      if (attr == NULL)
        continue;
      g_ptr_array_add (raw, g_strdup (attr));
      for (guint j = 0; j < G_N_ELEMENTS (mailbox_attributes); j++)
        if (g_ascii_strcasecmp (attr, mailbox_attributes[j].name) == 0)
          info->attributes |= mailbox_attributes[j].attribute;
    }
  info->raw_attributes = finish_strv (raw);
  info->raw_name = g_strdup (name);
  info->name = _petrel_imap_decode_mailbox_name (name, utf8_accept);

  /* mbox-list-extended (RFC 5258): ("CHILDINFO" ("SUBSCRIBED") "OLDNAME" ("old")) */
  ext = _petrel_imap_value_child (data, 3);
  if (ext != NULL && ext->type == PETREL_IMAP_VALUE_LIST)
    {
      for (guint i = 0; i + 1 < ext->length; i += 2)
        {
          const PetrelImapValue *tag = &ext->u.children[i];
          const PetrelImapValue *val = &ext->u.children[i + 1];
          const char *tag_text = _petrel_imap_value_text (tag);

          if (tag_text == NULL || val->type != PETREL_IMAP_VALUE_LIST)
            continue;
          if (g_ascii_strcasecmp (tag_text, "CHILDINFO") == 0 && info->childinfo == NULL)
            {
              info->childinfo = dup_atoms (val, TRUE);
            }
          else if (g_ascii_strcasecmp (tag_text, "OLDNAME") == 0 && info->old_name == NULL)
            {
              const char *old;

              if (val->length == 1 && value_astring (&val->u.children[0], FALSE, &old))
                info->old_name = _petrel_imap_decode_mailbox_name (old, utf8_accept);
            }
        }
    }
  if (info->childinfo == NULL)
    info->childinfo = g_new0 (char *, 1);

  return g_steal_pointer (&info);
}

void
petrel_imap_status_info_free (PetrelImapStatusInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->name);
  g_free (info->raw_name);
  g_free (info);
}

PetrelImapStatusInfo *
petrel_imap_response_dup_status (const PetrelImapResponse *response,
                                 gboolean                  utf8_accept,
                                 GError                  **error)
{
  g_autoptr(PetrelImapStatusInfo) info = NULL;
  const PetrelImapValue *data;
  const PetrelImapValue *items;
  const char *name;

  g_return_val_if_fail (response != NULL, NULL);

  data = expect_data (response, PETREL_IMAP_RESPONSE_TYPE_STATUS, "STATUS", error);
  if (data == NULL)
    return NULL;
  items = _petrel_imap_value_child (data, 1);
  if (data->length != 2 || !value_astring (&data->u.children[0], FALSE, &name) ||
      items->type != PETREL_IMAP_VALUE_LIST || items->length % 2 != 0)
    {
      parse_error (error, "STATUS response");
      return NULL;
    }

  info = g_new0 (PetrelImapStatusInfo, 1);
  info->raw_name = g_strdup (name);
  info->name = _petrel_imap_decode_mailbox_name (name, utf8_accept);

  for (guint i = 0; i < items->length; i += 2)
    {
      const PetrelImapValue *key = &items->u.children[i];
      guint64 n;

      if (!_petrel_imap_value_number (&items->u.children[i + 1], &n))
        {
          parse_error (error, "STATUS response (an item is not a number)");
          return NULL;
        }

#define STATUS32(NAME, FIELD, FLAG) \
      else if (petrel_imap_value_is_atom (key, NAME)) \
        { \
          if (n > G_MAXUINT32) \
            { \
              parse_error (error, "STATUS response (a number is out of range)"); \
              return NULL; \
            } \
          info->FIELD = (guint32) n; \
          info->items |= FLAG; \
        }

      if (FALSE)
        {
        }
      STATUS32 ("MESSAGES", messages, PETREL_IMAP_STATUS_MESSAGES)
      STATUS32 ("RECENT", recent, PETREL_IMAP_STATUS_RECENT)
      STATUS32 ("UIDNEXT", uidnext, PETREL_IMAP_STATUS_UIDNEXT)
      STATUS32 ("UIDVALIDITY", uidvalidity, PETREL_IMAP_STATUS_UIDVALIDITY)
      STATUS32 ("UNSEEN", unseen, PETREL_IMAP_STATUS_UNSEEN)
      STATUS32 ("DELETED", deleted, PETREL_IMAP_STATUS_DELETED)
      else if (petrel_imap_value_is_atom (key, "HIGHESTMODSEQ"))
        {
          info->highestmodseq = n;
          info->items |= PETREL_IMAP_STATUS_HIGHESTMODSEQ;
        }
      else if (petrel_imap_value_is_atom (key, "SIZE"))
        {
          info->size = n;
          info->items |= PETREL_IMAP_STATUS_SIZE;
        }
      else if (petrel_imap_value_is_atom (key, "APPENDLIMIT"))
        {
          info->appendlimit = n;
          info->items |= PETREL_IMAP_STATUS_APPENDLIMIT;
        }
#undef STATUS32
    }

  return g_steal_pointer (&info);
}

void
petrel_imap_search_result_free (PetrelImapSearchResult *result)
{
  if (result == NULL)
    return;
  g_clear_pointer (&result->numbers, g_array_unref);
  g_free (result);
}

PetrelImapSearchResult *
petrel_imap_response_dup_search (const PetrelImapResponse *response,
                                 GError                  **error)
{
  g_autoptr(PetrelImapSearchResult) result = NULL;
  const PetrelImapValue *data;
  guint n;

  g_return_val_if_fail (response != NULL, NULL);

  data = expect_data (response, PETREL_IMAP_RESPONSE_TYPE_SEARCH, "SEARCH", error);
  if (data == NULL)
    return NULL;

  result = g_new0 (PetrelImapSearchResult, 1);
  n = data->length;
  /* `* SEARCH 2 5 (MODSEQ 917162500)` */
  if (n > 0 && data->u.children[n - 1].type == PETREL_IMAP_VALUE_LIST)
    {
      const PetrelImapValue *mod = &data->u.children[n - 1];

      if (mod->length != 2 || !petrel_imap_value_is_atom (&mod->u.children[0], "MODSEQ") ||
          !_petrel_imap_value_number (&mod->u.children[1], &result->modseq))
        {
          parse_error (error, "SEARCH response (bad MODSEQ)");
          return NULL;
        }
      n--;
    }

  result->numbers = g_array_sized_new (FALSE, FALSE, sizeof (guint32), n);
  for (guint i = 0; i < n; i++)
    {
      guint32 v;

      if (!value_uid32 (&data->u.children[i], FALSE, &v))
        {
          parse_error (error, "SEARCH response (a result is not a message number)");
          return NULL;
        }
      g_array_append_val (result->numbers, v);
    }
  return g_steal_pointer (&result);
}

void
petrel_imap_esearch_result_free (PetrelImapEsearchResult *result)
{
  if (result == NULL)
    return;
  g_free (result->tag);
  petrel_imap_seqset_free (result->all);
  g_free (result);
}

PetrelImapEsearchResult *
petrel_imap_response_dup_esearch (const PetrelImapResponse *response,
                                  GError                  **error)
{
  g_autoptr(PetrelImapEsearchResult) result = NULL;
  const PetrelImapValue *data;
  guint i = 0;

  g_return_val_if_fail (response != NULL, NULL);

  data = expect_data (response, PETREL_IMAP_RESPONSE_TYPE_ESEARCH, "ESEARCH", error);
  if (data == NULL)
    return NULL;

  result = g_new0 (PetrelImapEsearchResult, 1);

  /* search-correlator: (TAG "A282") */
  if (i < data->length && data->u.children[i].type == PETREL_IMAP_VALUE_LIST)
    {
      const PetrelImapValue *corr = &data->u.children[i];
      const char *tag;

      if (corr->length != 2 || !petrel_imap_value_is_atom (&corr->u.children[0], "TAG") ||
          !value_astring (&corr->u.children[1], FALSE, &tag))
        {
          parse_error (error, "ESEARCH response (bad TAG)");
          return NULL;
        }
      result->tag = g_strdup (tag);
      i++;
    }
  if (i < data->length && petrel_imap_value_is_atom (&data->u.children[i], "UID"))
    {
      result->uid = TRUE;
      i++;
    }

  for (; i < data->length; i += 2)
    {
      const PetrelImapValue *key = &data->u.children[i];
      const PetrelImapValue *val = _petrel_imap_value_child (data, i + 1);

      if (val == NULL || (key->type != PETREL_IMAP_VALUE_ATOM))
        {
          parse_error (error, "ESEARCH response");
          return NULL;
        }
      if (petrel_imap_value_is_atom (key, "MIN") || petrel_imap_value_is_atom (key, "MAX") ||
          petrel_imap_value_is_atom (key, "COUNT"))
        {
          guint32 v;
          gboolean is_count = petrel_imap_value_is_atom (key, "COUNT");

          if (!value_uid32 (val, is_count, &v))
            {
              parse_error (error, "ESEARCH response (bad number)");
              return NULL;
            }
          if (is_count)
            {
              result->count = v;
              result->items |= PETREL_IMAP_ESEARCH_COUNT;
            }
          else if (petrel_imap_value_is_atom (key, "MIN"))
            {
              result->min = v;
              result->items |= PETREL_IMAP_ESEARCH_MIN;
            }
          else
            {
              result->max = v;
              result->items |= PETREL_IMAP_ESEARCH_MAX;
            }
        }
      else if (petrel_imap_value_is_atom (key, "ALL"))
        {
          PetrelImapSeqSet *set = value_seqset (val, error);

          if (set == NULL)
            return NULL;
          petrel_imap_seqset_free (result->all);
          result->all = set;
          result->items |= PETREL_IMAP_ESEARCH_ALL;
        }
      else if (petrel_imap_value_is_atom (key, "MODSEQ"))
        {
          if (!_petrel_imap_value_number (val, &result->modseq))
            {
              parse_error (error, "ESEARCH response (bad MODSEQ)");
              return NULL;
            }
          result->items |= PETREL_IMAP_ESEARCH_MODSEQ;
        }
      /* Other return data (PARTIAL, RELEVANCY, ...) is skipped: one value each. */
    }

  return g_steal_pointer (&result);
}

static void
free_namespace_array (PetrelImapNamespace *entries,
                      guint                n)
{
  for (guint i = 0; i < n; i++)
    {
      g_free (entries[i].prefix);
      g_free (entries[i].raw_prefix);
    }
  g_free (entries);
}

void
petrel_imap_namespaces_free (PetrelImapNamespaces *namespaces)
{
  if (namespaces == NULL)
    return;
  free_namespace_array (namespaces->personal, namespaces->n_personal);
  free_namespace_array (namespaces->other, namespaces->n_other);
  free_namespace_array (namespaces->shared, namespaces->n_shared);
  g_free (namespaces);
}

static gboolean
decode_namespace_list (const PetrelImapValue *value,
                       gboolean               utf8_accept,
                       PetrelImapNamespace  **out,
                       guint                 *n_out)
{
  PetrelImapNamespace *entries;

  if (value->type == PETREL_IMAP_VALUE_NIL)
    return TRUE;
  if (value->type != PETREL_IMAP_VALUE_LIST)
    return FALSE;

  entries = g_new0 (PetrelImapNamespace, value->length + 1);
  *out = entries;
  for (guint i = 0; i < value->length; i++)
    {
      const PetrelImapValue *desc = &value->u.children[i];
      const char *prefix;

      /* ("prefix" "delim" [extensions...]) */
      if (desc->type != PETREL_IMAP_VALUE_LIST || desc->length < 2 ||
          !value_astring (&desc->u.children[0], FALSE, &prefix) ||
          !value_delimiter (&desc->u.children[1], &entries[i].delimiter))
        return FALSE;
      entries[i].raw_prefix = g_strdup (prefix);
      entries[i].prefix = *prefix == '\0' ? g_strdup ("")
                                          : _petrel_imap_decode_mailbox_name (prefix, utf8_accept);
      (*n_out)++;
    }
  return TRUE;
}

PetrelImapNamespaces *
petrel_imap_response_dup_namespace (const PetrelImapResponse *response,
                                    gboolean                  utf8_accept,
                                    GError                  **error)
{
  g_autoptr(PetrelImapNamespaces) ns = NULL;
  const PetrelImapValue *data;

  g_return_val_if_fail (response != NULL, NULL);

  data = expect_data (response, PETREL_IMAP_RESPONSE_TYPE_NAMESPACE, "NAMESPACE", error);
  if (data == NULL)
    return NULL;

  ns = g_new0 (PetrelImapNamespaces, 1);
  if (data->length != 3 ||
      !decode_namespace_list (&data->u.children[0], utf8_accept, &ns->personal, &ns->n_personal) ||
      !decode_namespace_list (&data->u.children[1], utf8_accept, &ns->other, &ns->n_other) ||
      !decode_namespace_list (&data->u.children[2], utf8_accept, &ns->shared, &ns->n_shared))
    {
      parse_error (error, "NAMESPACE response");
      return NULL;
    }
  return g_steal_pointer (&ns);
}

GHashTable *
petrel_imap_response_dup_id (const PetrelImapResponse *response,
                             GError                  **error)
{
  g_autoptr(GHashTable) table = NULL;
  const PetrelImapValue *data;
  const PetrelImapValue *list;

  g_return_val_if_fail (response != NULL, NULL);

  data = expect_data (response, PETREL_IMAP_RESPONSE_TYPE_ID, "ID", error);
  if (data == NULL)
    return NULL;

  table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  list = _petrel_imap_value_child (data, 0);
  if (data->length != 1 || (list->type != PETREL_IMAP_VALUE_NIL &&
                            (list->type != PETREL_IMAP_VALUE_LIST || list->length % 2 != 0)))
    {
      parse_error (error, "ID response");
      return NULL;
    }
  for (guint i = 0; i + 1 < petrel_imap_value_get_length (list); i += 2)
    {
      const char *key, *val;

      if (!value_astring (&list->u.children[i], FALSE, &key) ||
          !value_astring (&list->u.children[i + 1], TRUE, &val))
        {
          parse_error (error, "ID response");
          return NULL;
        }
      g_hash_table_replace (table, petrel_imap_sanitize_text (key, -1, 256),
                            val != NULL ? petrel_imap_sanitize_text (val, -1, 1024) : NULL);
    }
  return g_steal_pointer (&table);
}

void
petrel_imap_quota_free (PetrelImapQuota *quota)
{
  if (quota == NULL)
    return;
  g_free (quota->root);
  for (guint i = 0; i < quota->n_resources; i++)
    g_free (quota->resources[i].name);
  g_free (quota->resources);
  g_free (quota);
}

PetrelImapQuota *
petrel_imap_response_dup_quota (const PetrelImapResponse *response,
                                GError                  **error)
{
  g_autoptr(PetrelImapQuota) quota = NULL;
  const PetrelImapValue *data;
  const PetrelImapValue *list;
  const char *root;

  g_return_val_if_fail (response != NULL, NULL);

  data = expect_data (response, PETREL_IMAP_RESPONSE_TYPE_QUOTA, "QUOTA", error);
  if (data == NULL)
    return NULL;
  list = _petrel_imap_value_child (data, 1);
  if (data->length != 2 || !value_astring (&data->u.children[0], FALSE, &root) ||
      list->type != PETREL_IMAP_VALUE_LIST || list->length % 3 != 0)
    {
      parse_error (error, "QUOTA response");
      return NULL;
    }

  quota = g_new0 (PetrelImapQuota, 1);
  quota->root = g_strdup (root);
  quota->resources = g_new0 (PetrelImapQuotaResource, list->length / 3 + 1);
  for (guint i = 0; i < list->length; i += 3)
    {
      PetrelImapQuotaResource *res = &quota->resources[quota->n_resources];
      const char *name = petrel_imap_value_get_atom (&list->u.children[i]);

      if (name == NULL || !_petrel_imap_value_number (&list->u.children[i + 1], &res->usage) ||
          !_petrel_imap_value_number (&list->u.children[i + 2], &res->limit))
        {
          parse_error (error, "QUOTA response");
          return NULL;
        }
      res->name = g_ascii_strup (name, -1);
      quota->n_resources++;
    }
  return g_steal_pointer (&quota);
}

void
petrel_imap_quota_root_free (PetrelImapQuotaRoot *root)
{
  if (root == NULL)
    return;
  g_free (root->mailbox);
  g_free (root->raw_mailbox);
  g_strfreev (root->roots);
  g_free (root);
}

PetrelImapQuotaRoot *
petrel_imap_response_dup_quotaroot (const PetrelImapResponse *response,
                                    gboolean                  utf8_accept,
                                    GError                  **error)
{
  g_autoptr(PetrelImapQuotaRoot) root = NULL;
  const PetrelImapValue *data;
  GPtrArray *roots;
  const char *mailbox;

  g_return_val_if_fail (response != NULL, NULL);

  data = expect_data (response, PETREL_IMAP_RESPONSE_TYPE_QUOTAROOT, "QUOTAROOT", error);
  if (data == NULL)
    return NULL;
  if (data->length < 1 || !value_astring (&data->u.children[0], FALSE, &mailbox))
    {
      parse_error (error, "QUOTAROOT response");
      return NULL;
    }

  root = g_new0 (PetrelImapQuotaRoot, 1);
  root->raw_mailbox = g_strdup (mailbox);
  root->mailbox = _petrel_imap_decode_mailbox_name (mailbox, utf8_accept);
  roots = g_ptr_array_new ();
  for (guint i = 1; i < data->length; i++)
    {
      const char *r;

      if (!value_astring (&data->u.children[i], FALSE, &r))
        {
          g_strfreev (finish_strv (roots));
          parse_error (error, "QUOTAROOT response");
          return NULL;
        }
      g_ptr_array_add (roots, g_strdup (r));
    }
  root->roots = finish_strv (roots);
  return g_steal_pointer (&root);
}
