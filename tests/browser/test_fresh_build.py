"""A site built as a new machine builds it: nothing in the download cache, and none of the
optional tools (pyodide-build, a Python 3.12, clang and wasm-ld, the data set). It must start,
train and predict all the same, and each fallback the page takes must work:

- no kernel: the page trains with NumPy's einsum;
- no Python 3.12: the wheel has sources only, compiled at start-up;
- no pyodide-build: build.py writes glassnet's lock entry itself;
- a lock without glassnet (Pyodide's own put back): the worker installs the wheel from its URL,
  and only when its sha256 is the one manifest.json names.

This is how a published page that could not start once passed CI: the machine had pyodide-build
installed by hand and a download cache with an edited lock file. Here the build runs in a
subprocess with an empty HOME, an empty --cache-dir and a PATH that holds only python3, node and
npm, so nothing installed by hand can help it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT, STATE, _serve, error_banner, finish_training, open_ready, redeploy, start_training

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.native]


def bare_env(tmp: Path) -> dict[str, str]:
    """An environment like a fresh Debian machine's: only python3, node and npm on PATH."""
    bin_dir = tmp / "bin"
    bin_dir.mkdir(parents=True)
    for name, target in (("python3", sys.executable), ("node", _which("node")),
                         ("npm", _which("npm"))):
        (bin_dir / name).symlink_to(target)
    home = tmp / "home"
    home.mkdir()
    keep = {k: v for k, v in os.environ.items()
            if k.startswith(("PIP_", "LANG", "LC_", "SSL_", "REQUESTS_CA", "HTTP", "NO_PROXY"))
            or k in ("TMPDIR", "http_proxy", "https_proxy", "no_proxy")}
    return {**keep, "HOME": str(home), "PATH": str(bin_dir), "PYENV_ROOT": str(tmp / "no-pyenv"),
            "PYTHONDONTWRITEBYTECODE": "1"}


def _which(name: str) -> str:
    found = shutil.which(name)
    if not found:
        pytest.skip(f"{name} is not installed")
    return str(Path(found).resolve()) if name == "node" else found


@pytest.fixture(scope="module")
def bare_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, dict[str, str]]:
    """(site folder, build output, environment): built with an empty cache and no optional tool."""
    tmp = tmp_path_factory.mktemp("fresh")
    env = bare_env(tmp)
    site = tmp / "site"
    result = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "--no-install", "--no-data", "--no-pretrain",
         "--out", str(site), "--cache-dir", str(tmp / "empty-cache"), "--zip", str(tmp / "site.zip")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, stdin=subprocess.DEVNULL)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    return site, output, env


def test_the_build_says_which_optional_parts_the_site_lacks(bare_site) -> None:
    site, output, _ = bare_site
    assert "fetching Pyodide" in output, "the cache was not empty"
    assert "[ ] WebAssembly kernel: no clang/wasm-ld" in output
    assert "[ ] bytecode for Pyodide's Python: no Python 3.12" in output
    assert "[ ] Fashion-MNIST" in output and "[ ] pretrained model" in output
    manifest = json.loads((site / "manifest.json").read_text())
    assert manifest["parts"] == {"kernel": False, "bytecode": False, "data": False, "model": False}
    lock = json.loads((site / "pyodide" / "pyodide-lock.json").read_text())
    assert lock["packages"]["glassnet"]["sha256"] == manifest["glassnet_wheel_sha256"]


def test_build_check_passes_on_the_bare_site_with_einsum(bare_site) -> None:
    """`build.py check` (what CI and the Pages workflow run) on the site a fresh machine builds:
    ready, one epoch on a dropped generated set, a drawing predicted."""
    site, _, env = bare_site
    env = {**env, "PATH": env["PATH"] + os.pathsep + "/usr/bin"}  # Chromium, nothing else
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "check", "--no-install",
                             "--out", str(site)], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=900, stdin=subprocess.DEVNULL)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "training backend: einsum" in output
    assert "trained one epoch" in output and "predicted a drawing" in output
    assert "site check passed" in output


def test_build_check_fails_clearly_on_a_site_that_cannot_start(bare_site, tmp_path: Path) -> None:
    site, _, env = bare_site
    broken = tmp_path / "broken"
    shutil.copytree(site, broken)
    wheel = json.loads((broken / "manifest.json").read_text())["glassnet_wheel"]
    (broken / wheel).unlink()
    env = {**env, "PATH": env["PATH"] + os.pathsep + "/usr/bin"}
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "check", "--no-install",
                             "--out", str(broken)], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=900, stdin=subprocess.DEVNULL)
    output = result.stdout + result.stderr
    assert result.returncode == 2, output[-3000:]
    assert "error: the page failed while starting" in output and "glassnet" in output, output[-2000:]
    assert "Traceback" not in output


def _without_lock_entry(site: Path, copy: Path) -> dict:
    """A copy of `site` whose pyodide-lock.json does not list glassnet (Pyodide's own lock, as a
    host that serves its own Pyodide would have), redeployed with a matching manifest."""
    shutil.copytree(site, copy)
    lock_path = copy / "pyodide" / "pyodide-lock.json"
    lock = json.loads(lock_path.read_text())
    del lock["packages"]["glassnet"]
    lock_path.write_text(json.dumps(lock))
    return redeploy(copy)


@pytest.fixture
def lockless_site(bare_site, tmp_path: Path) -> Iterator[tuple[Path, str, dict]]:
    site, _, _ = bare_site
    manifest = _without_lock_entry(site, tmp_path / "lockless")
    for url in _serve(tmp_path / "lockless"):
        yield tmp_path / "lockless", url, manifest


def test_without_a_lock_entry_the_wheel_comes_from_its_url_and_trains(
        page, lockless_site, route_data, small_dataset, console_errors) -> None:
    _, url, _ = lockless_site
    route_data(small_dataset)
    open_ready(page, url)
    assert page.evaluate("glassnet.bridge.call('info').then((i) => i.backend)") == "einsum"
    start_training(page, epochs=1)
    finish_training(page)
    assert page.get_by_test_id("epoch-row").count() == 1
    assert console_errors == []


def test_a_wheel_that_is_not_the_manifests_is_never_installed(
        page, lockless_site, route_data, small_dataset) -> None:
    """A half-finished deploy: the new manifest is live, the old wheel is still on the server."""
    folder, url, manifest = lockless_site
    wheel = folder / manifest["glassnet_wheel"]
    wheel.write_bytes(wheel.read_bytes() + b"\0")  # other bytes under the same name
    route_data(small_dataset)
    page.goto(url)
    page.wait_for_function(f"{STATE} === 'error'", timeout=120_000)
    text = error_banner(page).inner_text()
    assert "not the one this build names" in text and "Reload" in text, text
    assert not re.search(r"glassnet\.webapi|Traceback", text)


def test_the_zip_holds_the_site_and_a_readme(bare_site, tmp_path: Path) -> None:
    import zipfile

    site, output, _ = bare_site
    archive = zipfile.ZipFile(site.parent / "site.zip")
    names = archive.namelist()
    manifest = json.loads((site / "manifest.json").read_text())
    assert names[0] == "README-GLASSNET.txt"
    assert set(manifest["files"]) <= set(names) and "manifest.json" in names
    assert not [n for n in names if n.endswith(".gz") and not n.startswith("data/")]
    readme = archive.read("README-GLASSNET.txt").decode()
    assert "file://" in readme and "web server" in readme and manifest["build"] in readme
    archive.extractall(tmp_path / "unzipped")
    for name in manifest["files"]:
        assert (tmp_path / "unzipped" / name).read_bytes() == (site / name).read_bytes()
