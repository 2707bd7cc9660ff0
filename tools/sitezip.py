"""`build.py --zip FILE`: the built site as one zip, for a school's own web server.

Why: school web filters often block *.github.io and public CDNs. A teacher (or the school's
technician) unzips this onto any static web server and the class uses it from there; the site
needs nothing from the internet. The zip holds the site's files (not the .gz copies that only
`build.py serve` uses) and a short README-GLASSNET.txt. Entries are written in a fixed order with
a fixed time, so the same site gives the same zip.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from tools import site
from tools.util import info, replacing

README_NAME = "README-GLASSNET.txt"
FIXED_TIME = (1980, 1, 1, 0, 0, 0)

README = """Glassnet {version} (build {build}): see how a neural network learns, in the browser.

PUT IT ON A WEB SERVER
  Copy every file of this zip, keeping the folders, into one folder of any static web server
  (the school's intranet server, nginx, Apache, IIS, a NAS, `python3 -m http.server`).
  The address of that folder is the page: e.g. http://intranet.school/glassnet/
  Nothing is fetched from the internet: Python (Pyodide), NumPy, the network code{data} are in it.

WHY NOT JUST DOUBLE-CLICK index.html
  Browsers do not let a page opened as a file (file://) start the Python worker or read its own
  files, so the page says "open it through a web server". Any web server works; no server-side
  code runs.

SERVER SETTINGS (usually none are needed)
  .wasm files should be sent as application/wasm, .mjs as text/javascript, .json as
  application/json. Most servers do this already.
  Over https, or on the server's own machine (localhost), each browser keeps an offline copy after
  the first visit. Over plain http on the school network it works, but without that copy.

CHECK IT
  Open the address, wait until the page says it is ready (10-30 s the first time), press Train:
  the charts move within seconds. Draw on the canvas: the prediction changes.
  Whoever built it can run `python3 build.py check --out <folder>`, which does the same in a
  headless browser.

Files: {files} (sha256 of each in manifest.json). Source, licence (MIT) and help: the project's README.
"""


def write_zip(dist: Path, target: Path) -> Path:
    """Write `dist` as a zip at `target` (replaced whole, never half-written); returns its path."""
    manifest = json.loads((dist / "manifest.json").read_text())
    names = site.dist_files(dist)
    readme = README.format(version=manifest.get("version", "?"), build=manifest.get("build", "?"),
                           data=" and the data set" if manifest.get("data") else "",
                           files=len(names))
    target.parent.mkdir(parents=True, exist_ok=True)
    with replacing(target) as out:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            _add(archive, README_NAME, readme.encode())
            for name in names:
                _add(archive, name, (dist / name).read_bytes())
    info(f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB, {len(names)} files and "
         f"{README_NAME}): unzip it onto any static web server")
    return target


def _add(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    entry = zipfile.ZipInfo(name, FIXED_TIME)
    entry.external_attr = 0o644 << 16
    entry.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(entry, data)
