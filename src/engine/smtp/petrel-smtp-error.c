/* petrel-smtp-error.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <stdlib.h>
#include <string.h>

#include "smtp/petrel-smtp-error.h"

G_DEFINE_QUARK (petrel-smtp-error-quark, petrel_smtp_error)

typedef struct
{
  const char *detail;  /* "1.1": subject.detail of an RFC 3463 code */
  int         klass;   /* 4, 5, or 0 for either */
  const char *text;
} StatusText;

/* RFC 3463 and the IANA "Enumerated Status Codes" registry; only the codes a person can act on
 * get their own wording, the rest fall back to the subject (X.1.*, X.2.*, ...) or the class. */
static const StatusText status_texts[] = {
  { "1.1", 0, N_("The recipient's address does not exist") },
  { "1.2", 0, N_("The recipient's domain does not exist or does not accept mail") },
  { "1.3", 0, N_("The recipient's address is not valid") },
  { "1.4", 0, N_("The recipient's address is ambiguous") },
  { "1.6", 0, N_("The recipient has moved and left no forwarding address") },
  { "1.7", 0, N_("The sender's address is not valid") },
  { "1.8", 0, N_("The sender's domain is not valid") },
  { "1.10", 0, N_("The recipient's domain does not accept mail") },
  { "2.1", 0, N_("The recipient's mailbox is disabled") },
  { "2.2", 4, N_("The recipient's mailbox is full") },
  { "2.2", 5, N_("The recipient's mailbox is full") },
  { "2.3", 0, N_("The message is larger than the recipient accepts") },
  { "2.4", 0, N_("The mailing list could not be expanded") },
  { "3.1", 0, N_("The mail server's storage is full") },
  { "3.4", 0, N_("The message is too big for the server") },
  { "4.1", 0, N_("The recipient's mail server does not answer") },
  { "4.2", 0, N_("The connection to the recipient's mail server was lost") },
  { "4.3", 0, N_("The server could not look up where to deliver the message") },
  { "4.4", 0, N_("The server cannot find a route to the recipient") },
  { "4.5", 0, N_("The mail system is congested") },
  { "4.7", 0, N_("The message could not be delivered in time") },
  { "5.3", 0, N_("The message has too many recipients") },
  { "6.1", 0, N_("The server does not accept this kind of content") },
  { "6.3", 0, N_("The message would have to be converted, but the server cannot convert it") },
  { "6.7", 0, N_("The server does not accept non-ASCII addresses") },
  { "6.8", 0, N_("The server does not accept non-ASCII addresses") },
  { "7.0", 4, N_("The server refused the request for a security reason; try again later") },
  { "7.0", 5, N_("The server refused the request for a security or policy reason") },
  { "7.1", 0, N_("The server does not let you send this message "
                  "(relaying denied or sender not allowed)") },
  { "7.2", 0, N_("You are not allowed to send to this mailing list") },
  { "7.8", 0, N_("The server rejected the user name or password") },
  { "7.9", 0, N_("The server considers this sign-in method too weak") },
  { "7.10", 0, N_("The server requires an encrypted connection for this sign-in method") },
  { "7.11", 0, N_("The server requires an encrypted connection") },
  { "7.12", 0, N_("The server requires a password change") },
  { "7.13", 0, N_("The account is disabled") },
  { "7.14", 0, N_("The server does not trust this connection") },
  { "7.15", 0, N_("The sign-in method is not available on this server") },
  { "7.23", 0, N_("The message failed the sender's SPF check") },
  { "7.25", 0, N_("The server could not verify the sending host's name") },
  { "7.26", 0, N_("The message failed the sender authentication checks (SPF, DKIM, DMARC)") },
  { "7.27", 0, N_("The sender's domain does not send mail") },
};

