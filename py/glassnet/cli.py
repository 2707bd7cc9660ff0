"""The command line: ``python -m glassnet train | evaluate | info``.

Every ``GlassnetError`` becomes one line on stderr and exit code 2; tracebacks are for bugs only.
tqdm is imported here and nowhere in the core.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any, Sequence

from . import __version__, backend
from .data import CLASS_NAMES, DEBIAN_DIR, cache_dir, find_data_dir, load_fashion_mnist
from .errors import ConfigError, GlassnetError
from .modelio import load_model_file, save_model_file
from .presets import OPTIONS, PRESETS, Option, make_config
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
    return parser


def _config_overrides(args: argparse.Namespace) -> dict[str, Any]:
    return {"preset": args.preset, **{o.name: getattr(args, o.name) for o in OPTIONS}}


def cmd_train(args: argparse.Namespace) -> int:
    config = make_config(_config_overrides(args))
    data = load_fashion_mnist(args.data_dir)
    trainer = Trainer(config, data)
    bar = None
    if not args.json:
        from tqdm import tqdm  # the CLI's dependency only
        print(f"glassnet {__version__}: {trainer.model}\n{config.preset} preset, data from "
              f"{data.source}, {trainer.model.parameter_count():,} parameters", file=sys.stderr)
    result = 1
    try:
        for event in trainer.events():
            kind = event["event"]
            if kind == "batch":
                if bar is None and not args.json:
                    bar = tqdm(total=trainer.steps_per_epoch, desc=f"epoch {event['epoch']}",
                               unit="batch", leave=False, file=sys.stderr)
                if bar is not None:
                    bar.update(1)
                    if event["step"] % 20 == 0:
                        bar.set_postfix(loss=f"{event['loss']:.4f}")
            elif kind == "epoch":
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
            elif kind == "error":
                print(f"glassnet: {event['message']}. {event['hint']}", file=sys.stderr)
                return 2
            elif kind == "done":
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
        save_model_file(args.save, trainer.model, config.to_dict())
        if not args.json:
            print(f"saved the model to {args.save}")
    return result


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


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return {"train": cmd_train, "evaluate": cmd_evaluate, "info": cmd_info}[args.command](args)
    except GlassnetError as err:
        hint = f" ({err.hint})" if err.hint else ""
        print(f"glassnet: error: {err}{hint}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
