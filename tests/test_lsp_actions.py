"""The language server's code actions, on the analysis directly (fast, so hypothesis can try
many files); ``test_lsp_runs.py`` asks for them over stdio too."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st
from lsprotocol import types
from pygls.workspace import PositionCodec

from runner.errors import Diagnostic
from runner.lsp.actions import code_actions
from runner.lsp.analysis import Analysis
from runner.lsp.positions import span_range

CODEC = PositionCodec()
NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)


def actions_at(text: str, line: int, character: int = 0) -> list[types.CodeAction]:
    analysis = Analysis("a.http", text, frozenset())
    lines = text.splitlines(keepends=True)
    position = types.Position(line, character)
    params = types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri="file:///a.http"),
        range=types.Range(position, position),
        context=types.CodeActionContext(diagnostics=[]),
    )
    return code_actions(analysis, "file:///a.http", lines, CODEC, params, to_lsp(lines))


def to_lsp(lines: list[str]) -> Callable[[Diagnostic], types.Diagnostic]:
    def convert(diagnostic: Diagnostic) -> types.Diagnostic:
        assert diagnostic.span is not None
        return types.Diagnostic(span_range(diagnostic.span, lines, CODEC), diagnostic.message)

    return convert


def applied(text: str, action: types.CodeAction) -> str:
    """``text`` with the action's edits made (they do not overlap)."""
    assert action.edit is not None and action.edit.changes is not None
    lines = text.splitlines(keepends=True)
    edits = action.edit.changes["file:///a.http"]
    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character))[::-1]:
        start = CODEC.position_from_client_units(lines, edit.range.start)
        end = CODEC.position_from_client_units(lines, edit.range.end)
        offset = [sum(len(line) for line in lines[: p.line]) + p.character for p in (start, end)]
        text = text[: offset[0]] + edit.new_text + text[offset[1] :]
        lines = text.splitlines(keepends=True)
    return text


def test_braces_become_a_variable_and_the_warning_goes() -> None:
    text = "GET http://x/\nX-Id: {{id}}\n\n?? status == 200\n"
    (fix,) = actions_at(text, 1, 8)
    assert fix.title == "Write <<id>>"
    assert fix.kind == types.CodeActionKind.QuickFix
    assert fix.diagnostics and "plain text in httprun" in fix.diagnostics[0].message
    assert applied(text, fix) == "GET http://x/\nX-Id: <<id>>\n\n?? status == 200\n"


def test_other_tools_dynamic_values_get_httprun_spellings() -> None:
    text = "GET http://x/?id={{$guid}}\n\n?? status == 200\n"
    (fix,) = actions_at(text, 0, 20)
    assert applied(text, fix).startswith("GET http://x/?id=<<$uuid>>\n")


def test_no_fix_away_from_the_braces() -> None:
    text = "GET http://x/\nX-Id: {{id}}\nX-B: b\n\n?? status == 200\n"
    assert actions_at(text, 2, 0) == []


def test_a_request_without_checks_gets_a_status_check_after_its_body() -> None:
    text = 'POST http://x/\nContent-Type: application/json\n\n{"a": 1}\n\n### next\nGET http://y/\n'
    (add,) = actions_at(text, 0)
    assert add.title == "Add `?? status == 200`"
    assert applied(text, add) == (
        'POST http://x/\nContent-Type: application/json\n\n{"a": 1}\n\n?? status == 200\n\n'
        "### next\nGET http://y/\n"
    )


def test_a_request_with_checks_gets_no_status_action() -> None:
    assert actions_at("GET http://x/\n\n?? body.a exists\n", 0) == []


