"""A first visit over a throttled network: time to "ready" and bytes on the wire, side by side.

    python3 build.py netbench [--dist dist --dist /tmp/old-dist ...] [--mbit 20] [--latency-ms 20]
                              [--link cdp|shared] [--repeat N] [--json FILE]

Why: a classroom Wi-Fi, not loopback, decides how long thirty students wait. Each run starts
Debian's Chromium with a fresh profile (a first visit, service workers allowed) and drives it
over the DevTools protocol on a pipe (standard library only). The site is served by `build.py
serve`'s own server, which counts the bytes it sends: those are the bytes on the wire.

Two ways to slow the network down:
- `--link cdp` (default): Chromium's own throttling, applied to the page and to every worker as
  soon as it exists and before it runs (Network.enable, then
  Network.emulateNetworkConditionsByRule: the classic emulateNetworkConditions is "not
  supported" on worker targets, and without it the Python worker's downloads went unthrottled).
  Chromium throttles each target on its own, so the page, its worker and the service worker
  each get the full rate: downloads that run side by side finish sooner than on one real link.
- `--link shared`: one link for everything (a token bucket in the server, plus one latency per
  response), as on a real Wi-Fi; no Chromium throttling.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from tools import serve
from tools.chromium import CHROMIUM, CHROMIUM_ARGS
from tools.util import BuildError, info

FLAGS = ["--headless=new", *CHROMIUM_ARGS, "--no-default-browser-check", "--remote-debugging-pipe"]
PROBE = """(() => {
  const el = (id) => document.getElementById(id);
  return JSON.stringify({state: document.documentElement.dataset.state,
    train: el('train') ? !el('train').disabled : false,
    offline: el('offline-status') ? el('offline-status').dataset.offline || null : null,
    controlled: !!(navigator.serviceWorker && navigator.serviceWorker.controller)});
})()"""


class Cdp:
    """The DevTools protocol over Chromium's --remote-debugging-pipe (fd 3 in, fd 4 out)."""

    def __init__(self, profile: Path, extra_flags: list[str]) -> None:
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def wire_fds() -> None:
            # Via fresh copies: dup2 onto the same number would keep the close-on-exec flag.
            read_end, write_end = os.dup(to_chrome_r), os.dup(from_chrome_w)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        self.process = subprocess.Popen(
            [CHROMIUM, *FLAGS, *extra_flags, f"--user-data-dir={profile}", "about:blank"],
            preexec_fn=wire_fds, close_fds=False, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._next = 0
        self._lock = threading.Lock()
        self._waiting: dict[int, list] = {}
        self.handlers: list = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        buffer = b""
        while True:
            chunk = os.read(self._from_chrome, 1 << 16)
            if not chunk:
                return
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                message = json.loads(raw)
                if "id" in message and message["id"] in self._waiting:
                    slot = self._waiting.pop(message["id"])
                    slot.append(message)
                    slot[0].set()
                elif "method" in message:
                    for handler in self.handlers:
                        threading.Thread(target=handler, args=(message,), daemon=True).start()

    def send(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = 60.0) -> dict:
        with self._lock:
            self._next += 1
            ident = self._next
        slot = [threading.Event()]
        self._waiting[ident] = slot
        message = {"id": ident, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        if not slot[0].wait(timeout):
            raise TimeoutError(f"no answer to {method}")
        reply = slot[1]
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error'].get('message')}")
        return reply.get("result", {})

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=5)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


class SharedLink:
    """One link for every connection (a classroom Wi-Fi): bytes leave in order at `rate` bytes/s,
    and each response first waits one round trip. Used with --link shared instead of Chromium's
    per-target throttling, which gives the page, its worker and the service worker a link each."""

    def __init__(self, mbit: float, latency_ms: float) -> None:
        self.rate = mbit * 1e6 / 8
        self.latency = latency_ms / 1000
        self.free_at = 0.0
        self.lock = threading.Lock()

    def wait_for_slot(self, size: int) -> None:
        with self.lock:
            start = max(time.monotonic(), self.free_at)
            self.free_at = start + size / self.rate
            done = self.free_at
        time.sleep(max(0.0, done - time.monotonic()))


def counting_server(dist: Path, link: SharedLink | None = None):
    """build.py serve's server for `dist`, counting the bytes it writes (headers and bodies),
    optionally sending them through a shared link."""
    sent = {"bytes": 0}
    lock = threading.Lock()
    server = serve.make_server(str(dist), "127.0.0.1", 0)
    made = server.RequestHandlerClass  # a class, or functools.partial(class, directory=...)

    class Counting:
        def __init__(self, raw) -> None:
            self.raw = raw

        def write(self, data) -> int:
            with lock:
                sent["bytes"] += len(data)
            if link is not None:
                for offset in range(0, len(data), 16384):  # small slices share the link fairly
                    piece = data[offset:offset + 16384]
                    link.wait_for_slot(len(piece))
                    self.raw.write(piece)
                return len(data)
            return self.raw.write(data)

        def __getattr__(self, name):
            return getattr(self.raw, name)

    class CountingHandler(getattr(made, "func", made)):
        def setup(self) -> None:
            super().setup()
            self.wfile = Counting(self.wfile)

        def send_response(self, *args, **kwargs) -> None:
            if link is not None:
                time.sleep(link.latency)  # the request's round trip
            super().send_response(*args, **kwargs)

    server.RequestHandlerClass = (functools.partial(CountingHandler, *made.args, **made.keywords)
                                  if hasattr(made, "func") else CountingHandler)
    return server, sent


def first_visit(dist: Path, mbit: float, latency_ms: float, timeout: float = 600.0,
                shared: bool = False) -> dict:
    """One first visit of `dist` in a fresh profile; times are seconds from navigation.

    shared=False: Chromium's throttling over CDP; True: one shared link in the server."""
    server, sent = counting_server(dist, SharedLink(mbit, latency_ms) if shared else None)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    conditions = {"offline": False, "latency": latency_ms,
                  "downloadThroughput": mbit * 1e6 / 8, "uploadThroughput": mbit * 1e6 / 8}
    auto = {"autoAttach": True, "waitForDebuggerOnStart": True, "flatten": True}
    profile = Path(tempfile.mkdtemp(prefix="glassnet-netbench-"))
    cdp = Cdp(profile, [])
    targets: list[str] = []

    def on_event(message: dict) -> None:
        if message["method"] != "Target.attachedToTarget":
            return
        session = message["params"]["sessionId"]
        kind = message["params"]["targetInfo"]["type"]
        try:
            if kind in ("page", "iframe", "worker", "service_worker", "shared_worker"):
                try:
                    cdp.send("Network.enable", session=session, timeout=30)
                except (RuntimeError, TimeoutError):
                    pass
                targets.append(f"{kind}: {throttle(session)}")
                cdp.send("Target.setAutoAttach", auto, session=session, timeout=30)
        except (RuntimeError, TimeoutError) as exc:
            targets.append(f"{kind} NOT throttled ({exc})")
        finally:
            try:
                cdp.send("Runtime.runIfWaitingForDebugger", session=session, timeout=30)
            except (RuntimeError, TimeoutError):
                pass

    def throttle(session: str) -> str:
        if shared:
            return "shared link in the server"
        """The newer per-rule call first (it also covers requests a frame makes for its
        dedicated workers), else the classic one; returns which one took."""
        rule = {"urlPattern": "", **{k: v for k, v in conditions.items() if k != "offline"}}
        try:
            cdp.send("Network.emulateNetworkConditionsByRule",
                     {"offline": False, "matchedNetworkConditions": [rule]}, session=session,
                     timeout=30)
            return "by rule"
        except RuntimeError:
            cdp.send("Network.emulateNetworkConditions", conditions, session=session, timeout=30)
            return "classic"

    cdp.handlers.append(on_event)
    try:
        cdp.send("Target.setDiscoverTargets", {"discover": True})
        cdp.send("Target.setAutoAttach", auto)
        target = cdp.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        page = cdp.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        cdp.send("Network.enable", session=page)
        targets.append(f"page: {throttle(page)}")
        cdp.send("Target.setAutoAttach", auto, session=page)
        cdp.send("Runtime.enable", session=page)
        sent["bytes"] = 0
        started = time.monotonic()
        cdp.send("Page.navigate", {"url": url}, session=page)
        marks: dict[str, tuple[float, int]] = {}
        while time.monotonic() - started < timeout:
            time.sleep(0.1)
            try:
                value = cdp.send("Runtime.evaluate", {"expression": PROBE, "returnByValue": True},
                                 session=page, timeout=10)["result"].get("value")
            except (RuntimeError, TimeoutError):
                continue
            if not value:
                continue
            probe = json.loads(value)
            now = (round(time.monotonic() - started, 2), sent["bytes"])
            if probe["state"] == "error":
                raise BuildError(f"the page reached 'error' while loading {dist}")
            if probe["state"] == "ready":
                marks.setdefault("ready", now)
            if probe["state"] == "ready" and probe["train"]:
                marks.setdefault("trainable", now)
            if probe["controlled"]:
                marks.setdefault("offline_copy", now)
            if {"ready", "trainable", "offline_copy"} <= set(marks):
                break
        if "ready" not in marks:
            raise BuildError(f"the page never became ready within {timeout:.0f} s")
        time.sleep(1.0)  # the service worker's last writes
        timings = cdp.send("Runtime.evaluate", {
            "expression": "JSON.stringify(window.glassnet && window.glassnet.timings || {})",
            "returnByValue": True}, session=page)["result"].get("value") or "{}"
        return {
            "ready_s": marks["ready"][0], "bytes_before_ready": marks["ready"][1],
            "trainable_s": marks.get("trainable", (None,))[0],
            "bytes_before_trainable": marks.get("trainable", (None, None))[1],
            "offline_copy_s": marks.get("offline_copy", (None,))[0],
            "bytes_first_visit": sent["bytes"],
            "throttled_targets": sorted(set(targets)),
            "page_timings_ms": _rounded(json.loads(timings)),
        }
    finally:
        cdp.close()
        server.shutdown()
        server.server_close()
        shutil.rmtree(profile, ignore_errors=True)


def _rounded(value):
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return round(value) if isinstance(value, float) else value


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="build.py netbench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--dist", type=Path, action="append",
                        help="a built site to measure (repeat to compare; default dist/)")
    parser.add_argument("--mbit", type=float, default=20.0, help="throughput, Mbit/s (20)")
    parser.add_argument("--latency-ms", type=float, default=20.0, help="added latency (20 ms)")
    parser.add_argument("--repeat", type=int, default=1, help="visits per site (1)")
    parser.add_argument("--link", choices=("cdp", "shared"), default="cdp",
                        help="cdp: Chromium's throttling per target (default); shared: one link "
                             "for all of the visit's connections, shaped by the server")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        raise BuildError(f"no Chromium at {CHROMIUM}", "apt-get install -y chromium")
    sites = args.dist or [Path("dist")]
    results = []
    for _ in range(args.repeat):
        for dist in sites:  # interleaved, so load changes hit every site alike
            figures = first_visit(dist.resolve(), args.mbit, args.latency_ms,
                                  shared=args.link == "shared")
            figures = {"dist": str(dist), "link": args.link, **figures,
                       "load_average": os.getloadavg()[0]}
            results.append(figures)
            info(json.dumps(figures))
    if args.json:
        args.json.write_text(json.dumps({"mbit": args.mbit, "latency_ms": args.latency_ms,
                                         "link": args.link,
                                         "runs": results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main(sys.argv[1:]))
