#!/usr/bin/python3
# test-cut-smtp.py: `send` through a submission connection (STARTTLS) cut at every TLS record
# boundary of the session, both ways, and at a few plain-text offsets before STARTTLS. Read
# back over IMAP after each: a message cut before the server took it stays queued and the next
# sync delivers it exactly once (and saves it to Sent once); a message whose final "." reached
# the server but whose answer was lost is marked "uncertain" and never sent again on its own;
# nothing ever arrives twice, and nothing is marked failed for good because of a lost
# connection.
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
    t = R.Tap('cut-smtp')
    if not R.require_proxy(t):
        return 77
    servers = R.start_servers(t)
    if servers is None:
        return 77
    alice, bob = servers.user(0), servers.user(1)
    tmp = tempfile.mkdtemp(prefix='petrel-cut-smtp-')
    d = os.path.join(tmp, 'data')
    proxy = None
    try:
        proxy = R.Proxy(servers.smtp_port)
        R.add_account(d, 'alice', alice, servers.imaps_port, proxy.port, servers.ca_file)
        r = R.cli(d, 'sync', 'alice')
        t.check(r.status == 0, 'first sync', r.describe())

        def item(subject):
            items = [i for i in (R.outbox(d, 'alice') or []) if i['subject'] == subject]
            return items[0] if len(items) == 1 else None

        def counts(subject):
            return (R.server_subjects(servers, bob).count(subject),
                    R.server_subjects(servers, alice, 'Sent').count(subject))

        # -- an uncut send measures the session
        proxy.reset_stats()
        r = R.cli(d, '--json', 'send', '--account', 'alice', '--to', bob['email'],
                  '--subject', 'uncut', stdin=b'Hello Bob.\n' * 200)
        t.check(r.status == 0 and r.json() and r.json()[0]['state'] == 'done',
                'an uncut send is done', r.describe())
        t.check(counts('uncut') == (1, 1), 'delivered once, saved to Sent once')
        sessions = proxy.stats()['sessions']
        t.check(len(sessions) == 1, 'one submission connection', sessions)
        c2s_records, s2c_records = sessions[0]['c2s_records'], sessions[0]['s2c_records']
        t.check(c2s_records > 3 and s2c_records > 3, 'the session is TLS after STARTTLS (%d '
                'client, %d server records)' % (c2s_records, s2c_records))

        cases = [('plain s2c cut at byte 0 (no greeting)', {'cut_after': 0}),
                 ('plain s2c cut in the EHLO reply', {'cut_after': 60}),
                 ('plain c2s cut in EHLO', {'direction': 'c2s', 'cut_after': 5}),
                 ('plain s2c cut before the STARTTLS reply',
                  {'cut_pattern': 'Ready to start TLS', 'cut_before': True, 'cut_mode': 'rst'})]
        for k in range(0, c2s_records + 1):
            cases.append(('c2s cut after %d TLS records' % k,
                          {'direction': 'c2s', 'cut_records': k,
                           'cut_mode': 'rst' if k % 2 else 'fin'}))
        for k in range(0, s2c_records + 1):
            # The server's next record is lost: its answer to what the client sent last.
            cases.append(('s2c record %d lost' % (k + 1),
                          {'cut_records': k, 'cut_on_next': True,
                           'cut_mode': 'rst' if k % 2 else 'fin'}))
            if k % 2 == 0:
                # The connection drops as soon as record k is through.
                cases.append(('s2c cut after %d TLS records' % k, {'cut_records': k}))

        figures = {'cases': 0, 'fired': 0, 'retried': 0, 'uncertain': 0, 'lost_answer': 0,
                   'done_first': 0, 'duplicates': 0, 'lost': 0}
        for n, (label, rule) in enumerate(cases):
            subject = 'cut case %d' % n
            figures['cases'] += 1
            proxy.rule(connections=1, **rule)
            proxy.reset_stats()
            r = R.cli(d, '--json', 'send', '--account', 'alice', '--to', bob['email'],
                      '--subject', subject, stdin=b'Case %d: %s\n' % (n, label.encode()) * 50)
            proxy.clear()
            fired = any(' fires at ' in e for e in proxy.events())
            figures['fired'] += fired
            first = item(subject)
            state1 = first['state'] if first else None
            # Queued for later is a success of `send`; uncertain is an error the user must see.
            t.check(not r.hung and not r.crashed and
                    (r.status == 0 or (state1 == 'uncertain' and r.clean_failure())),
                    '%s: send returns 0, or 1 with one line when uncertain' % label,
                    r.describe())
            got1 = counts(subject)
            t.check(state1 in ('queued', 'done', 'uncertain'),
                    '%s: the outbox says queued, done or uncertain (%s)' % (label, state1), first)
            if got1[0] == 1 and state1 not in ('done', 'sent'):
                # The server took it but the client never heard back.
                figures['lost_answer'] += 1
                t.check(state1 == 'uncertain',
                        '%s: delivered but unanswered → uncertain' % label, first)

            if state1 == 'queued':
                # A temporary failure waits for its backoff; the person can say "now".
                R.cli(d, 'outbox', 'retry', 'alice', first['id'])
            for _ in range(2):
                r = R.cli(d, 'sync', 'alice', timeout=120)
            t.check(r.status == 0, '%s: syncs after the cut succeed' % label, r.describe())
            last = item(subject)
            state = last['state'] if last else None
            got = counts(subject)
            if state == 'done':
                ok = t.check(got == (1, 1), '%s: done → delivered once, in Sent once %s' %
                             (label, got))
                if state1 == 'queued':
                    figures['retried'] += 1
                elif state1 == 'done':
                    figures['done_first'] += 1
            elif state == 'uncertain':
                figures['uncertain'] += 1
                ok = t.check(got[0] <= 1 and got == got1,
                             '%s: uncertain → not resent by later syncs %s' % (label, got))
            else:
                ok = t.check(False, '%s: ends done or uncertain, not %s' % (label, state), last)
            figures['duplicates'] += got[0] > 1
            figures['lost'] += state == 'done' and got[0] == 0
            if not ok:
                t.note('first attempt: %s, bob had %d; now %s' % (state1, got1[0], last))

        t.check(figures['retried'] > 0, 'some cuts came before the server took the message, '
                'and the next sync delivered it once (%d)' % figures['retried'])
        t.check(figures['lost_answer'] > 0 and figures['uncertain'] > 0,
                'some cuts came after the final "." and were marked uncertain (%d, %d)' %
                (figures['lost_answer'], figures['uncertain']))
        t.check(figures['duplicates'] == 0 and figures['lost'] == 0,
                'no message arrived twice, none was lost')
        t.note('figures: %(cases)d SMTP cut cases, %(fired)d cuts fired, %(retried)d retried '
               'and delivered once, %(uncertain)d uncertain, %(lost_answer)d delivered with the '
               'answer lost, %(done_first)d done at the first attempt, %(duplicates)d '
               'duplicates, %(lost)d lost' % figures)
        t.figures.update(scenarios=figures['cases'], cut_offsets=figures['cases'],
                         lost=figures['lost'], duplicates=figures['duplicates'])
    finally:
        if proxy is not None:
            proxy.stop()
        servers.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return t.finish()


if __name__ == '__main__':
    sys.exit(main())
