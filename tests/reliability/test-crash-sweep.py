#!/usr/bin/python3
# test-crash-sweep.py: the plug pulled at every step. The engine's crash hook
# (src/engine/debug/petrel-crash-hook.h: PETREL_CRASH_AFTER=store-commit:N or net-write:N makes
# petrel-cli _exit(137) right after its Nth store commit or network write) ends
#   - a first sync of 40 messages after each of its store commits, in a fresh data dir each;
#   - a sync replaying queued moves, a delete and a flag change after each of its store commits
#     and after each of its network writes (sampled past the first 12);
# and seeded random `kill -9`s end both kinds of sync at arbitrary moments. After each crash:
# the store passes integrity_check, a clean sync completes, every message the server holds is
# there exactly once (none lost, none doubled, each moved one where it was moved to), the cache
# lists exactly the server's UIDs, nothing is pending, and the following sync sends no
# state-changing command (proxy transcript) and changes nothing on the server (STATUS).
#
# The account speaks plain IMAP to Dovecot on loopback through the fault proxy with COMPRESS
# stripped, so that the transcript shows the commands.
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reliability as R  # noqa: E402

NO_COMPRESS = {'strip': 'COMPRESS=DEFLATE', 'strip_direction': 's2c'}
FOLDERS = ('INBOX', 'Archive', 'Trash')
STATE_CHANGING = {'STORE', 'UID STORE', 'MOVE', 'UID MOVE', 'COPY', 'UID COPY', 'EXPUNGE',
                  'UID EXPUNGE', 'APPEND', 'CREATE', 'DELETE', 'RENAME', 'SUBSCRIBE',
                  'UNSUBSCRIBE'}
CRASH_STATUS = 137
# Every crash point up to EXHAUSTIVE, then every STRIDE-th, at most MAX_POINTS per sweep.
EXHAUSTIVE = int(os.environ.get('PETREL_CRASH_SWEEP_EXHAUSTIVE', '40'))
STRIDE = int(os.environ.get('PETREL_CRASH_SWEEP_STRIDE', '3'))
MAX_POINTS = int(os.environ.get('PETREL_CRASH_SWEEP_MAX', '40'))
N_KILLS = int(os.environ.get('PETREL_CRASH_KILLS', '6'))


def crash_points():
    n = 1
    while n <= MAX_POINTS * STRIDE:
        yield n
        n += 1 if n < EXHAUSTIVE else STRIDE


