"""Every relative import between the page's modules names a file that exists: a module moved into
another layer folder (or an import written for its old place) fails here in milliseconds, not in a
browser test's page load. (ESLint checks the code, not where an import points.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.native

ROOT = Path(__file__).resolve().parents[2]
IMPORT = re.compile(r"""(?:\bimport\b|\bfrom\b)\s*\(?\s*['"](\.{1,2}/[^'"]+)['"]""")
# Made by the build next to the page, not in web/: Pyodide's files and the vendored libraries.
BUILT = ("pyodide/", "vendor/")


def test_every_relative_import_in_the_page_resolves() -> None:
    modules = [p for p in (ROOT / "web").rglob("*.js") if "node_modules" not in p.parts]
    assert len(modules) > 30
    missing = [f"{p.relative_to(ROOT)} imports {target}"
               for p in modules for target in IMPORT.findall(p.read_text(encoding="utf-8"))
               if not any(b in target for b in BUILT) and not (p.parent / target).resolve().is_file()]
    assert not missing, "\n".join(missing)
