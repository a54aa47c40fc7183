"""A bug met while running one request is that request's error (exit 70): the run goes on and
every report is still written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import no_colour, run_cli  # noqa: F401 (no_colour: autouse, colour off)

import runner.checks
import runner.reporters.html
from runner.reporters.console import ConsoleReporter


def reports(folder: Path) -> list[str]:
    return [
        "--junit",
        f"{folder}/r.xml",
        "--json",
        f"{folder}/r.json",
        "--html",
        f"{folder}/r.html",
    ]


SECRET = "s3cr3t-value-never-shown"


def test_a_bug_in_one_request_is_its_error_and_every_report_is_written(
    tmp_path: Path,
    local_server: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    evaluate = runner.checks.evaluate_block
    calls: list[int] = []

    def first_call_breaks(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError(f"boom with {SECRET}")
        return evaluate(*args, **kwargs)

    monkeypatch.setattr(runner.checks, "evaluate_block", first_call_breaks)
    (tmp_path / "e.env").write_text(f"api_secret={SECRET}\n")
    path = tmp_path / "bug.http"
    path.write_text(
        f"GET {local_server}/json?k=<<api_secret>>\n\n"
        f"###\nGET {local_server}/json\n?? status == 200\n"
    )
    result = run_cli([str(path), "--env", str(tmp_path / "e.env"), *reports(tmp_path)], capsys)
    assert result.code == 70
    assert "internal error: RuntimeError: boom with ****" in result.output
    assert f"{path}:1:1" in result.output
    assert "1 passed, 1 failed" in result.output
    assert SECRET not in result.output
    document = json.loads((tmp_path / "r.json").read_text())
    assert document["exit_code"] == 70
    broken, fine = document["files"][0]["requests"]
    assert broken["outcome"] == "error"
    assert broken["error"]["type"] == "InternalError"
    assert broken["error"]["exit_code"] == 70
    assert fine["outcome"] == "passed"
    for name in ("r.json", "r.xml", "r.html"):
        text = (tmp_path / name).read_text()
        assert "boom with ****" in text
        assert SECRET not in text


def test_traceback_shows_the_bugs_the_run_went_past(
    tmp_path: Path,
    local_server: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(runner.checks, "evaluate_block", broken)
    path = tmp_path / "bug.http"
    path.write_text(f"GET {local_server}/json\n")
    result = run_cli([str(path), "--traceback"], capsys)
    assert result.code == 70
    assert "Traceback (most recent call last)" in result.output
    assert "RuntimeError: boom" in result.output


def test_a_bug_in_one_report_writer_does_not_cost_the_others(
    tmp_path: Path,
    local_server: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError("html boom")

    monkeypatch.setattr(runner.reporters.html, "render_html", broken)
    path = tmp_path / "ok.http"
    path.write_text(f"GET {local_server}/json\n")
    result = run_cli([str(path), *reports(tmp_path)], capsys)
    assert result.code == 70
    assert "internal error: RuntimeError: html boom" in result.output
    assert json.loads((tmp_path / "r.json").read_text())["exit_code"] == 0
    assert (tmp_path / "r.xml").exists()
    assert not (tmp_path / "r.html").exists()


def test_a_bug_in_the_console_stops_the_run_but_not_its_reports(
    tmp_path: Path,
    local_server: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shown = ConsoleReporter.request_finished
    calls: list[int] = []

    def second_call_breaks(self: ConsoleReporter, result: Any) -> None:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("console boom")
        shown(self, result)

    monkeypatch.setattr(ConsoleReporter, "request_finished", second_call_breaks)
    path = tmp_path / "three.http"
    path.write_text("\n###\n".join(f"GET {local_server}/json?n={n}\n" for n in range(3)))
    result = run_cli([str(path), *reports(tmp_path)], capsys)
    assert result.code == 70
    assert "internal error: RuntimeError: console boom" in result.output
    document = json.loads((tmp_path / "r.json").read_text())
    assert document["exit_code"] == 70
    ran, broken = document["files"]
    assert [r["outcome"] for r in ran["requests"]] == ["passed", "passed"]
    assert broken["error"]["type"] == "InternalError"
    assert (tmp_path / "r.xml").exists() and (tmp_path / "r.html").exists()
