"""Reading a Postman export: JSON values with their place, and errors that point at it.

A :class:`Node` is one value of the export and its path in it (``item[2].request.url``). Its
accessors check types as they read, so a value of the wrong type anywhere is a
:class:`~runner.errors.ParseError` at ``file:line:col`` of that value, never a traceback.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ParseError, UsageError
from ..masking import is_secret_name
from ..reading import MAX_TEXT_FILE, UnreadableFile, read_regular_file
from ..source import Span, normalize_newlines, remember_source

Step = str | int
_WHITESPACE = " \t\n\r"


@dataclass(frozen=True, slots=True)
class Document:
    path: str  # as the user named it
    text: str

    def error(self, steps: tuple[Step, ...], message: str, hint: str = "") -> ParseError:
        return ParseError(
            f"{json_path(steps)}: {message}" if steps else message,
            self.span(steps),
            hint=hint,
        )

    def span(self, steps: tuple[Step, ...]) -> Span:
        offset = locate(self.text, steps)
        line = self.text.count("\n", 0, offset) + 1
        column = offset - (self.text.rfind("\n", 0, offset) + 1) + 1
        return Span.point(self.path, line, column)


def read_document(path: Path) -> tuple[Document, Any]:
    """The export's text and its JSON value. A file that cannot be read is a usage error; text
    that is not JSON is a ParseError at the line and column where it stops being JSON."""
    try:  # a regular file only: a FIFO or /dev/zero never hangs the import
        data = read_regular_file(path, limit=MAX_TEXT_FILE)
    except UnreadableFile as error:
        raise UsageError(
            f"cannot read {path}: {error.reason}",
            hint=error.hint
            or "give the path of a Postman export (Collection v2.0/v2.1 or an environment)",
        ) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ParseError(
            f"{path} is not UTF-8 text", hint="Postman exports are UTF-8 JSON: export it again"
        ) from None
    document = Document(str(path), text)
    remember_source(document.path, display_text(text))
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise ParseError(
            f"{path} is not JSON: {error.msg}",
            Span.point(document.path, error.lineno, error.colno),
            hint="export it again from Postman (Export > Collection v2.1, or the environment's "
            "Export)",
        ) from None
    except RecursionError:
        raise ParseError(f"{path} is nested too deeply to be a Postman export") from None
    return document, with_newlines(value)


def with_newlines(value: Any) -> Any:
    """``value`` with every ``\\r\\n`` and lone ``\\r`` in its strings (keys too) as ``\\n``.

    A request file knows one line ending: the parser reads a ``\\r`` as the end of a line, so
    a ``\\r`` left in a header value or a URL would break the line it is written on. Done once
    here, every string the importer reads is in the request file's terms. Iterative: a deeply
    nested export must not exhaust the stack."""
    root = [value]
    pending: list[list[Any] | dict[str, Any]] = [root]
    while pending:
        container = pending.pop()
        if isinstance(container, list):
            for index, item in enumerate(container):
                container[index] = _with_newlines(item, pending)
        else:
            for key, item in list(container.items()):
                if "\r" in key:
                    del container[key]
                container[normalize_newlines(key)] = _with_newlines(item, pending)
    return root[0]


def _with_newlines(item: Any, pending: list[list[Any] | dict[str, Any]]) -> Any:
    """A string with one line ending; a list or object queued on ``pending`` for later."""
    if isinstance(item, str):
        return normalize_newlines(item)
    if isinstance(item, list | dict):
        pending.append(item)
    return item


_SMALL_OBJECT = re.compile(r"\{[^{}]*\}")


def display_text(text: str) -> str:
    """``text`` as an error may show its lines: the value of each ``{"key": NAME, "value":
    ...}`` entry (Postman's variables and auth attributes) whose NAME says secret, or whose
    ``type`` is ``secret``, replaced by as many ``*`` (columns stay where they were). Values
    under a secret-named key of their own are masked by the renderer already."""

    def masked(match: re.Match[str]) -> str:
        entry = match.group(0)
        try:
            value = json.loads(entry)
        except ValueError:
            return entry
        name, secret = value.get("key"), value.get("value")
        if not isinstance(name, str) or not isinstance(secret, str) or not secret.strip():
            return entry
        if not (is_secret_name(name) or value.get("type") == "secret" or name == "value"):
            return entry
        for form in {secret, json.dumps(secret)[1:-1]}:
            entry = entry.replace(form, "*" * len(form))
        return entry

    return _SMALL_OBJECT.sub(masked, text)


def json_path(steps: tuple[Step, ...]) -> str:
    out = ""
    for step in steps:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
    return out


def locate(text: str, steps: tuple[Step, ...]) -> int:
    """The offset of the value at ``steps`` in the JSON ``text`` (the deepest one found: a key
    that is absent points at its object). Runs only when there is an error to show."""
    decoder = json.JSONDecoder()
    position = _skip_blank(text, 0)
    for step in steps:
        found = _child(text, position, step, decoder)
        if found is None:
            return position
        position = found
    return position


def _skip_blank(text: str, position: int) -> int:
    while position < len(text) and text[position] in _WHITESPACE:
        position += 1
    return position


def _child(text: str, start: int, step: Step, decoder: json.JSONDecoder) -> int | None:
    """The offset of ``step``'s value in the object or array at ``start`` (the last one, as
    json.loads keeps the last of repeated keys)."""
    if start >= len(text) or text[start] not in "[{":
        return None
    is_object = text[start] == "{"
    position, index, found = _skip_blank(text, start + 1), 0, None
    while position < len(text) and text[position] not in "]}":
        key: Step = index
        if is_object:
            key, position = json.decoder.scanstring(text, position + 1)  # type: ignore[attr-defined]
            position = _skip_blank(text, position) + 1  # the ':'
            position = _skip_blank(text, position)
        if key == step:
            found = position
        try:
            _, position = decoder.raw_decode(text, position)
        except (ValueError, RecursionError):
            return found
        position = _skip_blank(text, position)
        if position < len(text) and text[position] == ",":
            position = _skip_blank(text, position + 1)
        index += 1
    return found


class Node:
    """One value of the export and where it is. Accessors return the child, checked: absent
    and ``null`` read as "not given"; a wrong type is a positioned ParseError."""

    def __init__(self, document: Document, value: Any, steps: tuple[Step, ...] = ()) -> None:
        self.document = document
        self.value = value
        self.steps = steps

    def error(self, message: str, hint: str = "") -> ParseError:
        return self.document.error(self.steps, message, hint)

    def child(self, key: Step) -> Node:
        value: Any = None
        if isinstance(key, str) and isinstance(self.value, dict):
            value = self.value.get(key)
        elif isinstance(key, int) and isinstance(self.value, list):
            value = self.value[key]
        return Node(self.document, value, (*self.steps, key))

    @property
    def given(self) -> bool:
        return self.value is not None

    def is_object(self) -> bool:
        return isinstance(self.value, dict)

    def object(self, key: str) -> Node | None:
        """The object at ``key``, or None when it is absent or null."""
        node = self.child(key)
        if not node.given:
            return None
        if not isinstance(node.value, dict):
            raise node.error(f"expected an object, found {_kind(node.value)}")
        return node

    def elements(self, key: str) -> list[Node]:
        """The elements of the list at ``key`` ([] when absent or null)."""
        node = self.child(key)
        if not node.given:
            return []
        if not isinstance(node.value, list):
            raise node.error(f"expected a list, found {_kind(node.value)}")
        return [node.child(index) for index in range(len(node.value))]

    def objects(self, key: str) -> list[Node]:
        """The list at ``key``, each element an object (null elements skipped)."""
        out = []
        for element in self.elements(key):
            if element.given and not isinstance(element.value, dict):
                raise element.error(f"expected an object, found {_kind(element.value)}")
            if element.given:
                out.append(element)
        return out

    def text(self, key: str, default: str = "") -> str:
        """The text at ``key``: a string, or a number or boolean as Postman would send it."""
        node = self.child(key)
        return node.as_text(default)

    def as_text(self, default: str = "") -> str:
        value = self.value
        if value is None:
            return default
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str):
            return value
        if isinstance(value, int | float):
            return json.dumps(value)
        raise self.error(f"expected a string, found {_kind(value)}")

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.child(key).value
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise self.child(key).error(f"expected true or false, found {_kind(value)}")


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    return "a number"
