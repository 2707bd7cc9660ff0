"""What `build.py test` sets up on a fresh Debian machine before running pytest.

Python test tools come from PyPI (into the interpreter running build.py); the browser is Debian's
chromium (with clang/lld for the kernel) from apt, never a `playwright install` download. Each
step checks first, so a second run does nothing and takes no time.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from urllib.parse import unquote, urlparse

from tools import chromium, pins
from tools.fmnist import DEBIAN_DIR, has_all
from tools.util import BuildError, info, run, warn

CHROMIUM = Path(chromium.CHROMIUM)


def _version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def _editable_from(py_dir: Path) -> bool:
    """True when glassnet is installed in editable mode from this checkout's py/."""
    try:
        raw = importlib.metadata.distribution("glassnet").read_text("direct_url.json")
    except importlib.metadata.PackageNotFoundError:
        return False
    if not raw:
        return False
    info_ = json.loads(raw)
    if not info_.get("dir_info", {}).get("editable"):
        return False
    path = Path(unquote(urlparse(info_.get("url", "")).path))
    return path.resolve() == py_dir.resolve()


def _declared_requirements(py_dir: Path) -> list[str]:
    """Names of glassnet's dependencies plus its [test] extra, read from py/pyproject.toml."""
    project = tomllib.loads((py_dir / "pyproject.toml").read_text())["project"]
    requirements = project.get("dependencies", []) + \
        project.get("optional-dependencies", {}).get("test", [])
    return [re.match(r"[A-Za-z0-9._-]+", req).group(0) for req in requirements]


def python_deps_ready(py_dir: Path) -> bool:
    """True when the pinned tools, glassnet's declared requirements and glassnet itself
    (editable, from this checkout) are installed: then pip need not run at all."""
    pinned = all(_version(req.split("==")[0]) == req.split("==")[1]
                 for req in pins.TEST_REQUIREMENTS)
    declared = all(_version(name) for name in _declared_requirements(py_dir))
    return pinned and declared and _editable_from(py_dir)


def ensure_python_deps(py_dir: Path) -> None:
    """pip install -e py[test] plus the pinned Playwright tools, unless already there."""
    if python_deps_ready(py_dir):
        info("test tools: already installed")
        return
    cmd = [sys.executable, "-m", "pip", "install", "--disable-pip-version-check",
           "-e", f"{py_dir}[test]", *pins.TEST_REQUIREMENTS]
    info("test tools: " + " ".join(cmd[1:]))
    run(cmd, what="installing the test tools", quiet=False,
        hint="check that PyPI is reachable (pip download pytest) and that this Python can "
             f"install packages ({sys.executable})")


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


# Debian packages the site is built with: the same for `build.py`, `serve` and `test`, so the
# first command a new user types gives the site CI tests. (package, why, required?, present?)
def site_packages(required: bool = False) -> list[tuple[str, str, bool, bool]]:
    from tools import wasmkernel

    has_kernel_tools = None not in wasmkernel.tools()
    return [
        ("clang", "the WebAssembly kernel", required, has_kernel_tools),
        ("lld", "the WebAssembly kernel (wasm-ld)", required, has_kernel_tools),
        ("dataset-fashion-mnist", "the data set the site ships", False, has_all(DEBIAN_DIR)),
    ]


# Debian packages `build.py test` installs when missing. Required ones fail the run if apt cannot
# install them; the others only make tests richer (the real data set, decoding the classroom QR
# code as a phone would).
def _system_packages() -> list[tuple[str, str, bool, bool]]:
    return [("chromium", "the browser tests", True, CHROMIUM.exists()), *site_packages(True),
            ("zbar-tools", "decoding the classroom QR code", False,
             shutil.which("zbarimg") is not None)]


WITHOUT_FOR_TESTS = "the tests that need them are skipped and the site gets no WebAssembly kernel"
WITHOUT_FOR_SITE = ("the site gets no WebAssembly kernel (training about 4x slower) and ships no "
                    "data set unless one is found")


