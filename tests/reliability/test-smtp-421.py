#!/usr/bin/python3
# test-smtp-421.py: the submission server gives up in the middle of a session (421 at RCPT,
# 421 at DATA, 451 after the message) or refuses one of two recipients (550). Petrel must keep
# a message the server did not take in the outbox with the server's reason, deliver it exactly
# once when the server is back (on `outbox retry` rather than waiting for the backoff), save
# it to Sent once, and never resend to a recipient who already has it. Then CR/LF (and stray
# angle brackets) in the subject, a recipient and Cc: refused or neutralised, the injected
# recipient gets nothing and no delivered message carries an injected header.
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reliability as R  # noqa: E402


def main():
    t = R.Tap('smtp-421')
    servers = R.start_servers(t)
    if servers is None:
        return 77
    alice, bob, carol = servers.user(0), servers.user(1), servers.user(2)
    tmp = tempfile.mkdtemp(prefix='petrel-smtp-421-')
    d = os.path.join(tmp, 'data')
    fig = {'cases': 0, 'lost': 0, 'duplicates': 0}
    try:
        R.add_account(d, 'alice', alice, servers.imaps_port, servers.smtp_port, servers.ca_file)
        r = R.cli(d, 'sync', 'alice')
        t.check(r.status == 0, 'first sync', r.describe())

        def item(subject):
            items = [i for i in (R.outbox(d, 'alice') or []) if i['subject'] == subject]
            return items[0] if len(items) == 1 else None

        def count(user, subject, folder='INBOX'):
            return R.server_subjects(servers, user, folder).count(subject)

        def send(subject, *to):
            args = []
            for u in to:
                args += ['--to', u['email']]
            return R.cli(d, '--json', 'send', '--account', 'alice', *args, '--subject', subject,
                         stdin=b'Hello.\n')

        temporary = [
            ('421 at RCPT', 'smtp-reject-rcpt',
             {'address': bob['email'], 'reply': '421 4.3.2 Service shutting down'},
             {'address': bob['email'], 'reply': None}),
            ('421 at DATA', 'smtp-data-reply', {'reply': '421 4.3.2 Service shutting down'},
             {'reply': None}),
            ('451 after the message', 'smtp-data-reply',
             {'reply': '451 4.3.0 Local delivery failed'}, {'reply': None}),
        ]
        for label, cmd, on, off in temporary:
            fig['cases'] += 1
            subject = 'smtp %s' % label
            servers.command(cmd, **on)
            r = send(subject, bob)
            servers.command(cmd, **off)
            first = item(subject)
            t.check(not r.hung and not r.crashed, '%s: no hang, no crash' % label, r.describe())
            t.check(first is not None and first['state'] == 'queued' and count(bob, subject) == 0,
                    '%s: not delivered, kept queued' % label, (r.describe(), first))
            t.check(first is not None and label.split()[0] in (first.get('error') or ''),
                    '%s: the outbox keeps the server\'s reason' % label, first)
            # The outbox waits (backoff) before trying again; the person can say "now".
            rr = R.cli(d, 'outbox', 'retry', 'alice', first['id'] if first else 0)
            t.check(rr.status == 0, '%s: outbox retry' % label, rr.describe())
            r = R.cli(d, 'sync', 'alice')
            last = item(subject)
            got = (count(bob, subject), count(alice, subject, 'Sent'))
            fig['lost'] += got[0] == 0
            fig['duplicates'] += max(0, got[0] - 1) + max(0, got[1] - 1)
            t.check(r.status == 0 and last is not None and last['state'] == 'done' and
                    got == (1, 1), '%s: the next sync delivers it once, in Sent once %s'
                    % (label, got), (r.describe(), last))

        # One recipient of two refused for good.
        fig['cases'] += 1
        label = 'partial refusal (550 for one of two)'
        subject = 'smtp partial'
        servers.command('smtp-reject-rcpt', address=carol['email'],
                        reply='550 5.1.1 <%s>: no such user' % carol['email'])
        r = send(subject, bob, carol)
        servers.command('smtp-reject-rcpt', address=carol['email'], reply=None)
        first = item(subject)
        t.check(not r.hung and not r.crashed, '%s: no hang, no crash' % label, r.describe())
        t.note('%s: send %s, outbox %s' % (label, r.describe(), first))
        t.check(first is not None and first['state'] == 'done' and count(bob, subject) == 1,
                '%s: delivered to the accepted recipient, done' % label, first)
        t.check(first is not None and any(carol['email'] in x for x in first['refused']) and
                carol['email'] in r.stderr,
                '%s: the refused recipient is named in the outbox and on stderr' % label,
                (first, r.stderr))
        for _ in range(2):
            R.cli(d, 'sync', 'alice')
        got = (count(bob, subject), count(carol, subject))
        fig['duplicates'] += max(0, got[0] - 1) + got[1]
        t.check(got[0] <= 1 and got[1] == 0,
                '%s: the accepted recipient never gets it twice, the refused one never %s'
                % (label, got), item(subject))

        # CR/LF in recipients and headers: nothing reaches a third party, no header is added.
        def inbox_size(user):
            return len(R.server_subjects(servers, user))

        injections = [
            ('CR/LF in the subject', ['--to', bob['email'], '--subject',
                                      'inject-subject\r\nBcc: %s' % carol['email']]),
            ('bare LF in the subject', ['--to', bob['email'], '--subject',
                                        'inject-lf\nBcc: %s' % carol['email']]),
            ('CR/LF in a recipient', ['--to', '%s\r\nRCPT TO:<%s>' % (bob['email'],
                                                                       carol['email']),
                                      '--subject', 'inject-rcpt']),
            ('angle bracket and CR/LF in a recipient',
             ['--to', '%s>\r\nRCPT TO:<%s' % (bob['email'], carol['email']),
              '--subject', 'inject-rcpt2']),
            ('CR/LF in Cc', ['--to', bob['email'], '--cc', 'x@example.test\r\nBcc: %s'
                             % carol['email'], '--subject', 'inject-cc']),
        ]
        for label, args in injections:
            fig['cases'] += 1
            before = inbox_size(carol)
            r = R.cli(d, '--json', 'send', '--account', 'alice', *args, stdin=b'Hi.\n')
            R.cli(d, 'sync', 'alice')
            t.check(not r.hung and not r.crashed, '%s: no hang, no crash' % label, r.describe())
            t.check(r.status != 0 or r.json(), '%s: refused, or sent' % label, r.describe())
            t.check(inbox_size(carol) == before, '%s: nothing reaches the injected recipient'
                    % label, r.describe())
            t.note('%s: exit %s %s' % (label, r.status,
                                       ' '.join(r.stderr.split())[:200] or
                                       ' '.join(r.stdout.decode(errors='replace').split())[:200]))
        m = R.imap_login(servers, bob)
        try:
            m.select('INBOX', readonly=True)
            typ, data = m.search(None, 'HEADER', 'Bcc', carol['email'])
            injected = data[0].split() if typ == 'OK' else [b'?']
        finally:
            m.logout()
        t.check(not injected, 'no message delivered with an injected Bcc header', injected)

        t.note('figures: %(cases)d 421/451/550 and CR/LF cases, messages lost %(lost)d, duplicated '
               '%(duplicates)d' % fig)
        t.figures.update(scenarios=fig['cases'], lost=fig['lost'], duplicates=fig['duplicates'])
    finally:
        servers.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return t.finish()


if __name__ == '__main__':
    sys.exit(main())
