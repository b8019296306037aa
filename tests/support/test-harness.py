#!/usr/bin/python3
# test-harness.py: checks that petrel-test-servers gives the servers the protocol tests expect.
#
# Starts an instance through the script (env PETREL_TEST_SERVERS), sends mail over SMTP and reads
# it back over IMAP, checks TLS validation, authentication rules, recipients, capabilities,
# special-use folders, seeding, the control commands, and that stopping leaves nothing behind.
# Prints TAP.
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import base64
import email
import email.message
import email.policy
import email.utils
import imaplib
import os
import re
import signal
import smtplib
import socket
import ssl
import statistics
import subprocess
import sys
import time
import traceback
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.environ.get('PETREL_TEST_SERVERS') or os.path.join(HERE, 'petrel-test-servers')
sys.path.insert(0, os.path.dirname(os.path.realpath(SCRIPT)))
sys.dont_write_bytecode = True

import petrel_servers  # noqa: E402


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def check(self, cond, what, detail=None):
        self.n += 1
        if cond:
            print('ok %d - %s' % (self.n, what), flush=True)
        else:
            self.failed += 1
            print('not ok %d - %s' % (self.n, what), flush=True)
            if detail is not None:
                for line in str(detail).splitlines():
                    print('# ' + line, flush=True)
        return cond

    def raises(self, exc_types, fn, what):
        try:
            fn()
        except exc_types as e:
            return self.check(True, what + ' (%s)' % type(e).__name__)
        except Exception as e:     # noqa: BLE001 - report the unexpected error
            return self.check(False, what, 'unexpected %s: %s' % (type(e).__name__, e))
        return self.check(False, what, 'no error raised')

    def finish(self):
        print('1..%d' % self.n, flush=True)
        print('# %d passed, %d failed' % (self.n - self.failed, self.failed), flush=True)
        return 1 if self.failed else 0


tap = Tap()


def imaps(s, user=None, ctx=None):
    conn = imaplib.IMAP4_SSL(s.host, s.imaps_port, ssl_context=ctx or s.ssl_context(),
                             timeout=30)
    if user is not None:
        conn.login(user['user'], user['password'])
    return conn


def smtp_starttls(s, user=None):
    conn = smtplib.SMTP(s.host, s.smtp_port, local_hostname='client.example.test', timeout=30)
    conn.starttls(context=s.ssl_context())
    if user is not None:
        conn.login(user['user'], user['password'])
    return conn


def instance_processes(token):
    out = subprocess.run(['pgrep', '-a', '-f', 'petrel-(servers-)?' + re.escape(token)],
                         stdout=subprocess.PIPE, text=True).stdout
    return [line for line in out.splitlines() if str(os.getpid()) != line.split()[0]]


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie counts as gone.
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().split(')')[-1].split()[0] != 'Z'
    except OSError:
        return False


def check_info(s):
    info = s.info
    needed = ['dir', 'host', 'imap_port', 'imaps_port', 'smtp_port', 'smtps_port', 'ca_file',
              'users', 'maildir_root']
    tap.check(all(k in info for k in needed), 'ready line has all fields',
              'missing: %s' % [k for k in needed if k not in info])
    tap.check(info['host'] == '127.0.0.1', 'host is 127.0.0.1')
    ports = [info[k] for k in ('imap_port', 'imaps_port', 'smtp_port', 'smtps_port')]
    tap.check(len(set(ports)) == 4 and all(isinstance(p, int) and p > 0 for p in ports),
              'four distinct ports', ports)
    users = info['users']
    tap.check(len(users) >= 2 and all(u['email'] == u['user'] + '@example.test' and
                                      len(u['password']) >= 12 for u in users),
              'at least two users with addresses and generated passwords')
    tap.check(os.path.isdir(info['maildir_root']) and os.path.isfile(info['ca_file']),
              'maildir root and CA file exist')
    with open(os.path.join(info['dir'], 'passwd'), 'rb') as f:
        passwd = f.read()
    tap.check(not any(u['password'].encode() in passwd for u in users),
              'no plain password in the passwd-file')


