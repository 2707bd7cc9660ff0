"""`python build.py bench`: glassnet natively, in Pyodide (kernel and einsum), against PyTorch and
TF.js, in one run.

Why one command: the targets are ratios (browser/native, browser/TF.js wasm, native/PyTorch), and
ratios only mean something when every side runs on the same machine, the same data and the same
batches, minutes apart. The built dist/ is copied to a temporary folder with the bench page
(bench/) and the data next to it, served on 127.0.0.1 by build.py's own server, and driven with
Debian's headless Chromium. This module only puts the contenders in order; each lives in its own
module (native, pytorch, in_pyodide, tfjs, readiness, lesson) and report.py arranges the numbers.

Everything is measured, nothing asserted: tests run `--quick` and check the shape of the result.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from bench import in_pyodide, inputs, lesson, native, pycompile, pytorch, readiness, report, tfjs
from bench.benchpage import BenchPage
from bench.common import CHROMIUM, CHROMIUM_ARGS, DATA_NAMES, ORDER_NAME, ROOT, BenchError, best_of, log
from tools import pyodidelock
from tools.serve import make_server

BEST_EINSUM_BATCHES = 60  # the `best` epoch with einsum takes minutes: time this many, scale up


def run_browser(base: str, wheel: str, data_info: dict, args, timeout_ms: float,
                wheels: dict[str, str] | None = None, wheel_sha256: str | None = None) -> dict:
    from playwright.sync_api import sync_playwright

    data_urls = [f"{base}bench-data/{name}" for name in DATA_NAMES]
    out: dict[str, Any] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        out["chromium"] = browser.version
        try:
            log("page ready: cold and warm loads")
            out["ready"] = readiness.measure_ready(p, base, timeout_ms)
            if not args.quick and not args.no_lesson:
                log("the lesson preset in the page, from Train to done")
                out["lesson"] = lesson.lesson_run(browser, base, timeout_ms)
            bench = BenchPage(browser, base, timeout_ms)
            try:
                log("Pyodide worker: load Pyodide, NumPy, glassnet")
                started = in_pyodide.start(bench, base, wheel, data_urls, wheel_sha256)
                out["worker_init"], out["worker_data"] = started["init"], started["data"]
                out["backends"] = started["backends"]
                default = out["backends"]["default"]
                log(f"glassnet epoch in Pyodide: {default}, then einsum, interleaved")
                for name, backend in (("browser_epoch", default), ("browser_epoch_einsum", "einsum")):
                    out[name] = best_of(args.repeat, lambda b=backend: in_pyodide.epoch(bench, True, b))
                out["browser_epoch_bare_loop"] = best_of(
                    args.repeat, lambda: in_pyodide.epoch(bench, False, default))
                log("the `best` preset's epoch in Pyodide")
                quick_batches = 8 if args.quick else None
                out["best_epoch"] = in_pyodide.preset_epoch(bench, "best", default, quick_batches)
                out["best_epoch_einsum"] = in_pyodide.preset_epoch(
                    bench, "best", "einsum", quick_batches or BEST_EINSUM_BATCHES)
                if data_info["kind"] == "real" or args.quick:
                    log("glassnet time to 85% in Pyodide")
                    out["time_to_85"] = in_pyodide.time_to_accuracy(
                        bench, 0.85, 3 if data_info["kind"] == "real" else 2)
                out["worker_peak_memory_bytes"] = bench.peak_memory
                if wheels:  # last in this worker: it imports glassnet again from each wheel
                    log(f"start-up: glassnet's wheel {', '.join(wheels)}, alternating")
                    out["py_compile"] = pycompile.import_times(
                        bench, base, {name: base + path for name, path in wheels.items()})
                if args.profile:
                    log("profiling glassnet's epoch in Pyodide")
                    out["profile"] = in_pyodide.profile(bench, args.profile_batches, args.quick)
                if not args.no_tfjs:
                    out["tfjs_version"] = tfjs.tfjs_version(bench)
                    urls = data_urls + [f"{base}bench-data/{ORDER_NAME}"]
                    for backend in ("wasm", "cpu"):
                        log(f"TF.js {backend} epoch")
                        out[f"tfjs_{backend}"] = best_of(
                            args.repeat, lambda b=backend: tfjs.tfjs_epoch(bench, b, urls))
                out["bench_page_errors"] = bench.console
            finally:
                bench.close()
        finally:
            browser.close()
    return out


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="build.py bench", description=__doc__.splitlines()[0])
    parser.add_argument("--json", metavar="FILE", help="write all numbers as one JSON object")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run on a tiny synthetic data set (checks the code, not the speed)")
    parser.add_argument("--dist", default=str(ROOT / "dist"), help="the built site (default: dist/)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run each epoch N times, keep the fastest")
    parser.add_argument("--no-tfjs", action="store_true", help="skip the TF.js baselines")
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch even when installed")
    parser.add_argument("--no-lesson", action="store_true",
                        help="skip the lesson run in the page (8 epochs; never run with --quick)")
    parser.add_argument("--profile", action="store_true",
                        help="also profile the epoch by operation and compare product formulations "
                             "(natively and in Pyodide)")
    parser.add_argument("--profile-batches", type=int, default=300, metavar="N",
                        help="batches per profiled partial epoch (default 300)")
    parser.add_argument("--timeout", type=float, default=600,
                        help="seconds any browser step may take")
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
    modules = None if args.no_tfjs else inputs.ensure_tfjs()
    epoch_mod = inputs.load_epoch_module()
    with tempfile.TemporaryDirectory(prefix="glassnet-bench-") as tmp:
        root = Path(tmp)
        inputs.stage_site(dist, modules, root)
        data_info = inputs.prepare_data(root / "bench-data", args.quick, epoch_mod, dist)
        wheels = {}
        if not args.quick:
            wheels["as_built"] = wheel
            plain = pycompile.sources_only(dist / wheel, root / "bench-wheels")
            wheels["sources_only"] = str(plain.relative_to(root))
            cli = pyodidelock.find_cli()
            made = pycompile.compile_wheel(cli, dist / wheel, root / "bench-wheels") if cli else None
            if made:
                wheels["py_compiled"] = str(made.relative_to(root))
        log(f"data: {data_info['source']}")
        log("glassnet epoch natively (Trainer, then bare loop, then one BLAS thread)")
        data_dir = root / "bench-data"
        native_result = native.native_epoch(data_dir, args.repeat, trainer=True)
        native_result["variants"] = {
            "bare_loop": native.native_epoch(data_dir, args.repeat, trainer=False),
            "trainer_one_blas_thread": native.native_epoch(data_dir, args.repeat, trainer=True,
                                                           threads="1"),
        }
        torch_result = None
        if not args.no_torch:
            log("PyTorch epoch (if installed)")
            torch_result = pytorch.torch_epoch(data_info["arrays"], args.repeat)
        native_profile = None
        if args.profile:
            log("profiling glassnet's epoch natively (one BLAS thread)")
            native_profile = native.native_profile_run(data_dir, args.profile_batches, args.quick)
        server = make_server(str(root), "127.0.0.1", 0)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            base = f"http://127.0.0.1:{server.server_address[1]}/"
            browser = run_browser(base, wheel, data_info, args, args.timeout * 1000, wheels,
                                  manifest.get("glassnet_wheel_sha256"))
        finally:
            server.shutdown()
            server.server_close()
    native_result = report.pick_best(native_result,
                                     native_result["variants"]["trainer_one_blas_thread"],
                                     "one BLAS thread")
    if torch_result is not None:
        torch_result = report.pick_best(torch_result, torch_result["one_thread"], "one thread")
    result = report.summarise(native_result, torch_result, browser, data_info, args.quick)
    if args.profile:
        result["details"]["profile"] = {"native": native_profile,
                                        "browser": browser.pop("profile", None)}
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
    report.print_table(result)
    if args.profile:
        report.print_profile(result["details"]["profile"])
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
        log(f"wrote {args.json}")
    return 0
