# petrelui.py: shared helpers for Petrel's UI tests (dogtail over AT-SPI, screenshots, TAP).
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import shutil
import subprocess
import sys
import time

os.environ.setdefault('GTK_A11Y', 'atspi')

from dogtail import config as dogtail_config  # noqa: E402

dogtail_config.config.searchShowingOnly = False
dogtail_config.config.defaultDelay = 0.2
dogtail_config.config.searchBackoffDuration = 0.2
dogtail_config.config.searchCutoffCount = 10
dogtail_config.config.logDebugToFile = False
dogtail_config.config.logDebugToStdOut = False
# The test session has no dconf: accessibility is on because the a11y bus of our own
# dbus-run-session is there, not because of a desktop setting.
dogtail_config.config.checkForA11y = False

from dogtail import tree  # noqa: E402
from dogtail.predicate import GenericPredicate  # noqa: E402


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def check(self, cond, what):
        self.n += 1
        # A description holding a line break (an error message shown in the UI) would end the
        # TAP line early and make the rest unparseable.
        what = ' '.join(str(what).split())
        if cond:
            print('ok %d - %s' % (self.n, what), flush=True)
        else:
            self.failed += 1
            print('not ok %d - %s' % (self.n, what), flush=True)
        return cond

    def finish(self):
        print('1..%d' % self.n, flush=True)
        return 1 if self.failed else 0


def artefact_dir():
    d = os.path.join(os.environ.get('PETREL_BUILD_ROOT', '.'), 'tests', 'ui', 'artefacts')
    os.makedirs(d, exist_ok=True)
    return d


