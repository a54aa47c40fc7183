"""The writer (runner/writer.py): one canonical style, and nothing of a file lost.

Properties: for files built from every construct, ``parse(write(tree))`` is the tree again
(spans aside, see writer_helpers) and writing is idempotent; the same on every ``.http`` file of
the project. Then one test per style rule of docs/FORMAT.md, "Canonical style (httprun fmt)".
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import no_colour, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st
from test_parser_properties import httpish_text
from writer_helpers import file_shape

import runner.writer
from runner.errors import InternalError, ParseError
from runner.parser import parse_file, parse_text
from runner.writer import format_text, write

__all__ = ["no_colour"]

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = settings(max_examples=100, deadline=None)


def assert_round_trip(text: str) -> str:
    """The text's tree survives writing, and the written text is a fixed point."""
    tree = parse_text(text, "original.http")
    written = write(tree)
    again = parse_text(written, "written.http")
    assert file_shape(again) == file_shape(tree), written
    assert write(again) == written
    return written


# ---- Files built from every construct ----------------------------------------------------------

blanks = st.integers(0, 3).map(lambda n: [""] * n)
words = st.sampled_from(["a", "products", "x y", "<<id>>", "\\<<lit", "é", "a # b", "1.0"])
comment = st.sampled_from(
    ["# a comment", "// slashes", "  # indented", "#tight", "  ### not a title", "#", "# @ no"]
)
directive = st.sampled_from(
    [
        "# @name products",
        "// @timeout 30s",
        "  # @auth = cafe24",
        "# @skip",
        "# @retry 3 1s",
        "# @key = =odd",
        "#@no-redirect",
    ]
)
variable = st.sampled_from(
    [
        "@api = https://<<mallid>>.example.com",
        "@x=1",
        "  @empty =",
        "@spaced   =   a b  ",
        "@t = <<login.body.token>>",
        "@odd = =x",
        "@gt = <<a > >>",
    ]
)
response_link = st.sampled_from(["<> ./2024-01-01T120000.200.json", "<>  out.json  "])
prelude_line = st.one_of(comment, directive, variable, response_link, st.just(""))

method = st.sampled_from(["", "GET ", "POST ", "DELETE  ", "  PATCH ", "CUSTOM-1 "])
url_start = st.sampled_from(
    ["https://x.test/a", "<<api>>/items", "http://x/<< id >>", "x.test/\\<<a", "/p?q=<<%v>>"]
)
continuation = st.sampled_from(["    &limit=5", "\t?page=<<$randomInt 1 9>>", "  &a=b  "])
version = st.sampled_from(["", " HTTP/1.1", " HTTP/2", "  HTTP/2.0"])
header = st.sampled_from(
    [
        "Accept: application/json",
        "X-Empty:",
        "A:b",
        "Authorization: Bearer <<token>>   ",
        "#weird: but a comment",
        "X-Val: <<$uuid>> and <<a>>",
    ]
)
header_zone_line = st.one_of(header, comment)
body_line = st.sampled_from(
    [
        '{"name": "demo <<$uuid>>"}',
        "  indented  ",
        "   ",
        "# not a comment here",
        "// nor here",
        " ### nor a title",
        "  ?? nor a check",
        "\\<<literal>>",
        "< ./file.json",
        "<@   ./template.txt  ",
        "<",
        "a=1&b=<<%token>>",
        "trailing space ",
        "",
    ]
)
check = st.sampled_from(
    [
        "?? status == 200",
        "??status==200",
        "?? length(body.items[?price > '100']) > 0",
        "?? body.error not exists",
        "?? body.a   not   ==   1",
        "?? a not==1",
        "?? a in==1",
        "?? body.name == hello world",
        "?? body.x matches '^[0-9]+\\.[0-9]{2}$'",
        "?? body.x == <<first>>",
        "?? body.price == 1.0",
        '?? body.tags contains "a"',
        "?? body.ok",
        "?? body.v in [1, 2]",
    ]
)
capture = st.sampled_from([">> id = body.id", ">>id=body.items[0].id", ">>  t =  body.t  "])
checks_line = st.one_of(check, capture, comment, response_link, st.just(""))


@st.composite
def request_lines(draw: st.DrawFn) -> list[str]:
    lines = [draw(method) + draw(url_start) + draw(version)]
    lines += draw(st.lists(continuation, max_size=2))
    lines += draw(st.lists(header_zone_line, max_size=4))
    body = draw(st.lists(body_line, max_size=6))
    if body or draw(st.booleans()):
        lines += ["", *body]
    after = draw(st.lists(checks_line, max_size=6))
    if after or draw(st.booleans()):
        # The checks start with a check, a capture or a "<>" line (anything else is body).
        lines += [*draw(blanks), draw(st.one_of(check, capture, response_link)), *after]
    return lines


