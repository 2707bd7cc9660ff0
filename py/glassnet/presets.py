"""Training configurations: the option set, its validation, and the three named presets.

``seed`` reproduces the starting point (plain SGD on a ReLU MLP, about 85% after 25 epochs),
``default`` is the best small MLP whose epoch stays a few seconds inside Pyodide, and ``best`` is
the most accurate MLP this package trains in 25 epochs. Figures are in the README.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from .errors import ConfigError
from .layers import ACTIVATIONS
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
    val_split: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


PRESETS: dict[str, dict[str, Any]] = {
    "seed": dict(layers=[128], activation="relu", optimizer="sgd", lr=0.01, batch_size=128,
                 schedule="constant"),
    "default": dict(layers=[128], activation="relu", optimizer="adam", lr=0.001, batch_size=64,
                    schedule="cosine"),
    "best": dict(layers=[1024, 1024], activation="relu", batchnorm=True, dropout=0.3,
                 optimizer="adamw", lr=0.002, weight_decay=0.05, batch_size=64,
                 schedule="cosine", warmup_epochs=1.0, augment=True, shift=0,
                 label_smoothing=0.1),
}

SCHEDULES = ("constant", "step", "cosine")
_NAMES = {f.name for f in fields(Config)}


def make_config(overrides: dict[str, Any] | None = None) -> Config:
    """A preset (``overrides['preset']``, default 'default') with overrides applied and validated.

    Keys set to None are ignored, so CLI options that were not given leave the preset alone.
    """
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    preset = overrides.get("preset", "default")
    if preset not in PRESETS:
        raise ConfigError(f"unknown preset {preset!r}; choose from {', '.join(PRESETS)}")
    unknown = sorted(set(overrides) - _NAMES)
    if unknown:
        raise ConfigError(f"unknown option(s): {', '.join(unknown)}")
    values = {**Config().to_dict(), **PRESETS[preset], **overrides, "preset": preset}
    try:
        config = Config(**values)
        config.layers = [int(n) for n in config.layers]
        for name in ("dropout", "input_dropout", "lr", "momentum", "weight_decay", "warmup_epochs",
                     "clip", "ema", "label_smoothing", "val_split"):
            setattr(config, name, float(getattr(config, name)))
        for name in ("batch_size", "epochs", "seed", "shift"):
            setattr(config, name, int(getattr(config, name)))
        config.batchnorm, config.augment = bool(config.batchnorm), bool(config.augment)
    except (TypeError, ValueError) as err:
        raise ConfigError(f"bad option value: {err}") from None
    _validate(config)
    return config


def _validate(c: Config) -> None:
    def bad(msg: str) -> None:
        raise ConfigError(msg)

    if any(n < 1 or n > 8192 for n in c.layers):
        bad(f"hidden layer sizes must be between 1 and 8192, got {c.layers}")
    if len(c.layers) > 32:
        bad(f"at most 32 hidden layers, got {len(c.layers)}")
    if c.activation not in ACTIVATIONS:
        bad(f"unknown activation {c.activation!r}; choose from {', '.join(ACTIVATIONS)}")
    if c.optimizer not in OPTIMIZERS:
        bad(f"unknown optimizer {c.optimizer!r}; choose from {', '.join(OPTIMIZERS)}")
    if c.schedule not in SCHEDULES:
        bad(f"unknown schedule {c.schedule!r}; choose from {', '.join(SCHEDULES)}")
    if not 0 < c.lr <= 10:
        bad(f"learning rate must be in (0, 10], got {c.lr}")
    if not 0 <= c.dropout < 1 or not 0 <= c.input_dropout < 1:
        bad(f"dropout must be in [0, 1), got {c.dropout} (input {c.input_dropout})")
    if c.weight_decay < 0:
        bad(f"weight decay must be >= 0, got {c.weight_decay}")
    if not 1 <= c.batch_size <= 60000:
        bad(f"batch size must be between 1 and 60000, got {c.batch_size}")
    if not 1 <= c.epochs <= 1000:
        bad(f"epochs must be between 1 and 1000, got {c.epochs}")
    if not 0 <= c.momentum < 1:
        bad(f"momentum must be in [0, 1), got {c.momentum}")
    if not 0 <= c.ema < 1:
        bad(f"ema must be in [0, 1), got {c.ema}")
    if c.clip < 0 or c.warmup_epochs < 0:
        bad("clip and warmup_epochs must be >= 0")
    if not 0 <= c.label_smoothing < 1:
        bad(f"label smoothing must be in [0, 1), got {c.label_smoothing}")
    if not 0 <= c.shift <= 8:
        bad(f"shift must be between 0 and 8 pixels, got {c.shift}")
    if not 0 <= c.val_split < 1:
        bad(f"validation split must be in [0, 1), got {c.val_split}")
