#!/usr/bin/python3
# check-manpages.py SOURCE_ROOT [BUILT_PAGE…]
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Keeps doc/petrel-cli.1.scd honest against the petrel-cli it documents (the binary in
# $PETREL_CLI):
#   - every command and subcommand of `petrel-cli --help` has a synopsis line in COMMANDS, and
#     the man page documents no command that petrel-cli does not have;
#   - every long option in the synopsis of a command (or subcommand: `draft list`) is in that
#     command's help, and every option of the help is in the synopsis; likewise for the global
#     options in SYNOPSIS and GLOBAL OPTIONS;
#   - each BUILT_PAGE (the man pages meson built with scdoc) is non-empty roff with the right
#     .TH line and the expected sections, and groff renders it without a warning.
# Without BUILT_PAGE (scdoc missing, or -Dman=disabled) the rendering is not checked and a
# passing run exits 77 (skipped) so that it is not mistaken for a full pass.

import os
import re
import shutil
import subprocess
import sys
import tempfile

OPTION = re.compile(r'--[a-z][a-z0-9-]*')
COMMAND_WORD = re.compile(r'[a-z]+(\|[a-z]+)*')
SYNOPSIS_MARK = 'Usage: petrel-cli '
SKIP = 77

failures = []


def fail(message):
    failures.append(message)


# ---- the man page source ------------------------------------------------------------------

def read_scd(path):
    """Returns {section: {subsection or None: [lines]}}, comments dropped."""
    sections = {}
    section = None
    subsection = None
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.rstrip('\n')
            if line.startswith('; ') or line == ';':
                continue
            if line.startswith('# '):
                section = line[2:].strip()
                subsection = None
                sections.setdefault(section, {}).setdefault(None, [])
                continue
            if line.startswith('## '):
                subsection = line[3:].strip()
                sections.setdefault(section, {}).setdefault(subsection, [])
                continue
            if section is not None:
                sections[section][subsection].append(line)
    return sections


def plain(line):
    """scdoc markup off: *bold*, _underline_, the ++ line break."""
    line = line.rstrip()
    if line.endswith('++'):
        line = line[:-2]
    return line.replace('\\', '').replace('*', '').replace('_', '')


def command_paths(words):
    """Leading command words of a synopsis (after "petrel-cli"), alternatives expanded:
    ['folder', 'create|rename'] -> {('folder', 'create'), ('folder', 'rename')}."""
    paths = [()]
    for word in words:
        if not COMMAND_WORD.fullmatch(word):
            break
        paths = [path + (alternative,) for path in paths for alternative in word.split('|')]
    return set(paths) if paths != [()] else set()


def synopsis_lines(lines):
    return [plain(line) for line in lines
            if not line.startswith('\t') and line.startswith('*petrel-cli')]


# ---- petrel-cli ---------------------------------------------------------------------------

def run_cli(cli, data_dir, args):
    try:
        result = subprocess.run([cli, '--data-dir', data_dir] + args,
                                stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    except subprocess.TimeoutExpired:
        fail('petrel-cli %s did not finish within 60 s' % ' '.join(args))
        return 1, '', ''
    return (result.returncode, result.stdout.decode('utf-8', 'replace'),
            result.stderr.decode('utf-8', 'replace'))


def parse_top_help(text):
    """Returns (global options, [command synopses]) from `petrel-cli --help`."""
    global_options = set()
    synopses = []
    part = None
    for line in text.splitlines():
        if line.startswith('Global options:'):
            part = 'global'
        elif line.startswith('Commands:'):
            part = 'commands'
        elif line.startswith('  ') and part == 'global':
            global_options.update(OPTION.findall(line.split()[0]))
        elif line.startswith('  ') and part == 'commands':
            synopses.append(line.strip())
    return global_options, synopses


def options_by_path(synopsis, into):
    """Adds the options of each command path of a help synopsis to @into. A synopsis may hold
    alternatives: "outbox ID | outbox cancel|retry ID N"."""
    for alternative in synopsis.split(' | '):
        for path in command_paths(alternative.split()):
            into.setdefault(path, set()).update(OPTION.findall(alternative))
    return into


# ---- the built pages ----------------------------------------------------------------------

EXPECTED_SECTIONS = {
    'petrel': ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'OPTIONS', 'ENVIRONMENT', 'FILES', 'SEE ALSO'],
    'petrel-cli': ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'GLOBAL OPTIONS', 'COMMANDS',
                   'SEARCH SYNTAX', 'ENVIRONMENT', 'FILES', 'EXAMPLES', 'SEE ALSO'],
}


