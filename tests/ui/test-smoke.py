#!/usr/bin/python3
# test-smoke.py: start the real petrel under the test display, find its window through AT-SPI
# (what a screen reader sees), check the first-run state and the main menu, and save a
# screenshot as a test artefact.
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import petrelui  # noqa: E402


def main():
    if not os.environ.get('DISPLAY') and not os.environ.get('WAYLAND_DISPLAY'):
        print('1..0 # SKIP no display (build-aux/test runs the UI tests under xvfb-run)')
        return 77

    ok = petrelui.Tap()
    with tempfile.TemporaryDirectory(prefix='petrel-ui-') as data_dir:
        with petrelui.App(data_dir) as app:
            window = app.wait_for_window('Petrel')
            ok.check(window is not None, 'main window appears with accessible name "Petrel"')

            empty = app.find(window, name='No Mail Accounts')
            ok.check(empty is not None, 'first-run state says "No Mail Accounts"')

            menu_button = app.find(window, name='Main Menu', role='toggle button') or \
                app.find(window, name='Main Menu')
            ok.check(menu_button is not None, 'main menu button has an accessible name')

            shot = petrelui.screenshot('smoke-main-window')
            ok.check(shot is not None and os.path.getsize(shot) > 0,
                     'screenshot saved to %s' % shot)

            if menu_button is not None:
                menu_button.click()
                about = app.wait_for(lambda: app.find(app.root, name='About Petrel'))
                ok.check(about is not None, 'main menu opens and offers "About Petrel"')
                petrelui.screenshot('smoke-main-menu')
            else:
                ok.check(False, 'main menu opens and offers "About Petrel"')

            ok.check(app.process.poll() is None, 'petrel still running after interaction')
    return ok.finish()


if __name__ == '__main__':
    sys.exit(main())
