"""Where an epoch's time goes, and which matrix-product formulation is fastest, on this platform.

Why: Pyodide's NumPy has no BLAS, so the best way to write a product differs between native and
browser (see glassnet/backend.py). This file runs unchanged natively and inside Pyodide and returns
plain dicts: per-formulation timings for the exact shapes of the benchmark MLP, an epoch broken
down by operation, and whole-epoch timings of backend combinations.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import numpy as np

from glassnet import backend, losses
from glassnet.data import to_float

# (name, (m, k), (k, n)): the products of one 784-128-10 step at batch 64, and evaluation.
NN_SHAPES = [("x@W1 fwd", (64, 784), (784, 128)), ("h@W2 fwd", (64, 128), (128, 10)),
             ("eval x@W1", (1000, 784), (784, 128))]
# a.T @ b with a (m, k), b (m, n): weight gradients.
TN_SHAPES = [("x.T@g1 dW1", (64, 784), (64, 128)), ("h.T@g2 dW2", (64, 128), (64, 10))]
# a @ b.T with a (m, n), b (k, n): input gradients.
NT_SHAPES = [("g2@W2.T dh", (64, 10), (128, 10))]


def _rank1_nn(a, b):
    """Sum over k of outer products, one NumPy call per k (long contiguous rows of b)."""
    out = np.zeros((a.shape[0], b.shape[1]), dtype=a.dtype)
    for k in range(a.shape[1]):
        out += a[:, k:k + 1] * b[k]
    return out


def _rank1_tn(a, b):
    """Sum over the batch of outer products a[i] x b[i], one NumPy call per example."""
    out = np.zeros((a.shape[1], b.shape[1]), dtype=a.dtype)
    tmp = np.empty_like(out)
    for i in range(a.shape[0]):
        np.multiply(a[i][:, None], b[i], out=tmp)
        out += tmp
    return out


def _rows_nn(a, b):
    """One row of the result at a time: a vector-matrix product per row, via einsum."""
    return np.stack([np.einsum("j,jk->k", row, b) for row in a])


def _blocked(block: int, inner: Callable) -> Callable:
    """a @ b as a sum over blocks of the contraction axis: each block of b stays in cache.

    Without BLAS, NumPy's product walks a column of b per output element; with a short
    contraction (and a small block of b) that walk stays inside the L1 cache.
    """
    def run(a, b):
        k = a.shape[1]
        out = inner(a[:, :block], b[:block])
        for start in range(block, k, block):
            out += inner(a[:, start:start + block], b[start:start + block])
        return out
    return run


def _matmul(a, b):
    return a @ b


def _einsum(a, b):
    return np.einsum("ij,jk->ik", a, b)


def _f64(f):
    def run(a, b):
        return f(a.astype(np.float64), b.astype(np.float64)).astype(np.float32)
    return run


NN = {
    "a @ b": lambda a, b: a @ b,
    "np.dot": np.dot,
    "einsum ij,jk": lambda a, b: np.einsum("ij,jk->ik", a, b),
    "einsum optimize": lambda a, b: np.einsum("ij,jk->ik", a, b, optimize=True),
    "tensordot": lambda a, b: np.tensordot(a, b, axes=1),
    "einsum ij,kj (b.T stored)": None,  # filled per call: b transposed and made contiguous first
    "einsum ij,kj on b.T copy": lambda a, b: np.einsum("ij,kj->ik", a, np.ascontiguousarray(b.T)),
    "rank-1 loop over k": _rank1_nn,
    "K-blocked @ 32": _blocked(32, _matmul),
    "K-blocked @ 64": _blocked(64, _matmul),
    "K-blocked @ 128": _blocked(128, _matmul),
    "K-blocked einsum 64": _blocked(64, _einsum),
    "K-blocked einsum 128": _blocked(128, _einsum),
    "K-blocked einsum 256": _blocked(256, _einsum),
    "float64 @": _f64(lambda a, b: a @ b),
    "float64 einsum": _f64(lambda a, b: np.einsum("ij,jk->ik", a, b)),
}
TN = {
    "a.T @ b": lambda a, b: a.T @ b,
    "np.dot(a.T, b)": lambda a, b: np.dot(a.T, b),
    "einsum ji,jk": lambda a, b: np.einsum("ji,jk->ik", a, b),
    "einsum on a.T copy": lambda a, b: np.einsum("ij,jk->ik", np.ascontiguousarray(a.T), b),
    "a.T copy @ b": lambda a, b: np.ascontiguousarray(a.T) @ b,
    "tensordot axes 0,0": lambda a, b: np.tensordot(a, b, axes=(0, 0)),
    "einsum ji,jk optimize": lambda a, b: np.einsum("ji,jk->ik", a, b, optimize=True),
    "rank-1 loop over batch": _rank1_tn,
    "einsum ij,ik->jk b.T": lambda a, b: np.einsum("ij,ik->kj", b, a),
}
NT = {
    "a @ b.T": lambda a, b: a @ b.T,
    "einsum ij,kj": lambda a, b: np.einsum("ij,kj->ik", a, b),
    "einsum on b.T copy": lambda a, b: np.einsum("ij,jk->ik", a, np.ascontiguousarray(b.T)),
    "np.dot(a, b.T)": lambda a, b: np.dot(a, b.T),
    "tensordot axes 1,1": lambda a, b: np.tensordot(a, b, axes=(1, 1)),
}


def _calls_for(f: Callable[[], object], budget: float) -> int:
    """How many calls take about `budget` seconds (at least one)."""
    f()
    n = 1
    while n < 1 << 16:
        t0 = time.perf_counter()
        for _ in range(n):
            f()
        if time.perf_counter() - t0 >= budget:
            break
        n *= 2
    return n


def _interleaved(calls: dict[str, Callable[[], object]], budget: float, rounds: int) -> dict[str, float]:
    """Seconds per call for each function: round-robin rounds, best round kept.

    Interleaving and keeping the minimum make the comparison fair on a machine whose load changes
    while it runs (other processes only ever make a round slower).
    """
    counts = {name: _calls_for(f, budget) for name, f in calls.items()}
    best = {name: float("inf") for name in calls}
    for _ in range(rounds):
        for name, f in calls.items():
            n = counts[name]
            t0 = time.perf_counter()
            for _ in range(n):
                f()
            best[name] = min(best[name], (time.perf_counter() - t0) / n)
    return best


def products(budget: float = 0.03, rounds: int = 5, skip_slow: bool = True) -> list[dict]:
    """Microseconds per call for every formulation and shape; results checked against float64."""
    rng = np.random.default_rng(0)
    rows = []

    def measure(kind, label, formulations, a, b, reference):
        calls, errors = {}, {}
        for name, f in formulations.items():
            if f is None:
                bt = np.ascontiguousarray(b.T)
                def f(a, b, bt=bt):
                    return np.einsum("ij,kj->ik", a, bt)
            if skip_slow and name in ("rank-1 loop over k", "float64 @") and a.shape[0] > 100:
                continue
            out = f(a, b)
            errors[name] = float(np.max(np.abs(np.asarray(out, dtype=np.float64) - reference)))
            calls[name] = (lambda f=f: f(a, b))
        for name, seconds in _interleaved(calls, budget, rounds).items():
            rows.append({"kind": kind, "shape": label, "formulation": name,
                         "us": round(seconds * 1e6, 1), "max_abs_err": errors[name]})

    for label, sa, sb in NN_SHAPES:
        a = rng.standard_normal(sa).astype(np.float32)
        b = rng.standard_normal(sb).astype(np.float32)
        measure("nn", label, NN, a, b, a.astype(np.float64) @ b.astype(np.float64))
    for label, sa, sb in TN_SHAPES:
        a = rng.standard_normal(sa).astype(np.float32)
        b = rng.standard_normal(sb).astype(np.float32)
        measure("tn", label, TN, a, b, a.T.astype(np.float64) @ b.astype(np.float64))
    for label, sa, sb in NT_SHAPES:
        a = rng.standard_normal(sa).astype(np.float32)
        b = rng.standard_normal(sb).astype(np.float32)
        measure("nt", label, NT, a, b, a.astype(np.float64) @ b.T.astype(np.float64))
    return rows


class _Clock:
    """Accumulates seconds per label; wraps functions so their time lands under a label."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def add(self, label: str, seconds: float) -> None:
        self.seconds[label] = self.seconds.get(label, 0.0) + seconds

    def wrap(self, label: str, f: Callable) -> Callable:
        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return f(*args, **kwargs)
            finally:
                self.add(label, time.perf_counter() - t0)
        return timed


