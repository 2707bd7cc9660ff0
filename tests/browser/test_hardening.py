"""Hardening in the page: bad input is a clear message, nothing is lost, nothing bricks the page.

Each test plays a hostile or clumsy user against the real page, real Pyodide and real files:
damaged stored runs, absurd imports, formula cells, full storage, a worker that dies, a Python
that fails fatally, inflating files, bad settings, and a redeploy under a service worker.
"""

from __future__ import annotations

import gzip
import json
import struct
from pathlib import Path

import pytest
from conftest import (
    DATA_FILES,
    draw_strokes,
    evaluate_settled,
    finish_training,
    redeploy,
    start_long_run,
    start_training,
    wait_for_prediction,
    wait_for_state,
    wait_until,
    worker_round_trips,
)
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

ROOT = Path(__file__).resolve().parents[2]
STATE = "document.documentElement.dataset.state"
RUNS_KEY = "glassnet.runs.v1"


def valid_run(run_id: str = "run-good", name: str = "Good run") -> dict:
    return {"id": run_id, "name": name, "number": 1, "status": "done",
            "config": {"layers": [16], "activation": "relu", "lr": 0.001, "seed": 0},
            "epochs": [{"epoch": 1, "train_loss": 0.5, "train_accuracy": 0.8, "test_loss": 0.6,
                        "test_accuracy": 0.75, "seconds": 1.0, "lr": 0.001}],
            "lr_changes": []}


def with_stored_runs(page, raw: str) -> None:
    """Put `raw` into the page's run storage before its scripts run (first load only)."""
    page.add_init_script(
        "if (!sessionStorage.getItem('seeded')) {"
        f" localStorage.setItem({json.dumps(RUNS_KEY)}, {json.dumps(raw)});"
        " sessionStorage.setItem('seeded', '1'); }")


def error_text(page) -> str:
    page.locator("#error").wait_for()
    return page.locator("#error").inner_text()


def run_rows(page) -> int:
    return page.locator("[data-testid=run-row]").count()


# ---------------------------------------------------------------- item 2: stored and imported runs


@pytest.mark.parametrize("stored", [
    json.dumps([None, {"id": "x"}, {**valid_run("huge"), "epochs": [{"epoch": 1e300}]},
                {**valid_run("nulls"), "config": None}, valid_run()]),
    "{not json",
    json.dumps({"id": "an object, not a list"}),
])
def test_damaged_stored_runs_never_block_start_up(page, server_url, small_data_page, stored):
    with_stored_runs(page, stored)
    page.goto(server_url)
    wait_for_state(page, "ready")
    message = page.locator(".runs-message").inner_text()
    assert "damaged" in message and "not shown" in message
    kept = page.evaluate("JSON.parse(localStorage.getItem('glassnet.runs.damaged.v1'))")
    assert kept  # set aside, not deleted
    if "good" in stored:
        assert run_rows(page) == 1 and "Good run" in page.locator(".runs-table").inner_text()
    page.reload()  # the next load is clean and quiet
    wait_for_state(page, "ready")
    assert "damaged" not in page.locator(".runs-message").inner_text()


ABSURD_IMPORTS = [
    ({**valid_run(), "epochs": [{"epoch": 1e300}]}, "whole number between 1 and 1000"),
    ({**valid_run(), "epochs": [{"epoch": e} for e in range(1, 1100)]}, "more than 1000 epochs"),
    ({**valid_run(), "epochs": [{"epoch": 1, "test_accuracy": "=HYPERLINK(\"x\")"}]}, "test_accuracy"),
    ({**valid_run(), "epochs": [{"epoch": 1, "test_accuracy": 7}]}, "test_accuracy"),
    ({**valid_run(), "name": "x" * 5000}, '"name" must be a text'),
    ({**valid_run(), "config": {"layers": "16"}}, "config.layers"),
    ({**valid_run(), "config": {"lr": {"nested": [1]}}}, "config.lr"),
    ({**valid_run(), "status": "<img src=x>"}, '"status" must be one of'),
]


