"""``httprun check`` across files: a file's diagnostics, following its imports, includes and
data file. The language server calls the same functions.

:mod:`runner.static` checks one file on its own; here the names an import makes visible, and
the names of the file's data rows, count as defined; the ``@import`` lines that cannot be
followed, a name defined here that an import provides too, a ``< ./file`` that names no file of
the project and a data file that cannot give rows are reported, each at its own position.
Nothing is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, Protocol

from .errors import Diagnostic, HttprunError, ParseError
from .imports import ImportGraph, ReadOnce, import_summaries, load_graph
from .nodes import BodyInclude, HttpFile
from .parser import names_of_broken_blocks, parse_file_collecting
from .project import find_project_root
from .reading import MAX_INCLUDE_DEFAULT
from .static import check_file

__all__ = [
    "CheckRun",
    "CheckSettings",
    "FileReader",
    "Reader",
    "check_following_imports",
    "check_graph",
    "check_with_summaries",
]


@dataclass(frozen=True, slots=True)
class CheckSettings:
    """What a check knows of the run it stands for."""

    defined: Collection[str] = ()  # the names the env files and --var give
    allow_outside_files: bool = False  # imports, includes and data files may leave the project
    max_include: int = MAX_INCLUDE_DEFAULT  # the most bytes of a data file read


class Reader(Protocol):
    """Parses the files that imports reach (``load_graph``'s ``read``), and keeps the syntax
    errors of each, whose blocks' names still count as defined for the files importing it."""

    def __call__(self, key: Path, shown: str) -> HttpFile: ...

    def syntax_errors(self, key: Path) -> Sequence[ParseError]: ...


class Parsed(NamedTuple):
    http_file: HttpFile  # the blocks that parse
    syntax_errors: Sequence[ParseError]


class FileReader:
    """Each request file parsed once (by resolved path), going on after syntax errors: a file
    imported by many targets, or imported and a target too, is read and reported once.
    ``parse`` reads the file at a path (the language server can give an editor's text)."""

    def __init__(
        self,
        parse: Callable[[str], tuple[HttpFile, list[ParseError]]] = parse_file_collecting,
    ) -> None:
        self._read = ReadOnce(lambda shown: Parsed(*parse(shown)))

    def __call__(self, key: Path, shown: str) -> HttpFile:
        return self.parsed(key, shown).http_file

    def parsed(self, key: Path, shown: str) -> Parsed:
        """The file at ``key`` (named ``shown`` in messages), parsed on first use; an
        unreadable file is raised as a :class:`ParseError` each time."""
        return self._read(key, shown)

    def syntax_errors(self, key: Path) -> Sequence[ParseError]:
        found = self._read.get(key)
        return found.syntax_errors if found is not None else ()


def check_following_imports(
    http_file: HttpFile,
    syntax_errors: Sequence[ParseError],
    settings: CheckSettings,
    read: Reader,
) -> list[Diagnostic]:
    """What ``httprun check`` reports for ``http_file`` itself (the blocks that parse, and
    ``syntax_errors`` for the others), with its imports followed through ``read``. The
    diagnostics of the imported files are left out: :func:`check_graph` gives them."""
    graph = load_graph(http_file, read, allow_outside=settings.allow_outside_files)
    problems = _import_problems_by_file(graph).get(graph.root_key, [])
    return _diagnostics_of(graph, graph.root_key, problems, settings, read, syntax_errors)


def check_graph(
    graph: ImportGraph, settings: CheckSettings, read: Reader, *, skip: Collection[Path] = ()
) -> dict[Path, list[Diagnostic]]:
    """The diagnostics of every file in ``graph`` but those in ``skip`` (reported already),
    each file's at its own positions: the root's first, then its imports in the order met.
    Problems that name no file of the graph (an import that cannot be read) go with the root."""
    keys = [graph.root_key, *(imported.key for imported in graph.imported_files())]
    problems = _import_problems_by_file(graph)
    return {
        key: _diagnostics_of(graph, key, problems.get(key, []), settings, read)
        for key in keys
        if key not in skip
    }


def check_with_summaries(
    graph: ImportGraph, settings: CheckSettings, read: Reader
) -> dict[Path, list[Diagnostic]]:
    """:func:`check_graph`, and at each ``@import`` line an error that sums up the imported
    file's errors (``login.http has 2 errors; the first: ...``): the language server shows
    one file at a time, and the imported file may not be open."""
    found = check_graph(graph, settings, read)
    summaries = import_summaries(graph, found)
    return {key: summaries[key] + diagnostics for key, diagnostics in found.items()}


def _diagnostics_of(
    graph: ImportGraph,
    key: Path,
    import_problems: list[Diagnostic],
    settings: CheckSettings,
    read: Reader,
    syntax_errors: Sequence[ParseError] | None = None,
) -> list[Diagnostic]:
    """The diagnostics of the file at ``key`` in ``graph`` (``import_problems``: its imports
    that could not be followed; ``syntax_errors`` default to what ``read`` found): its syntax
    errors first, then the rest by position (those in another file, its data file, last)."""
    http_file = graph.files[key]
    if syntax_errors is None:
        syntax_errors = read.syntax_errors(key)
    data_names, data_problems = _data_rows(http_file, settings)
    problems = [*import_problems, *data_problems]
    # Names may come from what cannot be read: then every name the file reads counts as
    # given, so the one error to fix is not buried under "undefined variable"s.
    unknown = problems or _broken_imports(graph, key)
    errors_of = {reached: read.syntax_errors(reached) for reached in graph.files}
    defined = {
        *settings.defined,
        *graph.visible(key),
        *names_of_broken_blocks(http_file.path, syntax_errors),
        *_broken_imported_names(graph, key, errors_of),
        *data_names,
        *(_names_read(http_file) if unknown else ()),
    }
    found = check_file(http_file, defined)
    # An empty '@import' or '@data' is a directive error already: said once.
    taken = {_start(d) for d in found if d.severity == "error"}
    found += [
        d
        for d in [*problems, *_clash_warnings(graph, key), *_include_problems(http_file, settings)]
        if _start(d) not in taken
    ]
    found.sort(key=lambda d: _position(d, http_file.path))
    return [d for error in syntax_errors for d in error.diagnostics()] + found


def _start(diagnostic: Diagnostic) -> tuple[str, int, int] | None:
    span = diagnostic.span
    return (span.path, span.line, span.column) if span is not None else None


def _position(diagnostic: Diagnostic, path: str) -> tuple[bool, str, int, int]:
    span = diagnostic.span
    if span is None:
        return (True, "", 1 << 30, 0)
    return (span.path != path, span.path, span.line, span.column)


def _broken_imports(graph: ImportGraph, key: Path) -> bool:
    """Whether an import that the file at ``key`` reaches could not be followed."""
    paths = {graph.files[reached].path for reached in _reachable_imports(graph, key)}
    return any(error.span is None or error.span.path in paths for error in graph.problems)


def _include_problems(http_file: HttpFile, settings: CheckSettings) -> list[Diagnostic]:
    """``< ./file`` and ``<@ ./file`` lines whose plain path names no file the run could read
    (outside the project, missing, a folder): the run would stop there."""
    from .resolve import ResolveOptions, include_problem

    includes = [
        part
        for block in http_file.requests
        if block.request is not None and block.request.body is not None
        for part in block.request.body.parts
        if isinstance(part, BodyInclude)
    ]
    if not includes:
        return []
    file_path = Path(http_file.path)
    options = ResolveOptions(
        project_root=find_project_root(file_path.resolve()),
        allow_outside_files=settings.allow_outside_files,
    )
    found: list[Diagnostic] = []
    fine: set[str] = set()  # paths found readable: a file includes the same one many times
    for part in includes:
        if part.path.source in fine:
            continue
        problem = include_problem(part, file_path, options)
        if problem is None:
            fine.add(part.path.source)
        else:
            found += problem.diagnostics()
    return found


def _data_rows(http_file: HttpFile, settings: CheckSettings) -> tuple[set[str], list[Diagnostic]]:
    """The names the file's ``@data`` rows give (its first row's), and the data file's
    problem, at its own position, when it cannot give rows."""
    from .data_source import data_directive, rows_for
    from .options import RunOptions

    if data_directive(http_file) is None:
        return set(), []
    options = RunOptions(allow_outside_files=settings.allow_outside_files)
    try:
        rows = rows_for(http_file, options, settings.max_include)
    except HttprunError as error:
        return set(), error.diagnostics()
    return (set(rows[0].values) if rows else set()), []


def _names_read(http_file: HttpFile) -> set[str]:
    names: set[str] = set()
    for block in http_file.blocks:
        names |= block.reads
        for variable in block.variables:
            names |= variable.value.reads
    return names


class CheckRun:
    """One ``httprun check`` of many targets: each file, target or imported, is parsed and
    reported once, whichever target reaches it first; a diagnostic two files share (their
    data file's) is shown once."""

    def __init__(self, settings: CheckSettings) -> None:
        self.settings = settings
        self.read = FileReader()
        self._reported: set[Path] = set()
        self._shown: set[Diagnostic] = set()

    def target(self, path: str) -> list[Diagnostic]:
        """The diagnostics of the target file ``path`` and of the files it imports that
        were not reported yet."""
        key = Path(path).resolve()
        if key in self._reported:
            return []
        try:
            http_file = self.read.parsed(key, path).http_file
        except HttprunError as error:  # it cannot be read: said once, imported or not
            return self._not_shown(error.diagnostics())
        graph = load_graph(http_file, self.read, allow_outside=self.settings.allow_outside_files)
        found = check_graph(graph, self.settings, self.read, skip=self._reported)
        self._reported |= found.keys()
        return self._not_shown([d for diagnostics in found.values() for d in diagnostics])

    def _not_shown(self, diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
        new: list[Diagnostic] = []
        for diagnostic in diagnostics:
            if diagnostic not in self._shown:
                self._shown.add(diagnostic)
                new.append(diagnostic)
        return new


def _import_problems_by_file(graph: ImportGraph) -> dict[Path, list[Diagnostic]]:
    """Each import that could not be followed, by the file whose ``@import`` it is (one
    positioned in no file of the graph, as an unreadable file's error: the root's)."""
    paths = {http_file.path: key for key, http_file in graph.files.items()}
    found: dict[Path, list[Diagnostic]] = {}
    for error in graph.problems:
        for diagnostic in error.diagnostics():
            span = diagnostic.span
            key = paths.get(span.path, graph.root_key) if span else graph.root_key
            found.setdefault(key, []).append(diagnostic)
    return found


def _broken_imported_names(
    graph: ImportGraph, key: Path, syntax_errors: Mapping[Path, Sequence[ParseError]]
) -> set[str]:
    """The names the broken blocks of the files ``key`` imports (transitively) would define:
    their readers get that file's summary error, not an "undefined variable" on top."""
    names: set[str] = set()
    for imported in _reachable_imports(graph, key):
        errors = syntax_errors.get(imported, ())
        if errors:
            names |= names_of_broken_blocks(graph.files[imported].path, errors)
    return names


def _clash_warnings(graph: ImportGraph, key: Path) -> list[Diagnostic]:
    return [
        Diagnostic(
            "warning",
            f"'{mine.name}' is defined here and imported from "
            f"{theirs.file.path}:{theirs.span.line} (this file's wins)",
            mine.span,
            hint=f"rename one of them to use both; the imported {theirs.kind} is hidden here",
        )
        for mine, theirs in graph.clashes(key)
    ]


def _reachable_imports(graph: ImportGraph, key: Path) -> set[Path]:
    """The files that the file at ``key`` imports, transitively."""
    found: set[Path] = set()
    pending = [imported.key for imported in graph.imports.get(key, [])]
    while pending:
        current = pending.pop()
        if current not in found:
            found.add(current)
            pending.extend(imported.key for imported in graph.imports.get(current, []))
    return found
