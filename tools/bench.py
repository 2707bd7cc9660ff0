"""`python build.py bench`: glassnet natively, in Pyodide, against PyTorch and TF.js, in one run.

Why one command: the targets are ratios (browser/native, browser/TF.js wasm, native/PyTorch), and
ratios only mean something when every side runs on the same machine, the same data and the same
batches, minutes apart. The built dist/ is copied to a temporary folder with the bench page
(bench/) and the data next to it, served on 127.0.0.1, and driven with Debian's headless Chromium.

Everything is measured, nothing asserted: tests run `--quick` and check the shape of the result.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "bench"
DEBIAN_DATA = Path("/usr/share/datasets/fashion-mnist")
DATA_NAMES = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
              "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
ORDER_NAME = "order-seed0.i32"
CHROMIUM = os.environ.get("GLASSNET_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
# The TF.js files the bench page loads, from bench/node_modules (bench/package.json pins them).
TFJS_FILES = [
    "@tensorflow/tfjs/dist/tf.min.js",
    "@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js",
    "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm",
    "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm",
    "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm",
]
BENCH_PAGE_FILES = ["index.html", "bench.js", "idx.js", "tfjs-mlp.js", "pyodide-worker.js", "epoch.py",
                    "profile_ops.py"]
QUICK_SIZES = (2048, 512)
WORKER_THREAD = "DedicatedWorker"  # Chromium's name for a dedicated worker's thread (/proc comm)
MAIN_THREAD = "renderer main"  # a renderer's main thread (tid == pid), where the TF.js loop runs
FULL_SYNTHETIC_SIZES = (60000, 10000)
KEYS = ["native_epoch_s", "torch_epoch_s", "browser_epoch_s", "tfjs_cpu_epoch_s", "tfjs_wasm_epoch_s",
        "ready_cold_s", "ready_warm_s", "time_to_85_s", "worker_peak_memory_mb"]
RATIOS = {
    "browser_over_native": ("browser_epoch_s", "native_epoch_s"),
    "browser_over_tfjs_wasm": ("browser_epoch_s", "tfjs_wasm_epoch_s"),
    "native_over_torch": ("native_epoch_s", "torch_epoch_s"),
}
TARGETS = {  # shown next to the numbers; never asserted
    "browser_over_native": "<= 6",
    "browser_over_tfjs_wasm": "<= 0.6",
    "native_over_torch": "<= 1.1",
    "time_to_85_s": "<= 5",
    "ready_warm_s": "<= 2.5",
    "ready_cold_s": "<= 4",
}


class BenchError(Exception):
    """A failure explained for people, with a hint (what to do)."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


def log(message: str) -> None:
    print(f"bench: {message}", flush=True)


# ---------------------------------------------------------------- preparation


def ensure_tfjs(bench_dir: Path = BENCH_DIR) -> Path:
    """`npm ci` in bench/ when a TF.js file is missing; returns bench/node_modules."""
    modules = bench_dir / "node_modules"
    if all((modules / f).is_file() for f in TFJS_FILES):
        return modules
    npm = shutil.which("npm")
    if not npm:
        raise BenchError("npm not found: TF.js baselines come from bench/package.json",
                         "install Node.js and npm (Debian: apt-get install -y npm)")
    log("npm ci in bench/ (TF.js baselines)")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=bench_dir, check=True)
    missing = [f for f in TFJS_FILES if not (modules / f).is_file()]
    if missing:
        raise BenchError(f"npm ci did not install {missing}", "check bench/package.json and its lock")
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
            (target / name).write_bytes(epoch_mod.gz_idx(array))
        source = f"synthetic random images ({n_train} train, {n_test} test)"
    blobs = [(target / name).read_bytes() for name in DATA_NAMES]
    data = epoch_mod.load(*blobs)
    order = epoch_mod.order(len(data.train_y), 0).astype("<i4")
    (target / ORDER_NAME).write_bytes(order.tobytes())
    assert np.array_equal(np.frombuffer((target / ORDER_NAME).read_bytes(), "<i4"), order)
    return {"kind": "real" if real is not None else "synthetic", "source": source,
            "train": int(len(data.train_y)), "test": int(len(data.test_y)), "arrays": data}


def stage_site(dist: Path, modules: Path, root: Path) -> None:
    """dist/ + bench page + TF.js files in one folder, so everything is same-origin."""
    shutil.copytree(dist, root, dirs_exist_ok=True)
    page = root / "bench"
    (page / "tfjs").mkdir(parents=True, exist_ok=True)
    for name in BENCH_PAGE_FILES:
        shutil.copyfile(BENCH_DIR / name, page / name)
    for name in TFJS_FILES:
        shutil.copyfile(modules / name, page / "tfjs" / Path(name).name)


