"""glassnet's own places module (py/glassnet/places.py), importable by the build without
installing glassnet and without NumPy: data file names, download URL, Debian's folder, the
cache root. One definition, shared."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_SOURCE = Path(__file__).resolve().parent.parent / "py" / "glassnet" / "places.py"
_spec = importlib.util.spec_from_file_location("glassnet_places_for_build", _SOURCE)
_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_module)

FILES = _module.FILES
DOWNLOAD_URL = _module.DOWNLOAD_URL
DEBIAN_DIR = _module.DEBIAN_DIR
cache_root = _module.cache_root
cache_dir = _module.cache_dir
