/* petrel-autoconfig.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "account/petrel-autoconfig-result.h"

G_BEGIN_DECLS

#define PETREL_AUTOCONFIG_ERROR (petrel_autoconfig_error_quark ())

/**
 * PetrelAutoconfigError:
 * @PETREL_AUTOCONFIG_ERROR_INVALID_ADDRESS: the email address cannot be used for discovery
 * @PETREL_AUTOCONFIG_ERROR_NOT_FOUND: no step found settings for the domain
 * @PETREL_AUTOCONFIG_ERROR_INVALID_CONFIG: a configuration document is not a usable
 *   `clientConfig` (bad XML, or no IMAP/SMTP server with TLS or STARTTLS)
 * @PETREL_AUTOCONFIG_ERROR_INSECURE: a URL or a redirect was not HTTPS, so it was not fetched
 * @PETREL_AUTOCONFIG_ERROR_HTTP: a web server answered with something other than 200, or with
 *   too large a body
 * @PETREL_AUTOCONFIG_ERROR_PROTOCOL: a probed server did not greet as IMAP/SMTP, or refused
 *   STARTTLS
 *
 * Discovery as a whole fails only with INVALID_ADDRESS, NOT_FOUND or %G_IO_ERROR_CANCELLED;
 * the others describe why one step did not answer (logged with `G_MESSAGES_DEBUG=petrel-account`)
 * and come from petrel_autoconfig_parse_config().
 */
typedef enum
{
  PETREL_AUTOCONFIG_ERROR_INVALID_ADDRESS,
  PETREL_AUTOCONFIG_ERROR_NOT_FOUND,
  PETREL_AUTOCONFIG_ERROR_INVALID_CONFIG,
  PETREL_AUTOCONFIG_ERROR_INSECURE,
  PETREL_AUTOCONFIG_ERROR_HTTP,
  PETREL_AUTOCONFIG_ERROR_PROTOCOL,
} PetrelAutoconfigError;

/* Default of #PetrelAutoconfig:ispdb-url; the ASCII domain is appended. */
#define PETREL_AUTOCONFIG_DEFAULT_ISPDB_URL "https://autoconfig.thunderbird.net/v1.1/"
/* Default of #PetrelAutoconfig:timeout, in milliseconds, for each step. */
#define PETREL_AUTOCONFIG_DEFAULT_TIMEOUT_MS 5000

/**
 * PetrelAutoconfigUrlFunc:
 * @source: %PETREL_AUTOCONFIG_SOURCE_AUTOCONFIG or %PETREL_AUTOCONFIG_SOURCE_WELL_KNOWN
 * @domain: the ASCII domain to look up
 * @user_data: the data given to petrel_autoconfig_set_url_func()
 *
 * Builds the URL of a configuration document. For AUTOCONFIG, `emailaddress=<address>` is
 * appended to the query afterwards. Whatever it returns, only `https://` URLs are fetched.
 *
 * Returns: (transfer full) (nullable): the URL, or %NULL to skip that step for @domain
 */
typedef char *(*PetrelAutoconfigUrlFunc) (PetrelAutoconfigSource  source,
                                          const char             *domain,
                                          gpointer                user_data);

/**
 * PetrelAutoconfigProbeFunc:
 * @host: the host name being probed, e.g. `imap.example.org`
 * @port: the port being probed
 * @user_data: the data given to petrel_autoconfig_set_probe_func()
 *
 * Says where a probe connects. The TLS certificate is still checked against @host.
 *
 * Returns: (transfer full) (nullable): what to connect to, or %NULL if @host does not exist
 */
typedef GSocketConnectable *(*PetrelAutoconfigProbeFunc) (const char *host,
                                                          guint16     port,
                                                          gpointer    user_data);

#define PETREL_TYPE_AUTOCONFIG (petrel_autoconfig_get_type ())

G_DECLARE_FINAL_TYPE (PetrelAutoconfig, petrel_autoconfig, PETREL, AUTOCONFIG, GObject)

GQuark                  petrel_autoconfig_error_quark      (void);

PetrelAutoconfig       *petrel_autoconfig_new              (void);

GResolver              *petrel_autoconfig_get_resolver     (PetrelAutoconfig           *self);
void                    petrel_autoconfig_set_resolver     (PetrelAutoconfig           *self,
                                                            GResolver                  *resolver);
GTlsDatabase           *petrel_autoconfig_get_tls_database (PetrelAutoconfig           *self);
void                    petrel_autoconfig_set_tls_database (PetrelAutoconfig           *self,
                                                            GTlsDatabase               *database);
guint                   petrel_autoconfig_get_timeout      (PetrelAutoconfig           *self);
void                    petrel_autoconfig_set_timeout      (PetrelAutoconfig           *self,
                                                            guint                       timeout_ms);
const char             *petrel_autoconfig_get_ispdb_url    (PetrelAutoconfig           *self);
void                    petrel_autoconfig_set_ispdb_url    (PetrelAutoconfig           *self,
                                                            const char                 *url);

void                    petrel_autoconfig_set_url_func     (PetrelAutoconfig           *self,
                                                            PetrelAutoconfigUrlFunc     func,
                                                            gpointer                    user_data,
                                                            GDestroyNotify              destroy);
void                    petrel_autoconfig_set_probe_func   (PetrelAutoconfig           *self,
                                                            PetrelAutoconfigProbeFunc   func,
                                                            gpointer                    user_data,
                                                            GDestroyNotify              destroy);

void                    petrel_autoconfig_discover_async   (PetrelAutoconfig           *self,
                                                            const char                 *address,
                                                            GCancellable               *cancellable,
                                                            GAsyncReadyCallback         callback,
                                                            gpointer                    user_data);
PetrelAutoconfigResult *petrel_autoconfig_discover_finish  (PetrelAutoconfig           *self,
                                                            GAsyncResult               *result,
                                                            GError                    **error);

PetrelAutoconfigResult *petrel_autoconfig_parse_config     (const char                 *xml,
                                                            gssize                      length,
                                                            const char                 *address,
                                                            PetrelAutoconfigSource      source,
                                                            const char                 *domain,
                                                            GError                    **error);
char                   *petrel_autoconfig_dup_base_domain  (const char                 *host);

G_END_DECLS
