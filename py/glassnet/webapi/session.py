"""What one page holds between calls: its data, its models (the shelf), the run in progress.

A worker hosts one page, so the session is one module-level object that every page-call module
reads through ``get()``; ``reset()`` (a page call) replaces it, as a fresh worker would start.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import pieces
from ..data import Dataset
from ..errors import ConfigError, DataError, ModelError, NotReadyError
from ..events import SHELF
from ..layers import Sequential
from ..shelf import Shelf
from ..train import Trainer
from .args import plain


class Session:
    """One page's state: its data, its models (the shelf; one is active), the run in progress."""

    def __init__(self) -> None:
        self.data: Dataset | None = None
        self.shelf = Shelf()
        self.trainer: Trainer | None = None
        self.run_id: str | None = None  # the shelf entry of the trainer's model
        self.events: Any = None
        self.predictions: np.ndarray | None = None  # of the last evaluate(), for the mistake views
        self.probabilities: np.ndarray | None = None
        self.examples: list[np.ndarray] = []  # the user's own drawings, as model inputs
        self.example_labels: list[int] = []
        self.loop_running = False  # the worker's training loop is calling run() right now
        self.notices: list[dict[str, Any]] = []  # events for the page, sent after each call
        self.runs = 0
        self.armed: list[pieces.Version] = []  # students' code for the next start()
        self.custom_code: list[str] = []  # labels of the students' code in the current run

    @property
    def model(self) -> Sequential | None:
        entry = self.shelf.current()
        return entry.model if entry else None

    @property
    def config(self) -> dict[str, Any]:
        entry = self.shelf.current()
        return entry.config if entry else {}

    def forget_predictions(self) -> None:
        """The mistake views' predictions belong to one model on one test set."""
        self.predictions = self.probabilities = None


_current = Session()


def get() -> Session:
    """The page's session."""
    return _current


def replace(session: Session) -> Session:
    """Puts ``session`` in place and returns the one it replaces (reset, and tests)."""
    global _current
    old, _current = _current, session
    return old


def reset() -> dict[str, Any]:
    """Forgets the session (data, models, run, examples), as a fresh worker would start.
    -> {"reset": True}"""
    replace(Session())
    return {"reset": True}


def require_data() -> Dataset:
    s = get()
    if s.data is None:
        raise NotReadyError("no data loaded yet", hint="Load the four Fashion-MNIST .gz files first.")
    return s.data


def require_training_images() -> Dataset:
    data = require_data()
    if len(data.train_labels) == 0:
        raise DataError("the training images have not arrived yet",
                        hint="Wait until section 1 says they are in, or pick the four files.")
    return data


def require_model() -> Sequential:
    model = get().model
    if model is None:
        raise ModelError("no model yet", hint="Train one, or load a saved .npz model.")
    return model


def require_not_training(what: str) -> None:
    if get().loop_running:
        raise ConfigError(f"{what} cannot run while training runs", hint="Pause or stop training first.")


def require_predictions() -> np.ndarray:
    s = get()
    if s.predictions is None or s.data is None or len(s.predictions) != len(s.data.test_labels):
        raise NotReadyError("no evaluation yet", hint="Evaluate the model on the test set first.")
    return s.predictions


def notify(event: dict[str, Any]) -> None:
    """Queues an event for the page; the worker sends it after the call (take_events)."""
    get().notices.append(plain(event))


def notify_shelf(active_changed: bool) -> None:
    """The page's shelf view and every view that shows the active model follow this event."""
    s = get()
    s.notices = [n for n in s.notices if n.get("event") != SHELF or n.get("active_changed")]
    notify({"event": SHELF, "active_changed": active_changed, **s.shelf.to_dict()})


def take_events() -> dict[str, Any]:
    """Events that calls queued since the last take; the worker sends them after every call.
    -> {"events": [...]}: "start" (a new run or step-through network, with config, summary,
    steps_per_epoch, model id) and "shelf" (the shelf changed, as shelf() plus "active_changed")."""
    s = get()
    events, s.notices = s.notices, []
    return {"events": events}
