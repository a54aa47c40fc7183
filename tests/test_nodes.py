"""What a block reads and defines, worked out once on the nodes (selection, the static pass
and the run all ask the nodes)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from runner.parser import parse_text

NAMES = st.sampled_from(["a", "b", "token", "first", "mall_id", "x1"])


def test_a_request_reads_the_first_name_of_each_interpolation() -> None:
    [block] = parse_text(
        "POST <<base>>/x?q=<<%query.text>>&id=<<$uuid>>\n"
        "Authorization: Bearer <<login.body.token>>\n"
        "\n"
        '{"n": <<length(items)>>}\n'
        "\n"
        "?? body.id == <<expected>>\n"
        ">> saved = body.id\n"
    ).blocks
    assert block.reads == {"base", "query", "login", "items", "expected"}
    assert block.reads is block.reads  # worked out once


def test_a_block_provides_its_name_and_captures_and_not_its_variables() -> None:
    blocks = parse_text(
        "@v = 1\n"
        "\n"
        "###\n# @name products\nGET http://x/\n\n>> first = body[0]\n>> second = body[1]\n"
    ).blocks
    assert blocks[0].provides == frozenset()
    assert blocks[1].provides == {"products", "first", "second"}


def test_a_name_without_a_request_provides_nothing() -> None:
    [block] = parse_text("# @name lonely\n@v = 1\n").blocks
    assert block.provides == frozenset()


def test_an_included_file_path_is_read_but_not_its_text() -> None:
    [block] = parse_text("POST http://x/\n\n<@ ./<<folder>>/body.json\n").blocks
    assert block.reads == {"folder"}


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(NAMES, st.sampled_from(["", ".id", "[0]", " | length(@)"])), max_size=6))
def test_reads_are_the_names_written_in_the_request(uses: list[tuple[str, str]]) -> None:
    url = "http://x/" + "/".join(f"<<{name}{path}>>" for name, path in uses)
    headers = "".join(f"X-{i}: <<{name}>>\n" for i, (name, _) in enumerate(uses))
    [block] = parse_text(f"GET {url}\n{headers}").blocks
    assert block.reads == {name for name, _ in uses}
