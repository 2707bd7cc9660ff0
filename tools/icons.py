"""The app's icons (192 and 512 px PNG), drawn by the build with the standard library only.

Why drawn here: an installable web app needs PNG icons at 192 and 512 px; committing binary
images is opaque, and no image library is needed for a small picture of what Glassnet is: a
three-layer network (dots joined by lines) on the page's blue. Same bytes on every build.
"""

from __future__ import annotations

import hashlib
import math
import struct
import zlib
from pathlib import Path

SIZES = (192, 512)
BACKGROUND = (0x2B, 0x6C, 0xB0)  # the page's --accent (web/styles/style.css)
LINE = (0xBE, 0xE3, 0xF8)
NODE = (0xFF, 0xFF, 0xFF)

# The network in a 0..1 square, kept inside the central 80% (the safe zone of round masks).
_LAYERS = [[0.3, 0.5, 0.7], [0.22, 0.40, 0.60, 0.78], [0.38, 0.62]]
_XS = [0.24, 0.5, 0.76]


def _network() -> tuple[list[tuple[float, float]], list[tuple[tuple[float, float], tuple[float, float]]]]:
    nodes = [(x, y) for x, ys in zip(_XS, _LAYERS) for y in ys]
    edges = [((x0, y0), (x1, y1))
             for (x0, ys0), (x1, ys1) in zip(zip(_XS, _LAYERS), zip(_XS[1:], _LAYERS[1:]))
             for y0 in ys0 for y1 in ys1]
    return nodes, edges


def _segment_distance(px: float, py: float, a: tuple[float, float], b: tuple[float, float]) -> float:
    ax, ay = a
    bx, by = b
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - ax - t * dx, py - ay - t * dy)


def _blend(under: tuple[int, int, int], over: tuple[int, int, int], alpha: float) -> tuple[int, int, int]:
    return tuple(round(u + (o - u) * alpha) for u, o in zip(under, over))


def render(size: int) -> bytes:
    """RGB rows of the icon (full-bleed background, antialiased by distance)."""
    nodes, edges = _network()
    node_r = 0.055 * size
    line_w = max(1.0, 0.012 * size)
    pixels = bytearray()
    for row in range(size):
        pixels.append(0)  # PNG filter type 0 for this row
        py = row + 0.5
        for col in range(size):
            px = col + 0.5
            colour = BACKGROUND
            d_line = min(_segment_distance(px, py, (a[0] * size, a[1] * size),
                                           (b[0] * size, b[1] * size)) for a, b in edges)
            alpha = max(0.0, min(1.0, line_w / 2 + 0.5 - d_line))
            if alpha:
                colour = _blend(colour, LINE, alpha * 0.8)
            d_node = min(math.hypot(px - x * size, py - y * size) for x, y in nodes) - node_r
            alpha = max(0.0, min(1.0, 0.5 - d_node))
            if alpha:
                colour = _blend(colour, NODE, alpha)
            pixels.extend(colour)
    return bytes(pixels)


def png(size: int) -> bytes:
    """A complete PNG file (8-bit RGB) of the icon at `size` x `size` pixels."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(render(size), 9)) + chunk(b"IEND", b""))


def write_icons(dest: Path, cache: Path | None = None) -> list[str]:
    """Write icon-192.png and icon-512.png into `dest` (dist/icons/).

    Drawing pixel by pixel in pure Python takes seconds, so the PNGs are kept in `cache` under
    a hash of this file: a new drawing (this file changed) is made once, then reused.
    """
    dest.mkdir(parents=True, exist_ok=True)
    version = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]
    written = []
    for size in SIZES:
        name = f"icon-{size}.png"
        cached = cache / f"icon-{version}-{size}.png" if cache else None
        if cached and cached.is_file():
            data = cached.read_bytes()
        else:
            data = png(size)
            if cached:
                cached.parent.mkdir(parents=True, exist_ok=True)
                cached.write_bytes(data)
        (dest / name).write_bytes(data)
        written.append(name)
    return written
