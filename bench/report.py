"""The benchmark's report: the keys and ratios, their targets, the summary object and the tables.

Nothing here measures; it only arranges what the contenders measured. Targets are shown next to
the numbers and never asserted.
"""

from __future__ import annotations

import os
import platform
from typing import Any

KEYS = ["native_epoch_s", "torch_epoch_s", "browser_epoch_s", "browser_einsum_epoch_s",
        "best_browser_epoch_s", "best_browser_einsum_epoch_s", "tfjs_cpu_epoch_s",
        "tfjs_wasm_epoch_s", "ready_cold_s", "ready_warm_s", "time_to_85_s",
        "lesson_to_88_s", "lesson_run_s", "lesson_test_accuracy", "worker_peak_memory_mb"]
RATIOS = {
    "browser_over_native": ("browser_epoch_s", "native_epoch_s"),
    "browser_over_tfjs_wasm": ("browser_epoch_s", "tfjs_wasm_epoch_s"),
    "native_over_torch": ("native_epoch_s", "torch_epoch_s"),
    "einsum_over_kernel": ("browser_einsum_epoch_s", "browser_epoch_s"),
    "best_einsum_over_kernel": ("best_browser_einsum_epoch_s", "best_browser_epoch_s"),
}
TARGETS = {  # shown next to the numbers; never asserted
    "browser_over_native": "<= 4",
    "browser_over_tfjs_wasm": "<= 0.3",
    "native_over_torch": "<= 1.1",
    "time_to_85_s": "<= 2",
    "ready_warm_s": "<= 2.5",
    "ready_cold_s": "<= 4",
    "lesson_to_88_s": "<= 60",
}


def _seconds(part: dict | None) -> float | None:
    return None if not part or part.get("seconds") is None else round(float(part["seconds"]), 4)


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(float(value), digits)


def pick_best(default: dict, pinned: dict, label: str) -> dict:
    """The faster of default threading and one pinned thread, saying which.

    On two cores that other work also uses, threaded BLAS can be many times slower than one
    thread (threads wait on each other); both figures stay in the details.
    """
    best = dict(default)
    best["default_threads_seconds"] = default["seconds"]
    best["pinned_thread_seconds"] = pinned["seconds"]
    if pinned["seconds"] < default["seconds"]:
        best["seconds"] = pinned["seconds"]
        best["cpu_seconds"] = pinned.get("cpu_seconds")
        best["config"] = label
    else:
        best["config"] = "default threads"
    return best


def summarise(native: dict, torch: dict | None, browser: dict, data_info: dict, quick: bool) -> dict:
    ready = browser.get("ready", {})
    peak = browser.get("worker_peak_memory_bytes")
    result: dict[str, Any] = {
        "native_epoch_s": _seconds(native),
        "torch_epoch_s": _seconds(torch),
        "browser_epoch_s": _seconds(browser.get("browser_epoch")),
        "browser_einsum_epoch_s": _seconds(browser.get("browser_epoch_einsum")),
        "best_browser_epoch_s": _seconds(browser.get("best_epoch")),
        "best_browser_einsum_epoch_s": _seconds(browser.get("best_epoch_einsum")),
        "tfjs_cpu_epoch_s": _seconds(browser.get("tfjs_cpu")),
        "tfjs_wasm_epoch_s": _seconds(browser.get("tfjs_wasm")),
        "ready_cold_s": round(ready["cold"], 3) if "cold" in ready else None,
        "ready_warm_s": round(ready["warm"], 3) if "warm" in ready else None,
        "time_to_85_s": _seconds(browser.get("time_to_85")),
        "lesson_to_88_s": _round((browser.get("lesson") or {}).get("time_to_target_s"), 2),
        "lesson_run_s": _seconds(browser.get("lesson")),
        "lesson_test_accuracy": _round(((browser.get("lesson") or {}).get("test_accuracies") or [None])[-1], 4),
        "worker_peak_memory_mb": round(peak / 2**20, 1) if peak else None,
    }
    for name, (top, bottom) in RATIOS.items():
        a, b = result[top], result[bottom]
        result[name] = round(a / b, 3) if a is not None and b else None
    cpu = {
        "native_epoch_s": native.get("cpu_seconds"),
        "torch_epoch_s": (torch or {}).get("cpu_seconds"),
        "browser_epoch_s": (browser.get("browser_epoch") or {}).get("thread_cpu_seconds"),
        "browser_einsum_epoch_s": (browser.get("browser_epoch_einsum") or {}).get("thread_cpu_seconds"),
        "tfjs_cpu_epoch_s": (browser.get("tfjs_cpu") or {}).get("thread_cpu_seconds"),
        "tfjs_wasm_epoch_s": (browser.get("tfjs_wasm") or {}).get("thread_cpu_seconds"),
    }
    reach = browser.get("time_to_85") or {}
    if reach.get("seconds") and reach.get("thread_cpu_seconds") is not None:
        # The call's CPU time covers training and the accuracy checks; split it like wall time.
        share = reach["seconds"] / (reach["seconds"] + reach.get("eval_seconds", 0.0))
        cpu["time_to_85_s"] = reach["thread_cpu_seconds"] * share
    cpu = {k: (round(v, 3) if v is not None else None) for k, v in cpu.items()}
    for name, (top, bottom) in RATIOS.items():
        a, b = cpu.get(top), cpu.get(bottom)
        cpu[name] = round(a / b, 3) if a is not None and b else None
    result["details"] = {
        "cpu_seconds": cpu,
        "quick": quick,
        "data": {k: v for k, v in data_info.items() if k != "arrays"},
        "network": "784-128-10 ReLU, batch 64, float32, Adam lr 1e-3, one epoch, same order "
                   "everywhere; best_*: the `best` preset's network and training, one epoch "
                   "(the einsum one estimated from a partial epoch)",
        "browser_backend": browser.get("backends"),
        "machine": {"platform": platform.platform(), "python": platform.python_version(),
                    "cpus": os.cpu_count(), "load_average_at_end": list(os.getloadavg())},
        "native": native, "torch": torch,
        "browser": {k: v for k, v in browser.items()},
        "notes": "CPU-time: CPU seconds of the training thread(s) during the epoch (the Pyodide worker "
                 "thread, TF.js's renderer main thread, the native process); unlike wall time it "
                 "hardly changes when other work shares the machine (time_to_85_s's CPU figure is "
                 "an estimate: the call's CPU time split between training and accuracy checks "
                 "in proportion to their wall times). "
                 "lesson_*: the page itself at 1366x768 with its starting (lesson) preset, from "
                 "pressing Train to the first epoch at 88% test accuracy and to 'done' (charts, "
                 "evaluation and drawing guess included; real data when the build has it). "
                 "time_to_85_s is training time only (evaluation excluded), real data only "
                 "(the quick run measures it on learnable synthetic data as a smoke test); "
                 "worker memory is the Pyodide worker's WebAssembly memory size after training.",
    }
    return result


