# clitest.py: shared helpers for the petrel-cli tests (tests/cli/test-cli-*.py): TAP output,
# petrel-cli runs, the real loopback servers (tests/support/petrel_servers.py), adding an
# account against them and reading what they hold over IMAP of its own. A test imports it
# after putting its own directory on sys.path (which also puts tests/support on it).
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import imaplib
import json
import os
import re
import socket
import subprocess
import sys

SOURCE_ROOT = os.environ.get('PETREL_SOURCE_ROOT',
                             os.path.dirname(os.path.dirname(os.path.dirname(
                                 os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(SOURCE_ROOT, 'tests', 'support'))
import petrel_servers  # noqa: E402

CLI = os.environ.get('PETREL_CLI', 'petrel-cli')


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def check(self, cond, what, detail=None):
        self.n += 1
        # A description holding a line break (an error message) would end the TAP line early
        # and make the rest unparseable.
        what = ' '.join(str(what).split())
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


def cli(data_dir, *args, stdin=b'', env=None, timeout=300, check=False):
    """Run `petrel-cli --data-dir DATA_DIR ARGS…` with STDIN and the extra environment ENV;
    with CHECK, a failure raises."""
    e = dict(os.environ)
    e.update(env or {})
    r = subprocess.run([CLI, '--data-dir', data_dir] + [str(a) for a in args], input=stdin,
                       env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError('%s failed (%d): %s' % (' '.join(str(a) for a in args),
                                                     r.returncode,
                                                     r.stderr.decode(errors='replace')))
    return r


class Cli:
    """petrel-cli with the data dir DATA_DIR."""

    def __init__(self, data_dir):
        self.data_dir = data_dir

    def __call__(self, *args, stdin=b'', env=None):
        return cli(self.data_dir, *args, stdin=stdin, env=env)

    def json(self, *args):
        """The JSON objects `--json ARGS…` prints; a failure raises."""
        r = self('--json', *args)
        if r.returncode != 0:
            raise AssertionError('%s: %s' % (args, r.stderr.decode(errors='replace')))
        return json_lines(r)


def json_lines(r):
    """The JSON objects of a `--json` run's output, one a line."""
    return [json.loads(line) for line in r.stdout.decode().splitlines() if line.strip()]


def start_servers(**kwargs):
    """The loopback servers, started; None (after printing TAP's skip line) when this machine
    cannot run them: the test then returns 77."""
    try:
        return petrel_servers.TestServers(**kwargs).start()
    except petrel_servers.Unavailable as e:
        print('1..0 # SKIP %s' % e)
        return None


def add_account(data_dir, servers, user, account_id, *extra, password=None, name=None,
                imap_security='tls', imap_port=None, smtp_security='starttls', smtp_port=None,
                ca=True, globals_=(), env=None, check=False):
    """`petrel-cli account add` of USER of the test SERVERS as ACCOUNT_ID, its password on
    stdin. The ports default to the servers' for each security (tls: the implicit-TLS port,
    starttls: the plain one); CA trusts the servers' test CA; EXTRA goes after the options,
    GLOBALS_ before the command; with CHECK, a failure raises."""
    if imap_port is None:
        imap_port = servers.imaps_port if imap_security == 'tls' else servers.imap_port
    if smtp_port is None:
        smtp_port = servers.smtps_port if smtp_security == 'tls' else servers.smtp_port
    args = list(globals_) + ['account', 'add', '--id', account_id, '--email', user['email']]
    if name is not None:
        args += ['--name', name]
    args += ['--imap', '127.0.0.1:%d' % imap_port, '--imap-security', imap_security,
             '--smtp', '127.0.0.1:%d' % smtp_port, '--smtp-security', smtp_security,
             '--user', user['user'], '--password-stdin'] + list(extra)
    if ca:
        args += ['--ca-file', servers.ca_file]
    return cli(data_dir, *args, stdin=(password or user['password']).encode(), env=env,
               check=check)


def imap_login(servers, user):
    """A second, independent IMAP connection as USER: what the server really holds."""
    m = imaplib.IMAP4_SSL(servers.host, servers.imaps_port, ssl_context=servers.ssl_context())
    m.login(user['user'], user['password'])
    return m


class Server:
    """What the server really holds for USER, over an IMAP connection of its own (M)."""

    def __init__(self, servers, user):
        self.m = imap_login(servers, user)

    def messages(self, folder):
        """{uid: (subject, flags without \\Recent)} of FOLDER; None when it cannot be
        selected."""
        typ, _ = self.m.select('"%s"' % folder, readonly=True)
        if typ != 'OK':
            return None
        typ, data = self.m.uid('FETCH', '1:*', '(UID FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])')
        out = {}
        for item in data:
            if isinstance(item, tuple):
                head = item[0].decode()
                uid = int(re.search(r'UID (\d+)', head).group(1))
                flags = set(re.search(r'FLAGS \(([^)]*)\)', head).group(1).split()) - {'\\Recent'}
                subject = item[1].decode(errors='replace').split(':', 1)[-1].strip()
                out[uid] = (subject, flags)
        self.m.unselect()
        return out

    def subjects(self, folder):
        """The subjects in FOLDER, sorted; None when it cannot be selected."""
        msgs = self.messages(folder)
        return None if msgs is None else sorted(s for s, _ in msgs.values())

    def folders(self):
        """The names of all mailboxes, as the server has them."""
        typ, data = self.m.list('""', '*')
        names = set()
        for line in data:
            # (\Attrs) "delim" name, the name quoted when it has spaces
            name = re.match(r'\(.*?\) (?:"."|NIL) (.*)$', line.decode()).group(1)
            if name.startswith('"'):
                name = name[1:-1].replace('\\"', '"').replace('\\\\', '\\')
            names.add(name)
        return names

    def close(self):
        self.m.logout()


def free_port():
    """A loopback TCP port nothing listens on (for a server that is down)."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]
