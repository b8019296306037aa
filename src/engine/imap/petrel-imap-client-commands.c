/* petrel-imap-client-commands.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The mailbox and message commands of PetrelImapClient: each builds a PetrelImapCmd, claims the
 * untagged responses that answer it and turns the tagged response into its result. The
 * connection machinery is in petrel-imap-client.c. */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "imap/petrel-imap-client-private.h"
#include "imap/petrel-imap-fetch.h"

static GTask *
new_task (PetrelImapClient    *self,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data,
          gpointer             source_tag)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  return task;
}

static gboolean
fail_unsupported (PetrelImapClient *self,
                  GTask            *task,
                  const char       *capability)
{
  if (petrel_imap_client_has_capability (self, capability))
    return FALSE;
  g_task_return_new_error (task, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_UNSUPPORTED,
                           _("%s does not offer %s"), petrel_imap_client_get_host (self),
                           capability);
  g_object_unref (task);
  return TRUE;
}

static void
fail_invalid (GTask      *task,
              const char *message)
{
  g_task_return_new_error (task, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_INVALID, "%s", message);
  g_object_unref (task);
}

static gboolean
is_ok (PetrelImapResponse *response)
{
  return petrel_imap_response_get_response_type (response) == PETREL_IMAP_RESPONSE_TYPE_OK;
}

static gboolean
same_mailbox (const char *a,
              const char *b)
{
  if (g_ascii_strcasecmp (a, "INBOX") == 0)
    return g_ascii_strcasecmp (b, "INBOX") == 0;
  return g_strcmp0 (a, b) == 0;
}

static void
seqset_merge (PetrelImapSeqSet       *into,
              const PetrelImapSeqSet *from)
{
  for (guint i = 0; i < petrel_imap_seqset_get_n_ranges (from); i++)
    {
      const PetrelImapRange *range = petrel_imap_seqset_get_range (from, i);

      petrel_imap_seqset_add_range (into, range->first, range->last);
    }
}

/* ---- ENABLE -------------------------------------------------------------------------------- */

static gboolean
enable_untagged (PetrelImapClient   *self,
                 PetrelImapCmd      *cmd,
                 PetrelImapResponse *response)
{
  g_auto(GStrv) enabled = NULL;

  if (petrel_imap_response_get_response_type (response) != PETREL_IMAP_RESPONSE_TYPE_ENABLED)
    return FALSE;
  enabled = petrel_imap_response_dup_enabled (response, NULL);
  for (guint i = 0; enabled != NULL && enabled[i] != NULL; i++)
    g_ptr_array_add (cmd->data, g_strdup (enabled[i]));
  return TRUE;
}

static void
enable_done (PetrelImapClient   *self,
             PetrelImapCmd      *cmd,
             PetrelImapResponse *response)
{
  GPtrArray *enabled = cmd->data;

  if (!is_ok (response))
    {
      _petrel_imap_cmd_return_error (cmd, _petrel_imap_cmd_response_error (cmd, response));
      return;
    }
  g_ptr_array_add (enabled, NULL);
  cmd->data = NULL;
  _petrel_imap_cmd_return_pointer (cmd, g_ptr_array_free (enabled, FALSE),
                                   (GDestroyNotify) g_strfreev);
}

void
petrel_imap_client_enable_async (PetrelImapClient    *self,
                                 const char * const  *capabilities,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  GTask *task;
  PetrelImapCmd *cmd;
  guint n = 0;

  g_return_if_fail (PETREL_IS_IMAP_CLIENT (self));
  g_return_if_fail (capabilities != NULL);

  task = new_task (self, cancellable, callback, user_data, petrel_imap_client_enable_async);
  if (!_petrel_imap_client_check_state (self, FALSE, task))
    return;
  if (fail_unsupported (self, task, "ENABLE"))
    return;

  for (guint i = 0; capabilities[i] != NULL; i++)
    if (petrel_imap_client_has_capability (self, capabilities[i]))
      n++;
  if (n == 0)
    {
      /* Nothing the server offers: nothing to send. */
      g_task_return_pointer (task, g_new0 (char *, 1), (GDestroyNotify) g_strfreev);
      g_object_unref (task);
      return;
    }

  cmd = _petrel_imap_client_cmd_new (self, "ENABLE", PETREL_IMAP_CMD_SERIAL, task);
  cmd->data = g_ptr_array_new_with_free_func (g_free);
  cmd->data_free = (GDestroyNotify) g_ptr_array_unref;
  cmd->untagged = enable_untagged;
  cmd->done = enable_done;
  for (guint i = 0; capabilities[i] != NULL; i++)
    if (petrel_imap_client_has_capability (self, capabilities[i]))
      petrel_imap_command_add_atom (cmd->command, capabilities[i], NULL);
  _petrel_imap_client_submit (self, cmd);
}

char **
petrel_imap_client_enable_finish (PetrelImapClient  *self,
                                  GAsyncResult      *result,
                                  GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- ID, NAMESPACE ------------------------------------------------------------------------- */

static gboolean
id_untagged (PetrelImapClient   *self,
             PetrelImapCmd      *cmd,
             PetrelImapResponse *response)
{
  GHashTable *fields;

  if (petrel_imap_response_get_response_type (response) != PETREL_IMAP_RESPONSE_TYPE_ID)
    return FALSE;
  fields = petrel_imap_response_dup_id (response, NULL);
  if (fields != NULL)
    {
      if (cmd->data != NULL)
        g_hash_table_unref (cmd->data);
      cmd->data = fields;
    }
  return TRUE;
}

static void
id_done (PetrelImapClient   *self,
         PetrelImapCmd      *cmd,
         PetrelImapResponse *response)
{
  GHashTable *fields;

  if (!is_ok (response))
    {
      _petrel_imap_cmd_return_error (cmd, _petrel_imap_cmd_response_error (cmd, response));
      return;
    }
  fields = g_steal_pointer (&cmd->data);
  if (fields == NULL)
    fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  _petrel_imap_cmd_return_pointer (cmd, fields, (GDestroyNotify) g_hash_table_unref);
}

void
petrel_imap_client_id_async (PetrelImapClient    *self,
                             GHashTable          *fields,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task;
  PetrelImapCmd *cmd;

  g_return_if_fail (PETREL_IS_IMAP_CLIENT (self));

  task = new_task (self, cancellable, callback, user_data, petrel_imap_client_id_async);
  if (petrel_imap_client_get_state (self) != PETREL_IMAP_CLIENT_STATE_NOT_AUTHENTICATED &&
      !_petrel_imap_client_check_state (self, FALSE, task))
    return;
  if (fail_unsupported (self, task, "ID"))
    return;

  cmd = _petrel_imap_client_cmd_new (self, "ID", PETREL_IMAP_CMD_SERIAL, task);
  cmd->data_free = (GDestroyNotify) g_hash_table_unref;
  cmd->untagged = id_untagged;
  cmd->done = id_done;
  if (fields == NULL || g_hash_table_size (fields) == 0)
    {
      petrel_imap_command_add_atom (cmd->command, "NIL", NULL);
    }
  else
    {
      GHashTableIter iter;
      gpointer key, value;

      petrel_imap_command_begin_list (cmd->command);
      g_hash_table_iter_init (&iter, fields);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          petrel_imap_command_add_string (cmd->command, key, NULL);
          petrel_imap_command_add_nstring (cmd->command, value, NULL);
        }
      petrel_imap_command_end_list (cmd->command);
    }
  _petrel_imap_client_submit (self, cmd);
}

