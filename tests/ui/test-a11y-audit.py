#!/usr/bin/python3
# test-a11y-audit.py: what a screen reader meets in Petrel, checked over AT-SPI (issue #11).
#
# Runs the real petrel on the demo mailbox and walks the whole accessibility tree of the main
# window, its menus and popovers, the keyboard shortcuts window and, where this build has them,
# the account assistant and the preferences (opened from the main menu); then, with an account
# (the demo mailbox cannot send), the composer. It fails on:
#
#  - a control without an accessible name: push, toggle and menu buttons, check boxes, radio
#    buttons, switches, entries, spin buttons, combo boxes, sliders, menu items (GTK 4.8 puts
#    the widget's type name, "GtkButton", where there is none: that counts as none);
#  - a message row whose name does not say its sender, subject and date as the row shows them,
#    or that does not say "Unread" exactly when the demo mailbox has the message unread;
#  - a message list or reading pane that keyboard focus cannot reach with Tab (F6 is tried as
#    well and reported).
#
# Every failure names the control by its role and the names of its ancestors. Unnamed controls
# that GTK or libadwaita build inside their own widgets (the shortcuts window's search, the
# password row's show button) are listed as TAP TODO: seen, blamed, not failing.
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import email
import email.policy
import email.utils
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import petrelui  # noqa: E402
import pyatspi  # noqa: E402
from dogtail import rawinput  # noqa: E402
from gi.repository import GLib  # noqa: E402

DEMO = os.path.join(os.environ.get('PETREL_SOURCE_ROOT',
                                   os.path.join(os.path.dirname(__file__), '..', '..')),
                    'data', 'demo')

# Roles a person operates, which a screen reader announces by name.
NAMED_ROLES = {
    'push button', 'toggle button', 'menu button', 'check box', 'radio button', 'switch',
    'entry', 'password text', 'spin button', 'combo box', 'slider', 'menu item',
    'check menu item', 'radio menu item', 'link',
}
# GTK's fallback name: the widget's type.
TYPE_NAME = re.compile(r'^(Gtk|Adw|Petrel|WebKit)[A-Z]\w*$')

# Buttons or menu items that open the other windows, where this build has them.
OTHER_WINDOWS = [
    ('account assistant', ('Add Account', 'Add an Account', 'Add Account…', 'Add an Account…')),
    ('preferences', ('Preferences', 'Preferences…', 'Settings')),
]


def safe(func, default=None):
    try:
        return func()
    except Exception:
        return default


def path_of(node, limit=6):
    """'frame “Petrel” › panel › push button' for failure messages."""
    parts = []
    n = node
    while n is not None and len(parts) < limit:
        role = safe(lambda: n.roleName, '?')
        name = safe(lambda: n.name, '')
        parts.append('%s “%s”' % (role, name) if name else role)
        n = safe(lambda: n.parent)
        if safe(lambda: n.roleName) == 'application':
            break
    return ' › '.join(reversed(parts))


REPORTED = set()

# Unnamed controls that GTK 4.8 and libadwaita 1.2 build inside their own composite widgets,
# out of Petrel's reach: reported as TAP TODO (seen, not failing) with the widget to blame.
# (where the audit is, pattern of the control's path, whose it is)
TOOLKIT_INTERNAL = [
    ('shortcuts window', r'(entry “GtkSearchEntry”|push button “Gtk\w+”)$',
     'GtkShortcutsWindow’s own search and section buttons (GTK 4.8)'),
    ('preferences window', r'(entry “GtkSearchEntry”|push button “GtkImage”)$',
     'AdwPreferencesWindow’s own search (libadwaita 1.2)'),
    ('', r'text “[^”]+” › panel › panel › push button “GtkImage”$',
     'AdwPasswordEntryRow’s own show-password button (libadwaita 1.2)'),
    ('', r'filler “GtkInfoBar” › panel › panel › push button “GtkImage”$',
     'GtkInfoBar’s own close button (GTK 4.8): a labelled button of Petrel’s would fix it'),
]


