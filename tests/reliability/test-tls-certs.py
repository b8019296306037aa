#!/usr/bin/python3
# test-tls-certs.py: the certificate matrix, on IMAP and on SMTP, with implicit TLS and with
# STARTTLS. A small loopback server (this file) presents, in turn, a good certificate (the
# control), an expired one, one not valid yet, one for another host name, a self-signed one and
# one from a CA the account does not trust. Petrel must refuse every bad one: `sync` exits 1
# with one line about the certificate, `send` keeps the message in the outbox with that reason,
# and the server receives no LOGIN/AUTHENTICATE/AUTH/MAIL and the password in no form, neither
# before TLS nor inside it (the handshake must never complete). The control proves the server
# would have seen the credentials: with the good certificate it receives them, inside TLS.
#
# Then the canary: a whole session against the real servers (sync, read, send, flag, search)
# with debug logging on for every domain; the account's password must appear nowhere on disk
# (the data dir, the test's files, the session's HOME and XDG dirs, keyrings excepted) and in
# no output or log line.
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import base64
import datetime
import ipaddress
import os
import re
import secrets
import shutil
import socket
import ssl
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reliability as R  # noqa: E402

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
except ImportError:  # pragma: no cover
    x509 = None

CASES = ['good', 'expired', 'not-yet-valid', 'wrong-host', 'self-signed', 'unknown-ca']
DAY = datetime.timedelta(days=1)


# ---- certificates ---------------------------------------------------------------------------

def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _key():
    return ec.generate_private_key(ec.SECP256R1())


def make_ca(cn):
    key = _key()
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(_name(cn))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - DAY).not_valid_after(now + 30 * DAY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False,
                                         False), critical=True)
            .sign(key, hashes.SHA256()))
    return key, cert


def make_leaf(case, ca_key, ca_cert, other_ca_key, other_ca_cert):
    key = _key()
    now = datetime.datetime.now(datetime.timezone.utc)
    before, after = now - DAY, now + 30 * DAY
    names = [x509.DNSName('localhost'), x509.IPAddress(ipaddress.ip_address('127.0.0.1'))]
    cn = 'localhost'
    issuer_key, issuer = ca_key, ca_cert
    if case == 'expired':
        before, after = now - 60 * DAY, now - 2 * DAY
    elif case == 'not-yet-valid':
        before, after = now + 2 * DAY, now + 60 * DAY
    elif case == 'wrong-host':
        names, cn = [x509.DNSName('mail.example.org')], 'mail.example.org'
    elif case == 'self-signed':
        issuer_key, issuer = key, None
    elif case == 'unknown-ca':
        issuer_key, issuer = other_ca_key, other_ca_cert
    builder = (x509.CertificateBuilder().subject_name(_name(cn))
               .issuer_name(issuer.subject if issuer is not None else _name(cn))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(before).not_valid_after(after)
               .add_extension(x509.SubjectAlternativeName(names), critical=False)
               .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                              critical=False))
    return key, builder.sign(issuer_key, hashes.SHA256())


