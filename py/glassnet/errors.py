"""One small exception family whose messages are written for people.

The CLI turns any ``GlassnetError`` into one line and exit code 2; the web worker shows ``str(err)``
and ``err.browser_hint``. Anything that is not a ``GlassnetError`` is a bug and keeps its traceback.

Each error says what happened by its type: a missing or broken data file is a ``DataError``, a
model file that cannot be trusted a ``ModelFileError``, an impossible option a ``ConfigError``,
and asking for something that does not exist yet (no model, no evaluation, no run) a
``NotReadyError``. ``hint`` (what to do) speaks to command-line users; ``browser_hint`` gives the
same advice in the page's words, never with command-line flags.
"""

from __future__ import annotations

import re

_CLI_WORDS = re.compile(r"--[a-z]|python -m|`")


class GlassnetError(Exception):
    """Base class: ``str()`` says what went wrong, ``hint`` says what to do about it."""

    default_hint = ""
    default_browser_hint = ""

    def __init__(self, message: str, hint: str | None = None,
                 browser_hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint if hint is not None else self.default_hint
        if browser_hint is None:
            usable = hint is not None and not _CLI_WORDS.search(hint)
            browser_hint = hint if usable else self.default_browser_hint
        self.browser_hint = browser_hint


class DataError(GlassnetError):
    """A data file is missing, corrupt, truncated or inconsistent."""

    default_hint = "Check the four Fashion-MNIST .gz files, or pass --data-dir with good copies."
    default_browser_hint = "Check the four Fashion-MNIST .gz files and pick good copies of them."


class ModelFileError(GlassnetError):
    """A model file cannot be trusted or does not describe a model glassnet can build."""

    default_hint = "Use a .npz file saved by glassnet (train --save, or the page's Save button)."
    default_browser_hint = "Use a .npz file saved with the Save model button (or by glassnet's " \
                           "command line)."


class ConfigError(GlassnetError):
    """A training option has an impossible value."""

    default_hint = "Run `python -m glassnet train --help` to see the options."
    default_browser_hint = "Change the highlighted setting; each field says what it accepts."


class NotReadyError(GlassnetError):
    """Something was asked for that does not exist yet: no data, no model, no evaluation, no run."""

    default_hint = "Do the step it names first."
    default_browser_hint = default_hint


class ModelError(NotReadyError):
    """A model the request needs is not there (none yet, or no longer on the shelf)."""

    default_hint = "Train one, or load a saved .npz model."
    default_browser_hint = default_hint


class DivergedError(GlassnetError):
    """Training produced a non-finite loss: the one message for it, used everywhere."""

    default_hint = "Lower the learning rate (try a tenth of it) or turn on gradient clipping."
    default_browser_hint = default_hint

    @classmethod
    def at(cls, loss: float, epoch: int | None, step: int, lr: float | None = None) -> DivergedError:
        where = f"epoch {epoch}, step {step}" if epoch is not None else f"step {step}"
        hint = (f"Lower the learning rate (it was {lr:g}; try a tenth of it) or turn on "
                "gradient clipping.") if lr is not None else None
        return cls(f"training diverged: the loss became {loss} at {where}", hint=hint)


class StudentCodeError(GlassnetError):
    """A student's version of a piece failed: a syntax error, an exception, a wrong shape, NaN.

    ``line`` is the line of their code it happened on (None when it is not in their code).
    """

    default_hint = "Fix the line shown, then press Check again."

    def __init__(self, message: str, hint: str | None = None, line: int | None = None) -> None:
        super().__init__(message, hint)
        self.line = line

    def __str__(self) -> str:
        text = super().__str__()
        return f"line {self.line}: {text}" if self.line is not None else text
