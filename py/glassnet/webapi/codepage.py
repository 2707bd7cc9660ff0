"""Code you can read and change (pieces.py, exercises.py): the real source, checks of a
student's version, and arming one for the next run."""

from __future__ import annotations

from typing import Any

from .. import exercises as _exercises
from .. import piececheck, pieces, sandbox
from ..errors import StudentCodeError
from . import session
from .args import plain


def code_pieces(activation: str | None = None, optimizer: str | None = None) -> dict[str, Any]:
    """-> {"pieces": [pieces.source(...) for each piece], "in_use": [piece ids a run with these
    settings calls]}: the real source, via inspect."""
    config = session.get().config
    activation = activation or config.get("activation") or "relu"
    optimizer = optimizer or config.get("optimizer") or "adam"
    return {"pieces": [pieces.source(pid) for pid in pieces.PIECES],
            "in_use": pieces.pieces_in_use(str(activation), str(optimizer))}


def exercises() -> dict[str, Any]:
    """-> {"exercises": [exercises.describe(...)]}"""
    return {"exercises": [_exercises.describe(e) for e in _exercises.EXERCISES.values()]}


def code_check(piece: str = "", code: str = "", exercise: str | None = None) -> dict[str, Any]:
    """-> pieces.check's report. Never raises for a mistake in the student's code: the report
    carries "error": {"message", "line", "hint"}."""
    if exercise:
        return plain(_exercises.check_exercise(str(exercise), str(code)))
    return plain(piececheck.check(str(piece), str(code)))


def code_use(piece: str = "", code: str = "", exercise: str | None = None) -> dict[str, Any]:
    """Compiles the code and arms it: the next start() swaps it into that run only, and reports
    "custom_code": [labels] next to "config". -> {"armed": True, "label", "settings", "piece"}
    ("settings": the options the run needs for the code to take part) or {"armed": False,
    "error": {"message", "line", "hint"}}"""
    s = session.get()
    settings: dict[str, Any] = {}
    required: tuple[str, ...] = ()
    if exercise:
        ex = _exercises.get_exercise(str(exercise))
        piece, required, settings = ex.piece, ex.required, dict(ex.settings)
    try:
        version = pieces.compile_version(str(piece), str(code), required)
    except StudentCodeError as err:
        return {"armed": False, "error": {"message": err.args[0], "line": err.line, "hint": err.hint}}
    if not settings:
        settings = {k: v[0] for k, v in version.piece.settings.items()}
    s.armed = [v for v in s.armed if v.piece.id != version.piece.id] + [version]
    return {"armed": True, "label": version.label, "settings": settings, "piece": version.piece.id}


def code_reset() -> dict[str, Any]:
    """Disarms, puts the reference back into the current run and NumPy's attributes back as they
    were (student code may have assigned to them). -> {"restored": True}"""
    s = session.get()
    s.armed = []
    pieces.restore(s.trainer, s.model)
    sandbox.restore_modules()  # whatever students' code assigned to NumPy is undone too
    s.custom_code = []
    return {"restored": True}
