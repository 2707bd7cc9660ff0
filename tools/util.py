"""Small shared pieces: the build's error type, hashing, messages and subprocess calls.

Every failure the build can foresee is a BuildError carrying a message and a hint (what to do);
build.py prints both and exits 2 instead of showing a traceback.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from tools import places


class BuildError(Exception):
    """A failure explained for people: `str()` says what failed, `.hint` what to do."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


def info(message: str) -> None:
    """Progress line on stdout (flushed: subprocess output interleaves correctly)."""
    print(message, flush=True)


def warn(message: str) -> None:
    """A non-fatal problem: the build goes on without the part that failed."""
    print(f"warning: {message}", file=sys.stderr, flush=True)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """Hash a file in chunks so a 77 MB wheel does not need to sit in memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_sha256(path: Path, expected: str, what: str, hint: str = "") -> None:
    """Raise a BuildError when `path` does not have the pinned hash."""
    actual = sha256_file(path)
    if actual != expected:
        raise BuildError(
            f"{what} at {path} has sha256 {actual}, expected {expected}: "
            "the file was changed, truncated or is a different release",
            hint or f"delete {path} and run the build again to fetch a fresh copy",
        )


def require_tool(name: str, hint: str) -> str:
    """Find an executable on PATH or fail with an install hint."""
    found = shutil.which(name)
    if not found:
        raise BuildError(f"{name} not found on PATH", hint)
    return found


def run(
    cmd: Sequence[str],
    what: str,
    hint: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    quiet: bool = True,
) -> subprocess.CompletedProcess:
    """Run a command; on failure raise a BuildError that shows the command's last output lines."""
    try:
        result = subprocess.run(
            list(cmd),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if quiet else None,
            stderr=subprocess.STDOUT if quiet else None,
            text=True,
        )
    except FileNotFoundError as exc:
        raise BuildError(f"{what}: cannot run {cmd[0]} ({exc.strerror})", hint) from None
    if result.returncode != 0:
        tail = ""
        if quiet and result.stdout:
            lines = result.stdout.strip().splitlines()[-15:]
            tail = "\n    " + "\n    ".join(lines)
        raise BuildError(
            f"{what} failed (exit {result.returncode}): {' '.join(cmd)}{tail}", hint
        )
    return result


def copy_file(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)


def default_cache_dir() -> Path:
    """Where downloads are kept between builds: next to glassnet's own data cache.

    $GLASSNET_CACHE/build, else $XDG_CACHE_HOME/glassnet/build, else ~/.cache/glassnet/build.
    """
    return glassnet_cache_root() / "build"


def glassnet_cache_root() -> Path:
    """The same root glassnet's own CLI uses (glassnet.places: standard library only)."""
    return places.cache_root()



@contextmanager
def replacing(target: Path) -> Iterator[BinaryIO]:
    """Write `target` whole or not at all, through an exclusive, unpredictably named temporary
    file in its folder (a fixed name like `<target>.part` could be a planted symlink).

        with replacing(path) as out:
            out.write(data)        # moved into place when the block ends without an error
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
        os.replace(name, target)
    finally:
        if os.path.lexists(name):
            os.unlink(name)