def ensure_system_packages(packages: list[tuple[str, str, bool, bool]] | None = None,
                           without: str = WITHOUT_FOR_TESTS) -> list[str]:
    """Install the missing Debian packages with one `apt-get update` (as root, where apt exists).

    Returns the names it tried to install. Without root or apt it says what to run and what is
    missing then (`without`), and goes on."""
    packages = _system_packages() if packages is None else packages
    for name, why, _, present in packages:
        if present:
            info(f"system package {name}: present ({why})")
    missing = [(name, required) for name, _, required, present in packages if not present]
    if not missing:
        return []
    names = [name for name, _ in missing]
    command = f"apt-get update && apt-get install -y {' '.join(names)}"
    if not _is_root() or not shutil.which("apt-get"):
        warn(f"missing {', '.join(names)}: {without}. Install them: sudo sh -c '{command}'"
             + (" (or point GLASSNET_CHROMIUM at a Chromium binary)" if "chromium" in names else ""))
        return []
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    info(f"system packages: {command}")
    hint = "check that the Debian mirrors are reachable (apt-get update), then run again"
    run(["apt-get", "update"], what="apt-get update", hint=hint, env=env, quiet=False)
    required = [name for name, needed in missing if needed]
    if required:
        run(["apt-get", "install", "-y", *required], what=f"apt-get install {' '.join(required)}",
            hint=hint, env=env, quiet=False)
    for name in (name for name, needed in missing if not needed):
        result = subprocess.run(["apt-get", "install", "-y", name], env=env, stdin=subprocess.DEVNULL)
        if result.returncode != 0:
            warn(f"{name} did not install; the tests that use it are skipped")
    if "chromium" in names and not CHROMIUM.exists():
        raise BuildError(f"apt installed chromium but {CHROMIUM} does not exist",
                         "set GLASSNET_CHROMIUM to the Chromium binary's path")
    return names


def run_pytest(root: Path, args: list[str]) -> int:
    """Run pytest; 'no tests collected' (exit 5) counts as success, with a warning."""
    cmd = [sys.executable, "-m", "pytest", *args]
    info("tests: " + " ".join(cmd[1:]))
    code = subprocess.run(cmd, cwd=root, stdin=subprocess.DEVNULL).returncode
    if code == 5:
        warn("pytest collected no tests (exit 5); treating that as success")
        return 0
    return code


def ensure_pyodide_build() -> str | None:
    """pyodide-build (pinned) under a Python 3.12+, when this machine has one: the reference the
    lock-format test compares glassnet's own lock writer with. The build does not need it; without
    a Python 3.12+ one line says so and that one test is skipped. Returns its `pyodide` command."""
    from tools import pyodidelock

    cli = pyodidelock.find_cli()
    if cli:
        info(f"pyodide-build: present ({cli})")
        return cli
    python = next((p for p in pyodidelock.pythons() if (pyodidelock.python_version(p) or (0, 0)) >= (3, 12)),
                  None)
    if python is None:
        info("pyodide-build: no Python 3.12+ here, so the test that compares glassnet's lock entry "
             "with pyodide-build's is skipped (the build itself does not need it)")
        return None
    cmd = [python, "-m", "pip", "install", "--disable-pip-version-check", "--quiet",
           *pins.PYODIDE_BUILD_REQUIREMENTS]
    info("pyodide-build: " + " ".join(cmd))
    result = subprocess.run(cmd, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        warn(f"pyodide-build did not install under {python}; the lock-format test is skipped")
        return None
    return pyodidelock.find_cli()


def ensure_check_tools() -> None:
    """What `build.py check` needs: Playwright (pinned, from PyPI) and Debian's Chromium."""
    playwright = next(r for r in pins.TEST_REQUIREMENTS if r.startswith("playwright=="))
    if _version("playwright") != playwright.split("==")[1]:
        cmd = [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", playwright]
        info("site check tools: " + " ".join(cmd[1:]))
        run(cmd, what="installing Playwright", quiet=False,
            hint="check that PyPI is reachable, or run the check where Playwright is installed")
    ensure_system_packages([("chromium", "the site check", True, CHROMIUM.exists())],
                           without="the site cannot be checked")
