"""Build step: compile kernel/*.c into the WebAssembly side module glassnet_kernel.wasm.

The module goes into the glassnet wheel (next to glassnet/kernel.py), so the site ships it, the
manifest lists it (inside the wheel) and the service worker caches it. Pyodide's dynamic loader
accepts it because it is position-independent, linked with `-shared` and carries a `dylink.0`
section; it needs no Emscripten: Debian's clang and lld (`wasm-ld`) do it. No libc is linked
(`-ffreestanding -nostdlib`), so the C is written plainly, without library calls.

Cached by a hash of the C sources and the flags: an unchanged kernel is not recompiled. Without
clang or wasm-ld the build says so in one line and ships no kernel; the page then uses einsum.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from tools.util import BuildError, copy_file, info, run

LIBRARY = "glassnet_kernel.wasm"
WHEEL_PATH = f"glassnet/{LIBRARY}"  # where it sits inside the wheel
INSTALL_HINT = "apt-get install -y clang lld"

# Pyodide 0.27 is an Emscripten target; -ffp-contract=off keeps a*b+c as two roundings, so the
# fused Adam matches NumPy bit for bit. Plain SIMD128: clang 14's relaxed-SIMD opcodes are not
# the ones browsers run (see bench/README.md for what relaxed SIMD would buy).
CFLAGS = ["--target=wasm32-unknown-emscripten", "-ffreestanding", "-nostdlib", "-fno-builtin",
          "-fPIC", "-fvisibility=default", "-O3", "-msimd128", "-ffp-contract=off"]
LDFLAGS = ["-shared", "--experimental-pic", "--export-dynamic"]


def _find(names: list[str]) -> str | None:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


def tools() -> tuple[str | None, str | None]:
    """(clang, wasm-ld) paths, newest versions first; None for a missing one."""
    versions = ["", "-19", "-18", "-17", "-16", "-15", "-14"]
    return _find([f"clang{v}" for v in versions]), _find([f"wasm-ld{v}" for v in versions])


def sources(src_dir: Path) -> list[Path]:
    return sorted(src_dir.glob("*.c")) + sorted(src_dir.glob("*.h"))


def source_hash(src_dir: Path) -> str:
    digest = hashlib.sha256(" ".join(CFLAGS + LDFLAGS).encode() + b"\0")
    for path in sources(src_dir):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def build_kernel(src_dir: Path, cache: Path) -> Path | None:
    """The compiled module (from the cache when the sources are unchanged), or None without
    a compiler."""
    cached = cache / "wasm-kernel" / source_hash(src_dir) / LIBRARY
    if cached.is_file():
        info(f"  cached: {cached}")
        return cached
    clang, wasm_ld = tools()
    if not clang or not wasm_ld:
        missing = " and ".join(n for n, p in (("clang", clang), ("wasm-ld", wasm_ld)) if not p)
        info(f"  skipped: no {missing} on PATH (install: {INSTALL_HINT}); "
             "the page will use NumPy's einsum, about 3x slower")
        return None
    work = cached.parent.with_name(cached.parent.name + ".partial")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    hint = f"the C in {src_dir} must compile with {clang}; or remove clang to build without it"
    objects = []
    for source in sorted(src_dir.glob("*.c")):
        obj = work / (source.stem + ".o")
        run([clang, *CFLAGS, "-c", str(source), "-o", str(obj)], what=f"clang {source.name}",
            hint=hint)
        objects.append(str(obj))
    linked = work / LIBRARY
    run([wasm_ld, *LDFLAGS, "-o", str(linked), *objects], what="wasm-ld", hint=hint)
    data = linked.read_bytes()
    if not data.startswith(b"\0asm") or b"dylink.0" not in data[:64]:
        raise BuildError(f"{linked} is not a WebAssembly side module (no dylink.0 section)",
                         f"check that {wasm_ld} is LLVM's wasm-ld (lld)")
    copy_file(linked, cached)
    shutil.rmtree(work, ignore_errors=True)
    for other in cached.parent.parent.iterdir():
        if other != cached.parent:
            shutil.rmtree(other, ignore_errors=True)
    info(f"  compiled with {clang} and {wasm_ld} ({len(data):,} bytes)")
    return cached


def wheel_files(library: Path | None) -> dict[str, Path]:
    """What goes into the glassnet wheel besides py/: the module, when there is one."""
    return {WHEEL_PATH: library} if library is not None else {}
