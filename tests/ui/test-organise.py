#!/usr/bin/python3
# test-organise.py: conversations and organising mail in the window, with a real account on the
# loopback Dovecot (issue 8). A thread of three Inbox messages and a reply in Sent shows as one
# row with a count of 4; opening it lists the other messages collapsed, and a click expands one.
# Then, driven through the very actions the drop handlers and the folder menu call
# (win.move-to-folder, win.move-folder, win.create-folder, win.rename-folder, win.delete-folder,
# reached over the application's D-Bus action export), a message is moved to another folder and
# a folder into another one; each is checked on the server over IMAP, and the toast's Undo puts
# it back, also on the server. The folder menu opens with a right click. New mail arriving while
# the window is not focused posts a notification (a stand-in org.freedesktop.Notifications on
# the test's session bus records it) naming sender and subject; invoking it opens the message.
# Last, a second account is added while the window is open, the message is copied to its Inbox
# (win.move-to-folder with copy, the Ctrl+drop) and Undo (Ctrl+Z) deletes the copy again there.
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import imaplib
import os
import re
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import petrelui  # noqa: E402
from petrelui import activate  # noqa: E402
from dogtail import rawinput  # noqa: E402

SEEDED = 12

THREAD = [
    ('Bo Boatman <bo@example.test>', 'alice@example.test', 'Boat trip on Saturday',
     'Tue, 17 Nov 2026 08:00:00 +0000', '<boat1@example.test>', None,
     'Shall we take the boat out on Saturday? The forecast looks calm.'),
    ('Cy Crane <cy@example.test>', 'alice@example.test', 'Re: Boat trip on Saturday',
     'Wed, 18 Nov 2026 09:30:00 +0000', '<boat2@example.test>', '<boat1@example.test>',
     'Count me in, I will bring the sandwiches and a spare life jacket.'),
    ('Bo Boatman <bo@example.test>', 'alice@example.test', 'Re: Boat trip on Saturday',
     'Thu, 19 Nov 2026 10:15:00 +0000', '<boat3@example.test>', '<boat2@example.test>',
     'Great, we meet at the harbour at nine.'),
]
REPLY = ('Alice <alice@example.test>', 'bo@example.test', 'Re: Boat trip on Saturday',
         'Fri, 20 Nov 2026 07:45:00 +0000', '<boat4@example.test>', '<boat3@example.test>',
         'See you at nine, I will bring the thermos.')
LONE = ('Zoe Quill <zoe@example.test>', 'alice@example.test', 'Receipt for the harbour fee',
        'Sat, 21 Nov 2026 12:00:00 +0000', '<receipt@example.test>', None,
        'Thank you for paying the harbour fee.')


def message_bytes(m):
    sender, to, subject, date, mid, parent, body = m
    lines = ['From: ' + sender, 'To: ' + to, 'Subject: ' + subject, 'Date: ' + date,
             'Message-ID: ' + mid]
    if parent:
        lines += ['In-Reply-To: ' + parent, 'References: ' + parent]
    lines += ['Content-Type: text/plain; charset=utf-8', '', body, '']
    return '\r\n'.join(lines).encode()


class Imap:
    def __init__(self, servers, user):
        self.servers, self.user = servers, user

    def __enter__(self):
        self.m = imaplib.IMAP4_SSL(self.servers.host, self.servers.imaps_port,
                                   ssl_context=self.servers.ssl_context())
        self.m.login(self.user['user'], self.user['password'])
        return self

    def __exit__(self, *exc):
        try:
            self.m.logout()
        except Exception:
            pass

    def folders(self):
        typ, data = self.m.list()
        names = []
        for line in data or []:
            line = line.decode() if isinstance(line, bytes) else str(line)
            match = re.match(r'\((.*?)\) "(.*?)" (.*)$', line)
            if match:
                names.append(match.group(3).strip('"'))
        return names

    def delimiter(self):
        typ, data = self.m.list('""', '""')
        match = re.match(r'\(.*?\) "(.*?)"', data[0].decode())
        return match.group(1) if match else '/'

    def subjects(self, folder):
        typ, _ = self.m.select('"%s"' % folder, readonly=True)
        if typ != 'OK':
            return None
        typ, data = self.m.search(None, 'ALL')
        out = []
        for num in data[0].split():
            typ, msg = self.m.fetch(num, '(BODY.PEEK[HEADER.FIELDS (SUBJECT)])')
            out.append(msg[0][1].decode().split(':', 1)[1].strip())
        return out


