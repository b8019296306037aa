#!/usr/bin/python3
# test-stall.py: servers that stop answering. Through the fault proxy, at the same time:
#   - implicit TLS, the server falls silent for ever in the middle of the body FETCH;
#   - implicit TLS, the server never answers the TLS handshake (a black hole from byte 0);
#   - plain IMAP, the client's commands vanish for ever after login (the server never hears
#     ENABLE);
#   - a 3-second stall mid-FETCH, and a whole sync throttled to 2 MB/s (slow but alive).
# The silent ones must end on their own with exit 1 and one clear line (the engine's IMAP
# timeout is 60 s and petrel-cli has no option to shorten it, so this test waits about a
# minute), leave a sound store with no half body, and a clean sync must then complete. The slow
# ones must succeed with exactly the uncut result.
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import random
import shutil
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reliability as R  # noqa: E402

MESSAGES = 300
# The engine's IMAP timeout is 60 s (DEFAULT_TIMEOUT_MS in petrel-imap-client.c); anything that
# is not over well after it is a hang.
HANG_LIMIT = 150


def list_rows(d):
    r = R.cli(d, '--json', 'list', 'alice', 'INBOX', '--limit', '1000000')
    if r.status != 0:
        return None
    return [(x['uid'], tuple(sorted(x['flags'])), x['size']) for x in r.json()]


def main():
    t = R.Tap('stall')
    if not R.require_proxy(t):
        return 77
    servers = R.start_servers(t)
    if servers is None:
        return 77
    rng = random.Random(R.SEED + 2)
    alice = servers.user(0)
    tmp = tempfile.mkdtemp(prefix='petrel-stall-')
    proxies = []
    try:
        servers.seed('alice', 'INBOX', count=MESSAGES, seed=R.SEED)
        m = R.imap_login(servers, alice)
        server_uids = R.server_uids(m, 'INBOX')

        scenarios = [
            # label, target, security, rule, expect failure
            ('TLS: silent for ever mid-FETCH', servers.imaps_port, 'tls',
             {'stall_after': 1500000}, True),
            ('TLS: no answer to the handshake', servers.imaps_port, 'tls',
             {'stall_after': 0}, True),
            ('plain: commands vanish after login', servers.imap_direct_port, 'none',
             {'direction': 'c2s', 'stall_pattern': 'ENABLE', 'strip': 'COMPRESS=DEFLATE',
              'strip_direction': 's2c'}, True),
            ('TLS: 3 s stall mid-FETCH', servers.imaps_port, 'tls',
             {'stall_after': 1500000, 'stall_ms': 3000}, False),
            ('TLS: throttled to 2 MB/s', servers.imaps_port, 'tls',
             {'throttle': 2000000}, False),
        ]
        runs = {}

        def run(i, label, target, security, rule, _):
            d = os.path.join(tmp, 'data-%d' % i)
            p = R.Proxy(target, rule=dict(rule, connections=1))
            proxies.append(p)
            R.add_account(d, 'alice', alice, p.port, servers.smtp_port, servers.ca_file,
                          imap_security=security)
            r = R.cli(d, 'sync', 'alice', timeout=HANG_LIMIT)
            runs[i] = (d, p, r)

        threads = [threading.Thread(target=run, args=(i,) + s) for i, s in enumerate(scenarios)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()

        # The reference: what an undisturbed sync gives.
        ref_dir = os.path.join(tmp, 'reference')
        R.add_account(ref_dir, 'alice', alice, servers.imaps_port, servers.smtp_port,
                      servers.ca_file)
        r = R.cli(ref_dir, 'sync', 'alice', timeout=120)
        reference = list_rows(ref_dir)
        t.check(r.status == 0 and sorted(x[0] for x in reference) == server_uids,
                'an undisturbed sync', r.describe())

        for i, (label, target, security, rule, expect_fail) in enumerate(scenarios):
            d, p, r = runs[i]
            events = p.events()
            if 'throttle' not in rule:
                t.check(any(e.startswith('stall') for e in events),
                        '%s: the proxy stalled the connection' % label, events)
            t.check(not r.hung and not r.crashed, '%s: no hang, no crash (%.0f s)' %
                    (label, r.elapsed), r.describe())
            if expect_fail:
                t.check(r.clean_failure(), '%s: exit 1 with one line' % label, r.describe())
                t.check(any(w in r.stderr.lower() for w in ('answer', 'time', 'respond')),
                        '%s: the line says the server did not answer' % label, r.stderr)
                t.note('%s: %s (after %.0f s)' % (label, r.stderr.strip(), r.elapsed))
            else:
                t.check(r.status == 0 and list_rows(d) == reference,
                        '%s: the sync succeeds with the undisturbed result' % label,
                        r.describe())
            res = R.integrity(d, 'alice')
            t.check(res.startswith('ok'), '%s: integrity_check ok' % label, res)
            uids = R.local_uids(d, 'alice', 'INBOX') or []
            bad = []
            for uid in rng.sample(uids, min(5, len(uids))):
                s = R.cli(d, '--offline', 'show', 'alice', 'INBOX', uid, '--raw')
                if s.status == 0:
                    m.select('INBOX', readonly=True)
                    typ, data = m.uid('FETCH', str(uid), '(BODY.PEEK[])')
                    body = [x[1] for x in data if isinstance(x, tuple)]
                    if not body or body[0] != s.stdout:
                        bad.append(uid)
            t.check(not bad, '%s: no half body stored (sampled)' % label, bad)
            if expect_fail:
                p.clear()
                r = R.cli(d, 'sync', 'alice', timeout=120)
                t.check(r.status == 0 and list_rows(d) == reference,
                        '%s: a later sync completes' % label, r.describe())
        m.logout()
    finally:
        for p in proxies:
            p.stop()
        servers.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    t.figures.setdefault('scenarios', len(scenarios))
    return t.finish()


if __name__ == '__main__':
    sys.exit(main())
