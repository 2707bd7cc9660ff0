"""End-to-end tests of the page: built dist/ on localhost, Debian's Chromium, real Pyodide.

Each test starts from a fresh page, because that is what people get; the small generated data
set keeps an epoch well under a second so the whole file runs in about a minute on 2 cores.
Timings are recorded (test-artifacts/browser-timings.json) but never asserted.
"""

from __future__ import annotations

import gzip
import json
import re
import time
from pathlib import Path

import pytest
from conftest import (
    DATA_FILES,
    STATE,
    draw_strokes,
    epoch_rows,
    error_banner,
    events_during_round_trips,
    finish_training,
    last_test_accuracy,
    make_dataset,
    open_ready,
    record_timing,
    route_dataset,
    settled_probabilities,
    start_long_run,
    start_training,
    wait_for_prediction,
    wait_for_state,
)

from tools import sitecheck

pytestmark = pytest.mark.browser


# ---------------------------------------------------------------- tests


def test_page_reaches_ready_without_console_errors(page, server_url, small_data_page,
                                                   console_errors, artifacts_dir):
    seconds = open_ready(page, server_url)
    record_timing(artifacts_dir, "page_start_to_ready_s", seconds)
    timings = page.evaluate("({...window.glassnet.timings})")
    record_timing(artifacts_dir, "python_loaded_in_page_s", (timings["python"] - timings["start"]) / 1000)

    assert "Ready" in page.get_by_test_id("status").inner_text()
    assert "600 training images" in page.locator("#data-summary").inner_text()
    assert page.get_by_test_id("train").is_enabled()
    assert not error_banner(page).is_visible()
    # The presets came from webapi.options() and fill the form.
    page.get_by_test_id("preset").select_option("seed")
    assert page.locator("#optimizer").input_value() == "sgd"
    page.get_by_test_id("preset").select_option("default")
    # Every control has a name a screen reader can say (a label, aria-label or its text).
    unnamed = page.evaluate("""() => [...document.querySelectorAll(
            'input, select, button, canvas:not(.chart canvas)')]
        .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                      && !el.textContent.trim())
        .map(el => el.id || el.outerHTML.slice(0, 60))""")
    assert unnamed == []
    page.screenshot(path=str(artifacts_dir / "ready.png"), full_page=True)
    page.set_viewport_size({"width": 768, "height": 1024})  # a tablet, portrait
    # Charts follow their boxes' new size: wait for the page to fit.
    page.wait_for_function("document.documentElement.scrollWidth <= 768")
    page.screenshot(path=str(artifacts_dir / "ready-tablet.png"), full_page=True)
    assert console_errors == []


def test_one_epoch_on_small_data_shows_a_row_and_learns(page, server_url, small_data_page,
                                                        console_errors, artifacts_dir):
    open_ready(page, server_url)
    started = time.perf_counter()
    # With the keyboard only: type the epochs, then Enter on the Train button.
    page.get_by_test_id("epochs").fill("1")
    page.get_by_test_id("train").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("document.documentElement.dataset.run === '1'")
    finish_training(page)
    record_timing(artifacts_dir, "small_data_one_epoch_click_to_done_s", time.perf_counter() - started)

    assert epoch_rows(page) == 1
    assert last_test_accuracy(page) > 0.5  # chance is 10%; the generated classes are easy
    assert "Done" in page.get_by_test_id("status").inner_text()
    # The gallery shows test images with guesses once a model exists.
    page.locator("#gallery .tile").first.wait_for()
    assert page.locator("#gallery .tile").count() == 12
    assert console_errors == []


def test_pause_resume_and_stop(page, server_url, small_data_page, console_errors, artifacts_dir):
    open_ready(page, server_url)
    start_long_run(page)
    page.get_by_test_id("epoch-row").first.wait_for()
    page.screenshot(path=str(artifacts_dir / "training.png"), full_page=True)

    page.get_by_test_id("pause").click()
    wait_for_state(page, "paused")
    assert page.get_by_test_id("pause").inner_text() == "Resume"
    rows = epoch_rows(page)
    assert events_during_round_trips(page) == 0, "training went on while paused"
    assert epoch_rows(page) == rows

    # The learning rate can change mid-run (from the next batch on).
    page.get_by_test_id("learning-rate").fill("0.0005")
    page.get_by_test_id("learning-rate").press("Enter")
    page.wait_for_function("document.querySelector('[data-testid=status]').textContent.includes('0.0005')")

    page.get_by_test_id("pause").click()
    wait_for_state(page, "training")
    page.wait_for_function(f"document.querySelectorAll('[data-testid=epoch-row]').length > {rows}")

    page.get_by_test_id("stop").click()
    finish_training(page)
    rows = epoch_rows(page)
    assert events_during_round_trips(page) == 0, "training went on after Stop"
    assert epoch_rows(page) == rows
    assert "Stopped" in page.get_by_test_id("status").inner_text()
    assert page.get_by_test_id("train").is_enabled()

    page.locator("#reset").click()
    wait_for_state(page, "ready")
    assert epoch_rows(page) == 0
    assert console_errors == []


