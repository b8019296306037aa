#!/usr/bin/python3
# test-starttls.py: STARTTLS downgrade and injection through the fault proxy, for IMAP
# (`--imap-security starttls`) and SMTP submission (`--smtp-security starttls`):
#   - stripping STARTTLS from the capabilities, or from the client's command so that the server
#     refuses it → refused with a clear error;
#   - bytes injected right after the server's "go ahead" in the same write (the classic
#     STARTTLS response injection) → refused;
# and in every case the proxy's transcript shows no credential in the clear: no LOGIN or
# AUTHENTICATE/AUTH command before TLS, and the password in no form (raw, SASL PLAIN, LOGIN).
# Then a scripted server greets with a plaintext PREAUTH, with an [ALERT], or answers STARTTLS
# with BYE [ALERT]: refused, nothing shown, no credential, no mailbox command in plain text.
# An unmodified run through the same proxy is the control: it works and goes TLS.
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import base64
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reliability as R  # noqa: E402
import scripted_imap as S  # noqa: E402


def secret_forms(user):
    pw = user['password'].encode()
    name = user['user'].encode()
    return [pw, base64.b64encode(pw), base64.b64encode(b'\0' + name + b'\0' + pw),
            base64.b64encode(name + b'\0' + name + b'\0' + pw)]


def plaintext_part(stream):
    """The bytes of a stream before TLS starts (a handshake record at a line start)."""
    m = re.search(rb'(^|\n)\x16\x03', stream)
    return stream if m is None else stream[:m.start() + len(m.group(1))]


def leaks(transcript_path, user, auth_words):
    """Credential-looking things the client sent in the clear, per connection."""
    found = []
    for conn, streams in R.read_transcript(transcript_path).items():
        clear = plaintext_part(streams['c2s'])
        for form in secret_forms(user):
            if form in clear:
                found.append('conn %d: a form of the password' % conn)
        for word in auth_words:
            if re.search(rb'(?im)^(\S+ )?' + word, clear):
                found.append('conn %d: %s before TLS' % (conn, word.decode()))
    return found


class ScriptedSmtp:
    """A loopback SMTP server that sends SCRIPT's lines one by one: the first at once (the
    greeting), each next one in answer to a command; then it waits for the client to leave.
    The commands it received are kept in .commands."""

    def __init__(self, script):
        import socket
        import threading
        self.script = list(script)
        self.commands = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        try:
            while True:
                conn, _ = self.sock.accept()
                with conn:
                    conn.settimeout(10)
                    lines = list(self.script)
                    conn.sendall(lines.pop(0))
                    buf = b''
                    while True:
                        data = conn.recv(4096)
                        if not data:
                            break
                        buf += data
                        while b'\r\n' in buf:
                            line, buf = buf.split(b'\r\n', 1)
                            self.commands.append(line)
                            if lines:
                                conn.sendall(lines.pop(0))
        except OSError:
            pass

    def close(self):
        self.sock.close()


def tls_started(transcript_path):
    return any(plaintext_part(s['c2s']) != s['c2s']
               for s in R.read_transcript(transcript_path).values())


IMAP_AUTH = [rb'LOGIN ', rb'AUTHENTICATE']
SMTP_AUTH = [rb'AUTH ', rb'MAIL FROM']


