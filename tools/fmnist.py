"""Fashion-MNIST for dist/data/: find the four .gz files, check their content, or download them.

The data is optional: without it the page still works with files people pick themselves. What
is copied must be the real set, so the decompressed bytes are checked against tools/pins.py.
"""

from __future__ import annotations

import gzip
import shutil
import urllib.error
import urllib.request
import zlib
from pathlib import Path

from tools import pins, places
from tools.util import BuildError, info, replacing, sha256_bytes, warn

DEBIAN_DIR = places.DEBIAN_DIR
DOWNLOAD_TIMEOUT_S = 10
FILE_NAMES = [name for name, _ in pins.FMNIST_FILES.values()]


def user_cache_dir() -> Path:
    """The folder glassnet's own CLI downloads into (glassnet.places.cache_dir)."""
    return places.cache_dir()


def has_all(directory: Path) -> bool:
    return all((directory / name).is_file() for name in FILE_NAMES)


def find_data_dir(explicit: Path | None, candidates: list[Path]) -> Path | None:
    """The first folder holding all four files: `explicit` (--data-dir) first, then `candidates`.

    An explicit folder that lacks a file is an error, not a reason to look elsewhere: the person
    asked for that folder.
    """
    if explicit is not None:
        if not explicit.is_dir():
            raise BuildError(f"--data-dir {explicit}: no such directory",
                             "pass the folder that holds the four Fashion-MNIST .gz files")
        missing = [name for name in FILE_NAMES if not (explicit / name).is_file()]
        if missing:
            raise BuildError(f"--data-dir {explicit}: missing {', '.join(missing)}",
                             "the folder needs " + ", ".join(FILE_NAMES))
        return explicit
    for candidate in candidates:
        if has_all(candidate):
            return candidate
    return None


def verify_dir(directory: Path) -> None:
    """Raise a BuildError naming the first file whose decompressed content is not the real set."""
    for name, expected in pins.FMNIST_FILES.values():
        path = directory / name
        try:
            content = gzip.decompress(path.read_bytes())
        except (OSError, EOFError, zlib.error) as exc:
            raise BuildError(f"{path} is not a readable gzip file ({exc})",
                             "replace it with the original Fashion-MNIST file") from None
        if sha256_bytes(content) != expected:
            raise BuildError(
                f"{path} is not the Fashion-MNIST file it is named after (content sha256 "
                f"{sha256_bytes(content)[:16]}..., expected {expected[:16]}...)",
                "use the original files (Debian: apt-get install dataset-fashion-mnist), or "
                "build with --no-data")


def _drop_bad(cache: Path) -> None:
    """Remove the cached files that are not the real set, so the download below fetches them
    again: glassnet's own cache heals instead of failing every build."""
    for name, expected in pins.FMNIST_FILES.values():
        path = cache / name
        try:
            good = sha256_bytes(gzip.decompress(path.read_bytes())) == expected
        except (OSError, EOFError, zlib.error):
            good = False
        if not good and path.is_file():
            path.unlink()


def download(target: Path, base_url: str = pins.FMNIST_URL) -> Path:
    """Fetch the four files into `target`; each appears whole or not at all."""
    target.mkdir(parents=True, exist_ok=True)
    for name in FILE_NAMES:
        final = target / name
        if final.is_file():
            continue
        try:
            with urllib.request.urlopen(base_url + name, timeout=DOWNLOAD_TIMEOUT_S) as response:
                with replacing(final) as out:
                    shutil.copyfileobj(response, out)
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            raise BuildError(f"could not download {base_url}{name}: "
                             f"{getattr(exc, 'reason', exc)}") from None
    return target


def locate(explicit: Path | None, allow_download: bool = True) -> Path | None:
    """Find verified data: --data-dir, the user cache, Debian's package, else a download.

    Returns None (with a printed note) when no copy is found; a bad --data-dir is an error.
    """
    if explicit is not None:
        found = find_data_dir(explicit, [])
        verify_dir(found)
        return found
    for candidate in (user_cache_dir(), DEBIAN_DIR):
        if has_all(candidate):
            try:
                verify_dir(candidate)
                return candidate
            except BuildError as exc:
                warn(f"skipping {candidate}: {exc}")
                if candidate == user_cache_dir():
                    _drop_bad(candidate)
    if not allow_download:
        return None
    info(f"  Fashion-MNIST not found locally; downloading from {pins.FMNIST_URL}")
    try:
        target = download(user_cache_dir())
        verify_dir(target)
        return target
    except BuildError as exc:
        info(f"  note: no Fashion-MNIST in dist/ ({exc}). The page still works with files people "
             "pick; to include the data, install Debian's dataset-fashion-mnist or pass "
             "--data-dir DIR")
        return None
