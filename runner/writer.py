"""A parsed request file written back as text, in httprun's one canonical style.

docs/FORMAT.md, "Canonical style (httprun fmt)", is the spec. Everything the parser reads is
written back, and the comments, blank-line runs and ``<>`` response links it keeps for this
(``Block.trivia``, ``Request.comments``, ``Request.url_breaks``), so that
``parse(write(tree))`` is ``tree`` again, spans aside. A style choice never changes what is sent
or checked: bodies are written as they were read, and a check whose respacing would read
differently keeps its own spacing.

Importers call :func:`format_text` on the text they generate, so every file httprun writes is
canonical.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterator
from typing import TypeAlias

from .errors import InternalError, ParseError
from .nodes import (
    Block,
    BodyInclude,
    Capture,
    Check,
    Directive,
    Header,
    HttpFile,
    Request,
    Trivia,
    TriviaKind,
    Variable,
)
from .parser import _collector_paused, parse_check_line, parse_text
from .source import Span

__all__ = ["format_text", "without_spans", "write"]

CONTINUATION_INDENT = "    "

Item: TypeAlias = Directive | Variable | Header | Check | Capture | Trivia


def format_text(text: str, path: str = "<text>") -> str:
    """The text of a request file in canonical style; a file that does not parse raises the
    parser's positioned :class:`~runner.errors.ParseError`.

    As black does, the result is read again and compared with the file, spans aside: a writer
    bug that would change what the file sends, checks or says is an :class:`InternalError`
    (exit 70), never a silently different file."""
    tree = parse_text(text, path)
    written = write(tree)
    try:
        again = parse_text(written, path)
    except ParseError as error:
        raise InternalError(error, Span.point(path, 1)) from None
    with _collector_paused():  # as the parser does: many small objects, no cycles
        same = without_spans(again.blocks) == without_spans(tree.blocks)
    if not same:
        raise InternalError(UnsafeRewrite(path), Span.point(path, 1))
    return written


class UnsafeRewrite(AssertionError):
    """The canonical text would read differently from the file (a bug in the writer)."""

    def __init__(self, path: str) -> None:
        super().__init__(f"the canonical text of '{path}' would read differently; not written")


def without_spans(node: object) -> object:
    """A node as nested tuples of its fields, the spans left out: what the file says, wherever
    it says it. Fields that ``==`` skips (comments, layout) are kept; ``Check.text``, the check
    line as written, is not (the writer respaces it; query, operator and value are kept)."""
    if isinstance(node, Span):
        return None
    if isinstance(node, tuple):
        return tuple(without_spans(item) for item in node)
    if isinstance(node, float):
        return ("float", repr(node))  # 1.0 == 1 in Python, not in a file
    names = _compared_fields(type(node))
    if names is None:
        return node.value if isinstance(node, enum.Enum) else node
    return type(node).__name__, tuple(without_spans(getattr(node, name)) for name in names)


_FIELDS: dict[type, tuple[str, ...] | None] = {}


def _compared_fields(kind: type) -> tuple[str, ...] | None:
    """The fields ``without_spans`` keeps of a node type (None: not a node); worked out once
    per type, since ``dataclasses.fields`` is slow."""
    if kind not in _FIELDS:
        _FIELDS[kind] = (
            tuple(
                field.name
                for field in dataclasses.fields(kind)
                if not field.name.startswith("_") and not (kind is Check and field.name == "text")
            )
            if dataclasses.is_dataclass(kind)
            else None
        )
    return _FIELDS[kind]


def write(http_file: HttpFile) -> str:
    """The file's text: its blocks, one blank line before each ``###``, ``\\n`` line endings,
    one final newline ("" for a file without blocks)."""
    text = "\n\n".join("\n".join(_block_lines(block)) for block in http_file.blocks)
    return text + "\n" if text else ""


def _block_lines(block: Block) -> Iterator[str]:
    if block.title is not None:
        yield f"### {block.title}" if block.title else "###"
    request = block.request
    split = request.span.line if request is not None else None
    before = [t for t in block.trivia if split is None or t.span.line < split]
    for item in _in_file_order(block.directives, block.variables, before):
        yield _item_line(item)
    if request is None:
        return
    yield from _request_lines(request)
    after = [t for t in block.trivia if t.span.line > request.span.line]
    if block.checks or block.captures or after:
        yield ""  # one blank line between the request and its checks
        for item in _in_file_order(block.checks, block.captures, after):
            yield _item_line(item)


def _in_file_order(*groups: tuple[Item, ...] | list[Item] | list[Trivia]) -> list[Item]:
    items: list[Item] = [item for group in groups for item in group]
    items.sort(key=lambda item: item.span.line)
    return items


def _request_lines(request: Request) -> Iterator[str]:
    pieces = _url_pieces(request.url.source, request.url_breaks)
    version = f" {request.http_version}" if request.http_version else ""
    yield f"{request.method} {pieces[0]}{version}"
    for piece in pieces[1:]:
        yield CONTINUATION_INDENT + piece
    for item in _in_file_order(request.headers, request.comments):
        yield _item_line(item)
    if request.body is not None:
        yield ""  # the blank line that ends the headers
        for part in request.body.parts:
            if isinstance(part, BodyInclude):
                yield f"<{'@' if part.interpolate else ''} {part.path.source}"
            else:
                # As read: trailing white space and "#" lines are body text here.
                yield from part.template.source.split("\n")


def _url_pieces(url: str, breaks: tuple[int, ...]) -> list[str]:
    """The URL cut where its continuation lines started."""
    starts = [0, *breaks]
    ends = [*breaks, len(url)]
    return [url[start:end] for start, end in zip(starts, ends, strict=True)]


def _item_line(item: Item) -> str:
    if isinstance(item, Trivia):
        return _trivia_line(item)
    if isinstance(item, Directive):
        return _directive_line(item)
    if isinstance(item, Variable):
        value = item.value.source
        return f"@{item.name} = {value}" if value else f"@{item.name} ="
    if isinstance(item, Header):
        value = item.value.source
        return f"{item.name}: {value}" if value else f"{item.name}:"
    if isinstance(item, Check):
        return _check_line(item)
    return f">> {item.name} = {item.query}"


def _trivia_line(trivia: Trivia) -> str:
    if trivia.kind is TriviaKind.COMMENT and trivia.text.startswith("###"):
        return " " + trivia.text  # at column 1 it would start a new block
    return trivia.text


def _directive_line(directive: Directive) -> str:
    value = directive.value
    if not value:
        return f"# @{directive.key}"
    if value.startswith("="):  # "# @key =x" would read as "x": "# @key = =x" keeps the "="
        return f"# @{directive.key} = {value}"
    return f"# @{directive.key} {value}"


def _check_line(check: Check) -> str:
    """``?? QUERY [not] OP VALUE`` with single blanks, unless that would read differently (the
    operator is found by scanning the line, and blanks make words like ``not`` operators):
    then the check keeps its own spacing."""
    as_written = f"?? {check.text}"
    if check.op is None:
        return as_written
    words = [check.query, *(["not"] if check.negated else []), check.op]
    if check.value is not None:
        words.append(_value_text(check))
    respaced = "?? " + " ".join(words)
    if respaced == as_written:
        return as_written
    try:
        reread = parse_check_line(respaced)
    except ParseError:
        return as_written
    return respaced if _same_check(reread, check) else as_written


def _value_text(check: Check) -> str:
    """The VALUE as written: it ends the line, and ``text`` starts where the query does."""
    assert check.value is not None
    return check.text[check.value.span.column - check.query_span.column :]


def _same_check(one: Check, other: Check) -> bool:
    def meaning(check: Check) -> tuple[str, str | None, bool, str | None]:
        value = _value_text(check) if check.value is not None else None
        return check.query, check.op, check.negated, value

    return meaning(one) == meaning(other)
