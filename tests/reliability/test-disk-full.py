#!/usr/bin/python3
# test-disk-full.py: the data dir on a 3 MiB tmpfs. A first sync of ~4 MB of mail must fail
# with exit 1 and one line that says the disk is full, leaving a store that passes
# `PRAGMA integrity_check`. With a little space freed, a move, a flag and a draft are saved.
# The store is then closed the way a clean close leaves it with no WAL files (store.db-wal and
# -shm gone) and the disk filled to the last byte: the cache still opens (list, folders,
# pending, search, draft list, show of a cached message), while every write fails cleanly with
# exit 1 and one line saying the disk is full, having asked the server nothing: a move, a flag,
# a draft, downloading a message (`show` of one not cached) and a sync. Then a sync that
# replays the queued move with 128 KiB free leaves every message exactly once on the server.
# Copied to a big disk, the same data dir then syncs to completion: the cache lists exactly the
# server's messages, each message exists exactly once on the server, nothing is left pending,
# the draft saved with space left is still there.
#
# Needs root (mount -t tmpfs); skipped otherwise.
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reliability as R  # noqa: E402

FULL = re.compile(r'(?i)no space|disk.*full|full.*disk|storage.*full|not enough space')


def mount_tmpfs(path, size):
    if os.geteuid() != 0:
        return 'not root'
    r = subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=%s,mode=0700' % size, 'tmpfs', path],
                       capture_output=True)
    return None if r.returncode == 0 else r.stderr.decode().strip() or 'mount failed'


