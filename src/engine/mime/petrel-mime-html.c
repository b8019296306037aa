/* petrel-mime-html.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "petrel-mime-decode.h"
#include "petrel-mime-html.h"
#include "petrel-mime-private.h"

/* A single pass over the markup that keeps a small stack of open elements: enough to
 * turn the HTML of real mail (nested layout tables, lists, quotes, Outlook conditional
 * comments, hidden preheaders) into readable text. It never builds a DOM, never recurses,
 * and bounds its stack, so hostile markup costs at most linear time. */

#define MAX_STACK 512
#define MAX_TAG_NAME 15

typedef struct
{
  char     name[MAX_TAG_NAME + 1];
  guint    skip : 1;        /* started a region that produces no text */
  guint    quote : 1;       /* <blockquote> */
  guint    pre : 1;         /* <pre> and friends */
  guint    list : 1;        /* <ul>, <ol> */
  guint    link : 1;        /* <a href> whose URL is written after its text */
  guint    tight : 1;       /* a paragraph without margins (Outlook's MsoNormal) */
  gsize    out_start;       /* length of the output when the element opened */
} Element;

typedef struct
{
  gboolean ordered;
  gint     counter;
} List;

typedef struct
{
  char     *href;
  char     *alt;
  char     *style;
  gboolean  hidden;
  gboolean  tight;
  gboolean  has_start;
  gint      start;
} Attributes;

typedef struct
{
  GString  *out;
  GArray   *stack;               /* of Element */
  GArray   *lists;               /* of List */
  gint      skip_depth;
  gint      quote_depth;
  gint      pre_depth;
  gint      pending_newlines;
  gint      pending_quote_depth;
  gboolean  pending_space;
  gboolean  at_line_start;
  gboolean  suppress_newlines;   /* a list marker or table cell began: no newline before text */
  gboolean  pre_skip_newline;    /* a newline right after <pre> is not content */
  char     *link_href;
  gsize     link_start;
} Html;

typedef struct
{
  const char *name;
  gunichar    value;
} Entity;

/* Latin-1 entities, U+00A0 to U+00FF in order. */
static const char * const latin1_entities[96] = {
  "nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect",
  "uml", "copy", "ordf", "laquo", "not", "shy", "reg", "macr",
  "deg", "plusmn", "sup2", "sup3", "acute", "micro", "para", "middot",
  "cedil", "sup1", "ordm", "raquo", "frac14", "frac12", "frac34", "iquest",
  "Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring", "AElig", "Ccedil",
  "Egrave", "Eacute", "Ecirc", "Euml", "Igrave", "Iacute", "Icirc", "Iuml",
  "ETH", "Ntilde", "Ograve", "Oacute", "Ocirc", "Otilde", "Ouml", "times",
  "Oslash", "Ugrave", "Uacute", "Ucirc", "Uuml", "Yacute", "THORN", "szlig",
  "agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil",
  "egrave", "eacute", "ecirc", "euml", "igrave", "iacute", "icirc", "iuml",
  "eth", "ntilde", "ograve", "oacute", "ocirc", "otilde", "ouml", "divide",
  "oslash", "ugrave", "uacute", "ucirc", "uuml", "yacute", "thorn", "yuml",
};

