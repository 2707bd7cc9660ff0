"""Students' versions of the package's pieces: checks, errors with line numbers, swapping in and out.

Runs natively and inside Pyodide (the page's "Check" and "Train with my version" run there).
"""

import textwrap

import numpy as np
import pytest

from glassnet import exercises, piececheck, pieces, sandbox, webapi
from glassnet.activations import ReLU
from glassnet.errors import ConfigError, StudentCodeError
from glassnet.network import build_mlp
from glassnet.presets import make_config
from glassnet.train import Trainer
from glassnet.webapi import session

# Right answers to every exercise (the package ships none: students see the real code instead).
SOLUTIONS = {
    "relu": '''
def forward(self, x, training=False):
    self._mask = x > 0
    return x * self._mask

def backward(self, grad, need_input_grad=True):
    return grad * self._mask
''',
    "sigmoid_backward": '''
def backward(self, grad, need_input_grad=True):
    return grad * self._y * (1 - self._y)
''',
    "tanh_backward": '''
def backward(self, grad, need_input_grad=True):
    return grad * (1 - self._y ** 2)
''',
    "softmax_ce_gradient": '''
def softmax_cross_entropy(logits, labels, label_smoothing=0.0):
    n, classes = logits.shape
    logp = log_softmax(logits)
    target = np.zeros_like(logp)
    target[np.arange(n), labels] = 1.0
    if label_smoothing:
        target = target * (1 - label_smoothing) + label_smoothing / classes
    loss = -float((target * logp).sum()) / n
    return loss, (np.exp(logp) - target) / n
''',
    "sgd_momentum": '''
def _update(self, i, p, g):
    lr = p.dtype.type(self.lr)
    if self.velocity is None:
        p -= lr * g
        return
    v = self.velocity[i]
    v *= p.dtype.type(self.momentum)
    v -= lr * g
    p += v
''',
    "dense_backward": '''
def backward(self, grad, need_input_grad=True):
    self.dW[...] = self._x.T @ grad
    self.db[...] = grad.sum(axis=0)
    return grad @ self.W.T if need_input_grad else None
''',
}


def test_there_are_at_least_five_exercises_and_every_one_has_a_solution_here():
    assert len(exercises.EXERCISES) >= 5
    assert set(SOLUTIONS) == set(exercises.EXERCISES)


@pytest.mark.parametrize("exercise_id", sorted(SOLUTIONS))
def test_a_correct_solution_passes(exercise_id):
    report = exercises.check_exercise(exercise_id, SOLUTIONS[exercise_id])
    assert report["ok"], report
    assert report["verdict"] == "right" and report["summary"].startswith("Right")
    assert report["max_error"] < 1e-6


@pytest.mark.parametrize("exercise_id", sorted(SOLUTIONS))
def test_the_starter_does_not_pass(exercise_id):
    report = exercises.check_exercise(exercise_id, exercises.EXERCISES[exercise_id].starter)
    assert not report["ok"]
    assert report["verdict"] in ("wrong", "error")


@pytest.mark.parametrize("piece_id", [p for p, v in pieces.PIECES.items() if v.editable])
def test_the_packages_own_source_passes_its_own_check(piece_id):
    source = pieces.source(piece_id)
    assert "def " in source["code"] and source["functions"][0]["line"] > 0
    report = piececheck.check(piece_id, source["code"])
    assert report["ok"], report


def test_source_comes_from_the_loaded_package():
    src = pieces.source("relu")
    assert src["functions"][0]["name"] == "ReLU.forward"
    assert src["functions"][0]["file"] == "glassnet/activations.py"
    assert "self._mask = x > 0" in src["code"]
    assert "loss_fn" in pieces.source("train_step")["code"]
    assert pieces.pieces_in_use("tanh", "nesterov") == ["dense", "tanh", "softmax_cross_entropy",
                                                        "sgd", "train_step"]


def test_a_planted_wrong_relu_gradient_fails_naming_dx():
    wrong = SOLUTIONS["relu"].replace("return grad * self._mask", "return grad")
    report = exercises.check_exercise("relu", wrong)
    assert not report["ok"] and report["verdict"] == "wrong"
    assert report["summary"].startswith("Wrong: dx is off (largest relative error")
    assert report["max_error"] > 0.1
    dx = next(p for p in report["parts"] if p["name"] == "dx")
    assert "finite differences give" in dx["detail"]


