"""Data files (``# @data PATH``, ``--data PATH``): a CSV, JSON or JSON Lines file read into rows.

Only reading lives here; running a file once per row is the run's job. Every problem is a
:class:`DataError` at its ``file:line:col``, found before anything is sent. docs/FORMAT.md
("Data files") has the decisions: the format by the extension, blank lines skipped, JSON types
kept (CSV values are strings), and when a row is labelled by its ``name`` or ``id``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ParseError
from .jmes import json_type_with_article
from .jsonvalues import MAX_DEPTH, exceeds_depth, may_hold_surrogates, without_surrogates
from .masking import is_secret_name
from .reading import UnreadableFile, read_regular_file, shown_path
from .source import Span, invalid_utf8_at, normalize_newlines, remember_source

# A label longer than this would crowd every console line and report entry naming the row.
MAX_LABEL = 40
LABEL_FIELDS = ("name", "id")  # in this order: the first one that labels every row wins


@dataclass(frozen=True, slots=True)
class DataRow:
    number: int  # 1-based position among the rows (a CSV header is not a row)
    line: int  # line of the data file where the row starts
    values: Mapping[str, Any]  # CSV: str values; JSON/JSONL: JSON types kept
    label: str  # "row 3", or the row's `name`/`id` value


class DataError(ParseError):
    """A data file that cannot be read into rows (exit 3, like a request file that does not
    parse): nothing of the run is sent."""


# (line, values) of each row, in order, as a format's reader finds them.
_Rows = list[tuple[int, dict[str, Any]]]


def read_rows(path: Path, shown: str, *, limit: int) -> list[DataRow]:
    """Read the data file at ``path`` (``shown`` is how messages name it); ``limit`` is the
    most bytes read. Raises DataError for the first problem found."""
    try:
        reader = _reader_for(path, shown)
        data = _read_bytes(path, shown, limit)
    except DataError:
        remember_source(shown, "")  # nothing of the file was read: no line of it is shown
        raise
    # What points at a line of the file (an error here, a row's result later) shows the line
    # from here, not from the disk: with a CSV's secret columns masked.
    shown_text = normalize_newlines(data.decode("utf-8-sig", errors="replace"))
    remember_source(shown, _masked_csv(shown_text) if reader is _csv_rows else shown_text)
    found = reader(_decode(data, shown), shown)
    if not found:
        raise DataError(
            f"'{shown_path(shown)}' has no rows", Span.point(shown, 1), hint=_NO_ROWS[reader]
        )
    labels = _labels([values for _, values in found])
    return [
        DataRow(number, line, values, label)
        for number, ((line, values), label) in enumerate(zip(found, labels, strict=True), 1)
    ]


# ---- the file ----------------------------------------------------------------------------------


def _reader_for(path: Path, shown: str) -> Callable[[str, str], _Rows]:
    suffix = path.suffix.lower()
    reader = _READERS.get(suffix)
    if reader is None:
        raise DataError(
            f"cannot tell the format of '{shown_path(shown)}'",
            Span.point(shown, 1),
            hint="name a data file .csv (a header row, then one row per line), .json (an array "
            "of objects) or .jsonl / .ndjson (one object per line)",
        )
    return reader


def _read_bytes(path: Path, shown: str, limit: int) -> bytes:
    try:
        return read_regular_file(path, limit=limit)
    except UnreadableFile as error:
        hint = error.hint or (
            "split the rows over several files" if error.too_large else "check the data file's path"
        )
        raise DataError(
            f"cannot read data file '{shown_path(shown)}': {error.reason}",
            Span.point(shown, 1),
            hint=hint,
        ) from None


def _decode(data: bytes, shown: str) -> str:
    """The text of a data file, a byte order mark dropped (it is no column of line 1)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line, column, start = invalid_utf8_at(data, error)
        raise DataError(
            f"data file '{shown_path(shown)}' is not valid UTF-8",
            Span.point(shown, line, column),
            label=f"byte 0x{data[start]:02x} cannot start or continue a UTF-8 character",
            hint="save the file as UTF-8",
        ) from None