def toolkit_internal(where, path):
    for place, pattern, whose in TOOLKIT_INTERNAL:
        if where.startswith(place) and re.search(pattern, path):
            return whose
    return None


def has_name(node):
    name = (safe(lambda: node.name, '') or '').strip()
    return bool(name) and not TYPE_NAME.match(name)


def audit_names(ok, root, where):
    """One check per unnamed control under ROOT, and per widget of Petrel's named by its type
    (GTK 4.8's fallback: "PetrelSidebarRow" is what a screen reader would say); one summary
    check. Returns the controls' names."""
    controls = []
    typed = []

    def pred(n):
        name = n.name or ''
        if name.startswith('Petrel') and TYPE_NAME.match(name):
            typed.append(n)
        if n.roleName in NAMED_ROLES:
            controls.append(n)
        return False
    petrelui.walk(root, pred, showing=False)
    unnamed = []
    # Each problem once, where it is first seen (a menu's audit sees the window again).
    for n in controls:
        if has_name(n):
            continue
        path = path_of(n)
        whose = toolkit_internal(where, path)
        what = '%s has an accessible name' % path
        if what in REPORTED:
            continue
        REPORTED.add(what)
        if whose is not None:
            ok.n += 1
            print('not ok %d - %s: %s # TODO %s' % (ok.n, where, what, whose), flush=True)
        else:
            unnamed.append(n)
            ok.check(False, '%s: %s' % (where, what))
    for n in typed:
        what = '%s is named as shown, not by its type' % path_of(n)
        if what not in REPORTED:
            REPORTED.add(what)
            ok.check(False, '%s: %s' % (where, what))
    ok.check(len(controls) > 0 and not unnamed and not typed,
             '%s: all %d controls of Petrel’s have accessible names' % (where, len(controls)))
    return [n.name for n in controls]


def parse(path):
    with open(path, 'rb') as f:
        return email.message_from_binary_file(f, policy=email.policy.default)


def inbox_messages():
    """{subject: (sender display name, unread)} of the demo Inbox."""
    with open(os.path.join(DEMO, 'flags.json')) as f:
        flags = json.load(f)
    out = {}
    for path in sorted(glob.glob(os.path.join(DEMO, 'INBOX', '*.eml'))):
        msg = parse(path)
        name, addr = email.utils.parseaddr(str(msg['from']))
        unread = '\\Seen' not in flags.get('INBOX/' + os.path.basename(path), [])
        out[str(msg['subject'])] = (name or addr, unread)
    return out


def audit_rows(ok, window, inbox):
    view = petrelui.find_showing(window, name='Messages', role='list')
    if not ok.check(view is not None, 'the message list is a list named “Messages”'):
        return
    items = [c for c in safe(lambda: view.children, []) if c.roleName == 'list item']
    checked = read = unread = 0
    bad = []
    for item in items:
        # What a screen reader announces when the row has focus: the list item's name and
        # description, or those of the row widget it holds.
        nodes = [item] + list(safe(lambda: item.children, []))
        named = [n for n in nodes if has_name(n)]
        said = ' '.join([n.name for n in named] +
                        [safe(lambda: n.description, '') or '' for n in nodes])
        labels = [n.name for n in petrelui.walk(item, lambda n: n.roleName == 'label',
                                                showing=False) if n.name]
        subject = next((s for s in labels if s in inbox), None)
        if subject is None:
            continue
        sender, is_unread = inbox[subject]
        # The row's date: the label just before the subject (sender, count, date, subject,
        # snippet), not the count.
        before = [s for s in labels[:labels.index(subject)] if not s.isdigit()]
        date = before[-1] if len(before) >= 2 else None
        missing = []
        if not named:
            missing.append('any accessible name')
        for what, text in (('subject', subject), ('date', date)):
            if text is None or text not in said:
                missing.append('%s “%s”' % (what, text))
        # A conversation row shows its participants; a single message its sender.
        if not any(s in said for s in (sender, sender.split()[0] if sender else '')):
            missing.append('sender “%s”' % sender)
        says_unread = re.search(r'\bUnread\b', said) is not None
        conversation = any(s.isdigit() for s in labels)
        if is_unread and not says_unread:
            missing.append('the unread state')
        if not is_unread and says_unread and not conversation:
            missing.append('nothing about unread (it is read)')
        checked += 1
        read += not is_unread
        unread += is_unread
        if missing:
            bad.append('“%s” lacks %s (it says “%s”)' % (subject, ', '.join(missing), said))
    for b in bad:
        ok.check(False, 'message row %s' % b)
    ok.check(checked >= 5 and read and unread and not bad,
             'the %d message rows checked (%d unread, %d read) say sender, subject, date '
             'and unread state' % (checked, unread, read))