def test_a_planted_wrong_sigmoid_gradient_fails():
    report = exercises.check_exercise("sigmoid_backward", '''
def backward(self, grad, need_input_grad=True):
    return grad * self._y
''')
    assert report["verdict"] == "wrong" and "dx is off" in report["summary"]


def test_a_dense_backward_that_forgets_the_batch_sum_of_db_fails_on_db():
    report = exercises.check_exercise("dense_backward", SOLUTIONS["dense_backward"].replace(
        "grad.sum(axis=0)", "grad[0]"))
    assert not report["ok"] and "db is off" in report["summary"]


def test_a_dense_backward_that_rebinds_dW_is_told_why_it_fails():
    report = exercises.check_exercise("dense_backward", SOLUTIONS["dense_backward"].replace(
        "self.dW[...] =", "self.dW ="))
    dW = next(p for p in report["parts"] if p["name"] == "dW")
    assert dW["verdict"] == "wrong" and "self.dW[...] =" in dW["detail"]


def test_softmax_gradient_without_dividing_by_n_is_wrong():
    report = exercises.check_exercise("softmax_ce_gradient", SOLUTIONS["softmax_ce_gradient"]
                                      .replace("(np.exp(logp) - target) / n", "np.exp(logp) - target"))
    assert report["verdict"] == "wrong" and "gradient is off" in report["summary"]


def test_an_unstable_softmax_fails_on_large_logits():
    code = '''
def softmax_cross_entropy(logits, labels, label_smoothing=0.0):
    n, classes = logits.shape
    e = np.exp(logits)
    p = e / e.sum(axis=1, keepdims=True)
    target = np.zeros_like(p)
    target[np.arange(n), labels] = 1.0
    if label_smoothing:
        target = target * (1 - label_smoothing) + label_smoothing / classes
    return -float((target * np.log(p)).sum()) / n, (p - target) / n
'''
    with np.errstate(all="ignore"):
        report = piececheck.check("softmax_cross_entropy", code)
    assert not report["ok"]
    large = next(p for p in report["parts"] if p["name"] == "large logits")
    assert large["verdict"] == "wrong" and "maximum" in large["detail"]


def test_momentum_with_the_wrong_sign_differs_from_the_reference():
    report = exercises.check_exercise("sgd_momentum", SOLUTIONS["sgd_momentum"].replace(
        "v -= lr * g", "v += lr * g"))
    assert report["verdict"] == "wrong"
    assert "momentum 0.9" in report["summary"] and "differs from the reference from step 1" in report["summary"]


def test_an_update_that_rebinds_p_is_told_to_work_in_place():
    report = exercises.check_exercise("sgd_momentum", SOLUTIONS["sgd_momentum"].replace(
        "        p -= lr * g\n", "        p = p - lr * g\n"))
    assert "change p in place" in report["summary"]


def error_of(code, exercise_id="relu"):
    report = exercises.check_exercise(exercise_id, code)
    assert report["verdict"] == "error" and not report["ok"], report
    return report["error"]


def test_a_syntax_error_names_its_line():
    error = error_of("def forward(self, x, training=False):\n    return x *\n")
    assert error["line"] == 2 and error["message"].startswith("syntax error")


def test_an_exception_names_its_line():
    error = error_of(SOLUTIONS["relu"].replace("return grad * self._mask", "return grad * self.mask"))
    assert error["line"] == 7
    assert "AttributeError" in error["message"] and "ReLU backward" in error["message"]


def test_a_wrong_shape_is_reported_with_both_shapes():
    error = error_of(SOLUTIONS["relu"].replace("return grad * self._mask", "return grad.sum(axis=0)"))
    assert "returned shape (6,), expected (4, 6)" in error["message"]
    assert error["line"] == 6  # the def line of backward


def test_missing_functions_are_named():
    error = error_of("def forward(self, x, training=False):\n    return x\n")
    assert "must define backward" in error["message"]


def test_nan_in_a_gradient_is_wrong_not_a_crash():
    with np.errstate(all="ignore"):
        report = exercises.check_exercise("sigmoid_backward", '''
def backward(self, grad, need_input_grad=True):
    return grad * np.log(-1.0)
''')
    assert report["verdict"] == "wrong" and "NaN" in report["summary"]