@st.composite
def block_text(draw: st.DrawFn, first: bool) -> str:
    lines = [] if first else ["#" * draw(st.integers(3, 5)) + draw(st.sampled_from(["", " t "]))]
    lines += draw(st.lists(prelude_line, max_size=6))
    if draw(st.booleans()):
        lines += draw(request_lines())
    return "\n".join(lines + draw(blanks))


@st.composite
def http_files(draw: st.DrawFn) -> str:
    blocks = [draw(block_text(first=True))]
    blocks += draw(st.lists(block_text(first=False), max_size=4))
    ending = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return ending.join(blocks).replace("\n", ending) + draw(st.sampled_from(["", ending]))


@EXAMPLES
@given(http_files())
def test_files_of_every_construct_survive_writing(text: str) -> None:
    assert_round_trip(text)


@EXAMPLES
@given(httpish_text)
def test_any_file_that_parses_survives_writing(text: str) -> None:
    try:
        parse_text(text, "original.http")
    except ParseError:
        return
    assert_round_trip(text)


def project_request_files() -> list[Path]:
    files = sorted((REPO / "requests").rglob("*.http")) + sorted((REPO / "tests").rglob("*.http"))
    return [path for path in files if "__pycache__" not in path.parts]


@pytest.mark.parametrize(
    "path", project_request_files(), ids=lambda path: str(path.relative_to(REPO))
)
def test_every_project_request_file_survives_writing(path: Path) -> None:
    try:
        parse_file(path)
    except ParseError:
        return  # the golden files of invalid input
    assert_round_trip(path.read_text(encoding="utf-8-sig"))


def test_the_project_has_request_files_to_try() -> None:
    assert len(project_request_files()) >= 10


# ---- The style rules -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a method is always written
        ("https://x.test/a\n", "GET https://x.test/a\n"),
        ("  POST   https://x.test/a   HTTP/1.1\n", "POST https://x.test/a HTTP/1.1\n"),
        ("GET https://x.test HTTP/2.0\n", "GET https://x.test HTTP/2\n"),
        # headers: "Name: value"
        ("GET https://x\nAccept:application/json\nX-Empty:   \n", None),
        # directives: "# @key value"
        ("//@name  products\n# @timeout = 30s\n#   @skip\n", None),
        # variables: "@name = value"
        ("@a=1\n  @b   =\n", "@a = 1\n@b =\n"),
        # checks and captures: single blanks
        (
            "GET https://x\n\n??status==200\n?? body.a   not   exists\n>>id=body.id\n",
            "GET https://x\n\n?? status == 200\n?? body.a not exists\n>> id = body.id\n",
        ),
        # comments at column 1, as written otherwise
        ("   # note  \n  //other\nGET https://x\n", "# note\n//other\nGET https://x\n"),
        # titles: "### title"
        ("####   List  \n###\n", "### List\n\n###\n"),
        # interpolations without inner blanks
        ("GET https://x/<< id >>/<<$ uuid>>\n", "GET https://x/<<id>>/<<$uuid>>\n"),
        # URL continuations indented by four spaces
        ("GET https://x/a\n\t?b=1\n  &c=2\n", "GET https://x/a\n    ?b=1\n    &c=2\n"),
        # includes: "< path" and "<@ path"
        (
            "POST https://x\n\n<   ./a.json\n<@\t./t.txt\n",
            "POST https://x\n\n< ./a.json\n<@ ./t.txt\n",
        ),
        # empty files
        ("", ""),
        ("\n\n  \n", ""),
    ],
)
def test_style_rule(text: str, expected: str | None) -> None:
    written = assert_round_trip(text)
    if expected is None:
        expected = {
            "GET https://x\nAccept:application/json\nX-Empty:   \n": (
                "GET https://x\nAccept: application/json\nX-Empty:\n"
            ),
            "//@name  products\n# @timeout = 30s\n#   @skip\n": (
                "# @name products\n# @timeout 30s\n# @skip\n"
            ),
        }[text]
    assert written == expected


def test_blank_lines_one_before_each_title_and_one_before_the_checks() -> None:
    text = (
        "\n\n# top\n\n\n\n@a = 1\n### one\nGET https://x\n?? status == 200\n"
        "### two\n\n\n# kept, after one blank line\nGET https://y\n\n\n\n?? status == 200\n"
        "\n\n\n?? body.a == 1\n\n\n"
    )
    assert assert_round_trip(text) == (
        "# top\n\n@a = 1\n\n### one\nGET https://x\n\n?? status == 200\n\n"
        "### two\n\n# kept, after one blank line\nGET https://y\n\n?? status == 200\n"
        "\n?? body.a == 1\n"
    )


