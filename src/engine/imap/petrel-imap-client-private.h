/* petrel-imap-client-private.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "imap/petrel-imap-client.h"
#include "imap/petrel-imap-command.h"
#include "imap/petrel-imap-error.h"

G_BEGIN_DECLS

/*
 * The command machinery shared by petrel-imap-client.c (connection, reader, writer, dispatch,
 * login, IDLE) and petrel-imap-client-commands.c (mailbox and message commands).
 */

typedef enum
{
  /* Sent only when nothing else is in flight, and nothing is sent after it until it completes
   * (SELECT, AUTHENTICATE, STARTTLS, COMPRESS, IDLE, LOGOUT, ...). */
  PETREL_IMAP_CMD_EXCLUSIVE = 1 << 0,
  /* Never in flight together with another command of the same name: its untagged answers
   * (LIST, SEARCH, NAMESPACE, ...) could not be told apart. */
  PETREL_IMAP_CMD_SERIAL    = 1 << 1,
  /* Changes the byte stream after its OK (STARTTLS, COMPRESS): the reader feeds the parser line
   * by line while it is in flight, so that it knows where the old stream ends. */
  PETREL_IMAP_CMD_SWITCH    = 1 << 2,
  /* Part of connect_async(): allowed before the session is authenticated. */
  PETREL_IMAP_CMD_CONNECT   = 1 << 3,
  /* Needs a selected mailbox. */
  PETREL_IMAP_CMD_SELECTED  = 1 << 5,
} PetrelImapCmdFlags;

typedef struct _PetrelImapCmd PetrelImapCmd;

/* Offered each untagged response while the command is in flight (oldest command first);
 * returns TRUE if the response belongs to the command (it is then not reported as unsolicited). */
typedef gboolean (*PetrelImapCmdUntaggedFunc)     (PetrelImapClient   *self,
                                                   PetrelImapCmd      *cmd,
                                                   PetrelImapResponse *response);
/* A `+` for the command once all its chunks are sent (SASL challenges, IDLE). */
typedef void     (*PetrelImapCmdContinuationFunc) (PetrelImapClient   *self,
                                                   PetrelImapCmd      *cmd,
                                                   PetrelImapResponse *response);
/* The tagged response: complete cmd->task (if still set). */
typedef void     (*PetrelImapCmdDoneFunc)         (PetrelImapClient   *self,
                                                   PetrelImapCmd      *cmd,
                                                   PetrelImapResponse *response);

struct _PetrelImapCmd
{
  PetrelImapClient *client;          /* borrowed */
  PetrelImapCommand *command;        /* owned */
  char *name;                        /* owned, upper-cased, e.g. "UID FETCH" */
  PetrelImapCmdFlags flags;
  GTask *task;                       /* owned; NULL once completed or abandoned */
  GSource *cancel_source;            /* owned */
  GPtrArray *chunks;                 /* owned, serialized form once sending started */
  guint next_chunk;
  gboolean sent;                     /* in the in-flight queue */

  PetrelImapCmdUntaggedFunc untagged;
  PetrelImapCmdContinuationFunc continuation;
  PetrelImapCmdDoneFunc done;

  gpointer data;                     /* owned through data_free */
  GDestroyNotify data_free;

  PetrelImapFetchFunc fetch_func;
  gpointer fetch_data;
  GDestroyNotify fetch_destroy;
};

/* Creates a command for @task (transfer full; may be NULL for fire-and-forget internal use).
 * Its arguments are then added to cmd->command, and it is queued with _petrel_imap_client_submit().
 * The default done func returns TRUE on OK and the server's error otherwise. */
PetrelImapCmd *_petrel_imap_client_cmd_new        (PetrelImapClient   *self,
                                                   const char         *name,
                                                   PetrelImapCmdFlags  flags,
                                                   GTask              *task);
/* Validates and queues @cmd (transfer full); on a failed argument or a bad state its task fails
 * at once. */
void           _petrel_imap_client_submit         (PetrelImapClient   *self,
                                                   PetrelImapCmd      *cmd);
void           _petrel_imap_cmd_set_fetch_func    (PetrelImapCmd      *cmd,
                                                   PetrelImapFetchFunc func,
                                                   gpointer            data,
                                                   GDestroyNotify      destroy);
/* Calls the fetch func (if the command was not abandoned); FALSE if @response is not a
 * well-formed FETCH (logged and dropped). */
gboolean       _petrel_imap_cmd_deliver_fetch     (PetrelImapClient   *self,
                                                   PetrelImapCmd      *cmd,
                                                   PetrelImapResponse *response);
/* Completes cmd->task (no-op if it is NULL). */
void           _petrel_imap_cmd_return_error      (PetrelImapCmd      *cmd,
                                                   GError             *error);
void           _petrel_imap_cmd_return_boolean    (PetrelImapCmd      *cmd,
                                                   gboolean            value);
void           _petrel_imap_cmd_return_pointer    (PetrelImapCmd      *cmd,
                                                   gpointer            value,
                                                   GDestroyNotify      destroy);
/* The error for a tagged NO/BAD (never NULL for those), naming the command. */
GError        *_petrel_imap_cmd_response_error    (PetrelImapCmd      *cmd,
                                                   PetrelImapResponse *response);
void           _petrel_imap_cmd_done_default      (PetrelImapClient   *self,
                                                   PetrelImapCmd      *cmd,
                                                   PetrelImapResponse *response);

/* Fails @task at once unless the session is authenticated (and has a mailbox selected when
 * @need_selected); returns FALSE then (and takes @task). */
gboolean       _petrel_imap_client_check_state    (PetrelImapClient   *self,
                                                   gboolean            need_selected,
                                                   GTask              *task);
gboolean       _petrel_imap_client_utf8_enabled   (PetrelImapClient   *self);
/* Takes @state (transfer full; NULL: nothing selected) and updates the client state. */
void           _petrel_imap_client_set_selected   (PetrelImapClient   *self,
                                                   PetrelImapMailboxState *state);
PetrelImapMailboxState *_petrel_imap_client_peek_selected (PetrelImapClient *self);
/* Whether the next SELECT will be preceded by `* OK [CLOSED]` for the old mailbox. */
gboolean       _petrel_imap_client_expects_closed (PetrelImapClient   *self);

PetrelImapMailboxState *_petrel_imap_mailbox_state_new (const char *name);

G_END_DECLS
