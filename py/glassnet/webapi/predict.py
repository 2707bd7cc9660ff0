"""The active model's answers: a drawing's guess, test images with their predictions, the
test-set evaluation that the mistake views read."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..data import CLASS_NAMES, to_float
from ..layers import Sequential
from ..losses import softmax
from ..train import evaluate as _evaluate
from . import session
from .args import drawing_input, plain, whole


def predict_drawing(pixels: Any, width: int, height: int, channels: int = 4) -> dict[str, Any]:
    """pixels: row-major RGBA (channels=4, as from canvas getImageData) or gray (channels=1).
    -> {"probabilities": [a float per class], "top": int, "label": class name,
    "input": [the model's input, floats 0..1]}. NotReadyError without a model."""
    model = session.require_model()
    x = drawing_input(pixels, width, height, channels)
    probs = softmax(model.forward(x[None, :], training=False))[0]
    top = int(np.argmax(probs))
    return {"probabilities": plain(probs.astype(float)), "top": top, "label": CLASS_NAMES[top],
            "input": plain(np.round(x, 4).astype(float))}


def items(model: Sequential, index: np.ndarray) -> list[dict[str, Any]]:
    """Test images with the model's prediction, as the gallery and mistake views show them."""
    if len(index) == 0:
        return []
    data = session.get().data
    x = data.test_images[index].reshape(len(index), -1)
    probs = softmax(model.forward(to_float(x), training=False))
    return [{"index": int(i), "image": x[k].tolist(), "label": int(data.test_labels[i]),
             "prediction": int(np.argmax(probs[k])), "confidence": float(probs[k].max())}
            for k, i in enumerate(index)]


def gallery(count: int = 12, seed: int = 0) -> dict[str, Any]:
    """Random test images. -> {"items": [{"index", "image": [pixels 0..255], "label": int,
    "prediction": int, "confidence": float}]}"""
    labels = session.require_data().test_labels
    model = session.require_model()
    count, seed = whole("count", count, 0, 1000), whole("seed", seed, 0, 2 ** 32 - 1)
    rng = np.random.default_rng(seed)
    index = rng.choice(len(labels), size=min(count, len(labels)), replace=False)
    return {"items": items(model, index)}


def evaluate() -> dict[str, Any]:
    """The active model on the test set; keeps its predictions for confusion_cell() and
    mistakes(). -> {"test_loss", "test_accuracy", "per_class_accuracy": [a float per class],
    "confusion": classes x classes ints}"""
    s = session.get()
    data = session.require_data()
    result = _evaluate(session.require_model(), data.test_images, data.test_labels,
                       keep_probabilities=True)
    s.predictions, s.probabilities = result["predictions"], result["probabilities"]
    entry = s.shelf.current()
    if entry is not None and not (entry.id == s.run_id and s.events is not None):
        entry.test_accuracy = float(result["accuracy"])  # the shelf shows what was measured
        session.notify_shelf(active_changed=False)
    return plain({"test_loss": result["loss"], "test_accuracy": result["accuracy"],
                  "per_class_accuracy": result["per_class_accuracy"],
                  "confusion": result["confusion"]})
