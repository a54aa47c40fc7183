"""``runner.directives``: the known directives, their readers and their validation."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runner.directives import (
    DEFAULT_RETRY_INTERVAL,
    KNOWN_DIRECTIVES,
    RetrySpec,
    did_you_mean,
    parse_duration,
    parse_retry,
    request_settings,
    validate_directive,
)
from runner.errors import Diagnostic, ParseError
from runner.nodes import Block, Directive
from runner.parser import parse_text
from runner.source import Span

SPAN = Span("t.http", 3, 1, 3, 20)


def directive(key: str, value: str = "") -> Directive:
    return Directive(key, value, SPAN)


def test_the_known_directives_are_those_of_the_format() -> None:
    assert set(KNOWN_DIRECTIVES) == {
        "name",
        "auth",
        "timeout",
        "retry",
        "no-redirect",
        "skip",
        "import",
        "data",
    }


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30s", 30.0),
        ("500ms", 0.5),
        ("2m", 120.0),
        ("1h", 3600.0),
        ("10", 10.0),
        ("1.5s", 1.5),
        (" 2 s ", 2.0),
        (".5", 0.5),
        ("0", 0.0),
    ],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text, SPAN) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "s", "-1s", "10x", "1d", "ten", "1 2", "١s"])
def test_parse_duration_rejects_other_text(text: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_duration(text, SPAN)
    assert caught.value.message == f"invalid duration '{text.strip()}'"
    assert caught.value.span == SPAN
    assert "30s, 500ms, 2m or 1h" in caught.value.hint


def test_parse_retry_with_and_without_interval() -> None:
    assert parse_retry(directive("retry", "5")) == RetrySpec(5, DEFAULT_RETRY_INTERVAL)
    assert DEFAULT_RETRY_INTERVAL == 1.0
    assert parse_retry(directive("retry", "3 500ms")) == RetrySpec(3, 0.5)
    assert parse_retry(directive("retry", "0")) == RetrySpec(0, 1.0)


def test_parse_retry_reads_leading_zeros_and_refuses_any_number_of_digits_as_too_many() -> None:
    assert parse_retry(directive("retry", "0010")) == RetrySpec(10, 1.0)
    for count in ("10001", "9" * 5000):  # 5000 digits: int() refused them, exit 70
        with pytest.raises(ParseError, match="is too many tries") as caught:
            parse_retry(directive("retry", count))
        assert len(caught.value.message) < 60


@pytest.mark.parametrize("value", ["", "x", "-1", "1 2 3", "²", "2 soon"])
def test_parse_retry_rejects_bad_values_at_the_directive(value: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_retry(directive("retry", value))
    assert caught.value.span == SPAN


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("name", "products"),
        ("name", "_x1"),
        ("auth", "cafe24"),
        ("auth", "oauth2"),
        ("auth", "none"),
        ("auth", "Cafe24"),
        ("timeout", "30s"),
        ("retry", "5 2s"),
        ("no-redirect", ""),
        ("skip", ""),
        ("skip", "the sandbox has no orders"),
    ],
)
def test_valid_directives_have_no_diagnostics(key: str, value: str) -> None:
    assert validate_directive(directive(key, value)) == []


def test_unknown_directive_is_a_warning_with_did_you_mean() -> None:
    [found] = validate_directive(directive("timout", "3s"))
    assert found == Diagnostic(
        "warning",
        "unknown directive '@timout' is ignored",
        SPAN,
        label="not a directive of httprun; did you mean 'timeout'?",
        hint="the directives are @name, @auth, @timeout, @retry, @no-redirect, @skip, "
        "@import, @data",
    )


def test_directives_of_other_tools_say_what_httprun_does_instead() -> None:
    [found] = validate_directive(directive("no-log"))
    assert found.severity == "warning"
    assert found.message == "directive '@no-log' of other .http tools is ignored"
    assert found.label == "httprun keeps no response history"
    assert found.hint == "remove this line"


@pytest.mark.parametrize("key", ["ref", "forceRef"])
def test_httpyac_references_are_not_needed(key: str) -> None:
    [found] = validate_directive(directive(key, "login"))
    assert found.severity == "warning"
    assert found.message == f"directive '@{key}' of other .http tools is ignored"
    assert found.label == (
        "httprun runs a named request first when a later one reads <<name.body...>>"
    )
    assert found.hint == "remove this line"


@pytest.mark.parametrize("key", ["import", "data"])
def test_import_and_data_take_a_path(key: str) -> None:
    assert validate_directive(directive(key, "./other")) == []
    [found] = validate_directive(directive(key, ""))
    assert (found.severity, found.message) == ("error", f"'@{key}' needs a path")
    assert found.hint == f"write '# @{key} PATH'"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("name", "", "'@name' needs a name"),
        ("name", "my-request", "invalid request name 'my-request'"),
        ("name", "1st", "invalid request name '1st'"),
        ("auth", "", "'@auth' needs a profile"),
        ("auth", "cafe42", "unknown auth profile 'cafe42'"),
        ("timeout", "soon", "invalid duration 'soon'"),
        ("timeout", "0s", "'@timeout' must be longer than 0"),
        ("retry", "often", "invalid @retry 'often'"),
        ("retry", "3 soon", "invalid duration 'soon'"),
    ],
)
def test_bad_values_are_errors_at_the_directive(key: str, value: str, message: str) -> None:
    [found] = validate_directive(directive(key, value))
    assert found.severity == "error"
    assert found.message == message
    assert found.span == SPAN
    assert found.hint == f"write '# {KNOWN_DIRECTIVES[key]}'"


def test_unknown_auth_profile_suggests_the_closest() -> None:
    [found] = validate_directive(directive("auth", "cafe42"))
    assert found.label == "expected cafe24, oauth2 or none; did you mean 'cafe24'?"


def test_no_redirect_with_a_value_is_a_warning() -> None:
    [found] = validate_directive(directive("no-redirect", "please"))
    assert found.severity == "warning"
    assert found.message == "'@no-redirect' takes no value; 'please' is ignored"


def test_did_you_mean() -> None:
    assert did_you_mean("malid", ["mallid", "scope"]) == "; did you mean 'mallid'?"
    assert did_you_mean("zzz", {"mallid"}) == ""
    assert did_you_mean("x", []) == ""


# -- request_settings ----------------------------------------------------------------------------


def requests_of(text: str) -> tuple[list[Directive], Block]:
    """The file defaults before the last request of ``text``, and that request's block."""
    blocks = parse_text(text, "s.http").blocks
    defaults = [d for block in blocks[:-1] if block.request is None for d in block.directives]
    return defaults, blocks[-1]


