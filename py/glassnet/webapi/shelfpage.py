"""The model shelf from the page (shelf.py): every model of the session under an id, one active.

start() (each run and step-through network), load_model() (the pretrained model and each file)
and fine_tune() (on a copy) add a model and make it active; none replaces another. At most
shelf.MAX_MODELS are kept; past that the oldest unprotected one goes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import glassbox
from ..errors import ConfigError, ModelError
from ..modelio import load_model as _load_model
from ..modelio import save_model as _save_model
from ..shelf import KINDS, Shelf
from . import session
from .args import as_bytes, plain

FILE_KINDS = ("file", "pretrained")


def save_model() -> bytes:
    """-> bytes: the active model's .npz, as the CLI's --save writes it, with its test accuracy
    when measured."""
    s = session.get()
    model = session.require_model()
    entry = s.shelf.current()
    return _save_model(model, s.config, entry.test_accuracy if entry is not None else None)


def load_model(data: Any, name: str = "the model file", kind: str = "file") -> dict[str, Any]:
    """A saved model onto the shelf, as the active one (kind "pretrained" for the site's own).
    -> {"architecture": [...], "config": {...}, "parameters": int, "summary": str, "model": id}"""
    s = session.get()
    if kind not in FILE_KINDS:
        raise ConfigError(f"unknown kind of model file {kind!r}")
    model, meta = _load_model(as_bytes(data), name)
    entry = s.shelf.add(model, str(name), kind, meta.get("config", {}), meta.get("test_accuracy"))
    s.forget_predictions()
    s.custom_code = []
    session.notify_shelf(active_changed=True)
    return plain({"architecture": model.spec(), "config": entry.config, "model": entry.id,
                  "parameters": model.parameter_count(), "summary": glassbox.describe(model)})


def shelf() -> dict[str, Any]:
    """Every model of the session. -> {"models": [{"id", "name", "kind", "summary",
    "test_accuracy", "parent", "status", "active", "flags"}], "active": id, "limit": how many are
    kept, "dropped": how many went}"""
    return plain(session.get().shelf.to_dict())


def select_model(model: str) -> dict[str, Any]:
    """Makes a shelf model the active one for every view (not during a run). -> the entry"""
    s = session.get()
    if s.events is not None:
        raise ConfigError("the models cannot be switched during a training run",
                          hint="Stop the run first (it stays on the shelf).")
    entry = s.shelf.select(str(model))
    s.forget_predictions()
    session.notify_shelf(active_changed=True)
    return plain(entry.to_dict(s.shelf.active))


def undo() -> dict[str, Any]:
    """Back to the model a fine-tune started from (the fine-tuned one is removed).
    -> that entry, now active"""
    s = session.get()
    if s.events is not None:
        raise ConfigError("undo cannot run during a training run", hint="Stop the run first.")
    entry = s.shelf.undo()
    s.forget_predictions()
    session.notify_shelf(active_changed=True)
    return plain(entry.to_dict(s.shelf.active))


def label_model(model: str, **flags: Any) -> dict[str, Any]:
    """Attaches labels to a shelf model (e.g. student_code=True); they show in shelf().
    -> the entry"""
    s = session.get()
    entry = s.shelf.get(str(model))
    entry.flags.update({str(k): plain(v) for k, v in flags.items()})
    session.notify_shelf(active_changed=False)
    return plain(entry.to_dict(s.shelf.active))


def model_file(model: str) -> bytes:
    """-> bytes: one finished shelf model as .npz, with its config and test accuracy. The page
    keeps a copy of every finished model, so a Python that had to be restarted (stuck student
    code, a crash) gets the whole shelf back instead of losing the session's models. A model whose
    weights are not all finite is refused (ModelError) and flagged "diverged"."""
    s = session.get()
    entry = s.shelf.get(str(model))
    if s.events is not None and entry.id == s.run_id:
        raise ConfigError("a model still in training cannot be copied", hint="Wait for the run to end.")
    if not all(np.all(np.isfinite(a)) for layer in entry.model.layers for a in layer.arrays().values()):
        # No model file may carry NaN (loading refuses it): mark it on the shelf, say why.
        if not entry.flags.get("diverged"):
            entry.flags["diverged"] = True
            session.notify_shelf(active_changed=False)
        raise ModelError("its weights hold NaN or infinite values (the training diverged)",
                         hint="Train it again with a smaller learning rate or corrected code.")
    return _save_model(entry.model, entry.config, entry.test_accuracy)


def restore_model(data: Any, name: str, kind: str, status: str = "", parent: str | None = None,
                  replace: bool = False) -> dict[str, Any]:
    """Puts a model copied with model_file() back on the shelf under its old name and kind (not
    active). ``replace`` starts from an empty shelf (the first of a restored list); ``parent`` is
    the new id of the model a fine-tune came from, so undo still works. -> the entry"""
    s = session.get()
    if s.events is not None:
        raise ConfigError("models cannot be restored during a training run", hint="Stop the run first.")
    if kind not in KINDS:
        raise ConfigError(f"unknown kind of model {kind!r}")
    model, meta = _load_model(as_bytes(data), str(name))
    if replace:
        s.shelf = Shelf()
        s.forget_predictions()
    parent_id = None
    if parent is not None and any(e.id == str(parent) for e in s.shelf.entries):
        parent_id = str(parent)
    entry = s.shelf.add(model, str(name), kind, meta.get("config", {}), meta.get("test_accuracy"),
                        parent=parent_id, activate=False)
    entry.status = str(status or "")
    session.notify_shelf(active_changed=replace)
    return plain(entry.to_dict(s.shelf.active))
