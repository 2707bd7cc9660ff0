"""Activation functions: their layers, and ``ACTIVATIONS``, the one registry every part reads.

An entry holds what the rest of glassnet needs to know about an activation: its layer class,
the initialisation of the Dense layers around it, its title for people and the one-line note of
its code piece. ``network.build_mlp`` and ``network.layer_from_spec`` build it, ``modelio``
accepts it in model files (with its spec fields checked against ``fields``), the option schema
offers it (choices and titles, and so the CLI's ``--activation`` and the page's menu), and the
code panel lists it as a piece a student can rewrite. A new activation is its class here, one
entry in ``ACTIVATIONS``, and tests (tests/core/test_activations.py runs every entry).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .layers import Layer


class ReLU(Layer):
    kind = "ReLU"

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        self._mask = x > 0
        return np.multiply(x, self._mask, dtype=x.dtype)

    def backward(self, grad: np.ndarray, need_input_grad: bool = True) -> np.ndarray:
        return np.multiply(grad, self._mask, dtype=grad.dtype)


class LeakyReLU(Layer):
    kind = "LeakyReLU"

    def __init__(self, alpha: float = 0.01) -> None:
        super().__init__()
        self.alpha = float(alpha)

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        self._slope = np.where(x > 0, 1.0, self.alpha).astype(x.dtype)
        return x * self._slope

    def backward(self, grad: np.ndarray, need_input_grad: bool = True) -> np.ndarray:
        return grad * self._slope

    def spec(self) -> dict[str, Any]:
        return {"type": self.kind, "alpha": self.alpha}


class Tanh(Layer):
    kind = "Tanh"

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        self._y = np.tanh(x)
        return self._y

    def backward(self, grad: np.ndarray, need_input_grad: bool = True) -> np.ndarray:
        return grad * (1 - self._y * self._y)


class Sigmoid(Layer):
    kind = "Sigmoid"

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        # tanh form: never overflows, unlike 1 / (1 + exp(-x)) for large negative x.
        self._y = 0.5 * (np.tanh(0.5 * x) + 1)
        return self._y

    def backward(self, grad: np.ndarray, need_input_grad: bool = True) -> np.ndarray:
        return grad * self._y * (1 - self._y)


@dataclass(frozen=True)
class Field:
    """A number a layer's spec holds (e.g. LeakyReLU's alpha): its default and allowed range."""

    default: float
    low: float
    high: float


@dataclass(frozen=True)
class Activation:
    """One activation: the option value ``name`` and everything that follows from it."""

    name: str  # the option value ("relu"), in configs, share links and the CLI
    layer: type[Layer]  # its class; ``layer.kind`` is its type in model files
    init: str  # initialisation of the Dense layers it follows: "he" or "glorot"
    title: str  # for people: the settings menu, the code panel
    note: str  # the code panel: what its code computes, in one line
    fields: dict[str, Field] = field(default_factory=dict)  # its spec's numbers (constructor kwargs)

    def make(self, spec: dict[str, Any] | None = None) -> Layer:
        """A layer of this activation, with the spec's numbers (or the defaults)."""
        spec = spec or {}
        return self.layer(**{k: float(spec.get(k, f.default)) for k, f in self.fields.items()})


ACTIVATIONS: dict[str, Activation] = {a.name: a for a in [
    Activation("relu", ReLU, "he", "ReLU", "max(x, 0); the gradient passes where the input was "
               "positive and is 0 elsewhere."),
    Activation("leaky_relu", LeakyReLU, "he", "Leaky ReLU", "x where positive, alpha·x elsewhere, "
               "so negative inputs still pass a small gradient.",
               {"alpha": Field(0.01, 0.0, 1.0)}),
    Activation("tanh", Tanh, "glorot", "tanh", "tanh(x); its derivative 1 - tanh(x)² comes from "
               "the saved output."),
    Activation("sigmoid", Sigmoid, "glorot", "sigmoid", "1 / (1 + e^-x) (computed through tanh, "
               "which cannot overflow); its derivative is y·(1 - y)."),
]}
BY_KIND: dict[str, Activation] = {a.layer.kind: a for a in ACTIVATIONS.values()}


def lookup(name: str) -> Activation:
    """The registry entry of an option value; ValueError names the choices."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; choose from {', '.join(ACTIVATIONS)}") from None