def test_an_endless_loop_is_stopped(monkeypatch):
    monkeypatch.setattr(sandbox, "DEFAULT_BUDGET_S", 0.2)
    error = error_of(SOLUTIONS["relu"].replace("    return grad * self._mask",
                                               "    while True:\n        pass"))
    assert "endless loop" in error["message"] and error["line"] == 7  # the while line
    error = error_of(SOLUTIONS["relu"].replace("    return grad * self._mask",
                                               "    return [i for i in iter(int, 1)]"))
    assert "endless loop" in error["message"]


def test_student_code_cannot_import_the_page_bridge_or_the_system():
    for module in ("js", "pyodide", "pyodide.ffi", "os", "sys", "ctypes"):
        error = error_of(f"import {module}\n" + SOLUTIONS["relu"])
        assert error["line"] == 1 and f"cannot import {module!r}" in error["message"]
    report = exercises.check_exercise("relu", "import math\nfrom functools import reduce\n" + SOLUTIONS["relu"])
    assert report["ok"]


def trainer_for(small_data, **options):
    config = make_config({"layers": [16], "epochs": 1, "batch_size": 100, **options})
    return Trainer(config, small_data)


def test_swapping_a_layer_into_one_run_and_out_again(small_data):
    counting = SOLUTIONS["relu"].replace("    self._mask = x > 0",
                                         "    self.calls = getattr(self, 'calls', 0) + 1\n    self._mask = x > 0")
    version = pieces.compile_version("relu", counting)
    trainer = trainer_for(small_data)
    other = build_mlp([16], "relu")
    labels = pieces.apply(trainer, [version])
    assert labels == ["your ReLU (forward, backward)"]
    events = list(trainer.events())
    assert events[-1]["event"] == "done"
    reference = list(trainer_for(small_data).events())  # same maths, so the same run
    assert events[-2]["test_accuracy"] == pytest.approx(reference[-2]["test_accuracy"])
    assert events[-2]["train_loss"] == pytest.approx(reference[-2]["train_loss"], rel=1e-5)
    relu = next(layer for layer in trainer.model.layers if isinstance(layer, ReLU))
    assert relu.calls >= trainer.steps_per_epoch  # the student's forward ran every step
    other.forward(np.zeros((2, 784), np.float32))  # other models keep the reference
    assert not hasattr(other.layers[1], "calls")
    pieces.restore(trainer)
    calls = relu.calls
    trainer.model.forward(np.zeros((2, 784), np.float32))
    assert relu.calls == calls and "forward" not in vars(relu)


def test_a_swapped_in_error_stops_training_with_the_line(small_data):
    broken = SOLUTIONS["relu"].replace("return grad * self._mask", "return grad * self.mask")
    trainer = trainer_for(small_data)
    pieces.apply(trainer, [pieces.compile_version("relu", broken)])
    with pytest.raises(StudentCodeError) as info:
        next(trainer.events())
    assert info.value.line == 7 and str(info.value).startswith("line 7: ReLU backward raised")


def test_swapping_the_loss_and_the_optimizer(small_data):
    trainer = trainer_for(small_data, optimizer="momentum", lr=0.05)
    loss = exercises.EXERCISES["softmax_ce_gradient"]
    labels = pieces.apply(trainer, [
        pieces.compile_version("softmax_cross_entropy", SOLUTIONS["softmax_ce_gradient"], loss.required),
        pieces.compile_version("sgd", SOLUTIONS["sgd_momentum"])])
    assert len(labels) == 2
    reference = trainer_for(small_data, optimizer="momentum", lr=0.05)
    x, y = trainer.next_batch()
    rx, ry = reference.next_batch()
    assert np.array_equal(x, rx)
    trainer.train_step(x, y)
    reference.train_step(rx, ry)
    for p, q in zip(trainer.model.params, reference.model.params):
        np.testing.assert_allclose(p, q, rtol=1e-5, atol=1e-6)


def test_a_piece_that_the_run_does_not_use_is_refused_with_the_setting_to_change(small_data):
    trainer = trainer_for(small_data, activation="tanh")
    with pytest.raises(ConfigError) as info:
        pieces.apply(trainer, [pieces.compile_version("relu", SOLUTIONS["relu"])])
    assert "no ReLU layer" in str(info.value) and "activation 'relu'" in info.value.hint


