"""Contender: a lesson in the page itself: the `lesson` preset from pressing Train to "done".

Why the real page and not the bench worker: what a class waits for is the whole page at work
(charts, running accuracy, the drawing guess refreshed each epoch), not one bare epoch. The page
opens with the lesson preset; the run starts once the training images are in.
"""

from __future__ import annotations

import time
from typing import Any

from bench.common import BenchError

TARGET = 0.88
ROWS = """() => [...document.querySelectorAll('[data-testid=epoch-row]')]
  .map((row) => parseFloat(row.querySelectorAll('td')[4].innerText) / 100)"""


def lesson_run(browser, base: str, timeout_ms: float, target: float = TARGET) -> dict[str, Any]:
    """Seconds from Train to the first epoch at `target` test accuracy and to the end of the run."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, service_workers="block")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(base + "index.html")
        page.wait_for_function(
            "() => { const s = document.documentElement.dataset.state;"
            " return s === 'error' || (s === 'ready' && !document.getElementById('train').disabled); }",
            timeout=timeout_ms)
        if page.evaluate("document.documentElement.dataset.state") == "error":
            raise BenchError(f"the page failed to start: {page.inner_text('#error')[:300]}",
                             "open the page by hand: python build.py serve")
        preset = page.evaluate("document.getElementById('preset').value")
        try:  # the page's own estimate, from batches it times once it is ready
            page.wait_for_function("document.querySelector('[data-testid=time-estimate]')"
                                   ".innerText.trim() !== ''", timeout=60_000)
            estimate = page.inner_text("[data-testid=time-estimate]")
        except Exception:  # noqa: BLE001  (no estimate is a finding, not a failure)
            estimate = None
        started = time.perf_counter()
        page.click("[data-testid=train]")
        reached = None
        deadline = started + timeout_ms / 1000
        while True:
            state = page.evaluate("document.documentElement.dataset.state")
            accuracies = page.evaluate(ROWS)
            now = time.perf_counter() - started
            if reached is None and any(a >= target for a in accuracies):
                reached = {"seconds": now, "epoch": next(i for i, a in enumerate(accuracies, 1) if a >= target)}
            if state in ("done", "error") or time.perf_counter() > deadline:
                break
            page.wait_for_timeout(200)
        if state != "done":
            raise BenchError(f"the lesson run ended in state {state!r}: {page.inner_text('#error')[:300]}",
                             "run the lesson preset by hand: python build.py serve")
        return {"seconds": now, "preset": preset, "estimate_before_train": estimate,
                "target": target, "time_to_target_s": reached["seconds"] if reached else None,
                "epoch_at_target": reached["epoch"] if reached else None,
                "test_accuracies": accuracies, "page_errors": errors}
    finally:
        context.close()
