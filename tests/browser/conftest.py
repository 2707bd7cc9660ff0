"""Fixtures for driving the built page (dist/) in Debian's headless Chromium.

Why these exist: the page must be tested as people use it, through a real browser, real Pyodide
and real idx files. The data is generated here (small, learnable, real idx format) so the tests
never need the 30 MB Fashion-MNIST set; a test that wants the real set asks for `real_data_dir`.

Shared with the Pyodide core tests: `dist_dir`, `server_url`, `make_idx_gz`,
`small_dataset`, `route_data`, `wait_for_state`, `console_errors`, `artifacts_dir`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
for _path in (ROOT, ROOT / "py"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from glassnet.data import encode_idx  # noqa: E402
from glassnet.places import DEBIAN_DIR as REAL_DATA  # noqa: E402
from glassnet.places import FILES  # noqa: E402
from tools.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402  (Debian's, quiet on a closed network)

# The page's Content-Security-Policy allows no eval. Playwright evaluates a wait_for_function
# *expression* string with eval inside the page, which the policy refuses; a *function* string
# it calls without eval. So every expression is passed on as a function: the tests keep their
# short expressions and run under the page's real policy.
_FUNCTION_TEXT = re.compile(r"^\s*(async\s+)?(function\b|\([^()]*\)\s*=>|[A-Za-z_$][\w$]*\s*=>)")
_wait_for_function = Page.wait_for_function


def _wait_for_function_without_eval(self, expression: str, *args, **kwargs):
    if not _FUNCTION_TEXT.match(expression):
        expression = f"() => ({expression})"
    return _wait_for_function(self, expression, *args, **kwargs)


Page.wait_for_function = _wait_for_function_without_eval

# The four file names of the idx set, keyed like manifest.json's "data".
DATA_FILES = dict(FILES)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder drives a browser, so mark it once here."""
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)


# ---------------------------------------------------------------- idx data


def make_idx_gz(array: np.ndarray) -> bytes:
    """A uint8 array as a gzip-compressed idx file (the Fashion-MNIST format): glassnet's own
    encoder, the one definition of the format's writer."""
    return encode_idx(np.ascontiguousarray(array, dtype=np.uint8))


