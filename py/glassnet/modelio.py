"""Model files: ``.npz`` with the architecture as JSON plus plain numeric arrays.

Loading never unpickles (``allow_pickle=False``) and checks every name, shape and dtype before a
model is built, so a hostile or broken file gets a clear ``ModelFileError`` and nothing from it runs.
The same bytes load natively and in the browser.
"""

from __future__ import annotations

import io
import json
import math
import os
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np

from . import datasets
from .data import CLASS_NAMES
from .errors import ModelFileError
from .fileio import read_bounded, refuse_non_regular
from .layers import Sequential
from .limits import MAX_LAYERS, MAX_PARAMETERS
from .modelcheck import FORMAT, VERSION, check_architecture, read_meta
from .network import layer_from_spec

META_KEY = "__glassnet__"
MAX_META_BYTES = 1 << 20  # the architecture and config as JSON: a few kB in practice
# Every parameter as float64 plus the metadata and zip overhead: the largest honest model file.
MAX_MODEL_BYTES = MAX_PARAMETERS * 8 + MAX_META_BYTES + (1 << 20)


def save_model(model: Sequential, config: dict[str, Any] | None = None,
               test_accuracy: float | None = None) -> bytes:
    """Serialise a model (and the config that trained it, for information) to .npz bytes.

    The test accuracy measured when it was trained travels with it, so a model shelf can show it
    without evaluating the model again."""
    meta = {"format": FORMAT, "version": VERSION, "layers": model.spec(), "config": config or {},
            "classes": CLASS_NAMES, "dataset": datasets.DEFAULT}  # which data set it belongs to
    if test_accuracy is not None:
        meta["test_accuracy"] = float(test_accuracy)
    arrays = {META_KEY: np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)}
    for i, layer in enumerate(model.layers):
        for name, array in layer.arrays().items():
            arrays[f"layer{i}.{name}"] = np.asarray(array, dtype=np.float32)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def save_model_file(path: str | os.PathLike, model: Sequential,
                    config: dict[str, Any] | None = None, test_accuracy: float | None = None) -> None:
    """Write atomically through an exclusive, unpredictably named temporary file in the target's
    folder, so an interrupted save never leaves half a model and a planted symlink cannot
    redirect the write."""
    path = os.fspath(path)
    blob = save_model(model, config, test_accuracy)
    folder = os.path.dirname(os.path.abspath(path))
    _refuse_special(path)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".glassnet-", suffix=".npz.part")
        with os.fdopen(fd, "wb") as out:
            out.write(blob)
        _umask_permissions(tmp)
        _refuse_special(path)  # again: it may have appeared while the model was written
        os.replace(tmp, path)
        tmp = None
    except OSError as err:
        raise ModelFileError(f"{path}: cannot write the model ({err.strerror or err})",
                             hint="Check that the folder exists and is writable, and that the "
                                  "disk has space.") from None
    finally:
        if tmp is not None and os.path.lexists(tmp):
            os.unlink(tmp)


def _refuse_special(path: str) -> None:
    """A save renames a temporary file onto its target: never onto a device, pipe or folder."""
    def bad(problem: str) -> ModelFileError:
        hint = ("Pass a file name such as model.npz." if "folder" in problem else
                "Pass the name of a new or regular file, such as model.npz.")
        return ModelFileError(f"{path}: {problem}", hint=hint)
    refuse_non_regular(path, bad)


def _umask_permissions(path: str) -> None:
    """mkstemp makes the file private (0600); a saved model gets the usual 0666 minus umask,
    and its owner can always read and write it (Pyodide's file system reports a umask of 0777)."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, (0o666 & ~mask) | 0o600)


def check_writable(path: str | os.PathLike) -> None:
    """Raise ModelFileError now if a model could not be saved to ``path`` (checked before a
    run, so a long training is not thrown away at the end)."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    _refuse_special(path)
    if not os.path.isdir(folder):
        raise ModelFileError(f"{path}: the folder {folder} does not exist",
                             hint="Create it first, or save somewhere else.")
    try:
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".glassnet-", suffix=".probe")
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise ModelFileError(f"{path}: cannot write in {folder} ({err.strerror or err})",
                             hint="Check that the folder is writable, or save somewhere else.") \
            from None


