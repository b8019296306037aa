/* petrel-mime-reply.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "petrel-mime-address.h"
#include "petrel-mime-error.h"
#include "petrel-mime-private.h"
#include "petrel-mime-quote.h"
#include "petrel-mime-reply.h"

/* Replies and forwards (issue 6): who gets the answer, what the subject and threading
 * headers become, and what of the original is quoted or attached. The original is untrusted
 * bytes: every value taken from it goes through the same decoding and validation as a
 * message shown in the reader, and through the builder's own checks when applied. */

G_DEFINE_BOXED_TYPE (PetrelMimeReply, petrel_mime_reply, petrel_mime_reply_copy,
                     petrel_mime_reply_free)

static void
reply_attachment_free (PetrelMimeReplyAttachment *attachment)
{
  g_free (attachment->filename);
  g_free (attachment->content_type);
  g_bytes_unref (attachment->data);
  g_free (attachment);
}

static PetrelMimeReplyAttachment *
reply_attachment_new (const char *filename,
                      const char *content_type,
                      GBytes     *data)
{
  PetrelMimeReplyAttachment *attachment = g_new0 (PetrelMimeReplyAttachment, 1);

  attachment->filename = g_strdup (filename);
  attachment->content_type = g_strdup (content_type);
  attachment->data = g_bytes_ref (data);

  return attachment;
}

static GPtrArray *
new_address_array (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) petrel_mime_address_free);
}

/* Own addresses compare without case; a NULL list owns nothing. */
static gboolean
is_own_address (const char * const *own,
                const char         *address)
{
  for (guint i = 0; own != NULL && own[i] != NULL; i++)
    if (g_ascii_strcasecmp (own[i], address) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
is_usable_address (const PetrelMimeAddress *address)
{
  return address->address != NULL && strchr (address->address, '@') != NULL &&
         petrel_mime_address_validate (address->address, NULL, NULL);
}

/* Appends the usable addresses of @from that are not in @seen (and not the user's own when
 * @own is given) to @to, remembering them in @seen. */
static void
append_addresses (GPtrArray          *to,
                  GPtrArray          *from,
                  GHashTable         *seen,
                  const char * const *own)
{
  for (guint i = 0; from != NULL && i < from->len; i++)
    {
      PetrelMimeAddress *address = g_ptr_array_index (from, i);
      char *key;

      if (!is_usable_address (address) || (own != NULL && is_own_address (own, address->address)))
        continue;
      key = g_ascii_strdown (address->address, -1);
      if (!g_hash_table_add (seen, key))
        continue;
      g_ptr_array_add (to, petrel_mime_address_copy (address));
    }
}

static GPtrArray *
parse_header_addresses (GMimeObject *object,
                        const char  *name)
{
  const char *raw = _petrel_mime_header_raw (object, name);

  if (raw == NULL)
    return NULL;
  return petrel_mime_address_list_parse (raw);
}

static gboolean
has_usable (GPtrArray *addresses)
{
  for (guint i = 0; addresses != NULL && i < addresses->len; i++)
    if (is_usable_address (g_ptr_array_index (addresses, i)))
      return TRUE;
  return FALSE;
}

/* Sets @reply's To and Cc. Reply to sender: Mail-Reply-To, else Reply-To, else From.
 * Reply all: Mail-Followup-To when given (the author asked for exactly that); else the
 * author's reply address in To and every other To and Cc recipient in Cc, without the user.
 * When the user wrote the original, a reply goes to its recipients instead of to oneself. */
static void
choose_recipients (PetrelMimeReply         *reply,
                   GMimeObject             *object,
                   const PetrelMimeSummary *summary,
                   const char * const      *own)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) mail_reply_to = parse_header_addresses (object, "Mail-Reply-To");
  g_autoptr(GPtrArray) followup = parse_header_addresses (object, "Mail-Followup-To");
  GPtrArray *author;
  gboolean from_me = summary->from_address[0] != '\0' &&
                     is_own_address (own, summary->from_address);

  if (has_usable (mail_reply_to))
    author = mail_reply_to;
  else if (has_usable (summary->reply_to))
    author = summary->reply_to;
  else
    author = summary->from;

  if (reply->mode == PETREL_MIME_REPLY_ALL && has_usable (followup))
    {
      append_addresses (reply->to, followup, seen, own);
      if (reply->to->len == 0)
        append_addresses (reply->to, followup, seen, NULL);
      return;
    }

  if (from_me)
    {
      /* A follow-up to one's own message: to the people it went to. */
      append_addresses (reply->to, summary->to, seen, own);
      if (reply->mode == PETREL_MIME_REPLY_ALL)
        append_addresses (reply->cc, summary->cc, seen, own);
      if (reply->to->len == 0 && reply->cc->len > 0)
        {
          GPtrArray *swap = reply->to;

          reply->to = reply->cc;
          reply->cc = swap;
        }
      if (reply->to->len == 0)
        append_addresses (reply->to, author, seen, NULL);
      return;
    }

  append_addresses (reply->to, author, seen, own);
  if (reply->to->len == 0)
    append_addresses (reply->to, author, seen, NULL);

  if (reply->mode == PETREL_MIME_REPLY_ALL)
    {
      /* The author's From stays out when Reply-To points elsewhere (a list, a team): the
       * author asked for replies to go there. */
      append_addresses (reply->cc, summary->to, seen, own);
      append_addresses (reply->cc, summary->cc, seen, own);
    }
}

