/* petrel-imap-parser.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * How the parser works.
 *
 * Framing: bytes are cut into lines with memchr('\n'). A line ending in a literal marker
 * (`{N}`, `{N+}`, `~{N}`) is followed by N raw bytes, then more lines, until a line that does not
 * end in a marker completes the response. Lines are joined (without CRLF) in one buffer; each
 * literal is remembered with the offset of its marker in that buffer and its bytes (in memory, or
 * streamed to a spool file when large). Status responses (`tag OK/NO/BAD/BYE/PREAUTH ...`) and
 * continuation requests end in free text, so a `{5}` at the end of their line is text, not a
 * literal.
 *
 * Tokenising: a complete response is tokenised in one pass over that buffer with an explicit
 * stack (no recursion), nesting capped. Values go to a scratch stack; when a list closes, its
 * children are copied into the response's arena as one array. Strings and atoms are copied into
 * the arena NUL-terminated, literals point at their GBytes. So a response costs one allocation
 * (plus one per literal and rare arena growth), and the scratch stacks are reused.
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "imap/petrel-imap-parser.h"
#include "imap/petrel-imap-private.h"

typedef enum
{
  STATE_LINE,
  STATE_LITERAL,
  STATE_FAILED,
} ParserState;

typedef struct
{
  gsize marker_start;  /* offset of '{' (or '~') in the line buffer */
  gsize marker_end;    /* offset just past '}' (the end of that line) */
  guint64 size;
  guint64 received;
  gboolean binary;
  guint8 *memory;      /* owned, size + 1 bytes, or NULL when spooled */
  char *path;          /* owned, spool file, or NULL */
  int fd;              /* open while receiving into the spool file, else -1 */
} PendingLiteral;

struct _PetrelImapParser
{
  GObject parent_instance;

  ParserState state;
  GError *failure;              /* owned: what made the parser fail */
  guint generation;             /* bumped by reset, to notice a reset from a response func */
  gboolean in_feed;

  /* The response being received. */
  char *line;                   /* owned: the lines so far, joined without CRLF */
  gsize line_len;
  gsize line_alloc;
  gsize line_start;             /* where the current physical line starts in @line */
  GArray *literals;             /* owned: PendingLiteral */
  gsize literal_memory;         /* bytes of literals of this response held in memory */
  gboolean no_literals;         /* a status response or continuation: no literal markers */

  /* Limits. */
  gsize max_line_length;
  guint64 max_literal_size;
  gsize literal_threshold;
  gsize max_memory;
  guint max_depth;
  char *spool_dir;              /* owned, or NULL for g_get_tmp_dir() */

  /* Output. */
  PetrelImapResponseFunc func;
  gpointer func_data;
  GDestroyNotify func_destroy;
  GQueue queue;                 /* of owned PetrelImapResponse */

  /* Tokeniser scratch space, reused. */
  PetrelImapValue *values;
  gsize n_values;
  gsize values_alloc;
  gsize *frames;
  guint frames_alloc;
};

G_DEFINE_FINAL_TYPE (PetrelImapParser, petrel_imap_parser, G_TYPE_OBJECT)

/* Character classes for the tokeniser. */
enum
{
  C_ATOM = 1 << 0,    /* may appear in an atom */
  C_8BIT = 1 << 1,
  C_DIGIT = 1 << 2,
};

static guint8 char_class[256];
/* The same inside a response code, where ']' ends an atom. */
static guint8 char_class_code[256];
/* Bytes that stop the scan of a quoted string: '"', '\\', CR, LF. */
static guint8 quoted_stop[256];

static void
init_char_classes (void)
{
  for (guint c = 0x21; c < 0x7f; c++)
    char_class[c] = C_ATOM;
  /* '[' is handled by the atom scanner (section brackets); ']' ends an atom only inside a
   * response code; '{' starts a literal, '(' ')' '"' delimit. */
  char_class['('] = 0;
  char_class[')'] = 0;
  char_class['"'] = 0;
  char_class['{'] = 0;
  char_class['['] = 0;
  for (guint c = '0'; c <= '9'; c++)
    char_class[c] |= C_DIGIT;
  for (guint c = 0x80; c < 0x100; c++)
    char_class[c] = C_ATOM | C_8BIT;

  memcpy (char_class_code, char_class, sizeof char_class);
  char_class_code[']'] = 0;

  quoted_stop['"'] = 1;
  quoted_stop['\\'] = 1;
  quoted_stop['\r'] = 1;
  quoted_stop['\n'] = 1;
}

/* ------------------------------------------------------------------------------------------ */
/* Pending state                                                                               */

static void
pending_literal_clear (PendingLiteral *lit)
{
  g_clear_pointer (&lit->memory, g_free);
  if (lit->fd >= 0)
    {
      close (lit->fd);
      lit->fd = -1;
    }
  if (lit->path != NULL)
    {
      g_unlink (lit->path);
      g_clear_pointer (&lit->path, g_free);
    }
}

static void
clear_pending (PetrelImapParser *self)
{
  for (guint i = 0; i < self->literals->len; i++)
    pending_literal_clear (&g_array_index (self->literals, PendingLiteral, i));
  g_array_set_size (self->literals, 0);
  self->line_len = 0;
  self->line_start = 0;
  self->literal_memory = 0;
  self->no_literals = FALSE;

  /* Do not keep a huge buffer around after one huge response. */
  if (self->line_alloc > 256 * 1024)
    {
      g_clear_pointer (&self->line, g_free);
      self->line_alloc = 0;
    }
  if (self->values_alloc > 64 * 1024)
    {
      g_clear_pointer (&self->values, g_free);
      self->values_alloc = 0;
    }
}

static gboolean
fail (PetrelImapParser *self,
      GError          **error,
      GError           *failure)
{
  clear_pending (self);
  self->state = STATE_FAILED;
  g_clear_error (&self->failure);
  self->failure = failure;
  if (error != NULL)
    *error = g_error_copy (failure);
  return FALSE;
}

G_GNUC_PRINTF (4, 5)
static gboolean
fail_with (PetrelImapParser *self,
           GError          **error,
           PetrelImapError   code,
           const char       *format,
           ...)
{
  va_list args;
  GError *failure;

  va_start (args, format);
  failure = g_error_new_valist (PETREL_IMAP_ERROR, code, format, args);
  va_end (args);
  return fail (self, error, failure);
}

