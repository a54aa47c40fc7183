"""Request files (.http) → :class:`~runner.nodes.HttpFile`. FORMAT.md is the spec.

``grammar.lark`` (LALR, contextual lexer) cuts the text into sections of whole lines: the
prelude of a block, its request (request line, headers, body) and its checks. This module reads
the lines of each section into the nodes of :mod:`runner.nodes`, every node with its exact span,
and turns every syntax error into one :class:`~runner.errors.ParseError` with a line, a column
and a fix.

Decisions where FORMAT.md is silent (written as a user of JetBrains' HTTP client or VS Code's
REST Client would expect them):

- A method is an upper-case token (``[A-Z][A-Z0-9_-]*``); a line without one is a GET of the
  whole line. ``get https://x`` is an error that suggests ``GET``.
- The HTTP version may be ``HTTP/1.1`` or ``HTTP/2`` (``HTTP/2.0`` is read as ``HTTP/2``); any
  other version is an error. A URL may not contain white space outside ``<<...>>``.
- Comment, directive, ``@name = value`` and request lines may be indented; ``###``, ``??``,
  ``>>``, headers and bodies' ``< file`` lines start at column 1 (an indented ``??`` inside a
  body is body text, and an error elsewhere).
- ``# @key = value`` means ``# @key value``. A directive after the request line, and a
  ``@name = value`` line after the checks, is an error that says where it belongs.
- Comment lines may stand between headers. Checks may follow the headers directly, without a
  blank line.
- A body keeps its leading blank lines (FORMAT.md: "everything after that blank line"); lines
  of white space only count as blank when trailing blank lines are dropped. ``#`` and ``//``
  lines inside a body are body text (``httprun check`` warns when a body ends with one).
- A block's title is the ``###`` line without its leading ``#`` characters, stripped: ``""``
  for a bare ``###``. The text before the first ``###`` is a block only when it has a line
  that is not blank.
- JetBrains' ``<> ./2024-01-01T120000.200.json`` response links are ignored.
  ``> {% ... %}``, ``< {% ... %}``, ``> ./handler.js``, ``< ./script.js`` (before the request
  line) and ``>> ./file`` (saving the response) are errors naming the httprun equivalent.
- Checks: ``not`` negates only right before the operator; a single ``=`` is an error that
  suggests ``==``. VALUE is read in this order: ``'...'`` → RAW, verbatim (``\\'`` is a quote;
  nothing is interpolated, so regular expressions stay as written); text containing ``<<`` →
  TEMPLATE; valid JSON → JSON (``NaN`` and ``Infinity`` are not JSON); text starting with
  ``"`` that is not valid JSON → error; anything else → TEMPLATE (compared as a string).
- Variable and capture names are identifiers (``[A-Za-z_][A-Za-z0-9_]*``), so that
  ``<<name>>`` can read them. ``@name =`` with nothing after it is the empty string.
- A syntax error ends its block only: :func:`parse_text_collecting` parses each ``###`` block
  on its own after one, so every block's first error is reported at once.
- Request lines of other protocols (``GRAPHQL``, ``GRPC``, ``WEBSOCKET``...) and httpyac's
  ``{{``...``}}`` JavaScript blocks are errors that say what to write instead
  (:mod:`runner.dialects`).
- A UTF-8 byte order mark at the start is dropped; ``\\r\\n``, a lone ``\\r`` (old Mac files) and
  ``\\n`` end a line alike and give the same tree.
"""

from __future__ import annotations

import bisect
import contextlib
import gc
import importlib.resources
import json
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedInput, VisitError

from .dialects import (
    OTHER_VARIABLE,
    is_script_open,
    other_request_line,
    other_variable,
    script_block,
    script_blocks,
)
from .errors import HttprunError, InvalidFile, ParseError
from .jsonvalues import MAX_DEPTH, TooDeep, decode_json
from .nodes import (
    Block,
    Body,
    BodyInclude,
    BodyPart,
    BodyText,
    Capture,
    Check,
    CheckValue,
    CheckValueKind,
    Directive,
    Header,
    HttpFile,
    Request,
    Template,
    TemplatePart,
    Text,
    Trivia,
    TriviaKind,
    Variable,
)
from .reading import MAX_TEXT_FILE, UnreadableFile, read_regular_file, shown_path
from .source import Span, invalid_utf8_at, normalize_newlines, remember_source, source_lines
from .template import parse_template

__all__ = [
    "decode_request_bytes",
    "names_of_broken_blocks",
    "parse_check_line",
    "parse_file",
    "parse_file_collecting",
    "parse_text",
    "parse_text_collecting",
    "read_request_bytes",
    "read_request_file",
]

# ---- The Lark parser, built once ---------------------------------------------------------------

_LARK: Lark | None = None


def _grammar_text() -> str:
    """``grammar.lark`` from the installed package, else from the repository root (editable
    installs do not copy it into the package)."""
    packaged = importlib.resources.files("runner") / "grammar.lark"
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    return (Path(__file__).parent.parent / "grammar.lark").read_text(encoding="utf-8")


def _lark() -> Lark:
    global _LARK
    if _LARK is None:
        _LARK = Lark(
            _grammar_text(),
            parser="lalr",
            lexer="contextual",
            propagate_positions=True,
            maybe_placeholders=False,
            cache=_grammar_cache_path() or False,
        )
    return _LARK


def _grammar_cache_path() -> str | None:
    """Where lark keeps the analysed grammar between runs (loading it takes 1 ms, building it
    about 30 ms, at every start of every run).

    Not lark's ``cache=True``: that loads a pickle from a predictable name in the shared
    temporary directory, which another local user could plant. This is the user's own cache
    folder, refused when it belongs to someone else. lark checks the grammar's hash stored in
    the file, so a changed grammar is analysed again, and a damaged file is ignored.
    """
    import sys

    if os.name == "nt":
        base = os.environ.get("LOCALAPPDATA") or os.path.expanduser("~")
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(base) / "httprun"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if hasattr(os, "getuid") and folder.stat().st_uid != os.getuid():
            return None
    except OSError:
        return None
    if not os.access(folder, os.W_OK):
        return None
    import lark

    version = f"{sys.version_info.major}{sys.version_info.minor}"
    return str(folder / f"grammar-lark{lark.__version__}-py{version}.cache")


