#!/usr/bin/python3
# test-remote-content.py: HTML mail never reaches the network until the user allows it.
# A demo mailbox made here holds an HTML message whose images and style sheet live on a
# loopback HTTP server that counts requests: opening the message makes none (the cid: image
# inside the message still shows), "Show Remote Content" makes them. A plain-text message checks
# quote folding and links.
#
# Copyright 2026 The Petrel authors
# SPDX-License-Identifier: GPL-3.0-or-later

import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import petrelui  # noqa: E402

# A 1x1 red PNG, shown through cid: and stretched to 60x60.
RED_PNG_B64 = ('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ'
               '/pLvAAAAAElFTkSuQmCC')
PIXEL_GIF = (b'GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00'
             b'\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;')


class Counter(http.server.BaseHTTPRequestHandler):
    hits = []

    def do_GET(self):
        Counter.hits.append(self.path)
        body = b'body { border-top: 4px solid #00ff00; }' if self.path.endswith('.css') \
            else PIXEL_GIF
        self.send_response(200)
        self.send_header('Content-Type', 'text/css' if self.path.endswith('.css')
                         else 'image/gif')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def write_mailbox(root, port):
    inbox = os.path.join(root, 'INBOX')
    os.makedirs(inbox)
    html = f'''<html><head>
<link rel="stylesheet" href="http://127.0.0.1:{port}/style.css">
</head><body>
<h1 style="color:#224466">Quarterly kestrel census</h1>
<p>Our local <b>kestrel</b> count rose again this spring.</p>
<img src="cid:chart@petrel.test" width="60" height="60" alt="chart">
<img src="http://127.0.0.1:{port}/track.gif?u=42" width="1" height="1">
<p><a href="https://example.org/census">Read the full census</a></p>
</body></html>'''
    with open(os.path.join(inbox, '01-census.eml'), 'w') as f:
        f.write(f'''From: Bird Club <club@example.org>
To: Demo <demo@petrel.invalid>
Subject: Kestrel census results
Date: Tue, 10 Nov 2026 10:00:00 +0000
Message-ID: <census@example.org>
MIME-Version: 1.0
Content-Type: multipart/related; boundary="rel"

--rel
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=utf-8

Quarterly kestrel census. Our local kestrel count rose again this spring.

--alt
Content-Type: text/html; charset=utf-8

{html}
--alt--

--rel
Content-Type: image/png
Content-ID: <chart@petrel.test>
Content-Disposition: inline; filename="chart.png"
Content-Transfer-Encoding: base64

{RED_PNG_B64}
--rel--
''')
    with open(os.path.join(inbox, '02-quotes.eml'), 'w') as f:
        f.write('''From: Ann Lee <ann@example.org>
To: Demo <demo@petrel.invalid>
Subject: Re: Field trip
Date: Wed, 11 Nov 2026 10:00:00 +0000
Message-ID: <quotes@example.org>
Content-Type: text/plain; charset=utf-8

Sounds good, see the map at https://maps.example.org/trip for the meeting point.

On Tue, Bob wrote:
> We leave at eight.
> Bring boots.
> And a thermos.
> The bus is booked.
> Back by six.

Ann
''')
    # Thirty photos: the reading pane shows a few and a button for all.
    with open(os.path.join(inbox, '03-photos.eml'), 'w') as f:
        f.write('From: Ann Lee <ann@example.org>\nTo: Demo <demo@petrel.invalid>\n'
                'Subject: All the trip photos\nDate: Thu, 12 Nov 2026 10:00:00 +0000\n'
                'Message-ID: <photos@example.org>\nMIME-Version: 1.0\n'
                'Content-Type: multipart/mixed; boundary="p"\n\n'
                '--p\nContent-Type: text/plain; charset=utf-8\n\nHere they are, all thirty.\n')
        for i in range(1, 31):
            f.write('--p\nContent-Type: image/png\nContent-Transfer-Encoding: base64\n'
                    'Content-Disposition: attachment; filename="trip-%02d.png"\n\n%s\n'
                    % (i, RED_PNG_B64))
        f.write('--p--\n')
    with open(os.path.join(root, 'flags.json'), 'w') as f:
        json.dump({'INBOX/01-census.eml': [], 'INBOX/02-quotes.eml': ['\\Seen'],
                   'INBOX/03-photos.eml': ['\\Seen']}, f)


def count_red(path, area):
    x, y, w, h = area
    r = subprocess.run(['convert', path, '-crop', '%dx%d+%d+%d' % (w, h, x, y), '+repage',
                        '-fill', 'black', '+opaque', '#FF0000', '-fill', 'white', '-opaque',
                        '#FF0000', '-format', '%[fx:mean*w*h]', 'info:'],
                       capture_output=True, text=True)
    try:
        return int(float(r.stdout.strip()))
    except ValueError:
        return None


