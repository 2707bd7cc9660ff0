"""The matrix engine switch in "Look inside": the page starts on the WebAssembly kernel (when the
build compiled it), measures every engine on the student's network, and switching engines keeps
training working.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import finish_training, start_training, wait_for_state


def _wheel_has_kernel(dist: Path) -> bool:
    import zipfile

    wheel = dist / json.loads((dist / "manifest.json").read_text())["glassnet_wheel"]
    with zipfile.ZipFile(wheel) as archive:
        return "glassnet/glassnet_kernel.wasm" in archive.namelist()


def test_engine_switch_shows_both_speeds_and_training_works_on_either(
        page, server_url, dist_dir, small_data_page, console_errors, artifacts_dir):
    if not _wheel_has_kernel(Path(dist_dir)):
        pytest.skip("dist/ was built without clang and wasm-ld: no kernel to switch to")
    page.goto(server_url)
    wait_for_state(page, "ready")
    choice = page.get_by_test_id("engine-choice")
    choice.locator("input[value=kernel]").wait_for()
    assert choice.locator("input[value=kernel]").is_checked()  # the page's default in Pyodide

    page.get_by_test_id("engine-measure").click()
    rows = page.get_by_test_id("engine-speeds").locator("tbody tr")
    rows.first.wait_for()
    engines = rows.evaluate_all("rows => rows.map(r => r.dataset.engine)")
    assert set(engines) == {"kernel", "einsum"}
    for text in rows.locator("td:nth-child(2)").all_inner_texts():
        assert float(text) > 0
    page.locator("#engine-card").screenshot(path=str(artifacts_dir / "engine-switch.png"))

    choice.locator("input[value=einsum]").check()
    page.wait_for_function(
        "() => document.querySelector('#engine-card .engine-note').textContent.includes('einsum')")
    start_training(page, epochs=1)
    finish_training(page)
    assert choice.locator("input[value=einsum]").is_checked()
    assert console_errors == []
