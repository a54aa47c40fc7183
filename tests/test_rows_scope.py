"""Data rows in a run's scope (FORMAT.md "Data rows"): each row a fresh run of the file, its
fields above the file's variables and below --var, an imported login shared by every row."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import no_colour, run_cli  # noqa: F401 (no_colour: autouse, colour off)
from recording_server import recording_server


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "rows.csv").write_text("sku,price\nA,10\nB,\n")
    (tmp_path / "login.http").write_text("### Log in\n# @name login\nPOST <<host>>/login\n")
    return tmp_path


def test_each_row_is_a_fresh_run_with_its_fields_above_file_variables(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "items.http").write_text(
        "# @data ./rows.csv\n# @import ./login.http\n@price = 99\n\n"
        "### Create\n# @name created\nPOST <<host>>/items?sku=<<sku>>&price=<<price>>"
        "&s=<<login.status>>\n\n"
        "### Count\nGET <<host>>/count?seen=<<created.status>>\n"
    )
    with recording_server() as (base, seen):
        code, out, _ = run_cli([str(project / "items.http"), "--var", f"host={base}"], capsys)
    assert code == 0, out
    assert seen == [
        "POST /login",  # once, for both rows
        "POST /items?sku=A&price=10&s=200",
        "GET /count?seen=200",
        "POST /items?sku=B&price=&s=200",  # an empty field is a value: the row wins
        "GET /count?seen=200",
    ]
    assert "items.http [row 1]" in out and "items.http [row 2]" in out


def test_var_wins_over_a_row_field(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "items.http").write_text(
        "# @data ./rows.csv\n\n### Go\nGET <<host>>/x?sku=<<sku>>\n"
    )
    with recording_server() as (base, seen):
        code, out, _ = run_cli(
            [str(project / "items.http"), "--var", f"host={base}", "--var", "sku=Z"], capsys
        )
    assert code == 0, out
    assert seen == ["GET /x?sku=Z", "GET /x?sku=Z"]


def test_a_missing_data_file_is_positioned_at_the_directive_and_nothing_is_sent(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "items.http").write_text("# @data ./nope.csv\n\n### Go\nGET <<host>>/x\n")
    with recording_server() as (base, seen):
        code, out, err = run_cli([str(project / "items.http"), "--var", f"host={base}"], capsys)
    assert code == 3
    assert seen == []
    assert f"{project / 'items.http'}:1:1" in out + err
    assert "no such data file" in out + err


def test_a_data_file_outside_the_project_is_refused(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inner = project / "inner"
    inner.mkdir()
    (inner / "pyproject.toml").write_text("")
    (inner / "items.http").write_text("# @data ../rows.csv\n\n### Go\nGET <<host>>/x\n")
    code, out, err = run_cli([str(inner / "items.http"), "--var", "host=http://h"], capsys)
    assert code == 3
    assert "is outside the project folder" in out + err


def test_a_file_that_others_import_sends_its_requests_for_each_of_its_rows(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "user.http").write_text(
        "# @import ./login.http\n\n### Use\nGET <<host>>/use?s=<<login.status>>\n"
    )
    (project / "login.http").write_text(
        "# @data ./rows.csv\n\n### Log in\n# @name login\nPOST <<host>>/login?sku=<<sku>>\n"
    )
    with recording_server() as (base, seen):
        targets = [str(project / "user.http"), str(project / "login.http")]
        code, out, _ = run_cli([*targets, "--var", f"host={base}"], capsys)
    assert code == 3, out  # the import, run without rows, has no <<sku>>
    with recording_server() as (base, seen):
        code, out, _ = run_cli([*targets, "--var", f"host={base}", "--var", "sku=S"], capsys)
    assert code == 0, out
    # Once for the file that imports it (a run without rows), once for each of its rows.
    assert seen == ["POST /login?sku=S", "GET /use?s=200", "POST /login?sku=S", "POST /login?sku=S"]