def make_server(directory: Path):
    """build.py's own static server (same MIME types as people get); a plain one as fallback."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    try:
        from tools.serve import make_server as dist_server
    except ImportError:
        dist_server = None
    if dist_server is not None:
        return dist_server(str(directory), "127.0.0.1", 0)
    import functools
    import http.server

    class Handler(http.server.SimpleHTTPRequestHandler):
        extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                          ".wasm": "application/wasm", ".mjs": "text/javascript",
                          ".js": "text/javascript", ".gz": "application/gzip"}

        def log_message(self, *args) -> None:
            pass

    return http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(directory)))


# ---------------------------------------------------------------- native sides


def best_of(repeat: int, run: Callable[[], dict]) -> dict:
    """Run `repeat` times, keep the fastest (least disturbed by the rest of the machine)."""
    results = [run() for _ in range(max(1, repeat))]
    best = min(results, key=lambda r: r["seconds"])
    best["all_seconds"] = [r["seconds"] for r in results]
    return best


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


def torch_epoch(data, repeat: int) -> dict | None:
    """The same network, order and batches in PyTorch on the CPU; None when torch is absent."""
    try:
        import torch
    except ImportError:
        return None
    import numpy as np

    def run() -> dict:
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = torch.nn.CrossEntropyLoss()
        x_all = torch.from_numpy(data.train_x)
        y_all = torch.from_numpy(data.train_y)
        order = torch.from_numpy(np.random.default_rng(0).permutation(len(data.train_y)))
        t0, c0 = time.perf_counter(), time.process_time()
        for start in range(0, len(order), 64):
            rows = order[start:start + 64]
            x = x_all[rows].to(torch.float32).mul_(1.0 / 255.0)
            loss = loss_fn(model(x), y_all[rows])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            last = loss.item()
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        with torch.no_grad():
            logits = model(torch.from_numpy(data.test_x).to(torch.float32) / 255.0)
            acc = float((logits.argmax(1) == torch.from_numpy(data.test_y)).float().mean())
        return {"seconds": seconds, "cpu_seconds": cpu, "loss": last, "test_accuracy": acc}

    result = best_of(repeat, run)
    threads = torch.get_num_threads()
    result.update({"version": torch.__version__, "threads": threads})
    torch.set_num_threads(1)
    try:
        result["one_thread"] = best_of(repeat, run)
    finally:
        torch.set_num_threads(threads)
    return result


# ---------------------------------------------------------------- browser sides

def _descendants(root_pid: int) -> list[int]:
    """Every process below `root_pid` (here: the Playwright driver, Chromium and its renderers)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [root_pid]
    while todo:
        pid = todo.pop()
        for child in children.get(pid, []):
            found.append(child)
            todo.append(child)
    return found


def _thread_comms(pid: int) -> dict[str, str]:
    comms = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as handle:
                comms[tid] = handle.read().strip()
        except OSError:
            continue
    return comms


