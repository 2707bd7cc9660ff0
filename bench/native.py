"""Contender: glassnet natively, in a child Python (bench/epoch.py), and its per-operation profile.

A child process because the BLAS thread count can only be chosen before NumPy loads.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.common import BENCH_DIR, ROOT, BenchError


def native_epoch(data_dir: Path, repeat: int, trainer: bool, threads: str | None = None) -> dict:
    """bench/epoch.py in a child Python: BLAS threads can only be chosen before NumPy loads.

    threads=None keeps the environment as people have it; "1" pins OpenBLAS/OpenMP to one thread.
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "py"), env.get("PYTHONPATH")]))
    if threads is not None:
        env.update(OPENBLAS_NUM_THREADS=threads, OMP_NUM_THREADS=threads, MKL_NUM_THREADS=threads)
    args = [str(data_dir), "--repeat", str(repeat)] + (["--trainer"] if trainer else [])
    return _child_json("epoch.py", args, env, "the native epoch")


def _child_json(script: str, args: list[str], env: dict, what: str) -> dict:
    """Run bench/<script> in a child Python; its last output line is one JSON object."""
    run = subprocess.run([sys.executable, str(BENCH_DIR / script), *args], env=env,
                         capture_output=True, text=True)
    if run.returncode != 0:
        raise BenchError(f"{what} failed:\n{run.stderr[-2000:]}", f"run bench/{script} by hand")
    return json.loads(run.stdout.strip().splitlines()[-1])


def native_profile_run(data_dir: Path, batches: int, quick: bool) -> dict:
    """bench/profile_ops.py in a child Python with one BLAS thread (steady on a shared machine)."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "py"), str(BENCH_DIR), env.get("PYTHONPATH")]))
    args = [str(data_dir), str(batches)] + (["quick"] if quick else [])
    return _child_json("profile_ops.py", args, env, "the native profile")
