"""Softmax and cross-entropy fused: stable through log-sum-exp, and a gradient that is just p - y."""

from __future__ import annotations

import numpy as np


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise log-probabilities; subtracting the row max keeps exp() from overflowing."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray,
                          label_smoothing: float = 0.0) -> tuple[float, np.ndarray]:
    """Mean cross-entropy of integer labels and its gradient with respect to the logits."""
    n, classes = logits.shape
    logp = log_softmax(logits)
    rows = np.arange(n)
    if label_smoothing:
        target = np.full_like(logp, label_smoothing / classes)
        target[rows, labels] += 1.0 - label_smoothing
        loss = -float((target * logp).sum()) / n
    else:
        loss = -float(logp[rows, labels].sum()) / n
    grad = np.exp(logp)
    if label_smoothing:
        grad -= target
    else:
        grad[rows, labels] -= 1.0
    grad /= n
    return loss, grad


def l2_penalty(params: list[np.ndarray], decay: list[bool], weight_decay: float) -> float:
    """0.5 * wd * sum of squared decayed weights (biases and BatchNorm are not decayed)."""
    if not weight_decay:
        return 0.0
    return 0.5 * weight_decay * float(sum(float(np.vdot(p, p)) for p, d in zip(params, decay) if d))


def add_l2_grad(params: list[np.ndarray], grads: list[np.ndarray], decay: list[bool],
                weight_decay: float) -> None:
    """Add the L2 penalty's gradient, wd * w, to the decayed parameters' gradients in place."""
    if weight_decay:
        for p, g, d in zip(params, grads, decay):
            if d:
                g += weight_decay * p