static const Entity other_entities[] = {
  { "quot", 0x22 }, { "amp", 0x26 }, { "apos", 0x27 }, { "lt", 0x3C }, { "gt", 0x3E },
  { "OElig", 0x152 }, { "oelig", 0x153 }, { "Scaron", 0x160 }, { "scaron", 0x161 },
  { "Yuml", 0x178 }, { "fnof", 0x192 }, { "circ", 0x2C6 }, { "tilde", 0x2DC },
  { "Alpha", 0x391 }, { "Beta", 0x392 }, { "Gamma", 0x393 }, { "Delta", 0x394 },
  { "Omega", 0x3A9 }, { "alpha", 0x3B1 }, { "beta", 0x3B2 }, { "gamma", 0x3B3 },
  { "delta", 0x3B4 }, { "epsilon", 0x3B5 }, { "lambda", 0x3BB }, { "mu", 0x3BC },
  { "pi", 0x3C0 }, { "sigma", 0x3C3 }, { "omega", 0x3C9 },
  { "ensp", 0x2002 }, { "emsp", 0x2003 }, { "thinsp", 0x2009 }, { "zwnj", 0x200C },
  { "zwj", 0x200D }, { "lrm", 0x200E }, { "rlm", 0x200F }, { "ndash", 0x2013 },
  { "mdash", 0x2014 }, { "lsquo", 0x2018 }, { "rsquo", 0x2019 }, { "sbquo", 0x201A },
  { "ldquo", 0x201C }, { "rdquo", 0x201D }, { "bdquo", 0x201E }, { "dagger", 0x2020 },
  { "Dagger", 0x2021 }, { "bull", 0x2022 }, { "hellip", 0x2026 }, { "permil", 0x2030 },
  { "prime", 0x2032 }, { "Prime", 0x2033 }, { "lsaquo", 0x2039 }, { "rsaquo", 0x203A },
  { "oline", 0x203E }, { "frasl", 0x2044 }, { "euro", 0x20AC }, { "trade", 0x2122 },
  { "larr", 0x2190 }, { "uarr", 0x2191 }, { "rarr", 0x2192 }, { "darr", 0x2193 },
  { "harr", 0x2194 }, { "minus", 0x2212 }, { "infin", 0x221E }, { "asymp", 0x2248 },
  { "ne", 0x2260 }, { "le", 0x2264 }, { "ge", 0x2265 }, { "loz", 0x25CA },
  { "spades", 0x2660 }, { "clubs", 0x2663 }, { "hearts", 0x2665 }, { "diams", 0x2666 },
  { "check", 0x2713 }, { "star", 0x2606 }, { "nbsp", 0xA0 }, { "NewLine", 0x0A },
  { "Tab", 0x09 },
};

/* Entities a browser also decodes without the closing semicolon. */
static const char * const legacy_entities[] = { "amp", "lt", "gt", "quot", "nbsp", "copy", "reg" };

static const char * const void_elements[] = {
  "area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta",
  "param", "source", "track", "wbr",
};

/* Elements whose start and end each begin a new line. */
static const char * const block_elements[] = {
  "address", "article", "aside", "body", "caption", "center", "dd", "details", "dialog",
  "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "header",
  "hgroup", "html", "legend", "li", "main", "menu", "nav", "ol", "option", "section",
  "summary", "table", "tbody", "tfoot", "thead", "tr", "ul",
};

/* Elements set apart by a blank line. */
static const char * const paragraph_elements[] = {
  "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "p", "pre", "listing", "xmp",
};

/* Elements whose content is not markup; skipped entirely unless listed as shown below. */
static const char * const raw_text_elements[] = {
  "iframe", "noembed", "noframes", "script", "style", "template", "textarea", "title", "xmp",
};

/* Elements whose content is drawing or machinery, never text. */
static const char * const skipped_elements[] = { "math", "svg" };

static gboolean
name_in (const char         *name,
         const char * const *names,
         gsize               n_names)
{
  for (gsize i = 0; i < n_names; i++)
    if (strcmp (name, names[i]) == 0)
      return TRUE;

  return FALSE;
}

#define NAME_IN(name, array) name_in ((name), (array), G_N_ELEMENTS (array))

static gboolean
is_block (const char *name)
{
  return NAME_IN (name, block_elements);
}

static gboolean
is_paragraph (const char *name)
{
  return NAME_IN (name, paragraph_elements);
}

static gboolean
lookup_entity (const char *name,
               gsize       length,
               gunichar   *value)
{
  for (gsize i = 0; i < G_N_ELEMENTS (latin1_entities); i++)
    if (strlen (latin1_entities[i]) == length && strncmp (latin1_entities[i], name, length) == 0)
      {
        *value = 0xA0 + i;
        return TRUE;
      }

  for (gsize i = 0; i < G_N_ELEMENTS (other_entities); i++)
    if (strlen (other_entities[i].name) == length &&
        strncmp (other_entities[i].name, name, length) == 0)
      {
        *value = other_entities[i].value;
        return TRUE;
      }

  return FALSE;
}

/* Decodes the character reference at @p (which points at '&'). On success stores the
 * character in @value (0 for one that produces nothing) and the end in @next. */
