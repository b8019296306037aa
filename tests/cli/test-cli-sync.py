#!/usr/bin/python3
# test-cli-sync.py: petrel-cli's contract end to end against the real loopback Dovecot.
#
# Adds accounts through the real keyring, syncs a seeded mailbox plus hand-made hostile mail,
# and compares what `folders`, `list`, `show --raw` and `search` print with what the server
# says over a second IMAP connection; then changes the mailbox behind Petrel's back (flags,
# expunge, new mail, a recreated folder with a new UIDVALIDITY), syncs again, and finally
# stops the servers and checks that everything still reads offline.
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import base64
import email
import email.policy
import os
import re
import subprocess
import sqlite3
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clitest as C  # noqa: E402
from clitest import imap_login, json_lines  # noqa: E402

HOSTILE = [
    # No Message-ID, no Date, 8-bit UTF-8 in a header, a bare LF body.
    b'From: =?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <juergen@example.test>\r\n'
    b'To: alice@example.test\r\n'
    b'Subject: Gr\xc3\xbc\xc3\x9fe aus K\xc3\xb6ln \xe2\x80\x94 raw 8-bit\r\n'
    b'\r\n'
    b'Hallo Alice,\nbis morgen.\n',
    # Broken multipart: the boundary never closes, base64 cut short.
    b'From: Broken Sender <broken@example.test>\r\n'
    b'To: alice@example.test\r\n'
    b'Subject: broken mime zanzibar\r\n'
    b'Date: Tue, 17 Nov 2026 10:00:00 +0100\r\n'
    b'Message-ID: <broken-1@example.test>\r\n'
    b'MIME-Version: 1.0\r\n'
    b'Content-Type: multipart/mixed; boundary="XYZ"\r\n'
    b'\r\n'
    b'--XYZ\r\n'
    b'Content-Type: text/plain; charset=utf-8\r\n'
    b'\r\n'
    b'The visible part of a broken message.\r\n'
    b'--XYZ\r\n'
    b'Content-Type: application/pdf; name="cut.pdf"\r\n'
    b'Content-Transfer-Encoding: base64\r\n'
    b'Content-Disposition: attachment; filename="cut.pdf"\r\n'
    b'\r\n'
    b'JVBERi0xLjQKJcfs\r\n',
    # Duplicate Message-ID of the one above, a bad Date, an encoded-word subject in ISO-8859-1.
    b'From: dup@example.test\r\n'
    b'To: alice@example.test\r\n'
    b'Subject: =?iso-8859-1?q?Caf=E9_cr=E8me?=\r\n'
    b'Date: not a date at all\r\n'
    b'Message-ID: <broken-1@example.test>\r\n'
    b'\r\n'
    b'Same id, other message.\r\n',
    # HTML only, with a script and a remote image.
    b'From: "News, Weekly" <news@example.test>\r\n'
    b'To: alice@example.test\r\n'
    b'Subject: Newsletter quetzal edition\r\n'
    b'Date: Wed, 18 Nov 2026 08:30:00 +0000\r\n'
    b'Message-ID: <news-1@example.test>\r\n'
    b'MIME-Version: 1.0\r\n'
    b'Content-Type: text/html; charset=utf-8\r\n'
    b'\r\n'
    b'<html><body><script>alert(1)</script><p>Read about the <b>quetzal</b>.</p>'
    b'<img src="http://127.0.0.1:9/pixel.gif"></body></html>\r\n',
]


def nested_message(levels):
    """A message forwarded LEVELS times, each time inside a multipart: its BODYSTRUCTURE
    nests lists about twice as deep (a mail loop or a hostile sender makes these)."""
    inner = (b'From: bottom@example.test\r\nSubject: the innermost axolotl\r\n\r\n'
             b'The innermost axolotl text.\r\n')
    for i in range(levels):
        inner = (b'From: fwd%d@example.test\r\nSubject: Fwd %d\r\nMIME-Version: 1.0\r\n'
                 b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n'
                 b'--b%d\r\nContent-Type: text/plain\r\n\r\nlevel %d\r\n'
                 b'--b%d\r\nContent-Type: message/rfc822\r\n\r\n' % (i, i, i, i, i, i)
                 + inner + b'\r\n--b%d--\r\n' % i)
    return inner.replace(b'Subject: Fwd %d\r\n' % (levels - 1),
                         b'Subject: deeply nested axolotl\r\nMessage-ID: <deep@example.test>\r\n', 1)


