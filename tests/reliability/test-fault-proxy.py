#!/usr/bin/python3
# test-fault-proxy.py: the fault proxy itself (tests/support/petrel-fault-proxy), against a
# scripted loopback peer: every rule does exactly what it says (cut at byte N with FIN or RST,
# after or before a pattern, after N TLS records; stall for a while or for ever; 1-byte chunks;
# throttle; inject; strip, also across reads), rules apply to the connections they name, bad
# rules are refused, the transcript rebuilds both streams byte for byte, and stats count.
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import atexit
import errno
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reliability as R  # noqa: E402


class Peer:
    """A loopback server that runs script(conn, log) for each connection in a thread; what
    it receives is kept in log['rx'] (up to EOF or reset) and log['end']."""

    def __init__(self, script):
        self.sock = socket.socket()
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.script = script
        self.logs = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            log = {'rx': b'', 'end': None, 'done': threading.Event()}
            self.logs.append(log)
            threading.Thread(target=self._run, args=(conn, log), daemon=True).start()

    def _run(self, conn, log):
        conn.settimeout(20)
        try:
            self.script(conn, log)
        except OSError as e:
            log['end'] = 'error: %s' % e
        finally:
            conn.close()
            log['done'].set()

    def log(self, i, timeout=20):
        """The i-th connection's log once its script has finished."""
        deadline = time.monotonic() + timeout
        while len(self.logs) <= i and time.monotonic() < deadline:
            time.sleep(0.01)
        log = self.logs[i]
        log['done'].wait(max(0, deadline - time.monotonic()))
        return log

    def close(self):
        self.sock.close()


def read_all(conn, log, limit=None):
    """Reads until EOF (log['end'] = 'eof') or a reset ('reset')."""
    while limit is None or len(log['rx']) < limit:
        try:
            data = conn.recv(65536)
        except ConnectionResetError:
            log['end'] = 'reset'
            return
        except socket.timeout:
            log['end'] = 'timeout'
            return
        if not data:
            log['end'] = 'eof'
            return
        log['rx'] += data


def client_read_all(sock, timeout=20):
    """What a client socket receives until EOF / reset / timeout: (bytes, how it ended)."""
    sock.settimeout(timeout)
    got = b''
    while True:
        try:
            data = sock.recv(65536)
        except ConnectionResetError:
            return got, 'reset'
        except socket.timeout:
            return got, 'timeout'
        if not data:
            return got, 'eof'
        got += data


