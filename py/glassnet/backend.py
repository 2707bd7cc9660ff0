"""The matrix-product (and fused-update) choice per platform, kept in one place so it can be
measured and swapped.

Every product of training, prediction, evaluation and the glass-box views goes through
``matmul`` (a @ b), ``matmul_tn`` (a.T @ b) and ``matmul_nt`` (a @ b.T); Adam's update asks
``fused_adam`` first. Three backends:

- ``blas``: ``@`` natively, where NumPy calls BLAS (4-7x faster than einsum there).
- ``einsum``: Pyodide's NumPy has no BLAS; ``np.einsum`` beats ``@`` for the big products (784x128
  layer: 1.8 ms vs 4.4 ms a batch) while ``@`` wins on small ones (128x10: 30 us vs 45-65 us), so
  einsum is used above a size threshold.
- ``kernel``: inside Pyodide, the WebAssembly SIMD kernel (``kernel.py``), about 6x einsum on the
  products and with a fused Adam update; chosen when it loads (the browser supports WebAssembly
  SIMD and the site was built with clang).

The environment variable ``GLASSNET_BACKEND`` overrides the choice: ``numpy`` (``blas`` natively,
``einsum`` in Pyodide), or a backend name; any other value is an error on the command line.
Measured by ``python build.py bench``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

import numpy as np

from .errors import ConfigError

IS_PYODIDE = sys.platform == "emscripten"

Product = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _matmul_blas(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a @ b


def _matmul_tn_blas(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a.T @ b


def _matmul_nt_blas(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a @ b.T


EINSUM_MIN_WORK = 1_000_000  # multiply-adds below which @ beats einsum inside Pyodide


def _matmul_einsum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.shape[0] * a.shape[1] * b.shape[1] < EINSUM_MIN_WORK:
        return a @ b
    return np.einsum("ij,jk->ik", a, b)


def _matmul_tn_einsum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.shape[0] * a.shape[1] * b.shape[1] < EINSUM_MIN_WORK:
        return a.T @ b
    # Transposed subscripts are as fast as a contiguous copy of a.T, without the copy.
    return np.einsum("ji,jk->ik", a, b)


def _matmul_nt_einsum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.shape[0] * a.shape[1] * b.shape[0] < EINSUM_MIN_WORK:
        return a @ b.T
    return np.einsum("ij,kj->ik", a, b)


def _no_fused_adam(*args) -> bool:
    return False


def _kernel_backend() -> tuple[Product, Product, Product, Callable[..., bool]]:
    """The kernel's products and fused Adam; raises OSError when the module does not load.

    Arrays that are not float32 (a float64 drawing, say) go to the einsum path, so every caller
    gets a correct product whatever it passes.
    """
    from .kernel import Kernel

    k = Kernel()
    f32 = np.dtype(np.float32)

    def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if a.dtype == f32 and b.dtype == f32:
            return k.gemm(a, b)
        return _matmul_einsum(a, b)

    def matmul_tn(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if a.dtype == f32 and b.dtype == f32:
            return k.gemm(a.T, b)
        return _matmul_tn_einsum(a, b)

    def matmul_nt(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if a.dtype == f32 and b.dtype == f32:
            return k.gemm(a, b.T)
        return _matmul_nt_einsum(a, b)

    def fused_adam(p, g, m, v, beta1, beta2, decay, step, eps) -> bool:
        if not (p.dtype == f32 and g.dtype == f32 and p.flags.c_contiguous
                and g.flags.c_contiguous and m.flags.c_contiguous and v.flags.c_contiguous):
            return False
        k.adam(p, g, m, v, beta1, beta2, decay, step, eps)
        return True

    return matmul, matmul_tn, matmul_nt, fused_adam


_BUILTIN = {
    "blas": (_matmul_blas, _matmul_tn_blas, _matmul_nt_blas, _no_fused_adam),
    "einsum": (_matmul_einsum, _matmul_tn_einsum, _matmul_nt_einsum, _no_fused_adam),
}
_loaded: dict[str, tuple] = dict(_BUILTIN)
# Why the kernel did not load (None: loaded, or not tried yet).
kernel_error: str | None = None if IS_PYODIDE else "the kernel is WebAssembly: it runs inside Pyodide only"


def _load_kernel() -> bool:
    global kernel_error
    if "kernel" in _loaded:
        return True
    if not IS_PYODIDE:
        kernel_error = "the kernel is WebAssembly: it runs inside Pyodide only"
        return False
    try:
        _loaded["kernel"] = _kernel_backend()
    except OSError as exc:  # missing file, or no WebAssembly SIMD in this browser
        kernel_error = str(exc) or type(exc).__name__
        return False
    kernel_error = None
    return True


def available() -> list[str]:
    """The backends worth offering here: in Pyodide einsum and the kernel (when it loads; plain
    `@` stays usable by name, for benchmarks); natively BLAS and einsum."""
    if not IS_PYODIDE:
        return ["blas", "einsum"]
    return ["einsum"] + (["kernel"] if _load_kernel() else [])


ENV_CHOICES = ("numpy", "blas", "einsum", "kernel")


def environment_error() -> ConfigError | None:
    """The error for a GLASSNET_BACKEND that names no backend (None: unset or known). Import
    must not fail over it, so the command line asks for it and reports it (``cli.main``)."""
    wanted = os.environ.get("GLASSNET_BACKEND", "").strip().lower()
    if not wanted or wanted in ENV_CHOICES:
        return None
    return ConfigError(f"GLASSNET_BACKEND={wanted!r} names no matrix backend; choose from "
                       f"{', '.join(ENV_CHOICES)}",
                       hint="Unset GLASSNET_BACKEND, or set it to one of these.")


def default_name() -> str:
    """The backend chosen at start-up: GLASSNET_BACKEND, else the kernel in Pyodide when it
    loads, else NumPy."""
    wanted = os.environ.get("GLASSNET_BACKEND", "").strip().lower()
    numpy_choice = "einsum" if IS_PYODIDE else "blas"
    if wanted == "numpy":
        return numpy_choice
    if wanted in _BUILTIN or (wanted == "kernel" and _load_kernel()):
        return wanted
    if IS_PYODIDE and _load_kernel():
        return "kernel"
    return numpy_choice


_name = ""
matmul: Product
matmul_tn: Product
matmul_nt: Product
fused_adam: Callable[..., bool]


def name() -> str:
    """The backend in use, for `glassnet info` and the page."""
    return _name


def use(backend: str) -> None:
    """Switch backend (the page's switch and the benchmarks compare them side by side)."""
    global _name, matmul, matmul_tn, matmul_nt, fused_adam
    if backend == "numpy":
        backend = "einsum" if IS_PYODIDE else "blas"
    if backend == "kernel" and not _load_kernel():
        raise ValueError(f"the WebAssembly kernel is not available: {kernel_error}")
    if backend not in _loaded:
        raise ValueError(f"unknown backend {backend!r}; choose from {', '.join(sorted(_loaded))}")
    _name = backend
    matmul, matmul_tn, matmul_nt, fused_adam = _loaded[backend]


use(default_name())
