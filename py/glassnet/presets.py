"""Training configurations: the one option schema, its validation, and the named presets.

``OPTIONS`` is the single description of every training option (name, type, range, default,
choices, one-line help). Everything else is derived from it: ``make_config``'s validation, the
command line's flags (``cli.py``), and, through ``webapi.options()``, the page's form, its share
links and its run records. To add an option: add a ``Config`` field and an ``Option`` here, and
use the value where it matters (usually ``train.py``).

``seed`` reproduces the starting point (plain SGD on a ReLU MLP, about 85% after 25 epochs),
``lesson`` fits a classroom (about a minute in the browser, 88% or more), ``default`` is the best
small MLP whose epoch stays a few seconds inside Pyodide, and ``best`` is the most accurate MLP
this package trains (40 epochs: at 25 it ended between 90.88% and 91.04% depending on the seed).
Figures are in the README.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from .activations import ACTIVATIONS
from .errors import ConfigError
from .limits import CLASSES, INPUTS, MAX_BATCH_VALUES, MAX_PARAMETERS, mlp_parameters
from .optim import OPTIMIZERS


@dataclass
class Config:
    preset: str = "default"
    layers: list[int] = field(default_factory=lambda: [128])
    activation: str = "relu"
    batchnorm: bool = False
    dropout: float = 0.0
    input_dropout: float = 0.0  # dropout on the pixels themselves, a strong regulariser for MLPs
    optimizer: str = "adam"
    lr: float = 0.001
    momentum: float = 0.9
    weight_decay: float = 0.0
    schedule: str = "constant"
    warmup_epochs: float = 0.0
    batch_size: int = 64
    epochs: int = 25
    seed: int = 0
    clip: float = 0.0
    ema: float = 0.0  # decay of an average of the weights used for evaluation (0: off)
    label_smoothing: float = 0.0
    augment: bool = False  # random left-right flips
    shift: int = 0  # with augment: random shifts of up to this many pixels
    test_flip: bool = False  # evaluate on the average of each test image and its mirror
    val_split: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


SCHEDULES = ("constant", "step", "cosine")

# Words for choice values, where the value itself is not what people call it.
CHOICE_TITLES = {
    **{a.name: a.title for a in ACTIVATIONS.values()},
    "sgd": "SGD", "momentum": "SGD + momentum", "nesterov": "Nesterov momentum",
    "rmsprop": "RMSProp", "adam": "Adam", "adamw": "AdamW",
    "constant": "constant", "step": "step (÷10 every 10 epochs)", "cosine": "cosine",
}


@dataclass(frozen=True)
class Option:
    """One training option. ``kind`` is int, float, bool, choice or layers (a list of ints).

    Ranges: ``low``/``high`` bound the value (for layers: each size), ``low_open``/``high_open``
    exclude the bound itself. ``basic`` options are shown first in the page; the others sit under
    "More settings". ``default`` is the value when neither a preset nor the user sets one.
    """
    name: str
    label: str
    kind: str
    help: str
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple[str, ...] = ()
    basic: bool = False
    max_items: int = 0  # layers only: at most this many hidden layers
    step: float | None = None  # a sensible increment for a number field (page only)

    @property
    def default(self) -> Any:
        return Config().to_dict()[self.name]

    def range_text(self) -> str:
        """The allowed values in words and brackets, e.g. 'in (0, 10]' or 'between 1 and 1000'."""
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        if self.low is None and self.high is None:
            return "any value"
        fmt = (lambda v: str(int(v))) if self.kind in ("int", "layers") else (lambda v: f"{v:g}")
        if self.high is None:
            return f"{'>' if self.low_open else '>='} {fmt(self.low)}"
        if self.kind in ("int", "layers") and not self.low_open and not self.high_open:
            return f"between {fmt(self.low)} and {fmt(self.high)}"
        return (f"in {'(' if self.low_open else '['}{fmt(self.low)}, {fmt(self.high)}"
                f"{')' if self.high_open else ']'}")

    def in_range(self, v: float) -> bool:
        if isinstance(v, float) and not math.isfinite(v):
            return False
        if self.low is not None and (v < self.low or (self.low_open and v == self.low)):
            return False
        if self.high is not None and (v > self.high or (self.high_open and v == self.high)):
            return False
        return True

    def to_dict(self) -> dict[str, Any]:
        out = {"name": self.name, "label": self.label, "kind": self.kind, "help": self.help,
               "default": self.default, "low": self.low, "high": self.high,
               "low_open": self.low_open, "high_open": self.high_open,
               "range": self.range_text(), "basic": self.basic, "step": self.step}
        if self.choices:
            out["choices"] = [{"value": c, "title": CHOICE_TITLES.get(c, c)} for c in self.choices]
        if self.kind == "layers":
            out["max_items"] = self.max_items
        return out


OPTIONS: tuple[Option, ...] = (
    Option("layers", "Hidden layers", "layers", "Neurons per hidden layer, first to last, e.g. "
           "256,128 (empty: no hidden layer).", low=1, high=8192, max_items=32, basic=True),
    Option("activation", "Activation", "choice", "What each hidden neuron does with its sum: "
           "ReLU learns fastest; sigmoid and tanh fade in deep networks.",
           choices=tuple(ACTIVATIONS), basic=True),
    Option("optimizer", "Optimizer", "choice", "How the gradients move the weights: Adam adapts "
           "the step per weight; SGD takes the plain slope.", choices=tuple(OPTIMIZERS), basic=True),
    Option("lr", "Learning rate", "float", "How far each step moves the weights: too small learns "
           "slowly, too large jumps around or diverges.", low=0, high=10, low_open=True,
           basic=True, step=0.0001),
    Option("batch_size", "Batch size", "int", "Images looked at before each weight update: small "
           "batches learn in more, noisier steps.", low=1, high=60000, basic=True, step=1),
    Option("epochs", "Epochs", "int", "How many times the network sees all 60,000 training "
           "images.", low=1, high=1000, basic=True, step=1),
    Option("dropout", "Dropout", "float", "Share of hidden neurons switched off at random while "
           "training, so no single one is relied on.", low=0, high=1, high_open=True, basic=True,
           step=0.05),
    Option("weight_decay", "Weight decay", "float", "Pulls every weight a little towards zero "
           "each step, which keeps the network simple.", low=0, high=1, basic=True, step=0.0001),
    Option("seed", "Seed", "int", "Starting point of the random numbers: the same seed and "
           "settings give the same network.", low=0, high=2**32 - 1, basic=True, step=1),
    Option("schedule", "Schedule", "choice", "How the learning rate changes over the run: "
           "constant, step (divided by 10 every 10 epochs) or cosine (smoothly down to 0).",
           choices=SCHEDULES),
    Option("warmup_epochs", "Warm-up epochs", "float", "Epochs over which the learning rate "
           "grows from 0 to its value at the start.", low=0, high=1000, step=0.5),
    Option("batchnorm", "Batch normalisation", "bool", "Rescale each hidden layer's values "
           "per batch, which lets deeper networks train."),
    Option("momentum", "Momentum", "float", "For SGD with momentum, Nesterov and RMSProp: how "
           "much of the previous step carries on.", low=0, high=1, high_open=True, step=0.05),
    Option("input_dropout", "Input dropout", "float", "Share of the input pixels hidden at "
           "random while training.", low=0, high=1, high_open=True, step=0.05),
    Option("label_smoothing", "Label smoothing", "float", "Aim for slightly less than 100% "
           "certainty on the right class, which curbs over-confidence.", low=0, high=1,
           high_open=True, step=0.05),
    Option("augment", "Flip images", "bool", "Show random left-right mirror images while "
           "training, so the network sees more variety."),
    Option("shift", "Shift (pixels)", "int", "With flips: also move images by up to this many "
           "pixels.", low=0, high=8, step=1),
    Option("test_flip", "Test on mirrors too", "bool", "Judge each test image by the average of "
           "the network's guesses for it and for its mirror image."),
    Option("clip", "Gradient clipping", "float", "Shrink a step whose gradient is longer than "
           "this (0: off), a guard against sudden jumps.", low=0, high=1e6, step=0.5),
    Option("ema", "Weight average", "float", "Evaluate a moving average of the weights with "
           "this decay, e.g. 0.999 (0: off).", low=0, high=1, high_open=True, step=0.001),
    Option("val_split", "Validation split", "float", "Hold out this share of the training "
           "images and report on them instead of the test set.", low=0, high=1, high_open=True,
           step=0.05),
)
OPTION_BY_NAME = {o.name: o for o in OPTIONS}

PRESETS: dict[str, dict[str, Any]] = {
    "seed": dict(layers=[128], activation="relu", optimizer="sgd", lr=0.01, batch_size=128,
                 schedule="constant"),
    "lesson": dict(layers=[128], activation="relu", optimizer="adam", lr=0.002, batch_size=64,
                   schedule="cosine", epochs=8),
    "default": dict(layers=[128], activation="relu", optimizer="adam", lr=0.001, batch_size=64,
                    schedule="cosine"),
    "best": dict(layers=[1024, 1024], activation="relu", batchnorm=True, dropout=0.3,
                 optimizer="adamw", lr=0.002, weight_decay=0.05, batch_size=64,
                 schedule="cosine", warmup_epochs=1.0, augment=True, shift=0,
                 label_smoothing=0.1, epochs=40),
}

PRESET_HELP = {
    "seed": "the starting point this project set out to beat: plain SGD, about 85%",
    "lesson": "fits a lesson: about a minute in the browser, 88% or more",
    "default": "the best small network: 25 epochs, about 89.5%",
    "best": "the most accurate network here (about 91.3%, 40 epochs), far slower",
}

# The preset the page opens with: a run that fits a lesson (the command line's is "default").
PAGE_PRESET = "lesson"

# Settings that show one thing, which the page's buttons fill in (a preset plus changes; the
# title names the example in the form and on the shelf).
EXAMPLES: dict[str, dict[str, Any]] = {
    # Vanishing gradients: the first layer's updates are a million times smaller than the last's.
    "sigmoid_ten": {"title": "Example: sigmoid, ten layers",
                    "values": dict(preset="default", layers=[32] * 10, activation="sigmoid",
                                   optimizer="sgd", lr=0.1, batch_size=64, dropout=0.0,
                                   weight_decay=0.0, seed=0)},
}

_NAMES = {f.name for f in fields(Config)}


def schema() -> dict[str, Any]:
    """The whole option set as plain data: what the page builds its form, links and records from."""
    return {
        "options": [o.to_dict() for o in OPTIONS],
        "presets": {name: {"help": PRESET_HELP.get(name, ""),
                           "values": make_config({"preset": name}).to_dict()}
                    for name in PRESETS},
        "default_preset": PAGE_PRESET,
        "examples": {name: {"title": e["title"], "values": dict(e["values"])}
                     for name, e in EXAMPLES.items()},
    }


def _convert(option: Option, value: Any) -> Any:
    """One raw value (from argparse, JSON or a form) as the option's type; ConfigError if not."""
    what = option.label.lower()
    try:
        if option.kind == "layers":
            if isinstance(value, str):
                value = [part for part in value.replace(" ", "").split(",") if part]
            out = []
            for n in value:
                if isinstance(n, bool) or (isinstance(n, float) and not n.is_integer()):
                    raise ValueError
                out.append(int(n))
            return out
        if option.kind == "bool":
            if isinstance(value, str):
                if value.lower() in ("1", "true", "yes", "on"):
                    return True
                if value.lower() in ("0", "false", "no", "off", ""):
                    return False
                raise ValueError
            if not isinstance(value, bool) and value not in (0, 1):  # 2 is not a yes or a no
                raise ValueError
            return bool(value)
        if option.kind == "int":
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            return int(value)
        if option.kind == "float":
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        return str(value)
    except (TypeError, ValueError, OverflowError):
        expected = {"layers": "whole numbers separated by commas, like 256,128",
                    "bool": "true or false", "int": "a whole number",
                    "float": "a number"}.get(option.kind, "text")
        raise ConfigError(f"bad option value for {what}: expected {expected}, "
                          f"got {value!r}") from None


