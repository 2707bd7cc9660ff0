"""The worker's facade: bytes in, JSON-able dicts out, people-readable errors."""

import json

import numpy as np
import pytest

from glassnet import webapi
from glassnet.data import encode_idx
from glassnet.errors import ConfigError, DataError, ModelError, ModelFileError, NotReadyError
from glassnet.webapi import estimatepage, session

from ..conftest import make_dataset


def blobs(data):
    return [encode_idx(a) for a in (data.train_images, data.train_labels, data.test_images,
                                     data.test_labels)]


@pytest.fixture
def fresh():
    webapi.reset()
    yield webapi
    webapi.reset()


def drawn_bar():
    canvas = np.zeros((140, 140, 4), dtype=np.uint8)
    canvas[..., 3] = 255
    canvas[20:120, 60:80, :3] = 255
    return canvas


def drain(api):
    """Call run() the way the worker does until the run finishes; return all events."""
    events = []
    while True:
        out = api.run(0.05)
        events += out["events"]
        if out["finished"]:
            return events


def train_to_end(api, **config):
    api.start({"layers": [32], "epochs": 1, "batch_size": 32, "lr": 0.003, **config})
    return drain(api)


def test_everything_is_json_able(fresh):
    api = fresh
    info = api.info()
    assert info["has_data"] is False and info["backend"] in ("blas", "einsum", "kernel")
    assert set(api.options()["presets"]) == {"seed", "lesson", "default", "best"}
    loaded = api.load_data(*blobs(make_dataset()))
    assert loaded["train"] == 600 and loaded["test"] == 200 and len(loaded["classes"]) == 10
    started = api.start({"preset": "default", "layers": [32], "epochs": 1})
    assert started["parameters"] == 784 * 32 + 32 + 330
    assert started["architecture"][0] == {"type": "Dense", "inputs": 784, "outputs": 32, "init": "he"}
    events = train_to_end(api)
    results = [api.evaluate(), api.gallery(5, seed=1), api.predict_drawing(drawn_bar().tobytes(), 140, 140),
               {"events": events}, info, started]
    json.dumps(results, allow_nan=False)


def test_run_is_chunked_and_ends_with_done(fresh):
    api = fresh
    api.load_data(*blobs(make_dataset()))
    api.start({"layers": [32], "epochs": 2, "batch_size": 32})
    started = api.take_events()["events"][0]  # "a run started" is an event
    assert started["event"] == "start" and started["steps_per_epoch"] == 19
    assert "parameters" in started["summary"]
    first = api.run(0.0)  # a zero budget still makes progress: one event
    assert len(first["events"]) == 1 and not first["finished"]
    events = first["events"] + drain(api)
    kinds = [e["event"] for e in events]
    assert kinds.count("epoch") == 2 and kinds[-1] == "done"
    assert api.run()["finished"] is True  # nothing more


def test_chunks_end_at_epoch_boundaries(fresh):
    api = fresh
    api.load_data(*blobs(make_dataset()))
    api.start({"layers": [32], "epochs": 2, "batch_size": 32})
    out = api.run(60.0)
    assert out["events"][-1]["event"] == "epoch"  # the page gets each epoch row promptly


def test_stop_and_learning_rate(fresh):
    api = fresh
    api.load_data(*blobs(make_dataset()))
    with pytest.raises(NotReadyError, match="no training run"):
        api.set_learning_rate(0.1)
    api.start({"layers": [32], "epochs": 3, "batch_size": 32, "schedule": "constant"})
    api.run(0.0)
    assert api.set_learning_rate(0.0123) == {"lr": 0.0123}
    assert api.run(0.0)["events"][0]["lr"] == pytest.approx(0.0123)
    with pytest.raises(ConfigError):
        api.set_learning_rate(-1)
    stopped = api.stop()["events"]
    assert [e["event"] for e in stopped] == ["stopped"]
    assert api.run()["finished"] and api.stop() == {"events": []}


