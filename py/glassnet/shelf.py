"""The model shelf: every model of a session under an id, one of them active.

Why: a page session makes many models (the pretrained one, each training run, each fine-tune,
the step-through network, each loaded file, the examples). None may be lost silently: a new model
goes onto the shelf next to the old ones, and the views show whichever is active. Fine-tunes
remember the model they started from, so they can be undone.

Memory stays bounded: at most ``limit`` models (default ``MAX_MODELS``). Past that, the oldest
model that is not protected (the active one, the one an undo would return to, the first model
loaded, i.e. the pretrained one) is dropped, and ``dropped`` counts how many went.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from .errors import ModelError
from .glassbox import describe
from .layers import Sequential

MAX_MODELS = 8

KINDS = ("pretrained", "file", "run", "step", "fine-tune", "example")


@dataclass
class Entry:
    id: str
    name: str
    kind: str
    model: Sequential
    config: dict[str, Any] = field(default_factory=dict)
    test_accuracy: float | None = None
    parent: str | None = None  # the model a fine-tune started from (undo goes back to it)
    status: str = ""  # for runs: training, stopped, done, error
    flags: dict[str, Any] = field(default_factory=dict)  # labels others attach (e.g. student code)

    def to_dict(self, active: str | None) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "kind": self.kind, "summary": describe(self.model),
                "test_accuracy": self.test_accuracy, "parent": self.parent, "status": self.status,
                "active": self.id == active, "flags": dict(self.flags)}


class Shelf:
    def __init__(self, limit: int = MAX_MODELS) -> None:
        if limit < 2:
            raise ValueError("a shelf keeps at least two models (one to undo to)")
        self.limit = limit
        self.entries: list[Entry] = []
        self.active: str | None = None
        self.dropped = 0
        self._next = 1
        self.first: str | None = None  # the first model added (the pretrained one, usually)

    def add(self, model: Sequential, name: str, kind: str, config: dict[str, Any] | None = None,
            test_accuracy: float | None = None, parent: str | None = None,
            activate: bool = True) -> Entry:
        if kind not in KINDS:
            raise ValueError(f"unknown model kind {kind!r}")
        entry = Entry(f"m{self._next}", name, kind, model, dict(config or {}), test_accuracy,
                      parent)
        self._next += 1
        self.entries.append(entry)
        if self.first is None:
            self.first = entry.id
        if activate or self.active is None:
            self.active = entry.id
        self._trim()
        return entry

    def get(self, model_id: str) -> Entry:
        for entry in self.entries:
            if entry.id == model_id:
                return entry
        raise ModelError(f"there is no model {model_id!r} on the shelf",
                         hint="It may have been dropped to save memory; pick one from the list.")

    def current(self) -> Entry | None:
        return self.get(self.active) if self.active else None

    def select(self, model_id: str) -> Entry:
        entry = self.get(model_id)
        self.active = entry.id
        return entry

    def fork(self, name: str, kind: str) -> Entry:
        """A copy of the active model as a new active entry that remembers where it came from."""
        base = self.current()
        if base is None:
            raise ModelError("no model yet", hint="Train one, or load a saved .npz model.")
        return self.add(copy.deepcopy(base.model), name, kind, base.config, base.test_accuracy,
                        parent=base.id)

    def undo(self) -> Entry:
        """Back to the model the active one was made from; the undone model leaves the shelf."""
        entry = self.current()
        if entry is None or entry.parent is None:
            raise ModelError("nothing to undo", hint="Undo goes back to the model before a fine-tune.")
        parent = self.get(entry.parent)
        self.entries.remove(entry)
        self.active = parent.id
        return parent

    def _protected(self) -> set[str]:
        keep = {self.active, self.first}
        current = self.current()
        if current is not None and current.parent:
            keep.add(current.parent)
        return {k for k in keep if k}

    def _trim(self) -> None:
        while len(self.entries) > self.limit:
            keep = self._protected()
            victim = next((e for e in self.entries if e.id not in keep), None)
            if victim is None:
                return
            self.entries.remove(victim)
            self.dropped += 1
            for entry in self.entries:  # an undo target that is gone cannot be undone to
                if entry.parent == victim.id:
                    entry.parent = None

    def to_dict(self) -> dict[str, Any]:
        return {"models": [e.to_dict(self.active) for e in self.entries], "active": self.active,
                "limit": self.limit, "dropped": self.dropped}
