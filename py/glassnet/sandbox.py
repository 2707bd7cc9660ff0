"""Running a student's code: compile it, name the line of any error, stop endless loops.

Why this module exists: a student's ReLU runs in the same Python as the training loop, so a typo
must come back as a sentence with a line number (never a traceback in the page, never a broken
reference implementation), and ``while True: pass`` must end by itself.

How loops end: before compiling, every ``for`` and ``while`` body, every function body, every
lambda and every comprehension gets a tick (a cheap call) that raises once the time budget has run
out, and again at every later tick, so neither ``except Exception: pass`` around a loop nor
recursion without a loop statement can outlive it. Code that loops inside one C call
(``sum(range(10**12))``) cannot be interrupted this way: the command line runs checks in a child
process with a hard time limit (``checkproc.py``), and the page offers Stop, which restarts the
worker (see web/code/runner.js). Whatever the student's code raises, ``BaseException`` included
(``SystemExit``, ``KeyboardInterrupt``), is reported as theirs, with its line.

What stays NumPy: student code may assign to ``np.max`` or ``math.sqrt``; ``np``, ``math`` and
``backend`` in their namespace are read-only windows (an assignment is an error on its line), and
every attribute of NumPy and the importable modules is put back as it was after the student's
module-level code ran, after every student call during a check (``judging``), and on request
(``restore_modules``: the page's Reset). Source nested too deeply for the parser (a 5,000-term
``1 + 1 + ...``, which would exhaust Pyodide's stack) is refused before it is parsed.

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
import io
import math
import sys
import time
import tokenize
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from .errors import StudentCodeError

FILENAME = "<your code>"
ALLOWED_IMPORTS = {"numpy", "math", "functools", "itertools", "operator", "collections",
                   "typing", "dataclasses", "__future__"}
DEFAULT_BUDGET_S = 10.0
# Operators and brackets inside one another in one statement. CPython's parser and compiler
# recurse once per level (and Pyodide's stack is small); real code stays far below this.
MAX_NESTING = 100
_clock = time.perf_counter  # (a test replaces it with a clock that steps per call)


class _Clock:
    """The deadline of the student call in progress (None: no call running)."""

    deadline: float | None = None
    budget: float = DEFAULT_BUDGET_S
    judging = False  # inside a check: NumPy is put back after every student call


class _TimeUp(BaseException):
    """Raised by a tick once the budget is spent: a BaseException, so ``except Exception`` in
    student code does not catch it (and every later tick raises it again)."""


def _tick() -> None:
    deadline = _Clock.deadline
    if deadline is not None and _clock() > deadline:
        raise _TimeUp()


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

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.AST:
        self.generic_visit(node)  # recursion needs no loop statement: every call ticks
        node.body.insert(0, self._tick_stmt(node.body[0]))
        return node

    visit_FunctionDef = _visit_function
    visit_AsyncFunctionDef = _visit_function

    def visit_Lambda(self, node: ast.Lambda) -> ast.AST:
        self.generic_visit(node)  # (tick(), body)[1]
        tick = ast.Call(ast.Name("__glassnet_tick__", ast.Load()), [], [])
        pair = ast.Tuple([tick, node.body], ast.Load())
        node.body = ast.copy_location(ast.Subscript(pair, ast.Constant(1), ast.Load()), node.body)
        return node


class ReadOnly:
    """A module seen through a window: attributes read through (so ``backend`` follows the
    page's engine switch), never written (``np.max = ...`` is an error on the student's line)."""

    __slots__ = ("_module",)

    def __init__(self, module: Any) -> None:
        object.__setattr__(self, "_module", module)

    def __getattr__(self, name: str) -> Any:
        return getattr(object.__getattribute__(self, "_module"), name)

    def __setattr__(self, name: str, value: Any) -> None:
        module = object.__getattribute__(self, "_module").__name__.replace("glassnet.", "")
        raise AttributeError(f"your code cannot change {module}.{name}: glassnet's own code "
                             "uses it too (give your version another name)")

    def __delattr__(self, name: str) -> None:
        self.__setattr__(name, None)

    def __dir__(self) -> list[str]:
        return dir(object.__getattribute__(self, "_module"))

    def __repr__(self) -> str:
        return repr(object.__getattribute__(self, "_module"))


# ---------------------------------------------------------------- NumPy stays NumPy

_GUARDED_ROOTS = {"numpy", "math", "functools", "itertools", "operator", "collections",
                  "typing", "dataclasses"}
_pristine: dict[str, tuple[Any, dict[str, Any]]] = {}
_MISSING = object()


def restore_modules() -> None:
    """Put every attribute of NumPy and the modules student code can import back as it was
    before any student code ran (a module seen for the first time is recorded as it is).

    Cheap (a fraction of a millisecond natively): a dictionary comparison per module.
    """
    for name, module in list(sys.modules.items()):
        if module is None or name.partition(".")[0] not in _GUARDED_ROOTS:
            continue
        saved = _pristine.get(name)
        if saved is None or saved[0] is not module:
            _pristine[name] = (module, dict(vars(module)))
            continue
        now, then = vars(module), saved[1]
        if len(now) == len(then) and all(now.get(k, _MISSING) is v for k, v in then.items()):
            continue
        for key in [k for k in now if k not in then]:
            if sys.modules.get(f"{name}.{key}") is now[key]:
                then[key] = now[key]  # a submodule imported since (NumPy loads some lazily)
            else:
                del now[key]
        now.update(then)


@contextmanager
def judging(budget: float | None = None) -> Iterator[None]:
    """A check: one time budget for all of it, and NumPy put back before it, after every
    student call in it and after it, so the reference and the comparisons use the real thing."""
    outer = _Clock.deadline is None
    if outer:
        _Clock.budget = budget if budget is not None else DEFAULT_BUDGET_S
        _Clock.deadline = _clock() + _Clock.budget
    was_judging, _Clock.judging = _Clock.judging, True
    restore_modules()
    try:
        yield
    finally:
        restore_modules()
        _Clock.judging = was_judging
        if outer:
            _Clock.deadline = None


# ---------------------------------------------------------------- source too deep to parse

_NESTING_KEYWORDS = {"not", "if", "else", "lambda", "await"}
_FLAT_OPERATORS = {",", ";", "=", ":", "->", "==", "!=", "<", ">", "<=", ">="}


def _too_deeply_nested(code: str) -> int | None:
    """The line where one statement nests more than MAX_NESTING operators and brackets inside
    one another (None: fine, or not tokenizable, which the parser then reports).

    Read with ``tokenize`` (no recursion): per open bracket, the operators since its last comma
    (a chain ``1 + 1 + ...`` is a tree as deep as it is long; a list of 3,000 numbers is flat).
    """
    parts = [0]  # per open bracket: operators in its current comma-separated part
    prev: tokenize.TokenInfo | None = None
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            kind, text = tok.type, tok.string
            if kind == tokenize.NEWLINE:
                parts, prev = [0], None
                continue
            if kind in (tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT):
                continue
            if kind == tokenize.OP and text in "([{":
                if prev is not None and (prev.string in ")]}" or prev.type in (
                        tokenize.NAME, tokenize.NUMBER, tokenize.STRING)):
                    parts[-1] += 1  # a call or subscript wraps what it follows
                parts.append(0)
            elif kind == tokenize.OP and text in ")]}":
                if len(parts) > 1:
                    parts.pop()
            elif kind == tokenize.OP and text == ",":
                parts[-1] = 0
            elif (kind == tokenize.OP and text not in _FLAT_OPERATORS) or \
                    (kind == tokenize.NAME and text in _NESTING_KEYWORDS):
                parts[-1] += 1
            if len(parts) + sum(parts) > MAX_NESTING:
                return tok.start[0]
            prev = tok
    except (tokenize.TokenError, SyntaxError):
        return None
    return None


def _guarded_import(name: str, globals: Any = None, locals: Any = None, fromlist: Any = (),
                    level: int = 0) -> Any:
    root = name.split(".")[0]
    if level or root not in ALLOWED_IMPORTS:
        raise ImportError(f"your code cannot import {name!r} here; NumPy is already there as np "
                          f"(allowed: {', '.join(sorted(ALLOWED_IMPORTS - {'__future__'}))})")
    module = builtins.__import__(name, globals, locals, fromlist, level)
    return _WINDOWS.get(module.__name__, module)  # `import numpy as np` gets the read-only np


_WINDOWS = {"numpy": ReadOnly(np), "math": ReadOnly(math)}


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
    deep = _too_deeply_nested(code)
    if deep is not None:
        raise StudentCodeError(
            f"this statement is too deeply nested for Python to read (more than {MAX_NESTING} "
            "operators or brackets inside one another)", line=deep,
            hint="Split it into several shorter statements.")
    try:
        tree = ast.parse(code, FILENAME)
        code_object = compile(ast.fix_missing_locations(_Ticker().visit(tree)), FILENAME, "exec")
    except SyntaxError as err:
        raise StudentCodeError(f"syntax error: {err.msg}", line=err.lineno,
                               hint="Python could not read this line: check brackets, colons "
                                    "and indentation.") from None
    except (RecursionError, MemoryError):  # a backstop: _too_deeply_nested refuses these first
        raise StudentCodeError("your code is too deeply nested for Python to read",
                               hint="Split long expressions into several statements.") from None
    namespace: dict[str, Any] = {"__builtins__": _builtins(), "__name__": "student",
                                 "np": _WINDOWS["numpy"], "numpy": _WINDOWS["numpy"],
                                 "math": _WINDOWS["math"],
                                 "__glassnet_tick__": _tick, "__glassnet_tick_iter__": _tick_iter}
    namespace.update({k: ReadOnly(v) if isinstance(v, type(np)) else v for k, v in context.items()})
    restore_modules()  # (the first call records NumPy as it is, before any student code)
    try:
        run_student(lambda: exec(code_object, namespace), "your code")
    finally:
        restore_modules()
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
        _Clock.deadline = _clock() + _Clock.budget
    try:
        return fn()
    except StudentCodeError as err:
        if err.line is None:
            err.line = student_line(err.__traceback__)
        raise
    except _TimeUp as err:
        raise StudentCodeError(
            f"your code ran for more than {_Clock.budget:g} s and was stopped (an endless loop, "
            "or a function that calls itself too often?)", line=student_line(err.__traceback__),
            hint="Look at the line shown: does its loop ever end, does its recursion stop?") \
            from None
    except RecursionError as err:
        raise StudentCodeError(f"{what} called itself without end (RecursionError)",
                               line=student_line(err.__traceback__)) from None
    except BaseException as err:  # SystemExit and KeyboardInterrupt too: their code raised it
        line = student_line(err.__traceback__)
        where = "" if line is not None else " (outside your code: check what it returned)"
        text = str(err)
        raise StudentCodeError(f"{what} raised {type(err).__name__}{': ' + text if text else ''}"
                               f"{where}", line=line) from None
    finally:
        if outer:
            _Clock.deadline = None
        if _Clock.judging:
            restore_modules()