def load_model(blob: bytes, name: str = "model file") -> tuple[Sequential, dict[str, Any]]:
    """Validate and rebuild a model from .npz bytes; returns (model, metadata).

    Every size is checked before it is allocated: the zip's members are read one by one, each
    array's .npy header (dtype, shape) is checked against what the metadata's architecture needs,
    and only then are its bytes read. Nothing is ever unpickled.
    """
    def bad(problem: str) -> ModelFileError:
        return ModelFileError(f"{name}: {problem}")

    blob = bytes(blob)
    if not blob:
        raise bad("the file is empty")
    if len(blob) > MAX_MODEL_BYTES:
        raise bad(f"{len(blob):,} bytes is larger than any model glassnet makes "
                  f"({MAX_MODEL_BYTES // 2**20} MB)")
    if not blob.startswith(b"PK"):  # decide before anything guesses at pickles or .npy
        raise bad("not an .npz archive (a glassnet model is a zip of NumPy arrays)")
    try:
        with zipfile.ZipFile(io.BytesIO(blob)) as archive:
            return _load_archive(archive, bad)
    except (zipfile.BadZipFile, EOFError, zlib.error) as err:
        raise bad(f"the archive is damaged or truncated ({err})") from None
    except (OSError, NotImplementedError) as err:
        raise bad(f"the archive cannot be read ({err})") from None


def _load_archive(archive: zipfile.ZipFile,
                  bad: Callable[[str], ModelFileError]) -> tuple[Sequential, dict[str, Any]]:
    members: dict[str, zipfile.ZipInfo] = {}
    if len(archive.infolist()) > 4 * MAX_LAYERS + 1:
        raise bad(f"holds {len(archive.infolist())} files, more than any glassnet model")
    for info in archive.infolist():
        if not info.filename.endswith(".npy"):
            raise bad(f"holds {info.filename!r}, which is not a NumPy array")
        members[info.filename[:-4]] = info
    headers = {key: _npy_header(archive, info, key, bad) for key, info in members.items()}
    for key, (dtype, _shape, _fortran, _offset) in headers.items():
        if dtype.hasobject:  # object arrays need pickle, which is refused
            raise bad(f"array {key} holds pickled Python objects; glassnet never loads those")
    if META_KEY not in headers:
        raise bad("no glassnet metadata; this .npz was not saved by glassnet")
    dtype, shape, _, _ = headers.pop(META_KEY)
    if dtype != np.uint8 or len(shape) != 1:
        raise bad("the metadata is not stored as bytes")
    if shape[0] > MAX_META_BYTES:
        raise bad(f"the metadata is {shape[0]:,} bytes; glassnet reads at most {MAX_META_BYTES:,}")
    meta = read_meta(_npy_data(archive, members[META_KEY], META_KEY, bad), bad)
    specs = check_architecture(meta["layers"], bad)  # before allocating anything a file asks for
    try:
        model = Sequential([layer_from_spec(spec) for spec in specs])
    except (ValueError, KeyError, TypeError, OverflowError) as err:
        raise bad(f"bad layer description: {err}") from None
    expected = {}
    for i, layer in enumerate(model.layers):
        for key, target in layer.arrays().items():
            expected[f"layer{i}.{key}"] = target
    missing = sorted(set(expected) - set(headers))
    extra = sorted(set(headers) - set(expected))
    if missing:
        raise bad(f"missing arrays: {', '.join(missing[:5])}")
    if extra:
        raise bad(f"unexpected arrays: {', '.join(extra[:5])}")
    for key, target in expected.items():
        dtype, shape, _, _ = headers[key]
        if dtype.kind != "f":
            raise bad(f"array {key} has dtype {dtype}, expected floating point")
        if shape != target.shape:
            raise bad(f"array {key} has shape {shape}, expected {target.shape}")
        array = _npy_data(archive, members[key], key, bad)
        if not np.all(np.isfinite(array)):
            raise bad(f"array {key} holds NaN or infinite values")
        if key.endswith(".running_var") and np.any(array < 0):
            raise bad(f"array {key} holds negative variances")
        target[...] = array  # in place: the layer's params/grads lists keep pointing at it
    return model, meta