def check_built_page(path):
    name = os.path.basename(path)
    if not name.endswith('.1'):
        fail('%s: not a section 1 man page' % path)
        return
    page = name[:-2]
    try:
        with open(path, encoding='utf-8') as f:
            roff = f.read()
    except OSError as e:
        fail('%s: cannot be read: %s' % (path, e))
        return
    if not roff.strip():
        fail('%s is empty' % path)
        return
    if not re.search(r'^\.TH "?%s"? "?1"?' % re.escape(page), roff, re.MULTILINE):
        fail('%s has no ".TH %s 1" line' % (path, page))
    headings = [h.strip('"') for h in re.findall(r'^\.SH (.+)$', roff, re.MULTILINE)]
    for section in EXPECTED_SECTIONS.get(page, ['NAME']):
        if section not in headings:
            fail('%s has no %s section (it has %s)' % (path, section, ', '.join(headings)))

    groff = shutil.which('groff')
    if groff is None:
        print('# groff not found: %s not rendered' % name)
        return
    # -k: preconv, as man(1) does, for the UTF-8 in the pages.
    result = subprocess.run([groff, '-k', '-man', '-Tutf8', '-ww', path], capture_output=True,
                            timeout=60, env=dict(os.environ, LC_ALL='C.UTF-8'))
    text = result.stdout.decode('utf-8', 'replace')
    warnings = result.stderr.decode('utf-8', 'replace').strip()
    if result.returncode != 0 or warnings:
        fail('groff cannot render %s cleanly: %s' % (path, warnings or result.returncode))
    elif not re.search(r'^\s+%s - ' % re.escape(page), text, re.MULTILINE):
        fail('%s renders without its "%s - …" NAME line' % (path, page))


# ---- the checks ---------------------------------------------------------------------------

