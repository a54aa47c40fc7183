"""``runner.static.check_file``: what ``httprun check`` reports before anything is sent."""

from __future__ import annotations

from typing import Any

import pytest
from parser_examples import COMPLETE_EXAMPLE

from runner import static
from runner.errors import Diagnostic
from runner.parser import parse_text
from runner.source import Span
from runner.static import check_file

PATH = "s.http"


def sp(line: int, column: int, end_column: int) -> Span:
    return Span(PATH, line, column, line, end_column)


def check(text: str, defined: tuple[str, ...] = ("host",)) -> list[Diagnostic]:
    return check_file(parse_text(text, PATH), set(defined))


def only(text: str, defined: tuple[str, ...] = ("host",)) -> Diagnostic:
    [diagnostic] = check(text, defined)
    return diagnostic


def messages(text: str, defined: tuple[str, ...] = ("host",)) -> list[str]:
    return [d.message for d in check(text, defined)]


def test_the_complete_example_is_clean_with_its_environment() -> None:
    assert check(COMPLETE_EXAMPLE, ("mallid", "api_version")) == []


def test_a_clean_file() -> None:
    text = (
        "@base = https://<<host>>\n"
        "### login\n"
        "# @name login\n"
        "POST <<base>>/token\n\n"
        "?? status == 200\n"
        ">> token = body.access_token\n"
        "### use\n"
        "GET <<base>>/me?t=<<%token>>&at=<<$timestamp -1d>>\n"
        "Authorization: Bearer <<login.body.access_token>>\n\n"
        "?? body.id == <<token>>\n"
    )
    assert check(text) == []


# ---- Directives and names ------------------------------------------------------------------


def test_directive_problems_come_from_validate_directive() -> None:
    found = check("# @timout 3s\n# @auth cafe42\nGET http://<<host>>\n")
    assert [(d.severity, d.message, d.span) for d in found] == [
        ("warning", "unknown directive '@timout' is ignored", sp(1, 1, 13)),
        ("error", "unknown auth profile 'cafe42'", sp(2, 1, 15)),
    ]
    assert found[0].label == "not a directive of httprun; did you mean 'timeout'?"


def test_request_names_used_twice_are_a_warning() -> None:
    found = only("### a\n# @name x\nGET http://a\n### b\n# @name x\nGET http://b\n")
    assert (found.severity, found.message, found.span) == (
        "warning",
        "request name 'x' is used twice",
        sp(5, 1, 10),
    )
    assert found.label == "first used at line 2"


def test_two_names_in_one_block() -> None:
    found = only("# @name a\n# @name b\nGET http://a\n")
    assert (found.severity, found.message, found.span) == (
        "warning",
        "more than one '@name' in this block",
        sp(1, 1, 10),
    )


def test_a_name_without_a_request() -> None:
    found = only("# @name a\n### x\nGET http://a\n")
    assert found.message == "'@name' in a block without a request names nothing"
    assert found.span == sp(1, 1, 10)


# ---- JMESPath ------------------------------------------------------------------------------


def test_invalid_jmespath_in_a_check_points_at_the_column() -> None:
    found = only("GET http://a\n\n?? body.items[0 == 1\n")
    assert found.severity == "error"
    assert found.message == "invalid JMESPath in check: body.items[0"
    assert found.span == sp(3, 16, 17)
    assert found.label == "the expression ends too early"


def test_invalid_jmespath_in_a_capture_suggests_quoting_dashed_names() -> None:
    found = only("GET http://a\n\n>> limit = headers.x-api-call-limit\n")
    assert found.message == "invalid JMESPath in capture: headers.x-api-call-limit"
    assert found.span == sp(3, 21, 22)
    assert found.label == "Unknown token '-'"
    assert found.hint == "quote names that contain '-': headers.\"x-api-call-limit\""


def test_invalid_jmespath_in_an_interpolation_points_at_it() -> None:
    found = only("GET http://a/<<a.[>>\n")
    assert found.message == "invalid JMESPath in interpolation: a.["
    assert found.span == sp(1, 14, 21)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("GET http://a/?x=<<&host>>\n", "interpolation: &host"),  # was exit 70 when sent
        ("GET http://a\n\n?? &status exists\n", "check: &status"),  # passed
        ("GET http://a\n\n>> x = {a: &status}\n", "capture: {a: &status}"),
        ("GET http://a\n\n?? not_null(&status) exists\n", "check: not_null(&status)"),
    ],
)
def test_an_expression_reference_outside_the_functions_that_take_one(text: str, where: str) -> None:
    found = only(text)
    assert found.message == f"invalid JMESPath in {where}"
    assert found.label.startswith("'&' (an expression reference) may only be an argument of map")


