#!/usr/bin/python3
# test-cli-send.py: petrel-cli send/outbox through the real loopback submission server, read
# back from the real Dovecot over IMAP: content, attachments, Bcc, refused recipients, the copy
# in Sent, offline queueing, undo-send, header injection and replies.
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import email
import email.policy
import hashlib
import os
import re
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clitest as C  # noqa: E402
from clitest import cli, json_lines as jl  # noqa: E402


def mailbox(servers, user, folder='INBOX'):
    """Every message of a user's folder, parsed, with its raw bytes and flags."""
    m = C.imap_login(servers, user)
    typ, _ = m.select('"%s"' % folder, readonly=True)
    out = []
    if typ == 'OK':
        typ, data = m.uid('FETCH', '1:*', '(UID FLAGS BODY.PEEK[])')
        for item in data:
            if isinstance(item, tuple):
                flags = re.search(r'FLAGS \(([^)]*)\)', item[0].decode()).group(1).split()
                uid = int(re.search(r'UID (\d+)', item[0].decode()).group(1))
                msg = email.message_from_bytes(item[1], policy=email.policy.default)
                out.append({'uid': uid, 'flags': flags, 'raw': item[1], 'msg': msg})
    m.logout()
    return out


def with_subject(msgs, subject):
    return [x for x in msgs if x['msg']['subject'] == subject]


def add_account(data_dir, servers, user, account_id, password=None):
    return C.add_account(data_dir, servers, user, account_id, password=password,
                         name=user.get('name') or user['user'])


