"""The facade the browser worker calls: bytes in, JSON-able dicts out.

CONTRACT (the worker depends on exactly this; keep it stable):

All functions are module-level and keep one session (data, model, trainer) in module state, because
a worker hosts one page. Every function returns a plain dict of str/int/float/bool/list/None (call
``.toJs({dict_converter: Object.fromEntries})`` on the PyProxy), except ``save_model`` which returns
``bytes``. Byte arguments may be ``bytes``, ``memoryview`` or a Pyodide ``JsProxy`` of a Uint8Array
or ArrayBuffer. Errors raise ``glassnet.errors.GlassnetError`` subclasses whose ``str()`` is a
message for people and whose ``.browser_hint`` says what to do in the page's words (``.hint`` is
the command line's); asking for what does not exist yet raises ``NotReadyError``; anything else
is a bug.

info() -> {"version", "backend", "platform", "has_data", "has_model"}
options() -> {"options": [option dicts], "presets": {name: {"help", "values": full config}},
    "default_preset": name, "classes": [10 names]}   the one option schema (presets.schema()):
    the page builds its form, validation, share links and run records from it, once at start-up.
    An option dict: name, label, kind (int|float|bool|choice|layers), help, default, low, high,
    low_open, high_open, range (in words), basic, step, choices [{value, title}], max_items.
presets() -> {"seed": {...}, "default": {...}, ...}   full config dicts (the schema's values)
check_config(config: dict) -> {"config": resolved} or raises ConfigError; ``.option`` on the
    error names the field at fault (the worker passes it on as ``option``).
reset() -> {"reset": True}   forgets the session, as a fresh worker would start.
test_labels() -> [int]   the loaded test set's labels.
load_data(train_images, train_labels, test_images, test_labels) -> {"train": int, "test": int,
    "classes": [10 names]}   gzip or raw idx bytes; raises DataError naming the bad file.
load_test_set(test_images, test_labels) -> same dict   the test half alone: drawing, the gallery
    and the glass-box views work with it; "train" stays 0 until the training half arrives.
load_training_set(train_images, train_labels) -> same dict   the training half (26 MB for the
    real set), which the page downloads after it is ready; start() and step() need it.
start(config: dict, name=None, kind="run"|"step"|"example") -> {"config": resolved,
    "architecture": [layer specs], "parameters": int, "summary": str, "model": shelf id,
    "steps_per_epoch": int, ...}
    builds a new model, optimizer and trainer from a config (keys as in presets; missing keys take
    the "default" preset's value; "preset": name picks the base). Needs data.
run(max_seconds: float = 0.2) -> {"events": [event dicts], "finished": bool}
    pulls training events until the time budget is spent or training finished. Pause = stop
    calling run; the worker reads its messages between calls.
stop() -> {"events": [{"event": "stopped", ...}]}
set_learning_rate(lr: float) -> {"lr": float}   takes effect at the next batch.
predict_drawing(pixels, width: int, height: int, channels: int = 4)
    -> {"probabilities": [10 floats], "top": int, "label": class name, "input": [784 floats 0..1]}
    pixels: row-major, RGBA (channels=4, as from canvas getImageData) or gray (channels=1).
    Uses the model in training if any, else the loaded model. Raises NotReadyError if none.
gallery(count: int = 12, seed: int = 0) -> {"items": [{"index", "image": [784 ints 0..255],
    "label": int, "prediction": int, "confidence": float}]}   random test images.
evaluate() -> {"test_loss", "test_accuracy", "per_class_accuracy": [10], "confusion": 10x10 ints}
save_model() -> bytes   the .npz of the CLI's --save (of the active model).
load_model(data, name="the model file", kind="file"|"pretrained") -> {"architecture": [...],
    "config": {...}, "parameters": int, "summary": str, "model": shelf id}

The model shelf (shelf.py): every model of the session is kept under an id, one is active and
every view shows the active one. start() (each run and step-through network), load_model() (the
pretrained model and each file) and fine_tune() (on a copy) add a model and make it active; none
replaces another. At most shelf.MAX_MODELS are kept; past that the oldest unprotected one goes.
shelf() -> {"models": [{"id", "name", "kind", "summary", "test_accuracy", "parent", "status",
    "active", "flags"}], "active": id, "limit": int, "dropped": int}
select_model(model: id) -> the entry, now active (not during a run).
undo() -> the entry before the active fine-tune, now active (the fine-tune is removed).
label_model(model: id, **flags) -> the entry with flags attached (e.g. student_code=True).
model_file(model: id) -> bytes   a finished shelf model as .npz (config, test accuracy inside);
    a model whose weights are not all finite is refused (ModelError) and flagged "diverged".
restore_model(data, name, kind, status="", parent=None, replace=False) -> the entry (not active)
    a model_file() copy back on the shelf after Python was restarted (replace: start empty).
take_events() -> {"events": [...]}   events that calls queued ("start": a new run or
    step-through network, with config, summary, steps_per_epoch, model id; "shelf": the shelf
    changed, as shelf() plus "active_changed"). The worker sends them after every call.

Events are the ones of ``glassnet.train`` (see its docstring): "batch", "epoch", "done",
"stopped", "error".

Glass-box views (all computed here, none in JS):
weights(limit: int = 64) -> {"units", "shown", "scale", "weights": shown x 784 floats}
inspect_input(pixels=None, width=0, height=0, channels=4, test_index=None, target=None)
    -> {"input": [784], "probabilities": [10], "top", "target", "saliency": [784],
        "activations": [{"index", "type", "values": [...]}], "label": true label or None}
confusion_cell(true: int, predicted: int, limit: int = 24) -> {"items": [gallery items]}
mistakes(limit: int = 12) -> {"items": [gallery items, most confident wrong first]}
    both use the predictions of the last evaluate() (run it first).
step(config: dict | None = None) -> one mini-batch of the current run trained and reported per
    layer (see glassbox.inspect_step); starts a run from config only when there is none (call
    start() first for a fresh one). A diverged step carries "error": {"message", "hint"}.
add_example(pixels, width, height, channels, label) -> {"examples": count}
fine_tune(steps: int = 10, lr: float = 0.001) -> {"losses": [...], "examples": count}
clear_examples() -> {"examples": 0}

Code you can read and change (pieces.py, exercises.py; keyword arguments):
code_pieces(activation=None, optimizer=None) -> {"pieces": [pieces.source(...) for each piece],
    "in_use": [piece ids a run with these settings calls]}   the real source, via inspect.
exercises() -> {"exercises": [exercises.describe(...)]}
code_check(piece, code, exercise=None) -> pieces.check's report   never raises for a mistake in
    the student's code: the report carries "error": {"message", "line", "hint"}.
code_use(piece, code, exercise=None) -> {"armed": True, "label", "settings", "piece"} or
    {"armed": False, "error": {"message", "line", "hint"}}   compiles the code and arms it: the
    next start() swaps it into that run only, and reports "custom_code": [labels] next to
    "config"; "settings" are the options the run needs for the code to take part.
code_reset() -> {"restored": True}   disarms, puts the reference back into the current run and
    NumPy's attributes back as they were (student code may have assigned to them).

Matrix engine (the switch that shows what the WebAssembly kernel buys):
backends(measure: bool = False) -> {"active", "available": [names], "kernel_error": str or None,
    "speeds": {name: {"ms_per_batch", "examples_per_s"}} (only with measure; one training batch
    of the current network, or of the default one when there is none)}
use_backend(name: str) -> the same as backends(); takes effect at the next product, even mid-run.
"""