/* A Message-ID the builder takes: a damaged one only costs the threading headers. */
static gboolean
is_valid_message_id (const char *message_id)
{
  g_autoptr(PetrelMimeBuilder) check = petrel_mime_builder_new ();

  return petrel_mime_builder_set_in_reply_to (check, message_id, NULL);
}

static char *
format_date (gint64     unix_time,
             GTimeZone *tz)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (unix_time);
  g_autoptr(GTimeZone) local = NULL;
  g_autoptr(GDateTime) date = NULL;

  if (utc == NULL)
    return NULL;
  if (tz == NULL)
    tz = local = g_time_zone_new_local ();
  date = g_date_time_to_timezone (utc, tz);
  if (date == NULL)
    return NULL;

  /* Translators: the date in a reply's attribution line ("On Tue, 10 Nov 2026 at 14:02, Ann
   * wrote:"); a g_date_time_format() format. */
  return g_date_time_format (date, C_("reply attribution date", "%a, %-d %b %Y at %H:%M"));
}

/**
 * petrel_mime_reply_attribution:
 * @name: (nullable): the author's display name
 * @address: (nullable): the author's address, used when there is no name
 * @date: the original's date (seconds since the epoch), 0 when unknown
 * @tz: (nullable): the time zone to show the date in; %NULL for local time
 *
 * Returns: (transfer full): the translated line above a quote: "On DATE, NAME wrote:", or
 *   "NAME wrote:" without a date
 */
char *
petrel_mime_reply_attribution (const char *name,
                               const char *address,
                               gint64      date,
                               GTimeZone  *tz)
{
  g_autofree char *clean_name = _petrel_mime_clean_line (name, 256);
  g_autofree char *clean_address = _petrel_mime_clean_line (address, 256);
  g_autofree char *when = NULL;
  const char *who;

  g_strstrip (clean_name);
  g_strstrip (clean_address);
  if (clean_name[0] != '\0')
    who = clean_name;
  else if (clean_address[0] != '\0')
    who = clean_address;
  else
    who = C_("reply attribution", "someone");

  if (date > 0)
    when = format_date (date, tz);
  if (when != NULL)
    /* Translators: the line above a quoted message; the first %s is a date, the second a
     * name or address. */
    return g_strdup_printf (_("On %s, %s wrote:"), when, who);

  /* Translators: the line above a quoted message of unknown date; %s is a name or address. */
  return g_strdup_printf (_("%s wrote:"), who);
}

static char *
forward_file_name (const char *subject)
{
  g_autofree char *clean = _petrel_mime_clean_line (subject, 120);
  GString *out = g_string_new (NULL);

  for (const char *p = g_strstrip (clean); *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '/' || c == '\\' || c == ':' || c == '*' || c == '?' || c == '"' || c == '<' ||
          c == '>' || c == '|')
        g_string_append_c (out, '_');
      else
        g_string_append_unichar (out, c);
    }
  if (out->len == 0)
    g_string_append (out, C_("file name of a forwarded message without subject", "message"));
  g_string_append (out, ".eml");

  return g_string_free (out, FALSE);
}

/**
 * petrel_mime_reply_new:
 * @original: the raw message answered or forwarded
 * @mode: reply, reply all, forward inline or forward as attachment
 * @own_addresses: (nullable) (array zero-terminated=1): the user's address and aliases, left
 *   out of a reply-all
 * @tz: (nullable): the time zone for the attribution date; %NULL for local time
 * @error: return location for a %PETREL_MIME_ERROR_PARSE error
 *
 * Works out everything a reply or forward takes from @original. Damaged headers give fewer
 * recipients or no threading ids, never an error; only bytes that are no message at all do.
 *
 * Returns: (transfer full): the prepared reply, or %NULL with @error set
 */
