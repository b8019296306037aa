#!/usr/bin/python3
# test-sync.py: the window with a real account on the loopback Dovecot. An account added with
# petrel-cli replaces the demo mailbox; the window syncs it at start and the Inbox fills; F5
# fetches a message delivered meanwhile, which appears at the top; with the server gone, F5
# ends in a sync error shown on the account with the reason and a retry button.
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
from dogtail import rawinput  # noqa: E402

SEEDED = 60


def main():
    servers = petrelui.start_servers()
    if servers is None:
        return 77

    ok = petrelui.Tap()
    find = petrelui.find_showing
    try:
        servers.seed('alice', 'INBOX', count=SEEDED, seed=3)
        alice = servers.user(0)
        with tempfile.TemporaryDirectory(prefix='petrel-ui-') as data_dir:
            with petrelui.App(data_dir) as app:
                window = app.wait_for_window('Petrel')
                ok.check(app.wait_for(lambda: find(window, prefix='This is a demo mailbox',
                                                   role='label')) is not None,
                         'without an account the demo mailbox shows')

                # Added while the app runs: the window follows the accounts directory.
                r = petrelui.add_account(data_dir, servers, alice)
                ok.check(r.returncode == 0, 'petrel-cli account add (%s)'
                         % r.stderr.decode().strip())

                account = app.wait_for(lambda: find(window, name='Alice at the lab',
                                                    role='label'), timeout=30)
                ok.check(account is not None, 'the new account appears in the sidebar')
                ok.check(app.wait_for(lambda: find(window, name='Demo Mailbox', role='label')
                                      is None) is True, 'and the demo mailbox goes away')

                want = '%d messages' % SEEDED
                title = app.wait_for(lambda: find(window, prefix=want, role='label'),
                                     timeout=90)
                ok.check(title is not None, 'the window syncs the account: its Inbox holds %s'
                         % want)
                ok.check(app.wait_for(lambda: find(window, prefix='Retry Sync') is None)
                         is True, 'the sync ends without an error')
                petrelui.screenshot('sync-account', crop=window)

                # New mail on the server, then F5.
                m = imaplib.IMAP4_SSL(servers.host, servers.imaps_port,
                                      ssl_context=servers.ssl_context())
                m.login(alice['user'], alice['password'])
                m.append('INBOX', None, None,
                         b'From: Zoe Quill <zoe@example.test>\r\n'
                         b'To: alice@example.test\r\n'
                         b'Subject: Fresh pelican sighting\r\n'
                         b'Date: Sun, 22 Nov 2026 09:00:00 +0000\r\n'
                         b'Message-ID: <pelican@example.test>\r\n\r\n'
                         b'Two pelicans over the harbour this morning.\r\n')
                m.logout()
                # Keys go where the pointer is (no window manager): click into the window.
                title.click()
                rawinput.pressKey('F5')
                row = app.wait_for(lambda: find(window, name='Fresh pelican sighting',
                                                role='label'), timeout=60)
                ok.check(row is not None, 'F5 syncs: the new message is listed')
                view = find(window, name='Messages', role='list')
                ok.check(row is not None and view is not None and
                         view.position[1] <= row.position[1] < view.position[1] + 60,
                         'at the top of the list, in sight')
                ok.check(app.wait_for(lambda: find(window, prefix='%d messages' % (SEEDED + 1),
                                                   role='label')) is not None,
                         'the count follows: %d messages' % (SEEDED + 1))

                # The server goes away: the account says so and offers a retry.
                servers.stop()
                servers = None
                time.sleep(1)
                rawinput.pressKey('F5')
                retry = app.wait_for(lambda: find(window, prefix='Retry Sync',
                                                  role='push button'), timeout=60)
                ok.check(retry is not None, 'a failed sync shows a retry button on the account')
                reason = retry.description if retry is not None else ''
                ok.check(reason.startswith('Sync failed: ') and len(reason) > 20,
                         'with the reason: %r' % reason)
                petrelui.screenshot('sync-error', crop=window)
                ok.check(find(window, name='Fresh pelican sighting', role='label') is not None,
                         'the cached mail stays readable offline')
                ok.check(app.process.poll() is None, 'petrel still running')
    finally:
        if servers is not None:
            servers.stop()
    return ok.finish()


if __name__ == '__main__':
    sys.exit(main())
