"""Reading the files a run is given: regular files only, and never more than a cap.

Opening a FIFO blocks until someone writes to it, and ``/dev/zero`` never ends, so every file
httprun reads (request files, env files, ``<`` and ``<@`` bodies, source lines for messages)
goes through :func:`read_regular_file`: opened without blocking, checked to be a regular file
on the open descriptor (so a rename between the check and the read changes nothing), and read
up to a size cap.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path

from .sizes import MB, format_size, size_setting

# Request and env files are text people write: far below this, whatever the bodies inside.
MAX_TEXT_FILE = 64 * MB
# What one '<' / '<@' body may hold unless HTTPRUN_MAX_INCLUDE says otherwise.
MAX_INCLUDE_DEFAULT = 100 * MB
INCLUDE_SETTING = "HTTPRUN_MAX_INCLUDE"

_CHUNK = 1 << 20

# Opened without O_NONBLOCK, a FIFO would block in open() until a writer appears.
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)  # Windows: no newline translation
)


class UnreadableFile(Exception):
    """Why a file cannot be read: ``reason`` reads after "cannot read X: "."""

    def __init__(
        self,
        reason: str,
        hint: str = "",
        *,
        missing: bool = False,
        kind: str | None = None,
        too_large: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.hint = hint
        self.missing = missing
        self.kind = kind  # what the file is when it is not a regular file: "a folder" ...
        self.too_large = too_large


def read_regular_file(path: str | os.PathLike[str], *, limit: int) -> bytes:
    """The bytes of ``path`` when it is a regular file of at most ``limit`` bytes.

    Raises :class:`UnreadableFile` otherwise (missing, a folder, a FIFO or device, too big).
    """
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
    except (OSError, ValueError) as error:  # ValueError: a NUL byte in the path
        missing = isinstance(error, FileNotFoundError)
        raise UnreadableFile(_os_reason(error), missing=missing) from None
    try:
        kind = special_kind(os.fstat(descriptor).st_mode)
        if kind is not None:
            raise UnreadableFile(
                f"it is {kind}, not a regular file", "only regular files are read", kind=kind
            )
        data = _read_at_most(descriptor, limit + 1)  # one byte more tells "too big" apart
    except OSError as error:
        raise UnreadableFile(_os_reason(error)) from None
    finally:
        os.close(descriptor)
    if len(data) > limit:
        raise UnreadableFile(f"it is larger than {format_size(limit)}", too_large=True)
    return data


def _read_at_most(descriptor: int, size: int) -> bytes:
    # In chunks: one read(size) would reserve the whole cap up front, for every small file.
    chunks: list[bytes] = []
    left = size
    while left > 0:
        chunk = os.read(descriptor, min(left, _CHUNK))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def special_kind(mode: int) -> str | None:
    """What a file that is not a regular file is ("a folder", "a named pipe (FIFO)" ...);
    None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


def path_kind(path: str | os.PathLike[str]) -> str | None:
    """``special_kind`` of what ``path`` names (after symlinks); "missing" when nothing does."""
    try:
        return special_kind(Path(path).stat().st_mode)
    except (OSError, ValueError):
        return "missing"


def shown_path(path: str | os.PathLike[str]) -> str:
    """``path`` for a message: control characters escaped (``\\x1b``), so a file name from a
    directory listing cannot send escape sequences to the terminal."""
    return "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in str(path)
    )


def max_include_size(settings: Mapping[str, str], environ: Mapping[str, str] | None = None) -> int:
    """The cap on one included body: ``HTTPRUN_MAX_INCLUDE``, else 100 MB."""
    return size_setting(INCLUDE_SETTING, MAX_INCLUDE_DEFAULT, settings, environ)


def _os_reason(error: Exception) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error)
