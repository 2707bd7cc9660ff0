"""The WebAssembly kernel build step: compiled when clang and wasm-ld are there, cached by the
hash of its sources, packed into the wheel, and skipped in one line without the tools.

Whether the module computes the right numbers is tested inside Pyodide (tests/core/test_kernel.py).
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

from tools import pywheel, wasmkernel  # noqa: E402

pytestmark = pytest.mark.native
KERNEL_SRC = ROOT / "kernel"
has_tools = pytest.mark.skipif(None in wasmkernel.tools(),
                               reason=f"no clang/wasm-ld ({wasmkernel.INSTALL_HINT})")


@has_tools
def test_kernel_compiles_to_a_side_module_and_is_cached(tmp_path: Path, capsys) -> None:
    built = wasmkernel.build_kernel(KERNEL_SRC, tmp_path)
    data = built.read_bytes()
    assert data[:4] == b"\0asm" and b"dylink.0" in data[:64]
    for name in (b"gn_gemm", b"gn_gemm_workspace", b"gn_adam"):
        assert name in data, name
    assert "compiled with" in capsys.readouterr().out
    assert wasmkernel.build_kernel(KERNEL_SRC, tmp_path) == built
    assert "cached" in capsys.readouterr().out


@has_tools
def test_a_changed_source_is_recompiled(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(KERNEL_SRC, src)
    first = wasmkernel.build_kernel(src, tmp_path / "cache")
    with open(src / "adam.c", "a") as handle:
        handle.write("\nint gn_extra(void) { return 1; }\n")
    second = wasmkernel.build_kernel(src, tmp_path / "cache")
    assert second != first and b"gn_extra" in second.read_bytes()
    assert not first.exists()  # the stale one is cleaned away


@has_tools
def test_broken_c_is_a_build_error_naming_the_file(tmp_path: Path) -> None:
    from tools.util import BuildError

    src = tmp_path / "src"
    src.mkdir()
    (src / "bad.c").write_text("this is not C\n")
    with pytest.raises(BuildError, match="bad.c"):
        wasmkernel.build_kernel(src, tmp_path / "cache")


def test_without_clang_the_build_says_so_in_one_line(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert wasmkernel.build_kernel(KERNEL_SRC, tmp_path / "cache") is None
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert len(lines) == 1 and "clang" in lines[0] and "einsum" in lines[0]
    assert wasmkernel.wheel_files(None) == {}


@has_tools
def test_the_wheel_carries_the_kernel_next_to_kernel_py(tmp_path: Path) -> None:
    library = wasmkernel.build_kernel(KERNEL_SRC, tmp_path / "cache")
    wheel = pywheel.build_wheel(ROOT / "py", tmp_path / "cache", tmp_path / "out",
                                wasmkernel.wheel_files(library))
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert "glassnet/kernel.py" in names
        assert archive.read(wasmkernel.WHEEL_PATH) == library.read_bytes()
