"""The language server's editing features as pure functions: semantic tokens, completion,
hover, navigation and document links (the server over stdio: test_lsp_features.py)."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pygls.exceptions import JsonRpcInvalidParams

from runner.directives import validate_directive
from runner.dynamic import DynamicSources, evaluate_dynamic
from runner.errors import ParseError
from runner.lsp.analysis import Analysis
from runner.lsp.completion import Sources, complete
from runner.lsp.formatting import formatted
from runner.lsp.hover import Context, hover_text
from runner.lsp.links import include_targets
from runner.lsp.navigation import definitions, references, rename_edits, symbol_at
from runner.lsp.semantic_tokens import LEGEND, Token, encode
from runner.lsp.vocabulary import DIRECTIVE_VALUES, DYNAMIC_SNIPPETS
from runner.nodes import Directive
from runner.results import CheckResult, Outcome, RequestResult
from runner.source import Span

PATH = "/project/requests/a.http"
TEXT = """\
# a comment
@host = http://127.0.0.1:9
### List products
# @name products
# @auth cafe24
GET <<host>>/products?q=<<%query>> HTTP/1.1
  &page=2
Authorization: Bearer <<token>>
// between headers
Content-Type: application/json

{"id": "<<$uuid>>", "n": 1}
# sent: a body line
< ./payload.json

?? status == 200
?? body.name not contains "a"
>> first = body.products[0].id