def test_predict_drawing_from_rgba_and_gray(fresh):
    api = fresh
    with pytest.raises(ModelError, match="no model yet"):
        api.predict_drawing(b"\x00" * 16, 2, 2)
    api.load_data(*blobs(make_dataset()))
    api.start({"layers": [16], "epochs": 1})
    out = api.predict_drawing(memoryview(drawn_bar().tobytes()), 140, 140)
    assert len(out["probabilities"]) == 10 and sum(out["probabilities"]) == pytest.approx(1, abs=1e-5)
    assert out["top"] == int(np.argmax(out["probabilities"])) and isinstance(out["label"], str)
    assert len(out["input"]) == 784 and max(out["input"]) == pytest.approx(1.0)
    gray = drawn_bar()[..., 0].tobytes()
    assert api.predict_drawing(gray, 140, 140, 1)["input"] == out["input"]
    with pytest.raises(ConfigError, match="expected 140x140x4"):
        api.predict_drawing(b"\x00" * 10, 140, 140)


def test_save_and_load_model_predicts_the_same(fresh):
    api = fresh
    api.load_data(*blobs(make_dataset()))
    train_to_end(api)
    before = api.predict_drawing(drawn_bar().tobytes(), 140, 140)
    saved = api.save_model()
    assert isinstance(saved, bytes) and saved[:2] == b"PK"
    webapi.reset()
    info = api.load_model(bytearray(saved))
    assert info["parameters"] == 784 * 32 + 32 + 330 and info["config"]["epochs"] == 1
    assert api.predict_drawing(drawn_bar().tobytes(), 140, 140) == before
    with pytest.raises(ModelFileError, match="the model file"):
        api.load_model(saved[:100])
    # a failed load keeps the model that was there
    assert api.predict_drawing(drawn_bar().tobytes(), 140, 140) == before


def test_a_saved_model_brings_its_test_accuracy_to_the_shelf(fresh):
    """The shelf shows a loaded model's accuracy at once (measured when it was trained)."""
    api = fresh
    api.load_data(*blobs(make_dataset()))
    train_to_end(api)
    trained = next(m for m in api.shelf()["models"] if m["active"])
    assert trained["test_accuracy"] is not None
    saved = api.save_model()
    webapi.reset()
    api.load_model(saved, name="pretrained", kind="pretrained")
    loaded = next(m for m in api.shelf()["models"] if m["active"])
    assert loaded["test_accuracy"] == pytest.approx(trained["test_accuracy"])


def test_errors_without_data_and_with_bad_data(fresh):
    api = fresh
    for call in (lambda: api.start({}), lambda: api.gallery(), lambda: api.evaluate()):
        with pytest.raises(NotReadyError, match="no data loaded") as err:
            call()
        assert "Load the four" in err.value.hint
    files = blobs(make_dataset())
    files[0] = files[0][:1000]
    with pytest.raises(DataError, match="train-images-idx3-ubyte.gz"):
        api.load_data(*files)
    assert api.info()["has_data"] is False


def test_gallery_and_evaluate(fresh):
    api = fresh
    api.load_data(*blobs(make_dataset()))
    train_to_end(api, epochs=2)
    items = api.gallery(6, seed=2)["items"]
    assert len(items) == 6 and len({i["index"] for i in items}) == 6
    assert all(len(i["image"]) == 784 and 0 <= i["prediction"] < 10 for i in items)
    assert api.gallery(6, seed=2)["items"] == items
    ev = api.evaluate()
    assert sum(map(sum, ev["confusion"])) == 200 and ev["test_accuracy"] > 0.5


def test_options_schema_and_check_config(fresh):
    out = json.loads(json.dumps(fresh.options()))
    assert len(out["classes"]) == 10 and out["classes"][1] == "Trouser"
    names = [o["name"] for o in out["options"]]
    assert "lr" in names and "layers" in names
    assert out["default_preset"] in out["presets"]
    assert fresh.check_config({"preset": "seed", "lr": "0.5"})["config"]["lr"] == 0.5
    with pytest.raises(ConfigError) as info:
        fresh.check_config({"dropout": 3})
    assert info.value.option == "dropout"


def test_step_and_fine_tune_wait_for_the_training_loop(fresh):
    api = fresh
    api.load_data(*blobs(make_dataset()))
    api.start({"layers": [16], "epochs": 1})
    api.set_loop_running(True)
    with pytest.raises(ConfigError, match="while training runs"):
        api.step()
    api.set_loop_running(False)
    assert api.step()["step"] == 1