def thread_cpu_seconds(thread: str) -> float | None:
    """CPU seconds used so far by this run's Chromium threads of one kind.

    Why: wall-clock epochs on a machine shared with other work measure the other work too; CPU
    time of the one thread that trains does not. `thread` is WORKER_THREAD (dedicated workers,
    where Pyodide runs) or MAIN_THREAD (renderers' main threads, where the TF.js loop runs; a
    renderer is a process with a "Compositor" thread, its main thread has tid == pid).
    None where /proc is missing (not Linux).
    """
    if not os.path.isdir("/proc"):
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in _descendants(os.getpid()):
        try:
            comms = _thread_comms(pid)
        except OSError:
            continue
        if thread == MAIN_THREAD:
            chosen = [str(pid)] if "Compositor" in comms.values() else []
        else:
            chosen = [tid for tid, name in comms.items() if name == thread]
        for tid in chosen:
            try:
                with open(f"/proc/{pid}/task/{tid}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def with_thread_cpu(thread_name: str, call: Callable[[], dict]) -> dict:
    """Run `call` and add the CPU seconds that `thread_name` threads spent meanwhile."""
    before = thread_cpu_seconds(thread_name)
    result = call()
    after = thread_cpu_seconds(thread_name)
    if before is not None and after is not None and isinstance(result, dict):
        result["thread_cpu_seconds"] = round(after - before, 3)
    return result


READY_MARK = """
(() => {
  const mark = () => {
    const state = document.documentElement && document.documentElement.dataset.state;
    if (state && !window.__benchStates) window.__benchStates = {};
    if (state && !(state in window.__benchStates)) window.__benchStates[state] = performance.now();
  };
  new MutationObserver(mark).observe(document, {attributes: true, subtree: true, attributeFilter: ['data-state']});
})();
"""


def measure_ready(browser, base: str, timeout_ms: float, reloads: int = 2) -> dict:
    """Page open -> data-state 'ready': a fresh context (empty cache), then reloads (warm).

    Before the first reload the service worker must be active (it caches the manifest's files
    on install); otherwise the reload races the worker's own downloads.
    """
    context = browser.new_context()  # service workers allowed: the warm load is the offline path
    context.add_init_script(READY_MARK)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    out: dict[str, Any] = {"warm_all": []}

    def wait_ready(label: str) -> float:
        page.wait_for_function(
            "() => { const s = document.documentElement.dataset.state; return s === 'ready' || s === 'error'; }",
            timeout=timeout_ms)
        states = page.evaluate("window.__benchStates || {}")
        if "ready" not in states:
            raise BenchError(f"the page reached state 'error' instead of 'ready' ({label} load): "
                             f"{page.inner_text('body')[:300]}", "open the page by hand: python build.py serve")
        return states["ready"] / 1000.0

    try:
        page.goto(base + "index.html")
        out["cold"] = wait_ready("cold")
        t0 = time.perf_counter()
        out["service_worker"] = page.evaluate(
            """async () => {
                 if (!navigator.serviceWorker) return false;
                 const timeout = new Promise((resolve) => setTimeout(() => resolve(null), 60000));
                 const reg = await Promise.race([navigator.serviceWorker.ready, timeout]);
                 return !!(reg && reg.active);
               }""")
        out["service_worker_wait_s"] = round(time.perf_counter() - t0, 3)
        page.wait_for_timeout(500)
        for _ in range(max(1, reloads)):
            page.reload()
            out["warm_all"].append(wait_ready("warm"))
        out["warm"] = out["warm_all"][0]
        out["controlled_by_service_worker"] = page.evaluate(
            "!!(navigator.serviceWorker && navigator.serviceWorker.controller)")
    finally:
        context.close()
    out["page_errors"] = errors
    return out


PROFILE_CODE = """
import profile_ops
json.dumps(profile_ops.run_all(bench, DATA, batches={batches}, quick={quick}))
"""


def browser_cpu_cases(bench, batches: int, quick: bool) -> dict:
    """profile_ops' cases in the worker, each timed by the worker thread's CPU time; best of 3."""
    names = bench.worker("python", code=f"json.dumps(profile_ops.cpu_cases({quick}))")["value"]
    best: dict[str, dict] = {}
    for _ in range(1 if quick else 3):
        for name in names:
            code = f"json.dumps(profile_ops.cpu_case(bench, DATA, {name!r}, {batches}))"
            result = with_thread_cpu(WORKER_THREAD, lambda: bench.worker("python", code=code))
            r = result["value"]
            if result.get("thread_cpu_seconds") is None:
                continue
            r["cpu"] = result["thread_cpu_seconds"]
            r["cpu_per_unit"] = r["cpu"] / r["units"]
            if name not in best or r["cpu_per_unit"] < best[name]["cpu_per_unit"]:
                best[name] = r
    return best


class BenchPage:
    """The bench page in its own context (service workers blocked): Pyodide worker and TF.js."""

    def __init__(self, browser, base: str, timeout_ms: float) -> None:
        self.context = browser.new_context(service_workers="block")
        self.page = self.context.new_page()
        self.page.set_default_timeout(timeout_ms)
        self.console: list[str] = []
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda exc: self.console.append(f"pageerror: {exc}"))
        self.page.goto(base + "bench/index.html")
        try:
            self.page.wait_for_function("document.documentElement.dataset.state === 'ready'", timeout=60_000)
        except Exception as err:
            raise BenchError(f"the bench page did not start: {err}; page errors: {self.console}",
                             "check bench/*.js in the browser console") from err
        self.base = base
        self.peak_memory = 0

    def worker(self, cmd: str, **args: Any) -> dict:
        result = self.page.evaluate("([cmd, args]) => window.glassnetBench.worker(cmd, args)", [cmd, args])
        memory = result.get("wasm_memory_bytes") if isinstance(result, dict) else None
        if memory:
            self.peak_memory = max(self.peak_memory, memory)
        return result

    def tfjs(self, backend: str, urls: list[str]) -> dict:
        """Prepare, train (timed, with the main thread's CPU time), then accuracy and clean-up."""
        self.page.evaluate("([b, urls]) => window.glassnetBench.tfjsPrepare(b, urls)", [backend, urls])
        result = with_thread_cpu(MAIN_THREAD, lambda: self.page.evaluate("window.glassnetBench.tfjsTrain()"))
        result.update(self.page.evaluate("window.glassnetBench.tfjsFinish()"))
        return result

    def epoch(self, trainer: bool) -> dict:
        """A Pyodide epoch (with the worker thread's CPU time), then the model's test accuracy."""
        result = with_thread_cpu(WORKER_THREAD, lambda: self.worker("epoch", seed=0, trainer=trainer))
        result.update(self.worker("lastAccuracy"))
        return result

    def close(self) -> None:
        self.context.close()


