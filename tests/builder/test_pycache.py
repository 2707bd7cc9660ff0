"""Bytecode for Pyodide's Python inside glassnet's wheel, beside the sources (tools/pycache.py):
unchecked-hash .pyc files that Python uses as they are, listed in RECORD, sources kept; without an
interpreter of Pyodide's version the wheel is left as it was, with one line saying why."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tools import pycache

pytestmark = pytest.mark.native

MINOR = "{}.{}".format(*sys.version_info[:2])


def _wheel(path: Path) -> Path:
    """A tiny wheel in the layout pip writes: a package, its dist-info, RECORD last."""
    files = {"toy/__init__.py": "VALUE = 41\n", "toy/more.py": "def f():\n    '''why'''\n    return 1\n",
             "toy/data.bin": "not python", "toy-0.1.dist-info/METADATA": "Name: toy\n"}
    record = "".join(f"{name},sha256=x,{len(text)}\n" for name, text in files.items())
    record += "toy-0.1.dist-info/RECORD,,\n"
    with zipfile.ZipFile(path, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
        z.writestr("toy-0.1.dist-info/RECORD", record)
    return path


def _pyodide_dir(tmp_path: Path, python: str) -> Path:
    folder = tmp_path / "pyodide"
    folder.mkdir()
    (folder / "pyodide-lock.json").write_text(json.dumps({"info": {"python": python}}))
    return folder


def test_bytecode_goes_beside_the_sources_and_is_used_unchecked(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(pycache, "find_python", lambda minor: sys.executable if minor == MINOR else None)
    wheel = _wheel(tmp_path / "toy-0.1-py3-none-any.whl")
    assert pycache.add_bytecode(wheel, _pyodide_dir(tmp_path, MINOR + ".7"), tmp_path / "cache") is True
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        record = z.read("toy-0.1.dist-info/RECORD").decode().splitlines()
        tag = sys.implementation.cache_tag
        pyc = z.read(f"toy/__pycache__/more.{tag}.pyc")
        assert {"toy/__init__.py", "toy/more.py", "toy/data.bin"} <= set(names)  # sources stay
        assert names[-1] == "toy-0.1.dist-info/RECORD"
    import importlib.util
    assert pyc[:4] == importlib.util.MAGIC_NUMBER
    assert int.from_bytes(pyc[4:8], "little") == 1  # hash-based, source not checked (PEP 552)
    digest = base64.urlsafe_b64encode(hashlib.sha256(pyc).digest()).rstrip(b"=").decode()
    assert f"toy/__pycache__/more.{tag}.pyc,sha256={digest},{len(pyc)}" in record
    assert record[-1] == "toy-0.1.dist-info/RECORD,,"

    # Unpacked (file times not kept), the package imports from the bytecode: a changed source
    # is not even read, which proves the .pyc was used.
    tree = tmp_path / "unpacked"
    zipfile.ZipFile(wheel).extractall(tree)
    (tree / "toy" / "__init__.py").write_text("VALUE = 0\n")
    out = subprocess.run([sys.executable, "-c", "import toy; print(toy.VALUE)"], cwd=tree,
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "41"

    # Same input, same bytes (from the cache the second time).
    (tmp_path / "again").mkdir()
    again = _wheel(tmp_path / "again" / "toy-0.1-py3-none-any.whl")
    pycache.add_bytecode(again, _pyodide_dir(tmp_path / "again", MINOR + ".7"), tmp_path / "cache")
    assert again.read_bytes() == wheel.read_bytes()


def test_without_pyodides_python_the_wheel_keeps_its_sources_only(tmp_path: Path, monkeypatch,
                                                                   capsys) -> None:
    monkeypatch.setattr(pycache, "find_python", lambda minor: None)
    wheel = _wheel(tmp_path / "toy-0.1-py3-none-any.whl")
    before = wheel.read_bytes()
    assert pycache.add_bytecode(wheel, _pyodide_dir(tmp_path, "3.99.1"), tmp_path / "cache") is False
    assert wheel.read_bytes() == before
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert len(lines) == 1 and "no Python 3.99" in lines[0]


def test_the_interpreter_is_found_by_its_exact_minor_version() -> None:
    assert pycache.find_python(MINOR) is not None
    assert pycache.find_python("2.1") is None
