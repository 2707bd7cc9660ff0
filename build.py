#!/usr/bin/env python3
"""Build, serve and test Glassnet's static site (standard library only, Python 3.11+).

    python build.py [--out dist] [--cache-dir DIR] [--data-dir DIR] [--no-data] [--no-pretrain]
                    [--zip FILE] [--no-install]
    python build.py serve [--port 8000] [--host 127.0.0.1] [--no-build]
    python build.py check [--out dist]         open the built site in Chromium: ready, train, predict
    python build.py test [pytest args...]      install test tools, build, check, run pytest
    python build.py bench [...]                benchmarks (bench/runner.py)

dist/ holds everything the page needs, with relative URLs only, so it works offline and under a
GitHub Pages sub-path. Every vendored third-party file is pinned by sha256 (tools/pins.py).
The steps live in tools/, one module per job; this file puts them in order.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import importlib
import json
import os
import re
import shutil
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools import compress, fmnist, icons, pins, pretrain, pycache, pyodidelock, pywheel, site, vendor, wasmkernel  # noqa: E402
from tools.serve import make_server, urls  # noqa: E402,F401  (make_server: tests import it here)
from tools.util import BuildError, default_cache_dir, info, sha256_file  # noqa: E402

WEB = ROOT / "web"
PY = ROOT / "py"
DEFAULT_OUT = ROOT / "dist"


# ---------------------------------------------------------------------------- build

def build(out: Path = DEFAULT_OUT, cache: Path | None = None, data_dir: Path | None = None,
          use_data: bool = True, do_pretrain: bool = True,
          pretrain_epochs: int | None = None, gzip_copies: bool = True) -> dict:
    """Build the site into `out` and return its manifest.

    The site is assembled in a sibling folder and swapped in at the end, so a failed build
    leaves the previous dist/ as it was.
    """
    started = time.monotonic()
    cache = cache or default_cache_dir()
    out = out.resolve()
    check_replaceable(out)
    clear_stale(out)
    staging = out.with_name(f"{out.name}.partial-{os.getpid()}")  # own folder per build
    if staging.exists():
        clear_stale(out, include_own=True)
    staging.mkdir(parents=True)
    (staging / PARTIAL_MARKER).write_text(json.dumps({"format": "glassnet-partial-build",
                                                      "pid": os.getpid()}) + "\n")

    try:
        manifest = _assemble(staging, cache, data_dir, use_data, do_pretrain, pretrain_epochs,
                             gzip_copies)
        (staging / PARTIAL_MARKER).unlink()
        write_marker(staging, manifest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _swap_in(staging, out)
    info(f"built {out} (build {manifest['build']}, {len(manifest['files'])} files) "
         f"in {time.monotonic() - started:.1f} s")
    for line in parts_summary(manifest["parts"]):
        info(line)
    return manifest


# What each optional part gives the page, and what the page does without it. Every build ends
# with this list, so nobody mistakes a slower or emptier site for the one CI tested.
OPTIONAL_PARTS = {
    "kernel": ("WebAssembly kernel", "training about 4x faster",
               "no clang/wasm-ld: training uses NumPy's einsum (about 4x slower); "
               f"install: {wasmkernel.INSTALL_HINT}"),
    "bytecode": ("bytecode for Pyodide's Python", "glassnet imports ~0.2 s faster",
                 "no Python 3.12 here: the page compiles glassnet at start-up (~0.2 s)"),
    "data": ("Fashion-MNIST", "students train at once",
             "no data set found or --no-data: students pick or drop the four files"),
    "model": ("pretrained model", "drawing works before any training",
              "no data or --no-pretrain: drawing works after the first run"),
}


def parts_summary(parts: dict[str, bool]) -> list[str]:
    """One line per optional part: what the site has and what it lacks, and why."""
    lines = ["this site has:"]
    for key, (title, gain, without) in OPTIONAL_PARTS.items():
        lines.append(f"  [x] {title} ({gain})" if parts.get(key) else f"  [ ] {title}: {without}")
    return lines


def _assemble(staging: Path, cache: Path, data_dir: Path | None, use_data: bool,
              do_pretrain: bool, pretrain_epochs: int | None, gzip_copies: bool = True) -> dict:
    """Put every part of the site into `staging`, then its manifest."""
    _step("Pyodide core", vendor.pyodide_core, cache, staging / "pyodide")
    _step("NumPy wheel for Pyodide", vendor.numpy_wheel, cache, staging / "pyodide")
    kernel = _step("WebAssembly kernel", wasmkernel.build_kernel, ROOT / "kernel", cache)
    wheel = _step("glassnet wheel", pywheel.build_wheel, PY, cache, staging / "wheels",
                  wasmkernel.wheel_files(kernel))
    bytecode = _step("bytecode for Pyodide's Python in the wheel", pycache.add_bytecode, wheel,
                     staging / "pyodide", cache)
    _step("glassnet in pyodide-lock.json", pyodidelock.add_glassnet, staging / "pyodide", wheel)
    _step("JS libraries", vendor.js_libs, WEB, staging / "vendor")
    _step("page files", site.copy_web, WEB, staging)
    _step("app icons", icons.write_icons, staging / "icons", cache)

    data = None
    if use_data:
        found = _step("Fashion-MNIST", fmnist.locate, data_dir)
        if found is not None:
            info(f"  using {found}")
            data = {}
            for key, (name, _sha) in pins.FMNIST_FILES.items():
                shutil.copyfile(found / name, _mkparent(staging / "data" / name))
                data[key] = f"data/{name}"
    else:
        info("Fashion-MNIST: skipped (--no-data)")

    model = None
    if data is None or not do_pretrain:
        reason = "--no-pretrain" if data is not None else "no data"
        info(f"pretrained model: skipped ({reason})")
    elif _step("pretrained model", pretrain.pretrain, PY, staging / "data",
               _mkparent(staging / "models" / "default.npz"), cache, pretrain_epochs):
        model = "models/default.npz"
    if model is None:
        shutil.rmtree(staging / "models", ignore_errors=True)

    parts = {"kernel": kernel is not None, "bytecode": bool(bytecode), "data": data is not None,
             "model": model is not None}
    manifest = site.write_manifest(staging, pywheel.wheel_version(wheel),
                                   f"wheels/{wheel.name}", data, model, parts)
    if gzip_copies:
        _step("gzip copies for `serve`", _compress, staging)
    else:
        info("gzip copies: skipped (--no-gzip-copies: the host compresses by itself)")
    return manifest


def _compress(dist: Path) -> None:
    made = compress.compress_site(dist)
    raw = sum(r for r, _ in made.values())
    packed = sum(p for _, p in made.values())
    info(f"  {len(made)} files: {raw / 1e6:.1f} MB -> {packed / 1e6:.1f} MB")


def _swap_in(staging: Path, out: Path) -> None:
    """Replace `out` by `staging` with two renames, so `out` is never half-written."""
    retired = out.with_name(f"{out.name}.old-{os.getpid()}")
    try:
        if out.exists():
            out.rename(retired)
        staging.rename(out)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if retired.exists() and not out.exists():
            retired.rename(out)  # put the previous build back
        raise BuildError(f"could not move the new build into {out} ({exc.strerror})",
                         "is another build running at the same time? Run the build again") \
            from None
    finally:
        shutil.rmtree(retired, ignore_errors=True)


def _step(title: str, func: Callable, *args):
    """Run one build step with a heading and its duration."""
    info(f"{title} ...")
    started = time.monotonic()
    result = func(*args)
    info(f"  done in {time.monotonic() - started:.1f} s")
    return result


def _mkparent(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


# A finished build holds BUILD_MARKER; a build in progress holds PARTIAL_MARKER. Only folders
# that carry them (and nothing else than what the build made) are ever replaced or removed.
BUILD_MARKER = site.BUILD_MARKER
PARTIAL_MARKER = site.PARTIAL_MARKER
MARKER_FORMAT = {"format": "glassnet-site", "version": 1}


def write_marker(dist: Path, manifest: dict) -> None:
    (dist / BUILD_MARKER).write_text(json.dumps({**MARKER_FORMAT, "build": manifest["build"]}) + "\n")


def _not_our_build(out: Path) -> str | None:
    """Why `out` is not provably a Glassnet build (None when it is).

    Proof: its manifest.json's build id is a hash over every other file's path and bytes, so it
    matches only when the folder holds exactly what that build wrote (nothing added, edited or
    removed since), and our marker, when present, names the same build. A folder that merely
    holds a manifest.json is not a build.
    """
    try:
        manifest = json.loads((out / "manifest.json").read_text())
        marker = json.loads((out / BUILD_MARKER).read_text()) \
            if (out / BUILD_MARKER).exists() else None
    except FileNotFoundError as exc:
        return f"it has no {Path(exc.filename).name}"
    except (OSError, ValueError) as exc:
        return f"its {BUILD_MARKER} or manifest.json cannot be read ({exc})"
    if not isinstance(manifest, dict) or not isinstance(manifest.get("build"), str) \
            or not isinstance(manifest.get("files"), list):
        return "its manifest.json is not a Glassnet manifest"
    if marker is not None and (not isinstance(marker, dict) or marker.get("build") != manifest["build"]
                               or any(marker.get(k) != v for k, v in MARKER_FORMAT.items())):
        return f"its {BUILD_MARKER} is not the marker of the build its manifest.json names"
    links = [p for p in out.rglob("*") if p.is_symlink()]
    if links:
        return f"it holds a symbolic link, {links[0].relative_to(out).as_posix()}"
    names = [n for n in site.dist_files(out) if n not in ("manifest.json", BUILD_MARKER)]
    listed = set(manifest["files"]) | set(site.NOT_CACHED)
    extra = [n for n in names if n not in listed]
    if extra:
        return f"it holds {extra[0]}, which the build did not make"
    if site.build_id({n: sha256_file(out / n) for n in names}) != manifest["build"]:
        return "its files changed since the build (edited, added or removed)"
    everything = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    copies = everything - set(site.dist_files(out)) - {BUILD_MARKER, PARTIAL_MARKER}
    for copy in sorted(copies):  # the gzip copies for `serve`
        if _gunzip_sha256(out / copy) != sha256_file(out / copy[: -len(compress.SUFFIX)]):
            return f"it holds {copy}, which is not the build's compressed copy of its file"
    return None


def _gunzip_sha256(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with gzip.open(path, "rb") as stream:
            for chunk in iter(lambda: stream.read(1 << 20), b""):
                digest.update(chunk)
    except (OSError, EOFError, zlib.error):
        return None
    return digest.hexdigest()


def check_replaceable(out: Path) -> None:
    """Refuse to replace anything but an empty folder or a previous build (a mistyped --out)."""
    if out in (ROOT, Path.home(), Path(out.anchor)) or (out / ".git").exists():
        raise BuildError(f"--out {out} is not a build folder", "pass a new folder, e.g. --out dist")
    if out.exists() and not out.is_dir():
        raise BuildError(f"--out {out} is a file, not a folder; not replacing it",
                         "pass a new folder, e.g. --out dist")
    if out.is_dir() and any(out.iterdir()):
        reason = _not_our_build(out)
        if reason:
            raise BuildError(f"--out {out} exists and does not look like a previous build "
                             f"({reason}); not deleting it",
                             "pass an empty or new folder, or remove it yourself")


def clear_stale(out: Path, include_own: bool = False) -> None:
    """Remove what killed builds left next to `out`: `<out>.partial-<pid>` and `<out>.old-<pid>`
    folders whose process is gone, and only when they carry our marker."""
    pattern = re.compile(re.escape(out.name) + r"\.(partial|old)-(\d+)")
    if not out.parent.is_dir():
        return
    for folder in out.parent.iterdir():
        found = pattern.fullmatch(folder.name)
        if not found or not folder.is_dir() or folder.is_symlink():
            continue
        pid = int(found.group(2))
        if pid == os.getpid() and not include_own:
            continue
        if pid != os.getpid() and _alive(pid):
            continue  # another build is running right now
        ours = (folder / PARTIAL_MARKER).is_file() or _not_our_build(folder) is None
        if ours:
            shutil.rmtree(folder, ignore_errors=True)
            info(f"removed {folder.name}, left by a build that did not finish")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def needs_build(out: Path) -> bool:
    """True when out/ is missing or older than any source that goes into it."""
    manifest = out / "manifest.json"
    if not manifest.is_file():
        return True
    built = manifest.stat().st_mtime
    sources = [ROOT / "build.py", *ROOT.joinpath("tools").glob("*.py"),
               *site.web_files(WEB), *pywheel._files(PY),
               *wasmkernel.sources(ROOT / "kernel")]
    return any(p.stat().st_mtime > built for p in sources)


def _build_parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog, description="Build dist/ for Glassnet.",
        epilog="other commands: build.py serve | check | test [pytest args] | bench  "
               "(each has --help)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (dist)")
    parser.add_argument("--cache-dir", type=Path, default=None,
                        help=f"download cache (default {default_cache_dir()})")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="folder with the four Fashion-MNIST .gz files")
    parser.add_argument("--no-data", action="store_true", help="ship no data set")
    parser.add_argument("--no-pretrain", action="store_true", help="ship no pretrained model")
    parser.add_argument("--pretrain-epochs", type=_positive_int, default=None,
                        help="epochs for the pretrained model (default: the preset's)")
    parser.add_argument("--no-gzip-copies", action="store_true",
                        help="no .gz copies for `serve` (for hosts that compress by themselves, "
                             "e.g. GitHub Pages)")
    parser.add_argument("--zip", type=Path, default=None, metavar="FILE",
                        help="also write the site as one zip with a README, for a school's own "
                             "web server (e.g. --zip glassnet-site.zip)")
    parser.add_argument("--no-install", action="store_true",
                        help="do not install missing Debian packages (clang, lld, the data set); "
                             "build without them")
    return parser


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _build_from_args(args: argparse.Namespace) -> dict:
    if args.zip is not None and args.zip.resolve().is_relative_to(args.out.resolve()):
        raise BuildError(f"--zip {args.zip} is inside the site folder {args.out}",
                         "write the zip next to it, e.g. --zip glassnet-site.zip")
    if not args.no_install:
        ensure_site_tools()
    manifest = build(out=args.out, cache=args.cache_dir, data_dir=args.data_dir,
                     use_data=not args.no_data, do_pretrain=not args.no_pretrain,
                     pretrain_epochs=args.pretrain_epochs, gzip_copies=not args.no_gzip_copies)
    if args.zip is not None:
        from tools import sitezip

        sitezip.write_zip(args.out.resolve(), args.zip.resolve())
    return manifest


def ensure_site_tools() -> None:
    """The Debian packages that make the site CI tests (the kernel's clang and lld, the data set),
    installed as `build.py test` installs them: as root with apt; otherwise one line says the
    command and what the site lacks without them."""
    from tools import testenv

    testenv.ensure_system_packages(testenv.site_packages(), without=testenv.WITHOUT_FOR_SITE)


def cmd_build(argv: list[str]) -> int:
    _build_from_args(_build_parser("build.py").parse_args(argv))
    return 0


# ---------------------------------------------------------------------------- serve

def cmd_serve(argv: list[str]) -> int:
    parser = _build_parser("build.py serve")
    parser.description = "Serve dist/ (building it first when sources are newer)."
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--host", default="127.0.0.1",
                        help="0.0.0.0 to reach it from other machines on the network")
    parser.add_argument("--no-build", action="store_true", help="serve dist/ as it is")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    if not args.no_build and needs_build(out):
        _build_from_args(args)
    if not (out / "index.html").is_file():
        raise BuildError(f"{out} has no index.html", "run `python build.py` first")
    try:
        server = make_server(str(out), args.host, args.port, verbose=args.verbose)
    except OSError as exc:
        raise BuildError(f"cannot listen on {args.host}:{args.port} ({exc.strerror})",
                         "pick another port with --port, or stop the program using it") from None
    port = server.server_address[1]
    info(f"serving {out}")
    for url in urls(args.host, port):
        info(f"  open {url}")
    _tell_the_class(server.classroom_urls)
    info("press Ctrl+C to stop")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        info("stopped")
    finally:
        server.server_close()
    return 0


def _tell_the_class(classroom_urls: list[str]) -> None:
    """The address students type or scan, large enough to read off a projected terminal."""
    if not classroom_urls:
        info("  (only this computer can open it; to serve a class: --host 0.0.0.0)")
        return
    rule = "=" * max(len(u) for u in classroom_urls)
    info(f"\n  STUDENTS OPEN\n  {rule}")
    for url in classroom_urls:
        info(f"  {url}")
    info(f"  {rule}\n  The page shows this address with a QR code to scan (section \"Class\").\n"
         "  Plain http on a network gives students no offline copy: keep this running.\n")


# ---------------------------------------------------------------------------- test

TEST_PRETRAIN_EPOCHS = 5  # enough for a sensible pretrained model, quick in CI


def cmd_test(argv: list[str]) -> int:
    """Install what the tests need (idempotent), build dist/, run pytest with `argv`."""
    from tools import testenv

    if argv in (["-h"], ["--help"]):
        print("usage: build.py test [pytest args...]\n\n"
              "Installs the test tools (pip install -e py[test], pinned pytest-playwright and\n"
              "playwright) and Debian's chromium, clang and lld (plus, best-effort, the data set\n"
              "and zbar-tools) when missing, builds dist/, then runs\n"
              "`python -m pytest` with the given arguments (exit 5, no tests, counts as success).")
        return 0

    testenv.ensure_python_deps(PY)
    testenv.ensure_system_packages()
    testenv.ensure_pyodide_build()
    build(pretrain_epochs=TEST_PRETRAIN_EPOCHS)
    from tools import sitecheck

    sitecheck.main(DEFAULT_OUT)  # the site the tests use starts, trains and predicts
    return testenv.run_pytest(ROOT, argv)


# ---------------------------------------------------------------------------- check

def cmd_check(argv: list[str]) -> int:
    """Open a built site in headless Chromium: ready, one epoch, a prediction; exit 2 otherwise."""
    from tools import sitecheck, testenv

    parser = argparse.ArgumentParser(
        prog="build.py check",
        description="Check a built site as a student would use it: open it in headless "
                    "Chromium, wait for ready, train one epoch, predict a drawing.")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the site folder (dist)")
    parser.add_argument("--no-install", action="store_true",
                        help="do not install Playwright or Chromium when they are missing")
    args = parser.parse_args(argv)
    if not args.no_install:
        testenv.ensure_check_tools()
    return sitecheck.main(args.out.resolve())


# ---------------------------------------------------------------------------- dispatch

def lazy(module: str, function: str = "main") -> Callable[[list[str]], int]:
    """A subcommand that lives in another module, imported only when it is used."""
    def command(argv: list[str]) -> int:
        try:
            loaded = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            raise BuildError(f"{module.replace('.', '/')}.py is missing",
                             "this checkout does not have that command yet") from None
        return getattr(loaded, function)(argv)
    return command


# name -> function(argv) -> exit code. A new subcommand is one line here.
COMMANDS: dict[str, Callable[[list[str]], int]] = {
    "build": cmd_build,
    "serve": cmd_serve,
    "test": cmd_test,
    "check": cmd_check,
    "bench": lazy("bench"),
    "netbench": lazy("bench.netbench"),
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    name = argv[0] if argv and argv[0] in COMMANDS else "build"
    rest = argv[1:] if argv and argv[0] in COMMANDS else argv
    if argv and not argv[0].startswith("-") and argv[0] not in COMMANDS:
        print(f"unknown command {argv[0]!r}; commands: {', '.join(COMMANDS)}", file=sys.stderr)
        return 2
    try:
        return COMMANDS[name](rest)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        if exc.hint:
            print(f"  what to do: {exc.hint}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except OSError as exc:  # a disk or permission problem, not a bug in the build
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"error: {exc.strerror or exc}{where}", file=sys.stderr)
        print("  what to do: check that the path exists, is writable and the disk has space",
              file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
