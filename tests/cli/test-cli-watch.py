#!/usr/bin/python3
# test-cli-watch.py: `petrel-cli watch` prints one JSON line per change in INBOX: a message
# delivered by the real SMTP server, a flag set and an expunge made by another IMAP client.
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import selectors
import signal
import smtplib
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clitest as C  # noqa: E402
from clitest import CLI  # noqa: E402


def main():
    t = C.Tap()
    check = t.check

    servers = C.start_servers()
    if servers is None:
        return 77

    d = tempfile.mkdtemp(prefix='petrel-watch-')
    alice, bob = servers.user(0), servers.user(1)
    proc = None
    try:
        C.add_account(d, servers, alice, 'alice', check=True)

        proc = subprocess.Popen([CLI, '--data-dir', d, 'watch', 'alice'],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=dict(os.environ, PETREL_POLL_INTERVAL='2'))
        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        buf = b''

        def next_event(timeout=30):
            nonlocal buf
            deadline = time.monotonic() + timeout
            while b'\n' not in buf:
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    return None
                chunk = os.read(proc.stdout.fileno(), 65536)
                if not chunk:
                    return None
                buf += chunk
            line, buf = buf.split(b'\n', 1)
            return json.loads(line)

        time.sleep(2)   # let the watcher reach IDLE
        with smtplib.SMTP('127.0.0.1', servers.smtp_port) as s:
            s.starttls(context=servers.ssl_context())
            s.login(bob['user'], bob['password'])
            s.sendmail(bob['email'], [alice['email']],
                       b'From: Bob <bob@example.test>\r\nTo: alice@example.test\r\n'
                       b'Subject: watch me\r\nMessage-ID: <w1@example.test>\r\n\r\nhello\r\n')
        ev = next_event()
        check(ev is not None and ev['event'] == 'new' and ev['subject'] == 'watch me' and
              ev['folder'] == 'INBOX' and ev['account'] == 'alice',
              'a message delivered over SMTP is reported as new', ev)

        m = C.imap_login(servers, alice)
        m.select('INBOX')
        uid = ev['uid'] if ev else 1
        m.uid('STORE', str(uid), '+FLAGS', '(\\Flagged)')
        ev = next_event()
        check(ev is not None and ev['event'] == 'flags' and ev['uid'] == uid and
              '\\Flagged' in ev['flags'], 'a flag set elsewhere is reported', ev)

        m.uid('STORE', str(uid), '+FLAGS', '(\\Deleted)')
        m.expunge()
        m.logout()
        deadline = time.monotonic() + 30
        ev = next_event()
        while ev is not None and ev['event'] == 'flags' and time.monotonic() < deadline:
            ev = next_event()
        check(ev is not None and ev['event'] == 'expunged' and ev['uid'] == uid,
              'an expunge elsewhere is reported', ev)

        # Other folders are looked at every PETREL_POLL_INTERVAL seconds.
        m = C.imap_login(servers, alice)
        m.append('Archive', None, None, b'Subject: filed away\r\n\r\nold news\r\n')
        m.logout()
        ev = next_event()
        check(ev is not None and ev['event'] == 'new' and ev['folder'] == 'Archive' and
              ev['subject'] == 'filed away', 'new mail in another folder is reported', ev)

        proc.send_signal(signal.SIGINT)
        try:
            status = proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            status = None
        check(status == 0, 'watch stops cleanly on SIGINT', status)
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        servers.stop()
    return t.finish()


if __name__ == '__main__':
    sys.exit(main())
