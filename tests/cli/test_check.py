"""`python -m glassnet check FILE.py` and `exercise`: the page's checks in a terminal."""

import pytest

from tests.cli.test_cli import run_cli
from tests.core.test_pieces import SOLUTIONS

pytestmark = pytest.mark.native


def test_exercise_lists_and_prints_a_starter_that_check_finds_by_its_header(tmp_path):
    listing = run_cli("exercise")
    assert listing.returncode == 0 and "relu" in listing.stdout and "dense_backward" in listing.stdout
    starter = run_cli("exercise", "relu")
    assert starter.stdout.startswith("# glassnet exercise: relu")
    path = tmp_path / "relu.py"
    path.write_text(starter.stdout)
    out = run_cli("check", str(path))
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in out.stderr
    assert lines[0] == (f"glassnet: {path}, line 4: ReLU forward must return a NumPy array, "
                        "but returned None (is a return missing?)")


def test_a_solved_exercise_passes_with_exit_code_0(tmp_path):
    path = tmp_path / "mine.py"
    path.write_text(SOLUTIONS["dense_backward"])
    out = run_cli("check", str(path), "--exercise", "dense_backward")
    assert out.returncode == 0, out.stderr
    assert "dense_backward: Right" in out.stdout and "dW" in out.stdout and out.stderr == ""


def test_a_wrong_gradient_fails_with_one_line(tmp_path):
    path = tmp_path / "relu.py"
    path.write_text("# glassnet exercise: relu\n" + SOLUTIONS["relu"].replace(
        "return grad * self._mask", "return grad"))
    out = run_cli("check", str(path))
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1
    assert out.stderr.startswith(f"glassnet: {path}: Wrong: dx is off (largest relative error")


def test_check_a_whole_piece_and_the_usage_errors(tmp_path):
    path = tmp_path / "sgd.py"
    path.write_text(SOLUTIONS["sgd_momentum"])
    assert run_cli("check", str(path), "--piece", "sgd").returncode == 2  # no Nesterov branch
    out = run_cli("check", str(path))
    assert out.returncode == 2 and "names no exercise" in out.stderr
    out = run_cli("check", str(tmp_path / "missing.py"), "--exercise", "relu")
    assert out.returncode == 2 and "cannot read" in out.stderr and out.stderr.count("\n") == 1
