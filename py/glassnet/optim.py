"""Optimizers (loops over param/grad pairs), learning-rate schedules, and gradient-norm clipping."""

from __future__ import annotations

import math

import numpy as np

from . import backend


class Optimizer:
    """Updates params in place from grads; ``lr`` may change between steps (schedules, the UI)."""

    def __init__(self, params: list[np.ndarray], grads: list[np.ndarray], lr: float,
                 decay: list[bool] | None = None) -> None:
        if not lr > 0:
            raise ValueError(f"learning rate must be positive, got {lr}")
        self.params, self.grads, self.lr = params, grads, float(lr)
        self.decay = decay if decay is not None else [True] * len(params)
        self.t = 0

    def step(self) -> None:
        self.t += 1
        for i, (p, g) in enumerate(zip(self.params, self.grads)):
            self._update(i, p, g)

    def _update(self, i: int, p: np.ndarray, g: np.ndarray) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """Plain SGD, with optional (Nesterov) momentum: v = mu v - lr g; p += v."""

    def __init__(self, params, grads, lr: float = 0.01, momentum: float = 0.0,
                 nesterov: bool = False, decay=None) -> None:
        super().__init__(params, grads, lr, decay)
        self.momentum, self.nesterov = float(momentum), bool(nesterov)
        self.velocity = [np.zeros_like(p) for p in params] if momentum else None

    def _update(self, i, p, g):
        lr = p.dtype.type(self.lr)
        if self.velocity is None:
            p -= lr * g
            return
        v = self.velocity[i]
        v *= p.dtype.type(self.momentum)
        v -= lr * g
        if self.nesterov:
            p += p.dtype.type(self.momentum) * v - lr * g
        else:
            p += v


class RMSProp(Optimizer):
    """s = rho s + (1 - rho) g^2; p -= lr g / (sqrt(s) + eps)."""

    def __init__(self, params, grads, lr: float = 0.001, rho: float = 0.9, eps: float = 1e-8,
                 decay=None) -> None:
        super().__init__(params, grads, lr, decay)
        self.rho, self.eps = float(rho), float(eps)
        self.square = [np.zeros_like(p) for p in params]

    def _update(self, i, p, g):
        s = self.square[i]
        s *= p.dtype.type(self.rho)
        s += p.dtype.type(1 - self.rho) * g * g
        p -= p.dtype.type(self.lr) * g / (np.sqrt(s) + p.dtype.type(self.eps))


class Adam(Optimizer):
    """Adam with bias correction; AdamW adds decoupled weight decay on top."""

    def __init__(self, params, grads, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, weight_decay: float = 0.0, decay=None) -> None:
        super().__init__(params, grads, lr, decay)
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)
        self.weight_decay = float(weight_decay)
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]

    def step(self) -> None:
        self.t += 1
        # Fold both bias corrections into one step size: lr * sqrt(1 - b2^t) / (1 - b1^t).
        self._step_size = self.lr * math.sqrt(1 - self.beta2 ** self.t) / (1 - self.beta1 ** self.t)
        self._eps_hat = self.eps * math.sqrt(1 - self.beta2 ** self.t)
        for i, (p, g) in enumerate(zip(self.params, self.grads)):
            self._update(i, p, g)

    def _update(self, i, p, g):
        f = p.dtype.type
        m, v = self.m[i], self.v[i]
        decay = self.lr * self.weight_decay if self.weight_decay and self.decay[i] else 0.0
        # One pass over the arrays in the kernel (same float32 arithmetic) when the backend has it.
        if backend.fused_adam(p, g, m, v, self.beta1, self.beta2, decay, self._step_size,
                              self._eps_hat):
            return
        m *= f(self.beta1)
        m += f(1 - self.beta1) * g
        v *= f(self.beta2)
        v += f(1 - self.beta2) * (g * g)
        if decay:
            p -= f(decay) * p
        p -= f(self._step_size) * m / (np.sqrt(v) + f(self._eps_hat))


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): p -= lr * wd * p each step."""

    def __init__(self, params, grads, lr: float = 0.001, weight_decay: float = 0.01, **kw) -> None:
        super().__init__(params, grads, lr, weight_decay=weight_decay, **kw)


OPTIMIZERS = {"sgd": SGD, "momentum": SGD, "nesterov": SGD, "rmsprop": RMSProp, "adam": Adam,
              "adamw": AdamW}


def make_optimizer(name: str, params: list[np.ndarray], grads: list[np.ndarray], lr: float,
                   decay: list[bool] | None = None, weight_decay: float = 0.0,
                   momentum: float = 0.9) -> Optimizer:
    """Build an optimizer by name; 'momentum' and 'nesterov' are SGD variants."""
    if name == "sgd":
        return SGD(params, grads, lr, decay=decay)
    if name == "momentum":
        return SGD(params, grads, lr, momentum=momentum, decay=decay)
    if name == "nesterov":
        return SGD(params, grads, lr, momentum=momentum, nesterov=True, decay=decay)
    if name == "rmsprop":
        return RMSProp(params, grads, lr, decay=decay)
    if name == "adam":
        return Adam(params, grads, lr, decay=decay)
    if name == "adamw":
        return AdamW(params, grads, lr, weight_decay=weight_decay, decay=decay)
    raise ValueError(f"unknown optimizer {name!r}; choose from {', '.join(OPTIMIZERS)}")


def schedule_factor(name: str, step: int, total_steps: int, warmup_steps: int = 0,
                    step_every: int = 0, gamma: float = 0.1, min_factor: float = 0.0) -> float:
    """Multiplier of the base learning rate at a 0-based step.

    constant: 1; step: gamma ** (step // step_every); cosine: half a cosine from 1 to min_factor.
    A linear warm-up over the first ``warmup_steps`` multiplies any of them.
    """
    if name == "constant":
        factor = 1.0
    elif name == "step":
        factor = gamma ** (step // step_every) if step_every > 0 else 1.0
    elif name == "cosine":
        span = max(total_steps - warmup_steps, 1)
        progress = min(max(step - warmup_steps, 0) / span, 1.0)
        factor = min_factor + (1 - min_factor) * 0.5 * (1 + math.cos(math.pi * progress))
    else:
        raise ValueError(f"unknown schedule {name!r}; choose constant, step or cosine")
    if warmup_steps and step < warmup_steps:
        factor *= (step + 1) / warmup_steps
    return factor


def clip_grad_norm(grads: list[np.ndarray], max_norm: float) -> float:
    """Scale all grads together so their global L2 norm is at most max_norm; return the norm before."""
    norm = math.sqrt(sum(float(np.vdot(g, g)) for g in grads))
    if max_norm and norm > max_norm:
        scale = max_norm / (norm + 1e-12)
        for g in grads:
            g *= g.dtype.type(scale)
    return norm
