"""Which requests a subset run needs: FILE:LINE and --name pull in what they depend on."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.errors import UsageError
from runner.parser import parse_file, parse_text
from runner.select import dependencies_of, select_blocks

TEXT = """\
@api = http://x/<<login.body.tenant>>
@auth_header = Bearer <<token>>

### 1 log in
# @name login
POST http://x/login

>> token = body.token

### 2 unrelated
GET http://x/health

### 3 list, through two file variables
# @name items
GET <<api>>/items
Authorization: <<auth_header>>

>> first = body.items[0].id

### 4 one item: needs 3, which needs 1
GET <<api>>/items/<<first>>

?? body.id == <<items.body.items[0].id>>
"""


def indices_of_titles(text: str, indices: set[int]) -> list[str]:
    http_file = parse_text(text, "deps.http")
    return sorted((http_file.blocks[i].title or "").split()[0] for i in indices)


def test_everything_runs_without_a_subset() -> None:
    http_file = parse_text(TEXT, "deps.http")
    selected = select_blocks(http_file, line=None, names=())
    assert indices_of_titles(TEXT, selected) == ["1", "2", "3", "4"]


def test_a_line_pulls_in_its_dependencies_through_file_variables_transitively() -> None:
    http_file = parse_text(TEXT, "deps.http")
    line_of_four = TEXT.splitlines().index("GET <<api>>/items/<<first>>") + 1
    selected = select_blocks(http_file, line=line_of_four, names=())
    assert indices_of_titles(TEXT, selected) == ["1", "3", "4"]


def test_a_name_pulls_in_its_dependencies() -> None:
    http_file = parse_text(TEXT, "deps.http")
    selected = select_blocks(http_file, line=None, names=("items",))
    assert indices_of_titles(TEXT, selected) == ["1", "3"]
    four = max(selected) + 1
    assert indices_of_titles(TEXT, dependencies_of(http_file, four)) == ["1", "3"]


def test_a_line_outside_any_request_is_a_usage_error() -> None:
    http_file = parse_text(TEXT, "deps.http")
    with pytest.raises(UsageError, match=r"line 1 of deps\.http is not inside a request"):
        select_blocks(http_file, line=1, names=())


def test_names_read_inside_an_interpolated_include_count(tmp_path: Path) -> None:
    (tmp_path / "body.txt").write_text("value=<<captured>>\n")
    path = tmp_path / "inc.http"
    path.write_text(
        "### provides\nGET http://x/a\n\n>> captured = body\n\n"
        "### other\nGET http://x/b\n\n"
        "### uses the include\nPOST http://x/c\nContent-Type: text/plain\n\n<@ ./body.txt\n"
    )
    http_file = parse_file(path)
    selected = select_blocks(http_file, line=11, names=())
    assert [http_file.blocks[i].title for i in sorted(selected)] == [
        "provides",
        "uses the include",
    ]


def test_a_line_past_the_end_is_a_usage_error() -> None:
    http_file = parse_text(TEXT, "deps.http")
    with pytest.raises(UsageError, match=r"line 999 is not in deps\.http"):
        select_blocks(http_file, line=999, names=())


def test_includes_outside_the_project_are_not_read_for_dependencies(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text("")
    (tmp_path / "outside.txt").write_text("<<captured>>\n")
    path = project / "inc.http"
    path.write_text(
        "### provides\nGET http://x/a\n\n>> captured = body\n\n"
        "### uses\nPOST http://x/c\nContent-Type: text/plain\n\n<@ ../outside.txt\n"
    )
    http_file = parse_file(path)
    selected = select_blocks(http_file, line=7, names=())
    assert [http_file.blocks[i].title for i in sorted(selected)] == ["uses"]
