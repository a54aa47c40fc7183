"""Runs with data rows through the command line (FORMAT.md "Data rows"): ``--data PATH`` and
``# @data PATH`` with CSV, JSON and JSON Lines; each row a run of its own, named on the console;
bad rows refused before anything is sent; ``-j``, ``-x``, ``FILE:LINE``, ``--name``,
``--dry-run``, ``--curl`` and ``--watch`` with rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import CliResult, no_colour, run_cli  # noqa: F401 (no_colour: autouse)
from recording_server import Received, capturing_server, recording_server

from runner.listing import requests_sent
from runner.options import RunOptions
from runner.reading import MAX_INCLUDE_DEFAULT
from runner.targets import Target
from runner.watch import watched_paths

CREATE = """\
### Create
# @name created
POST <<host>>/items
Content-Type: application/json

{"sku": "<<sku>>", "price": <<price>>}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "rows.csv").write_text("sku,price\nA,10\nB,20\nC,30\n")
    (tmp_path / "items.http").write_text(CREATE)
    return tmp_path


def bodies(received: list[Received]) -> list[Any]:
    return [json.loads(request.body) for request in received]


def data_run(
    capsys: pytest.CaptureFixture[str], target: Path, data: Path, host: str, *more: str
) -> CliResult:
    """``httprun TARGET --data DATA --var host=HOST MORE...``"""
    return run_cli([str(target), "--data", str(data), "--var", f"host={host}", *more], capsys)


def test_csv_rows_through_data_are_each_sent_with_their_values(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with capturing_server() as (base, received):
        code, out, _ = data_run(capsys, project / "items.http", project / "rows.csv", base)
    assert code == 0, out
    assert bodies(received) == [
        {"sku": "A", "price": 10},
        {"sku": "B", "price": 20},
        {"sku": "C", "price": 30},
    ]
    titles = [line for line in out.splitlines() if line.startswith(str(project))]
    assert titles == [f"{project / 'items.http'} [row {n}]" for n in (1, 2, 3)]
    assert out.rstrip().endswith("3 passed, 0 failed")


def test_json_rows_keep_their_json_types_in_a_json_body(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        {"sku": "A", "price": 10.5, "active": True, "tags": ["x", "y"], "size": {"w": 1}},
        {"sku": "B", "price": 0, "active": False, "tags": [], "size": {}},
    ]
    (project / "rows.json").write_text(json.dumps(rows))
    (project / "typed.http").write_text(
        "# @data ./rows.json\n\n### Create\nPOST <<host>>/items\nContent-Type: application/json\n"
        '\n{"sku": "<<sku>>", "price": <<price>>, "active": <<active>>, "tags": <<tags>>,'
        ' "size": <<size>>}\n'
    )
    with capturing_server() as (base, received):
        code, out, _ = run_cli([str(project / "typed.http"), "--var", f"host={base}"], capsys)
    assert code == 0, out
    assert bodies(received) == rows


def test_a_null_field_has_no_value_and_says_so(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # As a capture's null: no value to put in a request (not "undefined", which it is not).
    (project / "rows.json").write_text('[{"sku": "A", "note": null}]')
    (project / "null.http").write_text(
        "# @data ./rows.json\n\n### Create\nPOST <<host>>/items?note=<<note>>\n"
    )
    with recording_server() as (base, seen):
        code, out, _ = run_cli([str(project / "null.http"), "--var", f"host={base}"], capsys)
    assert code == 3
    assert seen == []
    assert "'note' has no value" in out and "note is null" in out
    assert "undefined variable" not in out


def test_json_lines_rows_are_each_sent(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "rows.jsonl").write_text('{"sku": "A", "price": 1}\n\n{"sku": "B", "price": 2.5}\n')
    with capturing_server() as (base, received):
        code, out, _ = data_run(capsys, project / "items.http", project / "rows.jsonl", base)
    assert code == 0, out
    assert bodies(received) == [{"sku": "A", "price": 1}, {"sku": "B", "price": 2.5}]
    assert "items.http [row 2]" in out


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        ("rows.csv", "sku,price\nA,10\nB,20,extra\nC,30\n", "rows.csv:3:"),
        ("rows.json", '[{"sku": "A", "price": 1},\n 5]\n', "rows.json:2:"),
        ("rows.jsonl", '{"sku": "A", "price": 1}\n{"sku": "B", price}\n', "rows.jsonl:2:"),
    ],
)
def test_a_bad_row_is_a_positioned_error_and_nothing_is_sent(
    project: Path, name: str, text: str, where: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / name).write_text(text)
    with recording_server() as (base, seen):
        code, out, err = run_cli(
            [str(project / "items.http"), "--data", str(project / name), "--var", f"host={base}"],
            capsys,
        )
    assert code == 3, out + err
    assert seen == []  # the good rows before it were not sent either
    assert where in out + err
    assert "Traceback" not in out + err


