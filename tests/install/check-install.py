#!/usr/bin/python3
# check-install.py: `meson install` puts a working Petrel on disk, integrated with the desktop.
#
# Installs the build tree with `meson install --destdir` into a throwaway directory (the build
# tree's own prefix, so no second configure and build is needed), then checks what was
# installed, as a packager and a desktop would see it:
#
#  - the installed petrel-cli runs and prints the project's version;
#  - the desktop file passes desktop-file-validate, is DBusActivatable and handles mailto:;
#  - the AppStream metainfo passes `appstreamcli validate --no-net`;
#  - the installed GSettings schema compiles (glib-compile-schemas --strict);
#  - the app icon (scalable) and its symbolic variant sit at their hicolor paths;
#  - the manual pages petrel(1) and petrel-cli(1) are in man1 (when scdoc built them);
#  - the D-Bus service file names org.petrelmail.Petrel and Execs the installed petrel;
#  - a .mo catalogue per language of po/LINGUAS, with the translations in it;
#  - with the desktop file in a throwaway XDG data dir, `gio mime x-scheme-handler/mailto`
#    lists Petrel, and can make it the default mail handler;
#  - D-Bus activation: in a private dbus-run-session whose XDG_DATA_DIRS holds the installed
#    service file, org.freedesktop.Application.Activate starts the installed petrel, which
#    opens its window (needs a display: build-aux/test runs the suite under xvfb-run).
#
# Usage: check-install.py BUILD_ROOT SOURCE_ROOT PREFIX BINDIR DATADIR MANDIR LOCALEDIR VERSION
#        [MAN_PAGE…]
# (the directories as meson's options: BINDIR etc. relative to PREFIX or absolute). TAP output.
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import configparser
import os
import shutil
import subprocess
import sys
import tempfile

APP_ID = 'org.petrelmail.Petrel'
APP_PATH = '/org/petrelmail/Petrel'


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
            if detail:
                for line in str(detail).strip().splitlines()[-30:]:
                    print('# ' + line, flush=True)
        return cond

    def skip(self, what, why):
        self.n += 1
        print('ok %d - %s # SKIP %s' % (self.n, what, why), flush=True)

    def finish(self):
        print('1..%d' % self.n, flush=True)
        return 1 if self.failed else 0


def run(args, env=None, timeout=60, **kw):
    try:
        return subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout,
                              **kw)
    except subprocess.TimeoutExpired as e:
        return subprocess.CompletedProcess(args, 124, e.stdout or '', 'timed out after %ds'
                                           % timeout)


def clean_env(**extra):
    """The test's environment without what would point tools at the build tree."""
    env = dict(os.environ)
    for k in ('GSETTINGS_SCHEMA_DIR', 'PETREL_DATA_DIR', 'PETREL_DEMO_DIR', 'G_DEBUG',
              'G_ENABLE_DIAGNOSTIC'):
        env.pop(k, None)
    env.update(extra)
    return env


