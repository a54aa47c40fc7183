"""``httprun check`` follows imports, includes and data files (runner/check_files.py): every
file reached is checked once, each problem at its own ``file:line:col``."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from cli_helpers import no_colour, run_cli  # noqa: F401 (no_colour: autouse, colour off)
from hypothesis import given, settings
from hypothesis import strategies as st

from runner.check_files import CheckRun, CheckSettings, FileReader, check_following_imports
from runner.parser import parse_text_collecting

LOGIN = """\
@token = abc

### Log in
# @name login
POST http://127.0.0.1:9/login

>> session = body.session
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder, the current directory (messages name files relative to it)."""
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "requests").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(project: Path, name: str, text: str) -> str:
    (project / "requests" / name).write_text(text)
    return f"requests/{name}"


def check(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code, out, err = run_cli(["check", *args], capsys)
    assert err == ""
    return code, out.splitlines()


def test_an_imported_name_is_defined(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, "login.http", LOGIN)
    a = write(
        project,
        "a.http",
        "# @import ./login.http\n\n###\nGET http://127.0.0.1:9/a?t=<<login.body.token>>"
        "&s=<<session>>&k=<<token>>\n",
    )
    assert check([a], capsys) == (0, [])


def test_a_name_no_import_provides_is_undefined_with_a_suggestion(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(project, "login.http", LOGIN)
    a = write(project, "a.http", "# @import ./login.http\n\n###\nGET http://x.test/<<logn.body>>\n")
    code, lines = check([a], capsys)
    assert code == 3
    assert lines == [
        "requests/a.http:4:19: error: undefined variable 'logn' "
        "(nothing defines 'logn'; did you mean 'login'?)"
    ]


def test_auth_stays_undefined_without_a_profile(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(project, "login.http", LOGIN)
    a = write(
        project, "a.http", "# @import ./login.http\nGET http://x.test/<<auth.access_token>>\n"
    )
    code, lines = check([a], capsys)
    assert code == 3
    assert lines == [
        "requests/a.http:2:19: error: 'auth' is not defined here (the token is "
        "only there for requests with an @auth profile)"
    ]


def test_errors_of_an_imported_file_are_reported_once_at_their_own_place(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(project, "shared.http", "# @name shared\nGET http://x.test/\n?? bad(\n")
    for name in ("a.http", "b.http"):
        write(project, name, "# @import ./shared.http\nGET http://x.test/<<shared.body>>\n")
    expected = "requests/shared.http:3:8: error: invalid JMESPath in check: bad("
    for targets in (["requests/a.http", "requests/b.http"], ["requests"]):
        code, lines = check(targets, capsys)
        assert code == 3
        assert [line for line in lines if line.startswith(expected)] == [lines[0]]
        assert len(lines) == 1


def test_a_target_imported_earlier_is_not_reported_twice(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shared = write(project, "shared.http", "GET http://x.test/\n?? bad(\n")
    a = write(project, "a.http", "# @import ./shared.http\nGET http://x.test/a\n")
    for targets in ([a, shared], [shared, a]):
        code, lines = check(targets, capsys)
        assert code == 3
        assert len(lines) == 1 and lines[0].startswith("requests/shared.http:2:8: error:")


def test_an_imported_file_that_cannot_be_read_is_reported_once(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "requests" / "binary.http").write_bytes(b"GET http://x.test/\xff\n")
    a = write(project, "a.http", "# @import ./binary.http\nGET http://x.test/a\n")
    b = write(project, "b.http", "# @import ./binary.http\nGET http://x.test/b\n")
    code, lines = check([a, b, "requests/binary.http"], capsys)
    assert code == 3
    assert lines == [
        "requests/binary.http:1:19: error: request file 'requests/binary.http' is not valid "
        "UTF-8 (byte 0xff cannot start or continue a UTF-8 character)"
    ]


def test_secrets_in_an_imported_files_messages_are_masked(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(project, "shared.http", "# @name shared\nGET http://x.test/\n?? s3cr3tvalue(\n")
    a = write(project, "a.http", "# @import ./shared.http\nGET http://x.test/<<shared.body>>\n")
    code, lines = check([a, "--var", "password=s3cr3tvalue"], capsys)
    assert code == 3
    assert len(lines) == 1 and lines[0].startswith("requests/shared.http:3:")
    assert "s3cr3tvalue" not in lines[0] and "****" in lines[0]


def test_a_cycle_of_three_files_is_one_positioned_error(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, imported in (("a", "b"), ("b", "c"), ("c", "a")):
        write(project, f"{name}.http", f"# @import ./{imported}.http\nGET http://x.test/{name}\n")
    code, lines = check(["requests"], capsys)
    assert code == 3
    assert lines == [
        "requests/c.http:1:1: error: import cycle: requests/a.http -> requests/b.http -> "
        "requests/c.http -> requests/a.http (this import leads back to a file that imports it)"
    ]


def test_an_import_outside_the_project_is_refused(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project.parent / "outside.http").write_text("@x = 1\n")
    a = write(project, "a.http", "# @import ../../outside.http\nGET http://x.test/<<x>>\n")
    code, lines = check([a], capsys)
    assert code == 3
    assert lines == [
        f"requests/a.http:1:1: error: '../outside.http' is outside the project folder {project} "
        "(imports stay inside the project, as includes do)"
    ]
    assert check([a, "--allow-outside-files"], capsys) == (0, [])


def test_a_missing_import_is_an_error_at_its_line(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = write(project, "a.http", "GET http://x.test/\n\n###\n# @import ./gone.http\n")
    b = write(project, "b.http", "# @import ./gone.http\n# @import\nGET http://x.test/\n")
    code, lines = check([a, b], capsys)
    assert code == 3
    assert lines == [
        "requests/a.http:4:1: error: '@import' belongs in the file's first block (it is about "
        "the whole file, so it must come before the first request)",
        "requests/b.http:1:1: error: cannot import 'requests/gone.http': no such file "
        "(paths are relative to the .http file)",
        "requests/b.http:2:1: error: '@import' needs a path",
    ]


def test_imports_and_data_files_that_name_no_readable_file_are_errors_at_their_line(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = project / "requests"
    (folder / "sub").mkdir()
    os.mkfifo(folder / "pipe.http")
    os.symlink("loop-b", folder / "loop-a")
    os.symlink("loop-a", folder / "loop-b")
    long = "x" * 300
    imports = ["./sub", "./pipe.http", f"./{long}.http", "./loop-a"]
    a = write(project, "a.http", "".join(f"# @import {p}\n" for p in imports) + "GET http://x/\n")
    b = write(project, "b.http", f"# @data ./{long}.csv\nGET http://x/\n")
    c = write(project, "c.http", "# @data ./loop-a\nGET http://x/\n")
    code, lines = check([a, b, c], capsys)
    assert code == 3
    starts = [
        "requests/a.http:1:1: error: cannot import 'requests/sub': it is a folder, not a request",
        "requests/a.http:2:1: error: cannot import 'requests/pipe.http': it is a named pipe",
        f"requests/a.http:3:1: error: cannot import 'requests/{long}.http': File name too long",
        "requests/a.http:4:1: error: cannot import 'requests/loop-a': Symlink loop from",
        f"requests/b.http:1:1: error: no such data file: 'requests/{long}.csv'",
        "requests/c.http:1:1: error: cannot use data file 'requests/loop-a': Symlink loop from",
    ]
    assert len(lines) == len(starts)
    for line, start in zip(lines, starts, strict=True):
        assert line.startswith(start), line
    code, out, err = run_cli(["list", a], capsys)
    assert (code, out) == (3, "requests/a.http:5\t-\tGET http://x/\n")
    assert err.count("error: cannot import") == 4
    for target in (a, b, c):  # a run refuses them the same way, before sending anything
        result = run_cli([target], capsys)
        assert result.code == 3 and "internal error" not in result.output


def test_a_clash_warns_at_the_local_definition(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(project, "login.http", LOGIN)
    a = write(
        project, "a.http", "# @import ./login.http\n@token = mine\nGET http://x.test/<<token>>\n"
    )
    code, lines = check([a], capsys)
    assert code == 0  # a warning
    assert lines == [
        "requests/a.http:2:1: warning: 'token' is defined here and imported from "
        "requests/login.http:1 (this file's wins)"
    ]


def test_names_of_an_imported_files_broken_block_are_not_undefined(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(project, "login.http", "# @name login\nPOST http://x.test/\nNot a header\n")
    a = write(project, "a.http", "# @import ./login.http\nGET http://x.test/<<login.body>>\n")
    code, lines = check([a], capsys)
    assert code == 3
    assert [line.split(": error")[0] for line in lines] == ["requests/login.http:3:1"]


def test_includes_that_name_no_file_of_the_project_are_errors(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "requests" / "body.json").write_text("{}")
    (project.parent / "secret.json").write_text("{}")
    a = write(
        project,
        "a.http",
        "POST http://x.test/1\n\n< ./body.json\n\n###\nPOST http://x.test/2\n\n< ./gone.json\n\n"
        "###\nPOST http://x.test/3\n\n<@ ../../secret.json\n\n###\nPOST http://x.test/4\n\n"
        "< ./\n\n###\nPOST http://x.test/5\n\n< ./<<name>>.json\n",
    )
    code, lines = check([a, "--var", "name=x"], capsys)
    assert code == 3
    assert lines == [
        "requests/a.http:8:1: error: no such file: './gone.json' (paths are relative to the "
        ".http file)",
        f"requests/a.http:13:1: error: '../../secret.json' is outside the project folder {project}",
        "requests/a.http:18:1: error: './' is a directory (paths are relative to the .http file)",
    ]
    assert check([a, "--var", "name=x", "--allow-outside-files"], capsys)[1] == [
        lines[0],
        lines[2],
    ]


def test_data_row_names_are_defined(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "requests" / "rows.csv").write_text("sku,price\nA-1,10\n")
    a = write(project, "a.http", "# @data ./rows.csv\nGET http://x.test/<<sku>>?p=<<price>>\n")
    assert check([a], capsys) == (0, [])
    b = write(project, "b.http", "# @data ./rows.csv\nGET http://x.test/<<skus>>\n")
    code, lines = check([b], capsys)
    assert code == 3
    assert "undefined variable 'skus'" in lines[0] and "did you mean 'sku'?" in lines[0]
    (project / "requests" / "rows.json").write_text('[{"sku": "A-1", "price": 10}]')
    c = write(project, "c.http", "# @data ./rows.json\nGET http://x.test/<<sku>>?p=<<price>>\n")
    assert check([c], capsys) == (0, [])


def test_a_data_file_outside_the_project_needs_allow_outside_files(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project.parent / "rows.csv").write_text("sku\nA-1\n")
    a = write(project, "a.http", "# @data ../../rows.csv\nGET http://x.test/<<sku>>\n")
    code, lines = check([a], capsys)
    assert code == 3
    assert lines == [
        f"requests/a.http:1:1: error: '../rows.csv' is outside the project folder {project} "
        "(data files stay inside the project, as includes do)"
    ]
    assert check([a, "--allow-outside-files"], capsys) == (0, [])


def test_a_data_file_without_rows_is_an_error_in_it(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "requests" / "rows.csv").write_text("sku,price\n")
    a = write(project, "a.http", "# @data ./rows.csv\nGET http://x.test/<<sku>>\n")
    b = write(project, "b.http", "# @data ./rows.csv\nGET http://x.test/<<sku>>\n")
    code, lines = check([a, b], capsys)
    assert code == 3
    # Shown once for both files; the names it would give are not called undefined.
    assert lines == ["requests/rows.csv:1:1: error: 'requests/rows.csv' has no rows"]


def test_a_bad_data_row_is_an_error_at_its_own_line(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = "sku,price\n" + "".join(f"A-{n},{n}\n" for n in range(1, 6)) + "A-6,6,extra\n"
    (project / "requests" / "rows.csv").write_text(rows)
    a = write(project, "a.http", "# @data ./rows.csv\nGET http://x.test/<<sku>>\n")
    code, lines = check([a], capsys)
    assert code == 3
    assert lines == [
        "requests/rows.csv:7:1: error: row 6 has 3 fields; the header has 2",
    ]


def test_a_missing_data_file_is_an_error_at_the_data_line(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = write(project, "a.http", "# @name first\n# @data ./gone.csv\nGET http://x.test/\n")
    code, lines = check([a], capsys)
    assert code == 3
    assert lines == [
        "requests/a.http:2:1: error: no such data file: 'requests/gone.csv' (paths are "
        "relative to the .http file)"
    ]


def test_the_function_for_one_file_leaves_the_imported_files_diagnostics_out(
    project: Path,
) -> None:
    write(project, "login.http", LOGIN + "?? bad(\n")
    text = "# @import ./login.http\nGET http://x.test/<<login>><<nope>>\n"
    http_file, errors = parse_text_collecting(text, "requests/editor.http")
    found = check_following_imports(http_file, errors, CheckSettings(), FileReader())
    assert [(d.span.line if d.span else 0, d.message) for d in found] == [
        (2, "undefined variable 'nope'")
    ]


def test_names_are_not_called_undefined_while_an_import_cannot_be_followed(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(project, "b.http", "# @import ./gone.http\n@b = <<gone_value>>\n")
    a = write(project, "a.http", "# @import ./b.http\nGET http://x.test/<<b>><<from_gone>>\n")
    code, lines = check([a], capsys)
    assert code == 3
    assert lines == [
        "requests/b.http:1:1: error: cannot import 'requests/gone.http': no such file "
        "(paths are relative to the .http file)"
    ]


# -- the class: any graph of imports, any targets ------------------------------------------------

FILES = 5


def _graphs(acyclic: bool) -> st.SearchStrategy[dict[int, list[int]]]:
    """File number → the files it imports (only later ones when ``acyclic``)."""

    def imports_of(number: int) -> st.SearchStrategy[list[int]]:
        choices = range(number + 1, FILES) if acyclic else range(FILES)
        return (
            st.lists(st.sampled_from(list(choices)), unique=True, max_size=3)
            if choices
            else st.just([])
        )

    return st.fixed_dictionaries({n: imports_of(n) for n in range(FILES)})


def _reached(graph: dict[int, list[int]], targets: list[int]) -> set[int]:
    seen: set[int] = set()
    pending = list(targets)
    while pending:
        current = pending.pop()
        if current not in seen:
            seen.add(current)
            pending.extend(graph[current])
    return seen


def _write_project(root: Path, graph: dict[int, list[int]]) -> None:
    """File n imports its files, defines v<n>, reads the names of every file it imports
    (directly or not) and has one error of its own (a check that does not compile)."""
    (root / "pyproject.toml").write_text("")
    for number, imported in graph.items():
        reads = "".join(f"<<v{other}>>" for other in sorted(_reached(graph, imported)))
        lines = [f"# @import ./f{other}.http" for other in imported]
        lines += [f"@v{number} = {number}", f"GET http://x.test/{reads}", "?? bad("]
        (root / f"f{number}.http").write_text("\n".join(lines) + "\n")


def _has_cycle(graph: dict[int, list[int]], start: set[int]) -> bool:
    return any(number in _reached(graph, graph[number]) for number in start)


def _checked(graph: dict[int, list[int]], targets: list[int]) -> list[str]:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        _write_project(root, graph)
        checking = CheckRun(CheckSettings())
        return [
            diagnostic.one_line()
            for number in targets
            for diagnostic in checking.target(str(root / f"f{number}.http"))
        ]


@settings(max_examples=40, deadline=None)
@given(
    graph=_graphs(acyclic=True),
    targets=st.lists(st.integers(0, FILES - 1), min_size=1, max_size=FILES),
)
def test_every_file_reached_is_checked_once_and_imported_names_are_defined(
    graph: dict[int, list[int]], targets: list[int]
) -> None:
    lines = _checked(graph, targets)
    errors = [line for line in lines if "invalid JMESPath" in line]
    reported = sorted(int(line.split(f"{os.sep}f")[-1].split(".http")[0]) for line in errors)
    assert reported == sorted(_reached(graph, targets))
    assert len(lines) == len(errors), lines  # no undefined name, no other problem


@settings(max_examples=40, deadline=None)
@given(
    graph=_graphs(acyclic=False),
    targets=st.lists(st.integers(0, FILES - 1), min_size=1, max_size=FILES),
)
def test_any_graph_reports_each_file_once_and_a_cycle_when_there_is_one(
    graph: dict[int, list[int]], targets: list[int]
) -> None:
    lines = _checked(graph, targets)
    errors = [line for line in lines if "invalid JMESPath" in line]
    assert len(errors) == len(_reached(graph, targets)) == len(set(errors))
    cycles = [line for line in lines if "import cycle" in line]
    assert bool(cycles) == _has_cycle(graph, _reached(graph, targets))
    assert len(cycles) == len(set(cycles))
