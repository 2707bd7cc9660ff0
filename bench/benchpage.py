"""The bench page (bench/index.html) in headless Chromium: one context, its console errors, and
calls into its Pyodide worker. The contenders (in_pyodide.py, tfjs.py) drive it."""

from __future__ import annotations

from typing import Any

from bench.common import BenchError


class BenchPage:
    """The bench page in its own context (service workers blocked)."""

    def __init__(self, browser, base: str, timeout_ms: float) -> None:
        self.context = browser.new_context(service_workers="block")
        self.page = self.context.new_page()
        self.page.set_default_timeout(timeout_ms)
        self.console: list[str] = []
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}")
                     if m.type == "error" else None)
        self.page.on("pageerror", lambda exc: self.console.append(f"pageerror: {exc}"))
        self.page.goto(base + "bench/index.html")
        try:
            self.page.wait_for_function("document.documentElement.dataset.state === 'ready'",
                                        timeout=60_000)
        except Exception as err:
            raise BenchError(f"the bench page did not start: {err}; page errors: {self.console}",
                             "check bench/*.js in the browser console") from err
        self.base = base
        self.peak_memory = 0

    def worker(self, cmd: str, **args: Any) -> dict:
        """One request to the Pyodide worker (bench/pyodide-worker.js); tracks its peak memory."""
        result = self.page.evaluate("([cmd, args]) => window.glassnetBench.worker(cmd, args)",
                                    [cmd, args])
        memory = result.get("wasm_memory_bytes") if isinstance(result, dict) else None
        if memory:
            self.peak_memory = max(self.peak_memory, memory)
        return result

    def python(self, code: str) -> Any:
        """Run Python in the worker; `code`'s last expression is a JSON string."""
        return self.worker("python", code=code)["value"]

    def close(self) -> None:
        self.context.close()
