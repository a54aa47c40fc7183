"""The environments beside other dialects' request files, as httprun env values.

- JetBrains (and httpyac): ``http-client.env.json`` and ``http-client.private.env.json``,
  ``{"dev": {...}, "$shared": {...}}``;
- VS Code REST Client: ``"rest-client.environmentVariables"`` in ``.vscode/settings.json``
  (JSON with comments and trailing commas), ``$shared`` too.

``$shared`` is merged into each environment (the environment's own value wins); the private
file's values are secrets (``NAME.local.env``). A value that is a number or a boolean is
written as its JSON text; objects, arrays and null are reported. A ``{{name}}`` naming another
value of the same environment is replaced by that value (env files do not interpolate).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import EnvError
from ..reading import MAX_TEXT_FILE, UnreadableFile, read_regular_file
from ..source import Span, remember_source
from .braces import Rename
from .envfiles import EnvValue

JETBRAINS_PUBLIC = "http-client.env.json"
JETBRAINS_PRIVATE = "http-client.private.env.json"
VSCODE_SETTINGS = Path(".vscode") / "settings.json"
_REST_CLIENT_KEY = "rest-client.environmentVariables"
_SHARED = "$shared"
_REFERENCE = re.compile(r"\{\{\s*([^{}\s]+)\s*\}\}")


@dataclass
class Environments:
    """Env values by environment name, in the order met, and what needs a person."""

    values: dict[str, dict[str, EnvValue]] = field(default_factory=dict)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (where, what)
    origins: dict[str, list[str]] = field(default_factory=dict)  # env name: files, as shown

    def names(self) -> frozenset[str]:
        return frozenset(value.name for env in self.values.values() for value in env.values())

    def secrets(self) -> dict[str, str]:
        """Each secret value and the variable that holds it."""
        return {
            value.value: value.name
            for env in self.values.values()
            for value in env.values()
            if value.is_secret and value.value.strip()
        }


def env_sources(folder: Path, root: Path) -> list[Path]:
    """The environment files of ``folder`` and of its parents up to ``root``, nearest first."""
    names = (JETBRAINS_PUBLIC, JETBRAINS_PRIVATE, VSCODE_SETTINGS)
    return [
        current / name
        for current in _folders(folder, root)
        for name in names
        if (current / name).is_file()
    ]


def dotenv_files(folder: Path, root: Path) -> list[Path]:
    """httpyac's dotenv environments (``.env``, ``dev.env``, ``env/dev.env``) in ``folder`` and
    its parents up to ``root``: httprun reads them as they are, so they are only reported."""
    found: list[Path] = []
    for current in _folders(folder, root):
        for place in (current, current / "env"):
            if place.is_dir():
                found += sorted(
                    p for p in place.iterdir() if p.name.endswith(".env") and p.is_file()
                )
    return found


def _folders(folder: Path, root: Path) -> list[Path]:
    """``folder`` and its parents up to ``root`` (``folder`` alone when it is not below it)."""
    folders = [folder]
    while folders[-1] != root and root in folders[-1].parents:
        folders.append(folders[-1].parent)
    return folders


def read_environments(sources: Iterable[Path], rename: Rename) -> Environments:
    """Read every source (each once); the first value met for a name wins, a different value
    for it elsewhere is reported."""
    environments = Environments()
    for source in dict.fromkeys(sources):
        text = read_text(source)
        document = parse_json(
            source,
            text,
            comments=source.name == "settings.json",
            secret=source.name == JETBRAINS_PRIVATE,
        )
        if source.name == "settings.json":
            tables = document.get(_REST_CLIENT_KEY) if isinstance(document, dict) else None
            if tables is None:
                continue
            if not isinstance(tables, dict):
                environments.notes.append((shown(source), f"'{_REST_CLIENT_KEY}' is no object"))
                continue
        else:
            tables = document
        _Tables(environments, source, text, rename).add(tables)
    return environments


class _Tables:
    """The environments of one file, added to ``environments``."""

    def __init__(self, environments: Environments, source: Path, text: str, rename: Rename):
        self.environments = environments
        self.source = shown(source)
        self.secret = source.name == JETBRAINS_PRIVATE
        self.lines = text.split("\n")
        self.rename = rename

    def note(self, key: str, what: str) -> None:
        """A note at the first line that names ``key`` (the file's first line if none)."""
        quoted = json.dumps(key)
        line = next((n for n, text in enumerate(self.lines, 1) if quoted in text), 1)
        self.environments.notes.append((f"{self.source}:{line}", what))

    def add(self, tables: Any) -> None:
        if not isinstance(tables, dict):
            self.note("", 'expected an object of environments: {"dev": {...}, "$shared": {...}}')
            return
        shared = tables.get(_SHARED, {})
        names = [name for name in tables if name not in (_SHARED, "$schema")] or (
            ["shared"] if _SHARED in tables else []
        )
        for env_name in names:
            table = tables.get(env_name, {})
            if not isinstance(table, dict) or not isinstance(shared, dict):
                self.note(env_name, f"{env_name}: an environment is an object of name: value pairs")
                continue
            self.environments.origins.setdefault(env_name, []).append(self.source)
            merged = {**shared, **table}
            for key, raw in merged.items():
                self.add_value(env_name, key, raw, merged)

    def add_value(self, env_name: str, key: str, raw: Any, merged: dict[str, Any]) -> None:
        text = _text(raw)
        if text is None:
            self.note(
                key,
                f"{env_name}.{key}: {_kind(raw)} value, left out: env values are text; "
                "write the value it stands for",
            )
            return
        text = self.resolve(env_name, key, text, merged)
        value = EnvValue(self.rename(key), text, self.secret)
        env = self.environments.values.setdefault(env_name, {})
        known = env.get(key)
        if known is None or (self.secret and not known.secret):
            env[key] = value
        elif known.value != value.value:
            self.note(
                key,
                f"{env_name}.{key}: another file gives it another value; the first one's is "
                "kept: check which is right",
            )

    def resolve(self, env_name: str, key: str, text: str, merged: dict[str, Any]) -> str:
        """``{{name}}`` of another value of the same environment replaced by that value."""

        def replace(match: re.Match[str]) -> str:
            other = _text(merged.get(match.group(1)))
            if other is None or "{{" in other:
                self.note(
                    key,
                    f"{env_name}.{key}: {match.group(0)} is not a value of this environment: "
                    "write the value",
                )
                return match.group(0)
            return other

        return _REFERENCE.sub(replace, text)


def shown(path: Path) -> str:
    """``path`` relative to the current folder when it is below it (as the report shows it)."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    return None


def _kind(value: Any) -> str:
    if value is None:
        return "a null"
    return "a list" if isinstance(value, list) else "an object"


# ---- JSON, and JSON with comments (VS Code's settings) ----------------------------------------


def read_text(path: Path) -> str:
    try:
        return read_regular_file(path, limit=MAX_TEXT_FILE).decode("utf-8-sig")
    except UnreadableFile as error:
        raise EnvError(
            f"cannot read {path}: {error.reason}", hint=error.hint or "check the file"
        ) from None
    except UnicodeDecodeError:
        raise EnvError(f"{path} is not valid UTF-8", hint="save the file as UTF-8") from None


def read_json(path: Path, *, comments: bool, secret: bool = False) -> Any:
    """The JSON document at ``path``; an EnvError positioned at the fault when it is none
    (the lines it shows with every string value starred out when the file is ``secret``)."""
    return parse_json(path, read_text(path), comments=comments, secret=secret)


def parse_json(path: Path, text: str, *, comments: bool, secret: bool = False) -> Any:
    try:
        return json.loads(without_comments(text) if comments else text)
    except json.JSONDecodeError as error:
        remember_source(str(path), _starred(text) if secret else text)
        span = Span(str(path), error.lineno, error.colno, error.lineno, error.colno + 1)
        raise EnvError(
            f"invalid JSON in {path}: {error.msg}",
            span,
            label=error.msg,
            hint="fix the JSON (the file's own tool would refuse it too), then import again",
        ) from None
    except RecursionError:
        raise EnvError(f"{path} is nested too deeply", hint="flatten the file") from None


_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')


def _starred(text: str) -> str:
    """``text`` with every JSON string that is no key starred out, columns kept."""
    out = list(text)
    for match in _STRING.finditer(text):
        if not text[match.end() :].lstrip(" \t").startswith(":"):
            out[match.start() + 1 : match.end() - 1] = "*" * (match.end() - match.start() - 2)
    return "".join(out)


def without_comments(text: str) -> str:
    """JSONC as JSON: ``//`` and ``/* */`` comments and trailing commas become blanks, so
    every line and column stays where it was (errors point at the right place)."""
    out = list(text)
    position = 0
    last_comma: int | None = None
    while position < len(text):
        char = text[position]
        if char == '"':
            end = position + 1
            while end < len(text) and text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            position = end + 1
            last_comma = None
            continue
        if text.startswith("//", position):
            end = text.find("\n", position)
            end = len(text) if end < 0 else end
            out[position:end] = " " * (end - position)
            position = end
            continue
        if text.startswith("/*", position):
            end = text.find("*/", position + 2)
            end = len(text) if end < 0 else end + 2
            out[position:end] = [c if c == "\n" else " " for c in text[position:end]]
            position = end
            continue
        if char == ",":
            last_comma = position
        elif char in "}]" and last_comma is not None:
            out[last_comma] = " "
            last_comma = None
        elif not char.isspace():
            last_comma = None
        position += 1
    return "".join(out)