def check_option(option: Option, value: Any) -> None:
    """Raises ConfigError (naming the option in ``.option``) when ``value`` is out of range."""
    what = option.label.lower()

    def bad(message: str) -> None:
        err = ConfigError(message)
        err.option = option.name
        raise err

    if option.kind == "choice":
        if value not in option.choices:
            bad(f"unknown {what} {value!r}; choose from {', '.join(option.choices)}")
    elif option.kind == "layers":
        if option.name == "layers":
            what = "hidden layer sizes"
        if any(not option.in_range(n) for n in value):
            bad(f"{what} must be {option.range_text()}, got {value}")
        if option.max_items and len(value) > option.max_items:
            bad(f"at most {option.max_items} hidden layers, got {len(value)}")
    elif option.kind in ("int", "float") and not option.in_range(value):
        bad(f"{what} must be {option.range_text()}, got {value}")


def check_value(name: str, value: Any) -> Any:
    """One option's value converted and checked on its own (e.g. a learning rate changed mid-run)."""
    option = OPTION_BY_NAME[name]
    try:
        converted = _convert(option, value)
        check_option(option, converted)
    except ConfigError as err:
        err.option = name
        raise
    return converted


def make_config(overrides: dict[str, Any] | None = None) -> Config:
    """A preset (``overrides['preset']``, default 'default') with overrides applied and validated.

    Keys set to None are ignored, so CLI options that were not given leave the preset alone.
    Errors are ConfigError; when one option is at fault its name is in the error's ``option``.
    """
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    preset = overrides.get("preset", "default")
    if preset not in PRESETS:
        err = ConfigError(f"unknown preset {preset!r}; choose from {', '.join(PRESETS)}")
        err.option = "preset"
        raise err
    unknown = sorted(set(overrides) - _NAMES)
    if unknown:
        raise ConfigError(f"unknown option(s): {', '.join(unknown)}",
                          hint=f"Known options: {', '.join(o.name for o in OPTIONS)}.")
    values = {**Config().to_dict(), **PRESETS[preset], **overrides, "preset": preset}
    for option in OPTIONS:
        try:
            values[option.name] = _convert(option, values[option.name])
            check_option(option, values[option.name])
        except ConfigError as err:
            err.option = option.name
            raise
    config = Config(**values)
    _check_together(config)
    return config


