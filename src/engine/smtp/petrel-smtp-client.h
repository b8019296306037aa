/* petrel-smtp-client.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "smtp/petrel-smtp-error.h"

G_BEGIN_DECLS

/**
 * PetrelSmtpSecurity:
 * @PETREL_SMTP_SECURITY_TLS: implicit TLS from the first byte (port 465)
 * @PETREL_SMTP_SECURITY_STARTTLS: plain greeting, then STARTTLS is required (port 587)
 * @PETREL_SMTP_SECURITY_NONE: no encryption; a password is then only sent to a loopback peer
 */
typedef enum
{
  PETREL_SMTP_SECURITY_TLS,
  PETREL_SMTP_SECURITY_STARTTLS,
  PETREL_SMTP_SECURITY_NONE,
} PetrelSmtpSecurity;

#define PETREL_TYPE_SMTP_SECURITY (petrel_smtp_security_get_type ())
GType petrel_smtp_security_get_type (void);

/**
 * PetrelSmtpCapabilities:
 *
 * The ESMTP extensions a server announced in its last EHLO reply.
 */
typedef enum
{
  PETREL_SMTP_CAPABILITY_NONE                = 0,
  PETREL_SMTP_CAPABILITY_SIZE                = 1 << 0,
  PETREL_SMTP_CAPABILITY_8BITMIME            = 1 << 1,
  PETREL_SMTP_CAPABILITY_SMTPUTF8            = 1 << 2,
  PETREL_SMTP_CAPABILITY_PIPELINING          = 1 << 3,
  PETREL_SMTP_CAPABILITY_CHUNKING            = 1 << 4,
  PETREL_SMTP_CAPABILITY_DSN                 = 1 << 5,
  PETREL_SMTP_CAPABILITY_ENHANCEDSTATUSCODES = 1 << 6,
  PETREL_SMTP_CAPABILITY_AUTH                = 1 << 7,
  PETREL_SMTP_CAPABILITY_STARTTLS            = 1 << 8,
} PetrelSmtpCapabilities;

#define PETREL_TYPE_SMTP_CAPABILITIES (petrel_smtp_capabilities_get_type ())
GType petrel_smtp_capabilities_get_type (void);

/**
 * PetrelSmtpSendFlags:
 * @PETREL_SMTP_SEND_NONE: no flags
 * @PETREL_SMTP_SEND_DSN: ask for delivery status notifications (RET=HDRS on MAIL,
 *   NOTIFY=SUCCESS,FAILURE on each RCPT) when the server offers DSN; ignored otherwise
 */
typedef enum
{
  PETREL_SMTP_SEND_NONE = 0,
  PETREL_SMTP_SEND_DSN  = 1 << 0,
} PetrelSmtpSendFlags;

#define PETREL_TYPE_SMTP_SEND_FLAGS (petrel_smtp_send_flags_get_type ())
GType petrel_smtp_send_flags_get_type (void);

/* What the server said about one recipient of a sent message. */
typedef struct _PetrelSmtpRecipientResult PetrelSmtpRecipientResult;

#define PETREL_TYPE_SMTP_RECIPIENT_RESULT (petrel_smtp_recipient_result_get_type ())

GType        petrel_smtp_recipient_result_get_type          (void);
PetrelSmtpRecipientResult *
             petrel_smtp_recipient_result_copy              (const PetrelSmtpRecipientResult *self);
void         petrel_smtp_recipient_result_free              (PetrelSmtpRecipientResult *self);
const char  *petrel_smtp_recipient_result_get_address       (const PetrelSmtpRecipientResult *self);
gboolean     petrel_smtp_recipient_result_get_accepted      (const PetrelSmtpRecipientResult *self);
gboolean     petrel_smtp_recipient_result_is_temporary      (const PetrelSmtpRecipientResult *self);
guint        petrel_smtp_recipient_result_get_code          (const PetrelSmtpRecipientResult *self);
const char  *petrel_smtp_recipient_result_get_enhanced_code (const PetrelSmtpRecipientResult *self);
const char  *petrel_smtp_recipient_result_get_text          (const PetrelSmtpRecipientResult *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PetrelSmtpRecipientResult, petrel_smtp_recipient_result_free)