def main():
    if len(sys.argv) < 2:
        print('usage: check-manpages.py SOURCE_ROOT [BUILT_PAGE…]', file=sys.stderr)
        return 2
    root = sys.argv[1]
    built = sys.argv[2:]
    cli = os.environ.get('PETREL_CLI')
    if not cli or not os.access(cli, os.X_OK):
        print('PETREL_CLI does not name the built petrel-cli', file=sys.stderr)
        return 1

    sections = read_scd(os.path.join(root, 'doc', 'petrel-cli.1.scd'))
    for needed in ('SYNOPSIS', 'GLOBAL OPTIONS', 'COMMANDS'):
        if needed not in sections:
            fail('doc/petrel-cli.1.scd has no %s section' % needed)
    if failures:
        return report(built)

    with tempfile.TemporaryDirectory(prefix='petrel-manpages-') as data_dir:
        status, top_help, _ = run_cli(cli, data_dir, ['--help'])
        if status != 0:
            fail('petrel-cli --help exits with %d' % status)
        global_options, help_synopses = parse_top_help(top_help)
        if not global_options or not help_synopses:
            fail('petrel-cli --help lists no global options or no commands:\n' + top_help)
            return report(built)

        # Command path -> its options in `COMMAND --help` (help_options) and also in the usage
        # message a bare `COMMAND` prints (known_options): `draft --help` shortens the options
        # draft save shares with send to "…"; its usage message spells them out.
        help_options = {}
        known_options = {}
        commands = set()
        for synopsis in help_synopses:
            paths = options_by_path(synopsis, {})
            if not paths:
                fail('cannot find the command in the help line "%s"' % synopsis)
                continue
            command = next(iter(paths))[0]
            commands.add(command)
            status, out, _ = run_cli(cli, data_dir, [command, '--help'])
            if status != 0 or not out.startswith(SYNOPSIS_MARK):
                fail('petrel-cli %s --help exits with %d and prints "%s", not "%s…"'
                     % (command, status, out.strip(), SYNOPSIS_MARK))
                continue
            options_by_path(out[len(SYNOPSIS_MARK):].strip(), help_options)
            options_by_path(out[len(SYNOPSIS_MARK):].strip(), known_options)
            _, _, err = run_cli(cli, data_dir, ['--offline', command])
            for line in err.splitlines():
                if line.startswith(SYNOPSIS_MARK):
                    options_by_path(line[len(SYNOPSIS_MARK):].strip(), known_options)
            for path in paths:
                if path not in help_options:
                    fail('petrel-cli %s --help does not show "%s" as petrel-cli --help does'
                         % (command, ' '.join(path)))
        help_paths = set(help_options)

    # SYNOPSIS and GLOBAL OPTIONS against the global options.
    for line in synopsis_lines(sections['SYNOPSIS'][None]):
        for option in OPTION.findall(line):
            if option not in global_options:
                fail('SYNOPSIS shows %s, which petrel-cli --help does not list' % option)
    documented_globals = set()
    for line in sections['GLOBAL OPTIONS'][None]:
        if line.startswith('*--'):
            documented_globals.update(OPTION.findall(plain(line)))
    for option in sorted(documented_globals - global_options):
        fail('GLOBAL OPTIONS documents %s, which petrel-cli --help does not list' % option)
    for option in sorted(global_options - documented_globals):
        fail('GLOBAL OPTIONS does not document %s' % option)

    # COMMANDS against the commands.
    man_paths = set()
    man_options = {}
    for subsection, lines in sections['COMMANDS'].items():
        for line in synopsis_lines(lines):
            words = line.split()
            paths = command_paths(words[1:])
            if not paths:
                fail('COMMANDS: no command in the synopsis "%s"' % line)
                continue
            command = next(iter(paths))[0]
            if subsection != command:
                fail('COMMANDS: the synopsis "%s" stands under "## %s"' % (line, subsection))
            man_paths |= paths
            options = set(OPTION.findall(line))
            known = set()
            for path in paths:
                man_options.setdefault(path, set()).update(options)
                known |= known_options.get(path, set())
            for option in sorted(options - known):
                fail('COMMANDS: "%s" shows %s, which is not in the help of petrel-cli %s'
                     % (line, option, ' '.join(sorted(paths)[0])))

    for path in sorted(help_paths - man_paths):
        fail('petrel-cli has "%s", which doc/petrel-cli.1.scd does not document'
             % ' '.join(path))
    for path in sorted(man_paths - help_paths):
        fail('doc/petrel-cli.1.scd documents "%s", which petrel-cli --help does not have'
             % ' '.join(path))
    for path, options in sorted(known_options.items()):
        for option in sorted(options - man_options.get(path, set())):
            fail('the help of petrel-cli %s has %s, which its synopsis in the man page lacks'
                 % (' '.join(path), option))

    print('# %d commands, %d command paths, %d global options checked'
          % (len(commands), len(help_paths), len(global_options)))

    for path in built:
        check_built_page(path)

    return report(built)


def report(built):
    for line in failures:
        print(line)
    if failures:
        return 1
    if not built:
        print('# the man pages were not built (no scdoc, or -Dman=disabled): rendering skipped')
        return SKIP
    print('# %d built pages checked' % len(built))
    return 0


if __name__ == '__main__':
    sys.exit(main())
