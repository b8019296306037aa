# reliability.py: shared helpers for the reliability tests (tests/reliability/test-*.py).
#
# TAP output with TODO marks for known defects, the fault proxy (tests/support/
# petrel-fault-proxy) driven over its stdin, petrel-cli runs that can neither hang nor
# crash unnoticed, and views of the server (a second imaplib connection) and of the cache.
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import contextlib
import imaplib
import json
import os
import re
import selectors
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

SOURCE_ROOT = os.environ.get('PETREL_SOURCE_ROOT',
                             os.path.dirname(os.path.dirname(os.path.dirname(
                                 os.path.abspath(__file__)))))
BUILD_ROOT = os.environ.get('PETREL_BUILD_ROOT', os.path.join(SOURCE_ROOT, 'build'))
sys.path.insert(0, os.path.join(SOURCE_ROOT, 'tests', 'support'))
import petrel_servers  # noqa: E402,F401

CLI = os.environ.get('PETREL_CLI', 'petrel-cli')
PROXY = os.environ.get('PETREL_FAULT_PROXY',
                       os.path.join(BUILD_ROOT, 'tests', 'support', 'petrel-fault-proxy'))
# One seed for every random choice of the suite; override to explore.
SEED = int(os.environ.get('PETREL_RELIABILITY_SEED', '20261123'))


class Tap:
    """TAP on stdout. check(..., todo='why') marks a known defect: a failure is reported as
    `not ok … # TODO why` (expected), a pass as `ok … # TODO why` (so the mark gets removed
    once the defect is fixed)."""

    def __init__(self, name):
        self.name = name
        self.n = 0
        self.failed = 0
        self.todo_failed = 0
        self.start = time.monotonic()
        # Figures for build-aux/reliability-report, printed by finish() as one TAP comment
        # `# figures-json: {...}`: scenarios, cut_offsets, crash_points, lost, duplicates, ...
        self.figures = {}

    def check(self, cond, what, detail=None, todo=None):
        self.n += 1
        cond = bool(cond)
        line = '%s %d - %s' % ('ok' if cond else 'not ok', self.n, what)
        if todo:
            line += ' # TODO %s' % todo
        print(line, flush=True)
        if not cond:
            if todo:
                self.todo_failed += 1
            else:
                self.failed += 1
            if detail is not None:
                for text in str(detail).splitlines()[:25]:
                    print('#   ' + text, flush=True)
        return cond

    def note(self, text):
        for line in str(text).splitlines():
            print('# ' + line, flush=True)

    def skip_all(self, why):
        print('1..0 # SKIP %s' % why, flush=True)
        return 77

    def finish(self):
        self.note('%s: %d checks, %d failed, %d known defects (TODO), %.1f s' % (
            self.name, self.n, self.failed, self.todo_failed, time.monotonic() - self.start))
        self.note('figures-json: ' + json.dumps(dict(self.figures, test=self.name,
                                                     checks=self.n, failed=self.failed)))
        print('1..%d' % self.n, flush=True)
        return 1 if self.failed else 0


# ---- petrel-cli ----------------------------------------------------------------------------

class Run:
    """The outcome of one petrel-cli run: status (None if it had to be killed: a hang),
    stdout, stderr (text), elapsed seconds."""

    def __init__(self, args, status, stdout, stderr, elapsed, hung):
        self.args = args
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
        self.elapsed = elapsed
        self.hung = hung

    @property
    def crashed(self):
        return self.status is not None and self.status < 0

    def err_lines(self):
        return [x for x in self.stderr.splitlines() if x.strip()]

    def clean_failure(self):
        """Exit 1 with exactly one line on stderr, as the CLI contract says."""
        return self.status == 1 and len(self.err_lines()) == 1

    def json(self):
        return [json.loads(x) for x in self.stdout.decode().splitlines() if x.strip()]

    def describe(self):
        if self.hung:
            what = 'killed after %.0f s (hang)' % self.elapsed
        elif self.crashed:
            what = 'died of signal %d' % -self.status
        else:
            what = 'exit %d' % self.status
        return '%s: %s in %.1f s; stderr: %s' % (' '.join(self.args[-4:]), what, self.elapsed,
                                                 self.stderr.strip()[-600:])


def cli(data_dir, *args, stdin=b'', timeout=120, env=None):
    """Runs petrel-cli; never raises on failure, never waits longer than timeout."""
    e = dict(os.environ)
    e.update(env or {})
    argv = [CLI, '--data-dir', data_dir] + [str(a) for a in args]
    start = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=e, start_new_session=True)
    hung = False
    try:
        out, err = p.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        hung = True
        with contextlib.suppress(ProcessLookupError):
            os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
    return Run(argv, None if hung else p.returncode, out, err.decode(errors='replace'),
               time.monotonic() - start, hung)


