"""Source positions and the text behind them.

Every node parsed from a file carries a :class:`Span`. The error renderer needs the line a span
points at; the parser registers each file's text here so rendering never re-reads the disk and
still works for text that never was a file (tests, ``parse_text``).

A file's text is split into lines once, on the first lookup, and kept: a file with thousands
of diagnostics must not be split again for each of them.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

_SOURCES: dict[str, str] = {}  # texts remembered and not looked up yet
_LINES: dict[str, list[str]] = {}  # texts looked up, split into lines once (on first use)

_SPLITTING = threading.Lock()
_LINE_ENDING = re.compile(r"\r\n?")


@dataclass(frozen=True, slots=True)
class Span:
    """A region of a source file. Lines and columns are 1-based; ``end_column`` is exclusive."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"

    @classmethod
    def point(cls, path: str, line: int, column: int = 1, width: int = 1) -> Span:
        return cls(path, line, column, line, column + width)


def normalize_newlines(text: str) -> str:
    """``\\r\\n`` and a lone ``\\r`` (old Mac files) as ``\\n``, as editors read them. Columns do
    not change: a line ending is never part of a line."""
    return _LINE_ENDING.sub("\n", text) if "\r" in text else text


_LINE_BREAK_BYTES = re.compile(rb"\r\n|\r|\n")
_BOM = b"\xef\xbb\xbf"


def invalid_utf8_at(data: bytes, error: UnicodeDecodeError) -> tuple[int, int, int]:
    """(line, column, offset) of the byte that ``error``, from decoding ``data`` as
    ``utf-8-sig``, stopped at. A leading byte order mark is no column of line 1 (the readers
    drop it); lines break at ``\r\n``, ``\r`` and ``\n``."""
    skipped = len(_BOM) if data.startswith(_BOM) else 0
    start = error.start + skipped  # the decoder counted from after the mark
    breaks = [match.end() for match in _LINE_BREAK_BYTES.finditer(data, 0, start)]
    line_start = max(breaks[-1] if breaks else 0, skipped)
    column = len(data[line_start:start].decode("utf-8", errors="replace")) + 1
    return len(breaks) + 1, column, start


def remember_source(path: str, text: str) -> None:
    """Keep ``text`` as the content of ``path`` for error rendering."""
    with _SPLITTING:
        _SOURCES[path] = text
        _LINES.pop(path, None)


def source_line(path: str, line: int) -> str | None:
    """The text of line ``line`` (1-based) of ``path`` without its line ending, if known."""
    lines = _source_lines(path)
    if lines is not None and 1 <= line <= len(lines):
        return lines[line - 1]
    return None


def source_lines(path: str) -> list[str] | None:
    """Every line of ``path`` without line endings, if known. The list is shared: do not
    change it. A new text for ``path`` gives a new list."""
    return _source_lines(path)


def _source_lines(path: str) -> list[str] | None:
    lines = _LINES.get(path)
    if lines is not None:
        return lines
    with _SPLITTING:  # files run in parallel (-j) render errors from several threads
        lines = _LINES.get(path)
        if lines is not None:
            return lines
        # The lines replace the text: a big file is kept once, not twice.
        text = _SOURCES.pop(path, None)
        if text is None:
            text = _read_source(path)
            if text is None:
                return None
        lines = _LINES[path] = split_lines(text)
        return lines


def split_lines(text: str) -> list[str]:
    """The lines of ``text`` without their endings. Lines break at ``\n`` only (str.splitlines
    would also break at ``\f``, ``\x85`` ...): request and env files have their line endings
    normalised when read, and ``<@`` files are sent as written, a lone ``\\r`` included."""
    return text.replace("\r\n", "\n").split("\n")


def _read_source(path: str) -> str | None:
    from .reading import MAX_TEXT_FILE, UnreadableFile, read_regular_file

    try:
        data = read_regular_file(path, limit=MAX_TEXT_FILE)
    except UnreadableFile:
        return None
    return data.decode("utf-8", errors="replace")
