# scripted_imap.py: a tiny IMAP4rev1 server for byte-exact misbehaviour a real Dovecot never
# produces. Plain text on 127.0.0.1 (Petrel sends a password without TLS only to loopback,
# with security=none), one mailbox INBOX with a few messages, just enough of the protocol for
# a Petrel sync (CAPABILITY, AUTHENTICATE PLAIN / LOGIN, ENABLE, NAMESPACE, LIST, STATUS,
# SELECT/EXAMINE, SEARCH, FETCH, STORE, NOOP, LOGOUT), and one named fault injected at its
# point. Each connection runs in a thread; every wait is bounded.
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import re
import socket
import threading
import time

USER = 'alice'
PASSWORD = 'hostile-password'
HOLD_SECONDS = 20        # how long a fault keeps the connection open before closing it


def make_message(i, body=None):
    body = body or ('Message number %d from the scripted server.\r\n' % i) * 4
    return ('From: Sender %d <s%d@example.test>\r\n'
            'To: alice@example.test\r\n'
            'Subject: scripted %d\r\n'
            'Date: Mon, 0%d Jan 2024 10:00:00 +0000\r\n'
            'Message-ID: <scripted-%d@example.test>\r\n'
            '\r\n' % (i, i, i, i, i)).encode() + body.encode()


def escape_message():
    """Terminal escape sequences in the From name and Subject, raw and RFC 2047-encoded."""
    return (b'From: =?utf-8?q?Evil=1B]0;pwned=07=1B[2J?= <evil@example.test>\r\n'
            b'To: alice@example.test\r\n'
            b'Subject: clear \x1b[31mred\x1b[0m =?utf-8?q?and=1B[1Aup=0D?=\r\n'
            b'Date: Mon, 01 Jan 2024 10:00:00 +0000\r\n'
            b'Message-ID: <escape@example.test>\r\n\r\n'
            b'body \x1b[5mblink\x1b[0m\r\n')


def deep_mime(levels):
    """A message whose MIME tree is `levels` multiparts deep."""
    head = b''
    tail = b''
    for n in range(levels):
        head += (b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (n, n))
        tail = b'\r\n--b%d--\r\n' % n + tail
    return (b'From: deep@example.test\r\nTo: alice@example.test\r\nSubject: deep mime\r\n'
            b'Message-ID: <deep@example.test>\r\nMIME-Version: 1.0\r\n' + head +
            b'Content-Type: text/plain\r\n\r\nthe bottom of the tree\r\n' + tail)


def header_fields(header, names):
    """BODY[HEADER.FIELDS (names)] of a header block: those fields with their continuation
    lines, in order, then the blank line."""
    wanted = {n.upper().strip(b'"') for n in names}
    out = []
    keep = False
    for line in header.split(b'\r\n')[:-2]:
        if not line.startswith((b' ', b'\t')):
            keep = line.split(b':', 1)[0].strip().upper() in wanted
        if keep:
            out.append(line + b'\r\n')
    return b''.join(out) + b'\r\n'


class Conn:
    def __init__(self, server, sock):
        self.server = server
        self.sock = sock
        self.buf = b''
        self.selected = False

    def send(self, data):
        self.sock.sendall(data)

    def readline(self, limit=1 << 20):
        while b'\r\n' not in self.buf:
            if len(self.buf) > limit:
                raise ConnectionError('client line too long')
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError('client closed')
            self.buf += data
        line, self.buf = self.buf.split(b'\r\n', 1)
        # A synchronising literal from the client: ask for it, then read it.
        m = re.search(rb'\{(\d+)(\+?)\}$', line)
        if m:
            n = int(m.group(1))
            if not m.group(2):
                self.send(b'+ go ahead\r\n')
            while len(self.buf) < n:
                data = self.sock.recv(65536)
                if not data:
                    raise ConnectionError('client closed')
                self.buf += data
            line += b'\r\n' + self.buf[:n]
            self.buf = self.buf[n:]
            rest = self.readline(limit)
            line += rest
        return line

    def hold_and_close(self):
        """Keeps the connection open (reading and dropping) for a while, then closes."""
        self.sock.settimeout(0.5)
        deadline = time.monotonic() + HOLD_SECONDS
        while time.monotonic() < deadline:
            try:
                if not self.sock.recv(65536):
                    break
            except socket.timeout:
                continue
            except OSError:
                break
        raise ConnectionError('fault done')


