"""Gzip copies of dist/'s compressible files, made once at build time, for `build.py serve`.

Why: thirty students on one classroom Wi-Fi each download the whole site on their first visit.
Pyodide's wasm and JavaScript shrink to a third or less with gzip; the server sends the `.gz`
copy to a browser that says `Accept-Encoding: gzip`, without compressing on every request.

The copies sit next to their file (`pyodide/pyodide.asm.wasm.gz`), the layout nginx's
`gzip_static on` also reads. They are not part of the site: manifest.json leaves them out, so the
service worker never caches them twice. The data set's `.gz` files are never touched: they are
the data itself and must reach the page as bytes (no Content-Encoding).
"""

from __future__ import annotations

import gzip
from pathlib import Path

SUFFIX = ".gz"
# Zip-based files (the NumPy and glassnet wheels, the stdlib zip, .npz models) are already
# compressed or do not shrink enough to be worth a second copy: only keep a copy that saves this
# share of the bytes.
MIN_SAVING = 0.10
MIN_SIZE = 512  # smaller files fit in one packet either way
COMPRESSIBLE = {".wasm", ".js", ".mjs", ".json", ".css", ".html", ".svg", ".zip", ".npz",
                ".whl", ".webmanifest", ".map", ".txt"}


def is_compressed_copy(relative: str, names: set[str]) -> bool:
    """True for `x.gz` when `x` is a file of the site too (a copy made here, not data)."""
    return relative.endswith(SUFFIX) and relative[: -len(SUFFIX)] in names


def compress_site(dist: Path, level: int = 9) -> dict[str, tuple[int, int]]:
    """Write `<file>.gz` for each compressible file of `dist` that gzip shrinks enough.

    Returns {relative path: (bytes, gzip bytes)} for the files that got a copy. `mtime=0` keeps
    the copies byte-identical from build to build.
    """
    made = {}
    for path in sorted(p for p in dist.rglob("*") if p.is_file()):
        if path.suffix not in COMPRESSIBLE or path.stat().st_size < MIN_SIZE:
            continue
        raw = path.read_bytes()
        packed = gzip.compress(raw, compresslevel=level, mtime=0)
        if len(packed) > len(raw) * (1 - MIN_SAVING):
            continue
        target = path.with_name(path.name + SUFFIX)
        target.write_bytes(packed)
        made[path.relative_to(dist).as_posix()] = (len(raw), len(packed))
    return made


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether an Accept-Encoding header allows gzip (`gzip;q=0` refuses it)."""
    for item in (accept_encoding or "").split(","):
        name, _, params = item.strip().partition(";")
        if name.strip().lower() not in ("gzip", "*"):
            continue
        q = params.strip()
        if q.startswith("q="):
            try:
                return float(q[2:]) > 0
            except ValueError:
                return False
        return True
    return False


def compressed_copy(path: Path | str) -> Path | None:
    """The fresh `.gz` copy of `path`, or None (none made, or older than the file: a stale copy
    is never sent, e.g. after someone edits dist/ by hand)."""
    path = Path(path)
    copy = path.with_name(path.name + SUFFIX)
    try:
        if copy.stat().st_mtime_ns >= path.stat().st_mtime_ns:
            return copy
    except OSError:
        pass
    return None
