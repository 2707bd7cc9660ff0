"""The matrix-product choice per platform, kept in one place so it can be measured and swapped.

Natively ``@`` goes to BLAS and is fastest. Pyodide's NumPy has no BLAS; there ``np.einsum`` beat
``@`` 1.6-2.6x for an MLP epoch (see shared NOTES), so it is the default under emscripten.
"""

from __future__ import annotations

import sys

import numpy as np

IS_PYODIDE = sys.platform == "emscripten"


def _matmul_blas(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a @ b


def _matmul_einsum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.einsum("ij,jk->ik", a, b)


def _matmul_tn_blas(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a.T @ b


def _matmul_tn_einsum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    # Transposed subscripts avoid materialising a.T.
    return np.einsum("ji,jk->ik", a, b)


def _matmul_nt_blas(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a @ b.T


def _matmul_nt_einsum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
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
