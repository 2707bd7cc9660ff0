"""The matrix engine switch, which shows what the WebAssembly kernel buys."""

from __future__ import annotations

from typing import Any

from .. import backend, speed
from ..errors import ConfigError
from ..limits import CLASSES, INPUTS
from ..network import build_mlp
from . import session
from .args import plain

DEFAULT_HIDDEN = [128]  # the network timed when there is none yet


def backends(measure: bool = False) -> dict[str, Any]:
    """-> {"active", "available": [names], "kernel_error": str or None, and with measure:
    "network", "speeds": {name: {"ms_per_batch", "examples_per_s"}}} (one training batch of the
    current network, or of the default one when there is none)"""
    s = session.get()
    out: dict[str, Any] = {"active": backend.name(), "available": backend.available(),
                           "kernel_error": backend.kernel_error}
    if measure:
        model = s.trainer.model if s.trainer is not None else s.model
        out["network"] = "current" if model is not None else f"default {INPUTS}-{DEFAULT_HIDDEN[0]}-{CLASSES}"
        out["speeds"] = plain(speed.compare(model if model is not None else build_mlp(DEFAULT_HIDDEN)))
    return out


def use_backend(name: str) -> dict[str, Any]:
    """Takes effect at the next product, even mid-run. -> the same as backends()"""
    try:
        backend.use(str(name))
    except ValueError as exc:
        raise ConfigError(str(exc), hint="Pick one of the engines listed.") from None
    return backends()
