#!/usr/bin/python3
# bench-first-paint.py: time from launching the petrel window to the first painted message
# list of a synced folder (issue 8), conversations on and off. Seeds a private Dovecot INBOX with
# N messages, syncs it with petrel-cli (headers and bodies), then starts the app RUNS times under
# the current display and reads the window's first-paint line (G_MESSAGES_DEBUG=petrel-ui:
# "Folder list painted: … ms after start"). Run it under xvfb-run and build-aux/keyring-session:
#
#   xvfb-run -a build-aux/keyring-session tests/bench/bench-first-paint.py BUILDDIR [N] [RUNS]
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SOURCE, 'tests', 'support'))
import petrel_servers  # noqa: E402

PAINTED = re.compile(r'Folder list painted: (\d+) messages, ([\d.]+) ms after the folder was '
                     r'chosen, ([\d.]+) ms after start')


def first_paint(build, data_dir, conversations, timeout=120):
    config = tempfile.mkdtemp(prefix='petrel-bench-config-')
    settings = os.path.join(config, 'glib-2.0', 'settings')
    os.makedirs(settings)
    with open(os.path.join(settings, 'keyfile'), 'w') as f:
        f.write('[org/petrelmail/Petrel]\nconversations=%s\n'
                % ('true' if conversations else 'false'))
    env = dict(os.environ, PETREL_DATA_DIR=data_dir, G_MESSAGES_DEBUG='petrel-ui',
               GSETTINGS_BACKEND='keyfile', XDG_CONFIG_HOME=config,
               GSETTINGS_SCHEMA_DIR=os.path.join(build, 'data'))
    env.pop('G_DEBUG', None)
    proc = subprocess.Popen([os.path.join(build, 'src', 'ui', 'petrel')], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + timeout
    result = None
    try:
        for line in proc.stdout:
            m = PAINTED.search(line)
            if m:
                rss = 0
                with open('/proc/%d/status' % proc.pid) as f:
                    for status in f:
                        if status.startswith('VmRSS:'):
                            rss = int(status.split()[1]) // 1024
                result = (int(m.group(1)), float(m.group(2)), float(m.group(3)), rss)
                break
            if time.monotonic() > deadline:
                break
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(config, ignore_errors=True)
    return result


def main():
    if len(sys.argv) < 2:
        print(__doc__ or 'usage: bench-first-paint.py BUILDDIR [N] [RUNS]', file=sys.stderr)
        return 2
    build = os.path.abspath(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    cli = os.path.join(build, 'src', 'cli', 'petrel-cli')

    servers = petrel_servers.TestServers().start()
    try:
        servers.seed('alice', 'INBOX', count=n, seed=11)
        alice = servers.user(0)
        with tempfile.TemporaryDirectory(prefix='petrel-bench-') as data_dir:
            subprocess.run(
                [cli, '--data-dir', data_dir, 'account', 'add', '--id', 'alice',
                 '--email', alice['email'], '--imap', '127.0.0.1:%d' % servers.imaps_port,
                 '--imap-security', 'tls', '--smtp', '127.0.0.1:%d' % servers.smtp_port,
                 '--smtp-security', 'starttls', '--user', alice['user'], '--ca-file',
                 servers.ca_file, '--password-stdin'],
                input=alice['password'].encode(), check=True, capture_output=True)
            started = time.monotonic()
            subprocess.run([cli, '--data-dir', data_dir, 'sync'], check=True,
                           capture_output=True)
            print('synced %d messages in %.1f s' % (n, time.monotonic() - started))
            # The window syncs at start too, finding nothing new: a restart of a synced account.
            for conversations in (True, False):
                figures = []
                for _ in range(runs):
                    r = first_paint(build, data_dir, conversations)
                    if r is None:
                        print('no first-paint line (conversations=%s)' % conversations)
                        continue
                    figures.append(r)
                if figures:
                    print('%s: %d rows, first paint %.0f ms after start (median of %d; '
                          'runs: %s), RSS then %d MB' % (
                              'conversations' if conversations else 'flat', figures[0][0],
                              statistics.median(f[2] for f in figures), len(figures),
                              ', '.join('%.0f' % f[2] for f in figures),
                              statistics.median(f[3] for f in figures)))
    finally:
        if servers is not None:
            servers.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