def fill(path, slack=0):
    """Fills the file system of path to the last byte; `slack` bytes of it in a file of their
    own ('slack') that can be removed to free exactly that much."""
    if slack:
        with open(os.path.join(path, 'slack'), 'wb') as f:
            f.write(b'\0' * slack)
    fd = os.open(os.path.join(path, 'filler'), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for size in (65536, 4096, 1):
            try:
                while True:
                    os.write(fd, b'\0' * size)
            except OSError:
                pass
    finally:
        os.close(fd)


def close_cleanly(path):
    """What the last connection's clean close leaves when the WAL is not kept (an older Petrel,
    any other SQLite client): everything checkpointed into store.db, no -wal, no -shm. Petrel
    keeps both now; a store in this state must open on a full disk all the same."""
    con = sqlite3.connect(path, timeout=30)
    try:
        con.execute('PRAGMA wal_checkpoint(TRUNCATE)').fetchall()
    finally:
        con.close()
    for suffix in ('-wal', '-shm'):
        if os.path.exists(path + suffix):
            os.unlink(path + suffix)


def server_state(m):
    return {f: sorted((R.server_message_ids(m, f) or {}).values()) for f in ('INBOX', 'Archive')}


def main():
    t = R.Tap('disk-full')
    tmp = tempfile.mkdtemp(prefix='petrel-disk-full-')
    small = os.path.join(tmp, 'small')
    os.mkdir(small)
    why = mount_tmpfs(small, '3m')
    if why is not None:
        shutil.rmtree(tmp, ignore_errors=True)
        return t.skip_all('cannot mount a tmpfs: %s' % why)
    servers = None
    mounted = True
    try:
        servers = R.start_servers(t)
        if servers is None:
            return 77
        rng = random.Random(R.SEED + 3)
        alice = servers.user(0)
        servers.seed('alice', 'INBOX', count=450, seed=R.SEED)
        m = R.imap_login(servers, alice)
        ids = R.server_message_ids(m, 'INBOX')
        all_ids = sorted(ids.values())

        d = os.path.join(small, 'data')
        R.add_account(d, 'alice', alice, servers.imaps_port, servers.smtp_port, servers.ca_file)
        reserve = os.path.join(small, 'reserve')
        with open(reserve, 'wb') as f:
            f.write(b"\0" * 1000000)

        # -- the first sync runs out of space
        r = R.cli(d, 'sync', 'alice', timeout=180)
        t.check(not r.hung and not r.crashed, 'sync on a full disk: no hang, no crash',
                r.describe())
        t.check(r.clean_failure(), 'sync on a full disk: exit 1 with one line', r.describe())
        t.check(FULL.search(r.stderr), 'the line says the disk is full', r.stderr)
        t.note('sync on a 3 MiB disk: %s' % r.stderr.strip())
        res = R.integrity(d, 'alice')
        t.check(res.startswith('ok'), 'integrity_check ok after the failed sync', res)
        uids = R.local_uids(d, 'alice', 'INBOX')
        t.check(uids is not None and len(uids) == len(set(uids)),
                'list works on the full disk and lists nothing twice (%d)' %
                len(uids or []))

        # -- a little space back: changes are queued
        os.unlink(reserve)
        t.note('%d bytes free after the failed sync' % shutil.disk_usage(small).free)
        picked = rng.sample(sorted(uids), 3) if uids and len(uids) >= 3 else []
        t.check(len(picked) == 3, 'some messages are listed to change')
        results = {}
        if picked:
            results['move'] = R.cli(d, '--offline', 'move', 'alice', 'INBOX', picked[0],
                                    '--to', 'Archive')
            results['flag'] = R.cli(d, '--offline', 'flag', 'alice', 'INBOX', picked[1],
                                    '--add', '\\Flagged')
        results['draft'] = R.cli(d, '--offline', 'draft', 'save', '--account', 'alice',
                                 '--to', 'bob@example.test', '--subject', 'Kept draft',
                                 stdin=b'Written while the disk filled up.\n')
        for what, r in results.items():
            t.check(r.status == 0, '%s with some space left is queued' % what, r.describe())
            t.note('%s: %d bytes free after it' % (what, shutil.disk_usage(small).free))

        # Two messages downloaded while there is space (the first sync's batch of bodies was
        # refused as a whole); the others stay not cached.
        cached, uncached = [], []
        for uid in sorted(set(uids) - set(picked)):
            if len(cached) < 2:
                s = R.cli(d, 'show', 'alice', 'INBOX', uid, '--raw')
                t.check(s.status == 0, 'UID %s downloaded with some space left' % uid,
                        s.describe())
                cached.append((uid, s.stdout))
            else:
                s = R.cli(d, '--offline', 'show', 'alice', 'INBOX', uid, '--raw')
                if s.status != 0:
                    uncached.append((uid, None))
                    break
        t.check(uncached, 'some message is not cached yet')

        # -- every last byte taken, after a clean close left no WAL files: the cache opens and
        # reads; every write fails cleanly and asks the server nothing
        store = R.store_path(d, 'alice')
        close_cleanly(store)
        before = server_state(m)
        fill(small, slack=128 * 1024)
        t.note('%d bytes free; WAL files: %s' % (
            shutil.disk_usage(small).free,
            [s for s in ('-wal', '-shm') if os.path.exists(store + s)] or 'none'))
        r = R.cli(d, '--json', 'list', 'alice', 'INBOX', '--limit', '1000000')
        listed = [row['uid'] for row in r.json()] if r.status == 0 else []
        t.check(r.status == 0 and sorted(listed) == sorted(set(uids) - {picked[0]}),
                'list works on a disk with no byte left (all but the moved message)',
                r.describe())
        r = R.cli(d, '--json', 'folders', 'alice')
        t.check(r.status == 0 and any(f['path'] == 'INBOX' for f in r.json()),
                'folders works on a disk with no byte left', r.describe())
        p = R.pending(d, 'alice')
        t.check(p is not None and len(p) == 2, 'pending shows the two accepted changes', p)
        r = R.cli(d, '--json', 'search', 'the', '--account', 'alice')
        t.check(r.status == 0, 'search works on a disk with no byte left', r.describe())
        r = R.cli(d, 'draft', 'list', 'alice')
        t.check(r.status == 0 and b'Kept draft' in r.stdout,
                'draft list shows the draft saved before', r.describe())
        for uid, raw in cached[:2]:
            s = R.cli(d, '--offline', 'show', 'alice', 'INBOX', uid, '--raw')
            t.check(s.status == 0 and s.stdout == raw,
                    'a cached message (UID %s) reads the same on the full disk' % uid,
                    s.describe())

        refused = {}
        if picked:
            refused['move'] = R.cli(d, '--offline', 'move', 'alice', 'INBOX', picked[2],
                                    '--to', 'Archive')
            refused['flag'] = R.cli(d, '--offline', 'flag', 'alice', 'INBOX', picked[1],
                                    '--add', '\\Seen')
        refused['draft'] = R.cli(d, '--offline', 'draft', 'save', '--account', 'alice',
                                 '--to', 'bob@example.test', '--subject', 'Refused draft',
                                 stdin=b'No room for this one.\n')
        if uncached:
            refused['download'] = R.cli(d, 'show', 'alice', 'INBOX', uncached[0][0], '--raw')
        refused['sync'] = R.cli(d, 'sync', 'alice', timeout=180)
        for what, r in refused.items():
            t.check(r.clean_failure(), '%s on a disk with no byte left: exit 1, one line' % what,
                    r.describe())
            t.check(FULL.search(r.stderr), '%s: the line says the disk is full' % what,
                    r.stderr)
            t.note('%s on a full disk: %s' % (what, r.stderr.strip()))
        t.check(server_state(m) == before, 'the server is untouched by all of that')
        p = R.pending(d, 'alice')
        t.check(p is not None and len(p) == 2, 'still exactly the two accepted changes pending',
                p)
        res = R.integrity(d, 'alice')
        t.check(res.startswith('ok'), 'integrity_check ok after the changes', res)

        # -- 128 KiB back, so that the store opens: the sync replays the queued move on the
        # server and then runs out of space writing locally
        os.unlink(os.path.join(small, 'slack'))
        r = R.cli(d, 'sync', 'alice', timeout=180)
        t.check(not r.hung and not r.crashed and (r.status == 0 or r.clean_failure()),
                'sync on a nearly full disk: no hang, no crash, at most one line', r.describe())
        t.note('sync with 128 KiB free: %s' % r.describe())
        if picked:
            t.note('after it the queued move is %s on the server' % (
                'done' if ids[picked[0]] in (R.server_message_ids(m, 'Archive') or {}).values()
                else 'not yet'))
        res = R.integrity(d, 'alice')
        t.check(res.startswith('ok'), 'integrity_check ok after that sync', res)
        seen = sorted(v for f in ('INBOX', 'Archive')
                      for v in (R.server_message_ids(m, f) or {}).values())
        t.check(seen == all_ids, 'nothing deleted or doubled on the server',
                (len(seen), len(all_ids)))

        # -- the same data dir on a big disk. The password in the keyring belongs to the data
        # dir's path, so the copy goes back to the same path once the tmpfs is gone.
        saved = os.path.join(tmp, 'saved')
        shutil.copytree(d, saved, symlinks=True)
        subprocess.run(['umount', small], check=False)
        mounted = False

        # Elsewhere, the copy has no password: that must be a clean error, not a crash (it
        # was one: sync returned FALSE without a GError).
        r = R.cli(saved, 'sync', 'alice', timeout=60)
        t.check(not r.crashed, 'a data dir moved to another path (no password in the keyring '
                'for it): sync does not crash', r.describe())
        t.check(r.clean_failure() and 'password' in r.stderr,
                'and fails with one line that says the password is missing', r.describe())

        big = d
        shutil.copytree(saved, big, symlinks=True)
        r = R.cli(big, 'sync', 'alice', timeout=180)
        t.check(r.status == 0, 'the data dir, copied to a big disk, syncs', r.describe())
        res = R.integrity(big, 'alice')
        t.check(res.startswith('ok'), 'integrity_check ok on the big disk', res)
        for f in ('INBOX', 'Archive'):
            local = R.local_uids(big, 'alice', f)
            server = R.server_uids(m, f)
            t.check(local is not None and sorted(local) == server and
                    len(local) == len(set(local)),
                    '%s: the cache lists exactly the server\'s messages (%d)' % (f, len(server)),
                    (sorted(set(local or []) - set(server))[:5],
                     sorted(set(server) - set(local or []))[:5]))
        seen = sorted(v for f in ('INBOX', 'Archive')
                      for v in (R.server_message_ids(m, f) or {}).values())
        t.check(seen == all_ids, 'every message exists exactly once on the server')
        t.check(R.pending(big, 'alice') == [], 'nothing left pending')
        r = R.cli(big, 'draft', 'list', 'alice')
        t.check(r.status == 0 and b'Kept draft' in r.stdout and b'Refused draft' not in r.stdout,
                'the draft saved with space left is kept, the refused one is not there',
                r.describe())
        if picked:
            archived = (R.server_message_ids(m, 'Archive') or {}).values()
            t.check(ids[picked[0]] in archived and ids[picked[2]] not in archived,
                    'the accepted move reached the server, the refused one did not')
        bad = []
        local = R.local_uids(big, 'alice', 'INBOX') or []
        for uid in rng.sample(local, min(6, len(local))):
            s = R.cli(big, '--offline', 'show', 'alice', 'INBOX', uid, '--raw')
            m.select('INBOX', readonly=True)
            typ, data = m.uid('FETCH', str(uid), '(BODY.PEEK[])')
            body = [x[1] for x in data if isinstance(x, tuple)]
            if s.status != 0 or not body or body[0] != s.stdout:
                bad.append((uid, s.status))
        t.check(not bad, 'stored bodies are whole (sampled)', bad)
        m.logout()
    finally:
        if mounted:
            subprocess.run(['umount', small], check=False)
        if servers is not None:
            servers.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return t.finish()


if __name__ == '__main__':
    sys.exit(main())
