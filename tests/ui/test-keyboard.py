#!/usr/bin/python3
# test-keyboard.py: keyboard use of the main window (issue 8). F6 and Shift+F6 take the focus
# round the sidebar, the message list and the reading pane; Reply and Forward are unavailable
# with nothing selected and for the demo mailbox's samples, available for a real message;
# a double click or Enter on a message in Drafts opens it in the composer.
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import imaplib
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import petrelui  # noqa: E402
import pyatspi  # noqa: E402
from dogtail import rawinput  # noqa: E402

DRAFT = ('From: Alice <alice@example.test>\r\nTo: bo@example.test\r\n'
         'Subject: Half-written plan\r\nDate: Fri, 20 Nov 2026 10:00:00 +0000\r\n'
         'Message-ID: <draft1@example.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n'
         'We could meet on the\r\n').encode()


def sensitive(node):
    return node is not None and node.getState().contains(pyatspi.STATE_SENSITIVE)


def focused(window):
    found = petrelui.walk(window, lambda n: n.getState().contains(pyatspi.STATE_FOCUSED),
                          limit=1)
    return found[0] if found else None


def region(window, node):
    """'sidebar', 'list' or 'reader': the pane NODE is in."""
    if node is None:
        return 'none'
    n = node
    while n is not None and n.roleName not in ('frame', 'application'):
        if n.roleName == 'list' and n.name == 'Folders':
            return 'sidebar'
        if n.roleName == 'list' and n.name == 'Messages':
            return 'list'
        n = n.parent
    # AT-SPI does not always lead from a row up to its list: where is it then?
    view = petrelui.find_showing(window, name='Messages', role='list')
    if view is not None and node.position[0] >= view.position[0] + view.size[0]:
        return 'reader'
    if view is not None and node.position[0] + node.size[0] <= view.position[0]:
        return 'sidebar'
    return 'other: %s %r' % (node.roleName, node.name)


def press_and_see(app, window, key):
    if key.startswith('<'):
        rawinput.keyCombo(key)
    else:
        rawinput.pressKey(key)
    time.sleep(0.5)
    return region(window, app.wait_for(lambda: focused(window), timeout=5))


