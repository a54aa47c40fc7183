"""``--watch``: run again whenever a request file or an env file changes.

Polling the files' modification times (twice a second) works the same on every OS and editor
(editors that save by renaming defeat some notification APIs) and costs nothing measurable.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from .errors import HttprunError
from .project import ProjectSettings
from .reading import MAX_TEXT_FILE, UnreadableFile, read_regular_file
from .targets import expand_targets

Snapshot = dict[Path, int | None]


def watched_paths(
    targets: Sequence[str],
    env_files: Sequence[str],
    settings: ProjectSettings | None = None,
    *,
    data: str | None = None,
) -> list[Path]:
    """The request files the targets stand for now (a directory's new files count), the files
    they import and their data files, ``data`` (``--data``), the env files and the
    ``.local.env`` files beside them."""
    paths = _with_files_they_use(Path(t.path) for t in expand_targets(list(targets), settings))
    if data is not None:
        paths.append(Path(data))
    for env in env_files:
        path = Path(env)
        paths.append(path)
        if path.suffix == ".env":
            paths.append(path.with_name(path.stem + ".local.env"))
    return paths


# ``# @import PATH`` and ``# @data PATH`` lines, wherever they are: a watch that looks at one
# file too many costs nothing, and this is read twice a second, so the files are not parsed.
_USES = re.compile(r"^[ \t]*(?:#|//)[ \t]*@(import|data)[ \t]+(.+?)[ \t]*$", re.MULTILINE)


def _with_files_they_use(request_files: Iterable[Path]) -> list[Path]:
    """``request_files``, and the files they import and read rows from, transitively."""
    found: list[Path] = []
    seen: set[Path] = set()
    pending = [(path, True) for path in request_files]
    while pending:
        path, scanned = pending.pop(0)
        if path in seen:
            continue
        seen.add(path)
        found.append(path)
        if not scanned:
            continue  # a data file: no imports in it, and it may be large
        try:
            # Regular files only: an imported FIFO would block here, twice a second.
            text = read_regular_file(path, limit=MAX_TEXT_FILE).decode("utf-8", "replace")
        except UnreadableFile:  # missing now: its snapshot says so
            continue
        for kind, written in _USES.findall(text):
            used = Path(os.path.normpath(path.parent / written.strip("\"'")))
            pending.append((used, kind == "import"))
    return found


def take_snapshot(paths: Sequence[Path]) -> Snapshot:
    snapshot: Snapshot = {}
    for path in paths:
        try:
            snapshot[path] = path.stat().st_mtime_ns
        except OSError:
            snapshot[path] = None  # missing now; its appearance is a change
    return snapshot


def wait_for_change(
    list_paths: Callable[[], list[Path]],
    before: Snapshot,
    stop: threading.Event,
    *,
    interval: float = 0.5,
) -> Snapshot | None:
    """Block until the files differ from ``before``; the new snapshot, or None once stopped."""
    while not stop.wait(interval):
        try:
            now = take_snapshot(list_paths())
        except (HttprunError, OSError):  # a target vanished mid-edit: look again next time
            continue
        if now != before:
            return now
    return None
