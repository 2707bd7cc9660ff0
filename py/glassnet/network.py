"""Layers put together: the MLP a config describes, and a model rebuilt from its layer specs.

The one place that knows every layer type: ``build_mlp`` places them, ``LAYER_TYPES`` names the
types a model file may hold (modelio checks their fields before anything is allocated).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .activations import BY_KIND, lookup
from .layers import BatchNorm, Dense, Dropout, Layer, Sequential
from .limits import CLASSES, INPUTS

# Every layer type a model may hold: the building blocks and each registered activation.
LAYER_TYPES: tuple[str, ...] = (Dense.kind, BatchNorm.kind, Dropout.kind, *BY_KIND)


def build_mlp(hidden: list[int], activation: str = "relu", dropout: float = 0.0,
              batchnorm: bool = False, seed: int = 0, inputs: int = INPUTS, classes: int = CLASSES,
              dtype: Any = np.float32, input_dropout: float = 0.0) -> Sequential:
    """[Dropout on inputs], then Dense -> [BatchNorm] -> activation -> [Dropout] per hidden size,
    then Dense to the classes; every Dense initialised as the activation's entry says."""
    entry = lookup(activation)
    root = np.random.default_rng(seed)
    init_rng, drop_seq = root.spawn(2)
    layers: list[Layer] = []
    if input_dropout > 0:
        layers.append(Dropout(input_dropout, drop_seq.spawn(1)[0]))
    width = inputs
    for size in hidden:
        layers.append(Dense(width, size, entry.init, init_rng, dtype))
        if batchnorm:
            layers.append(BatchNorm(size, dtype=dtype))
        layers.append(entry.make())
        if dropout > 0:
            layers.append(Dropout(dropout, drop_seq.spawn(1)[0]))
        width = size
    layers.append(Dense(width, classes, entry.init, init_rng, dtype))
    return Sequential(layers)


def layer_from_spec(spec: dict[str, Any], dtype: Any = np.float32) -> Layer:
    """Rebuild a layer from its JSON spec; unknown types or bad fields raise ValueError."""
    kind = spec.get("type")
    if kind == Dense.kind:
        return Dense(int(spec["inputs"]), int(spec["outputs"]), str(spec.get("init", "he")), dtype=dtype)
    if kind == BatchNorm.kind:
        return BatchNorm(int(spec["features"]), float(spec.get("momentum", 0.9)),
                         float(spec.get("eps", 1e-5)), dtype=dtype)
    if kind == Dropout.kind:
        return Dropout(float(spec["p"]))
    if kind in BY_KIND:
        return BY_KIND[kind].make(spec)
    raise ValueError(f"unknown layer type {kind!r}")
