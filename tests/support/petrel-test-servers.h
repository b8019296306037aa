/* petrel-test-servers.h: private IMAP/SMTP servers for engine tests
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define PETREL_TEST_SERVERS_ERROR (petrel_test_servers_error_quark ())

typedef enum
{
  PETREL_TEST_SERVERS_ERROR_FAILED,
  PETREL_TEST_SERVERS_ERROR_UNAVAILABLE,  /* dovecot, openssl or aiosmtpd is not installed */
  PETREL_TEST_SERVERS_ERROR_TIMED_OUT,
  PETREL_TEST_SERVERS_ERROR_PROTOCOL,     /* the script said something we did not expect */
  PETREL_TEST_SERVERS_ERROR_REFUSED,      /* the script refused a control command */
} PetrelTestServersError;

typedef struct _PetrelTestServers PetrelTestServers;

GQuark             petrel_test_servers_error_quark        (void);

PetrelTestServers *petrel_test_servers_start              (GError            **error);
PetrelTestServers *petrel_test_servers_start_full         (const char * const *extra_args,
                                                           guint               timeout_seconds,
                                                           GError            **error);
void               petrel_test_servers_stop               (PetrelTestServers  *self);

const char        *petrel_test_servers_get_host           (PetrelTestServers  *self);
guint16            petrel_test_servers_get_imap_port      (PetrelTestServers  *self);
guint16            petrel_test_servers_get_imaps_port     (PetrelTestServers  *self);
guint16            petrel_test_servers_get_smtp_port      (PetrelTestServers  *self);
guint16            petrel_test_servers_get_smtps_port     (PetrelTestServers  *self);
const char        *petrel_test_servers_get_ca_file        (PetrelTestServers  *self);
const char        *petrel_test_servers_get_dir            (PetrelTestServers  *self);
const char        *petrel_test_servers_get_maildir_root   (PetrelTestServers  *self);

guint              petrel_test_servers_get_n_users        (PetrelTestServers  *self);
const char        *petrel_test_servers_get_user           (PetrelTestServers  *self,
                                                           guint               i);
const char        *petrel_test_servers_get_password       (PetrelTestServers  *self,
                                                           guint               i);
const char        *petrel_test_servers_get_email          (PetrelTestServers  *self,
                                                           guint               i);
const char        *petrel_test_servers_get_name           (PetrelTestServers  *self,
                                                           guint               i);

GTlsDatabase      *petrel_test_servers_dup_tls_database   (PetrelTestServers  *self,
                                                           GError            **error);

gboolean           petrel_test_servers_seed               (PetrelTestServers  *self,
                                                           const char         *user,
                                                           const char         *folder,
                                                           guint               count,
                                                           guint               seed,
                                                           GError            **error);

gboolean           petrel_test_servers_smtp_set_size_limit (PetrelTestServers *self,
                                                            guint64            limit,
                                                            GError           **error);
gboolean           petrel_test_servers_smtp_reject_recipient (PetrelTestServers *self,
                                                              const char        *address,
                                                              const char        *reply,
                                                              GError           **error);
gboolean           petrel_test_servers_smtp_set_data_reply (PetrelTestServers *self,
                                                            const char        *reply,
                                                            GError           **error);
gboolean           petrel_test_servers_smtp_reset         (PetrelTestServers  *self,
                                                           GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PetrelTestServers, petrel_test_servers_stop)

G_END_DECLS
