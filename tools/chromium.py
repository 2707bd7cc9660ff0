"""Debian's Chromium for the tests and the benchmark: where it is and how it is started.

Never a browser that `playwright install` downloads. The flags keep it quiet on a closed network
(without the networking ones it floods the network with refused connections).
"""

from __future__ import annotations

import os

CHROMIUM = os.environ.get("GLASSNET_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