# Dovecot nests MIME up to 100 levels; a BODYSTRUCTURE of 60 is deeper than the parser keeps.
HOSTILE.append(nested_message(60))

# Chinese as Chinese mailers send it: GB2312, base64, no spaces between words.
HOSTILE.append(
    b'From: =?gb2312?b?' + base64.b64encode('李明'.encode('gb2312')) +
    b'?= <liming@example.test>\r\n'
    b'To: alice@example.test\r\n'
    b'Subject: =?gb2312?b?' + base64.b64encode('企鹅合作会议纪要'.encode('gb2312')) + b'?=\r\n'
    b'Date: Thu, 19 Nov 2026 09:00:00 +0800\r\n'
    b'Message-ID: <gb2312-1@example.test>\r\n'
    b'MIME-Version: 1.0\r\n'
    b'Content-Type: text/plain; charset=gb2312\r\n'
    b'Content-Transfer-Encoding: base64\r\n'
    b'\r\n' + base64.encodebytes('请查看附件中的预算审查纪要。'.encode('gb2312')).replace(b'\n', b'\r\n'))


def cli(data_dir, *args, stdin=b'', check=False):
    return C.cli(data_dir, *args, stdin=stdin, check=check, timeout=600)


def server_messages(m, folder):
    """uid → (flags set, size) for a folder, seen by a second connection."""
    typ, _ = m.select('"%s"' % folder, readonly=True)
    assert typ == 'OK'
    typ, data = m.uid('FETCH', '1:*', '(UID FLAGS RFC822.SIZE)')
    out = {}
    for item in data:
        if not item:
            continue
        line = item.decode() if isinstance(item, bytes) else item[0].decode()
        mu = re.search(r'UID (\d+)', line)
        mf = re.search(r'FLAGS \(([^)]*)\)', line)
        ms = re.search(r'RFC822\.SIZE (\d+)', line)
        if mu:
            flags = set(f for f in mf.group(1).split() if f != '\\Recent')
            out[int(mu.group(1))] = (flags, int(ms.group(1)))
    return out


def server_body(m, folder, uid):
    m.select('"%s"' % folder, readonly=True)
    typ, data = m.uid('FETCH', str(uid), '(BODY.PEEK[])')
    for item in data:
        if isinstance(item, tuple):
            return item[1]
    return None


def compare_folder(t, data_dir, m, folder, what):
    server = server_messages(m, folder)
    rows = json_lines(cli(data_dir, '--json', 'list', 'alice', folder, check=True))
    local = {r['uid']: (set(r['flags']), r['size']) for r in rows}
    t.check(set(local) == set(server), '%s: %s UID set matches the server (%d)' %
            (what, folder, len(server)),
            'only local: %s\nonly server: %s' % (sorted(set(local) - set(server))[:10],
                                                sorted(set(server) - set(local))[:10]))
    bad = [u for u in server if u in local and local[u] != server[u]]
    t.check(not bad, '%s: %s flags and sizes match the server' % (what, folder),
            '\n'.join('%d local %s server %s' % (u, local[u], server[u]) for u in bad[:10]))
    return rows


