"""Contender: TensorFlow.js (plain-JS CPU and WebAssembly backends) in the same Chromium, same
data and order, the batch gathered outside `minimize` (bench/tfjs-mlp.js)."""

from __future__ import annotations

from bench.benchpage import BenchPage
from bench.cputime import MAIN_THREAD, with_thread_cpu


def tfjs_epoch(bench: BenchPage, backend: str, urls: list[str]) -> dict:
    """Prepare, train (timed, with the main thread's CPU time), then accuracy and clean-up."""
    page = bench.page
    page.evaluate("([b, urls]) => window.glassnetBench.tfjsPrepare(b, urls)", [backend, urls])
    result = with_thread_cpu(MAIN_THREAD, lambda: page.evaluate("window.glassnetBench.tfjsTrain()"))
    result.update(page.evaluate("window.glassnetBench.tfjsFinish()"))
    return result


def tfjs_version(bench: BenchPage) -> str | None:
    return bench.page.evaluate("window.glassnetBench.tfjsVersion()")
