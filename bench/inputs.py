"""The bench's inputs: TF.js from npm, the data (real or synthetic) and the staged site folder.

Everything is served from one temporary folder (dist/ + bench page + TF.js + data), so every
request is same-origin, like the real page.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.common import BENCH_DIR, DATA_NAMES, DEBIAN_DATA, ORDER_NAME, PAGE_DIR, ROOT, BenchError, log

# The TF.js files the bench page loads, from bench/node_modules (bench/package.json pins them).
TFJS_FILES = [
    "@tensorflow/tfjs/dist/tf.min.js",
    "@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js",
    "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm",
    "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm",
    "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm",
]
# Staged side by side under <site>/bench/: the page (bench/page/) and the Python it runs inside
# Pyodide (bench/).
BENCH_PAGE_FILES = [PAGE_DIR / name for name in ("index.html", "bench.js", "idx.js", "tfjs-mlp.js",
                                                  "pyodide-worker.js")]
BENCH_PAGE_FILES += [BENCH_DIR / "epoch.py", BENCH_DIR / "profile_ops.py"]
QUICK_SIZES = (2048, 512)
FULL_SYNTHETIC_SIZES = (60000, 10000)


def ensure_tfjs(bench_dir: Path = PAGE_DIR) -> Path:
    """`npm ci` in bench/page/ when a TF.js file is missing; returns its node_modules."""
    modules = bench_dir / "node_modules"
    if all((modules / f).is_file() for f in TFJS_FILES):
        return modules
    npm = shutil.which("npm")
    if not npm:
        raise BenchError("npm not found: TF.js baselines come from bench/page/package.json",
                         "install Node.js and npm (Debian: apt-get install -y npm)")
    log("npm ci in bench/page/ (TF.js baselines)")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=bench_dir, check=True)
    missing = [f for f in TFJS_FILES if not (modules / f).is_file()]
    if missing:
        raise BenchError(f"npm ci did not install {missing}",
                         "check bench/page/package.json and its lock")
    return modules


def load_epoch_module():
    """bench/epoch.py with glassnet importable from py/ (the same file the worker runs)."""
    py = str(ROOT / "py")
    if py not in sys.path:
        sys.path.insert(0, py)
    if str(BENCH_DIR) not in sys.path:
        sys.path.insert(0, str(BENCH_DIR))
    spec = importlib.util.spec_from_file_location("glassnet_bench_epoch", BENCH_DIR / "epoch.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def find_real_data(dist: Path) -> Path | None:
    """The data the build put in dist/, else Debian's dataset-fashion-mnist, else None."""
    for folder in (dist / "data", DEBIAN_DATA):
        if all((folder / name).is_file() for name in DATA_NAMES):
            return folder
    return None


def prepare_data(target: Path, quick: bool, epoch_mod, dist: Path) -> dict[str, Any]:
    """Write the four idx .gz files and the epoch order into `target`; describe the data."""
    import numpy as np

    from glassnet.data import encode_idx  # importable once load_epoch_module() has run

    target.mkdir(parents=True, exist_ok=True)
    real = None if quick else find_real_data(dist)
    if real is not None:
        for name in DATA_NAMES:
            shutil.copyfile(real / name, target / name)
        source = f"real Fashion-MNIST ({real})"
    else:
        n_train, n_test = QUICK_SIZES if quick else FULL_SYNTHETIC_SIZES
        arrays = epoch_mod.synthetic(n_train, n_test)
        for name, array in zip(DATA_NAMES, arrays):
            (target / name).write_bytes(encode_idx(array))
        source = f"synthetic random images ({n_train} train, {n_test} test)"
    blobs = [(target / name).read_bytes() for name in DATA_NAMES]
    data = epoch_mod.load(*blobs)
    order = epoch_mod.order(len(data.train_y), 0).astype("<i4")
    (target / ORDER_NAME).write_bytes(order.tobytes())
    assert np.array_equal(np.frombuffer((target / ORDER_NAME).read_bytes(), "<i4"), order)
    return {"kind": "real" if real is not None else "synthetic", "source": source,
            "train": int(len(data.train_y)), "test": int(len(data.test_y)), "arrays": data}


def stage_site(dist: Path, modules: Path | None, root: Path) -> None:
    """dist/ + bench page (+ TF.js files unless skipped) in one folder: everything same-origin."""
    shutil.copytree(dist, root, dirs_exist_ok=True)
    page = root / "bench"
    page.mkdir(parents=True, exist_ok=True)
    for source in BENCH_PAGE_FILES:
        shutil.copyfile(source, page / source.name)
    if modules is not None:
        (page / "tfjs").mkdir(exist_ok=True)
        for name in TFJS_FILES:
            shutil.copyfile(modules / name, page / "tfjs" / Path(name).name)
