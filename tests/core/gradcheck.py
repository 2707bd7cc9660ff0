"""Finite differences for gradient checks (central, float64)."""

from __future__ import annotations

from typing import Callable

import numpy as np


def numeric_grad(f: Callable[[], float], array: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """d f / d array by central differences, perturbing ``array`` in place and restoring it."""
    grad = np.zeros_like(array, dtype=np.float64)
    flat, gflat = array.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        up = f()
        flat[i] = old - eps
        down = f()
        flat[i] = old
        gflat[i] = (up - down) / (2 * eps)
    return grad


def assert_close(analytic: np.ndarray, numeric: np.ndarray, tol: float = 1e-6,
                 allow_zero: bool = False) -> None:
    err = np.max(np.abs(analytic - numeric)) / max(1.0, np.max(np.abs(numeric)))
    assert err < tol, f"relative gradient error {err:.2e} (tolerance {tol:.0e})"
    assert allow_zero or np.any(numeric != 0), "the numeric gradient is all zero: the check would prove nothing"
