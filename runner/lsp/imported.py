"""The files a document imports (``# @import``), as the server reads them: the text of the
editor's buffer when the file is open (saved or not), else the file on disk, parsed again only
when it changed. Like ``httprun check``, a file whose blocks do not all parse still provides
the names of those that do.

Each read leaves a *stamp* (the buffer's version, or the file's size and modification time):
an analysis whose imported files' stamps changed is worked out again (``Analysis.imports_current``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import HttprunError, ParseError
from ..nodes import HttpFile
from ..parser import parse_file_collecting

if TYPE_CHECKING:
    from .analysis import Analysis

#: What the features call each kind of imported definition (runner.imports.Definition.kind).
KIND_NAMES = {"variable": "file variable", "request": "request", "capture": "capture"}


@dataclass(frozen=True, slots=True)
class ParsedImport:
    """An imported file as read: the blocks that parse, the syntax errors of the others (or
    why it could not be read at all), and the stamp of the text read."""

    http_file: HttpFile
    errors: Sequence[ParseError]
    stamp: Hashable


class ImportedFiles:
    """Reads imported files for the analyses; ``open_analysis(key)`` is the analysis of the
    open document at the resolved path ``key``, if one is open."""

    def __init__(self, open_analysis: Callable[[Path], Analysis | None]) -> None:
        self._open_analysis = open_analysis
        self._disk: dict[Path, ParsedImport] = {}

    def read(self, key: Path, shown: str) -> ParsedImport:
        opened = self._open_analysis(key)
        if opened is not None:
            return ParsedImport(opened.http_file, opened.syntax_errors, _buffer_stamp(opened))
        stamp = disk_stamp(key)
        known = self._disk.get(key)
        if known is not None and known.stamp == stamp and known.http_file.path == shown:
            return known
        try:
            http_file, errors = parse_file_collecting(shown)
        except HttprunError as error:  # unreadable, not UTF-8: its importer says so
            http_file, errors = HttpFile(shown, ()), [_as_parse_error(error)]
        parsed = ParsedImport(http_file, errors, stamp)
        self._disk[key] = parsed
        return parsed

    def stamp(self, key: Path) -> Hashable:
        """The stamp the file at ``key`` would be read with now."""
        opened = self._open_analysis(key)
        return _buffer_stamp(opened) if opened is not None else disk_stamp(key)

    def forget(self, key: Path) -> None:
        self._disk.pop(key, None)


def _buffer_stamp(analysis: Analysis) -> Hashable:
    return ("buffer", analysis.text)  # the same string while the buffer does not change


def disk_stamp(key: Path) -> Hashable:
    try:
        status = os.stat(key)
    except OSError:
        return ("missing",)
    return ("disk", status.st_mtime_ns, status.st_size)


def _as_parse_error(error: HttprunError) -> ParseError:
    if isinstance(error, ParseError):
        return error
    return ParseError(error.message, error.span, label=error.label, hint=error.hint)


def shown_path(path: str, folder: str) -> str:
    """How the features name another file: relative to the document's ``folder`` (as its
    ``@import`` is written), else as it is."""
    if not folder or not os.path.isabs(path):
        return path
    try:
        return os.path.relpath(path, folder)
    except ValueError:  # another drive
        return path
