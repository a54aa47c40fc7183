"""Glob patterns of request files (``files`` in ``[tool.httprun]``, the pytest plugin's
``httprun_files``): one set of rules for both.

A pattern without ``/`` matches a file name in any folder (like pytest's ``python_files``); one
with ``/`` matches the path relative to a base folder. ``*`` and ``?`` stay inside one folder,
``**`` spans any number of them, ``[abc]`` and ``[!abc]`` are character classes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Glob:
    """One pattern, compiled."""

    pattern: str
    anchored: bool  # has a '/': matched against the whole relative path, not the name
    regex: re.Pattern[str]

    def matches(self, relative: str) -> bool:
        """Whether the ``/``-separated path ``relative`` (to the base folder) matches."""
        text = relative if self.anchored else relative.rpartition("/")[2]
        return self.regex.fullmatch(text) is not None


def parse_glob(pattern: str) -> Glob:
    pattern = pattern.strip()
    while pattern.startswith("./"):
        pattern = pattern[2:]
    return Glob(pattern, "/" in pattern, re.compile(_glob_to_regex(pattern)))


def compile_glob(pattern: str, base: Path) -> Callable[[Path], bool]:
    """A matcher of paths for ``pattern``, relative to ``base``; an absolute pattern matches
    absolute paths."""
    glob = parse_glob(pattern)

    def matches(path: Path) -> bool:
        if not glob.anchored:
            return glob.matches(path.name)
        if Path(glob.pattern).is_absolute():
            return glob.regex.fullmatch(path.as_posix()) is not None
        try:
            relative = path.relative_to(base).as_posix()
        except ValueError:
            return False
        return glob.matches(relative)

    return matches


def _glob_to_regex(pattern: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**/", index):
            out.append("(?:[^/]*/)*")
            index += 3
            continue
        if pattern.startswith("**", index):
            out.append(".*")
            index += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[" and "]" in pattern[index + 2 :]:
            end = pattern.index("]", index + 2)
            body = pattern[index + 1 : end]
            negate = body.startswith("!")
            body = body[1:] if negate else body
            out.append("[" + ("^" if negate else "") + body.replace("\\", "\\\\") + "]")
            index = end + 1
            continue
        else:
            out.append(re.escape(char))
        index += 1
    return "".join(out)