### Read one
GET <<host>>/products/<<first>>?from=<<products.body.count>>
"""
ENV = {"token": "s3cret-token", "query": "shoes"}


def analysis(text: str = TEXT, defined: frozenset[str] = frozenset(ENV)) -> Analysis:
    return Analysis(PATH, text, defined)


def shown(tokens: list[Token], lines: list[str]) -> list[tuple[int, str, str]]:
    return [(t.line, lines[t.line][t.start : t.start + t.length], t.type) for t in tokens]


# -- semantic tokens --


def test_every_construct_has_its_token() -> None:
    found = analysis()
    tokens = shown(found.semantic_tokens, found.lines)
    assert (0, "# a comment", "comment") in tokens
    assert (1, "@host", "variable") in tokens
    assert (1, "http://127.0.0.1:9", "string") in tokens
    assert (2, "### List products", "namespace") in tokens
    assert (3, "# @name", "decorator") in tokens
    assert (3, "products", "function") in tokens
    assert (4, "cafe24", "string") in tokens
    assert (5, "GET", "keyword") in tokens
    assert (5, "<<host>>", "variable") in tokens
    assert (5, "/products?q=", "string") in tokens
    assert (5, "<<%", "operator") in tokens
    assert (5, "query>>", "variable") in tokens
    assert (5, "HTTP/1.1", "keyword") in tokens
    assert (6, "&page=2", "string") in tokens
    assert (7, "Authorization", "property") in tokens
    assert (7, "Bearer ", "string") in tokens
    assert (8, "// between headers", "comment") in tokens
    assert (11, "<<$uuid>>", "macro") in tokens
    assert (13, "<", "operator") in tokens
    assert (13, "./payload.json", "string") in tokens
    assert (15, "??", "keyword") in tokens
    assert (15, "status", "property") in tokens
    assert (15, "==", "operator") in tokens
    assert (15, "200", "number") in tokens
    assert (16, "not", "operator") in tokens
    assert (16, "contains", "operator") in tokens
    assert (16, '"a"', "string") in tokens
    assert (17, ">>", "keyword") in tokens
    assert (17, "first", "variable") in tokens
    assert (17, "body.products[0].id", "property") in tokens
    assert (20, "<<products.body.count>>", "function") in tokens
    # A '#' line of a body is body text, not a comment.
    assert not [token for token in tokens if token[0] == 12]


def test_declarations_and_library_values_have_modifiers() -> None:
    found = analysis()
    by_text = {found.lines[t.line][t.start : t.start + t.length]: t for t in found.semantic_tokens}
    assert by_text["@host"].modifiers == ("declaration",)
    assert by_text["first"].modifiers == ("declaration",)
    assert by_text["<<$uuid>>"].modifiers == ("defaultLibrary",)
    assert set(LEGEND.token_modifiers) >= {"declaration", "defaultLibrary"}


def test_comments_of_a_file_that_does_not_parse_are_still_tokens() -> None:
    found = analysis("# note\nGET http://x\nnot a header\n")
    assert shown(found.semantic_tokens, found.lines) == [(0, "# note", "comment")]


def test_a_block_with_a_syntax_error_leaves_the_others_their_tokens() -> None:
    found = analysis("### ok\nGET http://x/<<a>>\n\n### broken\nGET http://x/<<a\n")
    tokens = shown(found.semantic_tokens, found.lines)
    assert (1, "<<a>>", "variable") in tokens
    assert not [token for token in tokens if token[0] == 4]


def test_encoding_is_relative_and_in_utf16_units() -> None:
    lines = ["GET http://x/😀/<<a>>", "?? status == 1"]
    tokens = [
        Token(0, 0, 3, "keyword"),
        Token(0, 15, 5, "variable"),
        Token(1, 0, 2, "keyword"),
        Token(1, 3, 6, "property", ("declaration",)),
    ]

    def utf16(text: str) -> int:
        return len(text.encode("utf-16-le")) // 2

    types = LEGEND.token_types
    assert encode(tokens, lines, utf16) == [
        *(0, 0, 3, types.index("keyword"), 0),
        *(0, 16, 5, types.index("variable"), 0),  # the emoji is two UTF-16 units
        *(1, 0, 2, types.index("keyword"), 0),
        *(0, 3, 6, types.index("property"), 1),
    ]
    assert encode(tokens, lines, utf16, range(1, 2)) == [
        *(1, 0, 2, types.index("keyword"), 0),
        *(0, 3, 6, types.index("property"), 1),
    ]


TEXTS = st.one_of(
    st.text(alphabet=st.sampled_from(list("GET <>@#?=/:\n\t$%.x1\"'{}[]😀")), max_size=120),
    st.builds(
        lambda cut, extra: TEXT[:cut] + extra + TEXT[cut:],
        st.integers(0, len(TEXT)),
        st.text(max_size=8),
    ),
)


@settings(max_examples=150, deadline=None)
@given(text=TEXTS)
def test_tokens_of_any_text_are_sorted_disjoint_and_on_their_line(text: str) -> None:
    found = analysis(text)
    tokens = found.semantic_tokens
    for before, after in itertools.pairwise(tokens):
        assert (before.line, before.start + before.length) <= (after.line, after.start)
    for token in tokens:
        assert token.length > 0
        assert token.start + token.length <= len(found.lines[token.line])
    assert len(encode(tokens, found.lines, len)) == 5 * len(tokens)


def test_the_lsp_bench_measures_diagnostics_and_tokens() -> None:
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, str(root / "bench" / "lsp.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert re.search(r"\| diagnostics \| \d+\.\d{3} s \|", done.stdout)
    assert re.search(r"\| semantic tokens \(full\) \| \d+\.\d{3} s \|", done.stdout)


# -- completion --


def sources(body: Any = None) -> Sources:
    return Sources(env={"token": "****", "query": "shoes"}, last_body=lambda name: body)


def after(text: str, marker: str) -> tuple[int, int]:
    """The 0-based line and column right after the first ``marker`` in ``text``."""
    offset = text.index(marker) + len(marker)
    line = text.count("\n", 0, offset)
    return line, offset - (text.rfind("\n", 0, offset) + 1)


def labels(text: str, marker: str, body: Any = None) -> list[str]:
    line, column = after(text, marker)
    found = analysis(text)
    return [
        item.label for item in complete(found.lines, found.http_file, line, column, sources(body))
    ]


def test_names_in_an_interpolation_are_those_defined_above() -> None:
    # line 20: "GET <<host>>/products/<<first>>..." ; the cursor right after its first "<<".
    found = labels(TEXT, "/products/<<")
    assert {"token", "query", "host", "first", "products", "auth"} <= set(found)
    # In the first request, its own capture and name are not readable yet.
    assert "first" not in labels(TEXT, "GET <<")
    assert "products" not in labels(TEXT, "GET <<")


def test_env_values_are_documented_as_given_masked() -> None:
    (token,) = [
        i
        for i in complete(
            TEXT.split("\n"), analysis().http_file, *after(TEXT, "/products/<<"), sources()
        )
        if i.label == "token"
    ]
    assert token.documentation == "****"


def test_members_of_requests_auth_and_last_bodies() -> None:
    text = "# @name products\nGET http://x\n\n###\nGET http://x/<<products.>>/<<auth.>>\n"
    assert {"status", "body", "headers"} <= set(labels(text, "<<products."))
    assert "access_token" in labels(text, "<<auth.")
    body = {"products": [{"id": 1, "product_name": "a"}], "count": 2}
    text = "# @name products\nGET http://x\n\n###\nGET http://x/<<products.body.products[0].>>\n"
    assert labels(text, "[0].", body) == ["id", "product_name"]
    text = "# @name products\nGET http://x\n\n###\nGET http://x/<<products.body.co>>\n"
    items = complete(text.split("\n"), analysis(text).http_file, *after(text, ".co"), sources(body))
    # Every field is offered (the client filters by what is typed), replacing the typed "co".
    assert [(item.label, item.start) for item in items] == [
        ("products", after(text, ".co")[1] - 2),
        ("count", after(text, ".co")[1] - 2),
    ]  # replaces the typed "co"
    assert labels(text, ".co", None) == []  # not run in this session


def test_names_and_fields_inside_a_longer_expression() -> None:
    text = (
        "# @name products\nGET http://x\n\n###\nGET http://x/<<length(pr)>>/<<length(products.)>>\n"
    )
    assert "products" in labels(text, "length(pr")
    assert "body" in labels(text, "length(products.")
    assert "products" in labels(text, "<<length(")  # right after "(" too
    assert labels("GET http://x/<<'pr>>\n", "<<'pr") == []  # inside a quoted string


def test_a_secret_file_variable_is_documented_masked() -> None:
    text = "@client_secret = s3cret\n@page = 2\nGET http://x/<<p>>\n"
    found = analysis(text)
    items = complete(found.lines, found.http_file, 2, 15, sources())
    documented = {item.label: item.documentation for item in items}
    assert documented["client_secret"] == "@client_secret = ****"
    assert documented["page"] == "@page = 2"


def test_dynamic_values_are_snippets_with_their_arguments() -> None:
    items = complete(["GET http://x/<<$"], analysis("").http_file, 0, 16, sources())
    random_int = next(item for item in items if item.label == "$randomInt")
    assert random_int.snippet and random_int.insert == "\\$randomInt ${1:0} ${2:100}"
    assert random_int.start == 15


def test_every_dynamic_snippet_accepted_as_it_is_gives_a_value() -> None:
    sources = DynamicSources(environ={"NAME": "value"})
    for name, (snippet, _) in DYNAMIC_SNIPPETS.items():
        written = re.sub(r"\$\{[0-9]+:([^}]*)\}", r"\1", snippet).replace("\\$", "$")
        assert written.startswith(name)
        span = Span("a.http", 1, 1, 1, 2)
        assert evaluate_dynamic(written[1:], span, sources) is not None


def test_every_directive_value_offered_is_valid() -> None:
    for key, values in DIRECTIVE_VALUES.items():
        for value in values:
            directive = Directive(key, value, Span("a.http", 1, 1, 1, 2))
            assert validate_directive(directive) == [], (key, value)


def test_directives_and_their_values() -> None:
    assert "no-redirect" in labels("# @\nGET http://x\n", "@")
    assert labels("# @auth \nGET http://x\n", "@auth ") == ["cafe24", "oauth2", "none"]
    assert labels("POST http://x\n\n# @\n", "# @") == []  # a body line, sent as written


def test_header_names_and_values() -> None:
    text = "GET http://x\nAccept: */*\nX\n"
    assert "X-Cafe24-Api-Version" in labels(text, "\nX")
    assert "application/json" in labels("GET http://x\nContent-Type: \n", "Type: ")
    text = "GET http://x\nContent-Type:\n"  # no blank after the colon yet: one is inserted
    found = analysis(text)
    items = complete(found.lines, found.http_file, *after(text, "Type:"), sources())
    assert items[0].insert == " application/json"
    assert labels("GET http://x\n\nX\n", "\nX") == []  # a body line
    assert labels("POST http://x\n\na=1\nb\n", "\nb") == []  # a body's second line
    assert labels("### t\n# c\n@v = 1\nGET http://x\n# c\nA: b\nX\n", "\nX") != []
    assert labels("### t\n\nX\n", "\nX") == []  # no request line above: the request line
    assert labels("GET http://x\n?? status == 200\nX\n", "\nX") == []  # after the checks


def test_check_queries_functions_and_operators() -> None:
    text = "GET http://x\n\n?? \n"
    assert {"status", "body", "headers", "length", "contains"} <= set(labels(text, "?? "))
    assert {"==", "contains", "not"} <= set(labels("GET http://x\n\n?? status \n", "status "))


# -- navigation --


def test_definitions_of_each_kind_of_name() -> None:
    env = {"token": Span("/nowhere/dev.env", 3, 1, 3, 6)}
    found = analysis()
    (variable,) = definitions(found, "host", env)
    assert (variable.what, variable.span.line, variable.span.column) == ("file variable", 2, 2)
    (capture,) = definitions(found, "first", env)
    assert (capture.what, capture.span.line, capture.span.column) == ("capture", 18, 4)
    (request,) = definitions(found, "products", env)
    assert (request.what, request.span.line, request.span.column) == ("request", 4, 9)
    (env_file,) = definitions(found, "token", env)
    assert (env_file.what, env_file.span.path) == ("env file", "/nowhere/dev.env")


def test_references_are_the_names_inside_interpolations() -> None:
    found = analysis()
    spans = references(found, "host")
    assert [(span.line, span.column, span.end_column) for span in spans] == [
        (6, 7, 11),
        (21, 7, 11),
    ]
    assert [span.line for span in references(found, "products")] == [21]


def test_symbol_at_reads_definitions_and_uses() -> None:
    found = analysis()
    assert symbol_at(found, 1, 2).name == "host"  # type: ignore[union-attr]
    assert symbol_at(found, 3, 10).name == "products"  # type: ignore[union-attr]
    assert symbol_at(found, 17, 4).name == "first"  # type: ignore[union-attr]
    assert symbol_at(found, 20, 46).name == "products"  # type: ignore[union-attr]
    assert symbol_at(found, 15, 5) is None


def test_rename_changes_definitions_and_uses_and_refuses_a_non_name() -> None:
    edits = rename_edits(analysis(), "first", "first_id", {})
    assert [(span.line, span.column) for span in edits[PATH]] == [(18, 4), (21, 25)]
    with pytest.raises(JsonRpcInvalidParams):
        rename_edits(analysis(), "first", "first-id", {})


NAMES = st.sampled_from(["a", "b", "host", "id_2"])
BLOCK_LINES = st.lists(
    st.one_of(
        NAMES.map(lambda name: f"@{name} = v<<{name}>>"),  # a value may read the name too
        NAMES.map(lambda name: f"# @name {name}"),
    ),
    max_size=2,
)


@st.composite
def named_files(draw: st.DrawFn) -> str:
    blocks = []
    for _ in range(draw(st.integers(1, 4))):
        prelude = "\n".join(draw(BLOCK_LINES))
        first, second = draw(NAMES), draw(NAMES)
        request = f"GET http://x/<<{first}>>?q=<<length({second}.body)>>\nX-A: <<{second}>>"
        capture = f">> {draw(NAMES)} = body.x"
        blocks.append(f"###\n{prelude}\n{request}\n\n?? status == 200\n{capture}\n")
    return "".join(blocks)


def renamed(text: str, spans: list[Span], new_name: str) -> str:
    lines = text.split("\n")
    for span in sorted(spans, key=lambda s: (s.line, s.column), reverse=True):
        line = lines[span.line - 1]
        lines[span.line - 1] = line[: span.column - 1] + new_name + line[span.end_column - 1 :]
    return "\n".join(lines)


@settings(max_examples=100, deadline=None)
@given(text=named_files(), name=NAMES)
def test_a_rename_renames_every_definition_and_use_and_nothing_else(text: str, name: str) -> None:
    before = analysis(text, frozenset())
    edits = rename_edits(before, name, "renamed_x", {})
    after = analysis(renamed(text, edits.get(PATH, []), "renamed_x"), frozenset())

    def names(found: Analysis, old: str, new: str) -> list[object]:
        """Each block's definitions and reads, with ``old`` spelled ``new``."""
        swap = {old: new}
        return [
            (
                sorted(swap.get(v.name, v.name) for v in block.variables),
                sorted(swap.get(n, n) for n in block.provides),
                sorted(swap.get(n, n) for n in block.reads),
                sorted(swap.get(n, n) for v in block.variables for n in v.value.reads),
            )
            for block in found.http_file.blocks
        ]

    assert names(after, "", "") == names(before, name, "renamed_x")