def print_table(result: dict) -> None:
    rows = [(key, result[key]) for key in KEYS] + [(key, result[key]) for key in RATIOS]
    print()
    print(f"data: {result['details']['data']['source']}")
    browser = result["details"].get("browser", {})
    for name in ("browser_epoch", "browser_epoch_bare_loop"):
        if isinstance(browser.get(name), dict) and browser[name].get("error"):
            print(f"warning: {name}: timed, but the evaluation after it failed: {browser[name]['error']}")
    backends = result["details"].get("browser_backend") or {}
    if backends:
        print(f"Pyodide matrix backend: {backends.get('default')} (available: "
              f"{', '.join(backends.get('available', []))}"
              + (f"; kernel: {backends['kernel_error']}" if backends.get("kernel_error") else "") + ")")
    accuracies = {name: browser[name].get("test_accuracy") for name in
                  ("browser_epoch", "browser_epoch_einsum") if isinstance(browser.get(name), dict)}
    if accuracies:
        print("test accuracy after the timed epoch: " + ", ".join(
            f"{name} {acc:.4f}" if acc is not None else f"{name} null"
            for name, acc in accuracies.items()))
    compiled = browser.get("py_compile")
    if compiled:
        print("glassnet wheel in Pyodide, unpack + import glassnet.webapi (medians): " + "; ".join(
            f"{name} {v['bytes'] / 1024:.0f} KB: {v['unpack_s'] * 1000:.0f} + {v['import_s'] * 1000:.0f} ms"
            for name, v in compiled.items()))
    cpu = result["details"].get("cpu_seconds", {})
    print(f"{'measure':<30}{'value':>12}{'CPU-time':>12}  target")

    def show(value) -> str:
        return "null" if value is None else (f"{value:.3f}" if isinstance(value, float) else str(value))

    for key, value in rows:
        print(f"{key:<30}{show(value):>12}{(show(cpu[key]) if key in cpu else ''):>12}  {TARGETS.get(key, '')}")
    print(flush=True)


def print_profile(profile: dict) -> None:
    """Per-operation shares and per-formulation timings, native and in Pyodide side by side."""
    for side in ("native", "browser"):
        part = profile.get(side)
        if not part:
            continue
        b = part["breakdown"]
        print(f"== {side} (backend {part['backend']}): {b['batches']} batches in {b['total_s']:.3f} s, "
              f"epoch ~{b['epoch_estimate_s']:.2f} s")
        for name, v in sorted(b["parts"].items(), key=lambda kv: -kv[1]["s"]):
            print(f"   {name:<34}{v['s']:>9.3f} s {100 * v['share']:>6.1f}%")
        print("   whole-epoch variants (estimate from a partial epoch):")
        for row in sorted(part["variants"], key=lambda r: r["epoch_estimate_s"]):
            print(f"   {row['variant']:<34}{row['epoch_estimate_s']:>9.3f} s")
    print("== CPU-timed (best of 3): microseconds per call, or seconds per epoch (native | Pyodide)")
    native_cpu = (profile.get("native") or {}).get("cpu_cases", {})
    for name, r in (profile.get("browser") or {}).get("cpu_cases", {}).items():
        n = native_cpu.get(name)
        scale, unit = (1e6, "us") if r["per"] == "call" else (1.0, "s ")
        shown = f"{n['cpu_per_unit'] * scale:>12.3f}" if n else f"{'-':>12}"
        print(f"   {name:<58}{shown} |{r['cpu_per_unit'] * scale:>12.3f} {unit}")
    print("== products, wall microseconds per call, interleaved (native | Pyodide)")
    native = {(r["shape"], r["formulation"]): r for r in (profile.get("native") or {}).get("products", [])}
    for r in (profile.get("browser") or {}).get("products", []):
        n = native.get((r["shape"], r["formulation"]))
        shown = f"{n['us']:>10.1f}" if n else f"{'-':>10}"
        print(f"   {r['shape']:<14}{r['formulation']:<28}{shown} |{r['us']:>10.1f}"
              f"   err {r['max_abs_err']:.1e}")
    print(flush=True)
