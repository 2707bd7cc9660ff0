"""The data-set registry (glassnet/datasets.py) is the one source of a data set's facts: the
package, the build, the page (options()) and model files read it."""

from __future__ import annotations

import pytest

from glassnet import data, datasets, drawing, limits, places, webapi
from glassnet.errors import ModelFileError
from glassnet.modelio import load_model, save_model
from glassnet.network import build_mlp

from .test_modelio import rewrite, set_meta


@pytest.mark.parametrize("name", list(datasets.DATASETS))
def test_every_entry_is_whole(name: str) -> None:
    entry = datasets.get(name)
    assert entry.name == name and entry.title
    assert 8 <= entry.side <= 64 and 2 <= len(entry.classes) <= 100
    assert len(entry.short_classes) == len(entry.classes) == len(set(entry.classes))
    assert set(entry.files) == set(entry.content_sha256) == {
        "train_images", "train_labels", "test_images", "test_labels"}
    assert all(len(h) == 64 for h in entry.content_sha256.values())
    assert set(entry.download_md5) <= set(entry.files.values())
    assert 0 < entry.framing.fill <= 1


def test_the_package_reads_the_default_entry() -> None:
    entry = datasets.get()
    assert places.FILES == entry.files and places.DEBIAN_DIR == entry.debian_dir
    assert places.DOWNLOAD_URL == entry.download_url and places.cache_dir().name == entry.name
    assert data.CLASS_NAMES == list(entry.classes) and data.CLASS_SHORT_NAMES == list(entry.short_classes)
    assert limits.SIDE == entry.side and limits.CLASSES == len(entry.classes)
    assert limits.INPUTS == entry.side ** 2 and drawing.SIZE == entry.side


def test_an_unknown_data_set_names_the_choices() -> None:
    with pytest.raises(KeyError, match="known: fashion-mnist"):
        datasets.get("no-such-set")


def test_the_page_gets_the_entry_in_options() -> None:
    sent = webapi.options()["dataset"]
    assert sent == datasets.get().for_page()
    assert sent["classes"] == webapi.options()["classes"]


def test_a_model_file_records_its_data_set_and_older_files_belong_to_the_default() -> None:
    model = build_mlp([8], seed=0)
    blob = save_model(model, {})
    assert load_model(blob)[1]["dataset"] == datasets.DEFAULT
    older = rewrite(blob, lambda a: set_meta(a, lambda m: m.pop("dataset")))
    assert load_model(older)[1]["dataset"] == datasets.DEFAULT
    for bad in (3, "", "x" * 65, ["fashion-mnist"]):
        blob_bad = rewrite(blob, lambda a, bad=bad: set_meta(a, lambda m: m.__setitem__("dataset", bad)))
        with pytest.raises(ModelFileError, match="data set it names"):
            load_model(blob_bad)