def test_learning_rate_from_a_field_is_checked_against_the_schema(fresh):
    api = fresh
    api.load_data(*blobs(make_dataset()))
    api.start({"layers": [16], "epochs": 1})
    assert api.set_learning_rate("0.05") == {"lr": 0.05}
    with pytest.raises(ConfigError) as info:
        api.set_learning_rate("abc")
    assert info.value.option == "lr"


# ---------------------------------------------------------------- the two halves, one at a time


def test_the_test_set_alone_makes_the_page_usable_but_training_waits(fresh):
    """The page is ready with the test half (4 MB); the training half (26 MB) follows."""
    api = fresh
    train_images, train_labels, test_images, test_labels = blobs(make_dataset())
    loaded = api.load_test_set(test_images, test_labels)
    assert loaded == {"train": 0, "test": 200, "classes": loaded["classes"]}
    api.load_model(_a_model_file(api))
    assert len(api.gallery(4, seed=0)["items"]) == 4
    assert api.evaluate()["confusion"] and len(api.mistakes(3)["items"]) <= 3
    assert api.inspect_input(test_index=5)["label"] is not None
    with pytest.raises(DataError, match="training images have not arrived") as err:
        api.start({"layers": [8], "epochs": 1})
    assert "section 1" in err.value.hint
    with pytest.raises(DataError, match="training images have not arrived"):
        api.step({"layers": [8]})

    loaded = api.load_training_set(train_images, train_labels)
    assert (loaded["train"], loaded["test"]) == (600, 200)
    events = train_to_end(api)
    assert events[-1]["event"] == "done"


def test_the_halves_may_arrive_in_either_order_and_replace_only_themselves(fresh):
    api = fresh
    train_images, train_labels, test_images, test_labels = blobs(make_dataset())
    assert api.load_training_set(train_images, train_labels)["test"] == 0
    assert api.load_test_set(test_images, test_labels)["train"] == 600
    other = blobs(make_dataset(n_train=100, n_test=50, seed=3))
    assert api.load_test_set(other[2], other[3]) == {"train": 600, "test": 50,
                                                     "classes": api.load_data(*other)["classes"]}


def test_a_bad_half_names_its_file_and_keeps_what_was_loaded(fresh):
    api = fresh
    train_images, train_labels, test_images, test_labels = blobs(make_dataset())
    api.load_test_set(test_images, test_labels)
    with pytest.raises(DataError, match="train-images-idx3-ubyte.gz"):
        api.load_training_set(train_images[:500], train_labels)
    with pytest.raises(DataError, match="training"):
        api.load_training_set(train_images, blobs(make_dataset(n_train=50))[1])  # 600 vs 50
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte.gz"):
        api.load_test_set(test_images, b"\x1f\x8b broken")
    assert session.get().data.test_labels.shape == (200,)
    assert session.get().data.train_labels.shape == (0,)


def _a_model_file(api) -> bytes:
    """A small trained model's .npz bytes, made with a throwaway session."""
    saved = session.replace(session.Session())
    try:
        api.load_data(*blobs(make_dataset()))
        train_to_end(api)
        return api.save_model()
    finally:
        session.replace(saved)


# Errors say what happened by their type, and what the page
# shows never quotes command-line flags.
def test_browser_hints_never_quote_command_line_flags(fresh):
    import re

    from glassnet import errors

    flags = re.compile(r"--[a-z]|python -m|`")
    for cls in (errors.GlassnetError, errors.DataError, errors.ModelFileError, errors.ConfigError,
                errors.NotReadyError, errors.DivergedError):
        assert not flags.search(cls("x").browser_hint), cls
    files = blobs(make_dataset())
    files[1] = b"garbage"
    with pytest.raises(DataError) as caught:
        fresh.load_data(*files)
    assert "--data-dir" in caught.value.hint and not flags.search(caught.value.browser_hint)
    with pytest.raises(ConfigError) as caught:
        fresh.load_data(*blobs(make_dataset()))
        fresh.start({"seed": -1})
    assert "seed" in str(caught.value) and not flags.search(caught.value.browser_hint)


def test_not_ready_is_its_own_error_type(fresh):
    for call in (fresh.predict_drawing, fresh.mistakes, fresh.save_model):
        with pytest.raises(NotReadyError):
            call(*([b"\0" * 16, 2, 2] if call is fresh.predict_drawing else []))
    assert not issubclass(NotReadyError, (ModelFileError, ConfigError, DataError))


