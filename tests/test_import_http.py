"""``httprun import http``: one foreign .http file converted (runner/importers/dialects.py and
dialect_scripts.py), each row of IMPORT.md's JetBrains / REST Client / httpyac table a case."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runner.importers.dialect_scripts import translate_assertion, translate_handler
from runner.importers.dialects import ConvertedFile, convert_http
from runner.importers.names import Renamer, is_identifier
from runner.parser import parse_text

REPO = Path(__file__).resolve().parent.parent


def convert(text: str, known: frozenset[str] = frozenset({"host"})) -> ConvertedFile:
    return convert_http(text, "api.http", Renamer(), known)


def converted(text: str) -> str:
    result = convert(text)
    assert result.text is not None
    return result.text


# ---- {{...}} everywhere, names, dynamic values, references -----------------------------------

ROWS = {
    # theirs: the line of the converted file
    "GET {{host}}/a": "GET <<host>>/a",
    "GET {{host}}/{{$uuid}}/{{$random.uuid}}/{{$guid}}": (
        "GET <<host>>/<<$uuid>>/<<$uuid>>/<<$uuid>>"
    ),
    "GET {{host}}/{{$timestamp}}/{{$isoTimestamp}}": (
        "GET <<host>>/<<$timestamp>>/<<$isoTimestamp>>"
    ),
    "GET {{host}}/{{$randomInt}}/{{$random.integer(1, 5)}}/{{$randomInt 2 3}}": (
        "GET <<host>>/<<$randomInt 0 1000>>/<<$randomInt 1 5>>/<<$randomInt 2 3>>"
    ),
    'GET {{host}}/{{$datetime iso8601}}/{{$datetime "DD-MM-YYYY" 1 d}}': (
        'GET <<host>>/<<$datetime iso8601>>/<<$datetime "%d-%m-%Y" +1d>>'
    ),
    "GET {{host}}/{{$localDatetime iso8601}}": "GET <<host>>/<<$datetime iso8601>>",
    "GET {{host}}/{{$processEnv HOME}}/{{$env.HOME}}": "GET <<host>>/<<$env HOME>>/<<$env HOME>>",
    "GET {{host}}/{{$dotenv KEY}}": "GET <<host>>/<<KEY>>",
    "GET {{host}}/{{login.response.body.$.token}}": "GET <<host>>/<<login.body.token>>",
    "GET {{host}}/{{login.response.headers.X-Id}}": 'GET <<host>>/<<login.headers."x-id">>',
}


@pytest.mark.parametrize(("line", "expected"), ROWS.items())
def test_each_value_of_the_table(line: str, expected: str) -> None:
    assert expected in converted(f"{line}\n").splitlines()


def test_variable_lines_and_names_that_are_no_identifiers() -> None:
    text = converted(
        "@Catalog.API_HostAddress = http://localhost:5222\n"
        "@base = {{Catalog.API_HostAddress}}/api\n"
        "\n"
        "GET {{base}}/items?x={{Catalog.API_HostAddress}}\n"
    )
    assert text == (
        "@Catalog_API_HostAddress = http://localhost:5222\n"
        "@base = <<Catalog_API_HostAddress>>/api\n"
        "\n"
        "GET <<base>>/items?x=<<Catalog_API_HostAddress>>\n"
    )


def test_request_names_renamed_with_their_references() -> None:
    text = converted(
        "# @name get-user\nGET {{host}}/u\n\n###\nGET {{host}}/x/{{get-user.response.body.$.id}}\n"
    )
    assert "# @name get_user" in text
    assert "<<get_user.body.id>>" in text


def test_httpyac_names_by_title_and_reads_a_response_without_response_body() -> None:
    text = converted(
        "### login\nPOST {{host}}/login\n\n###\n# @name me\nGET {{host}}/me?t={{login.token}}\n"
    )
    assert "### login\n# @name login\nPOST <<host>>/login" in text
    assert "GET <<host>>/me?t=<<login.body.token>>" in text


def test_a_title_nobody_refers_to_gets_no_name() -> None:
    text = "### List the products\nGET <<host>>/json\n"
    assert converted(text) == text


def test_literal_markers_of_a_foreign_file_are_escaped() -> None:
    text = converted("POST {{host}}/x\n\na << b {{c}}\n")
    assert text.endswith("a \\<< b <<c>>\n")


def test_a_value_without_an_equivalent_is_kept_and_noted() -> None:
    result = convert("GET {{host}}/{{$random.email}}\n")
    assert result.text == "GET <<host>>/{{$random.email}}\n"
    assert [note.line for note in result.notes] == [1]
    assert "{{$random.email}}" in result.notes[0].what


# ---- request lines ---------------------------------------------------------------------------


def test_relative_request_lines_use_host() -> None:
    assert converted("GET /items\n") == "GET <<host>>/items\n"
    result = convert_http("GET /items HTTP/1.1\n", "a.http", Renamer(), frozenset())
    assert result.text == "GET <<host>>/items HTTP/1.1\n"
    assert "define 'host'" in result.notes[0].what


def test_a_file_variable_host_is_known() -> None:
    result = convert_http("@host = http://x\n\nGET /items\n", "a.http", Renamer(), frozenset())
    assert result.notes == []


def test_lower_case_methods_become_upper_case() -> None:
    assert converted("get {{host}}/a\n") == "GET <<host>>/a\n"


@pytest.mark.parametrize("method", ["GRPC", "WEBSOCKET", "MQTT", "GRAPHQL", "WS"])
def test_other_protocols_are_kept_as_comments(method: str) -> None:
    result = convert(f'### other\n{method} localhost:5000/chat\n{{"a": 1}}\n\n### next\nGET /a\n')
    assert result.text == (
        f'### other\n# {method} localhost:5000/chat\n# {{"a": 1}}\n\n### next\nGET <<host>>/a\n'
    )
    assert result.requests == 1
    assert [note.line for note in result.notes] == [2]


@pytest.mark.parametrize(
    ("line", "advice"),
    [("curl -X POST https://x -d a=1", "httprun import curl"), ("run #login", "@import")],
)
def test_other_tools_commands_are_kept_with_what_to_do(line: str, advice: str) -> None:
    result = convert(f"### a\n{line}\nX-A: 1\n\n### b\nGET /b\n")
    assert result.text == f"### a\n# {line}\n# X-A: 1\n\n### b\nGET <<host>>/b\n"
    assert [note.line for note in result.notes] == [2]
    assert advice in result.notes[0].what


def test_jetbrains_import_at_the_top_becomes_an_import_directive() -> None:
    result = convert("import ./auth.http\n\n### a\nGET {{host}}/a?t={{token}}\n")
    assert result.text == "# @import ./auth.http\n\n### a\nGET <<host>>/a?t=<<token>>\n"
    assert result.notes == []
    parse_text(result.text)


def test_jetbrains_import_below_a_request_is_kept_with_what_to_do() -> None:
    result = convert("### a\nGET /a\n\n### b\nimport ./auth.http\n")
    assert "# import ./auth.http" in (result.text or "")
    assert "# @import PATH' in the file's first block" in result.notes[0].what


def test_rest_client_graphql_header_is_noted() -> None:
    result = convert("POST {{host}}/g\nX-Request-Type: GraphQL\n\nquery { a }\n")
    assert "GraphQL" in result.notes[0].what


# ---- directives ------------------------------------------------------------------------------


def test_directives() -> None:
    result = convert(
        "# @name = login\n# @no-redirect\n// @timeout 2 m\n# @disabled\n# @prompt user\n"
        "GET {{host}}/a\n"
    )
    assert result.text == (
        "# @name login\n# @no-redirect\n// @timeout 2 m\n# @skip\n# # @prompt user\n"
        "GET <<host>>/a\n"
    )
    assert [note.line for note in result.notes] == [5]
    assert "--var" in result.notes[0].what


def test_a_directive_after_the_request_line_moves_above_it_as_a_comment() -> None:
    result = convert("GET {{host}}/a\n# @name late\nAccept: */*\n")
    assert result.text == "# # @name late\nGET <<host>>/a\nAccept: */*\n"
    assert "move it above" in result.notes[0].what


# ---- JetBrains handlers ----------------------------------------------------------------------

JETBRAINS = """\
GET {{host}}/json