def main():
    if not petrelui.have_display():
        return 77
    servers = petrelui.start_servers()
    if servers is None:
        return 77

    ok = petrelui.Tap()
    find = petrelui.find_showing
    try:
        # The demo mailbox: nothing to reply to.
        with tempfile.TemporaryDirectory(prefix='petrel-ui-') as data_dir:
            with petrelui.App(data_dir) as app:
                window = app.wait_for_window('Petrel')
                reply = app.wait_for(lambda: find(window, name='Reply', role='push button'))
                ok.check(reply is not None and not sensitive(reply),
                         'demo: Reply is unavailable with nothing selected')
                view = app.wait_for(lambda: find(window, name='Messages', role='list'))
                rows = app.wait_for(lambda: [n for n in petrelui.walk(
                    view, lambda n: n.roleName == 'list item')], timeout=30)
                ok.check(bool(rows), 'demo: the sample messages are listed')
                if rows:
                    rows[0].click()
                time.sleep(1)
                ok.check(not sensitive(find(window, name='Reply', role='push button')) and
                         not sensitive(find(window, name='Forward', role='push button')),
                         'demo: Reply and Forward stay unavailable for a sample message')

        alice = servers.user(0)
        servers.seed('alice', 'INBOX', count=3, seed=3)
        m = imaplib.IMAP4_SSL(servers.host, servers.imaps_port, ssl_context=servers.ssl_context())
        m.login(alice['user'], alice['password'])
        if 'Drafts' not in str(m.list()[1]):
            m.create('Drafts')
        m.append('Drafts', '(\\Draft \\Seen)', None, DRAFT)
        m.logout()

        with tempfile.TemporaryDirectory(prefix='petrel-ui-') as data_dir:
            r = petrelui.add_account(data_dir, servers, alice)
            ok.check(r.returncode == 0, 'petrel-cli account add (%s)' % r.stderr.decode().strip())
            with petrelui.App(data_dir) as app:
                window = app.wait_for_window('Petrel')
                ok.check(app.wait_for(lambda: find(window, prefix='3 messages', role='label'),
                                      timeout=90) is not None, 'the Inbox syncs')
                reply = find(window, name='Reply', role='push button')
                ok.check(reply is not None and not sensitive(reply),
                         'Reply is unavailable with nothing selected')
                view = find(window, name='Messages', role='list')
                rows = app.wait_for(lambda: [n for n in petrelui.walk(
                    view, lambda n: n.roleName == 'list item')], timeout=30)
                if rows:
                    rows[0].click()
                ok.check(app.wait_for(lambda: sensitive(find(window, name='Reply',
                                                             role='push button')),
                                      timeout=10) is True,
                         'Reply is available for a real message')

                # F6 round the panes, from the message list.
                ok.check(region(window, focused(window)) == 'list', 'the list has the focus')
                seen = [press_and_see(app, window, 'F6') for _ in range(3)]
                ok.check(seen == ['reader', 'sidebar', 'list'],
                         'F6 goes to the reading pane, the sidebar, the list (%r)' % seen)
                seen = [press_and_see(app, window, '<Shift>F6') for _ in range(2)]
                ok.check(seen == ['sidebar', 'reader'],
                         'Shift+F6 goes back: the sidebar, the reading pane (%r)' % seen)

                # F8 gives the divider after the sidebar the focus; arrows resize the pane.
                def list_x():
                    view = petrelui.find_showing(window, name='Messages', role='list')
                    return view.position[0] if view is not None else None

                before = list_x()
                rawinput.pressKey('F8')
                time.sleep(0.5)
                divider = app.wait_for(lambda: focused(window), timeout=5)
                ok.check(divider is not None and divider.name == 'Width of the Folder List',
                         'F8 focuses the divider after the sidebar (%r)'
                         % (divider.name if divider is not None else None))
                for _ in range(3):
                    rawinput.pressKey('Right')
                    time.sleep(0.2)
                after = app.wait_for(lambda: list_x() if list_x() != before else None,
                                     timeout=5)
                ok.check(before is not None and after == before + 30,
                         'three presses of Right widen the sidebar by 30 pixels (list at %r → %r)'
                         % (before, after))
                rawinput.pressKey('F8')
                time.sleep(0.5)
                divider = focused(window)
                ok.check(divider is not None and divider.name == 'Width of the Message List',
                         'F8 again: the divider after the message list')
                rawinput.pressKey('F6')
                time.sleep(0.5)

                # Drafts: a double click opens the draft in the composer.
                drafts = app.wait_for(lambda: find(window, name='Drafts', role='label'))
                ok.check(drafts is not None, 'Drafts is in the sidebar')
                if drafts is not None:
                    drafts.click()
                draft = app.wait_for(lambda: find(find(window, name='Messages', role='list'),
                                                  name='Half-written plan', role='label'),
                                     timeout=30)
                ok.check(draft is not None, 'the draft is listed')
                if draft is not None:
                    draft.doubleClick()
                composer = app.wait_for(lambda: next(
                    (w for w in app.root.children if w.name == 'Half-written plan'), None),
                    timeout=20)
                ok.check(composer is not None, 'a double click opens it in the composer')
                def composers():
                    return [w for w in app.root.children if w.name == 'Half-written plan']
                if composer is not None:
                    close = find(composer, name='Close', role='push button')
                    if close is not None:
                        close.click()
                ok.check(app.wait_for(lambda: not composers(), timeout=10) is True,
                         'the composer closes')
                # Enter on the selected draft, from the list, does the same.
                draft = find(find(window, name='Messages', role='list'),
                             name='Half-written plan', role='label')
                if draft is not None:
                    draft.click()
                time.sleep(0.5)
                rawinput.pressKey('Return')
                ok.check(app.wait_for(composers, timeout=20) is not None and bool(composers()),
                         'Enter on the draft opens it in the composer too')
                ok.check(app.process.poll() is None, 'petrel still running')
    finally:
        servers.stop()
    return ok.finish()


if __name__ == '__main__':
    sys.exit(main())
