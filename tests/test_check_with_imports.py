"""``runner.check_files.check_with_summaries``: what ``httprun check`` and the language server
report about a file's imports, on random import graphs (cycles, missing files, broken files,
clashes) and on the cases the FORMAT names."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from runner.check_files import CheckSettings, FileReader, check_with_summaries
from runner.errors import Diagnostic
from runner.imports import ImportGraph, load_graph

# Each file fK: its imports (by index; "missing" for a file that is not there), whether it
# has a block that does not parse, whether it defines v0 itself, and the names its request
# reads.
FILES = st.lists(
    st.tuples(
        st.lists(st.one_of(st.integers(0, 3), st.just("missing")), max_size=3),
        st.booleans(),
        st.booleans(),
        st.sets(st.integers(0, 3), max_size=4),
    ),
    min_size=1,
    max_size=4,
)


def file_text(
    number: int, imports: list[int | str], broken: bool, own_v0: bool, reads: set[int]
) -> str:
    lines = [f"# @import ./{'nope' if i == 'missing' else f'f{i}'}.http" for i in imports]
    lines.append(f"@v{number} = {number}")
    if own_v0 and number != 0:
        lines.append("@v0 = mine")
    lines += [
        "",
        "### read",
        "GET http://127.0.0.1:9/" + "".join(f"<<v{i}>>" for i in sorted(reads)),
    ]
    if broken:
        lines += ["", "### broken", "GET http://127.0.0.1:9/a b"]
    return "\n".join(lines) + "\n"


def checked(folder: Path, root: str) -> tuple[ImportGraph, dict[Path, list[Diagnostic]]]:
    read = FileReader()
    graph = load_graph(read.parsed(Path(root).resolve(), root).http_file, read)
    return graph, check_with_summaries(graph, CheckSettings(), read)


def reachable(files: list[tuple[list[int | str], bool, bool, set[int]]], start: int) -> set[int]:
    seen: set[int] = set()
    pending = [i for i in files[start][0] if isinstance(i, int) and i < len(files)]
    while pending:
        current = pending.pop()
        if current not in seen:
            seen.add(current)
            pending += [i for i in files[current][0] if isinstance(i, int) and i < len(files)]
    return seen


@settings(max_examples=40)  # each example writes and parses up to 4 files
@given(files=FILES)
def test_every_graph_is_checked_file_by_file_without_a_traceback(
    files: list[tuple[list[int | str], bool, bool, set[int]]],
) -> None:
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        (folder / "envs").mkdir()  # the project folder
        for number, (imports, broken, own_v0, reads) in enumerate(files):
            imports = [i for i in imports if i == "missing" or i < len(files)]
            text = file_text(number, imports, broken, own_v0, reads)
            (folder / f"f{number}.http").write_text(text, encoding="utf-8")
        graph, found = checked(folder, str(folder / "f0.http"))

        for key, diagnostics in found.items():  # each file's own, at its own places
            assert all(d.span is not None for d in diagnostics)
            assert {d.span.path for d in diagnostics if d.span} <= {graph.files[key].path}
        root = found[graph.root_key]
        # A name an import provides is defined; one nothing provides is not.
        visible = {f"v{i}" for i in reachable(files, 0) | {0}}
        undefined = {
            d.message.split("'")[1] for d in root if d.message.startswith("undefined variable")
        }
        # While an import cannot be followed, what the file reads may come from it: nothing
        # is called undefined, so the one error to fix is not buried.
        expected = set() if graph.problems else {f"v{i}" for i in files[0][3]} - visible
        assert undefined == expected
        # Each import of the root: an error at its line when it cannot be followed, or when
        # the file has errors (as many as its list holds).
        for imported in graph.imports[graph.root_key]:
            line = imported.directive.span.line
            at_line = [d for d in root if d.span is not None and d.span.line == line]
            errors = [d for d in found[imported.key] if d.severity == "error"]
            if errors:
                (summary,) = at_line
                count = f"{len(errors)} error" + ("s" if len(errors) > 1 else "")
                assert summary.message.startswith(f"{imported.path} has {count}; the first: ")
            else:
                assert at_line == []
        missing = [d for d in root if d.message.startswith("cannot import ")]
        assert len(missing) == files[0][0].count("missing")


def test_a_clash_warns_at_the_local_definition(tmp_path: Path) -> None:
    (tmp_path / "envs").mkdir()
    (tmp_path / "login.http").write_text("# @name login\nGET http://127.0.0.1:9/\n")
    (tmp_path / "a.http").write_text(
        "# @import ./login.http\n@login = mine\nGET http://x/<<login>>\n"
    )
    graph, found = checked(tmp_path, str(tmp_path / "a.http"))
    (warning,) = found[graph.root_key]
    assert warning.severity == "warning"
    assert warning.span is not None and warning.span.line == 2
    where = f"{tmp_path / 'login.http'}:1"
    assert (
        warning.message == f"'login' is defined here and imported from {where} (this file's wins)"
    )


def test_a_summary_masks_the_secret_values_of_the_imported_file(tmp_path: Path) -> None:
    (tmp_path / "envs").mkdir()
    secret = (
        "@api_key = k3y-value-1234\n### x\n# @timeout k3y-value-1234\nGET http://127.0.0.1:9/\n"
    )
    (tmp_path / "login.http").write_text(secret)
    (tmp_path / "a.http").write_text("# @import ./login.http\nGET http://127.0.0.1:9/\n")
    graph, found = checked(tmp_path, str(tmp_path / "a.http"))
    (summary,) = found[graph.root_key]
    assert "has 1 error; the first: 3:1 invalid duration '****'" in summary.message
    assert all("k3y-value-1234" not in text for text in (summary.message, summary.hint))
