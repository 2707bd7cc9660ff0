"""Gzip on the wire: copies made at build time, sent by `build.py serve` to browsers that ask.

A classroom Wi-Fi carries every student's first visit; the wasm and JavaScript shrink to a third.
The data set's .gz files must still arrive as bytes (the page gunzips them itself).
"""

from __future__ import annotations

import gzip
import http.client
import os
import threading
from pathlib import Path

import pytest

from tools import compress, serve, site

pytestmark = pytest.mark.native

JS = b"export const x = 1;\n" * 200
WASM = b"\0asm\1\0\0\0" + bytes(range(256)) * 40
DATA = gzip.compress(b"\0\0\x08\x01\0\0\0\x10" + bytes(16), mtime=0)
WHEEL = os.urandom(4096)  # incompressible, like a zip of deflated files


@pytest.fixture
def site_dir(tmp_path: Path) -> Path:
    files = {
        "app.js": JS,
        "pyodide/pyodide.asm.wasm": WASM,
        "data/t10k-labels-idx1-ubyte.gz": DATA,
        "wheels/glassnet-0.1.0-py3-none-any.whl": WHEEL,
        "index.html": b"<!doctype html>" + b"<p>hello</p>" * 100,
        "tiny.js": b"1",
    }
    for name, data in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    return tmp_path


@pytest.fixture
def served(site_dir: Path):
    compress.compress_site(site_dir)
    server = serve.make_server(str(site_dir), "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], site_dir
    server.shutdown()
    server.server_close()


def get(port: int, path: str, accept: str | None = "gzip, deflate, br", method: str = "GET",
        headers: dict | None = None) -> tuple[http.client.HTTPResponse, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    all_headers = dict(headers or {})
    if accept is not None:
        all_headers["Accept-Encoding"] = accept
    conn.request(method, path, headers=all_headers)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response, body


def test_copies_are_made_for_compressible_files_only(site_dir: Path) -> None:
    made = compress.compress_site(site_dir)
    assert set(made) == {"app.js", "pyodide/pyodide.asm.wasm", "index.html"}
    assert gzip.decompress((site_dir / "app.js.gz").read_bytes()) == JS
    assert not (site_dir / "data/t10k-labels-idx1-ubyte.gz.gz").exists()  # data stays as it is
    assert not (site_dir / "wheels/glassnet-0.1.0-py3-none-any.whl.gz").exists()  # no saving
    assert not (site_dir / "tiny.js.gz").exists()


def test_copies_are_the_same_bytes_from_build_to_build(site_dir: Path) -> None:
    compress.compress_site(site_dir)
    first = (site_dir / "app.js.gz").read_bytes()
    compress.compress_site(site_dir)
    assert (site_dir / "app.js.gz").read_bytes() == first


def test_the_manifest_leaves_the_copies_out(site_dir: Path) -> None:
    compress.compress_site(site_dir)
    files = site.dist_files(site_dir)
    assert "app.js" in files and "app.js.gz" not in files
    assert "pyodide/pyodide.asm.wasm.gz" not in files
    assert "data/t10k-labels-idx1-ubyte.gz" in files  # data, not a copy


@pytest.mark.parametrize("name, raw", [("app.js", JS), ("pyodide/pyodide.asm.wasm", WASM)])
def test_a_browser_that_accepts_gzip_gets_the_copy(served, name: str, raw: bytes) -> None:
    port, _ = served
    response, body = get(port, "/" + name)
    assert response.status == 200
    assert response.getheader("Content-Encoding") == "gzip"
    assert response.getheader("Vary") == "Accept-Encoding"
    assert int(response.getheader("Content-Length")) == len(body) < len(raw)
    assert gzip.decompress(body) == raw
    expected_type = "application/wasm" if name.endswith(".wasm") else "text/javascript"
    assert response.getheader("Content-Type") == expected_type


@pytest.mark.parametrize("accept", [None, "identity", "br", "gzip;q=0", "deflate, gzip;q=0.0"])
def test_without_gzip_in_accept_encoding_the_file_goes_as_it_is(served, accept) -> None:
    port, _ = served
    response, body = get(port, "/app.js", accept=accept)
    assert response.getheader("Content-Encoding") is None
    assert response.getheader("Vary") == "Accept-Encoding"
    assert body == JS and int(response.getheader("Content-Length")) == len(JS)


def test_data_files_always_arrive_as_bytes(served) -> None:
    port, _ = served
    response, body = get(port, "/data/t10k-labels-idx1-ubyte.gz")
    assert response.getheader("Content-Encoding") is None
    assert response.getheader("Content-Type") == "application/gzip"
    assert body == DATA


def test_head_sends_the_headers_of_the_copy(served) -> None:
    port, site_dir = served
    response, body = get(port, "/app.js", method="HEAD")
    assert body == b""
    assert response.getheader("Content-Encoding") == "gzip"
    assert int(response.getheader("Content-Length")) == (site_dir / "app.js.gz").stat().st_size


def test_a_copy_older_than_its_file_is_never_sent(served) -> None:
    port, site_dir = served
    changed = JS + b"// edited by hand after the build\n"
    (site_dir / "app.js").write_bytes(changed)
    copy = site_dir / "app.js.gz"
    os.utime(copy, ns=(copy.stat().st_atime_ns, (site_dir / "app.js").stat().st_mtime_ns - 10**9))
    response, body = get(port, "/app.js")
    assert response.getheader("Content-Encoding") is None
    assert body == changed


def test_revalidation_of_an_unchanged_file_is_304(served) -> None:
    port, _ = served
    first, _ = get(port, "/app.js")
    response, body = get(port, "/app.js", headers={"If-Modified-Since": first.getheader("Last-Modified")})
    assert response.status == 304 and body == b""


@pytest.mark.parametrize("header, expected", [
    ("gzip", True), ("gzip, deflate, br, zstd", True), ("GZIP;q=0.5", True), ("*", True),
    ("gzip;q=0", False), ("br", False), ("", False), (None, False), ("gzip;q=x", False),
])
def test_accept_encoding_is_read_with_its_weights(header, expected: bool) -> None:
    assert compress.accepts_gzip(header) is expected


# ---------------------------------------------------------------- the class address


def test_classroom_json_names_network_addresses_only(tmp_path: Path, monkeypatch) -> None:
    import json

    (tmp_path / "index.html").write_text("<!doctype html>")
    monkeypatch.setattr(serve, "lan_address", lambda: "192.0.2.7")
    for host, expected in (("127.0.0.1", []), ("0.0.0.0", ["http://192.0.2.7:{port}/"])):
        server = serve.make_server(str(tmp_path), host, 0)
        port = server.server_address[1]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            response, body = get(port, "/classroom.json?x=1")
            assert response.getheader("Content-Type") == "application/json"
            assert json.loads(body) == {"urls": [u.format(port=port) for u in expected]}
        finally:
            server.shutdown()
            server.server_close()


def test_serve_prints_the_student_address_large(capsys) -> None:
    import build

    build._tell_the_class(["http://192.0.2.7:8000/"])
    out = capsys.readouterr().out
    assert "STUDENTS OPEN" in out and "http://192.0.2.7:8000/" in out and "QR code" in out
    build._tell_the_class([])
    assert "--host 0.0.0.0" in capsys.readouterr().out
