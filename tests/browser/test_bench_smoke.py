"""Smoke run of the benchmark (`build.py bench --quick`): the code runs end to end, timings are not judged.

Why a subprocess: the benchmark drives its own Playwright session, which cannot nest inside the one
pytest-playwright keeps for the other browser tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from bench import KEYS, RATIOS  # noqa: E402  (the keys the issue names)

sys.path.remove(str(ROOT))


# Minutes of browser work: out of the default run (pytest.ini deselects "bench"); run it with
# `python -m pytest -m bench`.
@pytest.mark.slow
@pytest.mark.bench
def test_quick_bench_writes_every_key(dist_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    command = [sys.executable, str(ROOT / "build.py"), "bench", "--quick", "--dist", str(dist_dir),
               "--json", str(out)]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, f"stdout:\n{run.stdout}\nstderr:\n{run.stderr}"
    result = json.loads(out.read_text())
    for key in KEYS + list(RATIOS):
        assert key in result, f"missing {key}"
        assert result[key] is None or (isinstance(result[key], (int, float)) and result[key] >= 0), key
    # Always measured, whatever the machine has (PyTorch and the real data are optional).
    for key in ("native_epoch_s", "browser_epoch_s", "tfjs_cpu_epoch_s", "tfjs_wasm_epoch_s",
                "ready_cold_s", "ready_warm_s", "worker_peak_memory_mb",
                "browser_over_native", "browser_over_tfjs_wasm"):
        assert isinstance(result[key], (int, float)) and result[key] > 0, key
    details = result["details"]
    assert details["quick"] is True
    assert details["data"]["kind"] == "synthetic"
    assert details["browser"]["bench_page_errors"] == []
    # The printed table names every measure.
    for key in KEYS + list(RATIOS):
        assert key in run.stdout