static gboolean
decode_entity (const char  *p,
               const char  *end,
               gunichar    *value,
               const char **next)
{
  const char *q = p + 1;

  if (q < end && *q == '#')
    {
      gboolean hex = FALSE;
      guint64 code = 0;
      int digits = 0;

      q++;
      if (q < end && (*q == 'x' || *q == 'X'))
        {
          hex = TRUE;
          q++;
        }
      while (q < end && (hex ? g_ascii_isxdigit (*q) : g_ascii_isdigit (*q)))
        {
          if (code <= 0x10FFFF)
            code = code * (hex ? 16 : 10) + (hex ? g_ascii_xdigit_value (*q) : *q - '0');
          digits++;
          q++;
        }
      if (digits == 0)
        return FALSE;
      if (q < end && *q == ';')
        q++;

      if (code == 0 || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
        *value = 0xFFFD;
      else if (code >= 0x80 && code < 0xA0)
        *value = _petrel_mime_cp1252_to_unicode ((guchar) code);
      else if ((code < 0x20 && code != '\t' && code != '\n' && code != '\r') || code == 0x7F)
        *value = 0;
      else
        *value = (gunichar) code;

      *next = q;
      return TRUE;
    }

  while (q < end && g_ascii_isalnum (*q) && q - p <= 32)
    q++;
  if (q == p + 1)
    return FALSE;

  if (q < end && *q == ';')
    {
      if (!lookup_entity (p + 1, q - (p + 1), value))
        return FALSE;
      *next = q + 1;
      return TRUE;
    }

  /* "&copy 2026" decodes like a browser would; "&copy=1" in a URL does not. */
  if (q < end && *q == '=')
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (legacy_entities); i++)
    {
      gsize len = strlen (legacy_entities[i]);

      if ((gsize) (q - (p + 1)) == len && strncmp (p + 1, legacy_entities[i], len) == 0)
        {
          lookup_entity (p + 1, len, value);
          *next = q;
          return TRUE;
        }
    }

  return FALSE;
}

static char *
decode_attribute (const char *start,
                  gsize       length)
{
  GString *out = g_string_sized_new (length + 1);
  const char *p = start;
  const char *end = start + length;

  while (p < end)
    {
      gunichar value;
      const char *next;

      if (*p == '&' && decode_entity (p, end, &value, &next))
        {
          if (value != 0)
            g_string_append_unichar (out, value);
          p = next;
        }
      else
        g_string_append_c (out, *p++);
    }

  return g_string_free (out, FALSE);
}

static void
attributes_clear (Attributes *attrs)
{
  g_clear_pointer (&attrs->href, g_free);
  g_clear_pointer (&attrs->alt, g_free);
  g_clear_pointer (&attrs->style, g_free);
}

static gboolean
is_zero_width (gunichar c)
{
  return c == 0x00AD || c == 0x034F || c == 0x200B || c == 0x200C || c == 0x200D ||
         c == 0x2060 || c == 0xFEFF;
}

static gboolean
is_collapsible_space (gunichar c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0xA0 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x202F || c == 0x205F || c == 0x3000;
}

static void
append_quote_marks (Html *h,
                    gint  depth)
{
  for (gint i = 0; i < depth; i++)
    g_string_append_c (h->out, '>');
}

/* Writes what is pending (newlines, the quote prefix of a new line, one space) before the
 * next piece of visible text. */
static void
flush_pending (Html *h)
{
  if (h->out->len == 0)
    {
      h->pending_newlines = 0;
      h->pending_space = FALSE;
    }

  if (h->pending_newlines > 0)
    {
      gint blank_depth = MIN (h->pending_quote_depth, h->quote_depth);

      for (gint i = 0; i < h->pending_newlines; i++)
        {
          g_string_append_c (h->out, '\n');
          if (i < h->pending_newlines - 1)
            append_quote_marks (h, blank_depth);
        }
      h->pending_newlines = 0;
      h->at_line_start = TRUE;
    }

  if (h->at_line_start)
    {
      if (h->quote_depth > 0)
        {
          append_quote_marks (h, h->quote_depth);
          g_string_append_c (h->out, ' ');
        }
      h->at_line_start = FALSE;
    }
  else if (h->pending_space)
    g_string_append_c (h->out, ' ');

  h->pending_space = FALSE;
  h->suppress_newlines = FALSE;
}

static void
request_newlines (Html *h,
                  gint  count)
{
  if (h->skip_depth > 0 || h->out->len == 0 || h->suppress_newlines)
    return;

  if (h->pending_newlines == 0)
    h->pending_quote_depth = h->quote_depth;
  else
    h->pending_quote_depth = MIN (h->pending_quote_depth, h->quote_depth);

  h->pending_newlines = MAX (h->pending_newlines, count);
  h->pending_space = FALSE;
}