# ---- Public functions --------------------------------------------------------------------------


def parse_file(path: str | os.PathLike[str]) -> HttpFile:
    """Read and parse a UTF-8 request file (a byte order mark is allowed).

    An unreadable file or invalid UTF-8 is a :class:`ParseError`; ``HttpFile.path`` is
    ``str(path)`` as given. Syntax errors are raised as :func:`parse_text` raises them.
    """
    return parse_text(read_request_file(path), str(path))


def parse_file_collecting(path: str | os.PathLike[str]) -> tuple[HttpFile, list[ParseError]]:
    """:func:`parse_file` that goes on after syntax errors, as :func:`parse_text_collecting`
    does (an unreadable file is still raised)."""
    return parse_text_collecting(read_request_file(path), str(path))


def read_request_file(path: str | os.PathLike[str]) -> str:
    """The text of a UTF-8 request file; an unreadable file or invalid UTF-8 is a
    :class:`ParseError`."""
    return decode_request_bytes(read_request_bytes(path), str(path))


def read_request_bytes(path: str | os.PathLike[str]) -> bytes:
    """The bytes of a request file; a file that cannot be read is a :class:`ParseError`."""
    try:
        return read_regular_file(path, limit=MAX_TEXT_FILE)
    except UnreadableFile as error:
        raise ParseError(
            f"cannot read request file '{shown_path(str(path))}': {error.reason}",
            hint=error.hint
            or "check the path; request files are given relative to the current directory",
        ) from None


