# petrelui.py: shared helpers for Petrel's UI tests (dogtail over AT-SPI, screenshots, TAP).
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import shutil
import subprocess
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


def screenshot(name):
    """Save what a person sees (the whole X screen) as artefacts/NAME.png."""
    path = os.path.join(artefact_dir(), name + '.png')
    importer = shutil.which('import')
    if importer is None:
        return None
    time.sleep(0.5)  # let the frame settle
    r = subprocess.run([importer, '-window', 'root', path],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return path if r.returncode == 0 and os.path.exists(path) else None


class App:
    """Runs the real petrel binary with its own data dir and finds it on the a11y bus."""

    def __init__(self, data_dir, args=(), timeout=30):
        self.data_dir = data_dir
        self.args = list(args)
        self.timeout = timeout
        self.process = None
        self.root = None

    def __enter__(self):
        env = dict(os.environ)
        env['PETREL_DATA_DIR'] = self.data_dir
        env.pop('G_DEBUG', None)  # GTK's own warnings under Xvfb must not kill the app
        exe = os.environ.get('PETREL_APP', 'petrel')
        self.log = open(os.path.join(artefact_dir(), 'petrel.log'), 'w')
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
