#!/usr/bin/python3
# test-all-inboxes.py: the unified "All Inboxes" view (issue 8) with two real accounts on the
# loopback Dovecot. The sidebar offers it on top with the sum of the inboxes' unread counts;
# it lists both inboxes merged newest first; a message of the second account deleted there
# leaves that account's INBOX on the server (the first account's is untouched), and Undo puts
# it back; starring a message of the first account flags it on that account's server, and a
# selection across both accounts is starred on both servers. The
# density setting, changed while the window shows, makes the rows compact (no snippet, lower)
# and back.
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import petrelui  # noqa: E402
from petrelui import inbox_flags  # noqa: E402
from dogtail import rawinput  # noqa: E402

# (user index, subject, date): merged newest first they read B2, A2, B1, A1.
MESSAGES = [
    (0, 'Alpha one', 'Tue, 10 Nov 2026 08:00:00 +0000'),
    (1, 'Bravo one', 'Wed, 11 Nov 2026 08:00:00 +0000'),
    (0, 'Alpha two', 'Thu, 12 Nov 2026 08:00:00 +0000'),
    (1, 'Bravo two', 'Fri, 13 Nov 2026 08:00:00 +0000'),
]
ORDER = ['Bravo two', 'Alpha two', 'Bravo one', 'Alpha one']