def connect(port):
    s = socket.create_connection(('127.0.0.1', port), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def fetch(port, timeout=20):
    """Connects, sends nothing (half close at once) and reads what comes."""
    s = None
    try:
        s = connect(port)
        s.shutdown(socket.SHUT_WR)
    except OSError as e:
        # A reset cut can land before connect() or shutdown() has even returned.
        if s is not None:
            s.close()
        if e.errno in (errno.ECONNRESET, errno.ENOTCONN):
            return b'', 'reset'
        raise
    got, end = client_read_all(s, timeout)
    s.close()
    return got, end


def tls_records(rng, sizes, first=0x16):
    """Bytes framed like TLS records (type, 0x0303, length) with random payloads."""
    out = b''
    for i, n in enumerate(sizes):
        out += bytes([first if i == 0 else 0x17, 3, 3, n >> 8, n & 0xff]) + rng.randbytes(n)
    return out


def main():
    t = R.Tap('fault-proxy')
    if not R.require_proxy(t):
        return 77
    rng = random.Random(R.SEED)
    tmp = tempfile.mkdtemp(prefix='petrel-proxy-test-')
    atexit.register(shutil.rmtree, tmp, True)
    blob_s2c = rng.randbytes(300000)
    blob_c2s = rng.randbytes(120000)

    # -- pass-through, both ways at once, with a transcript
    def echo_script(conn, log):
        conn.sendall(blob_s2c)
        read_all(conn, log)

    peer = Peer(echo_script)
    transcript = os.path.join(tmp, 'pass.txt')
    with R.Proxy(peer.port, transcript=transcript) as p:
        s = connect(p.port)
        threading.Thread(target=lambda: (s.sendall(blob_c2s), s.shutdown(socket.SHUT_WR)),
                         daemon=True).start()
        got, end = client_read_all(s)
        s.close()
        t.check(got == blob_s2c and end == 'eof',
                'pass-through: the client gets every byte, then EOF',
                (len(got), end))
        t.check(peer.log(0)['rx'] == blob_c2s and peer.log(0)['end'] == 'eof',
                'pass-through: the server gets every byte, then EOF (half close forwarded)',
                (len(peer.log(0)['rx']), peer.log(0)['end']))
        time.sleep(0.2)
        st = p.stats()
        t.check(st['connections'] == 1 and st['sessions'][0]['c2s_bytes'] == len(blob_c2s) and
                st['sessions'][0]['s2c_bytes'] == len(blob_s2c) and st['active'] == 0,
                'stats count the connection and its bytes, and it is closed', st)
    tr = R.read_transcript(transcript)
    t.check(tr.get(1, {}).get('c2s') == blob_c2s and tr.get(1, {}).get('s2c') == blob_s2c,
            'the transcript rebuilds both streams byte for byte')
    peer.close()

    # -- cuts by byte count
    def send_then_read(conn, log):
        conn.sendall(blob_s2c)
        read_all(conn, log)

    for mode in ('fin', 'rst'):
        peer = Peer(send_then_read)
        with R.Proxy(peer.port, rule={'cut_after': 12345, 'cut_mode': mode}) as p:
            got, end = fetch(p.port)
            if mode == 'fin':
                t.check(got == blob_s2c[:12345] and end == 'eof',
                        'cut_after s2c (fin): exactly 12345 bytes, then EOF', (len(got), end))
            else:
                t.check(blob_s2c.startswith(got) and len(got) <= 12345 and end == 'reset',
                        'cut_after s2c (rst): at most 12345 bytes, then a reset', (len(got), end))
            end = peer.log(0)['end']
            t.check(end == 'eof' or end == 'reset' or 'reset' in end or 'Broken pipe' in end,
                    'cut_after s2c (%s): the server side is closed too' % mode, end)
        peer.close()

    peer = Peer(lambda conn, log: read_all(conn, log))
    with R.Proxy(peer.port, rule={'direction': 'c2s', 'cut_after': 777}) as p:
        s = connect(p.port)
        try:
            s.sendall(blob_c2s[:5000])
        except OSError:
            pass
        got, end = client_read_all(s)
        s.close()
        t.check(peer.log(0)['rx'] == blob_c2s[:777] and peer.log(0)['end'] == 'eof',
                'cut_after c2s: the server gets exactly 777 bytes, then EOF',
                (len(peer.log(0)['rx']), peer.log(0)['end']))
        t.check(end == 'eof', 'cut_after c2s: the client sees EOF', end)
    peer.close()

    # -- cuts at a pattern, after and before; only the first occurrence counts
    text = b'* OK hello\r\nA1 OK one\r\n* 3 EXISTS\r\nA2 OK two\r\nA3 OK three\r\n'

    def send_text(conn, log):
        conn.sendall(text)
        read_all(conn, log)

    for before in (False, True):
        peer = Peer(send_text)
        with R.Proxy(peer.port, rule={'cut_pattern': 'OK two\r\n', 'cut_before': before}) as p:
            got, end = fetch(p.port)
            want = text[:text.index(b'OK two\r\n') + (0 if before else len(b'OK two\r\n'))]
            t.check(got == want and end == 'eof',
                    'cut_pattern %s the pattern' % ('before' if before else 'after'), got)
        peer.close()

    # a pattern split across two writes is still found
    def send_split(conn, log):
        conn.sendall(b'aaaa STAR')
        time.sleep(0.3)
        conn.sendall(b'TTLS bbbb STARTTLS cccc')
        read_all(conn, log)

    peer = Peer(send_split)
    with R.Proxy(peer.port, rule={'strip': 'STARTTLS'}) as p:
        got, end = fetch(p.port)
        t.check(got == b'aaaa  bbbb  cccc' and end == 'eof',
                'strip removes every occurrence, also one split across two reads', got)
        ev = p.events()
        t.check(sum(1 for e in ev if e.startswith('strip ')) == 2, 'the strips are events', ev)
    peer.close()

    # strip in the other direction only
    def read_then_reply(conn, log):
        read_all(conn, log, limit=len(b'x CAP STARTTLS\r\n') - len(b'STARTTLS'))
        conn.sendall(b'CAP STARTTLS\r\n')
        read_all(conn, log)

    peer = Peer(read_then_reply)
    with R.Proxy(peer.port, rule={'strip': 'STARTTLS', 'strip_direction': 'c2s'}) as p:
        s = connect(p.port)
        s.sendall(b'x CAP STARTTLS\r\n')
        s.shutdown(socket.SHUT_WR)
        got, end = client_read_all(s)
        s.close()
        t.check(peer.log(0)['rx'] == b'x CAP \r\n' and got == b'CAP STARTTLS\r\n',
                'strip_direction c2s strips only what the client sends',
                (peer.log(0)['rx'], got))
    peer.close()

    # -- injection right after a pattern, in the same write, once
    def starttls_reply(conn, log):
        conn.sendall(b'A1 OK Begin TLS negotiation now.\r\n')
        time.sleep(0.2)
        conn.sendall(b'more OK Begin TLS negotiation now.\r\n')
        read_all(conn, log)

    peer = Peer(starttls_reply)
    transcript = os.path.join(tmp, 'inject.txt')
    inj = '* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN]\r\n'
    with R.Proxy(peer.port, transcript=transcript,
                 rule={'inject_after': 'negotiation now.\r\n', 'inject': inj}) as p:
        got, end = fetch(p.port)
        want = (b'A1 OK Begin TLS negotiation now.\r\n' + inj.encode() +
                b'more OK Begin TLS negotiation now.\r\n')
        t.check(got == want, 'inject: the bytes follow the first match only', got)
    # One write: the pattern and the injected line leave the proxy together, so the client's
    # single recv after the first server write holds both.
    tr = R.read_transcript(transcript)
    t.check(tr[1]['s2c'] == want, 'inject: the transcript shows it')
    peer.close()

    # -- 1-byte chunks: every byte its own write, nothing lost
    small = rng.randbytes(3000)

    def send_small(conn, log):
        conn.sendall(small)
        read_all(conn, log)

    peer = Peer(send_small)
    transcript = os.path.join(tmp, 'chunk.txt')
    with R.Proxy(peer.port, transcript=transcript, rule={'chunk': 1}) as p:
        got, end = fetch(p.port)
    with open(transcript) as f:
        writes = sum(1 for line in f if line.startswith('1 s2c '))
    t.check(got == small and writes == len(small),
            'chunk 1: %d bytes arrive intact in %d one-byte writes' % (len(got), writes))
    peer.close()

    # -- throttle: a lower bound only (the proxy cannot be faster than the rate)
    peer = Peer(send_small)
    with R.Proxy(peer.port, rule={'throttle': 10000}) as p:
        start = time.monotonic()
        got, end = fetch(p.port)
        elapsed = time.monotonic() - start
    t.check(got == small and elapsed >= 0.25,
            'throttle 10 kB/s: 3000 bytes intact, not faster than the rate (%.2f s)' % elapsed)
    peer.close()

    # -- stalls: for a while, then for ever (a black hole) until dropped
    peer = Peer(send_small)
    with R.Proxy(peer.port, rule={'stall_after': 1000, 'stall_ms': 600}) as p:
        start = time.monotonic()
        got, end = fetch(p.port)
        elapsed = time.monotonic() - start
    t.check(got == small and end == 'eof' and elapsed >= 0.6,
            'stall 600 ms after 1000 bytes: then everything arrives (%.2f s)' % elapsed)
    peer.close()

    peer = Peer(send_small)
    with R.Proxy(peer.port, rule={'stall_after': 1000}) as p:
        s = connect(p.port)
        got, end = client_read_all(s, timeout=1.5)
        t.check(got == small[:1000] and end == 'timeout',
                'stall for ever after 1000 bytes: nothing more comes', (len(got), end))
        p.command('drop')
        rest, end = client_read_all(s, timeout=10)
        s.close()
        t.check(rest == b'' and end == 'reset', 'drop resets the stalled connection', end)
    peer.close()

    # -- TLS record framing: cut after N records, c2s starts TLS with a handshake record
    c2s_tls = tls_records(rng, [200, 50, 30])
    s2c_tls = tls_records(rng, [100, 3000, 20, 0, 7000, 5])

    def tls_peer(conn, log):
        read_all(conn, log, limit=len(c2s_tls))
        # Several records in one write, and one record split over two writes.
        conn.sendall(s2c_tls[:2000])
        time.sleep(0.1)
        conn.sendall(s2c_tls[2000:])
        read_all(conn, log)

    for k in (1, 2, 4, 5):
        peer = Peer(tls_peer)
        with R.Proxy(peer.port, rule={'cut_records': k}) as p:
            s = connect(p.port)
            s.sendall(c2s_tls)
            got, end = client_read_all(s)
            s.close()
            sizes = [100, 3000, 20, 0, 7000, 5]
            want = sum(5 + n for n in sizes[:k])
            t.check(got == s2c_tls[:want] and end == 'eof',
                    'cut_records %d: exactly the first %d records (%d bytes)' % (k, k, want),
                    (len(got), end))
            st = p.stats()['sessions'][0]
            t.check(st['c2s_records'] == 3, 'the client\'s records are counted', st)
        peer.close()

    peer = Peer(tls_peer)
    with R.Proxy(peer.port, rule={'cut_records': 2, 'direction': 'c2s'}) as p:
        s = connect(p.port)
        s.sendall(c2s_tls)
        got, end = client_read_all(s)
        s.close()
        t.check(peer.log(0)['rx'] == c2s_tls[:5 + 200 + 5 + 50],
                'cut_records 2 c2s: the server gets the first two records', len(peer.log(0)['rx']))
    peer.close()

    # cut_on_next: the connection stays up until the server sends past the point
    def answer_then_more(conn, log):
        conn.sendall(b'A')
        read_all(conn, log, limit=1)
        conn.sendall(b'B')
        read_all(conn, log)

    for lazy in (False, True):
        peer = Peer(answer_then_more)
        with R.Proxy(peer.port, rule={'cut_after': 1, 'cut_on_next': lazy}) as p:
            s = connect(p.port)
            s.settimeout(10)
            first = s.recv(10)
            try:
                s.sendall(b'x')
            except OSError:
                pass
            got, end = client_read_all(s)
            s.close()
            rx = peer.log(0)['rx']
            if lazy:
                t.check(first + got == b'A' and rx == b'x',
                        'cut_on_next: the client\'s next line still gets through, the server\'s '
                        'next answer is lost', (first, got, rx))
            else:
                t.check(first + got == b'A' and rx == b'',
                        'cut at once: nothing passes after the point', (first, got, rx))
        peer.close()

    # plain text never starts TLS framing
    peer = Peer(send_text)
    with R.Proxy(peer.port, rule={'cut_records': 1}) as p:
        s = connect(p.port)
        s.sendall(b'A1 LOGIN x y\r\n')
        s.shutdown(socket.SHUT_WR)
        got, end = client_read_all(s)
        s.close()
        t.check(got == text, 'cut_records never fires on plain text', (got, end))
    peer.close()

    # -- which connections a rule applies to
    peer = Peer(send_small)
    with R.Proxy(peer.port) as p:
        p.rule(cut_after=10, skip=1, connections=1)
        results = []
        for i in range(3):
            got, end = fetch(p.port)
            results.append(len(got))
        t.check(results == [3000, 10, 3000], 'skip 1, connections 1: only the second is cut',
                results)
        st = p.stats()
        t.check(st['connections'] == 3, 'stats count three connections', st['connections'])
        p.reset_stats()
        t.check(p.stats()['connections'] == 0, 'reset-stats sets the count to 0')
        p.clear()
        got, end = fetch(p.port)
        t.check(len(got) == 3000, 'clear: untouched again')

        for bad in ({'cut_after': -1}, {'direction': 'sideways'}, {'frobnicate': 1},
                    {'inject': 'x'}, {'cut_pattern_hex': 'zz'}, {'cut_before': True}):
            try:
                p.rule(**bad)
                ok = False
            except R.ProxyError:
                ok = True
            t.check(ok, 'a bad rule is refused: %s' % bad)
        t.check(p.command('ping')['ok'], 'the proxy still answers after refusing rules')
        proc = p.proc
        p.stop()
        t.check(proc.returncode == 0, 'stdin EOF stops the proxy with status 0', proc.returncode)
    peer.close()

    r = subprocess.run([R.PROXY], capture_output=True)
    t.check(r.returncode == 2, 'no --target is a usage error')
    r = subprocess.run([R.PROXY, '--target', '1', '--rule', '{"chunk": "x"}'],
                       capture_output=True)
    t.check(r.returncode == 2 and b'chunk' in r.stderr, 'a bad --rule is a usage error')
    return t.finish()


if __name__ == '__main__':
    sys.exit(main())
