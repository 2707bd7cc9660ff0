"""One small exception family whose messages are written for people.

The CLI turns any ``GlassnetError`` into one line and exit code 2; the web worker shows ``str(err)``
and ``err.hint``. Anything that is not a ``GlassnetError`` is a bug and keeps its traceback.
"""

from __future__ import annotations


class GlassnetError(Exception):
    """Base class: ``str()`` says what went wrong, ``hint`` says what to do about it."""

    default_hint = ""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint if hint is not None else self.default_hint


class DataError(GlassnetError):
    """A data file is missing, corrupt, truncated or inconsistent."""

    default_hint = "Check the four Fashion-MNIST .gz files, or pass --data-dir with good copies."


class ModelFileError(GlassnetError):
    """A model file cannot be trusted or does not describe a model glassnet can build."""

    default_hint = "Use a .npz file saved by glassnet (CLI --save or the page's Save button)."


class ConfigError(GlassnetError):
    """A training option has an impossible value."""

    default_hint = "Run `python -m glassnet train --help` to see the options."


class ModelError(GlassnetError):
    """A model the request needs is not there (none yet, or no longer on the shelf)."""

    default_hint = "Train one, or load a saved .npz model."
