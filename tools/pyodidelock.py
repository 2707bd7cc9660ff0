"""Build step: list glassnet in dist/pyodide/pyodide-lock.json.

Why: with glassnet in Pyodide's own lock file, the worker loads it by name (`loadPackage('glassnet')`):
Pyodide resolves its dependency (NumPy) from the lock and fetches the wheel with its sha256 as
the request's integrity, so a changed wheel is refused by the browser.

The entry is written here, with the standard library, on every machine. It used to come from
pyodide-build's `pyodide lockfile add-wheels`, which needs Python 3.12+: a machine without one
(Debian 12, Ubuntu 22.04, a Pages runner that never installed it) shipped a lock without glassnet,
and the page did not start. pyodide-build stays the reference for the format: when a Python 3.12+
with pyodide-build is here, tests/builder/test_pyodidelock.py checks that it writes the same entry
(`entry_from_pyodide_build`). (`pyodide build` and `pyodide xbuildenv` download a cross-build
environment from Pyodide's web site, which is why the wheel is built by pip and the kernel by
clang.)
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from email.parser import Parser
from pathlib import Path

from tools.util import BuildError, run, sha256_file

INSTALL_HINT = "python3.12 -m pip install pyodide-build pkginfo"
LOCK = "pyodide-lock.json"


def _metadata(wheel: Path) -> tuple[str, str, list[str], list[str]]:
    """(name, version, depends, imports) read from the wheel itself, as pyodide-build reads them."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            names = archive.namelist()
            meta_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
            meta = Parser().parsestr(archive.read(meta_name).decode("utf-8"))
            top = next((n for n in names if n.endswith(".dist-info/top_level.txt")), None)
            imports = archive.read(top).decode().split() if top else []
    except (zipfile.BadZipFile, StopIteration, KeyError, OSError, UnicodeDecodeError) as exc:
        raise BuildError(f"{wheel} is not a readable wheel ({exc or type(exc).__name__})",
                         "delete it and run the build again") from None
    if not imports:  # packages at the top of the wheel, as pyodide-build finds them
        imports = sorted({n.split("/")[0] for n in names
                          if "/" in n and not n.split("/")[0].endswith((".dist-info", ".data"))})
    depends = []
    for requirement in meta.get_all("Requires-Dist") or []:
        if ";" in requirement:  # extras and markers (e.g. `extra == "test"`): not for the page
            continue
        depends.append(re.match(r"[A-Za-z0-9._-]+", requirement.strip()).group(0).lower())
    name = meta["Name"]
    return name.lower().replace("_", "-"), meta["Version"], depends, imports


def entry_for(wheel: Path, pyodide_dir: Path, fields: set[str]) -> dict:
    """The lock entry for `wheel`, with exactly the fields Pyodide's own entries have."""
    name, version, depends, imports = _metadata(wheel)
    entry = {
        "name": name,
        "version": version,
        "file_name": os.path.relpath(wheel, pyodide_dir).replace(os.sep, "/"),
        "install_dir": "site",
        "sha256": sha256_file(wheel),
        "package_type": "package",
        "imports": imports,
        "depends": depends,
        "unvendored_tests": False,
        "shared_library": False,
    }
    return {k: v for k, v in entry.items() if k in fields}


def add_glassnet(pyodide_dir: Path, wheel: Path) -> dict:
    """Rewrite pyodide_dir/pyodide-lock.json with an entry for `wheel` (its file_name relative to
    the lock's folder, e.g. ../wheels/glassnet-...whl); Pyodide's own entries stay as they are.
    Returns the entry."""
    lock = pyodide_dir / LOCK
    data = json.loads(lock.read_text())
    packages = data.get("packages")
    if not isinstance(packages, dict) or "numpy" not in packages:
        raise BuildError(f"{lock} is not Pyodide's lock file (no packages.numpy)",
                         "delete the cached Pyodide tarball and run the build again")
    entry = entry_for(wheel, pyodide_dir, set(packages["numpy"]))
    missing = [dep for dep in entry.get("depends", []) if dep not in packages]
    if missing:
        raise BuildError(f"glassnet needs {', '.join(missing)}, which this Pyodide does not ship",
                         "keep py/pyproject.toml's dependencies to NumPy")
    packages[entry["name"]] = entry
    lock.write_text(json.dumps(data, separators=(",", ":")))
    return entry


# ---------------------------------------------------------------- pyodide-build, the reference

def pythons() -> list[str]:
    """Interpreters that may carry pyodide-build or serve as Pyodide's Python: this one,
    python3.12/3.13 on PATH, and pyenv's 3.12+ (a pyenv shim only runs the version that is
    selected, so look behind it)."""
    found = [sys.executable] + [p for p in map(shutil.which, ("python3.12", "python3.13")) if p]
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    found += sorted(str(p) for p in pyenv.glob("3.1[2-9]*/bin/python3"))
    return found


def python_version(python: str) -> tuple[int, int] | None:
    """(major, minor) of the interpreter at `python`, or None when it does not run."""
    try:
        probe = subprocess.run([python, "-c", "import sys; print(*sys.version_info[:2])"],
                               capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    parts = probe.stdout.split()
    if probe.returncode != 0 or len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[1])


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


def find_cli() -> str | None:
    """$GLASSNET_PYODIDE_CLI, else the `pyodide` next to a Python 3.12+ with pyodide-build."""
    explicit = os.environ.get("GLASSNET_PYODIDE_CLI")
    if explicit:
        return explicit if Path(explicit).is_file() else None
    for python in pythons():
        cli = _cli_next_to(python)
        if cli:
            return cli
    return None


def entry_from_pyodide_build(cli: str, lock: Path, wheel: Path) -> dict:
    """What `pyodide lockfile add-wheels` writes for `wheel`, with file_name made relative to the
    lock's folder as ours is (pyodide-build would copy the wheel beside the lock instead)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / LOCK
        run([cli, "lockfile", "add-wheels", "--input", str(lock), "--output", str(out),
             "--base-path", str(wheel.parent), str(wheel)], what="pyodide lockfile add-wheels",
            hint=f"check pyodide-build ({cli})")
        entry = dict(json.loads(out.read_text())["packages"]["glassnet"])
    entry["file_name"] = os.path.relpath(wheel, lock.parent).replace(os.sep, "/")
    return entry
