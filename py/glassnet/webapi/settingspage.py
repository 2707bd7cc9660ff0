"""The page's start-up calls: what runs here, and the option schema it builds its form from."""

from __future__ import annotations

import sys
from typing import Any

from .. import __version__, backend
from .. import presets as presets_module
from ..data import CLASS_NAMES
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
    """The one option schema (presets.schema()), sent once at start-up: the page builds its form,
    validation, share links and run records from it.
    -> {"options": [option dicts], "presets": {name: {"help", "values": full config}},
    "default_preset": name, "classes": [class names]}. An option dict: name, label, kind
    (int|float|bool|choice|layers), help, default, low, high, low_open, high_open, range (in
    words), basic, step, choices [{value, title}], max_items."""
    return {**presets_module.schema(), "classes": list(CLASS_NAMES)}


def check_config(config: Any = None) -> dict[str, Any]:
    """-> {"config": resolved}, or a ConfigError whose ``option`` names the field at fault."""
    return {"config": make_config(overrides(config)).to_dict()}
