#!/usr/bin/python3
# test-cut-sync.py: a first sync of 1,200 messages (two header FETCHes in flight at once, then
# bodies), its connection cut at seeded byte offsets
# (server→client over implicit TLS with COMPRESS, server→client and client→server in plain
# text without COMPRESS; FIN and RST alternately), each in a fresh data dir. Each cut sync
# must fail with exit 1 and one clear line (never a crash, never a hang), leave a store that
# passes `PRAGMA integrity_check`, list nothing twice and no half-stored body; a clean sync
# afterwards must give exactly what an uncut sync gives.
#
# PETREL_RELIABILITY_SEED changes the offsets; PETREL_CUT_SYNC_OFFSETS=N sets how many (20).
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import random
import shutil
import sqlite3
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reliability as R  # noqa: E402

MESSAGES = 1200
N_OFFSETS = int(os.environ.get('PETREL_CUT_SYNC_OFFSETS', '20'))
NO_COMPRESS = {'strip': 'COMPRESS=DEFLATE', 'strip_direction': 's2c'}


def list_rows(d):
    r = R.cli(d, '--json', 'list', 'alice', 'INBOX', '--limit', '1000000')
    if r.status != 0:
        return None
    return [(x['uid'], tuple(sorted(x['flags'])), x['size'], x['message_id']) for x in r.json()]


