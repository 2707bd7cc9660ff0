"""The facade the browser worker calls: bytes in, JSON-able dicts out.

``PAGE_CALLS`` is the one list of what the page may call: the worker's guard (web/python/worker.js)
refuses any other name, and the contract (docs/page-calls.md, made by ``contract.py``) is written
from it; tests/core/test_page_calls.py fails when the list, the functions, the contract or a
``call('name')`` in web/*.js drift apart. Each call lives in the module of its job:

    session.py       the one page's state; reset, take_events
    args.py          the page's arguments checked, results made JSON-able
    settingspage.py  info, the option schema, a settings check
    datapage.py      the data set from the page's bytes
    runs.py          start, run, stop: a training run in short chunks
    estimatepage.py  how long a run would take here
    predict.py       the drawing's guess, the gallery, the evaluation
    shelfpage.py     the model shelf, model files
    glassboxpage.py  the "see inside" views and stepping through training
    teachpage.py     fine-tuning with your drawings
    codepage.py      code you can read, check and swap in
    enginepage.py    the matrix engine switch

The rules every call keeps. A worker hosts one page, so the calls share one session (data,
models, run). Arguments are keywords. Every call returns a plain dict of str, int, float, bool,
list or None (the worker converts the PyProxy with ``dict_converter: Object.fromEntries``), except
``save_model`` and ``model_file``, which return ``bytes``. Byte arguments may be ``bytes``,
``memoryview`` or a Pyodide ``JsProxy`` of a Uint8Array or ArrayBuffer. Errors for people are
``GlassnetError`` subclasses: ``str()`` is the message, ``.browser_hint`` says what to do in the
page's words (``.hint`` is the command line's), ``.option`` names a setting at fault; asking for
what does not exist yet raises ``NotReadyError``; any other exception is a bug. Events queued by a
call (take_events) follow its reply; training events are the ones of ``glassnet.train``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .codepage import code_check, code_pieces, code_reset, code_use, exercises
from .datapage import load_data, load_test_set, load_training_set, test_labels
from .enginepage import backends, use_backend
from .estimatepage import estimate
from .glassboxpage import confusion_cell, inspect_input, mistakes, step, weights
from .predict import evaluate, gallery, predict_drawing
from .runs import run, set_learning_rate, set_loop_running, start, stop
from .session import reset, take_events
from .settingspage import check_config, info, options
from .shelfpage import label_model, load_model, model_file, restore_model, save_model, select_model, shelf, undo
from .teachpage import add_example, clear_examples, fine_tune

# What the page may call, grouped as the contract lists them.
PAGE_CALLS: dict[str, Callable[..., Any]] = {fn.__name__: fn for fn in (
    info, options, check_config, reset,
    load_data, load_test_set, load_training_set, test_labels,
    start, run, stop, set_learning_rate, set_loop_running, estimate, take_events,
    predict_drawing, gallery, evaluate,
    save_model, load_model, shelf, select_model, undo, label_model, model_file, restore_model,
    weights, inspect_input, confusion_cell, mistakes, step,
    add_example, fine_tune, clear_examples,
    code_pieces, exercises, code_check, code_use, code_reset,
    backends, use_backend,
)}

__all__ = ["PAGE_CALLS", *PAGE_CALLS]
