#!/usr/bin/python3
# test-cli-keyring-locked.py: a password kept in a keyring that is locked, with no unlock prompt
# possible (no display for gcr-prompter), is reported as such, in one line, and not as a
# missing password; a password that is really missing is still reported as missing, locked
# keyring or not. The test runs itself inside a private keyring session of its own
# (build-aux/keyring-session), because it locks that session's login collection, which would
# break every test after it in the suite's shared session.
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clitest as C  # noqa: E402
from clitest import cli  # noqa: E402

INNER = 'PETREL_TEST_KEYRING_LOCKED_INNER'
LOGIN = '/org/freedesktop/secrets/collection/login'


def add(data_dir, account_id):
    # No server is needed: `account add` without --check only writes the account and the
    # password. Port 9 (discard) on loopback: nothing listens there in the test machine.
    return cli(data_dir, 'account', 'add', '--id', account_id, '--email',
               '%s@example.test' % account_id, '--imap', '127.0.0.1:9', '--imap-security',
               'tls', '--smtp', '127.0.0.1:9', '--smtp-security', 'tls', '--user', account_id,
               '--password-stdin', stdin=b'not-a-real-password\n')


def secret_attributes(data_dir, account_id):
    """The attributes Petrel's secrets carry: the account's secret key is "ID@DATA_DIR"."""
    return ['account', '%s@%s' % (account_id, data_dir), 'service', 'imap']


def collection_locked():
    r = subprocess.run(['gdbus', 'call', '--session', '--dest', 'org.freedesktop.secrets',
                        '--object-path', LOGIN, '--method', 'org.freedesktop.DBus.Properties.Get',
                        'org.freedesktop.Secret.Collection', 'Locked'],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return r.returncode == 0 and b'true' in r.stdout


def one_line(r):
    err = r.stderr.decode(errors='replace')
    return err.count('\n') == 1 and err.startswith('petrel-cli: ')


def inner():
    t = C.Tap()
    with tempfile.TemporaryDirectory(prefix='petrel-keyring-locked-') as data_dir:
        os.chmod(data_dir, 0o700)
        t.check(add(data_dir, 'kept').returncode == 0, 'account add stores a password')
        t.check(add(data_dir, 'gone').returncode == 0, 'a second account')

        # The second account's password is removed behind Petrel's back.
        r = subprocess.run(['secret-tool', 'clear'] + secret_attributes(data_dir, 'gone'),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        t.check(r.returncode == 0, 'secret-tool clears the second password', r.stderr)
        r = subprocess.run(['secret-tool', 'lookup'] + secret_attributes(data_dir, 'kept'),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        t.check(r.returncode == 0 and r.stdout.strip() == b'not-a-real-password',
                'the first password is stored under the attributes this test assumes')

        r = cli(data_dir, 'sync', 'gone', timeout=60)
        t.check(r.returncode == 1 and one_line(r) and b'No password' in r.stderr,
                'unlocked keyring, password missing: "No password", exit 1', r.stderr)

        r = subprocess.run(['gdbus', 'call', '--session', '--dest', 'org.freedesktop.secrets',
                            '--object-path', '/org/freedesktop/secrets', '--method',
                            'org.freedesktop.Secret.Service.Lock', "['%s']" % LOGIN],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        t.check(r.returncode == 0 and collection_locked(), 'the login collection is locked',
                r.stderr)

        r = cli(data_dir, 'sync', 'kept', timeout=60)
        err = r.stderr.decode(errors='replace')
        t.check(r.returncode == 1, 'locked keyring: sync fails with exit 1', err)
        t.check(one_line(r), 'locked keyring: one line on stderr', err)
        t.check('locked' in err and 'No password' not in err,
                'locked keyring: the line says the keyring is locked, not that the password '
                'is missing', err)
        t.check('not-a-real-password' not in err and 'not-a-real-password' not in
                r.stdout.decode(errors='replace'), 'the password is never printed')

        r = cli(data_dir, 'sync', 'gone', timeout=60)
        t.check(r.returncode == 1 and one_line(r) and b'No password' in r.stderr,
                'locked keyring, password missing: still "No password"', r.stderr)

        r = cli(data_dir, '--json', 'account', 'list')
        t.check(r.returncode == 0 and len(C.json_lines(r)) == 2,
                'account list works with the keyring locked')
    return t.finish()


def main():
    if os.environ.get(INNER) == '1':
        return inner()
    env = dict(os.environ)
    env[INNER] = '1'
    # No display, so that no unlock prompt can be shown (the suite runs under Xvfb, where
    # gcr-prompter would open one and wait for a person).
    for name in ('DISPLAY', 'WAYLAND_DISPLAY'):
        env.pop(name, None)
    # Not inside the suite's session: the nested one starts its own D-Bus and keyring.
    return subprocess.call([os.path.join(C.SOURCE_ROOT, 'build-aux', 'keyring-session'),
                            sys.executable, os.path.abspath(__file__)], env=env)


if __name__ == '__main__':
    sys.exit(main())