def run_browser(base: str, wheel: str, data_info: dict, args, timeout_ms: float) -> dict:
    from playwright.sync_api import sync_playwright

    data_urls = [f"{base}bench-data/{name}" for name in DATA_NAMES]
    out: dict[str, Any] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        out["chromium"] = browser.version
        try:
            log("page ready: cold and warm loads")
            out["ready"] = measure_ready(browser, base, timeout_ms)
            bench = BenchPage(browser, base, timeout_ms)
            try:
                log("Pyodide worker: load Pyodide, NumPy, glassnet")
                out["worker_init"] = bench.worker("init", indexURL=f"{base}pyodide/", wheel=f"{base}{wheel}",
                                                  epochUrl=f"{base}bench/epoch.py")
                out["worker_data"] = bench.worker("load", urls=data_urls)
                log("glassnet epoch in Pyodide")
                out["browser_epoch"] = best_of(args.repeat, lambda: bench.epoch(trainer=True))
                out["browser_epoch_bare_loop"] = best_of(args.repeat, lambda: bench.epoch(trainer=False))
                if data_info["kind"] == "real" or args.quick:
                    log("glassnet time to 85% in Pyodide")
                    out["time_to_85"] = with_thread_cpu(WORKER_THREAD, lambda: bench.worker(
                        "toAccuracy", target=0.85, every=50, maxEpochs=3 if data_info["kind"] == "real" else 2))
                out["worker_peak_memory_bytes"] = bench.peak_memory
                if args.profile:
                    log("profiling glassnet's epoch in Pyodide")
                    bench.worker("source", url=f"{base}bench/profile_ops.py", name="profile_ops")
                    out["profile"] = bench.worker("python", code=PROFILE_CODE.format(
                        batches=args.profile_batches, quick=args.quick))["value"]
                    out["profile"]["cpu_cases"] = browser_cpu_cases(bench, args.profile_batches, args.quick)
                if not args.no_tfjs:
                    out["tfjs_version"] = bench.page.evaluate("window.glassnetBench.tfjsVersion()")
                    for backend in ("wasm", "cpu"):
                        log(f"TF.js {backend} epoch")
                        out[f"tfjs_{backend}"] = best_of(
                            args.repeat, lambda b=backend: bench.tfjs(b, data_urls + [f"{base}bench-data/{ORDER_NAME}"]))
                out["bench_page_errors"] = bench.console
            finally:
                bench.close()
        finally:
            browser.close()
    return out


# ---------------------------------------------------------------- report


