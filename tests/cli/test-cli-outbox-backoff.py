#!/usr/bin/python3
# test-cli-outbox-backoff.py: transient SMTP failures (451 and 421 at DATA, connection
# refused) keep the message queued with its attempts and the time of the next try; a `sync`
# before that time does not try the server again; `outbox retry` sends at once, exactly once;
# a permanent refusal (554) is not retried. Real loopback submission server and Dovecot.
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import datetime
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clitest as C  # noqa: E402
from clitest import cli  # noqa: E402


def add_account(data_dir, servers, user, account_id, smtp_port):
    return C.add_account(data_dir, servers, user, account_id, smtp_port=smtp_port)


def outbox(data_dir, account_id):
    return C.json_lines(cli(data_dir, '--json', 'outbox', account_id))


def item(data_dir, account_id, subject):
    items = [i for i in outbox(data_dir, account_id) if i['subject'] == subject]
    return items[0] if len(items) == 1 else None


def send(data_dir, account_id, to, subject):
    return cli(data_dir, '--json', 'send', '--account', account_id, '--to', to['email'],
               '--subject', subject, stdin=b'Hello.\n')


def seconds_until(iso):
    when = datetime.datetime.fromisoformat(iso.replace('Z', '+00:00'))
    return (when - datetime.datetime.now(datetime.timezone.utc)).total_seconds()


def main():
    t = C.Tap()
    servers = C.start_servers()
    if servers is None:
        return 77

    d = tempfile.mkdtemp(prefix='petrel-backoff-')
    alice, bob = servers.user(0), servers.user(1)
    try:
        r = add_account(d, servers, alice, 'alice', servers.smtp_port)
        t.check(r.returncode == 0, 'account add', r.stderr.decode())
        cli(d, 'sync', 'alice')

        for reply in ('451 4.3.0 Try again later', '421 4.3.2 Service shutting down'):
            code = reply.split()[0]
            subject = 'backoff %s' % code
            delivered = servers.command('stats')['delivered']
            servers.command('smtp-data-reply', reply=reply)
            r = send(d, 'alice', bob, subject)
            first = item(d, 'alice', subject)
            t.check(r.returncode == 0 and first is not None and first['state'] == 'queued',
                    '%s: send keeps it queued' % code, (r.stderr.decode(), first))
            if first is None:
                continue
            t.check(first['attempts'] == 1, '%s: one attempt counted' % code, first)
            t.check(code in (first['error'] or ''), '%s: the reason is kept' % code, first)
            t.check(first['next_try'] is not None and 30 <= seconds_until(first['next_try']) <= 120,
                    '%s: the next try is about a minute away' % code, first)
            r = cli(d, 'outbox', 'alice')
            t.check('next try' in r.stdout.decode() and 'tried 1 time,' in r.stdout.decode(),
                    '%s: `outbox ID` shows attempts and the next try' % code, r.stdout.decode())

            # The server is fine again, but the next try is not due: sync leaves it alone.
            servers.command('smtp-data-reply', reply=None)
            r = cli(d, 'sync', 'alice')
            again = item(d, 'alice', subject)
            t.check(r.returncode == 0 and again['state'] == 'queued' and
                    again['attempts'] == 1 and
                    servers.command('stats')['delivered'] == delivered,
                    '%s: a sync before the next try does not contact the server' % code,
                    (r.stderr.decode(), again))

            # `outbox retry` says "now".
            r = cli(d, '--json', 'outbox', 'retry', 'alice', first['id'])
            last = item(d, 'alice', subject)
            t.check(r.returncode == 0 and last['state'] == 'done' and last['attempts'] == 2 and
                    last['next_try'] is None,
                    '%s: outbox retry sends it at once' % code, (r.stderr.decode(), last))
            t.check(servers.command('stats')['delivered'] == delivered + 1,
                    '%s: delivered exactly once' % code)

        # -- the server cannot be reached at all
        dead = C.free_port()
        r = add_account(d, servers, alice, 'dead', dead)
        t.check(r.returncode == 0, 'account add with the SMTP server down', r.stderr.decode())
        r = send(d, 'dead', bob, 'backoff refused')
        first = item(d, 'dead', 'backoff refused')
        t.check(first is not None and first['state'] == 'queued' and first['attempts'] == 1 and
                first['next_try'] is not None,
                'connection refused: queued, one attempt, a next try', (r.stderr.decode(), first))
        r = cli(d, 'sync', 'dead')
        again = item(d, 'dead', 'backoff refused')
        t.check(again is not None and again['attempts'] == 1 and again['state'] == 'queued',
                'connection refused: the next sync does not hammer the server', again)
        r = cli(d, 'outbox', 'cancel', 'dead', first['id'] if first else 0)
        t.check(r.returncode == 0, 'and it can be cancelled', r.stderr.decode())

        # -- a permanent refusal is not retried
        servers.command('smtp-data-reply', reply='554 5.6.0 Message rejected')
        r = send(d, 'alice', bob, 'backoff 554')
        servers.command('smtp-data-reply', reply=None)
        first = item(d, 'alice', 'backoff 554')
        t.check(first is not None and first['state'] == 'failed' and first['next_try'] is None,
                '554: failed for good, no next try', first)
    finally:
        servers.stop()

    return t.finish()


if __name__ == '__main__':
    sys.exit(main())
