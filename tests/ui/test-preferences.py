#!/usr/bin/python3
# test-preferences.py: the preferences window. A setting changed there is kept in GSettings
# (the keyfile backend here, as a desktop's dconf would) and still set after a restart; an
# account is removed only after the confirmation, and then its directory and its keyring
# entries are gone.
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.environ.get('PETREL_SOURCE_ROOT', '.'), 'tests', 'support'))
import petrelui  # noqa: E402
import petrel_servers  # noqa: E402

CLI = os.environ.get('PETREL_CLI', 'petrel-cli')


def keyring_entries(data_dir):
    """The keyring items of accounts in DATA_DIR (their `account` attribute names it)."""
    r = subprocess.run(['secret-tool', 'search', '--all', 'xdg:schema',
                        'org.petrelmail.Petrel.Account'], capture_output=True, text=True)
    canonical = os.path.realpath(data_dir)
    return [line for line in (r.stdout + r.stderr).splitlines()
            if line.startswith('attribute.account') and canonical in line]


def is_checked(node):
    try:
        return node.checked
    except Exception:
        return None


def open_preferences(app, window):
    menu = app.wait_for(lambda: petrelui.find_showing(window, name='Main Menu',
                                                      role='push button'))
    menu.click()
    item = app.wait_for(lambda: next(iter(petrelui.walk(
        app.root, lambda n: n.name == 'Preferences' and n.roleName == 'menu item',
        limit=1)), None), timeout=10)
    if item is None:
        return None
    item.doActionNamed('click')
    return app.wait_for_window('Preferences')


def main():
    if not os.environ.get('DISPLAY') and not os.environ.get('WAYLAND_DISPLAY'):
        print('1..0 # SKIP no display (build-aux/test runs the UI tests under xvfb-run)')
        return 77
    if shutil.which('secret-tool') is None:
        print('1..0 # SKIP secret-tool (libsecret-tools) is not installed')
        return 77

    try:
        servers = petrel_servers.TestServers().start()
    except petrel_servers.Unavailable as e:
        print('1..0 # SKIP %s' % e)
        return 77

    ok = petrelui.Tap()
    find = petrelui.find_showing
    # A store that outlives the process, as dconf does on a desktop (the tests otherwise run
    # with the memory backend).
    env = {'GSETTINGS_BACKEND': 'keyfile'}
    try:
        servers.seed('alice', 'INBOX', count=5, seed=7)
        alice = servers.user(0)
        with tempfile.TemporaryDirectory(prefix='petrel-ui-') as data_dir:
            r = subprocess.run(
                [CLI, '--data-dir', data_dir, 'account', 'add', '--id', 'alice',
                 '--email', alice['email'], '--name', 'Alice at the lab',
                 '--imap', '127.0.0.1:%d' % servers.imaps_port, '--imap-security', 'tls',
                 '--smtp', '127.0.0.1:%d' % servers.smtp_port, '--smtp-security', 'starttls',
                 '--user', alice['user'], '--ca-file', servers.ca_file, '--password-stdin'],
                input=alice['password'].encode(), capture_output=True, timeout=60)
            ok.check(r.returncode == 0, 'petrel-cli account add (%s)' % r.stderr.decode().strip())
            ok.check(len(keyring_entries(data_dir)) >= 2,
                     'the account has its IMAP and SMTP passwords in the keyring')

            with petrelui.App(data_dir, env=env) as app:
                window = app.wait_for_window('Petrel')
                prefs = open_preferences(app, window)
                if not ok.check(prefs is not None, 'the main menu opens the preferences'):
                    return ok.finish()
                switch = app.wait_for(lambda: find(prefs, name='Conversations', role='check box'))
                ok.check(switch is not None and is_checked(switch) is True,
                         'conversations are on by default')
                switch.click()
                ok.check(app.wait_for(lambda: is_checked(switch) is False, timeout=5),
                         'a click turns them off')
                time.sleep(0.5)
                shot = petrelui.screenshot('preferences', crop=prefs)
                if shot is not None:
                    shutil.copyfile(shot, os.path.join(os.environ.get('PETREL_SOURCE_ROOT', '.'),
                                                       'data', 'screenshots', 'preferences.png'))

            keyfile = os.path.join(data_dir, '.config', 'glib-2.0', 'settings', 'keyfile')
            text = open(keyfile).read() if os.path.exists(keyfile) else ''
            ok.check('conversations=false' in text, 'the setting is stored in GSettings')

            with petrelui.App(data_dir, env=env) as app:
                window = app.wait_for_window('Petrel')
                prefs = open_preferences(app, window)
                switch = app.wait_for(lambda: find(prefs, name='Conversations', role='check box'))
                ok.check(switch is not None and is_checked(switch) is False,
                         'after a restart it is still off')

                # Accounts: open the account, remove it, confirm.
                tab = app.wait_for(lambda: find(prefs, name='Accounts', role='page tab')
                                   or find(prefs, name='Accounts', role='push button'))
                ok.check(tab is not None, 'the preferences have an Accounts page')
                tab.click()
                row = app.wait_for(lambda: find(prefs, name='Alice at the lab'), timeout=10)
                ok.check(row is not None, 'which lists the account')
                row.click()
                remove = app.wait_for(lambda: find(prefs, name='Remove Account…',
                                                   role='push button'), timeout=10)
                ok.check(remove is not None, 'its page offers “Remove Account…”')
                petrelui.screenshot('preferences-account', crop=prefs)
                # Below the fold of the page: the button's own action, as Enter would.
                remove.doActionNamed('click')
                dialog = app.wait_for(lambda: next(
                    (w for w in app.root.children if w.name.startswith('Remove ')), None) or
                    find(app.root, prefix='Remove alice@'), timeout=10)
                ok.check(dialog is not None, 'removing asks for confirmation first')
                ok.check(os.path.isdir(os.path.join(data_dir, 'accounts', 'alice')),
                         'nothing is removed before the answer')
                confirm = app.wait_for(lambda: next(iter(petrelui.walk(
                    app.root, lambda n: n.roleName == 'push button' and
                    n.name.replace('_', '').startswith('Remove') and
                    'Account' not in n.name, limit=1)), None), timeout=10)
                ok.check(confirm is not None, 'with a “Remove” button')
                petrelui.screenshot('preferences-remove', crop=prefs)
                confirm.doActionNamed('click')
                gone = app.wait_for(lambda: not os.path.exists(
                    os.path.join(data_dir, 'accounts', 'alice')), timeout=30)
                ok.check(gone, 'after “Remove” the account’s directory (settings, cache) is gone')
                ok.check(keyring_entries(data_dir) == [],
                         'and its passwords are gone from the keyring')
                ok.check(app.wait_for(lambda: find(prefs, name='No accounts yet'), timeout=10)
                         is not None, 'the preferences no longer list it')
                ok.check(app.wait_for(lambda: find(window, name='Alice at the lab',
                                                   role='label') is None, timeout=20),
                         'nor does the main window')
                ok.check(app.process.poll() is None, 'petrel still running')
    finally:
        servers.stop()
    return ok.finish()


if __name__ == '__main__':
    sys.exit(main())
