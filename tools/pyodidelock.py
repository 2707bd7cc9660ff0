"""Build step: list glassnet in dist/pyodide/pyodide-lock.json with pyodide-build.

Why: with glassnet in Pyodide's own lock file, the worker loads it by name (`loadPackage('glassnet')`):
Pyodide resolves its dependency (NumPy) from the lock and checks the wheel's sha256 before
installing it. `pyodide lockfile add-wheels` (pyodide-build) writes the entry; it needs Python
3.12+ and works offline. (`pyodide build` and `pyodide xbuildenv` download a cross-build
environment from Pyodide's web site, which is why the wheel itself is built by pip, and the
kernel by clang, instead.)

Without pyodide-build the build says so in one line and ships Pyodide's lock file unchanged; the
worker then installs the wheel from its URL, as before. The result is cached by the hashes of the
lock file and the wheel.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tools.util import BuildError, copy_file, info, run, sha256_file

INSTALL_HINT = "python3.12 -m pip install pyodide-build pkginfo"
LOCK = "pyodide-lock.json"


def _cli_next_to(python: str) -> str | None:
    """The `pyodide` command of a Python that has pyodide-build installed, else None."""
    try:
        probe = subprocess.run([python, "-c", "import pyodide_build, pkginfo, sys; "
                                "print(sys.executable)"], capture_output=True, text=True,
                               timeout=60, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if probe.returncode != 0:
        return None
    cli = Path(probe.stdout.strip()).parent / "pyodide"
    return str(cli) if cli.is_file() else None


def pythons() -> list[str]:
    """Interpreters that may carry pyodide-build: this one, python3.12/3.13 on PATH, and pyenv's
    3.12+ (a pyenv shim only runs the version that is selected, so look behind it)."""
    found = [sys.executable] + [p for p in map(shutil.which, ("python3.12", "python3.13")) if p]
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    found += sorted(str(p) for p in pyenv.glob("3.1[2-9]*/bin/python3"))
    return found


def find_cli() -> str | None:
    """$GLASSNET_PYODIDE_CLI, else the `pyodide` next to a Python 3.12+ with pyodide-build."""
    explicit = os.environ.get("GLASSNET_PYODIDE_CLI")
    if explicit:
        return explicit if Path(explicit).is_file() else None
    for python in pythons():
        if python:
            cli = _cli_next_to(python)
            if cli:
                return cli
    return None


def add_glassnet(pyodide_dir: Path, wheel: Path, cache: Path) -> bool:
    """Rewrite pyodide_dir/pyodide-lock.json with an entry for `wheel` (a path relative to the
    lock file's folder, e.g. ../wheels/glassnet-...whl). True when the lock now lists glassnet."""
    lock = pyodide_dir / LOCK
    key = sha256_file(lock)[:16] + "-" + sha256_file(wheel)[:16]
    cached = cache / "pyodide-lock" / key / LOCK
    if not cached.is_file():
        cli = find_cli()
        if cli is None:
            info(f"  skipped: pyodide-build not found (install: {INSTALL_HINT}); the worker "
                 "loads glassnet from its URL")
            return False
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / LOCK
            run([cli, "lockfile", "add-wheels", "--input", str(lock), "--output", str(out),
                 "--base-path", str(wheel.parent), str(wheel)], what="pyodide lockfile add-wheels",
                hint=f"check pyodide-build ({cli}), or uninstall it to build without it")
            data = json.loads(out.read_text())
            entry = data.get("packages", {}).get("glassnet")
            if not entry or entry.get("sha256") != sha256_file(wheel):
                raise BuildError("pyodide lockfile add-wheels wrote no glassnet entry with the "
                                 "wheel's sha256", "check the pyodide-build version (0.29+)")
            # The wheel stays in wheels/; Pyodide resolves file_name against the lock's folder.
            entry["file_name"] = os.path.relpath(wheel, pyodide_dir).replace(os.sep, "/")
            # pyodide-build writes its own (newer) lock format, e.g. without info.version, which
            # Pyodide 0.27 refuses: keep Pyodide's lock as it is and add only glassnet's entry,
            # with the fields that lock's entries have.
            original = json.loads(lock.read_text())
            fields = set(next(iter(original["packages"].values())))
            original["packages"]["glassnet"] = {k: v for k, v in entry.items() if k in fields}
            cached.parent.mkdir(parents=True, exist_ok=True)
            cached.write_text(json.dumps(original, separators=(",", ":")))
        for other in cached.parent.parent.iterdir():
            if other != cached.parent:
                shutil.rmtree(other, ignore_errors=True)
        info(f"  glassnet added with {cli}")
    else:
        info(f"  cached: {cached}")
    copy_file(cached, lock)
    return True
