"""What a run from the editor leaves behind (``runner.lsp.outcome``), on real runs of the
pipeline over an ``httpx.MockTransport``: the failed checks' diagnostics, masked, and where the
response file goes."""

from __future__ import annotations

from pathlib import Path

import httpx
from hypothesis import given
from hypothesis import strategies as st
from lsprotocol import types
from pygls.workspace import PositionCodec

from runner.lsp.outcome import RUN_SOURCE, response_path, run_diagnostics
from runner.results import RunResult
from runner.run import RunOptions, run_files

SECRET = "sk-live-0123456789abcdef"


def run(tmp_path: Path, text: str, respond: httpx.Response) -> tuple[RunResult, list[str], str]:
    (tmp_path / "dev.env").write_text(f"api_key={SECRET}\n", encoding="utf-8")
    path = tmp_path / "a.http"
    path.write_text(text, encoding="utf-8")
    options = RunOptions(env_files=(str(tmp_path / "dev.env"),))
    result = run_files([str(path)], options, transport=httpx.MockTransport(lambda request: respond))
    return result, text.splitlines(keepends=True), str(path)


def test_each_failed_check_is_a_diagnostic_on_its_line(tmp_path: Path) -> None:
    text = (
        "GET http://api.test/x\n"
        "X-Key: <<api_key>>\n\n"
        "?? status == 200\n"
        "?? body.key == 'other'\n"
        "?? body.n > 5\n"
    )
    result, lines, path = run(tmp_path, text, httpx.Response(200, json={"key": SECRET, "n": 1}))
    found = run_diagnostics(result, lines, PositionCodec(), path)
    assert [(d.range.start.line, d.source) for d in found] == [(4, RUN_SOURCE), (5, RUN_SOURCE)]
    assert all(d.severity == types.DiagnosticSeverity.Error for d in found)
    assert found[1].message.startswith("body.n > 5: ")
    assert SECRET not in found[0].message and "****" in found[0].message


def test_a_request_that_could_not_complete_is_a_diagnostic_on_its_request_line(
    tmp_path: Path,
) -> None:
    text = "### first\nGET http://api.test/<<nope>>\n"
    result, lines, path = run(tmp_path, text, httpx.Response(200))
    (found,) = run_diagnostics(result, lines, PositionCodec(), path)
    assert found.range.start.line == 1
    assert "nope" in found.message


def test_passing_checks_leave_no_diagnostic(tmp_path: Path) -> None:
    text = "GET http://api.test/\n\n?? status == 204\n"
    result, lines, path = run(tmp_path, text, httpx.Response(204))
    assert run_diagnostics(result, lines, PositionCodec(), path) == []


parts = st.text("ab-_1", min_size=1, max_size=5)


@given(
    first=st.tuples(st.lists(parts, min_size=1, max_size=3), parts, st.integers(1, 500)),
    second=st.tuples(st.lists(parts, min_size=1, max_size=3), parts, st.integers(1, 500)),
    dry_run=st.booleans(),
)
def test_each_request_has_its_own_response_file_under_the_cache(
    first: tuple[list[str], str, int], second: tuple[list[str], str, int], dry_run: bool
) -> None:
    cache = Path("/cache/httprun")

    def path_of(request: tuple[list[str], str, int]) -> Path:
        folders, stem, line = request
        document = "/" + "/".join(folders) + f"/{stem}.http"
        return response_path(cache, document, line, dry_run=dry_run)

    assert path_of(first).is_relative_to(cache / "responses")
    assert path_of(first).name == f"{first[1]}-{first[2]}" + (
        ".dry-run.json" if dry_run else ".json"
    )
    assert (path_of(first) == path_of(second)) == (first == second)
