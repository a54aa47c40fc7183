"""The console, JUnit, JSON and HTML reports of runs with data rows and imports: each run of a
file names its row, an imported request appears once under its own file, the counts stay
right, and a row's secret values (and a label equal to one) are masked everywhere."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import xmlschema
from cli_helpers import no_colour, run_cli  # noqa: F401 (no_colour: autouse, colour off)
from hypothesis import given
from hypothesis import strategies as st
from recording_server import recording_server

from runner.masking import MASK, Masker
from runner.options import RunOptions
from runner.reporters.console import ConsoleReporter
from runner.reporters.html import render_html
from runner.reporters.json_report import render_json
from runner.reporters.junit import _UniqueNames, render_junit
from runner.results import FileResult, RunResult
from runner.run import RunSession
from runner.targets import Target

TESTS = Path(__file__).resolve().parent
SCHEMA = json.loads((TESTS.parent / "docs" / "report-schema.json").read_text(encoding="utf-8"))
JUNIT_XSD = TESTS / "data" / "junit.xsd"

PASSWORDS = ("Pw-alpha-93k1q", "Pw-beta-77q2z")
ITEMS = """\
# @data ./rows.csv

### Create
POST <<host>>/echo
Content-Type: application/json

{"sku": "<<sku>>", "password": "<<password>>"}