def test_absurd_imports_are_refused_with_the_reason(page, server_url, small_data_page):
    # One page for all of them (a page load costs seconds); each refusal must say its own reason.
    page.goto(server_url)
    wait_for_state(page, "ready")
    for n, (run, message) in enumerate(ABSURD_IMPORTS):
        if page.locator("#error").is_visible():
            page.locator("#dismiss-error").click()  # so each message is the new one
            page.locator("#error").wait_for(state="hidden")
        page.locator(".run-import").set_input_files(files=[{
            "name": f"run{n}.json", "mimeType": "application/json", "buffer": json.dumps(run).encode()}])
        try:
            page.wait_for_function(
                "m => { const e = document.getElementById('error');"
                " return !!e && !e.hidden && e.innerText.includes(m); }", arg=message, timeout=15_000)
        except PlaywrightTimeoutError:
            pytest.fail(f"import {n}: expected {message!r} in the error, the page shows "
                        f"{page.locator('#error').inner_text()!r}")
        assert run_rows(page) == 0, f"import {n} was kept"
        assert page.evaluate(f"localStorage.getItem({json.dumps(RUNS_KEY)})") in (None, "[]")


def test_an_oversized_run_file_is_refused_before_it_is_read(page, server_url, small_data_page):
    page.goto(server_url)
    wait_for_state(page, "ready")
    page.locator(".run-import").set_input_files(files=[{
        "name": "big.json", "mimeType": "application/json", "buffer": b" " * 3_000_000}])
    assert "a run file is at most" in error_text(page)


# ---------------------------------------------------------------- item 6: CSV export


def test_csv_cells_are_quoted_and_formulas_neutralised(page, server_url, small_data_page):
    page.goto(server_url)
    wait_for_state(page, "ready")
    cells = page.evaluate("""async () => {
        const runs = await import('./page/run-text.js');
        const csv = runs.runToCsv({epochs: [
            {epoch: 1, train_loss: '=1+1', test_accuracy: 0.5, lr: '@SUM(A1)'},
            {epoch: 2, train_loss: '1\\n2,3', seconds: -0.5}]});
        const values = ['=cmd', '+1', '-1', '@x', 'a"b', 'plain', 3.5, -2, NaN, 'x,y', 'l1\\nl2'];
        return {csv, cell: values.map(runs.csvCell)};
    }""")
    assert cells["cell"] == ["\"'=cmd\"", "\"'+1\"", "\"'-1\"", "\"'@x\"", '"a""b"', "plain",
                             "3.5", "-2", "", '"x,y"', '"l1\nl2"']
    rows = cells["csv"].split("\r\n")
    assert rows[0] == "epoch,train_loss,train_accuracy,test_loss,test_accuracy,seconds,lr"
    assert rows[1] == "1,,,,0.5,,"  # text where numbers belong is left out
    assert rows[2] == "2,,,,,-0.5,"
    assert len(rows) == 4 and rows[3] == ""


# ---------------------------------------------------------------- item 18: full storage


FULL_STORAGE = """
const realSetItem = Storage.prototype.setItem;
Storage.prototype.setItem = function (key, value) {
  if (key === 'glassnet.runs.v1' && String(value).length > 2) {
    throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
  }
  return realSetItem.call(this, key, value);
};
"""


def test_a_run_that_storage_cannot_hold_is_reported_and_can_be_exported(page, server_url,
                                                                       small_data_page):
    page.add_init_script(FULL_STORAGE)
    page.goto(server_url)
    wait_for_state(page, "ready")
    page.get_by_test_id("epochs").fill("1")
    page.get_by_test_id("train").click()
    wait_for_state(page, "done", timeout=120_000)
    assert "storage is full" in error_text(page)
    assert "Export it now" in page.locator("#error").inner_text()
    row = page.locator("[data-testid=run-row]")
    assert row.count() == 1 and "not saved" in row.inner_text()
    with page.expect_download() as download:
        row.locator("button[data-action=csv]").click()
    text = Path(download.value.path()).read_text()
    assert text.splitlines()[1].startswith("1,")


# ---------------------------------------------------------------- items 7 and 17: a dying worker


def test_a_worker_that_dies_while_training_is_noticed_within_seconds(page, server_url,
                                                                    small_data_page):
    page.goto(server_url)
    wait_for_state(page, "ready")
    start_long_run(page)
    # The browser killing the worker (out of memory, a crash) fires no event at all.
    page.evaluate("glassnet.bridge.worker.terminate()")
    page.wait_for_function(f"{STATE} === 'error'", timeout=10_000)
    assert "stopped unexpectedly" in error_text(page)
    page.locator("#reload-worker").click()
    wait_for_state(page, "ready")
    assert "(error)" in page.locator("[data-testid=run-row]").first.inner_text()


FATAL_HOOK = """
control.testFatal = () => {
  pyodide._api.fatal_error(new Error('test: Python fails fatally'));
  pyodide.runPython('1');
};
"""


