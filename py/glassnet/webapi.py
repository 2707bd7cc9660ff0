"""The facade the browser worker calls: bytes in, JSON-able dicts out.

CONTRACT (the worker depends on exactly this; keep it stable):

All functions are module-level and keep one session (data, model, trainer) in module state, because
a worker hosts one page. Every function returns a plain dict of str/int/float/bool/list/None (call
``.toJs({dict_converter: Object.fromEntries})`` on the PyProxy), except ``save_model`` which returns
``bytes``. Byte arguments may be ``bytes``, ``memoryview`` or a Pyodide ``JsProxy`` of a Uint8Array
or ArrayBuffer. Errors raise ``glassnet.errors.GlassnetError`` subclasses whose ``str()`` is a
message for people and whose ``.hint`` says what to do; anything else is a bug.

info() -> {"version", "backend", "platform", "has_data", "has_model"}
presets() -> {"seed": {...}, "default": {...}, "best": {...}}   full config dicts
load_data(train_images, train_labels, test_images, test_labels) -> {"train": int, "test": int,
    "classes": [10 names]}   gzip or raw idx bytes; raises DataError naming the bad file.
start(config: dict) -> {"config": resolved, "architecture": [layer specs], "parameters": int}
    builds a new model, optimizer and trainer from a config (keys as in presets; missing keys take
    the "default" preset's value; "preset": name picks the base). Needs data.
run(max_seconds: float = 0.2) -> {"events": [event dicts], "finished": bool}
    pulls training events until the time budget is spent or training finished. Pause = stop
    calling run; the worker reads its messages between calls.
stop() -> {"events": [{"event": "stopped", ...}]}
set_learning_rate(lr: float) -> {"lr": float}   takes effect at the next batch.
predict_drawing(pixels, width: int, height: int, channels: int = 4)
    -> {"probabilities": [10 floats], "top": int, "label": class name, "input": [784 floats 0..1]}
    pixels: row-major, RGBA (channels=4, as from canvas getImageData) or gray (channels=1).
    Uses the model in training if any, else the loaded model. Raises ModelError if none.
gallery(count: int = 12, seed: int = 0) -> {"items": [{"index", "image": [784 ints 0..255],
    "label": int, "prediction": int, "confidence": float}]}   random test images.
evaluate() -> {"test_loss", "test_accuracy", "per_class_accuracy": [10], "confusion": 10x10 ints}
save_model() -> bytes   the .npz of the CLI's --save.
load_model(data) -> {"architecture": [...], "config": {...}, "parameters": int}

Events are the ones of ``glassnet.train`` (see its docstring): "batch", "epoch", "done",
"stopped", "error".
"""
