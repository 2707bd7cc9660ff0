"""The page as a lesson uses it: the model shelf (nothing lost, undo), settings that tell the
truth, errors next to the control that caused them, Reset, and the layout (live view on screen,
no sideways scrolling on a phone, no serious accessibility violations)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import (
    draw_strokes,
    finish_training,
    open_ready,
    probabilities,
    start_long_run,
    start_training,
    wait_for_prediction,
    wait_for_state,
)

ACTIVE = "document.querySelector('[data-testid=model-item][data-active=true]')?.dataset.model"


def shelf(page) -> list[dict]:
    return page.evaluate("""() => [...document.querySelectorAll('[data-testid=model-item]')]
        .map(li => ({id: li.dataset.model, kind: li.dataset.kind, active: li.dataset.active === 'true'}))""")


def wait_active_changed(page, old: str | None) -> str:
    page.wait_for_function(f"({ACTIVE}) && ({ACTIVE}) !== {json.dumps(old)}")
    return page.evaluate(ACTIVE)


def wait_probabilities(page, previous: str | None, equal: bool) -> str:
    op = "===" if equal else "!=="
    page.wait_for_function(
        f"document.querySelector('[data-testid=prediction]').dataset.probabilities {op} {json.dumps(previous)}",
        timeout=120_000)
    return probabilities(page)


def use(page, model_id: str) -> None:
    page.locator(f"[data-testid=model-item][data-model={model_id}] button").click()
    page.wait_for_function(f"({ACTIVE}) === {json.dumps(model_id)}")


def test_the_shelf_keeps_every_model_and_undo_restores_a_fine_tune(page, server_url, small_data_page,
                                                                  manifest, tmp_path, console_errors,
                                                                  artifacts_dir):
    open_ready(page, server_url)
    if not manifest.get("model"):
        start_training(page, epochs=1)
        finish_training(page)
    first = page.evaluate(ACTIVE)
    assert first and len(shelf(page)) >= 1
    draw_strokes(page)
    wait_for_prediction(page)
    before = probabilities(page)
    page.wait_for_function(f"document.getElementById('gallery').dataset.model === {json.dumps(first)}")

    # The sigmoid example makes a new network; the previous model stays, and the settings say so.
    page.get_by_test_id("sigmoid-example").click()
    example = wait_active_changed(page, first)
    assert {m["id"] for m in shelf(page)} >= {first, example}
    assert page.get_by_test_id("preset").input_value() == "custom"
    assert "sigmoid" in page.locator(".settings-note").inner_text()
    # The gallery follows the active model.
    page.wait_for_function(f"document.getElementById('gallery').dataset.model === {json.dumps(example)}")

    # Step on the example keeps it the same model (it is stepped, not replaced).
    page.get_by_test_id("step").click()
    page.wait_for_function("document.querySelector('[data-testid=step-number]').textContent === '2'")
    assert page.evaluate(ACTIVE) == example

    # Back to the first model: the drawing gets the same answer as before.
    use(page, first)
    wait_probabilities(page, before, equal=True)

    # Step on a model that is not a run's starts a step-through network next to it.
    page.get_by_test_id("step").click()
    stepped = wait_active_changed(page, first)
    assert {first, example, stepped} <= {m["id"] for m in shelf(page)}
    use(page, first)
    wait_probabilities(page, before, equal=True)

    # Fine-tuning works on a copy; undo goes back to the model before it.
    page.locator("#teach-label").select_option("8")
    page.get_by_test_id("teach-add").click()
    page.wait_for_function("document.querySelector('.teach-count').textContent.startsWith('1 example')")
    page.locator("#teach-steps").fill("30")
    page.get_by_test_id("teach-tune").click()
    tuned = wait_active_changed(page, first)
    assert next(m for m in shelf(page) if m["id"] == tuned)["kind"] == "fine-tune"
    wait_probabilities(page, before, equal=False)
    page.get_by_test_id("model-undo").click()
    page.wait_for_function(f"({ACTIVE}) === {json.dumps(first)}")
    wait_probabilities(page, before, equal=True)
    assert tuned not in {m["id"] for m in shelf(page)}

    # A loaded file joins the shelf too.
    count = len(shelf(page))
    model_file = tmp_path / "mine.npz"
    with page.expect_download() as download:
        page.locator("#save-model").click()
    download.value.save_as(model_file)
    page.locator("#model-file").set_input_files(str(model_file))
    page.wait_for_function(f"document.querySelectorAll('[data-testid=model-item]').length === {count + 1}")
    assert shelf(page)[0]["kind"] == "file" and shelf(page)[0]["active"]
    assert "mine.npz" in page.locator("#model-summary").inner_text()
    page.locator("#data-section").screenshot(path=str(artifacts_dir / "lesson-shelf.png"))
    assert console_errors == []


def test_settings_tell_the_truth_and_errors_sit_at_the_field(page, server_url, small_data_page,
                                                             console_errors):
    open_ready(page, server_url)
    preset = page.get_by_test_id("preset")
    assert preset.input_value() == "lesson"
    page.get_by_test_id("epochs").fill("3")
    assert preset.input_value() == "custom"
    page.get_by_test_id("epochs").fill("8")
    assert preset.input_value() == "lesson"
    # Every setting has a one-line help, reachable from the keyboard and named for screen readers.
    toggle = page.locator("[data-option=dropout] .help-toggle")
    toggle.focus()
    page.keyboard.press("Enter")
    assert page.locator("#dropout-help").is_visible()
    assert "dropout-help" in page.locator("#dropout").get_attribute("aria-describedby")
    # A bad value is shown at its field, with the reason, and nothing starts.
    page.get_by_test_id("learning-rate").fill("abc")
    page.get_by_test_id("train").click()
    field_error = page.locator("[data-option=lr] [data-testid=field-error]")
    field_error.wait_for()
    assert "number" in field_error.inner_text()
    assert page.locator("#lr").get_attribute("aria-invalid") == "true"
    assert page.evaluate("document.documentElement.dataset.state") == "ready"
    # A link with a bad value: the field keeps it and says why.
    page.goto(server_url + "#preset=seed&lr=abc")
    wait_for_state(page, "ready")
    page.locator("[data-option=lr] [data-testid=field-error]").wait_for()
    assert page.locator("#lr").input_value() == "abc"
    assert console_errors == []


def test_reset_gives_a_fresh_network_and_the_label_follows_the_active_model(page, server_url,
                                                                          small_data_page):
    open_ready(page, server_url)
    page.locator("#layers").fill("32")
    start_training(page, epochs=1)
    finish_training(page)
    trained = page.evaluate(ACTIVE)
    page.locator("#reset").click()
    fresh = wait_active_changed(page, trained)
    assert trained in {m["id"] for m in shelf(page)}
    assert "Fresh network" in page.locator("#model-summary").inner_text()
    assert "784 → 32 → 10" in page.locator("#model-summary").inner_text()
    assert page.get_by_test_id("epoch-row").count() == 0
    assert fresh != trained


# ---------------------------------------------------------------- layout and accessibility

AXE_DIR = Path(__file__).parent / "axe"


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe-core from npm (pinned by tests/browser/axe/package-lock.json), installed on first use."""
    script = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        npm = shutil.which("npm")
        if not npm:
            pytest.skip("npm is needed for axe-core (Debian: apt-get install -y npm)")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=AXE_DIR,
                       check=True, timeout=300)
    return script


