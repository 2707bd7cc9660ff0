"""Thirty students at once: simultaneous first visits to `build.py serve`, over loopback only.

Each visitor asks for the page, manifest.json, the service worker and then every file the
manifest lists, the way a browser does (Accept-Encoding: gzip), and checks every body after
decoding against the manifest's content hashes. Bounded: one run, 30 visitors, a time limit.
The wall time and the bytes sent land in test-artifacts/serve-load.json (the README quotes it).
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tools import serve

pytestmark = [pytest.mark.native, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
VISITORS = 30
LIMIT_S = 300  # far above the measured wall time; a hung server fails instead of waiting forever


@pytest.fixture(scope="module")
def built_site() -> Path:
    """The real built site (every file a visit downloads); built here only when missing."""
    dist = Path(os.environ.get("GLASSNET_DIST", ROOT / "dist")).resolve()
    if not (dist / "manifest.json").is_file():
        subprocess.run([sys.executable, "build.py", "--no-pretrain"], cwd=ROOT, check=True,
                       timeout=900)
    return dist


def visit(port: int, manifest: dict) -> dict:
    """One first visit: every file, checked; returns bytes on the wire and decoded."""
    wire = decoded = 0
    encoded = set()
    for name in ["", "manifest.json", "sw.js", *manifest["files"]]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            conn.request("GET", "/" + name, headers={"Accept-Encoding": "gzip, deflate, br"})
            response = conn.getresponse()
            body = response.read()
        finally:
            conn.close()
        if response.status != 200:
            raise AssertionError(f"{name or '/'}: HTTP {response.status}")
        if int(response.getheader("Content-Length")) != len(body):
            raise AssertionError(f"{name}: Content-Length {response.getheader('Content-Length')} "
                                 f"but {len(body)} bytes")
        wire += len(body)
        if response.getheader("Content-Encoding") == "gzip":
            encoded.add(name)
            body = gzip.decompress(body)
        decoded += len(body)
        expected = manifest["hashes"].get(name)
        if expected and hashlib.sha256(body).hexdigest()[:16] != expected:
            raise AssertionError(f"{name}: the body does not match its manifest hash")
    return {"wire": wire, "decoded": decoded, "encoded": encoded}


def test_thirty_simultaneous_first_visits_all_succeed(built_site: Path, artifacts: Path) -> None:
    manifest = json.loads((built_site / "manifest.json").read_text())
    server = serve.make_server(str(built_site), "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    start = threading.Barrier(VISITORS + 1)
    results: list[dict] = []
    errors: list[str] = []

    def student() -> None:
        start.wait()
        try:
            results.append(visit(port, manifest))
        except Exception as exc:  # noqa: BLE001 (every failure is reported below)
            errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=student, daemon=True) for _ in range(VISITORS)]
    for thread in threads:
        thread.start()
    try:
        start.wait(timeout=30)
        began = time.monotonic()
        for thread in threads:
            thread.join(timeout=max(0.0, LIMIT_S - (time.monotonic() - began)))
        wall = time.monotonic() - began
    finally:
        server.shutdown()
        server.server_close()

    assert not errors, f"{len(errors)} of {VISITORS} visits failed, first: {errors[0]}"
    assert len(results) == VISITORS, f"only {len(results)} of {VISITORS} visits finished in {LIMIT_S} s"
    assert "pyodide/pyodide.asm.wasm" in results[0]["encoded"], \
        "the wasm was not sent gzip-compressed: rebuild dist/ (python build.py) to make the copies"
    assert not any(name.startswith("data/") for r in results for name in r["encoded"])
    figures = {
        "visitors": VISITORS,
        "wall_s": round(wall, 2),
        "wire_bytes_per_visit": results[0]["wire"],
        "decoded_bytes_per_visit": results[0]["decoded"],
        "files_per_visit": len(manifest["files"]) + 3,
        "load_average": os.getloadavg(),
    }
    (artifacts / "serve-load.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(f"\n{VISITORS} simultaneous first visits: {figures}")


@pytest.fixture
def artifacts() -> Path:
    folder = ROOT / "test-artifacts"
    folder.mkdir(exist_ok=True)
    return folder