class ScriptedImap:
    """A scripted server on 127.0.0.1:port with one fault (see FAULTS in the test)."""

    def __init__(self, fault=None, messages=None):
        self.fault = fault
        self.messages = messages or [make_message(i) for i in range(1, 4)]
        self.uidvalidity = 42
        self.commands = []
        self.connections = 0
        self.sock = socket.socket()
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def close(self):
        self.sock.close()

    def _accept(self):
        while True:
            try:
                sock, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._run, args=(sock,), daemon=True).start()

    def _run(self, sock):
        sock.settimeout(60)
        conn = Conn(self, sock)
        try:
            self._session(conn)
        except (ConnectionError, OSError):
            pass
        finally:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    # -- the protocol

    CAPS = b'IMAP4rev1 SASL-IR AUTH=PLAIN UIDPLUS'

    def _session(self, c):
        f = self.fault
        if f == 'close-at-once':
            return
        if f == 'garbage-greeting':
            c.send(b'\x16\x03\x01\x00\xff garbage \x00\xff\r\n')
            c.hold_and_close()
        if f == 'untagged-before-greeting':
            c.send(b'* 3 EXISTS\r\n* FLAGS (\\Seen)\r\n* 1 FETCH (FLAGS (\\Seen))\r\n')
        if f == 'bye-greeting':
            c.send(b'* BYE [ALERT] Too many connections, go away\r\n')
            return
        if f == 'preauth':
            # Plaintext PREAUTH to a client that wants STARTTLS: it must not carry on unencrypted.
            c.send(b'* PREAUTH [CAPABILITY IMAP4rev1] PHISHING-PREAUTH logged in\r\n')
        elif f in ('alert-greeting', 'bye-after-starttls'):
            # Unauthenticated text before TLS that a client must not show as the server's word.
            c.send(b'* OK [ALERT] PHISHING-ALERT your mailbox is locked, call +1 555 0100\r\n'
                   if f == 'alert-greeting' else
                   b'* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n')
        else:
            c.send(b'* OK [CAPABILITY ' + self.CAPS + b'] scripted server ready\r\n')
        while True:
            line = c.readline()
            self.commands.append(line)
            m = re.match(rb'^(\S+) (?:UID )?(\S+)', line)
            if not m:
                c.send(b'* BAD what\r\n')
                continue
            tag, cmd = m.group(1), m.group(2).upper()
            is_uid = b' UID ' in line[:len(tag) + 6].upper()
            handler = getattr(self, '_cmd_' + cmd.decode('ascii', 'replace').lower(), None)
            if handler is None:
                c.send(tag + b' BAD unknown command\r\n')
                continue
            if handler(c, tag, line, is_uid) == 'logout':
                return

    def _ok(self, c, tag, text=b'done'):
        c.send(tag + b' OK ' + text + b'\r\n')

    def _cmd_capability(self, c, tag, line, uid):
        if self.fault in ('alert-greeting', 'bye-after-starttls'):
            c.send(b'* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\n')
        else:
            c.send(b'* CAPABILITY ' + self.CAPS + b'\r\n')
        self._ok(c, tag)

    def _cmd_starttls(self, c, tag, line, uid):
        if self.fault == 'bye-after-starttls':
            c.send(b'* BYE [ALERT] PHISHING-BYE your password expired, call +1 555 0100\r\n')
            raise ConnectionError('bye')
        c.send(tag + b' BAD [ALERT] PHISHING-BAD no TLS here\r\n')

    def _login_ok(self, c, tag):
        f = self.fault
        if f == 'no-at-login':
            c.send(tag + b' NO [AUTHENTICATIONFAILED] Invalid credentials\r\n')
            return
        if f == 'bye-at-login':
            c.send(b'* BYE Server going down\r\n')
            raise ConnectionError('bye')
        c.send(tag + b' OK [CAPABILITY ' + self.CAPS + b'] Logged in\r\n')
        if f == 'garbage-after-login':
            c.send(b'* \x00\xff\xfe garbage \x01\x02 (((\r\n\x80\x81\x82\r\n) ] }\r\n')

    def _cmd_authenticate(self, c, tag, line, uid):
        parts = line.split()
        if len(parts) < 4:
            c.send(b'+ \r\n')
            c.readline()
        self._login_ok(c, tag)

    def _cmd_login(self, c, tag, line, uid):
        self._login_ok(c, tag)

    def _cmd_enable(self, c, tag, line, uid):
        c.send(b'* ENABLED\r\n')
        self._ok(c, tag)

    def _cmd_id(self, c, tag, line, uid):
        c.send(b'* ID NIL\r\n')
        self._ok(c, tag)

    def _cmd_namespace(self, c, tag, line, uid):
        c.send(b'* NAMESPACE (("" "/")) NIL NIL\r\n')
        self._ok(c, tag)

    def _cmd_list(self, c, tag, line, uid):
        f = self.fault
        if f == 'long-line':
            c.send(b'* LIST () "/" ' + b'A' * (10 << 20) + b'\r\n')
            c.hold_and_close()
        c.send(b'* LIST (\\HasNoChildren) "/" INBOX\r\n')
        if f == 'mailbox-names':
            for name in (b'"../../../escape"', b'"/etc/passwd"', b'"a/../../b"',
                         b'"bad\\\\name"', b'{9}\r\nctl\x01\x02\x7fnm', b'"&AGEAYQ-"', b'"&-&-"',
                         b'"\xff\xfe invalid utf8"', b'".."', b'"."', b'"~"',
                         b'"%s"' % (b'x' * 3000)):
                c.send(b'* LIST (\\HasNoChildren) "/" ' + name + b'\r\n')
        if f == 'nested-parens':
            c.send(b'* LIST (' + b'(' * 100000 + b')' * 100000 + b') "/" Deep\r\n')
        if f == 'vanished-folder':
            # A folder that is gone by the time it is selected, a \Noselect parent, and an
            # ordinary folder after them.
            c.send(b'* LIST (\\HasNoChildren) "/" Gone\r\n'
                   b'* LIST (\\Noselect \\HasChildren) "/" Parent\r\n'
                   b'* LIST (\\HasNoChildren) "/" Parent/Zeta\r\n')
        if f == 'escape-sequences':
            c.send(b'* LIST (\\HasNoChildren) "/" {18}\r\nWork\x1b]0;pwned\x07\x1b[2J\r\n')
        self._ok(c, tag)

    def _cmd_lsub(self, c, tag, line, uid):
        self._ok(c, tag)

    def _cmd_status(self, c, tag, line, uid):
        n = len(self.messages)
        c.send(b'* STATUS INBOX (MESSAGES %d UIDNEXT %d UIDVALIDITY %d UNSEEN 0)\r\n' %
               (n, n + 1, self.uidvalidity))
        self._ok(c, tag)

    def _cmd_select(self, c, tag, line, uid, examine=False):
        f = self.fault
        if f == 'bad-at-select':
            c.send(tag + b' BAD [CLIENTBUG] mailbox name garbled\r\n')
            return
        if self.fault == 'vanished-folder' and re.search(rb' (Gone|Parent)(\s|$)', line):
            c.send(tag + b' NO [NONEXISTENT] Mailbox does not exist\r\n')
            return
        if f != 'escape-sequences' and not re.search(rb'(?i) "?(INBOX|Parent/Zeta)"?(\s|$)',
                                                     line):
            c.send(tag + b' NO [NONEXISTENT] no such mailbox\r\n')
            return
        n = len(self.messages)
        c.send(b'* %d EXISTS\r\n* 0 RECENT\r\n* FLAGS (\\Seen \\Flagged \\Deleted)\r\n'
               b'* OK [PERMANENTFLAGS (\\Seen \\Flagged \\Deleted)] ok\r\n'
               b'* OK [UIDVALIDITY %d] ok\r\n* OK [UIDNEXT %d] ok\r\n' %
               (n, self.uidvalidity, n + 1))
        if f == 'out-of-range':
            c.send(b'* 99 EXPUNGE\r\n* 0 FETCH (FLAGS ())\r\n* 4294967297 EXISTS\r\n'
                   b'* 77 FETCH (UID 4000000000 FLAGS (\\Seen))\r\n* 0 EXPUNGE\r\n')
        self.selected = True
        self._ok(c, tag, b'[READ-ONLY] done' if examine else b'[READ-WRITE] done')

    def _cmd_examine(self, c, tag, line, uid):
        return self._cmd_select(c, tag, line, uid, examine=True)

    def _cmd_search(self, c, tag, line, uid):
        c.send(b'* SEARCH ' + b' '.join(b'%d' % (i + 1) for i in range(len(self.messages))) +
               b'\r\n')
        self._ok(c, tag)

    def _bodystructure(self, raw):
        if self.fault == 'nested-parens':
            return b'(' * 100000 + b')' * 100000
        body = raw.split(b'\r\n\r\n', 1)[1] if b'\r\n\r\n' in raw else b''
        return (b'("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" %d %d)' %
                (len(body), body.count(b'\r\n')))

    def _cmd_fetch(self, c, tag, line, uid):
        f = self.fault
        m = re.match(rb'^\S+ (?:UID )?FETCH (\S+) (.*)$', line, re.I | re.S)
        if not m:
            c.send(tag + b' BAD fetch what\r\n')
            return
        wanted = self._set(m.group(1), len(self.messages))
        items = m.group(2).upper()
        bodies = b'BODY.PEEK[]' in items or b'BODY[]' in items or b'RFC822)' in items
        sent_bodies = 0
        for seq in wanted:
            raw = self.messages[seq - 1]
            parts = [b'UID %d' % seq]
            if b'FLAGS' in items:
                parts.append(b'FLAGS (\\Seen)')
            if b'INTERNALDATE' in items:
                parts.append(b'INTERNALDATE "0%d-Jan-2024 10:00:00 +0000"' % min(seq, 9))
            if b'RFC822.SIZE' in items:
                parts.append(b'RFC822.SIZE %d' % len(raw))
            if b'MODSEQ' in items:
                parts.append(b'MODSEQ (1)')
            if b'BODYSTRUCTURE' in items:
                parts.append(b'BODYSTRUCTURE ' + self._bodystructure(raw))
            if b'ENVELOPE' in items:
                parts.append(b'ENVELOPE (NIL "scripted %d" NIL NIL NIL NIL NIL NIL NIL '
                             b'"<scripted-%d@example.test>")' % (seq, seq))
            head = b'* %d FETCH (' % seq + b' '.join(parts)
            literal = None
            section = re.search(rb'BODY\.PEEK\[(HEADER(?:\.FIELDS \(([^)]*)\))?)\]', items)
            if section:
                header = raw.split(b'\r\n\r\n', 1)[0] + b'\r\n\r\n'
                if f == 'whole-header':
                    # Asked for some fields, answers with the whole header block.
                    literal = (b'BODY[HEADER]', header)
                else:
                    if section.group(2) is not None:
                        header = header_fields(header, section.group(2).split())
                    literal = (b'BODY[' + section.group(1) + b']', header)
            if bodies:
                literal = (b'BODY[]', raw)
            if literal is None:
                c.send(head + b')\r\n')
                continue
            name, data = literal
            if bodies and sent_bodies == 1:
                if f == 'bye-mid-fetch':
                    c.send(b'* BYE [ALERT] shutting down now\r\n')
                    raise ConnectionError('bye')
                if f == 'literal-short':
                    c.send(head + b' ' + name + b' {%d}\r\n' % (len(data) + 5000) + data)
                    raise ConnectionError('short')
                if f == 'literal-huge':
                    c.send(head + b' ' + name + b' {18446744073709551615}\r\n' + data)
                    c.hold_and_close()
                if f == 'literal-negative':
                    c.send(head + b' ' + name + b' {-12}\r\n' + data + b')\r\n')
                    c.hold_and_close()
                if f == 'literal-longer':
                    # Says 10 bytes, sends the whole message: the rest is garbage protocol.
                    c.send(head + b' ' + name + b' {10}\r\n' + data + b')\r\n')
                    continue
                if f == 'fetch-wrong-uid':
                    c.send(b'* %d FETCH (UID 999 ' % seq + name + b' {%d}\r\n' % len(data) +
                           data + b')\r\n')
                    continue
            c.send(head + b' ' + name + b' {%d}\r\n' % len(data) + data + b')\r\n')
            if bodies:
                sent_bodies += 1
        self._ok(c, tag)

    def _set(self, text, n):
        out = []
        for part in text.split(b','):
            if b':' in part:
                a, b = part.split(b':', 1)
                lo = n if a == b'*' else int(a)
                hi = n if b == b'*' else int(b)
                lo, hi = min(lo, hi), max(lo, hi)
                out.extend(range(max(lo, 1), min(hi, n) + 1))
            elif part == b'*':
                out.append(n)
            elif part.isdigit() and 1 <= int(part) <= n:
                out.append(int(part))
        return sorted(set(out))

    def _cmd_store(self, c, tag, line, uid):
        self._ok(c, tag)

    def _cmd_noop(self, c, tag, line, uid):
        self._ok(c, tag)

    _cmd_check = _cmd_noop
    _cmd_close = _cmd_noop
    _cmd_unselect = _cmd_noop

    def _cmd_logout(self, c, tag, line, uid):
        c.send(b'* BYE bye\r\n')
        self._ok(c, tag)
        return 'logout'
