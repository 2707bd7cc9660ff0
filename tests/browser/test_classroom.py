"""The classroom network: ready before the training images arrive, honest offline, installable.

Real Chromium, real Pyodide, the built site. The training files are held back by a route until
the test lets them go, so "ready before they arrive" is seen, not assumed.
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import CHROMIUM, CHROMIUM_ARGS, DATA_FILES, route_dataset, wait_for_state

ROOT = Path(__file__).resolve().parents[2]
TRAIN_FILES = re.compile(r".*/data/train-[^/]+\.gz(\?.*)?$")
OFFLINE = "document.getElementById('offline-status').dataset.offline"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_ready_with_the_test_set_while_the_training_images_are_on_their_way(
        page, context, server_url, small_dataset, console_errors, artifacts_dir):
    route_dataset(context, small_dataset)
    held = []
    context.route(TRAIN_FILES, lambda route: held.append(route))  # registered last: wins over the dataset route

    page.goto(server_url)
    wait_for_state(page, "ready")
    assert held, "the page did not ask for the training images"
    # Ready means: the pretrained model (if built) or none, the test gallery, no training yet.
    assert page.get_by_test_id("train").is_disabled()
    download = page.get_by_test_id("training-download")
    assert download.is_visible()
    assert "Train starts once they are all in" in download.inner_text()
    assert "200 test images are in" in page.locator("#data-summary").inner_text()
    assert "Train unlocks when the training images are in" in page.get_by_test_id("status").inner_text()
    page.screenshot(path=str(artifacts_dir / "classroom-ready-before-training-data.png"))

    by_name = {name: small_dataset[key] for key, name in DATA_FILES.items()}
    for route in held:
        name = route.request.url.rsplit("/", 1)[-1].split("?")[0]
        route.fulfill(status=200, body=by_name[name], content_type="application/gzip")
    page.wait_for_function("!document.getElementById('train').disabled", timeout=60_000)
    assert "600 training images and 200 test images" in page.locator("#data-summary").inner_text()
    assert download.is_hidden()
    # With the training images in, the run-time estimate appears next to Train by itself.
    page.wait_for_function("document.querySelector('[data-testid=time-estimate]').dataset.seconds",
                           timeout=60_000)
    assert "on this device" in page.get_by_test_id("time-estimate").inner_text()
    page.get_by_test_id("epochs").fill("1")
    page.get_by_test_id("train").click()
    wait_for_state(page, "done", timeout=120_000)
    assert console_errors == []


def test_a_failed_training_download_is_said_and_the_page_stays_usable(
        page, context, server_url, small_dataset, console_errors):
    route_dataset(context, small_dataset)
    context.route(TRAIN_FILES, lambda route: route.fulfill(status=404, body="gone"))
    page.goto(server_url)
    wait_for_state(page, "ready")
    page.locator("#error").wait_for(state="visible")
    assert "train-images-idx3-ubyte.gz" in page.locator("#error").inner_text() \
        or "train-labels-idx1-ubyte.gz" in page.locator("#error").inner_text()
    assert page.get_by_test_id("train").is_disabled()
    assert page.get_by_test_id("training-download").get_attribute("data-state") == "error"
    console_errors.clear()  # the 404s themselves


def test_picked_files_still_load_all_four_at_once(page, context, server_url, small_data_dir):
    context.route(TRAIN_FILES, lambda route: None)  # the site's training download never ends
    page.goto(server_url)
    wait_for_state(page, "ready")
    page.locator("#data-files").set_input_files(sorted(small_data_dir.iterdir()))
    page.wait_for_function("!document.getElementById('train').disabled", timeout=60_000)
    assert "600 training images" in page.locator("#data-summary").inner_text()
    assert page.get_by_test_id("training-download").is_hidden()


def test_without_a_service_worker_the_page_does_not_claim_offline(page, server_url, small_data_page):
    # The default test context blocks service workers: none ever controls the page.
    page.goto(server_url)
    wait_for_state(page, "ready")
    page.wait_for_function("!document.getElementById('train').disabled", timeout=60_000)
    status = page.get_by_test_id("offline-status")
    assert status.get_attribute("data-offline") != "yes"
    assert "Works offline" not in status.inner_text()
    assert page.evaluate("navigator.serviceWorker.controller") is None
    assert "works offline after the first visit" not in page.locator("footer").inner_text()


@pytest.mark.browser_context_args(service_workers="allow")
def test_offline_status_is_yes_only_once_a_service_worker_controls_the_page(
        page, server_url, small_data_page):
    page.goto(server_url)
    wait_for_state(page, "ready")
    page.wait_for_function(f"{OFFLINE} === 'yes'", timeout=120_000)
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    assert "Works offline on this device" in page.get_by_test_id("offline-status").inner_text()
    assert page.locator("#offline-help").is_hidden()


@pytest.fixture
def lan_browser(playwright):
    """A Chromium that resolves a LAN-like name to this machine: a page there is not a secure
    context, exactly as for a student opening the teacher's laptop by its address."""
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[*CHROMIUM_ARGS, "--host-resolver-rules=MAP teacher-laptop.test 127.0.0.1"])
    yield browser
    browser.close()


