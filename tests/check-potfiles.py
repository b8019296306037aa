#!/usr/bin/env python3
# check-potfiles.py
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Every source file with translatable strings (_(), N_(), g_dngettext, translatable="yes") must
# be listed in po/POTFILES.in, or its strings never reach translators; every listed file must
# exist.

import os
import re
import sys

root = sys.argv[1]
marker = re.compile(r'\b_\(|\bN_\(|g_dngettext|translatable="yes"')

with open(os.path.join(root, 'po', 'POTFILES.in'), encoding='utf-8') as f:
    listed = [line.strip() for line in f if line.strip() and not line.startswith('#')]

failures = []
for path in listed:
    if not os.path.exists(os.path.join(root, path)):
        failures.append('%s is listed in po/POTFILES.in but does not exist' % path)

if listed != sorted(listed):
    failures.append('po/POTFILES.in is not sorted')

for dirpath, _, names in os.walk(os.path.join(root, 'src')):
    for name in names:
        if not name.endswith(('.c', '.ui')):
            continue
        path = os.path.join(dirpath, name)
        rel = os.path.relpath(path, root)
        with open(path, encoding='utf-8', errors='replace') as f:
            if marker.search(f.read()) and rel not in listed:
                failures.append('%s has translatable strings but is not in po/POTFILES.in' % rel)

for line in failures:
    print(line)
print('checked %d listed files' % len(listed))
sys.exit(1 if failures else 0)
