"""The project a request file belongs to, and its settings: ``[tool.httprun]`` in the project's
``pyproject.toml``.

The project is the folder ``< ./file`` includes must stay inside: the nearest folder at or above
the file's own with a ``pyproject.toml``, ``.git`` or ``envs/``. When that folder's
``pyproject.toml`` has a ``[tool.httprun]`` table, it gives the defaults that command-line
options override::

    [tool.httprun]
    env = ["envs/dev.env"]          # env files, relative to this folder
    timeout = "10s"                 # seconds, or a duration as '@timeout' takes it
    jobs = 4
    max_retries = 5
    files = ["requests/**/*.http"]  # which files a directory target stands for

Anything else in the table, or a value of the wrong type, is a :class:`SettingsError` at its
``pyproject.toml:LINE:COL`` (exit 3, as for a malformed env file).
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from .errors import Diagnostic, ParseError, SettingsError
from .globs import Glob, parse_glob
from .reading import MAX_TEXT_FILE, UnreadableFile, path_kind, read_regular_file, shown_path
from .source import Span, remember_source
from .toml_positions import Located, TableText

PYPROJECT = "pyproject.toml"
TABLE = ("tool", "httprun")
DEFAULT_FILES = ("**/*.http",)  # a directory stands for its *.http files, at any depth
_PROJECT_MARKERS = (PYPROJECT, ".git")


@dataclass(frozen=True, slots=True)
class Key:
    """What one key of ``[tool.httprun]`` takes, for messages."""

    takes: str
    example: str


KEYS: Mapping[str, Key] = {
    "env": Key("an array of env file paths", 'env = ["envs/dev.env"]'),
    "timeout": Key("seconds or a duration", 'timeout = 30 or timeout = "500ms"'),
    "jobs": Key("a whole number, at least 1", "jobs = 4"),
    "max_retries": Key("a whole number, at least 0", "max_retries = 3"),
    "files": Key("an array of glob patterns", 'files = ["requests/**/*.http"]'),
}

T = TypeVar("T")


def first_given(*values: T | None, default: T) -> T:
    """The first of ``values`` that is set (command line, then settings), else ``default``."""
    return next((value for value in values if value is not None), default)


# -- the project ---------------------------------------------------------------------------------


def find_project_root(http_file_path: Path) -> Path:
    """The nearest folder at or above the file's own with a ``pyproject.toml``, ``.git`` or
    ``envs/``; else the file's own folder."""
    try:
        start = http_file_path.resolve().parent
    except (OSError, RuntimeError, ValueError):  # a symlink loop, a NUL byte: reading will say
        start = http_file_path.absolute().parent
    return _project_root_from(start)


def project_root_of(path: Path) -> Path:
    """The project of a command-line target: a folder's own, else its file's."""
    if _exists(path, directory=True):
        return _project_root_from(path.resolve())
    return find_project_root(path)


def _project_root_from(start: Path) -> Path:
    for folder in (start, *start.parents):
        if any(_exists(folder / marker) for marker in _PROJECT_MARKERS):
            return folder
        if _exists(folder / "envs", directory=True):
            return folder
    return start


def _exists(path: Path, *, directory: bool = False) -> bool:
    """Whether ``path`` exists (and is a folder); a folder we may not look into has none."""
    try:
        return path.is_dir() if directory else path.exists()
    except (OSError, ValueError):
        return False


def shown_relative(path: Path) -> str:
    """``path`` for messages: relative to the current folder when inside it, else absolute."""
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except (ValueError, OSError):  # elsewhere; the current folder was deleted
        return str(path)


# -- the settings ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProjectSettings:
    """The ``[tool.httprun]`` table of one project; ``None`` where it sets nothing."""

    root: Path  # the project folder: paths in the table are relative to it
    source: str | None = None  # the pyproject.toml, as messages show it, when it has the table
    env: tuple[str, ...] | None = None  # as written
    env_spans: tuple[Span, ...] = ()  # where each of them is written
    timeout: float | None = None
    jobs: int | None = None
    max_retries: int | None = None
    files: tuple[str, ...] | None = None

    def env_files(self) -> tuple[Path, ...]:
        """The env files the table names (absolute); one that is not there is an error at
        its place in the table. Called only when no ``--env`` replaces them."""
        found = []
        for written, span in zip(self.env or (), self.env_spans, strict=True):
            path = self.root / written
            kind = path_kind(path)
            if kind is not None:
                what = "does not exist" if kind == "missing" else f"is {kind}, not an env file"
                raise SettingsError(
                    f"env file '{shown_path(written)}' {what}",
                    span,
                    label=f"looked for {shown_path(shown_relative(path))}",
                    hint="paths are relative to the folder of pyproject.toml; create the file, "
                    "correct the path, or pass --env FILE to use other files",
                )
            found.append(path)
        return tuple(found)

    def file_globs(self) -> tuple[Glob, ...]:
        """The patterns a directory target's files must match, relative to ``root``."""
        return tuple(parse_glob(pattern) for pattern in self.files or DEFAULT_FILES)

    def describe_files(self) -> str:
        """The ``files`` setting for messages: where it comes from and what it says."""
        if self.files is None:
            return "*.http"
        return f"files = {list(self.files)} of {self.source}"


