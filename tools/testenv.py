"""What `build.py test` sets up on a fresh Debian machine before running pytest.

Python test tools come from PyPI (into the interpreter running build.py); the browser is Debian's
chromium from apt, never a `playwright install` download. Each step checks first, so a second run
does nothing and takes no time.
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


def ensure_chromium() -> None:
    """Install Debian's chromium (and, best-effort, the data set) when the browser is missing."""
    if CHROMIUM.exists():
        info(f"browser: {CHROMIUM}")
        return
    packages = ["chromium"] + ([] if has_all(DEBIAN_DIR) else ["dataset-fashion-mnist"])
    command = f"apt-get update && apt-get install -y {' '.join(packages)}"
    if not _is_root() or not shutil.which("apt-get"):
        warn(f"{CHROMIUM} is missing, so the browser tests cannot run. Install it: "
             f"sudo sh -c '{command}' (or point GLASSNET_CHROMIUM at a Chromium binary)")
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    info(f"browser: {command}")
    hint = "check that the Debian mirrors are reachable (apt-get update), then run again"
    run(["apt-get", "update"], what="apt-get update", hint=hint, env=env, quiet=False)
    run(["apt-get", "install", "-y", "chromium"],
        what="apt-get install chromium", hint=hint, env=env, quiet=False)
    if "dataset-fashion-mnist" in packages:
        result = subprocess.run(["apt-get", "install", "-y", "dataset-fashion-mnist"], env=env,
                                stdin=subprocess.DEVNULL)
        if result.returncode != 0:
            warn("dataset-fashion-mnist did not install; the tests use generated data instead")
    if not CHROMIUM.exists():
        raise BuildError(f"apt installed chromium but {CHROMIUM} does not exist",
                         "set GLASSNET_CHROMIUM to the Chromium binary's path")


def ensure_kernel_tools() -> None:
    """Install Debian's clang and lld (wasm-ld) when missing, so the build compiles the
    WebAssembly kernel and the Pyodide tests exercise it; like chromium, as root only."""
    from tools import wasmkernel

    if None not in wasmkernel.tools():
        info("kernel compiler: clang and wasm-ld found")
        return
    command = f"apt-get update && {wasmkernel.INSTALL_HINT}"
    if not _is_root() or not shutil.which("apt-get"):
        warn(f"clang or wasm-ld is missing, so the site gets no WebAssembly kernel (the page uses "
             f"einsum). Install them: sudo sh -c '{command}'")
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    info(f"kernel compiler: {command}")
    hint = "check that the Debian mirrors are reachable (apt-get update), then run again"
    run(["apt-get", "update"], what="apt-get update", hint=hint, env=env, quiet=False)
    run(["apt-get", "install", "-y", "clang", "lld"], what="apt-get install clang lld", hint=hint,
        env=env, quiet=False)


def run_pytest(root: Path, args: list[str]) -> int:
    """Run pytest; 'no tests collected' (exit 5) counts as success, with a warning."""
    cmd = [sys.executable, "-m", "pytest", *args]
    info("tests: " + " ".join(cmd[1:]))
    code = subprocess.run(cmd, cwd=root, stdin=subprocess.DEVNULL).returncode
    if code == 5:
        warn("pytest collected no tests (exit 5); treating that as success")
        return 0
    return code
