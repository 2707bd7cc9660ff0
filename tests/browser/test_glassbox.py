"""End-to-end tests of section 6, the glass box: weights as pictures, a prediction
inside out, the confusion matrix and mistakes, stepping through backpropagation, teaching with
drawings, shared links and the run history.

Every number on these views is computed by glassnet's Python; the tests check that each view
renders after one epoch on the small generated data and that it reacts to what a student does.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import pytest
from conftest import (
    draw_strokes,
    error_banner,
    finish_training,
    start_long_run,
    start_training,
    wait_for_prediction,
    wait_for_state,
)


def open_ready(page, url: str) -> None:
    page.goto(url)
    wait_for_state(page, "ready")


def trained_page(page, server_url: str, epochs: int = 1) -> None:
    """A fresh page, one short run on the small data, finished and evaluated."""
    open_ready(page, server_url)
    page.locator("#layers").fill("32")
    start_training(page, epochs=epochs)
    finish_training(page)
    # At the end of a run the test set is evaluated and the matrix drawn.
    page.get_by_test_id("confusion-cell").first.wait_for()


def canvas_data(page, selector: str) -> str:
    return page.evaluate("s => document.querySelector(s).toDataURL()", selector)


def test_glass_box_views_render_after_one_epoch(page, server_url, small_data_page, console_errors,
                                                artifacts_dir):
    trained_page(page, server_url)

    # Weights: one 28x28 picture per first-layer unit (32 units, all shown).
    weights = page.get_by_test_id("weights-view")
    weights.locator("canvas").first.wait_for()
    assert weights.locator("canvas").count() == 32
    assert weights.get_attribute("data-units") == "32"

    # Confusion matrix: 10 x 10 cells adding up to the 200 test images.
    cells = page.get_by_test_id("confusion-cell")
    assert cells.count() == 100
    assert sum(int(t) for t in cells.all_inner_texts()) == 200
    assert page.locator(".mistakes-card, #mistakes-card .per-class").count() >= 10

    # Clicking a diagonal cell shows those test images.
    diagonal = page.locator("[data-testid=confusion-cell][data-true='3'][data-predicted='3']")
    count = int(diagonal.inner_text())
    assert count > 0
    diagonal.click()
    page.locator("#mistakes-card .cell-images .tile").first.wait_for()
    assert page.locator("#mistakes-card .cell-images .tile").count() == min(count, 24)
    assert "Dress images guessed right" in page.locator("#mistakes-card .cell-title").inner_text()

    # Clicking a test image opens it inside out: activations of every layer and a saliency map.
    page.locator("#mistakes-card .cell-images .tile").first.click()
    activations = page.get_by_test_id("activations-view")
    activations.locator(".activation-row").first.wait_for()
    types = activations.locator(".activation-row").evaluate_all("rows => rows.map(r => r.dataset.type)")
    assert types == ["Dense", "ReLU", "Dense"]
    saliency = page.get_by_test_id("saliency")
    predicted = saliency.get_attribute("data-target")
    assert predicted == "3"
    before = canvas_data(page, "[data-testid=saliency] canvas")
    # Another class gives another saliency map.
    other = "5"
    page.locator("#inspect-class").select_option(other)
    page.wait_for_function("t => document.querySelector('[data-testid=saliency]').dataset.target === t", arg=other)
    assert canvas_data(page, "[data-testid=saliency] canvas") != before
    assert "Sandal" in saliency.inner_text()

    # A gallery image opens from the keyboard too.
    tile = page.locator("#gallery .tile").first
    index = tile.get_attribute("data-index")
    tile.focus()
    page.keyboard.press("Enter")
    page.wait_for_function(
        "i => document.querySelector('.inspect-source').textContent.includes(`test image ${i} `)", arg=index)

    # Evaluation on demand gives the same matrix again.
    page.locator("#mistakes-card .evaluate").click()
    page.wait_for_function("document.querySelector('.evaluate-summary').textContent.includes('200 test images')")
    assert sum(int(t) for t in cells.all_inner_texts()) == 200

    page.locator("#weights-card").screenshot(path=str(artifacts_dir / "glassbox-weights.png"))
    page.locator("#inspect-card").screenshot(path=str(artifacts_dir / "glassbox-inspect.png"))
    page.locator("#mistakes-card").screenshot(path=str(artifacts_dir / "glassbox-mistakes.png"))
    page.screenshot(path=str(artifacts_dir / "glassbox-page.png"), full_page=True)
    assert console_errors == []


def gradient_rows(page) -> list[dict]:
    return page.get_by_test_id("gradient-table").locator("tbody tr").evaluate_all(
        "rows => rows.map(r => ({type: r.dataset.type, grad: r.dataset.gradNorm, ratio: r.dataset.updateRatio}))")


def test_step_fills_the_gradient_table_and_waits_for_training(page, server_url, small_data_page,
                                                             console_errors, artifacts_dir):
    trained_page(page, server_url)
    step = page.get_by_test_id("step")
    assert step.is_enabled()
    step.click()
    page.get_by_test_id("gradient-table").locator("tbody tr").first.wait_for()
    first = int(page.get_by_test_id("step-number").inner_text())
    rows = gradient_rows(page)
    assert [r["type"] for r in rows] == ["Dense", "ReLU", "Dense"]
    assert all(float(r["grad"]) > 0 for r in rows if r["type"] == "Dense")
    step.click()
    page.wait_for_function(
        "n => Number(document.querySelector('[data-testid=step-number]').textContent) === n + 1", arg=first)

    # While training runs, Step waits; once paused it works on the paused run.
    start_long_run(page)
    page.get_by_test_id("epoch-row").first.wait_for()
    assert step.is_disabled()
    page.get_by_test_id("pause").click()
    wait_for_state(page, "paused")
    assert step.is_enabled()
    # A learning-rate change during the run shows on the loss chart and in the run's record.
    page.get_by_test_id("learning-rate").fill("0.0005")
    page.get_by_test_id("learning-rate").press("Enter")
    page.wait_for_function("document.getElementById('chart-loss').dataset.lrMarks === '1'")
    assert page.get_by_test_id("step-number").inner_text() == "–"  # a new run: a fresh table
    step.click()
    # The paused run goes on from where it stopped (after at least one epoch of 600 one-image batches).
    page.wait_for_function(
        "Number(document.querySelector('[data-testid=step-number]').textContent) > 10")
    # The new base rate, as the preset's schedule shapes it.
    assert 0.0004 < float(page.locator(".step-lr").inner_text()) <= 0.0005
    page.get_by_test_id("stop").click()
    finish_training(page)
    runs = page.evaluate("JSON.parse(localStorage.getItem('glassnet.runs.v1'))")
    assert runs[-1]["lr_changes"][0]["lr"] == 0.0005
    page.locator("#watch-section").screenshot(path=str(artifacts_dir / "glassbox-lr-mark.png"))
    assert console_errors == []


def test_sigmoid_ten_layers_shows_vanishing_gradients(page, server_url, small_data_page,
                                                      console_errors, artifacts_dir):
    open_ready(page, server_url)
    page.get_by_test_id("sigmoid-example").click()
    page.get_by_test_id("gradient-table").locator("tbody tr").first.wait_for()
    assert page.locator("#layers").input_value() == ",".join(["32"] * 10)
    assert page.locator("#activation").input_value() == "sigmoid"
    dense = [r for r in gradient_rows(page) if r["type"] == "Dense"]
    assert len(dense) == 11
    first, last = float(dense[0]["grad"]), float(dense[-1]["grad"])
    assert first < last / 1000, (first, last)
    assert page.get_by_test_id("step-number").inner_text() == "1"
    assert "vanishing" in page.locator(".step-verdict").inner_text()
    page.locator("#step-card").screenshot(path=str(artifacts_dir / "glassbox-step-sigmoid.png"))
    assert console_errors == []


def hash_params(page) -> dict[str, str]:
    fragment = page.evaluate("location.hash").lstrip("#")
    return {k: v[0] for k, v in parse_qs(fragment).items()}


def test_settings_round_trip_through_the_url(page, server_url, small_data_page, console_errors,
                                             artifacts_dir):
    open_ready(page, server_url + "#preset=seed&layers=64,32&activation=tanh&lr=0.05&epochs=3")
    # The link changes the seed preset's values, so the selector says so (the link keeps its base).
    assert page.get_by_test_id("preset").input_value() == "custom"
    assert hash_params(page)["preset"] == "seed"
    assert page.locator("#layers").input_value() == "64,32"
    assert page.locator("#activation").input_value() == "tanh"
    assert page.get_by_test_id("learning-rate").input_value() == "0.05"
    assert page.get_by_test_id("epochs").input_value() == "3"
    assert page.locator("#optimizer").input_value() == "sgd"  # the seed preset's, not in the link
    assert hash_params(page)["layers"] == "64,32"

    page.locator("#layers").fill("100")
    page.wait_for_function("location.hash.includes('layers=100&')")
    page.locator("#optimizer").select_option("adam")
    assert hash_params(page)["optimizer"] == "adam"

    page.get_by_test_id("share-link").click()
    page.locator(".share-message").wait_for()
    assert "layers=100" in page.locator("#share-url").input_value()

    # Opening the shared link elsewhere gives the same form.
    link = page.locator("#share-url").input_value()
    other = page.context.new_page()
    other.goto(link)
    wait_for_state(other, "ready")
    assert other.locator("#layers").input_value() == "100"
    assert other.locator("#optimizer").input_value() == "adam"
    other.close()

    page.get_by_test_id("reproduce").click()
    assert page.get_by_test_id("preset").input_value() == "seed"
    assert page.locator("#layers").input_value() == "128"
    assert hash_params(page)["preset"] == "seed" and hash_params(page)["layers"] == "128"

    # A link with a setting the page does not know says so.
    page.goto(server_url + "#activation=magic")
    wait_for_state(page, "ready")
    assert "activation=magic" in error_banner(page).inner_text()
    page.locator("#share-card").screenshot(path=str(artifacts_dir / "glassbox-share.png"))


def test_runs_are_kept_compared_and_exported_and_imported(page, server_url, small_data_page, tmp_path,
                                                          console_errors, artifacts_dir):
    trained_page(page, server_url)
    history = page.get_by_test_id("run-history")
    assert history.locator("[data-testid=run-row]").count() == 1
    page.locator("#seed").fill("3")
    start_training(page, epochs=2)
    finish_training(page)
    assert history.locator("[data-testid=run-row]").count() == 2
    # The newest two are overlaid: 2 epochs against 1.
    page.wait_for_function("document.querySelector('.runs-chart').dataset.points === '[2,1]'")

    row = history.locator("[data-testid=run-row]").first  # newest first
    with page.expect_download() as info:
        row.get_by_role("button", name="Export Run 2 as JSON").click()
    exported = tmp_path / info.value.suggested_filename
    info.value.save_as(exported)
    run = json.loads(exported.read_text())
    assert run["config"]["seed"] == 3 and len(run["epochs"]) == 2 and run["status"] == "done"

    with page.expect_download() as info:
        row.get_by_role("button", name="Export Run 2 as CSV").click()
    csv_path = tmp_path / info.value.suggested_filename
    info.value.save_as(csv_path)
    lines = csv_path.read_text().strip().splitlines()
    assert lines[0].startswith("epoch,train_loss") and len(lines) == 3

    row.get_by_role("button", name="Delete Run 2").click()
    assert history.locator("[data-testid=run-row]").count() == 1
    page.locator(".run-import").set_input_files(str(exported))
    page.wait_for_function("document.querySelectorAll('[data-testid=run-row]').length === 2")
    with page.expect_download() as info:
        history.locator("[data-testid=run-row]", has_text="Run 2").get_by_role(
            "button", name="Export Run 2 as JSON").click()
    again = tmp_path / ("again-" + info.value.suggested_filename)
    info.value.save_as(again)
    assert again.read_text() == exported.read_text()
    assert json.loads(again.read_text()) == run

    # Kept across a reload (localStorage).
    page.reload()
    wait_for_state(page, "ready")
    assert history.locator("[data-testid=run-row]").count() == 2
    page.locator("#runs-card").screenshot(path=str(artifacts_dir / "glassbox-runs.png"))

    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    page.locator(".run-import").set_input_files(str(bad))
    error_banner(page).wait_for()
    assert "not valid JSON" in error_banner(page).inner_text()
    assert console_errors == []


def test_teaching_with_a_drawing_changes_the_network(page, server_url, small_data_page,
                                                     console_errors, artifacts_dir):
    trained_page(page, server_url)
    draw_strokes(page)
    wait_for_prediction(page)
    page.locator("#teach-label").select_option("8")  # Bag
    page.get_by_test_id("teach-add").click()
    page.wait_for_function("document.querySelector('.teach-count').textContent.startsWith('1 example')")
    page.locator("#teach-steps").fill("30")
    page.get_by_test_id("teach-tune").click()
    result = page.get_by_test_id("teach-result")
    page.wait_for_function("document.querySelector('[data-testid=teach-result]').dataset.lastLoss !== undefined")
    assert float(result.get_attribute("data-last-loss")) < float(result.get_attribute("data-first-loss"))
    assert "now" in result.inner_text()
    page.locator("#teach-card").screenshot(path=str(artifacts_dir / "glassbox-teach.png"))
    # The drawing's own inspection works too.
    page.locator(".inspect-drawing").click()
    page.wait_for_function("document.querySelector('.inspect-source').textContent.includes('your drawing')")
    assert console_errors == []


@pytest.mark.realdata
@pytest.mark.slow
def test_glass_box_on_real_fashion_mnist(page, route_data, real_data_dir, server_url, artifacts_dir):
    """One epoch of the default preset on the real set: the weights should look like clothes."""
    from conftest import DATA_FILES

    route_data({key: (real_data_dir / name).read_bytes() for key, name in DATA_FILES.items()})
    open_ready(page, server_url)
    start_training(page, epochs=1)
    finish_training(page, timeout=300_000)
    page.get_by_test_id("confusion-cell").first.wait_for(timeout=120_000)
    cells = page.get_by_test_id("confusion-cell")
    assert sum(int(t) for t in cells.all_inner_texts()) == 10_000
    page.locator("#mistakes-card .mistake-images .tile").first.click()
    page.get_by_test_id("activations-view").locator(".activation-row").first.wait_for()
    page.locator("#weights-card").screenshot(path=str(artifacts_dir / "glassbox-real-weights.png"))
    page.locator("#inspect-card").screenshot(path=str(artifacts_dir / "glassbox-real-inspect.png"))
    page.locator("#mistakes-card").screenshot(path=str(artifacts_dir / "glassbox-real-mistakes.png"))