def decode_request_bytes(data: bytes, name: str) -> str:
    """A request file's text (a byte order mark dropped); invalid UTF-8 is a positioned
    :class:`ParseError` in file ``name``."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        # Register what the file holds now before raising: the renderer would otherwise show
        # the line as it was when the file last parsed (``--watch`` re-parses changed files).
        remember_source(name, normalize_newlines(data.decode("utf-8-sig", errors="replace")))
        raise _not_utf8(name, data, error) from None


def parse_text(text: str, path: str = "<text>") -> HttpFile:
    """Parse the text of a request file; ``path`` is used in spans and error messages.

    Raises the file's syntax error; when several blocks have one, an :class:`InvalidFile`
    that holds them all (its message and span are the first one's).
    """
    http_file, errors = parse_text_collecting(text, path)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise InvalidFile([problem for error in errors for problem in error.diagnostics()])
    return http_file


def parse_text_collecting(text: str, path: str = "<text>") -> tuple[HttpFile, list[ParseError]]:
    """Parse the text of a request file, going on after syntax errors: the blocks that parse,
    and every syntax error, in the order of the file.

    A block stops at its first error; the reading starts again at the next ``###`` line, so a
    file has at most one error per block. The one place that recovers from errors:
    :func:`parse_text` and ``httprun check`` are built on it.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    text = normalize_newlines(text)
    if text and not text.endswith("\n"):
        text += "\n"  # every line of the grammar ends with one
    remember_source(path, text)
    with _collector_paused():
        try:
            return _parse_blocks(text, path), []
        except ParseError:
            pass
        return _parse_each_block(text, path)


def _parse_blocks(text: str, path: str, first_line: int = 1) -> HttpFile:
    """Parse ``text``, whose first line is line ``first_line`` of the file ``path``; raises
    the first ParseError."""
    shift = first_line - 1
    try:
        tree = _lark().parse(text)
    except UnexpectedInput as error:
        lines = text.split("\n")
        found = (
            _construct_of_request_line(error, path)
            or _script_block_around(error, path, lines)
            or _syntax_error(error, path, lines)
        )
        raise _moved_down(found, shift) from None
    if shift:
        for token in tree.scan_values(lambda value: isinstance(value, Token)):
            token.line = _line_of(token) + shift
            if token.end_line is not None:
                token.end_line += shift
    try:
        result = _FileBuilder(path).transform(tree)
    except VisitError as error:
        if isinstance(error.orig_exc, HttprunError):
            raise error.orig_exc from None
        raise
    assert isinstance(result, HttpFile)
    return result


_BLOCK_START = re.compile(r"^###", re.MULTILINE)  # where the grammar's SEPARATOR can start


def _parse_each_block(text: str, path: str) -> tuple[HttpFile, list[ParseError]]:
    """Parse the text before the first ``###`` line and each ``###`` block on its own, each
    at its own line numbers: the blocks that parse, and the error of each that does not."""
    starts = [0, *(match.start() for match in _BLOCK_START.finditer(text, 1))]
    blocks: list[Block] = []
    errors: list[ParseError] = []
    first_line = 1
    for start, end in zip(starts, [*starts[1:], len(text)], strict=True):
        piece = text[start:end]
        try:
            blocks.extend(_parse_blocks(piece, path, first_line).blocks)
        except ParseError as error:
            errors.append(error)
        first_line += piece.count("\n")
    return HttpFile(path, tuple(blocks)), errors


def _construct_of_request_line(error: UnexpectedInput, path: str) -> ParseError | None:
    """The error for another tool's construct on the request line of the block in which the
    syntax error is (``proto < file`` then ``GRPC ...``; ``run #name`` then a request): it
    says what is wrong, where what the lines after it look like does not."""
    # The tokens read so far, from lark's parser state (looked up defensively: an internal
    # that another lark version may not have only loses this better message).
    state = getattr(getattr(error, "interactive_parser", None), "parser_state", None)
    stack = getattr(state, "value_stack", None)
    if not isinstance(stack, list):
        return None
    for value in reversed(stack):  # last first
        if not isinstance(value, Token) or value.type == "SEPARATOR":
            return None  # the block begins before any request line
        if value.type == "REQUEST":
            return _other_tool_request_line(path, _line_of(value), value.split("\n", 1)[0])
    return None


def _other_tool_request_line(path: str, number: int, text: str) -> ParseError | None:
    """The error for a request line (``text``, line ``number``) that is another tool's
    construct: an httpyac JavaScript block's ``{{`` or a line :mod:`runner.dialects` knows."""
    content = text.rstrip(" \t")
    if is_script_open(content):
        return _script_block_error(path, number, content)
    start = len(content) - len(content.lstrip(" \t"))
    other = other_request_line(content[start:])
    if other is None:
        return None
    wording, width = other
    span = Span(path, number, start + 1, number, start + width + 1)
    return ParseError(wording.message, span, label=wording.label, hint=wording.hint)


def _script_block_around(error: UnexpectedInput, path: str, lines: list[str]) -> ParseError | None:
    """The error for the httpyac JavaScript block in which the syntax error is, if any: its
    lines are no httprun syntax, and saying so is more useful than what they look like."""
    line = error.line if isinstance(error.line, int) and error.line > 0 else len(lines)
    for start, end in script_blocks(lines):
        if start < line <= end + 1:
            return _script_block_error(path, start + 1, lines[start])
    return None


def _script_block_error(path: str, number: int, text: str) -> ParseError:
    wording = script_block()
    content = text.rstrip(" \t")
    indent = len(content) - len(content.lstrip(" \t"))
    span = Span(path, number, indent + 1, number, len(content) + 1)
    return ParseError(wording.message, span, label=wording.label, hint=wording.hint)


def names_of_broken_blocks(path: str, errors: Sequence[ParseError]) -> set[str]:
    """The names that the blocks with ``errors`` (from :func:`parse_text_collecting` of
    ``path``) would define: request names, file variables and captures, read line by line.
    ``httprun check`` does not call them undefined where the blocks that parse read them."""
    lines = source_lines(path) or []
    starts = [number for number, text in enumerate(lines, 1) if text.startswith("###")]
    names: set[str] = set()
    for error in errors:
        if error.span is None:
            continue
        after = bisect.bisect_right(starts, error.span.line)  # the blocks that start below
        first = starts[after - 1] if after else 1
        last = starts[after] - 1 if after < len(starts) else len(lines)
        for text in lines[first - 1 : last]:
            name = _name_defined_by(text.rstrip(" \t"))
            if name:
                names.add(name)
    return names


def _name_defined_by(line: str) -> str | None:
    directive = _DIRECTIVE.fullmatch(line)
    if directive is not None:
        return directive[2].strip(" \t=") if directive[1] == "name" else None
    variable = _VARIABLE.fullmatch(line)
    if variable is not None:
        return variable[2]
    capture = _SIMPLE_CAPTURE.fullmatch(line)
    return capture[1] if capture is not None else None


def _moved_down(error: ParseError, lines: int) -> ParseError:
    """``error`` with its span ``lines`` lines further down the file."""
    span = error.span
    if not lines or span is None:
        return error
    moved = Span(span.path, span.line + lines, span.column, span.end_line + lines, span.end_column)
    return ParseError(error.message, moved, label=error.label, hint=error.hint)


def parse_check_line(line: str, path: str = "<check>") -> Check:
    """One ``??`` line read alone, as a block would read it (the writer re-reads the checks it
    respaces with this, to be sure the new spacing means the same)."""
    return _read_check(_BlockReader(path, None, []), 1, line)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a file is parsed.

    Parsing allocates a few dozen small objects per line and frees none, which keeps
    triggering collections that each walk every object alive: for a 10,000-request file they
    took longer than the parsing itself. The syntax tree holds no reference cycles, so nothing
    is left for the collector to find afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _not_utf8(name: str, data: bytes, error: UnicodeDecodeError) -> ParseError:
    line, column, start = invalid_utf8_at(data, error)
    return ParseError(
        f"request file '{name}' is not valid UTF-8",
        Span(name, line, column, line, column + 1),
        label=f"byte 0x{data[start]:02x} cannot start or continue a UTF-8 character",
        hint="save the file as UTF-8",
    )


# ---- Syntax errors: lark's UnexpectedInput → ParseError, in this one place ---------------------

_LOOKS_LIKE_REQUEST = re.compile(
    r"[ \t]*(?:[A-Za-z]+[ \t]+)?[A-Za-z][A-Za-z0-9+.-]*://|[ \t]*[A-Z][A-Z0-9_-]*[ \t]+(?:<<|/)"
)
_LOOKS_LIKE_HEADER = re.compile(r"[ \t]*[!#$%&'*+.^_`|~0-9A-Za-z-]+[ \t]*:(?:[ \t]|$)")
_TO_NEXT_BLOCK = "start the next request with a '###' line"


def _syntax_error(error: UnexpectedInput, path: str, lines: list[str]) -> ParseError:
    """Word a Lark syntax error for people. The grammar accepts every line before a request
    line, so errors only happen after a request's headers or after its checks."""
    line_number = error.line if isinstance(error.line, int) and error.line > 0 else len(lines)
    text = lines[line_number - 1] if line_number <= len(lines) else ""
    indent = len(text) - len(text.lstrip(" \t"))
    width = max(1, len(text.rstrip()) - indent)
    span = Span(path, line_number, indent + 1, line_number, indent + 1 + width)
    expected = getattr(error, "expected", None) or getattr(error, "allowed", None) or set()

    def fail(message: str, label: str, hint: str) -> ParseError:
        return ParseError(message, span, label=label, hint=hint)

    if text.lstrip(" \t")[:2] in ("??", ">>"):
        return _indented_check(span, text.lstrip(" \t")[:2])
    if _LOOKS_LIKE_REQUEST.match(text):
        return fail(
            "a second request line in one block",
            "a block holds at most one request",
            _TO_NEXT_BLOCK,
        )
    if text.lstrip(" \t").startswith("@"):
        return fail(
            "file variable after the request line",
            "'@name = value' lines go before the request line",
            "move it above the request line, or below the next '###' line",
        )
    if "CHECKS" in expected:  # right after the request line or the headers
        if re.match(r"[ \t]+[?&]", text):
            return fail(
                "URL continuation line after a header",
                "lines that continue the URL come right after the request line",
                "move it up, under the request line and its other continuation lines",
            )
        if re.match(r"[ \t]+\S", text) and _LOOKS_LIKE_HEADER.match(text):
            return fail(
                "indented header line",
                "header lines start at column 1",
                "remove the white space before the header name",
            )
        if re.match(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+[ \t]+:", text):
            return fail(
                "white space before the ':' of a header",
                "expected 'Name: value'",
                "write the ':' right after the header name",
            )
        return fail(
            "expected a header 'Name: value' or a blank line",
            "not a header",
            "a blank line separates the headers from the body",
        )
    if _LOOKS_LIKE_HEADER.match(text):
        return fail(
            "header after the checks",
            "headers go right after the request line",
            "move it up, before the blank line that ends the headers",
        )
    return fail(
        "expected a '??' check, a '>> name = query' capture or a comment",
        "not allowed after the checks",
        "the body goes after the blank line that ends the headers, before the checks",
    )


def _indented_check(span: Span, marker: str) -> ParseError:
    what = "check" if marker == "??" else "capture"
    return ParseError(
        f"indented '{marker}' {what}",
        span,
        label=f"{what}s start at column 1",
        hint=f"remove the white space before '{marker}'",
    )


# ---- The tree → nodes --------------------------------------------------------------------------


class _FileBuilder(Transformer[Token, Any]):
    """Turns the three rules of the grammar into nodes; the lines are read by ``_BlockReader``."""

    def __init__(self, path: str) -> None:
        super().__init__(visit_tokens=False)
        self.path = path

    def start(self, children: list[Block | None]) -> HttpFile:
        return HttpFile(self.path, tuple(block for block in children if block is not None))

    def first_block(self, children: list[Token]) -> Block | None:
        return _BlockReader(self.path, None, children).read()

    def block(self, children: list[Token]) -> Block:
        block = _BlockReader(self.path, children[0], children[1:]).read()
        assert block is not None
        return block


_DIRECTIVE = re.compile(r"[ \t]*(?:#|//)[ \t]*@([A-Za-z][A-Za-z0-9_.-]*)(.*)")
# These run on lines without trailing blanks ("(.*?)[ \t]*" would backtrack quadratically).
_VARIABLE = re.compile(r"([ \t]*@)([A-Za-z_][A-Za-z0-9_]*)([ \t]*=[ \t]*)(.*)")
_METHOD = re.compile(r"[A-Z][A-Z0-9_-]*")
# A method and the blanks after it, when a URL follows.
_METHOD_AND_BLANKS = re.compile(r"([A-Z][A-Z0-9_-]*)[ \t]+(?=[^ \t])")
_VERSIONS = {"HTTP/1.1": "HTTP/1.1", "HTTP/2": "HTTP/2", "HTTP/2.0": "HTTP/2"}
_KNOWN_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT")
_INCLUDE = re.compile(r"<(@?)[ \t]+(.*)")
_SIMPLE_CAPTURE = re.compile(r">>[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*([^=\s].*)")
_CAPTURE = re.compile(r">>([ \t]*)([^ \t=]*)([ \t]*=[ \t]*)?(.*)")
_SPACE = re.compile(r"[ \t]")
_FILE_NAME = re.compile(r"[\w.-]+\.(?:json|txt|xml|html?|csv|log|bin|out)", re.IGNORECASE)
_URL_CONTINUATION = re.compile(r"([ \t]+)([?&].*)")

_SCRIPT_HINT = (
    "check responses with '?? QUERY OP VALUE' lines and keep values with '>> name = query'"
)
_VALUE_HINT = "values are JSON (200, \"text\", true, null, [1,2]), '...' raw strings or <<...>>"


class _BlockReader:
    """Reads the sections of one block, line by line, into a :class:`Block`."""

    def __init__(self, path: str, separator: Token | None, sections: list[Token]) -> None:
        self.path = path
        self.separator = separator
        self.sections = sections
        self.start_line = _line_of(separator) if separator is not None else 1
        self.directives: list[Directive] = []
        self.variables: list[Variable] = []
        self.checks: list[Check] = []
        self.captures: list[Capture] = []
        self.request: Request | None = None
        self.trivia: list[Trivia] = []  # for the writer: comments, blank runs, "<>" links
        self.blank_until = -1  # the last line of the latest run of blank lines
        # The block's span ends at its last line that is not blank.
        self.seen_text = separator is not None
        self.last_line = _line_of(separator) if separator is not None else 1
        self.last_column = len(separator.value.rstrip()) + 1 if separator is not None else 1

    # -- helpers --

    def span(self, line: int, start: int, end: int) -> Span:
        """A span on ``line`` from 0-based offsets ``start`` to ``end`` (exclusive)."""
        return Span(self.path, line, start + 1, line, (end if end > start else start) + 1)

    def line_span(self, line: int, text: str) -> Span:
        """The span of the line's text without its leading and trailing white space."""
        content = text.rstrip()
        start = len(content) - len(content.lstrip())
        return Span(self.path, line, start + 1, line, len(content) + 1)

    def fail(self, message: str, span: Span, label: str = "", hint: str = "") -> NoReturn:
        raise ParseError(message, span, label=label, hint=hint)

    # -- the block --

    def read(self) -> Block | None:
        title: str | None = None
        if self.separator is not None:
            title = self.separator.value[3:].rstrip("\n").lstrip("#").strip()
        for section in self.sections:
            kind, first = section.type, _line_of(section)
            lines = section.value.split("\n")
            lines.pop()  # the text after the section's last "\n"
            for index in range(len(lines) - 1, -1, -1):
                if lines[index].strip():
                    self.seen_text = True
                    self.last_line = first + index
                    self.last_column = len(lines[index].rstrip()) + 1
                    break
            if kind == "PRELUDE":
                self.read_prelude(first, lines)
            elif kind == "REQUEST":
                self.request = self.read_request(first, lines)
            else:
                self.read_checks(first, lines)
        if not self.seen_text:
            return None  # only blank lines before the first "###": no block
        span = Span(self.path, self.start_line, 1, self.last_line, self.last_column)
        return Block(
            title,
            tuple(self.directives),
            tuple(self.variables),
            self.request,
            tuple(self.checks),
            tuple(self.captures),
            span,
            self.inner_trivia(),
        )

    # -- trivia: what the writer needs beyond the meaning --

    def note(self, kind: TriviaKind, number: int, text: str) -> None:
        self.trivia.append(Trivia(kind, text.strip(), self.line_span(number, text)))

    def note_blank(self, number: int) -> None:
        """One Trivia per run of blank lines, on its first line."""
        if number != self.blank_until + 1:
            self.trivia.append(Trivia(TriviaKind.BLANK, "", Span(self.path, number, 1, number, 1)))
        self.blank_until = number

    def inner_trivia(self) -> tuple[Trivia, ...]:
        """The trivia without blank runs at the block's end (the writer puts one blank line
        before each ``###``) or at the start of the file."""
        trivia = self.trivia
        while trivia and trivia[-1].kind is TriviaKind.BLANK:
            if trivia[-1].span.line < self.last_line:
                break
            trivia.pop()
        if trivia and trivia[0].kind is TriviaKind.BLANK and trivia[0].span.line == 1:
            trivia.pop(0)  # only the first block can start at line 1
        return tuple(trivia)

    def read_prelude(self, first: int, lines: list[str]) -> None:
        for index, text in enumerate(lines):
            number = first + index
            head = text.lstrip(" \t")[:2]
            if not head:
                self.note_blank(number)
                continue
            if head[0] == "@":
                self.variables.append(self.read_variable(number, text))
            elif head[0] == "#" or head == "//":
                directive = self.read_directive(number, text)
                if directive is not None:
                    self.directives.append(directive)
                else:
                    self.note(TriviaKind.COMMENT, number, text)
            elif head in ("??", ">>"):
                what = "check" if head == "??" else "capture"
                request_follows = self.has_request_after(number)
                self.fail(
                    f"{what} before the request line"
                    if request_follows
                    else f"{what} in a block without a request",
                    self.line_span(number, text),
                    label=f"a '{head}' {what} belongs after the request it reads",
                    hint="move it below the request (after its headers and body)"
                    if request_follows
                    else "put a request line above it, in the same block",
                )
            elif text.startswith("<>"):
                self.note(TriviaKind.RESPONSE_LINK, number, text)  # ignored when running
            else:  # "<" or ">" lines
                self.script_line(number, text, before_request=True)

    def has_request_after(self, line: int) -> bool:
        return any(s.type == "REQUEST" and _line_of(s) > line for s in self.sections)

    def script_line(self, number: int, text: str, *, before_request: bool) -> NoReturn:
        span = self.line_span(number, text)
        rest = text[1:].strip()
        if rest.startswith("{%"):
            kind = "pre-request scripts" if text[0] == "<" else "response handlers"
            self.fail(
                f"JavaScript {kind} ('{text[0]} {{% ... %}}') are not supported by httprun",
                span,
                label="httprun runs no JavaScript",
                hint=_SCRIPT_HINT
                if text[0] == ">"
                else "compute values with '@name = value' lines and <<$dynamic>> values",
            )
        if text[0] == ">":
            self.fail(
                "response handler scripts ('> file') are not supported by httprun",
                span,
                label="httprun runs no JavaScript",
                hint=_SCRIPT_HINT,
            )
        if rest.endswith(".js"):
            self.fail(
                "pre-request script files ('< script.js') are not supported by httprun",
                span,
                label="httprun runs no JavaScript",
                hint="compute values with '@name = value' lines and <<$dynamic>> values",
            )
        where = "before the request line" if before_request else "after the checks"
        self.fail(
            f"body include {where}",
            span,
            label="'< file' lines belong to a request's body",
            hint="put it after the request's headers and the blank line that ends them",
        )

    def read_directive(self, number: int, text: str) -> Directive | None:
        match = _DIRECTIVE.fullmatch(text)
        if match is None:
            return None  # an ordinary comment
        value = match.group(2).strip()
        if value.startswith("="):
            value = value[1:].strip()
        return Directive(match.group(1), value, self.line_span(number, text))

    def read_variable(self, number: int, text: str) -> Variable:
        match = _VARIABLE.fullmatch(text.rstrip(" \t"))
        if match is None:
            self.bad_variable(number, text)
        indent, name, equals, value = match.groups()
        value_start = len(indent) + len(name) + len(equals)
        value_span = self.span(number, value_start, value_start + len(value))
        return Variable(name, parse_template(value, value_span), self.line_span(number, text))

    def bad_variable(self, number: int, text: str) -> NoReturn:
        at = text.index("@")
        name = re.match(r"[^ \t=]*", text[at + 1 :])
        name_text = name.group(0) if name else ""
        if not name_text:
            self.fail(
                "file variable without a name",
                self.span(number, at, at + 1),
                label="expected a name after '@'",
                hint="write '@name = value'",
            )
        name_span = self.span(number, at + 1, at + 1 + len(name_text))
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name_text) is None:
            self.fail(
                f"invalid variable name '{name_text}'",
                name_span,
                label="use letters, digits and '_', not starting with a digit",
                hint="write '@name = value'; <<name>> then reads it",
            )
        self.fail(
            f"expected '=' after '@{name_text}'",
            name_span,
            label="a file variable is '@name = value'",
            hint=f"write '@{name_text} = value'",
        )

    # -- the request --

    def read_request(self, first: int, lines: list[str]) -> Request:
        method, url, version = self.read_request_line(first, lines[0])
        url_breaks: list[int] = []
        index = 1
        while index < len(lines) and lines[index][:1] in (" ", "\t"):
            continuation = _URL_CONTINUATION.fullmatch(lines[index].rstrip(" \t"))
            if continuation is None:
                break
            if continuation[2].startswith("??"):
                raise _indented_check(self.line_span(first + index, lines[index]), "??")
            piece = self.url_template(first + index, continuation[2], continuation.start(2))
            url_breaks.append(len(url.source))
            url = _join(url, piece)
            index += 1
        headers: list[Header] = []
        comments: list[Trivia] = []
        while index < len(lines) and lines[index].strip():
            text = lines[index]
            head = text.lstrip(" \t")
            if head.startswith("#") or head.startswith("//"):
                directive = self.read_directive(first + index, text)
                if directive is not None:
                    self.fail(
                        f"directive '@{directive.key}' after the request line",
                        directive.span,
                        label="directives go before the request line",
                        hint="move it above the request line",
                    )
                comments.append(
                    Trivia(TriviaKind.COMMENT, head.strip(), self.line_span(first + index, text))
                )
            else:
                headers.append(self.read_header(first + index, text))
            index += 1
        body = self.read_body(first + index + 1, lines[index + 1 :]) if index < len(lines) else None
        return Request(
            method,
            url,
            version,
            tuple(headers),
            body,
            self.line_span(first, lines[0]),
            tuple(url_breaks),
            tuple(comments),
        )

    def read_request_line(self, number: int, text: str) -> tuple[str, Template, str | None]:
        content = text.rstrip(" \t")
        url_start = len(content) - len(content.lstrip(" \t"))
        other_tool = _other_tool_request_line(self.path, number, content)
        if other_tool is not None:
            raise other_tool
        method_match = _METHOD_AND_BLANKS.match(content, url_start)
        method: str | None = None
        if method_match is not None:
            method, url_start = method_match.group(1), method_match.end()
        url_text, written = content[url_start:], None
        last_blank = max(url_text.rfind(" "), url_text.rfind("\t"))
        if last_blank >= 0 and url_text.startswith("HTTP/", last_blank + 1):
            written = url_text[last_blank + 1 :]
            written_start = url_start + last_blank + 1
            url_text = url_text[:last_blank].rstrip(" \t")
        if method is None:
            first_word = url_text.split(None, 1)[0] if url_text.strip() else url_text
            if first_word.upper() in _KNOWN_METHODS and first_word != url_text:
                self.fail(
                    f"method '{first_word}' is not upper case",
                    self.span(number, url_start, url_start + len(first_word)),
                    label="methods are upper case",
                    hint=f"write '{first_word.upper()}'",
                )
            if _METHOD.fullmatch(url_text):
                self.fail(
                    f"'{url_text}' without a URL",
                    self.span(number, url_start, url_start + len(url_text)),
                    label="expected 'METHOD URL'",
                    hint=f"write '{url_text} https://host/path'",
                )
            if _LOOKS_LIKE_HEADER.match(url_text):
                self.fail(
                    "expected a request line before the headers",
                    self.line_span(number, text),
                    label="this looks like a header, but no request line comes before it",
                    hint="start the request with 'METHOD URL', e.g. 'GET https://host/path'",
                )
            method = "GET"
        version: str | None = None
        if written is not None:
            version = _VERSIONS.get(written)
            if version is None:
                self.fail(
                    f"unsupported HTTP version '{written}'",
                    self.span(number, written_start, written_start + len(written)),
                    label="expected HTTP/1.1 or HTTP/2",
                    hint="write HTTP/1.1 or HTTP/2, or leave the version out",
                )
        return method, self.url_template(number, url_text, url_start), version

    def url_template(self, number: int, text: str, start: int) -> Template:
        template = parse_template(
            text, Span(self.path, number, start + 1, number, start + len(text) + 1)
        )
        if _SPACE.search(text) is None:
            return template
        for space in _SPACE.finditer(text):
            column = start + space.start() + 1
            inside = template.interpolations()
            if not any(i.span.column <= column < i.span.end_column for i in inside):
                self.other_variable_around(number, text, start, column)
                self.fail(
                    "white space in a URL",
                    self.span(number, column - 1, column),
                    label="a URL cannot contain white space",
                    hint="percent-encode it as %20 (or insert a value with <<%name>>); "
                    "a request line is 'METHOD URL [HTTP/1.1|HTTP/2]'",
                )
        return template

    def other_variable_around(self, number: int, text: str, start: int, column: int) -> None:
        """Fail with what to write instead when the white space at ``column`` of a URL is
        inside another tool's ``{{...}}`` (``{{$processEnv HOME}}``)."""
        for found in OTHER_VARIABLE.finditer(text):
            if start + found.start() < column <= start + found.end():
                wording = other_variable(found.group(0), found.group(1))
                where = self.span(number, start + found.start(), start + found.end())
                self.fail(wording.message, where, label=wording.label, hint=wording.hint)

    def read_header(self, number: int, text: str) -> Header:
        name, _, rest = text.partition(":")
        value = rest.strip(" \t")
        value_start = len(name) + 1 + len(rest) - len(rest.lstrip(" \t"))
        value_span = self.span(number, value_start, value_start + len(value))
        return Header(name, parse_template(value, value_span), self.line_span(number, text))

    def read_body(self, first: int, lines: list[str]) -> Body | None:
        end = len(lines)
        while end and not lines[end - 1].strip():
            end -= 1
        if not end:
            return None
        parts: list[BodyPart] = []
        run_start = 0
        for index in range(end):
            text = lines[index]
            if not text.startswith("<"):
                continue
            match = _INCLUDE.fullmatch(text.rstrip(" \t"))
            if match is None or not match.group(2):
                continue
            if run_start < index:
                parts.append(self.body_text(first + run_start, lines[run_start:index]))
            parts.append(self.body_include(first + index, text, match))
            run_start = index + 1
        if run_start < end:
            parts.append(self.body_text(first + run_start, lines[run_start:end]))
        if len(parts) == 1 and isinstance(parts[0], BodyText):
            return Body((parts[0],), parts[0].template.span)
        span = Span(self.path, first, 1, first + end - 1, len(lines[end - 1]) + 1)
        return Body(tuple(parts), span)

    def body_text(self, first: int, lines: list[str]) -> BodyText:
        span = Span(self.path, first, 1, first + len(lines) - 1, len(lines[-1]) + 1)
        return BodyText(parse_template("\n".join(lines), span))

    def body_include(self, number: int, text: str, match: re.Match[str]) -> BodyInclude:
        path = match.group(2)
        if path.startswith("{%"):
            self.script_line(number, text, before_request=False)
        path_span = self.span(number, match.start(2), match.end(2))
        return BodyInclude(
            parse_template(path, path_span), bool(match.group(1)), self.line_span(number, text)
        )

    # -- checks and captures --

    def read_checks(self, first: int, lines: list[str]) -> None:
        for index, text in enumerate(lines):
            number = first + index
            head = text[:2]
            if head == "??":
                self.checks.append(_read_check(self, number, text))
            elif head == ">>":
                self.captures.append(self.read_capture(number, text))
            elif not text.strip():
                self.note_blank(number)
            elif head == "<>":
                self.note(TriviaKind.RESPONSE_LINK, number, text)  # ignored when running
            elif head[:1] in ("<", ">"):
                self.script_line(number, text, before_request=False)
            else:
                stripped = text.lstrip(" \t")
                if stripped.startswith("@"):
                    self.fail(
                        "file variable after the checks",
                        self.line_span(number, text),
                        label="'@name = value' lines go before a request line",
                        hint="move it below the next '###' line, or above this request line",
                    )
                directive = self.read_directive(number, text)
                if directive is not None:
                    self.fail(
                        f"directive '@{directive.key}' after the request",
                        directive.span,
                        label="directives go before the request line",
                        hint="move it above the request line",
                    )
                self.note(TriviaKind.COMMENT, number, text)

    def read_capture(self, number: int, text: str) -> Capture:
        text = text.rstrip(" \t")
        simple = _SIMPLE_CAPTURE.fullmatch(text)
        if simple is not None:  # the common, valid shape
            query_start, query_end = simple.span(2)
            return Capture(
                simple[1],
                simple[2],
                Span(self.path, number, query_start + 1, number, query_end + 1),
                Span(self.path, number, 1, number, len(text) + 1),
            )
        match = _CAPTURE.fullmatch(text)
        assert match is not None  # every ">>" line matches
        _, name, equals, query = match.groups()
        line = self.line_span(number, text)
        name_span = self.span(number, match.start(2), match.end(2))
        usage = "write '>> name = query', e.g. '>> id = body.product.product_no'"
        if not name or name[0] in "!./" or "/" in name or _FILE_NAME.fullmatch(name):
            self.fail(
                "saving a response to a file ('>> file') is not supported by httprun",
                line,
                label="expected '>> name = query'",
                hint=usage,
            )
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) is None:
            self.fail(
                f"invalid capture name '{name}'",
                name_span,
                label="use letters, digits and '_', not starting with a digit",
                hint=usage,
            )
        if equals is None:
            self.fail(
                f"expected '=' after '>> {name}'",
                name_span,
                label="a capture is '>> name = query'",
                hint=usage,
            )
        query_span = self.span(number, match.start(4), match.end(4))
        if not query:
            self.fail(
                f"capture '{name}' has no query",
                self.span(number, match.end(3), match.end(3) + 1),
                label="expected a JMESPath query after '='",
                hint=usage,
            )
        if query.startswith("="):
            self.fail(
                "'==' in a capture",
                self.span(number, match.start(3), match.start(4) + 1),
                label="a capture takes one '='",
                hint="to compare, write a check: '?? QUERY == VALUE'",
            )
        return Capture(name, query, query_span, line)


