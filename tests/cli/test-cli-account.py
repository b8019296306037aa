#!/usr/bin/python3
# test-cli-account.py: `petrel-cli account add` with and without a login test, against the
# real loopback Dovecot and submission server: a good password is saved, a wrong one or an
# untrusted certificate saves nothing and says why in one line (with the certificate's
# fingerprint), and plain `account add` still works with no server at all (DESIGN.md).
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clitest as C  # noqa: E402
from clitest import cli  # noqa: E402


def add(data_dir, servers, user, account_id, *extra, **kw):
    """IMAP with STARTTLS, SMTP with implicit TLS: the other way round from the other tests."""
    return C.add_account(data_dir, servers, user, account_id, *extra, imap_security='starttls',
                         smtp_security='tls', **kw)


def listed(data_dir):
    return [a['id'] for a in C.json_lines(cli(data_dir, '--json', 'account', 'list'))]


def one_line(r):
    err = r.stderr.decode()
    return err.count('\n') == 1 and err.startswith('petrel-cli: ')


def main():
    t = C.Tap()
    servers = C.start_servers()
    if servers is None:
        return 77

    d = tempfile.mkdtemp(prefix='petrel-account-')
    alice = servers.user(0)
    try:
        # -- the contract: plain `account add` needs no server (offline set-up)
        dead = C.free_port()
        r = add(d, servers, alice, 'offline', imap_port=dead, smtp_port=dead,
                globals_=('--offline',))
        t.check(r.returncode == 0, 'plain account add works with no server and --offline',
                r.stderr.decode())
        t.check('offline' in listed(d), 'the offline account is listed')
        cli(d, 'account', 'remove', 'offline')

        # -- --test with the right password: tested, then saved
        r = add(d, servers, alice, 'tested', '--test')
        t.check(r.returncode == 0, 'account add --test with the right password',
                r.stderr.decode())
        t.check('tested' in listed(d), 'the tested account is saved')
        r = cli(d, 'sync', 'tested')
        t.check(r.returncode == 0, 'and syncs', r.stderr.decode())
        cli(d, 'account', 'remove', 'tested')

        # -- a wrong password: nothing saved, one line naming both servers
        r = add(d, servers, alice, 'wrong', '--test', password='not-the-password')
        err = r.stderr.decode()
        t.check(r.returncode == 1, 'a wrong password fails with status 1', err)
        t.check(one_line(r), 'with one line on stderr', err)
        t.check('IMAP' in err and 'SMTP' in err, 'naming both servers', err)
        t.check('not-the-password' not in err, 'without the password', err)
        t.check('wrong' not in listed(d), 'and nothing is saved')
        t.check(not os.path.exists(os.path.join(d, 'accounts', 'wrong')),
                'not even the account directory')

        # -- an untrusted certificate: the fingerprint is in the message
        r = add(d, servers, alice, 'untrusted', '--test', ca=False)
        err = r.stderr.decode()
        t.check(r.returncode == 1 and one_line(r), 'an untrusted certificate fails in one line',
                err)
        fingerprints = re.findall(r'(?:[0-9A-F]{2}:){31}[0-9A-F]{2}', err)
        t.check(len(fingerprints) == 2, 'with the SHA-256 fingerprint of each server', err)
        t.check('untrusted' not in listed(d), 'and nothing is saved')

        # -- SMTP down, IMAP fine: still nothing saved, and only SMTP is blamed
        r = add(d, servers, alice, 'nosmtp', '--test', smtp_port=C.free_port())
        err = r.stderr.decode()
        t.check(r.returncode == 1 and 'SMTP' in err and 'IMAP' not in err,
                'one server down: only that one is reported', err)
        t.check('nosmtp' not in listed(d), 'and nothing is saved')

        # -- usage
        r = add(d, servers, alice, 'both', '--test', '--no-test')
        t.check(r.returncode == 2, '--test with --no-test is bad usage', r.stderr.decode())
        r = add(d, servers, alice, 'off', '--test', globals_=('--offline',))
        t.check(r.returncode == 1 and one_line(r) and 'off' not in listed(d),
                '--test under --offline fails and saves nothing', r.stderr.decode())
        r = cli(d, 'account', '--help')
        out = r.stdout.decode()
        t.check(r.returncode == 0 and '--no-test' in out and '--test' in out,
                '--help lists --test and --no-test', out)
    finally:
        servers.stop()

    return t.finish()


if __name__ == '__main__':
    sys.exit(main())