def check_activation(ok, dest, bindir, datadir, pkgdatadir, service_file, scratch):
    """D-Bus activation of the installed app in a private session bus."""
    if not os.environ.get('DISPLAY') and not os.environ.get('WAYLAND_DISPLAY'):
        ok.skip('D-Bus activation starts the installed petrel',
                'no display (build-aux/test runs the suite under xvfb-run)')
        return
    if shutil.which('dbus-run-session') is None or shutil.which('gdbus') is None:
        ok.skip('D-Bus activation starts the installed petrel', 'dbus-run-session or gdbus missing')
        return

    # The service file as installed, but with Exec pointing into the destdir: the installed
    # Exec line itself is checked above against the prefix.
    services = os.path.join(scratch, 'xdg-dbus', 'dbus-1', 'services')
    os.makedirs(services)
    installed_exe = dest + os.path.join(bindir, 'petrel')
    with open(service_file) as f:
        text = f.read()
    text = text.replace('Exec=' + os.path.join(bindir, 'petrel'), 'Exec=' + installed_exe)
    with open(os.path.join(services, APP_ID + '.service'), 'w') as f:
        f.write(text)

    # The schema compiled from the installed copy; the demo mailbox from the installed copy.
    schemas = os.path.join(scratch, 'schemas')
    shutil.copytree(dest + os.path.join(datadir, 'glib-2.0', 'schemas'), schemas)
    run(['glib-compile-schemas', schemas])
    data_dir = os.path.join(scratch, 'petrel-data')
    os.makedirs(data_dir)
    home = os.path.join(scratch, 'home')
    os.makedirs(home)
    # Services started by the bus inherit the bus's environment, which is this one.
    env = clean_env(
        XDG_DATA_DIRS=os.path.join(scratch, 'xdg-dbus') + ':' +
        dest + datadir + ':/usr/local/share:/usr/share',
        HOME=home,
        XDG_DATA_HOME=os.path.join(home, '.local', 'share'),
        XDG_CONFIG_HOME=os.path.join(home, '.config'),
        XDG_CACHE_HOME=os.path.join(home, '.cache'),
        GSETTINGS_SCHEMA_DIR=schemas,
        GSETTINGS_BACKEND='memory',
        PETREL_DATA_DIR=data_dir,
        PETREL_DEMO_DIR=dest + os.path.join(pkgdatadir, 'demo'),
        GTK_A11Y='none',
        NO_AT_BRIDGE='1',
    )
    env.pop('DBUS_SESSION_BUS_ADDRESS', None)
    script = r'''
set -u
bus() { gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
          --method "org.freedesktop.DBus.$1" "${@:2}"; }
echo "activatable: $(bus ListActivatableNames)"
gdbus call --session --dest "$APP_ID" --object-path "$APP_PATH" \
  --method org.freedesktop.Application.Activate '{}' || exit 3
pid=$(bus GetConnectionUnixProcessID "$APP_ID" | sed -n 's/^(uint32 \([0-9]*\),)$/\1/p')
echo "pid: $pid"
echo "exe: $(readlink "/proc/$pid/exe")"
# GtkApplication exports each of its windows' actions at $APP_PATH/window/N.
for _ in $(seq 1 100); do
  if gdbus introspect --session --dest "$APP_ID" --object-path "$APP_PATH/window/1" 2>/dev/null |
       grep -q org.gtk.Actions; then
    echo "window: yes"
    break
  fi
  sleep 0.1
done
gdbus call --session --dest "$APP_ID" --object-path "$APP_PATH" \
  --method org.gtk.Actions.Activate quit '[]' '{}' >/dev/null
for _ in $(seq 1 100); do
  kill -0 "$pid" 2>/dev/null || { echo "quit: yes"; break; }
  sleep 0.1
done
kill "$pid" 2>/dev/null
exit 0
'''
    env['APP_ID'] = APP_ID
    env['APP_PATH'] = APP_PATH
    # The app's own messages reach the bus's stderr, shown on a failure.
    r = run(['dbus-run-session', '--', 'bash', '-c', script], env=env, timeout=90,
            stdin=subprocess.DEVNULL)
    out = r.stdout
    lines = dict(line.split(': ', 1) for line in out.splitlines() if ': ' in line)
    detail = out + r.stderr
    ok.check(APP_ID in lines.get('activatable', ''),
             'the private session bus finds the installed service file', detail)
    ok.check(r.returncode == 0 and lines.get('exe') == os.path.realpath(installed_exe),
             'org.freedesktop.Application.Activate starts the installed petrel', detail)
    ok.check(lines.get('window') == 'yes', 'the activated petrel opens its window', detail)
    ok.check(lines.get('quit') == 'yes', 'app.quit over D-Bus ends it', detail)