def main():
    t = C.Tap()
    servers = C.start_servers()
    if servers is None:
        return 77

    d = tempfile.mkdtemp(prefix='petrel-send-')
    alice, bob, carol = servers.user(0), servers.user(1), servers.user(2)
    try:
        r = add_account(d, servers, alice, 'alice')
        t.check(r.returncode == 0, 'account add', r.stderr.decode())
        cli(d, 'sync', 'alice')

        # -- plain text to To/Cc/Bcc, non-ASCII everywhere, an attachment
        att = os.path.join(d, 'Übersicht 2026.bin')
        payload = bytes(range(256)) * 40 + b'\x00\xff\r\n\r.\n'
        with open(att, 'wb') as f:
            f.write(payload)
        body = 'Grüße, Bob!\n.\n..leading dots\nA line — with ünïcödé 🐦.\n'
        r = cli(d, '--json', 'send', '--account', 'alice', '--to', bob['email'],
                '--cc', carol['email'], '--bcc', alice['email'],
                '--subject', 'Planung für Q4 — 日本語', '--attach', att, stdin=body.encode())
        t.check(r.returncode == 0, 'send', r.stderr.decode())
        res = jl(r)
        t.check(res and res[0]['state'] in ('sent', 'done'), 'the outbox says it was sent', res)

        got = with_subject(mailbox(servers, bob), 'Planung für Q4 — 日本語')
        t.check(len(got) == 1, 'delivered to To exactly once')
        if got:
            msg = got[0]['msg']
            text = msg.get_body(('plain',)).get_content()
            t.check(text.replace('\r\n', '\n').rstrip('\n') == body.rstrip('\n'),
                    'body text arrives intact (dots, UTF-8, emoji)', repr(text))
            parts = [p for p in msg.iter_attachments()]
            t.check(len(parts) == 1 and parts[0].get_filename() == 'Übersicht 2026.bin' and
                    parts[0].get_content() == payload,
                    'attachment arrives byte for byte with its non-ASCII name')
            t.check('Bcc' not in msg and alice['email'] not in str(msg.get('To', '')) + str(
                msg.get('Cc', '')), 'no Bcc in the delivered headers')
            t.check(msg['From'].addresses[0].addr_spec == alice['email'], 'From is the account')
        t.check(len(with_subject(mailbox(servers, carol), 'Planung für Q4 — 日本語')) == 1,
                'delivered to Cc')
        t.check(len(with_subject(mailbox(servers, alice), 'Planung für Q4 — 日本語')) == 1,
                'delivered to Bcc')
        sent = with_subject(mailbox(servers, alice, 'Sent'), 'Planung für Q4 — 日本語')
        t.check(len(sent) == 1 and '\\Seen' in sent[0]['flags'], 'exactly one copy in Sent')
        t.check(sent and 'Bcc' not in sent[0]['msg'], 'the copy in Sent has no Bcc header either')

        # -- one refused recipient: the others still get it
        r = cli(d, '--json', 'send', '--account', 'alice', '--to', bob['email'],
                'nobody-here@example.test', '--subject', 'partly refused', stdin=b'hi\n')
        t.check(r.returncode == 0 and 'nobody-here@example.test' in r.stderr.decode(),
                'a refused recipient is reported', r.stderr.decode())
        t.check(len(with_subject(mailbox(servers, bob), 'partly refused')) == 1,
                'the accepted recipient still got it')

        # -- header injection through the subject and a name
        r = cli(d, 'send', '--account', 'alice', '--to', bob['email'],
                '--subject', 'inject\r\nBcc: evil@example.test\r\nX-Evil: 1', stdin=b'x\n')
        msgs = [x for x in mailbox(servers, bob) if 'inject' in str(x['msg']['subject'])]
        t.check(len(msgs) == 1 and 'X-Evil' not in msgs[0]['msg'] and
                'Bcc' not in msgs[0]['msg'] and
                len(msgs[0]['msg'].get_all('Subject')) == 1,
                'CR/LF in the subject cannot create headers', r.stderr.decode())
        r = cli(d, 'send', '--account', 'alice', '--to', 'bob@example.test\r\nRCPT TO:<x@y>',
                '--subject', 'bad address', stdin=b'x\n')
        t.check(r.returncode != 0, 'an address with CR/LF is refused')

        # -- offline: queued, delivered by sync, once
        r = cli(d, '--offline', '--json', 'send', '--account', 'alice', '--to', bob['email'],
                '--subject', 'written offline', stdin=b'later\n')
        t.check(r.returncode == 0 and jl(r)[0]['state'] == 'queued', 'offline send is queued')
        t.check(not with_subject(mailbox(servers, bob), 'written offline'),
                'nothing reached the server yet')
        r = cli(d, 'sync', 'alice')
        t.check(r.returncode == 0, 'sync sends the outbox', r.stderr.decode())
        t.check(len(with_subject(mailbox(servers, bob), 'written offline')) == 1 and
                len(with_subject(mailbox(servers, alice, 'Sent'), 'written offline')) == 1,
                'delivered once and saved to Sent once')
        cli(d, 'sync', 'alice')
        t.check(len(with_subject(mailbox(servers, bob), 'written offline')) == 1 and
                len(with_subject(mailbox(servers, alice, 'Sent'), 'written offline')) == 1,
                'a second sync sends nothing again')

        # -- undo send within the delay
        r = cli(d, '--json', 'send', '--account', 'alice', '--to', bob['email'],
                '--subject', 'take it back', stdin=b'oops\n', env={'PETREL_UNDO_SEND_DELAY': '60'})
        item = jl(r)[0] if r.returncode == 0 and jl(r) else None
        t.check(item is not None and item['state'] == 'queued',
                'with an undo-send delay the message waits', r.stderr.decode())
        if item:
            r = cli(d, 'outbox', 'cancel', 'alice', str(item['id']))
            t.check(r.returncode == 0, 'outbox cancel', r.stderr.decode())
        cli(d, 'sync', 'alice')
        t.check(not with_subject(mailbox(servers, bob), 'take it back'),
                'a cancelled message never reaches the server')
        t.check(all(i['subject'] != 'take it back' for i in jl(cli(d, '--json', 'outbox',
                                                                   'alice'))),
                'and it is gone from the outbox')

        # -- reply
        m = C.imap_login(servers, alice)
        m.append('INBOX', None, None,
                 b'From: Bob <%s>\r\nTo: %s\r\nSubject: question\r\n'
                 b'Message-ID: <q1@example.test>\r\nReferences: <q0@example.test>\r\n\r\n'
                 b'Can you?\r\n' % (bob['email'].encode(), alice['email'].encode()))
        m.logout()
        cli(d, 'sync', 'alice')
        rows = jl(cli(d, '--json', 'list', 'alice', 'INBOX'))
        q = [x for x in rows if x['subject'] == 'question'][0]
        r = cli(d, 'send', '--account', 'alice', '--to', bob['email'], '--subject', 'Re: question',
                '--in-reply-to', 'alice', 'INBOX', str(q['uid']), stdin=b'Yes.\n')
        t.check(r.returncode == 0, 'send --in-reply-to', r.stderr.decode())
        rep = with_subject(mailbox(servers, bob), 'Re: question')
        t.check(len(rep) == 1 and rep[0]['msg']['In-Reply-To'] == '<q1@example.test>' and
                '<q0@example.test>' in rep[0]['msg']['References'] and
                '<q1@example.test>' in rep[0]['msg']['References'],
                'the reply carries In-Reply-To and References',
                rep and (rep[0]['msg']['In-Reply-To'], rep[0]['msg']['References']))
        orig = with_subject(mailbox(servers, alice), 'question')
        t.check(orig and '\\Answered' in orig[0]['flags'], 'the original is marked answered')

        # -- reply-all, forward (inline and as attachment), HTML alternative
        m = C.imap_login(servers, alice)
        m.append('INBOX', None, None,
                 b'From: Bob <%s>\r\nTo: %s\r\nCc: %s, %s\r\nSubject: Re: plans\r\n'
                 b'Message-ID: <p1@example.test>\r\nMIME-Version: 1.0\r\n'
                 b'Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n'
                 b'Content-Type: text/plain\r\n\r\nSee the map.\r\n--b\r\n'
                 b'Content-Type: image/png\r\nContent-Disposition: attachment; filename=map.png'
                 b'\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--b--\r\n'
                 % (bob['email'].encode(), alice['email'].encode(), carol['email'].encode(),
                    alice['email'].upper().encode()))
        m.logout()
        cli(d, 'sync', 'alice')
        rows = jl(cli(d, '--json', 'list', 'alice', 'INBOX'))
        p = [x for x in rows if x['subject'] == 'Re: plans'][0]
        r = cli(d, 'send', '--account', 'alice', '--in-reply-to', 'alice', 'INBOX', str(p['uid']),
                '--reply-all', stdin=b'Count me in.\n')
        t.check(r.returncode == 0, 'send --in-reply-to --reply-all', r.stderr.decode())
        rep = with_subject(mailbox(servers, bob), 'Re: plans')
        t.check(len(rep) == 1 and carol['email'] in str(rep[0]['msg']['Cc']) and
                alice['email'] not in (str(rep[0]['msg']['To']) + str(rep[0]['msg']['Cc'])).lower(),
                'reply-all goes to the author and Cc, never to oneself',
                rep and (rep[0]['msg']['To'], rep[0]['msg']['Cc']))
        text = rep[0]['msg'].get_body(('plain',)).get_content() if rep else ''
        t.check(text.startswith('Count me in.') and '> See the map.' in text and 'wrote:' in text,
                'the reply quotes the original under an attribution line', repr(text))

        r = cli(d, 'send', '--account', 'alice', '--forward', 'alice', 'INBOX', str(p['uid']),
                '--to', carol['email'], stdin=b'FYI\n')
        t.check(r.returncode == 0, 'send --forward', r.stderr.decode())
        fwd = with_subject(mailbox(servers, carol), 'Fwd: Re: plans')
        t.check(len(fwd) == 1 and [a.get_filename() for a in fwd[0]['msg'].iter_attachments()] ==
                ['map.png'] and 'Forwarded message' in
                fwd[0]['msg'].get_body(('plain',)).get_content(),
                'an inline forward carries the header block and the attachments')
        r = cli(d, 'send', '--account', 'alice', '--forward', 'alice', 'INBOX', str(p['uid']),
                '--forward-as-attachment', '--to', carol['email'], '--subject', 'as eml',
                stdin=b'')
        t.check(r.returncode == 0, 'send --forward-as-attachment', r.stderr.decode())
        fwd = with_subject(mailbox(servers, carol), 'as eml')
        parts = list(fwd[0]['msg'].iter_attachments()) if fwd else []
        t.check(len(parts) == 1 and parts[0].get_content_type() == 'message/rfc822' and
                parts[0].get_content()['Message-ID'] == '<p1@example.test>',
                'forward as attachment sends the original as message/rfc822')
        html = os.path.join(d, 'note.html')
        with open(html, 'w') as f:
            f.write('<p>Hello <b>bold</b> world</p>')
        r = cli(d, 'send', '--account', 'alice', '--to', bob['email'], '--subject', 'html note',
                '--html-file', html, stdin=b'Hello bold world\n')
        got = with_subject(mailbox(servers, bob), 'html note')
        t.check(r.returncode == 0 and len(got) == 1 and
                '<b>bold</b>' in got[0]['msg'].get_body(('html',)).get_content() and
                'Hello bold world' in got[0]['msg'].get_body(('plain',)).get_content(),
                'send --html-file adds an HTML alternative to the text')
        r = cli(d, 'send', '--account', 'alice', '--to', bob['email'], '--subject', 'x',
                '--reply-all', stdin=b'x')
        t.check(r.returncode == 2, '--reply-all without --in-reply-to is a usage error')

        # -- drafts: saved here at once and on the server, one copy per draft, ever
        r = cli(d, '--json', 'draft', 'save', '--account', 'alice', '--to', bob['email'],
                '--bcc', carol['email'], '--subject', 'draft v1', stdin=b'first version\n')
        t.check(r.returncode == 0 and jl(r)[0]['state'] == 'draft-saved',
                'draft save stores and uploads', r.stderr.decode())
        draft = jl(r)[0]['id'] if r.returncode == 0 else 0
        drafts = mailbox(servers, alice, 'Drafts')
        t.check(len(drafts) == 1 and '\\Draft' in drafts[0]['flags'],
                'one copy in Drafts, flagged \\Draft')
        r = cli(d, '--json', 'draft', 'save', '--account', 'alice', '--replace', str(draft),
                '--to', bob['email'], '--bcc', carol['email'], '--subject', 'draft v2',
                stdin=b'second version\n')
        draft = jl(r)[0]['id'] if r.returncode == 0 else 0
        drafts = mailbox(servers, alice, 'Drafts')
        t.check(r.returncode == 0 and len(drafts) == 1 and
                drafts[0]['msg']['subject'] == 'draft v2',
                'a new version replaces the copy on the server', [x['msg']['subject'] for x in drafts])
        r = cli(d, '--offline', '--json', 'draft', 'save', '--account', 'alice', '--replace',
                str(draft), '--to', bob['email'], '--bcc', carol['email'],
                '--subject', 'draft v3', stdin=b'third version\n')
        draft = jl(r)[0]['id'] if r.returncode == 0 else 0
        t.check(r.returncode == 0 and jl(r)[0]['state'] == 'draft' and
                mailbox(servers, alice, 'Drafts')[0]['msg']['subject'] == 'draft v2',
                'offline, the new version waits here')
        cli(d, 'sync', 'alice')
        drafts = mailbox(servers, alice, 'Drafts')
        t.check([x['msg']['subject'] for x in drafts] == ['draft v3'],
                'the next sync replaces it: still one copy', [x['msg']['subject'] for x in drafts])
        listed = jl(cli(d, '--json', 'draft', 'list', 'alice'))
        t.check([x['subject'] for x in listed] == ['draft v3'], 'draft list', listed)
        r = cli(d, '--json', 'draft', 'send', 'alice', str(draft))
        t.check(r.returncode == 0 and
                len(with_subject(mailbox(servers, bob), 'draft v3')) == 1 and
                len(with_subject(mailbox(servers, carol), 'draft v3')) == 1,
                'draft send delivers it, Bcc included', r.stderr.decode())
        t.check(mailbox(servers, alice, 'Drafts') == [] and
                jl(cli(d, '--json', 'draft', 'list', 'alice')) == [],
                'and removes it from Drafts, there and here')
        r = cli(d, '--json', 'draft', 'save', '--account', 'alice', '--subject', 'to discard',
                stdin=b'x\n')
        gone = jl(r)[0]['id']
        r = cli(d, 'draft', 'delete', 'alice', str(gone))
        t.check(r.returncode == 0 and mailbox(servers, alice, 'Drafts') == [],
                'draft delete removes the server copy')

        # -- wrong password: kept in the outbox with the reason
        r = add_account(d, servers, alice, 'wrong', password='not-the-password')
        r = cli(d, '--json', 'send', '--account', 'wrong', '--to', bob['email'],
                '--subject', 'never', stdin=b'x\n')
        items = jl(cli(d, '--json', 'outbox', 'wrong'))
        t.check(r.returncode == 0 and len(items) == 1 and items[0]['state'] == 'queued' and
                items[0]['error'], 'a wrong password keeps the message queued with the reason',
                (r.stderr.decode(), items))
        t.check(not with_subject(mailbox(servers, bob), 'never'), 'and sends nothing')
        t.check(cli(d, 'outbox', 'cancel', 'wrong', '999').returncode == 1,
                'cancelling an unknown outbox item fails')
        t.check(cli(d, 'send', '--account', 'alice', '--subject', 'x').returncode == 2,
                'send without recipients is a usage error')
    finally:
        servers.stop()
    return t.finish()


if __name__ == '__main__':
    sys.exit(main())
