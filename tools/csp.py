"""The site's Content-Security-Policy: the page's (also in web/index.html's <meta>) and the
workers' (sent by `build.py serve` only: a worker's policy comes from its own response headers).

Why: defence in depth. The page treats every message as text, never HTML; if one ever reached
HTML anyway, the policy keeps it from running script or loading anything from elsewhere. Each
source, and why it is needed:

- default-src 'none': everything not named below is refused (media, fonts, frames...).
- script-src 'self': the page's own modules and the vendored libraries; no inline script, no
  eval. The page itself compiles no WebAssembly (Pyodide runs in the worker).
- style-src 'self': the stylesheets. No 'unsafe-inline': the views set styles through the CSSOM
  (element.style.width = ...), which a policy does not restrict; no markup carries style="".
- img-src 'self': the icons. Canvases are drawn, never loaded.
- connect-src 'self': manifest.json, the data, the model, classroom.json.
- worker-src 'self': the Python worker and the service worker.
- manifest-src 'self': the web app manifest (installing the app).
- object-src 'none', base-uri 'none', form-action 'none': no plugins, no <base> that would move
  every relative URL, no form that posts anywhere (the settings form is handled in script).
- frame-ancestors 'none' (header only: a <meta> policy cannot carry it): no other site frames
  the page. GitHub Pages cannot send headers, so there the page may be framed.

The worker (worker.js, and Pyodide inside it) additionally needs 'wasm-unsafe-eval' to compile
Python's and NumPy's WebAssembly; it needs no 'unsafe-eval'. The service worker needs only
connect-src.
"""

from __future__ import annotations

PAGE = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; "
        "base-uri 'none'; form-action 'none'")

# What the server adds to the page's policy: the one directive a <meta> cannot carry.
PAGE_HEADER = f"{PAGE}; frame-ancestors 'none'"

# Sent with every other answer; it acts where a response becomes a worker (worker.js, sw.js).
WORKER = ("default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; "
          "object-src 'none'; base-uri 'none'")
