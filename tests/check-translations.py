#!/usr/bin/python3
# check-translations.py
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The translations in po/ are valid and complete for the tree as it is:
#
#  - every language in po/LINGUAS has a .po file that `msgfmt --check` accepts (formats match
#    the msgid, plural forms and header are sane), with the expected Language and Plural-Forms;
#  - `msgfmt --statistics` reports no fuzzy and no untranslated message;
#  - a template extracted afresh from po/POTFILES.in (the same xgettext options as meson's
#    i18n.gettext(preset: 'glib')) has no message the .po files lack, so a string added to the
#    code without a translation fails here rather than after the next petrel-update-po;
#  - no translatable string is cut short by a format macro xgettext cannot see through
#    (`_("… %" G_GINT64_FORMAT)`): its msgid could never match at run time;
#  - the built desktop file and AppStream metainfo carry every language (i18n.merge_file).
#
# Usage: check-translations.py SOURCE_ROOT BUILD_ROOT
# Exits 77 (skipped) only when msgfmt is not installed.

import os
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = 77

# The expected plural rule of the languages Petrel ships; any other language only needs one.
PLURAL_FORMS = {
    'de': 'nplurals=2; plural=(n != 1);',
    'fr': 'nplurals=2; plural=(n > 1);',
}

# meson's i18n.gettext(preset: 'glib') arguments (mesonbuild/modules/i18n.py).
XGETTEXT_ARGS = [
    '--from-code=UTF-8', '--add-comments',
    '--keyword=_', '--keyword=N_', '--keyword=C_:1c,2', '--keyword=NC_:1c,2',
    '--keyword=g_dcgettext:2', '--keyword=g_dngettext:2,3', '--keyword=g_dpgettext2:2c,3',
    '--flag=N_:1:pass-c-format', '--flag=C_:2:pass-c-format', '--flag=NC_:2:pass-c-format',
    '--flag=g_dngettext:2:pass-c-format', '--flag=g_strdup_printf:1:c-format',
    '--flag=g_string_printf:2:c-format', '--flag=g_string_append_printf:2:c-format',
    '--flag=g_error_new:3:c-format', '--flag=g_set_error:4:c-format',
    '--flag=g_markup_printf_escaped:1:c-format', '--flag=g_log:3:c-format',
    '--flag=g_print:1:c-format', '--flag=g_printerr:1:c-format', '--flag=g_printf:1:c-format',
    '--flag=g_fprintf:2:c-format', '--flag=g_sprintf:2:c-format', '--flag=g_snprintf:3:c-format',
]

DESKTOP_KEYS = ['Name', 'GenericName', 'Comment', 'Keywords']

failures = []


def fail(message):
    failures.append(message)
    print('FAIL: ' + message)


def run(args, **kwargs):
    env = dict(os.environ, LC_ALL='C.UTF-8', LANGUAGE='')
    return subprocess.run(args, capture_output=True, text=True, env=env, **kwargs)


def read_linguas(root):
    langs = []
    with open(os.path.join(root, 'po', 'LINGUAS'), encoding='utf-8') as f:
        for line in f:
            line = line.split('#', 1)[0]
            langs += line.split()
    return langs


def po_header(path):
    """The msgstr of the header entry, as 'Key: value' lines."""
    with open(path, encoding='utf-8') as f:
        text = f.read()
    match = re.search(r'^msgid ""\nmsgstr ((?:".*"\n)+)', text, re.M)
    if match is None:
        return {}
    raw = ''.join(re.findall(r'"(.*)"', match.group(1))).replace('\\n', '\n')
    fields = {}
    for line in raw.splitlines():
        if ':' in line:
            key, value = line.split(':', 1)
            fields[key.strip()] = value.strip()
    return fields


def msgids_of(path):
    """The msgids (with context) in a .po file, for listing what is missing."""
    out = run(['msgattrib', '--no-wrap', '--no-location', '--no-obsolete', path]).stdout
    ids = []
    ctxt = None
    for line in out.splitlines():
        if line.startswith('msgctxt '):
            ctxt = line[8:]
        elif line.startswith('msgid ') and line != 'msgid ""':
            ids.append(line[6:] if ctxt is None else '%s (context %s)' % (line[6:], ctxt))
            ctxt = None
    return ids


def check_po(path, lang):
    result = run(['msgfmt', '--check', '--statistics', '-o', os.devnull, path])
    output = (result.stdout + result.stderr).strip()
    if result.returncode != 0:
        fail('%s: msgfmt --check failed:\n%s' % (path, output))
        return
    stats = output.splitlines()[-1] if output else ''
    print('%s: %s' % (lang, stats))
    if not re.match(r'^\d+ translated messages?\.$', stats):
        fail('%s is incomplete: %s' % (path, stats))

    header = po_header(path)
    if header.get('Language') != lang:
        fail('%s: the header says Language: %r, not %r' % (path, header.get('Language'), lang))
    if 'charset=UTF-8' not in header.get('Content-Type', ''):
        fail('%s: the header does not say Content-Type: text/plain; charset=UTF-8' % path)
    if header.get('Project-Id-Version', '').split(' ')[0] != 'petrel':
        fail('%s: the header does not say Project-Id-Version: petrel' % path)
    expected = PLURAL_FORMS.get(lang)
    plural = header.get('Plural-Forms')
    if plural is None or (expected is not None and plural != expected):
        fail('%s: Plural-Forms is %r, expected %r' % (path, plural, expected))


