#!/usr/bin/python3
# test-cli-rawname.py: folders whose server name is not valid modified UTF-7 (a broken “&…-”
# sequence, raw 8-bit UTF-8, raw Latin-1) sync, list, show, take and give up messages and
# rename through petrel-cli, against the real loopback Dovecot.
#
# Dovecot itself only ever lists valid modified UTF-7 without UTF8=ACCEPT: it escapes a broken
# “&” in a directory name (`.Bad&Jjo` is listed as `Bad&-Jjo`) and re-encodes raw 8-bit names,
# and it refuses CREATE of an invalid name. So the test talks to Dovecot's plain IMAP port
# through a small relay that plays a server with such names: it renames a few mailboxes on the
# wire, both ways (server `Bad&-Jjo` is `Bad&Jjo` to Petrel, `Gr&APYA3w-e` is the UTF-8 bytes
# of “Größe” sent as a literal, `L&AOk-gal` is “Légal” in Latin-1). A second, direct IMAP
# connection checks what Dovecot really holds.
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import re
import socket
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clitest as C  # noqa: E402

FFFD = '\ufffd'

# Dovecot's name -> the name the relay's clients see (and back). Names in LIST/STATUS lines go
# out as atoms or literals; what clients send comes back as an atom, a quoted string or a
# non-synchronizing literal (Dovecot offers LITERAL+).
RENAMES = [
    (b'Bad&-Jjo', b'Bad&Jjo'),
    (b'Bad&-Jjx', b'Bad&Jjx'),
    (b'Gr&APYA3w-e', 'Größe'.encode()),
    (b'L&AOk-gal', 'Légal'.encode('latin-1')),
]


def tag(server_name):
    """A message subject naming a folder without its name."""
    return re.sub(rb'[^a-z]', b'', server_name.lower())


def to_client(line):
    for server, wire in RENAMES:
        if wire.isascii():
            line = line.replace(server, wire)
        else:
            line = re.sub(rb'(?<=[ (])' + re.escape(server) + rb'(?=[ )\r])',
                          b'{%d}\r\n' % len(wire) + wire, line)
    return line


def to_server(data):
    for server, wire in RENAMES:
        if wire.isascii():
            data = data.replace(wire, server)
        else:
            data = data.replace(b'{%d+}\r\n' % len(wire) + wire, server)
            data = data.replace(b'"' + wire + b'"', server)
    return data


class Relay:
    """Plain-text IMAP relay on a free loopback port, rewriting whole lines."""

    def __init__(self, target):
        self.target = target
        self.sock = socket.socket()
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            server = socket.create_connection(('127.0.0.1', self.target))
            threading.Thread(target=self.pump, args=(client, server, to_server, True),
                             daemon=True).start()
            threading.Thread(target=self.pump, args=(server, client, to_client, False),
                             daemon=True).start()

    @staticmethod
    def pump(src, dst, rewrite, from_client):
        buf = b''
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                buf += data
                if from_client:
                    # Whole lines; a non-synchronizing literal's announcement waits for its data.
                    if not buf.endswith(b'\r\n') or buf.endswith(b'+}\r\n'):
                        continue
                    dst.sendall(rewrite(buf))
                    buf = b''
                else:
                    cut = buf.rfind(b'\r\n')
                    if cut < 0:
                        continue
                    out = b''.join(rewrite(line) for line in
                                   buf[:cut + 2].splitlines(keepends=True))
                    dst.sendall(out)
                    buf = buf[cut + 2:]
            if buf:
                dst.sendall(buf)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self):
        self.sock.close()


class Cli(C.Cli):
    def subjects(self, folder):
        return sorted(r['subject'] for r in self.json('list', 'alice', folder))

    def uid_of(self, folder, subject):
        return [r['uid'] for r in self.json('list', 'alice', folder)
                if r['subject'] == subject][0]