def add_account(data_dir, account_id, user, imap_port, smtp_port, ca_file,
                imap_security='tls', smtp_security='starttls', password=None):
    r = cli(data_dir, 'account', 'add', '--id', account_id, '--email', user['email'],
            '--name', user.get('name') or user['user'],
            '--imap', '127.0.0.1:%d' % imap_port, '--imap-security', imap_security,
            '--smtp', '127.0.0.1:%d' % smtp_port, '--smtp-security', smtp_security,
            '--user', user['user'], '--ca-file', ca_file, '--password-stdin',
            stdin=(password or user['password']).encode())
    if r.status != 0:
        raise AssertionError('account add %s: %s' % (account_id, r.describe()))
    return r


def store_path(data_dir, account_id):
    return os.path.join(data_dir, 'accounts', account_id, 'store.db')


def integrity(data_dir, account_id):
    """PRAGMA integrity_check of the account's store.db ('ok' when sound)."""
    path = store_path(data_dir, account_id)
    if not os.path.exists(path):
        return 'ok (no store yet)'
    try:
        return _integrity(path)
    except sqlite3.OperationalError:
        # On a full disk SQLite may not even create the -shm file a reader needs: check a copy
        # (the database and its WAL) elsewhere.
        with tempfile.TemporaryDirectory(prefix='petrel-integrity-') as tmp:
            for suffix in ('', '-wal'):
                if os.path.exists(path + suffix):
                    shutil.copyfile(path + suffix, os.path.join(tmp, 'store.db' + suffix))
            return _integrity(os.path.join(tmp, 'store.db')) + ' (checked on a copy)'


def _integrity(path):
    con = sqlite3.connect('file:%s?mode=ro' % path, uri=True, timeout=30)
    try:
        return '\n'.join(row[0] for row in con.execute('PRAGMA integrity_check'))
    finally:
        con.close()


def local_uids(data_dir, account_id, folder):
    """The UIDs `list` prints, in its order (duplicates kept, to be detected)."""
    r = cli(data_dir, '--json', 'list', account_id, folder, '--limit', '1000000')
    if r.status != 0:
        return None
    return [row['uid'] for row in r.json()]


def pending(data_dir, account_id):
    r = cli(data_dir, '--json', 'pending', account_id)
    return r.json() if r.status == 0 else None


def outbox(data_dir, account_id):
    r = cli(data_dir, '--json', 'outbox', account_id)
    return r.json() if r.status == 0 else None


# ---- the server, seen from a second connection ---------------------------------------------

def imap_login(servers, user):
    m = imaplib.IMAP4_SSL(servers.host, servers.imaps_port, ssl_context=servers.ssl_context())
    m.login(user['user'], user['password'])
    return m


def server_uids(m, folder):
    typ, _ = m.select('"%s"' % folder, readonly=True)
    if typ != 'OK':
        return None
    typ, data = m.uid('SEARCH', None, 'ALL')
    return sorted(int(x) for x in data[0].split())


def server_status(m, folder):
    """MESSAGES, UIDNEXT, HIGHESTMODSEQ of a folder: any state-changing command moves one."""
    typ, data = m.status('"%s"' % folder, '(MESSAGES UIDNEXT HIGHESTMODSEQ)')
    if typ != 'OK':
        return None
    text = data[0].decode()
    return {k: int(v) for k, v in re.findall(r'(MESSAGES|UIDNEXT|HIGHESTMODSEQ) (\d+)', text)}


def server_message_ids(m, folder):
    """uid → Message-ID header (or None) of every message in the folder."""
    typ, _ = m.select('"%s"' % folder, readonly=True)
    if typ != 'OK':
        return None
    typ, data = m.uid('FETCH', '1:*', '(UID BODY.PEEK[HEADER.FIELDS (MESSAGE-ID SUBJECT)])')
    out = {}
    for item in data:
        if isinstance(item, tuple):
            uid = int(re.search(rb'UID (\d+)', item[0]).group(1))
            mid = re.search(rb'(?im)^message-id:\s*(<[^>]*>)', item[1])
            out[uid] = mid.group(1).decode() if mid else None
    return out


def server_subjects(servers, user, folder='INBOX'):
    """Subjects of every message of a user's folder (a list: duplicates count)."""
    m = imap_login(servers, user)
    try:
        typ, _ = m.select('"%s"' % folder, readonly=True)
        if typ != 'OK':
            return []
        typ, data = m.uid('FETCH', '1:*', '(BODY.PEEK[HEADER.FIELDS (SUBJECT)])')
        out = []
        for item in data:
            if isinstance(item, tuple):
                s = re.search(rb'(?i)subject:\s*(.*?)\r?\n\r?\n?', item[1] + b'\n')
                out.append(s.group(1).decode(errors='replace').strip() if s else None)
        return out
    finally:
        m.logout()


