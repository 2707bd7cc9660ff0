"""The pieces of the package a student can read and rewrite, and swapping a rewrite into a run.

A piece is a few real functions: ``Dense.forward``/``backward``, each registered activation's
(one piece per entry of ``activations.ACTIVATIONS``), the fused
softmax cross-entropy, an optimizer's update, the Trainer's step. Its source is read from the
loaded package with ``inspect`` (never a copy), so the page shows exactly what runs.

A student's version is plain Python defining functions with the same names and signatures
(``piececheck.py`` checks it the way the test suite checks the package). Swapping it in binds the
functions to the *instances* of one run (a model's layers, its optimizer, its Trainer): the
classes, and so the reference implementation and every other model, stay untouched.
"""

from __future__ import annotations

import inspect
import os
import textwrap
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import backend, layers, losses, optim
from .activations import ACTIVATIONS
from .errors import ConfigError, StudentCodeError
from .sandbox import compile_student, run_student
from .train import Trainer


@dataclass(frozen=True)
class Piece:
    id: str
    title: str
    note: str  # one line: what the code computes
    kind: str  # "layer", "loss", "optimizer" or "trainer"
    owner: Any  # the class (or, for the loss, the module) that holds the functions
    names: tuple[str, ...]  # the functions a student's version may define
    editable: bool = True
    # The run settings under which the piece takes part (an option name -> accepted values).
    settings: dict[str, tuple[str, ...]] = field(default_factory=dict)


PIECES: dict[str, Piece] = {p.id: p for p in [
    Piece("dense", "Dense layer", "y = x·W + b. Backward writes dW = xᵀ·g and db = Σ g (over the "
          "batch) into the arrays the optimizer holds, and returns dx = g·Wᵀ.",
          "layer", layers.Dense, ("forward", "backward")),
    *(Piece(a.name, a.title, a.note, "layer", a.layer, ("forward", "backward"),
            settings={"activation": (a.name,)}) for a in ACTIVATIONS.values()),
    Piece("softmax_cross_entropy", "Softmax cross-entropy", "The loss and its gradient in one: "
          "log-softmax via log-sum-exp, and a gradient of (p - y) / n.", "loss", losses,
          ("softmax_cross_entropy",)),
    Piece("sgd", "SGD (with momentum, Nesterov)", "p -= lr·g; with momentum a velocity "
          "v = μ·v - lr·g is kept per parameter and p += v.", "optimizer", optim.SGD,
          ("_update",), settings={"optimizer": ("sgd", "momentum", "nesterov")}),
    Piece("rmsprop", "RMSProp", "Divides each step by a running root-mean-square of the "
          "gradients.", "optimizer", optim.RMSProp, ("_update",),
          settings={"optimizer": ("rmsprop",)}),
    Piece("adam", "Adam (and AdamW)", "Running means of g and g², bias-corrected, give each "
          "weight its own step size.", "optimizer", optim.Adam, ("step", "_update"),
          settings={"optimizer": ("adam", "adamw")}),
    Piece("train_step", "One training step", "Forward, loss, backward, update: everything above, "
          "in the order the Trainer calls it for each mini-batch.", "trainer", Trainer,
          ("train_step",), editable=False),
]}

OPTIMIZER_PIECES = {"sgd": "sgd", "momentum": "sgd", "nesterov": "sgd", "rmsprop": "rmsprop",
                    "adam": "adam", "adamw": "adam"}


def get_piece(piece_id: str) -> Piece:
    try:
        return PIECES[piece_id]
    except KeyError:
        raise ConfigError(f"unknown piece {piece_id!r}; choose from {', '.join(PIECES)}") from None


# ---------------------------------------------------------------------------- reading the source

def _function(piece: Piece, name: str) -> Callable[..., Any]:
    return getattr(piece.owner, name)


