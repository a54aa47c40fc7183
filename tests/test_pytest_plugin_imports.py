"""The pytest plugin with ``# @import`` and data rows (FORMAT.md "Files that use other files",
"Data rows"): an imported request runs once per session (per worker under xdist), its failure
skips what needs it, and a file with rows is collected once per row."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from recording_server import recording_server
from test_pytest_plugin import _INSTALLED, INNER_ARGS, _env_with, import_path, output, write

from runner.datarows import DataRow
from runner.masking import Masker
from runner.pytest_plugin.collection import row_names

pytest_plugins = ["pytester"]

__all__ = ["import_path"]  # a fixture of the plugin's tests, used here too

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
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """requests/login.http, and a.http and b.http that import it."""
    write(pytester, "pyproject.toml", "")
    write(pytester, "requests/login.http", LOGIN)
    for letter in "ab":
        write(pytester, f"requests/{letter}.http", user(letter))
    return pytester


def run(pytester: pytest.Pytester, host: str, *args: str) -> pytest.RunResult:
    return pytester.runpytest_inprocess(*INNER_ARGS, "--http-var", f"host={host}", *args)


# -- imports -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "files",
    [
        ["requests/a.http", "requests/b.http"],
        # Collected as items too, before and after the files that import it.
        ["requests/login.http", "requests/a.http", "requests/b.http"],
        ["requests/a.http", "requests/b.http", "requests/login.http"],
    ],
)
def test_an_imported_login_is_sent_once_per_session(
    project: pytest.Pytester, files: list[str]
) -> None:
    with recording_server() as (base, seen):
        result = run(project, base, *files, "-v")
    result.assert_outcomes(passed=len(files))
    assert seen.count("POST /api/login") == 1
    assert seen.index("POST /api/login") == 0  # before the requests that need it
    assert sorted(seen[1:]) == [f"GET /api/{x}?session=200&status=200" for x in "ab"]


def test_a_failed_imported_request_skips_what_needs_it_with_the_reason(
    pytester: pytest.Pytester, local_server: str
) -> None:
    write(pytester, "pyproject.toml", "")
    write(pytester, "secret.env", "api_key=hush-hush-1234\n")
    write(
        pytester,
        "requests/login.http",
        """\
        ### Log in with hush-hush-1234
        POST <<host>>/status/500

        ?? status == 200
        >> session = status
        """,
    )
    write(
        pytester,
        "requests/a.http",
        """\
        # @import ./login.http

        ### Reads the login
        # @name mine
        GET <<host>>/echo?session=<<session>>

        ### Needs it through a request of this file
        GET <<host>>/echo?again=<<mine.status>>

        ### Independent
        GET <<host>>/json
        """,
    )
    result = run(pytester, local_server, "requests/a.http", "--http-env", "secret.env", "-rs")
    result.assert_outcomes(passed=1, skipped=2)
    reason = "needs 'Log in with ****' from requests/login.http:2, which failed: 1 check failed"
    result.stdout.fnmatch_lines(
        [f"SKIPPED [[]1[]] requests/a.http:5: {reason}", "SKIPPED [[]1[]] requests/a.http:8: *"]
    )
    assert "hush-hush-1234" not in output(result)


def test_an_import_that_cannot_be_followed_errors_the_items_of_the_file(
    project: pytest.Pytester,
) -> None:
    write(project, "requests/c.http", "# @import ./gone.http\n\n### C\nGET <<host>>/c\n")
    with recording_server() as (base, seen):
        result = run(project, base, "requests/c.http", "requests/a.http")
    result.assert_outcomes(passed=1, errors=1)
    assert "--> requests/c.http:1" in output(result)
    assert "Traceback" not in output(result)
    assert seen == ["POST /api/login", "GET /api/a?session=200&status=200"]


def test_xdist_loadfile_keeps_files_on_one_worker_each_sending_the_login_once(
    project: pytest.Pytester, import_path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for letter in "abcd":
        write(
            project,
            f"requests/{letter}.http",
            f"""\
            # @import ./login.http

            ### First
            # @name first
            GET <<api>>/{letter}/first

            ### Second
            GET <<api>>/{letter}/second?after=<<first.status>>&session=<<session>>
            """,
        )
    if not _INSTALLED:
        monkeypatch.setenv("PYTHONPATH", _env_with(import_path)["PYTHONPATH"])
    files = [f"requests/{letter}.http" for letter in "abcd"]
    with recording_server() as (base, seen):
        result = project.runpytest_subprocess(
            *INNER_ARGS, "-n", "2", "--dist", "loadfile", "--http-var", f"host={base}", *files,
            "-v", timeout=120,
        )  # fmt: skip
    result.assert_outcomes(passed=8)
    # Every request of a file ran on the same worker, in one scope (``after`` is its first's).
    workers: dict[str, set[str]] = {}
    for line in result.outlines:
        found = re.match(r"\[(gw\d+)\] .*PASSED requests/(\w)\.http::", line)
        if found:
            workers.setdefault(found[2], set()).add(found[1])
    assert set(workers) == set("abcd")
    assert all(len(found) == 1 for found in workers.values())
    assert sorted(s for s in seen if "/second" in s) == [
        f"GET /api/{x}/second?after=200&session=200" for x in "abcd"
    ]
    # The login: once on each worker that ran a file needing it.
    assert 1 <= seen.count("POST /api/login") <= len(set().union(*workers.values()))


# -- data rows ---------------------------------------------------------------------------------

# Each row its own scope: a row's Read sees its own row's capture (the check compares them).
ECHO_ROWS = """\
# @data ./rows.csv

