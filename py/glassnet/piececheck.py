"""The checks of a student's version of a piece, which never raise for a mistake in it.

Checked the way the test suite checks the package: a layer or the loss by finite differences
(``gradcheck``), an optimizer against the reference for a few steps. Every reference number is
computed before the student's code runs, so the code cannot change what it is compared with.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import gradcheck, layers, losses, optim
from .activations import ReLU
from .errors import StudentCodeError
from .pieces import Piece, Version, bind_layer, bind_optimizer, compile_version, get_piece, student_loss
from .sandbox import judging

OPTIMIZER_STEPS = 5  # steps an optimizer is compared with the reference for


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
    bind_layer(layer, version)
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
                bind_layer(layer, version)
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
            lambda smoothing=smoothing: losses.softmax_cross_entropy(logits, labels, smoothing)[0], logits)
        references[smoothing] = (ref_value, numeric)
    loss = student_loss(version)
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
        bind_optimizer(student, version)
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
        return (f"{overall.capitalize()}: with {bad['name']} your update {bad['detail']} (largest relative "
                f"difference {size}).")
    if overall == "right":
        return (f"Right: your gradients match the finite-difference estimate (largest relative "
                f"error {size}).")
    bad = next(p for p in parts if p["verdict"] != "right")
    detail = f": {bad['detail']}" if bad["detail"] else ""
    return f"{overall.capitalize()}: {bad['name']} is off (largest relative error {size}){detail}."
