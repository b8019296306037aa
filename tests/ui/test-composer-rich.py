#!/usr/bin/python3
# test-composer-rich.py: rich text in the composer (issue 9), against the loopback Dovecot and
# SMTP server. With the compose-rich-text setting on, a message written with bold text, a
# bulleted list, a link and text that looks like HTML is sent and read back over IMAP as
# multipart/alternative: a readable format=flowed text/plain and a small HTML part with <b>,
# <ul><li>, <a href> and the user's text escaped. A reply quotes as <blockquote>. A rich draft
# opens again with its formatting. Switching to plain text warns first. After one
# connection the server's SIZE limit is known and the composer warns against it.
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import re
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import petrelui  # noqa: E402
from petrelui import dump, mailbox, type_into, with_subject  # noqa: E402
from dogtail import rawinput  # noqa: E402

SIZE_LIMIT = 9000


def parts(msg):
    """(text/plain, text/html) of a message, as str; None for a missing one."""
    plain = msg.get_body(('plain',))
    html = msg.get_body(('html',))
    return (plain.get_content() if plain is not None else None,
            html.get_content() if html is not None else None)


def is_checked(node):
    """Whether a toggle button is on (GTK 4.8 shows toggle buttons as push buttons with the
    pressed or checked state)."""
    try:
        import pyatspi
        states = node.getState()
        return states.contains(pyatspi.STATE_CHECKED) or states.contains(pyatspi.STATE_PRESSED)
    except Exception:
        return None


