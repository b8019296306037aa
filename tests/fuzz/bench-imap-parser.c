/* bench-imap-parser.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * How fast the parser streams a big header sync: N FETCH responses of
 * `UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE` (default 100,000), pushed through a
 * local socket pair by a writer thread and read in 64 KiB chunks:
 *
 *   read only            the bytes are read and dropped (the floor)
 *   read + parse         each chunk is fed to the parser (responses built, then dropped)
 *   read + parse+decode  as above, and every response is decoded with petrel_imap_response_get_fetch()
 *   parse+decode (mem)   no socket: the CPU cost alone
 *
 * Usage: bench-imap-parser [N] [ROUNDS]. Not a test: timings depend on the machine.
 */

#include "config.h"

#include <sys/socket.h>
#include <unistd.h>

#include "imap/petrel-imap.h"

typedef struct
{
  const char *data;
  gsize length;
  int fd;
} Writer;

static gpointer
writer_thread (gpointer user_data)
{
  Writer *w = user_data;
  gsize pos = 0;

  while (pos < w->length)
    {
      gssize n = write (w->fd, w->data + pos, MIN (w->length - pos, 256 * 1024));

      if (n <= 0)
        break;
      pos += (gsize) n;
    }
  close (w->fd);
  return NULL;
}

static guint decoded;

static gboolean
on_response_cb (PetrelImapParser   *parser,
                PetrelImapResponse *response,
                gpointer            user_data,
                GError            **error)
{
  gboolean decode = GPOINTER_TO_INT (user_data);

  if (decode && petrel_imap_response_get_response_type (response) == PETREL_IMAP_RESPONSE_TYPE_FETCH)
    {
      const PetrelImapFetch *fetch = petrel_imap_response_get_fetch (response, error);

      if (fetch == NULL || fetch->body == NULL || fetch->envelope == NULL)
        return FALSE;
      decoded++;
    }
  return TRUE;
}

/* mode: 0 read only, 1 read + parse, 2 read + parse + decode */
static double
run_socket (const GString *wire,
            int            mode)
{
  int fds[2];
  Writer w;
  GThread *thread;
  g_autoptr(PetrelImapParser) parser = petrel_imap_parser_new ();
  g_autofree guint8 *buf = g_malloc (65536);
  gint64 start, end;
  gsize total = 0;

  if (socketpair (AF_UNIX, SOCK_STREAM, 0, fds) != 0)
    g_error ("socketpair failed");
  petrel_imap_parser_set_response_func (parser, on_response_cb, GINT_TO_POINTER (mode == 2), NULL);
  w.data = wire->str;
  w.length = wire->len;
  w.fd = fds[1];

  start = g_get_monotonic_time ();
  thread = g_thread_new ("writer", writer_thread, &w);
  for (;;)
    {
      gssize n = read (fds[0], buf, 65536);
      g_autoptr(GError) error = NULL;

      if (n <= 0)
        break;
      total += (gsize) n;
      if (mode > 0 && !petrel_imap_parser_feed (parser, buf, (gsize) n, &error))
        g_error ("parse failed: %s", error->message);
    }
  end = g_get_monotonic_time ();
  g_thread_join (thread);
  close (fds[0]);
  g_assert (total == wire->len);
  return (end - start) / 1e6;
}

static double
run_memory (const GString *wire)
{
  g_autoptr(PetrelImapParser) parser = petrel_imap_parser_new ();
  gint64 start, end;

  petrel_imap_parser_set_response_func (parser, on_response_cb, GINT_TO_POINTER (TRUE), NULL);
  start = g_get_monotonic_time ();
  for (gsize pos = 0; pos < wire->len; pos += 65536)
    {
      g_autoptr(GError) error = NULL;

      if (!petrel_imap_parser_feed (parser, (const guint8 *) wire->str + pos,
                                    MIN (65536, wire->len - pos), &error))
        g_error ("parse failed: %s", error->message);
    }
  end = g_get_monotonic_time ();
  return (end - start) / 1e6;
}

int
main (int   argc,
      char *argv[])
{
  guint n = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 100000;
  guint rounds = argc > 2 ? (guint) g_ascii_strtoull (argv[2], NULL, 10) : 3;
  g_autoptr(GString) wire = g_string_new (NULL);
  const char *names[] = { "read only", "read + parse", "read + parse+decode", "parse+decode (mem)" };
  double best[4] = { 1e9, 1e9, 1e9, 1e9 };

  for (guint i = 1; i <= n; i++)
    g_string_append_printf (wire,
      "* %u FETCH (UID %u FLAGS (\\Seen $Forwarded) INTERNALDATE \"%2u-Jul-2023 02:44:25 -0700\" "
      "RFC822.SIZE %u ENVELOPE (\"Wed, 17 Jul 2023 02:23:25 -0700 (PDT)\" "
      "\"=?UTF-8?Q?Re=3A_Quarterly_report_number_%u?=\" "
      "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
      "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
      "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
      "((NIL NIL \"imap\" \"cac.washington.edu\")) "
      "((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) "
      "NIL \"<parent%u@example.org>\" \"<B27397-%u@cac.washington.edu>\") "
      "BODYSTRUCTURE (((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" "
      "1234 30 NIL NIL NIL NIL)(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL "
      "\"quoted-printable\" 5678 80 NIL NIL NIL NIL) \"alternative\" (\"boundary\" "
      "\"000000000000abcd%u\") NIL NIL NIL)(\"application\" \"pdf\" (\"name\" \"report.pdf\") NIL "
      "NIL \"base64\" 102400 NIL (\"attachment\" (\"filename\" \"report.pdf\")) NIL NIL) \"mixed\" "
      "(\"boundary\" \"000000000000efgh%u\") NIL NIL NIL))\r\n",
      i, i + 1000, i % 28 + 1, 1000 + i * 3, i, i, i, i, i);
  g_string_append (wire, "A1 OK Fetch completed.\r\n");

  g_print ("%u responses, %.1f MiB\n", n, wire->len / 1048576.0);
  for (guint r = 0; r < rounds; r++)
    {
      double t;

      for (int mode = 0; mode < 3; mode++)
        {
          t = run_socket (wire, mode);
          best[mode] = MIN (best[mode], t);
        }
      decoded = 0;
      t = run_memory (wire);
      best[3] = MIN (best[3], t);
      if (decoded != n)
        g_error ("decoded %u of %u responses", decoded, n);
    }
  for (int i = 0; i < 4; i++)
    g_print ("%-22s %7.3f s  %7.1f MiB/s  %5.2fx read only\n", names[i], best[i],
             wire->len / 1048576.0 / best[i], best[i] / best[0]);
  return 0;
}