/* ------------------------------------------------------------------------------------------ */
/* Tokeniser                                                                                   */

typedef struct
{
  PetrelImapParser *self;
  PetrelImapResponse *response;
  const char *buf;
  gsize len;
  gsize pos;
  PendingLiteral *lits;
  guint n_lits;
  guint next_lit;
  gboolean code_mode;   /* inside [...]: ']' ends atoms and, at depth 0, the code */
} Tokenizer;

/* Where the current segment ends: the next literal's marker, or the end of the buffer. */
static inline gsize
tok_limit (const Tokenizer *t)
{
  return t->next_lit < t->n_lits ? t->lits[t->next_lit].marker_start : t->len;
}

static inline PetrelImapValue *
push_value (PetrelImapParser *self)
{
  if (G_UNLIKELY (self->n_values == self->values_alloc))
    {
      self->values_alloc = MAX (self->values_alloc * 2, 256);
      self->values = g_renew (PetrelImapValue, self->values, self->values_alloc);
    }
  return &self->values[self->n_values++];
}

static gboolean
tok_error (GError    **error,
           const char *what)
{
  g_set_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_PARSE,
               _("The server sent a malformed response: %s"), what);
  return FALSE;
}

/* Non-zero if any byte of @word equals @byte (the classic SWAR zero-byte test). */
static inline guint64
has_byte (guint64 word,
          guint8  byte)
{
  const guint64 ones = G_GUINT64_CONSTANT (0x0101010101010101);
  const guint64 highs = G_GUINT64_CONSTANT (0x8080808080808080);
  guint64 x = word ^ (ones * byte);

  return (x - ones) & ~x & highs;
}

static gboolean
scan_quoted (Tokenizer *t,
             GError   **error)
{
  const guchar *s = (const guchar *) t->buf + t->pos + 1;
  const guchar *end = (const guchar *) t->buf + tok_limit (t);
  const guchar *p = s;
  gboolean escaped = FALSE;
  PetrelImapValue *v;
  char *out;
  gsize n = 0;

  /* Find the end first (strings are usually short and escape-free). */
  for (;;)
    {
      /* Eight bytes at a time while none of them is special... */
      while (p + 8 <= end)
        {
          guint64 w;

          memcpy (&w, p, 8);
          if (has_byte (w, '"') | has_byte (w, '\\') | has_byte (w, '\r') | has_byte (w, '\n'))
            break;
          p += 8;
        }
      /* ... then byte by byte. */
      while (p < end && !quoted_stop[*p])
        p++;
      if (G_UNLIKELY (p >= end))
        return tok_error (error, "an unterminated quoted string");
      if (*p == '"')
        break;
      if (*p == '\\')
        {
          escaped = TRUE;
          p++;
          if (p >= end)
            return tok_error (error, "an unterminated quoted string");
          if (*p != '\r' && *p != '\n')
            {
              p++;
              continue;
            }
        }
      return tok_error (error, "a line break inside a quoted string");
    }

  if (!escaped)
    {
      n = (gsize) (p - s);
      out = _petrel_imap_arena_strndup (&t->response->arena, (const char *) s, n);
    }
  else
    {
      out = _petrel_imap_arena_alloc (&t->response->arena, (gsize) (p - s) + 1);
      for (const guchar *q = s; q < p; q++)
        {
          if (*q == '\\')
            q++;
          out[n++] = (char) *q;
        }
      out[n] = '\0';
    }

  v = push_value (t->self);
  v->type = PETREL_IMAP_VALUE_STRING;
  v->flags = PETREL_IMAP_VALUE_FLAG_QUOTED;
  v->length = (guint32) n;
  v->u.str = out;
  v->x.number = 0;
  t->pos = (gsize) (p + 1 - (const guchar *) t->buf);
  return TRUE;
}

static gboolean
scan_atom (Tokenizer *t,
           GError   **error)
{
  const guchar *buf = (const guchar *) t->buf;
  const guint8 *cls = t->code_mode ? char_class_code : char_class;
  gsize start = t->pos;
  gsize limit = tok_limit (t);
  gsize p = start;
  guint8 any = 0;          /* OR of classes: C_8BIT if any byte is 8-bit */
  gboolean bracket = FALSE;
  PetrelImapValue *v;
  gsize len;

  for (;;)
    {
      guint8 c;

      while (p < limit && ((c = cls[buf[p]]) & C_ATOM))
        {
          any |= c;
          p++;
        }

      if (p < limit && buf[p] == '[')
        {
          /* A section: `BODY[HEADER.FIELDS (A B)]<0>`; everything up to ']' belongs to it. */
          const guchar *close = memchr (buf + p, ']', limit - p);

          if (close == NULL)
            return tok_error (error, "an unterminated “[” in an atom");
          for (const guchar *q = buf + p; q < close; q++)
            if (*q < 0x20 || *q == 0x7f)
              return tok_error (error, "a control character inside “[...]”");
          bracket = TRUE;
          p = (gsize) (close - buf) + 1;
          continue;
        }
      break;
    }

  len = p - start;
  if (G_UNLIKELY (len == 0))
    {
      guchar c = buf[start];

      if (c < 0x20 || c == 0x7f)
        return tok_error (error, c == '\r' ? "a bare carriage return" : "a control character");
      return tok_error (error, "an unexpected character");
    }
  if (G_UNLIKELY (len > PETREL_IMAP_PARSER_MAX_ATOM_LENGTH))
    {
      g_set_error (error, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_LIMIT,
                   _("The server sent an atom longer than %u bytes"),
                   (guint) PETREL_IMAP_PARSER_MAX_ATOM_LENGTH);
      return FALSE;
    }
  if (G_UNLIKELY ((any & C_8BIT) && !g_utf8_validate_len (t->buf + start, len, NULL)))
    return tok_error (error, "8-bit bytes in an atom that are not UTF-8");

  v = push_value (t->self);
  v->flags = 0;
  v->length = (guint32) len;
  v->x.number = 0;
  v->type = PETREL_IMAP_VALUE_ATOM;

  if ((char_class[buf[start]] & C_DIGIT) && len <= 20 && !bracket)
    {
      guint64 n = 0;
      gsize i;

      for (i = start; i < p; i++)
        {
          guint d = (guint) buf[i] - '0';

          if (d > 9 || n > (G_MAXUINT64 - d) / 10)
            break;
          n = n * 10 + d;
        }
      if (i == p)
        {
          v->type = PETREL_IMAP_VALUE_NUMBER;
          v->x.number = n;
        }
    }
  else if (len == 3 && (buf[start] | 0x20) == 'n' && (buf[start + 1] | 0x20) == 'i' &&
           (buf[start + 2] | 0x20) == 'l')
    {
      v->type = PETREL_IMAP_VALUE_NIL;
    }
  v->u.str = _petrel_imap_arena_strndup (&t->response->arena, t->buf + start, len);
  t->pos = p;
  return TRUE;
}