PetrelMimeReply *
petrel_mime_reply_new (GBytes              *original,
                       PetrelMimeReplyMode  mode,
                       const char * const  *own_addresses,
                       GTimeZone           *tz,
                       GError             **error)
{
  g_autoptr(PetrelMimeReply) reply = NULL;
  g_autoptr(GMimeMessage) parsed = NULL;
  g_autoptr(PetrelMimeSummary) summary = NULL;
  g_autoptr(PetrelMimeBody) body = NULL;
  gsize length = 0;
  const char *data;

  g_return_val_if_fail (original != NULL, NULL);
  g_return_val_if_fail (mode <= PETREL_MIME_REPLY_FORWARD_ATTACHMENT, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = g_bytes_get_data (original, &length);
  if (length > 0)
    parsed = _petrel_mime_parse (data, length);
  if (parsed == NULL)
    {
      g_set_error_literal (error, PETREL_MIME_ERROR, PETREL_MIME_ERROR_PARSE,
                           _("The original message could not be read"));
      return NULL;
    }

  summary = _petrel_mime_summary_new_from_object (GMIME_OBJECT (parsed), 0);
  reply = g_new0 (PetrelMimeReply, 1);
  reply->mode = mode;
  reply->to = new_address_array ();
  reply->cc = new_address_array ();
  reply->attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) reply_attachment_free);

  switch (mode)
    {
    case PETREL_MIME_REPLY_SENDER:
    case PETREL_MIME_REPLY_ALL:
      {
        g_autofree char *attribution = NULL;
        g_autofree char *quoted = NULL;

        choose_recipients (reply, GMIME_OBJECT (parsed), summary, own_addresses);
        reply->subject = petrel_mime_reply_subject (summary->subject);
        if (summary->message_id != NULL && is_valid_message_id (summary->message_id))
          {
            g_auto(GStrv) references = petrel_mime_reply_references (summary);
            g_autoptr(GStrvBuilder) valid = g_strv_builder_new ();

            for (guint i = 0; references[i] != NULL; i++)
              if (is_valid_message_id (references[i]))
                g_strv_builder_add (valid, references[i]);
            reply->references = g_strv_builder_end (valid);
            reply->in_reply_to = g_strdup (summary->message_id);
          }
        body = _petrel_mime_body_new_from_message (parsed, data, length);
        attribution = petrel_mime_reply_attribution (summary->from_name, summary->from_address,
                                                     summary->date, tz);
        quoted = petrel_mime_quote_text (body->text);
        reply->quoted = g_strconcat (attribution, "\n", quoted, NULL);
      }
      break;

    case PETREL_MIME_REPLY_FORWARD:
      reply->subject = petrel_mime_forward_subject (summary->subject);
      reply->quoted = petrel_mime_forward_text (original);
      body = _petrel_mime_body_new_from_message (parsed, data, length);
      for (guint i = 0; i < body->attachments->len; i++)
        {
          PetrelMimeAttachment *attachment = g_ptr_array_index (body->attachments, i);
          g_autoptr(GBytes) content = NULL;

          content = petrel_mime_get_part_content (original, attachment->part_path, NULL);
          if (content == NULL)
            continue;
          g_ptr_array_add (reply->attachments,
                           reply_attachment_new (attachment->filename != NULL
                                                   ? attachment->filename
                                                   : C_("file name of an unnamed attachment",
                                                        "attachment"),
                                                 attachment->content_type, content));
        }
      break;

    case PETREL_MIME_REPLY_FORWARD_ATTACHMENT:
      {
        g_autofree char *name = forward_file_name (summary->subject);

        reply->subject = petrel_mime_forward_subject (summary->subject);
        reply->quoted = g_strdup ("");
        g_ptr_array_add (reply->attachments,
                         reply_attachment_new (name, "message/rfc822", original));
      }
      break;

    default:
      g_assert_not_reached ();
    }

  return g_steal_pointer (&reply);
}

static GPtrArray *
copy_addresses (GPtrArray *addresses)
{
  GPtrArray *copy = new_address_array ();

  for (guint i = 0; i < addresses->len; i++)
    g_ptr_array_add (copy, petrel_mime_address_copy (g_ptr_array_index (addresses, i)));
  return copy;
}

