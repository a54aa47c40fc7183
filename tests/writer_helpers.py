"""Compare request-file trees without their spans, for the writer's round-trip tests.

A rewritten file has other line numbers and columns, so ``==`` on trees cannot say "the same
file". Spans stay part of ``==`` in the code (errors and reports point with them); these
helpers drop them instead, and add what ``==`` leaves out on purpose: the trivia (comments,
blank runs, response links), the URL's line breaks, and the order of a block's lines (a
directive before or after a comment, a capture between two checks).
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any

from runner.nodes import Block, Check, HttpFile
from runner.source import Span


def without_spans(node: Any) -> Any:
    """``node`` as plain tuples, lists and values, every Span left out (all dataclass fields,
    those that ``==`` skips too, except cached ``_private`` ones). ``Check.text``, the line as
    written for reports, goes too: the writer respaces it (``?? a==1`` → ``?? a == 1``), and the
    check's query, operator and value, which say what it means, are compared."""
    if isinstance(node, Span):
        return None
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        fields = [
            (field.name, without_spans(getattr(node, field.name)))
            for field in dataclasses.fields(node)
            if not field.name.startswith("_")
            and not isinstance(getattr(node, field.name), Span)
            and not (isinstance(node, Check) and field.name == "text")
        ]
        return (type(node).__name__, tuple(fields))
    if isinstance(node, tuple | list):
        return tuple(without_spans(item) for item in node)
    if isinstance(node, enum.Enum):
        return node.value
    if isinstance(node, float):
        return ("float", repr(node))  # 1.0 and 1 are one key in ==, not in a file
    return node


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