def check_tls(s):
    bare = ssl.create_default_context()     # system trust only: our CA is not in it
    tap.raises(ssl.SSLCertVerificationError, lambda: imaps(s, ctx=bare),
               'IMAPS without the test CA fails certificate verification')

    def smtp_bare():
        conn = smtplib.SMTP(s.host, s.smtp_port, timeout=30)
        try:
            conn.starttls(context=bare)
        finally:
            conn.close()
    tap.raises(ssl.SSLCertVerificationError, smtp_bare,
               'SMTP STARTTLS without the test CA fails certificate verification')

    tap.check(s.info.get('imap_login_needs_starttls') is True,
              'the IMAP STARTTLS port is relayed so LOGIN needs STARTTLS')
    conn = imaplib.IMAP4(s.host, s.imap_port, timeout=30)
    caps = conn.capabilities
    tap.check('STARTTLS' in caps and 'LOGINDISABLED' in caps,
              'IMAP plain port offers STARTTLS and disables LOGIN before it', caps)
    tap.raises(imaplib.IMAP4.error, lambda: conn.login('alice', s.user(0)['password']),
               'IMAP LOGIN before STARTTLS is refused')
    conn.shutdown()
    conn = imaplib.IMAP4(s.host, s.imap_port, timeout=30)
    conn.starttls(ssl_context=s.ssl_context())
    typ, _ = conn.login(s.user(0)['user'], s.user(0)['password'])
    tap.check(typ == 'OK', 'IMAP STARTTLS then LOGIN works')
    conn.logout()


def check_smtp_rules(s):
    alice = s.user(0)
    conn = smtplib.SMTP(s.host, s.smtp_port, timeout=30)
    conn.ehlo('client.example.test')
    tap.check(conn.has_extn('starttls') and not conn.has_extn('auth'),
              'SMTP offers STARTTLS and no AUTH before it')
    plain = base64.b64encode(('\0%s\0%s' % (alice['user'], alice['password'])).encode()).decode()
    code, msg = conn.docmd('AUTH', 'PLAIN ' + plain)
    tap.check(code >= 500, 'SMTP AUTH before STARTTLS is refused', (code, msg))
    code, msg = conn.docmd('MAIL', 'FROM:<%s>' % alice['email'])
    tap.check(code == 530, 'SMTP MAIL before STARTTLS is refused with 530', (code, msg))
    conn.close()

    conn = smtp_starttls(s)
    conn.ehlo('client.example.test')
    feats = conn.esmtp_features
    want = ['auth', 'size', '8bitmime', 'pipelining', 'smtputf8']
    tap.check(all(f in feats for f in want), 'SMTP after STARTTLS offers ' + ' '.join(want), feats)
    tap.check(set(feats.get('auth', '').upper().split()) >= {'PLAIN', 'LOGIN'},
              'SMTP AUTH offers PLAIN and LOGIN', feats.get('auth'))
    code, msg = conn.docmd('MAIL', 'FROM:<%s>' % alice['email'])
    tap.check(code == 530, 'SMTP MAIL before AUTH is refused with 530', (code, msg))
    bad = dict(alice, password=alice['password'] + 'x')
    tap.raises(smtplib.SMTPAuthenticationError, lambda: conn.login(bad['user'], bad['password']),
               'SMTP wrong password is refused')
    conn.close()

    for mech in ('PLAIN', 'LOGIN'):
        conn = smtp_starttls(s)
        conn.ehlo('client.example.test')
        conn.user, conn.password = alice['user'], alice['password']
        code, msg = conn.auth(mech, getattr(conn, 'auth_' + mech.lower()))
        tap.check(code == 235, 'SMTP AUTH %s with the right password works' % mech, (code, msg))
        conn.close()

    conn = smtp_starttls(s, alice)
    conn.mail(alice['email'])
    for rcpt in ('nobody@example.test', 'someone@example.com'):
        code, msg = conn.rcpt(rcpt)
        tap.check(code == 550, 'RCPT to %s gets 550' % rcpt, (code, msg))
    code, msg = conn.rcpt(s.user(1)['email'])
    tap.check(code == 250, 'RCPT to a local user gets 250', (code, msg))
    conn.rset()
    conn.quit()

    tap.raises(imaplib.IMAP4.error,
               lambda: imaps(s, dict(alice, password=alice['password'] + 'x')),
               'IMAP wrong password is refused')


