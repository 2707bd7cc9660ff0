"""The model shelf: nothing replaces the active model without keeping it; undo; bounded memory."""

import numpy as np
import pytest

from glassnet import webapi
from glassnet.data import encode_idx
from glassnet.errors import ConfigError, ModelError
from glassnet.modelio import save_model
from glassnet.network import build_mlp
from glassnet.shelf import MAX_MODELS, Shelf
from glassnet.webapi import session

from ..conftest import make_dataset


@pytest.fixture
def api():
    session.replace(session.Session())
    data = make_dataset()
    webapi.load_data(*[encode_idx(a) for a in (data.train_images, data.train_labels,
                                               data.test_images, data.test_labels)])
    yield webapi
    session.replace(session.Session())


def drawing():
    canvas = np.zeros((56, 56, 4), dtype=np.uint8)
    canvas[..., 3] = 255
    canvas[8:48, 20:36, :3] = 255
    return canvas.tobytes()


def ids(api):
    return [m["id"] for m in api.shelf()["models"]]


def active(api):
    return api.shelf()["active"]


def predict(api):
    return api.predict_drawing(drawing(), 56, 56)["probabilities"]


def test_every_model_of_a_session_stays_on_the_shelf(api):
    pretrained = api.load_model(save_model(build_mlp([16], seed=1), {}), name="pretrained",
                                kind="pretrained")["model"]
    run = api.start({"layers": [8], "epochs": 1, "batch_size": 64})["model"]
    while not api.run(5.0)["finished"]:
        pass
    api.select_model(pretrained)
    step = api.step({"layers": [8], "epochs": 1})  # not a run's model: a new step network
    step_id = active(api)
    assert step["step"] == 1 and step_id not in (pretrained, run)
    loaded = api.load_model(save_model(build_mlp([4], seed=2), {}), name="mine.npz")["model"]
    shelf = api.shelf()
    assert [m["id"] for m in shelf["models"]] == [pretrained, run, step_id, loaded]
    kinds = {m["id"]: m["kind"] for m in shelf["models"]}
    assert kinds == {pretrained: "pretrained", run: "run", step_id: "step", loaded: "file"}
    assert [m["active"] for m in shelf["models"]] == [False, False, False, True]
    done = next(m for m in shelf["models"] if m["id"] == run)
    assert done["status"] == "done" and done["test_accuracy"] is not None
    assert "→" in done["summary"]


def test_select_changes_what_every_call_uses(api):
    a = api.load_model(save_model(build_mlp([16], seed=1), {}), name="a")["model"]
    pa = predict(api)
    api.load_model(save_model(build_mlp([16], seed=2), {}), name="b")
    assert predict(api) != pa
    api.select_model(a)
    assert predict(api) == pa
    with pytest.raises(ModelError, match="no model"):
        api.select_model("m99")


def test_fine_tune_works_on_a_copy_and_undo_restores_the_prediction(api):
    base = api.load_model(save_model(build_mlp([16], seed=1), {}), name="pretrained",
                          kind="pretrained")["model"]
    before = predict(api)
    api.add_example(drawing(), 56, 56, 4, 3)
    tuned = api.fine_tune(steps=20, lr=0.01)
    assert tuned["undo_to"] == base and active(api) == tuned["model"] != base
    assert predict(api) != before
    assert api.undo()["id"] == base
    assert predict(api) == before and tuned["model"] not in ids(api)
    with pytest.raises(ModelError, match="nothing to undo"):
        api.undo()


def test_a_stopped_run_is_kept_and_the_shelf_cannot_switch_mid_run(api):
    first = api.start({"layers": [8], "epochs": 3})["model"]
    api.run(0.0)
    with pytest.raises(ConfigError, match="during a training run"):
        api.select_model(first)
    api.stop()
    second = api.start({"layers": [8], "epochs": 3})["model"]
    entries = {m["id"]: m for m in api.shelf()["models"]}
    assert entries[first]["status"] == "stopped" and second in entries


def test_calls_queue_start_and_shelf_events(api):
    api.take_events()
    started = api.start({"layers": [8], "epochs": 1}, name="Example: tiny", kind="step")
    events = api.take_events()["events"]
    assert [e["event"] for e in events] == ["start", "shelf"]
    assert events[0]["model"] == started["model"] and events[0]["name"] == "Example: tiny"
    assert events[1]["active_changed"] and events[1]["active"] == started["model"]
    assert api.take_events() == {"events": []}


def test_labels_stay_with_a_model(api):
    m = api.load_model(save_model(build_mlp([4], seed=1), {}), name="x")["model"]
    api.label_model(m, student_code=True)
    assert api.shelf()["models"][0]["flags"] == {"student_code": True}


def test_memory_is_bounded_and_protects_active_undo_target_and_first():
    shelf = Shelf(limit=3)
    first = shelf.add(build_mlp([2]), "pretrained", "pretrained").id
    for n in range(5):
        shelf.add(build_mlp([2]), f"run {n}", "run")
    tuned = shelf.fork("run 4, fine-tuned", "fine-tune")
    kept = [e.id for e in shelf.entries]
    assert len(kept) == 3 and first in kept and tuned.id in kept and tuned.parent in kept
    assert shelf.dropped == 4
    assert MAX_MODELS >= 4
