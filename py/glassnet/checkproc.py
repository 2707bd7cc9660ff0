"""``glassnet check`` natively: the check runs in a child process with a hard time limit.

Why a child: the ticks in student code (sandbox.py) stop loops, recursion and swallowed limits,
but not a loop inside one C call (``sum(range(10**13))``); and Ctrl-C must stay the user's (the
child ignores SIGINT, so a ``KeyboardInterrupt`` in it can only be the student's, while the
parent hears the user's Ctrl-C and ends the child). At the hard limit ``faulthandler`` writes
where the child was and ends it, so even then the message names the student's line.
"""

from __future__ import annotations

import faulthandler
import json
import os
import re
import signal
import subprocess
import sys
from typing import Any

MARKER = "\n<glassnet check report>\n"  # the report follows it; anything before is the code's output
_STUDENT_FRAME = re.compile(r'File "<your code>", line (\d+)')


def hard_limit(seconds: float) -> float:
    """The child's hard limit: the ticks' budget plus time for the check's own work."""
    return seconds + max(2.0, seconds / 2)


def run_check(code: str, exercise: str | None, piece: str | None, seconds: float) -> dict[str, Any]:
    """piececheck.check / exercises.check_exercise's report, computed in a child process."""
    request = json.dumps({"code": code, "exercise": exercise, "piece": piece, "seconds": seconds})
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = os.environ.get("PYTHONPATH")
    env = {**os.environ, "PYTHONPATH": root + (os.pathsep + path if path else "")}
    try:
        proc = subprocess.run([sys.executable, "-m", "glassnet.checkproc"], input=request,
                              capture_output=True, text=True, env=env, check=False,
                              timeout=hard_limit(seconds) + 30)
        out, err, code_ = proc.stdout, proc.stderr, proc.returncode
    except subprocess.TimeoutExpired as exc:  # faulthandler did not end it: a last resort
        out, err, code_ = "", _text(exc.stderr), None
    if MARKER in out:
        printed, _, report = out.rpartition(MARKER)
        sys.stdout.write(printed)  # what the student's code printed, as if it ran here
        return json.loads(report)
    sys.stdout.write(out)
    frames = _STUDENT_FRAME.findall(err)
    line = int(frames[0]) if frames else None  # most recent call first
    if code_ is None or err.lstrip().startswith("Timeout"):
        message = (f"your code ran for more than {seconds:g} s and was stopped (inside one long "
                   "NumPy or built-in call, or an endless loop?)")
        hint = "Look at the line shown: does it ask for far too much work?"
    else:
        last = next((t for t in reversed(err.strip().splitlines()) if t.strip()), "no message")
        message = f"the check stopped without a result (exit code {code_}): {last.strip()}"
        hint = "Look at the line shown, if any: did your code use up the memory?"
    return {"piece": piece or exercise, "ok": False, "verdict": "error", "max_error": None,
            "parts": [], "summary": message, "error": {"message": message, "line": line,
                                                       "hint": hint}}


def _text(data: Any) -> str:
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    return data or ""


def main() -> int:
    """The child: read the request on stdin, write the report after MARKER on stdout."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    request = json.load(sys.stdin)
    from . import exercises, piececheck, sandbox

    seconds = float(request["seconds"])
    sandbox.DEFAULT_BUDGET_S = seconds
    faulthandler.dump_traceback_later(hard_limit(seconds), exit=True)
    if request["piece"]:
        report = piececheck.check(request["piece"], request["code"])
    else:
        report = exercises.check_exercise(request["exercise"], request["code"])
    faulthandler.cancel_dump_traceback_later()
    sys.stdout.write(MARKER + json.dumps(report) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
