"""``httprun list`` marks the imported requests a run of each file sends (runner/listing.py)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from cli_helpers import no_colour, run_cli  # noqa: F401 (no_colour: autouse, colour off)
from hypothesis import given, settings
from hypothesis import strategies as st
from recording_server import recording_server

from runner.imports import load_graph
from runner.listing import imported_requests
from runner.parser import parse_file

LOGIN = """\
@api = http://127.0.0.1:9

### Ping (nothing needs it)
GET <<api>>/ping

### Log in
# @name login
POST <<api>>/login

>> session = body.session

### Who (reads the login)
# @name who
GET <<api>>/who?s=<<session>>
"""

ORDERS = """\
# @import ./login.http

### Orders
# @name orders
GET <<api>>/orders?who=<<who.body.id>>

### Unused
# @name unused
GET <<api>>/unused
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "requests").mkdir()
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "login.http", LOGIN)
    write(tmp_path, "orders.http", ORDERS)
    return tmp_path


def write(project: Path, name: str, text: str) -> str:
    (project / "requests" / name).write_text(text)
    return f"requests/{name}"


def listed(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], str]:
    code, out, err = run_cli(["list", *args], capsys)
    return code, out.splitlines(), err


def test_imported_requests_a_run_sends_are_listed_after_the_files_own(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = write(
        project,
        "a.http",
        "# @import ./orders.http\n@auth_header = Bearer <<orders.body.token>>\n\n"
        "### Mine\nGET http://x.test/a\nAuthorization: <<auth_header>>\n",
    )
    code, lines, err = listed([a], capsys)
    assert (code, err) == (0, "")
    marker = "(imported by requests/a.http)"
    # orders reads who (in login.http), who reads login's capture: all three, in import order.
    assert lines == [
        "requests/a.http:5\tMine\tGET http://x.test/a",
        f"requests/orders.http:5\torders\tGET <<api>>/orders?who=<<who.body.id>>\t{marker}",
        f"requests/login.http:8\tlogin\tPOST <<api>>/login\t{marker}",
        f"requests/login.http:14\twho\tGET <<api>>/who?s=<<session>>\t{marker}",
    ]
    assert [len(line.split("\t")) for line in lines] == [3, 4, 4, 4]


def test_a_file_that_reads_nothing_imported_lists_its_own_requests_only(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = write(project, "a.http", "# @import ./login.http\nGET http://x.test/<<api>>\n")
    assert listed([a], capsys) == (0, ["requests/a.http:2\t-\tGET http://x.test/<<api>>"], "")


def test_each_target_lists_what_it_would_send(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines, _ = listed(["requests/orders.http", "requests/login.http"], capsys)
    assert code == 0
    assert lines == [
        "requests/orders.http:5\torders\tGET <<api>>/orders?who=<<who.body.id>>",
        "requests/orders.http:9\tunused\tGET <<api>>/unused",
        "requests/login.http:8\tlogin\tPOST <<api>>/login\t(imported by requests/orders.http)",
        "requests/login.http:14\twho\tGET <<api>>/who?s=<<session>>\t"
        "(imported by requests/orders.http)",
        "requests/login.http:4\tPing (nothing needs it)\tGET <<api>>/ping",
        "requests/login.http:8\tlogin\tPOST <<api>>/login",
        "requests/login.http:14\twho\tGET <<api>>/who?s=<<session>>",
    ]


def test_an_import_that_cannot_be_followed_is_shown_once_and_the_rest_listed(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = write(project, "broken.http", "# @import ./gone.http\nGET http://x.test/b\n")
    a = write(project, "a.http", "# @import ./broken.http\nGET http://x.test/a\n")
    code, lines, err = listed([a, broken], capsys)
    assert code == 3
    assert lines == [
        "requests/a.http:2\t-\tGET http://x.test/a",
        f"{broken}:2\t-\tGET http://x.test/b",
    ]
    assert err.count("cannot import 'requests/gone.http': no such file") == 1
    assert "--> requests/broken.http:1:1" in err


def test_a_file_that_does_not_parse_is_shown_once_imported_or_listed(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(project, "bad.http", "# @name bad\nGET http://x.test/\nnot a header\n")
    a = write(project, "a.http", "# @import ./bad.http\nGET http://x.test/a\n")
    code, lines, err = listed([a, bad, "requests/login.http"], capsys)
    assert code == 3
    assert lines[0] == "requests/a.http:2\t-\tGET http://x.test/a"
    assert [line.split("\t")[0] for line in lines[1:]] == [
        "requests/login.http:4",
        "requests/login.http:8",
        "requests/login.http:14",
    ]
    assert err.count("--> requests/bad.http:3:1") == 1


def test_an_import_outside_the_project_needs_allow_outside_files(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project.parent / "outside.http").write_text("# @name far\nGET http://x.test/far\n")
    a = write(project, "a.http", "# @import ../../outside.http\nGET http://x.test/<<far.body>>\n")
    code, lines, err = listed([a], capsys)
    assert code == 3 and "is outside the project folder" in err
    code, lines, err = listed([a, "--allow-outside-files"], capsys)
    assert (code, err) == (0, "")
    assert (
        lines[1] == "../outside.http:2\tfar\tGET http://x.test/far\t(imported by requests/a.http)"
    )


def test_secrets_in_imported_requests_are_masked(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(project, "keyed.http", "# @name keyed\nGET http://x.test/k?api_key=s3cr3tvalue\n")
    a = write(project, "a.http", "# @import ./keyed.http\nGET http://x.test/<<keyed.body>>\n")
    code, lines, _ = listed([a], capsys)
    assert code == 0
    assert "s3cr3tvalue" not in "\n".join(lines)
    assert lines[1].startswith("requests/keyed.http:2\tkeyed\tGET http://x.test/k?api_key=")


# -- the class: a chain of files, each reading the one after it ----------------------------------


@settings(max_examples=30, deadline=None)
@given(
    length=st.integers(1, 5),
    read=st.lists(st.booleans(), min_size=5, max_size=5),
)
def test_a_request_is_listed_exactly_when_a_chain_of_reads_reaches_it(
    length: int, read: list[bool]
) -> None:
    """f0 imports f1 ... imports f<length>; file n's request r<n> reads r<n+1> when
    ``read[n]``: the imported requests listed for f0 are those a run of the chain sends."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "pyproject.toml").write_text("")
        for number in range(length + 1):
            lines = [f"# @import ./f{number + 1}.http"] if number < length else []
            reads = f"<<r{number + 1}.status>>" if number < length and read[number] else ""
            lines += [f"# @name r{number}", f"GET http://x.test/{number}{reads}"]
            (root / f"f{number}.http").write_text("\n".join(lines) + "\n")
        root_file = parse_file(str(root / "f0.http"))
        graph = load_graph(root_file, lambda key, shown: parse_file(shown))
        sent = imported_requests(graph)
        expected: list[str] = []
        for number in range(length):
            if not read[number]:
                break
            expected.append(f"f{number + 1}.http")
        assert [key.name for key in sent] == expected
        assert all(indices == {0} for indices in sent.values())


# -- list against a run: the imported requests listed are those the run sends ---------------------

CHAIN_LOGIN = """\
@api = <<host>>/api

### Ping
# @name ping
GET <<api>>/ping

### Log in
# @name login
POST <<api>>/login

>> session = status

### Who
# @name who
GET <<api>>/who?s=<<session>>
"""

CHAIN_ORDERS = """\
# @import ./login.http
@orders_of = <<who.status>>

### Orders
# @name orders
GET <<api>>/orders?who=<<orders_of>>

### Unused
# @name unused
GET <<api>>/unused
"""


@pytest.mark.parametrize(
    ("reads", "sent"),
    [
        ("<<orders.status>>", ["login", "orders", "who"]),
        ("<<login.status>>", ["login"]),
        ("<<session>>", ["login"]),
        ("<<api>>", []),
        ("<<unused.status>>", ["unused"]),
    ],
)
def test_the_imported_requests_listed_are_those_a_run_sends(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    reads: str,
    sent: list[str],
) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "requests").mkdir()
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "login.http", CHAIN_LOGIN)
    write(tmp_path, "orders.http", CHAIN_ORDERS)
    a = write(
        tmp_path,
        "a.http",
        f"# @import ./orders.http\n@h = {reads}\n\n### Mine\nGET <<host>>/a?h=<<h>>\n",
    )
    with recording_server() as (base, seen):
        code, out, _ = run_cli([a, "--var", f"host={base}"], capsys)
        assert code == 0, out
        code, lines, err = listed([a], capsys)
    assert (code, err) == (0, "")
    listed_names = sorted(
        line.split("\t")[1] for line in lines if line.endswith(f"(imported by {a})")
    )
    sent_names = sorted(line.split()[1].split("?")[0].removeprefix("/api/") for line in seen[:-1])
    assert listed_names == sent_names == sent
    assert seen[-1].startswith("GET /a?h=")
