"""Compare request-file trees without their spans, for the writer's round-trip tests.

A rewritten file has other line numbers and columns, so ``==`` on trees cannot say "the same
file". Spans stay part of ``==`` in the code (errors and reports point with them);
``runner.writer.without_spans`` drops them instead and keeps what ``==`` leaves out on purpose
(the trivia: comments, blank runs, response links; the URL's line breaks). ``file_shape`` adds
what only spans say: the order of a block's lines (a directive before or after a comment, a
capture between two checks).
"""

from __future__ import annotations

from typing import Any

from runner.nodes import Block, HttpFile
from runner.writer import without_spans


def block_layout(block: Block) -> list[str]:
    """The kinds of a block's lines in file order: ``directive``, ``trivia:comment``, ``request``,
    ``header``, ``check`` ..."""
    items: list[tuple[int, str]] = [(d.span.line, "directive") for d in block.directives]
    items += [(v.span.line, "variable") for v in block.variables]
    items += [(t.span.line, f"trivia:{t.kind.value}") for t in block.trivia]
    items += [(c.span.line, "check") for c in block.checks]
    items += [(c.span.line, "capture") for c in block.captures]
    request = block.request
    if request is not None:
        items.append((request.span.line, "request"))
        items += [(h.span.line, "header") for h in request.headers]
        items += [(c.span.line, "header comment") for c in request.comments]
    return [kind for _, kind in sorted(items)]


def file_shape(http_file: HttpFile) -> Any:
    """Everything the writer must keep: the tree without spans, and each block's line order."""
    return (
        without_spans(http_file.blocks),
        [block_layout(block) for block in http_file.blocks],
    )
