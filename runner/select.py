"""Which blocks of a file to run: all of them, or a subset plus what the subset depends on.

Running ``FILE:LINE`` or ``--name N`` first runs the earlier requests whose ``@name`` or ``>>``
captures the chosen ones reference, directly or through file variables, transitively; otherwise
``<<first>>`` would be undefined whenever you run the request under the cursor.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from .errors import UsageError
from .nodes import Block, BodyInclude, HttpFile, Template
from .resolve import included_template


def select_blocks(http_file: HttpFile, *, line: int | None, names: Sequence[str]) -> set[int]:
    """Indices (into ``http_file.blocks``) of the requests to run, dependencies included."""
    blocks = http_file.blocks
    requests = [i for i, block in enumerate(blocks) if block.request is not None]
    if line is None and not names:
        return set(requests)
    wanted: set[int] = set()
    if line is not None:
        wanted.add(_block_at_line(http_file, line))
    if names:
        by_name = {blocks[i].name: i for i in requests if blocks[i].name}
        for name in names:
            if name in by_name:
                wanted.add(by_name[name])
        if line is None and not wanted:
            known = ", ".join(sorted(n for n in by_name if n)) or "none"
            raise UsageError(
                f"no request named {' or '.join(repr(n) for n in names)} in {http_file.path}",
                hint=f"names in this file: {known}",
            )
    return with_dependencies(http_file, wanted)


def dependencies_of(http_file: HttpFile, index: int) -> set[int]:
    """Indices of the earlier requests that request ``index`` depends on, transitively, through
    the ``@name`` and ``>>`` captures it reads (itself excluded)."""
    return with_dependencies(http_file, {index}) - {index}


def all_dependencies(http_file: HttpFile) -> dict[int, frozenset[int]]:
    """For each request block, the indices :func:`dependencies_of` gives, worked out in one pass
    over the file (the editor's code lenses ask for every request of a file at once: one walk
    per request would be cubic in a file whose requests each read the previous one)."""
    blocks = http_file.blocks
    file_path = Path(http_file.path)
    variables = file_variables(http_file)
    last_provider: dict[str, int] = {}  # name -> the last request so far that provides it
    found: dict[int, frozenset[int]] = {}
    for index, block in enumerate(blocks):
        if block.request is None:
            continue
        depends: set[int] = set()
        for name in names_read(block, variables, file_path):
            provider = last_provider.get(name)
            if provider is not None:
                depends.add(provider)
                depends |= found[provider]
        found[index] = frozenset(depends)
        for name in block.provides:
            last_provider[name] = index
    return found


def _block_at_line(http_file: HttpFile, line: int) -> int:
    """The request block that contains ``line``: the last block starting at or before it."""
    from .source import source_line

    if line < 1 or source_line(http_file.path, line) is None:
        raise UsageError(
            f"line {line} is not in {http_file.path}",
            hint="give the line of a request line, header, body or check",
        )
    chosen: int | None = None
    for index, block in enumerate(http_file.blocks):
        if block.span.line <= line:
            chosen = index
    if chosen is None or http_file.blocks[chosen].request is None:
        raise UsageError(
            f"line {line} of {http_file.path} is not inside a request",
            hint="give the line of a request line, header, body or check; `httprun list` "
            "shows where each request starts",
        )
    return chosen


def with_dependencies(http_file: HttpFile, wanted: set[int]) -> set[int]:
    """``wanted`` (request indices) and the earlier requests of the file they depend on."""
    blocks = http_file.blocks
    file_path = Path(http_file.path)
    variables = file_variables(http_file)
    selected: set[int] = set()
    pending = sorted(wanted)
    while pending:
        index = pending.pop()
        if index in selected:
            continue
        selected.add(index)
        for name in names_read(blocks[index], variables, file_path):
            provider = _last_provider(blocks[:index], name)
            if provider is not None and provider not in selected:
                pending.append(provider)
    return selected


def _last_provider(earlier: Sequence[Block], name: str) -> int | None:
    for index in range(len(earlier) - 1, -1, -1):
        if earlier[index].request is not None and name in earlier[index].provides:
            return index
    return None


def file_variables(http_file: HttpFile) -> dict[str, Template]:
    """Each file variable's last definition: what :func:`names_read` follows."""
    return {v.name: v.value for block in http_file.blocks for v in block.variables}


def names_read(block: Block, variables: Mapping[str, Template], file_path: Path) -> set[str]:
    """Root names a block's request reads, following file variables and ``<@`` included
    files transitively."""
    included = (template.reads for template in _included_templates(block, file_path))
    return through_variables([block.reads, *included], variables)


def through_variables(
    reads: Iterable[frozenset[str]], variables: Mapping[str, Template]
) -> set[str]:
    """The names in ``reads`` and those the file ``variables`` among them read, transitively."""
    names: set[str] = set()
    todo = list(reads)
    while todo:
        for name in todo.pop() - names:
            names.add(name)
            if name in variables:
                todo.append(variables[name].reads)
    return names


def _included_templates(block: Block, file_path: Path) -> Iterable[Template]:
    """The text of the ``<@`` files the block's body includes (interpolated when sent)."""
    request = block.request
    if request is None or request.body is None:
        return
    for part in request.body.parts:
        if isinstance(part, BodyInclude):
            included = included_template(part, file_path)
            if included is not None:
                yield included
