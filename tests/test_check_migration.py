"""``httprun check`` for people who migrate from other ``.http`` tools: every error of a file
in one run (the parser recovers at the next ``###``), and other tools' constructs with their
own message (httpyac's JavaScript blocks, GraphQL/gRPC/WebSocket/MQTT/SSE request lines,
``@ref``/``@forceRef``/``@import``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import no_colour, run_cli  # noqa: F401  (no_colour: autouse)
from hypothesis import given, settings
from hypothesis import strategies as st

from runner.dialects import script_blocks
from runner.errors import InvalidFile, ParseError
from runner.nodes import Block
from runner.parser import parse_text, parse_text_collecting
from runner.static import check_file, refuse_invalid

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
    (["GRAPHQL http://h/graphql", "", "query { a }"], 1, "httprun sends HTTP requests only"),
    (["{{", "  exports.a = 1;", "}}", "GET http://h/i"], 1, "httpyac JavaScript blocks"),
    (["GET http://h/j", "", "?? status == 200", "{{", "  test();", "}}"], 4, "httpyac JavaScript"),
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


# ---- Other tools' constructs -------------------------------------------------------------------


def one_error(text: str) -> ParseError:
    _, errors = parse_text_collecting(text, PATH)
    assert len(errors) == 1, errors
    return errors[0]


@pytest.mark.parametrize(
    ("word", "label"),
    [
        ("GRAPHQL", 'a GraphQL query is a POST with a JSON body {"query": ...}'),
        ("GRPC", "call the service's HTTP/JSON gateway with POST, or use grpcurl"),
        ("WEBSOCKET", "use a WebSocket client (e.g. websocat) for the socket"),
        ("WS", "use a WebSocket client (e.g. websocat) for the socket"),
        ("MQTT", "use an MQTT client (e.g. mosquitto_pub, mosquitto_sub)"),
        ("SSE", "an event stream does not end, and httprun reads whole responses: use curl -N"),
        (
            "EVENTSOURCE",
            "an event stream does not end, and httprun reads whole responses: use curl -N",
        ),
        ("graphql", 'a GraphQL query is a POST with a JSON body {"query": ...}'),
    ],
)
def test_request_lines_of_other_protocols(word: str, label: str) -> None:
    error = one_error(f"### x\n  {word} example.com:9000/svc\n\n{{}}\n")
    assert error.message == f"httprun sends HTTP requests only: '{word}' is not an HTTP method"
    assert error.label == label
    assert error.hint
    assert error.span is not None
    assert (error.span.line, error.span.column, error.span.end_column) == (2, 3, 3 + len(word))


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        # httpyac's gRPC: the proto file, then the call; the next line is no header.
        ("proto < ./hello.proto\nGRPC h:9000/Hello/Say\n", 1, "httprun sends HTTP requests only"),
        # JetBrains' statements, alone or before a request of the same block.
        ("import ./auth.http\n", 1, "JetBrains' 'import' is written '# @import PATH'"),
        ("import ./auth.http\nGET http://h/a\n", 1, "JetBrains' 'import' is written '# @import"),
        ("run #login\n", 1, "JetBrains' 'run' is not needed in httprun"),
        ("### x\nrun ./login.http (@user=a)\nGET http://h/a\n", 2, "JetBrains' 'run'"),
        # A protocol line whose next line is no header: the request line is what is wrong.
        ("GRAPHQL http://h/graphql\nquery { a }\n", 1, "httprun sends HTTP requests only"),
    ],
)
def test_other_tools_statements_on_a_request_line(text: str, line: int, message: str) -> None:
    error = one_error(text)
    assert error.message.startswith(message)
    assert error.span is not None and (error.span.line, error.span.column) == (line, 1)
    assert error.label and error.hint


def test_jetbrains_run_says_what_httprun_does_instead() -> None:
    error = one_error("run #login\n")
    assert error.label == (
        "httprun runs a named request first when a later one reads <<name.body...>>"
    )
    assert error.hint == "remove this line"


def test_urls_that_mention_other_protocols_are_ordinary_requests() -> None:
    http_file = parse_text("POST http://h/graphql\n###\nGET http://h/ws\n###\nsse\n", PATH)
    assert [block.request.method for block in http_file.requests if block.request] == [
        "POST",
        "GET",
        "GET",
    ]
    assert one_error("### x\nSSE\n").message.startswith("httprun sends HTTP requests only")


@pytest.mark.parametrize(
    ("text", "line"),
    [
        # Before the request: httprun would read "{{" as the request line.
        ("{{\n  exports.a = 1;\n}}\nGET http://h/a\n", 1),
        ("{{\n\n  exports.a = 1;\n}}\nGET http://h/a\n", 1),
        ("{{@request\n  a: 1\n}}\nGET http://h/a\n", 1),
        # Among the headers, after the checks.
        ("GET http://h/a\nAccept: x\n{{+after\n  x();\n}}\n", 3),
        ("GET http://h/a\n\n?? status == 200\n  {{@response\n  test();\n  }}\n", 4),
    ],
)
def test_httpyac_script_blocks_are_named_where_they_break_the_syntax(text: str, line: int) -> None:
    error = one_error(text)
    assert error.message == "httpyac JavaScript blocks are not run by httprun"
    assert error.label.startswith("httprun runs no JavaScript")
    assert "'>> name = query'" in error.hint
    assert error.span is not None and error.span.line == line


def test_httpyac_script_blocks_after_the_body_are_static_errors() -> None:
    """After the blank line that ends the headers they are body lines: the run would send them."""
    text = "POST http://h/a\n\n{\"a\": 1}\n{{@response\n  test('x', () => 1);\n}}\n"
    found = check_file(parse_text(text, PATH), ())
    assert [(d.severity, d.message, d.span.line if d.span else 0) for d in found] == [
        ("error", "httpyac JavaScript blocks are not run by httprun", 4)
    ]
    with pytest.raises(InvalidFile) as refused:  # and a run sends nothing of the file
        refuse_invalid(parse_text(text, PATH))
    assert refused.value.diagnostics() == found


@pytest.mark.parametrize(
    ("lines", "blocks"),
    [
        (["{{", "a", "}}"], [(0, 2)]),
        (["{{", "{{", "}}", "{{"], [(0, 2)]),  # as httpyac: a block ends at its first "}}"
        (["  {{@js +after  ", "}}", "{{@RESPONSE", " }} "], [(0, 1), (2, 3)]),
        (["{{ name }}", "{{", "x", "{{}}"], []),
        (["{{"] * 5000, []),
    ],
)
def test_script_blocks_are_found_as_httpyac_finds_them(
    lines: list[str], blocks: list[tuple[int, int]]
) -> None:
    assert list(script_blocks(lines)) == blocks


def test_a_brace_line_that_no_closing_line_follows_is_body_text() -> None:
    text = "POST http://h/a\n\n{{\n  text\n"
    assert check_file(parse_text(text, PATH), ()) == []


# ---- Through httprun check ----------------------------------------------------------------------

MIGRATED = """\
@host = http://127.0.0.1:1