def write_pem(path, cert=None, key=None):
    with open(path, 'wb') as f:
        if cert is not None:
            f.write(cert.public_bytes(serialization.Encoding.PEM))
        if key is not None:
            f.write(key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
    os.chmod(path, 0o600)


# ---- a recording IMAP / SMTP server -------------------------------------------------------

class Server:
    """Listens on 127.0.0.1; speaks just enough IMAP or SMTP, with implicit TLS or STARTTLS,
    to get a client to authenticate; records what it receives before and inside TLS."""

    def __init__(self, protocol, mode, certfile):
        self.protocol, self.mode = protocol, mode
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(certfile)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.lock = threading.Lock()
        self.plain = b''
        self.inside = b''
        self.handshakes = {'ok': 0, 'failed': 0}
        self.failures = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _record(self, tls, data):
        with self.lock:
            if tls:
                self.inside += data
            else:
                self.plain += data

    def _wrap(self, conn):
        try:
            tls = self.ctx.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError) as e:
            with self.lock:
                self.handshakes['failed'] += 1
                self.failures.append(str(e)[:120])
            conn.close()
            return None
        with self.lock:
            self.handshakes['ok'] += 1
        return tls

    def _serve(self, conn):
        conn.settimeout(20)
        tls = False
        try:
            if self.mode == 'tls':
                conn = self._wrap(conn)
                if conn is None:
                    return
                tls = True
            f = conn.makefile('rb')
            send = conn.sendall
            if self.protocol == 'imap':
                caps = 'IMAP4rev1 AUTH=PLAIN' if tls else 'IMAP4rev1 STARTTLS LOGINDISABLED'
                send(b'* OK [CAPABILITY %s] fake ready\r\n' % caps.encode())
            else:
                send(b'220 fake.example ESMTP\r\n')
            while True:
                line = f.readline(8192)
                if not line:
                    return
                self._record(tls, line)
                if self.protocol == 'imap':
                    reply, start_tls = self._imap(line, tls)
                else:
                    reply, start_tls = self._smtp(line, tls)
                if reply is None:
                    continue
                send(reply)
                if start_tls:
                    f.close()
                    conn = self._wrap(conn)
                    if conn is None:
                        return
                    tls = True
                    f = conn.makefile('rb')
                    send = conn.sendall
                if reply.startswith((b'* BYE', b'221')):
                    return
        except (OSError, ssl.SSLError):
            return
        finally:
            if conn is not None:
                try:
                    conn.close()
                except OSError:
                    pass

    def _imap(self, line, tls):
        parts = line.rstrip(b'\r\n').split(b' ')
        tag, cmd = parts[0], (parts[1].upper() if len(parts) > 1 else b'')
        if cmd == b'CAPABILITY':
            caps = b'IMAP4rev1 AUTH=PLAIN' if tls else b'IMAP4rev1 STARTTLS LOGINDISABLED'
            return b'* CAPABILITY %s\r\n%s OK done\r\n' % (caps, tag), False
        if cmd == b'STARTTLS' and not tls:
            return b'%s OK Begin TLS negotiation now\r\n' % tag, True
        if cmd in (b'LOGIN', b'AUTHENTICATE'):
            return b'%s NO [AUTHENTICATIONFAILED] no\r\n' % tag, False
        if cmd == b'LOGOUT':
            return b'* BYE bye\r\n%s OK done\r\n' % tag, False
        if cmd == b'ID':
            return b'* ID NIL\r\n%s OK done\r\n' % tag, False
        return b'%s BAD not here\r\n' % tag, False

    def _smtp(self, line, tls):
        cmd = line.split(b' ', 1)[0].strip().upper()
        if cmd in (b'EHLO', b'HELO'):
            if tls:
                return b'250-fake.example\r\n250-8BITMIME\r\n250 AUTH PLAIN LOGIN\r\n', False
            return b'250-fake.example\r\n250-STARTTLS\r\n250 8BITMIME\r\n', False
        if cmd == b'STARTTLS' and not tls:
            return b'220 2.0.0 Ready to start TLS\r\n', True
        if cmd == b'AUTH':
            return b'535 5.7.8 Authentication failed\r\n', False
        if cmd == b'QUIT':
            return b'221 2.0.0 Bye\r\n', False
        if cmd == b'RSET':
            return b'250 2.0.0 OK\r\n', False
        return b'530 5.7.0 Authentication required\r\n', False


def secret_forms(user, password):
    pw = password.encode()
    name = user.encode()
    return [pw, base64.b64encode(pw), base64.b64encode(b'\0' + name + b'\0' + pw),
            base64.b64encode(name + b'\0' + name + b'\0' + pw)]


def credential_words(data):
    return re.findall(rb'(?im)^(?:\S+ )?(LOGIN|AUTHENTICATE|AUTH|MAIL FROM)\b', data)


# ---- the canary: the password on disk ------------------------------------------------------