# -- hover --


def a_result(path: str, line: int) -> RequestResult | None:
    block = analysis().http_file.requests[0]
    if path != PATH or line != 6:
        return None
    check = CheckResult("check", "status == 200", False, None, "expected 200, got 404")
    return RequestResult(
        PATH,
        block,
        Outcome.FAILED,
        "GET",
        "http://127.0.0.1:9/products",
        status=404,
        elapsed_ms=12.4,
        checks=(check,),
        captures={"first": "s3cret-token"},
    )


def context() -> Context:
    env_spans = {"token": Span("/project/envs/dev.env", 2, 1, 2, 6)}
    return Context(
        env=ENV,
        env_spans=env_spans,
        last_result=a_result,
        mask=lambda text: text.replace("s3cret-token", "****"),
    )


def test_hover_on_a_variable_shows_its_value_masked_and_where_it_is_defined() -> None:
    text = hover_text(analysis(), 7, 26, context())  # <<token>>
    assert text is not None
    assert "s3cret-token" not in text
    assert "****" in text and "/project/envs/dev.env:2" in text
    text = hover_text(analysis(), 5, 7, context())  # <<host>>
    assert text is not None and "file variable at line 2" in text
    assert "`@host = http://127.0.0.1:9`" in text
    secret = analysis("@api_key = k3y\nGET http://x/<<api_key>>\n")
    text = hover_text(secret, 1, 16, context())
    assert text is not None and "k3y" not in text and "`@api_key = ****`" in text


