"""The pieces of the package a student can read and rewrite, and the checks of a rewrite.

A piece is a few real functions: ``Dense.forward``/``backward``, each registered activation's
(one piece per entry of ``activations.ACTIVATIONS``), the fused
softmax cross-entropy, an optimizer's update, the Trainer's step. Its source is read from the
loaded package with ``inspect`` (never a copy), so the page shows exactly what runs.

A student's version is plain Python defining functions with the same names and signatures. It
is checked the way the test suite checks the package: a layer or the loss by finite differences
(``gradcheck``), an optimizer against the reference for a few steps. Swapping it in binds the
functions to the *instances* of one run (a model's layers, its optimizer, its Trainer): the
classes, and so the reference implementation and every other model, stay untouched.
"""

from __future__ import annotations

import inspect
import os
import textwrap
import types
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from . import backend, gradcheck, layers, losses, optim
from .activations import ACTIVATIONS, ReLU
from .errors import ConfigError, StudentCodeError
from .sandbox import compile_student, judging, run_student
from .train import Trainer

OPTIMIZER_STEPS = 5  # steps an optimizer is compared with the reference for


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


def _bind_layer(layer: layers.Layer, version: Version) -> None:
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


def _bind_optimizer(opt: optim.Optimizer, version: Version) -> None:
    for name, fn in version.functions.items():
        def call(self, *args, _fn=fn, _name=name):
            return run_student(lambda: _fn(self, *args), f"{version.piece.title} {_name}")
        setattr(opt, name, types.MethodType(call, opt))


def _loss(version: Version) -> Callable[..., tuple[float, np.ndarray]]:
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
                _bind_layer(layer, version)
        elif piece.kind == "optimizer":
            if not isinstance(trainer.optimizer, piece.owner):
                raise ConfigError(f"this run does not use {piece.title}", hint=_settings_hint(piece))
            _bind_optimizer(trainer.optimizer, version)
        elif piece.kind == "loss":
            trainer.loss_fn = _loss(version)
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


# ---------------------------------------------------------------------------- checks

def _part(name: str, error: float, detail: str = "") -> dict[str, Any]:
    return {"name": name, "error": float(error) if np.isfinite(error) else None,
            "verdict": gradcheck.verdict(error), "detail": detail}


def _grad_part(name: str, analytic: Any, numeric: np.ndarray, what: str) -> dict[str, Any]:
    analytic = np.asarray(analytic, dtype=np.float64)  # a plain array, whatever subclass came in
    if analytic.shape != numeric.shape:
        return _part(name, float("inf"), f"{what} has shape {analytic.shape}, expected {numeric.shape}")
    if not np.isfinite(analytic).all():
        return _part(name, float("inf"), f"{what} contains NaN or infinity")
    error = gradcheck.relative_error(analytic, numeric)
    detail = ""
    if gradcheck.verdict(error) != "right":
        index, got, want = gradcheck.worst_entry(analytic, numeric)
        detail = f"at {list(index)} yours is {got:.6g}, the finite differences give {want:.6g}"
    return _part(name, error, detail)


