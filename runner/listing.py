"""``httprun list``: one line per request, ``FILE:LINE<TAB>name or title<TAB>METHOD URL``; after a
file's own requests, the imported requests a run of the whole file would send first, each with
a fourth field ``(imported by FILE)``.

What "would send" means is what :meth:`runner.run.FileRun.ensure_imports` and
:meth:`runner.shared.SharedFile.ensure` do: the imported requests that provide a name the
file's requests read (through file variables too), with what they need in their own file and
in the files they import.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import HttprunError, masking_for
from .imports import ImportGraph, ReadOnce, load_graph, needed_by_requests
from .masking import mask_named_values
from .nodes import Block, HttpFile
from .parser import parse_file
from .select import with_dependencies

if TYPE_CHECKING:
    from .options import RunOptions
    from .targets import Target

__all__ = ["ListRun", "imported_requests", "listed_lines", "requests_sent"]


class ListRun:
    """One ``httprun list`` of many targets: each imported file parsed once, and each
    problem with an import shown once, however many targets reach it."""

    def __init__(self, *, allow_outside_files: bool = False) -> None:
        self.allow_outside_files = allow_outside_files
        self._read = ReadOnce(parse_file)  # each file parsed once, however many import it
        self._shown: set[str] = set()

    def target(self, path: str) -> tuple[list[str], list[HttprunError]]:
        """The lines for the target file ``path``, and the problems not shown yet: with its
        imports, or its own when it does not parse (then it has no lines)."""
        try:
            http_file = self._read(Path(path).resolve(), path)
        except HttprunError as error:
            return [], self._not_shown([error])
        graph = load_graph(http_file, self._read, allow_outside=self.allow_outside_files)
        return list(listed_lines(graph)), self._not_shown(graph.problems)

    def _not_shown(self, problems: list[HttprunError]) -> list[HttprunError]:
        new = [error for error in problems if str(error) not in self._shown]
        self._shown.update(str(error) for error in new)
        return new


def listed_lines(graph: ImportGraph) -> Iterator[str]:
    """The lines ``httprun list`` prints for the root file of ``graph``."""
    root = graph.root
    for block in root.requests:
        yield _line(root.path, block)
    marker = f"(imported by {root.path})"
    for key, indices in imported_requests(graph).items():
        imported = graph.files[key]
        for index in sorted(indices):
            yield f"{_line(imported.path, imported.blocks[index])}\t{marker}"


def imported_requests(graph: ImportGraph, selected: set[int] | None = None) -> dict[Path, set[int]]:
    """Imported file → the indices of its requests that a run of the root file's requests
    ``selected`` (default: all) sends, in the order the imports are met."""
    order = {imported.key: n for n, imported in enumerate(graph.imported_files())}
    wanted: dict[Path, set[int]] = {}
    pending = [(graph.root_key, _request_indices(graph.root) if selected is None else selected)]
    while pending:
        key, indices = pending.pop()
        for provider, blocks in needed_by_requests(graph, indices, key).items():
            new = with_dependencies(graph.files[provider], blocks) - wanted.get(provider, set())
            if new:
                wanted.setdefault(provider, set()).update(new)
                pending.append((provider, new))
    return dict(sorted(wanted.items(), key=lambda item: order.get(item[0], len(order))))


def _request_indices(http_file: HttpFile) -> set[int]:
    return {index for index, block in enumerate(http_file.blocks) if block.request is not None}


def _line(path: str, block: Block) -> str:
    request = block.request
    assert request is not None
    label = block.label or "-"
    # Literal secrets of the file, as a rendered error would mask them.
    shown: Callable[[str], str] = masking_for(request.span, mask_named_values)
    return shown(f"{path}:{request.span.line}\t{label}\t{request.method} {request.url.source}")


def requests_sent(targets: Sequence[Target], options: RunOptions, limit: int) -> int:
    """How many requests a run of ``targets`` sends, for the progress bar: each file's
    selection once per data row, and each imported request they need once per run (files
    that fail to parse, or whose rows or imports cannot be read: 0)."""
    from .data_source import rows_for
    from .select import select_blocks

    read = ReadOnce(parse_file)
    total = 0
    imported: set[tuple[Path, int]] = set()
    own: set[tuple[Path, int]] = set()  # what targets run without rows: sent once, shared
    for target in targets:
        with contextlib.suppress(HttprunError):
            key = Path(target.path).resolve()
            http_file = read(key, target.path)
            selected = select_blocks(http_file, line=target.line, names=options.names)
            rows = rows_for(http_file, options, limit)
            total += len(selected) * (len(rows) if rows is not None else 1)
            if rows is None:
                own |= {(key, index) for index in selected}
            graph = load_graph(http_file, read, allow_outside=options.allow_outside_files)
            for provider, indices in imported_requests(graph, selected).items():
                imported |= {(provider, index) for index in indices}
    return total + len(imported - own)