static const char *
describe_basic_code (guint reply_code)
{
  switch (reply_code)
    {
    case 421:
      return _("The server is not available and closed the connection; try again later");
    case 450:
      return _("The recipient's mailbox is not available right now; try again later");
    case 451:
      return _("The server had a local error; try again later");
    case 452:
      return _("The server does not have enough storage right now; try again later");
    case 454:
      return _("The server could not sign you in right now; try again later");
    case 455:
      return _("The server cannot accept these parameters right now; try again later");
    case 500:
    case 501:
    case 502:
    case 503:
    case 504:
    case 555:
      return _("The server did not understand the request");
    case 530:
      return _("The server requires you to sign in before sending");
    case 534:
      return _("The server considers this sign-in method too weak");
    case 535:
      return _("The server rejected the user name or password");
    case 538:
      return _("The server requires an encrypted connection for this sign-in method");
    case 550:
      return _("The recipient's mailbox is not available");
    case 551:
      return _("The recipient is not local to the server");
    case 552:
      return _("The server does not have enough storage for the message");
    case 553:
      return _("The address is not allowed by the server");
    case 554:
      return _("The server refused the message");
    default:
      break;
    }

  return NULL;
}

/* Splits "5.1.1" into class 5 and "1.1"; FALSE if it is not an RFC 3463 code. */
static gboolean
split_enhanced_code (const char  *enhanced_code,
                     int         *klass,
                     const char **detail)
{
  const char *p = enhanced_code;
  guint dots = 0;

  if (enhanced_code == NULL || (p[0] != '2' && p[0] != '4' && p[0] != '5') || p[1] != '.')
    return FALSE;

  for (p = enhanced_code + 2; *p != '\0'; p++)
    {
      if (*p == '.')
        {
          if (p[-1] == '.' || ++dots > 1)
            return FALSE;
        }
      else if (!g_ascii_isdigit (*p))
        return FALSE;
    }

  if (dots != 1 || p[-1] == '.')
    return FALSE;

  *klass = enhanced_code[0] - '0';
  *detail = enhanced_code + 2;
  return TRUE;
}

/**
 * petrel_smtp_describe_status:
 * @reply_code: the three-digit SMTP reply code, or 0 if unknown
 * @enhanced_code: (nullable): the RFC 3463 enhanced status code ("5.1.1"), if any
 *
 * Turns a server's status into a sentence a person can act on. The enhanced code wins when it
 * is known; otherwise the reply code; otherwise the class (temporary or permanent).
 *
 * Returns: a translated string, never %NULL
 */
const char *
petrel_smtp_describe_status (guint       reply_code,
                             const char *enhanced_code)
{
  const char *detail = NULL;
  const char *text;
  int klass = 0;

  if (split_enhanced_code (enhanced_code, &klass, &detail))
    {
      g_autofree char *subject = NULL;

      for (guint i = 0; i < G_N_ELEMENTS (status_texts); i++)
        {
          if (strcmp (status_texts[i].detail, detail) == 0 &&
              (status_texts[i].klass == 0 || status_texts[i].klass == klass))
            return _(status_texts[i].text);
        }

      /* A temporary failure is better told by its reply code ("try again later") than by
       * a vague subject. */
      if (klass == 4 && (text = describe_basic_code (reply_code)) != NULL)
        return text;

      /* Known subject, unknown detail: X.1.99 is still an address problem. */
      subject = g_strndup (detail, strcspn (detail, "."));
      if (klass != 2)
        {
          if (strcmp (subject, "1") == 0)
            return _("There is a problem with an address");
          if (strcmp (subject, "2") == 0)
            return _("There is a problem with the recipient's mailbox");
          if (strcmp (subject, "3") == 0)
            return _("The mail server has a problem");
          if (strcmp (subject, "4") == 0)
            return _("There is a network or routing problem");
          if (strcmp (subject, "5") == 0)
            return _("The mail protocol failed");
          if (strcmp (subject, "6") == 0)
            return _("There is a problem with the message content");
          if (strcmp (subject, "7") == 0)
            return _("The server refused the message for a security or policy reason");
        }
    }

  if ((text = describe_basic_code (reply_code)) != NULL)
    return text;

  if (klass == 0)
    klass = reply_code / 100;

  switch (klass)
    {
    case 2:
    case 3:
      return _("The server accepted the request");
    case 4:
      return _("The server could not handle the request right now; try again later");
    case 5:
      return _("The server refused the request");
    default:
      return _("The server sent a reply that could not be understood");
    }
}
