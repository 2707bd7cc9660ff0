"""`build.py check`: open a built site in headless Chromium and use it as a student would.

Why: a site that builds is not a site that starts. The check serves the folder with build.py's
own server, waits until the page says it is ready, trains one epoch (on the data the site ships,
or on a small generated set dropped on the page, as a student drops files), and predicts a
drawing. CI runs it on the site it tests, and the Pages workflow runs it before anything is
published: a site that cannot start is never deployed.

Needs Playwright (PyPI) and Debian's Chromium; `build.py check` installs them as `build.py test`
does. Never a browser downloaded by `playwright install`.
"""

from __future__ import annotations

import gzip
import json
import random
import struct
import threading
import time
from pathlib import Path

from tools import chromium
from tools.places import FILES
from tools.serve import make_server
from tools.util import BuildError, info

READY_TIMEOUT_S = 240  # a busy CI machine with the einsum page
TRAIN_TIMEOUT_S = 300
STATE = "document.documentElement.dataset.state"


def idx_gz(array: list[list[int]] | list[int], dims: tuple[int, ...]) -> bytes:
    """The real idx format (unsigned bytes), gzipped: magic 0x0803 images, 0x0801 labels."""
    flat = bytes(v for row in array for v in row) if dims[1:] else bytes(array)
    header = struct.pack(">HBB", 0, 0x08, len(dims)) + b"".join(struct.pack(">I", d) for d in dims)
    return gzip.compress(header + flat, mtime=0)


def small_dataset(n_train: int = 600, n_test: int = 200, seed: int = 0) -> dict[str, bytes]:
    """Ten easy classes of 28x28 images: class k lights rows 2+2k and 3+2k. Learnable in an epoch."""
    rng = random.Random(seed)

    def images(labels: list[int]) -> list[list[int]]:
        out = []
        for k in labels:
            pixels = [rng.randrange(60) for _ in range(28 * 28)]
            for row in (2 + 2 * k, 3 + 2 * k):
                for col in range(4, 24):
                    pixels[row * 28 + col] = 180 + rng.randrange(76)
            out.append(pixels)
        return out

    train = [i % 10 for i in range(n_train)]
    rng.shuffle(train)
    test = [i % 10 for i in range(n_test)]
    return {
        "train_images": idx_gz(images(train), (n_train, 28, 28)),
        "train_labels": idx_gz(train, (n_train,)),
        "test_images": idx_gz(images(test), (n_test, 28, 28)),
        "test_labels": idx_gz(test, (n_test,)),
    }


def check_site(dist: Path) -> list[str]:
    """Open `dist` in Chromium: ready, one epoch trained, a drawing predicted. Returns what it saw,
    one line each; raises a BuildError that says which step failed and what the page said."""
    manifest = _read_manifest(dist)
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise BuildError("the site check needs Playwright, which is not installed",
                         "pip install playwright (or run `python3 build.py check`, which installs "
                         "it)") from None
    if not Path(chromium.CHROMIUM).exists():
        raise BuildError(f"the site check needs Chromium at {chromium.CHROMIUM}",
                         "apt-get install -y chromium, or set GLASSNET_CHROMIUM")
    server = make_server(str(dist), "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    problems: list[str] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium.CHROMIUM,
                                        args=chromium.CHROMIUM_ARGS)
            try:
                page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
                page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
                page.on("console", lambda msg: problems.append(f"console: {msg.text}")
                        if msg.type == "error" else None)
                return _use_the_page(page, url, manifest)
            except PlaywrightError as exc:
                raise BuildError(f"the site check could not drive the page: {exc}".splitlines()[0],
                                 _hint(problems)) from None
            finally:
                browser.close()
    except BuildError as exc:
        if problems:
            exc.hint = _hint(problems)
        raise
    finally:
        server.shutdown()
        server.server_close()


def _hint(problems: list[str]) -> str:
    seen = "; ".join(dict.fromkeys(problems))[:600]
    return ("the page said: " + seen + ". " if seen else "") + \
        "Rebuild (python3 build.py) and run the check again; if it still fails, it is a bug."


