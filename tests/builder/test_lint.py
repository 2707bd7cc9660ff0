"""Every Python file of the repository passes ruff with the repository's rules (ruff.toml)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tools import pins

ROOT = Path(__file__).resolve().parents[2]


def _ruff() -> list[str] | None:
    """How to run ruff here: its module in this Python, or the command on PATH."""
    probe = subprocess.run([sys.executable, "-m", "ruff", "--version"], capture_output=True,
                           text=True, check=False)
    if probe.returncode == 0:
        return [sys.executable, "-m", "ruff"]
    return [shutil.which("ruff")] if shutil.which("ruff") else None


def test_ruff_is_pinned_with_the_test_tools() -> None:
    assert any(req.startswith("ruff==") for req in pins.TEST_REQUIREMENTS)
    assert (ROOT / "ruff.toml").is_file()


def test_ruff_finds_nothing() -> None:
    ruff = _ruff()
    if ruff is None:
        pytest.skip("ruff is not installed (pip install " +
                    next(r for r in pins.TEST_REQUIREMENTS if r.startswith("ruff==")) + ")")
    result = subprocess.run([*ruff, "check", "--no-cache", "--output-format", "concise", "."],
                            cwd=ROOT, capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 0, f"ruff found problems (see ruff.toml):\n{result.stdout}{result.stderr}"


def test_ruff_would_report_a_finding(tmp_path: Path) -> None:
    """The lint test can fail: the same rules on a file with an unused import report it."""
    ruff = _ruff()
    if ruff is None:
        pytest.skip("ruff is not installed")
    (tmp_path / "bad.py").write_text("import os\n")
    result = subprocess.run([*ruff, "check", "--no-cache", "--config", str(ROOT / "ruff.toml"),
                             str(tmp_path / "bad.py")], capture_output=True, text=True, check=False,
                            timeout=120)
    assert result.returncode == 1 and "F401" in result.stdout
