"""Command-line targets: files, directories and ``FILE:LINE``, expanded to files in run order."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import UsageError
from .project import ProjectSettings, project_root_of
from .reading import path_kind, shown_path

if TYPE_CHECKING:
    from .datarows import DataRow

_LINE_SUFFIX = re.compile(r"^(?P<path>.+):(?P<line>[0-9]+)$")
_TARGET_HINT = "give a .http file, a directory of them, or FILE:LINE"


@dataclass(frozen=True, slots=True)
class Target:
    """One request file, with the line of the request to run (None: the whole file), and the
    data row it runs for (None: no ``@data``/``--data``)."""

    path: str
    line: int | None = None
    row: DataRow | None = None

    @property
    def title(self) -> str:
        """How the console and the reports name this run of the file."""
        return titled(self.path, self.row.label if self.row is not None else None)


def titled(path: str, row: str | None) -> str:
    """``requests/products.http [row 3]``: a file, and the data row it ran for."""
    return path if row is None else f"{path} [{row}]"


def expand_targets(specs: list[str], settings: ProjectSettings | None = None) -> list[Target]:
    """Turn the command line's TARGET words into files, in the order given.

    A directory stands for its ``*.http`` files (recursively, sorted), or those matching the
    ``files`` patterns of the run's project ``settings``; ``FILE:LINE`` for the request that
    contains that line. A path that does not exist, an empty word (an unset
    editor variable must not mean "everything here"), and anything but a regular file or a
    directory (a FIFO would block the run) are usage errors.
    """
    targets: list[Target] = []
    for spec in specs:
        if not spec.strip():
            raise UsageError(
                f"empty target {spec!r}",
                hint=f"{_TARGET_HINT}; to run every file here, write '.'",
            )
        path, line = spec, None
        match = _LINE_SUFFIX.match(spec)
        if match is not None and path_kind(spec) == "missing":
            if len(match["line"]) > 18:  # past any file; int() would refuse 4300 digits
                raise UsageError(
                    f"line {match['line'][:20]}… is not in '{shown_path(match['path'])}'",
                    hint=_TARGET_HINT,
                )
            path, line = match["path"], int(match["line"])
        kind = path_kind(path)
        if kind is None:
            targets.append(Target(path, line))
        elif kind == "a folder" and line is not None:  # running them all would ignore LINE
            raise UsageError(
                f"'{shown_path(spec)}': a line number picks a request in a file, "
                f"and '{shown_path(path)}' is a folder",
                hint="give FILE:LINE, or the folder alone to run all its files",
            )
        elif kind == "a folder":
            targets.extend(_directory_files(path, settings))
        elif kind == "missing":
            raise UsageError(f"no such file or directory: '{shown_path(path)}'", hint=_TARGET_HINT)
        else:
            raise UsageError(
                f"'{shown_path(path)}' is {kind}, not a request file", hint=_TARGET_HINT
            )
    return targets


def _directory_files(path: str, settings: ProjectSettings | None) -> list[Target]:
    """The files under ``path`` that the settings' ``files`` patterns match (by their path
    from the project folder); any other kind of file with a matching name is an error rather
    than a silent skip (a FIFO would block the run, and a skipped file looks run)."""
    if settings is None:
        settings = ProjectSettings(project_root_of(Path(path)))
    found: list[Target] = []
    for candidate in _matching(Path(path), settings):
        kind = path_kind(candidate)
        if kind == "a folder":
            continue  # its own files are found by the walk too
        if kind is not None:
            what = "a broken symbolic link" if kind == "missing" else kind
            raise UsageError(
                f"'{shown_path(candidate)}' in directory '{shown_path(path)}' is {what},"
                " not a request file",
                hint="remove it, or name the request files to run",
            )
        found.append(Target(str(candidate)))
    if not found:
        raise UsageError(
            f"no request files in directory '{shown_path(path)}' (looked for "
            f"{settings.describe_files()})",
            hint="name the request files to run, or change the files patterns",
        )
    return found


def _matching(folder: Path, settings: ProjectSettings) -> list[Path]:
    """Every entry under ``folder`` (symbolic links to folders not followed, as ``rglob``)
    whose path from the project folder matches a pattern, sorted. Names are matched as text
    first: a folder such as ``.venv`` holds thousands of files that are never made paths."""
    globs = settings.file_globs()
    try:
        prefix = os.path.relpath(folder.resolve(), settings.root).replace(os.sep, "/")
    except (OSError, RuntimeError, ValueError):  # a symlink loop, another drive
        prefix = folder.as_posix()
    prefix = "" if prefix == "." else prefix + "/"
    found: list[Path] = []
    for current, folders, files in os.walk(folder):
        inside = os.path.relpath(current, folder).replace(os.sep, "/")
        relative = prefix + ("" if inside == "." else inside + "/")
        for name in (*folders, *files):
            if any(glob.matches(relative + name) for glob in globs):
                found.append(Path(current, name))
    return sorted(found)
