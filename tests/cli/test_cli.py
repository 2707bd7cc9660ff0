"""The command line: output formats, exit codes, one clear line per error and no tracebacks."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from glassnet import cli
from glassnet.data import FILES
from glassnet.modelio import load_model_file

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
    # the file carries the accuracy measured in training (the page's shelf shows it at once)
    assert load_model_file(model)[1]["test_accuracy"] == pytest.approx(lines[-1]["test_accuracy"])
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


# ---------------------------------------------------------------- nothing lost

def test_bad_save_target_is_found_before_training(data_dir, tmp_path):
    out = run_cli("train", "--data-dir", str(data_dir), "--epochs", "1", "--layers", "8",
                  "--json", "--save", str(tmp_path / "missing" / "m.npz"))
    assert out.returncode == 2 and out.stdout == ""  # refused before the first epoch
    assert "the folder" in out.stderr and "does not exist" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr
    out = run_cli("train", "--data-dir", str(data_dir), "--json", "--save", str(tmp_path))
    assert out.returncode == 2 and "is a folder" in out.stderr and out.stdout == ""


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes anywhere")
def test_read_only_save_folder_is_found_before_training(data_dir, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        out = run_cli("train", "--data-dir", str(data_dir), "--json", "--save", str(folder / "m.npz"))
    finally:
        folder.chmod(0o755)
    assert out.returncode == 2 and out.stdout == "" and "cannot write" in out.stderr


def test_a_failing_final_write_keeps_the_model_and_says_where(data_dir, tmp_path, capsys,
                                                             monkeypatch):
    target = tmp_path / "m.npz"
    real_save = cli.save_model_file

    def disk_full_for_target(path, *args):
        if os.fspath(path) == str(target):
            from glassnet.errors import ModelFileError
            raise ModelFileError(f"{path}: cannot write the model (No space left on device)")
        return real_save(path, *args)

    monkeypatch.setattr(cli, "save_model_file", disk_full_for_target)
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", None)
    code = cli.main(["train", "--data-dir", str(data_dir), "--epochs", "1", "--layers", "8",
                     "--json", "--save", str(target)])
    err = capsys.readouterr().err
    assert code == 2 and "No space left on device" in err
    kept = list((tmp_path / "tmp").glob("m-rescued*.npz"))
    assert len(kept) == 1 and f"kept in {kept[0]}" in err
    from glassnet.modelio import load_model_file
    assert load_model_file(kept[0])[0].parameter_count() == 784 * 8 + 8 + 8 * 10 + 10


def _wait_for_line(stream, needle: str) -> str:
    """Read lines until one contains `needle` (a condition, not a sleep)."""
    for line in stream:
        if needle in line:
            return line
    raise AssertionError(f"the process ended before printing {needle!r}")


def _ctrl_c_after(args: list[str], stream: str, needle: str) -> tuple[int, str]:
    """Run the CLI, press Ctrl-C once `stream` ("stdout" or "stderr") shows `needle`; returns the
    exit code and stderr."""
    import signal

    env = {**os.environ, "PYTHONPATH": str(ROOT / "py")}
    proc = subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        _wait_for_line(getattr(proc, stream), needle)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    return proc.returncode, err


def test_ctrl_c_mid_run_never_replaces_an_existing_save(data_dir, tmp_path):
    target = tmp_path / "m.npz"
    target.write_bytes(b"the user's finished model")
    code, err = _ctrl_c_after(["-m", "glassnet", "train", "--data-dir", str(data_dir), "--epochs",
                               "1000", "--layers", "8", "--json", "--save", str(target)],
                              "stdout", '"event": "epoch"')
    assert code == 130 and "Traceback" not in err
    assert target.read_bytes() == b"the user's finished model"
    kept = list(tmp_path.glob("m-epoch*-stopped.npz"))
    assert len(kept) == 1 and str(kept[0]) in err and "was left as it was" in err


def test_ctrl_c_while_starting_is_one_line(data_dir):
    # -X importtime reports each finished import on stderr: interrupt while NumPy is loading.
    code, err = _ctrl_c_after(["-X", "importtime", "-m", "glassnet", "train", "--data-dir",
                               str(data_dir), "--json"], "stderr", "numpy.")
    assert code == 130
    assert "Traceback" not in err and "glassnet: stopped by the user" in err


def test_train_without_tqdm_prints_epoch_lines(data_dir, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # as after a plain `pip install ./py`
    code = cli.main(["train", "--data-dir", str(data_dir), "--epochs", "1", "--layers", "16"])
    out = capsys.readouterr().out
    assert code == 0 and "epoch   1/1" in out


def test_the_browser_path_never_imports_tqdm(data_dir):
    code = ("import sys, glassnet.webapi as w, glassnet.train, glassnet.glassbox, glassnet.modelio;"
            "assert 'tqdm' not in sys.modules, 'tqdm imported'; print('ok')")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "py")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


@pytest.mark.parametrize("args, message", [
    (["train", "--seed", "-1"], "seed must be between 0"),
    (["train", "--warmup-epochs", "nan"], "warm-up epochs must be in [0, 1000], got nan"),
    (["train", "--weight-decay", "inf"], "weight decay must be in [0, 1], got inf"),
    (["train", "--clip=-inf"], "gradient clipping must be in [0, 1e+06], got -inf"),
    (["train", "--lr", "nan"], "learning rate must be in (0, 10], got nan"),
    (["train", "--layers", "8192,8192,8192"], "parameters; glassnet builds at most"),
    (["train", "--epochs=-3"], "epochs must be between"),
])
def test_numeric_options_are_refused_up_front(args, message):
    out = run_cli(*args)
    assert out.returncode == 2 and message in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr


def test_hostile_model_metadata_is_one_line(tmp_path, data_dir):
    import io
    import zipfile

    import numpy as np
    buffer = io.BytesIO()
    meta = ("{" + '"a":' * 0 + '"format": "glassnet-model", "version": 1, "config": '
            + "[" * 50_000 + "]" * 50_000 + "}").encode()
    with zipfile.ZipFile(buffer, "w") as z:
        head = io.BytesIO()
        np.lib.format.write_array_header_1_0(head, {"descr": "|u1", "fortran_order": False,
                                                     "shape": (len(meta),)})
        z.writestr("__glassnet__.npy", head.getvalue() + meta)
    bad = tmp_path / "deep.npz"
    bad.write_bytes(buffer.getvalue())
    out = run_cli("evaluate", "--model", str(bad), "--data-dir", str(data_dir))
    assert out.returncode == 2 and "nests 50001 levels deep" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr


def test_ctrl_c_during_the_final_save_finishes_the_save(data_dir, tmp_path, capsys, monkeypatch):
    import signal

    target = tmp_path / "m.npz"
    real_save = cli.save_model_file

    def pressed_during_the_write(path, *args):
        signal.raise_signal(signal.SIGINT)  # the user presses Ctrl-C while the file is written
        return real_save(path, *args)

    monkeypatch.setattr(cli, "save_model_file", pressed_during_the_write)
    code = cli.main(["train", "--data-dir", str(data_dir), "--epochs", "1", "--layers", "8",
                     "--json", "--save", str(target)])
    err = capsys.readouterr().err
    assert code == 130 and str(target) in err
    assert load_model_file(target)[0].parameter_count() == 784 * 8 + 8 + 8 * 10 + 10
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handler given back


def test_save_onto_a_device_or_pipe_is_refused_before_training(data_dir, tmp_path):
    import stat

    fifo = tmp_path / "m.npz"
    os.mkfifo(fifo)
    out = run_cli("train", "--data-dir", str(data_dir), "--epochs", "1", "--layers", "8",
                  "--json", "--save", str(fifo))
    assert out.returncode == 2 and out.stdout == "" and "not a regular file" in out.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_model_from_an_endless_device_is_one_line(data_dir):
    out = run_cli("evaluate", "--model", "/dev/zero", "--data-dir", str(data_dir))
    assert out.returncode == 2 and "Traceback" not in out.stderr and "MemoryError" not in out.stderr
    assert out.stderr.count("\n") == 1 and "/dev/zero" in out.stderr


def test_an_unknown_backend_in_the_environment_is_an_error_naming_the_choices(monkeypatch):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "py"), "GLASSNET_BACKEND": "nonsense"}
    out = subprocess.run([sys.executable, "-m", "glassnet", "info"], capture_output=True,
                         text=True, env=env, timeout=120, check=False)
    assert out.returncode == 2 and out.stderr.count("\n") == 1, out.stderr
    assert "GLASSNET_BACKEND" in out.stderr and "'nonsense'" in out.stderr
    for choice in ("numpy", "blas", "einsum"):
        assert choice in out.stderr