### login (JetBrains)
# @name login
POST <<host>>/login
Content-Type: application/json

{"user": "a"}

> {% client.global.set("token", response.body.token) %}

### a GraphQL query
GRAPHQL <<host>>/graphql

query { me { id } }

### httpyac script before the request
{{
  exports.when = Date.now();
}}
GET <<host>>/items

### refs
# @ref login
# @forceRef login
# @import ./other.http
GET <<host>>/items?x=<<missing>>
"""


def test_check_reports_every_error_of_a_file_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "migrated.http"
    target.write_text(MIGRATED)
    code, out, _ = run_cli(["check", str(target)], capsys)
    assert code == 3
    lines = [line.removeprefix(str(target) + ":") for line in out.splitlines()]
    assert lines == [
        "10:1: error: JavaScript response handlers ('> {% ... %}') are not supported by httprun"
        " (httprun runs no JavaScript)",
        "13:1: error: httprun sends HTTP requests only: 'GRAPHQL' is not an HTTP method"
        ' (a GraphQL query is a POST with a JSON body {"query": ...})',
        "18:1: error: httpyac JavaScript blocks are not run by httprun (httprun runs no"
        " JavaScript: write '??' checks and '>> name = query' captures instead)",
        "24:1: warning: directive '@ref' of other .http tools is ignored (httprun runs a named"
        " request first when a later one reads <<name.body...>>)",
        "25:1: warning: directive '@forceRef' of other .http tools is ignored (httprun runs a"
        " named request first when a later one reads <<name.body...>>)",
        "26:1: error: '@import' belongs in the file's first block (it is about the whole file, so"
        " it must come before the first request)",
        "27:22: error: undefined variable 'missing' (nothing defines 'missing')",
    ]


def test_a_run_of_a_broken_file_shows_every_error_and_sends_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "migrated.http"
    target.write_text(MIGRATED)
    code, out, err = run_cli([str(target)], capsys)
    assert code == 3
    output = out + err
    # The syntax errors, then the errors of the blocks that parse (as httprun check has them).
    for line in (10, 13, 18, 26):
        assert f"--> {target}:{line}:1" in output
    assert output.index(f"{target}:18:1") < output.index(f"{target}:26:1")
    assert "= help: remove the block from '{{' to '}}'" in output
    assert "0 passed" in output


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


# ---- {{...}} of other tools: what to write instead ---------------------------------------------


@pytest.mark.parametrize(
    ("written", "replacement"),
    [
        ("{{token}}", "<<token>>"),
        ("{{ token }}", "<<token>>"),
        ("{{$guid}}", "<<$uuid>>"),
        ("{{$random.uuid}}", "<<$uuid>>"),
        ("{{$timestamp}}", "<<$timestamp>>"),
        ("{{$isoTimestamp}}", "<<$isoTimestamp>>"),
        ("{{$randomInt 1 10}}", "<<$randomInt 1 10>>"),
        ("{{$random.integer(1, 10)}}", "<<$randomInt 1 10>>"),
        ("{{$datetime iso8601}}", "<<$datetime iso8601>>"),
        ("{{$processEnv HOME}}", "<<$env HOME>>"),
        ("{{$env.HOME}}", "<<$env HOME>>"),
        ("{{$dotenv API_KEY}}", "<<API_KEY>>"),
        ("{{login.response.body.$.token}}", "<<login.body.token>>"),
        ("{{login.response.headers.X-Id}}", '<<login.headers."x-id">>'),
    ],
)
def test_other_dialect_values_name_their_httprun_form(written: str, replacement: str) -> None:
    found = check_file(parse_text(f"GET http://h/a\nX-A: b {written}\n", PATH), ())
    [warning] = [d for d in found if "plain text" in d.message]
    assert warning.severity == "warning"
    assert warning.message == f"'{written}' is plain text in httprun: write '{replacement}'"
    assert warning.hint == f"replace '{written}' with '{replacement}'"
    assert warning.span is not None
    assert (warning.span.line, warning.span.column) == (2, 8)
    assert warning.span.end_column == 8 + len(written)


def test_values_without_an_httprun_form_say_why() -> None:
    [warning] = check_file(parse_text("GET http://h/a\nX-A: {{Math.random()}}\n", PATH), ())
    assert warning.message == "'{{Math.random()}}' is plain text in httprun"
    assert warning.label == "httprun has no equivalent"
    assert "JavaScript" in warning.hint


def test_names_that_are_no_identifiers_are_renamed_in_the_env_files_too() -> None:
    [warning] = check_file(parse_text("GET http://h/a\nX-A: {{base-url}}\n", PATH), ())
    assert warning.message == "'{{base-url}}' is plain text in httprun: write '<<base_url>>'"
    assert warning.label == "'base-url' is no httprun name: rename it in the env files too"


@settings(max_examples=50, deadline=None)
@given(
    before=st.text(alphabet="abc/-.=&", max_size=10),
    name=st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True),
    after=st.text(alphabet="abc/-.=&", max_size=10),
    where=st.sampled_from(["url", "continuation", "header", "body"]),
)
def test_each_brace_value_is_reported_once_under_itself_with_its_replacement(
    before: str, name: str, after: str, where: str
) -> None:
    """An error in the request line (URL and continuation lines), a warning elsewhere; the
    hint's replacement, made in the line, leaves no '{{' in it."""
    piece = f"{before}{{{{{name}}}}}{after}"
    lines = {
        "url": [f"GET http://h/{piece}"],
        "continuation": ["GET http://h/a", f"    ?q={piece}"],
        "header": ["GET http://h/a", f"X-A: {piece}"],
        "body": ["POST http://h/a", "", piece],
    }[where]
    found = check_file(parse_text("\n".join(lines) + "\n", PATH), ())
    [diagnostic] = [d for d in found if "plain text" in d.message]  # ("//..." is a comment)
    assert diagnostic.severity == ("error" if where in ("url", "continuation") else "warning")
    assert diagnostic.span is not None
    line = lines[diagnostic.span.line - 1]
    start, end = diagnostic.span.column - 1, diagnostic.span.end_column - 1
    assert line[start:end] == f"{{{{{name}}}}}"
    assert diagnostic.hint == f"replace '{{{{{name}}}}}' with '<<{name}>>'"
    assert "{{" not in line[:start] + f"<<{name}>>" + line[end:]


def test_a_brace_in_a_url_refuses_the_run_of_its_file() -> None:
    with pytest.raises(InvalidFile) as refused:
        refuse_invalid(parse_text("GET http://h/{{id}}\n###\nGET http://h/{{x\n", PATH))
    assert [(d.message, d.span.line if d.span else 0) for d in refused.value.diagnostics()] == [
        ("'{{id}}' is plain text in httprun: write '<<id>>'", 1),
        ("'{{' in a request line", 3),
    ]


def test_white_space_inside_braces_in_a_url_names_the_replacement() -> None:
    error = one_error("GET http://h/?home={{$processEnv HOME}}&x=1\n")
    assert error.message == "'{{$processEnv HOME}}' is plain text in httprun: write '<<$env HOME>>'"
    assert error.span is not None
    assert (error.span.column, error.span.end_column) == (20, 40)


def test_check_names_the_replacement_of_each_brace_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "rest-client.http"
    target.write_text(
        "GET https://example.com/items/{{id}}\n"
        "X-User: {{login.response.body.$.user}}\n"
        "X-Request-Id: {{$guid}}\n"
    )
    code, out, _ = run_cli(["check", str(target)], capsys)
    assert code == 3
    assert [line.removeprefix(str(target) + ":") for line in out.splitlines()] == [
        "1:31: error: '{{id}}' is plain text in httprun: write '<<id>>'"
        " (httprun inserts values with <<...>>)",
        "2:9: warning: '{{login.response.body.$.user}}' is plain text in httprun:"
        " write '<<login.body.user>>' (httprun inserts values with <<...>>)",
        "3:15: warning: '{{$guid}}' is plain text in httprun: write '<<$uuid>>'"
        " (httprun inserts values with <<...>>)",
    ]


def test_a_run_refuses_syntax_errors_before_the_errors_of_the_blocks_that_parse() -> None:
    text = "GET http://h/a\nnot a header\n###\nGET http://h/{{id}}\n"
    http_file, syntax_errors = parse_text_collecting(text, PATH)
    with pytest.raises(InvalidFile) as refused:
        refuse_invalid(http_file, syntax_errors)
    assert [d.span.line if d.span else 0 for d in refused.value.diagnostics()] == [2, 4]
    # One syntax error and nothing else: raised as it is, as parse_text raises it.
    alone, [error] = parse_text_collecting("GET http://h/a\nnot a header\n", PATH)
    with pytest.raises(ParseError) as raised:
        refuse_invalid(alone, [error])
    assert raised.value is error
