"""Our own pure-Python wheel (py/ -> dist/wheels/glassnet-<version>-py3-none-any.whl).

Built from a clean copy of py/ (a stale py/build/ would leak deleted modules into the wheel) with
fixed timestamps, and cached by a hash of the sources so an unchanged tree is not rebuilt.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import sys
import tempfile
from pathlib import Path

from tools.util import BuildError, copy_file, info, run, sha256_file, warn

IGNORED = ("build", "dist", "__pycache__", "*.egg-info", "*.pyc", ".pytest_cache")
# 1980-01-01, the earliest time a zip file can record: same sources, same wheel bytes.
SOURCE_DATE_EPOCH = "315532800"


def _files(py_dir: Path) -> list[Path]:
    found = []
    for path in sorted(py_dir.rglob("*")):
        rel = path.relative_to(py_dir)
        if any(part in ("build", "dist", "__pycache__", ".pytest_cache")
               or part.endswith(".egg-info") for part in rel.parts):
            continue
        if path.is_file() and path.suffix != ".pyc":
            found.append(path)
    return found


def source_hash(py_dir: Path) -> str:
    """A hash of every source file's path and bytes under py/ (what the wheel is made of)."""
    digest = hashlib.sha256()
    for path in _files(py_dir):
        digest.update(str(path.relative_to(py_dir)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def build_wheel(py_dir: Path, cache: Path, dest_dir: Path,
                extra: dict[str, Path] | None = None) -> Path:
    """Copy the glassnet wheel into `dest_dir`, building it only when py/ (or an extra file)
    changed. `extra` maps paths inside the wheel to built files (the wasm kernel)."""
    extra = extra or {}
    digest = hashlib.sha256(source_hash(py_dir).encode())
    for inside, path in sorted(extra.items()):
        digest.update(f"\0{inside}\0".encode() + path.read_bytes())
    key = digest.hexdigest()[:16]
    cached_dir = cache / "glassnet-wheel" / key
    wheels = sorted(cached_dir.glob("glassnet-*-py3-none-any.whl")) if cached_dir.is_dir() else []
    if wheels and not intact(wheels[0]):
        warn(f"the cached glassnet wheel {wheels[0]} is damaged or altered; rebuilding it")
        shutil.rmtree(cached_dir, ignore_errors=True)
        wheels = []
    if not wheels:
        info("  pip wheel py (the glassnet package)")
        wheels = [_pip_wheel(py_dir, cached_dir, extra)]
        for other in (cache / "glassnet-wheel").iterdir():
            if other != cached_dir:
                shutil.rmtree(other, ignore_errors=True)
    target = dest_dir / wheels[0].name
    copy_file(wheels[0], target)
    if sha256_file(target) != recorded_sha256(wheels[0]):
        raise BuildError(f"copying {wheels[0]} to {target} changed its bytes",
                         "check the disk (full?) and run the build again")
    return target


def record_sha256(path: Path) -> None:
    """Write `<file>.sha256` next to a cached file that the build made itself (no pin exists)."""
    path.with_name(path.name + ".sha256").write_text(sha256_file(path) + "\n")


def recorded_sha256(path: Path) -> str | None:
    try:
        return path.with_name(path.name + ".sha256").read_text().strip()
    except OSError:
        return None


def intact(path: Path) -> bool:
    """True when a cached file still has the sha256 recorded when it was made (a truncated or
    altered cache entry, or one from before records existed, is made again)."""
    return path.is_file() and sha256_file(path) == recorded_sha256(path)


def _pip_wheel(py_dir: Path, out_dir: Path, extra: dict[str, Path]) -> Path:
    env = {**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH}
    hint = ("pip needs setuptools: make PyPI reachable or run "
            f"`{sys.executable} -m pip install setuptools wheel`")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "py"
        shutil.copytree(py_dir, src, ignore=shutil.ignore_patterns(*IGNORED))
        for inside, path in extra.items():
            copy_file(path, src / inside)
        built = Path(tmp) / "wheel"
        cmd = [sys.executable, "-m", "pip", "wheel", str(src), "--no-deps",
               "--disable-pip-version-check", "-w", str(built)]
        try:
            run(cmd, what="pip wheel py", hint=hint, env=env)
        except BuildError:
            if importlib.util.find_spec("setuptools") is None:
                raise
            # Offline, but setuptools is here: build without an isolated environment.
            run(cmd + ["--no-build-isolation"], what="pip wheel py --no-build-isolation",
                hint=hint, env=env)
        wheels = sorted(built.glob("glassnet-*-py3-none-any.whl"))
        if len(wheels) != 1:
            raise BuildError(f"pip wheel py produced {[w.name for w in built.iterdir()]}, expected "
                             "one glassnet-*-py3-none-any.whl",
                             "check py/pyproject.toml (name glassnet, pure Python)")
        out_dir.mkdir(parents=True, exist_ok=True)
        final = out_dir / wheels[0].name
        shutil.copyfile(wheels[0], final)
        record_sha256(final)
    return final


def wheel_version(wheel: Path) -> str:
    """'glassnet-0.1.0-py3-none-any.whl' -> '0.1.0'."""
    return wheel.name.split("-")[1]