def settings_for(path: Path) -> ProjectSettings:
    """The settings of the project ``path`` (a request file, or a folder) belongs to."""
    return load_project_settings(project_root_of(path))


def load_project_settings(root: Path) -> ProjectSettings:
    """Read ``root/pyproject.toml``'s ``[tool.httprun]``; no file or no table: no settings."""
    path = root / PYPROJECT
    if path_kind(path) == "missing":
        return ProjectSettings(root)
    shown = shown_relative(path)
    return read_project_settings(root, shown, _read_text(path, shown))


def read_project_settings(root: Path, shown: str, text: str) -> ProjectSettings:
    """The settings in ``text``, the pyproject.toml of ``root`` (shown in messages as
    ``shown``)."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        remember_source(shown, text)
        raise _syntax_error(error, shown, text) from None
    except RecursionError:  # tomllib reads nested arrays and tables recursively
        raise SettingsError(
            f"cannot read {shown_path(shown)}: its arrays or tables nest too deeply",
            hint="nest fewer levels; httprun reads its settings from this file",
        ) from None
    tool = document.get("tool")
    table = tool.get("httprun") if isinstance(tool, dict) else None
    if table is None:
        return ProjectSettings(root)
    remember_source(shown, text)  # errors show the line of the table they are about
    return _TableReader(root, shown, TableText(text, TABLE), table).read()


def _read_text(path: Path, shown: str) -> str:
    try:
        data = read_regular_file(path, limit=MAX_TEXT_FILE)
    except UnreadableFile as error:
        raise SettingsError(
            f"cannot read {shown_path(shown)}: {error.reason}",
            hint="httprun reads the project settings ([tool.httprun]) from it",
        ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise SettingsError(
            f"{shown_path(shown)} is not UTF-8 text", hint="TOML files must be UTF-8"
        ) from None


_TOML_PLACE = re.compile(
    r"\s*\(at (?:line (?P<line>\d+), column (?P<column>\d+)|end of document)\)$"
)


def _syntax_error(error: tomllib.TOMLDecodeError, shown: str, text: str) -> SettingsError:
    """tomllib's message, positioned: it ends with "(at line L, column C)"."""
    message = str(error)
    place = _TOML_PLACE.search(message)
    lines = text.split("\n")
    if place is not None and place["line"] is not None:
        span = Span.point(shown, int(place["line"]), int(place["column"]))
    else:  # at the end of the document
        span = Span.point(shown, len(lines), len(lines[-1]) + 1)
    reason = message[: place.start()] if place is not None else message
    return SettingsError(
        f"invalid TOML in {shown_path(shown)}: {reason[:1].lower()}{reason[1:]}",
        span,
        hint="fix the syntax (see https://toml.io); httprun reads its settings from this file",
    )


