"""The same error for many requests (a server that is down, no token in CI) is shown whole once,
then counted: "error: ... (same for 12 requests)". Reports keep every request's error."""

from __future__ import annotations

import io
import json
import textwrap
from pathlib import Path

import pytest
from cli_helpers import no_colour, run_cli  # noqa: F401 (no_colour: autouse, colour off)
from hypothesis import given
from hypothesis import strategies as st

from runner.errors import AuthError, HttprunError, TransportError, render_error
from runner.masking import Masker
from runner.parser import parse_text
from runner.reporters.console import ConsoleReporter
from runner.results import FileResult, Outcome, RequestResult, RunResult


def requests_to(url: str, count: int) -> str:
    return "".join(f"### request {n}\nGET {url}/r{n}\n\n" for n in range(count))


def test_a_server_that_is_down_is_reported_once_for_twelve_requests(
    closed_port_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    http = tmp_path / "down.http"
    http.write_text(requests_to(closed_port_url, 12))
    report = tmp_path / "report.json"
    code, out, _ = run_cli([str(http), "--json", str(report)], capsys)
    assert code == 4
    host = closed_port_url.removeprefix("http://")
    assert out.count(f"error: connection refused by {host}") == 2  # the error, then the count
    assert out.count("= help: is the server running") == 1
    assert out.count(f"(same error as {http}:2)") == 11
    assert f"error: connection refused by {host} (same for 12 requests)\n" in out
    assert out.splitlines()[-1] == "0 passed, 12 failed"
    # The report keeps each request's own error (its own line).
    document = json.loads(report.read_text())
    errors = [r["error"] for f in document["files"] for r in f["requests"]]
    assert len(errors) == 12 and all(e and "connection refused" in str(e) for e in errors)


def test_no_token_in_ci_is_reported_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HTTPRUN_TOKEN_STORE", str(tmp_path / "empty" / "tokens.json"))
    env = tmp_path / "mall.env"
    env.write_text("mallid=yourmall\nclient_id=app\nclient_secret=s3cret-value\n")
    http = tmp_path / "ci.http"
    http.write_text("# @auth cafe24\n\n" + requests_to("https://yourmall.cafe24api.com", 5))
    code, out, _ = run_cli([str(http), "--env", str(env)], capsys)
    assert code == 4
    assert out.count("= help: a refresh_token variable seeds an empty token store") == 1
    assert out.count(f"(same error as {http}:1)") == 4
    assert "error: no token for cafe24 (yourmall)" in out and "(same for 5 requests)\n" in out


def test_failed_checks_are_never_grouped(
    local_server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    http = tmp_path / "fail.http"
    http.write_text("".join(f"### {n}\nGET {local_server}/\n\n?? status == 599\n\n" for n in "ab"))
    code, out, _ = run_cli([str(http)], capsys)
    assert code == 1
    assert out.count("expected 599 (number)") == 2
    assert "same for" not in out and "same error" not in out


# -- the class: any sequence of errors ---------------------------------------------------------

ERRORS: list[HttprunError] = [
    TransportError("connection refused by 127.0.0.1:9", hint="is the server running?"),
    TransportError("connection refused by 127.0.0.1:10", hint="is the server running?"),
    AuthError("no token for cafe24 (yourmall)", label="nothing is stored"),
    AuthError("no token for cafe24 (yourmall)", label="the stored refresh token expired"),
]


@given(st.lists(st.sampled_from(range(len(ERRORS))), min_size=1, max_size=20))
def test_each_distinct_error_is_shown_whole_once_and_counted(picks: list[int]) -> None:
    http_file = parse_text(requests_to("http://127.0.0.1:9", len(picks)), "many.http")
    results = tuple(
        RequestResult("many.http", block, Outcome.ERROR, "GET", "u", error=ERRORS[pick])
        for block, pick in zip(http_file.requests, picks, strict=True)
    )
    out = io.StringIO()
    reporter = ConsoleReporter(out, io.StringIO(), Masker(), colour=False)
    for result in results:
        reporter.request_finished(result)
    reporter.finish(RunResult((FileResult("many.http", results),), 0.0, 0.0, Masker()))
    text = out.getvalue()
    for index, error in enumerate(ERRORS):
        times = picks.count(index)
        rendered = render_error(error)
        assert text.count(textwrap.indent(rendered, " " * 8)) == (1 if times else 0)
        counted = f"{rendered.splitlines()[0]} (same for {times} requests)"
        assert (counted in text) == (times > 1)
    assert text.count("(same error as ") == len(picks) - len(set(picks))