def main():
    t = C.Tap()

    # -- usage and exit codes, no server needed
    with tempfile.TemporaryDirectory(prefix='petrel-cli-') as d:
        t.check(cli(d).returncode == 2, 'no command is a usage error (2)')
        r = cli(d, '--version')
        t.check(r.returncode == 0 and r.stdout.startswith(b'petrel-cli '), '--version')
        t.check(cli(d, 'frobnicate').returncode == 2, 'an unknown command is a usage error (2)')
        t.check(cli(d, 'list', 'x').returncode == 2, 'list without a folder is a usage error')
        r = cli(d, 'list', 'nosuch', 'INBOX')
        t.check(r.returncode == 1 and len(r.stderr.decode().strip().splitlines()) == 1,
                'list of an unknown account fails with exit 1 and one line on stderr',
                r.stderr.decode())
        r = cli(d, '--json', 'account', 'list')
        t.check(r.returncode == 0 and r.stdout == b'', 'account list with no accounts is empty')

    servers = C.start_servers()
    if servers is None:
        return 77

    data_dir = tempfile.mkdtemp(prefix='petrel-cli-data-')
    alice = servers.user(0)
    try:
        servers.seed('alice', 'INBOX', count=300, seed=7)
        servers.seed('alice', 'Sent', count=40, seed=8)

        m = imap_login(servers, alice)
        for raw in HOSTILE:
            typ, _ = m.append('INBOX', None, None, raw)
            assert typ == 'OK', typ
        m.create('Projects')
        for i in range(3):
            m.append('Projects', '(\\Seen)', None,
                     b'From: p@example.test\r\nSubject: project %d\r\nMessage-ID: <p%d@x>\r\n\r\n'
                     b'body %d\r\n' % (i, i, i))

        def add(account_id, **kw):
            return C.add_account(data_dir, servers, alice, account_id, name='Alice Liddell',
                                 **kw)

        r = add('alice', password=alice['password'] + '\n')
        t.check(r.returncode == 0, 'account add', r.stderr.decode())
        r = add('alice')
        t.check(r.returncode == 1, 'adding the same id again fails with exit 1')
        rows = json_lines(cli(data_dir, '--json', 'account', 'list', check=True))
        t.check([a['id'] for a in rows] == ['alice'] and rows[0]['email'] == alice['email'],
                'account list shows the account', rows)

        leaked = []
        for root, _, files in os.walk(data_dir):
            for f in files:
                with open(os.path.join(root, f), 'rb') as fh:
                    if alice['password'].encode() in fh.read():
                        leaked.append(f)
        t.check(not leaked, 'the password is in no file under the data dir', leaked)

        # A second account whose CA is not trusted, and one with a wrong password.
        add('noca', ca=False, check=True)
        r = cli(data_dir, 'sync', 'noca')
        err = r.stderr.decode()
        t.check(r.returncode == 1 and 'certificate' in err.lower(),
                'sync with an untrusted certificate fails and says why', err)
        cli(data_dir, 'account', 'remove', 'noca', check=True)

        add('wrongpw', password='not the password', check=True)
        r = cli(data_dir, 'sync', 'wrongpw')
        t.check(r.returncode == 1 and len(r.stderr.decode().strip().splitlines()) == 1,
                'sync with a wrong password fails with one line on stderr', r.stderr.decode())
        cli(data_dir, 'account', 'remove', 'wrongpw', check=True)
        rows = json_lines(cli(data_dir, '--json', 'account', 'list', check=True))
        t.check([a['id'] for a in rows] == ['alice'], 'account remove removes the account')

        # -- first sync
        r = cli(data_dir, 'sync', 'alice')
        t.check(r.returncode == 0, 'first sync', r.stderr.decode())

        folders = {f['path']: f for f in json_lines(cli(data_dir, '--json', 'folders', 'alice',
                                                        check=True))}
        inbox_server = server_messages(m, 'INBOX')
        t.check('INBOX' in folders and folders['INBOX']['role'] == 'inbox' and
                folders['INBOX']['total'] == len(inbox_server),
                'folders: INBOX with role and total', folders.get('INBOX'))
        unread = sum(1 for f, _ in inbox_server.values() if '\\Seen' not in f)
        t.check(folders['INBOX']['unread'] == unread, 'folders: INBOX unread count',
                (folders['INBOX']['unread'], unread))
        roles = {f['role'] for f in folders.values()}
        t.check({'sent', 'drafts', 'trash', 'junk', 'archive'} <= roles,
                'folders: special-use roles', roles)
        t.check(folders.get('Projects', {}).get('role', 'x') is None,
                'folders: an ordinary folder has role null')

        rows = compare_folder(t, data_dir, m, 'INBOX', 'after first sync')
        compare_folder(t, data_dir, m, 'Sent', 'after first sync')
        dates = [r['date'] for r in rows]
        t.check(dates == sorted(dates, reverse=True), 'list is newest first')
        t.check(all(re.match(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:?\d\d)$', d)
                    for d in dates), 'list dates are ISO 8601')
        keys = {'uid', 'date', 'from', 'to', 'subject', 'flags', 'size', 'has_attachments',
                'message_id'}
        t.check(all(keys <= set(r) for r in rows), 'list rows carry every contract field')
        subj = {r['subject'] for r in rows}
        t.check('Grüße aus Köln — raw 8-bit' in subj, 'raw 8-bit UTF-8 subject decoded', subj)
        t.check('Café crème' in subj, 'RFC 2047 ISO-8859-1 subject decoded')
        page = json_lines(cli(data_dir, '--json', 'list', 'alice', 'INBOX', '--limit', '10',
                              '--offset', '5', check=True))
        t.check([r['uid'] for r in page] == [r['uid'] for r in rows[5:15]],
                'list --limit/--offset pages the same order')

        # show --raw is byte-identical to BODY[]
        sample = [rows[0]['uid'], rows[len(rows) // 2]['uid'], rows[-1]['uid']]
        sample += [r['uid'] for r in rows if r['subject'] in ('broken mime zanzibar',
                                                             'Newsletter quetzal edition',
                                                             'deeply nested axolotl')]
        same = True
        for uid in sample:
            local = cli(data_dir, 'show', 'alice', 'INBOX', str(uid), '--raw').stdout
            if local != server_body(m, 'INBOX', uid):
                same = False
        t.check(same, 'show --raw is byte-identical to the server\'s BODY[] (%d messages)' %
                len(sample))
        news = [r for r in rows if r['subject'] == 'Newsletter quetzal edition'][0]
        t.check(news['message_id'] == 'news-1@example.test',
                'message_id is the bare Message-ID', news['message_id'])
        r = cli(data_dir, 'show', 'alice', 'INBOX', str(news['uid']))
        out = r.stdout.decode()
        t.check(r.returncode == 0 and 'quetzal' in out and '<b>' not in out and
                'alert(1)' not in out, 'show turns HTML into text without the script', out)
        broken = [r for r in rows if r['subject'] == 'broken mime zanzibar'][0]
        r = cli(data_dir, 'show', 'alice', 'INBOX', str(broken['uid']))
        t.check(r.returncode == 0 and 'visible part of a broken message' in r.stdout.decode(),
                'show reads a message with broken MIME')

        deep = [r for r in rows if r['subject'] == 'deeply nested axolotl']
        t.check(len(deep) == 1 and deep[0]['message_id'] == 'deep@example.test',
                'a message nested 60 levels deep is listed', deep)
        r = cli(data_dir, 'show', 'alice', 'INBOX', str(deep[0]['uid'])) if deep else None
        t.check(r is not None and r.returncode == 0 and 'level 59' in r.stdout.decode(),
                'show reads a message nested 60 levels deep',
                r.stderr.decode() if r is not None else None)

        # search
        def search(*q):
            return json_lines(cli(data_dir, '--json', 'search', *q, check=True))

        hits = search('zanzibar')
        t.check(len(hits) == 1 and hits[0]['subject'] == 'broken mime zanzibar' and
                hits[0]['account'] == 'alice' and hits[0]['folder'] == 'INBOX',
                'search finds a body/subject word with account and folder', hits)
        hits = search('quetzal', '--account', 'alice')
        t.check(any(h['subject'] == 'Newsletter quetzal edition' for h in hits),
                'search finds a word from an HTML-only body')
        hits = search('会议')
        t.check([h['subject'] for h in hits] == ['企鹅合作会议纪要'],
                'search finds a word inside a Chinese subject', hits)
        hits = search('预算审查')
        t.check([h['subject'] for h in hits] == ['企鹅合作会议纪要'],
                'search finds a word inside a GB2312 body', hits)
        hits = search('from:李明')
        t.check(len(hits) == 1 and hits[0]['from'].startswith('李明'),
                'search from: a Chinese name', hits)
        hits = search('from:juergen@example.test')
        t.check(len(hits) == 1, 'search from:', hits)
        flagged = {u for u, (f, _) in inbox_server.items() if '\\Flagged' in f}
        hits = search('is:flagged', '--folder', 'INBOX', '--limit', '1000')
        t.check({h['uid'] for h in hits} == flagged, 'search is:flagged matches the server',
                (len(hits), len(flagged)))
        hits = search('has:attachment', '--folder', 'INBOX', '--limit', '1000')
        t.check(len(hits) > 0 and all(h['has_attachments'] for h in hits),
                'search has:attachment')

        # -- changes behind Petrel's back, then a second sync
        m.select('INBOX')
        uids = sorted(inbox_server)
        m.uid('STORE', str(uids[0]), '+FLAGS', '(\\Flagged)')
        m.uid('STORE', str(uids[1]), '-FLAGS', '(\\Seen)')
        m.uid('STORE', str(uids[1]), '+FLAGS', '(\\Seen)')
        m.uid('STORE', str(uids[2]), '+FLAGS', '(\\Deleted)')
        m.expunge()
        m.append('INBOX', None, None, b'From: late@example.test\r\nSubject: late arrival '
                 b'okapi\r\nMessage-ID: <late@x>\r\n\r\nnew mail\r\n')
        m.delete('Projects')
        m.create('Projects')
        m.append('Projects', None, None, b'From: p@example.test\r\nSubject: reborn\r\n\r\nx\r\n')

        r = cli(data_dir, 'sync')
        t.check(r.returncode == 0, 'second sync (all accounts)', r.stderr.decode())
        rows = compare_folder(t, data_dir, m, 'INBOX', 'after changes')
        t.check(any(r['subject'] == 'late arrival okapi' for r in rows), 'new mail arrived')
        rows = compare_folder(t, data_dir, m, 'Projects', 'after UIDVALIDITY change')
        t.check([r['subject'] for r in rows] == ['reborn'],
                'a recreated folder (new UIDVALIDITY) holds only its new message', rows)

        r = cli(data_dir, 'sync', 'alice')
        t.check(r.returncode == 0, 'a sync with no changes succeeds')
        compare_folder(t, data_dir, m, 'INBOX', 'after a no-change sync')

        # -- what a no-change sync asks: INBOX's STATUS first (Dovecot answers it ten times
        # faster before a LIST), the folder list, one STATUS for each other folder; nothing
        # is selected
        def commands(r):
            text = (r.stdout + r.stderr).decode('utf-8', 'replace')
            return re.findall(r'petrel-imap-DEBUG: [^\n]*?: C: [A-Za-z]+\d+ ((?:UID )?[A-Z]+'
                              r'(?: [^ \n]+)?)', text)

        folders = [f['path'] for f in json_lines(cli(data_dir, '--json', 'folders', 'alice',
                                                      check=True))]
        debug = {'G_MESSAGES_DEBUG': 'petrel-imap'}
        r = C.cli(data_dir, 'sync', 'alice', env=debug, timeout=600)
        sent = commands(r)
        asked = [c.split(' ', 1)[1] for c in sent if c.startswith('STATUS ')]
        t.check(r.returncode == 0 and sent[:2] == ['AUTHENTICATE PLAIN', 'ENABLE CONDSTORE'] and
                sent[2] == 'STATUS INBOX' and sent[3].startswith('LIST ') and
                sorted(asked) == sorted(folders) and sent[-1] == 'LOGOUT' and
                not any(c.split(' ')[0] in ('SELECT', 'EXAMINE', 'FETCH', 'UID')
                        for c in sent),
                'a no-change sync: STATUS INBOX, LIST, a STATUS per folder, LOGOUT', sent)

        # -- after replaying a queued change, the folder it selected is left before the
        # STATUS commands (a STATUS of the selected mailbox may give the session's view);
        # the flag is on the server, and once that sync has caught up with the folder's new
        # HIGHESTMODSEQ the next one has nothing to do
        uid = json_lines(cli(data_dir, '--json', 'list', 'alice', 'INBOX', '--limit', '1',
                             check=True))[0]['uid']
        cli(data_dir, '--offline', 'flag', 'alice', 'INBOX', uid, '--add', 'flagged', check=True)
        r = C.cli(data_dir, 'sync', 'alice', env=debug, timeout=600)
        sent = commands(r)
        first_status = min(i for i, c in enumerate(sent) if c.startswith('STATUS '))
        t.check(r.returncode == 0 and 'UID STORE' in ' '.join(sent[:first_status]) and
                sent[first_status - 1] == 'UNSELECT',
                'a sync that replayed a change leaves the folder before asking STATUS', sent)
        compare_folder(t, data_dir, m, 'INBOX', 'after replaying a flag')
        r = C.cli(data_dir, 'sync', 'alice', env=debug, timeout=600)
        t.check(r.returncode == 0 and not any(c.startswith('SELECT') or c.startswith('EXAMINE')
                                              for c in commands(r)),
                'the sync after it finds nothing to do', commands(r))

        # -- a headers-only cache still finds body words, by asking the server
        add('lite', check=True)
        r = cli(data_dir, 'sync', 'lite', '--headers-only')
        t.check(r.returncode == 0, 'sync --headers-only', r.stderr.decode())
        r = cli(data_dir, '--json', 'list', 'lite', 'INBOX', '--limit', '1')
        t.check(r.returncode == 0 and len(json_lines(r)) == 1, 'headers-only sync lists mail')
        hits = json_lines(cli(data_dir, '--json', 'search', 'visible', '--account', 'lite',
                              check=True))
        t.check([h['subject'] for h in hits] == ['broken mime zanzibar'],
                'search finds a word of an uncached body on the server', hits)
        hits = json_lines(cli(data_dir, '--offline', '--json', 'search', 'visible', '--account',
                              'lite', check=True))
        t.check(hits == [], 'offline, only the cache is searched')
        uid = [r for r in json_lines(cli(data_dir, '--json', 'list', 'lite', 'INBOX', check=True))
               if r['subject'] == 'broken mime zanzibar'][0]['uid']
        r = cli(data_dir, '--offline', 'show', 'lite', 'INBOX', str(uid))
        t.check(r.returncode == 1 and b'not cached' in r.stderr,
                'show --offline of an uncached body says so', r.stderr.decode())
        r = cli(data_dir, 'show', 'lite', 'INBOX', str(uid), '--raw')
        t.check(r.returncode == 0 and r.stdout == server_body(m, 'INBOX', uid),
                'show fetches an uncached body on demand')
        cli(data_dir, 'account', 'remove', 'lite', check=True)

        # -- a big folder: its header FETCHes are in flight side by side and Dovecot
        # interleaves their responses; the store takes them newest batch first all the same
        # (the first 500 rows stored are the newest 500) and so threads them the same way
        # every time
        bob = servers.user(1)
        servers.seed(bob['user'], 'Big', count=4000, seed=9)
        orders = []
        for attempt in range(4):
            C.add_account(data_dir, servers, bob, 'big', check=True)
            r = cli(data_dir, 'sync', 'big', '--folder', 'Big', '--headers-only')
            t.check(r.returncode == 0, 'headers-only sync of 4,000 messages (%d)' % attempt,
                    r.stderr.decode())
            # A clean close copies the write-ahead log into store.db and empties it (the
            # file stays: #10). A process that exited while its sync thread was still closing
            # the store left megabytes in it (and, now and then, a store the next command
            # checked in full). A race: before the fix, up to two of these four syncs showed
            # it in a run, and now and then none.
            wal = os.path.join(data_dir, 'accounts', 'big', 'store.db-wal')
            wal_size = os.path.getsize(wal) if os.path.exists(wal) else 0
            t.check(wal_size == 0, 'sync closes the store before it exits: its log is empty '
                    '(%d)' % attempt, wal_size)
            db = sqlite3.connect('file:%s?mode=ro' % os.path.join(data_dir, 'accounts', 'big',
                                                                   'store.db'), uri=True)
            rows = db.execute('SELECT m.uid, m.conversation_id FROM messages m'
                              ' JOIN folders f ON f.id = m.folder_id WHERE f.path = \'Big\''
                              ' ORDER BY m.id').fetchall()
            db.close()
            uids = sorted(u for u, _ in rows)
            t.check(len(rows) == 4000 and sorted(u for u, _ in rows[:500]) == uids[-500:],
                    'the newest 500 messages are stored first (%d)' % attempt,
                    [u for u, _ in rows[:5]])
            orders.append(rows)
            cli(data_dir, 'account', 'remove', 'big', check=True)
        t.check(all(o == orders[0] for o in orders),
                'four first syncs store and thread the same way')

        # -- a first sync of a folder with holes in its UIDs (the last one too): EXISTS and
        # UIDNEXT no longer give the UID set, which must come from the server
        mb = imap_login(servers, bob)
        mb.create('Gaps')
        for i in range(6):
            mb.append('Gaps', None, None, b'From: g@example.test\r\nSubject: gap %d\r\n'
                      b'Message-ID: <gap%d@x>\r\n\r\nbody\r\n' % (i, i))
        mb.select('Gaps')
        mb.uid('STORE', '2,5:6', '+FLAGS', '(\\Deleted)')
        mb.expunge()
        mb.logout()
        C.add_account(data_dir, servers, bob, 'gaps', check=True)
        r = cli(data_dir, 'sync', 'gaps', '--folder', 'Gaps')
        t.check(r.returncode == 0, 'sync of a folder with expunged UIDs', r.stderr.decode())
        uids = sorted(x['uid'] for x in json_lines(cli(data_dir, '--json', 'list', 'gaps', 'Gaps',
                                                        check=True)))
        t.check(uids == [1, 3, 4], 'its first sync lists exactly the UIDs left', uids)
        cli(data_dir, 'account', 'remove', 'gaps', check=True)

        r = cli(data_dir, 'sync', 'alice', '--folder', 'NoSuchFolder')
        t.check(r.returncode == 1, 'sync --folder of a missing folder fails')
        m.logout()
    finally:
        servers.stop()

    # -- offline: the servers are gone
    r = cli(data_dir, '--json', 'list', 'alice', 'INBOX', '--limit', '3')
    t.check(r.returncode == 0 and len(json_lines(r)) == 3, 'list works with the server gone')
    uid = json_lines(r)[0]['uid']
    r = cli(data_dir, 'show', 'alice', 'INBOX', str(uid))
    t.check(r.returncode == 0 and r.stdout, 'show works with the server gone', r.stderr)
    r = cli(data_dir, '--offline', 'show', 'alice', 'INBOX', str(uid), '--raw')
    t.check(r.returncode == 0 and r.stdout, 'show --offline --raw works')
    r = cli(data_dir, '--json', 'search', 'okapi')
    t.check(r.returncode == 0 and len(json_lines(r)) == 1, 'search works with the server gone')
    r = cli(data_dir, 'sync', 'alice')
    t.check(r.returncode == 1 and len(r.stderr.decode().strip().splitlines()) == 1,
            'sync with the server gone fails with one line', r.stderr.decode())
    r = cli(data_dir, '--offline', 'sync', 'alice')
    t.check(r.returncode == 0, 'sync --offline is accepted and does nothing')
    r = subprocess.run(['sqlite3', os.path.join(data_dir, 'accounts', 'alice', 'store.db'),
                        'PRAGMA integrity_check'], stdout=subprocess.PIPE)
    if r.returncode == 0:
        t.check(r.stdout.strip() == b'ok', 'store.db integrity_check is ok')

    cli(data_dir, 'account', 'remove', 'alice', check=True)
    t.check(not os.path.exists(os.path.join(data_dir, 'accounts', 'alice')),
            'account remove deletes the cache')
    return t.finish()


if __name__ == '__main__':
    sys.exit(main())
