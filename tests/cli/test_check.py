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


def _relu_file(tmp_path, forward_first_line):
    path = tmp_path / "relu.py"
    path.write_text("# glassnet exercise: relu\n" + SOLUTIONS["relu"].replace(
        "    self._mask = x > 0", f"    {forward_first_line}\n    self._mask = x > 0"))
    return path  # the inserted line is line 4


@pytest.mark.parametrize("raised", ["SystemExit(0)", "KeyboardInterrupt()"])
def test_a_base_exception_in_student_code_is_the_students_not_a_pass_or_ctrl_c(tmp_path, raised):
    path = _relu_file(tmp_path, f"raise {raised}")
    out = run_cli("check", str(path))
    name = raised.split("(")[0]
    assert out.returncode == 2, (out.returncode, out.stderr)
    assert out.stderr == f"glassnet: {path}, line 4: ReLU forward raised {name}" + \
        (": 0\n" if name == "SystemExit" else "\n")


def test_a_loop_inside_one_c_call_is_stopped_by_the_hard_limit_with_its_line(tmp_path):
    path = _relu_file(tmp_path, "sum(range(10**13))")
    out = run_cli("check", str(path), "--time-limit", "1")
    assert out.returncode == 2 and out.stderr.count("\n") == 1, out.stderr
    assert out.stderr.startswith(f"glassnet: {path}, line 4: your code ran for more than 1 s")


def test_a_swallowed_time_limit_and_recursion_end_in_the_cli(tmp_path):
    path = _relu_file(tmp_path, "while True:\n        try:\n            while True:\n"
                                "                pass\n        except Exception:\n            pass")
    out = run_cli("check", str(path), "--time-limit", "1")
    assert out.returncode == 2 and "ran for more than 1 s" in out.stderr, out.stderr


def test_a_huge_expression_is_one_line_in_the_cli(tmp_path):
    path = tmp_path / "relu.py"
    path.write_text("# glassnet exercise: relu\nx = " + " + ".join(["1"] * 5000) + "\n"
                    + SOLUTIONS["relu"])
    out = run_cli("check", str(path))
    assert out.returncode == 2 and out.stderr.count("\n") == 1, out.stderr[-500:]
    assert out.stderr.startswith(f"glassnet: {path}, line 2: ") and "too deeply nested" in out.stderr


def test_check_reads_a_bounded_amount_of_source(tmp_path):
    out = run_cli("check", "/dev/zero", "--exercise", "relu")
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "/dev/zero" in out.stderr