def source(piece_id: str) -> dict[str, Any]:
    """The real source of a piece's functions, read from the loaded package.

    Returns {"id", "title", "note", "kind", "editable", "code" (the functions, dedented, as a
    student's version starts), "functions": [{"name", "file", "line", "lines"}]}.
    """
    piece = get_piece(piece_id)
    parts, functions = [], []
    for name in piece.names:
        fn = _function(piece, name)
        lines, first = inspect.getsourcelines(fn)
        text = textwrap.dedent("".join(lines)).rstrip() + "\n"
        parts.append(text)
        qualname = getattr(fn, "__qualname__", name)
        functions.append({"name": qualname, "file": "glassnet/" + os.path.basename(inspect.getfile(fn)),
                          "line": first, "lines": len(lines)})
    return {"id": piece.id, "title": piece.title, "note": piece.note, "kind": piece.kind,
            "editable": piece.editable, "code": "\n\n".join(parts), "functions": functions,
            "settings": {k: list(v) for k, v in piece.settings.items()}}


def layer_pieces() -> dict[str, str]:
    """Layer type (as in model specs) -> the piece that computes it, for the page's links from a
    layer to its code."""
    return {piece.owner.kind: piece.id for piece in PIECES.values() if piece.kind == "layer"}


def pieces_in_use(activation: str = "relu", optimizer: str = "adam") -> list[str]:
    """The pieces that a run with these settings calls, in the order a batch meets them."""
    return ["dense", activation if activation in ACTIVATIONS else "relu", "softmax_cross_entropy",
            OPTIMIZER_PIECES.get(optimizer, "adam"), "train_step"]


# ---------------------------------------------------------------------------- student versions

@dataclass
class Version:
    """A student's compiled version of a piece: the functions it defines, by name."""

    piece: Piece
    code: str
    functions: dict[str, Callable[..., Any]]

    @property
    def label(self) -> str:
        names = ", ".join(self.functions)
        return f"your {self.piece.title} ({names})"


def _context() -> dict[str, Any]:
    """What a student's code finds already defined (what the package's own modules use)."""
    return {"backend": backend, "Layer": layers.Layer, "Optimizer": optim.Optimizer,
            "log_softmax": losses.log_softmax, "softmax": losses.softmax,
            "Any": Any}


def compile_version(piece_id: str, code: str, required: tuple[str, ...] = ()) -> Version:
    """Compile a student's code for a piece; it must define at least one of the piece's
    functions (and every name in ``required``)."""
    piece = get_piece(piece_id)
    if not piece.editable:
        raise ConfigError(f"{piece.title} can be read here but not replaced")
    namespace = compile_student(code, _context())
    found = {name: namespace[name] for name in piece.names
             if callable(namespace.get(name)) and getattr(namespace[name], "__module__", "") == "student"}
    missing = [name for name in required if name not in found]
    if missing or not found:
        wanted = missing or list(piece.names)
        signatures = "; ".join(f"def {n}{inspect.signature(_function(piece, n))}" for n in wanted)
        raise StudentCodeError(f"your code must define {' and '.join(wanted)} ({signatures})",
                               hint="Keep the names and arguments of the original functions.")
    return Version(piece, code, found)


def _expect_array(value: Any, shape: tuple[int, ...] | None, what: str,
                  fn: Callable[..., Any] | None = None) -> np.ndarray:
    """The value a student's function returned, if it is an array of the right shape.

    Errors point at the function's ``def`` line (the value left their code already).
    """
    line = fn.__code__.co_firstlineno if fn is not None and hasattr(fn, "__code__") else None
    if not isinstance(value, np.ndarray):
        got = "None (is a return missing?)" if value is None else type(value).__name__
        raise StudentCodeError(f"{what} must return a NumPy array, but returned {got}", line=line)
    if shape is not None and value.shape != tuple(shape):
        raise StudentCodeError(f"{what} returned shape {value.shape}, expected {tuple(shape)}",
                               line=line,
                               hint="Compare the shapes of your arrays: print(x.shape) helps.")
    return value