def main(ok, servers):
    find = petrelui.find_showing
    with tempfile.TemporaryDirectory(prefix='petrel-ui-') as data_dir:
        users = petrelui.two_accounts(ok, servers, data_dir, MESSAGES, folders=('Trash',))

        # A settings store gsettings(1) can change under the running app.
        env = {'GSETTINGS_BACKEND': 'keyfile'}
        with petrelui.App(data_dir, env=env) as app:
            window = app.wait_for_window('Petrel')
            ok.check(window is not None, 'main window appears')
            row = app.wait_for(lambda: find(window, name='All Inboxes'), timeout=60)
            ok.check(row is not None, 'the sidebar offers All Inboxes with two accounts')
            count = app.wait_for(lambda: find(window, name='4 unread messages'), timeout=60)
            ok.check(count is not None, 'its unread count is the sum of both inboxes (4)')
            if row is None:
                return
            row.click()
            ok.check(app.wait_for(lambda: find(window, name='All Inboxes',
                                               role='label') is not None and
                                  find(window, prefix='4 unread', role='label'),
                                  timeout=20) is not None,
                     'the list is titled All Inboxes, 4 unread')

            def view():
                return find(window, name='Messages', role='list')

            def listed():
                v = view()
                if v is None:
                    return []
                (vx, _), (vw, _) = v.position, v.size
                found = [n for n in petrelui.walk(window, lambda n: n.roleName == 'label' and
                                                  n.name in ORDER)
                         if vx <= n.position[0] < vx + vw]
                return [n.name for n in sorted(found, key=lambda n: n.position[1])]

            order = app.wait_for(lambda: listed() == ORDER and listed(), timeout=30)
            ok.check(order == ORDER, 'both inboxes, merged newest first (%r)' % listed())
            petrelui.screenshot('all-inboxes-first', crop=window)

            def label_in_list(subject):
                v = view()
                (vx, _), (vw, _) = v.position, v.size
                return next((n for n in petrelui.walk(window, lambda n:
                                                      n.roleName == 'label' and
                                                      n.name == subject)
                             if vx <= n.position[0] < vx + vw), None)

            # Delete (the Delete key) one of the second account's messages.
            bravo = label_in_list('Bravo one')
            ok.check(bravo is not None, 'Bravo one (bob) is listed')
            if bravo is not None:
                bravo.click()
            time.sleep(1)
            rawinput.pressKey('Delete')
            ok.check(app.wait_for(lambda: 'Bravo one' not in inbox_flags(servers, users[1]),
                                  timeout=60) is True,
                     "it leaves bob's INBOX on the server")
            ok.check(sorted(inbox_flags(servers, users[0])) == ['Alpha one', 'Alpha two'],
                     "alice's INBOX is untouched")
            ok.check(app.wait_for(lambda: 'Bravo one' not in listed(), timeout=20) is True,
                     'and the merged list')
            petrelui.undo(window)
            ok.check(app.wait_for(lambda: 'Bravo one' in inbox_flags(servers, users[1]),
                                  timeout=60) is True,
                     "Undo puts it back in bob's INBOX on the server")
            ok.check(app.wait_for(lambda: listed() == ORDER, timeout=30) is True,
                     'and in the merged list, in its place')

            # Star (S) one of the first account's messages.
            alpha = app.wait_for(lambda: label_in_list('Alpha one'))
            if alpha is not None:
                alpha.click()
            time.sleep(1)
            rawinput.pressKey('s')
            ok.check(app.wait_for(lambda: '\\Flagged' in inbox_flags(servers, users[0]).get(
                'Alpha one', ''), timeout=60) is True,
                "Alpha one is flagged on alice's server")
            ok.check('\\Flagged' not in sum(inbox_flags(servers, users[1]).values(), []),
                     "nothing is flagged on bob's")

            # A selection spanning both accounts: each message is starred on its own server.
            first, second = label_in_list('Bravo two'), label_in_list('Alpha two')
            if first is not None and second is not None:
                first.click()
                time.sleep(0.5)
                rawinput.holdKey('Control_L')
                second.click()
                rawinput.releaseKey('Control_L')
            time.sleep(1)
            rawinput.pressKey('s')
            ok.check(app.wait_for(lambda: '\\Flagged' in inbox_flags(servers, users[1]).get(
                'Bravo two', '') and '\\Flagged' in inbox_flags(servers, users[0]).get(
                'Alpha two', ''), timeout=60) is True,
                'a selection across both accounts: S flags each on its own server')

            # Density, live.
            def gsettings(*args):
                e = dict(os.environ, GSETTINGS_BACKEND='keyfile',
                         XDG_CONFIG_HOME=os.path.join(data_dir, '.config'))
                return subprocess.run(['gsettings'] + list(args), env=e,
                                      capture_output=True, text=True, timeout=20)

            def row_step():
                a, b = label_in_list('Bravo two'), label_in_list('Alpha two')
                return b.position[1] - a.position[1] if a and b else None

            def snippet_shown():
                return label_in_list('About Bravo two.') is not None

            # One message open, for the screenshots.
            shown = label_in_list('Bravo two')
            if shown is not None:
                shown.click()
            time.sleep(1)
            comfortable = row_step()
            ok.check(snippet_shown(), 'comfortable rows show the snippet')
            r = gsettings('set', 'org.petrelmail.Petrel', 'density', 'compact')
            ok.check(r.returncode == 0, 'gsettings set density compact (%s)' % r.stderr.strip())
            ok.check(app.wait_for(lambda: not snippet_shown(), timeout=20) is True,
                     'compact rows hide the snippet at once')
            compact = app.wait_for(lambda: row_step() if (row_step() or 0) < (comfortable or 0)
                                   else None, timeout=10)
            ok.check(compact is not None and compact < comfortable,
                     'and are lower (%s px, were %s px)' % (compact, comfortable))
            petrelui.keep_screenshot(petrelui.screenshot('compact', crop=window))
            gsettings('set', 'org.petrelmail.Petrel', 'density', 'comfortable')
            ok.check(app.wait_for(snippet_shown, timeout=20) is True,
                     'comfortable again: the snippet is back')
            petrelui.keep_screenshot(petrelui.screenshot('all-inboxes', crop=window))
            ok.check(app.process.poll() is None, 'petrel still running')


if __name__ == '__main__':
    sys.exit(petrelui.run_with_servers(main) if petrelui.have_session_bus() else 77)
