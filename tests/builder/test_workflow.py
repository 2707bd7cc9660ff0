"""The GitHub Pages workflow is a release pipeline that cannot publish a broken site, checked
offline: GitHub's workflow schema (check-jsonschema's built-in copy), zizmor's security audits
with no finding, and the rules zizmor does not know (test before build, check before upload,
write permissions in the deploy job only)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.native

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "pages.yml"
yaml = pytest.importorskip("ruamel.yaml", reason="check-jsonschema is not installed (build.py test "
                                                  "installs it)")


def _load() -> dict:
    return yaml.YAML(typ="safe").load(WORKFLOW.read_text())


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        pytest.skip(f"{name} is not installed (build.py test installs it)")
    return found


def test_the_workflow_matches_githubs_schema() -> None:
    result = subprocess.run([_tool("check-jsonschema"), "--builtin-schema",
                             "vendor.github-workflows", str(WORKFLOW)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing_even_as_an_auditor() -> None:
    result = subprocess.run([_tool("zizmor"), "--offline", "--persona=auditor", "--format=plain",
                             str(WORKFLOW)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings" in result.stdout + result.stderr


def test_every_action_is_pinned_to_a_commit_with_its_version_beside_it() -> None:
    uses = re.findall(r"uses:\s*(\S+)(.*)", WORKFLOW.read_text())
    assert uses
    for ref, comment in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", ref), ref
        assert re.search(r"#\s*v\d+(\.\d+)*", comment), f"{ref}: no version comment"


def test_only_the_deploy_job_may_write_and_no_job_keeps_credentials() -> None:
    flow = _load()
    assert flow["permissions"] == {}
    jobs = flow["jobs"]
    for name, job in jobs.items():
        granted = {k: v for k, v in job.get("permissions", {}).items() if v == "write"}
        assert granted == ({"pages": "write", "id-token": "write"} if name == "deploy" else {}), name
        for step in job["steps"]:
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step.get("with", {}).get("persist-credentials") is False, name


def test_nothing_is_published_before_the_tests_and_the_browser_check_pass() -> None:
    jobs = _load()["jobs"]
    assert jobs["build"]["needs"] == "test" and jobs["deploy"]["needs"] == "build"
    assert any("build.py test" in step.get("run", "") for step in jobs["test"]["steps"])
    steps = jobs["build"]["steps"]
    runs = [step.get("run", "") + step.get("uses", "") for step in steps]
    build = next(i for i, r in enumerate(runs) if re.search(r"build\.py .*--zip", r))
    check = next(i for i, r in enumerate(runs) if "build.py check --out dist" in r)
    upload = next(i for i, r in enumerate(runs) if "upload-pages-artifact" in r)
    zip_upload = next(i for i, r in enumerate(runs) if "actions/upload-artifact" in r)
    assert build < check < min(upload, zip_upload)


def test_the_workflows_python_is_pyodides() -> None:
    """Bytecode for the wheel and pyodide-build need Pyodide's own Python minor version."""
    from tools import pins

    for name, job in _load()["jobs"].items():
        for step in job["steps"]:
            if step.get("uses", "").startswith("actions/setup-python@"):
                assert str(step["with"]["python-version"]) == pins.PYODIDE_PYTHON, name
