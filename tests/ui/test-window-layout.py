#!/usr/bin/python3
# test-window-layout.py: the main window's layout (issue 8), with two real accounts on the
# loopback Dovecot. At 1280×800 the three panes show side by side; dragging the divider after
# the sidebar and the one after the message list (with the mouse, as a person does) widens
# those panes, and after a restart they are as wide as they were left. The reading pane's
# More Actions menu holds Move to Junk, which moves the message to Junk on the server. All
# Inboxes, once chosen, is chosen again after a restart; its menu's Mark All as Read marks
# both accounts' inbox messages read on the servers, and the toast's Undo makes them unread
# again. A 360-pixel-wide window shows one pane at a time, with back buttons. Screenshots of
# the window in the light and dark styles and narrow go to data/screenshots. Panes wider than
# a smaller window allows narrow, down to their minimums, before the window folds.
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
from dogtail import rawinput  # noqa: E402

# (user index, subject, date)
MESSAGES = [
    (0, 'Harbour lights', 'Tue, 10 Nov 2026 08:00:00 +0000'),
    (1, 'Tide tables', 'Wed, 11 Nov 2026 08:00:00 +0000'),
    (0, 'Spam spam spam', 'Thu, 12 Nov 2026 08:00:00 +0000'),
    (1, 'Rope and sails', 'Fri, 13 Nov 2026 08:00:00 +0000'),
]