def check_roundtrip(s):
    alice, bob, carol = s.user(0), s.user(1), s.user(2)
    msgid = email.utils.make_msgid(domain='client.example.test')
    raw = ('From: =?utf-8?q?Alice_Lidd=C3=A9ll?= <%s>\r\n'
           'To: Bob <%s>\r\n'
           'Subject: =?utf-8?b?%s?=\r\n'
           'Message-ID: %s\r\n'
           'Date: %s\r\n'
           'MIME-Version: 1.0\r\n'
           'Content-Type: text/plain; charset=utf-8\r\n'
           'Content-Transfer-Encoding: 8bit\r\n'
           'X-Petrel-Test: round trip\r\n'
           '\r\n'
           'Grüße — this line is 8bit UTF-8.\r\n'
           '.a line starting with a dot\r\n'
           '.\r\n'
           'last line\r\n') % (alice['email'], bob['email'],
                               base64.b64encode('Round trip ✓ Ünïcode'.encode()).decode(),
                               msgid, email.utils.formatdate())
    raw = raw.encode('utf-8')
    conn = smtp_starttls(s, alice)
    refused = conn.sendmail(alice['email'], [bob['email']], raw, mail_options=['BODY=8BITMIME'])
    conn.quit()
    tap.check(refused == {}, 'SMTP STARTTLS + AUTH accepted the message')

    imap = imaps(s, bob)
    imap.select('INBOX', readonly=True)
    typ, data = imap.uid('SEARCH', None, 'HEADER', 'Message-ID', msgid)
    uids = data[0].split()
    tap.check(len(uids) == 1, 'the message arrived in bob\'s INBOX over LMTP', data)
    if uids:
        typ, data = imap.uid('FETCH', uids[0], '(BODY.PEEK[])')
        fetched = data[0][1]
        tap.check(fetched.endswith(raw), 'headers and body arrived intact (byte for byte)',
                  fetched[-600:].decode('utf-8', 'replace'))
        tap.check(b'\r\nReceived: from client.example.test' in b'\r\n' + fetched and
                  b'with ESMTPSA' in fetched, 'submission added its Received header')
    imap.logout()

    # SMTPUTF8: raw UTF-8 headers and a non-ASCII envelope sender.
    msgid3 = email.utils.make_msgid(domain='client.example.test')
    raw3 = ('From: Jörg <jörg@example.com>\r\nTo: %s\r\nSubject: Grüße aus Köln\r\n'
            'Message-ID: %s\r\nMIME-Version: 1.0\r\n'
            'Content-Type: text/plain; charset=utf-8\r\n\r\nSchöne Grüße\r\n'
            % (bob['email'], msgid3)).encode('utf-8')
    conn = smtp_starttls(s, alice)
    refused = conn.sendmail('jörg@example.com', [bob['email']], raw3,
                            mail_options=['SMTPUTF8', 'BODY=8BITMIME'])
    conn.quit()
    imap = imaps(s, bob)
    imap.select('INBOX', readonly=True)
    typ, data = imap.uid('SEARCH', None, 'HEADER', 'Message-ID', msgid3)
    fetched = b''
    if data[0]:
        typ, data = imap.uid('FETCH', data[0].split()[0], '(BODY.PEEK[])')
        fetched = data[0][1]
    imap.logout()
    tap.check(refused == {} and fetched.endswith(raw3),
              'SMTPUTF8 message with raw UTF-8 headers arrives intact', fetched[-300:])

    # Implicit TLS submission, carol's password with space/quote/backslash, two recipients.
    msg = email.message.EmailMessage(policy=email.policy.SMTP)
    msg['From'] = carol['email']
    msg['To'] = '%s, %s' % (alice['email'], bob['email'])
    msg['Subject'] = 'Implicit TLS'
    msg['Message-ID'] = msgid2 = email.utils.make_msgid(domain='client.example.test')
    msg.set_content('Sent over SMTPS.\n')
    conn = smtplib.SMTP_SSL(s.host, s.smtps_port, context=s.ssl_context(), timeout=30)
    conn.login(carol['user'], carol['password'])
    refused = conn.send_message(msg)
    conn.quit()
    tap.check(refused == {}, 'SMTPS (implicit TLS) with a tricky password accepted the message')
    imap = imaps(s, carol)      # LOGIN quoting of the tricky password
    imap.logout()
    got = []
    for user in (alice, bob):
        imap = imaps(s, user)
        imap.select('INBOX', readonly=True)
        typ, data = imap.uid('SEARCH', None, 'HEADER', 'Message-ID', msgid2)
        got.append(len(data[0].split()))
        imap.logout()
    tap.check(got == [1, 1], 'a message to two recipients reached both', got)