def test_a_fatal_python_error_is_reported_at_once_with_the_reload(page, context, server_url,
                                                                  small_data_page):
    # A real fatal error in Pyodide (its own fatal_error path, which a stack overflow or an
    # out-of-memory takes), through a test-only hook
    # appended to the served worker.js.
    def patched_worker(route):
        response = route.fetch()
        route.fulfill(response=response, body=response.text() + FATAL_HOOK,
                      content_type="text/javascript")

    context.route("**/worker.js*", patched_worker)
    page.goto(server_url)
    wait_for_state(page, "ready")
    # A finished run on the shelf: the crash must not lose it (the page keeps a copy).
    page.locator("#layers").fill("8")
    start_training(page, epochs=1)
    finish_training(page)
    page.wait_for_function("glassnet.keeper.size === document.querySelectorAll('[data-testid=model-item]').length")
    items = page.get_by_test_id("model-item")
    before = [items.nth(i).inner_text() for i in range(items.count())]
    active = page.locator("[data-testid=model-item][data-active=true]").inner_text()
    assert "Run" in active
    page.evaluate("glassnet.bridge.request('testFatal').catch(() => {})")
    page.wait_for_function(f"{STATE} === 'error'", timeout=30_000)
    assert page.locator("#reload-worker").is_visible()
    context.unroute("**/worker.js*")
    page.locator("#reload-worker").click()
    wait_for_state(page, "ready")
    assert [items.nth(i).inner_text() for i in range(items.count())] == before
    assert page.locator("[data-testid=model-item][data-active=true]").inner_text() == active


def test_hostile_model_metadata_is_a_message_and_python_lives_on(page, server_url,
                                                                 small_data_page, tmp_path):
    import io
    import zipfile

    import numpy as np

    meta = ('{"format": "glassnet-model", "version": 1, "config": '
            + "[" * 200_000 + "]" * 200_000 + "}").encode()
    head = io.BytesIO()
    np.lib.format.write_array_header_1_0(head, {"descr": "|u1", "fortran_order": False,
                                                 "shape": (len(meta),)})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("__glassnet__.npy", head.getvalue() + meta)
    page.goto(server_url)
    wait_for_state(page, "ready")
    page.locator("#model-file").set_input_files(files=[{
        "name": "deep.npz", "mimeType": "application/octet-stream", "buffer": buffer.getvalue()}])
    assert "nests 200001 levels deep" in error_text(page)
    assert "looks like a bug" not in page.locator("#error").inner_text()
    assert page.evaluate(STATE) == "ready"
    page.get_by_test_id("epochs").fill("1")
    page.get_by_test_id("train").click()  # Python still works
    wait_for_state(page, "done", timeout=120_000)


# ---------------------------------------------------------------- items 8, 10, 19: files, options, words


def test_a_gz_that_inflates_beyond_its_header_is_refused_in_the_page(page, server_url,
                                                                     small_data_page, small_dataset):
    page.goto(server_url)
    wait_for_state(page, "ready")
    bomb = gzip.compress(struct.pack(">HBBIII", 0, 8, 3, 10, 28, 28) + bytes(64 * 2 ** 20))
    names = DATA_FILES
    files = [{"name": name, "mimeType": "application/gzip",
              "buffer": bomb if key == "train_images" else small_dataset[key]}
             for key, name in names.items()]
    page.locator("#data-files").set_input_files(files=files)
    text = error_text(page)
    assert "inflates to more data than its idx header declares" in text
    assert page.evaluate(STATE) == "ready"
    assert "600 training images" in page.locator("#data-summary").inner_text()  # kept


def test_bad_settings_and_files_get_browser_words(page, server_url, small_data_page, small_dataset):
    page.goto(server_url)
    wait_for_state(page, "ready")
    page.get_by_test_id("seed").fill("-1")
    page.get_by_test_id("train").click()
    text = error_text(page)
    assert "seed must be between 0 and" in text and "bug" not in text
    assert "--" not in text and "python -m" not in text
    assert page.evaluate(STATE) == "ready"
    names = DATA_FILES
    signed = gzip.compress(struct.pack(">HBBI", 0, 0x09, 1, 600) + bytes([255]) * 600)
    files = [{"name": name, "mimeType": "application/gzip",
              "buffer": signed if key == "train_labels" else small_dataset[key]}
             for key, name in names.items()]
    page.locator("#data-files").set_input_files(files=files)
    page.wait_for_function("document.getElementById('error-message').textContent.includes('unsigned bytes')")
    text = page.locator("#error").inner_text()
    assert "--data-dir" not in text and "pick good copies" in text


