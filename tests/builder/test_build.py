"""build.py itself: pins are enforced, the manifest is right, the server sends the right types.

Fast and offline: nothing here downloads; the network-facing steps are exercised by the real
build that `build.py test` runs before pytest.
"""

from __future__ import annotations

import gzip
import importlib.util
import io
import hashlib
import json
import subprocess
import sys
import tarfile
import threading
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("glassnet_build_script", ROOT / "build.py")
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)

from tools import fmnist, pins, pretrain, pywheel, serve, site, testenv, vendor  # noqa: E402
from tools.util import BuildError  # noqa: E402

pytestmark = pytest.mark.native


# ---------------------------------------------------------------- pins


def test_tampered_cached_numpy_wheel_is_rejected_with_a_clear_error(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / pins.NUMPY_WHEEL).write_bytes(b"not the real wheel")
    with pytest.raises(BuildError) as caught:
        vendor.numpy_wheel(cache, tmp_path / "dist" / "pyodide")
    message = str(caught.value)
    assert str(cache / pins.NUMPY_WHEEL) in message
    assert pins.NUMPY_WHEEL_SHA256 in message
    assert "delete" in caught.value.hint
    assert not (tmp_path / "dist" / "pyodide" / pins.NUMPY_WHEEL).exists()


def test_tampered_cached_pyodide_tarball_is_rejected(tmp_path: Path) -> None:
    (tmp_path / pins.PYODIDE_TARBALL).write_bytes(b"\x1f\x8b junk")
    with pytest.raises(BuildError, match="Pyodide tarball.*sha256"):
        vendor.pyodide_core(tmp_path, tmp_path / "out")


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


def test_the_lock_file_must_name_the_pinned_numpy_wheel(tmp_path: Path) -> None:
    lock = tmp_path / "pyodide-lock.json"
    lock.write_text(json.dumps({"packages": {"numpy": {
        "file_name": pins.NUMPY_WHEEL, "sha256": "0" * 64}}}))
    with pytest.raises(BuildError, match="pyodide-lock.json names numpy"):
        vendor._check_lock_names_numpy(lock)
    lock.write_text(json.dumps({"packages": {"numpy": {
        "file_name": pins.NUMPY_WHEEL, "sha256": pins.NUMPY_WHEEL_SHA256}}}))
    vendor._check_lock_names_numpy(lock)


def test_every_pin_is_a_sha256() -> None:
    hashes = [pins.PYODIDE_TARBALL_SHA256, pins.NUMPY_WHEEL_SHA256, pins.NUMPY_CARRIER_SHA256,
              *pins.PYODIDE_FILES.values(), *(sha for _, sha in pins.FMNIST_FILES.values()),
              *pins.VENDOR_SHA256.values()]
    assert all(len(h) == 64 and set(h) <= set("0123456789abcdef") for h in hashes)


def test_a_failed_build_exits_2_without_traceback_and_keeps_the_old_dist(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / pins.PYODIDE_TARBALL).write_bytes(b"tampered")
    out = tmp_path / "dist"
    out.mkdir()
    (out / "manifest.json").write_text("{}")
    (out / "index.html").write_text("old build")
    result = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "--out", str(out), "--cache-dir", str(cache),
         "--no-data"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "error:" in result.stderr and "what to do:" in result.stderr
    assert "Traceback" not in result.stderr
    assert (out / "index.html").read_text() == "old build"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "dist"]  # nothing left over


def test_build_refuses_to_replace_a_folder_that_is_not_a_build(tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("keep me")
    with pytest.raises(BuildError, match="does not look like a previous build"):
        build.build(out=tmp_path, cache=tmp_path / "cache")
    assert (tmp_path / "precious.txt").exists()


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
    for name in ("index.html", "style.css", "app.js", "worker.js", "sw.js", "package.json",
                 "package-lock.json", "notes.txt"):
        (web / name).write_text(name)
    dist = tmp_path / "dist"
    copied = site.copy_web(web, dist)
    assert copied == ["app.js", "index.html", "style.css", "sw.js", "worker.js"]
    assert not (dist / "package.json").exists() and not (dist / "node_modules").exists()


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
    build.COMMANDS["nothing-here"] = build._lazy("tools.nothing_here")
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
