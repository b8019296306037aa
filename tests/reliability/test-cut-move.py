#!/usr/bin/python3
# test-cut-move.py: moves queued offline, then replayed by a sync whose connection is cut at
# the moments that matter (before the MOVE is sent, right after, before and after each part of
# the server's answer) and at seeded byte offsets, then a clean sync. Afterwards every moved
# message is in exactly one folder on the server, in the folder it was moved to, the cache
# lists exactly what the server has, nothing is pending, and one more sync sends no
# state-changing command (its transcript) and changes nothing on the server (STATUS).
#
# The account speaks plain IMAP to Dovecot on loopback (security=none, which Petrel allows on
# 127.0.0.1) with COMPRESS stripped from the capabilities, so the proxy can see and match the
# commands.
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
FOLDERS = ('INBOX', 'Archive', 'Trash')
STATE_CHANGING = {'STORE', 'UID STORE', 'MOVE', 'UID MOVE', 'COPY', 'UID COPY', 'EXPUNGE',
                  'UID EXPUNGE', 'APPEND', 'CREATE', 'DELETE', 'RENAME', 'SUBSCRIBE',
                  'UNSUBSCRIBE'}

# (label, rule) — the rule adds to NO_COMPRESS; each applies to one connection.
PATTERN_CUTS = [
    ('c2s before the MOVE command', {'direction': 'c2s', 'cut_pattern': 'UID MOVE',
                                     'cut_before': True}),
    ('c2s right after the first MOVE line', {'direction': 'c2s', 'cut_pattern': 'Archive\r\n'}),
    ('s2c after SELECT, before any MOVE answer', {'cut_pattern': 'Select completed'}),
    ('s2c before COPYUID', {'cut_pattern': '* OK [COPYUID', 'cut_before': True}),
    ('s2c after COPYUID, before VANISHED', {'cut_pattern': 'Moved UIDs.\r\n',
                                            'cut_mode': 'rst'}),
    ('s2c in the tagged OK of the first MOVE', {'cut_pattern': 'Move completed',
                                               'cut_before': True}),
    ('s2c after the first MOVE, before the second', {'cut_pattern': 'Move completed'}),
    ('s2c in the VANISHED of the first MOVE', {'cut_pattern': '* VANISHED ',
                                               'cut_mode': 'rst'}),
]
N_RANDOM = int(os.environ.get('PETREL_CUT_MOVE_OFFSETS', '6'))