class _TableReader:
    """Checks and converts the values of one ``[tool.httprun]`` table."""

    def __init__(self, root: Path, shown: str, text: TableText, table: Any) -> None:
        self.root = root
        self.shown = shown
        self.text = text
        self.table = table

    def read(self) -> ProjectSettings:
        if not isinstance(self.table, dict):
            raise SettingsError(
                "tool.httprun must be a table",
                self._span(self.text.header()),
                hint="write the settings under a [tool.httprun] line",
            )
        for key in self.table:
            if key not in KEYS:
                raise self._unknown(key)
        readers: dict[str, Callable[[str, Any], Any]] = {
            "timeout": self._timeout,
            "jobs": self._count(1),
            "max_retries": self._count(0),
            "files": self._patterns,
        }
        values = {key: readers[key](key, self.table[key]) for key in readers if key in self.table}
        env, env_spans = self._env()
        return ProjectSettings(self.root, self.shown, env=env, env_spans=env_spans, **values)

    # -- one key each --

    def _env(self) -> tuple[tuple[str, ...] | None, tuple[Span, ...]]:
        if "env" not in self.table:
            return None, ()
        paths = self._strings("env", self.table["env"])
        items: list[Located | None] = list(self.text.items("env"))  # one scan for them all
        # An array written in a way the scan cannot follow: its value's place, for each.
        items += [self.text.value("env")] * (len(paths) - len(items))
        return paths, tuple(self._span(item) for item in items[: len(paths)])

    def _timeout(self, key: str, value: Any) -> float:
        # directives (and the parser's nodes) are imported only for a timeout to read: the
        # pytest plugin reads these settings in every session of the project.
        from .directives import MAX_DURATION, parse_duration

        span = self._span(self.text.value(key))
        if isinstance(value, str):
            try:
                seconds = parse_duration(value, span)
            except ParseError as error:
                raise SettingsError(
                    f"{key}: {error.message}", span, label=error.label, hint=error.hint
                ) from None
        elif isinstance(value, int | float) and not isinstance(value, bool):
            seconds = float(value)
            if not math.isfinite(seconds) or seconds > MAX_DURATION:
                raise SettingsError(
                    f"timeout {value} is out of range",
                    span,
                    label="at most a day (86400 seconds)",
                    hint="a timeout longer than a day is surely a typo",
                )
        else:
            raise self._wrong_type(key, value)
        if seconds <= 0:
            raise SettingsError("timeout must be longer than 0", span, hint=_usage(key))
        return seconds

    def _count(self, least: int) -> Callable[[str, Any], int]:
        def read(key: str, value: Any) -> int:
            if not isinstance(value, int) or isinstance(value, bool):
                raise self._wrong_type(key, value)
            if value < least:
                raise SettingsError(
                    f"{key} must be at least {least}, not {value}",
                    self._span(self.text.value(key)),
                    hint=_usage(key),
                )
            return value

        return read

    def _patterns(self, key: str, value: Any) -> tuple[str, ...]:
        patterns = self._strings(key, value)
        if not patterns:
            raise SettingsError(
                "files needs at least one pattern",
                self._span(self.text.value(key)),
                hint=f"{_usage(key)}; leave it out for every *.http file",
            )
        for index, pattern in enumerate(patterns):
            if pattern.startswith("/"):
                raise SettingsError(
                    f"files pattern '{shown_path(pattern)}' is absolute",
                    self._item_span(key, index),
                    hint="write patterns relative to the folder of pyproject.toml",
                )
        return patterns

    def _strings(self, key: str, value: Any) -> tuple[str, ...]:
        """An array of non-empty strings."""
        if not isinstance(value, list):
            raise self._wrong_type(key, value)
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                got = "an empty string" if isinstance(item, str) else _toml_type(item)
                raise SettingsError(
                    f"{key} must be {KEYS[key].takes}",
                    self._item_span(key, index),
                    label=f"item {index + 1} is {got}",
                    hint=f"write it like {KEYS[key].example}",
                )
        return tuple(item.strip() for item in value)

    # -- messages --

    def _unknown(self, key: str) -> SettingsError:
        from .directives import did_you_mean

        shown = key if len(key) <= 40 else key[:37] + "..."
        return SettingsError(
            f"unknown key '{shown_path(shown)}' in [tool.httprun]{did_you_mean(key, KEYS)}",
            self._span(self.text.key(key)),
            hint="the keys are " + ", ".join(KEYS),
        )

    def _wrong_type(self, key: str, value: Any) -> SettingsError:
        return SettingsError(
            f"{key} must be {KEYS[key].takes}, not {_toml_type(value)}",
            self._span(self.text.value(key)),
            hint=f"write it like {KEYS[key].example}",
        )

    def _item_span(self, key: str, index: int) -> Span:
        items = self.text.items(key)
        if index < len(items):
            return self._span(items[index])
        return self._span(self.text.value(key))

    def _span(self, located: Located | None) -> Span:
        """The span of ``located``, else the table's header, else the file's first line."""
        located = located or self.text.header()
        if located is None:
            return Span.point(self.shown, 1)
        return located.span(self.shown)


def _usage(key: str) -> str:
    return f"{key} takes {KEYS[key].takes}, e.g. {KEYS[key].example}"


def _toml_type(value: Any) -> str:
    """The TOML name of a value's type, for messages."""
    names: Sequence[tuple[type | tuple[type, ...], str]] = (
        (bool, "a boolean"),
        (int, "an integer"),
        (float, "a float"),
        (str, "a string"),
        (list, "an array"),
        (dict, "a table"),
    )
    for kind, name in names:
        if isinstance(value, kind):
            return name
    return "a date or time"


def settings_of_run(specs: Sequence[str]) -> tuple[ProjectSettings, list[Diagnostic]]:
    """The settings of one run of ``specs`` (command-line targets): those of the first
    target's project. A warning names each other project whose own ``[tool.httprun]`` is
    left unread (run their files in a command of their own)."""
    first = settings_for(Path(specs[0]) if specs else Path.cwd())
    warnings: list[Diagnostic] = []
    seen = {first.root}
    for spec in specs[1:]:
        root = project_root_of(Path(spec))
        if root in seen:
            continue
        seen.add(root)
        if _has_settings(root):
            used = first.source or "none"
            warnings.append(
                Diagnostic(
                    "warning",
                    f"[tool.httprun] of {shown_relative(root / PYPROJECT)} is not used: a run "
                    f"reads the settings of its first target's project ({used}); run each "
                    "project's files in a command of their own",
                )
            )
    return first, warnings


def _has_settings(root: Path) -> bool:
    try:
        return load_project_settings(root).source is not None
    except SettingsError:
        return True  # a table that does not even read is one too
