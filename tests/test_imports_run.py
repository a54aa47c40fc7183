"""Runs of files that ``# @import`` other files (FORMAT.md "Files that use other files"):
what is sent, how often, and what a file that cannot follow its imports says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import no_colour, run_cli  # noqa: F401 (no_colour: autouse, colour off)
from recording_server import recording_server

from runner.listing import requests_sent
from runner.options import RunOptions
from runner.reading import MAX_INCLUDE_DEFAULT
from runner.targets import Target

LOGIN = """\
@api = <<host>>/api

### Log in
# @name login
POST <<api>>/login

?? status == 200
>> session = status
"""


def user(letter: str) -> str:
    return f"""\
# @import ./login.http

### Use {letter}
GET <<api>>/{letter}?session=<<session>>&status=<<login.status>>
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("")
    folder = tmp_path / "requests"
    folder.mkdir()
    (folder / "login.http").write_text(LOGIN)
    for letter in "abc":
        (folder / f"{letter}.http").write_text(user(letter))
    return folder


def files(folder: Path, *names: str) -> list[str]:
    return [str(folder / name) for name in names]


@pytest.mark.parametrize("jobs", ["1", "3"])
def test_one_login_shared_by_three_files_is_sent_once(
    project: Path, jobs: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with recording_server() as (base, seen):
        targets = files(project, "a.http", "b.http", "c.http")
        code, out, _ = run_cli([*targets, "-j", jobs, "--var", f"host={base}"], capsys)
    assert code == 0, out
    assert seen.count("POST /api/login") == 1
    assert sorted(seen[1:]) == [f"GET /api/{x}?session=200&status=200" for x in "abc"]
    assert seen[0] == "POST /api/login"  # before every file that needs it
    # Shown once, under its own file, before the files that used it.
    assert out.count("login.http") == 1
    assert out.index("login.http") < out.index("a.http")
    assert "4 passed" in out


def test_a_target_that_others_import_sends_its_requests_once(
    project: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    with recording_server() as (base, seen):
        targets = files(project, "c.http", "login.http", "a.http")
        code, out, _ = run_cli([*targets, "--var", f"host={base}", "--json", str(report)], capsys)
    assert code == 0, out
    assert seen.count("POST /api/login") == 1
    document = json.loads(report.read_text())
    names = [entry["path"] for entry in document["files"]]
    assert names.count(str(project / "login.http")) == 1


def test_an_imported_request_is_sent_only_when_read(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "plain.http").write_text("# @import ./login.http\n\n### Plain\nGET <<api>>/p\n")
    with recording_server() as (base, seen):
        code, out, _ = run_cli([str(project / "plain.http"), "--var", f"host={base}"], capsys)
    assert code == 0, out
    assert seen == ["GET /api/p"]  # <<api>> is a file variable: it sends nothing


def test_file_line_across_an_import_runs_the_imported_request_first(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "two.http").write_text(
        "# @import ./login.http\n\n### First\nGET <<api>>/first\n\n"
        "### Second\nGET <<api>>/second?s=<<session>>\n"
    )
    with recording_server() as (base, seen):
        code, out, _ = run_cli([f"{project / 'two.http'}:7", "--var", f"host={base}"], capsys)
    assert code == 0, out
    assert seen == ["POST /api/login", "GET /api/second?s=200"]


def test_imports_of_imports_are_followed(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "orders.http").write_text(
        "# @import ./login.http\n\n### Order\n# @name order\nPOST <<api>>/orders?s=<<session>>\n"
    )
    (project / "report.http").write_text(
        "# @import ./orders.http\n\n### Report\nGET <<api>>/report?order=<<order.status>>\n"
    )
    with recording_server() as (base, seen):
        code, out, _ = run_cli([str(project / "report.http"), "--var", f"host={base}"], capsys)
    assert code == 0, out
    assert seen == ["POST /api/login", "POST /api/orders?s=200", "GET /api/report?order=200"]


def test_an_imported_variable_is_evaluated_in_its_own_file(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "base.http").write_text("@where = base\n@path = /<<where>>\n")
    (project / "user.http").write_text(
        "# @import ./base.http\n@where = mine\n\n### Go\nGET <<host>><<path>>?w=<<where>>\n"
    )
    with recording_server() as (base, seen):
        code, out, _ = run_cli([str(project / "user.http"), "--var", f"host={base}"], capsys)
    assert code == 0, out
    assert seen == ["GET /base?w=mine"]


def test_a_local_name_wins_over_an_imported_one(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "local.http").write_text(
        "# @import ./login.http\n@api = <<host>>/mine\n\n### Go\nGET <<api>>/x\n"
    )
    with recording_server() as (base, seen):
        code, out, _ = run_cli([str(project / "local.http"), "--var", f"host={base}"], capsys)
    assert code == 0, out
    assert seen == ["GET /mine/x"]


def test_a_cycle_is_a_positioned_error_and_nothing_is_sent(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "x.http").write_text("# @import ./y.http\n\n### X\nGET <<host>>/x\n")
    (project / "y.http").write_text("# @import ./x.http\n\n### Y\nGET <<host>>/y\n")
    with recording_server() as (base, seen):
        code, out, err = run_cli([str(project / "x.http"), "--var", f"host={base}"], capsys)
    assert code == 3
    assert seen == []
    output = out + err
    assert f"{project / 'y.http'}:1:1" in output
    assert "import cycle:" in output
    assert "x.http -> " in output and "y.http -> " in output


def test_an_import_outside_the_project_is_refused(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path.parent / f"{tmp_path.name}-outside.http"
    outside.write_text("@x = 1\n")
    (project / "out.http").write_text(
        f"# @import ../../{outside.name}\n\n### Go\nGET <<host>>/x?x=<<x>>\n"
    )
    with recording_server() as (base, seen):
        code, out, err = run_cli([str(project / "out.http"), "--var", f"host={base}"], capsys)
    assert code == 3
    assert seen == []
    assert f"{project / 'out.http'}:1:1" in out + err
    assert "is outside the project folder" in out + err


def test_a_missing_import_is_positioned_at_the_import_line(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "gone.http").write_text("# @name x\n# @import ./nope.http\nGET <<host>>/x\n")
    code, out, err = run_cli([str(project / "gone.http"), "--var", "host=http://h"], capsys)
    assert code == 3
    assert f"{project / 'gone.http'}:2:1" in out + err
    assert "cannot import" in out + err and "nope.http" in out + err


def test_errors_of_an_imported_file_are_shown_at_their_own_place(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "login.http").write_text(LOGIN + "\n?? body[ == 1\n")
    with recording_server() as (base, seen):
        code, out, err = run_cli([str(project / "a.http"), "--var", f"host={base}"], capsys)
    assert code == 3
    assert seen == []
    assert f"{project / 'login.http'}:" in out + err


def test_a_failed_imported_request_is_sent_and_shown_once(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "login.http").write_text(LOGIN.replace("?? status == 200", "?? status == 201"))
    with recording_server() as (base, seen):
        targets = files(project, "a.http", "b.http")
        code, out, _ = run_cli([*targets, "--var", f"host={base}"], capsys)
    assert code == 1
    assert seen.count("POST /api/login") == 1
    assert out.count("FAIL") == 1
    assert out.count("requests/login.http\n") == 1  # the section; the error names it too
    # As inside one file, a failed check does not undo the response: its readers still run.
    assert "2 passed, 1 failed" in out


def test_a_dry_run_shows_imported_values_as_written(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with recording_server() as (base, seen):
        code, out, _ = run_cli(
            [str(project / "a.http"), "--dry-run", "--var", f"host={base}"], capsys
        )
    assert code == 0, out
    assert seen == []
    assert "comes from an earlier response" in out


def test_name_selects_an_imported_request(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with recording_server() as (base, seen):
        code, out, _ = run_cli(
            [str(project / "a.http"), "--name", "login", "--var", f"host={base}"], capsys
        )
    assert code == 0, out
    assert seen == ["POST /api/login"]
    assert "login.http" in out


def test_name_of_nothing_anywhere_is_still_a_usage_error(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli([str(project / "a.http"), "--name", "nope", "--var", "host=h"], capsys)
    assert code == 2
    assert "no request named 'nope'" in out + err


def test_what_reads_an_imported_request_that_got_no_response_says_why(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "login.http").write_text(LOGIN.replace("# @name login", "# @name login\n# @skip"))
    with recording_server() as (base, seen):
        code, out, _ = run_cli([str(project / "a.http"), "--var", f"host={base}"], capsys)
    assert code == 3
    assert seen == []
    assert "undefined variable 'session'" in out
    assert f"it comes from the request at {project / 'login.http'}:" in out
    assert "which gave no value: @skip" in out


def test_the_progress_bar_counts_an_imported_request_once(project: Path) -> None:
    def counted(*names: str) -> int:
        targets = [Target(path) for path in files(project, *names)]
        return requests_sent(targets, RunOptions(), MAX_INCLUDE_DEFAULT)

    assert counted("a.http", "b.http", "c.http") == 3 + 1
    assert counted("a.http", "login.http", "b.http") == 2 + 1  # the target that is imported
    assert counted("login.http") == 1
