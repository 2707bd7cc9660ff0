"""Every registered activation, end to end: its gradients, a run that learns, a model file that
saves and loads back identical, and the places that read the registry (schema, code panel,
model files). A new entry in activations.ACTIVATIONS is tested here without a new test."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet import pieces
from glassnet.activations import ACTIVATIONS, BY_KIND, Activation, Field, lookup
from glassnet.gradcheck import assert_close, numeric_grad
from glassnet.layers import Layer
from glassnet.modelio import load_model, save_model
from glassnet.network import LAYER_TYPES, build_mlp, layer_from_spec
from glassnet.presets import OPTION_BY_NAME, make_config
from glassnet.train import Trainer, evaluate

from ..conftest import make_dataset

ENTRIES = list(ACTIVATIONS.values())
IDS = list(ACTIVATIONS)


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_gradients_match_finite_differences(entry: Activation) -> None:
    layer = entry.make()
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 6))
    x = np.where(np.abs(x) < 0.1, 0.1 * np.sign(x) + 0.1 * (x == 0), x)  # away from kinks
    r = rng.standard_normal((4, 6))

    def f() -> float:
        return float(np.sum(layer.forward(x, True) * r))

    f()
    assert_close(layer.backward(r), numeric_grad(f, x))


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_trains_saves_reloads_and_evaluates(entry: Activation) -> None:
    data = make_dataset()
    config = make_config({"layers": [24], "activation": entry.name, "epochs": 3, "batch_size": 32,
                          "lr": 0.01})
    trainer = Trainer(config, data)
    events = list(trainer.events())
    assert events[-1]["event"] == "done"
    kinds = [layer.kind for layer in trainer.model.layers]
    assert kinds == ["Dense", entry.layer.kind, "Dense"]
    assert trainer.model.layers[0].init == entry.init
    before = evaluate(trainer.model, data.test_images, data.test_labels)
    assert before["accuracy"] > 0.3, f"{entry.name} did not learn the synthetic set"
    model, meta = load_model(save_model(trainer.model, config.to_dict()), "test")
    assert model.spec() == trainer.model.spec() and meta["config"]["activation"] == entry.name
    after = evaluate(model, data.test_images, data.test_labels)
    assert after["accuracy"] == before["accuracy"]
    assert np.isclose(after["loss"], before["loss"])


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_every_part_that_lists_activations_reads_the_registry(entry: Activation) -> None:
    layer = entry.make()
    assert isinstance(layer, entry.layer) and isinstance(layer, Layer)
    assert BY_KIND[layer.kind] is entry and lookup(entry.name) is entry
    assert layer.kind in LAYER_TYPES
    assert set(layer.spec()) == {"type", *entry.fields}
    assert layer_from_spec(layer.spec()).spec() == layer.spec()
    choices = {c["value"]: c["title"] for c in OPTION_BY_NAME["activation"].to_dict()["choices"]}
    assert choices[entry.name] == entry.title
    piece = pieces.get_piece(entry.name)
    assert (piece.owner, piece.title, piece.note) == (entry.layer, entry.title, entry.note)
    assert piece.settings == {"activation": (entry.name,)}
    assert pieces.pieces_in_use(entry.name, "adam")[1] == entry.name
    assert entry.init in ("he", "glorot")


def test_choices_are_the_registry_in_its_order() -> None:
    assert OPTION_BY_NAME["activation"].choices == tuple(ACTIVATIONS)
    assert all(name == entry.name for name, entry in ACTIVATIONS.items())
    assert len(BY_KIND) == len(ACTIVATIONS)  # one layer type per entry
    with pytest.raises(ValueError, match="unknown activation 'swish'; choose from relu"):
        lookup("swish")


def test_a_field_out_of_its_range_is_refused_in_a_model_file() -> None:
    name, entry = next((n, e) for n, e in ACTIVATIONS.items() if e.fields)
    field, limits = next(iter(entry.fields.items()))
    assert isinstance(limits, Field)
    model = build_mlp([4], name, seed=0)
    setattr(model.layers[1], field, limits.high + 1)
    from glassnet.errors import ModelFileError
    with pytest.raises(ModelFileError, match=f"{field} must be in"):
        load_model(save_model(model), "bad")
