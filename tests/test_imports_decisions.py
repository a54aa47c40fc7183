"""The decisions docs/FORMAT.md lists under "Imports" that no other test pins: which definition
of a name a file sees, that directives are not imported, an imported file's own rows, the
project boundary for imports and data files, and how rows fail."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from cli_helpers import no_colour, run_cli  # noqa: F401 (no_colour: autouse, colour off)
from hypothesis import given, settings
from hypothesis import strategies as st
from recording_server import recording_server

from runner.imports import load_graph
from runner.parser import parse_file


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("")
    return tmp_path


def run(
    project: Path, target: str, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, str, list[str]]:
    with recording_server() as (base, seen):
        code, out, err = run_cli([str(project / target), "--var", f"host={base}", *extra], capsys)
    return code, out + err, seen


# -- which definition a name resolves to --------------------------------------------------------

NAMES = ("a", "b", "c")


@st.composite
def import_trees(draw: st.DrawFn) -> tuple[list[set[str]], list[list[int]]]:
    """Files 0..n-1 (0 imports first): the names each defines, and whom each imports, in order.
    A file imports only files after it, so there is no cycle."""
    count = draw(st.integers(2, 5))
    defines = [draw(st.sets(st.sampled_from(NAMES))) for _ in range(count)]
    imports = [
        draw(st.lists(st.integers(i + 1, count - 1), unique=True)) if i < count - 1 else []
        for i in range(count)
    ]
    return defines, imports


def expected_provider(
    defines: list[set[str]], imports: list[list[int]], file: int, name: str
) -> int | None:
    """FORMAT.md: a file's own definition wins (then it is not imported at all); else the first
    import that defines the name or sees it through its own imports."""
    for imported in imports[file]:
        if name in defines[imported]:
            return imported
        through = expected_provider(defines, imports, imported, name)
        if through is not None:
            return through
    return None


@settings(max_examples=40, deadline=None)
@given(import_trees())
def test_the_name_a_file_sees_is_its_own_else_the_first_import_providing_it(
    tree: tuple[list[set[str]], list[list[int]]],
) -> None:
    defines, imports = tree
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "pyproject.toml").write_text("")
        for index, names in enumerate(defines):
            lines = [f"# @import ./f{other}.http" for other in imports[index]]
            lines += [f"@{name} = f{index}" for name in sorted(names)]
            (root / f"f{index}.http").write_text("\n".join(lines) + "\n")
        graph = load_graph(parse_file(root / "f0.http"), lambda path, shown: parse_file(shown))
        assert graph.problems == []
        visible = graph.visible()
        for name in NAMES:
            provider = None if name in defines[0] else expected_provider(defines, imports, 0, name)
            if provider is None:
                assert name not in visible
            else:
                assert visible[name][0] == (root / f"f{provider}.http").resolve()


def test_a_local_name_hides_an_imported_one_even_before_its_definition(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "login.http").write_text("### Log in\n# @name login\nGET <<host>>/login\n")
    (project / "a.http").write_text(
        "# @import ./login.http\n\n### Early\nGET <<host>>/early?s=<<login.status>>\n\n"
        "### Mine\n# @name login\nGET <<host>>/mine\n"
    )
    code, out, seen = run(project, "a.http", capsys)
    assert code == 3
    assert seen == ["GET /mine"]  # the imported login is never sent nor read
    assert "undefined variable 'login.status'" in out


def test_the_first_import_providing_a_name_wins(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "one.http").write_text("@where = one\n")
    (project / "two.http").write_text("@where = two\n@only = two\n")
    (project / "a.http").write_text(
        "# @import ./one.http\n# @import ./two.http\n\n### Go\nGET <<host>>/<<where>>/<<only>>\n"
    )
    code, out, seen = run(project, "a.http", capsys)
    assert code == 0, out
    assert seen == ["GET /one/two"]


# -- what an import does not bring -------------------------------------------------------------


def test_directives_are_not_imported(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "slow.http").write_text("# @skip not today\n@api = <<host>>/api\n")
    (project / "a.http").write_text("# @import ./slow.http\n\n### Go\nGET <<api>>/go\n")
    code, out, seen = run(project, "a.http", capsys)
    assert code == 0, out
    assert seen == ["GET /api/go"]  # slow.http's @skip default stays in slow.http


def test_an_imported_files_own_rows_are_ignored(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "rows.csv").write_text("sku\nA\nB\n")
    (project / "items.http").write_text(
        "# @data ./rows.csv\n@sku = default\n\n### Item\n# @name item\nGET <<host>>/item/<<sku>>\n"
    )
    (project / "a.http").write_text(
        "# @import ./items.http\n\n### Use\nGET <<host>>/use?s=<<item.status>>\n"
    )
    code, out, seen = run(project, "a.http", capsys)
    assert code == 0, out
    assert seen == ["GET /item/default", "GET /use?s=200"]  # once, without rows
    code, out, seen = run(project, "items.http", capsys)  # as a target: once per row
    assert code == 0, out
    assert seen == ["GET /item/A", "GET /item/B"]
    # Both targets: each row runs for itself, and once more without rows for the importer.
    with recording_server() as (base, seen):
        targets = [str(project / "items.http"), str(project / "a.http")]
        code, out, _ = run_cli([*targets, "--var", f"host={base}"], capsys)
    assert code == 0, out
    assert seen == ["GET /item/A", "GET /item/B", "GET /item/default", "GET /use?s=200"]


# -- first block only, and the project boundary ------------------------------------------------


@pytest.mark.parametrize("directive", ["# @import ./other.http", "# @data ./rows.csv"])
def test_import_and_data_after_the_first_block_refuse_the_file(
    project: Path, directive: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "other.http").write_text("@x = 1\n")
    (project / "rows.csv").write_text("x\n1\n")
    (project / "a.http").write_text(
        f"### A\nGET <<host>>/a\n\n### B\n{directive}\nGET <<host>>/b\n"
    )
    code, out, seen = run(project, "a.http", capsys)
    assert code == 3
    assert seen == []
    assert "belongs in the file's first block" in out
    assert "a.http:5:1" in out


@pytest.mark.parametrize(
    ("line", "outside"),
    [("# @import ../shared/login.http", "login.http"), ("# @data ../shared/rows.csv", "rows.csv")],
)
def test_allow_outside_files_lets_imports_and_data_files_leave_the_project(
    tmp_path: Path, line: str, outside: str, capsys: pytest.CaptureFixture[str]
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "login.http").write_text("@who = outside\n")
    (shared / "rows.csv").write_text("who\noutside\n")
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text("")
    (project / "a.http").write_text(f"{line}\n\n### Go\nGET <<host>>/<<who>>\n")
    code, out, seen = run(project, "a.http", capsys)
    assert code == 3
    assert seen == []
    assert "is outside the project folder" in out and "--allow-outside-files" in out
    code, out, seen = run(project, "a.http", capsys, "--allow-outside-files")
    assert code == 0, out
    assert seen == ["GET /outside"]


# -- rows fail one at a time -------------------------------------------------------------------


@pytest.mark.parametrize(("extra", "sent"), [((), 3), (("-x",), 1)])
def test_a_failing_row_stops_the_others_only_under_x(
    project: Path, extra: tuple[str, ...], sent: int, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "rows.csv").write_text("expected\n201\n200\n200\n")
    (project / "a.http").write_text(
        "# @data ./rows.csv\n\n### Go\nGET <<host>>/go\n\n?? to_string(status) == <<expected>>\n"
    )
    code, out, seen = run(project, "a.http", capsys, *extra)
    assert code == 1, out
    assert len(seen) == sent
