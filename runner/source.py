"""Source positions and the text behind them.

Every node parsed from a file carries a :class:`Span`. The error renderer needs the line a span
points at; the parser registers each file's text here so rendering never re-reads the disk and
still works for text that never was a file (tests, ``parse_text``).
"""

from __future__ import annotations

from dataclasses import dataclass

_SOURCES: dict[str, str] = {}


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


def remember_source(path: str, text: str) -> None:
    """Keep ``text`` as the content of ``path`` for error rendering."""
    _SOURCES[path] = text


def source_line(path: str, line: int) -> str | None:
    """The text of line ``line`` (1-based) of ``path`` without its line ending, if known."""
    text = _SOURCES.get(path)
    if text is None:
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                text = handle.read()
        except (OSError, ValueError):  # ValueError: a NUL byte in the path
            return None
        _SOURCES[path] = text
    # Request files break lines at \n only (str.splitlines would also break at \f, \x85, ...).
    lines = text.split("\n")
    if 1 <= line <= len(lines):
        return lines[line - 1].removesuffix("\r")
    return None
