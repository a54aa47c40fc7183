"""Write a report file whole or not at all.

A CI job that is killed mid-write, or a browser that reloads while the run finishes, must never
see half a report: the text goes to a temporary file in the same folder (so the rename stays on
one file system) and ``os.replace`` swaps it in, which is atomic on POSIX and Windows.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from ..errors import HttprunError, UsageError

# mkstemp creates files readable by their owner alone; a report is meant to be shared (CI
# artifacts, a browser, a colleague), so it gets the mode of an ordinary file. Secrets never
# reach a report in clear, which is what makes this safe.
_REPORT_MODE = 0o644


def write_atomically(
    path: Path,
    text: str,
    *,
    kind: str = "report",
    mode: int = _REPORT_MODE,
    failure: Callable[[OSError], HttprunError] | None = None,
) -> None:
    """Write ``text`` (UTF-8) to ``path``, creating its parent folders, with ``mode``.

    Raises :class:`UsageError` when the file cannot be written: the path came from the command
    line, so the fix is to choose another one (``failure`` makes the error for callers whose
    file is no report: ``httprun fmt`` rewrites the user's own file).
    """
    path = Path(path)
    temporary: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
        )
        # Text httprun made is valid Unicode, but a name it did not make (a file name with
        # undecodable bytes) may hold a lone surrogate: written as \udcff, which in a JSON
        # string is exactly its escape, rather than losing the report.
        with os.fdopen(
            handle, "w", encoding="utf-8", errors="backslashreplace", newline="\n"
        ) as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except OSError as error:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        if failure is not None:
            raise failure(error) from error
        reason = error.strerror or type(error).__name__
        raise UsageError(
            f"cannot write the {kind} to '{path}': {reason}",
            hint="choose a path in a folder you can write to",
        ) from error
    except BaseException:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        raise