def _away_from_zero(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Inputs at least 0.1 from 0, so finite differences never straddle ReLU's kink."""
    x = rng.standard_normal(shape)
    return np.where(np.abs(x) < 0.1, 0.1 * np.sign(x) + 0.1 * (x == 0), x)


def _check_layer(version: Version) -> list[dict[str, Any]]:
    """Forward against the reference, backward against finite differences of the reference
    (all computed before the student's code runs), for Dense both ways backward is called, then
    a few real training steps."""
    piece, rng = version.piece, np.random.default_rng(0)
    if piece.owner is layers.Dense:
        layer = layers.Dense(5, 4, "he", rng, dtype=np.float64)
        layer.b[...] = rng.standard_normal(4)
        reference = layers.Dense(5, 4, "he", dtype=np.float64)
        reference.W[...], reference.b[...] = layer.W, layer.b
        x = rng.standard_normal((3, 5))
    else:
        layer, reference = piece.owner(), piece.owner()
        x = _away_from_zero(rng, (4, 6))
    expected = reference.forward(x.copy(), True)
    r = rng.standard_normal(expected.shape)  # a random projection makes the output a scalar

    def f() -> float:
        return float(np.sum(reference.forward(x, True) * r))

    numeric_x = gradcheck.numeric_grad(f, x)
    numeric_params = [gradcheck.numeric_grad(f, p) for p in reference.params]
    trained = _train_dense(None) if piece.owner is layers.Dense else None
    # Only now does the student's code run.
    _bind_layer(layer, version)
    parts = []
    out = np.asarray(layer.forward(x.copy(), True), dtype=np.float64)
    finite = bool(np.isfinite(out).all())
    error = gradcheck.relative_error(out, expected) if finite else float("inf")
    detail = "" if error < gradcheck.TOLERANCE else \
        "different values from the reference forward for the same input" + \
        ("" if finite else " (NaN or infinity)")
    parts.append(_part("forward", error, detail))
    parts += _backward_parts(layer, r, numeric_x, numeric_params, need_input_grad=True)
    if layer.params:  # training calls the first layer's backward with need_input_grad=False
        layer.forward(x.copy(), True)
        parts += _backward_parts(layer, r, numeric_x, numeric_params, need_input_grad=False)
    if trained is not None:
        parts.append(_compare_training(trained, _train_dense(version)))
    return parts


def _backward_parts(layer: layers.Layer, r: np.ndarray, numeric_x: np.ndarray,
                    numeric_params: list[np.ndarray], need_input_grad: bool) -> list[dict[str, Any]]:
    """The student's backward, called as the Trainer calls it, against the reference's numbers."""
    suffix = "" if need_input_grad else " (need_input_grad=False)"
    held = list(layer.grads)  # the arrays an optimizer holds
    for g in held:
        g[...] = np.nan  # so a backward that forgets to write a gradient is caught
    dx = layer.backward(r, need_input_grad)
    parts = []
    if need_input_grad:
        parts.append(_grad_part("dx", dx, numeric_x, "dx (what backward returns)"))
    for name, p_held, numeric in zip(layer.param_names, held, numeric_params):
        current = getattr(layer, "d" + name, None)
        if current is not None and current is not p_held:
            parts.append(_part("d" + name + suffix, float("inf"),
                               f"backward put a new array in self.d{name}, but the optimizer "
                               f"holds the old one: write into it with self.d{name}[...] = ..."))
            continue
        part = _grad_part("d" + name + suffix, p_held, numeric, f"self.d{name}")
        if not need_input_grad and part["verdict"] != "right":
            part["detail"] = (f"with need_input_grad=False (how training calls the first layer) "
                              f"self.d{name} must still be written; " + part["detail"]).rstrip("; ")
        parts.append(part)
    return parts


TRAINING_STEPS = 3  # real training steps the Dense check compares with the reference


def _train_dense(version: Version | None) -> list[np.ndarray]:
    """A tiny network (Dense, ReLU, Dense) trained a few SGD steps, the student's Dense in both
    layers when given: the first layer gets backward(grad, need_input_grad=False), as in training."""
    rng = np.random.default_rng(1)
    model = layers.Sequential([layers.Dense(6, 5, "he", rng, dtype=np.float64), ReLU(),
                               layers.Dense(5, 3, "he", rng, dtype=np.float64)])
    if version is not None:
        for layer in model.layers:
            if isinstance(layer, layers.Dense):
                _bind_layer(layer, version)
    opt = optim.SGD(model.params, model.grads, lr=0.5)
    x, y = rng.standard_normal((8, 6)), rng.integers(0, 3, 8)
    for _ in range(TRAINING_STEPS):
        _, grad = losses.softmax_cross_entropy(model.forward(x, training=True), y)
        model.backward(grad)
        opt.step()
    return [np.array(p, dtype=np.float64) for p in model.params]


def _compare_training(expected: list[np.ndarray], got: list[np.ndarray]) -> dict[str, Any]:
    name = f"{TRAINING_STEPS} training steps"
    start = _train_start()
    for i, (want, have) in enumerate(zip(expected, got)):
        if not np.isfinite(have).all():
            return _part(name, float("inf"), "the weights became NaN or infinite")
        error = gradcheck.relative_error(have, want)
        if gradcheck.verdict(error) != "right":
            layer = "first" if i < 2 else "second"
            detail = f"the {layer} layer's weights differ from the reference's after training"
            if np.array_equal(have, start[i]):
                detail = (f"the {layer} layer's weights never changed: training calls its backward "
                          "with need_input_grad=False, and dW and db are needed then too")
            return _part(name, error, detail)
    return _part(name, 0.0, f"the weights match the reference after {TRAINING_STEPS} SGD steps")


def _train_start() -> list[np.ndarray]:
    rng = np.random.default_rng(1)
    model = layers.Sequential([layers.Dense(6, 5, "he", rng, dtype=np.float64), ReLU(),
                               layers.Dense(5, 3, "he", rng, dtype=np.float64)])
    return [p.copy() for p in model.params]


def _check_loss(version: Version) -> list[dict[str, Any]]:
    """The loss and its gradient against the reference and its finite differences, computed
    before the student's code runs."""
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((6, 10)) * 2
    labels = rng.integers(0, 10, 6)
    smoothings = (0.0, 0.1)
    references = {}
    for smoothing in smoothings:
        ref_value, _ = losses.softmax_cross_entropy(logits.copy(), labels, smoothing)
        numeric = gradcheck.numeric_grad(
            lambda: losses.softmax_cross_entropy(logits, labels, smoothing)[0], logits)
        references[smoothing] = (ref_value, numeric)
    loss = _loss(version)
    parts = []
    for smoothing in smoothings:
        suffix = "" if not smoothing else f" (label smoothing {smoothing})"
        ref_value, numeric = references[smoothing]
        value, grad = loss(logits.copy(), labels, smoothing)
        error = abs(value - ref_value) / max(1.0, abs(ref_value)) if np.isfinite(value) else float("inf")
        parts.append(_part("loss" + suffix, error, "" if error < gradcheck.TOLERANCE else
                           f"yours is {value:.6g}, the reference gives {ref_value:.6g}"))
        parts.append(_grad_part("gradient" + suffix, grad, numeric, "the gradient"))
    big_value, big_grad = loss(logits * 1000, labels, 0.0)
    finite = np.isfinite(big_value) and np.isfinite(np.asarray(big_grad, dtype=np.float64)).all()
    parts.append(_part("large logits", 0.0 if finite else float("inf"), "" if finite else
                       "logits around ±1000 give NaN or infinity: subtract each row's maximum "
                       "before exp()"))
    return parts


OPTIMIZER_CASES: dict[str, list[tuple[str, Any, dict[str, Any]]]] = {
    "sgd": [("plain SGD", optim.SGD, {"lr": 0.1}),
            ("momentum 0.9", optim.SGD, {"lr": 0.1, "momentum": 0.9}),
            ("Nesterov", optim.SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True})],
    "rmsprop": [("RMSProp", optim.RMSProp, {"lr": 0.01})],
    "adam": [("Adam", optim.Adam, {"lr": 0.01}),
             ("AdamW", optim.AdamW, {"lr": 0.01, "weight_decay": 0.1})],
}