class FocusTracker:
    """The node that last took keyboard focus, from AT-SPI's focus events (what a screen
    reader follows), rather than from searching the tree after every key."""

    def __init__(self):
        self.last = None
        pyatspi.Registry.registerEventListener(self._on_focus, 'object:state-changed:focused')

    def _on_focus(self, event):
        if event.detail1:
            self.last = event.source

    def after(self, key, settle=0.3):
        """Press KEY, let the events arrive, and return the focused node."""
        rawinput.pressKey(key)
        end = time.monotonic() + settle
        context = GLib.MainContext.default()
        while time.monotonic() < end:
            while context.pending():
                context.iteration(False)
            time.sleep(0.02)
        return self.last


def region_of(node, view, reader_top):
    """'list', 'reader' or 'other': where NODE is."""
    if node is None:
        return 'none'
    n = node
    while n is not None:
        if n == view:
            return 'list'
        if safe(lambda: n.roleName) in ('frame', 'application'):
            break
        n = safe(lambda: n.parent)
    if node.name == 'Message body':
        return 'reader'
    (x, y), (vx, _), (vw, _) = node.position, view.position, view.size
    if x >= vx + vw and reader_top is not None and y >= reader_top:
        return 'reader'
    return 'other'


def describe(node):
    if node is None:
        return 'nothing'
    return '%s “%s”' % (node.roleName, node.name)


def audit_focus(ok, app, window, subject, tracker):
    find = petrelui.find_showing
    view = find(window, name='Messages', role='list')
    # The reading pane's top: its subject heading, right of the list.
    heads = [n for n in petrelui.walk(window, lambda n: n.roleName == 'label' and
                                      n.name == subject)
             if view is not None and n.position[0] >= view.position[0] + view.size[0]]
    if not ok.check(view is not None and bool(heads), 'the reading pane shows “%s”' % subject):
        return
    reader_top = heads[0].position[1] - 8

    for key, presses in (('Tab', 40), ('F6', 8)):
        # From the folder list: click the Inbox row there.
        inbox = find(window, name='Inbox', role='label')
        if inbox is not None:
            inbox.click()
        node = tracker.after('Shift_L')   # lets the click's focus event arrive
        trail = ['start=%s' % describe(node)]
        reached = set()
        for _ in range(presses):
            node = tracker.after(key)
            r = region_of(node, view, reader_top)
            trail.append('%s=%s' % (r, describe(node)))
            reached.add(r)
            if {'list', 'reader'} <= reached:
                break
        text = 'from the folder list, %s reaches the message list and the reading pane' % key
        if key == 'Tab':
            ok.check({'list', 'reader'} <= reached, text)
        else:
            # Reported, not required: GtkPaned gives F6 to panes, libadwaita's layouts do not.
            print('# %s: %s' % (text, 'yes' if {'list', 'reader'} <= reached else 'no'),
                  flush=True)
        print('# %s went: %s' % (key, ' → '.join(trail)), flush=True)