from __future__ import annotations

import itertools
import sys
import time
from typing import Any

import numpy as np

from . import __version__, backend, exercises as _exercises, glassbox, pieces, sandbox, speed
from . import presets as presets_module
from .data import (CLASS_NAMES, FILES, Dataset, check_pair, dataset_from_bytes, parse_idx,
                   to_float)
from .drawing import drawing_to_input
from .errors import (ConfigError, DataError, DivergedError, GlassnetError, ModelError,
                     NotReadyError, StudentCodeError)
from .layers import Sequential, build_mlp
from .losses import softmax
from .modelio import load_model as _load_model
from .modelio import save_model as _save_model
from .presets import PRESETS, make_config
from .shelf import KINDS, Shelf
from .train import Trainer, evaluate as _evaluate


class _Session:
    """What one page holds: its data, its models (the shelf; one is active), the run in progress."""

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


_s = _Session()


def _as_bytes(blob: Any) -> bytes:
    """bytes, memoryview, or a Pyodide JsProxy of a typed array / ArrayBuffer -> bytes."""
    if hasattr(blob, "to_bytes"):
        return blob.to_bytes()
    if hasattr(blob, "to_py"):
        blob = blob.to_py()
    return bytes(blob)


def _plain(value: Any) -> Any:
    """NumPy scalars and arrays -> JSON-able Python values."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and value != value:  # NaN is not JSON
        return None
    return value


def _whole(name: str, value: Any, low: int, high: int) -> int:
    """A whole-number argument from the page, in range, or a ConfigError naming it (never a
    NumPy error deeper down that the page would call a bug)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value \
            or value in (float("inf"), float("-inf")) or int(value) != value:
        raise ConfigError(f"{name} must be a whole number, got {value!r:.40}")
    if not low <= int(value) <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {int(value)}")
    return int(value)


