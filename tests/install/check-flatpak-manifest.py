#!/usr/bin/python3
# check-flatpak-manifest.py: build-aux/org.petrelmail.Petrel.json stays buildable in principle.
#
# There is no network here to build the Flatpak, so this checks what can be checked offline:
# the manifest is JSON; it names the app id, the petrel command and a GNOME runtime new enough
# for WebKitGTK 6.0 (org.gnome.Platform 44 or later); its finish-args give network, Wayland
# with an X11 fallback, the GPU and the Secret Service, and no more than that (no filesystem or
# session-bus holes: files go through the portals); every downloaded source is https with a
# sha256; the GMime module is a 3.2 release (the version meson.build requires); the last module
# builds Petrel itself with meson from this source tree; and flatpak-builder --show-manifest
# (Debian package flatpak-builder) reads it back to the same manifest.
#
# Usage: check-flatpak-manifest.py MANIFEST SOURCE_ROOT APP_ID. TAP output.
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

WANT_FINISH_ARGS = {
    '--share=network',
    '--share=ipc',
    '--socket=wayland',
    '--socket=fallback-x11',
    '--device=dri',
    '--talk-name=org.freedesktop.secrets',
}


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def check(self, cond, what, detail=None):
        self.n += 1
        print('%s %d - %s' % ('ok' if cond else 'not ok', self.n, what), flush=True)
        if not cond:
            self.failed += 1
            for line in str(detail or '').strip().splitlines()[-20:]:
                print('# ' + line, flush=True)
        return cond

    def skip(self, what, why):
        self.n += 1
        print('ok %d - %s # SKIP %s' % (self.n, what, why), flush=True)

    def finish(self):
        print('1..%d' % self.n, flush=True)
        return 1 if self.failed else 0


def sources(module):
    for s in module.get('sources', []):
        yield s
    for m in module.get('modules', []):
        if isinstance(m, dict):
            yield from sources(m)


def main():
    if len(sys.argv) != 4:
        print('usage: check-flatpak-manifest.py MANIFEST SOURCE_ROOT APP_ID', file=sys.stderr)
        return 2
    path, source_root, app_id = sys.argv[1:]
    ok = Tap()

    try:
        with open(path, encoding='utf-8') as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        ok.check(False, 'the manifest is JSON', e)
        return ok.finish()
    ok.check(isinstance(manifest, dict), 'the manifest is JSON')

    ok.check(manifest.get('id') == app_id, 'its id is %s' % app_id, manifest.get('id'))
    ok.check(os.path.basename(path) == app_id + '.json', 'its file is named after the app id')
    ok.check(manifest.get('command') == 'petrel', 'it runs the petrel command')
    ok.check(manifest.get('runtime') == 'org.gnome.Platform' and
             manifest.get('sdk') == 'org.gnome.Sdk', 'it builds on the GNOME runtime and SDK')
    version = str(manifest.get('runtime-version', ''))
    ok.check(re.fullmatch(r'\d+', version) is not None and int(version) >= 44,
             'the runtime version (%s) ships GTK 4, libadwaita and WebKitGTK 6.0 (44 or later)'
             % version)

    args = set(manifest.get('finish-args', []))
    ok.check(WANT_FINISH_ARGS <= args, 'finish-args give network, Wayland/X11, GPU, keyring',
             'missing: %s' % ', '.join(sorted(WANT_FINISH_ARGS - args)))
    extra = sorted(a for a in args - WANT_FINISH_ARGS
                   if a.startswith(('--filesystem', '--socket=session-bus', '--socket=x11',
                                    '--talk-name', '--own-name', '--device=all')))
    ok.check(not extra, 'finish-args open no other holes (files go through portals)',
             'extra: %s' % ', '.join(extra))

    modules = [m for m in manifest.get('modules', []) if isinstance(m, dict)]
    all_sources = [s for m in modules for s in sources(m)]
    downloads = [s for s in all_sources if 'url' in s]
    bad = [s.get('url') for s in downloads
           if not s['url'].startswith('https://') or
           not re.fullmatch(r'[0-9a-f]{64}', s.get('sha256', ''))]
    ok.check(downloads and not bad, 'every downloaded source is https with a sha256',
             'bad: %s' % bad)

    gmime = [m for m in modules if m.get('name') == 'gmime']
    urls = [s.get('url', '') for m in gmime for s in sources(m)]
    ok.check(len(gmime) == 1 and any(re.search(r'/gmime-3\.2\.\d+\.tar\.xz$', u) for u in urls),
             'it builds GMime from a 3.2 release tarball', urls)

    petrel = modules[-1] if modules else {}
    dirs = [s for s in sources(petrel) if s.get('type') == 'dir']
    here = os.path.dirname(os.path.abspath(path))
    same_tree = bool(dirs) and os.path.samefile(os.path.join(here, dirs[0].get('path', '')),
                                                source_root)
    ok.check(petrel.get('name') == 'petrel' and petrel.get('buildsystem') == 'meson' and
             same_tree, 'the last module builds Petrel with meson from this source tree')

    builder = shutil.which('flatpak-builder')
    if builder is None:
        ok.skip('flatpak-builder --show-manifest reads it', 'flatpak-builder is not installed')
        return ok.finish()
    # The test environment's G_ENABLE_DIAGNOSTIC and fatal warnings are for Petrel's code:
    # flatpak-builder 1.2 warns about its own deprecated properties under them.
    env = {k: v for k, v in os.environ.items() if k not in ('G_DEBUG', 'G_ENABLE_DIAGNOSTIC')}
    # It makes a .flatpak-builder state directory where it runs: a throwaway one.
    with tempfile.TemporaryDirectory(prefix='petrel-flatpak-') as scratch:
        r = subprocess.run([builder, '--show-manifest', os.path.abspath(path)],
                           capture_output=True, text=True, timeout=60, env=env, cwd=scratch)
    shown = None
    try:
        shown = json.loads(r.stdout)
    except ValueError:
        pass
    ok.check(r.returncode == 0 and shown == manifest,
             'flatpak-builder --show-manifest reads it back unchanged', r.stdout + r.stderr)
    return ok.finish()


if __name__ == '__main__':
    sys.exit(main())