def _position(text: str, offset: int) -> tuple[int, int]:
    """(lines after the first, column) of ``offset`` in ``text``, lines broken as
    normalize_newlines breaks them (``\\r\\n``, ``\\r``, ``\\n``); columns count characters."""
    before = normalize_newlines(text[:offset])
    return before.count("\n"), len(before) - before.rfind("\n")


# ---- CSV -----------------------------------------------------------------------------------------


def _csv_rows(text: str, shown: str) -> _Rows:
    # newline="": a quoted field keeps its own line breaks, and a line ends at \r\n, \r or \n,
    # as normalize_newlines (and so the message's source line) counts lines.
    lines = list(io.StringIO(text, newline=""))
    # strict: an unclosed quote is an error, not the rest of the file read as one field.
    reader = csv.reader(lines, strict=True)
    header: list[str] | None = None
    header_line = 1
    rows: _Rows = []
    while True:
        start = reader.line_num + 1
        try:
            record = next(reader, None)
        except csv.Error as error:
            read = "".join(lines[start - 1 : reader.line_num])
            raise _csv_error(error, read, start, shown) from None
        if record is None:
            break
        if not record:
            continue  # a blank line
        if header is None:
            header, header_line = record, start
            _check_header(header, "".join(lines[start - 1 : reader.line_num]), start, shown)
        elif len(record) != len(header):
            raise DataError(
                f"row {len(rows) + 1} has {_fields(len(record))}; the header has {len(header)}",
                Span.point(shown, start),
                hint="give every row one value per column; quote a value that holds a comma "
                '("a, b")',
            )
        else:
            rows.append((start, dict(zip(header, record, strict=True))))
    if header is None:
        raise DataError(
            f"'{shown_path(shown)}' has no header row",
            Span.point(shown, 1),
            hint="write the column names on the first line, separated by commas",
        )
    if not rows:
        raise DataError(
            f"'{shown_path(shown)}' has no rows",
            Span.point(shown, header_line),
            hint="write one row per line under the header",
        )
    return rows


def _fields(count: int) -> str:
    return f"{count} field{'s' if count != 1 else ''}"


def _check_header(names: list[str], record: str, line: int, shown: str) -> None:
    starts = _field_starts(record)
    seen: dict[str, int] = {}
    for index, name in enumerate(names):
        lines_down, column = _position(record, starts[index])
        span = Span.point(shown, line + lines_down, column)
        if not name.strip():
            raise DataError(
                f"column {index + 1} of the header has no name",
                span,
                hint="name every column in the header row, or remove the empty column",
            )
        if name in seen:
            raise DataError(
                f"column '{shown_path(name)}' is named twice in the header",  # no terminal escapes
                span,
                label=f"column {seen[name] + 1} has this name too",
                hint="give each column its own name",
            )
        seen[name] = index


def _csv_error(error: csv.Error, record: str, line: int, shown: str) -> DataError:
    """A csv.Error positioned: an unclosed quote at the quote that opens its field (the
    reader only notices at the end of the file), any other at the line the reader was on."""
    if "unexpected end of data" in str(error):
        lines_down, column = _position(record, _field_starts(record)[-1])
        return DataError(
            "a quoted value is never closed",
            Span.point(shown, line + lines_down, column),
            label="the quote that opens it",
            hint='end the value with a double quote; write "" for a quote inside a quoted value',
        )
    last_line = line + _position(record, len(record.rstrip("\r\n")))[0]
    if "field larger than field limit" in str(error):
        return DataError(
            f"a value is longer than {csv.field_size_limit()} characters",
            Span.point(shown, last_line),
            hint="the csv module reads no longer value: use a .json or .jsonl data file",
        )
    return DataError(
        f"not valid CSV: {error}",
        Span.point(shown, last_line),
        hint='quote a value that holds a quote, comma or line break ("a ""b"", c"); nothing '
        "may follow the closing quote but a comma",
    )


# How the excel dialect reads a record, as much as finding where its fields start needs.
_START, _UNQUOTED, _QUOTED, _AFTER_QUOTE = range(4)


