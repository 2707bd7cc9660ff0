"""Model files: ``.npz`` with the architecture as JSON plus plain numeric arrays.

Loading never unpickles (``allow_pickle=False``) and checks every name, shape and dtype before a
model is built, so a hostile or broken file gets a clear ``ModelFileError`` and nothing from it runs.
The same bytes load natively and in the browser.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from typing import Any

import numpy as np

from .data import CLASS_NAMES
from .errors import ModelFileError
from .layers import Sequential, layer_from_spec

FORMAT = "glassnet-model"
VERSION = 1
META_KEY = "__glassnet__"
MAX_PARAMETERS = 50_000_000  # far above any MLP this package trains; stops absurd allocations
INPUTS, CLASSES = 784, 10


def save_model(model: Sequential, config: dict[str, Any] | None = None) -> bytes:
    """Serialise a model (and the config that trained it, for information) to .npz bytes."""
    meta = {"format": FORMAT, "version": VERSION, "layers": model.spec(), "config": config or {},
            "classes": CLASS_NAMES}
    arrays = {META_KEY: np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)}
    for i, layer in enumerate(model.layers):
        for name, array in layer.arrays().items():
            arrays[f"layer{i}.{name}"] = np.asarray(array, dtype=np.float32)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def save_model_file(path: str | os.PathLike, model: Sequential,
                    config: dict[str, Any] | None = None) -> None:
    """Write atomically, so an interrupted save never leaves half a model behind."""
    path = os.fspath(path)
    tmp = path + ".part"
    try:
        with open(tmp, "wb") as out:
            out.write(save_model(model, config))
        os.replace(tmp, path)
    except OSError as err:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise ModelFileError(f"{path}: cannot write the model ({err.strerror})",
                             hint="Check that the folder exists and is writable.") from None


def load_model(blob: bytes, name: str = "model file") -> tuple[Sequential, dict[str, Any]]:
    """Validate and rebuild a model from .npz bytes; returns (model, metadata)."""
    def bad(problem: str) -> ModelFileError:
        return ModelFileError(f"{name}: {problem}")

    blob = bytes(blob)
    if not blob:
        raise bad("the file is empty")
    if not blob.startswith(b"PK"):  # decide before NumPy guesses at pickles or .npy
        raise bad("not an .npz archive (a glassnet model is a zip of NumPy arrays)")
    try:
        archive = np.load(io.BytesIO(blob), allow_pickle=False)
        with archive:
            arrays = {key: archive[key] for key in archive.files}
    except ValueError:  # object arrays need pickle, which is refused
        raise bad("holds pickled Python objects; glassnet never loads those") from None
    except (zipfile.BadZipFile, OSError, EOFError, KeyError) as err:
        raise bad(f"the archive is damaged or truncated ({err})") from None
    meta = _read_meta(arrays.pop(META_KEY, None), bad)
    try:
        _check_architecture(meta["layers"], bad)  # before allocating anything a file asks for
        model = Sequential([layer_from_spec(spec) for spec in meta["layers"]])
    except (ValueError, KeyError, TypeError) as err:
        raise bad(f"bad layer description: {err}") from None
    expected = {}
    for i, layer in enumerate(model.layers):
        for key, target in layer.arrays().items():
            expected[f"layer{i}.{key}"] = target
    missing = sorted(set(expected) - set(arrays))
    extra = sorted(set(arrays) - set(expected))
    if missing:
        raise bad(f"missing arrays: {', '.join(missing[:5])}")
    if extra:
        raise bad(f"unexpected arrays: {', '.join(extra[:5])}")
    for key, target in expected.items():
        array = arrays[key]
        if array.dtype.kind != "f":
            raise bad(f"array {key} has dtype {array.dtype}, expected floating point")
        if array.shape != target.shape:
            raise bad(f"array {key} has shape {array.shape}, expected {target.shape}")
        if not np.all(np.isfinite(array)):
            raise bad(f"array {key} holds NaN or infinite values")
        target[...] = array  # in place: the layer's params/grads lists keep pointing at it
    return model, meta


def load_model_file(path: str | os.PathLike) -> tuple[Sequential, dict[str, Any]]:
    try:
        with open(path, "rb") as f:
            blob = f.read()
    except OSError as err:
        raise ModelFileError(f"{os.fspath(path)}: cannot read ({err.strerror})") from None
    return load_model(blob, os.fspath(path))


def _read_meta(raw: np.ndarray | None, bad) -> dict[str, Any]:
    if raw is None:
        raise bad("no glassnet metadata; this .npz was not saved by glassnet")
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise bad("the metadata is not stored as bytes")
    try:
        meta = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise bad(f"the metadata is not valid JSON ({err})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise bad("the metadata does not describe a glassnet model")
    if meta.get("version") != VERSION:
        raise bad(f"model format version {meta.get('version')!r}; this glassnet reads {VERSION}")
    if not isinstance(meta.get("layers"), list) or not meta["layers"]:
        raise bad("the metadata lists no layers")
    if not all(isinstance(spec, dict) for spec in meta["layers"]):
        raise bad("each layer must be described by an object")
    if not isinstance(meta.get("config", {}), dict):
        raise bad("the config must be an object")
    return meta


def _check_architecture(specs: list[dict[str, Any]], bad) -> None:
    """Layers must chain 784 -> ... -> 10 (Fashion-MNIST) within a sane parameter budget."""
    width, dense, parameters = INPUTS, 0, 0
    for i, spec in enumerate(specs):
        if spec.get("type") == "Dense":
            inputs, outputs = int(spec["inputs"]), int(spec["outputs"])
            if inputs != width:
                raise bad(f"layer {i} (Dense) takes {inputs} inputs but receives {width}")
            if outputs < 1:
                raise bad(f"layer {i} (Dense) has {outputs} outputs")
            parameters += (inputs + 1) * outputs
            width, dense = outputs, dense + 1
        elif spec.get("type") == "BatchNorm" and int(spec["features"]) != width:
            raise bad(f"layer {i} (BatchNorm) has {spec['features']} features but receives {width}")
        if parameters > MAX_PARAMETERS:
            raise bad(f"more than {MAX_PARAMETERS} parameters is more than this app handles")
    if dense == 0 or width != CLASSES:
        raise bad(f"the model must end in {CLASSES} outputs, it ends in {width}")