# ---------------------------------------------------------------- item 12: one build per load


RECORD_LOADS = """
document.addEventListener('DOMContentLoaded', () => {
  const loads = JSON.parse(sessionStorage.getItem('loads') || '[]');
  loads.push({page: document.querySelector('meta[name=test-build]')?.content ?? '1',
              app: document.documentElement.dataset.testBuild ?? '1'});
  sessionStorage.setItem('loads', JSON.stringify(loads));
});
"""


@pytest.mark.browser_context_args(service_workers="allow")
def test_the_first_load_after_a_redeploy_runs_one_build(page, served_site_copy):
    copy, url = served_site_copy
    page.add_init_script(RECORD_LOADS)
    first = json.loads((copy / "manifest.json").read_text())
    page.goto(url)
    wait_for_state(page, ("ready", "error"))
    page.wait_for_function(
        "navigator.serviceWorker.controller"
        f" && navigator.serviceWorker.controller.scriptURL.includes('{first['build']}')",
        timeout=120_000)
    # Redeploy: the page and its script change together.
    index = (copy / "index.html").read_text()
    (copy / "index.html").write_text(index.replace("<head>", '<head><meta name="test-build" content="2">', 1))
    with open(copy / "page" / "app.js", "a", encoding="utf-8") as f:
        f.write("\ndocument.documentElement.dataset.testBuild = '2';\n")
    second = redeploy(copy)
    page.reload()
    # The page moves itself to the new build (nobody has used it yet) ...
    wait_until(page, "JSON.parse(sessionStorage.getItem('loads') || '[]').some(l => l.page === '2')"
               " && !!navigator.serviceWorker.controller"
               f" && navigator.serviceWorker.controller.scriptURL.includes('{second['build']}')")
    loads = evaluate_settled(page, "JSON.parse(sessionStorage.getItem('loads'))")
    # ... and no load ever mixed the two builds.
    assert all(load["page"] == load["app"] for load in loads), loads
    assert loads[0] == {"page": "1", "app": "1"} and loads[-1] == {"page": "2", "app": "2"}


# ---------------------------------------------------------------- issue 19, item 1: half a deploy


# What the service workers told the page (install problems), kept across reloads for the test.
RECORD_SW_MESSAGES = """
navigator.serviceWorker?.addEventListener('message', (event) => {
  const seen = JSON.parse(sessionStorage.getItem('sw-messages') || '[]');
  seen.push(event.data);
  sessionStorage.setItem('sw-messages', JSON.stringify(seen));
});
"""


@pytest.mark.browser_context_args(service_workers="allow")
def test_a_half_deployed_build_is_refused_and_taken_once_the_deploy_is_done(page, served_site_copy):
    copy, url = served_site_copy
    page.add_init_script(RECORD_LOADS)
    page.add_init_script(RECORD_SW_MESSAGES)
    first = json.loads((copy / "manifest.json").read_text())
    page.goto(url)
    wait_for_state(page, ("ready", "error"))
    page.wait_for_function(
        "navigator.serviceWorker.controller && "
        f"navigator.serviceWorker.controller.scriptURL.includes('{first['build']}')",
        timeout=120_000)
    # Half a redeploy: the new manifest.json and index.html are live, the new page/app.js is not yet.
    old_app = (copy / "page" / "app.js").read_bytes()
    index = (copy / "index.html").read_text()
    (copy / "index.html").write_text(index.replace("<head>", '<head><meta name="test-build" content="2">', 1))
    with open(copy / "page" / "app.js", "a", encoding="utf-8") as f:
        f.write("\ndocument.documentElement.dataset.testBuild = '2';\n")
    second = redeploy(copy)
    new_app = (copy / "page" / "app.js").read_bytes()
    (copy / "page" / "app.js").write_bytes(old_app)
    page.reload()
    # The new build's worker finds app.js not matching its manifest and refuses to install (or,
    # without the check, moves the page onto a mix of the two builds).
    wait_until(page, "JSON.parse(sessionStorage.getItem('sw-messages') || '[]')"
               ".some(m => m && m.kind === 'install-failed' && m.file === 'page/app.js')"
               " || JSON.parse(sessionStorage.getItem('loads') || '[]').some(l => l.page === '2')")
    loads = evaluate_settled(page, "JSON.parse(sessionStorage.getItem('loads'))")
    assert all(load["page"] == load["app"] for load in loads), loads
    problem = next(m for m in evaluate_settled(page, "JSON.parse(sessionStorage.getItem('sw-messages'))")
                   if m and m.get("kind") == "install-failed")
    assert problem["reason"] == "changed" and problem["build"] == second["build"], problem
    assert evaluate_settled(page, "navigator.serviceWorker.controller.scriptURL").endswith(first["build"])

    # The deploy finishes: the page tries again by itself and moves to the whole new build.
    (copy / "page" / "app.js").write_bytes(new_app)
    wait_until(page, "JSON.parse(sessionStorage.getItem('loads') || '[]').some(l => l.page === '2')"
               " && !!navigator.serviceWorker.controller"
               f" && navigator.serviceWorker.controller.scriptURL.includes('{second['build']}')")
    loads = evaluate_settled(page, "JSON.parse(sessionStorage.getItem('loads'))")
    assert all(load["page"] == load["app"] for load in loads), loads
    assert loads[-1] == {"page": "2", "app": "2"}


