"""Environments: dotenv files (``--env``) layered into the values a run starts from.

The syntax is python-dotenv's, read with python-dotenv's own parser and expanded with its own
``${NAME}`` / ``${NAME:-default}`` rules, so a file means here what it means to every other tool
that reads it. What httprun adds: line numbers on malformed lines, layering of several files,
the ``NAME.local.env`` companion for secrets, and ``HTTPRUN_*`` keys kept apart as settings.
"""

from __future__ import annotations

import io
import os
import re
from collections import ChainMap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path

from dotenv.parser import Binding, parse_stream
from dotenv.variables import parse_variables

from .errors import Diagnostic, EnvError
from .reading import MAX_TEXT_FILE, UnreadableFile, read_regular_file, shown_path
from .source import Span, normalize_newlines, remember_source

SETTINGS_PREFIX = "HTTPRUN_"
# Every setting httprun reads outside the sandbox's own HTTPRUN_SANDBOX_* keys: a key not here
# is warned about (a module that reads a new setting adds it here).
KNOWN_SETTINGS = (
    "HTTPRUN_SANDBOX",
    "HTTPRUN_TOKEN_STORE",
    "HTTPRUN_MAX_INCLUDE",
    "HTTPRUN_MAX_BODY",
)
_SANDBOX_PREFIX = "HTTPRUN_SANDBOX_"
_LOCAL_SUFFIX = ".local.env"
# python-dotenv counts lines with this same pattern (dotenv.parser._newline).
_NEWLINE = re.compile(r"\r\n|\n|\r")


@dataclass(frozen=True, slots=True)
class Environment:
    """What the env files say: variables, tool settings, and the files they came from."""

    values: dict[str, str]
    settings: dict[str, str]  # keys starting with HTTPRUN_, as written
    sources: tuple[str, ...]  # the files actually loaded, in load order (for "looked in ...")
    # Where each setting was set (for warnings); not part of what the files say.
    setting_spans: dict[str, Span] = field(default_factory=dict, compare=False)
    # Where each key (variable or setting) was last set: the editor's "go to definition".
    spans: dict[str, Span] = field(default_factory=dict, compare=False)


def load_env_files(
    paths: Sequence[str | os.PathLike[str]], *, environ: Mapping[str, str] | None = None
) -> Environment:
    """Load ``paths`` in order, later files winning; each ``X.env`` is followed by its
    ``X.local.env`` when that exists (unless it is itself among ``paths``).

    ``${NAME}`` expands as python-dotenv's ``dotenv_values`` does: a key defined earlier (in this
    file or an earlier one) wins over the process environment (``environ``, default
    ``os.environ``); an unknown name expands to its ``:-default`` or to "".
    """
    given = [Path(path) for path in paths]
    explicit = {_identity(path) for path in given}
    loaded: dict[str, str] = {}
    spans: dict[str, Span] = {}
    # Keys loaded so far win over the process environment.
    lookup = ChainMap(loaded, dict(os.environ if environ is None else environ))
    sources: list[str] = []

    def load(path: Path) -> None:
        _load_one(path, loaded, lookup, spans)
        sources.append(str(path))

    for path in given:
        load(path)
        companion = local_companion(path)
        if companion is not None and companion.is_file() and _identity(companion) not in explicit:
            load(companion)
    values = {k: v for k, v in loaded.items() if not k.startswith(SETTINGS_PREFIX)}
    settings = {k: v for k, v in loaded.items() if k.startswith(SETTINGS_PREFIX)}
    setting_spans = {k: span for k, span in spans.items() if k.startswith(SETTINGS_PREFIX)}
    return Environment(values, settings, tuple(sources), setting_spans, spans)


def unknown_settings(
    environment: Environment, environ: Mapping[str, str] | None = None
) -> list[Diagnostic]:
    """A warning for each ``HTTPRUN_*`` key, in the env files (positioned there) or the process
    environment, that httprun does not know: a typo must not silently leave a default in place.
    """
    environ = os.environ if environ is None else environ
    found: list[Diagnostic] = []
    for key, span in environment.setting_spans.items():
        if not _known_setting(key):
            found.append(_unknown_setting(key, span, "in this env file"))
    for key in sorted(environ):
        if key.startswith(SETTINGS_PREFIX) and not _known_setting(key):
            found.append(_unknown_setting(key, None, "in the process environment"))
    return found


def _known_setting(key: str) -> bool:
    if key in KNOWN_SETTINGS:
        return True
    return key.startswith(_SANDBOX_PREFIX) and key in _sandbox_keys()


