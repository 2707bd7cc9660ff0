"""The command line: output formats, exit codes, one clear line per error and no tracebacks."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from glassnet import cli
from glassnet.data import FILES

pytestmark = pytest.mark.native
ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args):
    """The real `python -m glassnet` in a child process, as a user runs it."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "py")}
    return subprocess.run([sys.executable, "-m", "glassnet", *args], capture_output=True,
                          text=True, env=env, timeout=300)


def test_train_json_then_evaluate(data_dir, tmp_path):
    model = tmp_path / "m.npz"
    out = run_cli("train", "--data-dir", str(data_dir), "--epochs", "2", "--layers", "32",
                  "--batch-size", "32", "--save", str(model), "--json")
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [e["epoch"] for e in lines] == [1, 2]
    for key in ("event", "epochs", "train_loss", "train_accuracy", "test_loss", "test_accuracy",
                "seconds"):
        assert key in lines[0]
    assert lines[-1]["test_accuracy"] > 0.8
    ev = run_cli("evaluate", "--model", str(model), "--data-dir", str(data_dir), "--json")
    assert ev.returncode == 0, ev.stderr
    result = json.loads(ev.stdout)
    assert result["test_accuracy"] == pytest.approx(lines[-1]["test_accuracy"])
    assert len(result["confusion"]) == 10 and sum(map(sum, result["confusion"])) == 200


def test_train_progress_bar_and_text_output(data_dir, capsys):
    code = cli.main(["train", "--data-dir", str(data_dir), "--epochs", "1", "--layers", "16"])
    out, err = capsys.readouterr()
    assert code == 0
    assert "epoch   1/1" in out and "test loss" in out and "done: test accuracy" in out
    assert "default preset" in err and "parameters" in err


def test_evaluate_text_output(data_dir, tmp_path, capsys):
    model = tmp_path / "m.npz"
    assert cli.main(["train", "--data-dir", str(data_dir), "--epochs", "1", "--layers", "16",
                     "--save", str(model), "--json"]) == 0
    capsys.readouterr()
    assert cli.main(["evaluate", "--model", str(model), "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert "Ankle boot" in out and "confusion" in out


def test_info(capsys, isolated_cache):
    assert cli.main(["info"]) == 0
    out = capsys.readouterr().out
    assert "matrix backend: blas" in out and "glassnet 0.1.0" in out


def broken_data(data_dir):
    path = data_dir / FILES["train_images"]
    path.write_bytes(path.read_bytes()[:500])
    return data_dir


@pytest.mark.parametrize("args, message", [
    (["train", "--lr", "-1"], "learning rate must be in"),
    (["train", "--layers", "12,x"], "expected sizes like 256,128"),
    (["train", "--optimizer", "lion"], "invalid choice"),
    (["train", "--data-dir", "/no/such/dir"], "/no/such/dir: no such directory"),
    (["evaluate", "--model", "/no/such/model.npz"], "cannot read"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_options_exit_2_with_one_line(args, message):
    out = run_cli(*args)
    assert out.returncode == 2
    assert message in out.stderr
    assert "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_corrupt_data_names_the_file(data_dir):
    out = run_cli("train", "--data-dir", str(broken_data(data_dir)))
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "train-images-idx3-ubyte.gz: the gzip data is truncated" in out.stderr


def test_hostile_model_file(tmp_path, data_dir):
    bad = tmp_path / "evil.npz"
    bad.write_bytes(b"\x80\x04\x95pickle-ish bytes")
    out = run_cli("evaluate", "--model", str(bad), "--data-dir", str(data_dir))
    assert out.returncode == 2 and "evil.npz: not an .npz archive" in out.stderr


def test_divergence_exits_2_with_a_hint(data_dir):
    out = run_cli("train", "--data-dir", str(data_dir), "--optimizer", "sgd", "--lr", "10",
                  "--activation", "leaky_relu", "--layers", "64,64,64", "--json")
    assert out.returncode == 2 and "training diverged" in out.stderr
    assert "Lower the learning rate" in out.stderr and "Traceback" not in out.stderr


def test_help_and_version():
    assert run_cli("--version").stdout.strip() == "glassnet 0.1.0"
    out = run_cli("train", "--help")
    assert out.returncode == 0 and "--preset" in out.stdout and "--weight-decay" in out.stdout


def test_every_schema_option_is_a_flag_with_its_help():
    from glassnet.presets import OPTIONS

    parser = cli.build_parser()
    train = parser._subparsers._group_actions[0].choices["train"]
    flags = {a.dest: a for a in train._actions}
    for option in OPTIONS:
        assert option.name in flags, option.name
        assert option.help.split(":")[0].replace("%", "%%") in flags[option.name].help
        if option.choices:
            assert list(flags[option.name].choices) == list(option.choices)
    args = parser.parse_args(["train", "--batchnorm", "--shift", "2"])
    overrides = cli._config_overrides(args)
    assert overrides["batchnorm"] is True and overrides["shift"] == 2 and overrides["lr"] is None
