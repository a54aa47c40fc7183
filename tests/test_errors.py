"""The error renderer: carets under the right terminal cells, whatever the characters."""

from __future__ import annotations

import pytest

from runner.errors import (
    Diagnostic,
    ResolveError,
    UndefinedVariable,
    display_width,
    render_diagnostic,
    render_error,
)
from runner.parser import parse_text
from runner.source import Span, remember_source


def caret_line(rendered: str) -> str:
    """The line of carets, without the gutter (``  | ``) in front of it."""
    line = next(line for line in rendered.splitlines() if "^" in line)
    return line.split("| ", 1)[1]


def source_line_shown(rendered: str, number: int) -> str:
    prefix = f"{number} | "
    return next(line for line in rendered.splitlines() if line.startswith(prefix))[len(prefix) :]


@pytest.mark.parametrize(
    ("text", "cells"),
    [
        ("abc", 3),
        ("日本語", 6),
        ("홍길동", 6),
        ("ＡＢ", 4),  # full-width Latin
        ("😀", 2),
        ("e\u0301", 1),  # e + combining acute accent
        ("\u2764\ufe0f", 1),  # heart + variation selector: the selector takes no cell
        ("", 0),
    ],
)
def test_display_width(text: str, cells: int) -> None:
    assert display_width(text) == cells


def test_carets_under_an_interpolation_after_japanese_text() -> None:
    # Regression: padding counted code points, so the carets started 3 cells too far left.
    line = "GET http://x/日本語/<<nope>>"
    remember_source("wide.http", line + "\n")
    column = line.index("<<") + 1
    error = UndefinedVariable("nope", Span("wide.http", 1, column, 1, column + len("<<nope>>")))
    rendered = render_error(error)
    shown = source_line_shown(rendered, 1)
    carets = caret_line(rendered)
    assert shown == line
    # Cells before the interpolation: "GET http://x/" (13) + 日本語 (6) + "/" (1).
    assert carets.startswith(" " * 20 + "^" * 8 + " no variable 'nope'")


def test_carets_under_a_korean_check_value() -> None:
    text = 'GET http://x/\n?? body.name == "홍길동"\n'
    value = parse_text(text, "korean.http").blocks[0].checks[0].value
    assert value is not None
    span = value.span
    diagnostic = Diagnostic("error", "check failed", span, label='got "김철수"')
    carets = caret_line(render_diagnostic(diagnostic))
    # '?? body.name == ' is 16 cells; '"홍길동"' is 5 code points but 8 cells.
    assert carets == " " * 16 + "^" * 8 + ' got "김철수"'


def test_carets_under_emoji_and_combining_marks() -> None:
    line = 'x = "😀e\u0301" y'
    remember_source("marks.http", line + "\n")
    column = line.index("y") + 1
    rendered = render_diagnostic(
        Diagnostic("error", "bad", Span("marks.http", 1, column, 1, column + 1))
    )
    # 'x = "' (5) + 😀 (2) + e and its accent (1) + '" ' (2) = 10 cells.
    assert caret_line(rendered) == " " * 10 + "^"
    whole = render_diagnostic(
        Diagnostic("error", "bad", Span("marks.http", 1, 6, 1, 9))  # 😀, e and the accent
    )
    assert caret_line(whole) == " " * 5 + "^^^"


def test_ascii_lines_render_as_before() -> None:
    remember_source("plain.http", "GET http://x/<<nope>>\n")
    rendered = render_diagnostic(
        Diagnostic("error", "bad", Span("plain.http", 1, 14, 1, 22), label="here")
    )
    assert caret_line(rendered) == " " * 13 + "^" * 8 + " here"


def test_a_span_past_the_end_of_the_line_gets_one_caret() -> None:
    remember_source("short.http", "日本\n")
    rendered = render_diagnostic(Diagnostic("error", "bad", Span("short.http", 1, 4, 1, 9)))
    # Two wide characters (4 cells) and one column beyond the end of the line.
    assert caret_line(rendered) == " " * 5 + "^"


def test_spans_stay_in_code_points() -> None:
    line = "GET http://x/日本語/<<nope>>"
    remember_source("points.http", line + "\n")
    error = ResolveError("bad", Span("points.http", 1, 18, 1, 26))
    assert str(error) == "points.http:1:18: bad"
    assert "--> points.http:1:18" in render_error(error)


def test_a_span_in_a_file_that_cannot_be_opened_renders_without_its_line() -> None:
    rendered = render_diagnostic(Diagnostic("error", "bad", Span("nul\x00.http", 2, 1, 2, 2)))
    assert "--> nul\x00.http:2:1" in rendered
    assert "^" not in rendered
