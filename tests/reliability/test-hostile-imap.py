#!/usr/bin/python3
# test-hostile-imap.py: `petrel-cli sync` against a scripted IMAP server (scripted_imap.py)
# that misbehaves byte-exactly, one fault per run: no greeting, a TLS-looking or BYE greeting,
# untagged data before the greeting, NO/BYE at login, garbage after login, a 10 MiB line,
# hostile mailbox names (../, control characters, invalid UTF-8 and modified UTF-7), 100k nested
# parentheses, BAD at SELECT, EXPUNGE/FETCH/EXISTS out of range, BYE in the middle of a FETCH,
# literals that are short, impossibly large, negative or wrong, a FETCH for a UID nobody asked
# for, a 1000-level deep MIME tree, a folder gone between LIST and SELECT next to a \Noselect
# parent, terminal escape sequences in a folder name, a From and a Subject, and the whole
# header block where some of its fields were asked for. Every run must end on its own (no
# hang), never crash, exit 0 or exit 1 with exactly one line on stderr (exit 1 where nothing
# sensible can be stored), leave a sound store, list nothing twice and nothing the server does
# not have, store no half body, write nothing outside its data dir, and print no terminal
# control characters.
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import re
import shutil
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reliability as R  # noqa: E402
import scripted_imap as S  # noqa: E402

# fault, expected exit (1: must fail; 0: must succeed; None: either, cleanly)
FAULTS = [
    (None, 0),
    ('close-at-once', 1),
    ('garbage-greeting', 1),
    ('bye-greeting', 1),
    ('untagged-before-greeting', None),
    ('no-at-login', 1),
    ('bye-at-login', 1),
    ('garbage-after-login', None),
    ('long-line', None),
    ('mailbox-names', None),
    ('nested-parens', None),
    ('bad-at-select', 1),
    ('out-of-range', None),
    ('bye-mid-fetch', 1),
    ('literal-short', 1),
    ('literal-huge', 1),
    ('literal-negative', 1),
    ('literal-longer', None),
    ('fetch-wrong-uid', None),
    ('deep-mime', 0),
    ('vanished-folder', None),
    ('escape-sequences', None),
    ('whole-header', 0),
]

# Known defects, found by this test (see tests/reliability/README.md).
CONTROL = re.compile(rb'[\x00-\x08\x0b-\x1f\x7f]')
HANG_LIMIT = 100


# What the hostile folder names would create if they reached the file system unescaped.
ESCAPE_NAMES = ('escape', 'b', 'passwd', '~')


def escapees(tmp):
    """Paths named like the hostile folders in tmp, its parents and /."""
    found = set()
    base = tmp
    while True:
        for n in ESCAPE_NAMES:
            if os.path.lexists(os.path.join(base, n)):
                found.add(os.path.join(base, n))
        if base == os.path.dirname(base):
            return found
        base = os.path.dirname(base)


