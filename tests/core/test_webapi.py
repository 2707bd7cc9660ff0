"""The worker's facade: bytes in, JSON-able dicts out, people-readable errors."""

import json

import numpy as np
import pytest

from glassnet import webapi
from glassnet.data import encode_idx
from glassnet.errors import ConfigError, DataError, ModelError, ModelFileError

from ..conftest import make_dataset


def blobs(data):
    return [encode_idx(a) for a in (data.train_images, data.train_labels, data.test_images,
                                     data.test_labels)]


@pytest.fixture
def fresh():
    webapi._s = webapi._Session()
    yield webapi
    webapi._s = webapi._Session()


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
    assert set(api.presets()) == {"seed", "lesson", "default", "best"}
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
    with pytest.raises(ConfigError, match="no training run"):
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
    webapi._s = webapi._Session()
    info = api.load_model(bytearray(saved))
    assert info["parameters"] == 784 * 32 + 32 + 330 and info["config"]["epochs"] == 1
    assert api.predict_drawing(drawn_bar().tobytes(), 140, 140) == before
    with pytest.raises(ModelFileError, match="the model file"):
        api.load_model(saved[:100])
    # a failed load keeps the model that was there
    assert api.predict_drawing(drawn_bar().tobytes(), 140, 140) == before


def test_errors_without_data_and_with_bad_data(fresh):
    api = fresh
    for call in (lambda: api.start({}), lambda: api.gallery(), lambda: api.evaluate()):
        with pytest.raises(DataError, match="no data loaded") as err:
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
