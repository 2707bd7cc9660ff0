"""The page-call contract as Markdown, written from ``PAGE_CALLS`` and each call's docstring.

Why generated: the hand-written contract drifted from the functions. docs/page-calls.md is this
text; ``python -m glassnet.webapi.contract > docs/page-calls.md`` rewrites it, and a test fails
when the file and the calls differ.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from . import PAGE_CALLS
from . import __doc__ as _package_doc

HEADER = ("# Page calls\n\nWritten by `python -m glassnet.webapi.contract` from "
          "`glassnet.webapi.PAGE_CALLS`; do not edit.\n")


def _rules() -> str:
    """The package docstring's paragraph on the rules every call keeps."""
    paragraphs = inspect.cleandoc(_package_doc or "").split("\n\n")
    return next(p for p in paragraphs if p.startswith("The rules")).replace("\n", " ")


def signature(fn: Callable[..., Any]) -> str:
    """``name(arg: type = default, ...) -> type`` with the annotations as written in the source."""
    params = []
    for p in inspect.signature(fn).parameters.values():
        text = ("**" if p.kind is p.VAR_KEYWORD else "") + p.name
        if p.annotation is not p.empty:
            text += f": {p.annotation}"
        if p.default is not p.empty:
            text += f" = {p.default!r}"
        params.append(text)
    returns = inspect.signature(fn).return_annotation
    return f"{fn.__name__}({', '.join(params)}) -> {returns}"


def contract() -> str:
    """The whole contract: the rules, then one entry per page call (signature, docstring)."""
    parts = [HEADER, _rules() + "\n"]
    for fn in PAGE_CALLS.values():
        doc = inspect.cleandoc(fn.__doc__ or "")
        parts.append(f"## `{signature(fn)}`\n\n{doc}\n")
    return "\n".join(parts)


if __name__ == "__main__":
    print(contract(), end="")
