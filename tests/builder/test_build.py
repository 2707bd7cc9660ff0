"""build.py itself: pins are enforced, the manifest is right, the server sends the right types.

Fast and offline: nothing here downloads; the network-facing steps are exercised by the real
build that `build.py test` runs before pytest.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("glassnet_build_script", ROOT / "build.py")
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)

from tools import csp, fmnist, pins, places, pretrain, pywheel, serve, site, testenv, vendor  # noqa: E402
from tools.util import BuildError  # noqa: E402

pytestmark = pytest.mark.native


# ---------------------------------------------------------------- pins


def _offline(target: Path) -> None:
    raise BuildError("offline in this test")


def test_a_tampered_cached_numpy_wheel_is_dropped_and_fetched_again(tmp_path: Path, capsys) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / pins.NUMPY_WHEEL).write_bytes(b"not the real wheel")
    with pytest.raises(BuildError, match="(?s)could not be fetched:.*offline in this test"):
        vendor.numpy_wheel(cache, tmp_path / "dist" / "pyodide", sources=(_offline,))
    assert "does not match its pinned sha256" in capsys.readouterr().err
    assert not (cache / pins.NUMPY_WHEEL).exists()  # the bad copy is gone, not reused
    assert not (tmp_path / "dist" / "pyodide" / pins.NUMPY_WHEEL).exists()


def test_a_fetched_numpy_wheel_with_the_wrong_bytes_is_never_shipped(tmp_path: Path) -> None:
    def bad_source(target: Path) -> None:
        target.write_bytes(b"served by a bad mirror")

    with pytest.raises(BuildError, match="sha256"):
        vendor.numpy_wheel(tmp_path, tmp_path / "out", sources=(bad_source,))
    assert not (tmp_path / "out" / pins.NUMPY_WHEEL).exists()


def test_a_tampered_cached_pyodide_tarball_is_dropped_and_fetched_again(
        tmp_path: Path, monkeypatch, capsys) -> None:
    (tmp_path / pins.PYODIDE_TARBALL).write_bytes(b"\x1f\x8b junk")
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))  # offline: npm cannot be found
    with pytest.raises(BuildError, match="npm not found"):
        vendor.pyodide_core(tmp_path, tmp_path / "out")
    assert "Pyodide tarball" in capsys.readouterr().err
    assert not (tmp_path / pins.PYODIDE_TARBALL).exists()


def _tarball(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            member = tarfile.TarInfo(f"package/{name}")
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
    return buffer.getvalue()


def test_a_changed_file_inside_the_pyodide_tarball_is_rejected(tmp_path: Path,
                                                                monkeypatch) -> None:
    """Even a tarball that passes its own pin must hold the pinned core files."""
    blob = _tarball({name: b"changed" for name in pins.PYODIDE_FILES})
    (tmp_path / pins.PYODIDE_TARBALL).write_bytes(blob)
    monkeypatch.setattr(pins, "PYODIDE_TARBALL_SHA256", vendor.sha256_bytes(blob))
    with pytest.raises(BuildError, match="pyodide.mjs.*pinned sha256"):
        vendor.pyodide_core(tmp_path, tmp_path / "out")


def test_the_lock_file_must_name_the_pinned_numpy_wheel_and_python(tmp_path: Path) -> None:
    lock = tmp_path / "pyodide-lock.json"
    info = {"python": f"{pins.PYODIDE_PYTHON}.7"}
    lock.write_text(json.dumps({"info": info, "packages": {"numpy": {
        "file_name": pins.NUMPY_WHEEL, "sha256": "0" * 64}}}))
    with pytest.raises(BuildError, match="pyodide-lock.json names numpy"):
        vendor.check_lock_names_numpy(lock)
    lock.write_text(json.dumps({"info": info, "packages": {"numpy": {
        "file_name": pins.NUMPY_WHEEL, "sha256": pins.NUMPY_WHEEL_SHA256}}}))
    vendor.check_lock_names_numpy(lock)
    lock.write_text(json.dumps({"info": {"python": "3.13.2"}, "packages": {"numpy": {
        "file_name": pins.NUMPY_WHEEL, "sha256": pins.NUMPY_WHEEL_SHA256}}}))
    with pytest.raises(BuildError, match="PYODIDE_PYTHON"):
        vendor.check_lock_names_numpy(lock)


def test_every_pin_is_a_sha256() -> None:
    hashes = [pins.PYODIDE_TARBALL_SHA256, pins.NUMPY_WHEEL_SHA256, pins.NUMPY_CARRIER_SHA256,
              *pins.PYODIDE_FILES.values(), *(sha for _, sha in pins.FMNIST_FILES.values()),
              *pins.VENDOR_SHA256.values()]
    assert all(len(h) == 64 and set(h) <= set("0123456789abcdef") for h in hashes)


def test_a_failed_build_exits_2_without_traceback_and_keeps_the_old_dist(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / pins.PYODIDE_TARBALL).write_bytes(b"tampered")
    out = _fake_dist(tmp_path / "dist")
    (out / "index.html").write_text("old build")
    build.write_marker(out, site.write_manifest(out, "0.1.0", "w", None, None))
    before = _snapshot(out)
    # Offline: the damaged cache entry is dropped, and fetching it again fails (no npm here).
    result = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "--out", str(out), "--cache-dir", str(cache),
         "--no-data"], capture_output=True, text=True, timeout=120,
        env={**os.environ, "PATH": str(tmp_path / "no-tools")})
    assert result.returncode == 2
    assert "error:" in result.stderr and "what to do:" in result.stderr
    assert "npm not found" in result.stderr and "Traceback" not in result.stderr
    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "dist"]  # nothing left over


def _previous_build(out: Path) -> Path:
    """A folder as a finished build leaves it (files, manifest, marker)."""
    _fake_dist(out)
    build.write_marker(out, site.write_manifest(out, "0.1.0", "w", None, None))
    return out


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in folder.rglob("*") if p.is_file()}


# Only a folder that is provably a Glassnet build is ever replaced.
@pytest.mark.parametrize("make", [
    lambda d: (d / "precious.txt").write_text("keep me"),
    lambda d: (d / "manifest.json").write_text('{"name": "My extension", "version": "1.0"}'),
    lambda d: ((d / "manifest.json").write_text('{"files": [], "build": "x", "glassnet_wheel": "w"}'),
               (d / "background.js").write_text("extension code")),
    lambda d: (_previous_build(d), (d / "notes.txt").write_text("mine, added later")),
    lambda d: (_previous_build(d), (d / "app.js").write_text("edited by hand")),
    lambda d: (_previous_build(d), (d / ".glassnet-build").write_text('{"format": "other"}')),
    lambda d: (_fake_dist(d), site.write_manifest(d, "0.1.0", "w", None, None),
               (d / "index.html").write_text("changed after the build, no marker")),
    lambda d: (_previous_build(d), (d / "data").mkdir(exist_ok=True),
               (d / "data" / "link").symlink_to("/etc/hostname")),
])
def test_only_a_provable_build_folder_is_ever_replaced(tmp_path: Path, make) -> None:
    out = tmp_path / "site"
    out.mkdir()
    make(out)
    before = _snapshot(out)
    with pytest.raises(BuildError, match="does not look like a previous build"):
        build.build(out=out, cache=tmp_path / "cache")
    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # no staging folder either


def test_a_file_given_as_out_is_never_replaced(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("keep me")
    with pytest.raises(BuildError, match="is a file, not a folder"):
        build.build(out=target, cache=tmp_path / "cache")
    assert target.read_text() == "keep me"


def test_previous_builds_with_and_without_a_marker_are_recognised(tmp_path: Path) -> None:
    build.check_replaceable(_previous_build(tmp_path / "new"))
    legacy = _fake_dist(tmp_path / "legacy")  # made before markers existed: hashes prove it
    site.write_manifest(legacy, "0.1.0", "w", None, None)
    build.check_replaceable(legacy)
    build.check_replaceable(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    build.check_replaceable(tmp_path / "empty")


def _dead_pid() -> int:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    return int(child.stdout)


# A build killed hard leaves folders that the next build clears.
def test_a_build_killed_hard_leaves_nothing_the_next_build_does_not_clear(tmp_path: Path) -> None:
    import signal
    import time

    out = tmp_path / "dist"
    proc = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "--out", str(out),
                             "--no-data"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    partial = out.with_name(f"dist.partial-{proc.pid}")
    deadline = time.monotonic() + 60
    while not (partial / build.PARTIAL_MARKER).exists() and proc.poll() is None:
        assert time.monotonic() < deadline, "the build never started"
        time.sleep(0.01)  # polling for a condition
    assert proc.poll() is None, "the build ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert partial.is_dir()  # what a hard kill leaves behind
    stranger = out.with_name(f"dist.partial-{_dead_pid()}")  # same name, not ours: kept
    stranger.mkdir()
    (stranger / "mine.txt").write_text("keep me")
    retired = _previous_build(out.with_name(f"dist.old-{_dead_pid()}"))
    build.clear_stale(out)
    assert not partial.exists() and not retired.exists()
    assert (stranger / "mine.txt").read_text() == "keep me"


def test_a_running_builds_folder_is_left_alone(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    running = out.with_name(f"dist.partial-{os.getppid()}")
    running.mkdir()
    (running / build.PARTIAL_MARKER).write_text("{}")
    build.clear_stale(out)
    assert running.is_dir()




# ---------------------------------------------------------------- manifest


def _fake_dist(root: Path) -> Path:
    for name in ("index.html", "app.js", "sw.js", "pyodide/pyodide.asm.wasm",
                 "wheels/glassnet-0.1.0-py3-none-any.whl", "data/t10k-labels-idx1-ubyte.gz"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(name.encode())
    return root


def test_manifest_lists_every_file_but_sw_and_itself(tmp_path: Path) -> None:
    dist = _fake_dist(tmp_path)
    manifest = site.write_manifest(dist, "0.1.0", "wheels/glassnet-0.1.0-py3-none-any.whl",
                                   None, None)
    assert json.loads((dist / "manifest.json").read_text()) == manifest
    assert manifest["version"] == "0.1.0"
    assert manifest["glassnet_wheel"] == "wheels/glassnet-0.1.0-py3-none-any.whl"
    assert manifest["data"] is None and manifest["model"] is None
    assert manifest["files"] == ["app.js", "data/t10k-labels-idx1-ubyte.gz", "index.html",
                                 "pyodide/pyodide.asm.wasm",
                                 "wheels/glassnet-0.1.0-py3-none-any.whl"]
    assert all(not name.startswith(("/", "http")) for name in manifest["files"])
    assert len(manifest["build"]) == 12
    # per-file content hashes, so a new build's service worker keeps unchanged files
    assert sorted(manifest["hashes"]) == manifest["files"]
    for name, digest in manifest["hashes"].items():
        assert digest == hashlib.sha256((dist / name).read_bytes()).hexdigest()[:16]


def test_build_id_changes_with_any_byte_including_sw_js(tmp_path: Path) -> None:
    dist = _fake_dist(tmp_path)
    first = site.write_manifest(dist, "0.1.0", "w", None, None)["build"]
    assert site.write_manifest(dist, "0.1.0", "w", None, None)["build"] == first
    (dist / "sw.js").write_text("changed")
    second = site.write_manifest(dist, "0.1.0", "w", None, None)["build"]
    (dist / "pyodide" / "pyodide.asm.wasm").write_bytes(b"changed")
    third = site.write_manifest(dist, "0.1.0", "w", None, None)["build"]
    assert len({first, second, third}) == 3


def test_page_files_are_copied_but_not_npm_files(tmp_path: Path) -> None:
    web = tmp_path / "web"
    (web / "node_modules" / "x").mkdir(parents=True)
    (web / "node_modules" / "x" / "index.js").write_text("a library's own file")
    for name in ("index.html", "styles/style.css", "page/app.js", "python/worker.js", "sw.js",
                 "package.json", "package-lock.json", "notes.txt", "glassbox/notes.txt"):
        (web / name).parent.mkdir(parents=True, exist_ok=True)
        (web / name).write_text(name)
    dist = tmp_path / "dist"
    copied = site.copy_web(web, dist)
    # The layer folders keep their paths (relative URLs between modules hold in dist/).
    assert copied == ["index.html", "page/app.js", "python/worker.js", "styles/style.css", "sw.js"]
    assert (dist / "python" / "worker.js").read_text() == "python/worker.js"
    assert not (dist / "package.json").exists() and not (dist / "node_modules").exists()
    assert site.web_files(web) == [web / name for name in copied]


# ---------------------------------------------------------------- server


@pytest.fixture
def served(tmp_path: Path):
    files = {
        "pyodide/pyodide.asm.wasm": b"\0asm\1\0\0\0",
        "pyodide/pyodide.mjs": b"export {}",
        "app.js": b"1",
        "data/t10k-labels-idx1-ubyte.gz": gzip.compress(b"\0\0\x08\x01\0\0\0\0", mtime=0),
        "models/default.npz": b"PK",
        "wheels/glassnet-0.1.0-py3-none-any.whl": b"PK",
        "manifest.json": b"{}",
        "index.html": b"<!doctype html>",
    }
    for name, data in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    server = build.make_server(str(tmp_path), "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    yield f"http://{host}:{port}/", files
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("name, content_type", [
    ("pyodide/pyodide.asm.wasm", "application/wasm"),
    ("pyodide/pyodide.mjs", "text/javascript"),
    ("app.js", "text/javascript"),
    ("data/t10k-labels-idx1-ubyte.gz", "application/gzip"),
    ("models/default.npz", "application/octet-stream"),
    ("wheels/glassnet-0.1.0-py3-none-any.whl", "application/octet-stream"),
    ("manifest.json", "application/json"),
    ("index.html", "text/html"),
])
def test_server_sends_the_types_the_page_needs(served, name: str, content_type: str) -> None:
    url, files = served
    with urllib.request.urlopen(url + name, timeout=10) as response:
        assert response.headers.get_content_type() == content_type
        assert response.headers.get("Content-Encoding") is None  # .gz arrives as raw bytes
        assert response.read() == files[name]


def test_server_answers_404_for_missing_files(served) -> None:
    url, _ = served
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(url + "nope.js", timeout=10)
    assert caught.value.code == 404


def test_urls_for_all_interfaces_include_localhost() -> None:
    assert serve.urls("127.0.0.1", 8000) == ["http://127.0.0.1:8000/"]
    assert serve.urls("0.0.0.0", 8123)[0] == "http://127.0.0.1:8123/"


# ---------------------------------------------------------------- data


def _data_dir(path: Path, payload: bytes = b"x") -> Path:
    path.mkdir(parents=True)
    for name in fmnist.FILE_NAMES:
        (path / name).write_bytes(gzip.compress(payload))
    return path


def test_finder_prefers_data_dir_over_other_places(tmp_path: Path) -> None:
    mine = _data_dir(tmp_path / "mine")
    other = _data_dir(tmp_path / "other")
    assert fmnist.find_data_dir(mine, [other]) == mine
    assert fmnist.find_data_dir(None, [tmp_path / "empty", other]) == other
    assert fmnist.find_data_dir(None, [tmp_path / "empty"]) is None


def test_an_incomplete_data_dir_is_an_error_naming_the_missing_file(tmp_path: Path) -> None:
    mine = _data_dir(tmp_path / "mine")
    (mine / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(BuildError, match="t10k-labels-idx1-ubyte.gz"):
        fmnist.find_data_dir(mine, [])
    with pytest.raises(BuildError, match="no such directory"):
        fmnist.find_data_dir(tmp_path / "absent", [])


def test_data_that_is_not_the_real_set_is_refused(tmp_path: Path) -> None:
    fake = _data_dir(tmp_path / "fake")
    with pytest.raises(BuildError, match="not the Fashion-MNIST file"):
        fmnist.locate(fake)
    (fake / "train-images-idx3-ubyte.gz").write_bytes(b"plain bytes")
    with pytest.raises(BuildError, match="not a readable gzip file"):
        fmnist.verify_dir(fake)


@pytest.mark.realdata
def test_debian_copy_matches_the_content_pins() -> None:
    if not fmnist.has_all(fmnist.DEBIAN_DIR):
        pytest.skip("dataset-fashion-mnist is not installed")
    fmnist.verify_dir(fmnist.DEBIAN_DIR)


# ---------------------------------------------------------------- wheel, dispatch, test command


def test_source_hash_ignores_build_leftovers(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text("x = 1")
    before = pywheel.source_hash(tmp_path)
    for leftover in ("build/lib/pkg/old.py", "pkg.egg-info/PKG-INFO", "pkg/__pycache__/m.pyc"):
        (tmp_path / leftover).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / leftover).write_text("stale")
    assert pywheel.source_hash(tmp_path) == before
    (tmp_path / "pkg" / "mod.py").write_text("x = 2")
    assert pywheel.source_hash(tmp_path) != before


def test_unknown_command_exits_2(capsys) -> None:
    assert build.main(["frobnicate"]) == 2
    assert "commands:" in capsys.readouterr().err


def test_subcommands_are_dispatched_by_name() -> None:
    assert {"build", "serve", "test", "bench"} <= set(build.COMMANDS)


def test_a_missing_subcommand_module_is_a_clear_error(capsys) -> None:
    build.COMMANDS["nothing-here"] = build.lazy("tools.nothing_here")
    try:
        assert build.main(["nothing-here"]) == 2
    finally:
        del build.COMMANDS["nothing-here"]
    assert "tools/nothing_here.py is missing" in capsys.readouterr().err


def test_serve_rebuilds_only_when_dist_is_missing_or_older_than_sources(tmp_path: Path) -> None:
    import os
    import time

    dist = tmp_path / "dist"
    assert build.needs_build(dist)
    dist.mkdir()
    (dist / "manifest.json").write_text("{}")
    os.utime(dist / "manifest.json", (0, 0))
    assert build.needs_build(dist)
    future = time.time() + 3600
    os.utime(dist / "manifest.json", (future, future))
    assert not build.needs_build(dist)


def test_pytest_exit_5_counts_as_success_other_codes_pass_through(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert testenv.run_pytest(tmp_path, ["-q", "-p", "no:cacheprovider", "empty"]) == 0
    (tmp_path / "failing").mkdir()
    (tmp_path / "failing" / "test_x.py").write_text("def test_x():\n    assert False\n")
    assert testenv.run_pytest(tmp_path, ["-q", "-p", "no:cacheprovider", "failing"]) == 1


def test_test_requirements_are_exact_pins() -> None:
    assert all("==" in req for req in pins.TEST_REQUIREMENTS)


# ---------------------------------------------------------------- pretraining


FAKE_TRAINER = """
import json, sys
args = sys.argv[1:]
if "--fail" in open(__file__.replace("__main__.py", "mode")).read():
    sys.exit(3)