def test_one_divergence_message_for_the_cli_and_the_page(fresh):
    fresh.load_data(*blobs(make_dataset()))
    fresh.start({"layers": [64, 64, 64], "activation": "leaky_relu", "optimizer": "sgd",
                 "lr": 10.0, "epochs": 5, "batch_size": 32})
    events = []
    while True:
        out = fresh.run(5.0)
        events += out["events"]
        if out["finished"]:
            break
    error = events[-1]
    assert error["event"] == "error"
    assert error["message"].startswith("training diverged: the loss became")
    assert "Lower the learning rate" in error["hint"]


# In the page, every numeric argument the page can send is checked by name.
@pytest.mark.parametrize("call, message", [
    (lambda api: api.gallery(count=-1), "count must be between 0 and 1000"),
    (lambda api: api.gallery(seed=-5), "seed must be between 0 and"),
    (lambda api: api.gallery(count=float("nan")), "count must be a whole number"),
    (lambda api: api.weights(limit=-3), "limit must be between"),
    (lambda api: api.predict_drawing(b"\0" * 16, -1, -4, 4), "width must be between 1 and"),
    (lambda api: api.predict_drawing(b"\0" * 16, 2, 2, 2.5), "channels must be a whole number"),
    (lambda api: api.predict_drawing(b"\0" * 16, 10 ** 6, 1, 4), "width must be between 1 and"),
    (lambda api: api.inspect_input(test_index=float("nan")), "does not exist"),
    (lambda api: api.inspect_input(test_index=1.5), "does not exist"),
    (lambda api: api.inspect_input(test_index=0, target=10), "target must be between 0 and 9"),
    (lambda api: api.add_example(b"\0" * 16, 2, 2, 4, float("nan")), "is not a class"),
    (lambda api: api.fine_tune(steps=-1), "steps must be between 1 and 200"),
    (lambda api: api.fine_tune(steps=10 ** 9), "steps must be between 1 and 200"),
    (lambda api: api.fine_tune(lr=float("nan")), "lr must be a number in"),
    (lambda api: api.fine_tune(lr=-1), "lr must be a number in"),
])
def test_page_arguments_are_checked_by_name(fresh, call, message):
    fresh.load_data(*blobs(make_dataset()))
    fresh.start({"layers": [8], "epochs": 1})
    fresh.stop()  # fine-tuning waits for a run to end
    bar = np.zeros((28, 28, 4), np.uint8)
    bar[10:14, 4:24] = 255
    fresh.add_example(bar.tobytes(), 28, 28, 4, 1)
    with pytest.raises(ConfigError, match=message):
        call(fresh)


def test_estimate_scales_a_few_timed_batches_to_the_run(fresh, monkeypatch):
    api = fresh
    api.load_data(*blobs(make_dataset()))
    short = api.estimate({"layers": [16], "epochs": 1})
    long = api.estimate({"layers": [16], "epochs": 1000})
    assert 0 < short["seconds"] < long["seconds"] and short["per_epoch"] > 0
    # The warning follows the threshold, whatever this device's speed (a fast kernel in Pyodide
    # finishes 1,000 tiny epochs in under five minutes).
    for estimate in (short, long):
        assert estimate["warning"] is (estimate["seconds"] > estimatepage.LONG_RUN_S)
    monkeypatch.setattr(estimatepage, "LONG_RUN_S", 0.0)
    warned = api.estimate({"layers": [16], "epochs": 2})
    assert warned["warning"] is True and "too long" in warned["text"]
    assert api.shelf()["models"] == []  # nothing kept


def test_estimate_waits_for_the_training_images(fresh):
    """Ready comes with the test images alone: the estimate says why it cannot time anything
    (it must not loop over an empty training set)."""
    api = fresh
    _, _, test_images, test_labels = blobs(make_dataset())
    api.load_test_set(test_images, test_labels)
    with pytest.raises(DataError, match="training images have not arrived"):
        api.estimate({"layers": [8]})