def test_hover_on_a_capture_and_a_request_reference_shows_their_last_run() -> None:
    text = hover_text(analysis(), 20, 25, context())  # <<first>>
    assert text is not None and "capture at line 18" in text
    assert "s3cret-token" not in text
    text = hover_text(analysis(), 20, 40, context())  # <<products.body.count>>
    assert text is not None and "request at line 4" in text and "failed, 404 in 12 ms" in text


def test_hover_on_an_undefined_name_says_why_nothing_is_shown() -> None:
    text = hover_text(analysis("GET http://x/<<nope>>\n"), 0, 16, context())
    assert text is not None and "not defined above" in text
    broken = analysis("GET http://x/<<nope>>\nnot a header\n")
    text = hover_text(broken, 0, 16, context())
    assert text is not None and "syntax error" in text


def test_hover_on_a_directive_and_a_dynamic_value() -> None:
    text = hover_text(analysis(), 4, 3, context())
    assert text is not None and "@auth cafe24|oauth2|none" in text
    text = hover_text(analysis(), 11, 12, context())
    assert text is not None and "UUID" in text


def test_hover_on_a_request_line_shows_its_last_result() -> None:
    text = hover_text(analysis(), 5, 1, context())
    assert text == "**Last run**: failed, 404 in 12 ms\n- ✗ `status == 200`: expected 200, got 404"
    assert hover_text(analysis(), 20, 1, context()) is None  # not run in this session


