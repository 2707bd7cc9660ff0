"""What a model file's metadata may say, checked before a model is built from it.

The metadata is JSON from an untrusted file: its nesting is measured without recursion before it
is parsed, every number must be finite, and every layer's fields are checked (type, range, the
layers chaining from the inputs to the classes, within the one parameter limit) before anything
is allocated. ``modelio`` reads the archive; this module judges what it says.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from . import datasets
from .activations import BY_KIND
from .limits import CLASSES, INPUTS, MAX_LAYERS, MAX_PARAMETERS, MAX_WIDTH

FORMAT = "glassnet-model"
VERSION = 1
MAX_JSON_DEPTH = 16  # a model's metadata nests 3 deep; deeper is hostile (recursion)


def read_meta(raw: np.ndarray | None, bad) -> dict[str, Any]:
    if raw is None:
        raise bad("no glassnet metadata; this .npz was not saved by glassnet")
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise bad("the metadata is not stored as bytes")
    try:
        text = raw.tobytes().decode("utf-8")
        depth = _json_depth(text)
        if depth > MAX_JSON_DEPTH:
            raise bad(f"the metadata nests {depth} levels deep; glassnet reads at most "
                      f"{MAX_JSON_DEPTH}")
        meta = json.loads(text)  # NaN/Infinity parse; the checks below name where they are
    except (UnicodeDecodeError, json.JSONDecodeError, ValueError) as err:
        raise bad(f"the metadata is not valid JSON ({err})") from None
    where = _first_non_finite(meta)
    if where is not None and (not isinstance(meta, dict) or where.split(".")[0] != "layers"):
        raise bad(f"the metadata value {where} is not a finite number")
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
    accuracy = meta.get("test_accuracy")
    if accuracy is not None and (isinstance(accuracy, bool) or not isinstance(accuracy, (int, float))
                                 or not 0 <= accuracy <= 1):
        raise bad(f"the recorded test accuracy {accuracy!r} is not a fraction from 0 to 1")
    dataset = meta.setdefault("dataset", datasets.DEFAULT)  # files from before it was recorded
    if not isinstance(dataset, str) or not 0 < len(dataset) <= 64:
        raise bad("the data set it names is not a short name")
    return meta


def _json_depth(text: str) -> int:
    """The deepest nesting of [ and { outside strings, found without recursion (a deeply nested
    file would otherwise exhaust the parser's stack, which in Pyodide kills Python)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _first_non_finite(value: Any) -> str | None:
    """Where (a dotted path) the first NaN or infinity sits in parsed JSON, or None. Iterative:
    the depth is already limited, but no recursion is needed."""
    todo: list[tuple[str, Any]] = [("", value)]
    while todo:
        path, item = todo.pop()
        if isinstance(item, float) and not math.isfinite(item):
            return path or "(top level)"
        if isinstance(item, dict):
            todo.extend((f"{path}.{k}" if path else str(k), v) for k, v in item.items())
        elif isinstance(item, list):
            todo.extend((f"{path}.{i}" if path else str(i), v) for i, v in enumerate(item))
    return None


def _spec_int(spec: dict[str, Any], key: str, where: str, bad, low: int = 1,
              high: int = MAX_WIDTH) -> int:
    value = spec.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad(f"{where}: {key} must be a whole number, got {value!r:.40}")
    if not low <= value <= high:
        raise bad(f"{where}: {key} must be between {low} and {high}, got {value}")
    return value


def _spec_float(spec: dict[str, Any], key: str, default: float, where: str, bad, low: float,
                high: float, low_open: bool = False, high_open: bool = False) -> float:
    value = spec.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise bad(f"{where}: {key} must be a number, got {value!r:.40}")
    value = float(value)
    if not math.isfinite(value) or value < low or value > high or (low_open and value == low) \
            or (high_open and value == high):
        interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        raise bad(f"{where}: {key} must be in {interval}, got {value}")
    return value


def check_architecture(specs: list[dict[str, Any]], bad) -> list[dict[str, Any]]:
    """Every field of every layer checked (type, range), layers chaining 784 -> ... -> 10
    (Fashion-MNIST) within the one parameter limit training uses too. Returns clean specs."""
    if len(specs) > MAX_LAYERS:
        raise bad(f"{len(specs)} layers is more than glassnet builds ({MAX_LAYERS})")
    width, dense, parameters, clean = INPUTS, 0, 0, []
    for i, spec in enumerate(specs):
        kind = spec.get("type")
        where = f"layer {i} ({kind})"
        if kind == "Dense":
            inputs, outputs = _spec_int(spec, "inputs", where, bad), _spec_int(spec, "outputs", where, bad)
            init = spec.get("init", "he")
            if init not in ("he", "glorot"):
                raise bad(f"{where}: init must be 'he' or 'glorot', got {init!r:.40}")
            if inputs != width:
                raise bad(f"layer {i} (Dense) takes {inputs} inputs but receives {width}")
            parameters += (inputs + 1) * outputs
            width, dense = outputs, dense + 1
            spec = {"type": kind, "inputs": inputs, "outputs": outputs, "init": init}
        elif kind == "BatchNorm":
            features = _spec_int(spec, "features", where, bad)
            if features != width:
                raise bad(f"layer {i} (BatchNorm) has {features} features but receives {width}")
            spec = {"type": kind, "features": features,
                    "momentum": _spec_float(spec, "momentum", 0.9, where, bad, 0, 1, high_open=True),
                    "eps": _spec_float(spec, "eps", 1e-5, where, bad, 0, 1, low_open=True)}
            parameters += 4 * features
        elif kind == "Dropout":
            spec = {"type": kind, "p": _spec_float(spec, "p", 0.5, where, bad, 0, 1, high_open=True)}
        elif kind in BY_KIND:  # an activation: its registry entry names its fields
            spec = {"type": kind, **{name: _spec_float(spec, name, f.default, where, bad, f.low, f.high)
                                     for name, f in BY_KIND[kind].fields.items()}}
        else:
            raise bad(f"bad layer description: unknown layer type {kind!r:.40}")
        if parameters > MAX_PARAMETERS:
            raise bad(f"more than {MAX_PARAMETERS:,} parameters is more than this app handles")
        clean.append(spec)
    if dense == 0 or width != CLASSES:
        raise bad(f"the model must end in {CLASSES} outputs, it ends in {width}")
    return clean
