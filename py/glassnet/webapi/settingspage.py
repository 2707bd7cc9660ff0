"""The page's start-up calls: what runs here, and the option schema it builds its form from."""

from __future__ import annotations

import sys
from typing import Any

from .. import __version__, backend, datasets, events, glassbox, idxformat, limits, modelio, pieces
from .. import presets as presets_module
from ..data import CLASS_NAMES, CLASS_SHORT_NAMES
from ..presets import make_config
from . import session
from .args import overrides


def info() -> dict[str, Any]:
    """-> {"version", "backend", "platform", "has_data", "has_model", "custom_code": [labels]}"""
    s = session.get()
    return {"version": __version__, "backend": backend.name(), "platform": sys.platform,
            "has_data": s.data is not None, "has_model": s.model is not None,
            "custom_code": list(s.custom_code)}


def options() -> dict[str, Any]:
    """Every fact the page would otherwise copy, sent once at start-up: the option schema
    (presets.schema()), from which the page builds its form, validation, share links and run
    records, and the registries' facts it shows or checks.
    -> {"options": [option dicts], "presets": {name: {"help", "values": full config}},
    "default_preset": name, "examples": {name: {"title", "values": settings}},
    "classes": [class names], "short_classes": [a word per class],
    "limits": {"side", "inputs", "classes", "max_model_bytes"},
    "idx": {"max_bytes", "max_dimensions", "item_bytes": {type byte: size}},
    "events": {"names", "progress", "ends"}, "layer_pieces": {layer type: code piece id},
    "fine_tune": {"steps", "max_steps", "lr"},
    "dataset": {"name", "title", "side", "classes", "short_classes", "files", "framing"}}
    (the data-set registry's entry, datasets.py).
    An option dict: name, label, kind (int|float|bool|choice|layers), help, default, low, high,
    low_open, high_open, range (in words), basic, step, choices [{value, title}], max_items."""
    return {**presets_module.schema(), "classes": list(CLASS_NAMES),
            "short_classes": list(CLASS_SHORT_NAMES),
            "dataset": datasets.get().for_page(),
            "limits": {"side": limits.SIDE, "inputs": limits.INPUTS, "classes": limits.CLASSES,
                       "max_model_bytes": modelio.MAX_MODEL_BYTES},
            "idx": idxformat.schema(), "events": events.schema(),
            "layer_pieces": pieces.layer_pieces(), "fine_tune": glassbox.fine_tune_schema()}


def check_config(config: Any = None) -> dict[str, Any]:
    """-> {"config": resolved}, or a ConfigError whose ``option`` names the field at fault."""
    return {"config": make_config(overrides(config)).to_dict()}