def _line_of(token: Token) -> int:
    line = token.line
    assert line is not None  # the lexer sets positions on every token
    return line


def _join(url: Template, more: Template) -> Template:
    """The URL with a continuation line appended (adjacent literal text merged)."""
    parts: list[TemplatePart] = list(url.parts)
    for part in more.parts:
        if parts and isinstance(part, Text) and isinstance(parts[-1], Text):
            parts[-1] = Text(parts[-1].text + part.text)
        else:
            parts.append(part)
    span = Span(
        url.span.path, url.span.line, url.span.column, more.span.end_line, more.span.end_column
    )
    return Template(tuple(parts), span)


# ---- Checks: ?? QUERY [not] [OP [VALUE]] -------------------------------------------------------

# What can stand in a check line: quoted text and <<...>> (skipped as a whole), brackets, the
# operators, a lone "=" (a typo for "==") and the word operators as whole words.
_CHECK_PIECES = re.compile(
    r"""'(?:[^'\\]|\\.)*'?|`(?:[^`\\]|\\.)*`?|"(?:[^"\\]|\\.)*"?|<<.*?(?:>>|$)"""
    r"""|(?P<open>[\[({])|(?P<close>[\])}])|(?P<op>==|!=|<=|>=|<|>)|(?P<eq>=)"""
    r"""|(?<![^ \t])(?P<word>contains|in|matches|exists|not)(?![^ \t])"""
)
# "?? path OP value" where path has no quotes, spaces or operator characters (brackets are
# fine) and value is a JSON string or one word without them.
_SIMPLE_CHECK = re.compile(
    r"""\?\?[ \t]*(?P<query>[^\s'"`<>=!(){}]+)"""
    r"""(?:[ \t]*(?P<op>==|!=|<=|>=|<|>)[ \t]*|[ \t]+(?P<word>contains|in|matches)[ \t]+)"""
    r"""(?P<value>"(?:[^"\\]|\\.)*"|[^\s'"`<>=!()\[\]{}]+)"""
)
_WORDS = frozenset({"contains", "in", "matches", "exists", "not"})
_RAW_STRING = re.compile(r"'(?:[^'\\]|\\.)*'")
_OPERATORS = "==, !=, <, <=, >, >=, contains, in, matches, exists"


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(name)


