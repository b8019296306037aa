/* petrel-smtp-private.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "smtp/petrel-smtp-client.h"

G_BEGIN_DECLS

/* Longest reply line we accept, CRLF included. RFC 5321 4.5.3.1.5 says 512; real servers send
 * longer EHLO and rejection texts, so we allow the text-line limit. */
#define PETREL_SMTP_MAX_REPLY_LINE   1000
/* Most lines in one reply: an EHLO reply has about 15. */
#define PETREL_SMTP_MAX_REPLY_LINES  128
/* Longest message line, CRLF excluded (RFC 5321 4.5.3.1.6, RFC 5322 2.1.1). */
#define PETREL_SMTP_MAX_MESSAGE_LINE 998
/* Longest address we put on the wire (RFC 5321 4.5.3.1.3: a path is at most 256 octets). */
#define PETREL_SMTP_MAX_ADDRESS      254

/* One (possibly multi-line) server reply. */
typedef struct
{
  guint      code;      /* 200..599 */
  char      *enhanced;  /* "5.1.1" when the first line carries an RFC 3463 code, else NULL */
  GPtrArray *lines;     /* raw text of each line after "NNN-"/"NNN ", NUL-terminated */
  gboolean   complete;
} PetrelSmtpReply;

PetrelSmtpReply *_petrel_smtp_reply_new             (void);
void             _petrel_smtp_reply_free            (PetrelSmtpReply   *reply);
gboolean         _petrel_smtp_reply_add_line        (PetrelSmtpReply   *reply,
                                                     const char        *line,
                                                     gsize              len,
                                                     GError           **error);
char            *_petrel_smtp_reply_dup_text        (const PetrelSmtpReply *reply);
GError          *_petrel_smtp_reply_to_error        (const PetrelSmtpReply *reply,
                                                     const char        *context);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PetrelSmtpReply, _petrel_smtp_reply_free)

char            *_petrel_smtp_sanitize              (const char        *text,
                                                     gssize             len,
                                                     gsize              max_chars);

void             _petrel_smtp_parse_ehlo            (const PetrelSmtpReply  *reply,
                                                     PetrelSmtpCapabilities *capabilities,
                                                     guint64                *max_size,
                                                     GStrv                  *auth_mechanisms);

gboolean         _petrel_smtp_check_address         (const char        *address,
                                                     gboolean           allow_empty,
                                                     gboolean          *non_ascii,
                                                     GError           **error);

GBytes          *_petrel_smtp_canonicalize          (GBytes            *message,
                                                     gboolean          *has_8bit,
                                                     GError           **error);
GBytes          *_petrel_smtp_dot_stuff             (GBytes            *canonical);

const char      *_petrel_smtp_choose_mechanism      (const char * const *offered,
                                                     gboolean           have_password,
                                                     gboolean           have_token);
char            *_petrel_smtp_auth_plain            (const char        *user,
                                                     const char        *password);
char            *_petrel_smtp_auth_xoauth2          (const char        *user,
                                                     const char        *token);
char            *_petrel_smtp_auth_oauthbearer      (const char        *user,
                                                     const char        *token,
                                                     const char        *host,
                                                     guint16            port);
void             _petrel_smtp_secure_free           (char              *secret);

/* A string holding a password, token or AUTH payload: wiped before it is freed. */
typedef char PetrelSmtpSecret;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PetrelSmtpSecret, _petrel_smtp_secure_free)

G_END_DECLS
