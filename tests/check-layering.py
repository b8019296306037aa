#!/usr/bin/env python3
# check-layering.py
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The engine must never see GTK (DESIGN.md): check that no engine source includes a GTK, GDK or
# libadwaita header, and that none of the engine's compile commands carries GTK's include paths
# (so such an include would fail to build), while the UI's do.

import json
import os
import re
import sys

src_root, build_root = sys.argv[1], sys.argv[2]
failures = []

include_re = re.compile(r'^\s*#\s*include\s*[<"](gtk/|gdk/|adwaita\.h|webkit/)', re.M)
for dirpath, _, names in os.walk(os.path.join(src_root, 'src', 'engine')):
    for name in names:
        if name.endswith(('.c', '.h')):
            path = os.path.join(dirpath, name)
            with open(path, encoding='utf-8', errors='replace') as f:
                if include_re.search(f.read()):
                    failures.append(f'{path}: includes a GTK/GDK/libadwaita/WebKit header')

with open(os.path.join(build_root, 'compile_commands.json')) as f:
    commands = json.load(f)

engine_cmds = [c for c in commands if '/src/engine/' in c['file'].replace('\\', '/')]
ui_cmds = [c for c in commands if '/src/ui/' in c['file'].replace('\\', '/')]
if not engine_cmds:
    failures.append('no engine compile commands found in compile_commands.json')
if not ui_cmds:
    failures.append('no UI compile commands found in compile_commands.json')

for c in engine_cmds:
    cmd = c.get('command') or ' '.join(c.get('arguments', []))
    for bad in ('gtk-4.0', 'libadwaita-1', 'webkitgtk-6.0'):
        if bad in cmd:
            failures.append(f"{c['file']}: engine compiled with {bad} on its include path")
            break

if ui_cmds and not any('gtk-4.0' in (c.get('command') or ' '.join(c.get('arguments', [])))
                       for c in ui_cmds):
    failures.append('UI compile commands lack gtk-4.0: the check itself is broken')

for line in failures:
    print(line)
print(f'checked {len(engine_cmds)} engine and {len(ui_cmds)} UI compile commands')
sys.exit(1 if failures else 0)
