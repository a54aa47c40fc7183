"""The env files of each project's settings (``[tool.httprun] env``), for documents when the
client names none: the names they define count as defined, their values are masked.

Read once per project and read again when its pyproject.toml or one of those env files changes
(their modification times and sizes are compared on each analysis: a few ``stat`` calls).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import HttprunError
from ..project import PYPROJECT, find_project_root, load_project_settings
from ..source import Span

Stamp = tuple[tuple[int, int] | None, ...]  # each file's modification time and size


@dataclass(frozen=True, slots=True)
class _Loaded:
    files: tuple[Path, ...]  # pyproject.toml, then the env files it names
    stamp: Stamp  # their modification times when read
    names: frozenset[str]
    values: dict[str, str]  # mask before showing
    spans: dict[str, Span]  # where each variable is set, for go to definition


class ProjectEnvironments:
    """The variable names each project's settings' env files define."""

    def __init__(self, learn: Callable[[str, str], None], problem: Callable[[str], None]) -> None:
        self._learn = learn  # a secret to mask from now on: (name, value)
        self._problem = problem  # a settings or env file problem, for the client's log
        self._loaded: dict[Path, _Loaded] = {}

    def names_for(self, document: Path) -> frozenset[str]:
        return self._for(document).names

    def variables_for(self, document: Path) -> tuple[dict[str, str], dict[str, Span]]:
        """The variables of the document's project env files, and where each is set."""
        loaded = self._for(document)
        return loaded.values, loaded.spans

    def _for(self, document: Path) -> _Loaded:
        root = find_project_root(document)
        loaded = self._loaded.get(root)
        if loaded is None or _stamp(loaded.files) != loaded.stamp:
            loaded = self._load(root)
            self._loaded[root] = loaded
        return loaded

    def clear(self) -> None:
        self._loaded.clear()

    def _load(self, root: Path) -> _Loaded:
        from ..env import load_env_files

        files: tuple[Path, ...] = (root / PYPROJECT,)
        try:
            settings = load_project_settings(root)
            # Watched even when missing: creating one is a change that reads them again.
            named = [root / written for written in settings.env or ()]
            files += tuple(_with_local_companions(named))
            environment = load_env_files(settings.env_files())
        except HttprunError as error:
            self._problem(f"cannot use the project settings of {root}: {error}")
            return _Loaded(files, _stamp(files), frozenset(), {}, {})
        for name, value in {**environment.settings, **environment.values}.items():
            self._learn(name, value)
        values = dict(environment.values)
        spans = {name: environment.spans[name] for name in values}
        return _Loaded(files, _stamp(files), frozenset(values), values, spans)


def _with_local_companions(env_files: Sequence[Path]) -> list[Path]:
    """The env files and the ``X.local.env`` beside each ``X.env`` (loaded too when there)."""
    from ..env import local_companion

    found: list[Path] = []
    for path in env_files:
        companion = local_companion(path)
        found += [path] if companion is None else [path, companion]
    return found


def _stamp(files: Sequence[Path]) -> Stamp:
    stamps: list[tuple[int, int] | None] = []
    for path in files:
        try:
            status = os.stat(path)
            stamps.append((status.st_mtime_ns, status.st_size))
        except (OSError, ValueError):
            stamps.append(None)  # missing now; its appearance is a change
    return tuple(stamps)
