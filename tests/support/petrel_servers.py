# petrel_servers.py: private Dovecot + SMTP submission servers for Petrel's protocol tests.
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# One instance lives in a fresh temporary directory: a throwaway CA and server certificate, a
# Dovecot (IMAP with STARTTLS and implicit TLS, LMTP on a unix socket) with its own config,
# base_dir, state and logs, and an aiosmtpd submission server (STARTTLS and implicit TLS, AUTH
# PLAIN/LOGIN) that delivers every accepted message into Dovecot over LMTP. Everything listens on
# 127.0.0.1 only. See README.md beside this file.
#
# Parts usable from other Python tests:
#   TestServers        start `petrel-test-servers run` as a child and talk to it
#   seed_maildir()     write generated messages straight into a user's maildir
#   generate_messages() the deterministic message generator behind seed_maildir()

import asyncio
import base64
import contextlib
import datetime
import email.header
import email.utils
import grp
import hashlib
import hmac
import importlib.util
import json
import logging
import os
import pwd
import quopri
import random
import re
import secrets
import selectors
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
import warnings
import zlib

HOST = '127.0.0.1'
# Dovecot counts a connection whose two ends have the same address as secure and then allows
# LOGIN before STARTTLS. The STARTTLS port is therefore a relay in this process that connects to
# Dovecot from this second loopback address, so plaintext authentication is refused as it would
# be on a real network (LOGINDISABLED).
RELAY_SOURCE = '127.0.0.2'
DOMAIN = 'example.test'
EXIT_UNAVAILABLE = 77

USERS = [
    # (user, display name); passwords are generated per run and never written to disk.
    ('alice', 'Alice Liddell'),
    ('bob', 'Bob Ostrowski'),
    # carol's password holds a space, a double quote and a backslash to exercise quoting.
    ('carol', 'Carol Ñúñez'),
]

log = logging.getLogger('petrel-test-servers')


class Unavailable(Exception):
    """A program or module the servers need is not installed."""


class ServersError(Exception):
    """The servers could not be started or did not answer."""


# ---------------------------------------------------------------------------------------------
# Helpers


def _run(argv, **kwargs):
    """Run a helper program; raise ServersError with its output if it fails."""
    proc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, **kwargs)
    if proc.returncode != 0:
        raise ServersError('%s failed (exit %d): %s' % (
            os.path.basename(argv[0]), proc.returncode,
            proc.stdout.decode('utf-8', 'replace').strip()[-2000:]))
    return proc.stdout


def find_program(name, extra_dirs=('/usr/sbin', '/usr/local/sbin', '/sbin')):
    path = shutil.which(name)
    if path:
        return path
    for d in extra_dirs:
        candidate = os.path.join(d, name)
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def check_dependencies():
    """Return the paths of dovecot and openssl; raise Unavailable if something is missing."""
    missing = []
    dovecot = find_program('dovecot')
    if not dovecot:
        missing.append('dovecot (Debian: dovecot-imapd, dovecot-lmtpd)')
    else:
        libexec = '/usr/lib/dovecot'
        for binary, pkg in (('imap', 'dovecot-imapd'), ('lmtp', 'dovecot-lmtpd')):
            if os.path.isdir(libexec) and not os.access(os.path.join(libexec, binary), os.X_OK):
                missing.append('%s (Debian: %s)' % (binary, pkg))
    openssl = find_program('openssl')
    if not openssl:
        missing.append('openssl')
    if importlib.util.find_spec('aiosmtpd') is None:
        missing.append('aiosmtpd (Debian: python3-aiosmtpd)')
    if missing:
        raise Unavailable('missing: ' + ', '.join(missing))
    return dovecot, openssl


def ssha512(password):
    """Dovecot's {SSHA512} scheme, so no plain password lands in the passwd-file."""
    salt = secrets.token_bytes(8)
    digest = hashlib.sha512(password.encode('utf-8') + salt).digest()
    return '{SSHA512}' + base64.b64encode(digest + salt).decode('ascii')


def make_password(user):
    password = secrets.token_urlsafe(15)
    if user == 'carol':
        password = password[:8] + ' "q\\' + password[8:]
    return password


def mutf7_encode(name):
    """Encode a mailbox name in IMAP modified UTF-7 (RFC 3501 5.1.3), as Dovecot stores it."""
    out = []
    pending = []

    def flush():
        if pending:
            data = ''.join(pending).encode('utf-16-be')
            out.append('&' + base64.b64encode(data).decode('ascii').rstrip('=').replace('/', ',')
                       + '-')
            pending.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7e:
            flush()
            out.append('&-' if ch == '&' else ch)
        else:
            pending.append(ch)
    flush()
    return ''.join(out)


def maildir_folder_dir(user_root, folder):
    """The maildir++ directory of an IMAP folder ('.' or '/' separate levels)."""
    if folder.upper() == 'INBOX':
        return user_root
    parts = [p for p in re.split(r'[./]', folder) if p]
    if not parts or any(p in ('.', '..') for p in parts):
        raise ValueError('bad folder name: %r' % folder)
    return os.path.join(user_root, '.' + '.'.join(mutf7_encode(p) for p in parts))


def _wait_for_port(port, deadline, proc=None):
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------------
# TLS


OPENSSL_CONF = """\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = %(cn)s
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[v3_server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
"""


def make_certificates(openssl, tls_dir):
    """A throwaway CA and a server certificate for 127.0.0.1/localhost, both EC P-256."""
    os.makedirs(tls_dir, mode=0o755, exist_ok=True)
    p = lambda name: os.path.join(tls_dir, name)  # noqa: E731
    for name, cn in (('ca.cnf', 'Petrel Test CA'), ('server.cnf', 'localhost')):
        with open(p(name), 'w') as f:
            f.write(OPENSSL_CONF % {'cn': cn})
    old_umask = os.umask(0o077)
    try:
        _run([openssl, 'req', '-x509', '-new', '-config', p('ca.cnf'), '-extensions', 'v3_ca',
              '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
              '-keyout', p('ca.key'), '-out', p('ca.pem'), '-days', '30', '-sha256'])
        _run([openssl, 'req', '-new', '-config', p('server.cnf'),
              '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
              '-keyout', p('server.key'), '-out', p('server.csr')])
        _run([openssl, 'x509', '-req', '-in', p('server.csr'), '-CA', p('ca.pem'),
              '-CAkey', p('ca.key'), '-set_serial', str(secrets.randbits(63)),
              '-days', '30', '-sha256', '-extfile', p('server.cnf'), '-extensions', 'v3_server',
              '-out', p('server.pem')])
    finally:
        os.umask(old_umask)
    os.chmod(p('ca.pem'), 0o644)
    os.chmod(p('server.pem'), 0o644)
    for name in ('server.csr', 'ca.cnf', 'server.cnf'):
        os.unlink(p(name))
    return p('ca.pem'), p('server.pem'), p('server.key')


# ---------------------------------------------------------------------------------------------
# Dovecot