@settings(max_examples=40)  # each example parses and checks a file twice
@given(
    names=st.lists(NAMES, min_size=1, max_size=3, unique=True),
    body=st.booleans(),
    captures=st.booleans(),
    continuation=st.booleans(),
)
def test_the_status_check_keeps_the_request_as_it_was(
    names: list[str], body: bool, captures: bool, continuation: bool
) -> None:
    url = "http://x/items" + ("\n    ?limit=5" if continuation else "")
    headers = "".join(f"X-{name}: {name}\n" for name in names)
    text = f"### one\nPOST {url}\n{headers}"
    text += '\n{"a": [1,\n 2]}\n' if body else ""
    text += "\n>> got = body.a\n" if captures else ""
    before = Analysis("a.http", text, frozenset()).http_file.blocks[0]
    (add,) = actions_at(text, 1)
    after = Analysis("a.http", applied(text, add), frozenset())
    assert after.diagnostics == []
    block = after.http_file.blocks[0]
    assert [check.query for check in block.checks] == ["status"]
    assert block.request is not None and before.request is not None
    assert block.request.headers == before.request.headers
    assert block.request.body == before.request.body
    assert [(c.name, c.query) for c in block.captures] == [
        (c.name, c.query) for c in before.captures
    ]


@settings(max_examples=40)
@given(name=NAMES, prefix=st.sampled_from(["GET http://x/", "GET http://x/?q=", "X-A: "]))
def test_every_braced_name_is_fixed_to_its_variable(name: str, prefix: str) -> None:
    header = prefix.startswith("X-")
    text = f"GET http://x/\n{prefix}{{{{{name}}}}}\n" if header else f"{prefix}{{{{{name}}}}}\n"
    line = 1 if header else 0
    (fix,) = [a for a in actions_at(text, line, len(prefix) + 2) if a.title.startswith("Write")]
    fixed = applied(text, fix)
    assert f"<<{name}>>" in fixed and "{{" not in fixed


def curl_action(text: str, line: int) -> types.CodeAction:
    (action,) = [a for a in actions_at(text, line) if a.title.startswith("Turn the curl")]
    return action


def test_a_pasted_curl_command_becomes_a_request_without_its_secrets() -> None:
    text = (
        "### List\nGET http://x/items\n\n?? status == 200\n\n"
        "curl 'https://api.example.com/items' \\\n"
        "  -H 'X-Api-Key: abcd1234' \\\n"
        "  --compressed\n"
    )
    action = curl_action(text, 5)
    assert action.title == "Turn the curl command into a request (1 credential as variables)"
    after = applied(text, action)
    assert "abcd1234" not in after and "curl" not in after
    assert after.startswith("### List\nGET http://x/items\n\n?? status == 200\n\n###\n")
    analysis = Analysis("a.http", after, frozenset({"x_api_key"}))
    assert [d for d in analysis.diagnostics if d.severity == "error"] == []
    (_, imported) = analysis.http_file.requests
    assert imported.request is not None
    assert imported.request.url.source == "https://api.example.com/items"
    assert [(h.name, h.value.source) for h in imported.request.headers][:1] == [
        ("X-Api-Key", "<<x_api_key>>")
    ]


def test_a_curl_command_at_the_top_needs_no_separator() -> None:
    after = applied(
        "$ curl https://api.example.com/x", curl_action("$ curl https://api.example.com/x", 0)
    )
    assert after.startswith("# @no-redirect\nGET https://api.example.com/x\n")


def test_no_curl_action_on_other_lines_or_unreadable_commands() -> None:
    assert [
        a for a in actions_at("GET http://x/\n\n?? status == 200\n", 0) if "curl" in a.title
    ] == []
    assert [a for a in actions_at("curl 'https://x/\n", 0) if "curl" in a.title] == []


@settings(max_examples=40)
@given(
    path=st.lists(NAMES, min_size=1, max_size=3),
    before=st.sampled_from(["", "### one\nGET http://x/\n\n", "@host = x\n\n", "###\n"]),
)
def test_the_curl_request_is_always_a_block_of_its_own(path: list[str], before: str) -> None:
    url = "https://api.example.com/" + "/".join(path)
    text = f"{before}curl {url}\n"
    line = before.count("\n")
    after = Analysis("a.http", applied(text, curl_action(text, line)), frozenset())
    assert [d for d in after.diagnostics if d.severity == "error"] == []
    last = after.http_file.requests[-1].request
    assert last is not None and last.url.source == url
    assert len(after.http_file.requests) == before.count("GET") + 1