def main():
    servers = petrelui.start_servers()
    if servers is None:
        return 77

    ok = petrelui.Tap()
    find = petrelui.find_showing
    try:
        alice, bob = servers.user(0), servers.user(1)
        petrelui.append_message(
            servers, alice,
            b'From: Bob Stone <%s>\r\nTo: Alice <%s>\r\nSubject: Tide tables\r\n'
            b'Date: Sun, 22 Nov 2026 08:00:00 +0000\r\n'
            b'Message-ID: <tide1@example.test>\r\n'
            b'\r\nHigh water is at 6 <b>sharp</b>.\r\n'
            % (bob['email'].encode(), alice['email'].encode()))
        # The limit the outbox is to remember (the default is 25 MiB).
        servers.command('smtp-size', limit=SIZE_LIMIT)

        with tempfile.TemporaryDirectory(prefix='petrel-ui-') as data_dir:
            petrelui.add_and_sync(ok, data_dir, servers, alice)

            # compose-rich-text on, in a settings file the app reads.
            settings_dir = os.path.join(data_dir, '.config', 'glib-2.0', 'settings')
            os.makedirs(settings_dir, exist_ok=True)
            with open(os.path.join(settings_dir, 'keyfile'), 'w') as f:
                f.write('[org/petrelmail/Petrel]\ncompose-rich-text=true\n')
            big = os.path.join(data_dir, 'soundings.bin')
            with open(big, 'wb') as f:
                f.write(os.urandom(12000))

            env = {'PETREL_UNDO_SEND_DELAY': '0', 'GSETTINGS_BACKEND': 'keyfile'}
            with petrelui.App(data_dir, env=env) as app:
                window = app.wait_for_window('Petrel')
                app.wait_for(lambda: find(window, name='Tide tables', role='label'), timeout=60)

                # -- a new rich message
                find(window, name='New Message', role='push button').click()
                composer = app.wait_for_window('New Message')
                ok.check(composer is not None, 'the composer opens')
                rich = find(composer, name='Rich Text', role='push button')
                ok.check(rich is not None and is_checked(rich),
                         'with the setting on, it starts in rich text (a "Rich Text" toggle)')
                bold = find(composer, name='Bold', role='push button')
                bullets = find(composer, name='Bulleted List', role='push button')
                link = find(composer, name='Insert Link…', role='push button')
                if not ok.check(None not in (bold, bullets, link),
                                'a formatting bar: Bold, Bulleted List, Insert Link…'):
                    dump(composer)
                    return ok.finish()
                for name in ('Italic', 'Underline', 'Strikethrough', 'Numbered List', 'Quote'):
                    ok.check(find(composer, name=name, role='push button') is not None,
                             'and %s' % name)
                ok.check(find(composer, name='Clear Formatting', role='push button') is not None,
                         'and Clear Formatting')

                type_into(find(composer, name='To', role='text'), bob['email'])
                type_into(find(composer, name='Subject', role='text'), 'Rich harbour plan')
                composer = app.wait_for_window('Rich harbour plan')
                body = find(composer, name='Message Text', role='text')
                body.click()
                time.sleep(0.3)
                rawinput.keyCombo('<Control>b')
                rawinput.typeText('Bold words')
                ok.check(is_checked(bold), 'Ctrl+B turns Bold on (the button shows it)')
                rawinput.keyCombo('<Control>b')
                rawinput.typeText(' then <script>alert(1)</script> & "more"')
                rawinput.pressKey('Return')
                bullets.click()
                rawinput.typeText('first item')
                rawinput.pressKey('Return')
                rawinput.typeText('second item')
                rawinput.pressKey('Return')
                rawinput.pressKey('Return')  # an empty item ends the list
                rawinput.typeText('See ')
                link.click()
                dialog = app.wait_for_window('Insert Link')
                ok.check(dialog is not None, 'Insert Link asks for the address')
                entry = find(dialog, name='Link Address', role='text') if dialog else None
                if entry is not None:
                    type_into(entry, 'example.org/harbour?a=1&b=2')
                    rawinput.pressKey('Return')
                time.sleep(0.5)
                rawinput.typeText(' for details.')
                rawinput.absoluteMotion(body.position[0] + 300, body.position[1] + 200)
                time.sleep(0.5)
                petrelui.keep_screenshot(petrelui.screenshot('composer-rich', crop=composer))
                text = petrelui.node_text(body)
                ok.check('https://example.org/harbour?a=1&b=2' in text and 'first item' in text,
                         'the text shows what was typed and the link (%r)' % text)

                rawinput.keyCombo('<Control>Return')
                ok.check(app.wait_for(lambda: find(window, name='Message sent'), timeout=60)
                         is not None, 'sent')
                got = app.wait_for(lambda: with_subject(mailbox(servers, bob),
                                                        'Rich harbour plan'), timeout=30)
                ok.check(got and len(got) == 1, 'the message reaches the recipient once')
                if got:
                    msg = got[0]['msg']
                    plain, html = parts(msg)
                    ok.check(msg.get_content_type() == 'multipart/alternative',
                             'as multipart/alternative (%s)' % msg.get_content_type())
                    ok.check(plain is not None and html is not None,
                             'with a text/plain and a text/html part')
                    plain = plain or ''
                    html = html or ''
                    plain_part = msg.get_body(('plain',))
                    ok.check(plain_part is not None and
                             plain_part.get_param('format') == 'flowed',
                             'the text part is format=flowed')
                    ok.check('*Bold words*' in plain and
                             '<script>alert(1)</script> & "more"' in plain,
                             'the text has the bold words marked and the user text as typed')
                    ok.check('* first item' in plain and '* second item' in plain,
                             'list items as "* " lines (%r)' % plain)
                    ok.check('See https://example.org/harbour?a=1&b=2 for details.' in plain,
                             'and the link as its address')
                    ok.check(re.search(r'<(b|strong)>Bold words</(b|strong)>', html) is not None,
                             'the HTML has <b>Bold words</b>')
                    ok.check(re.search(r'<ul>\s*<li>first item</li>\s*<li>second item</li>\s*'
                                       r'</ul>', html) is not None,
                             'a <ul> with the two <li>')
                    ok.check('<a href="https://example.org/harbour?a=1&amp;b=2">' in html,
                             'an <a href> with the address, escaped')
                    ok.check('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;more&quot;'
                             in html, 'the user text is escaped')
                    lowered = html.lower()
                    ok.check('<script' not in lowered and 'style=' not in lowered and
                             'http://' not in lowered and '<img' not in lowered and
                             'src=' not in lowered,
                             'no script, no style, nothing remote in the HTML')

                # -- the SIZE limit is now known: the composer warns against it
                find(window, name='New Message', role='push button').click()
                composer = app.wait_for_window('New Message')
                find(composer, name='Attach Files…', role='push button').click()
                chooser = app.wait_for_window('Attach Files')
                time.sleep(1)
                rawinput.keyCombo('<Control>l')
                time.sleep(0.5)
                rawinput.typeText(big)
                time.sleep(0.5)
                rawinput.pressKey('Return')
                ok.check(chooser is not None and
                         app.wait_for(lambda: find(composer, name='soundings.bin'), timeout=20)
                         is not None, 'a 12 kB file attached')
                warning = app.wait_for(lambda: find(composer,
                                                    prefix='The server accepts messages up to'))
                ok.check(warning is not None and '9.0' in warning.name and
                         '16.0' in warning.name,
                         'a warning names the server\'s own limit (%s)'
                         % (warning.name if warning else None))

                # -- rich to plain asks first
                body = find(composer, name='Message Text', role='text')
                body.click()
                rawinput.keyCombo('<Control>i')
                rawinput.typeText('slanted')
                rich = find(composer, name='Rich Text', role='push button')
                rich.click()
                dialog = app.wait_for_window('Switch to Plain Text?')
                ok.check(dialog is not None, 'switching to plain text warns that formatting goes')
                cancel = find(dialog, contains='Cancel', role='push button') if dialog else None
                if cancel is not None:
                    cancel.click()
                else:
                    dump(dialog)
                time.sleep(0.5)
                ok.check(is_checked(rich) and
                         find(composer, name='Bold', role='push button') is not None,
                         'Cancel keeps rich text')
                close = find(composer, name='Close', role='push button')
                if close is not None:
                    close.click()
                app.wait_for(lambda: find(app.root, name='New Message', role='frame') is None)

                # -- a reply quotes as <blockquote>
                row = find(window, name='Tide tables', role='label')
                row.click()
                reply = app.wait_for(lambda: find(window, name='Reply', role='push button'))
                reply.click()
                # Written inline, below the message.
                composer = app.wait_for(lambda: find(window, name='Composer'))
                body = find(composer, name='Message Text', role='text') if composer else None
                quoted = app.wait_for(lambda: 'wrote:' in petrelui.node_text(body) and
                                      petrelui.node_text(body)) or ''
                ok.check('High water is at 6' in quoted and '> High water' not in quoted,
                         'in rich text the quote has no "> " markers (%r)' % quoted)
                body.click()
                rawinput.keyCombo('<Control>Home')
                rawinput.typeText('Noted.')
                rawinput.keyCombo('<Control>Return')
                got = app.wait_for(lambda: with_subject(mailbox(servers, bob), 'Re: Tide tables'),
                                   timeout=60)
                if got:
                    plain, html = parts(got[0]['msg'])
                    html = html or ''
                    ok.check(re.search(r'<blockquote>\s*High water is at 6 &lt;b&gt;sharp'
                                       r'&lt;/b&gt;\.', html) is not None,
                             'the reply\'s HTML quotes the original in a <blockquote>')
                    ok.check('> High water is at 6 <b>sharp</b>.' in (plain or ''),
                             'and its text part with "> "')
                else:
                    ok.check(False, 'the reply arrives')

                # -- a rich draft keeps its formatting
                find(window, name='New Message', role='push button').click()
                composer = app.wait_for_window('New Message')
                type_into(find(composer, name='To', role='text'), bob['email'])
                type_into(find(composer, name='Subject', role='text'), 'Rich draft')
                body = find(app.wait_for_window('Rich draft'), name='Message Text', role='text')
                body.click()
                rawinput.typeText('Plain start ')
                rawinput.keyCombo('<Control>b')
                rawinput.typeText('kept bold')
                drafts = app.wait_for(lambda: [
                    x for x in with_subject(mailbox(servers, alice, 'Drafts'), 'Rich draft')
                    if b'kept bold' in x['raw']], timeout=30)
                ok.check(drafts and parts(drafts[0]['msg'])[1] is not None and
                         '<b>kept bold</b>' in parts(drafts[0]['msg'])[1],
                         'the draft is saved with its HTML alternative')
                composer = app.wait_for_window('Rich draft')
                close = find(composer, name='Close', role='push button')
                if close is not None:
                    close.click()
                app.wait_for(lambda: find(app.root, name='Rich draft', role='frame') is None)
                ok.check(app.process.poll() is None, 'petrel still running')

            # A new start lists the draft (as the first sync of the day would).
            with petrelui.App(data_dir, env=env) as app:
                window = app.wait_for_window('Petrel')
                folder = app.wait_for(lambda: find(window, name='Drafts', role='label'),
                                      timeout=60)
                folder.click()
                row = app.wait_for(lambda: find(window, name='Rich draft', role='label'),
                                   timeout=60)
                if row is not None:
                    row.click()
                    time.sleep(1)
                    rawinput.pressKey('e')
                composer = app.wait_for_window('Rich draft')
                ok.check(composer is not None, 'the draft opens again')
                if composer is not None:
                    rich = find(composer, name='Rich Text', role='push button')
                    ok.check(rich is not None and is_checked(rich), 'in rich text')
                    body = find(composer, name='Message Text', role='text')
                    ok.check(app.wait_for(lambda: 'kept bold' in petrelui.node_text(body))
                             is not None, 'with its text')
                    body.click()
                    rawinput.keyCombo('<Control>End')
                    rawinput.typeText('!')
                    rawinput.keyCombo('<Control>Return')
                    got = app.wait_for(lambda: with_subject(mailbox(servers, bob), 'Rich draft'),
                                       timeout=60)
                    html = parts(got[0]['msg'])[1] if got else None
                    ok.check(html is not None and '<b>kept bold!</b>' in html and
                             'Plain start ' in html and '<b>Plain' not in html,
                             'sent from the reopened draft, the bold text is still bold (%r)'
                             % html)
                ok.check(app.process.poll() is None, 'petrel still running')
    finally:
        servers.stop()
    return ok.finish()


if __name__ == '__main__':
    sys.exit(main())