/**
 * petrel_mime_reply_copy:
 * @self: a reply
 *
 * Returns: (transfer full): a deep copy
 */
PetrelMimeReply *
petrel_mime_reply_copy (const PetrelMimeReply *self)
{
  PetrelMimeReply *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (PetrelMimeReply, 1);
  copy->mode = self->mode;
  copy->to = copy_addresses (self->to);
  copy->cc = copy_addresses (self->cc);
  copy->subject = g_strdup (self->subject);
  copy->in_reply_to = g_strdup (self->in_reply_to);
  copy->references = g_strdupv (self->references);
  copy->quoted = g_strdup (self->quoted);
  copy->attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) reply_attachment_free);
  for (guint i = 0; i < self->attachments->len; i++)
    {
      PetrelMimeReplyAttachment *attachment = g_ptr_array_index (self->attachments, i);

      g_ptr_array_add (copy->attachments,
                       reply_attachment_new (attachment->filename, attachment->content_type,
                                             attachment->data));
    }

  return copy;
}

void
petrel_mime_reply_free (PetrelMimeReply *self)
{
  if (self == NULL)
    return;

  g_clear_pointer (&self->to, g_ptr_array_unref);
  g_clear_pointer (&self->cc, g_ptr_array_unref);
  g_free (self->subject);
  g_free (self->in_reply_to);
  g_strfreev (self->references);
  g_free (self->quoted);
  g_clear_pointer (&self->attachments, g_ptr_array_unref);
  g_free (self);
}

/**
 * petrel_mime_reply_compose_text:
 * @self: a reply
 * @user_text: (nullable): what the user wrote
 *
 * Returns: (transfer full): @user_text, a blank line and the quoted part (the quote alone
 *   when @user_text is empty), the text a composer starts with or a script sends
 */
char *
petrel_mime_reply_compose_text (const PetrelMimeReply *self,
                                const char            *user_text)
{
  g_autofree char *mine = g_strdup (user_text != NULL ? user_text : "");

  g_return_val_if_fail (self != NULL, NULL);

  g_strchomp (mine);
  if (self->quoted[0] == '\0')
    return mine[0] != '\0' ? g_strconcat (mine, "\n", NULL) : g_strdup ("");
  if (mine[0] == '\0')
    return g_strconcat ("\n", self->quoted, NULL);

  return g_strconcat (mine, "\n\n", self->quoted, NULL);
}

static gboolean
add_address_array (PetrelMimeBuilder        *builder,
                   PetrelMimeRecipientType   type,
                   GPtrArray                *addresses,
                   GError                  **error)
{
  for (guint i = 0; i < addresses->len; i++)
    {
      PetrelMimeAddress *address = g_ptr_array_index (addresses, i);

      if (!petrel_mime_builder_add_recipient (builder, type, address->name, address->address,
                                              error))
        return FALSE;
    }
  return TRUE;
}

/**
 * petrel_mime_reply_apply:
 * @self: a reply
 * @builder: the builder of the answer (its From is the caller's business)
 * @user_text: (nullable): what the user wrote above the quote
 * @error: return location for a %PETREL_MIME_ERROR error
 *
 * Adds @self's recipients, subject, In-Reply-To, References, body text (see
 * petrel_mime_reply_compose_text()) and attachments to @builder.
 *
 * Returns: %TRUE on success
 */
gboolean
petrel_mime_reply_apply (const PetrelMimeReply  *self,
                         PetrelMimeBuilder      *builder,
                         const char             *user_text,
                         GError                **error)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (PETREL_IS_MIME_BUILDER (builder), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!add_address_array (builder, PETREL_MIME_RECIPIENT_TO, self->to, error) ||
      !add_address_array (builder, PETREL_MIME_RECIPIENT_CC, self->cc, error))
    return FALSE;

  if (self->in_reply_to != NULL &&
      (!petrel_mime_builder_set_in_reply_to (builder, self->in_reply_to, error) ||
       !petrel_mime_builder_set_references (builder, (const char * const *) self->references,
                                            error)))
    return FALSE;

  petrel_mime_builder_set_subject (builder, self->subject);
  text = petrel_mime_reply_compose_text (self, user_text);
  petrel_mime_builder_set_text (builder, text);

  for (guint i = 0; i < self->attachments->len; i++)
    {
      PetrelMimeReplyAttachment *attachment = g_ptr_array_index (self->attachments, i);

      petrel_mime_builder_add_attachment_bytes (builder, attachment->filename,
                                                attachment->content_type, attachment->data);
    }

  return TRUE;
}
