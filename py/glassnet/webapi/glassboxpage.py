"""The "see inside" views' numbers (all computed in glassbox.py, none in JS): weights, one
input layer by layer, the mistakes of the last evaluation, one training step at a time."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import glassbox
from ..data import CLASS_NAMES, to_float
from ..errors import ConfigError, DivergedError
from ..losses import softmax
from . import session
from .args import drawing_input, plain, whole
from .predict import items
from .runs import start


def weights(limit: int = 64) -> dict[str, Any]:
    """-> {"units", "shown", "scale", "weights": shown x inputs floats}"""
    view = glassbox.first_layer_weights(session.require_model(), whole("limit", limit, 0, 4096))
    view["weights"] = np.round(view["weights"], 5).tolist()
    return view


def inspect_input(pixels: Any = None, width: int = 0, height: int = 0, channels: int = 4,
                  test_index: int | None = None, target: int | None = None) -> dict[str, Any]:
    """A drawing or a test image through the active model, layer by layer.
    -> {"input": [inputs], "probabilities": [a float per class], "top", "target",
    "saliency": [inputs], "activations": [{"index", "type", "values": [...]}],
    "label": true label or None}"""
    s = session.get()
    model = session.require_model()
    label = None
    if test_index is not None:
        session.require_data()
        if isinstance(test_index, bool) or not isinstance(test_index, (int, float)) \
                or test_index != test_index or not 0 <= test_index < len(s.data.test_labels) \
                or int(test_index) != test_index:
            raise ConfigError(f"test image {test_index} does not exist")
        x = to_float(s.data.test_images[int(test_index)][None])[0]
        label = int(s.data.test_labels[int(test_index)])
    else:
        x = drawing_input(pixels, width, height, channels)
    if target is not None:
        target = whole("target", target, 0, len(CLASS_NAMES) - 1)
    layers = glassbox.activations(model, x)
    probs = softmax(layers[-1]["values"][None, :])[0]
    grad, chosen = glassbox.saliency(model, x, target)
    return plain({"input": np.round(x, 4), "probabilities": probs, "top": int(np.argmax(probs)),
                  "target": chosen, "saliency": grad, "activations": layers, "label": label})


def confusion_cell(true: int, predicted: int, limit: int = 24) -> dict[str, Any]:
    """Test images of one cell of the last evaluate()'s confusion matrix.
    -> {"items": [gallery items]}"""
    top = len(CLASS_NAMES) - 1
    index = glassbox.cell_examples(session.require_predictions(), session.get().data.test_labels,
                                   whole("true", true, 0, top), whole("predicted", predicted, 0, top),
                                   whole("limit", limit, 0, 1000))
    return {"items": items(session.require_model(), index)}


def mistakes(limit: int = 12) -> dict[str, Any]:
    """The last evaluate()'s most confident mistakes. -> {"items": [gallery items]}"""
    session.require_predictions()
    s = session.get()
    index = glassbox.mistakes(s.probabilities, s.data.test_labels, whole("limit", limit, 0, 1000))
    return {"items": items(session.require_model(), index)}


def step(config: Any = None) -> dict[str, Any]:
    """One mini-batch of the active run, trained and reported per layer (glassbox.inspect_step).
    When the active model is not a run's (the pretrained one, a loaded file, a fine-tune), a new
    step-through network is started from the settings, and the active model stays on the shelf.
    -> {"step", "loss", "lr", "batch_size", "batch_accuracy", "probabilities", "label",
    "layers": [{"index", "type", "output_mean", "output_std", "output_zero_fraction",
    "params": [{"name", "shape", "norm", "grad_norm", "update_norm", "update_ratio", "health"}]}],
    "verdict", "thresholds"}; a diverged step carries "error": {"message", "hint"}."""
    session.require_not_training("Step")
    s = session.get()
    if s.trainer is None or s.run_id != s.shelf.active:
        start(config, kind="step")
    trainer = s.trainer
    x, y = trainer.next_batch()
    with np.errstate(over="ignore", invalid="ignore"):
        report = glassbox.inspect_step(trainer, x, y)
    if not np.isfinite(report["loss"]):
        err = DivergedError.at(report["loss"], None, trainer.step + 1, trainer.optimizer.lr)
        report["error"] = {"message": str(err), "hint": err.browser_hint}
    return plain(report)
