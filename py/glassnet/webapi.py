"""The facade the browser worker calls: bytes in, JSON-able dicts out.

CONTRACT (the worker depends on exactly this; keep it stable):

All functions are module-level and keep one session (data, model, trainer) in module state, because
a worker hosts one page. Every function returns a plain dict of str/int/float/bool/list/None (call
``.toJs({dict_converter: Object.fromEntries})`` on the PyProxy), except ``save_model`` which returns
``bytes``. Byte arguments may be ``bytes``, ``memoryview`` or a Pyodide ``JsProxy`` of a Uint8Array
or ArrayBuffer. Errors raise ``glassnet.errors.GlassnetError`` subclasses whose ``str()`` is a
message for people and whose ``.hint`` says what to do; anything else is a bug.

info() -> {"version", "backend", "platform", "has_data", "has_model"}
options() -> {"options": [option dicts], "presets": {name: {"help", "values": full config}},
    "default_preset": name, "classes": [10 names]}   the one option schema (presets.schema()):
    the page builds its form, validation, share links and run records from it, once at start-up.
    An option dict: name, label, kind (int|float|bool|choice|layers), help, default, low, high,
    low_open, high_open, range (in words), basic, step, choices [{value, title}], max_items.
presets() -> {"seed": {...}, "default": {...}, ...}   full config dicts (the schema's values)
check_config(config: dict) -> {"config": resolved} or raises ConfigError; ``.option`` on the
    error names the field at fault (the worker passes it on as ``option``).
load_data(train_images, train_labels, test_images, test_labels) -> {"train": int, "test": int,
    "classes": [10 names]}   gzip or raw idx bytes; raises DataError naming the bad file.
start(config: dict) -> {"config": resolved, "architecture": [layer specs], "parameters": int}
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
    Uses the model in training if any, else the loaded model. Raises ModelError if none.
gallery(count: int = 12, seed: int = 0) -> {"items": [{"index", "image": [784 ints 0..255],
    "label": int, "prediction": int, "confidence": float}]}   random test images.
evaluate() -> {"test_loss", "test_accuracy", "per_class_accuracy": [10], "confusion": 10x10 ints}
save_model() -> bytes   the .npz of the CLI's --save.
load_model(data) -> {"architecture": [...], "config": {...}, "parameters": int}

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
"""

from __future__ import annotations

import sys
import time
from typing import Any

import numpy as np

from . import __version__, backend, glassbox
from . import presets as presets_module
from .data import CLASS_NAMES, Dataset, dataset_from_bytes, to_float
from .drawing import drawing_to_input
from .errors import ConfigError, DataError, ModelFileError
from .layers import Sequential
from .losses import softmax
from .modelio import load_model as _load_model
from .modelio import save_model as _save_model
from .presets import PRESETS, make_config
from .train import Trainer, evaluate as _evaluate


class _Session:
    """What one page holds: its data, the model it shows, and the run in progress."""

    def __init__(self) -> None:
        self.data: Dataset | None = None
        self.model: Sequential | None = None
        self.config: dict[str, Any] = {}
        self.trainer: Trainer | None = None
        self.events: Any = None
        self.predictions: np.ndarray | None = None  # of the last evaluate(), for the mistake views
        self.probabilities: np.ndarray | None = None
        self.examples: list[np.ndarray] = []  # the user's own drawings, as model inputs
        self.example_labels: list[int] = []
        self.loop_running = False  # the worker's training loop is calling run() right now
        self.pending: list[dict[str, Any]] = []  # events run() sends before the Trainer's


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


def _require_data() -> Dataset:
    if _s.data is None:
        raise DataError("no data loaded yet", hint="Load the four Fashion-MNIST .gz files first.")
    return _s.data


def info() -> dict[str, Any]:
    return {"version": __version__, "backend": backend.name(), "platform": sys.platform,
            "has_data": _s.data is not None, "has_model": _s.model is not None}


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


def start(config: Any = None) -> dict[str, Any]:
    _require_data()
    resolved = make_config(_overrides(config))
    _s.trainer = Trainer(resolved, _s.data)
    _s.events = _s.trainer.events()
    _s.model = _s.trainer.model
    _s.config = resolved.to_dict()
    started = {"config": _s.config, "architecture": _s.model.spec(),
               "parameters": _s.model.parameter_count(),
               "summary": glassbox.describe(_s.model),
               "steps_per_epoch": _s.trainer.steps_per_epoch,
               "train_images": int(len(_s.data.train_labels))}
    # "A new run started" is an event, first in the stream the page follows.
    _s.pending = [{"event": "start", **started}]
    return started


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
    events: list[dict[str, Any]] = _s.pending
    _s.pending = []
    for event in _s.events:
        events.append(event)
        if event["event"] in ("epoch", "done", "stopped", "error") or time.perf_counter() >= deadline:
            break
    finished = bool(events) and events[-1]["event"] in ("done", "stopped", "error")
    if not events or finished:
        _s.events = None
        finished = True
    return {"events": _plain(events), "finished": finished}


def stop() -> dict[str, Any]:
    if _s.trainer is None or _s.events is None:
        return {"events": []}
    _s.trainer.request_stop()
    events = [e for e in _s.events if e["event"] != "batch"]
    _s.events = None
    return {"events": _plain(events)}


