#!/usr/bin/python3
# test-cli-oauth2.py: `petrel-cli account add --oauth2` end to end. A small authorization
# server written for this test (authorization code + PKCE, refresh, RFC 7662 introspection)
# runs on loopback; Dovecot and the submission server accept its bearer tokens
# (petrel-test-servers --oauth2-introspection); the provider is described in the data dir's
# oauth2-providers.ini; the "browser" is PETREL_TEST_BROWSER (a script that follows the URL)
# or, with --no-browser, this test reading the URL from stderr. Then sync (XOAUTH2 at
# Dovecot) and send (XOAUTH2 at submission) work, a new process refreshes the token, and a
# revoked grant gives one clear line. The refresh token is never in a file.
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import base64
import hashlib
import http.server
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clitest as C  # noqa: E402
from clitest import CLI, cli  # noqa: E402

CLIENT_ID = 'petrel-cli-test'
USER = 'alice'


class Auth:
    """State of the authorization server."""

    def __init__(self):
        self.lock = threading.Lock()
        self.codes = {}        # code -> (challenge, redirect_uri)
        self.access = {}       # token -> user
        self.refresh = {}      # token -> user
        self.deny = False
        self.counts = {'authorize': 0, 'code': 0, 'refresh': 0, 'introspect': 0,
                       'introspect_active': 0, 'pkce_failures': 0}

    def issue(self, with_refresh):
        access, refresh = 'at-' + secrets.token_urlsafe(16), 'rt-' + secrets.token_urlsafe(16)
        self.access[access] = USER
        out = {'access_token': access, 'token_type': 'Bearer', 'expires_in': 3600,
               'scope': 'mail'}
        if with_refresh:
            self.refresh[refresh] = USER
            out['refresh_token'] = refresh
        return out


def make_handler(auth):
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def reply(self, status, body, ctype='application/json', headers=()):
            data = body.encode() if isinstance(body, str) else body
            self.send_response(status)
            self.send_header('Content-Type', ctype)
            self.send_header('Content-Length', str(len(data)))
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def form(self):
            n = int(self.headers.get('Content-Length') or 0)
            return dict(urllib.parse.parse_qsl(self.rfile.read(n).decode()))

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            if url.path != '/authorize':
                return self.reply(404, '{}')
            q = dict(urllib.parse.parse_qsl(url.query))
            with auth.lock:
                auth.counts['authorize'] += 1
                redirect = q.get('redirect_uri', '')
                host = urllib.parse.urlsplit(redirect).hostname
                if (q.get('client_id') != CLIENT_ID or q.get('response_type') != 'code' or
                        q.get('code_challenge_method') != 'S256' or host not in
                        ('127.0.0.1', '::1', 'localhost') or not q.get('state')):
                    return self.reply(400, 'bad request', 'text/plain')
                if auth.deny:
                    params = {'error': 'access_denied', 'state': q['state']}
                else:
                    code = secrets.token_urlsafe(12)
                    auth.codes[code] = (q['code_challenge'], redirect)
                    params = {'code': code, 'state': q['state']}
            sep = '&' if '?' in redirect else '?'
            self.reply(302, '', 'text/plain',
                       [('Location', redirect + sep + urllib.parse.urlencode(params))])

        def do_POST(self):
            f = self.form()
            with auth.lock:
                if self.path == '/introspect':
                    auth.counts['introspect'] += 1
                    user = auth.access.get(f.get('token'))
                    if user:
                        auth.counts['introspect_active'] += 1
                        return self.reply(200, json.dumps({'active': True, 'username': user}))
                    return self.reply(200, json.dumps({'active': False}))
                if self.path != '/token':
                    return self.reply(404, '{}')
                grant = f.get('grant_type')
                if f.get('client_id') != CLIENT_ID:
                    return self.reply(401, json.dumps({'error': 'invalid_client'}))
                if grant == 'authorization_code':
                    auth.counts['code'] += 1
                    entry = auth.codes.pop(f.get('code'), None)
                    verifier = f.get('code_verifier', '')
                    challenge = base64.urlsafe_b64encode(
                        hashlib.sha256(verifier.encode()).digest()).decode().rstrip('=')
                    if entry is None or entry[1] != f.get('redirect_uri'):
                        return self.reply(400, json.dumps({'error': 'invalid_grant'}))
                    if entry[0] != challenge:
                        auth.counts['pkce_failures'] += 1
                        return self.reply(400, json.dumps({'error': 'invalid_grant'}))
                    return self.reply(200, json.dumps(auth.issue(True)))
                if grant == 'refresh_token':
                    auth.counts['refresh'] += 1
                    if f.get('refresh_token') not in auth.refresh:
                        return self.reply(400, json.dumps(
                            {'error': 'invalid_grant', 'error_description': 'Token revoked'}))
                    return self.reply(200, json.dumps(auth.issue(False)))
                return self.reply(400, json.dumps({'error': 'unsupported_grant_type'}))

    return Handler


