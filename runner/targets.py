"""Command-line targets: files, directories and ``FILE:LINE``, expanded to files in run order."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError

_LINE_SUFFIX = re.compile(r"^(?P<path>.+):(?P<line>[0-9]+)$")


@dataclass(frozen=True, slots=True)
class Target:
    """One request file, with the line of the request to run (None: the whole file)."""

    path: str
    line: int | None = None


def expand_targets(specs: list[str]) -> list[Target]:
    """Turn the command line's TARGET words into files, in the order given.

    A directory stands for its ``*.http`` files (recursively, sorted); ``FILE:LINE`` for the
    request that contains that line. A path that does not exist is a usage error.
    """
    targets: list[Target] = []
    for spec in specs:
        path, line = spec, None
        match = _LINE_SUFFIX.match(spec)
        if match is not None and not Path(spec).exists():
            path, line = match["path"], int(match["line"])
        candidate = Path(path)
        if candidate.is_dir():
            found = sorted(candidate.rglob("*.http"))
            if not found:
                raise UsageError(f"no .http files in directory '{path}'")
            targets.extend(Target(str(p)) for p in found)
        elif candidate.is_file():
            targets.append(Target(path, line))
        else:
            raise UsageError(
                f"no such file or directory: '{path}'",
                hint="give a .http file, a directory of them, or FILE:LINE",
            )
    return targets
