"""``runner.template.parse_template``: splitting ``<<...>>`` out of text, with exact spans."""

from __future__ import annotations

import pytest

from runner.errors import ParseError
from runner.nodes import Interp, InterpKind, Template, Text
from runner.source import Span
from runner.template import parse_template

PATH = "t.http"


def at(line: int, column: int, text: str) -> Template:
    """``text`` as if its first character stood at ``line``:``column``."""
    return parse_template(text, Span(PATH, line, column, line, column + len(text)))


def interp(expr: str, kind: InterpKind, line: int, column: int, width: int) -> Interp:
    return Interp(expr, kind, Span(PATH, line, column, line, column + width))


def test_plain_text_is_one_literal_part() -> None:
    template = at(3, 5, "application/json")
    assert template.parts == (Text("application/json"),)
    assert template.is_literal
    assert template.span == Span(PATH, 3, 5, 3, 21)


def test_empty_text_has_no_parts() -> None:
    assert at(1, 1, "").parts == ()


def test_expression_interpolation_span_covers_the_markers() -> None:
    template = at(7, 5, "https://<<mallid>>.cafe24api.com")
    assert template.parts == (
        Text("https://"),
        interp("mallid", InterpKind.EXPR, 7, 13, 10),
        Text(".cafe24api.com"),
    )
    assert not template.is_literal


def test_dynamic_and_percent_sigils_are_stripped() -> None:
    template = at(1, 1, "<<$randomInt 1 10>>&t=<<%refresh_token>>")
    assert template.parts == (
        interp("randomInt 1 10", InterpKind.DYNAMIC, 1, 1, 19),
        Text("&t="),
        interp("refresh_token", InterpKind.PERCENT, 1, 23, 18),
    )


def test_white_space_inside_the_markers_is_ignored() -> None:
    assert at(1, 1, "<< mallid >>").parts == (interp("mallid", InterpKind.EXPR, 1, 1, 12),)
    assert at(1, 1, "<< $ uuid >>").parts == (interp("uuid", InterpKind.DYNAMIC, 1, 1, 12),)


def test_jmespath_expressions_are_kept_whole() -> None:
    template = at(1, 1, "<<products.body.products[0].product_no>>")
    assert template.interpolations()[0].expr == "products.body.products[0].product_no"


def test_adjacent_interpolations() -> None:
    assert at(2, 3, "<<a>><<b>>").parts == (
        interp("a", InterpKind.EXPR, 2, 3, 5),
        interp("b", InterpKind.EXPR, 2, 8, 5),
    )


def test_escaped_markers_are_literal_text() -> None:
    template = at(1, 1, r"cat \<<EOF and <<x>>")
    assert template.parts == (Text("cat <<EOF and "), interp("x", InterpKind.EXPR, 1, 16, 5))
    assert template.source == r"cat \<<EOF and <<x>>"


def test_a_backslash_elsewhere_is_an_ordinary_character() -> None:
    assert at(1, 1, r"^[0-9]+\.[0-9]{2}$").parts == (Text(r"^[0-9]+\.[0-9]{2}$"),)


def test_the_first_closing_marker_ends_an_interpolation() -> None:
    assert at(1, 1, "<<x>>>").parts == (interp("x", InterpKind.EXPR, 1, 1, 5), Text(">"))


def test_positions_continue_over_several_lines() -> None:
    text = 'first\n  "id": "<<$uuid>>",\n\n<<name>> end'
    template = parse_template(text, Span(PATH, 10, 1, 13, 12))
    assert template.parts == (
        Text('first\n  "id": "'),
        interp("uuid", InterpKind.DYNAMIC, 11, 10, 9),
        Text('",\n\n'),
        interp("name", InterpKind.EXPR, 13, 1, 8),
        Text(" end"),
    )


def test_a_later_line_starts_at_column_one_even_when_the_first_does_not() -> None:
    template = parse_template("ab\n<<x>>", Span(PATH, 4, 9, 5, 6))
    assert template.interpolations()[0].span == Span(PATH, 5, 1, 5, 6)


@pytest.mark.parametrize(
    ("text", "column"),
    [("a <<b", 3), ("<<", 1), ("x >> <<y", 6)],
)
def test_unterminated_interpolation_points_at_its_opening(text: str, column: int) -> None:
    with pytest.raises(ParseError) as caught:
        at(4, 1, text)
    assert caught.value.message == "unterminated '<<'"
    assert caught.value.span == Span(PATH, 4, column, 4, column + 2)
    assert "'\\<<'" in caught.value.hint


def test_an_interpolation_cannot_span_lines() -> None:
    with pytest.raises(ParseError) as caught:
        parse_template("one\ntwo <<x\n>>", Span(PATH, 1, 1, 3, 3))
    assert caught.value.span == Span(PATH, 2, 5, 2, 7)
    assert "cannot span lines" in caught.value.hint


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<<>>", "empty interpolation '<< >>'"),
        ("<<   >>", "empty interpolation '<< >>'"),
        ("<<$>>", "'<<$>>' names nothing"),
        ("<<% >>", "'<<%>>' names nothing"),
    ],
)
def test_empty_interpolations_are_errors(text: str, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        at(2, 6, "x" + text)
    assert caught.value.message == message
    assert caught.value.span == Span(PATH, 2, 7, 2, 7 + len(text))