def test_expression_references_where_functions_take_them_are_fine() -> None:
    text = "GET http://a\n\n?? max_by(sort_by(body, &id), &id).id == map(&id, body)[-1]\n"
    assert check(text) == []


def test_unknown_functions() -> None:
    found = only("GET http://a\n\n?? lenght(body) > 1\n")
    assert found.message == "unknown JMESPath function 'lenght()' in check"
    assert found.label == "not a JMESPath function; did you mean 'length'?"
    assert found.span == sp(3, 4, 10)


def test_each_expression_is_compiled_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = static._jmespath_problem

    def counting(expression: str) -> Any:
        calls.append(expression)
        return real(expression)

    monkeypatch.setattr(static, "_jmespath_problem", counting)
    check("GET http://<<host>>/<<host>>\n\n?? body.x == <<host>>\n?? body.x\n>> y = body.x\n")
    assert sorted(calls) == ["body.x", "host"]


def test_checks_reading_no_field_of_the_response_document() -> None:
    found = only("GET http://a\n\n?? stauts == 200\n")
    assert (found.severity, found.message, found.span) == (
        "warning",
        "the response document has no field 'stauts'",
        sp(3, 4, 10),
    )
    assert found.label.endswith("; did you mean 'status'?")
    assert found.hint == "to read the JSON body, write body.stauts"


def test_fields_of_the_response_document_are_fine() -> None:
    text = "GET http://a\n\n" + "".join(
        f"?? {field}\n" for field in ("status", "reason", "headers", "body", "text", "url")
    )
    text += "?? elapsed_ms < `500`\n?? length(body[?x > `1`]) > 0\n?? sort_by(body, &price)\n"
    assert check(text) == []


# ---- Variables -----------------------------------------------------------------------------


def test_undefined_variables_with_did_you_mean() -> None:
    found = only("GET https://<<malid>>.cafe24api.com\n", ("mallid",))
    assert found == Diagnostic(
        "error",
        "undefined variable 'malid'",
        sp(1, 13, 22),
        label="nothing defines 'malid'; did you mean 'mallid'?",
        hint="define it in an env file, with '@name = value', or pass --var NAME=VALUE",
    )


def test_only_the_root_name_of_an_expression_must_be_defined() -> None:
    assert check("GET http://a/<<login.body.items[0].id>>/<<length(items)>>\n", ("login",)) == [
        Diagnostic(
            "error",
            "undefined variable 'items'",
            sp(1, 41, 58),
            label="nothing defines 'items'",
            hint="define it in an env file, with '@name = value', or pass --var NAME=VALUE",
        )
    ]


def test_names_defined_only_later() -> None:
    text = "GET http://a/<<id>>/<<x>>\n### b\n@x = 1\nGET http://b\n\n>> id = body.id\n"
    found = check(text)
    assert [(d.message, d.label, d.span) for d in found] == [
        ("undefined variable 'id'", "'id' is only defined later, at line 6", sp(1, 14, 20)),
        ("undefined variable 'x'", "'x' is only defined later, at line 3", sp(1, 21, 26)),
    ]


def test_what_a_request_can_read() -> None:
    text = (
        "@top = 1\n"
        "### first\n"
        "# @name first\n"
        "@own = 2\n"
        "GET http://a/<<top>>/<<own>>/<<host>>\n\n"
        ">> captured = body.id\n"
        "### second\n"
        "GET http://b/<<first.body.id>>/<<captured>>\n"
        "X-Own: <<own>>\n"
    )
    assert check(text) == []


def test_a_block_cannot_read_its_own_captures_or_name() -> None:
    text = "# @name me\nGET http://a/<<me>>/<<mine>>\n\n?? body.x == <<mine>>\n>> mine = body.id\n"
    assert messages(text) == [
        "undefined variable 'me'",
        "undefined variable 'mine'",
        "undefined variable 'mine'",
    ]