def breakdown(bench, data, batches: int = 300) -> dict:
    """One partial epoch with every stage timed: where does a step's time go?

    Matrix products are timed inside forward/backward, so "forward other" and "backward other" are
    the rest of those stages (bias add, ReLU, masks).
    """
    clock = _Clock()
    saved = backend.matmul, backend.matmul_tn, backend.matmul_nt
    backend.matmul = clock.wrap("matmul nn (x@W)", saved[0])
    backend.matmul_tn = clock.wrap("matmul tn (dW = x.T@g)", saved[1])
    backend.matmul_nt = clock.wrap("matmul nt (dx = g@W.T)", saved[2])
    try:
        model, opt = bench.build(0)
        idx = bench.order(len(data.train_y), 0)[: batches * bench.BATCH]
        t_all = time.perf_counter()
        for start in range(0, len(idx), bench.BATCH):
            rows = idx[start:start + bench.BATCH]
            t0 = time.perf_counter()
            x = to_float(data.train_x[rows])
            y = data.train_y[rows]
            t1 = time.perf_counter()
            logits = model.forward(x, True)
            t2 = time.perf_counter()
            loss, grad = losses.softmax_cross_entropy(logits, y)
            t3 = time.perf_counter()
            model.backward(grad)
            t4 = time.perf_counter()
            opt.step()
            t5 = time.perf_counter()
            clock.add("batch to float32", t1 - t0)
            clock.add("forward", t2 - t1)
            clock.add("loss", t3 - t2)
            clock.add("backward", t4 - t3)
            clock.add("adam step", t5 - t4)
        total = time.perf_counter() - t_all
    finally:
        backend.matmul, backend.matmul_tn, backend.matmul_nt = saved
    s = clock.seconds
    parts = {
        "batch to float32": s.get("batch to float32", 0.0),
        "matmul nn (x@W)": s.get("matmul nn (x@W)", 0.0),
        "forward other (bias, ReLU)": s.get("forward", 0.0) - s.get("matmul nn (x@W)", 0.0),
        "loss (softmax CE)": s.get("loss", 0.0),
        "matmul tn (dW = x.T@g)": s.get("matmul tn (dW = x.T@g)", 0.0),
        "matmul nt (dx = g@W.T)": s.get("matmul nt (dx = g@W.T)", 0.0),
        "backward other (db, ReLU mask)": s.get("backward", 0.0) - s.get("matmul tn (dW = x.T@g)", 0.0)
        - s.get("matmul nt (dx = g@W.T)", 0.0),
        "adam step": s.get("adam step", 0.0),
    }
    parts["python/loop overhead"] = total - sum(parts.values())
    done = -(-len(idx) // bench.BATCH)
    return {"batches": done, "backend": backend.name(), "total_s": total,
            "epoch_estimate_s": total * (len(data.train_y) / bench.BATCH) / done,
            "parts": {k: {"s": round(v, 4), "share": round(v / total, 3)} for k, v in parts.items()}}


def epoch_variants(bench, data, variants: dict[str, tuple[Callable, Callable, Callable]],
                   batches: int = 300, rounds: int = 3) -> list[dict]:
    """Partial epochs with backend.matmul / matmul_tn / matmul_nt replaced, interleaved rounds."""
    saved = backend.matmul, backend.matmul_tn, backend.matmul_nt
    idx = bench.order(len(data.train_y), 0)[: batches * bench.BATCH]
    times: dict[str, list[float]] = {name: [] for name in variants}
    try:
        for _ in range(rounds):
            for name, (nn, tn, nt) in variants.items():
                backend.matmul, backend.matmul_tn, backend.matmul_nt = nn, tn, nt
                model, opt = bench.build(0)
                t0 = time.perf_counter()
                bench.train_steps(model, opt, data, idx)
                times[name].append(time.perf_counter() - t0)
    finally:
        backend.matmul, backend.matmul_tn, backend.matmul_nt = saved
    scale = len(data.train_y) / len(idx)
    return [{"variant": name, "partial_s": [round(t, 3) for t in ts],
             "epoch_estimate_s": round(min(ts) * scale, 3)} for name, ts in times.items()]


def default_variants() -> dict[str, tuple[Callable, Callable, Callable]]:
    e = np.einsum
    return {
        "blas: a@b, a.T@b, a@b.T": (lambda a, b: a @ b, lambda a, b: a.T @ b, lambda a, b: a @ b.T),
        "einsum: ij,jk / ji,jk / ij,kj": (lambda a, b: e("ij,jk->ik", a, b),
                                          lambda a, b: e("ji,jk->ik", a, b),
                                          lambda a, b: e("ij,kj->ik", a, b)),
        "einsum, tn on a.T copy": (lambda a, b: e("ij,jk->ik", a, b),
                                   lambda a, b: e("ij,jk->ik", np.ascontiguousarray(a.T), b),
                                   lambda a, b: e("ij,kj->ik", a, b)),
        "einsum nn, @ for tn and nt": (lambda a, b: e("ij,jk->ik", a, b), lambda a, b: a.T @ b,
                                       lambda a, b: a @ b.T),
        "K-blocked @ 64 nn, @ tn and nt": (_blocked(64, _matmul), lambda a, b: a.T @ b,
                                           lambda a, b: a @ b.T),
        "K-blocked @ 64 nn, einsum tn, @ nt": (_blocked(64, _matmul), lambda a, b: e("ji,jk->ik", a, b),
                                               lambda a, b: a @ b.T),
        "K-blocked einsum 128 nn, einsum tn, @ nt": (_blocked(128, _einsum),
                                                     lambda a, b: e("ji,jk->ik", a, b),
                                                     lambda a, b: a @ b.T),
        "einsum ij,kj on W.T copy nn, einsum tn, @ nt": (
            lambda a, b: e("ij,kj->ik", a, np.ascontiguousarray(b.T)),
            lambda a, b: e("ji,jk->ik", a, b), lambda a, b: a @ b.T),
        "K-blocked @ 32 nn, einsum tn, @ nt": (_blocked(32, _matmul), lambda a, b: e("ji,jk->ik", a, b),
                                               lambda a, b: a @ b.T),
        "einsum nn, einsum tn, @ nt": (lambda a, b: e("ij,jk->ik", a, b),
                                       lambda a, b: e("ji,jk->ik", a, b), lambda a, b: a @ b.T),
        "tensordot": (lambda a, b: np.tensordot(a, b, axes=1),
                      lambda a, b: np.tensordot(a, b, axes=(0, 0)),
                      lambda a, b: np.tensordot(a, b, axes=(1, 1))),
    }


def run_all(bench, data, batches: int = 300, quick: bool = False) -> dict:
    """Everything above, as one JSON-able dict."""
    return {
        "backend": backend.name(),
        "products": products(0.01, 2) if quick else products(),
        "breakdown": breakdown(bench, data, batches),
        "variants": epoch_variants(bench, data, default_variants(), batches, rounds=1 if quick else 3),
    }


# ---------------------------------------------------------------- CPU-timed cases
# One call per case, so the caller can time each by the training thread's CPU time (inside
# Pyodide there is no CPU clock; the host reads the worker thread's /proc entry). On a machine
# that other work shares, CPU time is steady where wall time is not.

_S: dict[str, np.ndarray] = {}
_BIG = 1_000_000  # m*k*n above which einsum beats @ without BLAS


def _mix_nn(a, b):
    return np.einsum("ij,jk->ik", a, b) if a.shape[0] * a.shape[1] * b.shape[1] > _BIG else a @ b


def _mix_nn_wt(a, b):
    if a.shape[0] * a.shape[1] * b.shape[1] > _BIG:
        return np.einsum("ij,kj->ik", a, np.ascontiguousarray(b.T))
    return a @ b


def _mix_tn(a, b):
    return np.einsum("ji,jk->ik", a, b) if a.shape[0] * a.shape[1] * b.shape[1] > _BIG else a.T @ b


def _mix_nt(a, b):
    return np.einsum("ij,kj->ik", a, b) if a.shape[0] * a.shape[1] * b.shape[0] > _BIG else a @ b.T


def _einsum_all():
    return (lambda a, b: np.einsum("ij,jk->ik", a, b), lambda a, b: np.einsum("ji,jk->ik", a, b),
            lambda a, b: np.einsum("ij,kj->ik", a, b))


def _matmul_all():
    return (lambda a, b: a @ b, lambda a, b: a.T @ b, lambda a, b: a @ b.T)


CPU_PRODUCTS = {  # name -> (calls, function of the prepared arrays)
    "nn 64x784x128 einsum ij,jk": (200, lambda s: np.einsum("ij,jk->ik", s["x"], s["W"])),
    "nn 64x784x128 a @ b": (100, lambda s: s["x"] @ s["W"]),
    "nn 64x784x128 einsum ij,kj, W.T stored": (200, lambda s: np.einsum("ij,kj->ik", s["x"], s["WT"])),
    "nn 64x784x128 einsum ij,kj, W.T copied": (
        200, lambda s: np.einsum("ij,kj->ik", s["x"], np.ascontiguousarray(s["W"].T))),
    "nn 64x784x128 x @ WT.T, W.T stored": (100, lambda s: s["x"] @ s["WT"].T),
    "nn 64x784x128 tensordot": (100, lambda s: np.tensordot(s["x"], s["W"], axes=1)),
    "nn 64x784x128 einsum optimize=True": (100, lambda s: np.einsum("ij,jk->ik", s["x"], s["W"], optimize=True)),
    "nn 64x784x128 K-blocked einsum 128": (200, lambda s: _blocked(128, _einsum)(s["x"], s["W"])),
    "nn 64x784x128 float64 einsum": (100, lambda s: np.einsum("ij,jk->ik", s["x64"], s["W64"])),
    "eval 1000x784x128 einsum ij,jk": (10, lambda s: np.einsum("ij,jk->ik", s["X"], s["W"])),
    "eval 1000x784x128 a @ b": (5, lambda s: s["X"] @ s["W"]),
    "eval 1000x784x128 einsum ij,kj, W.T stored": (10, lambda s: np.einsum("ij,kj->ik", s["X"], s["WT"])),
    "tn 784x64x128 einsum ji,jk": (200, lambda s: np.einsum("ji,jk->ik", s["x"], s["g"])),
    "tn 784x64x128 a.T @ b": (200, lambda s: s["x"].T @ s["g"]),
    "tn 784x64x128 einsum on a.T copy": (200, lambda s: np.einsum("ij,jk->ik", np.ascontiguousarray(s["x"].T),
                                                                  s["g"])),
    "tn 784x64x128 tensordot (0,0)": (100, lambda s: np.tensordot(s["x"], s["g"], axes=(0, 0))),
    "small 64x128x10 einsum ij,jk": (2000, lambda s: np.einsum("ij,jk->ik", s["h"], s["W2"])),
    "small 64x128x10 a @ b": (2000, lambda s: s["h"] @ s["W2"]),
    "small 128x64x10 einsum ji,jk": (2000, lambda s: np.einsum("ji,jk->ik", s["h"], s["g2"])),
    "small 128x64x10 a.T @ b": (2000, lambda s: s["h"].T @ s["g2"]),
    "small 64x10x128 einsum ij,kj": (2000, lambda s: np.einsum("ij,kj->ik", s["g2"], s["W2"])),
    "small 64x10x128 a @ b.T": (2000, lambda s: s["g2"] @ s["W2"].T),
}
CPU_VARIANTS = {  # name -> (matmul, matmul_tn, matmul_nt) factory, for a partial epoch
    "einsum everywhere": _einsum_all,
    "@ everywhere": _matmul_all,
    "einsum if m*k*n > 1e6, else @": lambda: (_mix_nn, _mix_tn, _mix_nt),
    "same, forward on a W.T copy (ij,kj)": lambda: (_mix_nn_wt, _mix_tn, _mix_nt),
}


def cpu_cases(quick: bool = False) -> list[str]:
    """The case names, after preparing the arrays they use."""
    rng = np.random.default_rng(0)
    _S.update(x=rng.random((64, 784), dtype=np.float32),
              W=rng.standard_normal((784, 128)).astype(np.float32),
              g=rng.standard_normal((64, 128)).astype(np.float32),
              X=rng.random((1000, 784), dtype=np.float32),
              h=rng.random((64, 128), dtype=np.float32),
              W2=rng.standard_normal((128, 10)).astype(np.float32),
              g2=rng.standard_normal((64, 10)).astype(np.float32))
    _S.update(WT=np.ascontiguousarray(_S["W"].T), x64=_S["x"].astype(np.float64), W64=_S["W"].astype(np.float64))
    names = [f"product: {n}" for n in CPU_PRODUCTS] + [f"epoch: {n}" for n in CPU_VARIANTS]
    return names[:3] + names[-2:] if quick else names


def cpu_case(bench, data, name: str, batches: int = 300) -> dict:
    """Run one case; `per` says what one unit is (a call, or a whole epoch estimated)."""
    kind, _, label = name.partition(": ")
    t0, c0 = time.perf_counter(), time.process_time()
    if kind == "product":
        calls, f = CPU_PRODUCTS[label]
        for _ in range(calls):
            f(_S)
        units, per = calls, "call"
    else:
        saved = backend.matmul, backend.matmul_tn, backend.matmul_nt
        backend.matmul, backend.matmul_tn, backend.matmul_nt = CPU_VARIANTS[label]()
        try:
            idx = bench.order(len(data.train_y), 0)[: batches * bench.BATCH]
            model, opt = bench.build(0)
            bench.train_steps(model, opt, data, idx)
        finally:
            backend.matmul, backend.matmul_tn, backend.matmul_nt = saved
        units, per = len(idx) / len(data.train_y), "epoch"
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"units": units, "per": per, "wall": wall,
            "cpu": cpu if sys.platform != "emscripten" else None}


if __name__ == "__main__":
    # `python bench/profile_ops.py DATA_DIR BATCHES [quick]`: bench/runner.py runs the native profile
    # in a child so that the BLAS thread count is set before NumPy loads.
    import json
    import os
    import sys

    import epoch as bench_epoch

    names = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
             "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    folder, batches = sys.argv[1], int(sys.argv[2])
    data = bench_epoch.load(*[open(os.path.join(folder, n), "rb").read() for n in names])
    result = run_all(bench_epoch, data, batches, quick=len(sys.argv) > 3 and sys.argv[3] == "quick")
    result["blas_threads_env"] = os.environ.get("OPENBLAS_NUM_THREADS")
    quick = len(sys.argv) > 3 and sys.argv[3] == "quick"
    best: dict[str, dict] = {}
    for _ in range(1 if quick else 3):
        for name in cpu_cases(quick):
            r = cpu_case(bench_epoch, data, name, batches)
            r["cpu_per_unit"] = r["cpu"] / r["units"]
            if name not in best or r["cpu_per_unit"] < best[name]["cpu_per_unit"]:
                best[name] = r
    result["cpu_cases"] = best
    print(json.dumps(result))
