/* petrel-mime-private.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gmime/gmime.h>

#include "petrel-mime-summary.h"
#include "petrel-mime-text.h"

G_BEGIN_DECLS

/* GMime 3.2 declares no g_autoptr() cleanups; the guard lets another subsystem's private
 * header define the same ones. */
#ifndef PETREL_GMIME_AUTOPTR_DEFINED
#define PETREL_GMIME_AUTOPTR_DEFINED
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeDataWrapper, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeMessage, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeObject, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeParser, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeStream, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (InternetAddress, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (InternetAddressList, g_object_unref)
#endif

/* Upper bounds that keep hostile input from turning into unbounded work or output. */
#define PETREL_MIME_MAX_FIELD_BYTES   (16 * 1024)  /* one decoded header field */
#define PETREL_MIME_MAX_ADDRESSES     1000         /* addresses kept per header */
#define PETREL_MIME_MAX_REFERENCES    256          /* ids kept from References */
#define PETREL_MIME_MAX_DEPTH         64           /* MIME nesting levels walked */

/* How often petrel_mime_summary_new_from_data() read an address field each way, counted
 * since the process started; the tests check that the ways without GMime are taken. */
typedef struct
{
  guint plain;     /* plain ASCII, read directly */
  guint decoded;   /* names with encoded words, 8-bit bytes or quotes, decoded directly */
  guint gmime;     /* left to GMime's InternetAddressList */
} PetrelMimeAddressCounts;

GMimeParserOptions *_petrel_mime_parser_options          (void);
gunichar            _petrel_mime_cp1252_to_unicode       (guchar             byte);
void                _petrel_mime_append_cp1252           (GString           *out,
                                                          const char        *data,
                                                          gsize              length);
void                _petrel_mime_truncate_utf8           (GString           *str,
                                                          gsize              max_bytes);
char               *_petrel_mime_clean_line              (const char        *text,
                                                          gsize              max_bytes);
char               *_petrel_mime_clean_line_general      (const char        *text,
                                                          gsize              max_bytes);
char               *_petrel_mime_normalize_newlines      (const char        *text,
                                                          gsize              length);
char               *_petrel_mime_tidy_text               (const char        *text);
char               *_petrel_mime_prepare_header          (const char        *raw);
GPtrArray          *_petrel_mime_address_list_parse_prepared (const char    *prepared);
gsize               _petrel_mime_header_block_length     (const char        *data,
                                                          gsize              length);
const char         *_petrel_mime_header_raw              (GMimeObject       *object,
                                                          const char        *name);
GMimeMessage       *_petrel_mime_parse                   (const char        *data,
                                                          gsize              length);
PetrelMimeSummary  *_petrel_mime_summary_new_from_object (GMimeObject       *object,
                                                          gint64             fallback_date);
PetrelMimeSummary  *_petrel_mime_summary_new_from_data_gmime (const char   *data,
                                                              gsize         length,
                                                              gint64        fallback_date);
void                _petrel_mime_summary_get_address_counts (PetrelMimeAddressCounts *counts);
PetrelMimeBody     *_petrel_mime_body_new_from_message   (GMimeMessage      *message,
                                                          const char        *data,
                                                          gsize              length);
void                _petrel_mime_append_forward_header   (GString           *out,
                                                          GMimeObject       *message);
char               *_petrel_mime_format_date             (gint64             unix_time,
                                                          GTimeZone         *tz);
char               *_petrel_mime_format_date_short       (gint64             unix_time,
                                                          GTimeZone         *tz);

G_END_DECLS
