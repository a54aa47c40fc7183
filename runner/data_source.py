"""Which data rows a file runs for: ``--data PATH`` (which wins) or its ``# @data PATH``.

FORMAT.md "Data rows". ``@data`` is read like an include: relative to the request file, and
inside the project unless ``--allow-outside-files``. :mod:`runner.datarows` reads the rows.
"""

from __future__ import annotations

from pathlib import Path

from .datarows import DataError, DataRow, read_rows
from .imports import DATA, directive_file
from .nodes import Directive, HttpFile
from .options import RunOptions
from .reading import path_kind


def data_directive(http_file: HttpFile) -> Directive | None:
    """The file's ``@data`` (the last one of its first block), if any."""
    if not http_file.blocks:
        return None
    found = [d for d in http_file.blocks[0].directives if d.key == "data"]
    return found[-1] if found else None


def given_rows(options: RunOptions, limit: int) -> list[DataRow] | None:
    """The rows of ``--data`` (the same for every file of the run); None without it."""
    if options.data is None:
        return None
    return read_rows(Path(options.data), options.data, limit=limit)


def rows_for(http_file: HttpFile, options: RunOptions, limit: int) -> list[DataRow] | None:
    """The rows ``http_file`` runs for in a run with ``options``; None: it runs once.

    Raises :class:`~runner.datarows.DataError` (positioned in the data file, or at the
    ``@data`` line when the file cannot be used) before anything is sent."""
    if options.data is not None:
        return given_rows(options, limit)
    directive = data_directive(http_file)
    if directive is None:
        return None
    shown, resolved = directive_file(
        directive, http_file, options.allow_outside_files, DATA, DataError
    )
    if path_kind(resolved) == "missing":  # a name too long for the file system, too
        raise DataError(
            f"no such data file: '{shown}'",
            directive.span,
            label="paths are relative to the .http file",
            hint=f"looked for {resolved}",
        )
    return read_rows(resolved, shown, limit=limit)
