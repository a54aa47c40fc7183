"""The code lenses above each request: "Run" (naming the requests it runs first, as
``httprun FILE:LINE`` does: earlier ones of its file, and those of imported files) and "Dry
run". Each calls a ``workspace/executeCommand`` command with the document's URI and the
request's line (1-based, as ``FILE:LINE``)."""

from __future__ import annotations

import os
from collections.abc import Collection, Sequence
from pathlib import Path

from lsprotocol import types
from pygls.workspace import PositionCodec

from ..imports import ImportGraph, needed_blocks
from ..nodes import Block, HttpFile
from ..select import all_dependencies, file_variables, names_read, with_dependencies
from .imported import shown_path
from .positions import span_range

RUN_COMMAND = "httprun.run"
DRY_RUN_COMMAND = "httprun.dryRun"
MAX_NAMED = 3  # earlier requests a Run lens names; more are counted


def code_lenses(
    http_file: HttpFile,
    uri: str,
    lines: Sequence[str],
    codec: PositionCodec,
    graph: ImportGraph | None = None,
) -> list[types.CodeLens]:
    """The lenses of ``http_file``, whose imports (if any) ``graph`` followed."""
    lenses: list[types.CodeLens] = []
    dependencies = all_dependencies(http_file)
    for index, block in enumerate(http_file.blocks):
        if block.request is None:
            continue
        where = span_range(block.request.span, lines, codec)
        line_range = types.Range(where.start, where.start)
        arguments = [uri, block.request.span.line]
        first = [block_label(http_file.blocks[i]) for i in sorted(dependencies[index])]
        if graph is not None:
            first[:0] = imported_first(graph, http_file, dependencies[index] | {index})
        lenses.append(
            types.CodeLens(
                range=line_range,
                command=types.Command(_run_title(first), RUN_COMMAND, arguments=arguments),
            )
        )
        lenses.append(
            types.CodeLens(
                range=line_range,
                command=types.Command("Dry run", DRY_RUN_COMMAND, arguments=arguments),
            )
        )
    return lenses


def imported_first(graph: ImportGraph, http_file: HttpFile, selected: Collection[int]) -> list[str]:
    """The requests of imported files that a run of the blocks ``selected`` runs first (with
    what they need in their own file), as ``login (login.http)``: what ``FileRun`` runs."""
    variables, path = file_variables(http_file), Path(http_file.path)
    names: set[str] = set()
    for index in selected:
        names |= names_read(http_file.blocks[index], variables, path)
    folder = os.path.dirname(http_file.path)
    labels = []
    for key, indices in sorted(needed_blocks(graph, names).items()):
        imported = graph.files[key]
        where = shown_path(imported.path, folder)
        for index in sorted(with_dependencies(imported, indices)):
            labels.append(f"{block_label(imported.blocks[index])} ({where})")
    return labels


def _run_title(first: Sequence[str]) -> str:
    """ "Run", "Run after login (login.http), products" when other requests must run first, or
    "Run after 12 requests" when naming them all would not fit above a line."""
    if not first:
        return "Run"
    if len(first) > MAX_NAMED:
        return f"Run after {len(first)} requests"
    return "Run after " + ", ".join(first)


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
