"""The benchmark epoch, one file run unchanged natively and inside Pyodide.

Why one file: "browser vs native" only means something when both sides run the same Python on the
same batches. It imports only NumPy and glassnet, so the bench worker can write it into Pyodide's
file system and import it. Network: 784-128-10, ReLU, batch 64, float32, Adam lr 1e-3.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from glassnet import backend, losses, optim
from glassnet.data import parse_idx, to_float
from glassnet.network import build_mlp

BATCH = 64
HIDDEN = [128]
LR = 1e-3
# Pyodide's process_time() does not count CPU time (it stays 0); the host measures it there.
HAS_CPU_CLOCK = sys.platform != "emscripten"


class Data:
    """uint8 images (n, 784) and int64 labels, train and test; one batch becomes float32 at a time."""

    def __init__(self, train_x, train_y, test_x, test_y) -> None:
        self.train_x = np.ascontiguousarray(train_x.reshape(len(train_x), -1), dtype=np.uint8)
        self.train_y = np.asarray(train_y, dtype=np.int64)
        self.test_x = np.ascontiguousarray(test_x.reshape(len(test_x), -1), dtype=np.uint8)
        self.test_y = np.asarray(test_y, dtype=np.int64)


def _as_bytes(blob) -> bytes:
    """bytes, memoryview or a Pyodide JsProxy of a Uint8Array -> bytes."""
    if hasattr(blob, "to_bytes"):
        return blob.to_bytes()
    return bytes(blob)


def load(train_images, train_labels, test_images, test_labels) -> Data:
    """Four idx files (gzip or raw bytes) -> Data, through glassnet's own parser."""
    arrays = [parse_idx(_as_bytes(b)) for b in (train_images, train_labels, test_images, test_labels)]
    return Data(*arrays)


def order(n: int, seed: int = 0) -> np.ndarray:
    """The epoch's example order; PCG64 gives the same permutation natively and in Pyodide."""
    return np.random.default_rng(seed).permutation(n)


def build(seed: int = 0):
    model = build_mlp(HIDDEN, activation="relu", seed=seed)
    opt = optim.Adam(model.params, model.grads, lr=LR)
    return model, opt


def train_steps(model, opt, data: Data, idx: np.ndarray, batch: int = BATCH) -> float:
    """Train on data.train_x[idx] in mini-batches; returns the mean loss."""
    total, count = 0.0, 0
    for start in range(0, len(idx), batch):
        rows = idx[start:start + batch]
        x = to_float(data.train_x[rows])
        logits = model.forward(x, True)
        loss, grad = losses.softmax_cross_entropy(logits, data.train_y[rows])
        model.backward(grad)
        opt.step()
        total += loss * len(rows)
        count += len(rows)
    return total / max(count, 1)


def accuracy(model, images: np.ndarray, labels: np.ndarray, chunk: int = 1000) -> float:
    correct = 0
    for start in range(0, len(labels), chunk):
        logits = model.forward(to_float(images[start:start + chunk]), False)
        correct += int((logits.argmax(axis=1) == labels[start:start + chunk]).sum())
    return correct / max(len(labels), 1)


# The model of the last timed epoch, so its accuracy can be measured in a separate call: a call
# that only trains lets the caller measure the training thread's CPU time for exactly that work.
LAST_MODEL = None


def backends() -> dict:
    """The matrix backends glassnet can use here, and the one it chose by itself."""
    return {"default": backend.default_name(), "available": backend.available(),
            "kernel_error": backend.kernel_error}


def use_backend(name: str | None) -> None:
    """Switch glassnet's matrix backend for the next timed run (None: the platform's choice)."""
    backend.use(name or backend.default_name())


def epoch(data: Data, seed: int = 0, evaluate: bool = True, backend_name: str | None = None) -> dict:
    """One timed epoch of the bare loop from a fresh model: seconds, CPU seconds, loss."""
    global LAST_MODEL
    use_backend(backend_name)
    model, opt = build(seed)
    idx = order(len(data.train_y), seed)
    t0, c0 = time.perf_counter(), time.process_time()
    loss = train_steps(model, opt, data, idx)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    cpu = cpu if HAS_CPU_CLOCK else None
    LAST_MODEL = model
    return {"seconds": seconds, "cpu_seconds": cpu, "loss": loss,
            "test_accuracy": last_accuracy(data) if evaluate else None,
            "examples": int(len(idx)), "backend": backend.name(), "path": "bare loop over glassnet layers"}


