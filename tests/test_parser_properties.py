"""Properties of the parser over arbitrary input: it never crashes, and every error it raises
is a ParseError that points inside the text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runner import parser
from runner.errors import ParseError
from runner.nodes import Template, Text
from runner.source import Span, normalize_newlines
from runner.template import parse_template

PATH = "prop.http"
EXAMPLES = settings(max_examples=200, deadline=None)

FRAGMENTS = [
    "",
    "  ",
    "###",
    "### Title",
    "#### more",
    "# comment",
    "// comment",
    "# @name products",
    "# @auth cafe24",
    "// @timeout 30s",
    "@api = https://<<mallid>>.example.com",
    "@x=1",
    "@ = 2",
    "@1 = 3",
    "GET https://x/a",
    "POST <<api>>/items HTTP/1.1",
    "get http://x",
    "https://x/<<id>>",
    "PUT",
    "    &limit=5",
    "\t?page=<<$randomInt 1 9>>",
    "Accept: application/json",
    "X-Empty:",
    "Name : value",
    "  Indented: header",
    '{"name": "demo <<$uuid>>", "price": "1000.00"}',
    "grant_type=refresh_token&t=<<%token>>",
    "< ./file.json",
    "<@ ./template.txt",
    "< {% request.variables.set('a', 1) %}",
    "< ./pre.js",
    "> {%",
    "  client.test('status', () => {});",
    "%}",
    "> ./handler.js",
    "<> 2024-01-01T120000.200.json",
    "?? status == 200",
    "?? length(body.products[?price > '100']) > 0",
    "?? body.error not exists",
    "?? body.name == hello world",
    "?? body.x matches '^[0-9]+\\.[0-9]{2}$'",
    "?? body.x == <<first>>",
    "?? body.x ==",
    "?? = 1",
    "??",
    "?? body.x == 'open",
    '?? body.x == "open',
    ">> id = body.products[0].product_no",
    ">>id=body.id",
    ">> ./out.json",
    ">> x == y",
    ">>",
    "<<",
    ">>",
    "\\<<x>>",
    "<< >>",
    "<<$>>",
    "plain text with spaces",
    "\ufeff",
    "\r",
    "\x0c",
]

line_fragment = st.one_of(
    st.sampled_from(FRAGMENTS),
    st.text(alphabet=st.sampled_from(list("#@?&<>%${}[]()'\"`=!:/ \tAbz09.-_\\")), max_size=12),
)
httpish_text = st.tuples(
    st.lists(line_fragment, max_size=25), st.sampled_from(["\n", "\r\n"]), st.booleans()
).map(lambda parts: parts[1].join(parts[0]) + (parts[1] if parts[2] else ""))


def assert_inside(span: Span | None, text: str) -> None:
    """``span`` is on a line of ``text`` (as the parser reads it) and within that line."""
    assert span is not None
    assert span.path == PATH
    normal = normalize_newlines(text.removeprefix("\ufeff"))
    lines = normal.split("\n")
    assert 1 <= span.line <= span.end_line <= len(lines), (span, lines)
    assert 1 <= span.column <= len(lines[span.line - 1]) + 1, (span, lines)
    assert 1 <= span.end_column <= len(lines[span.end_line - 1]) + 1, (span, lines)
    if span.line == span.end_line:
        assert span.column <= span.end_column


def parses_or_fails_inside(text: str) -> None:
    try:
        parsed = parser.parse_text(text, PATH)
    except ParseError as error:
        assert_inside(error.span, text)
        assert error.message
        return
    for block in parsed.blocks:
        assert_inside(block.span, text)
        if block.request is not None:
            assert_inside(block.request.span, text)
            assert_inside(block.request.url.span, text)
        for check in block.checks:
            assert_inside(check.query_span, text)


@EXAMPLES
@given(st.text(max_size=300))
def test_arbitrary_text_parses_or_fails_inside_the_text(text: str) -> None:
    parses_or_fails_inside(text)


@EXAMPLES
@given(httpish_text)
def test_http_like_text_parses_or_fails_inside_the_text(text: str) -> None:
    parses_or_fails_inside(text)


@EXAMPLES
@given(httpish_text, st.sampled_from(["\r\n", "\r"]))
def test_line_endings_do_not_change_the_tree(text: str, ending: str) -> None:
    """\n, \r\n and a lone \r (old Mac files) end lines alike: same tree, same errors."""
    lf = text.replace("\r", "")
    try:
        expected = parser.parse_text(lf, PATH)
    except ParseError as error:
        with pytest.raises(ParseError) as caught:
            parser.parse_text(lf.replace("\n", ending), PATH)
        assert (caught.value.message, caught.value.span) == (error.message, error.span)
        return
    assert parser.parse_text(lf.replace("\n", ending), PATH) == expected


@EXAMPLES
@given(
    st.text(alphabet=st.sampled_from(list("<>$% \\\nab.[]'\"")), max_size=40),
    st.integers(1, 50),
    st.integers(1, 50),
)
def test_templates_parse_or_fail_inside_the_text(text: str, line: int, column: int) -> None:
    span = Span(PATH, line, column, line + text.count("\n"), column + len(text))
    try:
        template = parse_template(text, span)
    except ParseError as error:
        assert error.span is not None
        assert error.span.path == PATH
        lines = text.split("\n")
        index = error.span.line - line
        assert 0 <= index < len(lines)
        offset = column if index == 0 else 1
        assert offset <= error.span.column
        assert error.span.end_column <= offset + len(lines[index])
        return
    assert template.span == span
    # Written back, the template reads the same (white space inside the markers aside).
    assert shape(parse_template(template.source, span)) == shape(template)


def shape(template: Template) -> list[tuple[str, str]]:
    return [
        ("text", part.text) if isinstance(part, Text) else (part.kind.value, part.expr)
        for part in template.parts
    ]


check_piece = st.sampled_from(
    [
        "status",
        "body.x",
        "body.items[0].id",
        "length(body)",
        'headers."a-b"',
        " ",
        "==",
        "!=",
        "<",
        ">=",
        " contains ",
        " in ",
        " matches ",
        " exists",
        " not ",
        "200",
        '"x y"',
        "'raw'",
        "<<v>>",
        "true",
        "hello",
        "[1]",
        "=",
        "!",
        "in",
        "not",
        "exists",
    ]
)


@EXAMPLES
@given(st.lists(check_piece, min_size=1, max_size=6).map(lambda pieces: "??" + "".join(pieces)))
def test_the_fast_check_reader_agrees_with_the_general_one(line: str) -> None:
    reader = parser._BlockReader(PATH, None, [])
    try:
        general = parser._read_any_check(reader, 4, line.rstrip())
    except ParseError as error:
        with pytest.raises(ParseError) as caught:
            parser._read_check(reader, 4, line)
        assert (caught.value.message, caught.value.span) == (error.message, error.span)
        return
    assert parser._read_check(reader, 4, line) == general
