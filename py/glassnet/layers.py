"""Layers as small objects: forward, backward, and parallel ``params``/``grads`` lists.

The building blocks live here (Dense, Dropout, BatchNorm, Sequential); activations and their
registry are in ``activations.py``, and ``network.py`` puts layers together into an MLP.

Optimizers only ever loop over (param, grad) pairs, so they never look at layer types. Layers keep
what backward needs from the last forward call; a model is used by one training loop at a time.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import backend


class Layer:
    """Base: a layer without parameters passes gradients through ``backward``."""

    kind = "Layer"

    def __init__(self) -> None:
        self.params: list[np.ndarray] = []
        self.grads: list[np.ndarray] = []
        self.param_names: list[str] = []
        self.decay: list[bool] = []  # which params L2 / AdamW weight decay applies to
        self.buffers: dict[str, np.ndarray] = {}  # state saved with the model but not trained

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        raise NotImplementedError

    def spec(self) -> dict[str, Any]:
        """JSON-able description from which ``network.layer_from_spec`` rebuilds the layer."""
        return {"type": self.kind}

    def arrays(self) -> dict[str, np.ndarray]:
        """Every array that a saved model must hold, by name."""
        out = dict(zip(self.param_names, self.params))
        out.update(self.buffers)
        return out

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self.spec().items() if k != "type")
        return f"{self.kind}({args})"


class Dense(Layer):
    """y = x W + b, with He (ReLU family) or Glorot (tanh, sigmoid) initialisation."""

    kind = "Dense"

    def __init__(self, inputs: int, outputs: int, init: str = "he",
                 rng: np.random.Generator | None = None, dtype: Any = np.float32) -> None:
        super().__init__()
        if inputs < 1 or outputs < 1:
            raise ValueError(f"Dense needs positive sizes, got {inputs}x{outputs}")
        rng = rng if rng is not None else np.random.default_rng(0)
        if init == "he":
            w = rng.standard_normal((inputs, outputs)) * np.sqrt(2.0 / inputs)
        elif init == "glorot":
            limit = np.sqrt(6.0 / (inputs + outputs))
            w = rng.uniform(-limit, limit, (inputs, outputs))
        else:
            raise ValueError(f"unknown init {init!r}; use 'he' or 'glorot'")
        self.inputs, self.outputs, self.init = inputs, outputs, init
        self.W = w.astype(dtype)
        self.b = np.zeros(outputs, dtype=dtype)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        self.params, self.grads = [self.W, self.b], [self.dW, self.db]
        self.param_names, self.decay = ["W", "b"], [True, False]
        self._x: np.ndarray | None = None

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        self._x = x
        out = backend.matmul(x, self.W)
        out += self.b
        return out

    def backward(self, grad: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        self.dW[...] = backend.matmul_tn(self._x, grad)
        np.sum(grad, axis=0, out=self.db)
        return backend.matmul_nt(grad, self.W) if need_input_grad else None

    def spec(self) -> dict[str, Any]:
        return {"type": self.kind, "inputs": self.inputs, "outputs": self.outputs, "init": self.init}


class Dropout(Layer):
    """Inverted dropout: scale at training time so evaluation is a plain identity."""

    kind = "Dropout"

    def __init__(self, p: float = 0.5, rng: np.random.Generator | None = None) -> None:
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout probability must be in [0, 1), got {p}")
        self.p = float(p)
        self.rng = rng if rng is not None else np.random.default_rng(0)
        self._mask: np.ndarray | None = None

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        if not training or self.p == 0.0:
            self._mask = None
            return x
        keep = self.rng.random(x.shape, dtype=np.float32) >= self.p
        self._mask = keep.astype(x.dtype) / x.dtype.type(1.0 - self.p)
        return x * self._mask

    def backward(self, grad: np.ndarray, need_input_grad: bool = True) -> np.ndarray:
        return grad if self._mask is None else grad * self._mask

    def spec(self) -> dict[str, Any]:
        return {"type": self.kind, "p": self.p}


class BatchNorm(Layer):
    """Batch normalisation over features; running statistics stand in for batch ones at evaluation."""

    kind = "BatchNorm"

    def __init__(self, features: int, momentum: float = 0.9, eps: float = 1e-5,
                 dtype: Any = np.float32) -> None:
        super().__init__()
        self.features, self.momentum, self.eps = features, float(momentum), float(eps)
        self.gamma = np.ones(features, dtype=dtype)
        self.beta = np.zeros(features, dtype=dtype)
        self.dgamma, self.dbeta = np.zeros_like(self.gamma), np.zeros_like(self.beta)
        self.params, self.grads = [self.gamma, self.beta], [self.dgamma, self.dbeta]
        self.param_names, self.decay = ["gamma", "beta"], [False, False]
        self.buffers = {"running_mean": np.zeros(features, dtype=dtype),
                        "running_var": np.ones(features, dtype=dtype)}

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        if training:
            mean = x.mean(axis=0)
            var = x.var(axis=0)
            m = self.momentum
            self.buffers["running_mean"] *= m
            self.buffers["running_mean"] += (1 - m) * mean
            self.buffers["running_var"] *= m
            self.buffers["running_var"] += (1 - m) * var
        else:
            mean, var = self.buffers["running_mean"], self.buffers["running_var"]
        self._inv_std = (1.0 / np.sqrt(var + self.eps)).astype(x.dtype)
        self._xhat = (x - mean) * self._inv_std
        self._training = training
        return self._xhat * self.gamma + self.beta

    def backward(self, grad: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        np.sum(grad * self._xhat, axis=0, out=self.dgamma)
        np.sum(grad, axis=0, out=self.dbeta)
        if not need_input_grad:
            return None
        dxhat = grad * self.gamma
        if not self._training:  # statistics were constants
            return dxhat * self._inv_std
        n = grad.shape[0]
        return (self._inv_std / n) * (
            n * dxhat - dxhat.sum(axis=0) - self._xhat * (dxhat * self._xhat).sum(axis=0))

    def spec(self) -> dict[str, Any]:
        return {"type": self.kind, "features": self.features, "momentum": self.momentum,
                "eps": self.eps}


class Sequential:
    """Layers applied in order; its params/grads are the layers' lists joined in order."""

    def __init__(self, layers: list[Layer]) -> None:
        self.layers = list(layers)
        self.params = [p for layer in self.layers for p in layer.params]
        self.grads = [g for layer in self.layers for g in layer.grads]
        self.decay = [d for layer in self.layers for d in layer.decay]

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        for layer in self.layers:
            x = layer.forward(x, training)
        return x

    def forward_all(self, x: np.ndarray, training: bool = False) -> list[np.ndarray]:
        """Every layer's output, in order (for showing activations)."""
        outs = []
        for layer in self.layers:
            x = layer.forward(x, training)
            outs.append(x)
        return outs

    def backward(self, grad: np.ndarray, need_input_grad: bool = False) -> np.ndarray | None:
        """Backpropagate; the first layer skips its input gradient unless asked (saliency needs it)."""
        for i in range(len(self.layers) - 1, -1, -1):
            grad = self.layers[i].backward(grad, need_input_grad or i > 0)
        return grad

    def spec(self) -> list[dict[str, Any]]:
        return [layer.spec() for layer in self.layers]

    def parameter_count(self) -> int:
        return int(sum(p.size for p in self.params))

    def __repr__(self) -> str:
        return "Sequential(" + ", ".join(map(repr, self.layers)) + ")"