def open_windows(app):
    return [w for w in safe(lambda: app.root.children, [])
            if w.roleName in ('frame', 'dialog', 'window', 'file chooser')]


def main():
    if not os.environ.get('DISPLAY') and not os.environ.get('WAYLAND_DISPLAY'):
        print('1..0 # SKIP no display (build-aux/test runs the UI tests under xvfb-run)')
        return 77
    if not os.path.isdir(os.path.join(DEMO, 'INBOX')):
        print('1..0 # SKIP no demo mailbox in %s' % DEMO)
        return 77

    inbox = inbox_messages()
    ok = petrelui.Tap()
    tracker = FocusTracker()
    find = petrelui.find_showing

    with tempfile.TemporaryDirectory(prefix='petrel-a11y-') as data_dir:
        with petrelui.App(data_dir) as app:
            window = app.wait_for_window('Petrel')
            if not ok.check(window is not None, 'the main window appears'):
                return ok.finish()
            some = next(iter(inbox))
            app.wait_for(lambda: find(window, name=some, role='label') or
                         find(window, name='Messages', role='list'))
            time.sleep(1)

            # 1. The main window as it opens.
            audit_names(ok, window, 'main window')
            audit_rows(ok, window, inbox)

            # 2. A message open in the reading pane: its controls too.
            subject = 'Sprint 47 review notes and next steps'
            row = find(window, name=subject, role='label')
            view = find(window, name='Messages', role='list')
            if row is not None and view is not None and petrelui.scroll_into_view(row, view):
                row.click()
            body = app.wait_for(lambda: find(window, name='Message body'))
            ok.check(body is not None, 'clicking a row opens it in the reading pane')
            controls = audit_names(ok, window, 'main window with a message open')

            # 3. Menus and popovers, opened by their buttons.
            def innermost(name):
                found = [b for b in petrelui.walk(window, lambda n: n.name == name and
                                                  n.roleName in NAMED_ROLES)
                         if not petrelui.walk(b, lambda n: n.name == name)]
                return found[0] if found else None

            def count_shown():
                return len(petrelui.walk(app.root, lambda n: True))

            def open_main_menu():
                button = innermost('Main Menu')
                if button is None:
                    return []
                button.click()
                return app.wait_for(lambda: [n.name for n in petrelui.walk(
                    app.root, lambda n: n.roleName.endswith('menu item'))], timeout=10) or []

            menu_names = []
            for name in ('Main Menu', 'More Actions'):
                button = innermost(name)
                if not ok.check(button is not None, 'the “%s” button is on screen' % name):
                    continue
                if name == 'Main Menu':
                    menu_names = open_main_menu()
                    opened = bool(menu_names)
                else:
                    shown = count_shown()
                    button.click()
                    opened = app.wait_for(lambda: count_shown() > shown, timeout=10)
                if ok.check(opened, 'the “%s” button opens its menu' % name):
                    audit_names(ok, app.root, '“%s” menu' % name)
                rawinput.pressKey('Escape')
                time.sleep(0.5)

            def open_by_menu(item_name):
                """Click the main menu's item ITEM_NAME; the new top-level window, or None."""
                known = set(w.name for w in open_windows(app))
                if item_name not in open_main_menu():
                    rawinput.pressKey('Escape')
                    return None
                item = next(iter(petrelui.walk(app.root, lambda n: n.name == item_name and
                                               n.roleName.endswith('menu item'), limit=1)),
                            None)
                # Its AT-SPI action, as a screen reader user would: GTK 4.8 places popovers
                # where the pointer cannot find them without a window manager.
                item.doActionNamed('click')
                return app.wait_for(lambda: next((w for w in open_windows(app)
                                                  if w.name not in known), None), timeout=10)

            def close(win):
                rawinput.pressKey('Escape')
                time.sleep(0.5)
                if win.name in [w.name for w in open_windows(app)]:
                    rawinput.keyCombo('<Control>w')
                    time.sleep(0.5)

            # 4. The keyboard shortcuts window, from the main menu (or Ctrl+?).
            if 'Keyboard Shortcuts' in menu_names:
                shortcuts = open_by_menu('Keyboard Shortcuts')
            else:
                known = set(w.name for w in open_windows(app))
                rawinput.keyCombo('<Control><Shift>question')
                shortcuts = app.wait_for(lambda: next((w for w in open_windows(app)
                                                       if w.name not in known), None),
                                         timeout=10)
            if ok.check(shortcuts is not None, 'the keyboard shortcuts window opens'):
                ok.check(has_name(shortcuts), 'it has a title: “%s”' % shortcuts.name)
                audit_names(ok, shortcuts, 'shortcuts window')
                close(shortcuts)

            # 5. The other windows, where this build has them: from the main menu or a button.
            for what, names in OTHER_WINDOWS:
                win = None
                name = next((n for n in names if n in menu_names), None)
                if name is not None:
                    win = open_by_menu(name)
                else:
                    name = next((n for n in names if n in controls), None)
                    button = innermost(name) if name is not None else None
                    if button is None:
                        ok.n += 1
                        print('ok %d - the %s window # SKIP not in this build' % (ok.n, what),
                              flush=True)
                        continue
                    known = set(w.name for w in open_windows(app))
                    button.click()
                    win = app.wait_for(lambda: next((w for w in open_windows(app)
                                                     if w.name not in known), None),
                                       timeout=10)
                if ok.check(win is not None, '“%s” opens the %s window' % (name, what)):
                    ok.check(has_name(win), 'the %s window has a title: “%s”' % (what, win.name))
                    audit_names(ok, win, '%s window' % what)
                    close(win)

            # 6. Keyboard focus reaches the list and the reading pane.
            audit_focus(ok, app, window, subject, tracker)
            petrelui.screenshot('a11y-audit-end', crop=window)
            ok.check(app.process.poll() is None, 'petrel still running after the audit')

    # 7. The composer, which needs an account (the demo mailbox cannot send): one whose
    # servers refuse connections, enough to write a message.
    audit_composer(ok)
    return ok.finish()