def main():
    t = R.Tap('hostile-imap')
    tmp = tempfile.mkdtemp(prefix='petrel-hostile-')
    before = escapees(tmp)
    runs = {}
    servers = {}

    def run(fault):
        name = fault or 'control'
        messages = None
        if fault == 'deep-mime':
            messages = [S.make_message(1), S.deep_mime(1000), S.make_message(3)]
        if fault == 'escape-sequences':
            messages = [S.make_message(1), S.escape_message(), S.make_message(3)]
        srv = S.ScriptedImap(None if fault == 'deep-mime' else fault, messages)
        servers[name] = srv
        d = os.path.join(tmp, name)
        user = {'user': S.USER, 'email': 'alice@example.test', 'password': S.PASSWORD}
        r = R.cli(d, 'account', 'add', '--id', 'alice', '--email', user['email'],
                  '--imap', '127.0.0.1:%d' % srv.port, '--imap-security', 'none',
                  '--smtp', '127.0.0.1:9', '--smtp-security', 'none',
                  '--user', S.USER, '--password-stdin', stdin=S.PASSWORD.encode())
        if r.status != 0:
            runs[name] = (d, r, None)
            return
        runs[name] = (d, None, R.cli(d, 'sync', 'alice', timeout=HANG_LIMIT))

    threads = [threading.Thread(target=run, args=(f,)) for f, _ in FAULTS]
    for th in threads:
        th.start()
    for th in threads:
        th.join()

    figures = {'faults': 0, 'failed cleanly': 0, 'tolerated': 0, 'slow': 0}
    try:
        for fault, expect in FAULTS:
            name = fault or 'control'
            d, add, r = runs[name]
            if r is None:
                t.check(False, '%s: account add' % name, add.describe())
                continue
            figures['faults'] += fault is not None
            t.check(not r.hung, '%s: the sync ends on its own (%.1f s)' % (name, r.elapsed),
                    r.describe())
            t.check(not r.crashed, '%s: no crash' % name, r.describe())
            t.check(r.status == 0 or r.clean_failure(),
                    '%s: exit 0, or exit 1 with one line on stderr' % name, r.describe())
            if expect is not None:
                t.check(r.status == expect, '%s: exit %d' % (name, expect), r.describe())
            if r.status == 1:
                figures['failed cleanly'] += r.clean_failure()
                line = r.err_lines()[0] if r.err_lines() else ''
                t.check(line.isprintable() and len(line) < 400,
                        '%s: the error line is printable and short' % name, repr(line[:500]))
            elif r.status == 0 and fault is not None:
                figures['tolerated'] += 1
            if r.elapsed >= S.HOLD_SECONDS:
                figures['slow'] += 1
            t.note('%s: %s' % (name, r.describe().split(': ', 1)[1] if r else ''))

            res = R.integrity(d, 'alice')
            t.check(res.startswith('ok'), '%s: integrity_check ok' % name, res)
            uids = R.local_uids(d, 'alice', 'INBOX')
            if uids is not None:
                t.check(len(uids) == len(set(uids)) and set(uids) <= {1, 2, 3},
                        '%s: nothing listed twice, nothing the server lacks' % name, uids)
                srv = servers[name]
                bad = []
                for uid in uids:
                    s = R.cli(d, '--offline', 'show', 'alice', 'INBOX', uid, '--raw')
                    if s.crashed or s.hung:
                        bad.append((uid, s.describe()))
                    elif s.status == 0 and s.stdout != srv.messages[uid - 1]:
                        bad.append((uid, 'stored %d bytes, the message has %d' %
                                    (len(s.stdout), len(srv.messages[uid - 1]))))
                    s = R.cli(d, '--offline', 'show', 'alice', 'INBOX', uid)
                    if s.crashed or s.hung or s.status not in (0, 1):
                        bad.append((uid, 'show: ' + s.describe()))
                t.check(not bad, '%s: every stored body is whole, show never crashes' % name,
                        bad)
            if fault is None:
                t.check(uids is not None and sorted(uids) == [1, 2, 3],
                        'control: the scripted server\'s three messages are listed', uids)
            if fault in (None, 'whole-header'):
                out = R.cli(d, '--offline', 'list', 'alice', 'INBOX').stdout
                t.check(all(b'scripted %d' % i in out and b's%d@example.test' % i in out
                            for i in (1, 2, 3)),
                        '%s: every summary has its subject and sender' % name, out)
            if fault == 'deep-mime':
                r2 = R.cli(d, '--json', 'search', 'bottom')
                t.check(not r2.crashed and not r2.hung, 'deep-mime: search does not crash',
                        r2.describe())

            if fault == 'vanished-folder':
                sent = b'\n'.join(servers[name].commands)
                t.check(b'EXAMINE Parent\n' not in sent + b'\n' and
                        b'SELECT Parent\n' not in sent + b'\n',
                        'vanished-folder: a \\Noselect folder is never selected')
                zeta = R.local_uids(d, 'alice', 'Parent/Zeta')
                t.check(zeta is not None and sorted(zeta) == [1, 2, 3],
                        'vanished-folder: the folders after the vanished one still sync', zeta)
            if fault == 'escape-sequences':
                outputs = {args[0]: R.cli(d, *args).stdout for args in
                           (('folders', 'alice'), ('list', 'alice', 'INBOX'),
                            ('show', 'alice', 'INBOX', '2'), ('search', 'clear'))}
                for what, out in outputs.items():
                    t.check(not CONTROL.search(out),
                            'escape-sequences: plain `%s` prints no terminal control '
                            'characters' % what, repr(out[:300]))
                t.check(b'red' in outputs['list'],
                        'escape-sequences: the subject is still shown', outputs['list'])

            escaped = []
            for base, dirs, files in os.walk(d):
                for n in dirs + files:
                    p = os.path.realpath(os.path.join(base, n))
                    if not p.startswith(os.path.realpath(d) + os.sep):
                        escaped.append(p)
            t.check(not escaped, '%s: every file stays inside the data dir' % name, escaped)

        new = sorted(escapees(tmp) - before)
        strays = sorted(set(os.listdir(tmp)) - set(runs))
        t.check(not new and not strays, 'nothing was created next to the data dirs, above them '
                'or in /', (new, strays))
        t.note('figures: %(faults)d hostile-server faults, %(failed cleanly)d failed cleanly, '
               '%(tolerated)d tolerated with exit 0, %(slow)d waited for the server to close'
               % figures)
        t.figures.update(scenarios=figures['faults'])
    finally:
        for srv in servers.values():
            srv.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return t.finish()


if __name__ == '__main__':
    sys.exit(main())
