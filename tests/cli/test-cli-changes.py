#!/usr/bin/python3
# test-cli-changes.py: flag/move/copy/delete/folder/pending/undo through petrel-cli against the
# real loopback Dovecot, online and offline; a second IMAP connection checks the server.
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clitest as C  # noqa: E402
from clitest import petrel_servers  # noqa: E402


def local(cli, folder):
    return {r['uid']: r for r in cli.json('list', 'alice', folder)}


def by_subject(rows, subject):
    return [r for r in rows.values() if r['subject'] == subject]


def main():
    t = C.Tap()
    servers = C.start_servers()
    if servers is None:
        return 77

    data_dir = tempfile.mkdtemp(prefix='petrel-changes-')
    cli = C.Cli(data_dir)
    alice = servers.user(0)
    try:
        srv = C.Server(servers, alice)
        for i in range(12):
            srv.m.append('INBOX', None, None,
                         b'From: s%d@example.test\r\nTo: alice@example.test\r\n'
                         b'Subject: msg %02d\r\nMessage-ID: <m%d@example.test>\r\n\r\n'
                         b'body of message %d\r\n' % (i, i, i, i))
        typ, data = srv.m.list('""', 'INBOX')
        d = data[0].decode().split('"')[1]          # the server's hierarchy delimiter
        srv.m.create('Projects')
        srv.m.create('Projects%sOld' % d)
        srv.m.append('Projects', None, None, b'Subject: in projects\r\n\r\nx\r\n')

        r = C.add_account(data_dir, servers, alice, 'alice')
        assert r.returncode == 0, r.stderr
        r = cli('sync', 'alice')
        t.check(r.returncode == 0, 'initial sync', r.stderr.decode())

        inbox = local(cli, 'INBOX')
        uid = {r['subject']: u for u, r in inbox.items()}

        # -- flags online
        r = cli('flag', 'alice', 'INBOX', str(uid['msg 00']), '--add', '\\Flagged')
        t.check(r.returncode == 0, 'flag --add', r.stderr.decode())
        t.check('\\Flagged' in local(cli, 'INBOX')[uid['msg 00']]['flags'],
                'flag shows locally at once')
        t.check('\\Flagged' in srv.messages('INBOX')[uid['msg 00']][1],
                'flag reached the server')
        r = cli('flag', 'alice', 'INBOX', str(uid['msg 01']), str(uid['msg 02']), '--add', 'seen')
        t.check(r.returncode == 0 and all('\\Seen' in srv.messages('INBOX')[uid[s]][1]
                                          for s in ('msg 01', 'msg 02')),
                'flag several UIDs, flag name without backslash')
        r = cli('flag', 'alice', 'INBOX', str(uid['msg 01']), '--add', 'bad flag(')
        t.check(r.returncode == 2, 'a malformed flag is a usage error')
        t.check(cli.json('pending', 'alice') == [], 'nothing pending after online changes')

        # -- move online: exactly one copy on the server, body renamed not refetched
        raw_before = cli('show', 'alice', 'INBOX', str(uid['msg 03']), '--raw').stdout
        r = cli('move', 'alice', 'INBOX', str(uid['msg 03']), '--to', 'Archive')
        t.check(r.returncode == 0, 'move', r.stderr.decode())
        t.check(not by_subject(local(cli, 'INBOX'), 'msg 03') and
                len(by_subject(local(cli, 'Archive'), 'msg 03')) == 1,
                'move shows locally: gone from INBOX, in Archive once')
        t.check(srv.subjects('INBOX').count('msg 03') == 0 and
                srv.subjects('Archive').count('msg 03') == 1,
                'on the server the message is in Archive exactly once')
        moved = by_subject(local(cli, 'Archive'), 'msg 03')[0]
        t.check(moved['uid'] in srv.messages('Archive'), 'the moved message has its server UID')
        r = cli('--offline', 'show', 'alice', 'Archive', str(moved['uid']), '--raw')
        t.check(r.returncode == 0 and r.stdout == raw_before,
                'the moved message reads offline without a refetch')

        # -- undo of a replayed move
        r = cli('undo', 'alice')
        t.check(r.returncode == 0, 'undo the move', r.stderr.decode())
        t.check(srv.subjects('INBOX').count('msg 03') == 1 and
                srv.subjects('Archive').count('msg 03') == 0,
                'after undo the message is back in INBOX on the server, once')
        t.check(len(by_subject(local(cli, 'INBOX'), 'msg 03')) == 1, 'and locally')

        # -- copy
        r = cli('copy', 'alice', 'INBOX', str(uid['msg 04']), '--to', 'Projects')
        t.check(r.returncode == 0 and srv.subjects('INBOX').count('msg 04') == 1 and
                srv.subjects('Projects').count('msg 04') == 1, 'copy', r.stderr.decode())

        # -- delete goes to Trash, delete in Trash (or --expunge) is for good
        r = cli('delete', 'alice', 'INBOX', str(uid['msg 05']))
        t.check(r.returncode == 0 and srv.subjects('Trash').count('msg 05') == 1 and
                'msg 05' not in srv.subjects('INBOX'), 'delete moves to Trash')
        trashed = by_subject(local(cli, 'Trash'), 'msg 05')[0]['uid']
        r = cli('delete', 'alice', 'Trash', str(trashed))
        t.check(r.returncode == 0 and 'msg 05' not in srv.subjects('Trash') and
                not by_subject(local(cli, 'Trash'), 'msg 05'), 'delete in Trash expunges')
        r = cli('delete', 'alice', 'INBOX', str(uid['msg 06']), '--expunge')
        t.check(r.returncode == 0 and 'msg 06' not in srv.subjects('INBOX') and
                'msg 06' not in (srv.subjects('Trash') or []), 'delete --expunge')

        # -- undo of each kind once on the server: delete (to Trash), copy, flags
        r = cli('delete', 'alice', 'INBOX', str(uid['msg 10']))
        r2 = cli('undo', 'alice')
        t.check(r.returncode == 0 and r2.returncode == 0 and
                srv.subjects('INBOX').count('msg 10') == 1 and
                'msg 10' not in (srv.subjects('Trash') or []),
                'undo of a delete brings the message back from Trash', r2.stderr.decode())
        inbox_now = local(cli, 'INBOX')
        uid['msg 10'] = [u for u, row in inbox_now.items() if row['subject'] == 'msg 10'][0]
        r = cli('copy', 'alice', 'INBOX', str(uid['msg 10']), '--to', 'Archive')
        r2 = cli('undo', 'alice')
        t.check(r.returncode == 0 and r2.returncode == 0 and
                'msg 10' not in srv.subjects('Archive') and
                srv.subjects('INBOX').count('msg 10') == 1, 'undo of a copy removes the copy')
        before = srv.messages('INBOX')[uid['msg 10']][1]
        cli('flag', 'alice', 'INBOX', str(uid['msg 10']), '--add', '\\Flagged', '\\Seen')
        r = cli('undo', 'alice')
        t.check(r.returncode == 0 and srv.messages('INBOX')[uid['msg 10']][1] == before,
                'undo of a replayed flag change restores the flags exactly',
                (before, srv.messages('INBOX')[uid['msg 10']][1]))

        # -- folders: create, rename a subtree, delete
        r = cli('folder', 'create', 'alice', 'Receipts')
        t.check(r.returncode == 0 and 'Receipts' in srv.folders(), 'folder create')
        r = cli('folder', 'rename', 'alice', 'Projects', 'Work')
        names = srv.folders()
        t.check(r.returncode == 0 and 'Work' in names and 'Work%sOld' % d in names and
                'Projects' not in names, 'folder rename moves the subtree on the server', names)
        lf = {f['path'] for f in cli.json('folders', 'alice')}
        t.check('Work' in lf and 'Work%sOld' % d in lf and 'Projects' not in lf,
                'folder rename moves the subtree locally', lf)
        r = cli('undo', 'alice')
        names = srv.folders()
        t.check(r.returncode == 0 and 'Projects' in names and 'Projects%sOld' % d in names,
                'undo of a folder rename', names)
        r = cli('folder', 'delete', 'alice', 'Receipts')
        t.check(r.returncode == 0 and 'Receipts' not in srv.folders(), 'folder delete')
        t.check(cli('folder', 'create', 'alice', 'INBOX').returncode == 1,
                'creating INBOX is refused')

        # -- a non-ASCII folder name goes to the server in modified UTF-7 and back
        name = 'Reçus 日本 & Co'
        r = cli('folder', 'create', 'alice', name)
        encoded = petrel_servers.mutf7_encode(name)
        t.check(r.returncode == 0 and encoded in srv.folders(),
                'a non-ASCII folder is created under its modified UTF-7 name',
                (r.stderr.decode(), encoded, srv.folders()))
        r = cli('move', 'alice', 'INBOX', str(uid['msg 11']), '--to', name)
        t.check(r.returncode == 0 and srv.subjects(encoded) == ['msg 11'],
                'a message moves into it', r.stderr.decode())
        cli('sync', 'alice')
        t.check([x['subject'] for x in local(cli, name).values()] == ['msg 11'] and
                name in {f['path'] for f in cli.json('folders', 'alice')},
                'after a sync it is listed under its UTF-8 name')

        # -- offline: applied locally, queued, replayed by sync
        r = cli('--offline', 'flag', 'alice', 'INBOX', str(uid['msg 07']), '--add', '\\Flagged')
        r2 = cli('--offline', 'move', 'alice', 'INBOX', str(uid['msg 08']), '--to', 'Archive')
        t.check(r.returncode == 0 and r2.returncode == 0, 'offline changes succeed')
        pend = cli.json('pending', 'alice')
        t.check([p['kind'] for p in pend] == ['flags', 'move'] and
                all(p['state'] == 'pending' for p in pend), 'pending lists both, in order', pend)
        t.check('\\Flagged' in local(cli, 'INBOX')[uid['msg 07']]['flags'] and
                len(by_subject(local(cli, 'Archive'), 'msg 08')) == 1,
                'offline changes show locally')
        t.check('\\Flagged' not in srv.messages('INBOX')[uid['msg 07']][1] and
                srv.subjects('INBOX').count('msg 08') == 1, 'the server has not seen them yet')
        r = cli('sync', 'alice')
        t.check(r.returncode == 0, 'sync replays the queue', r.stderr.decode())
        t.check('\\Flagged' in srv.messages('INBOX')[uid['msg 07']][1] and
                srv.subjects('INBOX').count('msg 08') == 0 and
                srv.subjects('Archive').count('msg 08') == 1, 'the server has both now')
        t.check(cli.json('pending', 'alice') == [], 'nothing pending after the sync')
        t.check(len(by_subject(local(cli, 'Archive'), 'msg 08')) == 1,
                'after sync the moved message is listed once')
        r = cli('sync', 'alice')
        t.check(r.returncode == 0 and srv.subjects('Archive').count('msg 08') == 1,
                'a second sync changes nothing')

        # -- a change queued offline while another client changed the same message: both stay
        cli('--offline', 'flag', 'alice', 'INBOX', str(uid['msg 09']), '--add', '\\Seen')
        srv.m.select('INBOX')
        srv.m.uid('STORE', str(uid['msg 09']), '+FLAGS', '(\\Flagged)')
        r = cli('sync', 'alice')
        server_flags = srv.messages('INBOX')[uid['msg 09']][1]
        local_flags = set(local(cli, 'INBOX')[uid['msg 09']]['flags'])
        t.check(r.returncode == 0 and {'\\Seen', '\\Flagged'} <= server_flags and
                {'\\Seen', '\\Flagged'} <= local_flags,
                'concurrent flag changes merge, on the server and here',
                (server_flags, local_flags))
        cli('flag', 'alice', 'INBOX', str(uid['msg 09']), '--remove', '\\Seen', '\\Flagged')

        # -- undo of a queued change restores local state and forgets it
        before = set(local(cli, 'INBOX')[uid['msg 09']]['flags'])
        cli('--offline', 'flag', 'alice', 'INBOX', str(uid['msg 09']), '--add', '\\Seen',
            '\\Flagged')
        r = cli('--offline', 'undo', 'alice')
        t.check(r.returncode == 0 and set(local(cli, 'INBOX')[uid['msg 09']]['flags']) == before
                and cli.json('pending', 'alice') == [], 'undo of a queued flag change')

        # -- a change the server refuses is kept and reported; others still go
        srv.m.create('Taken')
        r = cli('--offline', 'folder', 'rename', 'alice', 'Projects%sOld' % d, 'Taken')
        t.check(r.returncode == 0, 'offline rename to a name taken on the server meanwhile',
                r.stderr.decode())
        cli('--offline', 'flag', 'alice', 'INBOX', str(uid['msg 10']), '--add', '\\Answered')
        r = cli('sync', 'alice')
        pend = cli.json('pending', 'alice')
        t.check(r.returncode == 1 and 'pending' in r.stderr.decode(),
                'sync reports a refused change', r.stderr.decode())
        t.check(len(pend) == 1 and pend[0]['state'] == 'failed' and pend[0]['error'],
                'the refused change stays in pending with the server\'s words', pend)
        t.check('\\Answered' in srv.messages('INBOX')[uid['msg 10']][1],
                'an unrelated change after it still reached the server')

        # -- UIDVALIDITY change: a queued change never names an old UID
        arch = local(cli, 'Archive')
        some = sorted(arch)[0]
        cli('--offline', 'flag', 'alice', 'Archive', str(some), '--add', '\\Flagged')
        subjects = srv.subjects('Archive')
        srv.m.select('Archive')
        srv.m.close()
        srv.m.delete('Archive')
        srv.m.create('Archive')
        srv.m.append('Archive', None, None, b'Subject: fresh\r\n\r\nnew generation\r\n')
        r = cli('sync', 'alice')
        fresh = srv.messages('Archive')
        t.check(all('\\Flagged' not in f for _, f in fresh.values()),
                'no flag was stored on the new generation of the folder')
        pend = cli.json('pending', 'alice')
        t.check(any(p['kind'] == 'flags' and p['state'] == 'failed' and
                    'UIDVALIDITY' in (p['error'] or '') for p in pend),
                'the stale change is reported, not sent', pend)
        t.check([r['subject'] for r in local(cli, 'Archive').values()] == ['fresh'],
                'the folder cache was rebuilt', subjects)
        srv.close()
    finally:
        servers.stop()
    return t.finish()


if __name__ == '__main__':
    sys.exit(main())