def _field_starts(record: str) -> list[int]:
    """The offset in ``record`` (one CSV record's text) where each of its fields starts."""
    starts = [0]
    state = _START
    for offset, char in enumerate(record):
        if state == _START:
            state = _QUOTED if char == '"' else _UNQUOTED
            if state == _QUOTED:
                continue
        elif state == _QUOTED:
            state = _AFTER_QUOTE if char == '"' else _QUOTED
            continue
        elif state == _AFTER_QUOTE:
            state = _QUOTED if char == '"' else _UNQUOTED  # "" is a quote inside the value
            if state == _QUOTED:
                continue
        if char == ",":
            starts.append(offset + 1)
            state = _START
    return starts


_BETWEEN_COMMAS = re.compile(r"[^,\n]+")


def _masked_csv(text: str) -> str:
    """``text`` as messages may show it: when the header line names a secret column
    (is_secret_name), every later line with what stands between its commas as ``****``. A
    line in error may not parse, and a quoted value may hold a comma or span lines, so the
    secret column's values are not told apart: everything is masked but the commas."""
    header_end = text.find("\n", len(text) - len(text.lstrip("\n")))
    if header_end < 0:
        return text
    try:
        names = next(csv.reader([text[:header_end].lstrip("\n")]), [])
    except csv.Error:
        names = []
    if not any(is_secret_name(name) for name in names):
        return text
    return text[:header_end] + _BETWEEN_COMMAS.sub("****", text[header_end:])


# ---- JSON and JSON Lines ----------------------------------------------------------------------

_JSON_SPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
_NOT_AN_ARRAY_HINT = "write a JSON array of objects, or use .jsonl for one object per line"
_JSON_HINT = 'a .json data file is one array of objects: [{"name": "a"}, {"name": "b"}]'
_JSONL_HINT = 'a .jsonl data file has one JSON object per line: {"name": "a"}'


def _json_rows(text: str, shown: str) -> _Rows:
    # No line break is part of a JSON value (a string escapes it): normalising them changes
    # no value and makes offsets count lines as the message's source line does.
    text = normalize_newlines(text)
    places = _Places(shown, text)
    offset = _skip_space(text, 0)
    if offset == len(text):
        return []
    if text[offset] != "[":
        raise DataError(
            f"'{shown_path(shown)}' holds {_kind_at(text, offset)}, not an array of objects",
            places.span(offset),
            hint=_NOT_AN_ARRAY_HINT,
        )
    rows: _Rows = []
    offset = _skip_space(text, offset + 1)
    # A row after each comma: "[{...},]" is no more JSON than "[,]".
    while rows or not text.startswith("]", offset):
        row, offset = _json_row(text, offset, len(rows) + 1, places, _JSON_HINT)
        rows.append(row)
        offset = _skip_space(text, offset)
        if text.startswith("]", offset):
            break
        if not text.startswith(",", offset):
            raise _json_syntax(places.span(offset), "expected ',' or ']' after a row", _JSON_HINT)
        offset = _skip_space(text, offset + 1)
    offset = _skip_space(text, offset + 1)
    if offset < len(text):
        raise _json_syntax(places.span(offset), "more text after the array", _JSON_HINT)
    return rows


def _jsonl_rows(text: str, shown: str) -> _Rows:
    rows: _Rows = []
    # Each line on its own: an object left open must not take the next line with it.
    for number, line in enumerate(normalize_newlines(text).split("\n"), 1):
        offset = _skip_space(line, 0)
        if offset == len(line):
            continue  # a blank line
        places = _Places(shown, line, number)
        row, end = _json_row(line, offset, len(rows) + 1, places, _JSONL_HINT)
        rows.append(row)
        end = _skip_space(line, end)
        if end < len(line):
            message = "more text after the object on this line"
            raise _json_syntax(places.span(end), message, _JSONL_HINT)
    return rows