# ---------------------------------------------------------------- issue 19, item 11: a missing file


@pytest.mark.browser_context_args(service_workers="allow", viewport={"width": 1024, "height": 768})
def test_a_site_file_missing_on_the_server_is_named_not_blamed_on_storage(page, served_site_copy,
                                                                          artifacts_dir):
    copy, url = served_site_copy
    (copy / "icons" / "icon-512.png").unlink()  # listed in manifest.json, gone from the server
    page.goto(url)
    wait_for_state(page, "ready")
    page.wait_for_function("document.getElementById('offline-status').dataset.offline === 'no'",
                           timeout=180_000)
    status = page.get_by_test_id("offline-status").inner_text()
    help_text = page.locator("#offline-help").inner_text()
    assert "incomplete" in status, status
    assert "icons/icon-512.png" in help_text and "404" in help_text, help_text
    assert "storage" not in (status + help_text).lower()
    page.locator(".site-footer").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts_dir / "offline-incomplete-site.png"))


# ---------------------------------------------------------------- issue 19, item 2: a diverged model


DIVERGING_RELU = '''# glassnet exercise: relu
def forward(self, x, training=False):
    self._mask = x > 0
    return x * self._mask


def backward(self, grad, need_input_grad=True):
    return grad * self._mask * float("inf")
'''


def shelf_items(page) -> list[dict]:
    return page.evaluate("""() => [...document.querySelectorAll('[data-testid=model-item]')]
        .map(li => ({name: li.querySelector('strong').textContent, text: li.innerText}))""")


def test_one_diverged_model_does_not_cost_the_rest_of_the_shelf(page, server_url, small_data_page,
                                                                 artifacts_dir):
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto(server_url)
    wait_for_state(page, "ready")
    page.locator("#layers").fill("8")
    start_training(page, epochs=1)
    finish_training(page)
    # A run with a student's backward that sends infinity back: its weights become NaN.
    page.locator("[data-testid=exercise][data-id=relu]").click()
    page.get_by_test_id("code-editor").fill(DIVERGING_RELU)
    page.get_by_test_id("epochs").fill("1")
    page.get_by_test_id("code-train").click()
    page.wait_for_function("Number(document.documentElement.dataset.run || 0) >= 2")
    wait_for_state(page, ("done", "ready"), timeout=120_000)
    if page.locator("#error").is_visible():
        page.locator("#dismiss-error").click()
    page.get_by_test_id("code-reset").click()
    start_training(page, epochs=1)
    finish_training(page)
    items = shelf_items(page)
    assert len(items) >= 3, items
    diverged = next(m for m in items if "your code" in m["text"])
    # The shelf says which model diverged (its weights are not numbers).
    page.wait_for_function(
        "name => [...document.querySelectorAll('[data-testid=model-item]')].some(li =>"
        " li.querySelector('strong').textContent === name && li.innerText.includes('diverged'))",
        arg=diverged["name"])
    page.evaluate("async () => { await glassnet.keeper.pending; }")  # copies taken (or refused)
    kept = [m["name"] for m in items if m["name"] != diverged["name"]]
    page.locator("#model-shelf-view").screenshot(path=str(artifacts_dir / "shelf-diverged-model.png"))

    page.evaluate("glassnet.bridge.worker.terminate()")
    page.wait_for_function(f"{STATE} === 'error'", timeout=10_000)
    page.locator("#reload-worker").click()
    wait_for_state(page, "ready")
    after = [m["name"] for m in shelf_items(page)]
    assert sorted(after) == sorted(kept), after  # every other model came back
    status = page.get_by_test_id("status").inner_text()
    assert f"{len(kept)} of {len(items)} models are back" in status, status
    assert f"'{diverged['name']}' could not be restored" in status, status
    assert "NaN" in status or "infinite" in status, status
    page.screenshot(path=str(artifacts_dir / "restore-diverged-model.png"))


