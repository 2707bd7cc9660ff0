"""Finite-difference gradient checks (central differences, float64).

One implementation serves the test suite and the page's "Check" button, so a student's backward
is held to exactly the standard the package's own layers are tested against.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

# Largest relative error (see ``relative_error``) below which a float64 gradient counts as right.
TOLERANCE = 1e-6
# Above TOLERANCE but below this: nearly right (a float32 round-off, or a small slip).
NEARLY = 1e-3


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


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """Largest absolute difference, relative to the largest numeric gradient (at least 1).

    Dividing by one scale for the whole array (not element by element) keeps entries that are
    nearly zero from turning round-off into huge "relative" errors.
    """
    analytic = np.asarray(analytic, dtype=np.float64)
    numeric = np.asarray(numeric, dtype=np.float64)
    if analytic.size == 0:
        return 0.0
    return float(np.max(np.abs(analytic - numeric)) / max(1.0, float(np.max(np.abs(numeric)))))


def worst_entry(analytic: np.ndarray, numeric: np.ndarray) -> tuple[tuple[int, ...], float, float]:
    """Where the two gradients differ most: (index, analytic value, numeric value)."""
    diff = np.abs(np.asarray(analytic, dtype=np.float64) - numeric)
    index = np.unravel_index(int(np.argmax(diff)), diff.shape) if diff.size else ()
    return tuple(int(i) for i in index), float(np.asarray(analytic)[index]), float(numeric[index])


def verdict(error: float) -> str:
    """The error in words: 'right', 'nearly right' or 'wrong'."""
    if not np.isfinite(error):
        return "wrong"
    if error < TOLERANCE:
        return "right"
    return "nearly right" if error < NEARLY else "wrong"


def assert_close(analytic: np.ndarray, numeric: np.ndarray, tol: float = TOLERANCE,
                 allow_zero: bool = False) -> None:
    """The test suite's assertion: the relative error is below ``tol`` and the check is not void."""
    err = relative_error(analytic, numeric)
    assert err < tol, f"relative gradient error {err:.2e} (tolerance {tol:.0e})"
    assert allow_zero or np.any(numeric != 0), "the numeric gradient is all zero: the check would prove nothing"