def _check_optimizer(version: Version, cases: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    """A few steps against the reference's, whose parameters are computed first."""
    parts = []
    for name, cls, kwargs in OPTIMIZER_CASES[version.piece.id]:
        if cases is not None and name not in cases:
            continue
        rng = np.random.default_rng(0)
        start = [rng.standard_normal((3, 4)), rng.standard_normal(4)]
        grads = [[rng.standard_normal(p.shape) for p in start] for _ in range(OPTIMIZER_STEPS)]
        decay = [True, False]
        ref_p, ref_g = [p.copy() for p in start], [np.zeros_like(p) for p in start]
        reference = cls(ref_p, ref_g, decay=decay, **kwargs)
        trajectory = []
        for step_grads in grads:
            for a, g in zip(ref_g, step_grads):
                a[...] = g
            reference.step()
            trajectory.append([p.copy() for p in ref_p])
        stu_p, stu_g = [p.copy() for p in start], [np.zeros_like(p) for p in start]
        student = cls(stu_p, stu_g, decay=decay, **kwargs)
        _bind_optimizer(student, version)
        worst, first_bad, detail = 0.0, None, ""
        for step, (step_grads, expected) in enumerate(zip(grads, trajectory), start=1):
            for b, g in zip(stu_g, step_grads):
                b[...] = g
            student.step()
            errors = [gradcheck.relative_error(s, r) if np.isfinite(s).all() else float("inf")
                      for s, r in zip(stu_p, expected)]
            worst = max(worst, *errors)
            if first_bad is None and max(errors) >= gradcheck.TOLERANCE:
                first_bad = step
                if step == 1 and all(np.array_equal(s, p) for s, p in zip(stu_p, start)):
                    detail = ("your update did not change the parameters: change p in place "
                              "(p -= ..., or p[...] = ...), not p = p - ...")
                else:
                    detail = f"differs from the reference from step {step} on"
        if not detail:
            detail = f"matches the reference for {OPTIMIZER_STEPS} steps"
        parts.append(_part(name, worst, detail))
    return parts


def check(piece_id: str, code: str, required: tuple[str, ...] = (),
          cases: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Check a student's version of a piece; never raises for a mistake in their code.

    Returns {"piece", "ok", "verdict" ("right" | "nearly right" | "wrong" | "error"), "summary"
    (one sentence), "max_error" (largest relative error, or None), "parts": [{"name", "error",
    "verdict", "detail"}], "error": {"message", "line", "hint"} or None}.
    """
    piece = get_piece(piece_id)
    try:
        with judging():  # one time limit for the whole check; NumPy put back around every call
            version = compile_version(piece_id, code, required)
            if piece.kind == "layer":
                parts = _check_layer(version)
            elif piece.kind == "loss":
                parts = _check_loss(version)
            else:
                parts = _check_optimizer(version, cases)
    except StudentCodeError as err:
        return {"piece": piece_id, "ok": False, "verdict": "error", "max_error": None, "parts": [],
                "summary": str(err), "error": {"message": err.args[0], "line": err.line,
                                               "hint": err.hint}}
    errors = [p["error"] for p in parts]
    max_error = None if any(e is None for e in errors) else max(errors, default=0.0)
    verdicts = {p["verdict"] for p in parts}
    overall = "wrong" if "wrong" in verdicts else "nearly right" if "nearly right" in verdicts else "right"
    return {"piece": piece_id, "ok": overall == "right", "verdict": overall,
            "max_error": max_error, "parts": parts, "error": None,
            "summary": _summary(piece, overall, max_error, parts)}


def _summary(piece: Piece, overall: str, max_error: float | None, parts: list[dict[str, Any]]) -> str:
    size = "not a number" if max_error is None else f"{max_error:.1e}"
    if piece.kind == "optimizer":
        if overall == "right":
            return (f"Right: your update matches the reference for {OPTIMIZER_STEPS} steps "
                    f"(largest relative difference {size}).")
        bad = next(p for p in parts if p["verdict"] != "right")
        return f"{overall.capitalize()}: with {bad['name']} your update {bad['detail']} (largest relative difference {size})."
    if overall == "right":
        return (f"Right: your gradients match the finite-difference estimate (largest relative "
                f"error {size}).")
    bad = next(p for p in parts if p["verdict"] != "right")
    detail = f": {bad['detail']}" if bad["detail"] else ""
    return f"{overall.capitalize()}: {bad['name']} is off (largest relative error {size}){detail}."