static void
push_literal (Tokenizer *t)
{
  PetrelImapLiteral *literal = &t->response->literals[t->next_lit];
  PetrelImapValue *v = push_value (t->self);

  v->type = PETREL_IMAP_VALUE_STRING;
  v->flags = PETREL_IMAP_VALUE_FLAG_LITERAL;
  if (literal->binary)
    v->flags |= PETREL_IMAP_VALUE_FLAG_LITERAL8;
  v->x.literal = literal;
  if (literal->bytes != NULL)
    {
      v->u.str = g_bytes_get_data (literal->bytes, NULL);
      v->length = (guint32) literal->size;
    }
  else
    {
      v->flags |= PETREL_IMAP_VALUE_FLAG_FILE;
      v->u.str = NULL;
      v->length = 0;
    }
  t->pos = t->lits[t->next_lit].marker_end;
  t->next_lit++;
}

/* Tokenises from t->pos to the end (or, in code mode, to the ']' closing the code at depth 0,
 * leaving t->pos on it) into one LIST value.
 *
 * A list nested deeper than the parser's max_depth becomes NIL: its contents are scanned as
 * usual (quoted strings and literals may hold parentheses) and dropped. Failing the response
 * instead would fail the command, and a folder holding one message with MIME nested a few
 * dozen levels (its BODYSTRUCTURE) could then never be synced (#4). */
