#!/usr/bin/python3
# test-composer.py: the composer against the loopback Dovecot and SMTP server (issue 9).
# A new message with an attachment is sent and read back over IMAP byte for byte; a reply
# carries In-Reply-To and References; a draft survives kill -9 (it is in Drafts and opens
# again); To completes from the addresses seen; `petrel 'mailto:…?attach=/etc/passwd'` fills a
# composer without attaching anything; Undo during the undo-send delay keeps the message back.
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import petrelui  # noqa: E402
from petrelui import dump, mailbox, type_into, with_subject  # noqa: E402
from dogtail import rawinput  # noqa: E402

APP = os.environ.get('PETREL_APP', 'petrel')


def composer_window(app, title):
    return app.wait_for_window(title)


def main():
    servers = petrelui.start_servers()
    if servers is None:
        return 77

    ok = petrelui.Tap()
    find = petrelui.find_showing
    env = {'PETREL_UNDO_SEND_DELAY': '0'}
    try:
        alice, bob = servers.user(0), servers.user(1)
        petrelui.append_message(
            servers, alice,
            b'From: Bob Stone <%s>\r\nTo: Alice <%s>\r\nSubject: Boat trip\r\n'
            b'Date: Sun, 22 Nov 2026 08:00:00 +0000\r\n'
            b'Message-ID: <trip2@example.test>\r\nReferences: <trip1@example.test>\r\n'
            b'\r\nShall we take the boat on Saturday?\r\n'
            % (bob['email'].encode(), alice['email'].encode()))

        with tempfile.TemporaryDirectory(prefix='petrel-ui-') as data_dir:
            petrelui.add_and_sync(ok, data_dir, servers, alice, name='Alice Lab')

            # A file with every byte value, so that any re-encoding shows.
            payload = bytes(range(256)) * 40 + b'\r\n\n\r end'
            attachment = os.path.join(data_dir, 'trip-plan.bin')
            with open(attachment, 'wb') as f:
                f.write(payload)

            with petrelui.App(data_dir, env=env) as app:
                window = app.wait_for_window('Petrel')
                row = app.wait_for(lambda: find(window, name='Boat trip', role='label'),
                                   timeout=60)
                ok.check(row is not None, 'the Inbox shows the message to answer')

                # -- a new message with an attachment
                new = app.wait_for(lambda: find(window, name='New Message',
                                                role='push button'))
                ok.check(new is not None, 'a New Message button with an accessible name')
                new.click()
                composer = composer_window(app, 'New Message')
                ok.check(composer is not None, 'the composer opens in its own window')
                to = find(composer, name='To', role='text')
                subject = find(composer, name='Subject', role='text')
                body = find(composer, name='Message Text', role='text')
                if not ok.check(None not in (to, subject, body),
                                'To, Subject and text have labels'):
                    dump(composer)
                    return ok.finish()
                type_into(to, bob['email'])
                type_into(subject, 'Harbour plan')
                composer = composer_window(app, 'Harbour plan')
                ok.check(composer is not None, 'the window title follows the subject')
                type_into(body, 'Here is the plan, see the file.')

                attach = find(composer, name='Attach Files…', role='push button')
                ok.check(attach is not None, 'an Attach button with an accessible name')
                attach.click()
                chooser = app.wait_for_window('Attach Files')
                ok.check(chooser is not None, 'the file chooser opens')
                time.sleep(1)
                rawinput.keyCombo('<Control>l')
                time.sleep(0.5)
                rawinput.typeText(attachment)
                time.sleep(0.5)
                rawinput.pressKey('Return')
                row = app.wait_for(lambda: find(composer, name='trip-plan.bin'), timeout=20)
                ok.check(row is not None, 'the file is listed as an attachment')
                size = app.wait_for(lambda: find(composer, prefix='1 attachment,'))
                ok.check(size is not None and '10.2' in size.name and 'kB' in size.name,
                         'with its size (%s)' % (size.name if size is not None else None))
                # The pointer off the buttons: no tooltip in the picture.
                rawinput.absoluteMotion(body.position[0] + 200, body.position[1] + 200)
                petrelui.keep_screenshot(petrelui.screenshot('composer', crop=composer))

                body.click()
                rawinput.keyCombo('<Control>Return')
                ok.check(app.wait_for(lambda: find(window, name='Message sent'), timeout=60)
                         is not None, 'Ctrl+Enter sends; a toast says the message was sent')
                got = app.wait_for(lambda: with_subject(mailbox(servers, bob), 'Harbour plan'),
                                   timeout=30)
                ok.check(got and len(got) == 1, 'the message reaches the recipient once')
                if got:
                    msg = got[0]['msg']
                    parts = [p for p in msg.iter_attachments()]
                    ok.check(len(parts) == 1 and parts[0].get_filename() == 'trip-plan.bin',
                             'with the attachment named as the file')
                    ok.check(parts and parts[0].get_content() == payload,
                             'read back over IMAP, the attachment is the file byte for byte')
                    text = msg.get_body(('plain',)).get_content()
                    ok.check('Here is the plan' in text, 'and the text')
                sent = app.wait_for(lambda: with_subject(mailbox(servers, alice, 'Sent'),
                                                         'Harbour plan'), timeout=30)
                ok.check(sent and len(sent) == 1, 'one copy lands in Sent')

                # -- reply keeps the thread
                row = find(window, name='Boat trip', role='label')
                row.click()
                reply = app.wait_for(lambda: find(window, name='Reply', role='push button'))
                ok.check(reply is not None, 'a Reply button with an accessible name')
                reply.click()
                # Written inline, below the message (test-inline-reply.py has the details).
                composer = app.wait_for(lambda: find(window, name='Composer'))
                ok.check(composer is not None and
                         app.wait_for(lambda: find(composer, name='Re: Boat trip',
                                                   role='label')) is not None,
                         'the reply opens with "Re: Boat trip"')
                body = find(composer, name='Message Text', role='text') if composer else None
                quoted = app.wait_for(lambda: 'wrote:' in petrelui.node_text(body) and
                                      petrelui.node_text(body)) or ''
                ok.check('> Shall we take the boat on Saturday?' in quoted and
                         'Bob Stone wrote:' in quoted, 'the original is quoted and attributed')
                type_into(body, 'Yes, Saturday works.')
                rawinput.keyCombo('<Control>Return')
                petrelui.check_reply(ok, app, servers, bob, 'Re: Boat trip',
                                     '<trip2@example.test>', ['<trip1@example.test>'])

                # -- a draft, then kill -9
                new = find(window, name='New Message', role='push button')
                new.click()
                composer = composer_window(app, 'New Message')
                type_into(find(composer, name='To', role='text'), bob['email'])
                type_into(find(composer, name='Subject', role='text'), 'Unfinished thoughts')
                type_into(find(composer, name='Message Text', role='text'),
                          'Half a sentence about')
                # Saved a few seconds after the last change: wait for the version with the text.
                drafts = app.wait_for(lambda: [
                    x for x in with_subject(mailbox(servers, alice, 'Drafts'),
                                            'Unfinished thoughts')
                    if b'Half a sentence about' in x['raw']], timeout=30)
                ok.check(drafts and len(drafts) == 1, 'the draft is saved to Drafts by itself')
                app.process.send_signal(signal.SIGKILL)
                app.process.wait()

            drafts = with_subject(mailbox(servers, alice, 'Drafts'), 'Unfinished thoughts')
            ok.check(len(drafts) == 1 and '\\Draft' in drafts[0]['flags'],
                     'after kill -9 it is in Drafts, once, flagged \\Draft')

            with petrelui.App(data_dir, env={'PETREL_UNDO_SEND_DELAY': '3'}) as app:
                window = app.wait_for_window('Petrel')
                folder = app.wait_for(lambda: find(window, name='Drafts', role='label'),
                                      timeout=60)
                ok.check(folder is not None, 'the Drafts folder is listed')
                folder.click()
                row = app.wait_for(lambda: find(window, name='Unfinished thoughts',
                                                role='label'), timeout=60)
                ok.check(row is not None, 'the draft is in the Drafts folder after a restart')
                if row is not None:
                    row.click()
                    time.sleep(1)
                    rawinput.pressKey('e')
                composer = composer_window(app, 'Unfinished thoughts')
                ok.check(composer is not None, 'and opens again in the composer (e)')
                body = find(composer, name='Message Text', role='text') if composer else None
                ok.check(body is not None and
                         app.wait_for(lambda: 'Half a sentence about' in
                                      petrelui.node_text(body)) is not None,
                         'with its text')
                if body is None or 'Half a sentence' not in petrelui.node_text(body):
                    sys.stderr.write('body: %r\n' % (petrelui.node_text(body) if body else None))
                    dump(composer)

                # -- address completion from the addresses seen
                # (no window manager: windows overlap at 0,0, so close the draft first)
                close = find(composer, name='Close', role='push button') if composer else None
                if close is not None:
                    close.click()
                ok.check(app.wait_for(lambda: find(app.root, name='Unfinished thoughts',
                                                   role='frame') is None) is True,
                         'an unchanged draft closes at once')
                new = find(window, name='New Message', role='push button')
                new.click()
                composer = composer_window(app, 'New Message')
                to = find(composer, name='To', role='text') if composer else None
                if to is not None:
                    type_into(to, 'sto')
                suggestion = app.wait_for(lambda: find(composer, name='Bob Stone',
                                                       role='label'), timeout=20)
                if not ok.check(suggestion is not None,
                                'typing "sto" in To suggests Bob Stone (a word of the name)'):
                    dump(app.root)
                ok.check(composer is not None and
                         find(composer, name='Address Suggestions') is not None,
                         'in a list with an accessible name')
                rawinput.pressKey('Escape')
                close = find(composer, name='Close', role='push button') if composer else None
                if close is not None:
                    close.click()
                app.wait_for(lambda: find(app.root, name='New Message', role='frame') is None)

                # -- mailto: with attach
                r = subprocess.run([APP, 'mailto:%s?subject=Link%%20test&body=From%%20a%%20page'
                                    '&attach=/etc/passwd&attachment=/etc/passwd' % bob['email']],
                                   env=dict(os.environ, PETREL_DATA_DIR=data_dir),
                                   capture_output=True, timeout=30)
                ok.check(r.returncode == 0, 'petrel mailto:… hands the link to the running app')
                composer = composer_window(app, 'Link test')
                ok.check(composer is not None, 'a composer opens, filled from the link')
                ok.check(composer is not None and
                         find(composer, prefix='The link asked to attach a file') is not None,
                         'a visible notice says the attachment was refused')
                ok.check(composer is not None and find(composer, name='passwd') is None and
                         find(composer, prefix='1 attachment') is None, 'nothing is attached')
                time.sleep(1)
                ok.check(not with_subject(mailbox(servers, bob), 'Link test'),
                         'and nothing is sent without pressing Send')

                # -- undo-send: this session has a 3 s delay
                send = find(composer, prefix='Send', role='push button') if composer else None
                if send is not None:
                    send.click()
                undo = app.wait_for(lambda: find(window, contains='Undo', role='push button'),
                                    timeout=10)
                ok.check(undo is not None, 'Send shows a toast with Undo during the delay')
                if undo is not None:
                    undo.click()
                composer = composer_window(app, 'Link test')
                ok.check(composer is not None and composer.showing,
                         'Undo brings the composer back')
                time.sleep(5)
                ok.check(not with_subject(mailbox(servers, bob), 'Link test'),
                         'and nothing reaches the server')
                send = find(composer, prefix='Send', role='push button') if composer else None
                if send is not None:
                    send.click()
                got = app.wait_for(lambda: with_subject(mailbox(servers, bob), 'Link test'),
                                   timeout=30)
                ok.check(got and len(got) == 1 and
                         'From a page' in got[0]['msg'].get_body(('plain',)).get_content(),
                         'sent again, it arrives once after the delay')
                ok.check(app.process.poll() is None, 'petrel still running')
    finally:
        servers.stop()
    return ok.finish()


if __name__ == '__main__':
    sys.exit(main())
