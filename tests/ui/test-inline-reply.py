#!/usr/bin/python3
# test-inline-reply.py: replies written inline, below the message in the reading pane (issue 9),
# against the loopback Dovecot and SMTP server. Reply opens the composer in the reading pane,
# not in a window, its subject folded away and the focus in the text; the reply sent from
# there arrives with In-Reply-To and References. Detach moves what was typed to a window of its
# own, the same draft; Discard there, or in the pane, deletes it. Selecting another
# conversation puts a reply with text away in Drafts and says so; Escape closes an untouched
# one and leaves no draft.
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import petrelui  # noqa: E402
from petrelui import dump, mailbox, with_subject  # noqa: E402
from dogtail import rawinput  # noqa: E402


def message(sender, to, subject, message_id, date, text, references=None):
    headers = ('From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: %s\r\n'
               % (sender, to, subject, date, message_id))
    if references is not None:
        headers += 'References: %s\r\nIn-Reply-To: %s\r\n' % (references, references)
    return (headers + '\r\n' + text + '\r\n').encode()


def frames(app):
    """The names of the app's windows on screen."""
    names = []
    for w in app.root.children:
        try:
            if w.roleName == 'frame' and w.size[0] > 0:
                names.append(w.name)
        except Exception:
            continue
    return names


def reply_inline(app, window):
    """Click Reply; the inline composer and its text once the quote is in it."""
    find = petrelui.find_showing
    find(window, name='Reply', role='push button').click()
    composer = app.wait_for(lambda: find(window, name='Composer'))
    body = find(composer, name='Message Text', role='text') if composer else None
    app.wait_for(lambda: 'wrote:' in petrelui.node_text(body))
    return composer, body