def _positive(name: str, value: Any, high: float) -> float:
    """A finite number in (0, high], or a ConfigError naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= high:
        raise ConfigError(f"{name} must be a number in (0, {high:g}], got {value!r:.40}")
    return float(value)


MAX_SIDE = 4096  # a drawing's width or height in pixels


def _require_data() -> Dataset:
    if _s.data is None:
        raise NotReadyError("no data loaded yet", hint="Load the four Fashion-MNIST .gz files first.")
    return _s.data


def reset() -> dict[str, Any]:
    """Forget the session (data, model, run, examples), as a fresh worker would start."""
    global _s
    _s = _Session()
    return {"reset": True}


def test_labels() -> list[int]:
    """The loaded test set's labels (the glass-box views and tests compare against them)."""
    return _require_data().test_labels.tolist()


def info() -> dict[str, Any]:
    return {"version": __version__, "backend": backend.name(), "platform": sys.platform,
            "has_data": _s.data is not None, "has_model": _s.model is not None,
            "custom_code": list(_s.custom_code)}


def options() -> dict[str, Any]:
    return {**presets_module.schema(), "classes": list(CLASS_NAMES)}


def presets() -> dict[str, Any]:
    return {name: make_config({"preset": name}).to_dict() for name in PRESETS}


def check_config(config: Any = None) -> dict[str, Any]:
    overrides = config.to_py() if hasattr(config, "to_py") else dict(config or {})
    return {"config": make_config(overrides).to_dict()}


def load_data(train_images: Any, train_labels: Any, test_images: Any, test_labels: Any) -> dict[str, Any]:
    blobs = [_as_bytes(b) for b in (train_images, train_labels, test_images, test_labels)]
    _s.data = dataset_from_bytes(*blobs, source="page")
    return {"train": int(len(_s.data.train_labels)), "test": int(len(_s.data.test_labels)),
            "classes": CLASS_NAMES}


def _overrides(config: Any) -> dict[str, Any]:
    return config.to_py() if hasattr(config, "to_py") else dict(config or {})


def _empty_images() -> tuple[np.ndarray, np.ndarray]:
    return np.zeros((0, 28, 28), dtype=np.uint8), np.zeros(0, dtype=np.uint8)


def _summary() -> dict[str, Any]:
    return {"train": int(len(_s.data.train_labels)), "test": int(len(_s.data.test_labels)),
            "classes": CLASS_NAMES}


def load_test_set(test_images: Any, test_labels: Any) -> dict[str, Any]:
    """The test half on its own, so the page is useful before the 26 MB of training images are in.

    Keeps training images already loaded (the halves may arrive in either order)."""
    images, labels = check_pair(parse_idx(_as_bytes(test_images), FILES["test_images"]),
                                parse_idx(_as_bytes(test_labels), FILES["test_labels"]), "test")
    train = (_s.data.train_images, _s.data.train_labels) if _s.data is not None else _empty_images()
    _s.data = Dataset(train[0], train[1], images, labels, "page")
    _s.predictions = _s.probabilities = None
    return _summary()


def load_training_set(train_images: Any, train_labels: Any) -> dict[str, Any]:
    """The training half; keeps the test half already loaded (or none yet)."""
    images, labels = check_pair(parse_idx(_as_bytes(train_images), FILES["train_images"]),
                                parse_idx(_as_bytes(train_labels), FILES["train_labels"]), "training")
    test = (_s.data.test_images, _s.data.test_labels) if _s.data is not None else _empty_images()
    _s.data = Dataset(images, labels, test[0], test[1], "page")
    return _summary()


def _require_training_images() -> Dataset:
    data = _require_data()
    if len(data.train_labels) == 0:
        raise DataError("the training images have not arrived yet",
                        hint="Wait until section 1 says they are in, or pick the four files.")
    return data


