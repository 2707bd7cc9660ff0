"""End-to-end tests of section 6, the glass box (issue 5): weights as pictures, a prediction
inside out, the confusion matrix and mistakes, stepping through backpropagation, teaching with
drawings, shared links and the run history.

Every number on these views is computed by glassnet's Python; the tests check that each view
renders after one epoch on the small generated data and that it reacts to what a student does.
"""

from __future__ import annotations

import json
import math
from urllib.parse import parse_qs

import pytest
from conftest import wait_for_state
from test_page import draw_strokes, error_banner, finish_training, start_training, wait_for_prediction


def open_ready(page, url: str) -> None:
    page.goto(url)
    wait_for_state(page, "ready")


def trained_page(page, server_url: str, epochs: int = 1) -> None:
    """A fresh page, one short run on the small data, finished and evaluated."""
    open_ready(page, server_url)
    page.locator("#hidden").fill("32")
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

    page.locator("#weights-card").screenshot(path=str(artifacts_dir / "glassbox-weights.png"))
    page.locator("#inspect-card").screenshot(path=str(artifacts_dir / "glassbox-inspect.png"))
    page.locator("#mistakes-card").screenshot(path=str(artifacts_dir / "glassbox-mistakes.png"))
    page.screenshot(path=str(artifacts_dir / "glassbox-page.png"), full_page=True)
    assert console_errors == []
