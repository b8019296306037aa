#!/usr/bin/python3
# test-cut-append.py: the APPEND that saves a sent message to Sent, cut at the moments that
# matter (before the command, between the literal's announcement and its bytes, after the
# literal, in the server's APPENDUID answer) and at seeded byte offsets of the APPEND exchange
# in both directions, with FIN or RST. The message itself went out by SMTP (not cut). After
# the syncs that follow, the message was delivered once, is in Sent exactly once (not lost
# because the cut came first, not doubled because the answer was lost after the server stored
# it), the outbox says done, and one more sync sends no APPEND.
#
# The account speaks plain IMAP to Dovecot on loopback through the fault proxy with COMPRESS
# stripped, so that offsets and patterns fall on the commands.
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import random
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reliability as R  # noqa: E402

NO_COMPRESS = {'strip': 'COMPRESS=DEFLATE', 'strip_direction': 's2c'}
N_RANDOM = int(os.environ.get('PETREL_CUT_APPEND_OFFSETS', '12'))

PATTERN_CUTS = [
    ('c2s before the APPEND command', {'direction': 'c2s', 'cut_pattern': 'APPEND',
                                       'cut_before': True}),
    # Dovecot offers LITERAL+: the literal follows its announcement without a go-ahead.
    ('c2s right after the literal announcement', {'direction': 'c2s', 'cut_pattern': '}\r\n',
                                                  'cut_mode': 'rst'}),
    ('c2s at the end of the literal', {'direction': 'c2s', 'cut_pattern': 'Append case',
                                       'cut_mode': 'fin'}),
    ('c2s in the literal (after its headers)', {'direction': 'c2s',
                                                'cut_pattern': 'Subject: '}),
    ('s2c before the tagged OK [APPENDUID]: stored, answer lost',
     {'cut_pattern': 'OK [APPENDUID', 'cut_before': True}),
    ('s2c after the tagged OK [APPENDUID]', {'cut_pattern': 'Append completed',
                                            'cut_mode': 'rst'}),
]


