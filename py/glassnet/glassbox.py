"""What the glass-box views show, computed by the same code that trains: weights as pictures,
activations, saliency, mistakes, one inspected mini-batch at a time, and fine-tuning on drawings.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .data import to_float
from .layers import Dense, Sequential
from .losses import softmax, softmax_cross_entropy
from .optim import Adam


def first_layer_weights(model: Sequential, limit: int = 64) -> dict[str, Any]:
    """Each first-layer unit's 784 incoming weights, as (units, 784), and their colour scales.

    ``scale`` is one symmetric scale for all units (pictures comparable: a faint unit really has
    small weights); ``scales`` has one per unit (each picture uses its full colour range, so the
    shapes show even in units with small weights; the page's default).
    """
    dense = next(layer for layer in model.layers if isinstance(layer, Dense))
    weights = dense.W[:, :limit].T
    scales = np.abs(weights).max(axis=1) if weights.size else np.zeros(0)
    return {"units": int(dense.outputs), "shown": int(weights.shape[0]),
            "scale": float(scales.max()) if scales.size else 0.0,
            "scales": [float(v) for v in scales], "weights": weights}


def activations(model: Sequential, x: np.ndarray) -> list[dict[str, Any]]:
    """Every layer's output for one input row (evaluation mode), with the layer it came from."""
    outs = model.forward_all(x.reshape(1, -1).astype(np.float32), training=False)
    return [{"index": i, "type": layer.kind, "values": out[0]}
            for i, (layer, out) in enumerate(zip(model.layers, outs))]


def saliency(model: Sequential, x: np.ndarray, target: int | None = None) -> tuple[np.ndarray, int]:
    """Gradient of one class's score (its logit) with respect to the input pixels.

    Large magnitudes mark the pixels whose change would move that score most. The class defaults
    to the predicted one. Parameter gradients are overwritten, which is harmless between steps.
    """
    row = x.reshape(1, -1).astype(np.float32)
    logits = model.forward(row, training=False)
    target = int(np.argmax(logits[0])) if target is None else int(target)
    seed = np.zeros_like(logits)
    seed[0, target] = 1.0
    return model.backward(seed, need_input_grad=True)[0], target


def mistakes(probabilities: np.ndarray, labels: np.ndarray, limit: int = 12) -> np.ndarray:
    """Indices of wrong predictions, most confident first."""
    predictions = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predictions != labels)
    confidence = probabilities[wrong, predictions[wrong]]
    return wrong[np.argsort(-confidence, kind="stable")][:limit]


def cell_examples(predictions: np.ndarray, labels: np.ndarray, true: int, predicted: int,
                  limit: int = 24) -> np.ndarray:
    """Indices of test images in one confusion-matrix cell (true class row, predicted column)."""
    return np.flatnonzero((labels == true) & (predictions == predicted))[:limit]


# Update ratio ||delta w|| / ||w|| per step: below STALLED the layer has stopped learning, above
# UNSTABLE it jumps around; in between it is healthy (about 1e-3 is typical).
STALLED, UNSTABLE = 1e-5, 1e-1


def health(update_ratio: float | None) -> str:
    """A layer's update ratio in a word: stalled, healthy or unstable ('' when unknown)."""
    if update_ratio is None or not math.isfinite(update_ratio):
        return ""
    return "stalled" if update_ratio < STALLED else "unstable" if update_ratio > UNSTABLE else "healthy"


def gradient_verdict(layers: list[dict[str, Any]], lr: float) -> str:
    """One sentence comparing the first and last weight gradients, for a student to read."""
    if lr == 0:
        return ("The learning rate is 0: this run's schedule has ended, so a step changes nothing. "
                'Press "New run from the settings" to step through a fresh network.')
    grads = [p["grad_norm"] for layer in layers for p in layer["params"] if p["name"] == "W"]
    if len(grads) < 2 or not grads[0] > 0 or not grads[-1] > 0:
        return ""
    ratio = grads[-1] / grads[0]
    def words(v: float) -> str:
        return f"{float(f'{v:.2g}'):,g}"
    if ratio > 100:
        return (f"The first layer's gradient is {words(ratio)} times smaller than the last layer's: "
                "the learning signal fades on its way back (vanishing gradients), so the first "
                "layers barely change.")
    if ratio < 0.01:
        return (f"The first layer's gradient is {words(1 / ratio)} times larger than the last "
                "layer's: the signal grows on its way back (exploding gradients).")
    return ("The gradients of the first and last layers are of similar size: the learning signal "
            "reaches every layer.")


