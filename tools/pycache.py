"""Build step: Python bytecode for Pyodide's Python inside glassnet's wheel, next to the sources.

Why: the page installs the wheel and imports glassnet on every load, and compiling the sources
inside WebAssembly is a visible part of start-up (measured by `build.py bench`: about a quarter
of a second). `pyodide py-compile` would replace the .py files by .pyc, but the page shows
glassnet's own source to students (the code panel reads it with `inspect`), so the sources stay
and the bytecode goes beside them in __pycache__, as unchecked-hash .pyc files (PEP 552): Python
uses them without comparing file times, which the unpacked wheel does not keep.

The bytecode must come from the same Python minor version as Pyodide's (3.12 for Pyodide 0.27);
without one the build says so in one line and the wheel keeps its sources only (still correct,
just slower to import). Other Pythons ignore bytecode that is not theirs.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import tempfile
import zipfile
from pathlib import Path

from tools import pyodidelock
from tools.pywheel import intact, record_sha256
from tools.util import BuildError, copy_file, info, run

FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # same inputs, same wheel bytes


def pyodide_python(pyodide_dir: Path) -> str:
    """'3.12' for the Python inside the vendored Pyodide (from its pyodide-lock.json)."""
    version = json.loads((pyodide_dir / "pyodide-lock.json").read_text())["info"]["python"]
    return ".".join(version.split(".")[:2])


def find_python(minor: str) -> str | None:
    """An interpreter of exactly this minor version (this one, python3.X on PATH, pyenv's)."""
    wanted = tuple(int(part) for part in minor.split("."))
    for python in [shutil.which(f"python{minor}")] + pyodidelock.pythons():
        if python and pyodidelock.python_version(python) == wanted:
            return python
    return None


def add_bytecode(wheel: Path, pyodide_dir: Path, cache: Path) -> bool:
    """Rewrite `wheel` in place with __pycache__ bytecode for Pyodide's Python; False (after one
    line) when no interpreter of that version is here."""
    minor = pyodide_python(pyodide_dir)
    key = hashlib.sha256(wheel.read_bytes() + minor.encode()).hexdigest()[:16]
    cached = cache / "glassnet-pyc" / key / wheel.name
    if cached.is_file() and not intact(cached):
        cached.unlink()
    if not cached.is_file():
        python = find_python(minor)
        if python is None:
            info(f"  skipped: no Python {minor} here (Pyodide's version), so the wheel has sources "
                 "only and the page compiles them at start-up")
            return False
        _compile_into(wheel, python, cached)
        for other in cached.parent.parent.iterdir():
            if other != cached.parent:
                shutil.rmtree(other, ignore_errors=True)
    else:
        info(f"  bytecode from cache ({cached.parent.name})")
    copy_file(cached, wheel)
    return True


def _compile_into(wheel: Path, python: str, out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        with zipfile.ZipFile(wheel) as z:
            names = z.namelist()
            z.extractall(tree)
        packages = sorted({name.split("/")[0] for name in names if name.endswith(".py")})
        info(f"  {Path(python).name} -m compileall (unchecked-hash) {' '.join(packages)}")
        run([python, "-m", "compileall", "-q", "-j", "1", "--invalidation-mode", "unchecked-hash",
             "-s", str(tree), *[str(tree / p) for p in packages]],
            what="compileall", hint=f"check {python}, or build where it is missing (sources only)")
        added = sorted(str(p.relative_to(tree)) for p in tree.rglob("*.pyc"))
        if not added:
            raise BuildError("compileall wrote no bytecode", f"check {python}")
        record = next(name for name in names if name.endswith(".dist-info/RECORD"))
        lines = (tree / record).read_text().splitlines()
        lines = lines[:-1] if lines and lines[-1].startswith(record + ",") else lines
        for name in added:
            data = (tree / name).read_bytes()
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            lines.append(f"{name},sha256={digest},{len(data)}")
        lines.append(f"{record},,")
        (tree / record).write_text("\n".join(lines) + "\n")
        out.parent.mkdir(parents=True, exist_ok=True)
        part = out.with_name(out.name + ".part")
        with zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as z:
            # Sources and bytecode first, the dist-info (RECORD last) after, as wheels are laid out.
            order = sorted(n for n in names if n != record and ".dist-info/" not in n) + added
            order += sorted(n for n in names if ".dist-info/" in n and n != record) + [record]
            for name in order:
                entry = zipfile.ZipInfo(name, FIXED_TIME)
                entry.external_attr = 0o644 << 16
                entry.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(entry, (tree / name).read_bytes())
        part.replace(out)
        record_sha256(out)
