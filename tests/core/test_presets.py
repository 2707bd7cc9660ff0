import json
from dataclasses import fields

import pytest

from glassnet.errors import ConfigError
from glassnet.presets import OPTIONS, PRESETS, Config, make_config, schema


def test_presets_resolve():
    assert set(PRESETS) == {"seed", "lesson", "default", "best"}
    seed = make_config({"preset": "seed"})
    assert (seed.optimizer, seed.activation, seed.epochs) == ("sgd", "relu", 25)
    assert make_config().preset == "default"
    assert make_config({"preset": "lesson"}).epochs <= 10  # a lesson-sized run
    assert make_config({"preset": "best"}).epochs == 40  # 25 left it under 91% for some seeds


def test_overrides_and_none_leave_preset_alone():
    c = make_config({"preset": "seed", "lr": 0.5, "epochs": None, "layers": ["64", 32]})
    assert c.lr == 0.5 and c.epochs == 25 and c.layers == [64, 32]


@pytest.mark.parametrize("overrides, message", [
    ({"preset": "huge"}, "unknown preset"),
    ({"lr": 0}, "learning rate"),
    ({"lr": "fast"}, "bad option value"),
    ({"lr": float("nan")}, "learning rate"),
    ({"dropout": 1.0}, "dropout"),
    ({"layers": [0]}, "hidden layer sizes"),
    ({"layers": [1.5]}, "bad option value"),
    ({"layers": [8] * 33}, "at most 32"),
    ({"activation": "swish"}, "unknown activation"),
    ({"optimizer": "lion"}, "unknown optimizer"),
    ({"schedule": "exp"}, "unknown schedule"),
    ({"batch_size": 0}, "batch size"),
    ({"batch_size": 2.5}, "bad option value"),
    ({"epochs": 0}, "epochs"),
    ({"colour": "red"}, "unknown option"),
    ({"shift": 9}, "shift"),
    ({"val_split": 1}, "validation split"),
    ({"seed": -1}, "seed"),
    ({"augment": "perhaps"}, "bad option value"),
])
def test_bad_configs(overrides, message):
    with pytest.raises(ConfigError, match=message):
        make_config(overrides)


@pytest.mark.parametrize("name, value", [("lr", -1), ("dropout", 2), ("layers", [0]),
                                         ("activation", "swish"), ("epochs", "x")])
def test_errors_name_the_option(name, value):
    with pytest.raises(ConfigError) as info:
        make_config({name: value})
    assert info.value.option == name


def test_schema_covers_every_config_field_once():
    names = [o.name for o in OPTIONS]
    assert len(names) == len(set(names))
    assert set(names) == {f.name for f in fields(Config)} - {"preset"}


def test_schema_defaults_and_ranges_agree_with_validation():
    for option in OPTIONS:
        make_config({option.name: option.default})  # every default is valid
        if option.kind in ("int", "float") and option.high is not None:
            with pytest.raises(ConfigError):
                make_config({option.name: option.high + (0 if option.high_open else 1)})
        if option.kind in ("int", "float") and option.low is not None:
            with pytest.raises(ConfigError):
                make_config({option.name: option.low - (0 if option.low_open else 1)})


def test_schema_is_plain_data_with_help_and_presets():
    data = json.loads(json.dumps(schema()))
    assert data["default_preset"] in data["presets"]
    for option in data["options"]:
        assert option["help"].endswith(".") and option["label"] and option["range"]
        if option["kind"] == "choice":
            assert option["default"] in [c["value"] for c in option["choices"]]
    for name, preset in data["presets"].items():
        assert preset["values"] == make_config({"preset": name}).to_dict()
        assert preset["help"]


def test_strings_from_a_form_or_link_convert():
    c = make_config({"layers": "256, 128", "lr": "0.01", "epochs": "3", "batchnorm": "true"})
    assert (c.layers, c.lr, c.epochs, c.batchnorm) == ([256, 128], 0.01, 3, True)


# Every numeric option is refused up front with its reason (negative,
# non-finite, rounded, absurd), and a network that training would make always loads.
@pytest.mark.parametrize("overrides, message", [
    ({"seed": -1}, "seed must be between 0 and"),
    ({"seed": 2 ** 40}, "seed must be between 0 and"),
    ({"warmup_epochs": float("nan")}, r"warm-up epochs must be in \[0, 1000\], got nan"),
    ({"warmup_epochs": float("inf")}, "warm-up epochs must be in .* got inf"),
    ({"warmup_epochs": 30, "epochs": 25}, "warm-up epochs must be between 0 and the number"),
    ({"weight_decay": float("nan")}, "weight decay must be in .* got nan"),
    ({"weight_decay": -0.1}, "weight decay must be in"),
    ({"weight_decay": 1e9}, r"weight decay must be in \[0, 1\]"),
    ({"clip": float("nan")}, "gradient clipping must be in .* got nan"),
    ({"clip": -1}, "gradient clipping must be in"),
    ({"lr": float("inf")}, "learning rate must be in .* got inf"),
    ({"lr": "nan"}, "learning rate must be in .* got nan"),
    ({"momentum": float("-inf")}, "momentum must be in .* got -inf"),
    ({"ema": float("nan")}, "weight average must be in .* got nan"),
    ({"label_smoothing": float("nan")}, "label smoothing must be in .* got nan"),
    ({"val_split": float("nan")}, "validation split must be in .* got nan"),
    ({"dropout": -0.5}, "dropout must be in"),
    ({"epochs": 2.7}, "epochs: expected a whole number"),
    ({"epochs": float("nan")}, "epochs: expected a whole number"),
    ({"epochs": 10 ** 9}, "epochs must be between"),
    ({"batch_size": -64}, "batch size must be between"),
    ({"shift": -1}, "must be between 0 and 8"),
    ({"layers": [128.5]}, "hidden layers: expected whole numbers"),
    ({"layers": [True]}, "hidden layers: expected whole numbers"),
    ({"batchnorm": "perhaps"}, "batch normalisation: expected true or false"),
    ({"augment": 2}, "flip images: expected true or false"),
    ({"activation": 3}, "unknown activation"),
    ({"layers": [8192] * 32}, "parameters; glassnet builds at most"),
    ({"layers": [8192, 8192]}, "parameters; glassnet builds at most"),
    ({"layers": [4096], "batch_size": 60000}, "more than fits in memory"),
])
def test_every_numeric_option_is_checked_up_front(overrides, message):
    with pytest.raises(ConfigError, match=message):
        make_config(overrides)


def test_the_largest_network_training_allows_also_loads():
    from glassnet.limits import MAX_PARAMETERS, mlp_parameters
    from glassnet.modelio import load_model, save_model
    from glassnet.network import build_mlp

    config = make_config({"layers": [7000, 10]})  # 5.6 M parameters: allowed by both
    model = build_mlp(config.layers, seed=0)
    assert model.parameter_count() == mlp_parameters(config.layers) <= MAX_PARAMETERS
    assert load_model(save_model(model))[0].spec() == model.spec()
    with pytest.raises(ConfigError, match="parameters"):
        make_config({"layers": [7000, 7000]})


def test_options_from_text_are_accepted_when_exact():
    c = make_config({"epochs": "3", "lr": "0.01", "layers": [64.0], "batchnorm": 1})
    assert (c.epochs, c.lr, c.layers, c.batchnorm) == (3, 0.01, [64], True)