DOVECOT_CONF = """\
# Generated by petrel-test-servers; private to this instance.
instance_name = %(instance)s
base_dir = %(dir)s/run
state_dir = %(dir)s/state
log_path = %(dir)s/log/dovecot.log
info_log_path = %(dir)s/log/dovecot.log
debug_log_path = %(dir)s/log/dovecot.log
protocols = imap lmtp
listen = 127.0.0.1
hostname = localhost
import_environment = TZ
shutdown_clients = yes
%(users_block)s
first_valid_uid = %(first_valid_uid)d
first_valid_gid = %(first_valid_gid)d
mail_uid = %(mail_uid)d
mail_gid = %(mail_gid)d
mail_location = maildir:%(dir)s/mail/%%n
mail_fsync = never
mail_max_userip_connections = 200
postmaster_address = postmaster@%(domain)s

ssl = required
ssl_cert = <%(cert)s
ssl_key = <%(key)s
ssl_min_protocol = TLSv1.2
%(ssl_dh)s

auth_mechanisms = %(auth_mechanisms)s
disable_plaintext_auth = yes
auth_failure_delay = 0
auth_verbose = yes
%(oauth2_passdb)spassdb {
  driver = passwd-file
  args = scheme=SSHA512 username_format=%%n %(dir)s/passwd
%(passwd_mechanisms)s}
userdb {
  driver = static
  args = uid=%(mail_uid)d gid=%(mail_gid)d home=%(dir)s/mail/%%n
}

namespace inbox {
  inbox = yes
  mailbox Drafts {
    special_use = \\Drafts
    auto = subscribe
  }
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
  mailbox Trash {
    special_use = \\Trash
    auto = subscribe
  }
  mailbox Junk {
    special_use = \\Junk
    auto = subscribe
  }
  mailbox Archive {
    special_use = \\Archive
    auto = subscribe
  }
}

protocol imap {
  mail_plugins = $mail_plugins imap_zlib
  mail_max_userip_connections = 200
  # Changes made by another session (flags) are noticed by IDLE within a second rather than
  # Dovecot's default 30, so IDLE tests need not wait.
  mailbox_idle_check_interval = 1 secs
}

service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = %(imap_direct_port)d
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = %(imaps_port)d
    ssl = yes
  }
}

service lmtp {
  unix_listener lmtp {
    mode = 0600
  }
}
%(service_block)s
"""


# With `run --oauth2-introspection URL`: Dovecot also takes OAuth2 bearer tokens (XOAUTH2,
# OAUTHBEARER) and asks URL about each one (RFC 7662 token introspection, POST token=...). The
# answer must be a JSON object with "active": true and "username" naming the user logging in.
OAUTH2_PASSDB = """\
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = %(dir)s/dovecot-oauth2.conf.ext
}
"""

OAUTH2_CONF = """\
# Generated by petrel-test-servers: bearer tokens are checked by the test's own server.
introspection_mode = post
introspection_url = %(url)s
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
timeout_msecs = 10000
"""


def check_introspection_url(url):
    """Only loopback http(s) URLs: the tests never talk to anything else."""
    from urllib.parse import urlsplit
    parts = urlsplit(url or '')
    if parts.scheme not in ('http', 'https') or parts.hostname not in ('127.0.0.1', '::1'):
        raise ValueError('--oauth2-introspection needs an http(s) URL on 127.0.0.1 or ::1, '
                         'not %r' % url)
    return url