def shot(name, window, height):
    """A screenshot of WINDOW, asked to be HEIGHT pixels high: accessible positions are the
    window's, inside its client-side border, which on screen starts that far from the edge."""
    margin = max((height - window.size[1]) // 2, 0)
    return petrelui.screenshot(name, crop=(margin, margin) + tuple(window.size))


def visible_panes():
    """The window's win.visible-panes state over the application's D-Bus action export:
    'folders', 'messages' and 'message' joined with commas."""
    r = petrelui.window_actions('Describe', 'visible-panes')
    match = re.search(r"\[<'([a-z,]*)'>\]", r.stdout)
    return match.group(1) if match else None


def settings_file(data_dir):
    return os.path.join(data_dir, '.config', 'glib-2.0', 'settings', 'keyfile')


def write_settings(data_dir, **keys):
    """The keyfile settings backend's file, as a desktop's dconf would hold them."""
    path = settings_file(data_dir)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    text = open(path).read() if os.path.exists(path) else ''
    lines = [ln for ln in text.splitlines()
             if ln.strip() and ln.strip() != '[org/petrelmail/Petrel]' and
             ln.split('=', 1)[0] not in keys]
    lines = ['[org/petrelmail/Petrel]'] + lines + ['%s=%s' % kv for kv in keys.items()]
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


def main(ok, servers):
    find = petrelui.find_showing
    env = {'GSETTINGS_BACKEND': 'keyfile'}
    with tempfile.TemporaryDirectory(prefix='petrel-ui-') as data_dir:
        users = petrelui.two_accounts(ok, servers, data_dir, MESSAGES,
                                      folders=('Trash', 'Junk'),
                                      text='A few words about %s.')
        write_settings(data_dir, **{'window-width': '1280', 'window-height': '800'})

        def panes(window):
            """(sidebar, message list, Reply button): the nodes that show each pane."""
            return (find(window, name='Accounts and Folders', role='list'),
                    find(window, name='Messages', role='list'),
                    find(window, name='Reply', role='push button'))

        def side_by_side(window):
            sidebar, view, reply = panes(window)
            return (sidebar is not None and view is not None and reply is not None and
                    sidebar.position[0] + sidebar.size[0] <= view.position[0] and
                    view.position[0] + view.size[0] <= reply.position[0])

        def label_in_list(window, subject):
            view = find(window, name='Messages', role='list')
            if view is None:
                return None
            (vx, _), (vw, _) = view.position, view.size
            return next((n for n in petrelui.walk(window, lambda n: n.roleName == 'label' and
                                                  n.name == subject)
                         if vx <= n.position[0] < vx + vw), None)

        def sidebar_row(window, name):
            sidebar = find(window, name='Accounts and Folders', role='list')
            if sidebar is None:
                return None
            (sx, sy), (sw, _) = sidebar.position, sidebar.size
            return next((n for n in petrelui.walk(window, lambda n: n.name == name and
                                                  n.roleName == 'label')
                         if sx <= n.position[0] < sx + sw and n.position[1] >= sy), None)

        def drag(x, y, dx):
            rawinput.press(x, y)
            time.sleep(0.2)
            for step in range(1, 11):
                rawinput.absoluteMotion(x + dx * step // 10, y)
                time.sleep(0.05)
            time.sleep(0.2)
            rawinput.release(x + dx, y)
            time.sleep(0.5)

        widths = None
        with petrelui.App(data_dir, env=env) as app:
            window = app.wait_for_window('Petrel')
            ok.check(window is not None, 'main window appears')
            ok.check(app.wait_for(lambda: label_in_list(window, 'Harbour lights'),
                                  timeout=90) is not None,
                     "alice's Inbox is shown, after the first sync")
            ok.check(app.wait_for(lambda: side_by_side(window), timeout=30) is True,
                     'at 1280×800 the sidebar, the list and the reading pane show side by '
                     'side (%s)' % ', '.join('%s %s' % (n.position, n.size) if n else 'None'
                                             for n in panes(window)))
            ok.check(visible_panes() == 'folders,messages,message',
                     'win.visible-panes says so (%s)' % visible_panes())
            sidebar, view, _ = panes(window)
            if sidebar is None or view is None:
                return
            old_sidebar, old_list = sidebar.size[0], view.size[0]

            # Accessible positions are the window's, inside its (client-side) border: the
            # screen has them that much further right and down.
            margin = (1280 - window.size[0]) // 2

            def divider(after):
                """The screen x of a point on the divider's grip right of node AFTER."""
                edge = after.position[0] + after.size[0]
                sep = min(petrelui.walk(window, lambda n: n.roleName == 'separator'),
                          key=lambda n: abs(n.position[0] - edge), default=None)
                return (sep.position[0] if sep is not None else edge) + margin + 3

            y = view.position[1] + view.size[1] // 2 + margin
            drag(divider(sidebar), y, 80)
            new_sidebar = app.wait_for(
                lambda: sidebar.size[0] if sidebar.size[0] >= old_sidebar + 70 else None,
                timeout=10)
            ok.check(new_sidebar is not None and abs(new_sidebar - old_sidebar - 80) <= 4,
                     'dragging the sidebar divider by 80 px widens the sidebar (%d → %s px)'
                     % (old_sidebar, new_sidebar))
            reply = find(window, name='Reply', role='push button')
            drag(divider(view), y, 60)
            new_list = app.wait_for(
                lambda: view.size[0] if view.size[0] >= old_list + 50 else None, timeout=10)
            ok.check(new_list is not None and abs(new_list - old_list - 60) <= 4,
                     'dragging the list divider by 60 px widens the message list (%d → %s px)'
                     % (old_list, new_list))
            ok.check(side_by_side(window), 'the window does not fold')
            widths = (sidebar.size[0], view.size[0])
            text = open(settings_file(data_dir)).read()
            ok.check('sidebar-width' in text and 'message-list-width' in text,
                     'the widths are saved in the settings')

            # Huge widths are limited: the reading pane keeps its room, nothing folds.
            drag(divider(view), y, 900)
            ok.check(side_by_side(window) and reply is not None and
                     find(window, name='More Actions', role='push button') is not None,
                     'dragging the list divider far right leaves the reading pane its room')
            drag(divider(view), y, widths[1] - view.size[0])
            time.sleep(0.5)
            widths = (sidebar.size[0], view.size[0])

            # More Actions → Move to Junk, on alice's Inbox.
            inbox = sidebar_row(window, 'Inbox')
            if inbox is not None:
                inbox.click()
            spam = app.wait_for(lambda: label_in_list(window, 'Spam spam spam'), timeout=30)
            ok.check(spam is not None, "alice's Inbox lists “Spam spam spam”")
            if spam is not None:
                spam.click()
            time.sleep(1)
            more = find(window, name='More Actions', role='push button')
            ok.check(more is not None, 'the reading pane has a More Actions button')
            if more is not None:
                more.click()
            junk = app.wait_for(lambda: next(iter(petrelui.walk(
                app.root, lambda n: n.name == 'Move to Junk' and n.roleName == 'menu item',
                limit=1)), None), timeout=10)
            ok.check(junk is not None, 'its menu has Move to Junk')
            names = [n.name for n in petrelui.walk(app.root,
                                                   lambda n: n.roleName == 'menu item')]
            ok.check('Mark as Read' in names or 'Mark as Unread' in names,
                     'and Mark as Read/Unread (%s)' % ', '.join(names))
            petrelui.keep_screenshot(shot('more-actions', window, 800))
            if junk is not None:
                junk.doActionNamed('click')
            ok.check(app.wait_for(lambda: 'Spam spam spam' in [
                m['msg']['subject'] for m in petrelui.mailbox(servers, users[0], 'Junk')],
                timeout=60) is True, 'Move to Junk moves it to Junk on the server')
            ok.check(app.wait_for(lambda: 'Spam spam spam' not in petrelui.inbox_flags(servers,
                                                                             users[0]),
                                  timeout=30) is True, 'and out of the Inbox')

            # All Inboxes, chosen now, is chosen again after a restart.
            row = app.wait_for(lambda: sidebar_row(window, 'All Inboxes'), timeout=30)
            ok.check(row is not None, 'the sidebar offers All Inboxes')
            if row is not None:
                row.click()
            ok.check(app.wait_for(lambda: label_in_list(window, 'Rope and sails') and
                                  label_in_list(window, 'Harbour lights'),
                                  timeout=30) is not None,
                     'All Inboxes lists both accounts')
            time.sleep(1)

        with petrelui.App(data_dir, env=env) as app:
            window = app.wait_for_window('Petrel')
            ok.check(window is not None, 'the window appears again after a restart')

            def restored():
                sidebar, view, _ = panes(window)
                if sidebar is None or view is None:
                    return None
                return (sidebar.size[0], view.size[0])
            got = app.wait_for(lambda: restored() == widths and restored(), timeout=30)
            ok.check(got == widths, 'the panes are as wide as they were left (%r, were %r)'
                     % (restored(), widths))

            def all_inboxes_shown():
                view = find(window, name='Messages', role='list')
                title = next((n for n in petrelui.walk(window, lambda n: n.roleName == 'label'
                                                       and n.name == 'All Inboxes')
                              if view is not None and
                              view.position[0] <= n.position[0] < view.position[0] +
                              view.size[0]), None)
                return (title is not None and label_in_list(window, 'Rope and sails') and
                        label_in_list(window, 'Harbour lights'))
            ok.check(app.wait_for(all_inboxes_shown, timeout=60) is not None,
                     'All Inboxes is shown again after the restart')

            # Mark All as Read from All Inboxes' menu, then Undo.
            before = [petrelui.inbox_flags(servers, u) for u in users]
            ok.check(all('\\Seen' not in f for box in before for f in box.values()),
                     'the inbox messages are unread on both servers')
            row = sidebar_row(window, 'All Inboxes')
            item = None
            if row is not None:
                (rx, ry), (rw, rh) = row.position, row.size
                rawinput.click(rx + rw // 2, ry + rh // 2, 3)
                item = app.wait_for(lambda: next(iter(petrelui.walk(
                    app.root, lambda n: n.name == 'Mark All as Read' and
                    n.roleName == 'menu item', limit=1)), None), timeout=10)
            ok.check(item is not None, 'a right click on All Inboxes offers Mark All as Read')
            ok.check(next(iter(petrelui.walk(app.root, lambda n: n.name == 'Refresh' and
                                             n.roleName == 'menu item', limit=1)), None)
                     is not None, 'and Refresh')
            if item is not None:
                item.doActionNamed('click')

            def all_seen():
                return all('\\Seen' in f for u in users
                           for f in petrelui.inbox_flags(servers, u).values())
            ok.check(app.wait_for(all_seen, timeout=60) is True,
                     "Mark All as Read marks both accounts' inbox messages read on the "
                     'servers')
            undo = app.wait_for(lambda: find(window, contains='Undo', role='push button'),
                                timeout=20)
            ok.check(undo is not None and
                     find(window, name='All inboxes marked read', role='label') is not None,
                     'a toast says “All inboxes marked read”, with Undo')
            if undo is not None:
                undo.click()

            def none_seen():
                return all('\\Seen' not in f for u in users
                           for f in petrelui.inbox_flags(servers, u).values())
            ok.check(app.wait_for(none_seen, timeout=60) is True,
                     'Undo makes them unread again on both servers')

            # One message open, for the screenshot.
            subject = app.wait_for(lambda: label_in_list(window, 'Rope and sails'))
            if subject is not None:
                subject.click()
            time.sleep(2)
            petrelui.keep_screenshot(shot('main-window', window, 800))

        # The dark style.
        with petrelui.App(data_dir, env=dict(env, ADW_DEBUG_COLOR_SCHEME='prefer-dark')) \
                as app:
            window = app.wait_for_window('Petrel')
            subject = app.wait_for(lambda: label_in_list(window, 'Rope and sails'),
                                   timeout=60)
            ok.check(subject is not None and side_by_side(window),
                     'dark style: three panes side by side')
            if subject is not None:
                subject.click()
            time.sleep(2)
            petrelui.keep_screenshot(shot('dark', window, 800))

        # Wide panes in a smaller window: they narrow, down to their minimums, before
        # anything folds.
        write_settings(data_dir, **{'window-width': '900', 'window-height': '720',
                                    'sidebar-width': '480', 'message-list-width': '800'})
        with petrelui.App(data_dir, env=env) as app:
            window = app.wait_for_window('Petrel')
            ok.check(app.wait_for(lambda: side_by_side(window), timeout=60) is True and
                     visible_panes() == 'folders,messages,message',
                     'panes of 480 and 800 px in a 900 px window: still three side by side '
                     '(%s)' % visible_panes())
            sidebar, view, reply = panes(window)
            ok.check(sidebar is not None and view is not None and
                     200 <= sidebar.size[0] < 480 and 300 <= view.size[0] < 800,
                     'the sidebar and the list gave up width (%s, %s)'
                     % (sidebar and sidebar.size[0], view and view.size[0]))

        # A narrow window: one pane at a time, with back buttons.
        write_settings(data_dir, **{'window-width': '360', 'window-height': '720',
                                    'selected-folder': "('', '')"})
        with petrelui.App(data_dir, env=env) as app:
            window = app.wait_for_window('Petrel')
            inbox = app.wait_for(lambda: sidebar_row(window, 'Inbox'), timeout=60)
            # Without a window manager the window keeps the width it had when first shown,
            # at most a few pixels over the 360 asked for while the accounts load.
            ok.check(window is not None and window.size[0] <= 370,
                     'the window is about 360 px wide (%s)' % (window.size,))
            ok.check(app.wait_for(lambda: visible_panes() == 'folders') is True,
                     'narrow: the sidebar shows alone (%s)' % visible_panes())
            petrelui.keep_screenshot(shot('narrow-folders', window, 720))
            if inbox is not None:
                inbox.click()
            ok.check(app.wait_for(lambda: visible_panes() == 'messages', timeout=20) is True,
                     'choosing a folder shows its list alone (%s)' % visible_panes())
            back = find(window, name='Folders', role='push button')
            ok.check(back is not None, 'with a Folders back button')
            first = app.wait_for(lambda: label_in_list(window, 'Harbour lights'), timeout=30)
            if first is not None:
                first.click()
            ok.check(app.wait_for(lambda: visible_panes() == 'message', timeout=20) is True,
                     'a click on a message shows the reading pane alone (%s)'
                     % visible_panes())
            messages = find(window, name='Messages', role='push button')
            ok.check(messages is not None and
                     find(window, name='More Actions', role='push button') is not None,
                     'with a Messages back button and More Actions')
            time.sleep(1)
            petrelui.keep_screenshot(shot('narrow', window, 720))
            if messages is not None:
                messages.click()
            ok.check(app.wait_for(lambda: visible_panes() == 'messages', timeout=20) is True,
                     'Messages goes back to the list')
            if back is not None:
                back.click()
            ok.check(app.wait_for(lambda: visible_panes() == 'folders', timeout=20) is True,
                     'Folders goes back to the sidebar')
            ok.check(app.process.poll() is None, 'petrel still running')


if __name__ == '__main__':
    sys.exit(petrelui.run_with_servers(main) if petrelui.have_session_bus() else 77)
