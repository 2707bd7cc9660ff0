"""Contender: the page itself, open to ready, cold (empty profile) and warm (a returning visitor).

The browser profile lives on disk, as a student's does: a warm load then has the service worker,
the HTTP cache and V8's cache of compiled WebAssembly. A private (incognito-like) context keeps no
compiled code between loads, and measured Pyodide's start-up about 2 s slower here than a
returning visitor sees it.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from typing import Any

from bench.common import CHROMIUM, CHROMIUM_ARGS, BenchError

READY_MARK = """
(() => {
  const mark = () => {
    const state = document.documentElement && document.documentElement.dataset.state;
    if (state && !window.__benchStates) window.__benchStates = {};
    if (state && !(state in window.__benchStates)) window.__benchStates[state] = performance.now();
  };
  new MutationObserver(mark).observe(document, {attributes: true, subtree: true, attributeFilter: ['data-state']});
})();
"""


def measure_ready(playwright, base: str, timeout_ms: float, reloads: int = 3) -> dict:
    """Page open -> data-state 'ready': a new profile on disk (cold), then reloads (warm, median).

    Before the first reload the service worker must be active (it caches the manifest's files
    on install); otherwise the reload races the worker's own downloads.
    """
    profile = tempfile.mkdtemp(prefix="glassnet-bench-profile-")
    context = playwright.chromium.launch_persistent_context(
        profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    context.add_init_script(READY_MARK)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    out: dict[str, Any] = {"warm_all": []}

    def wait_ready(label: str) -> float:
        page.wait_for_function(
            "() => { const s = document.documentElement.dataset.state; return s === 'ready' || s === 'error'; }",
            timeout=timeout_ms)
        states = page.evaluate("window.__benchStates || {}")
        if "ready" not in states:
            raise BenchError(f"the page reached state 'error' instead of 'ready' ({label} load): "
                             f"{page.inner_text('body')[:300]}", "open the page by hand: python build.py serve")
        return states["ready"] / 1000.0

    try:
        page.goto(base + "index.html")
        out["cold"] = wait_ready("cold")
        t0 = time.perf_counter()
        out["service_worker"] = page.evaluate(
            """async () => {
                 if (!navigator.serviceWorker) return false;
                 const timeout = new Promise((resolve) => setTimeout(() => resolve(null), 60000));
                 const reg = await Promise.race([navigator.serviceWorker.ready, timeout]);
                 return !!(reg && reg.active);
               }""")
        out["service_worker_wait_s"] = round(time.perf_counter() - t0, 3)
        page.wait_for_timeout(500)
        for _ in range(max(1, reloads)):
            page.reload()
            out["warm_all"].append(wait_ready("warm"))
        # The median reload: the first ones can still share the machine with V8 compiling
        # Pyodide's hot functions for its code cache.
        out["warm"] = statistics.median(out["warm_all"])
        out["controlled_by_service_worker"] = page.evaluate(
            "!!(navigator.serviceWorker && navigator.serviceWorker.controller)")
    finally:
        context.close()
        shutil.rmtree(profile, ignore_errors=True)
    out["page_errors"] = errors
    return out