static void
emit_char (Html     *h,
           gunichar  c)
{
  if (h->skip_depth > 0 || c == 0 || is_zero_width (c))
    return;

  if (h->pre_depth > 0)
    {
      if (c == '\r')
        return;
      if (c == '\n')
        {
          if (h->pre_skip_newline)
            {
              h->pre_skip_newline = FALSE;
              return;
            }
          flush_pending (h);
          g_string_append_c (h->out, '\n');
          h->at_line_start = TRUE;
          return;
        }
      h->pre_skip_newline = FALSE;
      flush_pending (h);
      g_string_append_unichar (h->out, c == 0xA0 ? ' ' : c);
      return;
    }

  if (is_collapsible_space (c))
    {
      if (!h->at_line_start || h->pending_newlines > 0)
        h->pending_space = TRUE;
      return;
    }

  flush_pending (h);
  if (h->link_href != NULL && h->link_start == G_MAXSIZE)
    h->link_start = h->out->len;
  g_string_append_unichar (h->out, c);
}

static void
emit_string (Html       *h,
             const char *text)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    emit_char (h, g_utf8_get_char (p));
}

/* Text between tags: UTF-8 with character references. */
static void
emit_text (Html       *h,
           const char *start,
           const char *end)
{
  const char *p = start;

  if (h->skip_depth > 0)
    return;

  while (p < end)
    {
      gunichar value;
      const char *next;

      if (*p == '&' && decode_entity (p, end, &value, &next))
        {
          emit_char (h, value);
          p = next;
        }
      else
        {
          emit_char (h, g_utf8_get_char (p));
          p = g_utf8_next_char (p);
        }
    }
}

static void
emit_marker (Html       *h,
             const char *marker,
             gint        indent)
{
  if (h->skip_depth > 0)
    return;

  /* A marker that got no text (an item holding only a nested list) still ends its line. */
  h->suppress_newlines = FALSE;
  request_newlines (h, 1);
  flush_pending (h);
  for (gint i = 0; i < indent; i++)
    g_string_append (h->out, "  ");
  g_string_append (h->out, marker);
  h->suppress_newlines = TRUE;
}

/* "https://example.org/" and "example.org" are the same link text. */
static char *
comparable_url (const char *url)
{
  const char *p = url;
  char *copy;
  gsize len;

  if (g_ascii_strncasecmp (p, "mailto:", 7) == 0)
    p += 7;
  else if (g_ascii_strncasecmp (p, "https://", 8) == 0)
    p += 8;
  else if (g_ascii_strncasecmp (p, "http://", 7) == 0)
    p += 7;
  if (g_ascii_strncasecmp (p, "www.", 4) == 0)
    p += 4;

  copy = g_ascii_strdown (p, -1);
  len = strlen (copy);
  while (len > 0 && copy[len - 1] == '/')
    copy[--len] = '\0';

  return copy;
}

static void
finish_link (Html *h)
{
  g_autofree char *href = g_steal_pointer (&h->link_href);
  g_autofree char *text = NULL;
  g_autofree char *shown = NULL;
  g_autofree char *text_key = NULL;
  g_autofree char *href_key = NULL;

  if (href == NULL || h->skip_depth > 0 || h->link_start >= h->out->len)
    return;

  text = g_strstrip (g_strdup (h->out->str + h->link_start));
  if (text[0] == '\0')
    return;

  if (g_ascii_strncasecmp (href, "mailto:", 7) == 0)
    {
      const char *address = href + 7;
      const char *query = strchr (address, '?');

      shown = g_strndup (address, query != NULL ? (gsize) (query - address) : strlen (address));
    }
  else
    shown = g_strdup (href);

  text_key = comparable_url (text);
  href_key = comparable_url (shown);
  if (shown[0] == '\0' || strcmp (text_key, href_key) == 0)
    return;

  emit_char (h, ' ');
  emit_char (h, '<');
  emit_string (h, shown);
  emit_char (h, '>');
}

static void
close_element (Html    *h,
               Element *element)
{
  const char *name = element->name;

  if (element->link)
    finish_link (h);

  if (element->skip)
    h->skip_depth--;

  if (element->pre)
    {
      h->pre_depth--;
      h->pre_skip_newline = FALSE;
    }

  if (element->quote)
    h->quote_depth--;

  if (element->list && h->lists->len > 0)
    g_array_set_size (h->lists, h->lists->len - 1);

  if (element->list)
    request_newlines (h, h->lists->len > 0 ? 1 : 2);
  else if (element->tight)
    {
      /* Outlook spaces text with empty margin-less paragraphs: keep those as blank lines. */
      if (h->out->len == element->out_start && h->skip_depth == 0)
        {
          gboolean suppressed = h->suppress_newlines;

          h->suppress_newlines = FALSE;
          request_newlines (h, 2);
          h->suppress_newlines = suppressed;
        }
      else
        request_newlines (h, 1);
    }
  else if (is_paragraph (name))
    request_newlines (h, 2);
  else if (is_block (name))
    request_newlines (h, 1);
}