def main():
    if len(sys.argv) < 9:
        print('usage: check-install.py BUILD_ROOT SOURCE_ROOT PREFIX BINDIR DATADIR MANDIR '
              'LOCALEDIR VERSION [MAN_PAGE…]', file=sys.stderr)
        return 2
    build_root, source_root, prefix = sys.argv[1:4]
    bindir, datadir, mandir, localedir = (os.path.join(prefix, d) for d in sys.argv[4:8])
    version = sys.argv[8]
    man_pages = [os.path.basename(p) for p in sys.argv[9:]]
    pkgdatadir = os.path.join(datadir, 'petrel')
    ok = Tap()

    with tempfile.TemporaryDirectory(prefix='petrel-install-') as scratch:
        dest = os.path.join(scratch, 'dest')
        r = run(['meson', 'install', '-C', build_root, '--no-rebuild', '--quiet',
                 '--destdir', dest], env=clean_env(), timeout=300)
        if not ok.check(r.returncode == 0, 'meson install --destdir succeeds',
                        r.stdout + r.stderr):
            return ok.finish()

        def installed(*parts):
            return dest + os.path.join(*parts)

        # The command-line front end runs from where it was installed.
        cli = installed(bindir, 'petrel-cli')
        r = run([cli, '--version'], env=clean_env(LANGUAGE='C', LC_ALL='C'))
        ok.check(r.returncode == 0 and r.stdout.strip() == 'petrel-cli %s' % version,
                 'the installed petrel-cli --version prints “petrel-cli %s”' % version,
                 'status %d: %s%s' % (r.returncode, r.stdout, r.stderr))
        ok.check(os.access(installed(bindir, 'petrel'), os.X_OK),
                 'the petrel app is installed in bindir')

        # Desktop file.
        desktop = installed(datadir, 'applications', APP_ID + '.desktop')
        if ok.check(os.path.isfile(desktop), 'the desktop file is installed'):
            r = run(['desktop-file-validate', desktop])
            ok.check(r.returncode == 0 and not r.stdout.strip(),
                     'desktop-file-validate accepts it', r.stdout + r.stderr)
            entry = configparser.RawConfigParser(strict=False, interpolation=None)
            entry.optionxform = str
            entry.read(desktop, encoding='utf-8')
            de = entry['Desktop Entry'] if entry.has_section('Desktop Entry') else {}
            ok.check(de.get('DBusActivatable') == 'true', 'it says DBusActivatable=true')
            ok.check(de.get('Icon') == APP_ID, 'its Icon is %s' % APP_ID)
            ok.check('x-scheme-handler/mailto' in de.get('MimeType', '').split(';'),
                     'its MimeType includes x-scheme-handler/mailto')
            ok.check('Name[de]' in de and 'Name[fr]' in de, 'it is translated (de, fr)')

        # AppStream metainfo.
        metainfo = installed(datadir, 'metainfo', APP_ID + '.metainfo.xml')
        if ok.check(os.path.isfile(metainfo), 'the AppStream metainfo is installed'):
            r = run(['appstreamcli', 'validate', '--no-net', '--explain', metainfo])
            ok.check(r.returncode == 0, 'appstreamcli validate --no-net accepts it',
                     r.stdout + r.stderr)

        # GSettings schema.
        schema_dir = installed(datadir, 'glib-2.0', 'schemas')
        schema = os.path.join(schema_dir, APP_ID + '.gschema.xml')
        if ok.check(os.path.isfile(schema), 'the GSettings schema is installed'):
            with tempfile.TemporaryDirectory(dir=scratch) as target:
                r = run(['glib-compile-schemas', '--strict', '--targetdir', target, schema_dir])
                ok.check(r.returncode == 0 and
                         os.path.isfile(os.path.join(target, 'gschemas.compiled')),
                         'the installed schemas compile (--strict)', r.stdout + r.stderr)

        # Icons.
        hicolor = installed(datadir, 'icons', 'hicolor')
        for rel in ('scalable/apps/%s.svg' % APP_ID, 'symbolic/apps/%s-symbolic.svg' % APP_ID):
            path = os.path.join(hicolor, rel)
            good = os.path.isfile(path)
            if good:
                with open(path, encoding='utf-8') as f:
                    good = '<svg' in f.read(4096)
            ok.check(good, 'the icon hicolor/%s is installed (an SVG)' % rel)

        # Manual pages.
        if man_pages:
            for page in man_pages:
                path = installed(mandir, 'man1', page)
                good = os.path.isfile(path)
                if good:
                    with open(path, encoding='utf-8') as f:
                        good = f.read().lstrip().startswith(('.\\"', '.TH', "'\\\""))
                ok.check(good, 'the manual page man1/%s is installed (roff)' % page)
        else:
            ok.skip('the manual pages are installed', 'scdoc not found: no manual pages built')

        # D-Bus service file.
        service = installed(datadir, 'dbus-1', 'services', APP_ID + '.service')
        if ok.check(os.path.isfile(service), 'the D-Bus service file is installed'):
            svc = configparser.RawConfigParser(strict=False, interpolation=None)
            svc.optionxform = str
            svc.read(service, encoding='utf-8')
            section = svc['D-BUS Service'] if svc.has_section('D-BUS Service') else {}
            ok.check(section.get('Name') == APP_ID, 'it names the bus name %s' % APP_ID)
            want_exec = '%s --gapplication-service' % os.path.join(bindir, 'petrel')
            ok.check(section.get('Exec') == want_exec,
                     'its Exec is “%s”' % want_exec, 'Exec=%s' % section.get('Exec'))

        # Translations.
        with open(os.path.join(source_root, 'po', 'LINGUAS')) as f:
            languages = [w for line in f for w in line.split('#', 1)[0].split()]
        for lang in languages:
            mo = os.path.join(installed(localedir), lang, 'LC_MESSAGES', 'petrel.mo')
            if not ok.check(os.path.isfile(mo), 'the %s catalogue petrel.mo is installed' % lang):
                continue
            r = run(['msgunfmt', mo])
            ok.check(r.returncode == 0 and r.stdout.count('\nmsgid ') > 100,
                     'it holds the %s translations' % lang, r.stderr)

        # The demo mailbox the app opens when there is no account.
        ok.check(os.path.isdir(installed(pkgdatadir, 'demo', 'INBOX')),
                 'the demo mailbox is installed in pkgdatadir')

        # mailto: with the installed desktop file in a throwaway XDG data dir, indexed by
        # update-desktop-database as a package's install trigger does, GIO lists Petrel as a
        # handler and can make it the default. GIO ignores desktop files whose Exec program
        # is not on PATH, so the installed bindir goes there.
        xdg_data = os.path.join(scratch, 'xdg-data')
        xdg_config = os.path.join(scratch, 'xdg-config')
        os.makedirs(os.path.join(xdg_data, 'applications'))
        os.makedirs(xdg_config)
        shutil.copy(desktop, os.path.join(xdg_data, 'applications'))
        r = run(['update-desktop-database', os.path.join(xdg_data, 'applications')])
        ok.check(r.returncode == 0, 'update-desktop-database indexes the desktop file',
                 r.stdout + r.stderr)
        env = clean_env(XDG_DATA_HOME=xdg_data, XDG_DATA_DIRS=xdg_data,
                        XDG_CONFIG_HOME=xdg_config, XDG_CONFIG_DIRS=xdg_config,
                        PATH=installed(bindir) + ':' + os.environ.get('PATH', '/usr/bin'),
                        LANGUAGE='C', LC_ALL='C')
        r = run(['gio', 'mime', 'x-scheme-handler/mailto'], env=env)
        registered = r.stdout.partition('Registered applications:')[2]
        ok.check(r.returncode == 0 and APP_ID + '.desktop' in registered.split(),
                 '`gio mime x-scheme-handler/mailto` lists Petrel', r.stdout + r.stderr)
        r = run(['gio', 'mime', 'x-scheme-handler/mailto', APP_ID + '.desktop'], env=env)
        mimeapps = os.path.join(xdg_config, 'mimeapps.list')
        text = ''
        if os.path.isfile(mimeapps):
            with open(mimeapps) as f:
                text = f.read()
        r2 = run(['gio', 'mime', 'x-scheme-handler/mailto'], env=env)
        default = r2.stdout.splitlines()[0] if r2.stdout else ''
        ok.check(r.returncode == 0 and
                 'x-scheme-handler/mailto=%s.desktop' % APP_ID in text and
                 default.endswith(': %s.desktop' % APP_ID),
                 '`gio mime x-scheme-handler/mailto %s.desktop` makes it the default' % APP_ID,
                 r.stdout + r.stderr + text + r2.stdout + r2.stderr)

        check_activation(ok, dest, bindir, datadir, pkgdatadir, service, scratch)

    return ok.finish()


if __name__ == '__main__':
    sys.exit(main())
