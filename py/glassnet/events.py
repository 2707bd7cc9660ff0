"""The names of the events Python sends: one list for the trainer, the command line, the
worker's loop and the page (sent in ``webapi.options()``, so the page holds no copy).

A run's events (train.py has their fields) are its progress, many a second, then exactly one
end; the page's own events (store.js) never reuse these names.
"""

from __future__ import annotations

from typing import Any

BATCH = "batch"  # one mini-batch trained
SAMPLE = "sample"  # accuracy on a fixed test sample, a few times an epoch
EPOCH = "epoch"  # an epoch ended, with its figures
DONE = "done"  # the run trained every epoch
STOPPED = "stopped"  # the run was stopped
ERROR = "error"  # the run failed (it diverged), with a message and a hint
START = "start"  # a new run or step-through network was made (webapi)
SHELF = "shelf"  # the model shelf changed (webapi)

PROGRESS = (BATCH, SAMPLE, EPOCH)
ENDS = (DONE, STOPPED, ERROR)
NAMES = (*PROGRESS, *ENDS, START, SHELF)


def schema() -> dict[str, Any]:
    """For the page: {"names": [every event name], "progress": [...], "ends": [...]}."""
    return {"names": list(NAMES), "progress": list(PROGRESS), "ends": list(ENDS)}