def _sandbox_keys() -> list[str]:
    from .sandbox.settings import PREFIX, SandboxSettings

    return [PREFIX + f.name.upper() for f in fields(SandboxSettings)]


def _unknown_setting(key: str, span: Span | None, where: str) -> Diagnostic:
    from .directives import did_you_mean

    known = [*KNOWN_SETTINGS, *(_sandbox_keys() if key.startswith(_SANDBOX_PREFIX) else [])]
    shown = key if len(key) <= 80 else key[:77] + "..."
    return Diagnostic(
        "warning",
        f"unknown setting '{shown}' {where}" + did_you_mean(key, known),
        span,
        hint=f"keys starting with {SETTINGS_PREFIX} are httprun settings, not variables: "
        + ", ".join([*KNOWN_SETTINGS, _SANDBOX_PREFIX + "*"]),
    )


def local_companion(path: Path) -> Path | None:
    """``envs/dev.env`` → ``envs/dev.local.env``; None for names without a ``STEM.env`` form."""
    name = path.name
    if not name.endswith(".env") or name == ".env" or name.endswith(_LOCAL_SUFFIX):
        return None
    return path.with_name(name[: -len(".env")] + _LOCAL_SUFFIX)


def _identity(path: Path) -> Path:
    # Two spellings of one file (./envs/x.env, envs/x.env) must count as the same file.
    return path.resolve()


def _load_one(
    path: Path, loaded: dict[str, str], lookup: Mapping[str, str], spans: dict[str, Span]
) -> None:
    display = str(path)
    text = _read_text(path)
    remember_source(display, text)
    for binding in parse_stream(io.StringIO(text)):
        if binding.key is None and not binding.error:
            continue  # blank lines and comments
        line, statement = _statement_line(binding)
        span = Span(display, line, 1, line, len(statement) + 1)
        if binding.error or binding.key is None:
            message, hint = _explain_malformed(statement)
            raise EnvError(f"malformed line in env file: {message}", span, hint=hint)
        if binding.value is None:
            raise EnvError(
                f"'{binding.key}' has no value",
                span,
                label="a name alone, without '='",
                hint=f"write {binding.key}=value (or {binding.key}= for an empty value)",
            )
        loaded[binding.key] = "".join(
            atom.resolve(lookup) for atom in parse_variables(binding.value)
        )
        spans[binding.key] = Span(display, line, 1, line, len(binding.key) + 1)


def _read_text(path: Path) -> str:
    """The file's text with its line endings normalised (``\\r`` alone ends a line, as
    python-dotenv reads it), so lines and columns match what the renderer shows."""
    try:
        data = read_regular_file(path, limit=MAX_TEXT_FILE)
    except UnreadableFile as error:
        if error.missing:
            raise EnvError(
                f"env file not found: {shown_path(path)}", hint="check the env file's path"
            ) from None
        raise EnvError(
            f"cannot read env file {shown_path(path)}: {error.reason}",
            hint=error.hint or "check the env file's path",
        ) from None
    try:
        return normalize_newlines(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        line = len(_NEWLINE.findall(data[: error.start].decode("utf-8"))) + 1
        raise EnvError(
            "env file is not UTF-8 text",
            Span.point(str(path), line),
            hint="save the file as UTF-8",
        ) from None


def _statement_line(binding: Binding) -> tuple[int, str]:
    """The line a binding's statement starts on and that line's text.

    python-dotenv's ``original.line`` is where the reader stood before skipping blank lines, so
    the blank lines it swallowed are counted here.
    """
    original = binding.original.string
    statement = original.lstrip()
    skipped = original[: len(original) - len(statement)]
    line = binding.original.line + len(_NEWLINE.findall(skipped))
    first = _NEWLINE.split(statement, maxsplit=1)[0]
    return line, first


def _explain_malformed(statement: str) -> tuple[str, str]:
    """What is wrong with a line python-dotenv could not read, and how to fix it."""
    if statement.startswith("="):
        return "there is no name before '='", "write NAME=value"
    name, equals, value = statement.partition("=")
    value = value.lstrip()
    if name.startswith(("'", '"')) and name.count(name[0]) < 2:
        return "the quoted name is never closed", "write NAME=value without quotes around NAME"
    if equals and value[:1] in ("'", '"'):
        quote = value[0]
        closing = re.search(rf"(?<!\\){quote}", value[1:])
        if closing is None:
            return (
                "the quoted value is never closed",
                f"end the value with {quote}, or remove the opening {quote}",
            )
        return (
            "there is text after the closing quote",
            "put the whole value inside the quotes; start a comment with ' #'",
        )
    return (
        "expected NAME=value",
        "write NAME=value; quote values that contain spaces or '#'",
    )