def audit_composer(ok):
    cli = os.environ.get('PETREL_CLI', 'petrel-cli')
    with tempfile.TemporaryDirectory(prefix='petrel-a11y-') as data_dir:
        r = subprocess.run([cli, '--data-dir', data_dir, 'account', 'add', '--id', 'a11y',
                            '--email', 'ada@example.org', '--name', 'Ada Lovelace',
                            '--imap', '127.0.0.1:9', '--imap-security', 'none',
                            '--smtp', '127.0.0.1:9', '--smtp-security', 'none',
                            '--password-stdin'], input=b'not-a-real-password',
                           capture_output=True, timeout=60)
        if r.returncode != 0:
            ok.n += 1
            print('ok %d - the composer window # SKIP no account: %s'
                  % (ok.n, r.stderr.decode().strip()), flush=True)
            return
        with petrelui.App(data_dir) as app:
            window = app.wait_for_window('Petrel')
            if not ok.check(window is not None, 'the main window appears with an account'):
                return
            buttons = app.wait_for(lambda: [b for b in petrelui.walk(
                window, lambda n: n.name == 'New Message' and n.roleName in NAMED_ROLES)
                if not petrelui.walk(b, lambda n: n.name == 'New Message')])
            if not buttons:
                ok.n += 1
                print('ok %d - the composer window # SKIP no “New Message” button in this '
                      'build' % ok.n, flush=True)
                return
            known = set(w.name for w in open_windows(app))
            buttons[0].click()
            win = app.wait_for(lambda: next((w for w in open_windows(app)
                                             if w.name not in known), None), timeout=10)
            if ok.check(win is not None, '“New Message” opens the composer window'):
                ok.check(has_name(win), 'the composer window has a title: “%s”' % win.name)
                audit_names(ok, win, 'composer window')


if __name__ == '__main__':
    sys.exit(main())