def main():
    t = R.Tap('crash-sweep')
    if os.environ.get('PETREL_CRASH_HOOK') != '1':
        return t.skip_all('the engine was built with -Dcrash_hook=false')
    if not R.require_proxy(t):
        return 77
    servers = R.start_servers(t)
    if servers is None:
        return 77
    seed = R.SEED + 7
    rng = random.Random(seed)
    t.note('seed %d (PETREL_RELIABILITY_SEED=%d)' % (seed, R.SEED))
    alice = servers.user(0)
    tmp = tempfile.mkdtemp(prefix='petrel-crash-sweep-')
    proxy = None
    fig = {'scenarios': 0, 'crash_points': 0, 'crashes': 0, 'kills': 0, 'kills_late': 0,
           'recovered': 0, 'sends': 0, 'sent_uncertain': 0,
           'lost': 0, 'duplicates': 0, 'state_changing': 0}
    dirs = [0]

    def fresh_dir():
        dirs[0] += 1
        d = os.path.join(tmp, 'data-%d' % dirs[0])
        R.add_account(d, 'alice', alice, proxy.port, servers.smtp_port, servers.ca_file,
                      imap_security='none')
        return d

    try:
        servers.seed('alice', 'INBOX', count=40, seed=R.SEED)
        m = R.imap_login(servers, alice)
        all_ids = sorted(i for f in FOLDERS for i in R.server_message_ids(m, f).values())
        t.check(len(all_ids) == len(set(all_ids)) == 40, 'seeded messages have unique ids')
        proxy = R.Proxy(servers.imap_direct_port, rule=NO_COMPRESS)

        def server_view():
            return {f: R.server_message_ids(m, f) for f in FOLDERS}

        def consistent(d, label, where_expected=None):
            """Server and cache agree, every message exactly once; counts lost/doubled."""
            ids = server_view()
            seen = [i for f in FOLDERS for i in ids[f].values()]
            lost = sorted(set(all_ids) - set(seen))
            doubled = sorted(i for i in set(seen) if seen.count(i) > 1)
            fig['lost'] += len(lost)
            fig['duplicates'] += len(seen) - len(set(seen))
            ok = t.check(not lost and not doubled and len(seen) == len(all_ids),
                         '%s: every message exactly once on the server' % label,
                         'missing %s\ndoubled %s' % (lost[:5], doubled[:5]))
            bad = {}
            for f in FOLDERS:
                local = R.local_uids(d, 'alice', f)
                if local is None or sorted(local) != sorted(ids[f]):
                    bad[f] = (sorted(set(local or []) - set(ids[f]))[:6],
                              sorted(set(ids[f]) - set(local or []))[:6])
                elif len(local) != len(set(local)):
                    fig['duplicates'] += len(local) - len(set(local))
                    bad[f] = ('listed twice', sorted(u for u in set(local)
                                                     if local.count(u) > 1)[:6])
            ok = t.check(not bad, '%s: the cache lists what the server has, once' % label,
                         'folder: (only local, only server) %s' % bad) and ok
            if where_expected:
                where = {i: f for f in FOLDERS for i in ids[f].values()}
                wrong = {i: (dest, where.get(i)) for i, dest in where_expected.items()
                         if where.get(i) != dest}
                ok = t.check(not wrong, '%s: each moved message is where it was moved to'
                             % label, wrong) and ok
            p = R.pending(d, 'alice')
            ok = t.check(p == [], '%s: nothing pending' % label, p) and ok
            return ok

        def watched_sync(d, label, path):
            """A sync through the proxy with a transcript: its state-changing commands."""
            before = {f: R.server_status(m, f) for f in FOLDERS}
            proxy.transcript(path)
            r = R.cli(d, 'sync', 'alice', timeout=120)
            proxy.transcript(None)
            sent = [c for conn in R.read_transcript(path).values()
                    for c in R.imap_commands(conn['c2s'])]
            changing = [c for c in sent if c in STATE_CHANGING]
            fig['state_changing'] += len(changing)
            after = {f: R.server_status(m, f) for f in FOLDERS}
            t.check(r.status == 0, '%s: completes' % label, r.describe())
            t.check(sent and not changing, '%s: sends no state-changing command' % label,
                    sent)
            t.check(before == after, '%s: changes nothing on the server' % label,
                    (before, after))
            return r

        def after_crash(d, label, r, killed=False):
            fig['scenarios'] += 1
            if killed:
                t.check(not r.hung, '%s: no hang' % label, r.describe())
            else:
                # Exit 0: the sweep went past the last crash point, the sync completed.
                t.check(r.status in (CRASH_STATUS, 0), '%s: the hook ended the sync, or it '
                        'completed' % label, r.describe())
            res = R.integrity(d, 'alice')
            t.check(res.startswith('ok'), '%s: integrity_check ok' % label, res)

        # -- 1. a first sync, ended after each of its store commits ------------------------
        ref_dir = fresh_dir()
        start = time.monotonic()
        r = R.cli(ref_dir, 'sync', 'alice')
        ref_time = time.monotonic() - start
        t.check(r.status == 0, 'reference first sync', r.describe())
        ref_list = R.cli(ref_dir, '--json', 'list', 'alice', 'INBOX', '--limit', '1000').json()
        t.check(len(ref_list) == 40, 'the reference sync lists the 40 messages', len(ref_list))

        total = None
        for n in crash_points():
            d = fresh_dir()
            label = 'first sync, crash after store commit %d' % n
            r = R.cli(d, 'sync', 'alice', env={'PETREL_CRASH_AFTER': 'store-commit:%d' % n})
            if r.status == 0:
                total = n - 1
                shutil.rmtree(d, ignore_errors=True)
                break
            fig['crash_points'] += 1
            fig['crashes'] += r.status == CRASH_STATUS
            after_crash(d, label, r)
            # Nothing was queued: the recovering sync is "the next sync" and must not write.
            watched_sync(d, '%s: the recovering sync' % label,
                         os.path.join(tmp, 'first-%d.txt' % n))
            rows = R.cli(d, '--json', 'list', 'alice', 'INBOX', '--limit', '1000').json()
            ok = t.check(rows == ref_list, '%s: then lists exactly what an uncut sync lists'
                         % label, 'got %d rows' % len(rows))
            fig['recovered'] += consistent(d, label) and ok
            shutil.rmtree(d, ignore_errors=True)
        t.check(total is not None, 'the first-sync sweep reached a sync that completes',
                'still crashing after %d points' % fig['crash_points'])
        t.note('a first sync of 40 messages makes %s store commits' % total)

        # -- 2. a replay, ended after each of its store commits and network writes ----------
        d = fresh_dir()
        r = R.cli(d, 'sync', 'alice')
        t.check(r.status == 0, 'replay account: first sync', r.describe())
        moves_to = {}      # Message-ID → the folder it was last moved to

        def queue_changes(label):
            inbox = sorted(R.local_uids(d, 'alice', 'INBOX'))
            if len(inbox) < 6:
                # Bring messages back so that the sweep never runs out of them.
                for f in ('Archive', 'Trash'):
                    uids = sorted(R.local_uids(d, 'alice', f))
                    if uids:
                        R.cli(d, '--offline', 'move', 'alice', f, *uids, '--to', 'INBOX')
                r = R.cli(d, 'sync', 'alice')
                t.check(r.status == 0, '%s: messages moved back to INBOX' % label, r.describe())
                ids = R.server_message_ids(m, 'INBOX')
                for i in ids.values():
                    moves_to[i] = 'INBOX'
                inbox = sorted(R.local_uids(d, 'alice', 'INBOX'))
            picked = rng.sample(inbox, 4)
            ids = R.server_message_ids(m, 'INBOX')
            runs = [R.cli(d, '--offline', 'move', 'alice', 'INBOX', picked[0], picked[1],
                          '--to', 'Archive'),
                    R.cli(d, '--offline', 'delete', 'alice', 'INBOX', picked[2]),
                    R.cli(d, '--offline', 'flag', 'alice', 'INBOX', picked[3],
                          '--add', '\\Flagged')]
            t.check(all(x.status == 0 for x in runs), '%s: changes queued offline' % label,
                    '\n'.join(x.describe() for x in runs))
            moves_to[ids[picked[0]]] = moves_to[ids[picked[1]]] = 'Archive'
            moves_to[ids[picked[2]]] = 'Trash'
            return ids[picked[3]]

        def flagged_on_server(message_id):
            for f in FOLDERS:
                for uid, i in R.server_message_ids(m, f).items():
                    if i == message_id:
                        typ, data = m.uid('FETCH', str(uid), '(FLAGS)')
                        return b'\\Flagged' in data[0]
            return False

        def replay_round(label, env=None, kill_after=None):
            """Queue changes, run the replay (crashing), recover, check. Returns the run."""
            flagged_id = queue_changes(label)
            if kill_after is None:
                r = R.cli(d, 'sync', 'alice', env=env)
                replay_time[0] = max(replay_time[0], r.elapsed)
            else:
                r = killed_sync(d, kill_after)
            after_crash(d, label, r, killed=kill_after is not None)
            r2 = R.cli(d, 'sync', 'alice')
            t.check(r2.status == 0, '%s: a clean sync completes' % label, r2.describe())
            ok = consistent(d, label, dict(moves_to))
            ok = t.check(flagged_on_server(flagged_id), '%s: the flag reached the server'
                         % label) and ok
            watched_sync(d, '%s: the next sync' % label,
                         os.path.join(tmp, 'replay-%d.txt' % fig['scenarios']))
            fig['recovered'] += ok
            return r

        replay_totals = {}
        replay_time = [0.1]
        for point in ('store-commit', 'net-write'):
            replay_totals[point] = None
            for n in crash_points():
                label = 'replay, crash after %s %d' % (point, n)
                r = replay_round(label, env={'PETREL_CRASH_AFTER': '%s:%d' % (point, n)})
                if r.status == 0:
                    replay_totals[point] = n - 1
                    break
                fig['crash_points'] += 1
                fig['crashes'] += r.status == CRASH_STATUS
            t.check(replay_totals[point] is not None,
                    'the replay %s sweep reached a sync that completes' % point)
        t.note('a replay sync makes about %s store commits and %s network writes' % (
            replay_totals['store-commit'], replay_totals['net-write']))

        # -- 3. a send, ended after each of its network writes (SMTP, then the Sent APPEND) --
        bob = servers.user(1)

        def send_counts(subject):
            return (R.server_subjects(servers, bob).count(subject),
                    R.server_subjects(servers, alice, 'Sent').count(subject))

        send_total = None
        for n in crash_points():
            subject = 'crash sweep send %d' % n
            label = 'send, crash after net-write %d' % n
            fig['scenarios'] += 1
            fig['sends'] += 1
            r = R.cli(d, '--json', 'send', '--account', 'alice', '--to', bob['email'],
                      '--subject', subject, stdin=b'Crash point %d.\n' % n * 40,
                      env={'PETREL_CRASH_AFTER': 'net-write:%d' % n})
            t.check(r.status in (CRASH_STATUS, 0), '%s: the hook ended it, or it completed'
                    % label, r.describe())
            res = R.integrity(d, 'alice')
            t.check(res.startswith('ok'), '%s: integrity_check ok' % label, res)
            for item in R.outbox(d, 'alice') or []:
                if item['subject'] == subject and item['state'] == 'queued':
                    # Queued again after the crash: due after its backoff, or now on retry.
                    R.cli(d, 'outbox', 'retry', 'alice', item['id'])
            for _ in range(2):
                r2 = R.cli(d, 'sync', 'alice')
            t.check(r2.status == 0, '%s: the syncs after it complete' % label, r2.describe())
            items = [i for i in (R.outbox(d, 'alice') or []) if i['subject'] == subject]
            state = items[0]['state'] if len(items) == 1 else None
            got = send_counts(subject)
            fig['duplicates'] += max(0, got[0] - 1) + max(0, got[1] - 1)
            if state == 'done':
                fig['lost'] += got[0] == 0
                t.check(got == (1, 1), '%s: done → delivered once, in Sent once %s'
                        % (label, got), items)
            else:
                # The process died after the final "." went out: the server may have taken
                # it. It must be marked uncertain (for the person to decide), never resent.
                fig['sent_uncertain'] += 1
                t.check(state == 'uncertain' and got[0] <= 1,
                        '%s: not done → uncertain, delivered at most once (%s, %s)'
                        % (label, state, got), items)
            if r.status == 0:
                send_total = n - 1
                break
            fig['crash_points'] += 1
            fig['crashes'] += r.status == CRASH_STATUS
        t.check(send_total is not None, 'the send sweep reached a send that completes')
        t.note('a send makes %s network writes' % send_total)

        # -- 4. seeded random kill -9 -------------------------------------------------------
        def killed_sync(data_dir, delay):
            start = time.monotonic()
            p = subprocess.Popen([R.CLI, '--data-dir', data_dir, 'sync', 'alice'],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                 start_new_session=True)
            try:
                p.wait(delay)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                fig['kills'] += 1
            _, err = p.communicate()
            if p.returncode != -signal.SIGKILL:
                fig['kills_late'] += 1
            return R.Run([R.CLI, 'sync'], p.returncode, b'', err.decode(errors='replace'),
                         time.monotonic() - start, False)

        for i in range(N_KILLS):
            delay = rng.uniform(0.01, max(0.1, ref_time * 0.8))
            d_first = fresh_dir()
            label = 'first sync, kill -9 after %.3f s' % delay
            after_crash(d_first, label, killed_sync(d_first, delay), killed=True)
            watched_sync(d_first, '%s: the recovering sync' % label,
                         os.path.join(tmp, 'kill-%d.txt' % i))
            fig['recovered'] += consistent(d_first, label)
            shutil.rmtree(d_first, ignore_errors=True)

            delay = rng.uniform(0.01, replay_time[0] * 0.8)
            replay_round('replay, kill -9 after %.3f s' % delay, kill_after=delay)

        t.note('figures: %(scenarios)d crash scenarios (%(crash_points)d crash points, '
               '%(crashes)d hook crashes, %(kills)d kill -9, %(kills_late)d syncs done before '
               'their kill), %(recovered)d recovered '
               'consistently, messages lost %(lost)d, duplicated %(duplicates)d, '
               '%(state_changing)d state-changing commands in the following syncs; %(sends)d sends, '
               '%(sent_uncertain)d left uncertain' % fig)
        t.figures.update(scenarios=fig['scenarios'], crash_points=fig['crash_points'],
                         lost=fig['lost'], duplicates=fig['duplicates'])
        m.logout()
    finally:
        if proxy is not None:
            proxy.stop()
        servers.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return t.finish()


if __name__ == '__main__':
    sys.exit(main())
