"""Contender: what bytecode in glassnet's wheel buys at start-up.

The page installs glassnet's wheel and imports `glassnet.webapi` on every load. Three wheels:
sources only, as built (sources plus __pycache__ bytecode, tools/pycache.py) and py-compiled by
`pyodide py-compile` (bytecode instead of sources, which would break the code panel). This
measures, in the bench worker, unpacking each and importing `glassnet.webapi` from it, in
alternating turns (so the machine's load falls on all alike), with bytecode writing off as on a
fresh page load.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from bench.benchpage import BenchPage
from bench.common import log

IMPORT_CODE = """
import io, json, statistics, sys, time, zipfile
from js import XMLHttpRequest

def _get(url):
    request = XMLHttpRequest.new()
    request.open("GET", url, False)
    request.responseType = "arraybuffer"
    request.send(None)
    return request.response.to_bytes()

def _turn(blob, folder):
    for name in [m for m in sys.modules if m == "glassnet" or m.startswith("glassnet.")]:
        del sys.modules[name]
    started = time.perf_counter()
    zipfile.ZipFile(io.BytesIO(blob)).extractall(folder)
    unpacked = time.perf_counter()
    sys.path.insert(0, folder)
    try:
        import glassnet.webapi  # noqa: F401
    finally:
        sys.path.remove(folder)
    return unpacked - started, time.perf_counter() - unpacked

# The worker's own glassnet stays what every other measurement uses: put it back afterwards
# (a re-imported glassnet.backend would be a second module that backend switches do not reach).
_saved = {m: mod for m, mod in sys.modules.items() if m == "glassnet" or m.startswith("glassnet.")}
sys.dont_write_bytecode = True
try:
    _blobs = {name: _get(url) for name, url in WHEELS.items()}
    _times = {name: [] for name in _blobs}
    for turn in range(ROUNDS):
        for name, blob in _blobs.items():
            _times[name].append(_turn(blob, f"/tmp/pyc-bench/{name}-{turn}"))
finally:
    sys.dont_write_bytecode = False
    for _name in [m for m in sys.modules if m == "glassnet" or m.startswith("glassnet.")]:
        del sys.modules[_name]
    sys.modules.update(_saved)
json.dumps({name: {"bytes": len(_blobs[name]),
                   "unpack_s": statistics.median(t[0] for t in rows),
                   "import_s": statistics.median(t[1] for t in rows),
                   "all": rows} for name, rows in _times.items()})
"""


def sources_only(wheel: Path, target_dir: Path) -> Path:
    """A copy of `wheel` without its __pycache__ bytecode (what the wheel was before it)."""
    out = target_dir / "sources-only" / wheel.name
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for entry in source.infolist():
            if "__pycache__/" not in entry.filename:
                z.writestr(entry, source.read(entry))
    return out


def compile_wheel(cli: str, wheel: Path, target_dir: Path) -> Path | None:
    """A py-compiled copy of `wheel` in `target_dir` (pyodide py-compile --keep), or None."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / wheel.name
        shutil.copyfile(sources_only(wheel, Path(tmp) / "plain"), copy)
        done = subprocess.run([cli, "py-compile", "--silent", "--keep", str(copy)],
                              capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300)
        made = [p for p in Path(tmp).glob("*.whl") if p.name != wheel.name]
        if done.returncode != 0 or not made:
            log(f"pyodide py-compile failed: {done.stderr.strip()[:200]}")
            return None
        target_dir.mkdir(parents=True, exist_ok=True)
        return Path(shutil.copy(made[0], target_dir / made[0].name))


def import_times(bench: BenchPage, base: str, wheels: dict[str, str], rounds: int = 7) -> dict:
    """Median unpack and import seconds of each wheel (name -> URL), in alternating turns."""
    code = f"WHEELS = {wheels!r}\nROUNDS = {rounds}\n" + IMPORT_CODE
    return bench.python(code)
