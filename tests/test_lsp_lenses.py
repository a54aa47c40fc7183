"""The Run lenses' titles and the one-pass dependencies behind them (``select.all_dependencies``
must agree with ``dependencies_of``, which ``httprun FILE:LINE`` runs)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from pygls.workspace import PositionCodec

from runner.lsp.lenses import code_lenses
from runner.parser import parse_text
from runner.select import all_dependencies, dependencies_of


@st.composite
def request_files(draw: st.DrawFn) -> str:
    """Requests that read earlier requests' names and captures, directly or through a file
    variable, some of them providing the same names again."""
    count = draw(st.integers(1, 8))
    text = ""
    for index in range(count):
        name = f"r{draw(st.integers(0, index))}"
        reads = draw(st.lists(st.integers(0, max(index - 1, 0)), max_size=2)) if index else []
        text += f"### block {index}\n"
        if draw(st.booleans()) and reads:
            text += f"@v{index} = <<r{reads[0]}.body.id>>\n"
            url = f"http://x/<<v{index}>>"
        else:
            url = "http://x/" + "/".join(f"<<r{r}.status>>/<<c{r}>>" for r in reads)
        text += f"# @name {name}\nGET {url}\n\n>> c{index} = body.id\n\n"
    return text


@settings(max_examples=60)  # each example compiles every JMESPath of its file
@given(request_files())
def test_all_dependencies_agrees_with_dependencies_of(text: str) -> None:
    http_file = parse_text(text, "a.http")
    found = all_dependencies(http_file)
    for index, block in enumerate(http_file.blocks):
        if block.request is not None:
            assert found[index] == dependencies_of(http_file, index)


def titles(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    lenses = code_lenses(parse_text(text, "a.http"), "file:///a.http", lines, PositionCodec())
    return [
        lens.command.title for lens in lenses if lens.command and lens.command.title != "Dry run"
    ]


def test_a_run_lens_names_up_to_three_requests_then_counts_them() -> None:
    text = "".join(
        f"### step {i}\n# @name s{i}\nGET http://x/<<s{i - 1}.body.id>>\n\n"
        if i
        else "### step 0\n# @name s0\nGET http://x/\n\n"
        for i in range(6)
    )
    assert titles(text) == [
        "Run",
        "Run after s0",
        "Run after s0, s1",
        "Run after s0, s1, s2",
        "Run after 4 requests",
        "Run after 5 requests",
    ]


def test_an_unnamed_dependency_is_named_by_its_title_or_request_line() -> None:
    login = "POST http://x/login\n\n>> token = body.t\n\n###\nGET http://x/me?t=<<token>>\n"
    assert titles("### Login\n" + login) == ["Run", "Run after Login"]
    assert titles(login) == ["Run", "Run after POST http://x/login"]