def _read_manifest(dist: Path) -> dict:
    try:
        manifest = json.loads((dist / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise BuildError(f"{dist} is not a built site ({exc})", "run `python3 build.py` first") \
            from None
    if not (dist / "index.html").is_file():
        raise BuildError(f"{dist} has no index.html", "run `python3 build.py` first")
    return manifest


def _wait_state(page, states: tuple[str, ...], timeout_s: float, doing: str) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        state = page.evaluate(STATE)
        if state == "error":
            said = page.locator("#error-message").inner_text().strip() or "(no message)"
            raise BuildError(f"the page failed while {doing}: {said}", _hint([]))
        if state in states:
            return state
        page.wait_for_timeout(250)
    status = page.locator("[data-testid=status]").inner_text()
    raise BuildError(f"the page did not finish {doing} within {timeout_s:.0f} s "
                     f"(state {page.evaluate(STATE)!r}, status {status!r})", _hint([]))


def _use_the_page(page, url: str, manifest: dict) -> list[str]:
    seen = []
    started = time.monotonic()
    page.goto(url)
    _wait_state(page, ("ready",), READY_TIMEOUT_S, "starting (Pyodide, NumPy, glassnet)")
    backend = page.evaluate("glassnet.bridge.call('info').then((i) => i.backend)")
    seen.append(f"ready in {time.monotonic() - started:.1f} s, training backend: {backend}")
    wants_kernel = (manifest.get("parts") or {}).get("kernel")
    if wants_kernel and backend != "kernel":
        raise BuildError(f"the site was built with the WebAssembly kernel but the page trains with "
                         f"{backend}", "check the kernel's load errors in the browser console")

    if not manifest.get("data"):
        _drop_small_dataset(page)
        seen.append("no data set shipped: dropped a generated 600-image set on the page")
    page.get_by_test_id("epochs").fill("1")
    page.get_by_test_id("train").click()
    _wait_state(page, ("done",), TRAIN_TIMEOUT_S, "training one epoch")
    if page.locator("#error").is_visible():
        raise BuildError(f"training ended with an error: {page.locator('#error').inner_text()}", _hint([]))
    cells = page.get_by_test_id("epoch-row").last.locator("td").all_inner_texts()
    accuracy = float(cells[4].rstrip("%"))
    if accuracy < 50:
        raise BuildError(f"one epoch reached only {accuracy}% test accuracy: the page trains, "
                         "but does not learn", _hint([]))
    seen.append(f"trained one epoch: {accuracy}% test accuracy")

    draw_trousers(page)
    top = page.locator("[data-testid=prediction] li.top")
    try:
        top.wait_for(state="visible", timeout=60_000)
    except Exception:  # noqa: BLE001 (Playwright's timeout: say it in words)
        raise BuildError("a drawing on the canvas got no prediction within 60 s", _hint([])) from None
    seen.append(f"predicted a drawing: {top.locator('.name').inner_text()}")
    return seen


def drop_files(page, files: dict[str, bytes]) -> None:
    """Drops files (name -> bytes) on the page's drop zone the way a browser does: a drop event
    with a DataTransfer. (The browser tests drop files with it too.)"""
    page.evaluate("""files => {
        const dt = new DataTransfer();
        for (const f of files) dt.items.add(new File([new Uint8Array(f.bytes)], f.name));
        document.getElementById('drop-zone').dispatchEvent(
            new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
    }""", [{"name": name, "bytes": list(blob)} for name, blob in files.items()])


def _drop_small_dataset(page) -> None:
    drop_files(page, {FILES[key]: blob for key, blob in small_dataset().items()})
    # A function, not an expression: Playwright evaluates expressions with eval, which the page's
    # Content-Security-Policy refuses.
    page.wait_for_function("() => document.getElementById('data-summary').textContent"
                           ".includes('600 training')", timeout=60_000)


def draw_trousers(page) -> None:
    """A rough trouser shape drawn with the mouse: two long legs joined at the top. (The browser
    tests draw with it too.)"""
    canvas = page.get_by_test_id("canvas")
    canvas.scroll_into_view_if_needed()

    def at(fx: float, fy: float) -> tuple[float, float]:
        box = canvas.bounding_box()  # again each time: the page may have moved
        return box["x"] + fx * box["width"], box["y"] + fy * box["height"]

    for path in ([(0.35, 0.15), (0.3, 0.5), (0.28, 0.9)], [(0.65, 0.15), (0.7, 0.5), (0.72, 0.9)],
                 [(0.35, 0.15), (0.65, 0.15)]):
        page.mouse.move(*at(*path[0]))
        page.mouse.down()
        for point in path[1:]:
            page.mouse.move(*at(*point), steps=8)
        page.mouse.up()


def main(dist: Path) -> int:
    info(f"checking the site in {dist} in headless Chromium ...")
    for line in check_site(dist):
        info(f"  {line}")
    info("site check passed: it starts, trains and predicts")
    return 0
