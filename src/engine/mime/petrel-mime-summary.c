/* petrel-mime-summary.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "petrel-mime-decode.h"
#include "petrel-mime-private.h"
#include "petrel-mime-summary.h"

G_DEFINE_BOXED_TYPE (PetrelMimeSummary, petrel_mime_summary,
                     petrel_mime_summary_copy, petrel_mime_summary_free)

static gpointer
copy_address (gconstpointer address,
              gpointer      user_data)
{
  return petrel_mime_address_copy (address);
}

static GPtrArray *
copy_address_list (GPtrArray *list)
{
  return g_ptr_array_copy (list, copy_address, NULL);
}

PetrelMimeSummary *
_petrel_mime_summary_new_from_object (GMimeObject *object,
                                      gint64       fallback_date)
{
  PetrelMimeSummary *self = g_new0 (PetrelMimeSummary, 1);
  const char *raw_subject = NULL;
  const char *raw_from = NULL;
  const char *raw_to = NULL;
  const char *raw_cc = NULL;
  const char *raw_reply_to = NULL;
  const char *raw_date = NULL;
  const char *raw_message_id = NULL;
  const char *raw_in_reply_to = NULL;
  const char *raw_references = NULL;
  const char *raw_list_id = NULL;

  if (object != NULL)
    {
      raw_subject = _petrel_mime_header_raw (object, "Subject");
      raw_from = _petrel_mime_header_raw (object, "From");
      raw_to = _petrel_mime_header_raw (object, "To");
      raw_cc = _petrel_mime_header_raw (object, "Cc");
      raw_reply_to = _petrel_mime_header_raw (object, "Reply-To");
      raw_date = _petrel_mime_header_raw (object, "Date");
      raw_message_id = _petrel_mime_header_raw (object, "Message-ID");
      raw_in_reply_to = _petrel_mime_header_raw (object, "In-Reply-To");
      raw_references = _petrel_mime_header_raw (object, "References");
      raw_list_id = _petrel_mime_header_raw (object, "List-Id");
    }

  self->subject = petrel_mime_decode_header_text (raw_subject);
  if (self->subject == NULL)
    self->subject = g_strdup ("");

  self->from = petrel_mime_address_list_parse (raw_from);
  if (self->from->len == 0 && raw_from != NULL)
    {
      /* "From: Mailer Daemon" with no address at all is still worth showing as a name. */
      g_autofree char *text = petrel_mime_decode_header_text (raw_from);

      if (text[0] != '\0')
        g_ptr_array_add (self->from, petrel_mime_address_new (text, NULL));
    }
  if (self->from->len > 0)
    {
      PetrelMimeAddress *first = g_ptr_array_index (self->from, 0);

      self->from_name = g_strdup (first->name != NULL ? first->name : "");
      self->from_address = g_strdup (first->address);
    }
  else
    {
      self->from_name = g_strdup ("");
      self->from_address = g_strdup ("");
    }

  self->to = petrel_mime_address_list_parse (raw_to);
  self->cc = petrel_mime_address_list_parse (raw_cc);
  self->reply_to = petrel_mime_address_list_parse (raw_reply_to);
  self->to_display = petrel_mime_address_list_to_display (self->to);
  self->cc_display = petrel_mime_address_list_to_display (self->cc);

  self->date = petrel_mime_parse_date (raw_date, fallback_date);
  self->message_id = petrel_mime_normalize_message_id (raw_message_id);
  self->in_reply_to = petrel_mime_normalize_message_id (raw_in_reply_to);
  self->references = petrel_mime_parse_references (raw_references);
  self->list_id = petrel_mime_normalize_list_id (raw_list_id);

  return self;
}

/**
 * petrel_mime_summary_new_from_data:
 * @data: (array length=length): a whole message, or only its header block
 * @length: length of @data
 * @fallback_date: the date to use when the Date header is missing or bad (for example the
 *   IMAP INTERNALDATE, or 0)
 *
 * Decodes the headers a message list needs. Only the header block is parsed, so this is
 * cheap for big messages. It never fails: empty or garbage input gives empty fields.
 *
 * Returns: (transfer full): a new summary
 */
PetrelMimeSummary *
petrel_mime_summary_new_from_data (const char *data,
                                   gsize       length,
                                   gint64      fallback_date)
{
  g_autoptr(GMimeMessage) message = NULL;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  if (length > 0)
    message = _petrel_mime_parse (data, _petrel_mime_header_block_length (data, length));

  return _petrel_mime_summary_new_from_object (message != NULL ? GMIME_OBJECT (message) : NULL,
                                               fallback_date);
}

/**
 * petrel_mime_summary_new_from_bytes:
 * @bytes: a whole message, or only its header block
 * @fallback_date: see petrel_mime_summary_new_from_data()
 *
 * Returns: (transfer full): a new summary
 */
PetrelMimeSummary *
petrel_mime_summary_new_from_bytes (GBytes *bytes,
                                    gint64  fallback_date)
{
  gsize length = 0;
  const char *data;

  g_return_val_if_fail (bytes != NULL, NULL);

  data = g_bytes_get_data (bytes, &length);
  return petrel_mime_summary_new_from_data (data, length, fallback_date);
}

PetrelMimeSummary *
petrel_mime_summary_copy (const PetrelMimeSummary *self)
{
  PetrelMimeSummary *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (PetrelMimeSummary, 1);
  copy->subject = g_strdup (self->subject);
  copy->from_name = g_strdup (self->from_name);
  copy->from_address = g_strdup (self->from_address);
  copy->from = copy_address_list (self->from);
  copy->to = copy_address_list (self->to);
  copy->cc = copy_address_list (self->cc);
  copy->reply_to = copy_address_list (self->reply_to);
  copy->to_display = g_strdup (self->to_display);
  copy->cc_display = g_strdup (self->cc_display);
  copy->date = self->date;
  copy->message_id = g_strdup (self->message_id);
  copy->in_reply_to = g_strdup (self->in_reply_to);
  copy->references = g_strdupv (self->references);
  copy->list_id = g_strdup (self->list_id);

  return copy;
}

void
petrel_mime_summary_free (PetrelMimeSummary *self)
{
  if (self == NULL)
    return;

  g_free (self->subject);
  g_free (self->from_name);
  g_free (self->from_address);
  g_clear_pointer (&self->from, g_ptr_array_unref);
  g_clear_pointer (&self->to, g_ptr_array_unref);
  g_clear_pointer (&self->cc, g_ptr_array_unref);
  g_clear_pointer (&self->reply_to, g_ptr_array_unref);
  g_free (self->to_display);
  g_free (self->cc_display);
  g_free (self->message_id);
  g_free (self->in_reply_to);
  g_strfreev (self->references);
  g_free (self->list_id);
  g_free (self);
}
