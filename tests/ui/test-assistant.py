#!/usr/bin/python3
# test-assistant.py: the account assistant against the loopback Dovecot and SMTP server. A
# local HTTPS autoconfiguration server (certificate from the harness CA) serves a config-v1.1
# document pointing at them; the assistant finds it and says where the settings came from. The
# servers' certificate is not trusted for the account (only discovery trusts the harness CA),
# so the assistant shows its SHA-256 fingerprint, subject and problems; "Don’t Trust" trusts
# nothing, and only "Trust This Certificate" pins it. A wrong password gives a clear error and
# saves nothing; the right one passes the login test, the account is saved (password only in
# the keyring) and the main window syncs its Inbox.
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import hashlib
import http.server
import os
import ssl
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import petrelui  # noqa: E402
from petrelui import accounts_in  # noqa: E402

SEEDED = 12
WRONG_PASSWORD = 'not-alices-password'

CONFIG_XML = '''<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="example.test">
    <domain>example.test</domain>
    <displayName>Example Test Mail</displayName>
    <incomingServer type="imap">
      <hostname>127.0.0.1</hostname>
      <port>%(imaps_port)d</port>
      <socketType>SSL</socketType>
      <username>%(user)s</username>
      <authentication>password-cleartext</authentication>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>127.0.0.1</hostname>
      <port>%(smtp_port)d</port>
      <socketType>STARTTLS</socketType>
      <username>%(user)s</username>
      <authentication>password-cleartext</authentication>
    </outgoingServer>
  </emailProvider>
</clientConfig>
'''


class AutoconfigServer:
    """HTTPS on 127.0.0.1 with the harness's server certificate, answering every GET with
    BODY; remembers the paths asked for."""

    def __init__(self, cert_file, key_file, body):
        self.paths = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.paths.append(self.path)
                data = body.encode()
                self.send_response(200)
                self.send_header('Content-Type', 'text/xml; charset=utf-8')
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def cert_fingerprint(pem_file):
    with open(pem_file) as f:
        pem = f.read()
    der = ssl.PEM_cert_to_DER_cert(pem[:pem.index('-----END CERTIFICATE-----') + 25])
    digest = hashlib.sha256(der).hexdigest().upper()
    return ':'.join(digest[i:i + 2] for i in range(0, len(digest), 2))


def files_under(path):
    for root, _, names in os.walk(path):
        for name in names:
            yield os.path.join(root, name)