# NaN and Infinity are no JSON: such a value is text.
_JSON = json.JSONDecoder(parse_constant=_reject_constant)


def _read_check(reader: _BlockReader, number: int, line: str) -> Check:
    """One ``??`` line. The operator is the last one outside brackets, parentheses, quotes and
    ``<<...>>``; ``not`` right before it negates it."""
    text = line.rstrip()
    simple = _SIMPLE_CHECK.fullmatch(text)
    if simple is not None and simple["query"] not in _WORDS and simple["value"] not in _WORDS:
        # The common shape, read without the general scan below (same result, a test checks).
        path = reader.path
        query_start, query_end = simple.span("query")
        value_start, value_end = simple.span("value")
        value = _check_value(
            reader, Span(path, number, value_start + 1, number, value_end + 1), simple["value"]
        )
        return Check(
            simple["query"],
            Span(path, number, query_start + 1, number, query_end + 1),
            simple["op"] or simple["word"],
            False,
            value,
            text[2:].strip(),
            Span(path, number, 1, number, len(text) + 1),
        )
    return _read_any_check(reader, number, text)


def _read_any_check(reader: _BlockReader, number: int, text: str) -> Check:
    line_span = reader.line_span(number, text)
    depth = 0
    found: list[tuple[int, int, str]] = []  # (start, end, what) at depth 0, left to right
    for piece in _CHECK_PIECES.finditer(text, 2):
        kind = piece.lastgroup
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth = max(0, depth - 1)
        elif kind is not None and depth == 0:
            found.append((piece.start(), piece.end(), piece.group()))
    query_start = len(text) - len(text[2:].lstrip())
    operators = [item for item in found if item[2] not in ("=", "not")]
    if not operators:
        for start, end, what in found:
            if what == "=":
                reader.fail(
                    "'=' in a check",
                    reader.span(number, start, end),
                    label="not an operator",
                    hint="write '==' to compare, or '>> name = query' to capture a value",
                )
        query = text[query_start:]
        if not query:
            reader.fail(
                "empty check",
                line_span,
                label="expected a JMESPath query after '??'",
                hint="write '?? QUERY' (passes when truthy) or '?? QUERY OP VALUE'",
            )
        if found and found[-1][2] == "not" and found[-1][1] == len(text):
            reader.fail(
                "'not' without an operator",
                reader.span(number, found[-1][0], found[-1][1]),
                label="'not' negates the operator after it",
                hint=f"write '?? QUERY not OP [VALUE]'; the operators are {_OPERATORS}",
            )
        query_span = reader.span(number, query_start, len(text))
        return Check(query, query_span, None, False, None, text[2:].strip(), line_span)

    op_start, op_end, op = operators[-1]
    if any(start == op_end and what == "=" for start, _, what in found):
        reader.fail(
            f"'{op}=' is not an operator",
            reader.span(number, op_start, op_end + 1),
            label=f"'{op}' already compares JSON values exactly",
            hint=f"write '{op}', as in '?? QUERY {op} VALUE'",
        )
    negated = False
    query_end = op_start
    before = found[found.index(operators[-1]) - 1] if found.index(operators[-1]) else None
    if before is not None and before[2] == "not" and not text[before[1] : op_start].strip():
        negated, query_end = True, before[0]
    query = text[query_start:query_end].rstrip()
    if not query:
        reader.fail(
            f"missing query before '{op}'",
            reader.span(number, op_start, op_end),
            label="expected a JMESPath query before the operator",
            hint=(
                f"write '?? QUERY {op}'"
                if op == "exists"
                else f"write '?? QUERY {op} VALUE', e.g. '?? status == 200'"
            ),
        )
    query_span = reader.span(number, query_start, query_start + len(query))
    raw_value = text[op_end:]
    value_start = op_end + len(raw_value) - len(raw_value.lstrip())
    value_text = text[value_start:]
    value: CheckValue | None = None
    if op == "exists":
        if value_text:
            reader.fail(
                "'exists' takes no value",
                reader.span(number, value_start, len(text)),
                label="nothing may follow 'exists'",
                hint="write '?? QUERY exists' or '?? QUERY not exists'",
            )
    elif not value_text:
        reader.fail(
            f"'{op}' needs a value",
            reader.span(number, op_start, op_end),
            label="expected a value after the operator",
            hint=f"write '?? {query} {op} VALUE'; {_VALUE_HINT}",
        )
    else:
        value = _check_value(reader, reader.span(number, value_start, len(text)), value_text)
    return Check(query, query_span, op, negated, value, text[2:].strip(), line_span)