print(json.dumps({"event": "epoch", "epoch": 1, "epochs": 1, "test_accuracy": 0.5,
                  "seconds": 0.1}))
open(args[args.index("--save") + 1], "wb").write(b"model " + " ".join(args).encode())
"""


def _fake_core(tmp_path: Path, mode: str) -> Path:
    """A stand-in `glassnet` package whose CLI writes a model file or fails, instantly."""
    package = tmp_path / "py" / "glassnet"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "__main__.py").write_text(FAKE_TRAINER)
    (package / "mode").write_text(mode)
    return tmp_path / "py"


def test_pretraining_runs_the_cli_and_caches_the_model(tmp_path: Path, capsys) -> None:
    py = _fake_core(tmp_path, "ok")
    target, cache = tmp_path / "out" / "default.npz", tmp_path / "cache"
    target.parent.mkdir()
    assert pretrain.pretrain(py, tmp_path, target, cache, epochs=2)
    assert b"--preset default" in target.read_bytes() and b"--epochs 2" in target.read_bytes()
    assert "epoch 1/1: test accuracy 50.00%" in capsys.readouterr().out
    (py / "glassnet" / "mode").write_text("--fail")  # new sources: must train again, and fail
    target.unlink()
    assert not pretrain.pretrain(py, tmp_path, target, cache, epochs=2)
    assert "pretraining failed" in capsys.readouterr().err
    assert not target.exists()


def test_a_cached_model_is_reused_without_training(tmp_path: Path, capsys) -> None:
    py = _fake_core(tmp_path, "ok")
    cache = tmp_path / "cache"
    assert pretrain.pretrain(py, tmp_path, tmp_path / "first.npz", cache)
    assert "pretraining:" in capsys.readouterr().out
    assert pretrain.pretrain(py, tmp_path, tmp_path / "second.npz", cache)
    out = capsys.readouterr().out
    assert "from cache" in out and "pretraining:" not in out
    assert (tmp_path / "first.npz").read_bytes() == (tmp_path / "second.npz").read_bytes()


# ---------------------------------------------------------------- the server


def _raw_request(url: str, request: bytes) -> bytes:
    """Send bytes as they are (urllib would clean a hostile path) and return the status line."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(request)
        reply = b""
        while b"\r\n" not in reply:
            chunk = sock.recv(4096)
            if not chunk:
                break
            reply += chunk
    return reply.split(b"\r\n")[0]