def _norm(a: np.ndarray) -> float:
    return math.sqrt(float(np.vdot(a, a)))


def inspect_step(trainer, x: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """Train on one mini-batch and report, per layer, what flowed forward and backward.

    The update ratio ||delta w|| / ||w|| is the number to watch: around 1e-3 is healthy, far
    below means learning has stalled (vanishing gradients), far above means it is unstable.
    """
    model = trainer.model
    before = [p.copy() for p in model.params]
    step_loss, logits = trainer.train_step(x, y, keep_outputs=True)
    outs = trainer.last_outputs
    layers, k = [], 0
    for i, (layer, out) in enumerate(zip(model.layers, outs)):
        params = []
        for name, p, g in zip(layer.param_names, layer.params, layer.grads):
            delta = _norm(p - before[k])
            size = _norm(before[k])
            params.append({"name": name, "shape": list(p.shape), "norm": size,
                           "grad_norm": _norm(g), "update_norm": delta,
                           "update_ratio": delta / size if size > 0 else None,
                           "health": health(delta / size if size > 0 else None)})
            k += 1
        layers.append({"index": i, "type": layer.kind, "output_mean": float(out.mean()),
                       "output_std": float(out.std()),
                       "output_zero_fraction": float(np.mean(out == 0)), "params": params})
    return {"step": trainer.step, "loss": float(step_loss), "lr": trainer.optimizer.lr,
            "batch_size": int(len(y)),
            "batch_accuracy": float(np.mean(np.argmax(logits, axis=1) == y)),
            "probabilities": softmax(outs[-1][:1])[0], "label": int(y[0]), "layers": layers,
            "verdict": gradient_verdict(layers, trainer.optimizer.lr),
            "thresholds": {"stalled": STALLED, "unstable": UNSTABLE}}


# Fine-tuning on a student's drawings: the steps it takes unless told, the most the page offers
# (each step also replays a batch of training images; a few hundred take seconds in a browser),
# and Adam's step size.
FINE_TUNE_STEPS = 10
MAX_FINE_TUNE_STEPS = 200
FINE_TUNE_LR = 0.001


def fine_tune_schema() -> dict[str, float]:
    """For the page: {"steps": default, "max_steps": int, "lr": float}."""
    return {"steps": FINE_TUNE_STEPS, "max_steps": MAX_FINE_TUNE_STEPS, "lr": FINE_TUNE_LR}


def fine_tune(model: Sequential, drawings: np.ndarray, labels: np.ndarray,
              steps: int = FINE_TUNE_STEPS, lr: float = FINE_TUNE_LR,
              replay: tuple[np.ndarray, np.ndarray] | None = None,
              seed: int = 0) -> list[float]:
    """A few Adam steps on the user's own drawings (float rows in [0, 1]).

    Mixing in a batch of real training images (``replay``) keeps the model from forgetting
    everything else while it learns the new examples. Returns the loss on the drawings per step.
    """
    rng = np.random.default_rng(seed)
    optimizer = Adam(model.params, model.grads, lr, decay=model.decay)
    labels = labels.astype(np.intp)
    losses = []
    for _ in range(steps):
        x, y = drawings.astype(np.float32), labels
        if replay is not None and len(replay[1]):
            idx = rng.choice(len(replay[1]), size=min(32, len(replay[1])), replace=False)
            x = np.concatenate([x, to_float(replay[0][idx])])
            y = np.concatenate([y, replay[1][idx].astype(np.intp)])
        logits = model.forward(x, training=True)
        _, grad = softmax_cross_entropy(logits, y)
        model.backward(grad)
        optimizer.step()
        own = model.forward(drawings.astype(np.float32), training=False)
        losses.append(softmax_cross_entropy(own, labels)[0])
    return losses


def describe(model: Sequential) -> str:
    """The architecture in one line for people, e.g. '784 → 128 → 10 · ReLU · 101,770 parameters'."""
    dense = [layer for layer in model.layers if layer.kind == "Dense"]
    sizes = [dense[0].inputs] + [layer.outputs for layer in dense] if dense else []
    kinds = list(dict.fromkeys(layer.kind for layer in model.layers if layer.kind != "Dense"))
    parts = [" → ".join(str(n) for n in sizes)] + ([", ".join(kinds)] if kinds else [])
    return " · ".join(parts + [f"{model.parameter_count():,} parameters"])