def in_viewport(page, selector: str) -> bool:
    return page.evaluate("""s => { const r = document.querySelector(s).getBoundingClientRect();
        return r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0
            && r.bottom <= innerHeight && r.right <= innerWidth; }""", selector)


@pytest.mark.parametrize("width, height", [(1366, 768), (1024, 768)])
def test_the_live_view_stays_on_screen_while_training(page, server_url, small_data_page, width,
                                                      height, artifacts_dir):
    page.set_viewport_size({"width": width, "height": height})
    open_ready(page, server_url)
    estimate = page.get_by_test_id("time-estimate")
    page.wait_for_function("document.querySelector('[data-testid=time-estimate]').dataset.seconds")
    assert "on this device" in estimate.inner_text()
    draw_strokes(page)
    wait_for_prediction(page)
    start_long_run(page)  # time to look
    # The accuracy chart moves inside the first epoch (a running check on test images).
    page.wait_for_function("Number(document.getElementById('chart-accuracy').dataset.samples || 0) > 0")
    page.screenshot(path=str(artifacts_dir / f"lesson-live-{width}x{height}.png"))
    for selector in ("[data-testid=status]", "[data-testid=pause]", "[data-testid=stop]",
                     "#chart-loss", "#chart-accuracy", "[data-testid=prediction]"):
        box = page.evaluate("s => JSON.stringify(document.querySelector(s).getBoundingClientRect())", selector)
        assert in_viewport(page, selector), f"{selector} is off screen at {width}x{height}: {box}"
    page.get_by_test_id("stop").click()
    finish_training(page)