def bind_layer(layer: layers.Layer, version: Version) -> None:
    """Bind a student's forward/backward to one layer instance, checking shapes on the way."""
    title = version.piece.title
    fwd, bwd = version.functions.get("forward"), version.functions.get("backward")
    if fwd is not None:
        def forward(self, x, training=False):
            out = run_student(lambda: fwd(self, x, training), f"{title} forward")
            expected = (x.shape[0], self.outputs) if isinstance(self, layers.Dense) else x.shape
            self.__dict__["_glassnet_input_shape"] = x.shape
            return _expect_array(out, expected, f"{title} forward", fwd)
        layer.forward = types.MethodType(forward, layer)
    else:
        reference_forward = layer.forward

        def forward(self, x, training=False):
            self.__dict__["_glassnet_input_shape"] = x.shape
            return reference_forward(x, training)
        layer.forward = types.MethodType(forward, layer)
    if bwd is not None:
        def backward(self, grad, need_input_grad=True):
            out = run_student(lambda: bwd(self, grad, need_input_grad), f"{title} backward")
            if not need_input_grad and out is None:
                return None
            return _expect_array(out, self.__dict__.get("_glassnet_input_shape"),
                                 f"{title} backward", bwd)
        layer.backward = types.MethodType(backward, layer)


def bind_optimizer(opt: optim.Optimizer, version: Version) -> None:
    for name, fn in version.functions.items():
        def call(self, *args, _fn=fn, _name=name):
            return run_student(lambda: _fn(self, *args), f"{version.piece.title} {_name}")
        setattr(opt, name, types.MethodType(call, opt))


def student_loss(version: Version) -> Callable[..., tuple[float, np.ndarray]]:
    fn = version.functions["softmax_cross_entropy"]

    def loss(logits, labels, label_smoothing=0.0):
        result = run_student(lambda: fn(logits, labels, label_smoothing), "softmax_cross_entropy")
        if not (isinstance(result, tuple) and len(result) == 2):
            raise StudentCodeError("softmax_cross_entropy must return (loss, gradient)",
                                   line=fn.__code__.co_firstlineno)
        value, grad = result
        _expect_array(grad, logits.shape, "softmax_cross_entropy's gradient", fn)
        return float(value), grad
    return loss


def unbind(obj: Any) -> None:
    """Give an instance its class's own functions back."""
    for name in ("forward", "backward", "step", "_update", "_glassnet_input_shape"):
        obj.__dict__.pop(name, None)


# ---------------------------------------------------------------------------- swapping into a run

def apply(trainer: Trainer, versions: list[Version]) -> list[str]:
    """Swap students' versions into one run (its model's layers, optimizer, loss); returns labels.

    Raises ConfigError when a version has nothing to replace in this run (a ReLU for a tanh
    network), saying which setting would make it take part.
    """
    labels = []
    for version in versions:
        piece = version.piece
        if piece.kind == "layer":
            targets = [layer for layer in trainer.model.layers if type(layer) is piece.owner]
            if not targets:
                raise ConfigError(f"this network has no {piece.title} layer for your code to replace",
                                  hint=_settings_hint(piece))
            for layer in targets:
                bind_layer(layer, version)
        elif piece.kind == "optimizer":
            if not isinstance(trainer.optimizer, piece.owner):
                raise ConfigError(f"this run does not use {piece.title}", hint=_settings_hint(piece))
            bind_optimizer(trainer.optimizer, version)
        elif piece.kind == "loss":
            trainer.loss_fn = student_loss(version)
        labels.append(version.label)
    return labels


def restore(trainer: Trainer | None, model: layers.Sequential | None = None) -> None:
    """Put the reference implementation back into a run (and a model)."""
    if trainer is not None:
        trainer.loss_fn = losses.softmax_cross_entropy
        unbind(trainer.optimizer)
        model = model or trainer.model
    if model is not None:
        for layer in model.layers:
            unbind(layer)


def _settings_hint(piece: Piece) -> str:
    if not piece.settings:
        return ""
    return "Choose " + " or ".join(f"{k} {v!r}" for k, values in piece.settings.items()
                                   for v in values) + " in the settings, then train again."