def check_imap_features(s):
    alice = s.user(0)
    imap = imaps(s, alice)
    typ, data = imap.capability()
    caps = data[0].decode().upper().split()
    want = ['CONDSTORE', 'QRESYNC', 'IDLE', 'MOVE', 'UIDPLUS', 'SPECIAL-USE', 'COMPRESS=DEFLATE']
    tap.check(all(c in caps for c in want), 'CAPABILITY after login has ' + ' '.join(want), caps)

    typ, data = imap._simple_command('LIST', '(SPECIAL-USE)', '""', '"*"')
    typ, data = imap._untagged_response(typ, data, 'LIST')
    listed = b' '.join(d for d in data if d).decode()
    uses = ['\\Drafts', '\\Sent', '\\Trash', '\\Junk', '\\Archive']
    tap.check(all(u in listed for u in uses), 'LIST (SPECIAL-USE) shows ' + ' '.join(uses),
              listed)
    typ, data = imap.lsub('""', '*')
    subscribed = b' '.join(d for d in data if d).decode()
    tap.check(all(n in subscribed for n in ('Drafts', 'Sent', 'Trash', 'Junk', 'Archive')),
              'special-use folders are subscribed', subscribed)
    imap.enable('CONDSTORE')
    typ, data = imap.select('INBOX')
    tap.check(typ == 'OK' and any(b'HIGHESTMODSEQ' in r
                                  for r in imap.untagged_responses.get('OK', [])),
              'SELECT after ENABLE CONDSTORE reports HIGHESTMODSEQ', imap.untagged_responses)
    imap.logout()

    # COMPRESS=DEFLATE really compresses: raw TLS socket, LOGIN, COMPRESS, then a NOOP.
    ctx = s.ssl_context()
    with socket.create_connection((s.host, s.imaps_port), timeout=30) as raw:
        with ctx.wrap_socket(raw, server_hostname=s.host) as tls:
            f = tls.makefile('rwb')
            f.readline()

            def cmd(line):
                f.write(line + b'\r\n')
                f.flush()
                while True:
                    resp = f.readline()
                    if resp.startswith(line.split()[0] + b' '):
                        return resp

            pw = alice['password'].replace('\\', '\\\\').replace('"', '\\"')
            cmd(b'a LOGIN %s "%s"' % (alice['user'].encode(), pw.encode()))
            resp = cmd(b'b COMPRESS DEFLATE')
            ok = resp.startswith(b'b OK')
            text = b''
            if ok:
                comp = zlib.compressobj(6, zlib.DEFLATED, -15)
                tls.sendall(comp.compress(b'c NOOP\r\n') + comp.flush(zlib.Z_SYNC_FLUSH))
                dec = zlib.decompressobj(-15)
                deadline = time.monotonic() + 20
                while b'c OK' not in text and time.monotonic() < deadline:
                    chunk = tls.recv(4096)
                    if not chunk:
                        break
                    text += dec.decompress(chunk)
            tap.check(ok and b'c OK' in text, 'COMPRESS DEFLATE works', (resp, text))


def check_control(s):
    alice = s.user(0)
    s.command('smtp-reject-rcpt', address=s.user(1)['email'], reply='452 4.2.2 Mailbox full')
    s.command('smtp-size', limit=4096)
    conn = smtp_starttls(s, alice)
    conn.ehlo('client.example.test')
    tap.check(conn.esmtp_features.get('size') == '4096', 'smtp-size changes the SIZE advertised',
              conn.esmtp_features.get('size'))
    code, msg = conn.mail(alice['email'], ['SIZE=100000'])
    tap.check(code == 552, 'MAIL with SIZE over the limit gets 552', (code, msg))
    conn.rset()
    conn.mail(alice['email'])
    code, msg = conn.rcpt(s.user(1)['email'])
    tap.check(code == 452 and b'Mailbox full' in msg, 'smtp-reject-rcpt makes RCPT fail as told',
              (code, msg))
    conn.rset()
    s.command('smtp-data-reply', reply='554 5.6.0 Message rejected for the test')
    conn.mail(alice['email'])
    conn.rcpt(s.user(2)['email'])
    code, msg = conn.data(b'Subject: x\r\n\r\nx\r\n')
    tap.check(code == 554, 'smtp-data-reply makes DATA fail as told', (code, msg))
    conn.quit()
    s.command('smtp-reset')
    conn = smtp_starttls(s, alice)
    conn.ehlo('client.example.test')
    conn.mail(alice['email'])
    code, msg = conn.rcpt(s.user(1)['email'])
    tap.check(code == 250 and conn.esmtp_features.get('size') != '4096',
              'smtp-reset restores the defaults', (code, msg))
    conn.quit()
    tap.raises(petrel_servers.ServersError, lambda: s.command('smtp-size', limit='big'),
               'a bad control command gets an error reply')