def _check_value(reader: _BlockReader, span: Span, text: str) -> CheckValue:
    if text.startswith("'"):
        if not _RAW_STRING.fullmatch(text) and (
            len(text) < 2 or text[-1] != "'" or text.endswith("\\'")
        ):
            closed = _RAW_STRING.match(text)
            if closed is not None:  # a whole raw string, then more text
                reader.fail(
                    "text after the raw string",
                    span,
                    label=f"the value is {closed.group()}; what follows it is not part of it",
                    hint="a value is one JSON literal, one '...' raw string or text with <<...>>",
                )
            reader.fail(
                "unterminated raw string",
                span,
                label="a raw string is '...'",
                hint="close it with ' (write \\' for a quote inside)",
            )
        return CheckValue(CheckValueKind.RAW, text[1:-1].replace("\\'", "'"), None, span)
    if "<<" in text:
        return CheckValue(CheckValueKind.TEMPLATE, None, parse_template(text, span), span)
    try:
        value = decode_json(text, _JSON)  # lone surrogates replaced, nesting bounded
    except TooDeep:
        reader.fail(
            "value nested too deeply",
            span,
            label=f"JSON nested deeper than {MAX_DEPTH} levels",
            hint=f"compare with a value nested at most {MAX_DEPTH} levels deep",
        )
    except ValueError:
        if text.startswith('"'):
            reader.fail(
                "invalid JSON string",
                span,
                label="a string in double quotes must be valid JSON",
                hint="close the quotes and escape \\ and \" inside, or use a raw string '...'",
            )
        return CheckValue(CheckValueKind.TEMPLATE, None, parse_template(text, span), span)
    return CheckValue(CheckValueKind.JSON, value, None, span)