def set_learning_rate(lr: Any) -> dict[str, Any]:
    if _s.trainer is None:
        raise ConfigError("no training run to change", hint="Press Train first.")
    value = presets_module.check_value("lr", lr)
    try:
        _s.trainer.set_learning_rate(value)
    except ValueError as err:
        raise ConfigError(str(err), hint="Use a positive number such as 0.001.") from None
    return {"lr": _s.trainer.base_lr}


def _require_model() -> Sequential:
    if _s.model is None:
        raise ModelFileError("no model yet", hint="Train one, or load a saved .npz model.")
    return _s.model


def predict_drawing(pixels: Any, width: int, height: int, channels: int = 4) -> dict[str, Any]:
    model = _require_model()
    x = _drawing_input(pixels, int(width), int(height), int(channels))
    probs = softmax(model.forward(x[None, :], training=False))[0]
    top = int(np.argmax(probs))
    return {"probabilities": _plain(probs.astype(float)), "top": top, "label": CLASS_NAMES[top],
            "input": _plain(np.round(x, 4).astype(float))}


def gallery(count: int = 12, seed: int = 0) -> dict[str, Any]:
    labels = _require_data().test_labels
    model = _require_model()
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
    return _plain({"test_loss": result["loss"], "test_accuracy": result["accuracy"],
                   "per_class_accuracy": result["per_class_accuracy"],
                   "confusion": result["confusion"]})


def save_model() -> bytes:
    return _save_model(_require_model(), _s.config)


def load_model(data: Any) -> dict[str, Any]:
    model, meta = _load_model(_as_bytes(data), "the model file")
    _s.model, _s.config = model, meta.get("config", {})
    _s.trainer, _s.events = None, None
    return _plain({"architecture": model.spec(), "config": _s.config,
                   "parameters": model.parameter_count(), "summary": glassbox.describe(model)})


def weights(limit: int = 64) -> dict[str, Any]:
    view = glassbox.first_layer_weights(_require_model(), int(limit))
    view["weights"] = np.round(view["weights"], 5).tolist()
    return view


def _drawing_input(pixels: Any, width: int, height: int, channels: int) -> np.ndarray:
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
        if not 0 <= int(test_index) < len(_s.data.test_labels):
            raise ConfigError(f"test image {test_index} does not exist")
        x = to_float(_s.data.test_images[int(test_index)][None])[0]
        label = int(_s.data.test_labels[int(test_index)])
    else:
        x = _drawing_input(pixels, int(width), int(height), int(channels))
    layers = glassbox.activations(model, x)
    probs = softmax(layers[-1]["values"][None, :])[0]
    grad, chosen = glassbox.saliency(model, x, target)
    return _plain({"input": np.round(x, 4), "probabilities": probs, "top": int(np.argmax(probs)),
                   "target": chosen, "saliency": grad, "activations": layers, "label": label})


def _require_predictions() -> np.ndarray:
    if _s.predictions is None or _s.data is None or len(_s.predictions) != len(_s.data.test_labels):
        raise ConfigError("no evaluation yet", hint="Evaluate the model on the test set first.")
    return _s.predictions


def confusion_cell(true: int, predicted: int, limit: int = 24) -> dict[str, Any]:
    index = glassbox.cell_examples(_require_predictions(), _s.data.test_labels, int(true),
                                   int(predicted), int(limit))
    return {"items": _items(_require_model(), index)}


def mistakes(limit: int = 12) -> dict[str, Any]:
    _require_predictions()
    index = glassbox.mistakes(_s.probabilities, _s.data.test_labels, int(limit))
    return {"items": _items(_require_model(), index)}


def step(config: Any = None) -> dict[str, Any]:
    _require_not_training("Step")
    if _s.trainer is None:
        start(config)
    trainer = _s.trainer
    x, y = trainer.next_batch()
    with np.errstate(over="ignore", invalid="ignore"):
        report = glassbox.inspect_step(trainer, x, y)
    if not np.isfinite(report["loss"]):
        report["error"] = {"message": f"the loss became {report['loss']} at step {trainer.step + 1}",
                           "hint": "Lower the learning rate, or press Reset."}
    return _plain(report)


def add_example(pixels: Any, width: int, height: int, channels: int, label: int) -> dict[str, Any]:
    if not 0 <= int(label) < len(CLASS_NAMES):
        raise ConfigError(f"label {label} is not a class (0-9)")
    x = _drawing_input(pixels, int(width), int(height), int(channels))
    if not x.any():
        raise ConfigError("the drawing is empty", hint="Draw something first.")
    _s.examples.append(x)
    _s.example_labels.append(int(label))
    return {"examples": len(_s.examples)}


def fine_tune(steps: int = 10, lr: float = 0.001) -> dict[str, Any]:
    _require_not_training("Fine-tuning")
    model = _require_model()
    if not _s.examples:
        raise ConfigError("no examples to learn from", hint="Draw one and add it with a label.")
    replay = (_s.data.train_images, _s.data.train_labels) if _s.data is not None else None
    losses = glassbox.fine_tune(model, np.stack(_s.examples), np.array(_s.example_labels),
                                int(steps), float(lr), replay)
    return _plain({"losses": losses, "examples": len(_s.examples)})


def clear_examples() -> dict[str, Any]:
    _s.examples, _s.example_labels = [], []
    return {"examples": 0}
