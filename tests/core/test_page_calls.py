"""The page-call registry (webapi.PAGE_CALLS) against the functions, the contract and the page.

The worker refuses any name not in the list, so a call the page makes that is missing from it
would fail in the browser only: these tests make that drift fail here first.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from glassnet import webapi
from glassnet.webapi import contract

from ..conftest import ROOT

WEB = ROOT / "web"
# Functions of the page modules that other modules or tests use but the page does not call.
NOT_CALLS = {"get", "replace", "require_data", "require_training_images", "require_model",
             "require_not_training", "require_predictions", "notify", "notify_shelf",
             "trainer_steps", "items", "as_bytes", "overrides", "plain", "whole", "positive",
             "drawing_input", "signature", "contract"}


def _public_functions(module) -> set[str]:
    return {name for name, fn in vars(module).items()
            if inspect.isfunction(fn) and fn.__module__ == module.__name__ and not name.startswith("_")}


def test_every_entry_is_a_documented_function_of_the_package() -> None:
    for name, fn in webapi.PAGE_CALLS.items():
        assert inspect.isfunction(fn) and fn.__name__ == name
        assert fn.__module__.startswith("glassnet.webapi."), name
        assert getattr(webapi, name) is fn, f"glassnet.webapi.{name} is not the page call"
        assert fn.__doc__ and "->" in fn.__doc__, f"{name}'s docstring must say what it returns"


def test_every_public_function_of_a_page_module_is_listed() -> None:
    """A new function that the list forgets would be refused by the worker: each one is either a
    page call or named above as a helper."""
    import importlib
    for path in sorted(Path(webapi.__file__).parent.glob("*.py")):
        if path.name != "__init__.py":
            module = importlib.import_module(f"glassnet.webapi.{path.stem}")
            unlisted = sorted(_public_functions(module) - set(webapi.PAGE_CALLS) - NOT_CALLS)
            assert not unlisted, f"{path.name}: neither in PAGE_CALLS nor a helper: {unlisted}"
    assert not NOT_CALLS & set(webapi.PAGE_CALLS)


def test_the_contract_lists_every_call_with_its_signature() -> None:
    text = contract.contract()
    for name, fn in webapi.PAGE_CALLS.items():
        assert f"## `{contract.signature(fn)}`" in text and contract.signature(fn).startswith(name + "(")
    assert text.count("\n## ") == len(webapi.PAGE_CALLS)


@pytest.mark.native
def test_the_contract_file_is_the_generated_one() -> None:
    written = (ROOT / "docs" / "page-calls.md").read_text(encoding="utf-8")
    assert written == contract.contract(), (
        "docs/page-calls.md is out of date: run `cd py && python3 -m glassnet.webapi.contract "
        "> ../docs/page-calls.md`")


def _control_types() -> set[str]:
    """The worker's own requests (init, train, pause...), which are not page calls."""
    source = (WEB / "python" / "worker.js").read_text(encoding="utf-8")
    body = source[source.index("const control = {"):source.index("\n};", source.index("const control = {"))]
    return set(re.findall(r"^  (?:async )?(\w+)(?:\(|,)", body, re.M))


# call('name'...), this.app.call(...), request('name'...), and request('call', {name: 'x'}).
CALL = re.compile(r"\b(?:call|request)\(\s*([^,)]*)")
NAMED = re.compile(r"\brequest\(\s*'call',\s*\{\s*name:\s*'([a-z_]+)'")


def page_call_names(source: str) -> set[str]:
    """Every name the page's JS asks the worker to call (string literals only, both sides of a
    ternary)."""
    names = set()
    for first in CALL.findall(source):
        names.update(re.findall(r"'([a-z_]+)'", first))
    names.update(NAMED.findall(source))
    return names


def test_the_scan_sees_the_shapes_the_page_uses() -> None:
    sample = ("await this.app.call('weights', {limit});\n"
              "this.call(whole ? 'load_data' : 'load_test_set', {})\n"
              "this.page.request('call', { name: 'code_pieces', kwargs })\n"
              "this.request('code_check', this.args())\n")
    assert page_call_names(sample) == {"weights", "load_data", "load_test_set", "code_pieces",
                                       "call", "code_check"}
    assert page_call_names("input.name: 'engine'; ({ name: 'x' })") == set()


@pytest.mark.native
def test_every_call_in_the_page_is_listed() -> None:
    controls = _control_types() | {"call"}
    assert {"init", "train", "pause", "resume", "stop", "call"} <= controls
    unknown = {}
    for path in sorted(q for q in WEB.rglob("*.js") if "node_modules" not in q.parts):
        names = page_call_names(path.read_text(encoding="utf-8")) - controls
        if path.name == "worker.js":  # its own loop calls webapi directly (run, start, stop...)
            names |= set(re.findall(r"\bcall\('([a-z_]+)'", path.read_text(encoding="utf-8")))
        missing = sorted(n for n in names if n not in webapi.PAGE_CALLS)
        if missing:
            unknown[path.name] = missing
    assert not unknown, f"the page calls names the worker refuses: {unknown}"
    assert "stop" in webapi.PAGE_CALLS  # worker.js's stop() calls webapi.stop() too