def main():
    t = R.Tap('cut-append')
    if not R.require_proxy(t):
        return 77
    servers = R.start_servers(t)
    if servers is None:
        return 77
    rng = random.Random(R.SEED + 3)
    alice, bob = servers.user(0), servers.user(1)
    tmp = tempfile.mkdtemp(prefix='petrel-cut-append-')
    d = os.path.join(tmp, 'data')
    proxy = None
    fig = {'cases': 0, 'fired': 0, 'offsets': 0, 'lost': 0, 'duplicates': 0, 'appends_after': 0}
    try:
        proxy = R.Proxy(servers.imap_direct_port, rule=NO_COMPRESS)
        R.add_account(d, 'alice', alice, proxy.port, servers.smtp_port, servers.ca_file,
                      imap_security='none')
        r = R.cli(d, 'sync', 'alice')
        t.check(r.status == 0, 'first sync', r.describe())

        def counts(subject):
            return (R.server_subjects(servers, bob).count(subject),
                    R.server_subjects(servers, alice, 'Sent').count(subject))

        def state_of(subject):
            items = [i for i in (R.outbox(d, 'alice') or []) if i['subject'] == subject]
            return items[0]['state'] if len(items) == 1 else items

        def send_case(n, label, rule):
            subject = 'append case %d' % n
            path = os.path.join(tmp, 'case-%d.txt' % n)
            proxy.transcript(path)
            proxy.reset_stats()
            if rule is not None:
                proxy.rule(**dict(NO_COMPRESS, connections=1, **rule))
            r = R.cli(d, '--json', 'send', '--account', 'alice', '--to', bob['email'],
                      '--subject', subject, stdin=b'Append case %d: %s\n' % (n, label.encode()))
            proxy.rule(**NO_COMPRESS)
            proxy.transcript(None)
            fired = any(' fires at ' in e and e.startswith('cut') for e in proxy.events())
            if rule is not None and not fired:
                t.note('%s: the cut did not fire' % label)
            t.check(not r.hung and not r.crashed, '%s: no hang, no crash' % label, r.describe())
            return subject, path, r, fired

        # An uncut send measures the APPEND exchange.
        subject, path, r, _ = send_case(0, 'uncut', None)
        t.check(r.status == 0 and state_of(subject) == 'done' and counts(subject) == (1, 1),
                'uncut: delivered once, in Sent once, done', (r.describe(), counts(subject)))
        conns = R.read_transcript(path)
        append_conn = [c for c in conns.values() if b'APPEND' in c['c2s']]
        t.check(len(append_conn) == 1, 'uncut: one connection sends APPEND', list(conns))
        c2s, s2c = append_conn[0]['c2s'], append_conn[0]['s2c']
        c2s_from = c2s.index(b'APPEND')
        c2s_from = c2s.rfind(b'\r\n', 0, c2s_from) + 2
        s2c_from = s2c.find(b'APPENDUID')
        s2c_to = s2c.find(b'\r\n', s2c.find(b'APPENDUID')) + 2

        cases = list(PATTERN_CUTS)
        for i in range(N_RANDOM):
            mode = 'rst' if i % 2 else 'fin'
            if i % 2 == 0:
                off = rng.randrange(c2s_from, len(c2s))
                cases.append(('c2s cut at byte %d (%s)' % (off, mode),
                              {'direction': 'c2s', 'cut_after': off, 'cut_mode': mode}))
            else:
                off = rng.randrange(max(0, s2c_from - 20), s2c_to + 1)
                cases.append(('s2c cut at byte %d (%s)' % (off, mode),
                              {'cut_after': off, 'cut_mode': mode}))
            fig['offsets'] += 1

        for n, (label, rule) in enumerate(cases, start=1):
            fig['cases'] += 1
            subject, path, r, fired = send_case(n, label, rule)
            fig['fired'] += fired
            res = R.integrity(d, 'alice')
            t.check(res.startswith('ok'), '%s: integrity_check ok' % label, res)
            for _ in range(2):
                r2 = R.cli(d, 'sync', 'alice')
            t.check(r2.status == 0, '%s: the syncs after the cut complete' % label,
                    r2.describe())
            got = counts(subject)
            fig['lost'] += got[0] == 0 or got[1] == 0
            fig['duplicates'] += max(0, got[0] - 1) + max(0, got[1] - 1)
            t.check(got == (1, 1) and state_of(subject) == 'done',
                    '%s: delivered once, in Sent exactly once, done %s' % (label, got),
                    state_of(subject))
            # One more sync: nothing left to append.
            quiet = os.path.join(tmp, 'quiet-%d.txt' % n)
            proxy.transcript(quiet)
            r3 = R.cli(d, 'sync', 'alice')
            proxy.transcript(None)
            sent = [c for conn in R.read_transcript(quiet).values()
                    for c in R.imap_commands(conn['c2s'])]
            fig['appends_after'] += sent.count('APPEND')
            t.check(r3.status == 0 and 'APPEND' not in sent,
                    '%s: the next sync appends nothing' % label, sent)

        t.check(fig['fired'] >= len(PATTERN_CUTS), 'the pattern cuts fired (%d of %d cases)'
                % (fig['fired'], fig['cases']))
        t.note('figures: %(cases)d APPEND cut cases (%(offsets)d seeded offsets), %(fired)d '
               'cuts fired, messages lost %(lost)d, duplicated %(duplicates)d, '
               '%(appends_after)d APPENDs in the following syncs' % fig)
        t.figures.update(scenarios=fig['cases'], cut_offsets=fig['offsets'] + len(PATTERN_CUTS),
                         lost=fig['lost'], duplicates=fig['duplicates'])
    finally:
        if proxy is not None:
            proxy.stop()
        servers.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return t.finish()


if __name__ == '__main__':
    sys.exit(main())
