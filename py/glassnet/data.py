"""Bytes -> arrays -> batches: idx parsing with strict validation, Fashion-MNIST sources, batching.

Images stay uint8 (60000x784 is 47 MB; float32 would be 188 MB, too much for a browser tab) and
become float32 one batch at a time.
"""

from __future__ import annotations

import gzip
import math
import os
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import datasets
from .errors import DataError
from .fileio import read_bounded
from .idxformat import IDX_TYPES, MAX_DIMENSIONS, MAX_IDX_BYTES
from .limits import CLASSES, SIDE
from .places import DEBIAN_DIR, DOWNLOAD_MD5, DOWNLOAD_URL, FILES, cache_dir  # noqa: F401 (re-exported)

# The default data set's classes (datasets.py), and the same in a word each, where a table has
# little room (the confusion matrix's headers).
CLASS_NAMES = list(datasets.get().classes)
CLASS_SHORT_NAMES = list(datasets.get().short_classes)

_IDX_TYPES = {code: np.dtype(dtype) for code, (dtype, _) in IDX_TYPES.items()}
_IDX_CODES = {np.dtype(np.uint8): 0x08, np.dtype(np.int8): 0x09}
_GZIP_MAGIC = b"\x1f\x8b"
_MAX_HEADER = 4 + 4 * MAX_DIMENSIONS  # magic, then up to four 32-bit dimensions


def _idx_header(head: bytes, name: str) -> tuple[np.dtype, tuple[int, ...], int]:
    """(dtype, shape, header length) from the first bytes of an idx file, every field checked."""
    if len(head) < 4:
        raise DataError(f"{name}: too short to be an idx file ({len(head)} bytes)")
    zero, type_code, ndim = struct.unpack(">HBB", head[:4])
    if zero != 0 or type_code not in _IDX_TYPES:
        raise DataError(
            f"{name}: not an idx file (magic bytes {head[:4].hex()}); "
            "expected 0000 08 followed by the number of dimensions"
        )
    if not 1 <= ndim <= MAX_DIMENSIONS:
        raise DataError(f"{name}: an idx file with {ndim} dimensions is not supported "
                        f"(1 to {MAX_DIMENSIONS})")
    header = 4 + 4 * ndim
    if len(head) < header:
        raise DataError(f"{name}: the header is truncated")
    shape = struct.unpack(">" + "I" * ndim, head[4:header])
    return _IDX_TYPES[type_code], shape, header


def _declared_size(dtype: np.dtype, shape: tuple[int, ...], name: str) -> int:
    """Bytes of data the header promises: Python integers, so crafted dimensions cannot overflow."""
    size = math.prod(shape) * dtype.itemsize
    if size > MAX_IDX_BYTES:
        raise DataError(f"{name}: the header declares shape {shape} ({size:,} bytes of data), more "
                        f"than glassnet reads ({MAX_IDX_BYTES // 2**20} MB); this is not a "
                        "Fashion-MNIST file")
    return size


def _gunzip_capped(data: bytes, name: str) -> bytes:
    """Inflate gzip bytes without ever holding more than the idx header declares (+1 byte).

    The header is inflated first; its declared size then caps the rest, so a small file that
    inflates to gigabytes is refused after a few bytes, not after exhausting memory.
    """
    def corrupt(detail: str) -> DataError:
        return DataError(f"{name}: the gzip data is truncated or corrupt ({detail})")

    out = bytearray()
    limit: int | None = None  # header + declared data, once the header is known
    rest = data
    while rest[:2] == _GZIP_MAGIC:  # a gzip file may hold several members, one after another
        inflater = zlib.decompressobj(wbits=31)
        pending = rest
        while not inflater.eof:
            room = (_MAX_HEADER if limit is None else limit) + 1 - len(out)
            if room <= 0:
                raise DataError(f"{name}: holds more data than its idx header declares")
            try:
                chunk = inflater.decompress(pending, room)
            except zlib.error as err:
                raise corrupt(str(err)) from None
            pending = inflater.unconsumed_tail
            out += chunk
            if limit is None and len(out) >= _MAX_HEADER:
                dtype, shape, header = _idx_header(bytes(out[:_MAX_HEADER]), name)
                limit = header + _declared_size(dtype, shape, name)
            if not chunk and not pending and not inflater.eof:
                raise corrupt("the compressed stream ends early")
        rest = inflater.unused_data
    if rest.strip(b"\0"):
        raise corrupt("unexpected bytes after the compressed stream")
    return bytes(out)


