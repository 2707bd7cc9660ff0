"""Shared fixtures: small Fashion-MNIST-shaped data sets in the real idx .gz format.

Works natively and inside Pyodide (no subprocesses, no network, no threads).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
if (ROOT / "py" / "glassnet").is_dir() and str(ROOT / "py") not in sys.path:
    sys.path.insert(0, str(ROOT / "py"))  # run from a checkout without installing

from glassnet.data import FILES, Dataset, encode_idx  # noqa: E402
from glassnet.places import DEBIAN_DIR as REAL_DATA  # noqa: E402


def synthetic_images(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each class lights its own horizontal band (plus noise), so a small MLP can learn it fast."""
    n = len(labels)
    images = rng.integers(0, 60, size=(n, 28, 28), dtype=np.uint8)
    for k in range(10):
        rows = labels == k
        images[rows, 2 + 2 * k:4 + 2 * k, 4:24] = rng.integers(180, 256, size=(rows.sum(), 2, 20),
                                                               dtype=np.uint8)
    return images


def make_dataset(n_train: int = 600, n_test: int = 200, seed: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)
    train_labels = (np.arange(n_train) % 10).astype(np.uint8)
    test_labels = (np.arange(n_test) % 10).astype(np.uint8)
    rng.shuffle(train_labels)
    return Dataset(synthetic_images(train_labels, rng), train_labels,
                   synthetic_images(test_labels, rng), test_labels, "synthetic")


def write_dataset(directory: Path, data: Dataset) -> Path:
    """Write the four .gz files under their Fashion-MNIST names."""
    directory.mkdir(parents=True, exist_ok=True)
    arrays = {"train_images": data.train_images, "train_labels": data.train_labels,
              "test_images": data.test_images, "test_labels": data.test_labels}
    for key, filename in FILES.items():
        (directory / filename).write_bytes(encode_idx(arrays[key]))
    return directory


@pytest.fixture
def small_data() -> Dataset:
    return make_dataset()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return write_dataset(tmp_path / "fashion", make_dataset())


@pytest.fixture
def isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the data cache at an empty folder so no test sees or fills the user's cache."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("GLASSNET_CACHE", str(cache))
    return cache


@pytest.fixture
def real_data_dir() -> Path:
    if not all((REAL_DATA / f).is_file() for f in FILES.values()):
        pytest.skip("the real Fashion-MNIST set is not installed (apt-get install dataset-fashion-mnist)")
    return REAL_DATA


def endless_pipe(path: Path, head: bytes) -> tuple:
    """A named pipe at `path` that a thread fills with up to 64 MB (chunks of 16 KB starting with
    `head`, the first bytes a reader looks at) until the reader closes it. Returns (thread, chunks
    written): a reader bounded by the bytes it reads stops after a few chunks. Native only (a FIFO
    and a thread)."""
    import os
    import threading

    os.mkfifo(path)
    written: list[int] = []

    def endless_writer() -> None:
        try:
            with open(path, "wb") as out:
                for _ in range(1 << 12):  # 64 MB, far past any limit: the reader must stop first
                    out.write(head + b"\0" * (1 << 14))
                    written.append(1)
        except BrokenPipeError:
            pass

    writer = threading.Thread(target=endless_writer, daemon=True)
    writer.start()
    return writer, written

