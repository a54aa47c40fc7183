"""Where a key of one TOML table, or its value, is written: tomllib gives values, no positions,
and a settings error must point at ``pyproject.toml:LINE:COL``.

A small scanner over the text, enough for what people write in ``pyproject.toml``: the table's
``[a.b]`` header and its ``key = value`` lines, dotted keys (``a.b.key = ...`` at the top,
``b.key = ...`` under ``[a]``) and inline tables (``b = { key = ... }`` under ``[a]``). When a
key cannot be found (an exotic layout), callers fall back to the table's header, or line 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .source import Span, split_lines

_BARE_OR_QUOTED = r'(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|\'[^\']*\')'
_DOTTED = rf"{_BARE_OR_QUOTED}(?:\s*\.\s*{_BARE_OR_QUOTED})*"
_HEADER = re.compile(rf"^\s*\[\s*(?P<name>{_DOTTED})\s*\]")
_ASSIGNMENT = re.compile(rf"^\s*(?P<key>{_DOTTED})\s*=")
_PART = re.compile(_BARE_OR_QUOTED)


@dataclass(frozen=True, slots=True)
class Located:
    """A line (1-based) and the columns (0-based, end exclusive) of a piece of text on it."""

    line: int
    start: int
    end: int

    def span(self, path: str) -> Span:
        return Span(path, self.line, self.start + 1, self.line, self.end + 1)


class TableText:
    """The positions of the keys and values of the table ``table`` (e.g. ``tool.httprun``)."""

    def __init__(self, text: str, table: tuple[str, ...]) -> None:
        self.lines = split_lines(text)
        self.table = table

    def header(self) -> Located | None:
        """The ``[table]`` header, or the first line that defines something inside it."""
        for number, line in enumerate(self.lines, 1):
            match = _HEADER.match(line)
            if match is not None and _parts(match["name"]) == self.table:
                return Located(number, line.index("["), match.end())
        for number, table, match in self._assignments():
            if (*table, *_parts(match["key"]))[: len(self.table)] == self.table:
                return Located(number, match.start("key"), match.end("key"))
        return None

    def key(self, key: str) -> Located | None:
        """Where ``key`` of the table is written: its name, after any dotted prefix."""
        wanted = (*self.table, key)
        for number, table, match in self._assignments():
            parts = (*table, *_parts(match["key"]))
            if parts[: len(wanted)] == wanted and len(table) < len(wanted):
                return _last_part(number, match, len(parts) - len(wanted))
            if parts == self.table:  # an inline table: httprun = { env = [...] }
                inline = re.compile(rf"[{{,]\s*(\"?{re.escape(key)}\"?)\s*=")
                found = inline.search(self.lines[number - 1], match.end())
                if found is not None:
                    return Located(number, found.start(1), found.end(1))
        for number, line in enumerate(self.lines, 1):  # a sub-table: [tool.httprun.key]
            header = _HEADER.match(line)
            if header is not None and _parts(header["name"])[: len(wanted)] == wanted:
                return Located(number, header.start("name"), header.end("name"))
        return None

    def value(self, key: str) -> Located | None:
        """The first line of the value of ``key``, from its first character to the end of
        the line (a comment left out)."""
        where = self.key(key)
        if where is None:
            return None
        line = self.lines[where.line - 1]
        equals = line.find("=", where.end)
        if equals < 0:
            return None
        start = equals + 1 + (len(line[equals + 1 :]) - len(line[equals + 1 :].lstrip()))
        end = start + len(_without_comment(line[start:]).rstrip())
        return Located(where.line, start, max(end, start + 1))

    def items(self, key: str) -> list[Located]:
        """The items of the array value of ``key``, in order (over several lines); an item
        over several lines is located on its first."""
        where = self.key(key)
        if where is None:
            return []
        scan = _ArrayScan(self.lines)
        return scan.items(where.line, self.lines[where.line - 1].find("=", where.end) + 1)

    def _assignments(self) -> list[tuple[int, tuple[str, ...], re.Match[str]]]:
        """Every ``key = value`` line, with the table it is in."""
        table: tuple[str, ...] = ()
        found = []
        for number, line in enumerate(self.lines, 1):
            header = _HEADER.match(line)
            if header is not None and not line.lstrip().startswith("[["):
                table = _parts(header["name"])
                continue
            if line.lstrip().startswith("[["):
                table = ("[[array]]",)  # keys of an array of tables are not ours
                continue
            match = _ASSIGNMENT.match(line)
            if match is not None:
                found.append((number, table, match))
        return found


def _parts(dotted: str) -> tuple[str, ...]:
    return tuple(part.strip("\"'") for part in _PART.findall(dotted))


def _last_part(number: int, match: re.Match[str], deeper: int) -> Located:
    """The position of the key part that names the table's key (``env`` of ``httprun.env``),
    ``deeper`` parts before the end of the dotted key."""
    spans = [m.span() for m in _PART.finditer(match["key"])]
    start, end = spans[len(spans) - 1 - deeper]
    offset = match.start("key")
    return Located(number, offset + start, offset + end)


def _string_end(line: str, start: int) -> int:
    """The index after the string literal that starts at ``start`` (or the line's end)."""
    quote = line[start]
    index = start + 1
    while index < len(line):
        if line[index] == "\\" and quote == '"':
            index += 2
            continue
        if line[index] == quote:
            return index + 1
        index += 1
    return len(line)


def _without_comment(text: str) -> str:
    index = 0
    while index < len(text):
        if text[index] in "\"'":
            index = _string_end(text, index)
            continue
        if text[index] == "#":
            return text[:index]
        index += 1
    return text


class _ArrayScan:
    """Finds the items of one TOML array, from its ``[`` on."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.found: list[Located] = []
        self.start: tuple[int, int] | None = None  # where the current item begins
        self.end = 0  # where its text ends so far, on its first line

    def items(self, number: int, index: int) -> list[Located]:
        depth = 0
        while number <= len(self.lines):
            line = self.lines[number - 1]
            while index < len(line):
                char = line[index]
                if char == "#":
                    break
                if depth == 0 and not char.isspace() and char != "[":
                    return []  # not an array
                if char in "\"'":
                    self._item_text(number, index, _string_end(line, index), depth)
                    index = _string_end(line, index)
                    continue
                if char in "[{":
                    depth += 1
                    if depth == 2:
                        self._item_text(number, index, index + 1, depth - 1)
                elif char in "]}":
                    depth -= 1
                    if depth == 0:
                        self._close()
                        return self.found
                    self._item_text(number, index, index + 1, depth)
                elif char == "," and depth == 1:
                    self._close()
                elif not char.isspace():
                    self._item_text(number, index, index + 1, depth)
                index += 1
            number, index = number + 1, 0
        self._close()
        return self.found

    def _item_text(self, number: int, start: int, end: int, depth: int) -> None:
        """Text of an item at ``depth`` (1: the array's own items) from ``start`` to ``end``."""
        if depth < 1:
            return
        if self.start is None:
            self.start, self.end = (number, start), end
        elif self.start[0] == number:
            self.end = max(self.end, end)

    def _close(self) -> None:
        if self.start is not None:
            self.found.append(Located(self.start[0], self.start[1], self.end))
        self.start = None