GHashTable *
petrel_imap_client_id_finish (PetrelImapClient  *self,
                              GAsyncResult      *result,
                              GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static gboolean
namespace_untagged (PetrelImapClient   *self,
                    PetrelImapCmd      *cmd,
                    PetrelImapResponse *response)
{
  PetrelImapNamespaces *namespaces;

  if (petrel_imap_response_get_response_type (response) != PETREL_IMAP_RESPONSE_TYPE_NAMESPACE)
    return FALSE;
  namespaces = petrel_imap_response_dup_namespace (response,
                                                   _petrel_imap_client_utf8_enabled (self), NULL);
  if (namespaces != NULL)
    {
      g_clear_pointer (&cmd->data, petrel_imap_namespaces_free);
      cmd->data = namespaces;
    }
  return TRUE;
}

static void
namespace_done (PetrelImapClient   *self,
                PetrelImapCmd      *cmd,
                PetrelImapResponse *response)
{
  if (!is_ok (response))
    {
      _petrel_imap_cmd_return_error (cmd, _petrel_imap_cmd_response_error (cmd, response));
      return;
    }
  if (cmd->data == NULL)
    {
      _petrel_imap_cmd_return_error (cmd, g_error_new (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_PARSE,
                                                       _("%s sent no usable NAMESPACE response"),
                                                       petrel_imap_client_get_host (self)));
      return;
    }
  _petrel_imap_cmd_return_pointer (cmd, g_steal_pointer (&cmd->data),
                                   (GDestroyNotify) petrel_imap_namespaces_free);
}

void
petrel_imap_client_namespace_async (PetrelImapClient    *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  GTask *task;
  PetrelImapCmd *cmd;

  g_return_if_fail (PETREL_IS_IMAP_CLIENT (self));

  task = new_task (self, cancellable, callback, user_data, petrel_imap_client_namespace_async);
  if (!_petrel_imap_client_check_state (self, FALSE, task))
    return;
  if (fail_unsupported (self, task, "NAMESPACE"))
    return;
  cmd = _petrel_imap_client_cmd_new (self, "NAMESPACE", PETREL_IMAP_CMD_SERIAL, task);
  cmd->data_free = (GDestroyNotify) petrel_imap_namespaces_free;
  cmd->untagged = namespace_untagged;
  cmd->done = namespace_done;
  _petrel_imap_client_submit (self, cmd);
}

PetrelImapNamespaces *
petrel_imap_client_namespace_finish (PetrelImapClient  *self,
                                     GAsyncResult      *result,
                                     GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- LIST, STATUS -------------------------------------------------------------------------- */

static const struct
{
  PetrelImapStatusItems item;
  const char *name;
  const char *capability;  /* needed to ask for it, or NULL */
} status_items[] = {
  { PETREL_IMAP_STATUS_MESSAGES, "MESSAGES", NULL },
  { PETREL_IMAP_STATUS_RECENT, "RECENT", NULL },
  { PETREL_IMAP_STATUS_UIDNEXT, "UIDNEXT", NULL },
  { PETREL_IMAP_STATUS_UIDVALIDITY, "UIDVALIDITY", NULL },
  { PETREL_IMAP_STATUS_UNSEEN, "UNSEEN", NULL },
  { PETREL_IMAP_STATUS_HIGHESTMODSEQ, "HIGHESTMODSEQ", "CONDSTORE" },
  { PETREL_IMAP_STATUS_SIZE, "SIZE", "STATUS=SIZE" },
  { PETREL_IMAP_STATUS_DELETED, "DELETED", "IMAP4REV2" },
  { PETREL_IMAP_STATUS_APPENDLIMIT, "APPENDLIMIT", "APPENDLIMIT" },
};

/* Adds `(MESSAGES UIDNEXT ...)`, leaving out what the server cannot answer. */
static void
add_status_items (PetrelImapClient      *self,
                  PetrelImapCommand     *command,
                  PetrelImapStatusItems  items)
{
  petrel_imap_command_begin_list (command);
  for (guint i = 0; i < G_N_ELEMENTS (status_items); i++)
    {
      if ((items & status_items[i].item) == 0)
        continue;
      if (status_items[i].capability != NULL &&
          !petrel_imap_client_has_capability (self, status_items[i].capability))
        continue;
      petrel_imap_command_add_atom (command, status_items[i].name, NULL);
    }
  petrel_imap_command_end_list (command);
}

static gboolean
list_untagged (PetrelImapClient   *self,
               PetrelImapCmd      *cmd,
               PetrelImapResponse *response)
{
  GPtrArray *entries = cmd->data;
  PetrelImapResponseType type = petrel_imap_response_get_response_type (response);
  gboolean utf8 = _petrel_imap_client_utf8_enabled (self);
  g_autoptr(GError) error = NULL;

  if (type == PETREL_IMAP_RESPONSE_TYPE_LIST || type == PETREL_IMAP_RESPONSE_TYPE_LSUB)
    {
      PetrelImapMailboxInfo *info = petrel_imap_response_dup_list (response, utf8, &error);
      PetrelImapListEntry *entry;

      if (info == NULL)
        {
          g_debug ("%s: dropping a malformed LIST response: %s",
                   petrel_imap_client_get_host (self), error->message);
          return TRUE;
        }
      entry = g_new0 (PetrelImapListEntry, 1);
      entry->info = info;
      g_ptr_array_add (entries, entry);
      return TRUE;
    }

  if (type == PETREL_IMAP_RESPONSE_TYPE_STATUS)
    {
      g_autoptr(PetrelImapStatusInfo) status = NULL;

      status = petrel_imap_response_dup_status (response, utf8, &error);
      if (status == NULL)
        return FALSE;
      /* LIST-STATUS sends each STATUS right after its LIST: look from the end. */
      for (guint i = entries->len; i > 0; i--)
        {
          PetrelImapListEntry *entry = g_ptr_array_index (entries, i - 1);

          if (entry->status == NULL && g_strcmp0 (entry->info->raw_name, status->raw_name) == 0)
            {
              entry->status = g_steal_pointer (&status);
              return TRUE;
            }
        }
    }
  return FALSE;
}

static void
list_done (PetrelImapClient   *self,
           PetrelImapCmd      *cmd,
           PetrelImapResponse *response)
{
  if (!is_ok (response))
    {
      _petrel_imap_cmd_return_error (cmd, _petrel_imap_cmd_response_error (cmd, response));
      return;
    }
  _petrel_imap_cmd_return_pointer (cmd, g_steal_pointer (&cmd->data),
                                   (GDestroyNotify) g_ptr_array_unref);
}

void
petrel_imap_client_list_async (PetrelImapClient      *self,
                               const char            *reference,
                               const char            *pattern,
                               PetrelImapListOptions  options,
                               PetrelImapStatusItems  status_items_wanted,
                               GCancellable          *cancellable,
                               GAsyncReadyCallback    callback,
                               gpointer               user_data)
{
  GTask *task;
  PetrelImapCmd *cmd;
  gboolean extended;
  gboolean special_use;
  gboolean children;
  gboolean status;
  gboolean lsub = FALSE;

  g_return_if_fail (PETREL_IS_IMAP_CLIENT (self));
  g_return_if_fail (pattern != NULL);

  task = new_task (self, cancellable, callback, user_data, petrel_imap_client_list_async);
  if (!_petrel_imap_client_check_state (self, FALSE, task))
    return;

  extended = petrel_imap_client_has_capability (self, "LIST-EXTENDED") ||
             petrel_imap_client_has_capability (self, "IMAP4REV2");
  special_use = (options & PETREL_IMAP_LIST_SPECIAL_USE) != 0 && extended &&
                petrel_imap_client_has_capability (self, "SPECIAL-USE");
  children = (options & PETREL_IMAP_LIST_CHILDREN) != 0 && extended;
  status = status_items_wanted != 0 && extended &&
           (petrel_imap_client_has_capability (self, "LIST-STATUS") ||
            petrel_imap_client_has_capability (self, "IMAP4REV2"));
  if ((options & PETREL_IMAP_LIST_SUBSCRIBED) != 0 && !extended)
    lsub = TRUE;

  cmd = _petrel_imap_client_cmd_new (self, lsub ? "LSUB" : "LIST", PETREL_IMAP_CMD_SERIAL, task);
  cmd->data = g_ptr_array_new_with_free_func ((GDestroyNotify) petrel_imap_list_entry_free);
  cmd->data_free = (GDestroyNotify) g_ptr_array_unref;
  cmd->untagged = list_untagged;
  cmd->done = list_done;

  if ((options & PETREL_IMAP_LIST_SUBSCRIBED) != 0 && !lsub)
    {
      petrel_imap_command_begin_list (cmd->command);
      petrel_imap_command_add_atom (cmd->command, "SUBSCRIBED", NULL);
      petrel_imap_command_end_list (cmd->command);
    }
  /* An empty reference is the usual `LIST "" "*"`, not an empty mailbox name. */
  if (reference == NULL || *reference == '\0')
    petrel_imap_command_add_quoted (cmd->command, "", NULL);
  else
    petrel_imap_command_add_mailbox (cmd->command, reference, NULL);
  petrel_imap_command_add_mailbox (cmd->command, pattern, NULL);
  if (!lsub && (special_use || children || status))
    {
      petrel_imap_command_add_atom (cmd->command, "RETURN", NULL);
      petrel_imap_command_begin_list (cmd->command);
      if (special_use)
        petrel_imap_command_add_atom (cmd->command, "SPECIAL-USE", NULL);
      if (children)
        petrel_imap_command_add_atom (cmd->command, "CHILDREN", NULL);
      if (status)
        {
          petrel_imap_command_add_atom (cmd->command, "STATUS", NULL);
          add_status_items (self, cmd->command, status_items_wanted);
        }
      petrel_imap_command_end_list (cmd->command);
    }
  _petrel_imap_client_submit (self, cmd);
}

GPtrArray *
petrel_imap_client_list_finish (PetrelImapClient  *self,
                                GAsyncResult      *result,
                                GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct
{
  char *mailbox;
  PetrelImapStatusInfo *status;
} StatusData;

static void
status_data_free (StatusData *data)
{
  g_free (data->mailbox);
  g_clear_pointer (&data->status, petrel_imap_status_info_free);
  g_free (data);
}

static gboolean
status_untagged (PetrelImapClient   *self,
                 PetrelImapCmd      *cmd,
                 PetrelImapResponse *response)
{
  StatusData *data = cmd->data;
  g_autoptr(PetrelImapStatusInfo) status = NULL;

  if (petrel_imap_response_get_response_type (response) != PETREL_IMAP_RESPONSE_TYPE_STATUS ||
      data->status != NULL)
    return FALSE;
  status = petrel_imap_response_dup_status (response, _petrel_imap_client_utf8_enabled (self),
                                            NULL);
  if (status == NULL ||
      !same_mailbox (petrel_imap_client_get_raw_mailbox_names (self) ? status->raw_name
                                                                     : status->name,
                     data->mailbox))
    return FALSE;
  data->status = g_steal_pointer (&status);
  return TRUE;
}

static void
status_done (PetrelImapClient   *self,
             PetrelImapCmd      *cmd,
             PetrelImapResponse *response)
{
  StatusData *data = cmd->data;

  if (!is_ok (response))
    {
      _petrel_imap_cmd_return_error (cmd, _petrel_imap_cmd_response_error (cmd, response));
      return;
    }
  if (data->status == NULL)
    {
      _petrel_imap_cmd_return_error (cmd, g_error_new (PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_PARSE,
                                                       _("%s sent no STATUS for %s"),
                                                       petrel_imap_client_get_host (self),
                                                       data->mailbox));
      return;
    }
  _petrel_imap_cmd_return_pointer (cmd, g_steal_pointer (&data->status),
                                   (GDestroyNotify) petrel_imap_status_info_free);
}

void
petrel_imap_client_status_async (PetrelImapClient      *self,
                                 const char            *mailbox,
                                 PetrelImapStatusItems  items,
                                 GCancellable          *cancellable,
                                 GAsyncReadyCallback    callback,
                                 gpointer               user_data)
{
  GTask *task;
  PetrelImapCmd *cmd;
  StatusData *data;

  g_return_if_fail (PETREL_IS_IMAP_CLIENT (self));
  g_return_if_fail (mailbox != NULL);

  task = new_task (self, cancellable, callback, user_data, petrel_imap_client_status_async);
  if (!_petrel_imap_client_check_state (self, FALSE, task))
    return;
  if (items == 0)
    items = PETREL_IMAP_STATUS_MESSAGES | PETREL_IMAP_STATUS_UIDNEXT |
            PETREL_IMAP_STATUS_UIDVALIDITY | PETREL_IMAP_STATUS_UNSEEN |
            PETREL_IMAP_STATUS_HIGHESTMODSEQ;

  cmd = _petrel_imap_client_cmd_new (self, "STATUS", 0, task);
  data = g_new0 (StatusData, 1);
  data->mailbox = g_strdup (mailbox);
  cmd->data = data;
  cmd->data_free = (GDestroyNotify) status_data_free;
  cmd->untagged = status_untagged;
  cmd->done = status_done;
  petrel_imap_command_add_mailbox (cmd->command, mailbox, NULL);
  add_status_items (self, cmd->command, items);
  _petrel_imap_client_submit (self, cmd);
}

PetrelImapStatusInfo *
petrel_imap_client_status_finish (PetrelImapClient  *self,
                                  GAsyncResult      *result,
                                  GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- SELECT -------------------------------------------------------------------------------- */

typedef struct
{
  PetrelImapMailboxState *state;
  gboolean expect_closed;      /* responses before `* OK [CLOSED]` are about the old mailbox */
} SelectData;

static void
select_data_free (SelectData *data)
{
  g_clear_pointer (&data->state, petrel_imap_mailbox_state_free);
  g_free (data);
}

static void
select_apply_code (PetrelImapMailboxState *state,
                   PetrelImapResponse     *response)
{
  guint64 number = 0;

  switch (petrel_imap_response_get_code (response))
    {
    case PETREL_IMAP_CODE_UIDVALIDITY:
      if (petrel_imap_response_get_code_number (response, &number))
        state->uidvalidity = (guint32) number;
      break;
    case PETREL_IMAP_CODE_UIDNEXT:
      if (petrel_imap_response_get_code_number (response, &number))
        state->uidnext = (guint32) number;
      break;
    case PETREL_IMAP_CODE_UNSEEN:
      if (petrel_imap_response_get_code_number (response, &number))
        state->unseen = (guint32) number;
      break;
    case PETREL_IMAP_CODE_HIGHESTMODSEQ:
      if (petrel_imap_response_get_code_number (response, &number))
        state->highestmodseq = number;
      break;
    case PETREL_IMAP_CODE_NOMODSEQ:
      state->nomodseq = TRUE;
      break;
    case PETREL_IMAP_CODE_PERMANENTFLAGS:
      {
        char **flags = petrel_imap_response_dup_code_strv (response);

        if (flags != NULL)
          {
            g_strfreev (state->permanent_flags);
            state->permanent_flags = flags;
          }
      }
      break;
    case PETREL_IMAP_CODE_READ_ONLY:
      state->read_only = TRUE;
      break;
    case PETREL_IMAP_CODE_READ_WRITE:
      state->read_only = FALSE;
      break;
    default:
      break;
    }
}

static gboolean
select_untagged (PetrelImapClient   *self,
                 PetrelImapCmd      *cmd,
                 PetrelImapResponse *response)
{
  SelectData *data = cmd->data;
  PetrelImapMailboxState *state = data->state;
  PetrelImapResponseType type = petrel_imap_response_get_response_type (response);

  if (data->expect_closed)
    {
      PetrelImapCode code = petrel_imap_response_get_code (response);

      if (type == PETREL_IMAP_RESPONSE_TYPE_OK && code == PETREL_IMAP_CODE_CLOSED)
        {
          data->expect_closed = FALSE;
          return TRUE;
        }
      /* A server that skips [CLOSED]: these only ever describe the mailbox being selected. */
      if (type == PETREL_IMAP_RESPONSE_TYPE_FLAGS ||
          (type == PETREL_IMAP_RESPONSE_TYPE_OK &&
           (code == PETREL_IMAP_CODE_UIDVALIDITY || code == PETREL_IMAP_CODE_UIDNEXT ||
            code == PETREL_IMAP_CODE_PERMANENTFLAGS || code == PETREL_IMAP_CODE_UNSEEN ||
            code == PETREL_IMAP_CODE_HIGHESTMODSEQ || code == PETREL_IMAP_CODE_NOMODSEQ)))
        data->expect_closed = FALSE;
      else
        return FALSE;
    }

  switch (type)
    {
    case PETREL_IMAP_RESPONSE_TYPE_OK:
      select_apply_code (state, response);
      return TRUE;

    case PETREL_IMAP_RESPONSE_TYPE_EXISTS:
      state->exists = petrel_imap_response_get_number (response);
      return TRUE;

    case PETREL_IMAP_RESPONSE_TYPE_RECENT:
      state->recent = petrel_imap_response_get_number (response);
      return TRUE;

    case PETREL_IMAP_RESPONSE_TYPE_FLAGS:
      {
        char **flags = petrel_imap_response_dup_flags (response, NULL);

        if (flags != NULL)
          {
            g_strfreev (state->flags);
            state->flags = flags;
          }
      }
      return TRUE;

    case PETREL_IMAP_RESPONSE_TYPE_VANISHED:
      {
        g_autoptr(PetrelImapSeqSet) uids = NULL;
        gboolean earlier = FALSE;

        if (!petrel_imap_response_get_vanished (response, &earlier, &uids, NULL))
          return TRUE;
        if (!earlier)
          return FALSE;
        if (state->vanished == NULL)
          state->vanished = petrel_imap_seqset_new ();
        seqset_merge (state->vanished, uids);
      }
      return TRUE;

    case PETREL_IMAP_RESPONSE_TYPE_FETCH:
      _petrel_imap_cmd_deliver_fetch (self, cmd, response);
      return TRUE;

    default:
      return FALSE;
    }
}

static void
select_done (PetrelImapClient   *self,
             PetrelImapCmd      *cmd,
             PetrelImapResponse *response)
{
  SelectData *data = cmd->data;

  if (!is_ok (response))
    {
      /* A failed SELECT leaves no mailbox selected (RFC 3501 section 6.3.1). */
      _petrel_imap_client_set_selected (self, NULL);
      _petrel_imap_cmd_return_error (cmd, _petrel_imap_cmd_response_error (cmd, response));
      return;
    }
  select_apply_code (data->state, response);
  _petrel_imap_client_set_selected (self, petrel_imap_mailbox_state_copy (data->state));
  _petrel_imap_cmd_return_pointer (cmd, g_steal_pointer (&data->state),
                                   (GDestroyNotify) petrel_imap_mailbox_state_free);
}

void
petrel_imap_client_select_async (PetrelImapClient              *self,
                                 const char                    *mailbox,
                                 gboolean                       read_only,
                                 gboolean                       condstore,
                                 const PetrelImapQresyncParams *qresync,
                                 PetrelImapFetchFunc            changed_func,
                                 gpointer                       changed_data,
                                 GDestroyNotify                 changed_destroy,
                                 GCancellable                  *cancellable,
                                 GAsyncReadyCallback            callback,
                                 gpointer                       user_data)
{
  GTask *task;
  PetrelImapCmd *cmd;
  SelectData *data;

  g_return_if_fail (PETREL_IS_IMAP_CLIENT (self));
  g_return_if_fail (mailbox != NULL);

  task = new_task (self, cancellable, callback, user_data, petrel_imap_client_select_async);
  if (!_petrel_imap_client_check_state (self, FALSE, task))
    goto out;
  if (qresync != NULL && !petrel_imap_client_is_enabled (self, "QRESYNC"))
    {
      g_task_return_new_error (task, PETREL_IMAP_ERROR, PETREL_IMAP_ERROR_UNSUPPORTED,
                               _("QRESYNC is not enabled on %s"),
                               petrel_imap_client_get_host (self));
      g_object_unref (task);
      goto out;
    }
  if (qresync != NULL && (qresync->uidvalidity == 0 || qresync->modseq == 0 ||
                          (qresync->match_seqs == NULL) != (qresync->match_uids == NULL)))
    {
      fail_invalid (task, "QRESYNC needs a UIDVALIDITY, a mod-sequence, and sequence numbers "
                          "only together with their UIDs");
      goto out;
    }
  if (condstore && qresync == NULL && fail_unsupported (self, task, "CONDSTORE"))
    goto out;

  cmd = _petrel_imap_client_cmd_new (self, read_only ? "EXAMINE" : "SELECT",
                                     PETREL_IMAP_CMD_EXCLUSIVE, task);
  data = g_new0 (SelectData, 1);
  data->state = _petrel_imap_mailbox_state_new (mailbox);
  data->state->read_only = read_only;
  data->expect_closed = _petrel_imap_client_expects_closed (self);
  cmd->data = data;
  cmd->data_free = (GDestroyNotify) select_data_free;
  cmd->untagged = select_untagged;
  cmd->done = select_done;
  _petrel_imap_cmd_set_fetch_func (cmd, changed_func, changed_data, changed_destroy);
  changed_destroy = NULL;

  petrel_imap_command_add_mailbox (cmd->command, mailbox, NULL);
  if (qresync != NULL)
    {
      petrel_imap_command_begin_list (cmd->command);
      petrel_imap_command_add_atom (cmd->command, "QRESYNC", NULL);
      petrel_imap_command_begin_list (cmd->command);
      petrel_imap_command_add_number (cmd->command, qresync->uidvalidity);
      petrel_imap_command_add_number (cmd->command, qresync->modseq);
      if (qresync->known_uids != NULL)
        petrel_imap_command_add_seqset (cmd->command, qresync->known_uids, NULL);
      if (qresync->match_seqs != NULL)
        {
          if (qresync->known_uids == NULL)
            {
              /* The sequence match data needs known-uids before it; 1:max stands for all. */
              g_autoptr(PetrelImapSeqSet) all = petrel_imap_seqset_new_range (1, G_MAXUINT32);

              petrel_imap_command_add_seqset (cmd->command, all, NULL);
            }
          petrel_imap_command_begin_list (cmd->command);
          petrel_imap_command_add_seqset (cmd->command, qresync->match_seqs, NULL);
          petrel_imap_command_add_seqset (cmd->command, qresync->match_uids, NULL);
          petrel_imap_command_end_list (cmd->command);
        }
      petrel_imap_command_end_list (cmd->command);
      petrel_imap_command_end_list (cmd->command);
    }
  else if (condstore)
    {
      petrel_imap_command_begin_list (cmd->command);
      petrel_imap_command_add_atom (cmd->command, "CONDSTORE", NULL);
      petrel_imap_command_end_list (cmd->command);
    }
  _petrel_imap_client_submit (self, cmd);

out:
  if (changed_destroy != NULL)
    changed_destroy (changed_data);
}

PetrelImapMailboxState *
petrel_imap_client_select_finish (PetrelImapClient  *self,
                                  GAsyncResult      *result,
                                  GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
unselect_done (PetrelImapClient   *self,
               PetrelImapCmd      *cmd,
               PetrelImapResponse *response)
{
  if (is_ok (response))
    _petrel_imap_client_set_selected (self, NULL);
  _petrel_imap_cmd_done_default (self, cmd, response);
}

void
petrel_imap_client_unselect_async (PetrelImapClient    *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  GTask *task;
  PetrelImapCmd *cmd;

  g_return_if_fail (PETREL_IS_IMAP_CLIENT (self));

  task = new_task (self, cancellable, callback, user_data, petrel_imap_client_unselect_async);
  if (!_petrel_imap_client_check_state (self, TRUE, task))
    return;
  if (!petrel_imap_client_has_capability (self, "IMAP4REV2") &&
      fail_unsupported (self, task, "UNSELECT"))
    return;
  cmd = _petrel_imap_client_cmd_new (self, "UNSELECT",
                                     PETREL_IMAP_CMD_EXCLUSIVE | PETREL_IMAP_CMD_SELECTED, task);
  cmd->done = unselect_done;
  _petrel_imap_client_submit (self, cmd);
}

gboolean
petrel_imap_client_unselect_finish (PetrelImapClient  *self,
                                    GAsyncResult      *result,
                                    GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- UID FETCH, UID STORE ------------------------------------------------------------------ */

typedef struct
{
  PetrelImapSeqSet *uids;      /* what we asked for */
  PetrelImapSeqSet *seen;      /* what was delivered already (two commands may ask for one UID) */
  PetrelImapSeqSet *vanished;  /* VANISHED (EARLIER), or NULL */
  gboolean want_vanished;
  PetrelImapSeqSet *modified;  /* STORE: [MODIFIED] */
} FetchData;

static void
fetch_data_free (FetchData *data)
{
  g_clear_pointer (&data->uids, petrel_imap_seqset_free);
  g_clear_pointer (&data->seen, petrel_imap_seqset_free);
  g_clear_pointer (&data->vanished, petrel_imap_seqset_free);
  g_clear_pointer (&data->modified, petrel_imap_seqset_free);
  g_free (data);
}

static gboolean
fetch_untagged (PetrelImapClient   *self,
                PetrelImapCmd      *cmd,
                PetrelImapResponse *response)
{
  FetchData *data = cmd->data;
  PetrelImapResponseType type = petrel_imap_response_get_response_type (response);

  if (type == PETREL_IMAP_RESPONSE_TYPE_FETCH)
    {
      const PetrelImapFetch *fetch = petrel_imap_response_get_fetch (response, NULL);

      /* A FETCH without UID, or for a UID we did not ask about, is someone else's. */
      if (fetch == NULL || (fetch->items & PETREL_IMAP_FETCH_UID) == 0 ||
          !petrel_imap_seqset_contains (data->uids, fetch->uid) ||
          petrel_imap_seqset_contains (data->seen, fetch->uid))
        return FALSE;
      petrel_imap_seqset_add (data->seen, fetch->uid);
      _petrel_imap_cmd_deliver_fetch (self, cmd, response);
      return TRUE;
    }

  if (type == PETREL_IMAP_RESPONSE_TYPE_VANISHED && data->want_vanished)
    {
      g_autoptr(PetrelImapSeqSet) uids = NULL;
      gboolean earlier = FALSE;

      if (!petrel_imap_response_get_vanished (response, &earlier, &uids, NULL) || !earlier)
        return FALSE;
      if (data->vanished == NULL)
        data->vanished = petrel_imap_seqset_new ();
      seqset_merge (data->vanished, uids);
      return TRUE;
    }

  return FALSE;
}

static void
fetch_done (PetrelImapClient   *self,
            PetrelImapCmd      *cmd,
            PetrelImapResponse *response)
{
  FetchData *data = cmd->data;

  if (!is_ok (response))
    {
      _petrel_imap_cmd_return_error (cmd, _petrel_imap_cmd_response_error (cmd, response));
      return;
    }
  /* The result is the VANISHED set (maybe NULL): success either way. */
  _petrel_imap_cmd_return_pointer (cmd, g_steal_pointer (&data->vanished),
                                   (GDestroyNotify) petrel_imap_seqset_free);
}

static FetchData *
fetch_data_new (const PetrelImapSeqSet *uids)
{
  FetchData *data = g_new0 (FetchData, 1);

  data->uids = petrel_imap_seqset_copy (uids);
  data->seen = petrel_imap_seqset_new ();
  return data;
}

void
petrel_imap_client_uid_fetch_async (PetrelImapClient       *self,
                                    const PetrelImapSeqSet *uids,
                                    const char             *items,
                                    guint64                 changedsince,
                                    PetrelImapFetchOptions  options,
                                    PetrelImapFetchFunc     func,
                                    gpointer                func_data,
                                    GDestroyNotify          func_destroy,
                                    GCancellable           *cancellable,
                                    GAsyncReadyCallback     callback,
                                    gpointer                user_data)
{
  GTask *task;
  PetrelImapCmd *cmd;
  FetchData *data;

  g_return_if_fail (PETREL_IS_IMAP_CLIENT (self));
  g_return_if_fail (uids != NULL);
  g_return_if_fail (items != NULL);

  task = new_task (self, cancellable, callback, user_data, petrel_imap_client_uid_fetch_async);
  if (!_petrel_imap_client_check_state (self, TRUE, task))
    goto out;
  if (petrel_imap_seqset_is_empty (uids))
    {
      fail_invalid (task, "UID FETCH needs at least one UID");
      goto out;
    }
  if ((options & PETREL_IMAP_FETCH_OPTION_VANISHED) != 0 &&
      (changedsince == 0 || !petrel_imap_client_is_enabled (self, "QRESYNC")))
    {
      fail_invalid (task, "VANISHED needs CHANGEDSINCE and QRESYNC enabled");
      goto out;
    }
  if (changedsince != 0 && fail_unsupported (self, task, "CONDSTORE"))
    goto out;

  cmd = _petrel_imap_client_cmd_new (self, "UID FETCH", PETREL_IMAP_CMD_SELECTED, task);
  data = fetch_data_new (uids);
  data->want_vanished = (options & PETREL_IMAP_FETCH_OPTION_VANISHED) != 0;
  cmd->data = data;
  cmd->data_free = (GDestroyNotify) fetch_data_free;
  cmd->untagged = fetch_untagged;
  cmd->done = fetch_done;
  _petrel_imap_cmd_set_fetch_func (cmd, func, func_data, func_destroy);
  func_destroy = NULL;

  petrel_imap_command_add_seqset (cmd->command, uids, NULL);
  petrel_imap_command_add_token (cmd->command, items, NULL);
  if (changedsince != 0)
    {
      petrel_imap_command_begin_list (cmd->command);
      petrel_imap_command_add_atom (cmd->command, "CHANGEDSINCE", NULL);
      petrel_imap_command_add_number (cmd->command, changedsince);
      if (data->want_vanished)
        petrel_imap_command_add_atom (cmd->command, "VANISHED", NULL);
      petrel_imap_command_end_list (cmd->command);
    }
  _petrel_imap_client_submit (self, cmd);

out:
  if (func_destroy != NULL)
    func_destroy (func_data);
}

gboolean
petrel_imap_client_uid_fetch_finish (PetrelImapClient  *self,
                                     GAsyncResult      *result,
                                     PetrelImapSeqSet **vanished,
                                     GError           **error)
{
  g_autoptr(GError) local_error = NULL;
  PetrelImapSeqSet *set;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  set = g_task_propagate_pointer (G_TASK (result), &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (vanished != NULL)
    *vanished = set;
  else
    g_clear_pointer (&set, petrel_imap_seqset_free);
  return TRUE;
}

char *
petrel_imap_client_dup_part_item (PetrelImapClient *self,
                                  const char       *section)
{
  g_return_val_if_fail (PETREL_IS_IMAP_CLIENT (self), NULL);
  g_return_val_if_fail (section != NULL, NULL);

  /* BINARY only applies to leaf parts given by number, not to HEADER/TEXT/MIME specifiers. */
  if (petrel_imap_client_has_capability (self, "BINARY") &&
      section[0] != '\0' && strspn (section, "0123456789.") == strlen (section))
    return g_strdup_printf ("BINARY.PEEK[%s]", section);
  return g_strdup_printf ("BODY.PEEK[%s]", section);
}

static void
store_done (PetrelImapClient   *self,
            PetrelImapCmd      *cmd,
            PetrelImapResponse *response)
{
  PetrelImapSeqSet *modified = NULL;

  if (petrel_imap_response_get_code (response) == PETREL_IMAP_CODE_MODIFIED)
    modified = petrel_imap_response_get_modified (response, NULL);

  if (!is_ok (response))
    {
      g_clear_pointer (&modified, petrel_imap_seqset_free);
      _petrel_imap_cmd_return_error (cmd, _petrel_imap_cmd_response_error (cmd, response));
      return;
    }
  _petrel_imap_cmd_return_pointer (cmd, modified, (GDestroyNotify) petrel_imap_seqset_free);
}

void
petrel_imap_client_uid_store_async (PetrelImapClient       *self,
                                    const PetrelImapSeqSet *uids,
                                    PetrelImapStoreAction   action,
                                    const char * const     *flags,
                                    guint64                 unchangedsince,
                                    PetrelImapFetchFunc     func,
                                    gpointer                func_data,
                                    GDestroyNotify          func_destroy,
                                    GCancellable           *cancellable,
                                    GAsyncReadyCallback     callback,
                                    gpointer                user_data)
{
  static const char * const no_flags[] = { NULL };
  GTask *task;
  PetrelImapCmd *cmd;
  g_autofree char *item = NULL;

  g_return_if_fail (PETREL_IS_IMAP_CLIENT (self));
  g_return_if_fail (uids != NULL);

  task = new_task (self, cancellable, callback, user_data, petrel_imap_client_uid_store_async);
  if (!_petrel_imap_client_check_state (self, TRUE, task))
    goto out;
  if (petrel_imap_seqset_is_empty (uids))
    {
      fail_invalid (task, "UID STORE needs at least one UID");
      goto out;
    }
  if (unchangedsince != 0 && fail_unsupported (self, task, "CONDSTORE"))
    goto out;

  cmd = _petrel_imap_client_cmd_new (self, "UID STORE", PETREL_IMAP_CMD_SELECTED, task);
  cmd->data = fetch_data_new (uids);
  cmd->data_free = (GDestroyNotify) fetch_data_free;
  cmd->untagged = fetch_untagged;
  cmd->done = store_done;
  _petrel_imap_cmd_set_fetch_func (cmd, func, func_data, func_destroy);
  func_destroy = NULL;

  item = g_strconcat (action == PETREL_IMAP_STORE_ADD ? "+" :
                      action == PETREL_IMAP_STORE_REMOVE ? "-" : "",
                      "FLAGS", func == NULL ? ".SILENT" : "", NULL);
  petrel_imap_command_add_seqset (cmd->command, uids, NULL);
  if (unchangedsince != 0)
    {
      petrel_imap_command_begin_list (cmd->command);
      petrel_imap_command_add_atom (cmd->command, "UNCHANGEDSINCE", NULL);
      petrel_imap_command_add_number (cmd->command, unchangedsince);
      petrel_imap_command_end_list (cmd->command);
    }
  petrel_imap_command_add_atom (cmd->command, item, NULL);
  petrel_imap_command_add_flags (cmd->command, flags != NULL ? flags : no_flags, NULL);
  _petrel_imap_client_submit (self, cmd);

out:
  if (func_destroy != NULL)
    func_destroy (func_data);
}

gboolean
petrel_imap_client_uid_store_finish (PetrelImapClient  *self,
                                     GAsyncResult      *result,
                                     PetrelImapSeqSet **modified,
                                     GError           **error)
{
  g_autoptr(GError) local_error = NULL;
  PetrelImapSeqSet *set;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  set = g_task_propagate_pointer (G_TASK (result), &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (modified != NULL)
    *modified = set;
  else
    g_clear_pointer (&set, petrel_imap_seqset_free);
  return TRUE;
}

/* ---- UID SEARCH ---------------------------------------------------------------------------- */

typedef struct
{
  PetrelImapSeqSet *uids;
  guint64 modseq;
} SearchData;

static void
search_data_free (SearchData *data)
{
  g_clear_pointer (&data->uids, petrel_imap_seqset_free);
  g_free (data);
}

static gboolean
search_untagged (PetrelImapClient   *self,
                 PetrelImapCmd      *cmd,
                 PetrelImapResponse *response)
{
  SearchData *data = cmd->data;
  PetrelImapResponseType type = petrel_imap_response_get_response_type (response);

  if (type == PETREL_IMAP_RESPONSE_TYPE_ESEARCH)
    {
      g_autoptr(PetrelImapEsearchResult) result = petrel_imap_response_dup_esearch (response, NULL);

      if (result == NULL ||
          g_strcmp0 (result->tag, petrel_imap_command_get_tag (cmd->command)) != 0)
        return FALSE;
      if (result->all != NULL)
        seqset_merge (data->uids, result->all);
      if ((result->items & PETREL_IMAP_ESEARCH_MODSEQ) != 0)
        data->modseq = result->modseq;
      return TRUE;
    }

  if (type == PETREL_IMAP_RESPONSE_TYPE_SEARCH)
    {
      g_autoptr(PetrelImapSearchResult) result = petrel_imap_response_dup_search (response, NULL);

      if (result == NULL)
        return FALSE;
      for (guint i = 0; i < result->numbers->len; i++)
        petrel_imap_seqset_add (data->uids, g_array_index (result->numbers, guint32, i));
      if (result->modseq != 0)
        data->modseq = result->modseq;
      return TRUE;
    }

  return FALSE;
}

static void
search_done (PetrelImapClient   *self,
             PetrelImapCmd      *cmd,
             PetrelImapResponse *response)
{
  if (!is_ok (response))
    {
      _petrel_imap_cmd_return_error (cmd, _petrel_imap_cmd_response_error (cmd, response));
      return;
    }
  _petrel_imap_cmd_return_pointer (cmd, g_steal_pointer (&cmd->data),
                                   (GDestroyNotify) search_data_free);
}

void
petrel_imap_client_uid_search_async (PetrelImapClient    *self,
                                     const char * const  *criteria,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  GTask *task;
  PetrelImapCmd *cmd;
  SearchData *data;
  gboolean esearch;
  gboolean eight_bit = FALSE;

  g_return_if_fail (PETREL_IS_IMAP_CLIENT (self));
  g_return_if_fail (criteria != NULL);

  task = new_task (self, cancellable, callback, user_data, petrel_imap_client_uid_search_async);
  if (!_petrel_imap_client_check_state (self, TRUE, task))
    return;
  if (criteria[0] == NULL)
    {
      fail_invalid (task, "UID SEARCH needs at least one search key");
      return;
    }

  esearch = petrel_imap_client_has_capability (self, "ESEARCH") ||
            petrel_imap_client_has_capability (self, "IMAP4REV2");
  for (guint i = 0; criteria[i] != NULL; i++)
    for (const char *p = criteria[i]; *p != '\0'; p++)
      if ((guchar) *p >= 0x80)
        eight_bit = TRUE;

  /* Without ESEARCH the SEARCH answers of two searches cannot be told apart. */
  cmd = _petrel_imap_client_cmd_new (self, "UID SEARCH",
                                     PETREL_IMAP_CMD_SELECTED |
                                     (esearch ? 0 : PETREL_IMAP_CMD_SERIAL), task);
  data = g_new0 (SearchData, 1);
  data->uids = petrel_imap_seqset_new ();
  cmd->data = data;
  cmd->data_free = (GDestroyNotify) search_data_free;
  cmd->untagged = search_untagged;
  cmd->done = search_done;

  if (esearch)
    {
      petrel_imap_command_add_atom (cmd->command, "RETURN", NULL);
      petrel_imap_command_begin_list (cmd->command);
      petrel_imap_command_add_atom (cmd->command, "ALL", NULL);
      petrel_imap_command_end_list (cmd->command);
    }
  if (eight_bit && !_petrel_imap_client_utf8_enabled (self))
    {
      petrel_imap_command_add_atom (cmd->command, "CHARSET", NULL);
      petrel_imap_command_add_atom (cmd->command, "UTF-8", NULL);
    }
  for (guint i = 0; criteria[i] != NULL; i++)
    {
      if (criteria[i][0] == '=')
        petrel_imap_command_add_string (cmd->command, criteria[i] + 1, NULL);
      else
        petrel_imap_command_add_token (cmd->command, criteria[i], NULL);
    }
  _petrel_imap_client_submit (self, cmd);
}

PetrelImapSeqSet *
petrel_imap_client_uid_search_finish (PetrelImapClient  *self,
                                      GAsyncResult      *result,
                                      guint64           *modseq,
                                      GError           **error)
{
  SearchData *data;
  PetrelImapSeqSet *uids;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  data = g_task_propagate_pointer (G_TASK (result), error);
  if (data == NULL)
    return NULL;
  if (modseq != NULL)
    *modseq = data->modseq;
  uids = g_steal_pointer (&data->uids);
  search_data_free (data);
  return uids;
}

/* ---- UID COPY, UID MOVE -------------------------------------------------------------------- */

static PetrelImapCopyResult *
copy_result_from (PetrelImapResponse *response)
{
  g_autoptr(PetrelImapCopyResult) result = g_new0 (PetrelImapCopyResult, 1);
  g_autoptr(GError) error = NULL;

  if (petrel_imap_response_get_code (response) != PETREL_IMAP_CODE_COPYUID)
    return NULL;
  if (!petrel_imap_response_get_copyuid (response, &result->uidvalidity, &result->source,
                                         &result->destination, &error))
    {
      g_debug ("ignoring a malformed COPYUID: %s", error->message);
      return NULL;
    }
  return g_steal_pointer (&result);
}

static gboolean
copy_untagged (PetrelImapClient   *self,
               PetrelImapCmd      *cmd,
               PetrelImapResponse *response)
{
  PetrelImapCopyResult *result;

  /* MOVE sends COPYUID in an untagged OK before the EXPUNGEs (RFC 6851 section 4.3). */
  if (petrel_imap_response_get_response_type (response) != PETREL_IMAP_RESPONSE_TYPE_OK ||
      cmd->data != NULL || (result = copy_result_from (response)) == NULL)
    return FALSE;
  cmd->data = result;
  return TRUE;
}

static void
copy_done (PetrelImapClient   *self,
           PetrelImapCmd      *cmd,
           PetrelImapResponse *response)
{
  PetrelImapCopyResult *result;

  if (!is_ok (response))
    {
      _petrel_imap_cmd_return_error (cmd, _petrel_imap_cmd_response_error (cmd, response));
      return;
    }
  result = copy_result_from (response);
  if (result == NULL)
    result = g_steal_pointer (&cmd->data);
  _petrel_imap_cmd_return_pointer (cmd, result, (GDestroyNotify) petrel_imap_copy_result_free);
}

static void
send_copy_or_move (PetrelImapClient       *self,
                   const char             *name,
                   const PetrelImapSeqSet *uids,
                   const char             *destination,
                   GTask                  *task)
{
  PetrelImapCmd *cmd = _petrel_imap_client_cmd_new (self, name, PETREL_IMAP_CMD_SELECTED, task);

  cmd->data_free = (GDestroyNotify) petrel_imap_copy_result_free;
  cmd->untagged = copy_untagged;
  cmd->done = copy_done;
  petrel_imap_command_add_seqset (cmd->command, uids, NULL);
  petrel_imap_command_add_mailbox (cmd->command, destination, NULL);
  _petrel_imap_client_submit (self, cmd);
}

static gboolean
copy_result_propagate (GTask                 *task,
                       PetrelImapCopyResult **copy_result,
                       GError               **error)
{
  g_autoptr(GError) local_error = NULL;
  PetrelImapCopyResult *result;

  result = g_task_propagate_pointer (task, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (copy_result != NULL)
    *copy_result = result;
  else
    petrel_imap_copy_result_free (result);
  return TRUE;
}

void
petrel_imap_client_uid_copy_async (PetrelImapClient       *self,
                                   const PetrelImapSeqSet *uids,
                                   const char             *destination,
                                   GCancellable           *cancellable,
                                   GAsyncReadyCallback     callback,
                                   gpointer                user_data)
{
  GTask *task;

  g_return_if_fail (PETREL_IS_IMAP_CLIENT (self));
  g_return_if_fail (uids != NULL);
  g_return_if_fail (destination != NULL);

  task = new_task (self, cancellable, callback, user_data, petrel_imap_client_uid_copy_async);
  if (!_petrel_imap_client_check_state (self, TRUE, task))
    return;
  if (petrel_imap_seqset_is_empty (uids))
    {
      fail_invalid (task, "UID COPY needs at least one UID");
      return;
    }
  send_copy_or_move (self, "UID COPY", uids, destination, task);
}

gboolean
petrel_imap_client_uid_copy_finish (PetrelImapClient      *self,
                                    GAsyncResult          *result,
                                    PetrelImapCopyResult **copy_result,
                                    GError               **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return copy_result_propagate (G_TASK (result), copy_result, error);
}

typedef struct
{
  PetrelImapSeqSet *uids;
  PetrelImapCopyResult *result;
} MoveData;

static void
move_data_free (MoveData *data)
{
  g_clear_pointer (&data->uids, petrel_imap_seqset_free);
  g_clear_pointer (&data->result, petrel_imap_copy_result_free);
  g_free (data);
}

static void
move_expunge_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  MoveData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!petrel_imap_client_expunge_finish (PETREL_IMAP_CLIENT (object), result, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, g_steal_pointer (&data->result),
                           (GDestroyNotify) petrel_imap_copy_result_free);
}

static void
move_store_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PetrelImapClient *self = PETREL_IMAP_CLIENT (object);
  MoveData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  GCancellable *cancellable;

  if (!petrel_imap_client_uid_store_finish (self, result, NULL, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!petrel_imap_client_has_capability (self, "UIDPLUS"))
    {
      /* A plain EXPUNGE would also remove other messages flagged \Deleted: leave these flagged
       * for the next EXPUNGE. */
      g_task_return_pointer (task, g_steal_pointer (&data->result),
                             (GDestroyNotify) petrel_imap_copy_result_free);
      return;
    }
  cancellable = g_task_get_cancellable (task);
  petrel_imap_client_expunge_async (self, data->uids, cancellable, move_expunge_cb,
                                    g_steal_pointer (&task));
}

static void
move_copy_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  static const char * const deleted[] = { "\\Deleted", NULL };
  g_autoptr(GTask) task = user_data;
  PetrelImapClient *self = PETREL_IMAP_CLIENT (object);
  MoveData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  GCancellable *cancellable;

  if (!petrel_imap_client_uid_copy_finish (self, result, &data->result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  cancellable = g_task_get_cancellable (task);
  petrel_imap_client_uid_store_async (self, data->uids, PETREL_IMAP_STORE_ADD, deleted, 0,
                                      NULL, NULL, NULL, cancellable, move_store_cb,
                                      g_steal_pointer (&task));
}

void
petrel_imap_client_uid_move_async (PetrelImapClient       *self,
                                   const PetrelImapSeqSet *uids,
                                   const char             *destination,
                                   GCancellable           *cancellable,
                                   GAsyncReadyCallback     callback,
                                   gpointer                user_data)
{
  GTask *task;
  MoveData *data;

  g_return_if_fail (PETREL_IS_IMAP_CLIENT (self));
  g_return_if_fail (uids != NULL);
  g_return_if_fail (destination != NULL);

  task = new_task (self, cancellable, callback, user_data, petrel_imap_client_uid_move_async);
  if (!_petrel_imap_client_check_state (self, TRUE, task))
    return;
  if (petrel_imap_seqset_is_empty (uids))
    {
      fail_invalid (task, "UID MOVE needs at least one UID");
      return;
    }

  if (petrel_imap_client_has_capability (self, "MOVE") ||
      petrel_imap_client_has_capability (self, "IMAP4REV2"))
    {
      send_copy_or_move (self, "UID MOVE", uids, destination, task);
      return;
    }

  g_debug ("%s: no MOVE; copying, flagging \\Deleted and expunging",
           petrel_imap_client_get_host (self));
  data = g_new0 (MoveData, 1);
  data->uids = petrel_imap_seqset_copy (uids);
  g_task_set_task_data (task, data, (GDestroyNotify) move_data_free);
  petrel_imap_client_uid_copy_async (self, uids, destination, g_task_get_cancellable (task),
                                     move_copy_cb, task);
}

gboolean
petrel_imap_client_uid_move_finish (PetrelImapClient      *self,
                                    GAsyncResult          *result,
                                    PetrelImapCopyResult **copy_result,
                                    GError               **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return copy_result_propagate (G_TASK (result), copy_result, error);
}

/* ---- APPEND -------------------------------------------------------------------------------- */

typedef struct
{
  guint32 uidvalidity;
  PetrelImapSeqSet *uids;
} AppendResult;

static void
append_result_free (AppendResult *result)
{
  g_clear_pointer (&result->uids, petrel_imap_seqset_free);
  g_free (result);
}

static void
append_done (PetrelImapClient   *self,
             PetrelImapCmd      *cmd,
             PetrelImapResponse *response)
{
  AppendResult *result;

  if (!is_ok (response))
    {
      _petrel_imap_cmd_return_error (cmd, _petrel_imap_cmd_response_error (cmd, response));
      return;
    }
  result = g_new0 (AppendResult, 1);
  if (petrel_imap_response_get_code (response) == PETREL_IMAP_CODE_APPENDUID &&
      !petrel_imap_response_get_appenduid (response, &result->uidvalidity, &result->uids, NULL))
    {
      result->uidvalidity = 0;
      g_clear_pointer (&result->uids, petrel_imap_seqset_free);
    }
  _petrel_imap_cmd_return_pointer (cmd, result, (GDestroyNotify) append_result_free);
}

static char *
format_date_time (GDateTime *date)
{
  static const char * const months[] = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
  };
  gint64 offset = g_date_time_get_utc_offset (date) / G_TIME_SPAN_MINUTE;
  char sign = offset < 0 ? '-' : '+';

  offset = ABS (offset);
  /* Not g_date_time_format(): %b follows the locale, IMAP wants English month names. */
  return g_strdup_printf ("%02d-%s-%04d %02d:%02d:%02d %c%02d%02d",
                          g_date_time_get_day_of_month (date),
                          months[g_date_time_get_month (date) - 1],
                          g_date_time_get_year (date),
                          g_date_time_get_hour (date),
                          g_date_time_get_minute (date),
                          g_date_time_get_second (date),
                          sign, (int) (offset / 60), (int) (offset % 60));
}

static void
add_append_message (PetrelImapClient              *self,
                    PetrelImapCommand             *command,
                    const PetrelImapAppendMessage *message)
{
  gsize size = 0;
  const char *data = g_bytes_get_data (message->message, &size);
  gboolean binary;

  if (message->flags != NULL && message->flags[0] != NULL)
    petrel_imap_command_add_flags (command, message->flags, NULL);
  if (message->internal_date != NULL)
    {
      g_autofree char *date = format_date_time (message->internal_date);

      petrel_imap_command_add_quoted (command, date, NULL);
    }
  /* NUL bytes can only travel in a literal8 (BINARY). */
  binary = memchr (data, '\0', size) != NULL && petrel_imap_client_has_capability (self, "BINARY");
  petrel_imap_command_add_literal (command, message->message, binary);
}

static PetrelImapCmd *
append_cmd_new (PetrelImapClient *self,
                const char       *mailbox,
                GTask            *task)
{
  PetrelImapCmd *cmd = _petrel_imap_client_cmd_new (self, "APPEND", 0, task);

  cmd->done = append_done;
  petrel_imap_command_add_mailbox (cmd->command, mailbox, NULL);
  return cmd;
}

void
petrel_imap_client_append_async (PetrelImapClient              *self,
                                 const char                    *mailbox,
                                 const PetrelImapAppendMessage *message,
                                 GCancellable                  *cancellable,
                                 GAsyncReadyCallback            callback,
                                 gpointer                       user_data)
{
  GTask *task;
  PetrelImapCmd *cmd;

  g_return_if_fail (PETREL_IS_IMAP_CLIENT (self));
  g_return_if_fail (mailbox != NULL);
  g_return_if_fail (message != NULL && message->message != NULL);

  task = new_task (self, cancellable, callback, user_data, petrel_imap_client_append_async);
  if (!_petrel_imap_client_check_state (self, FALSE, task))
    return;
  cmd = append_cmd_new (self, mailbox, task);
  add_append_message (self, cmd->command, message);
  _petrel_imap_client_submit (self, cmd);
}

gboolean
petrel_imap_client_append_finish (PetrelImapClient  *self,
                                  GAsyncResult      *result,
                                  guint32           *uidvalidity,
                                  guint32           *uid,
                                  GError           **error)
{
  AppendResult *append;
  guint32 first = 0;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  append = g_task_propagate_pointer (G_TASK (result), error);
  if (append == NULL)
    return FALSE;
  if (uidvalidity != NULL)
    *uidvalidity = append->uidvalidity;
  if (append->uids != NULL)
    petrel_imap_seqset_get_bounds (append->uids, &first, NULL);
  if (uid != NULL)
    *uid = first;
  append_result_free (append);
  return TRUE;
}

typedef struct
{
  guint n_left;
  guint32 uidvalidity;
  guint32 *uids;               /* per message, 0 if unknown */
  guint n_uids;
  GError *error;
} MultiAppend;

static void
multi_append_free (MultiAppend *multi)
{
  g_free (multi->uids);
  g_clear_error (&multi->error);
  g_free (multi);
}

static void
multi_append_one_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  GTask *task = user_data;
  MultiAppend *multi = g_task_get_task_data (task);
  guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (result), "petrel-index"));
  GError *error = NULL;
  guint32 uidvalidity = 0;
  guint32 uid = 0;

  if (!petrel_imap_client_append_finish (PETREL_IMAP_CLIENT (object), result, &uidvalidity,
                                         &uid, &error))
    {
      if (multi->error == NULL)
        multi->error = error;
      else
        g_error_free (error);
    }
  else
    {
      multi->uidvalidity = uidvalidity;
      multi->uids[index] = uid;
    }

  if (--multi->n_left > 0)
    {
      g_object_unref (task);
      return;
    }

  if (multi->error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&multi->error));
    }
  else
    {
      AppendResult *append = g_new0 (AppendResult, 1);
      gboolean all = TRUE;

      for (guint i = 0; i < multi->n_uids; i++)
        all &= multi->uids[i] != 0;
      append->uidvalidity = multi->uidvalidity;
      if (all && multi->uidvalidity != 0)
        append->uids = petrel_imap_seqset_new_from_array (multi->uids, multi->n_uids);
      g_task_return_pointer (task, append, (GDestroyNotify) append_result_free);
    }
  g_object_unref (task);
}

void
petrel_imap_client_append_multi_async (PetrelImapClient              *self,
                                       const char                    *mailbox,
                                       const PetrelImapAppendMessage *messages,
                                       guint                          n_messages,
                                       GCancellable                  *cancellable,
                                       GAsyncReadyCallback            callback,
                                       gpointer                       user_data)
{
  GTask *task;
  MultiAppend *multi;

  g_return_if_fail (PETREL_IS_IMAP_CLIENT (self));
  g_return_if_fail (mailbox != NULL);
  g_return_if_fail (messages != NULL || n_messages == 0);

  task = new_task (self, cancellable, callback, user_data, petrel_imap_client_append_multi_async);
  if (!_petrel_imap_client_check_state (self, FALSE, task))
    return;
  if (n_messages == 0)
    {
      fail_invalid (task, "APPEND needs at least one message");
      return;
    }

  if (petrel_imap_client_has_capability (self, "MULTIAPPEND"))
    {
      PetrelImapCmd *cmd = append_cmd_new (self, mailbox, task);

      for (guint i = 0; i < n_messages; i++)
        add_append_message (self, cmd->command, &messages[i]);
      _petrel_imap_client_submit (self, cmd);
      return;
    }

  /* One APPEND per message, all queued at once (pipelined). */
  multi = g_new0 (MultiAppend, 1);
  multi->n_left = n_messages;
  multi->n_uids = n_messages;
  multi->uids = g_new0 (guint32, n_messages);
  g_task_set_task_data (task, multi, (GDestroyNotify) multi_append_free);
  for (guint i = 0; i < n_messages; i++)
    {
      GTask *one = new_task (self, cancellable, multi_append_one_cb, g_object_ref (task),
                             petrel_imap_client_append_async);
      PetrelImapCmd *cmd;

      g_object_set_data (G_OBJECT (one), "petrel-index", GUINT_TO_POINTER (i));
      cmd = append_cmd_new (self, mailbox, one);
      add_append_message (self, cmd->command, &messages[i]);
      _petrel_imap_client_submit (self, cmd);
    }
  g_object_unref (task);
}

gboolean
petrel_imap_client_append_multi_finish (PetrelImapClient  *self,
                                        GAsyncResult      *result,
                                        guint32           *uidvalidity,
                                        PetrelImapSeqSet **uids,
                                        GError           **error)
{
  AppendResult *append;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  append = g_task_propagate_pointer (G_TASK (result), error);
  if (append == NULL)
    return FALSE;
  if (uidvalidity != NULL)
    *uidvalidity = append->uidvalidity;
  if (uids != NULL)
    *uids = g_steal_pointer (&append->uids);
  append_result_free (append);
  return TRUE;
}

/* ---- CREATE, RENAME, DELETE, SUBSCRIBE, EXPUNGE -------------------------------------------- */

static void
submit_mailbox_command (PetrelImapClient *self,
                        const char       *name,
                        const char       *mailbox,
                        const char       *second,
                        GTask            *task)
{
  PetrelImapCmd *cmd;

  if (!_petrel_imap_client_check_state (self, FALSE, task))
    return;
  cmd = _petrel_imap_client_cmd_new (self, name, 0, task);
  petrel_imap_command_add_mailbox (cmd->command, mailbox, NULL);
  if (second != NULL)
    petrel_imap_command_add_mailbox (cmd->command, second, NULL);
  _petrel_imap_client_submit (self, cmd);
}

void
petrel_imap_client_create_async (PetrelImapClient    *self,
                                 const char          *mailbox,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (PETREL_IS_IMAP_CLIENT (self));
  g_return_if_fail (mailbox != NULL);

  submit_mailbox_command (self, "CREATE", mailbox, NULL,
                          new_task (self, cancellable, callback, user_data,
                                    petrel_imap_client_create_async));
}

gboolean
petrel_imap_client_create_finish (PetrelImapClient  *self,
                                  GAsyncResult      *result,
                                  GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
petrel_imap_client_rename_async (PetrelImapClient    *self,
                                 const char          *mailbox,
                                 const char          *new_name,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (PETREL_IS_IMAP_CLIENT (self));
  g_return_if_fail (mailbox != NULL);
  g_return_if_fail (new_name != NULL);

  submit_mailbox_command (self, "RENAME", mailbox, new_name,
                          new_task (self, cancellable, callback, user_data,
                                    petrel_imap_client_rename_async));
}

gboolean
petrel_imap_client_rename_finish (PetrelImapClient  *self,
                                  GAsyncResult      *result,
                                  GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
petrel_imap_client_delete_async (PetrelImapClient    *self,
                                 const char          *mailbox,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (PETREL_IS_IMAP_CLIENT (self));
  g_return_if_fail (mailbox != NULL);

  submit_mailbox_command (self, "DELETE", mailbox, NULL,
                          new_task (self, cancellable, callback, user_data,
                                    petrel_imap_client_delete_async));
}

gboolean
petrel_imap_client_delete_finish (PetrelImapClient  *self,
                                  GAsyncResult      *result,
                                  GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
petrel_imap_client_subscribe_async (PetrelImapClient    *self,
                                    const char          *mailbox,
                                    gboolean             subscribe,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (PETREL_IS_IMAP_CLIENT (self));
  g_return_if_fail (mailbox != NULL);

  submit_mailbox_command (self, subscribe ? "SUBSCRIBE" : "UNSUBSCRIBE", mailbox, NULL,
                          new_task (self, cancellable, callback, user_data,
                                    petrel_imap_client_subscribe_async));
}

gboolean
petrel_imap_client_subscribe_finish (PetrelImapClient  *self,
                                     GAsyncResult      *result,
                                     GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
petrel_imap_client_expunge_async (PetrelImapClient       *self,
                                  const PetrelImapSeqSet *uids,
                                  GCancellable           *cancellable,
                                  GAsyncReadyCallback     callback,
                                  gpointer                user_data)
{
  GTask *task;
  PetrelImapCmd *cmd;

  g_return_if_fail (PETREL_IS_IMAP_CLIENT (self));

  task = new_task (self, cancellable, callback, user_data, petrel_imap_client_expunge_async);
  if (!_petrel_imap_client_check_state (self, TRUE, task))
    return;
  if (uids != NULL)
    {
      if (!petrel_imap_client_has_capability (self, "IMAP4REV2") &&
          fail_unsupported (self, task, "UIDPLUS"))
        return;
      if (petrel_imap_seqset_is_empty (uids))
        {
          fail_invalid (task, "UID EXPUNGE needs at least one UID");
          return;
        }
    }
  cmd = _petrel_imap_client_cmd_new (self, uids != NULL ? "UID EXPUNGE" : "EXPUNGE",
                                     PETREL_IMAP_CMD_SELECTED, task);
  if (uids != NULL)
    petrel_imap_command_add_seqset (cmd->command, uids, NULL);
  _petrel_imap_client_submit (self, cmd);
}

gboolean
petrel_imap_client_expunge_finish (PetrelImapClient  *self,
                                   GAsyncResult      *result,
                                   GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- GETQUOTAROOT -------------------------------------------------------------------------- */

typedef struct
{
  GPtrArray *quotas;
  GStrv roots;
} QuotaData;

static void
quota_data_free (QuotaData *data)
{
  g_clear_pointer (&data->quotas, g_ptr_array_unref);
  g_strfreev (data->roots);
  g_free (data);
}

static gboolean
quota_untagged (PetrelImapClient   *self,
                PetrelImapCmd      *cmd,
                PetrelImapResponse *response)
{
  QuotaData *data = cmd->data;

  switch (petrel_imap_response_get_response_type (response))
    {
    case PETREL_IMAP_RESPONSE_TYPE_QUOTAROOT:
      {
        PetrelImapQuotaRoot *root;

        root = petrel_imap_response_dup_quotaroot (response,
                                                   _petrel_imap_client_utf8_enabled (self), NULL);
        if (root != NULL)
          {
            g_strfreev (data->roots);
            data->roots = g_steal_pointer (&root->roots);
            petrel_imap_quota_root_free (root);
          }
      }
      return TRUE;

    case PETREL_IMAP_RESPONSE_TYPE_QUOTA:
      {
        PetrelImapQuota *quota = petrel_imap_response_dup_quota (response, NULL);

        if (quota != NULL)
          g_ptr_array_add (data->quotas, quota);
      }
      return TRUE;

    default:
      return FALSE;
    }
}

static void
quota_done (PetrelImapClient   *self,
            PetrelImapCmd      *cmd,
            PetrelImapResponse *response)
{
  if (!is_ok (response))
    {
      _petrel_imap_cmd_return_error (cmd, _petrel_imap_cmd_response_error (cmd, response));
      return;
    }
  _petrel_imap_cmd_return_pointer (cmd, g_steal_pointer (&cmd->data),
                                   (GDestroyNotify) quota_data_free);
}

void
petrel_imap_client_getquotaroot_async (PetrelImapClient    *self,
                                       const char          *mailbox,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  GTask *task;
  PetrelImapCmd *cmd;
  QuotaData *data;

  g_return_if_fail (PETREL_IS_IMAP_CLIENT (self));
  g_return_if_fail (mailbox != NULL);

  task = new_task (self, cancellable, callback, user_data, petrel_imap_client_getquotaroot_async);
  if (!_petrel_imap_client_check_state (self, FALSE, task))
    return;
  if (fail_unsupported (self, task, "QUOTA"))
    return;

  cmd = _petrel_imap_client_cmd_new (self, "GETQUOTAROOT", PETREL_IMAP_CMD_SERIAL, task);
  data = g_new0 (QuotaData, 1);
  data->quotas = g_ptr_array_new_with_free_func ((GDestroyNotify) petrel_imap_quota_free);
  cmd->data = data;
  cmd->data_free = (GDestroyNotify) quota_data_free;
  cmd->untagged = quota_untagged;
  cmd->done = quota_done;
  petrel_imap_command_add_mailbox (cmd->command, mailbox, NULL);
  _petrel_imap_client_submit (self, cmd);
}

GPtrArray *
petrel_imap_client_getquotaroot_finish (PetrelImapClient  *self,
                                        GAsyncResult      *result,
                                        char            ***roots,
                                        GError           **error)
{
  QuotaData *data;
  GPtrArray *quotas;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  data = g_task_propagate_pointer (G_TASK (result), error);
  if (data == NULL)
    return NULL;
  if (roots != NULL)
    *roots = data->roots != NULL ? g_steal_pointer (&data->roots) : g_new0 (char *, 1);
  quotas = g_steal_pointer (&data->quotas);
  quota_data_free (data);
  return quotas;
}
