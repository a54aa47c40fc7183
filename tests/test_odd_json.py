"""Odd JSON never crashes a run: lone surrogates and deep nesting, in bodies, checks, captures
and every report (docs/FORMAT.md, "Odd input")."""

from __future__ import annotations

import io
import json
import string
from pathlib import Path
from typing import Any

import httpx
import pytest
from cli_helpers import no_colour, run_cli  # noqa: F401 (no_colour: autouse, colour off)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runner.jsonvalues import MAX_DEPTH, TooDeep, decode_json, exceeds_depth, valid_text
from runner.masking import Masker
from runner.reporters.console import ConsoleReporter
from runner.reporters.html import render_html
from runner.reporters.json_report import render_json
from runner.reporters.junit import render_junit
from runner.run import RunOptions, run_files


def report_args(folder: Path) -> list[str]:
    return [
        "--junit",
        str(folder / "r.xml"),
        "--json",
        str(folder / "r.json"),
        "--html",
        str(folder / "r.html"),
    ]


def assert_reports_written(folder: Path) -> dict[str, Any]:
    assert (folder / "r.xml").read_text(encoding="utf-8").startswith("<?xml")
    assert "</html>" in (folder / "r.html").read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads((folder / "r.json").read_text(encoding="utf-8"))
    return document


# Hypothesis never draws surrogates for text, so lone ones are mixed in by code point.
_JSON_TEXT = st.lists(st.characters() | st.integers(0xD800, 0xDFFF).map(chr), max_size=8).map(
    "".join
)


# --- the rules, unit by unit -------------------------------------------------------------------


def test_a_lone_surrogate_escape_decodes_to_the_replacement_character() -> None:
    assert decode_json('{"a": "\\ud800", "\\udc00k": ["x\\udfff"]}') == {
        "a": "\ufffd",
        "\ufffdk": ["x\ufffd"],
    }


def test_a_surrogate_pair_escape_stays_the_character_it_encodes() -> None:
    assert decode_json('"\\ud83d\\ude00"') == "\U0001f600"


def test_json_deeper_than_the_limit_is_refused_as_too_deep() -> None:
    assert decode_json("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None
    for depth in (MAX_DEPTH + 1, 100_000):
        with pytest.raises(TooDeep):
            decode_json("[" * depth + "]" * depth)
    with pytest.raises(TooDeep):
        decode_json('{"a":' * 5_000 + "1" + "}" * 5_000)


def test_depth_is_measured_without_recursion() -> None:
    value: Any = []
    for _ in range(50_000):
        value = [value]
    assert exceeds_depth(value, 49_999)
    assert not exceeds_depth(value, 50_001)


@given(_JSON_TEXT)
def test_valid_text_leaves_no_lone_surrogate(text: str) -> None:
    cleaned = valid_text(text)
    cleaned.encode("utf-8")  # raises on a lone surrogate
    assert len(cleaned) == len(text)


# --- through runs and reports -----------------------------------------------------------------

_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _JSON_TEXT,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(_JSON_TEXT, children, max_size=4)
    ),
    max_leaves=20,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=_JSON_VALUES, capture_key=st.sampled_from(["a", "token", "x"]))
def test_any_json_response_runs_and_every_report_renders(
    tmp_path: Path, body: Any, capture_key: str
) -> None:
    payload = json.dumps({capture_key: body, "all": body}).encode()  # escapes: \ud800 and all

    def reply(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=payload, headers={"content-type": "application/json"})

    path = tmp_path / "odd.http"
    path.write_text(
        "GET http://127.0.0.1:9/odd\n\n"
        '?? all == "never"\n'
        f">> got = {capture_key}\n\n"
        "###\nPOST http://127.0.0.1:9/again?v=<<%got>>\nX-Got: <<got>>\n\n<<got>>\n"
    )
    out, err, masker = io.StringIO(), io.StringIO(), Masker()
    console = ConsoleReporter(out, err, masker, verbosity=1)
    run = run_files(
        [str(path)],
        RunOptions(),
        listener=console,
        transport=httpx.MockTransport(reply),
        masker=masker,
    )
    console.finish(run)
    (out.getvalue() + err.getvalue()).encode("utf-8")  # the terminal's text, -v included
    assert run.exit_code in (1, 3)  # the check fails; a null capture leaves <<got>> undefined
    assert all(e.exit_code != 70 for e in run.errors)
    for text in (render_json(run), render_junit(run), render_html(run)):
        text.encode("utf-8")  # what the writers do: nothing left that UTF-8 cannot hold
    json.loads(render_json(run))


