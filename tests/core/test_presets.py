import pytest

from glassnet.errors import ConfigError
from glassnet.presets import PRESETS, make_config


def test_presets_resolve():
    assert set(PRESETS) == {"seed", "default", "best"}
    seed = make_config({"preset": "seed"})
    assert (seed.optimizer, seed.activation, seed.epochs) == ("sgd", "relu", 25)
    assert make_config().preset == "default"


def test_overrides_and_none_leave_preset_alone():
    c = make_config({"preset": "seed", "lr": 0.5, "epochs": None, "layers": ["64", 32]})
    assert c.lr == 0.5 and c.epochs == 25 and c.layers == [64, 32]


@pytest.mark.parametrize("overrides, message", [
    ({"preset": "huge"}, "unknown preset"),
    ({"lr": 0}, "learning rate"),
    ({"lr": "fast"}, "bad option value"),
    ({"dropout": 1.0}, "dropout"),
    ({"layers": [0]}, "hidden layer sizes"),
    ({"activation": "swish"}, "unknown activation"),
    ({"optimizer": "lion"}, "unknown optimizer"),
    ({"schedule": "exp"}, "unknown schedule"),
    ({"batch_size": 0}, "batch size"),
    ({"epochs": 0}, "epochs"),
    ({"colour": "red"}, "unknown option"),
    ({"shift": 9}, "shift"),
    ({"val_split": 1}, "validation split"),
])
def test_bad_configs(overrides, message):
    with pytest.raises(ConfigError, match=message):
        make_config(overrides)
