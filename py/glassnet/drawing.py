"""A drawing of any size -> a 28x28 input that looks like a Fashion-MNIST image.

Fashion-MNIST items are light on a dark background, trimmed to the object, scaled so the longer
side fills the 28-pixel frame, and centred. A canvas drawing is none of that until we make it so;
without this step the network sees an input unlike anything it was trained on.
"""

from __future__ import annotations

import numpy as np

from . import datasets
from .limits import SIDE

SIZE = SIDE  # the frame a drawing is fitted into: the data set's image side


def to_gray(pixels: np.ndarray) -> np.ndarray:
    """(h, w) gray, or (h, w, 3/4) RGB(A), any numeric range -> float (h, w) in [0, 1], ink bright.

    A transparent canvas with dark strokes carries the drawing in its alpha channel, so alpha is
    used as the ink there; otherwise the background colour is read from the border and a light
    background is inverted.
    """
    a = np.asarray(pixels, dtype=np.float64)
    if a.ndim == 3 and a.shape[2] in (3, 4):
        scale = 255.0 if a.max() > 1.0 else 1.0
        rgb = a[..., :3] / scale
        lum = rgb @ np.array([0.299, 0.587, 0.114])
        if a.shape[2] == 4:
            alpha = a[..., 3] / scale
            if alpha.min() < 1.0:  # transparent background: composite strokes onto black
                drawn = alpha > 0
                dark_ink = drawn.any() and lum[drawn].mean() < 0.5
                return alpha if dark_ink else lum * alpha
        gray = lum
    elif a.ndim == 2:
        gray = a / (255.0 if a.max() > 1.0 else 1.0)
    else:
        raise ValueError(f"expected a (h, w) or (h, w, 3|4) image, got shape {a.shape}")
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    return 1.0 - gray if np.median(border) > 0.5 else gray


def area_matrix(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) weights averaging the input cells each output cell covers (area resampling)."""
    edges = np.linspace(0.0, n_in, n_out + 1)
    lo, hi = edges[:-1, None], edges[1:, None]
    cells = np.arange(n_in)[None, :]
    overlap = np.clip(np.minimum(hi, cells + 1) - np.maximum(lo, cells), 0.0, None)
    return overlap / overlap.sum(axis=1, keepdims=True)


def drawing_to_input(pixels: np.ndarray, threshold: float = 0.1) -> np.ndarray:
    """Crop to the strokes, scale the longer side to 28, centre, stretch to [0, 1]; float32 (784,)."""
    gray = to_gray(pixels)
    peak = gray.max() if gray.size else 0.0
    if peak <= 0:
        return np.zeros(SIZE * SIZE, dtype=np.float32)
    rows = np.flatnonzero((gray > threshold * peak).any(axis=1))
    cols = np.flatnonzero((gray > threshold * peak).any(axis=0))
    crop = gray[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    h, w = crop.shape
    # The data set's framing: how much of the frame its objects fill (datasets.Framing).
    scale = SIZE * datasets.get().framing.fill / max(h, w)
    th, tw = max(1, round(h * scale)), max(1, round(w * scale))
    small = area_matrix(h, th) @ crop @ area_matrix(w, tw).T
    out = np.zeros((SIZE, SIZE))
    top, left = (SIZE - th) // 2, (SIZE - tw) // 2
    out[top:top + th, left:left + tw] = small
    out /= out.max()
    return out.astype(np.float32).ravel()