def check_generator():
    a = list(petrel_servers.generate_messages(300, seed=7))
    b = list(petrel_servers.generate_messages(300, seed=7))
    c = list(petrel_servers.generate_messages(300, seed=8))
    tap.check(a == b, 'generation is deterministic for a seed')
    tap.check(a != c, 'another seed gives other messages')
    sizes = [len(m) for m, _, _ in a]
    median = statistics.median(sizes)
    tap.check(4000 <= median <= 14000, 'median message size is about 8 KB (%d)' % median)
    kinds = {'alternative': 0, 'mixed': 0, 'rfc2047': 0, 'reply': 0, 'seen': 0, 'flagged': 0,
             'html': 0, 'base64': 0}
    defects = []
    dates = [t for _, _, t in a]
    for data, flags, _ in a:
        msg = email.message_from_bytes(data, policy=email.policy.default)
        for part in msg.walk():
            if part.defects:
                defects.append((msg['Message-ID'], part.get_content_type(), part.defects))
            if part.get_content_type() == 'text/html':
                kinds['html'] += 1
            if part.get('Content-Transfer-Encoding', '').lower() == 'base64':
                kinds['base64'] += 1
        kinds['alternative'] += b'multipart/alternative' in data
        kinds['mixed'] += b'multipart/mixed' in data
        kinds['rfc2047'] += b'=?utf-8?' in data.split(b'\n\n', 1)[0]
        kinds['reply'] += msg['In-Reply-To'] is not None and msg['References'] is not None
        kinds['seen'] += 'S' in flags
        kinds['flagged'] += 'F' in flags
        if not data.isascii() and b'Content-Transfer-Encoding: 8bit' not in data:
            defects.append((msg['Message-ID'], 'raw non-ASCII outside an 8bit part', ['8bit']))
    tap.check(all(v > 5 for v in kinds.values()),
              'the mix has HTML, attachments, RFC 2047, threads, \\Seen and \\Flagged', kinds)
    tap.check(not defects, 'generated messages parse without defects',
              defects[:5])
    tap.check(dates == sorted(dates), 'dates increase with the sequence')


