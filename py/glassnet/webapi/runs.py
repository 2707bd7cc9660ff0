"""A training run from the page: started from settings, pulled in short chunks, stopped.

Pause is the worker no longer calling run(); it reads its messages between calls.
"""

from __future__ import annotations

import time
from typing import Any

from .. import glassbox, pieces, sandbox
from .. import presets as presets_module
from ..errors import ConfigError, GlassnetError, NotReadyError
from ..events import BATCH, ENDS, EPOCH, START
from ..presets import Config, make_config
from ..train import Trainer
from . import session
from .args import overrides, plain

RUN_KINDS = ("run", "step", "example")


def trainer_steps(config: Config) -> int:
    """Batches per epoch of a config on the loaded data."""
    return -(-len(session.require_data().train_labels) // config.batch_size)


def start(config: Any = None, name: str | None = None, kind: str = "run") -> dict[str, Any]:
    """A new network, optimizer and trainer from the settings (keys as in presets; missing keys
    take the preset's value; "preset": name picks the base), trained by run() (kind "run") or by
    step() ("step", "example"). It goes onto the shelf as the active model; the others stay.
    -> {"config": resolved, "architecture": [layer specs], "parameters": int, "summary": str,
    "model": shelf id, "name", "custom_code": [labels], "kind", "steps_per_epoch": int,
    "train_images": int}. Needs the training images."""
    s = session.get()
    session.require_training_images()
    if kind not in RUN_KINDS:
        raise ConfigError(f"unknown kind of run {kind!r}")
    resolved = make_config(overrides(config))
    sandbox.restore_modules()  # a run starts with NumPy as it was, whatever earlier code assigned
    # A running accuracy on 1,000 fixed test images about five times an epoch: the accuracy
    # chart moves within seconds, not only after the first whole epoch.
    every = max(20, trainer_steps(resolved) // 5)
    trainer = Trainer(resolved, s.data, sample_every=every)
    armed, s.armed = s.armed, []
    try:
        custom = pieces.apply(trainer, armed)  # students' code, for this run only
    except ConfigError:
        s.armed = armed  # kept for the next try, with the settings fixed
        raise
    s.custom_code = custom
    s.runs += 1
    label = name or f"{'Run' if kind == 'run' else 'Step-through'} {s.runs} ({resolved.preset})"
    if custom:
        label += " with your code"
    entry = s.shelf.add(trainer.model, label, kind, resolved.to_dict())
    entry.status = "new"
    s.trainer, s.run_id = trainer, entry.id
    s.events = trainer.events() if kind == "run" else None
    s.forget_predictions()
    started = {"config": entry.config, "architecture": trainer.model.spec(),
               "parameters": trainer.model.parameter_count(),
               "summary": glassbox.describe(trainer.model) + "".join(f" · with {c}" for c in custom),
               "model": entry.id, "name": entry.name, "custom_code": custom,
               "kind": kind, "steps_per_epoch": trainer.steps_per_epoch,
               "train_images": int(len(s.data.train_labels))}
    # "A new run started" is an event in the stream the page follows, then the shelf changed.
    session.notify({"event": START, **started})
    session.notify_shelf(active_changed=True)
    return started


def set_loop_running(running: bool) -> dict[str, Any]:
    """The worker says whether its training loop is running (between chunks, calls still come).
    -> {"running": bool}"""
    s = session.get()
    s.loop_running = bool(running)
    return {"running": s.loop_running}


def run(max_seconds: float = 0.2) -> dict[str, Any]:
    """Pulls training events until the time budget is spent or training finished.
    -> {"events": [event dicts], "finished": bool}"""
    s = session.get()
    if s.events is None:
        return {"events": [], "finished": True}
    deadline = time.perf_counter() + max_seconds
    events: list[dict[str, Any]] = []
    for event in s.events:
        events.append(event)
        if event["event"] in (EPOCH, *ENDS) or time.perf_counter() >= deadline:
            break
    finished = bool(events) and events[-1]["event"] in ENDS
    if not events or finished:
        s.events = None
        finished = True
    _record(events)
    return {"events": plain(events), "finished": finished}


def _record(events: list[dict[str, Any]]) -> None:
    """A run's shelf entry follows its epochs: test accuracy and status."""
    s = session.get()
    try:
        entry = s.shelf.get(s.run_id) if s.run_id else None
    except GlassnetError:
        entry = None
    changed = False
    for event in events:
        kind = event["event"]
        if entry is None:
            break
        if kind == BATCH and entry.status != "training":
            entry.status, changed = "training", True
        elif kind in (EPOCH, *ENDS):
            if event.get("test_accuracy") is not None:
                entry.test_accuracy = float(event["test_accuracy"])
            if kind != EPOCH:
                entry.status = kind
            changed = True
    if changed:
        session.notify_shelf(active_changed=False)


def stop() -> dict[str, Any]:
    """Ends the run. -> {"events": [{"event": "stopped", ...}]}"""
    s = session.get()
    if s.trainer is None or s.events is None:
        return {"events": []}
    s.trainer.request_stop()
    events = [e for e in s.events if e["event"] != BATCH]
    s.events = None
    _record(events)
    return {"events": plain(events)}


def set_learning_rate(lr: Any) -> dict[str, Any]:
    """Takes effect at the next batch. -> {"lr": float}"""
    s = session.get()
    if s.trainer is None:
        raise NotReadyError("no training run to change", hint="Press Train first.")
    value = presets_module.check_value("lr", lr)
    try:
        s.trainer.set_learning_rate(value)
    except ValueError as err:
        raise ConfigError(str(err), hint="Use a positive number such as 0.001.") from None
    return {"lr": s.trainer.base_lr}
