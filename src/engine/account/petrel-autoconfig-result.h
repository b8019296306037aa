/* petrel-autoconfig-result.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "account/petrel-account-config.h"

G_BEGIN_DECLS

/**
 * PetrelAutoconfigSource:
 * @PETREL_AUTOCONFIG_SOURCE_AUTOCONFIG: `https://autoconfig.<domain>/mail/config-v1.1.xml`
 * @PETREL_AUTOCONFIG_SOURCE_WELL_KNOWN: `https://<domain>/.well-known/autoconfig/mail/…`
 * @PETREL_AUTOCONFIG_SOURCE_ISPDB: the ISP database (Thunderbird's by default)
 * @PETREL_AUTOCONFIG_SOURCE_MX: one of the three above, for the domain of the MX host
 * @PETREL_AUTOCONFIG_SOURCE_SRV: RFC 6186/8314 SRV records
 * @PETREL_AUTOCONFIG_SOURCE_PROBE: a TLS (or STARTTLS) handshake with a common host name
 *
 * Where discovered settings came from, in the order they are tried. Strings (see
 * petrel_autoconfig_source_to_string()): `autoconfig`, `well-known`, `ispdb`, `mx`, `srv`,
 * `probe`.
 */
typedef enum
{
  PETREL_AUTOCONFIG_SOURCE_AUTOCONFIG,
  PETREL_AUTOCONFIG_SOURCE_WELL_KNOWN,
  PETREL_AUTOCONFIG_SOURCE_ISPDB,
  PETREL_AUTOCONFIG_SOURCE_MX,
  PETREL_AUTOCONFIG_SOURCE_SRV,
  PETREL_AUTOCONFIG_SOURCE_PROBE,
} PetrelAutoconfigSource;

#define PETREL_TYPE_AUTOCONFIG_SOURCE (petrel_autoconfig_source_get_type ())
#define PETREL_TYPE_AUTOCONFIG_RESULT (petrel_autoconfig_result_get_type ())

typedef struct _PetrelAutoconfigResult PetrelAutoconfigResult;

GType                   petrel_autoconfig_source_get_type     (void);
const char             *petrel_autoconfig_source_to_string    (PetrelAutoconfigSource    source);

GType                   petrel_autoconfig_result_get_type     (void);
PetrelAutoconfigResult *petrel_autoconfig_result_new          (PetrelAutoconfigSource    source,
                                                               const char               *domain);
PetrelAutoconfigResult *petrel_autoconfig_result_ref          (PetrelAutoconfigResult   *self);
void                    petrel_autoconfig_result_unref        (PetrelAutoconfigResult   *self);

void                    petrel_autoconfig_result_set_server   (PetrelAutoconfigResult   *self,
                                                               PetrelAccountServer       server,
                                                               const char               *host,
                                                               guint16                   port,
                                                               PetrelConnectionSecurity  security,
                                                               const char               *user,
                                                               const char               *auth);
gboolean                petrel_autoconfig_result_is_complete  (PetrelAutoconfigResult   *self);

PetrelAutoconfigSource  petrel_autoconfig_result_get_source   (PetrelAutoconfigResult   *self);
const char             *petrel_autoconfig_result_get_domain   (PetrelAutoconfigResult   *self);
const char             *petrel_autoconfig_result_get_host     (PetrelAutoconfigResult   *self,
                                                               PetrelAccountServer       server);
guint16                 petrel_autoconfig_result_get_port     (PetrelAutoconfigResult   *self,
                                                               PetrelAccountServer       server);
PetrelConnectionSecurity
                        petrel_autoconfig_result_get_security (PetrelAutoconfigResult   *self,
                                                               PetrelAccountServer       server);
const char             *petrel_autoconfig_result_get_user     (PetrelAutoconfigResult   *self,
                                                               PetrelAccountServer       server);
const char             *petrel_autoconfig_result_get_auth     (PetrelAutoconfigResult   *self,
                                                               PetrelAccountServer       server);
char                   *petrel_autoconfig_result_dup_host_port (PetrelAutoconfigResult  *self,
                                                                PetrelAccountServer      server);

void                    petrel_autoconfig_result_apply        (PetrelAutoconfigResult   *self,
                                                               PetrelAccountConfig      *config);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PetrelAutoconfigResult, petrel_autoconfig_result_unref)

G_END_DECLS