> {%
    client.test("listed", function() {
        client.assert(response.status === 200, "status");
        client.assert(response.body.products.length > 0);
    });
    client.global.set("token", response.body.token);
%}
"""


def test_jetbrains_handler_shapes_become_checks_and_captures() -> None:
    result = convert(JETBRAINS)
    assert result.text == (
        "GET <<host>>/json\n\n"
        "?? status == 200\n?? length(body.products) > 0\n>> token = body.token\n"
    )
    assert result.notes == []


HANDLERS = {
    'client.global.set("t", response.body.token)': [">> t = body.token"],
    'client.global.set("t", response.body["a-b"][0].c)': ['>> t = body."a-b"[0].c'],
    'client.global.set("h", response.headers.valueOf("X-Id"))': ['>> h = headers."x-id"'],
    "client.assert(response.status === 200)": ["?? status == 200"],
    "client.assert(201 == response.status)": ["?? status == 201"],
    "client.assert(response.status < 300)": ["?? status < 300"],
    "client.assert(response.body.name !== 'x')": ['?? body.name != "x"'],
    "client.assert(response.body.ok)": ["?? body.ok"],
    "client.assert(response.body.a !== null)": ["?? body.a exists"],
    "client.assert(response.body.a === undefined)": ["?? body.a not exists"],
    'client.assert(response.contentType.mimeType === "application/json")': [
        "?? headers.\"content-type\" matches '^application/json(;|$)'"
    ],
    'client.assert(response.body.tags.includes("new"))': ['?? body.tags contains "new"'],
    'client.assert(response.body.hasOwnProperty("id"))': ["?? body.id exists"],
    'client.test("t", () => { client.assert(response.status === 204, "m"); });': [
        "?? status == 204"
    ],
}


@pytest.mark.parametrize(("script", "lines"), HANDLERS.items())
def test_handler_shapes(script: str, lines: list[str]) -> None:
    translation = translate_handler(script)
    assert list(translation.lines) == lines
    assert translation.complete


@pytest.mark.parametrize(
    "script",
    [
        "client.log(response.body)",
        "client.assert(response.body.a === someVariable)",
        'client.global.set("t", response.body.token.substring(3))',
        "const x = 1;",
        "client.assert(",
    ],
)
def test_other_javascript_is_not_translated(script: str) -> None:
    assert not translate_handler(script).complete


def test_other_javascript_is_kept_above_the_request_and_noted() -> None:
    result = convert(
        "### one\n< {% request.variables.set('a', 1) %}\nPOST {{host}}/a\n\nbody\n\n"
        "> {%\n  client.assert(response.status === 200);\n  client.log('x');\n%}\n"
        "> ./check.js\n>> ./out.json\n>>! ./out.json\n"
    )
    assert result.text == (
        "### one\n"
        "# < {% request.variables.set('a', 1) %}\n"
        "# > {%\n#   client.assert(response.status === 200);\n#   client.log('x');\n# %}\n"
        "# > ./check.js\n# >> ./out.json\n# >>! ./out.json\n"
        "POST <<host>>/a\n\nbody\n\n?? status == 200\n"
    )
    assert [note.line for note in result.notes] == [2, 7, 11, 12, 13]
    assert "1 of its lines translated" in result.notes[1].what


# ---- httpyac assertions and script blocks ----------------------------------------------------

ASSERTIONS = {
    "?? status == 200": "?? status == 200",
    "?? body id == 1": "?? body.id == 1",
    "?? body $.items[0].name == Tee": "?? body.items[0].name == 'Tee'",
    "?? body == {}": "?? body == {}",
    "?? header content-type includes json": "?? headers.\"content-type\" contains 'json'",
    "?? header X-Id exists": '?? headers."x-id" exists',
    "?? duration < 500": "?? elapsed_ms < 500",
    "?? body ok isTrue": "?? body.ok == true",
    "?? body name isString": "?? type(body.name) == 'string'",
    "?? body name startsWith a.b": "?? body.name matches '^a\\.b'",
    "?? body name endsWith x": "?? body.name matches 'x$'",
    "?? body name matches ^T": "?? body.name matches '^T'",
    "?? body name == it's": '?? body.name == "it\'s"',
    "?? body id == {{expected}}": "?? body.id == <<expected>>",
}


@pytest.mark.parametrize(("line", "expected"), ASSERTIONS.items())
def test_httpyac_assertions(line: str, expected: str) -> None:
    assert converted(f"GET {{{{host}}}}/a\n\n{line}\n").endswith(f"\n{expected}\n")


@pytest.mark.parametrize(
    "line", ["?? js response.parsedBody.a == 1", "?? xpath //a == 1", "?? body sha256 abc"]
)
def test_httpyac_assertions_without_a_form_are_kept(line: str) -> None:
    result = convert(f"GET {{{{host}}}}/a\n\n{line}\n")
    assert result.text == f"# {line}\nGET <<host>>/a\n\n"
    assert [note.line for note in result.notes] == [3]


def test_httprun_checks_are_left_as_they_are() -> None:
    assert translate_assertion("?? body.id == 1", Renamer()) is None
    text = "GET <<host>>/a\n\n?? body.id == 1\n?? length(body) > 0\n>> id = body.id\n"
    assert converted(text) == text


def test_httpyac_exports_after_a_request_become_captures() -> None:
    result = convert(
        "GET /a\n\n{{\n  // keep the token\n  exports.token = response.parsedBody.token;\n"
        "  $global.first = response.parsedBody.items[0].id\n}}\n"
    )
    assert result.text == "GET <<host>>/a\n\n>> token = body.token\n>> first = body.items[0].id\n"
    assert result.notes == []


def test_httpyac_script_blocks_are_kept() -> None:
    result = convert("{{\n  exports.a = 1;\n}}\nGET /a\n\n{{@response\n  x();\n}}\n")
    assert result.text == (
        "# {{\n#   exports.a = 1;\n# }}\n# {{@response\n#   x();\n# }}\nGET <<host>>/a\n\n"
    )
    assert [note.line for note in result.notes] == [1, 6]


# ---- the result always parses ----------------------------------------------------------------


def test_lines_httprun_cannot_read_are_kept_and_noted() -> None:
    result = convert("GET {{host}}/a b c\n\n###\nGET {{host}}/ok\nnot a header\n")
    assert result.text is not None
    parse_text(result.text)
    assert {note.line for note in result.notes} == {1, 5}


@pytest.mark.parametrize("path", sorted((REPO / "requests").glob("*.http")), ids=lambda p: p.name)
def test_httprun_files_come_out_unchanged(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    result = convert_http(text, str(path), Renamer(), frozenset())
    assert result.text == text
    assert result.notes == []


def test_a_rest_client_host_header_keeps_a_relative_url() -> None:
    text = "GET /items\nHost: example.com\n"
    result = convert_http(text, "a.http", Renamer(), frozenset())
    assert result.text == text
    assert result.notes == []


# Lines of valid httprun files, by where they may stand.
_PRELUDE = st.sampled_from(
    ["", "# a comment", "// another", "@a = <<host>>/x", "# @name n1", "# @timeout 5s", "@b ="]
)
_REQUEST = st.sampled_from(
    [
        "GET <<a>>/x",
        "POST <<host>>/y HTTP/1.1",
        "GET /z\nHost: example.com",  # a path alone needs its Host header in httprun
        "PUT https://x/<<%id>>?q=\\<<lit",
    ]
)
_HEADER = st.sampled_from(["Accept: */*", "X-A: <<b>>", "Host: example.com", "# between"])
_BODY = st.sampled_from(["", '{"a": <<a>>}', "# body text", "< ./file.json", "a=<<%b>>&c=1"])
_CHECK = st.sampled_from(
    ["?? status == 200", "?? body.a == 'x'", ">> c = body.c", "?? length(body) > `0`", "<> ./r"]
)


@st.composite
def _httprun_files(draw: st.DrawFn) -> str:
    blocks: list[str] = []
    for index in range(draw(st.integers(1, 4))):
        lines = [f"### block {index}"] if index or draw(st.booleans()) else []
        lines += draw(st.lists(_PRELUDE, max_size=3))
        lines.append(draw(_REQUEST))
        lines += draw(st.lists(_HEADER, max_size=3))
        body = draw(st.lists(_BODY, max_size=3))
        lines += ["", *body] if body else []
        lines += draw(st.lists(_CHECK, max_size=3))
        blocks.append("\n".join(lines))
    return "\n".join(blocks) + "\n"


@settings(max_examples=50)
@given(_httprun_files())
def test_httprun_files_of_any_shape_come_out_unchanged(text: str) -> None:
    parse_text(text)  # an httprun file
    assert converted(text) == text


_LINES = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "###", "### t", "GET /a", "POST {{h}}/x", "get https://x", "GRPC x", "@a = 1",
                "@a-b = {{c}}", "# @name x-y", "# @prompt p", "Accept: */*", "", "{", "}",
                "{{", "}}", "> {%", "%}", "< {%", "client.assert(response.status === 200)",
                "?? status == 200", "?? body id == 1", "?? js x", ">> ./f.json", ">> t = body",
                "<> ./r.json", "< ./f.json", "  ?a=1", "a << b", "<<x>>", "{{x.response.body.$.a}}",
            ]
        ),
        st.text(st.characters(exclude_categories=["Cs"]), max_size=20),
    ),
    max_size=25,
)  # fmt: skip


@settings(max_examples=50)
@given(_LINES)
def test_arbitrary_lines_never_crash_and_always_parse_or_are_reported(lines: list[str]) -> None:
    result = convert_http("\n".join(lines), "fuzz.http", Renamer(), frozenset())
    if result.text is None:
        assert result.notes
    else:
        parse_text(result.text)


@settings(max_examples=50)
@given(st.text(max_size=12))
def test_renamed_names_are_identifiers(name: str) -> None:
    text = convert_http(f"@{name.strip() or 'x'}x = 1\n", "a.http", Renamer(), frozenset()).text
    assert text is not None
    variables = [block.variables for block in parse_text(text).blocks]
    assert all(is_identifier(v.name) for vs in variables for v in vs)
