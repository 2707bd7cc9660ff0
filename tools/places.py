"""glassnet's own places and idx-format modules (py/glassnet/places.py, idxformat.py), importable
by the build without installing glassnet and without NumPy: data file names, download URL,
Debian's folder, the cache root, and the idx facts manifest.json gives the page before Python
runs. One definition, shared."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent / "py" / "glassnet"


def _load(name: str):
    """One of glassnet's standard-library-only modules, loaded from its file."""
    spec = importlib.util.spec_from_file_location(f"glassnet_{name}_for_build", _PACKAGE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # (dataclasses look their module up there)
    spec.loader.exec_module(module)
    return module


_module = _load("places")

FILES = _module.FILES
DOWNLOAD_URL = _module.DOWNLOAD_URL
DEBIAN_DIR = _module.DEBIAN_DIR
cache_root = _module.cache_root
cache_dir = _module.cache_dir
idx_schema = _load("idxformat").schema
datasets = _module.datasets  # the data-set registry (py/glassnet/datasets.py)
