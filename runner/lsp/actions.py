"""Code actions: ``{{x}}`` → ``<<x>>`` for the static pass's "plain text in httprun" warnings
(the replacement is the importers' :func:`~runner.importers.braces.convert_braces`, the one
table of other tools' values), "Add ``?? status == 200``" to a request without checks, and a
pasted ``curl ...`` command turned into a request (by ``httprun import curl``'s
:func:`~runner.importers.curl.import_curl`: its credentials become ``<<variables>>``, so the
pasted secrets leave the file)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from lsprotocol import types
from pygls.workspace import PositionCodec

from ..errors import Diagnostic, HttprunError
from ..importers.braces import Dialect, convert_braces
from ..importers.curl import import_curl
from ..nodes import Block
from .analysis import Analysis
from .positions import span_range
from .server import HttprunServer

STATUS_CHECK = "?? status == 200"
KINDS = [types.CodeActionKind.QuickFix, types.CodeActionKind.RefactorRewrite]
ToLsp = Callable[[Diagnostic], types.Diagnostic]
# A pasted command line: "curl ..." (after a shell prompt, if one was copied with it).
_CURL_LINE = re.compile(r"\s*(?:[$%>]\s+)?curl(?:\.exe)?\s", re.IGNORECASE)
_CONTINUED = ("\\", "^")  # POSIX shells' and Windows cmd's line continuations


def register(server: HttprunServer) -> None:
    ls = server

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(KINDS))
    def actions(params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        lines = ls.analysis(uri).lines
        codec = ls.workspace.position_codec
        return code_actions(
            ls.analysis(uri),
            uri,
            lines,
            codec,
            params,
            lambda diagnostic: ls.lsp_diagnostic(diagnostic, lines),
        )


def code_actions(
    analysis: Analysis,
    uri: str,
    lines: Sequence[str],
    codec: PositionCodec,
    params: types.CodeActionParams,
    to_lsp: ToLsp,
) -> list[types.CodeAction]:
    found = [
        *_brace_fixes(analysis, uri, lines, codec, params.range, to_lsp),
        *_status_checks(analysis, uri, lines, codec, params.range),
        *_curl_imports(uri, lines, codec, params.range),
    ]
    only = params.context.only
    if only:
        found = [a for a in found if a.kind and any(a.kind.startswith(k) for k in only)]
    return found


def _brace_fixes(
    analysis: Analysis,
    uri: str,
    lines: Sequence[str],
    codec: PositionCodec,
    wanted: types.Range,
    to_lsp: ToLsp,
) -> list[types.CodeAction]:
    actions = []
    for diagnostic in analysis.diagnostics:
        span = diagnostic.span
        if span is None or span.line != span.end_line or span.line > len(lines):
            continue
        written = lines[span.line - 1][span.column - 1 : span.end_column - 1]
        if not (written.startswith("{{") and written.endswith("}}")):
            continue  # another diagnostic: only the {{...}} warnings cover exactly that text
        conversion = convert_braces(written[2:-2], Dialect.HTTP)
        where = span_range(span, lines, codec)
        if conversion.text is None or not _overlap(where, wanted):
            continue
        actions.append(
            types.CodeAction(
                title=f"Write {conversion.text}",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[to_lsp(diagnostic)],
                is_preferred=True,
                edit=_edit(uri, where, conversion.text),
            )
        )
    return actions


def _status_checks(
    analysis: Analysis,
    uri: str,
    lines: Sequence[str],
    codec: PositionCodec,
    wanted: types.Range,
) -> list[types.CodeAction]:
    line = wanted.start.line + 1
    for block in analysis.http_file.requests:
        if block.span.line <= line <= block.span.end_line and not block.checks:
            end = _request_end_line(block)
            text = lines[end - 1].rstrip("\r\n") if end <= len(lines) else ""
            position = codec.position_to_client_units(lines, types.Position(end - 1, len(text)))
            insert = types.Range(position, position)
            return [
                types.CodeAction(
                    title=f"Add `{STATUS_CHECK}`",
                    kind=types.CodeActionKind.RefactorRewrite,
                    edit=_edit(uri, insert, f"\n\n{STATUS_CHECK}"),
                )
            ]
    return []


def _curl_imports(
    uri: str, lines: Sequence[str], codec: PositionCodec, wanted: types.Range
) -> list[types.CodeAction]:
    first = wanted.start.line
    if first >= len(lines) or not _CURL_LINE.match(lines[first]):
        return []
    last = first
    while last + 1 < len(lines) and lines[last].rstrip("\r\n").endswith(_CONTINUED):
        last += 1
    try:
        imported = import_curl("".join(lines[first : last + 1]))
    except HttprunError:
        return []  # not a command curl_words can read: nothing to offer
    text = imported.text if _starts_a_block(lines, first) else "###\n" + imported.text
    end = types.Position(last + 1, 0)
    if last + 1 >= len(lines):  # the command ends the document
        end = types.Position(last, len(lines[last].rstrip("\r\n")))
    where = codec.range_to_client_units(lines, types.Range(types.Position(first, 0), end))
    count = len(imported.credentials)
    moved = f" ({count} credential{'s' if count > 1 else ''} as variables)" if count else ""
    return [
        types.CodeAction(
            title=f"Turn the curl command into a request{moved}",
            kind=types.CodeActionKind.RefactorRewrite,
            edit=_edit(uri, where, text),
        )
    ]


def _starts_a_block(lines: Sequence[str], line: int) -> bool:
    """Whether a request written at ``line`` (0-based) starts a block of its own: nothing
    but blank lines between it and the file's start or a ``###`` line."""
    for above in reversed(lines[:line]):
        if above.startswith("###"):
            return True
        if above.strip():
            return False
    return True


def _request_end_line(block: Block) -> int:
    """The last line of the request: its line (and URL continuation lines), headers, body."""
    request = block.request
    assert request is not None
    ends = [request.span.end_line, request.url.span.end_line]
    ends += [header.span.end_line for header in request.headers]
    if request.body is not None:
        ends.append(request.body.span.end_line)
    return max(ends)


def _overlap(one: types.Range, other: types.Range) -> bool:
    def key(position: types.Position) -> tuple[int, int]:
        return position.line, position.character

    return key(one.start) <= key(other.end) and key(other.start) <= key(one.end)


def _edit(uri: str, where: types.Range, text: str) -> types.WorkspaceEdit:
    return types.WorkspaceEdit(changes={uri: [types.TextEdit(range=where, new_text=text)]})