def start(config: Any = None, name: str | None = None, kind: str = "run") -> dict[str, Any]:
    """A new network from the settings, trained by run() (kind "run") or by step() ("step").

    It goes onto the shelf as the active model; the previous models stay there.
    """
    _require_training_images()
    if kind not in ("run", "step", "example"):
        raise ConfigError(f"unknown kind of run {kind!r}")
    resolved = make_config(_overrides(config))
    sandbox.restore_modules()  # a run starts with NumPy as it was, whatever earlier code assigned
    # A running accuracy on 1,000 fixed test images about five times an epoch: the accuracy
    # chart moves within seconds, not only after the first whole epoch.
    every = max(20, trainer_steps(resolved) // 5)
    trainer = Trainer(resolved, _s.data, sample_every=every)
    armed, _s.armed = _s.armed, []
    try:
        custom = pieces.apply(trainer, armed)  # students' code, for this run only
    except ConfigError:
        _s.armed = armed  # kept for the next try, with the settings fixed
        raise
    _s.custom_code = custom
    _s.runs += 1
    label = name or f"{'Run' if kind == 'run' else 'Step-through'} {_s.runs} ({resolved.preset})"
    if custom:
        label += " with your code"
    entry = _s.shelf.add(trainer.model, label, kind, resolved.to_dict())
    entry.status = "new"
    _s.trainer, _s.run_id = trainer, entry.id
    _s.events = trainer.events() if kind == "run" else None
    _s.predictions = _s.probabilities = None
    started = {"config": entry.config, "architecture": trainer.model.spec(),
               "parameters": trainer.model.parameter_count(),
               "summary": glassbox.describe(trainer.model) + "".join(f" · with {c}" for c in custom),
               "model": entry.id, "name": entry.name, "custom_code": custom,
               "kind": kind, "steps_per_epoch": trainer.steps_per_epoch,
               "train_images": int(len(_s.data.train_labels))}
    # "A new run started" is an event in the stream the page follows, then the shelf changed.
    _notify({"event": "start", **started})
    _notify_shelf(active_changed=True)
    return started


def trainer_steps(config: Any) -> int:
    """Batches per epoch of a config on the loaded data."""
    return -(-len(_require_data().train_labels) // config.batch_size)


def _notify(event: dict[str, Any]) -> None:
    _s.notices.append(_plain(event))


def _notify_shelf(active_changed: bool) -> None:
    """The page's shelf view and every view that shows the active model follow this event."""
    _s.notices = [n for n in _s.notices if n.get("event") != "shelf" or n.get("active_changed")]
    _notify({"event": "shelf", "active_changed": active_changed, **_s.shelf.to_dict()})


def take_events() -> dict[str, Any]:
    """Events that calls made since the last take (the worker sends them to the page)."""
    events, _s.notices = _s.notices, []
    return {"events": events}


LONG_RUN_S = 300.0  # above this, the page warns before Train (a lesson has minutes, not hours)
ESTIMATE_SECONDS = 0.25  # how long estimate() times training steps
ESTIMATE_MAX_STEPS = 64


def _format_duration(seconds: float) -> str:
    if seconds < 90:
        return f"about {max(1, round(seconds))} s"
    minutes = seconds / 60
    return f"about {round(minutes)} min" if minutes < 90 else f"about {minutes / 60:.1f} hours"


def estimate(config: Any = None) -> dict[str, Any]:
    """How long a run of these settings takes on this device, from a few timed batches.

    Runs training steps for about a quarter of a second as a warm-up, then times them for
    another quarter (at least 3, at most 64 each). Why both: a fast network's step takes a
    millisecond, so three say more about the timer than the device; and right after the page
    starts, the browser still runs NumPy and the kernel through its quick first compilation
    (several times slower) until the optimised one takes over, which the warm-up lets happen.
    Then the forward pass over 1,000 test images, and scales to the run: epochs x (batches +
    evaluating the test set). Nothing is kept.
    """
    data = _require_training_images()  # (without them there is nothing to time)
    resolved = make_config(_overrides(config))
    trainer = Trainer(resolved, data)
    steps = itertools.chain.from_iterable(trainer._epoch_batches() for _ in itertools.count())

    def run_steps() -> tuple[float, int]:
        started, done = time.perf_counter(), 0
        for x, y in steps:
            trainer.train_step(x, y)
            done += 1
            if done >= ESTIMATE_MAX_STEPS or (done >= 3 and time.perf_counter() - started >= ESTIMATE_SECONDS):
                break
        return time.perf_counter() - started, done

    run_steps()  # warm-up
    seconds, timed = run_steps()
    per_batch = seconds / timed
    sample = to_float(data.test_images[:1000])
    started = time.perf_counter()
    trainer.model.forward(sample, training=False)
    per_1000 = time.perf_counter() - started
    per_epoch = trainer.steps_per_epoch * per_batch + per_1000 * (len(data.test_labels) / 1000 + 5)
    total = per_epoch * resolved.epochs
    warning = total > LONG_RUN_S
    text = f"{_format_duration(total)} on this device ({_format_duration(per_epoch)} an epoch)"
    if warning:
        text += ": too long for a lesson; try fewer epochs or a smaller network"
    return {"seconds": total, "per_epoch": per_epoch, "text": text, "warning": warning,
            "epochs": resolved.epochs, "per_batch": per_batch, "timed_batches": timed,
            "per_1000_test_images": per_1000}


def set_loop_running(running: bool) -> dict[str, Any]:
    """The worker says whether its training loop is running (between chunks, calls still come)."""
    _s.loop_running = bool(running)
    return {"running": _s.loop_running}


def _require_not_training(what: str) -> None:
    if _s.loop_running:
        raise ConfigError(f"{what} cannot run while training runs", hint="Pause or stop training first.")


def run(max_seconds: float = 0.2) -> dict[str, Any]:
    if _s.events is None:
        return {"events": [], "finished": True}
    deadline = time.perf_counter() + max_seconds
    events: list[dict[str, Any]] = []
    for event in _s.events:
        events.append(event)
        if event["event"] in ("epoch", "done", "stopped", "error") or time.perf_counter() >= deadline:
            break
    finished = bool(events) and events[-1]["event"] in ("done", "stopped", "error")
    if not events or finished:
        _s.events = None
        finished = True
    _record(events)
    return {"events": _plain(events), "finished": finished}


def _record(events: list[dict[str, Any]]) -> None:
    """A run's shelf entry follows its epochs: test accuracy and status."""
    try:
        entry = _s.shelf.get(_s.run_id) if _s.run_id else None
    except GlassnetError:
        entry = None
    changed = False
    for event in events:
        kind = event["event"]
        if entry is None:
            break
        if kind == "batch" and entry.status != "training":
            entry.status, changed = "training", True
        elif kind in ("epoch", "done", "stopped", "error"):
            if event.get("test_accuracy") is not None:
                entry.test_accuracy = float(event["test_accuracy"])
            if kind != "epoch":
                entry.status = kind
            changed = True
    if changed:
        _notify_shelf(active_changed=False)


def stop() -> dict[str, Any]:
    if _s.trainer is None or _s.events is None:
        return {"events": []}
    _s.trainer.request_stop()
    events = [e for e in _s.events if e["event"] != "batch"]
    _s.events = None
    _record(events)
    return {"events": _plain(events)}


def set_learning_rate(lr: Any) -> dict[str, Any]:
    if _s.trainer is None:
        raise NotReadyError("no training run to change", hint="Press Train first.")
    value = presets_module.check_value("lr", lr)
    try:
        _s.trainer.set_learning_rate(value)
    except ValueError as err:
        raise ConfigError(str(err), hint="Use a positive number such as 0.001.") from None
    return {"lr": _s.trainer.base_lr}


def _require_model() -> Sequential:
    if _s.model is None:
        raise ModelError("no model yet", hint="Train one, or load a saved .npz model.")
    return _s.model


def predict_drawing(pixels: Any, width: int, height: int, channels: int = 4) -> dict[str, Any]:
    model = _require_model()
    x = _drawing_input(pixels, width, height, channels)
    probs = softmax(model.forward(x[None, :], training=False))[0]
    top = int(np.argmax(probs))
    return {"probabilities": _plain(probs.astype(float)), "top": top, "label": CLASS_NAMES[top],
            "input": _plain(np.round(x, 4).astype(float))}


def gallery(count: int = 12, seed: int = 0) -> dict[str, Any]:
    labels = _require_data().test_labels
    model = _require_model()
    count, seed = _whole("count", count, 0, 1000), _whole("seed", seed, 0, 2 ** 32 - 1)
    rng = np.random.default_rng(seed)
    index = rng.choice(len(labels), size=min(count, len(labels)), replace=False)
    return {"items": _items(model, index)}


def _items(model: Sequential, index: np.ndarray) -> list[dict[str, Any]]:
    """Test images with the model's prediction, as the gallery and mistake views show them."""
    if len(index) == 0:
        return []
    x = _s.data.test_images[index].reshape(len(index), -1)
    probs = softmax(model.forward(to_float(x), training=False))
    return [{"index": int(i), "image": x[k].tolist(), "label": int(_s.data.test_labels[i]),
             "prediction": int(np.argmax(probs[k])), "confidence": float(probs[k].max())}
            for k, i in enumerate(index)]


def evaluate() -> dict[str, Any]:
    data = _require_data()
    result = _evaluate(_require_model(), data.test_images, data.test_labels,
                       keep_probabilities=True)
    _s.predictions, _s.probabilities = result["predictions"], result["probabilities"]
    entry = _s.shelf.current()
    if entry is not None and not (entry.id == _s.run_id and _s.events is not None):
        entry.test_accuracy = float(result["accuracy"])  # the shelf shows what was measured
        _notify_shelf(active_changed=False)
    return _plain({"test_loss": result["loss"], "test_accuracy": result["accuracy"],
                   "per_class_accuracy": result["per_class_accuracy"],
                   "confusion": result["confusion"]})


def save_model() -> bytes:
    """The active model as the CLI's --save writes it, with its test accuracy when measured."""
    model = _require_model()
    entry = _s.shelf.current()
    return _save_model(model, _s.config, entry.test_accuracy if entry is not None else None)


def load_model(data: Any, name: str = "the model file", kind: str = "file") -> dict[str, Any]:
    """A saved model onto the shelf, as the active one (kind "pretrained" for the site's own)."""
    if kind not in ("file", "pretrained"):
        raise ConfigError(f"unknown kind of model file {kind!r}")
    model, meta = _load_model(_as_bytes(data), name)
    entry = _s.shelf.add(model, str(name), kind, meta.get("config", {}), meta.get("test_accuracy"))
    _s.predictions = _s.probabilities = None
    _s.custom_code = []
    _notify_shelf(active_changed=True)
    return _plain({"architecture": model.spec(), "config": entry.config, "model": entry.id,
                   "parameters": model.parameter_count(), "summary": glassbox.describe(model)})


def shelf() -> dict[str, Any]:
    """Every model of the session: {"models": [{id, name, kind, summary, test_accuracy, parent,
    status, active, flags}], "active": id, "limit": how many are kept, "dropped": how many went}."""
    return _plain(_s.shelf.to_dict())


def select_model(model: str) -> dict[str, Any]:
    """Makes a shelf model the active one for every view (not while a run is in progress)."""
    if _s.events is not None:
        raise ConfigError("the models cannot be switched during a training run",
                          hint="Stop the run first (it stays on the shelf).")
    entry = _s.shelf.select(str(model))
    _s.predictions = _s.probabilities = None
    _notify_shelf(active_changed=True)
    return _plain(entry.to_dict(_s.shelf.active))


def undo() -> dict[str, Any]:
    """Back to the model a fine-tune started from (the fine-tuned one is removed)."""
    if _s.events is not None:
        raise ConfigError("undo cannot run during a training run", hint="Stop the run first.")
    entry = _s.shelf.undo()
    _s.predictions = _s.probabilities = None
    _notify_shelf(active_changed=True)
    return _plain(entry.to_dict(_s.shelf.active))


def label_model(model: str, **flags: Any) -> dict[str, Any]:
    """Attaches labels to a shelf model (e.g. {"student_code": true}); they show in shelf()."""
    entry = _s.shelf.get(str(model))
    entry.flags.update({str(k): _plain(v) for k, v in flags.items()})
    _notify_shelf(active_changed=False)
    return _plain(entry.to_dict(_s.shelf.active))


def model_file(model: str) -> bytes:
    """One shelf model as .npz bytes, with its config and test accuracy. The page keeps a copy of
    every finished model, so a Python that had to be restarted (stuck student code, a crash) gets
    the whole shelf back instead of losing the session's models."""
    entry = _s.shelf.get(str(model))
    if _s.events is not None and entry.id == _s.run_id:
        raise ConfigError("a model still in training cannot be copied", hint="Wait for the run to end.")
    if not all(np.all(np.isfinite(a)) for layer in entry.model.layers for a in layer.arrays().values()):
        # No model file may carry NaN (loading refuses it): mark it on the shelf, say why.
        if not entry.flags.get("diverged"):
            entry.flags["diverged"] = True
            _notify_shelf(active_changed=False)
        raise ModelError("its weights hold NaN or infinite values (the training diverged)",
                         hint="Train it again with a smaller learning rate or corrected code.")
    return _save_model(entry.model, entry.config, entry.test_accuracy)


def restore_model(data: Any, name: str, kind: str, status: str = "", parent: str | None = None,
                  replace: bool = False) -> dict[str, Any]:
    """Puts a model copied with model_file() back on the shelf under its old name and kind (not
    active). ``replace`` starts from an empty shelf (the first of a restored list); ``parent`` is
    the new id of the model a fine-tune came from, so undo still works."""
    if _s.events is not None:
        raise ConfigError("models cannot be restored during a training run", hint="Stop the run first.")
    if kind not in KINDS:
        raise ConfigError(f"unknown kind of model {kind!r}")
    model, meta = _load_model(_as_bytes(data), str(name))
    if replace:
        _s.shelf = Shelf()
        _s.predictions = _s.probabilities = None
    parent_id = None
    if parent is not None and any(e.id == str(parent) for e in _s.shelf.entries):
        parent_id = str(parent)
    entry = _s.shelf.add(model, str(name), kind, meta.get("config", {}), meta.get("test_accuracy"),
                         parent=parent_id, activate=False)
    entry.status = str(status or "")
    _notify_shelf(active_changed=replace)
    return _plain(entry.to_dict(_s.shelf.active))


def weights(limit: int = 64) -> dict[str, Any]:
    view = glassbox.first_layer_weights(_require_model(), _whole("limit", limit, 0, 4096))
    view["weights"] = np.round(view["weights"], 5).tolist()
    return view


def _drawing_input(pixels: Any, width: int, height: int, channels: int) -> np.ndarray:
    width, height = _whole("width", width, 1, MAX_SIDE), _whole("height", height, 1, MAX_SIDE)
    channels = _whole("channels", channels, 1, 4)
    if channels == 2:
        raise ConfigError("channels must be 1 (gray), 3 (RGB) or 4 (RGBA), got 2")
    raw = np.frombuffer(_as_bytes(pixels), dtype=np.uint8)
    if raw.size != width * height * channels:
        raise ConfigError(f"expected {width}x{height}x{channels} pixels, got {raw.size} values")
    image = raw.reshape(height, width, channels) if channels > 1 else raw.reshape(height, width)
    return drawing_to_input(image)


def inspect_input(pixels: Any = None, width: int = 0, height: int = 0, channels: int = 4,
                  test_index: int | None = None, target: int | None = None) -> dict[str, Any]:
    model = _require_model()
    label = None
    if test_index is not None:
        _require_data()
        if isinstance(test_index, bool) or not isinstance(test_index, (int, float)) \
                or test_index != test_index or not 0 <= test_index < len(_s.data.test_labels) \
                or int(test_index) != test_index:
            raise ConfigError(f"test image {test_index} does not exist")
        x = to_float(_s.data.test_images[int(test_index)][None])[0]
        label = int(_s.data.test_labels[int(test_index)])
    else:
        x = _drawing_input(pixels, width, height, channels)
    if target is not None:
        target = _whole("target", target, 0, len(CLASS_NAMES) - 1)
    layers = glassbox.activations(model, x)
    probs = softmax(layers[-1]["values"][None, :])[0]
    grad, chosen = glassbox.saliency(model, x, target)
    return _plain({"input": np.round(x, 4), "probabilities": probs, "top": int(np.argmax(probs)),
                   "target": chosen, "saliency": grad, "activations": layers, "label": label})


def _require_predictions() -> np.ndarray:
    if _s.predictions is None or _s.data is None or len(_s.predictions) != len(_s.data.test_labels):
        raise NotReadyError("no evaluation yet", hint="Evaluate the model on the test set first.")
    return _s.predictions


def confusion_cell(true: int, predicted: int, limit: int = 24) -> dict[str, Any]:
    top = len(CLASS_NAMES) - 1
    index = glassbox.cell_examples(_require_predictions(), _s.data.test_labels,
                                   _whole("true", true, 0, top), _whole("predicted", predicted, 0, top),
                                   _whole("limit", limit, 0, 1000))
    return {"items": _items(_require_model(), index)}


def mistakes(limit: int = 12) -> dict[str, Any]:
    _require_predictions()
    index = glassbox.mistakes(_s.probabilities, _s.data.test_labels, _whole("limit", limit, 0, 1000))
    return {"items": _items(_require_model(), index)}


def step(config: Any = None) -> dict[str, Any]:
    """One mini-batch of the active run. When the active model is not a run's (the pretrained
    one, a loaded file, a fine-tune), a new step-through network is started from the settings,
    and the active model stays on the shelf."""
    _require_not_training("Step")
    if _s.trainer is None or _s.run_id != _s.shelf.active:
        start(config, kind="step")
    trainer = _s.trainer
    x, y = trainer.next_batch()
    with np.errstate(over="ignore", invalid="ignore"):
        report = glassbox.inspect_step(trainer, x, y)
    if not np.isfinite(report["loss"]):
        err = DivergedError.at(report["loss"], None, trainer.step + 1, trainer.optimizer.lr)
        report["error"] = {"message": str(err), "hint": err.browser_hint}
    return _plain(report)


def add_example(pixels: Any, width: int, height: int, channels: int, label: int) -> dict[str, Any]:
    if isinstance(label, bool) or not isinstance(label, (int, float)) or label != label \
            or not 0 <= label < len(CLASS_NAMES) or int(label) != label:
        raise ConfigError(f"label {label} is not a class (0-9)")
    x = _drawing_input(pixels, width, height, channels)
    if not x.any():
        raise ConfigError("the drawing is empty", hint="Draw something first.")
    _s.examples.append(x)
    _s.example_labels.append(int(label))
    return {"examples": len(_s.examples)}


def fine_tune(steps: int = 10, lr: float = 0.001) -> dict[str, Any]:
    _require_not_training("Fine-tuning")
    _require_model()
    if not _s.examples:
        raise NotReadyError("no examples to learn from", hint="Draw one and add it with a label.")
    if _s.events is not None:
        raise ConfigError("fine-tuning cannot run during a training run",
                          hint="Stop the run first (it stays on the shelf).")
    base = _s.shelf.current()
    name = base.name if base.kind == "fine-tune" else f"{base.name}, fine-tuned"
    # The fine-tune works on a copy: the model before it stays on the shelf, for undo.
    entry = _s.shelf.fork(name, "fine-tune")
    entry.test_accuracy = None  # not measured yet
    has_train = _s.data is not None and len(_s.data.train_labels) > 0
    replay = (_s.data.train_images, _s.data.train_labels) if has_train else None
    losses = glassbox.fine_tune(entry.model, np.stack(_s.examples), np.array(_s.example_labels),
                                _whole("steps", steps, 1, 1000), _positive("lr", lr, 10.0),
                                replay)
    _s.predictions = _s.probabilities = None
    _notify_shelf(active_changed=True)
    return _plain({"losses": losses, "examples": len(_s.examples), "model": entry.id,
                   "undo_to": entry.parent})


def clear_examples() -> dict[str, Any]:
    _s.examples, _s.example_labels = [], []
    return {"examples": 0}


def code_pieces(activation: str | None = None, optimizer: str | None = None) -> dict[str, Any]:
    activation = activation or _s.config.get("activation") or "relu"
    optimizer = optimizer or _s.config.get("optimizer") or "adam"
    return {"pieces": [pieces.source(pid) for pid in pieces.PIECES],
            "in_use": pieces.pieces_in_use(str(activation), str(optimizer))}


def exercises() -> dict[str, Any]:
    return {"exercises": [_exercises.describe(e) for e in _exercises.EXERCISES.values()]}


def code_check(piece: str = "", code: str = "", exercise: str | None = None) -> dict[str, Any]:
    if exercise:
        return _plain(_exercises.check_exercise(str(exercise), str(code)))
    return _plain(pieces.check(str(piece), str(code)))


def code_use(piece: str = "", code: str = "", exercise: str | None = None) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    required: tuple[str, ...] = ()
    if exercise:
        ex = _exercises.get_exercise(str(exercise))
        piece, required, settings = ex.piece, ex.required, dict(ex.settings)
    try:
        version = pieces.compile_version(str(piece), str(code), required)
    except StudentCodeError as err:
        return {"armed": False, "error": {"message": err.args[0], "line": err.line, "hint": err.hint}}
    if not settings:
        settings = {k: v[0] for k, v in version.piece.settings.items()}
    _s.armed = [v for v in _s.armed if v.piece.id != version.piece.id] + [version]
    return {"armed": True, "label": version.label, "settings": settings, "piece": version.piece.id}


def code_reset() -> dict[str, Any]:
    _s.armed = []
    pieces.restore(_s.trainer, _s.model)
    sandbox.restore_modules()  # whatever students' code assigned to NumPy is undone too
    _s.custom_code = []
    return {"restored": True}


# ---------------------------------------------------------------- matrix engine


def backends(measure: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"active": backend.name(), "available": backend.available(),
                           "kernel_error": backend.kernel_error}
    if measure:
        model = _s.trainer.model if _s.trainer is not None else _s.model
        out["network"] = "current" if model is not None else "default 784-128-10"
        out["speeds"] = _plain(speed.compare(model if model is not None else build_mlp([128])))
    return out


def use_backend(name: str) -> dict[str, Any]:
    try:
        backend.use(str(name))
    except ValueError as exc:
        raise ConfigError(str(exc), hint="Pick one of the engines listed.") from None
    return backends()