#define PETREL_TYPE_SMTP_CLIENT (petrel_smtp_client_get_type ())

G_DECLARE_FINAL_TYPE (PetrelSmtpClient, petrel_smtp_client, PETREL, SMTP_CLIENT, GObject)

PetrelSmtpClient      *petrel_smtp_client_new             (const char          *host,
                                                           guint16              port,
                                                           PetrelSmtpSecurity   security);
const char            *petrel_smtp_client_get_host        (PetrelSmtpClient    *self);
guint16                petrel_smtp_client_get_port        (PetrelSmtpClient    *self);
PetrelSmtpSecurity     petrel_smtp_client_get_security    (PetrelSmtpClient    *self);
GTlsDatabase          *petrel_smtp_client_get_tls_database (PetrelSmtpClient   *self);
void                   petrel_smtp_client_set_tls_database (PetrelSmtpClient   *self,
                                                            GTlsDatabase       *database);
guint                  petrel_smtp_client_get_timeout     (PetrelSmtpClient    *self);
void                   petrel_smtp_client_set_timeout     (PetrelSmtpClient    *self,
                                                           guint                timeout_ms);
const char            *petrel_smtp_client_get_helo_name   (PetrelSmtpClient    *self);
void                   petrel_smtp_client_set_helo_name   (PetrelSmtpClient    *self,
                                                           const char          *helo_name);
void                   petrel_smtp_client_set_password    (PetrelSmtpClient    *self,
                                                           const char          *user,
                                                           const char          *password);
void                   petrel_smtp_client_set_oauth2_token (PetrelSmtpClient   *self,
                                                            const char         *user,
                                                            const char         *token);
void                   petrel_smtp_client_clear_credentials (PetrelSmtpClient  *self);

gboolean               petrel_smtp_client_is_connected    (PetrelSmtpClient    *self);
gboolean               petrel_smtp_client_is_encrypted    (PetrelSmtpClient    *self);
PetrelSmtpCapabilities petrel_smtp_client_get_capabilities (PetrelSmtpClient   *self);
guint64                petrel_smtp_client_get_max_size    (PetrelSmtpClient    *self);
const char * const    *petrel_smtp_client_get_auth_mechanisms (PetrelSmtpClient *self);
const char            *petrel_smtp_client_get_auth_mechanism_used (PetrelSmtpClient *self);
GTlsCertificate       *petrel_smtp_client_get_peer_certificate (PetrelSmtpClient *self);
GTlsCertificateFlags   petrel_smtp_client_get_peer_certificate_errors (PetrelSmtpClient *self);

void                   petrel_smtp_client_connect_async   (PetrelSmtpClient    *self,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
gboolean               petrel_smtp_client_connect_finish  (PetrelSmtpClient    *self,
                                                           GAsyncResult        *result,
                                                           GError             **error);
void                   petrel_smtp_client_send_async      (PetrelSmtpClient    *self,
                                                           const char          *from,
                                                           const char * const  *recipients,
                                                           GBytes              *message,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
void                   petrel_smtp_client_send_full_async (PetrelSmtpClient    *self,
                                                           const char          *from,
                                                           const char * const  *recipients,
                                                           GBytes              *message,
                                                           PetrelSmtpSendFlags  flags,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
GPtrArray             *petrel_smtp_client_send_finish     (PetrelSmtpClient    *self,
                                                           GAsyncResult        *result,
                                                           GError             **error);
void                   petrel_smtp_client_close_async     (PetrelSmtpClient    *self,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
gboolean               petrel_smtp_client_close_finish    (PetrelSmtpClient    *self,
                                                           GAsyncResult        *result,
                                                           GError             **error);

G_END_DECLS