?? status == 200
"""
LOGIN = "@api = <<host>>\n\n### Log in\n# @name login\nPOST <<api>>/echo\n\n?? status == 200\n"
USER = "# @import ./login.http\n\n### Use {0}\nGET <<api>>/status/200?{0}=<<login.status>>\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "rows.csv").write_text(f"sku,password\nA,{PASSWORDS[0]}\nB,{PASSWORDS[1]}\n")
    (tmp_path / "items.http").write_text(ITEMS)
    (tmp_path / "plain.http").write_text("### Plain\nGET <<host>>/json\n")
    (tmp_path / "login.http").write_text(LOGIN)
    for letter in "abc":
        (tmp_path / f"{letter}.http").write_text(USER.format(letter))
    return tmp_path


def reports(folder: Path) -> list[str]:
    return [
        *("--junit", str(folder / "out.xml")),
        *("--json", str(folder / "out.json")),
        *("--html", str(folder / "out.html")),
    ]


def junit_suites(folder: Path) -> list[ET.Element]:
    xmlschema.XMLSchema(str(JUNIT_XSD)).validate(str(folder / "out.xml"))
    return list(ET.parse(folder / "out.xml").getroot())


def json_report(folder: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((folder / "out.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(SCHEMA).validate(document)
    return document


def every_output(folder: Path, console: str) -> str:
    return console + "".join(
        (folder / name).read_text() for name in ("out.xml", "out.json", "out.html")
    )


# ---- rows ----------------------------------------------------------------------------------


def test_each_report_names_the_row_of_each_run_and_masks_its_secrets(
    project: Path, local_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    items, plain = str(project / "items.http"), str(project / "plain.http")
    code, out, err = run_cli(
        [items, plain, "-v", "--var", f"host={local_server}", *reports(project)], capsys
    )
    assert code == 0, out + err
    titles = [f"{items} [row 1]", f"{items} [row 2]", plain]
    assert [line for line in out.splitlines() if line.startswith(str(project))] == titles
    assert out.rstrip().endswith("3 passed, 0 failed")

    document = json_report(project)
    assert [(f["path"], f["row"]) for f in document["files"]] == [
        (items, "row 1"),
        (items, "row 2"),
        (plain, None),
    ]
    assert document["counts"]["requests"] == 3

    suites = junit_suites(project)
    assert [suite.get("name") for suite in suites] == titles
    cases = [(case.get("classname"), case.get("name")) for s in suites for case in s]
    assert [name for _, name in cases[:2]] == ["Create [row 1]", "Create [row 2]"]
    assert len(set(cases)) == len(cases)

    html = (project / "out.html").read_text()
    assert html.count('<span class="row">[row 1]</span>') == 1
    assert html.count('<span class="row">[row 2]</span>') == 1
    assert html.count('class="lane-label"') == 3
    assert 'title="Create [row 1]"' in html and 'title="Create [row 2]"' in html  # timeline

    everything = every_output(project, out + err)
    assert MASK in everything  # the echoed password was there to hide
    for password in PASSWORDS:
        assert password not in everything


def test_a_row_label_equal_to_a_secret_of_any_row_is_masked(
    project: Path, local_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # A name column is no secret; but this label is also the second row's password, and the
    # first row's title is shown before the second row runs.
    secret = "Zq9-label-pw-41"
    rows = [{"name": secret, "password": "first-pw-5521"}, {"name": "b", "password": secret}]
    (project / "rows.json").write_text(json.dumps(rows))
    data = ["--data", str(project / "rows.json")]
    command = [str(project / "plain.http"), *data, "--var", f"host={local_server}"]
    code, out, err = run_cli([*command, *reports(project)], capsys)
    assert code == 0, out + err
    assert f"plain.http [{MASK}]" in out and "plain.http [b]" in out
    assert secret not in every_output(project, out + err)


def test_every_rows_secrets_are_known_before_any_row_runs(project: Path) -> None:
    masker = Masker()
    with RunSession(RunOptions(), masker=masker) as session:
        targets, refused = session.prepare([Target(str(project / "items.http"))])
    assert refused == [] and [t.title for t in targets][-1].endswith("[row 2]")
    assert masker.mask(f"a {PASSWORDS[1]} b") == f"a {MASK} b"


def test_a_title_is_masked_in_every_report_when_it_holds_a_secret() -> None:
    # What the reporters do with a label the run knows to be secret, whatever the reader.
    secret = "Zq9-label-pw-41"
    masker = Masker()
    masker.add_variable("password", secret)
    run = RunResult((FileResult("p.http", row=secret),), 1_700_000_000.0, 0.1, masker)
    console = io.StringIO()
    reporter = ConsoleReporter(console, io.StringIO(), masker, colour=False)
    reporter.file_started(run.files[0].title)
    reporter.file_finished(run.files[0])
    assert console.getvalue().startswith(f"p.http [{MASK}]\n")
    for text in (render_json(run), render_junit(run), render_html(run)):
        assert secret not in text
        assert MASK in text


# ---- imports -------------------------------------------------------------------------------


@pytest.mark.parametrize("jobs", ["1", "3"])
def test_an_imported_target_appears_once_in_every_report(
    project: Path, jobs: str, capsys: pytest.CaptureFixture[str]
) -> None:
    targets = [str(project / f"{name}.http") for name in ("a", "b", "c", "login")]
    with recording_server() as (base, seen):
        code, out, err = run_cli(
            [*targets, "-j", jobs, "--var", f"host={base}", *reports(project)], capsys
        )
    assert code == 0, out + err
    assert seen.count("POST /echo") == 1
    login = targets[-1]
    assert out.count("POST ") == 1
    # In a parallel run the target's place shows its request; one by one it came first, above.
    assert ("ran earlier in this run" in out) is (jobs == "1")
    assert out.rstrip().endswith("4 passed, 0 failed")
    document = json_report(project)
    assert [f["path"] for f in document["files"]].count(login) == 1
    assert document["counts"]["requests"] == 4
    assert [s.get("name") for s in junit_suites(project)].count(login) == 1
    assert (project / "out.html").read_text().count(f'<span class="path">{login}</span>') == 1


def test_a_target_whose_requests_ran_earlier_says_so(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    targets = [str(project / f"{name}.http") for name in ("c", "login", "a")]
    with recording_server() as (base, _):
        code, out, _ = run_cli([*targets, "--var", f"host={base}"], capsys)
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == targets[1]  # its section for c.http, first
    assert lines[4:6] == [
        targets[1],
        "  1 request ran earlier in this run, for the files that import it (shown above)",
    ]
    assert "no requests to run" not in out
    assert out.rstrip().endswith("3 passed, 0 failed")


def test_rows_that_import_a_login_share_it_and_count_it_once(
    project: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (project / "rows.http").write_text(
        "# @data ./rows.csv\n# @import ./login.http\n\n"
        "### Each\nGET <<api>>/each?sku=<<sku>>&s=<<login.status>>\n"
    )
    with recording_server() as (base, seen):
        code, out, err = run_cli(
            [str(project / "rows.http"), "--var", f"host={base}", *reports(project)], capsys
        )
    assert code == 0, out + err
    assert seen == ["POST /echo", "GET /each?sku=A&s=200", "GET /each?sku=B&s=200"]
    assert out.rstrip().endswith("3 passed, 0 failed")
    document = json_report(project)
    assert [(Path(f["path"]).name, f["row"]) for f in document["files"]] == [
        ("login.http", None),
        ("rows.http", "row 1"),
        ("rows.http", "row 2"),
    ]
    assert document["counts"]["requests"] == 3


# ---- JUnit case names ----------------------------------------------------------------------


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a.b", "c"]),
            st.sampled_from(["x", "x (line 3)", "y"]),
            st.integers(1, 5),
        )
    )
)
def test_junit_case_names_are_unique_per_classname(
    cases: list[tuple[str, str, int]],
) -> None:
    names = _UniqueNames()
    claimed = [(classname, names.claim(classname, name, line)) for classname, name, line in cases]
    assert len(set(claimed)) == len(claimed)
    for (_, name, _), (_, shown) in zip(cases, claimed, strict=True):
        assert shown.startswith(name)


def test_a_repeated_request_name_gets_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "twice.http").write_text("###\nGET <<host>>/x\n\n###\nGET <<host>>/x\n")
    with recording_server() as (base, _):
        code, out, _ = run_cli(
            [
                str(tmp_path / "twice.http"),
                "--var",
                f"host={base}",
                "--junit",
                str(tmp_path / "j.xml"),
            ],
            capsys,
        )
    assert code == 0, out
    names = [case.get("name") for case in ET.parse(tmp_path / "j.xml").getroot().iter("testcase")]
    assert names == [f"GET {base}/x", f"GET {base}/x (line 5)"]


@given(st.text(max_size=30))
def test_any_row_label_gives_valid_reports_and_a_safe_console_line(label: str) -> None:
    # A label is a value of the data file: control characters, markup, quotes, anything.
    run = RunResult((FileResult("p.http", row=label),), 1_700_000_000.0, 0.1, Masker())
    console = io.StringIO()
    ConsoleReporter(console, io.StringIO(), run.masker, colour=False).file_started(
        run.files[0].title
    )
    shown = console.getvalue()
    assert shown.endswith("\n") and shown.count("\n") == 1
    assert all(char.isprintable() for char in shown[:-1])
    suite = ET.fromstring(render_junit(run).encode())[0]
    assert suite.get("name", "").startswith("p.http [")
    assert json.loads(render_json(run))["files"][0]["row"] == label
    heading = render_html(run).split('<span class="row">[', 1)[1].split("]</span>", 1)[0]
    assert "<" not in heading and '"' not in heading  # escaped: the label cannot add markup