def main():
    t = C.Tap()
    servers = C.start_servers()
    if servers is None:
        return 77

    data_dir = tempfile.mkdtemp(prefix='petrel-rawname-')
    cli = Cli(data_dir)
    alice = servers.user(0)
    relay = Relay(servers.imap_direct_port)
    try:
        srv = C.Server(servers, alice)
        m = srv.m
        for name, _ in RENAMES:
            assert m.create(name.decode())[0] == 'OK', name
            # (The relay rewrites names anywhere in a line: none in the messages.)
            m.append(name.decode(), None, None,
                     b'Subject: kept in %s\r\nMessage-ID: <%s@example.test>\r\n\r\nx\r\n'
                     % ((tag(name),) * 2))
        for i in range(3):
            m.append('INBOX', None, None,
                     b'Subject: inbox %d\r\nMessage-ID: <inbox%d@example.test>\r\n\r\n'
                     b'body %d\r\n' % (i, i, i))

        r = C.add_account(data_dir, servers, alice, 'alice', imap_security='none',
                          imap_port=relay.port)
        t.check(r.returncode == 0, 'account add through the relay', r.stderr.decode())
        r = cli('sync', 'alice')
        t.check(r.returncode == 0, 'sync with names that are not modified UTF-7',
                r.stderr.decode(errors='replace'))

        folders = {f['path']: f for f in cli.json('folders', 'alice')}
        bad = [p for p in folders if p.startswith('Bad' + FFFD)]
        t.check(sorted(bad) == ['Bad' + FFFD, 'Bad' + FFFD + ' (2)'],
                'a broken “&” sequence shows as U+FFFD; two such names that decode alike get '
                'distinct paths', sorted(folders))
        t.check(sorted(folders[p].get('server_name') for p in bad) == ['Bad&Jjo', 'Bad&Jjx'],
                'folders --json gives each its server name', [folders[p] for p in bad])
        t.check('Größe' in folders and 'server_name' not in folders['Größe'],
                'raw UTF-8 from the server shows as that text', sorted(folders))
        legal = 'L' + FFFD + 'gal'
        t.check(legal in folders and folders[legal].get('server_name') == 'L\\xE9gal',
                'a raw Latin-1 byte shows as U+FFFD; server_name escapes it',
                folders.get(legal))
        t.check(all(f['total'] == 1 for p, f in folders.items()
                    if p in bad or p in ('Größe', legal)),
                'each such folder synced its message',
                {p: f['total'] for p, f in folders.items()})
        t.check(set(f['path'] for f in cli.json('folders', 'alice')) == set(folders),
                'folders --json is stable')

        by_server = {folders[p].get('server_name'): p for p in bad}
        bad_jjo = by_server['Bad&Jjo']
        t.check(cli.subjects(bad_jjo) == ['kept in badjjo'], 'list shows its messages',
                cli.subjects(bad_jjo))
        uid = cli.uid_of(bad_jjo, 'kept in badjjo')
        r = cli('show', 'alice', bad_jjo, str(uid))
        t.check(r.returncode == 0 and b'kept in badjjo' in r.stdout,
                'show reads a message of such a folder', r.stderr.decode(errors='replace'))
        r = cli('sync', 'alice')
        t.check(r.returncode == 0 and set(p['path'] for p in cli.json('folders', 'alice')) ==
                set(folders), 'a second sync keeps the same folders',
                r.stderr.decode(errors='replace'))

        # -- a third name that decodes alike: the others keep their paths (and caches)
        RENAMES.append((b'Bad&-Jjn', b'Bad&Jjn'))
        assert m.create('Bad&-Jjn')[0] == 'OK'
        r = cli('sync', 'alice')
        again = {f.get('server_name'): f['path'] for f in cli.json('folders', 'alice')
                 if f['path'].startswith('Bad' + FFFD)}
        t.check(r.returncode == 0 and
                again == dict(by_server, **{'Bad&Jjn': 'Bad' + FFFD + ' (3)'}),
                'a new name that decodes alike gets the next free path, the others keep theirs',
                again)

        # -- moves into and out of them, replayed with the server's names
        r = cli('move', 'alice', 'INBOX', str(cli.uid_of('INBOX', 'inbox 0')), '--to', bad_jjo)
        t.check(r.returncode == 0, 'move into a folder with a broken name',
                r.stderr.decode(errors='replace'))
        t.check(srv.subjects('Bad&-Jjo') == ['inbox 0', 'kept in badjjo'] and
                'inbox 0' not in srv.subjects('INBOX'),
                'the server has the message in that mailbox', srv.subjects('Bad&-Jjo'))
        r = cli('move', 'alice', bad_jjo, str(uid), '--to', 'INBOX')
        t.check(r.returncode == 0, 'move out of it', r.stderr.decode(errors='replace'))
        t.check(srv.subjects('Bad&-Jjo') == ['inbox 0'] and
                'kept in badjjo' in srv.subjects('INBOX'),
                'the server moved it out', srv.subjects('Bad&-Jjo'))
        r = cli('move', 'alice', 'INBOX', str(cli.uid_of('INBOX', 'inbox 1')), '--to', 'Größe')
        t.check(r.returncode == 0 and srv.subjects('Gr&APYA3w-e') ==
                ['inbox 1', 'kept in grapyawe'],
                'move into a folder named in raw 8-bit UTF-8', r.stderr.decode(errors='replace'))
        r = cli('move', 'alice', legal, str(cli.uid_of(legal, 'kept in laokgal')), '--to',
                'INBOX')
        t.check(r.returncode == 0 and srv.subjects('L&AOk-gal') == [],
                'move out of a folder named in raw Latin-1', r.stderr.decode(errors='replace'))
        r = cli('sync', 'alice')
        t.check(r.returncode == 0 and cli.subjects(bad_jjo) == ['inbox 0'] and
                'kept in badjjo' in cli.subjects('INBOX') and
                'kept in laokgal' in cli.subjects('INBOX'),
                'after a sync the cache agrees with the server',
                r.stderr.decode(errors='replace'))
        t.check(cli.json('pending', 'alice') == [], 'nothing left pending')

        # -- rename: RENAME names the old mailbox by its server name
        r = cli('folder', 'rename', 'alice', bad_jjo, 'Renamed')
        t.check(r.returncode == 0, 'rename a folder with a broken name',
                r.stderr.decode(errors='replace'))
        names = srv.folders()
        t.check('Renamed' in names and 'Bad&-Jjo' not in names, 'renamed on the server',
                sorted(names))
        r = cli('sync', 'alice')
        paths = set(f['path'] for f in cli.json('folders', 'alice'))
        t.check(r.returncode == 0 and 'Renamed' in paths and bad_jjo not in paths and
                cli.subjects('Renamed') == ['inbox 0'],
                'after a sync the renamed folder has its message', sorted(paths))
        r = cli('folder', 'delete', 'alice', legal)
        t.check(r.returncode == 0 and 'L&AOk-gal' not in srv.folders(),
                'delete a folder named in raw Latin-1', r.stderr.decode(errors='replace'))
        srv.close()
    finally:
        relay.close()
        servers.stop()

    return t.finish()


if __name__ == '__main__':
    sys.exit(main())