NPY_MAX_HEADER = 10_000  # NumPy's own limit for a .npy header (np.lib.format._MAX_HEADER_SIZE)


def _npy_header(archive: zipfile.ZipFile, info: zipfile.ZipInfo, key: str,
                bad: Callable[[str], ModelFileError]) -> tuple[np.dtype, tuple[int, ...], bool, int]:
    """(dtype, shape, fortran order, header length) of one member, read without its data.

    The header's length is checked here, before NumPy reads it, so an over-long header gets its
    own message (NumPy's mentions pickles, which would mislead)."""
    with archive.open(info) as f:
        try:
            version = np.lib.format.read_magic(f)
            if version not in ((1, 0), (2, 0)):
                raise ValueError(f".npy format version {version} is not supported")
            size_bytes = f.read(2 if version == (1, 0) else 4)
            length = int.from_bytes(size_bytes, "little")
            if len(size_bytes) < (2 if version == (1, 0) else 4):
                raise ValueError("the header is truncated")
            if length > NPY_MAX_HEADER:
                raise bad(f"array {key} is not a plain NumPy array: its .npy header is "
                          f"{length:,} bytes long, NumPy reads at most {NPY_MAX_HEADER:,} (a real "
                          "array's takes about 100)")
            text = f.read(length)
            if len(text) < length:
                raise ValueError("the header is truncated")
            read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                    else np.lib.format.read_array_header_2_0)
            shape, fortran, dtype = read(io.BytesIO(size_bytes + text))
        except ValueError as err:
            detail = str(err).splitlines()[0] if str(err) else type(err).__name__
            raise bad(f"array {key} is not a plain NumPy array ({detail})") from None
        return np.dtype(dtype), tuple(int(n) for n in shape), bool(fortran), f.tell()


def _npy_data(archive: zipfile.ZipFile, info: zipfile.ZipInfo, key: str,
              bad: Callable[[str], ModelFileError]) -> np.ndarray:
    """One member's array, read only after its header was checked; short data says so."""
    dtype, shape, fortran, offset = _npy_header(archive, info, key, bad)
    nbytes = math.prod(shape) * dtype.itemsize
    with archive.open(info) as f:
        f.read(offset)
        data = f.read(nbytes)
        if len(data) < nbytes:
            raise bad(f"array {key} is truncated: {len(data):,} of {nbytes:,} bytes")
        if f.read(1):
            raise bad(f"array {key} has bytes after its data")
    return np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran else "C")


def load_model_file(path: str | os.PathLike) -> tuple[Sequential, dict[str, Any]]:
    """Read a model file (or a pipe, or a device) and validate it: at most MAX_MODEL_BYTES are
    ever read, and anything that does not start like a zip is refused after its first bytes."""
    name = os.fspath(path)

    def too_big(amount: str) -> ModelFileError:
        return ModelFileError(f"{name}: {amount} is larger than any model glassnet makes "
                              f"({MAX_MODEL_BYTES // 2**20} MB)")

    def zip_start(head: bytes) -> None:
        if not head.startswith(b"PK"):
            raise ModelFileError(f"{name}: not an .npz archive (a glassnet model is a zip of "
                                 "NumPy arrays)")

    try:
        blob = read_bounded(path, MAX_MODEL_BYTES, too_big, zip_start, head=2)
    except OSError as err:
        raise ModelFileError(f"{name}: cannot read ({err.strerror or err})") from None
    return load_model(blob, name)
