#!/usr/bin/python3
# bench.py: the driver behind build-aux/bench (run that, not this: it installs, builds and sets
# up the keyring session this needs).
#
# For each size it starts a fresh private Dovecot (tests/support/petrel-test-servers), seeds that
# many generated messages into alice's INBOX, lets Dovecot build its index and cache once, then
# measures Petrel and a baseline alternately in the same run and prints ratios with the absolute
# numbers beside them:
#   imap  the engine's PetrelImapClient streaming `UID FETCH 1:* (… ENVELOPE BODYSTRUCTURE)`
#         (tests/bench/bench-imap-client) vs a raw TLS reader (tests/bench/bench-fetch-raw)
#   sync  `petrel-cli sync` (headers + bodies + FTS) vs mbsync into a maildir; headers-only sync
#         vs a raw FETCH dump; a no-change re-sync (time and IMAP commands); search latency
#         (petrel-cli, and the store alone); opening a folder and reading 50 rows; peak RSS
#   headers  only the headers-only sync vs the raw FETCH dump (a quick loop while tuning it;
#         --perf FILE then profiles one more headers-only sync with `perf record -g`;
#         --compare DIR also runs the petrel-cli of another build, DIR, in the same rotation,
#         so that two builds are compared under the same load)
#   resync  only the no-change re-sync of a fully synced folder, --runs times (--compare DIR:
#         alternating with the petrel-cli of DIR on the same store)
# Each timing runs --runs times (default 3) and the median is reported. Everything talks to
# 127.0.0.1 only; temporary directories and servers are removed at the end, also on Ctrl-C.
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import argparse
import concurrent.futures
import json
import math
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SOURCE_ROOT, 'tests', 'support'))
import petrel_servers  # noqa: E402

USER = 'alice'
FOLDER = 'INBOX'
ACCOUNT = 'bench'
SEED_CHUNK = 5000
# tests/engine/bench-imap seeds its own mailbox: run that cross-check for small sizes only.
CROSS_CHECK_MAX = 10000

IMAP_ITEMS = '(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE)'


def summary_fields():
    """PETREL_MIME_SUMMARY_FIELDS, the header fields a sync fetches, from the source."""
    path = os.path.join(SOURCE_ROOT, 'src', 'engine', 'mime', 'petrel-mime-summary.h')
    with open(path, encoding='utf-8') as f:
        m = re.search(r'#define PETREL_MIME_SUMMARY_FIELDS\s*\\?\s*"([^"]+)"', f.read())
    if not m:
        raise SystemExit('bench: no PETREL_MIME_SUMMARY_FIELDS in %s' % path)
    return m.group(1)


# Exactly what petrel-cli asks a CONDSTORE server for (HEADER_ITEMS_MODSEQ in
# src/engine/sync/petrel-sync.c).
HEADER_ITEMS = ('(UID FLAGS INTERNALDATE RFC822.SIZE MODSEQ BODYSTRUCTURE'
                ' BODY.PEEK[HEADER.FIELDS (%s)])' % summary_fields())
# The same with whole header blocks, as Petrel fetched before (#4): a reference, not the goal.
WHOLE_HEADER_ITEMS = '(UID FLAGS INTERNALDATE RFC822.SIZE MODSEQ BODYSTRUCTURE BODY.PEEK[HEADER])'
BODY_ITEMS = '(UID BODY.PEEK[])'

# About thirty different searches a person might type into this mailbox: words, names and
# phrases the generator uses (tests/support/petrel_servers.py), operators and combinations,
# rare and common terms.
SEARCH_QUERIES = [
    'budget',
    'roadmap',
    'invoice',
    'quarterly report',
    'deadline',
    'coffee',
    'project',
    '"sync engine"',
    '"weekly digest"',
    '"search index" review',
    'onboarding feedback',
    'travel plans',
    'München',
    'café',
    'Привет',
    'Zhang',
    'from:priya',
    'from:nakamura budget',
    'to:alice',
    'subject:invoice',
    'subject:"meeting notes"',
    'has:attachment',
    'has:attachment report',
    'is:unread',
    'is:flagged',
    'is:unread from:rossi',
    'is:flagged has:attachment',
    'after:2024-06-01 before:2024-07-01',
    'before:2024-02-01 invoice',
    'after:2024-10-01 release',
    'proposal draft',
    'Kowalski meeting',
]


class Interrupted(Exception):
    pass


PROGRESS = sys.stderr


def log(msg):
    print('bench: %s' % msg, file=PROGRESS, flush=True)


def loadavg():
    try:
        return '%.2f %.2f %.2f' % os.getloadavg()
    except OSError:
        return '?'


def median(values):
    return statistics.median(values) if values else None


