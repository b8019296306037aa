#!/usr/bin/python3
# test-cli-xmove.py: moving and copying messages between two accounts (issue #8) through
# petrel-cli against the real loopback Dovecot (alice's and bob's mailboxes): online, queued
# offline and replayed, a body not downloaded yet, undo, and the process killed at every store
# commit and network write of a move; a second IMAP connection per user checks the servers.
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clitest as C  # noqa: E402

CRASHED = 137
PROVISIONAL = 0x80000000


class Server(C.Server):
    def find(self, folder, message_id):
        """UIDs of the messages with MESSAGE_ID in FOLDER."""
        typ, _ = self.m.select('"%s"' % folder, readonly=True)
        assert typ == 'OK', folder
        typ, data = self.m.uid('SEARCH', None, 'HEADER', 'Message-ID', message_id)
        return [int(x) for x in data[0].split()]

    def fetch(self, folder, uid):
        """(the exact bytes, the flags without \\Recent, INTERNALDATE) of UID in FOLDER."""
        self.m.select('"%s"' % folder, readonly=True)
        typ, data = self.m.uid('FETCH', str(uid), '(FLAGS INTERNALDATE BODY.PEEK[])')
        for item in data:
            if isinstance(item, tuple):
                head = item[0].decode()
                flags = set(re.search(r'FLAGS \(([^)]*)\)', head).group(1).split()) - {'\\Recent'}
                date = re.search(r'INTERNALDATE "([^"]*)"', head).group(1)
                return item[1], flags, date
        return None

    def find_subject(self, folder, subject):
        self.m.select('"%s"' % folder, readonly=True)
        typ, data = self.m.uid('SEARCH', None, 'SUBJECT', '"%s"' % subject)
        return [int(x) for x in data[0].split()]

    def append(self, folder, raw, flags='', date=None):
        typ, _ = self.m.append(folder, flags or None, date, raw)
        assert typ == 'OK'


def message(i, extra=b''):
    return (b'From: s%d@example.test\r\nTo: alice@example.test\r\n'
            b'Subject: xmove %02d\r\nMessage-ID: <x%d@example.test>\r\n%s\r\n'
            b'body of message %d\r\n\xc3\xa9 kept byte for byte\r\n' % (i, i, i, extra, i))


def nomid(i):
    """A message without a Message-ID: after a lost APPEND answer it is found by its size."""
    return (b'From: n%d@example.test\r\nTo: alice@example.test\r\nSubject: nomid %02d\r\n'
            b'\r\nno message id here %d\r\n' % (i, i, i))


def mid(i):
    return '<x%d@example.test>' % i


