"""Inside Pyodide, glassnet imports from the bytecode its wheel carries (the build compiles it for
Pyodide's Python, tools/pycache.py), and its source stays readable for the code panel."""

from __future__ import annotations

import importlib.util
import inspect
import sys

import pytest

import glassnet.activations
import glassnet.layers
import glassnet.webapi

pytestmark = pytest.mark.skipif(sys.platform != "emscripten",
                                reason="the wheel's bytecode is for Pyodide's Python (natively "
                                       "glassnet runs from the checkout)")


@pytest.mark.parametrize("module", [glassnet.webapi, glassnet.layers])
def test_modules_come_with_bytecode_for_this_python_used_unchecked(module) -> None:
    cached = importlib.util.cache_from_source(module.__file__)
    with open(cached, "rb") as f:
        header = f.read(8)
    assert header[:4] == importlib.util.MAGIC_NUMBER
    assert int.from_bytes(header[4:8], "little") == 1  # written by the build, not by this Python


def test_the_source_is_still_there_for_the_code_panel() -> None:
    assert "def forward" in inspect.getsource(glassnet.activations.ReLU)
