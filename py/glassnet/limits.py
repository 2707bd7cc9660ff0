"""Sizes every part of glassnet agrees on: one definition, checked before anything is allocated.

Training refuses a network that loading would refuse (one parameter limit for both), and the
readers of untrusted files (idx data, model files) check declared sizes against these before
they inflate or allocate anything.
"""

from __future__ import annotations

from . import datasets

SIDE = datasets.get().side  # an image is SIDE x SIDE pixels (the default data set's)
INPUTS = SIDE * SIDE  # pixels, the network's inputs
CLASSES = len(datasets.get().classes)
# Far above any MLP this package trains (the `best` preset has 1.9 M); 50 M float32 parameters
# are 200 MB, already more than a browser tab comfortably holds next to the data.
MAX_PARAMETERS = 50_000_000
MAX_LAYERS = 256  # layers in a model file (a 32-hidden-layer net with extras has about 130)
MAX_WIDTH = 65_536  # units in one layer of a model file
# Activations of one training batch (batch size x every layer's width, a few copies each):
# above this a step needs gigabytes, which a browser tab does not have.
MAX_BATCH_VALUES = 64_000_000  # a full-batch (60000) step of the default net fits


def mlp_parameters(hidden: list[int], batchnorm: bool = False) -> int:
    """Parameters (and BatchNorm buffers) of a 784 -> hidden... -> 10 MLP, without building it."""
    total, width = 0, INPUTS
    for units in list(hidden) + [CLASSES]:
        total += (width + 1) * units
        width = units
    if batchnorm:
        total += 4 * sum(hidden)
    return total
