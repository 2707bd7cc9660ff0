"""The pretrained default model (dist/models/default.npz), trained by glassnet's own CLI.

Optional: if the core cannot train (not written yet, NumPy missing, a bug), the build warns and
ships no model. Results are cached by (sources, data, epochs) since training takes a while.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tools.pywheel import intact, record_sha256, source_hash
from tools.util import copy_file, info, warn

PRESET = "default"


def pretrain(py_dir: Path, data_dir: Path, target: Path, cache: Path,
             epochs: int | None = None) -> bool:
    """Write the model to `target`; return False (after a warning) when training failed."""
    sources = source_hash(py_dir)[:16]
    cached = cache / "models" / f"{PRESET}-{sources}-{epochs or 'preset'}.npz"
    if cached.is_file() and not intact(cached):
        warn(f"the cached pretrained model {cached} is damaged or altered; training it again")
        cached.unlink()
    if not cached.is_file():
        if not _train(py_dir, data_dir, cached, epochs):
            return False
        # Models trained by older sources are stale; other epoch counts of these sources stay.
        for other in cached.parent.glob(f"{PRESET}-*.npz*"):
            if not other.name.startswith(f"{PRESET}-{sources}-"):
                other.unlink(missing_ok=True)
    else:
        info(f"  pretrained model from cache ({cached.name})")
    copy_file(cached, target)
    return True


def _train(py_dir: Path, data_dir: Path, out: Path, epochs: int | None) -> bool:
    cmd = [sys.executable, "-m", "glassnet", "train", "--preset", PRESET,
           "--data-dir", str(data_dir)]
    if epochs is not None:
        cmd += ["--epochs", str(epochs)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(py_dir)] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else []))}
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        saved = Path(tmp) / "model.npz"
        info(f"  pretraining: {' '.join(cmd[1:])} --json --save ...")
        try:
            process = subprocess.Popen(cmd + ["--json", "--save", str(saved)], env=env,
                                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                       text=True)
        except OSError as exc:
            warn(f"pretraining could not start ({exc}); dist/ gets no pretrained model")
            return False
        with process:
            for line in process.stdout:
                _report_epoch(line)
        if process.returncode != 0 or not saved.is_file():
            warn(f"pretraining failed (exit {process.returncode}); dist/ gets no pretrained "
                 "model (the page can still train one). Fix the core or build with --no-pretrain")
            return False
        shutil.move(saved, out)
        record_sha256(out)
    return True


def _report_epoch(line: str) -> None:
    """One short line per epoch event of `glassnet train --json`; other lines pass through."""
    try:
        event = json.loads(line)
        info(f"    epoch {event['epoch']}/{event['epochs']}: test accuracy "
             f"{event['test_accuracy']:.2%} ({event['seconds']:.1f} s)")
    except (ValueError, KeyError, TypeError):
        if line.strip():
            info(f"    {line.rstrip()}")