def main():
    servers = petrelui.start_servers()
    if servers is None:
        return 77

    ok = petrelui.Tap()
    find = petrelui.find_showing
    web = None
    try:
        servers.seed('alice', 'INBOX', count=SEEDED, seed=5)
        alice = servers.user(0)
        tls_dir = os.path.join(servers.dir, 'tls')
        server_cert = os.path.join(tls_dir, 'server.pem')
        web = AutoconfigServer(server_cert, os.path.join(tls_dir, 'server.key'),
                               CONFIG_XML % {'imaps_port': servers.imaps_port,
                                             'smtp_port': servers.smtp_port,
                                             'user': alice['user']})
        fingerprint = cert_fingerprint(server_cert)
        env = {
            'PETREL_AUTOCONFIG_URL': 'https://127.0.0.1:%d/mail/config-v1.1.xml' % web.port,
            'PETREL_ISPDB_URL': 'https://127.0.0.1:%d/ispdb/' % web.port,
            'PETREL_AUTOCONFIG_CA_FILE': servers.ca_file,
        }

        with tempfile.TemporaryDirectory(prefix='petrel-ui-') as data_dir:
            with petrelui.App(data_dir, env=env) as app:
                window, form = petrelui.open_assistant(ok, app, 'Alice Liddell', alice['email'])
                if form is None:
                    return ok.finish()
                assistant = form.node
                type_into, press, shown = form.type_into, form.press, form.shown
                type_into('Password', WRONG_PASSWORD)
                time.sleep(0.3)
                petrelui.screenshot('assistant-details', crop=assistant)
                press('Next')

                source = shown(prefix='Found in the autoconfiguration of example.test')
                ok.check(source is not None,
                         'discovery finds the settings and says where: “%s”'
                         % (source.name if source else None))
                ok.check(any(p.startswith('/mail/config-v1.1.xml') for p in web.paths),
                         'from the local HTTPS autoconfig server (%r)' % web.paths)
                port = shown(contains='Incoming Port', role='spin button', timeout=5)
                value = int(port.value) if port is not None else None
                ok.check(value == servers.imaps_port,
                         'the servers are filled in from it (IMAP port %r)' % value)
                time.sleep(0.5)
                petrelui.keep_screenshot(petrelui.screenshot('assistant-servers', crop=assistant),
                                         'assistant.png')
                ok.check(accounts_in(data_dir) == [], 'nothing is saved before the login test')

                # The certificate: shown, and refused unless the person says otherwise.
                press('Add Account')
                title = shown(name='Untrusted Certificate', timeout=60)
                ok.check(title is not None, 'the untrusted certificate of the server is shown')
                fp = shown(name=fingerprint, timeout=5)
                ok.check(fp is not None, 'with its SHA-256 fingerprint %s…' % fingerprint[:23])
                subject = shown(contains='127.0.0.1', timeout=5)
                ok.check(subject is not None, 'and the server it came from')
                petrelui.screenshot('assistant-certificate', crop=assistant)
                press('Don’t Trust')
                refused = shown(prefix='The certificate was not trusted')
                ok.check(refused is not None, '“Don’t Trust” trusts nothing and says so')
                ok.check(accounts_in(data_dir) == [], 'and nothing is saved')

                press('Add Account')
                ok.check(shown(name='Untrusted Certificate', timeout=60) is not None,
                         'the next login test asks again: nothing was pinned by default')
                trusted = 0
                endpoints = []

                def next_step():
                    """What the login test led to: another certificate, an error, success."""
                    for name, kw in (('certificate', {'name': 'Untrusted Certificate'}),
                                     ('error', {'contains': 'did not accept the user name'}),
                                     ('done', {'name': 'Account Added'})):
                        if find(assistant, **kw) is not None:
                            return name
                    return None

                # IMAP first, then the SMTP server's own endpoint: each is asked about once.
                while trusted < 3 and next_step() == 'certificate':
                    where = find(assistant, prefix='127.0.0.1:', role='label')
                    endpoints.append(where.name if where is not None else None)
                    press('Trust This Certificate')
                    trusted += 1
                    time.sleep(1)
                    app.wait_for(lambda: find(assistant, name='Untrusted Certificate') is None,
                                 timeout=10)
                    app.wait_for(next_step, timeout=60)
                want = ['127.0.0.1:%d' % servers.imaps_port, '127.0.0.1:%d' % servers.smtp_port]
                ok.check(endpoints == want, 'an explicit click on “Trust This Certificate” pins '
                                            'it, once for IMAP and once for SMTP (%r)' % endpoints)

                wrong = shown(contains='did not accept the user name or password', timeout=60)
                ok.check(wrong is not None, 'a wrong password gives a clear error: “%s”'
                         % (wrong.name if wrong else None))
                ok.check(accounts_in(data_dir) == [], 'and nothing is saved')
                petrelui.screenshot('assistant-wrong-password', crop=assistant)

                type_into('Password', alice['password'])
                press('Next')
                done = shown(name='Account Added', timeout=90)
                ok.check(done is not None, 'the right password passes the login test and the '
                                           'account is saved')
                ids = accounts_in(data_dir)
                ok.check(len(ids) == 1, 'one account in the data dir (%r)' % ids)
                leaked = [p for p in files_under(data_dir)
                          if alice['password'].encode() in open(p, 'rb').read()]
                ok.check(leaked == [], 'the password is in no file under the data dir (%r)'
                         % leaked)
                ini = os.path.join(data_dir, 'accounts', ids[0], 'account.ini') if ids else ''
                text = open(ini).read() if os.path.exists(ini) else ''
                ok.check(fingerprint in text.upper(),
                         'the trusted certificate is pinned in account.ini')
                petrelui.screenshot('assistant-done', crop=assistant)
                press('Done')
                ok.check(app.wait_for(lambda: 'Add Account' not in
                                      [w.name for w in app.root.children], timeout=10),
                         '“Done” closes the assistant')

                account = app.wait_for(lambda: find(window, name='Alice Liddell', role='label'),
                                       timeout=30)
                ok.check(account is not None, 'the new account appears in the main window')
                inbox = app.wait_for(lambda: find(window, prefix='%d messages' % SEEDED,
                                                  role='label'), timeout=90)
                ok.check(inbox is not None, 'and it syncs: its Inbox holds %d messages' % SEEDED)
                petrelui.screenshot('assistant-synced', crop=window)
                ok.check(app.process.poll() is None, 'petrel still running')
    finally:
        if web is not None:
            web.stop()
        servers.stop()
    return ok.finish()


if __name__ == '__main__':
    sys.exit(main())