def main():
    t = R.Tap('cut-move')
    if not R.require_proxy(t):
        return 77
    servers = R.start_servers(t)
    if servers is None:
        return 77
    rng = random.Random(R.SEED + 1)
    alice = servers.user(0)
    tmp = tempfile.mkdtemp(prefix='petrel-cut-move-')
    d = os.path.join(tmp, 'data')
    proxy = None
    try:
        servers.seed('alice', 'INBOX', count=120, seed=R.SEED)
        m = R.imap_login(servers, alice)
        ids_before = {f: R.server_message_ids(m, f) for f in FOLDERS}
        all_ids = [i for f in FOLDERS for i in ids_before[f].values()]
        t.check(len(all_ids) == len(set(all_ids)) == 120, 'seeded messages have unique ids')

        proxy = R.Proxy(servers.imap_direct_port, rule=NO_COMPRESS)
        R.add_account(d, 'alice', alice, proxy.port, servers.smtp_port, servers.ca_file,
                      imap_security='none')
        r = R.cli(d, 'sync', 'alice', timeout=120)
        t.check(r.status == 0, 'first sync through the proxy', r.describe())

        def consistent(label):
            """Server and cache agree, every message exactly once."""
            ids = {f: R.server_message_ids(m, f) for f in FOLDERS}
            seen = [i for f in FOLDERS for i in ids[f].values()]
            figures['lost'] += len(set(all_ids) - set(seen))
            figures['duplicates'] += len(seen) - len(set(seen))
            ok = t.check(sorted(seen) == sorted(all_ids),
                         '%s: every message exactly once on the server (%d)' % (label, len(seen)),
                         'missing %s\ndoubled %s' % (
                             sorted(set(all_ids) - set(seen))[:5],
                             sorted(i for i in set(seen) if seen.count(i) > 1)[:5]))
            bad = {}
            for f in FOLDERS:
                local = R.local_uids(d, 'alice', f)
                if local is None or sorted(local) != sorted(ids[f]) or \
                        len(local) != len(set(local)):
                    bad[f] = (sorted(set(local or []) - set(ids[f]))[:6],
                              sorted(set(ids[f]) - set(local or []))[:6])
            ok = t.check(not bad, '%s: the cache lists what the server has, once' % label,
                         'folder: (only local, only server) %s' % bad) and ok
            p = R.pending(d, 'alice')
            ok = t.check(p == [], '%s: nothing pending' % label, p) and ok
            return ids, ok

        def quiet_sync(label):
            """One more sync: no state-changing command, no change on the server."""
            before = {f: R.server_status(m, f) for f in FOLDERS}
            path = os.path.join(tmp, 'quiet-%d.txt' % rounds[0])
            proxy.transcript(path)
            r = R.cli(d, 'sync', 'alice', timeout=120)
            proxy.transcript(None)
            sent = [c for conn in R.read_transcript(path).values()
                    for c in R.imap_commands(conn['c2s'])]
            changing = [c for c in sent if c in STATE_CHANGING]
            after = {f: R.server_status(m, f) for f in FOLDERS}
            t.check(r.status == 0 and sent and not changing,
                    '%s: the next sync sends no state-changing command' % label,
                    '%s\n%s' % (r.describe(), sent))
            t.check(before == after, '%s: and changes nothing on the server' % label,
                    (before, after))

        rounds = [0]
        figures = {'rounds': 0, 'fired': 0, 'consistent': 0, 'lost': 0, 'duplicates': 0}

        def one_round(label, rule):
            rounds[0] += 1
            figures['rounds'] += 1
            inbox = sorted(R.local_uids(d, 'alice', 'INBOX'))
            picked = rng.sample(inbox, 3)
            moved_ids = {R.server_message_ids(m, 'INBOX')[u]: dest for u, dest in
                         zip(picked, ('Archive', 'Archive', 'Trash'))}
            r1 = R.cli(d, '--offline', 'move', 'alice', 'INBOX', picked[0], picked[1],
                       '--to', 'Archive')
            r2 = R.cli(d, '--offline', 'move', 'alice', 'INBOX', picked[2], '--to', 'Trash')
            t.check(r1.status == 0 and r2.status == 0, '%s: two moves queued offline' % label,
                    r1.describe() + '\n' + r2.describe())

            path = os.path.join(tmp, 'round-%d.txt' % rounds[0])
            proxy.transcript(path)
            if rule is not None:
                proxy.rule(**dict(NO_COMPRESS, connections=1, **rule))
            proxy.reset_stats()
            r = R.cli(d, 'sync', 'alice', timeout=120)
            proxy.rule(**NO_COMPRESS)
            proxy.transcript(None)
            fired = any(' fires at ' in e and e.startswith('cut') for e in proxy.events())
            figures['fired'] += fired
            t.check(not r.hung and not r.crashed, '%s: no hang, no crash' % label, r.describe())
            if rule is not None and fired:
                t.check(r.clean_failure(), '%s: the cut sync fails with one line' % label,
                        r.describe())
            res = R.integrity(d, 'alice')
            t.check(res.startswith('ok'), '%s: integrity_check ok' % label, res)

            r = R.cli(d, 'sync', 'alice', timeout=120)
            t.check(r.status == 0, '%s: a clean sync completes' % label, r.describe())
            ids, ok = consistent(label)
            where = {i: f for f in FOLDERS for i in ids[f].values()}
            wrong = {i: (dest, where.get(i)) for i, dest in moved_ids.items()
                     if where.get(i) != dest}
            ok = t.check(not wrong, '%s: each moved message is where it was moved to' % label,
                         wrong) and ok
            figures['consistent'] += ok
            quiet_sync(label)
            return path

        # A round with no cut, which also measures the replay's transcript for the offsets.
        ref = R.read_transcript(one_round('no cut', None))
        c2s_len = max(len(c['c2s']) for c in ref.values())
        s2c_len = max(len(c['s2c']) for c in ref.values())
        sent = [x for c in ref.values() for x in R.imap_commands(c['c2s'])]
        t.check(sent.count('UID MOVE') == 2 or sent.count('MOVE') == 2,
                'the replay sends the two moves as MOVE', sent)

        for label, rule in PATTERN_CUTS:
            one_round(label, rule)
        for i in range(N_RANDOM):
            if i % 3 == 2:
                rule = {'direction': 'c2s', 'cut_after': rng.randrange(0, c2s_len)}
            else:
                rule = {'cut_after': rng.randrange(0, s2c_len)}
            rule['cut_mode'] = 'rst' if i % 2 else 'fin'
            one_round('%s cut at byte %d (%s)' % (rule.get('direction', 's2c'),
                                                 rule['cut_after'], rule['cut_mode']), rule)

        t.note('figures: %(rounds)d replay rounds (3 messages, 2 moves each), %(fired)d cuts '
               'fired, %(consistent)d rounds consistent afterwards' % figures)
        t.figures.update(scenarios=figures['rounds'], cut_offsets=len(PATTERN_CUTS) + N_RANDOM,
                         lost=figures['lost'], duplicates=figures['duplicates'])
        m.logout()
    finally:
        if proxy is not None:
            proxy.stop()
        servers.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return t.finish()


if __name__ == '__main__':
    sys.exit(main())