def _json_row(
    text: str, offset: int, number: int, places: _Places, hint: str
) -> tuple[tuple[int, dict[str, Any]], int]:
    """The row (its line and object) whose JSON value starts at ``offset`` of ``text``, and
    the offset where the value ends."""
    span = places.span(offset)
    try:
        value, end = _DECODER.raw_decode(text, offset)
    except json.JSONDecodeError as error:
        message = error.msg[:1].lower() + error.msg[1:]  # "expecting value", as ours read
        raise _json_syntax(places.span(error.pos), message, hint) from None
    except RecursionError:  # json's parser recurses: deep enough nesting exhausts the stack
        raise _too_deep(number, span) from None
    written = text[offset:end]
    # Nesting needs as many opening brackets as levels: most rows are ruled out by counting.
    deep_enough = written.count("[") + written.count("{") > MAX_DEPTH
    if deep_enough and exceeds_depth(value, MAX_DEPTH):
        raise _too_deep(number, span)
    if not isinstance(value, dict):
        raise DataError(
            f"row {number} is {json_type_with_article(value)}, not an object",
            span,
            hint='write each row as a JSON object: {"name": "a", "price": 10}',
        )
    if any(not name.strip() for name in value):
        raise DataError(
            f"row {number} has a field with an empty name", span, hint="name every field of the row"
        )
    if may_hold_surrogates(written):
        value = without_surrogates(value)
    return (span.line, value), end


class _Places:
    """Spans of offsets in one text of a data file (its line breaks normalised to ``\n``),
    asked for in increasing order: each row asks for its line, so the lines are counted
    on from the last offset asked for, never from the start of a big file again."""

    def __init__(self, shown: str, text: str, first_line: int = 1) -> None:
        self._shown, self._text, self._first_line = shown, text, first_line
        self._offset, self._line, self._line_start = 0, first_line, 0

    def span(self, offset: int) -> Span:
        if offset < self._offset:  # asked out of order: count from the start again
            self._offset, self._line, self._line_start = 0, self._first_line, 0
        self._line += self._text.count("\n", self._offset, offset)
        last_break = self._text.rfind("\n", self._offset, offset)
        if last_break >= 0:
            self._line_start = last_break + 1
        self._offset = offset
        return Span.point(self._shown, self._line, offset - self._line_start + 1)


def _too_deep(number: int, span: Span) -> DataError:
    return DataError(
        f"row {number} nests deeper than {MAX_DEPTH} levels",
        span,
        hint="flatten the row: JSON nested this deep is not read",
    )


def _json_syntax(span: Span, message: str, hint: str) -> DataError:
    return DataError(f"not valid JSON: {message}", span, hint=hint)


def _skip_space(text: str, offset: int) -> int:
    match = _JSON_SPACE.match(text, offset)
    return match.end() if match is not None else offset


def _kind_at(text: str, offset: int) -> str:
    """What the JSON value starting at ``offset`` is, told by its first character (it need
    not be valid JSON for the message to help)."""
    first = text[offset]
    kinds = {"{": "an object", '"': "a string", "t": "a boolean", "f": "a boolean", "n": "null"}
    if first in "-0123456789":
        return "a number"
    return kinds.get(first, "no JSON value")


# ---- labels --------------------------------------------------------------------------------------


def _labels(rows: list[dict[str, Any]]) -> list[str]:
    """Each row's label: its ``name`` (else ``id``) when that field names every row
    unambiguously, on one short line; else ``row N``. Never a mix of both."""
    for field in LABEL_FIELDS:
        labels = [_label_text(values.get(field)) for values in rows]
        if all(labels) and len(set(labels)) == len(labels):
            return [label for label in labels if label]
    return [f"row {number}" for number in range(1, len(rows) + 1)]


def _label_text(value: Any) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    # isprintable: no line break, tab or control character, which would break a console line.
    if not text.strip() or len(text) > MAX_LABEL or not text.isprintable():
        return None
    return text


_READERS: dict[str, Callable[[str, str], _Rows]] = {
    ".csv": _csv_rows,
    ".json": _json_rows,
    ".jsonl": _jsonl_rows,
    ".ndjson": _jsonl_rows,
}
_NO_ROWS: dict[Callable[[str, str], _Rows], str] = {
    _csv_rows: "write one row per line under the header",
    _json_rows: 'write at least one object in the array: [{"name": "a"}]',
    _jsonl_rows: 'write one JSON object per line: {"name": "a"}',
}
