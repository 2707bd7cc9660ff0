"""The data set from the page's bytes: all four files, or the test half first and the training
half (26 MB for the real set) when it has arrived."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..data import CLASS_NAMES, FILES, Dataset, check_pair, dataset_from_bytes, parse_idx
from ..limits import SIDE
from . import session
from .args import as_bytes


def _summary() -> dict[str, Any]:
    data = session.get().data
    return {"train": int(len(data.train_labels)), "test": int(len(data.test_labels)),
            "classes": list(CLASS_NAMES)}


def _empty_images() -> tuple[np.ndarray, np.ndarray]:
    return np.zeros((0, SIDE, SIDE), dtype=np.uint8), np.zeros(0, dtype=np.uint8)


def load_data(train_images: Any, train_labels: Any, test_images: Any, test_labels: Any) -> dict[str, Any]:
    """The four idx files (gzip or raw bytes). -> {"train": int, "test": int, "classes": [names]};
    a DataError names the bad file."""
    blobs = [as_bytes(b) for b in (train_images, train_labels, test_images, test_labels)]
    session.get().data = dataset_from_bytes(*blobs, source="page")
    return _summary()


def load_test_set(test_images: Any, test_labels: Any) -> dict[str, Any]:
    """The test half on its own, so the page is useful before the training images are in: drawing,
    the gallery and the glass-box views work with it; "train" stays 0. -> as load_data.
    Keeps training images already loaded (the halves may arrive in either order)."""
    s = session.get()
    images, labels = check_pair(parse_idx(as_bytes(test_images), FILES["test_images"]),
                                parse_idx(as_bytes(test_labels), FILES["test_labels"]), "test")
    train = (s.data.train_images, s.data.train_labels) if s.data is not None else _empty_images()
    s.data = Dataset(train[0], train[1], images, labels, "page")
    s.forget_predictions()
    return _summary()


def load_training_set(train_images: Any, train_labels: Any) -> dict[str, Any]:
    """The training half; start() and step() need it. Keeps the test half already loaded.
    -> as load_data."""
    s = session.get()
    images, labels = check_pair(parse_idx(as_bytes(train_images), FILES["train_images"]),
                                parse_idx(as_bytes(train_labels), FILES["train_labels"]), "training")
    test = (s.data.test_images, s.data.test_labels) if s.data is not None else _empty_images()
    s.data = Dataset(images, labels, test[0], test[1], "page")
    return _summary()


def test_labels() -> list[int]:
    """-> the loaded test set's labels (the glass-box views and tests compare against them)."""
    return session.require_data().test_labels.tolist()
