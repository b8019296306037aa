#!/usr/bin/python3
# test-chunks.py: a whole first sync delivered one byte per write (both ways), in plain IMAP
# without COMPRESS (so the response parser sees every split), with COMPRESS (so the inflater
# does), and over TLS; each must give exactly the cache an unmodified sync gives: the same
# folders, the same `list` rows, byte-identical message files, the same search hits.
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import hashlib
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reliability as R  # noqa: E402

NO_COMPRESS = {'strip': 'COMPRESS=DEFLATE', 'strip_direction': 's2c'}

# Messages with awkward shapes for a parser split at every byte: literals inside headers,
# NUL-free 8-bit, a line of exactly one CRLF, an empty body, long lines.
ODD = [
    b'From: a@example.test\r\nSubject: empty body\r\n\r\n',
    b'From: b@example.test\r\nSubject: {5}\r\nX-Literal-Like: {12}\r\n\r\n{3}\r\nabc\r\n',
    b'From: c@example.test\r\nSubject: =?utf-8?b?w6TDtsO8IOKCrA==?=\r\n\r\n' +
    ('Zeile mit Ümläüten — ' * 400).encode() + b'\r\n',
    b'From: d@example.test\r\nSubject: parens ( ) " \\ \r\n\r\n)))(((\r\n* 1 FETCH (UID 9)\r\n',
]


def snapshot(d):
    """Everything a user can see of the cache, plus the stored message files' hashes."""
    out = {}
    r = R.cli(d, '--json', 'folders', 'alice')
    out['folders'] = sorted(r.stdout.decode().splitlines())
    for f in ('INBOX', 'Projects'):
        r = R.cli(d, '--json', 'list', 'alice', f, '--limit', '100000')
        out['list ' + f] = r.stdout.decode().splitlines()
    r = R.cli(d, '--json', 'search', 'report', '--limit', '100000')
    out['search'] = r.stdout.decode().splitlines()
    # Files by name and content; their directory is an internal folder id, which may differ
    # between two caches of the same account.
    files = []
    root = os.path.join(d, 'accounts', 'alice', 'messages')
    for base, _, names in os.walk(root):
        for n in names:
            with open(os.path.join(base, n), 'rb') as fh:
                files.append('%s %s' % (n, hashlib.sha256(fh.read()).hexdigest()))
    out['files'] = sorted(files)
    return out


def main():
    t = R.Tap('chunks')
    if not R.require_proxy(t):
        return 77
    servers = R.start_servers(t)
    if servers is None:
        return 77
    alice = servers.user(0)
    tmp = tempfile.mkdtemp(prefix='petrel-chunks-')
    proxies = []
    try:
        servers.seed('alice', 'INBOX', count=60, seed=R.SEED)
        m = R.imap_login(servers, alice)
        for raw in ODD:
            m.append('INBOX', None, None, raw)
        m.create('Projects')
        servers.seed('alice', 'Projects', count=10, seed=R.SEED + 5)
        m.logout()

        def sync(label, target, security, rule):
            d = os.path.join(tmp, label)
            p = R.Proxy(target, rule=rule)
            proxies.append(p)
            R.add_account(d, 'alice', alice, p.port, servers.smtp_port, servers.ca_file,
                          imap_security=security)
            r = R.cli(d, 'sync', 'alice', timeout=300)
            return d, p, r

        ref, _, r = sync('reference', servers.imap_direct_port, 'none', NO_COMPRESS)
        t.check(r.status == 0, 'unmodified plain sync', r.describe())
        want = snapshot(ref)
        t.check(len(want['list INBOX']) == 64 and len(want['files']) >= 74,
                'the reference holds every message (%d rows, %d files)' %
                (len(want['list INBOX']), len(want['files'])))

        cases = [
            ('plain, no COMPRESS, 1-byte writes both ways', servers.imap_direct_port, 'none',
             dict(NO_COMPRESS, chunk=1, direction='both')),
            ('plain with COMPRESS, 1-byte writes from the server', servers.imap_direct_port,
             'none', {'chunk': 1}),
            ('TLS, 1-byte writes both ways', servers.imaps_port, 'tls',
             {'chunk': 1, 'direction': 'both'}),
        ]
        for i, (label, target, security, rule) in enumerate(cases):
            d, p, r = sync('case-%d' % i, target, security, rule)
            t.check(r.status == 0 and not r.hung, '%s: sync succeeds (%.1f s)' %
                    (label, r.elapsed), r.describe())
            st = p.stats()['sessions']
            t.check(st and st[0]['s2c_bytes'] > 500000,
                    '%s: %d bytes went through one at a time' % (
                        label, st[0]['s2c_bytes'] if st else 0))
            got = snapshot(d)
            for key in want:
                t.check(got[key] == want[key], '%s: %s identical to the unmodified sync' %
                        (label, key),
                        'only here: %s\nonly there: %s' % (
                            sorted(set(got[key]) - set(want[key]))[:3],
                            sorted(set(want[key]) - set(got[key]))[:3]))
            res = R.integrity(d, 'alice')
            t.check(res.startswith('ok'), '%s: integrity_check ok' % label, res)
    finally:
        for p in proxies:
            p.stop()
        servers.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    t.figures.setdefault('scenarios', len(cases))
    return t.finish()


if __name__ == '__main__':
    sys.exit(main())