def files_holding(roots, needles, skip_dirs=('keyrings',)):
    """Every file under roots whose bytes hold one of needles."""
    found = []
    for root in roots:
        if not root or not os.path.isdir(root):
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if d not in skip_dirs]
            for name in filenames:
                path = os.path.join(dirpath, name)
                try:
                    if os.path.islink(path) or not os.path.isfile(path):
                        continue
                    with open(path, 'rb') as f:
                        data = f.read(64 << 20)
                except OSError:
                    continue
                if any(n in data for n in needles):
                    found.append(path)
    return found


def main():
    t = R.Tap('tls-certs')
    if x509 is None:
        return t.skip_all('python3-cryptography is not installed')
    tmp = tempfile.mkdtemp(prefix='petrel-tls-certs-')
    servers = None
    figures = {'refused': 0, 'cases': 0, 'credentials_sent': 0}
    try:
        ca_key, ca = make_ca('Petrel Trusted Test CA')
        other_key, other = make_ca('Some Other CA')
        ca_file = os.path.join(tmp, 'ca.pem')
        write_pem(ca_file, cert=ca)
        os.chmod(ca_file, 0o644)
        user = 'canary'
        password = 'canary-' + secrets.token_hex(12)
        outputs = []

        for case in CASES:
            key, cert = make_leaf(case, ca_key, ca, other_key, other)
            pem = os.path.join(tmp, '%s.pem' % case)
            write_pem(pem, cert=cert, key=key)
            for mode in ('tls', 'starttls'):
                imap = Server('imap', mode, pem)
                smtp = Server('smtp', mode, pem)
                label = '%s certificate, %s' % (case, 'implicit TLS' if mode == 'tls'
                                                else 'STARTTLS')
                d = os.path.join(tmp, 'data-%s-%s' % (case, mode))
                try:
                    r = R.cli(d, 'account', 'add', '--id', 'acct', '--email', 'canary@example.org',
                              '--imap', '127.0.0.1:%d' % imap.port, '--imap-security', mode,
                              '--smtp', '127.0.0.1:%d' % smtp.port, '--smtp-security', mode,
                              '--user', user, '--ca-file', ca_file, '--password-stdin',
                              stdin=password.encode())
                    t.check(r.status == 0, '%s: account added' % label, r.describe())
                    rs = R.cli(d, 'sync', 'acct', timeout=60)
                    rm = R.cli(d, '--json', 'send', '--account', 'acct', '--to', 'bob@example.org',
                               '--subject', 'tls %s' % label, stdin=b'hello\n', timeout=60)
                    outputs += [rs.stdout, rs.stderr.encode(), rm.stdout, rm.stderr.encode()]
                    items = R.outbox(d, 'acct') or []
                    err = (items[0].get('error') or '') if items else ''
                finally:
                    imap.close()
                    smtp.close()
                for proto, srv in (('IMAP', imap), ('SMTP', smtp)):
                    forms = [x for x in secret_forms(user, password)
                             if x in srv.plain or x in srv.inside]
                    words = credential_words(srv.plain) + credential_words(srv.inside)
                    if case == 'good':
                        # The control: the server sees the credentials, inside TLS only.
                        t.check(srv.handshakes['ok'] > 0, '%s, %s: the handshake completes'
                                % (label, proto), srv.failures)
                        t.check(credential_words(srv.inside),
                                '%s, %s: the client authenticates inside TLS (the harness '
                                'would see credentials)' % (label, proto), srv.inside[-300:])
                        t.check(not credential_words(srv.plain),
                                '%s, %s: nothing of the kind before TLS' % (label, proto),
                                srv.plain)
                        continue
                    figures['cases'] += 1
                    figures['credentials_sent'] += len(words) + len(forms)
                    refused = t.check(srv.handshakes['failed'] > 0 and
                                      srv.handshakes['ok'] == 0,
                                      '%s, %s: the client tried TLS and aborted the handshake'
                                      % (label, proto), (srv.handshakes, srv.failures))
                    refused = t.check(not words and not forms and not srv.inside,
                                      '%s, %s: no LOGIN/AUTH/MAIL and no form of the password '
                                      'reached the server' % (label, proto),
                                      (words, srv.plain[-300:], srv.inside[-300:])) and refused
                    figures['refused'] += refused
                if case != 'good':
                    t.check(rs.clean_failure() and
                            re.search(r'(?i)certificate', rs.stderr),
                            '%s: sync refuses with one line about the certificate' % label,
                            rs.describe())
                    t.check(re.search(r'(?i)certificate', err + rm.stderr) and
                            len(items) == 1 and items[0]['state'] in ('queued', 'failed'),
                            '%s: send keeps the message, the reason is the certificate' % label,
                            (rm.describe(), items))
                    t.note('%s: %s' % (label, rs.stderr.strip()))

        # -- the canary against the real servers, every debug domain on ----------------------
        servers = R.start_servers(t)
        if servers is None:
            return 77
        alice, bob = servers.user(0), servers.user(1)
        servers.seed('alice', 'INBOX', count=30, seed=R.SEED)
        d = os.path.join(tmp, 'canary')
        debug = {'G_MESSAGES_DEBUG': 'all'}
        R.add_account(d, 'alice', alice, servers.imaps_port, servers.smtp_port, servers.ca_file)
        runs = [R.cli(d, 'sync', 'alice', env=debug)]
        uids = R.local_uids(d, 'alice', 'INBOX') or []
        runs.append(R.cli(d, 'show', 'alice', 'INBOX', uids[0] if uids else 1, env=debug))
        runs.append(R.cli(d, '--json', 'send', '--account', 'alice', '--to', bob['email'],
                          '--subject', 'canary', stdin=b'hello\n', env=debug))
        runs.append(R.cli(d, 'flag', 'alice', 'INBOX', uids[-1] if uids else 1, '--add',
                          '\\Flagged', env=debug))
        runs.append(R.cli(d, 'search', 'the', '--account', 'alice', env=debug))
        runs.append(R.cli(d, 'sync', 'alice', env=debug))
        t.check(all(r.status == 0 for r in runs), 'canary session: sync, show, send, flag, '
                'search, sync all work', '\n'.join(r.describe() for r in runs if r.status))
        t.check(any('petrel' in r.stderr for r in runs),
                'canary session: debug logging was on (the check below sees the logs)')
        canaries = secret_forms(alice['user'], alice['password'])
        logs = [r.stdout + r.stderr.encode() for r in runs] + outputs
        t.check(not any(c in x for c in canaries for x in logs),
                'the password (raw, base64, SASL) is in no output and no debug log line')
        canaries += secret_forms(user, password)
        roots = [tmp, servers.info['dir']]
        if os.environ.get('PETREL_TEST_KEYRING') == '1':
            # Inside build-aux/keyring-session: HOME and the XDG dirs are throwaway ones.
            roots += [os.environ.get(v) for v in ('HOME', 'XDG_DATA_HOME', 'XDG_CONFIG_HOME',
                                                   'XDG_CACHE_HOME', 'XDG_STATE_HOME',
                                                   'XDG_RUNTIME_DIR')]
        roots = [x for x in dict.fromkeys(roots) if x and x != '/' and
                 not os.path.realpath(x).startswith(('/usr', '/etc'))]
        found = [f for f in files_holding(roots, canaries) if not f.endswith('.keyring')]
        t.check(not found, 'the passwords are on disk nowhere but the keyring (%d dirs '
                'searched)' % len(roots), found)

        t.note('figures: %(cases)d bad-certificate sessions (IMAP and SMTP, implicit TLS and '
               'STARTTLS), %(refused)d refused before any credential, %(credentials_sent)d '
               'credentials sent' % figures)
        t.figures.update(scenarios=figures['cases'], refused=figures['refused'],
                         credentials_sent=figures['credentials_sent'])
    finally:
        if servers is not None:
            servers.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return t.finish()


if __name__ == '__main__':
    sys.exit(main())