def trainer_epoch(data: Data, seed: int = 0, evaluate: bool = True,
                  backend_name: str | None = None) -> dict:
    """One epoch through glassnet's own training generator (what the CLI and the page run).

    The "default" preset with a constant rate is exactly the benchmark network. Pulling stops at
    the last batch event, so the generator's end-of-epoch evaluation never runs inside the timing.
    """
    global LAST_MODEL
    from glassnet.data import Dataset
    from glassnet.presets import make_config
    from glassnet.train import Trainer

    use_backend(backend_name)
    config = make_config({"preset": "default", "schedule": "constant", "epochs": 1, "seed": seed,
                          "layers": HIDDEN, "batch_size": BATCH, "lr": LR, "optimizer": "adam"})
    trainer = Trainer(config, Dataset(data.train_x, data.train_y, data.test_x, data.test_y))
    batches = -(-len(data.train_y) // BATCH)
    last = None
    t0, c0 = time.perf_counter(), time.process_time()
    for event in trainer.events():
        if event["event"] == "batch":
            last = event
            if event["step"] >= batches:
                break
        elif event["event"] in ("error", "stopped", "epoch", "done"):
            raise RuntimeError(f"the epoch ended before its last batch: {event}")
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    cpu = cpu if HAS_CPU_CLOCK else None
    LAST_MODEL = trainer.model
    return {"seconds": seconds, "cpu_seconds": cpu, "loss": last["loss"] if last else None,
            "test_accuracy": last_accuracy(data) if evaluate else None,
            "examples": int(len(data.train_y)), "backend": backend.name(), "path": "glassnet.train.Trainer"}


def preset_epoch(data: Data, preset: str, backend_name: str | None = None,
                 batches: int | None = None, seed: int = 0) -> dict:
    """Training time of one epoch of a preset (e.g. `best`) through the Trainer, evaluation left
    out. With `batches`, only that many batches run and the time is scaled to a whole epoch."""
    from glassnet.data import Dataset
    from glassnet.presets import make_config
    from glassnet.train import Trainer

    use_backend(backend_name)
    config = make_config({"preset": preset, "epochs": 1, "seed": seed})
    square = (-1, 28, 28)  # augmentation flips images, so they keep their shape here
    trainer = Trainer(config, Dataset(data.train_x.reshape(square), data.train_y,
                                      data.test_x.reshape(square), data.test_y))
    total = trainer.steps_per_epoch
    run = total if batches is None else min(batches, total)
    t0 = time.perf_counter()
    for event in trainer.events():
        if event["event"] == "batch" and event["step"] >= run:
            break
        if event["event"] in ("error", "stopped", "epoch", "done"):
            raise RuntimeError(f"the epoch ended before batch {run}: {event}")
    seconds = time.perf_counter() - t0
    return {"seconds": seconds * total / run, "measured_seconds": seconds, "batches": run,
            "batches_per_epoch": total, "estimated": run < total, "backend": backend.name(),
            "preset": preset, "layers": config.layers}


def last_accuracy(data: Data) -> float | None:
    """Test accuracy of the model the last timed epoch trained."""
    return None if LAST_MODEL is None else accuracy(LAST_MODEL, data.test_x, data.test_y)


def time_to_accuracy(data: Data, target: float = 0.85, every: int = 50, max_epochs: int = 3,
                     seed: int = 0) -> dict:
    """Training seconds (evaluation excluded) until test accuracy first reaches `target`.

    Test accuracy is checked every `every` batches and at each epoch's end; None when never reached.
    """
    use_backend(None)  # the backend the page would use
    model, opt = build(seed)
    trained, evaluating = 0.0, 0.0
    history = []
    for ep in range(max_epochs):
        idx = order(len(data.train_y), seed + ep)
        step = every * BATCH
        for start in range(0, len(idx), step):
            t0 = time.perf_counter()
            train_steps(model, opt, data, idx[start:start + step])
            trained += time.perf_counter() - t0
            t0 = time.perf_counter()
            acc = accuracy(model, data.test_x, data.test_y)
            evaluating += time.perf_counter() - t0
            history.append([round(trained, 4), acc])
            if acc >= target:
                return {"seconds": trained, "accuracy": acc, "epochs": ep + (start + step) / len(idx),
                        "eval_seconds": evaluating, "history": history}
    return {"seconds": None, "accuracy": history[-1][1] if history else None, "epochs": max_epochs,
            "eval_seconds": evaluating, "history": history}


def synthetic(n_train: int, n_test: int, seed: int = 0) -> tuple[np.ndarray, ...]:
    """Random uint8 images whose labels a linear model can learn (argmax of 10 fixed projections).

    Used when the real data set is absent: timings need only the shapes, but a learnable label
    lets the time-to-accuracy code run end to end in the quick smoke run.
    """
    rng = np.random.default_rng(seed)
    proj = rng.standard_normal((784, 10)).astype(np.float32)
    out = []
    for n in (n_train, n_test):
        x = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        centred = x.reshape(n, -1).astype(np.float32) - 127.5
        y = np.argmax(centred @ proj, axis=1).astype(np.uint8)
        out += [x, y]
    return tuple(out)


def _main(argv: list[str]) -> None:
    """`python bench/epoch.py DATA_DIR [--trainer] [--repeat N]`: one JSON line with the fastest epoch.

    bench/runner.py runs this in a child process so the BLAS thread count can be set before NumPy
    loads (OPENBLAS_NUM_THREADS only counts at import time).
    """
    import argparse
    import json
    import os

    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir")
    parser.add_argument("--trainer", action="store_true", help="through glassnet.train.Trainer")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)
    names = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
             "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    data = load(*[open(os.path.join(args.data_dir, n), "rb").read() for n in names])
    run = trainer_epoch if args.trainer else epoch
    results = [run(data) for _ in range(max(1, args.repeat))]
    best = min(results, key=lambda r: r["seconds"])
    best["all_seconds"] = [r["seconds"] for r in results]
    best["blas_threads_env"] = os.environ.get("OPENBLAS_NUM_THREADS")
    print(json.dumps(best))


if __name__ == "__main__":
    import sys

    _main(sys.argv[1:])