def main():
    t = R.Tap('starttls')
    if not R.require_proxy(t):
        return 77
    servers = R.start_servers(t)
    if servers is None:
        return 77
    alice, bob = servers.user(0), servers.user(1)
    tmp = tempfile.mkdtemp(prefix='petrel-starttls-')
    imap_proxy = smtp_proxy = None
    try:
        t.check(servers.imap_login_needs_starttls,
                'the IMAP STARTTLS port refuses LOGIN before TLS (LOGINDISABLED)')
        imap_proxy = R.Proxy(servers.imap_port)
        smtp_proxy = R.Proxy(servers.smtp_port)
        d = os.path.join(tmp, 'data')
        R.add_account(d, 'alice', alice, imap_proxy.port, smtp_proxy.port, servers.ca_file,
                      imap_security='starttls', smtp_security='starttls')

        def imap_case(label, rule, expect_ok=False):
            path = os.path.join(tmp, 'imap-%s.txt' % re.sub(r'\W+', '-', label))
            imap_proxy.transcript(path)
            if rule:
                imap_proxy.rule(**rule)
            else:
                imap_proxy.clear()
            imap_proxy.reset_stats()
            r = R.cli(d, 'sync', 'alice', timeout=120)
            imap_proxy.transcript(None)
            imap_proxy.clear()
            fired = [e for e in imap_proxy.events() if e.startswith(('strip', 'inject'))]
            t.figures['scenarios'] = t.figures.get('scenarios', 0) + (not expect_ok)
            if expect_ok:
                t.check(r.status == 0, 'IMAP %s: sync works' % label, r.describe())
                t.check(tls_started(path), 'IMAP %s: the session went TLS' % label)
            else:
                t.check(fired, 'IMAP %s: the proxy did it' % label, imap_proxy.events())
                t.check(r.clean_failure(), 'IMAP %s: refused with one line' % label,
                        r.describe())
                t.check(re.search(r'(?i)tls|secur|encrypt', r.stderr),
                        'IMAP %s: the error says it is about TLS' % label, r.stderr)
                t.note('IMAP %s: %s' % (label, r.stderr.strip()))
            bad = leaks(path, alice, IMAP_AUTH)
            t.check(not bad, 'IMAP %s: no credential in the clear' % label, bad)
            return r

        def smtp_case(label, rule, expect_ok=False):
            path = os.path.join(tmp, 'smtp-%s.txt' % re.sub(r'\W+', '-', label))
            subject = 'starttls %s' % label
            smtp_proxy.transcript(path)
            if rule:
                smtp_proxy.rule(**rule)
            else:
                smtp_proxy.clear()
            smtp_proxy.reset_stats()
            r = R.cli(d, '--json', 'send', '--account', 'alice', '--to', bob['email'],
                      '--subject', subject, stdin=b'hello\n')
            smtp_proxy.transcript(None)
            smtp_proxy.clear()
            fired = [e for e in smtp_proxy.events() if e.startswith(('strip', 'inject'))]
            t.figures['scenarios'] = t.figures.get('scenarios', 0) + (not expect_ok)
            items = [i for i in (R.outbox(d, 'alice') or []) if i['subject'] == subject]
            state = items[0]['state'] if items else None
            delivered = R.server_subjects(servers, bob).count(subject)
            if expect_ok:
                t.check(r.status == 0 and state == 'done' and delivered == 1,
                        'SMTP %s: sent' % label, (r.describe(), items))
                t.check(tls_started(path), 'SMTP %s: the session went TLS' % label)
            else:
                t.check(fired, 'SMTP %s: the proxy did it' % label, smtp_proxy.events())
                t.check(not r.hung and not r.crashed and delivered == 0 and
                        state in ('queued', 'failed'),
                        'SMTP %s: not sent, kept in the outbox (%s)' % (label, state),
                        (r.describe(), items))
                err = (items[0]['error'] or '') if items else ''
                t.check(re.search(r'(?i)tls|secur|encrypt', err + r.stderr),
                        'SMTP %s: the reason says it is about TLS' % label, (err, r.stderr))
                t.check('server said' not in err + r.stderr,
                        'SMTP %s: no text the server sent unencrypted is shown' % label, err)
                t.note('SMTP %s: %s' % (label, err))
                if items:
                    R.cli(d, 'outbox', 'cancel', 'alice', items[0]['id'])
            bad = leaks(path, alice, SMTP_AUTH)
            t.check(not bad, 'SMTP %s: no credential in the clear' % label, bad)

        # -- controls
        imap_case('control', None, expect_ok=True)
        smtp_case('control', None, expect_ok=True)

        # -- stripping
        imap_case('STARTTLS stripped from the capabilities', {'strip': ' STARTTLS'})
        imap_case('STARTTLS command mangled (server answers BAD)',
                  {'strip': 'STARTTLS', 'strip_direction': 'c2s'})
        smtp_case('STARTTLS stripped from EHLO', {'strip': '250-STARTTLS\r\n'})
        smtp_case('STARTTLS command mangled (server answers 500)',
                  {'strip': 'STARTTLS', 'strip_direction': 'c2s'})

        # -- response injection: plaintext after the go-ahead, in the same write
        imap_case('injection after the STARTTLS OK',
                  {'inject_after': 'Begin TLS negotiation now.\r\n',
                   'inject': '* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN LOGIN]\r\n'})
        imap_case('tagged injection after the STARTTLS OK',
                  {'inject_after': 'Begin TLS negotiation now.\r\n',
                   'inject': 'A0002 OK LOGIN completed\r\n'})
        smtp_case('injection after 220 Ready',
                  {'inject_after': 'Ready to start TLS\r\n',
                   'inject': '250-localhost\r\n250 AUTH PLAIN LOGIN\r\n'})

        # -- a scripted server: plaintext PREAUTH, an [ALERT] greeting, BYE [ALERT] in answer
        # to STARTTLS, a BYE greeting. The account wants STARTTLS: none of this may be used or
        # shown.
        for fault, marker in (('preauth', 'PHISHING'), ('alert-greeting', 'PHISHING'),
                              ('bye-after-starttls', 'PHISHING'),
                              ('bye-greeting', 'Too many connections')):
            srv = S.ScriptedImap(fault)
            try:
                ds = os.path.join(tmp, 'scripted-' + fault)
                R.add_account(ds, 'alice', alice, srv.port, servers.smtp_port, servers.ca_file,
                              imap_security='starttls')
                r = R.cli(ds, 'sync', 'alice', timeout=60)
                rl = R.cli(ds, '--json', 'folders', 'alice')
            finally:
                srv.close()
            t.figures['scenarios'] = t.figures.get('scenarios', 0) + 1
            sent = [x.split(b' ')[1].upper() if len(x.split(b' ')) > 1 else x
                    for x in srv.commands]
            t.check(r.clean_failure(), 'IMAP %s: refused with one line' % fault, r.describe())
            t.check(marker not in r.stderr + rl.stderr + rl.stdout.decode(errors='replace'),
                    'IMAP %s: the unauthenticated server text is not shown' % fault, r.stderr)
            t.check(not any(c in (b'LOGIN', b'AUTHENTICATE', b'SELECT', b'EXAMINE', b'LIST',
                                  b'STATUS', b'FETCH') for c in sent),
                    'IMAP %s: no credential sent, no mailbox touched in plain text' % fault, sent)
            t.check(rl.json() == [] or rl.status != 0,
                    'IMAP %s: no folder learnt from the plaintext session' % fault, rl.stdout)
            t.note('IMAP %s: %s' % (fault, r.stderr.strip()))

        # -- a scripted SMTP server refusing in the clear, its text a phishing lure: the
        # account wants STARTTLS, so only the reply's codes may be shown.
        for fault, script in (('smtp-greeting-554',
                               [b'554 5.7.1 PHISHING: call +1 555 0100 to unlock\r\n']),
                              ('smtp-ehlo-421',
                               [b'220 mx ESMTP\r\n',
                                b'421 4.3.2 PHISHING: log in at http://example.invalid\r\n'])):
            srv = ScriptedSmtp(script)
            try:
                ds = os.path.join(tmp, 'scripted-' + fault)
                R.add_account(ds, 'alice', alice, servers.imaps_port, srv.port, servers.ca_file,
                              smtp_security='starttls')
                subject = 'scripted %s' % fault
                r = R.cli(ds, '--json', 'send', '--account', 'alice', '--to', bob['email'],
                          '--subject', subject, stdin=b'hello\n')
                items = [i for i in (R.outbox(ds, 'alice') or []) if i['subject'] == subject]
            finally:
                srv.close()
            t.figures['scenarios'] = t.figures.get('scenarios', 0) + 1
            err = ((items[0]['error'] or '') if items else '') + r.stderr
            t.check(not r.hung and not r.crashed and items and
                    items[0]['state'] in ('queued', 'failed'),
                    'SMTP %s: not sent, kept in the outbox' % fault, (r.describe(), items))
            t.check('PHISHING' not in err,
                    'SMTP %s: the unencrypted server text is not shown' % fault, err)
            code = script[-1][:3].decode()
            t.check(code in err, 'SMTP %s: the reply code %s is' % (fault, code), err)
            t.check(not any(c.startswith((b'AUTH', b'MAIL')) for c in srv.commands),
                    'SMTP %s: no credential, no envelope sent' % fault, srv.commands)
            t.note('SMTP %s: %s' % (fault, err.strip()))
    finally:
        for p in (imap_proxy, smtp_proxy):
            if p is not None:
                p.stop()
        servers.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return t.finish()


if __name__ == '__main__':
    sys.exit(main())