def test_phone_live_view_first_no_sideways_scroll_and_no_serious_axe_violations(
        page, server_url, small_data_page, axe_script, artifacts_dir):
    page.set_viewport_size({"width": 390, "height": 844})
    open_ready(page, server_url)
    page.locator("#layers").fill("16")
    start_long_run(page)
    page.screenshot(path=str(artifacts_dir / "lesson-phone-training.png"))
    live = page.get_by_test_id("live-view").bounding_box()
    form = page.locator("#train-section").bounding_box()
    assert live["y"] < form["y"], "on a phone the live view comes first while training"
    page.screenshot(path=str(artifacts_dir / "lesson-phone-training.png"))
    page.get_by_test_id("stop").click()
    finish_training(page)
    page.get_by_test_id("confusion-cell").first.wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(artifacts_dir / "lesson-phone.png"), full_page=True)
    # The confusion matrix is one tab stop; arrow keys move inside it.
    cells = page.get_by_test_id("confusion-cell")
    assert page.evaluate("[...document.querySelectorAll('[data-testid=confusion-cell]')]"
                         ".filter(b => b.tabIndex === 0).length") == 1
    cells.first.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")
    focused = page.evaluate("[document.activeElement.dataset.true, document.activeElement.dataset.predicted]")
    assert focused == ["1", "1"]
    # Test images are buttons.
    assert page.locator("#gallery .tile").first.evaluate("el => el.tagName") == "BUTTON"
    # Not add_script_tag: an injected <script> is inline, which the page's Content-Security-Policy
    # refuses (as it should). DevTools' evaluate runs the same code outside the policy.
    page.evaluate(axe_script.read_text() + "\n;typeof axe")
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => `${v.id} (${v.impact}): ${v.nodes.length} e.g. ${v.nodes[0].target.join(' ')}`); }""")
    assert result == []


def test_large_projector_mode(page, server_url, small_data_page):
    open_ready(page, server_url)
    before = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    page.get_by_test_id("theme").click()
    assert page.get_by_test_id("theme").get_attribute("aria-pressed") == "true"
    assert page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)") > before
    page.reload()
    wait_for_state(page, "ready")
    assert page.evaluate("document.documentElement.dataset.theme") == "large"  # remembered


def test_an_error_appears_beside_the_control_that_caused_it(page, server_url, small_data_page,
                                                           tmp_path):
    open_ready(page, server_url)
    bad = tmp_path / "not-a-run.json"
    bad.write_text("{ this is not json")
    page.locator("#runs-card .run-import").set_input_files(str(bad))
    beside = page.locator("#runs-card [data-testid=field-error]")
    beside.wait_for()
    assert "not-a-run.json" in beside.inner_text()
    bad_model = tmp_path / "broken.npz"
    bad_model.write_bytes(b"PK not really")
    page.locator("#model-file").set_input_files(str(bad_model))
    near_load = page.locator("#data-section [data-testid=field-error]:not([hidden])")
    near_load.first.wait_for()
    assert "broken.npz" in near_load.first.inner_text()