def test_drawing_predicts_also_while_training(page, server_url, small_data_page, manifest,
                                              console_errors, artifacts_dir):
    open_ready(page, server_url)
    if manifest.get("model"):
        # The pretrained model answers before any training.
        draw_strokes(page)
        assert wait_for_prediction(page)
        page.get_by_test_id("clear").click()
        page.locator("#prediction-empty").wait_for()

    start_long_run(page)
    page.get_by_test_id("epoch-row").first.wait_for()
    started = time.perf_counter()
    draw_strokes(page)
    name = wait_for_prediction(page)
    record_timing(artifacts_dir, "draw_strokes_to_prediction_while_training_s", time.perf_counter() - started)
    record_timing(artifacts_dir, "last_prediction_round_trip_while_training_s",
                  page.evaluate("window.glassnet.timings.predictMs") / 1000)
    assert page.evaluate(STATE) == "training", "the prediction should not need training to end"
    assert name in page.locator("[data-testid=prediction] .name").all_inner_texts()
    # The model's 28x28 input is shown and is not blank.
    lit = page.evaluate("""() => {
        const c = document.getElementById('model-input');
        const d = c.getContext('2d').getImageData(0, 0, 28, 28).data;
        let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] > 64) n++;
        return n; }""")
    assert lit > 20
    page.screenshot(path=str(artifacts_dir / "prediction.png"), full_page=True)
    page.get_by_test_id("stop").click()
    finish_training(page)

    # Clear empties the prediction; "Draw an example" gives one without a pointer.
    page.get_by_test_id("clear").click()
    page.locator("#prediction-empty").wait_for()
    page.locator("#draw-example").click()
    assert wait_for_prediction(page)

    # Touch and pen strokes go through the same pointer events (a pen's pressure included).
    for kind in ("touch", "pen"):
        page.get_by_test_id("clear").click()
        page.locator("#prediction-empty").wait_for()
        page.evaluate("""kind => {
            const c = document.querySelector('[data-testid=canvas]');
            const r = c.getBoundingClientRect();
            const at = (type, fx, fy) => c.dispatchEvent(new PointerEvent(type, {
                pointerId: 7, pointerType: kind, isPrimary: true, pressure: 0.7, button: 0,
                bubbles: true, cancelable: true,
                clientX: r.left + fx * r.width, clientY: r.top + fy * r.height}));
            at('pointerdown', 0.5, 0.1);
            for (let i = 1; i <= 20; i++) at('pointermove', 0.5 + 0.01 * i, 0.1 + 0.04 * i);
            at('pointerup', 0.7, 0.9);
        }""", kind)
        assert wait_for_prediction(page)
    assert console_errors == []


def test_saved_model_loads_and_predicts_the_same(page, server_url, small_data_page, tmp_path,
                                                 console_errors):
    open_ready(page, server_url)
    start_training(page, epochs=1)
    finish_training(page)
    page.locator("#draw-example").click()
    wait_for_prediction(page)
    before = settled_probabilities(page)
    assert before

    with page.expect_download() as download_info:
        page.locator("#save-model").click()
    saved = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(saved)
    assert saved.suffix == ".npz" and saved.stat().st_size > 1000

    # A different model (another seed, more epochs) predicts differently...
    page.locator("#seed").fill("7")
    start_training(page, epochs=3)
    finish_training(page)
    changed = ("before => document.querySelector('[data-testid=prediction]')"
               ".dataset.probabilities !== before")
    page.wait_for_function(changed, arg=before)

    # ...and loading the saved file brings the first one back.
    page.locator("#model-file").set_input_files(str(saved))
    page.wait_for_function("document.getElementById('model-summary').textContent.includes('.npz')")
    page.wait_for_function(changed.replace("!==", "==="), arg=before)
    assert not error_banner(page).is_visible()
    assert console_errors == []


