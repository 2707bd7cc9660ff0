"""Run the core test suite inside Pyodide in headless Chromium, against the built dist/.

Why: glassnet promises to run unchanged in the browser. The strongest check is the same test files,
the same NumPy wheel and the same glassnet wheel that dist/ ships, run by pytest inside the page.
pytest and its pure-Python dependencies are pinned wheels fetched once into .cache/.
"""

from __future__ import annotations

import base64
import hashlib
import json
import mimetypes
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tools import pins

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
HARNESS_DIR = Path(__file__).resolve().parent / "pyodide_harness"
WHEEL_CACHE = ROOT / ".cache" / "pyodide-test-wheels"
PREFIX = "__glassnet_pytest__"
PYODIDE_ROOT = "/home/pyodide/glassnet"

# Pure-Python wheels for pytest inside Pyodide (Python pins.PYODIDE_PYTHON). Pinned by sha256.
TEST_WHEELS = {
    "pytest-9.0.3-py3-none-any.whl": "2c5efc453d45394fdd706ade797c0a81091eccd1d6e4bccfcd476e2b8e0ab5d9",
    "pluggy-1.6.0-py3-none-any.whl": "e920276dd6813095e9377c0bc5566d94c932c33b27a3e3945d8389c374dd4746",
    "iniconfig-2.3.0-py3-none-any.whl": "f631c04d2c48c52b84d0d0549c99ff3859c98df65b3101406327ecc7d53fbf12",
    "packaging-26.2-py3-none-any.whl": "5fc45236b9446107ff2415ce77c807cee2862cb6fac22b8a73826d0693b0980e",
    "pygments-2.20.0-py3-none-any.whl": "81a9e26dd42fd28a23a2d169d86d7ac03b46e2f8b59ed4698fb4785f946d0176",
}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _requirement(filename: str) -> str:
    name, version = filename.split("-")[:2]
    return f"{name}=={version}"


def ensure_test_wheels(cache: Path = WHEEL_CACHE) -> list[Path]:
    """Download the pinned pytest wheels into the cache when missing, then check every sha256."""
    cache.mkdir(parents=True, exist_ok=True)
    missing = [f for f, digest in TEST_WHEELS.items()
               if not (cache / f).is_file() or _sha256(cache / f) != digest]
    if missing:
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:",
                   "--no-deps", "--python-version", pins.PYODIDE_PYTHON, "--implementation", "py",
                   "--abi", "none", "--platform", "any", "-d", str(cache)]
        command += [_requirement(f) for f in missing]
        subprocess.run(command, check=True)
    paths = []
    for filename, digest in TEST_WHEELS.items():
        path = cache / filename
        actual = _sha256(path)
        if actual != digest:
            raise RuntimeError(f"{path}: sha256 {actual} does not match the pin {digest}")
        paths.append(path)
    return paths


def _glassnet_wheel(dist: Path) -> Path:
    manifest = dist / "manifest.json"
    if manifest.is_file():
        relative = json.loads(manifest.read_text()).get("glassnet_wheel")
        if relative and (dist / relative).is_file():
            return dist / relative
    wheels = sorted((dist / "wheels").glob("glassnet-*-py3-none-any.whl"))
    if not wheels:
        raise FileNotFoundError(f"no glassnet wheel in {dist / 'wheels'}: run python build.py")
    return wheels[-1]


def _test_files() -> dict[str, str]:
    """The files pytest needs inside Pyodide, relative to the project root, base64-encoded."""
    paths = [ROOT / "pytest.ini", ROOT / "tests" / "conftest.py"]
    init = ROOT / "tests" / "__init__.py"
    if init.is_file():
        paths.append(init)
    paths += sorted(p for p in (ROOT / "tests" / "core").rglob("*")
                    if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")
    return {p.relative_to(ROOT).as_posix(): base64.b64encode(p.read_bytes()).decode("ascii")
            for p in paths if p.is_file()}


@pytest.fixture(scope="session")
def pyodide_test_wheels() -> list[Path]:
    return ensure_test_wheels()


def test_core_suite_passes_in_pyodide(page, server_url, dist_dir, pyodide_test_wheels) -> None:
    base = server_url.rstrip("/")
    dist = Path(dist_dir)
    glassnet_wheel = _glassnet_wheel(dist)
    served = {f"wheels/{p.name}": p for p in pyodide_test_wheels}
    served.update({p.name: p for p in HARNESS_DIR.iterdir() if p.is_file()})

    def fulfil(route) -> None:
        relative = route.request.url.split(f"/{PREFIX}/", 1)[1].split("?", 1)[0]
        path = served.get(relative)
        if path is None:
            route.fulfill(status=404, body="not in the test harness")
            return
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if path.suffix == ".js":
            kind = "text/javascript"
        route.fulfill(status=200, body=path.read_bytes(), headers={"Content-Type": kind})

    page.route(f"**/{PREFIX}/**", fulfil)
    page.goto(f"{base}/{PREFIX}/index.html")
    page.wait_for_function("document.documentElement.dataset.state === 'ready'")
    packages = [f"{base}/{PREFIX}/wheels/{p.name}" for p in pyodide_test_wheels]
    result = page.evaluate(
        "options => window.glassnetRunPytest(options)",
        {
            "siteURL": f"{base}/",
            "wheelUrl": f"{base}/{glassnet_wheel.relative_to(dist).as_posix()}",
            "wheelSha256": hashlib.sha256(glassnet_wheel.read_bytes()).hexdigest(),
            "packages": packages,
            "files": _test_files(),
            "root": PYODIDE_ROOT,
            "args": ["-q", "-m", "not native", "-p", "no:cacheprovider", "tests/core"],
        },
    )
    output = result["output"]
    report = f"exit code {result['exitCode']}\nerrors: {result['errors']}\n--- pytest in Pyodide ---\n{output}"
    assert not result["errors"], report
    assert result["exitCode"] == 0, report
    passed = re.search(r"(\d+) passed", output)
    assert passed and int(passed.group(1)) > 0, report
    print(output)