def parse_idx(data: bytes, name: str = "idx file") -> np.ndarray:
    """Parse idx bytes (gzip-compressed or raw, detected) into an array, rejecting anything odd.

    Accepts every type the idx format defines; ``check_pair`` then accepts only what the
    Fashion-MNIST data set holds (unsigned bytes).
    """
    data = bytes(data)
    if not data:
        raise DataError(f"{name}: the file is empty")
    if data[:2] == _GZIP_MAGIC:
        data = _gunzip_capped(data, name)
        if not data:
            raise DataError(f"{name}: the gzip file holds no data")
    dtype, shape, header = _idx_header(data[:_MAX_HEADER], name)
    expected = _declared_size(dtype, shape, name)
    actual = len(data) - header
    if actual < expected:
        raise DataError(
            f"{name}: truncated: the header promises {expected} bytes of data "
            f"for shape {shape}, the file has {actual}"
        )
    if actual > expected:
        raise DataError(f"{name}: {actual - expected} unexpected bytes after the data")
    array = np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)
    array = array.astype(dtype.newbyteorder("="), copy=True)
    if dtype.kind == "f" and not np.all(np.isfinite(array)):
        raise DataError(f"{name}: holds NaN or infinite values")
    return array


def encode_idx(array: np.ndarray, compress: bool = True) -> bytes:
    """Encode a uint8/int8 array in idx format (gzip-compressed unless told otherwise)."""
    array = np.asarray(array)
    if array.dtype not in _IDX_CODES:
        raise ValueError(f"idx encoding supports uint8 and int8, not {array.dtype}")
    header = struct.pack(">HBB", 0, _IDX_CODES[array.dtype], array.ndim)
    header += struct.pack(">" + "I" * array.ndim, *array.shape)
    raw = header + np.ascontiguousarray(array).tobytes()
    return gzip.compress(raw, mtime=0) if compress else raw