/* Pops the stack down to and including the topmost element called @name, unless one of
 * @boundaries comes first. Returns whether such an element was found. */
static gboolean
close_up_to (Html               *h,
             const char         *name,
             const char * const *boundaries,
             gsize               n_boundaries)
{
  gint found = -1;

  for (gint i = (gint) h->stack->len - 1; i >= 0; i--)
    {
      Element *element = &g_array_index (h->stack, Element, i);

      if (strcmp (element->name, name) == 0)
        {
          found = i;
          break;
        }
      if (name_in (element->name, boundaries, n_boundaries))
        return FALSE;
    }

  if (found < 0)
    return FALSE;

  while ((gint) h->stack->len > found)
    {
      Element element = g_array_index (h->stack, Element, h->stack->len - 1);

      g_array_set_size (h->stack, h->stack->len - 1);
      close_element (h, &element);
    }

  return TRUE;
}

static const char * const p_scope[] = {
  "applet", "button", "caption", "html", "marquee", "object", "table", "td", "template", "th",
};
static const char * const li_scope[] = { "ol", "ul", "table" };
static const char * const dl_scope[] = { "dl", "table" };
static const char * const cell_scope[] = { "table", "tr" };
static const char * const row_scope[] = { "table" };
static const char * const option_scope[] = { "select", "datalist" };
static const char * const no_scope[] = { "html" };

/* The end tags a browser implies when one of these start tags comes. */
static void
close_implied (Html       *h,
               const char *name)
{
  if (is_block (name) || is_paragraph (name) || strcmp (name, "hr") == 0)
    close_up_to (h, "p", p_scope, G_N_ELEMENTS (p_scope));

  if (strcmp (name, "li") == 0)
    close_up_to (h, "li", li_scope, G_N_ELEMENTS (li_scope));
  else if (strcmp (name, "dt") == 0 || strcmp (name, "dd") == 0)
    {
      close_up_to (h, "dt", dl_scope, G_N_ELEMENTS (dl_scope));
      close_up_to (h, "dd", dl_scope, G_N_ELEMENTS (dl_scope));
    }
  else if (strcmp (name, "td") == 0 || strcmp (name, "th") == 0)
    {
      close_up_to (h, "td", cell_scope, G_N_ELEMENTS (cell_scope));
      close_up_to (h, "th", cell_scope, G_N_ELEMENTS (cell_scope));
    }
  else if (strcmp (name, "tr") == 0)
    close_up_to (h, "tr", row_scope, G_N_ELEMENTS (row_scope));
  else if (strcmp (name, "option") == 0)
    close_up_to (h, "option", option_scope, G_N_ELEMENTS (option_scope));
  else if (strcmp (name, "a") == 0)
    close_up_to (h, "a", no_scope, G_N_ELEMENTS (no_scope));
}

/* Cells after the first one with text in a row continue its line, whatever blocks they or
 * the previous cell hold: "Position  Betrag" rather than one word per line. */
static void
start_cell (Html *h)
{
  for (gint i = (gint) h->stack->len - 1; i >= 0; i--)
    {
      Element *element = &g_array_index (h->stack, Element, i);

      if (strcmp (element->name, "table") == 0)
        break;
      if (strcmp (element->name, "tr") == 0)
        {
          if (h->out->len > element->out_start && h->skip_depth == 0)
            {
              h->pending_newlines = 0;
              h->pending_space = TRUE;
              h->suppress_newlines = TRUE;
            }
          return;
        }
    }

  emit_char (h, ' ');
}

static gboolean
style_hides (const char *style)
{
  g_autofree char *compact = NULL;
  char *w = NULL;

  if (style == NULL)
    return FALSE;

  compact = g_ascii_strdown (style, -1);
  w = compact;
  for (const char *r = compact; *r != '\0'; r++)
    if (!g_ascii_isspace (*r))
      *w++ = *r;
  *w = '\0';

  return strstr (compact, "display:none") != NULL ||
         strstr (compact, "visibility:hidden") != NULL;
}