def test_webapi_arms_code_for_the_next_run_only(small_data):
    saved = session.replace(session.Session())
    session.get().data = small_data
    try:
        armed = webapi.code_use(exercise="relu", code=SOLUTIONS["relu"])
        assert armed["armed"] and armed["settings"] == {"activation": "relu"}
        first = webapi.start({"layers": [16], "epochs": 1, "activation": "relu"})
        assert first["custom_code"] == ["your ReLU (forward, backward)"]
        assert webapi.info()["custom_code"] == first["custom_code"]
        second = webapi.start({"layers": [16], "epochs": 1})
        assert second["custom_code"] == []
        refused = webapi.code_use(piece="relu", code="def forward(:\n")
        assert refused["armed"] is False and refused["error"]["line"] == 1
        report = webapi.code_check(exercise="relu", code="def forward(:\n")
        assert report["error"]["line"] == 1
        assert len(webapi.exercises()["exercises"]) >= 5
        listing = webapi.code_pieces(activation="sigmoid", optimizer="adamw")
        assert listing["in_use"][1:4] == ["sigmoid", "softmax_cross_entropy", "adam"]
        assert all(p["code"] for p in listing["pieces"])
        webapi.code_use(piece="relu", code=SOLUTIONS["relu"])
        webapi.start({"layers": [16], "epochs": 1})
        assert webapi.code_reset() == {"restored": True}
        assert webapi.info()["custom_code"] == []
        assert not any("forward" in vars(layer) for layer in session.get().model.layers)
    finally:
        webapi.code_reset()
        session.replace(saved)


# ---------------------------------------------------------------- a judge that cannot be bribed
# (issue 19: every exception is the student's, the time limit holds, NumPy stays NumPy)

RELU_BACKWARD_BODY = "    return grad * self._mask"


def relu_with_backward(body):
    return SOLUTIONS["relu"].replace(RELU_BACKWARD_BODY, body)


@pytest.mark.parametrize("raised, name", [("SystemExit(0)", "SystemExit"),
                                          ("KeyboardInterrupt()", "KeyboardInterrupt"),
                                          ("GeneratorExit()", "GeneratorExit")])
def test_base_exceptions_raised_by_student_code_are_the_students_with_their_line(raised, name):
    error = error_of(SOLUTIONS["relu"].replace("    self._mask = x > 0",
                                               f"    raise {raised}\n    self._mask = x > 0"))
    assert error["line"] == 3 and f"ReLU forward raised {name}" in error["message"]
    error = error_of(f"raise {raised}\n" + SOLUTIONS["relu"])  # while defining
    assert error["line"] == 1 and name in error["message"]


def test_a_loop_that_swallows_the_time_limit_is_stopped_all_the_same(monkeypatch):
    monkeypatch.setattr(sandbox, "DEFAULT_BUDGET_S", 0.2)
    for handler in ("except Exception", "except BaseException", "except"):
        error = error_of(relu_with_backward(
            "    while True:\n        try:\n            while True:\n                pass\n"
            f"        {handler}:\n            pass"))
        assert "ran for more than" in error["message"] and error["line"] in (7, 9)


def test_recursion_without_a_loop_statement_is_stopped(monkeypatch):
    monkeypatch.setattr(sandbox, "DEFAULT_BUDGET_S", 0.2)
    # 2**60 calls, never deeper than 60: no RecursionError, no loop statement
    error = error_of("def f(n):\n    return 0 if n == 0 else f(n - 1) + f(n - 1)\n"
                     + relu_with_backward("    f(60)\n" + RELU_BACKWARD_BODY))
    assert "ran for more than" in error["message"] and error["line"] == 2
    # deep recursion whose RecursionError is swallowed at every level
    error = error_of("def g():\n    try:\n        g()\n    except RecursionError:\n        g()\n"
                     + relu_with_backward("    g()\n" + RELU_BACKWARD_BODY))
    assert error["line"] is not None and error["line"] <= 5


def test_the_time_limit_covers_the_whole_check_not_each_call(monkeypatch):
    ticks = iter(range(10**9))
    monkeypatch.setattr(sandbox, "_clock", lambda: next(ticks) * 0.01)  # 0.01 s a tick
    monkeypatch.setattr(sandbox, "DEFAULT_BUDGET_S", 1.0)
    # each call of the loss ticks 60 times (0.6 s), under the budget; the check calls it 3 times
    slow = SOLUTIONS["softmax_ce_gradient"].replace("    n, classes = logits.shape",
                                                    "    for _ in range(60):\n        pass\n"
                                                    "    n, classes = logits.shape")
    error = error_of(slow, "softmax_ce_gradient")
    assert "ran for more than 1 s" in error["message"]