def main():
    t = R.Tap('cut-sync')
    if not R.require_proxy(t):
        return 77
    servers = R.start_servers(t)
    if servers is None:
        return 77
    rng = random.Random(R.SEED)
    alice = servers.user(0)
    tmp = tempfile.mkdtemp(prefix='petrel-cut-sync-')
    proxies = []
    try:
        servers.seed('alice', 'INBOX', count=MESSAGES, seed=R.SEED)
        m = R.imap_login(servers, alice)
        server_uids = R.server_uids(m, 'INBOX')
        t.check(len(server_uids) == MESSAGES, 'the server holds %d messages' % MESSAGES)

        modes = {
            # name: (target port, --imap-security, base rule)
            'tls': (servers.imaps_port, 'tls', {}),
            'plain': (servers.imap_direct_port, 'none', NO_COMPRESS),
        }
        proxy = {}
        for name, (port, _, _) in modes.items():
            proxy[name] = R.Proxy(port)
            proxies.append(proxy[name])

        def base_rule(name):
            if modes[name][2]:
                proxy[name].rule(**modes[name][2])
            else:
                proxy[name].clear()

        def fresh(name, label):
            d = os.path.join(tmp, label)
            port, security, _ = modes[name]
            R.add_account(d, 'alice', alice, proxy[name].port, servers.smtp_port,
                          servers.ca_file, imap_security=security)
            return d

        # -- reference: uncut syncs through each proxy give the totals and the expected cache
        totals = {}
        reference = None
        for name in modes:
            d = fresh(name, 'reference-' + name)
            base_rule(name)
            proxy[name].reset_stats()
            r = R.cli(d, 'sync', 'alice', timeout=180)
            t.check(r.status == 0, 'uncut %s sync through the proxy' % name, r.describe())
            sessions = proxy[name].stats()['sessions']
            totals[name] = (sum(s['c2s_bytes'] for s in sessions),
                            sum(s['s2c_bytes'] for s in sessions))
            rows = list_rows(d)
            t.check(rows is not None and sorted(x[0] for x in rows) == server_uids,
                    'uncut %s sync lists the server\'s UIDs' % name)
            # The store takes the batches newest first, however the server interleaves the
            # FETCHes in flight (Dovecot runs them side by side): the first 500 rows stored
            # are the 500 newest messages.
            db = sqlite3.connect('file:%s?mode=ro' % os.path.join(d, 'accounts', 'alice', 'store.db'),
                                 uri=True)
            stored = [u for (u,) in db.execute(
                'SELECT m.uid FROM messages m JOIN folders f ON f.id = m.folder_id'
                ' WHERE f.path = \'INBOX\' ORDER BY m.id')]
            db.close()
            t.check(sorted(stored[:500]) == server_uids[-500:],
                    'uncut %s sync stores the newest 500 messages first' % name,
                    'first stored: %s' % stored[:5])
            if reference is None:
                reference = rows
            else:
                t.check(rows == reference, 'uncut tls and plain syncs give the same list')
            shutil.rmtree(d, ignore_errors=True)
        t.note('uncut sync bytes (c2s, s2c): %s' % totals)

        # -- the cuts
        n_tls = N_OFFSETS // 2
        n_c2s = max(1, N_OFFSETS // 5)
        n_plain = N_OFFSETS - n_tls - n_c2s
        plan = []
        for i in range(n_tls):
            plan.append(('tls', 's2c', rng.randrange(0, int(totals['tls'][1] * 0.97))))
        for i in range(n_plain):
            plan.append(('plain', 's2c', rng.randrange(0, int(totals['plain'][1] * 0.97))))
        for i in range(n_c2s):
            plan.append(('plain', 'c2s', rng.randrange(0, int(totals['plain'][0] * 0.97))))

        fired = exit1 = clean_line = sound = recovered = 0
        errors = set()
        for i, (name, direction, offset) in enumerate(plan):
            mode = 'rst' if i % 2 else 'fin'
            label = '%s %s cut at %d (%s)' % (name, direction, offset, mode)
            d = fresh(name, 'cut-%d' % i)
            rule = dict(modes[name][2], direction=direction, cut_after=offset, cut_mode=mode,
                        connections=1)
            if direction == 'c2s' and 'strip' in rule:
                rule['strip_direction'] = 's2c'
            proxy[name].rule(**rule)
            proxy[name].reset_stats()
            r = R.cli(d, 'sync', 'alice', timeout=150)
            st = proxy[name].stats()
            did_cut = any('cut_after' in e for s in st['sessions'] for e in s['events'])
            fired += did_cut
            retried = st['connections'] > 1
            ok = t.check(not r.hung and not r.crashed, '%s: no hang, no crash' % label,
                         r.describe())
            if did_cut and not retried:
                ok = t.check(r.clean_failure(), '%s: exit 1 with one line on stderr' % label,
                             r.describe()) and ok
                exit1 += r.status == 1
                line = r.err_lines()[0] if r.err_lines() else ''
                errors.add(line)
                clean_line += t.check(
                    line.startswith('petrel-cli: alice: ') and len(line) < 300 and
                    line.isprintable(), '%s: the line is readable' % label, line)
            elif did_cut:
                t.note('%s: the engine reconnected by itself (%d connections), exit %s' %
                       (label, st['connections'], r.status))
            else:
                t.note('%s: the sync ended before the offset (exit %s)' % (label, r.status))

            res = R.integrity(d, 'alice')
            sound += t.check(res.startswith('ok'), '%s: integrity_check ok' % label, res)

            uids = R.local_uids(d, 'alice', 'INBOX') or []
            t.check(len(uids) == len(set(uids)) and set(uids) <= set(server_uids),
                    '%s: nothing listed twice, nothing the server lacks (%d listed)' %
                    (label, len(uids)))
            # No half-stored body: what show --offline --raw gives is the server's bytes.
            bad = []
            for uid in rng.sample(uids, min(4, len(uids))):
                s = R.cli(d, '--offline', 'show', 'alice', 'INBOX', uid, '--raw')
                if s.status == 0:
                    m.select('INBOX', readonly=True)
                    typ, data = m.uid('FETCH', str(uid), '(BODY.PEEK[])')
                    body = [x[1] for x in data if isinstance(x, tuple)]
                    if not body or body[0] != s.stdout:
                        bad.append((uid, len(s.stdout), len(body[0]) if body else None))
                elif s.status != 1 or s.crashed:
                    bad.append((uid, s.describe()))
            t.check(not bad, '%s: cached bodies are whole (sampled)' % label, bad)

            base_rule(name)
            r = R.cli(d, 'sync', 'alice', timeout=180)
            rows = list_rows(d)
            recovered += t.check(r.status == 0 and rows == reference,
                                 '%s: a clean sync then gives exactly the uncut result' % label,
                                 '%s\n%d rows vs %d' % (r.describe(), len(rows or []),
                                                        len(reference)))
            shutil.rmtree(d, ignore_errors=True)

        t.check(fired >= len(plan) * 3 // 4, 'most planned cuts hit the sync (%d of %d)' %
                (fired, len(plan)))
        t.note('the errors seen:\n  ' + '\n  '.join(sorted(errors)))
        t.note('figures: %d offsets planned, %d cuts fired, %d exit-1 failures, %d one-line '
               'readable errors, %d stores sound, %d recovered to the uncut result' %
               (len(plan), fired, exit1, clean_line, sound, recovered))
        t.figures.update(scenarios=len(plan), cut_offsets=len(plan), recovered=recovered)
        m.logout()
    finally:
        for p in proxies:
            p.stop()
        servers.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return t.finish()


if __name__ == '__main__':
    sys.exit(main())