NOTIFICATIONS_XML = """<node>
  <interface name="org.freedesktop.Notifications">
    <method name="Notify">
      <arg type="s" direction="in"/><arg type="u" direction="in"/><arg type="s" direction="in"/>
      <arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="as" direction="in"/>
      <arg type="a{sv}" direction="in"/><arg type="i" direction="in"/>
      <arg type="u" direction="out"/>
    </method>
    <method name="CloseNotification"><arg type="u" direction="in"/></method>
    <method name="GetCapabilities"><arg type="as" direction="out"/></method>
    <method name="GetServerInformation">
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
    </method>
    <signal name="ActionInvoked"><arg type="u"/><arg type="s"/></signal>
    <signal name="NotificationClosed"><arg type="u"/><arg type="u"/></signal>
  </interface>
</node>"""


class FakeNotifications(threading.Thread):
    """A notification server on the session bus that records what it is sent, so the test sees
    the app's GNotifications (GLib sends them here when no desktop is running)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.received = []   # (id, summary, body, actions)
        self.ready = threading.Event()
        self.conn = None

    def run(self):
        from gi.repository import Gio, GLib
        context = GLib.MainContext.new()
        context.push_thread_default()
        self.loop = GLib.MainLoop.new(context, False)
        self.conn = Gio.DBusConnection.new_for_address_sync(
            os.environ['DBUS_SESSION_BUS_ADDRESS'],
            Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
            Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
        info = Gio.DBusNodeInfo.new_for_xml(NOTIFICATIONS_XML).interfaces[0]

        def on_call(conn, sender, path, iface, method, params, invocation):
            if method == 'Notify':
                args = params.unpack()
                self.received.append((len(self.received) + 1, args[3], args[4], args[5]))
                invocation.return_value(GLib.Variant('(u)', (len(self.received),)))
            elif method == 'GetCapabilities':
                invocation.return_value(GLib.Variant('(as)', (['body', 'actions'],)))
            elif method == 'GetServerInformation':
                invocation.return_value(GLib.Variant('(ssss)', ('fake', 'petrel', '1', '1.2')))
            else:
                invocation.return_value(None)

        self.conn.register_object('/org/freedesktop/Notifications', info, on_call, None, None)
        self.conn.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus',
                            'org.freedesktop.DBus', 'RequestName',
                            GLib.Variant('(su)', ('org.freedesktop.Notifications', 4)),
                            None, Gio.DBusCallFlags.NONE, -1, None)
        self.ready.set()
        self.loop.run()

    def invoke(self, notification_id, action='default'):
        from gi.repository import GLib
        self.conn.emit_signal(None, '/org/freedesktop/Notifications',
                              'org.freedesktop.Notifications', 'ActionInvoked',
                              GLib.Variant('(us)', (notification_id, action)))

    def stop(self):
        if self.conn is not None:
            self.loop.quit()


def main():
    if not (petrelui.have_display() and petrelui.have_session_bus()):
        return 77
    servers = petrelui.start_servers()
    if servers is None:
        return 77

    ok = petrelui.Tap()
    find = petrelui.find_showing
    try:
        servers.seed('alice', 'INBOX', count=SEEDED, seed=5)
        alice = servers.user(0)
        with Imap(servers, alice) as imap:
            delim = imap.delimiter()
            existing = imap.folders()
            for name in ('Sent', 'Receipts', 'Projects'):
                if name not in existing:
                    imap.m.create(name)
            for m in THREAD + [LONE]:
                imap.m.append('INBOX', None, None, message_bytes(m))
            imap.m.append('Sent', '(\\Seen)', None, message_bytes(REPLY))
        projects_receipts = 'Projects' + delim + 'Receipts'
        n_inbox = SEEDED + len(THREAD) + 1

        with tempfile.TemporaryDirectory(prefix='petrel-ui-') as data_dir:
            r = petrelui.add_account(data_dir, servers, alice)
            ok.check(r.returncode == 0, 'petrel-cli account add (%s)' % r.stderr.decode().strip())

            with petrelui.App(data_dir) as app:
                window = app.wait_for_window('Petrel')
                ok.check(window is not None, 'main window appears')
                title = app.wait_for(lambda: find(window, prefix='%d messages' % n_inbox,
                                                  role='label'), timeout=90)
                ok.check(title is not None, 'the Inbox syncs: %d messages' % n_inbox)
                # The sync goes on with Sent and the other folders; the thread needs Sent.
                app.wait_for(lambda: find(window, prefix='Retry Sync') is None and
                             find(window, name='Sent', role='label') is not None, timeout=60)
                time.sleep(2)

                def view():
                    return find(window, name='Messages', role='list')

                def in_list(subject):
                    v = view()
                    if v is None:
                        return None
                    (vx, _), (vw, _) = v.position, v.size
                    for n in petrelui.walk(window, lambda n: n.roleName == 'label' and
                                           n.name == subject):
                        if vx <= n.position[0] < vx + vw:
                            return n
                    return None

                # Conversations: one row for the thread, with its count (the reply in Sent
                # included) and both senders.
                row_label = app.wait_for(lambda: in_list('Re: Boat trip on Saturday'),
                                         timeout=30)
                ok.check(row_label is not None, 'the thread is listed under its newest subject')
                ok.check(in_list('Boat trip on Saturday') is None,
                         'its older messages have no rows of their own')
                counted = app.wait_for(lambda: petrelui.walk(
                    view(), lambda n: '4 messages' in (n.description or ''), limit=1),
                    timeout=30)
                ok.check(bool(counted), 'the row says the conversation has 4 messages')
                ok.check(app.wait_for(lambda: find(view(), name='Bo Boatman, Cy Crane, Alice',
                                                   role='label')) is not None,
                         'the row names the participants')

                if row_label is not None:
                    row_label.click()
                collapsed = app.wait_for(lambda: petrelui.walk(
                    window, lambda n: n.roleName == 'push button' and
                    (n.name or '').startswith('Message from ')), timeout=30)
                ok.check(collapsed is not None and len(collapsed) == 3,
                         'the reading pane lists the 3 other messages collapsed (%d)'
                         % len(collapsed or []))
                first = next((n for n in collapsed or []
                              if n.name.startswith('Message from Bo Boatman')), None)
                ok.check(first is not None, 'the first message, from Bo, is among them')
                if first is not None:
                    first.click()

                def body_shown(text):
                    return petrelui.walk(window, lambda n: text in petrelui.node_text(n),
                                         limit=1)
                ok.check(app.wait_for(lambda: body_shown('forecast looks calm'), timeout=20),
                         'a click expands it: its text is shown')
                reply = next((n for n in collapsed or [] if n.name.startswith('Message from Alice')),
                             None)
                ok.check(reply is not None, 'your reply from Sent is part of the conversation')
                petrelui.screenshot('conversation', crop=window)

                # Drag a message onto a folder: the drop handler's action.
                lone = app.wait_for(lambda: in_list('Receipt for the harbour fee'))
                ok.check(lone is not None, 'the lone message is listed')
                if lone is not None:
                    lone.click()
                time.sleep(0.5)
                ok.check(activate('move-to-folder', "('alice', 'Receipts', false)"),
                         'win.move-to-folder (the drop on a folder)')
                toast = app.wait_for(lambda: find(window, name='1 message moved to Receipts',
                                                  role='label'))
                ok.check(toast is not None, 'a toast says “1 message moved to Receipts”')
                undo = app.wait_for(lambda: find(window, contains='Undo', role='push button'),
                                    timeout=3)
                ok.check(undo is not None, 'the toast has an Undo button')
                petrelui.screenshot('organise-toast', crop=window)
                ok.check(app.wait_for(lambda: in_list('Receipt for the harbour fee') is None),
                         'the message leaves the Inbox list')

                def in_reader(text):
                    v = view()
                    if v is None:
                        return None
                    right = v.position[0] + v.size[0]
                    return next((n for n in petrelui.walk(window, lambda n: n.roleName == 'label'
                                                          and n.name == text)
                                 if n.position[0] >= right), None)
                ok.check(app.wait_for(lambda: in_reader('Re: Boat trip on Saturday'),
                                      timeout=10) is not None,
                         'the next message (the thread below it) is selected and shown')

                def on_server(folder, subject):
                    with Imap(servers, alice) as imap:
                        return subject in (imap.subjects(folder) or [])

                ok.check(app.wait_for(lambda: on_server('Receipts',
                                                        'Receipt for the harbour fee') and
                                      not on_server('INBOX', 'Receipt for the harbour fee'),
                                      timeout=60),
                         'on the server it is in Receipts, no longer in INBOX')
                # The toast's Undo (or Ctrl+Z, win.undo-last, once the toast is gone).
                petrelui.undo(window)
                ok.check(app.wait_for(lambda: on_server('INBOX', 'Receipt for the harbour fee')
                                      and not on_server('Receipts',
                                                        'Receipt for the harbour fee'),
                                      timeout=60),
                         'Undo puts it back in INBOX on the server')
                ok.check(app.wait_for(lambda: in_list('Receipt for the harbour fee'))
                         is not None, 'and in the list')

                # Drag a folder onto another: re-parented on the server, undo renames it back.
                ok.check(activate('move-folder', "('alice', 'Receipts', 'Projects')"),
                         'win.move-folder (the drop of a folder on a folder)')

                def server_folders():
                    with Imap(servers, alice) as imap:
                        return imap.folders()
                ok.check(app.wait_for(lambda: projects_receipts in server_folders() and
                                      'Receipts' not in server_folders(), timeout=30),
                         'on the server Receipts is now %s' % projects_receipts)
                ok.check(app.wait_for(lambda: find(window, name='“Receipts” moved to “Projects”',
                                                   role='label')) is not None,
                         'a toast says so')
                petrelui.undo(window)
                ok.check(app.wait_for(lambda: 'Receipts' in server_folders() and
                                      projects_receipts not in server_folders(), timeout=30),
                         'Undo moves it back on the server')

                # The folder menu: a right click on a folder.
                projects = find(window, name='Projects', role='label')
                ok.check(projects is not None, 'Projects is in the sidebar')
                if projects is not None:
                    projects.click(button=3)
                menu = app.wait_for(lambda: find(window, prefix='Rename', role='menu item') or
                                    find(window, name='Rename…'), timeout=10)
                ok.check(menu is not None, 'a right click opens the folder menu with Rename…')
                petrelui.screenshot('folder-menu', crop=window)
                rawinput.pressKey('Escape')

                # What its entries end in: create, rename, delete, on the server.
                ok.check(activate('create-folder', "('alice', 'Boats')"), 'win.create-folder')
                ok.check(app.wait_for(lambda: 'Boats' in server_folders(), timeout=30),
                         'Boats exists on the server')
                ok.check(activate('rename-folder', "('alice', 'Boats', 'Sailing')"),
                         'win.rename-folder')
                ok.check(app.wait_for(lambda: 'Sailing' in server_folders() and
                                      'Boats' not in server_folders(), timeout=30),
                         'it is Sailing on the server')
                ok.check(app.wait_for(lambda: find(window, name='Sailing', role='label'))
                         is not None, 'and in the sidebar')
                ok.check(activate('delete-folder', "('alice', 'Sailing')"), 'win.delete-folder')
                ok.check(app.wait_for(lambda: 'Sailing' not in server_folders(), timeout=30),
                         'Sailing is gone from the server')
                ok.check(app.wait_for(lambda: find(window, name='Sailing', role='label') is None)
                         is True, 'and from the sidebar')

                # New mail while the window is not focused: a notification, which opens it.
                notifications = FakeNotifications()
                notifications.start()
                ok.check(notifications.ready.wait(10), 'a notification server is listening')
                with Imap(servers, alice) as imap:
                    imap.m.append('INBOX', None, None, message_bytes(
                        ('Pia Pelican <pia@example.test>', 'alice@example.test',
                         'Pelicans at the pier', 'Sun, 22 Nov 2026 06:00:00 +0000',
                         '<pelican2@example.test>', None, 'Three of them, right now.')))
                # Another window (About) takes the focus from the main window.
                ok.check(activate('about', None, path='/org/petrelmail/Petrel'),
                         'app.about takes the focus')
                time.sleep(1)
                ok.check(activate('sync-all', None), 'win.sync-all (F5)')
                got = app.wait_for(lambda: notifications.received, timeout=60)
                ok.check(bool(got), 'a notification is posted for the new mail')
                if got:
                    nid, summary, body, actions = got[-1]
                    ok.check(summary == 'Pia Pelican' and body == 'Pelicans at the pier',
                             'it names the sender and the subject (%r, %r)' % (summary, body))
                    ok.check('default' in actions, 'clicking it does something')
                    notifications.invoke(nid)
                    ok.check(app.wait_for(lambda: in_reader('Pelicans at the pier'), timeout=20)
                             is not None, 'clicking it opens the message')
                notifications.stop()

                # A second account appears; the open message dropped with Ctrl on its Inbox
                # (win.move-to-folder with copy) is copied there, and Undo takes the copy back.
                bob = servers.user(1)
                r = petrelui.add_account(data_dir, servers, bob, 'bob', 'Bob')
                ok.check(r.returncode == 0, 'a second account is added (%s)'
                         % r.stderr.decode().strip())
                inboxes = app.wait_for(lambda: len(petrelui.walk(
                    window, lambda n: n.roleName == 'label' and n.name == 'Inbox')) >= 2,
                    timeout=60)
                ok.check(inboxes is True, 'its Inbox shows in the sidebar')

                def bob_has(subject):
                    with Imap(servers, bob) as imap:
                        return (imap.subjects('INBOX') or []).count(subject)
                ok.check(activate('move-to-folder', "('bob', 'INBOX', true)"),
                         'win.move-to-folder to the other account, copying (Ctrl+drop)')
                ok.check(app.wait_for(lambda: find(window, name='1 message copied to Inbox',
                                                   role='label')) is not None,
                         'a toast says “1 message copied to Inbox”')
                ok.check(find(window, contains='Undo', role='push button') is not None,
                         'with an Undo button')
                ok.check(app.wait_for(lambda: bob_has('Pelicans at the pier') == 1,
                                      timeout=60),
                         'the other account’s server has the copy once')
                # The toast may be gone by now: its Undo is also Ctrl+Z (win.undo-last).
                ok.check(activate('undo-last', None), 'win.undo-last')
                undone = app.wait_for(lambda: bob_has('Pelicans at the pier') == 0, timeout=60)
                refused = find(window, prefix='Cannot undo', role='label')
                ok.check(undone is True, 'Undo deletes the copy from the other account’s server'
                         + ('' if refused is None else ' (%s)' % refused.name))
                with Imap(servers, alice) as imap:
                    ok.check('Pelicans at the pier' in (imap.subjects('INBOX') or []),
                             'the original stays in the first account')

                # Moved to the other account (it reaches both servers), then Undo: moved back.
                def alice_has(subject):
                    with Imap(servers, alice) as imap:
                        return (imap.subjects('INBOX') or []).count(subject)
                ok.check(activate('move-to-folder', "('bob', 'INBOX', false)"),
                         'win.move-to-folder to the other account, moving')
                moved = app.wait_for(lambda: bob_has('Pelicans at the pier') == 1 and
                                     alice_has('Pelicans at the pier') == 0, timeout=60)
                ok.check(moved is True, 'the message is on the other account’s server only')
                ok.check(activate('undo-last', None), 'win.undo-last after the move')
                back = app.wait_for(lambda: bob_has('Pelicans at the pier') == 0 and
                                    alice_has('Pelicans at the pier') == 1, timeout=60)
                refused = find(window, prefix='Cannot undo', role='label')
                ok.check(back is True, 'Undo moves it back to the first account’s server'
                         + ('' if refused is None else ' (%s)' % refused.name))

                ok.check(app.process.poll() is None, 'petrel still running')

            # The same mailbox in the dark style, for the screenshot a person looks at.
            with petrelui.App(data_dir, env={'ADW_DEBUG_COLOR_SCHEME': 'prefer-dark'}) as app:
                window = app.wait_for_window('Petrel')
                row_label = app.wait_for(lambda: in_list('Re: Boat trip on Saturday'),
                                         timeout=60)
                ok.check(row_label is not None, 'dark style: the thread is listed')
                if row_label is not None:
                    row_label.click()
                ok.check(app.wait_for(lambda: in_reader('Re: Boat trip on Saturday'),
                                      timeout=20) is not None,
                         'dark style: the conversation opens')
                time.sleep(1)
                ok.check(petrelui.screenshot('dark', crop=window) is not None,
                         'dark style: screenshot')
    finally:
        if servers is not None:
            servers.stop()
    return ok.finish()


if __name__ == '__main__':
    sys.exit(main())
