"""The page's own files and dist/manifest.json (what the service worker caches, and the build id)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from tools.compress import is_compressed_copy
from tools.places import idx_schema
from tools.util import copy_file, sha256_file, warn

WEB_SUFFIXES = {".html", ".css", ".js", ".mjs", ".svg", ".png", ".ico", ".webmanifest"}
# Never served: npm's files describe the build, not the page; its node_modules/ is vendored
# file by file into dist/vendor/ (tools/vendor.py).
WEB_EXCLUDED = {"package.json", "package-lock.json"}
WEB_EXCLUDED_DIRS = {"node_modules"}
NOT_CACHED = {"manifest.json", "sw.js"}
# build.py's markers: a finished build, a build in progress. Not part of the site.
BUILD_MARKER = ".glassnet-build"
PARTIAL_MARKER = ".glassnet-partial"
REQUIRED_PAGE_FILES = ("index.html", "python/worker.js", "sw.js")


def web_files(web: Path) -> list[Path]:
    """The page's files under web/: its top level (index.html, sw.js, the web manifest) and its
    layer folders (python/, page/, widgets/, sections/, glassbox/, code/, styles/), not
    node_modules/ and not npm's json."""
    files = []
    for path in sorted(web.rglob("*")):
        rel = path.relative_to(web)
        if any(part in WEB_EXCLUDED_DIRS or part.startswith(".") for part in rel.parts):
            continue
        if path.is_file() and path.suffix in WEB_SUFFIXES and path.name not in WEB_EXCLUDED:
            files.append(path)
    return files


def copy_web(web: Path, dist: Path) -> list[str]:
    """Copy web/'s page files into dist/ at the same relative paths (so relative URLs hold
    under any sub-path); returns them as POSIX paths relative to web/."""
    copied = []
    for path in web_files(web):
        rel = path.relative_to(web).as_posix()
        copy_file(path, dist / rel)
        copied.append(rel)
    missing = [name for name in REQUIRED_PAGE_FILES if name not in copied]
    if missing:
        warn(f"web/ has no {', '.join(missing)} yet: dist/ will not be a working page")
    return copied


def dist_files(dist: Path) -> list[str]:
    """Every file of the site under dist/ as a relative POSIX path, sorted (not the gzip copies
    that `build.py serve` sends to browsers: those are the same files, compressed)."""
    names = {p.relative_to(dist).as_posix() for p in dist.rglob("*") if p.is_file()}
    return sorted(name for name in names if not is_compressed_copy(name, names)
                  and name not in (BUILD_MARKER, PARTIAL_MARKER))


def build_id(digests: dict[str, str]) -> str:
    """A short hash over the paths and contents (sha256 digests) of the files: changes whenever
    any byte does."""
    digest = hashlib.sha256()
    for name, file_digest in digests.items():
        digest.update(f"{name}\0{file_digest}\n".encode())
    return digest.hexdigest()[:12]


def write_manifest(dist: Path, version: str, wheel: str, data: dict[str, str] | None,
                   model: str | None, parts: dict[str, bool] | None = None) -> dict:
    """Write dist/manifest.json; every URL in it is relative to dist/ (works under a sub-path).

    "hashes" lets the service worker of a new build keep the files an older build already
    cached, instead of downloading the whole site (about 45 MB) again.
    """
    digests = {name: sha256_file(dist / name) for name in dist_files(dist) if name != "manifest.json"}
    files = [name for name in digests if name not in NOT_CACHED]
    manifest = {
        "version": version,
        "build": build_id(digests),
        "glassnet_wheel": wheel,
        # The worker checks the wheel against this before installing it from its URL.
        "glassnet_wheel_sha256": digests.get(wheel),
        # Optional parts the build could make (build.py OPTIONAL_PARTS).
        "parts": parts or {},
        "data": data,
        # The idx format's facts (glassnet/idxformat.py): the page checks downloads with them
        # while Python is still starting.
        "idx": idx_schema(),
        "model": model,
        "files": files,
        "hashes": {name: digests[name][:16] for name in files},
    }
    (dist / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest
