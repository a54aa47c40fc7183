"""httprun spans (1-based lines, 1-based code-point columns, end exclusive) as LSP ranges
(0-based lines, columns in the client's units: UTF-16 code units unless it chose otherwise)."""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types
from pygls.workspace import PositionCodec

from ..source import Span


def span_range(span: Span, lines: Sequence[str], codec: PositionCodec) -> types.Range:
    """``span`` as an LSP range over ``lines`` (the document's lines, with or without their
    line endings). A span past the end of a line or of the document is clipped to it."""
    start = _position(span.line, span.column, lines)
    end = _position(span.end_line, span.end_column, lines)
    return codec.range_to_client_units(lines, types.Range(start, end))


def _position(line: int, column: int, lines: Sequence[str]) -> types.Position:
    index = min(max(line - 1, 0), max(len(lines) - 1, 0))
    text = lines[index].rstrip("\r\n") if lines else ""
    return types.Position(index, min(max(column - 1, 0), len(text)))


def offset_column(position: types.Position, lines: Sequence[str], codec: PositionCodec) -> int:
    """The 0-based code-point column of a client ``position`` in its line."""
    return codec.position_from_client_units(lines, position).character