def main(ok, servers):
    find = petrelui.find_showing
    alice, bob = servers.user(0), servers.user(1)
    bob_from = 'Bob Stone <%s>' % bob['email']
    alice_to = 'Alice <%s>' % alice['email']
    petrelui.append_message(servers, alice, message(
        bob_from, alice_to, 'Boat trip', '<trip2@example.test>',
        'Sun, 22 Nov 2026 08:00:00 +0000',
        'Shall we take the boat on Saturday? The forecast says a light westerly, and the '
        'harbour master has a mooring for us until six.\r\n\r\nBob',
        references='<trip1@example.test>'))
    petrelui.append_message(servers, alice, message(
        bob_from, alice_to, 'Harbour lunch', '<lunch1@example.test>',
        'Sun, 22 Nov 2026 07:00:00 +0000', 'Lunch at the harbour café on Friday?'))

    with tempfile.TemporaryDirectory(prefix='petrel-ui-') as data_dir:
        petrelui.add_and_sync(ok, data_dir, servers, alice, name='Alice Lab')

        with petrelui.App(data_dir, env={'PETREL_UNDO_SEND_DELAY': '0'}) as app:
            window = app.wait_for_window('Petrel')
            row = app.wait_for(lambda: find(window, name='Boat trip', role='label'),
                               timeout=60)
            if not ok.check(row is not None, 'the Inbox shows the message to answer'):
                dump(window)
                return

            # -- Reply opens the composer in the reading pane
            row.click()
            reply = app.wait_for(lambda: find(window, name='Reply', role='push button'))
            ok.check(reply is not None, 'a Reply button in the reading pane')
            app.wait_for(lambda: find(window, prefix='Shall we take the boat'), timeout=20)
            reply.click()
            composer = app.wait_for(lambda: find(window, name='Composer'))
            ok.check(composer is not None, 'Reply opens a composer inside the main window')
            time.sleep(1)
            ok.check(frames(app) == ['Petrel'] or
                     not any(n.startswith('Re: ') for n in frames(app)),
                     'and no window of its own (%r)' % frames(app))
            body = find(composer, name='Message Text', role='text') if composer else None
            quoted = app.wait_for(lambda: 'wrote:' in petrelui.node_text(body) and
                                  petrelui.node_text(body)) or ''
            ok.check('> Shall we take the boat on Saturday?' in quoted,
                     'the original is quoted in it')
            ok.check(find(window, prefix='Shall we take the boat') is not None,
                     'the message stays in view above the reply')
            ok.check(composer is not None and
                     find(composer, name='Subject', role='text') is None and
                     find(composer, name='Edit Subject', role='push button') is not None,
                     'the subject is folded away behind an "Edit Subject" toggle')
            for name in ('Send', 'Detach', 'Discard Draft', 'Attach Files…', 'Rich Text'):
                ok.check(composer is not None and
                         find(composer, name=name) is not None,
                         'a "%s" control with an accessible name' % name)
            # The focus is in the text: typing goes there without a click.
            rawinput.typeText('Yes, Saturday works. I will bring the charts.')
            typed = app.wait_for(lambda: 'Saturday works' in petrelui.node_text(body))
            ok.check(typed is not None, 'the focus is in the text')

            rawinput.absoluteMotion(5, 790)
            petrelui.keep_screenshot(petrelui.screenshot('inline-reply', crop=window))

            rawinput.keyCombo('<Control>Return')
            ok.check(app.wait_for(lambda: find(window, name='Message sent'), timeout=60)
                     is not None, 'Ctrl+Enter sends; a toast says the message was sent')
            ok.check(app.wait_for(lambda: find(window, name='Composer') is None) is True,
                     'the inline composer goes once the message is sent')
            got = petrelui.check_reply(ok, app, servers, bob, 'Re: Boat trip',
                                       '<trip2@example.test>', ['<trip1@example.test>'])
            ok.check(got and 'I will bring the charts' in
                     got[0]['msg'].get_body(('plain',)).get_content(), 'and the text')

            # -- Detach moves what was typed to a window of its own
            composer, body = reply_inline(app, window)
            rawinput.typeText('Written inline, finished in a window.')
            app.wait_for(lambda: 'finished in a window' in petrelui.node_text(body))
            detach = find(composer, name='Detach', role='push button') if composer else None
            if detach is not None:
                detach.click()
            detached = app.wait_for_window('Re: Boat trip')
            ok.check(detached is not None, 'Detach opens the reply in a window of its own')
            ok.check(app.wait_for(lambda: find(window, name='Composer') is None) is True,
                     'and takes it out of the reading pane')
            text = find(detached, name='Message Text', role='text') if detached else None
            ok.check(text is not None and
                     'Written inline, finished in a window.' in petrelui.node_text(text) and
                     '> Shall we take the boat' in petrelui.node_text(text),
                     'with everything typed so far')
            ok.check(detached is not None and
                     find(detached, name='Subject', role='text') is not None and
                     find(detached, name='Detach', role='push button') is None,
                     'in the window the subject shows and Detach is gone')
            drafts = app.wait_for(lambda: [
                x for x in with_subject(mailbox(servers, alice, 'Drafts'), 'Re: Boat trip')
                if b'finished in a window' in x['raw']], timeout=30)
            ok.check(drafts and len(with_subject(mailbox(servers, alice, 'Drafts'),
                                                 'Re: Boat trip')) == 1,
                     'its draft is saved, once: the same draft inline and in the window')
            discard = (find(detached, name='Discard Draft', role='push button')
                       if detached else None)
            if discard is not None:
                discard.click()
            if not ok.check(app.wait_for(lambda: find(app.root, name='Re: Boat trip',
                                                      role='frame') is None) is True,
                            'Discard closes the window'):
                petrelui.screenshot('inline-reply-discard')
                dump(app.root)
            ok.check(app.wait_for(lambda: not with_subject(
                mailbox(servers, alice, 'Drafts'), 'Re: Boat trip'), timeout=30) is True,
                'and deletes the draft')

            # -- another conversation puts a reply with text away in Drafts
            composer, body = reply_inline(app, window)
            rawinput.typeText('Keep this for later.')
            app.wait_for(lambda: 'Keep this for later' in petrelui.node_text(body))
            other = find(window, name='Harbour lunch', role='label')
            if other is not None:
                other.click()
            toast = app.wait_for(lambda: find(window, name='Unsent message saved in Drafts'))
            ok.check(toast is not None, 'selecting another conversation says the reply was '
                     'saved in Drafts')
            ok.check(find(window, name='Composer') is None and
                     app.wait_for(lambda: find(window, prefix='Lunch at the harbour'))
                     is not None, 'and shows that conversation without the reply')
            ok.check(not any(n.startswith('Re: ') for n in frames(app)),
                     'no composer window opens for it')
            drafts = app.wait_for(lambda: [
                x for x in with_subject(mailbox(servers, alice, 'Drafts'), 'Re: Boat trip')
                if b'Keep this for later.' in x['raw']], timeout=30)
            ok.check(drafts and len(drafts) == 1, 'the reply is in Drafts with its text')

            # -- Discard in the pane deletes the draft
            composer, body = reply_inline(app, window)
            rawinput.typeText('Not this one.')
            saved = app.wait_for(lambda: with_subject(mailbox(servers, alice, 'Drafts'),
                                                      'Re: Harbour lunch'), timeout=30)
            ok.check(saved and len(saved) == 1, 'an inline reply is saved as a draft by itself')
            discard = app.wait_for(lambda: find(composer, name='Discard Draft',
                                                role='push button'))
            if discard is not None:
                discard.click()
            ok.check(app.wait_for(lambda: find(window, name='Composer') is None) is True,
                     'Discard closes the inline reply')
            ok.check(app.wait_for(lambda: not with_subject(
                mailbox(servers, alice, 'Drafts'), 'Re: Harbour lunch'), timeout=30) is True,
                'and deletes its draft')

            # -- Escape closes an untouched reply, leaving no draft
            composer, body = reply_inline(app, window)
            time.sleep(0.5)
            rawinput.pressKey('Escape')
            ok.check(app.wait_for(lambda: find(window, name='Composer') is None) is True,
                     'Escape closes an untouched inline reply')
            time.sleep(4)
            ok.check(not with_subject(mailbox(servers, alice, 'Drafts'), 'Re: Harbour lunch'),
                     'and leaves no draft')
            # The keyboard is free again: R answers inline too.
            rawinput.pressKey('r')
            composer = app.wait_for(lambda: find(window, name='Composer'))
            ok.check(composer is not None and not any(n.startswith('Re: ')
                                                      for n in frames(app)),
                     'then R opens an inline reply again')
            ok.check(app.process.poll() is None, 'petrel still running')


if __name__ == '__main__':
    sys.exit(petrelui.run_with_servers(main))
