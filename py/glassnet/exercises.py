"""Guided exercises: a piece of the package with its body left blank, a hint, and the check.

The checks are ``piececheck.check`` (finite differences for layers and the loss, a comparison with
the reference for optimizers), so an exercise passes exactly when the student's version would do
what the package's own does. The page, the command line (``python -m glassnet check FILE.py``)
and the tests all go through ``check_exercise``.

Solutions are not shipped: the "Read the code" panel shows the package's own version, which a
student can always look at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from . import piececheck
from .errors import ConfigError


@dataclass(frozen=True)
class Exercise:
    id: str
    title: str
    piece: str
    intro: str  # what to do, in two or three sentences
    hint: str
    starter: str
    required: tuple[str, ...]
    cases: tuple[str, ...] | None = None  # optimizer cases the exercise covers (None: all)
    # Settings a run needs for this code to take part ("Train with my version" applies them).
    settings: dict[str, Any] = field(default_factory=dict)


def _starter(exercise_id: str, text: str) -> str:
    return f"# glassnet exercise: {exercise_id}\n" + text.lstrip("\n")


EXERCISES: dict[str, Exercise] = {e.id: e for e in [
    Exercise(
        "relu", "ReLU: forward and backward", "relu",
        "Write ReLU, the activation of most hidden layers. forward gets a batch x (one row per "
        "image) and returns max(x, 0) element by element; backward gets grad, the gradient of "
        "the loss with respect to forward's output, and returns the gradient with respect to x.",
        "The derivative of max(x, 0) is 1 where x > 0 and 0 elsewhere. Save the mask x > 0 on "
        "self in forward (self._mask = x > 0) and multiply grad by it in backward.",
        _starter("relu", '''
# self is the ReLU layer: keep on it whatever backward needs from forward.

def forward(self, x, training=False):
    # TODO: return x where it is positive and 0 elsewhere
    ...


def backward(self, grad, need_input_grad=True):
    # TODO: the gradient with respect to x (same shape as x)
    ...
'''), ("forward", "backward"), settings={"activation": "relu"}),
    Exercise(
        "sigmoid_backward", "Sigmoid: backward", "sigmoid",
        "The sigmoid's forward (the package's own, unchanged) saves its output "
        "y = 1 / (1 + e^-x) as self._y. Write backward: turn grad (the gradient with respect "
        "to y) into the gradient with respect to x.",
        "dy/dx = y·(1 - y), and y is already saved: return grad * self._y * (1 - self._y).",
        _starter("sigmoid_backward", '''
def backward(self, grad, need_input_grad=True):
    y = self._y  # forward's output, saved for this
    # TODO: return the gradient with respect to forward's input
    ...
'''), ("backward",), settings={"activation": "sigmoid"}),
    Exercise(
        "tanh_backward", "tanh: backward", "tanh",
        "tanh's forward (unchanged) saves its output as self._y = tanh(x). Write backward.",
        "d tanh(x)/dx = 1 - tanh(x)²: return grad * (1 - self._y ** 2).",
        _starter("tanh_backward", '''
def backward(self, grad, need_input_grad=True):
    y = self._y  # tanh(x), saved by forward
    # TODO: return the gradient with respect to x
    ...
'''), ("backward",), settings={"activation": "tanh"}),
    Exercise(
        "softmax_ce_gradient", "Softmax cross-entropy: the gradient", "softmax_cross_entropy",
        "The loss is already computed. Replace the zero gradient with the gradient of the mean "
        "loss with respect to the logits; it must also be right with label smoothing.",
        "With p = softmax(logits) = exp(logp), the gradient is (p - target) / n: the predicted "
        "probabilities minus the (smoothed) one-hot labels, divided by the batch size.",
        _starter("softmax_ce_gradient", '''
def softmax_cross_entropy(logits, labels, label_smoothing=0.0):
    n, classes = logits.shape
    logp = log_softmax(logits)  # log-probabilities, computed stably
    rows = np.arange(n)
    target = np.zeros_like(logp)  # one-hot labels, smoothed when asked
    target[rows, labels] = 1.0
    if label_smoothing:
        target = target * (1 - label_smoothing) + label_smoothing / classes
    loss = -float((target * logp).sum()) / n
    # TODO: the gradient of loss with respect to logits (shape n x classes)
    grad = np.zeros_like(logits)
    return loss, grad
'''), ("softmax_cross_entropy",)),
    Exercise(
        "sgd_momentum", "SGD with momentum: the update", "sgd",
        "Plain SGD is done. Add momentum: each parameter keeps a velocity v (self.velocity[i]) "
        "that remembers past steps. Update v and p in place: the optimizer and the model hold "
        "these very arrays.",
        "v = mu·v - lr·g, then p = p + v. In place: v *= mu; v -= lr * g; p += v.",
        _starter("sgd_momentum", '''
def _update(self, i, p, g):
    lr = p.dtype.type(self.lr)
    if self.velocity is None:  # plain SGD: no momentum
        p -= lr * g
        return
    v = self.velocity[i]  # this parameter's velocity, kept between steps
    mu = p.dtype.type(self.momentum)
    # TODO: update v (in place), then move p by v (in place)
'''), ("_update",), cases=("plain SGD", "momentum 0.9"), settings={"optimizer": "momentum"}),
    Exercise(
        "dense_backward", "Dense layer: backward (dW, db, dx)", "dense",
        "Dense's forward (unchanged) computes y = x·W + b and saves x as self._x. Write "
        "backward: put dW and db into self.dW and self.db, and return dx.",
        "With g = grad: dW = xᵀ·g (self._x.T @ grad), db = g summed over the batch (axis 0), "
        "dx = g·Wᵀ (grad @ self.W.T). Write into the existing arrays: self.dW[...] = ...",
        _starter("dense_backward", '''
def backward(self, grad, need_input_grad=True):
    x = self._x  # forward's input, shape (batch, inputs); grad is (batch, outputs)
    # TODO: self.dW[...] = ...   (shape of self.W)
    # TODO: self.db[...] = ...   (shape of self.b)
    # TODO: return dx (shape of x), or None when need_input_grad is False
    ...
'''), ("backward",)),
]}

_HEADER = re.compile(r"^#\s*glassnet exercise:\s*([A-Za-z0-9_]+)\s*$", re.MULTILINE)


def get_exercise(exercise_id: str) -> Exercise:
    try:
        return EXERCISES[exercise_id]
    except KeyError:
        raise ConfigError(f"unknown exercise {exercise_id!r}; choose from {', '.join(EXERCISES)}",
                          hint="`python -m glassnet exercise` lists them.") from None


def describe(exercise: Exercise) -> dict[str, Any]:
    """The exercise as the page shows it (JSON-able)."""
    return {"id": exercise.id, "title": exercise.title, "piece": exercise.piece,
            "intro": exercise.intro, "hint": exercise.hint, "starter": exercise.starter,
            "required": list(exercise.required), "settings": dict(exercise.settings)}


def named_in(code: str) -> str | None:
    """The exercise a file names in its '# glassnet exercise: ID' line, if any."""
    match = _HEADER.search(code)
    return match.group(1) if match else None


def check_exercise(exercise_id: str, code: str) -> dict[str, Any]:
    """``piececheck.check`` with the exercise's required functions and cases, plus its id."""
    exercise = get_exercise(exercise_id)
    report = piececheck.check(exercise.piece, code, exercise.required, exercise.cases)
    report["exercise"] = exercise.id
    return report
