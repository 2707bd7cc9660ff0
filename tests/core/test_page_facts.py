"""The facts the page reads from Python (webapi.options()) instead of holding copies: their
shapes, that they agree with the registries, and that web/**/*.js holds no copy of them."""

from __future__ import annotations

import json
import re

import pytest

from glassnet import events, glassbox, idxformat, limits, modelio, pieces, webapi
from glassnet.activations import ACTIVATIONS
from glassnet.data import CLASS_NAMES, CLASS_SHORT_NAMES
from glassnet.errors import ConfigError
from glassnet.presets import EXAMPLES, OPTION_BY_NAME, OPTIONS, make_config

from ..conftest import ROOT, make_dataset
from .test_webapi import blobs, drain, drawn_bar

WEB = ROOT / "web"


def _web_modules() -> list:
    """Every page module, in every layer folder (not npm's node_modules)."""
    return sorted(q for q in WEB.rglob("*.js") if "node_modules" not in q.parts)


def test_options_send_every_fact_the_page_reads() -> None:
    sent = json.loads(json.dumps(webapi.options()))
    assert sent["classes"] == CLASS_NAMES
    assert len(sent["short_classes"]) == len(CLASS_NAMES) == limits.CLASSES
    assert sent["limits"] == {"side": limits.SIDE, "inputs": limits.INPUTS, "classes": limits.CLASSES,
                              "max_model_bytes": modelio.MAX_MODEL_BYTES}
    assert limits.SIDE ** 2 == limits.INPUTS
    assert sent["idx"] == {"max_bytes": idxformat.MAX_IDX_BYTES, "max_dimensions": 4,
                           "item_bytes": {"8": 1, "9": 1, "11": 2, "12": 4, "13": 4, "14": 8}}
    assert sent["events"] == {"names": list(events.NAMES), "progress": ["batch", "sample", "epoch"],
                              "ends": ["done", "stopped", "error"]}
    assert sent["fine_tune"] == {"steps": glassbox.FINE_TUNE_STEPS,
                                 "max_steps": glassbox.MAX_FINE_TUNE_STEPS, "lr": glassbox.FINE_TUNE_LR}
    assert sent["layer_pieces"] == {"Dense": "dense", **{a.layer.kind: a.name for a in ACTIVATIONS.values()}}
    assert all(piece in pieces.PIECES for piece in sent["layer_pieces"].values())
    assert set(sent["examples"]) == set(EXAMPLES)
    for example in sent["examples"].values():
        assert example["title"] and make_config(example["values"])  # settings the form accepts


def test_the_sigmoid_example_is_ten_sigmoid_layers() -> None:
    example = webapi.options()["examples"]["sigmoid_ten"]
    config = make_config(example["values"])
    assert config.layers == [32] * 10 and config.activation == "sigmoid"
    assert "sigmoid" in example["title"] and "ten" in example["title"]


def test_fine_tune_refuses_more_steps_than_the_page_offers() -> None:
    webapi.reset()
    try:
        webapi.load_data(*blobs(make_dataset()))
        webapi.start({"layers": [8], "epochs": 1}, kind="step")
        webapi.add_example(drawn_bar().tobytes(), 140, 140, 4, 3)
        with pytest.raises(ConfigError, match=f"steps must be between 1 and {glassbox.MAX_FINE_TUNE_STEPS}"):
            webapi.fine_tune(steps=glassbox.MAX_FINE_TUNE_STEPS + 1)
        assert len(webapi.fine_tune(steps=2)["losses"]) == 2
    finally:
        webapi.reset()


def test_every_event_a_run_sends_is_named_in_events_py() -> None:
    webapi.reset()
    try:
        webapi.load_data(*blobs(make_dataset()))
        webapi.start({"layers": [8], "epochs": 2, "batch_size": 16})
        sent = drain(webapi) + webapi.take_events()["events"]
        names = {e["event"] for e in sent}
        assert {"batch", "sample", "epoch", "done", "start", "shelf"} <= names
        assert names <= set(events.NAMES)
    finally:
        webapi.reset()


# ---------------------------------------------------------------- no copies in web/**/*.js

def _strip_comments(text: str) -> str:
    """JS without its comments (a comment may name a fact; code must not hold one)."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"(?m)^\s*//.*$|\s//\s.*$", "", text)


def _code(path) -> str:
    return _strip_comments(path.read_text(encoding="utf-8"))


def _copies(code: str) -> list[str]:
    found = sorted({name for name in CLASS_NAMES + CLASS_SHORT_NAMES if f"'{name}'" in code})
    if re.search(rf"\b({limits.INPUTS}|{idxformat.MAX_IDX_BYTES})\b|256 \* 1024 \* 1024", code):
        found.append("an input size or the idx limit")
    found += [f"{a.layer.kind} -> {a.name}" for a in ACTIVATIONS.values()
              if re.search(rf"\b{a.layer.kind}: '{a.name}'", code)]
    most = int(OPTION_BY_NAME["epochs"].high)
    if re.search(rf"\bepochs: {most}\b|max=\"{glassbox.MAX_FINE_TUNE_STEPS}\"", code):
        found.append("the epochs or fine-tune limit")
    return found


def test_the_copy_detector_finds_copies() -> None:
    sample = ("const SHORT = ['T-shirt', 'Trouser'];\nconst n = 784;\n"
              "const MAP = { ReLU: 'relu' };\nconst L = { epochs: 1000 };\n")
    assert _copies(sample) == ["T-shirt", "Trouser", "an input size or the idx limit", "ReLU -> relu",
                               "the epochs or fine-tune limit"]
    assert _copies(_strip_comments("// 784 pixels, 'T-shirt'\nconst side = schema.limits.side; // 784\n")) == []


@pytest.mark.native
def test_no_page_module_holds_a_copy_of_a_python_fact() -> None:
    copies = {p.name: found for p in _web_modules() if (found := _copies(_code(p)))}
    assert not copies, f"read these from the schema (webapi.options()) instead: {copies}"


@pytest.mark.native
def test_event_names_in_the_page_are_pythons_or_the_pages_own() -> None:
    store = (WEB / "page" / "store.js").read_text(encoding="utf-8")
    page_own = set(re.findall(r"//\s+\{event: '([a-z-]+)'", store))
    assert {"state", "schema", "ready", "crash"} <= page_own
    assert not page_own & set(events.NAMES), "a page event reuses a Python event's name"
    option_kinds = {o.kind for o in OPTIONS}
    unknown = {}
    for path in _web_modules():
        code = _code(path)
        named = set(re.findall(r"event\.event === '([a-z-]+)'|event: '([a-z-]+)'", code))
        names = {a or b for a, b in named}
        names |= set(re.findall(r"case '([a-z-]+)':", code)) - option_kinds
        for listed in re.findall(r"const \w*MOVED\w* = \[([^\]]*)\]", code):
            names |= set(re.findall(r"'([a-z-]+)'", listed))
        bad = sorted(names - set(events.NAMES) - page_own)
        if bad:
            unknown[path.name] = bad
    assert not unknown, f"event names neither in glassnet/events.py nor in store.js's list: {unknown}"
