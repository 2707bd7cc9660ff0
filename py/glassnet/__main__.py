"""``python -m glassnet``.

One BLAS thread unless the user says otherwise: this package's products are small, and on a
machine with other work running, OpenBLAS's thread pool made an epoch ~90x slower (0.42 s with
one thread, 36 s with two, measured). Set OPENBLAS_NUM_THREADS to choose. This must happen
before NumPy is imported, which is why it lives here and not in the CLI module.
"""

import os
import sys

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")


def entry() -> None:
    """Ctrl-C at any moment (even while NumPy is still importing) is one line and exit 130."""
    try:
        from .cli import main

        code = main()
    except KeyboardInterrupt:
        print("glassnet: stopped by the user", file=sys.stderr)
        code = 130
    sys.exit(code)


if __name__ == "__main__":
    entry()