static PetrelImapValue *
tokenize (Tokenizer *t,
          GError   **error)
{
  PetrelImapParser *self = t->self;
  gsize base = self->n_values;
  guint depth = 0;
  guint skipped = 0;            /* levels of the too-deep list being dropped */
  gsize skip_base = 0;          /* n_values where it started */
  PetrelImapValue *result;
  gsize n;

  for (;;)
    {
      guchar c;

      while (t->pos < t->len && t->buf[t->pos] == ' ')
        t->pos++;
      if (t->pos >= t->len)
        break;

      if (t->next_lit < t->n_lits && t->pos == t->lits[t->next_lit].marker_start)
        {
          push_literal (t);
          continue;
        }

      c = (guchar) t->buf[t->pos];
      if (c == '(' && (skipped > 0 || G_UNLIKELY (depth >= self->max_depth)))
        {
          if (skipped++ == 0)
            skip_base = self->n_values;
          t->pos++;
        }
      else if (c == ')' && skipped > 0)
        {
          t->pos++;
          if (--skipped == 0)
            {
              PetrelImapValue *nil;

              self->n_values = skip_base;
              nil = push_value (self);
              nil->type = PETREL_IMAP_VALUE_NIL;
              nil->flags = 0;
              nil->length = 3;
              nil->u.str = "NIL";
              nil->x.number = 0;
            }
        }
      else if (c == '(')
        {
          if (G_UNLIKELY (depth == self->frames_alloc))
            {
              self->frames_alloc = MAX (self->frames_alloc * 2, 16);
              self->frames = g_renew (gsize, self->frames, self->frames_alloc);
            }
          self->frames[depth++] = self->n_values;
          t->pos++;
        }
      else if (c == ')')
        {
          gsize start;
          PetrelImapValue *children;
          PetrelImapValue *list;

          if (G_UNLIKELY (depth == 0))
            {
              tok_error (error, "an unbalanced “)”");
              goto failed;
            }
          start = self->frames[--depth];
          n = self->n_values - start;
          children = n > 0 ? _petrel_imap_arena_alloc (&t->response->arena,
                                                       n * sizeof (PetrelImapValue)) : NULL;
          if (n > 0)
            memcpy (children, &self->values[start], n * sizeof (PetrelImapValue));
          self->n_values = start;
          list = push_value (self);
          list->type = PETREL_IMAP_VALUE_LIST;
          list->flags = 0;
          list->length = (guint32) n;
          list->u.children = children;
          list->x.number = 0;
          t->pos++;
        }
      else if (c == '"')
        {
          if (!scan_quoted (t, error))
            goto failed;
        }
      else if (c == ']' && t->code_mode)
        {
          if (depth > 0)
            {
              tok_error (error, "an unbalanced “(” in a response code");
              goto failed;
            }
          break;
        }
      else if (c == '{' || c == '~')
        {
          if (c == '~' && (t->pos + 1 >= t->len || t->buf[t->pos + 1] != '{'))
            {
              if (!scan_atom (t, error))
                goto failed;
              continue;
            }
          tok_error (error, "a literal that is not at the end of a line");
          goto failed;
        }
      else
        {
          if (!scan_atom (t, error))
            goto failed;
        }
    }

  if (depth > 0 || skipped > 0)
    {
      tok_error (error, t->code_mode ? "an unterminated response code" : "an unterminated list");
      goto failed;
    }
  if (t->code_mode && t->pos >= t->len)
    {
      tok_error (error, "an unterminated response code");
      goto failed;
    }

  n = self->n_values - base;
  result = _petrel_imap_arena_alloc (&t->response->arena, sizeof (PetrelImapValue));
  result->type = PETREL_IMAP_VALUE_LIST;
  result->flags = 0;
  result->length = (guint32) n;
  result->x.number = 0;
  result->u.children = NULL;
  if (n > 0)
    {
      result->u.children = _petrel_imap_arena_alloc (&t->response->arena,
                                                     n * sizeof (PetrelImapValue));
      memcpy (result->u.children, &self->values[base], n * sizeof (PetrelImapValue));
    }
  self->n_values = base;
  return result;

failed:
  self->n_values = base;
  return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Response structure                                                                          */

static const struct
{
  const char *name;
  PetrelImapCode code;
} code_names[] = {
  { "ALERT", PETREL_IMAP_CODE_ALERT },
  { "ALREADYEXISTS", PETREL_IMAP_CODE_ALREADYEXISTS },
  { "APPENDUID", PETREL_IMAP_CODE_APPENDUID },
  { "AUTHENTICATIONFAILED", PETREL_IMAP_CODE_AUTHENTICATIONFAILED },
  { "AUTHORIZATIONFAILED", PETREL_IMAP_CODE_AUTHORIZATIONFAILED },
  { "BADCHARSET", PETREL_IMAP_CODE_BADCHARSET },
  { "CANNOT", PETREL_IMAP_CODE_CANNOT },
  { "CAPABILITY", PETREL_IMAP_CODE_CAPABILITY },
  { "CLIENTBUG", PETREL_IMAP_CODE_CLIENTBUG },
  { "CLOSED", PETREL_IMAP_CODE_CLOSED },
  { "COMPRESSIONACTIVE", PETREL_IMAP_CODE_COMPRESSIONACTIVE },
  { "CONTACTADMIN", PETREL_IMAP_CODE_CONTACTADMIN },
  { "COPYUID", PETREL_IMAP_CODE_COPYUID },
  { "CORRUPTION", PETREL_IMAP_CODE_CORRUPTION },
  { "EXPIRED", PETREL_IMAP_CODE_EXPIRED },
  { "EXPUNGEISSUED", PETREL_IMAP_CODE_EXPUNGEISSUED },
  { "HASCHILDREN", PETREL_IMAP_CODE_HASCHILDREN },
  { "HIGHESTMODSEQ", PETREL_IMAP_CODE_HIGHESTMODSEQ },
  { "INUSE", PETREL_IMAP_CODE_INUSE },
  { "LIMIT", PETREL_IMAP_CODE_LIMIT },
  { "MAILBOXID", PETREL_IMAP_CODE_MAILBOXID },
  { "MODIFIED", PETREL_IMAP_CODE_MODIFIED },
  { "NOMODSEQ", PETREL_IMAP_CODE_NOMODSEQ },
  { "NONEXISTENT", PETREL_IMAP_CODE_NONEXISTENT },
  { "NOPERM", PETREL_IMAP_CODE_NOPERM },
  { "NOTSAVED", PETREL_IMAP_CODE_NOTSAVED },
  { "OVERQUOTA", PETREL_IMAP_CODE_OVERQUOTA },
  { "PARSE", PETREL_IMAP_CODE_PARSE },
  { "PERMANENTFLAGS", PETREL_IMAP_CODE_PERMANENTFLAGS },
  { "PRIVACYREQUIRED", PETREL_IMAP_CODE_PRIVACYREQUIRED },
  { "READ-ONLY", PETREL_IMAP_CODE_READ_ONLY },
  { "READ-WRITE", PETREL_IMAP_CODE_READ_WRITE },
  { "SERVERBUG", PETREL_IMAP_CODE_SERVERBUG },
  { "TRYCREATE", PETREL_IMAP_CODE_TRYCREATE },
  { "UIDNEXT", PETREL_IMAP_CODE_UIDNEXT },
  { "UIDNOTSTICKY", PETREL_IMAP_CODE_UIDNOTSTICKY },
  { "UIDVALIDITY", PETREL_IMAP_CODE_UIDVALIDITY },
  { "UNAVAILABLE", PETREL_IMAP_CODE_UNAVAILABLE },
  { "UNKNOWN-CTE", PETREL_IMAP_CODE_UNKNOWN_CTE },
  { "UNSEEN", PETREL_IMAP_CODE_UNSEEN },
};

static const struct
{
  const char *name;
  PetrelImapResponseType type;
} type_names[] = {
  { "OK", PETREL_IMAP_RESPONSE_TYPE_OK },
  { "NO", PETREL_IMAP_RESPONSE_TYPE_NO },
  { "BAD", PETREL_IMAP_RESPONSE_TYPE_BAD },
  { "PREAUTH", PETREL_IMAP_RESPONSE_TYPE_PREAUTH },
  { "BYE", PETREL_IMAP_RESPONSE_TYPE_BYE },
  { "FETCH", PETREL_IMAP_RESPONSE_TYPE_FETCH },
  { "EXISTS", PETREL_IMAP_RESPONSE_TYPE_EXISTS },
  { "EXPUNGE", PETREL_IMAP_RESPONSE_TYPE_EXPUNGE },
  { "RECENT", PETREL_IMAP_RESPONSE_TYPE_RECENT },
  { "CAPABILITY", PETREL_IMAP_RESPONSE_TYPE_CAPABILITY },
  { "VANISHED", PETREL_IMAP_RESPONSE_TYPE_VANISHED },
  { "LIST", PETREL_IMAP_RESPONSE_TYPE_LIST },
  { "LSUB", PETREL_IMAP_RESPONSE_TYPE_LSUB },
  { "STATUS", PETREL_IMAP_RESPONSE_TYPE_STATUS },
  { "SEARCH", PETREL_IMAP_RESPONSE_TYPE_SEARCH },
  { "ESEARCH", PETREL_IMAP_RESPONSE_TYPE_ESEARCH },
  { "NAMESPACE", PETREL_IMAP_RESPONSE_TYPE_NAMESPACE },
  { "ENABLED", PETREL_IMAP_RESPONSE_TYPE_ENABLED },
  { "ID", PETREL_IMAP_RESPONSE_TYPE_ID },
  { "QUOTA", PETREL_IMAP_RESPONSE_TYPE_QUOTA },
  { "QUOTAROOT", PETREL_IMAP_RESPONSE_TYPE_QUOTAROOT },
  { "FLAGS", PETREL_IMAP_RESPONSE_TYPE_FLAGS },
};

static gboolean
is_status_word (const char *word,
                gsize       len)
{
  switch (len)
    {
    case 2:
      return g_ascii_strncasecmp (word, "OK", 2) == 0 || g_ascii_strncasecmp (word, "NO", 2) == 0;
    case 3:
      return g_ascii_strncasecmp (word, "BAD", 3) == 0 || g_ascii_strncasecmp (word, "BYE", 3) == 0;
    case 7:
      return g_ascii_strncasecmp (word, "PREAUTH", 7) == 0;
    default:
      return FALSE;
    }
}

/* Whether the first line of a response is a continuation or a status response, whose free text
 * must not be taken for a literal marker. */
static gboolean
line_is_text_response (const char *line,
                       gsize       len)
{
  const char *sp, *word, *end;

  if (len > 0 && line[0] == '+')
    return TRUE;
  sp = memchr (line, ' ', len);
  if (sp == NULL)
    return FALSE;
  word = sp + 1;
  end = memchr (word, ' ', len - (gsize) (word - line));
  if (end == NULL)
    end = line + len;
  return is_status_word (word, (gsize) (end - word));
}

static char *
arena_upper (PetrelImapArena *arena,
             const char      *s,
             gsize            len)
{
  char *out = _petrel_imap_arena_strndup (arena, s, len);

  for (gsize i = 0; i < len; i++)
    out[i] = g_ascii_toupper (out[i]);
  return out;
}

/* resp-text = ["[" resp-text-code "]" SP] text */
static void
parse_resp_text (Tokenizer *t)
{
  PetrelImapResponse *r = t->response;
  const char *buf = t->buf;
  gsize len = t->len;
  gsize pos = t->pos;

  while (pos < len && buf[pos] == ' ')
    pos++;

  r->code = PETREL_IMAP_CODE_NONE;
  r->code_text = "";

  if (pos < len && buf[pos] == '[')
    {
      const char *close = memchr (buf + pos, ']', len - pos);
      gsize name_start = pos + 1;
      gsize name_end = name_start;

      while (name_end < len && buf[name_end] != ' ' && buf[name_end] != ']')
        name_end++;

      if (close != NULL && name_end > name_start)
        {
          g_autoptr(GError) error = NULL;
          gsize args_start = name_end;

          r->code_name = arena_upper (&r->arena, buf + name_start, name_end - name_start);
          r->code = PETREL_IMAP_CODE_UNKNOWN;
          for (guint i = 0; i < G_N_ELEMENTS (code_names); i++)
            if (strcmp (code_names[i].name, r->code_name) == 0)
              {
                r->code = code_names[i].code;
                break;
              }

          if (buf[name_end] == ']')
            {
              pos = name_end + 1;
            }
          else
            {
              Tokenizer sub = *t;

              sub.pos = args_start + 1;
              sub.code_mode = TRUE;
              sub.n_lits = 0;
              r->code_args = tokenize (&sub, &error);
              if (r->code_args != NULL)
                {
                  pos = sub.pos + 1;
                }
              else
                {
                  /* Free text (an unknown code, or a known one with odd arguments): keep it. */
                  pos = (gsize) (close - buf) + 1;
                }
              r->code_text = _petrel_imap_arena_sanitize (&r->arena, buf + args_start + 1,
                                                          pos - 1 - (args_start + 1),
                                                          PETREL_IMAP_MAX_TEXT_LENGTH);
            }
          if (pos < len && buf[pos] == ' ')
            pos++;
        }
    }

  r->text = _petrel_imap_arena_sanitize (&r->arena, buf + pos, len - pos,
                                         PETREL_IMAP_MAX_TEXT_LENGTH);
}

static gboolean
parse_response (Tokenizer *t,
                GError   **error)
{
  PetrelImapResponse *r = t->response;
  const char *buf = t->buf;
  gsize len = t->len;
  gsize pos = 0;
  gsize start;
  gboolean tagged;
  PetrelImapResponseType type = PETREL_IMAP_RESPONSE_TYPE_UNKNOWN;

  if (buf[0] == '+')
    {
      pos = 1;
      if (pos < len && buf[pos] == ' ')
        pos++;
      r->kind = PETREL_IMAP_RESPONSE_CONTINUATION;
      r->type = PETREL_IMAP_RESPONSE_TYPE_CONTINUATION;
      r->continuation = _petrel_imap_arena_strndup (&r->arena, buf + pos, len - pos);
      r->code_text = "";
      r->text = _petrel_imap_arena_sanitize (&r->arena, buf + pos, len - pos,
                                             PETREL_IMAP_MAX_TEXT_LENGTH);
      return TRUE;
    }

  /* Tag, or "*" */
  start = pos;
  while (pos < len && buf[pos] != ' ')
    {
      guchar c = (guchar) buf[pos];

      if (!(char_class[c] & C_ATOM) || (char_class[c] & C_8BIT) || c == '+')
        return tok_error (error, "an invalid tag");
      pos++;
    }
  if (pos == start || pos >= len)
    return tok_error (error, "a response without a keyword");
  tagged = !(pos - start == 1 && buf[start] == '*');
  if (tagged)
    {
      r->kind = PETREL_IMAP_RESPONSE_TAGGED;
      r->tag = _petrel_imap_arena_strndup (&r->arena, buf + start, pos - start);
    }
  else
    {
      r->kind = PETREL_IMAP_RESPONSE_UNTAGGED;
    }
  pos++;

  /* "* 23 EXISTS" */
  if (!tagged && pos < len && g_ascii_isdigit (buf[pos]))
    {
      guint64 n = 0;

      while (pos < len && g_ascii_isdigit (buf[pos]))
        {
          n = n * 10 + (guint64) (buf[pos] - '0');
          if (n > G_MAXUINT32)
            return tok_error (error, "a message number out of range");
          pos++;
        }
      if (pos >= len || buf[pos] != ' ')
        return tok_error (error, "a message number without a keyword");
      r->number = (guint32) n;
      r->has_number = TRUE;
      pos++;
    }

  /* Keyword */
  start = pos;
  while (pos < len && buf[pos] != ' ' && (char_class[(guchar) buf[pos]] & C_ATOM) &&
         !(char_class[(guchar) buf[pos]] & C_8BIT))
    pos++;
  if (pos == start || (pos < len && buf[pos] != ' ' &&
                       !(t->n_lits > 0 && pos == t->lits[0].marker_start)))
    return tok_error (error, "a missing or invalid keyword");
  r->name = arena_upper (&r->arena, buf + start, pos - start);
  for (guint i = 0; i < G_N_ELEMENTS (type_names); i++)
    if (strcmp (type_names[i].name, r->name) == 0)
      {
        type = type_names[i].type;
        break;
      }

  switch (type)
    {
    case PETREL_IMAP_RESPONSE_TYPE_OK:
    case PETREL_IMAP_RESPONSE_TYPE_NO:
    case PETREL_IMAP_RESPONSE_TYPE_BAD:
    case PETREL_IMAP_RESPONSE_TYPE_PREAUTH:
    case PETREL_IMAP_RESPONSE_TYPE_BYE:
      if (r->has_number)
        return tok_error (error, "a status response with a message number");
      r->type = type;
      t->pos = pos;
      parse_resp_text (t);
      return TRUE;

    case PETREL_IMAP_RESPONSE_TYPE_EXISTS:
    case PETREL_IMAP_RESPONSE_TYPE_RECENT:
    case PETREL_IMAP_RESPONSE_TYPE_EXPUNGE:
    case PETREL_IMAP_RESPONSE_TYPE_FETCH:
      if (!r->has_number)
        type = PETREL_IMAP_RESPONSE_TYPE_UNKNOWN;
      break;

    default:
      if (r->has_number)
        type = PETREL_IMAP_RESPONSE_TYPE_UNKNOWN;
      break;
    }

  if (tagged)
    return tok_error (error, "a tagged response that is not OK, NO or BAD");

  r->type = type;
  r->code_text = "";
  r->text = "";
  t->pos = pos;
  r->data = tokenize (t, error);
  return r->data != NULL;
}

/* The response in the line buffer is complete: build it and hand it over. */
static gboolean
complete_response (PetrelImapParser *self,
                   const char       *text,
                   gsize             text_len,
                   GError          **error)
{
  g_autoptr(PetrelImapResponse) response = NULL;
  g_autoptr(GError) local_error = NULL;
  PendingLiteral *lits = (PendingLiteral *) (gpointer) self->literals->data;
  guint n_lits = self->literals->len;
  Tokenizer t;

  if (text_len == 0 && n_lits == 0)
    return TRUE;  /* a stray empty line */

  response = _petrel_imap_response_new (text_len * 3 + 256 +
                                        n_lits * sizeof (PetrelImapLiteral));
  if (n_lits > 0)
    {
      response->literals = _petrel_imap_arena_alloc (&response->arena,
                                                     n_lits * sizeof (PetrelImapLiteral));
      response->n_literals = n_lits;
      for (guint i = 0; i < n_lits; i++)
        {
          PetrelImapLiteral *dst = &response->literals[i];
          PendingLiteral *src = &lits[i];

          dst->size = src->size;
          dst->binary = src->binary;
          dst->bytes = NULL;
          dst->path = NULL;
          dst->owned = FALSE;
          if (src->memory != NULL)
            {
              src->memory[src->size] = '\0';
              dst->bytes = g_bytes_new_take (g_steal_pointer (&src->memory), src->size);
            }
          else
            {
              dst->path = g_steal_pointer (&src->path);
              dst->owned = TRUE;
            }
        }
      /* The pending entries (now without memory or path) still give the tokeniser the marker
       * offsets; clear_pending() drops them afterwards. */
    }

  t.self = self;
  t.response = response;
  t.buf = text;
  t.len = text_len;
  t.pos = 0;
  t.lits = lits;
  t.n_lits = n_lits;
  t.next_lit = 0;
  t.code_mode = FALSE;

  if (!parse_response (&t, &local_error))
    return fail (self, error, g_steal_pointer (&local_error));

  clear_pending (self);

  if (self->func != NULL)
    {
      if (!self->func (self, response, self->func_data, &local_error))
        {
          if (local_error == NULL)
            local_error = g_error_new_literal (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_FAILED,
                                               "Stopped reading the server's responses");
          return fail (self, error, g_steal_pointer (&local_error));
        }
    }
  else
    {
      g_queue_push_tail (&self->queue, g_steal_pointer (&response));
    }
  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* Framing                                                                                     */

static gboolean
append_line_bytes (PetrelImapParser *self,
                   const guint8     *data,
                   gsize             n,
                   GError          **error)
{
  /* +1: room for the NUL the tokeniser never needs but debuggers like. */
  if (self->line_len + n > self->max_line_length + 2)
    return fail_with (self, error, PETREL_IMAP_ERROR_LIMIT,
                      "The server sent a response line longer than %" G_GSIZE_FORMAT " bytes",
                      self->max_line_length);

  if (self->line_len + n + 1 > self->line_alloc)
    {
      gsize want = MAX (self->line_alloc * 2, self->line_len + n + 1);

      want = MAX (want, 4096);
      self->line = g_realloc (self->line, want);
      self->line_alloc = want;
    }
  memcpy (self->line + self->line_len, data, n);
  self->line_len += n;
  return TRUE;
}

static gboolean
open_spool_file (PetrelImapParser *self,
                 PendingLiteral   *lit,
                 GError          **error)
{
  const char *dir = self->spool_dir != NULL ? self->spool_dir : g_get_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "petrel-literal-XXXXXX", NULL);
  int fd;

  fd = g_mkstemp_full (path, O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved_errno = errno;

      return fail_with (self, error, PETREL_IMAP_ERROR_IO,
                        "Could not create a temporary file in “%s” for a large message part: %s",
                        dir, g_strerror (saved_errno));
    }
  lit->fd = fd;
  lit->path = g_steal_pointer (&path);
  return TRUE;
}

/* A physical line (CRLF stripped) has been appended: see whether it ends in a literal marker. */
static gboolean
finish_line (PetrelImapParser *self,
             GError          **error)
{
  const char *line = self->line + self->line_start;
  gsize len = self->line_len - self->line_start;
  PendingLiteral lit = { 0, };
  gsize p, digits_end;
  guint64 size = 0;
  gboolean overflow = FALSE;

  if (G_UNLIKELY (memchr (line, '\0', len) != NULL))
    return fail_with (self, error, PETREL_IMAP_ERROR_PARSE,
                      "The server sent a malformed response: a NUL byte in a line");

  if (self->line_start == 0)
    self->no_literals = line_is_text_response (line, len);

  if (self->no_literals || len < 3 || line[len - 1] != '}')
    return complete_response (self, self->line, self->line_len, error);

  /* {123} {123+} ~{123} */
  p = len - 1;
  if (line[p - 1] == '+')
    p--;
  digits_end = p;
  while (p > 0 && g_ascii_isdigit (line[p - 1]))
    p--;
  if (p == digits_end || p == 0 || line[p - 1] != '{')
    /* Not a marker: the tokeniser will judge. */
    return complete_response (self, self->line, self->line_len, error);

  for (gsize i = p; i < digits_end; i++)
    {
      guint d = (guint) (line[i] - '0');

      if (size > (G_MAXUINT64 - d) / 10)
        {
          overflow = TRUE;
          break;
        }
      size = size * 10 + d;
    }
  if (overflow || size > self->max_literal_size)
    return fail_with (self, error, PETREL_IMAP_ERROR_LIMIT,
                      "The server announced a literal of %s%.*s bytes, more than the %"
                      G_GUINT64_FORMAT " allowed",
                      digits_end - p > 24 ? "…" : "",
                      (int) MIN (digits_end - p, 24), line + digits_end - MIN (digits_end - p, 24),
                      self->max_literal_size);

  lit.marker_start = self->line_start + p - 1;
  if (p >= 2 && line[p - 2] == '~')
    {
      lit.binary = TRUE;
      lit.marker_start--;
    }
  lit.marker_end = self->line_len;
  lit.size = size;
  lit.fd = -1;

  if (size > self->literal_threshold || self->literal_memory + size > self->max_memory)
    {
      if (!open_spool_file (self, &lit, error))
        return FALSE;
    }
  else
    {
      lit.memory = g_malloc ((gsize) size + 1);
      self->literal_memory += (gsize) size;
    }
  g_array_append_val (self->literals, lit);

  self->line_start = self->line_len;
  self->state = STATE_LITERAL;
  if (size == 0)
    {
      PendingLiteral *last = &g_array_index (self->literals, PendingLiteral, self->literals->len - 1);

      if (last->fd >= 0)
        {
          close (last->fd);
          last->fd = -1;
        }
      self->state = STATE_LINE;
    }
  return TRUE;
}

static gboolean
write_all (int           fd,
           const guint8 *data,
           gsize         n)
{
  while (n > 0)
    {
      gssize w = write (fd, data, n);

      if (w < 0)
        {
          if (errno == EINTR)
            continue;
          return FALSE;
        }
      data += w;
      n -= (gsize) w;
    }
  return TRUE;
}

static gboolean
feed_literal (PetrelImapParser *self,
              const guint8    **data,
              gsize            *length,
              GError          **error)
{
  PendingLiteral *lit = &g_array_index (self->literals, PendingLiteral, self->literals->len - 1);
  gsize n = (gsize) MIN ((guint64) *length, lit->size - lit->received);

  if (lit->memory != NULL)
    {
      memcpy (lit->memory + lit->received, *data, n);
    }
  else if (!write_all (lit->fd, *data, n))
    {
      int saved_errno = errno;

      return fail_with (self, error, PETREL_IMAP_ERROR_IO,
                        "Could not write a large message part to “%s”: %s",
                        lit->path, g_strerror (saved_errno));
    }

  lit->received += n;
  *data += n;
  *length -= n;

  if (lit->received == lit->size)
    {
      if (lit->fd >= 0)
        {
          int fd = lit->fd;

          lit->fd = -1;
          if (close (fd) != 0)
            {
              int saved_errno = errno;

              return fail_with (self, error, PETREL_IMAP_ERROR_IO,
                                "Could not write a large message part to “%s”: %s",
                                lit->path, g_strerror (saved_errno));
            }
        }
      self->state = STATE_LINE;
    }
  return TRUE;
}

gboolean
petrel_imap_parser_feed (PetrelImapParser *self,
                         const guint8     *data,
                         gsize             length,
                         GError          **error)
{
  g_autoptr(PetrelImapParser) hold = NULL;
  gboolean ok = TRUE;
  guint generation;

  g_return_val_if_fail (PETREL_IS_IMAP_PARSER (self), FALSE);
  g_return_val_if_fail (data != NULL || length == 0, FALSE);
  g_return_val_if_fail (!self->in_feed, FALSE);

  if (self->state == STATE_FAILED)
    {
      g_propagate_error (error, g_error_copy (self->failure));
      return FALSE;
    }

  /* A response func may drop the last reference to us. */
  hold = g_object_ref (self);
  self->in_feed = TRUE;
  generation = self->generation;

  while (length > 0)
    {
      if (self->state == STATE_LINE)
        {
          const guint8 *lf = memchr (data, '\n', length);
          gsize n = lf != NULL ? (gsize) (lf - data) + 1 : length;

          /* Fast path: a whole one-line response in the input, with nothing pending and no
           * possible literal marker at its end, is tokenised where it lies, without a copy. */
          if (lf != NULL && self->line_len == 0 && self->literals->len == 0)
            {
              gsize len = n - 1;

              if (len > 0 && data[len - 1] == '\r')
                len--;
              if (len <= self->max_line_length && (len == 0 || data[len - 1] != '}'))
                {
                  if (G_UNLIKELY (memchr (data, '\0', len) != NULL))
                    {
                      ok = fail_with (self, error, PETREL_IMAP_ERROR_PARSE,
                                      "The server sent a malformed response: a NUL byte in a line");
                      break;
                    }
                  data += n;
                  length -= n;
                  if (!complete_response (self, (const char *) data - n, len, error))
                    {
                      ok = FALSE;
                      break;
                    }
                  if (self->generation != generation)
                    break;
                  continue;
                }
            }

          if (!append_line_bytes (self, data, n, error))
            {
              ok = FALSE;
              break;
            }
          data += n;
          length -= n;
          if (lf == NULL)
            break;

          /* Strip LF and a CR before it. */
          self->line_len--;
          if (self->line_len > self->line_start && self->line[self->line_len - 1] == '\r')
            self->line_len--;
          if (self->line_len - self->line_start > self->max_line_length)
            {
              ok = fail_with (self, error, PETREL_IMAP_ERROR_LIMIT,
                              "The server sent a response line longer than %" G_GSIZE_FORMAT
                              " bytes", self->max_line_length);
              break;
            }

          if (!finish_line (self, error))
            {
              ok = FALSE;
              break;
            }
          if (self->generation != generation)
            break;  /* reset from a response func: drop the rest */
        }
      else if (self->state == STATE_LITERAL)
        {
          if (!feed_literal (self, &data, &length, error))
            {
              ok = FALSE;
              break;
            }
        }
      else
        {
          /* STATE_FAILED: every path that fails breaks out above, so this only guards the loop. */
          g_propagate_error (error, g_error_copy (self->failure));
          ok = FALSE;
          break;
        }
    }

  self->in_feed = FALSE;
  return ok;
}

/* ------------------------------------------------------------------------------------------ */

static void
petrel_imap_parser_finalize (GObject *object)
{
  PetrelImapParser *self = (PetrelImapParser *) object;

  clear_pending (self);
  g_clear_pointer (&self->literals, g_array_unref);
  g_clear_pointer (&self->line, g_free);
  g_clear_pointer (&self->values, g_free);
  g_clear_pointer (&self->frames, g_free);
  g_clear_pointer (&self->spool_dir, g_free);
  g_clear_error (&self->failure);
  g_queue_clear_full (&self->queue, (GDestroyNotify) petrel_imap_response_unref);
  if (self->func_destroy != NULL)
    self->func_destroy (self->func_data);

  G_OBJECT_CLASS (petrel_imap_parser_parent_class)->finalize (object);
}

static void
petrel_imap_parser_class_init (PetrelImapParserClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = petrel_imap_parser_finalize;
  init_char_classes ();
}

static void
petrel_imap_parser_init (PetrelImapParser *self)
{
  self->state = STATE_LINE;
  self->literals = g_array_new (FALSE, TRUE, sizeof (PendingLiteral));
  self->max_line_length = PETREL_IMAP_PARSER_DEFAULT_MAX_LINE_LENGTH;
  self->max_literal_size = PETREL_IMAP_PARSER_DEFAULT_MAX_LITERAL_SIZE;
  self->literal_threshold = PETREL_IMAP_PARSER_DEFAULT_LITERAL_THRESHOLD;
  self->max_memory = PETREL_IMAP_PARSER_DEFAULT_MAX_MEMORY;
  self->max_depth = PETREL_IMAP_PARSER_DEFAULT_MAX_DEPTH;
  g_queue_init (&self->queue);
}

PetrelImapParser *
petrel_imap_parser_new (void)
{
  return g_object_new (PETREL_TYPE_IMAP_PARSER, NULL);
}

void
petrel_imap_parser_set_response_func (PetrelImapParser       *self,
                                      PetrelImapResponseFunc  func,
                                      gpointer                user_data,
                                      GDestroyNotify          destroy)
{
  g_return_if_fail (PETREL_IS_IMAP_PARSER (self));

  if (self->func_destroy != NULL)
    self->func_destroy (self->func_data);
  self->func = func;
  self->func_data = user_data;
  self->func_destroy = destroy;
}

PetrelImapResponse *
petrel_imap_parser_pop (PetrelImapParser *self)
{
  g_return_val_if_fail (PETREL_IS_IMAP_PARSER (self), NULL);
  return g_queue_pop_head (&self->queue);
}

gboolean
petrel_imap_parser_has_failed (PetrelImapParser *self)
{
  g_return_val_if_fail (PETREL_IS_IMAP_PARSER (self), TRUE);
  return self->state == STATE_FAILED;
}

gboolean
petrel_imap_parser_is_mid_response (PetrelImapParser *self)
{
  g_return_val_if_fail (PETREL_IS_IMAP_PARSER (self), FALSE);
  return self->state == STATE_LITERAL || self->line_len > 0 || self->literals->len > 0;
}

guint64
petrel_imap_parser_get_pending_size (PetrelImapParser *self)
{
  guint64 n;

  g_return_val_if_fail (PETREL_IS_IMAP_PARSER (self), 0);

  n = self->line_len;
  for (guint i = 0; i < self->literals->len; i++)
    n += g_array_index (self->literals, PendingLiteral, i).received;
  return n;
}

void
petrel_imap_parser_reset (PetrelImapParser *self)
{
  g_return_if_fail (PETREL_IS_IMAP_PARSER (self));

  clear_pending (self);
  g_clear_error (&self->failure);
  self->state = STATE_LINE;
  self->generation++;
}

void
petrel_imap_parser_set_max_line_length (PetrelImapParser *self,
                                        gsize             max_length)
{
  g_return_if_fail (PETREL_IS_IMAP_PARSER (self));
  g_return_if_fail (max_length >= 64);
  self->max_line_length = max_length;
}

gsize
petrel_imap_parser_get_max_line_length (PetrelImapParser *self)
{
  g_return_val_if_fail (PETREL_IS_IMAP_PARSER (self), 0);
  return self->max_line_length;
}

void
petrel_imap_parser_set_max_literal_size (PetrelImapParser *self,
                                         guint64           max_size)
{
  g_return_if_fail (PETREL_IS_IMAP_PARSER (self));
  self->max_literal_size = max_size;
}

void
petrel_imap_parser_set_literal_threshold (PetrelImapParser *self,
                                          gsize             threshold)
{
  g_return_if_fail (PETREL_IS_IMAP_PARSER (self));
  self->literal_threshold = MIN (threshold, (gsize) G_MAXUINT32 - 1);
}

gsize
petrel_imap_parser_get_literal_threshold (PetrelImapParser *self)
{
  g_return_val_if_fail (PETREL_IS_IMAP_PARSER (self), 0);
  return self->literal_threshold;
}

void
petrel_imap_parser_set_max_memory (PetrelImapParser *self,
                                   gsize             max_memory)
{
  g_return_if_fail (PETREL_IS_IMAP_PARSER (self));
  self->max_memory = max_memory;
}

void
petrel_imap_parser_set_max_depth (PetrelImapParser *self,
                                  guint             max_depth)
{
  g_return_if_fail (PETREL_IS_IMAP_PARSER (self));
  g_return_if_fail (max_depth >= 1 && max_depth <= 1024);
  self->max_depth = max_depth;
}

void
petrel_imap_parser_set_spool_dir (PetrelImapParser *self,
                                  const char       *dir)
{
  g_return_if_fail (PETREL_IS_IMAP_PARSER (self));
  g_free (self->spool_dir);
  self->spool_dir = g_strdup (dir);
}

const char *
petrel_imap_parser_get_spool_dir (PetrelImapParser *self)
{
  g_return_val_if_fail (PETREL_IS_IMAP_PARSER (self), NULL);
  return self->spool_dir != NULL ? self->spool_dir : g_get_tmp_dir ();
}