def check_seed(s):
    carol = s.user(2)
    t0 = time.monotonic()
    n = s.seed(carol['user'], 'INBOX', 2000, seed=1)
    tap.check(n == 2000, 'seed wrote 2000 messages (%.1fs)' % (time.monotonic() - t0))
    cur = os.path.join(s.maildir_root, carol['user'], 'cur')
    names = os.listdir(cur)
    pattern = re.compile(r'^\d+\.M\d+P\d+Q\d+\.[\w-]+,S=(\d+),W=(\d+):2,([A-Z]*)$')
    bad = [n for n in names if not pattern.match(n)]
    tap.check(not bad, 'maildir file names carry ,S=,W= and :2,flags', bad[:5])
    wrong_size = [n for n in names if pattern.match(n) and
                  int(pattern.match(n).group(1)) != os.path.getsize(os.path.join(cur, n))]
    tap.check(not wrong_size, ',S= is the file size', wrong_size[:5])
    st = os.stat(s.maildir_root)
    owners = {(os.stat(os.path.join(cur, n)).st_uid, os.stat(os.path.join(cur, n)).st_gid)
              for n in names}
    tap.check(owners == {(st.st_uid, st.st_gid)}, 'seeded files belong to the mail user', owners)
    unseen = sum(1 for n in names if 'S' not in n.rsplit(':2,', 1)[1])

    imap = imaps(s, carol)
    typ, data = imap.status('INBOX', '(MESSAGES UNSEEN)')
    status = data[0].decode()
    tap.check('MESSAGES 2000' in status and 'UNSEEN %d' % unseen in status,
              'STATUS shows 2000 messages and the seeded unseen count', status)
    imap.select('INBOX', readonly=True)
    typ, data = imap.fetch('1:*', '(UID FLAGS)')
    flagged = sum(1 for d in data if b'\\Flagged' in d)
    tap.check(flagged == sum(1 for n in names if 'F' in n.rsplit(':2,', 1)[1]) and flagged > 0,
              '\\Flagged matches the file names (%d)' % flagged)
    # Message 7 as IMAP sees it is the file with the 7th oldest name.
    by_time = sorted(names, key=lambda n: (int(n.split('.')[0]), int(n.split('.M')[1][:6])))
    with open(os.path.join(cur, by_time[6]), 'rb') as f:
        on_disk = f.read()
    typ, data = imap.fetch('7', '(BODY.PEEK[] RFC822.SIZE)')
    size = int(re.search(rb'RFC822\.SIZE (\d+)', data[0][0]).group(1))
    tap.check(data[0][1] == on_disk.replace(b'\n', b'\r\n') and
              size == int(pattern.match(by_time[6]).group(2)),
              'IMAP serves a seeded message byte for byte, RFC822.SIZE = W=')
    imap.logout()

    n = s.seed('alice', 'Projects/Pétrel', 5, seed=3)
    proc = subprocess.run([SCRIPT, 'seed', '--dir', s.dir, '--user', 'alice', '--folder',
                           'Archive', '--count', '3', '--seed', '4'], stdout=subprocess.PIPE)
    tap.check(proc.returncode == 0 and b'"written": 3' in proc.stdout,
              'the seed command writes into a folder', proc.stdout)
    imap = imaps(s, s.user(0))
    typ, data = imap.list('""', '*')
    listed = b' '.join(d for d in data if d)
    typ, st1 = imap.status('"Projects.P&AOk-trel"', '(MESSAGES)')
    typ, st2 = imap.status('Archive', '(MESSAGES)')
    tap.check(b'Projects.P&AOk-trel' in listed and b'MESSAGES 5' in st1[0] and
              b'MESSAGES 3' in st2[0], 'seeded subfolders are visible with their counts',
              (listed, st1, st2))
    imap.logout()


def check_stop(s, token):
    dovecot_pid = s.dovecot_pid
    script_pid = s.pid
    d = s.dir
    status = s.stop()
    tap.check(status == 0, 'run exits 0 after stdin EOF', status)
    tap.check(not os.path.exists(d), 'the temporary directory is removed')
    left = instance_processes(token)
    tap.check(not left and not alive(dovecot_pid) and not alive(script_pid),
              'no process of the instance remains', left)


def check_sigterm():
    s = petrel_servers.TestServers().start()
    token = s.dir.rsplit('-', 1)[-1]
    d, dovecot_pid = s.dir, s.dovecot_pid
    os.kill(s.pid, signal.SIGTERM)
    try:
        status = s.proc.wait(30)
    except subprocess.TimeoutExpired:
        status = None
    s.stop()
    tap.check(status == 0 and not os.path.exists(d) and not instance_processes(token) and
              not alive(dovecot_pid), 'SIGTERM stops and cleans up too',
              (status, os.path.exists(d), instance_processes(token)))


def main():
    try:
        s = petrel_servers.TestServers().start()
    except petrel_servers.Unavailable as e:
        tap.check(False, 'servers start', 'missing dependency: %s' % e)
        return tap.finish()
    except Exception as e:      # noqa: BLE001
        tap.check(False, 'servers start', e)
        return tap.finish()
    tap.check(True, 'servers start')
    token = s.dir.rsplit('-', 1)[-1]
    try:
        for step in (check_info, check_tls, check_smtp_rules, check_roundtrip,
                     check_imap_features, check_control, check_seed):
            try:
                step(s)
            except Exception:       # noqa: BLE001 - one failing step must not hide the rest
                tap.check(False, step.__name__ + ' ran to the end', traceback.format_exc())
        check_generator()
    finally:
        check_stop(s, token)
    check_sigterm()
    return tap.finish()


if __name__ == '__main__':
    sys.exit(main())
