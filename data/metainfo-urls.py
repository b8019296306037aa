#!/usr/bin/python3
# metainfo-urls.py: fill in the project's web address in the built AppStream metainfo.
#
# The metainfo names its homepage and screenshots as @HOMEPAGE@…, because Petrel has no public
# web address yet and a made-up one would be a lie to every software centre. With a HOMEPAGE
# (the meson option "homepage", a https URL ending in "/"), @HOMEPAGE@ becomes it; with an empty
# one, every <url> and the <screenshots> that name @HOMEPAGE@ are left out, which appstreamcli
# accepts. Every screenshot named must exist in SCREENSHOT_DIR (data/screenshots).
#
# Usage: metainfo-urls.py INPUT OUTPUT HOMEPAGE SCREENSHOT_DIR
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import re
import sys

TOKEN = '@HOMEPAGE@'


def main():
    if len(sys.argv) != 5:
        print('usage: metainfo-urls.py INPUT OUTPUT HOMEPAGE SCREENSHOT_DIR', file=sys.stderr)
        return 2
    src, dst, homepage, shots = sys.argv[1:]
    with open(src, encoding='utf-8') as f:
        text = f.read()

    # Each screenshot the metainfo names is one of ours.
    for name in re.findall(re.escape(TOKEN) + r'screenshots/([^<]+)</image>', text):
        if not os.path.isfile(os.path.join(shots, name)):
            print('metainfo-urls.py: the metainfo names screenshots/%s, which %s lacks'
                  % (name, shots), file=sys.stderr)
            return 1

    if homepage:
        if not re.match(r'^https://[^/\s]+(/[^\s<>&"]*)?/$', homepage):
            print('metainfo-urls.py: -Dhomepage must be a https URL ending in "/", not %r'
                  % homepage, file=sys.stderr)
            return 1
        text = text.replace(TOKEN, homepage)
    else:
        text = re.sub(r'\n[ \t]*<url [^>]*>' + re.escape(TOKEN) + r'[^<]*</url>', '', text)
        text = re.sub(r'\n[ \t]*<screenshots>(?:(?!</screenshots>).)*' + re.escape(TOKEN) +
                      r'.*?</screenshots>', '', text, flags=re.S)
    if TOKEN in text:
        print('metainfo-urls.py: %s is left in an element it cannot drop' % TOKEN,
              file=sys.stderr)
        return 1

    with open(dst, 'w', encoding='utf-8') as f:
        f.write(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
