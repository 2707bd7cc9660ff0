"""CPU seconds of Chromium's threads, read from /proc: steady figures on a shared machine.

Wall-clock epochs on a machine busy with other work measure the other work too; the CPU time of
the one thread that trains does not.
"""

from __future__ import annotations

import os
from collections.abc import Callable

WORKER_THREAD = "DedicatedWorker"  # Chromium's name for a dedicated worker's thread (/proc comm)
MAIN_THREAD = "renderer main"  # a renderer's main thread (tid == pid), where the TF.js loop runs


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
