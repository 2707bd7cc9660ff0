"""A new build of the site: the service worker keeps the files whose bytes did not change.

A classroom that redeploys should not make every laptop download Pyodide, NumPy and the data
again (about 45 MB each). The files an older build cached carry their content hash; the new
worker copies unchanged ones from the old cache and downloads only what changed. A kept response
still has the old server Date header, a downloaded one a new Date: that tells them apart here.
"""

from __future__ import annotations

import json
import sys
import time
from email.utils import formatdate
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from conftest import evaluate_settled, redeploy  # noqa: E402

CACHED_DATES = """async (build) => {
  const cache = await caches.open('glassnet-' + build);
  const out = {};
  for (const request of await cache.keys()) {
    const response = await cache.match(request);
    out[new URL(request.url).pathname.split('/').pop()] = {
      date: response.headers.get('date'), hash: response.headers.get('x-glassnet-sha256') };
  }
  return out;
}"""


def active_build_is(page, build_id: str) -> bool:
    """Whether the active service worker is the one of `build_id` (False while the page is
    navigating: a page moves itself to a new build with a reload)."""
    try:
        return page.evaluate(
            """(build) => navigator.serviceWorker.getRegistration().then(r =>
                 !!(r && r.active && r.active.state === 'activated'
                    && r.active.scriptURL.includes('build=' + build)))""", build_id)
    except PlaywrightError:
        return False


def wait_for_build(page, build_id: str, timeout: float = 180.0) -> None:
    """Poll from Python: wait_for_function would take the returned Promise itself as truthy."""
    deadline = time.monotonic() + timeout
    while not active_build_is(page, build_id):
        if time.monotonic() > deadline:
            raise AssertionError(f"the service worker of build {build_id} never became active")
        time.sleep(0.25)  # polling for the condition


@pytest.mark.browser_context_args(service_workers="allow")
def test_a_new_build_downloads_only_what_changed(page, served_site_copy):
    copy, url = served_site_copy
    first = json.loads((copy / "manifest.json").read_text())
    page.goto(url)
    wait_for_build(page, first["build"])
    before = page.evaluate(CACHED_DATES, first["build"])
    assert set(before) >= {Path(f).name for f in first["files"]}
    assert before["pyodide.asm.wasm"]["hash"] == first["hashes"]["pyodide/pyodide.asm.wasm"]

    # Server Date headers have one-second resolution: wait until the clock shows another
    # second than the first download's, so a new download is told apart by its Date.
    while formatdate(usegmt=True) == before["app.js"]["date"]:
        time.sleep(0.02)  # polling the clock for that condition
    with open(copy / "page" / "app.js", "a", encoding="utf-8") as f:
        f.write("\n// a new build\n")
    second = redeploy(copy)
    assert second["build"] != first["build"]
    page.reload()
    wait_for_build(page, second["build"])
    after = evaluate_settled(page, CACHED_DATES, second["build"])

    assert after["app.js"]["date"] != before["app.js"]["date"]  # changed: downloaded
    assert after["app.js"]["hash"] == second["hashes"]["page/app.js"]
    for name in ("pyodide.asm.wasm", "python_stdlib.zip", "worker.js", "index.html"):
        assert after[name]["date"] == before[name]["date"], f"{name} was downloaded again"
    old_caches = evaluate_settled(page, "caches.keys()")
    assert old_caches == [f"glassnet-{second['build']}"]  # the old build's cache is gone


@pytest.mark.browser_context_args(service_workers="allow")
def test_a_new_build_checks_the_bytes_it_keeps_from_an_older_cache(page, served_site_copy):
    # A cache filled under a label is not proof: bytes that went in under the right hash (an
    # older worker that did not check, a half deploy, a disk fault) must not reach the next build.
    copy, url = served_site_copy
    first = json.loads((copy / "manifest.json").read_text())
    page.goto(url)
    wait_for_build(page, first["build"])
    page.evaluate("""async ({build, hash}) => {
        const cache = await caches.open('glassnet-' + build);
        await cache.put('styles/style.css', new Response('/* not the real style.css */', {
            headers: {'content-type': 'text/css', 'x-glassnet-sha256': hash}}));
    }""", {"build": first["build"], "hash": first["hashes"]["styles/style.css"]})
    with open(copy / "page" / "app.js", "a", encoding="utf-8") as f:
        f.write("\n// a new build\n")
    second = redeploy(copy)
    assert second["hashes"]["styles/style.css"] == first["hashes"]["styles/style.css"]  # unchanged: a kept file
    page.reload()
    wait_for_build(page, second["build"])
    kept = evaluate_settled(page, """async (build) => {
        const hit = await (await caches.open('glassnet-' + build)).match('styles/style.css');
        return hit ? hit.text() : null;
    }""", second["build"])
    assert kept == (copy / "styles" / "style.css").read_text()