def make_images(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Images whose class shows as a bright block at a class-specific place, plus noise.

    Easy on purpose: one short epoch of any preset should clearly beat chance (10%).
    """
    n = len(labels)
    images = rng.integers(0, 40, size=(n, 28, 28), dtype=np.int32)
    for i, c in enumerate(labels):
        row, col = divmod(int(c), 4)  # 3 x 4 grid of 7x7 cells, 10 used
        dy, dx = rng.integers(-1, 2, size=2)
        y0 = max(0, min(21, row * 9 + 1 + dy))
        x0 = max(0, min(21, col * 7 + dx))
        images[i, y0 : y0 + 7, x0 : x0 + 7] += rng.integers(150, 215)
    return np.clip(images, 0, 255).astype(np.uint8)


def make_dataset(n_train: int = 600, n_test: int = 200, seed: int = 0) -> dict[str, bytes]:
    """The four .gz files of a small learnable idx data set, keyed like DATA_FILES."""
    rng = np.random.default_rng(seed)
    train_labels = np.arange(n_train) % 10
    test_labels = np.arange(n_test) % 10
    rng.shuffle(train_labels)
    rng.shuffle(test_labels)
    return {
        "train_images": make_idx_gz(make_images(train_labels, rng)),
        "train_labels": make_idx_gz(train_labels.astype(np.uint8)),
        "test_images": make_idx_gz(make_images(test_labels, rng)),
        "test_labels": make_idx_gz(test_labels.astype(np.uint8)),
    }


@pytest.fixture(scope="session", name="make_idx_gz")
def make_idx_gz_fixture() -> Callable[[np.ndarray], bytes]:
    """The idx writer, as a fixture for tests that build their own odd files."""
    return make_idx_gz


@pytest.fixture(scope="session")
def small_dataset() -> dict[str, bytes]:
    """600 train / 200 test generated images, as .gz bytes keyed like DATA_FILES."""
    return make_dataset()


@pytest.fixture(scope="session")
def small_data_dir(tmp_path_factory: pytest.TempPathFactory, small_dataset: dict[str, bytes]) -> Path:
    """The small data set written to a folder under its real file names (for file pickers)."""
    folder = tmp_path_factory.mktemp("small-data")
    for key, name in DATA_FILES.items():
        (folder / name).write_bytes(small_dataset[key])
    return folder


@pytest.fixture(scope="session")
def real_data_dir() -> Path:
    """Debian's Fashion-MNIST folder; the test is skipped when it is absent."""
    if not all((REAL_DATA / name).is_file() for name in DATA_FILES.values()):
        pytest.skip(f"real Fashion-MNIST not found in {REAL_DATA}")
    return REAL_DATA


# ---------------------------------------------------------------- dist and server


@pytest.fixture(scope="session")
def dist_dir() -> Path:
    """The built site. The test command builds it; build it here only when it is missing.

    GLASSNET_DIST points at another build (e.g. one made by hand for a quick check).
    """
    dist = Path(os.environ.get("GLASSNET_DIST", ROOT / "dist")).resolve()
    if not (dist / "index.html").is_file() or not (dist / "manifest.json").is_file():
        subprocess.run(
            [sys.executable, "build.py", "--no-pretrain"], cwd=ROOT, check=True, timeout=900
        )
    if not (dist / "manifest.json").is_file():
        pytest.fail(f"no built site in {dist}: run `python build.py` first")
    return dist


@pytest.fixture(scope="session")
def manifest(dist_dir: Path) -> dict:
    """dist/manifest.json, read once."""
    return json.loads((dist_dir / "manifest.json").read_text())


def _serve(folder: Path) -> Iterator[str]:
    """`folder` served on 127.0.0.1 (a free port) by build.py's own server, in a daemon thread."""
    sys.path.insert(0, str(ROOT))
    try:
        import build  # the build script; its server is the one people run
    finally:
        sys.path.remove(str(ROOT))
    server = build.make_server(str(folder), "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    try:
        yield f"http://{host}:{port}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def server_url(dist_dir: Path) -> Iterator[str]:
    """dist/ served for the whole session."""
    yield from _serve(dist_dir)


@pytest.fixture
def served_site_copy(dist_dir: Path, tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A copy of dist/ that a test may change (a redeploy), and its URL."""
    copy = tmp_path / "site"
    shutil.copytree(dist_dir, copy)
    for url in _serve(copy):
        yield copy, url


def redeploy(copy: Path) -> dict:
    """A redeploy of a served copy: its manifest.json rewritten for the files as they are now,
    keeping what the build said of itself (version, wheel, data, model, optional parts). Returns
    the new manifest (its "build" differs whenever any byte does)."""
    from tools import site

    first = json.loads((copy / "manifest.json").read_text())
    return site.write_manifest(copy, first["version"], first["glassnet_wheel"], first["data"],
                               first["model"], first.get("parts"))


# ---------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Launch Debian's Chromium (never a downloaded one) with flags for a closed network."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    """Block service workers by default: page routes cannot see requests a worker serves.

    The offline test makes its own context with service workers allowed.
    """
    return {
        **browser_context_args,
        "service_workers": "block",
        "accept_downloads": True,
        "viewport": {"width": 1280, "height": 900},
    }


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where screenshots and measured figures go (gitignored); people look at them."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def console_errors(page) -> list[str]:
    """Console errors and uncaught page errors collected while the test runs."""
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    return errors


def _fulfil_manifest(route, data: dict[str, str], hashes: dict[str, str]) -> None:
    """Serve the real manifest with its "data" pointing at the routed files, and their hashes
    (the service worker checks every file it caches against them)."""
    response = route.fetch()
    body = response.json()
    body["data"] = data
    body["hashes"] = {**body.get("hashes", {}),
                      **{f: h for f, h in hashes.items() if f in body.get("files", [])}}
    route.fulfill(response=response, body=json.dumps(body), content_type="application/json")


def route_dataset(page_or_context, files: dict[str, bytes]) -> None:
    """Make the page's data/*.gz requests return `files` (keyed like DATA_FILES).

    manifest.json is patched to name the four files, so this works whether or not the build
    found data. Works on a Page or a BrowserContext (a context also sees worker requests).
    """
    by_name = {DATA_FILES[key]: body for key, body in files.items()}
    data = {key: f"data/{name}" for key, name in DATA_FILES.items()}
    hashes = {f"data/{name}": hashlib.sha256(body).hexdigest()[:16] for name, body in by_name.items()}

    def serve_data(route) -> None:
        name = route.request.url.rsplit("/", 1)[-1].split("?")[0]
        if name in by_name:
            route.fulfill(status=200, body=by_name[name], content_type="application/gzip")
        else:
            route.fulfill(status=404, body="not found")

    page_or_context.route(re.compile(r".*/manifest\.json(\?.*)?$"), lambda r: _fulfil_manifest(r, data, hashes))
    page_or_context.route(re.compile(r".*/data/[^/]+\.gz(\?.*)?$"), serve_data)


@pytest.fixture
def route_data(context) -> Callable[[dict[str, bytes]], None]:
    """Call with a dict of .gz bytes to serve them as the page's data (set up before goto)."""
    return lambda files: route_dataset(context, files)


@pytest.fixture
def small_data_page(page, route_data, small_dataset):
    """A page whose data/*.gz requests get the small generated set (not yet navigated)."""
    route_data(small_dataset)
    return page


def wait_for_state(page, state: str | tuple[str, ...], timeout: float = 90_000) -> str:
    """Wait for document.documentElement.dataset.state to be `state` (or one of them).

    Fails at once with the page's status text if the page reaches "error" instead.
    """
    wanted = (state,) if isinstance(state, str) else tuple(state)
    page.wait_for_function(
        "wanted => { const s = document.documentElement.dataset.state;"
        " return wanted.includes(s) || s === 'error'; }",
        arg=list(wanted),
        timeout=timeout,
    )
    current = page.evaluate("document.documentElement.dataset.state")
    if current not in wanted:
        status = page.locator("[data-testid=status]").inner_text()
        pytest.fail(f"page reached state {current!r} while waiting for {wanted}: {status}")
    return current


@pytest.fixture(name="wait_for_state")
def wait_for_state_fixture() -> Callable[..., str]:
    """`wait_for_state` as a fixture, for tests in other files."""
    return wait_for_state


# ---------------------------------------------------------------- page helpers
# Plain functions every browser test file shares (they live here, not in a test module).

STATE = "document.documentElement.dataset.state"


def record_timing(artifacts_dir: Path, name: str, seconds: float) -> None:
    """Keeps figures people can read after a run; tests never assert on them."""
    path = artifacts_dir / "browser-timings.json"
    figures = json.loads(path.read_text()) if path.exists() else {}
    figures[name] = round(seconds, 2)
    path.write_text(json.dumps(figures, indent=2, sort_keys=True))


def open_ready(page, server_url: str) -> float:
    """Opens the page and waits for "ready"; returns the seconds it took."""
    started = time.perf_counter()
    page.goto(server_url)
    wait_for_state(page, "ready")
    return time.perf_counter() - started


def start_training(page, epochs: int) -> None:
    """Presses Train and waits until this new run has started (a quick one may be done)."""
    runs = int(page.evaluate("document.documentElement.dataset.run || '0'"))
    page.get_by_test_id("epochs").fill(str(epochs))
    page.get_by_test_id("train").click()
    page.wait_for_function(f"Number(document.documentElement.dataset.run || 0) > {runs}")
    wait_for_state(page, ("training", "done"))


def start_long_run(page) -> None:
    """Starts a run that is still going when the test looks: one image a step, 1,000 epochs.

    With the kernel, even 1,000 epochs of 64-image batches on the small set can end within
    seconds, before a test has clicked Pause or drawn; tests that need a run in progress use this
    and end it with Stop.
    """
    page.get_by_test_id("batch-size").fill("1")
    start_training(page, epochs=1000)


def finish_training(page, timeout: float = 90_000) -> None:
    """Waits for the run to end, and fails with the page's own message if it ended in error."""
    wait_for_state(page, "done", timeout=timeout)
    banner = error_banner(page)
    assert not banner.is_visible(), f"training ended with an error: {banner.inner_text()}"


def draw_strokes(page) -> None:
    """A rough trouser shape drawn with the mouse, as `build.py check` draws it."""
    from tools import sitecheck

    sitecheck.draw_trousers(page)


def probabilities(page) -> str | None:
    """The last prediction's exact probabilities (JSON text), as the page keeps them."""
    return page.get_by_test_id("prediction").get_attribute("data-probabilities")


def wait_for_prediction(page, timeout: float = 30_000) -> str:
    """Waits until the prediction shows a top class; returns its name."""
    top = page.locator("[data-testid=prediction] li.top")
    top.wait_for(state="visible", timeout=timeout)
    return top.locator(".name").inner_text()


def epoch_rows(page) -> int:
    return page.get_by_test_id("epoch-row").count()


def last_test_accuracy(page) -> float:
    cells = page.get_by_test_id("epoch-row").last.locator("td").all_inner_texts()
    return float(cells[4].rstrip("%")) / 100


def error_banner(page):
    return page.locator("#error")


def worker_round_trips(page, times: int = 3) -> None:
    """Ask the worker something `times` times in a row. It answers in order, so afterwards
    everything it sent before has arrived: a condition to wait on instead of a fixed sleep."""
    page.evaluate("async (n) => { for (let i = 0; i < n; i += 1) await glassnet.bridge.call('info'); }",
                  times)


def events_during_round_trips(page, times: int = 3) -> int:
    """How many training progress events (batch, sample, epoch: store.js's isProgress) arrive
    while the worker answers `times` requests in a row (0 when training really is paused or
    stopped: a running loop posts them between requests).

    Other events may come at any time and say nothing about the loop: after a run ends the page
    measures the model (evaluate), and that reply carries a "shelf" event with its accuracy.
    Counting those made "training went on after Stop" fail now and then.
    """
    result = page.evaluate("""async (n) => {
        const { isProgress } = await import(new URL('page/store.js', location.href).href);
        const bridge = glassnet.bridge;
        const original = bridge.listeners.onEvent;
        const seen = [];
        bridge.listeners.onEvent = (event) => { seen.push(event.event); original?.(event); };
        try {
            for (let i = 0; i < n; i += 1) {
                await bridge.call('info');
                await new Promise((resolve) => setTimeout(resolve, 0)); // a turn for the loop
            }
        } finally {
            bridge.listeners.onEvent = original;
        }
        return { progress: seen.filter((name) => isProgress({ event: name })).length, seen };
    }""", times)
    return result["progress"]


def settled_probabilities(page) -> str | None:
    """The prediction once no newer one is on its way: unchanged across worker round trips."""
    previous = probabilities(page)
    for _ in range(20):
        worker_round_trips(page, 2)
        current = probabilities(page)
        if current == previous:
            return current
        previous = current
    raise AssertionError("the prediction never settled")


def evaluate_settled(page, expression: str, arg=None, timeout: float = 180.0):
    """page.evaluate that waits out a navigation (the page reloads itself into a new build)."""
    from playwright.sync_api import Error as PlaywrightError

    deadline = time.monotonic() + timeout
    while True:
        try:
            return page.evaluate(expression, arg)
        except PlaywrightError:
            if time.monotonic() > deadline:
                raise
            page.wait_for_load_state()


def wait_until(page, expression: str, arg=None, timeout: float = 180.0) -> None:
    """Poll `expression` until it is truthy, across navigations (a condition, not a sleep)."""
    deadline = time.monotonic() + timeout
    while not evaluate_settled(page, expression, arg, timeout):
        if time.monotonic() > deadline:
            raise AssertionError(f"never true: {expression}")
        time.sleep(0.1)  # polling for the condition
