"""The matrix-product choice per platform, kept in one place so it can be measured and swapped.

Natively ``@`` goes to BLAS and is fastest (4-7x einsum). Pyodide's NumPy has no BLAS; there
``np.einsum`` beats ``@`` for the big products (784x128 layer: 1.8 ms vs 4.4 ms a batch; an epoch
4.25 vs 6.97 CPU-seconds), while ``@`` wins on small ones (128x10: 30 us vs 45-65 us), so under
emscripten einsum is used above a size threshold. Measured by ``python build.py bench --profile``;
other formulations (tensordot, float64, K-blocking, optimize=True) were slower.
"""

from __future__ import annotations

import sys

import numpy as np

IS_PYODIDE = sys.platform == "emscripten"


def _matmul_blas(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a @ b


EINSUM_MIN_WORK = 1_000_000  # multiply-adds below which @ beats einsum inside Pyodide


def _matmul_einsum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.shape[0] * a.shape[1] * b.shape[1] < EINSUM_MIN_WORK:
        return a @ b
    return np.einsum("ij,jk->ik", a, b)


def _matmul_tn_blas(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a.T @ b


def _matmul_tn_einsum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.shape[0] * a.shape[1] * b.shape[1] < EINSUM_MIN_WORK:
        return a.T @ b
    # Transposed subscripts are as fast as a contiguous copy of a.T, without the copy.
    return np.einsum("ji,jk->ik", a, b)


def _matmul_nt_blas(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a @ b.T


def _matmul_nt_einsum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.shape[0] * a.shape[1] * b.shape[0] < EINSUM_MIN_WORK:
        return a @ b.T
    return np.einsum("ij,kj->ik", a, b)


BACKENDS = {
    "blas": (_matmul_blas, _matmul_tn_blas, _matmul_nt_blas),
    "einsum": (_matmul_einsum, _matmul_tn_einsum, _matmul_nt_einsum),
}

_name = "einsum" if IS_PYODIDE else "blas"
matmul, matmul_tn, matmul_nt = BACKENDS[_name]


def name() -> str:
    """The backend in use, for `glassnet info` and the page."""
    return _name


def use(backend: str) -> None:
    """Switch backend (benchmarks compare them side by side)."""
    global _name, matmul, matmul_tn, matmul_nt
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose from {sorted(BACKENDS)}")
    _name = backend
    matmul, matmul_tn, matmul_nt = BACKENDS[backend]
