# petrel_oauth2.py: a small OAuth2 authorization server for Petrel's OAuth2 tests
# (tests/cli/test-cli-oauth2.py, tests/ui/test-assistant-oauth2.py). It runs on loopback in a
# thread: authorization code with PKCE (S256), refresh, and RFC 7662 token introspection, which
# petrel-test-servers' Dovecot and submission server use to accept its bearer tokens
# (`--oauth2-introspection URL`, see introspection_args()). It counts what it was asked, so a
# test can check a sign-in went through the browser once and PKCE was verified.
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import base64
import hashlib
import http.server
import json
import os
import secrets
import threading
import urllib.parse

CLIENT_ID = 'petrel-cli-test'


class AuthorizationServer:
    """The authorization server, listening on 127.0.0.1 once started. Its tokens are for the
    login USER (the name Dovecot's oauth2 passdb matches with the one logging in). A test may
    read and change its state (codes, access, refresh, deny, counts) under LOCK."""

    def __init__(self, user='alice'):
        self.user = user
        self.lock = threading.Lock()
        self.codes = {}        # code -> (challenge, redirect_uri)
        self.access = {}       # token -> user
        self.refresh = {}      # token -> user
        self.deny = False
        self.counts = {'authorize': 0, 'code': 0, 'refresh': 0, 'introspect': 0,
                       'introspect_active': 0, 'pkce_failures': 0}
        self.httpd = None
        self.base = None

    def start(self):
        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), _make_handler(self))
        self.base = 'http://127.0.0.1:%d' % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    def introspection_args(self):
        """The arguments that make petrel-test-servers accept this server's tokens."""
        return ['--oauth2-introspection', self.base + '/introspect']

    def provider(self, provider_id, name, mechanism, imap, imap_security, smtp, smtp_security,
                 domains=None):
        """A [Provider PROVIDER_ID] section of oauth2-providers.ini naming this server, with
        the servers IMAP and SMTP ('host:port') and their security."""
        return ('[Provider %s]\n' % provider_id +
                'Name=%s\n' % name +
                'AuthorizationEndpoint=%s/authorize\n' % self.base +
                'TokenEndpoint=%s/token\n' % self.base +
                'Scopes=mail offline\n'
                'Mechanism=%s\n' % mechanism +
                'ClientId=%s\n' % CLIENT_ID +
                ('Domains=%s\n' % domains if domains else '') +
                'Imap=%s\nImapSecurity=%s\n' % (imap, imap_security) +
                'Smtp=%s\nSmtpSecurity=%s\n' % (smtp, smtp_security))

    def tokens(self):
        """Every access and refresh token issued so far."""
        with self.lock:
            return list(self.refresh) + list(self.access)

    def _issue(self, with_refresh):
        access, refresh = 'at-' + secrets.token_urlsafe(16), 'rt-' + secrets.token_urlsafe(16)
        self.access[access] = self.user
        out = {'access_token': access, 'token_type': 'Bearer', 'expires_in': 3600,
               'scope': 'mail'}
        if with_refresh:
            self.refresh[refresh] = self.user
            out['refresh_token'] = refresh
        return out


def _make_handler(auth):
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
                    return self.reply(200, json.dumps(auth._issue(True)))
                if grant == 'refresh_token':
                    auth.counts['refresh'] += 1
                    if f.get('refresh_token') not in auth.refresh:
                        return self.reply(400, json.dumps(
                            {'error': 'invalid_grant', 'error_description': 'Token revoked'}))
                    return self.reply(200, json.dumps(auth._issue(False)))
                return self.reply(400, json.dumps({'error': 'unsupported_grant_type'}))

    return Handler


def leaked_tokens(auth, root):
    """The tokens AUTH issued that stand in some file under ROOT: none should."""
    contents = []
    for dirpath, _, names in os.walk(root):
        for name in names:
            try:
                with open(os.path.join(dirpath, name), 'rb') as f:
                    contents.append(f.read())
            except OSError:
                pass
    return [tok for tok in auth.tokens() if any(tok.encode() in data for data in contents)]
