"""Teach the model with your drawings: labelled examples, then a few fine-tuning steps on a
copy of the active model (the one before stays on the shelf, for undo)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import glassbox
from ..data import CLASS_NAMES
from ..errors import ConfigError, NotReadyError
from . import session
from .args import drawing_input, plain, positive, whole


def add_example(pixels: Any, width: int, height: int, channels: int, label: int) -> dict[str, Any]:
    """A drawing with its class. -> {"examples": count}"""
    s = session.get()
    if isinstance(label, bool) or not isinstance(label, (int, float)) or label != label \
            or not 0 <= label < len(CLASS_NAMES) or int(label) != label:
        raise ConfigError(f"label {label} is not a class (0-{len(CLASS_NAMES) - 1})")
    x = drawing_input(pixels, width, height, channels)
    if not x.any():
        raise ConfigError("the drawing is empty", hint="Draw something first.")
    s.examples.append(x)
    s.example_labels.append(int(label))
    return {"examples": len(s.examples)}


def fine_tune(steps: int = glassbox.FINE_TUNE_STEPS, lr: float = glassbox.FINE_TUNE_LR) -> dict[str, Any]:
    """A few steps on the examples (with replayed training images) on a copy of the active
    model. -> {"losses": [...], "examples": count, "model": new id, "undo_to": id}"""
    session.require_not_training("Fine-tuning")
    session.require_model()
    s = session.get()
    if not s.examples:
        raise NotReadyError("no examples to learn from", hint="Draw one and add it with a label.")
    if s.events is not None:
        raise ConfigError("fine-tuning cannot run during a training run",
                          hint="Stop the run first (it stays on the shelf).")
    base = s.shelf.current()
    name = base.name if base.kind == "fine-tune" else f"{base.name}, fine-tuned"
    # The fine-tune works on a copy: the model before it stays on the shelf, for undo.
    entry = s.shelf.fork(name, "fine-tune")
    entry.test_accuracy = None  # not measured yet
    has_train = s.data is not None and len(s.data.train_labels) > 0
    replay = (s.data.train_images, s.data.train_labels) if has_train else None
    losses = glassbox.fine_tune(entry.model, np.stack(s.examples), np.array(s.example_labels),
                                whole("steps", steps, 1, glassbox.MAX_FINE_TUNE_STEPS),
                                positive("lr", lr, 10.0),
                                replay)
    s.forget_predictions()
    session.notify_shelf(active_changed=True)
    return plain({"losses": losses, "examples": len(s.examples), "model": entry.id,
                  "undo_to": entry.parent})


def clear_examples() -> dict[str, Any]:
    """-> {"examples": 0}"""
    s = session.get()
    s.examples, s.example_labels = [], []
    return {"examples": 0}
