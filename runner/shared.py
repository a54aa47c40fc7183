"""Imported requests: run at most once per run, their result shared by every file that needs it.

FORMAT.md "Files that use other files". Each imported file gets one :class:`SharedFile` per run:
the results of those of its requests that ran, and a view of its top-level names for the files
that import it. A file that needs an imported request asks its ``SharedFile`` to ``ensure`` it;
the first asker runs it (with what it needs in its own file first), later ones (parallel files
too, which wait on the file's lock) find the result. A target of the run that other files
import runs through the same ``SharedFile``, so a login given on the command line and imported
by three files is still sent once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import UndefinedVariable
from .imports import Definition, ImportGraph, ReadOnce, load_graph
from .results import FileResult, RequestResult
from .scope import Scope
from .select import with_dependencies

if TYPE_CHECKING:
    from .datarows import DataRow
    from .nodes import HttpFile
    from .session import RunSession


class SharedImports:
    """What the files of one run share about imports: each imported file parsed once, and
    its :class:`SharedFile`."""

    def __init__(self, session: RunSession, parse: Callable[[str], HttpFile]) -> None:
        self._session = session
        self._lock = threading.Lock()
        # Each imported file parsed for the run once; its errors are raised each time it is
        # asked for: every importer is refused with them.
        self.read = ReadOnce(parse)
        self._graphs: dict[int, ImportGraph] = {}
        self._shared: dict[Path, SharedFile] = {}

    def graph_of(self, http_file: HttpFile) -> ImportGraph:
        """The imports of ``http_file``, followed (an imported file's graph is kept: its
        :class:`SharedFile` and every file that imports it ask for it)."""
        with self._lock:
            known = self._graphs.get(id(http_file))
        if known is not None:
            return known
        graph = load_graph(
            http_file, self.read, allow_outside=self._session.options.allow_outside_files
        )
        with self._lock:  # by identity: an editor's buffer is another file than the disk's
            return self._graphs.setdefault(id(http_file), graph)  # (the graph keeps it alive)

    def shared(self, key: Path) -> SharedFile:
        """The run's state of the imported file at ``key`` (created on first use)."""
        with self._lock:
            if key not in self._shared:
                found = self.read.get(key)
                assert found is not None  # a file that could not be read refused its importers
                self._shared[key] = SharedFile(self._session, found)
            return self._shared[key]

    def sharing(self, http_file: HttpFile, row: DataRow | None) -> SharedFile | None:
        """The state of ``http_file`` when a file of the run imports it (a target that is also
        imported runs through it), else None. A run for a data row is its own: the files that
        import this one share one run of it without rows, each row sends its requests."""
        if row is not None:
            return None
        with self._lock:
            return self._shared.get(Path(http_file.path).resolve())

    def ensure(self, needed: dict[Path, set[int]]) -> None:
        """Run the imported requests ``needed`` (file → block indices) that have not run."""
        for key in sorted(needed):
            self.shared(key).ensure(needed[key])

    def names_for(self, graph: ImportGraph) -> ImportedValues:
        return ImportedValues(self, graph)


class ImportedValues:
    """The names a file (the root of ``graph``) reads from its imports, for its
    :class:`~runner.scope.Scope`: each is looked up in the top-level view of the file that
    defines it."""

    def __init__(self, imports: SharedImports, graph: ImportGraph) -> None:
        self._imports = imports
        self._visible = graph.visible()

    def __contains__(self, name: object) -> bool:
        return name in self._visible

    def get(self, name: str) -> Any | None:
        """The value; raises UndefinedVariable, saying why, when the imported request that
        provides ``name`` ran and got no response (a connection refused, a skip)."""
        provider, definition = self._visible[name]
        shared = self._imports.shared(provider)
        value = shared.value(name)
        result = shared.results.get(definition.block)
        if value is None and definition.kind != "variable" and result is not None:
            raise _not_provided(name, definition, result)
        return value

    def names(self) -> list[str]:
        return sorted(self._visible)


class SharedFile:
    """One imported file in a run: which of its requests ran, with what result, and its
    names as they stand at the end of the file (the view importers read)."""

    def __init__(self, session: RunSession, http_file: HttpFile) -> None:
        self.session = session
        self.http_file = http_file
        # Held while one of its requests runs: a second file that needs it waits for the
        # result instead of sending it again. Re-entrant: ensure() runs blocks through it.
        self.lock = threading.RLock()
        self.results: dict[int, RequestResult] = {}
        self._view: Scope | None = None

    def ensure(self, indices: Collection[int]) -> None:
        """Run the requests ``indices``, with what they need in this file, unless they ran.
        The new results are reported as a section of this file."""
        from .file_run import FileRun

        with self.lock:
            wanted = with_dependencies(self.http_file, set(indices))
            if wanted <= self.results.keys():
                return
            file_run = FileRun(self.session, self.http_file, shared=self)
            new = self.session.run_blocks(file_run, wanted, report=False)
            if new:
                self.session.report_section(FileResult(self.http_file.path, tuple(new)))

    def record(self, index: int, result: RequestResult) -> None:
        with self.lock:
            self.results[index] = result
            self._view = None  # the names changed: built again when next read

    def value(self, name: str) -> Any | None:
        """``name`` as this file defines it at its end, with the requests that ran so far."""
        with self.lock:
            if self._view is None:
                self._view = self._build_view()
            return self._view.get(name)

    def _build_view(self) -> Scope:
        session = self.session
        graph = session.imports.graph_of(self.http_file)
        view = Scope(
            session.environment,
            session.options.variables,
            session.masker,
            imported=session.imports.names_for(graph),
        )
        for index, block in enumerate(self.http_file.blocks):
            for variable in block.variables:
                view.define(variable)
            result = self.results.get(index)
            if result is not None:
                replay(view, result)
        return view


def replay(scope: Scope, result: RequestResult) -> None:
    """Give ``scope`` what the request of ``result`` provided when it ran: its ``@name``
    response (even when a check failed, as a run does) and its captures."""
    name = result.block.name
    if name and result.exchange is not None:
        scope.assign(name, result.exchange.response)
    for capture, value in result.captures.items():
        scope.assign(capture, value)


def _not_provided(name: str, definition: Definition, result: RequestResult) -> UndefinedVariable:
    error = UndefinedVariable(name, definition.span)
    where = f"{definition.span.path}:{definition.span.line}"
    why = result.skip_reason or (result.error.message if result.error else result.outcome.value)
    error.label = f"it comes from the request at {where}, which gave no value: {why}"
    error.hint = "fix that request first (run its file alone to see why)"
    return error