def test_a_bad_model_file_gives_a_clear_message(page, server_url, small_data_page, tmp_path):
    open_ready(page, server_url)
    bad = tmp_path / "not-a-model.npz"
    bad.write_bytes(b"this is not a numpy file")
    page.locator("#model-file").set_input_files(str(bad))
    error_banner(page).wait_for()
    assert error_banner(page).locator("#error-hint").inner_text()
    assert page.evaluate(STATE) == "ready"


def test_truncated_data_file_shows_an_error_and_the_page_stays_usable(
        page, context, server_url, small_data_dir, console_errors):
    files = make_dataset()
    raw = gzip.decompress(files["train_images"])
    files["train_images"] = gzip.compress(raw[: len(raw) // 2])
    route_dataset(context, files)
    open_ready(page, server_url)

    banner = error_banner(page)
    banner.wait_for(state="visible")  # the training half is checked after "ready"
    text = banner.inner_text().lower()
    assert "train" in text and "image" in text, text
    assert banner.locator("#error-hint").inner_text()
    assert page.get_by_test_id("train").is_disabled()

    # Good copies picked from the computer (a USB stick) make the page work.
    page.locator("#data-files").set_input_files([str(small_data_dir / n) for n in DATA_FILES.values()])
    page.wait_for_function("document.getElementById('data-summary').textContent.includes('600')")
    assert not banner.is_visible()
    start_training(page, epochs=1)
    finish_training(page)
    assert epoch_rows(page) == 1
    # Only the console errors of the failed fetch-and-parse are expected: none.
    assert console_errors == []


def test_a_site_built_without_data_asks_for_the_files(page, context, server_url):
    def no_data(route) -> None:
        response = route.fetch()
        route.fulfill(response=response, body=json.dumps({**response.json(), "data": None}),
                      content_type="application/json")

    context.route(re.compile(r".*/manifest\.json(\?.*)?$"), no_data)
    open_ready(page, server_url)
    assert "without the data set" in page.locator("#data-summary").inner_text()
    assert "Fashion-MNIST files" in page.get_by_test_id("status").inner_text()
    assert page.get_by_test_id("train").is_disabled()
    assert not error_banner(page).is_visible()


def drop_files(page, folder: Path, names: list[str]) -> None:
    """Drops the named files of `folder` on the drop zone, as `build.py check` does."""
    sitecheck.drop_files(page, {n: (folder / n).read_bytes() for n in names})


def test_dropped_data_files_are_matched_by_name(page, server_url, small_data_page, small_data_dir):
    open_ready(page, server_url)
    drop_files(page, small_data_dir, [DATA_FILES["train_images"]])
    error_banner(page).wait_for()
    assert "test labels" in error_banner(page).inner_text()
    assert page.evaluate(STATE) == "ready"

    # All four (in any order) replace the data; a different data set would show its size.
    other = make_dataset(n_train=300, n_test=100, seed=3)
    folder = small_data_dir.parent / "other-data"
    folder.mkdir(exist_ok=True)
    for key, name in DATA_FILES.items():
        (folder / name).write_bytes(other[key])
    drop_files(page, folder, sorted(DATA_FILES.values()))
    page.wait_for_function("document.getElementById('data-summary').textContent.includes('300 training')")
    assert not error_banner(page).is_visible()


def test_bad_setting_gives_a_message_not_a_run(page, server_url, small_data_page):
    open_ready(page, server_url)
    page.locator("#layers").fill("256,lots")
    page.get_by_test_id("train").click()
    error_banner(page).wait_for()
    assert "Hidden layers" in error_banner(page).inner_text()
    assert page.evaluate(STATE) == "ready"
    page.locator("#layers").fill("64")
    page.get_by_test_id("learning-rate").fill("-1")
    page.get_by_test_id("train").click()
    page.wait_for_function("document.getElementById('error-message').textContent.includes('learning rate')")
    assert page.evaluate(STATE) == "ready"


def test_a_worker_that_fails_to_start_is_reported_and_can_be_reloaded(page, context, server_url,
                                                                      small_data_page):
    # A real failure inside the worker: Pyodide's module throws while it loads. The page says
    # what failed (not only that the worker stopped) and offers the reload.
    pattern = re.compile(r".*/pyodide/pyodide\.mjs$")
    context.route(pattern, lambda route: route.fulfill(
        body="throw new Error('broken Pyodide build');", content_type="text/javascript"))
    page.goto(server_url)
    page.wait_for_function(f"{STATE} === 'error'", timeout=60_000)
    assert "broken Pyodide build" in error_banner(page).inner_text()
    assert page.locator("#reload-worker").is_visible()
    context.unroute(pattern)
    page.locator("#reload-worker").click()
    wait_for_state(page, "ready")
    assert not error_banner(page).is_visible()


def test_a_crashed_worker_is_reported_and_can_be_reloaded(page, server_url, small_data_page):
    open_ready(page, server_url)
    # What the browser does when the worker dies later (e.g. out of memory): an error event.
    page.evaluate("glassnet.bridge.worker.dispatchEvent(new ErrorEvent('error', {message: 'out of memory'}))")
    page.wait_for_function(f"{STATE} === 'error'")
    assert "out of memory" in error_banner(page).inner_text()
    page.locator("#reload-worker").click()
    wait_for_state(page, "ready")
    start_training(page, epochs=1)
    finish_training(page)
    assert epoch_rows(page) == 1


def test_a_missing_glassnet_wheel_is_reported(page, context, server_url, small_data_page):
    # loadPackage does not throw for a bad wheel; the page must notice anyway.
    context.route(re.compile(r".*/wheels/[^/]+\.whl$"), lambda route: route.fulfill(status=404, body="gone"))
    page.goto(server_url)
    page.wait_for_function(f"{STATE} === 'error'", timeout=60_000)
    text = error_banner(page).inner_text()
    assert "glassnet" in text and "build.py" in text, text


def test_opened_as_a_file_it_says_how_to_serve_it(page, dist_dir):
    page.goto((dist_dir / "index.html").as_uri())
    warning = page.locator("#file-warning")
    warning.wait_for()
    assert "python build.py serve" in warning.inner_text()
    assert page.evaluate(STATE) == "error"


@pytest.mark.browser_context_args(service_workers="allow")
def test_reload_works_offline_after_the_first_visit(context, page, server_url, manifest,
                                                     console_errors, artifacts_dir):
    # No routes here: the service worker's own requests must reach the real server.
    open_ready(page, server_url)
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=120_000)
    page.wait_for_function(
        "navigator.serviceWorker.ready.then(r => r.active && r.active.state === 'activated')",
        timeout=120_000)

    context.set_offline(True)
    # The network is really gone for the page and its service worker: a file the cache does
    # not hold cannot be fetched.
    reached = page.evaluate("fetch('./not-cached-probe.txt').then(() => true, () => false)")
    assert reached is False
    console_errors.clear()  # the probe's own failed fetch
    started = time.perf_counter()
    page.reload()
    wait_for_state(page, "ready")
    record_timing(artifacts_dir, "offline_reload_to_ready_s", time.perf_counter() - started)
    assert not error_banner(page).is_visible(), error_banner(page).inner_text()
    if manifest.get("data"):
        assert "training images" in page.locator("#data-summary").inner_text()
    page.screenshot(path=str(artifacts_dir / "offline-ready.png"))
    context.set_offline(False)
    assert console_errors == []


@pytest.mark.realdata
@pytest.mark.slow
def test_one_epoch_on_real_fashion_mnist_reaches_80_percent(page, route_data, real_data_dir,
                                                             server_url, artifacts_dir):
    route_data({key: (real_data_dir / name).read_bytes() for key, name in DATA_FILES.items()})
    open_ready(page, server_url)
    # The training images follow "ready" in the background.
    page.wait_for_function(
        "document.getElementById('data-summary').textContent.includes('60,000 training images')",
        timeout=120_000)
    page.get_by_test_id("preset").select_option("default")
    start_training(page, epochs=1)
    finish_training(page, timeout=300_000)
    seconds = float(page.get_by_test_id("epoch-row").last.locator("td").nth(5).inner_text())
    accuracy = last_test_accuracy(page)
    record_timing(artifacts_dir, "real_data_epoch_s", seconds)
    record_timing(artifacts_dir, "real_data_epoch_test_accuracy", accuracy)
    page.screenshot(path=str(artifacts_dir / "real-data-epoch.png"), full_page=True)
    assert accuracy >= 0.80
