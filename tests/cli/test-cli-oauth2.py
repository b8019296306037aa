#!/usr/bin/python3
# test-cli-oauth2.py: `petrel-cli account add --oauth2` end to end. A small authorization
# server (tests/support/petrel_oauth2.py: authorization code + PKCE, refresh, RFC 7662
# introspection) runs on loopback; Dovecot and the submission server accept its bearer tokens
# (petrel-test-servers --oauth2-introspection); the provider is described in the data dir's
# oauth2-providers.ini; the "browser" is PETREL_TEST_BROWSER (a script that follows the URL)
# or, with --no-browser, this test reading the URL from stderr. Then sync (XOAUTH2 at
# Dovecot) and send (XOAUTH2 at submission) work, a new process refreshes the token, and a
# revoked grant gives one clear line. The refresh token is never in a file.
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import subprocess
import sys
import tempfile
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clitest as C  # noqa: E402
from clitest import CLI, cli  # noqa: E402
import petrel_oauth2  # noqa: E402  (tests/support, on the path through clitest)

USER = 'alice'


def main():
    t = C.Tap()
    auth = petrel_oauth2.AuthorizationServer(USER).start()
    base = auth.base
    servers = C.start_servers(args=auth.introspection_args())
    if servers is None:
        auth.stop()
        return 77

    d = tempfile.mkdtemp(prefix='petrel-oauth2-')
    tmp = tempfile.mkdtemp(prefix='petrel-oauth2-browser-')
    alice, bob = servers.user(0), servers.user(1)
    try:
        with open(os.path.join(d, 'oauth2-providers.ini'), 'w') as f:
            f.write(auth.provider('petrel-test', 'Petrel Test', 'xoauth2',
                                  '127.0.0.1:%d' % servers.imaps_port, 'tls',
                                  '127.0.0.1:%d' % servers.smtp_port, 'starttls') +
                    auth.provider('petrel-bearer', 'Petrel Bearer', 'oauthbearer',
                                  '127.0.0.1:%d' % servers.imap_port, 'starttls',
                                  '127.0.0.1:%d' % servers.smtps_port, 'tls'))

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
        leaked = petrel_oauth2.leaked_tokens(auth, d)
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
        auth.stop()

    return t.finish()


if __name__ == '__main__':
    sys.exit(main())