def test_settings_without_directives_are_the_defaults() -> None:
    settings_ = request_settings(*requests_of("GET http://x/\n"))
    assert settings_.skip is None
    assert settings_.retry is None
    assert settings_.auth is None
    assert settings_.timeout is None
    assert settings_.follow_redirects is True
    assert settings_.problems == ()


def test_the_block_overrides_the_file_defaults_key_by_key() -> None:
    defaults, block = requests_of(
        "# @timeout 10s\n# @retry 2\n# @auth cafe24\n# @no-redirect\n@x = 1\n\n"
        "###\n# @timeout 500ms\n# @auth none\nGET http://x/\n"
    )
    found = request_settings(defaults, block)
    assert found.timeout == 0.5
    assert found.retry == RetrySpec(2, DEFAULT_RETRY_INTERVAL)
    assert found.auth is None  # "@auth none" turns the file default off
    assert found.follow_redirects is False


def test_auth_profile_and_skip_reason() -> None:
    found = request_settings(*requests_of("# @auth  CAFE24 \n# @skip not today\nGET http://x/\n"))
    assert found.auth == "cafe24"
    assert found.auth_span is not None and found.auth_span.line == 1
    assert found.skip == "not today"
    assert request_settings(*requests_of("# @skip\nGET http://x/\n")).skip == "@skip"


def test_bad_values_are_problems_and_leave_the_default() -> None:
    defaults, block = requests_of("# @auth bogus\n@x = 1\n\n###\n# @timeout soon\nGET http://x/\n")
    found = request_settings(defaults, block)
    assert found.timeout is None
    assert [problem.span.line for problem in found.problems if problem.span] == [1, 5]
    with pytest.raises(ParseError, match="unknown auth profile 'bogus'"):
        found.require_valid()


_VALUES = st.sampled_from(
    ["", "0", "0s", "5", "3 10ms", "2 soon", "soon", "cafe24", "none", "OAuth2", "x", "1h", "-1"]
)


@settings(max_examples=100, deadline=None)
@given(keys=st.lists(st.sampled_from(sorted(KNOWN_DIRECTIVES)), max_size=4), data=st.data())
def test_settings_refuse_exactly_what_check_calls_an_error(
    keys: list[str], data: st.DataObject
) -> None:
    values = [data.draw(_VALUES) for _ in keys]
    lines = "".join(f"# @{key} {value}\n" for key, value in zip(keys, values, strict=True))
    defaults, block = requests_of(lines + "GET http://x/\n")
    errors = [
        diagnostic
        for directive in block.directives
        for diagnostic in validate_directive(directive)
        if diagnostic.severity == "error"
    ]
    found = request_settings(defaults, block)
    assert [(p.message, p.span) for p in found.problems] == [(e.message, e.span) for e in errors]