def test_a_lone_surrogate_fails_its_check_is_sent_on_and_every_report_is_written(
    tmp_path: Path, local_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "surrogate.http"
    path.write_text(
        f"POST {local_server}/reply\nContent-Type: application/json\n\n"
        '{"a": "\\ud800", "b": ["\\udfff"]}\n'
        '?? body.a == "x"\n'
        ">> got = body.a\n\n"
        f"###\nPOST {local_server}/echo?v=<<%got>>\nX-Got: <<got>>\n\n<<got>>\n"
        '?? body.query.v[0] == "\\ud800"\n'
        '?? body.body == "\ufffd"\n'
    )
    code, out, _ = run_cli([str(path), "-v", *report_args(tmp_path)], capsys)
    assert code == 1
    assert 'expected "x" (string), got "\ufffd" (string)' in out
    assert "1 passed, 1 failed" in out
    document = assert_reports_written(tmp_path)
    first, second = document["files"][0]["requests"]
    assert first["outcome"] == "failed" and first["captures"] == {"got": "\ufffd"}
    assert second["outcome"] == "passed"


@pytest.mark.parametrize("depth", [500, 100_000])
@pytest.mark.parametrize("verbose", [[], ["-v"]])
def test_deeply_nested_bodies_run_and_every_report_is_written(
    tmp_path: Path,
    local_server: str,
    capsys: pytest.CaptureFixture[str],
    depth: int,
    verbose: list[str],
) -> None:
    (tmp_path / "deep.json").write_text("[" * depth + "]" * depth)
    path = tmp_path / "deep.http"
    path.write_text(
        f"POST {local_server}/reply\nContent-Type: application/json\n\n< ./deep.json\n"
        "?? status == 200\n"
        "?? body[0] == 1\n"
        f"?? length(text) == {2 * depth}\n"
    )
    code, out, _ = run_cli([str(path), *verbose, *report_args(tmp_path)], capsys)
    # Too deep to read as JSON, the body is its text (as a body that is not JSON would be):
    # a check on its structure fails cleanly, one on the text works.
    assert code == 1
    assert "expected 1 (number), got null" in out
    document = assert_reports_written(tmp_path)
    (request,) = document["files"][0]["requests"]
    assert [check["passed"] for check in request["checks"]] == [True, False, True]


def test_a_check_value_nested_too_deeply_is_a_positioned_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "deep_value.http"
    path.write_text("GET http://127.0.0.1:9/x\n\n?? body == " + "[" * 800 + "]" * 800 + "\n")
    result = run_cli(["check", str(path)], capsys)
    assert result.code == 3
    assert "value nested too deeply" in result.output
    assert "deep_value.http:3:12" in result.output


def test_every_json_character_class_round_trips_through_the_json_report(
    tmp_path: Path, local_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    text = string.printable + "é漢\U0001f600\x00\x1f"
    path = tmp_path / "chars.http"
    path.write_text(
        f"POST {local_server}/reply\nContent-Type: application/json\n\n"
        + json.dumps({"t": text})
        + "\n>> t = body.t\n"
    )
    assert run_cli([str(path), *report_args(tmp_path)], capsys).code == 0
    document = assert_reports_written(tmp_path)
    assert document["files"][0]["requests"][0]["captures"]["t"] == text


def test_a_check_value_rendered_into_deep_json_is_compared_as_text(
    tmp_path: Path, local_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = "[" * 900 + "]" * 900
    path = tmp_path / "deep_rendered.http"
    path.write_text(
        f"@d = {deep}\n\nPOST {local_server}/reply\nContent-Type: text/plain\n\n[{deep}]\n"
        "?? body == [<<d>>]\n?? body != [<<d>>]x\n"
    )
    assert run_cli([str(path)], capsys).code == 0


def test_a_lone_surrogate_escape_in_a_query_reads_as_it_does_in_the_body(
    tmp_path: Path, local_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "query.http"
    path.write_text(
        f"POST {local_server}/reply\nContent-Type: application/json\n\n"
        '{"\\ud800": "\\udfff", "pair": "\\ud83d\\ude00"}\n'
        '?? body."\\ud800" == "\\udfff"\n'
        '?? contains(`["\\udfff"]`, body."\\ud800")\n'
        '?? body.pair == "\U0001f600"\n'
    )
    assert run_cli([str(path), *report_args(tmp_path)], capsys).code == 0
    assert_reports_written(tmp_path)