def test_file_variable_values_may_read_names_defined_anywhere() -> None:
    text = "@token = <<login.body.token>>\n### login\n# @name login\nPOST http://a\n"
    assert check(text) == []
    assert messages("@token = <<nobody>>\n") == ["undefined variable 'nobody'"]


def test_auth_is_defined_where_an_auth_profile_is_in_effect() -> None:
    text = (
        "# @auth cafe24\n"
        "### a\n"
        "GET http://a/<<auth.access_token>>\n"
        "### b\n"
        "# @auth none\n"
        "GET http://b/<<auth.access_token>>\n"
    )
    found = only(text)
    assert (found.message, found.span) == ("'auth' is not defined here", sp(6, 14, 35))
    assert "@auth" in found.hint


def test_auth_of_the_block_itself() -> None:
    assert check("# @auth oauth2\nGET http://a/<<auth.scopes>>\n") == []
    assert messages("GET http://a/<<auth.scopes>>\n") == ["'auth' is not defined here"]


def test_dynamic_values() -> None:
    text = (
        "GET http://a/<<$uuid>>/<<$guid>>/<<$randomInt 1>>/<<$nope>>/<<$env HOME_DIR>>\n"
        "X-Time: <<$datetime iso8601 -1d>> <<$datetime '%Y' +2h>> <<$processEnv USER>>\n"
    )
    found = check(text)
    assert [(d.message, d.span) for d in found] == [
        ("unknown dynamic value '$guid'", sp(1, 24, 33)),
        ("wrong number of arguments for $randomInt: got 1", sp(1, 34, 50)),
        ("unknown dynamic value '$nope'", sp(1, 51, 60)),
        ("unknown dynamic value '$processEnv'", sp(2, 58, 78)),
    ]
    assert found[0].hint == "write <<$uuid>>"
    assert found[3].hint == "write <<$env USER>>"


# ---- Other dialects and bodies -------------------------------------------------------------


def test_other_dialect_variables_say_what_to_write_at_their_columns() -> None:
    """Warnings where other languages' templates are at home; an error in the request line."""
    text = (
        "@base = {{host}}\n"
        "GET http://a/{{id}}\n"
        "Authorization: Bearer {{ $guid }}\n\n"
        '{"a": "{{name}}"}\n\n'
        '?? body.a == "{{x}}"\n'
    )
    found = check(text)
    assert [(d.severity, d.message, d.span) for d in found] == [
        ("warning", "'{{host}}' is plain text in httprun: write '<<host>>'", sp(1, 9, 17)),
        ("error", "'{{id}}' is plain text in httprun: write '<<id>>'", sp(2, 14, 20)),
        ("warning", "'{{ $guid }}' is plain text in httprun: write '<<$uuid>>'", sp(3, 23, 34)),
        ("warning", "'{{name}}' is plain text in httprun: write '<<name>>'", sp(5, 8, 16)),
        ("warning", "'{{x}}' is plain text in httprun: write '<<x>>'", sp(7, 15, 20)),
    ]
    assert found[0].label == "httprun inserts values with <<...>>"
    assert found[0].hint == "replace '{{host}}' with '<<host>>'"
    assert found[2].hint == "replace '{{ $guid }}' with '<<$uuid>>'"


def test_a_body_ending_with_a_comment_line() -> None:
    found = only('POST http://a\n\n{"a": 1}\n# created below\n\n?? status == 201\n')
    assert (found.severity, found.span) == ("warning", sp(4, 1, 16))
    assert found.message == "the body ends with a comment line, which is sent as part of the body"


def test_body_lines_that_look_like_checks_or_request_lines() -> None:
    found = check("POST http://a\n\nx\n  ?? status == 200\nGET http://b\n")
    assert [(d.message, d.span) for d in found] == [
        ("indented '??' line is sent as part of the body", sp(4, 3, 19)),
        ("this body line looks like a request line", sp(5, 1, 13)),
    ]


def test_diagnostics_are_sorted_by_position_and_all_have_spans() -> None:
    text = (
        "# @nope\n"
        "GET http://a/<<b>>/{{c}}\n\n"
        "?? lenght(x)\n"
        "### second\n"
        "# @name n\n"
        "GET http://<<zz>>\n"
    )
    found = check(text)
    positions = [(d.span.line, d.span.column) for d in found if d.span is not None]
    assert len(positions) == len(found) == 5
    assert positions == sorted(positions)
