"""``--watch``: run again whenever a request file or an env file changes.

Polling the files' modification times (twice a second) works the same on every OS and editor
(editors that save by renaming defeat some notification APIs) and costs nothing measurable.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from .errors import HttprunError
from .project import ProjectSettings
from .targets import expand_targets

Snapshot = dict[Path, int | None]


def watched_paths(
    targets: Sequence[str], env_files: Sequence[str], settings: ProjectSettings | None = None
) -> list[Path]:
    """The request files the targets stand for now (a directory's new files count), the env
    files and the ``.local.env`` files beside them."""
    paths = [Path(t.path) for t in expand_targets(list(targets), settings)]
    for env in env_files:
        path = Path(env)
        paths.append(path)
        if path.suffix == ".env":
            paths.append(path.with_name(path.stem + ".local.env"))
    return paths


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
