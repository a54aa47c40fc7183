"""Files httprun could not read whole (a malformed env file, a request file that does not
parse or does not check) still hide the secrets they hold literally, in every place that shows
their text: the rendered error's source line and message, `httprun check` and `httprun list`."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import no_colour, run_cli  # noqa: F401 (no_colour: autouse, colour off)
from hypothesis import assume, given
from hypothesis import strategies as st

from runner.masking import MASK, LiteralMasker, mask_named_values

SECRET = "S3cretTokenValue99"


@pytest.mark.parametrize(
    "line",
    [
        f'client_secret="{SECRET}',  # a quote never closed
        f"client_secret='{SECRET}",
        f"client_secret {SECRET}",  # no '='
        f"this line is broken {SECRET}",  # the secret given on the line before
    ],
)
def test_a_malformed_env_file_shows_no_secret_in_its_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str
) -> None:
    env = tmp_path / "bad.env"
    env.write_text(f"base=http://127.0.0.1:9\nclient_secret={SECRET}\n{line}\n")
    request = tmp_path / "a.http"
    request.write_text("GET <<base>>/\n")
    for args in (["check", str(request)], [str(request), "--dry-run"]):
        result = run_cli([*args, "--env", str(env)], capsys)
        assert result.code == 3
        assert "bad.env:3:1" in result.output
        assert SECRET not in result.output
        assert MASK in result.output


LITERAL_FILE = """\
### literal secrets
GET http://user:UrlPassword123@127.0.0.1:9/x?api_key=QueryKey12345&a=1
Authorization: Bearer LiteralBearer999
# @timeout LiteralBearer999

