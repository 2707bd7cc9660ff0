"""Running a student's code: compile it, name the line of any error, stop endless loops.

Why this module exists: a student's ReLU runs in the same Python as the training loop, so a typo
must come back as a sentence with a line number (never a traceback in the page, never a broken
reference implementation), and ``while True: pass`` must end by itself.

How loops end: before compiling, every ``for`` and ``while`` body and every comprehension gets a
tick (a cheap call) that raises ``StudentCodeError`` once the time budget of the current call has
run out. Code that loops inside one C call (``sum(range(10**12))``) cannot be interrupted this
way; the page then restarts the worker (see web/code-panel.js).

What student code can reach: its namespace holds NumPy (``np``), ``math`` and the names the piece
needs (``Layer``, ``backend``, ...). ``import`` works for an allow-list of plain computing modules
only: ``js``, ``pyodide``, ``ctypes``, ``os``, ``sys`` and the rest are refused with a clear
message, so student code does not talk to the page by accident. This is a guard, not a security
boundary (Python offers none from inside itself): what protects the page is that the code runs in
a web worker, which has no DOM; its only way out is postMessage, and the page treats every
message as data, never as HTML or code.
"""

from __future__ import annotations

import ast
import builtins
import math
import time
import traceback
from typing import Any, Callable, Iterable, Iterator

import numpy as np

from .errors import StudentCodeError

FILENAME = "<your code>"
ALLOWED_IMPORTS = {"numpy", "math", "functools", "itertools", "operator", "collections",
                   "typing", "dataclasses", "__future__"}
DEFAULT_BUDGET_S = 10.0


class _Clock:
    """The deadline of the student call in progress (None: no call running)."""

    deadline: float | None = None
    budget: float = DEFAULT_BUDGET_S


def _tick() -> None:
    deadline = _Clock.deadline
    if deadline is not None and time.perf_counter() > deadline:
        _Clock.deadline = None  # raise once; the caller's handler must not trip again
        raise StudentCodeError(
            f"your code ran for more than {_Clock.budget:g} s and was stopped (an endless loop?)",
            hint="Look at the loop on the line shown: does its condition ever become false?")


def _tick_iter(iterable: Iterable[Any]) -> Iterator[Any]:
    for item in iterable:
        _tick()
        yield item


class _Ticker(ast.NodeTransformer):
    """Adds the deadline check to every loop body and comprehension, keeping line numbers."""

    def _tick_stmt(self, at: ast.AST) -> ast.stmt:
        call = ast.Expr(ast.Call(ast.Name("__glassnet_tick__", ast.Load()), [], []))
        return ast.copy_location(call, at)

    def _wrap_iter(self, node: ast.expr) -> ast.expr:
        return ast.copy_location(ast.Call(ast.Name("__glassnet_tick_iter__", ast.Load()), [node], []), node)

    def visit_While(self, node: ast.While) -> ast.AST:
        self.generic_visit(node)
        node.body.insert(0, self._tick_stmt(node))
        return node

    def visit_For(self, node: ast.For) -> ast.AST:
        self.generic_visit(node)
        node.body.insert(0, self._tick_stmt(node))
        return node

    def visit_comprehension(self, node: ast.comprehension) -> ast.AST:
        self.generic_visit(node)
        node.iter = self._wrap_iter(node.iter)
        return node


def _guarded_import(name: str, globals: Any = None, locals: Any = None, fromlist: Any = (),
                    level: int = 0) -> Any:
    root = name.split(".")[0]
    if level or root not in ALLOWED_IMPORTS:
        raise ImportError(f"your code cannot import {name!r} here; NumPy is already there as np "
                          f"(allowed: {', '.join(sorted(ALLOWED_IMPORTS - {'__future__'}))})")
    return builtins.__import__(name, globals, locals, fromlist, level)


def _builtins() -> dict[str, Any]:
    names = dict(vars(builtins))
    names["__import__"] = _guarded_import
    for name in ("breakpoint", "input", "exit", "quit", "help"):
        names.pop(name, None)
    return names


def compile_student(code: str, context: dict[str, Any]) -> dict[str, Any]:
    """Run the student's module-level code in a fresh namespace and return that namespace.

    ``context`` adds names (the classes and helpers the piece needs). Syntax errors and errors
    while defining become ``StudentCodeError`` with the line number.
    """
    if not isinstance(code, str):
        raise StudentCodeError("the code must be text")
    try:
        tree = ast.parse(code, FILENAME)
    except SyntaxError as err:
        raise StudentCodeError(f"syntax error: {err.msg}", line=err.lineno,
                               hint="Python could not read this line: check brackets, colons "
                                    "and indentation.") from None
    tree = ast.fix_missing_locations(_Ticker().visit(tree))
    namespace: dict[str, Any] = {"__builtins__": _builtins(), "__name__": "student",
                                 "np": np, "numpy": np, "math": math,
                                 "__glassnet_tick__": _tick, "__glassnet_tick_iter__": _tick_iter}
    namespace.update(context)
    run_student(lambda: exec(compile(tree, FILENAME, "exec"), namespace), "your code")
    return namespace


def student_line(tb: Any) -> int | None:
    """The last line of the student's code in a traceback (None when the error is elsewhere)."""
    line = None
    for frame in traceback.extract_tb(tb):
        if frame.filename == FILENAME:
            line = frame.lineno
    return line


def run_student(fn: Callable[[], Any], what: str, budget: float | None = None) -> Any:
    """Call ``fn`` (which runs student code) with a time budget; errors become StudentCodeError.

    Nested calls (a student forward called by the check's loop) share the outermost deadline.
    """
    outer = _Clock.deadline is None
    if outer:
        _Clock.budget = budget if budget is not None else DEFAULT_BUDGET_S
        _Clock.deadline = time.perf_counter() + _Clock.budget
    try:
        return fn()
    except StudentCodeError as err:
        if err.line is None:
            err.line = student_line(err.__traceback__)
        raise
    except RecursionError as err:
        raise StudentCodeError(f"{what} called itself without end (RecursionError)",
                               line=student_line(err.__traceback__)) from None
    except Exception as err:  # student code can raise anything; report it, keep the page alive
        line = student_line(err.__traceback__)
        where = "" if line is not None else " (outside your code: check what it returned)"
        raise StudentCodeError(f"{what} raised {type(err).__name__}: {err}{where}",
                               line=line) from None
    finally:
        if outer:
            _Clock.deadline = None