def test_on_a_lan_address_the_page_says_why_there_is_no_offline_copy(
        lan_browser, server_url, small_dataset, artifacts_dir):
    port = server_url.rstrip("/").rsplit(":", 1)[1]
    context = lan_browser.new_context(viewport={"width": 1366, "height": 768})
    errors = []
    page = context.new_page()
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    # Only the data files are routed (Playwright's own fetch would not resolve the LAN name).
    by_name = {name: small_dataset[key] for key, name in DATA_FILES.items()}
    context.route(re.compile(r".*/data/[^/]+\.gz$"), lambda route: route.fulfill(
        status=200, body=by_name[route.request.url.rsplit("/", 1)[-1]],
        content_type="application/gzip"))
    page.goto(f"http://teacher-laptop.test:{port}/")
    wait_for_state(page, "ready")
    assert page.evaluate("window.isSecureContext") is False
    status = page.get_by_test_id("offline-status")
    assert status.get_attribute("data-offline") == "no"
    assert status.get_attribute("data-reason") == "insecure"
    help_text = page.locator("#offline-help").inner_text()
    assert "teacher-laptop.test" in help_text and "install the app" in help_text
    assert "127.0.0.1:8000" in help_text
    # A student's page shows its own address too (folded: the teacher's view opens it).
    page.get_by_test_id("classroom").wait_for(state="attached")
    assert page.get_by_test_id("classroom-link").get_attribute("href") == f"http://teacher-laptop.test:{port}/"
    page.locator("footer").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts_dir / "classroom-lan-offline-status.png"))
    context.close()
    assert errors == []


# ---------------------------------------------------------------- installable app


def test_the_web_app_manifest_and_its_icons(dist_dir: Path) -> None:
    manifest = json.loads((dist_dir / "manifest.webmanifest").read_text())
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "./" and manifest["scope"] == "./"  # works under a sub-path
    assert manifest["name"] and manifest["short_name"] and len(manifest["short_name"]) <= 12
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["theme_color"])
    sizes = {}
    for icon in manifest["icons"]:
        assert not icon["src"].startswith(("/", "http"))
        data = (dist_dir / icon["src"]).read_bytes()
        width, height = png_size(data)
        assert icon["sizes"] == f"{width}x{height}" and icon["type"] == "image/png"
        sizes[width] = icon["src"]
    assert {192, 512} <= set(sizes)
    site = json.loads((dist_dir / "manifest.json").read_text())
    assert {"manifest.webmanifest", *sizes.values()} <= set(site["files"])  # cached for offline
    html = (dist_dir / "index.html").read_text()
    assert 'rel="manifest" href="./manifest.webmanifest"' in html


