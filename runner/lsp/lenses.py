"""The code lenses above each request: "Run" (naming the earlier requests it runs first, as
``httprun FILE:LINE`` does) and "Dry run". Each calls a ``workspace/executeCommand`` command
with the document's URI and the request's line (1-based, as ``FILE:LINE``)."""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types
from pygls.workspace import PositionCodec

from ..nodes import Block, HttpFile
from ..select import all_dependencies
from .positions import span_range

RUN_COMMAND = "httprun.run"
DRY_RUN_COMMAND = "httprun.dryRun"
MAX_NAMED = 3  # earlier requests a Run lens names; more are counted


def code_lenses(
    http_file: HttpFile, uri: str, lines: Sequence[str], codec: PositionCodec
) -> list[types.CodeLens]:
    lenses: list[types.CodeLens] = []
    dependencies = all_dependencies(http_file)
    for index, block in enumerate(http_file.blocks):
        if block.request is None:
            continue
        where = span_range(block.request.span, lines, codec)
        line_range = types.Range(where.start, where.start)
        arguments = [uri, block.request.span.line]
        lenses.append(
            types.CodeLens(
                range=line_range,
                command=types.Command(
                    _run_title(http_file, dependencies[index]), RUN_COMMAND, arguments=arguments
                ),
            )
        )
        lenses.append(
            types.CodeLens(
                range=line_range,
                command=types.Command("Dry run", DRY_RUN_COMMAND, arguments=arguments),
            )
        )
    return lenses


def _run_title(http_file: HttpFile, first: frozenset[int]) -> str:
    """ "Run", "Run after login, products" when earlier requests must run first, or "Run after
    12 requests" when naming them all would not fit above a line."""
    if not first:
        return "Run"
    if len(first) > MAX_NAMED:
        return f"Run after {len(first)} requests"
    return "Run after " + ", ".join(block_label(http_file.blocks[i]) for i in sorted(first))


def block_label(block: Block) -> str:
    """What a request is called in the editor: its ``@name``, title, or ``METHOD URL``."""
    assert block.request is not None
    return block.label or f"{block.request.method} {block.request.url.source}"


def request_block_at(http_file: HttpFile, line: int) -> int | None:
    """The index of the request block whose request line is ``line`` (1-based), if any."""
    for index, block in enumerate(http_file.blocks):
        if block.request is not None and block.request.span.line == line:
            return index
    return None
