#!/usr/bin/python3
# test-background.py: "run in background" (issue 8). With the GSettings key run-in-background
# on, closing the main window leaves Petrel running: it goes on syncing (PETREL_SYNC_INTERVAL
# makes the periodic sync quick here) and mail delivered over SMTP meanwhile posts a
# notification (a stand-in org.freedesktop.Notifications on the test's session bus records
# it); activating the application shows the window again. With the key off, closing the
# window ends the process. (The sandboxed path, the Background portal, is not driven here.)
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import importlib.util
import os
import shutil
import smtplib
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import petrelui  # noqa: E402

APP_ID = 'org.petrelmail.Petrel'


def fake_notifications_class():
    """The stand-in notification server of test-organise.py."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'test-organise.py')
    spec = importlib.util.spec_from_file_location('test_organise', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.FakeNotifications


def write_settings(data_dir, background):
    d = os.path.join(data_dir, '.config', 'glib-2.0', 'settings')
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, 'keyfile'), 'w') as f:
        f.write('[org/petrelmail/Petrel]\nrun-in-background=%s\n'
                % ('true' if background else 'false'))


def send_mail(servers, user, subject):
    text = ('From: Rita Rook <rita@example.test>\r\nTo: %s\r\nSubject: %s\r\n'
            'Date: Sun, 22 Nov 2026 07:00:00 +0000\r\nMessage-ID: <rook@example.test>\r\n'
            'Content-Type: text/plain; charset=utf-8\r\n\r\nCaw.\r\n' % (user['email'], subject))
    with smtplib.SMTP('127.0.0.1', servers.smtp_port, timeout=30) as smtp:
        smtp.starttls(context=servers.ssl_context())
        smtp.login(user['user'], user['password'])
        smtp.sendmail(user['email'], [user['email']], text.encode())


def close_window(window):
    close = petrelui.find_showing(window, name='Close', role='push button')
    if close is None:
        return False
    close.click()
    return True


def main():
    if not petrelui.have_display():
        return 77
    if shutil.which('gdbus') is None or not os.environ.get('DBUS_SESSION_BUS_ADDRESS'):
        print('1..0 # SKIP no session bus (build-aux/keyring-session provides one)')
        return 77
    servers = petrelui.start_servers()
    if servers is None:
        return 77

    ok = petrelui.Tap()
    find = petrelui.find_showing
    env = {'GSETTINGS_BACKEND': 'keyfile', 'PETREL_SYNC_INTERVAL': '3',
           'G_MESSAGES_DEBUG': 'petrel-ui'}
    notifications = None
    try:
        servers.seed('alice', 'INBOX', count=3, seed=11)
        alice = servers.user(0)
        with tempfile.TemporaryDirectory(prefix='petrel-ui-') as data_dir:
            r = petrelui.add_account(data_dir, servers, alice)
            ok.check(r.returncode == 0, 'petrel-cli account add (%s)' % r.stderr.decode().strip())
            write_settings(data_dir, True)

            notifications = fake_notifications_class()()
            notifications.start()
            ok.check(notifications.ready.wait(10), 'a notification server is listening')

            with petrelui.App(data_dir, env=env) as app:
                window = app.wait_for_window('Petrel')
                ok.check(window is not None, 'main window appears')
                ok.check(app.wait_for(lambda: find(window, prefix='3 messages', role='label'),
                                      timeout=90) is not None, 'the Inbox syncs')
                ok.check(close_window(window), 'the window is closed')
                ok.check(app.wait_for(lambda: not window.showing, timeout=10) is True,
                         'it is no longer shown')
                time.sleep(4)
                ok.check(app.process.poll() is None, 'petrel keeps running in the background')

                send_mail(servers, alice, 'Rooks on the roof')
                got = app.wait_for(lambda: [n for n in notifications.received
                                            if n[2] == 'Rooks on the roof'], timeout=60)
                ok.check(bool(got), 'the periodic sync finds the new mail and a notification '
                         'names it (%r)' % notifications.received)
                if not got:
                    app.log.flush()
                    with open(app.log.name) as log:
                        for line in log:
                            if 'DEBUG' in line or 'WARNING' in line and 'Screen' not in line:
                                print('# ' + line.rstrip())
                ok.check(app.process.poll() is None, 'petrel still running')

                r = subprocess.run(['gdbus', 'call', '--session', '--dest', APP_ID,
                                    '--object-path', '/org/petrelmail/Petrel', '--method',
                                    'org.freedesktop.Application.Activate', '{}'],
                                   capture_output=True, text=True, timeout=20)
                ok.check(r.returncode == 0, 'the application is activated (%s)' % r.stderr.strip())
                shown = app.wait_for(lambda: next((w for w in app.root.children
                                                   if w.name.startswith('Petrel') and w.showing),
                                                  None), timeout=20)
                ok.check(shown is not None, 'activating it shows the window again')

            # With the key off (the default), closing the window ends Petrel.
            write_settings(data_dir, False)
            with petrelui.App(data_dir, env=env) as app:
                window = app.wait_for_window('Petrel')
                ok.check(window is not None, 'key off: main window appears')
                time.sleep(2)
                ok.check(close_window(window), 'key off: the window is closed')
                deadline = time.monotonic() + 20
                while app.process.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.2)
                ok.check(app.process.poll() is not None, 'key off: the process exits')
    finally:
        if notifications is not None:
            notifications.stop()
        servers.stop()
    return ok.finish()


if __name__ == '__main__':
    sys.exit(main())