def test_chromium_finds_the_app_installable_and_the_worker_caches_its_files(
        playwright, server_url, tmp_path, small_dataset):
    """A persistent profile (not incognito, where Chromium never installs), on localhost (a
    secure context, like the https site): no installability errors, and the service worker's
    cache holds the manifest and both icons, so the installed app starts offline."""
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=CHROMIUM, args=CHROMIUM_ARGS,
        service_workers="allow")
    try:
        page = context.new_page()
        route_dataset(context, small_dataset)
        page.goto(server_url)
        wait_for_state(page, "ready")
        page.wait_for_function(f"{OFFLINE} === 'yes'", timeout=120_000)
        cdp = context.new_cdp_session(page)
        app = cdp.send("Page.getAppManifest")
        assert app["errors"] == [] and app["url"].endswith("/manifest.webmanifest")
        errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
        assert errors == [], errors
        cached = page.evaluate("""async () => {
            const names = await caches.keys();
            const cache = await caches.open(names.find((n) => n.startsWith('glassnet-')));
            return (await cache.keys()).map((r) => new URL(r.url).pathname); }""")
        for name in ("manifest.webmanifest", "icons/icon-192.png", "icons/icon-512.png", "index.html"):
            assert any(path.endswith("/" + name) for path in cached), f"{name} is not cached"

        context.set_offline(True)
        page.goto(server_url)  # the installed app's start_url, with no network
        wait_for_state(page, "ready")
        context.set_offline(False)
    finally:
        context.close()


# ---------------------------------------------------------------- the class address and QR code


@pytest.fixture
def class_server(dist_dir: Path):
    """The site served as for a class: the server names a network address for students."""
    sys.path.insert(0, str(ROOT))
    try:
        from tools import serve
    finally:
        sys.path.remove(str(ROOT))
    server = serve.make_server(str(dist_dir), "127.0.0.1", 0)
    server.classroom_urls = ["http://192.0.2.44:8000/"]  # as if listening on 0.0.0.0 of a LAN
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_the_teacher_sees_the_class_address_as_a_large_link_and_a_qr_code(
        page, class_server, small_dataset, context, artifacts_dir, tmp_path, console_errors):
    route_dataset(context, small_dataset)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(class_server)
    panel = page.get_by_test_id("classroom")
    panel.wait_for()
    link = page.get_by_test_id("classroom-link")
    assert link.get_attribute("href") == "http://192.0.2.44:8000/"
    assert link.inner_text() == "192.0.2.44:8000"
    assert float(link.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 24
    qr = page.get_by_test_id("classroom-qr")
    box = qr.bounding_box()
    assert box["width"] >= 150 and abs(box["width"] - box["height"]) < 2
    assert qr.locator("svg path").count() == 1
    wait_for_state(page, "ready")
    page.screenshot(path=str(artifacts_dir / "classroom-qr-1366.png"))
    shot = tmp_path / "qr.png"
    qr.screenshot(path=str(shot))
    zbarimg = shutil.which("zbarimg")
    if zbarimg:  # decode it as a phone would (Debian's zbar-tools)
        decoded = subprocess.run([zbarimg, "--raw", "-q", str(shot)], capture_output=True,
                                 text=True, timeout=30)
        assert decoded.stdout.strip() == "http://192.0.2.44:8000/"
    for width, height in ((1024, 768), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(artifacts_dir / f"classroom-qr-{width}.png"))
        assert qr.bounding_box()["width"] <= width
    assert console_errors == []


def test_no_class_panel_when_only_this_computer_can_open_the_page(page, server_url, small_data_page):
    page.goto(server_url)
    wait_for_state(page, "ready")
    page.wait_for_function("fetch('./classroom.json').then(r => r.json()).then(j => j.urls.length === 0)")
    assert page.get_by_test_id("classroom").count() == 0
