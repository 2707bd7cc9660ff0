"""Where the data set lives and what its files are called: one definition for the package, the
build (tools/) and the tests.

Standard library only (no NumPy), so the build can import it too.
"""

from __future__ import annotations

import os
from pathlib import Path

try:  # inside the package
    from . import datasets
except ImportError:  # loaded from its file by the build (tools/places.py)
    import importlib.util as _util

    _spec = _util.spec_from_file_location("glassnet_datasets_for_build",
                                          Path(__file__).with_name("datasets.py"))
    datasets = _util.module_from_spec(_spec)
    import sys as _sys

    _sys.modules[_spec.name] = datasets  # dataclasses look their module up there
    _spec.loader.exec_module(datasets)

# The default data set's files and sources, from the data-set registry (datasets.py).
_DEFAULT = datasets.get()
FILES = dict(_DEFAULT.files)  # keyed like manifest.json's "data" and webapi.load_data's arguments
DOWNLOAD_MD5 = dict(_DEFAULT.download_md5)  # of the published .gz files (checked after a download)
DOWNLOAD_URL = _DEFAULT.download_url
DEBIAN_DIR = _DEFAULT.debian_dir  # where Debian's dataset-fashion-mnist puts the four files


def cache_root() -> Path:
    """glassnet's cache: $GLASSNET_CACHE, else $XDG_CACHE_HOME/glassnet, else ~/.cache/glassnet
    (a leading ~ in either variable means the home folder)."""
    env = os.environ.get("GLASSNET_CACHE")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base).expanduser() if base else Path.home() / ".cache") / "glassnet"


def cache_dir() -> Path:
    """Where the default data set is downloaded: ``cache_root()/<its registry name>``."""
    return cache_root() / _DEFAULT.name
