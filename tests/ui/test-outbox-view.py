#!/usr/bin/python3
# test-outbox-view.py: the "Outbox and Pending Changes" window. With the server gone, a message
# queued with petrel-cli waits in the outbox and a flag change waits in the replay queue; the
# window lists both with their state, "Cancel" takes the message out of the outbox (petrel-cli
# agrees), and "Retry Now" tries the changes again and shows why they are still waiting.
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import petrelui  # noqa: E402
from petrelui import cli  # noqa: E402

SUBJECT = 'Minutes of the pelican committee'


def main():
    servers = petrelui.start_servers()
    if servers is None:
        return 77

    ok = petrelui.Tap()
    find = petrelui.find_showing
    try:
        servers.seed('alice', 'INBOX', count=3, seed=11)
        alice = servers.user(0)
        with tempfile.TemporaryDirectory(prefix='petrel-ui-') as data_dir:
            r = petrelui.add_account(data_dir, servers, alice)
            ok.check(r.returncode == 0, 'petrel-cli account add (%s)' % r.stderr.decode().strip())
            r = cli(data_dir, 'sync', 'alice')
            ok.check(r.returncode == 0, 'petrel-cli sync (%s)' % r.stderr.decode().strip())
            listed = cli(data_dir, '--json', 'list', 'alice', 'INBOX', '--limit', '1')
            uid = str(json.loads(listed.stdout.decode().splitlines()[0])['uid'])

            # The server goes away: what follows has to wait.
            servers.stop()
            servers = None
            r = cli(data_dir, '--offline', 'send', '--account', 'alice', '--to',
                    'bob@example.test', '--subject', SUBJECT,
                    stdin=b'Notes attached next time.\n')
            ok.check(r.returncode == 0, 'a message is queued offline (%s)'
                     % r.stderr.decode().strip())
            r = cli(data_dir, '--offline', 'flag', 'alice', 'INBOX', uid, '--add', '\\Flagged')
            ok.check(r.returncode == 0, 'and a flag change (%s)' % r.stderr.decode().strip())

            with petrelui.App(data_dir) as app:
                window = app.wait_for_window('Petrel')
                item = petrelui.open_from_main_menu(app, window, 'Outbox and Pending Changes')
                ok.check(item is not None, 'the main menu has “Outbox and Pending Changes”')
                view = app.wait_for_window('Outbox and Pending Changes')
                if not ok.check(view is not None, 'it opens the outbox window'):
                    return ok.finish()

                row = app.wait_for(lambda: find(view, name=SUBJECT), timeout=30)
                ok.check(row is not None, 'the unsent message is listed')
                state = app.wait_for(lambda: find(view, prefix='To bob@example.test'), timeout=5)
                ok.check(state is not None and 'sent' in state.name.lower(),
                         'with its recipients and state (%r)' % (state.name if state else None))
                change = app.wait_for(lambda: find(view, contains='lagged'), timeout=10)
                ok.check(change is not None, 'the queued flag change is listed (%r)'
                         % (change.name if change else None))
                petrelui.screenshot('outbox', crop=view)

                cancel = app.wait_for(lambda: find(view, name='Cancel “%s”' % SUBJECT,
                                                   role='push button'), timeout=5)
                ok.check(cancel is not None, 'the message has a Cancel button')
                cancel.doActionNamed('click')
                ok.check(app.wait_for(lambda: find(view, name=SUBJECT) is None, timeout=20),
                         'Cancel takes it off the list')
                r = cli(data_dir, '--json', 'outbox', 'alice')
                pending = [json.loads(line) for line in r.stdout.decode().splitlines()]
                ok.check(not any(p.get('subject') == SUBJECT and p.get('state') != 'done'
                                 for p in pending), 'and out of the outbox (%r)' % pending)

                retry = app.wait_for(lambda: find(view, name='Send the changes of Alice at the '
                                                  'lab now', role='push button'), timeout=5)
                ok.check(retry is not None, 'the queued changes have a Retry Now button')
                retry.doActionNamed('click')
                time.sleep(3)
                ok.check(app.wait_for(lambda: find(view, contains='lagged'), timeout=30)
                         is not None, 'with the server gone, the change stays queued')
                petrelui.screenshot('outbox-after', crop=view)
                ok.check(app.process.poll() is None, 'petrel still running')
    finally:
        if servers is not None:
            servers.stop()
    return ok.finish()


if __name__ == '__main__':
    sys.exit(main())