def main():
    if not os.environ.get('DISPLAY') and not os.environ.get('WAYLAND_DISPLAY'):
        print('1..0 # SKIP no display (build-aux/test runs the UI tests under xvfb-run)')
        return 77

    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Counter)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ok = petrelui.Tap()

    with tempfile.TemporaryDirectory(prefix='petrel-ui-') as tmp:
        source = os.path.join(tmp, 'demo-source')
        data_dir = os.path.join(tmp, 'data')
        os.makedirs(data_dir)
        write_mailbox(source, server.server_port)

        with petrelui.App(data_dir, env={'PETREL_DEMO_DIR': source}) as app:
            window = app.wait_for_window('Petrel')
            find = petrelui.find_showing
            row = app.wait_for(lambda: find(window, name='Kestrel census results', role='label'))
            ok.check(row is not None, 'the HTML message is listed')
            if row is not None:
                row.click()

            bar = app.wait_for(lambda: find(window, prefix='Remote content was blocked',
                                            role='label'))
            ok.check(bar is not None and '2 images or styles' in bar.name,
                     'the bar counts the blocked style sheet and tracking pixel: %r'
                     % (bar.name if bar else None))
            ok.check(bar is not None and
                     'It includes 1 tracking pixel, from 127.0.0.1.' in bar.name,
                     'the bar names the tracking pixel and where it would report to')
            ok.check(find(window, prefix='Always Show Remote Content From This Sender',
                          role='push button')
                     is not None, 'the bar offers to always load it for this sender')
            web = app.wait_for(lambda: [n for n in petrelui.walk(
                window, lambda n: n.name == 'Message body' and n.roleName != 'text')])
            time.sleep(3)   # ample time for any request to go out
            ok.check(Counter.hits == [], 'opening the message made no request (%r)'
                     % Counter.hits)

            shot = petrelui.screenshot('remote-content-blocked', crop=window)
            if web:
                (x, y), (w, h) = web[0].position, web[0].size
                red = count_red(shot, (x, y, w, h))
                ok.check(red is not None and red >= 900,
                         'the cid: image from inside the message is shown (%s red pixels)' % red)
            else:
                ok.check(False, 'the cid: image from inside the message is shown')

            # GTK 4.8 appends the button's own text to its accessible label.
            button = find(window, prefix='Show Remote Content', role='push button')
            ok.check(button is not None, 'the bar has a Show button')
            if button is not None:
                button.click()
            app.wait_for(lambda: len(Counter.hits) >= 2, timeout=15)
            ok.check(sorted(h.split('?')[0] for h in Counter.hits) == ['/style.css', '/track.gif'],
                     'after Show, the remote content loads (%r)' % Counter.hits)
            ok.check(app.wait_for(lambda: find(window, prefix='Remote content was blocked',
                                               role='label') is None) is True,
                     'the bar goes away')
            petrelui.screenshot('remote-content-shown', crop=window)

            # Plain text: the quoted block is folded, the link is a link.
            row = find(window, name='Re: Field trip', role='label')
            ok.check(row is not None, 'the plain-text message is listed')
            if row is not None:
                row.click()

            def body():
                for n in petrelui.walk(window, lambda n: n.roleName == 'text' and
                                       n.name == 'Message body'):
                    if 'meeting point' in petrelui.node_text(n):
                        return n
                return None
            text = app.wait_for(body)
            ok.check(text is not None, 'its text is shown')
            ok.check(text is not None and
                     'Show quoted text (5 lines)' in petrelui.node_text(text),
                     'the five quoted lines are folded behind “Show quoted text (5 lines)”')
            petrelui.screenshot('text-quotes-folded', crop=window)

            # Thirty attachments: eight, and a button for all thirty.
            row = find(window, name='All the trip photos', role='label')
            ok.check(row is not None, 'the message with thirty attachments is listed')
            if row is not None:
                row.click()

            def saves():
                return [n for n in petrelui.walk(window, lambda n: n.roleName == 'push button'
                                                 and n.name.startswith('Save “trip-'))]
            show_all = app.wait_for(lambda: find(window, prefix='Show All 30 Attachments',
                                                 role='push button'))
            ok.check(show_all is not None and len(saves()) == 8,
                     'it shows 8 attachments and “Show All 30 Attachments” (%d shown)'
                     % len(saves()))
            ok.check(find(window, prefix='Here they are', role='label') is not None or
                     app.wait_for(lambda: [n for n in petrelui.walk(
                         window, lambda n: n.roleName == 'text' and
                         'Here they are' in petrelui.node_text(n))]),
                     'its text is in view')
            petrelui.screenshot('attachments-collapsed', crop=window)
            if show_all is not None:
                show_all.click()
            ok.check(app.wait_for(lambda: len(saves()) == 30) is True and
                     find(window, prefix='Show All', role='push button') is None,
                     'the button shows all thirty (%d)' % len(saves()))

            ok.check(app.process.poll() is None, 'petrel still running')

    server.shutdown()
    return ok.finish()


if __name__ == '__main__':
    sys.exit(main())
