"""A file in which ``httprun check`` finds errors sends none of its requests (issue 7: a DELETE
was sent, then a check that does not compile failed the run)."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cli_helpers import no_colour, run_cli  # noqa: F401 (no_colour: autouse, colour off)
from hypothesis import given, settings
from hypothesis import strategies as st
from recording_server import recording_server

from runner.errors import InvalidFile
from runner.parser import parse_file
from runner.results import Outcome
from runner.run import RunOptions, run_files
from runner.static import check_file

DELETE_THEN_BAD_CHECK = """\
### Delete the item
DELETE <<base>>/items/1

?? status == 200

### Read it again
GET <<base>>/items/1

?? status ==== 1
"""


@pytest.fixture
def server() -> Iterator[tuple[str, list[str]]]:
    with recording_server() as found:
        yield found


def test_a_check_that_does_not_compile_stops_the_file_before_its_first_request(
    tmp_path: Path, server: tuple[str, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    base, received = server
    bad = tmp_path / "bad.http"
    bad.write_text(DELETE_THEN_BAD_CHECK)
    good = tmp_path / "good.http"
    good.write_text("GET <<base>>/ok\n\n?? status == 200\n")
    report = tmp_path / "run.json"
    result = run_cli([str(bad), str(good), "--var", f"base={base}", "--json", str(report)], capsys)
    out = result.out
    assert result.code == 3
    assert received == ["GET /ok"]  # the other file still ran; nothing of bad.http was sent
    assert f"--> {bad}:9:13" in out
    assert "invalid JMESPath in check" in out
    files = json.loads(report.read_text())["files"]
    assert [f["error"]["location"] if f["error"] else None for f in files] == [f"{bad}:9:13", None]


def test_every_error_of_the_file_is_shown_at_its_place(tmp_path: Path) -> None:
    path = tmp_path / "a.http"
    path.write_text(
        "# @retry often\nGET http://127.0.0.1:9/<<$guid>>\n\n?? status == 200\n>> id = body.(\n"
    )
    [result] = run_files([str(path)]).files
    assert isinstance(result.error, InvalidFile)
    assert result.error.exit_code == 3
    assert [(d.span.line, d.message) for d in result.error.diagnostics() if d.span] == [
        (1, "invalid @retry 'often'"),
        (2, "unknown dynamic value '$guid'"),
        (5, "invalid JMESPath in capture: body.("),
    ]
    assert result.requests == ()


def test_warnings_and_undefined_names_do_not_stop_the_file(
    tmp_path: Path, server: tuple[str, list[str]]
) -> None:
    base, received = server
    path = tmp_path / "a.http"
    # An unknown directive and a field the response has not are warnings of `httprun check`;
    # <<missing>> is left to the run, which knows the environment.
    path.write_text(
        f"# @no-log\nGET {base}/first\n\n?? statuss == null\n\n###\nGET {base}/<<missing>>\n"
    )
    [result] = run_files([str(path)]).files
    assert result.error is None
    assert received == ["GET /first"]
    assert [r.outcome for r in result.requests] == [Outcome.PASSED, Outcome.ERROR]


_CHECKS = st.sampled_from(
    [
        "status == 200",
        "length(body) >= `0`",
        "body.items[0].id exists",
        "status ==== 1",
        "body.(",
        "lenght(body) == 1",
        "body.x-y == 1",
    ]
)
_DIRECTIVES = st.sampled_from(["", "# @timeout 5s", "# @timeout 0s", "# @auth bogus", "# @nope"])
_URLS = st.sampled_from(["/a", "/<<$uuid>>", "/<<$randomInt 1>>", "/<<$guid>>"])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(_DIRECTIVES, _URLS, _CHECKS), min_size=1, max_size=3))
def test_a_run_sends_nothing_exactly_when_check_finds_an_error(
    requests: list[tuple[str, str, str]],
) -> None:
    text = "".join(
        f"###\n{directive}\nGET http://127.0.0.1:9{url}\n\n?? {check}\n\n"
        for directive, url, check in requests
    )
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={})

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "p.http")
        path.write_text(text)
        errors = [d for d in check_file(parse_file(path), ()) if d.severity == "error"]
        [result] = run_files([str(path)], RunOptions(), transport=httpx.MockTransport(answer)).files
    if errors:
        assert sent == []
        assert result.error is not None
        assert result.error.diagnostics() == errors
    else:
        assert result.error is None
        assert len(sent) == len(requests)