def p90(values):
    """Nearest-rank 90th percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def fmt_s(seconds):
    if seconds is None:
        return '—'
    if seconds < 1:
        return '%.0f ms' % (seconds * 1000)
    if seconds < 100:
        return '%.2f s' % seconds
    return '%.0f s' % seconds


def fmt_ms(ms):
    if ms is None:
        return '—'
    return '%.1f ms' % ms if ms < 100 else '%.0f ms' % ms


def fmt_mb(kb):
    return '—' if kb is None else '%.0f MB' % (kb / 1024)


def fmt_count(n):
    return '{:,}'.format(n)


def cpu_note(petrel, other, name):
    if None in petrel or None in other:
        return None
    return 'CPU (user+sys): petrel-cli %s, %s %s' % (fmt_s(median(petrel)), name,
                                                      fmt_s(median(other)))


class Failed(Exception):
    """A measured program failed; the figure is reported as failed, the rest goes on."""


class Runner:
    """Runs measured programs: wall time from here, peak RSS from GNU time (a parent that is
    itself small, since Linux carries a parent's RSS peak across fork + exec)."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.time_bin = shutil.which('time', path='/usr/bin:/bin')
        self.n = 0

    def run(self, argv, stdin=None, env=None, timeout=None, check=True, what=None):
        self.n += 1
        rss_file = os.path.join(self.tmp, 'rss.%d' % self.n)
        full = list(argv)
        if self.time_bin:
            full = [self.time_bin, '-f', '%M %U %S', '-o', rss_file] + full
        start = time.monotonic()
        try:
            proc = subprocess.run(full, input=stdin, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=env, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise Failed('%s timed out after %d s' % (what or os.path.basename(argv[0]), timeout))
        wall = time.monotonic() - start
        rss = None
        proc.cpu_seconds = None
        try:
            with open(rss_file) as f:
                lines = [line.split() for line in f if line.strip()]
            os.unlink(rss_file)
            if lines and len(lines[-1]) == 3:
                rss = int(lines[-1][0])
                proc.cpu_seconds = float(lines[-1][1]) + float(lines[-1][2])
        except (OSError, ValueError):
            pass
        if check and proc.returncode != 0:
            err = proc.stderr.decode('utf-8', 'replace').strip().splitlines()
            raise Failed('%s failed (exit %d): %s' % (
                what or os.path.basename(argv[0]), proc.returncode,
                ' / '.join(err[-3:]) or '(no message)'))
        return wall, rss, proc


class Bench:
    def __init__(self, args, tmp):
        self.args = args
        self.tmp = tmp
        b = args.builddir
        self.cli = os.path.join(b, 'src', 'cli', 'petrel-cli')
        self.compare_cli = None
        if getattr(args, 'compare', None):
            self.compare_cli = os.path.join(args.compare, 'src', 'cli', 'petrel-cli')
            if not os.access(self.compare_cli, os.X_OK):
                raise SystemExit('bench: %s is missing' % self.compare_cli)
        self.raw = os.path.join(b, 'tests', 'bench', 'bench-fetch-raw')
        self.imap = os.path.join(b, 'tests', 'bench', 'bench-imap-client')
        self.store = os.path.join(b, 'tests', 'bench', 'bench-store')
        for path in (self.cli, self.raw, self.imap, self.store):
            if not os.access(path, os.X_OK):
                raise SystemExit('bench: %s is missing: build it first (build-aux/bench does)'
                                 % path)
        self.mbsync = shutil.which('mbsync')
        self.runner = Runner(tmp)
        self.env = {k: v for k, v in os.environ.items() if k != 'G_MESSAGES_DEBUG'}
        self.results = []
        self.servers = None
        self.n_dirs = 0
        self.sizes = []         # (size, info) in the order run, also for a size cut short

    # -- helpers ---------------------------------------------------------------------------

    def fresh_dir(self, prefix):
        self.n_dirs += 1
        path = os.path.join(self.tmp, '%s-%d' % (prefix, self.n_dirs))
        os.mkdir(path, 0o700)
        return path

    def password(self):
        return self.servers.user(0)['password']

    def raw_fetch(self, items, compress=False):
        argv = [self.raw, '--port', str(self.servers.imaps_port), '--ca-file',
                self.servers.ca_file, '--user', USER, '--mailbox', FOLDER, '--items', items]
        if compress:
            argv.append('--compress')
        wall, _rss, proc = self.runner.run(argv, stdin=(self.password() + '\n').encode(),
                                           env=self.env, what='bench-fetch-raw')
        out = json.loads(proc.stdout)
        out['wall'] = wall
        out['cpu'] = proc.cpu_seconds
        return out

    def engine_fetch(self, items, compress=True):
        argv = [self.imap, '--port', str(self.servers.imaps_port), '--ca-file',
                self.servers.ca_file, '--user', USER, '--mailbox', FOLDER, '--items', items]
        if not compress:
            argv.append('--no-compress')
        wall, _rss, proc = self.runner.run(argv, stdin=(self.password() + '\n').encode(),
                                           env=self.env, what='bench-imap-client')
        out = json.loads(proc.stdout)
        out['wall'] = wall
        out['cpu'] = proc.cpu_seconds
        return out

    def cli_run(self, data_dir, *args, env=None, stdin=None, what=None, cli=None):
        return self.runner.run([cli or self.cli, '--data-dir', data_dir] + list(args),
                               stdin=stdin, env=env or self.env,
                               what=what or 'petrel-cli %s' % args[0])

    def add_account(self, data_dir, cli=None):
        s = self.servers
        u = s.user(0)
        self.cli_run(data_dir, 'account', 'add', '--id', ACCOUNT, '--email', u['email'],
                     '--imap', '127.0.0.1:%d' % s.imaps_port, '--imap-security', 'tls',
                     '--smtp', '127.0.0.1:%d' % s.smtp_port, '--smtp-security', 'starttls',
                     '--user', u['user'], '--ca-file', s.ca_file, '--password-stdin',
                     stdin=u['password'].encode(), cli=cli)

    def account_dir(self, data_dir):
        return os.path.join(data_dir, 'accounts', ACCOUNT)

    def store_stats(self, data_dir):
        _wall, _rss, proc = self.runner.run(
            [self.store, 'stats', self.account_dir(data_dir), FOLDER], env=self.env,
            what='bench-store stats')
        return json.loads(proc.stdout)

    def petrel_sync(self, headers_only=False, keep=False, cli=None):
        """A first sync into a fresh data dir: (wall, rss, stats, data_dir or None)."""
        data_dir = self.fresh_dir('petrel')
        self.add_account(data_dir, cli=cli)
        argv = ['sync', ACCOUNT, '--folder', FOLDER]
        if headers_only:
            argv.append('--headers-only')
        wall, rss, proc = self.cli_run(data_dir, *argv, what='petrel-cli sync', cli=cli)
        stats = self.store_stats(data_dir)
        stats['cpu_seconds'] = proc.cpu_seconds
        if not keep:
            shutil.rmtree(data_dir, ignore_errors=True)
            data_dir = None
        return wall, rss, stats, data_dir

    def mbsync_run(self):
        """mbsync pulls the folder into a fresh maildir: (wall, rss, messages written)."""
        d = self.fresh_dir('mbsync')
        s = self.servers
        # isync 1.4 matches the host name only against the certificate's DNS names, not its IP
        # address; it also accepts a peer certificate listed in CertificateFile itself. So the
        # file holds the harness CA and its server certificate (both public) and Host stays
        # 127.0.0.1. The password comes from the environment through PassCmd, never a file.
        certs = os.path.join(d, 'certs.pem')
        with open(certs, 'w') as out:
            for path in (s.ca_file, os.path.join(s.info['dir'], 'tls', 'server.pem')):
                with open(path) as f:
                    out.write(f.read())
        maildir = os.path.join(d, 'maildir')
        os.mkdir(maildir, 0o700)
        rc = os.path.join(d, 'mbsyncrc')
        with open(rc, 'w') as f:
            f.write('IMAPAccount bench\n'
                    'Host 127.0.0.1\n'
                    'Port %d\n'
                    'SSLType IMAPS\n'
                    'CertificateFile %s\n'
                    'User %s\n'
                    'PassCmd "printenv PETREL_BENCH_PASSWORD"\n'
                    '\n'
                    'IMAPStore bench-far\n'
                    'Account bench\n'
                    '\n'
                    'MaildirStore bench-near\n'
                    'Path %s/\n'
                    'Inbox %s/INBOX\n'
                    '\n'
                    'Channel bench\n'
                    'Far :bench-far:\n'
                    'Near :bench-near:\n'
                    'Patterns INBOX\n'
                    'Sync Pull\n'
                    'Create Near\n'
                    'SyncState *\n' % (s.imaps_port, certs, USER, maildir, maildir))
        env = dict(self.env, PETREL_BENCH_PASSWORD=self.password())
        wall, rss, proc = self.runner.run([self.mbsync, '-c', rc, 'bench'], env=env,
                                          what='mbsync')
        n = 0
        for sub in ('cur', 'new'):
            n += len(os.listdir(os.path.join(maildir, 'INBOX', sub)))
        shutil.rmtree(d, ignore_errors=True)
        return wall, rss, n, proc.cpu_seconds

    def add(self, size, section, figure, petrel, baseline=None, ratio=None, goal=None,
            met=None, note=None, raw=None):
        row = {'size': size, 'section': section, 'figure': figure, 'petrel': petrel,
               'baseline': baseline, 'ratio': ratio, 'goal': goal, 'met': met, 'note': note,
               'raw': raw}
        self.results.append(row)
        shown = '%s: %s' % (figure, petrel)
        if baseline:
            shown += ' vs %s' % baseline
        if ratio is not None:
            shown += ' = %.2f×' % ratio
        log('[%s] %s' % (fmt_count(size), shown))
        return row

    def skipped(self, size, section, figure, why):
        """A context figure that could not be taken; unlike failed(), not an error."""
        log('[%s] %s skipped: %s' % (fmt_count(size), figure, why))
        return self.add(size, section, figure, 'skipped', note=str(why))

    def failed(self, size, section, figure, error, goal=None):
        log('[%s] %s FAILED: %s' % (fmt_count(size), figure, error))
        return self.add(size, section, figure, 'failed', goal=goal, met=False, note=str(error))

    # -- setup -----------------------------------------------------------------------------

    def start_servers(self):
        self.servers = petrel_servers.TestServers(args=['--parent', self.tmp], timeout=60).start()

    def stop_servers(self):
        if self.servers is not None:
            self.servers.stop()
            self.servers = None

    def seed(self, size):
        info = self.servers.info
        # Creates the folder's directories once, so the parallel workers do not race for them.
        petrel_servers.seed_maildir(info['dir'], USER, FOLDER, 0, 0, info['maildir_root'])
        chunks = []
        for k, start in enumerate(range(0, size, SEED_CHUNK)):
            chunks.append((min(SEED_CHUNK, size - start), 1000 + k))
        workers = max(1, min(2, os.cpu_count() or 1, len(chunks)))
        done = 0
        t0 = time.monotonic()
        with concurrent.futures.ProcessPoolExecutor(max_workers=workers,
                                                    initializer=_ignore_sigint) as ex:
            futures = [ex.submit(petrel_servers.seed_maildir, info['dir'], USER, FOLDER, n, s,
                                 info['maildir_root']) for n, s in chunks]
            try:
                for f in concurrent.futures.as_completed(futures):
                    done += f.result()
                    log('[%s] seeding: %s / %s messages (%.0f s)' % (
                        fmt_count(size), fmt_count(done), fmt_count(size),
                        time.monotonic() - t0))
            except BaseException:
                ex.shutdown(wait=True, cancel_futures=True)
                raise
        folder_dir = petrel_servers.maildir_folder_dir(
            os.path.join(info['maildir_root'], USER), FOLDER)
        sizes = [e.stat().st_size for e in os.scandir(os.path.join(folder_dir, 'cur'))]
        if len(sizes) != size:
            raise SystemExit('bench: seeded %d messages, expected %d' % (len(sizes), size))
        return {'messages': len(sizes), 'bytes': sum(sizes), 'median': statistics.median(sizes),
                'seconds': time.monotonic() - t0}

    def warm_up(self, size, items_list):
        """Dovecot indexes a fresh maildir and fills its cache on first access: pay that once,
        before anything is timed, for every kind of FETCH the benchmark makes."""
        for items in items_list:
            out = self.raw_fetch(items)
            if out['fetched'] != size:
                raise SystemExit('bench: the server returned %d messages, expected %d'
                                 % (out['fetched'], size))
            log('[%s] warm-up %s: %s (%s)' % (fmt_count(size), items, fmt_s(out['wall']),
                                              fmt_mb(out['bytes'] / 1024)))

    # -- imap ------------------------------------------------------------------------------

    def bench_imap(self, size):
        runs = self.args.runs
        t = {'raw': [], 'raw_z': [], 'engine': [], 'engine_nz': []}
        cpu = {'raw': [], 'raw_z': [], 'engine': [], 'engine_nz': []}
        rss = {'raw': [], 'engine': [], 'engine_nz': []}
        order = ['raw', 'engine', 'engine_nz', 'raw_z']
        try:
            for r in range(runs):
                for kind in order[r % len(order):] + order[:r % len(order)]:
                    log('[%s] imap: %s run %d/%d' % (fmt_count(size), kind, r + 1, runs))
                    if kind.startswith('raw'):
                        out = self.raw_fetch(IMAP_ITEMS, compress=kind == 'raw_z')
                    else:
                        out = self.engine_fetch(IMAP_ITEMS, compress=kind == 'engine')
                        if out['with_envelope'] != size or out['with_bodystructure'] != size:
                            raise Failed('the engine decoded %d envelopes and %d body '
                                         'structures of %d' % (out['with_envelope'],
                                                               out['with_bodystructure'], size))
                    if out['fetched'] != size:
                        raise Failed('%s fetched %d of %d' % (kind, out['fetched'], size))
                    t[kind].append(out['fetch_seconds'])
                    cpu[kind].append(out['fetch_cpu_seconds'])
                    if kind in rss:
                        rss[kind].append(out['maxrss_kb'])
        except Failed as e:
            self.failed(size, 'imap', 'FETCH stream through PetrelImapClient', e, '≤ 1.3×')
            return
        raw, raw_z = median(t['raw']), median(t['raw_z'])
        eng, eng_nz = median(t['engine']), median(t['engine_nz'])
        ratio = eng / raw

        def cpu_of(a, b):
            # CPU time is steadier than wall time on a shared machine.
            ea, rb = median(cpu[a]), median(cpu[b])
            return 'client CPU during the FETCH: engine %s, raw %s (%.2f×)' % (
                fmt_s(ea), fmt_s(rb), ea / rb if rb else float('nan'))

        self.add(size, 'imap', 'FETCH ENVELOPE+BODYSTRUCTURE: engine (defaults, COMPRESS on) vs '
                 'raw TLS', fmt_s(eng), 'raw %s' % fmt_s(raw), ratio, '≤ 1.3×', ratio <= 1.3,
                 note=cpu_of('engine', 'raw'),
                 raw={'engine': t['engine'], 'raw': t['raw'], 'cpu': cpu})
        self.add(size, 'imap', 'same, both without COMPRESS', fmt_s(eng_nz),
                 'raw %s' % fmt_s(raw), eng_nz / raw, '≤ 1.3×', eng_nz / raw <= 1.3,
                 note=cpu_of('engine_nz', 'raw'), raw={'engine': t['engine_nz'], 'raw': t['raw']})
        self.add(size, 'imap', 'same, both with COMPRESS', fmt_s(eng),
                 'raw %s' % fmt_s(raw_z), eng / raw_z, None, None,
                 note=cpu_of('engine', 'raw_z'), raw={'engine': t['engine'], 'raw': t['raw_z']})
        self.add(size, 'imap', 'peak RSS of the engine client (COMPRESS on / off)',
                 '%s / %s' % (fmt_mb(max(rss['engine'])), fmt_mb(max(rss['engine_nz']))),
                 'raw %s' % fmt_mb(max(rss['raw'])), None, None, None,
                 raw={'engine': rss['engine'], 'engine_nz': rss['engine_nz'],
                      'raw': rss['raw']})

    def cross_check_imap(self, size):
        """tests/engine/bench-imap (another helper's self-contained benchmark: own servers, own
        seeding, one pass, connect included) as a cross-check of the figures above. Only for
        small sizes, since it seeds its own mailbox again."""
        exe = os.path.join(self.args.builddir, 'tests', 'engine', 'bench-imap')
        if not os.access(exe, os.X_OK) or size > CROSS_CHECK_MAX:
            return
        log('[%s] imap: cross-check with tests/engine/bench-imap' % fmt_count(size))
        env = dict(self.env, PETREL_TEST_SERVERS=os.path.join(SOURCE_ROOT, 'tests', 'support',
                                                              'petrel-test-servers'))
        try:
            _wall, _rss, proc = self.runner.run([exe, str(size)], env=env, what='bench-imap')
        except Failed as e:
            self.skipped(size, 'imap', 'cross-check: tests/engine/bench-imap', e)
            return
        text = proc.stdout.decode('utf-8', 'replace')
        raw = [float(m.group(1)) for m in re.finditer(r'raw TLS read-and-discard: .* in '
                                                       r'([\d.]+) s', text)]
        plain = re.search(r'^petrel: (\d+) messages in ([\d.]+) s', text, re.M)
        packed = re.search(r'^petrel \(COMPRESS\): (\d+) messages in ([\d.]+) s', text, re.M)
        if not raw or plain is None or packed is None:
            self.skipped(size, 'imap', 'cross-check: tests/engine/bench-imap',
                         'unexpected output: %s' % text.strip()[-200:])
            return
        floor = raw[-1]     # its first raw pass also warms Dovecot up
        self.add(size, 'imap', 'cross-check: tests/engine/bench-imap, one pass incl. connect '
                 '(COMPRESS off / on)', '%s / %s' % (fmt_s(float(plain.group(2))),
                                                     fmt_s(float(packed.group(2)))),
                 'raw %s' % fmt_s(floor), float(plain.group(2)) / floor, None, None,
                 raw={'output': text})

    # -- sync ------------------------------------------------------------------------------

    def bench_sync(self, size):
        runs = self.args.runs
        kept = None

        # Full sync vs mbsync, alternating which goes first.
        if self.mbsync is None:
            self.failed(size, 'sync', 'full sync vs mbsync', 'mbsync is not installed',
                        '≤ 1.0×')
        else:
            pw, prss, pcpu, mw, mrss, mcpu = [], [], [], [], [], []
            try:
                for r in range(runs):
                    last = r == runs - 1
                    for kind in (('mbsync', 'petrel') if r % 2 == 0 else ('petrel', 'mbsync')):
                        log('[%s] sync: %s full run %d/%d' % (fmt_count(size), kind, r + 1,
                                                              runs))
                        if kind == 'mbsync':
                            wall, rss, n, cpu = self.mbsync_run()
                            if n != size:
                                raise Failed('mbsync wrote %d of %d messages' % (n, size))
                            mw.append(wall)
                            mrss.append(rss)
                            mcpu.append(cpu)
                        else:
                            wall, rss, stats, data_dir = self.petrel_sync(keep=last)
                            if stats['total'] != size or stats['without_body'] != 0:
                                raise Failed('petrel-cli sync cached %d of %d messages, %d '
                                             'without body' % (stats['total'], size,
                                                               stats['without_body']))
                            pw.append(wall)
                            prss.append(rss)
                            pcpu.append(stats['cpu_seconds'])
                            if last:
                                kept = data_dir
                        log('[%s]   %s' % (fmt_count(size), fmt_s(wall)))
            except Failed as e:
                self.failed(size, 'sync', 'full sync (headers + bodies + FTS) vs mbsync', e,
                            '≤ 1.0×')
            else:
                ratio = median(pw) / median(mw)
                self.add(size, 'sync', 'full sync (headers + bodies + FTS) vs mbsync',
                         fmt_s(median(pw)), 'mbsync %s' % fmt_s(median(mw)), ratio, '≤ 1.0×',
                         ratio <= 1.0, note=cpu_note(pcpu, mcpu, 'mbsync'),
                         raw={'petrel': pw, 'mbsync': mw, 'petrel_cpu': pcpu,
                              'mbsync_cpu': mcpu})
                rss_ok = None not in prss
                self.add(size, 'sync', 'peak RSS of petrel-cli during the full sync',
                         fmt_mb(max(prss)) if rss_ok else '—',
                         'mbsync %s' % fmt_mb(max(mrss)) if None not in mrss else None,
                         None, '≤ 150 MB', max(prss) <= 150 * 1024 if rss_ok else None,
                         raw={'petrel': prss, 'mbsync': mrss})

        self.bench_headers(size)

        # What COMPRESS=DEFLATE costs the server when bodies stream over loopback (petrel-cli
        # turns it on; mbsync 1.4 does not have it).
        try:
            plain, packed = [], []
            for r in range(runs):
                log('[%s] sync: raw BODY[] dump run %d/%d' % (fmt_count(size), r + 1, runs))
                plain.append(self.raw_fetch(BODY_ITEMS)['fetch_seconds'])
                packed.append(self.raw_fetch(BODY_ITEMS, compress=True)['fetch_seconds'])
            self.add(size, 'sync', 'context: raw BODY[] dump with COMPRESS vs without',
                     fmt_s(median(packed)), 'plain %s' % fmt_s(median(plain)),
                     median(packed) / median(plain), None, None,
                     raw={'compress': packed, 'plain': plain})
        except Failed as e:
            self.failed(size, 'sync', 'context: raw BODY[] dump with COMPRESS vs without', e)

        if kept is None:
            log('[%s] no fully synced store: skipping re-sync, search and open figures'
                % fmt_count(size))
            return
        try:
            self.bench_synced(size, kept)
        finally:
            shutil.rmtree(kept, ignore_errors=True)

    def bench_headers(self, size):
        """Headers-only sync vs a raw FETCH dump of the same items (whole processes, as both
        connect, log in and select)."""
        runs = self.args.runs
        hw, hrss, hcpu, rw, rf, rcpu = [], [], [], [], [], []
        cw, ccpu, ww = [], [], []
        kinds = ['raw', 'petrel', 'whole'] + (['compare'] if self.compare_cli else [])
        try:
            for r in range(runs):
                for kind in kinds[r % len(kinds):] + kinds[:r % len(kinds)]:
                    log('[%s] sync: %s headers run %d/%d' % (fmt_count(size), kind, r + 1, runs))
                    if kind == 'compare':
                        wall, _rss, stats, _ = self.petrel_sync(headers_only=True,
                                                                cli=self.compare_cli)
                        if stats['total'] != size:
                            raise Failed('the compared build cached %d of %d'
                                         % (stats['total'], size))
                        cw.append(wall)
                        ccpu.append(stats['cpu_seconds'])
                    elif kind in ('raw', 'whole'):
                        out = self.raw_fetch(HEADER_ITEMS if kind == 'raw'
                                             else WHOLE_HEADER_ITEMS)
                        if out['fetched'] != size:
                            raise Failed('the raw dump got %d of %d' % (out['fetched'], size))
                        wall = out['wall']
                        if kind == 'whole':
                            ww.append(wall)
                        else:
                            rw.append(wall)
                            rf.append(out['fetch_seconds'])
                            rcpu.append(out['cpu'])
                    else:
                        wall, rss, stats, _ = self.petrel_sync(headers_only=True)
                        if stats['total'] != size:
                            raise Failed('the headers-only sync cached %d of %d'
                                         % (stats['total'], size))
                        hw.append(wall)
                        hrss.append(rss)
                        hcpu.append(stats['cpu_seconds'])
                    log('[%s]   %s' % (fmt_count(size), fmt_s(wall)))
        except Failed as e:
            self.failed(size, 'sync', 'headers-only sync vs raw FETCH dump', e, '≤ 1.3×')
        else:
            ratio = median(hw) / median(rw)
            self.add(size, 'sync', 'headers-only sync vs raw FETCH dump', fmt_s(median(hw)),
                     'raw %s' % fmt_s(median(rw)), ratio, '≤ 1.3×', ratio <= 1.3,
                     note='raw FETCH command alone %s; CPU (user+sys) petrel-cli %s, raw %s; '
                     'petrel-cli peak RSS %s; a raw dump of whole header blocks %s' % (
                         fmt_s(median(rf)), fmt_s(median(hcpu)) if None not in hcpu else '—',
                         fmt_s(median(rcpu)) if None not in rcpu else '—',
                         fmt_mb(max(hrss)) if None not in hrss else '—', fmt_s(median(ww))),
                     raw={'petrel': hw, 'raw': rw, 'raw_fetch': rf, 'petrel_rss': hrss,
                          'raw_whole_headers': ww})
            if self.compare_cli:
                ratio = median(cw) / median(rw)
                self.add(size, 'sync', 'headers-only sync vs raw FETCH dump, build %s'
                         % self.args.compare, fmt_s(median(cw)), 'raw %s' % fmt_s(median(rw)),
                         ratio, '≤ 1.3×', ratio <= 1.3,
                         note='same rotation as the figure above; CPU (user+sys) %s' % (
                             fmt_s(median(ccpu)) if None not in ccpu else '—'),
                         raw={'compare': cw})

        if self.args.perf:
            self.perf_headers(size)

    def bench_resync(self, size):
        """No-change re-syncs of one fully synced store, alternating with the compared build
        (both use the same store and keyring entry)."""
        log('[%s] resync: full sync to start from' % fmt_count(size))
        try:
            _wall, _rss, stats, data_dir = self.petrel_sync(keep=True)
            if stats['total'] != size:
                raise Failed('the sync cached %d of %d' % (stats['total'], size))
        except Failed as e:
            self.failed(size, 'sync', 'no-change re-sync (whole petrel-cli process)', e,
                        '≤ 100 ms')
            return
        clis = [('petrel', self.cli)]
        if self.compare_cli:
            clis.append(('compare', self.compare_cli))
        walls = dict((kind, []) for kind, _cli in clis)
        try:
            # One unmeasured round: the first run after the full sync pays for a cold cache.
            for _kind, cli in clis:
                self.cli_run(data_dir, 'sync', ACCOUNT, '--folder', FOLDER, cli=cli)
            for r in range(self.args.runs):
                for kind, cli in (clis if r % 2 == 0 else clis[::-1]):
                    wall, _rss, _proc = self.cli_run(data_dir, 'sync', ACCOUNT, '--folder',
                                                     FOLDER, cli=cli)
                    walls[kind].append(wall)
                    log('[%s]   %s re-sync %s' % (fmt_count(size), kind, fmt_s(wall)))
        except Failed as e:
            self.failed(size, 'sync', 'no-change re-sync (whole petrel-cli process)', e,
                        '≤ 100 ms')
            return
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)
        med = median(walls['petrel'])
        self.add(size, 'sync', 'no-change re-sync (whole petrel-cli process)', fmt_s(med),
                 None, None, '≤ 100 ms', med <= 0.1,
                 note='min %s, max %s' % (fmt_s(min(walls['petrel'])),
                                          fmt_s(max(walls['petrel']))),
                 raw={'walls': walls['petrel']})
        if self.compare_cli:
            cmed = median(walls['compare'])
            # Each round ran both builds back to back: the median of those differences is
            # steadier than the difference of the medians on a loaded machine.
            diffs = [p - c for p, c in zip(walls['petrel'], walls['compare'])]
            self.add(size, 'sync', 'no-change re-sync, build %s' % self.args.compare,
                     fmt_s(cmed), None, None, '≤ 100 ms', cmed <= 0.1,
                     note='alternating with the figure above; min %s, max %s; median of '
                     'the per-round differences (above minus this) %+.1f ms' % (
                         fmt_s(min(walls['compare'])), fmt_s(max(walls['compare'])),
                         median(diffs) * 1000),
                     raw={'walls': walls['compare'], 'differences': diffs})

    def perf_headers(self, size):
        """One more headers-only sync, under `perf record -g` (--perf FILE)."""
        perf = shutil.which('perf')
        if perf is None:
            log('[%s] perf is not installed: no profile' % fmt_count(size))
            return
        data_dir = self.fresh_dir('petrel')
        self.add_account(data_dir)
        out = os.path.abspath(self.args.perf)
        log('[%s] sync: headers-only run under perf record, into %s' % (fmt_count(size), out))
        self.runner.run([perf, 'record', '-q', '--call-graph', 'dwarf,16384', '-o', out, '--', self.cli, '--data-dir',
                         data_dir, 'sync', ACCOUNT, '--folder', FOLDER, '--headers-only'],
                        env=self.env, what='perf record petrel-cli sync')
        shutil.rmtree(data_dir, ignore_errors=True)

    def bench_synced(self, size, data_dir):
        runs = self.args.runs
        account_dir = self.account_dir(data_dir)

        # No-change re-sync: time, then the IMAP commands it sent (from the engine's debug
        # log, which GLib prints on stdout, so both streams are read).
        try:
            walls = []
            for r in range(runs):
                wall, _rss, _proc = self.cli_run(data_dir, 'sync', ACCOUNT, '--folder', FOLDER)
                walls.append(wall)
            env = dict(self.env, G_MESSAGES_DEBUG='petrel-imap')
            _wall, _rss, proc = self.cli_run(data_dir, 'sync', ACCOUNT, '--folder', FOLDER,
                                             env=env)
            text = (proc.stdout + proc.stderr).decode('utf-8', 'replace')
            commands = []
            for m in re.finditer(r'petrel-imap-DEBUG: [^\n]*?: C: (?:[A-Za-z]+\d+ )?'
                                 r'((?:UID )?[A-Z]+)', text):
                commands.append(m.group(1))
            stats = self.store_stats(data_dir)
            if stats['total'] != size:
                raise Failed('after re-sync the store holds %d of %d' % (stats['total'], size))
            med = median(walls)
            self.add(size, 'sync', 'no-change re-sync (whole petrel-cli process)', fmt_s(med),
                     None, None, '≤ 100 ms', med <= 0.1,
                     note='%d IMAP commands: %s' % (len(commands), ' '.join(commands)),
                     raw={'walls': walls, 'commands': commands})
        except Failed as e:
            self.failed(size, 'sync', 'no-change re-sync', e, '≤ 100 ms')

        # Search through the store alone (the real figure), then through petrel-cli.
        try:
            _wall, _rss, proc = self.runner.run(
                [self.store, 'search', account_dir, '--rounds', str(runs), '--limit', '100'],
                stdin=('\n'.join(SEARCH_QUERIES) + '\n').encode(), env=self.env,
                what='bench-store search')
            out = json.loads(proc.stdout)
            per_query = [median(q['ms']) for q in out['queries']]
            slowest = max(out['queries'], key=lambda q: median(q['ms']))
            no_hits = [q['query'] for q in out['queries'] if q['hits'] == 0]
            med = median(per_query)
            self.add(size, 'sync', 'search, store alone (%d queries): median / p90'
                     % len(per_query), '%s / %s' % (fmt_ms(med), fmt_ms(p90(per_query))), None,
                     None, 'median ≤ 20 ms', med <= 20,
                     note='slowest %s (%s, %d hits)%s' % (
                         json.dumps(slowest['query'], ensure_ascii=False),
                         fmt_ms(median(slowest['ms'])), slowest['hits'],
                         '; no hits: %s' % ', '.join(no_hits) if no_hits else ''),
                     raw=out)
        except (Failed, ValueError, KeyError) as e:
            self.failed(size, 'sync', 'search, store alone', e, 'median ≤ 20 ms')
        try:
            per_query = []
            for q in SEARCH_QUERIES:
                walls = []
                for r in range(runs):
                    wall, _rss, _proc = self.cli_run(data_dir, 'search', q, '--account',
                                                     ACCOUNT)
                    walls.append(wall * 1000)
                per_query.append(median(walls))
            self.add(size, 'sync', 'search via petrel-cli, incl. process start: median / p90',
                     '%s / %s' % (fmt_ms(median(per_query)), fmt_ms(p90(per_query))), None,
                     None, None, None, raw={'per_query_ms': per_query})
        except Failed as e:
            self.failed(size, 'sync', 'search via petrel-cli', e)

        # Opening the folder and reading its first 50 rows.
        try:
            totals, parts = [], []
            for r in range(runs):
                _wall, _rss, proc = self.runner.run(
                    [self.store, 'open-list', account_dir, FOLDER, '--limit', '50'],
                    env=self.env, what='bench-store open-list')
                out = json.loads(proc.stdout)
                if out['rows'] != min(50, size):
                    raise Failed('read %d rows' % out['rows'])
                totals.append(out['total_ms'])
                parts.append(out)
            med = median(totals)
            best = sorted(parts, key=lambda o: o['total_ms'])[len(parts) // 2]
            self.add(size, 'sync', 'open the folder + read its first 50 rows (store)',
                     fmt_ms(med), None, None, '≤ 30 ms', med <= 30,
                     note='open %s, folder %s, 50 rows %s' % (
                         fmt_ms(best['open_ms']), fmt_ms(best['folder_ms']),
                         fmt_ms(best['list_ms'])), raw=parts)
            walls = []
            for r in range(runs):
                wall, _rss, _proc = self.cli_run(data_dir, 'list', ACCOUNT, FOLDER, '--limit',
                                                 '50')
                walls.append(wall)
            self.add(size, 'sync', 'petrel-cli list --limit 50, incl. process start',
                     fmt_s(median(walls)), None, None, None, None, raw={'walls': walls})
        except (Failed, ValueError, KeyError) as e:
            self.failed(size, 'sync', 'open the folder + read 50 rows', e, '≤ 30 ms')

    # -- driver ----------------------------------------------------------------------------

    def run_size(self, size):
        log('[%s] starting private servers' % fmt_count(size))
        self.start_servers()
        try:
            seeded = self.seed(size)
            log('[%s] seeded %s messages, %s, median %.1f KB, in %.0f s' % (
                fmt_count(size), fmt_count(seeded['messages']), fmt_mb(seeded['bytes'] / 1024),
                seeded['median'] / 1024, seeded['seconds']))
            items = []
            if self.args.mode in ('imap', 'all'):
                items.append(IMAP_ITEMS)
            if self.args.mode in ('sync', 'all'):
                items += [HEADER_ITEMS, WHOLE_HEADER_ITEMS, BODY_ITEMS]
            if self.args.mode == 'headers':
                items += [HEADER_ITEMS, WHOLE_HEADER_ITEMS]
            if self.args.mode == 'resync':
                items += [HEADER_ITEMS, BODY_ITEMS]
            self.warm_up(size, items)
            info = dict(seeded, load_before=loadavg(), load_after='(cut short)')
            self.sizes.append((size, info))
            if self.args.mode in ('imap', 'all'):
                self.bench_imap(size)
                self.cross_check_imap(size)
            if self.args.mode in ('sync', 'all'):
                self.bench_sync(size)
            if self.args.mode == 'headers':
                self.bench_headers(size)
            if self.args.mode == 'resync':
                self.bench_resync(size)
            info['load_after'] = loadavg()
        finally:
            self.stop_servers()


def _ignore_sigint():
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _on_signal(signum, frame):
    raise Interrupted('signal %d' % signum)


def print_tables(bench, sizes_info, args):
    out = []
    cpus = os.cpu_count()
    out.append('')
    out.append('Petrel benchmark (%s): %d CPUs, build %s, %d runs per figure (median)'
               % (args.mode, cpus, args.builddir, args.runs))
    for size, info in sizes_info:
        out.append('')
        out.append('### %s messages — INBOX %s, median message %.1f KB; load average %s → %s'
                   % (fmt_count(size), fmt_mb(info['bytes'] / 1024), info['median'] / 1024,
                      info['load_before'], info['load_after']))
        out.append('')
        out.append('| figure | Petrel | baseline | ratio | goal | met | notes |')
        out.append('| --- | --- | --- | --- | --- | --- | --- |')
        for r in bench.results:
            if r['size'] != size:
                continue
            ratio = '%.2f×' % r['ratio'] if r['ratio'] is not None else ''
            met = {True: 'yes', False: '**no**', None: ''}[r['met']]
            out.append('| %s | %s | %s | %s | %s | %s | %s |' % (
                r['figure'], r['petrel'], r['baseline'] or '', ratio, r['goal'] or '', met,
                (r['note'] or '').replace('|', '\\|')))
    if sizes_info:
        out += summary_table(bench, [size for size, _info in sizes_info])
    print('\n'.join(out), flush=True)


def summary_table(bench, sizes):
    """One row per figure, one column per size: the table the README shows."""
    figures = []
    for r in bench.results:
        key = (r['section'], r['figure'])
        if key not in figures:
            figures.append(key)
    out = ['', '### Summary', '',
           '| figure | goal | ' + ' | '.join('%s messages' % fmt_count(n) for n in sizes) + ' |',
           '| --- | --- |' + ' --- |' * len(sizes)]
    for section, figure in figures:
        cells = []
        goal = ''
        for size in sizes:
            row = next((r for r in bench.results if r['size'] == size and
                        (r['section'], r['figure']) == (section, figure)), None)
            if row is None:
                cells.append('')
                continue
            goal = row['goal'] or goal
            if row['ratio'] is not None:
                cell = '%.2f× (%s vs %s)' % (row['ratio'], row['petrel'], row['baseline'])
            elif row['baseline']:
                cell = '%s (%s)' % (row['petrel'], row['baseline'])
            else:
                cell = row['petrel']
            if row['met'] is False:
                cell = '**%s**' % cell
            cells.append(cell)
        out.append('| %s: %s | %s | %s |' % (section, figure, goal, ' | '.join(cells)))
    out.append('')
    out.append('Bold: goal missed. Ratios are Petrel / baseline from the same run; medians of '
               '%d runs.' % bench.args.runs)
    return out


def main():
    parser = argparse.ArgumentParser(prog='build-aux/bench',
                                     description='Petrel benchmarks against same-run baselines.')
    parser.add_argument('mode', nargs='?', default='all',
                        choices=['imap', 'sync', 'headers', 'resync', 'all'])
    parser.add_argument('--sizes', default='10000,100000',
                        help='comma-separated message counts (default 10000,100000)')
    parser.add_argument('--quick', action='store_true', help='10,000 messages only')
    parser.add_argument('--runs', type=int, default=3, help='runs per timing (default 3)')
    parser.add_argument('--builddir', required=True)
    parser.add_argument('--json', metavar='FILE', help='also write all figures as JSON')
    parser.add_argument('--keep', action='store_true',
                        help='keep the temporary directory (servers, stores) for inspection')
    parser.add_argument('--perf', metavar='FILE',
                        help='after the headers-only figure, run one more headers-only sync '
                        'under `perf record -g` into FILE')
    parser.add_argument('--compare', metavar='DIR',
                        help='headers, resync: also run the petrel-cli of the build in DIR, in '
                        'the same rotation, to compare two builds under the same load')
    parser.add_argument('--progress-fd', type=int, metavar='FD',
                        help='write progress to this file descriptor instead of stderr')
    args = parser.parse_args()
    if args.progress_fd is not None:
        global PROGRESS
        try:
            PROGRESS = os.fdopen(args.progress_fd, 'w', buffering=1, closefd=False)
        except OSError:
            pass
    try:
        sizes = [int(s.replace('_', '').replace(',', '')) for s in args.sizes.split(',')
                 if s.strip()] if not args.quick else [10000]
    except ValueError:
        parser.error('--sizes takes numbers, e.g. 10000,100000')
    if not sizes or min(sizes) < 1 or args.runs < 1:
        parser.error('sizes and --runs must be at least 1')
    args.builddir = os.path.abspath(args.builddir)
    if args.compare:
        args.compare = os.path.abspath(args.compare)

    # Explicitly, also for SIGINT: a shell starts background jobs with SIGINT ignored, and
    # Python then would not turn it into KeyboardInterrupt.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _on_signal)

    tmp = tempfile.mkdtemp(prefix='petrel-bench-', dir='/tmp')
    # The servers' directory lives inside: Dovecot's unprivileged processes must be able to
    # pass through (not list) it. Our own directories inside stay 0700.
    os.chmod(tmp, 0o711)
    bench = None
    status = 0
    try:
        bench = Bench(args, tmp)
        log('mode %s, sizes %s, %d runs each; temporary files in %s; load average %s' % (
            args.mode, ', '.join(fmt_count(s) for s in sizes), args.runs, tmp, loadavg()))
        for size in sizes:
            bench.run_size(size)
    except (KeyboardInterrupt, Interrupted):
        log('interrupted: cleaning up')
        status = 130
    except petrel_servers.Unavailable as e:
        log('the test servers cannot run here: %s' % e)
        status = 77
    except (Failed, petrel_servers.ServersError) as e:
        log('cannot go on: %s' % e)
        status = 1
    finally:
        if bench is not None:
            try:
                bench.stop_servers()
            except Exception as e:  # noqa: BLE001 - cleanup goes on regardless
                log('stopping the servers: %s' % e)
        if args.keep:
            log('kept %s' % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    if bench is not None and bench.results:
        print_tables(bench, bench.sizes, args)
        if args.json:
            with open(args.json, 'w') as f:
                json.dump({'mode': args.mode, 'runs': args.runs, 'sizes': dict(
                    (str(s), i) for s, i in bench.sizes), 'results': bench.results}, f,
                          indent=1, ensure_ascii=False)
    if status == 0 and bench is not None and any(r['petrel'] == 'failed'
                                                 for r in bench.results):
        status = 1
    return status


if __name__ == '__main__':
    sys.exit(main())