static void
open_element (Html             *h,
              const char       *name,
              const Attributes *attrs)
{
  Element element = { { 0 }, };
  gboolean can_push = h->stack->len < MAX_STACK;

  close_implied (h, name);

  if (strcmp (name, "br") == 0)
    {
      if (h->skip_depth == 0 && h->out->len > 0 && !h->suppress_newlines)
        {
          if (h->pending_newlines == 0)
            h->pending_quote_depth = h->quote_depth;
          h->pending_newlines = MIN (h->pending_newlines + 1, 2);
          h->pending_space = FALSE;
        }
      return;
    }

  if (strcmp (name, "hr") == 0)
    {
      request_newlines (h, 1);
      emit_string (h, "----------");
      request_newlines (h, 1);
      return;
    }

  if (strcmp (name, "img") == 0)
    {
      if (attrs->alt != NULL && !attrs->hidden && !style_hides (attrs->style))
        {
          emit_char (h, ' ');
          emit_string (h, attrs->alt);
          emit_char (h, ' ');
        }
      return;
    }

  if (NAME_IN (name, void_elements))
    return;

  if (strcmp (name, "p") == 0 && attrs->tight)
    {
      request_newlines (h, 1);
      element.tight = TRUE;
    }
  else if (is_paragraph (name))
    request_newlines (h, 2);
  else if (strcmp (name, "ul") == 0 || strcmp (name, "ol") == 0)
    request_newlines (h, h->lists->len > 0 ? 1 : 2);
  else if (is_block (name))
    request_newlines (h, 1);
  else if (strcmp (name, "td") == 0 || strcmp (name, "th") == 0)
    start_cell (h);

  if (!can_push)
    return;

  g_strlcpy (element.name, name, sizeof element.name);
  element.out_start = h->out->len;

  if (attrs->hidden || style_hides (attrs->style) || NAME_IN (name, skipped_elements))
    {
      element.skip = TRUE;
      h->skip_depth++;
    }

  if (strcmp (name, "blockquote") == 0)
    {
      element.quote = TRUE;
      h->quote_depth++;
    }
  else if (strcmp (name, "pre") == 0 || strcmp (name, "listing") == 0)
    {
      element.pre = TRUE;
      h->pre_depth++;
      h->pre_skip_newline = TRUE;
    }
  else if (strcmp (name, "ul") == 0 || strcmp (name, "ol") == 0)
    {
      List list = { name[0] == 'o', attrs->has_start ? attrs->start : 1 };

      element.list = TRUE;
      g_array_append_val (h->lists, list);
    }
  else if (strcmp (name, "li") == 0)
    {
      if (h->lists->len > 0)
        {
          List *list = &g_array_index (h->lists, List, h->lists->len - 1);

          if (list->ordered)
            {
              g_autofree char *marker = g_strdup_printf ("%d. ", list->counter);

              emit_marker (h, marker, h->lists->len - 1);
              if (list->counter < G_MAXINT)
                list->counter++;
            }
          else
            emit_marker (h, "- ", h->lists->len - 1);
        }
      else
        emit_marker (h, "- ", 0);
    }
  else if (strcmp (name, "a") == 0 && attrs->href != NULL)
    {
      const char *href = attrs->href;

      if (href[0] != '\0' && href[0] != '#' &&
          g_ascii_strncasecmp (href, "javascript:", 11) != 0 &&
          g_ascii_strncasecmp (href, "data:", 5) != 0 &&
          g_ascii_strncasecmp (href, "cid:", 4) != 0 &&
          g_ascii_strncasecmp (href, "about:", 6) != 0 &&
          g_ascii_strncasecmp (href, "vbscript:", 9) != 0)
        {
          /* link_start is set by the first visible character of the link's text, so that
           * white space and quote marks before it are not taken as part of it. */
          g_free (h->link_href);
          h->link_href = g_strdup (href);
          h->link_start = G_MAXSIZE;
          element.link = TRUE;
        }
    }

  g_array_append_val (h->stack, element);
}

static void
end_element (Html       *h,
             const char *name)
{
  if (strcmp (name, "br") == 0)
    {
      /* "</br>" is a line break to browsers too. */
      Attributes none = { 0, };

      open_element (h, "br", &none);
      return;
    }

  if (close_up_to (h, name, no_scope, G_N_ELEMENTS (no_scope)))
    return;

  /* A stray end tag still ends a line where its start tag would have begun one. */
  if (strcmp (name, "p") == 0 || is_paragraph (name))
    request_newlines (h, 2);
  else if (is_block (name))
    request_newlines (h, 1);
}