def test_a_data_file_without_rows_is_a_positioned_error(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "empty.csv").write_text("sku,price\n")
    with recording_server() as (base, seen):
        code, out, err = data_run(capsys, project / "items.http", project / "empty.csv", base)
    assert code == 3
    assert seen == []
    assert f"{project / 'empty.csv'}:1:" in out + err
    assert "has no rows" in out + err


@pytest.mark.parametrize(
    ("given", "says"),
    [("nope.csv", "no such data file: 'nope.csv'"), (".", "is a folder"), ("", "empty --data")],
)
def test_data_that_names_no_file_is_a_usage_error(
    project: Path,
    given: str,
    says: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(project)
    with recording_server() as (base, seen):
        code, _, err = run_cli(["items.http", "--data", given, "--var", f"host={base}"], capsys)
    assert code == 2
    assert seen == []
    assert says in err
    assert "help: give the path of a CSV, JSON or JSON Lines file" in err


def test_data_wins_over_the_files_own_data(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "other.csv").write_text("sku,price\nZ,99\n")
    (project / "items.http").write_text("# @data ./rows.csv\n\n" + CREATE)
    with capturing_server() as (base, received):
        code, out, _ = data_run(capsys, project / "items.http", project / "other.csv", base)
    assert code == 0, out
    assert bodies(received) == [{"sku": "Z", "price": 99}]


def test_several_targets_each_run_once_per_row(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "other.http").write_text("### Read\nGET <<host>>/items/<<sku>>\n")
    with recording_server() as (base, seen):
        code, out, _ = data_run(
            capsys, project / "items.http", project / "rows.csv", base, str(project / "other.http")
        )
    assert code == 0, out
    assert seen == [*["POST /items"] * 3, "GET /items/A", "GET /items/B", "GET /items/C"]
    assert out.rstrip().endswith("6 passed, 0 failed")


def test_file_line_and_name_pick_the_request_of_every_row(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "two.http").write_text(
        "### List\n# @name listed\nGET <<host>>/list?sku=<<sku>>\n\n"
        "### Read\n# @name read\nGET <<host>>/read?sku=<<sku>>\n"
    )
    data = ["--data", str(project / "rows.csv")]
    with recording_server() as (base, seen):
        by_line = run_cli([f"{project / 'two.http'}:7", *data, "--var", f"host={base}"], capsys)
        line_seen = list(seen)
        seen.clear()
        by_name = run_cli(
            [str(project / "two.http"), "--name", "listed", *data, "--var", f"host={base}"],
            capsys,
        )
    assert by_line.code == 0 and by_name.code == 0, by_line.out + by_name.out
    assert line_seen == ["GET /read?sku=A", "GET /read?sku=B", "GET /read?sku=C"]
    assert seen == ["GET /list?sku=A", "GET /list?sku=B", "GET /list?sku=C"]


def test_a_dry_run_shows_each_rows_request_and_sends_nothing(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with recording_server() as (base, seen):
        code, out, _ = data_run(
            capsys, project / "items.http", project / "rows.csv", base, "--dry-run"
        )
    assert code == 0, out
    assert seen == []
    for sku, price in (("A", 10), ("B", 20), ("C", 30)):
        assert f'{{"sku": "{sku}", "price": {price}}}' in out
    assert out.index("[row 1]") < out.index('"sku": "A"') < out.index("[row 2]")


def test_curl_prints_each_rows_command_under_its_row(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = data_run(
        capsys, project / "items.http", project / "rows.csv", "http://127.0.0.1:9", "--curl"
    )
    assert code == 0, err
    comments = [line for line in out.splitlines() if line.startswith("#")]
    assert comments == [f"# {project / 'items.http'}:3 [row {n}] created" for n in (1, 2, 3)]
    assert out.count("curl ") == 3
    assert '--data-binary \'{"sku": "C", "price": 30}\'' in out


def test_rows_run_in_parallel_are_shown_in_row_order(
    project: Path, local_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # The first row answers last: shown first all the same, as a sequential run shows it.
    (project / "waits.csv").write_text("ms\n400\n200\n0\n")
    (project / "slow.http").write_text(
        "### Wait\nGET <<host>>/slow?ms=<<ms>>\n\n?? body.slept_ms\n"
    )
    code, out, _ = data_run(
        capsys, project / "slow.http", project / "waits.csv", local_server, "-j", "3"
    )
    assert code == 0, out
    lines = out.splitlines()
    titles = [line for line in lines if line.startswith(str(project))]
    assert titles == [f"{project / 'slow.http'} [row {n}]" for n in (1, 2, 3)]
    for title, ms in zip(titles, (400, 200, 0), strict=True):
        assert f"ms={ms} 200" in lines[lines.index(title) + 1]
    assert out.rstrip().endswith("3 passed, 0 failed")


def test_fail_fast_stops_at_the_first_failing_row(
    project: Path, local_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "codes.csv").write_text("code\n200\n500\n200\n")
    (project / "codes.http").write_text("### Status\nGET <<host>>/status/<<code>>\n")
    code, out, _ = data_run(
        capsys, project / "codes.http", project / "codes.csv", local_server, "-x"
    )
    assert code == 1
    assert "[row 2]" in out and "[row 3]" not in out
    assert out.rstrip().endswith("1 passed, 1 failed")


def test_without_fail_fast_a_failing_row_does_not_stop_the_others(
    project: Path, local_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "codes.csv").write_text("code\n200\n500\n200\n")
    (project / "codes.http").write_text("### Status\nGET <<host>>/status/<<code>>\n")
    code, out, _ = data_run(capsys, project / "codes.http", project / "codes.csv", local_server)
    assert code == 1
    assert "[row 3]" in out
    assert out.rstrip().endswith("2 passed, 1 failed")


def test_the_progress_bar_counts_each_rows_requests(project: Path) -> None:
    (project / "two.http").write_text(
        "# @data ./rows.csv\n\n### A\nGET http://h/a\n\n### B\nGET http://h/b\n"
    )
    targets = [Target(str(project / "two.http")), Target(str(project / "items.http"))]
    assert requests_sent(targets, RunOptions(), MAX_INCLUDE_DEFAULT) == 3 * 2 + 1
    with_data = RunOptions(data=str(project / "rows.csv"))
    assert requests_sent(targets, with_data, MAX_INCLUDE_DEFAULT) == 3 * 2 + 3


def test_watch_follows_the_data_file(project: Path) -> None:
    found = watched_paths([str(project / "items.http")], [], data=str(project / "rows.csv"))
    assert project / "rows.csv" in found


def test_a_report_may_not_overwrite_the_data_file(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = str(project / "rows.csv")
    code, _, err = run_cli([str(project / "items.http"), "--data", rows, "--json", rows], capsys)
    assert code == 2
    assert "would overwrite an input file" in err
    assert (project / "rows.csv").read_text().startswith("sku,price\n")


def test_quiet_names_the_row_of_each_failure(
    project: Path, local_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "codes.csv").write_text("code\n200\n500\n200\n404\n")
    (project / "codes.http").write_text("### Status\nGET <<host>>/status/<<code>>\n")
    code, out, _ = data_run(
        capsys, project / "codes.http", project / "codes.csv", local_server, "-q"
    )
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == f"{project / 'codes.http'} [row 2]"
    assert lines[1].startswith("  FAIL  GET") and "/status/500 500" in lines[1]
    assert f"{project / 'codes.http'} [row 4]" in lines
    assert "[row 1]" not in out and "[row 3]" not in out
    assert lines[-1] == "2 passed, 2 failed"


def test_a_data_file_that_cannot_be_read_is_one_error_for_the_whole_run(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "empty.csv").write_text("sku,price\n")
    (project / "other.http").write_text("### Read\nGET <<host>>/items/<<sku>>\n")
    with recording_server() as (base, seen):
        code, out, err = data_run(
            capsys, project / "items.http", project / "empty.csv", base, str(project / "other.http")
        )
    assert code == 3
    assert seen == []
    assert (out + err).count("has no rows") == 1
    assert out.rstrip().endswith("0 passed, 1 failed")