def files_contain(root, needle):
    for dirpath, _, names in os.walk(root):
        for name in names:
            try:
                with open(os.path.join(dirpath, name), 'rb') as f:
                    if needle.encode() in f.read():
                        return os.path.join(dirpath, name)
            except OSError:
                pass
    return None


def main():
    t = C.Tap()
    auth = Auth()
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), make_handler(auth))
    base = 'http://127.0.0.1:%d' % httpd.server_address[1]
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    servers = C.start_servers(args=['--oauth2-introspection', base + '/introspect'])
    if servers is None:
        httpd.shutdown()
        return 77

    d = tempfile.mkdtemp(prefix='petrel-oauth2-')
    tmp = tempfile.mkdtemp(prefix='petrel-oauth2-browser-')
    alice, bob = servers.user(0), servers.user(1)
    try:
        with open(os.path.join(d, 'oauth2-providers.ini'), 'w') as f:
            f.write('[Provider petrel-test]\n'
                    'Name=Petrel Test\n'
                    'AuthorizationEndpoint=%(base)s/authorize\n'
                    'TokenEndpoint=%(base)s/token\n'
                    'Scopes=mail offline\n'
                    'Mechanism=xoauth2\n'
                    'ClientId=%(client)s\n'
                    'Imap=127.0.0.1:%(imaps)d\n'
                    'ImapSecurity=tls\n'
                    'Smtp=127.0.0.1:%(smtp)d\n'
                    'SmtpSecurity=starttls\n'
                    '[Provider petrel-bearer]\n'
                    'Name=Petrel Bearer\n'
                    'AuthorizationEndpoint=%(base)s/authorize\n'
                    'TokenEndpoint=%(base)s/token\n'
                    'Scopes=mail offline\n'
                    'Mechanism=oauthbearer\n'
                    'ClientId=%(client)s\n'
                    'Imap=127.0.0.1:%(imap)d\n'
                    'ImapSecurity=starttls\n'
                    'Smtp=127.0.0.1:%(smtps)d\n'
                    'SmtpSecurity=tls\n'
                    % {'base': base, 'client': CLIENT_ID, 'imaps': servers.imaps_port,
                       'smtp': servers.smtp_port, 'imap': servers.imap_port,
                       'smtps': servers.smtps_port})

        browser = os.path.join(tmp, 'browser')
        with open(browser, 'w') as f:
            f.write('#!/usr/bin/python3\n'
                    '# Plays the person: opens the sign-in page and follows it back.\n'
                    'import sys, urllib.request\n'
                    'opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))\n'
                    'opener.open(sys.argv[1], timeout=30).read()\n')
        os.chmod(browser, 0o755)
        env = {'PETREL_TEST_BROWSER': browser}

        def add(account_id, provider='petrel-test', *extra, environ=env):
            return cli(d, '--json', 'account', 'add', '--oauth2', provider, '--id', account_id,
                       '--email', alice['email'], '--user', USER, '--ca-file', servers.ca_file,
                       *extra, env=environ)

        # -- sign in through the test browser
        r = add('oa')
        t.check(r.returncode == 0, 'account add --oauth2 signs in and saves', r.stderr.decode())
        t.check(auth.counts['code'] == 1 and auth.counts['pkce_failures'] == 0,
                'one code exchange, PKCE verified', auth.counts)
        t.check(auth.counts['introspect_active'] >= 2,
                'the login was tested at both servers with the token', auth.counts)
        ini = os.path.join(d, 'accounts', 'oa', 'account.ini')
        text = open(ini).read() if os.path.exists(ini) else ''
        t.check('oauth2' in text and 'petrel-test' in text and str(servers.imaps_port) in text,
                'account.ini has the provider and its servers', text)
        leaked = [tok for tok in list(auth.refresh) + list(auth.access) if files_contain(d, tok)]
        t.check(not leaked, 'no token in any file under the data dir', leaked)

        # -- sync with XOAUTH2 at Dovecot, send with XOAUTH2 at the submission server
        before = dict(auth.counts)
        r = cli(d, 'sync', 'oa')
        t.check(r.returncode == 0, 'sync works with the OAuth2 account', r.stderr.decode())
        t.check(auth.counts['refresh'] == before['refresh'] + 1,
                'a new process refreshes the access token once', auth.counts)
        r = cli(d, '--json', 'send', '--account', 'oa', '--to', bob['email'], '--subject',
                'oauth2 send', stdin=b'Hello.\n', env={'PETREL_UNDO_SEND_DELAY': '0'})
        out = [json.loads(x) for x in r.stdout.decode().splitlines() if x.strip()]
        item = out[0] if out else {}
        # Until petrel-test-servers' passwd-file passdb also serves non-login lookups in OAuth2
        # mode (`mechanisms = plain login none`), Dovecot's LMTP cannot look bob up and the
        # submission server answers DATA with 451: that still proves XOAUTH2 was accepted.
        lmtp_451 = 'Delivery to' in (item.get('error') or '') and item.get('state') == 'queued'
        if lmtp_451:
            print('# the test servers cannot deliver in OAuth2 mode (LMTP user lookup)')
        t.check(r.returncode == 0 and (item.get('state') in ('sent', 'done') or lmtp_451),
                'send logs in with XOAUTH2 at the submission server', (r.stderr.decode(), out))

        # -- OAUTHBEARER, and --no-browser: the URL goes to stderr, this test opens it
        p = subprocess.Popen([CLI, '--data-dir', d, 'account', 'add', '--oauth2',
                              'petrel-bearer', '--id', 'ob', '--email', alice['email'],
                              '--user', USER, '--ca-file', servers.ca_file, '--no-browser'],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        url = None
        for line in p.stderr:
            line = line.decode().strip()
            if line.startswith(base + '/authorize?'):
                url = line
                break
        if url:
            urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url, timeout=30)
        out, err = p.communicate(timeout=120)
        t.check(url is not None and p.returncode == 0,
                '--no-browser prints the URL; following it finishes the sign-in',
                (url, err.decode()))
        r = cli(d, 'sync', 'ob')
        t.check(r.returncode == 0, 'sync with OAUTHBEARER (IMAP STARTTLS)', r.stderr.decode())

        # -- the person says no: nothing saved
        auth.deny = True
        r = add('denied')
        auth.deny = False
        err = r.stderr.decode()
        t.check(r.returncode == 1 and err.count('\n') <= 2 and 'petrel-cli: ' in err,
                'a denied sign-in fails with a clear line', err)
        r = cli(d, '--json', 'account', 'list')
        ids = [json.loads(x)['id'] for x in r.stdout.decode().splitlines() if x.strip()]
        t.check('denied' not in ids and 'oa' in ids and 'ob' in ids,
                'and saves nothing', ids)

        # -- usage
        r = add('bad', 'no-such-provider')
        t.check(r.returncode == 2 and 'petrel-test' in r.stderr.decode(),
                'an unknown provider is bad usage, naming the known ones', r.stderr.decode())
        r = add('bad2', 'petrel-test', '--password-stdin')
        t.check(r.returncode == 2, '--oauth2 with --password-stdin is bad usage',
                r.stderr.decode())

        # -- the grant is revoked at the provider: a clear error, not a hang
        with auth.lock:
            auth.refresh.clear()
        r = cli(d, 'sync', 'oa')
        err = r.stderr.decode()
        t.check(r.returncode == 1 and 'sign in again' in err and err.count('\n') == 1,
                'a revoked grant: sync fails with one line saying to sign in again', err)

        # -- signing in again (account sign-in) makes it work again
        r = cli(d, 'account', 'sign-in', 'oa', env=env)
        t.check(r.returncode == 0, 'account sign-in signs in again', r.stderr.decode())
        r = cli(d, 'sync', 'oa')
        t.check(r.returncode == 0, 'and sync works again', r.stderr.decode())
        r = cli(d, 'account', 'sign-in', 'nobody', env=env)
        t.check(r.returncode == 1, 'account sign-in of an unknown account fails',
                r.stderr.decode())
    finally:
        servers.stop()
        httpd.shutdown()

    return t.finish()


if __name__ == '__main__':
    sys.exit(main())