class Instance:
    """The on-disk part of one instance: directory, certificates, users, Dovecot config."""

    def __init__(self, parent=None, oauth2_introspection=None):
        self.oauth2_introspection = oauth2_introspection
        self.dovecot_bin, self.openssl = check_dependencies()
        self.as_root = os.geteuid() == 0
        parent = parent or tempfile.gettempdir()
        if len(parent) > 40:        # unix socket paths in base_dir are limited to 107 bytes
            parent = '/tmp'
        self.imap_direct_port = self.imaps_port = None
        self.users = [{'user': u, 'name': n, 'email': '%s@%s' % (u, DOMAIN),
                       'password': make_password(u)} for u, n in USERS]
        if self.as_root:
            # Dovecot refuses uid 0 for mail: mail belongs to nobody; its login and internal
            # processes run as its own dovenull and dovecot users.
            try:
                nobody = pwd.getpwnam('nobody')
                self.internal_gid = grp.getgrnam('dovecot').gr_gid
                pwd.getpwnam('dovenull')
            except KeyError as e:
                raise Unavailable('running as root needs the users nobody, dovecot and dovenull'
                                  ' (Debian: dovecot-core): %s' % e)
            self.mail_uid, self.mail_gid = nobody.pw_uid, nobody.pw_gid
            self.internal_user = None       # Dovecot's defaults: dovecot / dovenull
        else:
            self.mail_uid, self.mail_gid = os.geteuid(), os.getegid()
            try:
                self.internal_user = pwd.getpwuid(os.geteuid()).pw_name
                grp.getgrgid(os.getegid())
            except KeyError:
                raise Unavailable('Dovecot needs a passwd and group entry for uid %d gid %d'
                                  % (os.geteuid(), os.getegid()))
            self.internal_gid = os.getegid()
        self.dir = tempfile.mkdtemp(prefix='petrel-servers-', dir=parent)
        self.token = os.path.basename(self.dir).rsplit('-', 1)[-1]
        self.instance_name = 'petrel-%s' % self.token

    # Layout: DIR (0755) / run state log (Dovecot's), tls/ (keys 0600), passwd (0640 root:dovecot
    # or 0600 when not root), mail/ (0700, owned by the mail user), dovecot.conf, servers.json.
    def prepare(self):
        os.chmod(self.dir, 0o755)
        for sub in ('run', 'state', 'log'):
            os.mkdir(os.path.join(self.dir, sub), 0o755)
        self.ca_file, self.cert_file, self.key_file = make_certificates(
            self.openssl, os.path.join(self.dir, 'tls'))
        self.ca_key = os.path.join(self.dir, 'tls', 'ca.key')

        passwd = os.path.join(self.dir, 'passwd')
        fd = os.open(passwd, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, 'w') as f:
            for u in self.users:
                f.write('%s:%s::::\n' % (u['user'], ssha512(u['password'])))
        if self.as_root:
            os.chown(passwd, 0, self.internal_gid)
            os.chmod(passwd, 0o640)

        self.maildir_root = os.path.join(self.dir, 'mail')
        os.mkdir(self.maildir_root, 0o700)
        for u in self.users:
            for sub in ('', 'cur', 'new', 'tmp'):
                os.makedirs(os.path.join(self.maildir_root, u['user'], sub), 0o700, exist_ok=True)
        for root, dirs, _files in os.walk(self.maildir_root):
            os.chown(root, self.mail_uid, self.mail_gid)
            for d in dirs:
                os.chown(os.path.join(root, d), self.mail_uid, self.mail_gid)

        self.conf_file = os.path.join(self.dir, 'dovecot.conf')
        self.lmtp_socket = os.path.join(self.dir, 'run', 'lmtp')
        self.log_file = os.path.join(self.dir, 'log', 'dovecot.log')

    def write_dovecot_conf(self, imap_direct_port, imaps_port):
        self.imap_direct_port, self.imaps_port = imap_direct_port, imaps_port
        if self.as_root:
            users_block = '# running as root: login as dovenull, internals as dovecot'
            service_block = ''
            first_valid_uid = min(self.mail_uid, 500)
            first_valid_gid = 1
        else:
            # Rootless: every process runs as us; no chroot, no user switches.
            users_block = ('default_internal_user = %s\ndefault_login_user = %s\n'
                           'default_internal_group = %s' % (
                               self.internal_user, self.internal_user,
                               grp.getgrgid(self.internal_gid).gr_name))
            service_block = ('service anvil {\n  chroot =\n}\n'
                             'service auth-worker {\n  user = $default_internal_user\n}\n')
            first_valid_uid = min(self.mail_uid, 500) or 1
            first_valid_gid = min(self.mail_gid, 1) if self.mail_gid else 0
        dh = '/usr/share/dovecot/dh.pem'
        if self.oauth2_introspection:
            oauth2_conf = os.path.join(self.dir, 'dovecot-oauth2.conf.ext')
            with open(oauth2_conf, 'w') as f:
                f.write(OAUTH2_CONF % {'url': self.oauth2_introspection})
            os.chmod(oauth2_conf, 0o644)
            oauth2 = {'auth_mechanisms': 'plain login xoauth2 oauthbearer',
                      'oauth2_passdb': OAUTH2_PASSDB % {'dir': self.dir},
                      'passwd_mechanisms': '  mechanisms = plain login none\n'}
        else:
            oauth2 = {'auth_mechanisms': 'plain login', 'oauth2_passdb': '',
                      'passwd_mechanisms': ''}
        conf = DOVECOT_CONF % dict(oauth2, **{
            'instance': self.instance_name, 'dir': self.dir, 'domain': DOMAIN,
            'users_block': users_block, 'service_block': service_block,
            'first_valid_uid': first_valid_uid, 'first_valid_gid': first_valid_gid,
            'mail_uid': self.mail_uid, 'mail_gid': self.mail_gid,
            'cert': self.cert_file, 'key': self.key_file,
            'ssl_dh': ('ssl_dh = <%s' % dh) if os.path.exists(dh) else '',
            'imap_direct_port': imap_direct_port, 'imaps_port': imaps_port,
        })
        with open(self.conf_file, 'w') as f:
            f.write(conf)
        os.chmod(self.conf_file, 0o644)

    def public_info(self):
        """Everything but the passwords; also written to DIR/servers.json."""
        info = {
            'dir': self.dir, 'host': HOST, 'domain': DOMAIN,
            'imap_direct_port': self.imap_direct_port, 'imaps_port': self.imaps_port,
            'ca_file': self.ca_file, 'ca_key_file': self.ca_key,
            'maildir_root': self.maildir_root, 'lmtp_socket': self.lmtp_socket,
            'dovecot_conf': self.conf_file, 'dovecot_log': self.log_file,
            'mail_uid': self.mail_uid, 'mail_gid': self.mail_gid,
        }
        if self.oauth2_introspection:
            info['oauth2_introspection_url'] = self.oauth2_introspection
        return info

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def _set_pdeathsig():
    """In the Dovecot child: get SIGTERM if the process that started it dies."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)      # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Dovecot:
    def __init__(self, instance):
        self.instance = instance
        self.proc = None

    def start(self, timeout=20.0):
        inst = self.instance
        for attempt in range(4):
            inst.write_dovecot_conf(_free_port(), _free_port())
            stderr_path = os.path.join(inst.dir, 'log', 'dovecot-stderr.log')
            with open(stderr_path, 'ab') as err:
                self.proc = subprocess.Popen(
                    [inst.dovecot_bin, '-F', '-c', inst.conf_file],
                    stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                    start_new_session=True, preexec_fn=_set_pdeathsig, close_fds=True)
            deadline = time.monotonic() + timeout
            ok = (_wait_for_port(inst.imap_direct_port, deadline, self.proc)
                  and _wait_for_port(inst.imaps_port, deadline, self.proc)
                  and self._wait_for_lmtp(deadline))
            if ok and self.proc.poll() is None:
                return
            output = self._log_tail()
            self.stop()
            if 'Address already in use' in output and attempt < 3:
                log.info('port race, retrying Dovecot with other ports')
                continue
            raise ServersError('Dovecot did not start:\n' + output)

    def _wait_for_lmtp(self, deadline):
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                    s.settimeout(2)
                    s.connect(self.instance.lmtp_socket)
                    if s.recv(512).startswith(b'220'):
                        s.sendall(b'QUIT\r\n')
                        return True
            except OSError:
                pass
            time.sleep(0.05)
        return False

    def _log_tail(self):
        out = []
        for name in ('dovecot-stderr.log', 'dovecot.log'):
            try:
                with open(os.path.join(self.instance.dir, 'log', name), 'rb') as f:
                    out.append(f.read()[-3000:].decode('utf-8', 'replace'))
            except OSError:
                pass
        return '\n'.join(out)

    def stop(self, timeout=10.0):
        if self.proc is None:
            return
        pgid = self.proc.pid
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                log.warning('Dovecot did not stop on SIGTERM, killing it')
                self.proc.kill()
                self.proc.wait()
        # The master took its children along; make sure none of its session lingers.
        deadline = time.monotonic() + 5
        killed = False
        while True:
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                break
            except PermissionError:
                pass
            if time.monotonic() > deadline:
                if killed:
                    log.warning('processes of Dovecot group %d remain', pgid)
                    break
                with contextlib.suppress(OSError):
                    os.killpg(pgid, signal.SIGKILL)
                killed = True
                deadline = time.monotonic() + 5
            time.sleep(0.05)
        self.proc = None


# ---------------------------------------------------------------------------------------------
# SMTP submission


async def lmtp_deliver(path, mail_from, recipients, content, options, timeout=30):
    """Deliver content (bytes, CRLF lines) to each recipient over LMTP.

    Returns a list of (recipient, code, text): one per recipient."""
    reader, writer = await asyncio.wait_for(asyncio.open_unix_connection(path), timeout)

    async def reply():
        lines = []
        while True:
            line = await asyncio.wait_for(reader.readline(), timeout)
            if not line:
                raise ServersError('LMTP connection closed')
            lines.append(line.decode('utf-8', 'replace').rstrip('\r\n'))
            if len(line) < 4 or line[3:4] != b'-':
                break
        return int(lines[-1][:3]), ' '.join(x[4:] for x in lines)

    async def command(line):
        writer.write(line.encode('utf-8') + b'\r\n')
        await writer.drain()
        return await reply()

    try:
        code, text = await reply()
        if code != 220:
            raise ServersError('LMTP greeting: %d %s' % (code, text))
        code, text = await command('LHLO localhost')
        if code != 250:
            raise ServersError('LMTP LHLO: %d %s' % (code, text))
        params = ''
        if any(o.upper() in ('BODY=8BITMIME', 'SMTPUTF8') for o in options):
            params += ' BODY=8BITMIME'
        # Dovecot 2.3's LMTP has no SMTPUTF8: the content passes as 8bit, and a non-ASCII
        # sender (it only becomes Return-Path) is replaced by the null sender.
        sender = mail_from or ''
        if not sender.isascii():
            sender = ''
        code, text = await command('MAIL FROM:<%s>%s' % (sender, params))
        if code != 250:
            return [(r, code, text) for r in recipients]
        results, accepted = {}, []
        for rcpt in recipients:
            code, text = await command('RCPT TO:<%s>' % rcpt)
            if code == 250:
                accepted.append(rcpt)
            else:
                results[rcpt] = (code, text)
        if accepted:
            code, text = await command('DATA')
            if code != 354:
                for rcpt in accepted:
                    results[rcpt] = (code, text)
            else:
                body = re.sub(rb'(?m)^\.', b'..', content)
                if not body.endswith(b'\r\n'):
                    body += b'\r\n'
                writer.write(body + b'.\r\n')
                await writer.drain()
                for rcpt in accepted:
                    results[rcpt] = await reply()
        writer.write(b'QUIT\r\n')
        with contextlib.suppress(Exception):
            await writer.drain()
        return [(r,) + results[r] for r in recipients]
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()


class SmtpControl:
    """What tests may change at run time (see the control commands in run_servers)."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.size_limit = 25 * 1024 * 1024
        self.reject_rcpt = {}        # lower-cased address -> full reply line
        self.data_reply = None       # reply to DATA instead of delivering, or None
        self.delivered = 0


class SubmissionHandler:
    def __init__(self, users, lmtp_socket, control):
        self.users = users
        self.by_login = {}
        for u in users:
            self.by_login[u['user']] = u
            self.by_login[u['email']] = u
        self.lmtp_socket = lmtp_socket
        self.control = control

    # aiosmtpd authenticator(server, session, envelope, mechanism, auth_data)
    def authenticate(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult, LoginPassword
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode('utf-8', 'replace').lower()
        user = self.by_login.get(login)
        ok = user is not None and hmac.compare_digest(
            auth_data.password, user['password'].encode('utf-8'))
        log.info('AUTH %s for %r: %s', mechanism, login, 'ok' if ok else 'refused')
        if not ok:
            # handled=False: aiosmtpd itself then replies 535.
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True, auth_data=user['user'])

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        out = list(responses)
        out.insert(len(out) - 1, '250-PIPELINING')
        return out

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        lower = address.lower()
        if lower in self.control.reject_rcpt:
            return self.control.reject_rcpt[lower]
        local, _, domain = lower.rpartition('@')
        if domain != DOMAIN or not any(u['user'] == local for u in self.users):
            return '550 5.1.1 <%s>: Recipient address rejected: User unknown' % address
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return '250 2.1.5 OK'

    async def handle_DATA(self, server, session, envelope):
        if self.control.data_reply:
            return self.control.data_reply
        content = envelope.original_content or b''
        content = re.sub(rb'\r?\n', b'\r\n', content)
        queue_id = secrets.token_hex(6).upper()
        with_ = 'ESMTP'
        if session.ssl is not None or server.transport.get_extra_info('sslcontext'):
            with_ += 'S'
        if session.authenticated:
            with_ += 'A'
        received = ('Received: from %s (localhost [%s])\r\n\tby localhost (Petrel test submission)'
                    ' with %s id %s;\r\n\t%s\r\n' % (
                        session.host_name or 'unknown', HOST, with_, queue_id,
                        email.utils.formatdate(localtime=True)))
        content = received.encode('ascii') + content
        try:
            results = await lmtp_deliver(self.lmtp_socket, envelope.mail_from,
                                         envelope.rcpt_tos, content, envelope.mail_options)
        except (OSError, asyncio.TimeoutError, ServersError) as e:
            log.error('LMTP delivery failed: %s', e)
            return '451 4.3.0 Local delivery failed: %s' % e
        failed = [(r, c, t) for r, c, t in results if c != 250]
        if failed:
            log.error('LMTP refused: %r', failed)
            r, c, t = failed[0]
            return '451 4.3.0 Delivery to <%s> failed: %d %s' % (r, c, t)
        self.control.delivered += 1
        log.info('delivered %s from <%s> to %s', queue_id, envelope.mail_from,
                 ', '.join(envelope.rcpt_tos))
        return '250 2.0.0 OK: queued as %s' % queue_id