def _seconds(part: dict | None) -> float | None:
    return None if not part or part.get("seconds") is None else round(float(part["seconds"]), 4)


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
        "tfjs_cpu_epoch_s": _seconds(browser.get("tfjs_cpu")),
        "tfjs_wasm_epoch_s": _seconds(browser.get("tfjs_wasm")),
        "ready_cold_s": round(ready["cold"], 3) if "cold" in ready else None,
        "ready_warm_s": round(ready["warm"], 3) if "warm" in ready else None,
        "time_to_85_s": _seconds(browser.get("time_to_85")),
        "worker_peak_memory_mb": round(peak / 2**20, 1) if peak else None,
    }
    for name, (top, bottom) in RATIOS.items():
        a, b = result[top], result[bottom]
        result[name] = round(a / b, 3) if a is not None and b else None
    cpu = {
        "native_epoch_s": native.get("cpu_seconds"),
        "torch_epoch_s": (torch or {}).get("cpu_seconds"),
        "browser_epoch_s": (browser.get("browser_epoch") or {}).get("thread_cpu_seconds"),
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
        "network": "784-128-10 ReLU, batch 64, float32, Adam lr 1e-3, one epoch, same order everywhere",
        "machine": {"platform": platform.platform(), "python": platform.python_version(),
                    "cpus": os.cpu_count(), "load_average_at_end": list(os.getloadavg())},
        "native": native, "torch": torch,
        "browser": {k: v for k, v in browser.items()},
        "notes": "CPU-time: CPU seconds of the training thread(s) during the epoch (the Pyodide worker "
                 "thread, TF.js's renderer main thread, the native process); unlike wall time it "
                 "hardly changes when other work shares the machine (time_to_85_s's CPU figure is "
                 "an estimate: the call's CPU time split between training and accuracy checks "
                 "in proportion to their wall times). "
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
    cpu = result["details"].get("cpu_seconds", {})
    print(f"{'measure':<26}{'value':>12}{'CPU-time':>12}  target")

    def show(value) -> str:
        return "null" if value is None else (f"{value:.3f}" if isinstance(value, float) else str(value))

    for key, value in rows:
        print(f"{key:<26}{show(value):>12}{(show(cpu[key]) if key in cpu else ''):>12}  {TARGETS.get(key, '')}")
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


# ---------------------------------------------------------------- entry


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="build.py bench", description=__doc__.splitlines()[0])
    parser.add_argument("--json", metavar="FILE", help="write all numbers as one JSON object")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run on a tiny synthetic data set (checks the code, not the speed)")
    parser.add_argument("--dist", default=str(ROOT / "dist"), help="the built site (default: dist/)")
    parser.add_argument("--repeat", type=int, default=1, help="run each epoch N times, keep the fastest")
    parser.add_argument("--no-tfjs", action="store_true", help="skip the TF.js baselines")
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch even when installed")
    parser.add_argument("--profile", action="store_true",
                        help="also profile the epoch by operation and compare product formulations "
                             "(natively and in Pyodide)")
    parser.add_argument("--profile-batches", type=int, default=300, metavar="N",
                        help="batches per profiled partial epoch (default 300)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds any browser step may take")
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> dict:
    dist = Path(args.dist).resolve()
    manifest_path = dist / "manifest.json"
    if not manifest_path.is_file():
        raise BenchError(f"no built site in {dist}", "run `python build.py` first")
    manifest = json.loads(manifest_path.read_text())
    wheel = manifest.get("glassnet_wheel")
    if not wheel or not (dist / wheel).is_file():
        raise BenchError(f"{dist} has no glassnet wheel", "run `python build.py` again")
    modules = None if args.no_tfjs else ensure_tfjs()
    epoch_mod = load_epoch_module()
    with tempfile.TemporaryDirectory(prefix="glassnet-bench-") as tmp:
        root = Path(tmp)
        stage_site(dist, modules, root) if modules else shutil.copytree(dist, root, dirs_exist_ok=True)
        if not modules:
            (root / "bench").mkdir(exist_ok=True)
            for name in BENCH_PAGE_FILES:
                shutil.copyfile(BENCH_DIR / name, root / "bench" / name)
        data_info = prepare_data(root / "bench-data", args.quick, epoch_mod, dist)
        log(f"data: {data_info['source']}")
        log("glassnet epoch natively (Trainer, then bare loop, then one BLAS thread)")
        native = native_epoch(root / "bench-data", args.repeat, trainer=True)
        native["variants"] = {
            "bare_loop": native_epoch(root / "bench-data", args.repeat, trainer=False),
            "trainer_one_blas_thread": native_epoch(root / "bench-data", args.repeat, trainer=True, threads="1"),
        }
        torch = None
        if not args.no_torch:
            log("PyTorch epoch (if installed)")
            torch = torch_epoch(data_info["arrays"], args.repeat)
        native_profile = None
        if args.profile:
            log("profiling glassnet's epoch natively (one BLAS thread)")
            native_profile = native_profile_run(root / "bench-data", args.profile_batches, args.quick)
        server = make_server(root)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            base = f"http://127.0.0.1:{server.server_address[1]}/"
            browser = run_browser(base, wheel, data_info, args, args.timeout * 1000)
        finally:
            server.shutdown()
            server.server_close()
    native = pick_best(native, native["variants"]["trainer_one_blas_thread"], "one BLAS thread")
    if torch is not None:
        torch = pick_best(torch, torch["one_thread"], "one thread")
    result = summarise(native, torch, browser, data_info, args.quick)
    if args.profile:
        result["details"]["profile"] = {"native": native_profile, "browser": browser.pop("profile", None)}
        result["details"]["browser"].pop("profile", None)
    return result


def main(argv: list[str] | None = None) -> int:
    args = parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        result = run(args)
    except BenchError as err:
        print(f"error: {err}", file=sys.stderr)
        if err.hint:
            print(f"hint: {err.hint}", file=sys.stderr)
        return 2
    print_table(result)
    if args.profile:
        print_profile(result["details"]["profile"])
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
        log(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