def test_line_endings_and_trailing_white_space_outside_bodies() -> None:
    text = "### t  \r\n# c  \r\nGET https://x  \r\nA: b  \r\n\r\n?? status == 200  \r\n"
    assert assert_round_trip(text) == "### t\n# c\nGET https://x\nA: b\n\n?? status == 200\n"


def test_bodies_are_written_as_read() -> None:
    body = (
        "\n   \n"  # leading blank lines, one of white space, are body text
        '{"a": "<<$uuid>>", "b": "\\<<x>>"}  \n'  # trailing blanks are data
        "# a hash line is body text\n"
        "  ### so is an indented title\n"
        "  ?? and an indented check\n"
        "<\n"  # "<" without a path is text
        "last  "
    )
    text = f"POST https://x\nContent-Type: text/plain\n\n{body}\n\n\n?? status == 200\n"
    written = assert_round_trip(text)
    assert f"\n\n{body}\n\n?? status == 200\n" in written
    sent = parse_text(written).blocks[0].request
    assert sent is not None and sent.body is not None
    original = parse_text(text).blocks[0].request
    assert original is not None and original.body is not None
    assert [p.template.source for p in sent.body.parts] == [  # type: ignore[union-attr]
        p.template.source  # type: ignore[union-attr]
        for p in original.body.parts
    ]


def test_comments_and_response_links_stay_where_they_were() -> None:
    text = (
        "# @name a\n# comment between directives\n// @timeout 5s\n@v = 1\n<> old.json\n"
        "GET https://x\n# between headers\nA: b\n  # indented\n"
        "\n?? status == 200\n# among checks\n>> id = body.id\n<> ./2024.json\n?? body.ok\n"
    )
    expected = text.replace("  # indented", "# indented").replace("// @timeout", "# @timeout")
    assert assert_round_trip(text) == expected


def test_a_comment_that_starts_with_three_hashes_is_no_title() -> None:
    text = "  ### only a comment\nGET https://x\n  ###also\n"
    written = assert_round_trip(text)
    assert written == " ### only a comment\nGET https://x\n ###also\n"
    assert len(parse_text(written).blocks) == 1


def test_a_check_keeps_its_spacing_when_respacing_would_change_it() -> None:
    # "not" right before "==" negates it: "a not==1" compares "a not" and must stay as it is.
    text = "GET https://x\n\n?? a not==1\n?? a  not  == 1\n"
    assert assert_round_trip(text) == "GET https://x\n\n?? a not==1\n?? a not == 1\n"


def test_a_directive_value_that_starts_with_equals_keeps_it() -> None:
    written = assert_round_trip("# @key = =x\n")
    assert written == "# @key = =x\n"
    assert parse_text(written).blocks[0].directives[0].value == "=x"


def test_an_interpolation_that_ends_with_a_greater_sign_is_kept() -> None:
    written = assert_round_trip("@v = <<a > >>\n")
    variable = parse_text(written).blocks[0].variables[0]
    assert variable.value.interpolations()[0].expr == "a >"


def test_format_text_raises_the_parsers_positioned_error() -> None:
    with pytest.raises(ParseError) as caught:
        format_text("GET https://x\nnot a header\n", "bad.http")
    assert caught.value.span is not None
    assert (caught.value.span.path, caught.value.span.line) == ("bad.http", 2)


# ---- The safety net: a writer bug never writes a file that means something else ------------


@pytest.mark.parametrize(
    "wrong",
    [
        "GET https://x.test/other\n",  # another request
        "# the request\nGET https://x.test/a\n",  # a comment that was not there
        "GET https://x.test/a\nnot a header\n",  # no request file at all
    ],
)
def test_format_text_refuses_a_text_that_reads_differently(
    monkeypatch: pytest.MonkeyPatch, wrong: str
) -> None:
    monkeypatch.setattr(runner.writer, "write", lambda tree: wrong)
    with pytest.raises(InternalError) as caught:
        format_text("GET https://x.test/a\n", "f.http")
    assert caught.value.exit_code == 70
    assert caught.value.span is not None and caught.value.span.path == "f.http"


def test_fmt_leaves_a_file_alone_when_the_writer_would_change_its_meaning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "a.http"
    path.write_text("GET  https://x.test/a\n")
    monkeypatch.setattr(runner.writer, "write", lambda tree: "GET https://x.test/b\n")
    code, _, err = run_cli(["fmt", str(path)], capsys)
    assert code == 70
    assert "would read differently" in err and "this is a bug in httprun" in err
    assert path.read_text() == "GET  https://x.test/a\n"
