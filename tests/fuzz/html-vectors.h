/* html-vectors.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

/* Ways HTML mail makes a reader fetch a remote resource (issue #10's matrix), each with the URL
 * http://127.0.0.1:9/LEAKMARK… in the place that loads. `%s` marks where fuzz-html.c puts its
 * attribute noise (no quotes, `=`, `<`, `>`, `&` or `K`: it can add attribute names, never values,
 * so the URL stays where the template put it, and never spell the mark). Shared by fuzz-html.c
 * and test-html-vectors.c. */

#define HTML_LEAK_MARK "LEAKMARK"
#define HTML_LEAK_URL  "http://127.0.0.1:9/" HTML_LEAK_MARK

static const char * const html_vectors[] = {
  "<img %s src=\"" HTML_LEAK_URL "/img.png\" alt=\"\">",
  "<img src=\"" HTML_LEAK_URL "/img2.png\" %s>",
  "<img srcset=\"" HTML_LEAK_URL "/a.png 1x, " HTML_LEAK_URL "/b.png 2x\" %s>",
  "<picture %s><source srcset=\"" HTML_LEAK_URL "/p.webp\"><img src=\"cid:x\"></picture>",
  "<body %s background=\"" HTML_LEAK_URL "/bg.png\">",
  "<table background=\"" HTML_LEAK_URL "/t.png\" %s><tr><td background=\"" HTML_LEAK_URL
    "/td.png\">cell</td></tr></table>",
  "<div %s style=\"background-image: url(" HTML_LEAK_URL "/css.png)\">styled</div>",
  "<p style=\"background:url('" HTML_LEAK_URL "/q.png')\" %s>quoted url</p>",
  "<style %s>@import url(" HTML_LEAK_URL "/import.css); @import \"" HTML_LEAK_URL
    "/import2.css\";</style>",
  "<style>@font-face { font-family: x; src: url(" HTML_LEAK_URL "/font.woff) } "
    "body { background: url(" HTML_LEAK_URL "/body.png) }</style>",
  "<link %s rel=\"stylesheet\" href=\"" HTML_LEAK_URL "/style.css\">",
  "<link rel=\"prefetch\" href=\"" HTML_LEAK_URL "/prefetch\" %s>",
  "<link rel=\"dns-prefetch preconnect\" href=\"" HTML_LEAK_URL "/preconnect\" %s>",
  "<iframe %s src=\"" HTML_LEAK_URL "/frame.html\"></iframe>",
  "<iframe srcdoc=\"&lt;img src=&quot;" HTML_LEAK_URL "/srcdoc.png&quot;&gt;\" %s></iframe>",
  "<frameset><frame src=\"" HTML_LEAK_URL "/frame2.html\" %s></frameset>",
  "<object %s data=\"" HTML_LEAK_URL "/object.swf\"></object>",
  "<embed src=\"" HTML_LEAK_URL "/embed.swf\" %s>",
  "<video %s poster=\"" HTML_LEAK_URL "/poster.png\" src=\"" HTML_LEAK_URL "/v.mp4\">"
    "<source src=\"" HTML_LEAK_URL "/v.webm\"><track src=\"" HTML_LEAK_URL "/t.vtt\"></video>",
  "<audio src=\"" HTML_LEAK_URL "/a.mp3\" %s></audio>",
  "<meta %s http-equiv=\"refresh\" content=\"0; url=" HTML_LEAK_URL "/refresh\">",
  "<form action=\"" HTML_LEAK_URL "/form\" %s><input type=\"image\" src=\"" HTML_LEAK_URL
    "/input.png\"><button formaction=\"" HTML_LEAK_URL "/button\">Go</button></form>",
  "<svg %s><image href=\"" HTML_LEAK_URL "/svg.png\"/><image xlink:href=\"" HTML_LEAK_URL
    "/svg2.png\"/><use href=\"" HTML_LEAK_URL "/use.svg#a\"/></svg>",
  "<base href=\"" HTML_LEAK_URL "/base/\" %s><img src=\"relative.png\">",
  "<script %s src=\"" HTML_LEAK_URL "/script.js\"></script>",
  "<script>new Image().src = \"" HTML_LEAK_URL "/js\";</script>",
  "<a href=\"javascript:fetch('" HTML_LEAK_URL "/js-link')\" %s>click</a>",
  "<img src=\"file:///etc/passwd?" HTML_LEAK_MARK "\" %s>",
  "<applet %s code=\"x\" codebase=\"" HTML_LEAK_URL "/applet\"></applet>",
  "<isindex action=\"" HTML_LEAK_URL "/isindex\" %s>",
  "<!--[if mso]><v:rect %s><v:fill src=\"" HTML_LEAK_URL "/vml.png\"/></v:rect><![endif]-->",
  "<noscript %s><img src=\"" HTML_LEAK_URL "/noscript.png\"></noscript>",
  "<template %s><img src=\"" HTML_LEAK_URL "/template.png\"></template>",
};
