"""How long a run of these settings would take on this device, before Train is pressed."""

from __future__ import annotations

import itertools
import time
from typing import Any

from ..data import to_float
from ..presets import make_config
from ..train import Trainer
from . import session
from .args import overrides

LONG_RUN_S = 300.0  # above this, the page warns before Train (a lesson has minutes, not hours)
ESTIMATE_SECONDS = 0.25  # how long estimate() times training steps
ESTIMATE_MAX_STEPS = 64


def _format_duration(seconds: float) -> str:
    if seconds < 90:
        return f"about {max(1, round(seconds))} s"
    minutes = seconds / 60
    return f"about {round(minutes)} min" if minutes < 90 else f"about {minutes / 60:.1f} hours"


def estimate(config: Any = None) -> dict[str, Any]:
    """How long a run of these settings takes on this device, from a few timed batches.
    -> {"seconds", "per_epoch", "text", "warning": bool, "epochs", "per_batch", "timed_batches",
    "per_1000_test_images"}. Nothing is kept.

    Runs training steps for about a quarter of a second as a warm-up, then times them for
    another quarter (at least 3, at most 64 each). Why both: a fast network's step takes a
    millisecond, so three say more about the timer than the device; and right after the page
    starts, the browser still runs NumPy and the kernel through its quick first compilation
    (several times slower) until the optimised one takes over, which the warm-up lets happen.
    Then the forward pass over 1,000 test images, and scales to the run: epochs x (batches +
    evaluating the test set).
    """
    data = session.require_training_images()  # (without them there is nothing to time)
    resolved = make_config(overrides(config))
    trainer = Trainer(resolved, data)
    steps = itertools.chain.from_iterable(trainer._epoch_batches() for _ in itertools.count())

    def run_steps() -> tuple[float, int]:
        started, done = time.perf_counter(), 0
        for x, y in steps:
            trainer.train_step(x, y)
            done += 1
            if done >= ESTIMATE_MAX_STEPS or (done >= 3 and time.perf_counter() - started >= ESTIMATE_SECONDS):
                break
        return time.perf_counter() - started, done

    run_steps()  # warm-up
    seconds, timed = run_steps()
    per_batch = seconds / timed
    sample = to_float(data.test_images[:1000])
    started = time.perf_counter()
    trainer.model.forward(sample, training=False)
    per_1000 = time.perf_counter() - started
    per_epoch = trainer.steps_per_epoch * per_batch + per_1000 * (len(data.test_labels) / 1000 + 5)
    total = per_epoch * resolved.epochs
    warning = total > LONG_RUN_S
    text = f"{_format_duration(total)} on this device ({_format_duration(per_epoch)} an epoch)"
    if warning:
        text += ": too long for a lesson; try fewer epochs or a smaller network"
    return {"seconds": total, "per_epoch": per_epoch, "text": text, "warning": warning,
            "epochs": resolved.epochs, "per_batch": per_batch, "timed_batches": timed,
            "per_1000_test_images": per_1000}