def check_up_to_date(root, po_files, tmpdir):
    """Extract a fresh template and look for messages the .po files do not translate."""
    pot = os.path.join(tmpdir, 'petrel.pot')
    result = run(['xgettext', '--package-name=petrel', '--directory=' + root,
                  '--files-from=' + os.path.join(root, 'po', 'POTFILES.in'),
                  '--output=' + pot] + XGETTEXT_ARGS)
    if result.returncode != 0:
        fail('xgettext failed:\n' + result.stderr.strip())
        return
    for line in result.stderr.splitlines():
        if 'ends in the middle of a directive' in line:
            # A format macro after '%' (G_GINT64_FORMAT, G_GSIZE_FORMAT…) is not a string
            # literal for xgettext: the msgid stops at the '%' and never matches the
            # string the program looks up. <inttypes.h> macros (PRId64) are understood.
            location = line.split(': warning', 1)[0]
            fail('%s: the translatable string is cut short at a format macro xgettext cannot '
                 'expand; use PRId64/PRIu64 from <inttypes.h> or format the number '
                 'separately' % location)

    for lang, path in po_files:
        merged = os.path.join(tmpdir, lang + '.po')
        result = run(['msgmerge', '--quiet', '--no-fuzzy-matching', '--output-file=' + merged,
                      path, pot])
        if result.returncode != 0:
            fail('msgmerge %s failed:\n%s' % (path, result.stderr.strip()))
            continue
        missing = os.path.join(tmpdir, lang + '-missing.po')
        run(['msgattrib', '--untranslated', '--output-file=' + missing, merged])
        if os.path.exists(missing):
            ids = msgids_of(missing)
            if ids:
                fail('%s lacks %d message(s) of the current sources (run `meson compile '
                     'petrel-pot petrel-update-po` and translate them):\n  %s'
                     % (path, len(ids), '\n  '.join(ids)))


def check_desktop(path, langs):
    if not os.path.exists(path):
        fail('%s was not built' % path)
        return
    with open(path, encoding='utf-8') as f:
        entries = dict(line.rstrip('\n').split('=', 1) for line in f if '=' in line
                       and not line.startswith('#'))
    for lang in langs:
        for key in DESKTOP_KEYS:
            if key not in entries:
                continue
            localised = entries.get('%s[%s]' % (key, lang))
            if localised is None:
                fail('%s has no %s[%s]' % (path, key, lang))
            elif key != 'Name' and localised == entries[key]:
                fail('%s: %s[%s] is the untranslated text' % (path, key, lang))


def check_metainfo(path, langs):
    if not os.path.exists(path):
        fail('%s was not built' % path)
        return
    with open(path, encoding='utf-8') as f:
        text = f.read()
    for lang in langs:
        for element in ('summary', 'p', 'li'):
            if not re.search(r'<%s xml:lang="%s">' % (element, lang), text):
                fail('%s has no <%s xml:lang="%s">' % (path, element, lang))


def main():
    if len(sys.argv) != 3:
        print('usage: %s SOURCE_ROOT BUILD_ROOT' % sys.argv[0])
        return 1
    root, build = sys.argv[1], sys.argv[2]

    if shutil.which('msgfmt') is None:
        print('msgfmt is not installed (Debian package gettext)')
        return SKIP
    for tool in ('xgettext', 'msgmerge', 'msgattrib'):
        if shutil.which(tool) is None:
            fail('%s is not installed (Debian package gettext)' % tool)
            return 1

    langs = read_linguas(root)
    if not langs:
        fail('po/LINGUAS lists no language')
    po_files = []
    for lang in langs:
        path = os.path.join(root, 'po', lang + '.po')
        if not os.path.exists(path):
            fail('po/LINGUAS lists %s but %s does not exist' % (lang, path))
            continue
        po_files.append((lang, path))
        check_po(path, lang)

    with tempfile.TemporaryDirectory(prefix='petrel-po-') as tmpdir:
        check_up_to_date(root, po_files, tmpdir)

    check_desktop(os.path.join(build, 'data', 'org.petrelmail.Petrel.desktop'), langs)
    check_metainfo(os.path.join(build, 'data', 'org.petrelmail.Petrel.metainfo.xml'), langs)

    print('checked %d languages: %s' % (len(langs), ', '.join(langs)))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
