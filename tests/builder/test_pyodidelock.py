"""glassnet in pyodide-lock.json (pyodide-build's `lockfile add-wheels`): the entry is added to
Pyodide's own lock without changing the rest, and a build without pyodide-build says so in one
line and leaves the lock alone."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tools import pyodidelock

pytestmark = pytest.mark.native

LOCK = {"info": {"abi_version": "2024_0", "arch": "wasm32", "platform": "emscripten_3_1_58",
                 "python": "3.12.7", "version": "0.27.7"},
        "packages": {"numpy": {"depends": [], "file_name": "numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl",
                               "imports": ["numpy"], "install_dir": "site", "name": "numpy",
                               "package_type": "package", "sha256": "ab" * 32,
                               "unvendored_tests": True, "version": "2.0.2"}}}


def _site(tmp_path: Path, wheel_source: Path | None = None) -> tuple[Path, Path]:
    pyodide_dir = tmp_path / "site" / "pyodide"
    pyodide_dir.mkdir(parents=True)
    (pyodide_dir / "pyodide-lock.json").write_text(json.dumps(LOCK))
    wheels = tmp_path / "site" / "wheels"
    wheels.mkdir()
    wheel = wheels / "glassnet-0.1.0-py3-none-any.whl"
    if wheel_source is not None:
        shutil.copyfile(wheel_source, wheel)
    else:
        wheel.write_bytes(b"PK not a wheel")
    return pyodide_dir, wheel


def test_without_pyodide_build_the_lock_is_unchanged_and_one_line_says_why(
        tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(pyodidelock, "find_cli", lambda: None)
    pyodide_dir, wheel = _site(tmp_path)
    assert pyodidelock.add_glassnet(pyodide_dir, wheel, tmp_path / "cache") is False
    assert json.loads((pyodide_dir / "pyodide-lock.json").read_text()) == LOCK
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert len(lines) == 1 and "pyodide-build" in lines[0]


@pytest.mark.skipif(pyodidelock.find_cli() is None, reason="pyodide-build is not installed")
def test_glassnet_is_added_next_to_pyodides_own_entries(tmp_path: Path) -> None:
    from tools import pywheel
    from tools.util import sha256_file

    root = Path(__file__).resolve().parents[2]
    built = pywheel.build_wheel(root / "py", tmp_path / "cache", tmp_path / "built")
    pyodide_dir, wheel = _site(tmp_path, built)
    assert pyodidelock.add_glassnet(pyodide_dir, wheel, tmp_path / "cache") is True
    lock = json.loads((pyodide_dir / "pyodide-lock.json").read_text())
    assert lock["info"] == LOCK["info"] and lock["packages"]["numpy"] == LOCK["packages"]["numpy"]
    entry = lock["packages"]["glassnet"]
    assert entry["file_name"] == "../wheels/glassnet-0.1.0-py3-none-any.whl"
    assert entry["sha256"] == sha256_file(wheel)
    assert entry["depends"] == ["numpy"] and entry["imports"] == ["glassnet"]
    assert set(entry) <= set(LOCK["packages"]["numpy"])