def main():
    t = C.Tap()
    servers = C.start_servers()
    if servers is None:
        return 77

    d = tempfile.mkdtemp(prefix='petrel-xmove-')
    alice, bob = servers.user(0), servers.user(1)

    def cli(*args, env=None):
        return C.cli(d, *args, env=env)

    def rows(account, folder):
        r = cli('--json', 'list', account, folder)
        assert r.returncode == 0, r.stderr.decode()
        return C.json_lines(r)

    def local(account, folder, i):
        return [x for x in rows(account, folder) if x['message_id'] == mid(i)[1:-1] or
                x['message_id'] == mid(i)]

    def pending(account):
        return C.json_lines(cli('--json', 'pending', account))

    def uid_of(account, folder, i):
        found = local(account, folder, i)
        assert len(found) == 1, (account, folder, i, found)
        return found[0]['uid']

    try:
        sa, sb = Server(servers, alice), Server(servers, bob)
        date = '"21-Nov-2026 08:15:00 +0000"'
        for i in range(0, 200):
            sa.append('INBOX', message(i), '(\\Seen \\Flagged $Label1)' if i % 2 else '', date)
        sb.m.create('Archive')
        C.add_account(d, servers, alice, 'alice', check=True)
        C.add_account(d, servers, bob, 'bob', check=True)
        r = cli('sync')
        t.check(r.returncode == 0, 'both accounts synced', r.stderr.decode())
        originals = {i: sa.fetch('INBOX', sa.find('INBOX', mid(i))[0]) for i in range(200)}

        def exactly_once_in_bob(i, folder='INBOX'):
            found = sb.find(folder, mid(i))
            if len(found) != 1:
                return False, 'bob has %d copies of %d' % (len(found), i)
            got = sb.fetch(folder, found[0])
            want = originals[i]
            return (got[0] == want[0] and got[1] == want[1] and got[2] == want[2],
                    'bytes equal %s flags %s/%s date %s/%s' % (got[0] == want[0], got[1],
                                                                want[1], got[2], want[2]))

        # -- move online: appended to bob (same bytes, flags, date), then gone from alice
        u1 = uid_of('alice', 'INBOX', 1)
        r = cli('move', 'alice', 'INBOX', u1, '--to', 'INBOX', '--to-account', 'bob')
        t.check(r.returncode == 0, 'move --to-account online', r.stderr.decode())
        ok, why = exactly_once_in_bob(1)
        t.check(ok, 'bob has the message once, same bytes, flags and internal date', why)
        t.check(sa.find('INBOX', mid(1)) == [], 'it is gone from alice’s server')
        t.check(local('alice', 'INBOX', 1) == [], 'it is gone from alice’s cache')
        mine = local('bob', 'INBOX', 1)
        t.check(len(mine) == 1 and mine[0]['uid'] == sb.find('INBOX', mid(1))[0] and
                {'\\Seen', '\\Flagged'} <= set(mine[0]['flags']),
                'bob’s cache has it once under its server UID, flags kept', mine)
        r = cli('--offline', 'show', 'bob', 'INBOX', mine[0]['uid'], '--raw')
        t.check(r.returncode == 0 and r.stdout == originals[1][0],
                'bob’s cache holds the exact bytes (no download needed)')
        t.check(pending('alice') == [] and pending('bob') == [], 'nothing left pending')

        # -- copy online, into another folder
        u2 = uid_of('alice', 'INBOX', 2)
        r = cli('copy', 'alice', 'INBOX', u2, '--to', 'Archive', '--to-account', 'bob')
        t.check(r.returncode == 0, 'copy --to-account online', r.stderr.decode())
        ok, why = exactly_once_in_bob(2, 'Archive')
        t.check(ok, 'the copy is in bob’s Archive once, same bytes', why)
        t.check(len(sa.find('INBOX', mid(2))) == 1 and len(local('alice', 'INBOX', 2)) == 1,
                'the original stays in alice’s INBOX')

        # -- undo of a replayed copy deletes the copy; of a replayed move says why not
        r = cli('undo', 'bob')
        t.check(r.returncode == 0 and sb.find('Archive', mid(2)) == [] and
                local('bob', 'Archive', 2) == [],
                'undo of a replayed copy removes it from bob', r.stderr.decode())
        # -- undo of a replayed move moves the messages back (from either account's side)
        def back_in_alice(i):
            found = sa.find('INBOX', mid(i))
            return (len(found) == 1 and sa.fetch('INBOX', found[0])[0] == originals[i][0] and
                    sb.find('INBOX', mid(i)) == [] and len(local('alice', 'INBOX', i)) == 1 and
                    local('bob', 'INBOX', i) == [])

        u3 = uid_of('alice', 'INBOX', 3)
        r = cli('move', 'alice', 'INBOX', u3, '--to', 'INBOX', '--to-account', 'bob')
        t.check(r.returncode == 0 and len(sb.find('INBOX', mid(3))) == 1 and
                sa.find('INBOX', mid(3)) == [], 'move of 3 replayed', r.stderr.decode())
        r = cli('undo', 'bob')
        t.check(r.returncode == 0, 'undo (in bob) of a replayed move', r.stderr.decode())
        t.check(back_in_alice(3), 'when undo ends the message is back in alice’s INBOX, once, '
                'same bytes, and gone from bob')
        t.check(pending('alice') == [] and pending('bob') == [], 'nothing left pending')
        r = cli('sync')
        t.check(r.returncode == 0 and back_in_alice(3), 'a sync afterwards changes nothing',
                r.stderr.decode())
        r = cli('undo', 'bob')
        t.check(r.returncode == 0, 'undo of the undo (a move back again)', r.stderr.decode())
        t.check(len(sb.find('INBOX', mid(3))) == 1 and sa.find('INBOX', mid(3)) == [] and
                len(local('bob', 'INBOX', 3)) == 1, 'which moves it to bob again')
        u9 = uid_of('alice', 'INBOX', 9)
        r = cli('move', 'alice', 'INBOX', u9, '--to', 'Archive', '--to-account', 'bob')
        t.check(r.returncode == 0 and len(sb.find('Archive', mid(9))) == 1,
                'move of 9 into bob’s Archive replayed', r.stderr.decode())
        r = cli('undo', 'alice')
        t.check(r.returncode == 0, 'undo (in alice, the source) of a replayed move',
                r.stderr.decode())
        t.check(len(sa.find('INBOX', mid(9))) == 1 and sb.find('Archive', mid(9)) == [] and
                local('bob', 'Archive', 9) == [] and len(local('alice', 'INBOX', 9)) == 1,
                'back in alice’s INBOX, gone from bob’s Archive')
        r = cli('--offline', 'undo', 'alice')
        t.check(r.returncode == 0 and len(sb.find('Archive', mid(9))) == 0,
                'offline, undo of the undo only queues the move', r.stderr.decode())
        r = cli('sync')
        t.check(r.returncode == 0 and len(sb.find('Archive', mid(9))) == 1 and
                sa.find('INBOX', mid(9)) == [], 'which the next sync sends', r.stderr.decode())
        r = cli('undo', 'bob')
        t.check(r.returncode == 0 and len(sa.find('INBOX', mid(9))) == 1 and
                sb.find('Archive', mid(9)) == [], 'and an undo in bob moves it back again',
                r.stderr.decode())
        t.check(pending('alice') == [] and pending('bob') == [], 'nothing left pending')

        # -- offline: shows at once as pending, then replayed by the next syncs
        u4, u5 = uid_of('alice', 'INBOX', 4), uid_of('alice', 'INBOX', 5)
        r = cli('--offline', 'move', 'alice', 'INBOX', u4, u5, '--to', 'INBOX',
                '--to-account', 'bob')
        t.check(r.returncode == 0, 'move --to-account --offline', r.stderr.decode())
        there = local('bob', 'INBOX', 4) + local('bob', 'INBOX', 5)
        t.check(len(there) == 2 and all(x['uid'] >= PROVISIONAL for x in there) and
                local('alice', 'INBOX', 4) == [],
                'offline: in bob’s list at once (provisional), gone from alice’s', there)
        r = cli('--offline', 'show', 'bob', 'INBOX', there[0]['uid'], '--raw')
        t.check(r.returncode == 0 and r.stdout in (originals[4][0], originals[5][0]),
                'the pending message reads offline in bob')
        pa, pb = pending('alice'), pending('bob')
        t.check([p['kind'] for p in pa] == ['account-move-out'] and
                [p['kind'] for p in pb] == ['account-move'],
                'each account has its half queued', (pa, pb))
        t.check(len(sa.find('INBOX', mid(4))) == 1 and sb.find('INBOX', mid(4)) == [],
                'the servers are untouched while offline')
        r = cli('sync', 'alice')
        t.check(r.returncode == 0 and len(sa.find('INBOX', mid(4))) == 1,
                'alice’s sync first: the originals wait for bob’s copy', r.stderr.decode())
        r = cli('sync', 'bob')
        t.check(r.returncode == 0, 'bob’s sync appends', r.stderr.decode())
        r = cli('sync', 'alice')
        t.check(r.returncode == 0, 'alice’s next sync deletes', r.stderr.decode())
        for i in (4, 5):
            ok, why = exactly_once_in_bob(i)
            t.check(ok and sa.find('INBOX', mid(i)) == [] and local('alice', 'INBOX', i) == []
                    and len(local('bob', 'INBOX', i)) == 1,
                    'queued move of %d: once in bob, gone from alice' % i, why)
        t.check(pending('alice') == [] and pending('bob') == [], 'nothing left pending')

        # -- undo while queued puts everything back
        u6 = uid_of('alice', 'INBOX', 6)
        cli('--offline', 'move', 'alice', 'INBOX', u6, '--to', 'INBOX', '--to-account', 'bob')
        r = cli('--offline', 'undo', 'alice')
        t.check(r.returncode == 0 and len(local('alice', 'INBOX', 6)) == 1 and
                local('bob', 'INBOX', 6) == [] and pending('alice') == [] and
                pending('bob') == [],
                'undo (from either account) of a queued move restores it', r.stderr.decode())
        r = cli('--offline', 'show', 'alice', 'INBOX', u6, '--raw')
        t.check(r.returncode == 0 and r.stdout == originals[6][0],
                'the restored message reads offline')
        cli('--offline', 'copy', 'alice', 'INBOX', u6, '--to', 'Archive', '--to-account', 'bob')
        r = cli('--offline', 'undo', 'bob')
        t.check(r.returncode == 0 and local('bob', 'Archive', 6) == [] and pending('bob') == [],
                'undo of a queued copy', r.stderr.decode())
        cli('sync')
        t.check(len(sa.find('INBOX', mid(6))) == 1 and sb.find('INBOX', mid(6)) == [] and
                sb.find('Archive', mid(6)) == [], 'an undone change never reaches a server')

        # -- one sync of every account finishes a move whose source syncs before its target
        r = cli('--offline', 'move', 'alice', 'INBOX', uid_of('alice', 'INBOX', 6), '--to',
                'INBOX', '--to-account', 'bob')
        t.check(r.returncode == 0, 'offline move of 6', r.stderr.decode())
        r = cli('sync')
        ok, why = exactly_once_in_bob(6)
        t.check(r.returncode == 0 and ok and sa.find('INBOX', mid(6)) == [] and
                pending('alice') == [] and pending('bob') == [],
                'a single sync of alice then bob completes the move', (r.stderr.decode(), why))

        # -- a message whose body was never downloaded
        sa.append('INBOX', message(900), '(\\Seen)', date)
        originals[900] = sa.fetch('INBOX', sa.find('INBOX', mid(900))[0])
        cli('sync', 'alice', '--headers-only')
        u90 = uid_of('alice', 'INBOX', 900)
        r = cli('--offline', 'move', 'alice', 'INBOX', u90, '--to', 'INBOX', '--to-account', 'bob')
        t.check(r.returncode == 1 and b'not downloaded' in r.stderr and
                len(local('alice', 'INBOX', 900)) == 1 and pending('bob') == [],
                'offline, an undownloaded message cannot move: a clear error, nothing changed',
                r.stderr.decode())
        r = cli('move', 'alice', 'INBOX', u90, '--to', 'INBOX', '--to-account', 'bob')
        ok, why = exactly_once_in_bob(900)
        t.check(r.returncode == 0 and ok and sa.find('INBOX', mid(900)) == [],
                'online it is fetched first, then moved', r.stderr.decode() + why)

        # -- usage and errors
        r = cli('move', 'alice', 'INBOX', uid_of('alice', 'INBOX', 7), '--to', 'INBOX',
                '--to-account', 'nobody')
        t.check(r.returncode == 1 and len(local('alice', 'INBOX', 7)) == 1,
                'an unknown target account is an error', r.stderr.decode())
        r = cli('move', 'alice', 'INBOX', uid_of('alice', 'INBOX', 7), '--to', 'Nope',
                '--to-account', 'bob')
        t.check(r.returncode == 1 and len(local('alice', 'INBOX', 7)) == 1,
                'an unknown target folder is an error', r.stderr.decode())
        r = cli('move', 'alice', 'INBOX', '7', '--to-account', 'bob')
        t.check(r.returncode == 2, '--to-account without --to is a usage error')

        # -- refused by the target's server (its folder went away): kept, nothing deleted,
        # and it can still be taken back
        sb.m.create('Gone')
        cli('sync', 'bob')
        sb.m.delete('Gone')
        u8 = uid_of('alice', 'INBOX', 8)
        r = cli('move', 'alice', 'INBOX', u8, '--to', 'Gone', '--to-account', 'bob')
        pb = pending('bob')
        t.check(r.returncode == 1 and b'refused' in r.stderr and len(pb) == 1 and
                pb[0]['state'] == 'failed' and len(sa.find('INBOX', mid(8))) == 1,
                'a refused move is an error, stays queued, and alice’s server keeps the message',
                r.stderr.decode())
        r = cli('sync', 'alice')
        t.check(len(sa.find('INBOX', mid(8))) == 1 and
                [p['kind'] for p in pending('alice')] == ['account-move-out'],
                'alice’s sync does not delete what bob does not have')
        r = cli('undo', 'bob')
        t.check(r.returncode == 0 and len(local('alice', 'INBOX', 8)) == 1 and
                pending('alice') == [] and pending('bob') == [],
                'the refused move is undone: back in alice’s list, nothing queued',
                r.stderr.decode())
        cli('sync')
        t.check(len(sa.find('INBOX', mid(8))) == 1 and len(local('alice', 'INBOX', 8)) == 1,
                'and alice still has it, once')

        # -- killed at every store commit and network write of a move (and of a copy):
        # after the next syncs each message is in bob exactly once, and gone from alice
        # (a move) or still there (a copy)
        n = 10

        def answer_lost(present):
            """Killed after the APPEND went out, before its answer was recorded."""
            pb = pending('bob')
            return (len(pb) == 1 and '"states":[1]' in pb[0]['payload'].replace(' ', '') and
                    present)

        lost = 0
        for point in ('store-commit', 'net-write'):
            for copy in (False, True):
                k = 1
                while True:
                    u = uid_of('alice', 'INBOX', n)
                    r = cli('copy' if copy else 'move', 'alice', 'INBOX', u, '--to', 'INBOX',
                            '--to-account', 'bob',
                            env={'PETREL_CRASH_AFTER': '%s:%d' % (point, k)})
                    crashed = r.returncode == CRASHED
                    if crashed and answer_lost(len(sb.find('INBOX', mid(n))) == 1):
                        lost += 1
                    for account in ('bob', 'alice', 'bob', 'alice'):
                        r2 = cli('sync', account)
                    found = sb.find('INBOX', mid(n))
                    in_alice = len(sa.find('INBOX', mid(n)))
                    in_alice_cache = len(local('alice', 'INBOX', n))
                    in_bob_cache = len(local('bob', 'INBOX', n))
                    good = (len(found) == 1 and in_alice == (1 if copy else 0) and
                            in_alice_cache == in_alice and in_bob_cache == 1 and
                            pending('alice') == [] and pending('bob') == [] and
                            r2.returncode == 0)
                    if not good or not crashed:
                        t.check(good, '%s killed at %s:%d: once in bob, %s alice' % (
                                    'copy' if copy else 'move', point, k,
                                    'still in' if copy else 'gone from'),
                                (r.returncode, len(found), in_alice, in_alice_cache,
                                 in_bob_cache, pending('alice'), pending('bob'),
                                 r2.stderr.decode()))
                    if good:
                        ok, why = exactly_once_in_bob(n)
                        if not ok:
                            t.check(False, 'bytes after a crash at %s:%d' % (point, k), why)
                    n += 1
                    if not crashed or not good or k > 60:
                        break
                    k += 1
                t.check(k > 3, '%s %s: %d crash points swept' % (
                    'copy' if copy else 'move', point, k - 1))

        t.check(lost >= 2, 'the sweeps include deaths between an APPEND and its record, and '
                'the retry found the message instead of appending it again (%d)' % lost)

        # -- the same without a Message-ID (a move, killed at each network write)
        for i in range(40):
            sa.append('INBOX', nomid(i), '(\\Seen)', date)
        cli('sync', 'alice')
        i, k, lost_nomid = 0, 1, 0
        while True:
            subject = 'nomid %02d' % i
            u = [x['uid'] for x in rows('alice', 'INBOX') if x['subject'] == subject]
            r = cli('move', 'alice', 'INBOX', u[0], '--to', 'INBOX', '--to-account', 'bob',
                    env={'PETREL_CRASH_AFTER': 'net-write:%d' % k})
            crashed = r.returncode == CRASHED
            if crashed and answer_lost(len(sb.find_subject('INBOX', subject)) == 1):
                lost_nomid += 1
            for account in ('bob', 'alice', 'bob', 'alice'):
                cli('sync', account)
            in_bob = sb.find_subject('INBOX', subject)
            good = (len(in_bob) == 1 and sa.find_subject('INBOX', subject) == [] and
                    pending('alice') == [] and pending('bob') == [] and
                    sb.fetch('INBOX', in_bob[0])[0] == nomid(i))
            if not good or not crashed:
                t.check(good, 'no Message-ID, move killed at net-write:%d: once in bob' % k,
                        (r.returncode, in_bob, pending('alice'), pending('bob')))
            i += 1
            if not crashed or not good or i >= 40:
                break
            k += 1
        t.check(k > 3, 'no Message-ID: %d crash points swept' % (k - 1))
        t.check(lost_nomid >= 1, 'including a death between the APPEND and its record (%d)'
                % lost_nomid)
        sa.close()
        sb.close()
    finally:
        servers.stop()

    return t.finish()


if __name__ == '__main__':
    sys.exit(main())