/* Reads a tag name at @p into @name (lower case, truncated); returns the end of the name. */
static const char *
read_tag_name (const char *p,
               const char *end,
               char        name[MAX_TAG_NAME + 1])
{
  gsize n = 0;

  while (p < end && !g_ascii_isspace (*p) && *p != '>' && *p != '/')
    {
      if (n < MAX_TAG_NAME)
        name[n++] = g_ascii_tolower (*p);
      p++;
    }
  name[n] = '\0';

  return p;
}

/* Parses attributes up to the closing '>'; returns the position after it, or @end. */
static const char *
read_attributes (const char *p,
                 const char *end,
                 Attributes *attrs)
{
  while (p < end)
    {
      const char *name_start;
      gsize name_len;
      const char *value_start = NULL;
      gsize value_len = 0;

      while (p < end && (g_ascii_isspace (*p) || *p == '/'))
        p++;
      if (p >= end)
        return end;
      if (*p == '>')
        return p + 1;

      name_start = p;
      while (p < end && !g_ascii_isspace (*p) && *p != '>' && *p != '=' && *p != '/')
        p++;
      if (p == name_start)
        p++;   /* a lone '=' */
      name_len = p - name_start;

      while (p < end && g_ascii_isspace (*p))
        p++;
      if (p < end && *p == '=')
        {
          p++;
          while (p < end && g_ascii_isspace (*p))
            p++;
          if (p < end && (*p == '"' || *p == '\''))
            {
              char quote = *p++;

              value_start = p;
              while (p < end && *p != quote)
                p++;
              value_len = p - value_start;
              if (p < end)
                p++;
            }
          else
            {
              value_start = p;
              while (p < end && !g_ascii_isspace (*p) && *p != '>')
                p++;
              value_len = p - value_start;
            }
        }

      if (name_len == 4 && g_ascii_strncasecmp (name_start, "href", 4) == 0 &&
          value_start != NULL && attrs->href == NULL)
        {
          g_autofree char *href = decode_attribute (value_start, value_len);
          GString *compact = g_string_new (NULL);

          /* URLs have no white space; what there is came from wrapping. */
          for (const char *c = href; *c != '\0'; c++)
            if (!g_ascii_isspace (*c))
              g_string_append_c (compact, *c);
          attrs->href = g_string_free (compact, FALSE);
        }
      else if (name_len == 3 && g_ascii_strncasecmp (name_start, "alt", 3) == 0 &&
               value_start != NULL && attrs->alt == NULL)
        attrs->alt = decode_attribute (value_start, value_len);
      else if (name_len == 5 && g_ascii_strncasecmp (name_start, "style", 5) == 0 &&
               value_start != NULL && attrs->style == NULL)
        attrs->style = decode_attribute (value_start, MIN (value_len, 4096));
      else if (name_len == 6 && g_ascii_strncasecmp (name_start, "hidden", 6) == 0)
        attrs->hidden = TRUE;
      else if (name_len == 5 && g_ascii_strncasecmp (name_start, "class", 5) == 0 &&
               value_start != NULL)
        {
          g_autofree char *value = g_ascii_strdown (value_start, MIN (value_len, 256));

          attrs->tight = strstr (value, "msonormal") != NULL;
        }
      else if (name_len == 5 && g_ascii_strncasecmp (name_start, "start", 5) == 0 &&
               value_start != NULL)
        {
          g_autofree char *value = g_strndup (value_start, MIN (value_len, 12));
          gint64 start = g_ascii_strtoll (value, NULL, 10);

          attrs->has_start = TRUE;
          attrs->start = (gint) CLAMP (start, -1000000, 1000000);
        }
    }

  return end;
}

/* Finds the end tag "</name" (case-insensitive) of a raw-text element. */
static const char *
find_raw_text_end (const char *p,
                   const char *end,
                   const char *name)
{
  gsize len = strlen (name);

  for (; p + 2 + len <= end; p++)
    {
      if (p[0] == '<' && p[1] == '/' && g_ascii_strncasecmp (p + 2, name, len) == 0 &&
          (p + 2 + len == end || g_ascii_isspace (p[2 + len]) || p[2 + len] == '>' ||
           p[2 + len] == '/'))
        return p;
    }

  return end;
}

static const char *
find_string (const char *p,
             const char *end,
             const char *needle)
{
  gsize len = strlen (needle);

  for (; p + len <= end; p++)
    if (memcmp (p, needle, len) == 0)
      return p;

  return NULL;
}

