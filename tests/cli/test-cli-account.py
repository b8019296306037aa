#!/usr/bin/python3
# test-cli-account.py: `petrel-cli account add` with and without a login test, against the
# real loopback Dovecot and submission server: a good password is saved, a wrong one or an
# untrusted certificate saves nothing and says why in one line (with the certificate's
# fingerprint), and plain `account add` still works with no server at all (DESIGN.md).
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import re
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.environ.get('PETREL_SOURCE_ROOT', '.'), 'tests', 'support'))
import petrel_servers  # noqa: E402

CLI = os.environ.get('PETREL_CLI', 'petrel-cli')


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def check(self, cond, what, detail=None):
        self.n += 1
        print('%s %d - %s' % ('ok' if cond else 'not ok', self.n, what), flush=True)
        if not cond:
            self.failed += 1
            if detail is not None:
                for line in str(detail).splitlines()[:20]:
                    print('#   ' + line, flush=True)
        return cond

    def finish(self):
        print('1..%d' % self.n, flush=True)
        return 1 if self.failed else 0


def cli(data_dir, *args, stdin=b'', env=None):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([CLI, '--data-dir', data_dir] + list(args), input=stdin, env=e,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)


def add(data_dir, servers, user, account_id, *extra, password=None, ca=True, imap_port=None,
        smtp_port=None, globals_=()):
    args = list(globals_) + [
        'account', 'add', '--id', account_id, '--email', user['email'],
        '--imap', '127.0.0.1:%d' % (imap_port or servers.imap_port),
        '--imap-security', 'starttls',
        '--smtp', '127.0.0.1:%d' % (smtp_port or servers.smtps_port), '--smtp-security', 'tls',
        '--user', user['user'], '--password-stdin'] + list(extra)
    if ca:
        args += ['--ca-file', servers.ca_file]
    return cli(data_dir, *args, stdin=(password or user['password']).encode())


def listed(data_dir):
    r = cli(data_dir, '--json', 'account', 'list')
    return [json.loads(x)['id'] for x in r.stdout.decode().splitlines() if x.strip()]


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def one_line(r):
    err = r.stderr.decode()
    return err.count('\n') == 1 and err.startswith('petrel-cli: ')


def main():
    t = Tap()
    try:
        servers = petrel_servers.TestServers().start()
    except petrel_servers.Unavailable as e:
        print('1..0 # SKIP %s' % e)
        return 77

    d = tempfile.mkdtemp(prefix='petrel-account-')
    alice = servers.user(0)
    try:
        # -- the contract: plain `account add` needs no server (offline set-up)
        dead = free_port()
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
        r = add(d, servers, alice, 'nosmtp', '--test', smtp_port=free_port())
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