@pytest.mark.parametrize("path, status", [
    (b"/%00", b"400"),
    (b"/app.js%00.html", b"400"),
    (b"/data/%00/x", b"400"),
    (b"/data/", b"404"),  # a folder: no listing
    (b"/pyodide/", b"404"),
    (b"/wheels", b"301"),  # the stdlib's redirect to the folder, which then is a 404
    (b"/%ff%fe", b"404"),
    (b"/" + b"a" * 5000, b"404"),
    (b"/..%2f..%2fetc%2fpasswd", b"404"),
    (b"//etc/passwd", b"404"),
])
def test_server_answers_hostile_paths_with_4xx_and_no_traceback(served, capfd, path, status) -> None:
    url, _ = served
    line = _raw_request(url, b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert line.split(b" ")[1] == status, line
    head = _raw_request(url, b"HEAD " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert head.split(b" ")[1] == status, head
    assert "Traceback" not in capfd.readouterr().err


@pytest.mark.parametrize("request_bytes, status", [
    (b"BREW / HTTP/1.1\r\n\r\n", b"501"),
    (b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", b"501"),
    (b"GET / HTTP/9.9\r\n\r\n", b"505"),
    (b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 200 + b"\r\n", b"431"),
    (b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n", b"414"),
    (b"GET / HTTP/1.1\r\nIf-Modified-Since: not a date\r\n\r\n", b"200"),
])
def test_server_answers_malformed_requests_without_a_traceback(served, capfd, request_bytes,
                                                               status) -> None:
    url, _ = served
    line = _raw_request(url, request_bytes)
    assert status in line, line
    assert "Traceback" not in capfd.readouterr().err


# ---------------------------------------------------------------- caches heal


def test_a_damaged_cached_glassnet_wheel_is_rebuilt(tmp_path: Path, capsys) -> None:
    cache, py = tmp_path / "cache", tmp_path / "py"
    shutil.copytree(ROOT / "py", py, ignore=shutil.ignore_patterns(*pywheel.IGNORED))  # fixed sources
    first = pywheel.build_wheel(py, cache, tmp_path / "a")
    cached = next((cache / "glassnet-wheel").rglob("glassnet-*.whl"))
    good = cached.read_bytes()
    cached.write_bytes(good[: len(good) // 2])  # truncated in the cache
    second = pywheel.build_wheel(py, cache, tmp_path / "b")
    assert "damaged or altered; rebuilding" in capsys.readouterr().err
    assert second.read_bytes() == first.read_bytes() == cached.read_bytes()


def test_a_damaged_cached_model_is_trained_again(tmp_path: Path, capsys) -> None:
    py = _fake_core(tmp_path, "ok")
    cache = tmp_path / "cache"
    assert pretrain.pretrain(py, tmp_path, tmp_path / "first.npz", cache)
    cached = next((cache / "models").glob("*.npz"))
    cached.write_bytes(cached.read_bytes()[:5])
    capsys.readouterr()
    assert pretrain.pretrain(py, tmp_path, tmp_path / "second.npz", cache)
    captured = capsys.readouterr()
    assert "damaged or altered; training it again" in captured.err and "pretraining:" in captured.out
    assert (tmp_path / "second.npz").read_bytes().startswith(b"model train --preset default")
    assert (tmp_path / "second.npz").read_bytes() == cached.read_bytes()  # the healed entry


def test_an_altered_vendored_js_file_is_reinstalled_not_shipped(tmp_path: Path, capsys) -> None:
    web = ROOT / "web"
    vendor.js_libs(web, tmp_path / "first")  # makes sure node_modules is installed and good
    name = pins.VENDOR_FILES["uplot"][0]
    installed = web / "node_modules" / name
    good = installed.read_bytes()
    installed.write_bytes(good + b"\n/* altered */\n")
    try:
        vendor.js_libs(web, tmp_path / "second")
    finally:
        if installed.read_bytes() != good:
            installed.write_bytes(good)
    assert "were changed since npm installed them; reinstalling" in capsys.readouterr().err
    shipped = tmp_path / "second" / "uplot" / Path(name).name
    assert hashlib.sha256(shipped.read_bytes()).hexdigest() == pins.VENDOR_SHA256[name]


def test_every_vendored_file_has_a_pin() -> None:
    names = [name for files in pins.VENDOR_FILES.values() for name in files]
    assert set(names) == set(pins.VENDOR_SHA256)
    assert all(len(h) == 64 for h in pins.VENDOR_SHA256.values())


def test_a_real_build_is_recognised_as_ours_and_replaced_by_the_next(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    command = [sys.executable, str(ROOT / "build.py"), "--out", str(out), "--no-data"]
    first = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert not [f for f in manifest["files"] if f.startswith(".glassnet-")]  # markers are not the site
    assert json.loads((out / build.BUILD_MARKER).read_text())["build"] == manifest["build"]
    build.check_replaceable(out)  # its gzip copies and marker included
    (out / "index.html.gz").write_bytes(gzip.compress(b"not the page"))  # a planted "copy"
    with pytest.raises(BuildError, match="not the build's compressed copy"):
        build.check_replaceable(out)
    (out / "index.html.gz").unlink()
    # For a host that compresses by itself (GitHub Pages): the same site without the copies.
    second = subprocess.run(command + ["--no-gzip-copies"], capture_output=True, text=True, timeout=600)
    assert second.returncode == 0, second.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]
    assert (out / "index.html").is_file() and not list(out.rglob("*.gz"))
    build.check_replaceable(out)


def _no_commands(*args, **kwargs):
    raise AssertionError(f"ran {args}")


def test_system_packages_all_present_runs_nothing(monkeypatch) -> None:
    monkeypatch.setattr(testenv, "run", _no_commands)
    monkeypatch.setattr(testenv.subprocess, "run", _no_commands)
    assert testenv.ensure_system_packages([("chromium", "browser", True, True),
                                           ("zbar-tools", "qr", False, True)]) == []
    names = [name for name, *_ in testenv._system_packages()]
    assert {"chromium", "clang", "lld", "dataset-fashion-mnist", "zbar-tools"} <= set(names)


def test_system_packages_without_root_say_the_command_and_go_on(monkeypatch, capsys) -> None:
    monkeypatch.setattr(testenv, "run", _no_commands)
    monkeypatch.setattr(testenv, "_is_root", lambda: False)
    assert testenv.ensure_system_packages([("clang", "kernel", True, False),
                                           ("lld", "kernel", True, False)]) == []
    out = capsys.readouterr()
    assert "apt-get install -y clang lld" in out.out + out.err


def test_system_packages_one_update_required_together_optional_best_effort(monkeypatch, capsys) -> None:
    ran, tried = [], []
    monkeypatch.setattr(testenv, "_is_root", lambda: True)
    monkeypatch.setattr(testenv.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(testenv, "run", lambda cmd, **kw: ran.append(cmd))
    monkeypatch.setattr(testenv.subprocess, "run",
                        lambda cmd, **kw: tried.append(cmd) or subprocess.CompletedProcess(cmd, 100))
    monkeypatch.setattr(testenv, "CHROMIUM", Path(__file__))  # "installed"
    names = testenv.ensure_system_packages([("chromium", "browser", True, False),
                                            ("clang", "kernel", True, False),
                                            ("lld", "kernel", True, True),
                                            ("zbar-tools", "qr", False, False)])
    assert names == ["chromium", "clang", "zbar-tools"]
    assert ran == [["apt-get", "update"], ["apt-get", "install", "-y", "chromium", "clang"]]
    assert tried == [["apt-get", "install", "-y", "zbar-tools"]]
    out = capsys.readouterr()
    assert "zbar-tools did not install" in out.out + out.err


def test_build_and_serve_install_what_the_tested_site_is_built_with(monkeypatch) -> None:
    """The first command a new user types gives the site CI tests: kernel tools and data set."""
    asked = []
    monkeypatch.setattr(testenv, "ensure_system_packages",
                        lambda packages, without="": asked.append(([p[0] for p in packages], without)))
    monkeypatch.setattr(build, "build", lambda **kw: {"files": [], "build": "x", "parts": {}})
    assert build.cmd_build([]) == 0
    assert asked == [(["clang", "lld", "dataset-fashion-mnist"], testenv.WITHOUT_FOR_SITE)]
    assert build.cmd_build(["--no-install"]) == 0 and len(asked) == 1


def test_without_root_the_build_says_the_command_and_that_the_page_is_slower(monkeypatch, capsys) -> None:
    monkeypatch.setattr(testenv, "run", _no_commands)
    monkeypatch.setattr(testenv, "_is_root", lambda: False)
    testenv.ensure_system_packages([("clang", "kernel", False, False), ("lld", "kernel", False, False)],
                                   without=testenv.WITHOUT_FOR_SITE)
    out = capsys.readouterr()
    said = out.out + out.err
    assert "apt-get install -y clang lld" in said and "4x slower" in said
    assert "GLASSNET_CHROMIUM" not in said  # no browser was asked for


def test_every_build_ends_with_what_the_site_has_and_lacks() -> None:
    lines = build.parts_summary({"kernel": True, "bytecode": False, "data": True, "model": False})
    assert lines[0] == "this site has:" and len(lines) == 1 + len(build.OPTIONAL_PARTS)
    assert lines[1].startswith("  [x] WebAssembly kernel")
    assert lines[2].startswith("  [ ] bytecode") and "Python 3.12" in lines[2]
    assert lines[4].startswith("  [ ] pretrained model")


def test_a_zip_inside_the_site_folder_is_refused(tmp_path: Path, capsys) -> None:
    out = tmp_path / "dist"
    assert build.main(["--out", str(out), "--zip", str(out / "site.zip"), "--no-install"]) == 2
    assert "inside the site folder" in capsys.readouterr().err
    assert not out.exists()


# ---------------------------------------------------------------- defence in depth (issue 19)


@pytest.mark.parametrize("name", ["index.html", "app.js", "manifest.json", "nope.js"])
def test_server_sends_nosniff_and_no_referrer_on_every_answer(served, name: str) -> None:
    url, _ = served
    try:
        response = urllib.request.urlopen(url + name, timeout=10)
    except urllib.error.HTTPError as err:
        response = err  # a 404 carries them too
    with response:
        assert response.headers.get("X-Content-Type-Options") == "nosniff"
        assert response.headers.get("Referrer-Policy") == "no-referrer"


def test_server_sends_the_page_policy_and_a_worker_policy(served) -> None:
    url, _ = served
    with urllib.request.urlopen(url + "index.html", timeout=10) as response:
        assert response.headers.get("Content-Security-Policy") == csp.PAGE_HEADER
    assert csp.PAGE_HEADER == csp.PAGE + "; frame-ancestors 'none'"  # the one thing meta cannot say
    with urllib.request.urlopen(url + "app.js", timeout=10) as response:
        assert response.headers.get("Content-Security-Policy") == csp.WORKER  # for worker.js, sw.js


def test_the_page_meta_policy_is_the_one_the_server_sends() -> None:
    html = (ROOT / "web" / "index.html").read_text()
    metas = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
    assert metas == [csp.PAGE]
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # no inline script
    assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers
    assert not re.search(r"\sstyle=", html)  # no inline style attributes
    for must in ("object-src 'none'", "base-uri 'none'", "connect-src 'self'", "default-src 'none'"):
        assert must in csp.PAGE
    assert "'unsafe-inline'" not in csp.PAGE + csp.WORKER
    assert "'unsafe-eval'" not in csp.PAGE + csp.WORKER


def test_the_build_takes_the_data_set_from_the_registry() -> None:
    """Fashion-MNIST's files and checksums live once, in py/glassnet/datasets.py."""
    entry = places.datasets.get("fashion-mnist")
    assert pins.FMNIST_FILES == {k: (entry.files[k], sha) for k, sha in entry.content_sha256.items()}
    assert places.FILES == entry.files and places.DEBIAN_DIR == entry.debian_dir
