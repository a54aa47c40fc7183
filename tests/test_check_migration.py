"""``httprun check`` for people who migrate from other ``.http`` tools: every error of a file
in one run (the parser recovers at the next ``###``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import no_colour, run_cli  # noqa: F401  (no_colour: autouse)
from hypothesis import given, settings
from hypothesis import strategies as st

from runner.errors import InvalidFile, ParseError
from runner.nodes import Block
from runner.parser import parse_text, parse_text_collecting

PATH = "migrate.http"

# ---- Recovery at the next "###" ----------------------------------------------------------------

# Blocks that parse, as lines after their "###" line.
VALID_BLOCKS = [
    ["GET http://h/a"],
    ["# @name first", "GET http://h/b", "Accept: application/json", "", "?? status == 200"],
    ["POST http://h/c", "Content-Type: application/json", "", '{"a": 1}', "", ">> a = body.a"],
    ["# @timeout 5s", "@x = 1"],
    ["// a comment only"],
    [],
]
# Blocks that do not parse: their lines after the "###" line, the line (counted from the
# "###" line, which is 0) and the message of their error.
BROKEN_BLOCKS = [
    (["GET http://h/d", "Accept: a", "not a header"], 3, "expected a header 'Name: value'"),
    (["GET http://h/e", "", "?? status == 200", "after"], 4, "expected a '??' check"),
    (["GET http://h/f", "", "?? status = 200"], 3, "'=' in a check"),
    (["get http://h/g"], 1, "method 'get' is not upper case"),
    (["GET http://h/k", "> {% client.global.set('a', 1) %}"], 2, "JavaScript response handlers"),
]


def message_of(error: ParseError) -> str:
    return error.message


@settings(max_examples=60, deadline=None)
@given(
    first=st.sampled_from([[], ["@host = http://h"], ["?? status == 200"], ["", "# a comment"]]),
    blocks=st.lists(
        st.one_of(
            st.sampled_from(VALID_BLOCKS).map(lambda lines: (lines, None, None)),
            st.sampled_from(BROKEN_BLOCKS),
        ),
        max_size=8,
    ),
)
def test_the_errors_are_exactly_those_of_the_broken_blocks_each_at_its_line(
    first: list[str], blocks: list[tuple[list[str], int | None, str | None]]
) -> None:
    lines = list(first)
    expected_errors: list[tuple[int, str]] = []
    expected_starts: list[int] = []
    if first == ["?? status == 200"]:
        expected_errors.append((1, "check in a block without a request"))
    elif any(line.strip() for line in first):
        expected_starts.append(1)
    for index, (body, error_line, message) in enumerate(blocks):
        start = len(lines) + 1
        lines += [f"### block {index}", *body]
        if message is None:
            expected_starts.append(start)
        else:
            assert error_line is not None
            expected_errors.append((start + error_line, message))
    text = "\n".join(lines) + "\n"

    http_file, errors = parse_text_collecting(text, PATH)

    found = [(error.span.line if error.span else 0, error.message) for error in errors]
    assert len(found) == len(expected_errors), (found, expected_errors)
    for (line, message), (want_line, want_message) in zip(found, expected_errors, strict=True):
        assert line == want_line
        assert message.startswith(want_message), message
    assert [block.span.line for block in http_file.blocks] == expected_starts
    # The blocks that parse are what they are in a file of their own.
    for block in http_file.blocks:
        end = next((n for n in range(block.span.line, len(lines)) if lines[n][:3] == "###"), None)
        [own] = parse_text("\n".join(lines[block.span.line - 1 : end]) + "\n", PATH).blocks
        assert summary(own) == summary(block)


def summary(block: Block) -> tuple[object, ...]:
    """What a block says, without the line numbers."""
    request = block.request
    return (
        block.title,
        [(d.key, d.value) for d in block.directives],
        [(v.name, v.value.source) for v in block.variables],
        None if request is None else (request.method, request.url.source, len(request.headers)),
        [c.text for c in block.checks],
        [(c.name, c.query) for c in block.captures],
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([*VALID_BLOCKS, *(b[0] for b in BROKEN_BLOCKS)]), max_size=6))
def test_parse_text_raises_the_first_error_and_holds_them_all(blocks: list[list[str]]) -> None:
    text = "".join(f"### {i}\n" + "".join(f"{line}\n" for line in b) for i, b in enumerate(blocks))
    http_file, errors = parse_text_collecting(text, PATH)
    if not errors:
        assert parse_text(text, PATH) == http_file
        return
    with pytest.raises(ParseError) as raised:
        parse_text(text, PATH)
    assert raised.value.span == errors[0].span
    assert raised.value.message.startswith(errors[0].message)
    assert raised.value.diagnostics() == [d for e in errors for d in e.diagnostics()]
    assert isinstance(raised.value, InvalidFile) == (len(errors) > 1)


def test_a_file_without_any_separator_has_its_one_error() -> None:
    http_file, errors = parse_text_collecting("GET http://h/a\nnot a header\n", PATH)
    assert http_file.blocks == ()
    assert [(e.span.line if e.span else 0, e.message) for e in errors] == [
        (2, "expected a header 'Name: value' or a blank line")
    ]


def test_the_text_before_the_first_separator_is_a_block_of_its_own() -> None:
    text = "@host = http://h\nGET <<host>>/a\n?? status = 1\n### next\nGET <<host>>/b\n"
    http_file, errors = parse_text_collecting(text, PATH)
    assert [(e.span.line if e.span else 0, e.message) for e in errors] == [(3, "'=' in a check")]
    [block] = http_file.blocks
    assert block.title == "next"
    assert block.request is not None and block.request.span.line == 5


def test_a_file_that_parses_has_no_errors_and_the_same_tree() -> None:
    text = "### a\nGET http://h/a\n\n?? status == 200\n### b\nPOST http://h/b\n"
    assert parse_text_collecting(text, PATH) == (parse_text(text, PATH), [])


def test_names_a_broken_block_defines_are_not_called_undefined(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The login block is broken by a script; what it names and captures is there once it is
    fixed, so the blocks that read it get no "undefined variable" on top."""
    target = tmp_path / "login.http"
    target.write_text(
        "### login\n# @name login\n@user = a\nPOST http://h/login\n\n?? status == 200\n"
        ">> token = body.token\n> {% client.global.set('t', 1) %}\n"
        "### use\nGET http://h/<<login.body.id>>?u=<<user>>&t=<<token>>&x=<<other>>\n"
    )
    code, out, _ = run_cli(["check", str(target)], capsys)
    assert code == 3
    assert [line.split(": ", 1)[1] for line in out.splitlines()] == [
        "error: JavaScript response handlers ('> {% ... %}') are not supported by httprun"
        " (httprun runs no JavaScript)",
        "error: undefined variable 'other' (nothing defines 'other')",
    ]