DENSE_SKIPPING_GRADS = '''
def backward(self, grad, need_input_grad=True):
    if not need_input_grad:
        return None
    self.dW[...] = self._x.T @ grad
    self.db[...] = grad.sum(axis=0)
    return grad @ self.W.T
'''


def test_a_dense_backward_that_skips_dW_without_need_input_grad_fails():
    report = exercises.check_exercise("dense_backward", DENSE_SKIPPING_GRADS)
    assert report["verdict"] == "wrong", report["summary"]
    names = {p["name"]: p for p in report["parts"] if p["verdict"] != "right"}
    assert any("need_input_grad" in name for name in names), names
    assert any("training" in name for name in names), names


def test_the_dense_check_trains_a_few_steps_and_passes_a_right_backward():
    report = exercises.check_exercise("dense_backward", SOLUTIONS["dense_backward"])
    assert report["ok"], report["summary"]
    assert any("training" in p["name"] for p in report["parts"])


def test_student_code_cannot_bribe_the_judge_by_patching_numpy():
    zeros = """
def forward(self, x, training=False):
    self._mask = x > 0
    return np.zeros_like(x)

def backward(self, grad, need_input_grad=True):
    return np.zeros_like(grad)
"""
    real_max, real_abs, real_isfinite = np.max, np.abs, np.isfinite
    # the plain way is an error on its line
    error = error_of("np.max = lambda *a, **k: 0.0\n" + zeros)
    assert error["line"] == 1 and "cannot change numpy.max" in error["message"]
    # through the back door, at module level and while the check runs: still wrong, and undone
    patches = ("np.__dict__['max'] = lambda *a, **k: 0.0\n"
               "np.__dict__['abs'] = lambda *a, **k: np.zeros(1)\n"
               "np.__dict__['isfinite'] = lambda *a, **k: np.ones(1, bool)\n")
    report = exercises.check_exercise("relu", patches + zeros)
    assert report["verdict"] == "wrong", report["summary"]
    assert (np.max, np.abs, np.isfinite) == (real_max, real_abs, real_isfinite)
    inside = zeros.replace("    self._mask = x > 0\n",
                           "    self._mask = x > 0\n" + textwrap.indent(patches, "    "))
    report = exercises.check_exercise("relu", inside)
    assert report["verdict"] == "wrong", report["summary"]
    assert (np.max, np.abs, np.isfinite) == (real_max, real_abs, real_isfinite)


def test_code_reset_in_the_page_restores_numpy(small_data):
    saved = session.replace(session.Session())
    session.get().data = small_data
    real_max = np.max
    try:
        code = SOLUTIONS["relu"].replace("    self._mask = x > 0",
                                         "    np.__dict__['max'] = min\n    self._mask = x > 0")
        assert webapi.code_use(exercise="relu", code=code)["armed"]
        assert np.max is real_max  # defining it changed nothing
        webapi.start({"layers": [16], "epochs": 1, "activation": "relu"})
        webapi.run(0.05)  # the student's forward ran and patched NumPy during the run
        assert np.max is min
        webapi.code_reset()
        assert np.max is real_max
    finally:
        np.max = real_max
        session.replace(saved)


@pytest.mark.parametrize("terms", [500, 5000])
def test_a_huge_expression_is_one_clear_error_naming_its_line(terms):
    code = SOLUTIONS["relu"] + "\nx = " + " + ".join(["1"] * terms) + "\n"
    error = error_of(code)
    assert error["line"] == SOLUTIONS["relu"].count("\n") + 2
    assert "too deeply nested" in error["message"] and len(error["message"]) < 300


def test_long_but_flat_code_still_compiles():
    flat = "TABLE = [" + ", ".join(f"-{i}" for i in range(3000)) + "]\n"
    flat += "CHAIN = (1 if True else 2, " + " and ".join(["True"] * 300) + ")\n"
    assert exercises.check_exercise("relu", flat + SOLUTIONS["relu"])["ok"]
