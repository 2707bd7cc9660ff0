"""glassnet in pyodide-lock.json (tools/pyodidelock.py): the entry is added to Pyodide's own lock
without changing the rest, on every machine (no pyodide-build needed), and it is the entry
pyodide-build's `lockfile add-wheels` writes when that is here to compare."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tools import pyodidelock
from tools.util import BuildError

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


def _built_wheel(tmp_path: Path) -> Path:
    from tools import pywheel

    root = Path(__file__).resolve().parents[2]
    return pywheel.build_wheel(root / "py", tmp_path / "cache", tmp_path / "built")


def test_glassnet_is_added_next_to_pyodides_own_entries_without_pyodide_build(
        tmp_path: Path, monkeypatch) -> None:
    from tools.util import sha256_file

    monkeypatch.setenv("GLASSNET_PYODIDE_CLI", str(tmp_path / "no-such-pyodide"))  # none reachable
    pyodide_dir, wheel = _site(tmp_path, _built_wheel(tmp_path))
    pyodidelock.add_glassnet(pyodide_dir, wheel)
    lock = json.loads((pyodide_dir / "pyodide-lock.json").read_text())
    assert lock["info"] == LOCK["info"] and lock["packages"]["numpy"] == LOCK["packages"]["numpy"]
    entry = lock["packages"]["glassnet"]
    assert entry["file_name"] == "../wheels/glassnet-0.1.0-py3-none-any.whl"
    assert entry["sha256"] == sha256_file(wheel)
    assert entry["depends"] == ["numpy"] and entry["imports"] == ["glassnet"]
    assert entry["version"] == "0.1.0" and entry["install_dir"] == "site"
    assert set(entry) == set(LOCK["packages"]["numpy"])  # Pyodide 0.27 refuses unknown formats


def test_a_file_that_is_not_a_wheel_is_a_clear_build_error(tmp_path: Path) -> None:
    pyodide_dir, wheel = _site(tmp_path)
    with pytest.raises(BuildError, match="not a readable wheel"):
        pyodidelock.add_glassnet(pyodide_dir, wheel)
    assert json.loads((pyodide_dir / "pyodide-lock.json").read_text()) == LOCK


def test_a_lock_that_is_not_pyodides_is_refused(tmp_path: Path) -> None:
    pyodide_dir, wheel = _site(tmp_path, _built_wheel(tmp_path))
    (pyodide_dir / "pyodide-lock.json").write_text(json.dumps({"packages": {}}))
    with pytest.raises(BuildError, match="not Pyodide's lock"):
        pyodidelock.add_glassnet(pyodide_dir, wheel)


@pytest.mark.skipif(pyodidelock.find_cli() is None,
                    reason=f"pyodide-build is not installed ({pyodidelock.INSTALL_HINT})")
def test_our_entry_is_the_one_pyodide_build_writes(tmp_path: Path) -> None:
    """pyodide-build is the reference for the lock format: our writer must agree with it."""
    pyodide_dir, wheel = _site(tmp_path, _built_wheel(tmp_path))
    original = pyodide_dir / "pyodide-lock.json"
    theirs = pyodidelock.entry_from_pyodide_build(pyodidelock.find_cli(), original, wheel)
    ours = pyodidelock.add_glassnet(pyodide_dir, wheel)
    assert ours == {k: v for k, v in theirs.items() if k in ours}
