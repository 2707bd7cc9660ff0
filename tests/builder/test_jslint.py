"""ESLint over all the project's JavaScript, and the page's unit tests in Node (no browser).

ESLint and its rules come from npm, pinned exactly in the root package.json and its lock (tools
for development only: the site's own libraries are in web/package.json). The first run installs
them with `npm ci` (the registry must be reachable once); later runs take a few seconds. The
unit tests (tests/js/*.test.mjs) use Node's built-in runner and import the page's plain modules
directly, in milliseconds.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "package-lock.json"
INSTALLED = ROOT / "node_modules" / ".package-lock.json"
ESLINT = ROOT / "node_modules" / "eslint" / "bin" / "eslint.js"
# Where the project's JavaScript lives; every .js/.mjs file there must be linted.
JS_TREES = ("web", "bench/page", "tests/browser/pyodide_harness", "tests/js")


def _node() -> str:
    node = shutil.which("node")
    if not node:
        pytest.fail("node is missing: install Node.js 20 (apt-get install -y nodejs npm)")
    return node


@pytest.fixture(scope="module")
def eslint() -> list[str]:
    """The pinned ESLint, installed by `npm ci` when node_modules is missing or older than the lock."""
    node = _node()
    if not ESLINT.is_file() or not INSTALLED.is_file() or INSTALLED.stat().st_mtime < LOCK.stat().st_mtime:
        npm = shutil.which("npm")
        if not npm:
            pytest.fail("npm is missing: install it to get the pinned ESLint (apt-get install -y npm)")
        done = subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=ROOT,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, f"npm ci failed (is the npm registry reachable?):\n{done.stderr}"
    return [node, str(ESLINT), "--max-warnings", "0"]


def _project_js() -> set[str]:
    files = set()
    for tree in JS_TREES:
        for path in (ROOT / tree).rglob("*"):
            rel = path.relative_to(ROOT)
            if path.suffix in (".js", ".mjs") and "node_modules" not in rel.parts:
                files.add(rel.as_posix())
    return files


def test_eslint_finds_nothing_in_any_javascript_file(eslint) -> None:
    done = subprocess.run([*eslint, "--format", "json", "."], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    results = json.loads(done.stdout or "[]")
    findings = [f"{Path(r['filePath']).relative_to(ROOT)}:{m.get('line')}:{m.get('column')} "
                f"{m['message']} ({m.get('ruleId')})"
                for r in results for m in r["messages"]]
    assert not findings, "ESLint findings:\n" + "\n".join(findings)
    assert done.returncode == 0, done.stderr
    # Nothing is silently left out: every JavaScript file of the project was linted.
    linted = {Path(r["filePath"]).relative_to(ROOT).as_posix() for r in results}
    assert _project_js() <= linted, sorted(_project_js() - linted)


def test_eslint_fails_on_a_mistake(eslint) -> None:
    # The config really checks the page's modules: an undefined name and an unused variable.
    done = subprocess.run([*eslint, "--stdin", "--stdin-filename", "web/page/mistake.js"],
                          input="const unused = 1;\nundefinedName();\n", cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "no-undef" in done.stdout and "no-unused-vars" in done.stdout


def test_eslint_is_pinned_exactly_with_its_lock() -> None:
    package = json.loads((ROOT / "package.json").read_text())
    lock = json.loads(LOCK.read_text())
    dev = package["devDependencies"]
    assert {"eslint", "@eslint/js"} <= set(dev)
    for name, version in dev.items():
        assert version[0].isdigit(), f"{name} {version}: pin an exact version (npm install --save-exact)"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
    assert not package.get("dependencies"), "the root package.json is for development tools only"


def test_node_unit_tests_pass() -> None:
    done = subprocess.run([_node(), "--test", "tests/js/"], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert "# fail 0" in done.stdout
