/* petrel-tls-database.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "petrel-tls-database.h"

/* GIO 2.74 has no way to add anchors to the default database, and a GTlsFileDatabase holds only
 * the anchors of its file. PetrelTlsDatabase joins the two: a chain is trusted when the system
 * trusts it or when the account's own CA file does. glib-networking calls verify_chain() from
 * its handshake thread.
 *
 * Loading the system's CA bundle costs 20–30 ms (#4: a tenth of a no-change sync), and an
 * account with its own CA file rarely needs it: created without one, the database asks the
 * account's anchors first and loads the system's only when they do not verify a chain (or a
 * lookup needs it). @extra is immutable; @system is set once, under @lock. */

struct _PetrelTlsDatabase
{
  GTlsDatabase  parent_instance;

  GMutex        lock;
  gboolean      system_loaded;
  GTlsDatabase *system;  /* owned, nullable: set once, under lock */
  GTlsDatabase *extra;   /* owned */
};

G_DEFINE_FINAL_TYPE (PetrelTlsDatabase, petrel_tls_database, G_TYPE_TLS_DATABASE)

/* The system database, loaded on first use; NULL when the TLS backend has none, in which case
 * only the account's anchors count. */
static GTlsDatabase *
ensure_system (PetrelTlsDatabase *self)
{
  GTlsDatabase *system;

  g_mutex_lock (&self->lock);
  if (!self->system_loaded)
    {
      self->system = g_tls_backend_get_default_database (g_tls_backend_get_default ());
      self->system_loaded = TRUE;
    }
  system = self->system;
  g_mutex_unlock (&self->lock);

  return system;
}

static GTlsCertificateFlags
petrel_tls_database_verify_chain (GTlsDatabase             *database,
                                  GTlsCertificate          *chain,
                                  const char               *purpose,
                                  GSocketConnectable       *identity,
                                  GTlsInteraction          *interaction,
                                  GTlsDatabaseVerifyFlags   flags,
                                  GCancellable             *cancellable,
                                  GError                  **error)
{
  PetrelTlsDatabase *self = PETREL_TLS_DATABASE (database);
  GTlsDatabase *system;
  GTlsCertificateFlags system_errors;
  GTlsCertificateFlags extra_errors;
  g_autoptr(GError) local_error = NULL;

  /* The account's anchors first: when they verify the chain, so would the union. */
  extra_errors = g_tls_database_verify_chain (self->extra, chain, purpose, identity,
                                              interaction, flags, cancellable, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return extra_errors;
    }

  if (extra_errors == 0)
    return 0;

  system = ensure_system (self);
  if (system == NULL)
    return extra_errors;

  system_errors = g_tls_database_verify_chain (system, chain, purpose, identity,
                                               interaction, flags, cancellable, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return system_errors;
    }

  if (system_errors == 0)
    return 0;

  /* When the account's CA vouches for the chain, its verdict stands, so that a certificate
   * from that CA for the wrong host still fails as a wrong host, not as an unknown CA. */
  if ((extra_errors & G_TLS_CERTIFICATE_UNKNOWN_CA) == 0)
    return extra_errors;

  return system_errors;
}

static char *
petrel_tls_database_create_certificate_handle (GTlsDatabase    *database,
                                               GTlsCertificate *certificate)
{
  PetrelTlsDatabase *self = PETREL_TLS_DATABASE (database);
  GTlsDatabase *system = ensure_system (self);
  char *handle = NULL;

  if (system != NULL)
    handle = g_tls_database_create_certificate_handle (system, certificate);
  if (handle == NULL)
    handle = g_tls_database_create_certificate_handle (self->extra, certificate);

  return handle;
}

static GTlsCertificate *
petrel_tls_database_lookup_certificate_for_handle (GTlsDatabase             *database,
                                                   const char               *handle,
                                                   GTlsInteraction          *interaction,
                                                   GTlsDatabaseLookupFlags   flags,
                                                   GCancellable             *cancellable,
                                                   GError                  **error)
{
  PetrelTlsDatabase *self = PETREL_TLS_DATABASE (database);
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GError) local_error = NULL;

  GTlsDatabase *system = ensure_system (self);

  if (system != NULL)
    certificate = g_tls_database_lookup_certificate_for_handle (system, handle, interaction,
                                                                flags, cancellable,
                                                                &local_error);
  if (certificate != NULL || local_error != NULL)
    {
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      return g_steal_pointer (&certificate);
    }

  return g_tls_database_lookup_certificate_for_handle (self->extra, handle, interaction, flags,
                                                       cancellable, error);
}