def check_pair(images: np.ndarray, labels: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Validate one images/labels pair as Fashion-MNIST-shaped: n x 28 x 28 uint8, n labels 0-9.

    Labels must be unsigned bytes like the data set's: signed types would let negative labels
    through and float types would be rounded silently, so both are refused with the reason.
    """
    if images.ndim != 3 or images.shape[1:] != (SIDE, SIDE):
        raise DataError(f"{name} images: expected shape (n, {SIDE}, {SIDE}), got {images.shape}")
    if images.dtype != np.uint8:
        raise DataError(f"{name} images: expected unsigned bytes, got {images.dtype}")
    if labels.ndim != 1:
        raise DataError(f"{name} labels: expected one dimension, got shape {labels.shape}")
    if labels.dtype != np.uint8:
        raise DataError(f"{name} labels: expected unsigned bytes (idx type 0x08) like "
                        f"Fashion-MNIST's, got {labels.dtype}")
    if len(images) != len(labels):
        raise DataError(f"{name}: {len(images)} images but {len(labels)} labels")
    if len(labels) == 0:
        raise DataError(f"{name}: the set holds no examples")
    if labels.max() >= CLASSES:
        bad = int(np.argmax(labels >= CLASSES))
        raise DataError(f"{name} labels: label {int(labels[bad])} at index {bad} is out of range "
                        f"0-{CLASSES - 1}")
    return images, labels


@dataclass
class Dataset:
    """The four arrays, uint8, plus where they came from."""

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    source: str = ""

    def split_validation(self, fraction: float, seed: int = 0) -> Dataset:
        """Hold out part of the training set; the held-out part replaces the test set."""
        if not 0.0 < fraction < 1.0:
            raise DataError(f"validation fraction must be between 0 and 1, got {fraction}")
        order = np.random.default_rng(seed).permutation(len(self.train_labels))
        cut = int(round(len(order) * (1.0 - fraction)))
        if cut == 0 or cut == len(order):
            raise DataError("the validation split leaves one side empty")
        keep, held = np.sort(order[:cut]), np.sort(order[cut:])
        return Dataset(self.train_images[keep], self.train_labels[keep],
                       self.train_images[held], self.train_labels[held],
                       f"{self.source} (validation split {fraction:g})")


def dataset_from_bytes(train_images: bytes, train_labels: bytes, test_images: bytes,
                       test_labels: bytes, source: str = "bytes") -> Dataset:
    """Build a validated Dataset from the four files' bytes (gzip or raw)."""
    arrays = {key: parse_idx(blob, FILES[key]) for key, blob in
              zip(FILES, (train_images, train_labels, test_images, test_labels))}
    tr = check_pair(arrays["train_images"], arrays["train_labels"], "training")
    te = check_pair(arrays["test_images"], arrays["test_labels"], "test")
    return Dataset(tr[0], tr[1], te[0], te[1], source)


def _has_all(directory: Path) -> bool:
    return all((directory / f).is_file() for f in FILES.values())


def find_data_dir(data_dir: str | os.PathLike | None = None) -> Path | None:
    """The first place holding all four files: --data-dir, the cache, Debian's dataset package."""
    if data_dir is not None:
        path = Path(data_dir)
        if not path.is_dir():
            raise DataError(f"--data-dir {path}: no such directory")
        missing = [f for f in FILES.values() if not (path / f).is_file()]
        if missing:
            raise DataError(f"--data-dir {path}: missing {', '.join(missing)}")
        return path
    for candidate in (cache_dir(), DEBIAN_DIR):
        if _has_all(candidate):
            return candidate
    return None


def download(target: Path | None = None, base_url: str = DOWNLOAD_URL, timeout: float = 30.0) -> Path:
    """Download the four files into the cache, checking MD5s; a file appears whole or not at all."""
    # Imported here, not at the top: only the command line downloads, and in the browser these
    # modules (urllib.request pulls in http.client and email) were half of glassnet's import time.
    import hashlib
    import tempfile
    import urllib.request

    target = Path(target) if target is not None else cache_dir()
    target.mkdir(parents=True, exist_ok=True)
    for filename in FILES.values():
        final = target / filename
        if final.is_file():
            continue
        url = base_url + filename
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                blob = response.read()
        except OSError as err:
            raise DataError(
                f"could not download {url}: {err}",
                hint="Install Debian's dataset-fashion-mnist package, or pass --data-dir "
                     "with the four .gz files.",
            ) from None
        digest = hashlib.md5(blob).hexdigest()
        if digest != DOWNLOAD_MD5[filename]:
            raise DataError(f"{url}: checksum mismatch (md5 {digest}); the download is corrupt")
        fd, tmp = tempfile.mkstemp(dir=target, prefix=filename, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(blob)
            os.replace(tmp, final)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    return target


def load_dir(directory: str | os.PathLike) -> Dataset:
    """Load and validate the four files from one directory (each read bounded by bytes read:
    a pipe or a device in their place is refused after its first bytes or MAX_IDX_BYTES)."""
    directory = Path(directory)
    blobs = []
    for filename in FILES.values():
        path = directory / filename

        def too_big(amount: str, path: Path = path) -> DataError:
            return DataError(f"{path}: {amount} is more than glassnet reads "
                             f"({MAX_IDX_BYTES // 2**20} MB); this is not a Fashion-MNIST file")

        def idx_start(head: bytes, path: Path = path) -> None:
            if head[:2] != _GZIP_MAGIC and (head[:2] != b"\0\0" or head[2:3] and
                                            head[2] not in _IDX_TYPES):
                raise DataError(f"{path}: neither gzip nor an idx file (first bytes {head.hex()})")

        try:
            blobs.append(read_bounded(path, MAX_IDX_BYTES, too_big, idx_start, head=4))
        except OSError as err:
            raise DataError(f"{path}: cannot read ({err.strerror or err})") from None
    try:
        return dataset_from_bytes(*blobs, source=str(directory))
    except DataError as err:
        raise DataError(f"{directory}: {err}", err.hint) from None


def load_fashion_mnist(data_dir: str | os.PathLike | None = None, allow_download: bool = True) -> Dataset:
    """Find the data set (see ``find_data_dir``), downloading it into the cache as a last resort."""
    found = find_data_dir(data_dir)
    if found is None:
        if not allow_download:
            raise DataError(
                "Fashion-MNIST not found in the cache or /usr/share/datasets/fashion-mnist",
                hint="Pass --data-dir, or install Debian's dataset-fashion-mnist package.",
            )
        found = download()
    return load_dir(found)


def to_float(images: np.ndarray) -> np.ndarray:
    """uint8 images (any leading shape, 28x28 or 784) -> float32 rows in [0, 1]."""
    flat = images.reshape(len(images), -1)
    return np.multiply(flat, np.float32(1.0 / 255.0), dtype=np.float32)


def batches(images: np.ndarray, labels: np.ndarray, batch_size: int,
            rng: np.random.Generator | None = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield (float32 x, int labels) mini-batches, shuffled when an rng is given."""
    n = len(labels)
    order = rng.permutation(n) if rng is not None else np.arange(n)
    for start in range(0, n, batch_size):
        idx = order[start:start + batch_size]
        yield to_float(images[idx]), labels[idx].astype(np.intp)


def augment(images: np.ndarray, rng: np.random.Generator, max_shift: int = 2) -> np.ndarray:
    """Random left-right flips and shifts of up to ``max_shift`` pixels, for uint8 (n, 28, 28).

    Clothes stay clothes when mirrored or nudged, so this adds data for free; it is off by default
    because it changes what "one epoch" means for comparisons.
    """
    n, h, w = images.shape
    flip = rng.random(n) < 0.5
    out = np.where(flip[:, None, None], images[:, :, ::-1], images)
    if max_shift:
        padded = np.pad(out, ((0, 0), (max_shift, max_shift), (max_shift, max_shift)))
        dy = rng.integers(0, 2 * max_shift + 1, n)
        dx = rng.integers(0, 2 * max_shift + 1, n)
        rows = dy[:, None] + np.arange(h)
        cols = dx[:, None] + np.arange(w)
        out = padded[np.arange(n)[:, None, None], rows[:, :, None], cols[:, None, :]]
    return out
