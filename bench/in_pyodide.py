"""Contender: glassnet inside Pyodide, in the bench page's module worker, with each matrix
backend side by side (the WebAssembly kernel and einsum), the `best` preset's epoch, time to 85%,
and the per-operation profile."""

from __future__ import annotations

from bench.benchpage import BenchPage
from bench.cputime import WORKER_THREAD, with_thread_cpu


def start(bench: BenchPage, base: str, wheel: str, data_urls: list[str],
          wheel_sha256: str | None = None) -> dict:
    """Load Pyodide, NumPy, glassnet and the data into the worker; which backends it has."""
    out = {"init": bench.worker("init", indexURL=f"{base}pyodide/", wheel=f"{base}{wheel}",
                                wheelSha256=wheel_sha256, epochUrl=f"{base}bench/epoch.py")}
    out["data"] = bench.worker("load", urls=data_urls)
    out["backends"] = bench.python("json.dumps(bench.backends())")
    return out


def epoch(bench: BenchPage, trainer: bool, backend: str | None = None) -> dict:
    """A Pyodide epoch (with the worker thread's CPU time), then the model's test accuracy."""
    result = with_thread_cpu(WORKER_THREAD, lambda: bench.worker(
        "epoch", seed=0, trainer=trainer, backend=backend))
    result.update(bench.worker("lastAccuracy"))
    return result


def preset_epoch(bench: BenchPage, preset: str, backend: str, batches: int | None) -> dict:
    """One epoch of a preset's network (training only) through the Trainer; with `batches`, a
    partial epoch scaled up to a whole one (marked `estimated`)."""
    code = (f"json.dumps(bench.preset_epoch(DATA, {preset!r}, backend_name={backend!r}, "
            f"batches={batches!r}))")
    return with_thread_cpu(WORKER_THREAD, lambda: bench.python(code))


def time_to_accuracy(bench: BenchPage, target: float, max_epochs: int) -> dict:
    return with_thread_cpu(WORKER_THREAD, lambda: bench.worker(
        "toAccuracy", target=target, every=50, maxEpochs=max_epochs))


PROFILE_CODE = """
import profile_ops
json.dumps(profile_ops.run_all(bench, DATA, batches={batches}, quick={quick}))
"""


def profile(bench: BenchPage, batches: int, quick: bool) -> dict:
    """Where the epoch's time goes in Pyodide, and the product formulations compared."""
    bench.worker("source", url=f"{bench.base}bench/profile_ops.py", name="profile_ops")
    out = bench.python(PROFILE_CODE.format(batches=batches, quick=quick))
    out["cpu_cases"] = cpu_cases(bench, batches, quick)
    return out


def cpu_cases(bench, batches: int, quick: bool) -> dict:
    """profile_ops' cases in the worker, each timed by the worker thread's CPU time; best of 3."""
    names = bench.worker("python", code=f"json.dumps(profile_ops.cpu_cases({quick}))")["value"]
    best: dict[str, dict] = {}
    for _ in range(1 if quick else 3):
        for name in names:
            code = f"json.dumps(profile_ops.cpu_case(bench, DATA, {name!r}, {batches}))"
            result = with_thread_cpu(WORKER_THREAD, lambda code=code: bench.worker("python", code=code))
            r = result["value"]
            if result.get("thread_cpu_seconds") is None:
                continue
            r["cpu"] = result["thread_cpu_seconds"]
            r["cpu_per_unit"] = r["cpu"] / r["units"]
            if name not in best or r["cpu_per_unit"] < best[name]["cpu_per_unit"]:
                best[name] = r
    return best
