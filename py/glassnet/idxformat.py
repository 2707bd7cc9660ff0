"""The idx file format's facts, without NumPy: the build (manifest.json) and the page read them
before Python runs, and data.py parses with them.

Why the page needs them: it inflates the .gz files in the browser while Python starts, and caps
what a file may inflate to by the size its idx header declares (a small .gz can inflate to
gigabytes), so it must know each type's item size and the largest file glassnet reads.
"""

from __future__ import annotations

from typing import Any

# idx type byte -> (NumPy dtype, bytes per item). Fashion-MNIST only uses 0x08; the format allows more.
IDX_TYPES: dict[int, tuple[str, int]] = {
    0x08: ("u1", 1),
    0x09: ("i1", 1),
    0x0B: (">i2", 2),
    0x0C: (">i4", 4),
    0x0D: (">f4", 4),
    0x0E: (">f8", 8),
}
# Fashion-MNIST's largest file is 47 MB of raw idx; anything declaring more than this is refused
# before a byte is inflated.
MAX_IDX_BYTES = 256 * 1024 * 1024
MAX_DIMENSIONS = 4


def schema() -> dict[str, Any]:
    """For the page: {"max_bytes": int, "max_dimensions": int, "item_bytes": {type byte: size}}
    (type bytes as decimal strings, since JSON keys are text)."""
    return {"max_bytes": MAX_IDX_BYTES, "max_dimensions": MAX_DIMENSIONS,
            "item_bytes": {str(code): size for code, (_, size) in IDX_TYPES.items()}}
