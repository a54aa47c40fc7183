"""Semantic tokens: every construct of a request file as an LSP token (standard types only, so
every editor's theme colours them).

The syntax tree says which line is what and where its templates' ``<<...>>`` are; the pieces
of a line that the tree keeps no span for (a method, a header name, a check's operator) are cut
from the line's text at the node's span. Comments are not in the tree: a ``#`` or ``//`` line
where the tree put nothing (and not inside a body, where such lines are body text) is one.

:func:`tokens_of` works in code points; :func:`encode` turns the tokens into LSP's relative
5-tuples in the client's units (UTF-16 unless it chose otherwise).
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from operator import itemgetter
from typing import TYPE_CHECKING, NamedTuple

from lsprotocol import types

from ..nodes import (
    Block,
    BodyInclude,
    Capture,
    Check,
    CheckValueKind,
    Directive,
    Header,
    HttpFile,
    InterpKind,
    Request,
    Template,
    Variable,
)
from ..source import Span

if TYPE_CHECKING:
    from .server import HttprunServer

TOKEN_TYPES = (
    "comment",  # comment lines
    "keyword",  # methods, HTTP versions, ?? and >>, true/false/null
    "string",  # URLs, header values, directive values, check values, include paths
    "number",  # numbers of check values
    "operator",  # check operators, not, '=', '<', '<@', the '%' of <<%x>>
    "property",  # header names and the JMESPath of checks and captures
    "variable",  # <<name>>, '@name =' and '>> name =' definitions
    "function",  # requests: <<name.body...>> references and '# @name' values
    "macro",  # <<$dynamic ...>>
    "decorator",  # '# @directive'
    "namespace",  # '### title' lines
)
TOKEN_MODIFIERS = ("declaration", "defaultLibrary")
LEGEND = types.SemanticTokensLegend(
    token_types=list(TOKEN_TYPES), token_modifiers=list(TOKEN_MODIFIERS)
)

_TYPE_INDEX = {name: index for index, name in enumerate(TOKEN_TYPES)}
_MODIFIER_BIT = {name: 1 << index for index, name in enumerate(TOKEN_MODIFIERS)}
_ROOT_NAME = re.compile(r"[ \t]*([A-Za-z_][A-Za-z0-9_]*)")
_COMMENT = re.compile(r"[ \t]*(?:#|//)")
_CONTINUATION = re.compile(r"[ \t]+[?&]")
_CHECK_OPERATOR = re.compile(
    r"(?<![^ \t])(not|==|!=|<=|>=|<|>|contains|in|matches|exists)(?![^ \t])"
)
_CAPTURE_NAME = re.compile(r">>[ \t]*([^ \t=]*)[ \t]*(=?)")


class Token(NamedTuple):
    """One token: 0-based line, start column and length in code points. (A named tuple: a
    big file has tens of thousands, and a frozen dataclass is several times slower to make.)"""

    line: int
    start: int
    length: int
    type: str
    modifiers: tuple[str, ...] = ()


def tokens_of(
    http_file: HttpFile, lines: Sequence[str], imported_requests: Collection[str] = ()
) -> list[Token]:
    """Every token of the document, sorted, none overlapping another. ``lines`` are the
    document's lines (line endings are ignored); ``imported_requests``, the request names its
    imports make visible (read as requests too)."""
    builder = _Builder([line.rstrip("\r\n") for line in lines], http_file, imported_requests)
    for block in http_file.blocks:
        builder.block(block)
    builder.comments()
    return builder.result()


def encode(
    tokens: Iterable[Token],
    lines: Sequence[str],
    num_units: Callable[[str], int],
    lines_wanted: range | None = None,
) -> list[int]:
    """LSP's relative 5-tuples (delta line, delta start, length, type, modifiers) of
    ``tokens`` (sorted), columns in the client's units (``num_units`` counts them for a
    string); only the tokens on ``lines_wanted`` (0-based) when given."""
    data: list[int] = []
    previous_line = previous_start = 0
    for token in tokens:
        if lines_wanted is not None and token.line not in lines_wanted:
            continue
        text = lines[token.line] if token.line < len(lines) else ""
        if text.isascii():
            start, length = token.start, token.length
        else:
            start = num_units(text[: token.start])
            length = num_units(text[token.start : token.start + token.length])
        delta_start = start - previous_start if token.line == previous_line else start
        modifiers = _modifier_bits(token.modifiers)
        data += [
            token.line - previous_line,
            delta_start,
            length,
            _TYPE_INDEX[token.type],
            modifiers,
        ]
        previous_line, previous_start = token.line, start
    return data


@functools.cache
def _modifier_bits(modifiers: tuple[str, ...]) -> int:
    return sum(_MODIFIER_BIT[modifier] for modifier in modifiers)


class _Builder:
    def __init__(
        self, lines: list[str], http_file: HttpFile, imported_requests: Collection[str]
    ) -> None:
        self.lines = lines
        self.tokens: list[Token] = []
        # line → (start, end) of its tokens; the lines' widths, looked up for every token.
        self.taken: defaultdict[int, list[tuple[int, int]]] = defaultdict(list)
        self.widths = [len(line) for line in lines]
        self.request_names = frozenset(
            [*imported_requests, *(b.name for b in http_file.requests if b.name is not None)]
        )
        self.body_lines: set[int] = set()  # 0-based lines of bodies: '#' there is body text

    # -- the pieces of a block --

    def block(self, block: Block) -> None:
        if block.title is not None:
            self.line_content(block.span.line - 1, "namespace", ("declaration",))
        for directive in block.directives:
            self.directive(directive)
        for variable in block.variables:
            self.variable(variable)
        if block.request is not None:
            self.request(block.request)
        for check in block.checks:
            self.check(check)
        for capture in block.captures:
            self.capture(capture)

    def directive(self, directive: Directive) -> None:
        line = directive.span.line - 1
        text = self.text(line)
        start = directive.span.column - 1
        key_end = text.find("@", start) + 1 + len(directive.key)
        self.add(line, start, key_end, "decorator")
        if directive.value:
            value_start = text.find(directive.value, key_end)
            if value_start >= 0:
                end = value_start + len(directive.value)
                if directive.key == "name":
                    self.add(line, value_start, end, "function", ("declaration",))
                else:
                    self.add(line, value_start, end, "string")

    def variable(self, variable: Variable) -> None:
        line = variable.span.line - 1
        text = self.text(line)
        start = variable.span.column - 1
        name_end = start + 1 + len(variable.name)
        self.add(line, start, name_end, "variable", ("declaration",))
        equals = text.find("=", name_end)
        if equals >= 0:
            self.add(line, equals, equals + 1, "operator")
        self.template(variable.value, "string")

    def request(self, request: Request) -> None:
        line = request.span.line - 1
        text = self.text(line)
        start = request.span.column - 1
        url = request.url.span
        if url.line == request.span.line and url.column - 1 > start:
            method_end = start + len(request.method)
            self.add(line, start, method_end, "keyword")
        url_end = request.span.end_column - 1  # the URL goes on to the version or line end
        if request.http_version is not None:
            version_start = max(text.rfind(" "), text.rfind("\t")) + 1
            self.add(line, version_start, url_end, "keyword")
            url_end = len(text[:version_start].rstrip())
        self.interpolations(request.url)
        if url.line == request.span.line:
            self.gaps(line, url.column - 1, url_end, "string")
        continuation = line + 1
        while continuation < len(self.lines) and _CONTINUATION.match(self.lines[continuation]):
            content = self.lines[continuation]
            self.gaps(
                continuation,
                len(content) - len(content.lstrip(" \t")),
                len(content.rstrip()),
                "string",
            )
            continuation += 1
        for header in request.headers:
            self.header(header)
        if request.body is not None:
            body = request.body.span
            self.body_lines.update(range(body.line - 1, body.end_line))
            for part in request.body.parts:
                if isinstance(part, BodyInclude):
                    self.include(part)
                else:
                    self.interpolations(part.template)

    def header(self, header: Header) -> None:
        line = header.span.line - 1
        start = header.span.column - 1
        self.add(line, start, start + len(header.name), "property")
        self.template(header.value, "string")

    def include(self, include: BodyInclude) -> None:
        line = include.span.line - 1
        start = include.span.column - 1
        self.add(line, start, start + (2 if include.interpolate else 1), "operator")
        self.template(include.path, "string")

    def check(self, check: Check) -> None:
        line = check.span.line - 1
        self.add(line, 0, 2, "keyword")
        query = check.query_span
        self.add(line, query.column - 1, query.end_column - 1, "property")
        value = check.value
        operators_end = value.span.column - 1 if value is not None else len(self.text(line))
        between = self.text(line)[:operators_end]
        for match in _CHECK_OPERATOR.finditer(between, query.end_column - 1):
            self.add(line, match.start(1), match.end(1), "operator")
        if value is None:
            return
        if value.kind is CheckValueKind.TEMPLATE and value.template is not None:
            self.template(value.template, "string")
            return
        kind = "string"
        if value.kind is CheckValueKind.JSON and not isinstance(value.json, (str, list, dict)):
            kind = "keyword" if value.json is None or isinstance(value.json, bool) else "number"
        self.span(value.span, kind)

    def capture(self, capture: Capture) -> None:
        line = capture.span.line - 1
        self.add(line, 0, 2, "keyword")
        match = _CAPTURE_NAME.match(self.text(line))
        if match is not None:
            self.add(line, match.start(1), match.end(1), "variable", ("declaration",))
            if match.group(2):
                self.add(line, match.start(2), match.end(2), "operator")
        query = capture.query_span
        self.add(line, query.column - 1, query.end_column - 1, "property")

    # -- templates --

    def template(self, template: Template, literal: str) -> None:
        """The template's ``<<...>>``, and its literal text as ``literal`` on a single line."""
        self.interpolations(template)
        span = template.span
        if span.line == span.end_line:
            self.gaps(span.line - 1, span.column - 1, span.end_column - 1, literal)

    def interpolations(self, template: Template) -> None:
        for interp in template.interpolations():
            span = interp.span
            if span.line != span.end_line:
                continue
            line, start, end = span.line - 1, span.column - 1, span.end_column - 1
            if interp.kind is InterpKind.DYNAMIC:
                self.add(line, start, end, "macro", ("defaultLibrary",))
                continue
            root = _ROOT_NAME.match(interp.expr)
            is_request = root is not None and root.group(1) in self.request_names
            kind = "function" if is_request else "variable"
            if interp.kind is InterpKind.PERCENT:
                self.add(line, start, start + 3, "operator")  # '<<%': percent-encode
                start += 3
            self.add(line, start, end, kind)

    def gaps(self, line: int, start: int, end: int, kind: str) -> None:
        """``kind`` tokens over ``start:end`` of ``line`` where no token is yet."""
        taken = sorted(self.taken.get(line, ()))
        position = start
        for taken_start, taken_end in taken:
            if taken_end <= position or taken_start >= end:
                continue
            self.add(line, position, taken_start, kind)
            position = max(position, taken_end)
        self.add(line, position, end, kind)

    # -- lines and comments --

    def comments(self) -> None:
        covered = self.taken.keys() | self.body_lines
        for line, text in enumerate(self.lines):
            if line not in covered and _COMMENT.match(text) and not text.startswith("###"):
                self.line_content(line, "comment")

    def line_content(self, line: int, kind: str, modifiers: tuple[str, ...] = ()) -> None:
        text = self.text(line)
        content = text.rstrip()
        self.add(line, len(content) - len(content.lstrip()), len(content), kind, modifiers)

    def span(self, span: Span, kind: str) -> None:
        if span.line == span.end_line:
            self.add(span.line - 1, span.column - 1, span.end_column - 1, kind)

    def text(self, line: int) -> str:
        return self.lines[line] if 0 <= line < len(self.lines) else ""

    def add(
        self, line: int, start: int, end: int, kind: str, modifiers: tuple[str, ...] = ()
    ) -> None:
        width = self.widths[line] if 0 <= line < len(self.widths) else 0
        if end > width:
            end = width
        if 0 <= start < end:
            self.tokens.append(Token(line, start, end - start, kind, modifiers))
            self.taken[line].append((start, end))

    def result(self) -> list[Token]:
        """The tokens sorted; a token overlapping the one before it is dropped."""
        kept: list[Token] = []
        for token in sorted(self.tokens, key=itemgetter(0, 1)):  # line, start; stable
            if (
                kept
                and kept[-1].line == token.line
                and token.start < kept[-1].start + kept[-1].length
            ):
                continue
            kept.append(token)
        return kept


def register(server: HttprunServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL, LEGEND)
    def full(params: types.SemanticTokensParams) -> types.SemanticTokens:
        return _semantic_tokens(server, params.text_document.uri, None)

    @server.feature(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_RANGE, LEGEND)
    def in_range(params: types.SemanticTokensRangeParams) -> types.SemanticTokens:
        wanted = range(params.range.start.line, params.range.end.line + 1)
        return _semantic_tokens(server, params.text_document.uri, wanted)


def _semantic_tokens(server: HttprunServer, uri: str, wanted: range | None) -> types.SemanticTokens:
    analysis = server.analysis(uri)
    num_units = server.workspace.position_codec.client_num_units
    return types.SemanticTokens(
        data=encode(analysis.semantic_tokens, analysis.lines, num_units, wanted)
    )