static GTlsCertificate *
petrel_tls_database_lookup_certificate_issuer (GTlsDatabase             *database,
                                               GTlsCertificate          *certificate,
                                               GTlsInteraction          *interaction,
                                               GTlsDatabaseLookupFlags   flags,
                                               GCancellable             *cancellable,
                                               GError                  **error)
{
  PetrelTlsDatabase *self = PETREL_TLS_DATABASE (database);
  g_autoptr(GTlsCertificate) issuer = NULL;
  g_autoptr(GError) local_error = NULL;

  GTlsDatabase *system = ensure_system (self);

  if (system != NULL)
    issuer = g_tls_database_lookup_certificate_issuer (system, certificate, interaction,
                                                       flags, cancellable, &local_error);
  if (issuer != NULL || local_error != NULL)
    {
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      return g_steal_pointer (&issuer);
    }

  return g_tls_database_lookup_certificate_issuer (self->extra, certificate, interaction, flags,
                                                   cancellable, error);
}

static GList *
petrel_tls_database_lookup_certificates_issued_by (GTlsDatabase             *database,
                                                   GByteArray               *issuer_raw_dn,
                                                   GTlsInteraction          *interaction,
                                                   GTlsDatabaseLookupFlags   flags,
                                                   GCancellable             *cancellable,
                                                   GError                  **error)
{
  PetrelTlsDatabase *self = PETREL_TLS_DATABASE (database);
  GTlsDatabase *system = ensure_system (self);
  GList *system_certificates = NULL;
  GList *extra_certificates;
  g_autoptr(GError) local_error = NULL;

  if (system != NULL)
    system_certificates =
      g_tls_database_lookup_certificates_issued_by (system, issuer_raw_dn, interaction,
                                                    flags, cancellable, &local_error);
  if (local_error != NULL)
    {
      g_list_free_full (system_certificates, g_object_unref);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  extra_certificates =
    g_tls_database_lookup_certificates_issued_by (self->extra, issuer_raw_dn, interaction,
                                                  flags, cancellable, &local_error);
  if (local_error != NULL)
    {
      g_list_free_full (system_certificates, g_object_unref);
      g_list_free_full (extra_certificates, g_object_unref);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  return g_list_concat (system_certificates, extra_certificates);
}

static void
petrel_tls_database_finalize (GObject *object)
{
  PetrelTlsDatabase *self = (PetrelTlsDatabase *)object;

  g_clear_object (&self->system);
  g_clear_object (&self->extra);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (petrel_tls_database_parent_class)->finalize (object);
}

static void
petrel_tls_database_class_init (PetrelTlsDatabaseClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GTlsDatabaseClass *database_class = G_TLS_DATABASE_CLASS (klass);

  object_class->finalize = petrel_tls_database_finalize;

  /* The base class runs these in a thread for the _async variants. */
  database_class->verify_chain = petrel_tls_database_verify_chain;
  database_class->create_certificate_handle = petrel_tls_database_create_certificate_handle;
  database_class->lookup_certificate_for_handle =
    petrel_tls_database_lookup_certificate_for_handle;
  database_class->lookup_certificate_issuer = petrel_tls_database_lookup_certificate_issuer;
  database_class->lookup_certificates_issued_by =
    petrel_tls_database_lookup_certificates_issued_by;
}

static void
petrel_tls_database_init (PetrelTlsDatabase *self)
{
  g_mutex_init (&self->lock);
}

/**
 * petrel_tls_database_new:
 * @system: (nullable): the system's database (g_tls_backend_get_default_database()), or
 *   %NULL to load it only when @extra does not verify a chain (it costs 20–30 ms)
 * @extra: more trust anchors, typically a #GTlsFileDatabase of the account's CA file
 *
 * Returns: (transfer full): a database that trusts what either member trusts
 */
GTlsDatabase *
petrel_tls_database_new (GTlsDatabase *system,
                         GTlsDatabase *extra)
{
  PetrelTlsDatabase *self;

  g_return_val_if_fail (system == NULL || G_IS_TLS_DATABASE (system), NULL);
  g_return_val_if_fail (G_IS_TLS_DATABASE (extra), NULL);

  self = g_object_new (PETREL_TYPE_TLS_DATABASE, NULL);
  self->system = system != NULL ? g_object_ref (system) : NULL;
  self->system_loaded = system != NULL;
  self->extra = g_object_ref (extra);

  return G_TLS_DATABASE (self);
}

/**
 * petrel_tls_database_get_system:
 * @self: a #PetrelTlsDatabase
 *
 * Returns: (transfer none) (nullable): the system database (loaded now if it was not yet),
 *   %NULL when the TLS backend has none
 */
GTlsDatabase *
petrel_tls_database_get_system (PetrelTlsDatabase *self)
{
  g_return_val_if_fail (PETREL_IS_TLS_DATABASE (self), NULL);

  return ensure_system (self);
}

/**
 * petrel_tls_database_get_extra:
 * @self: a #PetrelTlsDatabase
 *
 * Returns: (transfer none): the additional anchors
 */
GTlsDatabase *
petrel_tls_database_get_extra (PetrelTlsDatabase *self)
{
  g_return_val_if_fail (PETREL_IS_TLS_DATABASE (self), NULL);

  return self->extra;
}