?? body.x == 'LiteralBearer999' ]]
"""
LITERALS = ("UrlPassword123", "QueryKey12345", "LiteralBearer999")


def test_a_request_file_that_does_not_parse_shows_none_of_its_literal_secrets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    request = tmp_path / "lit.http"
    request.write_text(LITERAL_FILE)
    for args in ([str(request)], ["check", str(request)], ["list", str(request)]):
        result = run_cli(args, capsys)
        assert result.code == 3
        assert "lit.http:" in result.output
        assert not [literal for literal in LITERALS if literal in result.output]


def test_list_and_check_show_no_literal_secret_of_a_file_that_checks_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    request = tmp_path / "lit.http"
    request.write_text(LITERAL_FILE.replace(" ]]", "").replace("# @timeout LiteralBearer999\n", ""))
    listed = run_cli(["list", str(request)], capsys)
    assert listed.code == 0
    assert listed.out.endswith("GET http://user:****@127.0.0.1:9/x?api_key=****&a=1\n")
    checked = run_cli(["check", str(request)], capsys)
    assert not [literal for literal in LITERALS if literal in checked.output]


def test_references_to_secrets_stay_readable_under_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    request = tmp_path / "u.http"
    request.write_text("GET http://127.0.0.1:9/\nAuthorization: Bearer <<tokn>>\n")
    result = run_cli([str(request)], capsys)
    assert result.code == 3
    assert "2 | Authorization: Bearer <<tokn>>" in result.output


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("export client_secret = abc", "export client_secret = ****"),
        ("@api_key = xyz", "@api_key = ****"),
        ("X-Auth-Token: abc def", "X-Auth-Token: ****"),
        ("Cookie: sid=abc", "Cookie: ****"),
        ("Authorization: Basic dXNlcjpwYXNz", "Authorization: Basic ****"),
        ('  "password": "p\\"w", "name": "n"', '  "password": "****", "name": "n"'),
        ("GET http://h/x?a=1&apiKey=k1&b=2", "GET http://h/x?a=1&apiKey=****&b=2"),
        ("GET http://user:pw@h/", "GET http://user:****@h/"),
        ("Authorization: Bearer <<token>>", "Authorization: Bearer <<token>>"),
        ("client_secret=${CAFE24_CLIENT_SECRET}", "client_secret=${CAFE24_CLIENT_SECRET}"),
        ("token_type=Bearer&keyword=abc", "token_type=Bearer&keyword=abc"),
        ("?? body.total == `3`", "?? body.total == `3`"),
    ],
)
def test_values_given_to_secret_names_are_masked_in_a_line(line: str, shown: str) -> None:
    assert mask_named_values(line) == shown


# Printable ASCII without white space (a value ends at it) and what starts a reference or
# ends a query parameter's value.
_VALUES = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="&#;,<$"),
    min_size=1,
)


@given(value=_VALUES, name=st.sampled_from(["client_secret", "apiKey", "x-auth-token", "pwd"]))
def test_every_form_of_assignment_hides_the_value(value: str, name: str) -> None:
    # "@name :x" reads as "@name" ":" "x": a leading ':' or '=' is the separator's.
    assume(value[0] not in ":=")
    for line in (f"{name}={value}", f"{name} = {value}", f"{name}: {value}", f"@{name} {value}"):
        assert mask_named_values(line) == line[: -len(value)] + MASK


def test_a_file_refused_before_it_runs_hides_the_env_and_var_secrets_it_quotes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Nothing of the file runs, so no variable is ever used: the secrets are learnt up front.
    request = tmp_path / "q.http"
    request.write_text(f"GET http://127.0.0.1:9/\n\n?? body.x == '{SECRET}' ]]\n")
    env = tmp_path / "dev.env"
    env.write_text(f"client_secret={SECRET}\n")
    setting = tmp_path / "settings.env"
    setting.write_text(f"HTTPRUN_SANDBOX_CLIENT_SECRET={SECRET}\n")
    for secrets in (
        ["--env", str(env)],
        ["--var", f"client_secret={SECRET}"],
        ["--env", str(setting)],
    ):
        for command in (["check"], [], ["--dry-run"]):
            result = run_cli([*command, str(request), *secrets], capsys)
            assert result.code == 3
            assert "q.http:3:14" in result.output
            assert SECRET not in result.output
            assert "the value is '****'" in result.output


def test_an_unsplittable_url_hides_its_password_and_secret_pairs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    request = tmp_path / "u.http"
    request.write_text("GET http://user:BadUrlPw777@[::1/x?api_key=BadUrlKey888\n")
    report = tmp_path / "r.json"
    result = run_cli([str(request), "--json", str(report)], capsys)
    assert result.code == 3, result.output
    shown = result.output + report.read_text("utf-8")
    assert "BadUrl" not in shown
    assert "GET http://user:****@[::1/x?api_key=****" in result.output


@given(
    values=st.lists(st.text(alphabet="ab:= ", min_size=4, max_size=7), max_size=6),
    text=st.text(alphabet="ab:= x", max_size=40),
)
def test_the_literal_masker_masks_every_occurrence_of_every_value(
    values: list[str], text: str
) -> None:
    # It finds candidates by prefix, either way round: it must find what a plain search finds.
    expected = [
        (start, start + len(value))
        for value in values
        if value.strip()
        for start in range(len(text))
        if text.startswith(value, start)
    ]
    masked = LiteralMasker(values).mask(text)
    if not expected:
        assert masked == text
    else:
        covered = sorted(expected)
        merged: list[list[int]] = [list(covered[0])]
        for start, end in covered[1:]:
            if start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        shown, last = [], 0
        for start, end in merged:
            shown += [text[last:start], MASK]
            last = end
        assert masked == "".join([*shown, text[last:]])


def test_many_literal_secrets_and_errors_are_all_masked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 2,000 requests, each with its own literal token and an error: every message is masked
    # by a file masker of 2,000 values, found by prefix (a search per value took seconds).
    request = tmp_path / "many.http"
    request.write_text(
        "\n".join(
            f"### r{i}\nGET http://127.0.0.1:9/\nAuthorization: Bearer Tok{i:06d}abc\n\n"
            f"?? body.[ == 'Tok{i:06d}abc'\n"
            for i in range(2000)
        )
    )
    result = run_cli(["check", str(request)], capsys)
    assert result.code == 3
    assert result.out.count("invalid JMESPath in check: body.[ == '****'") == 2000
    assert "Tok0" not in result.out