# ---------------------------------------------------------------- issue 19, item 13: CSP


# Every Content-Security-Policy violation the page sees, from the first script on.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__violations.push({directive: e.effectiveDirective, blocked: e.blockedURI, sample: e.sample});
});
"""


def test_a_whole_lesson_runs_under_the_content_security_policy(page, server_url, small_data_page,
                                                               console_errors):
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(server_url)
    wait_for_state(page, "ready")
    policy = page.evaluate("document.querySelector('meta[http-equiv=Content-Security-Policy]')?.content")
    assert policy and "object-src 'none'" in policy and "base-uri 'none'" in policy
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    # Train, draw and get a guess, open a test image inside out, step, open an exercise.
    page.locator("#layers").fill("16")
    start_training(page, epochs=1)
    finish_training(page)
    draw_strokes(page)
    wait_for_prediction(page)
    page.locator("#gallery .tile").first.click()
    page.get_by_test_id("activations-view").locator(".activation-row").first.wait_for()
    page.get_by_test_id("confusion-cell").first.wait_for()
    page.get_by_test_id("step").click()
    page.get_by_test_id("gradient-table").locator("tbody tr").first.wait_for()
    page.locator("[data-testid=exercise][data-id=relu]").click()
    page.locator(".check-result, [data-testid=code-editor]").first.wait_for()
    worker_round_trips(page)
    assert page.evaluate("window.__violations") == []
    assert [e for e in console_errors if "Content Security Policy" in e or "Refused" in e] == []
    assert console_errors == []


def test_an_injected_inline_script_does_not_run(page, server_url, small_data_page):
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(server_url)
    wait_for_state(page, "ready")
    # As if a message ever reached HTML: an inline script, an event handler attribute, a
    # javascript: URL and eval. None of them may run.
    # In a task of the page's own (Playwright's evaluate itself may eval), as an injection would.
    page.evaluate("""() => new Promise((resolve) => setTimeout(() => {
        const s = document.createElement('script');
        s.textContent = 'window.__pwned = "inline script"';
        document.body.append(s);
        document.getElementById('status').insertAdjacentHTML('beforeend',
            '<img src="icons/icon-192.png?x" onerror="window.__pwned = \\'event handler\\'"'
            + ' onload="window.__pwned = \\'event handler\\'">');
        const a = document.createElement('a');
        a.href = 'javascript:window.__pwned = "javascript: URL"';
        document.body.append(a);
        a.click();
        try { window.eval('window.__pwned = "eval"'); } catch (_) { window.__evalRefused = true; }
        resolve();
    }, 0))""")
    page.wait_for_function(
        "() => window.__violations.filter(v => v.directive.startsWith('script-src')).length >= 4")
    assert page.evaluate("window.__pwned") is None
    assert page.evaluate("window.__evalRefused") is True
    directives = {v["directive"] for v in page.evaluate("window.__violations")}
    assert directives & {"script-src-elem", "script-src-attr", "script-src"}, directives


def test_the_python_worker_gets_a_policy_from_the_server(page, context, server_url, small_data_page):
    # A worker's policy comes from its own response headers (the page's <meta> does not reach
    # it): the worker script, served by build.py serve, must not be allowed to eval.
    probe = ("let ran = 'eval ran'; try { (0, eval)('1'); } catch (e) { ran = 'refused'; }"
             " postMessage(ran);")

    def probe_worker(route):
        response = route.fetch()
        headers = {**response.headers, "content-type": "text/javascript"}
        headers.pop("content-encoding", None)
        headers.pop("content-length", None)
        route.fulfill(status=200, headers=headers, body=probe)

    page.goto(server_url)
    wait_for_state(page, "ready")
    context.route("**/worker.js?probe", probe_worker)
    outcome = page.evaluate("""() => new Promise((resolve) => {
        const w = new Worker('./python/worker.js?probe', {type: 'module'});
        w.onmessage = (e) => { resolve(e.data); w.terminate(); };
        w.onerror = (e) => resolve('error: ' + e.message);
    })""")
    assert outcome == "refused"
