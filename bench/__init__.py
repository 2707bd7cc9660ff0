"""`python build.py bench`: the benchmark, one module per job.

runner.py puts the contenders in order; native.py (glassnet natively), pytorch.py, in_pyodide.py
(glassnet in the page's worker, kernel and einsum), tfjs.py and readiness.py (page open to ready)
measure; inputs.py prepares the data and the staged site; cputime.py reads threads' CPU time;
report.py arranges and prints the numbers.
"""

from bench.report import KEYS, RATIOS, TARGETS
from bench.runner import main

__all__ = ["KEYS", "RATIOS", "TARGETS", "main"]
