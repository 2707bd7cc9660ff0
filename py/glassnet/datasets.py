"""The data-set registry: every fact about a data set, once. The build (tools/), the command line,
webapi (and through `options()` the page) and the model files read it; a new data set is one
entry here.

Standard library only (no NumPy), so the build imports it too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Framing:
    """How a drawing is turned into an input like the data set's images (drawing.py): crop to the
    strokes, scale the longer side to `fill` of the frame, centre it."""

    fill: float = 1.0  # Fashion-MNIST's objects touch the frame; MNIST's digits sit in 20 of 28


@dataclass(frozen=True)
class DataSet:
    name: str  # the registry key: in model files, run records, share links and --dataset
    title: str  # for people
    side: int  # square images, side x side pixels
    classes: tuple[str, ...]
    short_classes: tuple[str, ...]  # a word each, where a table has little room
    files: dict[str, str]  # "train_images"... -> file name, keyed like manifest.json's "data"
    content_sha256: dict[str, str]  # of the DECOMPRESSED idx bytes (gzip headers differ by copy)
    download_url: str = ""
    download_md5: dict[str, str] = field(default_factory=dict)  # of the published .gz files
    debian_dir: Path | None = None  # where a Debian package puts the four files
    framing: Framing = Framing()

    def for_page(self) -> dict:
        """What the page needs (in `options()`): names, sizes and the framing."""
        return {"name": self.name, "title": self.title, "side": self.side,
                "classes": list(self.classes), "short_classes": list(self.short_classes),
                "files": dict(self.files), "framing": {"fill": self.framing.fill}}


IDX_FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}

FASHION_MNIST = DataSet(
    name="fashion-mnist",
    title="Fashion-MNIST",
    side=28,
    classes=("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
             "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
    short_classes=("T-shirt", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Boot"),
    files=dict(IDX_FILES),
    content_sha256={
        "train_images": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        "train_labels": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        "test_images": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        "test_labels": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    },
    download_url="http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    download_md5={
        "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    },
    debian_dir=Path("/usr/share/datasets/fashion-mnist"),
    framing=Framing(fill=1.0),
)

DATASETS: dict[str, DataSet] = {d.name: d for d in (FASHION_MNIST,)}
DEFAULT = FASHION_MNIST.name


def get(name: str | None = None) -> DataSet:
    """The registry entry for `name` (the default set when None); a KeyError names the choices."""
    key = DEFAULT if name is None else name
    if key not in DATASETS:
        raise KeyError(f"unknown data set {key!r}; known: {', '.join(DATASETS)}")
    return DATASETS[key]
