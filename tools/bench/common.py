"""What every part of the benchmark shares: paths, the data file names, the error type, logging."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[2]
BENCH_DIR = ROOT / "bench"
DEBIAN_DATA = Path("/usr/share/datasets/fashion-mnist")
DATA_NAMES = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
              "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
ORDER_NAME = "order-seed0.i32"
CHROMIUM = os.environ.get("GLASSNET_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


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