### Create
POST <<host>>/echo?sku=<<sku>>

>> made = body.query.sku[0]

### Read
GET <<host>>/echo?sku=<<sku>>&made=<<made>>

?? body.query.made[0] == "<<sku>>"
"""

# For the recording server (which answers {}): the dependency is the named response.
RECORDED_ROWS = """\
# @data ./rows.csv

### Create
# @name create
POST <<host>>/items?sku=<<sku>>

### Read
GET <<host>>/items/<<sku>>?qty=<<qty>>&created=<<create.status>>
"""


@pytest.fixture
def rows_project(pytester: pytest.Pytester) -> pytest.Pytester:
    write(pytester, "pyproject.toml", "")
    write(pytester, "requests/rows.csv", "sku,qty\nA,1\nB,2\n")
    write(pytester, "requests/echo.http", ECHO_ROWS)
    write(pytester, "requests/products.http", RECORDED_ROWS)
    return pytester


def test_a_file_with_data_rows_has_one_item_per_request_and_row(
    rows_project: pytest.Pytester, local_server: str
) -> None:
    listed = run(rows_project, local_server, "requests/echo.http", "--collect-only", "-q")
    assert listed.outlines[:4] == [
        "requests/echo.http::Create[row 1]",
        "requests/echo.http::Read[row 1]",
        "requests/echo.http::Create[row 2]",
        "requests/echo.http::Read[row 2]",
    ]
    run(rows_project, local_server, "requests/echo.http").assert_outcomes(passed=4)


def test_one_row_is_selected_by_its_node_id_and_requests_by_k(
    rows_project: pytest.Pytester,
) -> None:
    with recording_server() as (base, seen):
        one = run(rows_project, base, "requests/products.http::Read[row 2]")
    one.assert_outcomes(passed=1)
    # Its row's Create ran first (its response is read), unreported.
    assert seen == ["POST /items?sku=B", "GET /items/B?qty=2&created=200"]
    with recording_server() as (base, seen):
        creates = run(rows_project, base, "requests/products.http", "-k", "create")
    creates.assert_outcomes(passed=2, deselected=2)
    assert seen == ["POST /items?sku=A", "POST /items?sku=B"]


def test_rows_share_one_run_of_an_imported_login(rows_project: pytest.Pytester) -> None:
    write(rows_project, "requests/login.http", LOGIN)
    write(
        rows_project,
        "requests/orders.http",
        "# @import ./login.http\n# @data ./rows.csv\n\n### Order\n"
        "POST <<api>>/orders?sku=<<sku>>&session=<<session>>\n",
    )
    with recording_server() as (base, seen):
        result = run(rows_project, base, "requests/orders.http", "-v")
    result.assert_outcomes(passed=2)
    assert seen == [
        "POST /api/login",
        "POST /api/orders?sku=A&session=200",
        "POST /api/orders?sku=B&session=200",
    ]


def test_http_data_option_wins_over_the_files_data(rows_project: pytest.Pytester) -> None:
    write(rows_project, "other.csv", "sku,qty\nC,3\n")
    with recording_server() as (base, seen):
        result = run(rows_project, base, "requests/products.http", "--http-data", "other.csv")
    result.assert_outcomes(passed=2)
    assert seen == ["POST /items?sku=C", "GET /items/C?qty=3&created=200"]
    result.stdout.fnmatch_lines(["httprun: data rows from other.csv"])


def test_a_missing_http_data_file_is_a_usage_error(rows_project: pytest.Pytester) -> None:
    result = run(rows_project, "http://127.0.0.1:9", "requests/products.http", "--http-data", "x")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--http-data takes a CSV, JSON or JSON Lines file: no file 'x'"])


def test_a_data_file_without_rows_is_a_collection_error_and_nothing_is_sent(
    rows_project: pytest.Pytester,
) -> None:
    write(rows_project, "requests/rows.csv", "sku,qty\n")
    write(rows_project, "requests/plain.http", "GET <<host>>/plain\n")
    with recording_server() as (base, seen):
        result = run(rows_project, base, "requests/plain.http", "requests/products.http")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    text = output(result)
    assert "--> requests/rows.csv:1" in text
    assert "has no rows" in text
    assert "Traceback" not in text
    assert seen == []


def test_rows_labelled_by_a_name_column_are_selected_by_k(rows_project: pytest.Pytester) -> None:
    write(rows_project, "requests/rows.csv", "name,sku,qty\nshirt,A,1\nhat,B,2\n")
    with recording_server() as (base, seen):
        result = run(rows_project, base, "requests/products.http", "-k", "hat", "-v")
    result.assert_outcomes(passed=2, deselected=2)
    result.stdout.fnmatch_lines(
        [
            "requests/products.http::create[[]hat[]] PASSED*",
            "requests/products.http::Read[[]hat[]] PASSED*",
        ]
    )
    assert seen == ["POST /items?sku=B", "GET /items/B?qty=2&created=200"]


def test_a_bad_row_is_a_collection_error_at_its_line_and_nothing_is_sent(
    rows_project: pytest.Pytester,
) -> None:
    write(rows_project, "requests/rows.csv", "sku,qty\nA,1\nB,2,3\n")
    write(rows_project, "requests/plain.http", "GET <<host>>/plain\n")
    with recording_server() as (base, seen):
        result = run(rows_project, base, "requests/plain.http", "requests/products.http")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    text = output(result)
    assert "--> requests/rows.csv:3" in text
    assert "row 2 has 3 fields" in text
    assert "Traceback" not in text
    assert seen == []


# -- how rows are named ------------------------------------------------------------------------

_LABELS = st.lists(
    st.text(st.sampled_from("ab:[] 1*"), min_size=1, max_size=12), min_size=1, max_size=6
)


@given(labels=_LABELS, secrets=st.lists(st.sampled_from(["ab:[] 1*b", "a::::ab", "1*1*1*1*"])))
def test_row_names_pick_one_row_each_and_show_no_secret(
    labels: list[str], secrets: list[str]
) -> None:
    """Whatever the labels (the reader makes them unique) and the rows' secret values, each
    row's name is its own, holds no node id separator and no secret."""
    unique = list(dict.fromkeys(labels))
    rows = [
        DataRow(number, number + 1, {"name": label, "api_token": secrets[number % len(secrets)]}
                if secrets else {"name": label}, label)
        for number, label in enumerate(unique, 1)
    ]  # fmt: skip
    names = row_names(rows, Masker())
    assert len(set(names)) == len(names) == len(rows)
    assert not any("::" in name for name in names)
    assert not any(secret in name for secret in secrets for name in names)


def test_a_row_label_keeps_no_node_id_separator() -> None:
    rows = [DataRow(1, 2, {"name": "a:::b"}, "a:::b"), DataRow(2, 3, {"name": "c"}, "c")]
    assert row_names(rows, Masker()) == ["a: : :b", "c"]
