"""Reports keep one bounded copy of each body: the parsed JSON or the text, never both, cut
to MAX_REPORT_BODY characters after masking, marked with the whole body's size."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import no_colour, run_cli  # noqa: F401 (no_colour: autouse, colour off)

from runner.reporters.report_document import MAX_REPORT_BODY

SECRET = "pw-0123456789-abcdef"


def run(tmp_path: Path, http: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    (tmp_path / "e.env").write_text(f"password={SECRET}\n")
    path = tmp_path / "big.http"
    path.write_text(http)
    reports = ["--junit", f"{tmp_path}/r.xml", "--json", f"{tmp_path}/r.json"]
    args = [str(path), "--env", str(tmp_path / "e.env"), *reports, "--html", f"{tmp_path}/r.html"]
    assert run_cli(args, capsys).code == 0
    for name in ("r.json", "r.xml", "r.html"):
        assert SECRET[:6] not in (tmp_path / name).read_text()
    document: dict[str, Any] = json.loads((tmp_path / "r.json").read_text())
    return document


def test_a_small_json_body_is_kept_once_parsed(
    tmp_path: Path, local_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    document = run(
        tmp_path,
        f'POST {local_server}/reply\nContent-Type: application/json\n\n{{"a": [1, "é"]}}\n',
        capsys,
    )
    (request,) = document["files"][0]["requests"]
    response = request["response"]
    assert response["body"] == {"a": [1, "é"]}
    assert "text" not in response
    assert (response["body_bytes"], response["body_truncated"]) == (
        len('{"a": [1, "é"]}') + 1,
        False,
    )
    assert request["request"]["body_truncated"] is False


@pytest.mark.parametrize("content_type", ["application/json", "text/plain"])
def test_a_large_body_is_kept_once_cut_and_marked_with_its_size(
    tmp_path: Path, local_server: str, capsys: pytest.CaptureFixture[str], content_type: str
) -> None:
    # The secret straddles the cut: masked first, no part of it may survive the cut.
    head = "x" * (MAX_REPORT_BODY - 10 - len('{"items": ["'))
    items = [head + SECRET] + ["é" * 100] * 20_000
    body = json.dumps({"items": items}, ensure_ascii=False)
    (tmp_path / "big.json").write_text(body, encoding="utf-8")
    document = run(
        tmp_path,
        f"POST {local_server}/reply?s=<<password>>\nContent-Type: {content_type}\n\n"
        "< ./big.json\n"
        "?? body\n"
        ">> everything = body\n"
        f"?? length(text) == {len(body)}\n",
        capsys,
    )
    (request,) = document["files"][0]["requests"]
    response = request["response"]
    size = len(body.encode("utf-8"))
    assert (response["body_bytes"], response["body_truncated"]) == (size, True)
    assert isinstance(response["body"], str) and len(response["body"]) == MAX_REPORT_BODY
    assert response["body"].startswith('{"items": ["xxx')
    assert "text" not in response
    sent = request["request"]
    assert (sent["body_bytes"], sent["body_truncated"], len(sent["body"])) == (
        size,
        True,
        MAX_REPORT_BODY,
    )
    # A check's actual value or a capture that is the whole body is left out, saying so.
    truthy = request["checks"][1]
    assert truthy["text"] == "body" and truthy["actual"].startswith("(left out: a JSON")
    if content_type == "application/json":
        assert request["captures"]["everything"].startswith("(left out: a JSON object larger")
    # One bounded copy of each body: the request's and the response's, and little else.
    assert (tmp_path / "r.json").stat().st_size < 3 * MAX_REPORT_BODY