def screenshot(name, crop=None):
    """Save what a person sees (the whole X screen) as artefacts/NAME.png. With CROP, a frame
    node or (x, y, width, height), only that part (the window: there is no window manager, so
    it sits at 0,0)."""
    path = os.path.join(artefact_dir(), name + '.png')
    importer = shutil.which('import')
    if importer is None:
        return None
    time.sleep(0.5)  # let the frame settle
    args = [importer, '-window', 'root']
    if crop is not None:
        if not isinstance(crop, tuple):
            crop = tuple(crop.position) + tuple(crop.size)
        x, y, w, h = crop
        args += ['-crop', '%dx%d+%d+%d' % (w, h, max(x, 0), max(y, 0)), '+repage']
    r = subprocess.run(args + [path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return path if r.returncode == 0 and os.path.exists(path) else None


def keep_screenshot(path, name=None):
    """Copy the screenshot PATH (as screenshot() returns it; None does nothing) into
    data/screenshots as NAME (by default its own file name): what a person judges Petrel by."""
    if path is not None:
        shutil.copyfile(path, os.path.join(os.environ.get('PETREL_SOURCE_ROOT', '.'), 'data',
                                           'screenshots', name or os.path.basename(path)))


def count_colours(path, area):
    """How many different colours the screenshot PATH has in AREA (x, y, width, height): a
    blank widget has one or two, rendered text and pictures many."""
    convert = shutil.which('convert')
    if convert is None or path is None:
        return None
    x, y, w, h = area
    r = subprocess.run([convert, path, '-crop', '%dx%d+%d+%d' % (w, h, x, y), '+repage',
                        '-format', '%k', 'info:'], capture_output=True, text=True)
    try:
        return int(r.stdout.strip())
    except ValueError:
        return None


def webkit_sandbox_works():
    """WebKitGTK confines its web processes with bubblewrap. In containers without user
    namespaces bwrap cannot start and every web view stays blank, so the tests then run the
    app with WebKit's sandbox off (its documented switch, only ever set here)."""
    bwrap = shutil.which('bwrap')
    if bwrap is None:
        return True   # WebKit then decides for itself
    r = subprocess.run([bwrap, '--ro-bind', '/', '/', '--unshare-all', 'true'],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return r.returncode == 0


def walk(node, pred, showing=True, limit=None):
    """All nodes under NODE (depth first) for which PRED(node) is true. With SHOWING, only
    what is on screen: GTK 4.8 reports no SHOWING state, so a node counts as shown when it and
    its ancestors have a non-empty area (hidden stack pages have none; a closed GtkRevealer has
    none while its child keeps its last size)."""
    found = []

    def area(n):
        try:
            w, h = n.size
            return w > 0 and h > 0
        except Exception:
            return None   # no Component interface (GtkStackPage): look inside

    def visit(n):
        try:
            children = n.children
        except Exception:
            return
        for c in children:
            shown = area(c) if showing else True
            if showing and shown is False:
                continue
            try:
                ok = shown is not None and pred(c)
            except Exception:
                ok = False
            if ok:
                found.append(c)
                if limit is not None and len(found) >= limit:
                    return
            visit(c)
            if limit is not None and len(found) >= limit:
                return

    visit(node)
    return found


def find_showing(node, name=None, role=None, prefix=None, contains=None):
    """The first node on screen with that exact NAME, name starting with PREFIX or containing
    CONTAINS, and ROLE."""
    def pred(n):
        if role is not None and n.roleName != role:
            return False
        nm = n.name or ''
        if name is not None and nm != name:
            return False
        if prefix is not None and not nm.startswith(prefix):
            return False
        if contains is not None and contains not in nm:
            return False
        return True
    found = walk(node, pred, limit=1)
    return found[0] if found else None


def scroll_into_view(node, view, tries=30):
    """Scroll VIEW (a scrollable list) with the mouse wheel until NODE is inside it. Returns
    whether it is. Rows of a GtkListView exist a little beyond what is shown, so a node can be
    found and still be out of sight (a click there would miss)."""
    from dogtail import rawinput
    for _ in range(tries):
        try:
            (vx, vy), (vw, vh) = view.position, view.size
            (_, ny), (_, nh) = node.position, node.size
        except Exception:
            return False
        if ny >= vy and ny + nh <= vy + vh:
            return True
        button = 5 if ny + nh > vy + vh else 4   # wheel down, wheel up
        rawinput.click(vx + vw // 2, vy + vh // 2, button)
        time.sleep(0.2)
    return False


def node_text(node):
    """The text of a text node (AT-SPI Text interface), or ''."""
    try:
        return node.text or ''
    except Exception:
        return ''


class App:
    """Runs the real petrel binary with its own data dir and finds it on the a11y bus."""

    def __init__(self, data_dir, args=(), timeout=30, env=None):
        self.data_dir = data_dir
        self.extra_env = dict(env or {})
        self.args = list(args)
        self.timeout = timeout
        self.process = None
        self.root = None

    def __enter__(self):
        env = dict(os.environ)
        env['PETREL_DATA_DIR'] = self.data_dir
        env.pop('G_DEBUG', None)  # GTK's own warnings under Xvfb must not kill the app
        # Look like a GNOME desktop: its interface font (GTK reads settings.ini when there is
        # no settings daemon), whatever the fontconfig default of the machine is.
        self.config_dir = os.path.join(self.data_dir, '.config')
        os.makedirs(os.path.join(self.config_dir, 'gtk-4.0'), exist_ok=True)
        with open(os.path.join(self.config_dir, 'gtk-4.0', 'settings.ini'), 'w') as f:
            f.write('[Settings]\ngtk-font-name=Cantarell 11\n')
        env['XDG_CONFIG_HOME'] = self.config_dir
        if not webkit_sandbox_works():
            env['WEBKIT_DISABLE_SANDBOX_THIS_IS_DANGEROUS'] = '1'
        env.update(self.extra_env)
        exe = os.environ.get('PETREL_APP', 'petrel')
        # One log per test script, so that the last test does not hide the others' logs.
        script = os.path.splitext(os.path.basename(sys.argv[0]))[0] or 'petrel'
        self.log = open(os.path.join(artefact_dir(), 'petrel-%s.log' % script), 'w')
        self.process = subprocess.Popen([exe] + self.args, env=env,
                                        stdout=self.log, stderr=subprocess.STDOUT)
        self.root = self.wait_for(self._find_app)
        if self.root is None:
            raise RuntimeError('petrel did not appear on the accessibility bus')
        return self

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        return False

    def _find_app(self):
        if self.process.poll() is not None:
            raise RuntimeError('petrel exited with status %d' % self.process.returncode)
        for app in tree.root.children:
            try:
                if app.name in ('petrel', 'Petrel', 'org.petrelmail.Petrel'):
                    return app
            except Exception:
                continue
        return None

    def wait_for(self, func, timeout=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        while time.monotonic() < deadline:
            try:
                v = func()
            except RuntimeError:
                raise
            except Exception:
                v = None
            if v:
                return v
            time.sleep(0.2)
        return None

    def wait_for_window(self, name):
        def find():
            for w in self.root.children:
                if w.name == name or w.name.startswith(name):
                    return w
            return None
        return self.wait_for(find)

    def find(self, node, name=None, role=None):
        try:
            return node.findChild(GenericPredicate(name=name, roleName=role),
                                  retry=False, requireResult=False)
        except Exception:
            return None


def have_display():
    """Whether there is a display to run the app on; if not, prints TAP's skip line (the test
    then returns 77)."""
    if os.environ.get('DISPLAY') or os.environ.get('WAYLAND_DISPLAY'):
        return True
    print('1..0 # SKIP no display (build-aux/test runs the UI tests under xvfb-run)')
    return False


APP_ID = 'org.petrelmail.Petrel'


def have_session_bus():
    """Whether gdbus(1) can reach Petrel over the session bus; if not, prints TAP's skip line
    (the test then returns 77)."""
    if shutil.which('gdbus') is not None and os.environ.get('DBUS_SESSION_BUS_ADDRESS'):
        return True
    print('1..0 # SKIP no session bus (build-aux/keyring-session provides one)')
    return False


def window_actions(method, *args, path='/org/petrelmail/Petrel/window/1'):
    """Call METHOD (Describe, Activate…) of the org.gtk.Actions the running Petrel exports at
    PATH (its first window's) with ARGS in GVariant text, with gdbus(1); the finished run, its
    output as text."""
    return subprocess.run(['gdbus', 'call', '--session', '--dest', APP_ID, '--object-path', path,
                           '--method', 'org.gtk.Actions.' + method] + list(args),
                          capture_output=True, text=True, timeout=20)


def activate(action, variant=None, path='/org/petrelmail/Petrel/window/1'):
    """Activate the action ACTION of the running Petrel (by default a window action) over
    D-Bus, the way the drop handlers and menus do; VARIANT is its parameter in GVariant text,
    or None. Whether that worked."""
    r = window_actions('Activate', action,
                       '[<%s>]' % variant if variant is not None else '@av []', '{}', path=path)
    if r.returncode != 0:
        print('# gdbus: %s' % r.stderr.strip())
    return r.returncode == 0


def undo(window):
    """Undo the last change: the Undo button of WINDOW's toast, or win.undo-last (Ctrl+Z) once
    the toast is gone."""
    button = find_showing(window, contains='Undo', role='push button')
    if button is not None:
        button.click()
    else:
        activate('undo-last')


def start_servers(**kwargs):
    """The real loopback servers (tests/support/petrel_servers.py), started; None after
    printing TAP's skip line when there is no display or this machine cannot run them (the
    test then returns 77)."""
    if not have_display():
        return None
    sys.path.insert(0, os.path.join(os.environ.get('PETREL_SOURCE_ROOT', '.'), 'tests',
                                    'support'))
    import petrel_servers
    try:
        return petrel_servers.TestServers(**kwargs).start()
    except petrel_servers.Unavailable as e:
        print('1..0 # SKIP %s' % e)
        return None


def run_with_servers(test, **kwargs):
    """The whole of a UI test against the loopback servers: start them (KWARGS as
    TestServers takes them), call TEST(ok, servers) with a new Tap, stop them. Returns the
    test's exit status (77 when it is skipped)."""
    servers = start_servers(**kwargs)
    if servers is None:
        return 77
    ok = Tap()
    try:
        test(ok, servers)
    finally:
        servers.stop()
    return ok.finish()


def cli(data_dir, *args, stdin=None, timeout=120):
    """Run `petrel-cli --data-dir DATA_DIR ARGS…`, its output captured."""
    exe = os.environ.get('PETREL_CLI', 'petrel-cli')
    return subprocess.run([exe, '--data-dir', data_dir] + list(args), capture_output=True,
                          input=stdin, timeout=timeout)


def add_account(data_dir, servers, user, account_id='alice', name='Alice at the lab'):
    """Add USER of the loopback SERVERS with petrel-cli (IMAP over TLS, submission with
    STARTTLS, the servers' test CA, the password on stdin)."""
    return cli(data_dir, 'account', 'add', '--id', account_id, '--email', user['email'],
               '--name', name,
               '--imap', '127.0.0.1:%d' % servers.imaps_port, '--imap-security', 'tls',
               '--smtp', '127.0.0.1:%d' % servers.smtp_port, '--smtp-security', 'starttls',
               '--user', user['user'], '--ca-file', servers.ca_file, '--password-stdin',
               stdin=user['password'].encode())


def accounts_in(data_dir):
    """The ids of the accounts saved in DATA_DIR, sorted."""
    d = os.path.join(data_dir, 'accounts')
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


class Form:
    """The controls of NODE (a dialog, or the account assistant) of APP, found by their
    accessible names once they show."""

    def __init__(self, app, node):
        self.app = app
        self.node = node

    def shown(self, timeout=30, **kw):
        """The control matching KW (as find_showing takes them) once it shows, or None."""
        return self.app.wait_for(lambda: find_showing(self.node, **kw), timeout=timeout)

    def type_into(self, name, text, role='text'):
        """Click the field NAME, select all it holds and type TEXT over it."""
        from dogtail import rawinput
        field = self.shown(timeout=None, name=name, role=role)
        field.click()
        rawinput.keyCombo('<Control>a')
        rawinput.typeText(text)
        return field

    def press(self, name, timeout=30):
        """Click the button NAME; whether there was one."""
        button = self.shown(name=name, role='push button', timeout=timeout)
        if button is not None:
            # The button's own action: a pointer click near the bottom edge of the window can
            # miss under Xvfb without a window manager.
            button.doActionNamed('click')
        return button is not None


def add_and_sync(ok, data_dir, servers, user, **kwargs):
    """add_account() of USER (KWARGS as it takes them), then its first sync with petrel-cli,
    each a check of the Tap OK."""
    r = add_account(data_dir, servers, user, **kwargs)
    ok.check(r.returncode == 0, 'account added (%s)' % r.stderr.decode().strip())
    r = cli(data_dir, 'sync', kwargs.get('account_id', 'alice'))
    ok.check(r.returncode == 0, 'first sync (%s)' % r.stderr.decode().strip())


def open_from_main_menu(app, window, item_name):
    """Click WINDOW's main menu button, then its item ITEM_NAME. Returns the item, or None
    when the menu has no such item."""
    menu = app.wait_for(lambda: find_showing(window, name='Main Menu', role='push button'))
    menu.click()
    item = app.wait_for(lambda: next(iter(walk(
        app.root, lambda n: n.name == item_name and n.roleName == 'menu item', limit=1)),
        None), timeout=10)
    if item is not None:
        item.doActionNamed('click')
    return item


def open_assistant(ok, app, name, email):
    """Open the account assistant from the main menu of APP's main window and type NAME and
    EMAIL into it, checking with the Tap OK that it opens. Returns the main window and a Form
    of the assistant (None when it did not open)."""
    window = app.wait_for_window('Petrel')
    item = open_from_main_menu(app, window, 'Add an Account…')
    ok.check(item is not None, 'the main menu has “Add an Account…”')
    assistant = app.wait_for_window('Add Account')
    if not ok.check(assistant is not None, 'it opens the account assistant'):
        return window, None
    form = Form(app, assistant)
    form.type_into('Your Name', name)
    form.type_into('Email Address', email)
    return window, form


def imap_login(servers, user):
    """An IMAP connection to the loopback SERVERS, logged in as USER."""
    import imaplib
    m = imaplib.IMAP4_SSL(servers.host, servers.imaps_port, ssl_context=servers.ssl_context())
    m.login(user['user'], user['password'])
    return m


def append_message(servers, user, raw, folder='INBOX'):
    """Append the message RAW (bytes) to USER's FOLDER on the loopback SERVERS."""
    m = imap_login(servers, user)
    m.append(folder, None, None, raw)
    m.logout()


def mailbox(servers, user, folder='INBOX'):
    """USER's messages in FOLDER on the loopback SERVERS (read-only), each a dict of 'flags'
    (the IMAP flags), 'raw' (bytes) and 'msg' (an email.message.EmailMessage)."""
    import email
    import email.policy
    import re
    m = imap_login(servers, user)
    typ, _ = m.select('"%s"' % folder, readonly=True)
    out = []
    if typ == 'OK':
        typ, data = m.uid('FETCH', '1:*', '(UID FLAGS BODY.PEEK[])')
        for item in data or []:
            if isinstance(item, tuple):
                flags = re.search(r'FLAGS \(([^)]*)\)', item[0].decode()).group(1).split()
                msg = email.message_from_bytes(item[1], policy=email.policy.default)
                out.append({'flags': flags, 'raw': item[1], 'msg': msg})
    m.logout()
    return out


def inbox_flags(servers, user):
    """{subject: IMAP flags} of USER's INBOX on the loopback SERVERS."""
    return {m['msg']['subject']: m['flags'] for m in mailbox(servers, user)}


def two_accounts(ok, servers, data_dir, messages, folders=(), text='About %s.'):
    """The first two users of the loopback SERVERS, alice and bob: MESSAGES, each (0 or 1,
    subject, date), from Quinn Query in the INBOX of that user, their text TEXT % the subject
    (each of FOLDERS created first where a user lacks it); then both added to DATA_DIR with
    petrel-cli as 'alice' (“Alice at the lab”) and 'bob' (“Bob at home”), each a check of the
    Tap OK. Returns [alice, bob]."""
    users = [servers.user(0), servers.user(1)]
    for user in users:
        m = imap_login(servers, user)
        try:
            for folder in folders:
                if folder not in str(m.list()[1]):
                    m.create(folder)
            for index, subject, date in messages:
                if users[index] is user:
                    raw = ('From: Quinn Query <quinn@example.test>\r\nTo: %s\r\nSubject: %s\r\n'
                           'Date: %s\r\nMessage-ID: <%s@example.test>\r\n'
                           'Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n'
                           % (user['email'], subject, date, subject.replace(' ', '.').lower(),
                              text % subject))
                    m.append('INBOX', None, None, raw.encode())
        finally:
            m.logout()
    for user, account_id, name in ((users[0], 'alice', 'Alice at the lab'),
                                   (users[1], 'bob', 'Bob at home')):
        r = add_account(data_dir, servers, user, account_id, name)
        ok.check(r.returncode == 0, 'petrel-cli account add %s (%s)'
                 % (account_id, r.stderr.decode().strip()))
    return users


def with_subject(msgs, subject):
    """The messages of MSGS (as mailbox() gives them) with the subject SUBJECT."""
    return [x for x in msgs if x['msg']['subject'] == subject]


def check_reply(ok, app, servers, to_user, subject, parent, ancestors=()):
    """Wait for the reply SUBJECT in TO_USER's INBOX on the loopback SERVERS and check, with
    the Tap OK, that it came once, to them, with In-Reply-To PARENT and References naming
    ANCESTORS and PARENT (Message-IDs). Returns the messages found, as mailbox() gives them."""
    got = app.wait_for(lambda: with_subject(mailbox(servers, to_user), subject), timeout=60)
    ok.check(got and len(got) == 1 and to_user['email'] in got[0]['msg']['To'],
             'the reply reaches the sender once')
    ok.check(got and got[0]['msg']['In-Reply-To'] == parent,
             'read back over IMAP, it carries In-Reply-To')
    refs = got[0]['msg']['References'] if got else ''
    ok.check(refs and all(r in refs for r in tuple(ancestors) + (parent,)),
             'and References (%r)' % refs)
    return got


def dump(node, depth=0):
    """The accessible tree under NODE on stderr, to see why a lookup failed."""
    try:
        sys.stderr.write('%s%s %r\n' % ('  ' * depth, node.roleName, node.name))
        for child in node.children:
            dump(child, depth + 1)
    except Exception:
        pass


def type_into(node, text):
    """Click NODE, then type TEXT into it with the keyboard."""
    from dogtail import rawinput
    node.click()
    time.sleep(0.2)
    rawinput.typeText(text)
