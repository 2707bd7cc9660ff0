"""Bytes -> arrays -> batches: idx parsing with strict validation, Fashion-MNIST sources, batching.

Images stay uint8 (60000x784 is 47 MB; float32 would be 188 MB, too much for a browser tab) and
become float32 one batch at a time.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import struct
import tempfile
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from .errors import DataError

CLASS_NAMES = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]

FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}

# The published MD5s of the original .gz files (checked after a download).
DOWNLOAD_MD5 = {
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
}
DOWNLOAD_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")

# idx type byte -> (dtype, bytes per item). Fashion-MNIST only uses 0x08, but the format allows more.
_IDX_TYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_IDX_CODES = {np.dtype(np.uint8): 0x08, np.dtype(np.int8): 0x09}
_GZIP_MAGIC = b"\x1f\x8b"


def parse_idx(data: bytes, name: str = "idx file") -> np.ndarray:
    """Parse idx bytes (gzip-compressed or raw, detected) into an array, rejecting anything odd."""
    data = bytes(data)
    if not data:
        raise DataError(f"{name}: the file is empty")
    if data[:2] == _GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (EOFError, OSError, zlib.error) as err:
            raise DataError(f"{name}: the gzip data is truncated or corrupt ({err})") from None
        if not data:
            raise DataError(f"{name}: the gzip file holds no data")
    if len(data) < 4:
        raise DataError(f"{name}: too short to be an idx file ({len(data)} bytes)")
    zero, type_code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or type_code not in _IDX_TYPES:
        raise DataError(
            f"{name}: not an idx file (magic bytes {data[:4].hex()}); "
            "expected 0000 08 followed by the number of dimensions"
        )
    if not 1 <= ndim <= 4:
        raise DataError(f"{name}: an idx file with {ndim} dimensions is not supported (1 to 4)")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DataError(f"{name}: the header is truncated")
    shape = struct.unpack(">" + "I" * ndim, data[4:header])
    dtype = _IDX_TYPES[type_code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    actual = len(data) - header
    if actual < expected:
        raise DataError(
            f"{name}: truncated: the header promises {expected} bytes of data "
            f"for shape {shape}, the file has {actual}"
        )
    if actual > expected:
        raise DataError(f"{name}: {actual - expected} unexpected bytes after the data")
    array = np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)
    return array.astype(dtype.newbyteorder("="), copy=True)


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
    """Validate one images/labels pair as Fashion-MNIST-shaped: n x 28 x 28 uint8, n labels 0-9."""
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise DataError(f"{name} images: expected shape (n, 28, 28), got {images.shape}")
    if images.dtype != np.uint8:
        raise DataError(f"{name} images: expected unsigned bytes, got {images.dtype}")
    if labels.ndim != 1:
        raise DataError(f"{name} labels: expected one dimension, got shape {labels.shape}")
    if len(images) != len(labels):
        raise DataError(f"{name}: {len(images)} images but {len(labels)} labels")
    if len(labels) == 0:
        raise DataError(f"{name}: the set holds no examples")
    if labels.max() >= len(CLASS_NAMES):
        bad = int(np.argmax(labels >= len(CLASS_NAMES)))
        raise DataError(f"{name} labels: label {int(labels[bad])} at index {bad} is out of range 0-9")
    return images, labels.astype(np.uint8)


@dataclass
class Dataset:
    """The four arrays, uint8, plus where they came from."""

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    source: str = ""

    def split_validation(self, fraction: float, seed: int = 0) -> "Dataset":
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


def cache_dir() -> Path:
    """Where downloads go: $GLASSNET_CACHE, else $XDG_CACHE_HOME/glassnet, else ~/.cache/glassnet."""
    env = os.environ.get("GLASSNET_CACHE")
    if env:
        return Path(env) / "fashion-mnist"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "glassnet" / "fashion-mnist"


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
    """Load and validate the four files from one directory."""
    directory = Path(directory)
    blobs = []
    for filename in FILES.values():
        try:
            blobs.append((directory / filename).read_bytes())
        except OSError as err:
            raise DataError(f"{directory / filename}: cannot read ({err.strerror})") from None
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
