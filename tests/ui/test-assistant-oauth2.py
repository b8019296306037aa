#!/usr/bin/python3
# test-assistant-oauth2.py: the account assistant's OAuth2 path. The data dir's
# oauth2-providers.ini names a provider for the test domain whose authorization server is the
# loopback one of tests/support/petrel_oauth2.py (authorization code + PKCE, token
# introspection) and whose servers are the loopback Dovecot and submission server, which take
# its bearer tokens. The assistant asks no password, takes the provider's servers without
# discovery, and opens "the browser": the desktop's handler of https:// links, which this
# test's throwaway XDG dirs make a small script that requests the authorization URL and
# follows the redirect back to Petrel's loopback redirect URI. Then the login test uses XOAUTH2
# at IMAP and SMTP (the server certificates are pinned by "Trust This Certificate", as for a
# password), the account is saved with no token in any file, `petrel-cli` sees it and the main
# window syncs its Inbox.
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import petrelui  # noqa: E402
from petrelui import accounts_in  # noqa: E402

SEEDED = 7
SOURCE_ROOT = os.environ.get('PETREL_SOURCE_ROOT',
                             os.path.dirname(os.path.dirname(os.path.dirname(
                                 os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(SOURCE_ROOT, 'tests', 'support'))
import petrel_oauth2  # noqa: E402


BROWSER = '''#!/usr/bin/python3
# The desktop's https:// handler for this test: plays the person in the browser. It waits
# until the test has looked at the assistant, then opens the sign-in page, which redirects
# back to Petrel's loopback redirect URI.
import os, sys, time, urllib.request
with open(%(log)r, 'a') as f:
    f.write(sys.argv[1] + '\\n')
deadline = time.monotonic() + 60
while not os.path.exists(%(go)r) and time.monotonic() < deadline:
    time.sleep(0.1)
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
page = opener.open(sys.argv[1], timeout=30).read()
with open(%(log)r, 'a') as f:
    f.write('came back: %%d bytes\\n' %% len(page))
'''

DESKTOP = '''[Desktop Entry]
Type=Application
Name=Petrel Test Browser
Exec=%(browser)s %%u
MimeType=x-scheme-handler/http;x-scheme-handler/https;
NoDisplay=true
'''


def main():
    if not petrelui.have_display():
        return 77
    auth = petrel_oauth2.AuthorizationServer().start()
    base = auth.base
    servers = petrelui.start_servers(args=auth.introspection_args())
    if servers is None:
        auth.stop()
        return 77

    ok = petrelui.Tap()
    find = petrelui.find_showing
    try:
        servers.seed('alice', 'INBOX', count=SEEDED, seed=9)
        alice = servers.user(0)
        # The tokens are the login's: Dovecot's oauth2 passdb matches the introspected user
        # name with the one logging in, the assistant's default (the address).
        auth.user = alice['email']

        with tempfile.TemporaryDirectory(prefix='petrel-ui-') as data_dir, \
                tempfile.TemporaryDirectory(prefix='petrel-ui-xdg-') as xdg:
            with open(os.path.join(data_dir, 'oauth2-providers.ini'), 'w') as f:
                f.write(auth.provider('petrel-test', 'Petrel Test Mail', 'xoauth2',
                                      '127.0.0.1:%d' % servers.imaps_port, 'tls',
                                      '127.0.0.1:%d' % servers.smtp_port, 'starttls',
                                      domains='example.test'))

            # The desktop: an https:// handler (GIO's default for x-scheme-handler/https).
            browser = os.path.join(xdg, 'browser')
            browser_log = os.path.join(xdg, 'browser.log')
            go = os.path.join(xdg, 'go')
            with open(browser, 'w') as f:
                f.write(BROWSER % {'log': browser_log, 'go': go})
            os.chmod(browser, 0o755)
            apps = os.path.join(xdg, 'data', 'applications')
            os.makedirs(apps)
            with open(os.path.join(apps, 'petrel-test-browser.desktop'), 'w') as f:
                f.write(DESKTOP % {'browser': browser})
            # petrelui.App uses DATA_DIR/.config as XDG_CONFIG_HOME.
            config_dir = os.path.join(data_dir, '.config')
            os.makedirs(config_dir)
            with open(os.path.join(config_dir, 'mimeapps.list'), 'w') as f:
                f.write('[Default Applications]\n'
                        'x-scheme-handler/https=petrel-test-browser.desktop\n'
                        'x-scheme-handler/http=petrel-test-browser.desktop\n')
            env = {
                'XDG_DATA_HOME': os.path.join(xdg, 'data'),
                # Discovery is not needed; should it run, it stays on loopback.
                'PETREL_AUTOCONFIG_URL': base + '/no-autoconfig',
                'PETREL_ISPDB_URL': base + '/no-ispdb/',
            }

            with petrelui.App(data_dir, env=env) as app:
                window, form = petrelui.open_assistant(ok, app, 'Alice Liddell', alice['email'])
                if form is None:
                    return ok.finish()
                assistant = form.node
                press, shown = form.press, form.shown
                note = shown(prefix='Petrel Test Mail accounts sign in through your web browser',
                             timeout=10)
                ok.check(note is not None, 'an address of an OAuth2 provider says it signs in '
                                           'through the browser')
                ok.check(find(assistant, name='Password', role='text') is None and
                         find(assistant, name='Password', role='password text') is None,
                         'and asks no password')

                press('Next')
                source = shown(name='The settings of Petrel Test Mail', timeout=30)
                ok.check(source is not None, 'the provider’s own servers are used')
                port = shown(contains='Incoming Port', role='spin button', timeout=5)
                value = int(port.value) if port is not None else None
                ok.check(value == servers.imaps_port,
                         'its IMAP port is filled in (%r)' % value)
                ok.check(auth.counts['authorize'] == 0, 'nothing is signed in yet')

                ok.check(press('Sign In'), 'the button says “Sign In”')
                waiting = shown(name='Waiting for Your Browser', timeout=30)
                ok.check(waiting is not None, 'which waits for the browser')
                opened = app.wait_for(lambda: os.path.exists(browser_log) and
                                      open(browser_log).read(), timeout=30)
                url = opened.splitlines()[0] if opened else ''
                ok.check(url.startswith(base + '/authorize?') and 'code_challenge=' in url and
                         'redirect_uri=http%3A%2F%2F127.0.0.1' in url,
                         'the desktop’s https handler got the authorization URL (%s…)'
                         % url[:60])
                time.sleep(0.5)
                petrelui.keep_screenshot(petrelui.screenshot('assistant-oauth2', crop=assistant))
                open(go, 'w').close()

                # The servers' certificates are not trusted for the account: pin them.
                endpoints = []

                def next_step():
                    for name, kw in (('certificate', {'name': 'Untrusted Certificate'}),
                                     ('error', {'prefix': 'Signing in failed'}),
                                     ('done', {'name': 'Account Added'})):
                        if find(assistant, **kw) is not None:
                            return name
                    return None

                step = app.wait_for(next_step, timeout=90)
                while step == 'certificate' and len(endpoints) < 3:
                    where = find(assistant, prefix='127.0.0.1:', role='label')
                    endpoints.append(where.name if where is not None else None)
                    press('Trust This Certificate')
                    time.sleep(1)
                    app.wait_for(lambda: find(assistant, name='Untrusted Certificate') is None,
                                 timeout=10)
                    step = app.wait_for(next_step, timeout=90)
                ok.check(auth.counts['code'] == 1 and auth.counts['pkce_failures'] == 0,
                         'the browser came back: one code exchange, PKCE verified (%r)'
                         % auth.counts)
                ok.check(endpoints == ['127.0.0.1:%d' % servers.imaps_port,
                                       '127.0.0.1:%d' % servers.smtp_port],
                         'the certificates are asked about, IMAP then SMTP (%r)' % endpoints)
                ok.check(step == 'done', 'the login test passes and the account is saved (%r)'
                         % step)
                ok.check(auth.counts['introspect_active'] >= 2,
                         'IMAP and SMTP took the bearer token (%d introspections)'
                         % auth.counts['introspect_active'])
                ok.check(auth.counts['authorize'] == 1, 'one trip to the browser')

                ids = accounts_in(data_dir)
                ok.check(len(ids) == 1, 'one account in the data dir (%r)' % ids)
                ini = os.path.join(data_dir, 'accounts', ids[0], 'account.ini') if ids else ''
                text = open(ini).read() if os.path.exists(ini) else ''
                ok.check('oauth2' in text and 'petrel-test' in text,
                         'account.ini names the OAuth2 provider')
                leaked = petrel_oauth2.leaked_tokens(auth, data_dir)
                ok.check(leaked == [], 'no token in any file under the data dir')

                r = petrelui.cli(data_dir, '--json', 'account', 'list')
                listed = [json.loads(line) for line in r.stdout.decode().splitlines()
                          if line.strip()]
                ok.check(r.returncode == 0 and
                         [(a['id'], a['email']) for a in listed] == [(ids[0] if ids else None,
                                                                      alice['email'])],
                         '`petrel-cli account list` shows the account (%r)' % listed)

                ok.check(press('Done'), '“Done” closes the assistant')
                inbox = app.wait_for(lambda: find(window, prefix='%d messages' % SEEDED,
                                                  role='label'), timeout=90)
                ok.check(inbox is not None, 'the main window syncs it with XOAUTH2: its Inbox '
                                            'holds %d messages' % SEEDED)
                r = petrelui.cli(data_dir, '--json', 'list', ids[0] if ids else '-', 'INBOX')
                rows = [line for line in r.stdout.decode().splitlines() if line.strip()]
                ok.check(r.returncode == 0 and len(rows) == SEEDED,
                         '`petrel-cli list` reads the same %d messages' % len(rows))
                petrelui.screenshot('assistant-oauth2-synced', crop=window)
                ok.check(app.process.poll() is None, 'petrel still running')
    finally:
        servers.stop()
        auth.stop()
    return ok.finish()


if __name__ == '__main__':
    sys.exit(main())