@settings(max_examples=150, deadline=None)
@given(text=TEXTS, line=st.integers(-1, 30), column=st.integers(-1, 80))
def test_completion_and_hover_of_any_text_at_any_position_never_crash(
    text: str, line: int, column: int
) -> None:
    found = analysis(text)
    complete(found.lines, found.http_file, line, column, sources({"a": [{"b": 1}]}))
    hover_text(found, line, column, context())
    symbol_at(found, line, column)


# -- document links --


def test_includes_link_to_the_file_relative_to_the_request_file(tmp_path: Path) -> None:
    document = tmp_path / "requests" / "a.http"
    text = "POST http://x\n\n<@ ./data/one.json\n"
    found = Analysis(str(document), text, frozenset())
    ((span, target),) = include_targets(found.http_file, str(document))
    assert target == (tmp_path / "requests" / "data" / "one.json").resolve()
    assert (span.line, span.column) == (3, 4)
    text = "POST http://x\n\n< ./<<name>>.json\n"
    assert (
        include_targets(Analysis(str(document), text, frozenset()).http_file, str(document)) == []
    )


# -- formatting --


def test_formatting_keeps_the_documents_line_endings() -> None:
    assert formatted("GET  http://x\r\n", "a.http") == "GET http://x\r\n"
    assert formatted("GET http://x\n", "a.http") is None  # already canonical
    with pytest.raises(ParseError):
        formatted("GET http://x/<<a\n", "a.http")