def test_estimate_times_steps_for_a_while_not_just_three(fresh, monkeypatch):
    """A step of a small network takes a millisecond: the estimate warms up and then times steps
    for about a quarter of a second each (at least 3, at most 64), not three alone; a small
    data set is gone round again rather than running out."""
    from glassnet.train import Trainer

    api = fresh
    api.load_data(*blobs(make_dataset()))
    steps = []
    original = Trainer.train_step
    monkeypatch.setattr(Trainer, "train_step", lambda self, x, y: steps.append(1) or original(self, x, y))
    monkeypatch.setattr(estimatepage, "ESTIMATE_SECONDS", 0.0)
    api.estimate({"layers": [8], "batch_size": 8, "epochs": 1})
    assert len(steps) == 3 + 3
    steps.clear()
    monkeypatch.setattr(estimatepage, "ESTIMATE_SECONDS", 1e9)
    api.estimate({"layers": [8], "batch_size": 8, "epochs": 1})
    assert len(steps) == 2 * estimatepage.ESTIMATE_MAX_STEPS  # 128 steps: more than the 75 of an epoch


def test_the_shelf_comes_back_after_python_is_restarted(fresh):
    """The page copies each finished model (model_file) and puts them back in a new Python
    (restore_model): same names, kinds, accuracies, predictions, and undo still goes back."""
    api = fresh
    api.load_data(*blobs(make_dataset()))
    train_to_end(api)
    train_to_end(api, layers=[16])
    api.add_example(drawn_bar().tobytes(), 140, 140, 4, 1)
    api.fine_tune(steps=3)
    with pytest.raises(ModelError, match="no model 'm99'"):
        api.model_file("m99")
    before = api.shelf()
    copies = [(m, api.model_file(m["id"])) for m in before["models"]]
    guess = api.predict_drawing(drawn_bar().tobytes(), 140, 140)["probabilities"]
    api.label_model(before["active"], student_code=True)

    webapi.reset()  # a new Python: the shelf is gone
    api.load_data(*blobs(make_dataset()))
    api.load_model(_a_model_file(api), name="pretrained", kind="pretrained")  # what boot does
    new_ids = {}
    for i, (m, blob) in enumerate(copies):
        entry = api.restore_model(blob, m["name"], m["kind"], m["status"],
                                  parent=new_ids.get(m["parent"]), replace=i == 0)
        new_ids[m["id"]] = entry["id"]
        assert entry["active"] is (i == 0)
    api.select_model(new_ids[before["active"]])
    after = api.shelf()
    assert [(m["name"], m["kind"], m["status"], m["test_accuracy"]) for m in after["models"]] == \
        [(m["name"], m["kind"], m["status"], m["test_accuracy"]) for m in before["models"]]
    assert api.predict_drawing(drawn_bar().tobytes(), 140, 140)["probabilities"] == pytest.approx(guess, abs=1e-6)
    undone = api.undo()  # the fine-tune's parent was restored with it
    assert undone["id"] == new_ids[before["models"][-2]["id"]]


def test_a_model_with_non_finite_weights_is_marked_diverged_and_gets_no_copy(fresh):
    """A diverged run (say, a student's backward sent infinity) holds NaN weights. No model file
    may carry them (loading refuses them), so the copy is refused with the reason, and the
    shelf marks the model as diverged; the page names it after a restart."""
    api = fresh
    api.load_data(*blobs(make_dataset()))
    train_to_end(api)
    model_id = api.shelf()["active"]
    weights = session.get().shelf.get(model_id).model.layers[0].params[0]
    weights[0, 0] = np.nan
    with pytest.raises(ModelError, match="NaN or infinite") as caught:
        api.model_file(model_id)
    assert "diverged" in str(caught.value)
    entry = next(m for m in api.shelf()["models"] if m["id"] == model_id)
    assert entry["flags"].get("diverged") is True
    weights[0, 0] = 0.0
    assert api.model_file(model_id)  # finite again: copied as usual


def test_restoring_refuses_unknown_kinds_and_runs_in_progress(fresh):
    api = fresh
    api.load_data(*blobs(make_dataset()))
    train_to_end(api)
    blob = api.model_file(api.shelf()["active"])
    with pytest.raises(ConfigError, match="unknown kind of model 'weird'"):
        api.restore_model(blob, "x", "weird")
    with pytest.raises(ModelFileError):
        api.restore_model(blob[:50], "x", "run")
    api.start({"layers": [8], "epochs": 1})
    with pytest.raises(ConfigError, match="in training cannot be copied"):
        api.model_file(api.shelf()["active"])
    with pytest.raises(ConfigError, match="during a training run"):
        api.restore_model(blob, "x", "run")
