"""What every part of the benchmark shares: paths, the data file names, the error type, logging."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tools import places
from tools.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: F401  (re-exported for the runner)

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "bench"
PAGE_DIR = BENCH_DIR / "page"  # the bench page and its npm packages (TF.js)
DEBIAN_DATA = places.DEBIAN_DIR
# In the order bench/epoch.py's load() takes them.
DATA_NAMES = [places.FILES[key] for key in ("train_images", "train_labels", "test_images", "test_labels")]
ORDER_NAME = "order-seed0.i32"


class BenchError(Exception):
    """A failure explained for people, with a hint (what to do)."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


def log(message: str) -> None:
    print(f"bench: {message}", flush=True)


def best_of(repeat: int, run: Callable[[], dict]) -> dict:
    """Run `repeat` times, keep the fastest (least disturbed by the rest of the machine)."""
    results = [run() for _ in range(max(1, repeat))]
    best = min(results, key=lambda r: r["seconds"])
    best["all_seconds"] = [r["seconds"] for r in results]
    return best