# ---- the fault proxy -----------------------------------------------------------------------

class ProxyError(Exception):
    pass


class Proxy:
    """tests/support/petrel-fault-proxy in front of 127.0.0.1:target."""

    def __init__(self, target, rule=None, transcript=None):
        argv = [PROXY, '--target', str(target)]
        if rule is not None:
            argv += ['--rule', json.dumps(rule)]
        if transcript is not None:
            argv += ['--transcript', transcript]
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self._buf = b''
        line = self._line(10)
        if line is None:
            self.proc.kill()
            self.proc.wait()
            raise ProxyError('petrel-fault-proxy gave no ready line')
        info = json.loads(line)
        if 'port' not in info:
            raise ProxyError('petrel-fault-proxy: %s' % info)
        self.port = info['port']
        self.target = target
        self.returncode = None

    def _line(self, timeout):
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while b'\n' not in self._buf:
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    return None
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    return None
                self._buf += chunk
        line, self._buf = self._buf.split(b'\n', 1)
        return line.decode()

    def command(self, cmd, **params):
        self.proc.stdin.write((json.dumps(dict(params, cmd=cmd)) + '\n').encode())
        self.proc.stdin.flush()
        line = self._line(10)
        if line is None:
            raise ProxyError('no reply to %s' % cmd)
        reply = json.loads(line)
        if not reply.get('ok'):
            raise ProxyError('%s: %s' % (cmd, reply.get('error')))
        return reply

    def rule(self, **rule):
        return self.command('rule', **rule)

    def clear(self):
        return self.command('clear')

    def stats(self):
        return self.command('stats')

    def reset_stats(self):
        return self.command('reset-stats')

    def transcript(self, path):
        return self.command('transcript', path=path)

    def events(self):
        """Every event of every session since the last reset, as one list of strings."""
        return [e for s in self.stats()['sessions'] for e in s['events']]

    def fired(self, kind='cut'):
        """How many sessions had a cut (or stall, inject, strip) fire."""
        n = 0
        for s in self.stats()['sessions']:
            if any(e.startswith(kind + ' ') or (' fires at ' in e and e.startswith(kind))
                   for e in s['events']):
                n += 1
        return n

    def stop(self):
        """Ends the proxy (stdin EOF); returns its exit status (0 unless it failed)."""
        if self.proc is None:
            return self.returncode
        with contextlib.suppress(OSError):
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        self.returncode = self.proc.returncode
        self.proc = None
        if self.returncode != 0:
            print('# petrel-fault-proxy for port %d exited with status %d' %
                  (self.target, self.returncode), flush=True)
        return self.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


_DATA_LINE = re.compile(r'^(\d+) (c2s|s2c) ([0-9a-f]+)  ((?:[0-9a-f]{2} +)+)')


def read_transcript(path):
    """{conn id: {'c2s': bytes, 's2c': bytes}} rebuilt from a proxy transcript."""
    out = {}
    if not os.path.exists(path):
        return out
    with open(path, encoding='latin-1') as f:
        for line in f:
            m = _DATA_LINE.match(line)
            if not m:
                continue
            conn = out.setdefault(int(m.group(1)), {'c2s': bytearray(), 's2c': bytearray()})
            stream = conn[m.group(2)]
            offset = int(m.group(3), 16)
            data = bytes.fromhex(m.group(4).replace(' ', ''))
            if offset != len(stream):
                raise ValueError('transcript gap in conn %s %s at %d' % (m.group(1),
                                                                         m.group(2), offset))
            stream += data
    return {k: {d: bytes(v) for d, v in c.items()} for k, c in out.items()}


def imap_commands(c2s):
    """The command names a client sent in a plaintext IMAP stream (literals skipped roughly:
    only lines that start with a tag)."""
    names = []
    for line in c2s.split(b'\r\n'):
        m = re.match(rb'^[A-Za-z0-9.]+ ((?:UID )?[A-Za-z]+)', line)
        if m:
            names.append(m.group(1).decode().upper())
    return names


def start_servers(t):
    """TestServers, or None after printing a TAP skip (programs missing)."""
    try:
        return petrel_servers.TestServers().start()
    except petrel_servers.Unavailable as e:
        t.skip_all(str(e))
        return None


def require_proxy(t):
    if not os.access(PROXY, os.X_OK):
        t.skip_all('petrel-fault-proxy not built (%s)' % PROXY)
        return False
    return True
