"""The command line: ``python -m glassnet train | evaluate | info | check | exercise``.

Every ``GlassnetError`` becomes one line on stderr and exit code 2; tracebacks are for bugs only.
tqdm is imported here and nowhere in the core; without it the CLI prints one line per epoch
(``_progress``), so a plain ``pip install ./py`` works.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from . import __version__, backend
from .checkproc import run_check
from .data import CLASS_NAMES, DEBIAN_DIR, cache_dir, find_data_dir, load_fashion_mnist
from .errors import ConfigError, GlassnetError
from .events import BATCH, DONE, EPOCH, ERROR
from .exercises import EXERCISES, get_exercise, named_in
from .fileio import read_bounded
from .modelio import check_writable, load_model_file, save_model_file
from .pieces import PIECES
from .presets import OPTIONS, PRESETS, Option, make_config
from .sandbox import DEFAULT_BUDGET_S
from .train import Trainer, evaluate


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 too; keep our one-line style
        raise ConfigError(f"{self.prog}: {message}")


def _layers(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes like 256,128, got {text!r}") from None
    return sizes


def _add_option(parser: argparse.ArgumentParser, option: Option) -> None:
    """One --flag from the option schema: its type, choices and help come from presets.py."""
    flag = "--" + option.name.replace("_", "-")
    text = option.help.replace("%", "%%")
    if option.kind == "bool":
        parser.add_argument(flag, dest=option.name, action=argparse.BooleanOptionalAction,
                            default=None, help=text)
    elif option.kind == "choice":
        parser.add_argument(flag, dest=option.name, choices=option.choices, help=text)
    else:
        parse = {"layers": _layers, "int": int, "float": float}[option.kind]
        parser.add_argument(flag, dest=option.name, type=parse,
                            help=f"{option.help} ({option.range_text()})".replace("%", "%%"))


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="glassnet", description="Train and inspect small NumPy networks on "
                     "Fashion-MNIST.")
    parser.add_argument("--version", action="version", version=f"glassnet {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    t = sub.add_parser("train", help="train a network")
    t.add_argument("--preset", choices=list(PRESETS), default="default",
                   help="the base settings; the options below change single values")
    for option in OPTIONS:
        _add_option(t, option)
    t.add_argument("--data-dir", help="folder with the four Fashion-MNIST .gz files")
    t.add_argument("--save", metavar="MODEL.npz", help="save the trained model here")
    t.add_argument("--json", action="store_true", help="print one JSON object per epoch")

    e = sub.add_parser("evaluate", help="evaluate a saved model on the test set")
    e.add_argument("--model", required=True, metavar="MODEL.npz")
    e.add_argument("--data-dir")
    e.add_argument("--json", action="store_true")

    sub.add_parser("info", help="version, data location and matrix backend")

    c = sub.add_parser("check", help="check your version of a piece (an exercise file, or "
                       "--piece NAME): gradients by finite differences, optimizers against the "
                       "reference; exit code 2 when it is not right")
    c.add_argument("file", metavar="FILE.py")
    c.add_argument("--exercise", choices=sorted(EXERCISES),
                   help="the exercise (default: the file's '# glassnet exercise: NAME' line)")
    c.add_argument("--piece", choices=sorted(p for p, v in PIECES.items() if v.editable),
                   help="check a rewrite of this piece instead of an exercise")
    c.add_argument("--time-limit", type=float, default=DEFAULT_BUDGET_S, metavar="SECONDS",
                   help=f"stop your code after this long (default {DEFAULT_BUDGET_S:g}); the "
                        "check runs in a separate Python, so even a stuck NumPy call ends")

    x = sub.add_parser("exercise", help="list the exercises, or print one to start from "
                       "(python -m glassnet exercise relu > relu.py)")
    x.add_argument("name", nargs="?", choices=sorted(EXERCISES))
    return parser


def _config_overrides(args: argparse.Namespace) -> dict[str, Any]:
    return {"preset": args.preset, **{o.name: getattr(args, o.name) for o in OPTIONS}}


def _progress_bar():
    """tqdm when it is installed (the ``cli`` extra), else None: epoch lines still show progress."""
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm


def cmd_train(args: argparse.Namespace) -> int:
    config = make_config(_config_overrides(args))
    if args.save:
        check_writable(args.save)  # before training: a bad target must not cost the run
    data = load_fashion_mnist(args.data_dir)
    trainer = Trainer(config, data)
    bar = None
    tqdm = None if args.json else _progress_bar()
    if not args.json:
        print(f"glassnet {__version__}: {trainer.model}\n{config.preset} preset, data from "
              f"{data.source}, {trainer.model.parameter_count():,} parameters", file=sys.stderr)
    result = 1
    try:
        for event in trainer.events():
            kind = event["event"]
            if kind == BATCH:
                if bar is None and tqdm is not None:
                    bar = tqdm(total=trainer.steps_per_epoch, desc=f"epoch {event['epoch']}",
                               unit="batch", leave=False, file=sys.stderr)
                if bar is not None:
                    bar.update(1)
                    if event["step"] % 20 == 0:
                        bar.set_postfix(loss=f"{event['loss']:.4f}")
            elif kind == EPOCH:
                if bar is not None:
                    bar.close()
                    bar = None
                if args.json:
                    print(json.dumps(event), flush=True)
                else:
                    print(f"epoch {event['epoch']:>3}/{event['epochs']}  "
                          f"loss {event['train_loss']:.4f}  acc {event['train_accuracy']:.2%}  |  "
                          f"test loss {event['test_loss']:.4f}  acc {event['test_accuracy']:.2%}  "
                          f"({event['seconds']:.2f} s)", flush=True)
            elif kind == ERROR:
                print(f"glassnet: error: {event['message']} ({event['hint']})", file=sys.stderr)
                return 2
            elif kind == DONE:
                result = 0
                if not args.json:
                    print(f"done: test accuracy {event['test_accuracy']:.2%} after "
                          f"{event['epochs']} epochs in {event['seconds']:.1f} s")
    except KeyboardInterrupt:
        if bar is not None:
            bar.close()
        print("glassnet: stopped by the user", file=sys.stderr)
        result = 130
    if args.save and trainer.epoch > 0:
        with _ctrl_c_waits() as pressed:
            saved = _save(args, trainer, config, interrupted=result != 0)
        if pressed and result == 0:
            print(f"glassnet: stopped by the user; the model was saved in full first, to {saved}",
                  file=sys.stderr)
            result = 130
    return result


@contextmanager
def _ctrl_c_waits() -> Iterator[list[bool]]:
    """Ctrl-C while the trained model is written waits until the file is whole (the list it
    gives says whether it was pressed): the README promises that Ctrl-C never loses a model."""
    pressed: list[bool] = []
    try:
        previous = signal.signal(signal.SIGINT, lambda signum, frame: pressed.append(True))
    except ValueError:  # not the main thread, where only the default handling exists
        yield pressed
        return
    try:
        yield pressed
    finally:
        signal.signal(signal.SIGINT, previous)


def _save(args: argparse.Namespace, trainer: Trainer, config: Any, interrupted: bool) -> str:
    """Save the model; never lose it and never replace a finished model with a half-trained one.

    After Ctrl-C an existing --save file stays as it is and the partial model goes next to it
    under a new name. If the final write fails, the model goes to the temporary folder and the
    message says where.
    """
    target = args.save
    accuracy = trainer.history[-1]["test_accuracy"] if trainer.history else None
    if interrupted and os.path.lexists(target):
        target = _free_name(target, f"-epoch{trainer.epoch}-stopped")
    try:
        save_model_file(target, trainer.model, config.to_dict(), accuracy)
    except GlassnetError as err:
        fallback = _free_name(os.path.join(tempfile.gettempdir(),
                                           os.path.basename(args.save) or "model.npz"), "-rescued")
        save_model_file(fallback, trainer.model, config.to_dict(), accuracy)
        raise type(err)(f"{err}; the trained model was kept in {fallback} instead",
                        hint=f"Move {fallback} where you want it.") from None
    if interrupted:
        print(f"glassnet: saved the model after {trainer.epoch} epoch(s) to {target}"
              + ("" if target == args.save else f" ({args.save} was left as it was)"),
              file=sys.stderr)
    elif not args.json:
        print(f"saved the model to {target}")
    return target


def _free_name(path: str, tag: str) -> str:
    """``model.npz`` -> ``model<tag>.npz`` (or ``model<tag>-2.npz``...) that does not exist yet."""
    stem, ext = os.path.splitext(path)
    ext = ext or ".npz"
    candidate, n = f"{stem}{tag}{ext}", 2
    while os.path.lexists(candidate):
        candidate, n = f"{stem}{tag}-{n}{ext}", n + 1
    return candidate


def cmd_evaluate(args: argparse.Namespace) -> int:
    model, meta = load_model_file(args.model)
    data = load_fashion_mnist(args.data_dir)
    result = evaluate(model, data.test_images, data.test_labels)
    if args.json:
        print(json.dumps({
            "test_loss": result["loss"], "test_accuracy": result["accuracy"],
            "per_class_accuracy": [None if math.isnan(a) else a for a in
                                   result["per_class_accuracy"].tolist()],
            "confusion": result["confusion"].tolist()}))
        return 0
    print(f"{args.model}: test loss {result['loss']:.4f}, accuracy {result['accuracy']:.2%}")
    for name, acc in zip(CLASS_NAMES, result["per_class_accuracy"]):
        print(f"  {name:<12} {acc:7.2%}")
    print("confusion (rows: true, columns: predicted)")
    for name, row in zip(CLASS_NAMES, result["confusion"]):
        print(f"  {name:<12}" + "".join(f"{n:6d}" for n in row))
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    import numpy

    found = find_data_dir()
    print(f"glassnet {__version__}, NumPy {numpy.__version__}, Python {sys.version.split()[0]}")
    print(f"matrix backend: {backend.name()} ({sys.platform})")
    print(f"data: {found if found else 'not found (train downloads it into ' + str(cache_dir()) + ')'}")
    print(f"searched: the cache {cache_dir()}, then {DEBIAN_DIR}")
    return 0


MAX_SOURCE_BYTES = 1 << 20  # a piece of code for `check`: a few kB in practice


def cmd_check(args: argparse.Namespace) -> int:
    def too_big(amount: str) -> ConfigError:
        return ConfigError(f"{args.file}: {amount} is more than a piece of code "
                           f"({MAX_SOURCE_BYTES // 1024} kB)", hint="Give the path of a Python file.")

    try:
        code = read_bounded(args.file, MAX_SOURCE_BYTES, too_big).decode("utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"cannot read {args.file}: {getattr(err, 'strerror', None) or err}",
                          hint="Give the path of a Python file.") from None
    if not 0 < args.time_limit <= 3600:
        raise ConfigError(f"--time-limit must be between 0 and 3600 seconds, got {args.time_limit:g}")
    if args.piece:
        name = args.piece
    else:
        name = args.exercise or named_in(code)
        if name is None:
            raise ConfigError(f"{args.file} names no exercise",
                              hint="Add --exercise NAME (or --piece NAME), or keep the file's "
                                   "'# glassnet exercise: NAME' line.")
        get_exercise(name)  # an unknown name is a usage error here, not in the child
    report = run_check(code, None if args.piece else name, args.piece, args.time_limit)
    for part in report["parts"]:
        error = "n/a" if part["error"] is None else f"{part['error']:.1e}"
        detail = f"  {part['detail']}" if part["detail"] else ""
        print(f"  {part['name']:<28} {part['verdict']:<13} {error}{detail}")
    if report["ok"]:
        print(f"{name}: {report['summary']}")
        return 0
    error = report["error"]
    if error is not None:
        where = f"{args.file}, line {error['line']}" if error["line"] else args.file
        print(f"glassnet: {where}: {error['message']}", file=sys.stderr)
    else:
        print(f"glassnet: {args.file}: {report['summary']}", file=sys.stderr)
    return 2


def cmd_exercise(args: argparse.Namespace) -> int:
    if args.name:
        sys.stdout.write(EXERCISES[args.name].starter)
        return 0
    for exercise in EXERCISES.values():
        print(f"{exercise.id:<22} {exercise.title}")
    print("\nStart one with: python -m glassnet exercise NAME > NAME.py; check it with: "
          "python -m glassnet check NAME.py")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    try:
        problem = backend.environment_error()
        if problem is not None:
            raise problem
        args = build_parser().parse_args(argv)
        commands = {"train": cmd_train, "evaluate": cmd_evaluate, "info": cmd_info,
                    "check": cmd_check, "exercise": cmd_exercise}
        return commands[args.command](args)
    except GlassnetError as err:
        print(format_error(err), file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # while loading data or building the model: nothing to keep
        print("glassnet: stopped by the user", file=sys.stderr)
        return 130


def format_error(err: GlassnetError) -> str:
    """The one line every error becomes: ``glassnet: error: <what> (<what to do>)``."""
    hint = f" ({err.hint})" if err.hint else ""
    return f"glassnet: error: {err}{hint}"


if __name__ == "__main__":
    sys.exit(main())