def _check_together(c: Config) -> None:
    """What no single option's range can say: the warm-up fits in the run, and the network is
    one that loading accepts (the one parameter limit) and whose batch fits in memory. Checked
    before anything is allocated."""
    def bad(message: str, option: str, hint: str | None = None) -> None:
        err = ConfigError(message, hint=hint)
        err.option = option
        raise err

    if c.warmup_epochs > c.epochs:
        bad(f"warm-up epochs must be between 0 and the number of epochs ({c.epochs}), "
            f"got {c.warmup_epochs:g}", "warmup_epochs")
    parameters = mlp_parameters(c.layers, c.batchnorm)
    sizes = ",".join(map(str, c.layers)) or "none"
    if parameters > MAX_PARAMETERS:
        bad(f"hidden layers {sizes} make {parameters:,} parameters; glassnet builds at most "
            f"{MAX_PARAMETERS:,}", "layers", "Use fewer or narrower layers.")
    values = c.batch_size * (INPUTS + sum(c.layers) + CLASSES)
    if values > MAX_BATCH_VALUES:
        bad(f"batch size {c.batch_size} with hidden layers {sizes} needs {values:,} values per "
            f"step, more than fits in memory (at most {MAX_BATCH_VALUES:,})", "batch_size",
            "Use a smaller batch size or narrower layers.")
