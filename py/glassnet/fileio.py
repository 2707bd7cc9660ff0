"""Files a user names on the command line: reads bounded by bytes read, saves onto regular files.

Why: ``stat`` knows nothing about a pipe or a device (``--model /dev/zero`` has size 0 and never
ends), so every read counts the bytes it gets and stops one past its limit; and a save replaces
the target by renaming a temporary file onto it, which must never happen to a device node or a
pipe (as root, ``--save /dev/null`` would replace the real device).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable

from .errors import GlassnetError

CHUNK = 1 << 20


def read_bounded(path: str | os.PathLike, limit: int, too_big: Callable[[str], GlassnetError],
                 check_start: Callable[[bytes], None] | None = None, head: int = 4) -> bytes:
    """The bytes of ``path``, at most ``limit`` of them, whatever kind of file it is.

    ``too_big(amount)`` builds the error for a file over the limit (``amount`` in words: its size,
    or "over N bytes" for a stream). ``check_start`` sees the first ``head`` bytes (or all, if
    fewer) as soon as they arrive, so a stream of garbage is refused after one chunk. OSError
    propagates to the caller, which names the file.
    """
    with open(path, "rb") as f:
        info = os.fstat(f.fileno())
        if stat.S_ISREG(info.st_mode) and info.st_size > limit:  # refuse before reading at all
            raise too_big(f"{info.st_size:,} bytes")
        out = bytearray()
        checked = check_start is None
        while True:
            chunk = f.read(min(CHUNK, limit + 1 - len(out)))
            if not chunk:
                break
            out += chunk
            if not checked and len(out) >= head:
                check_start(bytes(out[:head]))
                checked = True
            if len(out) > limit:
                raise too_big(f"over {limit:,} bytes")
        if not checked and out:
            check_start(bytes(out))
    return bytes(out)


def refuse_non_regular(path: str | os.PathLike, bad: Callable[[str], GlassnetError]) -> None:
    """Raise ``bad(problem)`` when ``path`` exists and is not a regular file (following
    symlinks: a link to a device counts as the device), since a save renames onto it."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        if os.path.islink(path):
            raise bad("is a broken symbolic link, not a regular file") from None
        return
    except OSError:
        return  # (the save itself reports what is wrong)
    if stat.S_ISDIR(mode):
        raise bad("is a folder, not a model file name")
    if not stat.S_ISREG(mode):
        kind = ("a character device" if stat.S_ISCHR(mode) else "a block device" if
                stat.S_ISBLK(mode) else "a pipe" if stat.S_ISFIFO(mode) else "a socket" if
                stat.S_ISSOCK(mode) else "a special file")
        raise bad(f"exists and is {kind}, not a regular file; glassnet saves only onto "
                  "regular files")
