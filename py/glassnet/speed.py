"""How fast each matrix backend trains one mini-batch of a network, for the page's engine switch.

Why: students should see what a fast kernel buys, measured on the network they are training, in
their own browser. A fresh copy of the architecture is timed (forward, backward, Adam step), so
the model being trained, its gradients and its statistics are left exactly as they were.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from . import backend
from .layers import Sequential
from .limits import CLASSES, INPUTS
from .losses import softmax_cross_entropy
from .network import layer_from_spec
from .optim import Adam


def _copy_of(model: Sequential) -> Sequential:
    layers = [layer_from_spec(spec) for spec in model.spec()]
    rng = np.random.default_rng(0)
    for layer in layers:
        for p in layer.params:
            p[...] = rng.standard_normal(p.shape) * 0.05
    return Sequential(layers)


class _Step:
    """One training step of a copy of a network on a fixed random batch."""

    def __init__(self, model: Sequential, batch: int) -> None:
        self.net = _copy_of(model)
        self.opt = Adam(self.net.params, self.net.grads, lr=1e-3, decay=self.net.decay)
        rng = np.random.default_rng(1)
        first = self.net.layers[0].spec() if self.net.layers else {}
        last = self.net.layers[-1].spec() if self.net.layers else {}
        self.x = rng.random((batch, int(first.get("inputs", INPUTS))), dtype=np.float32)
        self.y = rng.integers(0, int(last.get("outputs", CLASSES)), batch)

    def seconds(self) -> float:
        started = time.perf_counter()
        logits = self.net.forward(self.x, training=True)
        _, grad = softmax_cross_entropy(logits, self.y)
        self.net.backward(grad)
        self.opt.step()
        return time.perf_counter() - started


def compare(model: Sequential, batch: int = 64, rounds: int = 5) -> dict[str, Any]:
    """{backend: {"ms_per_batch", "examples_per_s"}} for every backend offered here.

    The backends take turns, round after round, and each keeps its fastest step: whatever else
    the computer is doing disturbs them alike. The active backend is restored afterwards.
    """
    active = backend.name()
    names = backend.available()
    step = _Step(model, batch)
    best = {name: float("inf") for name in names}
    try:
        for round_ in range(rounds + 1):
            for name in names:
                backend.use(name)
                seconds = step.seconds()
                if round_:  # the first round warms up and is not counted
                    best[name] = min(best[name], seconds)
    finally:
        backend.use(active)
    return {name: {"ms_per_batch": s * 1000, "examples_per_s": batch / s}
            for name, s in best.items()}