/* Handles the markup at @p (a '<'); returns where text resumes. */
static const char *
handle_markup (Html       *h,
               const char *p,
               const char *end)
{
  const char *q = p + 1;

  if (q >= end)
    {
      emit_char (h, '<');
      return end;
    }

  if (*q == '!')
    {
      if (q + 2 < end && q[1] == '-' && q[2] == '-')
        {
          /* A comment: Outlook's conditional blocks are in these too, and vanish. */
          const char *close;

          if (q + 3 < end && q[3] == '>')
            return q + 4;
          close = find_string (q + 3, end, "-->");
          return close != NULL ? close + 3 : end;
        }
      else
        {
          const char *close = memchr (q, '>', end - q);

          return close != NULL ? close + 1 : end;
        }
    }

  if (*q == '?')
    {
      const char *close = memchr (q, '>', end - q);

      return close != NULL ? close + 1 : end;
    }

  if (*q == '/')
    {
      char name[MAX_TAG_NAME + 1];
      const char *close;

      if (q + 1 >= end || !g_ascii_isalpha (q[1]))
        {
          /* "</>" is nothing; "</ 3" is a bogus comment. */
          close = memchr (q, '>', end - q);
          return close != NULL ? close + 1 : end;
        }

      q = read_tag_name (q + 1, end, name);
      close = memchr (q, '>', end - q);
      end_element (h, name);
      return close != NULL ? close + 1 : end;
    }

  if (g_ascii_isalpha (*q))
    {
      char name[MAX_TAG_NAME + 1];
      Attributes attrs = { 0, };
      const char *after;

      q = read_tag_name (q, end, name);
      after = read_attributes (q, end, &attrs);

      if (NAME_IN (name, raw_text_elements))
        {
          const char *content_end = find_raw_text_end (after, end, name);

          if (strcmp (name, "textarea") == 0 || strcmp (name, "xmp") == 0)
            {
              request_newlines (h, 1);
              emit_text (h, after, content_end);
              request_newlines (h, 1);
            }
          attributes_clear (&attrs);

          if (content_end < end)
            {
              const char *close = memchr (content_end, '>', end - content_end);

              return close != NULL ? close + 1 : end;
            }
          return end;
        }

      open_element (h, name, &attrs);
      attributes_clear (&attrs);
      return after;
    }

  emit_char (h, '<');
  return q;
}

/**
 * petrel_mime_html_to_text:
 * @html: HTML markup, UTF-8 (invalid bytes are repaired)
 * @length: length of @html, or -1 when nul-terminated
 *
 * Turns HTML into readable plain text: block elements start new lines and paragraphs,
 * list items get "- " or "1. " markers (indented when nested), blockquotes become "> "
 * quotes, links are written as `text <url>` (unless the text is the URL), images give their
 * alt text, character references are decoded, and scripts, styles, comments, hidden
 * elements and zero-width characters are dropped. White space is collapsed as a browser
 * would, except inside <pre>.
 *
 * Returns: (transfer full): the text, ending with a newline unless empty; never %NULL
 */
char *
petrel_mime_html_to_text (const char *html,
                          gssize      length)
{
  g_autofree char *valid = NULL;
  g_autofree char *normalized = NULL;
  g_autofree char *text = NULL;
  Html h = { 0, };
  const char *p;
  const char *end;

  if (html == NULL)
    return g_strdup ("");
  if (length < 0)
    length = strlen (html);

  valid = petrel_mime_utf8_repair (html, length);
  normalized = _petrel_mime_normalize_newlines (valid, strlen (valid));

  h.out = g_string_sized_new (strlen (normalized) / 2 + 16);
  h.stack = g_array_new (FALSE, TRUE, sizeof (Element));
  h.lists = g_array_new (FALSE, TRUE, sizeof (List));
  h.at_line_start = TRUE;

  p = normalized;
  end = normalized + strlen (normalized);
  while (p < end)
    {
      const char *lt = memchr (p, '<', end - p);

      if (lt == NULL)
        {
          emit_text (&h, p, end);
          break;
        }
      emit_text (&h, p, lt);
      p = handle_markup (&h, lt, end);
    }

  /* Close what was left open so that a dangling link still gets its URL. */
  while (h.stack->len > 0)
    {
      Element element = g_array_index (h.stack, Element, h.stack->len - 1);

      g_array_set_size (h.stack, h.stack->len - 1);
      close_element (&h, &element);
    }

  g_free (h.link_href);
  g_array_unref (h.stack);
  g_array_unref (h.lists);
  text = g_string_free (h.out, FALSE);

  return _petrel_mime_tidy_text (text);
}
