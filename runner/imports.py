"""``# @import PATH``: the files a request file uses, and the names of theirs it sees.

FORMAT.md "Files that use other files". An import makes the top-level names of another file
visible: its file variables, its request names and its captures (and, transitively, what its
own imports make visible). A name the importing file defines itself wins; among imports, the
first ``@import`` that provides a name wins. This module works all that out without running
anything; :mod:`runner.shared` runs the imported requests.

The graph is loaded once per file and run: every imported file is parsed once, whichever file
imports it, and a cycle is an error positioned at the ``@import`` that closes it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from .directives import IDENTIFIER
from .errors import Diagnostic, HttprunError, ParseError, masking_for
from .nodes import Directive, HttpFile, Template
from .project import find_project_root
from .reading import special_kind
from .source import Span

#: The directives that belong in a file's first block only (the file's defaults).
FILE_ONLY_DIRECTIVES = ("import", "data")


class ImportError_(ParseError):
    """An ``@import`` that cannot be followed: no such file, outside the project, a cycle."""


@dataclass(frozen=True, slots=True)
class Import:
    """One ``@import`` line, followed: where it points and the file found there."""

    directive: Directive
    path: str  # how messages name the imported file: joined to the importing file's folder
    key: Path  # the resolved path: one file, however it is reached
    http_file: HttpFile


@dataclass(frozen=True, slots=True)
class Definition:
    """Where a top-level name of a file is defined, and by what."""

    name: str
    kind: str  # "variable" | "request" (an @name) | "capture"
    span: Span
    block: int  # index of the block that defines it
    file: HttpFile


@dataclass(slots=True)
class ImportGraph:
    """A file and the files it imports, transitively, each parsed once.

    ``imports[key]`` lists the imports of the file at ``key`` in the order written;
    ``problems`` are the imports that could not be followed (an empty list: all were).
    """

    root: HttpFile
    root_key: Path
    files: dict[Path, HttpFile] = field(default_factory=dict)
    imports: dict[Path, list[Import]] = field(default_factory=dict)
    problems: list[HttprunError] = field(default_factory=list)
    _visible: dict[Path, dict[str, tuple[Path, Definition]]] = field(default_factory=dict)
    _definitions: dict[Path, dict[str, Definition]] = field(default_factory=dict)

    def imported_files(self) -> list[Import]:
        """Every import reached from the root, each file once, in the order first met."""
        seen: set[Path] = set()
        found: list[Import] = []
        pending = list(reversed(self.imports.get(self.root_key, [])))
        while pending:
            current = pending.pop()
            if current.key in seen or current.key == self.root_key:
                continue
            seen.add(current.key)
            found.append(current)
            pending.extend(reversed(self.imports.get(current.key, [])))
        return found

    def definitions(self, key: Path) -> Mapping[str, Definition]:
        """:func:`top_level_definitions` of the file at ``key``, worked out once (visible and
        clashes read each file's for every file that imports it)."""
        if key not in self._definitions:
            self._definitions[key] = top_level_definitions(self.files[key])
        return self._definitions[key]

    def visible(self, key: Path | None = None) -> Mapping[str, tuple[Path, Definition]]:
        """The names the file at ``key`` (default: the root) sees through its imports: name →
        (the imported file's key whose top level provides it, the definition). Names that
        file defines itself are not in it: they win."""
        key = self.root_key if key is None else key
        if key not in self._visible:
            own = set(self.definitions(key))
            seen: dict[str, tuple[Path, Definition]] = {}
            self._visible[key] = seen  # an empty entry first: a cycle (reported) ends here
            for imported in self.imports.get(key, []):
                provided = {
                    name: (imported.key, definition)
                    for name, definition in self.definitions(imported.key).items()
                }
                for name, where in {**self.visible(imported.key), **provided}.items():
                    if name not in own:
                        seen.setdefault(name, where)
        return self._visible[key]

    def clashes(self, key: Path | None = None) -> list[tuple[Definition, Definition]]:
        """(local definition, imported one) for each name the file at ``key`` defines that an
        import provides too: ``httprun check`` warns, the local one wins."""
        key = self.root_key if key is None else key
        local = self.definitions(key)
        found: list[tuple[Definition, Definition]] = []
        for imported in self.imports.get(key, []):
            others = {
                **{n: d for n, (_, d) in self.visible(imported.key).items()},
                **self.definitions(imported.key),
            }
            for name, definition in local.items():
                if name in others and all(name != mine.name for mine, _ in found):
                    found.append((definition, others[name]))
        return found


def import_directives(http_file: HttpFile) -> list[Directive]:
    """The ``@import`` lines of the file's first block, in order."""
    if not http_file.blocks:
        return []
    return [d for d in http_file.blocks[0].directives if d.key == "import"]


def misplaced_directives(http_file: HttpFile) -> list[Directive]:
    """``@import`` and ``@data`` lines outside the first block: errors (they are about the
    whole file, and a run could not honour one met half-way through it)."""
    return [
        directive
        for block in http_file.blocks[1:]
        for directive in block.directives
        if directive.key in FILE_ONLY_DIRECTIVES
    ]


def top_level_definitions(http_file: HttpFile) -> dict[str, Definition]:
    """The names a file defines, each at its last definition (the value at the file's end):
    file variables, request names and captures."""
    found: dict[str, Definition] = {}
    for index, block in enumerate(http_file.blocks):
        for variable in block.variables:
            found[variable.name] = Definition(
                variable.name, "variable", variable.span, index, http_file
            )
        if block.request is None:
            continue
        if block.name and IDENTIFIER.fullmatch(block.name):  # another is an error of its own
            named = block.directive("name")
            span = named.span if named is not None else block.span
            found[block.name] = Definition(block.name, "request", span, index, http_file)
        for capture in block.captures:
            found[capture.name] = Definition(
                capture.name, "capture", capture.span, index, http_file
            )
    return found


T = TypeVar("T")


class ReadOnce(Generic[T]):
    """Each file read once, by resolved path: what ``parse(shown)`` gave, or the HttprunError
    it raised, raised again each time it is asked for (every file importing a broken file is
    refused with its errors). Usable as :func:`load_graph`'s ``read`` from several threads."""

    def __init__(self, parse: Callable[[str], T]) -> None:
        self._parse = parse
        self._lock = threading.Lock()
        self._found: dict[Path, T | HttprunError] = {}

    def __call__(self, key: Path, shown: str) -> T:
        with self._lock:
            if key not in self._found:
                try:
                    self._found[key] = self._parse(shown)
                except HttprunError as error:
                    self._found[key] = error
            found = self._found[key]
        if isinstance(found, HttprunError):
            raise found
        return found

    def get(self, key: Path) -> T | None:
        """The file at ``key`` if it was read without an error."""
        with self._lock:
            found = self._found.get(key)
        return None if isinstance(found, HttprunError) else found


def load_graph(
    http_file: HttpFile,
    read: Callable[[Path, str], HttpFile],
    *,
    allow_outside: bool = False,
) -> ImportGraph:
    """Follow the imports of ``http_file``, transitively. ``read(resolved, shown)`` parses an
    imported file (raising :class:`HttprunError` when it cannot); what goes wrong is collected
    in ``problems``, positioned at the ``@import`` line (the imported file's own errors keep
    their positions), and that import is left out."""
    root_key = _key(Path(http_file.path))
    graph = ImportGraph(http_file, root_key, files={root_key: http_file})
    _follow(graph, root_key, [root_key], read, allow_outside)
    return graph


def _follow(
    graph: ImportGraph,
    key: Path,
    chain: list[Path],
    read: Callable[[Path, str], HttpFile],
    allow_outside: bool,
) -> None:
    importing = graph.files[key]
    followed: list[Import] = []
    graph.imports[key] = followed
    for directive in import_directives(importing):
        try:
            shown, target = _locate(directive, importing, allow_outside)
        except HttprunError as error:
            graph.problems.append(error)
            continue
        if target in chain:
            graph.problems.append(_cycle(directive, [*chain[chain.index(target) :], target]))
            continue
        if target not in graph.files:
            try:
                graph.files[target] = read(target, shown)
            except HttprunError as error:
                graph.problems.append(error)
                continue
            _follow(graph, target, [*chain, target], read, allow_outside)
        followed.append(Import(directive, shown, target, graph.files[target]))


def written_path(directive: Directive) -> str:
    """The path an ``@import`` names, as written (quotes around it taken off)."""
    written = directive.value.strip()
    if len(written) >= 2 and written[0] == written[-1] and written[0] in "\"'":
        written = written[1:-1]
    return written


@dataclass(frozen=True, slots=True)
class FileDirective:
    """How messages speak of the file a file-wide directive names (``@import``, ``@data``)."""

    verb: str  # "cannot {verb} 'PATH': ..."
    kind: str  # "'@import' needs the path of {kind}"
    plural: str  # "{plural} stay inside the project"
    example: str  # "write '# @import {example}'"


IMPORTED = FileDirective("import", "a request file", "imports", "./login.http")
DATA = FileDirective("use data file", "a CSV, JSON or JSON Lines file", "data files", "./rows.csv")


def directive_file(
    directive: Directive,
    http_file: HttpFile,
    allow_outside: bool,
    what: FileDirective,
    error: type[ParseError],
) -> tuple[str, Path]:
    """The file ``directive`` (of ``http_file``) names: how messages show it (joined to the
    file's folder, as includes are) and its resolved path, which stays inside the project
    unless ``allow_outside``. Raises ``error`` at the directive's line."""
    written = written_path(directive)
    span = directive.span
    if not written:
        raise error(
            f"'@{directive.key}' needs the path of {what.kind}",
            span,
            hint=f"write '# @{directive.key} {what.example}' (relative to this file)",
        )
    shown = os.path.normpath(os.path.join(os.path.dirname(http_file.path), written))
    try:
        target = _key(Path(shown))
        root = find_project_root(Path(http_file.path)).resolve()
    except (OSError, RuntimeError, ValueError) as problem:  # RuntimeError: a symlink loop
        reason = str(problem) or type(problem).__name__
        raise error(
            f"cannot {what.verb} '{shown}': {reason}",
            span,
            label="paths are relative to the .http file",
        ) from None
    if not allow_outside and not target.is_relative_to(root):
        raise error(
            f"'{shown}' is outside the project folder {root}",
            span,
            label=f"{what.plural} stay inside the project, as includes do",
            hint="move the file into the project, or pass --allow-outside-files",
        )
    return shown, target


def _locate(directive: Directive, importing: HttpFile, allow_outside: bool) -> tuple[str, Path]:
    """How messages name the file ``directive`` imports, and its resolved path."""
    shown, target = directive_file(directive, importing, allow_outside, IMPORTED, ImportError_)
    try:
        kind = special_kind(target.stat().st_mode)
    except (OSError, ValueError) as error:  # a name too long for the file system, too
        missing = isinstance(error, FileNotFoundError | NotADirectoryError)
        reason = "no such file" if missing else getattr(error, "strerror", None) or str(error)
        raise _cannot(directive, shown, reason) from None
    if kind is not None:
        raise _cannot(directive, shown, f"it is {kind}, not a request file")
    return shown, target


def _cannot(directive: Directive, shown: str, reason: str) -> ImportError_:
    return ImportError_(
        f"cannot import '{shown}': {reason}",
        directive.span,
        label="paths are relative to the .http file",
        hint="give the path of a request file, e.g. '# @import ./login.http'",
    )


def _cycle(directive: Directive, chain: list[Path]) -> ImportError_:
    names = " -> ".join(_short(path) for path in chain)
    return ImportError_(
        f"import cycle: {names}",
        directive.span,
        label="this import leads back to a file that imports it",
        hint="move what both files need into a third file that imports neither",
    )


def _short(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive
        return str(path)


def _key(path: Path) -> Path:
    return path.resolve()


# -- what a request needs from imported files --


def needed_by_requests(
    graph: ImportGraph,
    indices: Iterable[int],
    key: Path | None = None,
    variables: Mapping[str, Template] | None = None,
) -> dict[Path, set[int]]:
    """The imported requests (file key → block indices) that the requests ``indices`` of the
    file at ``key`` (default: the root) read, directly or through its file ``variables``
    (given when the caller keeps them: they are worked out from the file otherwise)."""
    from .select import file_variables, names_read

    key = graph.root_key if key is None else key
    http_file = graph.files[key]
    if variables is None:
        variables = file_variables(http_file)
    path = Path(http_file.path)
    names: set[str] = set()
    for index in indices:
        names |= names_read(http_file.blocks[index], variables, path)
    return needed_blocks(graph, names, key) if names else {}


def needed_blocks(
    graph: ImportGraph, names: Iterable[str], key: Path | None = None
) -> dict[Path, set[int]]:
    """The requests of imported files that provide ``names`` (names a request of the file at
    ``key`` reads, after its own file variables were followed): imported file → indices of
    its blocks. A name provided by an imported file variable is followed inside that file,
    and into its imports, to the requests it reads."""
    needed: dict[Path, set[int]] = {}
    pending = [(key or graph.root_key, name) for name in names]
    done: set[tuple[Path, str]] = set()
    while pending:
        current, name = pending.pop()
        visible = graph.visible(current).get(name)
        if visible is None or (current, name) in done:
            continue
        done.add((current, name))
        provider, definition = visible  # the file whose own top level defines the name
        if definition.kind == "variable":
            for read in variable_reads(definition.file, name):
                local = graph.definitions(provider).get(read)
                if local is not None and local.kind != "variable":
                    needed.setdefault(provider, set()).add(local.block)
                elif local is None:
                    pending.append((provider, read))
        else:
            needed.setdefault(provider, set()).add(definition.block)
    return needed


def variable_reads(http_file: HttpFile, name: str) -> set[str]:
    """The names the file variable ``name`` reads at the file's top level (its last
    definition), following the file's other variables transitively."""
    from .select import file_variables, through_variables

    variables = file_variables(http_file)
    return through_variables([variables[name].reads] if name in variables else [], variables)


def import_summaries(
    graph: ImportGraph, own: Mapping[Path, Sequence[Diagnostic]]
) -> dict[Path, list[Diagnostic]]:
    """For each file of ``graph``, an error at each of its ``@import`` lines whose file has
    errors ("login.http has 2 errors; the first: 5:1 ..."): its ``own`` (what ``httprun
    check`` reports for it, at its own places), or a summary of its own imports' (a file is
    as broken as what it imports). The first error's message is masked with what that file
    gives secret-named things."""
    found: dict[Path, list[Diagnostic]] = {}

    def of(key: Path) -> list[Diagnostic]:
        if key not in found:
            found[key] = []  # the graph has no cycle (that is a problem), but be sure
            summaries = []
            for imported in graph.imports.get(key, []):
                errors = [
                    d for d in [*own[imported.key], *of(imported.key)] if d.severity == "error"
                ]
                errors.sort(key=lambda d: (d.span.line, d.span.column) if d.span else (0, 0))
                if errors:
                    summaries.append(_summary(imported, errors))
            found[key] = summaries
        return found[key]

    for key in graph.files:
        of(key)
    return found


def _summary(imported: Import, errors: Sequence[Diagnostic]) -> Diagnostic:
    first = errors[0]
    span = first.span
    where = f"{span.line}:{span.column} " if span is not None else ""
    if span is not None and span.path != imported.http_file.path:
        where = f"{span} "
    message = masking_for(span, _unchanged)(first.message)  # that file's secrets
    count = f"{len(errors)} error" + ("s" if len(errors) > 1 else "")
    return Diagnostic(
        "error",
        f"{imported.path} has {count}; the first: {where}{message}",
        imported.directive.span,
        "they are shown in that file, at their own lines",
        f"fix them there: 'httprun check {imported.path}' lists them",
    )


def _unchanged(text: str) -> str:
    return text
