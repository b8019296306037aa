#!/usr/bin/python3
# test-cli-crash.py: kill -9 petrel-cli in the middle of a sync and in the middle of replaying
# queued moves, at seeded random moments; each time the cache must pass SQLite's integrity
# check, and the next sync must complete it with nothing lost and nothing doubled, on the
# server as in the cache.
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clitest as C  # noqa: E402
from clitest import CLI  # noqa: E402

SEED = int(os.environ.get('PETREL_CRASH_SEED', '20261122'))


def main():
    t = C.Tap()
    check = t.check
    rng = random.Random(SEED)

    servers = C.start_servers()
    if servers is None:
        return 77

    d = tempfile.mkdtemp(prefix='petrel-crash-')
    alice = servers.user(0)
    db = os.path.join(d, 'accounts', 'alice', 'store.db')

    def cli(*args):
        return C.cli(d, *args, timeout=600)

    def integrity():
        con = sqlite3.connect(db)
        try:
            return con.execute('PRAGMA integrity_check').fetchone()[0]
        finally:
            con.close()

    def local_uids(folder):
        return [x['uid'] for x in C.json_lines(cli('--json', 'list', 'alice', folder))]

    def server_uids(m, folder):
        m.select('"%s"' % folder, readonly=True)
        typ, data = m.uid('SEARCH', None, 'ALL')
        return sorted(int(x) for x in data[0].split())

    try:
        servers.seed('alice', 'INBOX', count=3000, seed=SEED)
        C.add_account(d, servers, alice, 'alice', check=True)

        # -- kill -9 during the first sync, five times at random moments
        kills = 0
        for i in range(5):
            p = subprocess.Popen([CLI, '--data-dir', d, 'sync', 'alice'],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.05, 0.5))
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
                kills += 1
            p.wait()
            if os.path.exists(db):
                res = integrity()
                check(res == 'ok', 'integrity_check after kill -9 #%d during sync' % (i + 1), res)
        check(kills > 0, 'at least one sync was killed mid-way (%d)' % kills)

        r = cli('sync', 'alice')
        check(r.returncode == 0, 'the next sync completes', r.stderr.decode())
        m = C.imap_login(servers, alice)
        lu = local_uids('INBOX')
        su = server_uids(m, 'INBOX')
        check(sorted(lu) == su and len(lu) == len(set(lu)),
              'nothing lost, nothing listed twice (%d messages)' % len(su),
              (len(lu), len(set(lu)), len(su)))
        r = cli('--json', 'search', 'is:unread', '--account', 'alice', '--limit', '100000')
        check(r.returncode == 0, 'search works after the crashes')

        # -- kill -9 while replaying 40 queued moves
        moved = sorted(su)[:40]
        for uid in moved:
            cli('--offline', 'move', 'alice', 'INBOX', str(uid), '--to', 'Archive')
        before_inbox = len(su)
        for i in range(3):
            p = subprocess.Popen([CLI, '--data-dir', d, 'sync', 'alice'],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.05, 0.6))
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
            p.wait()
            check(integrity() == 'ok', 'integrity_check after kill -9 #%d during replay' % (i + 1))
        r = cli('sync', 'alice')
        check(r.returncode == 0, 'the sync after the killed replays completes', r.stderr.decode())
        inbox, archive = server_uids(m, 'INBOX'), server_uids(m, 'Archive')
        check(len(inbox) == before_inbox - 40 and len(archive) == 40,
              'on the server each moved message is in exactly one folder',
              (len(inbox), len(archive)))
        la, li = sorted(local_uids('Archive')), sorted(local_uids('INBOX'))
        check(la == archive and li == inbox, 'the cache matches the server in both folders',
              'archive local-only %s server-only %s; inbox local-only %s server-only %s' % (
                  sorted(set(la) - set(archive))[:8], sorted(set(archive) - set(la))[:8],
                  sorted(set(li) - set(inbox))[:8], sorted(set(inbox) - set(li))[:8]))
        r = cli('--json', 'pending', 'alice')
        check(r.returncode == 0 and r.stdout.strip() == b'', 'nothing is left pending',
              r.stdout.decode())
        m.logout()
    finally:
        servers.stop()
    return t.finish()


if __name__ == '__main__':
    sys.exit(main())
