"""Where the data set lives and what its files are called: one definition for the package, the
build (tools/) and the tests.

Standard library only (no NumPy), so the build can import it too.
"""

from __future__ import annotations

import os
from pathlib import Path

# The four idx files, keyed like manifest.json's "data" and webapi.load_data's arguments.
FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}

# The published MD5s of the original .gz files (checked after a download).
DOWNLOAD_MD5 = {
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
}
DOWNLOAD_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"

# Debian's dataset-fashion-mnist package puts the four files here.
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")


def cache_root() -> Path:
    """glassnet's cache: $GLASSNET_CACHE, else $XDG_CACHE_HOME/glassnet, else ~/.cache/glassnet
    (a leading ~ in either variable means the home folder)."""
    env = os.environ.get("GLASSNET_CACHE")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base).expanduser() if base else Path.home() / ".cache") / "glassnet"


def cache_dir() -> Path:
    """Where the data set is downloaded: ``cache_root()/fashion-mnist``."""
    return cache_root() / "fashion-mnist"
