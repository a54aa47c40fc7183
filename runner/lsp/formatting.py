"""Formatting: the document in httprun's canonical style, as ``httprun fmt`` writes it
(``writer.format_text``, which reads what it would write again and refuses a rewrite that
would mean something else). A file with a syntax error is not formatted: the request is
refused with LSP's RequestFailed and the reason; the diagnostics show where."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.exceptions import JsonRpcException

from ..errors import ParseError
from ..writer import format_text

if TYPE_CHECKING:
    from .server import HttprunServer


class FormattingRefused(JsonRpcException):
    """The document cannot be formatted (a syntax error): an answer, not a failure."""

    CODE = -32803  # LSP's RequestFailed


def formatted(text: str, path: str) -> str | None:
    """The canonical text of ``text`` with its own line endings, or None when it is already
    canonical. Raises :class:`ParseError` for a file that does not parse."""
    crlf = "\r\n" in text
    written = format_text(text.replace("\r\n", "\n"), path)
    if crlf:
        written = written.replace("\n", "\r\n")
    return None if written == text else written


def register(server: HttprunServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_FORMATTING)
    def formatting(params: types.DocumentFormattingParams) -> list[types.TextEdit]:
        analysis = server.analysis(params.text_document.uri)
        try:
            written = formatted(analysis.text, analysis.path)
        except ParseError as error:
            where = f" at line {error.span.line}" if error.span is not None else ""
            raise FormattingRefused(
                server.masker.mask(f"not formatted: a syntax error{where}: {error.message}")
            ) from None
        if written is None:
            return []
        last = len(analysis.lines) - 1
        end = server.workspace.position_codec.position_to_client_units(
            analysis.lines, types.Position(last, len(analysis.lines[last]))
        )
        whole = types.Range(types.Position(0, 0), types.Position(end.line, end.character))
        return [types.TextEdit(range=whole, new_text=written)]