def _saslname_decode(name):
    """RFC 5801 saslname: =2C is a comma, =3D an equals sign."""
    return name.replace('=2C', ',').replace('=3D', '=')


class OAuth2SubmissionHandler(SubmissionHandler):
    """SubmissionHandler that also takes XOAUTH2 and OAUTHBEARER (with --oauth2-introspection):
    the bearer token is checked by POSTing it to the introspection URL, like Dovecot does."""

    def __init__(self, users, lmtp_socket, control, introspection_url):
        super().__init__(users, lmtp_socket, control)
        self.introspection_url = introspection_url

    def _introspect(self, token):
        import urllib.parse
        import urllib.request
        body = urllib.parse.urlencode({'token': token}).encode('ascii')
        request = urllib.request.Request(self.introspection_url, data=body, method='POST')
        request.add_header('Content-Type', 'application/x-www-form-urlencoded')
        request.add_header('Accept', 'application/json')
        # No proxy: the introspection server is on loopback.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=10) as response:
                answer = json.loads(response.read(65536).decode('utf-8'))
        except (OSError, ValueError) as e:
            log.error('OAuth2 introspection failed: %s', e)
            return None
        if not isinstance(answer, dict) or answer.get('active') is not True:
            return None
        return answer.get('username')

    async def _check_token(self, server, mechanism, login, token):
        from aiosmtpd.smtp import MISSING, AuthResult
        user = self.by_login.get((login or '').lower())
        username = None
        if user is not None and token:
            loop = asyncio.get_running_loop()
            username = await loop.run_in_executor(None, self._introspect, token)
        ok = (user is not None and isinstance(username, str)
              and self.by_login.get(username.lower()) is user)
        log.info('AUTH %s for %r: %s', mechanism, login, 'ok' if ok else 'refused')
        if ok:
            return AuthResult(success=True, auth_data=user['user'])
        # RFC 7628 3.2.2: an error challenge, then the client's dummy response, then 5xx.
        status = json.dumps({'status': 'invalid_token', 'schemes': 'bearer'})
        if await server.challenge_auth(status) is MISSING:
            return AuthResult(success=False, handled=True)
        return AuthResult(success=False, handled=False)

    async def _initial_response(self, server, args):
        """The SASL initial response: from the AUTH line or after an empty challenge."""
        from aiosmtpd.smtp import MISSING
        if len(args) > 1:
            try:
                return base64.b64decode(args[1].encode('ascii'), validate=True)
            except (ValueError, UnicodeError):
                await server.push('501 5.5.2 Can\'t decode base64')
                return None
        blob = await server.challenge_auth('')
        return None if blob is MISSING else blob

    async def auth_XOAUTH2(self, server, args):
        from aiosmtpd.smtp import AuthResult
        blob = await self._initial_response(server, args)
        if blob is None:
            return AuthResult(success=False, handled=True)
        fields = dict(f.split('=', 1) for f in blob.decode('utf-8', 'replace').split('\x01')
                      if '=' in f)
        auth = fields.get('auth', '')
        token = auth[7:] if auth.lower().startswith('bearer ') else None
        return await self._check_token(server, 'XOAUTH2', fields.get('user'), token)

    async def auth_OAUTHBEARER(self, server, args):
        from aiosmtpd.smtp import AuthResult
        blob = await self._initial_response(server, args)
        if blob is None:
            return AuthResult(success=False, handled=True)
        text = blob.decode('utf-8', 'replace')
        gs2, _, rest = text.partition('\x01')
        login = None
        for part in gs2.split(','):
            if part.startswith('a='):
                login = _saslname_decode(part[2:])
        fields = dict(f.split('=', 1) for f in rest.split('\x01') if '=' in f)
        auth = fields.get('auth', '')
        token = auth[7:] if auth.lower().startswith('bearer ') else None
        return await self._check_token(server, 'OAUTHBEARER', login, token)


def _can_bind(address):
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((address, 0))
        return True
    except OSError:
        return False


