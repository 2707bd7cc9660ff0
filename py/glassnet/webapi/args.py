"""Arguments from the page checked and converted, results made JSON-able.

Why here: the page's values arrive as JS numbers, typed arrays or Pyodide proxies; a bad one must
be a ConfigError naming the argument, never a NumPy error deeper down that the page would call a
bug.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..drawing import drawing_to_input
from ..errors import ConfigError

MAX_SIDE = 4096  # a drawing's width or height in pixels


def as_bytes(blob: Any) -> bytes:
    """bytes, memoryview, or a Pyodide JsProxy of a typed array / ArrayBuffer -> bytes."""
    if hasattr(blob, "to_bytes"):
        return blob.to_bytes()
    if hasattr(blob, "to_py"):
        blob = blob.to_py()
    return bytes(blob)


def overrides(config: Any) -> dict[str, Any]:
    """A settings object from the page (a JsProxy or a dict) as a plain dict."""
    return config.to_py() if hasattr(config, "to_py") else dict(config or {})


def plain(value: Any) -> Any:
    """NumPy scalars and arrays -> JSON-able Python values."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and value != value:  # NaN is not JSON
        return None
    return value


def whole(name: str, value: Any, low: int, high: int) -> int:
    """A whole-number argument in [low, high], or a ConfigError naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value \
            or value in (float("inf"), float("-inf")) or int(value) != value:
        raise ConfigError(f"{name} must be a whole number, got {value!r:.40}")
    if not low <= int(value) <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {int(value)}")
    return int(value)


def positive(name: str, value: Any, high: float) -> float:
    """A finite number in (0, high], or a ConfigError naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= high:
        raise ConfigError(f"{name} must be a number in (0, {high:g}], got {value!r:.40}")
    return float(value)


def drawing_input(pixels: Any, width: Any, height: Any, channels: Any) -> np.ndarray:
    """A canvas's pixels (RGBA, RGB or gray, row-major) as the model's input row."""
    width, height = whole("width", width, 1, MAX_SIDE), whole("height", height, 1, MAX_SIDE)
    channels = whole("channels", channels, 1, 4)
    if channels == 2:
        raise ConfigError("channels must be 1 (gray), 3 (RGB) or 4 (RGBA), got 2")
    raw = np.frombuffer(as_bytes(pixels), dtype=np.uint8)
    if raw.size != width * height * channels:
        raise ConfigError(f"expected {width}x{height}x{channels} pixels, got {raw.size} values")
    image = raw.reshape(height, width, channels) if channels > 1 else raw.reshape(height, width)
    return drawing_to_input(image)