class ImapRelay:
    """Relays the STARTTLS port to Dovecot from RELAY_SOURCE (see there for why)."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.writers = set()

    async def handle(self, reader, writer):
        self.writers.add(writer)
        up_writer = None
        try:
            up_reader, up_writer = await asyncio.open_connection(
                HOST, self.target_port, local_addr=(RELAY_SOURCE, 0))
            self.writers.add(up_writer)

            async def pipe(src, dst):
                try:
                    while True:
                        data = await src.read(65536)
                        if not data:
                            break
                        dst.write(data)
                        await dst.drain()
                    if dst.can_write_eof() and not dst.is_closing():
                        dst.write_eof()
                except (OSError, RuntimeError):
                    writer.close()
                    up_writer.close()

            await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        except OSError as e:
            log.error('IMAP relay: %s', e)
        finally:
            for w in (writer, up_writer):
                if w is not None:
                    w.close()
                    self.writers.discard(w)

    def close(self):
        for w in list(self.writers):
            w.close()


def _server_tls_context(cert, key):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    return ctx


# ---------------------------------------------------------------------------------------------
# run


def _handle_command(line, control, info):
    """One control line from stdin: a JSON object with "cmd". Returns the reply object."""
    try:
        req = json.loads(line)
        cmd = req['cmd']
    except (ValueError, KeyError, TypeError):
        return {'ok': False, 'error': 'expected a JSON object with "cmd"'}
    if cmd == 'ping':
        return {'ok': True}
    if cmd == 'info':
        return dict(info, ok=True)
    if cmd == 'smtp-reset':
        control.reset()
        return {'ok': True}
    if cmd == 'smtp-size':
        limit = req.get('limit')
        if not isinstance(limit, int) or limit < 0:
            return {'ok': False, 'error': '"limit" must be a non-negative integer'}
        control.size_limit = limit
        return {'ok': True}
    if cmd == 'smtp-reject-rcpt':
        address, reply = req.get('address'), req.get('reply')
        if not isinstance(address, str) or '@' not in address:
            return {'ok': False, 'error': '"address" must be an address'}
        if reply is None:
            control.reject_rcpt.pop(address.lower(), None)
            return {'ok': True}
        if not isinstance(reply, str) or not re.match(r'^[45]\d\d[ -]', reply) or '\n' in reply:
            return {'ok': False, 'error': '"reply" must be one 4xx/5xx reply line'}
        control.reject_rcpt[address.lower()] = reply
        return {'ok': True}
    if cmd == 'smtp-data-reply':
        reply = req.get('reply')
        if reply is not None and (not isinstance(reply, str) or '\n' in reply
                                  or not re.match(r'^[245]\d\d[ -]', reply)):
            return {'ok': False, 'error': '"reply" must be one reply line or null'}
        control.data_reply = reply
        return {'ok': True}
    if cmd == 'stats':
        return {'ok': True, 'delivered': control.delivered}
    return {'ok': False, 'error': 'unknown command %r' % cmd}


async def _serve(instance, dovecot, use_stdin, size_limit):
    from aiosmtpd.smtp import SMTP

    loop = asyncio.get_running_loop()
    control = SmtpControl()
    if size_limit is not None:
        control.size_limit = size_limit
    if instance.oauth2_introspection:
        handler = OAuth2SubmissionHandler(instance.users, instance.lmtp_socket, control,
                                          instance.oauth2_introspection)
    else:
        handler = SubmissionHandler(instance.users, instance.lmtp_socket, control)
    tls = _server_tls_context(instance.cert_file, instance.key_file)

    def factory(implicit_tls):
        def make():
            return SMTP(handler, hostname='localhost', ident='Petrel test submission',
                        data_size_limit=control.size_limit, enable_SMTPUTF8=True,
                        tls_context=None if implicit_tls else tls,
                        require_starttls=not implicit_tls,
                        auth_required=True, auth_require_tls=not implicit_tls,
                        authenticator=handler.authenticate, timeout=120)
        return make

    smtp = await loop.create_server(factory(False), HOST, 0)
    smtps = await loop.create_server(factory(True), HOST, 0, ssl=tls)
    relay = relay_server = None
    if _can_bind(RELAY_SOURCE):
        relay = ImapRelay(instance.imap_direct_port)
        relay_server = await asyncio.start_server(relay.handle, HOST, 0)
        imap_port = relay_server.sockets[0].getsockname()[1]
    else:
        log.warning('cannot bind %s: IMAP port without relay, LOGIN works before STARTTLS',
                    RELAY_SOURCE)
        imap_port = instance.imap_direct_port
    try:
        info = instance.public_info()
        info.update({
            'imap_port': imap_port, 'imap_login_needs_starttls': relay is not None,
            'smtp_port': smtp.sockets[0].getsockname()[1],
            'smtps_port': smtps.sockets[0].getsockname()[1],
            'pid': os.getpid(), 'dovecot_pid': dovecot.proc.pid,
        })
        with open(os.path.join(instance.dir, 'servers.json'), 'w') as f:
            json.dump(info, f, indent=2)
        ready = dict(info, users=[{k: u[k] for k in ('user', 'email', 'password', 'name')}
                                  for u in instance.users])
        sys.stdout.write(json.dumps(ready) + '\n')
        sys.stdout.flush()

        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.add_signal_handler(sig, stop.set)
        lines = asyncio.Queue()

        def read_stdin():
            # os.read, not sys.stdin: a daemon thread blocked inside a buffered reader makes
            # the interpreter abort at exit.
            pending = b''
            try:
                while True:
                    chunk = os.read(0, 4096)
                    if not chunk:
                        break
                    pending += chunk
                    while b'\n' in pending:
                        raw, pending = pending.split(b'\n', 1)
                        loop.call_soon_threadsafe(lines.put_nowait, raw)
            except OSError:
                pass
            loop.call_soon_threadsafe(lines.put_nowait, None)

        if use_stdin:
            threading.Thread(target=read_stdin, name='stdin', daemon=True).start()

        async def pump():
            while True:
                raw = await lines.get()
                if raw is None:
                    log.info('stdin closed: stopping')
                    stop.set()
                    return
                text = raw.decode('utf-8', 'replace').strip()
                if not text:
                    continue
                reply = _handle_command(text, control, info)
                sys.stdout.write(json.dumps(reply) + '\n')
                sys.stdout.flush()

        pump_task = loop.create_task(pump())
        await stop.wait()
        pump_task.cancel()
    finally:
        servers = [smtp, smtps] + ([relay_server] if relay_server else [])
        for server in servers:
            server.close()
        if relay:
            relay.close()
        for server in servers:
            await server.wait_closed()


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt()


def run_servers(keep=False, use_stdin=True, size_limit=None, parent=None,
                oauth2_introspection=None):
    """The `run` command. Returns an exit status."""
    try:
        instance = Instance(parent, oauth2_introspection)
    except Unavailable as e:
        sys.stdout.write(json.dumps({'error': str(e), 'unavailable': True}) + '\n')
        sys.stdout.flush()
        print('petrel-test-servers: %s' % e, file=sys.stderr)
        return EXIT_UNAVAILABLE
    dovecot = Dovecot(instance)
    # Until the signal handlers of the loop are in place, turn SIGTERM into a clean stop.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    status = 0
    try:
        instance.prepare()
        handler = logging.FileHandler(os.path.join(instance.dir, 'log', 'smtp.log'))
        handler.setFormatter(logging.Formatter('%(asctime)s %(name)s %(levelname)s %(message)s'))
        log.addHandler(handler)
        logging.getLogger('mail.log').addHandler(handler)
        dovecot.start()
        asyncio.run(_serve(instance, dovecot, use_stdin, size_limit))
    except (ServersError, OSError) as e:
        sys.stdout.write(json.dumps({'error': str(e)}) + '\n')
        sys.stdout.flush()
        print('petrel-test-servers: %s' % e, file=sys.stderr)
        status = 1
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        dovecot.stop()
        if keep:
            print('petrel-test-servers: kept %s' % instance.dir, file=sys.stderr)
        else:
            instance.remove()
    return status


# ---------------------------------------------------------------------------------------------
# Message generation and seeding

FIRST = ['Anna', 'Ben', 'Chloé', 'David', 'Émilie', 'Farid', 'Grace', 'Hiroshi', 'Ingrid', 'Jörg',
         'Kateřina', 'Liam', 'Maëlle', 'Nikolai', 'Olga', 'Priya', 'Quentin', 'Rosa', 'Søren',
         'Tomás', 'Uma', 'Václav', 'Wei', 'Ximena', 'Yusuf', 'Zoë']
LAST = ['Andersen', 'Brown', 'Çelik', 'Dubois', 'Eriksson', 'Fernández', 'García', 'Hoffmann',
        'Ivanova', 'Jansen', 'Kowalski', 'Lefèvre', 'Müller', 'Nakamura', 'O\'Brien', 'Petrović',
        'Quispe', 'Rossi', 'Schröder', 'Tanaka', 'Újvári', 'Virtanen', 'Wójcik', 'Yılmaz', 'Zhang']
UNICODE_NAMES = ['田中 太郎', 'Όλγα Παπαδοπούλου', 'Дмитрий Соколов', 'محمد علي', '김민준']
DOMAINS = ['example.com', 'example.org', 'example.net', 'mail.example.com', 'lists.example.org']
SUBJECTS = [
    'Quarterly report for {team}', 'Lunch on {day}?', 'Meeting notes: {team} sync',
    'Invoice {num} is due', 'Your order #{num} has shipped', 'Draft proposal v{small}',
    'Question about the {thing}', 'Photos from {day}', 'Reminder: {thing} review tomorrow',
    'Build {num} failed on main', 'Weekly digest: {team}', 'Travel plans for {month}',
    'Café meeting — agenda for {day}', 'Übersetzung der {thing}-Dokumentation',
    'Résumé et prochaines étapes', '会議の議事録 ({month})', 'Привет! Planning for {month}',
    '🎉 {team} launch party', 'Ünïcödé test ✓ #{num}', 'Feedback on the {thing} design',
]
TEAMS = ['Platform', 'Design', 'Mobile', 'Infrastructure', 'Marketing', 'Support', 'Research']
THINGS = ['budget', 'roadmap', 'search index', 'release', 'onboarding', 'sync engine', 'API']
DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']
MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September',
          'October', 'November', 'December']
WORDS = ('the of and to in is that for it as was with be by on not he this are or his from at '
         'which but have an they you were their one all we can her has there been if more when '
         'will would who so no project meeting schedule update review draft message server '
         'folder account release version change issue patch feedback document proposal budget '
         'customer design network storage window button search result report quarter team plan '
         'deadline priority morning afternoon weekend coffee lunch office remote travel train '
         'ticket invoice payment order delivery package address question answer idea problem '
         'solution improvement detail summary agenda minutes follow-up thanks regards').split()
UNICODE_SENTENCES = [
    'Grüße aus München, wir sehen uns nächste Woche.',
    'Le café était très bon, merci beaucoup pour l\'invitation à déjeuner.',
    '来週の会議の資料を添付しました。ご確認ください。',
    'Спасибо за письмо, я отвечу подробнее завтра.',
    'Τα λέμε σύντομα, καλή συνέχεια!',
    'Ça marche — on se retrouve à 14 h à la gare.',
    'Thanks! 👍 See you at the offsite 🏔️',
    'Zażółć gęślą jaźń; the test sentence everyone loves.',
]
MAILERS = ['Thunderbird 115.6.0', 'Apple Mail (2.3731)', 'Microsoft Outlook 16.0',
           'Evolution 3.46.4', 'Geary/43.0', 'Mutt/2.2.9', 'Roundcube Webmail/1.6.5', None]


def _encode_header_text(text):
    try:
        text.encode('ascii')
        return text
    except UnicodeEncodeError:
        return email.header.Header(text, 'utf-8').encode(maxlinelen=76)


def _format_addr(name, addr):
    return email.utils.formataddr((name, addr), charset='utf-8')


def _sentence(rng):
    if rng.random() < 0.08:
        return rng.choice(UNICODE_SENTENCES)
    n = rng.randint(6, 18)
    words = [rng.choice(WORDS) for _ in range(n)]
    s = ' '.join(words)
    return s[0].upper() + s[1:] + rng.choice(['.', '.', '.', '?', '!'])


def _paragraphs(rng, target_len):
    paras, total = [], 0
    while total < target_len:
        p = ' '.join(_sentence(rng) for _ in range(rng.randint(2, 6)))
        paras.append(p)
        total += len(p) + 2
    return paras


def _wrap(text, width=72):
    lines, line = [], ''
    for word in text.split(' '):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = (line + ' ' + word) if line else word
    if line:
        lines.append(line)
    return lines


def _b64_lines(data):
    enc = base64.b64encode(data).decode('ascii')
    return '\n'.join(enc[i:i + 76] for i in range(0, len(enc), 76))


def _text_part(rng, text, subtype='plain'):
    """A leaf part: (headers, body) with a transfer encoding suited to its content."""
    raw = text.encode('utf-8')
    ctype = 'text/%s; charset=%s' % (subtype, 'us-ascii' if raw.isascii() else 'utf-8')
    if subtype == 'plain' and rng.random() < 0.1:
        ctype += '; format=flowed'
    if raw.isascii() and subtype == 'plain':
        return [('Content-Type', ctype), ('Content-Transfer-Encoding', '7bit')], text
    r = rng.random()
    if r < 0.75 or subtype == 'html':
        body = quopri.encodestring(raw.replace(b'\n', b'\r\n')).decode('ascii')
        body = body.replace('=0D\n', '\n').replace('\r\n', '\n')
        return [('Content-Type', ctype), ('Content-Transfer-Encoding', 'quoted-printable')], body
    if r < 0.9:
        return [('Content-Type', ctype), ('Content-Transfer-Encoding', 'base64')], _b64_lines(raw)
    return [('Content-Type', ctype), ('Content-Transfer-Encoding', '8bit')], text


def _html_from_paragraphs(paras, subject, newsletter):
    esc = lambda s: (s.replace('&', '&amp;').replace('<', '&lt;')  # noqa: E731
                     .replace('>', '&gt;'))
    head = ('<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n<title>%s</title>\n'
            '<style>\nbody { font-family: -apple-system, "Segoe UI", Roboto, sans-serif; '
            'color: #222; }\n.wrap { max-width: 640px; margin: 0 auto; padding: 16px; }\n'
            'p { line-height: 1.5; margin: 0 0 12px 0; }\n.footer { color: #888; '
            'font-size: 12px; }\n</style>\n</head>\n<body>\n' % esc(subject))
    parts = [head]
    if newsletter:
        parts.append('<table role="presentation" width="100%" cellpadding="0" cellspacing="0" '
                     'style="background:#f4f4f7;">\n<tr><td align="center">\n<table '
                     'role="presentation" width="640" cellpadding="0" cellspacing="0" '
                     'style="background:#ffffff;border-radius:6px;">\n')
        for p in paras:
            parts.append('<tr><td style="padding:12px 24px;font-size:15px;line-height:22px;'
                         'color:#333333;">%s</td></tr>\n' % esc(p))
        parts.append('<tr><td style="padding:12px 24px;"><a href="https://example.com/read?'
                     'utm_source=newsletter&amp;utm_medium=email" style="color:#1a73e8;">Read '
                     'more</a></td></tr>\n</table>\n</td></tr>\n</table>\n'
                     '<p class="footer">You receive this because you subscribed. <a href='
                     '"https://example.com/unsubscribe">Unsubscribe</a>.</p>\n')
    else:
        parts.append('<div class="wrap">\n')
        for p in paras:
            parts.append('<p>%s</p>\n' % esc(p))
        parts.append('</div>\n')
    parts.append('</body>\n</html>\n')
    return ''.join(parts)


def _png(rng, width, height):
    """A valid RGB PNG: a vertical gradient with noise, compressing about like a photo."""
    rows = bytearray()
    for y in range(height):
        base = y * 192 // max(height - 1, 1)
        table = bytes(((v & 0x3f) + base) & 0xff for v in range(256))
        rows.append(0)                      # filter type: none
        rows += rng.randbytes(width * 3).translate(table)

    def chunk(kind, data):
        return (struct.pack('>I', len(data)) + kind + data
                + struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff))

    return (b'\x89PNG\r\n\x1a\n'
            + chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, 8, 2, 0, 0, 0))
            + chunk(b'IDAT', zlib.compress(bytes(rows), 6)) + chunk(b'IEND', b''))


def _pdf(rng, title, extra_bytes):
    """A small valid one-page PDF, padded with an unreferenced binary stream object."""
    text = title.encode('latin-1', 'replace').replace(b'(', b'[').replace(b')', b']')
    content = b'BT /F1 18 Tf 72 720 Td (' + text + b') Tj ET'
    objects = [
        b'<< /Type /Catalog /Pages 2 0 R >>',
        b'<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
        b'<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R '
        b'/Resources << /Font << /F1 5 0 R >> >> >>',
        b'<< /Length %d >>\nstream\n' % len(content) + content + b'\nendstream',
        b'<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    ]
    blob = rng.randbytes(extra_bytes)
    objects.append(b'<< /Length %d /Filter /FlateDecode >>\nstream\n' % len(blob) + blob
                   + b'\nendstream')
    out = bytearray(b'%PDF-1.4\n%\xe2\xe3\xcf\xd3\n')
    offsets = []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b'%d 0 obj\n' % i + obj + b'\nendobj\n'
    xref = len(out)
    out += b'xref\n0 %d\n0000000000 65535 f \n' % (len(objects) + 1)
    for off in offsets:
        out += b'%010d 00000 n \n' % off
    out += b'trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n' % (
        len(objects) + 1, xref)
    return bytes(out)


def _attachment(rng, index):
    kind = rng.choices(['png', 'pdf', 'csv', 'ics', 'bin'], [4, 4, 2, 1, 1])[0]
    size = int(min(400_000, max(2_000, rng.lognormvariate(9.9, 1.0))))   # median ~20 KB
    if kind == 'png':
        side = max(8, int((size / 3) ** 0.5))
        data = _png(rng, side, max(8, side * 3 // 4))
        name, ctype = rng.choice(['photo-%d.png', 'screenshot %d.png', 'Schöne Aussicht %d.png']) \
            % index, 'image/png'
    elif kind == 'pdf':
        data = _pdf(rng, 'Document %d' % index, size)
        name, ctype = rng.choice(['invoice-%d.pdf', 'Übersicht %d.pdf', 'report_%d.pdf']) \
            % index, 'application/pdf'
    elif kind == 'csv':
        lines = ['date,item,amount,currency']
        total = 0
        while total < size // 4:
            lines.append('2024-%02d-%02d,%s,%d.%02d,EUR' % (
                rng.randint(1, 12), rng.randint(1, 28), rng.choice(THINGS), rng.randint(1, 999),
                rng.randint(0, 99)))
            total += len(lines[-1]) + 2
        data = ('\r\n'.join(lines) + '\r\n').encode('ascii')
        name, ctype = 'expenses-%d.csv' % index, 'text/csv'
    elif kind == 'ics':
        data = ('BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Petrel tests//EN\r\nMETHOD:REQUEST\r\n'
                'BEGIN:VEVENT\r\nUID:%d-%s@example.com\r\nDTSTAMP:20240101T090000Z\r\n'
                'DTSTART:20240110T130000Z\r\nDTEND:20240110T140000Z\r\nSUMMARY:%s meeting\r\n'
                'END:VEVENT\r\nEND:VCALENDAR\r\n' % (index, rng.getrandbits(32),
                                                     rng.choice(TEAMS))).encode('ascii')
        name, ctype = 'invite.ics', 'text/calendar; method=REQUEST'
    else:
        data = rng.randbytes(size)
        name, ctype = 'data-%d.bin' % index, 'application/octet-stream'
    return name, ctype, data


def _attachment_part(name, ctype, data):
    try:
        name.encode('ascii')
        disp = 'attachment; filename="%s"' % name
        ct = '%s; name="%s"' % (ctype, name)
    except UnicodeEncodeError:
        from urllib.parse import quote
        disp = "attachment;\n filename*=utf-8''%s" % quote(name, safe='')
        ct = '%s;\n name="%s"' % (ctype, _encode_header_text(name))
    return [('Content-Type', ct), ('Content-Disposition', disp),
            ('Content-Transfer-Encoding', 'base64')], _b64_lines(data)


def _render(headers, body):
    return ''.join('%s: %s\n' % (k, v) for k, v in headers) + '\n' + body


def _multipart(rng, subtype, parts, extra_params=''):
    boundary = '=_petrel_%016x' % rng.getrandbits(64)
    body = ['This is a multi-part message in MIME format.\n']
    for headers, content in parts:
        body.append('--%s\n' % boundary)
        body.append(_render(headers, content.rstrip('\n') + '\n'))
    body.append('--%s--\n' % boundary)
    return ([('Content-Type', 'multipart/%s;%s\n boundary="%s"' % (subtype, extra_params,
                                                                    boundary))],
            ''.join(body))


def generate_messages(count, seed=0, to_name='Alice Liddell', to_addr='alice@example.test',
                      start=None, folder='INBOX'):
    """Yield (bytes, maildir_flags, unix_time) for count deterministic messages, oldest first.

    Mix: plain text, multipart/alternative with HTML (some newsletters), multipart/mixed with
    base64 attachments (PNG, PDF, CSV, ICS, binary), non-ASCII RFC 2047 subjects and names,
    RFC 2231 file names, and threads (Message-ID / In-Reply-To / References). The same
    (count, seed, to_addr) always gives the same bytes."""
    rng = random.Random('%d:%s:%s' % (seed, to_addr, folder))
    if start is None:
        start = datetime.datetime(2024, 1, 1, 8, 0, tzinfo=datetime.timezone.utc)
    span = 365 * 24 * 3600
    people = []
    for i in range(40):
        if i % 8 == 7:
            name = rng.choice(UNICODE_NAMES)
        else:
            name = '%s %s' % (rng.choice(FIRST), rng.choice(LAST))
        ascii_first = unicodedata.normalize('NFKD', name.split()[0]).encode('ascii', 'ignore')
        local = re.sub(r'[^a-z]', '', ascii_first.decode().lower()) or 'user'
        people.append((name, '%s.%d@%s' % (local, i, rng.choice(DOMAINS))))
    threads = []
    step = span / max(count, 1)
    for i in range(count):
        when = start + datetime.timedelta(seconds=int(i * step + rng.random() * step * 0.9))
        sender = rng.choice(people)
        parent = None
        if threads and rng.random() < 0.3:
            parent = rng.choice(threads[-50:])
        if parent:
            subject = 'Re: ' + parent['subject']
            references = (parent['references'] + [parent['id']])[-10:]
        else:
            subject = rng.choice(SUBJECTS).format(
                team=rng.choice(TEAMS), day=rng.choice(DAYS), thing=rng.choice(THINGS),
                month=rng.choice(MONTHS), num=rng.randint(1000, 99999), small=rng.randint(2, 9))
            references = []
        msgid = '%016x.%d@%s' % (rng.getrandbits(64), i, sender[1].split('@')[1])
        record = {'id': msgid, 'subject': subject.removeprefix('Re: ') if parent else subject,
                  'references': references, 'from': sender}
        threads.append(record)

        kind = rng.choices(['plain', 'alternative', 'newsletter', 'attachment'],
                           [36, 30, 12, 22])[0]
        tos = [_format_addr(to_name, to_addr)]
        for _ in range(rng.choice([0, 0, 0, 1, 2])):
            tos.append(_format_addr(*rng.choice(people)))
        headers = [
            ('Return-Path', '<%s>' % sender[1]),
            ('Received', 'from mx.%s (mx.%s [192.0.2.%d])\n\tby mail.example.test with ESMTPS '
             'id %08X\n\tfor <%s>; %s' % (sender[1].split('@')[1], sender[1].split('@')[1],
                                          rng.randint(1, 254), rng.getrandbits(32), to_addr,
                                          email.utils.format_datetime(when))),
            ('Date', email.utils.format_datetime(when)),
            ('From', _format_addr(*sender)),
            ('To', ',\n '.join(tos)),
        ]
        if rng.random() < 0.15:
            headers.append(('Cc', _format_addr(*rng.choice(people))))
        headers.append(('Subject', _encode_header_text(subject)))
        headers.append(('Message-ID', '<%s>' % msgid))
        if parent:
            headers.append(('In-Reply-To', '<%s>' % parent['id']))
            headers.append(('References', '\n '.join('<%s>' % r for r in references)))
        mailer = rng.choice(MAILERS)
        if mailer:
            headers.append(('User-Agent' if rng.random() < 0.5 else 'X-Mailer', mailer))
        if kind == 'newsletter':
            headers.append(('List-Id', '<news.%s>' % sender[1].split('@')[1]))
            headers.append(('List-Unsubscribe', '<https://example.com/unsubscribe?id=%d>' % i))
        headers.append(('MIME-Version', '1.0'))

        target = int(min(30_000, max(200, rng.lognormvariate(7.9, 0.7))))   # median ~2.7 KB text
        paras = _paragraphs(rng, target)
        greeting = 'Hi %s,' % to_name.split()[0]
        text = greeting + '\n\n' + '\n\n'.join('\n'.join(_wrap(p)) for p in paras)
        text += '\n\n-- \n%s\n' % sender[0]
        if parent:
            text += '\nOn %s, %s wrote:\n> %s\n' % (
                email.utils.format_datetime(when - datetime.timedelta(hours=3)),
                parent['from'][0], '\n> '.join(_wrap(_sentence(rng), 70)))

        if kind == 'plain':
            part_headers, body = _text_part(rng, text)
        else:
            plain = _text_part(rng, text)
            html = _text_part(rng, _html_from_paragraphs([greeting] + paras, subject,
                                                         kind == 'newsletter'), 'html')
            part_headers, body = _multipart(rng, 'alternative', [plain, html])
            if kind == 'attachment':
                if rng.random() < 0.4:
                    inner = _text_part(rng, text)
                else:
                    inner = (part_headers, body)
                atts = [_attachment_part(*_attachment(rng, i * 10 + j))
                        for j in range(rng.choice([1, 1, 1, 2, 3]))]
                part_headers, body = _multipart(rng, 'mixed', [inner] + atts)
        data = _render(headers + part_headers, body).encode('utf-8')

        flags = ''
        recent = i >= count * 0.85
        if folder.lower() in ('sent', 'drafts') or rng.random() < (0.3 if recent else 0.9):
            flags += 'S'
        if rng.random() < 0.08:
            flags += 'F'
        if 'S' in flags and rng.random() < 0.12:
            flags += 'R'
        if folder.lower() == 'drafts':
            flags += 'D'
        yield data, ''.join(sorted(flags)), int(when.timestamp())


_seed_counter = 0


def seed_maildir(directory, user, folder='INBOX', count=100, seed=0, maildir_root=None):
    """Write count generated messages into user's folder in the instance at directory.

    Files go to tmp/ and are renamed into cur/ with maildir names carrying ,S=size,W=vsize and
    the :2,flags info; their mtime is the message date (Dovecot's INTERNALDATE). They are owned
    by the owner of the mail root so Dovecot can index them. Returns the number written."""
    global _seed_counter
    if not re.fullmatch(r'[a-z0-9][a-z0-9._-]*', user):
        raise ValueError('bad user name: %r' % user)
    root = maildir_root or os.path.join(directory, 'mail')
    st = os.stat(root)
    uid, gid = st.st_uid, st.st_gid
    user_root = os.path.join(root, user)
    folder_dir = maildir_folder_dir(user_root, folder)
    created = []
    for d in (user_root, folder_dir):
        if not os.path.isdir(d):
            os.makedirs(d, 0o700)
            created.append(d)
    for sub in ('cur', 'new', 'tmp'):
        d = os.path.join(folder_dir, sub)
        if not os.path.isdir(d):
            os.mkdir(d, 0o700)
            created.append(d)
    if folder_dir != user_root:
        marker = os.path.join(folder_dir, 'maildirfolder')
        if not os.path.exists(marker):
            open(marker, 'w').close()
            created.append(marker)
    change_owner = os.geteuid() == 0 and (uid, gid) != (0, 0)
    if change_owner:
        for path in created:
            os.chown(path, uid, gid)

    token = secrets.token_hex(4)
    written = 0
    for n, (data, flags, when) in enumerate(generate_messages(
            count, seed, to_name=dict(USERS).get(user, user.title()),
            to_addr='%s@%s' % (user, DOMAIN), folder=folder)):
        _seed_counter += 1
        vsize = len(data) + data.count(b'\n')
        base = '%d.M%06dP%dQ%d.petrel-seed-%s,S=%d,W=%d' % (
            when, n % 1000000, os.getpid(), _seed_counter, token, len(data), vsize)
        tmp = os.path.join(folder_dir, 'tmp', base)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
        if change_owner:
            os.chown(tmp, uid, gid)
        os.utime(tmp, (when, when))
        os.rename(tmp, os.path.join(folder_dir, 'cur', base + ':2,' + flags))
        written += 1
    return written


# ---------------------------------------------------------------------------------------------
# Client side: start `petrel-test-servers run` as a child (for Python tests)


def script_path():
    return os.environ.get('PETREL_TEST_SERVERS') or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), 'petrel-test-servers')


class TestServers:
    """A running instance, driven through the script's stdin/stdout.

        with TestServers() as s:
            imaplib.IMAP4_SSL(s.host, s.imaps_port, ssl_context=s.ssl_context())
    """

    __test__ = False        # not a pytest class

    def __init__(self, args=(), timeout=30.0, script=None):
        self.script = script or script_path()
        self.args = list(args)
        self.timeout = timeout
        self.proc = None
        self.info = None
        self._buf = b''

    def start(self):
        self.proc = subprocess.Popen([self.script, 'run'] + self.args, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE)
        line = self._read_line(self.timeout)
        if line is None:
            self.proc.kill()
            self.proc.wait()
            raise ServersError('petrel-test-servers gave no ready line (exit %s)' %
                               self.proc.returncode)
        info = json.loads(line)
        if 'error' in info:
            self.proc.wait()
            cls = Unavailable if info.get('unavailable') else ServersError
            raise cls(info['error'])
        self.info = info
        return self

    def _read_line(self, timeout):
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while b'\n' not in self._buf:
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    return None
                chunk = os.read(fd, 65536)
                if not chunk:
                    return None
                self._buf += chunk
        line, self._buf = self._buf.split(b'\n', 1)
        return line.decode('utf-8')

    def command(self, cmd, **params):
        """Send a control command (see README.md) and return its reply object."""
        self.proc.stdin.write((json.dumps(dict(params, cmd=cmd)) + '\n').encode('utf-8'))
        self.proc.stdin.flush()
        line = self._read_line(self.timeout)
        if line is None:
            raise ServersError('no reply to %r' % cmd)
        reply = json.loads(line)
        if not reply.get('ok'):
            raise ServersError('%s: %s' % (cmd, reply.get('error')))
        return reply

    def stop(self, timeout=30.0):
        if self.proc is None:
            return None
        with contextlib.suppress(OSError):
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        status = self.proc.returncode
        self.proc.stdout.close()
        self.proc = None
        return status

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def __getattr__(self, name):
        info = self.__dict__.get('info')
        if info is not None and name in info:
            return info[name]
        raise AttributeError(name)

    def user(self, i=0):
        return self.info['users'][i]

    def ssl_context(self):
        return ssl.create_default_context(cafile=self.info['ca_file'])

    def seed(self, user, folder='INBOX', count=100, seed=0):
        return seed_maildir(self.info['dir'], user, folder, count, seed,
                            maildir_root=self.info['maildir_root'])


# ---------------------------------------------------------------------------------------------
# Command line


def main(argv=None):
    import argparse
    parser = argparse.ArgumentParser(
        prog='petrel-test-servers',
        description='Private Dovecot IMAP + SMTP submission servers for Petrel tests.')
    sub = parser.add_subparsers(dest='command', required=True)
    run = sub.add_parser('run', help='start the servers; print one JSON line when ready; '
                                     'stop at stdin EOF, SIGTERM or SIGINT')
    run.add_argument('--keep', action='store_true', help='keep the temporary directory')
    run.add_argument('--no-stdin', action='store_true',
                     help='ignore stdin (stop only on SIGTERM/SIGINT)')
    run.add_argument('--smtp-size', type=int, metavar='BYTES',
                     help='SMTP SIZE limit (default 25 MiB)')
    run.add_argument('--parent', metavar='DIR', help='create the instance directory in DIR')
    run.add_argument('--verbose', action='store_true', help='log to stderr too')
    run.add_argument('--oauth2-introspection', metavar='URL',
                     help='also accept OAuth2 bearer tokens (XOAUTH2, OAUTHBEARER) in IMAP and '
                          'SMTP, checked by POSTing them to this loopback introspection URL')
    seed = sub.add_parser('seed', help='write generated messages into a maildir')
    seed.add_argument('--dir', required=True, help='instance directory ("dir" of run)')
    seed.add_argument('--user', required=True)
    seed.add_argument('--folder', default='INBOX')
    seed.add_argument('--count', type=int, required=True)
    seed.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format='petrel-test-servers: %(levelname)s %(message)s')
    if not getattr(args, 'verbose', False):
        logging.getLogger().handlers[0].setLevel(logging.ERROR)
    log.setLevel(logging.INFO)
    # aiosmtpd logs protocol lines (AUTH payloads included) at DEBUG: never let them through.
    # Its errors are about clients (a refused certificate, a dropped connection): they go to
    # DIR/log/smtp.log, and to stderr only with --verbose.
    mail_log = logging.getLogger('mail.log')
    mail_log.setLevel(logging.WARNING)
    mail_log.propagate = getattr(args, 'verbose', False)
    mail_log.addFilter(lambda record: 'login_data is deprecated' not in record.getMessage())
    warnings.filterwarnings('ignore', message='Requiring AUTH while not requiring TLS')

    if args.command == 'run':
        if args.oauth2_introspection is not None:
            try:
                check_introspection_url(args.oauth2_introspection)
            except ValueError as e:
                parser.error(str(e))
        return run_servers(keep=args.keep, use_stdin=not args.no_stdin,
                           size_limit=args.smtp_size, parent=args.parent,
                           oauth2_introspection=args.oauth2_introspection)
    if args.count < 0:
        parser.error('--count must be >= 0')
    try:
        n = seed_maildir(args.dir, args.user, args.folder, args.count, args.seed)
    except (OSError, ValueError) as e:
        print('petrel-test-servers seed: %s' % e, file=sys.stderr)
        return 1
    print(json.dumps({'written': n}))
    return 0
